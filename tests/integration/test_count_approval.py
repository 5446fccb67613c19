"""Count loose ends on a real register database: a clerk counts and a manager approves the
posting with a PIN (audited); sibling movements of a product this register did not know yet;
the legacy ``stock_counts`` table and the shrinkage report."""

from __future__ import annotations

import sqlite3

import pytest

from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.clock import utc_now
from pos_terminal.db import ledger
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.errors import AuthError
from pos_terminal.services.counting import CountingService, Threshold
from pos_terminal.services.reports import Period

CASHIER, MANAGER = 2, 3


def _code(p: dict) -> str:
    return next(b["code"] for b in p["barcodes"] if "multiplier" not in b)


def test_a_clerk_counts_and_a_manager_approves_the_posting(app: App, products: list[dict]
                                                            ) -> None:
    svc = CountingService(app.ctx)
    a = next(p for p in products if p["unit"] == "each" and p["on_hand"] > 2)
    clerk = app.users.by_name("cashier")
    s = svc.start("shelf", clerk.id, codes=[_code(a)], threshold=Threshold(10_000, 0))
    svc.set_count(s.number, _code(a), a["on_hand"] - 2, clerk.id)
    with pytest.raises(AuthError, match="manager approves it with their PIN"):
        svc.post(s.number, clerk.id)
    with pytest.raises(AuthError, match="wrong PIN"):
        app.users.approve("manager", "0000", "post_count", clerk, "count #1")
    # a clerk's own PIN is no manager's approval
    with pytest.raises(AuthError, match="needs a manager"):
        app.users.approve("cashier", "1111", "post_count", clerk, "count")
    assert svc.session(s.number).status == "open"
    assert app.inventory.stock(a["sku"]).on_hand == a["on_hand"]
    ok = app.users.approve("manager", "9999", "post_count", clerk, f"stock count #{s.number}")
    posted = svc.post(s.number, clerk.id, approval=ok)
    assert posted.quantities == {a["sku"]: -2}
    con = sqlite3.connect(app.paths.database)
    (audit,) = con.execute("SELECT action, user_id, approver_id, reason, reference, detail "
                           "FROM audit_log WHERE action = 'post_count'").fetchall()
    assert audit[:5] == ("post_count", clerk.id, MANAGER, f"stock count #{s.number}", s.id)
    assert "-2 units" in audit[5]
    # a manager posts alone: no override, nothing audited
    s2 = svc.start("shelf", MANAGER, codes=[_code(a)])
    svc.scan(s2.number, _code(a), MANAGER, quantity=a["on_hand"] - 2)
    svc.post(s2.number, MANAGER)
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'post_count'"
                       ).fetchone()[0] == 1


def _sibling(cursor: int, sku: str, qty: int, at: str) -> wire.SiblingMovement:
    return wire.SiblingMovement(cursor, "R9", wire.Movement(
        f"00000000-0000-4000-8000-{cursor:012d}", sku, qty, "sale", at, reference="S-R9"))


def test_siblings_of_an_unknown_product_follow_the_count_rule(app: App) -> None:
    """Movements pulled before their product is known wait unbound; the product's arrival
    binds them into on-hand, so a count after it starts from them. A movement from before
    the count that arrives after it is corrected as for any known product."""
    sku = "NEW-COUNT-1"
    early = "2020-01-01T10:00:00.000Z"
    app.sync.apply_movements(wire.MovementsPage(1, (_sibling(1, sku, 20, early),)), "R1")
    assert app.sync.figures().unbound_sibling_movements == 1
    tax = sqlite3.connect(app.paths.database).execute(
        "SELECT code FROM tax_classes LIMIT 1").fetchone()[0]
    app.sync.apply_catalog(wire.CatalogPage(10**6, (wire.Product(
        sku, "New soda", tax, 150, 10**6, cost=80),)))
    assert app.sync.figures().unbound_sibling_movements == 0
    assert app.inventory.stock(sku).on_hand == 20  # bound: counted in on-hand at once
    posted = app.inventory.count(sku, 17, MANAGER)  # 3 missing
    assert posted.quantities == {sku: -3}
    # a sale of 2 made on R9 before the count, pulled after it: the shelf already lacked it
    before = utc_now()[:11] + "00:00:00.000Z"
    app.sync.apply_movements(wire.MovementsPage(2, (_sibling(2, sku, -2, before),)), "R1")
    assert app.inventory.stock(sku).on_hand == 17
    con = sqlite3.connect(app.paths.database)
    assert con.execute("SELECT quantity FROM stock_movements m JOIN products p ON "
                       "p.id = m.product_id WHERE p.sku = ? AND m.reason = 'count correction'",
                       (sku,)).fetchall() == [(2,)]


def test_legacy_stock_counts_stay_in_the_shrinkage_report(app: App, products: list[dict]
                                                          ) -> None:
    """``stock_counts`` rows (first release) came with count_variance movements in the ledger:
    the shrinkage report reads the ledger, so old and new counts both show."""
    a, b = [p for p in products if p["unit"] == "each"][:2]
    now = utc_now()
    with app.ctx.write() as conn:  # what the first release wrote for a one-item count
        pid = conn.exec_driver_sql("SELECT id FROM products WHERE sku = ?",
                                   (a["sku"],)).scalar_one()
        conn.exec_driver_sql("INSERT INTO stock_counts (id, product_id, expected, counted, "
                             "counted_at, user_id) VALUES ('legacy-1', ?, 10, 7, ?, 3)",
                             (pid, now))
        ledger.append(conn, app.settings.terminal, [Movement(
            "legacy-move-1", pid, -3, MovementKind.COUNT_VARIANCE, "count", "legacy-1", None,
            now, MANAGER, app.settings.terminal)])
    app.inventory.count(b["sku"], b["on_hand"] - 1, MANAGER)
    table = app.reports.shrinkage(Period.parse(None, None))
    rows = [r for r in table.rows if r[1] == "count_variance" and r[2] == "count"]
    assert sum(r[3] for r in rows) == -4
