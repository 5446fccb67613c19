"""The window's DB worker: jobs in order, results on the GUI thread, nothing after close."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from pos_terminal.ui.tasks import Runner


def test_results_come_back_in_order_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = Runner()
    got: list[tuple[int, bool]] = []
    gui = threading.current_thread()
    for i in range(5):
        runner.run(lambda i=i: i, lambda v: got.append((v, threading.current_thread() is gui)),
                   lambda exc: got.append((-1, False)))
    qtbot.waitUntil(lambda: len(got) == 5)
    assert got == [(i, True) for i in range(5)]
    runner.shutdown()


def test_a_job_after_shutdown_is_dropped_not_raised(qtbot: QtBot) -> None:
    """A debounce timer that fires while the window closes must not raise from the event loop."""
    runner = Runner()
    runner.shutdown()
    ran: list[int] = []
    runner.run(lambda: ran.append(1), ran.append, lambda exc: ran.append(-1))
    qtbot.wait(50)
    assert ran == [] and runner.pending == 0
