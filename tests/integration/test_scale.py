"""Serial scales on real ptys: the Toledo 8217 and CAS 22-byte protocols, byte for byte from
their references (tests/scale_emulator.py), every state a till must tell apart,
and unplug / replug without a restart."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_terminal.errors import ConfigError
from pos_terminal.hardware.errors import PortError
from pos_terminal.hardware.scale import (
    Framer,
    ScalePort,
    ScaleReading,
    ScaleState,
    ScaleWorker,
    decode_cas,
    decode_toledo,
)
from pos_terminal.hardware.scale_settings import ScaleSettings, scale_settings_from

from scale_emulator import ScaleEmulator

S = ScaleState
KINDS = [("toledo", "demand"), ("cas", "demand"), ("cas", "continuous")]


@pytest.fixture
def scales() -> Iterator[list[ScaleEmulator]]:
    made: list[ScaleEmulator] = []
    yield made
    for s in made:
        s.unplug()


def emulate(scales: list[ScaleEmulator], protocol: str, mode: str, link: Path | None = None
            ) -> ScaleEmulator:
    s = ScaleEmulator(protocol, mode, link)
    scales.append(s)
    return s


def settings(scale: ScaleEmulator, **kw: object) -> ScaleSettings:
    base: dict[str, object] = {"protocol": scale.protocol, "port": scale.path,
                               "mode": scale.mode, "timeout_ms": 1000, "poll_ms": 50,
                               "reconnect_seconds": 0.1}
    return ScaleSettings(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("protocol", "mode"), KINDS)
@pytest.mark.parametrize(("state", "grams", "want", "want_grams"), [
    ("stable", 1235, S.STABLE, 1235),
    ("stable", 15_000, S.STABLE, 15_000),
    ("motion", 1240, S.MOTION, None),
    ("overload", 0, S.OVERLOAD, None),
    ("under zero", 20, S.UNDER_ZERO, None),
    ("zero", 0, S.ZERO, 0),
])
def test_each_state_of_the_scale(scales: list[ScaleEmulator], protocol: str, mode: str,
                                 state: str, grams: int, want: ScaleState,
                                 want_grams: int | None) -> None:
    scale = emulate(scales, protocol, mode)
    scale.set(state, grams)
    port = ScalePort(settings(scale))
    port.open()
    try:
        r = port.read()
    finally:
        port.close()
    assert r.state is want, r
    if want_grams is not None:
        assert r.grams == want_grams
    if protocol == "cas" and state in ("motion", "under zero"):
        assert r.grams == (1240 if state == "motion" else -20)  # CAS sends the moving weight
    assert r.usable == (want is S.STABLE)
    assert r.raw == scale.sent[-1]  # exactly the frame the scale sent
    if mode == "demand":
        assert scale.requests[-1] == (b"W" if protocol == "toledo" else b"\x01WT\r\n")


@pytest.mark.parametrize(("protocol", "mode"), KINDS)
def test_a_silent_scale_is_no_answer_not_a_hang(scales: list[ScaleEmulator], protocol: str,
                                                mode: str) -> None:
    scale = emulate(scales, protocol, mode)
    scale.silent = True
    port = ScalePort(settings(scale, timeout_ms=200))
    port.open()
    started = time.monotonic()
    try:
        r = port.read()
    finally:
        port.close()
    assert r.state is S.NO_ANSWER and "cable" in r.detail
    assert time.monotonic() - started < 1.0
    assert "check its cable" in r.message()


class Readings:
    def __init__(self, s: ScaleSettings) -> None:
        self.q: queue.Queue[ScaleReading] = queue.Queue()
        self.worker = ScaleWorker(s, self.q.put)
        self.worker.start()

    def wait(self, state: ScaleState, grams: int | None = None, timeout: float = 10.0
             ) -> ScaleReading:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                r = self.q.get(timeout=0.05)
            except queue.Empty:
                continue
            seen.append(r)
            if r.state is state and (grams is None or r.grams == grams):
                return r
        raise AssertionError(f"no {state} reading; saw {seen}")


@pytest.fixture
def workers() -> Iterator[list[Readings]]:
    made: list[Readings] = []
    yield made
    for r in made:
        r.worker.stop()


@pytest.mark.parametrize(("protocol", "mode"), KINDS)
def test_the_worker_follows_the_scale_and_survives_an_unplug(
        tmp_path: Path, scales: list[ScaleEmulator], workers: list[Readings], protocol: str,
        mode: str) -> None:
    scale = emulate(scales, protocol, mode, tmp_path / "scale")
    r = Readings(settings(scale))
    workers.append(r)
    assert r.wait(S.STABLE, 1235).usable
    scale.set("motion", 1500)
    r.wait(S.MOTION)
    scale.set("stable", 1500)
    r.wait(S.STABLE, 1500)
    scale.silent = True  # cable out at the scale: the port is there, nobody answers
    r.wait(S.NO_ANSWER)
    scale.silent = False
    r.wait(S.STABLE, 1500)
    scale.unplug()  # the USB adapter pulled: the port goes away
    gone = r.wait(S.NO_ANSWER)
    assert gone.detail
    time.sleep(0.3)  # a retry or two against the dead port
    scale.replug()
    scale.set("stable", 2000)
    r.wait(S.STABLE, 2000)
    assert r.worker.running


def test_a_missing_port_is_no_answer_with_the_reason(tmp_path: Path,
                                                     workers: list[Readings]) -> None:
    r = Readings(ScaleSettings(protocol="toledo", port=str(tmp_path / "none"),
                               reconnect_seconds=0.1))
    workers.append(r)
    got = r.wait(S.NO_ANSWER)
    assert "not found" in got.detail


def test_open_errors_are_translated_for_installers(tmp_path: Path) -> None:
    with pytest.raises(PortError, match=r"scale port .* not found"):
        ScalePort(ScaleSettings(protocol="cas", port=str(tmp_path / "x"))).open()
    with pytest.raises(PortError, match="no scale configured"):
        ScalePort(ScaleSettings())


# -- the frames, without a port ------------------------------------------------------------------
@pytest.mark.parametrize(("payload", "want", "grams"), [
    (b"01.235", S.STABLE, 1235),
    (b" 1.235", S.STABLE, 1235),
    (b"00.000", S.ZERO, 0),
    (b"01235", S.STABLE, 1235),  # digits only: [scale] decimals = 3
    (b"?a", S.MOTION, None),
    (b"?b", S.OVERLOAD, None),
    (b"?d", S.UNDER_ZERO, None),
    (b"?e", S.UNDER_ZERO, None),  # under zero and moving: under zero first
    (b"?p", S.ZERO, 0),  # centre of zero
    (b"?h", S.ERROR, None),  # not zeroed at power-up
    (b"?\xe1", S.MOTION, None),  # a parity bit left on by an 8-bit port
    (b"?", S.ERROR, None),
    (b"abc", S.ERROR, None),
    (b"1.2345", S.ERROR, None),  # finer than a gram
])
def test_toledo_frames(payload: bytes, want: ScaleState, grams: int | None) -> None:
    r = decode_toledo(payload)
    assert (r.state, r.grams) == (want, grams)
    assert r.raw == b"\x02" + payload + b"\r"


def cas(head: bytes, weight: bytes, unit: bytes = b"kg") -> bytes:
    return head + b",GS,1\xe5," + weight + b" " + unit


@pytest.mark.parametrize(("frame", "want", "grams"), [
    (cas(b"ST", b"0001.235"), S.STABLE, 1235),
    (cas(b"US", b"0001.240"), S.MOTION, 1240),
    (cas(b"OL", b"  OL    "), S.OVERLOAD, None),
    (cas(b"ST", b"-000.020"), S.UNDER_ZERO, -20),
    (cas(b"ST", b"0000.000"), S.ZERO, 0),
    (cas(b"ST", b"00001235", b" g"), S.STABLE, 1235),
    (cas(b"ST", b"0001.235", b"lb"), S.ERROR, None),
    (cas(b"XX", b"0001.235"), S.ERROR, None),
    (b"ST,GS,+  4.876kg", S.ERROR, None),  # another maker's format: said, not guessed
])
def test_cas_frames(frame: bytes, want: ScaleState, grams: int | None) -> None:
    r = decode_cas(frame)
    assert (r.state, r.grams) == (want, grams)


def test_framing_drops_noise_and_joins_halves() -> None:
    f = Framer("toledo")
    assert f.feed(b"\x00junk\x0201.2") == []
    assert f.feed(b"35\r\x02?a\r") == [b"01.235", b"?a"]
    c = Framer("cas")
    frame = cas(b"ST", b"0001.235") + b"\r\n"
    assert c.feed(b"xx" + frame[:7]) == []
    assert c.feed(frame[7:] + frame) == [frame[:-2], frame[:-2]]


def test_messages_a_cashier_reads() -> None:
    assert ScaleReading(S.STABLE, 1235).message(lambda g: f"{g / 1000:.3f} kg") == "1.235 kg"
    assert "not steady" in ScaleReading(S.MOTION).message()
    assert "overloaded" in ScaleReading(S.OVERLOAD).message()
    assert "below zero" in ScaleReading(S.UNDER_ZERO).message()
    assert "nothing on the scale" in ScaleReading(S.ZERO, 0).message()


# -- settings ------------------------------------------------------------------------------------
def test_no_scale_section_means_no_scale() -> None:
    assert not scale_settings_from({}).enabled


def test_scale_settings_are_read() -> None:
    s = scale_settings_from({"scale": {"protocol": "cas", "port": "/dev/ttyUSB1",
                                       "mode": "continuous", "baudrate": 19200}})
    assert (s.protocol, s.port, s.mode, s.baudrate, s.framing) == (
        "cas", "/dev/ttyUSB1", "continuous", 19200, (8, "N"))
    t = scale_settings_from({"scale": {"port": "/dev/ttyS0"}})
    assert (t.protocol, t.framing) == ("toledo", (7, "E"))  # the 8217's 9600 7E1


@pytest.mark.parametrize(("section", "words"), [
    ({"protocol": "toledo"}, "[scale] port"),
    ({"protocol": "dibal", "port": "x"}, "[scale] protocol"),
    ({"port": "x", "mode": "continuous"}, "answers weight requests only"),
    ({"port": "x", "baudrate": "fast"}, "[scale] baudrate"),
    ({"port": "x", "prot": "cas"}, "[scale] prot"),
])
def test_bad_scale_settings_name_the_key(section: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as err:
        scale_settings_from({"scale": section}, "/etc/x.toml")
    assert words in err.value.message and "/etc/x.toml" in err.value.message


def test_doctor_scale_prints_json_lines(scales: list[ScaleEmulator],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from pos_terminal.cli import main

    scale = emulate(scales, "toledo", "demand")
    assert main(["doctor", "scale", "--port", scale.path, "--protocol", "toledo",
                 "--count", "2"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert len(lines) == 2 and lines[0]["state"] == "stable" and lines[0]["grams"] == 1235
    assert lines[0]["text"] == "1.235 kg"
    assert "toledo" in err
