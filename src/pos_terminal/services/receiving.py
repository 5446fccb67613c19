"""Receiving deliveries (against an open PO or free from a vendor) and drafting POs.

A delivery in progress lives in ``receivings`` / ``receiving_lines`` (status ``open``), so it
survives a restart; every scan or correction is its own short transaction. Posting is one
transaction: the ``deliveries`` row, ``receive`` movements for the good quantity at each line's
unit cost (on-hand moves at once), the discrepancies (``domain/receiving.py``) and one
``stock.received`` outbox event carrying the PO id, delivery id, vendor, lines, discrepancies and
movements. Damaged units are recorded, never put on hand.

Open POs are the ones last pulled from the central (``replace_purchase_orders``, called by the
sync service with each pull) plus POs a manager drafted here that the central has not echoed
yet. "Received before" is the central's figure plus this register's posted deliveries whose
events are still waiting in the outbox (once sent, the central's figure includes them).

A manager may turn an unknown barcode into a new product during receiving: a local product and
a ``product.proposed`` outbox event, in one transaction (the central adopts it on review).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pos_protocol import wire
from pos_protocol.barcode import normalise, strip_code
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import catalog as repo
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Override, check_quantity
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.receiving import CountedLine, Discrepancy, discrepancies
from pos_terminal.domain.tenders import plain_text
from pos_terminal.domain.users import Role
from pos_terminal.errors import AuthError, InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context
from pos_terminal.services.users import User, write_audit


@dataclass(frozen=True)
class PoLine:
    sku: str
    name: str
    ordered: int
    received: int  # so far: the central's figure plus this register's unsent deliveries
    unit_cost: int | None


@dataclass(frozen=True)
class OpenPo:
    id: str
    number: str
    vendor: str
    status: str
    lines: list[PoLine]
    draft: bool = False  # drafted here, not yet back from the central

    @property
    def label(self) -> str:
        left = sum(max(ln.ordered - ln.received, 0) for ln in self.lines)
        return f"{self.number} · {self.vendor} · {len(self.lines)} line(s), {left} to come"


@dataclass(frozen=True)
class ReceivingLine:
    sku: str
    name: str
    unit: str
    on_po: bool
    ordered: int
    before: int
    counted: int
    damaged: int
    unit_cost: int | None

    @property
    def counts(self) -> CountedLine:
        return CountedLine(self.sku, self.on_po, self.ordered, self.before, self.counted,
                           self.damaged)


@dataclass(frozen=True)
class Receiving:
    id: str
    po_id: str | None
    po_number: str
    vendor: str
    reference: str
    status: str
    started_at: str
    lines: list[ReceivingLine] = field(default_factory=list)

    @property
    def title(self) -> str:
        return (f"{self.po_number} · {self.vendor}" if self.po_id
                else f"{self.vendor} (no purchase order)")

    def discrepancies(self) -> list[Discrepancy]:
        return discrepancies([ln.counts for ln in self.lines], self.po_id is not None)


@dataclass(frozen=True)
class Posted:
    delivery_id: str
    event_id: str
    received: dict[str, int]  # sku -> good units put on hand
    on_hand: dict[str, int]
    discrepancies: list[Discrepancy]


class ReceivingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- purchase orders ----------------------------------------------------------------------
    def open_orders(self) -> list[OpenPo]:
        with self.ctx.read() as conn:
            return _open_orders(conn)

    def vendors(self) -> list[str]:
        with self.ctx.read() as conn:
            return list(conn.execute(select(t.vendors.c.name).order_by(t.vendors.c.name))
                        .scalars())

    def draft_po(self, user: User, vendor: str, items: list[tuple[str, int]],
                 note: str = "") -> OpenPo:
        """A manager's PO for the central: a ``purchase_order.drafted`` outbox event (codes
        resolve to SKUs; packs count their multiplier; cost from the catalog)."""
        _manager(user, "drafting a purchase order")
        plain_text(note, "the note")
        vendor = vendor.strip()
        if not vendor or len(vendor) > 100:
            raise InputError("name the vendor (1 to 100 characters)")
        if not items:
            raise InputError("add at least one item to the purchase order")
        if len(note) > 200:
            raise InputError("a note is at most 200 characters")
        now = utc_now()
        po_id = new_id()
        with self.ctx.write() as conn:
            qty: dict[str, int] = {}
            cost: dict[str, int | None] = {}
            for code, count in items:
                item = resolve(conn, code)
                qty[item.sku] = qty.get(item.sku, 0) + check_quantity(
                    count * item.pack if item.unit == "each" else count, item.unit)
                cost.setdefault(item.sku, item.cost)
            draft = wire.PurchaseOrderDrafted(
                po_id=po_id, vendor=vendor, note=note,
                lines=tuple(wire.DraftLine(sku=sku, quantity=n, unit_cost=cost[sku])
                            for sku, n in qty.items()))
            payload = draft.to_json()
            wire.PurchaseOrderDrafted.parse(payload)  # the central would refuse anything else
            event_id = ledger.add_event(conn, now, draft)
            conn.execute(insert(t.po_drafts).values(
                id=po_id, vendor=vendor, note=note, lines=json.dumps(payload["lines"]),
                created_at=now, user_id=user.id, event_id=event_id))
            return next(po for po in _open_orders(conn) if po.id == po_id)

    # -- a delivery ---------------------------------------------------------------------------
    def start(self, user_id: int, po: str | None = None, vendor: str = "",
              reference: str = "") -> Receiving:
        """Open a delivery against an open PO (number or id) or free from ``vendor``. An open
        delivery for the same PO is resumed rather than started twice."""
        now = utc_now()
        with self.ctx.write() as conn:
            if po:
                order = next((o for o in _open_orders(conn) if po in (o.id, o.number)), None)
                if order is None:
                    raise NotFoundError(f"no open purchase order {po} at this register; sync "
                                        "to pull the latest, or receive without a PO")
                r = t.receivings
                resumed = conn.execute(select(r.c.id).where(
                    r.c.po_id == order.id, r.c.status == "open")).scalar()
                if resumed:
                    return _load(conn, resumed)
                rid = new_id()
                conn.execute(insert(r).values(
                    id=rid, po_id=order.id, po_number=order.number, vendor=order.vendor,
                    reference=reference.strip(), status="open", started_at=now,
                    user_id=user_id))
                seq = 0
                for ln in order.lines:
                    pid = conn.execute(select(t.products.c.id)
                                       .where(t.products.c.sku == ln.sku)).scalar()
                    if pid is None or ln.received >= ln.ordered:
                        continue  # unknown here (catalog not pulled yet) or already complete
                    seq += 1
                    conn.execute(insert(t.receiving_lines).values(
                        receiving_id=rid, product_id=pid, sku=ln.sku, on_po=True,
                        ordered=ln.ordered, before=ln.received, counted=0, damaged=0,
                        unit_cost=ln.unit_cost, seq=seq))
                return _load(conn, rid)
            vendor = vendor.strip()
            if not vendor:
                raise InputError("choose the purchase order, or name the vendor of a delivery "
                                 "without one")
            rid = new_id()
            conn.execute(insert(t.receivings).values(
                id=rid, po_id=None, po_number="", vendor=vendor[:100],
                reference=reference.strip(), status="open", started_at=now, user_id=user_id))
            return _load(conn, rid)

    def in_progress(self) -> list[Receiving]:
        """Deliveries opened and not posted (they survive a restart)."""
        r = t.receivings
        with self.ctx.read() as conn:
            ids = conn.execute(select(r.c.id).where(r.c.status == "open")
                               .order_by(r.c.started_at)).scalars().all()
            return [_load(conn, i) for i in ids]

    def get(self, receiving_id: str) -> Receiving:
        with self.ctx.read() as conn:
            return _load(conn, receiving_id)

    def scan(self, receiving_id: str, code: str, count: int = 1) -> Receiving:
        """Count ``count`` scans of ``code`` (a pack barcode counts its multiplier). A measured
        product's line is added with nothing counted: type its quantity."""
        if count <= 0:
            raise QuantityError("quantity must be positive")
        with self.ctx.write() as conn:
            _open(conn, receiving_id)
            item = resolve(conn, code)
            qty = count * item.pack if item.unit == "each" else 0
            line = _line(conn, receiving_id, item.product_id)
            if line is None:
                _add_line(conn, receiving_id, item.product_id, item.sku, qty, item.cost)
            else:
                new = check_quantity(line.counted + qty, item.unit) if qty else line.counted
                conn.execute(update(t.receiving_lines).where(t.receiving_lines.c.id == line.id)
                             .values(counted=new))
            return _load(conn, receiving_id)

    def set_counted(self, receiving_id: str, sku: str, counted: int) -> Receiving:
        """What arrived of a line, all of it (damaged included)."""
        return self._set(receiving_id, sku, counted=counted)

    def set_damaged(self, receiving_id: str, sku: str, damaged: int) -> Receiving:
        """How many of the counted units are damaged (kept off the shelf)."""
        return self._set(receiving_id, sku, damaged=damaged)

    def set_cost(self, receiving_id: str, sku: str, unit_cost: int) -> Receiving:
        if unit_cost < 0:
            raise InputError("a cost cannot be negative")
        return self._set(receiving_id, sku, unit_cost=unit_cost)

    def _set(self, receiving_id: str, sku: str, **values: int) -> Receiving:
        rl = t.receiving_lines
        with self.ctx.write() as conn:
            _open(conn, receiving_id)
            row = conn.execute(select(rl).where(rl.c.receiving_id == receiving_id,
                                                rl.c.sku == sku)).first()
            if row is None:
                raise NotFoundError(f"{sku} is not on this delivery; scan it first")
            counted = values.get("counted", row.counted)
            damaged = values.get("damaged", row.damaged)
            if counted < 0 or damaged < 0:
                raise QuantityError("a quantity cannot be negative")
            if damaged > counted:
                raise QuantityError(f"{damaged} damaged but only {counted} counted: count "
                                    "every unit that arrived, damaged ones too")
            conn.execute(update(rl).where(rl.c.id == row.id).values(**values))
            return _load(conn, receiving_id)

    def cancel(self, receiving_id: str) -> None:
        """Drop a delivery in progress (nothing was posted)."""
        with self.ctx.write() as conn:
            _open(conn, receiving_id)
            conn.execute(update(t.receivings).where(t.receivings.c.id == receiving_id)
                         .values(status="cancelled"))

    def new_product(self, receiving_id: str, user: User, code: str, name: str, price: int,
                    tax_class: str, cost: int | None = None, counted: int = 1) -> Receiving:
        """An unknown barcode becomes a product (manager only): made here at once, proposed to
        the central (``product.proposed``), and counted on this delivery."""
        _manager(user, "adding a new product")
        name = name.strip()
        if not name or len(name) > 200:
            raise InputError("name the new product (1 to 200 characters)")
        if price < 0 or (cost is not None and cost < 0):
            raise InputError("a price or cost cannot be negative")
        if counted <= 0:
            raise QuantityError("quantity must be positive")
        key = normalise(code)
        now = utc_now()
        with self.ctx.write() as conn:
            rec = _open(conn, receiving_id)
            if repo.barcode_owner(conn, key) is not None:
                raise RuleError(f"{code} already belongs to a product; scan it again")
            taxes = repo.tax_class_ids(conn)
            if tax_class not in taxes:
                raise InputError(f"tax class {tax_class!r} is not one of "
                                 f"{', '.join(sorted(taxes))}")
            sku = strip_code(code)  # the code as printed is the new SKU
            if conn.execute(select(t.products.c.id).where(t.products.c.sku == sku)).first():
                raise RuleError(f"there is already a product with SKU {sku}")
            vendor = rec.vendor
            pid = repo.upsert_product(conn, {
                "sku": sku, "name": name, "variant": "", "tax_class_id": taxes[tax_class],
                "vendor_id": repo.lookup_id(conn, t.vendors, vendor), "unit": "each",
                "price": price, "price_per": 1, "cost": cost, "active": True,
                "updated_at": now})
            repo.replace_barcodes(conn, pid, [{"key": key, "code": code, "multiplier": 1,
                                               "pack_price": None}])
            product = wire.Product(sku=sku, name=name, tax_class=tax_class, price=price,
                                   version=0, vendor=vendor, cost=cost,
                                   barcodes=(wire.Barcode(code),))
            ledger.add_event(conn, now, wire.ProductProposed(product=product))
            write_audit(conn, Override("new_product", user.id, user.id, "unknown barcode at "
                                       "receiving", f"{sku} {name}"), receiving_id, now)
            _add_line(conn, receiving_id, pid, sku, counted, cost)
            return _load(conn, receiving_id)

    def post(self, receiving_id: str, user_id: int) -> Posted:
        """Post the delivery in one transaction (see the module docstring)."""
        s = self.ctx.settings
        now = utc_now()
        with self.ctx.write() as conn:
            rec = _open(conn, receiving_id)
            got = _load(conn, receiving_id)
            if not any(ln.counted for ln in got.lines):
                raise InputError("nothing counted yet: scan what arrived, then post")
            pids = dict(conn.execute(
                select(t.receiving_lines.c.sku, t.receiving_lines.c.product_id)
                .where(t.receiving_lines.c.receiving_id == receiving_id)).all())
            costs = _fallback_costs(conn, list(pids.values()))
            conn.execute(insert(t.deliveries).values(
                id=receiving_id, reference=rec.reference or rec.po_number, received_at=now,
                user_id=user_id))
            moves, lines = [], []
            for ln in got.lines:
                cost = ln.unit_cost if ln.unit_cost is not None else costs.get(pids[ln.sku])
                good = ln.counted - ln.damaged
                if good:
                    moves.append(Movement(new_id(), pids[ln.sku], good, MovementKind.RECEIVE,
                                          "delivery", receiving_id, cost, now, user_id,
                                          s.terminal))
                if ln.counted:
                    lines.append(wire.ReceivedLine(sku=ln.sku, counted=ln.counted,
                                                   received=good, damaged=ln.damaged,
                                                   unit_cost=cost))
            found = got.discrepancies()
            if found:
                conn.execute(insert(t.delivery_discrepancies), [
                    {"receiving_id": receiving_id, **d.to_json()} for d in found])
            posted = ledger.append(conn, s.terminal, moves)
            skus = {pids[sku]: sku for sku in pids}
            event_id = ledger.add_event(conn, now, wire.StockReceived(
                reference=rec.reference or rec.po_number or receiving_id,
                delivery_id=receiving_id, vendor=rec.vendor, lines=tuple(lines),
                discrepancies=tuple(wire.Discrepancy(**d.to_json()) for d in found),
                po_id=rec.po_id or None, po_number=(rec.po_number or "") if rec.po_id else "",
                movements=ledger.movement_payload(posted, skus)))
            conn.execute(update(t.receivings).where(t.receivings.c.id == receiving_id).values(
                status="posted", posted_at=now, user_id=user_id, event_id=event_id))
            received = {skus[m.movement.product_id]: m.movement.quantity for m in posted}
            on_hand = {sku: ledger.on_hand(conn, pid) for sku, pid in pids.items()}
        return Posted(receiving_id, event_id, received, on_hand, found)


# -- helpers ----------------------------------------------------------------------------------
def _manager(user: User, what: str) -> None:
    if user.role < Role.MANAGER:
        raise AuthError(f"{what} needs a manager; {user.name} is a {user.role.name.lower()}")


def _open(conn: Connection, receiving_id: str) -> Any:
    r = t.receivings
    row = conn.execute(select(r).where(r.c.id == receiving_id)).first()
    if row is None:
        raise NotFoundError(f"no delivery {receiving_id}")
    if row.status != "open":
        raise RuleError(f"this delivery is already {row.status}")
    return row


def _line(conn: Connection, receiving_id: str, product_id: int) -> Any:
    rl = t.receiving_lines
    return conn.execute(select(rl.c.id, rl.c.counted).where(
        rl.c.receiving_id == receiving_id, rl.c.product_id == product_id)).first()


def _add_line(conn: Connection, receiving_id: str, product_id: int, sku: str, counted: int,
              cost: int | None) -> None:
    rl = t.receiving_lines
    seq = conn.execute(select(func.coalesce(func.max(rl.c.seq), 0))
                       .where(rl.c.receiving_id == receiving_id)).scalar_one() + 1
    conn.execute(insert(rl).values(
        receiving_id=receiving_id, product_id=product_id, sku=sku, on_po=False, ordered=0,
        before=0, counted=counted, damaged=0, unit_cost=cost, seq=seq))


def _fallback_costs(conn: Connection, product_ids: list[int]) -> dict[int, int | None]:
    p = t.products
    return dict(conn.execute(select(p.c.id, p.c.cost).where(p.c.id.in_(product_ids))).all())


def _load(conn: Connection, receiving_id: str) -> Receiving:
    r, rl, p = t.receivings, t.receiving_lines, t.products
    row = conn.execute(select(r).where(r.c.id == receiving_id)).first()
    if row is None:
        raise NotFoundError(f"no delivery {receiving_id}")
    lines = [ReceivingLine(
        x.sku, f"{x.name} {x.variant}".strip(), x.unit, bool(x.on_po), x.ordered, x.before,
        x.counted, x.damaged, x.unit_cost if x.unit_cost is not None else x.cost)
        for x in conn.execute(
            select(rl.c.sku, rl.c.on_po, rl.c.ordered, rl.c.before, rl.c.counted,
                   rl.c.damaged, rl.c.unit_cost, p.c.name, p.c.variant, p.c.unit, p.c.cost)
            .join(p, p.c.id == rl.c.product_id)
            .where(rl.c.receiving_id == receiving_id).order_by(rl.c.seq))]
    return Receiving(row.id, row.po_id, row.po_number, row.vendor, row.reference, row.status,
                     row.started_at, lines)


def _unsent_receipts(conn: Connection) -> dict[tuple[str, str], int]:
    """(po id, sku) -> good units posted here whose events the central does not hold yet."""
    r, rl, o = t.receivings, t.receiving_lines, t.outbox
    rows = conn.execute(
        select(r.c.po_id, rl.c.sku, func.sum(rl.c.counted - rl.c.damaged))
        .select_from(r.join(rl, rl.c.receiving_id == r.c.id)
                     .join(o, o.c.event_id == r.c.event_id))
        .where(r.c.status == "posted", r.c.po_id.is_not(None), o.c.status == "pending")
        .group_by(r.c.po_id, rl.c.sku)).all()
    return {(po, sku): int(n) for po, sku, n in rows}


def _open_orders(conn: Connection) -> list[OpenPo]:
    po, pl, p, d = t.purchase_orders, t.purchase_order_lines, t.products, t.po_drafts
    unsent = _unsent_receipts(conn)
    names = dict(conn.execute(select(p.c.sku, (p.c.name + " " + p.c.variant))).all())
    out: list[OpenPo] = []
    pulled = conn.execute(select(po).order_by(po.c.created_at, po.c.number)).all()
    for row in pulled:
        lines = [PoLine(x.sku, (names.get(x.sku) or x.sku).strip(), x.ordered,
                        x.received + unsent.get((row.id, x.sku), 0), x.unit_cost)
                 for x in conn.execute(select(pl).where(pl.c.po_id == row.id)
                                       .order_by(pl.c.sku))]
        out.append(OpenPo(row.id, row.number, row.vendor, row.status, lines))
    known = {row.id for row in pulled}
    for row in conn.execute(select(d).order_by(d.c.created_at)):
        if row.id in known:
            continue
        lines = [PoLine(x["sku"], (names.get(x["sku"]) or x["sku"]).strip(), x["quantity"],
                        unsent.get((row.id, x["sku"]), 0), x.get("unit_cost"))
                 for x in json.loads(row.lines)]
        out.append(OpenPo(row.id, f"DRAFT-{row.id[:8].upper()}", row.vendor, "drafted",
                          lines, draft=True))
    return out


def replace_purchase_orders(conn: Connection, page: wire.PurchaseOrdersPage) -> int:
    """Replace the pulled POs with a page from the central (in the caller's transaction) and
    forget drafts the central now holds (their event was sent)."""
    po, pl, d, o = t.purchase_orders, t.purchase_order_lines, t.po_drafts, t.outbox
    now = utc_now()
    conn.execute(delete(pl))
    conn.execute(delete(po))
    for x in page.purchase_orders:
        conn.execute(insert(po).values(
            id=x.id, number=x.number, vendor=x.vendor, status=x.status, origin=x.origin,
            created_at=x.created_at, sent_at=x.sent_at, note=x.note, pulled_at=now))
        if x.lines:
            conn.execute(insert(pl), [{"po_id": x.id, "sku": ln.sku, "ordered": ln.ordered,
                                       "received": ln.received, "unit_cost": ln.unit_cost}
                                      for ln in x.lines])
    sent = select(o.c.event_id).where(o.c.status == "sent")
    conn.execute(delete(d).where(d.c.event_id.in_(sent)))
    return len(page.purchase_orders)
