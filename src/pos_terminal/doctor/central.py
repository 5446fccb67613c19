"""``pos-terminal doctor central``: can this register sync? One line per check.

Checks, in order (later ones are skipped when an earlier one makes them meaningless):

- ``config``     ``central.toml`` exists, is readable and owner-only (0600)
- ``reachable``  ``GET /health`` answers (no token), and how fast
- ``token``      an authenticated ``GET /status`` is accepted, for this store and register
- ``clock``      the central's clock and this register's agree (fails beyond 60 s)
- ``backlog``    events waiting and quarantined (quarantined events fail the check)

Exits 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import stat
from datetime import UTC, datetime
from typing import Any

from pos_protocol import to_wire_time
from pos_terminal.errors import PosError

SKEW_WARN_S = 5.0
SKEW_FAIL_S = 60.0
BACKLOG_WARN_S = 3600.0


def add_parsers(sub: Any) -> None:
    """Add the ``central`` check to the doctor sub-parsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "central", help="check the central service: reachable, token, clock, backlog",
        description="Check that this register can sync: central.toml, reachability, token, "
                    "clock skew and the outbox backlog; one line per check, exit 1 when a "
                    "check fails.")
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.set_defaults(func=cmd_central)


class _Out:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.failed = False

    def line(self, result: str, check: str, text: str, **extra: Any) -> None:
        if result == "FAIL":
            self.failed = True
        if self.as_json:
            print(json.dumps({"check": check, "result": result.lower(), "detail": text,
                              **extra}), flush=True)
        else:
            print(f"{result:<4}  {check:<9}  {text}", flush=True)


def cmd_central(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import open_register
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.client import CentralClient
    from pos_terminal.sync.errors import NotEnrolledError
    from pos_terminal.sync.settings import central_path, load_central
    from pos_terminal.sync.status import age_s, human_age, parse_time

    out = _Out(args.json)
    with open_register(args.data_dir) as app:
        s = app.settings
        figures = SyncService(app.ctx).figures()
        path = central_path(app.paths)
        try:
            central = load_central(app.paths)
        except PosError as exc:
            out.line("FAIL", "config", str(exc))
            central = None
        else:
            if central is None:
                out.line("FAIL", "config", f"{path} is missing: run pos-terminal provision "
                                           "--central URL --code CODE")
            else:
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o077:
                    out.line("FAIL", "config", f"{path} is readable by others (mode "
                                               f"{mode:o}): chmod 600 {path}")
                else:
                    tls = ("" if central.url.startswith("http://") else
                           ", TLS NOT verified" if central.verify is False else
                           ", TLS verified")
                    out.line("ok", "config", f"{path}: {central.url}{tls}")
        if central is not None:
            with CentralClient.from_settings(central) as client:
                client.report(quarantined=figures.quarantined, pending=figures.pending)
                reachable = _reachable(out, client)
                if reachable:
                    _token_and_clock(out, client, s.store, s.register, NotEnrolledError,
                                     parse_time)
        pending_age = age_s(figures.oldest_pending_at)
        text = f"{figures.pending} event(s) waiting"
        if figures.pending and pending_age is not None:
            text += f", oldest {human_age(pending_age)} old"
        if figures.last_success_at:
            ok_age = age_s(figures.last_success_at)
            text += f"; last sync ok {human_age(ok_age or 0)} ago"
        else:
            text += "; never synced"
        if figures.quarantined:
            out.line("FAIL", "backlog", f"{text}; {figures.quarantined} quarantined (rejected "
                                        "by the central): see pos-terminal sync --status")
        elif figures.pending and pending_age is not None and pending_age > BACKLOG_WARN_S:
            out.line("warn", "backlog", f"{text}: is the register's sync running?")
        else:
            out.line("ok", "backlog", text)
    return 1 if out.failed else 0


def _reachable(out: _Out, client: Any) -> bool:
    from pos_terminal.sync.errors import SyncError

    try:
        got = client.health()
    except SyncError as exc:
        out.line("FAIL", "reachable", str(exc))
        return False
    ok = isinstance(got.body, dict) and got.body.get("ok") is True
    if not ok:
        out.line("FAIL", "reachable", f"{client.url} answered, but not like pos-central: "
                                      "check the URL")
        return False
    out.line("ok", "reachable", f"{client.url} answered in {got.elapsed_s * 1000:.0f} ms "
                                f"(protocol {got.body.get('protocol')})",
             elapsed_ms=round(got.elapsed_s * 1000, 1))
    return True


def _token_and_clock(out: _Out, client: Any, store: str, register: str,
                     not_enrolled: type[Exception], parse_time: Any) -> None:
    from pos_terminal.sync.errors import SyncError

    before = datetime.now(UTC)
    try:
        status, _got = client.status()
    except not_enrolled as exc:
        out.line("FAIL", "token", str(exc))
        return
    except SyncError as exc:
        out.line("FAIL", "token", f"the status call failed: {exc}")
        return
    after = datetime.now(UTC)
    if (status.store, status.register) != (store, register):
        out.line("FAIL", "token", f"the token belongs to {status.store}-{status.register}, "
                                  f"this register is {store}-{register}: run pos-terminal "
                                  "provision with a code for this register")
    else:
        seen = status.last_contact_at or "never"
        out.line("ok", "token", f"accepted for {store}-{register}; the central holds "
                                f"{status.events_held} event(s), last contact {seen}")
    server = parse_time(status.server_time)
    if server is None:
        out.line("FAIL", "clock", f"the central sent an unreadable time {status.server_time!r}")
        return
    local = before + (after - before) / 2
    skew = (server - local).total_seconds()
    rtt = (after - before).total_seconds()
    text = (f"central {status.server_time}, this register {to_wire_time(local)}: this register is "
            f"{abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} the central "
            f"(±{rtt / 2:.2f} s)")
    if abs(skew) > SKEW_FAIL_S:
        out.line("FAIL", "clock", f"{text}: set the register's clock (NTP); sale times and "
                                  "the central's reports disagree", skew_s=round(skew, 3))
    elif abs(skew) > SKEW_WARN_S:
        out.line("warn", "clock", f"{text}: check NTP", skew_s=round(skew, 3))
    else:
        out.line("ok", "clock", text, skew_s=round(skew, 3))

