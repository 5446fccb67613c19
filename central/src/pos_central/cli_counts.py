"""``pos-central counts``: stock counts to review (``services/counts.py``).

    pos-central counts review [--store S1] [--days 90] [--json]

Two registers that count the same product at the same time each post their variance, and both
stand (they are deltas). The count posted second is listed here with the one it overlapped and
the combined variance, so someone checks the shelf once more.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub: Any, db: argparse.ArgumentParser) -> None:
    co = sub.add_parser("counts", help="stock counts: review overlapping counts",
                        description=__doc__, parents=[db],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    what = co.add_subparsers(dest="counts_command", required=True, metavar="ACTION")
    sp = what.add_parser("review", help="counts posted while another register counted the "
                         "same product", description="counts to review, newest first",
                         parents=[db])
    sp.set_defaults(func=run)
    sp.add_argument("--store", help="only this store")
    sp.add_argument("--days", type=int, default=90, help="look this far back (default 90)")
    sp.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from pos_central.cli import _engine
    from pos_central.errors import BadInput
    from pos_central.services import counts

    if args.days < 1:
        raise BadInput("--days: 1 or more", "days")
    engine = _engine(args)
    try:
        found = counts.overlapping(engine, args.store, args.days)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([o.to_json() for o in found], ensure_ascii=False, indent=1))
        return 0
    for o in found:
        a, b = o.first, o.second
        print(f"{b.store} {b.sku}: count {b.number} on {b.register} ({b.variance:+d}) overlapped "
              f"count {a.number} on {a.register} ({a.variance:+d}); together "
              f"{a.variance + b.variance:+d}: check the shelf")
    if not found:
        print("no counts to review" + (f" at {args.store}" if args.store else ""))
    return 0
