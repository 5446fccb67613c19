"""GS1 check digits for codes we generate (demo and test catalogs)."""

from __future__ import annotations


def check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit for a payload of digits (weights 3,1,3,... from the right)."""
    digits = [int(d) for d in payload]
    total = 3 * sum(digits[-1::-2]) + sum(digits[-2::-2])
    return str((10 - total % 10) % 10)


def with_check_digit(payload: str) -> str:
    return payload + check_digit(payload)
