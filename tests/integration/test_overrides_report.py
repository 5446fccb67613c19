"""``report overrides``: audited overrides counted and valued by cashier and day (training and
other days left out), as a table, CSV, JSON and on paper; and the X/Z counts of the same."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import Role
from pos_terminal.services.reports import Period
from pos_terminal.services.sale_session import Approver
from pos_terminal.services.users import write_audit

from support import ok, unit_code


def iso(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def activity(app: App, code: str) -> dict[str, int]:
    """A day at the till by two cashiers; returns the values that should be reported."""
    app.users.add("bob", Role.CASHIER, "3333")
    ann, bob = app.users.by_name("cashier"), app.users.by_name("bob")
    with app.ctx.write() as conn:  # yesterday (no shift open then): not in today's report
        yesterday = iso(datetime.now().astimezone() - timedelta(days=1))
        write_audit(conn, Override("void_sale", bob.id, bob.id, ""), "", yesterday, value=999)
    app.shifts.open(ann.id, 20_000)
    boss = Approver("manager", "9999")
    s = app.sale_session(ann)
    line = s.scan(code, 2)
    s.override_price(line.line_no, line.price - 10, s.authorise("price_override", "dent", boss))
    s.discount_sale(s.authorise("sale_discount", "staff", boss), amount=5)
    receipt = s.complete([Tender(TenderKind.CASH)]).receipt_no
    back = app.returns.return_items(receipt, [(code, 1)], ann.id)
    app.shifts.paid("paid_out", 1_500, "milk", bob.id)
    app.printing.no_sale(app.users.approve("manager", "9999", "no_sale", bob, "change"))
    # voids as the sale session writes them (one row each, with the line's value)
    with app.ctx.write() as conn:
        write_audit(conn, Override("void_line", bob.id, bob.id, "", "line 1"), "", value=118)
        write_audit(conn, Override("void_line", bob.id, bob.id, "", "line 2"), "", value=59)
        # in training: never counted
        write_audit(conn, Override("void_sale", bob.id, bob.id, ""), "", value=777,
                    training=True)
    t = app.sale_session(ann, training=True)
    t.scan(code, 1)
    t.discount_sale(t.authorise("sale_discount", "practice", boss), amount=3)
    t.complete([Tender(TenderKind.CASH)])
    return {"price": 20, "discount": 5, "refund": back.refund}


@pytest.fixture
def code(products: list[dict]) -> str:
    return unit_code(products, unit="each", min_age=None, max_per_sale=None)


def test_overrides_by_cashier_and_day(app: App, code: str) -> None:
    v = activity(app, code)
    today = str(date.today())
    table = app.reports.overrides(Period.parse(None, None))
    assert table.columns == ("day", "cashier", "action", "what", "count", "value",
                             "approved_by")
    assert table.rows == [
        (today, "bob", "no_sale", "No-sale drawer opens", 1, 0, "manager"),
        (today, "bob", "paid_out", "Paid outs", 1, 1_500, ""),
        (today, "bob", "void_line", "Voided lines", 2, 177, ""),
        (today, "cashier", "price_override", "Price overrides", 1, v["price"], "manager"),
        (today, "cashier", "refund", "Refunds", 1, v["refund"], ""),
        (today, "cashier", "sale_discount", "Manual discounts", 1, v["discount"], "manager"),
    ]
    assert "voided lines 2 (1.77)" in table.notes[0]
    week = app.reports.overrides(Period.parse(str(date.today() - timedelta(days=1)), None))
    assert ("bob", "void_sale", 1, 999) in [(r[1], r[2], r[4], r[5]) for r in week.rows]
    # the X counts and values the same actions of its shift
    x = app.shifts.x_report()
    assert x.controls["void_line"] == (2, 177) and x.controls["void_sale"] == (0, 0)
    assert x.controls["paid_out"] == (1, 1_500) and x.no_sales == 1
    assert "Voided lines" in app.printing.report_text(x)


def test_report_overrides_on_the_command_line(data_dir: Path, code: str,
                                              tmp_path: Path) -> None:
    with open_register(data_dir) as app:
        v = activity(app, code)
    out = ok(data_dir, "report", "overrides")
    assert "Overrides by cashier and day" in out and "Voided lines" in out
    got = json.loads(ok(data_dir, "report", "overrides", "--json"))
    rows = {(r["cashier"], r["action"]): (r["count"], r["value"]) for r in got["rows"]}
    assert rows[("cashier", "refund")] == (1, v["refund"])
    assert rows[("bob", "void_line")] == (2, 177)
    f = tmp_path / "o.csv"
    ok(data_dir, "report", "overrides", "--csv", str(f))
    lines = list(csv.reader(f.open(encoding="utf-8")))
    assert lines[0] == ["day", "cashier", "action", "what", "count", "value", "approved_by"]
    assert [str(date.today()), "bob", "void_line", "Voided lines", "2", "1.77", ""] in lines
    old = ok(data_dir, "report", "overrides", "--from", "2020-01-01", "--to", "2020-01-31",
             "--json")
    assert json.loads(old)["rows"] == []
    paper = ok(data_dir, "report", "overrides", "--paper")
    assert "Voided lines" in paper and "1.77" in paper
