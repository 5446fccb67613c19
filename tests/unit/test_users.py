from __future__ import annotations

import pytest

from pos_protocol import secret_matches
from pos_terminal.domain.users import Role, hash_pin, lock_seconds, require_role
from pos_terminal.errors import AuthError, InputError


def test_pin_hash_is_salted_and_verifies() -> None:
    a, b = hash_pin("1234"), hash_pin("1234")
    assert a != b and "1234" not in a
    assert secret_matches("1234", a) and not secret_matches("1235", a)


def test_pin_format() -> None:
    with pytest.raises(InputError):
        hash_pin("12")


def test_lockout_grows() -> None:
    assert [lock_seconds(n) for n in range(4, 9)] == [0, 30, 60, 120, 240]
    assert lock_seconds(40) == 3600


def test_roles_gate_overrides() -> None:
    require_role(Role.SUPERVISOR, "price_override")
    with pytest.raises(AuthError, match="needs a supervisor"):
        require_role(Role.CASHIER, "price_override")
