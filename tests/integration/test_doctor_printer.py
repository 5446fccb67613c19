"""``pos-terminal doctor printer`` as an installer runs it: a real process, a real socket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fake_printer import FakePrinter, free_port, wait_for


def doctor(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    pre = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run([sys.executable, "-m", "pos_terminal", *pre, "doctor", "printer", *args],
                          capture_output=True, text=True, timeout=30)


def test_test_page_with_barcode_and_cut(tmp_path: Path) -> None:
    with FakePrinter("ok") as fp:
        r = doctor("--printer", fp.address, data_dir=tmp_path / "no-register")
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        assert f"printer at 127.0.0.1:{fp.port}" in r.stdout
        assert "sent     test page" in r.stdout and "status   ready" in r.stdout
        wait_for(lambda: len(fp.jobs) == 1, what="the test page")
        page = fp.jobs[0]
        assert b"\x1dkI" in page and b"{BTEST-" in page  # Code128
        assert page.rstrip(b"\n").endswith(b"\x1dV\x00")  # cut
        assert "€ é".encode("cp858") in page  # code-page sample, € as 0xD5
        assert not (tmp_path / "no-register").exists()  # no register needed, none made


def test_out_of_paper_is_reported_page_still_sent() -> None:
    with FakePrinter("paper_end") as fp:
        r = doctor("--printer", fp.address)
        assert r.returncode == 0, r.stderr
        assert "status   out of paper" in r.stdout


def test_closed_port_one_line_and_non_zero() -> None:
    port = free_port()
    r = doctor("--printer", f"tcp://127.0.0.1:{port}")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: printer at 127.0.0.1:{port} refused the connection")


def test_no_register_and_no_address(tmp_path: Path) -> None:
    r = doctor(data_dir=tmp_path / "empty")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1 and "--printer ADDRESS" in r.stderr


def test_bad_address(tmp_path: Path) -> None:
    r = doctor("--printer", "lpt1", data_dir=tmp_path)
    assert r.returncode != 0
    assert r.stderr.startswith("error: --printer: 'lpt1'") and len(r.stderr.splitlines()) == 1


def test_address_from_the_register_config(data_dir: Path) -> None:
    with FakePrinter("ok") as fp:
        cfg = data_dir / "config.toml"
        cfg.write_text(cfg.read_text(encoding="utf-8")
                       + f'\n[printer]\naddress = "{fp.address}"\nprofile = "TM-T20II"\n',
                       encoding="utf-8")
        r = doctor(data_dir=data_dir)
        assert r.returncode == 0, r.stderr
        assert "profile TM-T20II, 48 columns" in r.stdout
        wait_for(lambda: len(fp.jobs) == 1, what="the test page")
