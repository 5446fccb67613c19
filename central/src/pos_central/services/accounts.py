"""Stores, registers and who may do what: enrollment codes, register and admin tokens,
dashboard admin accounts, authentication of a request, and what the server has seen of a
register (last contact, events held, reported backlog).

Policy:
- An enrollment code is one-time and expires (24 h unless told otherwise). Making a new code
  for a register ends its earlier unused codes. Using a code gives the register a new token and
  ends the token it had (a replaced till enrolls again under the same register code).
- A revoked register's token answers 401 until the register is enrolled again.
- Every authenticated register request records the register's last contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update

from pos_central import security
from pos_central.clock import iso, utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read, write
from pos_central.errors import BadInput, Conflict, Forbidden, NotFound, Unauthorized
from pos_protocol import secret_matches, wire

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
DEFAULT_CODE_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class RegisterAuth:
    """A request made with a register token: store and register come from here only."""

    id: int
    store: str
    register: str
    previous_contact: datetime | None


@dataclass(frozen=True)
class AdminAuth:
    id: int


Principal = RegisterAuth | AdminAuth


def check_code(value: str, what: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise BadInput(f"{what} {value!r} is not usable: 1 to 16 letters, digits, _ or -, "
                       "starting with a letter or digit", what)
    return value


# -- stores -----------------------------------------------------------------------------------
def create_store(engine: Engine, store: str, name: str, currency: str = "EUR") -> dict[str, str]:
    check_code(store, "store")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadInput("store name must be 1 to 200 characters", "name")
    currency = (currency or "").strip().upper()
    if not CURRENCY.match(currency):
        raise BadInput(f"currency {currency!r} is not a 3-letter ISO code like EUR", "currency")
    with write(engine) as conn:
        if conn.execute(select(t.stores.c.code).where(t.stores.c.code == store)).first():
            raise Conflict(f"store {store} already exists")
        conn.execute(t.stores.insert().values(code=store, name=name, currency=currency,
                                              created_at=utc_now()))
    return {"store": store, "name": name, "currency": currency}


def list_stores(engine: Engine) -> list[dict[str, str]]:
    s = t.stores
    with read(engine) as conn:
        rows = conn.execute(select(s.c.code, s.c.name, s.c.currency).order_by(s.c.code)).all()
    return [{"store": c, "name": n, "currency": cur} for c, n, cur in rows]


def _store_exists(conn: Any, store: str) -> None:
    if not conn.execute(select(t.stores.c.code).where(t.stores.c.code == store)).first():
        raise NotFound(f"unknown store {store}; create it first (pos-central create-store)",
                       "store")


# -- enrollment -------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnrollmentCode:
    code: str
    store: str
    register: str
    expires_at: datetime


def make_enrollment_code(engine: Engine, store: str, register: str,
                         ttl: timedelta = DEFAULT_CODE_TTL) -> EnrollmentCode:
    """A one-time code that enrolls ``register`` of ``store`` (made if new)."""
    check_code(store, "store")
    check_code(register, "register")
    if ttl <= timedelta(0) or ttl > timedelta(days=30):
        raise BadInput("an enrollment code lives between a minute and 30 days", "ttl")
    r = t.registers
    now = utc_now()
    code = security.new_enrollment_code()
    with write(engine) as conn:
        _store_exists(conn, store)
        rid = conn.execute(
            select(r.c.id).where(r.c.store == store, r.c.code == register)
        ).scalar()
        if rid is None:
            rid = conn.execute(
                r.insert().values(store=store, code=register, created_at=now).returning(r.c.id)
            ).scalar_one()
        e = t.enrollment_codes
        conn.execute(update(e).where(e.c.register_id == rid, e.c.used_at.is_(None),
                                     e.c.expires_at > now).values(expires_at=now))
        conn.execute(e.insert().values(code_hash=security.code_hash(code), register_id=rid,
                                       created_at=now, expires_at=now + ttl))
    return EnrollmentCode(code, store, register, now + ttl)


def enroll(engine: Engine, code: str, store: Any = None, register: Any = None
           ) -> wire.Enrollment:
    """Exchange a one-time code for a register token (401 unknown, 403 used or expired).

    A register that names itself (``store`` and ``register``) is refused with 409 before the
    code is spent when the code was made for another register, so the right register can
    still use it.
    """
    if not isinstance(code, str) or not security.normalise_code(code):
        raise BadInput("expected {\"code\": \"XXXX-XXXX-XXXX-XXXX\"}", "code")
    for name, value in (("store", store), ("register", register)):
        if value is not None and not isinstance(value, str):
            raise BadInput(f"{name} must be a string", name)
    e, r = t.enrollment_codes, t.registers
    h = security.code_hash(code)
    now = utc_now()
    token = security.new_token(security.REGISTER_PREFIX)
    with write(engine) as conn:
        if store is not None or register is not None:
            meant = conn.execute(
                select(r.c.store, r.c.code).join(e, e.c.register_id == r.c.id)
                .where(e.c.code_hash == h, e.c.used_at.is_(None), e.c.expires_at > now)
            ).first()
            if meant is not None and (store, register) != (meant.store, meant.code):
                raise Conflict(f"this enrollment code is for register {meant.code} of store "
                               f"{meant.store}, not register {register} of store {store}; the "
                               "code was not used", "code")
        rid = conn.execute(
            update(e).where(e.c.code_hash == h, e.c.used_at.is_(None), e.c.expires_at > now)
            .values(used_at=now).returning(e.c.register_id)
        ).scalar()
        if rid is None:
            row = conn.execute(
                select(e.c.used_at, e.c.expires_at).where(e.c.code_hash == h)).first()
            if row is None:
                raise Unauthorized("unknown enrollment code; check it or make a new one with "
                                   "pos-central enroll-code", "code")
            if row.used_at is not None:
                raise Forbidden(f"this enrollment code was already used at {iso(row.used_at)}; "
                                "make a new one with pos-central enroll-code", "code")
            raise Forbidden(f"this enrollment code expired at {iso(row.expires_at)}; make a new "
                            "one with pos-central enroll-code", "code")
        store, register = conn.execute(
            update(r).where(r.c.id == rid)
            .values(token_hash=security.token_hash(token), enrolled_at=now, revoked_at=None,
                    last_contact_at=now)
            .returning(r.c.store, r.c.code)
        ).one()
    return wire.Enrollment(token, store, register)


def revoke_register(engine: Engine, store: str, register: str) -> dict[str, Any]:
    r = t.registers
    now = utc_now()
    with write(engine) as conn:
        rid = conn.execute(
            update(r).where(r.c.store == store, r.c.code == register).values(revoked_at=now)
            .returning(r.c.id)
        ).scalar()
        if rid is None:
            raise NotFound(f"unknown register {register} of store {store}", "register")
    return {"store": store, "register": register, "revoked_at": iso(now)}


# -- admins -----------------------------------------------------------------------------------
def create_admin_token(engine: Engine, label: str = "") -> str:
    token = security.new_token(security.ADMIN_PREFIX)
    with write(engine) as conn:
        conn.execute(t.admin_tokens.insert().values(
            token_hash=security.token_hash(token), label=label[:200], created_at=utc_now()))
    return token


def check_admin_password(engine: Engine, username: str, password: str) -> bool:
    a = t.admins
    with read(engine) as conn:
        stored = conn.execute(select(a.c.password_hash).where(
            a.c.username == username, a.c.disabled_at.is_(None))).scalar()
    return stored is not None and secret_matches(password, stored)


# -- authentication ---------------------------------------------------------------------------
def bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("missing token: send Authorization: Bearer <token>")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be Bearer <token>")
    return token.strip()


def authenticate(engine: Engine, header: str | None, reported: wire.Health | None = None,
                 arrived: datetime | None = None) -> Principal:
    """Who sent this request; a register's last contact, and what it ``reported`` about
    itself in the request's headers, are recorded on the way (``arrived``: when the request
    reached the server, for the clock skew)."""
    from pos_central.services import health

    h = security.token_hash(bearer(header))
    r, a = t.registers, t.admin_tokens
    now = arrived or utc_now()
    with write(engine) as conn:
        row = conn.execute(
            select(r.c.id, r.c.store, r.c.code, r.c.revoked_at, r.c.last_contact_at)
            .where(r.c.token_hash == h)
        ).first()
        if row is not None:
            if row.revoked_at is not None:
                raise Unauthorized(f"register {row.store}/{row.code} was revoked; enroll it "
                                   "again with a new code")
            conn.execute(update(r).where(r.c.id == row.id).values(last_contact_at=now))
            health.record(conn, row.id, now, reported)
            return RegisterAuth(row.id, row.store, row.code, row.last_contact_at)
        adm = conn.execute(select(a.c.id, a.c.revoked_at).where(a.c.token_hash == h)).first()
    if adm is None:
        raise Unauthorized("unknown token; enroll the register again (pos-terminal provision)")
    if adm.revoked_at is not None:
        raise Unauthorized("this admin token was revoked")
    return AdminAuth(adm.id)


def require_register(p: Principal) -> RegisterAuth:
    if not isinstance(p, RegisterAuth):
        raise Forbidden("this route is for registers; an admin token cannot use it")
    return p


def require_admin(p: Principal) -> AdminAuth:
    if not isinstance(p, AdminAuth):
        raise Forbidden("this route needs an admin token; a register token cannot use it")
    return p


def require_store(p: Principal, store: str) -> None:
    """Admins see every store; a register only its own."""
    if isinstance(p, RegisterAuth) and p.store != store:
        raise Forbidden(f"register {p.store}/{p.register} cannot read store {store}'s data")


# -- what the server has seen -----------------------------------------------------------------
def catalog_version(conn: Any) -> int:
    return int(conn.execute(select(t.counters.c.value)
                            .where(t.counters.c.name == t.CATALOG_VERSION)).scalar_one())


def status(engine: Engine, who: RegisterAuth) -> wire.Status:
    r, h = t.registers, t.register_health
    with read(engine) as conn:
        row = conn.execute(select(r).where(r.c.id == who.id)).one()
        health = conn.execute(select(h).where(h.c.register_id == who.id)).first()
        version = catalog_version(conn)
    return wire.Status(
        protocol=wire.PROTOCOL_VERSION, server_time=iso(utc_now()) or "",
        store=who.store, register=who.register, last_contact_at=iso(who.previous_contact),
        events_held=int(row.events_held), last_seq=row.last_seq,
        last_event_at=iso(row.last_event_at), pending=row.pending_reported,
        pending_at=iso(row.pending_reported_at), catalog_version=version,
        # what the central measured of this register (services/health.py), this request's
        # headers included when the register sent them
        clock_skew_ms=health.clock_skew_ms if health else None,
        clock_checked_at=iso(health.clock_checked_at) if health else None,
        quarantined=health.quarantined if health else None,
        quarantined_at=iso(health.quarantined_at) if health else None,
    )


def list_registers(engine: Engine) -> list[dict[str, Any]]:
    r, h = t.registers, t.register_health
    with read(engine) as conn:
        rows = conn.execute(
            select(r, h.c.clock_skew_ms, h.c.clock_checked_at, h.c.quarantined,
                   h.c.quarantined_at)
            .outerjoin(h, h.c.register_id == r.c.id).order_by(r.c.store, r.c.code)).all()
        open_codes = dict(conn.execute(
            select(t.enrollment_codes.c.register_id, func.count())
            .where(t.enrollment_codes.c.used_at.is_(None),
                   t.enrollment_codes.c.expires_at > utc_now())
            .group_by(t.enrollment_codes.c.register_id)
        ).all())
    return [{
        "store": row.store, "register": row.code,
        "state": ("revoked" if row.revoked_at else "enrolled" if row.token_hash
                  else "waiting for enrollment"),
        "enrolled_at": iso(row.enrolled_at), "revoked_at": iso(row.revoked_at),
        "last_contact_at": iso(row.last_contact_at), "last_event_at": iso(row.last_event_at),
        "events_held": int(row.events_held), "last_seq": row.last_seq,
        "pending": row.pending_reported, "pending_at": iso(row.pending_reported_at),
        "open_enrollment_codes": int(open_codes.get(row.id, 0)),
        "clock_skew_s": None if row.clock_skew_ms is None else row.clock_skew_ms / 1000,
        "clock_checked_at": iso(row.clock_checked_at),
        "quarantined": row.quarantined, "quarantined_at": iso(row.quarantined_at),
    } for row in rows]
