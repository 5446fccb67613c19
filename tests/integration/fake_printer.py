"""A raw-TCP receipt printer on a free loopback port that records the bytes it receives.

It answers ESC/POS real-time status requests (``DLE EOT n``) like a printer in the chosen
``mode``: ``ok`` (ready), ``paper_end``, ``cover_open``, ``silent`` (never answers, like many
network interfaces), or ``drop`` (accepts, then closes at once).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

DLE_EOT = b"\x10\x04"
REPLIES = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_end": {1: 0x1A, 2: 0x32, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakePrinter:
    def __init__(self, mode: str = "ok", port: int = 0) -> None:
        self.mode = mode
        self.jobs: list[bytes] = []  # one per connection, status requests taken out
        self.raw: list[bytes] = []  # everything received, per connection
        self.connections = 0
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.address = f"tcp://127.0.0.1:{self.port}"
        self._closed = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn, self.mode), daemon=True).start()

    def _handle(self, conn: socket.socket, mode: str) -> None:
        with conn:
            if mode == "drop":
                return
            conn.settimeout(5)
            buf = b""
            scanned = 0
            replies = REPLIES.get(mode, {})
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
                while (i := buf.find(DLE_EOT, scanned)) != -1 and i + 2 < len(buf):
                    n = buf[i + 2]
                    if n in replies:
                        with contextlib.suppress(OSError):
                            conn.sendall(bytes([replies[n]]))
                    scanned = i + 3
            job = b""
            i = 0
            while i < len(buf):  # take the status requests out
                if buf.startswith(DLE_EOT, i) and i + 2 < len(buf) and buf[i + 2] in (1, 2, 3, 4):
                    i += 3
                    continue
                job += buf[i : i + 1]
                i += 1
            with self._lock:
                self.raw.append(buf)
                if job:
                    self.jobs.append(job)

    def printed(self, needle: bytes) -> int:
        """How many received jobs contain ``needle``."""
        with self._lock:
            return sum(needle in j for j in self.jobs)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> FakePrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for(cond: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
