"""Printing use cases: the durable print queue, receipt data for a job, reprints, no-sale.

Checkout and returns queue their receipt job (``print_jobs``) in the sale's own transaction, so
a committed sale always has its receipt waiting whatever the printer does. The print worker
(``hardware/print_worker.py``) takes jobs oldest first through :meth:`PrintService.next_job`,
renders them with :meth:`PrintService.render` and reports back with :meth:`mark_done` or
:meth:`mark_failed`. A job that fails stays ``queued`` (attempts + 1, ``last_error``) and is
retried; only a job that can never print (its record is gone) becomes ``failed``.

The drawer opens with the receipt of a sale paid (partly) in cash and of a cash refund, never
for a copy or a training sale; a no-sale open is a ``drawer`` job written with its audit row.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from pos_protocol.money import Currency
from pos_terminal.clock import utc_now
from pos_terminal.db import print_queue
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Override
from pos_terminal.domain.receipt import (
    Charset,
    DepositRefundReceipt,
    DepositRow,
    Document,
    PaymentRow,
    ReturnLine,
    ReturnReceipt,
    SaleLine,
    SaleReceipt,
    StoreHeader,
    TaxRow,
    render_deposit_refund,
    render_drawer,
    render_report,
    render_return,
    render_sale,
    render_table,
    to_text,
)
from pos_terminal.domain.tax import TaxMode
from pos_terminal.errors import InputError, NotFoundError, RuleError
from pos_terminal.hardware.printer_settings import ReceiptSettings
from pos_terminal.services import report_printing
from pos_terminal.services.context import Context
from pos_terminal.services.reports import Period
from pos_terminal.services.shifts import ShiftReport, ShiftService, blind
from pos_terminal.services.users import write_audit

DEFAULT_WIDTH = 42
BLIND = "blind"  # an X report printed as a cashier sees it (no expected cash)
KINDS = ("receipt", "return", "report", "drawer", "deposit")


@dataclass(frozen=True)
class PrintJob:
    id: int
    created_at: str
    kind: str  # receipt | return | report | drawer
    reference: str  # sale id | return id | "X:3"/"Z:3" (report kind and shift number) | audit id
    copy: bool
    status: str  # queued | done | failed
    attempts: int
    last_error: str | None
    label: str = ""  # what a person calls it: receipt / return number, "Z report 3"


@dataclass(frozen=True)
class QueueState:
    pending: int  # queued jobs
    oldest_at: str | None  # created_at of the oldest queued job
    oldest_age_s: float | None
    failed: int  # jobs that can never print


def _age(iso: str | None) -> float | None:
    if iso is None:
        return None
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return max(0.0, (datetime.now(UTC) - then).total_seconds())


class PrintService:
    """Print queue and receipt data. ``width`` is the printer's columns (the worker passes the
    printer's own when it renders); ``receipt`` the ``[receipt]`` header and footer."""

    def __init__(
        self, ctx: Context, receipt: ReceiptSettings | None = None, width: int = DEFAULT_WIDTH,
        partial_cut: bool = False, tz: tzinfo | None = None,
    ) -> None:
        self.ctx = ctx
        self.receipt = receipt or ReceiptSettings()
        self.width = width
        self.partial_cut = partial_cut
        self.tz = tz  # None: the machine's local time

    @property
    def header(self) -> StoreHeader:
        return self.receipt.header(self.ctx.settings.store_name, self.ctx.settings.measure)

    # -- the queue ------------------------------------------------------------------------------
    def pending(self) -> QueueState:
        j = t.print_jobs
        with self.ctx.read() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(j.c.created_at)).where(j.c.status == "queued")
            ).one()
            failed = conn.execute(
                select(func.count()).where(j.c.status == "failed")
            ).scalar_one()
        return QueueState(count, oldest, _age(oldest), failed)

    def next_job(self) -> PrintJob | None:
        """The oldest queued job (receipts print in the order they were made)."""
        jobs = self.jobs(statuses=("queued",), limit=1)
        return jobs[0] if jobs else None

    def jobs(self, statuses: tuple[str, ...] = ("queued", "failed"),
             limit: int = 200) -> list[PrintJob]:
        j, s, r = t.print_jobs, t.sales, t.returns
        q = (
            select(j, s.c.receipt_no, r.c.return_no)
            .outerjoin(s, and_(j.c.kind == "receipt", s.c.id == j.c.reference))
            .outerjoin(r, and_(j.c.kind == "return", r.c.id == j.c.reference))
            .where(j.c.status.in_(statuses)).order_by(j.c.id).limit(limit)
        )
        with self.ctx.read() as conn:
            rows = conn.execute(q).all()
        return [
            PrintJob(row.id, row.created_at, row.kind, row.reference, bool(row.copy), row.status,
                     row.attempts, row.last_error, _label(row.kind, row.reference,
                                                          row.receipt_no or row.return_no))
            for row in rows
        ]

    def mark_done(self, job_id: int) -> None:
        """The job's bytes reached the printer: it is never sent again."""
        with self.ctx.write() as conn:
            conn.execute(update(t.print_jobs).where(t.print_jobs.c.id == job_id).values(
                status="done", printed_at=utc_now()))

    def mark_failed(self, job_id: int, error: str, permanent: bool = False) -> None:
        """Count a failed attempt. The job stays queued and is retried, unless ``permanent``
        (it can never print: its record is gone), which takes it out of the queue."""
        j = t.print_jobs
        with self.ctx.write() as conn:
            conn.execute(update(j).where(j.c.id == job_id, j.c.status == "queued").values(
                attempts=j.c.attempts + 1, last_error=error[:500],
                status="failed" if permanent else "queued"))

    # -- enqueueing -----------------------------------------------------------------------------
    def reprint(self, receipt_no: str, user_id: int | None = None) -> int:
        """Queue a COPY of a receipt (sale or return number); returns the job id.

        With ``user_id`` the reprint is written to the audit log (a copy can be misused).
        """
        now = utc_now()
        with self.ctx.write() as conn:
            kind, ref = _find(conn, receipt_no)
            job = print_queue.enqueue(conn, kind, ref, now, copy=True)
            if user_id is not None:
                conn.execute(insert(t.audit_log).values(
                    at=now, action="reprint", user_id=user_id, reference=receipt_no.strip()))
        return job

    def print_report(self, report: ShiftReport) -> int:
        """Queue an X or Z report (from ``ShiftService.x_report``/``close``/``z_report``); a
        blind X (a cashier's) prints blind too (reference ``X:3:blind``)."""
        ref = f"{report.kind}:{report.shift.number}" + (f":{BLIND}" if report.blind else "")
        with self.ctx.write() as conn:
            return print_queue.enqueue(conn, "report", ref, utc_now())

    def print_table(self, kind: str, period: Period, limit: int = 20) -> int:
        """Queue a tabular report (sales, movers, stock, low stock, shrinkage, tax, or X with
        no shift open) by its name; it is computed and laid out when it prints."""
        ref = report_printing.print_job_reference(kind, period, limit)
        with self.ctx.write() as conn:
            return print_queue.enqueue(conn, "report", ref, utc_now())

    def no_sale(self, approval: Override) -> int:
        """Open the drawer without a sale: the audit row and the drawer job, one transaction."""
        if approval.action != "no_sale":
            raise RuleError("opening the drawer without a sale needs a supervisor's no-sale "
                            "approval")
        now = utc_now()
        with self.ctx.write() as conn:
            audit_id = write_audit(conn, approval, "", now)
            return print_queue.enqueue(conn, "drawer", str(audit_id), now)

    # -- rendering ------------------------------------------------------------------------------
    def render(self, job: PrintJob, width: int | None = None,
               charset: Charset | None = None) -> Document:
        """The document a job prints (NotFoundError when its record is gone).

        ``charset`` is the printer's (``ReceiptPrinter.plain``): the text is put in what the
        printer's code page has before it is laid out, so every line fits the paper.
        """
        w = width or self.width
        if job.kind == "receipt":
            sale = self.sale_receipt(job.reference)
            drawer = not job.copy and not sale.training and _has_cash(sale.payments)
            return render_sale(sale, self.header, w, copy=job.copy, drawer=drawer,
                               partial_cut=self.partial_cut, tz=self.tz, charset=charset)
        if job.kind == "return":
            ret = self.return_receipt(job.reference)
            drawer = not job.copy and not ret.training and _has_cash(ret.payments)
            return render_return(ret, self.header, w, copy=job.copy, drawer=drawer,
                                 partial_cut=self.partial_cut, tz=self.tz, charset=charset)
        if job.kind == "report" and job.reference.startswith(report_printing.REFERENCE_PREFIX):
            return self.table_document(job.reference, w, charset)
        if job.kind == "report":
            rep = self.report(job.reference)
            return render_report(rep, self.header, self.ctx.settings.currency, w, copy=job.copy,
                                 partial_cut=self.partial_cut, tz=self.tz,
                                 terminal=self.ctx.settings.terminal, charset=charset)
        if job.kind == "drawer":
            return render_drawer(w)
        if job.kind == "deposit":
            ref = self.deposit_refund_receipt(job.reference)
            drawer = not job.copy and not ref.training and ref.method == "cash"
            return render_deposit_refund(ref, self.header, w, copy=job.copy, drawer=drawer,
                                         partial_cut=self.partial_cut, tz=self.tz,
                                         charset=charset)
        raise NotFoundError(f"print job {job.id} has an unknown kind {job.kind!r}")

    def document(self, receipt_no: str, width: int | None = None,
                 copy: bool = False) -> Document:
        """A sale's or return's receipt by its number, without opening the drawer."""
        with self.ctx.read() as conn:
            kind, ref = _find(conn, receipt_no)
        job = PrintJob(0, "", kind, ref, copy, "preview", 0, None, receipt_no)
        doc = self.render(job, width)
        return doc.without_drawer()

    def table_document(self, reference: str, width: int | None = None,
                       charset: Charset | None = None) -> Document:
        """The paper of a ``table:`` report job, computed now (``report_printing``)."""
        from pos_terminal.services.reports import ReportService

        kind, period, limit = report_printing.parse_reference(reference)
        w = width or self.width
        result = report_printing.run(ReportService(self.ctx, ShiftService(self.ctx)), kind,
                                     period, limit)
        cur = self.ctx.settings.currency
        if isinstance(result, ShiftReport):  # an X report: a shift was opened meanwhile
            return render_report(result, self.header, cur, w, partial_cut=self.partial_cut,
                                 tz=self.tz, terminal=self.ctx.settings.terminal,
                                 charset=charset)
        dated = kind not in ("stock", "low-stock", "x")
        table = report_printing.paper_table(kind, result, cur, dated)
        return render_table(table, self.header, w, utc_now(), partial_cut=self.partial_cut,
                            tz=self.tz, terminal=self.ctx.settings.terminal, charset=charset)

    def report_text(self, report: ShiftReport) -> str:
        """An X or Z report as on-screen text, laid out as it prints."""
        return to_text(render_report(report, self.header, self.ctx.settings.currency,
                                     self.width, tz=self.tz, terminal=self.ctx.settings.terminal))

    def preview(self, receipt_no: str, width: int | None = None) -> str:
        """The receipt as on-screen text (NotFoundError for an unknown number)."""
        return to_text(self.document(receipt_no, width))

    def report(self, reference: str) -> ShiftReport:
        """The report a ``report`` job prints: ``"X:3"``, ``"X:3:blind"`` or ``"Z:3"``."""
        kind, _, number = reference.partition(":")
        number, _, how = number.partition(":")
        if kind not in ("X", "Z") or not number.isdigit() or how not in ("", BLIND):
            raise NotFoundError(f"print job for an unknown report {reference!r}")
        rep = self._shift_report(kind, int(number))
        return blind(rep) if how == BLIND else rep

    def _shift_report(self, kind: str, n: int) -> ShiftReport:
        shifts = ShiftService(self.ctx)
        current = shifts.current()
        if kind == "X" and current is not None and current.number == n:
            return shifts.x_report()
        try:
            rep = shifts.z_report(n)
        except InputError as exc:  # the shift is not closed or does not exist
            raise NotFoundError(f"shift {n} has no report to print ({exc})") from exc
        # An X report printed after its shift closed shows the whole shift, still as X.
        return rep if kind == "Z" else dataclasses.replace(
            rep, kind="X", counted_cash=None, denominations={}, approved_by="",
            approval_reason="")

    # -- receipt data ---------------------------------------------------------------------------
    def sale_receipt(self, sale_id: str) -> SaleReceipt:
        s, sl, st, p = t.sales, t.sale_lines, t.sale_taxes, t.payments
        with self.ctx.read() as conn:
            sale = conn.execute(
                select(s, t.users.c.name.label("cashier"))
                .outerjoin(t.users, t.users.c.id == s.c.user_id).where(s.c.id == sale_id)
            ).first()
            if sale is None:
                raise NotFoundError(f"sale {sale_id} is not in this register's database")
            lines = conn.execute(select(sl).where(sl.c.sale_id == sale_id)
                                 .order_by(sl.c.line_no)).all()
            taxes = conn.execute(
                select(st, t.tax_classes.c.name)
                .outerjoin(t.tax_classes, t.tax_classes.c.code == st.c.tax_code)
                .where(st.c.sale_id == sale_id).order_by(st.c.tax_code, st.c.rate_ppm)
            ).all()
            pays = conn.execute(select(p).where(p.c.sale_id == sale_id).order_by(p.c.id)).all()
            retail = {r.line_no: r for r in conn.execute(
                select(t.sale_line_retail).where(t.sale_line_retail.c.sale_id == sale_id))}
            deps: dict[int, list[DepositRow]] = {}
            for d in conn.execute(select(t.sale_deposits).where(t.sale_deposits.c.sale_id
                                                                == sale_id)
                                  .order_by(t.sale_deposits.c.id)):
                deps.setdefault(d.line_no, []).append(
                    DepositRow(d.name, d.qty, d.unit_amount, d.amount, d.tax_code))
        return SaleReceipt(
            receipt_no=sale.receipt_no, completed_at=sale.completed_at,
            currency=self._currency(sale.currency), tax_mode=TaxMode(sale.tax_mode),
            lines=tuple(
                SaleLine(ln.name, ln.variant, ln.unit, ln.qty, ln.price, ln.price_per, ln.gross,
                         ln.tax_code, ln.line_discount, ln.original_price,
                         *_retail_of(retail.get(ln.line_no)), tuple(deps.get(ln.line_no, ())))
                for ln in lines
            ),
            subtotal=sale.subtotal, discount=sale.discount, tax=sale.tax, total=sale.total,
            taxes=tuple(TaxRow(x.tax_code, x.rate_ppm, x.base, x.tax, x.name or "")
                        for x in taxes),
            payments=tuple(PaymentRow(x.kind, x.amount, x.tendered, x.change, x.reference)
                           for x in pays),
            cash_rounding=sale.cash_rounding, change=sale.change, cashier=sale.cashier or "",
            terminal=self.ctx.settings.terminal, training=bool(sale.training),
        )

    def return_receipt(self, return_id: str) -> ReturnReceipt:
        r, rl, sl, pr, tc, p = (t.returns, t.return_lines, t.sale_lines, t.products,
                                t.tax_classes, t.payments)
        approver = t.users.alias("approver")
        with self.ctx.read() as conn:
            ret = conn.execute(
                select(r, t.users.c.name.label("cashier"), approver.c.name.label("approver"),
                       t.sales.c.receipt_no, t.sales.c.currency, t.sales.c.tax_mode)
                .outerjoin(t.users, t.users.c.id == r.c.user_id)
                .outerjoin(approver, approver.c.id == r.c.approver_id)
                .outerjoin(t.sales, t.sales.c.id == r.c.sale_id)
                .where(r.c.id == return_id)
            ).first()
            if ret is None:
                raise NotFoundError(f"return {return_id} is not in this register's database")
            lines = conn.execute(
                select(rl.c.qty, rl.c.amount, rl.c.tax, rl.c.restock,
                       func.coalesce(sl.c.name, pr.c.name).label("name"),
                       func.coalesce(sl.c.variant, pr.c.variant).label("variant"),
                       func.coalesce(sl.c.unit, pr.c.unit).label("unit"),
                       func.coalesce(sl.c.tax_code, tc.c.code).label("tax_code"),
                       func.coalesce(sl.c.rate_ppm, tc.c.rate_ppm).label("rate_ppm"),
                       tc.c.name.label("tax_name"))
                .join(pr, pr.c.id == rl.c.product_id)
                .outerjoin(sl, sl.c.id == rl.c.sale_line_id)
                .outerjoin(tc, tc.c.id == pr.c.tax_class_id)
                .where(rl.c.return_id == return_id).order_by(rl.c.id)
            ).all()
            pays = conn.execute(select(p).where(p.c.return_id == return_id)
                                .order_by(p.c.id)).all()
            rd = t.return_deposits
            deps = conn.execute(select(rd, tc.c.name.label("tax_name"))
                                .outerjoin(tc, tc.c.code == rd.c.tax_code)
                                .where(rd.c.return_id == return_id).order_by(rd.c.id)).all()
        mode = TaxMode(ret.tax_mode) if ret.tax_mode else self.ctx.settings.tax_mode
        groups: dict[tuple[str, int], list[int]] = {}
        names: dict[str, str] = {}
        for ln in lines:
            acc = groups.setdefault((ln.tax_code or "", ln.rate_ppm or 0), [0, 0])
            acc[0] += ln.amount
            acc[1] += ln.tax
            names.setdefault(ln.tax_code or "", ln.tax_name or "")
        for d in deps:
            acc = groups.setdefault((d.tax_code, d.rate_ppm), [0, 0])
            acc[0] += d.amount
            acc[1] += d.tax
            names.setdefault(d.tax_code, d.tax_name or "")
        taxes = tuple(
            # The refund includes tax; the exclusive-mode base is the net part of it.
            TaxRow(code, rate, amount if mode is TaxMode.INCLUSIVE else amount - tax, tax,
                   names.get(code, ""))
            for (code, rate), (amount, tax) in sorted(groups.items())
        )
        return ReturnReceipt(
            return_no=ret.return_no, completed_at=ret.completed_at,
            currency=self._currency(ret.currency), tax_mode=mode,
            lines=tuple(ReturnLine(ln.name, ln.variant, ln.unit, ln.qty, ln.amount,
                                   ln.tax_code or "", bool(ln.restock)) for ln in lines),
            total=ret.total, tax=ret.tax, taxes=taxes,
            payments=tuple(PaymentRow(x.kind, -x.amount, -x.tendered, 0, x.reference)
                           for x in pays),
            cash_rounding=ret.cash_rounding, original_receipt=ret.receipt_no,
            deposits=tuple(DepositRow(d.name, d.qty, d.unit_amount, d.amount, d.tax_code)
                           for d in deps),
            cashier=ret.cashier or "", approver=ret.approver or "", reason=ret.reason,
            terminal=self.ctx.settings.terminal, training=bool(ret.training),
        )

    def deposit_refund_receipt(self, refund_id: str) -> DepositRefundReceipt:
        r = t.deposit_refunds
        with self.ctx.read() as conn:
            ref = conn.execute(select(r, t.users.c.name.label("cashier"))
                               .outerjoin(t.users, t.users.c.id == r.c.user_id)
                               .where(r.c.id == refund_id)).first()
        if ref is None:
            raise NotFoundError(f"deposit refund {refund_id} is not in this register's database")
        lines = tuple(DepositRow(x["name"], x["qty"], x["unit_amount"], x["amount"],
                                 x.get("tax_code", "")) for x in json.loads(ref.lines))
        return DepositRefundReceipt(
            ref.refund_no, ref.completed_at, self.ctx.settings.currency, lines, ref.total,
            ref.method, ref.voucher_code, ref.cashier or "", self.ctx.settings.terminal,
            bool(ref.training))

    def _currency(self, code: str | None) -> Currency:
        own = self.ctx.settings.currency
        return own if code is None or code == own.code else Currency.of(code)


def _find(conn: Connection, number: str) -> tuple[str, str]:
    """(job kind, reference) of a sale's receipt number or a return's number."""
    number = number.strip()
    sale = conn.execute(select(t.sales.c.id).where(t.sales.c.receipt_no == number)).scalar()
    if sale is not None:
        return "receipt", sale
    ret = conn.execute(select(t.returns.c.id).where(t.returns.c.return_no == number)).scalar()
    if ret is not None:
        return "return", ret
    dep = conn.execute(select(t.deposit_refunds.c.id)
                       .where(t.deposit_refunds.c.refund_no == number)).scalar()
    if dep is not None:
        return "deposit", dep
    raise NotFoundError(f"unknown receipt {number!r}; check the number on the receipt")


def _retail_of(row: Any) -> tuple[int, str, int | None]:
    """(promotion saving, its name, tare) of a sale line's retail row, if it has one."""
    if row is None:
        return 0, "", None
    return row.promo_saving, row.promo_label, row.tare


def _has_cash(payments: tuple[PaymentRow, ...]) -> bool:
    return any(p.kind == "cash" and (p.amount or p.tendered) for p in payments)


def _label(kind: str, reference: str, number: str | None) -> str:
    if number:
        return number
    if kind == "report" and reference.startswith(report_printing.REFERENCE_PREFIX):
        _, name, start, end, _ = [*reference.split(":"), "", "", "", ""][:5]
        return f"{name} report" + (f" {start}..{end}" if start else "")
    if kind == "report":
        k, _, n = reference.partition(":")
        n, _, how = n.partition(":")
        return f"{k} report, shift {n}" + (f" ({how})" if how else "")
    if kind == "drawer":
        return "no-sale drawer open"
    return f"{kind} {reference}"
