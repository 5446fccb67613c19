"""Qt models over domain values (read-only views; the cart itself lives in the sale session)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from pos_terminal.domain.cart import PricedLine, Totals
from pos_terminal.domain.money import Currency

Index = QModelIndex | QPersistentModelIndex


def qty_text(line: PricedLine) -> str:
    unit = line.line.item.unit
    q = line.line.qty
    if unit in ("g", "ml"):
        return f"{q // 1000}.{q % 1000:03d} {'kg' if unit == 'g' else 'l'}"
    return str(q)


class CartModel(QAbstractTableModel):
    HEADERS = ("#", "Item", "Qty", "Price", "Disc.", "Total")

    def __init__(self, currency: Currency) -> None:
        super().__init__()
        self.currency = currency
        self.lines: tuple[PricedLine, ...] = ()

    def set_totals(self, totals: Totals) -> None:
        self.beginResetModel()
        self.lines = totals.lines
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

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
        p = self.lines[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        fmt = self.currency.format
        item = p.line.item
        if col == 0:
            return str(p.line.line_no)
        if col == 1:
            name = f"{item.name} {item.variant}".strip()
            if item.pack > 1:
                name += f" ({item.pack}-pack)"
            if p.line.original_price is not None:
                name += "  [price override]"
            return name
        if col == 2:
            return qty_text(p)
        if col == 3:
            per = "" if p.line.price_per == 1 else (
                "/kg" if item.unit == "g" and p.line.price_per == 1000 else
                "/l" if item.unit == "ml" and p.line.price_per == 1000 else
                f"/{p.line.price_per}")
            return fmt(p.line.price) + per
        if col == 4:
            d = p.line_discount + p.sale_discount
            return f"-{fmt(d)}" if d else ""
        return fmt(p.total)

    def line_no(self, row: int) -> int:
        return self.lines[row].line.line_no
