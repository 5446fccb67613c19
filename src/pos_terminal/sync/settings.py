"""Where the register's central service is, and its token: ``DATA_DIR/central.toml`` (0600).

The file is separate from ``config.toml`` so the token never sits in a file that is shown,
copied into support tickets or rewritten by ``config.save``; it is created owner-only (0600)
before the token is written into it, replaced atomically, and written only by
``pos-terminal provision``. Optional tuning keys (defaults below) may be added by hand::

    [central]
    url = "https://central.example.com"   # http:// is accepted (tests, a store LAN)
    token = "…"                           # never printed
    store = "S1"
    register = "R1"
    enrolled_at = "2026-11-24T15:04:05.123Z"
    verify = true            # false: --insecure; or a path to a CA bundle (PEM)
    timeout = 10.0           # seconds to connect / read
    batch_events = 500       # events per push (at most wire.MAX_BATCH_EVENTS)
    in_flight = 1            # batches on the wire at once (2 overlaps the central's work;
                             # the central may then store batches out of seq order)
    retry_min = 1.0          # back-off after a failure, doubling ...
    retry_max = 60.0         # ... up to this, with jitter
    poll = 2.0               # idle: look at the outbox at least this often (seconds)
    pull_every = 30.0        # pull catalog and sibling movements this often (seconds)
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pos_protocol import wire
from pos_terminal.config import Paths, Section, line_of, unknown_key
from pos_terminal.errors import ConfigError, InputError

CENTRAL_NAME = "central.toml"
LOCK_NAME = "sync.lock"


# What a store config (baked, site, config.toml) may say about the central: its URL, for the
# installer (`config show` prints it; `provision --central URL` takes it). Everything else of
# [central] lives in central.toml, written by provision.
CONFIG_SECTIONS = (Section("central", ("url",)),)


def central_path(paths: Paths) -> Path:
    return paths.root / CENTRAL_NAME


def lock_path(paths: Paths) -> Path:
    return paths.root / LOCK_NAME


@dataclass(frozen=True)
class CentralSettings:
    url: str
    token: str = field(repr=False)
    store: str = ""
    register: str = ""
    enrolled_at: str = ""
    verify: bool | str = True
    timeout: float = 10.0
    batch_events: int = 500
    in_flight: int = 1
    retry_min: float = 1.0
    retry_max: float = 60.0
    poll: float = 2.0
    pull_every: float = 30.0


def check_url(url: str) -> str:
    """A central base URL: http(s)://host[:port][/prefix], no credentials, query or fragment."""
    text = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a bad port
    except ValueError as exc:
        raise InputError(f"central URL {url!r} is not usable: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"central URL {url!r}: use https://HOST[:PORT] (or http:// on a LAN)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError(f"central URL {url!r}: no user, password, query or fragment, please")
    if text.endswith(wire.API_PREFIX):  # people paste the API URL; the base is what we keep
        text = text[: -len(wire.API_PREFIX)]
    return text


_NUMBERS = {"timeout": (0.1, 600.0), "retry_min": (0.001, 3600.0), "retry_max": (0.001, 86400.0),
            "poll": (0.01, 3600.0), "pull_every": (0.01, 86400.0)}


def load_central(paths: Paths) -> CentralSettings | None:
    """The register's central settings; None when it was never provisioned."""
    f = central_path(paths)
    try:
        text = f.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{f}: cannot read ({exc}); run pos-terminal provision again") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{f}: not valid TOML ({exc})") from exc
    sec = data.get("central")
    if not isinstance(sec, dict):
        raise ConfigError(f"{f}: missing section [central]; run pos-terminal provision again")
    known = [fl.name for fl in fields(CentralSettings)]
    unknown = [k for k in sec if k not in known]
    if unknown:  # named like every other config file's refusal (config.unknown_key)
        key = unknown[0]
        line = line_of(text, ("central", key))
        raise ConfigError(f"{f}{f':{line}' if line else ''}: "
                          f"{unknown_key(key, Section('central', tuple(known)))}")
    values: dict[str, Any] = {}
    for key in ("url", "token", "store", "register", "enrolled_at"):
        v = sec.get(key, "")
        if not isinstance(v, str) or (key in ("url", "token") and not v):
            raise ConfigError(f"{f}: [central] {key}: expected a quoted text value")
        values[key] = v
    try:
        values["url"] = check_url(values["url"])
    except InputError as exc:
        raise ConfigError(f"{f}: [central] url: {exc}") from exc
    verify = sec.get("verify", True)
    if not isinstance(verify, bool | str) or verify == "":
        raise ConfigError(f"{f}: [central] verify: expected true, false or a CA bundle path")
    values["verify"] = verify
    for key, (lo, hi) in _NUMBERS.items():
        if key in sec:
            v = sec[key]
            if not isinstance(v, int | float) or isinstance(v, bool) or not lo <= v <= hi:
                raise ConfigError(f"{f}: [central] {key}: expected seconds from {lo} to {hi}")
            values[key] = float(v)
    if "batch_events" in sec:
        v = sec["batch_events"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= wire.MAX_BATCH_EVENTS:
            raise ConfigError(f"{f}: [central] batch_events: expected 1 to "
                              f"{wire.MAX_BATCH_EVENTS}")
        values["batch_events"] = v
    if "in_flight" in sec:
        v = sec["in_flight"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 4:
            raise ConfigError(f"{f}: [central] in_flight: expected 1 to 4")
        values["in_flight"] = v
    return CentralSettings(**values)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string (JSON escapes are TOML escapes)


def save_central(paths: Paths, s: CentralSettings) -> Path:
    """Write ``central.toml`` owner-only (0600) and atomically; returns its path."""
    f = central_path(paths)
    default = CentralSettings(url="x", token="x")
    lines = ["# pos-terminal: the central service and this register's token (keep private)",
             "[central]"]
    for fl in fields(CentralSettings):
        v = getattr(s, fl.name)
        if fl.name in ("url", "token", "store", "register", "enrolled_at") or (
                v != getattr(default, fl.name)):
            lines.append(f"{fl.name} = {_toml(v)}")
    data = ("\n".join(lines) + "\n").encode()
    tmp = f.with_name(f".{CENTRAL_NAME}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # also when an old temp file was left with other rights
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, f)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {f}: {exc}") from exc
    return f
