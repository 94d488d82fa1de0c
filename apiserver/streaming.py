"""Writing cached buffers to the socket: chunked HTTP framing with ``writelines``, no per-client copies.

aiohttp frames each ``write()`` as one chunk and joins buffers on Python < 3.12.9; here one chunk is made
of many cached buffers (list items, watch frames of a client that is behind) handed to
``transport.writelines`` as they are. Back-pressure uses aiohttp's own drain. Bodies over 128 KiB are
gzipped when the client accepts it (kube's APIResponseCompression threshold; never for watches).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from aiohttp import web

Buffer = bytes | memoryview
GZIP_THRESHOLD = 128 * 1024
#: request key under which a streamed response's body size is left for the request metrics
RESPONSE_BYTES = web.RequestKey("aiokube.response_bytes", int)
#: ... and the status of a stream already started, for a stream that ends because its client went away
RESPONSE_STATUS = web.RequestKey("aiokube.response_status", int)
_HIGH_WATER = 256 * 1024


def accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


class ChunkedWriter:
    def __init__(self, request: web.Request, resp: web.StreamResponse, *, gzip: bool = False) -> None:
        self.request = request
        self.resp = resp
        self.written = 0
        self._gzip = zlib.compressobj(1, zlib.DEFLATED, 31) if gzip else None
        if gzip:
            resp.headers["Content-Encoding"] = "gzip"
            resp.headers["Vary"] = "Accept-Encoding"

    async def start(self) -> None:
        self.resp.enable_chunked_encoding()
        await self.resp.prepare(self.request)
        self.request[RESPONSE_STATUS] = self.resp.status
        writer = self.resp._payload_writer
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
        transport.writelines([f"{size:x}\r\n".encode(), *parts, b"\r\n"])
        self.written += size
        if transport.get_write_buffer_size() > _HIGH_WATER:
            writer = self.resp._payload_writer
            if writer is not None:
                await writer.drain()

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
        transport.writelines([f"{len(data):x}\r\n".encode(), data, b"\r\n"])
        self.written += len(data)
