"""The ``pos-central`` command: run the central service and manage it.

Every command takes ``--db URL`` (``postgresql://USER@HOST/DB`` or ``sqlite:///PATH``; default
``$POS_CENTRAL_DB``, else ``central.db`` in the user data folder), migrates the database when it
is behind, exits 0 on success and non-zero with one line on stderr on bad input, having written
nothing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from pos_central.errors import BadInput, CentralError

EXIT_ERROR = 1
Handler = Callable[[argparse.Namespace], int]


def _engine(args: argparse.Namespace) -> Engine:
    from pos_central.db.engine import default_db_url
    from pos_central.db.migrate import open_database

    return open_database(getattr(args, "db", None) or default_db_url())


# -- commands ---------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pos_central.api import create_app
    from pos_central.db.engine import describe

    if not 0 < args.port < 65536:
        raise BadInput(f"--port {args.port} is not a TCP port (1-65535)", "port")
    engine = _engine(args)
    print(f"pos-central: serving {describe(engine.url)} on http://{args.host}:{args.port}",
          file=sys.stderr, flush=True)
    try:
        uvicorn.run(create_app(engine), host=args.host, port=args.port,
                    log_level=args.log_level, access_log=args.log_level == "debug")
    finally:
        engine.dispose()
    return 0


def cmd_create_store(args: argparse.Namespace) -> int:
    from pos_central.services import accounts

    engine = _engine(args)
    try:
        got = accounts.create_store(engine, args.store, args.name, args.currency)
    finally:
        engine.dispose()
    print(f"store {got['store']} ({got['name']}, {got['currency']}) created")
    return 0


def cmd_enroll_code(args: argparse.Namespace) -> int:
    from pos_central.clock import iso
    from pos_central.services import accounts

    if not 0 < args.ttl_hours <= 720:
        raise BadInput("--ttl-hours must be between 1 and 720", "ttl_hours")
    engine = _engine(args)
    try:
        got = accounts.make_enrollment_code(engine, args.store, args.register,
                                            timedelta(hours=args.ttl_hours))
    finally:
        engine.dispose()
    print(f"one-time enrollment code for register {got.store}/{got.register}, valid until "
          f"{iso(got.expires_at)}:")
    print(got.code)
    return 0


def cmd_import_catalog(args: argparse.Namespace) -> int:
    from pos_central.services import catalog

    path = Path(args.file)
    try:
        data = path.read_bytes()  # the catalog reader finds the encoding (as the register's)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}", "file") from exc
    engine = _engine(args)
    try:
        got = catalog.import_csv(engine, data, args.currency)
    finally:
        engine.dispose()
    print(f"imported {got.created + got.updated + got.unchanged} products ({got.created} new, "
          f"{got.updated} changed, {got.unchanged} unchanged); catalog version {got.version}")
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    from pos_central.services import stock

    engine = _engine(args)
    try:
        got = stock.stock(engine, args.code)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(got.to_json(), ensure_ascii=False, indent=1))
        return 0
    title = got.name or "not in the catalog (flagged for review)"
    print(f"{got.sku}  {title}")
    for store, qty in got.on_hand.items():
        print(f"  {store:<16} {qty:>10}")
    print(f"  {'total':<16} {sum(got.on_hand.values()):>10}")
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    from pos_central.services import accounts

    engine = _engine(args)
    try:
        token = accounts.create_admin_token(engine, args.label)
    finally:
        engine.dispose()
    print("admin token (shown once; send it as Authorization: Bearer <token>):")
    print(token)
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from pos_central.dashboard.auth import create_user

    password = _password(args.password_stdin)
    engine = _engine(args)
    try:
        create_user(engine, args.user, password, args.role)
    finally:
        engine.dispose()
    print(f"{args.role} {args.user} created" + (" (read-only)" if args.role == "owner" else ""))
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise BadInput("no terminal to ask for the password; use --password-stdin", "password")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise BadInput("the two passwords differ", "password")
    return first


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from pos_central import __doc__ as about

    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                    help="postgresql://USER@HOST/DB or sqlite:///PATH (default: "
                         "$POS_CENTRAL_DB, else central.db in the user data folder)")
    p = argparse.ArgumentParser(prog="pos-central", description=about, parents=[db])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_, parents=[db])
        sp.set_defaults(func=func)
        return sp

    sp = add("serve", cmd_serve, "create or migrate the database and serve the API")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                    "127.0.0.1; 0.0.0.0 for every interface)")
    sp.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    sp.add_argument("--log-level", default="info",
                    choices=("critical", "error", "warning", "info", "debug"))

    sp = add("create-store", cmd_create_store, "add a store")
    sp.add_argument("store", metavar="STORE", help="store code, e.g. S1")
    sp.add_argument("--name", required=True, help="the store's name")
    sp.add_argument("--currency", default="EUR", help="ISO currency code (default EUR)")

    sp = add("enroll-code", cmd_enroll_code,
             "make a one-time code that enrolls a register (printed alone on the last line)")
    sp.add_argument("store", metavar="STORE")
    sp.add_argument("register", metavar="REGISTER", help="register code, e.g. R1 (made if new)")
    sp.add_argument("--ttl-hours", type=int, default=24, help="valid for (default 24 hours)")

    sp = add("import-catalog", cmd_import_catalog,
             "import a catalog CSV (the register's format): every row or none")
    sp.add_argument("file", metavar="FILE.csv")
    sp.add_argument("--currency", help="currency of the file's prices (default: the stores')")

    sp = add("stock", cmd_stock, "on-hand of a product (SKU or barcode) in every store")
    sp.add_argument("code", metavar="CODE")
    sp.add_argument("--json", action="store_true", help="JSON with on_hand per store")

    sp = add("admin-token", cmd_admin_token, "create an admin API token (printed once)")
    sp.add_argument("--label", default="", help="what the token is for")

    sp = add("create-admin", cmd_create_admin, "create a dashboard account")
    sp.add_argument("user", metavar="USER")
    sp.add_argument("--role", choices=("admin", "owner"), default="admin",
                    help="admin (may change things; default) or owner (sees all, read-only)")
    sp.add_argument("--password-stdin", action="store_true",
                    help="read the password from the first line of stdin (else prompt)")

    from pos_central import cli_po

    cli_po.add_parser(sub, db)  # purchase orders
    from pos_central import cli_transfers

    cli_transfers.add_parser(sub, db)  # transfers between stores (admin view)
    from pos_central import cli_counts

    cli_counts.add_parser(sub, db)  # overlapping stock counts to review
    from pos_central import cli_promotions

    cli_promotions.add_parser(sub, db)  # promotions and deposits (docs/promotions.md)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CentralError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
