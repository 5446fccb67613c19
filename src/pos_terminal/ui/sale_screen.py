"""The sale screen: scan, build the cart, take payment, next customer.

Every database call goes through the window's Runner (off the GUI thread); the cart is changed
only here, on the GUI thread, from the results. Business rules live in the sale session and
the domain; this screen only turns keys into commands and shows what came back.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.domain.age import AgeCheckRequired
from pos_terminal.domain.cart import LimitError, Override
from pos_terminal.domain.scan import ScanCode
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import NotFoundError, PosError
from pos_terminal.services.catalog import ScanHit
from pos_terminal.services.deposits import looks_like_voucher
from pos_terminal.services.sale_session import Approver, SaleSession
from pos_terminal.ui.dialogs import (
    AgeCheckDialog,
    AmountDialog,
    ChoiceDialog,
    CodeDialog,
    DiscountDialog,
    OverrideDialog,
    TextDialog,
)
from pos_terminal.ui.empties import EmptiesDialog
from pos_terminal.ui.models import CartModel
from pos_terminal.ui.tender import TenderDialog
from pos_terminal.ui.weight_dialog import WeightDialog
from pos_terminal.ui.widgets import (
    FitLabel,
    FunctionButton,
    KeyGroup,
    MessageBar,
    set_role,
    touch_rows,
)

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

_MULTIPLIER = re.compile(r"^(\d{1,4})\*(.*)$")
_PERCENT = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?|100)\s*%$")


class SaleScreen(QWidget):
    """Emits ``sale_done`` after a completed sale; ``go_returns`` to switch screens."""

    sale_done = Signal(object)
    go_returns = Signal()
    # For the customer display: the priced cart after every change, the tenders once given.
    cart_changed = Signal(object)  # Totals
    tendered = Signal(object)  # list[Tender]

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.app = window.app
        self.currency = self.app.settings.currency
        self.session: SaleSession | None = None
        self.multiplier = 1
        self.model = CartModel(self.currency, self.app.settings.measure)
        self._build()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        """Laid out to fit any screen from 800×600 up: the cart and the totals share the
        middle, the F-keys fill the bottom in three rows of six at every size (the same place
        for each key on every register); text that cannot fit its room shrinks or elides,
        never pushes anything off."""
        root = QVBoxLayout(self)
        self.message = MessageBar(self)
        root.addWidget(self.message)

        middle = QHBoxLayout()
        left = QVBoxLayout()
        entry = QHBoxLayout()
        self.scan_field = QLineEdit(self)
        self.scan_field.setPlaceholderText("Scan, or type a code or name  (3* = qty)")
        self.scan_field.returnPressed.connect(self._on_enter)
        self.mult_label = QLabel("", self)
        entry.addWidget(self.scan_field, 1)
        entry.addWidget(self.mult_label)
        # empties (deposit return without a sale) beside the scan field: the grid is full
        self.empties_button = FunctionButton("Shift+F8", "Empties", self.empties, self)
        entry.addWidget(self.empties_button)
        left.addLayout(entry)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the whole name: below
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        touch_rows(self.table)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        left.addWidget(self.table, 1)
        # The selected line in full: a long name is cut in the cart, never here.
        self.detail_label = QLabel("", self)
        self.detail_label.setWordWrap(True)
        set_role(self.detail_label, "detail")
        self.detail_label.hide()
        left.addWidget(self.detail_label)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        self.model.modelReset.connect(self._show_detail)
        middle.addLayout(left, 3)

        right = QVBoxLayout()
        self.count_label = FitLabel("", self)
        self.subtotal_label = FitLabel("", self)
        self.discount_label = FitLabel("", self)
        self.tax_label = FitLabel("", self)
        self.retail_label = QLabel("", self)  # promotions, deposits, vouchers
        for w in (self.count_label, self.subtotal_label, self.discount_label, self.tax_label,
                  self.retail_label):
            set_role(w, "muted")
            right.addWidget(w)
        total_row = QHBoxLayout()
        cap = QLabel("TOTAL", self)
        set_role(cap, "title")
        total_row.addWidget(cap, 0, Qt.AlignmentFlag.AlignTop)
        self.total_label = FitLabel("", self)
        set_role(self.total_label, "total")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        total_row.addWidget(self.total_label, 1)
        right.addLayout(total_row)
        self.change_label = FitLabel("", self)
        set_role(self.change_label, "change")
        self.change_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.change_label)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview.setPlaceholderText("receipt preview")
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview.setMinimumHeight(0)  # on a short screen the totals keep the room
        set_role(self.preview, "receipt")
        right.addWidget(self.preview, 1)
        middle.addLayout(right, 2)
        root.addLayout(middle, 1)

        self.keys = QGridLayout()
        actions: list[tuple[str, str, Any, str]] = [
            ("F2", "Quantity", self.change_quantity, ""),
            ("F3", "Line discount", self.line_discount, ""),
            ("F4", "Price override", self.price_override, ""),
            ("F5", "Void line", self.void_line, "danger"),
            ("F6", "Sale discount", self.sale_discount, ""),
            ("F7", "Park", self.park, ""),
            ("F8", "Resume", self.resume, ""),
            ("F9", "Price check", self.price_check, ""),
            ("F10", "Returns", self.go_returns.emit, ""),
            ("F11", "No sale", self.no_sale, ""),
            ("F12", "Pay", self.pay, "primary"),
            ("Shift+F1", "Reprint last", self.reprint_last, ""),
            ("Shift+F2", "Paid in / out", self.window_.paid_in_out, ""),
            ("Shift+F3", "Back office", self.window_.manager_menu, ""),
            ("Shift+F4", "X report", self.window_.x_report, ""),
            ("Shift+F5", "Close shift", self.window_.close_shift, ""),
            ("Shift+F6", "Void sale", self.void_sale, "danger"),
            ("Shift+F7", "Log out", self.window_.log_out, ""),
        ]
        self.buttons: dict[str, FunctionButton] = {}
        self.buttons["Empties"] = self.empties_button
        self._grid: list[FunctionButton] = []
        self.key_group = KeyGroup()  # one text size across the grid
        for i, (key, text, slot, role) in enumerate(actions):
            b = FunctionButton(key, text, slot, self, role)
            self.buttons[text] = b
            self._grid.append(b)
            self.key_group.add(b)
            self.keys.addWidget(b, i // 6, i % 6)
        for c in range(6):
            self.keys.setColumnStretch(c, 1)  # even keys, whatever their labels
        root.addLayout(self.keys)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        rows = self.table.selectionModel().selectedRows()
        if rows:  # the selected line (the last scanned) stays in sight
            self.table.scrollTo(rows[0])

    def _show_detail(self, *_args: Any) -> None:
        """The selected cart line in full (its name never cut) under the cart."""
        rows = self.table.selectionModel().selectedRows()
        text = self.model.detail(rows[0].row()) if rows else ""
        self.detail_label.setText(text)
        self.detail_label.setVisible(bool(text))

    # -- session --------------------------------------------------------------------------
    def start(self, session: SaleSession) -> None:
        self.session = session
        self.preview.clear()
        self.change_label.clear()
        self.refresh()
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan_field.setFocus()

    def refresh(self) -> None:
        assert self.session is not None
        t = self.session.totals()
        self.model.set_totals(t)
        fmt = self.currency.format
        self.count_label.setText(f"Items: {t.item_count}")
        self.subtotal_label.setText(f"Subtotal: {fmt(t.subtotal)}")
        self.discount_label.setText(f"Discounts: -{fmt(t.discount)}" if t.discount else "")
        self.tax_label.setText(f"Tax: {fmt(t.tax)}")
        self.total_label.setText(fmt(t.total))
        self._retail_totals(t)
        self.mult_label.setText(f"× {self.multiplier}" if self.multiplier > 1 else "")
        self.cart_changed.emit(t)
        if t.lines:
            self.table.selectRow(self.model.item_row(t.lines[-1].line.line_no))
            self.table.scrollToBottom()

    def fail(self, exc: BaseException) -> None:
        """Show any error in words the cashier knows; the cart is left as it was."""
        if not isinstance(exc, PosError):
            self.window_.unexpected(exc)
            text = "something went wrong; the sale is unchanged (details in the log)"
        else:
            text = str(exc)
        self.message.error(text)
        self.focus_scan()

    # -- scanning -------------------------------------------------------------------------
    def _on_enter(self) -> None:
        text = self.scan_field.text().strip()
        self.scan_field.clear()
        if not text:
            if self.change_label.text():
                self.next_customer()
            return
        m = _MULTIPLIER.match(text)
        if m:
            n = int(m.group(1))
            if n <= 0:
                self.message.error("quantity must be positive")
                return
            self.multiplier = n
            self.refresh()
            text = m.group(2).strip()
            if not text:
                return
        self.add_code(text, typed=True)

    def handle_scan(self, code: str | ScanCode) -> None:
        """A scan from the wedge filter or a serial scanner, whatever has focus."""
        self.add_code(code, typed=False)

    def add_code(self, code: str | ScanCode, typed: bool) -> None:
        if self.session is None:
            return
        session = self.session
        if looks_like_voucher(code if isinstance(code, str) else code.text):
            self._voucher(code if isinstance(code, str) else code.text)
            return
        count = self.multiplier
        self.multiplier = 1
        if self.change_label.text():
            self.next_customer()

        def done(hit: ScanHit) -> None:
            grams = None
            if hit.needs_quantity:  # a measured item by its fixed code: how much?
                grams = count if count > 1 else self._ask_grams(hit)
                if grams is None:
                    return
            try:
                try:
                    session.add(hit, count, grams)
                except AgeCheckRequired as check:
                    if not self._check_age(hit, check):
                        return
                    session.add(hit, count, grams)
            except LimitError as exc:
                self._over_limit(hit, count, grams, exc)
                return
            except PosError as exc:
                self.fail(exc)
                return
            self.message.clear_message()
            self.refresh()

        def failed(exc: BaseException) -> None:
            text = code if isinstance(code, str) else code.text
            if typed and isinstance(exc, NotFoundError) and any(c.isalpha() for c in text):
                self.search(text, count)
            else:
                self.fail(exc)

        self.window_.runner.run(lambda: session.lookup(code), done, failed)

    def _over_limit(self, hit: ScanHit, count: int, grams: int | None,
                    exc: LimitError) -> None:
        """Over a per-sale limit (cold medicine…): refused unless a supervisor approves."""
        self.fail(exc)
        session = self.session
        assert session is not None

        def add(o: Override) -> None:
            self._apply(lambda: session.add(hit, count, grams, over_limit=o))

        self._approve("quantity_limit", add)

    def _check_age(self, hit: ScanHit, check: AgeCheckRequired) -> bool:
        """The sale stops at a restricted item until the cashier checks the ID."""
        assert self.session is not None
        label = f"{hit.item.name} {hit.item.variant}".strip()
        dlg = AgeCheckDialog(self, label, check.min_age, check.limit)
        dlg.exec()
        self.focus_scan()
        if dlg.result_ == "confirmed":
            self.session.confirm_age(check.min_age)
            return True
        self.session.refuse_age(check.min_age)
        self.refresh()
        self.message.error(f"{label} not sold: ID check refused")
        return False

    def _ask_grams(self, hit: ScanHit) -> int | None:
        """How much of an item sold by weight or volume: the scale's stable reading, or a
        weight typed in the store's unit (ui/weight_dialog.py)."""
        label = f"{hit.item.name} {hit.item.variant}".strip()
        dlg = WeightDialog(self, label, hit.item.unit, self.app.settings.measure,
                           self.window_.bridge)
        ok = dlg.exec() == QDialog.DialogCode.Accepted
        self.focus_scan()
        return dlg.value if ok else None

    def search(self, text: str, count: int) -> None:
        def show(rows: list[dict[str, Any]]) -> None:
            if not rows:
                self.message.error(f"nothing found for {text!r}")
                return
            choices = [(f"{r['name']} {r['variant']}  —  {r['price']}  ({r['sku']})", r["sku"])
                       for r in rows]
            dlg = ChoiceDialog(self, f"Products matching “{text}”", choices)
            if dlg.exec() == QDialog.DialogCode.Accepted and dlg.value:
                self.multiplier = count
                self.add_code(str(dlg.value), typed=False)
            self.focus_scan()

        self.window_.runner.run(lambda: self.app.catalog.products(text, 30), show, self.fail)

    # -- line actions ---------------------------------------------------------------------
    def selected_line(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.message.error("select a line first (arrow keys or tap)")
            return None
        return self.model.line_no(rows[0].row())

    def keyPressEvent(self, event: Any) -> None:
        # Up/Down move the cart selection while the scan field keeps focus.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.model.rowCount():
            rows = self.table.selectionModel().selectedRows()
            row = rows[0].row() if rows else self.model.rowCount() - 1
            row += -1 if event.key() == Qt.Key.Key_Up else 1
            self.table.selectRow(max(0, min(row, self.model.rowCount() - 1)))
            return
        super().keyPressEvent(event)

    def change_quantity(self) -> None:
        line = self.selected_line()
        if line is None or self.session is None:
            return
        dlg = AmountDialog(self, "Quantity", "New quantity", None,
                           str(self.session.cart.line(line).qty))
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._apply(lambda: self.session.set_quantity(line, dlg.value))  # type: ignore[union-attr]
        self.focus_scan()

    def void_line(self) -> None:
        line = self.selected_line()
        if line is not None and self.session is not None:
            self._apply(lambda: self.session.void_line(line))  # type: ignore[union-attr]

    def void_sale(self) -> None:
        if self.session is not None and not self.session.cart.is_empty:
            self.session.void_sale()
            self.message.info("sale voided")
            self.refresh()

    def _apply(self, change: Any) -> None:
        try:
            change()
        except PosError as exc:
            self.fail(exc)
            return
        self.refresh()
        self.focus_scan()

    def _approve(self, action: str, then: Any) -> None:
        """Ask for a reason (and a supervisor PIN when the cashier's role is not enough)."""
        assert self.session is not None
        session = self.session
        needs = session.needs_approval(action)
        dlg = OverrideDialog(self, action, self.window_.supervisors(), needs)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.focus_scan()
            return
        approver = Approver(dlg.user.currentText(), dlg.pin.text()) if needs else None
        reason = dlg.reason.text()
        self.window_.runner.run(lambda: session.authorise(action, reason, approver), then,
                                self.fail)

    def line_discount(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        dlg = DiscountDialog(self, "Line discount", self.currency)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.focus_scan()
            return
        amount, ppm = dlg.amount, dlg.percent_ppm
        self._approve("sale_discount", lambda o: self._apply(
            lambda: self.session.discount_line(line, o, amount, ppm)))  # type: ignore[union-attr]

    def sale_discount(self) -> None:
        dlg = DiscountDialog(self, "Sale discount", self.currency)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.focus_scan()
            return
        amount, ppm = dlg.amount, dlg.percent_ppm
        self._approve("sale_discount", lambda o: self._apply(
            lambda: self.session.discount_sale(o, amount, ppm)))  # type: ignore[union-attr]

    def price_override(self) -> None:
        line = self.selected_line()
        if line is None or self.session is None:
            return
        current = self.session.cart.line(line).price
        dlg = AmountDialog(self, "Price override", "New price", self.currency,
                           self.currency.format(current))
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.focus_scan()
            return
        price = dlg.value

        def apply(o: Override) -> None:
            self._apply(lambda: self.session.override_price(line, price, o))  # type: ignore[union-attr]

        self._approve("price_override", apply)

    # -- sale actions ---------------------------------------------------------------------
    def pay(self) -> None:
        if self.session is None or self.session.cart.is_empty:
            self.message.error("scan an item first")
            return
        session = self.session
        taken: list[Tender] = list(session.vouchers)  # empties vouchers pay first
        while True:
            dlg = TenderDialog(self, session.totals().total, self.currency, taken)
            if dlg.exec() == QDialog.DialogCode.Accepted:
                break
            taken = [t for t in dlg.tenders
                     if t.kind not in (TenderKind.CASH, TenderKind.VOUCHER)]
            if not taken or self._void_tenders(taken):
                self.focus_scan()
                return
        tenders = dlg.tenders
        self.tendered.emit(tenders)
        self.window_.runner.run(lambda: session.complete(tenders), self._completed, self.fail)

    def _void_tenders(self, taken: list[Tender]) -> bool:
        """Card money was already taken: leaving the payment needs a supervisor (audited).

        Returns False when not approved, and the tender dialog opens again with what was taken.
        """
        assert self.session is not None
        session = self.session
        refs = ", ".join(f"{t.kind} {self.currency.format(t.amount or 0)} {t.reference}"
                         for t in taken)
        needs = session.needs_approval("void_after_tender")
        dlg = OverrideDialog(self, "void_after_tender", self.window_.supervisors(), needs)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return False
        approver = Approver(dlg.user.currentText(), dlg.pin.text()) if needs else None
        reason = dlg.reason.text()

        def approve_and_log() -> None:
            o = session.authorise("void_after_tender", reason, approver)
            self.app.users.log(replace(o, detail=f"reverse on the card terminal: {refs}"))

        self.window_.runner.run(approve_and_log, lambda _r: self.message.info(
            f"payment voided: reverse {refs} on the card terminal"), self.fail)
        return True

    def _completed(self, result: Any) -> None:
        fmt = self.currency.format
        self.refresh()
        self.total_label.setText(fmt(result.total))
        self.change_label.setText(f"Change {fmt(result.change)}")
        rest = getattr(result, "rest_voucher", None)  # a voucher worth more than the sale
        self.message.info(f"receipt {result.receipt_no}"
                          + (f", new voucher {rest} printed" if rest else "")
                          + " — Enter for the next customer")
        self.window_.show_preview(result.receipt_no, self.preview)
        self.sale_done.emit(result)
        self.focus_scan()

    def next_customer(self) -> None:
        self.change_label.clear()
        self.preview.clear()
        self.message.clear_message()
        self.refresh()

    def park(self) -> None:
        if self.session is None or self.session.cart.is_empty:
            self.message.error("there is nothing to park")
            return
        session = self.session
        self.window_.runner.run(lambda: session.park(), lambda pid: (
            self.message.info(f"sale parked as #{pid}"), self.refresh()), self.fail)

    def resume(self) -> None:
        if self.session is None:
            return
        session = self.session

        def choose(parked: list[Any]) -> None:
            if not parked:
                self.message.error("there are no parked sales")
                return
            rows = [(f"#{p.id}  {p.parked_at[11:16]}  {p.lines} line(s)  {p.label}", p.id)
                    for p in parked]
            dlg = ChoiceDialog(self, "Resume a parked sale", rows)
            if dlg.exec() == QDialog.DialogCode.Accepted and dlg.value is not None:
                pid = int(str(dlg.value))
                self.window_.runner.run(lambda: session.resume(pid),
                                        lambda _r: (self.refresh(), self.message.info(
                                            f"parked sale #{pid} resumed")), self.fail)
            self.focus_scan()

        self.window_.runner.run(self.app.parking.list, choose, self.fail)

    def price_check(self) -> None:
        dlg = CodeDialog(self, "Price check", "scan or type a barcode or SKU")
        code = dlg.code if dlg.exec() == QDialog.DialogCode.Accepted else ""
        if not code:
            self.focus_scan()
            return

        def show(pc: Any) -> None:
            i = pc.item
            per = "" if i.price_per == 1 else f" per {i.price_per} {i.unit}"
            self.message.info(f"{i.name} {i.variant}: {self.currency.format(i.price)}{per} — "
                              f"on hand {pc.on_hand}")
            self.focus_scan()

        self.window_.runner.run(lambda: self.app.catalog.price_check(code), show, self.fail)

    def no_sale(self) -> None:
        self._approve("no_sale", lambda o: self.window_.no_sale(o))

    def reprint_last(self) -> None:
        if self.session is None or self.session.last is None:
            self.message.error("no receipt to reprint yet in this shift")
            return
        self.window_.reprint(self.session.last.receipt_no)

    def show_text(self, title: str, text: str) -> None:
        TextDialog(self, title, text).exec()
        self.focus_scan()

    # -- retail: promotions, deposits, empties and vouchers (docs/retail.md) ------------------
    def _retail_totals(self, t: Any) -> None:
        assert self.session is not None
        fmt = self.currency.format
        parts = []
        if t.promo_saving:
            parts.append(f"Promotions: -{fmt(t.promo_saving)}")
        if t.deposits:
            parts.append(f"Deposits ({sum(d.count for d in t.deposits)}): "
                         f"{fmt(t.deposit_total)}")
        if self.session.vouchers:
            parts.append(f"Vouchers: -{fmt(self.session.voucher_total)}")
        self.retail_label.setText("\n".join(parts))
        self.retail_label.setVisible(bool(parts))

    def _voucher(self, code: str) -> None:
        """An empties voucher scanned: taken as a tender at payment (once)."""
        session = self.session
        assert session is not None

        def done(tender: Tender) -> None:
            self.message.info(f"voucher {code}: {self.currency.format(tender.amount or 0)} "
                              "taken off at payment")
            self.refresh()

        self.window_.runner.run(lambda: session.add_voucher(code), done, self.fail)

    def empties(self) -> None:
        """Empties brought back without a sale: counted, then paid in cash or as a voucher."""
        if self.session is None:
            return
        session = self.session
        dlg = EmptiesDialog(self, self.window_.runner, self.app.deposits, self.currency,
                            session.cashier.id, session.training)
        dlg.exec()
        if dlg.result_ is not None:
            r = dlg.result_
            what = "voucher printed" if r.method == "voucher" else "pay out in cash"
            self.message.info(f"empties {r.refund_no}: {self.currency.format(r.total)} — {what}")
            self.window_.show_preview(r.refund_no, self.preview)
        self.focus_scan()
