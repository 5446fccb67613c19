from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_protocol.money import (
    Currency,
    allocate,
    format_amount,
    parse_amount,
    round_div,
    round_to_increment,
)
from pos_terminal.errors import InputError


@pytest.mark.parametrize(
    ("num", "den", "want"),
    [(5, 2, 3), (-5, 2, -3), (4, 3, 1), (5, 3, 2), (1, 2, 1), (-1, 2, -1), (149, 100, 1)],
)
def test_round_div_half_away_from_zero(num: int, den: int, want: int) -> None:
    assert round_div(num, den) == want


def test_cash_rounding_to_five_cents() -> None:
    assert round_to_increment(1232, 5) == 1230
    assert round_to_increment(1233, 5) == 1235
    assert round_to_increment(1237, 5) == 1235
    assert round_to_increment(1238, 5) == 1240
    assert round_to_increment(1238, 1) == 1238


@pytest.mark.parametrize(
    ("text", "exp", "want"),
    [("12.50", 2, 1250), ("12,5", 2, 1250), ("0.05", 2, 5), ("7", 2, 700), ("1500", 0, 1500),
     ("1.234", 3, 1234), ("-3.10", 2, -310)],
)
def test_parse_amount(text: str, exp: int, want: int) -> None:
    assert parse_amount(text, exp) == want


@pytest.mark.parametrize("text", ["12.345", "abc", "1e3", "", "1..2", "12.5€"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_amount(text, 2)


def test_format_amount() -> None:
    assert format_amount(1250, 2) == "12.50"
    assert format_amount(-5, 2) == "-0.05"
    assert format_amount(1500, 0) == "1500"
    assert Currency.of("EUR").format(199, symbol=True) == "€1.99"


def test_currency_defaults() -> None:
    assert Currency.of("chf").cash_increment == 5
    assert Currency.of("JPY").exponent == 0
    with pytest.raises(InputError, match="unknown currency"):
        Currency.of("XXX")


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocate_sums_exactly_and_is_proportional(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    wsum = sum(weights)
    if wsum:
        for p, w in zip(parts, weights, strict=True):
            assert abs(p - total * w / wsum) < 1 + 1e-9
