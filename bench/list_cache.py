"""(c) LIST of 10,000 pods: served from the watch cache vs from etcd (kube's --watch-cache=false).

Two aiokube servers in this process on one embedded etcd, one serving LIST from its cache, one from etcd;
the same HTTP requests against each. Prints latency (median of runs) and the peak Python memory the
request adds (tracemalloc, server and client in this process; the client only reads raw bytes).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc

import aiohttp

from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.store import Store
from aiokube.watchcache.cacher import CacherConfig

from .common import pod, report, use_uvloop

PODS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
RUNS = 7
NO_GZIP = {"Accept-Encoding": "identity"}  # measure serving, not compression


async def _fill(url: str, pods: int = PODS) -> None:
    client = EtcdClient([url])
    await client.connect()
    store = Store(client)
    sem = asyncio.Semaphore(64)

    async def put(i: int) -> None:
        async with sem:
            ns = f"ns-{i % 50}"
            await store.create(f"/registry/pods/{ns}/pod-{i:05}", pod(ns, f"pod-{i:05}", node=f"node-{i % 100}"))

    await asyncio.gather(*(put(i) for i in range(pods)))
    await client.close()


async def _measure(session: aiohttp.ClientSession, url: str, params: dict[str, str]) -> tuple[float, float, int]:
    """Median latency over RUNS (without tracemalloc, which slows allocation-heavy paths), then peak memory."""
    latencies, size = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        async with session.get(url + "/api/v1/pods", params=params, headers=NO_GZIP) as resp:
            body = await resp.read()
            assert resp.status == 200, body[:200]
        latencies.append((time.perf_counter() - start) * 1000)
        size = len(body)
        del body
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    async with session.get(url + "/api/v1/pods", params=params, headers=NO_GZIP) as resp:
        await resp.read()
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    return statistics.median(latencies), peak, size


async def main_async() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        etcd = EmbeddedEtcd(tmp, unsafe_no_fsync=True)
        await etcd.start()
        try:
            await _fill(etcd.client_url)
            cached = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0))
            uncached = APIServer(
                ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0,
                             cacher=CacherConfig(serve_reads=False))
            )  # fmt: skip
            await cached.start()
            await uncached.start()
            async with aiohttp.ClientSession() as session:
                for label, params in (("RV unset (consistent)", {}), ("RV=0", {"resourceVersion": "0"})):
                    on_ms, on_mb, size = await _measure(session, cached.url, params)
                    off_ms, off_mb, size_off = await _measure(session, uncached.url, params)
                    assert size == size_off, (size, size_off)
                    report(f"[watch c] LIST {PODS:,} pods {label}, latency", on_ms, off_ms, "ms")
                    report(f"[watch c] LIST {PODS:,} pods {label}, peak memory", on_mb, off_mb, "MiB")
            await cached.stop()
            await uncached.stop()
        finally:
            await etcd.stop()


def main() -> None:
    use_uvloop()
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
