"""``doctor ports`` and ``doctor scanner`` (filled in by the devices work)."""

from __future__ import annotations

from typing import Any


def add_parsers(sub: Any) -> None:
    """Add the ``ports`` and ``scanner`` checks to the doctor sub-parsers."""
