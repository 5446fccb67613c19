"""The reliability suite: crashes, a misbehaving network, a poison event, a full disk, a tampered
journal and card numbers at rest. Every test here is marked ``reliability`` (``pytest -m
reliability`` runs just the suite).

Sizes: reduced by default (CI; a few minutes on 2 cores); ``POS_RELIABILITY_FULL=1`` runs the
full size (1,000 SIGKILLs, 10 minutes of sync faults, ...): ``reliability_support.size``.

The suite reuses the integration, sync, UI and payment harnesses (``crash_worker``,
``ledger_checks``, ``fault_proxy``, ``sync_helpers``, ``ui_support``, the card terminal
emulators) rather than keeping copies of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
for helper_dir in (TESTS / "integration", TESTS / "sync", TESTS / "ui", TESTS / "payments"):
    if str(helper_dir) not in sys.path:
        sys.path.insert(0, str(helper_dir))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.reliability)
