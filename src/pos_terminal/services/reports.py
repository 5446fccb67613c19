"""Reports a store owner acts on: sales by hour/day/department, movers, stock and its value,
low stock, shrinkage, tax, overrides (the till's shrinkage view), and X/Z. Each is a
``Table`` (columns + rows of plain values) that the window charts, the CLI prints or writes as
CSV or JSON, and the printer prints where it fits.

Every figure is computed by SQL over indexed columns (no Python loops over the ledger);
periods are local calendar days turned into UTC bounds, since timestamps are stored in UTC.
Training sales never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from pos_protocol import to_wire_time
from pos_protocol.money import Currency
from pos_terminal.domain.controls import COUNTED, REPORTED, label
from pos_terminal.errors import InputError, RuleError
from pos_terminal.services.context import Context
from pos_terminal.services.shifts import ShiftReport, ShiftService

REPORTS = ("x", "z", "sales", "hourly", "daily", "departments", "movers", "stock", "low-stock",
           "shrinkage", "tax", "overrides")


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    money: tuple[str, ...] = ()  # columns holding minor units, formatted for people
    notes: list[str] = field(default_factory=list)
    figures: bool = False  # (figure, value) rows: whole numbers are money unless counts

    def formatted(self, currency: Currency) -> list[tuple[str, ...]]:
        if self.figures:
            return [(k, currency.format(v) if isinstance(v, int) and k not in COUNT_FIGURES
                     else str(v)) for k, v in self.rows]
        idx = {self.columns.index(c) for c in self.money}
        return [
            tuple(currency.format(v) if i in idx and isinstance(v, int) else
                  ("" if v is None else str(v)) for i, v in enumerate(row))
            for row in self.rows
        ]


# This store's reorder levels (services/reorder.py) take precedence over the catalog's.
_RP = "(CASE WHEN r.product_id IS NULL THEN p.reorder_point ELSE r.reorder_point END)"
_PAR = "(CASE WHEN r.product_id IS NULL THEN p.par_level ELSE r.par_level END)"
COUNT_FIGURES = frozenset({"shift", "sales", "returns", "no-sale opens",
                           *(label.lower() for label in COUNTED.values())})


@dataclass(frozen=True)
class Period:
    """Local calendar days [start, end] as UTC ISO bounds [lo, hi)."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, default_days: int = 1) -> Period:
        try:
            e = date.fromisoformat(end) if end else date.today()
            s = date.fromisoformat(start) if start else e - timedelta(days=default_days - 1)
        except ValueError as exc:
            raise InputError("dates are YYYY-MM-DD, e.g. --from 2026-11-01") from exc
        if s > e:
            raise InputError("--from is after --to")
        return cls(s, e)

    @staticmethod
    def _utc(d: date) -> str:
        local = datetime.combine(d, time.min).astimezone()  # local midnight
        return to_wire_time(local)

    @property
    def lo(self) -> str:
        return self._utc(self.start)

    @property
    def hi(self) -> str:
        return self._utc(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start} to {self.end}"


def _offset_modifier() -> str:
    """SQLite modifier shifting UTC to the machine's local time (for hours and days)."""
    off = datetime.now().astimezone().utcoffset() or timedelta()
    minutes = int(off.total_seconds() // 60)
    return f"{minutes:+d} minutes"


class ReportService:
    def __init__(self, ctx: Context, shifts: ShiftService) -> None:
        self.ctx = ctx
        self.shifts = shifts

    def _rows(self, conn: Connection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in conn.execute(text(sql), params)]

    # -- X and Z --------------------------------------------------------------------------
    def x(self) -> ShiftReport | Table:
        """The open shift's X report, or, with no shift open, sales since the last Z."""
        try:
            return self.shifts.x_report()
        except RuleError:
            pass
        with self.ctx.read() as conn:
            since = conn.execute(text(
                "SELECT coalesce(max(closed_at), '') FROM shifts WHERE status = 'closed'"
            )).scalar() or ""
            rows = self._summary(conn, since, "9999")
        t = Table("X report (no shift open: sales since the last Z)", ("figure", "value"), rows,
                  figures=True)
        t.notes.append(f"since {since or 'the first sale'}")
        return t

    def z(self, number: int | None = None) -> ShiftReport:
        with self.ctx.read() as conn:
            n = number or conn.execute(text(
                "SELECT max(number) FROM shifts WHERE status = 'closed'")).scalar()
        if n is None:
            raise RuleError("no shift has been closed yet; a Z report comes from closing one")
        return self.shifts.z_report(int(n))

    def _summary(self, conn: Connection, lo: str, hi: str) -> list[tuple[Any, ...]]:
        h = {"lo": lo[:13], "hi": hi[:13]}  # UTC hour buckets of the trigger-kept aggregates
        count, gross, disc, net, tax = conn.execute(text(
            "SELECT coalesce(sum(sales), 0), coalesce(sum(gross), 0), "
            "coalesce(sum(discount), 0), coalesce(sum(net), 0), coalesce(sum(tax), 0) "
            "FROM agg_sales_hour WHERE hour >= :lo AND hour < :hi"), h).one()
        rows: list[tuple[Any, ...]] = [("sales", count), ("gross", gross), ("discounts", disc),
                                       ("net sales", net), ("tax", tax)]
        for kind, amount in self._rows(conn, (
            "SELECT kind, sum(amount) FROM agg_tender_hour WHERE hour >= :lo AND hour < :hi "
            "GROUP BY kind ORDER BY kind"), **h):
            rows.append((f"tendered {kind}", amount))
        n, refunds = conn.execute(text(
            "SELECT count(*), coalesce(sum(total), 0) FROM returns "
            "WHERE training = 0 AND completed_at >= :lo AND completed_at < :hi"
        ), {"lo": lo, "hi": hi}).one()
        rows += [("returns", n), ("refunds", refunds)]
        return rows

    def shift_table(self, r: ShiftReport) -> Table:
        rows: list[tuple[Any, ...]] = [
            ("shift", r.shift.number), ("cashier", r.cashier), ("opened", r.shift.opened_at),
            ("sales", r.sales_count), ("gross", r.gross), ("discounts", r.discounts),
            ("net sales", r.net_sales),
        ]
        rows += [(f"tax {k}", v) for k, v in r.taxes.items()]
        rows += [(f"tendered {k}", v) for k, v in r.tenders.items()]
        rows += [("returns", r.returns_count)] + [(f"refunded {k}", v)
                                                 for k, v in r.refunds.items()]
        rows += [("paid in", r.paid_in), ("paid out", r.paid_out),
                 ("no-sale opens", r.no_sales)]
        for action, (count, value) in r.controls.items():
            name = COUNTED[action].lower()
            rows += [(name, count), (f"{name} value", value)]
        rows += [("opening float", r.shift.opening_float)]
        if r.expected_cash is not None:  # a cashier's X is blind
            rows += [("expected cash", r.expected_cash)]
        if r.difference is not None:
            rows += [("counted cash", r.counted_cash), ("difference", r.difference)]
        if r.approved_by:
            rows += [("difference signed off by", r.approved_by),
                     ("sign-off reason", r.approval_reason)]
        return Table(f"{r.kind} report, shift {r.shift.number}", ("figure", "value"), rows,
                     figures=True)

    # -- sales ------------------------------------------------------------------------------
    def sales_by(self, by: str, period: Period) -> Table:
        """Sales per local hour of day, per day, or per department in a period."""
        mod = _offset_modifier()
        if by == "hour":
            sql = (f"SELECT strftime('%H', hour || ':00:00', '{mod}') AS k, sum(sales), "
                   "sum(net) FROM agg_sales_hour WHERE hour >= :lo AND hour < :hi "
                   "GROUP BY k ORDER BY k")
            cols = ("hour", "sales", "net")
        elif by == "day":
            sql = (f"SELECT date(hour || ':00:00', '{mod}') AS k, sum(sales), sum(net) "
                   "FROM agg_sales_hour WHERE hour >= :lo AND hour < :hi "
                   "GROUP BY k ORDER BY k")
            cols = ("day", "sales", "net")
        elif by == "department":
            sql = ("SELECT coalesce(d.name, '(none)') AS k, sum(a.units), sum(a.net) "
                   "FROM agg_dept_hour a LEFT JOIN departments d ON d.id = a.department_id "
                   "WHERE a.hour >= :lo AND a.hour < :hi GROUP BY k ORDER BY sum(a.net) DESC")
            cols = ("department", "units", "net")
        else:
            raise InputError("sales by hour, day or department")
        with self.ctx.read() as conn:
            rows = self._rows(conn, sql, lo=period.lo[:13], hi=period.hi[:13])
        return Table(f"Sales by {by}, {period.label}", cols, rows, money=("net",))

    def sales(self, period: Period) -> Table:
        with self.ctx.read() as conn:
            rows = self._summary(conn, period.lo, period.hi)
        return Table(f"Sales, {period.label}", ("figure", "value"), rows, figures=True)

    def movers(self, period: Period, limit: int = 20) -> Table:
        """Top movers by units, and slow movers: in stock but sold least (or not at all)."""
        agg = ("SELECT product_id, sum(units) AS units, sum(net) AS net FROM agg_product_day "
               "WHERE day >= :lo AND day < :hi GROUP BY product_id")
        sql_top = ("SELECT p.sku, p.name, p.variant, x.units, x.net "
                   f"FROM ({agg}) x JOIN products p ON p.id = x.product_id "
                   "ORDER BY x.units DESC, p.sku LIMIT :n")
        sql_slow = ("SELECT p.sku, p.name, p.variant, coalesce(x.units, 0) AS units, "
                    "coalesce(x.net, 0) FROM products p "
                    "JOIN stock_levels v ON v.product_id = p.id AND v.on_hand > 0 "
                    f"LEFT JOIN ({agg}) x ON x.product_id = p.id "
                    "WHERE p.active = 1 ORDER BY units ASC, p.sku LIMIT :n")
        with self.ctx.read() as conn:
            days = {"lo": period.lo[:10], "hi": period.hi[:10], "n": limit}
            top = self._rows(conn, sql_top, **days)
            slow = self._rows(conn, sql_slow, **days)
        rows = [("top", *r) for r in top] + [("slow", *r) for r in slow]
        return Table(f"Top and slow movers, {period.label}",
                     ("list", "sku", "name", "variant", "units", "net"), rows, money=("net",))

    # -- stock ------------------------------------------------------------------------------
    def stock(self, low_only: bool = False, limit: int | None = None) -> Table:
        """On hand and its value at cost per product, with a total; or the low-stock list."""
        where = "WHERE p.active = 1"
        if low_only:
            where += (f" AND {_RP} IS NOT NULL AND coalesce(v.on_hand, 0) <= {_RP}")
        sql = ("SELECT p.sku, p.name, p.variant, coalesce(d.name, ''), p.unit, "
               f"coalesce(v.on_hand, 0), {_RP}, {_PAR}, p.cost, "
               "coalesce(v.on_hand, 0) * coalesce(p.cost, 0) / p.price_per "
               "FROM products p LEFT JOIN stock_levels v ON v.product_id = p.id "
               "LEFT JOIN reorder_levels r ON r.product_id = p.id "
               f"LEFT JOIN departments d ON d.id = p.department_id {where} ORDER BY p.sku")
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self.ctx.read() as conn:
            rows = self._rows(conn, sql)
            total = conn.execute(text(
                "SELECT coalesce(sum(v.on_hand * coalesce(p.cost, 0) / p.price_per), 0), "
                "sum(v.on_hand < 0) FROM stock_levels v JOIN products p ON p.id = v.product_id"
            )).one()
        cols = ("sku", "name", "variant", "department", "unit", "on_hand", "reorder_point",
                "par_level", "unit_cost", "value_at_cost")
        if low_only:
            rows = [(*r, (r[7] or 0) - r[5]) for r in rows]
            return Table("Low stock (at or below the reorder point)", (*cols, "suggested_order"),
                         rows, money=("unit_cost", "value_at_cost"))
        t = Table("Stock on hand and value at cost", cols, rows,
                  money=("unit_cost", "value_at_cost"))
        t.notes.append(f"total value at cost: {self.ctx.settings.currency.format(total[0])}; "
                       f"{total[1] or 0} product(s) below zero")
        return t

    def shrinkage(self, period: Period) -> Table:
        """Stock lost (adjustments and count variances), in units and value, by department and
        reason."""
        sql = ("SELECT coalesce(d.name, '(none)'), m.kind, m.reason, sum(m.quantity), "
               "sum(m.quantity * coalesce(m.unit_cost, p.cost, 0) / p.price_per) "
               "FROM stock_movements m JOIN products p ON p.id = m.product_id "
               "LEFT JOIN departments d ON d.id = p.department_id "
               "WHERE m.kind IN ('adjust', 'count_variance') "
               "AND m.occurred_at >= :lo AND m.occurred_at < :hi "
               "GROUP BY 1, 2, 3 ORDER BY 5")
        with self.ctx.read() as conn:
            rows = self._rows(conn, sql, lo=period.lo, hi=period.hi)
        return Table(f"Shrinkage, {period.label}",
                     ("department", "kind", "reason", "units", "value_at_cost"), rows,
                     money=("value_at_cost",))

    def overrides(self, period: Period) -> Table:
        """The till's shrinkage view: audited overrides (voids, price overrides, discounts,
        no-sale opens, refunds, paid in/out, …) counted and valued per local day, cashier and
        action, with who approved them (when not the cashier). Training never counts."""
        mod = _offset_modifier()
        actions = ", ".join(f"'{a}'" for a in REPORTED)
        sql = (f"SELECT date(a.at, '{mod}') AS day, coalesce(u.name, '?') AS who, a.action, "
               "count(*), coalesce(sum(a.value), 0), "
               "coalesce(group_concat(DISTINCT p.name), '') "
               "FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
               "LEFT JOIN users p ON p.id = a.approver_id AND a.approver_id != a.user_id "
               f"WHERE a.training = 0 AND a.action IN ({actions}) "
               "AND a.at >= :lo AND a.at < :hi "
               "GROUP BY day, who, a.action ORDER BY day, who, a.action")
        with self.ctx.read() as conn:
            rows = [(day, who, action, label(action), n, value, approvers)
                    for day, who, action, n, value, approvers
                    in self._rows(conn, sql, lo=period.lo, hi=period.hi)]
        t = Table(f"Overrides by cashier and day, {period.label}",
                  ("day", "cashier", "action", "what", "count", "value", "approved_by"), rows,
                  money=("value",))
        totals: dict[str, tuple[int, int]] = {}
        for r in rows:
            n, v = totals.get(r[2], (0, 0))
            totals[r[2]] = (n + r[4], v + r[5])
        cur = self.ctx.settings.currency
        if totals:
            t.notes.append("in all: " + "; ".join(
                f"{label(a).lower()} {n} ({cur.format(v)})" for a, (n, v) in totals.items()))
        return t

    def tax(self, period: Period) -> Table:
        sql = ("SELECT tax_code, rate_ppm, sum(base), sum(tax) FROM agg_tax_hour "
               "WHERE hour >= :lo AND hour < :hi GROUP BY tax_code, rate_ppm ORDER BY tax_code")
        with self.ctx.read() as conn:
            rows = [(c, f"{Decimal(r) / 10_000:f}".rstrip("0").rstrip(".") + " %", b, x)
                    for c, r, b, x in self._rows(conn, sql, lo=period.lo[:13],
                                                 hi=period.hi[:13])]
        mode = self.ctx.settings.tax_mode
        return Table(f"Tax summary ({mode}), {period.label}", ("class", "rate", "base", "tax"),
                     rows, money=("base", "tax"))
