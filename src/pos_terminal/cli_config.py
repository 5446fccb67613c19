"""``pos-terminal config show``: every effective setting and the layer it came from.

Layers, lowest first: ``default`` (built in), ``baked`` (the store config inside a per-store
build), ``site`` (/etc/pos-terminal/site.toml or $POS_TERMINAL_SITE_CONFIG), ``register``
(DATA_DIR/config.toml, and DATA_DIR/central.toml written by ``provision``), ``env``
(POS_TERMINAL__SECTION__KEY). Secrets (tokens, passwords, PINs, a URL's password) are masked.
The settings are then checked as the register would at start; a bad one exits 1 with the
layer, key and what is expected. An unknown section or key (a typo) is still shown, marked
refused with its file and line and the nearest known name, and the command exits 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pos_terminal import config
from pos_terminal.errors import ConfigError, PosError

Handler = Callable[[argparse.Namespace], int]
Cmd = Callable[..., Any]  # cli.build_parser's cmd(name, func, help, json_opt=False)

CENTRAL_NAME = "central.toml"  # sync/settings.py: provisioned URL and token, owner-only
MASK = "********"
_SECRET = re.compile(r"(^|_)(token|secret|password|passwd|passphrase|credentials?)(_|$)|^pins?$"
                     r"|^pin_", re.IGNORECASE)


def defaults() -> dict[str, dict[str, Any]]:
    """Built-in values of every key the register reads (None: no default, must be set)."""
    from pos_terminal.hardware.display_settings import DisplaySettings
    from pos_terminal.hardware.printer_settings import PrinterSettings, ReceiptSettings
    from pos_terminal.hardware.scale_settings import ScaleSettings
    from pos_terminal.hardware.scanner_settings import ScannerSettings
    from pos_terminal.hardware.terminal_settings import TerminalSettings
    from pos_terminal.services.cash_rules import DEFAULTS as CASH_DEFAULTS

    sc, pr, rc, tm = ScannerSettings(), PrinterSettings(), ReceiptSettings(), TerminalSettings()
    cd, pd, wd = DisplaySettings().customer, DisplaySettings().pole, DisplaySettings().window
    return {
        "store": {"id": None, "register": None, "name": "", "currency": None,
                  "cash_increment": None, "tax_mode": "inclusive", "tax_rounding": "per_line",
                  "locale": ""},
        "scanner": {
            "kind": sc.kind, "port": sc.port, "baudrate": sc.baudrate, "bytesize": sc.bytesize,
            "parity": sc.parity, "stopbits": sc.stopbits, "suffix": sc.suffix,
            "aim": sc.aim.value, "reconnect_seconds": sc.reconnect_seconds,
            "frame_timeout_ms": sc.frame_timeout_ms, "max_frame": sc.max_frame,
            "max_interval_ms": sc.max_interval_ms, "min_length": sc.min_length,
            "wedge_suffix": sc.wedge_suffix,
        },
        "barcodes": {"rcn_region": None, "rcn_rule": []},
        "scale": {f.name: getattr(ScaleSettings(), f.name) for f in fields(ScaleSettings)},
        "printer": {
            "address": pr.address.text, "profile": pr.profile, "columns": pr.columns,
            "codepage": pr.codepage, "drawer_pin": pr.drawer_pin, "cut": pr.cut,
            "status": pr.status_query, "timeout": pr.timeout,
            "status_timeout": pr.status_timeout, "retry_min": pr.retry_min,
            "retry_max": pr.retry_max,
        },
        "receipt": {"name": rc.name, "address": list(rc.address), "tax_id": rc.tax_id,
                    "footer": list(rc.footer)},
        "window": {"mode": wd.mode, "size": f"{wd.size[0]}x{wd.size[1]}", "scale": wd.scale},
        "customer_display": {"enabled": cd.enabled, "screen": cd.screen, "welcome": cd.welcome,
                             "idle_seconds": cd.idle_seconds},
        "pole_display": {"port": pd.port, "baud": pd.baud, "columns": pd.columns,
                         "codepage": pd.codepage, "commands": pd.commands,
                         "reconnect_seconds": pd.reconnect_seconds,
                         "write_timeout": pd.write_timeout},
        "cash": dict(CASH_DEFAULTS),  # whole currency units
        "payment": {"terminal": tm.kind, "port": None, "password": tm.password,
                    "timeout": tm.timeout, "connect_timeout": tm.connect_timeout,
                    "sale_id": None, "poi_id": None, "key_identifier": None,
                    "key_passphrase": None, "key_version": tm.key_version, "ca_file": None,
                    "server_name": None},
    }


def is_secret(key: str) -> bool:
    return bool(_SECRET.search(key))


def mask(key: str, value: Any) -> Any:
    """``value`` safe to show: secrets hidden, a password inside a URL hidden."""
    if is_secret(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str) and "://" in value and "@" in value:
        try:
            parts = urlsplit(value)
        except ValueError:
            return value
        if parts.password:
            host = parts.netloc.rsplit("@", 1)[1]
            return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))
    if isinstance(value, dict):
        return {k: mask(k, v) for k, v in value.items()}
    return value


def effective(paths: config.Paths) -> tuple[config.RawConfig, list[dict[str, Any]]]:
    """The merged settings and one row per key: section, key, value, origin, source."""
    raw = config.read_layers(paths)
    rows: list[dict[str, Any]] = []
    base = defaults()
    seen: set[tuple[str, str]] = set()

    def add(section: str, key: str, value: Any, origin: str, source: str | None) -> None:
        seen.add((section, key))
        rows.append({"section": section, "key": key, "value": mask(key, value),
                     "origin": origin, "source": source})

    known = config.schema()
    sections = list(base) + [s for s in raw if s not in base]
    for section in sections:
        have = raw.get(section)
        if not isinstance(have, dict):
            if section in raw:  # a plain value where a section belongs: shown, then refused
                layer = raw.origin(section)
                add(section, "", have, layer.name if layer else "register",
                    layer.where((section,)) if layer else None)
                continue
            have = {}
        defaults_here = base.get(section, {})
        for key in list(defaults_here) + [k for k in have if k not in defaults_here]:
            if key in have:
                layer = raw.origin(section, key)
                name = layer.name if layer else "register"
                add(section, key, have[key], name,
                    layer.where((section, key)) if layer else None)
            else:
                value = base[section][key]
                if section == "store" and key == "cash_increment":
                    value = _cash_increment(raw)
                add(section, key, value, "default", None)
    for r in rows:  # what the register would refuse: an unknown section or key
        sec = known.get(r["section"])
        if sec is None:
            r["refused"] = config.unknown_section(r["section"], raw.get(r["section"]))
        elif r["key"] and not sec.entries and r["key"] not in sec.keys:
            r["refused"] = config.unknown_key(r["key"], sec)
        elif sec.entries and isinstance(r["value"], dict):
            bad = [k for k in r["value"] if k not in sec.keys]
            if bad:
                r["refused"] = config.unknown_key(bad[0], sec, r["key"])
    _central(paths, rows, seen)
    return raw, rows


def _cash_increment(raw: dict[str, Any]) -> int | None:
    from pos_protocol.money import Currency
    from pos_terminal.errors import InputError

    store = raw.get("store")
    code = store.get("currency") if isinstance(store, dict) else None
    try:
        return Currency.of(code).cash_increment if isinstance(code, str) else None
    except InputError:
        return None


def _central(paths: config.Paths, rows: list[dict[str, Any]], seen: set[tuple[str, str]]) -> None:
    """The provisioned central settings (DATA_DIR/central.toml), token masked."""
    f = paths.root / CENTRAL_NAME
    try:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{f}: cannot be read ({exc}); run pos-terminal provision again"
                          ) from exc
    sec = data.get("central")
    if not isinstance(sec, dict):
        return
    for key, value in sec.items():
        if ("central", key) in seen:  # the provisioned file wins over the layers' [central]
            rows[:] = [r for r in rows if (r["section"], r["key"]) != ("central", key)]
        rows.append({"section": "central", "key": key, "value": mask(key, value),
                     "origin": "register", "source": str(f)})


def check(paths: config.Paths, raw: config.RawConfig) -> str | None:
    """What the register would refuse at start, as one line (None: all good): unknown
    sections and keys first, then bad values."""
    from pos_terminal.hardware.display_settings import display_settings_from
    from pos_terminal.hardware.printer_settings import (
        printer_settings_from,
        receipt_settings_from,
    )
    from pos_terminal.hardware.scanner_settings import settings_from as scanner_from
    from pos_terminal.hardware.terminal_settings import terminal_settings_from

    try:
        raw.refuse()
        with config.attributed(raw):
            if paths.config.exists():
                config.settings_from(raw, paths.config)
            scanner_from(raw, paths.config)
            printer_settings_from(raw, paths.config)
            receipt_settings_from(raw, paths.config)
            display_settings_from(raw, paths.config)
            terminal_settings_from(raw, paths.config)
    except PosError as exc:
        return str(exc)
    return None


def _toml(value: Any) -> str:
    """A value as TOML spells it."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # strings, numbers and booleans alike


def cmd_config_show(args: argparse.Namespace) -> int:
    paths = config.Paths(args.data_dir)
    raw, rows = effective(paths)
    error = check(paths, raw)
    layers = [{"name": la.name, "source": la.source if la.name != "env" else
               ", ".join(sorted(la.variables.values()))} for la in raw.layers]
    note = None if paths.config.exists() else (
        f"{paths.root} is not set up as a register yet: 'pos-terminal init' creates it")
    if args.json:
        print(json.dumps({
            "data_dir": str(paths.root), "layers": layers, "note": note, "error": error,
            "refused": raw.refused,
            "values": {f"{r['section']}.{r['key']}" if r["key"] else r["section"]:
                       {"value": r["value"], "origin": r["origin"], "source": r["source"],
                        **({"refused": r["refused"]} if "refused" in r else {})}
                       for r in rows},
        }, ensure_ascii=False, indent=1))
    else:
        print(f"# data dir {paths.root}")
        for la in layers:
            print(f"# {la['name']:<8} {la['source']}")
        section = None
        for r in rows:
            if r["section"] != section:
                section = r["section"]
                print(f"\n[{section}]")
            text = f"{r['key'] or section} = {_toml(r['value'])}"
            if r["value"] is None:
                text = f"# {r['key']} (not set)"
            where = r["origin"]
            if r["origin"] == "env" and r["source"]:
                where += " " + r["source"].removeprefix("environment variable ")
            if "refused" in r:
                where += f"  REFUSED: {r['refused']}"
            print(f"{text:<52} # {where}")
        if note:
            print(f"\n# {note}")
        for line in raw.refused:
            print(f"# refused: {line}")
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub: Any, cmd: Cmd) -> None:
    """``config show`` under ``config`` (``cmd`` is cli.build_parser's helper, unused here:
    ``config`` has sub-commands of its own)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "config", help="show the effective settings and where each came from",
        description="the register's settings: baked < site < register < environment",
    )
    csub = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    sp = csub.add_parser("show", help="print every effective setting and its origin",
                         description=__doc__.splitlines()[0] if __doc__ else None)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_config_show)
