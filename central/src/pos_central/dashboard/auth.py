"""Dashboard accounts, sign-in sessions and sign-in throttling.

Accounts are the ``admins`` rows (``pos-central create-admin USER [--role admin|owner]``):
an *admin* may change things from the dashboard, an *owner* sees everything and changes
nothing. Passwords are scrypt hashes (``security``).

A session is a random token (``pcs_`` + 32 bytes) in an HttpOnly cookie; the database keeps
only its sha256, with an idle expiry that slides on use and a hard limit from sign-in. The
CSRF token of a session is derived from the session token (HMAC), so it needs no storage and
cannot be computed without the cookie; every dashboard POST must carry it.

Throttling: after ``MAX_USER_FAILURES`` failed sign-ins for one user name, or
``MAX_REMOTE_FAILURES`` from one address, within ``FAILURE_WINDOW``, sign-ins for that name
(or from that address) are refused — even with the right password — until the window has
passed. A successful sign-in clears the name's failures.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update

from pos_central import security
from pos_central.clock import utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read, write
from pos_central.errors import BadInput, CentralError, Conflict
from pos_central.services.accounts import USERNAME
from pos_protocol import hash_secret, secret_matches

ROLES = ("admin", "owner")
SESSION_PREFIX = "pcs_"
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_USER_FAILURES = 5
MAX_REMOTE_FAILURES = 20
_TOUCH_EVERY = timedelta(seconds=60)  # write last_seen_at at most this often
# scrypt of a random password: checked for unknown names too, so timing tells nothing
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(16))


class Throttled(CentralError):
    """Too many failed sign-ins; wait before trying again."""

    status = 429


@dataclass(frozen=True)
class Viewer:
    """Who is signed in on this request."""

    admin_id: int
    username: str
    role: str
    token: str  # the session token (from the cookie), for the CSRF token and sign-out

    @property
    def can_change(self) -> bool:
        return self.role == "admin"

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"pos-central dashboard csrf", hashlib.sha256
                    ).hexdigest()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), str(sent))


# -- accounts ---------------------------------------------------------------------------------
def create_user(engine: Engine, username: str, password: str, role: str = "admin") -> None:
    """A dashboard account; ``role`` is ``admin`` (may change things) or ``owner`` (read-only)."""
    if role not in ROLES:
        raise BadInput(f"role {role!r} is not one of {', '.join(ROLES)}", "role")
    if not USERNAME.match(username or ""):
        raise BadInput(f"user name {username!r} is not usable: 1 to 64 letters, digits, . _ @ "
                       "or -", "username")
    if len(password) < security.MIN_PASSWORD:
        raise BadInput(f"a password needs at least {security.MIN_PASSWORD} characters",
                       "password")
    if password != password.strip() or "\n" in password:
        raise BadInput("a password cannot start or end with spaces or hold line breaks",
                       "password")
    digest = hash_secret(password)
    a = t.admins
    with write(engine) as conn:
        if conn.execute(select(a.c.id).where(a.c.username == username)).first():
            raise Conflict(f"account {username} already exists")
        conn.execute(a.insert().values(username=username, password_hash=digest, role=role,
                                       created_at=utc_now()))


# -- sign-in ----------------------------------------------------------------------------------
def sign_in(engine: Engine, username: str, password: str, remote: str) -> str | None:
    """A new session token, or None for a wrong name or password (the failure is counted).
    Raises ``Throttled`` while the name or address has too many recent failures."""
    username = (username or "").strip()[:64]
    remote = (remote or "?")[:64]
    now = utc_now()
    f = t.login_failures
    with read(engine) as conn:
        since = now - FAILURE_WINDOW
        by_user = conn.execute(select(func.count(), func.min(f.c.failed_at))
                               .where(f.c.username == username, f.c.failed_at > since)).one()
        by_remote = conn.execute(select(func.count(), func.min(f.c.failed_at))
                                 .where(f.c.remote == remote, f.c.failed_at > since)).one()
    for (count, first), limit in ((by_user, MAX_USER_FAILURES),
                                  (by_remote, MAX_REMOTE_FAILURES)):
        if count >= limit:
            wait = max(1, -(-int((first + FAILURE_WINDOW - now).total_seconds()) // 60))
            raise Throttled(f"too many failed sign-ins; try again in {wait} minute"
                            f"{'s' if wait != 1 else ''}")
    a = t.admins
    with read(engine) as conn:
        row = conn.execute(select(a.c.id, a.c.password_hash).where(
            a.c.username == username, a.c.disabled_at.is_(None))).first()
    good = secret_matches(password or "", row.password_hash if row else _DUMMY_HASH)
    if row is None or not good:
        with write(engine) as conn:
            conn.execute(f.insert().values(username=username, remote=remote, failed_at=now))
            conn.execute(delete(f).where(f.c.failed_at < now - timedelta(days=1)))
        return None
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    s = t.admin_sessions
    with write(engine) as conn:
        conn.execute(delete(f).where(f.c.username == username))
        conn.execute(delete(s).where(s.c.expires_at <= now))
        conn.execute(s.insert().values(token_hash=security.token_hash(token), admin_id=row.id,
                                       created_at=now, last_seen_at=now,
                                       expires_at=min(now + SESSION_IDLE, now + SESSION_MAX)))
    return token


def viewer(engine: Engine, token: str | None) -> Viewer | None:
    """The signed-in account for a session cookie, or None (no, unknown or expired session);
    slides the idle expiry."""
    if not token or not token.startswith(SESSION_PREFIX) or len(token) > 100:
        return None
    s, a = t.admin_sessions, t.admins
    h = security.token_hash(token)
    now = utc_now()
    with read(engine) as conn:
        row = conn.execute(
            select(s.c.created_at, s.c.last_seen_at, a.c.id, a.c.username, a.c.role)
            .join(a, a.c.id == s.c.admin_id)
            .where(s.c.token_hash == h, s.c.expires_at > now, a.c.disabled_at.is_(None))
        ).first()
    if row is None:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        with write(engine) as conn:
            conn.execute(update(s).where(s.c.token_hash == h).values(
                last_seen_at=now, expires_at=_expiry(row.created_at, now)))
    return Viewer(row.id, row.username, row.role, token)


def _expiry(created: datetime, now: datetime) -> datetime:
    return min(now + SESSION_IDLE, created + SESSION_MAX)


def sign_out(engine: Engine, token: str) -> None:
    with write(engine) as conn:
        conn.execute(delete(t.admin_sessions)
                     .where(t.admin_sessions.c.token_hash == security.token_hash(token)))
