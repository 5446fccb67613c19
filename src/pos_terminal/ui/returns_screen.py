"""Returns: scan or type a receipt number, set what comes back, see the refund, F12.

What a code is, the service decides (``ReturnService.scan``): a receipt of this store loads its
lines; an item barcode finds the recent sales that still have it to return (one: loaded with
the item marked; several: a list to pick from with the arrow keys and Enter; none: a blind
return of that item, which a supervisor approves). On a loaded receipt an item scan marks one
more of it; in a blind return repeated scans of one barcode are one row with a count.

Each line shows its price; the "Return now" fields (pieces, or kg/l with the store's decimal
separator) are one Tab chain, and the refund of each line and the total are asked of the
service — the same code that posts the return — after every change, before F12 confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from pos_protocol import from_wire_time
from pos_terminal.domain.cart import Override
from pos_terminal.domain.measure import Default, format_measure, measure_of, parse_measure
from pos_terminal.domain.receipt import per_unit
from pos_terminal.domain.scan import ScanCode
from pos_terminal.domain.tenders import Tender, TenderKind, check_reference
from pos_terminal.errors import InputError, PosError, QuantityError
from pos_terminal.services.returns import (
    ItemScan,
    ReceiptScan,
    RefundPreview,
    SaleOfItem,
    bump,
)
from pos_terminal.services.sale_session import Approver
from pos_terminal.ui.cash_dialogs import with_approval
from pos_terminal.ui.dialogs import OverrideDialog
from pos_terminal.ui.screens import ScanScreen, cell, pick_table
from pos_terminal.ui.widgets import set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

PREVIEW_DELAY_MS = 120  # quantities typed quickly are previewed once
RECEIPT_COLUMNS = ("Item", "Price", "Sold", "Returnable", "Return now", "Refund")
BLIND_COLUMNS = ("Item", "Price", "Scans", "Return now", "Refund")
PICK_COLUMNS = ("Receipt", "Sold at", "Left to return")
PROMPT = "scan the receipt's barcode or type its number (e.g. {example}), or scan an item"


@dataclass
class BlindRow:
    """Repeated scans of one barcode in a blind return: one row, a count (pieces), or the
    weight or volume in base units for measured goods."""

    code: str
    product_id: int
    label: str
    unit: str
    pack: int
    price: int
    price_per: int
    scans: int = 1


def _local(iso: str) -> str:
    """A stored UTC time as the register's local date and time."""
    try:
        return f"{from_wire_time(iso).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return iso


class _NextOnEnter(QObject):
    """Enter in a "return now" field goes to the next field, as Tab does (never refunds)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # type: ignore[attr-defined]
                and isinstance(obj, QWidget)):
            obj.focusNextPrevChild(True)
            return True
        return False


class ReturnsScreen(ScanScreen):
    refunded = Signal()
    failed_text = "the return failed"

    def __init__(self, window: MainWindow) -> None:
        s = window.app.settings
        self.example = f"{s.store}-{s.register}-000123"
        super().__init__(window, "Returns", PROMPT.format(example=self.example),
                         field_height=None, keypad=True)
        self.receipt_field = self.scan_field  # a receipt number, or items in a blind return
        self.currency = s.currency
        self.measure = s.measure
        self.receipt: ReceiptScan | None = None
        self.choices: tuple[SaleOfItem, ...] = ()
        self.pending: ItemScan | None = None  # the item that found several sales
        self.blind: Override | None = None
        self.blind_rows: list[BlindRow] = []
        self.fields: list[QWidget] = []  # the "return now" fields, in row order
        self.preview: RefundPreview | None = None
        self._asked = 0  # previews asked; a late answer to an older question is dropped
        self._enter = _NextOnEnter(self)
        lay = self.lay
        lay.addWidget(self.receipt_field)
        self.table = pick_table(self, RECEIPT_COLUMNS)
        self.table.setTabKeyNavigation(False)  # Tab goes from field to field, not cell to cell
        self.table.activated.connect(self._picked)
        lay.addWidget(self.table, 1)
        opts = QHBoxLayout()
        self.restock = QCheckBox("Put back on the shelf (restock)", self)
        self.restock.setChecked(True)
        # Blind returns: the deposit comes back with the item unless the bottle stays with
        # the customer (docs/retail.md).
        self.deposit_back = QCheckBox("Bottle back: refund its &deposit", self)
        self.deposit_back.setChecked(True)
        self.deposit_back.hide()
        self.deposit_back.toggled.connect(self._changed)
        self.tender = QComboBox(self)
        self.tender.addItems(["cash", "card"])
        self.reference = QLineEdit(self)
        self.reference.setPlaceholderText("card terminal reference (card refunds)")
        opts.addWidget(self.restock)
        opts.addWidget(self.deposit_back)
        opts.addStretch(1)
        lay.addLayout(opts)
        pay = QHBoxLayout()  # a row of its own: the reference keeps its room in a blind return
        pay.addWidget(QLabel("Refund by", self))
        pay.addWidget(self.tender)
        pay.addWidget(self.reference, 1)
        lay.addLayout(pay)
        self.refund_label = QLabel("", self)
        set_role(self.refund_label, "change")
        lay.addWidget(self.refund_label)
        self.add_keys(("F12", "Refund", self.refund, "primary"),
                      ("F6", "Blind return", self.start_blind),
                      ("F10", "Back to sale", self.done.emit))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._ask_preview)

    # -- state ----------------------------------------------------------------------------
    def start(self) -> None:
        """A fresh screen: nothing loaded, the scan field focused."""
        self.receipt = None
        self.choices = ()
        self.pending = None
        self.blind = None
        self.blind_rows = []
        self.preview = None
        self._asked += 1
        self._timer.stop()
        self._set_table(RECEIPT_COLUMNS, 0)
        self.refund_label.clear()
        self.reference.clear()
        self.restock.setChecked(True)
        self.deposit_back.setChecked(True)
        self.deposit_back.hide()
        self.message.clear_message()
        self.receipt_field.setPlaceholderText(PROMPT.format(example=self.example))
        self.receipt_field.setFocus()

    def _set_table(self, columns: tuple[str, ...], rows: int) -> None:
        self.fields = []
        self.table.clearContents()
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.setRowCount(rows)
        picking = columns is PICK_COLUMNS
        self.table.setFocusPolicy(Qt.FocusPolicy.StrongFocus if picking
                                  else Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection if picking
                                    else QAbstractItemView.SelectionMode.NoSelection)

    # -- scans ----------------------------------------------------------------------------
    def scanned(self, text: str | ScanCode) -> None:
        rules = self.app.scanner.rules
        self._run(lambda: self.app.returns.scan(text, rules), self._scan_result)

    def take_scan(self, scan: Any) -> str | None:
        """A routed scan (ui/scan_route.py): a serial frame keeps its interpreted code (its
        symbology, a GS1 element string), so it reads as it does at the sale."""
        if scan.error is not None:
            self.message.error(scan.error)
            return None
        self.scanned(scan.code if scan.code is not None else (scan.text or "").strip())
        return None

    def _scan_result(self, got: ReceiptScan | ItemScan) -> None:
        if isinstance(got, ReceiptScan):
            if self.blind is not None and self.blind_rows:
                self.message.error(
                    f"{got.receipt_no} is a receipt, but this is a blind return with items "
                    "scanned: refund them first (F12), or F10 to leave it")
                return
            self._show_receipt(got)
            return
        self._item(got)

    def _item(self, item: ItemScan) -> None:
        if self.blind is not None:
            self._add_blind(item)
        elif self.receipt is not None:
            self._mark(item)
        elif len(item.sales) == 1:
            sale = item.sales[0]
            self.pending = item
            self._run(lambda: self.app.returns.scan(sale.receipt_no), self._show_receipt)
        elif item.sales:
            self._offer(item)
        else:
            self.message.info(
                f"{item.code} is an item barcode ({item.label}), not a receipt: no sale of it "
                "here in the last 90 days, so it comes back as a blind return — a supervisor "
                "approves")
            self._start_blind(item)

    # -- a receipt ------------------------------------------------------------------------
    def _show_receipt(self, got: ReceiptScan) -> None:
        pending, self.pending = self.pending, None
        self.start()
        self.receipt = got
        self._set_table(RECEIPT_COLUMNS, len(got.lines))
        for row, ln in enumerate(got.lines):
            label = f"{ln.name} {ln.variant}".strip()
            self.table.setItem(row, 0, cell(f"{label}  ({ln.sku})"))
            self.table.setItem(row, 1, cell(self._price(ln.price, ln.price_per, ln.unit), True))
            self.table.setItem(row, 2, cell(self._qty(ln.qty, ln.unit), True))
            self.table.setItem(row, 3, cell(self._qty(ln.returnable, ln.unit), True))
            field = self._field(ln.unit, ln.returnable)
            self.table.setCellWidget(row, 4, field)
            self.table.setItem(row, 5, cell("", True))
            self.fields.append(field)
        self._chain()
        note = " (training sale)" if got.training else ""
        if pending is not None:
            self._mark(pending, f"{pending.code} is an item barcode ({pending.label}): found "
                                f"on receipt {got.receipt_no}{note}, loaded; ")
        else:
            self.message.info(f"receipt {got.receipt_no}{note}: set what comes back (Tab "
                              "between the fields), then F12")
        if self.fields:
            self._focus(self.fields[0])
        # the refund goes back the way the sale was paid (another tender: a supervisor)
        number = got.receipt_no
        self.window_.runner.run(lambda: self.app.returns.tenders_left(number), self._as_paid,
                                self.fail)

    def _as_paid(self, left: dict[str, int]) -> None:
        self.tender.setCurrentText("card" if left.get("card") and not left.get("cash")
                                   else "cash")

    def _mark(self, item: ItemScan, said: str = "") -> None:
        """An item scanned on the loaded receipt: one more of it to return."""
        assert self.receipt is not None
        lines = self.receipt.lines
        try:
            picks, line_no = bump(lines, self._picks(strict=False), item.product_id,
                                  item.quantity)
        except PosError as exc:
            self.message.error(f"{said}{item.label}: {exc}")
            return
        row = next(i for i, ln in enumerate(lines) if ln.line_no == line_no)
        ln = lines[row]
        self._set_field(self.fields[row], picks[line_no], ln.unit)
        self.message.info(f"{said}{self._qty(picks[line_no], ln.unit)} of {item.label} to "
                          "return; F12 refunds")
        self._changed()

    # -- several sales: pick one ------------------------------------------------------------
    def _offer(self, item: ItemScan) -> None:
        self.start()
        self.pending = item
        self.choices = item.sales
        self._set_table(PICK_COLUMNS, len(item.sales))
        for row, sale in enumerate(item.sales):
            self.table.setItem(row, 0, cell(sale.receipt_no))
            self.table.setItem(row, 1, cell(_local(sale.completed_at)))
            self.table.setItem(row, 2, cell(self._qty(sale.returnable, sale.unit), True))
        self.table.selectRow(0)
        self.table.setFocus()
        self.message.info(
            f"{item.code} is an item barcode ({item.label}), not a receipt: it is on "
            f"{len(item.sales)} recent receipts — pick one with ↑/↓ and Enter, or scan the "
            "customer's receipt")

    def _picked(self, *_: Any) -> None:
        row = self.table.currentRow()
        if not self.choices or not 0 <= row < len(self.choices):
            return
        number, pending = self.choices[row].receipt_no, self.pending

        def shown(got: ReceiptScan) -> None:
            self.pending = pending
            self._show_receipt(got)

        self._run(lambda: self.app.returns.scan(number), shown)

    # -- blind return ---------------------------------------------------------------------
    def start_blind(self) -> None:
        """F6: a return without a receipt, which a supervisor approves."""
        self._start_blind(None)

    def _start_blind(self, first: ItemScan | None) -> None:
        """A supervisor approves a return without a receipt; ``first`` is the item that
        started it (scanned where a receipt was expected)."""
        session = self.window_.sale.session
        assert session is not None
        needs = session.needs_approval("blind_return")
        dlg = OverrideDialog(self, "blind_return", self.window_.supervisors(), needs,
                             "no receipt")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.receipt_field.setFocus()
            return
        approver = Approver(dlg.user.currentText(), dlg.pin.text()) if needs else None
        reason = dlg.reason.text()

        def approve() -> Override:
            return session.authorise("blind_return", reason, approver)

        def started(o: Override) -> None:
            self.start()
            self.blind = o
            self.deposit_back.show()
            self._set_table(BLIND_COLUMNS, 0)
            self.receipt_field.setPlaceholderText("blind return: scan each item coming back")
            self.message.info("blind return approved: scan the items, then F12")
            if first is not None:
                self._add_blind(first)

        self._run(approve, started)

    def _add_blind(self, item: ItemScan) -> None:
        measured = item.unit != "each"
        for i, r in enumerate(self.blind_rows):
            if r.product_id == item.product_id and r.pack == item.pack and (
                    measured or r.code == item.code):
                r.scans += 1
                field = self.fields[i]
                if measured:  # another label: its weight adds up
                    now = self._value(field, r.unit, strict=False)
                    self._set_field(field, now + item.quantity, r.unit)
                else:
                    assert isinstance(field, QSpinBox)
                    field.setValue(field.value() + 1)
                self.table.setItem(i, 2, cell(str(r.scans), True))
                self.message.info(f"{item.label}: {r.scans} scanned")
                self._changed()
                return
        row = BlindRow(item.sku if measured else item.code, item.product_id, item.label,
                       item.unit, item.pack, item.price, item.price_per)
        self.blind_rows.append(row)
        n = self.table.rowCount()
        self.table.setRowCount(n + 1)
        pack = f" ({item.pack}-pack)" if item.pack > 1 else ""
        self.table.setItem(n, 0, cell(f"{item.label}{pack}"))
        self.table.setItem(n, 1, cell(self._price(item.price, item.price_per, item.unit), True))
        self.table.setItem(n, 2, cell("1", True))
        field = self._field(item.unit, None)
        self._set_field(field, item.quantity if measured else 1, item.unit)
        self.table.setCellWidget(n, 3, field)
        self.table.setItem(n, 4, cell("", True))
        self.fields.append(field)
        self._chain()
        if measured and not item.quantity:
            self._focus(field)
            self.message.info(f"{item.label} is sold by {self._kind(item.unit)}: type it "
                              f"in kg or l (e.g. {format_measure(1235, item.unit, self.measure)})")
        else:
            self.message.info(f"{item.label} added; scan the next item or F12")
        self._changed()

    # -- "return now" fields --------------------------------------------------------------
    @staticmethod
    def _focus(field: QWidget) -> None:
        """Focus a field with its text selected: what is typed replaces it."""
        field.setFocus()
        if isinstance(field, QSpinBox | QLineEdit):
            field.selectAll()

    def _field(self, unit: str, most: int | None) -> QWidget:
        field: QWidget
        if unit == "each":
            spin = QSpinBox(self.table)
            spin.setRange(0, most if most is not None else 9999)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.valueChanged.connect(self._changed)
            field = spin
        else:
            line = QLineEdit(self.table)
            m = measure_of(unit)
            line.setPlaceholderText(m.big if m else unit)
            line.setAlignment(Qt.AlignmentFlag.AlignRight)
            line.textEdited.connect(self._changed)
            line.editingFinished.connect(self._tidy)
            field = line
        field.setProperty("most", most)
        field.setProperty("unit", unit)
        field.installEventFilter(self._enter)
        return field

    def _set_field(self, field: QWidget, qty: int, unit: str) -> None:
        if isinstance(field, QSpinBox):
            field.setValue(qty)
        elif isinstance(field, QLineEdit):
            field.setText(format_measure(qty, unit, self.measure) if qty else "")

    def _tidy(self) -> None:
        """A weight typed as "0,5" reads back as "0,500 kg" once the cashier moves on."""
        field = self.sender()
        if isinstance(field, QLineEdit):
            unit = str(field.property("unit"))
            qty = self._value(field, unit, strict=False)
            if qty:
                field.setText(format_measure(qty, unit, self.measure))
    def _value(self, field: QWidget, unit: str, strict: bool = True) -> int:
        """Base units a field holds (0 when empty); ``strict`` raises on what cannot be read."""
        if isinstance(field, QSpinBox):
            return field.value()
        assert isinstance(field, QLineEdit)
        text = field.text().strip()
        if not text or text.strip("0.,") == "":
            return 0
        try:
            qty = parse_measure(text, unit, self.measure, Default.BIG)
        except QuantityError:
            if strict:
                raise
            return 0
        most = field.property("most")
        if strict and isinstance(most, int) and qty > most:
            raise QuantityError(f"at most {self._qty(most, unit)} is left to return")
        return qty

    def _chain(self) -> None:
        """Tab order: the scan field, each "return now" field in row order, then the refund
        options."""
        chain = [self.receipt_field, *self.fields, self.restock, self.deposit_back, self.tender,
                 self.reference]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    def _picks(self, strict: bool = True, focus: bool = True) -> dict[int, int]:
        """Line number → base units to return on the loaded receipt (``strict``: raise for a
        field that cannot be read or asks for more than is left, focusing it)."""
        assert self.receipt is not None
        picks: dict[int, int] = {}
        for ln, field in zip(self.receipt.lines, self.fields, strict=True):
            try:
                q = self._value(field, ln.unit, strict)
            except QuantityError as exc:
                if focus:
                    field.setFocus()
                raise QuantityError(f"{ln.name}: {exc.message}") from exc
            if q:
                picks[ln.line_no] = q
        return picks

    def _blind_items(self, strict: bool = True, focus: bool = True) -> list[tuple[str, int]]:
        """Blind rows as (code, count): scans for pieces (each scan is the barcode's pack),
        base units for measured goods."""
        items = []
        for r, field in zip(self.blind_rows, self.fields, strict=True):
            try:
                q = self._value(field, r.unit, strict)
            except QuantityError as exc:
                if focus:
                    field.setFocus()
                raise QuantityError(f"{r.label}: {exc.message}") from exc
            if strict and focus and r.unit != "each" and not q:
                field.setFocus()
                raise QuantityError(f"{r.label}: type the {self._kind(r.unit)} coming back")
            if q:
                items.append((r.code, q))
        return items

    # -- the refund, before it is confirmed -----------------------------------------------
    def _changed(self, *_: Any) -> None:
        self._timer.start()

    def _ask_preview(self) -> None:
        self._asked += 1
        asked = self._asked
        try:
            if self.receipt is not None:
                number, picks = self.receipt.receipt_no, self._picks(focus=False)
            elif self.blind is not None:
                items = self._blind_items(focus=False)
        except QuantityError as exc:  # said now, as F12 would; the cashier stays in the field
            self.message.error(exc.message)
            self._show_preview(asked, None)
            return
        if self.receipt is not None:
            if not picks:
                self._show_preview(asked, None)
                return
            job: Any = lambda: self.app.returns.preview_lines(number, picks)  # noqa: E731
        elif self.blind is not None:
            back = self.deposit_back.isChecked()
            if not items:
                self._show_preview(asked, None)
                return
            job = lambda: self.app.returns.preview_blind(items, back)  # noqa: E731
        else:
            return
        self.window_.runner.run(job, lambda p: self._show_preview(asked, p), self._no_preview)

    def _no_preview(self, exc: BaseException) -> None:
        """A quantity the service refuses: say so, and leave the focus where the cashier is."""
        if not isinstance(exc, PosError):
            self.window_.unexpected(exc)
        self.message.error(str(exc) if isinstance(exc, PosError) else self.failed_text)
        self.refund_label.setText("")

    def _show_preview(self, asked: int, preview: RefundPreview | None) -> None:
        if asked != self._asked:
            return  # the quantities changed again since; a newer preview is on its way
        self.preview = preview
        fmt = self.currency.format
        amounts = preview.amounts if preview else {}
        if self.receipt is not None:
            for row, ln in enumerate(self.receipt.lines):
                a = amounts.get(ln.line_no)
                self.table.setItem(row, 5, cell(fmt(a) if a is not None else "", True))
        else:
            for row in range(len(self.blind_rows)):
                a = amounts.get(self._blind_index(row))
                self.table.setItem(row, 4, cell(fmt(a) if a is not None else "", True))
        if preview is None:
            self.refund_label.setText("")
            return
        deposits = f" (deposits {fmt(preview.deposits)})" if preview.deposits else ""
        self.refund_label.setText(f"To refund {self.currency.code} {fmt(preview.total)}{deposits}")

    def _blind_index(self, row: int) -> int:
        """The index of blind row ``row`` among the items sent (rows with a quantity)."""
        items = 0
        for i, (r, field) in enumerate(zip(self.blind_rows, self.fields, strict=True)):
            if i == row:
                return items if self._value(field, r.unit, strict=False) else -1
            if self._value(field, r.unit, strict=False):
                items += 1
        return -1

    def _tenders(self) -> list[Tender]:
        if self.tender.currentText() == "card":
            ref = check_reference(self.reference.text())
            if not ref:
                raise InputError("type the card terminal's refund reference")
            return [Tender(TenderKind.CARD, None, ref)]
        return [Tender(TenderKind.CASH)]

    def refund(self) -> None:
        """F12: post the return shown (the refund total is on screen before this)."""
        user = self.window_.user
        assert user is not None
        try:
            tenders = self._tenders()
            if self.blind is not None:
                items = self._blind_items()
            elif self.receipt is not None:
                picks = self._picks()
            else:
                raise InputError("scan the receipt first (or F6 for a return without one)")
        except PosError as exc:
            self.message.error(str(exc))
            return
        restock = self.restock.isChecked()
        if self.blind is not None:
            approval = self.blind
            deposit_back = self.deposit_back.isChecked()
            if not items:
                self.message.error("scan at least one item to return")
                return

            def job(_ok: Override | None) -> Any:
                return self.app.returns.blind_return(items, user.id, approval, restock, tenders,
                                                     deposit_back=deposit_back)
        else:
            assert self.receipt is not None
            receipt = self.receipt.receipt_no
            if not picks:
                self.message.error("set how many come back (Tab to the \"Return now\" "
                                   "fields), or scan the items")
                return

            def job(ok: Override | None) -> Any:  # ok: a supervisor's, for another tender
                return self.app.returns.return_lines(receipt, picks, user.id, restock, tenders,
                                                     approval=ok)
        with_approval(self.window_, job, self._refunded, self.fail)

    def _refunded(self, result: Any) -> None:
        self.refunded.emit()
        self.start()
        self.refund_label.setText(f"Refund {self.currency.format(result.refund)}")
        how = ", ".join(f"{a.kind} {self.currency.format(a.amount)}"
                        for a in result.settlement.tenders)
        self.message.info(f"return {result.return_no} done; give the customer the refund "
                          f"({how})")

    # -- text -----------------------------------------------------------------------------
    def _qty(self, qty: int, unit: str) -> str:
        return format_measure(qty, unit, self.measure)

    def _price(self, price: int, price_per: int, unit: str) -> str:
        return self.currency.format(price) + per_unit(price_per, unit)

    @staticmethod
    def _kind(unit: str) -> str:
        m = measure_of(unit)
        return m.kind if m else unit
