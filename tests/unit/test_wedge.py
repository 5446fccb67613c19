"""The keyboard-wedge decoder: scans told from typing by timing and suffix (pure, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_terminal.hardware.scanner_settings import settings_from
from pos_terminal.hardware.wedge import Decision, KeyKind, WedgeDecoder, WedgeKey

MAX = 50
CODE_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


@dataclass
class Sim:
    """Drives a decoder like the Qt filter does and records what reaches the widgets."""

    dec: WedgeDecoder = field(default_factory=WedgeDecoder)
    delivered: list[WedgeKey] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)
    consumed: list[WedgeKey] = field(default_factory=list)

    def _apply(self, d: Decision, key: WedgeKey | None = None) -> None:
        if key is not None and not d.swallow:
            assert not d.release, "a passed key must never overtake released ones"
        self.delivered.extend(d.release)
        if key is not None and not d.swallow:
            self.delivered.append(key)
        if d.scan is not None:
            self.scans.append(d.scan)
            self.consumed.extend(d.consumed)

    def key(self, key: WedgeKey) -> None:
        # The Qt timer fires at the deadline if the next key comes later than that.
        deadline = self.dec.deadline()
        if deadline is not None and key.t_ms > deadline + 1:
            self.tick(deadline + 1)
        self._apply(self.dec.feed(key), key)

    def tick(self, now: float) -> None:
        self._apply(self.dec.tick(now))

    def settle(self, now: float) -> None:
        self.tick(now + 10_000)


def char(c: str, t: float) -> WedgeKey:
    return WedgeKey(KeyKind.CHAR, t, c)


def press_release(text: str, start: float, step: float) -> list[WedgeKey]:
    keys = []
    for i, c in enumerate(text):
        t = start + i * step
        keys += [WedgeKey(KeyKind.CHAR, t, c), WedgeKey(KeyKind.CHAR, t + step / 3, c, True)]
    return keys


def test_fast_burst_with_enter_is_one_scan_and_nothing_is_delivered() -> None:
    sim = Sim()
    for i, c in enumerate("4037674097186"):
        sim.key(char(c, 1000 + i * 3))
    sim.key(WedgeKey(KeyKind.ENTER, 1000 + 13 * 3))
    sim.settle(1100)
    assert sim.scans == ["4037674097186"]
    assert sim.delivered == []


def test_slow_typing_is_released_in_order_after_the_gap() -> None:
    sim = Sim()
    sim.key(char("a", 0))
    assert sim.dec.deadline() == MAX
    sim.tick(MAX)  # not yet: the gap must be longer than the limit
    assert sim.delivered == []
    sim.tick(MAX + 1)
    assert [k.text for k in sim.delivered] == ["a"]
    sim.key(char("b", 150))
    sim.settle(150)
    assert [k.text for k in sim.delivered] == ["a", "b"]
    assert sim.scans == []


def test_short_fast_burst_with_enter_is_typing() -> None:
    sim = Sim()
    sim.key(char("1", 0))
    sim.key(char("2", 10))
    enter = WedgeKey(KeyKind.ENTER, 20)
    sim.key(enter)
    assert [k.kind for k in sim.delivered] == [KeyKind.CHAR, KeyKind.CHAR, KeyKind.ENTER]
    assert sim.scans == []


def test_enter_too_late_is_typing_even_after_a_fast_burst() -> None:
    sim = Sim()
    for i, c in enumerate("12345"):
        sim.key(char(c, i * 5))
    sim.key(WedgeKey(KeyKind.ENTER, 4 * 5 + MAX + 1))
    assert sim.scans == []
    assert "".join(k.text for k in sim.delivered) == "12345"
    assert sim.delivered[-1].kind is KeyKind.ENTER


def test_keys_other_than_characters_pass_at_once_when_idle() -> None:
    dec = WedgeDecoder()
    for kind in (KeyKind.ENTER, KeyKind.TAB, KeyKind.MODIFIER, KeyKind.OTHER):
        assert dec.feed(WedgeKey(kind, 0)) == Decision(False)
    assert dec.feed(WedgeKey(KeyKind.CHAR, 0, "a", release=True)) == Decision(False)


def test_shift_and_key_ups_ride_along_with_a_scan() -> None:
    sim = Sim()
    keys = [WedgeKey(KeyKind.MODIFIER, 0)]
    keys += press_release("ABC-123", 1, 4)
    keys.append(WedgeKey(KeyKind.ENTER, 40))
    for k in keys:
        sim.key(k)
    sim.key(WedgeKey(KeyKind.ENTER, 41, release=True))  # the suffix's key-up: passes
    assert sim.scans == ["ABC-123"]
    # Shift before the first character passes (nothing held yet); the rest is the scan.
    assert [k.kind for k in sim.delivered] == [KeyKind.MODIFIER, KeyKind.ENTER]
    assert sim.consumed == keys[1:]


def test_tab_suffix_and_any() -> None:
    tab = WedgeDecoder(suffixes=frozenset({KeyKind.TAB}))
    for i, c in enumerate("9876"):
        tab.feed(char(c, i))
    assert tab.feed(WedgeKey(KeyKind.TAB, 5)).scan == "9876"
    for i, c in enumerate("9876"):
        tab.feed(char(c, 100 + i))
    d = tab.feed(WedgeKey(KeyKind.ENTER, 105))  # not the suffix: released, no scan
    assert d.scan is None and len(d.release) == 5


def test_runaway_input_is_released_not_scanned() -> None:
    sim = Sim(WedgeDecoder(max_length=8))
    for i in range(9):
        sim.key(char("x", i))
    assert len(sim.delivered) == 9 and not sim.dec.holding


def test_min_length_and_interval_come_from_config() -> None:
    s = settings_from({"scanner": {"max_interval_ms": 30, "min_length": 6,
                                   "wedge_suffix": "any"}})
    dec = WedgeDecoder.from_settings(s)
    assert (dec.max_interval_ms, dec.min_length) == (30, 6)
    assert dec.suffixes == {KeyKind.ENTER, KeyKind.TAB}


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="min_length"):
        WedgeDecoder(min_length=0)


# -- properties ---------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    code=st.text(CODE_CHARS, min_size=4, max_size=48),
    steps=st.lists(st.floats(0, MAX), min_size=49, max_size=49),
    idle=st.floats(MAX + 1, 10_000),
    releases=st.booleans(),
)
def test_fast_bursts_with_suffix_are_exactly_one_scan(
    code: str, steps: list[float], idle: float, releases: bool
) -> None:
    sim = Sim()
    sim.key(char("q", 0))  # something typed before, long enough ago
    t = idle
    for c, step in zip(code, steps, strict=False):
        t += step
        sim.key(char(c, t))
        if releases:
            sim.key(WedgeKey(KeyKind.CHAR, t + step / 2, c, release=True))
    sim.key(WedgeKey(KeyKind.ENTER, t + steps[-1]))
    sim.settle(t)
    assert sim.scans == [code]
    assert [k.text for k in sim.delivered] == ["q"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(CODE_CHARS, min_size=1, max_size=30),
    gaps=st.lists(st.floats(MAX + 0.5, 1000), min_size=30, max_size=30),
    enter=st.booleans(),
)
def test_slow_typing_is_released_unchanged_and_in_order(
    text: str, gaps: list[float], enter: bool
) -> None:
    sim = Sim()
    keys = []
    t = 0.0
    for c, gap in zip(text, gaps, strict=False):
        t += gap
        keys.append(char(c, t))
    if enter:
        keys.append(WedgeKey(KeyKind.ENTER, t + gaps[-1]))
    for k in keys:
        sim.key(k)
    sim.settle(t + 2000)
    assert sim.scans == []
    assert sim.delivered == keys


KINDS = st.sampled_from(list(KeyKind))


@st.composite
def key_streams(draw: st.DrawFn) -> list[tuple[WedgeKey, float | None]]:
    """Random keys with random gaps, each optionally followed by a timer tick."""
    out = []
    t = 0.0
    for i in range(draw(st.integers(0, 60))):
        t += draw(st.one_of(st.floats(0, MAX), st.floats(MAX, 300)))
        kind = draw(KINDS)
        text = draw(CODE_CHARS) if kind is KeyKind.CHAR else ""
        key = WedgeKey(kind, t, text, release=draw(st.booleans()) and i % 3 == 0, payload=i)
        tick = t + draw(st.floats(0, 2 * MAX)) if draw(st.booleans()) else None
        out.append((key, tick))
    return out


@settings(max_examples=300, deadline=None)
@given(stream=key_streams(), min_length=st.integers(1, 6))
def test_no_key_is_lost_duplicated_or_reordered(
    stream: list[tuple[WedgeKey, float | None]], min_length: int
) -> None:
    sim = Sim(WedgeDecoder(min_length=min_length, max_length=20))
    for key, tick in stream:
        sim.key(key)
        if tick is not None:
            sim.tick(tick)
    sim.settle(stream[-1][0].t_ms if stream else 0)
    ids = sorted(k.payload for k in sim.delivered + sim.consumed)  # type: ignore[type-var]
    assert ids == list(range(len(stream)))  # every key exactly once
    delivered = [k.payload for k in sim.delivered]
    assert delivered == sorted(delivered)  # in typed order
    for text in sim.scans:
        assert len(text) >= min_length
    assert not sim.dec.holding
