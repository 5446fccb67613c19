"""What the register puts in its outbox is the protocol's typed payload, byte for byte: every
event a cashier's or a manager's commands make parses with its event type's class (the one the
central reads it with) and writes back to the same JSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pos_protocol import wire
from pos_terminal.bootstrap import open_register

from support import ok

CAN = {"code": "CAN", "name": "Deposit can", "amount": 25, "tax_class": "STD"}


def _outbox(data_dir: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        return con.execute("SELECT type, payload FROM outbox ORDER BY rowid").fetchall()
    finally:
        con.close()


def test_every_outbox_event_is_its_typed_payload(data_dir: Path) -> None:
    products = json.loads(ok(data_dir, "products", "--json", "--limit", "50"))
    each = next(p for p in products if p["unit"] == "each" and p["on_hand"] > 5)
    code, sku = each["barcodes"][0]["code"], each["sku"]
    receipt = json.loads(ok(data_dir, "sell", f"{code}x2", "--pay", "cash", "--json"))
    ok(data_dir, "return", receipt["receipt_no"], code)
    ok(data_dir, "receive", f"{code}x3", "--ref", "DN-1")
    ok(data_dir, "adjust", code, "-1", "--reason", "damaged")
    ok(data_dir, "count", code, "5")
    ok(data_dir, "reorder", sku, "--reorder-point", "2", "--par", "10")
    ok(data_dir, "po", "draft", "--vendor", "Acme Foods", f"{code}x4", "--note", "weekend")
    with open_register(data_dir) as app:  # a deposit type arrives with a catalog pull
        app.sync.apply_catalog(wire.parse_catalog_page({"version": 1, "products": [],
                                                        "deposits": [CAN]}))
        app.deposits.refund([("CAN", 3)], app.users.system_user().id, "voucher")
    seen = set()
    for type_, raw in _outbox(data_dir):
        sent = json.loads(raw)
        payload = wire.PAYLOADS[type_].parse(sent)
        assert payload.to_json() == sent, type_
        seen.add(type_)
    assert seen >= {"stock.received", "sale.completed", "return.completed", "stock.adjusted",
                    "stock.counted", "reorder.set", "purchase_order.drafted",
                    "deposit.refunded"}
