"""Refunds go back the way the sale was paid: per tender never more than it took (split
payments too), and to another tender only with a supervisor (service and CLI)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import Role
from pos_terminal.errors import ApprovalRequired, AuthError, RuleError

from support import ok, pt, unit_code

CASH = [Tender(TenderKind.CASH)]


def card(ref: str = "T-1", amount: int | None = None) -> Tender:
    return Tender(TenderKind.CARD, amount, ref)


def db(app: App) -> sqlite3.Connection:
    return sqlite3.connect(app.paths.database)


def written(app: App) -> tuple[int, int, int]:
    c = db(app)
    return tuple(c.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[return-value]
                 for table in ("returns", "stock_movements", "audit_log"))


def sale(app: App, code: str, n: int, tenders: list[Tender]) -> str:
    s = app.sale_session(app.users.by_name("cashier"))
    s.scan(code, n)
    return s.complete(tenders).receipt_no


@pytest.fixture
def code(products: list[dict]) -> str:
    return unit_code(products, unit="each", min_age=None, max_per_sale=None)


def test_a_cash_sale_refunded_to_a_card_needs_a_supervisor(app: App, code: str) -> None:
    cashier = app.users.by_name("cashier")
    app.users.add("sue", Role.SUPERVISOR, "2222")
    receipt = sale(app, code, 2, CASH)
    before = written(app)
    with pytest.raises(ApprovalRequired, match=r"was paid by cash: a refund to card needs a "
                                               r"supervisor") as got:
        app.returns.return_items(receipt, [(code, 1)], cashier.id, tenders=[card()])
    assert got.value.action == "refund_tender"
    assert written(app) == before  # nothing written
    with pytest.raises(AuthError):
        app.users.approve("cashier", "1111", "refund_tender", cashier, "customer asked")
    yes = app.users.approve("sue", "2222", "refund_tender", cashier, "no cash left in drawer")
    r = app.returns.return_items(receipt, [(code, 1)], cashier.id, tenders=[card()],
                                 approval=yes)
    assert [(str(a.kind), a.amount) for a in r.settlement.tenders] == [("card", r.refund)]
    rows = db(app).execute(
        "select a.action, u.name, p.name, a.value, a.reference, a.reason from audit_log a "
        "join users u on u.id = a.user_id join users p on p.id = a.approver_id "
        "order by a.id").fetchall()
    assert rows == [
        ("refund_tender", "cashier", "sue", r.refund, r.return_no, "no cash left in drawer"),
        ("refund", "cashier", "sue", r.refund, r.return_no, ""),
    ]
    detail = db(app).execute("select detail from audit_log where action = 'refund'").fetchone()
    sku = app.catalog.price_check(code).item.sku
    assert detail[0] == f"{sku} ×1; card {r.refund / 100:.2f}"


def test_a_card_sale_refunded_in_cash_needs_a_supervisor_to_the_card_does_not(
        app: App, code: str) -> None:
    cashier = app.users.by_name("cashier")
    receipt = sale(app, code, 2, [card("T-9")])
    with pytest.raises(ApprovalRequired, match="was paid by card: a refund to cash"):
        app.returns.return_items(receipt, [(code, 1)], cashier.id)  # cash by default
    r = app.returns.return_items(receipt, [(code, 1)], cashier.id, tenders=[card("R-1")])
    assert [str(a.kind) for a in r.settlement.tenders] == ["card"]
    assert db(app).execute("select action, approver_id, value from audit_log").fetchall() == [
        ("refund", cashier.id, r.refund)]


def test_split_payments_go_back_per_tender(app: App, code: str) -> None:
    cashier = app.users.by_name("cashier")
    receipt = sale(app, code, 4, [card("T-2", 100), Tender(TenderKind.CASH)])
    total = db(app).execute("select total from sales").fetchone()[0]
    assert app.returns.tenders_left(receipt) == {"card": 100, "cash": total - 100}
    # all back in cash: cash took less than that
    with pytest.raises(RuleError, match=rf"cash took {(total - 100) / 100:.2f} on {receipt}: "
                                        r"at most .* goes back to cash; refund the rest to card"):
        app.returns.return_items(receipt, [(code, 4)], cashier.id)
    # more on the card than it took, even with an amount given
    with pytest.raises(RuleError, match=r"card took 1\.00"):
        app.returns.return_items(receipt, [(code, 4)], cashier.id,
                                 tenders=[card("R-2", 150), Tender(TenderKind.CASH)])
    # "to the card": the card gets back what it paid, cash the rest
    r = app.returns.return_items(receipt, [(code, 4)], cashier.id, tenders=[card("R-2")])
    assert [(str(a.kind), a.amount) for a in r.settlement.tenders] == [
        ("card", 100), ("cash", total - 100)]
    assert app.returns.tenders_left(receipt) == {"card": 0, "cash": 0}


def test_partial_returns_use_up_each_tender(app: App, code: str) -> None:
    cashier = app.users.by_name("cashier")
    price = app.catalog.price_check(code).item.price
    receipt = sale(app, code, 3, [card("T-3", price), Tender(TenderKind.CASH)])
    first = app.returns.return_items(receipt, [(code, 1)], cashier.id, tenders=[card("R-3")])
    assert [str(a.kind) for a in first.settlement.tenders] == ["card"]
    assert app.returns.tenders_left(receipt)["card"] == 0
    with pytest.raises(RuleError, match=r"already refunded: at most 0\.00 goes back to card"):
        app.returns.return_items(receipt, [(code, 1)], cashier.id, tenders=[card("R-4")])
    app.returns.return_items(receipt, [(code, 2)], cashier.id)  # the rest: cash, as paid
    assert app.returns.tenders_left(receipt) == {"card": 0, "cash": 0}


def test_a_supervisor_returning_approves_their_own_tender_change(app: App, code: str) -> None:
    app.users.add("sue", Role.SUPERVISOR, "2222")
    sue = app.users.by_name("sue")
    receipt = sale(app, code, 1, CASH)
    app.returns.return_items(receipt, [(code, 1)], sue.id, tenders=[card()])
    assert db(app).execute("select action, user_id, approver_id from audit_log "
                           "order by id").fetchall() == [("refund_tender", sue.id, sue.id),
                                                          ("refund", sue.id, sue.id)]


def test_refunds_are_counted_and_valued_on_the_x(app: App, code: str) -> None:
    cashier = app.users.by_name("cashier")
    app.shifts.open(cashier.id, 10_000)
    receipt = sale(app, code, 3, CASH)
    a = app.returns.return_items(receipt, [(code, 1)], cashier.id)
    b = app.returns.return_items(receipt, [(code, 1)], cashier.id)
    x = app.shifts.x_report()
    assert x.controls["refund"] == (2, a.refund + b.refund)
    assert f"2 ({(a.refund + b.refund) / 100:.2f})" in app.printing.report_text(x)


def test_the_cli_refuses_a_card_refund_of_a_cash_sale_without_an_approver(
        data_dir: Path, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    receipt = ok(data_dir, "sell", code, "--pay", "cash").split()[1]
    refused = pt(data_dir, "return", receipt, code, "--refund", "card:R-77")
    assert refused.code == 1
    assert "was paid by cash" in refused.err and "--approver" in refused.err
    assert sqlite3.connect(data_dir / "register.db").execute(
        "select count(*) from returns").fetchone()[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("1111\n"))  # a cashier's PIN does not do
    bad = pt(data_dir, "return", receipt, code, "--refund", "card:R-77", "--approver", "cashier")
    assert bad.code == 1 and "supervisor" in bad.err
    monkeypatch.setattr("sys.stdin", io.StringIO("9999\n"))
    out = ok(data_dir, "return", receipt, code, "--refund", "card:R-77", "--approver",
             "manager", "--reason", "customer's wish")
    assert "card" in out
    row = sqlite3.connect(data_dir / "register.db").execute(
        "select p.name, a.reason from audit_log a join users p on p.id = a.approver_id "
        "where a.action = 'refund_tender'").fetchone()
    assert row == ("manager", "customer's wish")


def test_the_cli_splits_a_refund(data_dir: Path, code: str) -> None:
    receipt = ok(data_dir, "sell", f"{code}x2", "--pay", "card:T-5:0.50", "--pay", "cash"
                 ).split()[1]
    out = ok(data_dir, "return", receipt, f"{code}x2", "--refund", "card:R-5", "--json")
    import json

    got = json.loads(out)
    assert [p["kind"] for p in got["refunded_to"]] == ["card", "cash"]
    assert got["refunded_to"][0]["amount"] == "0.50"
