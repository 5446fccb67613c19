"""Money as integer minor units of a currency; never float.

Rounding rule used everywhere: half away from zero on the exact rational value
(``round_div``). Cash rounding rounds an amount to the currency's smallest cash
increment (e.g. 5 for CHF 0.05) the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pos_protocol import InputError

# ISO 4217 minor-unit exponents for the currencies a store may configure.
EXPONENTS: dict[str, int] = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2,
    "CZK": 2, "HUF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "JPY": 0, "KRW": 0, "ISK": 0,
    "KWD": 3, "BHD": 3, "TND": 3,
}
# Default smallest cash coin in minor units, where it differs from 1.
CASH_INCREMENTS: dict[str, int] = {
    "CHF": 5, "SEK": 100, "NOK": 100, "DKK": 50, "CAD": 5, "AUD": 5, "NZD": 10, "CZK": 100,
    "HUF": 500,
}
SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    cash_increment: int = 1

    @classmethod
    def of(cls, code: str, cash_increment: int | None = None) -> Currency:
        code = code.upper()
        if code not in EXPONENTS:
            known = ", ".join(sorted(EXPONENTS))
            raise InputError(f"unknown currency {code!r}; use one of {known}")
        inc = CASH_INCREMENTS.get(code, 1) if cash_increment is None else cash_increment
        if inc < 1:
            raise InputError("cash rounding increment must be at least 1 minor unit")
        return cls(code, EXPONENTS[code], inc)

    def parse(self, text: str) -> int:
        """Parse a decimal amount typed by a person ("12.5", "12,50") into minor units."""
        return parse_amount(text, self.exponent)

    def format(self, minor: int, symbol: bool = False) -> str:
        return format_amount(minor, self.exponent, SYMBOLS.get(self.code, "") if symbol else "")


_AMOUNT = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def parse_amount(text: str, exponent: int) -> int:
    raw = text.strip().replace(" ", "")
    if not _AMOUNT.match(raw):
        raise InputError(f"{text!r} is not an amount; type it like 12.50")
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise InputError(f"{text!r} is not an amount") from exc
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InputError(f"{text!r} has more than {exponent} decimal places")
    return int(scaled)


def format_amount(minor: int, exponent: int, symbol: str = "") -> str:
    sign = "-" if minor < 0 else ""
    units, frac = divmod(abs(minor), 10**exponent)
    body = f"{units}.{frac:0{exponent}d}" if exponent else str(units)
    return f"{sign}{symbol}{body}"


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers only."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def round_to_increment(amount: int, increment: int) -> int:
    """Round an amount to a multiple of the cash increment (half away from zero)."""
    if increment <= 1:
        return amount
    return round_div(amount, increment) * increment


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` proportionally; the parts sum exactly to ``total``.

    Largest-remainder method, ties to the earlier item, so the split is deterministic.
    """
    if not weights:
        return []
    wsum = sum(weights)
    if wsum == 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    sign = -1 if total < 0 else 1
    t = abs(total)
    base = [t * w // wsum for w in weights]
    rema = [t * w % wsum for w in weights]
    left = t - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-rema[i], i))
    for i in order[:left]:
        base[i] += 1
    return [sign * b for b in base]
