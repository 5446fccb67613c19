"""``pos-terminal doctor terminal``: can the register reach and use its card terminal?

Checks, in order, each on its own line: the configured terminal and where it is; reachability
(a TCP connection, or the serial port opening); registration (ZVT 06 00 with the configured
password, then a status enquiry; nexo: a Diagnosis request, through TLS and the encrypted
trailer as configured). Only with ``--test-payment`` it charges a test amount (0.01 by default)
and voids it again at once, so no money moves. Works without a register when ``--terminal`` and
``--port`` are given (an installer before ``init``).
"""

from __future__ import annotations

import argparse
import socket
import time
from dataclasses import replace
from typing import Any

from pos_terminal.config import Paths
from pos_terminal.errors import ConfigError, InputError


def add_parsers(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "terminal", help="reach and register the card terminal; a test payment on request",
        description="Check the card terminal of [payment]: reachability, registration (ZVT) "
                    "or diagnosis (nexo); with --test-payment a 0.01 authorisation that is "
                    "voided at once. Exits non-zero with what to check when a step fails.")
    p.add_argument("--terminal", choices=["zvt", "nexo"],
                   help="protocol (default: [payment] terminal in config.toml)")
    p.add_argument("--port", metavar="ADDRESS",
                   help="tcp://HOST[:20007] | serial:///dev/ttyUSB0?baudrate=9600 | "
                        "https://HOST:8443/nexo (default: [payment] port)")
    p.add_argument("--password", help="the ZVT password (default: [payment] password)")
    p.add_argument("--test-payment", action="store_true",
                   help="charge a test amount and void it at once (a card is needed)")
    p.add_argument("--amount", default="0.01", help="the test amount (default 0.01)")
    p.set_defaults(func=cmd_terminal)


def _settings(args: argparse.Namespace) -> Any:
    from pos_terminal.hardware.terminal_settings import (
        TerminalSettings,
        load_terminal_settings,
        parse_port,
    )

    paths = Paths(args.data_dir)
    settings = load_terminal_settings(paths) if paths.config.exists() else TerminalSettings()
    kind = args.terminal or settings.kind
    if kind == "none":
        raise ConfigError(f"{paths.config}: [payment] terminal is not set: set terminal and "
                          "port (docs/payments.md), or try one with --terminal and --port")
    if args.port:
        settings = replace(settings, kind=kind, address=parse_port(args.port, kind, "--port"))
    elif settings.kind != kind or not settings.enabled:
        raise ConfigError("--terminal needs --port when [payment] does not set that terminal")
    if args.password is not None:
        if len(args.password) != 6 or not args.password.isdigit():
            raise InputError("--password: the ZVT password is 6 digits")
        settings = replace(settings, password=args.password)
    if kind == "nexo" and not settings.poi_id:
        raise ConfigError("[payment] poi_id: the nexo terminal's POIID is needed")
    return settings


def _reach(settings: Any) -> str:
    from pos_terminal.hardware.errors import TerminalUnreachableError

    a = settings.address
    if a.kind == "serial":
        return f"serial port {a.device} ({a.baudrate} baud, 8N{a.stopbits})"
    started = time.monotonic()
    try:
        with socket.create_connection((a.host, a.port), timeout=settings.connect_timeout):
            pass
    except OSError as exc:
        raise TerminalUnreachableError(
            f"{a.host}:{a.port} cannot be reached ({exc.strerror or exc}): check the terminal "
            "is on, its network cable and IP address, and [payment] port") from exc
    return f"{a.host}:{a.port} answers ({(time.monotonic() - started) * 1000:.0f} ms)"


def cmd_terminal(args: argparse.Namespace) -> int:
    from pos_protocol.money import EXPONENTS, parse_amount
    from pos_terminal.hardware.terminal import PaymentRequest, open_terminal

    settings = _settings(args)
    print(f"terminal {settings.describe()}", flush=True)
    print(f"reach    {_reach(settings)}", flush=True)
    term = open_terminal(settings)
    try:
        info = term.register()
        what = "registration" if settings.kind == "zvt" else "diagnosis"
        tid = f"terminal id {info.terminal_id}" if info.terminal_id else "no terminal id"
        print(f"{what:<8} ok: {tid}" + (f", {info.detail}" if info.detail else ""), flush=True)
        if not args.test_payment:
            print("payment  not tried (add --test-payment to charge a test amount and void it)")
            return 0
        exponent = EXPONENTS.get(settings.currency, 2)
        amount = parse_amount(args.amount, exponent)
        if amount <= 0:
            raise InputError("--amount must be more than zero")
        ref = f"doctor-{int(time.time())}"
        req = PaymentRequest(amount, settings.currency, ref, exponent)
        r = term.pay(req, lambda text: print(f"status   {text}", flush=True))
        print(f"payment  {r.message}" + (f" ({r.card.reference})" if r.approved else ""),
              flush=True)
        if r.approved:
            back = term.reverse(PaymentRequest(r.amount, settings.currency, ref + "-void",
                                               exponent), r.transaction_ref)
            print(f"void     {back.message}")
            if not back.approved:
                print("note     void the test payment on the terminal by hand")
        return 0
    finally:
        term.close()
