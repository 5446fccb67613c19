"""Reports on the receipt printer: queued from the CLI (``report KIND --print``) into the
durable print queue, printed by the print worker through a real TCP capture printer, laid out
for the printer's width from the register's real figures."""

from __future__ import annotations

import io
import sqlite3
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pos_terminal import cli
from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.receipt import Text, to_text
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.hardware.print_worker import PrintWorker
from pos_terminal.hardware.printer import ReceiptPrinter
from pos_terminal.hardware.printer_settings import PrinterSettings, parse_address
from pos_terminal.services import report_printing
from pos_terminal.services.catalog import resolve
from pos_terminal.services.printing import PrintService
from pos_terminal.services.reports import Period

from fake_printer import FakePrinter, wait_for

PRINTABLE = ("sales", "hourly", "daily", "departments", "movers", "stock", "low-stock",
             "shrinkage", "tax", "x")


def pos(data_dir: Path, *args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["--data-dir", str(data_dir), *args])
    assert code == 0, out.getvalue()
    return out.getvalue()


def sell_some(app: App, products: list[dict[str, Any]]) -> None:
    with app.ctx.read() as conn:
        items = [resolve(conn, p["barcodes"][0]["code"]) for p in products[:3]]
    for n, item in enumerate(items, 1):
        cart = Cart()
        cart.add(item, n)
        app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], 1)


@pytest.mark.parametrize("width", [32, 42, 48])
def test_every_report_fits_the_paper(app: App, products: list[dict[str, Any]],
                                     width: int) -> None:
    sell_some(app, products)
    svc = PrintService(app.ctx, width=width)
    today = Period(date.today(), date.today())
    for kind in PRINTABLE:
        doc = svc.table_document(report_printing.print_job_reference(kind, today), width)
        assert all(len(b.text) <= (width // 2 if b.double else width)
                   for b in doc.blocks if isinstance(b, Text)), kind
        assert all(len(ln) <= width for ln in to_text(doc).splitlines()), kind
    stock = to_text(svc.table_document(report_printing.print_job_reference("stock", today)))
    n = len(app.reports.stock().rows)  # the demo catalog: more products than fit on paper
    assert f"… {n - 60} more rows, export CSV" in stock and "total value at cost" in stock


def test_cli_queues_reports_and_the_worker_prints_them(
        app: App, products: list[dict[str, Any]], data_dir: Path) -> None:
    sell_some(app, products)
    with sqlite3.connect(app.paths.database) as c:  # the receipts are not what this is about
        c.execute("UPDATE print_jobs SET status = 'done'")
    assert "queued for the receipt printer" in pos(data_dir, "report", "departments", "--print")
    assert "queued for the receipt printer" in pos(data_dir, "report", "tax", "--print")
    paper = pos(data_dir, "report", "departments", "--paper")
    assert "SALES BY DEPARTMENT" in paper and max(map(len, paper.splitlines())) <= 42
    dept = app.reports.sales_by("department", Period(date.today(), date.today()))
    cur = app.settings.currency
    with FakePrinter("ok") as fp:
        settings = PrinterSettings(parse_address(fp.address), timeout=1.0, status_timeout=0.3)
        worker = PrintWorker(PrintService(app.ctx, width=42), ReceiptPrinter(settings),
                             lambda *_: None, retry_min=0.05, retry_max=0.2, poll=0.05)
        worker.start()
        try:
            worker.notify()
            wait_for(lambda: fp.printed(b"TAX SUMMARY") == 1, what="the reports to print")
        finally:
            worker.stop()
    job = next(j for j in fp.jobs if b"SALES BY DEPARTMENT" in j)
    for name, _units, net in dept.rows:  # each department's net sales, as on screen
        assert name.encode() in job and cur.format(net).encode() in job
    assert b"\x1dV" in job  # cut
    with sqlite3.connect(app.paths.database) as c:
        assert c.execute("SELECT count(*) FROM print_jobs WHERE status != 'done'"
                         ).fetchone()[0] == 0
