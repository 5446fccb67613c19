"""The pos-central command, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from central_helpers import CATALOG, sale

from pos_central.db.migrate import open_database
from pos_central.testing import free_port, running_central


def run(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POS_CENTRAL_DB"}
    return subprocess.run([sys.executable, "-m", "pos_central", *args, "--db", db],
                          capture_output=True, text=True, input=stdin, timeout=60, env=env)


def ok(db: str, *args: str, stdin: str | None = None) -> str:
    p = run(db, *args, stdin=stdin)
    assert p.returncode == 0, p.stderr
    return p.stdout


def fails(db: str, *args: str, words: str, stdin: str | None = None) -> None:
    p = run(db, *args, stdin=stdin)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert words in lines[0], p.stderr


def test_setting_up_a_store(central_db_url: str, tmp_path: Path) -> None:
    db = central_db_url
    assert "store S1 (Main Street, EUR) created" in ok(db, "create-store", "S1", "--name",
                                                       "Main Street")
    fails(db, "create-store", "S1", "--name", "Again", words="already exists")
    fails(db, "create-store", "no spaces", "--name", "x", words="not usable")
    out = ok(db, "enroll-code", "S1", "R1")
    code = out.strip().splitlines()[-1]
    assert len(code) == 19 and code.count("-") == 3
    fails(db, "enroll-code", "S9", "R1", words="unknown store S9")

    csv = tmp_path / "catalog.csv"
    csv.write_text(CATALOG, encoding="utf-8")
    assert "imported 3 products (3 new" in ok(db, "import-catalog", str(csv))
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,tax_class,price\nA,x,STD,abc\nB,y,STD,1\nC,z,XX,1\n")
    fails(db, "import-catalog", str(bad), words="line 2")
    fails(db, "import-catalog", str(tmp_path / "missing.csv"), words="cannot read")
    semi = tmp_path / "semi.csv"  # the register's reader: Windows-1252, ';', decimal comma
    semi.write_bytes("sku;name;tax_class;price\n100009;Café crème;STD;2,50\n".encode("cp1252"))
    assert "imported 1 products (1 new, 0 changed, 0 unchanged)" in ok(
        db, "import-catalog", str(semi))
    assert "Café crème" in ok(db, "stock", "100009")
    comma = tmp_path / "comma.csv"
    comma.write_bytes(b"sku,name,tax_class,price\n100010,Tea,STD,2,50\n")
    fails(db, "import-catalog", str(comma), words="line 2: 5 fields, but the header has 4")

    with running_central(db) as central:
        r = httpx.post(central.api + "/enroll", json={"code": code}, trust_env=False)
        token = r.json()["token"]
        httpx.post(central.api + "/events", json={"events": [sale("100001", 3)]},
                   headers={"Authorization": f"Bearer {token}"}, trust_env=False)
    got = json.loads(ok(db, "stock", "4037674097186", "--json"))
    assert got["sku"] == "100001" and got["on_hand"] == {"S1": -3}
    assert "S1" in ok(db, "stock", "100001")
    fails(db, "stock", "nothing", words="unknown product nothing")


def test_admin_token_and_account(central_db_url: str) -> None:
    db = central_db_url
    token = ok(db, "admin-token", "--label", "ops").strip().splitlines()[-1]
    assert token.startswith("pca_")
    assert "admin boss created" in ok(db, "create-admin", "boss", "--password-stdin",
                                      stdin="correct horse\n")
    fails(db, "create-admin", "boss", "--password-stdin", stdin="correct horse\n",
          words="already exists")
    fails(db, "create-admin", "ann", "--password-stdin", stdin="short\n", words="8 characters")
    fails(db, "create-admin", "ann", words="--password-stdin", stdin="")
    from pos_central.services import accounts

    engine = open_database(db)
    try:
        assert accounts.check_admin_password(engine, "boss", "correct horse")
        assert not accounts.check_admin_password(engine, "boss", "wrong horse")
    finally:
        engine.dispose()
    with running_central(db) as central:
        r = httpx.get(central.api + "/admin/registers", trust_env=False,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json() == {"registers": []}


def test_bad_database_url_is_one_line() -> None:
    fails("mysql://x/y", "admin-token", words="not supported")
    fails("postgresql://nobody@127.0.0.1:1/none", "admin-token", words="cannot reach")


@pytest.mark.parametrize("command", ["serve", "create-store", "enroll-code", "import-catalog",
                                     "stock", "admin-token", "create-admin"])
def test_every_command_has_help(command: str) -> None:
    p = subprocess.run([sys.executable, "-m", "pos_central", command, "--help"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "--db" in p.stdout


def test_serve_creates_the_database_and_answers(central_db_url: str) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "POS_CENTRAL_DB"}
    proc = subprocess.Popen([sys.executable, "-m", "pos_central", "serve", "--db",
                             central_db_url, "--port", str(port), "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", trust_env=False)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
        assert r.json() == {"ok": True, "protocol": 1}
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert "created" in ok(central_db_url, "create-store", "S1", "--name", "x")
