"""Reports by name, and the tabular ones on the receipt printer.

``run`` computes a report by its CLI name (``pos-terminal report KIND``); the reports window
and the CLI share it. ``print_job_reference``/``parse_reference`` put a report's name, period
and row limit in a print job's ``reference`` (``table:KIND:FROM:TO:LIMIT``): the job is queued
in the durable print queue like a receipt and rendered by the print worker, at the printer's
own width, when it prints. Period reports cover fixed days, so a retried job prints the same
figures; stock and low stock print as they are at printing time (the paper says when).

Which columns fit on paper is chosen per report (``SPECS``): a label and at most a few
figures; everything else is in the CSV export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pos_protocol.money import Currency
from pos_terminal.domain.receipt import ReportRow, ReportTable
from pos_terminal.errors import InputError, NotFoundError
from pos_terminal.services.reports import REPORTS, Period, ReportService, Table
from pos_terminal.services.shifts import ShiftReport

KINDS = REPORTS
# default days when --from is left out
PERIOD_DAYS = {"daily": 30, "movers": 30, "shrinkage": 30, "overrides": 30}
REFERENCE_PREFIX = "table:"


@dataclass(frozen=True)
class Spec:
    """What of a report's table goes on paper."""

    label: tuple[str, ...]  # columns joined into the row's label
    values: tuple[str, ...]  # columns printed as figures
    group: str | None = None  # a column whose changes start a new heading
    heading: str = ""  # the label column's heading


SPECS: dict[str, Spec] = {
    "hourly": Spec(("hour",), ("sales", "net"), heading="Hour"),
    "daily": Spec(("day",), ("sales", "net"), heading="Day"),
    "departments": Spec(("department",), ("units", "net"), heading="Department"),
    "movers": Spec(("name", "variant"), ("units", "net"), group="list", heading="Product"),
    "stock": Spec(("name", "variant"), ("on_hand", "value_at_cost"), heading="Product"),
    "low-stock": Spec(("name", "variant"), ("on_hand", "suggested_order"), heading="Product"),
    "shrinkage": Spec(("kind", "reason"), ("units", "value_at_cost"), group="department",
                      heading="Kind / reason"),
    "tax": Spec(("class", "rate"), ("base", "tax"), heading="Class"),
    "overrides": Spec(("cashier", "what"), ("count", "value"), group="day",
                      heading="Cashier / action"),
}
HEADERS = {"on_hand": "on hand", "value_at_cost": "at cost", "suggested_order": "order",
           "net": "net", "units": "units", "sales": "sales", "base": "base", "tax": "tax",
           "count": "count", "value": "value"}
GROUPS = {"top": "Top movers", "slow": "Slow movers"}


def default_period(kind: str, start: str | None, end: str | None) -> Period:
    return Period.parse(start, end, PERIOD_DAYS.get(kind, 1))


def run(reports: ReportService, kind: str, period: Period, limit: int = 20
        ) -> Table | ShiftReport:
    """The report called ``kind`` (see ``KINDS``) over ``period``."""
    if kind == "x":
        return reports.x()
    if kind == "z":
        return reports.z(None)
    if kind == "sales":
        return reports.sales(period)
    if kind in ("hourly", "daily", "departments"):
        return reports.sales_by({"hourly": "hour", "daily": "day"}.get(kind, "department"),
                                period)
    if kind == "movers":
        return reports.movers(period, limit)
    if kind in ("stock", "low-stock"):
        return reports.stock(low_only=kind == "low-stock")
    if kind == "shrinkage":
        return reports.shrinkage(period)
    if kind == "tax":
        return reports.tax(period)
    if kind == "overrides":
        return reports.overrides(period)
    raise InputError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")


def print_job_reference(kind: str, period: Period, limit: int = 20) -> str:
    if kind not in KINDS or kind == "z":
        raise InputError(f"report {kind!r} cannot be printed this way")
    dated = kind not in ("stock", "low-stock", "x")
    start, end = (str(period.start), str(period.end)) if dated else ("", "")
    return f"{REFERENCE_PREFIX}{kind}:{start}:{end}:{int(limit)}"


def parse_reference(reference: str) -> tuple[str, Period, int]:
    """(kind, period, limit) of a ``table:`` print job; NotFoundError when unreadable."""
    unknown = NotFoundError(f"print job for an unknown report {reference!r}")
    parts = reference.split(":")
    if len(parts) != 5 or parts[0] + ":" != REFERENCE_PREFIX or parts[1] not in KINDS:
        raise unknown
    _, kind, start, end, limit = parts
    try:
        period = (Period(date.fromisoformat(start), date.fromisoformat(end)) if start
                  else Period(date.today(), date.today()))
        return kind, period, int(limit)
    except ValueError as exc:
        raise unknown from exc


def paper_table(kind: str, table: Table, currency: Currency, dated: bool) -> ReportTable:
    """A report's table as it prints: the label and figures of ``SPECS[kind]``, formatted."""
    formatted = table.formatted(currency)
    title, _, period = table.title.partition(", ")
    if table.figures or kind not in SPECS:
        rows = tuple(ReportRow(r[0], tuple(r[1:])) for r in formatted)
        return ReportTable(title, period if dated else "", "", ("value",), rows,
                           tuple(table.notes), figures=True)
    spec = SPECS[kind]
    idx = {c: i for i, c in enumerate(table.columns)}
    rows = tuple(
        ReportRow(" ".join(r[idx[c]] for c in spec.label if r[idx[c]]),
                  tuple(r[idx[c]] for c in spec.values),
                  GROUPS.get(r[idx[spec.group]], r[idx[spec.group]]) if spec.group else "")
        for r in formatted
    )
    return ReportTable(title, period if dated else "", spec.heading,
                       tuple(HEADERS.get(c, c) for c in spec.values), rows, tuple(table.notes))
