"""``pos-central transfers``: the admin's view of transfers between stores
(``services/transfers.py``; registers send and receive them).

    pos-central transfers list [--store S1] [--status in_transit|received|...] [--limit N] [--json]

``--store`` lists transfers from or to that store; newest first. A transfer flagged for a look
(sent to an unknown store, received twice or by another store…) shows its problem.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pos_central.errors import NotFound

STATUSES = ("in_transit", "received", "received_with_discrepancies")


def add_parser(sub: Any, db: argparse.ArgumentParser) -> None:
    tr = sub.add_parser("transfers", help="transfers between stores: list", description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[db])
    what = tr.add_subparsers(dest="transfers_command", required=True, metavar="ACTION")
    sp = what.add_parser("list", help="transfers, newest first",
                         description="transfers, newest first", parents=[db])
    sp.set_defaults(func=run)
    sp.add_argument("--store", help="only transfers from or to this store")
    sp.add_argument("--status", choices=STATUSES)
    sp.add_argument("--limit", type=int, default=500, help="at most N (default 500)")
    sp.add_argument("--json", action="store_true")


def _when(dt: Any) -> str:
    return "—" if dt is None else dt.strftime("%Y-%m-%d %H:%M")


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from pos_central.cli import _engine
    from pos_central.db import tables as t
    from pos_central.db.engine import read
    from pos_central.errors import BadInput
    from pos_central.services import transfers

    if args.limit < 1:
        raise BadInput("--limit: 1 or more", "limit")
    engine = _engine(args)
    try:
        if args.store:
            with read(engine) as conn:
                if conn.execute(select(t.stores.c.code)
                                .where(t.stores.c.code == args.store)).first() is None:
                    raise NotFound(f"unknown store {args.store}", "store")
        rows = transfers.list_transfers(engine, args.store, args.status, args.limit)
        if args.json:
            print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=1))
            return 0
        for r in rows:
            received = "—" if r.received_at is None else str(r.received_units)
            print(f"{r.number}  {r.from_store} -> {r.to_store}  {r.status}  sent "
                  f"{_when(r.sent_at)}  received {_when(r.received_at)}  units {r.units} / "
                  f"{received}" + (f"  CHECK: {r.problem}" if r.problem else ""))
        if not rows:
            print("no transfers" + (f" from or to {args.store}" if args.store else "")
                  + (f" {args.status.replace('_', ' ')}" if args.status else ""))
        return 0
    finally:
        engine.dispose()
