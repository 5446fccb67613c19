"""The ZVT adapter against the ZVT emulator on a real loopback socket and on a real pty."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from pos_terminal.hardware.errors import (
    TerminalError,
    TerminalTimeoutError,
    TerminalUnreachableError,
)
from pos_terminal.hardware.terminal import Outcome, PaymentRequest
from pos_terminal.hardware.terminal_settings import TerminalSettings, parse_port
from pos_terminal.hardware.zvt import ZvtTerminal
from pos_terminal.hardware.zvt_codec import ZvtFormatError, unframe

from zvt_emulator import ZvtEmulator


def terminal_for(emu: ZvtEmulator, timeout: float = 10, password: str = "000000"
                 ) -> ZvtTerminal:
    return ZvtTerminal(TerminalSettings(kind="zvt", address=parse_port(emu.port, "zvt"),
                                        timeout=timeout, password=password))


@pytest.fixture(params=["tcp", "serial"])
def emu(request: pytest.FixtureRequest) -> Iterator[ZvtEmulator]:
    e = ZvtEmulator(serial=request.param == "serial")
    yield e
    e.stop()


def req(amount: int = 1250) -> PaymentRequest:
    return PaymentRequest(amount, "EUR", "attempt-1")


def test_registration_and_status_enquiry(emu: ZvtEmulator) -> None:
    info = terminal_for(emu).register()
    assert info.terminal_id == "52500001"
    assert info.detail == "software EMU 1.0"
    assert emu.received[0].command == (0x06, 0x00)


def test_a_wrong_password_is_refused_with_what_to_check(emu: ZvtEmulator) -> None:
    with pytest.raises(TerminalError, match="refused"):
        terminal_for(emu, password="123456").register()


def test_an_approved_payment_shows_statuses_and_keeps_only_masked_card_data(
        emu: ZvtEmulator) -> None:
    seen: list[str] = []
    r = terminal_for(emu).pay(req(), seen.append)
    assert r.outcome is Outcome.APPROVED and r.amount == 1250
    assert seen[:3] == ["insert card", "watch the PIN pad", "waiting for the card issuer"]
    assert r.card.masked_pan == "************4771"
    assert r.card.brand == "MASTERCARD" and r.card.terminal_id == "52500001"
    assert r.card.trace_no and r.card.receipt_no == "0001" and r.card.auth_code
    assert r.transaction_ref == "0001"
    copies = {c.copy: c for c in r.receipts}
    assert set(copies) == {"merchant", "customer"}
    assert copies["merchant"].signature and not copies["customer"].signature
    assert "Nr: ************4771" in copies["customer"].lines
    assert emu.charged_total == 1250


def test_receipts_as_text_blocks() -> None:
    with ZvtEmulator(text_blocks=True) as emu:
        r = terminal_for(emu).pay(req())
    assert r.approved
    assert {c.copy for c in r.receipts} == {"merchant", "customer"}
    assert r.receipts[0].lines[0] == "** MERCHANT COPY **"


@pytest.mark.parametrize(("how", "outcome", "text"), [
    ("decline", Outcome.DECLINED, "declined by the card issuer"),
    ("customer-abort", Outcome.ABORTED, "aborted"),
])
def test_declined_and_aborted_payments_charge_nothing(
        emu: ZvtEmulator, how: str, outcome: Outcome, text: str) -> None:
    emu.script = [how]
    r = terminal_for(emu).pay(req())
    assert r.outcome is outcome and text in r.message and r.amount == 0
    assert emu.charged_total == 0


def test_the_register_aborts_a_payment_in_progress(emu: ZvtEmulator) -> None:
    t = terminal_for(emu)

    def on_status(text: str) -> None:
        if text == "insert card":  # the cashier presses Esc while the customer looks for a card
            threading.Thread(target=t.abort).start()

    r = t.pay(req(), on_status)
    assert r.outcome is Outcome.ABORTED
    assert any(a.command == (0x06, 0xB0) for a in emu.received)
    assert emu.charged_total == 0


def test_a_silent_terminal_leaves_the_outcome_unknown(emu: ZvtEmulator) -> None:
    emu.script = ["silent"]
    with pytest.raises(TerminalTimeoutError, match="not known"):
        terminal_for(emu, timeout=1).pay(req())


@pytest.mark.parametrize(("how", "charged"), [("drop-before", False), ("drop-after", True),
                                              ("drop-status", True)])
def test_a_dropped_connection_then_the_last_transaction_tells_what_happened(
        emu: ZvtEmulator, how: str, charged: bool) -> None:
    t = terminal_for(emu)
    t.pay(req(500))  # an earlier, recorded payment: receipt 0001
    emu.script = [how]
    with pytest.raises(TerminalTimeoutError):
        t.pay(req())
    last = t.last_transaction(req(), known=("0001",))
    assert last.found is charged
    if charged:
        assert last.result is not None and last.result.approved
        assert last.result.amount == 1250 and last.result.card.receipt_no == "0002"
        # once recorded, the same transaction is not taken for a new attempt's
        assert not t.last_transaction(req(), known=("0001", "0002")).found


def test_reversal_voids_a_payment_once(emu: ZvtEmulator) -> None:
    t = terminal_for(emu)
    paid = t.pay(req())
    back = t.reverse(req(), paid.transaction_ref)
    assert back.approved and emu.charged_total == 0
    again = t.reverse(req(), paid.transaction_ref)
    assert again.outcome is Outcome.DECLINED and "already reversed" in again.message


def test_refund_and_end_of_day(emu: ZvtEmulator) -> None:
    t = terminal_for(emu)
    t.pay(req(1000))
    t.pay(req(250))
    refund = t.refund(req(300))
    assert refund.approved and emu.charged_total == 950
    totals = t.end_of_day()
    assert (totals.count, totals.amount) == (2, 1250)
    assert totals.by_brand == (("Mastercard", 2, 1250),)
    assert t.end_of_day().amount == 0  # a new batch


def test_log_off() -> None:
    with ZvtEmulator() as emu:
        terminal_for(emu).close()
        assert emu.received[-1].command == (0x06, 0x02)


def test_serial_frames_with_a_bad_crc_are_refused_and_sent_again() -> None:
    with ZvtEmulator(serial=True) as emu:
        assert emu.side is not None
        emu.side.corrupt_next = 2
        r = terminal_for(emu).pay(req())
        assert r.approved
        sent = emu.side.frames_sent
        with pytest.raises(ZvtFormatError, match="CRC"):
            unframe(sent[0])  # damaged twice (the register answered NAK), then sent whole
        assert sent[0] == sent[1] and unframe(sent[2])


def test_an_unreachable_terminal_says_what_to_check() -> None:
    emu = ZvtEmulator()
    emu.stop()
    with pytest.raises(TerminalUnreachableError, match="refused the connection"):
        terminal_for(emu).pay(req())
