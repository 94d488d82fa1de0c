"""A WATCH client on a bare socket: what reaches the wire, chunk framing included.

HTTP client libraries hide whether a chunked response ended with its zero-length chunk or simply stopped;
urllib3 reports the latter as "Response ended prematurely". These tests need to see the difference, and to
leave abruptly (a TCP reset, as a killed client does), so they speak HTTP/1.1 themselves.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class WatchResult:
    status: int = 0
    frames: list[dict[str, Any]] = field(default_factory=list)
    #: the stream ended with its terminating zero-length chunk
    terminated: bool = False
    #: the client left on purpose before the end
    aborted: bool = False
    #: seconds from sending the request to the end of the stream (or to the client leaving)
    elapsed: float = 0.0


def reset(writer: asyncio.StreamWriter) -> None:
    """Leave abruptly: SO_LINGER 0 makes close() send a TCP reset instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def open_watch(
    url: str, path: str, *, rcvbuf: int = 0, accept: str = "application/json"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, float]:
    """Send ``GET path`` and return the connection and when the request went out."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 22)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: {accept}\r\n\r\n".encode())
    await writer.drain()
    return reader, writer, time.monotonic()


async def read_stream(reader: asyncio.StreamReader, result: WatchResult) -> None:
    """Read the status, headers and chunks into ``result`` until the end of the stream or of the socket."""
    head = await reader.readuntil(b"\r\n\r\n")
    result.status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" not in head.lower():
        return
    pending = b""
    while True:
        line = await reader.readline()
        if not line.endswith(b"\r\n"):
            return  # the socket ended inside the framing: not terminated
        size = int(line.strip() or b"0", 16)
        if size == 0:
            result.terminated = await reader.readline() == b"\r\n"
            return
        data = await reader.readexactly(size + 2)
        pending += data[:-2]
        *lines, pending = pending.split(b"\n")
        result.frames.extend(json.loads(x) for x in lines if x.strip())


async def watch(
    url: str, path: str, *, abort_after: float | None = None, limit: float = 30.0
) -> WatchResult:
    """One watch read to its end; with ``abort_after`` the client resets the connection after that long."""
    result = WatchResult()
    reader, writer, sent = await open_watch(url, path)
    try:
        async with asyncio.timeout(abort_after if abort_after is not None else limit):
            await read_stream(reader, result)
    except TimeoutError:
        result.aborted = abort_after is not None
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        result.elapsed = time.monotonic() - sent
        if result.terminated:
            writer.close()
        else:
            reset(writer)
    return result
