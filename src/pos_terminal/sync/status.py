"""What the status bar and ``pos-terminal sync --status`` show about sync (plain data, no Qt)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pos_protocol import from_wire_time

# The worker's ``state``: one of these (``NOT_ENROLLED`` and ``LOCKED`` carry a reason).
STARTING = "starting"
ONLINE = "online"
OFFLINE = "offline"
NOT_ENROLLED = "not enrolled"
NOT_PROVISIONED = "not provisioned"
LOCKED = "locked"
STOPPED = "stopped"


@dataclass(frozen=True)
class SyncFigures:
    """What the register's database says (any process can read it)."""

    pending: int
    oldest_pending_at: str | None  # occurred_at of the oldest pending event (ISO-8601 UTC)
    quarantined: int
    last_success_at: str | None
    last_failure_at: str | None
    last_error: str | None
    catalog_version: int
    movement_cursor: int
    unbound_sibling_movements: int  # for products this register does not know yet
    catalog_warning: str | None


@dataclass(frozen=True)
class SyncStatus:
    """The worker's view: its live state plus the database's figures."""

    state: str
    online: bool
    pending: int
    oldest_pending_at: str | None
    quarantined: int
    last_success_at: str | None
    last_error: str = ""

    @classmethod
    def of(cls, state: str, figures: SyncFigures, error: str = "") -> SyncStatus:
        return cls(state, state == ONLINE, figures.pending, figures.oldest_pending_at,
                   figures.quarantined, figures.last_success_at, error)

    def oldest_pending_age_s(self, now: datetime | None = None) -> float | None:
        return age_s(self.oldest_pending_at, now)

    def line(self, now: datetime | None = None) -> str:
        """One line for the status bar, e.g. ``sync: offline, 12 pending (oldest 5 min)``."""
        if self.state == NOT_ENROLLED:
            head = "sync: not enrolled / token revoked: run pos-terminal provision"
        elif self.state == NOT_PROVISIONED:
            head = "sync: not provisioned"
        elif self.state == LOCKED:
            head = "sync: paused (another sync process runs)"
        else:
            head = f"sync: {self.state}"
        parts = [head, f"{self.pending} pending"]
        age = self.oldest_pending_age_s(now)
        if self.pending and age is not None:
            parts[-1] += f" (oldest {human_age(age)})"
        if self.quarantined:
            parts.append(f"{self.quarantined} quarantined")
        if self.state != ONLINE and self.last_success_at:
            ok = age_s(self.last_success_at, now)
            if ok is not None:
                parts.append(f"last ok {human_age(ok)} ago")
        return ", ".join(parts)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        d = asdict(self)
        d["oldest_pending_age_s"] = self.oldest_pending_age_s(now)
        d["line"] = self.line(now)
        return d


def parse_time(text: str | None) -> datetime | None:
    """A wire time as an aware datetime; None for none or an unreadable one."""
    if not text:
        return None
    try:
        return from_wire_time(text)
    except ValueError:
        return None


def age_s(text: str | None, now: datetime | None = None) -> float | None:
    then = parse_time(text)
    if then is None:
        return None
    return max(0.0, ((now or datetime.now(UTC)) - then).total_seconds())


def human_age(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
