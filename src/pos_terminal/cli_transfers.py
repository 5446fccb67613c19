"""``pos-terminal transfer``: send stock to another store, list and receive transfers.

- ``transfer send --to S2 CODE[xN]...`` posts a transfer out (works offline; syncs later).
- ``transfer list [--all] [--json]`` shows transfers to this store waiting to be received
  (pulled by sync) and the ones this register sent.
- ``transfer receive ID [CODE[xN]...] [--damaged CODE[xN]]...`` receives a pending transfer:
  without codes everything arrived as sent; with codes, exactly those quantities arrived
  (anything not named is short).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pos_terminal.errors import InputError


def add_parsers(sub: Any, cmd: Any) -> None:
    sp = cmd("transfer", cmd_transfer, "send stock to another store, or receive a transfer")
    tsub = sp.add_subparsers(title="actions", metavar="ACTION", dest="action")
    s = tsub.add_parser("send", help="send items to another store (transfer_out)",
                        description="send items to another store (transfer_out)")
    s.add_argument("--to", required=True, metavar="STORE", help="the store the goods go to")
    s.add_argument("codes", nargs="+", metavar="CODE[xN]")
    s.add_argument("--json", action="store_true", help="print JSON")
    ls = tsub.add_parser("list", help="transfers waiting to be received, and sent ones",
                         description="transfers to this store waiting to be received (pulled "
                                     "by sync) and the ones this register sent")
    ls.add_argument("--all", action="store_true", help="also received and closed ones")
    ls.add_argument("--json", action="store_true", help="print JSON")
    r = tsub.add_parser("receive", help="receive a transfer sent to this store (transfer_in)",
                        description="receive a transfer: without codes everything arrived as "
                                    "sent; with codes exactly those quantities arrived")
    r.add_argument("transfer", metavar="ID", help="the transfer's number or id")
    r.add_argument("codes", nargs="*", metavar="CODE[xN]")
    r.add_argument("--damaged", action="append", default=[], metavar="CODE[xN]",
                   help="units that arrived damaged (recorded, not put on hand); repeatable")
    r.add_argument("--json", action="store_true", help="print JSON")


def _counts(app: Any, codes: list[str]) -> dict[str, int]:
    from pos_terminal.cli import parse_code_qty

    out: dict[str, int] = {}
    for text in codes:
        sku, qty, _ = app.transfers.resolve_code(*parse_code_qty(text))
        out[sku] = out.get(sku, 0) + qty
    return out


def cmd_transfer(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.cli import parse_code_qty

    if not getattr(args, "action", None):
        raise InputError("say what to do: pos-terminal transfer send|list|receive (see --help)")
    with open_register(args.data_dir) as app:
        user = app.users.system_user()
        if args.action == "send":
            items = [parse_code_qty(c) for c in args.codes]
            tr = app.transfers.send(args.to, items, user.id)
            _print(args, tr.to_json(), f"transfer {tr.number} to {tr.to_store}: "
                   + ", ".join(f"{ln.sent} x {ln.sku}" for ln in tr.lines)
                   + " (syncs with the next sync)")
        elif args.action == "list":
            inbound = app.transfers.inbound(pending_only=not args.all)
            outbound = app.transfers.outbound()
            data = {"inbound": [x.to_json() for x in inbound],
                    "outbound": [x.to_json() for x in outbound]}
            lines = [f"to receive ({len(inbound)}):" if not args.all else
                     f"to this store ({len(inbound)}):"]
            lines += [f"  {x.number}  from {x.from_store}  sent {(x.sent_at or '')[:16]}  "
                      f"{x.units} unit(s) in {len(x.lines)} line(s)  {x.status}"
                      for x in inbound]
            lines.append(f"sent from this register ({len(outbound)}):")
            lines += [f"  {x.number}  to {x.to_store}  sent {(x.sent_at or '')[:16]}  "
                      f"{x.units} unit(s) in {len(x.lines)} line(s)" for x in outbound]
            _print(args, data, "\n".join(lines))
        else:
            received = _counts(app, args.codes) if args.codes else None
            damaged = _counts(app, args.damaged)
            got = app.transfers.receive(args.transfer, received, user.id, damaged)
            tr = got.transfer
            text = [f"received {tr.number} from {tr.from_store}: "
                    + ", ".join(f"{ln.received} of {ln.sent} x {ln.sku}" for ln in tr.lines)]
            text += [f"  {d.kind} {d.quantity} x {d.sku}" for d in got.discrepancies]
            if not got.discrepancies:
                text.append("  everything arrived as sent")
            _print(args, {**tr.to_json(), "discrepancies": [d.__dict__ for d in
                                                            got.discrepancies],
                          "on_hand": got.on_hand}, "\n".join(text))
    return 0


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else text)
