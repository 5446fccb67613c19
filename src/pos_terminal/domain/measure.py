"""Weights and volumes as people type and read them: "1,235" (kg), "1235g", "0,5 l", "500 ml".

Measured goods are kept in integer base units: grams for goods sold by weight (unit ``g``),
millilitres for goods sold by volume (``ml``). People say them in the big unit (kg, l) with
the store's decimal separator, or name the unit themselves. ``parse_measure`` turns what was
typed into base units and refuses, with a message a cashier understands, anything it would
have to guess:

- zero and negative amounts;
- more decimals than the base unit has ("1.2345 kg": a scale shows whole grams);
- a separator that may be a thousands separator: in a store that writes decimals with ".",
  "1,235" may be 1235 or 1.235, so it is refused with how to type either (and "1.235" the same
  in a store that writes "1,235"); the other separator is read as a decimal point only where
  it cannot be a thousands separator ("0,5" in a "." store);
- a unit of the wrong kind ("500 ml" of bananas).

A number without a unit is in ``default`` units: the big unit (kg / l) where a cashier types
a weight, the base unit where scripts always have (``pos-terminal sell CODEx1000`` is 1000 g).

``format_measure`` writes base units back the way the store reads them: "1,235 kg".
Why not Babel's ``parse_decimal``: it reads "1,235" in an English locale as 1235 — the very
guess a till must not make. Babel gives the store's decimal separator (config.py) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pos_terminal.errors import QuantityError

# Base units on one line: 1 t or 1 m³ — domain/cart.py's limit (tests/unit/test_measure.py keeps
# them equal). Not imported from there: config imports this module, and the cart would bring
# the promotions engine into every command's start-up (≈ 0.15 s).
MAX_MEASURED = 1_000_000


class Default(StrEnum):
    """What a number typed without a unit means."""

    BIG = "big"  # kg or l: what a cashier types at the weight prompt
    BASE = "base"  # g or ml: what a script passes as CODExQTY


@dataclass(frozen=True)
class Measure:
    """One measured unit: its base unit, its big unit and how many base units that is."""

    base: str  # "g" / "ml"
    big: str  # "kg" / "l"
    kind: str  # "weight" / "volume": how messages name it
    base_name: str  # "grams" / "millilitres"
    factor: int = 1000


MEASURES = {
    "g": Measure("g", "kg", "weight", "grams"),
    "ml": Measure("ml", "l", "volume", "millilitres"),
}
# base unit -> (big unit, base units in one, what it measures): a plain view of MEASURES
UNITS = {u: (m.big, m.factor, m.kind) for u, m in MEASURES.items()}
# Spellings a person may type, per base unit: each to its number of base units.
_UNITS = {
    "g": {"kg": 1000, "kilo": 1000, "kilos": 1000, "g": 1, "gr": 1},
    "ml": {"l": 1000, "lt": 1000, "ltr": 1000, "ml": 1},
}
_ALL_UNITS = sorted({u for units in _UNITS.values() for u in units}, key=len, reverse=True)
_TEXT = re.compile(
    r"^(?P<sign>[+-]?)\s*(?P<num>[0-9.,]*[0-9][0-9.,]*)\s*"
    r"(?P<unit>" + "|".join(_ALL_UNITS) + r")?$"
)


@dataclass(frozen=True)
class MeasureFormat:
    """How a store writes decimals: "." (1.235 kg) or "," (1,235 kg)."""

    decimal: str = "."

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ValueError(f"decimal separator must be '.' or ',', not {self.decimal!r}")

    @property
    def other(self) -> str:
        return "," if self.decimal == "." else "."

    def number(self, whole: int, frac: int, digits: int) -> str:
        return f"{whole}{self.decimal}{frac:0{digits}d}" if digits else str(whole)


DOT = MeasureFormat(".")


def measure_of(unit: str) -> Measure | None:
    """The measure of a product unit ("g", "ml"), None for goods sold by the piece."""
    return MEASURES.get(unit)


def example(unit: str, fmt: MeasureFormat = DOT) -> str:
    """How to type 1235 base units in the big unit, e.g. "1.235kg" / "1,235l"."""
    m = MEASURES[unit]
    return f"{fmt.number(1, 235, 3)}{m.big}"


def parse_measure(text: str, unit: str, fmt: MeasureFormat = DOT,
                  default: Default = Default.BIG) -> int:
    """What ``text`` says in base units of ``unit`` ("g" or "ml"); ``QuantityError`` with the
    cashier's reason otherwise (nothing to guess, never zero or negative)."""
    m = MEASURES.get(unit)
    if m is None:
        raise QuantityError(f"{unit!r} is not a weight or volume unit")
    raw = text.strip().lower()
    units = _UNITS[unit]
    shown = f"{example(unit, fmt)} or {1235}{m.base}"
    if not raw:
        raise QuantityError(f"type the {m.kind}, e.g. {shown}")
    match = _TEXT.match(raw)
    if match is None:
        raise QuantityError(f"{text.strip()!r} is not a {m.kind}: type it like {shown}")
    sign, num, typed_unit = match["sign"], match["num"], match["unit"]
    if typed_unit is None:
        per = m.factor if default is Default.BIG else 1
        unit_name = m.big if default is Default.BIG else m.base
    elif typed_unit in units:
        per = units[typed_unit]
        unit_name = m.big if per == m.factor else m.base
    else:
        want = " or ".join((m.big, m.base))
        other = next(o for o in MEASURES.values() if o is not m)
        raise QuantityError(
            f"{text.strip()!r}: this item is sold by {m.kind} ({want}), not by {other.kind}")
    value, decimals = _number(num, text.strip(), fmt, m, shown)
    if sign == "-" and value:
        raise QuantityError(f"a {m.kind} cannot be negative ({text.strip()}): "
                            "quantity must be positive")
    allowed = len(str(per)) - 1  # decimals of this unit that still make whole base units
    if decimals > allowed:
        if allowed:
            why = f"at most {allowed} (whole {m.base_name})"
        else:
            why = f"{m.base_name} are whole numbers; for decimals type {example(unit, fmt)}"
        raise QuantityError(f"{text.strip()} has too many decimals: {why}")
    base = int(value * per)
    if base <= 0:
        raise QuantityError(f"the {m.kind} must be more than 0 {unit_name}: "
                            "quantity must be positive")
    if base > MAX_MEASURED:
        biggest = MAX_MEASURED // m.factor
        said = text.strip() if typed_unit else f"{text.strip()} {unit_name}"
        raise QuantityError(f"{said} is too large (at most {biggest} {m.big} on one line); "
                            f"for {m.base_name} type {num}{m.base}")
    return base


def _number(num: str, text: str, fmt: MeasureFormat, m: Measure,
            shown: str) -> tuple[Decimal, int]:
    """The typed number and how many decimals it was typed with."""
    seps = [c for c in num if c in ".,"]
    if len(seps) > 1:
        raise QuantityError(
            f"{text!r}: type the {m.kind} with one decimal separator and no thousands "
            f"separator, like {shown}")
    whole, frac = num, ""
    if seps:
        sep = seps[0]
        whole, _, frac = num.partition(sep)
        if sep == fmt.other and len(frac) == 3 and whole.lstrip("0"):
            # "1,235" where decimals are written "1.235": a thousands separator or a decimal
            # comma? Both readings are plausible; a till must not pick one.
            w = whole.lstrip("0")
            raise QuantityError(
                f"{text!r} is ambiguous: this store writes decimals with '{fmt.decimal}', so "
                f"'{sep}' may be a thousands separator. Type {w}{fmt.decimal}{frac}{m.big} or "
                f"{w}{frac}{m.base}")
    digits = (whole or "0") + ("." + frac if frac else "")
    return Decimal(digits), len(frac)


def format_measure(qty: int, unit: str, fmt: MeasureFormat = DOT, *, big: bool = True) -> str:
    """Base units as the store reads them: 1235 g → "1.235 kg" or "1,235 kg" (``big``), or
    "1235 g"; pieces as a bare number."""
    m = MEASURES.get(unit)
    if m is None:
        return str(qty) if unit == "each" else f"{qty} {unit}"
    if not big:
        return f"{qty} {m.base}"
    sign = "-" if qty < 0 else ""
    whole, frac = divmod(abs(qty), m.factor)
    return f"{sign}{fmt.number(whole, frac, len(str(m.factor)) - 1)} {m.big}"


def format_quantity(qty: int, unit: str, fmt: MeasureFormat = DOT) -> str:
    """A line's quantity: pieces as is, measured goods in kg / l with three decimals."""
    return format_measure(qty, unit, fmt)


__all__ = [
    "DOT", "MAX_MEASURED", "MEASURES", "UNITS", "Default", "Measure", "MeasureFormat", "example",
    "format_measure", "format_quantity", "measure_of", "parse_measure",
]
