"""Cash in the drawer: denominations for a closing count, and the expected-cash formula.

expected = opening float + cash taken on sales − cash paid out on refunds + paid in − paid out
"""

from __future__ import annotations

from pos_terminal.errors import InputError

# Notes and coins in minor units, largest first.
DENOMINATIONS: dict[str, tuple[int, ...]] = {
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "USD": (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1),
    "GBP": (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "CHF": (100000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5),
}


def denominations(currency: str) -> tuple[int, ...]:
    return DENOMINATIONS.get(currency, DENOMINATIONS["EUR"])


def count_total(counts: dict[int, int], currency: str) -> int:
    """Total of a denomination count {value: pieces}; refuses unknown values and negatives."""
    allowed = set(denominations(currency))
    total = 0
    for value, pieces in counts.items():
        if value not in allowed:
            raise InputError(f"{value} is not a {currency} note or coin")
        if pieces < 0:
            raise InputError("a counted number of notes or coins cannot be negative")
        total += value * pieces
    return total


def expected_cash(float_: int, cash_sales: int, cash_refunds: int, paid_in: int,
                  paid_out: int) -> int:
    return float_ + cash_sales - cash_refunds + paid_in - paid_out


def quick_amounts(due: int, currency: str, count: int = 4) -> list[int]:
    """Amounts a customer is likely to hand over for ``due``: exact, then the next notes up."""
    out = [due]
    for note in sorted(v for v in denominations(currency) if v >= 500):
        up = -(-due // note) * note
        if up > due and up not in out:
            out.append(up)
        if len(out) >= count:
            break
    return out
