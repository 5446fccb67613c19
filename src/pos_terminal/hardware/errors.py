"""Device errors: what pyserial, sockets and the OS raise, in words an installer can act on.

    PosError
    └── DeviceError          a scanner, printer, drawer or card terminal cannot be used now
        ├── PortError        a port cannot be opened or was lost (unplugged, busy, no rights)
        ├── PrinterError     the receipt printer cannot print now (the job stays queued)
        │   ├── PrinterUnreachableError  no connection: off, unplugged, wrong address, refused
        │   ├── PaperOutError            it answers but has no paper
        │   ├── CoverOpenError           it answers but its cover is open
        │   └── PrinterFaultError        it answers with an error (cutter jam, head too hot)
        └── TerminalError    the card terminal cannot be used now
            ├── TerminalUnreachableError  no connection: off, unplugged, wrong address, refused
            ├── TerminalProtocolError     it answered something the protocol does not allow
            └── TerminalTimeoutError      no (complete) answer in time: whether the card was
                                          charged is not known until the terminal is asked

Third-party exceptions (``serial.SerialException``, ``OSError``) never leave ``hardware/``.
"""

from __future__ import annotations

from pos_terminal.errors import PosError


class DeviceError(PosError):
    """A device cannot be used; the message says what to check."""


class PortError(DeviceError):
    """A serial/USB/network port could not be opened, or went away while in use."""


class PrinterError(DeviceError):
    """The receipt printer cannot print now; ``state`` is the short text for the status bar."""

    state = "printer error"


class PrinterUnreachableError(PrinterError):
    """No connection to the printer (off, unplugged, wrong address, refused, dropped)."""

    state = "printer offline"


class PaperOutError(PrinterError):
    state = "out of paper"


class CoverOpenError(PrinterError):
    state = "cover open"


class PrinterFaultError(PrinterError):
    """The printer reports an error of its own (cutter jam, print head too hot)."""


class TerminalError(DeviceError):
    """The card terminal cannot be used now; the message says what to check."""

    state = "terminal error"


class TerminalUnreachableError(TerminalError):
    """No connection to the terminal (off, unplugged, wrong address, refused, dropped)."""

    state = "terminal offline"


class TerminalProtocolError(TerminalError):
    """The terminal answered with bytes or JSON the protocol does not allow."""


class TerminalTimeoutError(TerminalError):
    """No (complete) answer in time: the payment's outcome is unknown until asked again."""

    state = "terminal not answering"
