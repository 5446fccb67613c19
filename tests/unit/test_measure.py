"""Weights and volumes as people type them (domain/measure.py): the store's decimal separator,
units typed or not, and every guess refused with a message a cashier can act on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_terminal.domain.measure import (
    DOT,
    MAX_MEASURED,
    Default,
    MeasureFormat,
    format_measure,
    format_quantity,
    parse_measure,
)
from pos_terminal.errors import InputError, QuantityError

COMMA = MeasureFormat(",")
BASE = Default.BASE


@pytest.mark.parametrize(("text", "unit", "fmt", "want"), [
    ("1.235", "g", DOT, 1235),
    ("1,235", "g", COMMA, 1235),
    ("1.235kg", "g", DOT, 1235),
    ("1,235 kg", "g", COMMA, 1235),
    ("1.235 KG", "g", DOT, 1235),
    ("1235g", "g", DOT, 1235),
    ("1235 g", "g", COMMA, 1235),
    ("0,5 l", "ml", COMMA, 500),
    ("0.5l", "ml", DOT, 500),
    ("500 ml", "ml", DOT, 500),
    ("2", "g", DOT, 2000),  # a number alone is in the store's unit: 2 kg
    ("0,5", "g", DOT, 500),  # "," cannot be a thousands separator before 1 digit: a decimal
    ("0,235", "g", DOT, 235),  # nor after a leading 0
    ("1.2", "g", COMMA, 1200),
    (".5", "g", DOT, 500),
    ("1.", "g", DOT, 1000),
    ("+1.5", "g", DOT, 1500),
    (" 1.5 ", "g", DOT, 1500),
    ("1000kg", "g", DOT, 1_000_000),
    ("1 kilo", "g", DOT, 1000),
])
def test_typed_weights_and_volumes(text: str, unit: str, fmt: MeasureFormat, want: int) -> None:
    assert parse_measure(text, unit, fmt) == want


@pytest.mark.parametrize(("text", "want"), [("1000", 1000), ("1235g", 1235), ("1.235kg", 1235),
                                            ("2l", None)])
def test_scripts_give_base_units_without_a_unit(text: str, want: int | None) -> None:
    if want is None:
        with pytest.raises(QuantityError, match="by weight"):
            parse_measure(text, "g", DOT, BASE)
    else:
        assert parse_measure(text, "g", DOT, BASE) == want


@pytest.mark.parametrize(("text", "fmt", "words"), [
    ("1,235", DOT, ["ambiguous", "1.235kg", "1235g"]),  # thousands or decimal comma?
    ("1.235", COMMA, ["ambiguous", "1,235kg", "1235g"]),
    ("12,500kg", DOT, ["ambiguous", "12.500kg", "12500g"]),
    ("1,235g", DOT, ["ambiguous"]),
    ("0", DOT, ["more than 0", "must be positive"]),
    ("0,000", COMMA, ["more than 0"]),
    ("0g", DOT, ["more than 0"]),
    ("-1", DOT, ["negative", "must be positive"]),
    ("-0,5", COMMA, ["negative"]),
    ("-250g", DOT, ["negative"]),
    ("1.2345", DOT, ["too many decimals", "at most 3"]),
    ("1235.5g", DOT, ["too many decimals", "grams are whole", "1.235kg"]),
    ("1.234,5", COMMA, ["one decimal separator", "no thousands separator"]),
    ("1,234.5", DOT, ["one decimal separator"]),
    ("abc", DOT, ["not a weight", "1.235kg or 1235g"]),
    ("1.5 lbs", DOT, ["not a weight"]),
    ("1..5", DOT, ["one decimal separator"]),
    ("", DOT, ["type the weight"]),
    ("   ", COMMA, ["type the weight", "1,235kg"]),
    ("500ml", DOT, ["sold by weight", "not by volume"]),
    ("1kg", DOT, None),  # placeholder replaced below for volumes
    ("1250", DOT, ["too large", "1000 kg", "1250g"]),
    ("1000001g", DOT, ["too large"]),
])
def test_refused_with_the_reason(text: str, fmt: MeasureFormat, words: list[str] | None
                                 ) -> None:
    if words is None:
        with pytest.raises(QuantityError, match="sold by volume"):
            parse_measure(text, "ml", fmt)
        return
    with pytest.raises(QuantityError) as err:
        parse_measure(text, "g", fmt)
    for word in words:
        assert word in err.value.message, err.value.message


def test_a_refusal_is_an_input_error_that_says_what_was_typed() -> None:
    with pytest.raises(InputError, match="'1,235'"):
        parse_measure("1,235", "g", DOT)


def test_the_line_limit_is_the_carts() -> None:
    from pos_terminal.domain import cart

    assert MAX_MEASURED == cart.MAX_MEASURED


def test_pieces_are_not_a_measure() -> None:
    with pytest.raises(QuantityError):
        parse_measure("1", "each", DOT)


@pytest.mark.parametrize(("qty", "unit", "fmt", "want"), [
    (1235, "g", DOT, "1.235 kg"),
    (1235, "g", COMMA, "1,235 kg"),
    (500, "ml", COMMA, "0,500 l"),
    (5, "g", DOT, "0.005 kg"),
    (-1250, "g", COMMA, "-1,250 kg"),
    (3, "each", COMMA, "3"),
])
def test_formatted_the_way_the_store_reads(qty: int, unit: str, fmt: MeasureFormat, want: str
                                           ) -> None:
    assert format_quantity(qty, unit, fmt) == want


def test_formatted_in_the_base_unit() -> None:
    assert format_measure(1235, "g", COMMA, big=False) == "1235 g"


@given(st.integers(1, MAX_MEASURED), st.sampled_from(["g", "ml"]),
       st.sampled_from([DOT, COMMA]))
def test_what_is_shown_reads_back_the_same(qty: int, unit: str, fmt: MeasureFormat) -> None:
    assert parse_measure(format_measure(qty, unit, fmt), unit, fmt) == qty
    assert parse_measure(format_measure(qty, unit, fmt, big=False), unit, fmt, BASE) == qty


@given(st.text(alphabet="0123456789.,-+ kgml", max_size=12), st.sampled_from([DOT, COMMA]),
       st.sampled_from(list(Default)))
def test_anything_typed_is_a_weight_or_a_reason(text: str, fmt: MeasureFormat,
                                                default: Default) -> None:
    try:
        got = parse_measure(text, "g", fmt, default)
    except QuantityError as exc:
        got = -1 if exc.message else -2  # refused, with a reason
    assert got == -1 or 0 < got <= MAX_MEASURED
