"""``pos-terminal count-session …``, ``reorder`` and ``low-stock``: counts and reorder levels
headless (as the register's system account, a manager)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pos_terminal.errors import InputError


def add_parsers(sub: Any, cmd: Any) -> None:
    sp = sub.add_parser("count-session", help="stock count sessions: start, scan, post …",
                        description="Stock count sessions (docs/inventory.md).")
    ss = sp.add_subparsers(title="actions", metavar="ACTION", required=True)

    def act(name: str, func: Any, help_: str) -> Any:
        p = ss.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = act("start", cmd_start, "open a count over a scope (blind unless --show-expected)")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--department", metavar="NAME")
    scope.add_argument("--codes", metavar="CODE[,CODE...]", help="a shelf list")
    scope.add_argument("--sample", type=int, metavar="N", help="N random active products")
    scope.add_argument("--all", action="store_true", help="every active product")
    p.add_argument("--show-expected", action="store_true",
                   help="not blind: the counter sees the expected stock")
    p.add_argument("--recount-units", type=int, default=3, metavar="N",
                   help="flag a variance of at least N units for a recount (default 3)")
    p.add_argument("--recount-percent", type=float, default=10.0, metavar="P",
                   help="… or of at least P %% of the expected stock, the larger (default 10)")

    p = act("scan", cmd_scan, "count scans: each CODE adds 1 (× its pack), CODExQTY adds QTY")
    p.add_argument("session", metavar="SESSION", help="the count's number or id")
    p.add_argument("codes", nargs="+", metavar="CODE[xQTY]")

    p = act("set", cmd_set, "type the whole counted quantity of one product (replaces it)")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("code")
    p.add_argument("counted", type=int)

    p = act("show", cmd_show, "the count's lines (expected hidden while a blind count is open)")
    p.add_argument("session", metavar="SESSION")

    p = act("review", cmd_review, "flag large variances for a recount; sum up the variances")
    p.add_argument("session", metavar="SESSION")

    p = act("post", cmd_post, "post the count as variances (stops when recounts are needed)")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--uncounted", choices=["skip", "zero"],
                   help="what to do with products in scope that were not counted")

    p = act("cancel", cmd_cancel, "drop an open count; nothing reaches the stock")
    p.add_argument("session", metavar="SESSION")

    p = act("list", cmd_list, "open counts (with --all: every count)")
    p.add_argument("--all", action="store_true")

    sp = cmd("reorder", cmd_reorder, "set this store's reorder point and par level of a product",
             json_opt=True)
    sp.add_argument("code")
    sp.add_argument("--reorder-point", metavar="N|none")
    sp.add_argument("--par", metavar="N|none")

    sp = cmd("low-stock", cmd_low_stock, "products at or below their reorder point, with the "
             "suggested order up to par", json_opt=True)
    sp.add_argument("--limit", type=int, metavar="N")


def _app(args: argparse.Namespace) -> Any:
    from pos_terminal.bootstrap import open_register

    return open_register(args.data_dir)


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else text)


def _level(text: str | None, what: str) -> Any:
    from pos_terminal.services.reorder import KEEP

    if text is None:
        return KEEP
    if text.strip().lower() == "none":
        return None
    if not text.strip().isdigit():
        raise InputError(f"{what} is a whole number or 'none'")
    return int(text)


def cmd_start(args: argparse.Namespace) -> int:
    from pos_terminal.services.counting import Threshold

    if args.recount_units < 0 or not 0 <= args.recount_percent <= 1000:
        raise InputError("--recount-units and --recount-percent cannot be negative")
    th = Threshold(args.recount_units, round(args.recount_percent * 10_000))
    kind = ("department" if args.department else "shelf" if args.codes else
            "sample" if args.sample is not None else "all")
    codes = [c.strip() for c in (args.codes or "").split(",") if c.strip()]
    with _app(args) as app:
        user = app.users.system_user()
        s = app.counting.start(kind, user.id, department=args.department or "", codes=codes,
                               sample=args.sample or 0, blind=not args.show_expected,
                               threshold=th)
    _print(args, s.to_json(), f"{s.label} started: {s.lines} product(s) in scope "
                             f"(id {s.id})")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from pos_terminal.cli import parse_code_qty

    items = [parse_code_qty(c) if any(x in c for x in "xX*") else (c, None)
             for c in args.codes]
    out = []
    with _app(args) as app:
        user = app.users.system_user()
        for code, qty in items:
            out.append(app.counting.scan(args.session, code, user.id, qty))
    _print(args, [ln.to_json() for ln in out],
           "\n".join(f"{ln.sku} {ln.label}: counted {ln.counted}" for ln in out))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    with _app(args) as app:
        ln = app.counting.set_count(args.session, args.code, args.counted,
                                    app.users.system_user().id)
    _print(args, ln.to_json(), f"{ln.sku} {ln.label}: counted {ln.counted}")
    return 0


def _line_text(ln: Any) -> str:
    exp = "" if ln.expected is None else f"  expected {ln.expected}"
    counted = "-" if ln.counted is None else str(ln.counted)
    return f"{ln.sku:<12} {ln.label[:40]:<40} {counted:>7}{exp}  {ln.status}"


def cmd_show(args: argparse.Namespace) -> int:
    with _app(args) as app:
        s = app.counting.session(args.session)
        lines = app.counting.lines(args.session)
    _print(args, {**s.to_json(), "lines": [ln.to_json() for ln in lines]},
           "\n".join([f"{s.label}, {s.status}: {s.counted} of {s.lines} counted, "
                      f"{s.flagged} to recount"] + [_line_text(ln) for ln in lines]))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    with _app(args) as app:
        r = app.counting.review(args.session)
        cur = app.settings.currency
    data = {**r.session.to_json(), "uncounted": r.uncounted, "variance_units": r.variance_units,
            "variance_value": r.variance_value,
            "recount": [ln.to_json() for ln in r.flagged]}
    text = [f"{r.session.label}: {r.session.counted} counted, {r.uncounted} not counted; "
            f"variance {r.variance_units:+d} units, {cur.format(r.variance_value)} at cost"]
    text += [f"recount: {ln.sku} {ln.label}" for ln in r.flagged]
    _print(args, data, "\n".join(text))
    return 0


def cmd_post(args: argparse.Namespace) -> int:
    with _app(args) as app:
        p = app.counting.post(args.session, app.users.system_user().id, args.uncounted)
        cur = app.settings.currency
    data = {"session": p.session.to_json(), "lines": p.lines, "skipped": p.skipped,
            "zeroed": p.zeroed, "variance_units": p.variance_units,
            "variance_value": p.variance_value, "variances": p.quantities,
            "on_hand": p.on_hand}
    _print(args, data, f"{p.session.label} posted: {p.lines} line(s), {p.skipped} skipped, "
                       f"{p.zeroed} counted as zero; variance {p.variance_units:+d} units, "
                       f"{cur.format(p.variance_value)} at cost")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with _app(args) as app:
        s = app.counting.cancel(args.session, app.users.system_user().id)
    _print(args, s.to_json(), f"{s.label} cancelled; nothing was posted")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _app(args) as app:
        sessions = app.counting.sessions(None if args.all else "open")
    _print(args, [s.to_json() for s in sessions],
           "\n".join(f"#{s.number:<5} {s.status:<9} {s.opened_at[:16]}  {s.label}  "
                     f"{s.counted}/{s.lines} counted" for s in sessions)
           or "no open counts")
    return 0


def cmd_reorder(args: argparse.Namespace) -> int:
    rp = _level(args.reorder_point, "--reorder-point")
    par = _level(args.par, "--par")
    with _app(args) as app:
        if args.reorder_point is None and args.par is None:
            lv = app.reorder.levels(args.code)
        else:
            lv = app.reorder.set_levels(args.code, app.users.system_user().id, rp, par)
    _print(args, lv.to_json(),
           f"{lv.sku} {lv.label}: reorder point {lv.reorder_point}, par {lv.par_level} "
           f"({'this store' if lv.local else 'catalog'}); on hand {lv.on_hand}")
    return 0


def cmd_low_stock(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit <= 0:
        raise InputError("--limit must be positive")
    with _app(args) as app:
        rows = app.reorder.low_stock(args.limit)
    def par(r: Any) -> str:
        return "-" if r.par_level is None else str(r.par_level)

    _print(args, [r.to_json() for r in rows],
           "\n".join(f"{r.sku:<12} {r.label[:40]:<40} on hand {r.on_hand:>6}  reorder at "
                     f"{r.reorder_point:>5}  par {par(r):>5}  order {r.suggested}"
                     for r in rows) or "nothing is low on stock")
    return 0
