"""What a scanner frame means: GTINs, UPC-E, GS1-128, AIM prefixes, in-store price/weight codes."""

from __future__ import annotations

from datetime import date

import pytest
from biip.checksums import gs1_price_weight_check_digit as pw_check
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_protocol.barcode import normalise
from pos_protocol.gtin import with_check_digit
from pos_terminal.domain.scan import (
    GS,
    AimMode,
    BarcodeRules,
    CheckDigitError,
    RcnRule,
    ScanCode,
    frame_from_bytes,
    frame_from_text,
    interpret_scan,
)
from pos_terminal.errors import BarcodeError, PosError

DE = BarcodeRules(rcn_region="de")
US = BarcodeRules(rcn_rules=(RcnRule.parse("02-IIIII-C-PPPP"),))
CUSTOM = BarcodeRules(rcn_region="de", rcn_rules=(
    RcnRule.parse("21-IIIII-PPPPP"), RcnRule.parse("24 IIII WWWWWW"),
))


def de_weight(item: str, grams: int) -> str:
    """A German weight label: 28 + 4-digit item + value check digit + 5-digit grams."""
    value = f"{grams:05d}"
    return with_check_digit(f"28{item}{pw_check(value)}{value}")


def test_ean13_upca_and_gtin14_share_the_catalog_key() -> None:
    a = interpret_scan("4037674097186")
    assert a.keys == (normalise("4037674097186"),) and a.gtin == "4037674097186"
    assert interpret_scan("012345678905").keys == interpret_scan("0012345678905").keys


def test_aim_prefixes_name_the_symbology() -> None:
    code = interpret_scan("]E04037674097186")
    assert (code.symbology, code.text, code.gtin) == ("]E0", "4037674097186", "4037674097186")


def test_eight_digits_are_settled_by_the_aim_identifier() -> None:
    both = interpret_scan("04252614")  # EAN-8 check fails, UPC-E works
    assert both.keys == ("00042100005264",) and both.gtin == "042100005264"
    upc_e = interpret_scan("]E004252614")
    assert upc_e.gtin == "042100005264" and upc_e.keys == ("00042100005264",)
    ean8 = interpret_scan("]E412345670")
    assert ean8.gtin == "12345670" and ean8.keys == ("00000012345670",)
    with pytest.raises(CheckDigitError):
        interpret_scan("]E404252614")  # not a valid EAN-8


@pytest.mark.parametrize("code", ["5901234123458", "4037674097187", "]E04037674097180",
                                  "012345678904"])
def test_bad_check_digit_is_refused_with_the_cashiers_words(code: str) -> None:
    with pytest.raises(BarcodeError, match="bad check digit"):
        interpret_scan(code)


def test_gs1_128_with_fnc1_as_gs() -> None:
    text = f"0105901234123457{GS}10LOT42{GS}1725123131030012345"[:-1]
    code = interpret_scan(text)
    assert code.gtin == "5901234123457" and code.keys == ("05901234123457",)
    assert (code.lot, code.expiry, code.weight_g) == ("LOT42", date(2025, 12, 31), 1234)


def test_gs1_128_by_aim_c1_with_weight_decimals_and_price() -> None:
    code = interpret_scan("]C1" + "0105901234123457" + "3102000150" + "3922" + "0599")
    assert (code.symbology, code.weight_g, code.price) == ("]C1", 1500, 599)
    assert interpret_scan("]C10105901234123457" + "3105001234").weight_g == 12  # 0.01234 kg


def test_gs1_without_a_product_number_or_with_a_bad_one() -> None:
    with pytest.raises(BarcodeError, match="AI 01"):
        interpret_scan("]C100123456789012345675")
    with pytest.raises(BarcodeError, match="bad check digit"):
        interpret_scan("]C10105901234123458")
    with pytest.raises(BarcodeError, match="GS1"):
        interpret_scan("]C1" + "99")


def test_in_store_weight_code_with_the_german_rule() -> None:
    code = interpret_scan(de_weight("1234", 1234), DE)
    assert code.variable and code.weight_g == 1234 and code.plu == "1234"
    assert code.keys[0] == normalise("2812340000002")  # the zeroed code, as stored
    assert code.keys[1:] == ("1234",)
    # The same code without a region is just a fixed GTIN.
    plain = interpret_scan(de_weight("1234", 1234))
    assert not plain.variable and plain.weight_g is None


def test_in_store_code_with_a_bad_value_check_digit() -> None:
    good = de_weight("1234", 1234)
    broken = good[:6] + str((int(good[6]) + 1) % 10) + good[7:12]
    with pytest.raises(CheckDigitError):
        interpret_scan(with_check_digit(broken), DE)


def test_custom_rules_win_over_the_region_and_give_minor_units() -> None:
    price = interpret_scan(with_check_digit("211234500199"), CUSTOM)
    assert (price.price, price.plu, price.weight_g) == (199, "12345", None)
    assert price.keys == (normalise(with_check_digit("211234500000")), "12345")
    weight = interpret_scan(with_check_digit("240042001500"), CUSTOM)
    assert (weight.weight_g, weight.plu, weight.keys[1:]) == (1500, "0042", ("0042", "42"))


def test_us_upc_a_price_label() -> None:
    value = "0349"
    upc_a = with_check_digit(f"212345{pw_check(value)}{value}")  # 12 digits: 2 IIIII C PPPP
    code = interpret_scan(upc_a, US)
    assert (code.price, code.plu, code.gtin) == (349, "12345", upc_a)
    assert code.keys[0] == normalise(with_check_digit("21234500000"))


def test_internal_codes_are_their_own_key() -> None:
    assert interpret_scan("SKU-12") == ScanCode("SKU-12", ("SKU-12",))


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "a b", "x" * 200, "é123", f"{GS}"])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(BarcodeError):
        interpret_scan(text)


def test_aim_modes() -> None:
    with pytest.raises(BarcodeError, match="AIM"):
        interpret_scan("4037674097186", aim=AimMode.REQUIRED)
    assert interpret_scan("]E04037674097186", aim=AimMode.REQUIRED).symbology == "]E0"
    with pytest.raises(BarcodeError):
        interpret_scan("]E04037674097186", aim=AimMode.OFF)


def test_frames_never_raise() -> None:
    bad = frame_from_bytes(b"\xff\xfe\x00")
    assert bad.error and "not text" in bad.error and bad.code is None and not bad.ok
    good = frame_from_bytes(b"]E04037674097186")
    assert good.ok and good.symbology == "]E0" and good.as_dict()["gtin"] == "4037674097186"
    wedge = frame_from_text("5901234123458")
    assert wedge.error and "bad check digit" in wedge.error
    keys = wedge.as_dict().keys()
    assert [k for k in keys if "gtin" in k] == ["gtin"]


@pytest.mark.parametrize("spec", [
    "", "2IIIIIPPPPP", "31-IIIII-PPPPP", "21-IIIII-PPPP", "21IIIIIIIIII", "21IIIPPPWWWW",
    "21IICPPPPPPP", "21IIPIPPPPPP", "21-IIIII-PPPPX",
])
def test_bad_rule_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        RcnRule.parse(spec)


def test_rule_digits_may_come_in_any_order() -> None:
    rule = RcnRule.parse("21-PPPPP-IIIII")
    code = interpret_scan(with_check_digit("210019912345"), BarcodeRules(rcn_rules=(rule,)))
    assert (code.price, code.plu) == (199, "12345")


# -- properties ---------------------------------------------------------------------------------
RULES = st.sampled_from([BarcodeRules(), DE, US, CUSTOM, BarcodeRules(rcn_region="se"),
                         BarcodeRules(rcn_region="gb")])


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=80), rules=RULES, aim=st.sampled_from(list(AimMode)))
def test_random_text_only_ever_raises_our_errors(
    text: str, rules: BarcodeRules, aim: AimMode
) -> None:
    try:
        code = interpret_scan(text, rules, aim)
    except PosError:
        return
    assert code.keys and all(isinstance(k, str) and k for k in code.keys)


GS1_LIKE = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(["", "]C1", "]E0", "]E4", "]d2", GS]),
    st.text(st.sampled_from("0123456789" + GS + "ABX"), max_size=60),
)


@settings(max_examples=400, deadline=None)
@given(text=GS1_LIKE, rules=RULES)
def test_digit_soup_only_ever_raises_our_errors(text: str, rules: BarcodeRules) -> None:
    try:
        frame = frame_from_text(text, rules)
    except Exception as exc:  # pragma: no cover - the property is that this never happens
        pytest.fail(f"{text!r} raised {exc!r}")
    assert (frame.code is None) != (frame.error is None)


@settings(max_examples=400, deadline=None)
@given(
    payload=st.text(st.sampled_from("0123456789"), min_size=11, max_size=13).filter(
        lambda p: len(p) in (11, 12, 13)),
    wrong=st.integers(1, 9),
    rules=RULES,
)
def test_a_bad_check_digit_never_yields_a_lookup_key(
    payload: str, wrong: int, rules: BarcodeRules
) -> None:
    good = with_check_digit(payload)
    bad = good[:-1] + str((int(good[-1]) + wrong) % 10)
    with pytest.raises(BarcodeError):
        interpret_scan(bad, rules)
    frame = frame_from_text(bad, rules)
    assert frame.code is None and frame.error


@settings(max_examples=200, deadline=None)
@given(item=st.text(st.sampled_from("0123456789"), min_size=4, max_size=4),
       grams=st.integers(0, 99_999))
def test_german_weight_codes_round_trip(item: str, grams: int) -> None:
    code = interpret_scan(de_weight(item, grams), DE)
    assert code.weight_g == grams and isinstance(code.weight_g, int)
    assert code.keys[0] == normalise(de_weight(item, 0))
