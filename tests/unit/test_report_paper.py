"""Tabular reports on receipt paper (``domain.receipt.render_table``): every line fits the
paper at 32, 42 and 48 columns, figures are never cut, long tables stop with a CSV hint."""

from __future__ import annotations

import pytest

from pos_terminal.domain.receipt import (
    Cut,
    ReportRow,
    ReportTable,
    StoreHeader,
    Text,
    render_table,
    to_text,
)

STORE = StoreHeader("Corner Shop")
AT = "2026-11-24T15:04:05.000Z"
LONG = "Extra Virgin Olive Oil Cold Pressed Organic from the Hills of Umbria, 0.75 l bottle"


def stock(rows: int) -> ReportTable:
    return ReportTable(
        "Stock on hand and value at cost", "", "Product", ("on hand", "at cost"),
        tuple(ReportRow(f"{LONG} #{i}" if i % 2 else f"Cola {i}", (str(i * 7), f"{i * 123}.45"))
              for i in range(rows)),
        ("total value at cost: 1234.56; 0 product(s) below zero",))


def lines(doc_text: str) -> list[str]:
    return doc_text.rstrip("\n").split("\n")


@pytest.mark.parametrize("width", [32, 42, 48])
def test_every_line_fits_and_figures_are_whole(width: int) -> None:
    table = stock(10)
    doc = render_table(table, STORE, width, AT, terminal="S1-R1")
    assert all(len(b.text) <= width for b in doc.blocks if isinstance(b, Text))
    text = to_text(doc)
    assert all(len(ln) <= width for ln in lines(text))
    for row in table.rows:  # every figure printed in full, right-aligned at the edge
        assert any(ln.endswith(row.values[1]) and row.values[0] in ln for ln in lines(text))
    assert "STOCK ON HAND AND VALUE AT COST" in text.replace("\n", " ") or width < 32
    assert isinstance(doc.blocks[-1], Cut) and "total value at cost" in text
    # long names wrap in their column onto two lines at most, then end in "..."
    assert "Extra Virgin" in text and "bottle" not in text and "..." in text


def test_long_tables_stop_with_a_csv_hint() -> None:
    text = to_text(render_table(stock(75), STORE, 42, AT, max_rows=60))
    assert "… 15 more rows, export CSV" in text
    assert "Cola 58" in text and "Cola 60" not in text


def test_groups_print_under_headings_and_headers_line_up() -> None:
    rows = (ReportRow("Cola 0.5 l", ("12", "14.28"), "Top movers"),
            ReportRow("Water", ("9", "5.31"), "Top movers"),
            ReportRow("Salt", ("0", "0.00"), "Slow movers"))
    t = ReportTable("Top and slow movers", "2026-11-01 to 2026-11-24", "Product",
                    ("units", "net"), rows)
    out = lines(to_text(render_table(t, STORE, 32, AT)))
    assert out.index("Top movers") < out.index("Slow movers")
    head = next(ln for ln in out if ln.startswith("Product"))
    cola = next(ln for ln in out if ln.startswith("Cola"))
    assert len(head) == len(cola) == 32 and head.endswith("net") and cola.endswith("14.28")
    assert head.index("units") + len("units") == cola.index("12") + 2  # right-aligned columns


def test_wide_figures_push_the_label_onto_its_own_line() -> None:
    def tax(base: str, amount: str) -> list[str]:
        t = ReportTable("Tax summary", "2026-11-24", "Class", ("base amount", "tax amount"),
                        (ReportRow("STD 19 %", (base, amount)),))
        out = lines(to_text(render_table(t, STORE, 32, AT)))
        assert all(len(ln) <= 32 for ln in out)
        assert "STD 19 %" in out  # the label alone on its line
        return out

    # the figures fit on a line of their own, under the label
    want = "123456789012.34 23456789012.34".rjust(32)
    assert tax("123456789012.34", "23456789012.34")[-2] == want
    # not even that: one figure per line, named
    out = tax("1234567890123456.78", "234567890123456.78")
    assert "  base amount" in out and "1234567890123456.78".rjust(32) in out
    assert any(ln.startswith("  tax amount") and ln.endswith("234567890123456.78")
               for ln in out)


def test_summary_figures_print_as_pairs_and_empty_reports_say_so() -> None:
    t = ReportTable("Sales", "2026-11-24", "", ("value",),
                    (ReportRow("sales", ("3",)), ReportRow("net sales", ("1.77",))), figures=True)
    out = lines(to_text(render_table(t, STORE, 42, AT)))
    assert "net sales" + " " * (42 - 9 - 4) + "1.77" in out
    empty = ReportTable("Shrinkage", "2026-11-24", "Kind", ("units",), ())
    assert "(nothing in this period)" in to_text(render_table(empty, STORE, 42, AT))
