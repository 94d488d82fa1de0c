"""(b) LIST of 10,000 pods from the cache: splicing each object's cached bytes vs encoding the whole list.

One aiokube server in this process on an embedded etcd, the same ``?resourceVersion=0`` request with
splicing on and off. Prints latency (median) and the peak Python memory of a request (tracemalloc).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc

import aiohttp

from aiokube.apiserver.endpoints import output
from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd

from .common import report, use_uvloop
from .list_cache import _fill

PODS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
RUNS = 7
NO_GZIP = {"Accept-Encoding": "identity"}  # measure encoding, not compression


async def _measure(session: aiohttp.ClientSession, url: str, splice: bool) -> tuple[float, float, bytes]:
    output.SPLICE_LISTS = splice
    params = {"resourceVersion": "0"}
    latencies = []
    body = b""
    for _ in range(RUNS):
        start = time.perf_counter()
        async with session.get(url + "/api/v1/pods", params=params, headers=NO_GZIP) as resp:
            body = await resp.read()
        latencies.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    async with session.get(url + "/api/v1/pods", params=params, headers=NO_GZIP) as resp:
        await resp.read()
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    output.SPLICE_LISTS = True
    return statistics.median(latencies), peak, body


async def main_async() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        etcd = EmbeddedEtcd(tmp, unsafe_no_fsync=True)
        await etcd.start()
        try:
            await _fill(etcd.client_url, PODS)
            server = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0))
            await server.start()
            async with aiohttp.ClientSession() as session:
                on_ms, on_mb, on_body = await _measure(session, server.url, splice=True)
                off_ms, off_mb, off_body = await _measure(session, server.url, splice=False)
            assert on_body == off_body, "spliced list must be byte-identical to a one-shot encode"
            report(f"[encode b] LIST {PODS:,} pods from cache, latency (spliced vs encoded)", on_ms, off_ms, "ms")
            report(f"[encode b] LIST {PODS:,} pods from cache, peak memory (spliced vs encoded)", on_mb, off_mb, "MiB")
            await server.stop()
        finally:
            await etcd.stop()


def main() -> None:
    use_uvloop()
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
