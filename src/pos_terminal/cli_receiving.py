"""``pos-terminal po``: purchase orders at the register from a shell.

    pos-terminal po list [--json]                          open POs (pulled, or drafted here)
    pos-terminal po draft --vendor V CODE[xQTY]... [--note TEXT]
    pos-terminal po receive PO CODE[xQTY]... [--damaged CODE:QTY]... [--ref NOTE] [--json]

``po receive`` opens a delivery against the PO, counts the items (a pack barcode counts its
multiplier), marks damaged units, and posts it in one go; discrepancies (over, short, damaged,
unexpected) are printed and recorded. Actions run as the register's system account (a manager).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pos_terminal.errors import InputError


def add_parsers(sub: Any, cmd: Any) -> None:
    p = cmd("po", run, "purchase orders: list, draft, receive against one")
    p.description = __doc__
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    what = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    sp = what.add_parser("list", help="open purchase orders")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp = what.add_parser("draft", help="draft a PO for the central (a manager's)")
    sp.add_argument("codes", nargs="+", metavar="CODE[xQTY]")
    sp.add_argument("--vendor", required=True)
    sp.add_argument("--note", default="")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp = what.add_parser("receive", help="receive and post a delivery against a PO")
    sp.add_argument("po", metavar="PO", help="PO number (PO-S1-000012) or id")
    sp.add_argument("codes", nargs="+", metavar="CODE[xQTY]")
    sp.add_argument("--damaged", action="append", default=[], metavar="CODE:QTY")
    sp.add_argument("--ref", default="", metavar="NOTE", help="delivery note number")
    sp.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.cli import parse_code_qty

    with open_register(args.data_dir) as app:
        user = app.users.system_user()
        r = app.receiving
        if args.action == "list":
            orders = r.open_orders()
            data: Any = [{"id": o.id, "number": o.number, "vendor": o.vendor,
                          "status": o.status, "lines": [ln.__dict__ for ln in o.lines]}
                         for o in orders]
            text = "\n".join(o.label for o in orders) or "no open purchase orders"
        elif args.action == "draft":
            po = r.draft_po(user, args.vendor, [parse_code_qty(c) for c in args.codes],
                            args.note)
            data = {"id": po.id, "number": po.number}
            text = f"drafted {po.label}; it goes to the central with the next sync"
        else:
            rec = r.start(user.id, po=args.po, reference=args.ref)
            try:
                for code, qty in (parse_code_qty(c) for c in args.codes):
                    rec = r.scan(rec.id, code, qty)
                for d in args.damaged:
                    code, _, qty = d.rpartition(":")
                    if not code or not qty.isdigit():
                        raise InputError(f"--damaged {d}: write CODE:QTY")
                    sku = app.catalog.item(code).sku
                    rec = r.set_damaged(rec.id, sku, int(qty))
                got = r.post(rec.id, user.id)
            except BaseException:
                r.cancel(rec.id)  # nothing posted: leave no half-received delivery behind
                raise
            data = {"delivery_id": got.delivery_id, "received": got.received,
                    "on_hand": got.on_hand,
                    "discrepancies": [d.to_json() for d in got.discrepancies]}
            text = "\n".join([f"received {q} of {sku}; on hand {got.on_hand[sku]}"
                              for sku, q in got.received.items()]
                             + [f"{d.kind}: {d.quantity} of {d.sku}"
                                for d in got.discrepancies])
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else text)
    return 0
