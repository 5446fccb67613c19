"""JSON in and out of the ingest path, through orjson (the central's hot path spends more time
in JSON than in PostgreSQL), with the standard library as the fallback for what orjson refuses
to write (lone surrogates from ``\\ud800`` escapes, integers beyond 64 bits)."""

from __future__ import annotations

import json
from typing import Any

import orjson

_ASCII = json.JSONEncoder(separators=(",", ":"))


def loads(raw: bytes | str) -> Any:
    """Parse a request body; NaN and Infinity are refused (they are not JSON).

    orjson refuses escaped lone surrogates (``"\\ud800"``), which JSON allows: such a body goes
    through the standard library instead, so what is accepted does not depend on the parser.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def dumps(value: Any) -> str:
    """Compact JSON text, UTF-8 characters kept as they are."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a lone surrogate or a huge integer: keep it, escaped
        return _ASCII.encode(value)
