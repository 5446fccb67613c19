"""The ``[payment]`` section of a register's ``config.toml``: which card terminal, and where.

Optional: without it (``terminal = "none"``) card payments are references typed by the
cashier, as before. Every bad value raises ``ConfigError`` naming the file, the key and what is
expected; unknown keys are refused. See docs/payments.md::

    [payment]
    terminal = "zvt"                      # none | zvt | nexo
    port = "tcp://192.168.1.50:20007"     # ZVT over TCP/IP (20007 by default)
    # port = "serial:///dev/ttyUSB0?baudrate=9600"   ZVT over a serial line (8N2)
    password = "000000"                   # the terminal's ZVT password (6 digits)

    [payment]
    terminal = "nexo"                     # nexo Retailer / SaleToPOI JSON (Adyen's local API)
    port = "https://192.168.1.51:8443/nexo"
    poi_id = "V400m-324688179"            # the terminal's POIID
    key_identifier = "mykey"              # the shared key of the encrypted security trailer
    key_passphrase = "…"
    key_version = 1
    ca_file = "/etc/pos-terminal/terminal-ca.pem"   # verify the terminal's TLS certificate
    server_name = "V400m-324688179.test.terminal.adyen.com"
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from pos_terminal.config import Paths, Section, attributed, load_raw
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.printer_settings import _seconds, _table, _text

KINDS = ("none", "zvt", "nexo")
ZVT_PORT = 20007
NEXO_PORT = 8443
PORT_HELP = ('expected "tcp://HOST[:PORT]" or "serial:///dev/ttyUSB0?baudrate=9600" for ZVT, '
             '"https://HOST:8443/nexo" for nexo')
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")


@dataclass(frozen=True)
class TerminalAddress:
    kind: str  # tcp | serial | http | https | none
    host: str = ""
    port: int = 0
    device: str = ""  # serial port
    baudrate: int = 9600
    stopbits: int = 2
    path: str = "/nexo"

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"{self.host}:{self.port}"
        if self.kind == "serial":
            return f"serial port {self.device}"
        if self.kind in ("http", "https"):
            return f"{self.host}:{self.port}"
        return "no terminal"

    @property
    def text(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.kind == "tcp":
            return f"tcp://{host}:{self.port}"
        if self.kind == "serial":
            return f"serial://{self.device}?baudrate={self.baudrate}"
        if self.kind in ("http", "https"):
            return f"{self.kind}://{host}:{self.port}{self.path}"
        return "none"

    @property
    def url(self) -> str:
        return self.text


NO_TERMINAL = TerminalAddress("none")


def parse_port(text: str, protocol: str, where: str = "[payment] port") -> TerminalAddress:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: {PORT_HELP}")
    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        if raw.startswith("/") or raw.upper().startswith("COM"):  # a bare serial device
            scheme, rest = "serial", raw
        else:
            raise ConfigError(f"{where}: {raw!r}: {PORT_HELP}")
    scheme = scheme.lower()
    if scheme in ("tcp", "serial") and protocol == "nexo":
        raise ConfigError(f"{where}: {raw!r}: a nexo terminal is reached by "
                          "https://HOST:8443/nexo (or http:// on a test bench)")
    if scheme in ("http", "https") and protocol == "zvt":
        raise ConfigError(f"{where}: {raw!r}: a ZVT terminal is reached by tcp://HOST:20007 "
                          "or a serial port")
    path, _, query = rest.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if scheme == "serial":
        unknown = sorted(set(params) - {"baudrate", "stopbits"})
        if unknown or not path:
            raise ConfigError(f"{where}: {raw!r}: expected serial:///dev/ttyUSB0?baudrate=9600 "
                              "(options: baudrate, stopbits)")
        try:
            baud = int(params.get("baudrate", 9600))
            stop = int(params.get("stopbits", 2))
        except ValueError:
            baud = stop = 0
        if not 1200 <= baud <= 115200 or stop not in (1, 2):
            raise ConfigError(f"{where}: {raw!r}: baudrate 1200 to 115200 (9600 is ZVT's), "
                              "stopbits 1 or 2")
        return TerminalAddress("serial", device=path, baudrate=baud, stopbits=stop)
    if scheme in ("tcp", "http", "https"):
        hostport, slash, rest_path = path.partition("/")
        m = _HOST.match(hostport)
        if not m or params:
            raise ConfigError(f"{where}: {raw!r}: {PORT_HELP}")
        default = ZVT_PORT if scheme == "tcp" else NEXO_PORT
        port = int(m.group(2) or default)
        if not 1 <= port <= 65535:
            raise ConfigError(f"{where}: {raw!r}: the port must be 1 to 65535")
        return TerminalAddress(scheme, host=m.group(1).strip("[]"), port=port,
                               path=("/" + rest_path) if slash else "/nexo")
    raise ConfigError(f"{where}: {raw!r}: unknown kind {scheme!r}; {PORT_HELP}")


@dataclass(frozen=True)
class TerminalSettings:
    kind: str = "none"  # none | zvt | nexo
    address: TerminalAddress = NO_TERMINAL
    currency: str = "EUR"  # the store's currency (from [store], not set here)
    timeout: float = 180.0  # how long a payment may run before its outcome counts as unknown
    connect_timeout: float = 5.0
    # ZVT
    password: str = "000000"
    # nexo
    sale_id: str = ""  # our id at the terminal; default: the register's STORE-REGISTER
    poi_id: str = ""
    key_identifier: str = ""
    key_passphrase: str = ""
    key_version: int = 1
    ca_file: str = ""
    server_name: str = ""

    @property
    def enabled(self) -> bool:
        return self.kind != "none"

    @property
    def encrypted(self) -> bool:
        return bool(self.key_identifier)

    def describe(self) -> str:
        what = {"zvt": "ZVT terminal", "nexo": "nexo terminal"}.get(self.kind, "no terminal")
        return what if self.kind == "none" else f"{what} at {self.address}"


KEYS = (
    "terminal", "port", "password", "timeout", "connect_timeout", "sale_id", "poi_id",
    "key_identifier", "key_passphrase", "key_version", "ca_file", "server_name",
)
CONFIG_SECTIONS = (Section("payment", KEYS),)


def load_terminal_settings(paths: Paths) -> TerminalSettings:
    raw = load_raw(paths)
    with attributed(raw):
        return terminal_settings_from(raw, paths.config)


def terminal_settings_from(data: dict[str, Any], source: Path | str = "config.toml"
                           ) -> TerminalSettings:
    sec = _table(data, "payment", source)
    where = f"{source}: [payment]"
    store = data.get("store") if isinstance(data.get("store"), dict) else {}
    currency = str(store.get("currency", "EUR")).upper()
    d = TerminalSettings()
    kind = _text(sec, "terminal", d.kind, where).lower()
    if kind not in KINDS:
        raise ConfigError(f'{where} terminal: expected "none", "zvt" or "nexo", got {kind!r}')
    if kind == "none":
        return TerminalSettings(currency=currency)
    if "port" not in sec:
        raise ConfigError(f"{where} port: missing; {PORT_HELP}")
    address = parse_port(sec["port"], kind, f"{where} port")
    password = _text(sec, "password", d.password, where)
    if len(password) != 6 or not password.isdigit():
        raise ConfigError(f"{where} password: the terminal's ZVT password is 6 digits "
                          '(often "000000"; the terminal\'s setup shows it)')
    if kind == "zvt":
        from pos_terminal.hardware.zvt_codec import CURRENCY_NUMERIC

        if currency not in CURRENCY_NUMERIC:
            raise ConfigError(f"{where}: ZVT has no currency code for {currency}")
    key_version = sec.get("key_version", d.key_version)
    if isinstance(key_version, bool) or not isinstance(key_version, int) or key_version < 0:
        raise ConfigError(f"{where} key_version: expected a whole number, got {key_version!r}")
    key_id = _text(sec, "key_identifier", "", where, blank=True)
    passphrase = _text(sec, "key_passphrase", "", where, blank=True)
    if bool(key_id) != bool(passphrase):
        raise ConfigError(f"{where}: key_identifier and key_passphrase go together (the shared "
                          "key set up for the terminal); set both or neither")
    if key_id and importlib.util.find_spec("cryptography") is None:
        raise ConfigError(f"{where} key_identifier: this build of pos-terminal leaves out the "
                          "encryption the nexo key needs; build it with [payment] "
                          "key_identifier in the store config (packaging/README.md), or use "
                          "TLS with ca_file instead")
    ca_file = _text(sec, "ca_file", "", where, blank=True)
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"{where} ca_file: {ca_file} does not exist: point it at the PEM file "
                          "of the certificate authority that signed the terminal's certificate")
    poi_id = _text(sec, "poi_id", "", where, blank=True)
    if kind == "nexo" and not poi_id:
        raise ConfigError(f"{where} poi_id: missing; the terminal's POIID (model-serial, e.g. "
                          '"V400m-324688179", shown in its settings)')
    if kind == "nexo" and address.kind == "http" and not key_id:
        raise ConfigError(f"{where}: an http:// nexo terminal sends card data in the clear: use "
                          "https:// with ca_file, or set key_identifier and key_passphrase")
    store_id, register = str(store.get("id", "")), str(store.get("register", ""))
    return TerminalSettings(
        kind=kind, address=address, currency=currency,
        timeout=_seconds(sec, "timeout", d.timeout, 5, 900, where),
        connect_timeout=_seconds(sec, "connect_timeout", d.connect_timeout, 0.1, 60, where),
        password=password,
        sale_id=_text(sec, "sale_id", f"{store_id}-{register}".strip("-") or "POS", where),
        poi_id=poi_id,
        key_identifier=key_id, key_passphrase=passphrase, key_version=key_version,
        ca_file=ca_file, server_name=_text(sec, "server_name", "", where, blank=True),
    )

