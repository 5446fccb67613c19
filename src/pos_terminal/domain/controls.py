"""Loss-prevention controls: which audited actions a store owner counts, and what each moved.

The audit log (``audit_log``) holds every override with its cashier, approver, reason, items and
value. X and Z reports count and value the actions in ``COUNTED`` per shift, and
``pos-terminal report overrides`` by cashier and day: the shrinkage view of the till.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pos_protocol.money import round_div
from pos_terminal.domain.cart import Override, Totals

# Audited actions counted on X/Z and in the overrides report, with the words people read.
COUNTED: dict[str, str] = {
    "void_line": "Voided lines",
    "void_sale": "Voided sales",
    "price_override": "Price overrides",
    "sale_discount": "Manual discounts",
    "refund": "Refunds",
    "paid_out": "Paid outs",
    "paid_in": "Paid ins",
    "void_after_tender": "Payments voided",
}
# Also in the overrides report (approvals and sign-offs; no-sale opens have their own X/Z line).
REPORTED: dict[str, str] = {
    **COUNTED,
    "no_sale": "No-sale drawer opens",
    "blind_return": "Blind returns",
    "refund_tender": "Refunds to another tender",
    "quantity_limit": "Over a quantity limit",
    "close_difference": "Count differences signed off",
}


def label(action: str) -> str:
    return REPORTED.get(action, action.replace("_", " ").capitalize())


def override_values(overrides: Sequence[Override], totals: Totals) -> list[int | None]:
    """The money each of a sale's overrides gave away, as the sale was completed (amounts as
    on the sale: before tax in sales-tax mode).

    A price override is worth the line at its catalog price less the line at the new price; a
    line discount is the line's manual discount; a sale discount is what it took off all the
    lines. When one line was overridden twice, the last override carries the value (the
    earlier ones were replaced: 0). Approvals that move no money (an age check, a quantity
    limit) have None.
    """
    lines = {p.line.line_no: p for p in totals.lines}
    last: dict[tuple[str, int | None], int] = {}
    for i, o in enumerate(overrides):
        last[(o.action, o.line_no)] = i
    out: list[int | None] = []
    for i, o in enumerate(overrides):
        if o.action not in ("price_override", "sale_discount"):
            out.append(None)
            continue
        if last[(o.action, o.line_no)] != i:
            out.append(0)
            continue
        if o.line_no is None:  # the sale discount, spread over the lines
            out.append(sum(p.sale_discount for p in totals.lines)
                       if o.action == "sale_discount" else None)
            continue
        p = lines.get(o.line_no)
        if p is None:  # the line was voided after the override
            out.append(0)
        elif o.action == "price_override":
            ln = p.line
            at_catalog = round_div(ln.qty * (ln.original_price or ln.price), ln.price_per)
            out.append(at_catalog - ln.gross)
        else:
            out.append(p.line.discount)
    return out


def audited(overrides: Sequence[Override], totals: Totals) -> list[tuple[Override, int | None]]:
    """A completed sale's overrides as the audit log keeps them: each with its value
    (``override_values``) and, where the approval left none, the item it changed ("line 2
    100001 Still Mineral Water") or "whole sale"."""
    lines = {p.line.line_no: p.line for p in totals.lines}
    out = []
    for o, value in zip(overrides, override_values(overrides, totals), strict=True):
        if not o.detail and o.action in ("price_override", "sale_discount"):
            ln = lines.get(o.line_no) if o.line_no is not None else None
            if o.line_no is None:
                o = replace(o, detail="whole sale")
            elif ln is not None:
                o = replace(o, detail=f"line {o.line_no} {ln.item.sku} {ln.item.name}".strip())
            else:
                o = replace(o, detail=f"line {o.line_no} (voided)")
        out.append((o, value))
    return out
