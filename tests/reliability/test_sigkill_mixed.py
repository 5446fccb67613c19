"""A register process doing mixed work — sales (cash, card, split, training), returns, deliveries,
adjustments and counts — is SIGKILLed at random moments. Nothing acknowledged may be lost,
nothing may be half-written, and ``verify`` must pass after every kill.

Kills: 40 (reduced) or 1,000 (``POS_RELIABILITY_FULL=1``); ``POS_SIGKILL_KILLS`` overrides both,
``POS_SIGKILL_SEED`` seeds the kill timings and the workers' choices, ``POS_SIGKILL_CHECK_EVERY``
spaces the full checks (1: after every kill; acknowledged-vs-written is checked after every kill
regardless, and the full checks always run after the last kill). About a second per kill on
2 cores. The worker and the checks: tests/integration/crash_worker.py and ledger_checks.py
(whose own tests, showing the checks can fail, are tests/integration/test_sigkill.py).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_support import size

from pos_terminal import cli, config
from pos_terminal.bootstrap import init_register
from pos_terminal.services import demo

from crash_worker import run_until_killed, write_codes
from ledger_checks import Acked, check_register, project_verify, record_count

KILLS = int(os.environ.get("POS_SIGKILL_KILLS") or size(40, 1000))
SEED = int(os.environ.get("POS_SIGKILL_SEED", "20261124"))
# a whole-register check reads every row: after every kill it makes the 1,000-kill run
# quadratic (≈300 kills in 42 min on 2 cores), so the full size checks every 25th kill
# (and the last); the acknowledged-vs-written count is checked after every kill regardless
CHECK_EVERY = max(1, int(os.environ.get("POS_SIGKILL_CHECK_EVERY") or size(1, 25)))
DELAY_S = (0.05, 0.6)  # how long a worker works after READY before it is killed


def make_register(root: Path) -> tuple[Path, Path]:
    """A seeded demo register in ``root/register`` and the codes a worker may scan."""
    data_dir = root / "register"
    with init_register(data_dir, config.new_settings("K1", "R1", "EUR")) as app:
        demo.seed(app)
        codes_file = root / "codes.json"
        write_codes(codes_file, app.catalog.products(limit=1000))
    return data_dir, codes_file


@pytest.mark.slow
@pytest.mark.timeout(max(300, 10 * KILLS))
def test_sigkill_during_mixed_work_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir, codes_file = make_register(tmp_path)
    db = config.Paths(data_dir).database
    rng = random.Random(SEED)
    acked = Acked()
    kinds: Counter[str] = Counter()
    unacked_commits = 0
    started = time.monotonic()
    for i in range(KILLS):
        before = record_count(db)
        r = run_until_killed(data_dir, codes_file, seed=rng.randrange(2**32), tag=f"k{i}",
                             delay_s=rng.uniform(*DELAY_S))
        assert r.ready and r.killed, (
            f"kill {i}: the worker did not run until killed (ready={r.ready}, "
            f"exit {r.returncode}):\n{r.stderr}"
        )
        acked.add_lines(r.acks)
        kinds.update(a.split()[1] for a in r.acks)
        written = record_count(db) - before
        # every acknowledged call committed; at most the one in flight committed unacknowledged
        assert len(r.acks) <= written <= len(r.acks) + 1, (
            f"kill {i}: {len(r.acks)} calls acknowledged but {written} records written"
        )
        unacked_commits += written - len(r.acks)
        if (i + 1) % CHECK_EVERY and i + 1 < KILLS:
            continue
        problems = check_register(db, acked)
        ok, why = project_verify(data_dir)
        assert not problems and ok, (
            f"kill {i} (after {r.alive_s:.3f} s of work, {len(r.acks)} acks):\n  "
            + "\n  ".join([*problems, *([] if ok else [f"verify: {why}"])])
        )
    assert cli.main(["--data-dir", str(data_dir), "verify"]) == 0
    elapsed = time.monotonic() - started
    assert kinds["sale"] > KILLS, f"too little work between kills to mean anything: {kinds}"
    assert kinds["return"] and kinds["receive"], f"returns and deliveries not exercised: {kinds}"
    print(
        f"\nsigkill: {KILLS} kills in {elapsed:.1f} s; acknowledged {dict(kinds)}; "
        f"{unacked_commits} committed in flight, unacknowledged"
    )
