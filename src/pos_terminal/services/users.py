"""Users and PINs: sign-in with lockout, supervisor approvals, the audit of overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from pos_terminal.clock import utc_now
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import plain_text
from pos_terminal.domain.users import (
    REQUIRED_ROLE,
    Role,
    hash_pin,
    lock_seconds,
    pin_matches,
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


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(self, name: str, role: Role, pin: str | None) -> User:
        name = name.strip()
        if not name or len(name) > 40:
            raise InputError("a user name is 1 to 40 characters")
        with self.ctx.write() as conn:
            if conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar():
                raise InputError(f"there is already a user called {name}")
            uid = conn.execute(insert(t.users).values(
                name=name, role=role.name.lower(), pin_hash=hash_pin(pin) if pin else None,
            ).returning(t.users.c.id)).scalar_one()
        return User(uid, name, role)

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

    def sign_in(self, name: str, pin: str, now: datetime | None = None) -> User:
        """Check a PIN; 5 misses lock the user for 30 s, doubling with each further miss."""
        now = now or datetime.now(UTC)
        with self.ctx.write() as conn:
            r = conn.execute(select(t.users).where(t.users.c.name == name)).first()
            if r is None or not r.active or r.pin_hash is None:
                raise AuthError("unknown user or wrong PIN")
            if r.locked_until and _parse_time(r.locked_until) > now:
                wait = int((_parse_time(r.locked_until) - now).total_seconds()) + 1
                raise AuthError(
                    f"{name} is locked after too many wrong PINs; try again in {wait} s"
                )
            if pin_matches(pin, r.pin_hash):
                if r.failed_attempts:
                    conn.execute(update(t.users).where(t.users.c.id == r.id)
                                 .values(failed_attempts=0, locked_until=None))
                return User(r.id, r.name, Role.parse(r.role))
            failures = r.failed_attempts + 1
            delay = lock_seconds(failures)
            until = None
            if delay:
                until = (now + timedelta(seconds=delay)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
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
