"""A full disk during a sale, on a real small filesystem: a tmpfs of a few MB mounted for the
test (the register's whole data folder lives on it; SQLite gets a real ENOSPC from the kernel).

The cashier gets a clear error (the service's ``StorageError``: on the command line, and in the
real window's red bar with the cart kept), nothing is half-written, ``verify`` passes, and the
next sale goes through once space is back. Skipped where this process may not mount (needs root or
CAP_SYS_ADMIN); CI's container may.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_terminal import cli, config
from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import StorageError
from pos_terminal.services.catalog import resolve

from ledger_checks import Acked, assert_register_ok, record_count

DISK_MB = 6
FULL = "the register's disk is full: free space, then try again"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs",
                          str(mnt)], capture_output=True, text=True)
    if got.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {got.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` with one file (down to the last block)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


def sale(app: App, codes: list[str]) -> Cart:
    cart = Cart()
    with app.ctx.read() as conn:
        for code in codes:
            cart.add(resolve(conn, code), 2)
    return cart


def everyday(app: App) -> list[str]:
    return [p["barcodes"][0]["code"] for p in app.catalog.products(limit=1000)
            if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None][:5]


@pytest.mark.slow
def test_a_sale_on_a_full_disk_fails_cleanly_and_the_next_one_succeeds(
    seeded_template: Path, small_disk: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = small_disk / "register"
    shutil.copytree(seeded_template, data_dir)
    db = config.Paths(data_dir).database
    acked = Acked()
    with open_register(data_dir) as app:
        cashier = app.users.by_name("cashier").id
        codes = everyday(app)
        card = [Tender(TenderKind.CARD, None, "T1001")]
        r = app.checkout.complete_sale(sale(app, codes), card, cashier)
        acked.add_line(f"ACK sale {r.receipt_no} {r.sale_id}")
        raw = sqlite3.connect(db)  # an empty WAL: the next commit must take new space
        assert raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        raw.close()
        filler = fill(small_disk)
        before = record_count(db)

        with pytest.raises(StorageError) as caught:
            app.checkout.complete_sale(sale(app, codes), card, cashier)
        assert str(caught.value) == FULL
        # the same through the command line: one clear line, non-zero exit
        assert cli.main(["--data-dir", str(data_dir), "sell", codes[0], "--pay", "cash"]) != 0
        assert FULL in capsys.readouterr().err

        assert record_count(db) == before, "a failed sale left records behind"
        filler.unlink()  # space is back
        r = app.checkout.complete_sale(sale(app, codes), card, cashier)
        acked.add_line(f"ACK sale {r.receipt_no} {r.sale_id}")
        assert r.receipt_no.endswith("000002"), "the failed sale must not use up a number"
    # a fresh process sees both sales whole and the failed attempt nowhere
    assert_register_ok(data_dir, acked)
    assert count_sales(db) == 2


def count_sales(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM sales").fetchone()[0])
    finally:
        con.close()


@pytest.mark.slow
def test_the_cashier_sees_the_full_disk_and_pays_again_once_space_is_back(
    seeded_template: Path, small_disk: Path, qtbot,  # type: ignore[no-untyped-def]
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from test_shift_flow import codes, open_shift, scan, sign_in

    from pos_terminal.ui.main_window import MainWindow
    from pos_terminal.ui.tender import TenderDialog
    from pos_terminal.ui.theme import STYLE

    from ui_support import on_modal

    data_dir = small_disk / "register"
    shutil.copytree(seeded_template, data_dir)
    db = config.Paths(data_dir).database
    QApplication.instance().setStyleSheet(STYLE)  # type: ignore[union-attr]
    app = open_register(data_dir)
    w = MainWindow(app)
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    try:
        qtbot.waitUntil(lambda: w.login.users.count() > 0)
        sign_in(qtbot, w, "cashier", "1111")
        open_shift(qtbot, w)
        a, b = codes(w)[:2]
        scan(qtbot, w, a)
        scan(qtbot, w, f"2*{b}")
        raw = sqlite3.connect(db)  # an empty WAL: the commit must take new space
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        filler = fill(small_disk)
        before = record_count(db)

        on_modal(qtbot, lambda d: d.cash(), TenderDialog)
        w.sale.pay()
        qtbot.waitUntil(lambda: FULL in w.sale.message.text(), timeout=10_000)
        assert w.sale.message.kind == "error"
        assert w.sale.model.rowCount() == 2, "the cart must survive the failed payment"
        assert record_count(db) == before

        filler.unlink()
        on_modal(qtbot, lambda d: d.cash(), TenderDialog)
        w.sale.pay()
        qtbot.waitUntil(lambda: w.sale.change_label.text().startswith("Change"))
        assert w.sale.session.last.receipt_no.endswith("000001")  # type: ignore[union-attr]
    finally:
        # a pending single-shot refresh (the low-stock label's) must not fire once the
        # window's DB runner is shut down: that would raise in a later test's event loop
        for timer in w.findChildren(QTimer):
            timer.stop()
        w.close()
        app.close()
    assert count_sales(db) == 1
    assert_register_ok(data_dir)
