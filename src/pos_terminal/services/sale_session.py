"""The sale in progress at a register: what the cashier window drives, without any Qt.

It holds the cart and the signed-in cashier, resolves scans, asks for approvals where the
cashier's role is not enough, and completes, parks or voids the sale through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from pos_terminal.domain.age import AgeCheckRequired, born_on_or_before
from pos_terminal.domain.cart import Cart, CartLine, Override, Totals
from pos_terminal.domain.retail import net_weight
from pos_terminal.domain.scan import DEFAULT_RULES, BarcodeRules, ScanCode
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import REQUIRED_ROLE, Role
from pos_terminal.errors import AuthError, RuleError
from pos_terminal.services.catalog import ScanHit, resolve_scan
from pos_terminal.services.checkout import CheckoutService, SaleResult
from pos_terminal.services.context import Context
from pos_terminal.services.deposits import voucher_value
from pos_terminal.services.parking import ParkingService
from pos_terminal.services.retail import PromotionCache
from pos_terminal.services.users import User, UserService


@dataclass(frozen=True)
class Approver:
    """Who approves an override: a supervisor's name and PIN typed into the override dialog."""

    name: str
    pin: str


class SaleSession:
    def __init__(
        self, ctx: Context, checkout: CheckoutService, parking: ParkingService,
        users: UserService, cashier: User, training: bool = False,
        rules: BarcodeRules = DEFAULT_RULES, promotions: PromotionCache | None = None,
        deposit_tax: tuple[str, int] | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.ctx = ctx
        self.checkout = checkout
        self.parking = parking
        self.users = users
        self.cashier = cashier
        self.training = training
        self.rules = rules
        self.promotions = promotions if promotions is not None else PromotionCache()
        self.deposit_tax = deposit_tax  # the store's rule; None: a deposit follows its item
        self.clock = clock  # local time: promotion windows are store hours
        self.cart = Cart()
        self.vouchers: list[Tender] = []  # empties vouchers scanned for this sale
        self.last: SaleResult | None = None

    def _changed(self) -> None:
        """Re-price through the promotions after every change to the cart (pure, in memory)."""
        self.cart.reprice(self.clock())

    # -- approvals ------------------------------------------------------------------------
    def needs_approval(self, action: str) -> bool:
        return self.cashier.role < REQUIRED_ROLE[action]

    def authorise(self, action: str, reason: str, approver: Approver | None = None) -> Override:
        """The cashier's own approval when their role allows it, else a supervisor's PIN."""
        if not self.needs_approval(action):
            if not reason.strip():
                raise RuleError("give a reason for the override")
            return Override(action, self.cashier.id, self.cashier.id, reason.strip())
        if approver is None:
            need = REQUIRED_ROLE[action].name.lower()
            raise AuthError(f"{action.replace('_', ' ')} needs a {need}'s PIN")
        return self.users.approve(approver.name, approver.pin, action, self.cashier, reason)

    # -- building the sale ----------------------------------------------------------------
    def lookup(self, code: str | ScanCode) -> ScanHit:
        """What a scan or typed code stands for, with any weight or price its label carries.

        A database read: the window runs it off the GUI thread.
        """
        with self.ctx.read() as conn:
            hit = resolve_scan(conn, code, self.rules, self.deposit_tax)
            # the index of the current catalog (rebuilt only when promotions changed)
            self.cart.promotions = self.promotions.current(conn)
            return hit

    def refresh_promotions(self) -> None:
        """Pick up the current catalog's promotions (a database read: off the GUI thread)."""
        with self.ctx.read() as conn:
            self.cart.promotions = self.promotions.current(conn)
        self._changed()

    def add(self, hit: ScanHit, count: int = 1, grams: int | None = None,
            today: date | None = None, over_limit: Override | None = None) -> CartLine:
        """Add a looked-up item ``count`` times (pieces), or ``grams`` of a measured item.

        The cart is unchanged when the quantity or a per-sale limit is wrong, and an
        age-restricted item first needs an ID check (``AgeCheckRequired``): after
        ``confirm_age`` it can be added; after ``refuse_age`` it cannot be sold in this sale.
        """
        age = hit.item.min_age
        if age:
            refused = self.cart.age_refused
            label = f"{hit.item.name} {hit.item.variant}".strip()
            if refused is not None and age >= refused:
                raise RuleError(f"{label} cannot be sold in this sale: the ID check was refused")
            if self.cart.age_confirmed < age:
                raise AgeCheckRequired(label, age, today or date.today())
        if over_limit is not None:
            self._check(over_limit, "quantity_limit")
        if hit.item.unit != "each":
            # A weight entered here (scale or typed) includes the container: take the tare
            # off. A label's weight comes from a scale that already did (net).
            tare = hit.item.tare if grams is not None else 0
            qty = net_weight(grams, tare) if grams is not None else hit.quantity
            line = self.cart.add(hit.item, qty, over_limit)
            line.tare = tare
        else:
            line = self.cart.add(hit.item, hit.quantity * count, over_limit)
        self._changed()
        return line

    def scan(self, code: str | ScanCode, count: int = 1) -> CartLine:
        return self.add(self.lookup(code), count)

    def totals(self) -> Totals:
        return self.checkout.totals(self.cart)

    def set_quantity(self, line_no: int, qty: int) -> None:
        self.cart.set_quantity(line_no, qty)
        self._changed()

    def confirm_age(self, min_age: int, today: date | None = None) -> None:
        """The cashier checked an ID: recorded with the sale (audit log, same transaction)."""
        limit = born_on_or_before(today or date.today(), min_age)
        self.cart.age_confirmed = max(self.cart.age_confirmed, min_age)
        self.cart.overrides.append(Override(
            "age_check", self.cashier.id, self.cashier.id,
            f"ID checked: born on or before {limit.isoformat()}", f"confirmed {min_age}+"))

    def refuse_age(self, min_age: int, today: date | None = None) -> None:
        """The customer is too young or has no ID: nothing restricted at this age is sold."""
        limit = born_on_or_before(today or date.today(), min_age)
        refused = self.cart.age_refused
        self.cart.age_refused = min_age if refused is None else min(refused, min_age)
        for ln in self.cart.active_lines:  # a line added before the refusal goes too
            if ln.item.min_age and ln.item.min_age >= self.cart.age_refused:
                ln.voided = True
        self._changed()
        self.cart.overrides.append(Override(
            "age_check", self.cashier.id, self.cashier.id,
            f"not born on or before {limit.isoformat()}", f"refused {min_age}+"))

    def void_line(self, line_no: int) -> None:
        self.cart.void_line(line_no)  # its deposit goes with it
        self._changed()

    def discount_line(self, line_no: int, override: Override, amount: int = 0,
                      percent_ppm: int = 0) -> None:
        """A manual line discount replaces any promotion on that line (docs/promotions.md)."""
        self._check(override, "sale_discount")
        self.cart.discount_line(line_no, amount, percent_ppm)
        self.cart.overrides.append(replace(override, line_no=line_no))
        self._changed()

    def discount_sale(self, override: Override, amount: int = 0, percent_ppm: int = 0) -> None:
        self._check(override, "sale_discount")
        self.cart.discount_sale(amount, percent_ppm)
        self.cart.overrides.append(override)

    def override_price(self, line_no: int, price: int, override: Override) -> None:
        self._check(override, "price_override")
        self.cart.override_price(line_no, price, override)
        self._changed()

    def _check(self, override: Override, action: str) -> None:
        if override.action != action:
            raise RuleError(f"this needs a {action.replace('_', ' ')} approval")

    # -- vouchers -------------------------------------------------------------------------
    def add_voucher(self, code: str) -> Tender:
        """An empties voucher scanned at the sale: a tender taken at payment (a database read).

        Checked here so the cashier hears at once; the checkout redeems it in the sale's own
        transaction, so a voucher pays once even if two registers scan it together.
        """
        code = code.strip()
        if any(v.reference == code for v in self.vouchers):
            raise RuleError(f"voucher {code} is already on this sale")
        with self.ctx.read() as conn:
            value = voucher_value(conn, code, self.training)
        tender = Tender(TenderKind.VOUCHER, value, code)
        self.vouchers.append(tender)
        return tender

    @property
    def voucher_total(self) -> int:
        return sum(v.amount or 0 for v in self.vouchers)

    # -- finishing ------------------------------------------------------------------------
    def complete(self, tenders: list[Tender]) -> SaleResult:
        """``tenders`` may already hold the vouchers (the tender dialog shows them as taken)."""
        scanned = {v.reference for v in self.vouchers}
        given = [t for t in tenders
                 if not (t.kind is TenderKind.VOUCHER and t.reference in scanned)]
        tenders = [*self.vouchers, *given]
        result = self.checkout.complete_sale(self.cart, tenders, self.cashier.id, self.training)
        self.last = result
        self._new_cart()
        return result

    def _new_cart(self, cart: Cart | None = None) -> None:
        self.vouchers = []
        promos = self.cart.promotions
        self.cart = cart or Cart()
        self.cart.promotions = promos

    def void_sale(self) -> None:
        self._new_cart()

    def park(self, label: str = "") -> int:
        pid = self.parking.park(self.cart, self.cashier.id, label)
        self._new_cart()
        return pid

    def resume(self, parked_id: int) -> None:
        if not self.cart.is_empty:
            raise RuleError("finish or park the current sale before resuming another")
        self._new_cart(self.parking.resume(parked_id))
        self._changed()

    @property
    def role(self) -> Role:
        return self.cashier.role
