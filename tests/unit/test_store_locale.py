"""``[store] locale``: the store's decimal separator (CLDR through Babel) for weights typed at
the till and shown on the screen and the receipt."""

from __future__ import annotations

from typing import Any

import pytest

from pos_protocol.money import Currency
from pos_terminal.config import settings_from
from pos_terminal.domain.measure import MeasureFormat, parse_measure
from pos_terminal.domain.receipt import SaleLine, SaleReceipt, StoreHeader, render_sale, to_text
from pos_terminal.domain.tax import TaxMode
from pos_terminal.errors import ConfigError


def store(**extra: Any) -> dict[str, Any]:
    return {"store": {"id": "S1", "register": "R1", "currency": "EUR", **extra},
            "tax_classes": {"RED": {"name": "Reduced", "rate": "7"}}}


@pytest.mark.parametrize(("locale", "sep"), [
    ("de_DE", ","), ("de-AT", ","), ("fr_CH", ","), ("en_GB", "."), ("en_US", "."),
    ("de_CH", "."),
])
def test_the_locale_gives_the_decimal_separator(locale: str, sep: str) -> None:
    s = settings_from(store(locale=locale), "config.toml")
    assert (s.locale, s.decimal_separator, s.measure) == (locale, sep, MeasureFormat(sep))


def test_without_a_locale_weights_use_a_point() -> None:
    s = settings_from(store(), "config.toml")
    assert s.measure == MeasureFormat(".")
    assert parse_measure("1.235", "g", s.measure) == 1235


@pytest.mark.parametrize("bad", ["xx_YY", "german!", "de_XX_Q"])
def test_an_unknown_locale_is_a_config_error_naming_the_key(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"config.toml: \[store\] locale: unknown locale"):
        settings_from(store(locale=bad), "config.toml")


def test_a_german_store_prints_weights_with_a_comma() -> None:
    s = settings_from(store(locale="de_DE"), "config.toml")
    sale = SaleReceipt(
        receipt_no="S1-R1-000001", completed_at="2026-11-24T15:04:05Z",
        currency=Currency.of("EUR"), tax_mode=TaxMode.INCLUSIVE,
        lines=(SaleLine("Bananen", "", "g", 1235, 169, 1000, 209, "RED", tare=15),),
        subtotal=209, discount=0, tax=14, total=209, taxes=(), payments=(), cash_rounding=0,
        change=0, cashier="anna", terminal="S1-R1")
    text = to_text(render_sale(sale, StoreHeader("Laden", measure=s.measure), 42))
    assert "1,235 kg ×" in text
    assert "Tare 0,015 kg, weighed 1,250 kg" in text
    plain = to_text(render_sale(sale, StoreHeader("Shop"), 42))
    assert "1.235 kg ×" in plain


def test_the_customer_display_shows_weights_the_store_way() -> None:
    from pos_terminal.domain.cart import Cart, Item
    from pos_terminal.domain.customer_display import DisplayModel
    from pos_terminal.domain.tax import TaxRounding

    cart = Cart()
    cart.add(Item(1, "B1", "Bananen", "", "g", 169, 1000, "RED", 70_000), 1235)
    totals = cart.totals(TaxMode.INCLUSIVE, TaxRounding.PER_LINE)
    view = DisplayModel("Willkommen", measure=MeasureFormat(",")).cart_changed(totals, 0)
    assert view.last is not None and view.last.qty == "1,235 kg"
    plain = DisplayModel("Welcome").cart_changed(totals, 0)
    assert plain.last is not None and plain.last.qty == "1.235 kg"
