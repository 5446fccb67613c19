"""``pos-terminal provision`` and ``pos-terminal sync``: enroll a register, sync it from a shell.

- ``provision --central URL --code CODE [--insecure | --ca-file PEM]`` exchanges a one-time
  enrollment code for the register's token and stores URL and token in ``DATA_DIR/central.toml``
  (0600). The store and register the central answers must be this register's own.
- ``sync --once`` runs one push/pull round under the register's sync lock (exit 0 when done,
  1 with one line when the central is unreachable or refuses); ``sync --status [--json]`` shows
  the backlog, quarantined events and cursors for support; ``sync --requeue ID|all`` puts
  quarantined events back in the queue; ``sync`` alone runs the worker in the foreground.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pos_terminal.errors import InputError

Handler = Callable[[argparse.Namespace], int]


def add_parsers(sub: Any, cmd: Any = None) -> None:
    """Add ``provision`` and ``sync`` to the ``pos-terminal`` sub-commands."""
    p: argparse.ArgumentParser = sub.add_parser(
        "provision", help="enroll this register with the central service",
        description="Exchange a one-time enrollment code (pos-central enroll-code) for this "
                    "register's token; stores the central's URL and the token in "
                    "DATA_DIR/central.toml (owner-only). The token is never printed.")
    p.add_argument("--central", required=True, metavar="URL",
                   help="the central service, e.g. https://central.example.com")
    p.add_argument("--code", required=True, help="the enrollment code")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--insecure", action="store_true",
                     help="do not verify the central's TLS certificate (never on the internet)")
    tls.add_argument("--ca-file", metavar="PEM", help="verify against this CA bundle")
    p.set_defaults(func=cmd_provision)

    s: argparse.ArgumentParser = sub.add_parser(
        "sync", help="sync with the central service (once, status, or in the foreground)",
        description="Without options, run the sync worker in the foreground until Ctrl-C.")
    what = s.add_mutually_exclusive_group()
    what.add_argument("--once", action="store_true",
                      help="one push/pull round; exit 0 when done, 1 when the central is "
                           "unreachable or refuses")
    what.add_argument("--status", action="store_true",
                      help="backlog, quarantined events, last success, cursors")
    what.add_argument("--requeue", metavar="EVENT_ID", action="append",
                      help="put a quarantined event back in the queue ('all' for every one); "
                           "repeat for several")
    s.add_argument("--full-catalog", action="store_true",
                   help="with --once: pull the whole catalog again, not only changes")
    s.add_argument("--limit", type=int, default=50, metavar="N",
                   help="with --status: quarantined events to list (default 50)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_sync)


def _open(args: argparse.Namespace) -> Any:
    from pos_terminal.bootstrap import open_register

    return open_register(args.data_dir)


# -- provision --------------------------------------------------------------------------------
def cmd_provision(args: argparse.Namespace) -> int:
    from pos_terminal.clock import utc_now
    from pos_terminal.errors import PosError
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.client import CentralClient
    from pos_terminal.sync.errors import EnrollmentError
    from pos_terminal.sync.settings import (
        CentralSettings,
        central_path,
        check_url,
        load_central,
        save_central,
    )

    url = check_url(args.central)
    code = (args.code or "").strip()
    if not code:
        raise InputError("--code is empty: give the code pos-central enroll-code printed")
    verify: bool | str = False if args.insecure else (args.ca_file or True)
    if args.ca_file and not os.path.isfile(args.ca_file):
        raise InputError(f"--ca-file {args.ca_file}: no such file")
    with _open(args) as app:
        s = app.settings
        try:
            old = load_central(app.paths)
        except PosError:  # a damaged central.toml is replaced by a good one
            old = None
        with CentralClient(url, None, verify=verify) as client:
            got = client.enroll(code, s.store, s.register)
        if (got.store, got.register) != (s.store, s.register):
            raise EnrollmentError(
                f"the code is for register {got.store}-{got.register} but this is "
                f"{s.terminal}; nothing was stored: ask for a code for store {s.store}, "
                f"register {s.register}")
        base = old if old is not None else CentralSettings(url=url, token=got.token)
        fresh = replace(base, url=url, token=got.token, store=got.store,
                        register=got.register, enrolled_at=utc_now(), verify=verify)
        path = save_central(app.paths, fresh)
        if old is not None and old.url != url:
            SyncService(app.ctx).reset_cursors()  # another central: pull everything again
    assert path == central_path(app.paths)
    if url.startswith("http://"):
        note = " (http: not encrypted; use https outside a store LAN)"
    elif verify is False:
        note = " (certificate NOT verified: --insecure)"
    else:
        note = ""
    print(f"register {s.terminal} enrolled with {url}{note}; token stored in {path} "
          "(owner-only)")
    print(f"check it with: pos-terminal --data-dir {app.paths.root} doctor central")
    return 0


# -- sync -------------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise InputError("--limit must be positive")
    if args.full_catalog and not args.once:
        raise InputError("--full-catalog goes with --once")
    if args.status:
        return _status(args)
    if args.requeue:
        return _requeue(args)
    if args.once:
        return _once(args)
    return _foreground(args)


def _central(app: Any) -> Any:
    from pos_terminal.sync.errors import NotProvisionedError
    from pos_terminal.sync.settings import load_central

    central = load_central(app.paths)
    if central is None:
        raise NotProvisionedError(
            f"register {app.settings.terminal} is not provisioned: run pos-terminal "
            f"--data-dir {app.paths.root} provision --central URL --code CODE")
    return central


def _once(args: argparse.Namespace) -> int:
    from pos_terminal.errors import PosError
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.client import CentralClient
    from pos_terminal.sync.lock import SyncLock
    from pos_terminal.sync.settings import lock_path
    from pos_terminal.sync.worker import Syncer

    with _open(args) as app:
        central = _central(app)
        service = SyncService(app.ctx)
        with SyncLock(lock_path(app.paths)), CentralClient.from_settings(central) as client:
            syncer = Syncer(service, client, app.settings.register, central.batch_events,
                            in_flight=central.in_flight)
            try:
                report = syncer.round(full_catalog=args.full_catalog)
            except PosError as exc:
                service.record_failure(str(exc))
                raise
            finally:
                syncer.close()
            service.record_success()
        figures = service.figures()
    if args.json:
        print(json.dumps({**report.__dict__, "pending": figures.pending,
                          "quarantined_total": figures.quarantined}, indent=1))
    else:
        print(f"sync ok: {report.line()}; {figures.pending} pending")
        if report.quarantined:
            print(f"warning: {report.quarantined} event(s) quarantined by the central: see "
                  "pos-terminal sync --status")
        for why in report.catalog_skipped[:10]:
            print(f"warning: catalog: {why}")
    return 0


def _requeue(args: argparse.Namespace) -> int:
    from pos_terminal.services.sync import SyncService

    ids = None if "all" in args.requeue else args.requeue
    with _open(args) as app:
        n = SyncService(app.ctx).requeue(ids)
    if args.json:
        print(json.dumps({"requeued": n}))
    else:
        print(f"{n} quarantined event(s) back in the queue; they go with the next sync")
    return 0


def _worker_holder(app: Any) -> str | None:
    """Who holds the sync lock now ("pid N"; None: nobody)."""
    from pos_terminal.sync.errors import SyncError, SyncLockedError
    from pos_terminal.sync.lock import SyncLock
    from pos_terminal.sync.settings import lock_path

    lock = SyncLock(lock_path(app.paths))
    try:
        lock.acquire()
    except SyncLockedError as exc:
        return f"pid {exc.pid}" if exc.pid else "pid unknown"
    except SyncError:
        return None
    lock.release()
    return None


def _status(args: argparse.Namespace) -> int:
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.settings import load_central
    from pos_terminal.sync.status import age_s, human_age

    with _open(args) as app:
        central = load_central(app.paths)
        service = SyncService(app.ctx)
        f = service.figures()
        quarantined = service.quarantined(args.limit)
        holder = _worker_holder(app)
    seen, seen_error = _central_view(central)
    oldest_age = age_s(f.oldest_pending_at)
    data = {
        "register": app.settings.terminal,
        "central": central.url if central else None,
        "enrolled_at": central.enrolled_at if central else None,
        "verify_tls": central.verify if central else None,
        "worker_running": holder is not None,
        "pending": f.pending, "oldest_pending_at": f.oldest_pending_at,
        "oldest_pending_age_s": oldest_age,
        "quarantined": f.quarantined,
        "quarantined_events": [q.to_json() for q in quarantined],
        "last_success_at": f.last_success_at, "last_failure_at": f.last_failure_at,
        "last_error": f.last_error, "catalog_version": f.catalog_version,
        "catalog_warning": f.catalog_warning, "movement_cursor": f.movement_cursor,
        "unbound_sibling_movements": f.unbound_sibling_movements,
        "central_view": seen, "central_view_error": seen_error,
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0

    def ago(text: str | None) -> str:
        a = age_s(text)
        return f"{text} ({human_age(a)} ago)" if text and a is not None else "never"

    lines = [
        f"register     {app.settings.terminal}",
        "central      " + (f"{central.url} (enrolled {central.enrolled_at or '?'}"
                           + (", TLS NOT verified" if central.verify is False else "") + ")"
                           if central else "not provisioned: run pos-terminal provision"),
        "worker       " + (f"running ({holder})" if holder else "not running"),
        f"pending      {f.pending} event(s)" + (f", oldest {ago(f.oldest_pending_at)}"
                                                if f.pending else ""),
        f"last ok      {ago(f.last_success_at)}",
    ]
    if f.last_error:
        lines.append(f"last error   {f.last_error} ({ago(f.last_failure_at)})")
    lines.append(f"quarantined  {f.quarantined}")
    for q in quarantined:
        lines.append(f"  seq {q.seq}  {q.event_id}  {q.type}  {q.occurred_at}  {q.reason}")
    if f.quarantined > len(quarantined):
        lines.append(f"  ... and {f.quarantined - len(quarantined)} more (--limit)")
    lines.append(f"catalog      version {f.catalog_version}"
                 + (f"; {f.catalog_warning}" if f.catalog_warning else ""))
    lines.append(f"siblings     cursor {f.movement_cursor}"
                 + (f", {f.unbound_sibling_movements} waiting for unknown products"
                    if f.unbound_sibling_movements else ""))
    lines.extend(_central_lines(seen, seen_error, f.quarantined))
    print("\n".join(lines))
    return 0


def _central_view(central: Any) -> tuple[dict[str, Any] | None, str | None]:
    """What the central last measured of this register (``GET /status``), or why not.

    A short timeout: ``--status`` is a look, it must not hang on a dead network."""
    from pos_terminal.errors import PosError
    from pos_terminal.sync.client import CentralClient

    if central is None:
        return None, None
    try:
        with CentralClient(central.url, central.token, verify=central.verify,
                           timeout=min(central.timeout, 3.0)) as client:
            status, _got = client.status()
    except PosError as exc:
        return None, str(exc)
    keys = ("server_time", "last_contact_at", "events_held", "last_seq", "pending",
            "pending_at", "clock_skew_ms", "clock_checked_at", "quarantined", "quarantined_at")
    view = {k: getattr(status, k) for k in keys}
    view["clock_skew_s"] = None if status.clock_skew_ms is None else status.clock_skew_ms / 1000
    return view, None


def _central_lines(seen: dict[str, Any] | None, error: str | None, local_q: int) -> list[str]:
    if error:
        return [f"central says (not reachable: {error})"]
    if seen is None:
        return []
    skew = seen["clock_skew_s"]
    clock = ("not measured yet" if skew is None else
             f"{skew:+.1f} s skew (central minus this register, {seen['clock_checked_at']})"
             + ("; fix the register's clock (NTP)" if abs(skew) >= 60 else ""))
    q = seen["quarantined"]
    quarantined = ("not reported yet" if q is None else
                   f"{q} quarantined as reported {seen['quarantined_at']}"
                   + (f" (here now: {local_q})" if q != local_q else ""))
    return ["central says",
            f"  events     {seen['events_held']} held, last seq {seen['last_seq'] or '-'}",
            f"  clock      {clock}",
            f"  quarantine {quarantined}"]


def _foreground(args: argparse.Namespace) -> int:
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.worker import SyncWorker

    with _open(args) as app:
        central = _central(app)
        done = threading.Event()
        worker = SyncWorker.create(SyncService(app.ctx), app.paths, app.settings.register,
                                   central, on_state=lambda line: print(line, flush=True))
        previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
        worker.start()
        try:
            while worker.is_alive() and not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            worker.stop()
    print("sync worker stopped", file=sys.stderr)
    return 0
