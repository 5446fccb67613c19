"""``doctor ports`` and ``doctor scanner``: what an installer runs to get a scanner going.

``doctor scanner`` prints every frame, garbage included, as one JSON line on stdout (keys
``raw``, ``symbology``, ``code``, ``gtin``, ``lot``, ``expiry``, ``weight_g``, ``price_minor``,
``count``, ``plu``, ``addon``, ``error``, ``product``); progress and problems go to stderr, so
``doctor scanner --count 3 | jq`` works. It exits 0 after ``--count`` frames or on Ctrl-C, and
non-zero with one line when the port cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from typing import Any

from pos_terminal.config import Paths
from pos_terminal.domain.scan import ScanFrame
from pos_terminal.errors import InputError, PosError

EXIT_TIMEOUT = 1


def add_parsers(sub: Any) -> None:
    """Add the ``ports`` and ``scanner`` checks to the doctor sub-parsers."""
    p = sub.add_parser(
        "ports", help="list serial ports (USB serial scanners, printers) with vid:pid",
        description="list the serial ports of this machine with USB vendor/product ids",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_ports)

    p = sub.add_parser(
        "scanner", help="read a serial scanner and print each frame as a JSON line",
        description="open the scanner (port from --port or [scanner] port in config.toml) and "
                    "print each frame as one JSON line until Ctrl-C or --count frames",
    )
    p.add_argument("--port", metavar="URL",
                   help="device path or pyserial URL, e.g. /dev/ttyACM0, socket://HOST:PORT")
    p.add_argument("--baud", type=int, metavar="N", help="baud rate (default: config or 9600)")
    p.add_argument("--count", type=int, metavar="N", help="stop after N frames")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop after S seconds (exit 1 if --count frames did not all arrive)")
    p.set_defaults(func=cmd_scanner)


def cmd_ports(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    rows = [_port_row(p) for p in sorted(list_ports.comports(), key=lambda p: p.device)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no serial ports found. A USB scanner in keyboard mode is not a serial port: it "
              "types into the window ([scanner] kind = \"wedge\"); a network scanner is "
              "socket://HOST:PORT. Switch a USB scanner to USB-COM/CDC mode to see it here.")
        return 0
    for r in rows:
        ids = f"{r['vid']}:{r['pid']}" if r["vid"] else "-"
        desc = r["product"] or r["description"] or "-"
        maker = f" ({r['manufacturer']})" if r["manufacturer"] else ""
        print(f"{r['device']:<22} {ids:<10} {desc}{maker}")
    return 0


def _port_row(p: Any) -> dict[str, Any]:
    return {
        "device": p.device,
        "vid": f"{p.vid:04x}" if p.vid is not None else None,
        "pid": f"{p.pid:04x}" if p.pid is not None else None,
        "description": p.description if p.description not in (None, "n/a") else None,
        "manufacturer": p.manufacturer,
        "product": p.product,
        "serial_number": p.serial_number,
        "location": p.location,
        "hwid": p.hwid if p.hwid not in (None, "n/a") else None,
    }


def cmd_scanner(args: argparse.Namespace) -> int:
    from pos_terminal.hardware.errors import PortError
    from pos_terminal.hardware.scanner_settings import ScannerSettings, load_scanner_settings
    from pos_terminal.hardware.serial_scanner import ScannerPort

    for name in ("baud", "count", "timeout"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise InputError(f"--{name} must be positive")
    paths = Paths(args.data_dir)
    settings = load_scanner_settings(paths) if paths.config.exists() else ScannerSettings()
    port = args.port or settings.port
    if not port:
        hint = (" This register's scanner is a keyboard-wedge one ([scanner] kind = \"wedge\"): "
                "test it by scanning into any text field."
                if paths.config.exists() and settings.kind == "wedge" else "")
        raise PortError("no scanner port: pass --port URL (see 'pos-terminal doctor ports') or "
                        "set [scanner] port in config.toml." + hint)
    settings = replace(settings, kind="serial", port=port,
                       baudrate=args.baud or settings.baudrate)
    lookup = _Lookup(paths)
    reader = ScannerPort(settings)
    deadline = time.monotonic() + args.timeout if args.timeout else None
    count = 0
    try:
        reader.open()
        _say(f"scanner ready: listening on {port} ({settings.baudrate} baud, suffix "
             f"{settings.suffix}, AIM {settings.aim}); scan a code, Ctrl-C to stop")
        while deadline is None or time.monotonic() < deadline:
            if not reader.is_open and not _reopen(reader, settings.reconnect_seconds, deadline):
                continue
            try:
                frames = reader.read_frames()
            except PortError as exc:
                _say(f"{exc.message}; waiting for it to come back")
                continue
            for frame in frames:
                print(json.dumps(lookup.line(frame), ensure_ascii=False), flush=True)
                count += 1
                if args.count and count >= args.count:
                    return 0
    except KeyboardInterrupt:
        return 0
    finally:
        reader.close()
        lookup.close()
    if args.count:
        _say(f"timeout: {count} of {args.count} frames arrived in {args.timeout:g} s")
        return EXIT_TIMEOUT
    return 0


def _reopen(reader: Any, wait_s: float, deadline: float | None) -> bool:
    from pos_terminal.hardware.errors import PortError

    time.sleep(wait_s if deadline is None else max(0.0, min(wait_s, deadline - time.monotonic())))
    try:
        reader.open()
    except PortError:
        return False
    _say("scanner ready: reconnected")
    return True


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Lookup:
    """Product look-up in the register at --data-dir, when there is one (optional)."""

    def __init__(self, paths: Paths) -> None:
        self.app: Any = None
        if not (paths.config.exists() and paths.database.exists()):
            return
        from pos_terminal.bootstrap import open_register

        try:
            self.app = open_register(paths.root)
        except PosError as exc:
            _say(f"product look-up off: {exc}")

    def line(self, frame: ScanFrame) -> dict[str, Any]:
        out = frame.as_dict()
        out["product"] = None
        if self.app is None or frame.code is None:
            return out
        from pos_terminal.services.catalog import resolve_scan

        try:
            with self.app.ctx.read() as conn:
                hit = resolve_scan(conn, frame.code)
        except PosError as exc:
            out["lookup"] = exc.message
            return out
        item = hit.catalog_item
        out["product"] = {"sku": item.sku, "name": item.name, "variant": item.variant}
        return out

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
