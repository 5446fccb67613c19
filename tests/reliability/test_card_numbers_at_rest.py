"""No card number at rest: after a day of sales with card tenders (and a cashier typing a card
number where a terminal reference belongs), every file the register and the central wrote is
scanned for card-number patterns — Luhn-valid runs of 13-19 digits, plain or grouped with
spaces or dashes. None may be found.

Card terminals (ZVT and nexo emulators) that misbehave and send the whole card number, track 2
data and the expiry date where they should send a masked number: the register keeps only the
masked number (``test_terminal_payments_keep_no_card_number``).

Scanned: the register's data folder (SQLite database with its WAL and shared-memory files,
config, the central token file, backups), the receipt printer's output (a file printer, so the
printed receipts are on disk too), and the central's database (``pg_dump`` of its PostgreSQL
database under ``POS_TEST_PG_URL``, else its SQLite file). Known non-card digit runs are
ignored: the catalog's barcodes and digits inside long hexadecimal tokens (hashes, ids).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sync_helpers import CATALOG, EXTRA, WATER, make_register, ok, pt

from pos_central.testing import CentralHandle, running_central, test_db_url
from pos_terminal.bootstrap import open_register
from pos_terminal.domain.tenders import luhn_valid
from pos_terminal.hardware.print_worker import PrintWorker

# Test card numbers from the card schemes' public test ranges: Visa, Mastercard, Amex, grouped.
PANS = ["4111111111111111", "5555555555554444", "378282246310005", "4012 8888 8888 1881"]
# 13-19 digits in a row, or grouped as printed on cards: 4-4-4-4(-3) or Amex's 4-6-5
RUN = re.compile(rb"(?<![0-9])(?:[0-9]{13,19}|[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}"
                 rb"|[0-9]{4}([ -])[0-9]{6}\2[0-9]{5})(?![0-9])")
HEX = re.compile(rb"[0-9a-fA-F-]")


def card_numbers(data: bytes, benign: set[bytes]) -> list[str]:
    """Luhn-valid 13-19 digit runs in ``data`` that are not known non-card numbers."""
    found = []
    for m in RUN.finditer(data):
        digits = re.sub(rb"[ -]", b"", m.group())
        if not 13 <= len(digits) <= 19 or not luhn_valid(digits.decode()):
            continue
        if digits in benign:
            continue
        lo, hi = m.start(), m.end()
        while lo > 0 and HEX.match(data[lo - 1 : lo]):
            lo -= 1
        while hi < len(data) and HEX.match(data[hi : hi + 1]):
            hi += 1
        if hi - lo >= 32:  # part of a sha256 hash, a UUID or another long hex token
            continue
        found.append(m.group().decode())
    return found


def test_the_scanner_finds_card_numbers() -> None:
    """The scan itself can fail: each test PAN is found, in text and in binary surroundings."""
    for pan in PANS:
        assert card_numbers(b"\x00\x13ref " + pan.encode() + b"\x00", set()) == [pan]
    assert card_numbers(b"4037674097186", set()) == []  # an EAN-13 that fails Luhn
    assert card_numbers(b"S1-R1-0000202026-11-24", set()) == []  # adjacent fields, not a card
    h = b"ab" + b"4111111111111111" + b"c" * 40
    assert card_numbers(h, set()) == []  # inside a hash


@pytest.fixture
def central() -> Iterator[CentralHandle]:
    with test_db_url() as url, running_central(url) as handle:
        handle.create_store("S1", "Main Street")
        handle.import_catalog_csv(CATALOG)
        yield handle


def dump_central(central: CentralHandle, dest: Path) -> Path:
    url = make_url(central.db_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.copy(url.database, dest)
        for suffix in ("-wal", "-shm"):
            if Path(url.database + suffix).exists():
                shutil.copy(url.database + suffix, str(dest) + suffix)
        return dest
    args = ["pg_dump", "--data-only", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", "-f", str(dest), url.database or "postgres"]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return dest


@pytest.mark.slow
def test_no_card_number_is_written_anywhere(central: CentralHandle, tmp_path: Path) -> None:
    d = make_register(tmp_path, "S1", "R1", extra=True)
    receipts = tmp_path / "printer.bin"
    with (d / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[printer]\naddress = "file://{receipts}"\nstatus = false\n')
    ok(d, "provision", "--central", central.url, "--code", central.enroll_code("S1", "R1"))
    ok(d, "receive", f"{WATER}x100")

    refused = []
    for n in range(30):  # a day of card, split and cash sales
        pay = [["--pay", f"card:T{100000 + n}"],
               ["--pay", f"card:AUTH-{n:06d}:0.50", "--pay", "cash"],
               ["--pay", "cash"]][n % 3]
        ok(d, "sell", f"{WATER}x{1 + n % 3}", *pay)
    for pan in PANS:  # a cashier types or swipes the card where the reference goes ...
        refused.append(pt(d, "sell", WATER, "--pay", f"card:{pan}"))
        refused.append(pt(d, "return", "S1-R1-000001", WATER, "--refund", f"card:{pan}"))
        # ... or swipes it into the scan field (an unknown code)
        refused.append(pt(d, "sell", pan.replace(" ", ""), "--pay", "cash"))
    assert all(r.code != 0 for r in refused), [r.out for r in refused if r.code == 0]
    assert any("card number" in r.err for r in refused)
    ok(d, "return", "S1-R1-000002", WATER, "--refund", "card:T-REFUND-1")
    ok(d, "backup", str(d / "backups" / "manual-backup.db"))

    with open_register(d) as app:  # print every queued receipt to the file printer
        worker = PrintWorker.create(app.printing, app.printer)
        worker.start()
        worker.notify()
        deadline = time.monotonic() + 30
        while app.printing.pending().pending and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
        assert app.printing.pending().pending == 0, "receipts did not print"
    assert receipts.stat().st_size > 0
    ok(d, "sync", "--once")
    dump = dump_central(central, tmp_path / "central.dump")

    barcodes = [c for line in (CATALOG + EXTRA).splitlines() if not line.startswith("sku")
                for c in re.findall(r"\d{8,14}", line.split(",")[-1])]
    benign = {form.encode() for c in barcodes for form in (c, c.zfill(14))}  # as GTIN-14 too
    files = [p for p in d.rglob("*") if p.is_file()] + [receipts]
    files += [p for p in tmp_path.glob("central.dump*") if p.is_file()]
    assert dump in files and (d / "register.db") in files
    hits = {str(p): card_numbers(p.read_bytes(), benign) for p in files}
    hits = {p: h for p, h in hits.items() if h}
    assert not hits, f"card numbers at rest: {hits}"
    for pan in PANS:  # and never the planted ones in any spelling
        for p in files:
            assert pan.replace(" ", "").encode() not in p.read_bytes(), f"{pan} in {p}"


def test_free_text_fields_refuse_a_card_number(tmp_path: Path) -> None:
    d = make_register(tmp_path, "S1", "R1")
    ok(d, "receive", f"{WATER}x10")
    ok(d, "sell", WATER, "--pay", "cash")
    pan = PANS[0]
    stored = [
        pt(d, "return", "S1-R1-000001", WATER, "--reason", f"refund to card {pan}"),
        pt(d, "adjust", WATER, "-1", "--reason", "damaged", "--note", f"card {pan}"),
    ]
    assert [r.code for r in stored] == [1, 1], [r.out for r in stored]
    assert pan.encode() not in (d / "register.db").read_bytes()


@pytest.mark.parametrize("protocol", ["zvt", "nexo"])
def test_terminal_payments_keep_no_card_number(tmp_path: Path, protocol: str) -> None:
    from nexo_emulator import NexoEmulator
    from terminal_support import configure
    from zvt_emulator import ZvtEmulator

    d = make_register(tmp_path, "S1", "R1")
    ok(d, "receive", f"{WATER}x50")
    emu = ZvtEmulator() if protocol == "zvt" else NexoEmulator(passphrase="secret phrase")
    try:
        configure(d, emu)
        receipts = []
        for n, pan in enumerate(PANS[:2] * 2):
            emu.leak_pan = pan  # the terminal sends it whole: in its answer and its receipt
            out = ok(d, "sell", f"{WATER}x{1 + n % 2}", "--pay", "terminal", "--json")
            receipts.append(json.loads(out))
        ok(d, "return", receipts[0]["receipt_no"], WATER, "--refund", "terminal")
        ok(d, "terminal", "end-of-day")
        ok(d, "backup", str(d / "backups" / "manual-backup.db"))
        assert all(r["card"]["masked_pan"].endswith(PANS[0][-4:]) or
                   r["card"]["masked_pan"].endswith(PANS[1][-4:]) for r in receipts)
        assert all(set(r["card"]["masked_pan"][:-4]) == {"*"} for r in receipts)
    finally:
        emu.stop()
    files = [p for p in d.rglob("*") if p.is_file()]
    assert d / "register.db" in files
    barcodes = [c for line in (CATALOG + EXTRA).splitlines() if not line.startswith("sku")
                for c in re.findall(r"\d{8,14}", line.split(",")[-1])]
    benign = {form.encode() for c in barcodes for form in (c, c.zfill(14))}
    hits = {str(p): card_numbers(p.read_bytes(), benign) for p in files}
    assert not {p: h for p, h in hits.items() if h}, hits
    for pan in PANS[:2]:
        for p in files:
            assert pan.encode() not in p.read_bytes(), f"{pan} in {p}"
