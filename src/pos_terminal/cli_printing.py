"""``pos-terminal reprint`` and ``pos-terminal print-queue``: the print queue from the shell.

Both only read or queue: the running register's print worker prints the job (it looks at the
queue every few seconds, so a reprint queued here comes out without restarting anything).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace], int]
Cmd = Callable[..., Any]  # cli.build_parser's cmd(name, func, help, json_opt=False)


def add_parsers(sub: Any, cmd: Cmd) -> None:
    """Add ``reprint`` and ``print-queue`` with ``cli.build_parser``'s ``cmd`` helper."""
    sp = cmd("reprint", cmd_reprint, "queue a copy of a receipt (printed with a COPY marker)",
             json_opt=True)
    sp.add_argument("receipt_no", metavar="RECEIPT_NO", help="a receipt or return number")
    sp.add_argument("--preview", action="store_true",
                    help="show the receipt on screen instead of queueing a copy")
    sp.add_argument("--width", type=int, metavar="COLUMNS",
                    help="preview width (default: the printer's)")
    cmd("print-queue", cmd_print_queue, "print jobs waiting for the printer", json_opt=True)


def _open(args: argparse.Namespace) -> Any:
    from pos_terminal.bootstrap import open_register

    return open_register(args.data_dir)


def _service(app: Any, width: int | None = None) -> Any:
    """A PrintService for the register; ``width`` None: the configured printer's columns."""
    from pos_terminal.config import load_raw
    from pos_terminal.hardware.printer_settings import (
        printer_settings_from,
        receipt_settings_from,
    )
    from pos_terminal.services.printing import PrintService

    raw = load_raw(app.paths)
    if width is None:
        from pos_terminal.hardware.printer import ReceiptPrinter

        width = ReceiptPrinter(printer_settings_from(raw, app.paths.config)).columns
    return PrintService(app.ctx, receipt_settings_from(raw, app.paths.config), width)


def cmd_reprint(args: argparse.Namespace) -> int:
    from pos_terminal.errors import InputError

    if args.width is not None and not 24 <= args.width <= 80:
        raise InputError("--width must be 24 to 80")
    with _open(args) as app:
        if args.preview:
            text = _service(app, args.width).preview(args.receipt_no)
            if args.json:
                print(json.dumps({"receipt_no": args.receipt_no, "text": text},
                                 ensure_ascii=False))
            else:
                print(text, end="")
            return 0
        job = _service(app, 42).reprint(args.receipt_no, user_id=app.users.system_user().id)
    if args.json:
        print(json.dumps({"receipt_no": args.receipt_no, "job": job}))
    else:
        print(f"copy of {args.receipt_no} queued (print job {job})")
    return 0


def cmd_print_queue(args: argparse.Namespace) -> int:
    with _open(args) as app:
        svc = _service(app, 42)
        state = svc.pending()
        jobs = svc.jobs()
    if args.json:
        print(json.dumps({
            "pending": state.pending, "failed": state.failed, "oldest_at": state.oldest_at,
            "oldest_age_s": None if state.oldest_age_s is None else round(state.oldest_age_s, 1),
            "jobs": [
                {"id": j.id, "created_at": j.created_at, "kind": j.kind, "label": j.label,
                 "copy": j.copy, "status": j.status, "attempts": j.attempts,
                 "last_error": j.last_error}
                for j in jobs
            ],
        }, ensure_ascii=False, indent=1))
        return 0
    if not jobs:
        print("print queue empty")
        return 0
    age = "" if state.oldest_age_s is None else f", oldest {_age(state.oldest_age_s)} old"
    print(f"{state.pending} job(s) waiting{age}" + (f"; {state.failed} failed" if state.failed
                                                    else ""))
    for j in jobs:
        what = f"{j.kind}{' copy' if j.copy else ''}"
        line = f"{j.id:>6}  {j.created_at}  {what:<13} {j.label:<22} {j.status:<6}"
        if j.attempts:
            line += f"  {j.attempts} tries: {j.last_error or ''}"
        print(line.rstrip())
    return 0


def _age(seconds: float) -> str:
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h"
