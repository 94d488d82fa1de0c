"""Writing cached buffers to the socket: chunked HTTP framing with ``writelines``, no per-client copies.

aiohttp frames each ``write()`` as one chunk and joins buffers on Python < 3.12.9; here one chunk is made
of many cached buffers (list items, watch frames of a client that is behind) handed to
``transport.writelines`` as they are. Back-pressure uses aiohttp's own drain. Bodies over 128 KiB are
gzipped when the client accepts it (kube's APIResponseCompression threshold; never for watches).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiohttp import payload, web

from aiokube.apiserver.transport.memory import TRIMMER
from aiokube.encoding.encoders import Parts
from aiokube.encoding.goyamlwrite import Chunks

Buffer = bytes | memoryview
GZIP_THRESHOLD = 128 * 1024
#: request key under which a streamed response's body size is left for the request metrics
RESPONSE_BYTES = web.RequestKey("aiokube.response_bytes", int)
#: ... and the status of a stream already started, for a stream that ends because its client went away
RESPONSE_STATUS = web.RequestKey("aiokube.response_status", int)
HIGH_WATER = 256 * 1024
#: how long an ended stream's client gets to take what is left before the connection is dropped
FINISH_GRACE = 1.0
#: headers every response of the request carries (Audit-Id, Cache-Control, priority-and-fairness UIDs), set by
#: the edge's filters before the handler runs: a streamed response takes them when it starts
RESPONSE_HEADERS = web.RequestKey("aiokube.response_headers", dict)


def payload_writer(resp: web.StreamResponse) -> Any:
    """aiohttp's StreamWriter of a prepared response. The one reach into aiohttp internals: writes go to the
    transport directly (one ``writelines`` per batch of frames, no copy into aiohttp's buffer), and only the
    payload writer can send the headers first and wait for the socket to drain."""
    return resp._payload_writer


def accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def can_chunk(request: web.Request) -> bool:
    """Whether the response may use chunked framing: HTTP/1.1 only. An HTTP/1.0 client gets the body as it
    is, delimited by the end of the connection (or a Content-Length when the size is known first), as Go's
    server answers it."""
    return request.version == (1, 1)


class ChunksPayload(payload.Payload):
    """A body in pieces (encoding/goyamlwrite.Chunks: a deep object's YAML, up to hundreds of MB) written piece
    by piece, so no step on the event loop copies it whole (aiohttp joins a bytes body with the headers)."""

    _value: Chunks

    def __init__(self, value: Chunks, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("content_type", "application/octet-stream")
        super().__init__(value, *args, **kwargs)
        self._size = value.nbytes

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return b"".join(self._value).decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"".join(self._value)

    async def write(self, writer: Any) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        left = content_length
        for piece in self._value:
            chunk = memoryview(piece)
            if left is not None:
                if left <= 0:
                    return
                chunk = chunk[:left]  # a view: no copy of the piece
                left -= len(chunk)
            await writer.write(chunk)  # waits for the socket to drain past aiohttp's limit
            await asyncio.sleep(0)  # a fast reader drains at once: others get a turn between pieces


payload.register_payload(ChunksPayload, Chunks, order=payload.Order.try_first)


class ChunkedWriter:
    """One streamed response written straight to the transport: ``start`` (headers, the request's own among
    them), ``write`` (many buffers; waits for the socket past ``HIGH_WATER``), ``finish``. Chunked for HTTP/1.1;
    for HTTP/1.0 the body as it is, the connection closed after it."""

    def __init__(self, request: web.Request, resp: web.StreamResponse, *, gzip: bool = False) -> None:
        self.request = request
        self.resp = resp
        self.written = 0
        self.chunked = can_chunk(request)
        #: whether the stream has ended on the server's side (then a stalled drain gives up: ``_drain``)
        self.abandoned: Callable[[], bool] | None = None
        self._gzip = zlib.compressobj(1, zlib.DEFLATED, 31) if gzip else None
        if gzip:
            resp.headers["Content-Encoding"] = "gzip"
            resp.headers["Vary"] = "Accept-Encoding"

    async def start(self) -> None:
        extra = self.request.get(RESPONSE_HEADERS)
        if extra:
            for name, value in extra.items():
                self.resp.headers.setdefault(name, value)
        if self.chunked:
            self.resp.enable_chunked_encoding()
        await self.resp.prepare(self.request)
        self.request[RESPONSE_STATUS] = self.resp.status
        writer = payload_writer(self.resp)
        send = getattr(writer, "send_headers", None)
        if send is not None:
            send()  # headers go out now, before anything we put on the transport directly

    async def write(self, parts: Sequence[Buffer], size: int = -1) -> None:
        if self._gzip is not None:
            data = self._gzip.compress(b"".join(parts))
            parts, size = ((data,), len(data)) if data else ((), 0)
        elif size < 0:
            size = sum(len(p) for p in parts)
        if not size:
            return
        transport = self.request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("client went away")
        if self.chunked:
            transport.writelines([f"{size:x}\r\n".encode(), *parts, b"\r\n"])
        else:
            transport.writelines(parts)
        self.written += size
        if transport.get_write_buffer_size() > HIGH_WATER:
            await self._drain(transport)

    async def _drain(self, transport: Any) -> None:
        """Wait for the socket to take the backlog. A stream that was ended meanwhile (``abandoned``: a watch
        closed as too slow, past its deadline, at shutdown) while its client reads nothing gets
        ``FINISH_GRACE`` more, then the connection is dropped: its unsent bytes are what a non-reading client
        costs, and they go with it."""
        writer = payload_writer(self.resp)
        if writer is None:
            return
        while True:
            try:
                async with asyncio.timeout(FINISH_GRACE):
                    await writer.drain()
                return
            except TimeoutError:
                if self.abandoned is not None and self.abandoned():
                    transport.abort()
                    TRIMMER.soon()
                    raise ConnectionResetError("the client stopped reading a stream that has ended") from None

    async def finish(self) -> None:
        if self._gzip is not None:
            tail = self._gzip.flush()
            if tail:
                await self.write_raw(tail)
        await self.resp.write_eof()
        self.request[RESPONSE_BYTES] = self.written

    async def write_raw(self, data: bytes) -> None:
        transport = self.request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("client went away")
        if self.chunked:
            transport.writelines([f"{len(data):x}\r\n".encode(), data, b"\r\n"])
        else:
            transport.write(data)
        self.written += len(data)


class Flushable(Protocol):
    def flush(self) -> None: ...


class Flusher:
    """Coalesces the writes of many streams: each marks itself when it has pending bytes, and one callback
    writes them all (one ``writelines`` per stream for everything that arrived meanwhile).

    The callback runs on the next loop iteration, but never sooner after the previous one than that one took
    (capped at ``max_delay``): while flushing is cheap, frames go out at once; when fan-out is heavy (a
    flush of 1,000 streams takes milliseconds), events that arrive during and right after a flush share the
    next one, so the system-call and per-stream costs are paid per batch rather than per event."""

    def __init__(self, ratio: float = 3.0, max_delay: float = 0.05) -> None:
        self.ratio = ratio
        self.max_delay = max_delay
        self._dirty: list[Flushable] = []
        #: run once after the next flush's streams are written (joins to watcher groups)
        self._later: list[Callable[[], None]] = []
        self._handle: asyncio.Handle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._not_before = 0.0
        #: called after each flush (to fold per-stream tallies into metrics once per flush)
        self.after_flush: list[Callable[[], None]] = []
        #: flushes run and streams written, for benchmarks
        self.flushes = 0
        self.writes = 0

    @property
    def pending(self) -> int:
        """Streams marked and not yet written, and callbacks not yet run (0 once all went out)."""
        return len(self._dirty) + len(self._later)

    def mark(self, stream: Flushable) -> None:
        self._schedule()
        self._dirty.append(stream)

    def after(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after the next flush has written every stream marked before it runs."""
        self._schedule()
        self._later.append(callback)

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server): what the old one left is gone
            self._loop, self._not_before, self._handle, self._dirty, self._later = loop, 0.0, None, [], []
        if self._handle is not None:
            return
        delay = self._not_before - loop.time()
        self._handle = loop.call_later(delay, self._flush) if delay > 0 else loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._handle = None
        dirty, self._dirty = self._dirty, []
        start = time.perf_counter()
        for stream in dirty:
            stream.flush()
        if self._later:
            later, self._later = self._later, []
            for callback in later:
                callback()
        for hook in self.after_flush:
            hook()
        self.flushes += 1
        self.writes += len(dirty)
        assert self._loop is not None
        self._not_before = self._loop.time() + min((time.perf_counter() - start) * self.ratio, self.max_delay)


#: after the deadline (or any other end), how long the end of the stream may wait for a client that does
#: not read before the connection is dropped instead


async def finish(writer: ChunkedWriter, tail: Parts) -> None:
    """The stream's last frames and terminating chunk, when the connection is still open. A client that does
    not read gets ``FINISH_GRACE`` for them and then loses the connection: an ended watch holds nothing."""
    transport = writer.request.transport
    if transport is None or transport.is_closing():
        return
    try:
        async with asyncio.timeout(FINISH_GRACE):
            if not writer.resp.prepared:
                await writer.start()
            if tail:
                await writer.write(tail)
            await writer.finish()
    except TimeoutError:
        transport.abort()
        TRIMMER.soon()
    except (ConnectionResetError, ConnectionError):
        pass
