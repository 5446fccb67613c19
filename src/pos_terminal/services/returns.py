"""Returns: against a receipt (never more than was sold) or blind (a supervisor approves).

A refund against a receipt goes back the way the sale was paid (``domain/refunds.py``): never
more through a tender than it took (split payments: per tender), and to another tender only
with a supervisor's ``refund_tender`` approval. Every return is audited as a ``refund`` with
its cashier, approver, items and value.

A line's refund is its remaining paid total times the returned share of its remaining
quantity, rounded half away from zero, so returning everything refunds exactly what was paid.
Restocked items go back on hand through a ``return`` movement; items not restocked (broken,
unsellable) move no stock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger, print_queue
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cart import Cart, Override, check_quantity
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.money import round_div
from pos_terminal.domain.refunds import TenderLeft, check, plan, refund_kind
from pos_terminal.domain.tenders import Settlement, Tender, TenderKind, plain_text, settle
from pos_terminal.errors import ApprovalRequired, InputError, NotFoundError, RuleError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context
from pos_terminal.services.shifts import OPEN_SHIFT
from pos_terminal.services.users import approves_alone, check_approval, write_audit


@dataclass(frozen=True)
class SoldLine:
    sale_line_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    qty: int
    returned: int
    total: int
    refunded: int
    tax: int
    refunded_tax: int
    cost: int | None
    variant: str = ""

    @property
    def returnable(self) -> int:
        return self.qty - self.returned


@dataclass(frozen=True)
class DepositBack:
    """A deposit a return gives back: of a charged ``sale_deposits`` row, or blind (None)."""

    sale_deposit_id: int | None
    code: str
    name: str
    qty: int  # containers
    unit_amount: int
    amount: int  # refunded, tax included
    tax: int
    tax_code: str
    rate_ppm: int


@dataclass(frozen=True)
class ReturnResult:
    return_id: str
    return_no: str
    refund: int
    tax: int
    settlement: Settlement
    restocked: int


def sold_lines(conn: Connection, sale_id: str) -> list[SoldLine]:
    sl, rl = t.sale_lines, t.return_lines
    back = (
        select(rl.c.sale_line_id, func.sum(rl.c.qty).label("q"), func.sum(rl.c.amount).label("a"),
               func.sum(rl.c.tax).label("x"))
        .group_by(rl.c.sale_line_id).subquery()
    )
    rows = conn.execute(
        select(sl.c.id, sl.c.line_no, sl.c.product_id, sl.c.sku, sl.c.name, sl.c.qty,
               func.coalesce(back.c.q, 0), sl.c.total, func.coalesce(back.c.a, 0), sl.c.tax,
               func.coalesce(back.c.x, 0), t.products.c.cost, sl.c.variant)
        .join(t.products, t.products.c.id == sl.c.product_id)
        .outerjoin(back, back.c.sale_line_id == sl.c.id)
        .where(sl.c.sale_id == sale_id).order_by(sl.c.line_no)
    )
    return [SoldLine(*r) for r in rows]


def tenders_left(conn: Connection, sale_id: str) -> dict[str, TenderLeft]:
    """Per tender of a sale (``refund_kind``): what it took and what returns gave back through
    it, both before cash rounding."""
    p, r = t.payments, t.returns
    taken: dict[str, int] = {}
    kinds = set()
    for kind, amount in conn.execute(select(p.c.kind, func.sum(p.c.amount))
                                     .where(p.c.sale_id == sale_id).group_by(p.c.kind)):
        kinds.add(kind)
        taken[refund_kind(kind)] = taken.get(refund_kind(kind), 0) + amount
    cash = str(TenderKind.CASH)
    if cash in kinds:  # the cash payment was rounded to the cash increment
        taken[cash] -= conn.execute(select(t.sales.c.cash_rounding)
                                    .where(t.sales.c.id == sale_id)).scalar() or 0
    back: dict[str, int] = {}
    for kind, amount in conn.execute(
            select(p.c.kind, func.sum(p.c.amount)).join(r, r.c.id == p.c.return_id)
            .where(r.c.sale_id == sale_id).group_by(p.c.kind)):
        back[refund_kind(kind)] = back.get(refund_kind(kind), 0) - amount
    if back:
        back[cash] = back.get(cash, 0) - (conn.execute(
            select(func.coalesce(func.sum(r.c.cash_rounding), 0)).where(r.c.sale_id == sale_id)
        ).scalar() or 0)
    return {k: TenderLeft(k, v, back.get(k, 0)) for k, v in taken.items()}


class ReturnService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def tenders_left(self, receipt_no: str) -> dict[str, int]:
        """What each tender of a receipt's sale can still give back: {"card": 2000, ...}."""
        with self.ctx.read() as conn:
            sale_id, _ = self._sale(conn, receipt_no)
            return {k: v.left for k, v in tenders_left(conn, sale_id).items()}

    def receipt(self, receipt_no: str) -> tuple[str, bool, list[SoldLine]]:
        """The sale behind a receipt number: (sale id, training?, lines with what is left)."""
        with self.ctx.read() as conn:
            sale_id, training = self._sale(conn, receipt_no)
            return sale_id, training, sold_lines(conn, sale_id)

    def _sale(self, conn: Connection, receipt_no: str) -> tuple[str, bool]:
        r = conn.execute(
            select(t.sales.c.id, t.sales.c.training).where(t.sales.c.receipt_no == receipt_no)
        ).first()
        if r is None:
            raise NotFoundError(f"unknown receipt {receipt_no!r}; check the number on the receipt")
        return r.id, bool(r.training)

    def return_items(
        self, receipt_no: str, items: list[tuple[str, int]], user_id: int,
        restock: bool = True, tenders: list[Tender] | None = None, reason: str = "",
        approval: Override | None = None,
    ) -> ReturnResult:
        """Return ``(code, count)`` pairs bought on ``receipt_no``; refunds what was paid.

        ``tenders`` (default cash) are checked against how the sale was paid: a refund to
        another tender needs ``approval`` (a supervisor's ``refund_tender``; ApprovalRequired
        without one, unless the user is a supervisor), more than a tender took is refused."""
        plain_text(reason, "the reason")
        if not items:
            raise InputError("name at least one item to return")
        now = utc_now()
        with self.ctx.write() as conn:
            sale_id, training = self._sale(conn, receipt_no)
            lines = sold_lines(conn, sale_id)
            left = {ln.sale_line_id: ln.returnable for ln in lines}
            picks: list[tuple[SoldLine, int]] = []
            for code, count in items:
                item = resolve(conn, code)
                qty = check_quantity(count * item.pack if item.unit == "each" else count, item.unit)
                want = qty
                mine = [ln for ln in lines if ln.product_id == item.product_id]
                if not mine:
                    raise RuleError(f"{item.name} is not on receipt {receipt_no}")
                for ln in mine:
                    take = min(want, left[ln.sale_line_id])
                    if take:
                        picks.append((ln, take))
                        left[ln.sale_line_id] -= take
                        want -= take
                if want:
                    sold = sum(ln.qty for ln in mine)
                    back = sum(ln.returned for ln in mine)
                    raise RuleError(
                        f"cannot return {qty} of {item.name}: {sold} sold on {receipt_no}, "
                        f"{back} already returned"
                    )
            rows = []
            deposits: list[DepositBack] = []
            for ln, q in _merge(picks):
                amount = round_div((ln.total - ln.refunded) * q, ln.returnable)
                tax = round_div((ln.tax - ln.refunded_tax) * q, ln.returnable)
                rows.append((ln.sale_line_id, ln.product_id, ln.sku, q, amount, tax, ln.cost))
                deposits += _deposit_refunds(conn, sale_id, ln, q)
            return self._post(conn, rows, sale_id, training, user_id, None, restock, tenders,
                              reason, now, deposits, approval)

    def blind_return(
        self, items: list[tuple[str, int]], user_id: int, approval: Override,
        restock: bool = True, tenders: list[Tender] | None = None, reason: str = "",
        deposit_back: bool = True,
    ) -> ReturnResult:
        """Return without a receipt at today's prices; needs a supervisor's approval.

        The item's deposit (the catalog's, per unit and per pack) is refunded with it unless
        ``deposit_back`` is False: the customer kept the bottle (or returns it as empties).
        """
        plain_text(reason, "the reason")
        if approval.action != "blind_return":
            raise RuleError("a blind return needs a supervisor's blind-return approval")
        if not items:
            raise InputError("name at least one item to return")
        s = self.ctx.settings
        now = utc_now()
        with self.ctx.write() as conn:
            cart = Cart()
            for code, count in items:
                cart.add(resolve(conn, code), count)
            totals = cart.totals(s.tax_mode, s.tax_rounding)
            rows = [
                (None, p.line.item.product_id, p.line.item.sku, p.line.qty, p.total, p.tax,
                 p.line.item.cost)
                for p in totals.lines
            ]
            deposits = [
                DepositBack(None, d.deposit.code, d.deposit.name, d.count, d.deposit.amount,
                            d.total, d.tax, d.deposit.tax_code, d.deposit.rate_ppm)
                for d in totals.deposits
            ] if deposit_back else []
            return self._post(conn, rows, None, False, user_id, approval, restock, tenders,
                              reason or approval.reason, now, deposits)

    def _post(
        self, conn: Connection, rows: list[tuple[int | None, int, str, int, int, int, int | None]],
        sale_id: str | None, training: bool, user_id: int, approval: Override | None,
        restock: bool, tenders: list[Tender] | None, reason: str, now: str,
        deposits: list[DepositBack] | None = None, tender_approval: Override | None = None,
    ) -> ReturnResult:
        s = self.ctx.settings
        deposits = deposits or []
        # The item's deposit comes back with it (docs/retail.md).
        refund = sum(r[4] for r in rows) + sum(d.amount for d in deposits)
        tax = sum(r[5] for r in rows) + sum(d.tax for d in deposits)
        given = tenders or [Tender(TenderKind.CASH)]
        foreign: dict[str, int] = {}
        approver = approval.approver_id if approval else user_id
        if sale_id is None:
            settlement = settle(refund, given, s.currency)
        else:
            left = tenders_left(conn, sale_id)
            settlement = settle(refund, plan(refund, given, left), s.currency)
            foreign, tender_approver = self._tender_rules(
                conn, sale_id, settlement, left, user_id, tender_approval)
            approver = tender_approver or approver
        return_id = new_id()
        n = next_number(conn, "training_return" if training else "return")
        return_no = f"{s.store}-{s.register}-{'T' if training else ''}R{n:06d}"
        conn.execute(insert(t.returns).values(
            id=return_id, return_no=return_no, sale_id=sale_id, training=training,
            user_id=user_id, approver_id=approval.approver_id if approval else None,
            completed_at=now, reason=reason, total=refund, tax=tax,
            cash_rounding=settlement.cash_rounding,
            shift_id=conn.execute(OPEN_SHIFT).scalar(),
        ))
        print_queue.enqueue(conn, "return", return_id, now)
        conn.execute(insert(t.return_lines), [
            {"return_id": return_id, "sale_line_id": r[0], "product_id": r[1], "qty": r[3],
             "amount": r[4], "tax": r[5], "restock": restock}
            for r in rows
        ])
        conn.execute(insert(t.payments), [
            {"sale_id": None, "return_id": return_id, "kind": str(a.kind), "amount": -a.amount,
             "tendered": -a.tendered, "change": 0, "reference": a.reference}
            for a in settlement.tenders
        ])
        if approval is not None:
            write_audit(conn, approval, return_no, now, value=refund, training=training)
        fmt = s.currency.format
        paid = ", ".join(f"{a.kind} {fmt(a.amount)}" for a in settlement.tenders)
        if foreign:
            write_audit(conn, Override(
                "refund_tender", user_id, approver,
                (tender_approval.reason if tender_approval else "") or reason,
                f"{', '.join(f'{k} {fmt(v)}' for k, v in foreign.items())} to a tender the "
                "sale was not paid with"), return_no, now, value=sum(foreign.values()),
                training=training)
        items = ", ".join(f"{r[2]} ×{r[3]}" for r in rows)
        write_audit(conn, Override("refund", user_id, approver, reason, f"{items}; {paid}"),
                    return_no, now, value=refund, training=training)
        if deposits:
            conn.execute(insert(t.return_deposits), [
                {"return_id": return_id, "sale_deposit_id": d.sale_deposit_id, "code": d.code,
                 "name": d.name, "qty": d.qty, "unit_amount": d.unit_amount,
                 "amount": d.amount, "tax": d.tax, "tax_code": d.tax_code,
                 "rate_ppm": d.rate_ppm}
                for d in deposits
            ])
        for d in deposits:
            if d.sale_deposit_id is not None:
                conn.execute(update(t.sale_deposits)
                             .where(t.sale_deposits.c.id == d.sale_deposit_id)
                             .values(refunded=t.sale_deposits.c.refunded + d.amount))
        restocked = 0
        if not training:
            moves = [
                Movement(new_id(), r[1], r[3], MovementKind.RETURN, reason, return_id, r[6], now,
                         user_id, s.terminal)
                for r in rows
            ] if restock else []
            restocked = sum(m.quantity for m in moves)
            posted = ledger.append(conn, s.terminal, moves)
            ledger.add_event(conn, "return.completed", now, {
                "return_id": return_id, "return_no": return_no, "sale_id": sale_id,
                "refund": refund, "tax": tax, "restock": restock, "blind": sale_id is None,
                "lines": [{"sku": r[2], "qty": r[3], "amount": r[4], "tax": r[5]} for r in rows],
                **({"deposits": [{"code": d.code, "qty": d.qty, "amount": d.amount,
                                  "tax": d.tax} for d in deposits]} if deposits else {}),
                "movements": ledger.movement_payload(posted, {r[1]: r[2] for r in rows}),
            })
        return ReturnResult(return_id, return_no, refund, tax, settlement, restocked)


    def _tender_rules(
        self, conn: Connection, sale_id: str, settlement: Settlement,
        left: dict[str, TenderLeft], user_id: int, approval: Override | None,
    ) -> tuple[dict[str, int], int | None]:
        """Refuse more through a tender than it has left; ask a supervisor for a refund to a
        tender the sale was not paid with. Returns (foreign amounts, their approver)."""
        fmt = self.ctx.settings.currency.format
        receipt = conn.execute(select(t.sales.c.receipt_no)
                               .where(t.sales.c.id == sale_id)).scalar()
        over, foreign = check(settlement.tenders, settlement.cash_rounding, left)
        for x in over:
            others = [k for k, v in left.items() if k != x.kind and v.left > 0]
            back = f", {fmt(x.tender.refunded)} already refunded" if x.tender.refunded else ""
            raise RuleError(
                f"{x.kind} took {fmt(x.tender.taken)} on {receipt}{back}: at most "
                f"{fmt(x.tender.left)} goes back to {x.kind}"
                + (f"; refund the rest to {' or '.join(others)}" if others else ""))
        if not foreign:
            return {}, None
        if approval is not None:
            check_approval(conn, approval, "refund_tender", user_id)
            return foreign, approval.approver_id
        if approves_alone(conn, user_id, "refund_tender"):
            return foreign, user_id
        paid = " and ".join(k for k, v in left.items() if v.taken > 0) or "nothing"
        raise ApprovalRequired(
            "refund_tender", f"{receipt} was paid by {paid}: a refund to "
            f"{' and '.join(foreign)} needs a supervisor's PIN")


def _deposit_refunds(conn: Connection, sale_id: str, ln: SoldLine, q: int
                     ) -> list[DepositBack]:
    """What returning ``q`` of line ``ln``'s units gives back of its deposits (per unit, and
    per pack: a crate comes back once all its bottles have). The containers due so far are the
    whole ones the returned units account for; each step refunds what is left of the amount
    and of the tax times those containers over the containers left, so the steps of a partial
    return add up to exactly what was charged."""
    if ln.returnable <= 0:
        return []
    d, rd = t.sale_deposits, t.return_deposits
    back = (select(rd.c.sale_deposit_id, func.sum(rd.c.qty).label("q"),
                   func.sum(rd.c.amount).label("a"), func.sum(rd.c.tax).label("x"))
            .group_by(rd.c.sale_deposit_id).subquery())
    rows = conn.execute(
        select(d.c.id, d.c.code, d.c.name, d.c.qty, d.c.unit_amount, d.c.total, d.c.tax,
               d.c.tax_code, d.c.rate_ppm, func.coalesce(back.c.q, 0),
               func.coalesce(back.c.a, 0), func.coalesce(back.c.x, 0))
        .outerjoin(back, back.c.sale_deposit_id == d.c.id)
        .where(d.c.sale_id == sale_id, d.c.line_no == ln.line_no).order_by(d.c.id))
    out = []
    for (did, code, name, qty, unit, total, tax, tax_code, rate, qty_back, amount_back,
         tax_back) in rows:
        left = qty - qty_back
        n = qty * (ln.returned + q) // ln.qty - qty_back  # whole containers now due
        if n <= 0 or left <= 0:
            continue
        out.append(DepositBack(did, code, name, n, unit,
                               round_div((total - amount_back) * n, left),
                               round_div((tax - tax_back) * n, left), tax_code, rate))
    return out


def _merge(picks: list[tuple[SoldLine, int]]) -> list[tuple[SoldLine, int]]:
    merged: dict[int, tuple[SoldLine, int]] = {}
    for ln, q in picks:
        prev = merged.get(ln.sale_line_id)
        merged[ln.sale_line_id] = (ln, q + (prev[1] if prev else 0))
    return list(merged.values())
