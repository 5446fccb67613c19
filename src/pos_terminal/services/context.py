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
    def read(self) -> Iterator[Connection]:
        with transaction(self.engine, write=False) as conn:
            yield conn
