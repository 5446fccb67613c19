"""A catalog import never blocks the till: it writes in short chunks that let every other writer
of the register go first (``db.uow.WriteGate``), so a sale committed during a long import
succeeds; progress is reported as rows done / total; opening stock is posted once. How long a
sale waits meanwhile is measured by bench/import_catalog.py, not timed here."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pos_protocol.gtin import with_check_digit
from pos_terminal.bootstrap import App
from pos_terminal.db.uow import transaction
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services import catalog as catalog_service


def catalog(rows: int, price: str = "1.00") -> str:
    return "sku,name,tax_class,price,barcodes\n" + "".join(
        f"N{i:05d},Imported {i},STD,{price},{with_check_digit(f'27{i:010d}')}\n"
        for i in range(rows))


def sell(app: App, products: list[dict]) -> str:
    code = products[0]["barcodes"][0]["code"]
    cart = Cart()
    cart.add(app.catalog.item(code))
    return app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)],
                                      app.users.system_user().id).receipt_no


def test_a_sale_during_an_import_goes_through(
    app: App, products: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_service, "IMPORT_CHUNK", 25)
    f = tmp_path / "big.csv"
    f.write_text(catalog(600), encoding="utf-8")
    reports: list[tuple[int, int]] = []
    halfway, sold = threading.Event(), threading.Event()
    receipts: list[str] = []
    errors: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        reports.append((done, total))
        if done >= 300 and not halfway.is_set():
            halfway.set()  # half the file is in; the rest is still to come
            sold.wait(30)  # the sale commits while the import is under way

    def seller() -> None:
        try:
            halfway.wait(60)
            receipts.append(sell(app, products))
            receipts.append(sell(app, products))
        except BaseException as exc:
            errors.append(exc)
        finally:
            sold.set()

    t = threading.Thread(target=seller)
    t.start()
    result = app.catalog.import_csv(f, progress=progress)
    t.join()
    assert errors == [] and len(receipts) == 2
    assert result.summary() == "0 changed, 0 unchanged, 600 new"
    assert reports[0] == (0, 600) and reports[-1] == (600, 600)
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)
    db = sqlite3.connect(app.paths.database)
    assert db.execute("select count(*) from products where sku like 'N%'").fetchone() == (600,)
    assert db.execute("select count(*) from sales").fetchone() == (2,)


def test_the_sale_goes_first_when_an_import_chunk_and_a_sale_both_wait(app: App) -> None:
    """A background chunk in progress: a sale waits for that chunk only, never for the next."""
    order: list[str] = []
    in_chunk, release = threading.Event(), threading.Event()

    def chunk(name: str, hold: threading.Event | None) -> None:
        with app.ctx.background_write() as conn:
            conn.exec_driver_sql("select 1")
            order.append(name)
            if hold is not None:
                in_chunk.set()
                hold.wait(10)

    def sale() -> None:
        with app.ctx.write() as conn:
            conn.exec_driver_sql("select 1")
            order.append("sale")

    first = threading.Thread(target=chunk, args=("chunk 1", release))
    first.start()
    assert in_chunk.wait(10)
    s = threading.Thread(target=sale)
    s.start()
    time.sleep(0.05)  # the sale is now waiting for chunk 1
    second = threading.Thread(target=chunk, args=("chunk 2", None))
    second.start()
    time.sleep(0.05)  # and so is chunk 2
    release.set()
    for th in (first, s, second):
        th.join(10)
    assert order == ["chunk 1", "sale", "chunk 2"]


def test_reads_are_never_held_up_by_the_gate(app: App) -> None:
    release = threading.Event()

    def chunk() -> None:
        with app.ctx.background_write():
            release.wait(10)

    th = threading.Thread(target=chunk)
    th.start()
    try:
        with transaction(app.engine, write=False) as conn:
            assert conn.exec_driver_sql("select count(*) from products").scalar() > 0
    finally:
        release.set()
        th.join(10)


def test_opening_stock_is_posted_once_for_new_products_only(app: App) -> None:
    text = "sku,name,tax_class,price,stock\nO1,Opening,STD,1.00,12\n"
    first = app.catalog.import_text(text, opening_stock=True)
    assert (first.created, first.opening_stock) == (1, 12)
    again = app.catalog.import_text(text.replace("1.00", "1.10"), opening_stock=True)
    assert (again.updated, again.opening_stock) == (1, 0)  # a re-import adds no stock
    db = sqlite3.connect(app.paths.database)
    got = db.execute("select on_hand from stock_levels join products on products.id = "
                     "product_id where sku = 'O1'").fetchone()
    assert got == (12,)
    assert db.execute("select count(*) from outbox where type = 'stock.received' and "
                      "payload like '%opening stock%' and payload like '%\"O1\"%'"
                      ).fetchone() == (1,)


def test_a_product_pulled_from_the_central_during_the_import_is_updated_not_doubled(
    app: App
) -> None:
    """Between the comparison and the writes a catalog pull makes one of the file's new
    products: the import writes it as a change, with the file's values."""
    from pos_protocol import wire

    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:  # (0, total) first; then after the comparison, before any write
            app.sync.apply_catalog(wire.CatalogPage(7, (wire.Product(
                sku="PULL1", name="From the central", tax_class="STD", price=500, version=7),)))

    got = app.catalog.import_text("sku,name,tax_class,price\nPULL1,From the file,STD,1.25\n"
                                  "PULL2,Also new,STD,2.00\n", progress=progress)
    assert len(calls) == 3 and (got.created, got.updated) == (1, 1)
    db = sqlite3.connect(app.paths.database)
    assert db.execute("select name, price from products where sku = 'PULL1'").fetchall() == [
        ("From the file", 125)]


def test_a_big_file_is_read_in_a_child_process_with_the_same_results(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over CHILD_BYTES the file is read and compared in a spawned process (its Python work
    would otherwise hold this process's interpreter lock): same result, same refusals."""
    monkeypatch.setattr(catalog_service, "CHILD_BYTES", 0)
    f = tmp_path / "big.csv"
    f.write_text(catalog(300), encoding="utf-8")
    reports: list[tuple[int, int]] = []
    got = app.catalog.import_csv(f, progress=lambda d, t: reports.append((d, t)))
    assert got.summary() == "0 changed, 0 unchanged, 300 new"
    assert got.file == "UTF-8, comma-separated, decimal point"
    assert reports[0] == (0, 300) and reports[-1] == (300, 300)
    again = app.catalog.import_csv(f)
    assert again.summary() == "0 changed, 300 unchanged, 0 new"
    f.write_bytes(b"sku;name;tax_class;price\nX1;A;STD;1,00\nX2;B;NOPE;1,00\nX3;C;STD\n")
    with pytest.raises(catalog_service.catalog_csv.CatalogFileError) as e:
        app.catalog.import_csv(f)
    assert e.value.problems == [
        "line 3: tax_class 'NOPE' is not one of RED, STD, ZERO",
        "line 4: 3 fields, but the header has 4 (sku, name, tax_class, price)"]
