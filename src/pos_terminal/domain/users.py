"""Users, roles, PINs and lockout.

PINs are hashed with scrypt (a slow, memory-hard KDF from the standard library) and a random
salt. After 5 wrong PINs a user is locked for a delay that doubles with every further miss.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import IntEnum

from pos_terminal.errors import AuthError, InputError

MAX_FAILURES = 5
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600
_N, _R, _P = 2**14, 8, 1


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
    check_pin_format(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def lock_seconds(failures: int) -> int:
    """How long a user stays locked after ``failures`` consecutive wrong PINs."""
    if failures < MAX_FAILURES:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - MAX_FAILURES), MAX_LOCK_SECONDS)


def require_role(role: Role, action: str) -> None:
    need = REQUIRED_ROLE[action]
    if role < need:
        raise AuthError(f"{action.replace('_', ' ')} needs a {need.name.lower()}")
