"""Retail rules in the catalog: promotions and container deposits (issue 10; additive in v1).

A catalog page may carry ``"promotions": [PromotionRule, ...]`` and ``"deposits":
[DepositType, ...]`` changed after ``since`` (they take versions from the same counter as the
products), and a product may carry ``"deposit": code`` and ``"tare": base units``. Registers
that predate these fields ignore them; a page without them means "no change".
PromotionRule: ``{"id", "label", "kind": "multibuy"|"bundle"|"department", "version",
"active", "window": {...}}`` plus, by kind, ``skus, qty, pay_for|price`` / ``slots: [[sku,
...], ...], price`` / ``department, percent_ppm|amount_off``; docs/promotions.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f

PROMOTION_KINDS = ("multibuy", "bundle", "department")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class PromotionRule:
    """A promotion as the central stores and sends it; ``rule`` is the normalised JSON."""

    promo_id: str
    label: str
    kind: str
    rule: dict[str, Any]
    version: int = 0
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {**self.rule, "version": self.version, "active": self.active}


@dataclass(frozen=True)
class DepositType:
    """A container deposit (bottle, can, crate); ``tax_class`` None: the store's rule decides."""

    code: str
    name: str
    amount: int
    tax_class: str | None = None
    version: int = 0
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _skus(v: Any, where: str) -> list[str]:
    if not isinstance(v, list) or not v:
        raise WireError(where, "expected a non-empty list of SKUs")
    out = []
    for i, s in enumerate(v):
        if not isinstance(s, str) or not s or len(s) > 64:
            raise WireError(f"{where}[{i}]", "expected a SKU")
        out.append(s)
    return sorted(set(out))


def _window(v: Any, where: str) -> dict[str, Any]:
    w = f.obj(v, where)
    out: dict[str, Any] = {}
    for key in ("start_date", "end_date"):
        if w.get(key) is not None:
            if not isinstance(w[key], str) or not _DATE.match(w[key]):
                raise WireError(f"{where}.{key}", "expected a date like 2026-12-24")
            out[key] = w[key]
    for key in ("start_time", "end_time"):
        if w.get(key) is not None:
            if not isinstance(w[key], str) or not _HHMM.match(w[key]):
                raise WireError(f"{where}.{key}", "expected a time like 17:30")
            out[key] = w[key]
    if ("start_time" in out) != ("end_time" in out):
        raise WireError(where, "a daily time window needs both start_time and end_time")
    if w.get("weekdays") is not None:
        days = w["weekdays"]
        if not isinstance(days, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
            raise WireError(f"{where}.weekdays", "expected a list of 0 (Monday) to 6 (Sunday)")
        out["weekdays"] = sorted(set(days))
    return out


def _percent_ppm(obj: dict[str, Any], where: str) -> int | None:
    """``percent_ppm`` as given, or ``percent`` ("12.5" or 10) in parts per million."""
    if obj.get("percent") is None:
        return f.integer(obj, "percent_ppm", where, required=False, lo=1, hi=1_000_000)
    v = obj["percent"]
    m = re.match(r"^(\d{1,3})(?:\.(\d{1,4}))?$", str(v)) if not isinstance(v, bool) else None
    if m is None:
        raise WireError(f"{where}.percent", "expected a percentage like 10 or 12.5")
    ppm = int(m.group(1)) * 10_000 + int((m.group(2) or "").ljust(4, "0"))
    if not 0 < ppm <= 1_000_000:
        raise WireError(f"{where}.percent", "expected more than 0 and at most 100")
    return ppm


def parse_promotion(obj: Any, where: str = "promotion") -> PromotionRule:
    """Validate a promotion (catalog page or an import file) into its normalised form."""
    o = f.obj(obj, where)
    pid = f.text(o, "id", where, 64)
    label = f.text(o, "label", where, 60)
    kind = f.text(o, "kind", where, 16)
    rule: dict[str, Any] = {"id": pid, "label": label, "kind": kind}
    if kind == "multibuy":
        rule["skus"] = _skus(o.get("skus"), f"{where}.skus")
        qty = f.integer(o, "qty", where, lo=1, hi=1000) or 0
        pay_for = f.integer(o, "pay_for", where, required=False, lo=1, hi=qty - 1 if qty > 1 else 0)
        price = f.integer(o, "price", where, required=False, lo=0)
        if (pay_for is None) == (price is None):
            raise WireError(where, "a multibuy needs either pay_for or a price")
        rule.update(qty=qty, **({"pay_for": pay_for} if pay_for else {"price": price}))
    elif kind == "bundle":
        slots = o.get("slots")
        if not isinstance(slots, list) or not slots:
            raise WireError(f"{where}.slots", "expected a list of SKU lists")
        rule["slots"] = [_skus(s, f"{where}.slots[{i}]") for i, s in enumerate(slots)]
        rule["price"] = f.integer(o, "price", where, lo=0)
    elif kind == "department":
        rule["department"] = f.text(o, "department", where, 100)
        ppm = _percent_ppm(o, where)
        off = f.integer(o, "amount_off", where, required=False, lo=1)
        if (ppm is None) == (off is None):
            raise WireError(where, "a department deal needs either a percent or an amount_off")
        rule.update({"percent_ppm": ppm} if ppm else {"amount_off": off})
    else:
        raise WireError(f"{where}.kind", "expected multibuy, bundle or department")
    if o.get("window") is not None:
        win = _window(o["window"], f"{where}.window")
        if win:
            rule["window"] = win
    active = f.flag(o, "active", where, default=True)
    version = f.integer(o, "version", where, required=False, lo=0, hi=2**62) or 0
    return PromotionRule(pid, label, kind, rule, version, active)


def parse_deposit(obj: Any, where: str = "deposit") -> DepositType:
    o = f.obj(obj, where)
    active = f.flag(o, "active", where, default=True)
    return DepositType(
        code=f.text(o, "code", where, 16), name=f.text(o, "name", where, 60),
        amount=f.integer(o, "amount", where, lo=0) or 0,
        tax_class=f.text(o, "tax_class", where, 16, required=False) or None,
        version=f.integer(o, "version", where, required=False, lo=0, hi=2**62) or 0,
        active=active,
    )


def retail_lists(body: dict[str, Any]
                  ) -> tuple[tuple[PromotionRule, ...], tuple[DepositType, ...]]:
    promos, deps = body.get("promotions") or [], body.get("deposits") or []
    if not isinstance(promos, list):
        raise WireError("promotions", "expected a list")
    if not isinstance(deps, list):
        raise WireError("deposits", "expected a list")
    return (tuple(parse_promotion(p, f"promotions[{i}]") for i, p in enumerate(promos)),
            tuple(parse_deposit(d, f"deposits[{i}]") for i, d in enumerate(deps)))
