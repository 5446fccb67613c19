"""GET /movements?since=C: the store's other registers' movements, oldest first, paged."""

from __future__ import annotations

from central_helpers import World, event, movement, sale

from pos_protocol import wire


def test_siblings_only_and_cursor(world: World) -> None:
    r1, r2, other = world["S1/R1"], world["S1/R2"], world["S2/R1"]
    r1.post([sale("100001", 1)])
    mine = [movement("100002", -2, reason="", reference="r-1", seq=1, hash="ab" * 32)]
    r2.post([event(*mine)])
    other.post([sale("100001", 5)])
    r1.post([sale("100001", 1)])

    page = wire.parse_movements_page(r1.client.get("/movements").json())
    assert [(s.register, s.movement.sku, s.movement.quantity) for s in page.movements] == [
        ("R2", "100002", -2)]
    got = page.movements[0].movement
    assert (got.id, got.reference, got.seq, got.hash) == (mine[0]["id"], "r-1", 1, "ab" * 32)
    assert got.occurred_at == mine[0]["occurred_at"]  # exactly as sent
    # nothing new for R1 after its cursor, though R1 itself and S2 moved on
    again = r1.client.get("/movements", params={"since": page.cursor}).json()
    assert again["movements"] == [] and again["cursor"] == page.cursor
    r1.post([sale("100002", 1)])
    r2.post([sale("100003", 250)])
    nxt = r1.client.get("/movements", params={"since": page.cursor}).json()
    assert [m["movement"]["sku"] for m in nxt["movements"]] == ["100003"]
    assert nxt["cursor"] > page.cursor
    # R2 sees R1's four, S2's register sees none of S1's
    assert len(r2.client.get("/movements").json()["movements"]) == 3
    assert other.client.get("/movements").json()["movements"] == []


def test_paging(world: World) -> None:
    world["S1/R2"].post([sale("100001", 1) for _ in range(25)])
    c = world["S1/R1"].client
    cursor, got, pages = 0, [], 0
    while True:
        page = c.get("/movements", params={"since": cursor, "limit": 10}).json()
        got += [m["cursor"] for m in page["movements"]]
        cursor = page["cursor"]
        pages += 1
        if not page["more"]:
            break
    assert len(got) == 25 and got == sorted(got) and pages == 3
