"""Journal tampering: someone with the database file changes the ledger behind the register's
back (a raw sqlite3 connection with the append-only triggers dropped, or a byte flipped in the
file itself) and covers their tracks in ``stock_levels``. ``verify`` must catch every one.

Kinds of tampering, each over many random trials on a copy of one register that did real mixed
work (the crash worker: sales, returns, deliveries, adjustments, counts):

- ``flip``: one bit of one field of one row (any column, the hashes included) changed through SQL;
- ``file``: one byte of a row's ``reference``/``occurred_at``/``hash`` flipped in the file (no SQL);
- ``delete``: one row removed (the newest one included);
- ``reorder``: two rows swapped (adjacent ones included).

Trials per kind: 60 (reduced) or 1,000 (``POS_RELIABILITY_FULL=1``).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import size

from pos_terminal import config
from pos_terminal.bootstrap import open_register

from crash_worker import run_until_killed, write_codes

TRIALS = size(60, 1000)
COLUMNS = ("seq", "id", "product_id", "quantity", "kind", "reason", "reference", "unit_cost",
           "occurred_at", "user_id", "terminal", "prev_hash", "hash")


@pytest.fixture(scope="module")
def worked(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register after a couple of seconds of mixed work, checkpointed into one file."""
    root = tmp_path_factory.mktemp("tamper")
    data_dir = root / "register"
    shutil.copytree(seeded_template, data_dir)
    with open_register(data_dir) as app:
        codes = root / "codes.json"
        write_codes(codes, app.catalog.products(limit=1000))
    r = run_until_killed(data_dir, codes, seed=7, tag="t", delay_s=2.0)
    assert r.killed and len(r.acks) > 50, r.stderr
    con = sqlite3.connect(config.Paths(data_dir).database)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with open_register(data_dir) as app:
        assert app.inventory.verify().ok
    return data_dir


def _raw(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db, isolation_level=None)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name = 'stock_movements'").fetchall():
        con.execute(f"DROP TRIGGER {name}")  # the tamperer bypasses append-only
    return con


def _cover_tracks(con: sqlite3.Connection) -> None:
    """Make stock_levels agree with the tampered ledger, so only the chain can tell."""
    con.execute("INSERT OR IGNORE INTO stock_levels (product_id, on_hand) "
                "SELECT DISTINCT product_id, 0 FROM stock_movements")
    con.execute(
        "UPDATE stock_levels SET on_hand ="
        " coalesce((SELECT sum(quantity) FROM stock_movements m"
        "           WHERE m.product_id = stock_levels.product_id), 0)"
        " + coalesce((SELECT sum(quantity) FROM sibling_movements s"
        "             WHERE s.product_id = stock_levels.product_id), 0)")


def _flip_text(rng: random.Random, value: str) -> str:
    if not value:
        return chr(rng.randrange(33, 127))
    chars = list(value)
    i = rng.randrange(len(chars))
    while True:
        c = chr(ord(chars[i]) ^ (1 << rng.randrange(6)))
        if c.isprintable() and c != chars[i]:
            chars[i] = c
            return "".join(chars)


def flip(rng: random.Random, db: Path) -> str:
    con = _raw(db)
    seqs = [s for (s,) in con.execute("SELECT seq FROM stock_movements")]
    seq, col = rng.choice(seqs), rng.choice(COLUMNS)
    (old,) = con.execute(f"SELECT {col} FROM stock_movements WHERE seq = ?", (seq,)).fetchone()
    if isinstance(old, str):
        new: object = _flip_text(rng, old)
    elif old is None:
        new = rng.randrange(1, 100)
    else:
        taken = set(seqs) if col == "seq" else set()
        new = old ^ (1 << rng.randrange(8))
        while new in taken or new == old:
            new = old ^ (1 << rng.randrange(16))
    con.execute(f"UPDATE stock_movements SET {col} = ? WHERE seq = ?", (new, seq))
    _cover_tracks(con)
    con.close()
    return f"seq {seq} {col}: {old!r} -> {new!r}"


def _in_ledger_record(data: bytearray, mid: bytes, h: bytes, value: bytes) -> int:
    """Where ``value`` is stored in the ledger table's record of movement ``mid`` (not in the
    id index, nor in an outbox event's JSON, nor in another table holding the same text)."""
    at = data.find(mid)
    while at >= 0:
        window = bytes(data[at : at + 400])
        if data[at - 1] != ord('"') and h in window:  # a record carries its hash; JSON quotes
            return at + window.index(value)
        at = data.find(mid, at + 1)
    raise AssertionError(f"the ledger record of {mid!r} is not in the file")


def file_flip(rng: random.Random, db: Path) -> str:
    con = sqlite3.connect(db)
    seq, mid, h, col, value = rng.choice(con.execute(
        "SELECT seq, id, hash, 'reference', reference FROM stock_movements WHERE reference != ''"
        " UNION ALL SELECT seq, id, hash, 'occurred_at', occurred_at FROM stock_movements"
        " UNION ALL SELECT seq, id, hash, 'hash', hash FROM stock_movements").fetchall())
    con.close()
    data = bytearray(db.read_bytes())
    at = _in_ledger_record(data, mid.encode(), h.encode(), value.encode())
    i = at + rng.randrange(len(value.encode()))
    data[i] ^= rng.randrange(1, 256)
    db.write_bytes(bytes(data))
    return f"seq {seq} {col} byte {i - at} in the file"


def delete(rng: random.Random, db: Path) -> str:
    con = _raw(db)
    (last,) = con.execute("SELECT max(seq) FROM stock_movements").fetchone()
    seq = last if rng.random() < 0.2 else rng.choice(
        [s for (s,) in con.execute("SELECT seq FROM stock_movements")])
    con.execute("DELETE FROM stock_movements WHERE seq = ?", (seq,))
    _cover_tracks(con)
    con.close()
    return f"deleted seq {seq}{' (the newest)' if seq == last else ''}"


def reorder(rng: random.Random, db: Path) -> str:
    con = _raw(db)
    seqs = sorted(s for (s,) in con.execute("SELECT seq FROM stock_movements"))
    k = rng.randrange(len(seqs) - 1)
    a, b = seqs[k], seqs[k + 1] if rng.random() < 0.5 else rng.choice(seqs[k + 1:])
    cols = ", ".join(COLUMNS[1:])
    ra = con.execute(f"SELECT {cols} FROM stock_movements WHERE seq = ?", (a,)).fetchone()
    rb = con.execute(f"SELECT {cols} FROM stock_movements WHERE seq = ?", (b,)).fetchone()
    sets = ", ".join(f"{c} = ?" for c in COLUMNS[1:])
    con.execute("BEGIN")
    con.execute("UPDATE stock_movements SET id = 'swap' WHERE seq = ?", (a,))
    con.execute(f"UPDATE stock_movements SET {sets} WHERE seq = ?", (*ra, b))
    con.execute(f"UPDATE stock_movements SET {sets} WHERE seq = ?", (*rb, a))
    con.execute("COMMIT")
    con.close()
    return f"swapped seq {a} and {b}"


KINDS: dict[str, Callable[[random.Random, Path], str]] = {
    "flip": flip, "file": file_flip, "delete": delete, "reorder": reorder,
}


def detected(data_dir: Path) -> tuple[bool, str]:
    """Whether the project's verify refuses the register, and what it says."""
    try:
        with open_register(data_dir) as app:
            r = app.inventory.verify()
    except sqlite3.DatabaseError as exc:  # SQLite itself refuses the damaged file
        return True, f"sqlite: {exc}"
    return not r.ok, r.problem


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_verify_detects_every_tampering(kind: str, worked: Path, tmp_path: Path) -> None:
    rng = random.Random(f"tamper-{kind}")
    db_name = config.Paths(worked).database.name
    missed: list[str] = []
    for trial in range(TRIALS):
        data_dir = tmp_path / f"t{trial}"
        shutil.copytree(worked, data_dir)
        what = KINDS[kind](rng, data_dir / db_name)
        found, _ = detected(data_dir)
        if not found:
            missed.append(what)
        shutil.rmtree(data_dir)
    assert not missed, f"verify missed {len(missed)} of {TRIALS} ({kind}): {missed[:10]}"


def test_an_unreadable_first_row_is_reported_not_raised(worked: Path, tmp_path: Path) -> None:
    """Found by the full-size run: a byte that breaks the text of one of the first rows failed
    inside the query's first fetch, where verify did not catch it, and verify crashed."""
    data_dir = tmp_path / "first"
    shutil.copytree(worked, data_dir)
    db = config.Paths(data_dir).database
    con = sqlite3.connect(db)
    mid, h, ref = con.execute("SELECT id, hash, reference FROM stock_movements WHERE "
                              "reference != '' ORDER BY seq LIMIT 1").fetchone()
    con.close()
    data = bytearray(db.read_bytes())
    data[_in_ledger_record(data, mid.encode(), h.encode(), ref.encode())] = 0xFF  # not UTF-8
    db.write_bytes(bytes(data))
    with open_register(data_dir) as app:
        r = app.inventory.verify()
    assert not r.ok and "cannot be read" in r.problem
