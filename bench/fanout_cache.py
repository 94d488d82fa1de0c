"""(a) Fan-out of a ~1 MB Endpoints object (5,000 addresses), updated 20 times, to 1,000 JSON watchers.

The scenario of kubernetes#75294: with per-watcher encoding every update is serialized 1,000 times; with
the serialization cache once. Server and etcd run in this process; the 1,000 watch connections live in a
client subprocess that reads and discards the streams. Prints the server's CPU seconds and the wall time
from the first update to the last frame received by every watcher, caching on vs off.

Usage: python -m bench.fanout_cache [WATCHERS] [UPDATES]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from typing import Any

import aiohttp

from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.encoding import encoders
from aiokube.storage.embedded import EmbeddedEtcd

from .common import report, use_uvloop

WATCHERS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
UPDATES = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 20


def endpoints(name: str, generation: int) -> dict[str, Any]:
    addresses = [
        {
            "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            "nodeName": f"node-{i % 500}",
            "targetRef": {
                "kind": "Pod",
                "namespace": "default",
                "name": f"web-{i:05}",
                "uid": f"00000000-0000-4000-8000-{i:012d}",
            },
        }
        for i in range(5000)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": "default", "annotations": {"generation": str(generation)}},
        "subsets": [{"addresses": addresses, "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
    }


async def client(url: str, name: str, rv: str, watchers: int, updates: int) -> None:
    """Subprocess side: open the watches, say READY, count events, say DONE."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    done = 0
    ready = 0
    all_ready = asyncio.Event()

    async def watch(session: aiohttp.ClientSession) -> None:
        nonlocal done, ready
        params = {"watch": "1", "resourceVersion": rv, "fieldSelector": f"metadata.name={name}"}
        async with session.get(url + "/api/v1/namespaces/default/endpoints", params=params) as resp:
            ready += 1
            if ready == watchers:
                all_ready.set()
            seen = 0
            async for chunk in resp.content.iter_any():
                seen += chunk.count(b"\n")
                if seen >= updates:
                    break
        done += 1

    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=None)) as session:
        tasks = [asyncio.create_task(watch(session)) for _ in range(watchers)]
        await all_ready.wait()
        print("READY", flush=True)
        await asyncio.gather(*tasks)
        print("DONE", flush=True)


async def run_mode(server: APIServer, caching: bool) -> tuple[float, float]:
    encoders.CACHING = caching
    name = f"big-{'on' if caching else 'off'}"
    async with aiohttp.ClientSession() as session:
        async with session.post(server.url + "/api/v1/namespaces/default/endpoints", json=endpoints(name, 0)) as r:
            created = await r.json()
        rv = created["metadata"]["resourceVersion"]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fanout_cache", "--client", server.url, name, rv, str(WATCHERS), str(UPDATES),
            stdout=asyncio.subprocess.PIPE, cwd=os.getcwd(),
        )  # fmt: skip
        assert proc.stdout is not None
        assert (await proc.stdout.readline()).strip() == b"READY"
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for gen in range(1, UPDATES + 1):
            body = endpoints(name, gen)
            async with session.put(f"{server.url}/api/v1/namespaces/default/endpoints/{name}", json=body) as r:
                assert r.status == 200, await r.text()
        assert (await proc.stdout.readline()).strip() == b"DONE"
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await proc.wait()
    encoders.CACHING = True
    return cpu, wall


async def main_async() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        etcd = EmbeddedEtcd(tmp, unsafe_no_fsync=True)
        await etcd.start()
        server = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0))
        await server.start()
        try:
            on_cpu, on_wall = await run_mode(server, caching=True)
            off_cpu, off_wall = await run_mode(server, caching=False)
        finally:
            await server.stop()
            await etcd.stop()
    label = f"[encode a] 1 MB Endpoints x{UPDATES} updates to {WATCHERS} JSON watchers"
    report(f"{label}, server CPU", on_cpu, off_cpu, "s")
    report(f"{label}, wall time", on_wall, off_wall, "s")


def main() -> None:
    use_uvloop()
    asyncio.run(main_async())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _, _, url, name, rv, n, updates = sys.argv
        asyncio.run(client(url, name, rv, int(n), int(updates)))
    else:
        main()
