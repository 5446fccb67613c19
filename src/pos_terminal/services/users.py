"""Users and PINs: sign-in with lockout, supervisor approvals, the audit of overrides, staff.

Staff changes keep history: a user is never deleted (their past sales, returns and audit rows
still name them); a deactivated user cannot sign in and is not offered at sign-in. A user
changes their own PIN with the current one; a manager resets a PIN, changes a role and
deactivates or reactivates a user; the last active manager can be neither demoted nor
deactivated. Every change is audited (who did it, when, to whom).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from pos_protocol import from_wire_time, secret_matches, to_wire_time
from pos_terminal.clock import utc_now
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import plain_text
from pos_terminal.domain.users import (
    REQUIRED_ROLE,
    Role,
    check_pin_format,
    hash_pin,
    lock_seconds,
    require_role,
)
from pos_terminal.errors import AuthError, InputError, NotFoundError, RuleError
from pos_terminal.services.context import Context

SYSTEM_USER = "system"  # the register's own account: scripted sales, imports, migrations


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role


@dataclass(frozen=True)
class StaffMember:
    """A row of the staff list (the register's own account is not one)."""

    name: str
    role: Role
    active: bool
    has_pin: bool


def write_audit(conn: Connection, o: Override, reference: str, at: str | None = None, *,
                value: int | None = None, training: bool = False) -> int:
    """One audit row in the caller's transaction; returns its id.

    ``value``: the money the action moved (a voided line's total, a discount, a refund, a
    paid out), minor units. The row counts on the shift open now (X and Z reports), unless it
    happened in ``training`` mode: then it is kept but never counted.
    """
    shift = None if training else conn.execute(
        select(t.shifts.c.id).where(t.shifts.c.status == "open")).scalar()
    return int(conn.execute(insert(t.audit_log).values(
        at=at or utc_now(), action=o.action, user_id=o.user_id, approver_id=o.approver_id,
        reason=o.reason, reference=reference, detail=o.detail, value=value, shift_id=shift,
        training=training,
    ).returning(t.audit_log.c.id)).scalar_one())


def role_of(conn: Connection, user_id: int) -> Role:
    """A user's role as the database holds it now (in the caller's transaction)."""
    role = conn.execute(select(t.users.c.role).where(t.users.c.id == user_id)).scalar()
    if role is None:
        raise NotFoundError(f"there is no user with id {user_id}")
    return Role.parse(role)


def check_approval(conn: Connection, approval: Override, action: str, user_id: int) -> None:
    """``approval`` was given for ``action`` by ``user_id``, by an active user whose role allows
    it (checked again in the caller's transaction: a role may have changed since)."""
    if approval.action != action:
        raise RuleError(f"this needs a {action.replace('_', ' ')} approval")
    if approval.user_id != user_id:
        raise RuleError("that approval was given for another user")
    r = conn.execute(select(t.users.c.role, t.users.c.active)
                     .where(t.users.c.id == approval.approver_id)).first()
    need = REQUIRED_ROLE[action]
    if r is None or not r.active or Role.parse(r.role) < need:
        raise AuthError(f"{action.replace('_', ' ')} needs a {need.name.lower()}'s approval")


def approves_alone(conn: Connection, user_id: int, action: str) -> bool:
    """A person (signed in with a PIN, not the register's own account) whose role is enough
    for ``action``: their own approval stands (audited with them as the approver)."""
    r = conn.execute(select(t.users.c.role, t.users.c.active, t.users.c.pin_hash)
                     .where(t.users.c.id == user_id)).first()
    return (r is not None and bool(r.active) and r.pin_hash is not None
            and Role.parse(r.role) >= REQUIRED_ROLE[action])


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(self, name: str, role: Role, pin: str | None, by: User | None = None) -> User:
        """A new user; with ``by`` (a manager) the addition is audited as theirs."""
        name = name.strip()
        if not name or len(name) > 40:
            raise InputError("a user name is 1 to 40 characters")
        pin_hash = hash_pin(pin) if pin else None
        with self.ctx.write() as conn:
            if by is not None:
                self._manager(conn, by)
            if conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar():
                raise InputError(f"there is already a user called {name}")
            uid = conn.execute(insert(t.users).values(
                name=name, role=role.name.lower(), pin_hash=pin_hash,
            ).returning(t.users.c.id)).scalar_one()
            if by is not None:
                write_audit(conn, Override("user_add", by.id, by.id, "",
                                           f"{name} added as {role.name.lower()}"), name)
        return User(uid, name, role)

    # -- staff ----------------------------------------------------------------------------
    def staff(self) -> list[StaffMember]:
        """Everyone who is or was on the staff (deactivated users too), by name."""
        with self.ctx.read() as conn:
            rows = conn.execute(
                select(t.users.c.name, t.users.c.role, t.users.c.active, t.users.c.pin_hash)
                .where(t.users.c.name != SYSTEM_USER).order_by(t.users.c.name)).all()
        return [StaffMember(r.name, Role.parse(r.role), bool(r.active), r.pin_hash is not None)
                for r in rows]

    def change_pin(self, name: str, current: str, new: str) -> None:
        """A user changes their own PIN: the current one first (a wrong one counts toward the
        lockout, as at sign-in)."""
        check_pin_format(new)
        user = self.sign_in(name, current)
        if new == current:
            raise InputError("the new PIN is the same as the current one")
        pin_hash = hash_pin(new)
        with self.ctx.write() as conn:
            self._set_pin(conn, user.id, pin_hash)
            write_audit(conn, Override("pin_change", user.id, user.id, "", "own PIN"), name)

    def reset_pin(self, by: User, name: str, new: str) -> None:
        """A manager gives ``name`` a new PIN (forgotten, or locked out: the lock is lifted)."""
        pin_hash = hash_pin(new)
        with self.ctx.write() as conn:
            self._manager(conn, by)
            target = self._target(conn, name)
            self._set_pin(conn, target.id, pin_hash)
            write_audit(conn, Override("pin_reset", by.id, by.id, "", f"PIN of {name} reset"),
                        name)

    def set_role(self, by: User, name: str, role: Role) -> None:
        """A manager changes ``name``'s role; the last active manager keeps theirs."""
        with self.ctx.write() as conn:
            self._manager(conn, by)
            target = self._target(conn, name)
            if target.role == role:
                raise InputError(f"{name} is already a {role.name.lower()}")
            if target.role == Role.MANAGER and role < Role.MANAGER:
                self._not_last_manager(conn, target, "demoted")
            conn.execute(update(t.users).where(t.users.c.id == target.id)
                         .values(role=role.name.lower()))
            write_audit(conn, Override(
                "role_change", by.id, by.id, "",
                f"{name}: {target.role.name.lower()} -> {role.name.lower()}"), name)

    def deactivate(self, by: User, name: str) -> None:
        """A manager takes ``name`` off the staff: they cannot sign in and are not offered at
        sign-in; their row and history stay."""
        with self.ctx.write() as conn:
            self._manager(conn, by)
            target = self._target(conn, name)
            if target.id == by.id:
                raise RuleError("you cannot deactivate yourself; another manager can")
            if not self._active(conn, target.id):
                raise InputError(f"{name} is already deactivated")
            if target.role == Role.MANAGER:
                self._not_last_manager(conn, target, "deactivated")
            conn.execute(update(t.users).where(t.users.c.id == target.id).values(active=False))
            write_audit(conn, Override("user_deactivate", by.id, by.id, "",
                                       f"{name} deactivated"), name)

    def reactivate(self, by: User, name: str) -> None:
        with self.ctx.write() as conn:
            self._manager(conn, by)
            target = self._target(conn, name)
            if self._active(conn, target.id):
                raise InputError(f"{name} is active already")
            conn.execute(update(t.users).where(t.users.c.id == target.id).values(
                active=True, failed_attempts=0, locked_until=None))
            write_audit(conn, Override("user_reactivate", by.id, by.id, "",
                                       f"{name} reactivated"), name)

    def _manager(self, conn: Connection, by: User) -> None:
        """``by`` is an active manager now (their role may have changed since sign-in)."""
        r = conn.execute(select(t.users.c.role, t.users.c.active)
                         .where(t.users.c.id == by.id)).first()
        if r is None or not r.active or Role.parse(r.role) < Role.MANAGER:
            raise AuthError("managing users needs a manager")

    def _target(self, conn: Connection, name: str) -> User:
        if name.strip() == SYSTEM_USER:
            raise InputError(f"{SYSTEM_USER!r} is the register's own account; it has no PIN "
                             "and cannot be changed")
        r = conn.execute(select(t.users.c.id, t.users.c.name, t.users.c.role)
                         .where(t.users.c.name == name.strip())).first()
        if r is None:
            raise NotFoundError(f"there is no user called {name!r}")
        return User(r.id, r.name, Role.parse(r.role))

    def _active(self, conn: Connection, user_id: int) -> bool:
        return bool(conn.execute(select(t.users.c.active)
                                 .where(t.users.c.id == user_id)).scalar())

    def _not_last_manager(self, conn: Connection, target: User, what: str) -> None:
        others = conn.execute(
            select(func.count()).select_from(t.users).where(
                t.users.c.role == Role.MANAGER.name.lower(), t.users.c.active.is_(True),
                t.users.c.pin_hash.is_not(None), t.users.c.id != target.id)
        ).scalar_one()
        if not others and self._active(conn, target.id):
            raise RuleError(f"{target.name} is the last active manager and cannot be {what}; "
                            "make another user a manager first")

    def _set_pin(self, conn: Connection, user_id: int, pin_hash: str) -> None:
        conn.execute(update(t.users).where(t.users.c.id == user_id).values(
            pin_hash=pin_hash, failed_attempts=0, locked_until=None))

    def create_first_manager(self, name: str, pin: str) -> User:
        """A new register's first manager; refused once anyone can sign in.

        A per-store build starts with no users (they are the store's, not the build's): the
        first person at the register creates the manager account, then adds the cashiers.
        """
        name = name.strip()
        if not name or len(name) > 40:
            raise InputError("a user name is 1 to 40 characters")
        pin_hash = hash_pin(pin)
        with self.ctx.write() as conn:
            taken = conn.execute(
                select(func.count()).select_from(t.users).where(t.users.c.pin_hash.is_not(None))
            ).scalar_one()
            if taken:
                raise AuthError("this register already has users; a manager adds new ones")
            if conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar():
                raise InputError(f"there is already a user called {name}")
            uid = conn.execute(insert(t.users).values(
                name=name, role=Role.MANAGER.name.lower(), pin_hash=pin_hash,
            ).returning(t.users.c.id)).scalar_one()
            write_audit(conn, Override("create_first_manager", uid, uid, "first start"), name)
        return User(uid, name, Role.MANAGER)

    def system_user(self) -> User:
        return self.by_name(SYSTEM_USER)

    def by_name(self, name: str) -> User:
        with self.ctx.read() as conn:
            r = conn.execute(
                select(t.users.c.id, t.users.c.name, t.users.c.role)
                .where(t.users.c.name == name, t.users.c.active.is_(True))
            ).first()
        if r is None:
            raise NotFoundError(f"no active user called {name!r}")
        return User(r.id, r.name, Role.parse(r.role))

    def names(self) -> list[str]:
        with self.ctx.read() as conn:
            return list(conn.execute(
                select(t.users.c.name).where(t.users.c.active.is_(True),
                                             t.users.c.pin_hash.is_not(None))
                .order_by(t.users.c.name)
            ).scalars())

    def approvers(self, action: str) -> list[str]:
        """Who can approve ``action``: active users with a PIN whose role is enough, by name."""
        need = REQUIRED_ROLE[action]
        roles = [r.name.lower() for r in Role if r >= need]
        with self.ctx.read() as conn:
            return list(conn.execute(
                select(t.users.c.name).where(t.users.c.active.is_(True),
                                             t.users.c.pin_hash.is_not(None),
                                             t.users.c.role.in_(roles))
                .order_by(t.users.c.name)
            ).scalars())

    def sign_in(self, name: str, pin: str, now: datetime | None = None) -> User:
        """Check a PIN; 5 misses lock the user for 30 s, doubling with each further miss."""
        now = now or datetime.now(UTC)
        with self.ctx.write() as conn:
            r = conn.execute(select(t.users).where(t.users.c.name == name)).first()
            if r is not None and not r.active:
                raise AuthError(f"{name} is deactivated and cannot sign in; a manager can "
                                "reactivate them")
            if r is None or r.pin_hash is None:
                raise AuthError("unknown user or wrong PIN")
            if r.locked_until and from_wire_time(r.locked_until) > now:
                wait = int((from_wire_time(r.locked_until) - now).total_seconds()) + 1
                raise AuthError(
                    f"{name} is locked after too many wrong PINs; try again in {wait} s"
                )
            if secret_matches(pin, r.pin_hash):
                if r.failed_attempts:
                    conn.execute(update(t.users).where(t.users.c.id == r.id)
                                 .values(failed_attempts=0, locked_until=None))
                return User(r.id, r.name, Role.parse(r.role))
            failures = r.failed_attempts + 1
            delay = lock_seconds(failures)
            until = None
            if delay:
                until = to_wire_time(now + timedelta(seconds=delay))
            conn.execute(update(t.users).where(t.users.c.id == r.id)
                         .values(failed_attempts=failures, locked_until=until))
        # The failed attempt is committed above; only then refuse.
        if delay:
            raise AuthError(f"wrong PIN; {name} is locked for {delay} s")
        raise AuthError(f"wrong PIN ({failures} of 5 tries before a lockout)")

    def approve(self, name: str, pin: str, action: str, cashier: User, reason: str) -> Override:
        """A supervisor's PIN turned into an approval; written to the audit log with the sale."""
        approver = self.sign_in(name, pin)
        require_role(approver.role, action)
        if not reason.strip():
            raise InputError("give a reason for the override")
        plain_text(reason, "the reason")
        return Override(action, cashier.id, approver.id, reason.strip())

    def log(self, override: Override, reference: str = "") -> None:
        """Record an override that has no business record of its own (a no-sale drawer open)."""
        with self.ctx.write() as conn:
            write_audit(conn, override, reference)
