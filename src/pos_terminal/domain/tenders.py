"""Tenders: cash with change and cash rounding, card (external terminal reference), other.

Settlement rule: non-cash tenders are applied first, in the order given, and may not exceed
what is still due, except a voucher: what it is worth beyond the sale (its ``change``) is paid
out in cash (rounded to the cash increment, part of the sale's change) or, when the store says
so, comes back as a new voucher (``rest_voucher``). What is left is paid in cash: it is
rounded to the currency's cash increment (the difference is the sale's cash rounding), the cash
handed over must cover it, and the rest is change. Card data is never stored: a reference
that looks like a card number is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pos_protocol.money import Currency, round_to_increment
from pos_terminal.errors import InputError, PaymentError


class TenderKind(StrEnum):
    CASH = "cash"
    CARD = "card"
    OTHER = "other"
    VOUCHER = "voucher"  # a deposit-refund voucher (reference: its code), taken once


@dataclass(frozen=True)
class Tender:
    kind: TenderKind
    amount: int | None = None  # None: whatever is still due (cash: exact cash)
    reference: str = ""
    attempt: str = ""  # a card terminal's approved attempt (services/payments.py)


@dataclass(frozen=True)
class AppliedTender:
    kind: TenderKind
    amount: int  # counts toward the sale
    tendered: int  # handed over (cash) or charged
    change: int
    reference: str
    attempt: str = ""


@dataclass(frozen=True)
class Settlement:
    tenders: tuple[AppliedTender, ...]
    cash_rounding: int
    change: int  # cash handed back, ``voucher_payout`` included
    voucher_payout: int = 0  # cash paid out for what vouchers were worth beyond the sale
    rest_voucher: int = 0  # or: the value of a new voucher for it

    @property
    def paid(self) -> int:
        return sum(t.amount for t in self.tenders)


_DIGITS = re.compile(r"\d{13,19}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    """True when text holds 13-19 consecutive digits that pass the Luhn check."""
    compact = re.sub(r"[ -]", "", text)
    for m in re.finditer(r"\d+", compact):
        run = m.group()
        for n in range(13, 20):
            for i in range(len(run) - n + 1):
                if luhn_valid(run[i : i + n]):
                    return True
    return False


def plain_text(text: str, what: str = "the text") -> str:
    """A free-text field (a reason, a note, a label) with no card number in it: card data is
    never stored, wherever a cashier types it."""
    if looks_like_card_number(text):
        raise InputError(f"{what} looks like it holds a card number; card numbers are never "
                         "stored: leave it out")
    return text


def check_reference(reference: str) -> str:
    ref = reference.strip()
    if looks_like_card_number(ref):
        raise PaymentError(
            "that looks like a card number; enter the card terminal's reference, never the card"
        )
    if len(ref) > 64:
        raise PaymentError("the reference is too long (64 characters at most)")
    return ref


def settle(total: int, tenders: list[Tender], currency: Currency,
           voucher_rest_in_cash: bool = True) -> Settlement:
    """Apply tenders to a sale total (or a refund total, paid out the same way)."""
    if total < 0:
        raise PaymentError("a sale total cannot be negative")
    if not tenders:
        tenders = [Tender(TenderKind.CASH)]
    due = total
    voucher_rest = 0
    applied: list[AppliedTender] = []
    cash = [t for t in tenders if t.kind is TenderKind.CASH]
    if len(cash) > 1:
        raise PaymentError("give cash once; it covers whatever is left")
    for t in tenders:
        if t.kind is TenderKind.CASH:
            continue
        ref = check_reference(t.reference)
        if t.kind is TenderKind.CARD and not ref:
            raise PaymentError("a card payment needs the card terminal's reference")
        amount = due if t.amount is None else t.amount
        if amount <= 0:
            if t.amount is not None:
                raise PaymentError("a payment amount must be positive")
            raise PaymentError(f"nothing is left to pay by {t.kind}")
        if t.kind is TenderKind.VOUCHER and amount > due:
            if due == 0:
                raise PaymentError(f"the sale is paid already; keep voucher {ref} for "
                                   "another sale")
            applied.append(AppliedTender(t.kind, due, amount, amount - due, ref))
            voucher_rest += amount - due
            due = 0
            continue
        if amount > due:
            raise PaymentError(
                f"{t.kind} amount {currency.format(amount)} is more than the "
                f"{currency.format(due)} still due"
            )
        applied.append(AppliedTender(t.kind, amount, amount, 0, ref, t.attempt))
        due -= amount
    rounding = 0
    change = 0
    if cash:
        c = cash[0]
        cash_due = round_to_increment(due, currency.cash_increment)
        rounding = cash_due - due
        handed = cash_due if c.amount is None else c.amount
        if handed < 0:
            raise PaymentError("a payment amount must be positive")
        if handed < cash_due:
            raise PaymentError(
                f"not enough cash: {currency.format(cash_due)} due, "
                f"{currency.format(handed)} given ({currency.format(cash_due - handed)} short)"
            )
        change = handed - cash_due
        applied.append(AppliedTender(TenderKind.CASH, cash_due, handed, change, ""))
        due = 0
    if due > 0:
        raise PaymentError(f"{currency.format(due)} is still due; add a payment")
    if voucher_rest and voucher_rest_in_cash:
        payout = round_to_increment(voucher_rest, currency.cash_increment)
        # Paying out less than the rest (rounded down) is like the customer paying more.
        return Settlement(tuple(applied), rounding + voucher_rest - payout, change + payout,
                          voucher_payout=payout)
    return Settlement(tuple(applied), rounding, change, rest_voucher=voucher_rest)


def still_due(total: int, tenders: list[Tender]) -> int:
    """What is left to pay after the non-cash tenders taken so far (before cash rounding)."""
    return max(0, total - sum(t.amount or 0 for t in tenders if t.kind is not TenderKind.CASH))


def cash_due(total: int, tenders: list[Tender], currency: Currency) -> int:
    """What the customer must hand over in cash to finish, after cash rounding."""
    return round_to_increment(still_due(total, tenders), currency.cash_increment)
