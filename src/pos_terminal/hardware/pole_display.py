"""A pole display (2 × 20 VFD customer display) over serial, and its worker thread.

Two command sets, both common on these displays:

- ``escpos`` (Epson DM-D and its many clones): ``ESC @`` initialise, ``US C 0`` cursor off,
  ``ESC t n`` code table, ``FF`` clear, ``US $ x y`` move the cursor, then the text.
- ``cd5220`` (Partner Tech CD5220 and clones): ``ESC @``, ``ESC _ 0`` cursor off, ``ESC t n``,
  ``FF``, then ``ESC Q A`` text ``CR`` for the upper line and ``ESC Q B`` text ``CR`` for the
  lower one.

Each update rewrites both lines padded to the full width (no clear, so no flicker).
``PoleDisplay`` writes from a daemon thread: ``show(lines)`` only stores the newest lines and
returns at once, so an unplugged or stuck display never holds up a sale. It reports
``on_state("pole display ready" | "pole display disconnected")`` through a plain callback (the
GUI's bridge makes it a signal), reopens the port every ``reconnect_seconds`` and then shows the
current lines again. It also rewrites them every ``refresh_seconds``, so a display that was
switched off and on shows the right text again within that time.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from collections.abc import Callable

import serial

from pos_terminal.domain.customer_display import CODEPAGES
from pos_terminal.hardware.display_settings import PoleSettings
from pos_terminal.hardware.errors import PortError

log = logging.getLogger(__name__)

READY = "pole display ready"
DISCONNECTED = "pole display disconnected"
REFRESH_SECONDS = 10.0

ESC, FF, CR, US = b"\x1b", b"\x0c", b"\r", b"\x1f"
# ESC t n: the character code table of each code page on these displays.
CODE_TABLES: dict[str, int] = {
    "CP437": 0, "CP850": 2, "CP860": 3, "CP863": 4, "CP865": 5, "CP1252": 16, "CP866": 17,
    "CP852": 18, "CP858": 19,
}


def _text(line: str, settings: PoleSettings) -> bytes:
    """One line, exactly ``columns`` wide, in the display's code page."""
    line = line[:settings.columns].ljust(settings.columns)
    return line.encode(CODEPAGES[settings.codepage], errors="replace")


def init_bytes(settings: PoleSettings) -> bytes:
    """Reset, cursor off, code table, clear: sent once after the port opens."""
    cursor_off = US + b"C\x00" if settings.commands == "escpos" else ESC + b"_\x00"
    return ESC + b"@" + cursor_off + code_table(settings) + FF


def code_table(settings: PoleSettings) -> bytes:
    return ESC + b"t" + bytes([CODE_TABLES[settings.codepage]])


def frame_bytes(lines: tuple[str, str], settings: PoleSettings) -> bytes:
    """Both lines, each written from its first column over whatever was there."""
    out = code_table(settings)  # again: a display switched off and on forgets it
    for row, line in enumerate(lines[:2], 1):
        if settings.commands == "cd5220":
            out += ESC + b"Q" + (b"A" if row == 1 else b"B") + _text(line, settings) + CR
        else:
            out += US + b"$" + bytes([1, row]) + _text(line, settings)
    return out


def explain(url: str, exc: BaseException) -> str:
    """An installer's reading of why the display's port could not be opened or written."""
    text = str(exc)
    low = text.lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT or "no such file" in low or "no such device" in low:
        return (f"pole display port {url} not found: check the cable and the display's power; "
                "'pos-terminal doctor ports' lists the ports this machine has")
    if code == errno.EACCES or "permission denied" in low:
        return (f"no permission to open {url}: add the register's user to the 'dialout' group "
                "(sudo usermod -aG dialout USER) and log in again")
    if code == errno.EBUSY or "busy" in low or "lock" in low:
        return f"{url} is in use by another program (is a second register running?)"
    if "timeout" in low or "timed out" in low:
        return (f"the pole display at {url} does not take data (write timed out): check the "
                "baud rate and the cable")
    if "refused" in low or "unreachable" in low:
        return f"nothing answers at {url}: check the display's address and power ({text})"
    return f"cannot use the pole display at {url}: {text}"


class PolePort:
    """The display's serial port: open, write whole frames, close. Raises ``PortError``."""

    def __init__(self, settings: PoleSettings) -> None:
        if not settings.port:
            raise PortError("no pole display port configured: set [pole_display] port in "
                            "config.toml or pass --port (see 'pos-terminal doctor ports')")
        self.settings = settings
        self.url = settings.port
        self._port: serial.SerialBase | None = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        self.close()
        s = self.settings
        try:
            port = serial.serial_for_url(s.port, do_not_open=True)
            port.baudrate = s.baud
            port.write_timeout = s.write_timeout
            if "://" not in self.url:
                port.exclusive = True
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(explain(self.url, exc)) from exc
        self._port = port
        self.write(init_bytes(s))

    def write(self, data: bytes) -> None:
        if self._port is None:
            raise PortError(f"pole display port {self.url} is not open")
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PortError(explain(self.url, exc)) from exc

    def show(self, lines: tuple[str, str]) -> None:
        self.write(frame_bytes(lines, self.settings))

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def __enter__(self) -> PolePort:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PoleDisplay:
    """A pole display written by its own daemon thread; only the newest lines are sent."""

    def __init__(self, settings: PoleSettings, on_state: Callable[[str], None],
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.settings = settings
        self.on_state = on_state
        self.refresh_seconds = refresh_seconds
        self.state = DISCONNECTED
        self.last_error: str | None = None
        self._lines: tuple[str, str] | None = None
        self._dirty = False
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def show(self, lines: tuple[str, str]) -> None:
        """Never blocks: the worker sends the newest lines when the display takes them."""
        with self._cond:
            if lines != self._lines:
                self._lines, self._dirty = lines, True
                self._cond.notify()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="pole-display", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _wait(self, seconds: float) -> None:
        with self._cond:
            if not self._stopping:
                self._cond.wait(seconds)

    def _run(self) -> None:
        port = PolePort(self.settings)
        announced = False  # DISCONNECTED reported for the current outage
        try:
            while not self._stopping:
                if not port.is_open:
                    try:
                        port.open()
                    except PortError as exc:
                        self.last_error = exc.message
                        if not announced:
                            log.warning("%s", exc.message)
                            self._set_state(DISCONNECTED)
                            announced = True
                        self._wait(self.settings.reconnect_seconds)
                        continue
                    announced = False
                    self.last_error = None
                    self._set_state(READY)
                    with self._cond:
                        self._dirty = self._lines is not None  # show them again after a loss
                with self._cond:
                    if not self._dirty and not self._stopping:
                        self._cond.wait(self.refresh_seconds)
                    if self._stopping:
                        break
                    lines, self._dirty = self._lines, False
                if lines is None:
                    continue
                try:
                    port.show(lines)
                except PortError as exc:
                    with self._cond:
                        self._dirty = True
                    self.last_error = exc.message
                    log.warning("%s", exc.message)
                    self._set_state(DISCONNECTED)
                    announced = True
                    self._wait(self.settings.reconnect_seconds)
        finally:
            port.close()

    def _set_state(self, state: str) -> None:
        self.state = state
        try:
            self.on_state(state)
        except Exception:  # a faulty callback must not stop the display
            log.exception("pole display state callback failed")


__all__ = [
    "CODE_TABLES", "DISCONNECTED", "READY", "PoleDisplay", "PolePort", "code_table",
    "explain", "frame_bytes", "init_bytes",
]
