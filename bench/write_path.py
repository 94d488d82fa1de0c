"""The write path end to end: server CPU per request for creates, updates, patches, applies and deletes.

``on`` is this tree; ``off`` is the revision before the write-path work (``--baseline``, default 7db74e6),
whose code is replaced rather than switched, run from ``bench/out/code-<rev>/`` by the same Python. Both
run at once, each a fresh ``aiokube serve`` with its own embedded etcd, driven by this process at
concurrency 32 over loopback in batches of 200 requests that alternate between them (this machine's speed
drifts by a third between minutes; alternating batches share the drift): pods (~2 KB, bench/common.pod)
and 1 KB ConfigMaps. Figures per operation: server CPU per
request (``/proc/<pid>/stat`` of the aiokube process; etcd is a separate process and not counted) and
requests per second. The load generator shares the machine's cores, so req/s is the less telling figure.

Writes ``bench/results/write_path.json`` and ``.png``. Usage:
``python -m bench.write_path [--count 2000] [--concurrency 32] [--rounds 2] [--baseline REV] [--only ...]``
With ``--rounds N`` each figure is the least-CPU round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from .common import OUT, baseline_code, cpu_seconds, plot_cpu_on_off, pod, report, use_uvloop, write_results
from .slo_report import start_server, stop_process

NS = "bench"
JSON_CT = {"Content-Type": "application/json"}
MERGE_CT = {"Content-Type": "application/merge-patch+json"}
APPLY_CT = {"Content-Type": "application/apply-patch+yaml"}
Call = Callable[[aiohttp.ClientSession, str, int], Awaitable[None]]




def pod_body(i: int, label: str = "a") -> dict[str, Any]:
    body = pod(NS, f"p-{i}", labels={"app": "web", "tier": "frontend", "rev": label})
    body.pop("status")
    for key in ("uid", "creationTimestamp", "namespace"):
        body["metadata"].pop(key)
    return body


def configmap_body(i: int, value: str = "a") -> dict[str, Any]:
    data = {f"key-{k:02d}": (value * 40)[:40] for k in range(20)}  # ~1 KB
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "labels": {"app": "web"}},
            "data": data}  # fmt: skip


async def _expect(resp: aiohttp.ClientResponse, *codes: int) -> None:
    body = await resp.read()
    if resp.status not in codes:
        raise RuntimeError(f"{resp.method} {resp.url}: {resp.status} {body[:300]!r}")


def _base(url: str, plural: str) -> str:
    return f"{url}/api/v1/namespaces/{NS}/{plural}"


def _item_url(url: str, plural: str, i: int) -> str:
    """Object i's URL (named as pod_body and configmap_body name it)."""
    return f"{_base(url, plural)}/{'p' if plural == 'pods' else 'cm'}-{i}"


def operations() -> dict[str, tuple[str, Call]]:
    """name -> (plural, one request for object i). Run in this order: each step finds what the one before
    left (created objects, their resourceVersions at ``_RV``)."""

    def body_of(plural: str) -> Callable[[int, str], dict[str, Any]]:
        return pod_body if plural == "pods" else configmap_body

    def create(plural: str) -> Call:
        async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
            async with s.post(_base(url, plural), data=orjson.dumps(body_of(plural)(i, "a")), headers=JSON_CT) as r:
                await _expect(r, 201)

        return call

    def update(plural: str) -> Call:
        """A PUT of what a GET returned, one field changed. The GETs are made before the batch's CPU is read
        (Call.prepare): a GET reads etcd and cost ~20% of a GET + PUT, it is not part of the update."""
        fetched: dict[int, dict[str, Any]] = {}

        async def prepare(s: aiohttp.ClientSession, url: str, i: int) -> None:
            async with s.get(_item_url(url, plural, i)) as r:
                fetched[i] = orjson.loads(await r.read())

        async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
            obj = fetched.pop(i)
            if plural == "pods":
                obj["metadata"]["labels"]["rev"] = "b"
            else:
                obj["data"]["key-00"] = "b" * 40
            async with s.put(_item_url(url, plural, i), data=orjson.dumps(obj), headers=JSON_CT) as r:
                await _expect(r, 200)

        call.prepare = prepare  # type: ignore[attr-defined]
        return call

    def patch(plural: str) -> Call:
        async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
            item = _item_url(url, plural, i)
            body = {"metadata": {"labels": {"rev": "c"}}} if plural == "pods" else {"data": {"key-01": "c" * 40}}
            async with s.patch(item, data=orjson.dumps(body), headers=MERGE_CT) as r:
                await _expect(r, 200)

        return call

    def apply(plural: str) -> Call:
        async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
            item = _item_url(url, plural, i)
            body = body_of(plural)(i, "d")
            params = {"fieldManager": "bench-apply", "force": "true"}
            async with s.patch(item, params=params, data=orjson.dumps(body), headers=APPLY_CT) as r:
                await _expect(r, 200)

        return call

    def delete(plural: str) -> Call:
        async def call(s: aiohttp.ClientSession, url: str, i: int) -> None:
            item = _item_url(url, plural, i)
            async with s.delete(item) as r:
                await _expect(r, 200)

        return call

    out: dict[str, tuple[str, Call]] = {}
    for plural, short in (("pods", "pod"), ("configmaps", "configmap")):
        for verb, make in (("create", create), ("update", update), ("patch", patch), ("apply", apply),
                           ("delete", delete)):  # fmt: skip
            out[f"{short} {verb}"] = (plural, make(plural))
    return out


class Side:
    """One server under test: its process, URL, session and the CPU and time its batches took."""

    def __init__(self, name: str, proc: Any, url: str, session: aiohttp.ClientSession) -> None:
        self.name, self.proc, self.url, self.session = name, proc, url, session
        self.cpu = self.seconds = 0.0

    async def batch(self, call: Call, ids: range, conc: int) -> None:
        """``call`` for each id at concurrency ``conc``; a call's ``prepare`` (if it has one) runs for all ids
        first, outside the figures."""
        sem = asyncio.Semaphore(conc)

        def each(fn: Call) -> Callable[[int], Awaitable[None]]:
            async def one(i: int) -> None:
                async with sem:
                    await fn(self.session, self.url, i)

            return one

        prepare = getattr(call, "prepare", None)
        if prepare is not None:
            await asyncio.gather(*map(each(prepare), ids))
        c0, t0 = cpu_seconds(self.proc.pid), time.perf_counter()
        await asyncio.gather(*map(each(call), ids))
        self.cpu += cpu_seconds(self.proc.pid) - c0
        self.seconds += time.perf_counter() - t0


async def _run_op(sides: list[Side], call: Call, count: int, conc: int, batch: int) -> dict[str, dict[str, float]]:
    """``count`` requests per side, in batches that alternate between the sides (a slow spell of the machine
    then costs both alike); each side's CPU is counted over its own batches only."""
    for side in sides:
        await side.batch(call, range(count, count + 20), 1)  # warm-up on objects the measured run does not touch
        side.cpu = side.seconds = 0.0
    for start in range(0, count, batch):
        ids = range(start, min(start + batch, count))
        for side in sides if (start // batch) % 2 == 0 else reversed(sides):
            await side.batch(call, ids, conc)
    return {side.name: {"cpu_ms": side.cpu * 1000 / count, "rps": count / side.seconds} for side in sides}


async def start_sides(
    stack: contextlib.ExitStack, sides: list[Side], specs: dict[str, tuple[Path | None, dict[str, str]]], conc: int
) -> None:
    """A server per side (its code: None for this tree; extra environment), each with its own etcd and the
    benchmark's namespace, appended to ``sides`` as it starts (so the caller stops what started)."""
    for name, (code, env) in specs.items():
        data = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"aiokube-bench-{name}-"))
        proc, url, _log = await start_server(data, code=code, env=env)
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc))
        sides.append(Side(name, proc, url, session))
        async with session.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": NS}}) as r:
            await _expect(r, 201)
    await asyncio.sleep(0.5)  # the namespaces' default ServiceAccounts


async def measure(
    codes: dict[str, Path | None], count: int, conc: int, only: set[str], batch: int
) -> dict[str, dict[str, dict[str, float]]]:
    """Both servers at once (each with its own etcd), every operation on both, batch by batch."""
    out: dict[str, dict[str, dict[str, float]]] = {name: {} for name in codes}
    with contextlib.ExitStack() as stack:
        sides: list[Side] = []
        try:
            await start_sides(stack, sides, {name: (code, {}) for name, code in codes.items()}, conc)
            for name, (_plural, call) in operations().items():
                result = await _run_op(sides, call, count, conc, batch)
                if only and name not in only and name.split()[1] not in only:
                    continue  # later steps need the objects earlier ones create: run, do not record
                for side, figures in result.items():
                    out[side][name] = figures
                print("  " + name + ": " + ", ".join(
                    f"{side} {f['cpu_ms']:.2f} ms CPU/request ({f['rps']:.0f} req/s)" for side, f in result.items()
                ), flush=True)  # fmt: skip
        finally:
            for side in sides:
                await side.session.close()
                await stop_process(side.proc)
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    title = f"write path, concurrency {results['concurrency']}, {results['count']} requests per operation"
    plot_cpu_on_off(results, path, title)




def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.write_path", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--baseline", default="7db74e6", help="git revision run as 'off'")
    p.add_argument("--only", default="", help="comma-separated operations or verbs to record")
    p.add_argument("--rounds", type=int, default=1, help="rounds; each figure is the round with least CPU")
    p.add_argument("--batch", type=int, default=200, help="requests per batch (batches alternate between sides)")
    p.add_argument("--out", default=str(OUT / "write_path"),
                   help="results path without suffix ('' for none; bench/results/write_path is the committed one)")
    a = p.parse_args(argv or [])
    use_uvloop()
    only = {x.strip() for x in a.only.split(",") if x.strip()}
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {"on": [], "off": []}
    codes = {"on": None, "off": baseline_code(a.baseline)}
    for r in range(a.rounds):
        print(f"[write_path] round {r + 1}: on (this tree) and off (baseline {a.baseline}) side by side", flush=True)
        result = asyncio.run(measure(codes, a.count, a.concurrency, only, a.batch))
        for side in ("on", "off"):
            rounds[side].append(result[side])
    # the least CPU each side needed (what noise adds is never negative)
    on, off = ({name: min((rs[name] for rs in rounds[side]), key=lambda x: x["cpu_ms"]) for name in rounds[side][0]}
               for side in ("on", "off"))  # fmt: skip
    for name in on:
        report(f"[write_path] {name}: server CPU per request", on[name]["cpu_ms"], off[name]["cpu_ms"], "ms")
        report(f"[write_path] {name}: requests/s", on[name]["rps"], off[name]["rps"], "req/s", better="higher")
    if a.out:
        results = {"count": a.count, "concurrency": a.concurrency, "rounds": rounds, "on": on, "off": off,
                   "ratio_cpu": {n: off[n]["cpu_ms"] / on[n]["cpu_ms"] for n in on}}  # fmt: skip
        write_results("write_path", Path(a.out), results, a.baseline, plot)

if __name__ == "__main__":
    main(sys.argv[1:])
