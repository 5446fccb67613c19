"""The ``[scale]`` section of a register's ``config.toml``: a scale on a serial port.

Optional: without it (or with ``protocol = "none"``) weights are typed. Like ``[scanner]``,
every bad value raises ``ConfigError`` naming the file, the key and what is expected, and
unknown keys are refused. See docs/scale.md.

    [scale]
    protocol = "toledo"        # toledo (Mettler Toledo 8217, demand) | cas (CAS 22-byte) | none
    port = "/dev/ttyUSB0"      # a device path or any pyserial URL (socket://, rfc2217://…)
    mode = "demand"            # demand: the register asks; continuous: the scale streams (cas)
    baudrate = 9600            # bytesize / parity / stopbits: the protocol's usual framing
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pos_terminal.config import Paths, Section, attributed, check_keys, load_raw
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.scanner_settings import PARITIES, _Reader, _table

PROTOCOLS = ("toledo", "cas", "none")
MODES = ("demand", "continuous")
# The serial framing each protocol's reference gives (the scale's menu can change it):
# Mettler Toledo 8217 is 9600 7E1; CAS indicators ship 9600 8N1.
FRAMING: dict[str, tuple[int, str]] = {"toledo": (7, "E"), "cas": (8, "N"), "none": (8, "N")}


@dataclass(frozen=True)
class ScaleSettings:
    protocol: str = "none"  # toledo | cas | none
    port: str | None = None
    mode: str = "demand"  # demand | continuous (cas only)
    baudrate: int = 9600
    bytesize: int | None = None  # None: the protocol's (FRAMING)
    parity: str | None = None
    stopbits: float = 1
    poll_ms: int = 200  # demand: time between two weight requests
    timeout_ms: int = 600  # no (complete) answer within this: "no answer" (cable, power)
    reconnect_seconds: float = 3.0
    decimals: int = 3  # kg decimals of a weight sent without a decimal point (toledo)
    device_id: int = 1  # cas: the indicator's device number, for demand requests

    @property
    def enabled(self) -> bool:
        return self.protocol != "none" and bool(self.port)

    @property
    def framing(self) -> tuple[int, str]:
        size, parity = FRAMING[self.protocol]
        return (self.bytesize or size, self.parity or parity)


CONFIG_SECTIONS = (Section("scale", tuple(f.name for f in fields(ScaleSettings))),)


def load_scale_settings(paths: Paths) -> ScaleSettings:
    """The ``[scale]`` of the register at ``paths`` (defaults: no scale)."""
    raw = load_raw(paths)
    with attributed(raw):  # a bad value set by the site file or environment names that layer
        return scale_settings_from(raw, paths.config)


def scale_settings_from(data: dict[str, Any], source: Path | str = "config.toml"
                        ) -> ScaleSettings:
    sec = _table(data, "scale", source)
    check_keys(data, "scale", source)
    r = _Reader(sec, source, "scale")
    d = ScaleSettings()
    protocol = r.choice("protocol", PROTOCOLS, "toledo" if sec.get("port") else d.protocol)
    port = r.text("port", None)
    if protocol != "none" and not port:
        raise ConfigError(
            f"{source}: [scale] port: expected the scale's port for protocol = \"{protocol}\", "
            "e.g. \"/dev/ttyUSB0\" (see 'pos-terminal doctor ports'), or protocol = \"none\"")
    mode = r.choice("mode", MODES, d.mode)
    if protocol == "toledo" and mode == "continuous":
        raise ConfigError(f"{source}: [scale] mode: the Toledo 8217 protocol answers weight "
                          "requests only; use mode = \"demand\" (or the scale's CAS output)")
    parity = r.choice("parity", tuple(PARITIES), "N") if "parity" in sec else None
    bytesize = (int(r.number("bytesize", 8, allowed=(7, 8)))
                if "bytesize" in sec else None)
    return ScaleSettings(
        protocol=protocol,
        port=port,
        mode=mode,
        baudrate=int(r.number("baudrate", d.baudrate, 300, 115_200, whole=True)),
        bytesize=bytesize,
        parity=parity,
        stopbits=r.number("stopbits", d.stopbits, allowed=(1, 2)),
        poll_ms=int(r.number("poll_ms", d.poll_ms, 50, 5000, whole=True)),
        timeout_ms=int(r.number("timeout_ms", d.timeout_ms, 50, 10_000, whole=True)),
        reconnect_seconds=r.number("reconnect_seconds", d.reconnect_seconds, 0.05, 3600),
        decimals=int(r.number("decimals", d.decimals, 0, 3, whole=True)),
        device_id=int(r.number("device_id", d.device_id, 0, 99, whole=True)),
    )


__all__ = ["MODES", "PROTOCOLS", "ScaleSettings", "load_scale_settings", "scale_settings_from"]
