"""Reports over real sales: the trigger-kept aggregates agree with the raw rows."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.cli import main
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services.catalog import resolve
from pos_terminal.services.reports import Period, Table

from support import unit_code


def sell(app: App, items: list[tuple[str, int]], training: bool = False,
         kind: TenderKind = TenderKind.CASH) -> int:
    cart = Cart()
    with app.ctx.read() as conn:
        for code, n in items:
            cart.add(resolve(conn, code), n)
    ref = "T1" if kind is TenderKind.CARD else ""
    return app.checkout.complete_sale(cart, [Tender(kind, None, ref)], 1, training).total


@pytest.fixture
def busy(app: App, products: list[dict]) -> App:
    each = [p for p in products if p["unit"] == "each" and p["max_per_sale"] is None]
    codes = [unit_code(products, sku=p["sku"]) for p in each[:40]]
    for i in range(30):
        sell(app, [(codes[(i * 7 + k) % 40], 1 + k) for k in range(1 + i % 4)],
             kind=TenderKind.CARD if i % 3 == 0 else TenderKind.CASH)
    sell(app, [(codes[0], 5)], training=True)  # never in a report
    return app


def raw(app: App, sql: str) -> list[tuple]:
    return sqlite3.connect(app.paths.database).execute(sql).fetchall()


def test_department_report_matches_the_sale_lines(busy: App) -> None:
    t = busy.reports.sales_by("department", Period.parse(None, None))
    want = dict(raw(busy, "select coalesce(d.name, '(none)'), sum(l.total) from sale_lines l "
                          "join sales s on s.id = l.sale_id join products p on p.id = l.product_id "
                          "left join departments d on d.id = p.department_id "
                          "where s.training = 0 group by 1"))
    assert {k: net for k, _units, net in t.rows} == want
    assert sum(want.values()) == raw(busy, "select sum(total) from sales where training = 0")[0][0]


def test_hourly_daily_tax_and_tenders_add_up(busy: App) -> None:
    today = Period.parse(None, None)
    net = raw(busy, "select sum(total) from sales where training = 0")[0][0]
    assert sum(r[2] for r in busy.reports.sales_by("hour", today).rows) == net
    assert sum(r[2] for r in busy.reports.sales_by("day", today).rows) == net
    taxes = busy.reports.tax(today).rows
    tax = raw(busy, "select sum(tax) from sales where training = 0")[0][0]
    assert sum(r[3] for r in taxes) == tax
    summary = dict(busy.reports.sales(today).rows)
    assert summary["sales"] == 30
    assert summary["net sales"] == net
    x = busy.reports.x()  # no shift open: everything since the last Z
    assert isinstance(x, Table)
    assert dict(x.rows)["net sales"] == net


def test_movers_and_stock(busy: App) -> None:
    m = busy.reports.movers(Period.parse(None, None), limit=3)
    top = [r for r in m.rows if r[0] == "top"]
    assert len(top) == 3
    assert top[0][4] >= top[1][4] >= top[2][4]
    stock = busy.reports.stock()
    value = sum(r[9] for r in stock.rows)
    assert value > 0
    low = busy.reports.stock(low_only=True)
    for r in low.rows:
        assert r[5] <= r[6]


def test_shrinkage_by_reason(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    app.inventory.adjust(code, -3, "damaged", 1)
    app.inventory.adjust(code, -1, "theft", 1)
    rows = app.reports.shrinkage(Period.parse(None, None)).rows
    assert sorted((r[2], r[3]) for r in rows) == [("damaged", -3), ("theft", -1)]


def test_z_report_uses_the_shift_aggregates(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    app.shifts.open(1, 0)
    total = sell(app, [(code, 2)])
    card = sell(app, [(code, 1)], kind=TenderKind.CARD)
    sell(app, [(code, 4)], training=True)
    app.shifts.close(1, {})
    z = app.reports.z()
    assert z.sales_count == 2
    assert z.tenders == {"cash": total, "card": card}
    assert z.net_sales == total + card


def test_report_cli_writes_csv(busy: App, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
    out = tmp_path / "dept.csv"
    busy.close()
    rc = main(["--data-dir", str(busy.paths.root), "report", "departments", "--csv", str(out)])
    assert rc == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["department", "units", "net"]
    assert len(rows) >= 2
    rc = main(["--data-dir", str(busy.paths.root), "report", "sales", "--from", "2026-13-01"])
    assert rc == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
