"""The ``pos-central`` command (filled in by the sync work)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("pos-central: not built yet", file=sys.stderr)
    return 1
