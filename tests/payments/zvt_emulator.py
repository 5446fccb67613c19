"""A ZVT payment terminal on a real loopback socket (port like 20007) or a real pty (serial).

Built from the ZVT specification (PA00P015, "ECR-Interface ZVT-Protocol") as the register's
peer: it answers Registration (06 00), Authorisation (06 01), Reversal (06 30), Refund (06 31),
Repeat Receipt (06 20), Status-Enquiry (05 01), End-of-Day (06 50), Log-Off (06 02) and the
register's Abort (06 B0), as the PT does: acknowledge with 80 00 00, take the master role, send
Intermediate Status (04 FF), Status-Information (04 0F), print lines (06 D1) or text blocks
(06 D3), and end with Completion (06 0F) or Abort (06 1E), waiting for the register's
80 00 00 after each. The frames of its Status-Information follow the layout of a real
terminal's (Portalum.Zvt's StatusInformationParserTest, "PaymentGood1").

Each payment follows the next entry of ``script`` (then ``default``):

    approve        charge the card
    decline        the issuer declines (result 05)
    customer-abort the customer presses Stop (result 6C)
    silent         acknowledge, show "insert card", then say nothing more (a hung terminal)
    drop-before    acknowledge, then close the connection before charging (nothing charged)
    drop-after     charge the card, then close before telling the register (charged!)
    drop-status    charge, send the Status-Information, close before the Completion

``journal`` holds every transaction (the ground truth crash tests compare the register with);
``charged_total`` is what customers' cards were charged, net of reversals and refunds.
``pause_at`` names a step ("sent-status", "charged", "sent-status-info", "sent-completion")
where the emulator blocks until ``release()``: a test kills the register right there.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pos_terminal.hardware import zvt_codec as z


@dataclass
class Transaction:
    kind: str  # payment | refund | reversal
    amount: int
    approved: bool
    receipt_no: int = 0
    trace_no: int = 0
    result_code: int = 0
    reversed: bool = False
    at: float = field(default_factory=time.time)


class EmuLinkError(Exception):
    pass


class _TcpSide:
    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buf = b""

    def send(self, a: z.Apdu) -> None:
        self.conn.sendall(a.encode())

    def receive(self, timeout: float) -> z.Apdu | None:
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 3:
                need = 5 if self.buf[2] == 0xFF else 3
                if len(self.buf) >= need:
                    size, n = z.data_length(self.buf[:need])
                    if len(self.buf) >= size + n:
                        raw, self.buf = self.buf[:size + n], self.buf[size + n:]
                        return z.decode_apdu(raw)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.conn], [], [], left)
            if not r:
                return None
            chunk = self.conn.recv(4096)
            if not chunk:
                raise EmuLinkError("the register closed the connection")
            self.buf += chunk

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.conn.close()


class _SerialSide:
    """The terminal's end of the serial line: frames in and out of a pty master, ACK/NAK."""

    def __init__(self, fd: int, alive: Callable[[], bool]) -> None:
        self.fd = fd
        self.alive = alive  # False once the emulator stops: its fd may be reused at once
        self.buf = b""
        self.frames_sent: list[bytes] = []
        self.corrupt_next = 0  # send this many frames with a wrong CRC first (NAK test)

    def _read(self, timeout: float) -> bytes:
        if not self.alive():
            raise EmuLinkError("the emulator stopped")
        r, _, _ = select.select([self.fd], [], [], min(max(timeout, 0), 0.2))
        if not r:
            return b""
        try:
            return os.read(self.fd, 4096)
        except OSError as exc:
            raise EmuLinkError("the serial line went away") from exc

    def send(self, a: z.Apdu) -> None:
        data = z.frame(a.encode())
        for _ in range(3):
            out = data
            if self.corrupt_next:
                self.corrupt_next -= 1
                out = data[:-1] + bytes((data[-1] ^ 0xFF,))
            os.write(self.fd, out)
            self.frames_sent.append(out)
            deadline = time.monotonic() + 5
            while not self.buf and time.monotonic() < deadline:
                self.buf += self._read(deadline - time.monotonic())
            if not self.buf:
                raise EmuLinkError("no ACK from the register")
            b, self.buf = self.buf[:1], self.buf[1:]
            if b == bytes((z.ACK,)):
                return
        raise EmuLinkError("the register refused a frame three times")

    def receive(self, timeout: float) -> z.Apdu | None:
        deadline = time.monotonic() + timeout
        while True:
            start = self.buf.find(bytes((z.DLE, z.STX)))
            if start >= 0:
                i = start + 2
                while i < len(self.buf) - 1:
                    if self.buf[i] == z.DLE and self.buf[i + 1] == z.DLE:
                        i += 2
                        continue
                    if self.buf[i] == z.DLE and self.buf[i + 1] == z.ETX:
                        if len(self.buf) >= i + 4:
                            raw, self.buf = self.buf[start:i + 4], self.buf[i + 4:]
                            try:
                                a = z.decode_apdu(z.unframe(raw))
                            except z.ZvtFormatError:
                                os.write(self.fd, bytes((z.NAK,)))
                                break
                            os.write(self.fd, bytes((z.ACK,)))
                            return a
                        break
                    i += 1
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.buf += self._read(min(left, 0.2))

    def close(self) -> None:
        pass


class ZvtEmulator:
    def __init__(self, password: str = "000000", terminal_id: str = "52500001",
                 serial: bool = False, text_blocks: bool = False) -> None:
        self.password = password
        self.terminal_id = terminal_id
        self.text_blocks = text_blocks  # receipts as 06 D3 instead of 06 D1 lines
        # A misconfigured terminal: the whole card number in BMP 22, track 2 (23), the expiry
        # date (0E) and on its receipt lines, where a PCI-clean one masks them.
        self.leak_pan = ""
        self.script: list[str] = []
        self.default = "approve"
        self.journal: list[Transaction] = []
        self.received: list[z.Apdu] = []  # every command the register sent
        self.statuses_sent = 0
        self.pause_at: str | None = None
        self.reached = threading.Event()  # set when pause_at is reached
        self._release = threading.Event()
        self._receipt = 0
        self._trace = 0
        self._batch_start = 0
        self._lock = threading.Lock()
        self._closed = False
        self.serial = serial
        if serial:
            self.master, self.slave = os.openpty()
            tty.setraw(self.slave)
            tty.setraw(self.master)
            self.device = os.ttyname(self.slave)
            self.port = f"serial://{self.device}?baudrate=9600"
            self.side: _SerialSide | None = _SerialSide(self.master, lambda: not self._closed)
            self._thread = threading.Thread(target=self._serve_serial, daemon=True)
        else:
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(4)
            self.port = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
            self.side = None
            self._thread = threading.Thread(target=self._serve_tcp, daemon=True)
        self._thread.start()

    # -- test controls ------------------------------------------------------------------------
    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self._closed = True
        self._release.set()
        if self.serial:
            self._thread.join(5)  # before the fds close: a new pty may get the same numbers
            for fd in (self.master, self.slave):
                with contextlib.suppress(OSError):
                    os.close(fd)
        else:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept(); close alone may not
            with contextlib.suppress(OSError):
                self.sock.close()
            self._thread.join(5)

    def __enter__(self) -> ZvtEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def payments(self) -> list[Transaction]:
        return [t for t in self.journal if t.kind == "payment" and t.approved]

    @property
    def charged_total(self) -> int:
        total = 0
        for t in self.journal:
            if not t.approved or t.reversed:
                continue
            if t.kind == "payment":
                total += t.amount
            elif t.kind == "refund":
                total -= t.amount
        return total

    def _step(self, name: str) -> None:
        if self.pause_at == name:
            self.reached.set()
            self._release.wait(60)

    # -- serving --------------------------------------------------------------------------
    def _serve_tcp(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            side = _TcpSide(conn)
            try:
                self._session(side)
            except (EmuLinkError, OSError, z.ZvtFormatError):
                pass
            finally:
                side.close()

    def _serve_serial(self) -> None:
        assert self.side is not None
        while not self._closed:
            try:
                self._session(self.side)
            except (EmuLinkError, OSError, z.ZvtFormatError):
                if self._closed:
                    return
                time.sleep(0.05)

    def _session(self, side: _TcpSide | _SerialSide) -> None:
        while not self._closed:
            a = side.receive(0.5)
            if a is None:
                if isinstance(side, _TcpSide):
                    continue
                return
            with self._lock:
                self.received.append(a)
            if not self._handle(side, a):
                return

    def _pt(self, side: _TcpSide | _SerialSide, a: z.Apdu) -> None:
        """Send as master and wait for the register's acknowledgement."""
        side.send(a)
        got = side.receive(5)
        if got is None or not z.is_ack(got):
            raise EmuLinkError(f"the register did not acknowledge {a}: {got}")

    def _handle(self, side: _TcpSide | _SerialSide, a: z.Apdu) -> bool:
        """Answer one command; False: the connection ends here."""
        cmd = a.command
        needs_password = cmd in (z.REGISTRATION, z.REVERSAL, z.REFUND, z.REPEAT_RECEIPT,
                                 z.STATUS_ENQUIRY, z.END_OF_DAY)
        if needs_password and a.data[:3] != z.password_bcd(self.password):
            side.send(z.Apdu(0x84, 0x83, b""))  # function not possible: wrong password
            return True
        if cmd == z.REGISTRATION:
            side.send(z.ack())
            self._pt(side, z.apdu(z.COMPLETION, b"\x19\x00\x29" + z.bcd(self.terminal_id, 4)
                                  + b"\x49" + a.data[4:6]))
        elif cmd == z.STATUS_ENQUIRY:
            side.send(z.ack())
            self._pt(side, z.apdu(z.COMPLETION, z.var_length(7, 3) + b"EMU 1.0" + b"\x00"))
        elif cmd == z.LOG_OFF:
            side.send(z.ack())
        elif cmd == z.AUTHORISATION:
            return self._payment(side, a)
        elif cmd == z.REPEAT_RECEIPT:
            side.send(z.ack())
            last = self.journal[-1] if self.journal else None
            if last is None:
                self._pt(side, z.apdu(z.ABORT, b"\x83"))
            else:
                self._status_info(side, last)
                self._receipts(side, last)
                self._pt(side, z.apdu(z.COMPLETION))
        elif cmd == z.REVERSAL:
            self._reversal(side, a)
        elif cmd == z.REFUND:
            side.send(z.ack())
            amount = int(z.unbcd(z.parse_bmps(a.data[3:])[0x04]))
            t = self._book("refund", amount, True)
            self._status_info(side, t)
            self._receipts(side, t)
            self._pt(side, z.apdu(z.COMPLETION))
        elif cmd == z.END_OF_DAY:
            self._end_of_day(side)
        elif cmd == z.ECR_ABORT:
            side.send(z.ack())  # nothing in progress
        else:
            side.send(z.Apdu(0x84, 0x83, b""))
        return True

    def _book(self, kind: str, amount: int, approved: bool, code: int = 0) -> Transaction:
        with self._lock:
            self._trace += 1
            if approved:
                self._receipt += 1
            t = Transaction(kind, amount, approved, self._receipt if approved else 0,
                            self._trace, code)
            self.journal.append(t)
        return t

    def _abort_requested(self, side: _TcpSide | _SerialSide, wait: float) -> bool:
        got = side.receive(wait)
        if got is not None and got.command == z.ECR_ABORT:
            with self._lock:
                self.received.append(got)
            side.send(z.ack())
            return True
        return False

    def _intermediate(self, side: _TcpSide | _SerialSide, code: int) -> None:
        self._pt(side, z.apdu(z.INTERMEDIATE_STATUS, bytes((code,))))
        self.statuses_sent += 1
        self._step("sent-status")

    def _payment(self, side: _TcpSide | _SerialSide, a: z.Apdu) -> bool:
        amount = int(z.unbcd(z.parse_bmps(a.data)[0x04]))
        how = self.script.pop(0) if self.script else self.default
        side.send(z.ack())
        if how == "drop-before":
            return False
        self._intermediate(side, 0x0A)  # insert card
        if how == "silent":
            while not self._closed and side.receive(0.5) is None:
                pass
            return False
        if self._abort_requested(side, 0.15):
            return self._declined(side, amount, 0x6C)
        self._intermediate(side, 0x01)  # watch the PIN pad
        if self._abort_requested(side, 0.15):
            return self._declined(side, amount, 0x6C)
        if how == "customer-abort":
            return self._declined(side, amount, 0x6C)
        if how == "decline":
            return self._declined(side, amount, 0x05)
        self._intermediate(side, 0x04)  # waiting for the card issuer
        t = self._book("payment", amount, True)
        self._step("charged")
        if how == "drop-after":
            return False
        self._status_info(side, t)
        self._step("sent-status-info")
        if how == "drop-status":
            return False
        self._receipts(side, t)
        self._pt(side, z.apdu(z.COMPLETION))
        self._step("sent-completion")
        return True

    def _declined(self, side: _TcpSide | _SerialSide, amount: int, code: int) -> bool:
        t = self._book("payment", amount, False, code)
        self._status_info(side, t)
        self._pt(side, z.apdu(z.ABORT, bytes((code,))))
        return True

    def _reversal(self, side: _TcpSide | _SerialSide, a: z.Apdu) -> None:
        side.send(z.ack())
        b = z.parse_bmps(a.data[3:])
        receipt = int(z.unbcd(b[0x87])) if 0x87 in b else -1
        with self._lock:
            orig = next((t for t in self.journal if t.kind == "payment" and t.approved
                         and t.receipt_no == receipt and t.at >= self._batch_start), None)
        if orig is None or orig.reversed:
            code = 0xB4 if orig is not None else 0xB5
            self._status_info(side, Transaction("reversal", 0, False, result_code=code))
            self._pt(side, z.apdu(z.ABORT, bytes((code,))))
            return
        orig.reversed = True
        t = self._book("reversal", orig.amount, True)
        self._status_info(side, t)
        self._receipts(side, t)
        self._pt(side, z.apdu(z.COMPLETION))

    def _end_of_day(self, side: _TcpSide | _SerialSide) -> None:
        side.send(z.ack())
        with self._lock:
            batch = [t for t in self.journal if t.at >= self._batch_start and t.approved
                     and t.kind == "payment" and not t.reversed]
            self._batch_start = time.time()
        total = sum(t.amount for t in batch)
        first = min((t.receipt_no for t in batch), default=0)
        last = max((t.receipt_no for t in batch), default=0)
        data = (b"\x27\x00" + b"\x04" + z.amount_bcd(total) + b"\x0b" + z.bcd(self._trace, 3)
                + b"\x60" + z.var_length(53, 3)
                + z.individual_totals(first, last, {"Mastercard": (len(batch), total)}))
        self._pt(side, z.apdu(z.STATUS_INFORMATION, data))
        self._print(side, [f"END-OF-DAY {len(batch)} tx", f"TOTAL EUR {total / 100:.2f}"], 3)
        self._pt(side, z.apdu(z.COMPLETION))

    def _status_info(self, side: _TcpSide | _SerialSide, t: Transaction) -> None:
        now = time.localtime(t.at)
        data = (b"\x27" + bytes((t.result_code,)) + b"\x04" + z.amount_bcd(t.amount)
                + b"\x0b" + z.bcd(t.trace_no, 3) + b"\x0c" + z.bcd(time.strftime("%H%M%S", now), 3)
                + b"\x0d" + z.bcd(time.strftime("%m%d", now), 2))
        if t.approved:
            pan = bytes.fromhex("EEEEEEEEEEEE4771")  # masked digits are E, as real terminals
            if self.leak_pan:
                pan = bytes.fromhex(self.leak_pan + "F" * (len(self.leak_pan) % 2))
                track2 = bytes.fromhex(self.leak_pan + "D2512" + "1011" + "F")
                data += b"\x0e\x25\x12" + b"\x23" + z.var_length(len(track2), 2) + track2
            data += (b"\x22" + z.var_length(len(pan), 2) + pan
                     + b"\x29" + z.bcd(self.terminal_id, 4)
                     + b"\x3b" + f"{t.trace_no:06d}".encode().ljust(8, b"\x00")
                     + b"\x49\x09\x78" + b"\x87" + z.bcd(t.receipt_no, 2)
                     + b"\x88" + z.bcd(t.trace_no, 3) + b"\x8a\x06"
                     + b"\x8b" + z.var_length(11, 2) + b"MASTERCARD\x00")
        else:
            data += b"\x29" + z.bcd(self.terminal_id, 4)
        self._pt(side, z.apdu(z.STATUS_INFORMATION, data))

    def _receipts(self, side: _TcpSide | _SerialSide, t: Transaction) -> None:
        what = {"payment": "PAYMENT", "refund": "REFUND", "reversal": "REVERSAL"}[t.kind]
        body = [f"Terminal-ID: {self.terminal_id}", f"Trace-Nr: {t.trace_no:06d}",
                f"Beleg-Nr: {t.receipt_no:04d}",
                f"Nr: {self.leak_pan}" if self.leak_pan else "Nr: ************4771", f"{what}",
                f"EUR {t.amount // 100},{t.amount % 100:02d}"]
        self._print(side, ["** MERCHANT COPY **", *body, "signature: _________"], 1)
        self._print(side, ["** CUSTOMER COPY **", *body], 2)

    def _print(self, side: _TcpSide | _SerialSide, lines: list[str], kind: int) -> None:
        if self.text_blocks:
            texts = b"".join(z.tlv(0x07, ln.encode("cp437")) for ln in lines)
            tlvs = z.tlv(0x1F07, bytes((kind,))) + z.tlv(0x25, texts) + z.tlv(0x09, b"\x81")
            self._pt(side, z.apdu(z.PRINT_TEXT_BLOCK, b"\x06" + z.tlv_length(len(tlvs)) + tlvs))
            return
        for i, ln in enumerate(lines):
            attr = 0x81 if i == len(lines) - 1 else 0x00
            typed = z.tlv(0x1F07, bytes((kind,)))
            self._pt(side, z.apdu(z.PRINT_LINE, bytes((attr,)) + ln.encode("cp437") + b"\x06"
                                  + z.tlv_length(len(typed)) + typed))


@contextlib.contextmanager
def running(**kwargs: object) -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(**kwargs)  # type: ignore[arg-type]
    try:
        yield emu
    finally:
        emu.stop()
