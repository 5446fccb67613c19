"""Register health at the central, over a real uvicorn (PostgreSQL when ``POS_TEST_PG_URL`` is
set): a register whose clock is off (the client's clock is injected, not the system's) and
that quarantined an event reports both with its requests; the dashboard flags them; a
register that sends no health headers (an older version) keeps working and shows "—"."""

from __future__ import annotations

import re
import sqlite3
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sync_helpers import WATER, Registers, ok, outbox_ids

from pos_central.dashboard.auth import create_user
from pos_central.errors import CentralError
from pos_central.testing import CentralHandle
from pos_protocol import wire
from pos_terminal.bootstrap import open_register
from pos_terminal.services.sync import SyncService
from pos_terminal.sync.client import CentralClient
from pos_terminal.sync.settings import load_central
from pos_terminal.sync.worker import Syncer

BEHIND = timedelta(minutes=7, seconds=30)


def provision(central: CentralHandle, d: Path, store: str, register: str) -> None:
    ok(d, "provision", "--central", central.url, "--code", central.enroll_code(store, register))


def poison_one(d: Path) -> str:
    """Make one outbox event something the central refuses (a per-event rejection)."""
    eid = outbox_ids(d)[1]
    con = sqlite3.connect(d / "register.db")
    con.execute("UPDATE outbox SET payload = json_replace(payload, '$.movements[0].quantity', "
                "'lots') WHERE event_id = ?", (eid,))
    con.commit()
    con.close()
    return eid


def sync_round(d: Path, clock_offset: timedelta) -> None:
    """One push and pull with the register's clock ``clock_offset`` off real time."""
    with open_register(d) as app:
        central = load_central(app.paths)
        assert central is not None
        service = SyncService(app.ctx)
        with CentralClient.from_settings(
                central, clock=lambda: datetime.now(UTC) + clock_offset) as client:
            syncer = Syncer(service, client, app.settings.register, 100)
            try:
                syncer.round()
            finally:
                syncer.close()


def health_of(central: CentralHandle, store: str, register: str) -> dict[str, object]:
    return next(r for r in central.registers()
                if (r["store"], r["register"]) == (store, register))


def overview_row(central: CentralHandle, store: str, register: str) -> str:
    with suppress(CentralError):  # made by an earlier call
        create_user(central.engine, "alice", "correct horse battery", "admin")
    with httpx.Client(base_url=central.url, trust_env=False, timeout=30) as web:
        form = web.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        r = web.post("/login", data={"csrf": csrf.group(1), "username": "alice",
                                     "password": "correct horse battery", "next": "/"})
        assert r.status_code == 303, r.text
        page = web.get("/").text
    section = page.split(f"<h2>{store} ·")[1].split("</section>")[0]
    row = re.search(rf'<th scope="row">{register}</th>(.*?)</tr>', section, re.S)
    assert row, section
    return row.group(1)


def test_a_register_reports_its_clock_skew_and_quarantined_events(
        central: CentralHandle, register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1")
    ok(d, "receive", f"{WATER}x10")
    for _ in range(3):
        ok(d, "sell", WATER, "--pay", "cash")
    poison_one(d)

    sync_round(d, -BEHIND)  # this register's clock runs 7 min 30 s slow

    got = health_of(central, "S1", "R1")
    assert got["quarantined"] == 1  # counted after the push, sent with the pulls that follow
    skew = got["clock_skew_s"]
    assert isinstance(skew, float) and abs(skew - BEHIND.total_seconds()) < 5, got
    row = overview_row(central, "S1", "R1")
    assert "7 min 3" in row and "behind" in row and "set the register's clock" in row
    assert re.search(r'<td class="num alert"><span class="bad">1</span>', row)
    assert "sync --requeue all" in row

    # the clock is put right and the event fixed and requeued: the warnings go away
    con = sqlite3.connect(d / "register.db")
    con.execute("UPDATE outbox SET payload = json_replace(payload, '$.movements[0].quantity', "
                "-1) WHERE status = 'quarantined'")
    con.commit()
    con.close()
    ok(d, "sync", "--requeue", "all")
    sync_round(d, timedelta(0))
    got = health_of(central, "S1", "R1")
    assert got["quarantined"] == 0 and abs(float(got["clock_skew_s"])) < 5  # type: ignore[arg-type]
    row = overview_row(central, "S1", "R1")
    assert "alert" not in row and ("s behind" in row or "s ahead" in row)


def test_an_older_register_without_health_headers_keeps_working(
        central: CentralHandle, register: Registers) -> None:
    code = central.enroll_code("S2", "R1")
    with httpx.Client(base_url=central.api, trust_env=False, timeout=30) as c:
        token = c.post("/enroll", json={"code": code}).json()["token"]
        c.headers["Authorization"] = f"Bearer {token}"
        assert c.get("/status").status_code == 200
        # unreadable health headers are ignored, never a refusal
        bad = {wire.CLOCK_HEADER: "yesterday", wire.QUARANTINED_HEADER: "-3"}
        assert c.get("/status", headers=bad).status_code == 200
        r = c.post("/events", json={"events": []}, headers=bad)
        assert r.status_code == 200, r.text
    got = health_of(central, "S2", "R1")
    assert got["clock_skew_s"] is None and got["quarantined"] is None
    row = overview_row(central, "S2", "R1")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[-2:] == ["—", "—"]


def test_the_status_call_reports_backlog_and_quarantine(central: CentralHandle,
                                                        register: Registers) -> None:
    d = register("S1", "R2")
    provision(central, d, "S1", "R2")
    with open_register(d) as app:
        settings = load_central(app.paths)
    assert settings is not None
    ahead = timedelta(minutes=3)
    with CentralClient.from_settings(settings, clock=lambda: datetime.now(UTC) + ahead
                                     ) as client:
        client.report(quarantined=4, pending=17)
        status, _ = client.status()
    assert status.pending == 17  # what the central now holds as this register's backlog
    got = health_of(central, "S1", "R2")
    assert got["quarantined"] == 4 and got["pending"] == 17
    assert abs(float(got["clock_skew_s"]) + ahead.total_seconds()) < 5  # type: ignore[arg-type]
    assert "3 min" in overview_row(central, "S1", "R2") and "ahead" in overview_row(
        central, "S1", "R2")
