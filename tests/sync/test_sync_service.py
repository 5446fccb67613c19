"""The database side of sync (``SyncService``) on a real register file: outbox order and
limits, exact mark-sent, quarantine, catalog pulls in one transaction, sibling movements that
move on-hand but never the hash chain, and ``verify`` with both."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_helpers import product_json, sibling_json

from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.db import ledger, migrate
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import StorageError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.sync import SyncService


def sell(app: App, code: str, qty: int = 1, training: bool = False) -> str:
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, code), qty)
    user = app.users.system_user().id
    return app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], user,
                                      training=training).sale_id


def first_code(products: list[dict]) -> str:
    p = next(p for p in products if p["unit"] == "each" and p["min_age"] is None
             and p["max_per_sale"] is None)
    return p["barcodes"][0]["code"]


def catalog_page(*products: dict, version: int | None = None) -> wire.CatalogPage:
    return wire.parse_catalog_page({"version": version or max(p["version"] for p in products),
                                    "products": list(products)})


def moves_page(*items: dict, cursor: int | None = None) -> wire.MovementsPage:
    return wire.parse_movements_page({"cursor": cursor or max(i["cursor"] for i in items),
                                      "movements": list(items)})


def test_batches_follow_seq_and_limits(app: App, products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    code = first_code(products)
    for _ in range(5):
        sell(app, code)
    sell(app, code, training=True)  # never reaches the outbox
    everything = svc.next_batch(100)
    assert [e.seq for e in everything] == sorted(e.seq for e in everything)
    assert len(everything) == 6 == svc.pending_count()  # opening stock + 5 sales
    assert [e.seq for e in svc.next_batch(2)] == [e.seq for e in everything[:2]]
    one = len(everything[1].payload) + 300
    assert len(svc.next_batch(100, max_bytes=one)) == 1
    assert len(svc.next_batch(100, max_bytes=10)) == 1  # an oversized event comes alone
    body = json.loads(everything[1].wire_json())
    wire.parse_event(body)
    assert body["payload"]["movements"][0]["quantity"] == -1


def test_mark_sent_marks_exactly_the_ids_given(app: App, products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    sell(app, first_code(products))
    batch = svc.next_batch(10)
    assert len(batch) == 2
    assert svc.mark_sent({batch[1].event_id, "not-an-id"}) == 1
    left = svc.next_batch(10)
    assert [e.event_id for e in left] == [batch[0].event_id]
    assert svc.mark_sent({batch[1].event_id}) == 0  # already sent: nothing changes
    with app.ctx.read() as conn:
        n, oldest = ledger.outbox_backlog(conn)
    assert (n, oldest) == (1, batch[0].occurred_at)


def test_quarantine_is_visible_and_requeueable(app: App, products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    sell(app, first_code(products))
    first, second = svc.next_batch(10)
    assert svc.quarantine([(first.event_id, "payload.movements[0].sku: unknown")]) == 1
    assert [e.event_id for e in svc.next_batch(10)] == [second.event_id]  # the queue goes on
    q = svc.quarantined()
    assert [(x.event_id, x.reason) for x in q] == [
        (first.event_id, "payload.movements[0].sku: unknown")]
    f = svc.figures()
    assert (f.pending, f.quarantined) == (1, 1)
    with app.ctx.read() as conn:
        assert ledger.outbox_backlog(conn)[0] == 1
    assert svc.requeue([first.event_id]) == 1
    assert svc.figures().quarantined == 0
    assert [e.event_id for e in svc.next_batch(10)] == [first.event_id, second.event_id]
    svc.quarantine([(first.event_id, "x"), (second.event_id, "y")])
    assert svc.requeue() == 2


def test_catalog_page_upserts_in_one_transaction(app: App, products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    known = products[0]
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, known["barcodes"][0]["code"]), 1)  # a sale in progress
    old_price = cart.lines[0].item.price
    moved = known["barcodes"][0]["code"]
    page = catalog_page(
        product_json(known["sku"], known["name"], old_price + 100, 7, [],
                     tax_class=known["tax_class"], department="New Dept"),
        product_json("NEW-1", "Brand New", 250, 8, [moved, "2000000000015"],
                     tax_class="STD", vendor="Acme", group="G"),
        product_json("NEW-2", "Odd Tax", 100, 9, [], tax_class="LUXURY"),
    )
    got = svc.apply_catalog(page)
    assert (got.version, got.created, got.updated) == (9, 1, 1)
    assert any("LUXURY" in s for s in got.skipped)
    assert svc.catalog_version() == 9
    assert "LUXURY" in (svc.figures().catalog_warning or "")
    assert cart.lines[0].item.price == old_price  # the open cart keeps its price
    with app.ctx.read() as conn:
        assert resolve(conn, moved).sku == "NEW-1"  # the central moved the barcode
        assert resolve(conn, "2000000000015").price == 250
        assert resolve(conn, known["sku"]).price == old_price + 100
        dept = conn.execute(select(t.departments.c.name).join(
            t.products, t.products.c.department_id == t.departments.c.id)
            .where(t.products.c.sku == known["sku"])).scalar()
    assert dept == "New Dept"
    again = svc.apply_catalog(page)  # idempotent
    assert (again.created, again.updated) == (0, 2)
    off = svc.apply_catalog(catalog_page(product_json("NEW-1", "Brand New", 250, 10, [],
                                                      active=False)))
    assert off.updated == 1
    assert [p for p in app.catalog.products("Brand New")] == []


def test_a_failing_catalog_page_changes_nothing(app: App, products: list[dict],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    svc = SyncService(app.ctx)
    page = catalog_page(product_json("NEW-1", "A", 1, 5, []), product_json("NEW-2", "B", 2, 6, []))
    from pos_terminal.db import catalog as repo

    real = repo.upsert_product
    calls = []

    def flaky(conn, values):  # type: ignore[no-untyped-def]
        calls.append(values["sku"])
        if len(calls) == 2:
            raise StorageError("disk full")
        return real(conn, values)

    monkeypatch.setattr(repo, "upsert_product", flaky)
    with pytest.raises(StorageError):
        svc.apply_catalog(page)
    assert svc.catalog_version() == 0
    assert app.catalog.products("NEW-1") == []


def test_sibling_movements_move_on_hand_not_the_chain(app: App, products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    p = products[0]
    before = p["on_hand"]
    with app.ctx.read() as conn:
        chain = conn.execute(select(t.stock_movements.c.hash)).scalars().all()
    page = moves_page(sibling_json(3, p["sku"], -2), sibling_json(5, p["sku"], -1),
                      sibling_json(6, "UNKNOWN-SKU", -4), cursor=9)
    got = svc.apply_movements(page, "R1")
    assert (got.cursor, got.stored, got.unbound) == (9, 3, 1)
    assert svc.movement_cursor() == 9
    assert app.catalog.products(p["sku"])[0]["on_hand"] == before - 3
    assert svc.apply_movements(page, "R1").stored == 0  # a re-pull stores nothing twice
    assert app.catalog.products(p["sku"])[0]["on_hand"] == before - 3
    with app.ctx.read() as conn:
        assert conn.execute(select(t.stock_movements.c.hash)).scalars().all() == chain
    assert app.inventory.verify().ok
    # the unknown product arrives: its waiting movement counts from then on
    svc.apply_catalog(catalog_page(product_json("UNKNOWN-SKU", "Qqlate Arrival", 100, 3, [])))
    assert app.catalog.products("Qqlate")[0]["on_hand"] == -4
    assert svc.figures().unbound_sibling_movements == 0
    assert app.inventory.verify().ok
    # our own movements never come back as a sibling's
    own = app.inventory.stock(p["sku"], 1).movements[0]
    with app.ctx.read() as conn:
        own_id = conn.execute(select(t.stock_movements.c.id).where(
            t.stock_movements.c.seq == own["seq"])).scalar()
    assert svc.apply_movements(moves_page(sibling_json(12, p["sku"], 99, movement_id=own_id)),
                               "R1").stored == 0
    assert svc.apply_movements(moves_page(sibling_json(13, p["sku"], 99, register="R1")),
                               "R1").stored == 0
    assert svc.movement_cursor() == 13


def test_a_csv_import_binds_waiting_sibling_movements(app: App) -> None:
    svc = SyncService(app.ctx)
    svc.apply_movements(moves_page(sibling_json(1, "CSV-1", 5)), "R1")
    app.catalog.import_text("sku,name,tax_class,price\nCSV-1,From CSV,STD,1.00\n")
    assert app.catalog.products("From CSV")[0]["on_hand"] == 5
    assert app.inventory.verify().ok


def test_verify_catches_a_changed_sibling_level(app: App, data_dir: Path,
                                                products: list[dict]) -> None:
    svc = SyncService(app.ctx)
    svc.apply_movements(moves_page(sibling_json(1, products[0]["sku"], -2)), "R1")
    con = sqlite3.connect(data_dir / "register.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE sibling_movements SET quantity = 7")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM sibling_movements")
    con.execute("DROP TRIGGER sibling_movements_no_update")
    con.execute("UPDATE sibling_movements SET quantity = 7")
    con.commit()
    con.close()
    r = app.inventory.verify()
    assert not r.ok and "sibling" in r.problem


def test_upgrade_from_0002_marks_sent_events_sent(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    migrate.alembic_upgrade(db, "0002")
    c = sqlite3.connect(db)
    c.executescript("""
        INSERT INTO outbox (event_id, type, occurred_at, payload, sent_at)
            VALUES ('e1', 'sale.completed', '2026-01-01T00:00:00.000Z', '{}',
                    '2026-01-01T00:00:01.000Z');
        INSERT INTO outbox (event_id, type, occurred_at, payload)
            VALUES ('e2', 'sale.completed', '2026-01-01T00:00:02.000Z', '{}');
    """)
    c.commit()
    c.close()
    assert migrate.upgrade(db, tmp_path / "backups") is not None
    c = sqlite3.connect(db)
    assert c.execute("SELECT event_id, status FROM outbox ORDER BY seq").fetchall() == [
        ("e1", "sent"), ("e2", "pending")]
    assert c.execute("SELECT catalog_version, movement_cursor FROM sync_state").fetchall() == [
        (0, 0)]
    c.close()
