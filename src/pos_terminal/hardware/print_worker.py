"""The print worker: one daemon thread that prints the durable queue, oldest job first.

The sale never waits for the printer: checkout only queues a job (in the sale's transaction)
and calls :meth:`PrintWorker.notify`. The worker renders the job, sends it in one write and
marks it done right after the write succeeded. When the printer is off, unplugged, out of
paper or has its cover open, the job stays queued (attempts + 1, last error) and is retried
with capped exponential back-off and jitter (``retry_min`` → ``retry_max`` seconds); later
jobs wait behind it, so receipts come out in order.

Delivery is at least once: a job is marked done only after its bytes were written, so a crash
between the write and the mark prints that one receipt again on the next start (a database
that refuses the mark is retried without printing again while the process lives). A job marked
done is never sent again. A job that can never print (its sale is gone, it cannot be rendered)
is marked failed and skipped, so it does not block the queue.

State goes out through a plain callback ``on_state(state, pending)`` called on the worker
thread ("printer ready", "printer offline: …", "out of paper", "cover open", ...); the GUI's
bridge turns it into a Qt signal. Nothing here imports Qt, and the worker takes its queue as
a small protocol (``services.printing.PrintService`` has that shape), so hardware/ does not
import services/.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pos_terminal.domain.receipt import Document
from pos_terminal.errors import ConfigError, NotFoundError, PosError
from pos_terminal.hardware.errors import (
    CoverOpenError,
    PaperOutError,
    PrinterError,
    PrinterUnreachableError,
)
from pos_terminal.hardware.printer import PrinterStatus, ReceiptPrinter
from pos_terminal.hardware.printer_settings import PrinterSettings

log = logging.getLogger(__name__)

READY = "printer ready"
PAPER_LOW = "printer ready, paper low"
NO_PRINTER = "no printer: receipts on screen only"
IDLE_POLL_SECONDS = 5.0  # also picks up jobs queued by another process (pos-terminal reprint)

StateCallback = Callable[[str, int], None]


class Job(Protocol):
    @property
    def id(self) -> int: ...


class Pending(Protocol):
    @property
    def pending(self) -> int: ...


J = TypeVar("J", bound=Job)


class JobQueue(Protocol[J]):
    """What the worker needs from the print queue (``PrintService``)."""

    def next_job(self) -> J | None: ...
    def render(self, job: J, width: int | None = None,
               charset: Callable[[str], str] | None = None) -> Document: ...
    def mark_done(self, job_id: int) -> None: ...
    def mark_failed(self, job_id: int, error: str, permanent: bool = False) -> None: ...
    def pending(self) -> Pending: ...


def state_of(exc: PosError) -> str:
    """The status-bar text for a printing failure."""
    if isinstance(exc, PaperOutError | CoverOpenError):
        return exc.state
    if isinstance(exc, PrinterUnreachableError):
        return f"printer offline: {exc}"
    if isinstance(exc, ConfigError):
        return f"printer settings: {exc}"
    return f"printer error: {exc}"


class PrintWorker(threading.Thread):
    """Prints queued jobs in order; ``start()``, ``notify()`` after queueing, ``stop()``."""

    def __init__(
        self, queue: JobQueue[Any], printer: ReceiptPrinter, on_state: StateCallback | None = None,
        retry_min: float = 1.0, retry_max: float = 30.0, poll: float = IDLE_POLL_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(name="print-worker", daemon=True)
        self.queue = queue
        self.printer = printer
        self.on_state = on_state
        self.retry_min = retry_min
        self.retry_max = max(retry_max, retry_min)
        self.poll = poll
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._retry_now = False
        self._failures = 0
        # Jobs whose drawer was already opened while the printer had no paper: when they
        # finally print, they must not open the drawer a second time. In memory only: after
        # a restart the drawer may open once more, which beats a cashier unable to give change.
        self._kicked: set[int] = set()
        # Jobs sent but not yet marked done (the database refused the write): they are marked
        # before anything else is printed and never sent again by this process.
        self._sent: set[int] = set()
        self._last: tuple[str, int] | None = None
        self.state = NO_PRINTER if not printer.enabled else "printer starting"

    @classmethod
    def create(cls, queue: JobQueue[Any], settings: PrinterSettings,
               on_state: StateCallback | None = None) -> PrintWorker:
        """A worker for the register's ``[printer]`` settings (not started)."""
        return cls(queue, ReceiptPrinter(settings), on_state, settings.retry_min,
                   settings.retry_max)

    # -- control (any thread) -------------------------------------------------------------------
    def notify(self) -> None:
        """A job was queued: look at the queue now (does not cut a back-off short)."""
        self._wake.set()

    def retry_now(self) -> None:
        """Skip the current back-off (a "retry" button after loading paper)."""
        self._retry_now = True
        self._wake.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop after the job in hand (a job being sent finishes or fails on its own timeout)."""
        self._stopping.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        self._probe()
        while not self._stopping.is_set():
            try:
                worked = self._step()
            except Exception:  # never let the thread die: receipts would silently stop
                log.exception("print worker step failed")
                self._report("printer error: see the log")
                worked = False
                self._backoff()
            if not worked and not self._stopping.is_set():
                self._wait(self.poll)

    def _step(self) -> bool:
        """Handle the oldest job; False when there was none (or the queue is unreadable)."""
        try:
            job = self.queue.next_job()
        except PosError as exc:  # StorageError: the database is busy or gone
            self._report(f"print queue unavailable: {exc}")
            self._backoff()
            return True
        if job is None:
            self._report(self.state)  # the last thing the printer told us; new count
            return False
        if job.id in self._sent:
            self._mark_done(job.id)
            return True
        try:
            document = self.queue.render(job, self.printer.columns, self.printer.plain)
        except ConfigError as exc:  # bad profile/columns: fixing needs the installer
            self._fail(job.id, exc)
            return True
        except NotFoundError as exc:
            self.queue.mark_failed(job.id, str(exc), permanent=True)
            log.warning("print job %s can never print: %s", job.id, exc)
            return True
        except PosError as exc:
            self._fail(job.id, exc)
            return True
        except Exception as exc:  # a rendering bug must not block every later receipt
            log.exception("print job %s cannot be rendered", job.id)
            self.queue.mark_failed(job.id, f"cannot be rendered: {exc!r}", permanent=True)
            return True
        if not self.printer.enabled:
            self.queue.mark_done(job.id)  # shown on screen; nothing to print later
            self._report(NO_PRINTER)
            return True
        try:
            status = self._print(job.id, document)
        except (PrinterError, ConfigError) as exc:
            self._fail(job.id, exc, document)
            return True
        self._sent.add(job.id)
        self._kicked.discard(job.id)
        if not self._mark_done(job.id):  # right after the write: never sent twice from here on
            return True
        self._failures = 0
        self._report(PAPER_LOW if status is not None and status.paper_near_end else READY)
        return True

    def _mark_done(self, job_id: int) -> bool:
        try:
            self.queue.mark_done(job_id)
        except PosError as exc:  # StorageError: keep it in _sent and try again next round
            self._report(f"print queue unavailable: {exc}")
            self._backoff()
            return False
        self._sent.discard(job_id)
        return True

    def _print(self, job_id: int, document: Document) -> PrinterStatus | None:
        if job_id in self._kicked:
            document = document.without_drawer()
        data = self.printer.encode(document)
        if not document.prints:  # a no-sale drawer open
            try:
                return self.printer.send(data)
            except (PaperOutError, CoverOpenError):
                self.printer.pulse_drawer()  # real-time pulse works without paper
                return None
        return self.printer.send(data)

    def _fail(self, job_id: int, exc: PosError, document: Document | None = None) -> None:
        self.queue.mark_failed(job_id, str(exc))
        if (isinstance(exc, PaperOutError | CoverOpenError) and document is not None
                and document.kicks_drawer and job_id not in self._kicked):
            # The cashier must give change now; the receipt follows when there is paper.
            try:
                self.printer.pulse_drawer()
                self._kicked.add(job_id)
            except PrinterError as pulse_exc:
                log.info("drawer pulse failed: %s", pulse_exc)
        self._report(state_of(exc))
        self._backoff()

    # -- waiting --------------------------------------------------------------------------------
    def delay(self, failures: int) -> float:
        """Back-off before retry ``failures`` (≥ 1): doubling, capped, with jitter."""
        cap = min(self.retry_max, self.retry_min * 2 ** min(failures - 1, 30))
        return self._rng.uniform(cap / 2, cap)

    def _backoff(self) -> None:
        self._failures += 1
        deadline = time.monotonic() + self.delay(self._failures)
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._wake.wait(left)
            self._wake.clear()
            if self._retry_now:
                self._retry_now = False
                return
            # A new job while backing off: only the count changes; keep waiting.
            self._report(self.state)

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    # -- reporting ------------------------------------------------------------------------------
    def _probe(self) -> None:
        """Ask the printer once at start, so the status bar is right before the first sale."""
        if not self.printer.enabled:
            self._report(NO_PRINTER)
            return
        try:
            status = self.printer.status()
        except (PrinterError, ConfigError) as exc:
            self._report(state_of(exc))
            return
        problem = status.problem(str(self.printer))
        if problem is not None:
            self._report(state_of(problem))
        else:
            self._report(PAPER_LOW if status.paper_near_end else READY)

    def _report(self, state: str) -> None:
        self.state = state
        try:
            pending = self.queue.pending().pending
        except PosError:
            pending = self._last[1] if self._last else 0  # unknown now: the last count
        if (state, pending) == self._last:
            return
        self._last = (state, pending)
        if self.on_state is not None:
            try:
                self.on_state(state, pending)
            except Exception:  # a broken listener must not stop printing
                log.exception("print worker state callback failed")
