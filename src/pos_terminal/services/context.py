"""What every service needs: the engine and the register's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from pos_terminal.config import Settings
from pos_terminal.db.uow import transaction


@dataclass(frozen=True)
class Context:
    engine: Engine
    settings: Settings

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with transaction(self.engine, write=True) as conn:
            yield conn

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
