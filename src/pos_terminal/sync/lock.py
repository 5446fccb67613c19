"""One sync worker per register: an exclusive ``flock`` on ``DATA_DIR/sync.lock``.

The kernel releases the lock when its holder dies (even by SIGKILL), so a crash never leaves the
register unable to sync. The file holds the holder's pid for the refusal message only.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from pos_terminal.sync.errors import SyncError, SyncLockedError


class SyncLock:
    """``acquire()`` (non-blocking) / ``release()``; also a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise SyncError(f"cannot open the sync lock {self.path}: {exc}; check the data "
                            "folder's permissions") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise SyncLockedError(
                f"another sync worker{who} is running for the register in {self.path.parent}: "
                "only one process may sync a register; stop it or wait for it", holder) from exc
        except OSError as exc:
            os.close(fd)
            raise SyncError(f"cannot lock {self.path}: {exc}") from exc
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is only for messages
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
