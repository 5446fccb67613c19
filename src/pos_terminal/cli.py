"""The ``pos-terminal`` command: the installer's, support's and tests' way into the register.

Every command exits 0 on success and non-zero with one clear line on stderr on bad input,
having written nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pos_terminal import (
    __version__,
    cli_config,
    cli_payments,
    cli_printing,
    cli_reports,
    cli_staff,
    config,
)
from pos_terminal.domain.age import AgeCheckRequired
from pos_terminal.errors import InputError, PosError, QuantityError, RuleError

EXIT_ERROR = 1
_CODE_QTY = re.compile(r"^(.+?)[xX*](-?\d+)$")
# CODExQTY where QTY may be a weight or volume: x2, x1000, x1.235kg, x1235g, x0,5l
_CODE_AMOUNT = re.compile(r"^(.+?)[xX*]([+-]?(?:\d[\d.,]*|[.,]\d+)\s*[a-zA-Z]*)$")
_WHOLE = re.compile(r"^[+-]?\d+$")

Handler = Callable[[argparse.Namespace], int]


def parse_code_qty(text: str) -> tuple[str, int]:
    """``CODE`` or ``CODExQTY`` (also ``CODE*QTY``) into (code, count)."""
    m = _CODE_QTY.match(text.strip())
    if not m:
        amount = _CODE_AMOUNT.match(text.strip())
        if amount and re.search(r"[.,]|(kg|g|l|ml)$", amount.group(2).lower()):
            # a weight with a unit or decimals, where whole base units are taken
            raise QuantityError(
                f"{text}: give a whole number here — pieces, or grams / ml for goods sold by "
                f"weight or volume (e.g. {amount.group(1)}x1500 for 1.5 kg)")
        return text.strip(), 1
    qty = int(m.group(2))
    if qty <= 0:
        raise QuantityError(f"{text}: quantity must be positive")
    return m.group(1), qty


def split_code_qty(text: str) -> tuple[str, str | None]:
    """``CODE`` or ``CODExQTY`` into (code, the quantity as typed, or None)."""
    m = _CODE_AMOUNT.match(text.strip())
    return (m.group(1), m.group(2).strip()) if m else (text.strip(), None)


def item_quantity(item: Any, code: str, qty: str | None, measure: Any, command: str,
                  allow_zero: bool = False) -> int:
    """What ``CODE[xQTY]`` means for ``item``: a count of pieces (or packs), or base units of
    goods sold by weight or volume (a number alone is grams / ml: ``x1000``; ``x1.235kg`` and
    ``x1235g`` name the unit). A weighed item needs its weight: there is no sensible default.
    ``command`` is how the refusal's example starts ("sell", "receive"…)."""
    from pos_terminal.domain.measure import Default, example, measure_of, parse_measure

    label = f"{item.name} {item.variant}".strip()
    m = measure_of(item.unit)
    if m is None:
        if qty is None:
            return 1
        if not _WHOLE.match(qty):
            raise QuantityError(f"{label}: sold by the piece, not by weight; give a whole "
                                f"number of pieces, e.g. {command} {code}x2")
        n = int(qty)
        if n < 0 or (n == 0 and not allow_zero):
            raise QuantityError(f"{code}x{qty}: quantity must be positive")
        return n
    if qty is None:
        shown = example(item.unit, measure)
        raise QuantityError(f"{label}: sold by {m.kind}, give the {m.kind} like {shown}, e.g. "
                            f"{command} {code}x{shown}")
    zero = re.fullmatch(r"\+?[0.,]*0[0.,]*\s*([a-zA-Z]*)", qty)
    if allow_zero and zero:  # "none left": 0, 0kg, 0,000 — the unit still has to fit
        parse_measure(f"1{zero.group(1)}", item.unit, measure, Default.BASE)
        return 0
    return parse_measure(qty, item.unit, measure, Default.BASE)


def parse_tender(text: str, currency: Any) -> Any:
    """``cash``, ``cash:AMOUNT``, ``card:REF[:AMOUNT]``, ``other:NAME[:AMOUNT]``."""
    from pos_terminal.domain.tenders import Tender, TenderKind

    kind, _, rest = text.partition(":")
    try:
        k = TenderKind(kind.lower())
    except ValueError as exc:
        raise InputError(
            f"--pay {text}: use cash[:AMOUNT], card:REF[:AMOUNT], terminal[:AMOUNT] or "
            "other:NAME"
        ) from exc
    if k is TenderKind.CASH:
        return Tender(k, currency.parse(rest) if rest else None)
    ref, _, amount = rest.partition(":")
    return Tender(k, currency.parse(amount) if amount else None, ref)


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(text)


def _app(args: argparse.Namespace) -> Any:
    from pos_terminal.bootstrap import open_register

    return open_register(args.data_dir)


# -- commands ---------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import init_register

    settings, inherited = config.initial_settings(
        config.Paths(args.data_dir), args.store, args.register, args.currency, args.tax_mode,
        args.tax_rounding, args.name)
    with init_register(args.data_dir, settings, inherited) as app:
        print(f"register {app.settings.terminal} ready in {app.paths.root}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pos_terminal.bootstrap import init_register, open_register
    from pos_terminal.services import demo

    paths = config.Paths(args.data_dir)
    if paths.config.exists():
        app = open_register(args.data_dir)
    else:
        app = init_register(args.data_dir, config.new_settings(
            "DEMO", "R1", "EUR", store_name="Corner Shop (demo)"))
    with app:
        added = demo.seed(app, args.products)
        total = demo.product_count(app)
        print(f"demo store {app.settings.terminal}: {total} products "
              f"({added['products'] + added['synthetic']} added) in {app.paths.root}")
        print("sign in as cashier (PIN 1111) or manager (PIN 9999)")
        if args.no_gui:
            return 0
        if not args.customer_display:
            print("customer display: connect a second screen, or add --customer-display")
    return _gui(args, demo=True)


def _gui(args: argparse.Namespace, demo: bool = False) -> int:
    try:
        from pos_terminal.ui.app import run  # type: ignore[import-not-found]
    except ImportError:
        print("the cashier window is not part of this build yet; try "
              "'pos-terminal products' and 'pos-terminal sell CODE --pay cash'")
        return 0
    return int(run(args.data_dir, getattr(args, "customer_display", False), demo))


def cmd_gui(args: argparse.Namespace) -> int:
    paths = config.Paths(args.data_dir)
    if not paths.config.exists() and not paths.database.exists():
        first_run(paths)
    return _gui(args)


def first_run(paths: config.Paths) -> None:
    """A per-store build's first start: create the register the baked (or site) config names,
    with an empty catalog that sync fills; nothing needs the network. Without such a config
    the window says how to set the register up."""
    from pos_terminal.bootstrap import init_register

    raw = config.read_layers(paths, register=False)
    store = raw.get("store")
    if raw.refused or not (isinstance(store, dict) and store.get("id") and store.get("register")):
        return  # the window then says why it cannot start (a refused config names its line)
    settings, inherited = config.initial_settings(paths)
    with init_register(paths.root, settings, inherited) as app:
        print(f"register {app.settings.terminal} created in {app.paths.root}; its catalog "
              "arrives with sync ('pos-terminal provision')")


def cmd_import(args: argparse.Namespace) -> int:
    with _app(args) as app:
        sysuser = app.users.system_user()
        r = app.catalog.import_csv(Path(args.file), user_id=sysuser.id)
    print(f"catalog imported: {r.summary()} ({r.file}); {r.barcodes} barcodes written")
    return 0


def cmd_sell(args: argparse.Namespace) -> int:
    with _app(args) as app:
        cur = app.settings.currency
        items = [split_code_qty(c) for c in args.codes]
        card_amount, by_terminal, other_pays = cli_payments.split_terminal(args.pay, cur)
        tenders = [parse_tender(p, cur) for p in other_pays]
        # the same sale the window rings up: promotions, deposits, age checks, limits
        user = app.users.system_user()
        session = app.sale_session(user, training=args.training)
        for code, qty in items:
            hit = session.lookup(code)
            if hit.item.min_age and args.id_checked:
                session.confirm_age(hit.item.min_age)
            try:
                if hit.item.unit == "each":
                    session.add(hit, item_quantity(hit.item, code, qty, app.settings.measure,
                                                   "sell"))
                elif hit.embedded_weight_g is None and hit.embedded_price is None:
                    # weighed here: the weight comes with the code (CODEx1.235kg)
                    session.add(hit, grams=item_quantity(hit.item, code, qty,
                                                         app.settings.measure, "sell"))
                elif qty not in (None, "1"):
                    raise QuantityError(f"{code}: the scale label already gives the "
                                        "quantity; give each label once, without xQTY")
                else:
                    session.add(hit)
            except AgeCheckRequired as exc:
                raise RuleError(f"{exc}; check the customer's ID, then add --id-checked") from exc
        attempt = None
        if by_terminal:
            r, attempt = cli_payments.pay_by_terminal(app, session, card_amount, tenders,
                                                      user.id, args.training)
        else:
            r = session.complete(tenders)
    data = {
        "receipt_no": r.receipt_no, "total": cur.format(r.total), "total_minor": r.total,
        "tax": cur.format(r.totals.tax), "change": cur.format(r.change),
        "cash_rounding": r.settlement.cash_rounding, "training": r.training,
        "payments": [{"kind": str(a.kind), "amount": cur.format(a.amount),
                      "tendered": cur.format(a.tendered)} for a in r.settlement.tenders],
        "negative_stock": list(r.negative_stock),
        **({"card": cli_payments.card_json(attempt, cur)} if attempt is not None else {}),
    }
    pays = ", ".join(f"{a.kind} {cur.format(a.tendered)}" for a in r.settlement.tenders)
    text = (f"{'TRAINING ' if r.training else ''}receipt {r.receipt_no}  total "
            f"{cur.format(r.total)}  paid {pays}  change {cur.format(r.change)}")
    if attempt is not None:
        text += f"\ncard {attempt.card.reference}"
    if r.negative_stock:
        text += f"\nwarning: on-hand below zero for {', '.join(r.negative_stock)}"
    _out(args, data, text)
    return 0


def _code_quantities(app: Any, texts: list[str], command: str) -> list[tuple[str, int]]:
    """``CODE[xQTY]`` arguments as (code, pieces or base units) for the inventory services."""
    out = []
    for code, qty in (split_code_qty(t) for t in texts):
        if qty is not None and _WHOLE.match(qty) and int(qty) <= 0:
            raise QuantityError(f"{code}x{qty}: quantity must be positive")
        out.append((code, item_quantity(app.catalog.item(code), code, qty,
                                        app.settings.measure, command)))
    return out


def cmd_return(args: argparse.Namespace) -> int:
    with _app(args) as app:
        cur = app.settings.currency
        items = _code_quantities(app, args.codes, f"return {args.receipt}")
        user = app.users.system_user()
        if any(x.lower() == "terminal" for x in args.refund):
            if len(args.refund) > 1:
                raise InputError("--refund terminal goes alone: the card terminal gives back "
                                 "what the card paid, the rest in cash")
            cli_payments.recover(app)
            _attempt, r = app.payments.refund_return(
                args.receipt, items, user.id, app, restock=not args.no_restock,
                reason=args.reason or "", on_status=cli_payments.status_line)
        else:
            tenders = [parse_tender(x, cur) for x in args.refund] or None
            r = cli_staff.with_approver(
                app, args.approver, user, args.reason or "",
                lambda ok: app.returns.return_items(
                    args.receipt, items, user.id, restock=not args.no_restock, tenders=tenders,
                    reason=args.reason or "", approval=ok))
    paid = [{"kind": str(a.kind), "amount": cur.format(a.amount)} for a in r.settlement.tenders]
    data = {"return_no": r.return_no, "refund": cur.format(r.refund), "refund_minor": r.refund,
            "restocked": r.restocked, "refunded_to": paid}
    how = ", ".join(f"{p['kind']} {p['amount']}" for p in paid)
    _out(args, data, f"return {r.return_no}  refund {cur.format(r.refund)} ({how})  "
                     f"restocked {r.restocked}")
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    with _app(args) as app:
        cost = app.settings.currency.parse(args.cost) if args.cost is not None else None
        items = _code_quantities(app, args.codes, "receive")
        user = app.users.system_user()
        p = app.inventory.receive(items, user.id, cost=cost, reference=args.ref or "")
    _out(args, {"reference": p.reference, "received": p.quantities, "on_hand": p.on_hand},
         "\n".join(f"received {q} of {sku}; on hand {p.on_hand[sku]}"
                   for sku, q in p.quantities.items()))
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    text = args.quantity.strip()
    sign = -1 if text.startswith("-") else 1
    with _app(args) as app:
        item = app.catalog.item(args.code)
        qty = sign * item_quantity(item, args.code, text.lstrip("+-"), app.settings.measure,
                                   "adjust", allow_zero=True)
        user = app.users.system_user()
        p = app.inventory.adjust(args.code, qty, args.reason, user.id, args.note or "")
    (sku, q), = p.quantities.items()
    _out(args, {"sku": sku, "adjusted": q, "on_hand": p.on_hand[sku]},
         f"adjusted {sku} by {q:+d} ({args.reason}); on hand {p.on_hand[sku]}")
    return 0


def cmd_count(args: argparse.Namespace) -> int:
    if args.counted.strip().startswith("-"):
        raise QuantityError("a counted quantity cannot be negative")
    with _app(args) as app:
        item = app.catalog.item(args.code)
        counted = item_quantity(item, args.code, args.counted.strip(), app.settings.measure,
                                "count", allow_zero=True)
        user = app.users.system_user()
        p = app.inventory.count(args.code, counted, user.id)
    (sku, on_hand), = p.on_hand.items()
    variance = p.quantities.get(sku, 0)
    _out(args, {"sku": sku, "variance": variance, "on_hand": on_hand},
         f"counted {sku}: variance {variance:+d}; on hand {on_hand}")
    return 0


def cmd_products(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise InputError("--limit must be positive")
    with _app(args) as app:
        rows = app.catalog.products(args.search or "", args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        codes = ",".join(
            b["code"] + (f"*{b['multiplier']}" if "multiplier" in b else "") for b in r["barcodes"]
        )
        name = f"{r['name']} {r['variant']}".strip()
        print(f"{r['sku']:<12} {name[:40]:<40} {r['price']:>9} /{r['unit']:<4} "
              f"on hand {r['on_hand']:>7}  {codes}")
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    with _app(args) as app:
        info = app.inventory.stock(args.code, args.movements)
    data = {"sku": info.item.sku, "name": info.item.name, "variant": info.item.variant,
            "unit": info.item.unit, "on_hand": info.on_hand, "movements": info.movements}
    lines = [f"{info.item.sku} {info.item.name} {info.item.variant}".rstrip()
             + f": on hand {info.on_hand} {info.item.unit}"]
    lines += [f"  {m['occurred_at']}  {m['terminal']:<8} {m['kind']:<15} {m['quantity']:>+7}  "
              f"{m['reason']}" for m in info.movements]
    _out(args, data, "\n".join(lines))
    return 0


def cmd_price(args: argparse.Namespace) -> int:
    with _app(args) as app:
        pc = app.catalog.price_check(args.code)
        cur = app.settings.currency
    i = pc.item
    per = "" if i.price_per == 1 else f" per {i.price_per} {i.unit}"
    _out(args, {"sku": i.sku, "name": i.name, "price": cur.format(i.price),
                "price_per": i.price_per, "on_hand": pc.on_hand},
         f"{i.name} {i.variant}".strip() + f": {cur.format(i.price)}{per}, on hand {pc.on_hand}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with _app(args) as app:
        r = app.inventory.verify()
    if not r.ok:
        print(f"verify FAILED: {r.problem}", file=sys.stderr)
        return EXIT_ERROR
    print(f"verify ok: {r.movements} ledger rows chained, stock levels match for "
          f"{r.products} products")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pos_terminal.db.backup import backup_file

    with _app(args) as app:
        dest = backup_file(app.paths.database, Path(args.dest))
    print(f"backup written to {dest}")
    return 0


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pos-terminal", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"pos-terminal {__version__}")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="register data folder (default: $POS_TERMINAL_HOME or the user data dir)")
    p.set_defaults(func=cmd_gui)
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    def cmd(name: str, func: Handler, help_: str, json_opt: bool = False) -> Any:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        if json_opt:
            sp.add_argument("--json", action="store_true", help="print JSON")
        return sp

    sp = cmd("init", cmd_init, "set up this machine as a register of a store")
    sp.add_argument("--store", help="store id (default: the baked or site config's)")
    sp.add_argument("--register", help="register id (default: the baked or site config's)")
    sp.add_argument("--currency", help="ISO code (default: the store config's, else EUR)")
    sp.add_argument("--tax-mode", choices=["inclusive", "exclusive"],
                    help="default: the store config's, else inclusive")
    sp.add_argument("--tax-rounding", choices=["per_line", "per_receipt"],
                    help="default: the store config's, else per_line")
    sp.add_argument("--name", help="store name printed on receipts")

    sp = cmd("demo", cmd_demo, "seed and open a demo store (convenience/liquor catalog)")
    sp.add_argument("--no-gui", action="store_true", help="seed only, do not open the window")
    sp.add_argument("--customer-display", action="store_true",
                    help="also open the customer display in a window (with a second screen it "
                         "opens full screen there anyway)")
    sp.add_argument("--products", type=int, help="grow the catalog to N products (benchmarks)")

    sp = cmd("import-catalog", cmd_import, "import a catalog CSV (all rows or none)")
    sp.add_argument("file")

    sp = cmd("sell", cmd_sell, "ring up a scripted sale", json_opt=True)
    sp.add_argument("codes", nargs="+", metavar="CODE[xQTY]",
                    help="CODE, CODEx3 (pieces); goods sold by weight need it: CODEx1.235kg, "
                         "CODEx1235g (a number alone is grams)")
    sp.add_argument("--pay", action="append", default=[], metavar="TENDER",
                    help="cash[:AMOUNT] | card:REF[:AMOUNT] | other:NAME[:AMOUNT] | "
                         "terminal[:AMOUNT] (charged on the card terminal of [payment]); "
                         "repeat to split, e.g. --pay terminal:10.00 --pay cash")
    sp.add_argument("--training", action="store_true", help="a training sale: no stock, no sync")
    sp.add_argument("--id-checked", action="store_true",
                    help="the customer's ID was checked: age-restricted items may be sold")

    sp = cmd("return", cmd_return, "return items bought on a receipt", json_opt=True)
    sp.add_argument("receipt")
    sp.add_argument("codes", nargs="+", metavar="CODE[xQTY]")
    sp.add_argument("--no-restock", action="store_true", help="items are not fit to sell again")
    sp.add_argument("--refund", metavar="TENDER", action="append", default=[],
                    help="cash (default), card:REF[:AMOUNT], or terminal (back to the card that "
                         "paid, through the card terminal: a void the same day, else a "
                         "refund); repeat to split. A refund goes back the way the sale was "
                         "paid (never more than a tender took); to another tender it needs "
                         "--approver")
    sp.add_argument("--approver", metavar="SUPERVISOR",
                    help="a supervisor approving a refund to another tender (their PIN is "
                         "asked, or read from standard input)")
    sp.add_argument("--reason")

    sp = cmd("receive", cmd_receive, "book a delivery into stock", json_opt=True)
    sp.add_argument("codes", nargs="+", metavar="CODE[xQTY]")
    sp.add_argument("--cost", metavar="AMOUNT", help="unit cost of what was received")
    sp.add_argument("--ref", metavar="DELIVERY", help="delivery note number")

    sp = cmd("adjust", cmd_adjust, "correct stock with a reason code", json_opt=True)
    sp.add_argument("code")
    sp.add_argument("quantity", help="signed quantity: pieces (-2), or grams / ml of goods sold "
                                     "by weight or volume (-500); a minus with a unit goes "
                                     "after --: adjust CODE --reason R -- -0.5kg")
    sp.add_argument("--reason", required=True,
                    help="damaged|expired|theft|internal_use|found|correction")
    sp.add_argument("--note")

    sp = cmd("count", cmd_count, "post a stock count as a variance", json_opt=True)
    sp.add_argument("code")
    sp.add_argument("counted", help="pieces counted, or the weight / volume: 1250 (g), "
                                    "1.25kg, 0 for none")

    sp = cmd("products", cmd_products, "look up the catalog", json_opt=True)
    sp.add_argument("--search", metavar="TEXT")
    sp.add_argument("--limit", type=int, default=50)

    sp = cmd("stock", cmd_stock, "on-hand and the last movements of a product", json_opt=True)
    sp.add_argument("code")
    sp.add_argument("--movements", type=int, default=10, metavar="N")

    sp = cmd("price", cmd_price, "price check", json_opt=True)
    sp.add_argument("code")

    cmd("verify", cmd_verify, "check the ledger's hash chain and stock levels")

    sp = cmd("backup", cmd_backup, "write an online backup of the register database")
    sp.add_argument("dest")

    from pos_terminal import doctor

    doctor.add_parser(sub)
    from pos_terminal import cli_sync

    cli_sync.add_parsers(sub)
    cli_printing.add_parsers(sub, cmd)
    cli_config.add_parsers(sub, cmd)
    cli_reports.add_parsers(sub, cmd)
    from pos_terminal import cli_counting

    cli_counting.add_parsers(sub, cmd)
    from pos_terminal import cli_receiving

    cli_receiving.add_parsers(sub, cmd)  # po list|draft|receive
    from pos_terminal import cli_transfers

    cli_transfers.add_parsers(sub, cmd)
    cli_payments.add_parsers(sub, cmd)

    cli_staff.add_parsers(sub, cmd)  # user-add, user-pin, user-role, user-deactivate
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.data_dir is None:
        args.data_dir = config.default_data_dir()
    try:
        return int(args.func(args))
    except PosError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pos-terminal report stock | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
