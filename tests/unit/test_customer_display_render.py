"""The customer display's pure parts: the view through a sale, fitting text into 2 × 20 cells
of a code page, and the bytes each pole display command set receives."""

from __future__ import annotations

from datetime import datetime

import pytest

from pos_protocol.money import Currency
from pos_terminal.domain.cart import Cart, Deposit, Item
from pos_terminal.domain.customer_display import (
    DisplayModel,
    Mode,
    fit,
    for_codepage,
    pole_lines,
    sale_view,
    wrap2,
)
from pos_terminal.domain.promotions import Match, MultiBuy, PromotionIndex
from pos_terminal.domain.tax import TaxMode, TaxRounding
from pos_terminal.domain.tenders import Tender, TenderKind, settle
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.display_settings import PoleSettings, display_settings_from
from pos_terminal.hardware.pole_display import frame_bytes, init_bytes

EUR = Currency.of("EUR")
fmt = EUR.format
COLA = Item(1, "COLA", "Cola", "0.5 l", "each", 150, 1, "STD", 190_000)
CHEESE = Item(2, "CHEESE", "Bergkäse", "", "g", 1990, 1000, "RED", 70_000)
WINE = Item(3, "WINE", "Château Lafite-Rothschild Grand Cru Classé", "2019", "each", 2499, 1,
            "STD", 190_000)
BEER = Item(4, "BEER6", "Pils", "", "each", 499, 6, "STD", 190_000, pack=6,
            deposit=Deposit("PFAND", "Pfand", 25, "STD", 190_000))


def totals(cart: Cart, mode: TaxMode = TaxMode.INCLUSIVE):  # type: ignore[no-untyped-def]
    return cart.totals(mode, TaxRounding.PER_LINE)


# -- fitting text ---------------------------------------------------------------------------------
def test_fit_keeps_the_amount_whole_and_cuts_the_name() -> None:
    line = fit("Château Lafite-Rothschild", "24.99", 20)
    assert line == "Château Lafite 24.99"
    assert len(fit("x", "1.00", 20)) == 20
    assert fit("Cola", "1.50", 20) == "Cola            1.50"
    assert fit("TOTAL", "123456.78", 12) == "TO 123456.78"
    assert len(fit("TOTAL", "123456789012345678901234", 20)) == 20  # absurd amounts still fit


def test_accents_kept_where_the_code_page_has_them_else_spelled_plainly() -> None:
    assert for_codepage("Crème brûlée Straße", "CP437") == "Crème brûlée Straße"
    assert for_codepage("Łódź", "CP437") == "Lódz"  # Ł has no decomposition: spelled as L
    assert for_codepage("Żubrówka", "CP852") == "Żubrówka"  # Central European page has it
    assert for_codepage("5 €", "CP437") == "5 EUR"
    assert for_codepage("5 €", "CP858") == "5 €"
    assert for_codepage("Водка", "CP437") == "Vodka"  # never "?": spelled in Latin letters
    assert for_codepage("Водка", "CP866") == "Водка"
    assert for_codepage("a\tb\nc", "CP437") == "a b c"


def test_welcome_text_wraps_onto_two_lines_at_spaces() -> None:
    assert wrap2("Welcome to the Corner Shop", 20) == ("Welcome to the", "Corner Shop")
    assert wrap2("Hi", 20) == ("Hi", "")
    a, b = wrap2("Supercalifragilisticexpialidocious shop and more words", 20)
    assert (a, b) == ("Supercalifragilistic", "expialidocious shop")


# -- the view through a sale ---------------------------------------------------------------------
def test_pole_lines_show_the_last_item_and_the_total() -> None:
    cart = Cart()
    cart.add(COLA, 2)
    cart.add(WINE)
    view = sale_view(totals(cart), "Welcome")
    top, bottom = pole_lines(view, fmt)
    assert top == "Château Lafite 24.99"  # the long name is cut, the price kept
    assert bottom == "TOTAL          27.99"
    # scanning cola again makes it the line shown, with its quantity
    model = DisplayModel("Welcome")
    model.cart_changed(totals(cart), 0)
    cart.add(COLA)
    top, _ = pole_lines(model.cart_changed(totals(cart), 1_000), fmt)
    assert top == "3x Cola 0.5 l   4.50"


def test_weighed_goods_show_their_weight_and_encode_in_the_code_page() -> None:
    cart = Cart()
    cart.add(CHEESE, 532)
    view = sale_view(totals(cart), "Welcome")
    assert view.lines[0].qty == "0.532 kg"
    assert view.lines[0].amount == 1059  # 0.532 kg × 19.90 from the cart, not computed here
    top, _ = pole_lines(view, fmt)
    assert top == "Bergkäse       10.59"
    data = frame_bytes((top, ""), PoleSettings())
    assert "Bergkäse".encode("cp437") in data and b"\x84" in data  # ä in CP437


def test_promotion_and_deposit_rows_come_from_the_cart() -> None:
    promo = MultiBuy("P1", "3 for 2", Match.of("COLA"), 3, pay_for=2)
    cart = Cart(promotions=PromotionIndex.build([promo]))
    cart.add(COLA, 3)
    cart.add(BEER)
    cart.reprice(datetime(2026, 11, 24, 12, 0))
    t = totals(cart)
    view = sale_view(t, "Welcome")
    kinds = [(r.kind, r.text, r.amount) for r in view.lines]
    assert ("saving", "3 for 2", -150) in kinds
    assert ("deposit", "Pfand", 150) in kinds  # six cans carry six deposits
    assert view.saving == 150 and view.deposits == 150
    assert view.total == t.total == 450 - 150 + 499 + 150
    assert sum(r.amount for r in view.lines) == view.total  # VAT: the rows add up


def test_sales_tax_mode_shows_the_tax_added() -> None:
    cart = Cart()
    cart.add(COLA, 2)
    view = sale_view(totals(cart, TaxMode.EXCLUSIVE), "Welcome")
    assert view.tax_added > 0 and view.total == 300 + view.tax_added
    assert sale_view(totals(cart), "Welcome").tax_added == 0


def test_sale_tender_completion_and_idle() -> None:
    model = DisplayModel("Welcome to the Corner Shop", idle_seconds=30)
    assert model.view.mode is Mode.WELCOME
    assert pole_lines(model.view, fmt) == ("   Welcome to the   ", "    Corner Shop     ")
    cart = Cart()
    cart.add(COLA)
    t = totals(cart)
    assert model.cart_changed(t, 0).mode is Mode.SALE
    s = settle(t.total, [Tender(TenderKind.CASH, 500)], EUR)
    paid = model.tendered(t, s)
    assert (paid.mode, paid.paid, paid.change, paid.thanks) == (Mode.PAID, 500, 350, False)
    assert pole_lines(paid, fmt) == ("PAID            5.00", "CHANGE          3.50")
    # completing empties the cart: the paid view stays, now with "Thank you"
    assert model.cart_changed(totals(Cart()), 1_000).mode is Mode.PAID
    done = model.completed(t, s, 1_000)
    assert pole_lines(done, fmt) == ("     Thank you!     ", "CHANGE          3.50")
    assert model.tick(30_000) is None
    assert model.tick(31_500).mode is Mode.WELCOME  # type: ignore[union-attr]
    # the next scan before the timeout goes straight to the new sale
    model.completed(t, s, 40_000)
    assert model.cart_changed(t, 41_000).mode is Mode.SALE
    assert model.tick(100_000) is None


def test_exact_payment_shows_the_total_under_thank_you() -> None:
    cart = Cart()
    cart.add(COLA)
    t = totals(cart)
    s = settle(t.total, [Tender(TenderKind.CARD, None, "A1")], EUR)
    done = DisplayModel("Hi").completed(t, s, 0)
    assert pole_lines(done, fmt) == ("     Thank you!     ", "TOTAL           1.50")


def test_voiding_the_sale_shows_the_welcome_again() -> None:
    model = DisplayModel("Hello")
    cart = Cart()
    cart.add(COLA)
    model.cart_changed(totals(cart), 0)
    assert model.cart_changed(totals(Cart()), 1_000).mode is Mode.WELCOME


# -- pole display bytes ----------------------------------------------------------------------------
def test_escpos_command_set_bytes() -> None:
    s = PoleSettings()
    assert init_bytes(s) == b"\x1b@" + b"\x1fC\x00" + b"\x1bt\x00" + b"\x0c"
    data = frame_bytes(("Café", "TOTAL 1.50"), s)
    assert data == (b"\x1bt\x00" + b"\x1f$\x01\x01" + b"Caf\x82" + b" " * 16
                    + b"\x1f$\x01\x02" + b"TOTAL 1.50" + b" " * 10)


def test_cd5220_command_set_bytes_and_code_table() -> None:
    s = PoleSettings(commands="cd5220", codepage="CP858")
    assert init_bytes(s) == b"\x1b@" + b"\x1b_\x00" + b"\x1bt\x13" + b"\x0c"
    data = frame_bytes(("5 €", "x"), s)
    assert data == (b"\x1bt\x13" + b"\x1bQA" + b"5 \xd5" + b" " * 17 + b"\r"
                    + b"\x1bQB" + b"x" + b" " * 19 + b"\r")


# -- settings --------------------------------------------------------------------------------------
def test_settings_defaults_and_errors() -> None:
    d = display_settings_from({})
    assert not d.wanted and d.pole.columns == 20 and d.customer.screen == 2
    d = display_settings_from({"customer_display": {"enabled": True, "screen": "HDMI-2"},
                               "pole_display": {"port": "/dev/ttyUSB0", "codepage": "cp858"}})
    assert d.wanted and d.customer.screen == "HDMI-2" and d.pole.codepage == "CP858"
    assert display_settings_from({"pole_display": {"port": "none"}}).pole.port is None
    for data, words in [
        ({"customer_display": {"enabled": "yes"}}, "enabled: expected true or false"),
        ({"customer_display": {"screen": 0}}, "screen: expected the screen's number"),
        ({"customer_display": {"idle": 5}}, "idle: unknown key"),
        ({"pole_display": {"baud": "fast"}}, "baud: expected a whole number"),
        ({"pole_display": {"codepage": "UTF-8"}}, "codepage: expected one of"),
        ({"pole_display": {"commands": "vt100"}}, "commands: expected one of"),
        ({"pole_display": {"columns": 100}}, "columns: expected a whole number from 8 to 40"),
    ]:
        with pytest.raises(ConfigError, match=words):
            display_settings_from(data, "config.toml")
