"""What a scanner frame means: AIM prefix, GTIN, GS1-128 element strings, in-store codes.

Pure (biip only), so the serial worker, the keyboard-wedge path, the doctor and the tests share
one interpretation:

- ``interpret_scan(text, rules, aim)`` turns the text of one frame into a ``ScanCode`` (the
  barcode keys to look up plus what the code itself carries: lot, expiry, weight, price,
  count) or raises ``BarcodeError`` with the reason a cashier understands ("bad check digit",
  "not a barcode"). A code that fails any check digit never yields a look-up key.
- ``frame_from_bytes`` / ``frame_from_text`` wrap that into a ``ScanFrame`` that never raises:
  garbage becomes a frame with ``error`` set, so a reader thread can report it and go on.

Price- and weight-embedded in-store codes (RCN, prefixes 02 and 20-29) are read with biip's
regional rules (``rcn_region``) or with the store's own ``RcnRule`` patterns, which win over the
region. Such a code is looked up by the code with its variable part zeroed (the form a product
keeps in the catalog, e.g. ``2812340000002``) and then by its item reference (a PLU stored as a
barcode). Weights are integer grams, prices integer minor units, never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from biip import BiipException, ParseConfig, ParseError
from biip.checksums import gs1_price_weight_check_digit, gs1_standard_check_digit
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin, GtinFormat
from biip.rcn import Rcn, RcnRegion, RcnUsage
from biip.symbology import GS1Symbology, SymbologyIdentifier
from biip.upc import Upc

from pos_terminal.domain.barcode import interpret
from pos_terminal.errors import BarcodeError

GS = "\x1d"  # what scanners send for FNC1 inside a GS1-128 code
MAX_TEXT = 128  # longest frame text we interpret (GS1 element strings stay well below)
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
    """A GTIN or an embedded weight/price failed its check digit."""


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
    if GS in body or _gs1_symbology(symbology):
        return _gs1(body.lstrip(GS), symbology, rules)
    if symbology and symbology[1] == "E" and body.isdigit() and len(body) == 8:
        # The AIM identifier settles what 8 digits are: ]E4 is EAN-8, ]E0 a UPC-E.
        return _ean_upc(body, symbology, rules, upc_e=symbology[2] == "0")
    if body.isdigit() and len(body) in (8, 12, 13, 14):
        return _ean_upc(body, symbology, rules, upc_e=None)
    if body.startswith("]"):  # AIM off, or not a valid identifier: "]" is not in any code
        raise BarcodeError(f"{body[:40]!r} is not a barcode or SKU")
    scan = interpret(body)  # an internal code: its own key (or "not a barcode")
    return ScanCode(scan.raw, scan.keys, symbology)


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
def _gs1_symbology(symbology: str | None) -> bool:
    if symbology is None:
        return False
    try:
        ident = SymbologyIdentifier.extract(symbology)
    except (ParseError, ValueError):
        return False
    return ident.gs1_symbology in GS1Symbology.with_gs1_messages()


def _printed(g: Gtin) -> str:
    return {
        GtinFormat.GTIN_8: g.as_gtin_8, GtinFormat.GTIN_12: g.as_gtin_12,
        GtinFormat.GTIN_13: g.as_gtin_13,
    }.get(g.format, g.as_gtin_14)()


def _ean_upc(digits: str, symbology: str | None, rules: BarcodeRules,
             upc_e: bool | None) -> ScanCode:
    bad = f"{digits}: bad check digit; scan again or type it carefully"
    if upc_e is None:
        # No AIM hint: the same reading as catalog import, so the keys match stored ones
        # (8 digits are tried as EAN-8 and as UPC-E).
        scan = interpret(digits)
        if scan.bad_check_digit or scan.gtin is None:
            raise CheckDigitError(bad)
        gtin, keys = scan.gtin, scan.keys
    else:
        try:
            g = Gtin.parse(Upc.parse(digits).as_upc_a() if upc_e else digits)
        except ParseError as exc:
            raise CheckDigitError(bad) from exc
        gtin, keys = _printed(g), (g.as_gtin_14(),)
    embedded = _rcn(gtin, rules)
    if embedded is not None:
        return _with_symbology(embedded, digits, symbology)
    return ScanCode(digits, keys, symbology, gtin)


def _with_symbology(code: ScanCode, text: str, symbology: str | None) -> ScanCode:
    return ScanCode(text, code.keys, symbology, code.gtin, code.lot, code.expiry, code.weight_g,
                    code.price, code.count, code.plu, code.variable)


def _gs1(body: str, symbology: str | None, rules: BarcodeRules) -> ScanCode:
    try:
        msg = GS1Message.parse(body, config=ParseConfig())
    except (ParseError, ValueError) as exc:
        raise BarcodeError("not a readable GS1 code; scan again") from exc
    es = msg.element_strings
    ai01 = es.get(ai="01")
    if ai01 is None:
        raise BarcodeError("this GS1 code has no product number (AI 01); scan the other barcode")
    if ai01.gtin is None:
        raise CheckDigitError(f"{ai01.value}: bad check digit; scan again")
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
        raise CheckDigitError(f"{gtin}: bad check digit; scan the label again") from exc
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
            raise CheckDigitError(f"{gtin}: bad check digit; scan the label again")
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
    "RcnRule", "ScanCode", "ScanFrame", "frame_from_bytes", "frame_from_text",
    "interpret_scan", "split_aim",
]
