"""Big bodies and everyone else: how long a ``/healthz`` waits while one client writes a dense object.

``on`` is this tree; ``off`` a revision before (``--baseline``, default 5364355: before a write waited turns
between its stages and before the map path of a create's field ownership), run from ``bench/out/code-<rev>/``.
Both servers run at once, each with its own embedded etcd. For each body (a 2.7 MB ConfigMap of 100,000 keys,
which kube refuses for its size after decoding all of it; a valid 0.9 MB ConfigMap of 40,000 keys; a 3 MB one
of three keys), on each server in turn: a client sends ``GET /healthz`` one after the other while the body is
POSTed ``--repeat`` times (each with keys of its own); figures, medians of the repeats, are the POST's time and
server CPU, and the longest ``/healthz`` round trip (the event loop held by the write, as another client sees it).

Writes ``bench/out/big_body.json`` and ``.png`` (``--out bench/results/big_body`` for the committed one).
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
import orjson

from .common import OUT, baseline_code, cpu_seconds, report, use_uvloop, write_results
from .slo_report import start_server, stop_process

#: each POST's data differs (``i``), so no memo of an earlier one answers for it
BODIES = {
    "100,000 keys, 2.7 MB (422)": lambda i: {f"k{k:06d}-{i}": "v" * 12 for k in range(100_000)},
    "40,000 keys, 0.9 MB": lambda i: {f"k{k:06d}-{i}": "v" * 8 for k in range(40_000)},
    "3 keys, 3 MB (422)": lambda i: {f"k{k}-{i}": "v" * 1_000_000 for k in range(3)},
}


async def one_body(session: aiohttp.ClientSession, url: str, pid: int, name: str, data: bytes) -> dict[str, float]:
    waits: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            async with session.get(f"{url}/healthz") as r:
                await r.read()
            waits.append(time.perf_counter() - started)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0.1)
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    async with session.post(
        f"{url}/api/v1/namespaces/default/configmaps", data=data, headers={"Content-Type": "application/json"}
    ) as r:
        status = r.status
        await r.read()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pid) - c0
    await asyncio.sleep(0.1)
    done.set()
    await task
    if status == 201:
        async with session.delete(f"{url}/api/v1/namespaces/default/configmaps/{name}") as r:
            await r.read()
    return {"status": status, "post_ms": elapsed * 1000, "cpu_ms": cpu * 1000, "healthz_max_ms": max(waits) * 1000}


async def measure(codes: dict[str, Path | None], repeat: int) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {side: {} for side in codes}
    with contextlib.ExitStack() as stack:
        servers: dict[str, tuple[Any, str, aiohttp.ClientSession]] = {}
        try:
            for side, code in codes.items():
                data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"aiokube-bench-bigbody-{side}-"))
                proc, url, _ = await start_server(data_dir, code=code)
                servers[side] = (proc, url, aiohttp.ClientSession())
            for label, data_of in BODIES.items():
                runs: dict[str, list[dict[str, float]]] = {side: [] for side in codes}
                for i in range(repeat):
                    body = orjson.dumps({"metadata": {"name": f"big-{i}"}, "data": data_of(i)})
                    for side in codes if i % 2 == 0 else reversed(list(codes)):
                        proc, url, session = servers[side]
                        runs[side].append(await one_body(session, url, proc.pid, f"big-{i}", body))
                for side in codes:
                    figures = ("post_ms", "cpu_ms", "healthz_max_ms")
                    middle = {k: statistics.median(r[k] for r in runs[side]) for k in figures}
                    out[side][label] = {**middle, "status": runs[side][0]["status"]}
                print(f"  {label}: " + ", ".join(
                    f"{side} {f['post_ms']:.0f} ms ({f['cpu_ms']:.0f} ms CPU, {f['status']:.0f}), /healthz waited "
                    f"up to {f['healthz_max_ms']:.0f} ms" for side, f in ((s, out[s][label]) for s in codes)
                ), flush=True)  # fmt: skip
        finally:
            for proc, _url, session in servers.values():
                await session.close()
                await stop_process(proc)
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["on"])
    fig, ax = plt.subplots(figsize=(9, 4))
    xs = range(len(names))
    for shift, side, color in ((-0.2, "off", "tab:gray"), (0.2, "on", "tab:blue")):
        rev = results["baseline"] if side == "off" else results["commit"]
        values = [results[side][n]["healthz_max_ms"] for n in names]
        ax.bar([x + shift for x in xs], values, width=0.4, label=f"{side} ({rev[:7]})", color=color)
    ax.set_xticks(list(xs), names, fontsize=8)
    ax.set_ylabel("longest /healthz during the POST (ms)")
    ax.set_title(f"big bodies: the event loop as another client sees it ({results['machine']}, {results['date']})",
                 fontsize=9)  # fmt: skip
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.big_body", description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", default="5364355", help="git revision run as 'off'")
    p.add_argument("--repeat", type=int, default=3, help="POSTs per body and server (medians count)")
    p.add_argument("--out", default=str(OUT / "big_body"), help="results path without suffix ('' for none)")
    a = p.parse_args(argv or [])
    use_uvloop()
    result = asyncio.run(measure({"on": None, "off": baseline_code(a.baseline)}, a.repeat))
    for label in BODIES:
        on, off = result["on"][label], result["off"][label]
        report(f"[big_body] {label}: longest /healthz", on["healthz_max_ms"], off["healthz_max_ms"], "ms")
        report(f"[big_body] {label}: server CPU per POST", on["cpu_ms"], off["cpu_ms"], "ms")
    if a.out:
        write_results("big_body", Path(a.out), {"repeat": a.repeat, **result}, a.baseline, plot)


if __name__ == "__main__":
    main(sys.argv[1:])
