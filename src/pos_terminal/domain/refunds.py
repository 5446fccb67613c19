"""A refund against a sale goes back the way the sale was paid.

Per tender of the original sale (cash, card, other; an empties voucher counts as cash), a
refund never gives back more than that tender took, less what earlier returns already gave
back through it (split payments: per tender). A refund to a tender the sale was not paid with
(a cash sale to a card, a card sale in cash) needs a supervisor. Amounts are compared before
cash rounding, so partial returns never add rounding up past what was taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pos_terminal.domain.tenders import AppliedTender, Tender, TenderKind


def refund_kind(kind: str) -> str:
    """The tender a refund of ``kind`` goes back through: an empties voucher was cash."""
    return str(TenderKind.CASH) if kind == TenderKind.VOUCHER else str(kind)


@dataclass(frozen=True)
class TenderLeft:
    """What one tender took on a sale, and what returns gave back through it already."""

    kind: str
    taken: int
    refunded: int

    @property
    def left(self) -> int:
        return max(0, self.taken - self.refunded)


@dataclass(frozen=True)
class Excess:
    """More going back through ``kind`` than it has left on the sale."""

    kind: str
    amount: int
    tender: TenderLeft


def plan(due: int, tenders: Sequence[Tender], left: Mapping[str, TenderLeft]) -> list[Tender]:
    """The refund's tenders with the sale's in mind: a non-cash tender given without an
    amount takes what is still due, up to what it has left on the sale; then, when the sale
    took cash and the cashier gave no cash tender, cash takes the rest (a split sale refunded
    "to the card" goes back to the card and the cash it was paid with)."""
    out: list[Tender] = []
    rest = due
    for t in tenders:
        if t.kind is TenderKind.CASH:
            out.append(t)
            continue
        have = left.get(refund_kind(t.kind))
        amount = t.amount
        if amount is None and have is not None and 0 < have.left < rest:
            amount = have.left
        out.append(replace(t, amount=amount))  # keeps a card terminal attempt with it
        rest -= rest if amount is None else amount
    cash = left.get(str(TenderKind.CASH))
    if rest > 0 and cash is not None and cash.left > 0 and not any(
            t.kind is TenderKind.CASH for t in out):
        out.append(Tender(TenderKind.CASH))
    return out


def check(applied: Sequence[AppliedTender], cash_rounding: int,
          left: Mapping[str, TenderLeft]) -> tuple[list[Excess], dict[str, int]]:
    """What a settled refund does against the sale: the tenders it over-refunds (refused),
    and the amounts going to tenders the sale was not paid with (a supervisor approves)."""
    going: dict[str, int] = {}
    for a in applied:
        k = refund_kind(a.kind)
        going[k] = going.get(k, 0) + a.amount - (cash_rounding if a.kind is TenderKind.CASH
                                                  else 0)
    over: list[Excess] = []
    foreign: dict[str, int] = {}
    for k, amount in going.items():
        have = left.get(k)
        if have is None or have.taken <= 0:
            if amount > 0:
                foreign[k] = amount
        elif amount > have.left:
            over.append(Excess(k, amount, have))
    return over, foreign
