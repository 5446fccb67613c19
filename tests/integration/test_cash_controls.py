"""Cash controls: paid in/out limits per role and the drawer's expected cash, a blind X for
cashiers, a manager's sign-off of a closing count difference (tests/ui/test_scenario_cash.py
drives the same rules by keys)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.receipt import to_text
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import Role
from pos_terminal.errors import ApprovalRequired, AuthError, ConfigError, InputError

from support import unit_code


def db(app: App) -> sqlite3.Connection:
    return sqlite3.connect(app.paths.database)


def counts(app: App) -> tuple[int, int]:
    c = db(app)
    return (c.execute("select count(*) from cash_movements").fetchone()[0],
            c.execute("select count(*) from audit_log").fetchone()[0])


def with_cash_config(data_dir: Path, text: str) -> None:
    with (data_dir / "config.toml").open("a", encoding="utf-8") as f:
        f.write("\n[cash]\n" + text + "\n")


def test_the_reported_paid_out_of_10000_from_a_float_of_156_is_refused(app: App) -> None:
    cashier = app.users.by_name("cashier")
    app.shifts.open(cashier.id, 15_600)
    before = counts(app)
    with pytest.raises(ApprovalRequired, match="manager's PIN") as got:
        app.shifts.paid("paid_out", 1_000_000, "supplier", cashier.id)
    assert got.value.action == "paid_out"
    assert "156" not in str(got.value)  # the drawer's figure is never told: the close is blind
    assert counts(app) == before
    assert app.shifts.x_report().expected_cash == 15_600


def test_paid_out_within_the_cashier_limit_is_audited_with_its_value(app: App) -> None:
    cashier = app.users.by_name("cashier")
    shift = app.shifts.open(cashier.id, 10_000)
    app.shifts.paid("paid_out", 5_000, "window cleaner", cashier.id)  # the default limit: 50.00
    row = db(app).execute("select action, user_id, approver_id, reason, value, shift_id, "
                          "reference from audit_log").fetchone()
    assert row == ("paid_out", cashier.id, cashier.id, "window cleaner", 5_000, shift.id,
                   f"shift {shift.number}")
    with pytest.raises(ApprovalRequired, match=r"above the cashier limit of 50\.00"):
        app.shifts.paid("paid_out", 5_001, "window cleaner", cashier.id)


def test_above_the_limit_a_managers_pin_is_needed_and_the_approver_is_audited(
        app: App) -> None:
    cashier = app.users.by_name("cashier")
    manager = app.users.by_name("manager")
    app.users.add("sue", Role.SUPERVISOR, "2222")
    app.shifts.open(cashier.id, 50_000)
    with pytest.raises(AuthError, match="paid out needs a manager"):
        app.users.approve("sue", "2222", "paid_out", cashier, "delivery")
    ok = app.users.approve("manager", "9999", "paid_out", cashier, "beer delivery, cash")
    app.shifts.paid("paid_out", 12_000, "beer delivery", cashier.id, ok)
    row = db(app).execute("select user_id, approver_id, value, detail from audit_log "
                          "where action = 'paid_out'").fetchone()
    assert row[:3] == (cashier.id, manager.id, 12_000)
    assert "above the cashier limit" in row[3] and "beer delivery, cash" in row[3]
    x = app.shifts.x_report()
    assert x.paid_out == 12_000 and x.controls["paid_out"] == (1, 12_000)
    # an approval for another action does not do
    other = app.users.approve("manager", "9999", "no_sale", cashier, "x")
    with pytest.raises(Exception, match="paid out approval"):
        app.shifts.paid("paid_out", 12_000, "again", cashier.id, other)


def test_limits_per_role_come_from_the_store_config(data_dir: Path) -> None:
    with_cash_config(data_dir, 'paid_out_limit_cashier = "10.00"\n'
                               'paid_out_limit_supervisor = "none"\n'
                               'paid_in_limit_cashier = "0.00"')
    with open_register(data_dir) as app:
        app.users.add("sue", Role.SUPERVISOR, "2222")
        cashier, sue = app.users.by_name("cashier"), app.users.by_name("sue")
        app.shifts.open(cashier.id, 100_000)
        app.shifts.paid("paid_out", 1_000, "milk", cashier.id)
        with pytest.raises(ApprovalRequired, match=r"above the cashier limit of 10\.00"):
            app.shifts.paid("paid_out", 1_001, "milk", cashier.id)
        app.shifts.paid("paid_out", 90_000, "rent", sue.id)  # no limit for supervisors ...
        with pytest.raises(ApprovalRequired, match="more than the drawer should hold"):
            app.shifts.paid("paid_out", 20_000, "rent", sue.id)  # ... but the drawer's cash
        with pytest.raises(ApprovalRequired, match=r"paid in of 0\.01 is above the cashier"):
            app.shifts.paid("paid_in", 1, "float top-up", cashier.id)
        manager = app.users.by_name("manager")
        app.shifts.paid("paid_out", 20_000, "rent", manager.id)  # a manager is the approver


def test_the_supervisor_default_limit_and_paid_in(app: App) -> None:
    app.users.add("sue", Role.SUPERVISOR, "2222")
    sue = app.users.by_name("sue")
    app.shifts.open(sue.id, 100_000)
    app.shifts.paid("paid_out", 20_000, "window cleaner", sue.id)
    with pytest.raises(ApprovalRequired, match=r"supervisor limit of 200\.00"):
        app.shifts.paid("paid_out", 20_001, "window cleaner", sue.id)
    app.shifts.paid("paid_in", 100_000, "change from the bank", sue.id)
    with pytest.raises(ApprovalRequired, match="paid in"):
        app.shifts.paid("paid_in", 100_001, "change from the bank", sue.id)


@pytest.mark.parametrize(("line", "error"), [
    ('paid_out_limit_cashier = "fifty"', "paid_out_limit_cashier: expected an amount"),
    ('paid_out_limit_cashier = "-5.00"', "cannot be negative"),
    ('paid_out_limt_cashier = "5.00"', "paid_out_limt_cashier"),
    ('close_difference_limit = "none"', "close_difference_limit"),
    ("close_difference_limit = true", "close_difference_limit"),
])
def test_a_bad_cash_setting_refuses_the_start(data_dir: Path, line: str, error: str) -> None:
    with_cash_config(data_dir, line)
    with pytest.raises(ConfigError, match=error):
        open_register(data_dir)


def test_a_reason_always(app: App) -> None:
    cashier = app.users.by_name("cashier")
    app.shifts.open(cashier.id, 10_000)
    for reason in ("", "   "):
        with pytest.raises(InputError, match="reason"):
            app.shifts.paid("paid_out", 100, reason, cashier.id)
    manager = app.users.by_name("manager")
    with pytest.raises(InputError, match="reason"):
        app.shifts.paid("paid_out", 100, "", manager.id)


def test_a_cashiers_x_is_blind_a_managers_is_not(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    cashier = app.users.by_name("cashier")
    app.shifts.open(cashier.id, 10_000)
    s = app.sale_session(cashier)
    s.scan(code, 2)
    s.complete([Tender(TenderKind.CASH)])
    s.scan(code, 1)
    s.complete([Tender(TenderKind.CARD, None, "T-1")])
    blind = app.shifts.x_report(Role.CASHIER)
    full = app.shifts.x_report(Role.SUPERVISOR)
    assert blind.blind and blind.expected_cash is None and blind.difference is None
    assert blind.sales_count == full.sales_count == 2
    assert blind.net_sales == full.net_sales
    assert "cash" not in blind.tenders and "card" in blind.tenders
    assert full.expected_cash is not None and full.expected_cash > 10_000
    text = app.printing.report_text(blind)
    assert "expected" not in text.lower() and "Sales" in text and "Blind X" in text
    assert "Expected cash" in app.printing.report_text(full)
    assert app.shifts.x_report(Role.MANAGER).expected_cash == full.expected_cash
    table = app.reports.shift_table(blind)
    assert "expected cash" not in [r[0] for r in table.rows]
    # printed, the cashier's X stays blind (the print worker renders the queued job)
    job_id = app.printing.print_report(blind)
    job = next(j for j in app.printing.jobs() if j.id == job_id)
    assert job.reference.endswith(":blind") and "blind" in job.label
    paper = to_text(app.printing.render(job))
    assert "expected" not in paper.lower() and "X   R E P O R T" in paper
    full_id = app.printing.print_report(full)
    full_job = next(j for j in app.printing.jobs() if j.id == full_id)
    assert "Expected cash" in to_text(app.printing.render(full_job))


def test_closing_with_a_big_difference_needs_a_managers_sign_off(
        app: App, products: list[dict]) -> None:
    cashier = app.users.by_name("cashier")
    manager = app.users.by_name("manager")
    shift = app.shifts.open(cashier.id, 15_600)
    with pytest.raises(ApprovalRequired, match=r"differs from the expected cash by more "
                                               r"than 5\.00") as got:
        app.shifts.close(cashier.id, {50_000: 20})  # +9,844.00
    assert "156" not in str(got.value) and got.value.action == "close_difference"
    assert app.shifts.current() is not None
    with pytest.raises(AuthError):
        app.users.approve("cashier", "1111", "close_difference", cashier, "recounted")
    ok = app.users.approve("manager", "9999", "close_difference", cashier,
                           "safe drop not booked")
    z = app.shifts.close(cashier.id, {50_000: 20}, approval=ok)
    assert z.difference == 1_000_000 - 15_600
    assert (z.approved_by, z.approval_reason) == ("manager", "safe drop not booked")
    again = app.shifts.z_report(shift.number)
    assert (again.approved_by, again.approval_reason) == ("manager", "safe drop not booked")
    text = app.printing.report_text(again)
    assert "signed off by" in text and "manager" in text and "safe drop not booked" in text
    row = db(app).execute("select user_id, approver_id, reason, value from audit_log "
                          "where action = 'close_difference'").fetchone()
    assert row == (cashier.id, manager.id, "safe drop not booked", 1_000_000 - 15_600)
    table = dict(app.reports.shift_table(again).rows)
    assert table["difference signed off by"] == "manager"


def test_a_difference_within_the_limit_closes_without_sign_off(app: App) -> None:
    cashier = app.users.by_name("cashier")
    app.shifts.open(cashier.id, 10_000)
    z = app.shifts.close(cashier.id, {5_000: 1, 2_000: 2, 500: 1})  # 95.00: 5.00 short
    assert z.difference == -500 and z.approved_by == ""
    assert db(app).execute("select count(*) from audit_log").fetchone()[0] == 0


def test_the_close_limit_is_configured(data_dir: Path) -> None:
    with_cash_config(data_dir, 'close_difference_limit = "0.00"')
    with open_register(data_dir) as app:
        cashier = app.users.by_name("cashier")
        app.shifts.open(cashier.id, 10_000)
        with pytest.raises(ApprovalRequired):
            app.shifts.close(cashier.id, {5_000: 1, 2_000: 2, 500: 1, 200: 2, 50: 1, 20: 2,
                                          5: 1, 2: 2})  # 99.99: short by 0.01
        z = app.shifts.close(cashier.id, {5_000: 2})
        assert z.difference == 0


def test_a_manager_closing_signs_off_themselves(app: App) -> None:
    manager = app.users.by_name("manager")
    app.shifts.open(manager.id, 10_000)
    z = app.shifts.close(manager.id, {})
    assert z.difference == -10_000 and z.approved_by == "manager"
