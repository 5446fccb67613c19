"""Receipt lines fit the paper after code-page substitution, and what a page lacks prints as its
closest plain letters, never "?" — checked on the real ESC/POS bytes (python-escpos ``Dummy``),
read back by an ESC/POS interpreter (``escpos_paper.py``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from escpos_paper import paper_lines
from hypothesis import given, settings
from hypothesis import strategies as st
from test_receipt_render import STORE, sale

from pos_protocol.money import Currency
from pos_terminal.domain.charset import ascii_only, closest_plain, codec_printer, for_device
from pos_terminal.domain.receipt import (
    DepositRow,
    PaymentRow,
    ReportRow,
    ReportTable,
    ReturnLine,
    ReturnReceipt,
    SaleLine,
    StoreHeader,
    TaxRow,
    Text,
    render_return,
    render_sale,
    render_table,
    render_test_page,
)
from pos_terminal.domain.tax import TaxMode
from pos_terminal.hardware.printer import ReceiptPrinter
from pos_terminal.hardware.printer_settings import PrinterSettings, parse_address

TCP = parse_address("tcp://10.0.0.5")
EUR = Currency.of("EUR")


def printer(codepage: str = "auto", columns: int | None = None,
            profile: str = "TM-T88V") -> ReceiptPrinter:
    return ReceiptPrinter(PrinterSettings(TCP, profile=profile, codepage=codepage,
                                          columns=columns))


# -- the spelling ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("ch", "plain"), [
    ("Ł", "L"), ("ł", "l"), ("ő", "o"), ("Ő", "O"), ("ß", "ss"), ("“", '"'), ("”", '"'),
    ("„", '"'), ("‘", "'"), ("’", "'"), ("€", "EUR"), ("£", "GBP"), ("Ø", "O"), ("ø", "o"),
    ("Đ", "D"), ("đ", "d"), ("Æ", "AE"), ("Œ", "OE"), ("ı", "i"), ("×", "x"), ("…", "..."),
    ("–", "-"), ("—", "-"), ("é", "e"), ("ñ", "n"), ("ﬁ", "fi"), ("½", "1/2"), ("Ж", "Zh"),
    ("Ω", "O"), ("中", "Zhong"), ("\u00a0", " "), ("\u200b", ""), ("\u0301", ""), ("\t", " "),
])
def test_closest_plain_spelling(ch: str, plain: str) -> None:
    assert closest_plain(ch) == plain


def test_what_the_page_has_stays_and_the_rest_is_spelled() -> None:
    cp437, cp852, cp858 = codec_printer("cp437"), codec_printer("cp852"), codec_printer("cp858")
    assert for_device("Straße Łódź ő €", cp437) == "Straße Lódz o EUR"  # CP437 has ß and ó
    assert for_device("Straße Łódź ő €", cp852) == "Straße Łódź ő EUR"
    assert for_device("Straße Łódź ő €", cp858) == "Straße Lódz o €"
    assert for_device("Straße „Łódź“", ascii_only) == 'Strasse "Lodz"'
    assert for_device("cafe\u0301", ascii_only) == "cafe"  # NFC first: é, then e
    assert for_device("cafe\u0301", cp437) == "café"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_spelling_never_invents_a_question_mark(text: str) -> None:
    out = for_device(text, ascii_only)
    assert out.isascii() and out.isprintable()
    assert out.count("?") <= text.count("?") + text.count("？")  # U+FF1F is a question mark


# -- layout after substitution --------------------------------------------------------------------
def test_a_euro_that_becomes_eur_does_not_push_a_line_past_the_width() -> None:
    # 42 columns exactly with "€"; three more with "EUR" on a printer whose page lacks €.
    name = "Gift card € 10 value pack".ljust(35)[:35]
    line = SaleLine(name, "", "each", 1, 1000, 1, 1000, "STD")
    s = replace(sale(), lines=(line,))
    for p in (printer("CP437"), printer("CP858"), printer("auto")):
        doc = render_sale(s, STORE, 42, charset=p.plain)
        assert all(len(b.text) * (2 if b.double else 1) <= 42
                   for b in doc.blocks if isinstance(b, Text))
        printed = paper_lines(p.encode(doc))
        assert all(ln.cells <= 42 for ln in printed), [ln.text for ln in printed if ln.cells > 42]
        text = "\n".join(ln.text for ln in printed)
        assert ("EUR 10" in text) == (p.settings.codepage == "CP437")
        assert "?" not in text


def test_a_document_laid_out_without_the_charset_still_fits_the_paper() -> None:
    # A receipt rendered for the screen (Unicode) and sent to a CP437 printer as it is: the
    # padding between the columns gives way, the amount stays flush right.
    name = "Gift card € 10 value pack".ljust(35)[:35]
    s = replace(sale(), lines=(SaleLine(name, "", "each", 1, 1000, 1, 1000, "STD"),))
    p = printer("CP437")
    printed = paper_lines(p.encode(render_sale(s, STORE, 42)))
    assert all(ln.cells <= 42 for ln in printed)
    gift = next(ln.text for ln in printed if ln.text.startswith("Gift card"))
    assert gift.startswith("Gift card EUR 10 value pack") and gift.endswith("10.00 B")
    assert len(gift) == 42


def test_the_test_page_sample_prints_plainly_on_a_page_without_it() -> None:
    p = printer("CP437")
    doc = render_test_page(42, [("Code page", "CP437")], "TEST-1", charset=p.plain)
    text = [ln.text for ln in paper_lines(p.encode(doc))]
    # CP437 has é, ç, ñ, ß, Æ and £ (kept), not €, ø nor × (spelled).
    assert "EUR é è à ç ñ ü ö ä ß Æ o £ x" in text, text


# -- every line of receipts with names in many scripts --------------------------------------------
SCRIPTS = (
    "AaZz09 -.,/()%&+'",  # ASCII
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ",  # Latin-1
    "ĀăĄćČďĐėĘěĞğİıĲĳĽľŁłŃńŇňŐőŒœŘřŚśŞşŠšŢţŤťŮůŰűŸŹźŻżŽžǄǅǆ",  # Latin Extended
    "€£¥×÷…–—‘’‚“”„•·°±µ¶§©®™½¼¾¹²³ﬁﬂ\u00a0\u200b\u0301\u0308\u00ad",  # symbols, marks
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяЇїЄєІі",  # Cyrillic
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",  # Greek
    "אבגדהוזחטיכלמנסעפצקרשת",  # Hebrew
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",  # Arabic
    "กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮ",  # Thai
    "अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",  # Devanagari
    "中文名字商品有机茶叶日本語のテキストカタカナひらがな한국어상품",  # CJK, kana, Hangul
    "😀🍺🥖✂█▌",  # emoji, boxes
)
NAME_CHARS = st.sampled_from("".join(SCRIPTS))
NAMES = st.text(NAME_CHARS, min_size=1, max_size=90)
PAGES = st.sampled_from(["auto", "CP437", "CP858", "CP852", "CP866", "CP1252", "ISO_8859-15"])
WIDTHS = st.sampled_from([32, 42, 48, 24])


def _check(p: ReceiptPrinter, job: bytes, width: int) -> None:
    for ln in paper_lines(job, p.settings.profile):
        assert ln.cells <= width, f"{ln.cells} cells > {width}: {ln.text!r}"
        assert "?" not in ln.text, f"a '?' the source did not have: {ln.text!r}"
        assert "\ufffd" not in ln.text, f"a byte the page cannot show: {ln.text!r}"


@settings(max_examples=120, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4), variant=NAMES, store=NAMES,
       footer=NAMES, promo=NAMES, page=PAGES, width=WIDTHS)
def test_every_line_of_a_sale_fits_after_substitution(
    names: list[str], variant: str, store: str, footer: str, promo: str, page: str, width: int
) -> None:
    p = printer(page, width)
    lines = tuple(
        SaleLine(n, variant if i % 2 else "", "each" if i % 3 else "g", 1250 if i % 3 == 0 else
                 i + 1, 199, 1000 if i % 3 == 0 else 1, 250, "STD", promo_label=promo,
                 promo_saving=10 if i == 1 else 0, line_discount=10 if i == 1 else 0,
                 deposits=(DepositRow(f"Pfand {n}", 1, 25, 25, "STD"),) if i == 2 else ())
        for i, n in enumerate(names))
    s = replace(sale(), lines=lines, cashier=footer[:20],
                taxes=(TaxRow("STD", 190_000, 1000, 160, promo),),
                payments=(PaymentRow("card", 1000, 1000, 0, footer[:30]),))
    header = StoreHeader(store, (footer, store), "DE1", (footer, "Danke – merci – 谢谢"))
    _check(p, p.encode(render_sale(s, header, width, charset=p.plain, drawer=True)), width)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=3), page=PAGES, width=WIDTHS)
def test_every_printed_line_fits_even_when_laid_out_for_the_screen(
    names: list[str], page: str, width: int
) -> None:
    p = printer(page, width)
    lines = tuple(SaleLine(n, "€", "each", 2, 199, 1, 398, "STD") for n in names)
    s = replace(sale(), lines=lines, cashier=names[0][:20])
    _check(p, p.encode(render_sale(s, StoreHeader(names[-1]), width)), width)


@settings(max_examples=60, deadline=None)
@given(name=NAMES, reason=NAMES, page=PAGES, width=WIDTHS)
def test_every_line_of_a_refund_slip_fits(name: str, reason: str, page: str,
                                          width: int) -> None:
    p = printer(page, width)
    ret = ReturnReceipt(
        "S1-R1-R000001", "2026-11-24T15:04:05Z", EUR, TaxMode.INCLUSIVE,
        (ReturnLine(name, reason, "each", 2, 398, "STD"),
         ReturnLine(name, "", "g", 1250, 374, "STD", restock=False)),
        772, 120, (TaxRow("STD", 190_000, 772, 120, name),),
        (PaymentRow("cash", 772, 772, 0),), original_receipt="S1-R1-000042",
        cashier=name[:20], terminal="S1-R1", approver=name[:20], reason=reason)
    _check(p, p.encode(render_return(ret, StoreHeader(name), width, charset=p.plain)), width)


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(NAMES, min_size=1, max_size=5), page=PAGES, width=WIDTHS)
def test_every_line_of_a_printed_report_fits(labels: list[str], page: str, width: int) -> None:
    p = printer(page, width)
    table = ReportTable("Top movers – €", "2026-11-01 to 2026-11-24", "Produkt",
                        ("Qty", "€ Sales"),
                        tuple(ReportRow(lb, ("12", "1 234.50 €"), group=labels[0])
                              for lb in labels), notes=("Beträge in €",))
    doc = render_table(table, StoreHeader(labels[-1]), width, "2026-11-24T15:04:05Z",
                       charset=p.plain)
    _check(p, p.encode(doc), width)
