"""A register process that does real work until it is killed, and the harness that kills it.

Run as a script (``python crash_worker.py DATA_DIR CODES_JSON SEED TAG``), it opens the register
and loops through the services: mostly 1-5 line sales (cash, card, split; a few in training
mode), returns against earlier receipts, deliveries, and the odd adjustment and count. After
each service call has returned (so after its commit) it prints one acknowledgement line and
flushes it, so everything the parent read before the process died was committed:

    READY <pid>
    ACK sale <receipt_no> <sale_id>
    ACK return <return_no> <return_id>
    ACK receive <delivery reference>
    ACK adjust <movement reference>
    ACK count <stock count id>

Imported (by the tests), it offers :func:`run_until_killed`, which starts the script, waits for
READY plus a delay, and SIGKILLs it. Module-level imports are stdlib only, so the parent does
not pay for them twice and the worker starts as fast as ``open_register`` allows (no Qt).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve()
MAX_LIFETIME_S = 120.0  # an orphaned worker (parent gone) stops on its own


# -- parent side ------------------------------------------------------------------------------
@dataclass
class KillRound:
    """What one worker life produced: the lines it acknowledged and how it ended."""

    lines: list[str] = field(default_factory=list)
    ready: bool = False
    returncode: int | None = None
    stderr: str = ""
    alive_s: float = 0.0  # from READY to the kill

    @property
    def acks(self) -> list[str]:
        return [ln for ln in self.lines if ln.startswith("ACK ")]

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def write_codes(path: Path, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pick the codes a worker scans from ``products --json``-style rows; writes them as JSON.

    Everyday items (no age check, no per-sale limit): each unit barcode, each pack barcode
    (with its multiplier) and each weighed/measured item.
    """
    codes: list[dict[str, Any]] = []
    for p in products:
        if p["min_age"] is not None or p["max_per_sale"] is not None:
            continue
        for b in p["barcodes"]:
            codes.append({"code": b["code"], "sku": p["sku"], "unit": p["unit"],
                          "pack": b.get("multiplier", 1)})
    path.write_text(json.dumps(codes), encoding="utf-8")
    return codes


def run_until_killed(
    data_dir: Path, codes_file: Path, seed: int, tag: str, delay_s: float,
    ready_timeout_s: float = 60.0,
) -> KillRound:
    """Start a worker, let it work ``delay_s`` seconds after READY, then SIGKILL it.

    A line counts as acknowledged once the parent has read it whole (newline included): the
    worker wrote it with one write() after the commit, so it was committed before it was sent.
    """
    out = KillRound()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(data_dir), str(codes_file), str(seed), tag],
            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
        )
        ready = threading.Event()
        assert proc.stdout is not None
        stdout = proc.stdout

        def pump() -> None:
            for raw in iter(stdout.readline, b""):
                if not raw.endswith(b"\n"):
                    break  # a torn last line (cannot happen for one short write) is not an ACK
                line = raw.decode("utf-8").rstrip("\n")
                out.lines.append(line)
                if line.startswith("READY"):
                    ready.set()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            out.ready = _wait_ready(proc, ready, ready_timeout_s)
            started = time.monotonic()
            if out.ready:
                time.sleep(delay_s)
            out.alive_s = time.monotonic() - started
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            out.returncode = proc.wait()
            reader.join(timeout=10)
            stdout.close()
        err.seek(0)
        out.stderr = err.read().decode("utf-8", "replace")
    return out


def _wait_ready(proc: subprocess.Popen[bytes], ready: threading.Event, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready.wait(0.05):
            return True
        if proc.poll() is not None:
            return ready.is_set()
    return False


# -- worker side ------------------------------------------------------------------------------
def _ack(*parts: str) -> None:
    sys.stdout.write(" ".join(("ACK", *parts)) + "\n")
    sys.stdout.flush()


def work(data_dir: Path, codes: list[dict[str, Any]], seed: int, tag: str) -> int:
    from sqlalchemy import text

    from pos_terminal.bootstrap import open_register
    from pos_terminal.domain.cart import Cart
    from pos_terminal.domain.ledger import AdjustReason
    from pos_terminal.domain.tenders import Tender, TenderKind
    from pos_terminal.services.catalog import resolve

    rng = random.Random(seed)
    app = open_register(data_dir)
    cashier = app.users.by_name("cashier").id
    with app.ctx.read() as conn:
        recent = conn.execute(text(
            "SELECT receipt_no, training FROM sales ORDER BY completed_at DESC LIMIT 40"
        )).all()
    receipts = [r.receipt_no for r in reversed(recent) if not r.training]
    training_receipts = [r.receipt_no for r in reversed(recent) if r.training]
    each = [c for c in codes if c["unit"] == "each"]
    measured = [c for c in codes if c["unit"] != "each"]
    deliveries = 0
    stop_at = time.monotonic() + MAX_LIFETIME_S

    def pick_count(c: dict[str, Any]) -> int:
        if c["unit"] == "each":
            return rng.choice((1, 1, 1, 2, 3)) if c["pack"] == 1 else 1
        return rng.randint(100, 2500)

    def sale() -> None:
        training = rng.random() < 0.04
        cart = Cart()
        picks = [
            rng.choice(measured) if measured and rng.random() < 0.1 else rng.choice(each)
            for _ in range(rng.randint(1, 5))
        ]
        with app.ctx.read() as conn:
            for c in picks:
                cart.add(resolve(conn, c["code"]), pick_count(c))
        if rng.random() < 0.1:
            cart.discount_line(cart.active_lines[0].line_no, percent_ppm=100_000)
        if rng.random() < 0.1:
            cart.discount_sale(percent_ppm=50_000)
        total = app.checkout.totals(cart).total
        how = rng.random()
        card = f"T{rng.randint(100, 999_999)}"
        if how < 0.5:  # cash: exact, or a round note
            handed = None if rng.random() < 0.5 else -(-total // 500) * 500
            tenders = [Tender(TenderKind.CASH, handed)]
        elif how < 0.8 or total < 2:
            tenders = [Tender(TenderKind.CARD, None, card)]
        else:  # split: part on card, the rest in cash
            tenders = [Tender(TenderKind.CARD, rng.randint(1, total - 1), card),
                       Tender(TenderKind.CASH)]
        r = app.checkout.complete_sale(cart, tenders, cashier, training=training)
        _ack("sale", r.receipt_no, r.sale_id)
        (training_receipts if training else receipts).append(r.receipt_no)
        del receipts[:-200]

    def return_() -> bool:
        pool = training_receipts if training_receipts and rng.random() < 0.1 else receipts
        if not pool:
            return False
        receipt = rng.choice(pool[-50:])
        _, _, lines = app.returns.receipt(receipt)
        open_lines = [ln for ln in lines if ln.returnable > 0]
        if not open_lines:
            pool.remove(receipt)
            return False
        chosen = rng.sample(open_lines, k=min(len(open_lines), rng.choice((1, 1, 1, 2))))
        items = [(ln.sku, rng.randint(1, ln.returnable)) for ln in chosen]
        # back the way it was paid (a refund to another tender needs a supervisor): to the
        # card while it has some left, the rest in cash
        tenders = (
            [Tender(TenderKind.CARD, None, f"T{rng.randint(100, 999_999)}")]
            if app.returns.tenders_left(receipt).get("card", 0) > 0 else None
        )
        r = app.returns.return_items(receipt, items, cashier, restock=rng.random() < 0.9,
                                     tenders=tenders, reason="customer return")
        _ack("return", r.return_no, r.return_id)
        return True

    def receive() -> None:
        nonlocal deliveries
        deliveries += 1
        items = []
        for c in rng.sample(codes, k=rng.randint(1, 3)):
            items.append((c["code"], rng.randint(1, 24) if c["unit"] == "each" else 5000))
        ref = f"DLV-{tag}-{deliveries}"
        cost = rng.choice((None, 25, 199))
        p = app.inventory.receive(items, cashier, cost=cost, reference=ref)
        _ack("receive", p.reference)

    def adjust() -> None:
        c = rng.choice(each)
        qty = rng.choice((-3, -2, -1, 1, 2))
        reason = rng.choice(list(AdjustReason)).value
        p = app.inventory.adjust(c["code"], qty, reason, cashier, note="crash test")
        _ack("adjust", p.reference)

    def count() -> None:
        c = rng.choice(codes)
        counted = rng.randint(0, 60) if c["unit"] == "each" else rng.randint(0, 20_000)
        p = app.inventory.count(c["code"], counted, cashier)
        _ack("count", p.reference)

    sys.stdout.write(f"READY {os.getpid()}\n")
    sys.stdout.flush()
    while time.monotonic() < stop_at:
        x = rng.random()
        if x < 0.70:
            sale()
        elif x < 0.84:
            if not return_():
                sale()
        elif x < 0.93:
            receive()
        elif x < 0.97:
            adjust()
        else:
            count()
    app.close()
    return 3  # never killed: the parent treats any exit other than SIGKILL as a failure


def main(argv: list[str]) -> int:
    data_dir, codes_file, seed, tag = argv
    codes = json.loads(Path(codes_file).read_text(encoding="utf-8"))
    return work(Path(data_dir), codes, int(seed), tag)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
