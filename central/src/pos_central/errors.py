"""The central service's error tree. Each error carries a message an installer or admin can act
on, the HTTP status the API answers with, and (for bad input) the offending field.

    CentralError
    ├── BadInput        422  malformed input (a field, a file, a command-line value)
    ├── Unauthorized    401  a missing, unknown or revoked token; an unknown enrollment code
    ├── Forbidden       403  a token that may not do this (another store's data, a register on an
    │                        admin route); a used or expired enrollment code
    ├── NotFound        404  an unknown store, register, product or proposal
    ├── Conflict        409  the thing exists already / the state does not allow the change
    ├── TooLarge        413  a batch over the event-count or byte limit
    ├── Unsupported     415  a Content-Encoding other than gzip
    └── StorageError    503  the database could not be used (unreachable, locked, full)

Third-party exceptions (SQLAlchemy, psycopg, the register's ``InputError``) are translated into
these at the boundary (``db/``, the services that call ``catalog_csv``) so no traceback reaches
an admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class CentralError(Exception):
    status = 500

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class BadInput(CentralError):
    status = 422


class Unauthorized(CentralError):
    status = 401


class Forbidden(CentralError):
    status = 403


class NotFound(CentralError):
    status = 404


class Conflict(CentralError):
    status = 409


class TooLarge(CentralError):
    status = 413


class Unsupported(CentralError):
    status = 415


class StorageError(CentralError):
    status = 503


def plain_fields(items: Iterable[tuple[Any, Any]]) -> None:
    """Refuse (BadInput, naming it) a parameter or form field whose name or value no database
    can be queried with (a NUL character): ``items`` are (name, value) pairs."""
    from pos_protocol.wire import text_problem

    for key, value in items:
        for text in (key, value):
            why = text_problem(text) if isinstance(text, str) else None
            if why:
                raise BadInput(f"{key!r}: {why}", str(key)[:64])
