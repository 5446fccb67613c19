"""What a scanner frame means: AIM prefix, GTIN, GS1-128 element strings, in-store codes.

Pure (biip only), so the serial worker, the keyboard-wedge path, the doctor and the tests share
one interpretation:

- ``interpret_scan(text, rules, aim)`` turns the text of one frame into a ``ScanCode`` (the
  barcode keys to look up plus what the code itself carries: lot, expiry, weight, price,
  count) or raises ``BarcodeError`` with the reason a cashier understands ("bad check digit",
  "not a barcode"). A code that fails any check digit never yields a look-up key.
- ``frame_from_bytes`` / ``frame_from_text`` wrap that into a ``ScanFrame`` that never raises:
  garbage becomes a frame with ``error`` set, so a reader thread can report it and go on.

The AIM symbology identifier (ISO/IEC 15424; GS1 General Specifications 5.1.2 / 5.4.x), when the
scanner sends one, is honoured: it says which symbology was read, and the data must be what that
symbology can carry. A frame that breaks its declared symbology is refused, never looked up as an
internal code, SKU or PLU:

========  ====================================  ===============================================
 prefix    symbology                             the data must be
========  ====================================  ===============================================
 ``]E0``   EAN-13, UPC-A or UPC-E                13 digits (EAN-13, UPC-A with a leading 0),
                                                 12 (UPC-A) or 8 (UPC-E, number system 0/1);
                                                 check digit verified
 ``]E1``   the 2-digit add-on alone              refused: scan the main barcode with it
 ``]E2``   the 5-digit add-on alone              refused, likewise
 ``]E3``   EAN-13/UPC-A/UPC-E with an add-on     13 digits + 2 or 5 add-on digits (15 or 18;
                                                 a UPC-A's 12 + 2 or 5 when its first 13 are
                                                 no EAN-13); the GTIN's check digit verified,
                                                 the add-on (issue number, book price) kept
                                                 in ``addon``
 ``]E4``   EAN-8                                 8 digits, check digit verified
 ``]I1``   ITF-14                                14 digits, check digit verified
 ``]C1``   GS1-128                               GS1 element strings with AI 01
 ``]e0``   GS1 DataBar (``]e1``-``]e3`` composite) GS1 element strings with AI 01
 ``]d2``   GS1 DataMatrix                        GS1 element strings with AI 01
 ``]Q3``   GS1 QR Code                           GS1 element strings with AI 01
 ``]J1``   GS1 DotCode                           GS1 element strings with AI 01
 others    Code 128 ``]C0``, Code 39 ``]A0``,    the data as printed (those symbologies check
           QR ``]Q1``, DataMatrix ``]d1``,       themselves): an internal code, or a GTIN when
           ITF ``]I0``, ``]X…`` other…           it is one; a GS1 Digital Link URI in a QR or
                                                 DataMatrix is read for its AI 01
========  ====================================  ===============================================

An identifier whose symbology character ISO/IEC 15424 does not define is refused (a scanner
misconfigured, or noise). Without an identifier, digits of a GTIN's length must pass the check
digit (a typed code may still be a SKU: ``services/catalog.resolve_scan`` decides).

Price- and weight-embedded in-store codes (RCN, prefixes 02 and 20-29) are read with biip's
regional rules (``rcn_region``) or with the store's own ``RcnRule`` patterns, which win over the
region. Such a code is looked up by the code with its variable part zeroed (the form a product
keeps in the catalog, e.g. ``2812340000002``) and then by its item reference (a PLU stored as a
barcode). Weights are integer grams, prices integer minor units, never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from biip import BiipException, ParseConfig, ParseError
from biip.checksums import gs1_price_weight_check_digit, gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin, GtinFormat
from biip.rcn import Rcn, RcnRegion, RcnUsage
from biip.symbology import ISOSymbology
from biip.upc import Upc

from pos_protocol.barcode import interpret
from pos_terminal.errors import BarcodeError

GS = "\x1d"  # what scanners send for FNC1 inside a GS1-128 code
MAX_TEXT = 256  # longest frame text we interpret (GS1 element strings, Digital Link URIs)
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_PRINTABLE = re.compile(r"^[\x20-\x7e\x1d]*$")
_RULE_CHARS = frozenset("0123456789IWPNC")
RCN_REGIONS = tuple(r.value for r in RcnRegion)


class AimMode(StrEnum):
    """Whether frames carry an AIM symbology identifier (``]E0``, ``]C1``…) in front."""

    AUTO = "auto"  # strip one when present
    REQUIRED = "required"  # a frame without one is an error (scanner misconfigured)
    OFF = "off"  # never strip: a leading "]" is part of the data


class CheckDigitError(BarcodeError):
    """A GTIN or an embedded weight/price failed its check digit.

    ``declared``: the scanner's AIM identifier said the symbology carries a GTIN, so the code
    cannot be anything else (a typed code with a bad check digit may still be a SKU).
    """

    def __init__(self, message: str, declared: bool = False) -> None:
        super().__init__(message)
        self.declared = declared


class SymbologyError(BarcodeError):
    """The data cannot be what the AIM identifier says was scanned (7 digits after ``]E0``)."""


# Symbologies by what their data may be (ISO/IEC 15424 code character + modifier).
_EAN_MODIFIERS = frozenset("01234")
_GS1_ONLY = frozenset({"]C1", "]e0", "]e1", "]e2", "]e3", "]d2", "]Q3", "]J1"})
_GTIN_SYMBOLOGIES = frozenset({"]I1"})  # ITF-14: a GTIN-14 and nothing else
# ISO/IEC 15424's code characters, plus those AIM assigned since (J DotCode, g Grid Matrix,
# h Han Xin), which biip's table lacks.
_ISO_CHARS = frozenset(s.value for s in ISOSymbology) | frozenset("Jgh")


def declares_gtin(symbology: str | None) -> bool:
    """True when the AIM identifier names a symbology that carries a GTIN and nothing else
    (EAN/UPC, ITF-14, the GS1 ones): such a code is never looked up as a SKU or PLU."""
    return symbology is not None and (
        symbology[1] == "E" or symbology in _GS1_ONLY or symbology in _GTIN_SYMBOLOGIES)


@dataclass(frozen=True)
class RcnRule:
    """A store's own layout of a price/weight-embedded code (``[barcodes] rcn_rule``).

    The spec covers the 13-digit form of the code without its final GTIN check digit (a 12-digit
    UPC-A is read with a leading 0), one character per digit; ``-`` and spaces may be used to
    group and are ignored:

    - ``0``-``9``: a fixed digit the code must have there; the first two must be 02 or 20-29;
    - ``I``: item reference (the PLU), at least one;
    - exactly one run of ``W`` (weight in grams), ``P`` (price in minor units) or ``N``
      (count in pieces);
    - optionally one ``C``: the GS1 price/weight check digit of a 4- or 5-digit value.

    Example: ``"21-IIIII-PPPPP"`` is prefix 21, a 5-digit PLU and the price in cents;
    ``"02-IIIII-C-PPPP"`` is the US UPC-A price label ``2 IIIII C PPPP``.
    """

    spec: str
    fixed: tuple[tuple[int, str], ...]
    item: tuple[int, int]  # slice bounds of the item reference
    value: tuple[int, int]
    measure: str  # "W" | "P" | "N"
    check: int | None  # index of the value's check digit

    @classmethod
    def parse(cls, spec: str) -> RcnRule:
        """Parse a spec; raises ``ValueError`` saying what is wrong with it."""
        pattern = spec.replace("-", "").replace(" ", "").upper()
        if len(pattern) != 12 or not set(pattern) <= _RULE_CHARS:
            raise ValueError(
                "expected 12 characters of 0-9, I, W, P, N or C (the 13-digit code without "
                "its check digit), e.g. \"21-IIIII-PPPPP\""
            )
        if not (pattern[:2] == "02" or (pattern[0] == "2" and pattern[1].isdigit())):
            raise ValueError("must start with the fixed in-store prefix 02 or 20-29")
        item = _run(pattern, "I")
        measures = [m for m in "WPN" if m in pattern]
        if item is None or len(measures) != 1:
            raise ValueError("needs one run of I (item reference) and one run of W, P or N")
        value = _run(pattern, measures[0])
        assert value is not None
        check: int | None = None
        if "C" in pattern:
            if pattern.count("C") != 1 or value[1] - value[0] not in (4, 5):
                raise ValueError("C is one check digit for a 4- or 5-digit value")
            check = pattern.index("C")
        fixed = tuple((i, ch) for i, ch in enumerate(pattern) if ch.isdigit())
        return cls(spec, fixed, item, value, measures[0], check)

    def matches(self, code13: str) -> bool:
        return all(code13[i] == ch for i, ch in self.fixed)


def _run(pattern: str, ch: str) -> tuple[int, int] | None:
    if ch not in pattern:
        return None
    start, end = pattern.index(ch), pattern.rindex(ch) + 1
    if pattern[start:end] != ch * (end - start):
        raise ValueError(f"the {ch} digits must be next to each other")
    return start, end


@dataclass(frozen=True)
class BarcodeRules:
    """How this store reads in-store codes (``[barcodes]`` in config.toml)."""

    rcn_region: str | None = None  # one of RCN_REGIONS (biip's regional rules)
    rcn_rules: tuple[RcnRule, ...] = ()
    currency_exponent: int = 2  # to turn an embedded price into minor units


DEFAULT_RULES = BarcodeRules()


@dataclass(frozen=True)
class ScanCode:
    """A usable code: the keys to look it up by and what the code itself carries."""

    text: str  # the code without AIM prefix and surrounding blanks (GS kept)
    keys: tuple[str, ...]  # barcode look-up keys, best first
    symbology: str | None = None  # AIM identifier, e.g. "]E0"
    gtin: str | None = None  # the decoded GTIN in its printed form (13 digits for EAN-13…)
    lot: str | None = None
    expiry: date | None = None
    weight_g: int | None = None
    price: int | None = None  # minor units of the store's currency
    count: int | None = None
    plu: str | None = None  # item reference of a price/weight-embedded code
    variable: bool = False  # a price/weight-embedded code (keys are its zeroed form and PLU)
    addon: str | None = None  # an EAN/UPC add-on (]E3): a periodical's issue, a book's price

    @property
    def internal(self) -> bool:
        """May be an internal code (SKU): no symbology declared it a GTIN, and not a label."""
        return not self.variable and not declares_gtin(self.symbology)

    @property
    def embedded(self) -> bool:
        return self.weight_g is not None or self.price is not None or self.count is not None


@dataclass(frozen=True)
class ScanFrame:
    """One frame from a scanner, garbage included; exactly one of ``code``/``error`` is set."""

    raw: bytes
    text: str | None = None  # decoded text without the suffix (None when undecodable)
    symbology: str | None = None
    code: ScanCode | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is not None

    @classmethod
    def failed(cls, raw: bytes, reason: str, text: str | None = None) -> ScanFrame:
        return cls(raw, text, None, None, reason)

    def as_dict(self) -> dict[str, object]:
        """The frame as ``doctor scanner`` prints it (``gtin`` is the only GTIN-named key)."""
        c = self.code
        return {
            "raw": self.raw.decode("utf-8", "backslashreplace"),
            "symbology": self.symbology,
            "code": c.text if c else None,
            "gtin": c.gtin if c else None,
            "lot": c.lot if c else None,
            "expiry": c.expiry.isoformat() if c and c.expiry else None,
            "weight_g": c.weight_g if c else None,
            "price_minor": c.price if c else None,
            "count": c.count if c else None,
            "plu": c.plu if c else None,
            "addon": c.addon if c else None,
            "error": self.error,
        }


def split_aim(text: str, aim: AimMode = AimMode.AUTO) -> tuple[str | None, str]:
    """(AIM identifier or None, the rest) according to the scanner's AIM setting."""
    if aim is not AimMode.OFF and _AIM.match(text):
        return text[:3], text[3:]
    if aim is AimMode.REQUIRED:
        raise BarcodeError(
            "no AIM symbology identifier (]E0, ]C1…) in front of the code; turn AIM "
            "identifiers on in the scanner or set [scanner] aim = \"auto\""
        )
    return None, text


def interpret_scan(
    text: str, rules: BarcodeRules = DEFAULT_RULES, aim: AimMode = AimMode.AUTO
) -> ScanCode:
    """Interpret the text of one frame (or a typed code); raises ``BarcodeError`` with the reason.

    GS1 element strings are read when the AIM identifier names a GS1 symbology (``]C1``,
    ``]e0``, ``]d2``, ``]Q3``) or the text holds a GS (FNC1); otherwise the code is a GTIN
    (EAN-8/13, UPC-A/E, GTIN-14, in-store codes) or an internal code (SKU, PLU).
    """
    try:
        return _interpret(text, rules, aim)
    except BarcodeError:
        raise
    except (BiipException, ValueError, ArithmeticError) as exc:
        # A safety net: whatever biip refuses is a code the cashier cannot use.
        raise BarcodeError("not a barcode this register can read; scan again") from exc


def _interpret(text: str, rules: BarcodeRules, aim: AimMode) -> ScanCode:
    if len(text) > MAX_TEXT:
        raise BarcodeError(f"not a barcode: {len(text)} characters is too long")
    if not _PRINTABLE.match(text.strip(" \t")):
        raise BarcodeError("not a barcode: it holds control or non-ASCII characters")
    symbology, body = split_aim(text.strip(" \t"), aim)
    body = body.strip(" ")
    if not body.strip(GS):
        raise BarcodeError("empty code; scan again or type the barcode")
    if symbology is not None:
        return _declared(symbology, body, rules)
    if GS in body:
        return _gs1(_gs1_message(body.lstrip(GS)), body.lstrip(GS), None, rules)
    if body.isdigit() and len(body) in (8, 12, 13, 14):
        return _ean_upc(body, None, rules, upc_e=None)
    if body.startswith("]"):  # AIM off, or not a valid identifier: "]" is not in any code
        raise BarcodeError(f"{body[:40]!r} is not a barcode or SKU")
    if _is_digital_link(body):
        return _digital_link(body, None, rules)
    scan = interpret(body)  # an internal code: its own key (or "not a barcode")
    return ScanCode(scan.raw, scan.keys, None)


def _declared(symbology: str, body: str, rules: BarcodeRules) -> ScanCode:
    """A code whose symbology the scanner named: the data must be what that symbology holds."""
    if symbology[1] not in _ISO_CHARS:
        raise SymbologyError(
            f"unknown symbology identifier {symbology}: not a barcode; check the scanner's "
            "AIM setting")
    if symbology[1] == "E":
        return _ean_declared(symbology, body, rules)
    if symbology in _GS1_ONLY:  # element strings (a Digital Link URI goes in a plain ]Q1/]d1)
        return _gs1(_gs1_message(body.lstrip(GS)), body.lstrip(GS), symbology, rules)
    if symbology == "]I1":
        if not (body.isdigit() and len(body) == 14):
            raise SymbologyError(_not_a("ITF-14", body, "an ITF-14 has 14 digits"))
        return _ean_upc(body, symbology, rules, upc_e=False)
    # Code 128, Code 39, QR, DataMatrix, ITF, "other"...: the data as printed.
    if _is_digital_link(body):
        return _digital_link(body, symbology, rules)
    if GS in body:
        raise BarcodeError(f"{symbology} code with a field separator: not a product code; "
                           "scan the product's EAN or GS1 barcode")
    scan = interpret(body)
    if scan.gtin is not None and len(body) in (8, 12, 13, 14):
        # A GTIN printed in a non-GTIN symbology: the GTIN first, then the code as printed.
        return ScanCode(body, tuple(dict.fromkeys((*scan.keys, body))), symbology, scan.gtin)
    return ScanCode(body, (body,), symbology)


def _not_a(what: str, body: str, want: str) -> str:
    shown = body if len(body) <= 24 else body[:21] + "..."
    got = ("letters or symbols" if not body.isdigit()
           else f"{len(body)} digit{'s' if len(body) != 1 else ''}")
    return (f"{shown}: not a valid {what} barcode ({got}; {want}); scan again or type the "
            "number under the barcode")


# ISO/IEC 15424, EAN/UPC modifiers: what each data packet may hold (digits).
_EAN_LENGTHS = {"0": (8, 12, 13), "3": (14, 15, 17, 18), "4": (8,)}
_EAN_NAMES = {"0": ("EAN/UPC", "an EAN-13 has 13 digits, a UPC-A 12, a UPC-E 8"),
              "3": ("EAN/UPC with add-on", "13 digits and a 2- or 5-digit add-on"),
              "4": ("EAN-8", "an EAN-8 has 8 digits")}


def _ean_declared(symbology: str, body: str, rules: BarcodeRules) -> ScanCode:
    mod = symbology[2]
    if mod in ("1", "2"):
        n = "2" if mod == "1" else "5"
        raise SymbologyError(
            f"only the {n}-digit add-on of a barcode was read; scan the main barcode (the "
            "larger one on the left) together with it")
    if mod not in _EAN_MODIFIERS:
        raise SymbologyError(
            f"unknown EAN/UPC identifier {symbology}: not a barcode; check the scanner's AIM "
            "setting")
    name, want = _EAN_NAMES[mod]
    if not body.isdigit() or len(body) not in _EAN_LENGTHS[mod]:
        raise SymbologyError(_not_a(name, body, want))
    if mod == "3":
        main, addon = _main_and_addon(body)
        if main is None:
            raise SymbologyError(_not_a(name, body, want))
        code = _ean_upc(main, symbology, rules, upc_e=False)
        return replace(code, addon=addon)  # text: the main code, so it reads back alone
    return _ean_upc(body, symbology, rules, upc_e=len(body) == 8 and mod == "0")


def _main_and_addon(body: str) -> tuple[str | None, str]:
    """Split an ]E3 packet: EAN-13 + 2 or 5 (the GS1 form, 15 or 18 digits), or a UPC-A sent in
    its 12-digit form + 2 or 5 (14 or 17, as many scanners do). 14 and 17 digits are read as a
    UPC-A only when the first 13 are not a valid EAN-13 (then it is an EAN-13 with a 1- or
    4-digit add-on, which does not exist): the check digits settle it."""
    if len(body) in (15, 18):
        return body[:13], body[13:]
    if _mod10(body[:13]):
        return None, ""  # a valid EAN-13 and an add-on of the wrong length
    return body[:12], body[12:]


def _mod10(digits: str) -> bool:
    return gs1_standard_check_digit(digits[:-1]) == int(digits[-1])


def _is_digital_link(body: str) -> bool:
    return body[:8].lower().startswith(("http://", "https://"))


def _digital_link(body: str, symbology: str | None, rules: BarcodeRules) -> ScanCode:
    """A GS1 Digital Link URI (``https://id.gs1.org/01/…``): its AI 01, lot and expiry."""
    try:
        msg = GS1DigitalLinkURI.parse(body).as_gs1_message()
    except (ParseError, ValueError) as exc:
        raise BarcodeError("a web address, not a product barcode; scan the product's "
                           "barcode") from exc
    return _gs1(msg, body, symbology, rules)


def frame_from_text(
    text: str, rules: BarcodeRules = DEFAULT_RULES, aim: AimMode = AimMode.AUTO,
    raw: bytes | None = None,
) -> ScanFrame:
    """A frame from decoded text (a keyboard-wedge scan); never raises."""
    data = text.encode("utf-8", "surrogateescape") if raw is None else raw
    stripped = text.strip(" \t")
    # Shown even when the code is refused: "]E0 with a bad check digit" helps an installer.
    symbology = stripped[:3] if aim is not AimMode.OFF and _AIM.match(stripped) else None
    try:
        code = interpret_scan(text, rules, aim)
    except BarcodeError as exc:
        return ScanFrame(data, text, symbology, None, exc.message)
    return ScanFrame(data, text, symbology, code, None)


def frame_from_bytes(
    raw: bytes, rules: BarcodeRules = DEFAULT_RULES, aim: AimMode = AimMode.AUTO
) -> ScanFrame:
    """A frame from the bytes between two suffixes (a serial scanner); never raises."""
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError:
        return ScanFrame.failed(raw, "not a barcode: the scanner sent bytes that are not text "
                                     "(check baud rate and parity)")
    return frame_from_text(text, rules, aim, raw)


# -- internals --------------------------------------------------------------------------------
def _printed(g: Gtin) -> str:
    return {
        GtinFormat.GTIN_8: g.as_gtin_8, GtinFormat.GTIN_12: g.as_gtin_12,
        GtinFormat.GTIN_13: g.as_gtin_13,
    }.get(g.format, g.as_gtin_14)()


def _ean_upc(digits: str, symbology: str | None, rules: BarcodeRules,
             upc_e: bool | None) -> ScanCode:
    declared = symbology is not None
    bad = f"{digits}: bad check digit; scan again or type it carefully"
    if not digits.strip("0"):
        raise CheckDigitError(f"{digits}: not a product number; scan again", declared)
    if upc_e is None:
        # No AIM hint: the same reading as catalog import, so the keys match stored ones
        # (8 digits are tried as EAN-8 and as UPC-E).
        scan = interpret(digits)
        if scan.bad_check_digit or scan.gtin is None:
            raise CheckDigitError(bad, declared)
        gtin, keys = scan.gtin, scan.keys
    else:
        try:
            g = Gtin.parse(Upc.parse(digits).as_upc_a() if upc_e else digits)
        except ParseError as exc:
            raise CheckDigitError(bad, declared) from exc
        gtin, keys = _printed(g), (g.as_gtin_14(),)
    embedded = _rcn(gtin, rules)
    if embedded is not None:
        return _with_symbology(embedded, digits, symbology)
    return ScanCode(digits, keys, symbology, gtin)


def _with_symbology(code: ScanCode, text: str, symbology: str | None) -> ScanCode:
    return replace(code, text=text, symbology=symbology)


def _gs1_message(body: str) -> GS1Message:
    try:
        return GS1Message.parse(body, config=ParseConfig())
    except (ParseError, ValueError) as exc:
        raise BarcodeError("not a readable GS1 code; scan again") from exc


def _gs1(msg: GS1Message, body: str, symbology: str | None, rules: BarcodeRules) -> ScanCode:
    es = msg.element_strings
    ai01 = es.get(ai="01")
    if ai01 is None:
        raise BarcodeError("this GS1 code has no product number (AI 01); scan the other barcode")
    if ai01.gtin is None or not ai01.value.strip("0"):
        raise CheckDigitError(f"{ai01.value}: bad check digit; scan again", declared=True)
    gtin = _printed(ai01.gtin)
    base = _rcn(gtin, rules) or ScanCode(body, (ai01.gtin.as_gtin_14(),), symbology, gtin)
    lot = es.get(ai="10")
    expiry = es.get(ai="17")
    weight_g, price = base.weight_g, base.price
    for e in es:
        if e.ai.ai.startswith("310") and e.decimal is not None:  # net weight, kg
            weight_g = int((e.decimal * 1000).quantize(Decimal(1), ROUND_HALF_UP))
        elif e.ai.ai.startswith("392") and e.decimal is not None:  # amount payable
            price = _minor(e.decimal, rules.currency_exponent)
    return ScanCode(
        body, base.keys, symbology, gtin, lot.value if lot else None,
        expiry.date if expiry else None, weight_g, price, base.count, base.plu, base.variable,
    )


def _minor(amount: Decimal, exponent: int) -> int:
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise BarcodeError(f"price {amount} has more decimals than the store's currency")
    return int(minor)


def _rcn(gtin: str, rules: BarcodeRules) -> ScanCode | None:
    """The price/weight-embedded reading of an in-store code, or None for a fixed code."""
    if len(gtin) not in (12, 13) or not (rules.rcn_rules or rules.rcn_region):
        return None
    code13 = gtin.zfill(13)
    if not (code13[:2] == "02" or code13[0] == "2"):
        return None
    for rule in rules.rcn_rules:
        if rule.matches(code13):
            return _custom(gtin, code13, rule)
    if rules.rcn_region is None:
        return None
    try:
        g = Gtin.parse(code13, config=ParseConfig(rcn_region=rules.rcn_region))
    except ParseError as exc:  # the weight/price check digit inside the code failed
        raise CheckDigitError(f"{gtin}: bad check digit; scan the label again", True) from exc
    if not isinstance(g, Rcn) or g.usage != RcnUsage.GEOGRAPHICAL:
        return None
    if g.weight is None and g.price is None and g.count is None:
        return None  # the region has no variable-measure rule for this prefix
    weight_g = None
    if g.weight is not None:
        weight_g = int((g.weight * 1000).quantize(Decimal(1), ROUND_HALF_UP))
    price = _minor(g.price, rules.currency_exponent) if g.price is not None else None
    zeroed = g.without_variable_measure().as_gtin_14()
    plu = g.item_reference
    return ScanCode(gtin, _keys(zeroed, plu), None, gtin, weight_g=weight_g, price=price,
                    count=g.count, plu=plu, variable=True)


def _custom(gtin: str, code13: str, rule: RcnRule) -> ScanCode:
    a, b = rule.value
    value = code13[a:b]
    digits = list(code13[:12])
    if rule.check is not None:
        if int(code13[rule.check]) != gs1_price_weight_check_digit(value):
            raise CheckDigitError(f"{gtin}: bad check digit; scan the label again", True)
        digits[rule.check] = str(gs1_price_weight_check_digit("0" * (b - a)))
    digits[a:b] = "0" * (b - a)
    payload = "".join(digits)
    zeroed = (payload + str(gs1_standard_check_digit(payload))).zfill(14)
    plu = code13[rule.item[0]:rule.item[1]]
    n = int(value)
    return ScanCode(
        gtin, _keys(zeroed, plu), None, gtin,
        weight_g=n if rule.measure == "W" else None,
        price=n if rule.measure == "P" else None,
        count=n if rule.measure == "N" else None,
        plu=plu, variable=True,
    )


def _keys(zeroed: str, plu: str | None) -> tuple[str, ...]:
    keys = [zeroed]
    for k in (plu, plu.lstrip("0") if plu else None):
        if k and k not in keys:
            keys.append(k)
    return tuple(keys)


__all__ = [
    "DEFAULT_RULES", "GS", "RCN_REGIONS", "AimMode", "BarcodeRules", "CheckDigitError",
    "RcnRule", "ScanCode", "ScanFrame", "SymbologyError", "declares_gtin", "frame_from_bytes",
    "frame_from_text", "interpret_scan", "split_aim",
]
