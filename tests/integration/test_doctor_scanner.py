"""``doctor ports`` and ``doctor scanner`` as installers run them; scans resolved to cart lines."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import tty
from pathlib import Path
from types import SimpleNamespace
from typing import IO

import pytest
from biip.checksums import gs1_price_weight_check_digit as pw_check

from pos_protocol.gtin import with_check_digit
from pos_terminal.bootstrap import App
from pos_terminal.cli import main
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.scan import BarcodeRules, RcnRule, interpret_scan
from pos_terminal.errors import BarcodeError, NotFoundError
from pos_terminal.services.catalog import resolve, resolve_scan

WATER = "4037674097186"  # the demo's first product, sold by the piece
BANANAS = "4019387329846"  # sold by weight, 1.69 per kg


# -- doctor scanner, a real process on a real pty --------------------------------------------
class Doctor:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pos_terminal", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.err: queue.Queue[str] = queue.Queue()
        assert self.proc.stderr is not None
        self.pump = threading.Thread(target=self._pump, args=(self.proc.stderr,), daemon=True)
        self.pump.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.err.put(line)

    def wait_ready(self, timeout: float = 15) -> None:
        while True:
            try:
                line = self.err.get(timeout=timeout)
            except queue.Empty:
                self.proc.kill()
                pytest.fail("doctor scanner never said it was ready")
            if "scanner ready" in line:
                return
            if line.startswith("error"):
                pytest.fail(line)

    def finish(self, timeout: float = 15) -> tuple[int, list[dict], str]:
        assert self.proc.stdout is not None
        self.proc.wait(timeout=timeout)
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        self.pump.join(timeout)
        err = "".join(self.err.queue)
        return self.proc.returncode, [json.loads(x) for x in out.splitlines()], err


@pytest.fixture
def pty() -> tuple[int, str]:
    m, s = os.openpty()
    tty.setraw(s)
    yield m, os.ttyname(s)
    os.close(m)
    os.close(s)


def test_doctor_scanner_prints_one_json_line_per_frame(
    data_dir: Path, pty: tuple[int, str]
) -> None:
    master, path = pty
    doc = Doctor("--data-dir", str(data_dir), "doctor", "scanner", "--port", path,
                 "--count", "3", "--timeout", "20")
    doc.wait_ready()
    os.write(master, WATER.encode() + b"\r\n" + b"\xff\xfe\x01junk\r" + b"]E05901234123457\n")
    code, lines, err = doc.finish()
    assert code == 0, err
    assert len(lines) == 3
    water, junk, unknown = lines
    assert water["gtin"] == WATER and water["error"] is None
    assert water["product"]["sku"] == "100001"
    assert junk["gtin"] is None and junk["error"] and junk["product"] is None
    assert unknown["gtin"] == "5901234123457" and unknown["symbology"] == "]E0"
    assert unknown["product"] is None and "unknown barcode" in unknown["lookup"]
    for line in lines:
        assert [k for k in line if "gtin" in k] == ["gtin"]
        assert {"raw", "symbology", "gtin", "error", "product"} <= line.keys()


def test_doctor_scanner_works_without_a_register(tmp_path: Path, pty: tuple[int, str]) -> None:
    master, path = pty
    doc = Doctor("--data-dir", str(tmp_path / "none"), "doctor", "scanner", "--port", path,
                 "--count", "1", "--timeout", "20")
    doc.wait_ready()
    os.write(master, b"]C10105901234123457" + b"10LOT9\x1d" + b"3103000500\r")
    code, (line,), err = doc.finish()
    assert code == 0, err
    assert (line["gtin"], line["lot"], line["weight_g"], line["product"]) == (
        "5901234123457", "LOT9", 500, None)


def test_doctor_scanner_timeout_short_of_count_fails(tmp_path: Path, pty: tuple[int, str]) -> None:
    master, path = pty
    doc = Doctor("--data-dir", str(tmp_path), "doctor", "scanner", "--port", path,
                 "--count", "2", "--timeout", "1")
    doc.wait_ready()
    os.write(master, WATER.encode() + b"\r")
    code, lines, err = doc.finish()
    assert code != 0 and len(lines) == 1 and "1 of 2" in err


def test_doctor_scanner_on_a_missing_port_says_so_in_one_line(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pos_terminal", "--data-dir", str(tmp_path), "doctor", "scanner",
         "--port", str(tmp_path / "ttyACM7"), "--count", "1"],
        capture_output=True, text=True, timeout=30,
    )
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error:") and "not found" in r.stderr


def test_doctor_scanner_needs_a_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "doctor", "scanner"]) != 0
    assert "--port" in capsys.readouterr().err


# -- doctor ports ------------------------------------------------------------------------------
def test_doctor_ports_lists_vid_pid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = SimpleNamespace(
        device="/dev/ttyACM0", vid=0x05E0, pid=0x1200, description="Symbol Bar Code Scanner",
        manufacturer="Symbol Technologies", product="Symbol Bar Code Scanner",
        serial_number="S/N:1234", location="1-1:1.0", hwid="USB VID:PID=05E0:1200",
    )
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [fake])
    assert main(["doctor", "ports", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["device"], row["vid"], row["pid"]) == ("/dev/ttyACM0", "05e0", "1200")
    assert main(["doctor", "ports"]) == 0
    assert "05e0:1200" in capsys.readouterr().out


def test_doctor_ports_says_plainly_when_there_are_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [])
    assert main(["doctor", "ports"]) == 0
    assert "no serial ports found" in capsys.readouterr().out
    assert main(["doctor", "ports", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


# -- a scan resolved into a cart line -----------------------------------------------------------
DE = BarcodeRules(rcn_region="de", rcn_rules=(RcnRule.parse("21-IIIII-PPPPP"),))
# In-store codes are stored with the variable part zeroed (or as a PLU, like W2's 5678).
CATALOG = f"""sku,name,tax_class,unit,price,price_per,barcodes
W1,Gouda by weight,RED,g,2.49,100,{with_check_digit("281234000000")}
W2,Serrano by weight,RED,g,3.99,100,5678
M1,Olives by price,RED,g,14.90,1000,{with_check_digit("221111000000")}
P1,Cake slice,RED,each,1.00,1,{with_check_digit("211234500000")}
"""


def de_code(prefix: str, item: str, value: str) -> str:
    return with_check_digit(f"{prefix}{item}{pw_check(value)}{value}")


@pytest.fixture
def store(app: App) -> App:
    app.catalog.import_text(CATALOG)
    return app


def scan(app: App, code: str) -> object:
    with app.ctx.read() as conn:
        return resolve_scan(conn, code, DE)


def test_weight_label_gives_grams_and_the_catalog_price(store: App) -> None:
    hit = scan(store, de_code("28", "1234", "01234"))
    assert (hit.item.sku, hit.quantity, hit.embedded_weight_g) == ("W1", 1234, 1234)
    assert hit.item == hit.catalog_item and not hit.needs_quantity
    line = Cart().add(hit.item, hit.quantity)
    assert line.gross == 3073  # 1234 g × 2.49 / 100 g


def test_weight_label_found_by_its_plu(store: App) -> None:
    hit = scan(store, de_code("28", "5678", "00500"))
    assert (hit.item.sku, hit.quantity) == ("W2", 500)


def test_price_label_on_a_measured_item_charges_the_label_exactly(store: App) -> None:
    hit = scan(store, de_code("22", "1111", "00347"))
    assert hit.item.sku == "M1" and hit.embedded_price == 347
    assert hit.quantity == 233  # 3.47 / 14.90 per kg, in grams
    assert Cart().add(hit.item, hit.quantity).gross == 347


def test_price_label_on_a_piece_item_with_a_store_rule(store: App) -> None:
    hit = scan(store, with_check_digit("211234500249"))
    assert (hit.item.sku, hit.quantity, hit.embedded_price) == ("P1", 1, 249)
    cart = Cart()
    cart.add(hit.item, hit.quantity)
    cart.add(hit.item, hit.quantity)
    assert sum(line.gross for line in cart.lines) == 498


def test_gs1_weight_on_a_measured_item(store: App) -> None:
    code = interpret_scan(f"]C101{BANANAS.zfill(14)}3103001500")
    with store.ctx.read() as conn:
        hit = resolve_scan(conn, code)
    assert (hit.item.name, hit.quantity) == ("Bananas", 1500)


def test_a_weight_on_a_piece_item_adds_nothing(store: App) -> None:
    code = interpret_scan(f"]C101{WATER.zfill(14)}3103001500")
    with store.ctx.read() as conn, pytest.raises(BarcodeError, match="sold by each"):
        resolve_scan(conn, code)


def test_unknown_and_bad_codes_say_why(store: App) -> None:
    with pytest.raises(NotFoundError, match="unknown barcode"):
        scan(store, de_code("28", "9999", "01000"))
    with pytest.raises(NotFoundError, match="unknown barcode"):
        scan(store, "5901234123457")
    with pytest.raises(BarcodeError, match="bad check digit"):
        scan(store, WATER[:-1] + "0")


def test_plain_codes_resolve_as_before(store: App) -> None:
    with store.ctx.read() as conn:
        old = resolve(conn, WATER)
        hit = resolve_scan(conn, WATER)
        pack = resolve_scan(conn, "24037674097180")
        by_sku = resolve_scan(conn, "100001")
    assert hit.item == old and hit.quantity == 1 and hit.embedded_price is None
    assert pack.item.pack == 6 and pack.quantity == 1
    assert by_sku.item.sku == "100001"
    banana = store.catalog.scan(BANANAS)
    assert banana.needs_quantity
