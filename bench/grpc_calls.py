"""The etcd call beneath every write, five ways on one etcd: storage/grpcwire.py (on: HTTP/2 framed on the
event loop, what storage/etcd.py's KV calls use), grpc.aio with storage/etcd.py's channel options (off: gRPC
core's minimal call stack, what the KV calls used before grpcwire), the same without ``grpc.minimal_stack``
(gRPC's full client stack), and the Cython channel grpc.aio wraps (``channel._channel.call(...).unary_unary(
...)``: no asyncio task, context manager or weak reference per call; the "lower-level channel use" issue 11
asked to check); and grpcwire without its batching (each call's frames in a send of their own, the last row).
Process CPU per unary call (every thread: gRPC's poller included) at concurrency 32 against
an embedded etcd, Puts of 2 KB values and Ranges of one key, best of three rounds. grpclib (pure-Python gRPC
on h2) measured ~225 µs per call in this harness (2026-12-05) and is not a dependency, so not a row here.

Writes ``bench/results/grpc_calls.json`` and ``.png``. Usage: ``python -m bench.grpc_calls [--calls 5000]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
from aetcd import rpc

from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.grpcwire import GrpcChannel, GrpcConnection

from .common import OUT, plot_cpu_on_off, report, use_uvloop, write_results

#: storage/etcd.py's grpc.aio channel options until its calls moved to storage/grpcwire.py (2026-12-05)
_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", 1 << 30),
    ("grpc.max_send_message_length", 64 << 20),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # Reconnect quickly after an etcd restart instead of gRPC's default exponential backoff to 120 s.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
    ("grpc.lb_policy_name", "round_robin"),
    # gRPC core's minimal call stack: none of its optional filters (retries, census, load reporting) is used
    # here; deadlines (tests/test_faults.py's stalled member), keepalive and the message limits still hold.
    # Per unary call ~66 -> ~58 us of process CPU at concurrency 32 (bench/grpc_calls.py, on and off).
    ("grpc.minimal_stack", 1),
]

PUT, RANGE = "/etcdserverpb.KV/Put", "/etcdserverpb.KV/Range"
VALUE = b"x" * 2000
Call = Callable[[int], Awaitable[Any]]


def _aio_calls(channel: grpc.aio.Channel) -> dict[str, Call]:
    put = channel.unary_unary(PUT, request_serializer=rpc.PutRequest.SerializeToString,
                              response_deserializer=rpc.PutResponse.FromString)  # fmt: skip
    get = channel.unary_unary(RANGE, request_serializer=rpc.RangeRequest.SerializeToString,
                              response_deserializer=rpc.RangeResponse.FromString)  # fmt: skip
    return {
        "put": lambda i: put(rpc.PutRequest(key=b"/k/%d" % (i % 100), value=VALUE), timeout=5, wait_for_ready=True),
        "range": lambda i: get(rpc.RangeRequest(key=b"/k/%d" % (i % 100)), timeout=5, wait_for_ready=True),
    }


def _cython_calls(channel: grpc.aio.Channel) -> dict[str, Call]:
    core = channel._channel  # the cygrpc.AioChannel grpc.aio's stubs call through

    async def unary(method: bytes, request: Any, parse: Callable[[bytes], Any]) -> Any:
        call = core.call(method, time.time() + 5, None, True, 0)
        raw = await call.unary_unary(request.SerializeToString(), (), None)
        if not call.is_ok():
            raise RuntimeError(f"{method!r} failed")
        return parse(raw)

    put, get = PUT.encode(), RANGE.encode()
    return {
        "put": lambda i: unary(put, rpc.PutRequest(key=b"/k/%d" % (i % 100), value=VALUE), rpc.PutResponse.FromString),
        "range": lambda i: unary(get, rpc.RangeRequest(key=b"/k/%d" % (i % 100)), rpc.RangeResponse.FromString),
    }


class _WriteEachFrame(GrpcConnection):
    """grpcwire without its batching: each call's frames written at once, a send per call."""

    def _send(self, frames: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frames)


def _wire_calls(wire: GrpcChannel) -> dict[str, Call]:
    put = wire.method(PUT, rpc.PutResponse.FromString)
    get = wire.method(RANGE, rpc.RangeResponse.FromString)
    return {
        "put": lambda i: put(rpc.PutRequest(key=b"/k/%d" % (i % 100), value=VALUE), 5),
        "range": lambda i: get(rpc.RangeRequest(key=b"/k/%d" % (i % 100)), 5),
    }


async def _cpu_per_call(call: Call, calls: int, concurrency: int) -> float:
    """Process CPU (ms) per call, ``calls`` calls with ``concurrency`` in flight."""
    counter = iter(range(10**9))

    async def worker(n: int) -> None:
        for _ in range(n):
            await call(next(counter))

    c0 = time.process_time()
    await asyncio.gather(*(worker(calls // concurrency) for _ in range(concurrency)))
    return (time.process_time() - c0) * 1000 / (calls // concurrency * concurrency)


async def _run(calls: int, concurrency: int) -> dict[str, dict[str, dict[str, float]]]:
    with tempfile.TemporaryDirectory(prefix="grpc-calls-") as data:
        etcd = EmbeddedEtcd(data, unsafe_no_fsync=True)
        url = await etcd.start()
        target = url.split("://", 1)[1]
        full = [o for o in _CHANNEL_OPTIONS if o[0] != "grpc.minimal_stack"]
        channel = grpc.aio.insecure_channel(target, options=_CHANNEL_OPTIONS)
        full_channel = grpc.aio.insecure_channel(target, options=full)
        host, port = target.rsplit(":", 1)
        wire = GrpcChannel(host, int(port))
        unbatched = GrpcChannel(host, int(port))
        unbatched.protocol = _WriteEachFrame
        try:
            ways = {"on": _wire_calls(wire), "off": _aio_calls(channel), "full": _aio_calls(full_channel),
                    "cython": _cython_calls(full_channel), "unbatched": _wire_calls(unbatched)}  # fmt: skip
            for way in ways.values():  # connect and warm up
                for call in way.values():
                    await _cpu_per_call(call, 200, concurrency)
            best: dict[str, dict[str, dict[str, float]]] = {side: {} for side in ways}
            for _ in range(3):
                for side, way in ways.items():
                    for name, call in way.items():
                        ms = await _cpu_per_call(call, calls, concurrency)
                        if name not in best[side] or ms < best[side][name]["cpu_ms"]:
                            best[side][name] = {"cpu_ms": ms}
            return best
        finally:
            wire.close()
            unbatched.close()
            await channel.close()
            await full_channel.close()
            await etcd.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.grpc_calls", description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--out", default=str(OUT / "grpc_calls"), help="results path without suffix ('' for none)")
    args = p.parse_args(argv)
    use_uvloop()
    best = asyncio.run(_run(args.calls, args.concurrency))
    for name in best["on"]:
        wire, aio = best["on"][name]["cpu_ms"] * 1000, best["off"][name]["cpu_ms"] * 1000
        full, cython = best["full"][name]["cpu_ms"] * 1000, best["cython"][name]["cpu_ms"] * 1000
        report(f"[grpc_calls] {name}: process CPU per call, grpcwire vs grpc.aio (minimal stack)", wire, aio, "us")
        unbatched = best["unbatched"][name]["cpu_ms"] * 1000
        report(f"[grpc_calls] {name}: per call, grpcwire's frames batched per loop turn vs not", wire, unbatched, "us")
        report(f"[grpc_calls] {name}: process CPU per call, grpc.aio minimal vs full stack", aio, full, "us")
        report(f"[grpc_calls] {name}: per call, Cython channel vs grpc.aio (full stack)", cython, full, "us")
    if args.out:
        results = {**best, "calls": args.calls, "concurrency": args.concurrency}
        title = "etcd unary call: storage/grpcwire (on) vs grpc.aio with the minimal call stack (off)"
        write_results("grpc_calls", Path(args.out), results, "HEAD", lambda r, path: plot_cpu_on_off(r, path, title),
                      switch="grpc.aio instead of grpcwire")  # fmt: skip


if __name__ == "__main__":
    main()
