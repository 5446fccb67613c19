"""The project's error tree. Every error carries a message a cashier or installer can act on.

    PosError
    ├── InputError            bad input from a user or a file; nothing was written
    │   ├── BarcodeError      a scan or typed code that cannot be used ("bad check digit", ...)
    │   ├── QuantityError     zero, negative or absurd quantities
    │   └── PaymentError      short cash, unknown tender, bad amount
    ├── NotFoundError         an unknown product, receipt, user, parked sale
    ├── RuleError             a business rule refuses the action (return more than sold, ...)
    ├── AuthError             wrong PIN, locked out, role too low
    │   └── ApprovalRequired  the action needs someone's approval first (its ``action``)
    ├── ConfigError           a config file or value is wrong: names the file, key and expectation
    └── StorageError          the database could not be used (full disk, locked, corrupt)

``PosError``, ``InputError`` and ``BarcodeError`` are the protocol package's (``pos_protocol``),
shared with the central. Third-party exceptions are translated into these at the boundary (db/,
hardware/, sync/).
"""

from __future__ import annotations

# The bases come from the protocol package, which the central shares: money, barcodes and the
# catalog CSV reader raise them on both sides. They are part of this tree, so listed here.
from pos_protocol import BarcodeError, InputError, PosError

__all__ = [
    "ApprovalRequired", "AuthError", "BarcodeError", "ConfigError", "InputError", "NotFoundError",
    "PaymentError", "PosError", "QuantityError", "RuleError", "StorageError",
]


class QuantityError(InputError):
    pass


class PaymentError(InputError):
    pass


class NotFoundError(PosError):
    pass


class RuleError(PosError):
    pass


class AuthError(PosError):
    pass


class ApprovalRequired(AuthError):
    """Refused until someone with a higher role approves ``action`` (``domain.users``'s
    ``REQUIRED_ROLE``): the window asks for their PIN and a reason, then tries again."""

    def __init__(self, action: str, message: str, approvers: list[str] | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.approvers = approvers or []  # who may approve it (filled in by the window)


class ConfigError(PosError):
    pass


class StorageError(PosError):
    pass
