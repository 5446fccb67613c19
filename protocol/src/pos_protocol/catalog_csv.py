"""The catalog CSV format (one row per sellable product or variant), read exactly and checked.

Columns: sku, name, variant, group, department, vendor, tax_class, unit, price, price_per,
cost, barcodes, reorder_point, par_level, min_age, max_per_sale [, stock] (any letter case).
``barcodes`` holds entries separated by ``|``: ``CODE`` (a unit), ``CODE*N`` (a pack of N)
or ``CODE*N=PRICE`` (a pack with its own price).

How a file is read (``read``), so that what a spreadsheet saved is what gets imported:

- **encoding**: UTF-8 with or without a BOM; UTF-16 with a BOM (a spreadsheet's "Unicode
  text"); otherwise Windows-1252, which is Latin-1 wherever the two agree: the bytes
  0x80-0x9F are typographic characters (€ ‚ „ … ‘ ’ “ ” – —) in Windows-1252 and invisible
  control codes in Latin-1, so Windows-1252 is the reading that gives text. A file that mixes
  UTF-8 with other bytes, or holds bytes that are text in neither, is refused naming the line.
- **delimiter**: ``,``, ``;`` or tab: the one that splits the header line into the required
  columns (or the one a spreadsheet's ``sep=;`` line above the header names).
- **amounts** are exact integers of minor units. The decimal separator is one per file, found
  from its amounts (``2,50`` or ``2.50``; ``1.234,50`` and ``1,234.50`` with a thousands
  separator; spaces, no-break spaces and apostrophes group thousands too); where the file's
  amounts leave it open, the store's own decimal separator decides (its ``[store] locale``).
  An amount that could still be read both ways (``1,234`` with no other clue), a second
  decimal separator, more decimals than the currency has, or another currency's sign is
  refused naming the line; the store currency's sign or code (``€2,50``, ``2.50 EUR``) is
  allowed.
- **rows**: a row with more or fewer fields than the header is refused naming its line (an
  unquoted ``2,50`` in a comma file is never shifted or cut); a quoted field may hold the
  delimiter, quotes and line breaks. Blank rows are skipped.

Every problem names its line; one problem and nothing is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from pos_protocol import InputError
from pos_protocol.barcode import normalise, strip_code
from pos_protocol.money import EXPONENTS, SYMBOLS, Currency

REQUIRED = ("sku", "name", "tax_class", "price")
COLUMNS = (
    "sku", "name", "variant", "group", "department", "vendor", "tax_class", "unit", "price",
    "price_per", "cost", "barcodes", "reorder_point", "par_level", "min_age", "max_per_sale",
    "stock",
)
UNITS = ("each", "g", "ml")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_PROBLEMS_SHOWN = 20
Tick = Callable[[], None]


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


@dataclass(frozen=True)
class CatalogFile:
    """A catalog file read and checked: its products and how it was written."""

    products: list[ProductSpec]
    encoding: str
    delimiter: str
    decimal: str | None  # None: no amount had decimals

    def describe(self) -> str:
        """``UTF-8, semicolon-separated, decimal comma``."""
        decimal = {",": ", decimal comma", ".": ", decimal point"}.get(self.decimal or "", "")
        return f"{self.encoding}, {DELIMITERS[self.delimiter]}-separated{decimal}"


class CatalogFileError(InputError):
    """Every problem found in a catalog file, one per line, with line numbers."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = (f"\n... and {len(problems) - MAX_PROBLEMS_SHOWN} more"
                if len(problems) > MAX_PROBLEMS_SHOWN else "")
        super().__init__(
            f"catalog not imported ({len(problems)} problem(s)):\n" + "\n".join(shown) + more
        )
        self.problems = problems


# -- encoding ---------------------------------------------------------------------------------
_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods (zip), .xls (OLE)


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding; CatalogFileError naming the line."""
    if data.startswith(_WORKBOOKS):
        raise CatalogFileError(["line 1: this is a spreadsheet workbook, not a CSV file: save "
                                "it as \"CSV UTF-8\" (or CSV) and import that"])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, name = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise CatalogFileError([f"line {_line_at(data, exc.start) // 2 + 1}: the file "
                                    "starts as UTF-16 text but is not: save it as CSV UTF-8"]
                                   ) from exc
    else:
        bom = data.startswith(codecs.BOM_UTF8)
        body = data[len(codecs.BOM_UTF8):] if bom else data
        try:
            text, name = body.decode("utf-8"), "UTF-8 with BOM" if bom else "UTF-8"
        except UnicodeDecodeError as exc:
            line = _line_at(body, exc.start)
            byte = body[exc.start]
            if bom or _UTF8_MULTIBYTE.search(body):
                raise CatalogFileError([
                    f"line {line}: byte 0x{byte:02X} is not UTF-8, but the rest of the file "
                    "is: it mixes two encodings; save it again as CSV UTF-8"]) from exc
            bad = next((i for i, b in enumerate(body) if b in _CP1252_UNDEFINED), None)
            if bad is not None:
                raise CatalogFileError([
                    f"line {_line_at(body, bad)}: byte 0x{body[bad]:02X} is text neither in "
                    "UTF-8 nor in Windows-1252/Latin-1: save the file as CSV UTF-8"]) from exc
            c1 = any(0x80 <= b <= 0x9F for b in body)
            text, name = body.decode("cp1252"), "Windows-1252" if c1 else "Latin-1"
    nul = text.find("\x00")
    if nul >= 0:
        raise CatalogFileError([f"line {text.count(chr(10), 0, nul) + 1}: a NUL character: "
                                "this is not a text CSV file (save it as CSV UTF-8)"])
    return text.removeprefix("\ufeff"), name


# -- rows -------------------------------------------------------------------------------------
_SEP_LINE = re.compile(r"^sep=(.)$")  # what a spreadsheet may write above the header


def _header(text: str) -> tuple[str, list[str], int]:
    """The delimiter, the column names (lower case) and the header's line number (2 after a
    spreadsheet's ``sep=;`` line, which names the delimiter)."""
    lines = text.splitlines()[:2] if text.strip() else [""]
    sep = _SEP_LINE.match(lines[0].strip())
    at = 2 if sep and len(lines) > 1 else 1
    first = lines[at - 1]
    best: tuple[int, str, list[str]] | None = None
    candidates = [sep.group(1)] if sep and sep.group(1) in DELIMITERS else list(DELIMITERS)
    for delim in candidates:
        names = [h.strip().lower() for h in next(csv.reader([first], delimiter=delim), [])]
        score = (10 * all(c in names for c in REQUIRED)) + sum(n in COLUMNS for n in names)
        if best is None or score > best[0]:
            best = (score, delim, names)
    assert best is not None
    _, delim, names = best
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        hint = ("" if any(d in first for d in DELIMITERS) else
                "; columns are separated by ',' ';' or a tab")
        raise CatalogFileError([f"line {at}: missing column(s) {', '.join(missing)} (the "
                                f"header line reads {first[:80]!r}{hint})"])
    if "" in names:
        raise CatalogFileError([f"line {at}: column {names.index('') + 1} has no name (a "
                                f"{DELIMITERS[delim]} too many at the end of the header?)"])
    unknown = [c for c in names if c not in COLUMNS]
    if unknown:
        raise CatalogFileError([f"line {at}: unknown column(s) "
                                f"{', '.join(map(repr, unknown))}; known: {', '.join(COLUMNS)}"])
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise CatalogFileError([f"line {at}: column(s) {', '.join(twice)} more than once"])
    return delim, names, at


def _rows(text: str, tick: Tick) -> tuple[str, list[str], list[tuple[int, dict[str, str]]],
                                         list[str]]:
    """Delimiter, header, (line, row) pairs and problems (field counts, quoting)."""
    delim, header, at = _header(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    problems: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    width = len(header)
    try:
        for _ in range(at):  # the header (and a sep= line above it)
            next(reader)
        end = reader.line_num
        for fields in reader:
            tick()
            line, end = end + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue  # a blank line, or a spreadsheet's empty row (";;;")
            if len(fields) > width:
                extra = (f"; an amount like 2,50 in a {DELIMITERS[delim]}-separated file "
                         "must be quoted (\"2,50\") or written 2.50") if delim == "," else ""
                problems.append(f"line {line}: {len(fields)} fields, but the header has "
                                f"{width}{extra}")
            elif len(fields) < width:
                problems.append(f"line {line}: {len(fields)} fields, but the header has {width} "
                                f"({', '.join(header)})")
            else:
                rows.append((line, dict(zip(header, fields, strict=True))))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc} (a quote that is not closed, or text "
                        "after a closing quote?)")
    return delim, header, rows, problems


# -- amounts ----------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[0-9]+(?:([.,])[0-9]+)?$")
_GROUPED = re.compile(r"^\d{1,3}(?:([.,' \u00a0\u202f\u2019])\d{3})+$")
_OTHER_SIGNS = frozenset(SYMBOLS.values()) | {"kr", "fr", "fr.", "zł", "kč", "ft"}


def _decimal_evidence(cell: str) -> str | None:
    """The decimal separator ``cell`` shows unambiguously, if any (``1,5``, ``1.234,50``)."""
    seps = [c for c in cell if c in ".,"]
    if not seps:
        return None
    last = seps[-1]
    whole, _, frac = cell.rpartition(last)
    if seps.count(last) > 1:  # "1.234.567": thousands; the decimal must be the other one
        return ("," if last == "." else ".") if _GROUPED.match(cell) else None
    if len(frac) != 3 or any(c in ".," for c in whole):
        return last  # "2,50", "0.5", "1.234,567"
    return None  # "1,234": a thousands separator or three decimals


def _strip_sign(text: str, cur: Currency, what: str) -> str:
    """``text`` without the store currency's symbol or code, refusing another currency's."""
    cell = text.strip()
    own = {cur.code.lower(), SYMBOLS.get(cur.code, cur.code).lower()}
    m = re.match(r"^([^\d\s.,+-]*)\s*(.*?)\s*([^\d\s.,]*)$", cell)
    if m is None:  # pragma: no cover - the pattern matches any text
        return cell
    head, body, tail = m.group(1).lower(), m.group(2), m.group(3).lower()
    for sign in (head, tail):
        if sign and sign not in own:
            other = sign in _OTHER_SIGNS or sign.upper() in EXPONENTS
            why = (f"its currency sign {sign!r} is not the store's ({cur.code})" if other
                   else "type it like 2.50")
            raise InputError(f"{what} {text.strip()!r} is not an amount: {why}")
    return body


def amount(text: str, cur: Currency, decimal: str | None, what: str) -> int:
    """An amount cell in minor units, exactly, with the file's decimal separator (None: the
    file shows none, so a separator that could be either is refused)."""
    plain = _PLAIN.match(text.strip())
    if plain is not None and (plain.group(1) is None or plain.group(1) == decimal):
        whole, frac = plain.group(0).partition(plain.group(1) or " ")[::2]
        if len(frac) <= cur.exponent:  # "2.50" in a decimal-point file: the usual cell
            return int(whole) * 10**cur.exponent + int(frac.ljust(cur.exponent, "0") or "0")
    cell = _strip_sign(text, cur, what)
    shown = text.strip()
    if cell.startswith("+"):
        cell = cell[1:]
    if cell.startswith("-"):
        raise InputError(f"{what} cannot be negative")
    seen = _decimal_evidence(cell)
    if decimal is not None and seen is not None and seen != decimal:
        name = {",": "comma", ".": "point"}
        raise InputError(f"{what} {shown!r} has a decimal {name[seen]}, but this file's other "
                         f"amounts have a decimal {name[decimal]}: use one throughout")
    sep = decimal or seen
    whole, frac = cell, ""
    if sep is not None and sep in cell:
        whole, _, frac = cell.rpartition(sep)
    if whole and not whole.isdigit():
        m = _GROUPED.match(whole)
        if m is None or m.group(1) == sep or len({c for c in whole if not c.isdigit()}) > 1:
            raise InputError(f"{what} {shown!r} is not an amount; write it like 1234.50")
        if sep is None and m.group(1) in ".,":
            raise InputError(f"{what} {shown!r} could be {whole.replace(m.group(1), '')} or "
                             f"{whole.replace(m.group(1), '.')}: write it without a thousands "
                             "separator")
        whole = re.sub(r"\D", "", whole)
    if not whole and not frac:
        raise InputError(f"{what} {shown!r} is not an amount; write it like 2.50")
    if frac and not frac.isdigit():
        raise InputError(f"{what} {shown!r} is not an amount; write it like 2.50")
    if len(frac) > cur.exponent:
        raise InputError(f"{what} {shown!r} has more than {cur.exponent} decimal places")
    return int(whole or "0") * 10**cur.exponent + int(frac.ljust(cur.exponent, "0") or "0")


def _amount_cells(row: dict[str, str]) -> list[tuple[str, str]]:
    cells = [(c, row[c]) for c in ("price", "cost") if (row.get(c) or "").strip()]
    for entry in (row.get("barcodes") or "").split("|"):
        _, eq, price = entry.partition("=")
        if eq and price.strip():
            cells.append(("pack price", price))
    return cells


def _file_decimal(rows: list[tuple[int, dict[str, str]]], cur: Currency) -> str | None:
    """The decimal separator the file's first telling amount uses."""
    for _, row in rows:
        for what, cell in _amount_cells(row):
            try:
                seen = _decimal_evidence(_strip_sign(cell, cur, what).lstrip("+-"))
            except InputError:
                continue  # reported on its line
            if seen is not None:
                return seen
    return None


# -- reading ----------------------------------------------------------------------------------
def _no_tick() -> None:
    pass


def read(data: bytes, currency: Currency, tax_codes: set[str], tick: Tick = _no_tick,
         decimal: str | None = None) -> CatalogFile:
    """A catalog file as stored (bytes): decoded, split, checked; every row or none.
    ``tick`` is called for every row (twice): a caller's chance to pace a long read.
    ``decimal``: the store's decimal separator, when it has one (its locale), for a file whose
    amounts do not show theirs (``1.234`` alone); the file's own amounts come first."""
    text, encoding = decode(data)
    return _parse(text, currency, tax_codes, encoding, tick, decimal)


def parse(text: str, currency: Currency, tax_codes: set[str], tick: Tick = _no_tick,
          decimal: str | None = None) -> list[ProductSpec]:
    """A catalog already in text (the demo catalog); the same rules as ``read``."""
    return _parse(text.removeprefix("\ufeff"), currency, tax_codes, "UTF-8", tick,
                  decimal).products


def _parse(text: str, cur: Currency, tax_codes: set[str], encoding: str, tick: Tick,
           store_decimal: str | None) -> CatalogFile:
    delim, _, rows, problems = _rows(text, tick)
    decimal = _file_decimal(rows, cur) or store_decimal
    specs: list[ProductSpec] = []
    skus: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, row in rows:
        tick()
        try:
            spec = _row(row, line, cur, decimal, tax_codes)
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
        raise CatalogFileError(sorted(problems, key=_line_of_problem))
    if not specs:
        raise CatalogFileError(["the file holds no products"])
    return CatalogFile(specs, encoding, delim, decimal)


def _line_of_problem(problem: str) -> int:
    m = re.match(r"line (\d+)", problem)
    return int(m.group(1)) if m else 0


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


def _row(raw: dict[str, str], line: int, cur: Currency, decimal: str | None,
         tax_codes: set[str]) -> ProductSpec:
    row = {k: v.strip() for k, v in raw.items()}
    for name, value in row.items():
        bad = _CONTROL.search(value)
        if bad is not None:
            what = ("a line break" if bad.group() in "\r\n" else
                    f"a control character (U+{ord(bad.group()):04X})")
            raise InputError(f"{name} holds {what}; only text on one line, please")

    def get(name: str) -> str:
        return row.get(name, "")

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
    price = amount(get("price"), cur, decimal, "price")
    per = _int(get("price_per"), "price_per", minimum=1) or 1
    return ProductSpec(
        line=line, sku=sku, name=get("name"), variant=get("variant"), group=get("group"),
        department=get("department"), vendor=get("vendor"), tax_class=tax, unit=unit,
        price=price, price_per=per,
        cost=amount(get("cost"), cur, decimal, "cost") if get("cost") else None,
        barcodes=tuple(_barcodes(get("barcodes"), cur, decimal)),
        reorder_point=_int(get("reorder_point"), "reorder_point"),
        par_level=_int(get("par_level"), "par_level"),
        min_age=_int(get("min_age"), "min_age"),
        max_per_sale=_int(get("max_per_sale"), "max_per_sale", minimum=1),
        stock=_int(get("stock"), "stock"),
    )


def _int(text: str, what: str, minimum: int = 0) -> int | None:
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise InputError(f"{what} {text!r} is not a whole number")
    value = int(text)
    if value < minimum:
        raise InputError(f"{what} must be at least {minimum}")
    return value


def _barcodes(text: str, cur: Currency, decimal: str | None) -> list[BarcodeSpec]:
    out = []
    for entry in filter(None, (e.strip() for e in text.split("|"))):
        code, _, rest = entry.partition("*")
        mult_text, _, price_text = rest.partition("=")
        code = strip_code(code)
        mult = _int(mult_text, f"pack size of {code}", minimum=1) if mult_text else 1
        pack_price = (amount(price_text, cur, decimal, f"pack price of {code}")
                      if price_text else None)
        out.append(BarcodeSpec(code, normalise(code), mult or 1, pack_price))
    return out
