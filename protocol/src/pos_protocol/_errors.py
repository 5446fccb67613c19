"""The error bases the register and the central both raise and catch.

    PosError
    └── InputError            bad input from a user or a file; nothing was written
        └── BarcodeError      a scan or typed code that cannot be used ("bad check digit", ...)

The register's tree (``pos_terminal.errors``) grows from these; the central translates them into
its own (``pos_central.errors.BadInput``) where it calls the protocol's readers. ``WireError``
(``pos_protocol.wire``) is apart: a malformed field of a request or an answer, with its path.
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
