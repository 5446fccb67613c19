"""Keyboard-wedge scans recognised whatever widget has focus, never typed into a text field.

``WedgeFilter`` is an application-wide event filter around the pure
``hardware.wedge.WedgeDecoder`` (which holds the whole timing contract): it feeds it every
spontaneous key press/release aimed at a widget, swallows what the decoder holds, re-posts
released keys (fresh, non-spontaneous copies, which the filter lets through) to the widget they
were aimed at, and emits ``scanned(code)`` for a complete scan. A single-shot precise ``QTimer``
releases a person's keys ``max_interval_ms`` (+1 ms) after the last key.

Usage (composition root / main window)::

    wedge = WedgeFilter(scanner_settings, parent=window)
    wedge.install()                       # on QApplication.instance()
    wedge.scanned.connect(window.handle_scan)
"""

from __future__ import annotations

import math
import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from pos_terminal.hardware.scanner_settings import ScannerSettings
from pos_terminal.hardware.wedge import Decision, KeyKind, WedgeDecoder, WedgeKey

_KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
_MODIFIER_KEYS = frozenset({
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
})
_SHORTCUT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
GS = "\x1d"  # Ctrl+] on a wedge scanner that sends FNC1


def classify(event: QKeyEvent) -> tuple[KeyKind, str]:
    """The decoder's view of a Qt key event: its kind and the character it types."""
    key = event.key()
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        return KeyKind.ENTER, ""
    if key == Qt.Key.Key_Tab:
        return KeyKind.TAB, ""
    if key in _MODIFIER_KEYS:
        return KeyKind.MODIFIER, ""
    text = event.text()
    if text == GS:
        return KeyKind.CHAR, text
    if len(text) == 1 and text.isprintable() and not event.modifiers() & _SHORTCUT_MODIFIERS:
        return KeyKind.CHAR, text
    return KeyKind.OTHER, ""


def copy_event(event: QKeyEvent) -> QKeyEvent:
    """A new, non-spontaneous copy (so the filter lets it through when it comes back)."""
    return QKeyEvent(
        event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
        event.nativeVirtualKey(), event.nativeModifiers(), event.text(), event.isAutoRepeat(),
        event.count(),
    )


class WedgeFilter(QObject):
    """Application event filter turning keyboard-wedge bursts into ``scanned(code)``."""

    scanned = Signal(str)

    def __init__(
        self, settings: ScannerSettings | None = None, parent: QObject | None = None,
        decoder: WedgeDecoder | None = None,
    ) -> None:
        super().__init__(parent)
        self.decoder = decoder or WedgeDecoder.from_settings(settings or ScannerSettings())
        self._enabled = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer)

    # -- public ---------------------------------------------------------------------------
    def install(self, app: QCoreApplication | None = None) -> None:
        (app or QCoreApplication.instance()).installEventFilter(self)  # type: ignore[union-attr]

    def uninstall(self, app: QCoreApplication | None = None) -> None:
        self._apply(self.decoder.flush())
        target = app or QCoreApplication.instance()
        if target is not None:
            target.removeEventFilter(self)

    def set_enabled(self, enabled: bool) -> None:
        """Off: every key goes straight through (held keys are released first)."""
        if not enabled:
            self._apply(self.decoder.flush())
        self._enabled = enabled

    # -- Qt -------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in _KEY_EVENTS or not self._enabled:
            return False
        # Only real input aimed at a widget: the QWindow sees the same press first (it passes
        # here and reaches the focus widget), and our own re-posted copies are not spontaneous.
        if not event.spontaneous() or not watched.isWidgetType():
            return False
        assert isinstance(event, QKeyEvent)
        kind, text = classify(event)
        key = WedgeKey(kind, self._now(), text, event.type() == QEvent.Type.KeyRelease,
                       (watched, copy_event(event)))
        decision = self.decoder.feed(key)
        self._apply(decision)
        return decision.swallow

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return time.monotonic() * 1000.0

    def _on_timer(self) -> None:
        self._apply(self.decoder.tick(self._now()))

    def _apply(self, d: Decision) -> None:
        for key in d.release:
            receiver, event = key.payload  # type: ignore[misc]
            target = receiver if shiboken6.isValid(receiver) else QApplication.focusWidget()
            if target is not None:
                QCoreApplication.postEvent(target, event)
        deadline = self.decoder.deadline()
        if deadline is None:
            self._timer.stop()
        else:
            # +1 ms: tick() releases only once the gap is strictly longer than the limit.
            self._timer.start(max(0, math.ceil(deadline - self._now())) + 1)
        if d.scan is not None:
            self.scanned.emit(d.scan)
