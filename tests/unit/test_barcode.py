from __future__ import annotations

import pytest

from pos_protocol.barcode import interpret, normalise
from pos_protocol.gtin import with_check_digit
from pos_terminal.errors import BarcodeError


def test_ean13_and_upca_share_one_key() -> None:
    assert normalise("0012345678905") == normalise("012345678905") == "00012345678905"


def test_upce_expands() -> None:
    scan = interpret("04252614")
    assert "00042100005264" in scan.keys


def test_aim_prefix_is_stripped() -> None:
    assert interpret("]E05901234123457").keys == ("05901234123457",)


def test_bad_check_digit_is_flagged() -> None:
    scan = interpret("5901234123458")
    assert scan.bad_check_digit
    with pytest.raises(BarcodeError, match="bad check digit"):
        normalise("5901234123458")


def test_non_gtin_codes_are_their_own_key() -> None:
    assert interpret("SKU-12").keys == ("SKU-12",)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "a b c", "x" * 60])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(BarcodeError):
        interpret(text)


def test_generated_check_digits_validate() -> None:
    code = with_check_digit("470000000001")
    assert not interpret(code).bad_check_digit


def test_the_quick_gtin_key_is_the_one_biip_gives() -> None:
    """``normalise`` checks valid GTINs itself (catalog imports); the keys must not change."""
    import random

    rnd = random.Random(7)
    codes = ["00000000", "000000000000", "01234565", "04252614", "4006381333931"]
    for n in range(3000):
        length = (8, 12, 13, 14)[n % 4]
        body = "".join(rnd.choice("0123456789") for _ in range(length - 1))
        codes.append(with_check_digit(body))
        codes.append(body + str((int(with_check_digit(body)[-1]) + 1) % 10))  # bad digit
    for code in codes:
        scan = interpret(code)
        if scan.bad_check_digit:
            with pytest.raises(BarcodeError, match="bad check digit"):
                normalise(code)
        else:
            assert normalise(code) == scan.keys[0], code
