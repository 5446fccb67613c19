"""``pos-terminal doctor printer``: print a test page and report what the printer says.

Sends one test page (settings, a code-page sample with €/é/ß, a ruler, a Code128 barcode and a
cut), then asks the printer for its status and waits at most a couple of seconds for the reply
(many network interfaces never answer). Exits 0 once the page was sent; an unreachable printer
exits non-zero with one line saying what to check. Works without a register when ``--printer``
is given.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from pos_terminal import __version__
from pos_terminal.config import Paths
from pos_terminal.errors import ConfigError, InputError

STATUS_WAIT = 1.5  # seconds; "a couple of seconds" at most (capped at 2)


def add_parsers(sub: Any) -> None:
    """Add the ``printer`` check to the doctor sub-parsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "printer", help="print a test page and show the printer's status",
        description="Print a test page (code page sample, barcode, cut) and show the printer's "
                    "status. Exits 0 once the page is sent.",
    )
    p.add_argument("--printer", metavar="ADDRESS",
                   help="tcp://HOST[:PORT] | serial:///dev/ttyS0?baudrate=19200 | usb://VID:PID "
                        "| file:///dev/usb/lp0 (default: [printer] address in config.toml)")
    p.add_argument("--profile", help="python-escpos capability profile (default: config, else "
                                     "TM-T88V)")
    p.add_argument("--columns", type=int, help="characters per line (default: the profile's)")
    p.add_argument("--wait", type=float, default=STATUS_WAIT, metavar="SECONDS",
                   help=f"how long to wait for a status reply (default {STATUS_WAIT}, max 2)")
    p.add_argument("--no-page", action="store_true", help="only ask for the status")
    p.set_defaults(func=cmd_printer)


def _settings(args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from pos_terminal.hardware.printer_settings import (
        PrinterSettings,
        load_printer_settings,
        parse_address,
    )

    paths = Paths(args.data_dir)
    if args.printer:
        # An installer may test a printer before the register exists; use the register's other
        # printer settings (profile, code page) when there is one.
        settings = load_printer_settings(paths) if paths.config.exists() else PrinterSettings()
        settings = replace(settings, address=parse_address(args.printer, "--printer"))
    else:
        try:
            settings = load_printer_settings(paths)
        except ConfigError as exc:
            raise ConfigError(f"{exc}; or test a printer with --printer ADDRESS") from exc
        if settings.address.kind == "none":
            raise ConfigError(
                f'{paths.config}: [printer] address is "none" (no printer): set it, or test a '
                "printer with --printer ADDRESS")
    if args.profile:
        settings = replace(settings, profile=args.profile)
    if args.columns is not None:
        if not 24 <= args.columns <= 80:
            raise InputError("--columns must be 24 to 80")
        settings = replace(settings, columns=args.columns)
    return settings


def cmd_printer(args: argparse.Namespace) -> int:
    from pos_terminal.domain.receipt import render_test_page
    from pos_terminal.hardware.errors import PrinterError
    from pos_terminal.hardware.printer import ReceiptPrinter

    if not 0 < args.wait <= 2:
        raise InputError("--wait must be more than 0 and at most 2 seconds")
    settings = _settings(args)
    printer = ReceiptPrinter(settings)
    columns = printer.columns
    print(f"printer  {printer} (profile {settings.profile}, {columns} columns, "
          f"code page {settings.codepage})", flush=True)
    data = b""
    if not args.no_page:
        now = datetime.now().astimezone()
        info = [
            ("Address", settings.address.text),
            ("Profile", settings.profile),
            ("Columns", str(columns)),
            ("Code page", settings.codepage),
            ("Cut", settings.cut),
            ("Drawer pin", str(settings.drawer_pin)),
            ("Printed", f"{now:%Y-%m-%d %H:%M:%S}"),
            ("Software", f"pos-terminal {__version__}"),
        ]
        doc = render_test_page(columns, info, f"TEST-{now:%H%M%S}",
                               partial_cut=settings.cut == "partial", charset=printer.plain)
        data = printer.encode(doc)
    started = time.monotonic()
    with printer.connect(timeout=min(settings.timeout, 5.0)) as link:
        if data:
            link.write(data)
            print(f"sent     test page, {len(data)} bytes in "
                  f"{time.monotonic() - started:.2f} s", flush=True)
        try:
            status = printer.query_status(link, args.wait)
            link.finish()
        except PrinterError as exc:
            if not data:
                raise
            # A printer closes only after we are done: this one dropped the page.
            raise type(exc)(f"{exc} (the test page may not have printed)") from exc
    if not link.can_read:
        text = "unknown (no status over a file or device path)"
    elif status.answered:
        text = status.describe()
    else:
        text = (f"no reply within {args.wait:g} s (the printer or its interface may not "
                "answer status queries; printing still works)")
    print(f"status   {text}")
    if data and status_problem(text):
        print("note     the page prints once the printer is ready again")
    return 0


def status_problem(text: str) -> bool:
    return text.startswith(("out of paper", "cover open", "printer error", "offline"))
