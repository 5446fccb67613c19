"""The pole display on real ptys: the bytes it receives, unplug and replug, a missing port that
never holds up the caller, and ``doctor display``."""

from __future__ import annotations

import contextlib
import os
import queue
import select
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_terminal.cli import main
from pos_terminal.hardware.display_settings import PoleSettings
from pos_terminal.hardware.pole_display import (
    DISCONNECTED,
    READY,
    PoleDisplay,
    frame_bytes,
    init_bytes,
)


class PolePty:
    """A fake pole display: the register writes the raw-mode slave, the test reads the master."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.buffer = b""

    def read_until(self, want: bytes, timeout: float = 3.0) -> bytes:
        """Everything received up to and including ``want`` (fails the test after timeout)."""
        end = time.monotonic() + timeout
        while want not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                pytest.fail(f"the display never received {want!r}; got {self.buffer!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                self.buffer += os.read(self.master, 4096)
        cut = self.buffer.index(want) + len(want)
        got, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return got

    def quiet(self, wait: float = 0.2) -> bytes:
        ready, _, _ = select.select([self.master], [], [], wait)
        return os.read(self.master, 4096) if ready else b""

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):  # already closed by an unplug
                os.close(fd)


class States:
    def __init__(self) -> None:
        self.q: queue.Queue[str] = queue.Queue()

    def wait(self, want: str, timeout: float = 3.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.q.get(timeout=max(0.01, end - time.monotonic())) == want:
                    return
            except queue.Empty:
                break
        pytest.fail(f"the pole display never reported {want!r}")


@pytest.fixture
def pole() -> Iterator[PolePty]:
    p = PolePty()
    yield p
    p.unplug()


@pytest.fixture
def displays() -> Iterator[list[PoleDisplay]]:
    started: list[PoleDisplay] = []
    yield started
    for d in started:
        d.stop()


def start(port: str, displays: list[PoleDisplay], **kw: object) -> tuple[PoleDisplay, States]:
    states = States()
    refresh = float(kw.pop("refresh", 10.0))  # type: ignore[arg-type]
    settings = PoleSettings(port=port, reconnect_seconds=0.05, **kw)  # type: ignore[arg-type]
    d = PoleDisplay(settings, states.q.put, refresh_seconds=refresh)
    displays.append(d)
    d.start()
    return d, states


def test_the_display_receives_reset_then_both_lines_padded(
    pole: PolePty, displays: list[PoleDisplay]
) -> None:
    d, states = start(pole.path, displays)
    states.wait(READY)
    s = d.settings
    assert pole.read_until(init_bytes(s)) == b"\x1b@\x1fC\x00\x1bt\x00\x0c"
    d.show(("Crème brûlée    3.20", "TOTAL           3.20"))
    got = pole.read_until(b"TOTAL           3.20")
    assert got == (b"\x1bt\x00\x1f$\x01\x01Cr\x8ame br\x96l\x82e    3.20"
                   b"\x1f$\x01\x02TOTAL           3.20")
    # the same lines again are not sent again; new ones are
    d.show(("Crème brûlée    3.20", "TOTAL           3.20"))
    assert pole.quiet() == b""
    d.show(("Thank you!", "CHANGE 1.80"))
    assert pole.read_until(b"CHANGE 1.80" + b" " * 9) == frame_bytes(
        ("Thank you!", "CHANGE 1.80"), s)


def test_cd5220_lines_over_a_pty(pole: PolePty, displays: list[PoleDisplay]) -> None:
    d, states = start(pole.path, displays, commands="cd5220", codepage="CP858")
    states.wait(READY)
    pole.read_until(b"\x0c")
    d.show(("Pfand           0.25 €", "TOTAL 5.00 €"))
    got = pole.read_until(b"\x1bQB")
    assert got == b"\x1bt\x13\x1bQAPfand           0.25\r\x1bQB"  # 20 columns, € cut off
    assert pole.read_until(b"\r") == b"TOTAL 5.00 \xd5" + b" " * 8 + b"\r"


def test_unplug_is_reported_and_the_replugged_display_shows_the_current_lines(
    tmp_path: Path, displays: list[PoleDisplay]
) -> None:
    first = PolePty()
    link = tmp_path / "pole"
    link.symlink_to(first.path)
    d, states = start(str(link), displays)
    states.wait(READY)
    d.show(("Cola            1.50", "TOTAL           1.50"))
    first.read_until(b"TOTAL           1.50")
    first.unplug()
    t0 = time.monotonic()
    d.show(("Chips           2.10", "TOTAL           3.60"))  # the sale goes on meanwhile
    assert time.monotonic() - t0 < 0.05
    states.wait(DISCONNECTED)
    assert d.state == DISCONNECTED and d.last_error
    d.show(("Water           0.90", "TOTAL           4.50"))
    second = PolePty()
    try:
        tmp = tmp_path / "pole.new"
        tmp.symlink_to(second.path)
        tmp.replace(link)
        states.wait(READY)
        got = second.read_until(b"TOTAL           4.50")
        assert got.startswith(init_bytes(d.settings))  # reset again, then the newest lines
        assert b"Water           0.90" in got and b"Chips" not in got
    finally:
        second.unplug()


def test_a_missing_display_never_holds_up_the_caller(
    tmp_path: Path, displays: list[PoleDisplay]
) -> None:
    d, states = start(str(tmp_path / "nothing-here"), displays)
    states.wait(DISCONNECTED)
    assert "not found" in (d.last_error or "")
    t0 = time.monotonic()
    for i in range(1000):
        d.show((f"item {i}", "TOTAL"))
    assert time.monotonic() - t0 < 0.5
    t0 = time.monotonic()
    d.stop()
    assert time.monotonic() - t0 < 1


def test_the_display_is_refreshed_after_it_was_switched_off_and_on(
    pole: PolePty, displays: list[PoleDisplay]
) -> None:
    d, states = start(pole.path, displays, refresh=0.2)
    states.wait(READY)
    lines = ("Cola            1.50", "TOTAL           1.50")
    d.show(lines)
    pole.read_until(b"TOTAL           1.50")
    again = pole.read_until(b"TOTAL           1.50", timeout=2)  # rewritten while idle
    assert again == frame_bytes(lines, d.settings)


# -- doctor display -------------------------------------------------------------------------
def test_doctor_display_writes_a_test_message(
    pole: PolePty, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["--data-dir", str(tmp_path / "none"), "doctor", "display", "--port", pole.path])
    assert rc == 0
    got = pole.read_until(b"\x1f$\x01\x02") + pole.read_until(b"0123456789")
    assert got.startswith(b"\x1b@\x1fC\x00\x1bt\x00\x0c\x1bt\x00\x1f$\x01\x01")
    assert b" pos-terminal test  " in got
    assert "ÄÖÜ éèñ ß 0123456789".encode("cp437") in got  # the sample fits CP437 whole
    out = capsys.readouterr().out
    assert "|ÄÖÜ éèñ ß 0123456789|" in out


def test_doctor_display_uses_the_register_config_and_text(
    pole: PolePty, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (data_dir / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[pole_display]\nport = "{pole.path}"\ncommands = "cd5220"\n'
                'codepage = "CP866"\n')
    rc = main(["--data-dir", str(data_dir), "doctor", "display", "--text", "Привет",
               "--text", "Łódź"])
    assert rc == 0
    got = pole.read_until(b"\r") + pole.read_until(b"\r")
    assert got.endswith(b"\x1bQA" + "       Привет       ".encode("cp866") + b"\r"
                        + b"\x1bQB" + b"        Lodz        " + b"\r")
    assert b"\x1bt\x11" in got  # code table 17: CP866


def test_doctor_display_without_a_port_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["--data-dir", str(tmp_path / "none"), "doctor", "display"])
    err = capsys.readouterr().err
    assert rc != 0 and "pass --port URL" in err
    rc = main(["--data-dir", str(tmp_path / "none"), "doctor", "display", "--port",
               str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert rc != 0 and "not found" in err and err.count("\n") == 1
