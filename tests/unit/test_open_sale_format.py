"""The saved sale in progress (domain/open_sale.py): every sale comes back exactly, money stays
integer, and a damaged or newer record is refused rather than guessed at."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_terminal.domain import open_sale as fmt
from pos_terminal.domain.cart import Cart, CartLine, Deposit, Item, Override
from pos_terminal.domain.open_sale import OpenSale, dumps, from_dict, loads, to_dict
from pos_terminal.domain.tax import TaxMode, TaxRounding
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import StorageError

money = st.integers(min_value=-(10**15), max_value=10**15)
count = st.integers(min_value=0, max_value=10**7)
text = st.text(max_size=12)  # any unicode: names, references, reasons
maybe_int = st.none() | st.integers(min_value=0, max_value=10**6)

deposits = st.none() | st.builds(Deposit, code=text, name=text, amount=money, tax_code=text,
                                 rate_ppm=count)
items = st.builds(
    Item, product_id=count, sku=text, name=text, variant=text,
    unit=st.sampled_from(["each", "g", "ml"]), price=money, price_per=st.integers(1, 1000),
    tax_code=text, rate_ppm=count, pack=st.integers(1, 48), min_age=maybe_int,
    max_per_sale=maybe_int, cost=st.none() | money, department=st.none() | text,
    deposit=deposits, tare=count, pack_deposit=deposits,
)
overrides = st.builds(Override, action=text, user_id=count, approver_id=count, reason=text,
                      detail=text, line_no=maybe_int)
lines = st.builds(
    CartLine, line_no=st.integers(1, 500), item=items, qty=count, price=money,
    price_per=st.integers(1, 1000), discount=money, original_price=st.none() | money,
    voided=st.booleans(), promo_saving=money, promo_labels=st.lists(text, max_size=3).map(tuple),
    tare=count,
)


@st.composite
def carts(draw: st.DrawFn) -> Cart:
    cart = Cart(lines=draw(st.lists(lines, max_size=6)), sale_discount=draw(money),
                sale_discount_ppm=draw(count), overrides=draw(st.lists(overrides, max_size=4)),
                age_confirmed=draw(st.integers(0, 25)), age_refused=draw(maybe_int))
    cart._next_line = draw(st.integers(1, 1000))
    return cart


tenders = st.builds(Tender, kind=st.sampled_from([TenderKind.CARD, TenderKind.OTHER,
                                                  TenderKind.CASH]),
                    amount=money, reference=text)
vouchers = st.builds(Tender, kind=st.just(TenderKind.VOUCHER), amount=money, reference=text)
sales = st.builds(OpenSale, id=text, user_id=count, training=st.booleans(), started_at=text,
                  cart=carts(), vouchers=st.lists(vouchers, max_size=3),
                  tenders=st.lists(tenders, max_size=3))


@settings(max_examples=150, deadline=None)
@given(sales)
def test_every_sale_comes_back_exactly(sale: OpenSale) -> None:
    back = loads(dumps(sale))
    assert back == sale
    assert dumps(back) == dumps(sale)  # and is written the same way again


@settings(max_examples=60, deadline=None)
@given(sales)
def test_money_is_written_as_integers(sale: OpenSale) -> None:
    def no_float(value: str) -> float:
        raise AssertionError(f"a number with a fraction in the saved sale: {value}")

    json.loads(dumps(sale), parse_float=no_float)


@settings(max_examples=60, deadline=None)
@given(sales)
def test_totals_are_the_same_after_the_round_trip(sale: OpenSale) -> None:
    sale.cart.lines = [ln for ln in sale.cart.lines if ln.qty > 0 and ln.price >= 0]
    for ln in sale.cart.lines:  # keep the totals well defined: discounts within the line
        ln.discount = min(max(ln.discount, 0), ln.gross)
        ln.promo_saving = 0
    sale.cart.sale_discount, sale.cart.sale_discount_ppm = 0, 0
    back = loads(dumps(sale))
    for mode in TaxMode:
        for rounding in TaxRounding:
            assert back.cart.totals(mode, rounding) == sale.cart.totals(mode, rounding)


def _names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_the_format_names_every_field_of_what_it_saves() -> None:
    """A field added to a cart record must be added to the format (and its version)."""
    assert _names(Item) == set(fmt.ITEM_FIELDS)
    assert _names(Deposit) == set(fmt.DEPOSIT_FIELDS)
    assert _names(CartLine) == set(fmt.LINE_FIELDS)
    assert _names(Override) == set(fmt.OVERRIDE_FIELDS)
    assert _names(Tender) == set(fmt.TENDER_FIELDS)
    # the promotion index is the catalog's (read again at restore), not the sale's
    assert _names(Cart) - {"promotions", "_next_line"} | {"next_line"} == set(fmt.CART_FIELDS)
    assert _names(OpenSale) - {"cart"} | {"format"} | set(fmt.CART_FIELDS) == \
        set(fmt.SALE_FIELDS)


def _sample() -> OpenSale:
    item = Item(7, "SKU7", "Cola", "0.5 l", "each", 129, 1, "STD", 190_000,
                deposit=Deposit("CAN", "Can deposit", 25, "STD", 190_000))
    cart = Cart(lines=[CartLine(1, item, 2, 129, 1)],
                overrides=[Override("quantity_limit", 3, 2, "party", "SKU7 × 12")])
    cart._next_line = 2
    return OpenSale("s-1", 3, False, "2026-11-24T10:00:00.000Z", cart,
                    [Tender(TenderKind.VOUCHER, 75, "V123")],
                    [Tender(TenderKind.CARD, 500, "T-42")])


def _broken(change: object) -> str:
    data = to_dict(_sample())
    change(data)  # type: ignore[operator]
    return json.dumps(data)


@pytest.mark.parametrize(("what", "change", "says"), [
    ("a float price", lambda d: d["lines"][0].update(price=1.29), "price must be a whole"),
    ("a bool quantity", lambda d: d["lines"][0].update(qty=True), "qty must be a whole"),
    ("a text amount", lambda d: d["tenders"][0].update(amount="5.00"), "amount must be"),
    ("a missing field", lambda d: d["lines"][0]["item"].pop("sku"), "has no 'sku'"),
    ("an unknown field", lambda d: d.update(colour="red"), "unknown field 'colour'"),
    ("an unknown tender", lambda d: d["tenders"][0].update(kind="iou"), "not a tender kind"),
    ("a newer format", lambda d: d.update(format=2), "newer pos-terminal"),
    ("no format", lambda d: d.pop("format"), "no format version"),
])
def test_a_damaged_or_newer_record_is_refused(what: str, change: object, says: str) -> None:
    with pytest.raises(StorageError, match=says):
        loads(_broken(change))


def test_not_json_is_refused() -> None:
    with pytest.raises(StorageError, match="cannot be read"):
        loads("{ half a sale")


def test_a_payment_without_its_amount_cannot_be_saved() -> None:
    sale = _sample()
    sale.tenders.append(Tender(TenderKind.CARD, None, "T-43"))
    with pytest.raises(StorageError, match="must have its amount"):
        dumps(sale)


def test_what_counts_as_something_to_keep() -> None:
    sale = _sample()
    assert not sale.is_empty and sale.paid == 500
    sale.cart.lines[0].voided = True
    assert not sale.is_empty  # the card payment is still there
    sale.tenders.clear()
    sale.vouchers.clear()
    assert sale.is_empty
    assert from_dict(to_dict(sale)) == sale
