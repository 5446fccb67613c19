"""Sync errors: what httpx, sockets, TLS and the central answer, in words an installer can act on.

    PosError
    └── SyncError                     a push, pull or enrollment did not happen
        ├── CentralUnreachableError   no answer: refused, DNS, timeout, reset (retried)
        ├── CentralTLSError           the certificate cannot be verified (retried; fix the CA)
        ├── CentralServerError        5xx / 429, or a body we cannot read (retried)
        ├── NotEnrolledError          401/403 on a register call: token missing or revoked (stop)
        ├── EnrollmentError           a wrong, used or expired enrollment code
        ├── BatchTooLargeError        413: send a smaller batch
        ├── BatchRejectedError        422/400: the batch's shape (names events when it can)
        ├── NotProvisionedError       no central configured for this register
        └── SyncLockedError           another process syncs this register's outbox

``httpx.*`` exceptions and ``OSError`` never leave ``sync/``.
"""

from __future__ import annotations

from pos_terminal.errors import PosError

RUN_PROVISION = "run pos-terminal provision --central URL --code CODE"


class SyncError(PosError):
    """A sync call did not happen; ``retry`` says whether trying again later can help."""

    retry = True


class CentralUnreachableError(SyncError):
    pass


class CentralTLSError(SyncError):
    pass


class CentralServerError(SyncError):
    def __init__(self, message: str, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NotEnrolledError(SyncError):
    retry = False

    def __init__(self, detail: str = "") -> None:
        text = f"not enrolled / token revoked: {RUN_PROVISION}"
        super().__init__(f"{text} ({detail})" if detail else text)
        self.detail = detail


class EnrollmentError(SyncError):
    retry = False


class BatchTooLargeError(SyncError):
    pass


class BatchRejectedError(SyncError):
    """The central refused the whole batch (422/400: its shape or text it cannot store; 403:
    an event naming another store's object); ``field`` as it named it (``events[3]…``)."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class NotProvisionedError(SyncError):
    retry = False


class SyncLockedError(SyncError):
    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid
