"""A tiny TCP round-robin front for ``aiokube cluster``: one address for N replicas, so one kubeconfig works.

It forwards bytes (TLS passes through: every replica has the same serving certificate), each new connection to
the next replica that accepts it, skipping those that refuse (a replica being restarted). It does not look
inside, so it costs a copy per chunk in this process; a production front is a load balancer (the Service in
``deploy/kubernetes/``). kubectl keeps its connection to one replica, as through any L4 balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then half-close the other side (a client's EOF reaches the replica, and back)."""
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


class RoundRobinFront:
    """Listens on ``host:port`` (0: a free port) and spreads connections over ``backends``."""

    def __init__(self, host: str, port: int, backends: list[tuple[str, int]]) -> None:
        self.host = host
        self.port = port
        self.backends = backends
        self._next = 0
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in range(len(self.backends)):
            host, port = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                log.debug("front: %s:%d refused (%s), trying the next replica", host, port, exc)
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            backend = await self._connect()
            if backend is None:
                return
            b_reader, b_writer = backend
            try:
                await asyncio.gather(_pipe(reader, b_writer), _pipe(b_reader, writer))
            finally:
                b_writer.close()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.discard(task)
