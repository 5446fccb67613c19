"""Telling a keyboard-wedge scanner from a person typing, by timing and suffix (no Qt here).

A USB scanner in keyboard mode "types" a code much faster than a person (a few ms per key) and
ends it with a suffix key (Enter or Tab). ``WedgeDecoder`` is fed every key event with a
timestamp and says, for each one, whether the caller must hold it back, which held keys to
deliver now, and when a scan is complete. ``ui/wedge_filter.py`` is the thin Qt layer around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_terminal.hardware.scanner_settings import ScannerSettings


class KeyKind(StrEnum):
    CHAR = "char"  # a key that types one character (also GS from Ctrl+] for FNC1)
    ENTER = "enter"  # Return or keypad Enter
    TAB = "tab"
    MODIFIER = "modifier"  # Shift, Ctrl, Alt… pressed alone
    OTHER = "other"  # anything else: arrows, Backspace, F-keys, Ctrl+letter shortcuts


@dataclass(frozen=True)
class WedgeKey:
    """One key event. ``payload`` is the caller's (e.g. the Qt event to re-post); never read."""

    kind: KeyKind
    t_ms: float
    text: str = ""
    release: bool = False  # a key-up event
    payload: object = field(default=None, compare=False)


@dataclass(frozen=True)
class Decision:
    """What to do with the event just fed (or after ``tick``).

    ``swallow``: do not deliver the event now. ``release``: deliver these held keys now, in this
    order (the fed event is among them when it has to wait its turn). ``scan``: a complete scan;
    ``consumed`` are the keys it was made of, which are never delivered.
    """

    swallow: bool
    release: tuple[WedgeKey, ...] = ()
    scan: str | None = None
    consumed: tuple[WedgeKey, ...] = ()


_PASS = Decision(False)
_HOLD = Decision(True)


class WedgeDecoder:
    """Decides, key by key, whether a burst is a scan or a person typing.

    Contract (what the UI relies on: "a keyboard-wedge scan is recognised whatever widget has
    focus and never lands in a text field"; typing is never lost, reordered or duplicated):

    1. While idle, a character key-press is *held*: ``feed`` returns ``swallow=True``. Every
       other event (key-ups, modifiers, Enter, arrows, shortcuts…) passes: ``swallow=False``
       with nothing to release.
    2. While holding, every event is held too, so nothing overtakes the held keys:
       - a key-press more than ``max_interval_ms`` after the previous key-press means the held
         keys were typed by a person: they are released, then the event is treated as in 1
         (if it would pass, it is appended to the release instead, to keep the order);
       - key-ups and modifiers ride along (held, in order);
       - a character press within ``max_interval_ms`` is held; beyond ``max_length`` held
         characters everything is released (not a scan);
       - a suffix press (Enter and/or Tab, per ``suffixes``) within ``max_interval_ms`` after at
         least ``min_length`` held characters completes a scan: ``scan`` is the characters'
         text and all held keys plus the suffix are ``consumed``; with fewer characters the
         held keys and the suffix are released (a person typing "12" + Enter quickly);
       - any other press releases the held keys followed by itself.
    3. ``tick(now_ms)`` releases the held keys once ``now_ms`` is more than
       ``max_interval_ms`` after the last key-press; call it by ``deadline()`` (a timer), so a
       person's first key is delayed by at most ``max_interval_ms`` plus the timer's slack.
    4. ``flush()`` releases whatever is held (focus lost, window closed, filter disabled).

    Whenever ``feed`` returns ``swallow=False`` its ``release`` is empty, so delivering the
    released keys first and then the event (if not swallowed) keeps the typed order.
    """

    def __init__(
        self,
        max_interval_ms: float = 50,
        min_length: int = 4,
        suffixes: frozenset[KeyKind] = frozenset({KeyKind.ENTER}),
        max_length: int = 128,
    ) -> None:
        if max_interval_ms <= 0 or min_length < 1 or max_length < min_length:
            raise ValueError("need max_interval_ms > 0 and 1 <= min_length <= max_length")
        self.max_interval_ms = max_interval_ms
        self.min_length = min_length
        self.suffixes = frozenset(suffixes)
        self.max_length = max_length
        self._held: list[WedgeKey] = []
        self._chars = 0
        self._last_press = 0.0

    @classmethod
    def from_settings(cls, s: ScannerSettings) -> WedgeDecoder:
        suffixes = {"enter": {KeyKind.ENTER}, "tab": {KeyKind.TAB},
                    "any": {KeyKind.ENTER, KeyKind.TAB}}[s.wedge_suffix]
        return cls(s.max_interval_ms, s.min_length, frozenset(suffixes))

    @property
    def holding(self) -> bool:
        return bool(self._held)

    @property
    def held(self) -> tuple[WedgeKey, ...]:
        return tuple(self._held)

    def deadline(self) -> float | None:
        """When ``tick`` should run next (ms, the feed clock), or None while idle."""
        return self._last_press + self.max_interval_ms if self._held else None

    def feed(self, key: WedgeKey) -> Decision:
        if not self._held:
            return self._idle(key)
        if not key.release and key.t_ms - self._last_press > self.max_interval_ms:
            released = self._take()
            after = self._idle(key)
            if after.swallow:  # the key starts a new hold
                return Decision(True, released)
            return Decision(True, (*released, key))
        self._held.append(key)
        if key.release or key.kind is KeyKind.MODIFIER:
            return _HOLD
        self._last_press = key.t_ms
        if key.kind is KeyKind.CHAR:
            self._chars += 1
            if self._chars > self.max_length:
                return Decision(True, self._take())
            return _HOLD
        if key.kind in self.suffixes and self._chars >= self.min_length:
            keys = self._take()
            text = "".join(k.text for k in keys if k.kind is KeyKind.CHAR and not k.release)
            return Decision(True, (), text, keys)
        return Decision(True, self._take())

    def tick(self, now_ms: float) -> Decision:
        if self._held and now_ms - self._last_press > self.max_interval_ms:
            return Decision(False, self._take())
        return _PASS

    def flush(self) -> Decision:
        return Decision(False, self._take())

    def _idle(self, key: WedgeKey) -> Decision:
        if key.kind is KeyKind.CHAR and not key.release:
            self._held = [key]
            self._chars = 1
            self._last_press = key.t_ms
            return _HOLD
        return _PASS

    def _take(self) -> tuple[WedgeKey, ...]:
        keys = tuple(self._held)
        self._held.clear()
        self._chars = 0
        return keys
