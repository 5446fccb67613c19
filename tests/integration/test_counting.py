"""Count sessions on a real register database: scopes, blind counting, scans and packs,
recounts of large variances, posting deltas from the on-hand at count time, restarts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App, open_register
from pos_terminal.errors import AuthError, InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.counting import CountingService, RecountNeeded, Threshold

from ledger_checks import check_register

CASHIER, MANAGER = 2, 3


def _svc(app: App) -> CountingService:
    return CountingService(app.ctx)


def _pick(products: list[dict], department: str, n: int = 3) -> list[dict]:
    return [p for p in products if p["department"] == department and p["unit"] == "each"][:n]


def _code(p: dict) -> str:
    return next(b["code"] for b in p["barcodes"] if "multiplier" not in b)


def _events(app: App, type_: str) -> list[dict]:
    c = sqlite3.connect(app.paths.database)
    try:
        return [json.loads(r[0]) for r in c.execute(
            "SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (type_,))]
    finally:
        c.close()


def test_department_count_is_blind_and_posts_deltas_from_the_count_moment(
        app: App, products: list[dict]) -> None:
    svc = _svc(app)
    a, b, c = _pick(products, "Snacks")
    s = svc.start("department", CASHIER, department="snacks", threshold=Threshold(10_000, 0))
    assert s.blind and s.scope == {"department": "Snacks"} and s.counted == 0
    assert s.lines == sum(1 for p in products if p["department"] == "Snacks")
    line = svc.scan(s.number, _code(a), CASHIER)
    assert (line.counted, line.expected) == (1, None)  # blind: the counter never sees it
    svc.scan(s.number, _code(a), CASHIER)
    svc.scan(s.number, _code(a), CASHIER, quantity=3)
    assert [ln.counted for ln in svc.lines(s.number)][:2] == [5, None]  # counted come first
    # a sale after a's count moment: it is not part of the variance
    app.inventory.adjust(_code(a), -2, "damaged", MANAGER)
    svc.set_count(s.id, _code(b), b["on_hand"], CASHIER)  # b matches: no movement
    with pytest.raises(RuleError, match="not counted"):
        svc.post(s.number, MANAGER)
    posted = svc.post(s.number, MANAGER, uncounted="skip")
    assert posted.quantities == {a["sku"]: 5 - a["on_hand"]}
    assert posted.on_hand == {a["sku"]: 5 - 2}  # counted minus what left after the count
    assert posted.skipped == s.lines - 2 and posted.zeroed == 0
    assert app.inventory.stock(c["sku"]).on_hand == c["on_hand"]  # skipped: untouched
    (event,) = [e for e in _events(app, "stock.counted") if e.get("session_id") == s.id]
    assert event["scope"] == {"kind": "department", "department": "Snacks"}
    assert {ln["sku"]: ln["variance"] for ln in event["lines"]} == {
        a["sku"]: 5 - a["on_hand"], b["sku"]: 0}
    assert [m["quantity"] for m in event["movements"]] == [5 - a["on_hand"]]
    assert svc.session(s.number).status == "posted"
    shown = {ln.sku: ln.expected for ln in svc.lines(s.number)}
    assert shown[a["sku"]] == a["on_hand"]  # shown once posted
    with pytest.raises(RuleError, match="posted"):
        svc.scan(s.number, _code(a), CASHIER)
    assert check_register(app.paths.database) == []
    assert app.inventory.verify().ok


def test_uncounted_items_counted_as_zero(app: App, products: list[dict]) -> None:
    svc = _svc(app)
    a, b = _pick(products, "Bakery", 2)
    s = svc.start("shelf", CASHIER, codes=[_code(a), b["sku"]], threshold=Threshold(10_000, 0))
    assert s.lines == 2
    svc.set_count(s.number, _code(a), a["on_hand"], CASHIER)
    with pytest.raises(InputError):
        svc.post(s.number, MANAGER, uncounted="maybe")
    p = svc.post(s.number, MANAGER, uncounted="zero")
    assert p.zeroed == 1 and p.quantities == {b["sku"]: -b["on_hand"]}
    assert app.inventory.stock(b["sku"]).on_hand == 0


def test_large_variances_are_recounted_before_posting(app: App, products: list[dict]) -> None:
    svc = _svc(app)
    a, b, c = _pick(products, "Dairy")
    s = svc.start("shelf", CASHIER, codes=[_code(p) for p in (a, b, c)],
                  threshold=Threshold(units=3, ppm=100_000))
    svc.set_count(s.number, _code(a), a["on_hand"] + 50, CASHIER)  # way off
    svc.set_count(s.number, _code(b), b["on_hand"] + 1, CASHIER)  # small: fine
    svc.set_count(s.number, _code(c), c["on_hand"], CASHIER)
    with pytest.raises(RecountNeeded, match="recount") as caught:
        svc.post(s.number, MANAGER)
    assert [ln.sku for ln in caught.value.lines] == [a["sku"]]
    assert svc.session(s.number).flagged == 1
    assert [ln.status for ln in svc.lines(s.number) if ln.sku == a["sku"]] == ["recount"]
    assert not _events(app, "stock.counted")  # nothing posted
    # the recount starts from zero and replaces the count (and its on-hand snapshot)
    line = svc.scan(s.number, _code(a), CASHIER, quantity=2)
    assert (line.counted, line.status) == (2, "recounted")
    p = svc.post(s.number, MANAGER)
    assert p.quantities == {a["sku"]: 2 - a["on_hand"], b["sku"]: 1}
    c_db = sqlite3.connect(app.paths.database)
    assert c_db.execute("SELECT first_count FROM count_lines WHERE first_count IS NOT NULL"
                        ).fetchall() == [(a["on_hand"] + 50,)]


def test_threshold_rule() -> None:
    th = Threshold(3, 100_000)
    assert not th.large(12, 10) and th.large(13, 10)  # max(3, 1) = 3
    assert not th.large(109, 100) and th.large(110, 100)  # max(3, 10) = 10
    assert th.large(0, 3) and not th.large(5, 5)


def test_packs_scan_their_multiplier_and_measured_goods_need_a_quantity(
        app: App, products: list[dict]) -> None:
    svc = _svc(app)
    pack = next(p for p in products if any("multiplier" in b for b in p["barcodes"]))
    pack_code = next(b for b in pack["barcodes"] if "multiplier" in b)
    weighed = next(p for p in products if p["unit"] == "g")
    s = svc.start("all", CASHIER)
    assert svc.scan(s.number, pack_code["code"], CASHIER).counted == pack_code["multiplier"]
    with pytest.raises(QuantityError, match="type the counted g"):
        svc.scan(s.number, weighed["sku"], CASHIER)
    assert svc.scan(s.number, weighed["sku"], CASHIER, quantity=1250).counted == 1250
    with pytest.raises(NotFoundError, match="unknown barcode"):
        svc.scan(s.number, "4006381333931", CASHIER)


def test_scope_is_fixed_and_products_are_counted_in_one_open_session(
        app: App, products: list[dict]) -> None:
    svc = _svc(app)
    snack = _pick(products, "Snacks", 1)[0]
    beer = _pick(products, "Beer", 1)[0]
    s = svc.start("department", CASHIER, department="Snacks")
    with pytest.raises(RuleError, match="not in department Snacks"):
        svc.scan(s.number, _code(beer), CASHIER)
    sample = svc.start("sample", CASHIER, sample=5)
    assert sample.lines == 5
    everything = svc.start("all", CASHIER)
    svc.scan(s.number, _code(snack), CASHIER)
    with pytest.raises(RuleError, match=f"count #{s.number}"):
        svc.scan(everything.number, _code(snack), CASHIER)
    with pytest.raises(RuleError, match=f"count #{s.number}"):
        app.inventory.count(_code(snack), 3, MANAGER)
    with pytest.raises(NotFoundError, match="no department"):
        svc.start("department", CASHIER, department="Garden")
    with pytest.raises(InputError):
        svc.start("sample", CASHIER, sample=0)


def test_roles_non_blind_post_and_cancel(app: App, products: list[dict]) -> None:
    svc = _svc(app)
    with pytest.raises(AuthError, match="manager"):
        svc.start("all", CASHIER, blind=False)
    s = svc.start("department", MANAGER, department="Wine", blind=False)
    a = _pick(products, "Wine", 1)[0]
    assert svc.scan(s.number, _code(a), CASHIER).expected == a["on_hand"]
    with pytest.raises(AuthError, match="manager"):
        svc.post(s.number, CASHIER, uncounted="skip")
    with pytest.raises(AuthError):
        svc.cancel(s.number, CASHIER)
    assert svc.cancel(s.number, MANAGER).status == "cancelled"
    assert svc.sessions() == []
    assert app.inventory.stock(a["sku"]).on_hand == a["on_hand"]
    assert not _events(app, "stock.counted")


def test_an_open_session_survives_a_restart(data_dir: Path, products: list[dict]) -> None:
    a = _pick(products, "Deli", 1)[0]
    with open_register(data_dir) as app:
        s = _svc(app).start("department", CASHIER, department="Deli",
                            threshold=Threshold(10_000, 0))
        _svc(app).scan(s.number, _code(a), CASHIER, quantity=4)
    with open_register(data_dir) as app:
        (again,) = _svc(app).sessions()
        assert (again.id, again.counted) == (s.id, 1)
        _svc(app).scan(again.number, _code(a), CASHIER)
        p = _svc(app).post(again.number, MANAGER, uncounted="skip")
        assert p.quantities == {a["sku"]: 5 - a["on_hand"]}


def test_single_item_count_shares_the_posting(app: App, products: list[dict]) -> None:
    a = products[0]
    p = app.inventory.count(_code(a), a["on_hand"] + 2, 1)
    assert p.quantities == {a["sku"]: 2} and p.on_hand == {a["sku"]: a["on_hand"] + 2}
    s = _svc(app).session(p.reference)
    assert (s.scope_kind, s.status, s.lines) == ("items", "posted", 1)
    (event,) = _events(app, "stock.counted")
    assert event["reference"] == p.reference and event["lines"][0]["expected"] == a["on_hand"]
    assert check_register(app.paths.database) == []
