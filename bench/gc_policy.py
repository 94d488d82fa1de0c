"""The cycle collector's policy (apiserver/gcpolicy.py) on and off: write requests' server CPU and latency tail.

``on`` is ``aiokube serve`` as it runs by default (survivors of every collection frozen, full collections every 15
minutes); ``off`` is the same tree with ``AIOKUBE_GC_FREEZE=0`` (CPython's generational schedule, thresholds
50,000/20/20), or with the environment ``--off NAME=VALUE`` gives (``AIOKUBE_GC_FREEZE_AFTER=1``: survivors frozen
after generation-1 collections only, the policy until 2026-12-05). Both servers run at once, each with its own
embedded etcd, driven by this process with bench/write_path's operations (pods and 1 KB ConfigMaps: create, update,
patch, apply, delete) at concurrency 32, in batches alternating between them. Figures per operation: server CPU per
request, and the latency p99 and maximum seen by the client (a collection pauses every request in flight: the
maximum is where a 0.6 s full collection shows).

Writes ``bench/out/gc_policy.json`` and ``.png`` (``--out bench/results/gc_policy`` for the committed one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from .common import OUT, plot_cpu_on_off, report, use_uvloop, write_results
from .slo_report import stop_process
from .write_path import Call, Side, _run_op, operations, start_sides

ENVS = {"on": {}, "off": {"AIOKUBE_GC_FREEZE": "0"}}


def timed(call: Call, latencies: dict[str, list[float]]) -> Call:
    """``call``, recording each request's seconds under its side's URL; its ``prepare`` kept."""

    async def run(s: aiohttp.ClientSession, url: str, i: int) -> None:
        t0 = time.perf_counter()
        await call(s, url, i)
        latencies.setdefault(url, []).append(time.perf_counter() - t0)

    prepare = getattr(call, "prepare", None)
    if prepare is not None:
        run.prepare = prepare  # type: ignore[attr-defined]
    return run


async def gc_pauses(side: Side) -> dict[str, float]:
    """The server's collector so far (python_gc_duration_seconds): collections, seconds paused, and the
    bucket bound the longest pause is under."""
    async with side.session.get(f"{side.url}/metrics") as r:
        text = await r.text()
    count = total = 0.0
    under: dict[float, float] = {}
    for line in text.splitlines():
        if not line.startswith("python_gc_duration_seconds"):
            continue
        name, value = line.rsplit(" ", 1)
        if name.startswith("python_gc_duration_seconds_count"):
            count += float(value)
        elif name.startswith("python_gc_duration_seconds_sum"):
            total += float(value)
        elif 'le="' in name and "+Inf" not in name:
            bound = float(name.split('le="')[1].split('"')[0])
            under[bound] = under.get(bound, 0.0) + float(value)
    longest = min((b for b, n in under.items() if n >= count), default=float("inf"))
    return {"collections": count, "gc_seconds": total, "longest_under_s": longest}


def _tail(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p99_ms": 1000 * ordered[int(len(ordered) * 0.99)], "max_ms": 1000 * ordered[-1]}


async def measure(count: int, conc: int, batch: int) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {name: {} for name in ENVS}
    with contextlib.ExitStack() as stack:
        sides: list[Side] = []
        try:
            await start_sides(stack, sides, {name: (None, env) for name, env in ENVS.items()}, conc)
            for op, (_plural, call) in operations().items():
                latencies: dict[str, list[float]] = {}
                before = {side.name: await gc_pauses(side) for side in sides}
                result = await _run_op(sides, timed(call, latencies), count, conc, batch)
                for side in sides:
                    after = await gc_pauses(side)
                    collector = {"collections": after["collections"] - before[side.name]["collections"],
                                 "gc_ms": 1000 * (after["gc_seconds"] - before[side.name]["gc_seconds"])}  # fmt: skip
                    out[side.name][op] = {**result[side.name], **_tail(latencies[side.url][20:]), **collector}
                out["collector"] = {side.name: await gc_pauses(side) for side in sides}  # type: ignore[assignment]
                print("  " + op + ": " + ", ".join(
                    f"{s} {f['cpu_ms']:.2f} ms CPU/request, p99 {f['p99_ms']:.0f} ms, max {f['max_ms']:.0f} ms, "
                    f"GC {f['gc_ms']:.0f} ms in {f['collections']:.0f}"
                    for s, f in ((s.name, out[s.name][op]) for s in sides)
                ), flush=True)  # fmt: skip
        finally:
            for side in sides:
                await side.session.close()
                await stop_process(side.proc)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.gc_policy", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--out", default=str(OUT / "gc_policy"), help="results path without suffix ('' for none)")
    p.add_argument("--off", default="AIOKUBE_GC_FREEZE=0", help="the off side's environment, NAME=VALUE")
    a = p.parse_args(argv or [])
    name, _, value = a.off.partition("=")
    ENVS["off"] = {name: value}
    use_uvloop()
    result = asyncio.run(measure(a.count, a.concurrency, a.batch))
    collector = result.pop("collector")
    on, off = result["on"], result["off"]
    for op in on:
        report(f"[gc_policy] {op}: server CPU per request", on[op]["cpu_ms"], off[op]["cpu_ms"], "ms")
        report(f"[gc_policy] {op}: latency max", on[op]["max_ms"], off[op]["max_ms"], "ms")
    worst = {side: max(f["max_ms"] for f in result[side].values()) for side in ENVS}
    report("[gc_policy] longest request of the run", worst["on"], worst["off"], "ms")
    for side in ENVS:
        c = collector[side]
        print(f"[gc_policy] {side}: {c['collections']:.0f} collections, {c['gc_seconds'] * 1000:.0f} ms paused, "
              f"the longest under {c['longest_under_s'] * 1000:.0f} ms", flush=True)
    report("[gc_policy] collector's pauses, whole run", collector["on"]["gc_seconds"] * 1000,
           collector["off"]["gc_seconds"] * 1000, "ms")  # fmt: skip
    if a.out:
        results: dict[str, Any] = {"count": a.count, "concurrency": a.concurrency, "on": on, "off": off,
                                   "ratio_cpu": {n: off[n]["cpu_ms"] / on[n]["cpu_ms"] for n in on},
                                   "longest_ms": worst, "collector": collector}  # fmt: skip
        write_results("gc_policy", Path(a.out), results, "HEAD", plot, switch=a.off)


def plot(results: dict[str, Any], path: Path) -> None:
    title = (f"GC policy, {results['count']} requests per operation; longest request on "
             f"{results['longest_ms']['on']:.0f} ms, off {results['longest_ms']['off']:.0f} ms")  # fmt: skip
    plot_cpu_on_off(results, path, title)


if __name__ == "__main__":
    main(sys.argv[1:])
