"""Shared fixtures: a seeded demo register copied fresh for each test (real SQLite files)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_terminal import config
from pos_terminal.bootstrap import App, init_register, open_register
from pos_terminal.services import demo


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no site config (/etc/pos-terminal/site.toml) and no POS_TERMINAL__ variables
    of the machine they run on; a test that wants a layer sets it itself."""
    monkeypatch.setenv(config.SITE_ENV, "")
    for name in list(os.environ):
        if name.upper().startswith(config.ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "register"
    with init_register(root, config.new_settings("S1", "R1", "EUR")) as app:
        demo.seed(app)
    return root


@pytest.fixture
def data_dir(seeded_template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "register"
    shutil.copytree(seeded_template, dest)
    return dest


@pytest.fixture
def app(data_dir: Path) -> Iterator[App]:
    with open_register(data_dir) as a:
        yield a


@pytest.fixture
def products(app: App) -> list[dict]:
    return app.catalog.products(limit=1000)
