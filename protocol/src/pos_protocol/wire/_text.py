"""Text a database can hold.

Any Unicode the wire allows is kept as sent, but for two things JSON can carry and no database
column can hold or be queried with: the NUL character (``\\u0000``) and half of a surrogate pair
(``\\ud800`` alone; a whole pair is one character and fine). The central refuses both (422
naming the field) in any event, body, parameter or form.
"""

from __future__ import annotations

import re
from typing import Any

from pos_protocol._errors import WireError

_SURROGATE = re.compile("[\ud800-\udfff]")
# what a JSON text must contain for either to be in it (escapes: raw bytes cannot be either)
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2})")


def text_problem(text: str) -> str | None:
    """Why a database cannot store or query ``text``, or None."""
    if "\x00" in text:
        return "contains a NUL character (U+0000), which cannot be stored"
    if not text.isascii() and _SURROGATE.search(text):
        return "contains half of a surrogate pair (an escape like \\ud800 alone), which is not text"
    return None


def unstorable(value: Any, where: str = "") -> WireError | None:
    """The first string in ``value`` (a key or a value, at any depth) a database cannot store or
    query, as a WireError naming its field (``events[3].payload.note``); None when all can."""
    if isinstance(value, str):
        why = text_problem(value)
        return WireError(where or "body", why) if why else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            why = text_problem(key) if isinstance(key, str) else None
            if why:
                return WireError(f"{where}.{key!r}" if where else repr(key), f"a key {why}")
            found = unstorable(item, path)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable(item, f"{where}[{i}]")
            if found:
                return found
    return None
