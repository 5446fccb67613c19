"""Where a register keeps its files, and its store settings (``DATA_DIR/config.toml``).

A config error names the file, the key and what was expected; nothing starts half-configured.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pos_terminal.domain.money import Currency
from pos_terminal.domain.tax import TaxClass, TaxMode, TaxRounding
from pos_terminal.errors import ConfigError, InputError

CONFIG_NAME = "config.toml"
DB_NAME = "register.db"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")

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

    @property
    def terminal(self) -> str:
        return f"{self.store}-{self.register}"


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


def load_raw(paths: Paths) -> dict[str, Any]:
    """The config file as parsed TOML (device sections are read by their own modules)."""
    f = paths.config
    if not f.exists():
        raise ConfigError(
            f"{paths.root} is not set up as a register: run "
            f"'pos-terminal --data-dir {paths.root} init --store STORE --register REG' or 'demo'"
        )
    try:
        return tomllib.loads(f.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{f}: not valid TOML ({exc})") from exc


def load(paths: Paths) -> Settings:
    f = paths.config
    data = load_raw(paths)
    store = _section(data, "store", f)
    try:
        currency = Currency.of(
            _str(store, "currency", f, "store"), _opt_int(store, "cash_increment", f, "store")
        )
    except InputError as exc:
        raise ConfigError(f"{f}: [store] currency: {exc}") from exc
    try:
        mode = TaxMode(_str(store, "tax_mode", f, "store", "inclusive"))
        rounding = TaxRounding(_str(store, "tax_rounding", f, "store", "per_line"))
    except ValueError as exc:
        raise ConfigError(
            f"{f}: [store] tax_mode must be inclusive|exclusive and tax_rounding "
            "per_line|per_receipt"
        ) from exc
    classes = []
    for code, spec in _section(data, "tax_classes", f).items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{f}: [tax_classes] {code}: expected a table with name and rate")
        classes.append(TaxClass(
            code, str(spec.get("name", code)),
            rate_ppm(str(spec.get("rate", "")), f"{f}: [tax_classes.{code}] rate"),
        ))
    try:
        return Settings(
            check_id(_str(store, "id", f, "store"), "store"),
            check_id(_str(store, "register", f, "store"), "register"),
            currency, mode, rounding, _str(store, "name", f, "store", ""), tuple(classes),
        )
    except InputError as exc:
        raise ConfigError(f"{f}: [store] {exc}") from exc


def save(paths: Paths, s: Settings) -> None:
    lines = [
        "# pos-terminal register settings",
        "[store]",
        f"id = {_q(s.store)}",
        f"register = {_q(s.register)}",
        f"name = {_q(s.store_name)}",
        f"currency = {_q(s.currency.code)}",
        f"cash_increment = {s.currency.cash_increment}",
        f"tax_mode = {_q(s.tax_mode.value)}",
        f"tax_rounding = {_q(s.tax_rounding.value)}",
        "",
        "[tax_classes]",
    ]
    for tc in s.tax_classes:
        rate = Decimal(tc.rate_ppm) / 10_000
        lines.append(f"{tc.code} = {{ name = {_q(tc.name)}, rate = {_q(_plain(rate))} }}")
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.config.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, paths.config)


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _section(data: dict[str, Any], name: str, f: Path) -> dict[str, Any]:
    sec = data.get(name)
    if not isinstance(sec, dict):
        raise ConfigError(f"{f}: missing section [{name}]")
    return sec


def _str(sec: dict[str, Any], key: str, f: Path, name: str, default: str | None = None) -> str:
    v = sec.get(key, default)
    if not isinstance(v, str):
        raise ConfigError(f"{f}: [{name}] {key}: expected a quoted text value")
    return v


def _opt_int(sec: dict[str, Any], key: str, f: Path, name: str) -> int | None:
    v = sec.get(key)
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ConfigError(f"{f}: [{name}] {key}: expected a whole number of minor units ≥ 1")
    return v
