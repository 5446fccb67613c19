"""Stock counts at the register: sessions over a scope, scan-and-count, recounts, posting.

A session fixes its scope when it starts (one ``count_lines`` row per product, ``counted``
NULL). Counting a line records the on-hand at that moment (``on_hand_at_count``; a recount takes
a fresh one). Posting writes, per counted line, one ``count_variance`` movement of counted minus
that on-hand, all in one transaction with one ``stock.counted`` event. Deltas commute, so sales
made on other registers meanwhile merge at the central without a lost update.

Late movements. A sibling register's sale made offline *before* the count moment reaches this
register only after it: the on-hand at count did not include it, yet the item was already gone
from the shelf, so the variance subtracts it a second time. When pulled sibling movements are
older than a count of their product (``on_pulled_siblings``, in the pull's transaction):

- if a posted count line of the product was counted after the movement, one correcting
  ``count_variance`` movement (the opposite quantity, reason ``count correction``) is written
  for it, with a ``stock.counted`` event marked ``correction``;
- otherwise each open line counted after the movement keeps it in ``late``, and its variance
  becomes counted − (on_hand_at_count + late).

So after everything has synced, on-hand = counted minus what moved after the count. A product
is counted in one open session at a time: two open counts of one product cannot both be right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select, text, update

from pos_protocol import wire
from pos_terminal.clock import new_id, utc_now
from pos_terminal.config import Settings
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.db.fast import cursor
from pos_terminal.domain.cart import Item, Override
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.users import Role
from pos_terminal.errors import AuthError, InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context
from pos_terminal.services.users import write_audit

SCOPES = ("department", "shelf", "sample", "all")
UNCOUNTED = ("skip", "zero")
MAX_COUNT = 10**7  # base units on one line (10 t in grams)
REASON = "count"
CORRECTION = "count correction"
# recount state of a line
FLAGGED, RECOUNTED = 1, 2


@dataclass(frozen=True)
class Threshold:
    """A variance is large (recount before posting) when |counted − expected| reaches the
    larger of ``units`` and ``ppm`` (parts per million) of the expected quantity."""

    units: int = 3
    ppm: int = 100_000

    def limit(self, expected: int) -> int:
        return max(self.units, -(-abs(expected) * self.ppm // 1_000_000), 1)

    def large(self, counted: int, expected: int) -> bool:
        return abs(counted - expected) >= self.limit(expected)


@dataclass(frozen=True)
class Session:
    id: str
    number: int
    scope_kind: str
    scope: dict[str, Any]
    blind: bool
    status: str
    opened_at: str
    lines: int
    counted: int
    flagged: int
    threshold: Threshold

    @property
    def label(self) -> str:
        s = self.scope
        what = {
            "department": f"department {s.get('department')}",
            "shelf": f"shelf list of {len(s.get('codes', []))}",
            "sample": f"random sample of {s.get('sample')}",
            "all": "everything", "items": "single item",
        }.get(self.scope_kind, self.scope_kind)
        return f"count #{self.number}: {what}" + (" (blind)" if self.blind else "")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "scope_kind": self.scope_kind,
                "scope": self.scope, "blind": self.blind, "status": self.status,
                "opened_at": self.opened_at, "lines": self.lines, "counted": self.counted,
                "flagged": self.flagged}


@dataclass(frozen=True)
class CountLine:
    product_id: int
    sku: str
    name: str
    variant: str
    unit: str
    counted: int | None
    expected: int | None  # None in a blind session
    counted_at: str | None
    recount: int  # 0, FLAGGED or RECOUNTED
    variance: int | None = None  # once posted

    @property
    def label(self) -> str:
        return f"{self.name} {self.variant}".strip()

    @property
    def status(self) -> str:
        if self.recount == FLAGGED:
            return "recount"
        if self.counted is None:
            return "not counted"
        return "recounted" if self.recount == RECOUNTED else "counted"

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.name, "variant": self.variant,
                "unit": self.unit, "counted": self.counted, "expected": self.expected,
                "counted_at": self.counted_at, "status": self.status,
                "variance": self.variance}


@dataclass(frozen=True)
class Review:
    """Where a session stands before posting (variances are for the manager who posts)."""

    session: Session
    flagged: list[CountLine]
    uncounted: int
    variance_units: int
    variance_value: int  # at cost, minor units
    lines: list[tuple[CountLine, int]] = field(default_factory=list)  # (line, variance)

    @property
    def ready(self) -> bool:
        return not self.flagged


class RecountNeeded(RuleError):
    """Large variances were flagged: recount those lines, then post."""

    def __init__(self, lines: list[CountLine]) -> None:
        names = ", ".join(ln.label for ln in lines[:5]) + (" …" if len(lines) > 5 else "")
        super().__init__(f"{len(lines)} item(s) differ a lot from the stock on record: "
                         f"recount them before posting ({names})")
        self.lines = lines


@dataclass(frozen=True)
class CountPosting:
    session: Session
    reference: str
    lines: int  # lines posted (counted, or uncounted counted as zero)
    skipped: int
    zeroed: int
    variance_units: int
    variance_value: int
    quantities: dict[str, int]  # sku -> variance posted (non-zero only)
    on_hand: dict[str, int]


# -- queries -------------------------------------------------------------------------------------
def _role(conn: Connection, user_id: int) -> Role:
    role = conn.execute(select(t.users.c.role).where(t.users.c.id == user_id)).scalar()
    if role is None:
        raise NotFoundError(f"unknown user id {user_id}")
    return Role.parse(role)


def _need(conn: Connection, user_id: int, role: Role, what: str) -> None:
    if _role(conn, user_id) < role:
        raise AuthError(f"{what} needs a {role.name.lower()}")


def _check_approval(conn: Connection, user_id: int, approval: Override | None) -> None:
    """Posting a count needs a manager: the user, or a manager who approved with a PIN."""
    if _role(conn, user_id) >= Role.MANAGER:
        return
    if approval is None:
        raise AuthError("posting a count needs a manager: a manager approves it with their PIN")
    if approval.action != "post_count" or approval.user_id != user_id \
            or _role(conn, approval.approver_id) < Role.MANAGER:
        raise AuthError("posting a count needs a manager's approval")


def _session_row(conn: Connection, ref: str | int, lock_open: bool = False) -> Any:
    s = t.count_sessions
    ref = str(ref).strip().lstrip("#")
    q = select(s).where(s.c.number == int(ref)) if ref.isdigit() else select(s).where(
        s.c.id == ref)
    row = conn.execute(q).first()
    if row is None:
        raise NotFoundError(f"count {ref}: no such count session")
    if lock_open and row.status != "open":
        raise RuleError(f"count #{row.number} is {row.status}; start a new count")
    return row


def _session(conn: Connection, row: Any) -> Session:
    ln = t.count_lines
    total, counted, flagged = conn.execute(
        select(func.count(), func.count(ln.c.counted),
               func.coalesce(func.sum(ln.c.recount == FLAGGED), 0))
        .where(ln.c.session_id == row.id)).one()
    return Session(row.id, row.number, row.scope_kind, json.loads(row.scope), bool(row.blind),
                   row.status, row.opened_at, int(total), int(counted), int(flagged),
                   Threshold(row.recount_units, row.recount_ppm))


_LINES = """
SELECT l.product_id, p.sku, p.name, p.variant, p.unit, l.counted,
       l.on_hand_at_count + l.late, l.counted_at, l.recount, l.variance, p.cost, p.price_per
FROM count_lines l JOIN products p ON p.id = l.product_id
WHERE l.session_id = :sid {where}
ORDER BY l.counted_at IS NULL, p.name, p.variant, p.sku
"""


def _lines(conn: Connection, sid: str, blind: bool, where: str = "",
           **params: Any) -> list[tuple[CountLine, int | None, int, int]]:
    """(line, expected, cost, price_per) rows; ``line.expected`` hidden when blind."""
    out = []
    for r in conn.execute(text(_LINES.format(where=where)), {"sid": sid, **params}):
        pid, sku, name, variant, unit, counted, expected, at, recount, var, cost, per = r
        out.append((CountLine(pid, sku, name, variant, unit, counted,
                              None if blind else expected, at, recount, var),
                    expected, cost or 0, per or 1))
    return out


def _sibling_mark(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(t.sibling_movements.c.id), 0)))
               .scalar_one())


def _counted_elsewhere(conn: Connection, product_id: int, sid: str) -> int | None:
    """The number of another open session that has already counted this product."""
    s, ln = t.count_sessions, t.count_lines
    return conn.execute(
        select(s.c.number).join(ln, ln.c.session_id == s.c.id)
        .where(ln.c.product_id == product_id, ln.c.counted.is_not(None), s.c.status == "open",
               s.c.id != sid).limit(1)).scalar()


def _scope_text(kind: str, scope: dict[str, Any]) -> str:
    if kind == "department":
        return f"department {scope['department']}"
    if kind == "shelf":
        return "this shelf list"
    if kind == "sample":
        return "this random sample"
    return "this count"


# -- the posting both a session and InventoryService.count use -----------------------------------
def post_lines(conn: Connection, settings: Settings, row: Any, user_id: int,
               uncounted: str | None, now: str) -> CountPosting:
    """Post an open session's lines in the caller's transaction: movements, line variances,
    the session's status and one outbox event."""
    sess = _session(conn, row)
    flagged = conn.execute(select(func.count()).select_from(t.count_lines).where(
        t.count_lines.c.session_id == row.id, t.count_lines.c.recount == FLAGGED)).scalar_one()
    if flagged:
        lines = [ln for ln, *_ in _lines(conn, row.id, row.blind, "AND l.recount = 1")]
        raise RecountNeeded(lines)
    missing = sess.lines - sess.counted
    if missing and uncounted not in UNCOUNTED:
        raise RuleError(f"{missing} item(s) in the count's scope were not counted: choose "
                        "to skip them or to count them as zero")
    cur = cursor(conn)
    zeroed = 0
    if missing and uncounted == "zero":  # counted as zero now: the on-hand now is the base
        zeroed = cur.execute(
            "UPDATE count_lines SET counted = 0, counted_at = ?, user_id = ?, late = 0, "
            "on_hand_at_count = coalesce((SELECT on_hand FROM stock_levels v "
            "WHERE v.product_id = count_lines.product_id), 0), sibling_mark = ? "
            "WHERE session_id = ? AND counted IS NULL",
            (now, user_id, _sibling_mark(conn), row.id)).rowcount
    moves: list[Movement] = []
    skus: dict[int, str] = {}
    out_lines: list[wire.CountedLine] = []
    units = value = 0
    updates: list[tuple[int, str, int]] = []
    for ln, expected, cost, per in _lines(conn, row.id, False, "AND l.counted IS NOT NULL"):
        assert ln.counted is not None and expected is not None
        delta = ln.counted - expected
        updates.append((delta, row.id, ln.product_id))
        out_lines.append(wire.CountedLine(sku=ln.sku, counted=ln.counted, expected=expected,
                                          counted_at=ln.counted_at, variance=delta))
        if delta:
            skus[ln.product_id] = ln.sku
            moves.append(Movement(new_id(), ln.product_id, delta, MovementKind.COUNT_VARIANCE,
                                  REASON, row.id, cost or None, now, user_id,
                                  settings.terminal))
            units += delta
            value += delta * cost // per
    cur.executemany("UPDATE count_lines SET variance = ? WHERE session_id = ? AND "
                    "product_id = ?", updates)
    conn.execute(update(t.count_sessions).where(t.count_sessions.c.id == row.id).values(
        status="posted", closed_at=now, closed_by=user_id, uncounted=uncounted))
    posted = ledger.append(conn, settings.terminal, moves)
    ledger.add_event(conn, now, wire.StockCounted(
        reference=row.id, session_id=row.id, number=row.number,
        scope={"kind": row.scope_kind, **json.loads(row.scope)}, blind=bool(row.blind),
        lines=tuple(out_lines), skipped=missing - zeroed,
        movements=ledger.movement_payload(posted, skus),
    ))
    qty = {skus[m.product_id]: m.quantity for m in moves}
    levels = {sku: ledger.on_hand(conn, pid) for pid, sku in skus.items()}
    return CountPosting(_session(conn, _session_row(conn, row.id)), row.id, len(out_lines),
                        missing - zeroed, zeroed, units, value, qty, levels)


def count_one(conn: Connection, settings: Settings, item: Item, counted: int, user_id: int,
              expected: int | None, now: str) -> CountPosting:
    """A one-item count posted at once (``InventoryService.count``): a session of its own."""
    if counted < 0:
        raise QuantityError("a counted quantity cannot be negative")
    sid = new_id()
    other = _counted_elsewhere(conn, item.product_id, sid)
    if other is not None:
        raise RuleError(f"{item.sku} is being counted in count #{other}: post or cancel it "
                        "first")
    on_hand = ledger.on_hand(conn, item.product_id)
    conn.execute(insert(t.count_sessions).values(
        id=sid, number=next_number(conn, "count"), scope_kind="items",
        scope=json.dumps({"codes": [item.sku]}), blind=False, status="open",
        recount_units=Threshold.units, recount_ppm=Threshold.ppm, opened_at=now,
        opened_by=user_id))
    conn.execute(insert(t.count_lines).values(
        session_id=sid, product_id=item.product_id, counted=counted,
        on_hand_at_count=on_hand if expected is None else expected, counted_at=now,
        user_id=user_id, sibling_mark=_sibling_mark(conn), late=0, recount=0))
    row = _session_row(conn, sid)
    return post_lines(conn, settings, row, user_id, None, now)


# -- late sibling movements (called by the sync pull, in its transaction) ------------------------
_LATE_POSTED = """
SELECT x.product_id, x.session_id, sum(x.quantity), p.sku, p.cost FROM (
    SELECT s.product_id, s.quantity, (
        SELECT l.session_id FROM count_lines l JOIN count_sessions c ON c.id = l.session_id
        WHERE l.product_id = s.product_id AND c.status = 'posted' AND l.variance IS NOT NULL
          AND l.counted_at > s.occurred_at
        ORDER BY l.counted_at DESC LIMIT 1) AS session_id
    FROM sibling_movements s WHERE s.id > :after AND s.product_id IS NOT NULL
) x JOIN products p ON p.id = x.product_id
WHERE x.session_id IS NOT NULL GROUP BY x.product_id, x.session_id
"""
_LATE_OPEN = """
UPDATE count_lines SET late = late + coalesce((
    SELECT sum(s.quantity) FROM sibling_movements s
    WHERE s.id > :after AND s.product_id = count_lines.product_id
      AND s.id > coalesce(count_lines.sibling_mark, 0) AND s.occurred_at < count_lines.counted_at
      AND NOT EXISTS (
        SELECT 1 FROM count_lines p JOIN count_sessions c ON c.id = p.session_id
        WHERE c.status = 'posted' AND p.product_id = s.product_id AND p.variance IS NOT NULL
          AND p.counted_at > s.occurred_at)), 0)
WHERE counted IS NOT NULL
  AND session_id IN (SELECT id FROM count_sessions WHERE status = 'open')
  AND product_id IN (SELECT product_id FROM sibling_movements WHERE id > :after)
"""


def sibling_mark(conn: Connection) -> int:
    """The newest sibling movement id: pass it to ``on_pulled_siblings`` after a pull."""
    return _sibling_mark(conn)


def on_pulled_siblings(conn: Connection, settings: Settings, after: int) -> int:
    """Account for sibling movements stored after id ``after`` that are older than a count of
    their product (see the module docstring). Returns the correcting movements written."""
    if conn.execute(select(t.count_sessions.c.id).limit(1)).first() is None:
        return 0  # never counted here: nothing to correct (the usual pull)
    if conn.execute(select(t.sibling_movements.c.id).where(
            t.sibling_movements.c.id > after).limit(1)).first() is None:
        return 0
    now = utc_now()
    moves: list[Movement] = []
    skus: dict[int, str] = {}
    for pid, sid, qty, sku, cost in conn.execute(text(_LATE_POSTED), {"after": after}).all():
        if qty:
            skus[pid] = sku
            moves.append(Movement(new_id(), pid, -qty, MovementKind.COUNT_VARIANCE, CORRECTION,
                                  sid, cost, now, None, settings.terminal))
    conn.execute(text(_LATE_OPEN), {"after": after})
    if moves:
        posted = ledger.append(conn, settings.terminal, moves)
        ledger.add_event(conn, now, wire.StockCounted(
            reference=moves[0].reference, correction="sales or other movements made on "
            "another register before the count, which reached this register after it",
            sessions=tuple(sorted({m.reference for m in moves})),
            movements=ledger.movement_payload(posted, skus),
        ))
    return len(moves)


# -- the service -----------------------------------------------------------------------------------
class CountingService:
    def __init__(self, ctx: Context, threshold: Threshold | None = None) -> None:
        self.ctx = ctx
        self.threshold = threshold or Threshold()

    def start(self, scope_kind: str, user_id: int, department: str = "",
              codes: list[str] | tuple[str, ...] = (), sample: int = 0, blind: bool = True,
              threshold: Threshold | None = None) -> Session:
        """Open a count over a department, a shelf list of codes, a random sample of active
        products or everything. A non-blind count (expected shown) needs a manager."""
        if scope_kind not in SCOPES:
            raise InputError(f"a count covers one of: {', '.join(SCOPES)}")
        th = threshold or self.threshold
        if th.units < 0 or th.ppm < 0:
            raise InputError("recount thresholds cannot be negative")
        now = utc_now()
        sid = new_id()
        p = t.products
        with self.ctx.write() as conn:
            if not blind:
                _need(conn, user_id, Role.MANAGER, "a count that shows the expected stock")
            scope: dict[str, Any] = {}
            if scope_kind == "department":
                dep = conn.execute(select(t.departments.c.id, t.departments.c.name).where(
                    func.lower(t.departments.c.name) == department.strip().lower())).first()
                if dep is None:
                    names = conn.execute(select(t.departments.c.name).order_by(
                        t.departments.c.name)).scalars().all()
                    raise NotFoundError(f"no department {department!r}; there are: "
                                        + ", ".join(names))
                scope = {"department": dep.name}
                pick = select(p.c.id).where(p.c.active.is_(True), p.c.department_id == dep.id)
            elif scope_kind == "shelf":
                if not codes:
                    raise InputError("a shelf list needs at least one code")
                ids: dict[int, str] = {}
                for code in codes:
                    try:
                        item = resolve(conn, code)
                    except NotFoundError as exc:
                        raise NotFoundError(f"shelf list: {exc}") from exc
                    ids[item.product_id] = item.sku
                scope = {"codes": list(ids.values())}
                pick = select(p.c.id).where(p.c.id.in_(list(ids)))
            elif scope_kind == "sample":
                if sample <= 0:
                    raise InputError("a random sample needs a size of at least 1")
                scope = {"sample": sample}
                pick = (select(p.c.id).where(p.c.active.is_(True))
                        .order_by(func.random()).limit(sample))
            else:
                pick = select(p.c.id).where(p.c.active.is_(True))
            number = next_number(conn, "count")
            conn.execute(insert(t.count_sessions).values(
                id=sid, number=number, scope_kind=scope_kind, scope=json.dumps(scope),
                blind=blind, status="open", recount_units=th.units, recount_ppm=th.ppm,
                opened_at=now, opened_by=user_id))
            pid = pick.subquery()
            n = conn.execute(insert(t.count_lines).from_select(
                ["session_id", "product_id"],
                select(literal(sid), pid.c.id))).rowcount
            if not n:
                raise RuleError("no active products in that scope: nothing to count")
            return _session(conn, _session_row(conn, sid))

    def sessions(self, status: str | None = "open") -> list[Session]:
        s = t.count_sessions
        with self.ctx.read() as conn:
            q = select(s).order_by(s.c.number.desc())
            if status:
                q = q.where(s.c.status == status)
            return [_session(conn, r) for r in conn.execute(q.limit(200)).all()]

    def session(self, ref: str | int) -> Session:
        with self.ctx.read() as conn:
            return _session(conn, _session_row(conn, ref))

    def lines(self, ref: str | int) -> list[CountLine]:
        """The session's lines, counted first; expected quantities hidden in a blind count
        until it is posted."""
        with self.ctx.read() as conn:
            row = _session_row(conn, ref)
            hide = bool(row.blind) and row.status == "open"
            return [ln for ln, *_ in _lines(conn, row.id, hide)]

    def scan(self, ref: str | int, code: str, user_id: int, quantity: int | None = None
             ) -> CountLine:
        """Count a scan: +1 (× the pack's multiplier) or + ``quantity`` base units. The first
        count of a line (and of a recount) records the on-hand at that moment."""
        with self.ctx.write() as conn:
            row = _session_row(conn, ref, lock_open=True)
            item = resolve(conn, code)
            if quantity is None:
                if item.unit != "each":
                    raise QuantityError(f"{item.name} is measured in {item.unit}: type the "
                                        f"counted {item.unit} with the code")
                add = item.pack
            else:
                add = quantity * (item.pack if item.unit == "each" else 1)
            if add <= 0:
                raise QuantityError("quantity must be positive")
            return self._count(conn, row, item, add, user_id, relative=True)

    def set_count(self, ref: str | int, code: str, counted: int, user_id: int) -> CountLine:
        """Type the whole counted quantity of a line (replaces what was counted so far)."""
        with self.ctx.write() as conn:
            row = _session_row(conn, ref, lock_open=True)
            item = resolve(conn, code)
            return self._count(conn, row, item, counted, user_id, relative=False)

    def _count(self, conn: Connection, row: Any, item: Item, qty: int, user_id: int,
               relative: bool) -> CountLine:
        if qty < 0:
            raise QuantityError("a counted quantity cannot be negative")
        ln = t.count_lines
        line = conn.execute(select(ln).where(ln.c.session_id == row.id,
                                             ln.c.product_id == item.product_id)).first()
        if line is None:
            label = f"{item.name} {item.variant}".strip()
            where = _scope_text(row.scope_kind, json.loads(row.scope))
            raise RuleError(f"{label} is not in {where} (count #{row.number}); nothing counted")
        other = _counted_elsewhere(conn, item.product_id, row.id)
        if other is not None:
            raise RuleError(f"{item.sku} is already counted in count #{other}: post or cancel "
                            "that count first")
        now = utc_now()
        fresh = line.counted is None or line.recount == FLAGGED or not relative
        values: dict[str, Any] = {"user_id": user_id}
        if fresh:  # a (re)count starts: the on-hand now is its base
            values.update(on_hand_at_count=ledger.on_hand(conn, item.product_id), late=0,
                          counted_at=now, sibling_mark=_sibling_mark(conn), counted=qty)
            if line.recount == FLAGGED:
                values.update(recount=RECOUNTED, first_count=line.counted)
        else:
            values["counted"] = line.counted + qty
        if values["counted"] > MAX_COUNT:
            raise QuantityError(f"{values['counted']} is more than one line can hold")
        conn.execute(update(ln).where(ln.c.session_id == row.id,
                                      ln.c.product_id == item.product_id).values(**values))
        got = _lines(conn, row.id, bool(row.blind), "AND l.product_id = :pid",
                     pid=item.product_id)
        return got[0][0]

    def review(self, ref: str | int) -> Review:
        """Flag counted lines whose variance is large (they need a recount) and sum up."""
        with self.ctx.write() as conn:
            row = _session_row(conn, ref, lock_open=True)
            th = Threshold(row.recount_units, row.recount_ppm)
            lines = _lines(conn, row.id, False, "AND l.counted IS NOT NULL")
            flag = [(row.id, ln.product_id) for ln, exp, *_ in lines
                    if ln.recount == 0 and exp is not None and ln.counted is not None
                    and ln.counted != exp and th.large(ln.counted, exp)]
            if flag:
                cursor(conn).executemany("UPDATE count_lines SET recount = 1 WHERE "
                                         "session_id = ? AND product_id = ?", flag)
                lines = _lines(conn, row.id, False, "AND l.counted IS NOT NULL")
            hide = bool(row.blind)
            flagged = [_hidden(ln, hide) for ln, *_ in lines if ln.recount == FLAGGED]
            pairs = [(_hidden(ln, hide), (ln.counted or 0) - (exp or 0))
                     for ln, exp, _c, _p in lines]
            units = sum(v for _, v in pairs)
            value = sum(((ln.counted or 0) - (exp or 0)) * c // p for ln, exp, c, p in lines)
            sess = _session(conn, row)
            return Review(sess, flagged, sess.lines - sess.counted, units, value, pairs)

    def post(self, ref: str | int, user_id: int, uncounted: str | None = None,
             approval: Override | None = None) -> CountPosting:
        """Post the count: one count_variance movement per line that differs, one event.
        Large variances not yet recounted stop it (``RecountNeeded``, flags saved).

        A manager posts alone; anyone else needs a manager's ``approval`` (a ``post_count``
        override from ``UserService.approve``), written to the audit log with the posting."""
        if uncounted is not None and uncounted not in UNCOUNTED:
            raise InputError("items not counted are either skipped or counted as zero")
        with self.ctx.read() as conn:
            _check_approval(conn, user_id, approval)
        review = self.review(ref)
        if review.flagged:
            raise RecountNeeded(review.flagged)
        now = utc_now()
        with self.ctx.write() as conn:
            row = _session_row(conn, ref, lock_open=True)
            posting = post_lines(conn, self.ctx.settings, row, user_id, uncounted, now)
            if approval is not None and _role(conn, user_id) < Role.MANAGER:
                write_audit(conn, replace(approval, detail=approval.detail or (
                    f"count #{row.number}: {posting.lines} line(s), variance "
                    f"{posting.variance_units:+d} units")), row.id, now)
            return posting

    def cancel(self, ref: str | int, user_id: int) -> Session:
        """Drop an open count (a supervisor or manager); nothing reaches the ledger."""
        with self.ctx.write() as conn:
            _need(conn, user_id, Role.SUPERVISOR, "cancelling a count")
            row = _session_row(conn, ref, lock_open=True)
            conn.execute(update(t.count_sessions).where(t.count_sessions.c.id == row.id).values(
                status="cancelled", closed_at=utc_now(), closed_by=user_id))
            return _session(conn, _session_row(conn, row.id))

    def departments(self) -> list[str]:
        with self.ctx.read() as conn:
            return list(conn.execute(select(t.departments.c.name).order_by(
                t.departments.c.name)).scalars())


def _hidden(ln: CountLine, blind: bool) -> CountLine:
    return replace(ln, expected=None) if blind else ln
