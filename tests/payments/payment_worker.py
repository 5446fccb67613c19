"""A register process that sells one item on the card terminal and dies by SIGKILL at a named
step of the payment (its own journal's: created, sent, status, approved, sale committed), or
is killed from outside while the terminal emulator holds at a step of its own.

    python payment_worker.py DATA_DIR CODE KILL_AT      (KILL_AT "-": never kills itself)

It prints ``STEP <name>`` after each journal write (each flushed with one write), so the parent
sees how far it came. Module-level imports are stdlib only (the parent imports it too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).resolve()


def start(data_dir: Path, code: str, kill_at: str) -> subprocess.Popen[bytes]:
    from support import SOURCES  # the parent's (tests/ is on its path, not the child's)

    env = dict(os.environ)
    env["PYTHONPATH"] = SOURCES + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, str(WORKER), str(data_dir), code, kill_at],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)


def main(argv: list[str]) -> int:
    data_dir, code, kill_at = argv
    from pos_terminal import bootstrap, cli

    original = bootstrap.App.__post_init__

    def post_init(self: bootstrap.App) -> None:
        original(self)

        def hook(_attempt: str, step: str) -> None:
            sys.stdout.write(f"STEP {step}\n")
            sys.stdout.flush()
            if step == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        self.payments.on_step = hook

    bootstrap.App.__post_init__ = post_init  # type: ignore[method-assign]
    return cli.main(["--data-dir", data_dir, "sell", code, "--pay", "terminal"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
