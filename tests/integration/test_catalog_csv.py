"""``pos-terminal import-catalog`` reads a catalog exactly as a spreadsheet saved it: encoding
(UTF-8 with or without BOM, UTF-16, Windows-1252/Latin-1), delimiter (, ; tab), amounts with
the file's decimal separator, thousands separators and the store's currency sign; a row with
more or fewer fields than the header, an ambiguous or foreign amount, or bytes that are not
text is refused naming the line, and then nothing is imported."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pos_protocol.gtin import with_check_digit
from pos_terminal import cli

HEADER = "sku,name,tax_class,price"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def product(d: Path, capsys: pytest.CaptureFixture[str], sku: str) -> dict | None:
    code, out, _ = run(capsys, "--data-dir", str(d), "products", "--search", sku, "--json")
    assert code == 0
    return next((p for p in json.loads(out) if p["sku"] == sku), None)


def products(d: Path) -> int:
    return sqlite3.connect(d / "register.db").execute("select count(*) from products").fetchone()[0]


def imported(d: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> str:
    f = tmp_path / "catalog.csv"
    f.write_bytes(data)
    code, out, err = run(capsys, "--data-dir", str(d), "import-catalog", str(f))
    assert code == 0, err
    return out


def refused(d: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> str:
    """The import fails and writes nothing; returns the error text."""
    before = products(d)
    f = tmp_path / "catalog.csv"
    f.write_bytes(data)
    code, out, err = run(capsys, "--data-dir", str(d), "import-catalog", str(f))
    assert code == 1 and out == ""
    assert err.startswith("error: ")
    assert products(d) == before
    return err


# -- the cases --------------------------------------------------------------------------
def test_a_decimal_comma_in_a_comma_file_is_refused_not_cut(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(data_dir, tmp_path, capsys, b"sku,name,tax_class,price\nC1,Coffee,STD,2,50\n")
    assert "line 2: 5 fields, but the header has 4" in err
    assert '"2,50"' in err and "2.50" in err  # what to write instead
    assert product(data_dir, capsys, "C1") is None


def test_a_semicolon_file_with_decimal_commas(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = imported(data_dir, tmp_path, capsys,
                   b"sku;name;tax_class;price;cost\nC2;Tea;STD;2,50;1,05\nC3;Milk;RED;0,99;\n")
    assert "UTF-8, semicolon-separated, decimal comma" in out
    assert product(data_dir, capsys, "C2")["price"] == "2.50"
    assert product(data_dir, capsys, "C3")["price_minor"] == 99


def test_windows_1252_keeps_its_accents(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "sku,name,tax_class,price\nC3,Crème brûlée,STD,3.10\nC4,Café „Spezial“ – 1€,STD,1.00\n"
    out = imported(data_dir, tmp_path, capsys, data.encode("cp1252"))
    assert "Windows-1252" in out  # „ “ – € are bytes 0x80-0x9F: Windows-1252, not Latin-1
    assert product(data_dir, capsys, "C3")["name"] == "Crème brûlée"
    assert product(data_dir, capsys, "C4")["name"] == "Café „Spezial“ – 1€"


def test_latin_1_without_windows_characters(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "sku;name;tax_class;price\nL1;Käse Gouda;RED;4,99\n".encode("latin-1")
    assert "Latin-1" in imported(data_dir, tmp_path, capsys, data)
    assert product(data_dir, capsys, "L1")["name"] == "Käse Gouda"


def test_utf8_with_a_bom_and_a_tab_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "\ufeffSKU\tName\tTax_Class\tPrice\nB1\tGrüner Tee\tSTD\t3.45\n".encode()
    assert "UTF-8 with BOM, tab-separated" in imported(data_dir, tmp_path, capsys, data)
    assert product(data_dir, capsys, "B1")["name"] == "Grüner Tee"  # header in any case


def test_utf16_unicode_text_from_a_spreadsheet(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "sku\tname\ttax_class\tprice\r\nU1\tŻubrówka 0,5 l\tSTD\t12,99\r\n".encode("utf-16")
    assert "UTF-16, tab-separated, decimal comma" in imported(data_dir, tmp_path, capsys, data)
    p = product(data_dir, capsys, "U1")
    assert (p["name"], p["price"]) == ("Żubrówka 0,5 l", "12.99")


def test_quoted_fields_hold_delimiters_quotes_and_line_breaks(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = ('sku,name,variant,tax_class,price\n'
            'Q1,"Nuts, salted","6 x 50 g; ""party"" pack",STD,"2,50"\n')
    err = refused(data_dir, tmp_path, capsys,
                  (good + 'Q2,"Two\nlines",,STD,"1,20"\nQ3;x\n').encode())
    assert "line 3: name holds a line break" in err  # a receipt line cannot hold it
    assert "line 5: 1 fields, but the header has 5" in err  # counted after the quoted break
    assert "decimal comma" in imported(data_dir, tmp_path, capsys, good.encode())
    p = product(data_dir, capsys, "Q1")
    assert (p["name"], p["variant"], p["price"]) == ("Nuts, salted", '6 x 50 g; "party" pack',
                                                     "2.50")


def test_a_quoted_decimal_comma_among_decimal_points_is_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(data_dir, tmp_path, capsys,
                  b'sku,name,tax_class,price\nM1,A,STD,2.50\nM2,B,STD,"3,10"\n')
    assert "line 3: price '3,10' has a decimal comma, but this file's other amounts have a " \
           "decimal point" in err


def test_rows_with_more_or_fewer_fields_are_refused_naming_each_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(data_dir, tmp_path, capsys,
                  b"sku;name;tax_class;price\nF1;A;STD;1,00\nF2;B;STD\nF3;C;STD;1,00;x\n"
                  b"F4;D;STD;2,00\n")
    assert "line 3: 3 fields, but the header has 4 (sku, name, tax_class, price)" in err
    assert "line 4: 5 fields, but the header has 4" in err
    assert "2 problem(s)" in err
    assert product(data_dir, capsys, "F1") is None  # all or nothing


@pytest.mark.parametrize(("cell", "minor"), [
    ('"1.234,50"', 123450), ('"1 234,50"', 123450), ("1\u00a0234,50", 123450),
    ('"€2,50"', 250), ('"2,50 €"', 250), ('"EUR 2,50"', 250), ("2,5", 250), ("3", 300),
    ("1.234", 123400), ("1'234,00", 123400),
])
def test_thousands_separators_and_the_stores_currency_sign(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, minor: int
) -> None:
    data = f"sku;name;tax_class;price\nT0;Ref;STD;0,99\nT1;X;STD;{cell.strip(chr(34))}\n"
    imported(data_dir, tmp_path, capsys, data.encode())
    assert product(data_dir, capsys, "T1")["price_minor"] == minor


def test_thousands_with_a_decimal_point_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(data_dir, tmp_path, capsys,
             b"sku,name,tax_class,price,cost\nK1,X,STD,\"1,234.50\",\"1,000.00\"\n")
    assert product(data_dir, capsys, "K1")["price"] == "1234.50"


@pytest.mark.parametrize(("rows", "words"), [
    ("A1;X;STD;1,234\n", "line 2: price '1,234' could be 1234 or 1.234: write it without a "
                         "thousands separator"),
    ("A1;X;STD;2,50\nA2;Y;STD;$2.50\n", "line 3: price '$2.50' is not an amount: its currency "
                                        "sign '$' is not the store's (EUR)"),
    ("A1;X;STD;2,50\nA2;Y;STD;2,50 USD\n", "its currency sign 'usd' is not the store's"),
    ("A0;W;STD;0,99\nA1;X;STD;2,505\n", "line 3: price '2,505' has more than 2 decimal places"),
    ("A1;X;STD;0,99\nA2;Y;STD;1.2.3\n", "line 3: price '1.2.3' is not an amount"),
    ("A1;X;STD;-1,00\n", "line 2: price cannot be negative"),
    ("A1;X;STD;abc\n", "line 2: price 'abc' is not an amount"),
    ("A1;X;STD;2,50\nA2;Y;STD;2.50\n", "line 3: price '2.50' has a decimal point, but this "
                                       "file's other amounts have a decimal comma"),
    ("A1;X\x07;STD;2,50\n", "line 2: name holds a control character (U+0007)"),
])
def test_amounts_and_text_that_cannot_be_read_exactly(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, words: str
) -> None:
    err = refused(data_dir, tmp_path, capsys, ("sku;name;tax_class;price\n" + rows).encode())
    assert words in err


def test_bytes_that_are_not_text(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed = "sku,name,tax_class,price\nX1,Grüner Tee,STD,1.00\n".encode() + \
        "X2,Crème,STD,2.00\n".encode("cp1252")
    assert "line 3: byte 0xE8 is not UTF-8, but the rest of the file is" in refused(
        data_dir, tmp_path, capsys, mixed)
    undefined = b"sku,name,tax_class,price\nX1,A,STD,1.00\nX2,B\x81,STD,1.00\n"
    assert "line 3: byte 0x81 is text neither in UTF-8 nor in Windows-1252" in refused(
        data_dir, tmp_path, capsys, undefined)
    assert "line 2: a NUL character" in refused(
        data_dir, tmp_path, capsys, b"sku,name,tax_class,price\nX1,A\x00,STD,1.00\n")
    assert "spreadsheet workbook, not a CSV file" in refused(
        data_dir, tmp_path, capsys, b"PK\x03\x04\x14\x00\x06\x00rest of a zip")


def test_a_header_with_an_unknown_delimiter_or_column(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(data_dir, tmp_path, capsys, b"sku|name|tax_class|price\nP1|A|STD|1.00\n")
    assert "line 1: missing column(s) sku, name, tax_class, price" in err
    assert "separated by ',' ';' or a tab" in err
    err = refused(data_dir, tmp_path, capsys, b"sku,name,tax_class,price,prize\nP1,A,STD,1,2\n")
    assert "line 1: unknown column(s) 'prize'" in err
    err = refused(data_dir, tmp_path, capsys, b"sku,name,tax_class,price,Price\nP1,A,STD,1,2\n")
    assert "line 1: column(s) price more than once" in err


def test_blank_rows_are_skipped_and_line_numbers_stay_true(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(data_dir, tmp_path, capsys,
                  b"sku;name;tax_class;price\n\n;;;\nE1;A;STD;1,00\n\nE2;B;XXX;1,00\n")
    assert "line 6: tax_class 'XXX' is not one of" in err


# -- re-imports ---------------------------------------------------------------------------------
def test_a_reimport_touches_only_changed_rows_and_says_so(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = "sku,name,tax_class,price,barcodes\n"
    rows = "".join(f"R{i},Item {i},STD,{i}.50,{with_check_digit(f'40{i:010d}')}\n"
                   for i in range(1, 6))
    out = imported(data_dir, tmp_path, capsys, (head + rows).encode())
    assert "0 changed, 0 unchanged, 5 new" in out
    db = sqlite3.connect(data_dir / "register.db")
    stamps = dict(db.execute("select sku, updated_at from products where sku like 'R%'"))
    out = imported(data_dir, tmp_path, capsys, (head + rows).encode())
    assert "0 changed, 5 unchanged, 0 new" in out
    changed = rows.replace("R3,Item 3,STD,3.50", "R3,Item 3,STD,3.60")
    out = imported(data_dir, tmp_path, capsys, (head + changed + "R9,New,STD,1.00,\n").encode())
    assert "1 changed, 4 unchanged, 1 new" in out
    now = dict(db.execute("select sku, updated_at from products where sku like 'R%'"))
    assert [s for s in stamps if now[s] != stamps[s]] == ["R3"]  # nothing else was written
    assert product(data_dir, capsys, "R3")["price"] == "3.60"


def test_the_stores_decimal_separator_reads_what_the_file_leaves_open(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store with a locale (de_DE: decimal comma) reads '1.234' alone as 1234.00; a file that
    shows its own separator is read by it."""
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[store]\n", '[store]\nlocale = "de_DE"\n', 1), encoding="utf-8")
    imported(data_dir, tmp_path, capsys, b"sku;name;tax_class;price\nG1;Kiste;STD;1.234\n")
    assert product(data_dir, capsys, "G1")["price"] == "1234.00"
    assert "more than 2 decimal places" in refused(
        data_dir, tmp_path, capsys, b"sku;name;tax_class;price\nG2;X;STD;1,234\n")
    imported(data_dir, tmp_path, capsys, b"sku,name,tax_class,price\nG3,Y,STD,0.99\n")
    assert product(data_dir, capsys, "G3")["price"] == "0.99"  # the file's own point


def test_a_spreadsheets_sep_line_and_a_header_with_an_empty_column(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = imported(data_dir, tmp_path, capsys,
                   b"sep=;\r\nsku;name;tax_class;price\r\nS1;Salz;RED;0,89\r\n")
    assert "semicolon-separated" in out and product(data_dir, capsys, "S1")["price"] == "0.89"
    err = refused(data_dir, tmp_path, capsys,
                  b"sep=;\nsku;name;tax_class;price\nS2;X;STD;1,00;\n")
    assert "line 3: 5 fields, but the header has 4" in err  # lines counted from the file's top
    err = refused(data_dir, tmp_path, capsys, b"sku,name,tax_class,price,\nS3,X,STD,1.00,\n")
    assert "line 1: column 5 has no name (a comma too many at the end of the header?)" in err
