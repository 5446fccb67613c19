"""The ``[scanner]`` and ``[barcodes]`` sections of a register's ``config.toml``.

Both sections are optional: with neither, a keyboard-wedge scanner works as it comes out of the
box (Enter suffix) and in-store codes are plain GTINs. Every bad value raises ``ConfigError``
naming the file, the key and what is expected; unknown keys are refused too, so a typo does not
silently fall back to a default. See docs/scanners.md.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pos_protocol.money import Currency
from pos_terminal.config import Paths, Section, attributed, check_keys, load_raw
from pos_terminal.domain.scan import RCN_REGIONS, AimMode, BarcodeRules, RcnRule
from pos_terminal.errors import ConfigError, InputError

KINDS = ("serial", "wedge", "none")
SUFFIXES = ("auto", "CR", "LF", "CRLF")
WEDGE_SUFFIXES = ("enter", "tab", "any")
PARITIES = {"N": "none", "E": "even", "O": "odd", "M": "mark", "S": "space"}


@dataclass(frozen=True)
class ScannerSettings:
    kind: str = "wedge"  # serial | wedge | none
    # serial scanners
    port: str | None = None  # a device path or any pyserial URL (socket://, rfc2217://…)
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"  # N, E, O, M, S
    stopbits: float = 1
    suffix: str = "auto"  # auto (CR, LF or CRLF) | CR | LF | CRLF
    aim: AimMode = AimMode.AUTO
    reconnect_seconds: float = 3.0
    frame_timeout_ms: int = 500  # a partial frame this old is reported and dropped (0: never)
    max_frame: int = 512  # bytes without a suffix before the frame is discarded
    # keyboard-wedge scanners
    max_interval_ms: int = 50
    min_length: int = 4
    wedge_suffix: str = "enter"  # enter | tab | any
    # [barcodes]
    rules: BarcodeRules = field(default_factory=BarcodeRules)


# [scanner] keys are ScannerSettings' fields; its `rules` come from [barcodes].
CONFIG_SECTIONS = (
    Section("scanner", tuple(f.name for f in fields(ScannerSettings) if f.name != "rules")),
    Section("barcodes", ("rcn_region", "rcn_rule")),
)


def load_scanner_settings(paths: Paths) -> ScannerSettings:
    """Settings of the register at ``paths`` (raises ConfigError when it is not set up)."""
    raw = load_raw(paths)
    with attributed(raw):  # a bad value set by the site file or environment names that layer
        return settings_from(raw, paths.config)


def settings_from(data: dict[str, Any], source: Path | str = "config.toml") -> ScannerSettings:
    """Settings from a parsed config (``config.load_raw`` output); defaults for what is absent."""
    sc = _table(data, "scanner", source)
    bc = _table(data, "barcodes", source)
    check_keys(data, "scanner", source)
    check_keys(data, "barcodes", source)
    r = _Reader(sc, source)
    d = ScannerSettings()
    kind = r.choice("kind", KINDS, d.kind)
    port = r.text("port", None)
    if kind == "serial" and not port:
        raise ConfigError(
            f"{source}: [scanner] port: expected the scanner's port for kind = \"serial\", e.g. "
            "\"/dev/ttyACM0\" or \"socket://192.168.1.50:9000\" (see 'pos-terminal doctor ports')"
        )
    parity = r.choice("parity", tuple(PARITIES), d.parity)
    aim = AimMode(r.choice("aim", tuple(m.value for m in AimMode), d.aim.value))
    stopbits = r.number("stopbits", d.stopbits, allowed=(1, 1.5, 2))
    return ScannerSettings(
        kind=kind,
        port=port,
        baudrate=int(r.number("baudrate", d.baudrate, 50, 4_000_000, whole=True)),
        bytesize=int(r.number("bytesize", d.bytesize, allowed=(5, 6, 7, 8))),
        parity=parity,
        stopbits=stopbits,
        suffix=r.choice("suffix", SUFFIXES, d.suffix),
        aim=aim,
        reconnect_seconds=r.number("reconnect_seconds", d.reconnect_seconds, 0.05, 3600),
        frame_timeout_ms=int(r.number("frame_timeout_ms", d.frame_timeout_ms, 0, 60_000,
                                      whole=True)),
        max_frame=int(r.number("max_frame", d.max_frame, 16, 65_536, whole=True)),
        max_interval_ms=int(r.number("max_interval_ms", d.max_interval_ms, 5, 1000, whole=True)),
        min_length=int(r.number("min_length", d.min_length, 1, 64, whole=True)),
        wedge_suffix=r.choice("wedge_suffix", WEDGE_SUFFIXES, d.wedge_suffix),
        rules=_rules(data, bc, source),
    )


def _rules(data: dict[str, Any], bc: dict[str, Any], source: Path | str) -> BarcodeRules:
    r = _Reader(bc, source, "barcodes")
    region = r.text("rcn_region", None)
    if region is not None:
        region = region.lower()
        if region not in RCN_REGIONS:
            raise ConfigError(
                f"{source}: [barcodes] rcn_region: expected one of {', '.join(RCN_REGIONS)} "
                f"(got {region!r}); for other countries describe the layout with rcn_rule"
            )
    specs = bc.get("rcn_rule", [])
    if isinstance(specs, str):
        specs = [specs]
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise ConfigError(f"{source}: [barcodes] rcn_rule: expected a quoted pattern such as "
                          "\"21-IIIII-PPPPP\" or a list of them")
    rules = []
    for spec in specs:
        try:
            rules.append(RcnRule.parse(spec))
        except ValueError as exc:
            raise ConfigError(f"{source}: [barcodes] rcn_rule {spec!r}: {exc}") from exc
    exponent = 2
    store = data.get("store")
    if isinstance(store, dict) and isinstance(store.get("currency"), str):
        # config.load reports a bad currency with its own message.
        with contextlib.suppress(InputError):
            exponent = Currency.of(store["currency"]).exponent
    return BarcodeRules(region, tuple(rules), exponent)


def _table(data: dict[str, Any], name: str, source: Path | str) -> dict[str, Any]:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"{source}: [{name}]: expected a section (a table), not a value")
    return sec


class _Reader:
    def __init__(self, sec: dict[str, Any], source: Path | str, name: str = "scanner") -> None:
        self.sec, self.where = sec, f"{source}: [{name}]"

    def text(self, key: str, default: str | None) -> str | None:
        v = self.sec.get(key, default)
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise ConfigError(f"{self.where} {key}: expected a quoted text value")
        return v.strip() if isinstance(v, str) else None

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        """One of ``allowed`` (any letter case), returned as spelled in ``allowed``."""
        v = self.sec.get(key, default)
        if isinstance(v, str):
            canonical = {a.lower(): a for a in allowed}.get(v.strip().lower())
            if canonical is not None:
                return canonical
        shown = " | ".join(f'"{a}"' for a in allowed)
        raise ConfigError(f"{self.where} {key}: expected one of {shown}, got {v!r}")

    def number(
        self, key: str, default: float, low: float | None = None, high: float | None = None,
        whole: bool = False, allowed: tuple[float, ...] = (),
    ) -> float:
        v = self.sec.get(key, default)
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        if ok and whole:
            ok = isinstance(v, int)
        if ok and allowed:
            ok = v in allowed
        if ok and low is not None and high is not None:
            ok = low <= v <= high
        if not ok:
            want = (f"one of {', '.join(str(a) for a in allowed)}" if allowed
                    else f"a {'whole ' if whole else ''}number from {low} to {high}")
            raise ConfigError(f"{self.where} {key}: expected {want}, got {v!r}")
        return v
