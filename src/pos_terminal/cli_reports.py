"""``pos-terminal report``: the register's reports headless, as text or CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from pos_terminal.errors import InputError

KINDS = ("x", "z", "sales", "hourly", "daily", "departments", "movers", "stock", "low-stock",
         "shrinkage", "tax")


def add_parsers(sub: Any, cmd: Any) -> None:
    sp = cmd("report", cmd_report, "print a report, or write it as CSV")
    sp.add_argument("kind", choices=KINDS)
    sp.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (local)")
    sp.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (default today)")
    sp.add_argument("--csv", metavar="FILE", help="write the rows as CSV ('-' for stdout)")
    sp.add_argument("--shift", type=int, help="the shift number of a Z report (default last)")
    sp.add_argument("--limit", type=int, default=20, help="rows of the movers lists")


def cmd_report(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.services.reports import Period, Table
    from pos_terminal.services.shifts import ShiftReport

    with open_register(args.data_dir) as app:
        r = app.reports
        days = 1 if args.kind not in ("daily", "movers", "shrinkage") else 30
        period = Period.parse(args.start, args.end, days)
        k = args.kind
        result: Table | ShiftReport
        if k == "x":
            result = r.x()
        elif k == "z":
            result = r.z(args.shift)
        elif k == "sales":
            result = r.sales(period)
        elif k in ("hourly", "daily", "departments"):
            result = r.sales_by({"hourly": "hour", "daily": "day"}.get(k, "department"), period)
        elif k == "movers":
            result = r.movers(period, args.limit)
        elif k in ("stock", "low-stock"):
            result = r.stock(low_only=k == "low-stock")
        elif k == "shrinkage":
            result = r.shrinkage(period)
        else:
            result = r.tax(period)
        table = r.shift_table(result) if isinstance(result, ShiftReport) else result
        cur = app.settings.currency
        rows = table.formatted(cur)
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
