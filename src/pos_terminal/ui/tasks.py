"""Run service calls off the GUI thread, in order, and hand results back on the GUI thread.

One worker thread serialises everything that touches the database (scans stay in scan order);
results and errors come back through a queued signal, so widgets are only touched by the GUI
thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class Runner(QObject):
    _finished = Signal(object, object, object)  # callback, result, error
    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pos-db")
        self._pending = 0
        self._finished.connect(self._deliver)

    def run(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._pending += 1
        self.busy_changed.emit(self._pending)

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # handed to the GUI thread, never swallowed
                self._finished.emit(on_error, None, exc)
            else:
                self._finished.emit(on_done, result, None)

        self._pool.submit(job)

    def _deliver(self, callback: Callable[[Any], None], result: Any, error: Any) -> None:
        self._pending -= 1
        self.busy_changed.emit(self._pending)
        callback(error if error is not None else result)

    @property
    def pending(self) -> int:
        return self._pending

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
