"""``doctor printer`` (filled in by the devices work)."""

from __future__ import annotations

from typing import Any


def add_parsers(sub: Any) -> None:
    """Add the ``printer`` check to the doctor sub-parsers."""
