"""``--workers 2`` against ``--workers 1``: pod creates per second and server CPU per create, LISTs of 100 pods
per second, and watch fan-out (events delivered per second to watchers of ConfigMaps while writers update them),
each a fresh ``aiokube serve`` (its own embedded etcd) driven by this process over loopback. Server CPU is every
worker's plus the parent's (etcd apart).

The load generator is bench/rawclient.py (HTTP over raw asyncio protocols, ~80 us of CPU per create including
building the body): aiohttp's client spent as much CPU per request as the server's create, and on 2 cores shared
with the server and etcd it took the core a second worker would use.

Writes ``bench/results/workers.json`` and ``.png``. Usage:
``python -m bench.workers [--count 3000] [--concurrency 32] [--watchers 200] [--seconds 10] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from . import rawclient
from .common import OUT, cpu_seconds, report, use_uvloop, write_results
from .write_path import NS, configmap_body, pod_body


def _tree(pid: int) -> list[int]:
    """A process and its aiokube descendants (the workers), without etcd."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            # by the program's name: etcd's argv names a data dir under this bench's "aiokube-bench-…" folder
            if Path(argv[0].decode()).name == "aiokube" or argv[1:3] == [b"-m", b"aiokube.apiserver"]:
                out += _tree(int(child))
    return out


def _etcd(pid: int) -> list[int]:
    """The embedded etcd under a server (what a create costs beside the server's own CPU)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            out += [int(child)] if Path(argv[0].decode()).name == "etcd" else _etcd(int(child))
    return out


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


async def _start(workers: int, data_dir: str) -> tuple[asyncio.subprocess.Process, str]:
    script = Path(sys.executable).with_name("aiokube")
    proc = await asyncio.create_subprocess_exec(
        str(script), "serve", "--workers", str(workers), "--port", "0", "--secure-port", "0", "--data-dir", data_dir,
        "--log-level", "warning", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
    if "serving on " not in line:
        raise RuntimeError(f"aiokube did not start: {line!r}")
    return proc, line.split("serving on ", 1)[1].split()[0]


def _expect(statuses: dict[int, int], code: int) -> None:
    if set(statuses) != {code}:
        raise RuntimeError(f"expected only {code}: {statuses}")


async def _fanout(url: str, pids: list[int], watchers: int, seconds: float, conc: int) -> tuple[float, float]:
    """Events delivered per second to ``watchers`` watchers while ``conc`` writers update 50 ConfigMaps as fast
    as they can, and server CPU (us) per delivered event."""
    host_path = f"/api/v1/namespaces/{NS}/configmaps"
    await rawclient.run(url, lambda i, host: rawclient.request_bytes(
        "POST", host, host_path, orjson.dumps(configmap_body(i))), range(50), 10)  # fmt: skip
    streams = await rawclient.watches(url, f"{host_path}?watch=1&allowWatchBookmarks=false", watchers)
    await asyncio.sleep(1.0)
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))

    def update(i: int, host: str) -> bytes:
        patch = orjson.dumps({"data": {"key-00": f"v{next(counter)}"}})
        return rawclient.request_bytes("PATCH", host, f"{host_path}/cm-{i % 50}", patch,
                                       "application/merge-patch+json")  # fmt: skip

    def ids() -> Any:
        i = 0
        while time.monotonic() < deadline:
            yield i
            i += 1

    before = sum(s.events for s in streams)
    c0, t0 = _cpu(pids), time.perf_counter()
    statuses = await rawclient.run(url, update, ids(), conc)  # type: ignore[arg-type]
    await asyncio.sleep(1.0)  # the last events reach the watchers
    elapsed, cpu = time.perf_counter() - t0, _cpu(pids) - c0
    delivered = sum(s.events for s in streams) - before
    for s in streams:
        if s.transport is not None:
            s.transport.close()
    _expect(statuses, 200)
    return delivered / elapsed, cpu * 1e6 / max(delivered, 1)


async def _run(workers: int, count: int, conc: int, watchers: int, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"aiokube-bench-workers{workers}-") as data:
        proc, url = await _start(workers, data)
        try:
            pids = _tree(proc.pid)
            ns = orjson.dumps({"metadata": {"name": NS}})
            _expect(await rawclient.run(url, lambda i, h: rawclient.request_bytes("POST", h, "/api/v1/namespaces", ns),
                                        range(1), 1), 201)  # fmt: skip
            await asyncio.sleep(1.0)  # the default ServiceAccount the pods' admission reads
            path = f"/api/v1/namespaces/{NS}/pods"

            def create(i: int, host: str) -> bytes:
                return rawclient.request_bytes("POST", host, path, orjson.dumps(pod_body(i)))

            _expect(await rawclient.run(url, create, range(count, count + 200), conc), 201)  # warm-up
            etcd = _etcd(proc.pid)
            c0, e0, t0 = _cpu(pids), _cpu(etcd), time.perf_counter()
            _expect(await rawclient.run(url, create, range(count), conc), 201)
            create_s, create_cpu, etcd_cpu = time.perf_counter() - t0, _cpu(pids) - c0, _cpu(etcd) - e0

            lists = max(200, count // 3)
            c0, t0 = _cpu(pids), time.perf_counter()
            _expect(await rawclient.run(url, lambda i, h: rawclient.request_bytes("GET", h, f"{path}?limit=100"),
                                        range(lists), conc), 200)  # fmt: skip
            list_s, list_cpu = time.perf_counter() - t0, _cpu(pids) - c0
            events_per_s, event_cpu_us = await _fanout(url, pids, watchers, seconds, 8)
        finally:
            proc.terminate()
            await proc.wait()
    figures = {
        "creates_per_s": count / create_s,
        "create_cpu_ms": create_cpu * 1000 / count,
        "create_etcd_cpu_ms": etcd_cpu * 1000 / count,
        "lists_per_s": lists / list_s,
        "list_cpu_ms": list_cpu * 1000 / lists,
        "events_per_s": events_per_s,
        "event_cpu_us": event_cpu_us,
    }
    f = figures
    print(f"  --workers {workers}: {f['creates_per_s']:.0f} creates/s ({f['create_cpu_ms']:.2f} ms CPU each, etcd "
          f"{f['create_etcd_cpu_ms']:.2f} ms), "
          f"{f['lists_per_s']:.0f} LISTs/s ({f['list_cpu_ms']:.2f} ms CPU each), {f['events_per_s']:.0f} watch "
          f"events/s to {watchers} watchers ({f['event_cpu_us']:.1f} us CPU each)", flush=True)  # fmt: skip
    return figures


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (("creates_per_s", "pod creates/s"), ("lists_per_s", "LIST 100 pods/s"),
              ("events_per_s", f"watch events/s ({results.get('watchers', '')} watchers)"))  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.8))
    for ax, (key, title) in zip(axes, panels, strict=True):
        if key not in results["off"]:
            continue
        values = [results["off"][key], results["on"][key]]
        ax.bar(["--workers 1", "--workers 2"], values, color=["tab:gray", "tab:blue"])
        ax.text(1, values[1], f"{values[1] / values[0]:.2f}x", ha="center", va="bottom")
        ax.set_title(title, fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"workers, concurrency {results['concurrency']} ({results['machine']}, {results['date']})", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--watchers", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0, help="how long the writers run in the fan-out part")
    p.add_argument("--out", default=str(OUT / "workers"),
                   help="results path without suffix ('' for none; bench/results/workers is the committed one)")
    args = p.parse_args(argv)
    use_uvloop()
    print(f"[workers] {args.count} pod creates and LISTs at concurrency {args.concurrency}, then {args.watchers} "
          f"watchers for {args.seconds:.0f} s", flush=True)  # fmt: skip
    off = asyncio.run(_run(1, args.count, args.concurrency, args.watchers, args.seconds))
    on = asyncio.run(_run(2, args.count, args.concurrency, args.watchers, args.seconds))
    report("pod creates/s, 2 workers vs 1", on["creates_per_s"], off["creates_per_s"], "/s", better="higher")
    report("LISTs/s, 2 workers vs 1", on["lists_per_s"], off["lists_per_s"], "/s", better="higher")
    report("watch events/s, 2 workers vs 1", on["events_per_s"], off["events_per_s"], "/s", better="higher")
    if args.out:
        results = {"on": on, "off": off, "count": args.count, "concurrency": args.concurrency,
                   "watchers": args.watchers, "seconds": args.seconds}  # fmt: skip
        write_results("workers", Path(args.out), results, "HEAD", plot, switch="--workers 1")


if __name__ == "__main__":
    main()
