"""Writes of a deeply nested custom resource under ``aiokube serve --max-nesting-depth 10000``: server CPU, wall
time and the longest wait of another client's ``/healthz`` per request, for a create, a PUT changing the
innermost value, a merge patch, a server-side apply and a JSON patch, at 1,000, 5,000 and 9,990 levels.

``on`` is this tree; ``off`` the revision before managed fields held deep paths as chains (``--baseline``,
default cdf671d: sets of full path tuples, O(depth^2)), run from ``bench/out/code-<rev>/``. One request at a
time on each side, the sides one after the other (the baseline takes ~10 s per request at 9,990 levels).

Writes ``bench/results/deep_writes.json`` and ``.png`` with ``--out bench/results/deep_writes``. Usage:
``python -m bench.deep_writes [--baseline REV] [--depths 1000,5000,9990] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

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
from .slo_report import start_server, stop_process

GROUP = "deepbench.example.com"
NS = "default"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"deeps.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "deeps", "singular": "deep", "kind": "Deep", "listKind": "DeepList"},
        "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        }}}],
    },
}  # fmt: skip


def nest(levels: int, leaf: bytes = b"1") -> bytes:
    return b'{"a":' * levels + leaf + b"}" * levels


def custom_resource(name: str, depth: int, leaf: bytes = b"1") -> bytes:
    """A Deep whose body nests ``depth`` levels (the root is one)."""
    return f'{{"apiVersion":"{GROUP}/v1","kind":"Deep","metadata":{{"name":"{name}"}},"spec":'.encode() + (
        nest(depth - 1, leaf) + b"}"
    )


async def _timed(session: aiohttp.ClientSession, url: str, pid: int, method: str, path: str, body: bytes,
                 ctype: str) -> dict[str, float]:  # fmt: skip
    """One request: the server's CPU, the wall time, and the longest /healthz answer meanwhile."""
    waits: list[float] = []
    done = asyncio.Event()
    prober = asyncio.create_task(probe_waits(session, url, waits, done))
    await asyncio.sleep(0.01)
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    async with session.request(method, url + path, data=body, headers={"Content-Type": ctype}) as resp:
        await resp.read()
        assert resp.status in (200, 201), (method, path, resp.status)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    done.set()
    await prober
    return {"cpu_ms": cpu * 1000, "wall_ms": wall * 1000, "stall_ms": max(waits) * 1000}


async def measure(code: Path | None, depths: list[int]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="aiokube-bench-deep-") as data:
        proc, url, _ = await start_server(data, code=code, args=["--max-nesting-depth", "10000", "--workers", "1"])
        try:
            timeout = aiohttp.ClientTimeout(total=600)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(f"{url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=CRD) as r:
                    assert r.status == 201, await r.text()
                base = f"/apis/{GROUP}/v1/namespaces/{NS}/deeps"
                while True:
                    async with session.get(url + base) as r:
                        if r.status == 200:
                            break
                    await asyncio.sleep(0.05)
                for depth in depths:
                    name = f"d{depth}"
                    obj = f"{base}/{name}"
                    steps: list[tuple[str, str, str, bytes, str]] = [
                        ("create", "POST", base, custom_resource(name, depth), "application/json"),
                        ("update", "PUT", obj, b"", "application/json"),
                        ("merge patch", "PATCH", obj, b'{"spec":' + nest(depth - 2, b"3") + b"}",
                         "application/merge-patch+json"),
                        ("apply", "PATCH", f"{obj}?fieldManager=bench&force=true",
                         custom_resource(name, depth, b"4"), "application/apply-patch+yaml"),
                        ("json patch", "PATCH", obj,
                         b'[{"op":"replace","path":"/spec","value":' + nest(depth - 2, b"5") + b"}]",
                         "application/json-patch+json"),
                    ]  # fmt: skip
                    for op, method, path, body, ctype in steps:
                        if op == "update":  # the stored object, its innermost value changed
                            async with session.get(url + obj) as r:
                                body = (await r.read()).replace(b'"a":1}', b'"a":2}', 1)
                        figures = await _timed(session, url, proc.pid, method, path, body, ctype)
                        out[f"{op} {depth}"] = figures
                        print(f"  {op} {depth}: {figures['cpu_ms']:.0f} ms CPU, {figures['wall_ms']:.0f} ms, "
                              f"/healthz waited up to {figures['stall_ms']:.0f} ms", flush=True)  # fmt: skip
        finally:
            await stop_process(proc)
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    plot_cpu_on_off(results, path, "a deep custom resource's writes (--max-nesting-depth 10000)", log=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.deep_writes", description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", default="cdf671d", help="git revision run as 'off'")
    p.add_argument("--depths", default="1000,5000,9990")
    p.add_argument("--out", default=str(OUT / "deep_writes"), help="results path without suffix ('' for none)")
    a = p.parse_args(argv or [])
    use_uvloop()
    depths = [int(x) for x in a.depths.split(",")]
    print("[deep_writes] on (this tree)", flush=True)
    on = asyncio.run(measure(None, depths))
    print(f"[deep_writes] off (baseline {a.baseline})", flush=True)
    off = asyncio.run(measure(baseline_code(a.baseline), depths))
    for name in on:
        report(f"[deep_writes] {name}: server CPU", on[name]["cpu_ms"], off[name]["cpu_ms"], "ms")
        report(f"[deep_writes] {name}: longest /healthz wait", on[name]["stall_ms"], off[name]["stall_ms"], "ms")
    if a.out:
        results = {"depths": depths, "on": on, "off": off,
                   "ratio_cpu": {n: off[n]["cpu_ms"] / on[n]["cpu_ms"] for n in on}}  # fmt: skip
        write_results("deep_writes", Path(a.out), results, a.baseline, plot)


if __name__ == "__main__":
    main(sys.argv[1:])
