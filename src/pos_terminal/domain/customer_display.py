"""What the customer sees: the customer window's view and the pole display's two lines.

Pure: no Qt, no clock, no device. ``DisplayModel`` follows the sale (cart changed, tendered,
completed) and the passing of time (``tick``) and answers a ``CustomerView``; the customer
window draws that view as it is, and ``pole_lines`` fits it into a 2 × 20 VFD's character set.
Amounts, savings and deposits come from the priced cart (``Totals``) and the settlement; nothing
here prices anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pos_terminal.domain.cart import Totals
from pos_terminal.domain.charset import codec_printer, for_device
from pos_terminal.domain.measure import DOT, MeasureFormat, format_quantity
from pos_terminal.domain.tenders import Settlement

# Pole display code pages (ESC t n) and the Python codec of each.
CODEPAGES: dict[str, str] = {
    "CP437": "cp437", "CP850": "cp850", "CP852": "cp852", "CP858": "cp858",
    "CP860": "cp860", "CP863": "cp863", "CP865": "cp865", "CP866": "cp866",
    "CP1252": "cp1252",
}

TOTAL, CHANGE, PAID, THANKS = "TOTAL", "CHANGE", "PAID", "Thank you!"


class Mode(StrEnum):
    WELCOME = "welcome"  # no sale in progress: the welcome text
    SALE = "sale"  # lines and the total
    PAID = "paid"  # tendered: paid and change; ``thanks`` once the sale is completed


@dataclass(frozen=True)
class DisplayLine:
    """One row of the customer's list: an item, or the saving or deposit under it."""

    kind: str  # item | saving | deposit
    text: str
    qty: str  # "2", "0.532 kg"; "" for saving and deposit rows
    amount: int  # minor units; negative for a saving
    line_no: int = 0  # the cart line it belongs to (0: the whole sale)


@dataclass(frozen=True)
class CustomerView:
    mode: Mode
    welcome: str
    training: bool = False
    lines: tuple[DisplayLine, ...] = ()
    last: DisplayLine | None = None  # the item scanned (or changed) last
    total: int = 0
    items: int = 0
    saving: int = 0  # promotions and discounts the customer got
    deposits: int = 0
    paid: int = 0
    change: int = 0
    thanks: bool = False
    tax_added: int = 0  # sales tax on top of the lines (0 where prices include VAT)


def quantity_text(qty: int, unit: str, measure: MeasureFormat = DOT) -> str:
    """Pieces as is; grams and millilitres as kg and l with three decimals."""
    return format_quantity(qty, unit, measure)


def _rows(totals: Totals, measure: MeasureFormat = DOT) -> list[DisplayLine]:
    """The cart's rows as the cart gives them (item, its promotion saving, its deposit), with a
    cashier's line discount under its item and a sale discount at the end."""
    manual = {p.line.line_no: p.line.discount for p in totals.lines if p.line.discount}
    rows: list[DisplayLine] = []
    for r in totals.display_rows():
        if r.kind == "item":
            rows.append(DisplayLine("item", r.text, quantity_text(r.qty, r.unit, measure),
                                    r.amount, r.line_no))
            if r.line_no in manual:
                rows.append(DisplayLine("saving", "Discount", "", -manual[r.line_no], r.line_no))
        elif r.kind == "promotion":
            rows.append(DisplayLine("saving", r.text, "", r.amount, r.line_no))
        else:
            rows.append(DisplayLine("deposit", r.text, str(r.qty), r.amount, r.line_no))
    sale_discount = sum(p.sale_discount for p in totals.lines)
    if sale_discount:
        rows.append(DisplayLine("saving", "Sale discount", "", -sale_discount))
    return rows


def sale_view(totals: Totals, welcome: str, training: bool = False,
              last_line_no: int | None = None, measure: MeasureFormat = DOT) -> CustomerView:
    """The view of a sale in progress (the welcome view when the cart is empty).

    ``last`` is the item row of ``last_line_no`` (the line scanned or changed last), else of
    the cart's last line.
    """
    if not totals.lines:
        return CustomerView(Mode.WELCOME, welcome, training)
    rows = _rows(totals, measure)  # weights with the store's decimal separator
    items = [r for r in rows if r.kind == "item"]
    last = next((r for r in items if r.line_no == last_line_no), items[-1])
    return CustomerView(
        Mode.SALE, welcome, training, tuple(rows), last, totals.total, totals.item_count,
        totals.discount, totals.deposit_total,
        # Sales-tax mode: the lines are net and the tax is added to the total.
        tax_added=totals.tax if any(p.total != p.amount for p in totals.lines) else 0,
    )


def paid_view(totals: Totals, settlement: Settlement, welcome: str, training: bool = False,
              thanks: bool = False, measure: MeasureFormat = DOT) -> CustomerView:
    v = sale_view(totals, welcome, training, measure=measure)
    return replace(v, mode=Mode.PAID, paid=sum(t.tendered for t in settlement.tenders),
                   change=settlement.change, thanks=thanks)


@dataclass
class DisplayModel:
    """The customer display's state through a sale; ``now_ms`` is a monotonic clock in
    whole milliseconds.

    After a completed sale "Thank you" and the change stay up until the next scan or
    ``idle_seconds``, whichever comes first; an empty cart otherwise shows the welcome text.
    """

    welcome: str
    idle_seconds: int = 30
    training: bool = False
    measure: MeasureFormat = DOT  # the store's decimal separator for weights (1,235 kg)
    view: CustomerView = field(init=False)
    _idle_at_ms: int | None = field(default=None, init=False)
    _seen: dict[int, int] = field(default_factory=dict, init=False)  # line_no → qty

    def __post_init__(self) -> None:
        self.view = CustomerView(Mode.WELCOME, self.welcome, self.training)

    def cart_changed(self, totals: Totals, now_ms: int) -> CustomerView:
        if not totals.lines and self.view.mode is Mode.PAID:
            return self.view  # the cart empties when the sale completes: keep paid/thanks up
        self._idle_at_ms = None
        self.view = sale_view(totals, self.welcome, self.training, self._changed(totals),
                              self.measure)
        return self.view

    def _changed(self, totals: Totals) -> int | None:
        """The line whose quantity changed (or that was added) since the last cart."""
        now = {p.line.line_no: p.line.qty for p in totals.lines}
        changed = [n for n, q in now.items() if self._seen.get(n) != q]
        self._seen = now
        return changed[-1] if changed else None

    def tendered(self, totals: Totals, settlement: Settlement) -> CustomerView:
        self.view = paid_view(totals, settlement, self.welcome, self.training,
                              measure=self.measure)
        return self.view

    def completed(self, totals: Totals, settlement: Settlement, now_ms: int) -> CustomerView:
        self.view = paid_view(totals, settlement, self.welcome, self.training, thanks=True,
                              measure=self.measure)
        self._idle_at_ms = now_ms + self.idle_seconds * 1000
        self._seen = {}
        return self.view

    def idle(self) -> CustomerView:
        """No sale in progress (signed out, sale voided or parked): the welcome text."""
        self._idle_at_ms = None
        self._seen = {}
        self.view = CustomerView(Mode.WELCOME, self.welcome, self.training)
        return self.view

    def tick(self, now_ms: int) -> CustomerView | None:
        """The new view when time alone changed it (thank-you timed out), else None."""
        if self._idle_at_ms is not None and now_ms >= self._idle_at_ms:
            return self.idle()
        return None

    def set_training(self, training: bool) -> None:
        self.training = training


# -- the pole display ---------------------------------------------------------------------------
def for_codepage(text: str, codepage: str = "CP437") -> str:
    """``text`` spelled with characters the code page has (é stays é in CP437, Ł becomes L,
    € becomes EUR where the page lacks it, Водка becomes Vodka): ``domain/charset.py``, as the
    receipt printer does, so one character is one cell of the display."""
    return for_device(text, codec_printer(CODEPAGES[codepage]))


def fit(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line of exactly ``width`` characters; the amount on the
    right is kept whole and the text on the left is cut to make room."""
    right = right[:width]
    room = width - len(right) - (1 if right else 0)
    left = left[:max(room, 0)].rstrip()
    return f"{left}{' ' * (width - len(left) - len(right))}{right}"


def centre(text: str, width: int) -> str:
    return text[:width].center(width)


def wrap2(text: str, width: int) -> tuple[str, str]:
    """A text on at most two lines, cut at spaces where it can; the rest is dropped."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a word longer than the line is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines += ["", ""]
    return lines[0], lines[1]


def pole_lines(view: CustomerView, fmt: Callable[[int], str], columns: int = 20,
               codepage: str = "CP437") -> tuple[str, str]:
    """The two lines of a pole display for ``view``, each exactly ``columns`` characters of
    the code page: the last item and its amount over the total; paid over change; "Thank
    you" over the change; the welcome text when idle."""
    def cp(text: str) -> str:
        return for_codepage(text, codepage)

    if view.mode is Mode.WELCOME:
        a, b = wrap2(cp(view.welcome), columns)
        return centre(a, columns), centre(b, columns)
    if view.mode is Mode.PAID:
        bottom = (fit(CHANGE, fmt(view.change), columns) if view.change or not view.thanks
                  else fit(TOTAL, fmt(view.total), columns))
        top = centre(cp(THANKS), columns) if view.thanks else fit(PAID, fmt(view.paid), columns)
        return top, bottom
    top = " " * columns
    if view.last is not None:
        last = view.last
        qty = f"{last.qty}x " if last.qty not in ("", "1") and " " not in last.qty else ""
        top = fit(cp(qty + last.text), fmt(last.amount), columns)
    return top, fit(TOTAL, fmt(view.total), columns)
