"""ZVT bytes against frames published by others (real terminals' output, captured in the test
suites of open-source ZVT implementations) and against the specification's rules.

Sources of the byte-exact frames (each test names its own):
- [ecrterm] wirelane/ecrterm, ecrterm/tests/test_parsing.py (Python ZVT library): a serial
  frame with its CRC, and APDUs logged from terminals.
- [portalum] Portalum/Portalum.Zvt, src/Portalum.Payment.Zvt.UnitTest/*.cs (C# ZVT library):
  Status-Information, Print Line and Print Text-Block APDUs from real terminals.
- [reveng] the CRC catalogue's check value of CRC-16/KERMIT (the ZVT serial CRC: reflected
  polynomial 0x8408, start 0) over "123456789": 0x2189.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_terminal.domain.cards import CardDetails
from pos_terminal.hardware import zvt_codec as z


def hexb(text: str) -> bytes:
    return bytes.fromhex(text.replace("-", " "))


# -- serial transport: DLE STX framing and CRC -----------------------------------------------------
def test_crc_is_crc16_kermit_check_value() -> None:  # [reveng]
    assert z.crc16(b"123456789") == 0x2189


def test_serial_frame_of_a_completion_matches_a_real_terminal_byte_for_byte() -> None:
    # [ecrterm] test_version_completion: the PT's Completion after a Status-Enquiry.
    wire = hexb("10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11")
    body = z.unframe(wire)
    assert z.frame(body) == wire
    a = z.decode_apdu(body)
    assert a.command == z.COMPLETION
    done = z.parse_completion(a.data)
    assert done.software == "2.14.15"
    assert done.terminal_status == 0x00


def test_a_damaged_frame_is_refused() -> None:
    wire = bytearray(hexb("10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11"))
    wire[6] ^= 0x01
    with pytest.raises(z.ZvtFormatError, match="CRC"):
        z.unframe(bytes(wire))


@given(st.binary(max_size=600))
def test_framing_round_trips_any_apdu_with_dle_bytes(data: bytes) -> None:
    raw = z.Apdu(0x06, 0x10, data).encode()
    framed = z.frame(raw)
    assert framed[:2] == b"\x10\x02" and framed[-4:-2] == b"\x10\x03"
    assert z.unframe(framed) == raw
    assert z.decode_apdu(z.unframe(framed)).data == data


# -- APDU lengths ------------------------------------------------------------------------------
def test_extended_length_is_ff_then_two_bytes_low_first() -> None:
    # [portalum] PrintTextBlockTest merchant receipt: 06 D3 FF A4 02 → 0x02A4 data bytes
    assert z.data_length(hexb("06 D3 FF A4 02")) == (5, 0x02A4)
    a = z.Apdu(0x06, 0xD3, bytes(0x02A4))
    assert a.encode()[:5] == hexb("06 D3 FF A4 02")
    assert z.Apdu(0x06, 0x01, bytes(254)).encode()[:3] == hexb("06 01 FE")


def test_bcd_amounts_password_and_lengths() -> None:
    assert z.amount_bcd(2040) == hexb("00 00 00 00 20 40")
    assert z.password_bcd("123456") == hexb("12 34 56")
    assert z.var_length(17, 2) == hexb("F1 F7")
    assert z.var_length(14, 3) == hexb("F0 F1 F4")
    with pytest.raises(ValueError, match="12 digits"):
        z.amount_bcd(10**12)
    with pytest.raises(ValueError, match="6 digits"):
        z.password_bcd("12345")


# -- what the register sends ---------------------------------------------------------------------
def test_authorisation_and_registration_layout() -> None:
    assert z.authorisation(1000, "EUR").encode() == hexb(
        "06 01 0A 04 00 00 00 00 10 00 49 09 78")
    # <password> <config-byte> <CC> 03 <service-byte>
    assert z.registration("000000", "EUR").encode() == hexb(
        "06 00 08 00 00 00 BE 09 78 03 01")
    assert z.reversal("000000", "0470").encode() == hexb("06 30 06 00 00 00 87 04 70")
    assert z.repeat_receipt("000000").encode() == hexb("06 20 03 00 00 00")
    assert z.status_enquiry("000000").encode() == hexb("05 01 03 00 00 00")
    assert z.end_of_day("000000").encode() == hexb("06 50 03 00 00 00")
    assert z.ecr_abort().encode() == hexb("06 B0 00")
    assert z.log_off().encode() == hexb("06 02 00")


def test_an_authorisation_logged_from_a_terminal_parses() -> None:
    # [ecrterm] PACKET_LIST: 06 01 with max. status infos, amount, payment type and currency
    a = z.decode_apdu(hexb("06 01 0E 02 01 04 00 00 00 00 10 00 19 44 49 09 78"))
    b = z.parse_bmps(a.data)
    assert int(z.unbcd(b[0x04])) == 1000
    assert z.unbcd(b[0x49]) == "0978"


# -- Status-Information from real terminals -----------------------------------------------------
PAYMENT_GOOD = (  # [portalum] StatusInformationParserTest.Parse_PaymentGood1
    "04 0F 77 27 00 04 00 00 00 00 20 40 0B 00 04 70 0C 22 39 53 0D 10 06 0E 25 12 17 00 01 19 70"
    " 22 F0 F8 EE EE EE EE EE EE 47 71 29 28 00 48 69 2A 31 30 30 34 36 31 37 36 33 20 20 20 20"
    " 20 20 3B 36 31 31 38 30 34 00 00 3C F0 F1 F4 47 45 4E 2E 4E 52 2E 3A 36 31 31 38 30 34 49"
    " 09 78 87 04 70 88 00 04 70 8A 2E 8B F1 F7 44 65 62 69 74 20 4D 61 73 74 65 72 63 61 72 64"
    " 00")


def test_status_information_of_an_approved_payment() -> None:
    a = z.decode_apdu(hexb(PAYMENT_GOOD))
    s = z.parse_status_information(a.data)
    assert s.result_code == 0x00
    assert s.amount == 2040
    assert s.trace_no == "000470" and s.receipt_no == "0470"
    assert s.terminal_id == "28004869"
    assert s.card_name == "Debit Mastercard" and s.brand == "Debit Mastercard"
    assert s.auth_code == "611804"
    assert s.additional_text == "GEN.NR.:611804"
    assert s.currency == 978
    assert s.masked_pan == "EEEEEEEEEEEE4771"
    card = CardDetails(masked_pan=s.masked_pan, brand=s.brand, terminal_id=s.terminal_id)
    assert card.masked_pan == "************4771"


def test_status_information_with_a_tlv_container() -> None:
    # [portalum] StatusInformationParserTest.Parse_TlvInfos1: contactless, no CVM
    a = z.decode_apdu(hexb(
        "04-0F-65-27-00-0C-23-13-55-0D-10-29-0E-99-99-22-F0-F8-EE-EE-EE-EE-EE-EE-47-71-A0-01-29"
        "-00-00-00-06-87-00-08-0B-00-00-00-8A-06-8B-F1-F1-4D-41-53-54-45-52-43-41-52-44-00-06-2E"
        "-2F-08-1F-12-01-02-1F-10-01-00-60-1B-43-07-A0-00-00-00-04-10-10-44-10-44-65-62-69-74-20"
        "-4D-61-73-74-65-72-63-61-72-64-1F-2B-04-10-01-50-08"))
    s = z.parse_status_information(a.data)
    assert s.card_name == "MASTERCARD" and s.terminal_id == "00000006"
    technology = next(z.find_all(s.tlv, 0x1F12))
    assert technology.value == b"\x02"  # NFC
    aid = next(z.find_all(s.tlv, 0x43))
    assert aid.value.hex().upper() == "A0000000041010"


def test_status_information_of_an_abort_by_the_customer() -> None:
    # [portalum] StatusInformationParserTest.Parse_AbortByKey
    a = z.decode_apdu(hexb(
        "04 0F 1E 27 6C 29 28 00 48 69 3C F0 F1 F9 41 62 62 72 75 63 68 20 64 75 72 63 68 20 4B"
        " 75 6E 64 65"))
    s = z.parse_status_information(a.data)
    assert s.result_code == 0x6C and 0x6C in z.ABORTED_CODES
    assert s.additional_text == "Abbruch durch Kunde"
    assert z.result_text(s.result_code).startswith("aborted")


def test_status_information_with_a_visa_card_and_long_text() -> None:
    # [ecrterm] PACKET_LIST: a Visa payment with a 3C additional text over several lines
    a = z.decode_apdu(hexb(
        "040fa12700040000000000014909780c1223060d062922f0f8474843eeeeee77438700023b383839313530"
        "00000b000732196029420030360e18018a0a8c038bf0f556495341002a3435353630303030303539392020"
        "203cf0f7f341532d544944203d2031334630303031330d41532d50726f632d436f6465203d203230203930"
        "332030300d436170742e2d5265662e3d20303030300d41494435393a20383039323538"))
    s = z.parse_status_information(a.data)
    assert s.amount == 1 and s.card_type == 10 and s.card_name == "VISA"
    assert s.receipt_no == "0002" and s.auth_code == "889150"
    assert CardDetails(masked_pan=s.masked_pan).masked_pan == "************7743"


# -- intermediate status and receipts ---------------------------------------------------------
def test_intermediate_status_with_the_terminals_display_text() -> None:
    # [ecrterm] PACKET_LIST: 04 FF, status 0A (insert card), timeout, TLV 24/07 display text
    a = z.decode_apdu(hexb(
        "04 FF 1E 0A 01 06 1A 24 18 07 16 42 69 74 74 65 20 4B 61 72 74 65 20 65 69 6E 73 74"
        " 65 63 6B 65 6E"))
    assert z.parse_intermediate(a.data) == "Bitte Karte einstecken"
    assert z.parse_intermediate(b"\x0a") == "insert card"
    assert z.parse_intermediate(b"\x01\x05") == "watch the PIN pad"


def test_print_text_block_of_a_merchant_receipt() -> None:
    # [portalum] PrintTextBlockTest.Parse_AdministrationReceipt (TLV 1F07 03, 25, 07 lines)
    a = z.decode_apdu(hexb(
        "06-D3-AC-06-81-A9-1F-07-01-03-25-81-A2-07-1B-30-32-2E-31-31-2E-32-30-32-31-20-20-20-20"
        "-20-20-20-20-20-31-37-3A-30-35-3A-30-32-07-0C-54-49-44-3A-41-48-30-30-30-30-30-36-07-14"
        "-41-62-73-63-68-6C-75-73-73-20-2D-20-6B-65-69-6E-65-20-54-58-07-19-20-41-56-3A-20-2B-30"
        "-34-2E-30-37-20-28-4A-75-6E-20-31-31-20-32-30-32-31-29-07-1B-54-49-3A-20-45-20-44-54-3A"
        "-20-30-2F-30-2F-20-4F-46-3A-20-30-2F-30-2F-20-43-47-3A-07-0F-20-20-20-20-20-20-20-20-20"
        "-20-20-31-2F-30-2F-07-01-20-07-01-20-07-01-20-07-01-20-07-01-20-07-01-20-07-01-20-09-01"
        "-81"))
    block = z.parse_text_block(a.data)
    assert block.receipt_type == "administration"
    assert block.lines[1] == "TID:AH000006"
    assert block.lines[2] == "Abschluss - keine TX"


def test_print_text_block_in_the_terminals_code_page() -> None:
    # The merchant copy of [portalum] PrintTextBlockTest.Parse_MerchantReceipt: 0x8E is "Ä"
    # in code page 437 ("HÄNDLERBELEG", the merchant copy).
    lines = [b"  Leihstellung", b"       H\x8eNDLERBELEG", b"L:************0000"]
    texts = b"".join(z.tlv(0x07, ln) for ln in lines)
    tlvs = z.tlv(0x1F07, b"\x01") + z.tlv(0x25, texts) + z.tlv(0x09, b"\x81")
    block = z.parse_text_block(b"\x06" + z.tlv_length(len(tlvs)) + tlvs)
    assert block.receipt_type == "merchant"
    assert block.lines[1].strip() == "HÄNDLERBELEG"


def test_print_lines_name_their_receipt_copy() -> None:
    # [portalum] PrintLineTest.ProcessData_LineReceivedCardCompleteWithTlv
    first = z.decode_apdu(hexb(
        "06-D1-19-40-2A-2A-20-48-C4-4E-44-4C-45-52-42-45-4C-45-47-20-2A-2A-06-04-1F-07-01-01"))
    pl = z.parse_print_line(first.data)
    assert pl.receipt_type == "merchant" and pl.text.startswith("** H") and not pl.last
    last = z.parse_print_line(z.decode_apdu(hexb("06-D1-07-81-06-04-1F-07-01-02")).data)
    assert last.receipt_type == "customer" and last.last and last.text == ""
    plain = z.parse_print_line(z.decode_apdu(hexb(
        "06-D1-19-00-54-65-72-6D-69-6E-61-6C-2D-49-44-3A-20-20-20-20-32-38-30-30-34-38-36-39"
    )).data)  # [portalum] PrintLineTest.ProcessData_LineReceived1, no TLV
    assert plain.text == "Terminal-ID:    28004869" and plain.receipt_type == ""


# -- TLV -------------------------------------------------------------------------------------
@given(st.lists(st.tuples(st.sampled_from([0x07, 0x1F07, 0x1F10, 0x43, 0x09]),
                          st.binary(max_size=300)), max_size=8))
def test_tlv_round_trips(objs: list[tuple[int, bytes]]) -> None:
    data = b"".join(z.tlv(tag, value) for tag, value in objs)
    parsed = z.parse_tlv(data)
    assert [(o.tag, o.value) for o in parsed] == objs


def test_truncated_frames_are_refused() -> None:
    with pytest.raises(z.ZvtFormatError):
        z.decode_apdu(hexb("04 0F 10 27 00"))
    with pytest.raises(z.ZvtFormatError):
        z.parse_tlv(hexb("1F 07 05 01"))
    with pytest.raises(z.ZvtFormatError):
        z.parse_bmps(hexb("22 F1 F6 EE EE"))
