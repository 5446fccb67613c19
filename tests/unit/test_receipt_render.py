"""The pure receipt renderer: layout per width, every block kind, markers, tax, weighed lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from pos_protocol.money import Currency
from pos_terminal.domain.receipt import (
    COPY_BANNER,
    TRAINING_BANNER,
    Barcode,
    Cut,
    Document,
    DrawerPulse,
    PaymentRow,
    ReturnLine,
    ReturnReceipt,
    Rule,
    SaleLine,
    SaleReceipt,
    StoreHeader,
    TaxRow,
    Text,
    pair,
    render_drawer,
    render_report,
    render_return,
    render_sale,
    render_test_page,
    to_text,
)
from pos_terminal.domain.tax import TaxMode
from pos_terminal.services.shifts import Shift, ShiftReport

EUR = Currency.of("EUR")
STORE = StoreHeader("Corner Shop", ("Hauptstraße 1", "12345 Berlin"), "DE123456789",
                    ("Thank you!", "Returns within 30 days"))
LONG = "Extraordinarily Long Premium Organic Extra Virgin Olive Oil From Small Family Groves"


def sale(**kw: object) -> SaleReceipt:
    base = SaleReceipt(
        receipt_no="S1-R1-000042", completed_at="2026-11-24T15:04:05.123Z", currency=EUR,
        tax_mode=TaxMode.INCLUSIVE,
        lines=(
            SaleLine("Still Mineral Water", "0.5 l", "each", 1, 59, 1, 59, "RED"),
            SaleLine("Cola", "0.5 l", "each", 3, 149, 1, 447, "STD", line_discount=50),
            SaleLine("Apples Braeburn", "loose", "g", 1250, 299, 1000, 374, "RED"),
            SaleLine("Still Mineral Water", "6-pack", "each", 6, 299, 6, 299, "RED"),
            SaleLine("Crème brûlée", "Größe XL", "each", 1, 250, 1, 250, "STD",
                     original_price=399),
        ),
        subtotal=1429, discount=50, tax=150, total=1379,
        taxes=(TaxRow("RED", 70_000, 732, 48, "Reduced VAT"),
               TaxRow("STD", 190_000, 647, 102, "Standard VAT")),
        payments=(PaymentRow("card", 379, 379, 0, "T-8841"), PaymentRow("cash", 1000, 2000, 1000)),
        cash_rounding=0, change=1000, cashier="alice", terminal="S1-R1",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def texts(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Text)]


@pytest.mark.parametrize("width", [32, 42, 48])
def test_every_line_fits_the_width(width: int) -> None:
    doc = render_sale(sale(lines=(*sale().lines, SaleLine(LONG, "1 l", "each", 1, 1490, 1, 1490,
                                                           "STD"))), STORE, width, tz=UTC)
    assert doc.width == width
    for b in doc.blocks:
        if isinstance(b, Text):
            assert len(b.text) <= (width // 2 if b.double else width), b
    for row in to_text(doc).splitlines():
        assert len(row) <= width, row


def test_sale_has_every_block_in_order() -> None:
    doc = render_sale(sale(), STORE, 42, drawer=True, tz=UTC)
    kinds = [type(b) for b in doc.blocks]
    assert kinds[0] is DrawerPulse  # the drawer opens while the receipt prints
    assert kinds[-1] is Cut
    assert Rule in kinds
    barcodes = [b for b in doc.blocks if isinstance(b, Barcode)]
    assert barcodes == [Barcode("S1-R1-000042")]
    assert doc.kicks_drawer and not doc.without_drawer().kicks_drawer
    assert doc.kind == "receipt" and doc.number == "S1-R1-000042"


def test_sale_content() -> None:
    text = to_text(render_sale(sale(), STORE, 42, tz=UTC))
    assert "C o r n e r   S h o p" in text  # double size, letter-spaced on screen
    assert "Hauptstraße 1" in text and "Tax ID DE123456789" in text
    assert "Receipt S1-R1-000042" in text
    assert "2026-11-24 15:04" in text and "Cashier: alice" in text
    assert "Still Mineral Water 0.5 l           0.59 A" in text
    assert "  3 × 1.49                          4.47 B" in text
    assert "  Discount                           -0.50" in text
    assert "  1.250 kg × 2.99/kg                3.74 A" in text
    assert "  1 × 2.99 (pack of 6)              2.99 A" in text
    assert "Price changed, was 3.99" in text
    assert "Crème brûlée Größe XL" in text
    assert "Card T-8841                           3.79" in text
    assert "Cash                                 20.00" in text
    assert "Change                               10.00" in text
    assert "E U R   1 3 . 7 9" in text
    assert "Thank you!" in text and "S1-R1-000042" in text
    assert TRAINING_BANNER not in text and COPY_BANNER not in text


def test_tax_breakdown_inclusive_and_exclusive() -> None:
    text = to_text(render_sale(sale(), STORE, 42, tz=UTC))
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Tax ") and "Gross" in ln)
    assert lines[head + 1].split() == ["A", "7%", "6.84", "0.48", "7.32"]
    assert lines[head + 2].split() == ["B", "19%", "5.45", "1.02", "6.47"]
    assert "A=Reduced VAT, B=Standard VAT" in text
    assert "Total includes tax                    1.50" in text
    us = sale(tax_mode=TaxMode.EXCLUSIVE, currency=Currency.of("USD"),
              taxes=(TaxRow("STD", 88_750, 1000, 89),), tax=89)
    text = to_text(render_sale(us, STORE, 42, tz=UTC))
    assert "Taxable" in text and "8.875%" in text
    assert any(ln.startswith("Tax ") and ln.endswith("0.89") for ln in text.splitlines())


def test_training_marker_on_top_and_bottom() -> None:
    doc = render_sale(sale(training=True), STORE, 32, tz=UTC)
    t = texts(doc)
    assert t[0] == TRAINING_BANNER and t.count(TRAINING_BANNER) == 2
    banner = next(b for b in doc.blocks if isinstance(b, Text) and b.text == TRAINING_BANNER)
    assert banner.double and banner.bold and banner.invert
    assert t[-1].startswith("TRAINING MODE") or TRAINING_BANNER in t[-3:]


def test_copy_marker() -> None:
    t = texts(render_sale(sale(), STORE, 42, copy=True, tz=UTC))
    assert t.count(COPY_BANNER) == 2
    t = texts(render_sale(sale(training=True), STORE, 42, copy=True, tz=UTC))
    assert t.count(COPY_BANNER) == 2 and t.count(TRAINING_BANNER) == 2


def test_cash_rounding_shown_signed() -> None:
    chf = Currency.of("CHF")
    text = to_text(render_sale(sale(currency=chf, cash_rounding=-2, total=1377), STORE, 42,
                               tz=UTC))
    assert "Cash rounding                        -0.02" in text
    text = to_text(render_sale(sale(currency=chf, cash_rounding=3), STORE, 42, tz=UTC))
    assert "Cash rounding                        +0.03" in text


def test_long_names_wrap_and_truncate() -> None:
    ln = SaleLine(LONG * 3, "", "each", 1, 1490, 1, 1490, "STD")
    doc = render_sale(sale(lines=(ln,)), STORE, 32, tz=UTC)
    t = texts(doc)
    start = next(i for i, x in enumerate(t) if x.startswith("Extraordinarily"))
    name_rows = t[start:start + 4]
    assert len(name_rows[2]) <= 32 and "..." in name_rows[2]  # three lines at most
    assert name_rows[2].endswith("14.90 B") or name_rows[3].endswith("14.90 B")


def test_pair_never_cuts_the_amount() -> None:
    assert pair("Cola", "1.49", 12) == ["Cola    1.49"]
    rows = pair("A very long product name", "1234.56 B", 16)
    assert rows[-1].endswith("1234.56 B") and all(len(r) <= 16 for r in rows)


def test_measured_in_litres_and_per_100_g() -> None:
    lines = (SaleLine("Olive Oil", "Refill", "ml", 750, 1490, 1000, 1118, "RED"),
             SaleLine("Aged Gouda", "", "g", 250, 249, 100, 623, "RED"))
    text = to_text(render_sale(sale(lines=lines), STORE, 48, tz=UTC))
    assert "0.750 l × 14.90/l" in text
    assert "0.250 kg × 2.49/100 g" in text


def test_width_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        render_sale(sale(), STORE, 20)


def test_return_receipt() -> None:
    ret = ReturnReceipt(
        "S1-R1-R000003", "2026-11-24T16:00:00.000Z", EUR, TaxMode.INCLUSIVE,
        (ReturnLine("Cola", "0.5 l", "each", 2, 298, "STD"),
         ReturnLine("Bananas", "loose", "g", 500, 85, "RED", restock=False)),
        total=383, tax=53, taxes=(TaxRow("STD", 190_000, 298, 48), TaxRow("RED", 70_000, 85, 5)),
        payments=(PaymentRow("cash", 383, 383),), original_receipt="S1-R1-000001",
        cashier="bob", reason="damaged",
    )
    doc = render_return(ret, STORE, 42, drawer=True, tz=UTC)
    text = to_text(doc)
    assert doc.kicks_drawer and Barcode("S1-R1-R000003") in doc.blocks
    assert "R E F U N D" in text and "For receipt S1-R1-000001" in text
    assert "Reason: damaged" in text and "not restocked" in text
    assert "0.500 kg" in text and "Refund cash" in text
    blind = to_text(render_return(replace(ret, original_receipt=None, approver="mia"), STORE, 32))
    assert "Without receipt" in blind and "Approved by mia" in blind


def test_x_and_z_reports() -> None:
    rep = ShiftReport(
        Shift("s", 3, 1, "2026-11-24T08:00:00.000Z", 10_000), "Z", "2026-11-24T18:00:00.000Z",
        "alice", 12, 12_345, 300, 12_045, {"STD": 1500}, {"cash": 8000, "card": 4045}, 1,
        {"cash": 500}, 1000, 2000, -3, 2, 16_500, 16_400, {5000: 2, 100: 4},
    )
    text = to_text(render_report(rep, STORE, EUR, 42, tz=UTC, terminal="S1-R1"))
    assert "Z   R E P O R T" in text and "Shift 3" in text
    assert "No-sale drawer opens                     2" in text
    assert "Short                                -1.00" in text
    assert "2 × 50.00" in text
    x = to_text(render_report(replace(rep, kind="X", counted_cash=None, denominations={}),
                              STORE, EUR, 32, tz=UTC))
    assert "X   R E P O R T" in x and "Counted" not in x


def test_drawer_and_test_page() -> None:
    assert render_drawer(42).blocks == (DrawerPulse(),)
    assert not render_drawer(42).prints
    page = render_test_page(32, [("Address", "tcp://10.0.0.5:9100")], "TEST-1")
    text = to_text(page)
    assert "€" in text and "ß" in text and "é" in text
    assert isinstance(page.blocks[-1], Cut) and Barcode("TEST-1") in page.blocks


def test_to_text_looks_like_paper() -> None:
    doc = render_sale(sale(), STORE, 32, tz=UTC)
    rows = to_text(doc).splitlines()
    assert rows[-1].startswith("✂")
    assert "-" * 32 in rows
    # The barcode's number is printed centred under the bars.
    i = rows.index("          S1-R1-000042")
    assert set(rows[i - 1].strip()) <= {"█", "▌", " "}
