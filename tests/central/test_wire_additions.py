"""The helpers the central added to the shared wire module (pure; no server)."""

from __future__ import annotations

import uuid

import pytest

from pos_protocol import wire

WHEN = "2026-11-24T10:00:00.5Z"


def _move() -> wire.Movement:
    return wire.Movement(id=str(uuid.uuid4()), sku="A1", quantity=-2, kind="sale",
                         occurred_at=WHEN, reference="r", unit_cost=10, seq=3, hash="f" * 64)


def test_sibling_movement_round_trip() -> None:
    s = wire.SiblingMovement(7, "R2", _move())
    page = wire.parse_movements_page({"cursor": 7, "movements": [wire.sibling_to_json(s)],
                                      "more": False})
    assert page == wire.MovementsPage(7, (s,), False)


def test_parse_event_movements_matches_parse_event() -> None:
    m = _move()
    raw = {"event_id": str(uuid.uuid4()), "seq": 1, "type": "sale.completed",
           "occurred_at": WHEN, "payload": {"movements": [wire.movement_to_json(m)]}}
    event, moves = wire.parse_event_movements(raw, "events[0]")
    assert event == wire.parse_event(raw, "events[0]") and moves == [m]
    raw["payload"]["movements"].append(wire.movement_to_json(m))
    with pytest.raises(wire.WireError) as err:
        wire.parse_event_movements(raw, "events[0]")
    assert err.value.field == "events[0].payload.movements[1].id"
    wire.parse_event(raw)  # the original parse still accepts it (shape unchanged)


def test_answers_parse() -> None:
    ans = wire.parse_events_answer({"held": ["a"], "rejected": [
        {"event_id": None, "field": "events[1]", "reason": "expected an object"}]})
    assert ans.held == ("a",) and ans.rejected[0].field == "events[1]"
    assert wire.batch_pending({"events": [], "pending": 4}) == 4
    assert wire.batch_pending({"events": []}) is None
    with pytest.raises(wire.WireError) as err:
        wire.batch_pending({"pending": "4"})
    assert err.value.field == "pending"
    assert wire.error_of({"error": "x", "field": "since"}) == ("x", "since")
    assert wire.error_of("<html>")[1] is None


def test_proposal_without_version() -> None:
    p = wire.ProductProposed.parse({"product": {"sku": "N1", "name": "New", "tax_class": "STD",
                                                "price": 100}}).product
    assert (p.sku, p.version, p.unit) == ("N1", 0, "each")
    with pytest.raises(wire.WireError) as err:
        wire.ProductProposed.parse({"product": "N1"})
    assert err.value.field == "payload.product"


def test_status_round_trip() -> None:
    s = wire.Status(1, "2026-11-24T10:00:00.000Z", "S1", "R1", None, 0, None, None, None,
                    None, 0)
    assert wire.parse_status(s.to_json()) == s


@pytest.mark.parametrize("bad", [5, "short", {"kind": "short"}])
def test_discrepancies_that_are_not_a_list_are_a_wire_error(bad: object) -> None:
    """A malformed field in a transfer receipt is refused for that event, never a crash (500)."""
    payload = {"transfer_id": str(uuid.uuid4()), "from_store": "S1", "lines": [],
               "discrepancies": bad}
    with pytest.raises(wire.WireError) as err:
        wire.StockTransferredIn.parse(payload)
    assert err.value.field == "payload.discrepancies"
