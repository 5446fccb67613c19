"""AIM symbology identifiers are honoured: the data must be what the declared symbology holds.

The oracle here is written from the specifications (ISO/IEC 15424 identifiers, the GS1 mod-10
check digit, the UPC-E zero suppression of the GS1 General Specifications), not from the
project's code, so the properties check the class: *any* text after an EAN/UPC identifier
that cannot be an EAN/UPC is refused, and never yields a look-up key.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from pos_terminal.domain.scan import (
    GS,
    BarcodeRules,
    CheckDigitError,
    RcnRule,
    SymbologyError,
    declares_gtin,
    frame_from_bytes,
    frame_from_text,
    interpret_scan,
)
from pos_terminal.errors import BarcodeError

DIGITS = "0123456789"


# -- an oracle from the specifications ------------------------------------------------------------
def mod10_ok(digits: str) -> bool:
    """GS1 check digit: weights 3, 1, 3… from the right of the payload."""
    payload, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10 == check


def upc_e_to_a(upc_e: str) -> str | None:
    """The 12-digit UPC-A of an 8-digit UPC-E (number system 0 or 1), or None."""
    ns, d, check = upc_e[0], upc_e[1:7], upc_e[7]
    if ns not in "01":
        return None
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def ean_gtin(modifier: str, data: str) -> str | None:
    """The GTIN (its digits, 8/12/13) a valid ]E<modifier> packet carries, else None."""
    if not data.isdigit() or not data.strip("0"):
        return None
    if modifier == "0":
        if len(data) in (12, 13):
            return data if mod10_ok(data) else None
        if len(data) == 8:
            upc_a = upc_e_to_a(data)
            return upc_a if upc_a and mod10_ok(upc_a) else None
        return None
    if modifier == "3":
        # GS1 form: EAN-13 + 2/5; a UPC-A's 12 + 2/5 only where the first 13 are no EAN-13.
        if len(data) in (15, 18):
            main = data[:13]
        elif len(data) in (14, 17) and not mod10_ok(data[:13]):
            main = data[:12]
        else:
            return None
        return main if main.strip("0") and mod10_ok(main) else None
    if modifier == "4":
        return data if len(data) == 8 and mod10_ok(data) else None
    return None  # ]E1/]E2 are add-ons alone; other modifiers are not defined


def with_check(payload: str) -> str:
    for d in DIGITS:
        if mod10_ok(payload + d):
            return payload + d
    raise AssertionError("unreachable")


# -- examples: what each identifier accepts and refuses ----------------------------------------
@pytest.mark.parametrize("frame", [
    "]E012", "]E01234567", "]E0123456789", "]E012345678901",  # 2, 7, 9, 11 digits
    "]E04037674097186123", "]E040376740971861",  # 16 and 14 digits
    "]E0ABC", "]E04037674O97186", "]E0SKU-12", "]E0-4037674097186",  # letters, symbols
    "]E0100001",  # the demo's first SKU: never looked up as one
    "]E44037674097186", "]E4123456", "]E4ABCDEFGH",  # EAN-8 is 8 digits
    "]E34037674097186", "]E340376740971861", "]E34037674097186123",  # add-on 0, 1 or 3 digits
    "]E340376740971861234", "]E34037674097186123456",  # add-on 4 or 6 digits
    "]E300123456789051", "]E300123456789051234",  # EAN-13 + a 1- or 4-digit add-on: never
    # read as a UPC-A's 12 + 2 or 5 (the first 13 digits are a valid EAN-13)
    "]E112", "]E212345",  # an add-on alone
    "]E5123", "]E94037674097186", "]EA4037674097186",  # modifiers ISO 15424 does not define
])
def test_ean_identifier_with_data_that_cannot_be_ean_is_refused(frame: str) -> None:
    with pytest.raises(SymbologyError):
        interpret_scan(frame)
    f = frame_from_bytes(frame.encode())
    assert f.code is None and f.error and f.as_dict()["gtin"] is None


@pytest.mark.parametrize("frame", [
    "]E04037674097187", "]E0012345678904", "]E012345671",  # EAN-13, UPC-A, UPC-E
    "]E412345675", "]E3403767409718712", "]E3403767409718712345",
    "]E024252614",  # UPC-E number system 2 does not exist
    "]E00000000000000", "]E400000000",  # all zeros is no product
])
def test_ean_identifier_with_a_bad_check_digit_is_refused_as_such(frame: str) -> None:
    with pytest.raises(CheckDigitError) as info:
        interpret_scan(frame)
    assert info.value.declared  # a scanned EAN: never retried as a SKU


def test_each_ean_packet_length_reads_as_its_symbology() -> None:
    assert interpret_scan("]E04037674097186").gtin == "4037674097186"  # EAN-13
    assert interpret_scan("]E00012345678905").gtin == "012345678905"  # UPC-A as 13 digits
    assert interpret_scan("]E0012345678905").gtin == "012345678905"  # UPC-A as 12 digits
    assert interpret_scan("]E00012345678905").keys == interpret_scan("]E0012345678905").keys
    assert interpret_scan("]E004252614").gtin == "042100005264"  # UPC-E
    assert interpret_scan("]E412345670").gtin == "12345670"  # EAN-8


@pytest.mark.parametrize(("addon", "meaning"), [("05", "issue 5"), ("51995", "USD 19.95")])
def test_ean13_with_an_add_on_gives_the_gtin_and_the_add_on(addon: str, meaning: str) -> None:
    magazine = with_check("977123456700")  # ISSN 977 prefix
    code = interpret_scan("]E3" + magazine + addon)
    assert (code.gtin, code.addon, code.symbology) == (magazine, addon, "]E3"), meaning
    assert code.text == magazine  # the main code alone: read back, it is the same product
    assert code.keys == interpret_scan(magazine).keys  # looked up by the GTIN
    frame = frame_from_bytes(b"]E3" + magazine.encode() + addon.encode())
    assert frame.as_dict()["gtin"] == magazine and frame.as_dict()["addon"] == addon
    assert [k for k in frame.as_dict() if "gtin" in k] == ["gtin"]


def test_a_upc_a_with_add_on_in_its_12_digit_form() -> None:
    upc = "036000291452"  # the first 13 digits of the packet are then no EAN-13
    for addon in ("07", "51995"):
        code = interpret_scan("]E3" + upc + addon)
        assert (code.gtin, code.addon) == (upc, addon)
        assert code.keys == interpret_scan("]E3" + "0" + upc + addon).keys


def test_itf14_is_a_gtin14_and_nothing_else() -> None:
    case = with_check("1400000000123")
    assert interpret_scan("]I1" + case).gtin == case
    for bad in ("]I1" + case[:-1], "]I1ABCDEFGHIJKLMN", "]I1" + case + "0"):
        with pytest.raises(SymbologyError):
            interpret_scan(bad)
    with pytest.raises(CheckDigitError):
        interpret_scan("]I1" + case[:-1] + str((int(case[-1]) + 1) % 10))


@pytest.mark.parametrize("symbology", ["]C1", "]e0", "]d2", "]Q3", "]J1"])
def test_gs1_identifiers_need_gs1_element_strings_with_a_product_number(symbology: str) -> None:
    good = interpret_scan(symbology + "0105901234123457" + "10LOT1")
    assert (good.gtin, good.lot, good.symbology) == ("5901234123457", "LOT1", symbology)
    for data in ("HELLO", "100001", "4037674097186", "10LOT1"):
        with pytest.raises(BarcodeError):
            interpret_scan(symbology + data)
    with pytest.raises(CheckDigitError):
        interpret_scan(symbology + "0105901234123458")


def test_data_symbologies_carry_their_data() -> None:
    # A receipt barcode is Code 128: the data as printed, never a GTIN check.
    receipt = interpret_scan("]C0S1-R1-000123")
    assert (receipt.keys, receipt.gtin, receipt.internal) == (("S1-R1-000123",), None, True)
    # Digits in Code 128 that are not a valid GTIN are an internal code (Code 128 checks itself).
    assert interpret_scan("]C04037674097187").keys == ("4037674097187",)
    # A GTIN printed in Code 128: the GTIN first, then the code as printed.
    assert interpret_scan("]C04037674097186").keys == ("04037674097186", "4037674097186")
    assert interpret_scan("]A0ABC-12").keys == ("ABC-12",)
    assert interpret_scan("]X0ABC").keys == ("ABC",)
    with pytest.raises(BarcodeError):
        interpret_scan("]C0LOT" + GS + "12")


def test_gs1_digital_link_in_a_qr_code() -> None:
    code = interpret_scan("]Q1https://id.gs1.org/01/09506000134352/10/ABC1?17=271231")
    assert (code.gtin, code.lot, code.expiry.isoformat() if code.expiry else None) == (
        "9506000134352", "ABC1", "2027-12-31")
    with pytest.raises(BarcodeError, match="web address"):
        interpret_scan("]Q1https://example.com/menu")


@pytest.mark.parametrize("frame", ["]V04037674097186", "]W1ABC", "]a0123456"])
def test_an_identifier_iso_15424_does_not_define_is_refused(frame: str) -> None:
    with pytest.raises(SymbologyError, match="symbology identifier"):
        interpret_scan(frame)


def test_which_identifiers_declare_a_gtin() -> None:
    for s in ("]E0", "]E3", "]E4", "]I1", "]C1", "]e0", "]d2", "]Q3", "]J1"):
        assert declares_gtin(s), s
    for s in (None, "]C0", "]A0", "]Q1", "]d1", "]X0", "]I0", "]Z0"):
        assert not declares_gtin(s), s


# -- properties ---------------------------------------------------------------------------------
RULES = st.sampled_from([
    BarcodeRules(), BarcodeRules(rcn_region="de"), BarcodeRules(rcn_region="se"),
    BarcodeRules(rcn_rules=(RcnRule.parse("02-IIIII-C-PPPP"), RcnRule.parse("21-IIIII-PPPPP"))),
])
# Mostly digits of the lengths that matter, some letters and symbols.
EAN_DATA = st.one_of(
    st.text(st.sampled_from(DIGITS), min_size=0, max_size=20),
    st.text(st.sampled_from(DIGITS + "ABCXO-. /"), min_size=1, max_size=20),
    st.sampled_from([8, 12, 13, 15, 18]).flatmap(
        lambda n: st.text(st.sampled_from(DIGITS), min_size=n - 1, max_size=n - 1)
        .map(lambda p: with_check(p) if n <= 13 else with_check(p[:12]) + p[12:])),
)


@settings(max_examples=1500, deadline=None)
@given(modifier=st.sampled_from("0123456789"), data=EAN_DATA, rules=RULES)
@example(modifier="0", data="12", rules=BarcodeRules())
@example(modifier="0", data="1234567", rules=BarcodeRules())
@example(modifier="3", data="403767409718612", rules=BarcodeRules())
def test_any_text_after_an_ean_identifier_that_is_not_an_ean_is_refused(
    modifier: str, data: str, rules: BarcodeRules
) -> None:
    frame = f"]E{modifier}{data}"
    expected = ean_gtin(modifier, data)
    assume(data.strip() == data)
    got = frame_from_text(frame, rules)
    if expected is None:
        assert got.code is None and got.error, f"{frame!r} was accepted: {got.code}"
        with pytest.raises(BarcodeError):
            interpret_scan(frame, rules)
        return
    if (rules.rcn_region or rules.rcn_rules) and expected.zfill(13).startswith(("2", "02")):
        return  # an in-store label: the store's rules also check the value inside it
    assert got.code is not None, f"{frame!r} refused: {got.error}"
    assert got.code.gtin is not None and got.code.gtin.zfill(14) == expected.zfill(14)
    assert got.code.addon == (data[len(expected):] if modifier == "3" else None)
    assert got.code.keys and not got.code.internal


@settings(max_examples=400, deadline=None)
@given(data=st.text(st.sampled_from(DIGITS + "ABC"), min_size=1, max_size=20), rules=RULES)
def test_serial_bytes_and_wedge_text_read_a_frame_alike(data: str, rules: BarcodeRules) -> None:
    """The serial path (bytes) and the wedge path (text) give the same code or the same error."""
    for prefix in ("]E0", "]E3", "]E4", "]C0", "]C1", "]I1", ""):
        text = prefix + data
        a, b = frame_from_text(text, rules), frame_from_bytes(text.encode(), rules)
        assert (a.code, a.error) == (b.code, b.error)
