"""GS1 check digits for codes we generate (demo and test catalogs)."""

from __future__ import annotations


def check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit for a payload of digits (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def with_check_digit(payload: str) -> str:
    return payload + check_digit(payload)
