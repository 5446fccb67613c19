"""At the till, a scan whose AIM identifier says EAN/UPC but whose data cannot be one is refused
with the cashier's reason, by the wedge and the serial scanner alike; an EAN with an add-on
sells the product of its GTIN (tests/ui/scenario.py drives the window by keys and scans)."""

from __future__ import annotations

from scenario import Driver, Till

WATER = "4037674097186"  # the demo's first product, SKU 100001


def test_broken_ean_frames_are_refused_and_add_ons_sell_the_gtin(till: Till) -> None:
    def rows(t: Driver) -> int:
        return t.read(lambda: t.w.sale.model.rowCount())

    def says(t: Driver, words: str) -> bool:
        return words in t.w._current_message().text()  # runs on the GUI thread (t.wait)

    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        t.scan("]E0100001")  # the water's SKU behind an EAN-13 identifier
        t.wait(lambda: says(t, "EAN"), "the refusal on the red bar")
        assert rows(t) == 0
        t.serial_scan(b"]E0100001")
        t.wait(lambda: says(t, "EAN"), "the same refusal for a serial frame")
        assert rows(t) == 0
        t.scan("]E212345")  # the add-on alone
        t.wait(lambda: says(t, "add-on"), "the add-on refusal")
        t.scan("]E3" + WATER + "05")
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the water on the sale")
        t.serial_scan(b"]E3" + WATER.encode() + b"12")
        t.wait(lambda: t.w.sale.model.lines[0].line.qty == 2, "two waters")
        t.scan("]E0" + WATER[:-1] + "7")
        t.wait(lambda: says(t, "bad check digit"), "a bad check digit")
        assert t.read(lambda: t.w.sale.model.lines[0].line.qty) == 2

    till.run(body)
