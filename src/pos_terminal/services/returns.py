"""Returns: against a receipt (never more than was sold) or blind (a supervisor approves).

A refund against a receipt goes back the way the sale was paid (``domain/refunds.py``): never
more through a tender than it took (split payments: per tender), and to another tender only
with a supervisor's ``refund_tender`` approval. Every return is audited as a ``refund`` with
its cashier, approver, items and value.

A line's refund is its remaining paid total times the returned share of its remaining
quantity, rounded half away from zero, so returning everything refunds exactly what was paid.
Restocked items go back on hand through a ``return`` movement; items not restocked (broken,
unsellable) move no stock.

The returns screen asks :meth:`ReturnService.scan` what a scanned or typed code is — a receipt
of this store (``S1-R1-000123``, or its barcode) or an item barcode (then the recent sales that
still have it to return) — and :meth:`ReturnService.preview_lines` /
:meth:`ReturnService.preview_blind` what a return would refund, computed by the very code that
posts it, before the cashier confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from pos_protocol import to_wire_time, wire
from pos_protocol.money import round_div
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger, print_queue
from pos_terminal.db import tables as t
from pos_terminal.db.attempts import mark_recorded
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cart import Cart, Override, check_quantity
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.refunds import TenderLeft, check, plan, refund_kind
from pos_terminal.domain.scan import DEFAULT_RULES, BarcodeRules, ScanCode, split_aim
from pos_terminal.domain.tenders import Settlement, Tender, TenderKind, plain_text, settle
from pos_terminal.errors import (
    ApprovalRequired,
    BarcodeError,
    InputError,
    NotFoundError,
    RuleError,
)
from pos_terminal.services.catalog import resolve, resolve_scan
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
    unit: str = "each"  # each | g | ml: qty, returned and returnable are in these base units
    price: int = 0  # the unit price it was sold at, per ``price_per`` base units
    price_per: int = 1

    @property
    def returnable(self) -> int:
        return self.qty - self.returned


# A document number this register prints: STORE-REGISTER-[T][R|D]NNNNNN (checkout, returns,
# deposits); R is a refund slip, D an empties slip or voucher, T training.
DOCUMENT_NO = re.compile(
    r"^(?P<store>[A-Za-z0-9]+)-(?P<register>[A-Za-z0-9]+)-(?P<training>[Tt]?)(?P<kind>[RrDd]?)"
    r"(?P<n>[0-9]{6,})$")
RECENT_DAYS = 90  # an item scanned at returns is looked for on sales this recent


@dataclass(frozen=True)
class ReceiptScan:
    """A scanned or typed sale receipt: its lines with what is left to return."""

    receipt_no: str
    sale_id: str
    training: bool
    completed_at: str
    lines: tuple[SoldLine, ...]


@dataclass(frozen=True)
class SaleOfItem:
    """A recent sale that still has some of an item to return."""

    receipt_no: str
    completed_at: str
    returnable: int  # base units of the item left to return on it
    unit: str


@dataclass(frozen=True)
class ItemScan:
    """A scanned item barcode (not a receipt): the product and where it was sold lately."""

    code: str  # what to look it up by again (the barcode without AIM prefix, or its SKU)
    product_id: int
    sku: str
    name: str
    variant: str
    unit: str
    pack: int
    quantity: int  # base units one scan stands for (a pack, a label's weight); 0: weigh it
    price: int  # today's price per ``price_per`` base units
    price_per: int
    sales: tuple[SaleOfItem, ...]  # newest first

    @property
    def label(self) -> str:
        return f"{self.name} {self.variant}".strip()


@dataclass(frozen=True)
class RefundPreview:
    """What a return would refund: each picked line's amount (by line number on the receipt,
    by row for a blind return), the deposits given back, and the total."""

    amounts: dict[int, int]
    deposits: int
    total: int


def bump(lines: tuple[SoldLine, ...], picks: dict[int, int], product_id: int,
         qty: int) -> tuple[dict[int, int], int]:
    """An item scanned on a loaded receipt: ``qty`` more of it to return, on the first of its
    lines with some left. Returns the new picks and the line number that changed; raises
    ``RuleError`` when the receipt has none of it left."""
    mine = [ln for ln in lines if ln.product_id == product_id]
    if not mine:
        raise RuleError("not on this receipt")
    for ln in mine:
        room = ln.returnable - picks.get(ln.line_no, 0)
        if room > 0:
            add = room if qty <= 0 else min(room, qty)  # a weighed item without a weight: all
            return {**picks, ln.line_no: picks.get(ln.line_no, 0) + add}, ln.line_no
    raise RuleError("all of it is already marked to return (or was returned before)")


# A return row: sale line id (None blind), product id, sku, qty, amount, tax, unit cost.
_Row = tuple[int | None, int, str, int, int, int, int | None]


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
               func.coalesce(back.c.x, 0), t.products.c.cost, sl.c.variant, sl.c.unit,
               sl.c.price, sl.c.price_per)
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

    # -- what the returns screen scans ------------------------------------------------------
    def scan(self, text: str | ScanCode, rules: BarcodeRules = DEFAULT_RULES,
             days: int = RECENT_DAYS) -> ReceiptScan | ItemScan:
        """A scanned or typed code at the returns screen: a receipt of this store, or an item.

        A receipt number has the store's format (``S1-R1-000123``; its barcode is Code 128,
        ``]C0`` when the scanner sends AIM identifiers); an item barcode is a GTIN (or a code
        the catalog knows). ``text`` is what was typed or a wedge scan (AIM prefix and all), or
        a serial scanner's interpreted code. Raises with what the code is and why it cannot be
        returned here.
        """
        if isinstance(text, ScanCode):
            symbology, body = text.symbology, text.text
        else:
            symbology, body = split_aim(text.strip())
        body = body.strip()
        doc = DOCUMENT_NO.match(body)
        if doc is not None and (symbology is None or symbology[1] != "E"):
            return self._receipt_scan(body, doc)
        with self.ctx.read() as conn:
            try:
                hit = resolve_scan(conn, text, rules)
            except NotFoundError as exc:
                raise NotFoundError(
                    f"{body[:40]} is neither a receipt number of this store (like "
                    f"{self.ctx.settings.store}-{self.ctx.settings.register}-000123) nor an "
                    "item the catalog knows; check the number") from exc
            except BarcodeError as exc:
                raise BarcodeError(f"{exc.message} (not a receipt number either)") from exc
            item = hit.catalog_item
            measured = item.unit != "each"
            # a measured item: the label's weight (or the one its price stands for), else 0
            quantity = (hit.quantity if hit.code.embedded else 0) if measured else hit.quantity
            code = hit.code.text if hit.code.keys else item.sku
            return ItemScan(code, item.product_id, item.sku, item.name, item.variant, item.unit,
                            item.pack, quantity, item.price, item.price_per,
                            _sales_of(conn, item.product_id, days))

    def _receipt_scan(self, number: str, doc: re.Match[str]) -> ReceiptScan:
        s = self.ctx.settings
        if doc["store"].upper() != s.store.upper():
            raise RuleError(
                f"{number} is a receipt of store {doc['store']}; this is store {s.store}: "
                "return it there, or start a blind return (F6)")
        if doc["kind"].upper() == "R":
            raise RuleError(f"{number} is a refund slip, not a sale receipt: scan the receipt "
                            "of the sale")
        if doc["kind"].upper() == "D":
            raise RuleError(f"{number} is an empties slip or voucher, not a sale receipt: "
                            "scan the receipt of the sale")
        with self.ctx.read() as conn:
            r = conn.execute(
                select(t.sales.c.id, t.sales.c.training, t.sales.c.completed_at,
                       t.sales.c.receipt_no)
                .where(t.sales.c.receipt_no.in_({number, number.upper()}))).first()
            if r is None:
                raise NotFoundError(
                    f"unknown receipt {number}: not sold at this register (check the number; "
                    "a receipt of another register of the store is returned there)")
            lines = tuple(sold_lines(conn, r.id))
            return ReceiptScan(r.receipt_no, r.id, bool(r.training), r.completed_at, lines)

    # -- what a return would refund ---------------------------------------------------------
    def preview_lines(self, receipt_no: str, picks: dict[int, int]) -> RefundPreview:
        """What returning ``picks`` (line number → base units) of a receipt would refund."""
        with self.ctx.read() as conn:
            sale_id, _ = self._sale(conn, receipt_no)
            rows, deposits, by_line = self._line_rows(conn, sale_id, receipt_no, picks)
        return _preview(rows, deposits, by_line)

    def preview_blind(self, items: list[tuple[str, int]],
                      deposit_back: bool = True) -> RefundPreview:
        """What a blind return of ``items`` (rows of code, count) would refund (row → amount)."""
        with self.ctx.read() as conn:
            rows, deposits, by_row = self._blind_rows(conn, items, deposit_back)
        return _preview(rows, deposits, by_row)

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
            sale_id, training, rows, deposits = self._picks(conn, receipt_no, items)
            return self._post(conn, rows, sale_id, training, user_id, None, restock, tenders,
                              reason, now, deposits, approval)

    def return_lines(
        self, receipt_no: str, picks: dict[int, int], user_id: int, restock: bool = True,
        tenders: list[Tender] | None = None, reason: str = "",
        approval: Override | None = None,
    ) -> ReturnResult:
        """Return base units of lines of ``receipt_no`` by line number (the returns screen:
        each line as shown, so two lines of one product at different prices stay apart).
        Tenders and ``approval`` as in :meth:`return_items`."""
        plain_text(reason, "the reason")
        now = utc_now()
        with self.ctx.write() as conn:
            sale_id, training = self._sale(conn, receipt_no)
            rows, deposits, _ = self._line_rows(conn, sale_id, receipt_no, picks)
            return self._post(conn, rows, sale_id, training, user_id, None, restock, tenders,
                              reason, now, deposits, approval)

    def _line_rows(
        self, conn: Connection, sale_id: str, receipt_no: str, picks: dict[int, int],
        lines: list[SoldLine] | None = None,
    ) -> tuple[list[_Row], list[DepositBack], dict[int, int]]:
        """The return rows and deposits of ``picks`` (line number → base units); the third
        item maps each picked line number to its row."""
        lines = sold_lines(conn, sale_id) if lines is None else lines
        by_no = {ln.line_no: ln for ln in lines}
        wanted = {n: q for n, q in picks.items() if q}
        if not wanted:
            raise InputError("choose at least one item to return")
        rows: list[_Row] = []
        deposits: list[DepositBack] = []
        index: dict[int, int] = {}
        for line_no, q in sorted(wanted.items()):
            ln = by_no.get(line_no)
            if ln is None:
                raise RuleError(f"receipt {receipt_no} has no line {line_no}")
            label = f"{ln.name} {ln.variant}".strip()
            check_quantity(q, ln.unit)
            if q > ln.returnable:
                raise RuleError(
                    f"cannot return {q} of {label}: {ln.qty} sold on {receipt_no}, "
                    f"{ln.returned} already returned")
            amount = round_div((ln.total - ln.refunded) * q, ln.returnable)
            tax = round_div((ln.tax - ln.refunded_tax) * q, ln.returnable)
            index[line_no] = len(rows)
            rows.append((ln.sale_line_id, ln.product_id, ln.sku, q, amount, tax, ln.cost))
            deposits += _deposit_refunds(conn, sale_id, ln, q)
        return rows, deposits, index

    def quote(self, receipt_no: str, items: list[tuple[str, int]]) -> tuple[str, int]:
        """(sale id, refund) for returning ``items`` of ``receipt_no`` now, without writing:
        what a card terminal is asked to refund before the return is recorded."""
        if not items:
            raise InputError("name at least one item to return")
        with self.ctx.read() as conn:
            sale_id, _training, rows, deposits = self._picks(conn, receipt_no, items)
        return sale_id, sum(r[4] for r in rows) + sum(d.amount for d in deposits)

    def _picks(self, conn: Connection, receipt_no: str, items: list[tuple[str, int]]
               ) -> tuple[str, bool, list[_Row], list[DepositBack]]:
        """The rows and deposits returning ``items`` (code, count) of ``receipt_no`` gives."""
        sale_id, training = self._sale(conn, receipt_no)
        lines = sold_lines(conn, sale_id)
        left = {ln.sale_line_id: ln.returnable for ln in lines}
        picks: dict[int, int] = {}
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
                    picks[ln.line_no] = picks.get(ln.line_no, 0) + take
                    left[ln.sale_line_id] -= take
                    want -= take
            if want:
                sold = sum(ln.qty for ln in mine)
                back = sum(ln.returned for ln in mine)
                raise RuleError(
                    f"cannot return {qty} of {item.name}: {sold} sold on {receipt_no}, "
                    f"{back} already returned"
                )
        rows, deposits, _ = self._line_rows(conn, sale_id, receipt_no, picks, lines)
        return sale_id, training, rows, deposits

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
        now = utc_now()
        with self.ctx.write() as conn:
            rows, deposits, _ = self._blind_rows(conn, items, deposit_back)
            return self._post(conn, rows, None, False, user_id, approval, restock, tenders,
                              reason or approval.reason, now, deposits)

    def _blind_rows(
        self, conn: Connection, items: list[tuple[str, int]], deposit_back: bool,
    ) -> tuple[list[_Row], list[DepositBack], dict[int, int]]:
        """Rows of a blind return at today's prices; the third item maps each of ``items``
        to its row (items of one product and pack share a row)."""
        if not items:
            raise InputError("name at least one item to return")
        s = self.ctx.settings
        cart = Cart()
        added = [cart.add(resolve(conn, code), count) for code, count in items]
        totals = cart.totals(s.tax_mode, s.tax_rounding)
        rows: list[_Row] = [
            (None, p.line.item.product_id, p.line.item.sku, p.line.qty, p.total, p.tax,
             p.line.item.cost)
            for p in totals.lines
        ]
        row_of = {id(p.line): i for i, p in enumerate(totals.lines)}
        index = {i: row_of[id(line)] for i, line in enumerate(added)}
        deposits = [
            DepositBack(None, d.deposit.code, d.deposit.name, d.count, d.deposit.amount,
                        d.total, d.tax, d.deposit.tax_code, d.deposit.rate_ppm)
            for d in totals.deposits
        ] if deposit_back else []
        return rows, deposits, index

    def _post(
        self, conn: Connection, rows: list[_Row],
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
             "tendered": -a.tendered, "change": 0, "reference": a.reference,
             "attempt_id": a.attempt or None}
            for a in settlement.tenders
        ])
        mark_recorded(conn, settlement.tenders, now, return_id=return_id)
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
            ledger.add_event(conn, now, wire.ReturnCompleted(
                return_id=return_id, return_no=return_no, sale_id=sale_id, refund=refund,
                tax=tax, restock=restock, blind=sale_id is None,
                lines=tuple(wire.ReturnLine(sku=r[2], qty=r[3], amount=r[4], tax=r[5])
                            for r in rows),
                deposits=tuple(wire.DepositLine(code=d.code, qty=d.qty, amount=d.amount,
                                                tax=d.tax) for d in deposits),
                movements=ledger.movement_payload(posted, {r[1]: r[2] for r in rows}),
            ))
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



def _preview(rows: list[_Row], deposits: list[DepositBack],
             index: dict[int, int]) -> RefundPreview:
    amounts = {key: rows[row][4] for key, row in index.items()}
    back = sum(d.amount for d in deposits)
    return RefundPreview(amounts, back, sum(r[4] for r in rows) + back)


def _sales_of(conn: Connection, product_id: int, days: int) -> tuple[SaleOfItem, ...]:
    """Recent sales (not training) with some of ``product_id`` left to return, newest first."""
    since = to_wire_time(datetime.now(UTC) - timedelta(days=days))
    sl, rl = t.sale_lines, t.return_lines
    back = (select(rl.c.sale_line_id, func.sum(rl.c.qty).label("q"))
            .group_by(rl.c.sale_line_id).subquery())
    left = func.sum(sl.c.qty - func.coalesce(back.c.q, 0))
    rows = conn.execute(
        select(t.sales.c.receipt_no, t.sales.c.completed_at, left, func.min(sl.c.unit))
        .join(t.sales, t.sales.c.id == sl.c.sale_id)
        .outerjoin(back, back.c.sale_line_id == sl.c.id)
        .where(sl.c.product_id == product_id, t.sales.c.training.is_(False),
               t.sales.c.completed_at >= since)
        .group_by(t.sales.c.id)
        .having(left > 0)
        .order_by(t.sales.c.completed_at.desc())
        .limit(20))
    return tuple(SaleOfItem(r[0], r[1], int(r[2]), r[3]) for r in rows)
