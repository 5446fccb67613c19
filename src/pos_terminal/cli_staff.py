"""Staff at the command line: ``user-pin``, ``user-role``, ``user-deactivate`` (and PINs for
``user-add`` and for approvals such as ``return --approver``).

PINs are never only on the command line: typed without echo when the command runs in a
terminal (a new PIN twice), else read from standard input, one line per PIN, in the order the
command asks for them (for scripts: ``printf '9999\\n4321\\n' | pos-terminal user-pin cashier
--by manager``). Without ``--by`` a command acts as the register's own account — whoever can
run it can also open the register's database — and is audited as such; with ``--by NAME`` it
acts as that user, after their PIN. Every change is audited (who, when, to whom).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from pos_terminal.errors import ApprovalRequired, InputError

T = TypeVar("T")
ROLES = ("cashier", "supervisor", "manager")


def read_pin(prompt: str, confirm: bool = False) -> str:
    """A PIN typed without echo in a terminal (twice with ``confirm``), else one line of
    standard input."""
    if sys.stdin.isatty():
        pin = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} again: ") != pin:
            raise InputError("the two PINs differ; nothing was changed")
        return pin
    line = sys.stdin.readline()
    if not line:
        raise InputError(f"{prompt}: expected on standard input (one line per PIN), "
                         "or run the command in a terminal")
    return line.rstrip("\r\n")


def acting_user(app: Any, by: str | None, action: str = "manage_users") -> Any:
    """Who runs the command: ``--by NAME`` after their PIN, else the register's own account."""
    from pos_terminal.domain.users import require_role

    if by is None:
        return app.users.system_user()
    user = app.users.sign_in(by, read_pin(f"PIN of {by}"))
    require_role(user.role, action)
    return user


def with_approver(app: Any, approver: str | None, user: Any, reason: str,
                  job: Callable[[Any], T]) -> T:
    """``job(None)``; when it needs someone's approval, ask ``approver``'s PIN (``--approver``)
    and run ``job(approval)``."""
    try:
        return job(None)
    except ApprovalRequired as exc:
        if not approver:
            raise ApprovalRequired(exc.action, f"{exc}: add --approver NAME (their PIN is "
                                   "asked, or read from standard input)") from exc
        ok = app.users.approve(approver, read_pin(f"PIN of {approver}"), exc.action, user,
                               reason or f"{exc.action.replace('_', ' ')} at the command line")
        return job(ok)


def cmd_user_pin(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register

    with open_register(args.data_dir) as app:
        if args.by is not None and args.by == args.name:  # their own: the current PIN first
            current = read_pin(f"current PIN of {args.name}")
            app.users.sign_in(args.name, current)  # a wrong one is told before the new PIN
            app.users.change_pin(args.name, current, read_pin("new PIN", confirm=True))
            print(f"PIN of {args.name} changed")
            return 0
        by = acting_user(app, args.by)
        app.users.reset_pin(by, args.name, read_pin(f"new PIN for {args.name}", confirm=True))
    print(f"PIN of {args.name} reset by {by.name}")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.domain.users import Role

    with open_register(args.data_dir) as app:
        by = acting_user(app, args.by)
        app.users.set_role(by, args.name, Role.parse(args.role))
    print(f"{args.name} is now a {args.role} (changed by {by.name})")
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register

    with open_register(args.data_dir) as app:
        by = acting_user(app, args.by)
        if args.reactivate:
            app.users.reactivate(by, args.name)
            print(f"{args.name} reactivated by {by.name}: they can sign in again")
        else:
            app.users.deactivate(by, args.name)
            print(f"{args.name} deactivated by {by.name}: they cannot sign in; their sales "
                  "and history stay")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.domain.users import Role

    with open_register(args.data_dir) as app:
        by = acting_user(app, args.by) if args.by else None
        pin = args.pin if args.pin is not None else read_pin(f"PIN for {args.name}",
                                                             confirm=True)
        u = app.users.add(args.name, Role.parse(args.role), pin, by=by)
    print(f"user {u.name} ({u.role.name.lower()}) added")
    return 0


def add_parsers(sub: Any, cmd: Any) -> None:
    by_help = ("a manager who makes the change (their PIN is asked); default: the register's "
               "own account")
    sp = cmd("user-add", cmd_user_add, "add a cashier, supervisor or manager")
    sp.add_argument("name")
    sp.add_argument("--role", required=True, choices=ROLES)
    sp.add_argument("--pin", help="the PIN (4-8 digits); left out: typed without echo, or "
                    "read from standard input")
    sp.add_argument("--by", metavar="MANAGER", help=by_help)

    sp = cmd("user-pin", cmd_user_pin,
             "change a user's PIN: their own (--by themselves: the current PIN first) or a "
             "manager's reset; PINs are typed without echo or read from standard input")
    sp.add_argument("name")
    sp.add_argument("--by", metavar="USER",
                    help="NAME itself to change their own PIN, or a manager to reset it; "
                         "default: the register's own account resets it")

    sp = cmd("user-role", cmd_user_role,
             "change a user's role (the last active manager stays a manager)")
    sp.add_argument("name")
    sp.add_argument("--role", required=True, choices=ROLES)
    sp.add_argument("--by", metavar="MANAGER", help=by_help)

    sp = cmd("user-deactivate", cmd_user_deactivate,
             "take a user off the staff: they cannot sign in and are not offered at sign-in; "
             "their sales and history stay (the last active manager cannot be deactivated)")
    sp.add_argument("name")
    sp.add_argument("--reactivate", action="store_true", help="let them sign in again")
    sp.add_argument("--by", metavar="MANAGER", help=by_help)


