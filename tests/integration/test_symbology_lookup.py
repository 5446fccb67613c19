"""A frame whose AIM identifier says EAN/UPC is looked up as a GTIN or refused: never as a SKU,
an internal code or a PLU, whichever path it takes (catalog look-up, the sale, a serial frame,
``doctor scanner``)."""

from __future__ import annotations

import os
import tty
from pathlib import Path

import pytest
from test_doctor_scanner import Doctor

from pos_terminal.bootstrap import App
from pos_terminal.domain.scan import CheckDigitError, SymbologyError, frame_from_bytes
from pos_terminal.errors import NotFoundError
from pos_terminal.services.catalog import resolve_scan

WATER = "4037674097186"  # the demo's first product (SKU 100001)
# Products whose SKU or PLU is what a broken EAN frame would hold.
ODD = """sku,name,tax_class,price,barcodes
4037674097187,Typed-SKU Biscuits,STD,1.00,
1234567,Seven-Digit Tea,STD,2.00,7654321
12,Two-Digit Plums,STD,3.00,42
5901234123457,Valid-GTIN SKU Soap,STD,4.00,
"""


@pytest.fixture
def odd_app(app: App, tmp_path: Path) -> App:
    csv = tmp_path / "odd.csv"
    csv.write_text(ODD, encoding="utf-8")
    app.catalog.import_csv(csv)
    return app


@pytest.mark.parametrize("frame", [
    "]E0100001",  # the water's SKU
    "]E01234567", "]E07654321",  # a SKU and a PLU of 7 digits
    "]E012", "]E042", "]E412", "]E3" + "12",  # 2 digits: a SKU and a PLU
    "]E0" + WATER + "0",  # one digit too many
])
def test_a_broken_ean_frame_is_never_looked_up_as_sku_or_plu(odd_app: App, frame: str) -> None:
    with odd_app.ctx.read() as conn, pytest.raises(SymbologyError):
        resolve_scan(conn, frame)
    assert frame_from_bytes(frame.encode()).error  # the serial path refuses it too


def test_a_bad_check_digit_under_an_ean_identifier_is_not_retried_as_a_sku(odd_app: App) -> None:
    with odd_app.ctx.read() as conn:
        # Typed without an identifier, the digits may be a SKU (that is how they were typed)...
        assert resolve_scan(conn, "4037674097187").item.name == "Typed-SKU Biscuits"
        # ...scanned as an EAN-13, they are an EAN-13 with a bad check digit.
        with pytest.raises(CheckDigitError, match="bad check digit"):
            resolve_scan(conn, "]E04037674097187")
        # A valid EAN is found by its GTIN only, not by a SKU with the same digits.
        assert resolve_scan(conn, "5901234123457").item.name == "Valid-GTIN SKU Soap"
        with pytest.raises(NotFoundError, match="unknown barcode"):
            resolve_scan(conn, "]E05901234123457")
        assert resolve_scan(conn, "]E0" + WATER).item.sku == "100001"


def test_an_ean_with_add_on_sells_the_product_of_its_gtin(odd_app: App) -> None:
    session = odd_app.sale_session(odd_app.users.sign_in("cashier", "1111"))
    line = session.scan("]E3" + WATER + "05")
    assert line.item.sku == "100001" and line.qty == 1
    with pytest.raises(SymbologyError):
        session.scan("]E0100001")
    assert len(session.cart.lines) == 1 and session.cart.lines[0].qty == 1


def test_doctor_scanner_agrees_with_the_sale(data_dir: Path) -> None:
    m, s = os.openpty()
    tty.setraw(s)
    try:
        doc = Doctor("--data-dir", str(data_dir), "doctor", "scanner", "--port", os.ttyname(s),
                     "--count", "4", "--timeout", "20")
        doc.wait_ready()
        os.write(m, b"]E0100001\r]E3" + WATER.encode() + b"12\r]E212345\r]E0" + WATER.encode()
                 + b"\r")
        code, lines, err = doc.finish()
    finally:
        os.close(m)
        os.close(s)
    assert code == 0, err
    sku, magazine, addon_alone, water = lines
    assert sku["error"] and "EAN" in sku["error"] and sku["gtin"] is None
    assert sku["product"] is None
    assert (magazine["gtin"], magazine["addon"], magazine["error"]) == (WATER, "12", None)
    assert magazine["product"]["sku"] == "100001"
    assert addon_alone["error"] and "add-on" in addon_alone["error"]
    assert water["product"]["sku"] == "100001" and water["addon"] is None
