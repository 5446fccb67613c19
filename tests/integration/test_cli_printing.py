"""``reprint`` and ``print-queue`` through the same ``cmd`` helper ``cli.build_parser`` uses."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from pos_terminal import cli_printing
from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import NotFoundError
from pos_terminal.services.catalog import resolve

from support import unit_code


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str]:
    p = argparse.ArgumentParser(prog="pos-terminal")
    p.add_argument("--data-dir", type=Path)
    sub = p.add_subparsers()

    def cmd(name: str, func: Any, help_: str, json_opt: bool = False) -> Any:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        if json_opt:
            sp.add_argument("--json", action="store_true")
        return sp

    cli_printing.add_parsers(sub, cmd)
    args = p.parse_args(["--data-dir", str(data_dir), *argv])
    code = args.func(args)
    return code, capsys.readouterr().out


def test_reprint_and_queue(app: App, products: list[dict], data_dir: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, data_dir, "print-queue")
    assert (code, out) == (0, "print queue empty\n")
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, unit_code(products)))
    r = app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], 1, training=True)
    code, out = run(capsys, data_dir, "reprint", r.receipt_no)
    assert code == 0 and f"copy of {r.receipt_no} queued" in out
    code, out = run(capsys, data_dir, "print-queue", "--json")
    data = json.loads(out)
    assert data["pending"] == 2 and data["failed"] == 0
    assert [(j["kind"], j["label"], j["copy"]) for j in data["jobs"]] == [
        ("receipt", r.receipt_no, False), ("receipt", r.receipt_no, True)]
    code, out = run(capsys, data_dir, "print-queue")
    assert out.startswith("2 job(s) waiting") and "receipt copy" in out
    code, out = run(capsys, data_dir, "reprint", r.receipt_no, "--preview", "--width", "32")
    assert "T R A I N I N G" in out and r.receipt_no in out
    assert max(len(x) for x in out.splitlines()) <= 32
    with pytest.raises(NotFoundError):
        run(capsys, data_dir, "reprint", "S1-R1-999999")
