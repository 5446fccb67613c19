"""What every service needs: the engine and the register's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from pos_terminal.config import Settings
from pos_terminal.db.uow import transaction


class Commits:
    """How many write transactions committed through a context (any thread). A screen that
    shows figures kept in the database (the status bar's sync backlog) compares it to refresh
    after any change, without polling."""

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True)
class Context:
    engine: Engine
    settings: Settings
    commits: Commits = field(default_factory=Commits, compare=False, repr=False)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with transaction(self.engine, write=True) as conn:
            yield conn
        self.commits.count += 1  # only reached when the transaction committed

    @contextmanager
    def background_write(self) -> Iterator[Connection]:
        """A write that lets every other writer of this register go first (a catalog import's
        chunks): see ``db.uow.WriteGate``."""
        with transaction(self.engine, write=True, background=True) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with transaction(self.engine, write=False) as conn:
            yield conn
