"""Refund tenders against how a sale was paid (pure rules, domain/refunds.py)."""

from __future__ import annotations

from pos_protocol.money import Currency
from pos_terminal.domain.refunds import TenderLeft, check, plan, refund_kind
from pos_terminal.domain.tenders import Tender, TenderKind, settle

CHF = Currency.of("CHF")  # cash rounded to 0.05


def left(**kinds: tuple[int, int]) -> dict[str, TenderLeft]:
    return {k: TenderLeft(k, taken, back) for k, (taken, back) in kinds.items()}


def test_a_voucher_was_cash() -> None:
    assert refund_kind("voucher") == "cash" and refund_kind("card") == "card"


def test_to_the_card_then_the_rest_in_cash() -> None:
    got = plan(300, [Tender(TenderKind.CARD, None, "R")], left(card=(100, 0), cash=(500, 0)))
    assert got == [Tender(TenderKind.CARD, 100, "R"), Tender(TenderKind.CASH)]


def test_a_card_only_sale_goes_to_the_card_alone() -> None:
    assert plan(300, [Tender(TenderKind.CARD, None, "R")], left(card=(900, 0))) == [
        Tender(TenderKind.CARD, None, "R")]


def test_over_a_tender_and_to_a_foreign_one() -> None:
    s = settle(300, [Tender(TenderKind.CASH)], CHF)
    over, foreign = check(s.tenders, s.cash_rounding, left(card=(300, 0), cash=(100, 0)))
    assert [(x.kind, x.amount) for x in over] == [("cash", 300)] and foreign == {}
    s = settle(300, [Tender(TenderKind.CARD, None, "R")], CHF)
    over, foreign = check(s.tenders, s.cash_rounding, left(cash=(300, 0)))
    assert over == [] and foreign == {"card": 300}


def test_cash_rounding_never_adds_up_past_what_was_taken() -> None:
    # three items of 3.34 paid 10.00 in cash (10.02 rounded down); each refund rounds up
    taken = TenderLeft("cash", 1002, 0)
    back = 0
    for _ in range(3):
        s = settle(334, [Tender(TenderKind.CASH)], CHF)
        assert s.tenders[0].amount == 335
        over, foreign = check(s.tenders, s.cash_rounding,
                              {"cash": TenderLeft("cash", taken.taken, back)})
        assert over == [] and foreign == {}
        back += s.tenders[0].amount - s.cash_rounding
