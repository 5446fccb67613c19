"""The error bases the register and the central both raise and catch.

    PosError
    └── InputError            bad input from a user or a file; nothing was written
        └── BarcodeError      a scan or typed code that cannot be used ("bad check digit", ...)
    WireError (ValueError)    a malformed field of a request, an answer or an event payload

The register's tree (``pos_terminal.errors``) grows from ``PosError``; the central translates
these into its own (``pos_central.errors.BadInput`` for input, a per-event rejection or a 422 for
a ``WireError``) where it calls the protocol's readers.
"""

from __future__ import annotations


class PosError(Exception):
    """Base of every error the project raises on purpose; ``message`` is for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(PosError):
    pass


class BarcodeError(InputError):
    pass


class WireError(ValueError):
    """A malformed value; ``field`` is a dotted path such as ``events[3].payload.movements``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
