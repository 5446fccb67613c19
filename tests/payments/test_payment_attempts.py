"""Payment attempts: journaled before anything is sent, one charge per sale, an unknown outcome
blocks a second charge unless a supervisor approves it (audited), and a double charge found
later is voided. Against the ZVT emulator on a real socket and a real register database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.errors import RuleError
from pos_terminal.hardware.errors import TerminalUnreachableError
from pos_terminal.hardware.terminal_settings import TerminalSettings, parse_port
from pos_terminal.services.catalog import resolve
from pos_terminal.services.parking import cart_to_json
from pos_terminal.services.payments import PaymentService, PaymentUnknownError, sale_plan

from zvt_emulator import ZvtEmulator


@pytest.fixture
def emu() -> Iterator[ZvtEmulator]:
    e = ZvtEmulator()
    yield e
    e.stop()


@pytest.fixture
def payments(app: App, emu: ZvtEmulator) -> Iterator[PaymentService]:
    s = TerminalSettings(kind="zvt", address=parse_port(emu.port, "zvt"), timeout=5)
    svc = PaymentService(app.ctx, s)
    app.payments = svc
    yield svc
    svc.close()


def a_plan(app: App, products: list[dict]) -> tuple[dict, int]:
    code = next(p["barcodes"][0]["code"] for p in products
                if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None)
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, code), 2)
    user = app.users.by_name("cashier").id
    plan = sale_plan(cart_to_json(cart), [], user, False)
    plan["total"] = app.checkout.totals(cart).total
    return plan, plan["total"]


def test_every_step_is_journaled_in_order(app: App, payments: PaymentService,
                                          products: list[dict]) -> None:
    plan, total = a_plan(app, products)
    seen: list[str] = []
    payments.on_step = lambda _id, step: seen.append(step)
    a = payments.charge("sale-1", total, plan["user_id"], plan)
    assert a.state == "approved"
    payments.complete(a, app)
    assert seen == ["created", "sent", "status", "status", "status", "approved",
                    "sale committed"]
    assert payments.get(a.id).state == "recorded"


def test_a_charged_card_pays_one_sale_once(app: App, payments: PaymentService,
                                           products: list[dict]) -> None:
    plan, total = a_plan(app, products)
    a = payments.charge("sale-1", total, plan["user_id"], plan)
    first = payments.complete(a, app)
    assert first.receipt_no
    with pytest.raises(RuleError, match="already on a sale"):
        payments.complete(payments.get(a.id), app)
    # nor can the tender be taken into a sale twice by hand
    stale = replace(payments.get(a.id), state="approved", approved_amount=total)
    with pytest.raises(RuleError, match="already on a sale"):
        payments.complete(stale, app)


def test_unknown_outcome_blocks_a_second_charge_until_a_supervisor_approves(
        app: App, payments: PaymentService, emu: ZvtEmulator, products: list[dict]) -> None:
    plan, total = a_plan(app, products)
    user = plan["user_id"]
    emu.script = ["drop-after"]  # the card is charged, the register hears nothing
    with pytest.raises(PaymentUnknownError):
        payments.charge("sale-1", total, user, plan)
    # the terminal is unplugged before the register can ask it
    payments._terminal = None
    payments.settings = replace(payments.settings, address=parse_port("tcp://127.0.0.1:1",
                                                                      "zvt"))
    got = payments.recover(app)
    assert [r.outcome for r in got] == ["unknown"]
    assert "supervisor" in got[0].message
    with pytest.raises(PaymentUnknownError, match="supervisor"):
        payments.charge("sale-1", total, user, plan)
    # a supervisor allows a second charge; it is audited with both attempts
    approval = app.users.approve("manager", "9999", "second_card_charge",
                                 app.users.by_name("cashier"), "customer waiting")
    payments.settings = replace(payments.settings, address=parse_port(emu.port, "zvt"))
    payments._terminal = None
    second = payments.charge("sale-1", total, user, plan, approval=approval)
    payments.complete(second, app)
    with app.ctx.read() as conn:
        audit = conn.exec_driver_sql(
            "select action, detail from audit_log where action = 'second_card_charge'").all()
    assert len(audit) == 1 and second.id in audit[0][1]
    # The terminal is back, but a ZVT terminal remembers only its last transaction (the
    # second charge): it cannot tell about the first, which stays unknown; its end-of-day
    # shows the extra charge as a difference, kept for the manager.
    got = payments.recover(app)
    assert [r.outcome for r in got] == ["unknown"] and "end-of-day" in got[0].message
    settled = payments.end_of_day(user)
    assert settled.difference == total and settled.register_amount == total


def test_nexo_finds_a_double_charge_and_voids_it(app: App, products: list[dict]) -> None:
    """nexo asks by the payment's own ServiceID: the first charge is found approved after the
    supervisor-approved second one paid the sale, and voided at once (audited)."""
    from nexo_emulator import NexoEmulator

    plan, total = a_plan(app, products)
    user = plan["user_id"]
    with NexoEmulator(passphrase="p") as nexo:
        s = TerminalSettings(kind="nexo", address=parse_port(nexo.port, "nexo"),
                             poi_id=nexo.poi_id, key_identifier="k", key_passphrase="p",
                             timeout=5)
        payments = PaymentService(app.ctx, s)
        nexo.script = ["drop-after"]
        with pytest.raises(PaymentUnknownError):
            payments.charge("sale-1", total, user, plan)
        nexo.stop()
        payments._terminal = None
        assert [r.outcome for r in payments.recover(app)] == ["unknown"]
    with NexoEmulator(passphrase="p") as again:
        # the same terminal back on another port, its memory carried over
        again.payments = nexo.payments
        again._seq = nexo._seq
        payments.settings = replace(payments.settings,
                                    address=parse_port(again.port, "nexo"))
        payments._terminal = None
        approval = app.users.approve("manager", "9999", "second_card_charge",
                                     app.users.by_name("cashier"), "customer waiting")
        second = payments.charge("sale-1", total, user, plan, approval=approval)
        payments.complete(second, app)
        got = payments.recover(app)
        assert [r.outcome for r in got] == ["reversed"]
        assert again.charged_total * 100 == total
        payments.close()
    with app.ctx.read() as conn:
        assert conn.exec_driver_sql("select count(*) from sales").scalar() == 1
        voids = conn.exec_driver_sql(
            "select value from audit_log where action = 'card_void'").all()
    assert voids == [(total,)]


def test_nothing_is_sent_for_a_sale_with_a_payment_still_running(
        app: App, payments: PaymentService, products: list[dict]) -> None:
    plan, total = a_plan(app, products)
    payments.begin("payment", "sale-1", total, plan["user_id"], plan)
    with pytest.raises(RuleError, match="still running"):
        payments.charge("sale-1", total, plan["user_id"], plan)
    # after a restart, a written attempt that was never sent is settled as not charged
    (r,) = payments.recover(app)
    assert r.outcome == "none" and r.attempt.state == "failed"


def test_an_unreachable_terminal_before_sending_charges_nothing(
        app: App, payments: PaymentService, products: list[dict]) -> None:
    plan, total = a_plan(app, products)
    payments.settings = replace(payments.settings,
                                address=parse_port("tcp://127.0.0.1:1", "zvt"))
    with pytest.raises(TerminalUnreachableError):
        payments.charge("sale-1", total, plan["user_id"], plan)
    (a,) = payments.attempts()
    assert a.state == "failed"
    assert payments.recover(app) == []
