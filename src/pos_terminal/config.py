"""Where a register keeps its files, and its settings, read from four layers.

Each later layer overrides the keys it sets (tables merge key by key)::

    baked     pos_terminal/baked/store.toml inside a per-store build (packaging/build.py)
    site      $POS_TERMINAL_SITE_CONFIG, else /etc/pos-terminal/site.toml when it exists
              (%PROGRAMDATA%\\pos-terminal\\site.toml on Windows)
    register  DATA_DIR/config.toml, written by ``init``
    env       POS_TERMINAL__SECTION__KEY=value (e.g. POS_TERMINAL__PRINTER__ADDRESS=tcp://…)

``load_raw`` merges them and remembers where each value came from (``RawConfig.origin``), so
``pos-terminal config show`` can say it and a config error names the layer that set the bad
value: its file, or its environment variable. A config error names the file, the key and what
was expected; nothing starts half-configured.

Every layer is checked against one schema of known sections and keys before anything reads it:
an unknown section or key (a typo such as ``tax_mdoe``) is refused with its file and line, or
its variable, and the nearest known name. Each loader declares the sections it reads where it
reads them, as ``CONFIG_SECTIONS`` (a tuple of ``Section``) in its module; ``SCHEMA_MODULES``
lists those modules. A new section: declare it next to its loader and add the module there.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import math
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pos_protocol.money import Currency
from pos_terminal.domain.measure import MeasureFormat
from pos_terminal.domain.tax import TaxClass, TaxMode, TaxRounding
from pos_terminal.errors import ConfigError, InputError

CONFIG_NAME = "config.toml"
DB_NAME = "register.db"
BAKED_NAME = "store.toml"
SITE_ENV = "POS_TERMINAL_SITE_CONFIG"
ENV_PREFIX = "POS_TERMINAL__"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")

# The keys of [store] that ``settings_from`` reads (and ``save`` writes, in this order).
STORE_KEYS = ("id", "register", "name", "currency", "cash_increment", "tax_mode", "tax_rounding",
              "locale")
# [packaging] is read by packaging/build.py only; it travels inside the baked store config.
PACKAGING_KEYS = ("autostart", "maintainer", "revision")

DEFAULT_TAX_CLASSES = {
    TaxMode.INCLUSIVE: {"STD": ("Standard VAT", "19"), "RED": ("Reduced VAT", "7"),
                        "ZERO": ("Zero rated", "0")},
    TaxMode.EXCLUSIVE: {"STD": ("Sales tax", "8.875"), "RED": ("Groceries", "0"),
                        "ZERO": ("Exempt", "0")},
}


def default_data_dir() -> Path:
    env = os.environ.get("POS_TERMINAL_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("pos-terminal", appauthor=False))


@dataclass(frozen=True)
class Settings:
    store: str
    register: str
    currency: Currency
    tax_mode: TaxMode = TaxMode.INCLUSIVE
    tax_rounding: TaxRounding = TaxRounding.PER_LINE
    store_name: str = ""
    tax_classes: tuple[TaxClass, ...] = field(default_factory=tuple)
    locale: str = ""  # [store] locale, e.g. "de_DE": how numbers are typed and shown
    decimal_separator: str = "."  # the locale's (CLDR, through Babel); "." without one

    @property
    def terminal(self) -> str:
        return f"{self.store}-{self.register}"

    @property
    def measure(self) -> MeasureFormat:
        """How this store types and shows weights and volumes (1,235 kg / 1.235 kg)."""
        return MeasureFormat(self.decimal_separator)


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def database(self) -> Path:
        return self.root / DB_NAME

    @property
    def backups(self) -> Path:
        return self.root / "backups"


# -- the schema: which sections and keys a register knows ---------------------------------------
@dataclass(frozen=True)
class Section:
    """The keys a loader reads from one section. ``entries``: the section holds tables named
    by the user (tax classes by code), each with ``keys``."""

    name: str
    keys: tuple[str, ...]
    entries: bool = False

    def label(self, entry: str | None = None) -> str:
        return f"[{self.name}.{entry}]" if entry is not None else f"[{self.name}]"


CONFIG_SECTIONS = (
    Section("store", STORE_KEYS),
    Section("tax_classes", ("name", "rate"), entries=True),
    Section("packaging", PACKAGING_KEYS),
)

# Modules whose CONFIG_SECTIONS make up the schema (each loader declares its own sections).
SCHEMA_MODULES = (
    "pos_terminal.config",
    "pos_terminal.hardware.scanner_settings",
    "pos_terminal.hardware.printer_settings",
    "pos_terminal.hardware.display_settings",
    "pos_terminal.hardware.scale_settings",
    "pos_terminal.hardware.terminal_settings",
    "pos_terminal.services.retail",
    "pos_terminal.services.cash_rules",
    "pos_terminal.sync.settings",
)


@functools.cache
def schema() -> dict[str, Section]:
    """Every known section, by name, from the loaders' own declarations."""
    known: dict[str, Section] = {}
    for name in SCHEMA_MODULES:
        for sec in importlib.import_module(name).CONFIG_SECTIONS:
            if sec.name in known:
                raise RuntimeError(f"config section [{sec.name}] is declared twice ({name})")
            known[sec.name] = sec
    return known


def nearest(word: str, known: Iterable[str]) -> str | None:
    """The known name ``word`` was most likely meant to be (any letter case), if any."""
    names = {k.lower(): k for k in known}
    got = difflib.get_close_matches(word.lower(), list(names), n=1, cutoff=0.6)
    return names[got[0]] if got else None


def _home(key: str, but: str = "") -> str | None:
    """The section a key belongs to, when it is a key of exactly one other section."""
    homes = [s.label() for s in schema().values() if key in s.keys and s.name != but]
    return homes[0] if len(homes) == 1 else None


def unknown_key(key: str, sec: Section, entry: str | None = None) -> str:
    """``tax_mdoe: unknown key in [store]; did you mean tax_mode?`` (or where the key belongs,
    or the known keys)."""
    near = nearest(key, sec.keys)
    home = None if near or entry is not None else _home(key, sec.name)
    hint = (f"did you mean {near}?" if near else f"it belongs in {home}" if home
            else f"known keys: {', '.join(sec.keys)}")
    return f"{key}: unknown key in {sec.label(entry)}; {hint}"


def unknown_section(name: str, value: Any = None) -> str:
    """``[stroe]: unknown section; did you mean [store]?``; for a plain value outside any
    section (``tax_mode = …`` above the first header), the section it belongs in."""
    home = _home(name) if not isinstance(value, dict) else None
    if home:
        return f"{name}: a key outside any section; it belongs in {home}"
    near = nearest(name, schema())
    hint = f"did you mean [{near}]?" if near else f"known sections: {', '.join(schema())}"
    return f"[{name}]: unknown section; {hint}"


def check_keys(data: Mapping[str, Any], name: str, source: Path | str) -> None:
    """A loader's own check of one section of plain parsed data (``*_settings_from(dict)``):
    ConfigError for the first key the schema does not know."""
    sec = schema()[name]
    table = data.get(name)
    if not isinstance(table, dict):
        return
    for key, value in table.items():
        if sec.entries:
            if isinstance(value, dict):
                for k in value:
                    if k not in sec.keys:
                        raise ConfigError(f"{source}: [{name}.{key}] {unknown_key(k, sec, key)}")
        elif key not in sec.keys:
            raise ConfigError(f"{source}: [{name}] {unknown_key(key, sec)}")


def rate_ppm(text: str, where: str) -> int:
    try:
        value = Decimal(str(text))
    except InvalidOperation as exc:
        raise ConfigError(f"{where}: expected a percentage like \"19\" or \"8.875\"") from exc
    ppm = value * 10_000
    if ppm != ppm.to_integral_value() or not 0 <= ppm <= 1_000_000:
        raise ConfigError(f"{where}: expected a percentage between 0 and 100, 4 decimals at most")
    return int(ppm)


def check_id(value: str, what: str) -> str:
    if not _ID.match(value or ""):
        raise InputError(f"{what} {value!r}: use 1-16 letters, digits, '-' or '_'")
    return value


def new_settings(
    store: str, register: str, currency: str = "EUR", tax_mode: str = "inclusive",
    tax_rounding: str = "per_line", store_name: str = "",
) -> Settings:
    try:
        mode = TaxMode(tax_mode)
    except ValueError as exc:
        raise InputError("tax mode must be 'inclusive' (VAT) or 'exclusive' (sales tax)") from exc
    try:
        rounding = TaxRounding(tax_rounding)
    except ValueError as exc:
        raise InputError("tax rounding must be 'per_line' or 'per_receipt'") from exc
    classes = tuple(
        TaxClass(code, name, rate_ppm(rate, f"tax class {code}"))
        for code, (name, rate) in DEFAULT_TAX_CLASSES[mode].items()
    )
    return Settings(
        check_id(store, "store"), check_id(register, "register"), Currency.of(currency), mode,
        rounding, store_name or f"Store {store}", classes,
    )


# -- layers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """One source of settings: ``name`` is baked, site, register or env."""

    name: str
    source: str  # the file, or "environment"
    data: dict[str, Any]
    variables: dict[tuple[str, ...], str] = field(default_factory=dict)  # env: path → name
    text: str = field(default="", repr=False)  # a file layer's text (for line numbers)

    def variable(self, path: tuple[str, ...]) -> str | None:
        """The environment variable that set ``path`` or something below it."""
        for vpath, name in self.variables.items():
            if vpath[: len(path)] == path or path[: len(vpath)] == vpath:
                return name
        return None

    def at(self, path: tuple[str, ...]) -> str:
        """How a message names the place that set ``path``: ``FILE:LINE``, or the variable."""
        if self.name == "env":
            var = self.variable(path)
            return f"environment variable {var}" if var else "environment"
        line = line_of(self.text, path)
        place = f"{self.source}:{line}" if line else self.source
        return f"{place} (baked into this build)" if self.name == "baked" else place

    def refusals(self) -> list[str]:
        """One line per section or key of this layer that the schema does not know."""
        known = schema()
        out: list[str] = []
        for name, value in self.data.items():
            sec = known.get(name)
            if sec is None:
                out.append(f"{self.at((name,))}: {unknown_section(name, value)}")
                continue
            if not isinstance(value, dict):
                continue  # the section's loader says "expected a section (a table)"
            for key, v in value.items():
                if sec.entries:
                    for k in v if isinstance(v, dict) else ():
                        if k not in sec.keys:
                            out.append(self._unknown((name, key, k), unknown_key(k, sec, key)))
                elif key not in sec.keys:
                    out.append(self._unknown((name, key), unknown_key(key, sec)))
        return out

    def _unknown(self, path: tuple[str, ...], what: str) -> str:
        var = self.variable(path) if self.name == "env" else None
        if var and what.endswith("?"):  # name the variable to set instead
            near = what.rsplit("did you mean ", 1)[1][:-1]
            what = f"{what[:-1]} ({var[: len(var) - len(path[-1])]}{near.upper()})?"
        return f"{self.at(path)}: {what}"

    def where(self, path: tuple[str, ...] = ()) -> str:
        """How a message names this layer (for ``path``: the variable that set it)."""
        if self.name == "env":
            for n in range(len(path), 0, -1):
                if path[:n] in self.variables:
                    return f"environment variable {self.variables[path[:n]]}"
            return "environment"
        if self.name == "baked":
            return f"{self.source} (baked into this build)"
        return self.source


class RawConfig(dict[str, Any]):
    """The merged settings of every layer, as parsed TOML, and where each value came from."""

    def __init__(self, data: dict[str, Any], layers: list[Layer],
                 origins: dict[tuple[str, ...], Layer], source: Path | str) -> None:
        super().__init__(data)
        self.layers = layers
        self.origins = origins
        self.source = str(source)  # how the device loaders name this config in their errors
        # what the schema does not know, one line each, lowest layer first
        self.refused = [line for layer in layers for line in layer.refusals()]

    def refuse(self) -> None:
        """ConfigError (one line) when any layer holds an unknown section or key."""
        if self.refused:
            more = (f" (and {len(self.refused) - 1} more: 'pos-terminal config show' lists "
                    "them)") if len(self.refused) > 1 else ""
            raise ConfigError(self.refused[0] + more)

    def origin(self, *path: str) -> Layer | None:
        """The layer that set the value at ``path`` (or replaced the table holding it)."""
        while path:
            if path in self.origins:
                return self.origins[path]
            path = path[:-1]
        return None

    def _setter(self, path: tuple[str, ...]) -> Layer | None:
        """The layer that set this very value, or a plain value in place of a table above it
        (not the layer that merely opened a table a missing key belongs to)."""
        node: Any = self
        for n, key in enumerate(path, 1):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
            if n == len(path) or not isinstance(node, dict):
                return self.origins.get(path[:n])
        return None

    def blame(self, exc: ConfigError) -> ConfigError:
        """``exc`` reworded to name the layer that set the bad value, when it is not the file
        the message names. Loaders word errors as ``SOURCE: [section] key: what is wrong``."""
        head = self.source + ": ["
        if not exc.message.startswith(head):
            return exc
        m = _BLAME.match(exc.message, len(head) - 1)
        if m is None:
            return exc
        path = tuple(m.group(1).split(".")) + ((m.group(2),) if m.group(2) else ())
        layer = self._setter(path)
        if layer is None or layer.where(path) == self.source:
            return exc
        return ConfigError(layer.where(path) + exc.message[len(self.source):])


_BLAME = re.compile(r"\[([^\]\s]+)\](?: ([A-Za-z0-9_-]+))?")


@contextmanager
def attributed(raw: Mapping[str, Any]) -> Iterator[None]:
    """Re-raise a ConfigError from a loader of ``raw`` naming the layer that set the value."""
    try:
        yield
    except ConfigError as exc:
        if isinstance(raw, RawConfig):
            better = raw.blame(exc)
            if better is not exc:
                raise better from exc
        raise


def baked_config_file() -> Path | None:
    """The store config baked into a per-store build, if this is one."""
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) / "pos_terminal" if base else Path(__file__).parent
    f = root / "baked" / BAKED_NAME
    return f if f.is_file() else None


def default_site_config() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "pos-terminal" / "site.toml"
    return Path("/etc/pos-terminal/site.toml")


def site_config_file() -> Path | None:
    """``$POS_TERMINAL_SITE_CONFIG`` (empty: none), else the default path when it exists."""
    env = os.environ.get(SITE_ENV)
    if env is not None:
        if not env.strip():
            return None
        f = Path(env)
        if not f.is_file():
            raise ConfigError(
                f"{SITE_ENV}={env}: no such file; point it at the site's config (TOML) or unset it"
            )
        return f
    f = default_site_config()
    return f if f.is_file() else None


def read_toml(f: Path) -> dict[str, Any]:
    return read_layer("file", f).data


def read_layer(name: str, f: Path) -> Layer:
    """A file layer: its parsed settings and its text (for line numbers in messages)."""
    try:
        text = f.read_text(encoding="utf-8")
        return Layer(name, str(f), tomllib.loads(text), text=text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{f}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{f}: cannot be read ({exc.strerror or exc})") from exc


_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
                  r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"([^"]*)"|'([^']*)'""")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None
                 else m.group(0) for m in _PART.finditer(text))


def line_of(text: str, path: tuple[str, ...]) -> int | None:
    """The line of a TOML text that sets ``path`` (a table header, a key, or the inline table
    holding it); None when it cannot be told (tomllib keeps no positions)."""
    table: tuple[str, ...] = ()
    in_string = None
    for n, line in enumerate(text.splitlines(), 1):
        if in_string:  # inside a multi-line string: nothing here is a key
            if line.count(in_string) % 2:
                in_string = None
            continue
        head = _HEADER.match(line)
        if head:
            table = _dotted(head.group(1))
            if table[: len(path)] == path:
                return n
            continue
        key = _KEY.match(line)
        if key:
            full = table + _dotted(key.group(1))
            if full[: len(path)] == path or (len(full) > len(table)
                                             and path[: len(full)] == full):
                return n
        for quote in ('"""', "'''"):
            if line.count(quote) % 2:
                in_string = quote
                break
    return None


def env_value(text: str, current: Any = None) -> Any:
    """An environment variable's value: a TOML literal when it is one (``42``, ``1.5``,
    ``true``, ``["a", "b"]``, ``"quoted"``), ``yes``/``no``/``on``/``off`` as booleans, else the
    text itself; where the layers below hold text, the value stays text (store id ``0042``)."""
    if isinstance(current, str):
        return text
    word = text.strip().lower()
    if word in ("true", "yes", "on", "false", "no", "off"):
        return word in ("true", "yes", "on")
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    if isinstance(value, date | datetime | time) or (
            isinstance(value, float) and not math.isfinite(value)):
        return text
    return value


def env_layer(environ: Mapping[str, str], below: Mapping[str, Any]) -> Layer | None:
    """``POS_TERMINAL__SECTION__KEY=value`` variables (deeper tables: more ``__`` parts).
    Names match the keys below them whatever their letter case (Windows upper-cases them)."""
    data: dict[str, Any] = {}
    variables: dict[tuple[str, ...], str] = {}
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX):].split("__")
        if len(parts) < 2 or not all(parts):
            raise ConfigError(
                f"environment variable {name}: expected POS_TERMINAL__SECTION__KEY=value, "
                "e.g. POS_TERMINAL__PRINTER__ADDRESS=tcp://192.168.1.60:9100"
            )
        path: list[str] = []
        node: Any = below
        for part in parts:
            known = node if isinstance(node, dict) else {}
            spelled = next((k for k in known if k.lower() == part.lower()), part.lower())
            path.append(spelled)
            node = known.get(spelled)
        target = data
        for key in path[:-1]:
            nxt = target.setdefault(key, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"environment variable {name}: {'.'.join(path[:-1])} is set "
                                  "as a value by another variable, not a section")
            target = nxt
        target[path[-1]] = env_value(environ[name], node)
        variables[tuple(path)] = name
    return Layer("env", "environment", data, variables) if data else None


def _merge(into: dict[str, Any], data: Mapping[str, Any], layer: Layer,
           origins: dict[tuple[str, ...], Layer], prefix: tuple[str, ...] = ()) -> None:
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, layer, origins, path)
            continue
        for p in [p for p in origins if p[: len(path)] == path]:
            del origins[p]  # a value or a new table replaces whatever was below it
        if isinstance(value, dict):
            into[key] = {}
            origins[path] = layer
            _merge(into[key], value, layer, origins, path)
        else:
            into[key] = value
            origins[path] = layer


def read_layers(paths: Paths, register: bool = True, env: bool = True) -> RawConfig:
    """Merge baked < site < register (when ``register`` and it exists) < environment. What
    the schema does not know is listed in ``refused`` (``load_raw`` refuses it; ``config
    show`` shows it)."""
    layers: list[Layer] = []
    baked = baked_config_file()
    if baked is not None:
        layers.append(read_layer("baked", baked))
    site = site_config_file()
    if site is not None:
        layers.append(read_layer("site", site))
    if register and paths.config.exists():
        layers.append(read_layer("register", paths.config))
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], Layer] = {}
    for layer in layers:
        _merge(merged, layer.data, layer, origins)
    variables = env_layer(os.environ, merged) if env else None
    if variables is not None:
        layers.append(variables)
        _merge(merged, variables.data, variables, origins)
    return RawConfig(merged, layers, origins, paths.config)


def load_raw(paths: Paths) -> RawConfig:
    """The register's settings as parsed TOML, every layer merged (device sections are read
    by their own modules); ConfigError when ``paths`` holds no register."""
    if not paths.config.exists():
        raw = read_layers(paths, register=False)
        raw.refuse()  # a typo in the baked or site config first: init would refuse it too
        store = raw.get("store") if isinstance(raw.get("store"), dict) else {}
        how = ("init" if store.get("id") and store.get("register")
               else "init --store STORE --register REG")
        raise ConfigError(
            f"{paths.root} is not set up as a register: run "
            f"'pos-terminal --data-dir {paths.root} {how}' or 'demo'"
        )
    raw = read_layers(paths)
    raw.refuse()
    return raw


def load(paths: Paths) -> Settings:
    raw = load_raw(paths)
    with attributed(raw):
        return settings_from(raw, paths.config)


def initial_settings(
    paths: Paths, store: str | None = None, register: str | None = None,
    currency: str | None = None, tax_mode: str | None = None, tax_rounding: str | None = None,
    name: str | None = None,
) -> tuple[Settings, RawConfig | None]:
    """Settings for ``init``: the command line's values over the baked, site and environment
    layers. Returns them with the layers a saved register config will sit on (None when no
    layer has a ``[store]``: then the register's file holds everything, as before)."""
    for value, what in ((store, "store"), (register, "register")):
        if value is not None:
            check_id(value, what)
    if currency is not None:
        Currency.of(currency)
    lower = read_layers(paths, register=False)
    lower.refuse()
    if not isinstance(lower.get("store"), dict):
        if store is None or register is None:
            raise InputError("init needs --store and --register: no store config is baked into "
                             "this build or set in the site config")
        return new_settings(store, register, currency or "EUR", tax_mode or "inclusive",
                            tax_rounding or "per_line", name or ""), None
    given = {k: v for k, v in (("id", store), ("register", register), ("currency", currency),
                               ("tax_mode", tax_mode), ("tax_rounding", tax_rounding),
                               ("name", name)) if v is not None}
    cli = Layer("cli", "command line", {"store": given})
    merged: dict[str, Any] = {}
    origins = dict(lower.origins)
    _merge(merged, lower, cli, {})
    _merge(merged, cli.data, cli, origins)
    below = merged["store"]
    for key, option in (("id", "--store"), ("register", "--register")):
        if not below.get(key):
            raise InputError(f"init needs {option}: the store config has no [store] {key}")
    below.setdefault("currency", "EUR")
    if not isinstance(merged.get("tax_classes"), dict):
        mode = TaxMode(below["tax_mode"]) if below.get("tax_mode") in ("inclusive", "exclusive") \
            else TaxMode.INCLUSIVE
        merged["tax_classes"] = {code: {"name": n, "rate": r}
                                 for code, (n, r) in DEFAULT_TAX_CLASSES[mode].items()}
    raw = RawConfig(merged, [*lower.layers, cli], origins, paths.config)
    with attributed(raw):
        settings = settings_from(raw, paths.config)
    return settings, read_layers(paths, register=False, env=False)


def settings_from(data: Mapping[str, Any], f: Path | str) -> Settings:
    """``[store]`` and ``[tax_classes]`` of merged settings; errors name ``f``."""
    store = _section(data, "store", f)
    try:
        currency = Currency.of(
            _str(store, "currency", f, "store"), _opt_int(store, "cash_increment", f, "store")
        )
    except InputError as exc:
        raise ConfigError(f"{f}: [store] currency: {exc}") from exc
    try:
        mode = TaxMode(_str(store, "tax_mode", f, "store", "inclusive"))
    except ValueError as exc:
        raise ConfigError(f'{f}: [store] tax_mode: expected "inclusive" (VAT) or "exclusive" '
                          "(sales tax)") from exc
    try:
        rounding = TaxRounding(_str(store, "tax_rounding", f, "store", "per_line"))
    except ValueError as exc:
        raise ConfigError(f'{f}: [store] tax_rounding: expected "per_line" or "per_receipt"'
                          ) from exc
    classes = _tax_classes(data, f)
    ids = {}
    for key, what in (("id", "store"), ("register", "register")):
        try:
            ids[key] = check_id(_str(store, key, f, "store"), what)
        except InputError as exc:
            raise ConfigError(f"{f}: [store] {key}: {exc}") from exc
    locale = _str(store, "locale", f, "store", "").strip()
    return Settings(ids["id"], ids["register"], currency, mode, rounding,
                    _str(store, "name", f, "store", ""), classes, locale,
                    decimal_separator(locale, f) if locale else ".")


def decimal_separator(locale: str, f: Path | str = "config.toml") -> str:
    """The decimal separator of a locale such as "de_DE" (","), from Babel's CLDR data."""
    from babel import Locale, UnknownLocaleError  # 15 ms; only for a store that sets a locale
    from babel.numbers import get_decimal_symbol

    try:
        symbol = get_decimal_symbol(Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError) as exc:
        raise ConfigError(f'{f}: [store] locale: unknown locale {locale!r}; use a language and '
                          'country such as "de_DE", "en_GB" or "fr_CH"') from exc
    if symbol not in (".", ","):
        raise ConfigError(f"{f}: [store] locale: {locale!r} writes decimals with {symbol!r}; "
                          "the register types weights with '.' or ','")
    return symbol


def _tax_classes(data: Mapping[str, Any], f: Path | str) -> tuple[TaxClass, ...]:
    classes = []
    for code, spec in _section(data, "tax_classes", f).items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{f}: [tax_classes] {code}: expected a table with name and rate")
        classes.append(TaxClass(
            code, str(spec.get("name", code)),
            rate_ppm(str(spec.get("rate", "")), f"{f}: [tax_classes.{code}] rate"),
        ))
    return tuple(classes)


def save(paths: Paths, s: Settings, inherited: Mapping[str, Any] | None = None) -> None:
    """Write the register's ``config.toml``. With ``inherited`` (the baked and site layers it
    will sit on), only what differs from them is written, besides the register's identity (its
    store and register ids, which its database holds too): a new build or site file then still
    reaches every value the register did not choose itself."""
    store = {
        "id": s.store, "register": s.register, "name": s.store_name,
        "currency": s.currency.code, "cash_increment": s.currency.cash_increment,
        "tax_mode": s.tax_mode.value, "tax_rounding": s.tax_rounding.value,
    }
    if s.locale:
        store["locale"] = s.locale
    classes = {tc.code: {"name": tc.name, "rate": _plain(Decimal(tc.rate_ppm) / 10_000)}
               for tc in s.tax_classes}
    data: dict[str, Any] = {"store": store, "tax_classes": classes}
    if inherited:
        data = _own(s, data, inherited)
    lines = ["# pos-terminal register settings"]
    if "store" in data:
        lines.append("[store]")
        for key, value in data["store"].items():
            lines.append(f"{key} = {value}" if isinstance(value, int) else f"{key} = {_q(value)}")
    if "tax_classes" in data:
        lines += ["", "[tax_classes]"]
        for code, tc in data["tax_classes"].items():
            lines.append(f"{code} = {{ name = {_q(tc['name'])}, rate = {_q(tc['rate'])} }}")
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.config.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, paths.config)


def _own(s: Settings, data: dict[str, Any], inherited: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``data`` that ``inherited`` does not already say (all of it if leaving
    anything out would change the settings)."""
    below = inherited.get("store") if isinstance(inherited.get("store"), dict) else {}
    defaults = {"name": "", "tax_mode": "inclusive", "tax_rounding": "per_line", "locale": ""}
    store = {k: v for k, v in data["store"].items()
             if k in ("id", "register") or below.get(k, defaults.get(k)) != v}
    if "cash_increment" not in below and (  # the currency's own rule: follows the currency
            Currency.of(s.currency.code).cash_increment == s.currency.cash_increment):
        store.pop("cash_increment", None)
    own: dict[str, Any] = {"store": store}
    try:
        inherited_classes = set(_tax_classes(inherited, "config.toml"))
    except ConfigError:
        inherited_classes = set()
    if inherited_classes != set(s.tax_classes):
        own["tax_classes"] = data["tax_classes"]
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], Layer] = {}
    for part in (inherited, own):
        _merge(merged, part, Layer("register", "config.toml", {}), origins)
    try:
        got = settings_from(merged, "config.toml")
        same = replace(got, tax_classes=()) == replace(s, tax_classes=()) and (
            set(got.tax_classes) == set(s.tax_classes))
    except (ConfigError, InputError):
        same = False
    return own if same else data


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _section(data: Mapping[str, Any], name: str, f: Path | str) -> dict[str, Any]:
    sec = data.get(name)
    if not isinstance(sec, dict):
        raise ConfigError(f"{f}: missing section [{name}]")
    return sec


def _str(sec: dict[str, Any], key: str, f: Path | str, name: str,
         default: str | None = None) -> str:
    v = sec.get(key, default)
    if not isinstance(v, str):
        missing = "missing; " if v is None else ""
        raise ConfigError(f"{f}: [{name}] {key}: {missing}expected a quoted text value")
    return v


def _opt_int(sec: dict[str, Any], key: str, f: Path | str, name: str) -> int | None:
    v = sec.get(key)
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ConfigError(f"{f}: [{name}] {key}: expected a whole number of minor units ≥ 1")
    return v
