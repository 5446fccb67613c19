"""The cart a cashier builds: lines, quantities, discounts, price overrides, voids, totals.

Pure and in memory; the checkout service turns a priced cart into one database transaction.
Quantities are integer base units (pieces, grams, millilitres); a line's gross is
``qty × price / price_per`` rounded half away from zero (price_per is 1 for pieces, the pack size
for a pack with its own price, 1000 for a price per kg or litre).

Retail rules (docs/promotions.md, docs/retail.md):
- Promotions re-price the cart through a ``PromotionIndex`` after every change (``reprice``);
  a line's saving is a price reduction only, never a quantity change. A line with a manual
  discount or a price override is left out of promotions (the cashier's override replaces them).
- A container deposit rides under its item: ``qty`` units carry ``qty`` deposits (a 6-pack
  scanned once is six), and a pack barcode may carry its own deposit once per whole pack (the
  crate). It is not a stock item, is never discounted, and goes when its item goes.
- ``tare`` on a line records what was taken off a weight entered at the register.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from pos_protocol.money import allocate, round_div
from pos_terminal.domain.promotions import EngineLine, PromotionIndex
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
class Deposit:
    """A container deposit charged per base unit of an item, taxed with ``tax_code``."""

    code: str
    name: str
    amount: int  # per container
    tax_code: str
    rate_ppm: int


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
    department: str | None = None  # for department promotions
    deposit: Deposit | None = None  # per base unit (a 6-pack of cans: six)
    tare: int = 0  # base units taken off a weight entered at the register
    pack_deposit: Deposit | None = None  # per scan of this pack barcode (the crate)


@dataclass(frozen=True)
class Override:
    """A supervisor's approval of something a cashier may not do alone."""

    action: str  # price_override | blind_return | void_after_tender | no_sale | ...
    user_id: int
    approver_id: int
    reason: str
    detail: str = ""
    line_no: int | None = None  # the cart line it changed (price override, line discount)


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
    promo_saving: int = 0  # set by Cart.reprice
    promo_labels: tuple[str, ...] = ()
    tare: int = 0  # taken off the weight entered at the register (measured goods)

    @property
    def gross(self) -> int:
        return round_div(self.qty * self.price, self.price_per)

    @property
    def net(self) -> int:
        return self.gross - self.discount - self.promo_saving

    @property
    def manual(self) -> bool:
        """A cashier's discount or price override: promotions leave this line alone."""
        return self.discount > 0 or self.original_price is not None

    @property
    def deposit_count(self) -> int:
        return self.qty if self.item.deposit is not None and self.item.unit == "each" else 0

    @property
    def pack_deposit_count(self) -> int:
        """Whole packs on the line: each carries the pack barcode's own deposit (a crate)."""
        if self.item.pack_deposit is None or self.item.unit != "each":
            return 0
        return self.qty // self.item.pack

    def deposits(self) -> list[tuple[Deposit, int]]:
        """(deposit, containers) charged under this line: per unit, then per pack."""
        out = []
        if self.deposit_count:
            out.append((self.item.deposit, self.deposit_count))
        if self.pack_deposit_count:
            out.append((self.item.pack_deposit, self.pack_deposit_count))
        return out  # type: ignore[return-value]


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    gross: int
    line_discount: int  # manual discount + promotion saving
    sale_discount: int
    amount: int  # after both discounts; tax-inclusive in VAT mode, net in sales-tax mode
    tax: int
    total: int  # what the customer pays for the line

    @property
    def promo_saving(self) -> int:
        return self.line.promo_saving


@dataclass(frozen=True)
class PricedDeposit:
    """The deposit line under item line ``line_no``: ``count`` containers."""

    line_no: int
    deposit: Deposit
    count: int
    amount: int  # count × deposit.amount (tax-inclusive in VAT mode, net in sales-tax mode)
    tax: int
    total: int


@dataclass(frozen=True)
class DisplayRow:
    """One row as the cashier (and the customer display) sees the cart.

    ``kind`` is ``item``, ``promotion`` (the saving under its item, negative amount) or
    ``deposit`` (the deposit under its item); ``line_no`` is the item line it belongs to.
    """

    kind: str
    line_no: int
    text: str
    qty: int
    unit: str
    amount: int


@dataclass(frozen=True)
class Totals:
    lines: tuple[PricedLine, ...]
    subtotal: int  # sum of line gross, plus deposits
    discount: int  # line (manual + promotion) + sale discounts
    tax: int
    total: int
    taxes: tuple[TaxLine, ...]
    deposits: tuple[PricedDeposit, ...] = ()

    @property
    def item_count(self) -> int:
        return sum(1 if p.line.item.unit != "each" else p.line.qty for p in self.lines)

    @property
    def promo_saving(self) -> int:
        return sum(p.line.promo_saving for p in self.lines)

    @property
    def deposit_total(self) -> int:
        return sum(d.total for d in self.deposits)

    def display_rows(self) -> list[DisplayRow]:
        """Item rows each followed by its promotion saving and its deposit, in cart order."""
        deps: dict[int, list[PricedDeposit]] = {}
        for d in self.deposits:
            deps.setdefault(d.line_no, []).append(d)
        rows: list[DisplayRow] = []
        for p in self.lines:
            ln, item = p.line, p.line.item
            name = f"{item.name} {item.variant}".strip()
            rows.append(DisplayRow("item", ln.line_no, name, ln.qty, item.unit, p.gross))
            if ln.promo_saving:
                rows.append(DisplayRow("promotion", ln.line_no, " + ".join(ln.promo_labels),
                                       0, item.unit, -ln.promo_saving))
            for d in deps.get(ln.line_no, ()):
                rows.append(DisplayRow("deposit", ln.line_no, d.deposit.name, d.count, "each",
                                       d.amount))
        return rows


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    sale_discount: int = 0
    sale_discount_ppm: int = 0
    overrides: list[Override] = field(default_factory=list)
    age_confirmed: int = 0  # the highest age an ID check confirmed in this sale
    age_refused: int | None = None  # the lowest age a check was refused for
    promotions: PromotionIndex | None = None  # set by the sale session; None: no promotions
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
        if disc:  # the manual discount replaces any promotion on this line
            ln.promo_saving, ln.promo_labels = 0, ()

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
        ln.promo_saving, ln.promo_labels = 0, ()  # an override replaces promotions
        detail = f"line {line_no} {ln.item.sku}: {ln.original_price} -> {price}"
        self.overrides.append(replace(override, detail=detail, line_no=line_no))

    # -- pricing ------------------------------------------------------------------------
    def reprice(self, at: datetime) -> None:
        """Apply the best promotions valid at ``at`` (local time) to the lines.

        Lines with a manual discount or price override take no part. Voided lines neither.
        """
        lines = self.active_lines
        for ln in self.lines:
            ln.promo_saving, ln.promo_labels = 0, ()
        if self.promotions is None or not len(self.promotions):
            return
        engine = [
            EngineLine(ln.line_no, ln.item.product_id, ln.item.sku, ln.item.department, ln.qty,
                       ln.price, ln.item.unit, ln.price_per)
            for ln in lines if not ln.manual
        ]
        if not engine:
            return
        pricing = self.promotions.price(engine, at)
        for ln in lines:
            got = pricing.lines.get(ln.line_no)
            if got is not None:
                ln.promo_saving, ln.promo_labels = got.saving, got.labels
        if self.sale_discount:  # a fixed sale discount may not exceed the new subtotal
            self.sale_discount = min(self.sale_discount, sum(ln.net for ln in lines))

    def totals(self, mode: TaxMode, rounding: TaxRounding) -> Totals:
        lines = self.active_lines
        nets = [ln.net for ln in lines]
        sub_net = sum(nets)
        sale_disc = self.sale_discount or round_div(sub_net * self.sale_discount_ppm, PPM)
        sale_disc = min(sale_disc, sub_net)
        shares = allocate(sale_disc, nets)
        amounts = [n - s for n, s in zip(nets, shares, strict=True)]
        deposited = [(ln.line_no, d, n) for ln in lines for d, n in ln.deposits()]
        taxes, breakdown = line_taxes(
            [(ln.item.tax_code, ln.item.rate_ppm, a) for ln, a in zip(lines, amounts, strict=True)]
            + [(d.tax_code, d.rate_ppm, n * d.amount) for _, d, n in deposited],
            mode,
            rounding,
        )
        dep_taxes = taxes[len(lines):]
        taxes = taxes[: len(lines)]
        deposits = tuple(
            PricedDeposit(no, d, n, n * d.amount, x,
                          n * d.amount if mode is TaxMode.INCLUSIVE else n * d.amount + x)
            for (no, d, n), x in zip(deposited, dep_taxes, strict=True)
        )
        priced = tuple(
            PricedLine(
                line=ln,
                gross=ln.gross,
                line_discount=ln.discount + ln.promo_saving,
                sale_discount=s,
                amount=a,
                tax=t,
                total=a if mode is TaxMode.INCLUSIVE else a + t,
            )
            for ln, s, a, t in zip(lines, shares, amounts, taxes, strict=True)
        )
        tax = sum(taxes) + sum(d.tax for d in deposits)
        return Totals(
            lines=priced,
            subtotal=sum(ln.gross for ln in lines) + sum(d.amount for d in deposits),
            discount=sum(ln.discount + ln.promo_saving for ln in lines) + sale_disc,
            tax=tax,
            total=sum(p.total for p in priced) + sum(d.total for d in deposits),
            taxes=tuple(breakdown),
            deposits=deposits,
        )
