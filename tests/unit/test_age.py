from __future__ import annotations

from datetime import date

from pos_terminal.domain.age import AgeCheckRequired, born_on_or_before


def test_born_on_or_before() -> None:
    assert born_on_or_before(date(2026, 11, 24), 18) == date(2008, 11, 24)
    assert born_on_or_before(date(2028, 2, 29), 18) == date(2010, 2, 28)
    assert born_on_or_before(date(2028, 2, 29), 16) == date(2012, 2, 29)


def test_message_names_the_date() -> None:
    e = AgeCheckRequired("Vodka 0.7 l", 18, date(2026, 11, 24))
    assert "check ID: born on or before 24.11.2008" in str(e)
