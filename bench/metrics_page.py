"""/metrics off the event loop: how long a ~1 MB page stalls the other clients, formatted on the loop (off) and
in a thread (on, :mod:`apiserver.observability.page`).

One child process serves ``/metrics`` through aiokube's own handler (``observability.metrics.serve``) over a
registry filled like a busy server's (request, etcd and watch families for 10 resources: ~1 MB of text), and a
trivial ``/livez``; ``/mode`` switches ``page.OFF_LOOP``, so both ways run in the same process. A ticker on the
child's loop records its longest gap. For each mode, in alternating rounds, this process scrapes ``/metrics``
back to back while another client GETs ``/livez`` every 5 ms. Figures per mode: the child's CPU per scrape,
the longest loop stall and the 99th percentile of the ticker's gaps (the longest is the one most
exposed to the machine's other load), and the /livez latency (median, max).

``python -m bench.metrics_page [--scrapes 20] [--rounds 3] [--out bench/out/metrics_page]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from .common import OUT, ROOT, cpu_seconds, probe_waits, write_results

RESOURCES = 10


def _fill() -> None:
    """Series as a server that served 10 resources with every verb has them."""
    from aiokube.apiserver.observability import metrics
    from aiokube.storage import metrics as storage_metrics

    verbs = ("GET", "LIST", "WATCH", "CREATE", "UPDATE", "PATCH", "DELETE", "APPLY")
    for r in range(RESOURCES):
        group = "" if r % 3 == 0 else f"g{r % 7}.example.com"
        for verb in verbs:
            labels = metrics.RequestLabels(verb, "", group, "v1", f"res{r}", "", "namespace", "apiserver", "",
                                           verb == "WATCH", verb not in ("GET", "LIST", "WATCH"))  # fmt: skip
            metrics.request_started(labels)
            metrics.request_finished(labels, 200, 2000, 0.01 * (r % 5 + 1))
            storage_metrics.REQUEST_DURATION.labels(verb.lower(), group, f"res{r}").observe(0.002)
        metrics.watch_metrics(group, "v1", f"res{r}", "json")


def serve_child(port: int) -> None:
    """The child: aiokube's /metrics handler, /livez, /mode and /stall on 127.0.0.1:``port``."""
    from aiohttp import web

    from aiokube.apiserver.observability import metrics, page

    _fill()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def livez(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def mode(request: web.Request) -> web.Response:
        page.OFF_LOOP = request.query["off_loop"] == "1"
        gaps.clear()
        return web.Response(text="ok")

    async def stall(_: web.Request) -> web.Response:
        ordered = sorted(gaps)
        return web.json_response({"max_gap": ordered[-1], "p99_gap": ordered[int(len(ordered) * 0.99)]})

    async def start(app: web.Application) -> None:
        app["ticker"] = asyncio.create_task(ticker())

    app = web.Application()
    app.router.add_get("/metrics", metrics.serve)
    app.router.add_get("/livez", livez)
    app.router.add_get("/mode", mode)
    app.router.add_get("/stall", stall)
    app.on_startup.append(start)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _round(session: aiohttp.ClientSession, base: str, pid: int, off_loop: bool, scrapes: int) -> dict[str, Any]:
    async with session.get(f"{base}/mode", params={"off_loop": "1" if off_loop else "0"}) as resp:
        assert resp.status == 200
    done = asyncio.Event()
    latencies: list[float] = []

    probe = asyncio.create_task(probe_waits(session, base, latencies, done, path="/livez", pause=0.005))
    await asyncio.sleep(0.2)
    cpu = cpu_seconds(pid)
    size = 0
    for _ in range(scrapes):
        async with session.get(f"{base}/metrics") as resp:
            size = len(await resp.read())
    cpu = cpu_seconds(pid) - cpu
    done.set()
    await probe
    async with session.get(f"{base}/stall") as resp:
        gaps = await resp.json()
    return {"cpu_ms": cpu / scrapes * 1e3, "stall_ms": gaps["max_gap"] * 1e3, "p99_gap_ms": gaps["p99_gap"] * 1e3,
            "page_bytes": size,
            "livez_median_ms": statistics.median(latencies) * 1e3, "livez_max_ms": max(latencies) * 1e3}  # fmt: skip


async def measure(scrapes: int, rounds: int) -> dict[str, Any]:
    port = 18_000 + int(time.time()) % 1000
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.metrics_page", "--child", str(port),
                                                cwd=str(ROOT))  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"{base}/livez") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
            for _ in range(rounds):
                for name in ("off", "on"):
                    runs[name].append(await _round(session, base, proc.pid, name == "on", scrapes))
    finally:
        proc.terminate()
        await proc.wait()
    out: dict[str, Any] = {"scrapes": scrapes, "rounds": rounds}
    for name, rs in runs.items():
        out[name] = {"page_bytes": rs[0]["page_bytes"],
                     "cpu_ms": statistics.median(r["cpu_ms"] for r in rs),
                     "stall_ms": max(r["stall_ms"] for r in rs),
                     "p99_gap_ms": statistics.median(r["p99_gap_ms"] for r in rs),
                     "livez_median_ms": statistics.median(r["livez_median_ms"] for r in rs),
                     "livez_max_ms": max(r["livez_max_ms"] for r in rs)}  # fmt: skip
        o = out[name]
        print(f"{name:3}: {o['page_bytes'] / 1e6:.2f} MB page, CPU {o['cpu_ms']:.0f} ms/scrape, loop stall max "
              f"{o['stall_ms']:.1f} ms (p99 {o['p99_gap_ms']:.1f}), /livez median {o['livez_median_ms']:.1f} ms, "
              f"max {o['livez_max_ms']:.1f} ms", flush=True)  # fmt: skip
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = [("stall_ms", "longest event-loop stall"), ("p99_gap_ms", "event-loop gap, p99 (1 ms ticks)"),
               ("livez_max_ms", "slowest /livez"),
               ("livez_median_ms", "median /livez"), ("cpu_ms", "CPU per scrape")]  # fmt: skip
    fig, axes = plt.subplots(1, len(figures), figsize=(14, 3.8))
    for ax, (key, title) in zip(axes, figures, strict=True):
        values = [results["off"][key], results["on"][key]]
        bars = ax.bar(["on the loop\n(off)", "in a thread\n(on)"], values, color=["tab:gray", "tab:blue"])
        for bar, v in zip(bars, values, strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.1f}", ha="center", va="bottom", fontsize=8)
        ax.set_title(f"{title} (ms)", fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
    size = results["on"]["page_bytes"] / 1e6
    fig.suptitle(f"/metrics ({size:.1f} MB page) while /livez is probed every 5 ms ({results['machine']}, "
                 f"{results['date']})", fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_page")
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT / "metrics_page")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        serve_child(args.child)
        return
    results = asyncio.run(measure(args.scrapes, args.rounds))
    write_results("metrics_page", args.out, results, "HEAD", plot, switch="page.OFF_LOOP=False")


if __name__ == "__main__":
    main(sys.argv[1:])
