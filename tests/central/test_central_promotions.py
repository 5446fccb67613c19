"""Promotions and deposits at the central: import (API and CLI), catalog pages, register pull."""

from __future__ import annotations

import json
from pathlib import Path

from central_helpers import World

from pos_central.cli import main as central_main
from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.services.sale_session import SaleSession

RULES = {
    "promotions": [
        {"id": "W32", "label": "Water 3 for 2", "kind": "multibuy", "skus": ["100001"],
         "qty": 3, "pay_for": 2},
        {"id": "HH", "label": "Happy hour produce -10%", "kind": "department",
         "department": "Produce", "percent": "10",
         "window": {"start_time": "17:00", "end_time": "19:00", "weekdays": [4, 5]}},
    ],
    "deposits": [{"code": "PET25", "name": "Deposit PET", "amount": 25}],
    "products": [{"sku": "100001", "deposit": "PET25"}, {"sku": "100003", "tare": 12}],
}


def test_imported_rules_reach_the_catalog_page_once(world: World) -> None:
    c = world["S1/R1"].client
    v0 = c.get("/catalog").json()["version"]
    r = world.admin.post("/admin/promotions", json=RULES)
    assert r.status_code == 200, r.text
    assert r.json() == {"promotions": 2, "deposits": 1, "products": 2, "unchanged": 0,
                        "version": v0 + 5}
    page = wire.parse_catalog_page(c.get("/catalog", params={"since": v0}).json())
    assert [p.promo_id for p in page.promotions] == ["W32", "HH"]
    assert page.promotions[1].rule["percent_ppm"] == 100_000
    assert [(d.code, d.amount) for d in page.deposits] == [("PET25", 25)]
    assert [(p.sku, p.deposit, p.tare) for p in page.products] == [
        ("100001", "PET25", None), ("100003", None, 12)]
    # the same file again changes nothing and sends nothing
    again = world.admin.post("/admin/promotions", json=RULES).json()
    assert again["unchanged"] == 5 and again["version"] == v0 + 5
    assert c.get("/catalog", params={"since": v0 + 5}).json() == {
        "version": v0 + 5, "products": [], "more": False}  # older registers see no new keys
    listed = world.admin.get("/admin/promotions").json()
    assert [p["id"] for p in listed["promotions"]] == ["HH", "W32"]


def test_bad_rules_are_refused_whole(world: World) -> None:
    bad = {"promotions": [RULES["promotions"][0],
                          {"id": "X", "label": "x", "kind": "multibuy", "skus": ["100002"],
                           "qty": 2}],
           "products": [{"sku": "100002", "deposit": "NOPE"}]}
    r = world.admin.post("/admin/promotions", json=bad)
    assert r.status_code == 422
    assert "pay_for or a price" in r.json()["error"]
    assert world.admin.get("/admin/promotions").json()["promotions"] == []
    r = world.admin.post("/admin/promotions", json={"products": [{"sku": "100002",
                                                                  "deposit": "NOPE"}]})
    assert r.status_code == 422 and "unknown deposit NOPE" in r.json()["error"]


def test_cli_import_and_list(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "rules.json"
    f.write_text(json.dumps(RULES))
    db = world.central.db_url
    assert central_main(["promotions", "import", str(f), "--db", db]) == 0
    assert "2 promotion(s), 1 deposit type(s), 2 product link(s)" in capsys.readouterr().out
    assert central_main(["promotions", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "W32" in out and "deposit PET25" in out
    f.write_text("{not json")
    assert central_main(["promotions", "import", str(f), "--db", db]) != 0


def test_register_pull_applies_promotions_and_deposits(world: World, app: App) -> None:
    world.admin.post("/admin/promotions", json=RULES)
    page = wire.parse_catalog_page(world["S1/R1"].client.get("/catalog").json())
    got = app.sync.apply_catalog(page)
    assert not got.skipped
    s = SaleSession(app.ctx, app.checkout, app.parking, app.users, app.users.system_user(),
                    promotions=app.promotions)
    line = s.scan("4037674097186", 3)
    t = s.totals()
    assert line.promo_labels == ("Water 3 for 2",)
    assert [(d.deposit.code, d.count, d.amount) for d in t.deposits] == [("PET25", 3, 75)]
