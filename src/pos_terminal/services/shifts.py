"""Shifts: open with a counted float, paid in/out, X report any time, blind close with a Z report.

Sales and returns are linked to the open shift by the checkout and return services. Training
sales never count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, insert, select, update

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cash import count_total, expected_cash
from pos_terminal.domain.tenders import plain_text
from pos_terminal.errors import InputError, RuleError
from pos_terminal.services.context import Context

OPEN_SHIFT = select(t.shifts.c.id).where(t.shifts.c.status == "open")


def open_shift_id(conn: Connection) -> str | None:
    return conn.execute(OPEN_SHIFT).scalar()


@dataclass(frozen=True)
class Shift:
    id: str
    number: int
    user_id: int
    opened_at: str
    opening_float: int


@dataclass(frozen=True)
class ShiftReport:
    """The figures of an X (running) or Z (closing) report."""

    shift: Shift
    kind: str  # "X" or "Z"
    printed_at: str
    cashier: str
    sales_count: int
    gross: int
    discounts: int
    net_sales: int
    taxes: dict[str, int]
    tenders: dict[str, int]
    returns_count: int
    refunds: dict[str, int]
    paid_in: int
    paid_out: int
    cash_rounding: int
    no_sales: int
    expected_cash: int
    counted_cash: int | None = None
    denominations: dict[int, int] = field(default_factory=dict)

    @property
    def difference(self) -> int | None:
        return None if self.counted_cash is None else self.counted_cash - self.expected_cash


class ShiftService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def current(self) -> Shift | None:
        with self.ctx.read() as conn:
            r = conn.execute(select(t.shifts).where(t.shifts.c.status == "open")).first()
        return None if r is None else Shift(r.id, r.number, r.user_id, r.opened_at,
                                            r.opening_float)

    def open(self, user_id: int, opening_float: int) -> Shift:
        if opening_float < 0:
            raise InputError("the opening float cannot be negative")
        with self.ctx.write() as conn:
            r = conn.execute(select(t.shifts.c.number).where(t.shifts.c.status == "open")).first()
            if r is not None:
                raise RuleError(f"shift {r.number} is still open; close it first")
            n = next_number(conn, "shift")
            shift = Shift(new_id(), n, user_id, utc_now(), opening_float)
            conn.execute(insert(t.shifts).values(
                id=shift.id, number=n, user_id=user_id, opened_at=shift.opened_at,
                opening_float=opening_float, status="open"))
        return shift

    def _require_open(self, conn: Connection) -> str:
        sid = open_shift_id(conn)
        if sid is None:
            raise RuleError("no shift is open; open a shift with a counted float first")
        return sid

    def paid(self, kind: str, amount: int, reason: str, user_id: int) -> None:
        """Paid in (change from the bank) or paid out (a supplier paid from the drawer)."""
        if kind not in ("paid_in", "paid_out"):
            raise InputError("kind must be paid_in or paid_out")
        if amount <= 0:
            raise InputError("the amount must be positive")
        if not reason.strip():
            raise InputError("give a reason for the cash movement")
        plain_text(reason, "the reason")
        with self.ctx.write() as conn:
            sid = self._require_open(conn)
            conn.execute(insert(t.cash_movements).values(
                shift_id=sid, at=utc_now(), kind=kind, amount=amount, reason=reason.strip(),
                user_id=user_id))

    def x_report(self) -> ShiftReport:
        with self.ctx.read() as conn:
            return self._report(conn, self._require_open(conn), "X")

    def close(
        self, user_id: int, counts: dict[int, int], open_sale: bool = False
    ) -> ShiftReport:
        """Close the shift with a blind count of the drawer; returns the Z report."""
        if open_sale:
            raise RuleError("finish or void the sale in progress before closing the shift")
        cur = self.ctx.settings.currency.code
        counted = count_total(counts, cur)
        with self.ctx.write() as conn:
            sid = self._require_open(conn)
            parked = conn.execute(
                select(t.parked_sales.c.id, t.parked_sales.c.label).order_by(t.parked_sales.c.id)
            ).all()
            if parked:
                which = ", ".join(f"#{p.id}" + (f" ({p.label})" if p.label else "")
                                  for p in parked)
                raise RuleError(
                    f"{len(parked)} parked sale(s) remain: {which}; resume and finish or void "
                    "them first"
                )
            x = self._report(conn, sid, "Z")
            conn.execute(update(t.shifts).where(t.shifts.c.id == sid).values(
                status="closed", closed_at=x.printed_at, closed_by=user_id,
                expected_cash=x.expected_cash, counted_cash=counted,
                denominations=json.dumps({str(k): v for k, v in counts.items() if v}),
            ))
        return ShiftReport(**{**x.__dict__, "counted_cash": counted,
                              "denominations": {k: v for k, v in counts.items() if v}})

    def z_report(self, number: int) -> ShiftReport:
        """A closed shift's Z report again (reprint)."""
        with self.ctx.read() as conn:
            r = conn.execute(select(t.shifts).where(t.shifts.c.number == number)).first()
            if r is None or r.status != "closed":
                raise InputError(f"shift {number} is not a closed shift")
            rep = self._report(conn, r.id, "Z", at=r.closed_at)
            counts = {int(k): v for k, v in json.loads(r.denominations or "{}").items()}
        return ShiftReport(**{**rep.__dict__, "counted_cash": r.counted_cash,
                              "denominations": counts})

    def _report(self, conn: Connection, sid: str, kind: str, at: str | None = None) -> ShiftReport:
        s = conn.execute(select(t.shifts).where(t.shifts.c.id == sid)).one()
        shift = Shift(s.id, s.number, s.user_id, s.opened_at, s.opening_float)
        cashier = conn.execute(select(t.users.c.name).where(t.users.c.id == s.user_id)).scalar()
        p, rt = t.payments, t.returns
        # Sales figures come from the trigger-kept shift aggregates (a shift may hold a
        # million sales); returns and cash movements are few and read directly.
        a = t.agg_shift
        got = conn.execute(
            select(a.c.sales, a.c.gross, a.c.discount, a.c.net, a.c.rounding)
            .where(a.c.shift_id == sid)
        ).first()
        count, gross, disc, net, rounding = got if got is not None else (0, 0, 0, 0, 0)
        taxes = dict(conn.execute(
            select(t.agg_shift_tax.c.tax_code, t.agg_shift_tax.c.tax)
            .where(t.agg_shift_tax.c.shift_id == sid).order_by(t.agg_shift_tax.c.tax_code)
        ).all())
        tenders = dict(conn.execute(
            select(t.agg_shift_tender.c.kind, t.agg_shift_tender.c.amount)
            .where(t.agg_shift_tender.c.shift_id == sid).order_by(t.agg_shift_tender.c.kind)
        ).all())
        rreal = (rt.c.shift_id == sid) & (rt.c.training.is_(False))
        returns_count = conn.execute(select(func.count()).where(rreal)).scalar_one()
        refunds = {k: -v for k, v in conn.execute(
            select(p.c.kind, func.sum(p.c.amount)).join(rt, rt.c.id == p.c.return_id)
            .where(rreal).group_by(p.c.kind).order_by(p.c.kind)
        ).all()}
        moves = dict(conn.execute(
            select(t.cash_movements.c.kind, func.sum(t.cash_movements.c.amount))
            .where(t.cash_movements.c.shift_id == sid).group_by(t.cash_movements.c.kind)
        ).all())
        now = at or utc_now()
        no_sales = conn.execute(
            select(func.count()).select_from(t.audit_log).where(
                t.audit_log.c.action == "no_sale", t.audit_log.c.at >= s.opened_at,
                t.audit_log.c.at <= now)
        ).scalar_one()
        exp = expected_cash(s.opening_float, tenders.get("cash", 0), refunds.get("cash", 0),
                            moves.get("paid_in", 0), moves.get("paid_out", 0))
        return ShiftReport(
            shift=shift, kind=kind, printed_at=now, cashier=cashier or "", sales_count=count,
            gross=gross, discounts=disc, net_sales=net, taxes=taxes, tenders=tenders,
            returns_count=returns_count, refunds=refunds, paid_in=moves.get("paid_in", 0),
            paid_out=moves.get("paid_out", 0), cash_rounding=rounding, no_sales=no_sales,
            expected_cash=exp,
        )
