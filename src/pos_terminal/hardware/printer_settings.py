"""The ``[printer]`` and ``[receipt]`` sections of a register's ``config.toml``.

Both are optional: with neither, receipts are shown on screen only (``address = "none"``) and
the header is the store name from ``[store] name``. Every bad value raises ``ConfigError``
naming the file, the key and what is expected; unknown keys are refused so a typo does not fall
back to a default silently. See docs/printing.md.

The printer's address is one string::

    tcp://HOST[:PORT]                     raw TCP, port 9100 by default
    serial:///dev/ttyS0?baudrate=19200    serial (also rtscts=1, dsrdtr=1; COM3 on Windows)
    usb://VID:PID                         USB by hex vendor:product id (04b8:0202)
    file:///dev/usb/lp0                   a device node or any file path
    none                                  no printer: receipts on screen only

Nothing here imports escpos: the profile name is checked when a printer is built
(``hardware.printer``), so commands that never print stay fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from pos_terminal.config import Paths, Section, attributed, check_keys, load_raw
from pos_terminal.domain.measure import DOT, MeasureFormat
from pos_terminal.domain.receipt import StoreHeader
from pos_terminal.errors import ConfigError

DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
MAX_STATUS_TIMEOUT = 2.0  # a status reply that takes longer is treated as "no answer"

ADDRESS_HELP = (
    'expected "tcp://HOST[:PORT]", "serial:///dev/ttyS0?baudrate=19200", "usb://VID:PID" '
    '(hex, e.g. usb://04b8:0202), "file:///dev/usb/lp0" or "none"'
)
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")
_USB = re.compile(r"^([0-9A-Fa-f]{1,4}):([0-9A-Fa-f]{1,4})$")


@dataclass(frozen=True)
class PrinterAddress:
    """Where the printer is; ``str()`` is how messages name it."""

    kind: str  # tcp | serial | usb | file | none
    host: str = ""
    port: int = DEFAULT_PORT
    device: str = ""  # serial port or file path
    baudrate: int = DEFAULT_BAUDRATE
    rtscts: bool = False
    dsrdtr: bool = False
    vid: int = 0
    pid: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"printer at {self.host}:{self.port}"
        if self.kind == "serial":
            return f"serial printer on {self.device}"
        if self.kind == "usb":
            return f"USB printer {self.vid:04x}:{self.pid:04x}"
        if self.kind == "file":
            return f"printer device {self.device}"
        return "no printer (on-screen receipts only)"

    @property
    def text(self) -> str:
        """The address written back in config form."""
        if self.kind == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"tcp://{host}:{self.port}"
        if self.kind == "serial":
            return f"serial://{self.device}?baudrate={self.baudrate}"
        if self.kind == "usb":
            return f"usb://{self.vid:04x}:{self.pid:04x}"
        if self.kind == "file":
            return f"file://{self.device}"
        return "none"


NO_PRINTER = PrinterAddress("none")


def parse_address(text: str, where: str = "printer address") -> PrinterAddress:
    """Parse one address string; ``where`` names the source in the error message."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: {ADDRESS_HELP}")
    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        if raw.lower() == "none":
            return NO_PRINTER
        if raw.startswith("/"):  # a bare path is a file/device path
            return PrinterAddress("file", device=raw)
        raise ConfigError(f"{where}: {raw!r}: {ADDRESS_HELP}")
    scheme = scheme.lower()
    path, _, query = rest.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if scheme == "tcp":
        m = _HOST.match(path.rstrip("/"))
        if not m:
            raise ConfigError(f"{where}: {raw!r}: expected tcp://HOST[:PORT], e.g. "
                              "tcp://192.168.1.60:9100")
        _no_params(params, set(), raw, where)
        port = int(m.group(2) or DEFAULT_PORT)
        if not 1 <= port <= 65535:
            raise ConfigError(f"{where}: {raw!r}: the port must be 1 to 65535")
        return PrinterAddress("tcp", host=m.group(1).strip("[]"), port=port)
    if scheme == "serial":
        if not path:
            raise ConfigError(f"{where}: {raw!r}: expected serial:///dev/ttyS0?baudrate=19200")
        _no_params(params, {"baudrate", "rtscts", "dsrdtr"}, raw, where)
        try:
            baud = int(params.get("baudrate", DEFAULT_BAUDRATE))
        except ValueError:
            baud = 0
        if not 50 <= baud <= 4_000_000:
            raise ConfigError(f"{where}: {raw!r}: baudrate must be a number like 9600 or 19200")
        return PrinterAddress("serial", device=path, baudrate=baud,
                              rtscts=_flag(params, "rtscts", raw, where),
                              dsrdtr=_flag(params, "dsrdtr", raw, where))
    if scheme == "usb":
        m = _USB.match(path.rstrip("/"))
        if not m:
            raise ConfigError(f"{where}: {raw!r}: expected usb://VID:PID in hex, e.g. "
                              "usb://04b8:0202 ('lsusb' shows them)")
        _no_params(params, {"in_ep", "out_ep"}, raw, where)
        try:
            in_ep = int(params.get("in_ep", "0x82"), 0)
            out_ep = int(params.get("out_ep", "0x01"), 0)
        except ValueError as exc:
            raise ConfigError(f"{where}: {raw!r}: in_ep/out_ep are endpoint numbers like "
                              "0x82") from exc
        return PrinterAddress("usb", vid=int(m.group(1), 16), pid=int(m.group(2), 16),
                              in_ep=in_ep, out_ep=out_ep)
    if scheme == "file":
        if not path:
            raise ConfigError(f"{where}: {raw!r}: expected file:///dev/usb/lp0 or another path")
        _no_params(params, set(), raw, where)
        return PrinterAddress("file", device=path)
    raise ConfigError(f"{where}: {raw!r}: unknown kind {scheme!r}; {ADDRESS_HELP}")


def _no_params(params: dict[str, str], known: set[str], raw: str, where: str) -> None:
    unknown = sorted(set(params) - known)
    if unknown:
        allowed = f"; allowed: {', '.join(sorted(known))}" if known else ""
        raise ConfigError(f"{where}: {raw!r}: unknown option {unknown[0]!r}{allowed}")


def _flag(params: dict[str, str], key: str, raw: str, where: str) -> bool:
    v = params.get(key, "0").lower()
    if v not in ("0", "1", "true", "false", "yes", "no", ""):
        raise ConfigError(f"{where}: {raw!r}: {key} must be 1 or 0")
    return v in ("1", "true", "yes", "")


@dataclass(frozen=True)
class PrinterSettings:
    address: PrinterAddress = NO_PRINTER
    profile: str = "TM-T88V"  # a python-escpos capability profile ("default" for unknown)
    columns: int | None = None  # None: the profile's font A columns
    codepage: str = "auto"  # auto (CP858/CP1252 first, switch as needed) or one named page
    drawer_pin: int = 2
    cut: str = "full"  # full | partial
    status_query: bool = True  # ask DLE EOT before each job (paper out, cover open)
    timeout: float = 5.0  # connect and write, seconds
    status_timeout: float = 1.0  # wait for a status reply, seconds (≤ 2)
    retry_min: float = 1.0  # worker back-off while the printer cannot print, seconds
    retry_max: float = 30.0


@dataclass(frozen=True)
class ReceiptSettings:
    """Header and footer printed on every receipt (``[receipt]``)."""

    name: str = ""  # falls back to [store] name
    address: tuple[str, ...] = ()
    tax_id: str = ""
    footer: tuple[str, ...] = field(default_factory=lambda: ("Thank you!",))

    def header(self, store_name: str, measure: MeasureFormat = DOT) -> StoreHeader:
        return StoreHeader(self.name or store_name, self.address, self.tax_id, self.footer,
                           measure)


# [printer] keys are PrinterSettings' fields, `status_query` spelled `status`.
CONFIG_SECTIONS = (
    Section("printer", tuple(f.name.removesuffix("_query") for f in fields(PrinterSettings))),
    Section("receipt", tuple(f.name for f in fields(ReceiptSettings))),
)


def load_printer_settings(paths: Paths) -> PrinterSettings:
    """``[printer]`` of the register at ``paths`` (ConfigError when it is not set up)."""
    raw = load_raw(paths)
    with attributed(raw):  # a bad value set by the site file or environment names that layer
        return printer_settings_from(raw, paths.config)


def load_receipt_settings(paths: Paths) -> ReceiptSettings:
    raw = load_raw(paths)
    with attributed(raw):
        return receipt_settings_from(raw, paths.config)


def printer_settings_from(
    data: dict[str, Any], source: Path | str = "config.toml"
) -> PrinterSettings:
    sec = _table(data, "printer", source)
    where = f"{source}: [printer]"
    d = PrinterSettings()
    address = d.address
    if "address" in sec:
        address = parse_address(sec["address"], f"{where} address")
    profile = _text(sec, "profile", d.profile, where)
    columns = sec.get("columns")
    if columns is not None and (not isinstance(columns, int) or isinstance(columns, bool)
                                or not 24 <= columns <= 80):
        raise ConfigError(f"{where} columns: expected a whole number from 24 to 80 "
                          f"(42 or 48 on 80 mm paper, 32 on 58 mm), got {columns!r}")
    cut = _text(sec, "cut", d.cut, where).lower()
    if cut not in ("full", "partial"):
        raise ConfigError(f'{where} cut: expected "full" or "partial", got {cut!r}')
    pin = sec.get("drawer_pin", d.drawer_pin)
    if pin not in (2, 5) or isinstance(pin, bool):
        raise ConfigError(f"{where} drawer_pin: expected 2 or 5 (the drawer connector pin), "
                          f"got {pin!r}")
    status = sec.get("status", d.status_query)
    if not isinstance(status, bool):
        raise ConfigError(f"{where} status: expected true or false, got {status!r}")
    retry_min = _seconds(sec, "retry_min", d.retry_min, 0.01, 600, where)
    retry_max = _seconds(sec, "retry_max", d.retry_max, 0.01, 3600, where)
    if retry_max < retry_min:
        raise ConfigError(f"{where} retry_max: must not be less than retry_min ({retry_min})")
    return PrinterSettings(
        address=address, profile=profile, columns=columns,
        codepage=_text(sec, "codepage", d.codepage, where), drawer_pin=int(pin), cut=cut,
        status_query=status, timeout=_seconds(sec, "timeout", d.timeout, 0.1, 120, where),
        status_timeout=_seconds(sec, "status_timeout", d.status_timeout, 0.05,
                                MAX_STATUS_TIMEOUT, where),
        retry_min=retry_min, retry_max=retry_max,
    )


def receipt_settings_from(
    data: dict[str, Any], source: Path | str = "config.toml"
) -> ReceiptSettings:
    sec = _table(data, "receipt", source)
    where = f"{source}: [receipt]"
    d = ReceiptSettings()
    return ReceiptSettings(
        name=_text(sec, "name", d.name, where, blank=True),
        address=_lines(sec, "address", d.address, where),
        tax_id=_text(sec, "tax_id", d.tax_id, where, blank=True),
        footer=_lines(sec, "footer", d.footer, where),
    )


def _table(data: dict[str, Any], name: str, source: Path | str) -> dict[str, Any]:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"{source}: [{name}]: expected a section (a table), not a value")
    check_keys(data, name, source)
    return sec


def _text(sec: dict[str, Any], key: str, default: str, where: str, blank: bool = False) -> str:
    v = sec.get(key, default)
    if not isinstance(v, str) or (not blank and not v.strip()):
        raise ConfigError(f"{where} {key}: expected a quoted text value, got {v!r}")
    return v.strip()


def _lines(sec: dict[str, Any], key: str, default: tuple[str, ...], where: str) -> tuple[str, ...]:
    """A list of lines, or one text whose lines are split at newlines."""
    v = sec.get(key)
    if v is None:
        return default
    if isinstance(v, str):
        return tuple(ln.strip() for ln in v.strip().splitlines())
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(x.strip() for x in v)
    raise ConfigError(f'{where} {key}: expected a list of text lines like ["Main St 1", '
                      f'"12345 Town"] or one text, got {v!r}')


def _seconds(sec: dict[str, Any], key: str, default: float, low: float, high: float,
             where: str) -> float:
    v = sec.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high:
        raise ConfigError(f"{where} {key}: expected seconds from {low} to {high}, got {v!r}")
    return float(v)
