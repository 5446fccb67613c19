"""Cold start of the cashier window on a register with 1,000,000 products, and its peak memory.

A fresh Python process is started for each run (offscreen Qt); it opens the register, shows
the main window, waits for the login screen's user list, signs the cashier in with the PIN
through the login screen (the real scrypt check), and stops when the sale screen has the
keyboard focus in its scan field: "ready for input". The parent times the whole process from
spawn and reads the child's peak RSS.

    python bench/startup.py [--products N] [--runs K]

Prints ``ready_s_p50``, ``ready_s_max``, ``login_ready_s_p50`` (first screen usable) and
``rss_mb_max``. Goals: ready ≤ 1.5 s, RSS ≤ 250 MB. The register is built once with
``pos-terminal demo --products N`` and cached in ``${POS_BENCH_CACHE:-/tmp/pos-bench}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import figure, median

CHILD = r"""
import json, os, sys, time
t0 = float(sys.argv[2])
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
from pos_terminal.bootstrap import open_register
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.theme import STYLE
qapp = QApplication([])
qapp.setStyleSheet(STYLE)
app = open_register(Path(sys.argv[1]))
w = MainWindow(app)
w.show()
marks = {}
def poll():
    if "login" not in marks and w.login.users.count():
        marks["login"] = time.time() - t0
        w.login.users.setCurrentRow(0)  # the demo's cashier
        w.login.pin.setText("1111")
        w.login.submit()
    if w.stack.currentWidget() is w.open_shift:
        w.app.shifts.open(w.user.id, 0)  # first run only: open a shift once
        w._show_sale()
    if w.stack.currentWidget() is w.sale and w.sale.scan_field.hasFocus():
        marks["ready"] = time.time() - t0
        import resource
        marks["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(marks), flush=True)
        qapp.quit()
        return
    QTimer.singleShot(2, poll)
QTimer.singleShot(0, poll)
qapp.exec()
"""


def build(products: int) -> Path:
    root = Path(os.environ.get("POS_BENCH_CACHE", "/tmp/pos-bench")) / f"startup-{products}"
    marker = root / "complete"
    if marker.exists():
        return root / "register"
    root.mkdir(parents=True, exist_ok=True)
    t = time.time()
    subprocess.run([sys.executable, "-m", "pos_terminal", "--data-dir", str(root / "register"),
                    "demo", "--no-gui", "--products", str(products)], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"build_s={time.time() - t:.1f}", flush=True)
    marker.write_text("ok")
    return root / "register"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    data = build(args.products)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    ready, login, rss = [], [], []
    for _ in range(args.runs + 1):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, str(data), repr(t0)], env=env,
                             check=True, capture_output=True, text=True).stdout
        marks = json.loads(out.strip().splitlines()[-1])
        ready.append(marks["ready"])
        login.append(marks["login"])
        rss.append(marks["rss_kb"] / 1024)  # the child's own peak; ru_maxrss is KiB on Linux
    ready, login = ready[1:], login[1:]  # the first run opens the shift and warms the disk
    print(f"products={args.products}")
    figure("login_ready_s_p50", median(login))
    figure("ready_s_p50", median(ready))
    figure("ready_s_max", max(ready))
    figure("rss_mb_max", max(rss), 1)


if __name__ == "__main__":
    main()
