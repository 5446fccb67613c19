"""The composition root: builds engine, services (and later devices and workers) from a data dir."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from pos_terminal import config
from pos_terminal.clock import utc_now
from pos_terminal.config import Paths, Settings
from pos_terminal.db import migrate
from pos_terminal.db import tables as t
from pos_terminal.db.engine import make_engine
from pos_terminal.errors import ConfigError, InputError
from pos_terminal.hardware.display_settings import DisplaySettings, load_display_settings
from pos_terminal.hardware.printer_settings import (
    PrinterSettings,
    ReceiptSettings,
    load_printer_settings,
    load_receipt_settings,
)
from pos_terminal.hardware.scale_settings import ScaleSettings, load_scale_settings
from pos_terminal.hardware.scanner_settings import ScannerSettings, load_scanner_settings
from pos_terminal.hardware.terminal_settings import TerminalSettings, load_terminal_settings
from pos_terminal.services.cash_rules import CashRules, load_cash_rules
from pos_terminal.services.catalog import CatalogService
from pos_terminal.services.checkout import CheckoutService
from pos_terminal.services.context import Context
from pos_terminal.services.counting import CountingService
from pos_terminal.services.deposits import DepositService
from pos_terminal.services.inventory import InventoryService
from pos_terminal.services.open_sales import OpenSaleService
from pos_terminal.services.parking import ParkingService
from pos_terminal.services.payments import PaymentService
from pos_terminal.services.printing import DEFAULT_WIDTH, PrintService
from pos_terminal.services.receiving import ReceivingService
from pos_terminal.services.reorder import ReorderService
from pos_terminal.services.reports import ReportService
from pos_terminal.services.retail import PromotionCache, load_deposit_tax, load_voucher_rest
from pos_terminal.services.returns import ReturnService
from pos_terminal.services.sale_session import SaleSession
from pos_terminal.services.shifts import ShiftService
from pos_terminal.services.sync import SyncService
from pos_terminal.services.transfers import TransferService
from pos_terminal.services.users import SYSTEM_USER, User, UserService


@dataclass
class App:
    paths: Paths
    settings: Settings
    engine: Engine
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    receipt: ReceiptSettings = field(default_factory=ReceiptSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)  # customer display
    scale: ScaleSettings = field(default_factory=ScaleSettings)  # [scale]: none by default
    cash: CashRules | None = None  # [cash] limits (None: the defaults)
    terminal: TerminalSettings = field(default_factory=TerminalSettings)  # [payment]
    ctx: Context = field(init=False)

    def __post_init__(self) -> None:
        self.ctx = Context(self.engine, self.settings)
        self.catalog = CatalogService(self.ctx)
        self.checkout = CheckoutService(self.ctx)
        self.returns = ReturnService(self.ctx)
        self.inventory = InventoryService(self.ctx)
        self.receiving = ReceivingService(self.ctx)
        self.parking = ParkingService(self.ctx)
        self.open_sales = OpenSaleService(self.ctx)  # sales in progress kept on this register
        self.users = UserService(self.ctx)
        self.shifts = ShiftService(self.ctx, self.cash)
        self.reports = ReportService(self.ctx, self.shifts)
        self.sync = SyncService(self.ctx)
        self.counting = CountingService(self.ctx)
        self.reorder = ReorderService(self.ctx)
        self.transfers = TransferService(self.ctx)
        # retail rules (docs/retail.md): promotion index per catalog change, deposit tax rule
        self.promotions = PromotionCache()
        try:
            self.deposit_tax = load_deposit_tax(self.ctx, self.paths)
            self.checkout.voucher_rest = load_voucher_rest(self.paths)
        except ConfigError:
            self.engine.dispose()
            raise
        self.deposits = DepositService(self.ctx, self.deposit_tax)
        self.payments = PaymentService(self.ctx, self.terminal)
        self.printing = PrintService(
            self.ctx, self.receipt, width=self.printer.columns or DEFAULT_WIDTH,
            partial_cut=self.printer.cut == "partial",
        )

    def sale_session(self, cashier: User, training: bool = False) -> SaleSession:
        """A sale as the window and ``pos-terminal sell`` both ring it up: the store's barcode
        rules, promotions and deposit tax rule."""
        return SaleSession(self.ctx, self.checkout, self.parking, self.users, cashier, training,
                           self.scanner.rules, self.promotions, self.deposit_tax)

    def close(self) -> None:
        self.payments.close()
        self.engine.dispose()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_register(data_dir: Path) -> App:
    """Open an initialised register, upgrading its database first (backed up when behind)."""
    paths = Paths(data_dir)
    settings = config.load(paths)
    if not paths.database.exists():
        raise ConfigError(f"{paths.database} is missing: restore a backup or run init again")
    migrate.upgrade(paths.database, paths.backups)
    engine = make_engine(paths.database)
    with engine.connect() as conn:
        row = conn.execute(select(t.register_info)).first()
    if row is None or (row.store, row.register) != (settings.store, settings.register):
        engine.dispose()
        got = f"{row.store}-{row.register}" if row else "nothing"
        raise ConfigError(
            f"{paths.config} says register {settings.terminal} but the database holds {got}"
        )
    try:  # device sections are checked before anything starts: no half-configured register
        scanner = load_scanner_settings(paths)
        printer = load_printer_settings(paths)
        receipt = load_receipt_settings(paths)
        display = load_display_settings(paths)
        scale = load_scale_settings(paths)
        cash = load_cash_rules(paths, settings.currency)
        terminal = load_terminal_settings(paths)
    except ConfigError:
        engine.dispose()
        raise
    return App(paths, settings, engine, scanner, printer, receipt, display, scale, cash,
               terminal)


def init_register(
    data_dir: Path, settings: Settings, inherited: Mapping[str, Any] | None = None
) -> App:
    """Create a register's config and database; refuses to overwrite an existing register.
    ``inherited``: the baked and site layers below it (``config.initial_settings``), whose
    values its config.toml then leaves out."""
    paths = Paths(data_dir)
    if paths.config.exists() or paths.database.exists():
        raise InputError(
            f"{data_dir} already holds a register; use another --data-dir or remove it first"
        )
    paths.root.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(paths.database, paths.backups)
    engine = make_engine(paths.database)
    with engine.begin() as conn:
        conn.execute(insert(t.register_info).values(
            id=1, store=settings.store, register=settings.register,
            currency=settings.currency.code, created_at=utc_now(),
        ))
        conn.execute(insert(t.tax_classes), [
            {"code": tc.code, "name": tc.name, "rate_ppm": tc.rate_ppm}
            for tc in settings.tax_classes
        ])
        conn.execute(insert(t.users).values(name=SYSTEM_USER, role="manager", pin_hash=None))
    # written last: a register exists only once it is complete
    config.save(paths, settings, inherited)
    return App(paths, settings, engine)
