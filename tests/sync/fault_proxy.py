"""A fault-injecting HTTP/1.1 proxy on loopback, between a register and a real central.

It reads each request on a client connection (headers + ``Content-Length`` body), then, by a
seeded random draw, either relays it, or injures it:

- ``reset``    close the client connection with an RST before forwarding anything
- ``drop``     forward, let the central answer (and commit), then reset the client connection
               instead of relaying the answer: the register never learns it was stored
- ``error``    answer ``503`` itself without forwarding
- ``delay``    wait ``delay_s`` before forwarding (latency)

``FaultProxy(upstream_port)`` runs an asyncio loop in a thread; ``.url`` is its base URL;
``.faults`` (a dict of probabilities) can be changed while it runs; ``.counts`` says what was
done. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections import Counter
from typing import Any

FAULTS = ("reset", "drop", "error", "delay")


class FaultProxy:
    def __init__(self, upstream_port: int, faults: dict[str, float] | None = None,
                 delay_s: tuple[float, float] = (0.01, 0.05), seed: int = 1) -> None:
        self.upstream_port = upstream_port
        self.faults = dict(faults or {})
        self.delay_s = delay_s
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the loop -------------------------------------------------------------------------------
    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def _draw(self) -> str:
        x = self._rng.random()
        for name in FAULTS:
            p = self.faults.get(name, 0.0)
            if x < p:
                return name
            x -= p
        return "ok"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await _read_message(reader, is_request=True)
                if request is None:
                    return
                fault = self._draw()
                self.counts[fault] += 1
                if fault == "reset":
                    _reset(writer)
                    return
                if fault == "error":
                    body = b'{"error": "injected by the fault proxy", "field": null}'
                    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                                 b"application/json\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body), body))
                    await writer.drain()
                    continue
                if fault == "delay":
                    await asyncio.sleep(self._rng.uniform(*self.delay_s))
                if up is None:
                    up = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                up[1].write(request)
                await up[1].drain()
                answer = await _read_message(up[0], is_request=False)
                if answer is None:
                    _reset(writer)
                    return
                if fault == "drop":
                    _reset(writer)  # the central has answered (and committed): lose it
                    return
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            _reset(writer)
        except asyncio.CancelledError:
            _reset(writer)
        finally:
            if up is not None:
                up[1].close()
            if not writer.is_closing():
                writer.close()


async def _read_message(reader: asyncio.StreamReader, is_request: bool) -> bytes | None:
    """One HTTP/1.1 message (headers + Content-Length body); None at a clean end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value.strip())
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                return head + body
    return head + (await reader.readexactly(length) if length else b"")


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0), as a crashed peer or a middlebox would."""
    sock: Any = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()
