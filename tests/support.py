"""Helpers shared by the tests (importable as ``support``; not fixtures)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_central.testing import CentralHandle

ROOT = Path(__file__).resolve().parents[1]
# The three distributions' sources (register, protocol, central), for a child process's
# PYTHONPATH: a test's own checkout first, whatever the virtualenv has installed.
SOURCES = os.pathsep.join(str(ROOT / d) for d in ("src", "protocol/src", "central/src"))


@dataclass
class Run:
    code: int
    out: str
    err: str


def pt(data_dir: Path, *args: str) -> Run:
    """``pos-terminal --data-dir DATA_DIR ARGS`` in this process."""
    from pos_terminal import cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--data-dir", str(data_dir), *args])
    return Run(code, out.getvalue(), err.getvalue())


def ok(data_dir: Path, *args: str) -> str:
    """``pt`` that must succeed; its standard output."""
    r = pt(data_dir, *args)
    assert r.code == 0, f"pos-terminal {' '.join(args)} -> {r.code}: {r.err or r.out}"
    return r.out


@contextmanager
def central_with_stores(catalog_csv: str) -> Iterator[CentralHandle]:
    """A real central (uvicorn on loopback; PostgreSQL when ``POS_TEST_PG_URL`` is set, else
    SQLite) with stores S1 "Main Street" and S2 "Harbour" and this catalog."""
    from pos_central.testing import running_central, test_db_url

    with test_db_url() as url, running_central(url) as handle:
        handle.create_store("S1", "Main Street")
        handle.create_store("S2", "Harbour")
        handle.import_catalog_csv(catalog_csv)
        yield handle


def unit_code(products: list[dict], **match: object) -> str:
    """The first unit barcode of the first product whose fields match."""
    for p in products:
        if all(p.get(k) == v for k, v in match.items()):
            for b in p["barcodes"]:
                if "multiplier" not in b:
                    return b["code"]
    raise LookupError(match)
