"""Turning what a scanner or a cashier typed into look-up keys, with biip.

Barcodes are stored and looked up by a normalised key: a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14)
becomes its 14-digit form, so a UPC-A and the same code as EAN-13 with a leading zero are one
key. Anything that is not a GTIN (an internal code, a SKU) is its own key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from biip import ParseError
from biip.gtin import Gtin
from biip.upc import Upc

from pos_protocol import BarcodeError
from pos_protocol.gtin import check_digit

GTIN_LENGTHS = (8, 12, 13, 14)
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,47}$")


@dataclass(frozen=True)
class Scan:
    raw: str  # the code as typed or scanned, without AIM prefix or whitespace
    keys: tuple[str, ...]  # barcode look-up keys to try in order
    gtin: str | None  # the GTIN in its usual printed form, when the code is one
    bad_check_digit: bool = False


def strip_code(text: str) -> str:
    code = text.strip()
    if _AIM.match(code):
        code = code[3:]
    return code


def normalise(code: str) -> str:
    """The key a barcode is stored under (raises BarcodeError for a GTIN with a bad check digit)."""
    plain = code.strip()
    if (plain.isascii() and plain.isdigit() and len(plain) in GTIN_LENGTHS
            and check_digit(plain[:-1]) == plain[-1]):
        return plain.zfill(14)  # what biip gives a valid GTIN, 20x faster (catalog imports)
    scan = interpret(code)
    if scan.bad_check_digit:
        raise BarcodeError(f"{scan.raw}: bad check digit")
    return scan.keys[0]


def interpret(text: str) -> Scan:
    code = strip_code(text)
    if not code:
        raise BarcodeError("empty code; scan again or type the barcode")
    if not _CODE.match(code):
        raise BarcodeError(f"{code[:40]!r} is not a barcode or SKU")
    if code.isdigit() and len(code) in GTIN_LENGTHS:
        keys: list[str] = []
        printed: str | None = None
        try:
            g = Gtin.parse(code)
            keys.append(g.as_gtin_14())
            printed = g.value
        except ParseError:
            pass
        if len(code) == 8:  # ambiguous: EAN-8 or UPC-E; try both
            try:
                upc_a = Upc.parse(code).as_upc_a()
                key = Gtin.parse(upc_a).as_gtin_14()
                if key not in keys:
                    keys.append(key)
                printed = printed or upc_a
            except ParseError:
                pass
        if keys:
            return Scan(code, tuple(keys), printed)
        return Scan(code, (code,), None, bad_check_digit=True)
    return Scan(code, (code,), None)
