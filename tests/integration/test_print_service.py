"""The print queue and receipt data through PrintService on a real SQLite register."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart, Override
from pos_terminal.domain.receipt import COPY_BANNER, TRAINING_BANNER, Barcode, DrawerPulse
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import ConfigError, NotFoundError, RuleError
from pos_terminal.hardware.printer_settings import load_receipt_settings
from pos_terminal.services.catalog import resolve
from pos_terminal.services.checkout import SaleResult
from pos_terminal.services.printing import PrintService

from support import unit_code

CASH = [Tender(TenderKind.CASH)]
CARD = [Tender(TenderKind.CARD, None, "T-77")]


def sell(app: App, *items: tuple[str, int], tenders: list[Tender] = CASH,
         training: bool = False) -> SaleResult:
    cart = Cart()
    with app.ctx.read() as conn:
        for code, n in items:
            cart.add(resolve(conn, code), n)
    return app.checkout.complete_sale(cart, tenders, app.users.system_user().id,
                                      training=training)


def jobs(app: App) -> list[tuple]:
    with sqlite3.connect(app.paths.database) as c:
        return c.execute("select kind, reference, copy, status, attempts, last_error "
                         "from print_jobs order by id").fetchall()


@pytest.fixture
def svc(app: App) -> PrintService:
    return PrintService(app.ctx, width=42, tz=UTC)


def test_sale_queues_its_receipt_in_the_same_transaction(
    app: App, products: list[dict], svc: PrintService, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = unit_code(products)
    r = sell(app, (code, 2))
    assert jobs(app) == [("receipt", r.sale_id, 0, "queued", 0, None)]
    state = svc.pending()
    assert state.pending == 1 and state.failed == 0 and state.oldest_age_s is not None
    job = svc.next_job()
    assert job is not None and job.label == r.receipt_no and not job.copy

    from pos_terminal.db import ledger

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(ledger, "add_event", broken)
    with pytest.raises(RuntimeError):
        sell(app, (code, 1))
    assert len(jobs(app)) == 1  # no receipt job without its sale


def test_cash_sale_opens_the_drawer_card_and_training_do_not(
    app: App, products: list[dict], svc: PrintService
) -> None:
    code = unit_code(products)
    sell(app, (code, 1))
    sell(app, (code, 1), tenders=CARD)
    sell(app, (code, 1), training=True)
    docs = [svc.render(j) for j in svc.jobs()]
    assert [d.kicks_drawer for d in docs] == [True, False, False]
    assert isinstance(docs[0].blocks[0], DrawerPulse)


def test_receipt_document_from_the_database(
    app: App, products: list[dict], svc: PrintService
) -> None:
    code = unit_code(products)
    weighed = next(p for p in products if p["unit"] == "g" and p["price_per"] == 1000)
    r = sell(app, (code, 3), (weighed["sku"], 1250), tenders=[Tender(TenderKind.CASH, 5000)])
    job = svc.next_job()
    assert job is not None
    doc = svc.render(job, width=32)
    assert doc.width == 32 and Barcode(r.receipt_no) in doc.blocks
    text = svc.preview(r.receipt_no)
    assert f"Receipt {r.receipt_no}" in text
    assert "1.250 kg × " in text and "/kg" in text
    assert "  3 × " in text
    assert "Cash                                 50.00" in text
    assert f"Change{app.settings.currency.format(r.change):>36}" in text
    assert "S t o r e   S 1" in text  # [store] name heads it when there is no [receipt]
    assert TRAINING_BANNER not in text and COPY_BANNER not in text


def test_preview_of_a_training_sale_says_training(
    app: App, products: list[dict], svc: PrintService
) -> None:
    r = sell(app, (unit_code(products), 1), training=True)
    text = svc.preview(r.receipt_no)
    assert r.receipt_no in text and "T R A I N I N G" in text
    with pytest.raises(NotFoundError, match="unknown receipt"):
        svc.preview("S1-R1-999999")


def test_reprint(app: App, products: list[dict], svc: PrintService) -> None:
    with pytest.raises(NotFoundError, match="unknown receipt 'S1-R1-424242'"):
        svc.reprint("S1-R1-424242")
    assert jobs(app) == []
    r = sell(app, (unit_code(products), 1))
    job_id = svc.reprint(r.receipt_no, user_id=app.users.system_user().id)
    copy = next(j for j in svc.jobs() if j.id == job_id)
    assert (copy.kind, copy.reference, copy.copy) == ("receipt", r.sale_id, True)
    doc = svc.render(copy)
    assert not doc.kicks_drawer  # a copy never opens the drawer
    assert sum(1 for b in doc.blocks if getattr(b, "text", "") == COPY_BANNER) == 2
    with sqlite3.connect(app.paths.database) as c:
        assert c.execute("select action, reference from audit_log").fetchall() == [
            ("reprint", r.receipt_no)]


def test_return_receipt_and_its_reprint(app: App, products: list[dict],
                                        svc: PrintService) -> None:
    code = unit_code(products)
    sale = sell(app, (code, 3))
    ret = app.returns.return_items(sale.receipt_no, [(code, 2)], app.users.system_user().id,
                                   reason="damaged")
    job = svc.jobs()[-1]
    assert (job.kind, job.label) == ("return", ret.return_no)
    doc = svc.render(job)
    assert doc.kicks_drawer  # cash refund
    text = svc.preview(ret.return_no)
    assert "R E F U N D" in text and f"For receipt {sale.receipt_no}" in text
    assert app.settings.currency.format(ret.refund) in text and "Reason: damaged" in text
    again = svc.reprint(ret.return_no)
    assert next(j for j in svc.jobs() if j.id == again).kind == "return"


def test_no_sale_writes_audit_and_drawer_job(app: App, svc: PrintService) -> None:
    cashier = app.users.by_name("cashier")
    with pytest.raises(RuleError, match="no-sale approval"):
        svc.no_sale(Override("price_override", cashier.id, 1, "x"))
    ok = app.users.approve("manager", "9999", "no_sale", cashier, "change for the till")
    job_id = svc.no_sale(ok)
    with sqlite3.connect(app.paths.database) as c:
        audit = c.execute("select id, action, user_id, reason from audit_log").fetchall()
    assert [a[1:] for a in audit] == [("no_sale", cashier.id, "change for the till")]
    job = next(j for j in svc.jobs() if j.id == job_id)
    assert (job.kind, job.reference, job.label) == ("drawer", str(audit[0][0]),
                                                    "no-sale drawer open")
    doc = svc.render(job)
    assert doc.blocks == (DrawerPulse(),) and not doc.prints


def test_mark_done_and_failed(app: App, products: list[dict], svc: PrintService) -> None:
    code = unit_code(products)
    first, second = sell(app, (code, 1)), sell(app, (code, 1))
    job = svc.next_job()
    assert job is not None and job.reference == first.sale_id
    svc.mark_failed(job.id, "printer at 10.0.0.5:9100 does not answer")
    svc.mark_failed(job.id, "out of paper")
    assert jobs(app)[0][3:] == ("queued", 2, "out of paper")  # still queued, retried
    assert svc.next_job().id == job.id  # type: ignore[union-attr]  # order kept
    svc.mark_done(job.id)
    assert svc.pending().pending == 1
    nxt = svc.next_job()
    assert nxt is not None and nxt.reference == second.sale_id
    svc.mark_failed(nxt.id, "its sale is gone", permanent=True)
    assert svc.next_job() is None
    assert svc.pending().pending == 0 and svc.pending().failed == 1
    svc.mark_failed(job.id, "late")  # a done job is never put back
    assert jobs(app)[0][3] == "done"


def test_job_whose_record_is_gone(app: App, svc: PrintService) -> None:
    from pos_terminal.db import print_queue

    with app.ctx.write() as conn:
        print_queue.enqueue(conn, "receipt", "no-such-sale", "2026-01-01T00:00:00.000Z")
    job = svc.next_job()
    assert job is not None
    with pytest.raises(NotFoundError):
        svc.render(job)


def test_x_and_z_report_jobs(app: App, products: list[dict], svc: PrintService) -> None:
    shift = app.shifts.open(app.users.system_user().id, 10_000)
    sell(app, (unit_code(products), 2))
    x = svc.print_report(app.shifts.x_report())
    assert "X   R E P O R T" in _text(svc, x)
    z = app.shifts.close(app.users.system_user().id, {10_000: 1})
    zid = svc.print_report(z)
    text = _text(svc, zid)
    assert "Z   R E P O R T" in text and f"Shift {shift.number}" in text
    assert "Counted cash" in text
    assert "X   R E P O R T" in _text(svc, x)  # an X job printed after the close still is X


def _text(svc: PrintService, job_id: int) -> str:
    from pos_terminal.domain.receipt import to_text

    return to_text(svc.render(next(j for j in svc.jobs() if j.id == job_id)))


def test_receipt_header_from_config(app: App, products: list[dict], data_dir: Path) -> None:
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + (
        '\n[receipt]\nname = "Müller Getränke"\naddress = ["Hauptstraße 5", "10115 Berlin"]\n'
        'tax_id = "DE811111111"\nfooter = "Danke für Ihren Einkauf!\\nBis bald"\n'
    ), encoding="utf-8")
    svc = PrintService(app.ctx, load_receipt_settings(app.paths), width=48)
    r = sell(app, (unit_code(products), 1))
    text = svc.preview(r.receipt_no)
    for s in ("M ü l l e r", "Hauptstraße 5", "Tax ID DE811111111", "Danke für Ihren Einkauf!",
              "Bis bald"):
        assert s in text
    cfg.write_text(cfg.read_text(encoding="utf-8") + "logo = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml:\d+: logo: unknown key in \[receipt\]"):
        load_receipt_settings(app.paths)
