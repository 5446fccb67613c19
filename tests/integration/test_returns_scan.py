"""What the returns screen asks the service: what a scanned code is (a receipt of this store or
an item, with the sales that still have it), and what a return would refund — the same amounts
the return then posts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Override
from pos_terminal.domain.scan import frame_from_bytes
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import BarcodeError, NotFoundError, RuleError
from pos_terminal.services.returns import ItemScan, ReceiptScan, SoldLine, bump

WATER = "4037674097186"  # 0.59
COLA = "100007"  # SKU, 1.49
BANANAS = "4019387329846"  # 1.69 per kg


def sell(app: App, *codes: str, grams: int | None = None) -> str:
    session = app.sale_session(app.users.sign_in("cashier", "1111"))
    for code in codes:
        session.scan(code)
    if grams is not None:
        session.add(session.lookup(BANANAS), grams=grams)
    return session.complete([Tender(TenderKind.CASH)]).receipt_no


def test_a_receipt_number_however_it_arrives(app: App) -> None:
    number = sell(app, WATER, WATER, COLA)
    for text in (number, number.lower(), "]C0" + number, f"  {number} "):
        got = app.returns.scan(text)
        assert isinstance(got, ReceiptScan) and got.receipt_no == number, text
        assert [(ln.sku, ln.qty, ln.price, ln.unit) for ln in got.lines] == [
            ("100001", 2, 59, "each"), (COLA, 1, 149, "each")]


@pytest.mark.parametrize(("text", "error", "words"), [
    ("S2-R1-000001", RuleError, "store S2"),
    ("S1-R1-R000001", RuleError, "refund slip"),
    ("S1-R1-D000001", RuleError, "empties"),
    ("S1-R9-000777", NotFoundError, "unknown receipt"),
    ("NOT-A-THING", NotFoundError, "neither a receipt number"),
    ("]E0100001", BarcodeError, "not a valid EAN"),  # a broken EAN frame: no SKU, no receipt
    ("]E0S1-R1-000001", BarcodeError, "EAN"),  # an EAN symbol cannot hold a receipt number
])
def test_what_cannot_be_returned_here_says_why(app: App, text: str, error: type,
                                               words: str) -> None:
    sell(app, WATER)
    with pytest.raises(error, match=words):
        app.returns.scan(text)


def test_an_item_barcode_finds_the_sales_that_still_have_it(app: App) -> None:
    first = sell(app, WATER)
    second = sell(app, WATER, WATER)
    sell(app, COLA)
    got = app.returns.scan(WATER)
    assert isinstance(got, ItemScan) and got.sku == "100001" and got.quantity == 1
    assert [(s.receipt_no, s.returnable) for s in got.sales] == [(second, 2), (first, 1)]
    me = app.users.system_user().id
    app.returns.return_items(first, [(WATER, 1)], me)  # nothing left on the first
    assert [s.receipt_no for s in app.returns.scan("]E0" + WATER).sales] == [second]
    never = app.returns.scan("4037674055889")  # the 1.5 l, never sold
    assert isinstance(never, ItemScan) and never.sales == ()


def test_a_serial_scanners_code_reads_as_at_the_sale(app: App) -> None:
    sell(app, WATER, grams=1250)
    label = frame_from_bytes(f"]C101{BANANAS.zfill(14)}3103000400".encode()).code
    magazine = frame_from_bytes(f"]E3{WATER}05".encode()).code
    assert label is not None and magazine is not None
    got = app.returns.scan(label)  # no AIM prefix in its text: the code keeps its symbology
    assert isinstance(got, ItemScan) and (got.sku, got.quantity) == ("100156", 400)
    water = app.returns.scan(magazine)
    assert isinstance(water, ItemScan) and water.sku == "100001" and len(water.sales) == 1
    number = app.returns.scan(frame_from_bytes(b"]C0S1-R1-000001").code)  # type: ignore[arg-type]
    assert isinstance(number, ReceiptScan) and number.receipt_no == "S1-R1-000001"


def test_a_scale_label_carries_its_weight(app: App) -> None:
    number = sell(app, grams=1250)
    got = app.returns.scan(f"]C101{BANANAS.zfill(14)}3103000400")
    assert isinstance(got, ItemScan) and (got.unit, got.quantity) == ("g", 400)
    assert got.sales[0].receipt_no == number and got.sales[0].returnable == 1250
    fixed = app.returns.scan(BANANAS)  # the fixed code: no weight, the line is marked whole
    assert isinstance(fixed, ItemScan) and fixed.quantity == 0
    priced = app.returns.scan(f"]C101{BANANAS.zfill(14)}39220211")  # 2.11 to pay at 1.69/kg
    assert isinstance(priced, ItemScan) and priced.quantity == 1249


def test_bump_marks_one_more_on_the_first_line_with_room() -> None:
    def line(no: int, pid: int, qty: int, returned: int = 0, unit: str = "each") -> SoldLine:
        return SoldLine(no, no, pid, f"S{pid}", "x", qty, returned, 100, 0, 10, 0, None,
                        unit=unit)

    lines = (line(1, 7, 2, returned=1), line(2, 7, 3), line(3, 8, 1250, unit="g"))
    picks, no = bump(lines, {}, 7, 1)
    assert (picks, no) == ({1: 1}, 1)
    picks, no = bump(lines, picks, 7, 1)
    assert (picks, no) == ({1: 1, 2: 1}, 2)
    assert bump(lines, {}, 8, 0) == ({3: 1250}, 3)  # no weight: the whole line
    assert bump(lines, {}, 8, 400) == ({3: 400}, 3)
    with pytest.raises(RuleError, match="not on this receipt"):
        bump(lines, {}, 9, 1)
    with pytest.raises(RuleError, match="already marked"):
        bump(lines, {1: 1, 2: 3}, 7, 1)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(0, 1250)))
def test_the_refund_shown_is_the_refund_posted(app: App, picks: tuple[int, int, int]) -> None:
    number = sell(app, WATER, WATER, WATER, COLA, grams=1250)
    want = {n: q for n, q in zip((1, 2, 3), picks, strict=True) if q}
    if not want:
        return
    shown = app.returns.preview_lines(number, want)
    me = app.users.system_user().id
    done = app.returns.return_lines(number, want, me)
    assert shown.total == done.refund
    assert set(shown.amounts) == set(want)


def test_blind_preview_is_the_blind_refund(app: App) -> None:
    ok = Override("blind_return", 1, 2, "no receipt")
    items = [(WATER, 3), (COLA, 1), ("100156", 750)]
    shown = app.returns.preview_blind(items)
    assert shown.amounts == {0: 177, 1: 149, 2: 127}
    done = app.returns.blind_return(items, app.users.system_user().id, ok)
    assert shown.total == done.refund == 177 + 149 + 127
