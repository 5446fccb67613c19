"""The sync worker: ships the outbox to the central service and pulls catalog and sibling stock.

``Syncer`` is one register's sync logic, without threads: ``push_all()`` sends pending outbox
events in ``seq`` order in batches (at most ``batch_events`` events and ``wire.MAX_BATCH_BYTES``
bytes, gzip-compressed) and marks sent exactly the ids the central answers it holds;
``pull()`` applies catalog pages and sibling movements; ``round()`` does both (``pos-terminal
sync --once`` runs one round under the sync lock).

``SyncWorker`` is the daemon thread the GUI starts: it takes the register's sync lock (one
worker per register; a second process is refused, the lock dies with its holder), runs rounds,
sleeps ``poll`` seconds when idle (``notify()`` wakes it after a sale), and after a failure
backs off exponentially with jitter (``retry_min`` doubling up to ``retry_max``), forever for
network errors and 5xx answers. A 401/403 means the token is bad: it stops sending and waits
until ``central.toml`` holds a new token (``pos-terminal provision``) or ``retry_now()``.

How each answer is handled:

- 200: ``held`` ids are marked sent; ``rejected`` events are quarantined with the central's
  field and reason, and the events behind them keep going.
- 413: the batch limit is halved and the batch sent again; a single event still too large is
  quarantined.
- 422/400 for the whole batch: the events it names (``events[i]…``) are quarantined; when it
  names none the batch is split in halves until the culprit is alone, and that is quarantined.
  A 403 naming an event (it names another store's transfer or purchase order) likewise; a 403
  naming none is the token's (not enrolled).
- 415: gzip is switched off for this worker's life.
- 401/403: ``NotEnrolledError`` (stop, see above). 5xx, 429, network, TLS: retried.

Delivery is at least once: an answer lost after the central committed leaves the events
pending, and the next push sends them again; the central stores each ``event_id`` once and
answers it as held. State goes out through plain callbacks, ``on_state(line)`` (the status-bar
text) and ``on_status(SyncStatus)``, called on the worker thread; nothing here imports Qt.

Test hook: ``POS_SYNC_TEST_KILL_AFTER_ANSWER=N`` makes the process SIGKILL itself right after
the N-th events answer it receives, before marking anything sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import signal
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from pos_protocol import wire
from pos_terminal.config import Paths
from pos_terminal.errors import PosError
from pos_terminal.sync import status as st
from pos_terminal.sync.client import GZIP_LEVEL, CentralClient
from pos_terminal.sync.errors import (
    BatchRejectedError,
    BatchTooLargeError,
    CentralServerError,
    NotEnrolledError,
    SyncError,
    SyncLockedError,
)
from pos_terminal.sync.lock import SyncLock
from pos_terminal.sync.purchase_orders import pull_purchase_orders
from pos_terminal.sync.settings import CentralSettings, load_central, lock_path
from pos_terminal.sync.status import SyncFigures, SyncStatus
from pos_terminal.sync.transfers import pull_transfers

log = logging.getLogger(__name__)

KILL_HOOK = "POS_SYNC_TEST_KILL_AFTER_ANSWER"
_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")
_ENVELOPE = 128  # bytes of JSON around an event's payload, generously


class OutboxRow(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def payload(self) -> str: ...
    def wire_json(self) -> str: ...


class SyncStore(Protocol):
    """What the worker needs from the register's database (``services.sync.SyncService``)."""

    def next_batch(self, max_events: int = ..., max_bytes: int = ...,
                   after_seq: int = ...) -> Sequence[OutboxRow]: ...
    def pending_count(self) -> int: ...
    def quarantined_count(self) -> int: ...
    def mark_sent(self, event_ids: Collection[str]) -> int: ...
    def quarantine(self, rejections: Sequence[tuple[str, str]]) -> int: ...
    def record_failure(self, error: str, event_ids: Sequence[str] = ...) -> None: ...
    def record_success(self) -> None: ...
    def catalog_version(self) -> int: ...
    def apply_catalog(self, page: wire.CatalogPage) -> Any: ...
    def movement_cursor(self) -> int: ...
    def apply_movements(self, page: wire.MovementsPage, own_register: str) -> Any: ...
    def apply_transfers(self, stores: Sequence[wire.StoreRef],
                        inbound: Sequence[wire.Transfer]) -> Any: ...
    def apply_purchase_orders(self, page: wire.PurchaseOrdersPage) -> int: ...
    def figures(self) -> SyncFigures: ...


class Central(Protocol):
    """What the worker needs from the HTTP side (``CentralClient``)."""

    def push(self, body: bytes, compress: bool = ..., gzipped: bool = ...
             ) -> wire.EventsAnswer: ...
    def catalog(self, since: int, limit: int | None = ...) -> wire.CatalogPage: ...
    def movements(self, since: int, limit: int | None = ...) -> wire.MovementsPage: ...
    def report(self, *, quarantined: int | None = ..., pending: int | None = ...) -> None: ...
    # pull steps after the catalog and movements (sync/transfers.py, sync/purchase_orders.py);
    # a central that predates them answers 404 (CentralServerError), and the step is skipped
    def stores(self) -> tuple[wire.StoreRef, ...]: ...
    def transfers(self) -> tuple[wire.Transfer, ...]: ...
    def purchase_orders(self) -> wire.PurchaseOrdersPage: ...
    def close(self) -> None: ...


@dataclass
class RoundReport:
    """What one round (or ``push_all``/``pull``) did."""

    sent: int = 0
    quarantined: int = 0
    batches: int = 0
    catalog_version: int | None = None
    products: int = 0
    catalog_skipped: list[str] = field(default_factory=list)
    movements: int = 0
    movement_cursor: int | None = None

    def line(self) -> str:
        parts = [f"pushed {self.sent} event(s) in {self.batches} batch(es)"]
        if self.quarantined:
            parts.append(f"{self.quarantined} quarantined")
        if self.catalog_version is not None:
            parts.append(f"catalog version {self.catalog_version} ({self.products} product(s) "
                         "changed)")
        if self.movement_cursor is not None:
            parts.append(f"{self.movements} sibling movement(s)")
        return "; ".join(parts)


def _kill_after() -> int | None:
    text = os.environ.get(KILL_HOOK, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


@dataclass
class _Batch:
    """A batch ready to send: its rows and its request body (gzip-compressed or not)."""

    rows: list[OutboxRow]
    body: bytes
    gzipped: bool

    @property
    def last_seq(self) -> int:
        return self.rows[-1].seq


class Syncer:
    """One register's push and pull logic (no lock: callers hold the sync lock).

    Pushing is pipelined one deep: while the central works on batch *k*, batch *k+1* is read,
    checked and compressed; *k+1* is sent as soon as *k*'s answer is in, and *k* is marked sent
    while *k+1* is on the wire. One request is in flight at a time, so the central receives
    batches in ``seq`` order.
    """

    def __init__(self, store: SyncStore, central: Central, register: str,
                 batch_events: int = 500, compress: bool = True,
                 on_progress: Callable[[], None] | None = None, in_flight: int = 1) -> None:
        self.store = store
        self.in_flight = max(1, in_flight)
        self.central = central
        self.register = register
        self.batch_max = max(1, min(batch_events, wire.MAX_BATCH_EVENTS))
        self.batch_limit = self.batch_max
        self.compress = compress
        self.on_progress = on_progress
        self._answers = 0
        self._accepted = 0  # answers since the batch limit last changed
        self._kill_after = _kill_after()
        self._pending = 0
        self._quarantined = 0
        self._sender: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None

    # -- push -----------------------------------------------------------------------------------
    def push_all(self, stop: threading.Event | None = None) -> RoundReport:
        """Send pending events until none is left (raises ``SyncError`` on a failed send)."""
        report = RoundReport()
        self._pending = self.store.pending_count()
        self._quarantined = self.store.quarantined_count()
        self.central.report(quarantined=self._quarantined)  # the central shows it per register
        if self._sender is None:
            self._sender = ThreadPoolExecutor(self.in_flight, thread_name_prefix="sync-send")
        flights: deque[tuple[_Batch, Future[wire.EventsAnswer]]] = deque()
        ready: _Batch | None = None
        after = 0

        def stopped() -> bool:
            return stop is not None and stop.is_set()

        try:
            while True:
                while len(flights) < self.in_flight and not stopped():
                    batch = ready or self._prepare(after, report)
                    ready = None
                    if batch is None:
                        break
                    after = batch.last_seq
                    flights.append((batch, self._sender.submit(self._push, batch)))
                if not flights:
                    break
                if ready is None and not stopped():
                    ready = self._prepare(after, report)  # while batches are on the wire
                    if ready is not None:
                        after = ready.last_seq
                batch, sent = flights.popleft()
                try:
                    answer = sent.result()
                except (BatchTooLargeError, BatchRejectedError) as exc:
                    self._settle_all(flights)
                    ready, after = None, 0  # statuses change: read afresh from the start
                    self._refused(batch.rows, exc, report)
                    continue
                self._answered()
                self._record(*self._judge(batch.rows, answer), report)
                if self.on_progress is not None:
                    self.on_progress()
        finally:
            self._settle_all(flights)
        return report

    def _settle_all(self, flights: deque[tuple[_Batch, Future[wire.EventsAnswer]]]) -> None:
        """Wait for batches still on the wire and forget their answers: their events stay
        pending and go again (the central keeps each event once)."""
        while flights:
            _, sent = flights.popleft()
            try:
                sent.result()
            except Exception:
                log.debug("an in-flight batch was abandoned", exc_info=True)

    def _push(self, batch: _Batch) -> wire.EventsAnswer:
        return self.central.push(batch.body, self.compress and not batch.gzipped,
                                 gzipped=batch.gzipped)

    def _prepare(self, after_seq: int, report: RoundReport) -> _Batch | None:
        """The next batch after ``after_seq``, checked, its body built and compressed."""
        while True:
            rows = list(self.store.next_batch(self.batch_limit, wire.MAX_BATCH_BYTES - 4096,
                                              after_seq))
            if not rows:
                return None
            ready = self._checked(rows, report)
            if not ready:
                after_seq = rows[-1].seq
                continue
            body = self._body(ready)
            if len(body) > wire.MAX_BATCH_BYTES:
                if len(ready) == 1:
                    self._quarantine([(ready[0].event_id, f"event: {len(body)} bytes, over "
                                       f"the protocol's {wire.MAX_BATCH_BYTES}")], report)
                    after_seq = ready[0].seq
                else:
                    self._shrink(len(ready))
                continue
            if self.compress:
                return _Batch(ready, zlib.compress(body, GZIP_LEVEL, wbits=31), True)
            return _Batch(ready, body, False)

    def _checked(self, rows: list[OutboxRow], report: RoundReport) -> list[OutboxRow]:
        """The rows whose stored payload looks like a JSON object (damaged ones are
        quarantined). Cheap on purpose: a payload damaged inside its braces makes the batch
        invalid JSON, the central refuses it (422) and bisection finds the row."""
        damaged = []
        for ev in rows:
            p = ev.payload.strip()
            if p[:1] != "{" or p[-1:] != "}":
                try:
                    json.loads(p)
                    why = "not a JSON object"
                except ValueError as exc:
                    why = str(exc)
                damaged.append((ev.event_id, f"payload: the stored event is damaged and cannot "
                                f"be sent ({why})"))
        if not damaged:
            return rows
        self._quarantine(damaged, report)
        bad = {d[0] for d in damaged}
        return [ev for ev in rows if ev.event_id not in bad]

    def _send(self, rows: list[OutboxRow], report: RoundReport) -> None:
        """Send one batch and settle it (no pipelining; used to bisect a refused batch)."""
        body = self._body(rows)
        try:
            answer = self.central.push(body, self.compress)
        except (BatchTooLargeError, BatchRejectedError) as exc:
            self._refused(rows, exc, report)
            return
        self._answered()
        self._record(*self._judge(rows, answer), report)

    def _refused(self, rows: list[OutboxRow], exc: SyncError, report: RoundReport) -> None:
        """A whole batch refused: 413 (too large), 415 (no gzip), 422/400 (its shape), 403 naming
        an event (another store's object)."""
        if isinstance(exc, BatchTooLargeError):
            if len(rows) == 1:
                self._quarantine([(rows[0].event_id, f"too large for the central: {exc}")],
                                 report)
            else:
                self._shrink(len(rows))
            return
        assert isinstance(exc, BatchRejectedError)
        if exc.status == 415 and self.compress:
            log.warning("the central refuses gzip; sending uncompressed batches")
            self.compress = False
            return
        m = _EVENT_INDEX.match(exc.field or "")
        if m and int(m.group(1)) < len(rows):
            self._quarantine([(rows[int(m.group(1))].event_id, str(exc))], report)
            return
        if len(rows) == 1:
            self._quarantine([(rows[0].event_id, str(exc))], report)
            return
        half = len(rows) // 2  # nothing named: find the culprit by halves
        for part in (rows[:half], rows[half:]):
            self._send(part, report)

    def _answered(self) -> None:
        self._answers += 1
        if self._kill_after is not None and self._answers >= self._kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # test hook: die before marking anything sent

    def _judge(self, rows: list[OutboxRow], answer: wire.EventsAnswer
               ) -> tuple[set[str], dict[str, str]]:
        """Which of the batch's events the central holds, and which it rejected (why)."""
        ids = {ev.event_id for ev in rows}
        held = ids.intersection(answer.held)
        rejected: dict[str, str] = {}
        for r in answer.rejected:
            eid = r.event_id
            if eid is None:
                m = _EVENT_INDEX.match(r.field)
                if m and int(m.group(1)) < len(rows):
                    eid = rows[int(m.group(1))].event_id
            if eid in ids and eid not in held and eid not in rejected:
                rejected[eid] = f"{r.field}: {r.reason}"
        if not held and not rejected:
            raise CentralServerError(
                f"the central neither held nor rejected {len(rows)} event(s); will retry")
        return held, rejected

    def _record(self, held: set[str], rejected: dict[str, str], report: RoundReport) -> None:
        if held:
            self.store.mark_sent(held)
        self._accepted += 1
        if self.batch_limit < self.batch_max and self._accepted >= 4:
            self.batch_limit = min(self.batch_max, self.batch_limit * 2)  # grow back slowly
            self._accepted = 0
        report.sent += len(held)
        report.batches += 1
        self._pending = max(0, self._pending - len(held))
        if rejected:
            self._quarantine(list(rejected.items()), report)

    def _shrink(self, size: int) -> None:
        self.batch_limit = max(1, size // 2)
        self._accepted = 0

    def _quarantine(self, items: list[tuple[str, str]], report: RoundReport) -> None:
        n = self.store.quarantine(items)
        report.quarantined += n
        if n:
            self._quarantined += n
            self.central.report(quarantined=self._quarantined)
        self._pending = max(0, self._pending - n)
        for eid, why in items:
            log.warning("outbox event %s quarantined: %s", eid, why)

    def _body(self, batch: list[OutboxRow]) -> bytes:
        pending = max(0, self._pending - len(batch))
        text = ('{"events":[' + ",".join(ev.wire_json() for ev in batch)
                + f'],"{wire.PENDING_FIELD}":{pending}}}')
        return text.encode("utf-8")

    # -- pull -----------------------------------------------------------------------------------
    def pull(self, full_catalog: bool = False, report: RoundReport | None = None) -> RoundReport:
        """Apply catalog changes and sibling movements since the stored version / cursor."""
        report = report or RoundReport()
        since = 0 if full_catalog else self.store.catalog_version()
        report.catalog_version = since
        for _ in range(100_000):
            page = self.central.catalog(since)
            if page.products or page.version != since:
                got = self.store.apply_catalog(page)
                report.products += len(page.products)
                report.catalog_skipped.extend(getattr(got, "skipped", ()))
            report.catalog_version = page.version
            if not page.more or page.version <= since:
                break
            since = page.version
        cursor = self.store.movement_cursor()
        report.movement_cursor = cursor
        for _ in range(100_000):
            mpage = self.central.movements(cursor)
            if mpage.movements or mpage.cursor > cursor:
                got = self.store.apply_movements(mpage, self.register)
                report.movements += int(getattr(got, "stored", len(mpage.movements)))
            report.movement_cursor = max(cursor, mpage.cursor)
            if not mpage.more or mpage.cursor <= cursor:
                break
            cursor = mpage.cursor
        pull_transfers(self.store, self.central)  # other stores, transfers to this store
        pull_purchase_orders(self.store, self.central)  # this store's open POs
        return report

    def round(self, full_catalog: bool = False, stop: threading.Event | None = None
              ) -> RoundReport:
        report = self.push_all(stop)
        self.pull(full_catalog, report)
        return report


class _Lazy:
    """A central client made on first use, i.e. on the worker thread: setting up TLS (loading
    the CA bundle) never costs the GUI thread that creates the worker."""

    def __init__(self, make: Callable[[CentralSettings], Central], s: CentralSettings) -> None:
        self._make = make
        self._settings = s
        self._client: Central | None = None

    def _get(self) -> Central:
        if self._client is None:
            self._client = self._make(self._settings)
        return self._client

    def push(self, body: bytes, compress: bool = True, gzipped: bool = False
             ) -> wire.EventsAnswer:
        return self._get().push(body, compress, gzipped=gzipped)

    def catalog(self, since: int, limit: int | None = None) -> wire.CatalogPage:
        return self._get().catalog(since, limit)

    def movements(self, since: int, limit: int | None = None) -> wire.MovementsPage:
        return self._get().movements(since, limit)

    def report(self, *, quarantined: int | None = None, pending: int | None = None) -> None:
        self._get().report(quarantined=quarantined, pending=pending)

    def stores(self) -> tuple[wire.StoreRef, ...]:
        return self._get().stores()

    def transfers(self) -> tuple[wire.Transfer, ...]:
        return self._get().transfers()

    def purchase_orders(self) -> wire.PurchaseOrdersPage:
        return self._get().purchase_orders()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class SyncWorker(threading.Thread):
    """The register's sync thread: ``start()``, ``notify()`` after a sale, ``stop()``."""

    def __init__(
        self, store: SyncStore, central: Central, register: str, lock: SyncLock | None = None,
        on_state: Callable[[str], None] | None = None,
        on_status: Callable[[SyncStatus], None] | None = None, *,
        batch_events: int = 500, in_flight: int = 1, retry_min: float = 1.0,
        retry_max: float = 60.0,
        poll: float = 2.0, pull_every: float = 30.0, lock_retry: float = 5.0,
        auth_recheck: float = 30.0, status_every: float = 0.5,
        reload: Callable[[], CentralSettings | None] | None = None,
        make_central: Callable[[CentralSettings], Central] | None = None,
        token: str | None = None, rng: random.Random | None = None,
    ) -> None:
        super().__init__(name="sync-worker", daemon=True)
        self.store = store
        self.syncer = Syncer(store, central, register, batch_events,
                             on_progress=self._progress, in_flight=in_flight)
        self.lock = lock
        self.on_state = on_state
        self.on_status = on_status
        self.retry_min = retry_min
        self.retry_max = max(retry_max, retry_min)
        self.poll = poll
        self.pull_every = pull_every
        self.lock_retry = lock_retry
        self.auth_recheck = auth_recheck
        self.status_every = status_every
        self._reload = reload
        self._make_central = make_central
        self._token = token
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._retry_now = False
        self._pull_now = True
        self._failures = 0
        self._last_pull = float("-inf")
        self._last_emit = float("-inf")
        self._last_line: str | None = None
        self._last_success_saved = float("-inf")
        self.state = st.STARTING
        self.error = ""
        self.status: SyncStatus | None = None

    @classmethod
    def create(cls, store: SyncStore, paths: Paths, register: str, central: CentralSettings,
               on_state: Callable[[str], None] | None = None, transport: Any = None,
               **options: Any) -> SyncWorker:
        """A worker for a provisioned register (its ``central.toml``), not started."""
        def make(s: CentralSettings) -> Central:
            return CentralClient.from_settings(s, transport)

        opts: dict[str, Any] = {
            "batch_events": central.batch_events, "retry_min": central.retry_min,
            "retry_max": central.retry_max, "poll": central.poll,
            "pull_every": central.pull_every, "in_flight": central.in_flight,
        }
        opts.update(options)
        return cls(store, _Lazy(make, central), register, SyncLock(lock_path(paths)), on_state,
                   reload=lambda: load_central(paths), make_central=make,
                   token=central.token, **opts)

    # -- control (any thread) -------------------------------------------------------------------
    def notify(self) -> None:
        """New outbox events: push soon (does not cut a back-off short)."""
        self._wake.set()

    def retry_now(self) -> None:
        """Skip the current back-off or the wait after a refused token."""
        self._retry_now = True
        self._pull_now = True
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop after the call in hand (an HTTP call ends on its own timeout)."""
        self._stopping.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if not self._take_lock():
                return
            while not self._stopping.is_set():
                worked = self._step()
                if not worked and not self._stopping.is_set():
                    self._wait(self.poll)
        finally:
            if self.lock is not None:
                self.lock.release()
            self.syncer.close()
            try:
                self.syncer.central.close()
            except Exception:
                log.debug("closing the central client failed", exc_info=True)
            self._report(st.STOPPED, force=True)

    def _take_lock(self) -> bool:
        if self.lock is None:
            return True
        while not self._stopping.is_set():
            try:
                self.lock.acquire()
                return True
            except SyncLockedError as exc:
                self._report(st.LOCKED, str(exc), force=True)
            except SyncError as exc:
                self._report(st.OFFLINE, str(exc), force=True)
            self._wait(self.lock_retry)
        return False

    def _step(self) -> bool:
        """One round; True when something was sent or pulled (look again at once)."""
        try:
            report = self.syncer.push_all(self._stopping)
            pulled = False
            now = time.monotonic()
            if self._pull_now or now - self._last_pull >= self.pull_every:
                self.syncer.pull(report=report)
                self._last_pull = now
                self._pull_now = False
                pulled = bool(report.products or report.movements)
        except NotEnrolledError as exc:
            self._failed(exc)
            self._report(st.NOT_ENROLLED, str(exc), force=True)
            self._wait_for_token()
            return False
        except PosError as exc:  # SyncError (network, 5xx, TLS) or StorageError (busy DB)
            self._failed(exc)
            self._report(st.OFFLINE, str(exc), force=True)
            self._backoff(getattr(exc, "retry_after", None))
            return False
        except Exception as exc:  # never let the thread die: sales would stop reaching the central
            log.exception("sync round failed")
            self._failed(exc)
            self._report(st.OFFLINE, f"sync error: {exc!r}", force=True)
            self._backoff()
            return False
        self._failures = 0
        worked = bool(report.batches or report.quarantined or pulled)
        self._succeeded(worked)
        self._report(st.ONLINE, force=not worked)
        return worked

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self.error = str(exc)
        log.info("sync failed (%d in a row): %s", self._failures, exc)
        with contextlib.suppress(PosError):
            self.store.record_failure(str(exc))

    def _succeeded(self, worked: bool) -> None:
        now = time.monotonic()
        self.error = ""
        if worked or self.state != st.ONLINE or now - self._last_success_saved > 60:
            try:
                self.store.record_success()
                self._last_success_saved = now
            except PosError:
                pass

    def _progress(self) -> None:
        self._report(st.ONLINE)

    # -- waiting --------------------------------------------------------------------------------
    def delay(self, failures: int) -> float:
        """Back-off before retry ``failures`` (≥ 1): doubling, capped, with jitter."""
        cap = min(self.retry_max, self.retry_min * 2 ** min(max(failures, 1) - 1, 30))
        return self._rng.uniform(cap / 2, cap)

    def _backoff(self, retry_after: float | None = None) -> None:
        wait = self.delay(self._failures)
        if retry_after:
            wait = min(self.retry_max, max(wait, retry_after))
        self._sleep(wait, wake_on_notify=False)

    def _wait_for_token(self) -> None:
        """The token was refused: wait for a new one in central.toml (or ``retry_now``)."""
        while not self._stopping.is_set():
            if self._sleep(self.auth_recheck, wake_on_notify=False):
                return  # retry_now()
            if self._reload is None or self._make_central is None:
                continue
            try:
                fresh = self._reload()
            except PosError as exc:
                log.warning("cannot read the central settings: %s", exc)
                continue
            if fresh is not None and fresh.token != self._token:
                old = self.syncer.central
                self.syncer.central = self._make_central(fresh)
                self._token = fresh.token
                try:
                    old.close()
                except Exception:
                    log.debug("closing the old central client failed", exc_info=True)
                self._pull_now = True
                return

    def _sleep(self, seconds: float, wake_on_notify: bool) -> bool:
        """Sleep up to ``seconds``; True when ``retry_now()`` cut it short."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._wake.wait(left)
            self._wake.clear()
            if self._retry_now:
                self._retry_now = False
                return True
            if wake_on_notify:
                return False
        return False

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()
        self._retry_now = False

    # -- reporting ------------------------------------------------------------------------------
    def _report(self, state: str, error: str = "", force: bool = False) -> None:
        changed = state != self.state
        self.state = state
        if error:
            self.error = error
        now = time.monotonic()
        if not (force or changed) and now - self._last_emit < self.status_every:
            return
        self._last_emit = now
        try:
            figures = self.store.figures()
        except PosError:
            return
        status = SyncStatus.of(state, figures, self.error)
        self.status = status
        line = status.line()
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("sync status callback failed")
        if self.on_state is not None and line != self._last_line:
            self._last_line = line
            try:
                self.on_state(line)
            except Exception:  # a broken listener must not stop syncing
                log.exception("sync state callback failed")
