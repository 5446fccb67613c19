"""The checks behind the SIGKILL test must be able to fail: a register damaged in each way the
checker knows is reported, and ``verify`` fails on a changed ledger row.

The kill loop itself (a worker doing sales, returns, deliveries, adjustments and counts,
SIGKILLed at random moments) is in the reliability suite: tests/reliability/test_sigkill_mixed.py.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pos_terminal import config
from pos_terminal.bootstrap import init_register, open_register
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services import demo
from pos_terminal.services.catalog import resolve

from ledger_checks import Acked, check_register, project_verify


# -- the checker itself must be able to fail ------------------------------------------------------
@pytest.fixture(scope="module")
def small_register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Acked]:
    """A register with a few sales, a return and a delivery made through the services."""
    data_dir = tmp_path_factory.mktemp("checked") / "register"
    acked = Acked()
    with init_register(data_dir, config.new_settings("K1", "R1", "EUR")) as app:
        demo.seed(app)
        user = app.users.by_name("cashier").id
        codes = [p["barcodes"][0]["code"] for p in app.catalog.products(limit=1000)
                 if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None]
        for n in range(4):
            cart = Cart()
            with app.ctx.read() as conn:
                for code in codes[n : n + 3]:
                    cart.add(resolve(conn, code), 2)
            r = app.checkout.complete_sale(
                cart, [Tender(TenderKind.CARD, 100, "T42"), Tender(TenderKind.CASH)], user,
                training=n == 3,
            )
            acked.add_line(f"ACK sale {r.receipt_no} {r.sale_id}")
        back = app.returns.return_items("K1-R1-000001", [(codes[0], 1)], user)
        acked.add_line(f"ACK return {back.return_no} {back.return_id}")
        got = app.inventory.receive([(codes[5], 12)], user, reference="DLV-1")
        acked.add_line(f"ACK receive {got.reference}")
        adj = app.inventory.adjust(codes[6], -1, "damaged", user)
        acked.add_line(f"ACK adjust {adj.reference}")
        cnt = app.inventory.count(codes[7], 3, user)
        acked.add_line(f"ACK count {cnt.reference}")
    return data_dir, acked


def _sql(*statements: str) -> Callable[[sqlite3.Connection], None]:
    def run(con: sqlite3.Connection) -> None:
        for s in statements:
            con.execute(s)
    return run


_FIRST_SALE = "(SELECT id FROM sales WHERE receipt_no = 'K1-R1-000001')"
TAMPERING: dict[str, tuple[Callable[[sqlite3.Connection], None], str]] = {
    "sale without lines": (_sql(
        "INSERT INTO sales (id, receipt_no, training, user_id, completed_at, currency, tax_mode,"
        " subtotal, discount, tax, total, cash_rounding, change) VALUES ('half', 'K1-R1-000004',"
        " 0, 1, '2026-01-01T00:00:00.000Z', 'EUR', 'inclusive', 100, 0, 0, 100, 0, 0)",
        "UPDATE counters SET value = 4 WHERE name = 'receipt'",
    ), "has no lines"),
    "line missing": (_sql(
        f"DELETE FROM sale_lines WHERE sale_id = {_FIRST_SALE} AND line_no = 2",
    ), "lines sum to"),
    "payment missing": (_sql(
        f"DELETE FROM payments WHERE sale_id = {_FIRST_SALE} AND kind = 'cash'",
    ), "do not cover"),
    "sale event missing": (_sql(
        "DELETE FROM outbox WHERE type = 'sale.completed' AND payload ->> 'receipt_no'"
        " = 'K1-R1-000002'",
    ), "has 0 outbox events"),
    "event duplicated": (_sql(
        "INSERT INTO outbox (event_id, type, occurred_at, payload) SELECT 'dup', type,"
        " occurred_at, payload FROM outbox WHERE type = 'return.completed'",
    ), "has 2 outbox events"),
    "acknowledged sale lost": (_sql(
        "DELETE FROM sale_taxes WHERE sale_id = (SELECT id FROM sales WHERE training = 1)",
        "DELETE FROM payments WHERE sale_id = (SELECT id FROM sales WHERE training = 1)",
        "DELETE FROM sale_lines WHERE sale_id = (SELECT id FROM sales WHERE training = 1)",
        "DELETE FROM sales WHERE training = 1",
        "UPDATE counters SET value = 0 WHERE name = 'training'",
    ), "lost ack"),
    "receipt number gap": (_sql(
        "UPDATE counters SET value = value + 1 WHERE name = 'receipt'",
    ), "receipts are not 1..4"),
    "orphan movement": (_sql(
        "DROP TRIGGER stock_movements_level",
        "INSERT INTO stock_movements (seq, id, product_id, quantity, kind, reason, reference,"
        " occurred_at, terminal, prev_hash, hash) SELECT seq + 1, 'orphan', product_id, -1,"
        " 'sale', '', 'nothing', occurred_at, terminal, hash, 'x' FROM stock_movements"
        " ORDER BY seq DESC LIMIT 1",
        "UPDATE stock_levels SET on_hand = on_hand - 1"
        " WHERE product_id = (SELECT product_id FROM stock_movements WHERE id = 'orphan')",
    ), "orphan movement"),
    "receipt job missing": (_sql(
        f"DELETE FROM print_jobs WHERE reference = {_FIRST_SALE}",
    ), "print queue"),
    "stock level off": (_sql(
        "UPDATE stock_levels SET on_hand = on_hand + 1"
        " WHERE product_id = (SELECT min(product_id) FROM stock_levels)",
    ), "stock level"),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_checker_reports_a_damaged_register(
    name: str, small_register: tuple[Path, Acked], tmp_path: Path
) -> None:
    source, acked = small_register
    assert check_register(config.Paths(source).database, acked) == []
    data_dir = tmp_path / "register"
    shutil.copytree(source, data_dir)
    db = config.Paths(data_dir).database
    tamper, expected = TAMPERING[name]
    con = sqlite3.connect(db, isolation_level=None)
    try:
        tamper(con)
    finally:
        con.close()
    problems = check_register(db, acked)
    assert any(expected in p for p in problems), problems


def test_checker_reports_acknowledged_records_that_are_missing(
    small_register: tuple[Path, Acked],
) -> None:
    source, acked = small_register
    more = Acked(sales=dict(acked.sales), returns={"K1-R1-R000009": "nope"},
                 receives={"DLV-404"}, adjusts={"no-such"}, counts={"no-such"})
    problems = check_register(config.Paths(source).database, more)
    assert sum("lost ack" in p for p in problems) == 4, problems


def test_project_verify_fails_on_a_changed_ledger_row(
    small_register: tuple[Path, Acked], tmp_path: Path
) -> None:
    data_dir = tmp_path / "register"
    shutil.copytree(small_register[0], data_dir)
    con = sqlite3.connect(config.Paths(data_dir).database, isolation_level=None)
    try:
        con.execute("DROP TRIGGER stock_movements_no_update")
        con.execute("UPDATE stock_movements SET reason = 'changed' WHERE seq = 3")
    finally:
        con.close()
    ok, why = project_verify(data_dir)
    assert not ok
    assert "seq=3" in why
    with open_register(data_dir) as app:
        assert not app.inventory.verify().ok
