"""Card terminal payments from the command line against the ZVT and nexo emulators: sales,
split tenders, declines, refunds and voids, end-of-day, doctor terminal, config show."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nexo_emulator import NexoEmulator
from support import ok, pt, unit_code
from terminal_support import configure
from zvt_emulator import ZvtEmulator


@pytest.fixture(params=["zvt", "nexo"])
def terminal(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Any]:
    emu: Any = ZvtEmulator() if request.param == "zvt" else NexoEmulator(
        passphrase="secret phrase")
    configure(data_dir, emu)
    yield emu
    emu.stop()


@pytest.fixture
def code(data_dir: Path) -> str:
    products = json.loads(ok(data_dir, "products", "--json", "--limit", "200"))
    return unit_code(products, unit="each", min_age=None, max_per_sale=None)


def rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def charged(emu: Any) -> int:
    if isinstance(emu, ZvtEmulator):
        return emu.charged_total
    return int(emu.charged_total * 100)


def test_sell_on_the_terminal(data_dir: Path, terminal: Any, code: str) -> None:
    out = json.loads(ok(data_dir, "sell", f"{code}x2", "--pay", "terminal", "--json"))
    assert out["payments"] == [{"kind": "card", "amount": out["total"],
                                "tendered": out["total"]}]
    assert out["card"]["masked_pan"].startswith("*") and out["card"]["auth_code"]
    assert charged(terminal) == out["total_minor"]
    (state, sale_id, amount), = rows(data_dir, "select state, sale_id, approved_amount "
                                                "from payment_attempts")
    assert state == "recorded" and sale_id and amount == out["total_minor"]
    (attempt,), = rows(data_dir, "select attempt_id from payments where kind = 'card'")
    assert attempt is not None


def test_split_with_cash(data_dir: Path, terminal: Any, code: str) -> None:
    out = json.loads(ok(data_dir, "sell", f"{code}x3", "--pay", "terminal:1.00", "--pay",
                        "cash", "--json"))
    kinds = {p["kind"]: p["amount"] for p in out["payments"]}
    assert kinds["card"] == "1.00" and "cash" in kinds
    assert charged(terminal) == 100


def test_a_declined_card_records_no_sale(data_dir: Path, terminal: Any, code: str) -> None:
    terminal.script = ["decline"]
    r = pt(data_dir, "sell", code, "--pay", "terminal")
    assert r.code == 1 and "nothing was charged" in r.err
    assert rows(data_dir, "select count(*) from sales") == [(0,)]
    assert rows(data_dir, "select state from payment_attempts") == [("declined",)]
    assert charged(terminal) == 0


def test_the_card_is_not_charged_for_a_sale_that_cannot_complete(
        data_dir: Path, terminal: Any, code: str) -> None:
    r = pt(data_dir, "sell", f"{code}x3", "--pay", "terminal:0.01", "--pay", "cash:0.01")
    assert r.code == 1 and "not enough cash" in r.err
    assert rows(data_dir, "select count(*) from payment_attempts") == [(0,)]


def test_a_charge_without_an_answer_is_recovered_into_its_sale(
        data_dir: Path, terminal: Any, code: str) -> None:
    terminal.script = ["drop-after"]
    r = pt(data_dir, "sell", code, "--pay", "terminal")
    assert r.code == 1 and "not known" in r.err
    assert rows(data_dir, "select count(*) from sales") == [(0,)]
    out = ok(data_dir, "terminal", "recover")
    assert "recorded" in out and "charged" in out
    assert rows(data_dir, "select count(*) from sales") == [(1,)]
    (total,), = rows(data_dir, "select total from sales")
    assert charged(terminal) == total
    assert "no card payment is waiting" in ok(data_dir, "terminal", "recover")


def test_refund_to_the_card_and_void(data_dir: Path, terminal: Any, code: str) -> None:
    first = json.loads(ok(data_dir, "sell", f"{code}x2", "--pay", "terminal", "--json"))
    second = json.loads(ok(data_dir, "sell", code, "--pay", "terminal", "--json"))
    part = json.loads(ok(data_dir, "return", first["receipt_no"], code, "--refund", "terminal",
                         "--json"))
    whole = json.loads(ok(data_dir, "return", second["receipt_no"], code, "--refund",
                          "terminal", "--json"))
    assert charged(terminal) == first["total_minor"] - part["refund_minor"]
    kinds = rows(data_dir, "select kind, state from payment_attempts order by created_at")
    assert kinds == [("payment", "recorded"), ("payment", "reversed"), ("refund", "recorded"),
                     ("reversal", "recorded")]
    assert whole["refund_minor"] == second["total_minor"]
    audit = rows(data_dir, "select action, value from audit_log where action like 'card_%' "
                           "order by id")
    assert audit == [("card_refund", part["refund_minor"]),
                     ("card_void", second["total_minor"])]
    r = pt(data_dir, "return", second["receipt_no"], code, "--refund", "terminal")
    assert r.code == 1


def test_end_of_day_compares_and_keeps_a_difference(data_dir: Path, terminal: Any,
                                                    code: str) -> None:
    a = json.loads(ok(data_dir, "sell", code, "--pay", "terminal", "--json"))
    b = json.loads(ok(data_dir, "sell", f"{code}x2", "--pay", "terminal", "--json"))
    out = json.loads(ok(data_dir, "terminal", "end-of-day", "--json"))
    assert out["terminal_count"] == out["register_count"] == 2
    assert out["difference"] == "0.00"
    # a payment taken on the terminal by hand, not through the register
    from pos_terminal.hardware.terminal import PaymentRequest
    from pos_terminal.hardware.terminal_settings import TerminalSettings, parse_port

    if isinstance(terminal, ZvtEmulator):
        from pos_terminal.hardware.zvt import ZvtTerminal

        ZvtTerminal(TerminalSettings(kind="zvt", address=parse_port(terminal.port, "zvt"))
                    ).pay(PaymentRequest(500, "EUR", "by-hand"))
    else:
        from pos_terminal.hardware.nexo import NexoTerminal

        NexoTerminal(TerminalSettings(
            kind="nexo", address=parse_port(terminal.port, "nexo"), poi_id=terminal.poi_id,
            key_identifier="mykey", key_passphrase="secret phrase")).pay(
            PaymentRequest(500, "EUR", "by-hand"))
    out = json.loads(ok(data_dir, "terminal", "end-of-day", "--json"))
    assert (out["terminal_count"], out["register_count"]) == (1, 0)
    assert out["difference"] == "5.00"
    kept = rows(data_dir, "select terminal_amount, register_amount, difference "
                          "from terminal_settlements order by id")
    assert kept == [(a["total_minor"] + b["total_minor"], a["total_minor"] + b["total_minor"],
                     0), (500, 0, 500)]


def test_doctor_terminal(data_dir: Path, terminal: Any) -> None:
    out = ok(data_dir, "doctor", "terminal")
    assert "answers" in out and "ok" in out and "not tried" in out
    assert charged(terminal) == 0
    out = ok(data_dir, "doctor", "terminal", "--test-payment")
    assert "payment  approved" in out and "void" in out
    assert charged(terminal) == 0  # the test payment was voided


def test_doctor_terminal_says_what_to_check(tmp_path: Path) -> None:
    emu = ZvtEmulator()
    emu.stop()
    r = pt(tmp_path / "none", "doctor", "terminal", "--terminal", "zvt", "--port", emu.port)
    assert r.code == 1 and "cannot be reached" in r.err
    with ZvtEmulator(password="123456") as live:
        r = pt(tmp_path / "none", "doctor", "terminal", "--terminal", "zvt", "--port",
               live.port)
        assert r.code == 1 and "refused" in r.err
        out = ok(tmp_path / "none", "doctor", "terminal", "--terminal", "zvt", "--port",
                 live.port, "--password", "123456")
        assert "registration ok: terminal id 52500001" in out


def test_config_show_lists_payment_settings_with_secrets_masked(data_dir: Path,
                                                                terminal: Any) -> None:
    shown = json.loads(ok(data_dir, "config", "show", "--json"))["values"]
    assert shown["payment.terminal"]["value"] in ("zvt", "nexo")
    assert shown["payment.port"]["value"] == terminal.port
    if isinstance(terminal, ZvtEmulator):
        assert shown["payment.password"]["value"] == "********"
    else:
        assert shown["payment.key_passphrase"]["value"] == "********"


@pytest.mark.parametrize(("section", "message"), [
    ('terminal = "zvt"\nport = "https://x:8443/nexo"', "tcp://HOST:20007"),
    ('terminal = "zvt"\nport = "tcp://x:20007"\npassword = "12"', "6 digits"),
    ('terminal = "nexo"\nport = "https://x:8443/nexo"', "poi_id"),
    ('terminal = "nexo"\nport = "http://x:8443/nexo"\npoi_id = "P400-1"', "in the clear"),
    ('terminal = "visa"', '"none", "zvt" or "nexo"'),
    ('terminal = "zvt"\nport = "tcp://x"\npasword = "000000"', "did you mean password"),
])
def test_bad_payment_settings_are_refused(data_dir: Path, code: str, section: str,
                                          message: str) -> None:
    with (data_dir / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f"\n[payment]\n{section}\n")
    r = pt(data_dir, "sell", code, "--pay", "cash")
    assert r.code == 1 and message in r.err


def test_sell_help_mentions_the_terminal(data_dir: Path) -> None:
    from pos_terminal.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["sell"].format_help()  # type: ignore[union-attr]
    assert "terminal[:AMOUNT]" in text


def test_a_build_without_the_encryption_refuses_a_nexo_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A per-store bundle leaves cryptography out unless its store config sets a key: a key
    set later (site file, register config) stops the register saying what to do."""
    import importlib.util

    from pos_terminal.errors import ConfigError
    from pos_terminal.hardware.terminal_settings import terminal_settings_from

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "cryptography" else real(name, *a))
    with pytest.raises(ConfigError, match="leaves out the encryption"):
        terminal_settings_from({"payment": {
            "terminal": "nexo", "port": "https://10.0.0.9:8443/nexo", "poi_id": "P400-1",
            "key_identifier": "k", "key_passphrase": "p"}})
