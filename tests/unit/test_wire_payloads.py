"""Typed event payloads (pos_protocol.wire): one class per event type, whose builder and parser
come from one field list, so what a register sends is what the central reads."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_protocol import wire
from pos_protocol.wire import _record as r  # the field kinds, to generate every payload
from pos_protocol.wire._movements import MOVEMENTS

WHEN = "2026-11-24T10:00:00.123Z"
ID = str(uuid.UUID(int=7))


def test_every_event_type_has_its_payload_class() -> None:
    assert set(wire.PAYLOADS) == wire.EVENT_TYPES
    assert {cls.TYPE for cls in wire.PAYLOADS.values()} == wire.EVENT_TYPES
    assert all(issubclass(cls, wire.Payload) for cls in wire.PAYLOADS.values())


def _text(k: r.Text) -> st.SearchStrategy[str]:
    if k.choices:
        return st.sampled_from(k.choices)
    return st.text("ab1 é€", min_size=1, max_size=min(k.max_len, 8))


def _value(kind: r.Kind) -> st.SearchStrategy[Any]:
    if isinstance(kind, r.Text):
        return _text(kind)
    if isinstance(kind, r.Int):
        return st.integers(kind.lo, kind.hi)
    if isinstance(kind, r.Bool):
        return st.booleans()
    if isinstance(kind, r.Time):
        return st.just(WHEN)
    if isinstance(kind, r.Uuid):
        return st.uuids().map(str)
    if isinstance(kind, r.Object):
        return st.dictionaries(st.sampled_from(["kind", "department", "shelf"]), st.text())
    if isinstance(kind, r.Many):
        item = _value(kind.of) if isinstance(kind.of, r.Kind) else records(kind.of)
        if kind.by_sku:  # each SKU once, at least one line
            return st.lists(item, min_size=1, max_size=3,
                            unique_by=lambda x: x.sku).map(tuple)
        return st.lists(item, max_size=3).map(tuple)
    if kind is MOVEMENTS:
        return st.lists(st.builds(
            wire.Movement, id=st.uuids().map(str), sku=st.text(min_size=1, max_size=8),
            quantity=st.integers(-1000, 1000), kind=st.sampled_from(sorted(wire.MOVEMENT_KINDS)),
            occurred_at=st.just(WHEN), seq=st.integers(1, 10**6),
            hash=st.just("a" * 64)), max_size=3).map(tuple)
    if isinstance(kind, r.Custom):  # the one other: a proposal's product
        return st.builds(wire.Product, sku=st.just("N1"), name=st.just("New"),
                         tax_class=st.just("STD"), price=st.integers(0, 10**6),
                         version=st.just(0))
    raise AssertionError(f"no strategy for {kind!r}")


def records(cls: type[r.Record]) -> st.SearchStrategy[Any]:
    """Instances of a record: required fields always, optional ones given or left out."""
    out: dict[str, st.SearchStrategy[Any]] = {}
    for fd in dataclasses.fields(cls):  # type: ignore[arg-type]
        kind, _ = fd.metadata["wire"]
        value = _value(kind)
        if fd.default is not dataclasses.MISSING:
            value = st.one_of(st.just(fd.default), value)
        out[fd.name] = value
    return st.builds(cls, **out)


@pytest.mark.parametrize("type_", sorted(wire.EVENT_TYPES))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_payload_parses_back_to_itself(type_: str, data: st.DataObject) -> None:
    cls = wire.PAYLOADS[type_]
    payload = data.draw(records(cls))
    assert cls.parse(payload.to_json()) == payload
    event = wire.parse_event({"event_id": ID, "seq": 1, "type": type_, "occurred_at": WHEN,
                              "payload": payload.to_json()})
    assert wire.parse_payload(event) == payload


def test_older_payloads_still_parse() -> None:
    """Fields added within v1 are optional: what registers sent before them still reads."""
    received = wire.StockReceived.parse({"reference": "opening stock", "movements": []})
    assert (received.po_id, received.lines, received.vendor) == (None, (), "")
    sale = wire.SaleCompleted.parse({
        "sale_id": ID, "receipt_no": "S1-R1-000001", "currency": "EUR", "total": 150,
        "tax": 24, "discount": 0, "payments": [{"kind": "cash", "amount": 150}],
        "lines": [{"line_no": 1, "sku": "A", "qty": 1, "amount": 150, "tax": 24,
                   "total": 150}]})
    assert sale.deposits == () and sale.lines[0].promo_saving == 0 and sale.movements == ()
    count = wire.StockCounted.parse({"reference": ID, "lines": [{"sku": "A", "counted": 3}]})
    assert count.lines[0].counted_at is None and count.lines[0].variance == 0


def test_what_the_register_leaves_out_stays_out() -> None:
    """A plain sale's JSON has no empty deposit list, promotion saving or voucher fields."""
    sale = wire.SaleCompleted(
        sale_id=ID, receipt_no="S1-R1-000001", currency="EUR", total=150, tax=24, discount=0,
        lines=(wire.SaleLine(line_no=1, sku="A", qty=1, amount=150, tax=24, total=150),),
        payments=(wire.Tender(kind="cash", amount=150),))
    j = sale.to_json()
    assert set(j) == {"sale_id", "receipt_no", "currency", "total", "tax", "discount",
                      "lines", "payments", "movements"}
    assert set(j["lines"][0]) == {"line_no", "sku", "qty", "amount", "tax", "total"}


@pytest.mark.parametrize(("type_", "payload", "field"), [
    ("purchase_order.drafted", {"po_id": ID, "vendor": "V", "lines": []}, "payload.lines"),
    ("purchase_order.drafted", {"po_id": ID, "vendor": "V", "lines": [
        {"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}]}, "payload.lines[1].sku"),
    ("stock.transferred_out", {"transfer_id": "T1", "number": "T", "to_store": "S2",
                               "lines": [{"sku": "A", "quantity": 1}]}, "payload.transfer_id"),
    ("stock.transferred_in", {"transfer_id": ID, "from_store": "S1", "lines": [
        {"sku": "A", "sent": -1}]}, "payload.lines[0].sent"),
    ("stock.received", {"po_id": ID, "discrepancies": [{"kind": "lost", "sku": "A",
                                                        "quantity": 1}]},
     "payload.discrepancies[0].kind"),
    ("reorder.set", {"sku": "A", "reorder_point": "3"}, "payload.reorder_point"),
    ("deposit.refunded", {"refund_id": ID, "refund_no": "D1", "method": "cheque",
                          "currency": "EUR", "total": 1, "tax": 0, "lines": []},
     "payload.method"),
])
def test_a_bad_field_is_named(type_: str, payload: dict[str, Any], field: str) -> None:
    with pytest.raises(wire.WireError) as err:
        wire.PAYLOADS[type_].parse(payload)
    assert err.value.field == field
