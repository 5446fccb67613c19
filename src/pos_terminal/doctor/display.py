"""``pos-terminal doctor display``: write a test message to the pole display.

Opens the pole display (``--port`` or ``[pole_display] port``), resets it and writes two lines:
by default the register's name and a code-page sample with accents, so an installer sees at once
whether the baud rate, the command set and the code page are right. Exits 0 once the text is
sent; an unusable port exits non-zero with one line saying what to check. Works without a
register when ``--port`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import replace
from typing import Any

from pos_terminal.config import Paths
from pos_terminal.errors import ConfigError, InputError

SAMPLE = "ÄÖÜ éèñ ß 0123456789"


def add_parsers(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "display", help="write a test message to the pole display",
        description="Reset the pole display and write two test lines (the register and a "
                    "code-page sample). Exits 0 once the text is sent.",
    )
    p.add_argument("--port", metavar="URL",
                   help="device path or pyserial URL, e.g. /dev/ttyUSB0, socket://HOST:PORT "
                        "(default: [pole_display] port in config.toml)")
    p.add_argument("--baud", type=int, metavar="N", help="baud rate (default: config or 9600)")
    p.add_argument("--columns", type=int, metavar="N", help="characters per line (default 20)")
    p.add_argument("--codepage", help="CP437, CP850, CP852, CP858, CP860, CP863, CP865, CP866 "
                                      "or CP1252 (default: config or CP437)")
    p.add_argument("--commands", choices=("escpos", "cd5220"),
                   help="command set (default: config or escpos)")
    p.add_argument("--text", action="append", metavar="LINE",
                   help="a line to show instead of the test text (give it twice for two lines)")
    p.set_defaults(func=cmd_display)


def _settings(args: argparse.Namespace) -> Any:
    from pos_terminal.hardware.display_settings import PoleSettings, load_display_settings

    paths = Paths(args.data_dir)
    settings = load_display_settings(paths).pole if paths.config.exists() else PoleSettings()
    if args.port:
        settings = replace(settings, port=args.port)
    elif not settings.port:
        raise ConfigError("no pole display port: pass --port URL (see 'pos-terminal doctor "
                          "ports') or set [pole_display] port in config.toml")
    if args.baud is not None:
        if not 50 <= args.baud <= 4_000_000:
            raise InputError("--baud must be 50 to 4000000")
        settings = replace(settings, baud=args.baud)
    if args.columns is not None:
        if not 8 <= args.columns <= 40:
            raise InputError("--columns must be 8 to 40")
        settings = replace(settings, columns=args.columns)
    if args.codepage:
        from pos_terminal.domain.customer_display import CODEPAGES

        page = args.codepage.upper()
        if page not in CODEPAGES:
            raise InputError(f"--codepage must be one of {', '.join(CODEPAGES)}")
        settings = replace(settings, codepage=page)
    if args.commands:
        settings = replace(settings, commands=args.commands)
    return settings


def test_lines(args: argparse.Namespace, columns: int, codepage: str) -> tuple[str, str]:
    from pos_terminal.domain.customer_display import centre, for_codepage

    if args.text:
        if len(args.text) > 2:
            raise InputError("--text: a pole display has two lines; give it at most twice")
        given = [*args.text, ""][:2]
        return centre(for_codepage(given[0], codepage), columns), \
            centre(for_codepage(given[1], codepage), columns)
    title = "pos-terminal test"
    paths = Paths(args.data_dir)
    if paths.config.exists():
        from pos_terminal import config

        with contextlib.suppress(ConfigError):  # without store settings: the generic title
            title = f"{config.load(paths).terminal} display test"
    return centre(for_codepage(title, codepage), columns), \
        centre(for_codepage(SAMPLE, codepage), columns)


def cmd_display(args: argparse.Namespace) -> int:
    from pos_terminal.hardware.pole_display import PolePort

    settings = _settings(args)
    lines = test_lines(args, settings.columns, settings.codepage)
    print(f"display  {settings.port} ({settings.baud} baud, {settings.commands} commands, "
          f"{settings.columns} columns, code page {settings.codepage})", flush=True)
    with PolePort(settings) as port:
        port.show(lines)
    for line in lines:
        print(f"shown    |{line}|")
    print("check    the display shows these two lines; wrong letters: set [pole_display] "
          "codepage; garbage: check baud and commands")
    return 0
