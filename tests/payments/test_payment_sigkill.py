"""SIGKILL at every step of a card payment (ZVT and nexo/SaleToPOI): a real register process
sells one item with ``--pay terminal`` against the emulator and is killed (kill -9, no cleanup)
at each step of the exchange, on its own side (after each journal write) or while the terminal
holds at a step of its own. Then recovery runs (``pos-terminal terminal recover``, as every
start of a sale does) and the register is checked against the terminal's journal:

- never a charged card without a completed sale: every charge the terminal kept is the card
  tender of exactly one committed sale, for exactly its amount;
- never two charges for one sale: each sale has one terminal payment, each attempt at most one
  charge; nothing is left without an answer;
- ``pos-terminal verify`` passes; the next sale on the terminal works.

The crash matrix (docs/payments.md) is this table.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from nexo_emulator import NexoEmulator
from payment_worker import start
from support import ok, unit_code
from terminal_support import configure
from zvt_emulator import ZvtEmulator

# (protocol, where the kill happens, the step, whether the card ends up charged)
MATRIX = [
    ("zvt", "register", "created", False),  # attempt written, nothing sent
    ("zvt", "register", "sent", False),  # journaled as sent, before the terminal heard it
    ("zvt", "register", "status", False),  # the terminal is showing "insert card"
    ("zvt", "terminal", "sent-status", False),  # the terminal waits for the register's ack
    ("zvt", "terminal", "charged", True),  # card charged, the register not told yet
    ("zvt", "terminal", "sent-status-info", True),  # told (04 0F), before the completion
    ("zvt", "register", "approved", True),  # approval journaled, sale not committed
    ("zvt", "register", "sale committed", True),  # the sale is committed
    ("nexo", "register", "created", False),
    ("nexo", "register", "sent", False),
    ("nexo", "register", "status", False),  # just before the POST
    ("nexo", "terminal", "charged", True),  # card charged, the HTTP answer not sent
    ("nexo", "register", "approved", True),
    ("nexo", "register", "sale committed", True),
]


def _emulator(protocol: str) -> Any:
    return ZvtEmulator() if protocol == "zvt" else NexoEmulator(passphrase="secret phrase")


def _charges(emu: Any) -> list[int]:
    if isinstance(emu, ZvtEmulator):
        return [t.amount for t in emu.payments if not t.reversed]
    return [int(p.amount * 100) for p in emu.charges if p.amount > 0]


def _check(data_dir: Path, emu: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        sales = con.execute(
            "select s.id, s.total, p.amount, p.attempt_id from sales s "
            "join payments p on p.sale_id = s.id and p.kind = 'card'").fetchall()
        open_ = con.execute("select state from payment_attempts where state in "
                            "('pending', 'sent', 'unknown', 'approved')").fetchall()
        per_sale = con.execute("select sale_id, count(*) from payment_attempts where sale_id "
                               "is not null group by sale_id having count(*) > 1").fetchall()
        attempts = con.execute("select a.id, a.state, a.approved_amount, s.total from "
                               "payment_attempts a left join sales s on s.id = a.sale_id"
                               ).fetchall()
    finally:
        con.close()
    assert open_ == [], f"attempts left without an answer: {open_}"
    assert per_sale == [], "a sale paid by two terminal charges"
    # every charge at the terminal is exactly one committed sale's card tender
    assert sorted(_charges(emu)) == sorted(total for _, total, _, _ in sales)
    for _sid, total, paid, attempt in sales:
        assert attempt is not None and paid == total
    for _aid, state, approved, total in attempts:
        assert state in ("recorded", "failed", "declined", "aborted"), state
        if state == "recorded":
            assert approved == total
    return sales


@pytest.mark.parametrize(("protocol", "side", "step", "charged"), MATRIX,
                         ids=[f"{p}-{s}-{st}" for p, s, st, _ in MATRIX])
def test_sigkill_at_every_step_of_a_card_payment(
        data_dir: Path, protocol: str, side: str, step: str, charged: bool) -> None:
    emu = _emulator(protocol)
    try:
        configure(data_dir, emu)
        products = json.loads(ok(data_dir, "products", "--json", "--limit", "100"))
        code = unit_code(products, unit="each", min_age=None, max_per_sale=None)
        if side == "terminal":
            emu.pause_at = step
        proc = start(data_dir, code, step if side == "register" else "-")
        try:
            if side == "terminal":
                assert emu.reached.wait(60), "the terminal never reached " + step
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                emu.pause_at = None
                emu.release()
            else:
                proc.wait(60)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
        steps = [ln.split(" ", 1)[1] for ln in out.decode().splitlines()
                 if ln.startswith("STEP ")]
        if side == "register":
            assert steps[-1] == step
        time.sleep(0.2)  # the terminal finishes with the dead connection
        ok(data_dir, "terminal", "recover")
        sales = _check(data_dir, emu)
        assert len(sales) == (1 if charged else 0)
        assert len(_charges(emu)) == (1 if charged else 0)
        # recovery is idempotent, and the register goes on selling on the terminal
        ok(data_dir, "terminal", "recover")
        ok(data_dir, "sell", code, "--pay", "terminal")
        assert len(_check(data_dir, emu)) == (2 if charged else 1)
        assert "verify ok" in ok(data_dir, "verify")
    finally:
        emu.stop()
