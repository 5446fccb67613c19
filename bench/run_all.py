"""Run every benchmark in bench/ and print one table: figure, measured, baseline, goal, holds.

Each benchmark runs as its own subprocess (a fresh interpreter, as a user would run it) and
prints ``name=value`` lines; this script picks the figures that have a goal out of them. A
baseline is shown where the benchmark measures one in the same run (bare sqlite3, bare psycopg
COPY, no promotion index).

    python bench/run_all.py [--quick] [--only NAME[,NAME]] [--markdown FILE] [--timeout S]

``--quick`` runs small sizes (a smoke run: the "holds" column then says little about the real
goals, which are set at 1 M products / 10 M ledger rows / 1 M sales / 100 k events).
``central_ingest`` and ``sync_drain`` need PostgreSQL (``$POS_TEST_PG_URL``); without it their
rows say "skipped: no PostgreSQL". Exits 1 when a benchmark fails or a goal does not hold.
"""

from __future__ import annotations

import argparse
import math
import operator
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(-?[0-9.]+(?:e-?[0-9]+)?|nan|inf)$")


@dataclass(frozen=True)
class Figure:
    label: str
    key: str
    unit: str
    goal: str  # "<=" or ">="
    target: float
    baseline: str = ""  # what the same run measured to compare with: "{key}" fills in a value

    def holds(self, value: float) -> bool:
        cmp: Callable[[float, float], bool] = operator.le if self.goal == "<=" else operator.ge
        return not math.isnan(value) and cmp(value, self.target)


@dataclass(frozen=True)
class Bench:
    name: str
    full: Sequence[str]  # arguments for the full size (the benchmark's defaults: none)
    quick: Sequence[str]
    figures: Sequence[Figure]
    needs_pg: bool = False
    size: str = ""  # what the full size is, for the table's notes
    quick_size: str = ""


BENCHES: tuple[Bench, ...] = (
    Bench("sale_commit", [], ["--sales", "60"], [
        Figure("sale commit (5 lines), service / bare sqlite3, median", "ratio", "×", "<=", 2.5,
               "service p50 {service_p50_ms} ms, bare sqlite3 p50 {bare_p50_ms} ms"),
    ], size="300 sales", quick_size="60 sales"),
    Bench("lookup", [], ["--products", "5000", "--ledger-rows", "20000", "--samples", "500",
                         "--warmup", "100"], [
        Figure("barcode look-up p99", "lookup_p99_ms", "ms", "<=", 1,
               "same SQL, bare sqlite3: p99 {bare_lookup_p99_ms} ms"),
        Figure("on-hand read p99", "on_hand_p99_ms", "ms", "<=", 1,
               "same SQL, bare sqlite3: p99 {bare_on_hand_p99_ms} ms"),
    ], size="1 M products / 10 M ledger rows", quick_size="5 k products / 20 k rows"),
    Bench("scan_to_cart", [], ["--products", "5000", "--scans", "60"], [
        Figure("scan to cart p99 (wedge scan → cart row)", "scan_to_cart_p99_ms", "ms", "<=", 15),
    ], size="1 M products", quick_size="5 k products"),
    Bench("startup", [], ["--products", "5000", "--runs", "2"], [
        Figure("cold start to sale screen (median)", "ready_s_p50", "s", "<=", 1.5),
        Figure("peak RSS at start", "rss_mb_max", "MB", "<=", 250),
    ], size="1 M products", quick_size="5 k products"),
    Bench("sync_drain", [], ["--events", "3000"], [
        Figure("outbox drain register → central (HTTP)", "events_per_s", "events/s", ">=", 10_000),
        Figure("GUI stall while draining (max)", "gui_stall_max_ms", "ms", "<=", 50),
    ], needs_pg=True, size="100 k events", quick_size="3 k events"),
    Bench("central_ingest", [], ["--events", "3000"], [
        Figure("central ingest on PostgreSQL (10 % repeats)", "events_per_s", "events/s", ">=",
               25_000, "bare psycopg COPY: {bare_copy_events_per_s} events/s"),
    ], needs_pg=True, size="100 k events", quick_size="3 k events"),
    Bench("reports", [], ["--sales", "3000", "--runs", "1"], [
        Figure("Z report", "z_report_s", "s", "<=", 1),
        Figure("sales by department, 365 days", "sales_by_department_365d_s", "s", "<=", 1),
    ], size="1 M sales", quick_size="3 k sales"),
    Bench("import_catalog", [], ["--rows", "5000", "--baseline-s", "3"], [
        Figure("sale commit while a catalog imports (max)", "sale_commit_wait_max_ms", "ms", "<=",
               100, "p99 {sale_commit_wait_p99_ms} ms; same sales, no import: p99 "
               "{sale_commit_noimport_p99_ms} ms, max {sale_commit_noimport_max_ms} ms; import "
               "{import_50k_s} s, unchanged re-import {reimport_unchanged_50k_s} s"),
    ], size="50 k rows", quick_size="5 k rows"),
    Bench("promotions", [], ["--promotions", "500", "--carts", "3", "--baseline-carts", "1",
                             "--lines", "40"], [
        Figure("promotions: re-price the cart p99", "reprice_p99_ms", "ms", "<=", 5,
               "p50 {reprice_p50_ms} ms; without the index p50 {no_index_reprice_p50_ms} ms"),
    ], size="100-line cart, 10 k promotions", quick_size="40 lines, 500 promotions"),
)


@dataclass
class Outcome:
    bench: Bench
    status: str  # "ok", "failed", "skipped"
    values: dict[str, float]
    note: str = ""
    seconds: float = 0.0


def parse(stdout: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for raw in stdout.splitlines():
        m = LINE.match(raw.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def run(bench: Bench, quick: bool, timeout: float | None) -> Outcome:
    if bench.needs_pg and not os.environ.get("POS_TEST_PG_URL"):
        return Outcome(bench, "skipped", {}, "skipped: no PostgreSQL (set POS_TEST_PG_URL)")
    cmd = [sys.executable, str(HERE / f"{bench.name}.py"), *(bench.quick if quick else bench.full)]
    print(f"# {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return Outcome(bench, "failed", {}, f"timed out after {timeout:.0f} s",
                       time.perf_counter() - t0)
    took = time.perf_counter() - t0
    values = parse(proc.stdout)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return Outcome(bench, "failed", values, f"exit {proc.returncode}: {last[:160]}", took)
    missing = [f.key for f in bench.figures if f.key not in values]
    if missing:
        return Outcome(bench, "failed", values, f"printed no {', '.join(missing)}", took)
    return Outcome(bench, "ok", values, "", took)


def fmt(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def rows(outcomes: Sequence[Outcome]) -> list[list[str]]:
    table = []
    for o in outcomes:
        for f in o.bench.figures:
            goal = f"{'≤' if f.goal == '<=' else '≥'} {f.target:,g} {f.unit}"
            if o.status != "ok":
                table.append([f.label, o.note or o.status, "", goal, "—"])
                continue
            value = o.values[f.key]
            try:
                base = f.baseline.format_map({k: fmt(v) for k, v in o.values.items()})
            except KeyError:  # the benchmark did not print it (e.g. an older version)
                base = ""
            table.append([f.label, f"{fmt(value)} {f.unit}", base, goal,
                          "yes" if f.holds(value) else "NO"])
    return table


MARKER = "<!-- bench/run_all.py writes below this line -->"
HEADER = ["figure", "measured", "baseline (same run)", "goal", "holds"]


def text_table(table: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *table]) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [HEADER, *table]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(table: list[list[str]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table]
    return "\n".join(out)


# -- the machine ------------------------------------------------------------------------------
def _first(path: str, prefix: str) -> str:
    try:
        for raw in Path(path).read_text().splitlines():
            if raw.startswith(prefix):
                return raw.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _disk(path: Path) -> str:
    """The filesystem the benchmarks write to (their cache and temp dirs) and its device."""
    try:
        out = subprocess.run(["df", "--output=source,fstype,size", str(path)],
                             capture_output=True, text=True, timeout=5).stdout.splitlines()[-1]
        source, fstype, size = out.split()
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return "unknown"
    kind = ""
    dev = Path(source).name
    for cand in (dev, re.sub(r"p?\d+$", "", dev)):
        rot = Path(f"/sys/block/{cand}/queue/rotational")
        if rot.exists():
            kind = ", kernel says " + ("rotational" if rot.read_text().strip() == "1"
                                       else "non-rotational")
            break
    return f"{fstype} on {source} ({int(size) // 1024 // 1024} GiB{kind})"


def _postgres() -> str:
    url = os.environ.get("POS_TEST_PG_URL")
    if not url:
        return "not used (no POS_TEST_PG_URL)"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        return f"PostgreSQL {version}"
    except Exception as exc:  # a machine note, never fatal
        return f"unreachable ({type(exc).__name__})"


def machine() -> list[tuple[str, str]]:
    ram_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(ram_kb) / 1024 / 1024:.1f} GiB" if ram_kb.isdigit() else "unknown"
    cache = Path(os.environ.get("POS_BENCH_CACHE") or "/tmp/pos-bench")
    return [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", _first("/proc/cpuinfo", "model name")),
        ("cores", str(os.cpu_count())),
        ("RAM", ram),
        ("disk", _disk(cache if cache.exists() else Path("/tmp"))),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", _postgres()),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--only", action="append", default=[], metavar="NAME[,NAME]",
                    help="run only these benchmarks: " + ", ".join(b.name for b in BENCHES))
    ap.add_argument("--markdown", type=Path, metavar="FILE",
                    help="also write the table, the sizes and the machine as Markdown")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per benchmark")
    args = ap.parse_args(argv)
    names = [n.strip() for group in args.only for n in group.split(",") if n.strip()]
    known = {b.name for b in BENCHES}
    if unknown := [n for n in names if n not in known]:
        ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    chosen = [b for b in BENCHES if not names or b.name in names]

    outcomes = [run(b, args.quick, args.timeout) for b in chosen]
    table = rows(outcomes)
    print(text_table(table))
    if args.quick:
        print("\nquick sizes: a smoke run; the goals are set for the full sizes")
    if args.markdown:
        write_markdown(args.markdown, outcomes, table, args.quick)
        print(f"\nwrote {args.markdown}")
    failed = any(o.status == "failed" for o in outcomes)
    missed = any(r[4] == "NO" for r in table)
    return 1 if failed or missed else 0


def write_markdown(path: Path, outcomes: Sequence[Outcome], table: list[list[str]],
                   quick: bool) -> None:
    cmd = "python bench/run_all.py" + (" --quick" if quick else "")
    lines = [markdown_table(table), "", "| benchmark | size | took |", "|---|---|---|"]
    if quick:
        lines[:0] = ["**Quick sizes (`--quick`): a smoke run. The goals are set for the full "
                     "sizes; these rows do not show whether they hold.**", ""]
    for o in outcomes:
        size = o.bench.quick_size if quick else o.bench.size
        took = f"{o.seconds:.0f} s" if o.status != "skipped" else "skipped"
        lines.append(f"| `bench/{o.bench.name}.py` | {size} | {took} |")
    lines += ["", f"Machine (`{cmd}`):", ""]
    lines += [f"- {k}: {v}" for k, v in machine()]
    # a page may keep its own words above the marker; everything below it is replaced
    kept = ""
    if path.exists() and MARKER in (old := path.read_text(encoding="utf-8")):
        kept = old[: old.index(MARKER) + len(MARKER)] + "\n\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kept + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
