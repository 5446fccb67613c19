"""The pos-terminal command as installers and scripts use it (in-process, real files)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pos_terminal.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "shop"
    assert run(capsys, "--data-dir", str(d), "init", "--store", "S1", "--register", "R1")[0] == 0
    assert run(capsys, "--data-dir", str(d), "demo", "--no-gui")[0] == 0
    return d


def first_code(capsys: pytest.CaptureFixture[str], d: Path) -> str:
    _, out, _ = run(capsys, "--data-dir", str(d), "products", "--limit", "5", "--json")
    first = json.loads(out)[0]
    assert first["unit"] == "each" and first["min_age"] is None
    return first["barcodes"][0]["code"]


def on_hand(capsys: pytest.CaptureFixture[str], d: Path, code: str) -> int:
    _, out, _ = run(capsys, "--data-dir", str(d), "stock", code, "--json")
    return json.loads(out)["on_hand"]


def test_sell_return_and_verify(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = first_code(capsys, shop)
    before = on_hand(capsys, shop, code)
    rc, out, _ = run(capsys, "--data-dir", str(shop), "sell", f"{code}x2", "--pay", "cash:5.00",
                     "--json")
    assert rc == 0
    sale = json.loads(out)
    assert sale["receipt_no"] == "S1-R1-000001"
    assert on_hand(capsys, shop, code) == before - 2
    rc, out, _ = run(capsys, "--data-dir", str(shop), "return", sale["receipt_no"], code)
    assert rc == 0 and "refund" in out
    assert on_hand(capsys, shop, code) == before - 1
    assert run(capsys, "--data-dir", str(shop), "verify")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sell", "BADCHECK", "--pay", "cash"], "check digit"),
        (["sell", "4006381333931", "--pay", "cash"], "unknown barcode"),
        (["sell", "CODEx0", "--pay", "cash"], "quantity must be positive"),
        (["sell", "CODEx-3", "--pay", "cash"], "quantity must be positive"),
        (["sell", "CODEx999999", "--pay", "cash"], "too large"),
        (["sell", "CODE", "--pay", "cash:0.01"], "not enough cash"),
        (["sell", "CODE", "--pay", "bitcoin"], "--pay"),
        (["sell", "CODE", "--pay", "card:4111111111111111"], "card number"),
        (["return", "S1-R1-000042", "CODE"], "unknown receipt"),
        (["receive", "CODE", "--cost", "abc"], "not an amount"),
        (["adjust", "CODE", "-1", "--reason", "whim"], "reason"),
    ],
)
def test_bad_input_one_line_nonzero_nothing_written(
    shop: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = first_code(capsys, shop)
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    args = [a.replace("BADCHECK", bad).replace("CODE", code) for a in args]
    db = shop / "register.db"
    counts = sqlite3.connect(db).execute(
        "select (select count(*) from sales), (select count(*) from stock_movements),"
        " (select count(*) from outbox)").fetchone()
    rc, _out, err = run(capsys, "--data-dir", str(shop), *args)
    assert rc != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    after = sqlite3.connect(db).execute(
        "select (select count(*) from sales), (select count(*) from stock_movements),"
        " (select count(*) from outbox)").fetchone()
    assert after == counts


def test_verify_names_the_doctored_row(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = first_code(capsys, shop)
    run(capsys, "--data-dir", str(shop), "sell", code, "--pay", "cash")
    c = sqlite3.connect(shop / "register.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("update stock_movements set quantity = 5 where seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("delete from stock_movements where seq = 3")
    # A determined tamperer drops the guard first; the chain still gives them away.
    c.execute("drop trigger stock_movements_no_update")
    c.execute("update stock_movements set quantity = quantity + 1 where seq = 3")
    c.commit()
    rc, _, err = run(capsys, "--data-dir", str(shop), "verify")
    assert rc == 1
    assert "seq=3" in err and "changed" in err


def test_verify_catches_doctored_levels(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = sqlite3.connect(shop / "register.db")
    c.execute("update stock_levels set on_hand = on_hand + 7 where product_id = 2")
    c.commit()
    rc, _, err = run(capsys, "--data-dir", str(shop), "verify")
    assert rc == 1 and "stock_levels" in err


def test_import_catalog_is_all_or_nothing(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "cat.csv"
    f.write_text(
        "sku,name,tax_class,price,barcodes\n"
        "900001,Good item,STD,1.00,4006381333931\n"
        "900002,Bad price,STD,1.001,\n"
        "900003,Bad code,STD,2.00,4006381333932\n"
        "900004,Bad tax,XYZ,2.00,\n",
        encoding="utf-8",
    )
    rc, _, err = run(capsys, "--data-dir", str(shop), "import-catalog", str(f))
    assert rc == 1
    assert "line 3" in err and "line 4" in err and "line 5" in err and "check digit" in err
    rc, out, _ = run(capsys, "--data-dir", str(shop), "products", "--search", "Good item")
    assert "900001" not in out
    f.write_text("sku,name,tax_class,price,barcodes\n900001,Good item,STD,1.00,4006381333931\n")
    assert run(capsys, "--data-dir", str(shop), "import-catalog", str(f))[0] == 0
    rc, out, _ = run(capsys, "--data-dir", str(shop), "price", "4006381333931")
    assert "Good item: 1.00" in out


def test_backup_is_a_usable_copy(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "b.db"
    assert run(capsys, "--data-dir", str(shop), "backup", str(dest))[0] == 0
    n = sqlite3.connect(dest).execute("select count(*) from products").fetchone()[0]
    assert n > 150


def test_uninitialised_dir_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = run(capsys, "--data-dir", str(tmp_path / "none"), "verify")
    assert rc == 1 and "init" in err


def test_corrupt_config_names_file_and_key(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = shop / "config.toml"
    cfg.write_text(cfg.read_text().replace('currency = "EUR"', "currency = 12"))
    rc, _, err = run(capsys, "--data-dir", str(shop), "verify")
    assert rc == 1 and "config.toml" in err and "currency" in err
    cfg.write_text("[store\n")
    rc, _, err = run(capsys, "--data-dir", str(shop), "verify")
    assert rc == 1 and "not valid TOML" in err


def test_init_refuses_to_overwrite(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "--data-dir", str(shop), "init", "--store", "S2", "--register", "R9")
    assert rc == 1 and "already holds a register" in err


def test_sell_rings_up_what_the_window_would(shop: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    """The scripted sale goes through the same sale session: age checks, weights, promotions."""
    beer = "4269370165146"  # Weißbier, 16+
    rc, _out, err = run(capsys, "--data-dir", str(shop), "sell", beer, "--pay", "cash")
    assert rc != 0 and "check ID" in err and "--id-checked" in err
    rc, out, _ = run(capsys, "--data-dir", str(shop), "sell", beer, "--pay", "cash",
                     "--id-checked", "--json")
    assert rc == 0 and json.loads(out)["receipt_no"]
    rc, out, _ = run(capsys, "--data-dir", str(shop), "sell", "4019387329846x1000",
                     "--pay", "cash", "--json")  # a kilo of bananas typed in grams
    assert rc == 0
    sold = sqlite3.connect(shop / "register.db").execute(
        "select qty from sale_lines join sales on sales.id = sale_lines.sale_id "
        "where receipt_no = ?", (json.loads(out)["receipt_no"],)).fetchone()
    assert sold == (1000,)
