"""Card terminal payments from the shell: ``sell … --pay terminal[:AMOUNT]``,
``return … --refund terminal``, ``terminal recover|end-of-day|attempts``.

Every command that may charge or refund a card first runs recovery (``payments.recover``): an
attempt a crash left without an answer is settled with the terminal before anything new is
sent. The terminal's status texts go to stderr as they come; the terminal's receipt lines are
printed with the register's receipt by the print queue.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from pos_terminal.clock import new_id
from pos_terminal.domain.tenders import Tender, TenderKind, settle, still_due
from pos_terminal.errors import InputError, PaymentError, RuleError

Cmd = Callable[..., Any]


def split_terminal(pays: list[str], currency: Any) -> tuple[int | None, bool, list[str]]:
    """(terminal amount or None for "what is due", whether the terminal pays, other specs)."""
    terminal = [p for p in pays if p.lower().split(":", 1)[0] == "terminal"]
    others = [p for p in pays if p not in terminal]
    if len(terminal) > 1:
        raise InputError("--pay terminal once: one card payment per sale on the terminal")
    if not terminal:
        return None, False, others
    _, _, amount = terminal[0].partition(":")
    value = currency.parse(amount) if amount else None
    if value is not None and value <= 0:
        raise InputError("--pay terminal:AMOUNT: the amount must be more than zero")
    return value, True, others


def status_line(text: str) -> None:
    print(f"terminal: {text}", file=sys.stderr, flush=True)


def recover(app: Any, quiet: bool = False) -> list[Any]:
    """Settle what a crash left open; says what happened on stderr. Raises when an attempt's
    outcome stays unknown (nothing may be charged for its sale without a supervisor)."""
    if not app.payments.enabled:
        return []
    done = app.payments.recover(app)
    for r in done:
        if not quiet:
            print(f"recovered card payment {r.attempt.id[:8]} "
                  f"({app.settings.currency.format(r.attempt.amount)}): {r.message}",
                  file=sys.stderr)
    return done


def pay_by_terminal(app: Any, session: Any, amount: int | None, others: list[Tender],
                    user_id: int, training: bool) -> tuple[Any, Any]:
    """Charge the terminal for a CLI sale, then record the sale with the approved tender.
    Returns (SaleResult, attempt)."""
    from pos_terminal.services.parking import cart_to_json
    from pos_terminal.services.payments import sale_plan

    if not app.payments.enabled:
        raise RuleError("no card terminal is set up: set [payment] terminal and port in "
                        "config.toml (docs/payments.md), or use --pay card:REF")
    recover(app)
    total = session.totals().total
    due = still_due(total, [t for t in others if t.kind is not TenderKind.CASH])
    charge = due if amount is None else amount
    if charge <= 0:
        raise PaymentError("nothing is left to pay on the card terminal")
    # the sale must settle with the card's money before the card is charged
    settle(total, [Tender(TenderKind.CARD, charge, "terminal"), *others],
           app.settings.currency)
    plan = sale_plan(cart_to_json(session.cart), others, user_id, training)
    plan["total"] = total
    attempt = app.payments.charge(new_id(), charge, user_id, plan, status_line,
                                  training=training)
    if attempt.state != "approved":
        raise PaymentError(f"the card terminal did not take the payment: {attempt.message}; "
                           "nothing was charged and no sale was recorded")
    if attempt.approved_amount != charge:
        raise PaymentError(
            f"the terminal approved only {app.settings.currency.format(attempt.approved_amount)}"
            " of the card payment: void it with 'pos-terminal terminal recover' or a refund")
    return app.payments.complete(attempt, app), attempt


def card_json(attempt: Any, currency: Any) -> dict[str, Any]:
    c = attempt.card
    return {"attempt": attempt.id, "amount": currency.format(attempt.approved_amount or 0),
            "masked_pan": c.masked_pan, "brand": c.brand, "terminal_id": c.terminal_id,
            "trace_no": c.trace_no, "receipt_no": c.receipt_no, "auth_code": c.auth_code,
            "receipts": [{"copy": r.copy, "lines": list(r.lines), "signature": r.signature}
                         for r in attempt.receipts]}


# -- terminal recover | end-of-day | attempts ---------------------------------------------------
def _open(args: argparse.Namespace) -> Any:
    from pos_terminal.bootstrap import open_register

    return open_register(args.data_dir)


def cmd_recover(args: argparse.Namespace) -> int:
    with _open(args) as app:
        if not app.payments.enabled:
            raise RuleError("no card terminal is set up ([payment] terminal)")
        done = recover(app, quiet=True)
        cur = app.settings.currency
    rows = [{"attempt": r.attempt.id, "amount": cur.format(r.attempt.amount),
             "outcome": r.outcome, "state": r.attempt.state, "message": r.message}
            for r in done]
    if args.json:
        print(json.dumps(rows, indent=1))
    elif not rows:
        print("no card payment is waiting for the terminal's answer")
    for r in [] if args.json else rows:
        print(f"{r['attempt'][:8]}  {r['amount']:>10}  {r['outcome']:<11} {r['message']}")
    return 1 if any(r["outcome"] == "unknown" for r in rows) else 0


def cmd_end_of_day(args: argparse.Namespace) -> int:
    with _open(args) as app:
        if not app.payments.enabled:
            raise RuleError("no card terminal is set up ([payment] terminal)")
        recover(app)
        s = app.payments.end_of_day(app.users.system_user().id, status_line)
        cur = app.settings.currency
    data = {"terminal_count": s.terminal.count, "terminal_amount": cur.format(s.terminal.amount),
            "register_count": s.register_count, "register_amount": cur.format(s.register_amount),
            "difference": cur.format(s.difference),
            "by_brand": [{"brand": b, "count": n, "amount": cur.format(a)}
                         for b, n, a in s.terminal.by_brand]}
    if args.json:
        print(json.dumps(data, indent=1))
        return 0
    print(f"terminal  {s.terminal.count:>4} payments  {cur.format(s.terminal.amount):>12}")
    print(f"register  {s.register_count:>4} payments  {cur.format(s.register_amount):>12}")
    print(f"difference {cur.format(s.difference):>27}"
          + ("" if s.difference == 0 else "  <- check the terminal's slips against the receipts"))
    return 0


def cmd_attempts(args: argparse.Namespace) -> int:
    with _open(args) as app:
        rows = app.payments.attempts()[-args.limit:]
        cur = app.settings.currency
    if args.json:
        print(json.dumps([{"attempt": a.id, "kind": a.kind, "state": a.state,
                           "amount": cur.format(a.amount), "created_at": a.created_at,
                           "message": a.message, "card": a.card.reference} for a in rows],
                         indent=1))
        return 0
    for a in rows:
        print(f"{a.created_at[:19]}  {a.id[:8]}  {a.kind:<8} {a.state:<9} "
              f"{cur.format(a.amount):>10}  {a.card.reference or a.message}")
    return 0


def add_parsers(sub: Any, cmd: Cmd) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "terminal", help="card terminal: recover payments after a crash, end-of-day, journal",
        description="the card terminal's payments (docs/payments.md)")
    tsub = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    sp = tsub.add_parser("recover", help="ask the terminal what became of payments a crash "
                         "left without an answer, and complete their sales")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_recover)
    sp = tsub.add_parser("end-of-day", help="the terminal's end-of-day, compared with the "
                         "register's card payments (the difference is kept)")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_end_of_day)
    sp = tsub.add_parser("attempts", help="the last card terminal attempts and their state")
    sp.add_argument("--limit", type=int, default=20)
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=cmd_attempts)
