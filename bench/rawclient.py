"""A load generator that costs the machine little: HTTP/1.1 over raw asyncio protocols, one request in flight per
keep-alive connection, responses delimited by Content-Length without parsing headers into objects.

aiohttp's client spent ~0.4 ms of CPU per request on this machine, as much as the server's work on a create: on
2 cores shared with the server and etcd it takes the core a second worker would use. This one spends ~30 us.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit


class _Conn(asyncio.Protocol):
    """One connection: send a request, wait for its whole response, hand back its status."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.need = -1
        self.head_end = 0
        self.status = 0
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                self.need = end + 4 + int(head[at + 17 : stop if stop > 0 else len(head)])
            elif b"\r\ntransfer-encoding: chunked" in head:
                self.need = 0  # chunked: JSON bodies hold no raw CR/LF, so the last chunk's marker ends it
                self.head_end = end + 4
            else:
                raise RuntimeError("response without a length: " + head[:200].decode(errors="replace"))
        if self.need == 0:
            stop = self.buf.find(b"\r\n0\r\n\r\n", self.head_end - 2)
            if stop < 0:
                return
            del self.buf[: stop + 7]
            self.need = -1
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(self.status)
            return
        if len(self.buf) >= self.need:
            del self.buf[: self.need]
            self.need = -1
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(self.status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("connection closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def request(self, data: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.waiter


def request_bytes(
    method: str, host: str, path: str, body: bytes = b"", content_type: str = "application/json"
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: aiokube-bench\r\nAccept: application/json\r\n"
    if body or method in ("POST", "PUT", "PATCH"):
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def run(url: str, make: Callable[[int, str], bytes], ids: range, connections: int) -> dict[int, int]:
    """Send ``make(i, host)`` for each i over ``connections`` connections; returns how many of each status."""
    parts = urlsplit(url)
    host = parts.netloc
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(connections):
        _, proto = await loop.create_connection(_Conn, parts.hostname, parts.port)
        conns.append(proto)
    statuses: dict[int, int] = {}
    it = iter(ids)

    async def drive(conn: _Conn) -> None:
        for i in it:
            status = await conn.request(make(i, host))
            statuses[status] = statuses.get(status, 0) + 1

    try:
        await asyncio.gather(*(drive(c) for c in conns))
    finally:
        for c in conns:
            if c.transport is not None:
                c.transport.close()
    return statuses


class _Watch(asyncio.Protocol):
    """A watch stream that only counts its events (JSON frames start with ``{"type":``)."""

    MARK = b'{"type":'

    def __init__(self) -> None:
        self.events = 0
        self.tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        chunk = self.tail + data
        self.events += chunk.count(self.MARK)
        self.tail = data[-(len(self.MARK) - 1) :]  # a mark cut in two (no suffix of it starts it again)


async def watches(url: str, path: str, count: int) -> list[_Watch]:
    """``count`` watch connections on ``path`` (their events counted as they come)."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    out = []
    for _ in range(count):
        _, proto = await loop.create_connection(_Watch, parts.hostname, parts.port)
        assert proto.transport is not None
        proto.transport.write(request_bytes("GET", parts.netloc, path))
        out.append(proto)
    return out
