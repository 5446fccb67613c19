"""The stock count screen: start or resume a count, scan to count, recount what is flagged,
post with a summary. Blind by default: the expected stock is not shown while counting.

All work goes through the window's Runner; the rules (scope, recount flags, posting) live in
services/counting.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.services.counting import (
    FLAGGED,
    CountLine,
    CountPosting,
    RecountNeeded,
    Review,
    Session,
)
from pos_terminal.ui.dialogs import (
    AmountDialog,
    ChoiceDialog,
    ErrorLabel,
    OverrideDialog,
    _buttons,
    title_label,
)
from pos_terminal.ui.screens import ScanScreen, pick_table
from pos_terminal.ui.widgets import Dialog, Keypad, set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

_MULTIPLIER = re.compile(r"^(\d{1,5})\*(.+)$")
COLUMNS = ["Item", "SKU", "Counted", "Expected", "Status"]
_FLAG = QColor("#7a1f1f")  # dark red and green: the theme's white text stays readable
_DONE = QColor("#1f4a2a")


class StartCountDialog(Dialog):
    """What to count: a department, a shelf list, a random sample or everything."""

    def __init__(self, parent: QWidget, departments: list[str], manager: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("New stock count")
        outer = QHBoxLayout(self)  # the form, and the keypad beside it (a short screen)
        form = QFormLayout()
        outer.addLayout(form, 3)
        self.keypad = Keypad(self, separator=False)  # touch: the sample size, shelf codes
        outer.addWidget(self.keypad, 2, Qt.AlignmentFlag.AlignBottom)
        form.addRow(title_label("New stock count", self))
        self.kind = QComboBox(self)
        for text, value in (("A department", "department"), ("A shelf list", "shelf"),
                            ("A random sample", "sample"), ("Everything", "all")):
            self.kind.addItem(text, value)
        form.addRow("Count", self.kind)
        self.department = QComboBox(self)
        self.department.addItems(departments)
        form.addRow("Department", self.department)
        self.codes = QPlainTextEdit(self)
        self.codes.setPlaceholderText("scan or type the shelf's codes, one per line")
        self.codes.setFixedHeight(110)
        form.addRow("Shelf list", self.codes)
        self.sample = QSpinBox(self)
        self.sample.setRange(1, 100_000)
        self.sample.setValue(20)
        form.addRow("Sample size", self.sample)
        self.show_expected = QCheckBox("Show the expected stock while counting (not blind)",
                                       self)
        self.show_expected.setEnabled(manager)
        if not manager:
            self.show_expected.setToolTip("only a manager may open a count that is not blind")
        form.addRow(self.show_expected)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Start counting"))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(560, 0)

    def _kind_changed(self) -> None:
        kind = self.value
        self.department.setEnabled(kind == "department")
        self.codes.setEnabled(kind == "shelf")
        self.sample.setEnabled(kind == "sample")

    @property
    def value(self) -> str:
        return str(self.kind.currentData())

    @property
    def code_list(self) -> list[str]:
        return [c.strip() for c in self.codes.toPlainText().split() if c.strip()]

    def accept(self) -> None:
        if self.value == "shelf" and not self.code_list:
            self.error.show_error("scan or type at least one code for the shelf list")
            return
        super().accept()


class PostCountDialog(Dialog):
    """The summary a manager posts from; what to do with items not counted."""

    def __init__(self, parent: QWidget, review: Review, money: Any) -> None:
        super().__init__(parent)
        self.setWindowTitle("Post the count")
        lay = QVBoxLayout(self)
        s = review.session
        lay.addWidget(title_label(f"Post {s.label}", self))
        changed = [(ln, v) for ln, v in review.lines if v]
        text = (f"{s.counted} of {s.lines} item(s) counted; {len(changed)} differ from the "
                f"stock on record.\nVariance: {review.variance_units:+d} units, "
                f"{money(review.variance_value)} at cost.")
        summary = QLabel(text, self)
        summary.setWordWrap(True)
        lay.addWidget(summary)
        for ln, v in sorted(changed, key=lambda x: x[1])[:8]:
            lay.addWidget(QLabel(f"   {ln.label}: {v:+d}", self))
        self.skip = QRadioButton(f"Skip the {review.uncounted} item(s) not counted "
                                 "(their stock stays as it is)", self)
        self.zero = QRadioButton(f"Count the {review.uncounted} item(s) not counted as zero",
                                 self)
        self.skip.setChecked(True)
        for r in (self.skip, self.zero):  # the theme styles check boxes, not radio buttons
            r.setMinimumHeight(44)
            r.setStyleSheet(
                "QRadioButton::indicator { width: 24px; height: 24px; border-radius: 12px;"
                " border: 2px solid #aab4bf; background: #1c232b; }"
                "QRadioButton::indicator:checked { background: #ffd23f;"
                " border-color: #ffd23f; }")
        if review.uncounted:
            lay.addWidget(self.skip)
            lay.addWidget(self.zero)
        lay.addWidget(_buttons(self, "Post"))
        self.resize(620, 0)

    @property
    def uncounted(self) -> str:
        return "zero" if self.zero.isChecked() else "skip"


class CountScreen(ScanScreen):
    """Full screen in the main window's stack; ``done`` goes back to the sale."""

    posted = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Stock count", "scan an item to count one (a pack counts its "
                         "contents); 12*CODE counts 12", field_height=None)
        self.session: Session | None = None
        self.rows: dict[str, int] = {}
        lay = self.lay
        lay.addWidget(self.scan_field)
        self.table = pick_table(self, COLUMNS, single=False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.table, 1)
        self.progress = QLabel("", self)
        self.progress.setWordWrap(True)  # never widens the window
        set_role(self.progress, "title")
        lay.addWidget(self.progress)
        self.add_keys(("F2", "New", self.new_count), ("F3", "Open", self.open_count),
                      ("F4", "Quantity", self.set_quantity), ("F5", "Check", self.review),
                      ("F8", "Cancel", self.cancel_count), ("F12", "Post", self.post, "primary"),
                      ("F10", "Back", self.done.emit))

    # -- sessions ----------------------------------------------------------------------------
    def start(self) -> None:
        """Resume the newest open count, or invite to start one."""
        self.message.clear_message()
        self.scan_field.setFocus()

        def got(sessions: list[Session]) -> None:
            if sessions:
                self.load(sessions[0])
                if len(sessions) > 1:
                    self.message.info(f"{len(sessions)} counts are open: F3 to switch")
            else:
                self.show_session(None, [])
                self.message.info("no count is open: F2 starts one")

        self._run(self.app.counting.sessions, got)

    def load(self, session: Session | str | int) -> None:
        ref = session.id if isinstance(session, Session) else session

        def fetch() -> tuple[Session, list[CountLine]]:
            return self.app.counting.session(ref), self.app.counting.lines(ref)

        self._run(fetch, lambda got: self.show_session(*got))

    def show_session(self, session: Session | None, lines: list[CountLine]) -> None:
        self.session = session
        self.title.setText(session.label.capitalize() if session else "Stock count")
        blind = session is None or (session.blind and session.status == "open")
        self.table.setColumnHidden(3, blind)
        self.table.setRowCount(0)
        self.rows = {}
        self.table.setRowCount(len(lines))
        for i, ln in enumerate(lines):
            self.rows[ln.sku] = i
            self._fill(i, ln)
        self._progress()
        self.scan_field.setFocus()

    def _fill(self, row: int, ln: CountLine) -> None:
        status = ln.status if ln.variance is None else f"posted {ln.variance:+d}"
        values = [ln.label, ln.sku, "" if ln.counted is None else f"{ln.counted} {ln.unit}",
                  "" if ln.expected is None else str(ln.expected), status.upper()
                  if ln.recount == FLAGGED else status]
        for col, v in enumerate(values):
            it = QTableWidgetItem(v)
            if col in (2, 3):
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if ln.recount == FLAGGED:
                it.setBackground(QBrush(_FLAG))
            elif ln.counted is not None:
                it.setBackground(QBrush(_DONE))
            self.table.setItem(row, col, it)

    def _progress(self) -> None:
        if self.session is None:
            self.progress.setText("")
            return
        counted = sum(1 for r in range(self.table.rowCount())
                      if self.table.item(r, 2) and self.table.item(r, 2).text())
        flagged = sum(1 for r in range(self.table.rowCount())
                      if self.table.item(r, 4) and self.table.item(r, 4).text() == "RECOUNT")
        text = f"{counted} of {self.table.rowCount()} counted"
        if flagged:
            text += f" · {flagged} to recount (scan them again: the recount starts from zero)"
        if self.session.status != "open":
            text += f" · {self.session.status}"
        self.progress.setText(text)

    def new_count(self) -> None:
        user = self.window_.user
        manager = user is not None and user.role.name == "MANAGER"

        def ask(departments: list[str]) -> None:
            dlg = StartCountDialog(self, departments, manager)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            kind, dep, codes = dlg.value, dlg.department.currentText(), dlg.code_list
            sample, blind = dlg.sample.value(), not dlg.show_expected.isChecked()
            uid = self.user_id

            def started(s: Session) -> None:
                self.load(s)
                self.message.info(f"{s.label} started: {s.lines} item(s); scan to count")

            self._run(lambda: self.app.counting.start(kind, uid, department=dep, codes=codes,
                                                      sample=sample, blind=blind), started)

        self._run(self.app.counting.departments, ask)

    def open_count(self) -> None:
        def choose(sessions: list[Session]) -> None:
            if not sessions:
                self.message.info("no count is open: F2 starts one")
                return
            dlg = ChoiceDialog(self, "Open counts", [
                (f"{s.label} — {s.counted} of {s.lines} counted, opened {s.opened_at[:16]}",
                 s.id) for s in sessions])
            if dlg.exec() == QDialog.DialogCode.Accepted and dlg.value:
                self.load(str(dlg.value))

        self._run(self.app.counting.sessions, choose)

    # -- counting ----------------------------------------------------------------------------
    def scanned(self, text: str) -> None:
        if self.session is None or self.session.status != "open":
            self.message.error("no count is open: F2 starts one, F3 opens one")
            return
        qty: int | None = None
        m = _MULTIPLIER.match(text)
        if m:
            qty, text = int(m.group(1)), m.group(2)
        sid, uid = self.session.id, self.user_id
        self._run(lambda: self.app.counting.scan(sid, text, uid, qty), self._counted)

    def _counted(self, ln: CountLine) -> None:
        row = self.rows.get(ln.sku)
        if row is None:  # not listed yet (a large scope shows what it holds): add it on top
            self.table.insertRow(0)
            self.rows = {k: v + 1 for k, v in self.rows.items()}
            self.rows[ln.sku] = row = 0
        self._fill(row, ln)
        self.table.selectRow(row)
        self.table.scrollToItem(self.table.item(row, 0))
        self._progress()
        self.message.info(f"{ln.label}: {ln.counted} {ln.unit} counted")

    def set_quantity(self) -> None:
        """Type the whole count of the selected line (or of a scanned code)."""
        if self.session is None or self.session.status != "open":
            self.message.error("no count is open: F2 starts one, F3 opens one")
            return
        row = self.table.currentRow()
        if row < 0:
            self.message.error("select a line (or scan the item) first")
            return
        sku = self.table.item(row, 1).text()
        dlg = AmountDialog(self, f"Count of {self.table.item(row, 0).text()}", "Counted", None)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        qty, sid, uid = dlg.value, self.session.id, self.user_id
        self._run(lambda: self.app.counting.set_count(sid, sku, qty, uid), self._counted)

    # -- review, post, cancel -----------------------------------------------------------------
    def review(self) -> None:
        if self.session is None or self.session.status != "open":
            self.message.error("no count is open")
            return
        sid = self.session.id

        def shown(r: Review) -> None:
            self.load(sid)
            if r.flagged:
                self.message.error(f"{len(r.flagged)} item(s) differ a lot: recount them "
                                   "(marked RECOUNT)")
            else:
                self.message.info(f"no large variances; {r.uncounted} item(s) not counted yet")

        self._run(lambda: self.app.counting.review(sid), shown)

    def post(self) -> None:
        if self.session is None or self.session.status != "open":
            self.message.error("no count is open")
            return
        user = self.window_.user
        assert user is not None
        sid, uid, number = self.session.id, user.id, self.session.number

        def reviewed(r: Review) -> None:
            if r.flagged:
                self.load(sid)
                self.fail(RecountNeeded(r.flagged))
                return
            dlg = PostCountDialog(self, r, self.app.settings.currency.format)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            how = dlg.uncounted
            if user.role.name == "MANAGER":
                self._run(lambda: self.app.counting.post(sid, uid, how), self._posted)
                return
            # a clerk counted: a manager approves the posting here with their PIN (audited)
            ok = OverrideDialog(self, "post_count", self.window_.supervisors(), True,
                                f"stock count #{number}")
            if ok.exec() != QDialog.DialogCode.Accepted:
                self.message.info("not posted: the count stays open")
                return
            name, pin, reason = ok.user.currentText(), ok.pin.text(), ok.reason.text()

            def approve_and_post() -> CountPosting:
                o = self.app.users.approve(name, pin, "post_count", user, reason)
                return self.app.counting.post(sid, uid, how, approval=o)

            self._run(approve_and_post, self._posted)

        self._run(lambda: self.app.counting.review(sid), reviewed)

    def _posted(self, p: CountPosting) -> None:
        self.posted.emit()
        self.load(p.session.id)
        cur = self.app.settings.currency
        self.message.info(f"{p.session.label} posted: {p.lines} line(s), variance "
                          f"{p.variance_units:+d} units ({cur.format(p.variance_value)} at cost)")

    def cancel_count(self) -> None:
        if self.session is None or self.session.status != "open":
            self.message.error("no count is open")
            return
        sid, uid = self.session.id, self.user_id
        keep = ChoiceDialog(self, f"Cancel {self.session.label}?", [
            ("No, keep counting", False),
            ("Yes, cancel the count: nothing counted in it reaches the stock", True)])
        if keep.exec() != QDialog.DialogCode.Accepted or keep.value is not True:
            self.scan_field.setFocus()
            return

        def cancelled(s: Session) -> None:
            self.show_session(None, [])
            self.message.info(f"{s.label} cancelled; nothing was posted")

        self._run(lambda: self.app.counting.cancel(sid, uid), cancelled)
