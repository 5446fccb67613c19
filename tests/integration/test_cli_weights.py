"""Weighed goods at the command line: a weight is given as people say it, a weighed item
without one is refused and writes nothing, a weight on a piece item is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pos_terminal.cli import main

BANANAS = "4019387329846"  # Bananas loose, sold by weight, 1.69 per kg
WATER = "4037674097186"  # Still Mineral Water 0.5 l, by the piece


def run(capsys: pytest.CaptureFixture[str], d: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(d), *args])
    out, err = capsys.readouterr()
    return code, out, err


def counts(d: Path) -> tuple[int, ...]:
    return sqlite3.connect(d / "register.db").execute(
        "select (select count(*) from sales), (select count(*) from stock_movements),"
        " (select count(*) from outbox)").fetchone()


def sold_qty(d: Path, receipt: str) -> list[tuple[int, int]]:
    return sqlite3.connect(d / "register.db").execute(
        "select qty, gross from sale_lines join sales on sales.id = sale_lines.sale_id "
        "where receipt_no = ?", (receipt,)).fetchall()


def on_hand(capsys: pytest.CaptureFixture[str], d: Path, code: str) -> int:
    return int(json.loads(run(capsys, d, "stock", code, "--json")[1])["on_hand"])


@pytest.mark.parametrize("given", ["x1.235kg", "x1235g", "x1235", "X1.235KG", "*1.235 kg"])
def test_sell_a_weight(data_dir: Path, capsys: pytest.CaptureFixture[str], given: str) -> None:
    before = on_hand(capsys, data_dir, BANANAS)
    rc, out, err = run(capsys, data_dir, "sell", BANANAS + given, "--pay", "cash", "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert sold_qty(data_dir, r["receipt_no"]) == [(1235, 209)]  # 1.235 kg × 1.69/kg
    assert r["total"] == "2.09"
    assert on_hand(capsys, data_dir, BANANAS) == before - 1235


@pytest.mark.parametrize(("args", "words"), [
    ([BANANAS], ["sold by weight", f"sell {BANANAS}x1.235kg"]),
    ([f"{BANANAS}x1,235"], ["ambiguous", "1.235kg", "1235g"]),
    ([f"{BANANAS}x0kg"], ["must be positive"]),
    ([f"{BANANAS}x0"], ["must be positive"]),
    ([f"{BANANAS}x-1kg"], ["must be positive"]),
    ([f"{BANANAS}x1.2345kg"], ["too many decimals"]),
    ([f"{BANANAS}x1.5"], ["too many decimals", "grams are whole"]),
    ([f"{BANANAS}x0.5l"], ["sold by weight", "not by volume"]),
    ([f"{WATER}x1.5kg"], ["sold by the piece"]),
    ([f"{WATER}x500g"], ["sold by the piece"]),
    ([WATER, BANANAS], ["sold by weight"]),  # nothing of the sale is written
])
def test_refused_and_nothing_written(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                     args: list[str], words: list[str]) -> None:
    before = counts(data_dir), on_hand(capsys, data_dir, BANANAS)
    rc, out, err = run(capsys, data_dir, "sell", *args, "--pay", "cash")
    assert rc != 0 and out == ""
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err, err
    assert (counts(data_dir), on_hand(capsys, data_dir, BANANAS)) == before


def test_a_german_store_types_a_comma(data_dir: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text().replace("[store]", '[store]\nlocale = "de_DE"', 1))
    rc, out, _ = run(capsys, data_dir, "sell", f"{BANANAS}x1,235kg", "--pay", "cash", "--json")
    assert rc == 0 and sold_qty(data_dir, json.loads(out)["receipt_no"]) == [(1235, 209)]
    rc, _, err = run(capsys, data_dir, "sell", f"{BANANAS}x1.235", "--pay", "cash")
    assert rc != 0 and "ambiguous" in err and "1,235kg" in err
    rc, _, err = run(capsys, data_dir, "sell", BANANAS, "--pay", "cash")
    assert rc != 0 and f"{BANANAS}x1,235kg" in err


def test_receive_adjust_count_and_return_by_weight(data_dir: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    start = on_hand(capsys, data_dir, BANANAS)
    rc, _, err = run(capsys, data_dir, "receive", BANANAS)
    assert rc != 0 and "sold by weight" in err and f"receive {BANANAS}x" in err
    assert run(capsys, data_dir, "receive", f"{BANANAS}x5kg")[0] == 0  # a delivery of 5 kg
    assert on_hand(capsys, data_dir, BANANAS) == start + 5000
    assert run(capsys, data_dir, "adjust", BANANAS, "-250",
               "--reason", "damaged")[0] == 0  # a number alone is grams
    assert run(capsys, data_dir, "adjust", BANANAS, "--reason", "damaged", "--",
               "-0.5kg")[0] == 0
    assert on_hand(capsys, data_dir, BANANAS) == start + 5000 - 750
    rc, out, _ = run(capsys, data_dir, "count", BANANAS, "12.5kg", "--json")
    assert rc == 0 and json.loads(out)["on_hand"] == 12_500
    rc, _, err = run(capsys, data_dir, "count", BANANAS, "1,5kg")
    assert rc == 0  # "1,5": the comma cannot group thousands before one digit
    assert on_hand(capsys, data_dir, BANANAS) == 1500
    assert run(capsys, data_dir, "count", BANANAS, "0kg")[0] == 0
    assert on_hand(capsys, data_dir, BANANAS) == 0
    rc, _, err = run(capsys, data_dir, "count", BANANAS, "--", "-1kg")
    assert rc != 0 and "cannot be negative" in err
    rc, out, _ = run(capsys, data_dir, "sell", f"{BANANAS}x2kg", "--pay", "cash", "--json")
    receipt = json.loads(out)["receipt_no"]
    rc, out, err = run(capsys, data_dir, "return", receipt, f"{BANANAS}x0.5kg", "--json")
    assert rc == 0, err
    assert json.loads(out)["refund"] == "0.85"  # 0.5 kg of the 2 kg (3.38), rounded
    rc, _, err = run(capsys, data_dir, "return", receipt, BANANAS)
    assert rc != 0 and "sold by weight" in err


def test_a_scale_label_needs_no_weight(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    """A weight-embedded label carries the weight: sold as the label says, no xQTY needed."""
    from biip.checksums import gs1_price_weight_check_digit

    from pos_protocol.gtin import check_digit

    def with_check(body: str) -> str:
        return body + str(check_digit(body))

    csv = tmp_path / "gouda.csv"
    csv.write_text("sku,name,tax_class,unit,price,price_per,barcodes\n"
                   f"W1,Gouda by weight,RED,g,2.49,100,{with_check('281234000000')}\n")
    assert run(capsys, data_dir, "import-catalog", str(csv))[0] == 0
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text() + '\n[barcodes]\nrcn_region = "de"\n')
    label = with_check(f"281234{gs1_price_weight_check_digit('01234')}01234")
    rc, out, err = run(capsys, data_dir, "sell", label, "--pay", "cash", "--json")
    assert rc == 0, err
    assert sold_qty(data_dir, json.loads(out)["receipt_no"]) == [(1234, 3073)]
    rc, _, err = run(capsys, data_dir, "sell", f"{label}x2kg", "--pay", "cash")
    assert rc != 0 and "label already gives" in err


@pytest.mark.parametrize("args", [
    ["transfer", "send", "--to", "S2", f"{BANANAS}x1.5kg"],
    ["po", "draft", "--vendor", "V1", f"{BANANAS}x1,5"],
])
def test_commands_taking_base_units_say_so(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                           args: list[str]) -> None:
    before = counts(data_dir)
    rc, _, err = run(capsys, data_dir, *args)
    assert rc != 0 and "give a whole number here" in err and f"{BANANAS}x1500" in err
    assert counts(data_dir) == before
