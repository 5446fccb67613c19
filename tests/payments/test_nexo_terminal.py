"""The nexo/SaleToPOI adapter: Adyen's published encrypted test message byte for byte, then the
whole exchange against the nexo emulator on a real loopback HTTP(S) socket."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import trustme

from pos_terminal.hardware.errors import (
    TerminalError,
    TerminalProtocolError,
    TerminalTimeoutError,
    TerminalUnreachableError,
)
from pos_terminal.hardware.nexo import NexoCrypto, NexoTerminal, dumps, loads, payment_result
from pos_terminal.hardware.terminal import Outcome, PaymentRequest
from pos_terminal.hardware.terminal_settings import TerminalSettings, parse_port

from nexo_emulator import NexoEmulator

FIXTURE = Path(__file__).parent / "fixtures" / "adyen-local-encrypted-payment.json"


# -- Adyen's own encrypted message ---------------------------------------------------------------
def test_adyens_published_encrypted_response_decrypts_and_verifies() -> None:
    """A SaleToPOIResponse encrypted by Adyen's library (source in the fixture): our key
    derivation, AES-256-CBC with the nonce-XORed IV and the HMAC-SHA256 check agree with it."""
    doc = json.loads(FIXTURE.read_text())
    secured = doc["SaleToPOIResponse"]
    crypto = NexoCrypto(secured["SecurityTrailer"]["KeyIdentifier"], doc["passphrase"], 1)
    inner = loads(crypto.decrypt(secured))["SaleToPOIResponse"]
    payment = inner["PaymentResponse"]
    r = payment_result(payment, 2)
    assert r.outcome is Outcome.APPROVED and r.amount == 100  # AuthorizedAmount 1 (EUR)
    assert r.card.masked_pan == "**********0010"  # "541333 **** 0010": the BIN is not kept
    assert r.card.brand == "mc" and r.card.auth_code == "123456"
    assert r.card.terminal_id == "75039202"
    assert r.transaction_ref == "4r7i001557325515012.8815573255107661|2019-05-08T14:25:15.000Z"
    merchant = next(c for c in r.receipts if c.copy == "merchant")
    assert "MERCHANT COPY" in merchant.lines
    assert "Card: ************0010" in merchant.lines
    tampered = dict(secured, SecurityTrailer=dict(secured["SecurityTrailer"],
                                                  Hmac="AAAA" + secured["SecurityTrailer"]
                                                  ["Hmac"][4:]))
    with pytest.raises(TerminalProtocolError, match="HMAC"):
        crypto.decrypt(tampered)
    with pytest.raises(TerminalProtocolError):
        NexoCrypto("k", "wrong passphrase").decrypt(secured)


def test_encrypt_round_trip_and_exact_decimal_amounts() -> None:
    crypto = NexoCrypto("mykey", "secret phrase")
    plain = dumps({"AmountsReq": {"Currency": "EUR", "RequestedAmount": Decimal("12.50")}})
    assert plain == b'{"AmountsReq":{"Currency":"EUR","RequestedAmount":12.50}}'
    secured = crypto.encrypt(plain, {"ServiceID": "x"})
    assert b"12.50" not in dumps(secured)
    assert crypto.decrypt(secured) == plain
    assert loads(b'{"a": 0.1}')["a"] == Decimal("0.1")  # never a float
    with pytest.raises(TypeError):
        dumps({"a": 0.1})


# -- against the emulator ------------------------------------------------------------------
def settings_for(emu: NexoEmulator, **kw: object) -> TerminalSettings:
    base: dict[str, object] = dict(kind="nexo", address=parse_port(emu.port, "nexo"),
                                   poi_id=emu.poi_id, sale_id="S1-R1", timeout=10)
    base.update(kw)
    return TerminalSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=["encrypted", "tls"])
def emu(request: pytest.FixtureRequest, ca: trustme.CA, tmp_path: Path
        ) -> Iterator[tuple[NexoEmulator, NexoTerminal]]:
    if request.param == "encrypted":
        e = NexoEmulator(passphrase="secret phrase")
        t = NexoTerminal(settings_for(e, key_identifier="mykey", key_passphrase="secret phrase"))
    else:
        e = NexoEmulator(tls=ca)
        pem = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(pem))
        t = NexoTerminal(settings_for(e, ca_file=str(pem),
                                      server_name="v400m-324688179.test.terminal.example"))
    yield e, t
    t.close()
    e.stop()


def req(amount: int = 1250, ref: str = "0190b7c4-attempt-1") -> PaymentRequest:
    return PaymentRequest(amount, "EUR", ref)


def test_diagnosis(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    info = t.register()
    assert info.terminal_id == e.poi_id and "OK" in info.detail


def test_an_approved_payment(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    seen: list[str] = []
    r = t.pay(req(), seen.append)
    assert r.approved and r.amount == 1250
    assert seen and "terminal" in seen[0]
    assert r.card.masked_pan.endswith("0010") and "541333" not in r.card.masked_pan
    assert r.transaction_ref.count("|") == 1
    sent = e.requests[-1]
    assert sent["MessageHeader"]["POIID"] == e.poi_id
    assert sent["MessageHeader"]["SaleID"] == "S1-R1"
    assert len(sent["MessageHeader"]["ServiceID"]) <= 10
    assert sent["PaymentRequest"]["PaymentTransaction"]["AmountsReq"] == {
        "Currency": "EUR", "RequestedAmount": Decimal("12.50")}
    assert b"541333" not in json.dumps(r.__repr__()).encode()


def test_the_wire_is_encrypted_when_a_key_is_set() -> None:
    with NexoEmulator(passphrase="secret phrase") as e:
        t = NexoTerminal(settings_for(e, key_identifier="mykey", key_passphrase="secret phrase"))
        t.pay(req())
        assert b"NexoBlob" in e.raw[-1] and b"RequestedAmount" not in e.raw[-1]
        wrong = NexoTerminal(settings_for(e, key_identifier="mykey", key_passphrase="nope"))
        with pytest.raises(TerminalError, match="Crypto Error"):
            wrong.pay(req(ref="other"))
        assert len(e.charges) == 1


def test_an_untrusted_certificate_is_refused(ca: trustme.CA, tmp_path: Path) -> None:
    other = trustme.CA()
    pem = tmp_path / "other.pem"
    other.cert_pem.write_to_path(str(pem))
    with NexoEmulator(tls=ca) as e:
        t = NexoTerminal(settings_for(e, ca_file=str(pem),
                                      server_name="v400m-324688179.test.terminal.example"))
        with pytest.raises(TerminalUnreachableError, match="not trusted"):
            t.pay(req())
        assert not e.payments  # nothing reached the terminal


def test_declined(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    e.script = ["decline"]
    r = t.pay(req())
    assert r.outcome is Outcome.DECLINED and "Not enough balance" in r.message
    assert e.charged_total == 0


def test_the_register_aborts(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    e.script = ["slow"]
    threading.Timer(0.5, t.abort).start()
    started = time.monotonic()
    r = t.pay(req())
    assert r.outcome is Outcome.ABORTED and time.monotonic() - started < e.slow_s
    assert e.charged_total == 0
    assert any(q["MessageHeader"]["MessageCategory"] == "Abort" for q in e.requests)


@pytest.mark.parametrize(("how", "charged"), [("drop-before", False), ("drop-after", True)])
def test_transaction_status_after_a_dropped_connection(
        emu: tuple[NexoEmulator, NexoTerminal], how: str, charged: bool) -> None:
    e, t = emu
    e.script = [how]
    with pytest.raises(TerminalTimeoutError, match="not known"):
        t.pay(req())
    last = t.last_transaction(req())
    assert last.found is charged
    if charged:
        assert last.result is not None and last.result.approved and last.result.amount == 1250


def test_a_payment_still_running_is_in_progress(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    e.script = ["silent"]
    quick = NexoTerminal(settings_for(e, timeout=1, key_identifier=t.settings.key_identifier,
                                      key_passphrase=t.settings.key_passphrase,
                                      ca_file=t.settings.ca_file,
                                      server_name=t.settings.server_name))
    with pytest.raises(TerminalTimeoutError):
        quick.pay(req())
    assert t.last_transaction(req()).in_progress
    e.release()
    deadline = time.monotonic() + 5
    while not (last := t.last_transaction(req())).found and time.monotonic() < deadline:
        time.sleep(0.1)
    assert last.found and last.result is not None and last.result.approved
    quick.close()


def test_reversal_refund_and_reconciliation(emu: tuple[NexoEmulator, NexoTerminal]) -> None:
    e, t = emu
    first = t.pay(req(1000, "a1"))
    second = t.pay(req(250, "a2"))
    void = t.reverse(req(250, "v1"), second.transaction_ref)
    assert void.approved and void.amount == 250
    again = t.reverse(req(250, "v2"), second.transaction_ref)
    assert again.outcome is Outcome.DECLINED
    refund = t.refund(req(300, "r1"), first.transaction_ref)
    assert refund.approved and refund.amount == 300
    assert e.charged_total == Decimal("7.00")
    totals = t.end_of_day()
    assert (totals.count, totals.amount) == (2, 700)


def test_an_unreachable_terminal() -> None:
    e = NexoEmulator(passphrase="p")
    e.stop()
    t = NexoTerminal(settings_for(e, key_identifier="k", key_passphrase="p"))
    with pytest.raises(TerminalUnreachableError, match="cannot be reached"):
        t.pay(req())
