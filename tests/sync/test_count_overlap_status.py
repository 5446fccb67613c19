"""Through a real central on loopback: two registers counting one product at the same time
(both variances stand, the second is flagged for review), and ``sync --status`` showing what
the central last measured of the register (clock skew, quarantined events)."""

from __future__ import annotations

import json

import httpx
import pytest
from sync_helpers import SKU, WATER, Registers, local_on_hand, ok
from test_sync_e2e import provision

from pos_central.cli import main as central_main
from pos_central.services import counts
from pos_central.testing import CentralHandle

PRODUCT = SKU[WATER]


def _count(d, counted: int) -> int:  # type: ignore[no-untyped-def]
    start = json.loads(ok(d, "count-session", "start", "--codes", WATER,
                          "--recount-units", "100", "--json"))
    ok(d, "count-session", "set", str(start["number"]), WATER, str(counted))
    return int(start["number"])


def test_overlapping_counts_both_stand_and_the_second_is_flagged(
        central: CentralHandle, register: Registers, capsys: pytest.CaptureFixture[str]
) -> None:
    r1, r2 = register("S1", "R1"), register("S1", "R2")
    for d, name in ((r1, "R1"), (r2, "R2")):
        provision(central, d, "S1", name)
    ok(r1, "receive", f"{WATER}x30")
    for d in (r1, r2, r1, r2):
        ok(d, "sync", "--once")
    assert local_on_hand(r2, PRODUCT) == 30
    # both count while neither knows of the other's count: each finds 2 missing
    n1, n2 = _count(r1, 28), _count(r2, 28)
    ok(r1, "count-session", "post", str(n1))
    ok(r2, "count-session", "post", str(n2))
    for d in (r1, r2, r1, r2):
        assert "sync ok" in ok(d, "sync", "--once")
    assert central.stock(PRODUCT)["S1"] == 26  # both deltas stand ...
    (flag,) = counts.overlapping(central.engine, "S1")  # ... and the second is for review
    assert (flag.second.register, flag.second.number, flag.second.variance) == ("R2", n2, -2)
    assert (flag.first.register, flag.first.number) == ("R1", n1)
    assert flag.to_json()["combined_variance"] == -4
    # the admin sees it through the API and the command line
    got = httpx.get(f"{central.api}/admin/count-reviews", params={"store": "S1"},
                    headers={"Authorization": f"Bearer {central.admin_token()}"})
    assert got.status_code == 200
    assert [r["review"]["register"] for r in got.json()["count_reviews"]] == ["R2"]
    assert httpx.get(f"{central.api}/admin/count-reviews").status_code == 401
    assert central_main(["counts", "review", "--store", "S1", "--db", central.db_url]) == 0
    said = capsys.readouterr().out
    assert f"count {n2} on R2 (-2) overlapped count {n1} on R1 (-2); together -4" in said
    # a count after the other's was synced is no overlap: R1 recounts, finds the 28 there
    n3 = _count(r1, 28)
    ok(r1, "count-session", "post", str(n3))
    assert "sync ok" in ok(r1, "sync", "--once")
    assert central.stock(PRODUCT)["S1"] == 28
    assert len(counts.overlapping(central.engine, "S1")) == 1
    assert counts.overlapping(central.engine, "S2") == []


def test_sync_status_shows_what_the_central_measured(central: CentralHandle,
                                                     register: Registers) -> None:
    d = register("S1", "R1")
    before = json.loads(ok(d, "sync", "--status", "--json"))
    assert before["central_view"] is None and before["central_view_error"] is None
    provision(central, d, "S1", "R1")
    ok(d, "receive", f"{WATER}x3")
    assert "sync ok" in ok(d, "sync", "--once")
    got = json.loads(ok(d, "sync", "--status", "--json"))
    seen = got["central_view"]
    assert got["central_view_error"] is None
    assert seen["events_held"] >= 1 and seen["pending"] == 0
    assert seen["clock_skew_ms"] is not None and abs(seen["clock_skew_s"]) < 5
    assert seen["quarantined"] == 0 and seen["quarantined_at"]
    text = ok(d, "sync", "--status")
    assert "central says" in text and "s skew" in text and "0 quarantined" in text
    central.stop()  # the central gone: the local figures, and why the central's are missing
    gone = json.loads(ok(d, "sync", "--status", "--json"))
    assert gone["central_view"] is None and gone["central_view_error"]
    assert gone["pending"] == 0
