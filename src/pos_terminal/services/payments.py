"""Card terminal payments that a crash cannot lose or double.

Every charge, refund and reversal is an *attempt*, written (with its amount, its sale and the
plan to complete that sale) before anything is sent, then moved through its states as each
answer comes, each step journaled::

    pending ──> sent ──> approved ──> recorded      (its sale or return is committed)
                  │          └──────> reversed      (voided at the terminal)
                  ├──> declined | aborted            (nothing charged)
                  ├──> failed                        (not sent / terminal said it had nothing)
                  └──> unknown                       (no answer: ask the terminal again)

``approved → recorded`` happens inside the sale's (or return's) own transaction
(``db.attempts.mark_recorded``), so a charged card pays exactly one sale. After a crash,
``recover`` asks the terminal what became of every attempt left ``sent`` or ``unknown``
(ZVT: Repeat Receipt; nexo: TransactionStatus): approved → the sale is completed from its
plan; declined or none → the sale stays open; unreachable → ``unknown``, the cashier is told,
and a second charge for that sale needs a supervisor (``charge(..., approval=…)``), audited.

Terminal I/O never runs inside a database transaction: each journal write is its own short
transaction, so the register's database is never held for the minute a customer takes.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import tables as t
from pos_terminal.domain.cards import CardDetails
from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import NotFoundError, RuleError
from pos_terminal.hardware.errors import TerminalError, TerminalTimeoutError
from pos_terminal.hardware.terminal import (
    CardResult,
    Outcome,
    PaymentRequest,
    PaymentTerminal,
    ReceiptCopy,
    StatusCallback,
    TerminalTotals,
    no_status,
)
from pos_terminal.hardware.terminal_settings import TerminalSettings
from pos_terminal.services.context import Context
from pos_terminal.services.shifts import open_shift_id
from pos_terminal.services.users import write_audit

log = logging.getLogger(__name__)

OPEN_STATES = ("pending", "sent", "unknown")  # the terminal's answer is not known yet
StepHook = Callable[[str, str], None]  # (attempt id, step): tests kill the register here


class PaymentUnknownError(RuleError):
    """The terminal's answer is not known: nothing more may be charged for this sale until it
    is (or a supervisor approves a second charge)."""


@dataclass(frozen=True)
class Attempt:
    id: str
    kind: str
    state: str
    sale_ref: str
    amount: int
    approved_amount: int | None
    message: str
    card: CardDetails
    transaction_ref: str
    plan: dict[str, Any] | None
    created_at: str
    receipts: tuple[ReceiptCopy, ...] = ()
    sale_id: str | None = None
    return_id: str | None = None
    original_id: str | None = None
    user_id: int | None = None

    @property
    def tender(self) -> Tender:
        """This approved attempt as the card tender of its sale."""
        if self.state != "approved" or self.approved_amount is None:
            raise RuleError(f"card payment {self.id} is {self.state}, not approved")
        return Tender(TenderKind.CARD, self.approved_amount,
                      self.card.reference or f"terminal {self.id[:8]}", self.id)


@dataclass(frozen=True)
class Recovery:
    """What recovery found out about one attempt."""

    attempt: Attempt
    outcome: str  # approved | declined | none | unknown | in_progress | recorded
    message: str
    completed: Any = None  # the SaleResult / ReturnResult recovery completed


@dataclass(frozen=True)
class Settlement:
    terminal: TerminalTotals
    register_count: int
    register_amount: int

    @property
    def difference(self) -> int:
        return self.terminal.amount - self.register_amount


@dataclass
class PaymentService:
    ctx: Context
    settings: TerminalSettings
    factory: Callable[[TerminalSettings], PaymentTerminal] | None = None
    on_step: StepHook | None = None  # called after each journal write (tests, the UI)
    _terminal: PaymentTerminal | None = field(default=None, init=False, repr=False)

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def terminal(self) -> PaymentTerminal:
        if self._terminal is None:
            if self.factory is not None:
                self._terminal = self.factory(self.settings)
            else:
                from pos_terminal.hardware.terminal import open_terminal

                self._terminal = open_terminal(self.settings)
        return self._terminal

    def close(self) -> None:
        if self._terminal is not None:
            close = getattr(self._terminal, "_client", None)
            if close is not None:
                close.close()
            self._terminal = None

    # -- the journal ----------------------------------------------------------------------
    def _step(self, attempt_id: str, step: str, detail: str = "", **values: Any) -> None:
        now = utc_now()
        with self.ctx.write() as conn:
            conn.execute(insert(t.payment_attempt_steps).values(
                attempt_id=attempt_id, at=now, step=step, detail=detail[:200]))
            if values:
                conn.execute(update(t.payment_attempts)
                             .where(t.payment_attempts.c.id == attempt_id)
                             .values(updated_at=now, **values))
        if self.on_step is not None:
            self.on_step(attempt_id, step)

    def _result_values(self, r: CardResult, state: str) -> dict[str, Any]:
        c = r.card
        return dict(
            state=state, approved_amount=r.amount if r.approved else None,
            message=r.message[:200], result_code=r.result_code[:20], masked_pan=c.masked_pan,
            brand=c.brand, terminal_id=c.terminal_id, trace_no=c.trace_no,
            receipt_no=c.receipt_no, auth_code=c.auth_code,
            transaction_ref=ref_at_rest(r.transaction_ref[:120]),
            receipt=json.dumps([{"copy": rc.copy, "lines": list(rc.lines),
                                 "signature": rc.signature} for rc in r.receipts]),
        )

    def get(self, attempt_id: str) -> Attempt:
        with self.ctx.read() as conn:
            row = conn.execute(select(t.payment_attempts)
                               .where(t.payment_attempts.c.id == attempt_id)).first()
        if row is None:
            raise NotFoundError(f"there is no card payment {attempt_id}")
        return _attempt(row)

    def attempts(self, states: tuple[str, ...] | None = None, sale_ref: str | None = None
                 ) -> list[Attempt]:
        a = t.payment_attempts
        q = select(a).order_by(a.c.created_at)
        if states is not None:
            q = q.where(a.c.state.in_(states))
        if sale_ref is not None:
            q = q.where(a.c.sale_ref == sale_ref)
        with self.ctx.read() as conn:
            return [_attempt(r) for r in conn.execute(q)]

    def steps(self, attempt_id: str) -> list[str]:
        s = t.payment_attempt_steps
        with self.ctx.read() as conn:
            return list(conn.execute(select(s.c.step).where(s.c.attempt_id == attempt_id)
                                     .order_by(s.c.id)).scalars())

    def unresolved(self) -> list[Attempt]:
        """Attempts whose outcome the register does not know, or whose approved money is not
        on a committed sale yet: recovery's work list."""
        return [a for a in self.attempts(("pending", "sent", "unknown", "approved"))
                if a.state != "approved" or (a.plan or {}).get("complete")]

    def _known_refs(self) -> tuple[str, ...]:
        """Terminal transaction refs already recorded since the last end-of-day (a ZVT
        terminal's receipt numbers restart after it)."""
        a = t.payment_attempts
        with self.ctx.read() as conn:
            since = conn.execute(select(func.max(t.terminal_settlements.c.at))).scalar() or ""
            return tuple(ref_from_rest(r) for r in conn.execute(
                select(a.c.transaction_ref).where(
                    a.c.state.in_(("approved", "recorded", "reversed")),
                    a.c.transaction_ref != "", a.c.created_at >= since)).scalars())

    # -- charging -------------------------------------------------------------------------
    def begin(self, kind: str, sale_ref: str, amount: int, user_id: int,
              plan: dict[str, Any] | None = None, approval: Override | None = None,
              original_id: str | None = None, training: bool = False) -> str:
        """Write the attempt (state pending) before the terminal hears of it. Refuses while an
        earlier attempt for the same sale has no known outcome, unless a supervisor approved
        a second charge (audited)."""
        if amount <= 0:
            raise RuleError("a card payment must be more than zero")
        now = utc_now()
        attempt_id = new_id()
        with self.ctx.write() as conn:
            open_ = conn.execute(
                select(t.payment_attempts.c.id, t.payment_attempts.c.state)
                .where(t.payment_attempts.c.sale_ref == sale_ref,
                       t.payment_attempts.c.state.in_(OPEN_STATES))).all()
            if any(r.state in ("pending", "sent") for r in open_):
                raise RuleError("a card payment for this sale is still running on the terminal; "
                                "wait for it, or ask the terminal again (recover)")
            if open_ and kind == "payment":
                if approval is None or approval.action != "second_card_charge":
                    raise PaymentUnknownError(
                        "the terminal's answer to the last card payment of this sale is not "
                        "known: ask the terminal again when it is back, or a supervisor may "
                        "approve charging the card again")
                write_audit(conn, Override(
                    approval.action, approval.user_id, approval.approver_id, approval.reason,
                    f"unknown: {', '.join(r.id for r in open_)}; new: {attempt_id}"),
                    sale_ref, now)
            conn.execute(insert(t.payment_attempts).values(
                id=attempt_id, created_at=now, updated_at=now, kind=kind, state="pending",
                sale_ref=sale_ref, amount=amount, currency=self.settings.currency,
                terminal=self.settings.describe(), user_id=user_id,
                approver_id=approval.approver_id if approval else None, training=training,
                shift_id=open_shift_id(conn), plan=json.dumps(plan) if plan else None,
                original_id=original_id))
            conn.execute(insert(t.payment_attempt_steps).values(
                attempt_id=attempt_id, at=now, step="created",
                detail=f"{kind} {amount} {self.settings.currency}"))
        if self.on_step is not None:
            self.on_step(attempt_id, "created")
        return attempt_id

    def _request(self, a: Attempt) -> PaymentRequest:
        from pos_protocol.money import EXPONENTS

        return PaymentRequest(a.amount, self.settings.currency, a.id,
                              EXPONENTS.get(self.settings.currency, 2))

    def send(self, attempt_id: str, on_status: StatusCallback = no_status) -> Attempt:
        """Run a written attempt on the terminal and journal every answer. Returns the attempt
        in its new state; raises PaymentUnknownError when the outcome is not known."""
        a = self.get(attempt_id)
        if a.state != "pending":
            raise RuleError(f"card payment {a.id} was sent already ({a.state})")
        req = self._request(a)

        def status(text: str) -> None:
            self._step(attempt_id, "status", text)
            on_status(text)

        self._step(attempt_id, "sent", state="sent")
        term = self.terminal
        try:
            if a.kind == "payment":
                r = term.pay(req, status)
            elif a.kind == "refund":
                r = term.refund(req, self._original_ref(a), status)
            else:
                r = term.reverse(req, self._original_ref(a), status)
        except TerminalTimeoutError as exc:
            self._step(attempt_id, "no answer", str(exc), state="unknown", message=str(exc)[:200])
            raise PaymentUnknownError(
                f"{exc}. The register asks the terminal again before this sale goes on") from exc
        except TerminalError as exc:
            # Refused or unreachable before the terminal took the command: nothing charged.
            self._step(attempt_id, "failed", str(exc), state="failed", message=str(exc)[:200])
            raise
        state = {Outcome.APPROVED: "approved", Outcome.DECLINED: "declined",
                 Outcome.ABORTED: "aborted"}[r.outcome]
        self._step(attempt_id, state, r.message, **self._result_values(r, state))
        return self.get(attempt_id)

    def abort(self) -> None:
        """The cashier stops the payment in progress (any thread)."""
        if self._terminal is not None:
            self._terminal.abort()

    def _original_ref(self, a: Attempt) -> str:
        if not a.original_id:
            return ""
        return self.get(a.original_id).transaction_ref

    def charge(self, sale_ref: str, amount: int, user_id: int,
               plan: dict[str, Any] | None = None, on_status: StatusCallback = no_status,
               approval: Override | None = None, training: bool = False) -> Attempt:
        """Write, then send a payment attempt (see ``begin`` and ``send``)."""
        return self.send(self.begin("payment", sale_ref, amount, user_id, plan, approval,
                                    training=training), on_status)

    # -- completing what was approved -------------------------------------------------------
    def complete(self, attempt: Attempt, app: Any) -> Any:
        """Record the sale or return an approved attempt's plan describes, with the attempt as
        its card tender (approved → recorded in the same transaction)."""
        plan = attempt.plan or {}
        if plan.get("type") == "sale":
            from pos_terminal.services.parking import cart_from_json

            cart = cart_from_json(plan["cart"])
            if "total" in plan and app.checkout.totals(cart).total != plan["total"]:
                raise RuleError(f"card payment {attempt.id}: the sale no longer totals "
                                "what the card paid; refund the card payment")
            others = [Tender(TenderKind(x["kind"]), x.get("amount"), x.get("reference", ""))
                      for x in plan.get("tenders", [])]
            with self.ctx.read() as conn:
                done_no = conn.execute(select(t.sales.c.receipt_no)
                                       .where(t.sales.c.id == attempt.sale_ref)).scalar()
            if done_no is not None:
                raise RuleError(f"card payment {attempt.card.reference or attempt.id} is already "
                                f"on a sale (receipt {done_no})")
            # the sale takes the id of the sale in progress (its saved copy goes in the same
            # transaction; a second completion of it would collide with the first)
            done = app.checkout.complete_sale(cart, [attempt.tender, *others],
                                              plan["user_id"], plan.get("training", False),
                                              sale_id=attempt.sale_ref)
            self._step(attempt.id, "sale committed", done.receipt_no)
            return done
        if plan.get("type") == "return":
            tender = Tender(TenderKind.CARD, attempt.approved_amount,
                            attempt.card.reference or f"terminal {attempt.id[:8]}", attempt.id)
            tenders = [tender] + ([Tender(TenderKind.CASH)] if plan.get("cash_rest") else [])
            result = app.returns.return_items(
                plan["receipt"], [tuple(x) for x in plan["items"]], plan["user_id"],
                restock=plan.get("restock", True), tenders=tenders,
                reason=plan.get("reason", ""))
            self._audit(attempt, plan["user_id"], result.return_no)
            return result
        raise RuleError(f"card payment {attempt.id} has no sale to complete")

    def _audit(self, a: Attempt, user_id: int, reference: str) -> None:
        action = "card_void" if a.kind == "reversal" else "card_refund"
        with self.ctx.write() as conn:
            write_audit(conn, Override(action, user_id, user_id,
                                       f"{a.kind} on the card terminal", a.card.reference),
                        reference, value=a.approved_amount)

    # -- after a crash ----------------------------------------------------------------------
    def recover(self, app: Any = None) -> list[Recovery]:
        """Ask the terminal about every attempt the register has no answer for, and complete
        the sales (or returns) of approved ones from their plans. Call before any sale goes on
        after a start."""
        out: list[Recovery] = []
        for a in self.unresolved():
            out.append(self._recover_one(a, app))
        return out

    def _recover_one(self, a: Attempt, app: Any) -> Recovery:
        if a.state == "pending":  # written, never sent: nothing can have been charged
            self._step(a.id, "recovered", "never sent", state="failed",
                       message="never sent to the terminal")
            return Recovery(self.get(a.id), "none", "the payment was never sent: nothing "
                            "was charged")
        if a.state in ("sent", "unknown"):
            try:
                last = self.terminal.last_transaction(self._request(a), self._known_refs())
            except TerminalError as exc:
                self._step(a.id, "recovery failed", str(exc), state="unknown",
                           message=str(exc)[:200])
                return Recovery(self.get(a.id), "unknown",
                                f"the terminal cannot be asked ({exc}); whether the card was "
                                "charged is not known: do not charge again without a "
                                "supervisor")
            if last.in_progress:
                return Recovery(a, "in_progress", "the payment is still running on the "
                                "terminal: finish it there, then ask again")
            if not last.found and last.last_ref and self._newer(a, last.last_ref):
                self._step(a.id, "recovery failed", "the terminal took another payment since",
                           state="unknown")
                return Recovery(self.get(a.id), "unknown", "the terminal has taken another "
                                "payment since, so it cannot tell about this one: compare its "
                                "end-of-day; do not charge again without a supervisor")
            if not last.found or last.result is None:
                self._step(a.id, "recovered", "the terminal has no such payment",
                           state="failed", message="not charged (the terminal has no record)")
                return Recovery(self.get(a.id), "none", "the terminal did not charge the "
                                "card: the sale is still open")
            r = last.result
            state = "approved" if r.approved else (
                "aborted" if r.outcome is Outcome.ABORTED else "declined")
            self._step(a.id, "recovered", r.message, **self._result_values(r, state))
            a = self.get(a.id)
            if not r.approved:
                return Recovery(a, "declined", f"the terminal says: {r.message}; nothing was "
                                "charged, the sale is still open")
            if a.kind == "payment" and self._paid_otherwise(a):
                return self._void_duplicate(a)
        # approved: complete its sale (or return) when the plan says how
        if a.state == "approved" and (a.plan or {}).get("complete") and app is not None:
            done = self.complete(a, app)
            return Recovery(self.get(a.id), "recorded",
                            f"the card was charged: {_label(done)} completed", done)
        return Recovery(a, "approved", "the card was charged: the payment is taken for the "
                        "sale")

    def _newer(self, a: Attempt, ref: str) -> bool:
        """``ref`` is a transaction the register recorded after attempt ``a`` was written."""
        at = t.payment_attempts
        with self.ctx.read() as conn:
            return conn.execute(select(func.count()).where(
                at.c.transaction_ref == ref_at_rest(ref), at.c.created_at > a.created_at,
                at.c.state.in_(("approved", "recorded", "reversed")))).scalar_one() > 0

    def _paid_otherwise(self, a: Attempt) -> bool:
        """Another charge (approved by a supervisor while this one's answer was unknown)
        already pays this sale."""
        return any(o.id != a.id and o.kind == "payment" and o.state in ("approved", "recorded")
                   for o in self.attempts(sale_ref=a.sale_ref))

    def _void_duplicate(self, a: Attempt) -> Recovery:
        """The card was charged twice for one sale: void the earlier charge at once."""
        user = a.user_id or (a.plan or {}).get("user_id")
        try:
            rid = self.begin("reversal", a.sale_ref, a.approved_amount or a.amount,
                             user, original_id=a.id)
            back = self.send(rid)
        except (TerminalError, RuleError) as exc:
            return Recovery(a, "approved", f"the card was charged twice for this sale and the "
                            f"earlier payment could not be voided ({exc}): refund it")
        if back.state != "approved":
            return Recovery(a, "approved", "the card was charged twice for this sale and the "
                            f"terminal did not void the earlier payment ({back.message}): "
                            "refund it")
        self._step(a.id, "voided", "a second charge paid the sale", state="reversed")
        with self.ctx.write() as conn:
            write_audit(conn, Override("card_void", user, user,
                                       "charged twice: the earlier payment voided",
                                       a.card.reference), a.sale_ref,
                        value=a.approved_amount)
        self._step(rid, "recorded", state="recorded")
        return Recovery(self.get(a.id), "reversed", "the card had been charged twice for this "
                        "sale: the earlier payment was voided on the terminal")

    # -- refunds and voids ------------------------------------------------------------------
    def original_payment(self, receipt_no: str) -> Attempt:
        """The recorded terminal payment of a receipt."""
        a = t.payment_attempts
        with self.ctx.read() as conn:
            row = conn.execute(
                select(a).join(t.sales, t.sales.c.id == a.c.sale_id)
                .where(t.sales.c.receipt_no == receipt_no, a.c.kind == "payment",
                       a.c.state.in_(("recorded", "reversed")))
                .order_by(a.c.created_at.desc())).first()
        if row is None:
            raise RuleError(f"receipt {receipt_no} was not paid with the card terminal; refund "
                            "it in cash or to a card by reference")
        return _attempt(row)

    def refund_return(self, receipt_no: str, items: list[tuple[str, int]], user_id: int,
                      app: Any, restock: bool = True, reason: str = "",
                      on_status: StatusCallback = no_status) -> tuple[Attempt, Any]:
        """Return items and give the money back to the card that paid for them: a reversal
        when it is today's whole payment (a void), else a refund to that card. Audited."""
        original = self.original_payment(receipt_no)
        if original.state == "reversed":
            raise RuleError(f"the card payment of {receipt_no} was voided already")
        _sale_id, refund = app.returns.quote(receipt_no, items)
        paid = original.approved_amount or 0
        a = t.payment_attempts
        with self.ctx.read() as conn:
            back = conn.execute(select(func.coalesce(func.sum(a.c.approved_amount), 0)).where(
                a.c.original_id == original.id, a.c.state == "recorded")).scalar_one()
        amount = min(refund, paid - back)
        if amount <= 0:
            raise RuleError(f"the card payment of {receipt_no} was refunded in full already")
        today = original.created_at[:10] == utc_now()[:10]
        kind = "reversal" if today and back == 0 and amount == paid else "refund"
        plan = {"type": "return", "complete": True, "receipt": receipt_no,
                "items": [list(x) for x in items], "user_id": user_id, "restock": restock,
                "reason": reason, "cash_rest": refund > amount}
        attempt_id = self.begin(kind, receipt_no, amount, user_id, plan, original_id=original.id)
        got = self.send(attempt_id, on_status)
        if got.state != "approved":
            raise RuleError(f"the terminal did not {'void' if kind == 'reversal' else 'refund'} "
                            f"the payment: {got.message}")
        if kind == "reversal":
            with self.ctx.write() as conn:
                conn.execute(update(a).where(a.c.id == original.id).values(
                    state="reversed", updated_at=utc_now()))
        return got, self.complete(got, app)

    # -- end of day -------------------------------------------------------------------------
    def end_of_day(self, user_id: int, on_status: StatusCallback = no_status) -> Settlement:
        """The terminal's end-of-day, compared with the register's terminal card tenders since
        the last one; the difference is kept (``terminal_settlements``)."""
        with self.ctx.read() as conn:
            since = conn.execute(select(func.max(t.terminal_settlements.c.at))).scalar() or ""
        totals = self.terminal.end_of_day(on_status)
        now = utc_now()
        with self.ctx.write() as conn:
            count, amount = _register_totals(conn, since, now)
            diff = totals.amount - amount
            conn.execute(insert(t.terminal_settlements).values(
                at=now, shift_id=open_shift_id(conn), since=since or None,
                terminal=self.settings.describe(), user_id=user_id,
                terminal_count=totals.count, terminal_amount=totals.amount,
                register_count=count, register_amount=amount, difference=diff,
                detail=json.dumps({"brands": [list(b) for b in totals.by_brand],
                                   "message": totals.message})))
        return Settlement(totals, count, amount)

    def settlements(self, limit: int = 10) -> list[dict[str, Any]]:
        s = t.terminal_settlements
        with self.ctx.read() as conn:
            rows = conn.execute(select(s).order_by(s.c.id.desc()).limit(limit)).all()
        return [dict(r._mapping) for r in rows]


def _register_totals(conn: Connection, since: str, until: str) -> tuple[int, int]:
    """Card tenders taken through the terminal (sales minus refunds and voids)."""
    a = t.payment_attempts
    rows = conn.execute(
        select(a.c.kind, func.count(), func.coalesce(func.sum(a.c.approved_amount), 0))
        .where(a.c.state.in_(("recorded", "reversed")), a.c.training.is_(False),
               a.c.updated_at > since, a.c.updated_at <= until)
        .group_by(a.c.kind)).all()
    count = amount = 0
    for kind, n, total in rows:
        if kind == "payment":
            count += n
            amount += total
        else:
            amount -= total
    return count, amount


def ref_at_rest(ref: str) -> str:
    """A terminal's transaction reference as stored: base64, so a PSP reference (16 digits,
    Luhn-valid by chance one time in ten) never looks like a card number to a scan of the
    register's files, yet comes back exactly for a reversal."""
    return "b64:" + base64.urlsafe_b64encode(ref.encode()).decode() if ref else ""


def ref_from_rest(stored: str) -> str:
    if stored.startswith("b64:"):
        return base64.urlsafe_b64decode(stored[4:].encode()).decode()
    return stored


def _label(done: Any) -> str:
    no = getattr(done, "receipt_no", None) or getattr(done, "return_no", None)
    return f"receipt {no}" if no else "the sale"


def _attempt(row: Any) -> Attempt:
    receipts = tuple(ReceiptCopy(r["copy"], tuple(r["lines"]), r.get("signature", False))
                     for r in json.loads(row.receipt or "[]"))
    return Attempt(
        row.id, row.kind, row.state, row.sale_ref, row.amount, row.approved_amount,
        row.message, CardDetails(row.masked_pan, row.brand, row.terminal_id, row.trace_no,
                                 row.receipt_no, row.auth_code),
        ref_from_rest(row.transaction_ref), json.loads(row.plan) if row.plan else None,
        row.created_at,
        receipts, row.sale_id, row.return_id, row.original_id, row.user_id)


def sale_plan(cart_json: str, tenders: list[Tender], user_id: int, training: bool,
              complete: bool = True) -> dict[str, Any]:
    """What recovery needs to complete a sale the terminal approved: its cart, its other
    tenders (cash handed over, vouchers) and who rang it up."""
    return {"type": "sale", "complete": complete, "cart": cart_json, "user_id": user_id,
            "training": training,
            "tenders": [{"kind": str(x.kind), "amount": x.amount, "reference": x.reference}
                        for x in tenders]}
