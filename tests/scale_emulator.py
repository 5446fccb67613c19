"""Scales on a real pty, byte for byte from the published frames (no code of the register).

Mettler Toledo 8217 (demand): the host sends ``W``; a steady weight that is not below zero is
answered ``STX`` + ``XX.XXX`` (kg, five digits and the point) + ``CR``; otherwise ``STX ?``
and a status byte + ``CR``, the status bits being 0 motion, 1 over capacity, 2 under zero,
3 outside zero capture range, 4 centre of zero, 5 and 6 always 1, 7 parity (sent as 0 here:
the 7E1 UART adds parity itself). Source: Rice Lake BenchPro operation manual, "Toledo
protocol" status byte table; Transcell PC-150 manual, figures B-3/B-4 "Toledo 8213 demand".

CAS 22-byte format: ``ST|US|OL`` ``,`` ``GS|NT`` ``,`` device id (ASCII, '0' + number) lamp
byte ``,`` weight in 8 ASCII bytes with sign and point (``0001.235``) blank ``kg`` CR LF.
The lamp byte: bit 7 and 5 set, 6 stable, 4 hold, 3 printer, 2 gross, 1 tare, 0 zero. Sent
continuously, or in answer to the command mode's request: device id (binary) ``WT`` CR LF.
Source: CAS PDS owner's manual §11 "CAS & Command Mode Protocol", CAS CI-400 manual
appendix 1 "Data format", CAS CI-600D manual §10-1.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from pathlib import Path

STX, CR = b"\x02", b"\r"
TOLEDO_STATUS = {"motion": 0x01, "overload": 0x02, "under zero": 0x04, "no zero": 0x08}


class ScaleEmulator:
    """A scale the register opens at ``path`` (a symlink, so it can be unplugged and a new
    one plugged in at the same place). ``set(state, grams)`` puts goods on it."""

    def __init__(self, protocol: str = "toledo", mode: str = "demand", link: Path | None = None,
                 device_id: int = 1, period_s: float = 0.05) -> None:
        self.protocol, self.mode, self.device_id, self.period_s = protocol, mode, device_id, \
            period_s
        self.state, self.grams = "stable", 1235
        self.silent = False  # cable out on the scale's side: the port stays, nothing answers
        self.requests: list[bytes] = []
        self.sent: list[bytes] = []
        self.link = link
        self._stop = threading.Event()
        self._plug()

    def _plug(self) -> None:
        self.master, self.slave = os.openpty()
        self._fds: tuple[int, ...] = (self.master, self.slave)
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.tty = os.ttyname(self.slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.tty)
            tmp.replace(self.link)
        self._stop = threading.Event()
        # the thread keeps its own fd and stop flag: a replug never hands it the new ones
        self._thread = threading.Thread(target=self._serve, args=(self.master, self._stop),
                                        daemon=True, name="scale-emulator")
        self._thread.start()

    @property
    def path(self) -> str:
        return str(self.link) if self.link is not None else self.tty

    def set(self, state: str, grams: int = 0) -> None:
        self.state, self.grams = state, grams

    # -- frames ---------------------------------------------------------------------------------
    def frame(self) -> bytes:
        return self._toledo() if self.protocol == "toledo" else self._cas()

    def _toledo(self) -> bytes:
        if self.state in TOLEDO_STATUS:
            return STX + b"?" + bytes([0x60 | TOLEDO_STATUS[self.state]]) + CR
        if self.state == "zero":
            return STX + b"00.000" + CR
        kg, g = divmod(self.grams, 1000)
        return STX + f"{kg:02d}.{g:03d}".encode() + CR

    def _cas(self) -> bytes:
        header = {"motion": b"US", "overload": b"OL"}.get(self.state, b"ST")
        grams = {"zero": 0}.get(self.state, self.grams)
        grams = -abs(grams) if self.state == "under zero" else grams
        kg, g = divmod(abs(grams), 1000)
        weight = (f"-{kg:03d}.{g:03d}" if grams < 0 else f"{kg:04d}.{g:03d}").encode()
        if self.state == "overload":
            weight = b"  OL    "  # an indicator shows no weight when overloaded
        lamp = 0x80 | 0x20 | 0x04 | (0x40 if header == b"ST" else 0) | (0x01 if grams == 0 else 0)
        return (header + b",GS," + bytes([0x30 + self.device_id, lamp]) + b"," + weight
                + b" kg\r\n")

    # -- the wire -------------------------------------------------------------------------------
    def _serve(self, master: int, stop: threading.Event) -> None:
        buf = b""
        next_frame = time.monotonic()
        while not stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.01)
                if ready:
                    data = os.read(master, 256)
                    if not data:
                        return
                    buf += data
            except OSError:
                return
            if self.mode == "continuous":
                if time.monotonic() >= next_frame:
                    next_frame = time.monotonic() + self.period_s
                    self._send(master)
                continue
            request = b"W" if self.protocol == "toledo" else bytes([self.device_id]) + b"WT\r\n"
            while request in buf:
                _, _, buf = buf.partition(request)
                self.requests.append(request)
                self._send(master)
            buf = buf[-16:]

    def _send(self, master: int) -> None:
        if self.silent:
            return
        frame = self.frame()
        self.sent.append(frame)
        with contextlib.suppress(OSError):
            os.write(master, frame)

    def unplug(self) -> None:
        """The USB adapter pulled out: the device goes away (its node too, as udev removes
        /dev/ttyUSB0; a new pty may reuse the old number, so the link goes now)."""
        self._stop.set()
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        self._thread.join(1)
        fds, self._fds = self._fds, ()
        for fd in fds:  # once: a closed number may belong to another file by now
            with contextlib.suppress(OSError):
                os.close(fd)

    def replug(self) -> None:
        """A scale plugged in again at the same place (a new pty behind the same link)."""
        self._plug()
