"""Users, roles, PINs and lockout.

PINs are hashed by the protocol package's scrypt codec (``pos_protocol.hash_secret``, shared
with the central's passwords) after the register's own format check. After 5 wrong PINs a user
is locked for a delay that doubles with every further miss.
"""

from __future__ import annotations

from enum import IntEnum

from pos_protocol import hash_secret
from pos_terminal.errors import AuthError, InputError

MAX_FAILURES = 5
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600


class Role(IntEnum):
    CASHIER = 1
    SUPERVISOR = 2
    MANAGER = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.upper()]
        except KeyError as exc:
            raise InputError(f"unknown role {name!r}; use cashier, supervisor or manager") from exc


# The role each guarded action needs.
REQUIRED_ROLE: dict[str, Role] = {
    "price_override": Role.SUPERVISOR,
    "blind_return": Role.SUPERVISOR,
    "void_after_tender": Role.SUPERVISOR,
    "second_card_charge": Role.SUPERVISOR,  # charging again while the last answer is unknown
    "no_sale": Role.SUPERVISOR,
    "sale_discount": Role.SUPERVISOR,
    "manage_users": Role.MANAGER,
    "adjust_stock": Role.SUPERVISOR,
    "quantity_limit": Role.SUPERVISOR,
    "post_count": Role.MANAGER,
    # cash controls (services/cash_rules.py): beyond what the role may do alone
    "paid_in": Role.MANAGER,
    "paid_out": Role.MANAGER,
    "close_difference": Role.MANAGER,
    "refund_tender": Role.SUPERVISOR,  # a refund to a tender the sale was not paid with
}


def check_pin_format(pin: str) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise InputError("a PIN is 4 to 8 digits")
    return pin


def hash_pin(pin: str) -> str:
    return hash_secret(check_pin_format(pin))


def lock_seconds(failures: int) -> int:
    """How long a user stays locked after ``failures`` consecutive wrong PINs."""
    if failures < MAX_FAILURES:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - MAX_FAILURES), MAX_LOCK_SECONDS)


def require_role(role: Role, action: str) -> None:
    need = REQUIRED_ROLE[action]
    if role < need:
        raise AuthError(f"{action.replace('_', ' ')} needs a {need.name.lower()}")
