"""``pos-central po``: purchase orders from a shell (``services/purchasing.py``).

    pos-central po suggest S1 [--vendor V] [--json]
    pos-central po create S1 --vendor AquaCo --line SKU:QTY[@COST]... [--note TEXT] [--send]
    pos-central po create S1 --from-suggestions [--vendor V]
    pos-central po list [--store S1] [--status open|draft|sent|...] [--json]
    pos-central po show REF [--json]          (REF: a PO number or id)
    pos-central po send REF | po cancel REF

Quantities are base units; a cost is an amount in the store's currency (``0.34``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pos_central.errors import BadInput


def add_parser(sub: Any, db: argparse.ArgumentParser) -> None:
    po = sub.add_parser("po", help="purchase orders: suggest, create, list, show, send, "
                        "cancel", description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[db])
    what = po.add_subparsers(dest="po_command", required=True, metavar="ACTION")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        sp = what.add_parser(name, help=help_, description=help_, parents=[db])
        sp.set_defaults(func=run)
        return sp

    sp = add("suggest", "suggested orders of a store (at or below the reorder point)")
    sp.add_argument("store", metavar="STORE")
    sp.add_argument("--vendor")
    sp.add_argument("--json", action="store_true")
    sp = add("create", "a draft PO (or --send it at once), or drafts from the suggestions")
    sp.add_argument("store", metavar="STORE")
    sp.add_argument("--line", dest="lines", action="append", default=[],
                    metavar="SKU:QTY[@COST]", help="a line (repeat for more)")
    sp.add_argument("--vendor")
    sp.add_argument("--note", default="")
    sp.add_argument("--send", action="store_true", help="send it at once (registers pull it)")
    sp.add_argument("--from-suggestions", action="store_true",
                    help="one draft per vendor from the suggested orders")
    sp.add_argument("--json", action="store_true")
    sp = add("list", "purchase orders, newest first")
    sp.add_argument("--store")
    sp.add_argument("--status", choices=("open", "draft", "sent", "partially_received",
                                         "received", "cancelled"))
    sp.add_argument("--json", action="store_true")
    for name, help_ in (("show", "one purchase order with its lines"),
                        ("send", "send a draft to the vendor (registers pull it)"),
                        ("cancel", "cancel a draft or sent PO nothing was received against")):
        sp = add(name, help_)
        sp.add_argument("ref", metavar="REF", help="PO number (PO-S1-000001) or id")
        sp.add_argument("--json", action="store_true")


def _lines(engine: Any, store: str, texts: list[str]) -> list[tuple[str, int, int | None]]:
    from pos_central.dashboard.queries import stores
    from pos_protocol import InputError
    from pos_protocol.money import Currency

    currency = next((cur for c, _, cur in stores(engine) if c == store), "EUR")
    out = []
    for text in texts:
        sku, sep, rest = text.partition(":")
        qty_text, _, cost_text = rest.partition("@")
        if not sep or not sku or not qty_text.isdigit():
            raise BadInput(f"{text}: write SKU:QTY or SKU:QTY@COST (e.g. 100001:24@0.34)",
                           "lines")
        cost = None
        if cost_text:
            try:
                cost = Currency.of(currency).parse(cost_text)
            except InputError as exc:
                raise BadInput(f"{text}: cost {exc}", "lines") from exc
        out.append((sku, int(qty_text), cost))
    return out


def _print_po(po: Any) -> None:
    print(f"{po.number}  {po.store}  {po.vendor}  {po.status}  ({po.origin})")
    for ln in po.lines:
        print(f"  {ln.sku:<14} {ln.name[:30]:<30} ordered {ln.ordered:>8}  received "
              f"{ln.received:>8}")


def run(args: argparse.Namespace) -> int:
    from pos_central.cli import _engine
    from pos_central.services import purchasing

    engine = _engine(args)
    try:
        c = args.po_command
        data: Any
        if c == "suggest":
            got = purchasing.suggestions(engine, args.store, args.vendor)
            data = [s.to_json() for s in got]
            if not args.json:
                for s in got:
                    shown = "no par level" if s.suggested is None else s.suggested
                    print(f"{s.sku:<14} {s.vendor[:16]:<16} on hand {s.on_hand:>7}  reorder at "
                          f"{s.reorder_point:>6}  on order {s.on_order:>6}  suggest {shown}")
                return 0
        elif c == "create":
            if args.from_suggestions:
                if args.lines:
                    raise BadInput("give --line or --from-suggestions, not both", "lines")
                made = purchasing.create_from_suggestions(engine, args.store, args.vendor)
            else:
                if not args.vendor:
                    raise BadInput("--vendor is needed (or --from-suggestions)", "vendor")
                made = [purchasing.create(engine, args.store, args.vendor,
                                          _lines(engine, args.store, args.lines), args.note,
                                          args.send)]
            data = [po.to_json() for po in made]
            if not args.json:
                for po in made:
                    _print_po(po)
                return 0
        elif c == "list":
            got_pos = purchasing.list_orders(engine, args.store, args.status)
            data = [po.to_json() for po in got_pos]
            if not args.json:
                for po in got_pos:
                    print(f"{po.number}  {po.store}  {po.vendor}  {po.status}  "
                          f"{len(po.lines)} line(s)")
                return 0
        else:
            act = {"show": purchasing.get, "send": purchasing.send,
                   "cancel": purchasing.cancel}[c]
            po = act(engine, args.ref)
            data = po.to_json()
            if not args.json:
                _print_po(po)
                return 0
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    finally:
        engine.dispose()
