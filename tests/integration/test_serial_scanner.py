"""Serial scanners over real ptys and a real local TCP socket: framing, garbage, unplug/replug."""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_terminal.config import Paths
from pos_terminal.domain.scan import AimMode, ScanFrame
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.errors import PortError
from pos_terminal.hardware.scanner_settings import (
    ScannerSettings,
    load_scanner_settings,
    settings_from,
)
from pos_terminal.hardware.serial_scanner import (
    DISCONNECTED,
    READY,
    FrameSplitter,
    ScannerPort,
    SerialScanner,
)

EAN = b"4037674097186"
EAN2 = b"5901234123457"
GS = b"\x1d"


class Pty:
    """A fake scanner: we write to the master, the scanner reads the raw-mode slave."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)


class Reader:
    """A running SerialScanner whose callbacks feed queues the test waits on."""

    def __init__(self, settings: ScannerSettings) -> None:
        self.frames: queue.Queue[ScanFrame] = queue.Queue()
        self.states: queue.Queue[str] = queue.Queue()
        self.scanner = SerialScanner(settings, self.frames.put, self.states.put, poll_s=0.02)
        self.scanner.start()

    def wait_state(self, want: str, timeout: float = 3.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.states.get(timeout=end - time.monotonic()) == want:
                    return
            except queue.Empty:
                break
        pytest.fail(f"scanner never reported {want!r} (last error: {self.scanner.last_error})")

    def take(self, n: int, timeout: float = 3.0) -> list[ScanFrame]:
        out = []
        end = time.monotonic() + timeout
        for _ in range(n):
            try:
                out.append(self.frames.get(timeout=max(0.01, end - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"got {len(out)} of {n} frames: {out}")
        return out

    def nothing_more(self, wait: float = 0.15) -> None:
        time.sleep(wait)
        assert self.frames.empty(), list(self.frames.queue)


def settings(path: str, **kw: object) -> ScannerSettings:
    base: dict[str, object] = {"kind": "serial", "port": path, "reconnect_seconds": 0.2,
                               "frame_timeout_ms": 300}
    base.update(kw)
    return ScannerSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
def pty() -> Iterator[Pty]:
    p = Pty()
    yield p
    for fd in (p.master, p.slave):
        with contextlib.suppress(OSError):  # already closed by an unplug
            os.close(fd)


def start(pty: Pty, **kw: object) -> Reader:
    r = Reader(settings(pty.path, **kw))
    r.wait_state(READY)  # pyserial flushes input on open: write only once it is open
    return r


@pytest.fixture
def readers() -> Iterator[list[Reader]]:
    made: list[Reader] = []
    yield made
    for r in made:
        r.scanner.stop()


def gtins(frames: list[ScanFrame]) -> list[str | None]:
    return [f.code.gtin if f.code else f.error for f in frames]


@pytest.mark.parametrize(("mode", "suffix"), [
    ("auto", b"\r"), ("auto", b"\n"), ("auto", b"\r\n"),
    ("CR", b"\r"), ("LF", b"\n"), ("CRLF", b"\r\n"),
])
def test_each_suffix(pty: Pty, readers: list[Reader], mode: str, suffix: bytes) -> None:
    r = start(pty, suffix=mode)
    readers.append(r)
    pty.write(EAN + suffix + EAN2 + suffix)
    assert gtins(r.take(2)) == ["4037674097186", "5901234123457"]
    r.nothing_more()


def test_aim_prefixes_and_gs1_128(pty: Pty, readers: list[Reader]) -> None:
    r = start(pty)
    readers.append(r)
    pty.write(b"]E0" + EAN + b"\r]E412345670\r]E004252614\r")
    pty.write(b"]C10105901234123457" + b"10LOT7" + GS + b"3103001250\r")
    f = r.take(4)
    assert [x.symbology for x in f] == ["]E0", "]E4", "]E0", "]C1"]
    assert gtins(f) == ["4037674097186", "12345670", "042100005264", "5901234123457"]
    assert (f[3].code.lot, f[3].code.weight_g) == ("LOT7", 1250)  # type: ignore[union-attr]


def test_aim_required_flags_frames_without_one(pty: Pty, readers: list[Reader]) -> None:
    r = start(pty, aim=AimMode.REQUIRED)
    readers.append(r)
    pty.write(EAN + b"\r]E0" + EAN + b"\r")
    bad, good = r.take(2)
    assert bad.error and "AIM" in bad.error and good.ok


def test_a_frame_cut_in_half_is_joined(pty: Pty, readers: list[Reader]) -> None:
    r = start(pty)
    readers.append(r)
    pty.write(EAN[:6])
    time.sleep(0.08)
    pty.write(EAN[6:] + b"\r")
    assert gtins(r.take(1)) == ["4037674097186"]
    r.nothing_more()


def test_noise_invalid_utf8_and_bad_codes_are_error_frames(
    pty: Pty, readers: list[Reader]
) -> None:
    r = start(pty)
    readers.append(r)
    pty.write(b"\x00\x07\x1b[A\r" + b"\xff\xfe\xc3(\r" + b"4037674097187\r" + EAN + b"\r")
    noise, utf8, check, good = r.take(4)
    assert noise.error and noise.code is None
    assert utf8.error and "not text" in utf8.error and utf8.text is None
    assert check.error and "bad check digit" in check.error
    assert good.ok
    r.nothing_more()


def test_10_kb_without_a_suffix_is_one_error_and_reading_goes_on(
    pty: Pty, readers: list[Reader]
) -> None:
    r = start(pty)
    readers.append(r)
    pty.write(b"7" * 10_000 + b"\r" + EAN + b"\r")
    overflow, good = r.take(2)
    assert overflow.error and "longer than 512" in overflow.error
    assert len(overflow.raw) <= 64
    assert good.ok and good.code.gtin == "4037674097186"  # type: ignore[union-attr]
    # Without any suffix at all the partial frame is reported once it is stale.
    pty.write(b"8" * 10_000)
    (stale,) = r.take(1)
    assert stale.error and "longer than 512" in stale.error
    pty.write(b"noise-without-suffix")
    (stale,) = r.take(1)
    assert stale.error and "incomplete frame" in stale.error
    pty.write(EAN2 + b"\n")
    assert gtins(r.take(1)) == ["5901234123457"]
    r.nothing_more()


def test_unplug_and_replug_reconnects_without_restart(
    tmp_path: Path, readers: list[Reader]
) -> None:
    first = Pty()
    link = tmp_path / "scanner"
    link.symlink_to(first.path)
    r = Reader(settings(str(link)))
    readers.append(r)
    r.wait_state(READY)
    first.write(EAN + b"\r")
    assert r.take(1)[0].ok
    first.unplug()
    r.wait_state(DISCONNECTED)
    assert r.scanner.last_error
    time.sleep(0.3)  # a retry or two against the dead port
    second = Pty()
    try:
        tmp = tmp_path / "scanner.new"
        tmp.symlink_to(second.path)
        tmp.replace(link)
        r.wait_state(READY)
        assert r.scanner.running
        second.write(EAN2 + b"\r")
        assert gtins(r.take(1)) == ["5901234123457"]
    finally:
        second.unplug()


def test_a_missing_port_is_reported_then_picked_up(tmp_path: Path, readers: list[Reader]) -> None:
    link = tmp_path / "later"
    r = Reader(settings(str(link)))
    readers.append(r)
    r.wait_state(DISCONNECTED)
    assert "not found" in (r.scanner.last_error or "")
    p = Pty()
    try:
        link.symlink_to(p.path)
        r.wait_state(READY)
        p.write(EAN + b"\r")
        assert r.take(1)[0].ok
    finally:
        p.unplug()


def test_stop_ends_the_thread_quickly(pty: Pty) -> None:
    r = start(pty)
    t0 = time.monotonic()
    r.scanner.stop()
    assert not r.scanner.running and time.monotonic() - t0 < 1


def test_a_failing_callback_does_not_kill_the_reader(pty: Pty, readers: list[Reader]) -> None:
    got: list[ScanFrame] = []

    def on_scan(frame: ScanFrame) -> None:
        got.append(frame)
        if len(got) == 1:
            raise RuntimeError("UI bug")

    states: queue.Queue[str] = queue.Queue()
    s = SerialScanner(settings(pty.path), on_scan, states.put, poll_s=0.02)
    s.start()
    try:
        assert states.get(timeout=3) == READY
        pty.write(EAN + b"\r" + EAN2 + b"\r")
        end = time.monotonic() + 3
        while len(got) < 2 and time.monotonic() < end:
            time.sleep(0.01)
        assert len(got) == 2 and s.running
    finally:
        s.stop()


def test_socket_url_against_a_local_tcp_server(readers: list[Reader]) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    conns: queue.Queue[socket.socket] = queue.Queue()

    def accept() -> None:
        for _ in range(2):
            conn, _ = server.accept()
            conns.put(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        r = Reader(settings(f"socket://127.0.0.1:{port}"))
        readers.append(r)
        r.wait_state(READY)
        conn = conns.get(timeout=3)
        conn.sendall(b"]E0" + EAN + b"\r\n" + EAN2[:5])
        time.sleep(0.05)
        conn.sendall(EAN2[5:] + b"\r\n")
        assert gtins(r.take(2)) == ["4037674097186", "5901234123457"]
        conn.close()  # the network scanner goes away…
        r.wait_state(DISCONNECTED)
        r.wait_state(READY)  # …and comes back: a new connection, no restart
        conn = conns.get(timeout=3)
        conn.sendall(EAN + b"\n")
        assert gtins(r.take(1)) == ["4037674097186"]
        conn.close()
    finally:
        server.close()


def test_open_errors_are_translated_for_installers(tmp_path: Path) -> None:
    with pytest.raises(PortError, match="not found"):
        ScannerPort(settings(str(tmp_path / "ttyUSB9"))).open()
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    closed = ScannerPort(settings(f"socket://127.0.0.1:{port}"))
    with pytest.raises(PortError, match="nothing answers"):
        closed.open()
    with pytest.raises(PortError, match="no scanner port"):
        ScannerPort(ScannerSettings(kind="serial"))


def test_two_readers_cannot_share_one_port(pty: Pty, readers: list[Reader]) -> None:
    readers.append(start(pty))
    with pytest.raises(PortError, match="in use"):
        ScannerPort(settings(pty.path)).open()


# -- framing, without a port ----------------------------------------------------------------------
def test_splitter_modes() -> None:
    auto = FrameSplitter("auto")
    assert [f.data for f in auto.feed(b"a\r\nb\n\rc\r\r\nd")] == [b"a", b"b", b"c"]
    assert auto.pending
    crlf = FrameSplitter("CRLF")
    assert [f.data for f in crlf.feed(b"a\rb\r\nc\n\r\n")] == [b"a\rb", b"c\n"]
    big = FrameSplitter("CRLF", max_frame=16)
    frames = big.feed(b"x" * 40 + b"\r")
    assert frames == [] and big.pending
    frames = big.feed(b"\nok\r\n")
    assert [f.error is not None for f in frames] == [True, False] and frames[1].data == b"ok"


def test_splitter_reports_stale_partials_once() -> None:
    s = FrameSplitter()
    s.feed(b"abc", now=10.0)
    assert s.expire(10.2, 0.5) == []
    (stale,) = s.expire(10.6, 0.5)
    assert stale.data == b"abc" and stale.error and "incomplete" in stale.error
    assert s.expire(20.0, 0.5) == [] and not s.pending


# -- config -----------------------------------------------------------------------------------
def test_a_register_without_scanner_sections_gets_working_defaults(data_dir: Path) -> None:
    s = load_scanner_settings(Paths(data_dir))
    assert (s.kind, s.suffix, s.aim, s.max_interval_ms, s.min_length) == (
        "wedge", "auto", AimMode.AUTO, 50, 4)
    assert s.rules.rcn_region is None and s.rules.currency_exponent == 2


def test_scanner_sections_are_read(data_dir: Path) -> None:
    cfg = Paths(data_dir).config
    cfg.write_text(cfg.read_text(encoding="utf-8") + """
[scanner]
kind = "serial"
port = "socket://10.0.0.5:9000"
baudrate = 19200
parity = "E"
suffix = "CRLF"
aim = "required"
reconnect_seconds = 1.5

[barcodes]
rcn_region = "SE"
rcn_rule = ["21-IIIII-PPPPP", "24-IIII-WWWWWW"]
""", encoding="utf-8")
    s = load_scanner_settings(Paths(data_dir))
    assert (s.kind, s.port, s.baudrate, s.parity, s.suffix, s.aim, s.reconnect_seconds) == (
        "serial", "socket://10.0.0.5:9000", 19200, "E", "CRLF", AimMode.REQUIRED, 1.5)
    assert s.rules.rcn_region == "se" and len(s.rules.rcn_rules) == 2


@pytest.mark.parametrize(("section", "key", "value"), [
    ("scanner", "kind", '"usb"'), ("scanner", "baudrate", '"fast"'),
    ("scanner", "suffix", '"ETX"'), ("scanner", "aim", "true"),
    ("scanner", "max_interval_ms", "0"), ("scanner", "colour", '"red"'),
    ("barcodes", "rcn_region", '"us"'), ("barcodes", "rcn_rule", '"2PPPPP-WWWWW"'),
])
def test_bad_values_name_file_key_and_expectation(
    data_dir: Path, section: str, key: str, value: str
) -> None:
    cfg = Paths(data_dir).config
    cfg.write_text(cfg.read_text(encoding="utf-8") + f"\n[{section}]\n{key} = {value}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scanner_settings(Paths(data_dir))
    msg = str(err.value)
    named = f"[{section}] {key}" in msg or f"{key}: unknown key in [{section}]" in msg
    assert str(cfg) in msg and named and ("expected" in msg or "known" in msg)


def test_serial_kind_needs_a_port() -> None:
    with pytest.raises(ConfigError, match="port"):
        settings_from({"scanner": {"kind": "serial"}}, "/etc/x.toml")
