"""Staff: own PIN change, a manager's PIN reset, role change and deactivation (history kept,
no sign-in), the last active manager guarded, everything audited; the same on the CLI with
PINs from standard input (tests/ui/test_scenario_cash.py drives the staff screen by keys)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import Role
from pos_terminal.errors import AuthError, InputError, RuleError

from support import ok, pt, unit_code


def audit(app_or_dir: App | Path) -> list[tuple[str, str, str, str]]:
    path = app_or_dir.paths.database if isinstance(app_or_dir, App) else \
        app_or_dir / "register.db"
    return sqlite3.connect(path).execute(
        "select a.action, u.name, a.reference, a.detail from audit_log a "
        "join users u on u.id = a.user_id order by a.id").fetchall()


def test_a_user_changes_their_own_pin(app: App) -> None:
    with pytest.raises(AuthError, match="wrong PIN"):
        app.users.change_pin("cashier", "0000", "4321")
    with pytest.raises(InputError, match="4 to 8 digits"):
        app.users.change_pin("cashier", "1111", "12")
    app.users.change_pin("cashier", "1111", "4321")
    assert app.users.sign_in("cashier", "4321").name == "cashier"
    with pytest.raises(AuthError):
        app.users.sign_in("cashier", "1111")
    assert audit(app) == [("pin_change", "cashier", "cashier", "own PIN")]


def test_a_manager_resets_a_pin_a_cashier_cannot(app: App) -> None:
    manager, cashier = app.users.by_name("manager"), app.users.by_name("cashier")
    for _ in range(5):  # locked out
        with pytest.raises(AuthError):
            app.users.sign_in("cashier", "0000")
    with pytest.raises(AuthError, match="needs a manager"):
        app.users.reset_pin(cashier, "manager", "5555")
    app.users.reset_pin(manager, "cashier", "2468")
    assert app.users.sign_in("cashier", "2468").name == "cashier"  # the lock is lifted
    assert audit(app) == [("pin_reset", "manager", "cashier", "PIN of cashier reset")]


def test_role_changes_and_the_last_manager_stays_a_manager(app: App) -> None:
    manager = app.users.by_name("manager")
    with pytest.raises(RuleError, match="last active manager"):
        app.users.set_role(manager, "manager", Role.CASHIER)
    app.users.set_role(manager, "cashier", Role.SUPERVISOR)
    assert app.users.by_name("cashier").role is Role.SUPERVISOR
    app.users.add("ann", Role.MANAGER, "7777")
    app.users.set_role(manager, "manager", Role.SUPERVISOR)  # another manager is active now
    assert app.users.by_name("manager").role is Role.SUPERVISOR
    with pytest.raises(AuthError, match="needs a manager"):  # no longer a manager
        app.users.set_role(manager, "cashier", Role.CASHIER)
    assert [(a, u, d) for a, u, _, d in audit(app)] == [
        ("role_change", "manager", "cashier: cashier -> supervisor"),
        ("role_change", "manager", "manager: manager -> supervisor")]


def test_a_deactivated_user_keeps_their_history_but_cannot_sign_in(
        app: App, products: list[dict]) -> None:
    manager = app.users.by_name("manager")
    s = app.sale_session(app.users.by_name("cashier"))
    s.scan(unit_code(products), 1)
    receipt = s.complete([Tender(TenderKind.CASH)]).receipt_no
    app.users.deactivate(manager, "cashier")
    assert "cashier" not in app.users.names()
    with pytest.raises(AuthError, match="cashier is deactivated"):
        app.users.sign_in("cashier", "1111")
    with pytest.raises(AuthError):  # nor approve anything
        app.users.approve("cashier", "1111", "no_sale", manager, "x")
    assert sqlite3.connect(app.paths.database).execute(
        "select u.name from sales s join users u on u.id = s.user_id where receipt_no = ?",
        (receipt,)).fetchone() == ("cashier",)
    assert next(m for m in app.users.staff() if m.name == "cashier").active is False
    with pytest.raises(InputError, match="already deactivated"):
        app.users.deactivate(manager, "cashier")
    with pytest.raises(RuleError, match="last active manager"):
        app.users.deactivate(app.users.system_user(), "manager")
    app.users.reactivate(manager, "cashier")
    assert app.users.sign_in("cashier", "1111").name == "cashier"
    assert [a for a, *_ in audit(app)] == ["user_deactivate", "user_reactivate"]


def test_the_last_manager_cannot_be_deactivated_nor_deactivate_themselves(app: App) -> None:
    manager = app.users.by_name("manager")
    with pytest.raises(RuleError, match="cannot deactivate yourself"):
        app.users.deactivate(manager, "manager")
    app.users.add("ann", Role.MANAGER, "7777")
    ann = app.users.by_name("ann")
    app.users.deactivate(ann, "manager")  # two managers: one may go
    with pytest.raises(RuleError, match="last active manager"):
        app.users.set_role(app.users.system_user(), "ann", Role.CASHIER)
    with pytest.raises(InputError, match="register's own account"):
        app.users.deactivate(ann, "system")


# -- the command line -----------------------------------------------------------------------
def stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{x}\n" for x in lines)))


def test_user_pin_own_and_reset(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, "1111", "4321")
    assert "changed" in ok(data_dir, "user-pin", "cashier", "--by", "cashier")
    stdin(monkeypatch, "1111", "5555")  # the old PIN no longer works
    bad = pt(data_dir, "user-pin", "cashier", "--by", "cashier")
    assert bad.code == 1 and "wrong PIN" in bad.err
    stdin(monkeypatch, "9999", "8642")
    assert "reset by manager" in ok(data_dir, "user-pin", "cashier", "--by", "manager")
    stdin(monkeypatch, "1357")  # the register's own account (shell access)
    assert "reset by system" in ok(data_dir, "user-pin", "cashier")
    stdin(monkeypatch)  # no PIN given: refused, nothing changed
    empty = pt(data_dir, "user-pin", "cashier")
    assert empty.code == 1 and "standard input" in empty.err
    assert [(a, u) for a, u, *_ in audit(data_dir)] == [
        ("pin_change", "cashier"), ("pin_reset", "manager"), ("pin_reset", "system")]


def test_user_role_and_deactivate_on_the_cli(data_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, "1111")  # a cashier cannot change roles
    refused = pt(data_dir, "user-role", "cashier", "--role", "manager", "--by", "cashier")
    assert refused.code == 1 and "manager" in refused.err
    stdin(monkeypatch, "9999")
    ok(data_dir, "user-role", "cashier", "--role", "supervisor", "--by", "manager")
    last = pt(data_dir, "user-role", "manager", "--role", "cashier")
    assert last.code == 1 and "last active manager" in last.err
    stdin(monkeypatch, "9999")
    out = ok(data_dir, "user-deactivate", "cashier", "--by", "manager")
    assert "cannot sign in" in out
    stdin(monkeypatch, "1111")
    again = pt(data_dir, "user-pin", "cashier", "--by", "cashier")
    assert again.code == 1 and "deactivated" in again.err
    gone = pt(data_dir, "user-deactivate", "manager")
    assert gone.code == 1 and "last active manager" in gone.err
    ok(data_dir, "user-deactivate", "cashier", "--reactivate")
    assert [(a, u, r) for a, u, r, _ in audit(data_dir)] == [
        ("role_change", "manager", "cashier"), ("user_deactivate", "manager", "cashier"),
        ("user_reactivate", "system", "cashier")]


def test_user_add_reads_the_pin(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, "9999", "2222")
    ok(data_dir, "user-add", "sue", "--role", "supervisor", "--by", "manager")
    with sqlite3.connect(data_dir / "register.db") as c:
        assert c.execute("select role from users where name = 'sue'").fetchone() == (
            "supervisor",)
    assert audit(data_dir)[-1][:3] == ("user_add", "manager", "sue")


@pytest.mark.parametrize("command", ["user-pin", "user-role", "user-deactivate", "user-add"])
def test_every_staff_command_has_help(command: str) -> None:
    r = subprocess.run([sys.executable, "-m", "pos_terminal", command, "--help"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--by" in r.stdout
