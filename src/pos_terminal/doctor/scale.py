"""``doctor scale``: read the scale the way the register does and print every reading.

Each reading is one JSON line on stdout: ``state`` (stable, motion, zero, under zero, overload,
no answer, error), ``grams``, ``text`` (what the cashier would read), ``usable`` (a weight a
sale may take), ``raw`` (the frame as received) and ``detail`` (what is wrong, for the
installer). Progress goes to stderr, so ``doctor scale --count 5 | jq`` works. It exits 0
after ``--count`` readings or on Ctrl-C, 1 when ``--timeout`` ends first, and non-zero with one
line when the port cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from typing import Any

from pos_terminal.config import Paths
from pos_terminal.errors import InputError

EXIT_TIMEOUT = 1


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "scale", help="read the serial scale and print each reading as a JSON line",
        description="ask the scale for its weight (port and protocol from --port/--protocol or "
                    "[scale] in config.toml) and print each reading as one JSON line until "
                    "Ctrl-C or --count readings; put goods on it, lift them, overload it",
    )
    p.add_argument("--port", metavar="URL",
                   help="device path or pyserial URL, e.g. /dev/ttyUSB0, socket://HOST:PORT")
    p.add_argument("--protocol", choices=("toledo", "cas"),
                   help="toledo (Mettler Toledo 8217) or cas (CAS 22-byte); default: config")
    p.add_argument("--mode", choices=("demand", "continuous"),
                   help="demand: ask for each weight; continuous: the scale streams (cas)")
    p.add_argument("--baud", type=int, metavar="N", help="baud rate (default: config or 9600)")
    p.add_argument("--count", type=int, metavar="N", help="stop after N readings")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop after S seconds (exit 1 if --count readings did not all come)")
    p.set_defaults(func=cmd_scale)


def cmd_scale(args: argparse.Namespace) -> int:
    from pos_terminal.domain.measure import DOT, format_measure
    from pos_terminal.errors import ConfigError
    from pos_terminal.hardware.errors import PortError
    from pos_terminal.hardware.scale import ScalePort
    from pos_terminal.hardware.scale_settings import ScaleSettings, load_scale_settings

    for name in ("baud", "count", "timeout"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise InputError(f"--{name} must be positive")
    paths = Paths(args.data_dir)
    settings = load_scale_settings(paths) if paths.config.exists() else ScaleSettings()
    measure = DOT
    if paths.config.exists():
        from pos_terminal import config

        try:
            measure = config.load(paths).measure
        except ConfigError as exc:
            _say(f"weights shown with '.': {exc}")
    port = args.port or settings.port
    if not port:
        raise PortError("no scale port: pass --port URL (see 'pos-terminal doctor ports') or "
                        "set [scale] port in config.toml")
    protocol = args.protocol or (settings.protocol if settings.protocol != "none" else "toledo")
    mode = args.mode or settings.mode
    if protocol == "toledo" and mode == "continuous":
        raise InputError("the Toledo 8217 protocol answers weight requests only: use "
                         "--mode demand (or the scale's CAS output with --protocol cas)")
    settings = replace(settings, protocol=protocol, port=port, mode=mode,
                       baudrate=args.baud or settings.baudrate)
    reader = ScalePort(settings)
    deadline = time.monotonic() + args.timeout if args.timeout else None
    count = 0
    try:
        reader.open()
        size, parity = settings.framing
        _say(f"scale on {port}: {protocol} protocol, {mode}, {settings.baudrate} baud "
             f"{size}{parity}{settings.stopbits:g}; Ctrl-C to stop")
        while deadline is None or time.monotonic() < deadline:
            if not reader.is_open:
                time.sleep(settings.reconnect_seconds)
                try:
                    reader.open()
                except PortError:
                    continue
                _say("scale port back")
            try:
                r = reader.read()
            except PortError as exc:
                _say(f"{exc.message}; waiting for it to come back")
                continue
            line = r.as_dict()
            line["usable"] = r.usable
            line["text"] = r.message(lambda g: format_measure(g, "g", measure))
            print(json.dumps(line, ensure_ascii=False), flush=True)
            count += 1
            if args.count and count >= args.count:
                return 0
            if reader.demand:
                time.sleep(settings.poll_ms / 1000)
    except KeyboardInterrupt:
        return 0
    finally:
        reader.close()
    if args.count:
        _say(f"timeout: {count} of {args.count} readings in {args.timeout:g} s")
        return EXIT_TIMEOUT
    return 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
