"""Retail rules from the catalog: promotion rules into engine objects, deposits, tare.

Pure. A promotion arrives as the wire's normalised JSON (``pos_protocol.wire.parse_promotion``);
SKUs name the products, so a rule means the same at every register whatever its local ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from pos_terminal.domain.promotions import (
    ALWAYS,
    Bundle,
    DepartmentDeal,
    Match,
    MultiBuy,
    Promotion,
    PromotionIndex,
    Window,
)
from pos_terminal.errors import InputError, QuantityError

FOLLOW_ITEM = "follow"  # [retail] deposit_tax: a deposit is taxed like the item it rides on


def _window(w: Mapping[str, Any] | None) -> Window:
    if not w:
        return ALWAYS
    days = w.get("weekdays")
    return Window(
        start_date=date.fromisoformat(w["start_date"]) if w.get("start_date") else None,
        end_date=date.fromisoformat(w["end_date"]) if w.get("end_date") else None,
        weekdays=frozenset(days) if days is not None else None,
        start_time=time.fromisoformat(w["start_time"]) if w.get("start_time") else None,
        end_time=time.fromisoformat(w["end_time"]) if w.get("end_time") else None,
    )


def promotion_from_rule(rule: Mapping[str, Any]) -> Promotion:
    """An engine promotion from a catalog rule; ``InputError`` names what is wrong."""
    pid, label, kind = rule["id"], rule["label"], rule["kind"]
    window = _window(rule.get("window"))
    if kind == "multibuy":
        return MultiBuy(pid, label, Match(skus=frozenset(rule["skus"])), rule["qty"],
                        rule.get("pay_for"), rule.get("price"), window)
    if kind == "bundle":
        return Bundle(pid, label, tuple(Match(skus=frozenset(s)) for s in rule["slots"]),
                      rule["price"], window)
    if kind == "department":
        return DepartmentDeal(pid, label, rule["department"], rule.get("percent_ppm") or 0,
                              rule.get("amount_off") or 0, window)
    raise InputError(f"promotion {pid}: unknown kind {kind!r}")


def build_index(rules: Iterable[Mapping[str, Any]]) -> tuple[PromotionIndex, list[str]]:
    """The index of the usable rules, and a line per rule left out (and why)."""
    promos: list[Promotion] = []
    skipped: list[str] = []
    for r in rules:
        try:
            promos.append(promotion_from_rule(r))
        except (InputError, KeyError, ValueError, TypeError) as exc:
            skipped.append(f"promotion {r.get('id', '?')}: {exc}")
    return PromotionIndex.build(promos), skipped


def net_weight(entered: int, tare: int) -> int:
    """The weight sold when ``entered`` base units were weighed at the register with a tare."""
    if tare <= 0:
        return entered
    if entered <= tare:
        raise QuantityError(
            f"the weight {entered} is not more than the container's tare {tare}: "
            "weigh the goods in their container, or enter the net weight")
    return entered - tare
