"""Receiving rules: what a delivery's counts mean against its purchase order.

Per line: ``counted`` is everything that arrived now, ``damaged`` the part of it that cannot be
sold (it does not go on hand); ``good = counted − damaged`` goes on hand and fills the PO line.
Against a PO, ``outstanding = ordered − received before``; a line counted above it is *over*,
below it *short* (the PO stays open for the rest); an item not on the PO is *unexpected*.
A free delivery (no PO) has only damaged discrepancies.
"""

from __future__ import annotations

from dataclasses import dataclass

DISCREPANCY_KINDS = ("over", "short", "damaged", "unexpected")


@dataclass(frozen=True)
class CountedLine:
    sku: str
    on_po: bool
    ordered: int  # on the PO (0 when not on it)
    before: int  # received against the PO before this delivery
    counted: int
    damaged: int

    @property
    def outstanding(self) -> int:
        return max(self.ordered - self.before, 0)

    @property
    def good(self) -> int:
        return self.counted - self.damaged

    @property
    def diff(self) -> int:
        """Counted minus what was still to come (0 for a free delivery's line)."""
        return self.counted - self.outstanding if self.on_po else 0


@dataclass(frozen=True)
class Discrepancy:
    sku: str
    kind: str
    quantity: int

    def to_json(self) -> dict[str, object]:
        return {"sku": self.sku, "kind": self.kind, "quantity": self.quantity}


def discrepancies(lines: list[CountedLine], against_po: bool) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    for ln in lines:
        if against_po and not ln.on_po:
            if ln.counted:
                out.append(Discrepancy(ln.sku, "unexpected", ln.counted))
        elif against_po:
            if ln.diff > 0:
                out.append(Discrepancy(ln.sku, "over", ln.diff))
            elif ln.diff < 0:
                out.append(Discrepancy(ln.sku, "short", -ln.diff))
        if ln.damaged:
            out.append(Discrepancy(ln.sku, "damaged", ln.damaged))
    return out
