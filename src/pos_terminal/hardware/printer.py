"""The receipt printer: ESC/POS bytes from a receipt document, sent over TCP, serial, USB or a file.

Each job is built on python-escpos's ``Dummy`` (with the configured capability profile, which
also gives the column width) and its bytes go to the printer in ONE write: python-escpos's own
transports write on every call, so a job cut by a dropped connection would otherwise be
half-printed in many pieces.

Before a job, the printer is asked for its status with ``DLE EOT n`` on a connection with a
short timeout (≤ 2 s; python-escpos's Network waits 60 s and ``paper_status()`` reports paper
"adequate" when nothing answers, so the query is done here). A printer that does not answer
is printed to anyway: many network interfaces and cheap printers never answer.

python-escpos is imported lazily (≈0.3 s) and without its import side effects: it calls
``logging.basicConfig()`` (a stderr handler on the root logger, removed again here) and creates
a temporary directory on every import (pointed at a stable cache directory instead).

Every failure becomes a :class:`~pos_terminal.hardware.errors.PrinterError` whose message says
what to check; nothing from socket, pyserial, pyusb or escpos leaves this module.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import socket
import sys
import tempfile
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pos_terminal.domain.charset import for_device
from pos_terminal.domain.receipt import (
    Align,
    Barcode,
    Cut,
    Document,
    DrawerPulse,
    Rule,
    Text,
    fit_line,
)
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.errors import (
    CoverOpenError,
    PaperOutError,
    PrinterError,
    PrinterFaultError,
    PrinterUnreachableError,
)
from pos_terminal.hardware.printer_settings import PrinterAddress, PrinterSettings

log = logging.getLogger(__name__)

DEFAULT_COLUMNS = 42  # on-screen receipts when there is no printer
DLE_EOT = b"\x10\x04"
# Real-time status requests: printer status (1), offline cause (2), roll paper sensor (4).
# Printers answer them even while offline or out of paper, one byte each, in order.
STATUS_QUERY = DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x04"
# DLE DC4 1 m t: a real-time drawer pulse, executed even while the printer is out of paper
# (ESC p waits in the buffer until the printer is back online).
REALTIME_PULSE = {2: b"\x10\x14\x01\x00\x05", 5: b"\x10\x14\x01\x01\x05"}
DRAIN_SECONDS = 1.0  # after a job, how long to wait for the printer to close its side
# Code pages tried first in "auto" mode: they hold € and Western European letters.
PREFERRED_CODEPAGES = ("CP858", "CP1252", "ISO_8859-15", "CP850", "CP437")


# -- status -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself (``answered`` False: it said nothing)."""

    answered: bool
    offline: bool = False
    cover_open: bool = False
    paper_end: bool = False
    paper_near_end: bool = False
    error: bool = False

    @property
    def ready(self) -> bool:
        return self.answered and not (self.offline or self.cover_open or self.paper_end
                                      or self.error)

    def describe(self) -> str:
        if not self.answered:
            return "no status reply (the printer may not support status queries)"
        if self.paper_end:
            return "out of paper"
        if self.cover_open:
            return "cover open"
        if self.error:
            return "printer error (cutter jam or print head too hot?)"
        if self.offline:
            return "offline"
        if self.paper_near_end:
            return "ready, paper low"
        return "ready"

    def problem(self, where: str) -> PrinterError | None:
        """The error that stops printing now, if any."""
        if not self.answered:
            return None
        if self.paper_end:
            return PaperOutError(f"{where} is out of paper: load a new roll and close the cover")
        if self.cover_open:
            return CoverOpenError(f"{where} has its cover open: close the cover")
        if self.error:
            return PrinterFaultError(
                f"{where} reports an error: open and close the cover, check for a paper jam "
                "at the cutter, or switch it off and on"
            )
        if self.offline:
            return PrinterUnreachableError(
                f"{where} is offline: check the paper, the cover and the feed button"
            )
        return None


UNKNOWN_STATUS = PrinterStatus(answered=False)


def _valid_status_byte(b: int) -> bool:
    # Every DLE EOT reply has bits 1 and 4 set and bits 0 and 7 clear.
    return b & 0x93 == 0x12


def parse_status(reply: bytes) -> PrinterStatus:
    """Parse the replies to :data:`STATUS_QUERY` (ESC/POS DLE EOT 1, 2 and 4, in order)."""
    got = [b for b in reply if _valid_status_byte(b)][:3]
    if not got:
        return UNKNOWN_STATUS
    printer = got[0]
    cause = got[1] if len(got) > 1 else 0x12
    paper = got[2] if len(got) > 2 else 0x12
    return PrinterStatus(
        answered=True,
        offline=bool(printer & 0x08),
        cover_open=bool(cause & 0x04),
        paper_end=bool(cause & 0x20) or paper & 0x60 == 0x60,
        paper_near_end=paper & 0x0C == 0x0C,
        error=bool(cause & 0x40),
    )


# -- python-escpos, imported once and quietly ---------------------------------------------------
_escpos_lock = threading.Lock()
_escpos_ns: types.SimpleNamespace | None = None
PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def _capabilities_dir() -> str:
    """A stable directory for python-escpos's pickled capabilities (else a temp dir per run)."""
    given = os.environ.get(PICKLE_DIR_ENV)
    candidates = [Path(given)] if given else []
    with contextlib.suppress(Exception):
        from platformdirs import user_cache_dir

        candidates.append(Path(user_cache_dir("pos-terminal", appauthor=False)) / "escpos")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(Path(tempfile.gettempdir()) / f"pos-terminal-escpos-{uid}")
    for c in candidates:
        try:
            c.mkdir(parents=True, exist_ok=True)
            if os.access(c, os.W_OK):
                return str(c)
        except OSError:
            continue
    return tempfile.gettempdir()


def escpos() -> types.SimpleNamespace:
    """python-escpos's parts we use (Dummy, Usb, get_profile, CodePages, exceptions)."""
    global _escpos_ns
    with _escpos_lock:
        if _escpos_ns is not None:
            return _escpos_ns
        cache = _capabilities_dir()
        os.environ[PICKLE_DIR_ENV] = cache
        root = logging.getLogger()
        handlers = list(root.handlers)
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp(*args: Any, **kwargs: Any) -> str:
            # escpos.capabilities evaluates mkdtemp() as the default of environ.get() even when
            # the variable is set: hand it the cache directory instead of a fresh temp dir.
            if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
                return cache
            return real_mkdtemp(*args, **kwargs)

        tempfile.mkdtemp = mkdtemp  # type: ignore[assignment]
        try:
            from escpos import exceptions
            from escpos.capabilities import get_profile
            from escpos.codepages import CodePages
            from escpos.printer import Dummy, Usb
        finally:
            tempfile.mkdtemp = real_mkdtemp
            for h in root.handlers[:]:
                if h not in handlers:  # logging.basicConfig() from escpos.capabilities
                    root.removeHandler(h)
        _escpos_ns = types.SimpleNamespace(Dummy=Dummy, Usb=Usb, get_profile=get_profile,
                                           CodePages=CodePages, exceptions=exceptions)
        return _escpos_ns


def profile_columns(profile: str) -> int:
    """Font A columns of a python-escpos capability profile (ConfigError when unknown)."""
    return int(_profile(profile).get_columns("a"))


def _profile(name: str) -> Any:
    e = escpos()
    try:
        return e.get_profile(name)
    except KeyError as exc:
        from escpos.capabilities import CAPABILITIES

        known = ", ".join(sorted(CAPABILITIES["profiles"]))
        raise ConfigError(
            f"[printer] profile: unknown printer profile {name!r}; use one of {known} "
            "(\"default\" for a generic ESC/POS printer)"
        ) from exc


# -- transports ---------------------------------------------------------------------------------
class Link(Protocol):
    """One open connection to the printer, for one job."""

    can_read: bool

    def write(self, data: bytes) -> None: ...
    def read(self, size: int, timeout: float) -> bytes: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...


def _unreachable(where: str, exc: BaseException) -> PrinterUnreachableError:
    if isinstance(exc, ConnectionRefusedError):
        return PrinterUnreachableError(
            f"{where} refused the connection: check the address and port, that it is on, and "
            "that no other computer is printing to it")
    if isinstance(exc, TimeoutError):
        return PrinterUnreachableError(f"{where} does not answer: check it is on and the cable")
    if isinstance(exc, socket.gaierror):
        return PrinterUnreachableError(
            f"{where}: unknown host name: check [printer] address in config.toml")
    if isinstance(exc, BrokenPipeError | ConnectionResetError | ConnectionAbortedError):
        return PrinterUnreachableError(
            f"{where} closed the connection: check it is on and that no other computer is "
            "printing to it")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return PrinterUnreachableError(
        f"{where} cannot be reached ({reason}): check it is on, the cable and the network")


class TcpLink:
    """Raw TCP (port 9100 "JetDirect"): one connection per job, closed after it."""

    can_read = True

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        self.where = str(address)
        self.timeout = timeout
        try:
            self.sock = socket.create_connection((address.host, address.port), timeout=timeout)
        except OSError as exc:
            raise _unreachable(self.where, exc) from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        try:
            self._check_open()
            self.sock.settimeout(self.timeout)
            self.sock.sendall(data)
        except OSError as exc:
            raise _unreachable(self.where, exc) from exc

    def _check_open(self) -> None:
        """Refuse to write to a peer that already closed (else the bytes vanish silently)."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        if readable and not self.sock.recv(1, socket.MSG_PEEK):
            raise PrinterUnreachableError(
                f"{self.where} closed the connection: check it is on and that no other "
                "computer is printing to it")

    def read(self, size: int, timeout: float) -> bytes:
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                self.sock.settimeout(left)
                chunk = self.sock.recv(size - len(got))
            except TimeoutError:
                break
            except OSError as exc:
                raise _unreachable(self.where, exc) from exc
            if not chunk:
                raise PrinterUnreachableError(
                    f"{self.where} closed the connection: check it is on and that no other "
                    "computer is printing to it")
            got += chunk
        return got

    def finish(self) -> None:
        """Half-close and wait (briefly) for the printer to close too.

        A peer that closed before reading everything answers with a reset: without this check
        a printer that dropped the connection would look like it printed.
        """
        try:
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + DRAIN_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                self.sock.settimeout(left)
                if not self.sock.recv(256):  # status bytes the printer sends on its own
                    return
        except TimeoutError:
            return  # the printer keeps the connection open: TCP took the data
        except OSError as exc:
            raise _unreachable(self.where, exc) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class SerialLink:
    can_read = True

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        import serial

        self.where = str(address)
        self._serial = serial
        try:
            self.port = serial.serial_for_url(
                address.device, baudrate=address.baudrate, timeout=0.1, write_timeout=timeout,
                rtscts=address.rtscts, dsrdtr=address.dsrdtr,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterUnreachableError(
                f"{self.where} cannot be opened ({_short(exc)}): check the cable and the port "
                "name ('pos-terminal doctor ports' lists them)") from exc

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except self._serial.SerialTimeoutException as exc:
            raise PrinterUnreachableError(
                f"{self.where} does not take data: check it is on, the paper and the cover, "
                "and the baud rate") from exc
        except (self._serial.SerialException, OSError) as exc:
            raise PrinterUnreachableError(
                f"{self.where} went away ({_short(exc)}): check the cable") from exc

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self.port.timeout = timeout
            return bytes(self.port.read(size))
        except (self._serial.SerialException, OSError) as exc:
            raise PrinterUnreachableError(
                f"{self.where} went away ({_short(exc)}): check the cable") from exc

    def finish(self) -> None:
        try:
            self.port.flush()
        except (self._serial.SerialException, OSError) as exc:
            raise PrinterUnreachableError(
                f"{self.where} went away ({_short(exc)}): check the cable") from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.port.close()


class UsbLink:
    """USB through pyusb (python-escpos's ``Usb`` finds the device and detaches usblp)."""

    can_read = True

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        self.where = str(address)
        self.timeout_ms = max(1, int(timeout * 1000))
        e = escpos()
        try:
            import usb.core
        except ImportError as exc:
            raise PrinterError("USB printing needs pyusb: reinstall pos-terminal") from exc
        self._usb = usb.core
        self.dev = e.Usb(address.vid, address.pid, timeout=self.timeout_ms, in_ep=address.in_ep,
                         out_ep=address.out_ep, profile="default")
        try:
            self.dev.open()
        except usb.core.NoBackendError as exc:
            raise PrinterError(
                "USB printing needs libusb: install it (apt install libusb-1.0-0), or use the "
                "printer's file:///dev/usb/lp0 address") from exc
        except (e.exceptions.DeviceNotFoundError, usb.core.USBError) as exc:
            raise PrinterUnreachableError(
                f"{self.where} not found: check it is on and plugged in ('lsusb' lists USB "
                "devices), and that this user may use it (udev rule)") from exc

    def write(self, data: bytes) -> None:
        try:
            self.dev.device.write(self.dev.out_ep, data, self.timeout_ms)
        except self._usb.USBError as exc:
            raise PrinterUnreachableError(
                f"{self.where} does not take data ({_short(exc)}): check it is on, the paper "
                "and the cable") from exc

    def read(self, size: int, timeout: float) -> bytes:
        try:
            return bytes(self.dev.device.read(self.dev.in_ep, size, max(1, int(timeout * 1000))))
        except self._usb.USBTimeoutError:
            return b""
        except self._usb.USBError as exc:
            raise PrinterUnreachableError(f"{self.where} went away ({_short(exc)})") from exc

    def finish(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.dev.close()


class FileLink:
    """A device node (``/dev/usb/lp0``) or a plain file; written without blocking forever."""

    can_read = False  # usblp can be read, but a read may hang: no status over files

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        self.where = str(address)
        self.path = address.device
        self.timeout = timeout
        flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0)
        if not self.path.startswith("/dev/"):
            flags |= os.O_CREAT | os.O_APPEND  # a spool file: create it, never truncate
        try:
            self.fd = os.open(self.path, flags, 0o644)
        except FileNotFoundError as exc:
            raise PrinterUnreachableError(
                f"{self.where} does not exist: check the printer is on and plugged in") from exc
        except PermissionError as exc:
            raise PrinterUnreachableError(
                f"no permission to write {self.path}: add this user to the 'lp' group") from exc
        except OSError as exc:
            raise PrinterUnreachableError(
                f"{self.where} cannot be opened ({_short(exc)}): check it is on") from exc

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while view:
            try:
                n = os.write(self.fd, view)
                view = view[n:]
                continue
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                    raise PrinterUnreachableError(
                        f"{self.where} went away ({_short(exc)}): check it is on and the "
                        "cable") from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrinterUnreachableError(
                    f"{self.where} does not take data: check it is on, the paper and the cover")
            select.select([], [self.fd], [], min(left, 0.2))

    def read(self, size: int, timeout: float) -> bytes:
        return b""

    def finish(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class NullLink:
    can_read = False

    def write(self, data: bytes) -> None:
        pass

    def read(self, size: int, timeout: float) -> bytes:
        return b""

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:120]


# -- the printer --------------------------------------------------------------------------------
class ReceiptPrinter:
    """One configured printer: encodes documents and sends them, one connection per job.

    Not thread-safe by design: exactly one worker owns the printer (two jobs never interleave).
    """

    def __init__(self, settings: PrinterSettings) -> None:
        self.settings = settings
        self.address = settings.address
        self._columns: int | None = settings.columns
        self._codepage: str | None = None  # canonical forced page, checked on first use
        self._encodable: dict[str, bool] = {}
        self._encoder: tuple[Any, list[str]] | None = None  # escpos encoder, usable pages

    def __str__(self) -> str:
        return str(self.address)

    @property
    def enabled(self) -> bool:
        return self.address.kind != "none"

    @property
    def columns(self) -> int:
        """Characters per line: ``[printer] columns`` or the profile's font A columns."""
        if self._columns is None:
            self._columns = (profile_columns(self.settings.profile) if self.enabled
                             else DEFAULT_COLUMNS)
        return self._columns

    # -- connection
    @contextlib.contextmanager
    def connect(self, timeout: float | None = None) -> Iterator[Link]:
        t = self.settings.timeout if timeout is None else timeout
        a = self.address
        link: Link
        if a.kind == "tcp":
            link = TcpLink(a, t)
        elif a.kind == "serial":
            link = SerialLink(a, t)
        elif a.kind == "usb":
            link = UsbLink(a, t)
        elif a.kind == "file":
            link = FileLink(a, t)
        else:
            link = NullLink()
        try:
            yield link
        finally:
            link.close()

    def query_status(self, link: Link, timeout: float | None = None) -> PrinterStatus:
        """Ask ``DLE EOT`` 1, 2, 4 and wait at most ``timeout`` (≤ 2 s) for the answers."""
        if not link.can_read:
            return UNKNOWN_STATUS
        wait = min(self.settings.status_timeout if timeout is None else timeout, 2.0)
        link.write(STATUS_QUERY)
        return parse_status(link.read(3, wait))

    def status(self) -> PrinterStatus:
        """Connect and ask (only connect when ``[printer] status = false``)."""
        with self.connect() as link:
            return self.query_status(link) if self.settings.status_query else UNKNOWN_STATUS

    # -- printing
    def print_document(self, document: Document, check: bool | None = None) -> PrinterStatus:
        """Print one document in one write; raises PrinterError and prints nothing when the
        printer says it cannot print (no paper, cover open), or when it cannot be reached."""
        data = self.encode(document)
        return self.send(data, self.settings.status_query if check is None else check)

    def send(self, data: bytes, check: bool = True) -> PrinterStatus:
        with self.connect() as link:
            status = self.query_status(link) if check else UNKNOWN_STATUS
            problem = status.problem(str(self.address))
            if problem is not None:
                raise problem
            link.write(data)
            link.finish()
        return status

    def pulse_drawer(self) -> None:
        """Open the drawer now, even while the printer is out of paper (DLE DC4)."""
        with self.connect() as link:
            link.write(REALTIME_PULSE[self.settings.drawer_pin])
            link.finish()

    # -- ESC/POS encoding
    def encode(self, document: Document) -> bytes:
        """The document as ESC/POS bytes for this printer's profile and code page."""
        e = escpos()
        profile = _profile(self.settings.profile)
        d = e.Dummy(profile=self.settings.profile)
        d.hw("INIT")  # ESC @: whatever an interrupted job left set (double size...) is reset
        self._select_codepage(d, profile)
        width = document.width
        style: tuple[str, bool, bool, bool] | None = None
        for b in document.blocks:
            if isinstance(b, Text | Rule):
                text, want = (
                    (b.text, (b.align.value, b.bold, b.double, b.invert)) if isinstance(b, Text)
                    else (b.char * width, (Align.LEFT.value, False, False, False))
                )
                if want != style:
                    d.set(align=want[0], bold=want[1], double_width=want[2],
                          double_height=want[2], normal_textsize=not want[2], invert=want[3])
                    style = want
                # Laid out in the printer's charset already (render with charset=self.plain);
                # a document laid out without it is fitted here rather than overflow the paper.
                cells = width // 2 if want[2] else width
                for line in fit_line(self.plain(text), cells):
                    d.textln(line)
            elif isinstance(b, Barcode):
                self._barcode(d, profile, b.data)
                style = None  # the barcode command centres; set the style again
            elif isinstance(b, Cut):
                if profile.supports("paperFullCut") or profile.supports("paperPartCut"):
                    d.cut(mode="PART" if b.partial or self.settings.cut == "partial" else "FULL")
                else:
                    d.ln(4)  # no cutter: feed past the tear bar
            elif isinstance(b, DrawerPulse):
                d.cashdraw(self.settings.drawer_pin)
        return bytes(d.output)

    def _select_codepage(self, d: Any, profile: Any) -> None:
        forced = self._forced_codepage(profile)
        if forced is None:
            pages = profile.get_code_pages()  # {name: slot}
            for name in PREFERRED_CODEPAGES:
                if name in pages:
                    # Start on a page with € and accented letters; magic encoding still
                    # switches for a character that page lacks.
                    d.charcode(name)
                    d.charcode("AUTO")
                    break
            return
        d.charcode(forced)

    def _forced_codepage(self, profile: Any) -> str | None:
        """The page set by ``[printer] codepage`` in the profile's spelling; None for auto."""
        want = self.settings.codepage
        if want.lower() == "auto":
            return None
        pages = profile.get_code_pages()
        canonical = {n.upper().replace("-", "_"): n for n in pages}.get(
            want.upper().replace("-", "_"))
        if canonical is None:
            usable = ", ".join(sorted(n for n in pages if n != "Unknown"))
            raise ConfigError(
                f"[printer] codepage: {want!r} is not a code page of printer profile "
                f"{self.settings.profile!r}; use \"auto\" or one of {usable}")
        self._codepage = canonical
        return canonical

    def plain(self, text: str) -> str:
        """``text`` as this printer prints it: what its code page(s) lack spelled as the
        closest plain text (``Ł`` → ``L``, ``€`` → ``EUR`` on a page without it), one cell a
        character. The receipt renderer lays text out after this (``charset=printer.plain``)."""
        if text.isascii() and text.isprintable():
            return text
        return for_device(text, self._can_print)

    def _can_print(self, ch: str) -> bool:
        ok = self._encodable.get(ch)
        if ok is None:
            if self._encoder is None:
                profile = _profile(self.settings.profile)
                enc = escpos().Dummy(profile=self.settings.profile).magic.encoder
                forced = self._forced_codepage(profile)
                self._encoder = (enc, [forced] if forced else list(enc.codepages))
            enc, pages = self._encoder
            ok = any(p != "Unknown" and enc.can_encode(p, ch) for p in pages)
            self._encodable[ch] = ok
        return ok

    def _barcode(self, d: Any, profile: Any, data: str) -> None:
        code = "{B" + data.replace("{", "{{")  # code set B; "{" is the escape character
        if profile.supports("barcodeB"):
            modules = 11 * (len(data) + 3) + 2  # start, data, check, stop (+ stop bar)
            pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
            width = 3 if isinstance(pixels, int) and modules * 3 <= pixels - 24 else 2
            try:
                # _hw_barcode, not barcode(): barcode() prints "Using hardware barcode
                # renderer" to stdout on every call.
                d._hw_barcode(code, "CODE128", height=64, width=width, pos="BELOW", font="A",
                              align_ct=True, function_type="B", check=True)
                d.ln()
                return
            except escpos().exceptions.Error as exc:
                log.warning("barcode %r not printable as Code128: %s", data, exc)
        # No hardware barcodes on this profile: the number alone, big enough to type in.
        d.set(align="center", bold=True, double_width=False, double_height=False,
              normal_textsize=True, invert=False)
        d.textln(self.plain(data))

