"""Age-restricted products (alcohol, tobacco, lottery): the date a customer must be born on or
before, and the rule of a sale where the check was refused."""

from __future__ import annotations

from datetime import date

from pos_terminal.errors import RuleError


def born_on_or_before(today: date, years: int) -> date:
    """The latest birth date of someone who is at least ``years`` old today.

    Born on 29 February: in a year without one the birthday counts on 28 February.
    """
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February and the target year has none
        return today.replace(year=today.year - years, day=28)


class AgeCheckRequired(RuleError):
    """Scanning a restricted item stops the sale until the cashier checks an ID."""

    def __init__(self, name: str, min_age: int, today: date) -> None:
        self.min_age = min_age
        self.limit = born_on_or_before(today, min_age)
        super().__init__(f"{name}: check ID: born on or before {self.limit:%d.%m.%Y} "
                         f"({min_age}+)")
