#!/usr/bin/env python3
"""Build one store's pos-terminal: a PyInstaller ONEDIR bundle with the store config baked in,
a .tar.gz of it and a .deb that installs it under /opt/pos-terminal-STORE.

    python packaging/build.py packaging/stores/example.toml [--out dist] [--formats dir,tar,deb]

The store config is what a register reads from its config.toml (``[store]``, ``[tax_classes]``,
``[scanner]``, ``[barcodes]``, ``[printer]``, ``[receipt]``, ``[central]``), plus
``[packaging]`` for the installer (``autostart``, ``maintainer``, ``revision``). It is checked
with the register's own loaders before anything is built. See docs/packaging.md.

Prints one ``name=value`` line per figure at the end (``build_s``, ``bundle_mb``, …).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "pos-terminal.spec"
FORMATS = ("dir", "tar", "deb")
# Libraries the bundle takes from the system (PyInstaller leaves out libc and the GL stack,
# which must match the machine's drivers); the rest of Qt and Python is inside the bundle.
DEB_DEPENDS = "libc6 (>= 2.34), libxcb1, libgl1, libegl1"
DEB_RECOMMENDS = ("libusb-1.0-0, libwayland-client0, libwayland-cursor0, libwayland-egl1, "
                  "libdrm2")


class BuildError(Exception):
    """A store config or build step that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Store:
    file: Path
    id: str
    register: str
    name: str
    autostart: bool
    maintainer: str
    revision: int

    @property
    def slug(self) -> str:
        """The store id as Debian package names and paths spell it."""
        return self.id.lower().replace("_", "-")

    @property
    def app(self) -> str:
        return f"pos-terminal-{self.slug}"


def check_store(file: Path) -> Store:
    """Parse and check a store config with the register's own loaders (one clear error)."""
    from pos_terminal import config
    from pos_terminal.errors import PosError
    from pos_terminal.hardware.printer_settings import (
        printer_settings_from,
        receipt_settings_from,
    )
    from pos_terminal.hardware.scanner_settings import settings_from as scanner_settings_from

    if not file.is_file():
        raise BuildError(f"{file}: no such store config")
    try:
        layer = config.read_layer("store", file)
        refused = layer.refusals()  # unknown sections and keys, with their line
        if refused:
            raise BuildError(refused[0])
        data = layer.data
        store = data.get("store")
        if not isinstance(store, dict) or not store.get("id") or not store.get("register"):
            raise BuildError(f"{file}: [store] id and register: expected both, e.g. "
                             'id = "S042" and register = "R1"')
        full = dict(data)
        if "tax_classes" not in full:  # init gives a register the defaults of its tax mode
            mode = config.TaxMode(store.get("tax_mode", "inclusive")) \
                if store.get("tax_mode") in ("inclusive", "exclusive") else config.TaxMode.INCLUSIVE
            full["tax_classes"] = {c: {"name": n, "rate": r}
                                   for c, (n, r) in config.DEFAULT_TAX_CLASSES[mode].items()}
        settings = config.settings_from(full, file)
        scanner_settings_from(data, file)
        printer_settings_from(data, file)
        receipt_settings_from(data, file)
    except PosError as exc:
        raise BuildError(str(exc)) from exc
    pk = data.get("packaging", {})
    if not isinstance(pk, dict):
        raise BuildError(f"{file}: [packaging]: expected a section (a table), not a value")
    autostart = pk.get("autostart", False)
    if not isinstance(autostart, bool):
        raise BuildError(f"{file}: [packaging] autostart: expected true or false")
    maintainer = pk.get("maintainer", "pos-terminal installer <pos-terminal@localhost>")
    if not isinstance(maintainer, str) or "<" not in maintainer:
        raise BuildError(f'{file}: [packaging] maintainer: expected "Name <email>"')
    revision = pk.get("revision", 1)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise BuildError(f"{file}: [packaging] revision: expected a whole number ≥ 1 "
                         "(raise it to ship a changed store config with the same version)")
    return Store(file, settings.store, settings.register, settings.store_name, autostart,
                 maintainer, revision)


def run_pyinstaller(store: Store, work: Path) -> Path:
    """The ONEDIR bundle (``work/dist/pos-terminal``) with ``store.file`` baked in."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError as exc:
        raise BuildError("PyInstaller is not installed in this Python: "
                         "pip install -e '.[build]' (./packaging/build.sh does it)") from exc
    from pos_terminal.config import BAKED_NAME

    stage = work / "stage"
    stage.mkdir(parents=True, exist_ok=True)
    baked = stage / BAKED_NAME  # the name config.baked_config_file() looks for
    shutil.copyfile(store.file, baked)
    env = {**os.environ, "POS_BUILD_STORE_TOML": str(baked)}
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-15:])
        raise BuildError(f"PyInstaller failed (exit {r.returncode}):\n{tail}")
    return work / "dist" / "pos-terminal"


def desktop_entry(store: Store, exe: str, autostart: bool = False) -> str:
    title = f"POS register — {store.name}" if store.name else f"POS register {store.id}"
    lines = [
        "[Desktop Entry]", "Type=Application", f"Name={title}",
        "Comment=Point-of-sale register (cashier window)", f"TryExec={exe}", f"Exec={exe}",
        "Terminal=false", "Categories=Office;Finance;", "StartupNotify=false",
    ]
    if autostart:
        lines += ["X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-Delay=2"]
    return "\n".join(lines) + "\n"


def make_tar(bundle: Path, store: Store, version: str, out: Path) -> Path:
    dest = out / f"{store.app}-{version}-linux-{_machine()}.tar.gz"
    with tarfile.open(dest, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=store.app)  # symlinks stay symlinks
    return dest


def make_deb(bundle: Path, store: Store, version: str, out: Path, work: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        raise BuildError("dpkg-deb is not installed: apt-get install dpkg, or build with "
                         "--formats dir,tar")
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    root = work / "deb"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / store.app
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "pos-terminal").symlink_to(f"/opt/{store.app}/pos-terminal")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / f"{store.app}.desktop").write_text(desktop_entry(store, "/usr/bin/pos-terminal"))
    if store.autostart:  # kiosk registers: the cashier window opens at every login
        auto = root / "etc" / "xdg" / "autostart"
        auto.mkdir(parents=True)
        (auto / f"{store.app}.desktop").write_text(
            desktop_entry(store, "/usr/bin/pos-terminal", autostart=True))
    doc = root / "usr" / "share" / "doc" / store.app
    doc.mkdir(parents=True)
    shutil.copyfile(store.file, doc / "store.toml")
    size_kb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and
                  not f.is_symlink()) // 1024
    control = root / "DEBIAN"
    control.mkdir()
    (control / "control").write_text("\n".join([
        f"Package: {store.app}",
        f"Version: {version}-{store.revision}",
        f"Architecture: {arch}",
        f"Maintainer: {store.maintainer}",
        f"Installed-Size: {size_kb}",
        f"Depends: {DEB_DEPENDS}",
        f"Recommends: {DEB_RECOMMENDS}",
        "Provides: pos-terminal",
        "Conflicts: pos-terminal",  # one store's register per machine (/usr/bin/pos-terminal)
        "Replaces: pos-terminal",
        "Section: misc",
        "Priority: optional",
        f"Description: pos-terminal register for store {store.id}"
        + (f" ({store.name})" if store.name else ""),
        " Offline-first point-of-sale register with a perpetual inventory ledger, built for",
        f" store {store.id} (its store config is baked in). The register's data lives in",
        " each user's data folder ($POS_TERMINAL_HOME to choose another).",
    ]) + "\n")
    if store.autostart:  # kept on upgrades once an admin edits it (e.g. Hidden=true)
        (control / "conffiles").write_text(f"/etc/xdg/autostart/{store.app}.desktop\n")
    dest = out / f"{store.app}_{version}-{store.revision}_{arch}.deb"
    r = subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build",
                        str(root), str(dest)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise BuildError(f"dpkg-deb failed: {r.stderr.strip() or r.stdout.strip()}")
    return dest


def _machine() -> str:
    return os.uname().machine if hasattr(os, "uname") else "unknown"


def _tree_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1_000_000


def build(store_file: Path, out: Path, formats: tuple[str, ...], work: Path | None = None
          ) -> dict[str, Any]:
    """Build everything asked for; returns the paths and figures."""
    from pos_terminal import __version__

    started = time.monotonic()
    store = check_store(store_file.resolve())
    out.mkdir(parents=True, exist_ok=True)
    work = work or ROOT / "build" / "packaging" / store.slug
    bundle = run_pyinstaller(store, work)
    built = time.monotonic()
    result: dict[str, Any] = {"store": store.id, "version": __version__,
                              "pyinstaller_s": round(built - started, 1),
                              "bundle_mb": round(_tree_mb(bundle), 1)}
    final = out / store.app
    if "dir" in formats:
        shutil.rmtree(final, ignore_errors=True)
        shutil.copytree(bundle, final, symlinks=True)
        result["dir"] = final
    with ThreadPoolExecutor(max_workers=2) as pool:  # both compress; zlib and dpkg-deb in parallel
        jobs = {}
        if "tar" in formats:
            jobs["tar"] = pool.submit(make_tar, bundle, store, __version__, out)
        if "deb" in formats:
            jobs["deb"] = pool.submit(make_deb, bundle, store, __version__, out, work)
        for key, job in jobs.items():
            result[key] = job.result()
            result[f"{key}_mb"] = round(result[key].stat().st_size / 1_000_000, 1)
    result["build_s"] = round(time.monotonic() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.splitlines()[0])
    p.add_argument("store", type=Path, help="the store config (TOML), e.g. "
                   "packaging/stores/example.toml")
    p.add_argument("--out", type=Path, default=ROOT / "dist", help="where the results go "
                   "(default: dist/)")
    p.add_argument("--formats", default="dir,tar,deb",
                   help="comma-separated: dir (the bundle folder), tar, deb (default: all)")
    p.add_argument("--work", type=Path, help="PyInstaller's work folder "
                   "(default: build/packaging/STORE)")
    args = p.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        print(f"error: --formats: use some of {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    try:
        result = build(args.store, args.out.resolve(), formats,
                       args.work.resolve() if args.work else None)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key in ("dir", "tar", "deb"):
        if key in result:
            print(f"{key}: {result[key]}")
    for key in ("pyinstaller_s", "build_s", "bundle_mb", "tar_mb", "deb_mb"):
        if key in result:
            print(f"{key}={result[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
