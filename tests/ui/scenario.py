"""Drive the real cashier window the way a person and a scanner do: keys and scanner bursts.

A scenario is a plain function ``body(t: Driver)`` that runs on its own thread, like a person
at the counter: it types into whatever widget has focus, presses keys, scans, and waits for
what the screen shows. Every key reaches Qt as a real (spontaneous) key event sent to the focus
widget, so the keyboard-wedge filter, shortcuts, default buttons and modal dialogs behave as
they do at the till. Nothing here calls a widget's methods to make something happen; the
driver only *reads* widgets (on the GUI thread) to decide when to go on and what to assert.

Why a thread: a dialog opened with ``exec()`` runs a nested event loop, so a test written on the
GUI thread would stop at the first dialog. Here the GUI thread just keeps processing events
(the outer wait or any nested loop) while the scenario thread posts each action to it.

    def test_something(till: Till) -> None:
        def body(t: Driver) -> None:
            t.sign_in("cashier", "1111")
            t.open_shift()
            t.scan(code)
            t.wait(lambda: t.w.sale.model.rowCount() == 1, "the item on the sale")
            t.key(Qt.Key.Key_F12)
            t.wait_modal(TenderDialog)
            ...
        till.run(body)

Typing is slower than the wedge's burst limit (a person), a scan is one burst ending in Enter
(a scanner), so the wedge filter tells them apart exactly as it does at the till.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pos_terminal.domain.scan import frame_from_bytes
from pos_terminal.ui.main_window import MainWindow

T = TypeVar("T")

TYPING_GAP_S = 0.075  # a brisk person: well above the wedge's 50 ms burst limit
DEFAULT_TIMEOUT_S = 30.0  # generous for a busy CI machine; a passing test never waits it out


class ScenarioError(AssertionError):
    """A scenario step did not see what it waited for."""


@dataclass
class _Job:
    fn: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


class _Invoker(QObject):
    """Lives on the GUI thread; runs callables posted from the scenario thread."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, job: _Job) -> None:
        try:
            job.value = job.fn()
        except BaseException as exc:  # handed back to the scenario thread
            job.error = exc
        finally:
            job.done.set()


def focus_target(window: QWidget) -> QWidget:
    """Where a key goes: the focus widget, else the modal dialog or active window on top."""
    return (QApplication.focusWidget() or QApplication.activeModalWidget()
            or QApplication.activeWindow() or window)


def open_modals() -> list[QDialog]:
    """Visible modal dialogs, the top-most last."""
    shown = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QDialog) and w.isVisible() and w.isModal()]
    top = QApplication.activeModalWidget()
    if top in shown:
        shown.remove(top)  # type: ignore[arg-type]
        shown.append(top)  # type: ignore[arg-type]
    return shown


class Driver:
    """What the scenario thread uses: keys, scans, waits and (read-only) looks at the GUI."""

    def __init__(self, window: MainWindow, invoker: _Invoker) -> None:
        self.w = window
        self._invoker = invoker

    # -- talking to the GUI thread ----------------------------------------------------------
    def read(self, fn: Callable[[], T], timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """``fn()`` on the GUI thread, its value back here (for looking, not for acting)."""
        job = _Job(fn)
        self._invoker.call.emit(job)
        if not job.done.wait(timeout):
            raise ScenarioError(f"the GUI thread did not answer within {timeout} s")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[no-any-return]

    def _post(self, fn: Callable[[], Any]) -> None:
        """Act on the GUI thread without waiting: the action may open a dialog (exec())."""
        self._invoker.call.emit(_Job(fn))

    def settle(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Wait until the GUI thread has handled everything posted so far and the window's
        database worker is idle (results shown)."""
        self.wait(lambda: self.w.runner.pending == 0, "the register to finish its work",
                  timeout)
        self.read(lambda: None)

    # -- input ------------------------------------------------------------------------------
    def _window_manager(self) -> None:
        """What a desktop's window manager does when a dialog closes: the window on top gets
        the keyboard back. (Offscreen Qt and bare Xvfb have no window manager.)"""
        def top() -> QWidget | None:
            if QApplication.activeWindow() is not None:
                return None
            target = QApplication.activeModalWidget() or (open_modals() or [self.w])[-1]
            target.activateWindow()
            return target

        if self.read(top) is not None:
            self.wait(lambda: QApplication.activeWindow() is not None, "a window to be active")

    def key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
            settle: bool = True) -> None:
        """Press and release one key on whatever has focus (F-keys, Enter, Esc, arrows…)."""
        w = self.w
        self._window_manager()
        self._post(lambda: QTest.keyClick(focus_target(w), key, modifier))
        time.sleep(TYPING_GAP_S)
        if settle:
            self.settle()

    def type(self, text: str, enter: bool = False) -> None:
        """Type ``text`` as a person does, key by key, into whatever has focus."""
        w = self.w
        self._window_manager()
        for ch in text:
            self._post(lambda ch=ch: QTest.keyClicks(focus_target(w), ch))
            time.sleep(TYPING_GAP_S)
        if enter:
            self.key(Qt.Key.Key_Return)
        else:
            self.settle()

    def scan(self, code: str, suffix: Qt.Key = Qt.Key.Key_Return) -> None:
        """A keyboard-wedge scanner: the whole code in one burst, then its suffix key."""
        w = self.w
        self._window_manager()

        def burst() -> None:
            target = focus_target(w)
            QTest.keyClicks(target, code)
            QTest.keyClick(focus_target(w), suffix)

        self._post(burst)
        time.sleep(TYPING_GAP_S)  # the wedge filter decides at the suffix; let it
        self.settle()

    def tap(self, find: Callable[[], QWidget],
            where: Callable[[], QPoint] | None = None) -> None:
        """A finger on the touch screen: a click on the widget ``find()`` gives (read on the
        GUI thread when the tap lands), in its middle or at ``where()``."""
        self._window_manager()

        def click() -> None:
            target = find()
            pos = where() if where is not None else QPoint()
            if pos.isNull():
                QTest.mouseClick(target, Qt.MouseButton.LeftButton)
            else:
                QTest.mouseClick(target, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier, pos)

        self._post(click)
        time.sleep(TYPING_GAP_S)
        self.settle()

    def serial_scan(self, data: bytes) -> None:
        """A frame from a serial scanner, delivered from a worker thread as the real one is."""
        self.w.bridge.on_scan(frame_from_bytes(data))
        time.sleep(0.02)
        self.settle()

    # -- waiting and looking ----------------------------------------------------------------
    def wait(self, cond: Callable[[], Any], what: str = "",
             timeout: float = DEFAULT_TIMEOUT_S) -> Any:
        """Poll ``cond`` on the GUI thread until it is truthy; its value is returned."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.read(cond)
            if value:
                return value
            if time.monotonic() > deadline:
                raise ScenarioError(f"waited {timeout} s for {what or cond!r}; "
                                    f"screen: {self.describe()}")
            time.sleep(0.01)

    def modal(self) -> QWidget | None:
        return self.read(QApplication.activeModalWidget)

    def wait_modal(self, kind: type[T], timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """Wait until a dialog of ``kind`` is the top-most modal window; returns it (read it
        only through ``read``)."""
        return self.wait(  # type: ignore[no-any-return]
            lambda: (m if isinstance(m := QApplication.activeModalWidget(), kind) else None),
            f"a {kind.__name__} dialog", timeout)

    def wait_no_modal(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.wait(lambda: QApplication.activeModalWidget() is None, "every dialog closed",
                  timeout)

    def message(self) -> str:
        """The message bar of the screen on top."""
        return self.read(lambda: self.w._current_message().text())

    def describe(self) -> str:
        """A one-line view of the window for failure messages."""
        def look() -> str:
            top = QApplication.activeModalWidget()
            screen = type(self.w.stack.currentWidget()).__name__
            focus = QApplication.focusWidget()
            msg = self.w._current_message().text()
            return (f"screen={screen} modal={type(top).__name__ if top else None} "
                    f"focus={type(focus).__name__ if focus else None} message={msg!r}")
        try:
            job = _Job(look)
            self._invoker.call.emit(job)
            return job.value if job.done.wait(2) else "(GUI thread busy)"
        except Exception as exc:  # describing must never hide the real failure
            return f"(could not describe: {exc})"

    def shot(self, name: str) -> None:
        """Screenshot of the window (or the dialog on top) into POS_SCREENSHOTS, if set."""
        from ui_support import shot

        self.read(lambda: shot(QApplication.activeModalWidget() or self.w, name))

    # -- the usual first steps, by keys -------------------------------------------------------
    def sign_in(self, name: str, pin: str) -> None:
        """Pick the user with the arrow keys on the sign-in screen, type the PIN, Enter."""
        w = self.w
        self.wait(lambda: w.stack.currentWidget() is w.login and w.login.users.count() > 0,
                  "the sign-in screen")
        self.read(lambda: w.login.pin.setFocus())  # focus as a fresh sign-in screen has it
        names = self.read(lambda: [w.login.users.item(i).text()
                                   for i in range(w.login.users.count())])
        if name not in names:
            raise ScenarioError(f"{name!r} is not offered at sign-in: {names}")
        while self.read(lambda: w.login.users.currentItem().text()) != name:
            here = self.read(lambda: w.login.users.currentRow())
            step = Qt.Key.Key_Down if names.index(name) > here else Qt.Key.Key_Up
            self.key(step)
            if self.read(lambda: w.login.users.currentRow()) == here:
                raise ScenarioError("the arrow keys do not move the user list at sign-in")
        self.type(pin, enter=True)

    def open_shift(self, float_notes: dict[int, int] | None = None) -> None:
        """On the open-shift screen: count the float (default two 50.00 notes) and open."""
        from pos_terminal.ui.dialogs import CashCountDialog

        w = self.w
        self.wait(lambda: w.stack.currentWidget() in (w.open_shift, w.sale),
                  "the open-shift or sale screen")
        if self.read(lambda: w.stack.currentWidget() is w.sale):
            return
        self.key(Qt.Key.Key_F2)  # "F2 Count float"
        self.wait_modal(CashCountDialog)
        self.count_cash(float_notes or {5000: 2})
        self.wait(lambda: w.stack.currentWidget() is w.sale, "the sale screen")

    def count_cash(self, counts: dict[int, int]) -> None:
        """In the open cash-count dialog: Tab to each denomination, type the count, Enter."""
        from pos_terminal.ui.dialogs import CashCountDialog

        dlg = self.wait_modal(CashCountDialog)
        order = self.read(lambda: list(dlg.spins))
        for value in order:
            n = counts.get(value, 0)
            if n:
                self.read(lambda: None)
                self.type(str(n))
            self.key(Qt.Key.Key_Tab)
        self.key(Qt.Key.Key_Return)
        self.wait_no_modal()


class Till:
    """The main-thread side of a scenario: runs ``body`` on its own thread and keeps the GUI
    thread processing events until it is done."""

    def __init__(self, window: MainWindow, qtbot: Any) -> None:
        self.w = window
        self.qtbot = qtbot
        self.invoker = _Invoker()

    def run(self, body: Callable[[Driver], None], timeout: float = 280.0) -> None:
        driver = Driver(self.w, self.invoker)
        failure: list[BaseException] = []

        def main() -> None:
            try:
                body(driver)
            except BaseException as exc:
                failure.append(exc)
            finally:
                # Never leave a dialog open: its exec() would keep the GUI thread nested and
                # this test could not end. A dialog left open after the body is a failure.
                left = driver.read(lambda: [type(d).__name__ for d in open_modals()])
                if left and not failure:
                    failure.append(ScenarioError(f"the scenario ended with {left} open"))
                for _ in range(10):
                    if not driver.read(open_modals):
                        break
                    driver._post(lambda: [d.reject() for d in reversed(open_modals())])
                    time.sleep(0.05)

        thread = threading.Thread(target=main, name="scenario", daemon=True)
        thread.start()
        self.qtbot.waitUntil(lambda: not thread.is_alive(), timeout=int(timeout * 1000))
        if failure:
            exc = failure[0]
            if not isinstance(exc, AssertionError):
                traceback.print_exception(exc)
            raise exc
