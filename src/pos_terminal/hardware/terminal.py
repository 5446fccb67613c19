"""The card terminal port: one interface, one adapter per protocol (ZVT, nexo/SaleToPOI).

The register sends the amount; the terminal reads the card, asks for the PIN, talks to the
acquirer and answers. Every method blocks until the terminal has answered (a payment: up to a
couple of minutes), so callers run them on a worker thread; ``abort`` is the one method meant
to be called from another thread while a payment runs. ``on_status`` receives the terminal's
texts for the cashier ("Insert card", "PIN") as they come.

Adapters translate everything their protocol, sockets and pyserial raise into
:class:`~pos_terminal.hardware.errors.TerminalError` and keep only what
:class:`~pos_terminal.domain.cards.CardDetails` allows (no full card number, no track data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pos_terminal.domain.cards import CardDetails, scrub

if TYPE_CHECKING:
    from pos_terminal.hardware.terminal_settings import TerminalSettings

StatusCallback = Callable[[str], None]


def no_status(_text: str) -> None:
    """An ``on_status`` that shows nothing."""


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"  # the card or the acquirer said no: nothing charged
    ABORTED = "aborted"  # the cashier or the customer stopped it: nothing charged


@dataclass(frozen=True)
class ReceiptCopy:
    """Lines the terminal wants printed; ``copy`` is "merchant" or "customer"."""

    copy: str
    lines: tuple[str, ...]
    signature: bool = False  # the merchant copy must be signed by the customer

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(scrub(ln.rstrip()) for ln in self.lines))


@dataclass(frozen=True)
class CardResult:
    """What the terminal said about one payment, refund or reversal."""

    outcome: Outcome
    amount: int  # minor units the terminal approved (0 unless approved)
    message: str  # for the cashier: "approved", "declined: credit not sufficient", ...
    card: CardDetails = field(default_factory=CardDetails)
    result_code: str = ""  # the protocol's own code ("00", "6C", "Refusal")
    # What a reversal or refund of this payment must name: the ZVT receipt number, or the
    # nexo POI transaction id and time stamp ("id|timestamp").
    transaction_ref: str = ""
    receipts: tuple[ReceiptCopy, ...] = ()

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED


@dataclass(frozen=True)
class PaymentRequest:
    """One attempt to charge (or refund) ``amount``; ``reference`` is our attempt id, which the
    terminal keeps with the transaction where its protocol allows (nexo ServiceID/SaleID)."""

    amount: int
    currency: str  # ISO 4217 alphabetic
    reference: str
    exponent: int = 2


@dataclass(frozen=True)
class LastTransaction:
    """The terminal's answer to "what became of the last payment?".

    ``found`` False: the terminal has no transaction for that reference (or none newer than the
    one the register already knows): nothing was charged. ``in_progress``: it is still running.
    """

    found: bool
    result: CardResult | None = None
    in_progress: bool = False
    # Not found: the terminal's own last transaction instead, when it is one the register
    # knows (a ZVT terminal remembers only its last one: a newer known one hides ours).
    last_ref: str = ""


@dataclass(frozen=True)
class TerminalInfo:
    """What registration / diagnosis told about the terminal."""

    name: str  # how messages name it: "ZVT terminal at 192.168.1.50:20007"
    terminal_id: str = ""
    detail: str = ""  # software version, status text


@dataclass(frozen=True)
class TerminalTotals:
    """An end-of-day (settlement) as the terminal reported it."""

    count: int
    amount: int  # minor units
    by_brand: tuple[tuple[str, int, int], ...] = ()  # (brand, count, amount)
    receipts: tuple[ReceiptCopy, ...] = ()
    message: str = ""


class PaymentTerminal(Protocol):
    """A card terminal behind one protocol; not thread-safe except ``abort``."""

    name: str

    def register(self) -> TerminalInfo:
        """Log on / check the terminal answers (ZVT registration, nexo diagnosis)."""
        ...

    def pay(self, request: PaymentRequest, on_status: StatusCallback = no_status) -> CardResult:
        ...

    def refund(self, request: PaymentRequest, original_ref: str = "",
               on_status: StatusCallback = no_status) -> CardResult:
        """Money back to a card (to the original payment's card where ``original_ref`` names
        it and the protocol allows)."""
        ...

    def reverse(self, request: PaymentRequest, original_ref: str,
                on_status: StatusCallback = no_status) -> CardResult:
        """Void an approved payment of today (``original_ref``: its ``transaction_ref``)."""
        ...

    def last_transaction(self, request: PaymentRequest, known: tuple[str, ...] = ()
                         ) -> LastTransaction:
        """What became of ``request`` (status enquiry / repeat receipt / TransactionStatus).
        ``known``: transaction refs the register has already recorded (a ZVT terminal only
        knows its last transaction, so one of these is not ours)."""
        ...

    def abort(self) -> None:
        """Ask the terminal to stop the payment in progress (from any thread)."""
        ...

    def end_of_day(self, on_status: StatusCallback = no_status) -> TerminalTotals:
        ...

    def close(self) -> None:
        """Log off and close the connection."""
        ...


def open_terminal(settings: TerminalSettings) -> PaymentTerminal:
    """The adapter for ``[payment] terminal`` (imported on first use: httpx and pyserial stay
    out of a register without a terminal)."""
    if settings.kind == "zvt":
        from pos_terminal.hardware.zvt import ZvtTerminal

        return ZvtTerminal(settings)
    if settings.kind == "nexo":
        from pos_terminal.hardware.nexo import NexoTerminal

        return NexoTerminal(settings)
    from pos_terminal.hardware.errors import TerminalError

    raise TerminalError("no card terminal is set up: set [payment] terminal and port in "
                        "config.toml (docs/payments.md)")
