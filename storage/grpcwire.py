"""gRPC calls on the event loop: one HTTP/2 connection per etcd member, framed here, nothing else.

Why not grpc.aio for what every request makes (KV calls, the watch cache's Watch streams): its C core runs on
threads of its own, each call hands the GIL between them and the event loop, and a call's frames leave in a
send of their own. A unary call took 62–73 µs of process CPU with grpc.aio and takes 17–21 µs here
(``bench/grpc_calls.py``); grpclib, the maintained pure-Python asyncio gRPC (on the h2 library), ~225 µs (same
harness). What etcd's calls need of HTTP/2 is small: the connection preface, SETTINGS, HEADERS and DATA frames
out, HEADERS/DATA/trailers back, flow control both ways, PING, GOAWAY and RST_STREAM. Response headers are
decoded by ``hpack`` (python-hyper's, the h2 library's decoder); a header block seen before under an unchanged
dynamic table is looked up instead of decoded again (etcd answers every call with the same two blocks once its
encoder has indexed them). The frames of one loop iteration leave in one write.

storage/etcd.py makes every etcd call through this module: grpcio is still imported (aetcd's generated stubs
sit beside the messages used here) but runs no channel and no thread.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import struct
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import hpack

# frame types and flags (RFC 9113 section 6)
_DATA, _HEADERS, _RST_STREAM, _SETTINGS, _PUSH_PROMISE, _PING, _GOAWAY, _WINDOW_UPDATE, _CONTINUATION = (
    0, 1, 3, 4, 5, 6, 7, 8, 9)  # fmt: skip
_END_STREAM = _ACK = 0x1
_END_HEADERS, _PADDED, _PRIORITY = 0x4, 0x8, 0x20
_FRAME = struct.Struct(">HBBBI")  # a 24-bit length as 16 + 8 bits, type, flags, stream id
_SETTING = struct.Struct(">HI")
_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_MAX_WINDOW = 2**31 - 1
#: the last stream id this client opens on a connection (HTTP/2 allows up to 2**31 - 1)
_LAST_STREAM = 2**31 - 1
#: the connection's receive window is topped up once this much was consumed (one frame per 256 MiB)
_TOP_UP = 1 << 28
#: every stream's receive window at its start: what a watch stream may have in flight before its reader takes it
_STREAM_WINDOW = 1 << 24
#: a unary call's window is raised to the largest at once (its answer is read whole: a Range of many objects is
#: tens of MB), by a WINDOW_UPDATE sent with its HEADERS
_UNARY_RAISE = (2**31 - 1 - (1 << 24)).to_bytes(4, "big")
#: a stream's reader gives back what it took once this much is taken
_GRANT = 1 << 20
#: this client's settings: no server push, 16 MiB stream windows, frames up to 1 MiB
_OUR_SETTINGS = b"".join(_SETTING.pack(k, v) for k, v in ((0x2, 0), (0x4, _STREAM_WINDOW), (0x5, 1 << 20)))

# gRPC status codes this module names (the rest are passed through as numbers)
OK, CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE = 0, 1, 2, 4, 13, 14
#: HTTP/2 error codes of RST_STREAM/GOAWAY -> gRPC status (gRPC's own mapping: REFUSED_STREAM is UNAVAILABLE)
_H2_TO_GRPC = {0x7: UNAVAILABLE, 0x8: CANCELLED, 0xB: 8}


class GrpcError(Exception):
    """A call's gRPC status other than OK; ``sent`` is False when the request never left this process (a
    connection that could not be made, a stream the server refused unprocessed), so any call may be retried."""

    def __init__(self, code: int, details: str, *, sent: bool = True) -> None:
        super().__init__(f"gRPC status {code}: {details}")
        self.code = code
        self.details = details
        self.sent = sent


def _literal(name_index: int, value: bytes) -> bytes:
    """An HPACK literal header field without indexing, its name from the static table (4-bit prefix)."""
    return _prefixed(name_index, 4, 0x00) + _prefixed(len(value), 7, 0x00) + value


def _prefixed(value: int, bits: int, flags: int) -> bytes:
    """HPACK's integer with an N-bit prefix (RFC 7541 section 5.1)."""
    limit = (1 << bits) - 1
    if value < limit:
        return bytes((flags | value,))
    out = bytearray((flags | limit,))
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def request_headers(path: str, authority: str, scheme: str) -> bytes:
    """The HEADERS block of a call to ``path``: the same bytes for every call (nothing indexed, so no dynamic
    table to keep in step with the server's decoder)."""
    return b"".join((
        b"\x83",  # :method POST (static 3)
        b"\x87" if scheme == "https" else b"\x86",  # :scheme (static 7 / 6)
        _literal(4, path.encode()),  # :path
        _literal(1, authority.encode()),  # :authority
        _literal(31, b"application/grpc"),  # content-type
        b"\x00\x02te\x08trailers",  # te: trailers (a new name)
    ))  # fmt: skip


class _Call:
    """One unary call's stream: the future its caller awaits, what arrived, and what is still to send."""

    __slots__ = ("chunks", "end_stream", "future", "headers", "pending", "send_window", "started")

    def __init__(self, future: asyncio.Future[bytes], send_window: int) -> None:
        self.future = future
        self.headers: list[tuple[str, str]] | None = None
        self.chunks: list[bytes] = []
        self.send_window = send_window
        self.pending: memoryview | None = None  # request DATA waiting for flow-control window
        self.started = 0.0  # time.monotonic() when the request was written
        self.end_stream = True  # the request's last DATA frame ends our side of the stream

    def data(self, payload: bytes) -> None:
        self.chunks.append(payload)


class GrpcStream(_Call):
    """A bidirectional call (etcd's Watch): ``send`` writes a message; ``receive`` returns the next message
    with the ``time.monotonic()`` its last frame arrived at, or None when etcd ended the stream with OK, or raises its
    :class:`GrpcError`; ``reset`` cancels it (RST_STREAM). Messages are gathered as their frames arrive (on the
    loop, in ``data_received``); the stream's receive window is given back as the reader takes them, so etcd
    holds at most 16 MiB more than the reader has taken."""

    __slots__ = ("conn", "id", "messages", "needed", "partial", "taken", "waiter")

    def __init__(self, conn: GrpcConnection, stream: int) -> None:
        super().__init__(conn.loop.create_future(), conn.peer_initial_window)
        self.end_stream = False
        self.conn = conn
        self.id = stream
        self.messages: collections.deque[tuple[bytes, float]] = collections.deque()
        self.partial = bytearray()  # the start of a message whose frames have not all come
        self.needed = 0  # bytes ``partial`` must hold before that message is whole
        self.taken = 0
        self.waiter: asyncio.Future[None] | None = None
        self.future.add_done_callback(self._wake)

    def data(self, payload: bytes) -> None:
        """The messages of a DATA frame's payload, sliced from it (one copy each); only a message split between
        frames is gathered in ``partial``, and joined once it is whole (not once per frame: a 1 MiB event comes in
        64 frames of 16 KiB)."""
        buf = self.partial
        if buf:
            buf += payload
            if len(buf) < self.needed:
                return
            payload = bytes(buf)
            buf.clear()
        at = self.conn.last_received
        pos, size = 0, len(payload)
        while True:
            if size - pos < 5:
                needed = 5
                break
            end = pos + 5 + int.from_bytes(payload[pos + 1 : pos + 5], "big")
            if end > size:
                needed = end - pos
                break
            if payload[pos]:
                raise ValueError("a compressed gRPC message (none was asked for)")
            self.messages.append((payload[pos + 5 : end], at))
            pos = end
        if pos < size:
            buf += memoryview(payload)[pos:]
            self.needed = needed
        self._wake()

    def _wake(self, ended: object = None) -> None:
        if isinstance(ended, asyncio.Future) and not ended.cancelled():
            ended.exception()  # retrieved: receive() raises it when the reader gets there (if ever)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def send(self, message: bytes) -> None:
        if self.conn.closed is not None:
            raise self.conn.closed
        self.conn._send_message(self.id, self, message, b"")

    async def receive(self) -> tuple[bytes, float] | None:
        while not self.messages:
            if self.future.done():
                self.conn._forget(self.id)
                self.future.result()  # its GrpcError, if it ended with one
                return None
            self.waiter = self.conn.loop.create_future()
            try:
                await self.waiter
            except asyncio.CancelledError:
                self.reset()
                raise
        message = self.messages.popleft()
        self.taken += len(message[0]) + 5
        if self.taken >= _GRANT and not self.future.done():
            self.conn._send(self.conn._frame(_WINDOW_UPDATE, 0, self.id, self.taken.to_bytes(4, "big")))
            self.taken = 0
        return message

    def reset(self) -> None:
        """Cancel the stream (etcd stops sending); its reader gets CANCELLED."""
        if not self.future.done():
            self.future.set_exception(GrpcError(CANCELLED, "stream cancelled"))
            self.conn._reset(self.id, 0x8)
        self.conn._forget(self.id)


class GrpcConnection(asyncio.Protocol):
    """One HTTP/2 connection carrying gRPC calls, all on the event loop.

    Contract: ``call`` sends one request message and returns the response message's bytes or raises
    :class:`GrpcError`; ``open_stream`` starts a bidirectional call (:class:`GrpcStream`). The connection is
    *usable* until it is lost or the server sent GOAWAY; then its calls the server did not take fail with
    ``sent=False`` and a new connection is made by :class:`GrpcChannel`. Flow control is honoured both ways:
    requests larger than the server's windows wait for WINDOW_UPDATEs; a unary call's receive window is the
    largest HTTP/2 allows, a stream's 16 MiB given back as its reader takes messages, and the connection's is
    topped up as data arrives (the streams' windows are what hold etcd back).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.needed = 0  # bytes ``buffer`` must hold before its frame is complete
        self.last_received = time.monotonic()
        self.calls: dict[int, _Call] = {}
        self.next_id = 1
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.blocks: dict[bytes, list[tuple[str, str]]] = {}  # header block -> fields, under today's table
        self.continuing: tuple[int, int, bytearray] | None = None  # stream, flags, block of a HEADERS in parts
        self.send_window = 65535
        self.peer_initial_window = 65535
        self.peer_max_frame = 16384
        self.peer_max_streams = 2**31
        self.consumed = 0
        self.closed: GrpcError | None = None
        self.gone = False  # the connection is lost (or aborted)
        self.waiting_streams: list[asyncio.Future[None]] = []
        self.outgoing: list[bytes] = []  # frames for the next write (``_send``)

    # --- asyncio.Protocol -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's TLS transport is not a subclass
        transport.write(b"".join((
            _PREFACE, self._frame(_SETTINGS, 0, 0, _OUR_SETTINGS),
            self._frame(_WINDOW_UPDATE, 0, 0, (_MAX_WINDOW - 65535).to_bytes(4, "big")),
        )))  # fmt: skip

    def connection_lost(self, exc: Exception | None) -> None:
        self._close(GrpcError(UNAVAILABLE, f"connection to etcd lost: {exc or 'closed'}"))

    def data_received(self, data: bytes) -> None:
        """Frames are sliced from the bytes received; only a frame split between reads is gathered in
        ``buffer`` (so a large answer arriving in many reads is copied once more, not once per read)."""
        self.last_received = time.monotonic()
        buf = self.buffer
        if buf:
            buf += data
            if len(buf) < self.needed:
                return
            data = bytes(buf)
            buf.clear()
        pos, size = 0, len(data)
        try:
            while size - pos >= 9:
                high, low, ftype, flags, stream = _FRAME.unpack_from(data, pos)
                end = pos + 9 + ((high << 8) | low)
                if end > size:
                    break
                self._frame_received(ftype, flags, stream & 0x7FFFFFFF, data[pos + 9 : end])
                pos = end
            else:
                end = pos + 9
        except Exception as exc:  # a protocol violation by the peer: this connection is done
            self._abort(f"bad HTTP/2 from etcd: {exc!r}")
            return
        if pos < size:
            buf += memoryview(data)[pos:]
            self.needed = end - pos

    # --- calls ----------------------------------------------------------------------------------------

    async def call(self, headers_frame_payload: bytes, message: bytes, timeout: float) -> bytes:
        if self.closed is not None or len(self.calls) >= self.peer_max_streams:
            await self._stream_slot()
        stream = self._next_stream()
        future: asyncio.Future[bytes] = self.loop.create_future()
        call = self.calls[stream] = _Call(future, self.peer_initial_window)
        head = self._frame(_HEADERS, _END_HEADERS, stream, headers_frame_payload) + _FRAME.pack(
            0, 4, _WINDOW_UPDATE, 0, stream) + _UNARY_RAISE  # fmt: skip
        self._send_message(stream, call, message, head)
        call.started = time.monotonic()
        timer = self.loop.call_later(timeout, self._timed_out, stream)
        try:
            return await future
        except asyncio.CancelledError:
            self._reset(stream, 0x8)
            raise
        finally:
            timer.cancel()
            self._forget(stream)

    async def open_stream(self, headers_frame_payload: bytes) -> GrpcStream:
        """A bidirectional call: its HEADERS sent, its messages sent and received through the
        :class:`GrpcStream` returned."""
        await self._stream_slot()
        stream = self._next_stream()
        call = self.calls[stream] = GrpcStream(self, stream)
        self._send(self._frame(_HEADERS, _END_HEADERS, stream, headers_frame_payload))
        return call

    def _next_stream(self) -> int:
        """A new stream's id. HTTP/2 ids are never reused and end at 2**31 - 1 (a year of etcd calls at 70/s,
        days at this server's rates): near the end the connection takes no new call, its calls finish, and
        :class:`GrpcChannel` opens another."""
        stream = self.next_id
        self.next_id += 2
        if self.next_id >= _LAST_STREAM and self.closed is None:
            self.closed = GrpcError(UNAVAILABLE, "this connection's stream ids are used up", sent=False)
        return stream

    async def _stream_slot(self) -> None:
        if self.closed is not None:
            raise self.closed
        while len(self.calls) >= self.peer_max_streams:
            waiter = self.loop.create_future()
            self.waiting_streams.append(waiter)
            await waiter
            if self.closed is not None:
                raise self.closed

    def _forget(self, stream: int) -> None:
        """A stream is over for its caller: its slot goes to a call waiting for one."""
        if self.calls.pop(stream, None) is None:
            return
        if self.waiting_streams:
            waiter = self.waiting_streams.pop(0)
            if not waiter.done():
                waiter.set_result(None)
        if self.closed is not None and not self.calls and self.transport is not None:
            self.transport.close()  # after GOAWAY: the last call the server took has its answer

    def close(self) -> None:
        self._close(GrpcError(UNAVAILABLE, "connection to etcd closed", sent=False))
        if self.transport is not None:
            self.transport.close()

    # --- internals ------------------------------------------------------------------------------------

    def _send(self, frames: bytes) -> None:
        """Queue frames for one write at the end of this loop iteration: the calls a burst of requests starts
        together leave in one ``send`` (a syscall on loopback costs what framing a call does)."""
        if not self.outgoing:
            self.loop.call_soon(self._flush)
        self.outgoing.append(frames)

    def _flush(self) -> None:
        if self.outgoing and self.transport is not None and not self.transport.is_closing():
            self.transport.write(self.outgoing[0] if len(self.outgoing) == 1 else b"".join(self.outgoing))
        self.outgoing.clear()

    @staticmethod
    def _frame(ftype: int, flags: int, stream: int, payload: bytes | memoryview) -> bytes:
        n = len(payload)
        return _FRAME.pack(n >> 8, n & 0xFF, ftype, flags, stream) + payload

    def _timed_out(self, stream: int) -> None:
        """A call's deadline passed: it is cancelled on the server. If nothing at all came from etcd since the
        call was written, the connection is taken for dead (gRPC's keepalive would find the same thirty seconds
        later) and the next call makes a new one."""
        call = self.calls.get(stream)
        if call is not None and not call.future.done():
            call.future.set_exception(GrpcError(DEADLINE_EXCEEDED, "context deadline exceeded"))
            self._reset(stream, 0x8)
            if self.last_received < call.started:
                self._abort("etcd sent nothing for a call's whole deadline")

    def _reset(self, stream: int, code: int) -> None:
        self._send(self._frame(_RST_STREAM, 0, stream, code.to_bytes(4, "big")))  # _flush drops it once gone

    def _send_message(self, stream: int, call: _Call, message: bytes, head: bytes) -> None:
        """One gRPC message on ``stream`` after ``head`` (frames that go first): in one DATA frame with them
        when it fits the frame size and both windows, else as flow control lets it go."""
        body = b"\x00" + len(message).to_bytes(4, "big") + message
        n = len(body)
        if call.pending is None and n <= self.peer_max_frame and n <= self.send_window and n <= call.send_window:
            self.send_window -= n
            call.send_window -= n
            self._send(head + self._frame(_DATA, _END_STREAM if call.end_stream else 0, stream, body))
            return
        if head:
            self._send(head)
        call.pending = memoryview(bytes(call.pending) + body if call.pending is not None else body)
        self._send_pending(stream, call)

    def _send_pending(self, stream: int, call: _Call) -> None:
        """Send what flow control allows of a large request; the rest waits for WINDOW_UPDATE."""
        data = call.pending
        assert data is not None and self.transport is not None
        self._flush()  # what was queued before (this stream's HEADERS) goes first
        while data:
            n = min(len(data), self.peer_max_frame, self.send_window, call.send_window)
            if n <= 0:
                call.pending = data
                return
            last = n == len(data)
            self.transport.write(self._frame(_DATA, _END_STREAM if last and call.end_stream else 0, stream, data[:n]))
            self.send_window -= n
            call.send_window -= n
            data = data[n:]
        call.pending = None

    def _frame_received(self, ftype: int, flags: int, stream: int, payload: bytes) -> None:
        if self.continuing is not None:
            if ftype != _CONTINUATION or stream != self.continuing[0]:
                raise ValueError("a header block was interrupted")
            block = self.continuing[2]
            block += payload
            if flags & _END_HEADERS:
                stream, first_flags, _ = self.continuing
                self.continuing = None
                self._headers(stream, first_flags, bytes(block))
            return
        if ftype == _DATA:
            if flags & _PADDED:
                payload = payload[1 : len(payload) - payload[0]]
            call = self.calls.get(stream)
            if call is not None:
                call.data(payload)
                if flags & _END_STREAM:  # a stream ended without trailers: not a gRPC answer
                    self._finish(stream, call, [])
            self.consumed += len(payload)
            if self.consumed >= _TOP_UP:
                self._send(self._frame(_WINDOW_UPDATE, 0, 0, self.consumed.to_bytes(4, "big")))
                self.consumed = 0
        elif ftype == _HEADERS:
            if flags & _PADDED:
                payload = payload[1 : len(payload) - payload[0]]
            if flags & _PRIORITY:
                payload = payload[5:]
            if flags & _END_HEADERS:
                self._headers(stream, flags, payload)
            else:
                self.continuing = (stream, flags, bytearray(payload))
        elif ftype == _SETTINGS:
            if not flags & _ACK:
                self._settings(payload)
        elif ftype == _WINDOW_UPDATE:
            increment = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            if stream == 0:
                self.send_window += increment
                for sid, call in list(self.calls.items()):
                    if call.pending is not None:
                        self._send_pending(sid, call)
            elif (call := self.calls.get(stream)) is not None:
                call.send_window += increment
                if call.pending is not None:
                    self._send_pending(stream, call)
        elif ftype == _PING:
            if not flags & _ACK:
                self._send(self._frame(_PING, _ACK, 0, payload))
        elif ftype == _RST_STREAM:
            call = self.calls.get(stream)
            if call is not None and not call.future.done():
                code = int.from_bytes(payload[:4], "big")
                call.future.set_exception(GrpcError(_H2_TO_GRPC.get(code, INTERNAL),
                                                    f"stream reset by etcd (HTTP/2 error {code})",
                                                    sent=code != 0x7))  # fmt: skip
        elif ftype == _GOAWAY:
            last = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            self.closed = GrpcError(UNAVAILABLE, "etcd is closing the connection (GOAWAY)", sent=False)
            for sid, call in list(self.calls.items()):
                if sid > last and not call.future.done():  # never processed: safe to send elsewhere
                    call.future.set_exception(GrpcError(UNAVAILABLE, "refused by GOAWAY", sent=False))
        elif ftype == _PUSH_PROMISE:
            raise ValueError("PUSH_PROMISE after SETTINGS_ENABLE_PUSH=0")
        # PRIORITY and unknown types are ignored, as RFC 9113 asks

    def _settings(self, payload: bytes) -> None:
        for offset in range(0, len(payload) - len(payload) % 6, 6):
            key, value = _SETTING.unpack_from(payload, offset)
            if key == 0x4:  # INITIAL_WINDOW_SIZE: applies to open streams by the difference
                delta = value - self.peer_initial_window
                self.peer_initial_window = value
                for call in self.calls.values():
                    call.send_window += delta
            elif key == 0x5:
                self.peer_max_frame = value
            elif key == 0x3:
                self.peer_max_streams = value
        self._send(self._frame(_SETTINGS, _ACK, 0, b""))
        for sid, call in list(self.calls.items()):
            if call.pending is not None:
                self._send_pending(sid, call)

    def _decode(self, block: bytes) -> list[tuple[str, str]]:
        fields = self.blocks.get(block)
        if fields is not None:
            return fields
        table = self.decoder.header_table.dynamic_entries
        before = (len(table), table[0] if table else None)
        fields = self.decoder.decode(block, raw=False)  # type: ignore[assignment]
        if len(table) == before[0] and (table[0] if table else None) is before[1]:
            if len(self.blocks) < 256:
                self.blocks[block] = fields
        else:  # the dynamic table changed: what the remembered blocks mean may have too
            self.blocks.clear()
        return fields

    def _headers(self, stream: int, flags: int, block: bytes) -> None:
        fields = self._decode(block)  # always: the dynamic table must follow every block
        call = self.calls.get(stream)
        if call is None:
            return
        if call.headers is None and not flags & _END_STREAM:
            call.headers = fields
            return
        self._finish(stream, call, fields)

    def _finish(self, stream: int, call: _Call, trailers: list[tuple[str, str]]) -> None:
        if call.future.done():
            return
        status, message, http = None, "", None
        for name, value in (call.headers or []) + trailers:
            if name == "grpc-status":
                status = int(value)
            elif name == "grpc-message":
                message = unquote(value)
            elif name == ":status":
                http = value
        if http is not None and http != "200":
            call.future.set_exception(GrpcError(UNAVAILABLE if http in ("502", "503", "504") else UNKNOWN,
                                                f"HTTP status {http} from etcd"))  # fmt: skip
        elif status is None:
            call.future.set_exception(GrpcError(INTERNAL, "etcd's answer has no grpc-status"))
        elif status != OK:
            call.future.set_exception(GrpcError(status, message))
        elif isinstance(call, GrpcStream):
            call.future.set_result(b"")
        else:
            data = call.chunks[0] if len(call.chunks) == 1 else b"".join(call.chunks)
            if len(data) < 5 or data[0] != 0:
                call.future.set_exception(GrpcError(INTERNAL, "etcd's answer is not one uncompressed message"))
            else:
                call.future.set_result(data[5 : 5 + int.from_bytes(data[1:5], "big")])

    def _abort(self, reason: str) -> None:
        self._close(GrpcError(UNAVAILABLE, reason))
        if self.transport is not None:
            self.transport.abort()

    def _close(self, error: GrpcError) -> None:
        """No new calls; the calls in flight fail as sent (etcd may have applied them: never retried blindly).
        Once: a connection that sent GOAWAY (``closed`` already set) still fails its calls here when it goes."""
        if self.gone:
            return
        self.gone = True
        self.closed = self.closed or GrpcError(error.code, error.details, sent=False)
        for call in self.calls.values():
            if not call.future.done():
                call.future.set_exception(GrpcError(error.code, error.details, sent=True))
        for waiter in self.waiting_streams:
            if not waiter.done():
                waiter.set_result(None)
        self.waiting_streams.clear()


class GrpcChannel:
    """Calls to one endpoint (``host:port``) over one :class:`GrpcConnection`, made again when lost.

    ``method(path, parse)`` gives a callable ``(request, timeout) -> response`` for unary calls, ``stream(path,
    timeout)`` a :class:`GrpcStream`. A call that could not be sent (no connection yet, a connection refused, a
    stream refused) raises ``GrpcError(sent=False)``; the caller decides about retrying (storage/etcd.py waits
    for the connection within the deadline, as grpc's ``wait_for_ready`` did)."""

    #: the protocol of its connections (bench/grpc_calls.py measures one without write batching)
    protocol: type[GrpcConnection] = GrpcConnection

    def __init__(self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None,
                 server_hostname: str | None = None) -> None:  # fmt: skip
        self.host, self.port = host, port
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        self.authority = f"{server_hostname or host}:{port}"
        self.connection: GrpcConnection | None = None
        self.connecting: asyncio.Future[GrpcConnection] | None = None
        self.refused_at = 0.0  # time.monotonic() of the last connection refused (0: none since one was made)

    def method(self, path: str, parse: Callable[[bytes], Any]) -> Callable[[Any, float], Any]:
        block = self._headers(path)

        async def call(request: Any, timeout: float) -> Any:
            conn = self.connection
            if conn is None or conn.closed is not None:
                conn = await self._connect(timeout)
            return parse(await conn.call(block, request.SerializeToString(), timeout))

        return call

    async def stream(self, path: str, timeout: float) -> GrpcStream:
        """A bidirectional call to ``path`` (its messages serialized by the caller)."""
        conn = self.connection
        if conn is None or conn.closed is not None:
            conn = await self._connect(timeout)
        return await conn.open_stream(self._headers(path))

    def _headers(self, path: str) -> bytes:
        return request_headers(path, self.authority, "https" if self.ssl_context else "http")

    def refused_recently(self) -> bool:
        """A connection was refused in the last second and none made since (what gRPC calls
        TRANSIENT_FAILURE): calls had better go to another member meanwhile."""
        return self.refused_at != 0.0 and time.monotonic() - self.refused_at < 1.0

    async def _connect(self, timeout: float) -> GrpcConnection:
        if self.connecting is None:
            self.connecting = asyncio.ensure_future(self._open())
        try:
            return await asyncio.wait_for(asyncio.shield(self.connecting), timeout)
        except TimeoutError:
            raise GrpcError(DEADLINE_EXCEEDED, "timed out connecting to etcd", sent=False) from None

    async def _open(self) -> GrpcConnection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                lambda: self.protocol(loop), self.host, self.port, ssl=self.ssl_context,
                server_hostname=self.server_hostname if self.ssl_context else None,
            )  # fmt: skip
        except OSError as exc:
            self.refused_at = time.monotonic()
            raise GrpcError(UNAVAILABLE, f"cannot connect to etcd at {self.host}:{self.port}: {exc}",
                            sent=False) from None  # fmt: skip
        finally:
            self.connecting = None
        if self.ssl_context is not None:
            transport = conn.transport
            assert transport is not None
            protocol = transport.get_extra_info("ssl_object").selected_alpn_protocol()
            if protocol != "h2":
                conn.close()
                raise GrpcError(UNAVAILABLE, f"etcd at {self.host}:{self.port} did not agree to HTTP/2 ({protocol})",
                                sent=False)  # fmt: skip
        if self.connection is not None:
            self.connection.close()
        self.connection = conn
        self.refused_at = 0.0
        return conn

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
