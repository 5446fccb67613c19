"""The per-store build, smoke-tested as BUILT: packaging/build.py makes the bundle, .tar.gz and
.deb from packaging/stores/example.toml into a temporary folder, then the bundled program (not
the source tree) runs: --version, config show (the baked layer), init with the baked ids,
demo, verify, a training sale, doctor printer against a loopback printer, and the cashier
window offscreen, opened and closed by itself. Skipped only when PyInstaller is missing
(``pip install -e '.[build]'``; ./dev.sh installs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from fake_printer import FakePrinter, wait_for

pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (the build extra)")

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "packaging" / "stores" / "example.toml"
MAX_BUNDLE_MB = 200  # the goal for an unpacked bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bundle")
    formats = "dir,tar,deb"
    started = time.monotonic()
    r = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), str(STORE), "--out",
         str(tmp / "out"), "--work", str(tmp / "work"), "--formats", formats],
        capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    print(f"build_s={time.monotonic() - started:.1f}")
    paths = {k: Path(v.strip()) for k, _, v in
             (ln.partition(": ") for ln in r.stdout.splitlines()) if k in ("dir", "tar", "deb")}
    paths["tmp"] = tmp
    return paths


def _env(tmp: Path, data: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith("POS_TERMINAL") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(POS_TERMINAL_HOME=str(tmp / data), POS_TERMINAL_SITE_CONFIG="",
               QT_QPA_PLATFORM="offscreen", **extra)
    return env


def _run(exe: Path, tmp: Path, data: str, *args: str, timeout: float = 60,
         **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], cwd=tmp, env=_env(tmp, data, **extra),
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_bundle_is_self_contained_and_small(built: dict[str, Path]) -> None:
    bundle = built["dir"]
    assert (bundle / "pos-terminal").is_file()
    internal = bundle / "_internal"
    assert (internal / "pos_terminal" / "baked" / "store.toml").read_bytes() == STORE.read_bytes()
    versions = internal / "pos_terminal" / "db" / "migrations" / "versions"
    assert sorted(p.name for p in versions.glob("0*.py")) == sorted(
        p.name for p in (ROOT / "src/pos_terminal/db/migrations/versions").glob("0*.py"))
    assert (internal / "pos_terminal" / "services" / "demo_catalog.csv").is_file()
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("tkinter", "_tkinter", "pytest", "hypothesis", "pos_central", "fastapi",
                     "libQt6WebEngineCore.so.6", "libQt6Qml.so.6", "libQt6Pdf.so.6"):
        assert not any(n == unwanted or n.startswith(unwanted + ".") for n in names), unwanted
    size_mb = sum(f.stat().st_size for f in bundle.rglob("*")
                  if f.is_file() and not f.is_symlink()) / 1_000_000
    print(f"bundle_mb={size_mb:.1f}")
    assert size_mb <= MAX_BUNDLE_MB, f"bundle is {size_mb:.0f} MB unpacked (goal ≤ 200)"


def test_archives(built: dict[str, Path]) -> None:
    with tarfile.open(built["tar"]) as tar:
        names = tar.getnames()
    assert "pos-terminal-s042/pos-terminal" in names
    assert "pos-terminal-s042/_internal/pos_terminal/baked/store.toml" in names
    deb = built["deb"]
    info = {f: subprocess.run(["dpkg-deb", "-f", str(deb), f], capture_output=True, text=True,
                              check=True).stdout.strip()
            for f in ("Package", "Version", "Depends", "Provides")}
    assert info["Package"] == "pos-terminal-s042" and info["Version"] == "0.1.0-1"
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    assert "./opt/pos-terminal-s042/pos-terminal\n" in listing
    assert "./usr/bin/pos-terminal -> /opt/pos-terminal-s042/pos-terminal" in listing
    assert "./usr/share/applications/pos-terminal-s042.desktop" in listing
    assert "./etc/xdg/autostart/pos-terminal-s042.desktop" in listing  # autostart = true
    x = built["tmp"] / "deb-x"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(x)], check=True)
    exe = x / "opt" / "pos-terminal-s042" / "pos-terminal"
    r = _run(exe, built["tmp"], "deb-data", "--version")
    assert r.returncode == 0 and r.stdout.strip() == "pos-terminal 0.1.0"


def test_the_built_program_runs_a_register(built: dict[str, Path]) -> None:
    exe, tmp = built["dir"] / "pos-terminal", built["tmp"]
    link = tmp / "bin" / "pos-terminal"  # as /usr/bin/pos-terminal runs it: through a symlink
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(exe)
    started = time.monotonic()
    r = _run(link, tmp, "a", "--version")
    print(f"version_cold_ms={(time.monotonic() - started) * 1000:.0f}")
    assert r.returncode == 0 and r.stdout.strip() == "pos-terminal 0.1.0", r.stderr

    r = _run(exe, tmp, "a", "config", "show", "--json")
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["values"]["store.id"]["origin"] == "baked"
    assert shown["values"]["store.id"]["source"].startswith(str(built["dir"].resolve()))
    assert shown["values"]["printer.address"]["value"] == "usb://04b8:0202"

    r = _run(exe, tmp, "a", "init")  # no --store/--register: the baked ones, offline
    assert r.returncode == 0 and "register S042-R1 ready" in r.stdout, r.stderr
    r = _run(exe, tmp, "a", "verify")
    assert r.returncode == 0 and r.stdout.startswith("verify ok"), r.stderr
    r = _run(exe, tmp, "a", "products", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []  # empty: waits for sync

    r = _run(exe, tmp, "b", "demo", "--no-gui", timeout=120)
    assert r.returncode == 0 and "demo store DEMO-R1" in r.stdout, r.stderr
    r = _run(exe, tmp, "b", "verify")
    assert r.returncode == 0 and r.stdout.startswith("verify ok"), r.stderr
    r = _run(exe, tmp, "b", "products", "--limit", "1", "--json")
    code = json.loads(r.stdout)[0]["barcodes"][0]["code"]
    r = _run(exe, tmp, "b", "sell", code, "--pay", "cash", "--training")
    assert r.returncode == 0 and r.stdout.startswith("TRAINING receipt DEMO-R1-T"), r.stderr
    big = tmp / "big-catalog.csv"  # over CHILD_BYTES: read in a child the bundle spawns
    big.write_text("sku;name;tax_class;price\n" + "".join(
        f"BIG{i:06d};Großpackung Nr. {i} – Sonderposten mit langem Namen;STD;{i % 90 + 1},99\n"
        for i in range(9000)), encoding="cp1252")
    assert big.stat().st_size > 512 * 1024
    r = _run(exe, tmp, "b", "import-catalog", str(big), timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "0 changed, 0 unchanged, 9000 new (Windows-1252, semicolon-separated" in r.stdout

    printer = FakePrinter()
    try:
        r = _run(exe, tmp, "b", "doctor", "printer", "--printer", printer.address, timeout=30)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: printer.jobs, 5.0, "the test page")
        page = printer.jobs[0]
        assert b"\x1dk" in page and b"\x1dV" in page  # a barcode and a cut
        # The window on the demo register, offscreen, closes itself; its print worker sends
        # the training receipt to the printer the environment layer names.
        r = _run(exe, tmp, "b", timeout=60, POS_TERMINAL_QUIT_AFTER_MS="2500",
                 POS_TERMINAL__PRINTER__ADDRESS=printer.address)
        assert r.returncode == 0, r.stderr[-2000:]
        wait_for(lambda: printer.printed(b"TRAINING"), 5.0, "the receipt from the window")
    finally:
        printer.close()

    started = time.monotonic()  # first start of a fresh machine: GUI creates the register
    r = _run(exe, tmp, "c", timeout=60, POS_TERMINAL_QUIT_AFTER_MS="0",
             POS_TERMINAL__PRINTER__ADDRESS="none")
    print(f"gui_first_start_ms={(time.monotonic() - started) * 1000:.0f}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "register S042-R1 created" in r.stdout
    assert (tmp / "c" / "config.toml").is_file() and (tmp / "c" / "register.db").is_file()
