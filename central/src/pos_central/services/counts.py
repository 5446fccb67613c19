"""Stock counts at the central: counts of one product by two registers at the same time.

A posted count is a ``count_variance`` delta: counted minus the register's on-hand at the
moment the item was counted. Two registers of a store counting the same product while neither
knew of the other's count (their windows overlap: each line was counted before the other
count was posted) both post a delta from an on-hand that did not include the other's: if both
found the same missing units, the store's on-hand drops twice. The register cannot see this
(it is offline-first), and the central cannot tell which count is right, so the rule is:

- both variances stand (they are deltas in an append-only ledger; nothing is rewritten);
- the count posted second is flagged for review here, naming the first; a manager recounts
  the product and corrects it with an adjustment or a new count.

A count posted before the other was *counted* is not an overlap: the other register either
had pulled its variance (its on-hand included it) or corrects itself when the variance
arrives late (``pos_terminal.services.counting``, reason ``count correction``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from pos_central.clock import iso, utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read
from pos_protocol import from_wire_time, wire


@dataclass(frozen=True)
class CountLine:
    store: str
    register: str
    reference: str  # the count session id
    number: int | None
    sku: str
    counted: int
    variance: int
    counted_at: datetime
    posted_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"register": self.register, "reference": self.reference,
                "number": self.number, "counted": self.counted, "variance": self.variance,
                "counted_at": iso(self.counted_at), "posted_at": iso(self.posted_at)}


@dataclass(frozen=True)
class Overlap:
    """``second`` was posted after ``first`` although both counted before either posted."""

    first: CountLine
    second: CountLine

    def to_json(self) -> dict[str, Any]:
        return {"store": self.second.store, "sku": self.second.sku,
                "review": self.second.to_json(), "overlaps": self.first.to_json(),
                "combined_variance": self.first.variance + self.second.variance}


def _lines(engine: Engine, store: str | None, since: datetime) -> list[CountLine]:
    e, r = t.events, t.registers
    q = (select(e.c.store, r.c.code, e.c.occurred_at, e.c.payload)
         .join(r, r.c.id == e.c.register_id)
         .where(e.c.type == "stock.counted", e.c.occurred_at >= since))
    if store:
        q = q.where(e.c.store == store)
    out: list[CountLine] = []
    with read(engine) as conn:
        rows = conn.execute(q).all()
    for st, reg, posted, payload in rows:
        try:
            count = wire.StockCounted.parse(json.loads(payload))
        except ValueError:  # not JSON, or (WireError) an odd payload: nothing to compare
            continue
        if count.correction:
            continue  # late corrections are not counts of their own
        out.extend(CountLine(st, reg, count.reference, count.number, ln.sku, ln.counted,
                             ln.variance, from_wire_time(ln.counted_at), posted)
                   for ln in count.lines
                   if ln.counted_at is not None)  # an older payload's line: nothing to compare
    return out


def overlapping(engine: Engine, store: str | None = None, days: int = 90) -> list[Overlap]:
    """Counts to review: per store and product, each count posted while another register's
    count of it was under way (see the module docstring), newest first."""
    by_key: dict[tuple[str, str], list[CountLine]] = {}
    for ln in _lines(engine, store, utc_now() - timedelta(days=days)):
        by_key.setdefault((ln.store, ln.sku), []).append(ln)
    found: list[Overlap] = []
    for lines in by_key.values():
        lines.sort(key=lambda x: (x.posted_at, x.register))
        for i, second in enumerate(lines):
            for first in lines[:i]:
                if first.register == second.register:
                    continue  # one register counts a product in one open count at a time
                if second.counted_at < first.posted_at and first.counted_at < second.posted_at \
                        and (first.variance or second.variance):
                    found.append(Overlap(first, second))
                    break
    found.sort(key=lambda o: o.second.posted_at, reverse=True)
    return found
