"""Qt models over domain values (read-only views; the cart itself lives in the sale session)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pos_protocol.money import Currency
from pos_terminal.domain.cart import DisplayRow, PricedDeposit, PricedLine, Totals
from pos_terminal.domain.measure import DOT, MeasureFormat, format_quantity

Index = QModelIndex | QPersistentModelIndex


def qty_text(line: PricedLine, measure: MeasureFormat = DOT) -> str:
    return format_quantity(line.line.qty, line.line.item.unit, measure)


def _name(p: PricedLine) -> str:
    """A cart line's item as the cashier reads it, never shortened."""
    item = p.line.item
    name = f"{item.name} {item.variant}".strip()
    if item.pack > 1:
        name += f" ({item.pack}-pack)"
    if p.line.original_price is not None:
        name += "  [price override]"
    return name


class CartModel(QAbstractTableModel):
    HEADERS = ("#", "Item", "Qty", "Price", "Disc.", "Total")

    def __init__(self, currency: Currency, measure: MeasureFormat = DOT) -> None:
        super().__init__()
        self.currency = currency
        self.measure = measure  # weights with the store's decimal separator
        self.lines: tuple[PricedLine, ...] = ()
        # one row per item, then its promotion saving and its deposit (Totals.display_rows)
        self.rows: list[tuple[DisplayRow, PricedLine, PricedDeposit | None]] = []

    def set_totals(self, totals: Totals) -> None:
        self.beginResetModel()
        self.lines = totals.lines
        by_no = {p.line.line_no: p for p in totals.lines}
        deps = {d.line_no: d for d in totals.deposits}
        self.rows = [(r, by_no[r.line_no], deps.get(r.line_no) if r.kind == "deposit" else None)
                     for r in totals.display_rows()]
        self.endResetModel()

    def item_row(self, line_no: int) -> int:
        """The table row of an item line (its promotion / deposit rows follow it)."""
        return next(i for i, (r, _, _) in enumerate(self.rows)
                    if r.kind == "item" and r.line_no == line_no)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, p, dep = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and row.kind == "promotion":
            return QColor("#1b7f3b")  # a saving reads as good news
        if role == Qt.ItemDataRole.ForegroundRole and row.kind == "deposit":
            return QColor("#555555")
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole line, however narrow the column
            return self.detail(index.row())
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        fmt = self.currency.format
        if row.kind == "promotion":
            return {1: f"    ★ {row.text}", 4: f"-{fmt(-row.amount)}"}.get(col, "")
        if row.kind == "deposit" and dep is not None:
            return {1: f"    + {row.text}", 2: str(dep.count), 3: fmt(dep.deposit.amount),
                    5: fmt(dep.total)}.get(col, "")
        if col == 0:
            return str(p.line.line_no)
        if col == 1:
            return _name(p)
        if col == 2:
            return qty_text(p, self.measure)
        if col == 3:
            return self._price(p)
        if col == 4:
            d = p.line.discount + p.sale_discount  # the promotion shows on its own row
            return f"-{fmt(d)}" if d else ""
        return self._line_total(p)

    def _price(self, p: PricedLine) -> str:
        unit = p.line.item.unit
        per = "" if p.line.price_per == 1 else (
            "/kg" if unit == "g" and p.line.price_per == 1000 else
            "/l" if unit == "ml" and p.line.price_per == 1000 else
            f"/{p.line.price_per}")
        return self.currency.format(p.line.price) + per

    def _line_total(self, p: PricedLine) -> str:
        fmt = self.currency.format
        return fmt(p.total + p.line.promo_saving) if p.line.promo_saving else fmt(p.total)

    def detail(self, row: int) -> str:
        """One table row in full, for the detail line under the cart and the tooltip: the
        whole name however narrow the column, then quantity, price, discount and total."""
        if not 0 <= row < len(self.rows):
            return ""
        r, p, dep = self.rows[row]
        fmt = self.currency.format
        if r.kind == "promotion":
            return f"{p.line.line_no}. {_name(p)}: {r.text} -{fmt(-r.amount)}"
        if r.kind == "deposit" and dep is not None:
            return (f"{p.line.line_no}. {_name(p)}: {r.text}, {dep.count} × "
                    f"{fmt(dep.deposit.amount)} = {fmt(dep.total)}")
        d = p.line.discount + p.sale_discount
        return (f"{p.line.line_no}. {_name(p)} — {qty_text(p)} × {self._price(p)}"
                + (f", discount -{fmt(d)}" if d else "") + f" = {self._line_total(p)}")

    def line_no(self, row: int) -> int:
        return self.rows[row][0].line_no
