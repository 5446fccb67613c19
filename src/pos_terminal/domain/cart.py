"""The cart a cashier builds: lines, quantities, discounts, price overrides, voids, totals.

Pure and in memory; the checkout service turns a priced cart into one database transaction.
Quantities are integer base units (pieces, grams, millilitres); a line's gross is
``qty × price / price_per`` rounded half away from zero (price_per is 1 for pieces, the pack size
for a pack with its own price, 1000 for a price per kg or litre).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pos_terminal.domain.money import allocate, round_div
from pos_terminal.domain.tax import TaxLine, TaxMode, TaxRounding, line_taxes
from pos_terminal.errors import InputError, QuantityError, RuleError

MAX_PIECES = 9_999
MAX_MEASURED = 1_000_000  # 1 t or 1 m³ in grams / millilitres
PPM = 1_000_000


class LimitError(RuleError):
    """More of a product than one sale may hold (a supervisor may approve more)."""


def check_quantity(qty: int, unit: str = "each") -> int:
    if qty <= 0:
        raise QuantityError("quantity must be positive")
    limit = MAX_PIECES if unit == "each" else MAX_MEASURED
    if qty > limit:
        raise QuantityError(f"quantity {qty} is too large (at most {limit} {unit} per line)")
    return qty


@dataclass(frozen=True)
class Item:
    """What a scan or a typed code resolved to: one product, possibly in a pack."""

    product_id: int
    sku: str
    name: str
    variant: str
    unit: str
    price: int
    price_per: int
    tax_code: str
    rate_ppm: int
    pack: int = 1
    min_age: int | None = None
    max_per_sale: int | None = None
    cost: int | None = None  # unit cost, for the ledger's cost of goods


@dataclass(frozen=True)
class Override:
    """A supervisor's approval of something a cashier may not do alone."""

    action: str  # price_override | blind_return | void_after_tender | no_sale | ...
    user_id: int
    approver_id: int
    reason: str
    detail: str = ""


@dataclass
class CartLine:
    line_no: int
    item: Item
    qty: int
    price: int
    price_per: int
    discount: int = 0
    original_price: int | None = None
    voided: bool = False

    @property
    def gross(self) -> int:
        return round_div(self.qty * self.price, self.price_per)

    @property
    def net(self) -> int:
        return self.gross - self.discount


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    gross: int
    line_discount: int
    sale_discount: int
    amount: int  # after both discounts; tax-inclusive in VAT mode, net in sales-tax mode
    tax: int
    total: int  # what the customer pays for the line


@dataclass(frozen=True)
class Totals:
    lines: tuple[PricedLine, ...]
    subtotal: int  # sum of line gross
    discount: int  # line + sale discounts
    tax: int
    total: int
    taxes: tuple[TaxLine, ...]

    @property
    def item_count(self) -> int:
        return sum(1 if p.line.item.unit != "each" else p.line.qty for p in self.lines)


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    sale_discount: int = 0
    sale_discount_ppm: int = 0
    overrides: list[Override] = field(default_factory=list)
    age_confirmed: int = 0  # the highest age an ID check confirmed in this sale
    age_refused: int | None = None  # the lowest age a check was refused for
    _next_line: int = 1

    # -- building -----------------------------------------------------------------------
    def add(self, item: Item, count: int = 1, over_limit: Override | None = None) -> CartLine:
        """Add ``count`` scans of ``item`` (each scan is ``item.pack`` base units).

        Raises without changing the cart when the quantity or a per-sale limit is broken; a
        supervisor's ``quantity_limit`` approval lets a line go over the limit (recorded).
        """
        qty = check_quantity(count * item.pack if item.unit == "each" else count, item.unit)
        if over_limit is None:
            self._check_limit(item, qty)
        else:
            self.overrides.append(replace(over_limit, detail=f"{item.sku} × {qty} over the "
                                                             f"limit of {item.max_per_sale}"))
        for line in self.active_lines:
            if (
                line.item == item and line.discount == 0 and line.original_price is None
                and item.unit == "each"
            ):
                check_quantity(line.qty + qty, item.unit)
                line.qty += qty
                return line
        line = CartLine(self._next_line, item, qty, item.price, item.price_per)
        self.lines.append(line)
        self._next_line += 1
        return line

    def _check_limit(self, item: Item, extra: int, ignore: CartLine | None = None) -> None:
        if item.max_per_sale is None:
            return
        held = sum(
            ln.qty for ln in self.active_lines
            if ln.item.product_id == item.product_id and ln is not ignore
        )
        if held + extra > item.max_per_sale:
            raise LimitError(f"{item.name}: at most {item.max_per_sale} per sale")

    def line(self, line_no: int) -> CartLine:
        for ln in self.lines:
            if ln.line_no == line_no and not ln.voided:
                return ln
        raise InputError(f"there is no line {line_no} in this sale")

    @property
    def active_lines(self) -> list[CartLine]:
        return [ln for ln in self.lines if not ln.voided]

    @property
    def is_empty(self) -> bool:
        return not self.active_lines

    def set_quantity(self, line_no: int, qty: int) -> None:
        ln = self.line(line_no)
        check_quantity(qty, ln.item.unit)
        self._check_limit(ln.item, qty, ignore=ln)
        ln.qty = qty
        if ln.discount > ln.gross:
            ln.discount = ln.gross

    def void_line(self, line_no: int) -> None:
        self.line(line_no).voided = True

    def discount_line(self, line_no: int, amount: int = 0, percent_ppm: int = 0) -> None:
        ln = self.line(line_no)
        disc = amount or round_div(ln.gross * percent_ppm, PPM)
        if disc < 0 or percent_ppm < 0:
            raise InputError("a discount cannot be negative")
        if disc > ln.gross:
            raise InputError("the discount is larger than the line")
        ln.discount = disc

    def discount_sale(self, amount: int = 0, percent_ppm: int = 0) -> None:
        if amount < 0 or percent_ppm < 0:
            raise InputError("a discount cannot be negative")
        if percent_ppm > PPM:
            raise InputError("a discount cannot exceed 100 %")
        self.sale_discount, self.sale_discount_ppm = amount, percent_ppm
        sub = sum(ln.net for ln in self.active_lines)
        if amount > sub:
            self.sale_discount, self.sale_discount_ppm = 0, 0
            raise InputError("the discount is larger than the sale")

    def override_price(self, line_no: int, price: int, override: Override) -> None:
        """Set a line's unit price; the approval is recorded with the sale."""
        if price < 0:
            raise InputError("a price cannot be negative")
        ln = self.line(line_no)
        if ln.original_price is None:
            ln.original_price = ln.price
        ln.price = price
        ln.discount = min(ln.discount, ln.gross)
        detail = f"line {line_no} {ln.item.sku}: {ln.original_price} -> {price}"
        self.overrides.append(replace(override, detail=detail))

    # -- pricing ------------------------------------------------------------------------
    def totals(self, mode: TaxMode, rounding: TaxRounding) -> Totals:
        lines = self.active_lines
        nets = [ln.net for ln in lines]
        sub_net = sum(nets)
        sale_disc = self.sale_discount or round_div(sub_net * self.sale_discount_ppm, PPM)
        sale_disc = min(sale_disc, sub_net)
        shares = allocate(sale_disc, nets)
        amounts = [n - s for n, s in zip(nets, shares, strict=True)]
        taxes, breakdown = line_taxes(
            [(ln.item.tax_code, ln.item.rate_ppm, a) for ln, a in zip(lines, amounts, strict=True)],
            mode,
            rounding,
        )
        priced = tuple(
            PricedLine(
                line=ln,
                gross=ln.gross,
                line_discount=ln.discount,
                sale_discount=s,
                amount=a,
                tax=t,
                total=a if mode is TaxMode.INCLUSIVE else a + t,
            )
            for ln, s, a, t in zip(lines, shares, amounts, taxes, strict=True)
        )
        tax = sum(taxes)
        return Totals(
            lines=priced,
            subtotal=sum(ln.gross for ln in lines),
            discount=sum(ln.discount for ln in lines) + sale_disc,
            tax=tax,
            total=sum(p.total for p in priced),
            taxes=tuple(breakdown),
        )
