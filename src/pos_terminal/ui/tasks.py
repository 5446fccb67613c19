"""Run service calls off the GUI thread, in order, and hand results back on the GUI thread.

One worker thread serialises everything that touches the database (scans stay in scan order);
results and errors come back through a queued signal, so widgets are only touched by the GUI
thread. A long job (a catalog import) gets a Runner of its own, so the till's work never queues
behind it, and reports how far it got through a ``Progress``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Outcome:
    """One finished job. Sent as a single object: PySide6 6.12 miscounts references to None
    passed through queued signal arguments, and thousands of such emits crash the process
    ("none_dealloc"), so no signal here ever carries a bare None."""

    callback: Callable[[Any], None]
    value: Any


class Runner(QObject):
    _finished = Signal(object)  # an _Outcome
    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, name: str = "pos-db") -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self._closed = False
        self._finished.connect(self._deliver)

    def run(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        if self._closed:  # a timer or late signal after the window closed: nothing to show it
            log.debug("dropped %r: the window is closing", fn)
            return
        self._pending += 1
        self.busy_changed.emit(self._pending)

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # handed to the GUI thread, never swallowed
                self._finished.emit(_Outcome(on_error, exc))
            else:
                self._finished.emit(_Outcome(on_done, result))

        self._pool.submit(job)

    def _deliver(self, outcome: _Outcome) -> None:
        self._pending -= 1
        self.busy_changed.emit(self._pending)
        outcome.callback(outcome.value)

    @property
    def pending(self) -> int:
        return self._pending

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)


class Progress(QObject):
    """``report(done, total)`` from a worker thread; ``changed`` delivers it on the GUI thread."""

    changed = Signal(object)  # (done, total): one object, never a bare None (see _Outcome)

    def report(self, done: int, total: int) -> None:
        self.changed.emit((done, total))
