"""The demo store: a realistic convenience/liquor catalog with opening stock, two users, and
optionally a large synthetic catalog for benchmarks."""

from __future__ import annotations

from importlib import resources
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select

from pos_protocol import wire
from pos_protocol.gtin import with_check_digit
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.users import Role

if TYPE_CHECKING:
    from pos_terminal.bootstrap import App

DEMO_USERS = (("cashier", Role.CASHIER, "1111"), ("manager", Role.MANAGER, "9999"))
SYNTHETIC_PREFIX = "470"  # GS1 prefix no demo product uses; 9 digits of index follow
CHUNK = 20_000
EVENT_MOVES = 500


def demo_csv() -> str:
    return resources.files("pos_terminal.services").joinpath("demo_catalog.csv").read_text("utf-8")


def product_count(app: App) -> int:
    with app.ctx.read() as conn:
        return conn.execute(select(func.count()).select_from(t.products)).scalar_one()


def seed(app: App, products: int | None = None) -> dict[str, int]:
    """Seed the demo catalog, users and opening stock once; add synthetic products up to N."""
    added = {"products": 0, "synthetic": 0, "users": 0}
    if product_count(app) == 0:
        system = app.users.system_user()
        result = app.catalog.import_text(demo_csv(), opening_stock=True, user_id=system.id)
        added["products"] = result.created
    existing = set(app.users.names())
    for name, role, pin in DEMO_USERS:
        if name not in existing:
            app.users.add(name, role, pin)
            added["users"] += 1
    if products:
        added["synthetic"] = add_synthetic(app, products - product_count(app))
    return added


def synthetic_code(i: int) -> str:
    return with_check_digit(f"{SYNTHETIC_PREFIX}{i:09d}")


def add_synthetic(app: App, n: int) -> int:
    """Append ``n`` generated products (barcode, price, opening stock) in chunked transactions."""
    if n <= 0:
        return 0
    s = app.settings
    system = app.users.system_user()
    with app.ctx.read() as conn:
        start = conn.execute(select(func.max(t.products.c.id))).scalar() or 0
        tax_id = conn.execute(
            select(t.tax_classes.c.id).order_by(t.tax_classes.c.id).limit(1)
        ).scalar_one()
        dept = conn.execute(select(t.departments.c.id).limit(1)).scalar()
    made = 0
    ids = iter(range(start + 1, start + 1 + n))
    while chunk := list(islice(ids, CHUNK)):
        now = utc_now()
        with app.ctx.write() as conn:
            conn.execute(insert(t.products), [
                {"id": i, "sku": f"SYN{i:09d}", "name": f"Synthetic item {i}", "variant": "",
                 "department_id": dept, "tax_class_id": tax_id, "unit": "each",
                 "price": 100 + i % 900, "price_per": 1, "cost": 60 + i % 500,
                 "reorder_point": 5, "par_level": 20, "active": True, "updated_at": now}
                for i in chunk
            ])
            codes = [synthetic_code(i) for i in chunk]
            # Generated codes are valid EAN-13s; their key is the GTIN-14 (no parsing needed).
            conn.execute(insert(t.barcodes), [
                {"key": "0" + c, "code": c, "product_id": i, "multiplier": 1}
                for i, c in zip(chunk, codes, strict=True)
            ])
            moves = [
                Movement(new_id(), i, 10 + i % 40, MovementKind.RECEIVE, "opening stock",
                         "synthetic catalog", 60 + i % 500, now, system.id, s.terminal)
                for i in chunk
            ]
            posted = ledger.append(conn, s.terminal, moves)
            skus = {i: f"SYN{i:09d}" for i in chunk}
            for k in range(0, len(posted), EVENT_MOVES):  # events a sync batch can carry
                ledger.add_event(conn, now, wire.StockReceived(
                    reference="opening stock",
                    movements=ledger.movement_payload(posted[k : k + EVENT_MOVES], skus),
                ))
        made += len(chunk)
    return made
