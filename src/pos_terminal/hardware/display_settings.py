"""The ``[window]``, ``[customer_display]`` and ``[pole_display]`` sections of a register's
``config.toml``: the cashier's window, the customer's window and the pole display.

All are optional: with none, the cashier's window is maximised on the primary screen and there
is no customer window and no pole display. Every bad value raises ``ConfigError`` naming the
file, the key and what is expected; unknown keys are refused so a typo does not fall back to a
default silently. See docs/customer-display.md and docs/cashier-guide.md (screen sizes).

    [window]
    mode = "maximized"      # maximized (default): the whole primary screen, in the desktop's
                            #   frame | fullscreen: no frame | kiosk: full screen, no frame, on
                            #   top, and the cashier cannot close it (a manager quits it from
                            #   the back office) | windowed: a window of ``size`` (development)
    size = "1024x768"       # windowed: the window's size
    scale = 1.0             # text and buttons follow the window's size; 1.2 = 20 % larger

    [customer_display]
    enabled = true          # a second window for the customer
    screen = 2              # which screen: its number (1 = first) or its name ("HDMI-2")
    welcome = "Welcome to the Corner Shop"   # default: the store name
    idle_seconds = 30       # "Thank you" stays up this long after a sale

    [pole_display]
    port = "/dev/ttyUSB0"   # a device path or any pyserial URL (socket://, rfc2217://...)
    baud = 9600
    columns = 20
    codepage = "CP437"      # CP437, CP850, CP852, CP858 (€), CP860, CP863, CP865, CP866, CP1252
    commands = "escpos"     # escpos (US $ cursor moves) | cd5220 (ESC Q A / ESC Q B lines)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pos_terminal.config import Paths, Section, attributed, check_keys, load_raw
from pos_terminal.domain.customer_display import CODEPAGES
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.scanner_settings import _Reader, _table

COMMAND_SETS = ("escpos", "cd5220")
WINDOW_MODES = ("maximized", "fullscreen", "kiosk", "windowed")
_SIZE = re.compile(r"^\s*(\d{3,5})\s*[x×]\s*(\d{3,5})\s*$")


@dataclass(frozen=True)
class WindowSettings:
    """How the cashier's window takes the screen."""

    mode: str = "maximized"
    size: tuple[int, int] = (1024, 768)  # windowed mode only
    scale: float = 1.0  # text and touch targets, on top of following the window's size

    @property
    def kiosk(self) -> bool:
        return self.mode == "kiosk"


@dataclass(frozen=True)
class CustomerDisplaySettings:
    enabled: bool = False
    screen: int | str = 2  # 1-based number in the screen list, or a screen's name
    welcome: str = ""  # "": the store name
    idle_seconds: int = 30


@dataclass(frozen=True)
class PoleSettings:
    port: str | None = None  # None: no pole display
    baud: int = 9600
    columns: int = 20
    codepage: str = "CP437"
    commands: str = "escpos"
    reconnect_seconds: float = 3.0
    write_timeout: float = 1.0  # a display that stops reading never holds the worker longer


@dataclass(frozen=True)
class DisplaySettings:
    customer: CustomerDisplaySettings = field(default_factory=CustomerDisplaySettings)
    pole: PoleSettings = field(default_factory=PoleSettings)
    window: WindowSettings = field(default_factory=WindowSettings)  # the cashier's own

    @property
    def wanted(self) -> bool:
        """A customer window or a pole display is configured."""
        return self.customer.enabled or self.pole.port is not None


CONFIG_SECTIONS = (
    Section("customer_display", tuple(f.name for f in fields(CustomerDisplaySettings))),
    Section("pole_display", tuple(f.name for f in fields(PoleSettings))),
    Section("window", tuple(f.name for f in fields(WindowSettings))),
)


def load_display_settings(paths: Paths) -> DisplaySettings:
    raw = load_raw(paths)
    with attributed(raw):  # a bad value set by the site file or environment names that layer
        return display_settings_from(raw, paths.config)


def display_settings_from(data: dict[str, Any],
                          source: Path | str = "config.toml") -> DisplaySettings:
    cd = _table(data, "customer_display", source)
    pd = _table(data, "pole_display", source)
    wd = _table(data, "window", source)
    check_keys(data, "customer_display", source)
    check_keys(data, "pole_display", source)
    check_keys(data, "window", source)
    return DisplaySettings(_customer(cd, source), _pole(pd, source), _window(wd, source))


def _window(sec: dict[str, Any], source: Path | str) -> WindowSettings:
    r = _Reader(sec, source, "window")
    d = WindowSettings()
    mode = r.choice("mode", WINDOW_MODES, d.mode)
    size = sec.get("size", f"{d.size[0]}x{d.size[1]}")
    m = _SIZE.match(size) if isinstance(size, str) else None
    if m is None or not (320 <= int(m.group(1)) <= 16384 and 240 <= int(m.group(2)) <= 16384):
        raise ConfigError(f"{source}: [window] size: expected the window's width and height in "
                          f"pixels such as \"1024x768\", got {size!r}")
    scale = r.number("scale", d.scale, 0.5, 3.0)
    return WindowSettings(mode=mode, size=(int(m.group(1)), int(m.group(2))),
                          scale=float(scale))


def _customer(sec: dict[str, Any], source: Path | str) -> CustomerDisplaySettings:
    where = f"{source}: [customer_display]"
    d = CustomerDisplaySettings()
    enabled = sec.get("enabled", d.enabled)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where} enabled: expected true or false, got {enabled!r}")
    screen = sec.get("screen", d.screen)
    if isinstance(screen, str) and screen.strip().isdigit():
        screen = int(screen)  # from an environment variable
    if isinstance(screen, bool) or not (
            (isinstance(screen, int) and 1 <= screen <= 16)
            or (isinstance(screen, str) and screen.strip())):
        raise ConfigError(f"{where} screen: expected the screen's number (1 = the first, 2 = "
                          f"the second) or its name such as \"HDMI-2\", got {screen!r}")
    welcome = sec.get("welcome", d.welcome)
    if not isinstance(welcome, str):
        raise ConfigError(f"{where} welcome: expected a quoted text, got {welcome!r}")
    r = _Reader(sec, source, "customer_display")
    return CustomerDisplaySettings(
        enabled=enabled, screen=screen.strip() if isinstance(screen, str) else screen,
        welcome=welcome.strip(), idle_seconds=int(r.number("idle_seconds", d.idle_seconds, 1, 3600,
                                                   whole=True)),
    )


def _pole(sec: dict[str, Any], source: Path | str) -> PoleSettings:
    r = _Reader(sec, source, "pole_display")
    d = PoleSettings()
    port = r.text("port", None)
    if port is not None and port.lower() == "none":
        port = None
    codepage = r.choice("codepage", tuple(CODEPAGES), d.codepage)
    return PoleSettings(
        port=port,
        baud=int(r.number("baud", d.baud, 50, 4_000_000, whole=True)),
        columns=int(r.number("columns", d.columns, 8, 40, whole=True)),
        codepage=codepage,
        commands=r.choice("commands", COMMAND_SETS, d.commands),
        reconnect_seconds=r.number("reconnect_seconds", d.reconnect_seconds, 0.05, 3600),
        write_timeout=r.number("write_timeout", d.write_timeout, 0.05, 10),
    )
