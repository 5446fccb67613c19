"""Purchase orders end to end against a real central (uvicorn on loopback; PostgreSQL when
``POS_TEST_PG_URL`` is set): the central sends a PO, the register pulls it, receives part of
it with a short and a damaged line, syncs; the central's PO is partially received and on-hand
moved; a PO drafted at the register and a product made from an unknown barcode arrive."""

from __future__ import annotations

from pathlib import Path

from sync_helpers import COLA, CRISPS, HONEY, Registers, ok

from pos_central.services import catalog, purchasing
from pos_central.testing import CentralHandle
from pos_terminal.bootstrap import open_register

WATER_6 = "24037674097180"  # a pack of six 100001


def _provisioned(central: CentralHandle, d: Path) -> None:
    ok(d, "provision", "--central", central.url, "--code", central.enroll_code("S1", "R1"))
    ok(d, "sync", "--once")


def test_po_sent_pulled_received_in_part_and_synced(central: CentralHandle,
                                                    register: Registers) -> None:
    d = register("S1", "R1")
    _provisioned(central, d)
    sent = purchasing.create(central.engine, "S1", "AquaCo",
                             [("100001", 24, 30), ("100002", 12, None), ("100003", 6, None)],
                             send=True)
    ok(d, "sync", "--once")  # the register pulls the PO
    with open_register(d) as app:
        (order,) = app.receiving.open_orders()
        assert (order.number, [(ln.sku, ln.ordered) for ln in order.lines]) == (
            sent.number, [("100001", 24), ("100002", 12), ("100003", 6)])
        boss = app.users.system_user()
        r = app.receiving.start(boss.id, po=sent.number, reference="DN-77")
        app.receiving.scan(r.id, WATER_6, 2)  # 12 of 24: short 12
        app.receiving.scan(r.id, COLA, 12)
        app.receiving.set_damaged(r.id, "100002", 2)  # 10 good, 2 damaged
        # crisps not delivered at all: short 6; an unknown jar arrives as well
        app.receiving.new_product(r.id, boss, HONEY, "Local Honey", 599, "RED", 310, counted=3)
        posted = app.receiving.post(r.id, boss.id)
        assert sorted((x.sku, x.kind, x.quantity) for x in posted.discrepancies) == [
            ("100001", "short", 12), ("100002", "damaged", 2), ("100003", "short", 6),
            ("4000000000006", "unexpected", 3)]
        drafted = app.receiving.draft_po(boss, "AquaCo", [(CRISPS, 24)], "for the weekend")
    ok(d, "sync", "--once")

    got = purchasing.get(central.engine, sent.id)
    assert got.status == "partially_received"
    assert {ln.sku: ln.received for ln in got.lines} == {"100001": 12, "100002": 10,
                                                         "100003": 0}
    assert central.stock("100001")["S1"] == 12 and central.stock("100002")["S1"] == 10
    mine = purchasing.get(central.engine, drafted.id)
    assert (mine.status, mine.origin, mine.note) == ("sent", "register", "for the weekend")
    assert [(ln.sku, ln.ordered) for ln in mine.lines] == [("100003", 24)]
    (proposal,) = catalog.list_proposals(central.engine)
    assert (proposal["sku"], proposal["product"]["name"]) == ("4000000000006", "Local Honey")
    assert central.stock("4000000000006")["S1"] == 3  # counted, flagged until adopted

    with open_register(d) as app:  # the pull after the push brought the central's view back
        orders = {o.number: o for o in app.receiving.open_orders()}
        assert not any(o.draft for o in orders.values())
        assert {ln.sku: ln.received for ln in orders[sent.number].lines} == {
            "100001": 12, "100002": 10, "100003": 0}
        assert mine.number in orders
        again = app.receiving.start(app.users.system_user().id, po=sent.number)
        assert [(ln.sku, ln.before) for ln in again.lines] == [
            ("100001", 12), ("100002", 10), ("100003", 0)]
