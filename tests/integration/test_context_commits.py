"""The context counts committed write transactions (the window refreshes what it shows from
the database after any of them), never a rolled-back one."""

from __future__ import annotations

import pytest

from pos_terminal.bootstrap import App


def test_commits_are_counted_rollbacks_are_not(app: App) -> None:
    ctx = app.ctx
    before = ctx.commits.count
    with ctx.read():
        pass
    assert ctx.commits.count == before
    with ctx.write():
        pass
    assert ctx.commits.count == before + 1
    with pytest.raises(RuntimeError), ctx.write():
        raise RuntimeError("nothing is committed")
    assert ctx.commits.count == before + 1
