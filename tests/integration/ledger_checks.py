"""Whole-register consistency checks on a register database file, with plain sqlite3.

Reusable by any test that abuses a register (SIGKILL, power cuts, full disks, concurrency):

    acked = Acked(); acked.add_line("ACK sale K1-R1-000001 <sale id>") ...
    problems = check_register(db_path, acked)      # [] when all is well
    assert_register_ok(data_dir, acked)            # plus the project's own verify

What is checked (each problem is one line naming the record):

1. every acknowledged sale, return, delivery, adjustment and count exists (with its id);
2. nothing is half-written: a sale has lines summing to its total, taxes summing to its tax,
   payments covering it; a non-training sale has exactly one ``sale`` movement per line
   (``reference`` = sale id, quantities matching) and exactly one outbox event naming it, whose
   ``movements`` are exactly those rows; a training sale has neither. Returns, deliveries, counts
   and adjustments likewise. No movement references nothing; every movement is listed by exactly
   one outbox event and every listed movement exists with the same seq and hash;
3. numbering: receipt and return numbers are unique and gap-free up to their counters; ledger
   seqs are gap-free and each row's prev_hash is the hash of its terminal's row before it;
   stock_levels equal the ledger's sums; SQLite's integrity and foreign-key checks pass;
4. where the register has a print queue, each sale and return has exactly one original
   receipt job queued, and no original job points to a missing record.

The project's ``verify`` (hash contents + levels) runs separately in :func:`project_verify`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPENING_STOCK = "opening stock"  # receive movements of a catalog import: no delivery record
MAX_PER_KIND = 5  # problems reported per kind of check, so a broken register stays readable


@dataclass
class Acked:
    """What a crashing process acknowledged (after commit) before it died."""

    sales: dict[str, str] = field(default_factory=dict)  # receipt_no -> sale id
    returns: dict[str, str] = field(default_factory=dict)  # return_no -> return id
    receives: set[str] = field(default_factory=set)  # delivery reference
    adjusts: set[str] = field(default_factory=set)  # adjustment movement reference
    counts: set[str] = field(default_factory=set)  # stock count id

    def add_line(self, line: str) -> None:
        """Record one ``ACK kind key [id]`` line; anything else is a protocol error."""
        parts = line.split()
        if len(parts) < 3 or parts[0] != "ACK":
            raise ValueError(f"not an acknowledgement: {line!r}")
        kind, key = parts[1], parts[2]
        if kind == "sale" and len(parts) == 4:
            self.sales[key] = parts[3]
        elif kind == "return" and len(parts) == 4:
            self.returns[key] = parts[3]
        elif kind == "receive":
            self.receives.add(key)
        elif kind == "adjust":
            self.adjusts.add(key)
        elif kind == "count":
            self.counts.add(key)
        else:
            raise ValueError(f"unknown acknowledgement: {line!r}")

    def add_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.add_line(line)

    def __len__(self) -> int:
        return (len(self.sales) + len(self.returns) + len(self.receives) + len(self.adjusts)
                + len(self.counts))


class Problems(list[str]):
    """Problem lines, at most ``MAX_PER_KIND`` per kind plus a count of the rest."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: Counter[str] = Counter()

    def add(self, kind: str, text: str) -> None:
        self._seen[kind] += 1
        if self._seen[kind] <= MAX_PER_KIND:
            self.append(f"{kind}: {text}")
        elif self._seen[kind] == MAX_PER_KIND + 1:
            self.append(f"{kind}: ... more of these")


def record_count(db_path: Path) -> int:
    """Business records written so far: one per successful service call the worker makes."""
    with _connect(db_path) as con:
        return int(con.execute(
            "SELECT (SELECT count(*) FROM sales) + (SELECT count(*) FROM returns)"
            " + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM stock_counts)"
            " + (SELECT count(*) FROM count_sessions WHERE status = 'posted')"
            " + (SELECT count(*) FROM outbox WHERE type = 'stock.adjusted')"
        ).fetchone()[0])


def _connect(db_path: Path) -> sqlite3.Connection:
    if not db_path.exists():
        raise FileNotFoundError(db_path)
    con = sqlite3.connect(db_path, timeout=30)
    con.row_factory = sqlite3.Row
    return con


def check_register(db_path: Path, acked: Acked | None = None) -> list[str]:
    """Every inconsistency found in the register database at ``db_path`` ([] when none)."""
    con = _connect(db_path)
    try:
        return _check(con, acked or Acked())
    finally:
        con.close()


def _check(con: sqlite3.Connection, acked: Acked) -> Problems:
    p = Problems()
    q = con.execute

    # -- SQLite itself ------------------------------------------------------------------------
    integrity = [r[0] for r in q("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        p.add("integrity", "; ".join(integrity[:5]))
    for r in q("PRAGMA foreign_key_check"):
        p.add("foreign key", f"{r[0]} rowid {r[1]} -> {r[2]}")

    info = q("SELECT store, register FROM register_info").fetchone()
    terminal = f"{info['store']}-{info['register']}"
    counters = {r["name"]: r["value"] for r in q("SELECT name, value FROM counters")}

    # -- load ---------------------------------------------------------------------------------
    sales = {r["id"]: r for r in q(
        "SELECT id, receipt_no, training, total, tax, cash_rounding, change FROM sales")}
    line_sums = {r["sale_id"]: r for r in q(
        "SELECT sale_id, count(*) AS n, sum(total) AS total, sum(tax) AS tax FROM sale_lines "
        "GROUP BY sale_id")}
    line_qty: dict[str, Counter[int]] = defaultdict(Counter)
    sold: dict[int, tuple[str, int]] = {}  # sale line id -> (sale id, qty)
    for r in q("SELECT id, sale_id, product_id, qty FROM sale_lines"):
        line_qty[r["sale_id"]][r["product_id"]] += r["qty"]
        sold[r["id"]] = (r["sale_id"], r["qty"])
    tax_sums = dict(q("SELECT sale_id, sum(tax) FROM sale_taxes GROUP BY sale_id").fetchall())
    pay = {
        (r["sale_id"], r["return_id"]): r for r in q(
            "SELECT sale_id, return_id, count(*) AS n, sum(amount) AS amount, "
            "sum(change) AS change FROM payments GROUP BY sale_id, return_id")
    }
    rets = {r["id"]: r for r in q(
        "SELECT id, return_no, sale_id, training, total, tax, cash_rounding FROM returns")}
    ret_lines = {r["return_id"]: r for r in q(
        "SELECT return_id, count(*) AS n, sum(amount) AS amount, sum(tax) AS tax, "
        "sum(restock) AS restocked FROM return_lines GROUP BY return_id")}
    ret_qty: dict[str, Counter[int]] = defaultdict(Counter)
    returned: Counter[int] = Counter()  # sale line id -> qty returned
    for r in q("SELECT return_id, sale_line_id, product_id, qty, restock FROM return_lines"):
        if r["restock"]:
            ret_qty[r["return_id"]][r["product_id"]] += r["qty"]
        if r["sale_line_id"] is not None:
            returned[r["sale_line_id"]] += r["qty"]
    deliveries = {r["id"]: r["reference"] for r in q("SELECT id, reference FROM deliveries")}
    counts = {r["id"]: r for r in q("SELECT id, product_id, expected, counted FROM stock_counts")}
    # count sessions (services/counting.py): the variances posted per line
    sessions: dict[str, list[tuple[int, int]]] = {
        r["id"]: [] for r in q("SELECT id FROM count_sessions WHERE status = 'posted'")}
    for r in q("SELECT session_id, product_id, variance FROM count_lines WHERE variance <> 0"):
        sessions[r["session_id"]].append((r["product_id"], r["variance"]))

    moves = {r["id"]: r for r in q(
        "SELECT seq, id, product_id, quantity, kind, reason, reference, terminal, prev_hash, "
        "hash FROM stock_movements ORDER BY seq")}
    by_ref: dict[tuple[str, str], list[sqlite3.Row]] = defaultdict(list)
    for m in moves.values():
        by_ref[(m["kind"], m["reference"])].append(m)

    events: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)  # type -> payloads
    listed: Counter[str] = Counter()  # movement id -> events listing it
    for r in q("SELECT seq, type, payload FROM outbox ORDER BY seq"):
        try:
            payload = json.loads(r["payload"])
        except ValueError:
            p.add("outbox", f"event seq={r['seq']} has a payload that is not JSON")
            continue
        events[r["type"]].append((r["seq"], payload))
        for pm in payload.get("movements", []):
            listed[pm["id"]] += 1
            m = moves.get(pm["id"])
            if m is None:
                p.add("outbox", f"event seq={r['seq']} ({r['type']}) lists movement {pm['id']}, "
                      "which is not in the ledger")
            elif (pm["seq"], pm["hash"], pm["quantity"], pm["reference"]) != (
                m["seq"], m["hash"], m["quantity"], m["reference"]
            ):
                p.add("outbox", f"event seq={r['seq']} lists movement {pm['id']} with other "
                      "seq/hash/quantity/reference than the ledger row")

    def one_event(type_: str, value: str, what: str) -> dict[str, Any] | None:
        found = [e for _, e in index[type_].get(value, [])]
        if len(found) != 1:
            p.add(type_, f"{what} has {len(found)} outbox events (want exactly 1)")
            return None
        return found[0]

    index: dict[str, dict[str, list[tuple[int, dict[str, Any]]]]] = {}
    for type_, key in (("sale.completed", "sale_id"), ("return.completed", "return_id"),
                       ("stock.received", "delivery_id"), ("stock.counted", "reference"),
                       ("stock.adjusted", "reference")):
        idx: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for seq, e in events.get(type_, []):
            if "correction" not in e:  # a count's correction event follows its count's
                idx[str(e.get(key))].append((seq, e))
        index[type_] = idx

    def same_movements(event: dict[str, Any], rows: list[sqlite3.Row], what: str) -> None:
        want = sorted(m["id"] for m in rows)
        got = sorted(pm["id"] for pm in event.get("movements", []))
        if want != got:
            p.add("outbox", f"{what}: its event lists {len(got)} movements, the ledger holds "
                  f"{len(want)} for it")

    # -- 1. acknowledged records exist ---------------------------------------------------------
    by_receipt = {s["receipt_no"]: sid for sid, s in sales.items()}
    for receipt, sid in acked.sales.items():
        if by_receipt.get(receipt) != sid:
            p.add("lost ack", f"acknowledged sale {receipt} ({sid}) is missing")
    by_return_no = {r["return_no"]: rid for rid, r in rets.items()}
    for number, rid in acked.returns.items():
        if by_return_no.get(number) != rid:
            p.add("lost ack", f"acknowledged return {number} ({rid}) is missing")
    for ref in acked.receives - set(deliveries.values()):
        p.add("lost ack", f"acknowledged delivery {ref} is missing")
    for ref in acked.adjusts:
        if not by_ref.get(("adjust", ref)):
            p.add("lost ack", f"acknowledged adjustment {ref} is missing")
    for ref in acked.counts - set(counts) - set(sessions):
        p.add("lost ack", f"acknowledged count {ref} is missing")

    # -- 2. sales --------------------------------------------------------------------------------
    for sid, s in sales.items():
        what = f"sale {s['receipt_no']} ({sid})"
        ls = line_sums.get(sid)
        if ls is None:
            p.add("half-written sale", f"{what} has no lines")
            continue
        if ls["total"] != s["total"] or ls["tax"] != s["tax"]:
            p.add("half-written sale", f"{what}: lines sum to {ls['total']} (tax {ls['tax']}), "
                  f"the sale says {s['total']} (tax {s['tax']})")
        if tax_sums.get(sid) != s["tax"]:
            p.add("half-written sale", f"{what}: tax breakdown sums to {tax_sums.get(sid)}, "
                  f"the sale says {s['tax']}")
        py = pay.get((sid, None))
        if py is None or py["amount"] != s["total"] + s["cash_rounding"] or (
            py["change"] != s["change"]
        ):
            p.add("half-written sale", f"{what}: payments "
                  f"{None if py is None else (py['amount'], py['change'])} do not cover total "
                  f"{s['total']} + rounding {s['cash_rounding']} with change {s['change']}")
        mv = by_ref.get(("sale", sid), [])
        if s["training"]:
            if mv or index["sale.completed"].get(sid):
                p.add("training", f"{what} is training but moved stock or has an outbox event")
            continue
        got: Counter[int] = Counter()
        for m in mv:
            got[m["product_id"]] -= m["quantity"]
        if len(mv) != ls["n"] or got != line_qty[sid]:
            p.add("half-written sale", f"{what}: {ls['n']} lines but {len(mv)} sale movements "
                  "(or their quantities differ)")
        event = one_event("sale.completed", sid, what)
        if event is not None:
            if (event.get("receipt_no"), event.get("total")) != (s["receipt_no"], s["total"]):
                p.add("outbox", f"{what}: its event says {event.get('receipt_no')} "
                      f"total {event.get('total')}")
            same_movements(event, mv, what)

    # -- 2. returns ------------------------------------------------------------------------------
    for rid, r in rets.items():
        what = f"return {r['return_no']} ({rid})"
        rl = ret_lines.get(rid)
        if rl is None:
            p.add("half-written return", f"{what} has no lines")
            continue
        if rl["amount"] != r["total"] or rl["tax"] != r["tax"]:
            p.add("half-written return", f"{what}: lines sum to {rl['amount']} "
                  f"(tax {rl['tax']}), the return says {r['total']} (tax {r['tax']})")
        py = pay.get((None, rid))
        if py is None or -py["amount"] != r["total"] + r["cash_rounding"]:
            p.add("half-written return", f"{what}: refunds "
                  f"{None if py is None else -py['amount']} do not pay out {r['total']}")
        sale = sales.get(r["sale_id"]) if r["sale_id"] is not None else None
        if r["sale_id"] is not None and (sale is None or bool(sale["training"]) != bool(
            r["training"]
        )):
            p.add("half-written return", f"{what}: its sale {r['sale_id']} is missing or of "
                  "the other mode (training/live)")
        mv = by_ref.get(("return", rid), [])
        if r["training"]:
            if mv or index["return.completed"].get(rid):
                p.add("training", f"{what} is training but moved stock or has an outbox event")
            continue
        got = Counter()
        for m in mv:
            got[m["product_id"]] += m["quantity"]
        if len(mv) != rl["restocked"] or got != ret_qty[rid]:
            p.add("half-written return", f"{what}: {rl['restocked']} restocked lines but "
                  f"{len(mv)} return movements (or their quantities differ)")
        event = one_event("return.completed", rid, what)
        if event is not None:
            if event.get("return_no") != r["return_no"] or event.get("refund") != r["total"]:
                p.add("outbox", f"{what}: its event says {event.get('return_no')} "
                      f"refund {event.get('refund')}")
            same_movements(event, mv, what)
    for line_id, qty in returned.items():
        if line_id not in sold or qty > sold[line_id][1]:
            p.add("over-return", f"sale line {line_id}: {qty} returned, "
                  f"{sold.get(line_id, ('', 0))[1]} sold")

    # -- 2. deliveries, counts, adjustments -------------------------------------------------------
    for did, ref in deliveries.items():
        what = f"delivery {ref or did}"
        mv = by_ref.get(("receive", did), [])
        if not mv:
            p.add("half-written delivery", f"{what} has no receive movements")
        event = one_event("stock.received", did, what)
        if event is not None:
            same_movements(event, mv, what)
    for cid, c in counts.items():
        what = f"count {cid}"
        mv = by_ref.get(("count_variance", cid), [])
        delta = c["counted"] - c["expected"]
        if [m["quantity"] for m in mv] != ([delta] if delta else []) or any(
            m["product_id"] != c["product_id"] for m in mv
        ):
            p.add("half-written count", f"{what}: variance {delta} but movements "
                  f"{[m['quantity'] for m in mv]}")
        event = one_event("stock.counted", cid, what)
        if event is not None:
            same_movements(event, mv, what)
    for sid, variances in sessions.items():
        what = f"count session {sid}"
        mv = [m for m in by_ref.get(("count_variance", sid), []) if m["reason"] == "count"]
        if sorted(variances) != sorted((m["product_id"], m["quantity"]) for m in mv):
            p.add("half-written count", f"{what}: variances {sorted(variances)} but movements "
                  f"{sorted((m['product_id'], m['quantity']) for m in mv)}")
        event = one_event("stock.counted", sid, what)
        if event is not None:
            same_movements(event, mv, what)
    for (kind, ref), mv in by_ref.items():
        if kind == "adjust":
            event = one_event("stock.adjusted", ref, f"adjustment {ref}")
            if event is not None:
                same_movements(event, mv, f"adjustment {ref}")

    # -- 2. no movement or event without its record; every movement in exactly one event ---------
    records = {"sale": {s for s, v in sales.items() if not v["training"]},
               "return": {r for r, v in rets.items() if not v["training"]},
               "receive": set(deliveries), "count_variance": set(counts) | set(sessions),
               "adjust": {ref for kind, ref in by_ref if kind == "adjust"}}
    for type_, kind in (("sale.completed", "sale"), ("return.completed", "return"),
                        ("stock.received", "receive"), ("stock.counted", "count_variance"),
                        ("stock.adjusted", "adjust")):
        for value, found in index[type_].items():
            if type_ == "stock.received" and value == "None":
                continue  # opening stock of a catalog import: no delivery record
            if value not in records[kind]:
                p.add("orphan event", f"outbox event seq={found[0][0]} ({type_}) names "
                      f"{value!r}, which is no record")
    for m in moves.values():
        known = records.get(m["kind"])
        opening = m["kind"] == "receive" and m["reason"] == OPENING_STOCK
        if known is not None and m["reference"] not in known and not opening:
            p.add("orphan movement", f"seq={m['seq']} {m['kind']} references {m['reference']!r}, "
                  "which is no record")
        if listed[m["id"]] != 1:
            p.add("outbox", f"movement seq={m['seq']} ({m['kind']}) is listed by "
                  f"{listed[m['id']]} outbox events (want exactly 1)")

    # -- 2. a committed sale or return has its (original) receipt queued for the printer --------
    has_queue = q("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'print_jobs'")
    if has_queue.fetchone():
        jobs: Counter[tuple[str, str]] = Counter(
            (r[0], r[1]) for r in q("SELECT kind, reference FROM print_jobs WHERE NOT copy")
        )
        for kind, records_of in (("receipt", sales), ("return", rets)):
            for rid in records_of:
                if jobs[(kind, rid)] != 1:
                    p.add("print queue", f"{kind} {rid} has {jobs[(kind, rid)]} queued "
                          "originals (want exactly 1)")
            for (k, ref), _n in jobs.items():
                if k == kind and ref not in records_of:
                    p.add("print queue", f"a {kind} job references {ref!r}, which is no record")

    # -- 3. numbering, chain links, levels ---------------------------------------------------------
    _series(p, "receipt", [s["receipt_no"] for s in sales.values() if not s["training"]],
            rf"{re.escape(terminal)}-(\d+)", counters.get("receipt", 0))
    _series(p, "training receipt", [s["receipt_no"] for s in sales.values() if s["training"]],
            rf"{re.escape(terminal)}-T(\d+)", counters.get("training", 0))
    _series(p, "return number", [r["return_no"] for r in rets.values() if not r["training"]],
            rf"{re.escape(terminal)}-R(\d+)", counters.get("return", 0))
    _series(p, "training return number",
            [r["return_no"] for r in rets.values() if r["training"]],
            rf"{re.escape(terminal)}-TR(\d+)", counters.get("training_return", 0))
    seqs = [m["seq"] for m in moves.values()]
    if seqs != list(range(1, len(seqs) + 1)):
        p.add("ledger", f"movement seqs are not 1..{len(seqs)} without gaps")
    heads: dict[str, str] = {}
    for m in moves.values():
        if m["prev_hash"] != heads.get(m["terminal"], "0" * 64):
            p.add("ledger", f"seq={m['seq']}: prev_hash is not the hash of the row before it")
        heads[m["terminal"]] = m["hash"]
    sums: Counter[int] = Counter()
    for m in moves.values():
        sums[m["product_id"]] += m["quantity"]
    levels = dict(q("SELECT product_id, on_hand FROM stock_levels").fetchall())
    for pid in set(sums) | set(levels):
        if sums.get(pid, 0) != levels.get(pid, 0):
            p.add("stock level", f"product {pid}: stock_levels {levels.get(pid, 0)}, "
                  f"ledger sum {sums.get(pid, 0)}")
    return p


def _series(p: Problems, what: str, numbers: list[str], pattern: str, counter: int) -> None:
    """``numbers`` must be exactly 1..counter, each once, all in the register's format."""
    got: list[int] = []
    for n in numbers:
        m = re.fullmatch(pattern, n)
        if m is None:
            p.add("numbering", f"{what} {n!r} is not in the register's format")
        else:
            got.append(int(m.group(1)))
    if sorted(got) != list(range(1, counter + 1)):
        dup = sorted(k for k, v in Counter(got).items() if v > 1)[:5]
        missing = sorted(set(range(1, counter + 1)) - set(got))[:5]
        extra = sorted(set(got) - set(range(1, counter + 1)))[:5]
        p.add("numbering", f"{what}s are not 1..{counter}: duplicates {dup}, missing {missing}, "
              f"beyond the counter {extra}")


def project_verify(data_dir: Path) -> tuple[bool, str]:
    """The project's own ``verify`` (hash chain contents, levels = ledger) through its services."""
    from pos_terminal.bootstrap import open_register

    with open_register(data_dir) as app:
        report = app.inventory.verify()
    return report.ok, report.problem


def assert_register_ok(data_dir: Path, acked: Acked | None = None) -> None:
    """Fail with every problem found by :func:`check_register` and the project's verify."""
    from pos_terminal.config import Paths

    problems = check_register(Paths(data_dir).database, acked)
    ok, why = project_verify(data_dir)
    if not ok:
        problems.append(f"verify: {why}")
    assert not problems, "register is inconsistent:\n  " + "\n  ".join(problems)
