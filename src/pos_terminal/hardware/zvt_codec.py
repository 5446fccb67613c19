"""ZVT bytes: the ECR interface of German, Austrian and Swiss card terminals, encoded and decoded.

Follows the published "ECR-Interface ZVT-Protocol" specification of the ZVT association
(Verband der Terminalhersteller in Deutschland, document PA00P015, revision 13.x). Section
names below are that document's:

- *APDU* ("Application Protocol Data Unit"): ``CLASS INSTR LEN DATA``. ``LEN`` is one byte;
  ``FF`` announces an extended length, the next two bytes, low byte first.
- *Bitmaps* (BMP, "Summary of utilised BMPs"): a one-byte tag, then fixed-length data or an
  LL-/LLL-var field whose length digits are sent as ``Fx`` bytes (``F1 F7`` = 17 bytes).
- *BCD*: amounts are 6 bytes (12 digits, minor units), trace numbers 3, receipt numbers 2,
  terminal ids 4, the password 3, currency codes 2 (ISO 4217 numeric, ``09 78`` = EUR).
- *TLV-Container* (BMP ``06``): BER-TLV, tags of one or more bytes, lengths ``< 80``, ``81 xx``
  or ``82 xx xx``; bit ``20`` of the first tag byte marks a constructed object.
- *Transport-protocol* (serial): ``DLE STX`` APDU (every ``DLE`` doubled) ``DLE ETX`` and a
  CRC-16 (reflected polynomial 8408, start value 0, over the APDU and the ETX, low byte
  first); the receiver answers ``ACK`` (06) or ``NAK`` (15). Over TCP/IP the APDUs go bare.
- Texts use the terminal's character set ("ZVT-Charactersets"; code page 437 by default).

Everything here is pure (bytes in, values out); :mod:`pos_terminal.hardware.zvt` talks to the
terminal. A malformed frame raises :class:`ZvtFormatError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pos_terminal.hardware.errors import TerminalProtocolError

DLE, STX, ETX, ACK, NAK = 0x10, 0x02, 0x03, 0x06, 0x15
TEXT_ENCODING = "cp437"

# Commands ("Summary of Commands"): (CLASS, INSTR)
REGISTRATION = (0x06, 0x00)
AUTHORISATION = (0x06, 0x01)
LOG_OFF = (0x06, 0x02)
COMPLETION = (0x06, 0x0F)
ABORT = (0x06, 0x1E)  # PT → ECR: the command ended without success, with a result code
REPEAT_RECEIPT = (0x06, 0x20)
REVERSAL = (0x06, 0x30)
REFUND = (0x06, 0x31)
END_OF_DAY = (0x06, 0x50)
ECR_ABORT = (0x06, 0xB0)  # ECR → PT: stop the transaction in progress
PRINT_LINE = (0x06, 0xD1)
PRINT_TEXT_BLOCK = (0x06, 0xD3)
STATUS_ENQUIRY = (0x05, 0x01)
STATUS_INFORMATION = (0x04, 0x0F)
INTERMEDIATE_STATUS = (0x04, 0xFF)
POSITIVE_ACK = (0x80, 0x00)

# Registration's config byte ("Registration (06 00)"): the ECR prints payment and
# administration receipts (02, 04), wants intermediate status (08), controls payment and
# administration (10, 20), and receives receipts as print commands (80).
CONFIG_ECR_PRINTS = 0x02 | 0x04
CONFIG_INTERMEDIATE_STATUS = 0x08
CONFIG_ECR_CONTROLS = 0x10 | 0x20
CONFIG_ECR_PRINT_TYPE = 0x80
DEFAULT_CONFIG = (CONFIG_ECR_PRINTS | CONFIG_INTERMEDIATE_STATUS | CONFIG_ECR_CONTROLS
                  | CONFIG_ECR_PRINT_TYPE)  # 0xBE
SERVICE_NO_MENU_KEY = 0x01  # service byte: the PT's function key does not open its menu

# ISO 4217 numeric codes of the currencies a store may configure (domain.money.EXPONENTS).
CURRENCY_NUMERIC = {
    "EUR": 978, "USD": 840, "GBP": 826, "CHF": 756, "SEK": 752, "NOK": 578, "DKK": 208,
    "PLN": 985, "CZK": 203, "HUF": 348, "CAD": 124, "AUD": 36, "NZD": 554, "JPY": 392,
    "KRW": 410, "ISK": 352, "KWD": 414, "BHD": 48, "TND": 788,
}


class ZvtFormatError(TerminalProtocolError):
    """Bytes that are not a well-formed ZVT frame."""


# -- BCD and length-prefixed fields -------------------------------------------------------------
def bcd(number: int | str, length: int) -> bytes:
    """``number`` as ``length`` bytes of packed BCD, zero-padded on the left."""
    digits = str(number)
    if not digits.isdigit() or len(digits) > 2 * length:
        raise ValueError(f"{number!r} does not fit {length} BCD bytes")
    return bytes.fromhex(digits.zfill(2 * length))


def unbcd(data: bytes) -> str:
    """Packed BCD as its digit string (nibbles A-F, e.g. a masked digit ``E``, kept as is)."""
    return data.hex().upper()


def amount_bcd(minor: int) -> bytes:
    """An amount in minor units as BMP 04 carries it (6 bytes, 12 digits)."""
    if minor < 0 or minor >= 10**12:
        raise ValueError(f"amount {minor} does not fit 12 digits")
    return bcd(minor, 6)


def password_bcd(password: str) -> bytes:
    """The terminal's 6-digit password (3 BCD bytes)."""
    if len(password) != 6 or not password.isdigit():
        raise ValueError("the ZVT password is 6 digits")
    return bcd(password, 3)


def var_length(n: int, digits: int) -> bytes:
    """An LL-var (``digits`` 2) or LLL-var (3) length: each digit as ``Fx``."""
    if not 0 <= n < 10**digits:
        raise ValueError(f"length {n} does not fit {digits} digits")
    return bytes(0xF0 | int(d) for d in str(n).zfill(digits))


def read_var_length(data: bytes, at: int, digits: int) -> int:
    if at + digits > len(data):
        raise ZvtFormatError("a variable-length field is cut off")
    n = 0
    for b in data[at:at + digits]:
        if b & 0xF0 != 0xF0 or b & 0x0F > 9:
            raise ZvtFormatError(f"bad LL/LLL-var length byte {b:02X}")
        n = n * 10 + (b & 0x0F)
    return n


# -- APDU -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Apdu:
    cls: int
    ins: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return (self.cls, self.ins)

    def encode(self) -> bytes:
        n = len(self.data)
        if n < 0xFF:
            head = bytes((self.cls, self.ins, n))
        elif n <= 0xFFFF:
            head = bytes((self.cls, self.ins, 0xFF)) + n.to_bytes(2, "little")
        else:
            raise ValueError("an APDU holds at most 65535 data bytes")
        return head + self.data

    def __str__(self) -> str:
        return f"{self.cls:02X} {self.ins:02X} ({len(self.data)} bytes)"


def apdu(command: tuple[int, int], data: bytes = b"") -> Apdu:
    return Apdu(command[0], command[1], data)


def data_length(head: bytes) -> tuple[int, int]:
    """From the first bytes of an APDU: (header size, data length); header size 3, or 5 with
    an extended length. ``head`` must hold 3 bytes, or 5 when its third byte is ``FF``."""
    if len(head) < 3:
        raise ZvtFormatError("an APDU is at least 3 bytes")
    if head[2] != 0xFF:
        return 3, head[2]
    if len(head) < 5:
        raise ZvtFormatError("an extended APDU length is cut off")
    return 5, int.from_bytes(head[3:5], "little")


def decode_apdu(raw: bytes) -> Apdu:
    """One whole APDU (exactly: trailing bytes are an error)."""
    size, n = data_length(raw[:5])
    if len(raw) != size + n:
        raise ZvtFormatError(f"APDU length says {n} data bytes, got {len(raw) - size}")
    return Apdu(raw[0], raw[1], bytes(raw[size:]))


# -- serial framing -----------------------------------------------------------------------------
def crc16(data: bytes) -> int:
    """CRC-16 of the serial transport: reflected polynomial 0x8408, start 0 (CRC-16/KERMIT)."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def frame(apdu_bytes: bytes) -> bytes:
    """An APDU framed for the serial line: DLE STX, stuffed APDU, DLE ETX, CRC low, CRC high."""
    crc = crc16(apdu_bytes + bytes((ETX,)))
    stuffed = apdu_bytes.replace(bytes((DLE,)), bytes((DLE, DLE)))
    return bytes((DLE, STX)) + stuffed + bytes((DLE, ETX, crc & 0xFF, crc >> 8))


def unframe(data: bytes) -> bytes:
    """The APDU inside one whole serial frame; ZvtFormatError on a bad frame or CRC."""
    if len(data) < 6 or data[:2] != bytes((DLE, STX)):
        raise ZvtFormatError("a serial frame starts with DLE STX")
    out = bytearray()
    i = 2
    while i < len(data):
        b = data[i]
        if b == DLE:
            nxt = data[i + 1] if i + 1 < len(data) else None
            if nxt == DLE:
                out.append(DLE)
                i += 2
                continue
            if nxt == ETX:
                tail = data[i + 2:]
                if len(tail) != 2:
                    raise ZvtFormatError("a serial frame ends with DLE ETX and two CRC bytes")
                want = crc16(bytes(out) + bytes((ETX,)))
                if tail[0] | tail[1] << 8 != want:
                    raise ZvtFormatError("CRC error in a serial frame")
                return bytes(out)
            raise ZvtFormatError("a lone DLE inside a serial frame")
        out.append(b)
        i += 1
    raise ZvtFormatError("a serial frame without DLE ETX")


# -- TLV ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tlv:
    tag: int  # all tag bytes as one number: 0x1F07
    value: bytes
    children: tuple[Tlv, ...] = ()

    def find(self, tag: int) -> Tlv | None:
        return next(iter(find_all(self.children, tag)), None)


def find_all(objs: tuple[Tlv, ...] | list[Tlv], tag: int) -> Iterator[Tlv]:
    """Every object with ``tag``, depth first."""
    for o in objs:
        if o.tag == tag:
            yield o
        yield from find_all(o.children, tag)


def tlv_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return bytes((0x82,)) + n.to_bytes(2, "big")
    raise ValueError("a TLV object holds at most 65535 bytes")


def tlv(tag: int, value: bytes) -> bytes:
    """One BER-TLV object; ``tag`` 0x1F07 is sent as ``1F 07``."""
    n = max(1, (tag.bit_length() + 7) // 8)
    return tag.to_bytes(n, "big") + tlv_length(len(value)) + value


def parse_tlv(data: bytes) -> tuple[Tlv, ...]:
    out: list[Tlv] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding between objects
            i += 1
            continue
        first = data[i]
        tag = first
        i += 1
        if first & 0x1F == 0x1F:  # more tag bytes follow, the last without bit 8
            while True:
                if i >= len(data):
                    raise ZvtFormatError("a TLV tag is cut off")
                tag = tag << 8 | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        if i >= len(data):
            raise ZvtFormatError("a TLV length is missing")
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            if k not in (1, 2) or i + k > len(data):
                raise ZvtFormatError("a bad TLV length")
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        if i + n > len(data):
            raise ZvtFormatError(f"TLV object {tag:X} is cut off")
        value = bytes(data[i:i + n])
        i += n
        children = parse_tlv(value) if first & 0x20 else ()
        out.append(Tlv(tag, value, children))
    return tuple(out)


def tlv_container_length(data: bytes, at: int) -> tuple[int, int]:
    """BMP 06's BER length at ``at``: (bytes of the length, value length)."""
    if at >= len(data):
        raise ZvtFormatError("a TLV container length is missing")
    n = data[at]
    if not n & 0x80:
        return 1, n
    k = n & 0x7F
    if k not in (1, 2) or at + 1 + k > len(data):
        raise ZvtFormatError("a bad TLV container length")
    return 1 + k, int.from_bytes(data[at + 1:at + 1 + k], "big")


# -- bitmaps --------------------------------------------------------------------------------------
# Data length per BMP tag: a byte count, "LL"/"LLL" for variable fields, "TLV" for BMP 06.
BMP_LENGTH: dict[int, int | str] = {
    0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: "TLV", 0x0B: 3, 0x0C: 3, 0x0D: 2,
    0x0E: 2, 0x17: 2, 0x19: 1, 0x22: "LL", 0x23: "LL", 0x24: "LLL", 0x27: 1, 0x29: 4,
    0x2A: 15, 0x2D: "LL", 0x2E: "LLL", 0x37: 3, 0x3A: 2, 0x3B: 8, 0x3C: "LLL", 0x3D: 3,
    0x49: 2, 0x60: "LLL", 0x87: 2, 0x88: 3, 0x8A: 1, 0x8B: "LL", 0x8C: 1, 0x9A: "LLL",
    0xA0: 1, 0xA7: "LL", 0xAA: 3, 0xAF: "LLL", 0xBA: 5, 0xD0: 1, 0xD1: "LL", 0xD2: 1,
    0xD3: 1, 0xE0: 1, 0xE9: 1, 0xEA: 1, 0xEB: 8, 0xF0: 1, 0xF9: 1, 0xFA: 1, 0xFB: 1, 0xFC: 1,
    0xFD: 1,
}
for _t in (*range(0xE1, 0xE9), *range(0xF1, 0xF9)):
    BMP_LENGTH[_t] = "LL"  # display text lines


def parse_bmps(data: bytes) -> dict[int, bytes]:
    """BMPs of a data block, tag → data (the TLV container's value under 0x06). Unknown tags
    stop the parse (their length is unknown): the fields read so far are returned."""
    out: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        tag = data[i]
        spec = BMP_LENGTH.get(tag)
        if spec is None:
            break
        i += 1
        if spec == "TLV":
            k, n = tlv_container_length(data, i)
            i += k
        elif spec in ("LL", "LLL"):
            digits = len(str(spec))
            n = read_var_length(data, i, digits)
            i += digits
        else:
            n = int(spec)
        if i + n > len(data):
            raise ZvtFormatError(f"BMP {tag:02X} is cut off")
        out.setdefault(tag, bytes(data[i:i + n]))
        i += n
    return out


def text(data: bytes) -> str:
    """A terminal text: its character set, without NUL padding."""
    return data.replace(b"\x00", b"").decode(TEXT_ENCODING, "replace").strip()


# -- messages the register sends -------------------------------------------------------------
def registration(password: str, currency: str, config: int = DEFAULT_CONFIG,
                 service: int = SERVICE_NO_MENU_KEY) -> Apdu:
    """Registration (06 00): ``<password> <config-byte> <CC> 03 <service-byte>``."""
    return apdu(REGISTRATION, password_bcd(password) + bytes((config,))
                + bcd(CURRENCY_NUMERIC[currency], 2) + bytes((0x03, service)))


def authorisation(amount: int, currency: str) -> Apdu:
    """Authorisation (06 01): ``04 <amount> 49 <CC>``."""
    return apdu(AUTHORISATION, b"\x04" + amount_bcd(amount)
                + b"\x49" + bcd(CURRENCY_NUMERIC[currency], 2))


def reversal(password: str, receipt_no: str) -> Apdu:
    """Reversal (06 30): ``<password> 87 <receipt-no>`` (a payment of the current batch)."""
    return apdu(REVERSAL, password_bcd(password) + b"\x87" + bcd(receipt_no, 2))


def refund(password: str, amount: int, currency: str) -> Apdu:
    """Refund (06 31): ``<password> 04 <amount> 49 <CC>``."""
    return apdu(REFUND, password_bcd(password) + b"\x04" + amount_bcd(amount)
                + b"\x49" + bcd(CURRENCY_NUMERIC[currency], 2))


def repeat_receipt(password: str) -> Apdu:
    """Repeat Receipt (06 20): the last transaction's status information and receipt again."""
    return apdu(REPEAT_RECEIPT, password_bcd(password))


def status_enquiry(password: str) -> Apdu:
    """Status-Enquiry (05 01): ``<password>``."""
    return apdu(STATUS_ENQUIRY, password_bcd(password))


def end_of_day(password: str) -> Apdu:
    """End-of-Day (06 50): ``<password>``."""
    return apdu(END_OF_DAY, password_bcd(password))


def log_off() -> Apdu:
    return apdu(LOG_OFF)


def ecr_abort() -> Apdu:
    return apdu(ECR_ABORT)


def ack() -> Apdu:
    return apdu(POSITIVE_ACK)


def is_ack(a: Apdu) -> bool:
    return a.command == POSITIVE_ACK or (a.cls == 0x84 and a.ins == 0x00)


def is_nak(a: Apdu) -> bool:
    """Negative acknowledgement ``84 xx``; ``xx`` is a result code ("Error-Messages")."""
    return a.cls == 0x84 and a.ins != 0x00


# -- what the terminal sends ----------------------------------------------------------------
@dataclass(frozen=True)
class StatusInformation:
    """Status-Information (04 0F): the result of a transaction, as far as the register may
    keep it. Track data (23, 24, 2D), the expiry date (0E) and a CVV (3A) are never read."""

    result_code: int = 0xFF
    amount: int | None = None
    trace_no: str = ""
    receipt_no: str = ""
    turnover_no: str = ""
    terminal_id: str = ""
    masked_pan: str = ""
    card_type: int | None = None
    card_name: str = ""
    auth_code: str = ""
    additional_text: str = ""
    currency: int | None = None
    date: str = ""  # MMDD
    time: str = ""  # HHMMSS
    totals: tuple[tuple[str, int, int], ...] = ()  # end-of-day (BMP 60): brand, count, amount
    tlv: tuple[Tlv, ...] = field(default=(), repr=False)

    @property
    def brand(self) -> str:
        return self.card_name or CARD_TYPES.get(self.card_type or -1, "")


# ZVT card-type ids ("List of ZVT-card-type IDs") the register names itself.
CARD_TYPES = {5: "girocard", 6: "Mastercard", 8: "American Express", 10: "Visa",
              12: "Diners Club"}
# BMP 60 (individual totals) after the receipt-number range: count and turnover per group.
TOTAL_GROUPS = ("girocard", "JCB", "Mastercard", "American Express", "Visa", "Diners Club",
                "other")


def parse_status_information(data: bytes) -> StatusInformation:
    b = parse_bmps(data)
    tlvs = parse_tlv(b[0x06]) if 0x06 in b else ()
    pan = unbcd(b[0x22]).rstrip("F") if 0x22 in b else ""
    return StatusInformation(
        result_code=b[0x27][0] if 0x27 in b else 0xFF,
        amount=int(unbcd(b[0x04])) if 0x04 in b else None,
        trace_no=unbcd(b[0x0B]) if 0x0B in b else "",
        receipt_no=unbcd(b[0x87]) if 0x87 in b else "",
        turnover_no=unbcd(b[0x88]) if 0x88 in b else "",
        terminal_id=unbcd(b[0x29]) if 0x29 in b else "",
        masked_pan=pan,
        card_type=b[0x8A][0] if 0x8A in b else None,
        card_name=text(b[0x8B]) if 0x8B in b else "",
        auth_code=text(b[0x3B]) if 0x3B in b else "",
        additional_text=text(b[0x3C]) if 0x3C in b else "",
        currency=int(unbcd(b[0x49])) if 0x49 in b else None,
        date=unbcd(b[0x0D]) if 0x0D in b else "",
        time=unbcd(b[0x0C]) if 0x0C in b else "",
        totals=_totals(b[0x60]) if 0x60 in b else (),
        tlv=tlvs,
    )


def _totals(data: bytes) -> tuple[tuple[str, int, int], ...]:
    """BMP 60: receipt-no from and to (2 + 2 BCD), then per group a count (1 byte binary) and
    a turnover (6 BCD)."""
    body = data[4:]
    out = []
    for i, name in enumerate(TOTAL_GROUPS):
        chunk = body[i * 7:i * 7 + 7]
        if len(chunk) < 7:
            break
        count, amount = chunk[0], int(unbcd(chunk[1:]))
        if count or amount:
            out.append((name, count, amount))
    return tuple(out)


def individual_totals(first_receipt: int, last_receipt: int,
                      groups: dict[str, tuple[int, int]]) -> bytes:
    """BMP 60's value (for an emulator): ``groups`` name → (count, amount)."""
    out = bcd(first_receipt, 2) + bcd(last_receipt, 2)
    for name in TOTAL_GROUPS:
        count, amount = groups.get(name, (0, 0))
        out += bytes((count,)) + amount_bcd(amount)
    return out


# Intermediate status ("Intermediate Status-Information", 04 FF): what to tell the cashier.
INTERMEDIATE_TEXTS = {
    0x00: "waiting for the amount to be confirmed", 0x01: "watch the PIN pad",
    0x02: "watch the PIN pad", 0x03: "not accepted", 0x04: "waiting for the card issuer",
    0x05: "sending an automatic reversal", 0x06: "sending post-bookings",
    0x07: "card not admitted", 0x08: "card unknown", 0x09: "card expired",
    0x0A: "insert card", 0x0B: "remove card", 0x0C: "card not readable",
    0x0D: "processing error", 0x0E: "please wait", 0x0F: "automatic end-of-day",
    0x10: "invalid card", 0x11: "balance display", 0x12: "system malfunction",
    0x13: "payment not possible", 0x14: "credit not sufficient", 0x15: "incorrect PIN",
    0x16: "limit not sufficient", 0x17: "please wait", 0x18: "PIN try limit exceeded",
    0x19: "card data incorrect", 0x1A: "service mode", 0x1B: "approved, please fill up",
    0x1C: "approved, please take goods", 0x1D: "declined", 0x28: "currency selection",
    0x29: "language selection", 0x2C: "application selection",
    0x4B: "remove card", 0x68: "card inserted", 0xC8: "waiting for the cashier",
    0xE0: "waiting for application selection", 0xE1: "waiting for language selection",
    0xF1: "offline", 0xF2: "online", 0xF3: "offline transaction",
}


def parse_intermediate(data: bytes) -> str:
    """The cashier's text for an intermediate status: the terminal's own display text (TLV
    24/07) when it sends one, else the status code's meaning."""
    if not data:
        return "please wait"
    code = data[0]
    rest = data[1:]
    if rest and rest[0] != 0x06:
        rest = rest[1:]  # the optional timeout byte
    if rest[:1] == b"\x06":
        try:
            k, n = tlv_container_length(rest, 1)
            lines = [text(t.value) for t in find_all(parse_tlv(rest[1 + k:1 + k + n]), 0x07)]
        except ZvtFormatError:
            lines = []
        shown = " ".join(ln for ln in lines if ln)
        if shown:
            return shown
    if code in INTERMEDIATE_TEXTS:
        return INTERMEDIATE_TEXTS[code]
    if 0x41 <= code <= 0x5D and code - 0x40 in INTERMEDIATE_TEXTS:
        return INTERMEDIATE_TEXTS[code - 0x40] + ", remove card"
    return "please wait"


RECEIPT_TYPES = {1: "merchant", 2: "customer", 3: "administration"}


@dataclass(frozen=True)
class PrintLine:
    """Print Line (06 D1): ``<attribute> <text>`` [06 TLV with 1F07 receipt type]."""

    attribute: int
    text: str
    receipt_type: str = ""

    @property
    def last(self) -> bool:
        return bool(self.attribute & 0x80)  # 0x8x: the receipt's last line


def parse_print_line(data: bytes) -> PrintLine:
    if not data:
        raise ZvtFormatError("a print line without its attribute byte")
    body = data[1:]
    receipt = ""
    # A trailing TLV container (06 LL 1F 07 01 xx) names the copy on newer terminals.
    at = body.rfind(b"\x06")
    if at >= 0 and at + 2 <= len(body):
        try:
            k, n = tlv_container_length(body, at + 1)
            if at + 1 + k + n == len(body):
                objs = parse_tlv(body[at + 1 + k:])
                rt = next(find_all(objs, 0x1F07), None)
                if rt is not None and rt.value:
                    receipt = RECEIPT_TYPES.get(rt.value[0], "")
                    body = body[:at]
        except ZvtFormatError:
            pass
    return PrintLine(data[0], text(body) if body.strip(b"\x00") else "", receipt)


@dataclass(frozen=True)
class TextBlock:
    """Print Text-Block (06 D3): TLV 1F07 receipt type, 25 print texts (07 lines), 09 end."""

    receipt_type: str
    lines: tuple[str, ...]


def parse_text_block(data: bytes) -> TextBlock:
    b = parse_bmps(data)
    if 0x06 not in b:
        raise ZvtFormatError("a print text block without its TLV container")
    objs = parse_tlv(b[0x06])
    rt = next(find_all(objs, 0x1F07), None)
    kind = RECEIPT_TYPES.get(rt.value[0], "") if rt is not None and rt.value else ""
    lines = tuple(text(t.value) if t.value.strip(b"\x00") else ""
                  for t in find_all(objs, 0x07))
    return TextBlock(kind, lines)


# Result codes ("Error-Messages"); codes below 0x64 are the card issuer's answer.
RESULT_TEXTS = {
    0x00: "approved", 0x05: "declined by the card issuer", 0x33: "card expired",
    0x51: "credit not sufficient", 0x55: "incorrect PIN", 0x64: "card not readable",
    0x65: "card data not present", 0x66: "processing error", 0x6A: "turnover file full",
    0x6B: "function deactivated", 0x6C: "aborted (timeout or abort key)",
    0x6E: "card in blocked list", 0x6F: "wrong currency", 0x71: "credit not sufficient",
    0x72: "chip error", 0x73: "card data incorrect", 0x77: "end-of-day not possible",
    0x78: "card expired", 0x79: "card not yet valid", 0x7A: "card unknown",
    0x7D: "communication error", 0x83: "function not possible", 0x85: "key missing",
    0x89: "PIN pad defective", 0x9A: "ZVT protocol error", 0x9B: "communication fault",
    0x9C: "please wait", 0xA0: "receiver not ready", 0xA1: "remote station does not respond",
    0xA3: "no connection", 0xB1: "memory full", 0xB2: "merchant journal full",
    0xB4: "already reversed", 0xB5: "reversal not possible", 0xC3: "maximum amount exceeded",
    0xC5: "payment method not supported", 0xC6: "currency not applicable",
    0xC8: "amount too small", 0xCC: "printer not ready", 0xDC: "card inserted",
    0xE2: "card reader not answering", 0xEB: "function not executable",
    0xF0: "an end-of-day batch is open", 0xFE: "register unknown (wrong password?)",
    0xFF: "system error",
}
ABORTED_CODES = {0x6C}


def result_text(code: int) -> str:
    return RESULT_TEXTS.get(code, f"declined (result code {code:02X})")


@dataclass(frozen=True)
class Completion:
    """Completion (06 0F): the terminal is done and the ECR is master again."""

    software: str = ""  # after a status enquiry
    terminal_status: int | None = None
    terminal_id: str = ""
    result_code: int | None = None


def parse_completion(data: bytes) -> Completion:
    if data and data[0] & 0xF0 == 0xF0:  # a status enquiry's <sw-version LLLVAR> <status>
        n = read_var_length(data, 0, 3)
        sw = text(data[3:3 + n])
        rest = data[3 + n:]
        return Completion(software=sw, terminal_status=rest[0] if rest else None)
    b = parse_bmps(data)
    return Completion(terminal_id=unbcd(b[0x29]) if 0x29 in b else "",
                      result_code=b[0x27][0] if 0x27 in b else None)
