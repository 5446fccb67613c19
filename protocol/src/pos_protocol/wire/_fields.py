"""Checks of single JSON values, each raising ``WireError`` with the field's dotted path.

``where`` is the path of the object holding ``key`` (``""`` at the top of a body).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol._wiretime import WIRE_TIME

MAX_QUANTITY = 10**9
_CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def text(obj: dict[str, Any], key: str, where: str, max_len: int = 200,
         required: bool = True) -> str:
    return text_value(obj.get(key), path(where, key), max_len, required)


def text_value(v: Any, p: str, max_len: int = 200, required: bool = True) -> str:
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v):
        raise WireError(p, "expected a non-empty string")
    if len(v) > max_len:
        raise WireError(p, f"longer than {max_len} characters")
    return v


def integer(obj: dict[str, Any], key: str, where: str, required: bool = True,
            lo: int = -MAX_QUANTITY, hi: int = MAX_QUANTITY) -> int | None:
    v = obj.get(key)
    if v is None and not required:
        return None
    return integer_value(v, path(where, key), lo, hi)


def integer_value(v: Any, p: str, lo: int = -MAX_QUANTITY, hi: int = MAX_QUANTITY) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise WireError(p, "expected an integer")
    if not lo <= v <= hi:
        raise WireError(p, f"out of range {lo}..{hi}")
    return v


def time(obj: dict[str, Any], key: str, where: str) -> str:
    return time_value(obj.get(key), path(where, key))


def time_value(v: Any, p: str) -> str:
    v = text_value(v, p, 40)
    if not WIRE_TIME.match(v):
        raise WireError(p, "expected an ISO-8601 UTC time like 2026-11-24T15:04:05.123Z")
    return v


def opt_time(obj: dict[str, Any], key: str, where: str = "") -> str | None:
    return None if obj.get(key) is None else time(obj, key, where)


def uid(obj: dict[str, Any], key: str, where: str) -> str:
    return uid_value(obj.get(key), path(where, key))


def uid_value(v: Any, p: str) -> str:
    v = text_value(v, p, 36)
    if _CANONICAL_UUID.match(v):  # the usual form, without building a UUID (ingest hot path)
        return v
    try:
        uuid.UUID(v)
    except ValueError as exc:
        raise WireError(p, "expected a UUID") from exc
    return v


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(where, "expected an object")
    return value


def flag(o: dict[str, Any], key: str, where: str = "", default: bool = False) -> bool:
    return flag_value(o.get(key, default), path(where, key))


def flag_value(v: Any, p: str) -> bool:
    if not isinstance(v, bool):
        raise WireError(p, "expected true or false")
    return v


def items(o: dict[str, Any], key: str, where: str = "") -> list[Any]:
    v = o.get(key)
    if not isinstance(v, list):
        raise WireError(path(where, key), "expected a list")
    return v


def objects(o: dict[str, Any], key: str, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, object) for each item of the list ``o[key]``: the one page-parser loop."""
    p = path(where, key)
    for i, raw in enumerate(items(o, key, where)):
        w = f"{p}[{i}]"
        yield w, obj(raw, w)


def sku_lines(value: Any, where: str) -> list[tuple[str, dict[str, Any], str]]:
    """(field path, line, SKU) of a non-empty list of lines keyed by SKU, each SKU once (the
    lines of PO drafts and transfers)."""
    if not isinstance(value, list) or not value:
        raise WireError(where, "expected a non-empty list")
    out: list[tuple[str, dict[str, Any], str]] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        w = f"{where}[{i}]"
        ln = obj(raw, w)
        sku = text(ln, "sku", w, 64)
        if sku in seen:
            raise WireError(f"{w}.sku", f"SKU {sku} appears twice")
        seen.add(sku)
        out.append((w, ln, sku))
    return out
