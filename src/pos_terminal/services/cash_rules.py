"""The store's ``[cash]`` rules: how much cash a role may pay in or out of the drawer alone,
and how far a closing count may differ from the expected cash without a manager's sign-off.

    [cash]
    paid_out_limit_cashier = "50.00"       # above this a cashier's paid out needs a manager
    paid_out_limit_supervisor = "200.00"
    paid_in_limit_cashier = "200.00"
    paid_in_limit_supervisor = "1000.00"
    close_difference_limit = "5.00"        # counted − expected beyond ± this needs a manager

Amounts are in the store's currency as quoted text (a plain number is taken as whole currency
units); ``"none"`` means no limit for that role. A manager is never limited (they are the
approver). Independently of the limits, a paid out larger than the cash the drawer should hold
always needs a manager. Every bad value refuses the register's start with the file, the key
and what is expected (docs/cash.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pos_protocol.money import Currency
from pos_terminal.config import Paths, Section, attributed, check_keys, load_raw
from pos_terminal.domain.users import Role
from pos_terminal.errors import ConfigError, InputError

SECTION = "cash"
# Defaults in whole currency units (scaled by the currency's exponent).
DEFAULTS: dict[str, int | None] = {
    "paid_out_limit_cashier": 50,
    "paid_out_limit_supervisor": 200,
    "paid_in_limit_cashier": 200,
    "paid_in_limit_supervisor": 1000,
    "close_difference_limit": 5,
}
KEYS = tuple(DEFAULTS)
NO_LIMIT = "none"
CONFIG_SECTIONS = (Section(SECTION, KEYS),)  # the config schema (config.SCHEMA_MODULES)


@dataclass(frozen=True)
class CashRules:
    """Limits in minor units; ``None``: that role is not limited."""

    paid_limits: dict[tuple[str, Role], int | None] = field(default_factory=dict)
    close_difference_limit: int = 500

    def paid_limit(self, kind: str, role: Role) -> int | None:
        """The most ``role`` may pay in or out (``kind``) without a manager; None: no limit."""
        if role >= Role.MANAGER:
            return None
        return self.paid_limits.get((kind, role))

    @classmethod
    def defaults(cls, currency: Currency) -> CashRules:
        return cash_rules_from({}, currency)


def load_cash_rules(paths: Paths, currency: Currency) -> CashRules:
    raw = load_raw(paths)
    with attributed(raw):  # a bad value set by the site file or environment names that layer
        return cash_rules_from(raw, currency, paths.config)


def cash_rules_from(data: dict[str, Any], currency: Currency,
                    source: Path | str = "config.toml") -> CashRules:
    sec = data.get(SECTION, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"{source}: [{SECTION}]: expected a section (a table)")
    check_keys(data, SECTION, source)
    got = {k: _amount(sec, k, currency, source) for k in KEYS}
    limits = {(kind, role): got[f"{kind}_limit_{role.name.lower()}"]
              for kind in ("paid_out", "paid_in") for role in (Role.CASHIER, Role.SUPERVISOR)}
    close = got["close_difference_limit"]
    if close is None:
        raise ConfigError(f'{source}: [{SECTION}] close_difference_limit: expected an amount '
                          'such as "5.00" ("0.00": every difference needs a manager)')
    return CashRules(limits, close)


def _amount(sec: dict[str, Any], key: str, currency: Currency,
            source: Path | str) -> int | None:
    if key not in sec:
        default = DEFAULTS[key]
        return None if default is None else default * 10 ** currency.exponent
    value = sec[key]
    where = f"{source}: [{SECTION}] {key}"
    if isinstance(value, str) and value.strip().lower() == NO_LIMIT:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f'{where}: expected an amount as text such as "50.00", or "none"')
    try:
        minor = currency.parse(value.strip() if isinstance(value, str)
                               else format(Decimal(str(value)), "f"))
    except (InputError, ArithmeticError) as exc:
        raise ConfigError(f'{where}: expected an amount in {currency.code} such as "50.00", '
                          f'or "none" ({exc})') from exc
    if minor < 0:
        raise ConfigError(f"{where}: a limit cannot be negative")
    return minor
