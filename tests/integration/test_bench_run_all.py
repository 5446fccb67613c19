"""bench/run_all.py must not rot: a quick run of one real benchmark gives its table row, a
benchmark that needs PostgreSQL says it was skipped, and the Markdown names the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN_ALL = Path(__file__).resolve().parents[2] / "bench" / "run_all.py"


def run_all(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POS_TEST_PG_URL"}
    return subprocess.run([sys.executable, str(RUN_ALL), *args], capture_output=True, text=True,
                          env=env, timeout=240)


@pytest.mark.slow
def test_a_quick_run_prints_one_table_and_writes_markdown(tmp_path: Path) -> None:
    md = tmp_path / "perf.md"
    r = run_all("--quick", "--only", "sale_commit,central_ingest", "--markdown", str(md))
    assert r.returncode in (0, 1), r.stderr  # 1 only when a goal does not hold on a busy box
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["figure", "measured", "baseline", "(same", "run)", "goal",
                                "holds"]
    sale = next(ln for ln in lines if ln.startswith("sale commit"))
    assert "×" in sale and "bare sqlite3 p50" in sale and sale.split()[-1] in ("yes", "NO")
    ingest = next(ln for ln in lines if ln.startswith("central ingest"))
    assert "skipped: no PostgreSQL" in ingest
    text = md.read_text(encoding="utf-8")
    assert text.startswith("**Quick sizes (`--quick`): a smoke run.")
    assert "\n| figure | measured | baseline (same run) | goal | holds |\n" in text
    for key in ("CPU", "cores", "RAM", "disk", "Python", "SQLite", "PostgreSQL", "date"):
        assert f"- {key}: " in text
    assert "`bench/sale_commit.py` | 60 sales" in text
    # a page's own words above the marker survive a re-run; the old table does not
    md.write_text("# Performance\n\nwords\n\n<!-- bench/run_all.py writes below this line -->\n"
                  "| old table |\n", encoding="utf-8")
    assert run_all("--quick", "--only", "central_ingest", "--markdown", str(md)).returncode == 0
    again = md.read_text(encoding="utf-8")
    assert again.startswith("# Performance\n\nwords\n") and "old table" not in again
    assert "skipped: no PostgreSQL" in again


def test_an_unknown_benchmark_is_refused_with_the_names() -> None:
    r = run_all("--only", "nope")
    assert r.returncode == 2
    assert "unknown benchmark nope" in r.stderr and "sale_commit" in r.stderr
