"""Serial scanners through pyserial: framing, a reader, and a reconnecting worker thread.

- ``FrameSplitter`` cuts the byte stream into frames at the suffix (CR, LF, CRLF or any of
  them), caps a frame at ``max_frame`` bytes and reports stale partial frames, so noise, a
  frame cut in half or 10 kB without a suffix never crash the reader nor glue onto the next code.
- ``ScannerPort`` opens a device path or any pyserial URL (``socket://``, ``rfc2217://``…) and
  reads ``ScanFrame``s; pyserial's exceptions become ``PortError`` with an installer's advice.
- ``SerialScanner`` runs a ``ScannerPort`` in a daemon thread and reports through plain
  callbacks (never Qt; ``ui/bridge`` turns them into signals): ``on_scan(frame)`` for every
  frame, garbage included (``frame.error`` set), and ``on_state("scanner ready" |
  "scanner disconnected")``. After an unplug it reopens the port every ``reconnect_seconds``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from pos_terminal.domain.scan import ScanFrame, frame_from_bytes
from pos_terminal.hardware.errors import PortError
from pos_terminal.hardware.scanner_settings import ScannerSettings

log = logging.getLogger(__name__)

READY = "scanner ready"
DISCONNECTED = "scanner disconnected"
_CR, _LF = 0x0D, 0x0A
_HEAD = 64  # bytes of a discarded frame kept to show what it was


@dataclass(frozen=True)
class RawFrame:
    data: bytes
    error: str | None = None


class FrameSplitter:
    """Cuts a byte stream into frames at the suffix; pure, no I/O (``now`` is seconds)."""

    def __init__(self, suffix: str = "auto", max_frame: int = 512) -> None:
        if suffix not in ("auto", "CR", "LF", "CRLF"):
            raise ValueError(f"suffix must be auto, CR, LF or CRLF, not {suffix!r}")
        self.suffix = suffix
        self.max_frame = max_frame
        self._buf = bytearray()
        self._discarding = False
        self._head = b""
        self._dropped = 0
        self._last = 0.0

    @property
    def pending(self) -> bool:
        return bool(self._buf) or self._discarding

    def feed(self, data: bytes, now: float = 0.0) -> list[RawFrame]:
        if not data:
            return []
        self._last = now
        self._buf += data
        out: list[RawFrame] = []
        while True:
            at, size = self._terminator()
            if at < 0:
                break
            frame = bytes(self._buf[:at])
            del self._buf[:at + size]
            if self._discarding:
                out.append(self._overflow(len(frame)))
            elif len(frame) > self.max_frame:
                self._head, self._dropped = frame[:_HEAD], 0
                out.append(self._overflow(len(frame)))
            elif frame:  # empty: the LF of a CRLF in auto mode, or a blank line
                out.append(RawFrame(frame))
        if len(self._buf) > self.max_frame:
            # Runaway input without a suffix: keep memory bounded and drop it until the next
            # suffix (keeping a trailing CR that may be the start of a CRLF).
            keep = 1 if self.suffix == "CRLF" and self._buf[-1] == _CR else 0
            if not self._discarding:
                self._discarding, self._head, self._dropped = True, bytes(self._buf[:_HEAD]), 0
            self._dropped += len(self._buf) - keep
            del self._buf[:len(self._buf) - keep]
        return out

    def expire(self, now: float, timeout_s: float) -> list[RawFrame]:
        """Report and drop a partial frame that got no suffix for ``timeout_s`` seconds."""
        if timeout_s <= 0 or not self.pending or now - self._last < timeout_s:
            return []
        if self._discarding:
            frame = self._overflow(len(self._buf))
            self._buf.clear()
            return [frame]
        data = bytes(self._buf)
        self._buf.clear()
        want = {"auto": "CR or LF", "CRLF": "CR LF"}.get(self.suffix, self.suffix)
        return [RawFrame(data, f"incomplete frame: no {want} suffix within "
                               f"{int(timeout_s * 1000)} ms; set the scanner to send a "
                               f"{want} suffix, or scan again")]

    def _overflow(self, tail: int) -> RawFrame:
        size = self._dropped + tail
        self._discarding, self._dropped = False, 0
        return RawFrame(self._head, f"frame of {size} bytes is longer than {self.max_frame} "
                                    "without a suffix; discarded (check the scanner's suffix, "
                                    "baud rate and parity)")

    def _terminator(self) -> tuple[int, int]:
        b = self._buf
        if self.suffix == "CRLF":
            return b.find(b"\r\n"), 2
        if self.suffix == "CR":
            return b.find(b"\r"), 1
        if self.suffix == "LF":
            return b.find(b"\n"), 1
        cr, lf = b.find(b"\r"), b.find(b"\n")
        found = [i for i in (cr, lf) if i >= 0]
        return (min(found), 1) if found else (-1, 1)


def _is_device_path(url: str) -> bool:
    return "://" not in url


def explain(url: str, exc: BaseException) -> str:
    """An installer's reading of why ``url`` could not be opened or read."""
    text = str(exc)
    low = text.lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT or "no such file" in low:
        return (f"scanner port {url} not found: check the cable and the scanner's power; "
                "'pos-terminal doctor ports' lists the ports this machine has")
    if code == errno.EACCES or "permission denied" in low:
        return (f"no permission to open {url}: add the register's user to the 'dialout' group "
                "(sudo usermod -aG dialout USER) and log in again")
    if code == errno.EBUSY or "lock" in low or "busy" in low:
        return (f"{url} is in use by another program (is the register or a second "
                "'doctor scanner' running?)")
    if "refused" in low or "timed out" in low or "unreachable" in low:
        return (f"nothing answers at {url}: check the network scanner's address and port, "
                f"and that it is powered ({text})")
    return f"cannot use scanner port {url}: {text}"


class ScannerPort:
    """One serial/URL port plus framing; ``read_frames`` blocks at most ``poll_s`` seconds."""

    def __init__(self, settings: ScannerSettings, poll_s: float = 0.05) -> None:
        if not settings.port:
            raise PortError("no scanner port configured: set [scanner] port in config.toml "
                            "or pass --port (see 'pos-terminal doctor ports')")
        self.settings = settings
        self.url = settings.port
        self.poll_s = poll_s
        self._port: serial.SerialBase | None = None
        self._split = FrameSplitter(settings.suffix, settings.max_frame)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        s = self.settings
        self.close()
        self._split = FrameSplitter(s.suffix, s.max_frame)
        try:
            port = serial.serial_for_url(self.url, do_not_open=True)
            port.baudrate = s.baudrate
            port.bytesize = s.bytesize
            port.parity = s.parity
            port.stopbits = s.stopbits
            port.timeout = self.poll_s
            if _is_device_path(self.url):
                port.exclusive = True  # two readers would each get half of the frames
            port.open()
        except serial.SerialException as exc:
            raise PortError(explain(self.url, exc)) from exc
        except (OSError, ValueError) as exc:
            raise PortError(explain(self.url, exc)) from exc
        self._port = port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            # An unplugged device may fail to close; there is nothing left to release then.
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def read_frames(self) -> list[ScanFrame]:
        """The frames completed by what arrived within ``poll_s``; PortError when unplugged."""
        if self._port is None:
            raise PortError(f"scanner port {self.url} is not open")
        try:
            data = self._port.read(1)
            if data:
                waiting = self._port.in_waiting
                if waiting:
                    data += self._port.read(waiting)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PortError(f"scanner at {self.url} disconnected ({exc}); check the cable"
                            ) from exc
        now = time.monotonic()
        raw = self._split.feed(data, now) if data else []
        raw += self._split.expire(now, self.settings.frame_timeout_ms / 1000)
        s = self.settings
        return [
            ScanFrame.failed(r.data, r.error) if r.error
            else frame_from_bytes(r.data, s.rules, s.aim)
            for r in raw
        ]


class SerialScanner:
    """A serial scanner read in a daemon thread; reconnects by itself after an unplug.

    ``on_scan(frame)`` gets every frame (``frame.code`` to resolve, or ``frame.error`` to show);
    ``on_state(state)`` gets ``READY`` on every (re)connect and ``DISCONNECTED`` once per loss
    (``last_error`` holds the detail). Both run in the worker thread and must not touch widgets.
    """

    def __init__(
        self,
        settings: ScannerSettings,
        on_scan: Callable[[ScanFrame], None],
        on_state: Callable[[str], None],
        poll_s: float = 0.05,
    ) -> None:
        self.settings = settings
        self.on_scan = on_scan
        self.on_state = on_state
        self.poll_s = poll_s
        self.state = DISCONNECTED
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        port = ScannerPort(self.settings, self.poll_s)
        announced = False  # DISCONNECTED reported for the current outage
        try:
            while not self._stop.is_set():
                try:
                    port.open()
                except PortError as exc:
                    self.last_error = exc.message
                    if not announced:
                        log.warning("%s", exc.message)
                        self._set_state(DISCONNECTED)
                        announced = True
                    self._stop.wait(self.settings.reconnect_seconds)
                    continue
                announced = False
                self.last_error = None
                self._set_state(READY)
                try:
                    while not self._stop.is_set():
                        for frame in port.read_frames():
                            self._deliver(frame)
                except PortError as exc:
                    self.last_error = exc.message
                    log.warning("%s", exc.message)
                    self._set_state(DISCONNECTED)
                    announced = True
                    self._stop.wait(self.settings.reconnect_seconds)
        finally:
            port.close()

    def _set_state(self, state: str) -> None:
        self.state = state
        try:
            self.on_state(state)
        except Exception:  # a faulty callback must not kill the reader
            log.exception("scanner state callback failed")

    def _deliver(self, frame: ScanFrame) -> None:
        try:
            self.on_scan(frame)
        except Exception:  # a faulty callback must not kill the reader
            log.exception("scanner frame callback failed")


__all__ = [
    "DISCONNECTED", "READY", "FrameSplitter", "RawFrame", "ScannerPort",
    "SerialScanner", "explain",
]
