"""Shifts: open with a counted float, paid in/out, X report any time, blind close with a Z report.

Sales and returns are linked to the open shift by the checkout and return services; audited
overrides by ``write_audit``. Training sales never count.

Cash controls (the store's ``[cash]`` rules, ``services/cash_rules.py``): a paid in or out
always has a reason, and needs a manager's approval above the role's limit, or (paid out) when
it is more than the drawer should hold. A cashier's X report is blind (no expected cash, no
cash figures); closing with a count that differs from the expected cash by more than the
store's limit needs a manager's sign-off and a reason, shown on the Z.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, insert, select, update

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cart import Override
from pos_terminal.domain.cash import count_total, expected_cash
from pos_terminal.domain.controls import COUNTED
from pos_terminal.domain.tenders import TenderKind, plain_text
from pos_terminal.domain.users import Role
from pos_terminal.errors import ApprovalRequired, InputError, RuleError
from pos_terminal.services import open_sales
from pos_terminal.services.cash_rules import CashRules
from pos_terminal.services.context import Context
from pos_terminal.services.users import check_approval, role_of, write_audit

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
    expected_cash: int | None  # None on a blind X (a cashier's): the close stays blind
    counted_cash: int | None = None
    denominations: dict[int, int] = field(default_factory=dict)
    blind: bool = False
    # audited actions counted on the shift (domain/controls.COUNTED): action -> (count, value)
    controls: dict[str, tuple[int, int]] = field(default_factory=dict)
    approved_by: str = ""  # who signed off a count difference beyond the store's limit
    approval_reason: str = ""
    # sales in progress kept on the register (X report): ("anna: 3 items, 12.40",
    # "card 5.00 already paid" or "")
    in_progress: tuple[tuple[str, str], ...] = ()

    @property
    def difference(self) -> int | None:
        if self.counted_cash is None or self.expected_cash is None:
            return None
        return self.counted_cash - self.expected_cash


def blind(report: ShiftReport) -> ShiftReport:
    """The report without what would tell a cashier how much cash the drawer should hold: no
    expected cash or difference, and no cash tender, cash refund or cash rounding figures."""
    cash = str(TenderKind.CASH)
    return dataclasses.replace(
        report, blind=True, expected_cash=None, counted_cash=None, denominations={},
        tenders={k: v for k, v in report.tenders.items() if k != cash},
        refunds={k: v for k, v in report.refunds.items() if k != cash}, cash_rounding=0,
    )


class ShiftService:
    def __init__(self, ctx: Context, rules: CashRules | None = None) -> None:
        self.ctx = ctx
        self.rules = rules or CashRules.defaults(ctx.settings.currency)

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

    def paid(self, kind: str, amount: int, reason: str, user_id: int,
             approval: Override | None = None) -> int:
        """Paid in (change from the bank) or paid out (a supplier paid from the drawer).

        Above the role's ``[cash]`` limit, or (paid out) above the cash the drawer should
        hold, it needs a manager's ``approval`` for ``kind``: without one ApprovalRequired is
        raised and nothing is written. Audited with its value; returns the audit row id.
        """
        if kind not in ("paid_in", "paid_out"):
            raise InputError("kind must be paid_in or paid_out")
        if amount <= 0:
            raise InputError("the amount must be positive")
        if not reason.strip():
            raise InputError("give a reason for the cash movement")
        plain_text(reason, "the reason")
        fmt = self.ctx.settings.currency.format
        what = kind.replace("_", " ")
        with self.ctx.write() as conn:
            sid = self._require_open(conn)
            role = role_of(conn, user_id)
            why = []
            limit = self.rules.paid_limit(kind, role)
            if limit is not None and amount > limit:
                why.append(f"above the {role.name.lower()} limit of {fmt(limit)}")
            if kind == "paid_out" and role < Role.MANAGER and amount > self._expected(conn, sid):
                # no figure: a cashier's count stays blind
                why.append("more than the drawer should hold")
            approver = user_id
            if why and role < Role.MANAGER:
                if approval is None:
                    raise ApprovalRequired(kind, f"a {what} of {fmt(amount)} is "
                                           f"{' and '.join(why)}: a manager's PIN is needed")
                check_approval(conn, approval, kind, user_id)
                approver = approval.approver_id
            conn.execute(insert(t.cash_movements).values(
                shift_id=sid, at=utc_now(), kind=kind, amount=amount, reason=reason.strip(),
                user_id=user_id))
            number = conn.execute(select(t.shifts.c.number).where(t.shifts.c.id == sid)).scalar()
            detail = "; ".join(why)
            if approval is not None and approver != user_id and approval.reason.strip():
                detail = f"{detail}; approved: {approval.reason.strip()}".lstrip("; ")
            return write_audit(conn, Override(kind, user_id, approver, reason.strip(), detail),
                               f"shift {number}", value=amount)

    def x_report(self, role: Role = Role.MANAGER) -> ShiftReport:
        """The open shift's X report as ``role`` may see it: blind for a cashier."""
        with self.ctx.read() as conn:
            rep = self._report(conn, self._require_open(conn), "X")
            kept = open_sales.kept(conn, self.ctx.settings)
        cur = self.ctx.settings.currency
        rep = dataclasses.replace(rep, in_progress=tuple(
            (f"{k.cashier}: {k.parts(cur)[0]}", k.parts(cur)[1]) for k in kept))
        return rep if role >= Role.SUPERVISOR else blind(rep)

    def _expected(self, conn: Connection, sid: str) -> int:
        exp = self._report(conn, sid, "X").expected_cash
        assert exp is not None
        return exp

    def close(
        self, user_id: int, counts: dict[int, int], open_sale: bool = False,
        approval: Override | None = None,
    ) -> ShiftReport:
        """Close the shift with a blind count of the drawer; returns the Z report.

        A count that differs from the expected cash by more than ``[cash]
        close_difference_limit`` needs a manager's ``close_difference`` approval with a reason
        (ApprovalRequired without one; the amount is not told, the count stays blind). A
        manager closing signs it off themselves. The Z names who signed off and why.
        """
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
            kept = open_sales.kept(conn, self.ctx.settings)
            if kept:  # a sale in progress (a card already charged) must not cross into a new shift
                money = self.ctx.settings.currency
                which = "; ".join(f"{k.cashier}'s {k.describe(money)}" for k in kept)
                n = len(kept)
                raise RuleError(
                    f"{n} sale{'s' if n > 1 else ''} in progress kept on this register "
                    f"({which}): their cashier signs in to finish or park it, or take it over "
                    "with F8 Resume"
                )
            x = self._report(conn, sid, "Z")
            assert x.expected_cash is not None
            diff = counted - x.expected_cash
            approver: int | None = None
            why = ""
            if abs(diff) > self.rules.close_difference_limit:
                if approval is not None:
                    check_approval(conn, approval, "close_difference", user_id)
                    if not approval.reason.strip():
                        raise InputError("give a reason for the count difference")
                    approver, why = approval.approver_id, approval.reason.strip()
                elif role_of(conn, user_id) < Role.MANAGER:
                    limit = self.ctx.settings.currency.format(self.rules.close_difference_limit)
                    raise ApprovalRequired(
                        "close_difference",
                        f"the count differs from the expected cash by more than {limit}: count "
                        "again, or a manager signs the difference off with their PIN and a "
                        "reason")
                else:
                    approver, why = user_id, ""
                fmt = self.ctx.settings.currency.format
                write_audit(conn, Override(
                    "close_difference", user_id, approver, why,
                    f"counted {fmt(counted)}, expected {fmt(x.expected_cash)}"),
                    f"shift {x.shift.number}", x.printed_at, value=diff)
            conn.execute(update(t.shifts).where(t.shifts.c.id == sid).values(
                status="closed", closed_at=x.printed_at, closed_by=user_id,
                expected_cash=x.expected_cash, counted_cash=counted,
                denominations=json.dumps({str(k): v for k, v in counts.items() if v}),
                close_approver_id=approver, close_reason=why or None,
            ))
            signed = "" if approver is None else conn.execute(
                select(t.users.c.name).where(t.users.c.id == approver)).scalar() or ""
        return dataclasses.replace(x, counted_cash=counted,
                                   denominations={k: v for k, v in counts.items() if v},
                                   approved_by=signed, approval_reason=why)

    def z_report(self, number: int) -> ShiftReport:
        """A closed shift's Z report again (reprint)."""
        with self.ctx.read() as conn:
            r = conn.execute(select(t.shifts).where(t.shifts.c.number == number)).first()
            if r is None or r.status != "closed":
                raise InputError(f"shift {number} is not a closed shift")
            rep = self._report(conn, r.id, "Z", at=r.closed_at)
            counts = {int(k): v for k, v in json.loads(r.denominations or "{}").items()}
            signed = "" if r.close_approver_id is None else conn.execute(
                select(t.users.c.name).where(t.users.c.id == r.close_approver_id)).scalar()
        return dataclasses.replace(rep, counted_cash=r.counted_cash, denominations=counts,
                                   approved_by=signed or "", approval_reason=r.close_reason or "")

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
        au = t.audit_log
        counted = {a: (n, v) for a, n, v in conn.execute(
            select(au.c.action, func.count(), func.coalesce(func.sum(au.c.value), 0))
            .where(au.c.shift_id == sid, au.c.training.is_(False),
                   au.c.action.in_([*COUNTED, "no_sale"]))
            .group_by(au.c.action)
        ).all()}
        no_sales = counted.pop("no_sale", (0, 0))[0]
        controls = {a: counted.get(a, (0, 0)) for a in COUNTED}
        exp = expected_cash(s.opening_float, tenders.get("cash", 0), refunds.get("cash", 0),
                            moves.get("paid_in", 0), moves.get("paid_out", 0))
        return ShiftReport(
            shift=shift, kind=kind, printed_at=now, cashier=cashier or "", sales_count=count,
            gross=gross, discounts=disc, net_sales=net, taxes=taxes, tenders=tenders,
            returns_count=returns_count, refunds=refunds, paid_in=moves.get("paid_in", 0),
            paid_out=moves.get("paid_out", 0), cash_rounding=rounding, no_sales=no_sales,
            expected_cash=exp, controls=controls,
        )
