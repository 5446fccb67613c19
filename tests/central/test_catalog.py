"""GET /catalog?since=V with store prices; admin import and prices."""

from __future__ import annotations

from central_helpers import CATALOG, World

from pos_protocol import wire


def test_full_then_incremental_pull(world: World) -> None:
    c = world["S1/R1"].client
    page = wire.parse_catalog_page(c.get("/catalog").json())
    assert [p.sku for p in page.products] == ["100001", "100002", "100003"]
    assert page.version == 3 and not page.more
    water = page.products[0]
    assert (water.price, water.unit, water.tax_class) == (59, "each", "RED")
    assert [(b.code, b.multiplier, b.pack_price) for b in water.barcodes] == [
        ("4037674097186", 1, None), ("24037674097180", 6, 299)]
    apples = page.products[2]
    assert (apples.unit, apples.price_per, apples.price) == ("g", 1000, 299)
    assert c.get("/catalog", params={"since": page.version}).json() == {
        "version": 3, "products": [], "more": False}


def test_price_change_bumps_the_version(world: World) -> None:
    c1, c2 = world["S1/R1"].client, world["S2/R1"].client
    v = c1.get("/catalog").json()["version"]
    r = world.admin.put("/admin/products/100002/price", json={"price": 129})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == v + 1
    got = c1.get("/catalog", params={"since": v}).json()
    assert [(p["sku"], p["price"], p["version"]) for p in got["products"]] == [
        ("100002", 129, v + 1)]
    assert got["version"] == v + 1
    # one store's own price
    world.admin.put("/admin/products/100002/price", json={"price": 99, "store": "S2"})
    assert c2.get("/catalog", params={"since": v + 1}).json()["products"][0]["price"] == 99
    assert c1.get("/catalog", params={"since": v + 1}).json()["products"][0]["price"] == 129


def test_paging_by_version(world: World) -> None:
    rows = "\n".join(f"X{i:03d},Item {i},STD,1.{i % 100:02d}" for i in range(25))
    world.central.import_catalog_csv("sku,name,tax_class,price\n" + rows + "\n")
    c = world["S1/R1"].client
    since, seen, pages = 3, [], 0
    while True:
        page = c.get("/catalog", params={"since": since, "limit": 10}).json()
        seen += [p["sku"] for p in page["products"]]
        since = page["version"]
        pages += 1
        if not page["more"]:
            break
    assert seen == [f"X{i:03d}" for i in range(25)]
    assert pages == 3 and since == 28


def test_import_through_the_admin_api(world: World) -> None:
    again = world.admin.post("/admin/catalog", content=CATALOG.encode(),
                             headers={"Content-Type": "text/csv"})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3, "version": 3}
    changed = CATALOG.replace("Cola,0.33 l", "Cola Zero,0.33 l")
    got = world.admin.post("/admin/catalog", content=changed.encode()).json()
    assert got == {"created": 0, "updated": 1, "unchanged": 2, "version": 4}


def test_bad_catalog_names_its_lines_and_imports_nothing(world: World) -> None:
    bad = "sku,name,tax_class,price\nA1,Fine,STD,1.00\nA2,Broken,STD,abc\nA3,Tax,NOPE,1\n"
    r = world.admin.post("/admin/catalog", content=bad.encode())
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "csv"
    assert [p.split(":")[0] for p in body["problems"]] == ["line 3", "line 4"]
    assert world["S1/R1"].client.get("/catalog", params={"since": 3}).json()["products"] == []


def test_barcode_of_another_product_is_refused(world: World) -> None:
    bad = "sku,name,tax_class,price,barcodes\nZ1,Copy,STD,1.00,5449000000996\n"
    r = world.admin.post("/admin/catalog", content=bad.encode())
    assert r.status_code == 422
    assert "already belongs to product 100002" in r.json()["error"]


def test_stock_across_stores_for_admins(world: World) -> None:
    world["S1/R1"].post([{"event_id": "0190a3f0-0000-7000-8000-000000000001", "seq": 1,
                          "type": "stock.received", "occurred_at": "2026-11-24T10:00:00Z",
                          "payload": {"movements": [{
                              "id": "0190a3f0-0000-7000-8000-0000000000a1", "sku": "100001",
                              "quantity": 12, "kind": "receive",
                              "occurred_at": "2026-11-24T10:00:00Z"}]}}])
    got = world.admin.get("/admin/stock/24037674097180").json()  # the six-pack's barcode
    assert got == {"sku": "100001", "name": "Still Water 0.5 l", "known": True,
                   "on_hand": {"S1": 12, "S2": 0}, "total": 12}
    assert world.admin.get("/admin/stock/999").status_code == 404


def test_the_central_reads_catalog_files_as_the_register_does(world: World) -> None:
    """Same reader as the register: Windows-1252, ';' and decimal commas, refusals by line."""
    cp = "sku;name;tax_class;price\nW1;Crème brûlée „fine“;STD;3,10\n".encode("cp1252")
    got = world.admin.post("/admin/catalog", content=cp).json()
    assert got["created"] == 1
    page = world["S1/R1"].client.get("/catalog", params={"since": 3}).json()["products"]
    assert [(p["sku"], p["name"], p["price"]) for p in page] == [
        ("W1", "Crème brûlée „fine“", 310)]
    for bad, words in [(b"sku,name,tax_class,price\nW2,Tea,STD,2,50\n",
                        "line 2: 5 fields, but the header has 4"),
                       (b"sku;name;tax_class;price\nW2;Tea;STD;1,234\n", "line 2: price"),
                       (b"sku,name,tax_class,price\nW2,T\x81,STD,1.00\n", "line 2: byte 0x81")]:
        r = world.admin.post("/admin/catalog", content=bad)
        assert r.status_code == 422 and r.json()["field"] == "csv"
        assert any(words in p for p in r.json()["problems"]), r.json()
