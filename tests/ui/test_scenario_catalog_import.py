"""A manager imports a catalog file from the back office by keys, and the till keeps selling
while it runs: a progress dialog shows rows done / total without taking the keyboard, a sale is
scanned and paid meanwhile, and the result says what changed (tests/ui/scenario.py)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressDialog
from test_scenario_shift import everyday_code

from pos_protocol.gtin import with_check_digit
from pos_terminal.services import catalog as catalog_service
from pos_terminal.ui.dialogs import ChoiceDialog
from pos_terminal.ui.tender import TenderDialog

from scenario import Driver, Till

ROWS = 2000


def progress_dialog() -> QProgressDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QProgressDialog) and w.isVisible()), None)


def open_import(t: Driver, name: str) -> None:
    """Back office (Shift+F3) → "Import a catalog file" → type the file's name, Enter."""
    t.key(Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier, settle=False)
    dlg = t.wait_modal(ChoiceDialog)
    rows = t.read(lambda: [dlg.list.item(i).text() for i in range(dlg.list.count())])
    for _ in range(next(i for i, r in enumerate(rows) if r.startswith("Import a catalog"))):
        t.key(Qt.Key.Key_Down)
    t.key(Qt.Key.Key_Return, settle=False)
    t.wait_modal(QFileDialog)
    t.type(name, enter=True)
    t.wait(lambda: not isinstance(QApplication.activeModalWidget(), QFileDialog),
           "the file dialog to close")


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: the scenario types the file's whole path, as a person."""
    d = Path(tempfile.mkdtemp(prefix="ci"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_the_till_sells_while_a_catalog_imports(
    till: Till, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_service, "IMPORT_CHUNK", 10)  # many short chunks: a long import
    monkeypatch.setattr(catalog_service, "CHILD_BYTES", 0)  # read as a big file is: a child
    (short_dir / "catalog.csv").write_text("sku;name;tax_class;price;barcodes\n" + "".join(
        f"N{i:05d};Neuware {i};STD;1,{i % 100:02d};{with_check_digit(f'27{i:010d}')}\n"
        for i in range(ROWS)), encoding="cp1252")
    seen: dict[str, object] = {}

    def body(t: Driver) -> None:
        code = everyday_code(t)
        t.sign_in("manager", "9999")
        t.open_shift()
        open_import(t, str(short_dir / "catalog.csv"))
        t.wait(lambda: (d := progress_dialog()) is not None and 0 < d.value() < ROWS,
               "the import under way", timeout=60)
        seen["label"] = t.read(lambda: progress_dialog().labelText())  # type: ignore[union-attr]
        t.scan(code)  # the keyboard is still the till's
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the item on the sale")
        t.key(Qt.Key.Key_F12)
        t.wait_modal(TenderDialog)
        t.key(Qt.Key.Key_F1)  # cash, exact
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.change_label.text().startswith("Change"), "the change shown")
        seen["importing_after_sale"] = t.read(lambda: progress_dialog() is not None)
        t.wait(lambda: "catalog imported" in t.w._current_message().text(),
               "the import's result", timeout=120)
        seen["message"] = t.message()

    till.run(body, timeout=240)
    assert str(seen["label"]).startswith("Importing the catalog: ")
    assert str(seen["label"]).endswith(f" / {ROWS:,} rows")
    assert seen["importing_after_sale"] is True  # the sale was paid while the import ran
    assert seen["message"] == f"catalog imported: 0 changed, 0 unchanged, {ROWS} new"
    db = sqlite3.connect(till.w.app.paths.database)
    assert db.execute("select count(*) from sales").fetchone() == (1,)
    assert db.execute("select count(*) from products where sku like 'N%'").fetchone() == (ROWS,)
    assert db.execute("select price from products where sku = 'N00042'").fetchone() == (142,)


def test_a_refused_file_says_which_line_and_changes_nothing(
    till: Till, short_dir: Path
) -> None:
    (short_dir / "bad.csv").write_bytes(b"sku,name,tax_class,price\nC1,Coffee,STD,2,50\n")
    db = sqlite3.connect(till.w.app.paths.database)
    before = db.execute("select count(*) from products").fetchone()

    def body(t: Driver) -> None:
        t.sign_in("manager", "9999")
        t.open_shift()
        open_import(t, str(short_dir / "bad.csv"))
        t.wait(lambda: "line 2" in t.w._current_message().text(), "the refusal", timeout=30)
        assert "5 fields, but the header has 4" in t.message()
        t.wait(lambda: progress_dialog() is None, "the progress dialog closed")

    till.run(body)
    assert db.execute("select count(*) from products").fetchone() == before
