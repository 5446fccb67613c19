from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pos_terminal.domain.tax import TaxMode, TaxRounding, line_taxes, tax_of


def test_inclusive_vat_is_extracted_from_gross() -> None:
    # 1.19 gross at 19 % holds 0.19 of VAT
    assert tax_of(119, 190_000, TaxMode.INCLUSIVE) == 19
    assert tax_of(100, 190_000, TaxMode.INCLUSIVE) == 16  # 15.97 -> 16


def test_exclusive_sales_tax_on_net() -> None:
    assert tax_of(1000, 88_750, TaxMode.EXCLUSIVE) == 89  # 88.75 -> 89


def test_per_line_and_per_receipt_can_differ() -> None:
    lines = [("STD", 190_000, 10), ("STD", 190_000, 10), ("STD", 190_000, 10)]
    per_line, _ = line_taxes(lines, TaxMode.EXCLUSIVE, TaxRounding.PER_LINE)
    per_receipt, breakdown = line_taxes(lines, TaxMode.EXCLUSIVE, TaxRounding.PER_RECEIPT)
    assert per_line == [2, 2, 2]  # 1.9 each, rounded per line
    assert sum(per_receipt) == 6 and breakdown[0].tax == 6  # 5.7 once -> 6
    lines = [("STD", 190_000, 12)] * 3
    assert sum(line_taxes(lines, TaxMode.EXCLUSIVE, TaxRounding.PER_LINE)[0]) == 6  # 2.28 -> 2 ×3
    assert sum(line_taxes(lines, TaxMode.EXCLUSIVE, TaxRounding.PER_RECEIPT)[0]) == 7  # 6.84


def test_breakdown_groups_by_class() -> None:
    lines = [("STD", 190_000, 119), ("RED", 70_000, 107), ("STD", 190_000, 238)]
    taxes, breakdown = line_taxes(lines, TaxMode.INCLUSIVE, TaxRounding.PER_LINE)
    assert taxes == [19, 7, 38]
    assert [(b.code, b.base, b.tax) for b in breakdown] == [("RED", 107, 7), ("STD", 357, 57)]


@given(
    st.lists(st.tuples(st.sampled_from([("A", 190_000), ("B", 70_000), ("Z", 0)]),
                       st.integers(0, 100_000)), min_size=1, max_size=30),
    st.sampled_from(list(TaxMode)), st.sampled_from(list(TaxRounding)),
)
def test_line_taxes_add_up_to_breakdown(lines: list, mode: TaxMode, rounding: TaxRounding) -> None:
    amounts = [(c, r, a) for (c, r), a in lines]
    per_line, breakdown = line_taxes(amounts, mode, rounding)
    assert sum(per_line) == sum(b.tax for b in breakdown)
    assert sum(b.base for b in breakdown) == sum(a for _, _, a in amounts)
    for (_, r, a), t in zip(amounts, per_line, strict=True):
        assert 0 <= t <= a
        if r == 0:
            assert t == 0
