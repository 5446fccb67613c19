"""``pos-terminal report``: the register's reports headless, as text or CSV, or queued for the
receipt printer (``--print``; the running register's print worker prints it)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from pos_terminal.errors import InputError

# services.reports.REPORTS; spelt out so that building the parser imports no SQLAlchemy
KINDS = ("x", "z", "sales", "hourly", "daily", "departments", "movers", "stock", "low-stock",
         "shrinkage", "tax", "overrides")


def add_parsers(sub: Any, cmd: Any) -> None:
    sp = cmd("report", cmd_report, "print a report, or write it as CSV or JSON; 'overrides' "
             "is the till's shrinkage view: voids, price overrides, discounts, no-sale opens, "
             "refunds and paid in/out by cashier and day, counted and valued")
    sp.add_argument("kind", choices=KINDS)
    sp.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (local)")
    sp.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (default today)")
    sp.add_argument("--csv", metavar="FILE", help="write the rows as CSV ('-' for stdout)")
    sp.add_argument("--json", action="store_true",
                    help="print the report as JSON (money in minor units, with the currency)")
    sp.add_argument("--shift", type=int, help="the shift number of a Z report (default last)")
    sp.add_argument("--limit", type=int, default=20, help="rows of the movers lists")
    sp.add_argument("--print", dest="to_printer", action="store_true",
                    help="queue it for the receipt printer (long tables are cut short there)")
    sp.add_argument("--paper", action="store_true",
                    help="show it as it prints, at the printer's width")


def cmd_report(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.services import report_printing
    from pos_terminal.services.reports import Table
    from pos_terminal.services.shifts import ShiftReport

    if args.limit <= 0:
        raise InputError("--limit must be positive")
    with open_register(args.data_dir) as app:
        period = report_printing.default_period(args.kind, args.start, args.end)
        result: Table | ShiftReport
        if args.kind == "z":
            result = app.reports.z(args.shift)
        else:
            result = report_printing.run(app.reports, args.kind, period, args.limit)
        if args.to_printer or args.paper:
            return _to_paper(app, args, result, period)
        table = app.reports.shift_table(result) if isinstance(result, ShiftReport) else result
        cur = app.settings.currency
        rows = table.formatted(cur)
    if args.json:
        print(json.dumps(as_json(table, cur.code), ensure_ascii=False, indent=1))
        return 0
    if args.csv:
        write_csv(args.csv, table.columns, rows)
        if args.csv != "-":
            print(f"{table.title}: {len(rows)} row(s) written to {args.csv}")
        return 0
    print(table.title)
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c)
              for i, c in enumerate(table.columns)]
    print("  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    for note in table.notes:
        print(note)
    return 0


def _to_paper(app: Any, args: argparse.Namespace, result: Any, period: Any) -> int:
    """Queue the report for the receipt printer, or (``--paper``) show it as it prints, at the
    configured printer's width."""
    from pos_terminal.cli_printing import _service
    from pos_terminal.domain.receipt import to_text
    from pos_terminal.services import report_printing
    from pos_terminal.services.shifts import ShiftReport

    svc = _service(app)
    if isinstance(result, ShiftReport):  # X (a shift is open) or Z: the shift report
        if args.paper:
            print(svc.report_text(result), end="")
            return 0
        job = svc.print_report(result)
    else:
        ref = report_printing.print_job_reference(args.kind, period, args.limit)
        if args.paper:
            print(to_text(svc.table_document(ref)), end="")
            return 0
        job = svc.print_table(args.kind, period, args.limit)
    print(f"{args.kind} report queued for the receipt printer (print job {job}); the "
          "register's print worker prints it")
    return 0


def as_json(table: Any, currency: str) -> dict[str, Any]:
    """A report for scripts: its rows as objects of plain values (money in minor units)."""
    return {"title": table.title, "currency": currency, "columns": list(table.columns),
            "money": list(table.money), "notes": list(table.notes),
            "rows": [dict(zip(table.columns, r, strict=True)) for r in table.rows]}


def write_csv(dest: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if dest == "-":
        _write(sys.stdout, columns, rows)
        return
    try:
        with Path(dest).open("w", newline="", encoding="utf-8") as out:
            _write(out, columns, rows)
    except OSError as exc:
        raise InputError(f"cannot write {dest}: {exc.strerror}") from exc


def _write(out: Any, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    w = csv.writer(out)
    w.writerow(columns)
    w.writerows(rows)
