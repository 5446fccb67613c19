"""The catalog CSV format (one row per sellable product or variant), parsed and checked.

Columns: sku, name, variant, group, department, vendor, tax_class, unit, price, price_per,
cost, barcodes, reorder_point, par_level, min_age, max_per_sale [, stock].
``barcodes`` holds entries separated by ``|``: ``CODE`` (a unit), ``CODE*N`` (a pack of N)
or ``CODE*N=PRICE`` (a pack with its own price). Prices are decimal amounts ("1.29").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pos_terminal.domain.barcode import normalise, strip_code
from pos_terminal.domain.money import Currency
from pos_terminal.errors import InputError

REQUIRED = ("sku", "name", "tax_class", "price")
COLUMNS = (
    "sku", "name", "variant", "group", "department", "vendor", "tax_class", "unit", "price",
    "price_per", "cost", "barcodes", "reorder_point", "par_level", "min_age", "max_per_sale",
    "stock",
)
UNITS = ("each", "g", "ml")


@dataclass(frozen=True)
class BarcodeSpec:
    code: str
    key: str
    multiplier: int = 1
    pack_price: int | None = None


@dataclass(frozen=True)
class ProductSpec:
    line: int
    sku: str
    name: str
    variant: str
    group: str
    department: str
    vendor: str
    tax_class: str
    unit: str
    price: int
    price_per: int
    cost: int | None
    barcodes: tuple[BarcodeSpec, ...]
    reorder_point: int | None
    par_level: int | None
    min_age: int | None
    max_per_sale: int | None
    stock: int | None


class CatalogFileError(InputError):
    """Every problem found in a catalog file, one per line, with line numbers."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:20]
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"catalog not imported ({len(problems)} problem(s)):\n" + "\n".join(shown) + more
        )
        self.problems = problems


def parse(text: str, currency: Currency, tax_codes: set[str]) -> list[ProductSpec]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogFileError([f"line 1: missing column(s) {', '.join(missing)}"])
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise CatalogFileError([f"line 1: unknown column(s) {', '.join(unknown)}"])
    reader.fieldnames = header
    specs: list[ProductSpec] = []
    problems: list[str] = []
    skus: dict[str, int] = {}
    keys: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            spec = _row(row, line, currency, tax_codes)
        except InputError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if spec.sku in skus:
            problems.append(f"line {line}: sku {spec.sku} already on line {skus[spec.sku]}")
            continue
        skus[spec.sku] = line
        for b in spec.barcodes:
            if b.key in keys:
                problems.append(f"line {line}: barcode {b.code} already on line {keys[b.key]}")
            keys[b.key] = line
        specs.append(spec)
    if problems:
        raise CatalogFileError(problems)
    if not specs:
        raise CatalogFileError(["the file holds no products"])
    return specs


def _row(row: dict[str, str | None], line: int, cur: Currency, tax_codes: set[str]) -> ProductSpec:
    def get(name: str) -> str:
        return (row.get(name) or "").strip()

    for c in REQUIRED:
        if not get(c):
            raise InputError(f"{c} is empty")
    sku = get("sku")
    if len(sku) > 32 or not sku.isprintable():
        raise InputError(f"sku {sku!r} is not usable (32 printable characters at most)")
    tax = get("tax_class")
    if tax not in tax_codes:
        raise InputError(f"tax_class {tax!r} is not one of {', '.join(sorted(tax_codes))}")
    unit = get("unit") or "each"
    if unit not in UNITS:
        raise InputError(f"unit {unit!r} must be one of {', '.join(UNITS)}")
    price = _money(get("price"), cur, "price")
    per = _int(get("price_per"), "price_per", minimum=1) or 1
    return ProductSpec(
        line=line, sku=sku, name=get("name"), variant=get("variant"), group=get("group"),
        department=get("department"), vendor=get("vendor"), tax_class=tax, unit=unit,
        price=price, price_per=per,
        cost=_money(get("cost"), cur, "cost") if get("cost") else None,
        barcodes=tuple(_barcodes(get("barcodes"), cur)),
        reorder_point=_int(get("reorder_point"), "reorder_point"),
        par_level=_int(get("par_level"), "par_level"),
        min_age=_int(get("min_age"), "min_age"),
        max_per_sale=_int(get("max_per_sale"), "max_per_sale", minimum=1),
        stock=_int(get("stock"), "stock"),
    )


def _money(text: str, cur: Currency, what: str) -> int:
    try:
        value = cur.parse(text)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from exc
    if value < 0:
        raise InputError(f"{what} cannot be negative")
    return value


def _int(text: str, what: str, minimum: int = 0) -> int | None:
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise InputError(f"{what} {text!r} is not a whole number")
    value = int(text)
    if value < minimum:
        raise InputError(f"{what} must be at least {minimum}")
    return value


def _barcodes(text: str, cur: Currency) -> list[BarcodeSpec]:
    out = []
    for entry in filter(None, (e.strip() for e in text.split("|"))):
        code, _, rest = entry.partition("*")
        mult_text, _, price_text = rest.partition("=")
        code = strip_code(code)
        mult = _int(mult_text, f"pack size of {code}", minimum=1) if mult_text else 1
        pack_price = _money(price_text, cur, f"pack price of {code}") if price_text else None
        out.append(BarcodeSpec(code, normalise(code), mult or 1, pack_price))
    return out
