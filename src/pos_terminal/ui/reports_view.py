"""The reports window: charts (pyqtgraph) and tables, CSV export, every report to the receipt
printer (queued in the durable print queue; long tables are cut short on paper).

Every report is computed by the report service on the database thread; this window only
draws what comes back. pyqtgraph is imported here, when the window opens, to keep start-up fast.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.services.reports import Period, Table
from pos_terminal.services.shifts import ShiftReport
from pos_terminal.ui.widgets import Dialog, FunctionButton, MessageBar, set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CHARTED = {"Sales by hour": "hour", "Sales by day": "day", "Sales by department": "department"}
KINDS = ("Sales by hour", "Sales by day", "Sales by department", "Top and slow movers",
         "Stock on hand", "Low stock", "Shrinkage", "Tax summary", "X report",
         "Overrides (voids, discounts, refunds, paid outs)")
# the same reports by their ``pos-terminal report`` names (services/report_printing.py)
PRINT_NAMES = dict(zip(KINDS, ("hourly", "daily", "departments", "movers", "stock",
                               "low-stock", "shrinkage", "tax", "x", "overrides"), strict=True))
GRID_ROWS = 2000  # the table shows this many rows (a million-product stock list would stall
# the window); CSV export and the printer get the report itself


class ReportsView(Dialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.app = window.app
        self.currency = self.app.settings.currency
        self.table_data: Table | None = None
        self.setWindowTitle("Reports")
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.kind = QComboBox(self)
        self.kind.addItems(KINDS)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        today = self.start.date().currentDate()
        self.start.setDate(today.addDays(-29))
        self.end.setDate(today)
        top.addWidget(self.kind, 2)
        top.addWidget(QLabel("from", self))
        top.addWidget(self.start)
        top.addWidget(QLabel("to", self))
        top.addWidget(self.end)
        lay.addLayout(top)
        self.message = MessageBar(self)
        lay.addWidget(self.message)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # busy indicator while the database works
        self.busy.hide()
        lay.addWidget(self.busy)
        self.title = QLabel("", self)
        set_role(self.title, "title")
        lay.addWidget(self.title)
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="#101418", foreground="#f4f6f8")
        self.plot = pg.PlotWidget(self)
        self.plot.setMinimumHeight(220)
        lay.addWidget(self.plot, 2)
        self.grid = QTableWidget(0, 0, self)
        self.grid.verticalHeader().hide()
        lay.addWidget(self.grid, 3)
        keys = QHBoxLayout()
        keys.addWidget(FunctionButton("F5", "Run", self.run, self, "primary"))
        keys.addWidget(FunctionButton("F6", "Export CSV", self.export, self))
        self.print_button = FunctionButton("F7", "Print", self.print_report, self)
        keys.addWidget(self.print_button)
        keys.addWidget(FunctionButton("Esc", "Close", self.reject, self))
        lay.addLayout(keys)
        self.kind.currentIndexChanged.connect(lambda _i: self.run())
        self.last_shift: ShiftReport | None = None
        self.resize(1000, 720)

    def period(self) -> Period:
        return Period.parse(self.start.date().toString("yyyy-MM-dd"),
                            self.end.date().toString("yyyy-MM-dd"))

    def job(self) -> Callable[[], Table | ShiftReport]:
        r = self.app.reports
        name = self.kind.currentText()
        period = self.period()
        jobs: dict[str, Callable[[], Any]] = {
            "Top and slow movers": lambda: r.movers(period),
            "Stock on hand": lambda: r.stock(),
            "Low stock": lambda: r.stock(low_only=True),
            "Shrinkage": lambda: r.shrinkage(period),
            "Tax summary": lambda: r.tax(period),
            "X report": r.x,
            KINDS[-1]: lambda: r.overrides(period),
        }
        if name in CHARTED:
            return lambda: r.sales_by(CHARTED[name], period)
        return jobs[name]

    def run(self) -> None:
        try:
            job = self.job()
        except Exception as exc:  # a bad date range: shown, nothing run
            self.message.error(str(exc))
            return
        self.busy.show()
        self.window_.runner.run(job, self.show_result, self.failed)

    def failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.message.error(str(exc))

    def show_result(self, result: Table | ShiftReport) -> None:
        self.busy.hide()
        self.last_shift = result if isinstance(result, ShiftReport) else None
        table = self.app.reports.shift_table(result) if isinstance(result, ShiftReport) \
            else result
        self.table_data = table
        self.title.setText(table.title + ("  —  " + "; ".join(table.notes) if table.notes
                                          else ""))
        shown = table.rows[:GRID_ROWS]
        if len(table.rows) > GRID_ROWS:
            self.title.setText(self.title.text() + f"  —  showing {GRID_ROWS:,} of "
                               f"{len(table.rows):,} rows: Export CSV has them all")
        rows = Table(table.title, table.columns, shown, table.money,
                     figures=table.figures).formatted(self.currency)
        self.grid.clear()
        self.grid.setColumnCount(len(table.columns))
        self.grid.setRowCount(len(rows))
        self.grid.setHorizontalHeaderLabels(list(table.columns))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                item = QTableWidgetItem(v)
                if (j and v[:1].isdigit()) or v[:1] == "-":
                    item.setTextAlignment(RIGHT)
                self.grid.setItem(i, j, item)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chart(table)

    def chart(self, table: Table) -> None:
        import pyqtgraph as pg

        self.plot.clear()
        if self.kind.currentText() not in CHARTED or not table.rows:
            self.plot.hide()
            return
        self.plot.show()
        labels = [str(r[0]) for r in table.rows]
        # Bar heights in major units for the axis only; the table keeps exact minor units.
        heights = [r[-1] / 10 ** self.currency.exponent for r in table.rows]
        bars = pg.BarGraphItem(x=list(range(len(labels))), height=heights, width=0.7,
                               brush="#34c759")
        self.plot.addItem(bars)
        step = max(1, len(labels) // 12)
        self.plot.getAxis("bottom").setTicks(
            [[(i, labels[i]) for i in range(0, len(labels), step)]])
        self.plot.setLabel("left", f"net sales ({self.currency.code})")

    def export(self) -> None:
        if self.table_data is None:
            self.message.error("run a report first")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "report.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(self.table_data.columns)
                w.writerows(self.table_data.formatted(self.currency))
        except OSError as exc:
            self.message.error(f"cannot write {path}: {exc.strerror}")
            return
        self.message.info(f"saved {path}")

    def print_report(self) -> None:
        """Queue what is shown for the receipt printer (the print worker prints it)."""
        if self.table_data is None:
            self.message.error("run a report first")
            return
        printing = self.app.printing
        if self.last_shift is not None:
            report = self.last_shift

            def queue() -> int:
                return printing.print_report(report)
        else:
            try:
                period = self.period()
            except Exception as exc:  # a bad date range: shown, nothing queued
                self.message.error(str(exc))
                return
            name = PRINT_NAMES[self.kind.currentText()]

            def queue() -> int:
                return printing.print_table(name, period)
        self.window_.runner.run(queue, self.queued, self.failed)

    def queued(self, _job: int) -> None:
        self.window_.job_queued.emit()
        self.message.info("report sent to the receipt printer")


def open_reports(window: MainWindow) -> QWidget:
    view = ReportsView(window)
    view.run()
    return view
