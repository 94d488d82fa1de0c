"""storage/grpcwire.py: etcd's KV calls over our own HTTP/2 framing, against real etcd processes (and, for the
frames etcd does not send unprompted, an HTTP/2 server made with the h2 library)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import h2.config
import h2.connection
import h2.events
import h2.settings
import hpack
import pytest
from aetcd import rpc
from hypothesis import given, settings
from hypothesis import strategies as st

from aiokube.storage import errors
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.grpcwire import (
    DEADLINE_EXCEEDED,
    UNAVAILABLE,
    GrpcChannel,
    GrpcConnection,
    GrpcError,
    GrpcStream,
)

RANGE, PUT, TXN = "/etcdserverpb.KV/Range", "/etcdserverpb.KV/Put", "/etcdserverpb.KV/Txn"


@pytest.fixture
async def own_etcd(tmp_path: Path) -> AsyncIterator[EmbeddedEtcd]:
    """An etcd of the test's own: these tests stop and restart it."""
    server = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await server.start()
    yield server
    if server.process is not None:
        os.kill(server.process.pid, signal.SIGCONT)
    await server.stop()


def _channel(etcd: EmbeddedEtcd) -> GrpcChannel:
    return GrpcChannel("127.0.0.1", etcd.client_port)


async def _connected_range(etcd: EmbeddedEtcd) -> tuple[GrpcChannel, Callable[[Any, float], Any]]:
    """A channel to ``etcd`` and its Range call, after one call made its connection."""
    wire = _channel(etcd)
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    await get(rpc.RangeRequest(key=b"/x"), 5)
    return wire, get


async def test_calls_answer_as_grpc_aio_does(etcd: EmbeddedEtcd) -> None:
    wire = _channel(etcd)
    put = wire.method(PUT, rpc.PutResponse.FromString)
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    txn = wire.method(TXN, rpc.TxnResponse.FromString)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{etcd.client_port}")
    kv = rpc.KVStub(channel)
    try:
        written = await put(rpc.PutRequest(key=b"/wire/a", value=b"one"), 5)
        ours = await get(rpc.RangeRequest(key=b"/wire/", range_end=b"/wire0"), 5)
        theirs = await kv.Range(rpc.RangeRequest(key=b"/wire/", range_end=b"/wire0"))
        assert ours.kvs == theirs.kvs and ours.kvs[0].mod_revision == written.header.revision
        # a compare that fails takes the failure branch, as with any gRPC client
        cmp = rpc.Compare(key=b"/wire/a", target=rpc.Compare.MOD, result=rpc.Compare.EQUAL, mod_revision=1)
        fail = rpc.RequestOp(request_range=rpc.RangeRequest(key=b"/wire/a"))
        answer = await txn(rpc.TxnRequest(compare=[cmp], failure=[fail]), 5)
        assert not answer.succeeded and answer.responses[0].response_range.kvs[0].value == b"one"
        # 200 calls at once share the connection (streams 1, 3, 5, ...), each with its own answer
        keys = [b"/wire/many/%03d" % i for i in range(200)]
        await asyncio.gather(*(put(rpc.PutRequest(key=k, value=k), 5) for k in keys))
        got = await asyncio.gather(*(get(rpc.RangeRequest(key=k), 5) for k in keys))
        assert [g.kvs[0].value for g in got] == keys
    finally:
        wire.close()
        await channel.close()


async def test_messages_larger_than_every_window(etcd: EmbeddedEtcd) -> None:
    """A request past HTTP/2's 64 KiB initial windows waits for etcd's WINDOW_UPDATEs; answers of many frames
    and many reads are put back together; calls in flight share the connection's window."""
    wire = _channel(etcd)
    put = wire.method(PUT, rpc.PutResponse.FromString)
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    try:
        big = os.urandom(1 << 20) * 3  # 3 MiB
        await put(rpc.PutRequest(key=b"/wire/big", value=big), 10)
        assert (await get(rpc.RangeRequest(key=b"/wire/big"), 10)).kvs[0].value == big
        values = [os.urandom(300_000) for _ in range(12)]
        await asyncio.gather(*(put(rpc.PutRequest(key=b"/wire/mid/%d" % i, value=v), 10) for i, v in enumerate(values)))
        answer = await get(rpc.RangeRequest(key=b"/wire/mid/", range_end=b"/wire/mid0"), 10)
        assert sorted(kv.value for kv in answer.kvs) == sorted(values)
    finally:
        wire.close()


async def test_etcd_errors_reach_the_store_as_before(etcd_client: EtcdClient) -> None:
    """grpc-status and grpc-message of etcd's trailers-only answers: the same storage errors as through grpc.aio."""
    written = await etcd_client.put(b"/wire/compacted", b"x")
    await etcd_client.put(b"/wire/compacted", b"y")
    await etcd_client.compact(written.header.revision)
    with pytest.raises(errors.Compacted, match="required revision has been compacted"):
        await etcd_client.range(b"/wire/compacted", revision=written.header.revision - 1)
    with pytest.raises(errors.TooLargeResourceVersion):
        await etcd_client.range(b"/wire/compacted", revision=written.header.revision + 10**9)
    ops = [rpc.RequestOp(request_put=rpc.PutRequest(key=b"/wire/t/%d" % i, value=b"v")) for i in range(200)]
    with pytest.raises(errors.InternalError, match="INVALID_ARGUMENT: etcdserver: too many operations in txn"):
        await etcd_client.txn([], ops)


async def test_a_stalled_etcd_times_out_and_its_connection_is_made_again(own_etcd: EmbeddedEtcd) -> None:
    wire, get = await _connected_range(own_etcd)
    try:
        first = wire.connection
        assert own_etcd.process is not None
        os.kill(own_etcd.process.pid, signal.SIGSTOP)
        with pytest.raises(GrpcError) as caught:
            await get(rpc.RangeRequest(key=b"/x"), 0.5)
        assert caught.value.code == DEADLINE_EXCEEDED and caught.value.sent
        assert first is not None and first.closed is not None  # nothing came back in 0.5 s: taken for dead
        os.kill(own_etcd.process.pid, signal.SIGCONT)
        await get(rpc.RangeRequest(key=b"/x"), 5)
        assert wire.connection is not first
    finally:
        wire.close()


async def test_a_call_waits_for_etcd_to_come_back_within_its_deadline(own_etcd: EmbeddedEtcd) -> None:
    """Calls never sent (connection refused) are retried until the deadline, writes included, as grpc's
    wait_for_ready did; a write in flight when the connection broke is not (etcd may have applied it)."""
    client = EtcdClient([own_etcd.client_url], request_timeout=8.0)
    await client.connect()
    try:
        await client.put(b"/wire/before", b"1")
        await own_etcd.stop()
        with pytest.raises(GrpcError) as refused:
            await client._members[0].put(rpc.PutRequest(key=b"/x", value=b"v"), 1)
        assert refused.value.code == UNAVAILABLE and not refused.value.sent
        assert client._members[0].wire.refused_recently()  # what gRPC called TRANSIENT_FAILURE: skipped a second
        restart = asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(own_etcd.start()))
        written = await client.put(b"/wire/after", b"2")  # refused for a second, then answered
        restart.cancel()
        assert (await client.range(b"/wire/after")).kvs[0].mod_revision == written.header.revision
        assert not client._members[0].wire.refused_recently()
    finally:
        await client.close()


# --- the frames etcd does not send on its own: an HTTP/2 server from the h2 library --------------------------


class _H2Server(asyncio.Protocol):
    """Answers unary calls with an empty RangeResponse, as ``script`` says: "ok", "goaway" (GOAWAY that takes
    no stream), "refuse" (RST_STREAM REFUSED_STREAM), "split" (padded DATA, headers in CONTINUATION frames and
    a PING first), "hold" (no answer). ``max_streams``: its SETTINGS_MAX_CONCURRENT_STREAMS; ``resets``: the
    streams the client reset; ``open_at_once``: the most streams open together."""

    script: list[str] = []
    max_streams = 100
    resets: list[int] = []
    open_at_once = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.conn.initiate_connection()
        self.conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.max_streams})
        transport.write(self.conn.data_to_send())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.StreamReset):
                self.resets.append(event.stream_id)
            if isinstance(event, h2.events.StreamEnded):
                type(self).open_at_once = max(self.open_at_once, self.conn.open_inbound_streams)
                how = self.script.pop(0) if self.script else "ok"
                if how == "later":
                    asyncio.get_running_loop().call_later(0.05, self._answer_later, event.stream_id)
                elif how != "hold":
                    self._answer(event.stream_id, how)
        self.transport.write(self.conn.data_to_send())  # type: ignore[attr-defined]

    def _answer_later(self, stream: int) -> None:
        self._answer(stream, "ok")
        self.transport.write(self.conn.data_to_send())  # type: ignore[attr-defined]

    def _answer(self, stream: int, how: str) -> None:
        body = rpc.RangeResponse(count=stream).SerializeToString()
        message = b"\x00" + len(body).to_bytes(4, "big") + body
        if how == "goaway":
            self.conn.close_connection(last_stream_id=0)
            return
        if how == "refuse":
            self.conn.reset_stream(stream, error_code=7)
            return
        if how == "split":
            self.conn.ping(b"12345678")
            self.conn.max_outbound_frame_size = 16
        self.conn.send_headers(stream, [(":status", "200"), ("content-type", "application/grpc"),
                                        ("x-filler", "f" * 40)])  # fmt: skip
        self.conn.send_data(stream, message, pad_length=7 if how == "split" else None)
        self.conn.send_headers(stream, [("grpc-status", "0"), ("grpc-message", "")], end_stream=True)


async def test_goaway_refusals_pings_padding_and_continuations() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_H2Server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    wire = GrpcChannel("127.0.0.1", port)
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    try:
        _H2Server.script = ["ok", "split", "refuse", "goaway"]
        assert (await get(rpc.RangeRequest(), 2)).count == 1
        assert (await get(rpc.RangeRequest(), 2)).count == 3  # padded DATA, CONTINUATION, a PING answered
        with pytest.raises(GrpcError) as refused:
            await get(rpc.RangeRequest(), 2)
        assert refused.value.code == UNAVAILABLE and not refused.value.sent  # REFUSED_STREAM: never processed
        first = wire.connection
        with pytest.raises(GrpcError) as goaway:
            await get(rpc.RangeRequest(), 2)
        assert goaway.value.code == UNAVAILABLE and not goaway.value.sent
        assert (await get(rpc.RangeRequest(), 2)).count == 1  # a new connection, its streams from 1 again
        assert wire.connection is not first
    finally:
        wire.close()
        server.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["grpc-status", "grpc-message", "content-type", "x-a", "x-b"]),
                          st.sampled_from(["0", "", "application/grpc", "a" * 30, "b" * 50])),
                min_size=1, max_size=6), st.integers(0, 12))  # fmt: skip
def test_remembered_header_blocks_decode_as_hpack_does(fields: list[tuple[str, str]], repeat: int) -> None:
    """The decoder remembers blocks that left its dynamic table alone; with a table small enough to evict, a
    remembered block must still mean what hpack itself decodes (the table changing forgets them all)."""
    encoder = hpack.Encoder()
    encoder.header_table_size = 120  # room for a few entries: adding one evicts another
    reference = hpack.Decoder()
    conn = GrpcConnection(asyncio.new_event_loop())
    sequence = [fields[: 1 + (i % len(fields))] for i in range(repeat + len(fields))] * 2
    for sent in sequence:
        block = encoder.encode(sent)
        ours = [tuple(f) for f in conn._decode(block)]
        assert ours == [tuple(f) for f in reference.decode(block, raw=False)] == sent
    conn.loop.close()


async def test_a_cancelled_call_resets_its_stream_and_the_server_limit_on_streams_holds() -> None:
    loop = asyncio.get_running_loop()
    _H2Server.max_streams, _H2Server.resets, _H2Server.open_at_once = 3, [], 0
    server = await loop.create_server(_H2Server, "127.0.0.1", 0)
    wire = GrpcChannel("127.0.0.1", server.sockets[0].getsockname()[1])
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    try:
        _H2Server.script = ["hold"]
        held = asyncio.ensure_future(get(rpc.RangeRequest(), 5))
        await asyncio.sleep(0.1)
        held.cancel()  # what aiohttp does to a handler whose client went away
        with pytest.raises(asyncio.CancelledError):
            await held
        await asyncio.sleep(0.1)
        assert _H2Server.resets == [1]  # RST_STREAM CANCEL: etcd stops working on it
        # ten calls at once against a limit of three streams: they wait for a free stream, all answered
        _H2Server.script = ["later"] * 10
        answers = await asyncio.gather(*(get(rpc.RangeRequest(), 5) for _ in range(10)))
        assert sorted(a.count for a in answers) == list(range(3, 23, 2))
        assert _H2Server.open_at_once <= 3
    finally:
        _H2Server.max_streams = 100
        wire.close()
        server.close()


async def test_a_watch_stream_past_its_window_waits_for_its_reader(etcd_client: EtcdClient) -> None:
    """A watch stream's 16 MiB window: etcd holds what its reader has not taken, and sends the rest as the
    reader gives the window back (40 MiB of events, read only after they were all written)."""
    start = (await etcd_client.put(b"/wire/watched/0", b"")).header.revision
    watch = etcd_client.watch(b"/wire/watched/", b"/wire/watched0", start + 1)
    responses = watch.responses()
    first = asyncio.ensure_future(responses.__anext__())  # the stream is opened by its first read
    values = [os.urandom(1 << 20) for _ in range(40)]
    for i, value in enumerate(values):
        await etcd_client.put(b"/wire/watched/%d" % i, value)
    got: list[bytes] = []
    response = await asyncio.wait_for(first, 10)
    while True:
        got.extend(event.kv.value for event in response.events)
        if len(got) >= len(values):
            break
        response = await asyncio.wait_for(responses.__anext__(), 10)
    assert got == values
    assert watch.received_at > 0
    watch.cancel()
    with pytest.raises(errors.Unavailable, match="etcd watch cancelled"):
        await responses.__anext__()


async def test_a_connection_that_used_up_its_stream_ids_is_replaced(etcd: EmbeddedEtcd) -> None:
    wire, get = await _connected_range(etcd)
    try:
        first = wire.connection
        assert first is not None
        first.next_id = 2**31 - 3  # this call takes the last id but one; then the connection takes no new call
        await get(rpc.RangeRequest(key=b"/x"), 5)
        assert first.closed is not None and not first.calls
        await get(rpc.RangeRequest(key=b"/x"), 5)
        assert wire.connection is not first and wire.connection is not None and wire.connection.next_id == 3
    finally:
        wire.close()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=8), st.lists(st.integers(1, 97), min_size=1))
def test_a_streams_messages_come_whole_however_its_frames_cut_them(messages: list[bytes], cuts: list[int]) -> None:
    """GrpcStream.data: messages sliced from the frames that hold them whole, gathered across frames otherwise."""
    loop = asyncio.new_event_loop()
    stream = GrpcStream(GrpcConnection(loop), 1)
    wire = b"".join(b"\x00" + len(m).to_bytes(4, "big") + m for m in messages)
    pos, i = 0, 0
    while pos < len(wire):
        step = cuts[i % len(cuts)]
        stream.data(wire[pos : pos + step])
        pos, i = pos + step, i + 1
    assert [m for m, _ in stream.messages] == messages and not stream.partial
    loop.close()
