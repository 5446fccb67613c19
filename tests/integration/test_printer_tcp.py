"""The printer and its worker against real TCP servers on loopback that capture the bytes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.hardware.print_worker import NO_PRINTER, READY, PrintWorker
from pos_terminal.hardware.printer import ReceiptPrinter
from pos_terminal.hardware.printer_settings import PrinterSettings, parse_address
from pos_terminal.services.catalog import resolve
from pos_terminal.services.printing import PrintService

from fake_printer import FakePrinter, free_port, wait_for
from support import unit_code

CUT = b"\x1dV\x00"
PULSE = b"\x1bp\x00"  # ESC p 0: drawer pin 2
REALTIME_PULSE = b"\x10\x14\x01"


@dataclass
class States:
    seen: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, state: str, pending: int) -> None:
        with self.lock:
            self.seen.append((state, pending))

    def any(self, text: str) -> bool:
        with self.lock:
            return any(text in s for s, _ in self.seen)


def sell(app: App, products: list[dict], pay: str = "cash") -> str:
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, unit_code(products)), 2)
    tender = Tender(TenderKind.CASH) if pay == "cash" else Tender(TenderKind.CARD, None, "T-1")
    return app.checkout.complete_sale(cart, [tender], 1).receipt_no


def job_rows(app: App) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(app.paths.database) as c:
        return c.execute("select status, attempts, last_error from print_jobs order by id")\
            .fetchall()


@pytest.fixture
def make_worker(app: App) -> Iterator:
    workers: list[PrintWorker] = []

    def make(address: str, **kw: object) -> tuple[PrintWorker, States]:
        settings = PrinterSettings(parse_address(address), timeout=1.0, status_timeout=0.3,
                                   **kw)  # type: ignore[arg-type]
        states = States()
        w = PrintWorker(PrintService(app.ctx, width=42), ReceiptPrinter(settings), states,
                        retry_min=0.05, retry_max=0.2, poll=0.05)
        workers.append(w)
        w.start()
        return w, states

    yield make
    for w in workers:
        w.stop()
        assert not w.is_alive()


def test_receipt_bytes_reach_the_printer(app: App, products: list[dict], make_worker) -> None:
    with FakePrinter("ok") as fp:
        receipt = sell(app, products).encode()
        worker, states = make_worker(fp.address)
        worker.notify()
        wait_for(lambda: job_rows(app)[0][0] == "done", what="the receipt to print")
        assert fp.printed(receipt) == 1
        job = next(j for j in fp.jobs if receipt in j)
        assert b"Receipt " + receipt in job and b"TOTAL" in job and b"Change" in job
        code = b"{B" + receipt
        assert b"\x1dkI" + bytes([len(code)]) + code in job  # Code128 of the receipt number
        assert job.index(PULSE) < job.index(b"Receipt")  # drawer opens first (cash sale)
        assert CUT in job and job.rindex(CUT) > job.index(code)
        wait_for(lambda: states.any(READY), what="'printer ready'")
        assert (READY, 0) in states.seen


def test_refused_connection_keeps_the_job_until_the_printer_is_back(
    app: App, products: list[dict], make_worker
) -> None:
    port = free_port()  # nothing listens yet: connections are refused
    receipt = sell(app, products, pay="card").encode()
    worker, states = make_worker(f"tcp://127.0.0.1:{port}")
    wait_for(lambda: job_rows(app)[0][1] >= 2, what="two failed attempts")
    status, _, error = job_rows(app)[0]
    assert status == "queued" and "refused the connection" in (error or "")
    wait_for(lambda: states.any("printer offline: printer at 127.0.0.1"), what="offline state")
    with FakePrinter("ok", port=port) as fp:
        wait_for(lambda: job_rows(app)[0][0] == "done", what="the retry to print")
        for _ in range(3):
            worker.notify()
        time.sleep(0.3)
        assert fp.printed(receipt) == 1  # exactly once
        assert len(fp.jobs) == 1
        assert PULSE not in fp.jobs[0]  # a card sale does not open the drawer


def test_dropped_connection_keeps_the_job(app: App, products: list[dict], make_worker) -> None:
    with FakePrinter("drop") as fp:
        receipt = sell(app, products).encode()
        _, states = make_worker(fp.address)
        wait_for(lambda: job_rows(app)[0][1] >= 1, what="a failed attempt")
        assert job_rows(app)[0][0] == "queued"
        assert "closed the connection" in (job_rows(app)[0][2] or "")
        wait_for(lambda: states.any("printer offline"), what="offline state")
        assert fp.printed(receipt) == 0
        fp.mode = "ok"  # the printer is back
        wait_for(lambda: job_rows(app)[0][0] == "done", what="the retry to print")
        time.sleep(0.3)
        assert fp.printed(receipt) == 1


def test_out_of_paper_keeps_the_job_and_opens_the_drawer_once(
    app: App, products: list[dict], make_worker
) -> None:
    with FakePrinter("paper_end") as fp:
        receipt = sell(app, products).encode()
        _, states = make_worker(fp.address)
        wait_for(lambda: states.any("out of paper"), what="'out of paper'")
        wait_for(lambda: job_rows(app)[0][1] >= 3, what="retries")
        status, _, error = job_rows(app)[0]
        assert status == "queued" and "out of paper" in (error or "")
        assert ("out of paper", 1) in states.seen
        assert fp.printed(receipt) == 0
        # The cashier still gets the drawer for the change: one real-time pulse, not one per retry.
        assert sum(raw.count(REALTIME_PULSE) for raw in fp.raw) == 1
        fp.mode = "ok"  # paper loaded
        wait_for(lambda: job_rows(app)[0][0] == "done", what="the receipt after paper change")
        time.sleep(0.2)
        assert fp.printed(receipt) == 1
        printed = next(j for j in fp.jobs if receipt in j)
        assert PULSE not in printed  # the drawer was opened already
        wait_for(lambda: states.any(READY), what="'printer ready'")


def test_cover_open_state(app: App, products: list[dict], make_worker) -> None:
    with FakePrinter("cover_open") as fp:
        sell(app, products, pay="card")
        _, states = make_worker(fp.address)
        wait_for(lambda: states.any("cover open"), what="'cover open'")
        assert job_rows(app)[0][0] == "queued"


def test_silent_printer_still_prints(app: App, products: list[dict], make_worker) -> None:
    # Many network interfaces never answer DLE EOT: print anyway after the short wait.
    with FakePrinter("silent") as fp:
        receipt = sell(app, products).encode()
        make_worker(fp.address)
        wait_for(lambda: job_rows(app)[0][0] == "done", what="the receipt")
        assert fp.printed(receipt) == 1


def test_no_printer_marks_jobs_shown_on_screen(app: App, products: list[dict],
                                               make_worker) -> None:
    sell(app, products)
    _, states = make_worker("none")
    wait_for(lambda: job_rows(app)[0][0] == "done", what="the job to be taken")
    assert states.any(NO_PRINTER)


def test_file_transport_appends_the_job(app: App, products: list[dict], tmp_path: Path,
                                        make_worker) -> None:
    spool = tmp_path / "lp0"
    receipt = sell(app, products).encode()
    make_worker(f"file://{spool}")
    wait_for(lambda: job_rows(app)[0][0] == "done", what="the file write")
    data = spool.read_bytes()
    assert receipt in data and CUT in data and data.startswith(b"\x1b@")


def _doctor(address: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "pos_terminal", "doctor", "printer", "--printer", address],
        capture_output=True, text=True, timeout=60,
    )
    return r, time.monotonic() - started


def test_doctor_exits_soon_when_the_printer_never_answers_status() -> None:
    """A silent printer costs the doctor its status wait (1.5 s) and no more, not the 60 s
    python-escpos waits by default. Timed against the same command with a printer that answers,
    in the same run, so a busy machine's slow start-up cancels out."""
    with FakePrinter("ok") as fp:
        answered, base = _doctor(fp.address)
    assert answered.returncode == 0, answered.stderr
    with FakePrinter("silent") as fp:
        r, elapsed = _doctor(fp.address)
        assert r.returncode == 0, r.stderr
        assert "no reply within 1.5 s" in r.stdout
        assert elapsed - base < 1.5 + 1.0, (elapsed, base)
        wait_for(lambda: fp.printed(b"{BTEST-") == 1, what="the test page")


def test_a_failed_done_mark_does_not_print_twice(app: App, products: list[dict]) -> None:
    from pos_terminal.errors import StorageError

    class FlakyDone(PrintService):
        fails = 2

        def mark_done(self, job_id: int) -> None:
            if self.fails:
                self.fails -= 1
                raise StorageError("the register database is busy; try again in a moment")
            super().mark_done(job_id)

    with FakePrinter("ok") as fp:
        receipt = sell(app, products).encode()
        states = States()
        settings = PrinterSettings(parse_address(fp.address), status_timeout=0.3)
        w = PrintWorker(FlakyDone(app.ctx), ReceiptPrinter(settings), states, retry_min=0.05,
                        retry_max=0.1, poll=0.05)
        w.start()
        try:
            wait_for(lambda: job_rows(app)[0][0] == "done", what="the job marked done")
        finally:
            w.stop()
        assert fp.printed(receipt) == 1
        assert states.any("print queue unavailable")
