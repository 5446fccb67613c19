"""``pos-terminal doctor``: live diagnostics an installer runs at the store."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    from pos_terminal.doctor import central, display, printer, scale, scanner, terminal

    p: argparse.ArgumentParser = sub.add_parser(
        "doctor",
        help="live diagnostics for installers (ports, scanner, scale, printer, display, terminal)",
        description="live diagnostics for installers",
    )
    dsub = p.add_subparsers(title="checks", metavar="CHECK", required=True)
    scanner.add_parsers(dsub)
    scale.add_parsers(dsub)
    printer.add_parsers(dsub)
    central.add_parsers(dsub)
    display.add_parsers(dsub)
    terminal.add_parsers(dsub)
