"""Promotions: multi-buys, mix-and-match, bundles, department deals; best price for the customer.

Pure: no clock, no I/O. The caller passes the cart's priced lines and the local datetime at which
the promotions are judged; the engine returns how much each line saves and why. It never changes a
quantity (promotions are price only). Rules, the pricing algorithm and its guarantees are in
docs/promotions.md; in short:

- ``MultiBuy`` — "N for the price of M" (the cheapest N−M units of a group are free) or "N for a
  fixed price"; with several products in ``items`` it is a mix-and-match group.
- ``Bundle`` — one unit per slot for a fixed price (a meal deal).
- ``DepartmentDeal`` — a percentage or an amount off each unit of a department.
- Each cart unit is used by at most one application. Partial groups cost what the completed
  group would ("never pay more for less"), so removing an item never raises the total.
- The engine picks the applications with the lowest total: an exact search per independent part
  of the cart, with a step budget; a part that exceeds it is priced greedily (never worse than
  no promotion) and ``Pricing.exact`` is False.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from pos_protocol.money import allocate, round_div
from pos_terminal.errors import InputError, QuantityError

__all__ = [
    "ALWAYS",
    "DEFAULT_BUDGET",
    "Application",
    "Bundle",
    "DepartmentDeal",
    "EngineLine",
    "LineSaving",
    "Match",
    "MultiBuy",
    "Pricing",
    "Promotion",
    "PromotionIndex",
    "Window",
    "price_cart",
]

PPM = 1_000_000
DEFAULT_BUDGET = 20_000  # search steps per independent part of the cart (~3 µs each)
MAX_SEARCH_UNITS = 200  # parts with more units than this are priced greedily
CACHE_PARTS = 4096  # remembered part solutions per index


# -- definitions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """When a promotion is valid, judged against a local datetime given by the caller.

    Dates are inclusive. ``weekdays`` uses 0 = Monday … 6 = Sunday. The daily time window is
    half-open ``[start_time, end_time)``; when ``end_time`` is earlier than ``start_time`` it runs
    past midnight and the hours after midnight belong to the previous day's window (its date and
    weekday are the ones checked).
    """

    start_date: date | None = None
    end_date: date | None = None
    weekdays: frozenset[int] | None = None
    start_time: time | None = None
    end_time: time | None = None

    def __post_init__(self) -> None:
        if (self.start_time is None) != (self.end_time is None):
            raise InputError("a daily time window needs both a start and an end time")
        if self.start_time is not None and self.start_time == self.end_time:
            raise InputError("a daily time window cannot start and end at the same time")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise InputError("a promotion cannot end before it starts")
        if self.weekdays is not None and not self.weekdays <= frozenset(range(7)):
            raise InputError("weekdays are 0 (Monday) to 6 (Sunday)")

    def active(self, at: datetime) -> bool:
        day = at.date()
        if self.start_time is not None and self.end_time is not None:
            now = at.time().replace(tzinfo=None)
            if self.start_time < self.end_time:
                if not self.start_time <= now < self.end_time:
                    return False
            elif now < self.end_time:
                day -= timedelta(days=1)  # after midnight: part of yesterday's window
            elif now < self.start_time:
                return False
        if self.start_date is not None and day < self.start_date:
            return False
        if self.end_date is not None and day > self.end_date:
            return False
        return self.weekdays is None or day.weekday() in self.weekdays


ALWAYS = Window()


@dataclass(frozen=True)
class Match:
    """Which piece goods a promotion (or a bundle slot) accepts: by product id or by SKU."""

    products: frozenset[int] = frozenset()
    skus: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *items: int | str) -> Match:
        """``Match.of(12, 13, "4001")``: ints are product ids, strings are SKUs."""
        return cls(
            frozenset(i for i in items if isinstance(i, int)),
            frozenset(i for i in items if isinstance(i, str)),
        )

    def matches(self, product_id: int, sku: str) -> bool:
        return product_id in self.products or sku in self.skus

    def __bool__(self) -> bool:
        return bool(self.products or self.skus)


@dataclass(frozen=True)
class MultiBuy:
    """``qty`` units from ``items`` for the price of ``pay_for`` units, or for ``price``.

    "3 for 2": ``qty=3, pay_for=2`` (the cheapest unit of each group is free). "2 for €5":
    ``qty=2, price=500``. Several products in ``items`` make it a mix-and-match group.
    """

    promo_id: str
    label: str
    items: Match
    qty: int
    pay_for: int | None = None
    price: int | None = None
    window: Window = ALWAYS

    def __post_init__(self) -> None:
        if not self.items:
            raise InputError(f"promotion {self.promo_id}: no products")
        if self.qty < 1:
            raise InputError(f"promotion {self.promo_id}: the group size must be at least 1")
        if (self.pay_for is None) == (self.price is None):
            raise InputError(f"promotion {self.promo_id}: give either pay_for or a price")
        if self.pay_for is not None and not 1 <= self.pay_for < self.qty:
            raise InputError(f"promotion {self.promo_id}: pay_for must be 1 to {self.qty - 1}")
        if self.price is not None and self.price < 0:
            raise InputError(f"promotion {self.promo_id}: a price cannot be negative")


@dataclass(frozen=True)
class Bundle:
    """One unit for each slot for ``price`` (a meal deal: any sandwich + any drink + any snack)."""

    promo_id: str
    label: str
    slots: tuple[Match, ...]
    price: int
    window: Window = ALWAYS

    def __post_init__(self) -> None:
        if not self.slots or not all(self.slots):
            raise InputError(f"promotion {self.promo_id}: every slot needs products")
        if self.price < 0:
            raise InputError(f"promotion {self.promo_id}: a price cannot be negative")


@dataclass(frozen=True)
class DepartmentDeal:
    """``percent_ppm`` off (rounded per unit) or ``amount_off`` each unit of a department.

    Also applies to measured goods, where the whole line counts as one unit.
    """

    promo_id: str
    label: str
    department: str
    percent_ppm: int = 0
    amount_off: int = 0
    window: Window = ALWAYS

    def __post_init__(self) -> None:
        if (self.percent_ppm > 0) == (self.amount_off > 0):
            raise InputError(f"promotion {self.promo_id}: give either a percentage or an amount")
        if self.percent_ppm < 0 or self.percent_ppm > PPM or self.amount_off < 0:
            raise InputError(f"promotion {self.promo_id}: the discount is out of range")

    def saving_on(self, price: int) -> int:
        if self.percent_ppm:
            return round_div(price * self.percent_ppm, PPM)
        return min(self.amount_off, price)


Promotion = MultiBuy | Bundle | DepartmentDeal


@dataclass(frozen=True)
class EngineLine:
    """A priced cart line. Piece goods have ``unit="each"``; gross = qty × price / price_per."""

    line_no: int
    product_id: int
    sku: str
    department: str | None
    qty: int
    unit_price_minor: int
    unit: str = "each"
    price_per: int = 1

    @property
    def gross(self) -> int:
        return round_div(self.qty * self.unit_price_minor, self.price_per)


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineSaving:
    saving: int
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Application:
    """One promotion as applied: ``times`` groups (or discounted units for a department deal)."""

    promo_id: str
    label: str
    saving: int
    units: tuple[tuple[int, int], ...]  # (line_no, qty) it used
    times: int = 1


@dataclass(frozen=True)
class Pricing:
    """Savings of a cart. ``lines`` holds only lines that save something."""

    total_saving: int
    lines: Mapping[int, LineSaving]
    applied: tuple[Application, ...]
    subtotal: int = 0  # the undiscounted sum of the lines' gross
    exact: bool = True  # False when a part of the cart outgrew the search budget

    @property
    def total(self) -> int:
        return self.subtotal - self.total_saving

    def saving_of(self, line_no: int) -> int:
        ls = self.lines.get(line_no)
        return ls.saving if ls else 0


# -- index ------------------------------------------------------------------------------------
class PromotionIndex:
    """Promotions by product id, SKU and department, so a pricing looks only at the cart's."""

    __slots__ = ("_by_department", "_by_product", "_by_sku", "_parts", "promotions")

    def __init__(self, promotions: tuple[Promotion, ...]) -> None:
        self.promotions = promotions
        self._by_product: dict[int, list[Promotion]] = {}
        self._by_sku: dict[str, list[Promotion]] = {}
        self._by_department: dict[str, list[Promotion]] = {}
        # Solutions of recently priced cart parts: re-pricing after a scan re-solves only the
        # part the new line touched. Keyed by everything the solution depends on.
        self._parts: dict[object, tuple[list[tuple[_Deal, App, int]], bool]] = {}

    @classmethod
    def build(cls, promotions: Iterable[Promotion]) -> PromotionIndex:
        promos = tuple(sorted(promotions, key=lambda p: p.promo_id))
        for a, b in pairwise(promos):
            if a.promo_id == b.promo_id:
                raise InputError(f"promotion {a.promo_id} is defined twice")
        index = cls(promos)
        for p in promos:
            if isinstance(p, DepartmentDeal):
                index._by_department.setdefault(p.department, []).append(p)
                continue
            matches = (p.items,) if isinstance(p, MultiBuy) else p.slots
            pids = {pid for m in matches for pid in m.products}
            skus = {s for m in matches for s in m.skus}
            for pid in pids:
                index._by_product.setdefault(pid, []).append(p)
            for s in skus:
                index._by_sku.setdefault(s, []).append(p)
        return index

    def __len__(self) -> int:
        return len(self.promotions)

    def price(
        self, lines: Sequence[EngineLine], at: datetime, *, budget: int = DEFAULT_BUDGET
    ) -> Pricing:
        """Best price of ``lines`` with the promotions valid at ``at``."""
        classes = _classes(lines)
        members: dict[str, tuple[Promotion, list[_Class]]] = {}
        for c in classes:
            found: list[Promotion] = []
            if not c.measured:
                found += self._by_product.get(c.product_id, ())
                found += self._by_sku.get(c.sku, ())
            if c.department is not None:
                found += self._by_department.get(c.department, ())
            seen: set[str] = set()
            for p in found:
                if p.promo_id not in seen:
                    seen.add(p.promo_id)
                    members.setdefault(p.promo_id, (p, []))[1].append(c)
        return _price(lines, classes, members, at, budget, self._parts)

    def clear_cache(self) -> None:
        """Forget remembered solutions (they never change a result, only its speed)."""
        self._parts.clear()


def price_cart(
    lines: Sequence[EngineLine],
    promotions: Iterable[Promotion],
    at: datetime,
    *,
    budget: int = DEFAULT_BUDGET,
) -> Pricing:
    """Best price without an index: looks at every promotion (small lists, tests, baselines)."""
    classes = _classes(lines)
    pids = {c.product_id for c in classes if not c.measured}
    skus = {c.sku for c in classes if not c.measured}
    depts = {c.department for c in classes}
    members: dict[str, tuple[Promotion, list[_Class]]] = {}
    for p in promotions:
        if isinstance(p, DepartmentDeal):
            if p.department in depts:
                members[p.promo_id] = (p, [c for c in classes if c.department == p.department])
            continue
        matches = (p.items,) if isinstance(p, MultiBuy) else p.slots
        if all(m.products.isdisjoint(pids) and m.skus.isdisjoint(skus) for m in matches):
            continue
        if p.promo_id in members:
            raise InputError(f"promotion {p.promo_id} is defined twice")
        members[p.promo_id] = (
            p,
            [
                c for c in classes
                if not c.measured and any(m.matches(c.product_id, c.sku) for m in matches)
            ],
        )
    return _price(lines, classes, members, at, budget)


# -- engine internals -------------------------------------------------------------------------
@dataclass(eq=False)
class _Class:
    """Interchangeable units: same product and same unit price (a measured line is one unit)."""

    key: tuple[int, str, str, int, int]
    product_id: int
    sku: str
    department: str | None
    price: int
    measured: bool
    lines: list[list[int]] = field(default_factory=list)  # [line_no, units], by line_no
    count: int = 0
    eff: int = 0  # price after the best department deal (or the price)
    dept: DepartmentDeal | None = None
    measured_qty: int = 0  # the line's base units, for a measured line


def _classes(lines: Sequence[EngineLine]) -> list[_Class]:
    by_key: dict[tuple[int, str, str, int, int], _Class] = {}
    seen: set[int] = set()
    for ln in lines:
        if ln.line_no in seen:
            raise InputError(f"line {ln.line_no} is given twice")
        seen.add(ln.line_no)
        if ln.qty <= 0:
            raise QuantityError("quantity must be positive")
        if ln.unit_price_minor < 0 or ln.price_per < 1:
            raise InputError(f"line {ln.line_no}: a price cannot be negative")
        measured = ln.unit != "each"
        if measured:
            parts = [(ln.gross, 1)]
        else:
            q, rem = divmod(ln.gross, ln.qty)
            parts = [(q + 1, rem), (q, ln.qty - rem)] if rem else [(q, ln.qty)]
        for price, n in parts:
            key = (ln.product_id, ln.sku, ln.department or "", price, ln.line_no if measured else 0)
            c = by_key.get(key)
            if c is None:
                c = by_key[key] = _Class(
                    key, ln.product_id, ln.sku, ln.department, price, measured, eff=price,
                    measured_qty=ln.qty if measured else 0,
                )
            c.lines.append([ln.line_no, n])
            c.count += n
    out = sorted(by_key.values(), key=lambda c: c.key)
    for c in out:
        c.lines.sort()
    return out


_FIXED, _PAY, _BUNDLE = 0, 1, 2


class _Deal:
    """A group promotion restricted to one part of the cart (local class indices)."""

    __slots__ = ("kind", "members", "pay_for", "price", "promo", "size", "slots")

    def __init__(
        self, promo: MultiBuy | Bundle, members: list[int], slots: list[list[int]]
    ) -> None:
        self.promo = promo
        self.members = members
        self.slots = slots
        self.pay_for, self.price = 0, 0
        if isinstance(promo, Bundle):
            self.kind, self.size, self.price = _BUNDLE, len(promo.slots), promo.price
        elif promo.price is not None:
            self.kind, self.size, self.price = _FIXED, promo.qty, promo.price
        else:
            self.kind, self.size, self.pay_for = _PAY, promo.qty, promo.pay_for or 0


class _OutOfBudget(Exception):
    pass


App = tuple[tuple[int, int], ...]  # (local class index, units), sorted


class _Part:
    """One independent part of the cart: classes linked by group promotions."""

    def __init__(self, classes: list[_Class], deals: list[_Deal]) -> None:
        self.cls = classes
        self.deals = deals
        self.eff = [c.eff for c in classes]
        self.price = [c.price for c in classes]
        self.memo: dict[tuple[int, ...], tuple[int, bool, tuple[_Deal, App] | None]] = {}
        self.steps = 0
        self.budget = 0

    def _prepare(self) -> None:
        """Bounds, deals per class and interchangeable groups, for the search."""
        n = len(self.cls)
        self.deals_of: list[list[_Deal]] = [[] for _ in range(n)]
        sig: list[set[tuple[int, int]]] = [set() for _ in range(n)]
        ub = [0] * n
        for di, d in enumerate(self.deals):
            for i in d.members:
                self.deals_of[i].append(d)
            if d.kind == _BUNDLE:
                for s, slot in enumerate(d.slots):
                    for i in slot:
                        sig[i].add((di, s))
            else:
                for i in d.members:
                    sig[i].add((di, -1))
            per = d.price // d.size  # v(A) ≤ Σ (eff − price/size) over A's units
            for i in d.members:
                if d.kind == _PAY:  # v ≤ the (size − pay_for) smallest eff of the group
                    cap = -(-self.eff[i] * (d.size - d.pay_for) // d.size)
                else:
                    cap = self.eff[i] - per
                ub[i] = max(ub[i], cap)
        self.ub = ub
        # Classes with the same eligibility, all of it fixed-price or bundle: interchangeable
        # but for their eff, so an application takes them in eff order (see docs).
        self.group = [-1] * n
        groups: dict[frozenset[tuple[int, int]], int] = {}
        for i in range(n):
            key = frozenset(sig[i])
            if all(self.deals[di].kind != _PAY for di, _ in key):
                self.group[i] = groups.setdefault(key, len(groups))

    def value(self, d: _Deal, app: App) -> int:
        """What one application saves against the units' ``eff`` prices."""
        e = sum(self.eff[i] * k for i, k in app)
        if d.kind != _PAY:
            return e - d.price
        prices = sorted((self.price[i] for i, k in app for _ in range(k)), reverse=True)
        return e - sum(prices[: d.pay_for])

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > self.budget:
            raise _OutOfBudget

    def _apps(self, d: _Deal, i: int, state: tuple[int, ...]) -> Iterator[App]:
        """Applications of ``d`` with a unit of class ``i`` (the first class left in ``state``)."""
        avail = list(state)
        avail[i] -= 1
        if d.kind == _BUNDLE:
            yield from self._bundle_apps(d, i, avail)
            return
        items = [c for c in d.members if avail[c] > 0]
        chosen: dict[int, int] = {i: 1}
        group = self.group

        def rec(pos: int, left: int, blocked: frozenset[int]) -> Iterator[App]:
            if pos == len(items) or left == 0:
                self._tick()
                yield tuple(sorted(chosen.items()))
                return
            c = items[pos]
            g = group[c]
            if g >= 0 and g in blocked:
                yield from rec(pos + 1, left, blocked)
                return
            a = avail[c]
            for k in range(min(a, left), -1, -1):
                if k:
                    chosen[c] = chosen.get(c, 0) + k
                nb = blocked | {g} if g >= 0 and k < a else blocked
                yield from rec(pos + 1, left - k, nb)
                if k:
                    chosen[c] -= k
                    if not chosen[c]:
                        del chosen[c]

        yield from rec(0, d.size - 1, frozenset())

    def _bundle_apps(self, d: _Deal, i: int, avail: list[int]) -> Iterator[App]:
        seen: set[App] = set()
        group = self.group
        for s0, slot in enumerate(d.slots):
            if i not in slot:
                continue
            others = [s for s in range(len(d.slots)) if s != s0]
            chosen: dict[int, int] = {i: 1}

            def rec(pos: int, others: list[int] = others, chosen: dict[int, int] = chosen
                    ) -> Iterator[App]:
                if pos == len(others):
                    app = tuple(sorted(chosen.items()))
                    if app not in seen:
                        seen.add(app)
                        self._tick()
                        yield app
                    return
                yield from rec(pos + 1)
                used: set[int] = set()
                for c in d.slots[others[pos]]:
                    g = group[c]
                    if avail[c] <= 0 or (g >= 0 and g in used):
                        continue
                    if g >= 0:
                        used.add(g)  # only the first available class of a group
                    avail[c] -= 1
                    chosen[c] = chosen.get(c, 0) + 1
                    yield from rec(pos + 1)
                    chosen[c] -= 1
                    if not chosen[c]:
                        del chosen[c]
                    avail[c] += 1

            yield from rec(0)

    def _bound(self, state: tuple[int, ...] | list[int]) -> int:
        return sum(n * u for n, u in zip(state, self.ub, strict=True) if n)

    def _best(self, state: tuple[int, ...], floor: int) -> int:
        """Best value from ``state`` when it exceeds ``floor``; else an upper bound ≤ ``floor``.

        A search with a lower bound ("fail low") and a memo of exact values and of bounds.
        """
        hit = self.memo.get(state)
        if hit is not None and (hit[1] or hit[0] <= floor):
            return hit[0]
        i = next((k for k, n in enumerate(state) if n), -1)
        if i < 0:
            self.memo[state] = (0, True, None)
            return 0
        if self._bound(state) <= floor:
            return floor
        self._tick()
        val, exact = floor, False
        choice: tuple[_Deal, App] | None = None
        cands: list[tuple[int, int, _Deal, App]] = []
        for d in self.deals_of[i]:
            for app in self._apps(d, i, state):
                v = self.value(d, app)
                if v > 0:
                    cands.append((-v, len(cands), d, app))
        cands.sort(key=lambda t: (t[0], t[1]))
        for negv, _, d, app in cands:
            v = -negv
            nxt = list(state)
            for c, k in app:
                nxt[c] -= k
            if v + self._bound(nxt) <= val:
                continue
            r = self._best(tuple(nxt), val - v)
            if v + r > val:
                val, exact, choice = v + r, True, (d, app)
        rest = list(state)
        rest[i] = 0
        r = self._best(tuple(rest), val)
        if r > val:
            val, exact, choice = r, True, None
        self.memo[state] = (val, exact, choice)
        return val

    def search(self, budget: int) -> list[tuple[_Deal, App, int]] | None:
        """Exact best applications, or None when the budget runs out."""
        self.budget, self.steps = budget, 0
        state = tuple(c.count for c in self.cls)
        if sum(state) > MAX_SEARCH_UNITS:
            return None
        self._prepare()
        greedy = self.greedy()
        floor = sum(self.value(d, app) * t for d, app, t in greedy)
        try:
            if self._best(state, floor) <= floor:
                return greedy  # nothing beats the greedy choice: it is optimal
        except _OutOfBudget:
            return None
        out: list[tuple[_Deal, App, int]] = []
        while True:
            i = next((k for k, n in enumerate(state) if n), -1)
            if i < 0:
                return out
            _, _, choice = self.memo[state]  # exact along the best path
            nxt = list(state)
            if choice is None:
                nxt[i] = 0
            else:
                out.append((choice[0], choice[1], 1))
                for c, k in choice[1]:
                    nxt[c] -= k
            state = tuple(nxt)

    def greedy(self) -> list[tuple[_Deal, App, int]]:
        """Repeatedly apply the most valuable single application (never worse than none)."""
        state = [c.count for c in self.cls]
        out: list[tuple[_Deal, App, int]] = []
        while True:
            best: tuple[int, _Deal, App] | None = None
            for d in self.deals:
                app = self._greedy_app(d, state)
                if app:
                    v = self.value(d, app)
                    if v > 0 and (best is None or v > best[0]):
                        best = (v, d, app)
            if best is None:
                return out
            _, d, app = best
            times = min(state[c] // k for c, k in app)
            for c, k in app:
                state[c] -= k * times
            out.append((d, app, times))

    def _one_class(self, d: _Deal) -> list[tuple[_Deal, App, int]]:
        """Identical units, one deal: as many full groups as pay, then the rest if it pays."""
        n, size = self.cls[0].count, d.size
        if d.kind == _BUNDLE:
            size = sum(1 for slot in d.slots if slot)  # slots this product can fill
        full, rest = divmod(n, size)
        out: list[tuple[_Deal, App, int]] = []
        if full and self.value(d, ((0, size),)) > 0:
            out.append((d, ((0, size),), full))
        if rest and self.value(d, ((0, rest),)) > 0:
            out.append((d, ((0, rest),), 1))
        return out

    def _greedy_app(self, d: _Deal, state: list[int]) -> App:
        take: dict[int, int] = {}
        if d.kind == _BUNDLE:
            for slot in d.slots:
                c = max(
                    (c for c in slot if state[c] - take.get(c, 0) > 0),
                    key=lambda c: (self.eff[c], -c),
                    default=-1,
                )
                if c >= 0:
                    take[c] = take.get(c, 0) + 1
        else:
            order = d.members  # eff descending
            if d.kind == _PAY:
                order = sorted(d.members, key=lambda c: (-self.price[c], -self.eff[c], c))
            left = d.size
            for c in order:
                k = min(state[c], left)
                if k:
                    take[c] = k
                    left -= k
                if not left:
                    break
        return tuple(sorted(take.items()))

    def solve(self, budget: int) -> tuple[list[tuple[_Deal, App, int]], bool]:
        if len(self.deals) == 1:
            d = self.deals[0]
            if len(self.cls) == 1:
                return self._one_class(d), True
            if d.kind == _FIXED or (
                d.kind == _PAY and all(self.eff[i] == self.price[i] for i in d.members)
            ):
                return self.greedy(), True  # proven optimal for one deal (docs/promotions.md)
        found = self.search(budget)
        if found is None:
            return self.greedy(), False
        return found, True


def _useful(p: MultiBuy | Bundle, cs: list[_Class]) -> bool:
    """Whether any application of ``p`` over these units could beat their own prices."""
    if isinstance(p, MultiBuy) and p.pay_for is not None:
        return sum(c.count for c in cs) > p.pay_for
    size = p.qty if isinstance(p, MultiBuy) else len(p.slots)
    top, left = 0, size
    for c in sorted(cs, key=lambda c: -c.eff):
        k = min(c.count, left)
        top += k * c.eff
        left -= k
        if not left:
            break
    return top > p.price


def _price(
    lines: Sequence[EngineLine],
    classes: list[_Class],
    members: dict[str, tuple[Promotion, list[_Class]]],
    at: datetime,
    budget: int,
    cache: dict[object, tuple[list[tuple[_Deal, App, int]], bool]] | None = None,
) -> Pricing:
    subtotal = sum(ln.gross for ln in lines)
    groups: list[tuple[MultiBuy | Bundle, list[_Class]]] = []
    for pid in sorted(members):
        p, cs = members[pid]
        if not p.window.active(at):
            continue
        if isinstance(p, DepartmentDeal):
            for c in cs:
                eff = c.price - p.saving_on(c.price)
                if eff < c.eff:
                    c.eff, c.dept = eff, p
        else:
            groups.append((p, [c for c in cs if not c.measured]))
    groups = [(p, cs) for p, cs in groups if cs and _useful(p, cs)]

    # union-find: classes linked by a group promotion form one part
    parent = {id(c): id(c) for p, cs in groups for c in cs}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, cs in groups:
        r0 = find(id(cs[0]))
        for c in cs[1:]:
            r = find(id(c))
            if r != r0:
                parent[r] = r0
    parts: dict[int, tuple[list[_Class], list[tuple[MultiBuy | Bundle, list[_Class]]]]] = {}
    for c in classes:
        if id(c) in parent:
            parts.setdefault(find(id(c)), ([], []))[0].append(c)
    for p, cs in groups:
        parts[find(id(cs[0]))][1].append((p, cs))

    exact = True
    chosen: list[tuple[_Deal, App, int, list[_Class]]] = []
    for pcls, pdeals in parts.values():
        pcls.sort(key=lambda c: (-c.eff, c.key))
        key = None
        if cache is not None:
            key = (
                budget,
                tuple((c.key, c.count, c.eff) for c in pcls),
                tuple(p.promo_id for p, _ in pdeals),
            )
            hit = cache.get(key)
            if hit is not None:
                exact = exact and hit[1]
                chosen += [(d, app, times, pcls) for d, app, times in hit[0]]
                continue
        local = {id(c): k for k, c in enumerate(pcls)}
        deals: list[_Deal] = []
        for p, cs in pdeals:
            idx = sorted(local[id(c)] for c in cs)
            slots: list[list[int]] = []
            if isinstance(p, Bundle):
                slots = [
                    [i for i in idx if m.matches(pcls[i].product_id, pcls[i].sku)]
                    for m in p.slots
                ]
            deals.append(_Deal(p, idx, slots))
        apps, ok = _Part(pcls, deals).solve(budget)
        if cache is not None:
            if len(cache) >= CACHE_PARTS:
                cache.clear()
            cache[key] = (apps, ok)
        exact = exact and ok
        chosen += [(d, app, times, pcls) for d, app, times in apps]
    return _assemble(classes, chosen, subtotal, exact)


def _take(c: _Class, cursor: dict[int, list[list[int]]], n: int) -> list[tuple[int, int]]:
    """Take ``n`` units of class ``c`` from its lines, lowest line number first."""
    left = cursor.setdefault(id(c), [list(x) for x in c.lines])
    out: list[tuple[int, int]] = []
    while n:
        line = left[0]
        k = min(n, line[1])
        out.append((line[0], k))
        line[1] -= k
        n -= k
        if not line[1]:
            left.pop(0)
    return out


def _assemble(
    classes: list[_Class],
    chosen: list[tuple[_Deal, App, int, list[_Class]]],
    subtotal: int,
    exact: bool,
) -> Pricing:
    cursor: dict[int, list[list[int]]] = {}
    # per promotion: saving, times, {line_no: [units, regular price of those units]}
    acc: dict[str, tuple[Promotion, list[int], dict[int, list[int]]]] = {}
    chosen.sort(key=lambda t: t[0].promo.promo_id)
    for d, app, times, pcls in chosen:
        price_sum = sum(pcls[i].price * k for i, k in app)
        if d.kind == _PAY:
            prices = sorted((pcls[i].price for i, k in app for _ in range(k)), reverse=True)
            paid = sum(prices[: d.pay_for])
        else:
            paid = d.price
        entry = acc.setdefault(d.promo.promo_id, (d.promo, [0, 0], {}))
        entry[1][0] += (price_sum - paid) * times
        entry[1][1] += times
        for i, k in app:
            c = pcls[i]
            for line_no, n in _take(c, cursor, k * times):
                slot = entry[2].setdefault(line_no, [0, 0])
                slot[0] += n
                slot[1] += n * c.price
    dept_acc: dict[str, tuple[Promotion, list[int], dict[int, list[int]]]] = {}
    for c in classes:
        if c.dept is None:
            continue
        left = cursor.get(id(c), c.lines)
        units = sum(n for _, n in left)
        if not units:
            continue
        per = c.price - c.eff
        entry = dept_acc.setdefault(c.dept.promo_id, (c.dept, [0, 0], {}))
        entry[1][0] += per * units
        entry[1][1] += units
        for line_no, n in left:
            slot = entry[2].setdefault(line_no, [0, 0])
            slot[0] += c.measured_qty or n  # a measured line reports its grams / millilitres
            slot[1] += n * per
    acc.update(dept_acc)

    line_saving: dict[int, int] = {}
    line_labels: dict[int, list[str]] = {}
    applied: list[Application] = []
    total = 0
    for pid in sorted(acc):
        promo, (saving, times), by_line = acc[pid]
        line_nos = sorted(by_line)
        if isinstance(promo, DepartmentDeal):
            shares = [by_line[n][1] for n in line_nos]  # exact per-unit savings
        else:
            shares = allocate(saving, [by_line[n][1] for n in line_nos])
        for n, s in zip(line_nos, shares, strict=True):
            if s:
                line_saving[n] = line_saving.get(n, 0) + s
                labels = line_labels.setdefault(n, [])
                if promo.label not in labels:
                    labels.append(promo.label)
        units = tuple((n, by_line[n][0]) for n in line_nos)
        applied.append(Application(promo.promo_id, promo.label, saving, units, times))
        total += saving
    lines = {
        n: LineSaving(line_saving[n], tuple(line_labels[n])) for n in sorted(line_saving)
    }
    return Pricing(total, lines, tuple(applied), subtotal, exact)

