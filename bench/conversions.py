"""What serving a resource in two versions costs its storage version: nothing, measured.

``on`` is this tree (core/v1 Events also served as events.k8s.io/v1 through registry/eventsv1.py, the
ViewEncoder in the read path, a version converter in the field manager); ``off`` is the revision before
(``--baseline``, default 2a2d9fb), run from ``bench/out/code-<rev>/``. Both servers run at once, each with its
own embedded etcd, driven by this process over loopback in batches that alternate between them (as
bench/write_path.py does), and the figure is aiokube's CPU per request (``/proc/<pid>/stat``; etcd not counted).

Storage-version operations on both: core Event create, GET, LIST of the 1,000 (``--count``) in JSON and
protobuf, and a merge PATCH while 20 watchers (10 JSON, 10 protobuf) follow the namespace, so its figure
includes 20 deliveries; a ConfigMap create and GET (a resource with no other version). ``on`` alone: the
same GET and LISTs through events.k8s.io/v1, against its own core/v1 figures (what the conversion costs when
it is asked for).

Writes ``bench/results/conversions.json`` and ``.png``. Usage:
``python -m bench.conversions [--count 1000] [--concurrency 16] [--rounds 2] [--baseline REV]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from .common import ROOT, baseline_code, plot_cpu_on_off, report, use_uvloop, write_results
from .slo_report import start_server, stop_process
from .write_path import Call, Side, _expect, _run_op

RESULTS = ROOT / "bench" / "results"
NS = "bench"
PB = "application/vnd.kubernetes.protobuf"
JSON_CT = {"Content-Type": "application/json"}
MERGE_CT = {"Content-Type": "application/merge-patch+json"}
CORE = f"/api/v1/namespaces/{NS}/events"
V1 = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"


def event_body(i: int) -> dict[str, Any]:
    """A kubelet-style core Event (~0.6 KB stored)."""
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"e-{i}"},
            "involvedObject": {"kind": "Pod", "namespace": NS, "name": f"web-{i}", "uid": f"u-{i}",
                               "apiVersion": "v1", "resourceVersion": "1", "fieldPath": "spec.containers{web}"},
            "reason": "Pulled", "message": f"Successfully pulled image \"nginx:1.25\" in {i} ms",
            "source": {"component": "kubelet", "host": "node-1"}, "firstTimestamp": "2026-01-01T00:00:00Z",
            "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1, "type": "Normal"}  # fmt: skip


def _get(path: str, accept: str = "application/json", item: bool = True) -> Call:
    async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
        target = f"{url}{path}/e-{i % 1000}" if item else f"{url}{path}"
        async with s.get(target, headers={"Accept": accept}) as r:
            await _expect(r, 200)

    return call


def operations(count: int) -> dict[str, tuple[bool, Call]]:
    """name -> (run on ``off`` too, one request for object i), in order: the creates make the objects."""

    async def create(s: aiohttp.ClientSession, url: str, i: int) -> None:
        async with s.post(url + CORE, data=orjson.dumps(event_body(i)), headers=JSON_CT) as r:
            await _expect(r, 201)

    async def patch(s: aiohttp.ClientSession, url: str, i: int) -> None:
        body = {"count": 2 + i, "lastTimestamp": "2026-01-01T00:01:00Z"}
        async with s.patch(f"{url}{CORE}/e-{i % 1000}", data=orjson.dumps(body), headers=MERGE_CT) as r:
            await _expect(r, 200)

    async def cm_create(s: aiohttp.ClientSession, url: str, i: int) -> None:
        body = {"metadata": {"name": f"cm-{i}"}, "data": {f"k{k}": "v" * 40 for k in range(20)}}
        async with s.post(f"{url}/api/v1/namespaces/{NS}/configmaps", data=orjson.dumps(body), headers=JSON_CT) as r:
            await _expect(r, 201)

    async def cm_get(s: aiohttp.ClientSession, url: str, i: int) -> None:
        async with s.get(f"{url}/api/v1/namespaces/{NS}/configmaps/cm-{i}") as r:
            await _expect(r, 200)

    return {
        "core event create": (True, create),
        "core event get": (True, _get(CORE)),
        "core event list 1000 json": (True, _get(CORE, item=False)),
        "core event list 1000 protobuf": (True, _get(CORE, PB, item=False)),
        "core event patch, 20 watchers": (True, patch),
        "configmap create": (True, cm_create),
        "configmap get": (True, cm_get),
        "events.k8s.io get": (False, _get(V1)),
        "events.k8s.io list 1000 json": (False, _get(V1, item=False)),
        "events.k8s.io list 1000 protobuf": (False, _get(V1, PB, item=False)),
    }


async def _watch(session: aiohttp.ClientSession, url: str, accept: str) -> None:
    async with session.get(url + CORE, params={"watch": "1", "resourceVersion": "0"}, headers={"Accept": accept}) as r:
        while await r.content.readany():
            pass


async def measure(codes: dict[str, Path | None], count: int, conc: int, batch: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {name: {} for name in codes}
    watchers: list[asyncio.Task[None]] = []
    with contextlib.ExitStack() as stack:
        sides: list[Side] = []
        try:
            for name, code in codes.items():
                data = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"aiokube-bench-{name}-"))
                proc, url, _log = await start_server(data, code=code)
                session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
                sides.append(Side(name, proc, url, session))
                async with session.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": NS}}) as r:
                    await _expect(r, 201)
            await asyncio.sleep(0.5)
            for name, (both, call) in operations(count).items():
                if name.startswith("core event patch"):
                    for side in sides:
                        for accept in ["application/json"] * 10 + [f"{PB};stream=watch"] * 10:
                            watchers.append(asyncio.create_task(_watch(side.session, side.url, accept)))
                    await asyncio.sleep(1.0)  # the watch-lists' initial events are out before the measured run
                elif watchers:
                    for task in watchers:
                        task.cancel()
                    await asyncio.gather(*watchers, return_exceptions=True)
                    watchers.clear()
                # lists: a third as many, in smaller batches, so that they too alternate between the sides often
                n, size = (count, batch) if "list" not in name else (max(count // 3, 20), max(batch // 5, 10))
                result = await _run_op(sides if both else [s for s in sides if s.name == "on"], call, n, conc, size)
                for side, figures in result.items():
                    out[side][name] = figures
                print("  " + name + ": " + ", ".join(
                    f"{side} {f['cpu_ms']:.3f} ms CPU/request" for side, f in result.items()), flush=True)  # fmt: skip
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            for side in sides:
                await side.session.close()
                await stop_process(side.proc)
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    plot_cpu_on_off(results, path, "storage-version requests, on/off", log=True)


def paired_ratios(rounds: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Per operation, the median over rounds of on/off within the round: the machine's drift between rounds
    (here ±15%) cancels out, what one side adds does not."""
    out = {}
    for name in rounds["off"][0]:
        ratios = sorted(r_on[name]["cpu_ms"] / r_off[name]["cpu_ms"] for r_on, r_off in zip(rounds["on"], rounds["off"],
                                                                                          strict=True))  # fmt: skip
        out[name] = statistics.median(ratios)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.conversions", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--baseline", default="2a2d9fb", help="git revision run as 'off'")
    p.add_argument("--rounds", type=int, default=2, help="rounds; each figure is the round with least CPU")
    p.add_argument("--batch", type=int, default=100, help="requests per batch (batches alternate between sides)")
    p.add_argument("--out", default=str(RESULTS / "conversions"), help="results path without suffix ('' for none)")
    a = p.parse_args(argv or [])
    use_uvloop()
    codes = {"on": None, "off": baseline_code(a.baseline)}
    rounds: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for r in range(a.rounds):
        print(f"[conversions] round {r + 1}: on (this tree) and off (baseline {a.baseline}) side by side", flush=True)
        result = asyncio.run(measure(codes, a.count, a.concurrency, a.batch))
        for side in ("on", "off"):
            rounds[side].append(result[side])
    on, off = ({name: min((rs[name] for rs in rounds[side]), key=lambda x: x["cpu_ms"]) for name in rounds[side][0]}
               for side in ("on", "off"))  # fmt: skip
    paired = paired_ratios(rounds)
    for name in off:
        report(f"[conversions] {name}: server CPU per request", on[name]["cpu_ms"], off[name]["cpu_ms"], "ms")
        print(f"[conversions] {name}: on/off per round, median {paired[name]:.3f}", flush=True)
    for name in on:
        if name not in off:
            core = on[name.replace("events.k8s.io", "core event")]["cpu_ms"]
            print(f"[conversions] {name}: {on[name]['cpu_ms']:.3f} ms CPU/request, {on[name]['cpu_ms'] / core:.2f}x "
                  "the core/v1 request on the same server", flush=True)  # fmt: skip
    if a.out:
        results = {"count": a.count, "concurrency": a.concurrency, "rounds": rounds, "on": on, "off": off,
                   "ratio_on_over_off": {n: on[n]["cpu_ms"] / off[n]["cpu_ms"] for n in off},
                   "median_round_ratio_on_over_off": paired}  # fmt: skip
        write_results("conversions", Path(a.out), results, a.baseline, plot)


if __name__ == "__main__":
    main(sys.argv[1:])
