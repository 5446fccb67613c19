"""Printer settings, status bytes and ESC/POS encoding (no device, no socket)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from pos_terminal.domain.receipt import Barcode, Cut, Document, DrawerPulse, Text
from pos_terminal.errors import ConfigError
from pos_terminal.hardware.errors import CoverOpenError, PaperOutError, PrinterUnreachableError
from pos_terminal.hardware.printer import (
    ReceiptPrinter,
    parse_status,
    profile_columns,
)
from pos_terminal.hardware.printer_settings import (
    PrinterSettings,
    parse_address,
    printer_settings_from,
    receipt_settings_from,
)

TCP = parse_address("tcp://10.0.0.5")


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("tcp://10.0.0.5", "tcp", "printer at 10.0.0.5:9100"),
        ("tcp://printer.local:9101", "tcp", "printer at printer.local:9101"),
        ("tcp://[::1]:9100", "tcp", "printer at ::1:9100"),
        ("serial:///dev/ttyS0?baudrate=19200", "serial", "serial printer on /dev/ttyS0"),
        ("usb://04b8:0202", "usb", "USB printer 04b8:0202"),
        ("file:///dev/usb/lp0", "file", "printer device /dev/usb/lp0"),
        ("/dev/usb/lp1", "file", "printer device /dev/usb/lp1"),
        ("none", "none", "no printer (on-screen receipts only)"),
    ],
)
def test_addresses(text: str, kind: str, shown: str) -> None:
    a = parse_address(text)
    assert a.kind == kind and str(a) == shown
    assert parse_address(a.text) == a


def test_address_details() -> None:
    s = parse_address("serial:///dev/ttyUSB0?baudrate=19200&dsrdtr=1")
    assert (s.device, s.baudrate, s.dsrdtr, s.rtscts) == ("/dev/ttyUSB0", 19200, True, False)
    u = parse_address("usb://4b8:e03?out_ep=0x02")
    assert (u.vid, u.pid, u.out_ep) == (0x04B8, 0x0E03, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.0.0.5", "tcp://HOST"),
        ("tcp://", "tcp://HOST[:PORT]"),
        ("tcp://10.0.0.5:99999", "port must be"),
        ("serial:///dev/ttyS0?baud=9600", "unknown option 'baud'"),
        ("serial:///dev/ttyS0?baudrate=fast", "baudrate"),
        ("usb://epson", "hex"),
        ("lpt://1", "unknown kind"),
    ],
)
def test_bad_addresses_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="where") as err:
        parse_address(text, "where")
    assert message in str(err.value)


def test_settings_defaults_and_errors() -> None:
    assert printer_settings_from({}) == PrinterSettings()
    s = printer_settings_from({"printer": {"address": "tcp://10.0.0.5", "profile": "TM-T20II",
                                           "cut": "partial", "status_timeout": 0.5}},
                              "/r/config.toml")
    assert s.address == TCP and s.cut == "partial" and s.status_timeout == 0.5
    cases = [
        ({"address": 5}, "[printer] address"),
        ({"colums": 42}, "[printer] colums: unknown key"),
        ({"columns": 12}, "[printer] columns: expected a whole number from 24 to 80"),
        ({"drawer_pin": 3}, "[printer] drawer_pin: expected 2 or 5"),
        ({"status_timeout": 5}, "[printer] status_timeout: expected seconds from 0.05 to 2.0"),
        ({"retry_min": 10, "retry_max": 1}, "[printer] retry_max"),
    ]
    for sec, message in cases:
        with pytest.raises(ConfigError) as err:
            printer_settings_from({"printer": sec}, "/r/config.toml")
        assert str(err.value).startswith("/r/config.toml: ") and message in str(err.value)


def test_receipt_settings() -> None:
    assert receipt_settings_from({}).header("Corner Shop").name == "Corner Shop"
    r = receipt_settings_from({"receipt": {"name": "Kiosk", "address": "Main St 1\n12345 Town",
                                           "tax_id": "DE1", "footer": ["Danke!"]}})
    h = r.header("ignored")
    assert (h.name, h.address, h.tax_id, h.footer) == ("Kiosk", ("Main St 1", "12345 Town"),
                                                       "DE1", ("Danke!",))
    with pytest.raises(ConfigError, match=r"c.toml: \[receipt\] address: expected a list"):
        receipt_settings_from({"receipt": {"address": 5}}, "c.toml")


def test_status_bytes() -> None:
    assert not parse_status(b"").answered
    ready = parse_status(b"\x12\x12\x12")
    assert ready.ready and ready.describe() == "ready"
    paper = parse_status(b"\x1a\x32\x72")
    assert paper.paper_end and not paper.ready
    assert isinstance(paper.problem("p"), PaperOutError)
    assert "out of paper" in str(paper.problem("printer at x"))
    cover = parse_status(b"\x1a\x16\x12")
    assert isinstance(cover.problem("p"), CoverOpenError)
    assert parse_status(b"\x12\x12\x1e").paper_near_end  # near end: still prints
    assert parse_status(b"\x12\x12\x1e").problem("p") is None
    assert isinstance(parse_status(b"\x1a\x12\x12").problem("p"), PrinterUnreachableError)
    assert not parse_status(b"\xff\x00").answered  # garbage is not a status


def test_columns_from_profile() -> None:
    assert profile_columns("TM-T88V") == 42
    assert profile_columns("TM-T20II") == 48
    assert profile_columns("POS-5890") == 32
    assert ReceiptPrinter(PrinterSettings(TCP, columns=40)).columns == 40
    assert ReceiptPrinter(PrinterSettings()).columns == 42  # no printer: on screen
    with pytest.raises(ConfigError, match="profile"):
        profile_columns("TM-NOPE")


def doc(*blocks: object, width: int = 42) -> Document:
    return Document(width, tuple(blocks))  # type: ignore[arg-type]


def test_euro_and_accents_in_the_right_code_page() -> None:
    out = ReceiptPrinter(PrinterSettings(TCP)).encode(doc(Text("€ é ß")))
    assert out.startswith(b"\x1b@")  # ESC @ resets whatever the last job left behind
    assert b"\x1bt\x13" in out  # ESC t 19: CP858
    assert "€ é ß\n".encode("cp858") in out  # € is 0xD5 in CP858
    assert b"\xd5 \x82 \xe1\n" in out
    forced = ReceiptPrinter(PrinterSettings(TCP, codepage="CP1252")).encode(doc(Text("€ é ß")))
    assert b"\x1bt\x10" in forced and "€ é ß".encode("cp1252") in forced
    # A page without €: the closest plain text instead of "?".
    plain = ReceiptPrinter(PrinterSettings(TCP, codepage="cp437")).encode(doc(Text("€5 × 2")))
    assert b"EUR5 x 2" in plain
    with pytest.raises(ConfigError, match="codepage"):
        ReceiptPrinter(PrinterSettings(TCP, codepage="KOI8-R")).encode(doc(Text("x")))


def test_barcode_cut_and_drawer_bytes() -> None:
    out = ReceiptPrinter(PrinterSettings(TCP)).encode(
        doc(DrawerPulse(), Text("hi"), Barcode("S1-R1-000001"), Cut()))
    assert b"\x1bp\x00" in out  # ESC p 0: pulse on pin 2
    assert b"\x1dkI\x0e{BS1-R1-000001" in out  # GS k 73 n: Code128, code set B
    assert out.rstrip(b"\n").endswith(b"\x1dV\x00")  # full cut
    assert out.index(b"\x1bp") < out.index(b"hi")
    pin5 = ReceiptPrinter(PrinterSettings(TCP, drawer_pin=5, cut="partial")).encode(
        doc(DrawerPulse(), Cut()))
    assert b"\x1bp\x01" in pin5 and b"\x1dV\x01" in pin5


def test_profile_without_hardware_barcodes_prints_the_number() -> None:
    out = ReceiptPrinter(PrinterSettings(TCP, profile="POS-5890")).encode(
        doc(Barcode("S1-R1-000001"), width=32))
    assert b"\x1dk" not in out and b"S1-R1-000001\n" in out


def test_escpos_import_leaves_no_trace(tmp_path: pytest.TempPathFactory) -> None:
    # A fresh interpreter: python-escpos must not add a root log handler nor a temp dir.
    code = (
        "import json, logging, os, tempfile\n"
        "before = set(os.listdir(tempfile.gettempdir()))\n"
        "from pos_terminal.hardware.printer import escpos\n"
        "escpos()\n"
        "new = [d for d in set(os.listdir(tempfile.gettempdir())) - before "
        "if d.startswith('tmp')]\n"
        "print(json.dumps({'handlers': len(logging.getLogger().handlers), 'new': new,"
        " 'dir': os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR']}))\n"
    )
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, timeout=60)
    got = json.loads(out.stdout)
    assert got["handlers"] == 0 and got["new"] == []
    assert got["dir"].startswith(str(tmp_path / "cache"))
    assert out.stderr == ""


def test_settings_dataclass_replace_keeps_address() -> None:
    s = replace(PrinterSettings(), address=TCP)
    assert ReceiptPrinter(s).enabled and str(ReceiptPrinter(s)) == "printer at 10.0.0.5:9100"


def test_backoff_doubles_is_capped_and_jittered() -> None:
    import random

    from pos_terminal.hardware.print_worker import PrintWorker

    w = PrintWorker(None, ReceiptPrinter(PrinterSettings()), retry_min=1.0,  # type: ignore[arg-type]
                    retry_max=30.0, rng=random.Random(7))
    for failures, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (60, 30.0)]:
        delays = [w.delay(failures) for _ in range(50)]
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(set(delays)) > 1  # jitter: registers do not retry in lockstep
