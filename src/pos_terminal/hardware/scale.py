"""Serial scales: the weight a cashier puts on the scale, read through pyserial.

Two protocols, from their published references (frames and bits in docs/scale.md):

- **Mettler Toledo 8217** ("Toledo", demand only; 9600 7E1). The register sends ``W`` (0x57);
  the scale answers ``STX`` + the weight + ``CR`` when it is steady and not below zero
  (``\\x0201.235\\r``: 1.235 kg; without a decimal point ``[scale] decimals`` apply), or
  ``STX ? status CR`` otherwise. Status bits: 0 in motion, 1 over capacity, 2 under zero,
  3 outside the zero capture range (not zeroed at power-up), 4 centre of zero; 5 and 6 are
  always 1, 7 is parity (Rice Lake BenchPro and Transcell PC-150 manuals, "Toledo 8213/8217
  demand format"; the Odoo point of sale reads the same bits).
- **CAS 22-byte format** (CAS PDS, CI-400, CI-600D, NT-200 manuals, "CAS protocol"):
  ``ST,GS,`` ID lamp ``,`` 8 bytes of weight (sign and decimal point included), a blank,
  the unit (``kg``), ``CR LF`` — 22 bytes. ``ST`` stable, ``US`` unstable, ``OL`` overload;
  ``GS`` gross, ``NT`` net. Sent continuously, or on demand in answer to the command mode's
  "current weight" request: the device id as one byte, ``WT``, ``CR LF``.

``decode_toledo`` / ``decode_cas`` are pure (bytes in, ``ScaleReading`` out). ``ScalePort``
asks and reads one port; ``ScaleWorker`` runs it in a daemon thread and reports every change
through a plain callback (``ui/bridge`` turns it into a Qt signal), reopening the port after an
unplug like the serial scanner does. A scale that does not answer is a state too
(``NO_ANSWER``), never a hang.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import serial

from pos_terminal.hardware.errors import PortError
from pos_terminal.hardware.scale_settings import ScaleSettings
from pos_terminal.hardware.serial_scanner import explain

log = logging.getLogger(__name__)

try:  # pyserial's POSIX flush raises termios.error, not SerialException, on a vanished device
    import termios

    _LOST: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # pragma: no cover - Windows
    _LOST = (serial.SerialException, OSError)

STX, CR, LF = 0x02, 0x0D, 0x0A
TOLEDO_REQUEST = b"W"
# 8217 status byte bits
MOTION, OVER_CAPACITY, UNDER_ZERO, OUTSIDE_ZERO, CENTRE_OF_ZERO = 1, 2, 4, 8, 16
_NUMBER = re.compile(r"^([+-]?)\s*(\d*)(?:\.(\d*))?$")


class ScaleState(StrEnum):
    STABLE = "stable"  # a steady weight above zero: the one a sale may take
    MOTION = "motion"  # in motion: wait until it settles
    ZERO = "zero"  # steady at zero: nothing on the scale
    UNDER_ZERO = "under zero"  # below zero: the platter was lifted, or the scale needs zeroing
    OVERLOAD = "overload"  # over capacity
    NO_ANSWER = "no answer"  # unplugged, off, or wrong port settings
    ERROR = "error"  # an answer that makes no sense, or a fault the scale reports


_SAY = {
    ScaleState.MOTION: "the weight is not steady yet: wait a moment",
    ScaleState.ZERO: "nothing on the scale",
    ScaleState.UNDER_ZERO: "the scale reads below zero: empty it and zero it",
    ScaleState.OVERLOAD: "the scale is overloaded: take something off",
    ScaleState.NO_ANSWER: "the scale does not answer: check its cable and power",
}


@dataclass(frozen=True)
class ScaleReading:
    """One answer of the scale (or its silence); ``grams`` when the frame carries a weight."""

    state: ScaleState
    grams: int | None = None
    raw: bytes = b""
    detail: str = ""  # for the installer: what was wrong with the answer or the port

    @property
    def usable(self) -> bool:
        """A weight a sale may take: steady and above zero."""
        return self.state is ScaleState.STABLE and self.grams is not None and self.grams > 0

    def message(self, show: Callable[[int], str] | None = None) -> str:
        """What the cashier reads: "1.235 kg" for a steady weight, else what to do."""
        if self.state is ScaleState.STABLE and self.grams is not None:
            return show(self.grams) if show else f"{self.grams} g"
        if self.state is ScaleState.ERROR:
            return f"scale error: {self.detail or 'unreadable answer'}"
        return _SAY[self.state]

    def as_dict(self) -> dict[str, Any]:
        return {"state": str(self.state), "grams": self.grams,
                "raw": self.raw.decode("latin-1"), "detail": self.detail or None}


def _weight(text: str, decimals: int, unit: str = "kg") -> int | None:
    """Weight digits (optional sign and point) in grams; None when they are not a number."""
    m = _NUMBER.match(text.strip())
    if m is None or not (m.group(2) or m.group(3)):
        return None
    sign, whole, frac = m.group(1), m.group(2) or "0", m.group(3)
    try:
        value = Decimal(f"{whole}.{frac}" if frac is not None else whole)
    except InvalidOperation:  # pragma: no cover - the regex already filters
        return None
    if frac is None and unit == "kg":
        value = value.scaleb(-decimals)  # digits only: the scale's fixed decimals
    grams = value * (1000 if unit == "kg" else 1)
    if grams != grams.to_integral_value():
        return None  # finer than a gram: not a scale a till uses
    return -int(grams) if sign == "-" else int(grams)


# -- Mettler Toledo 8217 ---------------------------------------------------------------------
def decode_toledo(payload: bytes, decimals: int = 3) -> ScaleReading:
    """One 8217 answer without its STX and CR."""
    raw = bytes([STX]) + payload + bytes([CR])
    if payload.startswith(b"?"):
        if len(payload) < 2:
            return ScaleReading(ScaleState.ERROR, None, raw, "status record without a status")
        status = payload[1] & 0x7F  # bit 7 is parity
        if status & OVER_CAPACITY:
            return ScaleReading(ScaleState.OVERLOAD, None, raw)
        if status & UNDER_ZERO:
            return ScaleReading(ScaleState.UNDER_ZERO, None, raw)
        if status & MOTION:
            return ScaleReading(ScaleState.MOTION, None, raw)
        if status & OUTSIDE_ZERO:
            return ScaleReading(ScaleState.ERROR, None, raw, "the scale did not zero at power-up"
                                ": empty the platter and switch the scale off and on")
        if status & CENTRE_OF_ZERO:
            return ScaleReading(ScaleState.ZERO, 0, raw)
        return ScaleReading(ScaleState.ERROR, None, raw, f"status 0x{status:02x} without a fault")
    grams = _weight(payload.decode("ascii", "replace"), decimals)
    if grams is None:
        return ScaleReading(ScaleState.ERROR, None, raw, "not a weight: is the scale set to the "
                                                         "8217 protocol in kg?")
    if grams < 0:
        return ScaleReading(ScaleState.UNDER_ZERO, grams, raw)
    return ScaleReading(ScaleState.ZERO if grams == 0 else ScaleState.STABLE, grams, raw)


# -- CAS 22-byte -----------------------------------------------------------------------------
CAS_FRAME = 20  # bytes before CR LF
_CAS_STATES = {b"ST": ScaleState.STABLE, b"US": ScaleState.MOTION, b"OL": ScaleState.OVERLOAD}
_CAS_UNITS = {"kg": "kg", "g": "g"}


def cas_request(device_id: int) -> bytes:
    """The command mode's "current weight" request: device id (one byte), ``WT``, CR LF."""
    return bytes([device_id]) + b"WT\r\n"


def decode_cas(frame: bytes) -> ScaleReading:
    """One CAS 22-byte frame without its CR LF."""
    raw = frame + b"\r\n"
    if len(frame) != CAS_FRAME or frame[2:3] != b"," or frame[5:6] != b"," or frame[8:9] != b",":
        return ScaleReading(ScaleState.ERROR, None, raw,
                            f"not a CAS 22-byte frame ({len(frame) + 2} bytes): check the "
                            "indicator's output format, baud rate and parity")
    state = _CAS_STATES.get(frame[0:2])
    if state is None or frame[3:5] not in (b"GS", b"NT"):
        return ScaleReading(ScaleState.ERROR, None, raw, "unknown header")
    if state is ScaleState.OVERLOAD:
        return ScaleReading(state, None, raw)
    unit = _CAS_UNITS.get(frame[18:20].decode("ascii", "replace").strip().lower())
    if unit is None:
        return ScaleReading(ScaleState.ERROR, None, raw,
                            f"unit {frame[18:20].decode('ascii', 'replace').strip()!r}: set the "
                            "indicator to kg or g")
    grams = _weight(frame[9:17].decode("ascii", "replace").replace(" ", ""), 3, unit)
    if grams is None:
        return ScaleReading(ScaleState.ERROR, None, raw, "not a weight")
    if grams < 0:
        return ScaleReading(ScaleState.UNDER_ZERO, grams, raw)
    if state is ScaleState.STABLE and grams == 0:
        return ScaleReading(ScaleState.ZERO, 0, raw)
    return ScaleReading(state, grams, raw)


# -- framing -----------------------------------------------------------------------------------
class Framer:
    """Cuts the byte stream into the protocol's frames; pure. Bytes outside a frame (noise,
    an echo, half a frame after plugging in) are dropped; a frame never outgrows ``limit``."""

    def __init__(self, protocol: str, limit: int = 64) -> None:
        self.protocol = protocol
        self.limit = limit
        self._buf = bytearray()

    def clear(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        while True:
            if self.protocol == "toledo":
                start = self._buf.find(bytes([STX]))
                if start < 0:
                    self._buf.clear()
                    break
                del self._buf[:start]
                end = self._buf.find(bytes([CR]))
                if end < 0:
                    break
                out.append(bytes(self._buf[1:end]))
                del self._buf[:end + 1]
            else:
                end = self._buf.find(b"\r\n")
                if end < 0:
                    break
                frame = bytes(self._buf[:end])
                del self._buf[:end + 2]
                out.append(frame[-CAS_FRAME:] if len(frame) > CAS_FRAME else frame)
        if len(self._buf) > self.limit:
            del self._buf[:-self.limit]
        return out


def decode(protocol: str, frame: bytes, decimals: int = 3) -> ScaleReading:
    return decode_toledo(frame, decimals) if protocol == "toledo" else decode_cas(frame)


# -- the port ----------------------------------------------------------------------------------
class ScalePort:
    """One scale on a serial port or pyserial URL; ``read`` returns within ``timeout_ms``."""

    def __init__(self, settings: ScaleSettings) -> None:
        if not settings.port or settings.protocol == "none":
            raise PortError("no scale configured: set [scale] protocol and port in config.toml "
                            "or pass --port (see 'pos-terminal doctor ports')")
        self.settings = settings
        self.url = settings.port
        self._port: serial.SerialBase | None = None
        self._framer = Framer(settings.protocol)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    @property
    def demand(self) -> bool:
        return self.settings.protocol == "toledo" or self.settings.mode == "demand"

    def open(self) -> None:
        s = self.settings
        self.close()
        self._framer.clear()
        bytesize, parity = s.framing
        try:
            port = serial.serial_for_url(self.url, do_not_open=True)
            port.baudrate = s.baudrate
            port.bytesize = bytesize
            port.parity = parity
            port.stopbits = s.stopbits
            port.timeout = 0.02
            port.write_timeout = s.timeout_ms / 1000
            if "://" not in self.url:
                port.exclusive = True  # a second reader would steal half of the answers
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(explain(self.url, exc).replace("scanner", "scale")) from exc
        self._port = port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def request(self) -> bytes:
        s = self.settings
        return TOLEDO_REQUEST if s.protocol == "toledo" else cas_request(s.device_id)

    def read(self) -> ScaleReading:
        """The scale's current reading: asked for (demand) or the newest frame it streamed
        (continuous); ``NO_ANSWER`` when no frame came within ``timeout_ms``. ``PortError``
        when the port itself went away (unplugged USB adapter)."""
        if self._port is None:
            raise PortError(f"scale port {self.url} is not open")
        port, s = self._port, self.settings
        deadline = time.monotonic() + s.timeout_ms / 1000
        try:
            if self.demand:
                port.reset_input_buffer()  # an old answer must not pass for this one
                self._framer.clear()
                port.write(self.request())
                port.flush()
            newest: bytes | None = None
            while time.monotonic() < deadline:
                data = port.read(max(1, port.in_waiting))
                frames = self._framer.feed(data) if data else []
                if frames:
                    newest = frames[-1]
                    if self.demand or not port.in_waiting:
                        break
        except serial.SerialTimeoutException:
            return ScaleReading(ScaleState.NO_ANSWER, detail=f"{self.url}: the request could "
                                                             "not be sent (flow control?)")
        except _LOST as exc:
            self.close()
            raise PortError(f"scale at {self.url} disconnected ({exc}); check the cable"
                            ) from exc
        if newest is None:
            return ScaleReading(ScaleState.NO_ANSWER, detail=(
                f"no answer from {self.url} within {s.timeout_ms} ms: check the cable, the "
                f"scale's power, its protocol ({s.protocol}) and {s.baudrate} baud"))
        return decode(s.protocol, newest, s.decimals)


# -- the worker --------------------------------------------------------------------------------
class ScaleWorker:
    """A scale read in a daemon thread; ``on_reading`` gets every change of reading, the first
    one after each (re)connect, and the same reading again at least every ``repeat_s`` (a
    listener that came late is never left without one), in that thread — it must not touch
    widgets. After an unplug it reports ``NO_ANSWER`` and reopens the port every
    ``reconnect_seconds``."""

    repeat_s = 1.0

    def __init__(self, settings: ScaleSettings,
                 on_reading: Callable[[ScaleReading], None]) -> None:
        self.settings = settings
        self.on_reading = on_reading
        self.latest = ScaleReading(ScaleState.NO_ANSWER, detail="not read yet")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sent_at = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scale", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        s = self.settings
        port = ScalePort(s)
        try:
            while not self._stop.is_set():
                try:
                    port.open()
                except PortError as exc:
                    self._report(ScaleReading(ScaleState.NO_ANSWER, detail=exc.message))
                    self._stop.wait(s.reconnect_seconds)
                    continue
                fresh = True
                try:
                    while not self._stop.is_set():
                        self._report(port.read(), force=fresh)
                        fresh = False
                        if port.demand:
                            self._stop.wait(s.poll_ms / 1000)
                except PortError as exc:
                    log.warning("%s", exc.message)
                    self._report(ScaleReading(ScaleState.NO_ANSWER, detail=exc.message))
                    self._stop.wait(s.reconnect_seconds)
        finally:
            port.close()

    def _report(self, reading: ScaleReading, force: bool = False) -> None:
        before = self.latest
        self.latest = reading
        now = time.monotonic()
        if (not force and replace(before, raw=b"") == replace(reading, raw=b"")
                and now - self._sent_at < self.repeat_s):
            return
        self._sent_at = now
        try:
            self.on_reading(reading)
        except Exception:  # a faulty callback must not kill the reader
            log.exception("scale reading callback failed")


__all__ = [
    "Framer", "ScalePort", "ScaleReading", "ScaleState", "ScaleWorker", "cas_request",
    "decode", "decode_cas", "decode_toledo",
]
