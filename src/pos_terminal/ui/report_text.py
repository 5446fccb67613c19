"""X/Z report as text for the screen (temporary until the receipt renderer lands)."""

from __future__ import annotations

from pos_terminal.domain.money import Currency
from pos_terminal.services.shifts import ShiftReport


def report_text(r: ShiftReport, currency: Currency, width: int) -> str:
    fmt = currency.format

    def row(label: str, value: str) -> str:
        return f"{label}{value:>{width - len(label)}}"

    out = [f"{r.kind} REPORT".center(width), f"shift {r.shift.number}".center(width),
           "-" * width, row("cashier", r.cashier), row("opened", r.shift.opened_at[:16]),
           row("printed", r.printed_at[:16]), "-" * width,
           row("sales", str(r.sales_count)), row("gross", fmt(r.gross)),
           row("discounts", "-" + fmt(r.discounts)), row("net sales", fmt(r.net_sales))]
    out += [row(f"tax {code}", fmt(v)) for code, v in r.taxes.items()]
    out += ["-" * width] + [row(f"tendered {k}", fmt(v)) for k, v in r.tenders.items()]
    out += [row("returns", str(r.returns_count))]
    out += [row(f"refunded {k}", fmt(v)) for k, v in r.refunds.items()]
    out += [row("paid in", fmt(r.paid_in)), row("paid out", fmt(r.paid_out)),
            row("cash rounding", fmt(r.cash_rounding)), row("no-sale opens", str(r.no_sales)),
            "-" * width, row("opening float", fmt(r.shift.opening_float)),
            row("expected cash", fmt(r.expected_cash))]
    if r.counted_cash is not None and r.difference is not None:
        out += [row("counted cash", fmt(r.counted_cash)),
                row("difference", ("+" if r.difference > 0 else "") + fmt(r.difference))]
    return "\n".join(out)
