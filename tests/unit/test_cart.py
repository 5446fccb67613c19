from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_terminal.domain.cart import Cart, Item, Override
from pos_terminal.domain.tax import TaxMode, TaxRounding
from pos_terminal.errors import InputError, QuantityError, RuleError

COLA = Item(1, "100", "Cola", "0.5 l", "each", 149, 1, "STD", 190_000)
BREAD = Item(2, "200", "Bread", "", "each", 250, 1, "RED", 70_000)
APPLES = Item(3, "300", "Apples", "", "g", 299, 1000, "RED", 70_000)  # 2.99 per kg
SIXPACK = Item(1, "100", "Cola", "0.5 l", "each", 799, 6, "STD", 190_000, pack=6)
PILLS = Item(4, "400", "Ibuprofen", "", "each", 499, 1, "STD", 190_000, max_per_sale=2)
VAT = (TaxMode.INCLUSIVE, TaxRounding.PER_LINE)


def test_scans_of_the_same_item_merge_into_one_line() -> None:
    cart = Cart()
    cart.add(COLA)
    cart.add(COLA, 2)
    assert len(cart.active_lines) == 1
    assert cart.active_lines[0].qty == 3
    assert cart.totals(*VAT).total == 447


def test_weighed_item_priced_per_kg() -> None:
    cart = Cart()
    cart.add(APPLES, 1250)  # 1.25 kg at 2.99/kg = 3.7375 -> 3.74
    t = cart.totals(*VAT)
    assert t.total == 374
    assert t.lines[0].line.qty == 1250


def test_pack_barcode_moves_six_units_at_pack_price() -> None:
    cart = Cart()
    cart.add(SIXPACK, 2)
    line = cart.active_lines[0]
    assert line.qty == 12
    assert cart.totals(*VAT).total == 1598


def test_line_and_sale_discounts_and_void() -> None:
    cart = Cart()
    cart.add(COLA, 2)  # 2.98
    cart.add(BREAD)  # 2.50
    cart.discount_line(1, amount=48)  # cola 2.50
    cart.discount_sale(percent_ppm=100_000)  # 10 % of 5.00
    t = cart.totals(*VAT)
    assert t.subtotal == 548
    assert t.total == 450
    assert t.discount == 98
    cart.void_line(2)
    t = cart.totals(*VAT)
    assert t.total == 225  # 2.50 - 10 %
    with pytest.raises(InputError):
        cart.line(2)


def test_exclusive_tax_is_added_on_top() -> None:
    cart = Cart()
    cart.add(Item(1, "1", "Soda", "", "each", 1000, 1, "STD", 88_750))
    t = cart.totals(TaxMode.EXCLUSIVE, TaxRounding.PER_LINE)
    assert (t.tax, t.total) == (89, 1089)


def test_price_override_records_the_approval() -> None:
    cart = Cart()
    cart.add(COLA)
    cart.override_price(1, 99, Override("price_override", 5, 7, "damaged can"))
    assert cart.totals(*VAT).total == 99
    assert cart.overrides[0].approver_id == 7
    assert "149 -> 99" in cart.overrides[0].detail


@pytest.mark.parametrize("qty", [0, -1, 10_000])
def test_bad_quantities_change_nothing(qty: int) -> None:
    cart = Cart()
    cart.add(COLA)
    with pytest.raises(QuantityError):
        cart.add(BREAD, qty)
    with pytest.raises(QuantityError):
        cart.set_quantity(1, qty)
    assert [(ln.item.sku, ln.qty) for ln in cart.active_lines] == [("100", 1)]


def test_quantity_limit_per_sale() -> None:
    cart = Cart()
    cart.add(PILLS, 2)
    with pytest.raises(RuleError, match="at most 2 per sale"):
        cart.add(PILLS)
    assert cart.active_lines[0].qty == 2


def test_discount_larger_than_line_is_refused() -> None:
    cart = Cart()
    cart.add(COLA)
    with pytest.raises(InputError):
        cart.discount_line(1, amount=150)
    with pytest.raises(InputError):
        cart.discount_sale(amount=200)
    assert cart.totals(*VAT).total == 149


@given(st.lists(st.tuples(st.sampled_from([COLA, BREAD, SIXPACK]), st.integers(1, 20)),
                min_size=1, max_size=12),
       st.integers(0, 300_000), st.sampled_from(list(TaxMode)),
       st.sampled_from(list(TaxRounding)))
def test_totals_are_consistent(adds: list, pct: int, mode: TaxMode, rounding: TaxRounding) -> None:
    cart = Cart()
    for item, n in adds:
        cart.add(item, n)
    cart.discount_sale(percent_ppm=pct)
    t = cart.totals(mode, rounding)
    assert t.total == sum(p.total for p in t.lines)
    assert t.tax == sum(p.tax for p in t.lines) == sum(x.tax for x in t.taxes)
    assert t.subtotal - t.discount == sum(p.amount for p in t.lines)
    if mode is TaxMode.INCLUSIVE:
        assert t.total == t.subtotal - t.discount
    else:
        assert t.total == t.subtotal - t.discount + t.tax
