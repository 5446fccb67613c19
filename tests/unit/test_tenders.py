from __future__ import annotations

import pytest

from pos_protocol.money import Currency
from pos_terminal.domain.tenders import (
    Tender,
    TenderKind,
    looks_like_card_number,
    plain_text,
    settle,
)
from pos_terminal.errors import InputError, PaymentError

EUR = Currency.of("EUR")
CHF = Currency.of("CHF")
CASH, CARD, OTHER = TenderKind.CASH, TenderKind.CARD, TenderKind.OTHER


def test_cash_with_change() -> None:
    s = settle(1234, [Tender(CASH, 2000)], EUR)
    assert (s.change, s.cash_rounding, s.paid) == (766, 0, 1234)


def test_exact_cash_when_no_amount() -> None:
    s = settle(1234, [Tender(CASH)], EUR)
    assert (s.change, s.tenders[0].tendered) == (0, 1234)


def test_cash_rounding_in_chf() -> None:
    s = settle(1232, [Tender(CASH, 2000)], CHF)
    assert s.cash_rounding == -2
    assert s.tenders[0].amount == 1230
    assert s.change == 770


def test_split_card_then_cash() -> None:
    s = settle(5000, [Tender(CASH, 2000), Tender(CARD, 3500, "T-881")], EUR)
    assert [(t.kind, t.amount) for t in s.tenders] == [(CARD, 3500), (CASH, 1500)]
    assert s.change == 500


def test_card_for_the_rest() -> None:
    s = settle(999, [Tender(CARD, None, "AUTH 123456")], EUR)
    assert s.tenders[0].amount == 999 and s.change == 0


def test_short_cash_says_how_much_is_missing() -> None:
    with pytest.raises(PaymentError, match=r"0\.34 short"):
        settle(1234, [Tender(CASH, 1200)], EUR)


def test_card_cannot_exceed_due_and_needs_reference() -> None:
    with pytest.raises(PaymentError, match="more than"):
        settle(1000, [Tender(CARD, 1500, "X1")], EUR)
    with pytest.raises(PaymentError, match="reference"):
        settle(1000, [Tender(CARD)], EUR)


def test_uncovered_total() -> None:
    with pytest.raises(PaymentError, match="still due"):
        settle(1000, [Tender(OTHER, 500, "voucher")], EUR)


def test_card_numbers_are_refused_as_references() -> None:
    assert looks_like_card_number("4111 1111 1111 1111")
    assert looks_like_card_number("ref 5500-0000-0000-0004")
    assert not looks_like_card_number("T-881 123456")
    with pytest.raises(PaymentError, match="card number"):
        settle(1000, [Tender(CARD, None, "4111111111111111")], EUR)


def test_free_text_never_carries_a_card_number() -> None:
    assert plain_text("till 2 short, counted twice") == "till 2 short, counted twice"
    with pytest.raises(InputError, match="card number"):
        plain_text("paid back to 4111-1111-1111-1111", "the reason")
