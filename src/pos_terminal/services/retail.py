"""Retail rules at the register: the promotion index of the current catalog, catalog storage
of promotions and deposit types, and the store's deposit tax rule.

The index is built once per change of the stored promotions: every store bumps the
``promotions`` counter, and ``PromotionCache.current`` compares it (one primary-key read per
scan) before rebuilding; never per scan.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pos_protocol import wire
from pos_terminal.config import Section, check_keys
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.promotions import PromotionIndex
from pos_terminal.domain.retail import FOLLOW_ITEM, build_index
from pos_terminal.errors import ConfigError

_FINGERPRINT = "SELECT value FROM counters WHERE name = 'promotions'"
PROMOTIONS_COUNTER = "promotions"


class PromotionCache:
    """The active promotions as an engine index, rebuilt only when the table changed."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._index = PromotionIndex.build(())
        self.skipped: list[str] = []
        self._lock = threading.Lock()

    def current(self, conn: Connection) -> PromotionIndex:
        key = tuple(conn.exec_driver_sql(_FINGERPRINT).all())
        with self._lock:
            if key != self._key:
                rows = conn.execute(select(t.promotions.c.rule)
                                    .where(t.promotions.c.active.is_(True))).scalars()
                self._index, self.skipped = build_index(json.loads(r) for r in rows)
                self._key = key
            return self._index


def store_rules(conn: Connection, promotions: Iterable[wire.PromotionRule],
                deposits: Iterable[wire.DepositType], now: str) -> int:
    """Upsert catalog promotions and deposit types (inactive ones are kept, switched off)."""
    n = 0
    for p in promotions:
        ins = sqlite_insert(t.promotions).values(
            promo_id=p.promo_id, label=p.label, kind=p.kind, rule=json.dumps(p.rule),
            active=p.active, updated_at=now)
        conn.execute(ins.on_conflict_do_update(
            index_elements=["promo_id"],
            set_={c: ins.excluded[c] for c in ("label", "kind", "rule", "active", "updated_at")}))
        n += 1
    if n:
        next_number(conn, PROMOTIONS_COUNTER)  # the register's promotion index is stale now
    for d in deposits:
        ins = sqlite_insert(t.deposit_types).values(
            code=d.code, name=d.name, amount=d.amount, tax_code=d.tax_class, active=d.active,
            updated_at=now)
        conn.execute(ins.on_conflict_do_update(
            index_elements=["code"],
            set_={c: ins.excluded[c] for c in ("name", "amount", "tax_code", "active",
                                               "updated_at")}))
        n += 1
    return n


def clear_promotions(conn: Connection) -> None:
    conn.execute(delete(t.promotions))
    next_number(conn, PROMOTIONS_COUNTER)


def deposit_tax(conn: Connection, rule: str) -> tuple[str, int] | None:
    """The store's ``[retail] deposit_tax``: ``follow`` (None) or a tax class's (code, rate)."""
    if not rule or rule == FOLLOW_ITEM:
        return None
    rate = conn.execute(select(t.tax_classes.c.rate_ppm)
                        .where(t.tax_classes.c.code == rule)).scalar()
    if rate is None:
        raise ConfigError(f"[retail] deposit_tax: tax class {rule!r} is not set up at this "
                          f"register; use one of the [tax_classes] codes or {FOLLOW_ITEM!r}")
    return rule, int(rate)


def promotion_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(t.promotions)
                        .where(t.promotions.c.active.is_(True))).scalar_one()


CONFIG_SECTIONS = (Section("retail", ("deposit_tax", "voucher_rest")),)


def load_deposit_tax(ctx: Any, paths: Any) -> tuple[str, int] | None:
    """``[retail] deposit_tax`` of the register's config: ``"follow"`` (the default: a deposit
    is taxed like its item) or a tax class code (every deposit in that class, unless the
    central gave the deposit type its own class)."""
    from pos_terminal.config import attributed, load_raw

    raw = load_raw(paths)
    with attributed(raw):
        sec = raw.get("retail", {})
        if not isinstance(sec, dict):
            raise ConfigError(f"{paths.config}: [retail]: expected a section (a table)")
        check_keys(raw, "retail", paths.config)
        rest = sec.get("voucher_rest", "cash")
        if rest not in ("cash", "voucher"):
            raise ConfigError(f'{paths.config}: [retail] voucher_rest: expected "cash" (pay '
                              'out what a voucher is worth beyond the sale) or "voucher" (a '
                              'new voucher for it)')
        rule = sec.get("deposit_tax", FOLLOW_ITEM)
        if not isinstance(rule, str) or not rule.strip():
            raise ConfigError(f'{paths.config}: [retail] deposit_tax: expected "{FOLLOW_ITEM}" '
                              "or a tax class code")
        with ctx.read() as conn:
            return deposit_tax(conn, rule.strip())


def load_voucher_rest(paths: Any) -> str:
    """``[retail] voucher_rest``: ``"cash"`` (default) or ``"voucher"``; checked by
    ``load_deposit_tax``, which reads the same section first."""
    from pos_terminal.config import load_raw

    sec = load_raw(paths).get("retail", {})
    return str(sec.get("voucher_rest", "cash")) if isinstance(sec, dict) else "cash"
