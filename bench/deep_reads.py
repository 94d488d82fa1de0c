"""A deep custom resource read, watched and deleted on two servers sharing one etcd (``aiokube serve
--max-nesting-depth 10000``): the longest wait of another client's ``/healthz`` on either server per step, and
both servers' CPU. Server A takes the requests; a watcher on each server gets the events, so B decodes A's
writes as another replica's (its watch cache) and both write the watch frames.

``on`` is this tree; ``off`` the revision before heavy values read from etcd, watched and written as YAML left
the event loop (``--baseline``, default 208eb3b), run from ``bench/out/code-<rev>/``. Each step is run
``--rounds`` times on each side (fresh objects); a figure is the median round.

Writes ``bench/results/deep_reads.json`` and ``.png`` with ``--out bench/results/deep_reads``. Usage:
``python -m bench.deep_reads [--baseline REV] [--depth 9990] [--rounds 3] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from aiokube.storage.embedded import EmbeddedEtcd

from .common import (
    OUT,
    baseline_code,
    cpu_seconds,
    plot_cpu_on_off,
    probe_waits,
    report,
    use_uvloop,
    write_results,
)
from .deep_writes import CRD, GROUP, NS, custom_resource
from .slo_report import start_server, stop_process

BASE = f"/apis/{GROUP}/v1/namespaces/{NS}/deeps"
STEPS = ("create", "get json", "get yaml", "list", "delete")


async def _watch(session: aiohttp.ClientSession, url: str, events: list[int]) -> None:
    async with session.get(url + BASE, params={"watch": "1"}) as resp:
        async for line in resp.content:
            events.append(len(line))


async def _step(
    session: aiohttp.ClientSession, servers: list[tuple[Any, str]], request: tuple[str, str, bytes, dict[str, str]],
    events: list[list[int]], expect: int,
) -> dict[str, float]:  # fmt: skip
    """One request (method, path, body, headers) to the first server; the longest /healthz wait on any server
    until each watcher has ``expect`` more events (then 0.2 s more), and the servers' CPU meanwhile."""
    method, path, body, headers = request
    stop = asyncio.Event()
    waits: list[float] = []
    probes = [asyncio.create_task(probe_waits(session, url, waits, stop)) for _, url in servers]
    await asyncio.sleep(0.05)
    seen = [len(e) for e in events]
    cpu = sum(cpu_seconds(proc.pid) for proc, _ in servers)
    started = time.perf_counter()
    async with session.request(method, servers[0][1] + path, data=body, headers=headers) as resp:
        assert resp.status in (200, 201), (method, path, resp.status)
        async for _ in resp.content.iter_any():  # dropped as it comes: this loop also runs the probes
            pass
    wall = time.perf_counter() - started
    deadline = time.monotonic() + 10
    while expect and any(len(e) < s + expect for e, s in zip(events, seen, strict=True)):
        assert time.monotonic() < deadline, "the watchers did not get the event"
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)
    cpu = sum(cpu_seconds(proc.pid) for proc, _ in servers) - cpu
    stop.set()
    await asyncio.gather(*probes)
    return {"cpu_ms": cpu * 1000, "wall_ms": wall * 1000, "stall_ms": max(waits) * 1000}


async def measure(code: Path | None, depth: int, rounds: int) -> dict[str, dict[str, float]]:
    figures: dict[str, list[dict[str, float]]] = {step: [] for step in STEPS}
    with tempfile.TemporaryDirectory(prefix="aiokube-bench-deepreads-") as data:
        etcd = EmbeddedEtcd(Path(data) / "etcd", unsafe_no_fsync=True)
        await etcd.start()
        servers: list[tuple[Any, str]] = []
        try:
            args = ["--max-nesting-depth", "10000", "--workers", "1", "--etcd-servers", etcd.client_url]
            for name in ("a", "b"):
                (Path(data) / name).mkdir()
                proc, url, _ = await start_server(str(Path(data) / name), code=code, args=args)
                servers.append((proc, url))
            timeout = aiohttp.ClientTimeout(total=600)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                url = servers[0][1]
                async with session.post(f"{url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=CRD) as r:
                    assert r.status == 201, await r.text()
                for _, u in servers:
                    while True:
                        async with session.get(u + BASE) as r:
                            if r.status == 200:
                                break
                        await asyncio.sleep(0.05)
                events: list[list[int]] = [[], []]
                watches = [asyncio.create_task(_watch(session, u, events[i])) for i, (_, u) in enumerate(servers)]
                await asyncio.sleep(0.5)
                try:
                    for n in range(rounds):
                        obj = f"{BASE}/d{n}"
                        json_ct = {"Content-Type": "application/json"}
                        for step, method, path, body, headers, expect in (
                            ("create", "POST", BASE, custom_resource(f"d{n}", depth), json_ct, 1),
                            ("get json", "GET", obj, b"", {}, 0),
                            ("get yaml", "GET", obj, b"", {"Accept": "application/yaml"}, 0),
                            ("list", "GET", BASE, b"", {}, 0),
                            ("delete", "DELETE", obj, b"", {}, 1),
                        ):  # fmt: skip
                            request = (method, path, body, headers)
                            figures[step].append(await _step(session, servers, request, events, expect))
                finally:
                    for task in watches:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                            await task
        finally:
            for proc, _ in servers:
                await stop_process(proc)
            await etcd.stop()
    out = {}
    for step, runs in figures.items():
        out[step] = {k: statistics.median(r[k] for r in runs) for k in ("cpu_ms", "wall_ms", "stall_ms")}
        print(f"  {step}: {out[step]['cpu_ms']:.0f} ms CPU, {out[step]['wall_ms']:.0f} ms, /healthz waited up to "
              f"{out[step]['stall_ms']:.0f} ms", flush=True)  # fmt: skip
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    title = f"a {results['depth']}-level custom resource on two servers: another client's longest /healthz wait"
    plot_cpu_on_off(results, path, title, key="stall_ms", ylabel="longest /healthz wait (ms")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.deep_reads", description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", default="208eb3b", help="git revision run as 'off'")
    p.add_argument("--depth", type=int, default=9990)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default=str(OUT / "deep_reads"), help="results path without suffix ('' for none)")
    a = p.parse_args(argv or [])
    use_uvloop()
    print("[deep_reads] on (this tree)", flush=True)
    on = asyncio.run(measure(None, a.depth, a.rounds))
    print(f"[deep_reads] off (baseline {a.baseline})", flush=True)
    off = asyncio.run(measure(baseline_code(a.baseline), a.depth, a.rounds))
    for name in on:
        report(f"[deep_reads] {name}: longest /healthz wait", on[name]["stall_ms"], off[name]["stall_ms"], "ms")
        report(f"[deep_reads] {name}: servers' CPU", on[name]["cpu_ms"], off[name]["cpu_ms"], "ms")
    if a.out:
        results = {"depth": a.depth, "rounds": a.rounds, "on": on, "off": off,
                   "ratio_stall": {n: off[n]["stall_ms"] / on[n]["stall_ms"] for n in on}}  # fmt: skip
        write_results("deep_reads", Path(a.out), results, a.baseline, plot)


if __name__ == "__main__":
    main(sys.argv[1:])
