"""The reports window: a chart and a table computed off the GUI thread, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from test_shift_flow import codes, open_shift, scan, sign_in

from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.reports_view import ReportsView

from ui_support import back_office_entries, shot


def test_department_chart_and_csv(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                  monkeypatch) -> None:
    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    for c in codes(w)[:4]:
        scan(qtbot, w, f"2*{c}")
    w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    view = ReportsView(w)
    qtbot.addWidget(view)
    view.show()
    view.kind.setCurrentText("Sales by department")
    qtbot.waitUntil(lambda: view.table_data is not None
                    and view.table_data.title.startswith("Sales by department"))
    assert view.grid.rowCount() >= 1
    assert view.grid.item(0, 0).text() == "Beverages"
    assert view.plot.isVisible()
    shot(view, "reports")
    out = tmp_path / "dept.csv"
    monkeypatch.setattr("pos_terminal.ui.reports_view.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), ""))
    view.export()
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["department", "units", "net"]
    assert rows[1][0] == "Beverages"


def test_cashiers_cannot_open_reports(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    assert "reports" not in back_office_entries(qtbot, w)


def test_manager_sees_quarantined_sync_events(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from pos_terminal.ui.dialogs import ChoiceDialog, TextDialog

    from ui_support import on_modal

    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    c = sqlite3.connect(w.app.paths.database)
    c.execute("update outbox set status = 'quarantined', last_error = 'payload.movements[0].sku: "
              "expected a non-empty string' where seq = (select min(seq) from outbox)")
    c.commit()
    seen: dict[str, str] = {}

    def choose(d: ChoiceDialog) -> None:
        for i in range(d.list.count()):
            if d.list.item(i).text().startswith("Sync events"):
                d.list.setCurrentRow(i)
        d.accept()

    def read(d: TextDialog) -> None:
        seen["text"] = d.view.toPlainText()
        d.reject()

    on_modal(qtbot, choose, ChoiceDialog)
    on_modal(qtbot, read, TextDialog)
    w.manager_menu()
    qtbot.waitUntil(lambda: "text" in seen)
    assert "expected a non-empty string" in seen["text"]
    assert "--requeue" in seen["text"]


def test_print_any_report_and_a_long_list_stays_responsive(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, monkeypatch) -> None:
    import sqlite3

    from pos_terminal.domain.receipt import to_text

    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    scan(qtbot, w, f"3*{codes(w)[0]}")
    w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    monkeypatch.setattr("pos_terminal.ui.reports_view.GRID_ROWS", 5)
    view = ReportsView(w)
    qtbot.addWidget(view)
    view.show()
    view.kind.setCurrentText("Stock on hand")
    qtbot.waitUntil(lambda: view.table_data is not None
                    and view.table_data.title.startswith("Stock on hand"))
    assert view.grid.rowCount() == 5 < len(view.table_data.rows)
    assert "Export CSV has them all" in view.title.text()
    view.kind.setCurrentText("Sales by department")
    qtbot.waitUntil(lambda: view.table_data is not None
                    and view.table_data.title.startswith("Sales by department"))
    with qtbot.waitSignal(w.job_queued, timeout=5000):
        view.print_button.click()
    assert "printer" in view.message.text()
    with sqlite3.connect(w.app.paths.database) as c:
        ref = c.execute("select reference from print_jobs where kind = 'report' "
                        "order by id desc").fetchone()[0]
    assert ref.startswith("table:departments:")
    job = next(j for j in w.app.printing.jobs() if j.reference == ref)
    paper = to_text(w.app.printing.render(job))
    assert "SALES BY DEPARTMENT" in paper and "Beverages" in paper
