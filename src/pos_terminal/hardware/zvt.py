"""A ZVT card terminal over TCP/IP (port 20007) or a serial line (DLE STX framing, ACK/NAK).

One connection per operation: connect, send the command, follow the terminal while it is master
(intermediate status, print lines, status information) acknowledging each APDU, and close after
its Completion (06 0F) or Abort (06 1E). The flow is the one of the ZVT specification's
"Authorisation (06 01)" section; registration, reversal, refund, repeat receipt, status
enquiry and end-of-day follow the same master/slave hand-over.

``abort()`` may be called from another thread while a payment runs: the reading loop sends
"Abort (06 B0)" the next time it looks (every 0.2 s); the terminal then ends the payment with
06 1E.

Everything socket, pyserial and the codec raise becomes a ``TerminalError``: unreachable before
the command was sent (nothing happened), ``TerminalTimeoutError`` after it was sent and before
the terminal finished (the outcome is unknown: ask ``last_transaction``).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pos_terminal.domain.cards import CardDetails
from pos_terminal.hardware import zvt_codec as z
from pos_terminal.hardware.errors import (
    TerminalError,
    TerminalProtocolError,
    TerminalTimeoutError,
    TerminalUnreachableError,
)
from pos_terminal.hardware.terminal import (
    CardResult,
    LastTransaction,
    Outcome,
    PaymentRequest,
    ReceiptCopy,
    StatusCallback,
    TerminalInfo,
    TerminalTotals,
    no_status,
)
from pos_terminal.hardware.terminal_settings import TerminalSettings

log = logging.getLogger(__name__)

ACK_TIMEOUT = 5.0  # the terminal acknowledges a command at once (spec: T3, 5 s)
POLL = 0.2  # how often the reading loop looks for an abort request
SERIAL_TRIES = 3  # a frame is sent at most this often when the terminal answers NAK


# -- links: one per transport -------------------------------------------------------------------
class ZvtLink(Protocol):
    """One open connection to the terminal: whole APDUs in and out."""

    where: str

    def send(self, a: z.Apdu) -> None: ...
    def receive(self, timeout: float) -> z.Apdu | None: ...  # None: nothing came in time
    def close(self) -> None: ...


class TcpLink:
    """ZVT over TCP/IP: bare APDUs, framed by their own length."""

    def __init__(self, host: str, port: int, connect_timeout: float) -> None:
        self.where = f"ZVT terminal at {host}:{port}"
        self._buf = b""
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise _unreachable(self.where, exc) from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, a: z.Apdu) -> None:
        try:
            self.sock.settimeout(ACK_TIMEOUT)
            self.sock.sendall(a.encode())
        except OSError as exc:
            raise _dropped(self.where, exc) from exc

    def _fill(self, n: int, deadline: float, started: bool) -> bool:
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                if started:
                    raise TerminalTimeoutError(f"{self.where} stopped in the middle of a message")
                return False
            try:
                self.sock.settimeout(left)
                chunk = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _dropped(self.where, exc) from exc
            if not chunk:
                raise TerminalUnreachableError(f"{self.where} closed the connection")
            self._buf += chunk
            started = True
        return True

    def receive(self, timeout: float) -> z.Apdu | None:
        deadline = time.monotonic() + timeout
        if not self._fill(3, deadline, bool(self._buf)):
            return None
        need = 5 if self._buf[2] == 0xFF else 3
        # once the first bytes are in, the rest of the message comes right after them
        rest = max(deadline, time.monotonic() + ACK_TIMEOUT)
        self._fill(need, rest, True)
        size, n = z.data_length(self._buf[:need])
        self._fill(size + n, rest, True)
        raw, self._buf = self._buf[:size + n], self._buf[size + n:]
        return z.decode_apdu(raw)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class SerialLink:
    """ZVT over RS-232: every APDU in DLE STX … DLE ETX CRC, each frame answered ACK or NAK."""

    def __init__(self, device: str, baudrate: int, stopbits: int) -> None:
        import serial

        self._serial = serial
        self.where = f"ZVT terminal on {device}"
        try:
            self.port = serial.serial_for_url(
                device, baudrate=baudrate, bytesize=8, parity="N",
                stopbits=serial.STOPBITS_TWO if stopbits == 2 else serial.STOPBITS_ONE,
                timeout=POLL, write_timeout=ACK_TIMEOUT)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TerminalUnreachableError(
                f"{self.where} cannot be opened ({exc}): check the cable and the port name "
                "('pos-terminal doctor ports' lists them)") from exc

    def _read(self, n: int, timeout: float) -> bytes:
        try:
            self.port.timeout = max(timeout, 0.01)
            return bytes(self.port.read(n))
        except (self._serial.SerialException, OSError) as exc:
            raise TerminalUnreachableError(f"{self.where} went away ({exc}): check the cable"
                                           ) from exc

    def _write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (self._serial.SerialException, OSError) as exc:
            raise TerminalUnreachableError(f"{self.where} went away ({exc}): check the cable"
                                           ) from exc

    def send(self, a: z.Apdu) -> None:
        data = z.frame(a.encode())
        for _ in range(SERIAL_TRIES):
            self._write(data)
            got = self._read(1, ACK_TIMEOUT)
            if got == bytes((z.ACK,)):
                return
            if not got:
                raise TerminalTimeoutError(f"{self.where} did not acknowledge a message")
        raise TerminalProtocolError(f"{self.where} refused a message {SERIAL_TRIES} times (NAK): "
                                    "check the baud rate")

    def receive(self, timeout: float) -> z.Apdu | None:
        deadline = time.monotonic() + timeout
        for _ in range(SERIAL_TRIES):
            raw = self._frame(deadline)
            if raw is None:
                return None
            try:
                apdu_bytes = z.unframe(raw)
                a = z.decode_apdu(apdu_bytes)
            except z.ZvtFormatError:
                self._write(bytes((z.NAK,)))  # the terminal sends the frame again
                deadline = max(deadline, time.monotonic() + ACK_TIMEOUT)
                continue
            self._write(bytes((z.ACK,)))
            return a
        raise TerminalProtocolError(f"{self.where} sent {SERIAL_TRIES} damaged frames: check "
                                    "the cable and the baud rate")

    def _frame(self, deadline: float) -> bytes | None:
        """One raw frame from DLE STX to the CRC; None when nothing started before deadline."""
        prev = -1
        while True:  # hunt for DLE STX; a stray ACK (of our abort) is skipped
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            b = self._read(1, min(left, POLL))
            if not b:
                continue
            if prev == z.DLE and b[0] == z.STX:
                break
            prev = b[0]
        out = bytearray((z.DLE, z.STX))
        end = time.monotonic() + ACK_TIMEOUT
        while True:
            b = self._read(1, end - time.monotonic())
            if not b:
                raise TerminalTimeoutError(f"{self.where} stopped in the middle of a message")
            out += b
            if b[0] == z.DLE:
                nxt = self._read(1, end - time.monotonic())
                if not nxt:
                    raise TerminalTimeoutError(f"{self.where} stopped in the middle of a message")
                out += nxt
                if nxt[0] == z.ETX:
                    crc = self._read(2, end - time.monotonic())
                    if len(crc) < 2:
                        raise TerminalTimeoutError(f"{self.where} stopped before the CRC")
                    return bytes(out + crc)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.port.close()


def _unreachable(where: str, exc: BaseException) -> TerminalUnreachableError:
    if isinstance(exc, ConnectionRefusedError):
        return TerminalUnreachableError(
            f"{where} refused the connection: check the address and port ([payment] port), "
            "that the terminal is on and its ECR interface is set to TCP/IP")
    if isinstance(exc, TimeoutError):
        return TerminalUnreachableError(f"{where} does not answer: check it is on and its "
                                        "network cable")
    if isinstance(exc, socket.gaierror):
        return TerminalUnreachableError(f"{where}: unknown host name: check [payment] port")
    return TerminalUnreachableError(f"{where} cannot be reached ({exc}): check it is on and "
                                    "the network")


def _dropped(where: str, exc: BaseException) -> TerminalError:
    return TerminalUnreachableError(f"{where} dropped the connection ({exc})")


# -- one exchange ---------------------------------------------------------------------------
@dataclass
class Exchange:
    """What the terminal sent while it was master."""

    status: z.StatusInformation | None = None
    completion: z.Completion | None = None
    abort_code: int | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)  # (copy, text)
    blocks: list[z.TextBlock] = field(default_factory=list)

    def receipts(self) -> tuple[ReceiptCopy, ...]:
        """Receipt copies: text blocks as typed; print lines grouped by their receipt type, or
        (untyped) by the last-line mark: merchant copy first, then the customer's."""
        copies: dict[str, list[str]] = {}
        for b in self.blocks:
            copies.setdefault(b.receipt_type or "merchant", []).extend(b.lines)
        for kind, line in self.lines:
            copies.setdefault(kind, []).append(line)
        return tuple(
            ReceiptCopy(kind, tuple(lines), signature=kind == "merchant" and any(
                "signature" in ln.lower() or "unterschrift" in ln.lower() for ln in lines))
            for kind, lines in copies.items() if kind in ("merchant", "customer")
            and any(ln.strip() for ln in lines))


class ZvtTerminal:
    """A ZVT terminal (see the module docstring); ``link_factory`` replaces the transport."""

    def __init__(self, settings: TerminalSettings,
                 link_factory: Callable[[], ZvtLink] | None = None) -> None:
        self.settings = settings
        self.name = f"ZVT terminal at {settings.address}"
        self._link_factory = link_factory or self._open
        self._abort = threading.Event()

    def _open(self) -> ZvtLink:
        a = self.settings.address
        if a.kind == "tcp":
            return TcpLink(a.host, a.port, self.settings.connect_timeout)
        if a.kind == "serial":
            return SerialLink(a.device, a.baudrate, a.stopbits)
        raise TerminalError("no ZVT terminal is configured ([payment] port)")

    @contextlib.contextmanager
    def _connected(self) -> Iterator[ZvtLink]:
        link = self._link_factory()
        try:
            yield link
        finally:
            link.close()

    # -- the master/slave hand-over -------------------------------------------------------
    def _run(self, command: z.Apdu, on_status: StatusCallback = no_status,
             timeout: float | None = None) -> Exchange:
        silence = self.settings.timeout if timeout is None else timeout
        ex = Exchange()
        self._abort.clear()
        with self._connected() as link:
            link.send(command)
            try:
                return self._follow(link, command, ex, on_status, silence)
            except TerminalUnreachableError as exc:
                # The command went out: the terminal may have charged the card.
                raise TerminalTimeoutError(
                    f"{exc}; whether the card was charged is not known yet") from exc

    def _follow(self, link: ZvtLink, command: z.Apdu, ex: Exchange,
                on_status: StatusCallback, silence: float) -> Exchange:
        first = link.receive(ACK_TIMEOUT)
        if first is None:
            raise TerminalTimeoutError(f"{link.where} did not acknowledge {command}")
        if z.is_nak(first):
            raise TerminalError(f"{link.where} refused the command: "
                                f"{z.result_text(first.ins)}")
        if not z.is_ack(first):
            raise TerminalProtocolError(f"{link.where} answered {first} instead of an "
                                        "acknowledgement")
        aborted_sent = False
        last_heard = time.monotonic()
        current_copy = "merchant"
        while True:
            if self._abort.is_set() and not aborted_sent:
                link.send(z.ecr_abort())
                aborted_sent = True
            a = link.receive(POLL)
            if a is None:
                if time.monotonic() - last_heard > silence:
                    raise TerminalTimeoutError(
                        f"{link.where} went silent for {silence:g} s: whether the card was "
                        "charged is not known yet")
                continue
            last_heard = time.monotonic()
            cmd = a.command
            if z.is_ack(a):  # the terminal acknowledging our 06 B0
                continue
            link.send(z.ack())
            if cmd == z.INTERMEDIATE_STATUS:
                on_status(z.parse_intermediate(a.data))
            elif cmd == z.PRINT_LINE:
                pl = z.parse_print_line(a.data)
                copy = pl.receipt_type or current_copy
                ex.lines.append((copy, pl.text))
                if pl.last and not pl.receipt_type:
                    current_copy = "customer"
            elif cmd == z.PRINT_TEXT_BLOCK:
                ex.blocks.append(z.parse_text_block(a.data))
            elif cmd == z.STATUS_INFORMATION:
                ex.status = z.parse_status_information(a.data)
                if ex.status.additional_text:
                    on_status(ex.status.additional_text)
            elif cmd == z.COMPLETION:
                ex.completion = z.parse_completion(a.data)
                return ex
            elif cmd == z.ABORT:
                ex.abort_code = a.data[0] if a.data else 0xFF
                return ex
            else:
                log.info("%s sent %s; acknowledged and ignored", link.where, a)

    def _result(self, ex: Exchange, amount: int) -> CardResult:
        s = ex.status
        receipts = ex.receipts()
        code = s.result_code if s is not None else None
        if code in (None, 0xFF) and ex.abort_code is not None:
            code = ex.abort_code
        if code is None and ex.completion is not None:
            code = ex.completion.result_code
        if code is None:
            code = 0xFF
        if s is None or code != 0x00 or ex.abort_code is not None:
            if code == 0x00:  # approved, then aborted (the terminal reversed it itself)
                code = ex.abort_code if ex.abort_code is not None else 0xFF
            outcome = Outcome.ABORTED if code in z.ABORTED_CODES else Outcome.DECLINED
            return CardResult(outcome, 0, z.result_text(code), result_code=f"{code:02X}",
                              receipts=receipts)
        card = CardDetails(masked_pan=s.masked_pan, brand=s.brand, terminal_id=s.terminal_id,
                           trace_no=s.trace_no, receipt_no=s.receipt_no, auth_code=s.auth_code)
        got = s.amount if s.amount is not None else amount
        return CardResult(Outcome.APPROVED, got, "approved", card, "00",
                          transaction_ref=s.receipt_no, receipts=receipts)

    # -- the port -------------------------------------------------------------------------
    def register(self) -> TerminalInfo:
        ex = self._run(z.registration(self.settings.password, self.settings.currency),
                       timeout=ACK_TIMEOUT * 2)
        if ex.abort_code is not None:
            raise TerminalError(f"{self.name} refused the registration: "
                                f"{z.result_text(ex.abort_code)}; check [payment] password")
        tid = ex.completion.terminal_id if ex.completion else ""
        enquiry = self._run(z.status_enquiry(self.settings.password), timeout=ACK_TIMEOUT * 2)
        detail = ""
        if enquiry.completion and enquiry.completion.software:
            detail = f"software {enquiry.completion.software}"
        if enquiry.status and not tid:
            tid = enquiry.status.terminal_id
        return TerminalInfo(self.name, tid, detail)

    def pay(self, request: PaymentRequest, on_status: StatusCallback = no_status) -> CardResult:
        ex = self._run(z.authorisation(request.amount, self.settings.currency), on_status)
        return self._result(ex, request.amount)

    def refund(self, request: PaymentRequest, original_ref: str = "",
               on_status: StatusCallback = no_status) -> CardResult:
        ex = self._run(z.refund(self.settings.password, request.amount,
                                self.settings.currency), on_status)
        return self._result(ex, request.amount)

    def reverse(self, request: PaymentRequest, original_ref: str,
                on_status: StatusCallback = no_status) -> CardResult:
        if not original_ref.isdigit():
            raise TerminalError("this payment has no terminal receipt number to reverse")
        ex = self._run(z.reversal(self.settings.password, original_ref), on_status)
        return self._result(ex, request.amount)

    def last_transaction(self, request: PaymentRequest, known: tuple[str, ...] = ()
                         ) -> LastTransaction:
        """Repeat Receipt (06 20): the terminal's last transaction. It is ours when it is not
        one the register already recorded and its amount is ours."""
        ex = self._run(z.repeat_receipt(self.settings.password), timeout=30)
        s = ex.status
        if s is None or ex.abort_code is not None:
            return LastTransaction(found=False)
        if s.receipt_no and s.receipt_no in known:
            return LastTransaction(found=False, last_ref=s.receipt_no)
        if s.amount is not None and s.amount != request.amount:
            return LastTransaction(found=False)
        return LastTransaction(found=True, result=self._result(ex, request.amount))

    def abort(self) -> None:
        self._abort.set()

    def end_of_day(self, on_status: StatusCallback = no_status) -> TerminalTotals:
        ex = self._run(z.end_of_day(self.settings.password), on_status)
        if ex.abort_code is not None:
            raise TerminalError(f"{self.name}: end-of-day failed: "
                                f"{z.result_text(ex.abort_code)}")
        s = ex.status or z.StatusInformation(result_code=0)
        count = sum(c for _, c, _ in s.totals)
        return TerminalTotals(count, s.amount or 0, s.totals, ex.receipts(),
                              s.additional_text)

    def close(self) -> None:
        """Log-Off (06 02)."""
        with contextlib.suppress(TerminalError), self._connected() as link:
            link.send(z.log_off())
            link.receive(ACK_TIMEOUT)

    def describe(self) -> dict[str, Any]:
        return {"protocol": "zvt", "where": str(self.settings.address)}
