"""Helpers shared by the tests (importable as ``support``; not fixtures)."""

from __future__ import annotations


def unit_code(products: list[dict], **match: object) -> str:
    """The first unit barcode of the first product whose fields match."""
    for p in products:
        if all(p.get(k) == v for k, v in match.items()):
            for b in p["barcodes"]:
                if "multiplier" not in b:
                    return b["code"]
    raise LookupError(match)
