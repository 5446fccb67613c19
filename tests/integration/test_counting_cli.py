"""``count-session``, ``reorder`` and ``low-stock`` headless; reorder levels override the
catalog's and go up as ``reorder.set`` events; the shrinkage report covers what is posted."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from pos_terminal import cli
from pos_terminal.bootstrap import open_register
from pos_terminal.errors import AuthError, QuantityError
from pos_terminal.services.reports import Period


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--data-dir", str(data_dir), *args])
    return code, out.getvalue(), err.getvalue()


def ok(data_dir: Path, *args: str) -> str:
    code, out, err = run(data_dir, *args)
    assert code == 0, err
    return out


def test_count_session_commands(data_dir: Path, products: list[dict]) -> None:
    snacks = [p for p in products if p["department"] == "Snacks"]
    a, b = snacks[0], snacks[1]
    code_a = next(x["code"] for x in a["barcodes"] if "multiplier" not in x)
    s = json.loads(ok(data_dir, "count-session", "start", "--department", "Snacks", "--json"))
    assert s["blind"] and s["lines"] == len(snacks)
    n = str(s["number"])
    got = json.loads(ok(data_dir, "count-session", "scan", n, code_a, f"{code_a}x2", "--json"))
    assert [ln["counted"] for ln in got] == [1, 3] and got[0]["expected"] is None
    ok(data_dir, "count-session", "set", n, b["sku"], str(b["on_hand"] + 20))
    code, _, err = run(data_dir, "count-session", "post", n, "--uncounted", "skip")
    assert code == 1 and "recount" in err and len(err.splitlines()) == 1
    assert "recount" in ok(data_dir, "count-session", "show", n)
    ok(data_dir, "count-session", "set", n, b["sku"], str(b["on_hand"] + 1))  # the recounts
    ok(data_dir, "count-session", "scan", n, f"{code_a}x3")  # starts again from zero
    code, _, err = run(data_dir, "count-session", "post", n)
    assert code == 1 and "skip them or to count them as zero" in err
    out = ok(data_dir, "count-session", "post", n, "--uncounted", "skip", "--json")
    posted = json.loads(out)
    assert posted["variances"] == {a["sku"]: 3 - a["on_hand"], b["sku"]: 1}
    assert posted["skipped"] == len(snacks) - 2
    assert ok(data_dir, "count-session", "list") == "no open counts\n"
    assert "posted" in ok(data_dir, "count-session", "list", "--all")
    assert run(data_dir, "count-session", "scan", n, code_a)[0] == 1
    c2 = json.loads(ok(data_dir, "count-session", "start", "--sample", "4", "--json"))
    assert "cancelled" in ok(data_dir, "count-session", "cancel", str(c2["number"]))
    code, _, err = run(data_dir, "count-session", "show", "999")
    assert code == 1 and "no such count" in err
    # the shrinkage report has the count's variances by department and reason
    with open_register(data_dir) as app:
        t = app.reports.shrinkage(Period.parse(None, None, 30))
    rows = {(r[0], r[1], r[2]): r[3] for r in t.rows}
    assert rows[("Snacks", "count_variance", "count")] == 3 - a["on_hand"] + 1


def test_reorder_levels_override_the_catalog_and_sync_up(data_dir: Path,
                                                         products: list[dict]) -> None:
    p = next(x for x in products if x["reorder_point"] is not None
             and x["on_hand"] > x["reorder_point"])
    low_before = json.loads(ok(data_dir, "low-stock", "--json"))
    assert all(r["on_hand"] <= r["reorder_point"] for r in low_before)
    assert p["sku"] not in {r["sku"] for r in low_before}
    got = json.loads(ok(data_dir, "reorder", p["sku"], "--reorder-point", str(p["on_hand"]),
                        "--par", str(p["on_hand"] + 10), "--json"))
    assert got["source"] == "store" and got["suggested_order"] == 10
    low = json.loads(ok(data_dir, "low-stock", "--json"))
    assert next(r for r in low if r["sku"] == p["sku"])["suggested_order"] == 10
    assert len(low) == len(low_before) + 1
    code, _, err = run(data_dir, "reorder", p["sku"], "--par", "1")
    assert code == 1 and "below the reorder point" in err
    code, _, err = run(data_dir, "reorder", p["sku"], "--par", "lots")
    assert code == 1 and "whole number" in err
    ok(data_dir, "reorder", p["sku"], "--reorder-point", "none")  # off for this store
    assert p["sku"] not in {r["sku"] for r in json.loads(ok(data_dir, "low-stock", "--json"))}
    con = sqlite3.connect(data_dir / "register.db")
    events = [json.loads(r[0]) for r in con.execute(
        "SELECT payload FROM outbox WHERE type = 'reorder.set' ORDER BY seq")]
    assert events == [
        {"sku": p["sku"], "reorder_point": p["on_hand"], "par_level": p["on_hand"] + 10},
        {"sku": p["sku"], "reorder_point": None, "par_level": p["on_hand"] + 10}]
    with open_register(data_dir) as app:  # the report's low-stock list follows the store too
        rep = app.reports.stock(low_only=True)
        assert len(rep.rows) == len(low_before) == app.reorder.low_stock_count()
        with pytest.raises(AuthError, match="manager"):
            app.reorder.set_levels(p["sku"], 2, 5, 10)
        with pytest.raises(QuantityError):
            app.reorder.set_levels(p["sku"], 3, -1)
