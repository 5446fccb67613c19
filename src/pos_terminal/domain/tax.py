"""Tax on sale lines, tax-inclusive (VAT) or tax-exclusive (sales tax).

Rates are integers in parts per million of the base (19 % = 190_000, 8.875 % = 88_750).

Rounding rule (documented in docs/money.md):
- ``per_line``: each line's tax is rounded half away from zero on its own; the receipt's tax is
  the sum of the lines' taxes.
- ``per_receipt``: lines are grouped by tax class, each group's tax is computed once from the
  group's total and rounded; the group's tax is then split back onto its lines by largest
  remainder (so returns can refund a line's exact share).
Inclusive: tax = gross × rate / (1 + rate); the customer pays the gross. Exclusive:
tax = net × rate; the customer pays net + tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_protocol.money import allocate, round_div

PPM = 1_000_000


class TaxMode(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class TaxRounding(StrEnum):
    PER_LINE = "per_line"
    PER_RECEIPT = "per_receipt"


@dataclass(frozen=True)
class TaxClass:
    code: str
    name: str
    rate_ppm: int


@dataclass(frozen=True)
class TaxLine:
    """One row of a receipt's tax breakdown."""

    code: str
    rate_ppm: int
    base: int  # the amount the tax was computed on (gross when inclusive, net when exclusive)
    tax: int


def tax_of(amount: int, rate_ppm: int, mode: TaxMode) -> int:
    if mode is TaxMode.INCLUSIVE:
        return round_div(amount * rate_ppm, PPM + rate_ppm)
    return round_div(amount * rate_ppm, PPM)


def line_taxes(
    amounts: list[tuple[str, int, int]], mode: TaxMode, rounding: TaxRounding
) -> tuple[list[int], list[TaxLine]]:
    """Tax per line and the breakdown per class for lines given as (class code, rate, amount)."""
    if rounding is TaxRounding.PER_LINE:
        per_line = [tax_of(a, r, mode) for _, r, a in amounts]
    else:
        per_line = [0] * len(amounts)
        groups: dict[tuple[str, int], list[int]] = {}
        for i, (code, rate, _) in enumerate(amounts):
            groups.setdefault((code, rate), []).append(i)
        for (_, rate), idx in groups.items():
            total = sum(amounts[i][2] for i in idx)
            shares = allocate(tax_of(total, rate, mode), [amounts[i][2] for i in idx])
            for i, s in zip(idx, shares, strict=True):
                per_line[i] = s
    breakdown: dict[tuple[str, int], list[int]] = {}
    for (code, rate, amount), tax in zip(amounts, per_line, strict=True):
        acc = breakdown.setdefault((code, rate), [0, 0])
        acc[0] += amount
        acc[1] += tax
    lines = [TaxLine(c, r, b, t) for (c, r), (b, t) in sorted(breakdown.items())]
    return per_line, lines
