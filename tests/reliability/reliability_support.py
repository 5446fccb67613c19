"""Sizes for the reliability suite: reduced by default, full under ``POS_RELIABILITY_FULL=1``."""

from __future__ import annotations

import os

FULL = os.environ.get("POS_RELIABILITY_FULL", "") not in ("", "0")


def size(reduced: int, full: int) -> int:
    """The reduced size, or the full one under ``POS_RELIABILITY_FULL=1``."""
    return full if FULL else reduced
