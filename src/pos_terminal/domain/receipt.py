"""Receipts as documents: a pure renderer from plain sale/return/report data to typed blocks.

A :class:`Document` is a list of blocks laid out for a fixed number of columns (42 or 48 on
80 mm paper, 32 on 58 mm; the hardware layer reads it from the printer's capability profile):

- :class:`Text` — exactly one printed line (already wrapped and padded where it has two
  columns), with alignment, bold, inverted and double size (a double-size line holds at most
  ``width // 2`` characters);
- :class:`Rule` — a separator across the paper;
- :class:`Barcode` — a Code128 barcode of the receipt number (returns scan it);
- :class:`Cut` — cut the paper;
- :class:`DrawerPulse` — open the cash drawer (first block, so the drawer opens while the
  receipt prints).

``hardware/printer.py`` turns a document into ESC/POS bytes; :func:`to_text` turns it into the
on-screen preview, laid out like the paper (double-size text is letter-spaced to its printed
width). Nothing here imports escpos or touches a device: rendering is testable in microseconds.

Every text is put in the printer's terms *before* it is laid out: a render function takes the
printer's ``charset`` (``ReceiptPrinter.plain``: characters its code page lacks spelled as their
closest plain text, see ``domain/charset.py``), so a line is measured in the cells it takes on
paper and a ``€`` that becomes ``EUR`` never pushes a line past the width. Without a charset
(the screen), the text stays as it is.

Amounts are integer minor units formatted with :meth:`Currency.format`; times come in as UTC
ISO-8601 and are printed in local time (or the ``tz`` given).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from pos_protocol.money import Currency
from pos_terminal.domain.controls import COUNTED as CONTROL_NAMES
from pos_terminal.domain.measure import DOT, MeasureFormat, format_quantity
from pos_terminal.domain.tax import TaxMode

MIN_WIDTH = 24
MAX_WIDTH = 80
MAX_NAME_LINES = 3  # a product name longer than this many lines is cut short with "..."
TRAINING_BANNER = "*** TRAINING ***"
TRAINING_NOTE = "TRAINING MODE - NOT A VALID RECEIPT"
COPY_BANNER = "*** COPY ***"
COPY_NOTE = "Duplicate of the original receipt"

Charset = Callable[[str], str]  # text → the text as the printer prints it, one cell a character

TENDER_NAMES = {"cash": "Cash", "card": "Card", "other": "Other", "voucher": "Voucher"}


# -- blocks -------------------------------------------------------------------------------------
class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One printed line. ``text`` never exceeds the document width (half of it when double)."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False  # double width and height
    invert: bool = False  # white on black (prominent markers)


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Barcode:
    """A Code128 barcode; ``data`` is printed as the human-readable line below it too."""

    data: str


@dataclass(frozen=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True)
class DrawerPulse:
    pass


Block = Text | Rule | Barcode | Cut | DrawerPulse


@dataclass(frozen=True)
class Document:
    width: int
    blocks: tuple[Block, ...]
    kind: str = "receipt"  # receipt | return | report | drawer | test
    number: str = ""  # receipt / return number, "X 3" for reports

    @property
    def kicks_drawer(self) -> bool:
        return any(isinstance(b, DrawerPulse) for b in self.blocks)

    def without_drawer(self) -> Document:
        """The same document without its drawer pulse (the drawer was opened already)."""
        return Document(self.width, tuple(b for b in self.blocks if not isinstance(b, DrawerPulse)),
                        self.kind, self.number)

    @property
    def prints(self) -> bool:
        """False for a document that only opens the drawer."""
        return any(not isinstance(b, DrawerPulse) for b in self.blocks)


# -- input data ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreHeader:
    name: str
    address: tuple[str, ...] = ()
    tax_id: str = ""
    footer: tuple[str, ...] = ()
    measure: MeasureFormat = DOT  # weights as the store writes them: 1,235 kg / 1.235 kg


@dataclass(frozen=True)
class DepositRow:
    """A container deposit printed under its item (or a line of an empties refund)."""

    name: str
    qty: int  # containers
    unit_amount: int
    amount: int
    tax_code: str = ""


@dataclass(frozen=True)
class SaleLine:
    name: str
    variant: str
    unit: str  # each | g | ml
    qty: int  # base units: pieces, grams, millilitres
    price: int  # per price_per base units
    price_per: int
    gross: int  # qty × price / price_per, before discounts
    tax_code: str
    line_discount: int = 0  # manual discount + promotion saving
    original_price: int | None = None  # set when a supervisor changed the price
    promo_saving: int = 0  # the promotions' part of line_discount
    promo_label: str = ""
    tare: int | None = None  # base units taken off the weight entered at the register
    deposits: tuple[DepositRow, ...] = ()  # per unit, then the pack's own (a crate)


@dataclass(frozen=True)
class TaxRow:
    code: str
    rate_ppm: int
    base: int  # gross when tax-inclusive, net when tax-exclusive (as stored on the sale)
    tax: int
    name: str = ""


@dataclass(frozen=True)
class PaymentRow:
    kind: str  # cash | card | other
    amount: int  # counts toward the total (refunds: paid back, positive)
    tendered: int  # handed over / charged
    change: int = 0
    reference: str = ""


@dataclass(frozen=True)
class SaleReceipt:
    receipt_no: str
    completed_at: str  # UTC ISO-8601
    currency: Currency
    tax_mode: TaxMode
    lines: tuple[SaleLine, ...]
    subtotal: int
    discount: int
    tax: int
    total: int
    taxes: tuple[TaxRow, ...]
    payments: tuple[PaymentRow, ...]
    cash_rounding: int = 0
    change: int = 0
    cashier: str = ""
    terminal: str = ""
    training: bool = False


@dataclass(frozen=True)
class ReturnLine:
    name: str
    variant: str
    unit: str
    qty: int
    amount: int  # refunded, tax included
    tax_code: str = ""
    restock: bool = True


@dataclass(frozen=True)
class ReturnReceipt:
    return_no: str
    completed_at: str
    currency: Currency
    tax_mode: TaxMode
    lines: tuple[ReturnLine, ...]
    total: int  # refunded
    tax: int
    taxes: tuple[TaxRow, ...]
    payments: tuple[PaymentRow, ...]
    cash_rounding: int = 0
    original_receipt: str | None = None  # None for a blind return
    deposits: tuple[DepositRow, ...] = ()  # deposits given back (amount: refunded, tax incl.)
    cashier: str = ""
    approver: str = ""
    reason: str = ""
    terminal: str = ""
    training: bool = False


class ShiftInfo(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def opened_at(self) -> str: ...
    @property
    def opening_float(self) -> int: ...


class ShiftFigures(Protocol):
    """What an X/Z report shows; ``services.shifts.ShiftReport`` has this shape."""

    @property
    def shift(self) -> ShiftInfo: ...
    @property
    def kind(self) -> str: ...
    @property
    def printed_at(self) -> str: ...
    @property
    def cashier(self) -> str: ...
    @property
    def sales_count(self) -> int: ...
    @property
    def gross(self) -> int: ...
    @property
    def discounts(self) -> int: ...
    @property
    def net_sales(self) -> int: ...
    @property
    def taxes(self) -> Mapping[str, int]: ...
    @property
    def tenders(self) -> Mapping[str, int]: ...
    @property
    def returns_count(self) -> int: ...
    @property
    def refunds(self) -> Mapping[str, int]: ...
    @property
    def paid_in(self) -> int: ...
    @property
    def paid_out(self) -> int: ...
    @property
    def cash_rounding(self) -> int: ...
    @property
    def no_sales(self) -> int: ...
    @property
    def expected_cash(self) -> int | None: ...  # None: a blind X (a cashier's)
    @property
    def counted_cash(self) -> int | None: ...
    @property
    def denominations(self) -> Mapping[int, int]: ...
    @property
    def blind(self) -> bool: ...
    @property
    def controls(self) -> Mapping[str, tuple[int, int]]: ...  # action -> (count, value)
    @property
    def approved_by(self) -> str: ...
    @property
    def approval_reason(self) -> str: ...
    @property
    def in_progress(self) -> Sequence[tuple[str, str]]: ...


# -- layout helpers -----------------------------------------------------------------------------
def _check_width(width: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"receipt width {width} is outside {MIN_WIDTH}..{MAX_WIDTH} columns")


def _wrap(text: str, width: int, max_lines: int | None = None) -> list[str]:
    """Word-wrap; words longer than a line are broken; past ``max_lines`` ends in "..."."""
    lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=True,
                          break_on_hyphens=False) or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 3].rstrip() + "...") if len(last) + 3 > width else last + "..."
    return lines


def fit_line(text: str, width: int) -> list[str]:
    """A laid-out line that grew past ``width`` (text put in a printer's code page after
    layout: "€" → "EUR"): the padding between its columns shrinks first, widest run first and
    one space kept, so amounts stay right-aligned; what still does not fit wraps. A line that
    fits is returned as it is."""
    excess = len(text) - width
    while excess > 0:
        runs = [(m.end() - m.start(), m.start()) for m in re.finditer(r"(?<=\S) {2,}(?=\S)",
                                                                      text)]
        if not runs:
            break
        length, start = max(runs)
        take = min(excess, length - 1)
        text = text[:start] + text[start + take:]
        excess -= take
    return [text] if len(text) <= width else _wrap(text, width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def pair(left: str, right: str, width: int, max_lines: int | None = MAX_NAME_LINES) -> list[str]:
    """``left`` flush left and ``right`` flush right; ``left`` wraps when both do not fit.

    ``right`` (an amount) is never cut: it goes on the last line of ``left`` when there is
    room, else on a line of its own.
    """
    right = right[:width]
    if not right:
        return _wrap(left, width, max_lines) if len(left) > width else [left]
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    indent = len(left) - len(left.lstrip(" "))
    body = _wrap(left, width - indent, max_lines)
    lines = [" " * indent + ln for ln in body]
    if len(lines[-1]) + 1 + len(right) <= width:
        last = lines.pop()
        lines.append(last + " " * (width - len(last) - len(right)) + right)
    else:
        lines.append(right.rjust(width))
    return lines


def _rate(ppm: int) -> str:
    """Parts per million as a percentage without trailing zeros: 190000 → "19%"."""
    whole, frac = divmod(ppm, 10_000)
    text = f"{whole}.{frac:04d}".rstrip("0").rstrip(".")
    return f"{text}%"


def _qty(page: _Page, qty: int, unit: str) -> str:
    """Base units as printed: pieces as is, grams as kg and millilitres as l (3 decimals,
    with the store's decimal separator)."""
    return format_quantity(qty, unit, page.measure)


def per_unit(price_per: int, unit: str) -> str:
    """What a price is given for, after the amount: "" (a piece), "/6 pcs", "/kg", "/100 g",
    "/l" (the receipt and the returns screen)."""
    if unit == "each":
        return "" if price_per == 1 else f"/{price_per} pcs"
    big = {"g": "kg", "ml": "l"}.get(unit)
    if big and price_per == 1000:
        return f"/{big}"
    if price_per == 1:
        return f"/{unit}"
    return f"/{price_per} {unit}"


def _when(iso: str, tz: tzinfo | None) -> str:
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{dt.astimezone(tz):%Y-%m-%d %H:%M}"


def _signed(cur: Currency, amount: int) -> str:
    return ("+" if amount > 0 else "") + cur.format(amount)


def _tax_letters(taxes: Sequence[TaxRow], codes: Iterable[str]) -> dict[str, str]:
    """A letter per tax class (A, B, C ... in breakdown order) printed beside each line."""
    letters: dict[str, str] = {}
    for code in [t.code for t in taxes] + list(codes):
        if code and code not in letters:
            n = len(letters)
            letters[code] = chr(ord("A") + n) if n < 26 else "?"
    return letters


def _as_is(text: str) -> str:
    return text


class _Page:
    """Collects blocks for one document of a given width.

    Every text goes through ``plain`` (the printer's charset) before it is measured, so the
    layout counts the cells the printer will print.
    """

    def __init__(self, width: int, measure: MeasureFormat = DOT,
                 charset: Charset | None = None) -> None:
        _check_width(width)
        self.width = width
        self.measure = measure
        self.plain: Charset = charset or _as_is
        self.blocks: list[Block] = []

    def line(self, text: str = "", align: Align = Align.LEFT, bold: bool = False) -> None:
        text = self.plain(text)
        for ln in _wrap(text, self.width) if len(text) > self.width else [text]:
            self.blocks.append(Text(ln, align, bold))

    def lines(self, texts: Iterable[str], bold: bool = False) -> None:
        """Lines laid out by the caller from plain text (``self.plain`` already applied)."""
        for t in texts:
            self.line(t, Align.LEFT, bold)  # a line still too long after all is wrapped

    def wrapped(self, text: str, max_lines: int | None = MAX_NAME_LINES) -> None:
        """A name on as many lines as it needs (at most ``max_lines``, then "...")."""
        self.lines(_wrap(self.plain(text), self.width, max_lines))

    def center(self, text: str, bold: bool = False) -> None:
        for ln in _wrap(self.plain(text), self.width):
            self.blocks.append(Text(ln, Align.CENTER, bold))

    def pair(self, left: str, right: str, bold: bool = False) -> None:
        self.lines(pair(self.plain(left), self.plain(right), self.width), bold)

    def big(self, text: str, align: Align = Align.CENTER, invert: bool = False) -> None:
        """Double size when it fits half the width, else bold normal size."""
        text = self.plain(text)
        if len(text) <= self.width // 2:
            self.blocks.append(Text(text, align, bold=True, double=True, invert=invert))
        else:
            for ln in _wrap(text, self.width):
                self.blocks.append(Text(ln, align, bold=True, invert=invert))

    def big_pair(self, left: str, right: str) -> None:
        left, right = self.plain(left), self.plain(right)
        half = self.width // 2
        if len(left) + 1 + len(right) <= half:
            self.blocks.append(Text(pair(left, right, half)[0], Align.LEFT, True, True))
        else:
            self.pair(left, right, bold=True)

    def rule(self, char: str = "-") -> None:
        self.blocks.append(Rule(char))

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def document(self, kind: str, number: str) -> Document:
        return Document(self.width, tuple(self.blocks), kind, number)


def _markers(page: _Page, training: bool, copy: bool) -> None:
    if training:
        page.big(TRAINING_BANNER, invert=True)
        page.center(TRAINING_NOTE, bold=True)
    if copy:
        page.big(COPY_BANNER)
        page.center(COPY_NOTE)


def _header(page: _Page, store: StoreHeader, training: bool, copy: bool) -> None:
    _markers(page, training, copy)
    if training or copy:
        page.line()
    if store.name:
        page.big(store.name)
    for ln in store.address:
        page.center(ln)
    if store.tax_id:
        page.center(f"Tax ID {store.tax_id}")
    page.rule()


def _meta(page: _Page, title: str, number: str, at: str, cashier: str, terminal: str,
          tz: tzinfo | None) -> None:
    page.line(f"{title} {number}")
    page.pair(_when(at, tz), f"Register {terminal}" if terminal else "")
    if cashier:
        page.line(f"Cashier: {cashier}")
    page.rule()


def _footer(page: _Page, store: StoreHeader, number: str, training: bool, copy: bool,
            partial_cut: bool) -> None:
    page.add(Barcode(number))
    if store.footer:
        page.line()
        for ln in store.footer:
            page.center(ln)
    if training or copy:
        page.line()
        _markers(page, training, copy)
    page.add(Cut(partial_cut))


def _tax_table(page: _Page, cur: Currency, mode: TaxMode, taxes: Sequence[TaxRow],
               letters: Mapping[str, str]) -> None:
    if not taxes:
        return
    # Label column, then two or three right-aligned amount columns sharing the rest.
    inclusive = mode is TaxMode.INCLUSIVE
    heads = ("Net", "Tax", "Gross") if inclusive else ("Taxable", "Tax")
    p = page.plain
    labels = [p(f"{letters.get(t.code, '?')} {_rate(t.rate_ppm)}") for t in taxes]
    label_w = max(3, *(len(label) for label in labels))
    col = (page.width - label_w) // len(heads)
    page.lines(["Tax".ljust(label_w) + "".join(h.rjust(col) for h in heads)])
    for t, label in zip(taxes, labels, strict=True):
        nums = (t.base - t.tax, t.tax, t.base) if inclusive else (t.base, t.tax)
        page.lines([label.ljust(label_w) + "".join(p(cur.format(n)).rjust(col) for n in nums)])
    names = [f"{letters.get(t.code, '?')}={t.name}" for t in taxes if t.name]
    if names:
        page.line(", ".join(names))


def _payments(page: _Page, cur: Currency, payments: Sequence[PaymentRow], refund: bool) -> None:
    for p in payments:
        name = TENDER_NAMES.get(p.kind, p.kind.capitalize())
        if refund:
            name = f"Refund {name.lower()}"
        label = f"{name} {p.reference}".rstrip() if p.reference else name
        page.pair(label, cur.format(p.tendered if p.kind == "cash" else p.amount))


# -- sale ---------------------------------------------------------------------------------------
def _sale_line(page: _Page, cur: Currency, ln: SaleLine, letter: str,
               letters: Mapping[str, str] | None = None) -> None:
    name = f"{ln.name} {ln.variant}".strip()
    right = f"{cur.format(ln.gross)} {letter}".rstrip()
    if ln.unit != "each":
        # Weighed or measured: "1.250 kg × 2.99/kg".
        page.wrapped(name)
        per = per_unit(ln.price_per, ln.unit)
        page.pair(f"  {_qty(page, ln.qty, ln.unit)} × {cur.format(ln.price)}{per}", right)
    elif ln.qty == 1 and ln.price_per == 1:
        page.pair(name, right)
    else:
        page.wrapped(name)
        if ln.price_per == 1:
            detail = f"  {ln.qty} × {cur.format(ln.price)}"
        elif ln.qty % ln.price_per == 0:  # packs with their own price
            detail = f"  {ln.qty // ln.price_per} × {cur.format(ln.price)} (pack of {ln.price_per})"
        else:
            detail = f"  {ln.qty} × {cur.format(ln.price)}/{ln.price_per} pcs"
        page.pair(detail, right)
    if ln.tare:
        weighed = _qty(page, ln.qty + ln.tare, ln.unit)
        page.line(f"  Tare {_qty(page, ln.tare, ln.unit)}, weighed {weighed}")
    if ln.original_price is not None and ln.original_price != ln.price:
        page.line(f"  Price changed, was {cur.format(ln.original_price)}")
    if ln.line_discount - ln.promo_saving:
        page.pair("  Discount", cur.format(-(ln.line_discount - ln.promo_saving)))
    if ln.promo_saving:
        page.pair(f"  {ln.promo_label or 'Promotion'}", cur.format(-ln.promo_saving))
    for d in ln.deposits:
        dep_letter = letters.get(d.tax_code, "") if letters else ""
        page.pair(f"  {d.name} {d.qty} × {cur.format(d.unit_amount)}",
                  f"{cur.format(d.amount)} {dep_letter}".rstrip())


def render_sale(
    sale: SaleReceipt, store: StoreHeader, width: int, *, copy: bool = False,
    drawer: bool = False, partial_cut: bool = False, tz: tzinfo | None = None,
    charset: Charset | None = None,
) -> Document:
    """A sale's receipt (``copy`` for a reprint; ``drawer`` opens the drawer first)."""
    page = _Page(width, store.measure, charset)
    cur = sale.currency
    if drawer:
        page.add(DrawerPulse())
    _header(page, store, sale.training, copy)
    _meta(page, "Receipt", sale.receipt_no, sale.completed_at, sale.cashier, sale.terminal, tz)
    letters = _tax_letters(sale.taxes, (ln.tax_code for ln in sale.lines))
    for ln in sale.lines:
        _sale_line(page, cur, ln, letters.get(ln.tax_code, ""), letters)
    page.rule()
    count = sum(1 if ln.unit != "each" else ln.qty for ln in sale.lines)
    page.pair(f"Subtotal ({count} item{'s' if count != 1 else ''})", cur.format(sale.subtotal))
    deposits = [d for ln in sale.lines for d in ln.deposits]
    if deposits:
        n = sum(d.qty for d in deposits)
        page.pair(f"  incl. deposits ({n})", cur.format(sum(d.amount for d in deposits)))
    promo = sum(ln.promo_saving for ln in sale.lines)
    if promo:
        page.pair("Promotions", cur.format(-promo))
    line_disc = sum(ln.line_discount for ln in sale.lines)  # promotions included
    if sale.discount - line_disc:
        page.pair("Sale discount", cur.format(-(sale.discount - line_disc)))
    if sale.discount:
        page.pair("You saved", cur.format(sale.discount))
    if sale.tax_mode is TaxMode.EXCLUSIVE:
        page.pair("Tax", cur.format(sale.tax))
    page.big_pair("TOTAL", f"{cur.code} {cur.format(sale.total)}")
    if sale.cash_rounding:
        page.pair("Cash rounding", _signed(cur, sale.cash_rounding))
    page.rule()
    _payments(page, cur, sale.payments, refund=False)
    if sale.change or any(p.kind == "cash" for p in sale.payments):
        page.pair("Change", cur.format(sale.change), bold=True)
    page.rule()
    _tax_table(page, cur, sale.tax_mode, sale.taxes, letters)
    if sale.tax_mode is TaxMode.INCLUSIVE and sale.tax:
        page.pair("Total includes tax", cur.format(sale.tax))
    page.rule()
    _footer(page, store, sale.receipt_no, sale.training, copy, partial_cut)
    return page.document("receipt", sale.receipt_no)


# -- return -------------------------------------------------------------------------------------
def render_return(
    ret: ReturnReceipt, store: StoreHeader, width: int, *, copy: bool = False,
    drawer: bool = False, partial_cut: bool = False, tz: tzinfo | None = None,
    charset: Charset | None = None,
) -> Document:
    """A return's refund slip; the refunded amounts are printed as positive numbers."""
    page = _Page(width, store.measure, charset)
    cur = ret.currency
    if drawer:
        page.add(DrawerPulse())
    _header(page, store, ret.training, copy)
    page.big("REFUND")
    _meta(page, "Return", ret.return_no, ret.completed_at, ret.cashier, ret.terminal, tz)
    if ret.original_receipt:
        page.line(f"For receipt {ret.original_receipt}")
    else:
        page.line("Without receipt")
    if ret.approver:
        page.line(f"Approved by {ret.approver}")
    if ret.reason:
        page.line(f"Reason: {ret.reason}")
    page.rule()
    letters = _tax_letters(ret.taxes, [*(ln.tax_code for ln in ret.lines),
                                       *(d.tax_code for d in ret.deposits)])
    for ln in ret.lines:
        name = f"{ln.name} {ln.variant}".strip()
        right = f"{cur.format(ln.amount)} {letters.get(ln.tax_code, '')}".rstrip()
        if ln.unit == "each" and ln.qty == 1:
            page.pair(name, right)
        else:
            page.wrapped(name)
            pcs = " pcs" if ln.unit == "each" else ""
            page.pair(f"  {_qty(page, ln.qty, ln.unit)}{pcs}", right)
        if not ln.restock:
            page.line("  not restocked")
    for d in ret.deposits:  # the deposit given back, its own line
        page.pair(f"{d.name} {d.qty} × {cur.format(d.unit_amount)}",
                  f"{cur.format(d.amount)} {letters.get(d.tax_code, '')}".rstrip())
    page.rule()
    page.big_pair("REFUND", f"{cur.code} {cur.format(ret.total)}")
    if ret.cash_rounding:
        page.pair("Cash rounding", _signed(cur, ret.cash_rounding))
    page.rule()
    _payments(page, cur, ret.payments, refund=True)
    page.rule()
    _tax_table(page, cur, ret.tax_mode, ret.taxes, letters)
    if ret.tax_mode is TaxMode.INCLUSIVE and ret.tax:
        page.pair("Refund includes tax", cur.format(ret.tax))
    page.rule()
    if not ret.training:
        page.line()
        page.line("Customer signature:")
        page.line()
        page.line("_" * page.width)
    _footer(page, store, ret.return_no, ret.training, copy, partial_cut)
    return page.document("return", ret.return_no)


# -- X / Z report -------------------------------------------------------------------------------
def render_report(
    report: ShiftFigures, store: StoreHeader, currency: Currency, width: int, *,
    copy: bool = False, partial_cut: bool = False, tz: tzinfo | None = None,
    terminal: str = "", charset: Charset | None = None,
) -> Document:
    """An X (running) or Z (closing) report of a shift."""
    page = _Page(width, charset=charset)
    cur = currency
    fmt = cur.format
    if copy:
        _markers(page, False, True)
    if store.name:
        page.center(store.name, bold=True)
    page.big(f"{report.kind} REPORT")
    page.rule()
    page.pair(f"Shift {report.shift.number}", f"Register {terminal}" if terminal else "")
    page.pair("Opened", _when(report.shift.opened_at, tz))
    page.pair("Closed" if report.kind == "Z" else "Printed", _when(report.printed_at, tz))
    if report.cashier:
        page.pair("Opened by", report.cashier)
    page.rule()
    page.pair("Sales", str(report.sales_count))
    page.pair("Gross sales", fmt(report.gross))
    page.pair("Discounts", fmt(-report.discounts))
    page.pair("Net sales", fmt(report.net_sales), bold=True)
    for code, amount in sorted(report.taxes.items()):
        page.pair(f"  Tax {code}", fmt(amount))
    page.rule()
    page.line("Tenders", bold=True)
    for kind, amount in sorted(report.tenders.items()):
        page.pair(f"  {TENDER_NAMES.get(kind, kind)}", fmt(amount))
    page.pair("Returns", str(report.returns_count))
    for kind, amount in sorted(report.refunds.items()):
        page.pair(f"  Refunds {TENDER_NAMES.get(kind, kind).lower()}", fmt(-amount))
    page.pair("Paid in", fmt(report.paid_in))
    page.pair("Paid out", fmt(-report.paid_out))
    if report.cash_rounding:
        page.pair("Cash rounding", _signed(cur, report.cash_rounding))
    page.pair("No-sale drawer opens", str(report.no_sales))
    if report.controls:
        page.rule()
        page.line("Controls", bold=True)
        for action, (count, value) in report.controls.items():
            page.pair(f"  {CONTROL_NAMES.get(action, action)}", f"{count} ({fmt(value)})")
    if report.in_progress:  # kept sales: not in the figures above until they are finished
        page.rule()
        page.line(f"Sales in progress: {len(report.in_progress)}", bold=True)
        for who, paid in report.in_progress:
            page.line(f"  {who}")
            if paid:
                page.line(f"    {paid}")
    page.rule()
    page.pair("Opening float", fmt(report.shift.opening_float))
    if report.expected_cash is None:
        page.line("Blind X: the drawer's cash figures are for supervisors and managers")
    else:
        page.pair("Expected cash", fmt(report.expected_cash), bold=True)
    if report.counted_cash is not None and report.expected_cash is not None:
        page.pair("Counted cash", fmt(report.counted_cash), bold=True)
        diff = report.counted_cash - report.expected_cash
        page.pair("Over" if diff > 0 else "Short" if diff < 0 else "Difference",
                  _signed(cur, diff), bold=True)
    if report.approved_by:
        page.pair("Difference signed off by", report.approved_by)
        if report.approval_reason:
            page.line(f"Reason: {report.approval_reason}")
    if report.denominations:
        page.rule()
        for value, pieces in sorted(report.denominations.items(), reverse=True):
            if pieces:
                page.pair(f"  {pieces} × {fmt(value)}", fmt(value * pieces))
    page.rule()
    if report.kind == "Z":
        page.line()
        page.line("Signature:")
        page.line()
        page.line("_" * page.width)
    if copy:
        page.line()
        _markers(page, False, True)
    page.add(Cut(partial_cut))
    return page.document("report", f"{report.kind} {report.shift.number}")


# -- tabular reports (sales, movers, stock, low stock, shrinkage, tax) ----------------------------
MAX_REPORT_ROWS = 60  # longer tables print this many rows and say how many more are in the CSV
MIN_LABEL = 12  # narrower than this, a row's label goes on its own line above its figures
LABEL_LINES = 2  # a row's label wraps onto this many lines at most, then ends in "..."


@dataclass(frozen=True)
class ReportRow:
    label: str
    values: tuple[str, ...]  # formatted figures, one per ``ReportTable.headers``
    group: str = ""  # rows of one group print under its heading ("Top movers", a department)


@dataclass(frozen=True)
class ReportTable:
    """A report already formatted for people (amounts as text): a label and a few figures
    per row; ``figures`` reports (X without a shift, sales summary) print as pairs."""

    title: str
    period: str  # "2026-11-01 to 2026-11-24", or "" for a snapshot (stock)
    label: str  # the label column's heading
    headers: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    notes: tuple[str, ...] = ()
    figures: bool = False


def _table_rows(page: _Page, table: ReportTable, max_rows: int) -> None:
    w = page.width
    p = page.plain
    table = ReportTable(
        table.title, table.period, p(table.label), tuple(p(h) for h in table.headers),
        tuple(ReportRow(p(r.label), tuple(p(v) for v in r.values), p(r.group))
              for r in table.rows[:max_rows]), table.notes, table.figures)
    cols = [max([len(h)] + [len(r.values[i]) for r in table.rows[:max_rows]])
            for i, h in enumerate(table.headers)]
    figures_w = sum(c + 1 for c in cols)
    one_line = w - figures_w >= MIN_LABEL
    label_w = w - figures_w if one_line else w

    def figures(values: Sequence[str]) -> str:
        return "".join(" " + v.rjust(c) for v, c in zip(values, cols, strict=True))

    stacked = figures_w > w  # even the figures alone do not fit: one pair per figure
    if not stacked:
        head = figures(table.headers)
        page.line((_cut(table.label, label_w).ljust(label_w) + head) if one_line
                  else head.rjust(w), bold=True)
        page.rule()
    group = None
    for row in table.rows[:max_rows]:
        if row.group != group:
            group = row.group
            if group:
                page.line(_cut(group, w), bold=True)
        if stacked:
            page.line(_cut(row.label, w))
            for h, v in zip(table.headers, row.values, strict=True):
                page.lines(pair(f"  {h}", v, w))
        elif one_line:  # the label wraps in its column; the figures go on its last line
            parts = _wrap(row.label, label_w, LABEL_LINES)
            page.lines(parts[:-1])
            page.line(parts[-1].ljust(label_w) + figures(row.values))
        else:
            page.line(_cut(row.label, w))
            page.line(figures(row.values).rjust(w))


def render_table(
    table: ReportTable, store: StoreHeader, width: int, printed_at: str, *,
    max_rows: int = MAX_REPORT_ROWS, partial_cut: bool = False, tz: tzinfo | None = None,
    terminal: str = "", charset: Charset | None = None,
) -> Document:
    """A tabular report on receipt paper: title, period, when it was printed, the rows (at most
    ``max_rows``, then a line saying how many more the CSV export has), notes and a cut."""
    page = _Page(width, charset=charset)
    if store.name:
        page.center(store.name, bold=True)
    page.center(table.title.upper(), bold=True)
    if table.period:
        page.center(table.period)
    page.pair(f"Printed {_when(printed_at, tz)}", f"Register {terminal}" if terminal else "")
    page.rule()
    if table.figures:
        for row in table.rows[:max_rows]:
            page.pair(row.label, row.values[0] if row.values else "")
    elif table.rows:
        _table_rows(page, table, max_rows)
    if not table.rows:
        page.center("(nothing in this period)" if table.period else "(nothing to show)")
    more = len(table.rows) - max_rows
    if more > 0:
        page.line(f"… {more} more row{'s' if more != 1 else ''}, export CSV")
    if table.notes:
        page.rule()
        for note in table.notes:
            page.line(note)
    page.add(Cut(partial_cut))
    return page.document("report", table.title)


# -- drawer and test page -----------------------------------------------------------------------
def render_drawer(width: int) -> Document:
    """A no-sale drawer open: a pulse, nothing printed."""
    _check_width(width)
    return Document(width, (DrawerPulse(),), "drawer", "")


CODEPAGE_SAMPLE = "€ é è à ç ñ ü ö ä ß Æ ø £ ×"


def render_test_page(
    width: int, info: Sequence[tuple[str, str]], barcode: str, *, partial_cut: bool = False,
    title: str = "pos-terminal test page", charset: Charset | None = None,
) -> Document:
    """``doctor printer``'s page: settings, a code-page sample, a ruler, a barcode and a cut."""
    page = _Page(width, charset=charset)
    page.big("TEST PAGE")
    page.center(title)
    page.rule("=")
    for key, value in info:
        page.pair(f"{key}:", value)
    page.rule()
    page.line("Code page (must read as typed):")
    page.center(CODEPAGE_SAMPLE)
    page.line("Ruler (one full line):")
    page.line(("1234567890" * (width // 10 + 1))[:width])
    page.line("Bold line", bold=True)
    page.big("DOUBLE")
    page.rule()
    page.line("Code128 barcode below:")
    page.add(Barcode(barcode))
    page.add(Cut(partial_cut))
    return page.document("test", barcode)


# -- on-screen text -----------------------------------------------------------------------------
def _place(text: str, width: int, align: Align) -> str:
    if align is Align.CENTER:
        return text.center(width).rstrip()
    if align is Align.RIGHT:
        return text.rjust(width)
    return text


def _bars(data: str, width: int) -> str:
    """A barcode-looking line for the screen: not scannable, only the same size on paper."""
    bits = "".join(f"{ord(c) & 0x7F:07b}" for c in "{" + data + "}")
    bars = "".join("█" if b == "1" else "▌" if i % 3 else " " for i, b in enumerate(bits))
    return _place(bars[:width], width, Align.CENTER)


def to_text(document: Document) -> str:
    """The document as monospaced text, laid out like the paper receipt."""
    w = document.width
    rows: list[str] = []
    for b in document.blocks:
        if isinstance(b, Text):
            if b.double:
                # Double-size characters take two columns on paper: letter-space them.
                placed = _place(b.text, w // 2, b.align)
                rows.append("".join(c + " " for c in placed).rstrip())
            else:
                rows.append(_place(b.text, w, b.align).rstrip())
        elif isinstance(b, Rule):
            rows.append(b.char * w)
        elif isinstance(b, Barcode):
            rows.append(_bars(b.data, w))
            rows.append(_place(b.data, w, Align.CENTER))
        elif isinstance(b, Cut):
            rows.append("✂" + "-" * (w - 1))
    return "\n".join(rows) + "\n"


# -- empties (deposit refund without a sale) -----------------------------------------------------
@dataclass(frozen=True)
class DepositRefundReceipt:
    refund_no: str
    completed_at: str
    currency: Currency
    lines: tuple[DepositRow, ...]
    total: int
    method: str  # cash | voucher
    voucher_code: str | None = None
    cashier: str = ""
    terminal: str = ""
    training: bool = False


def render_deposit_refund(
    ref: DepositRefundReceipt, store: StoreHeader, width: int, *, copy: bool = False,
    drawer: bool = False, partial_cut: bool = False, tz: tzinfo | None = None,
    charset: Charset | None = None,
) -> Document:
    """Empties taken back: a cash slip, or a voucher with its barcode (taken once at a sale)."""
    page = _Page(width, charset=charset)
    cur = ref.currency
    if drawer:
        page.add(DrawerPulse())
    _header(page, store, ref.training, copy)
    page.big("VOUCHER" if ref.method == "voucher" else "DEPOSIT REFUND")
    _meta(page, "Empties", ref.refund_no, ref.completed_at, ref.cashier, ref.terminal, tz)
    for d in ref.lines:
        page.pair(f"{d.name} {d.qty} × {cur.format(d.unit_amount)}", cur.format(d.amount))
    page.rule()
    if ref.method == "voucher":
        page.big_pair("VALUE", f"{cur.code} {cur.format(ref.total)}")
        page.center("Scan at the till to pay with this voucher. Valid once.")
    else:
        page.big_pair("PAID OUT", f"{cur.code} {cur.format(ref.total)}")
    page.rule()
    _footer(page, store, ref.voucher_code or ref.refund_no, ref.training, copy, partial_cut)
    return page.document("deposit", ref.refund_no)
