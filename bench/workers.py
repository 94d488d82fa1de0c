"""``--workers 2`` against ``--workers 1``: pod creates per second and server CPU per create, and LISTs of 100
pods per second, each a fresh ``aiokube serve`` (its own embedded etcd) driven by this process at concurrency
32 over loopback. Server CPU is every worker's plus the parent's (etcd apart). On this 2-core box the load
generator and etcd share the cores with the workers, so the ratio is a floor of what a machine with spare cores
gets from a second worker.

Writes ``bench/results/workers.json`` and ``.png``. Usage:
``python -m bench.workers [--count 3000] [--concurrency 32] [--out PATH]``
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

from .common import OUT, cpu_seconds, report, use_uvloop, write_results
from .write_path import NS, pod_body


def _tree(pid: int) -> list[int]:
    """A process and its aiokube descendants (the workers), without etcd."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"aiokube" in Path(f"/proc/{child}/cmdline").read_bytes():
                out += _tree(int(child))
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


async def _run(workers: int, count: int, conc: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"aiokube-bench-workers{workers}-") as data:
        proc, url = await _start(workers, data)
        try:
            pids = _tree(proc.pid)
            connector = aiohttp.TCPConnector(limit=conc)
            async with aiohttp.ClientSession(connector=connector) as session:
                async with session.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": NS}}) as r:
                    assert r.status == 201, await r.text()
                await asyncio.sleep(1.0)  # the default ServiceAccount the pods' admission waits for
                sem = asyncio.Semaphore(conc)

                async def create(i: int) -> None:
                    async with sem, session.post(f"{url}/api/v1/namespaces/{NS}/pods", json=pod_body(i)) as resp:
                        await resp.read()
                        assert resp.status == 201, resp.status

                await asyncio.gather(*(create(count + i) for i in range(64)))  # warm-up: connections to each worker
                c0, t0 = _cpu(pids), time.perf_counter()
                await asyncio.gather(*(create(i) for i in range(count)))
                create_s, create_cpu = time.perf_counter() - t0, _cpu(pids) - c0

                async def list_pods(_: int) -> None:
                    async with sem, session.get(f"{url}/api/v1/namespaces/{NS}/pods?limit=100") as resp:
                        await resp.read()
                        assert resp.status == 200

                lists = max(200, count // 3)
                c0, t0 = _cpu(pids), time.perf_counter()
                await asyncio.gather(*(list_pods(i) for i in range(lists)))
                list_s, list_cpu = time.perf_counter() - t0, _cpu(pids) - c0
        finally:
            proc.terminate()
            await proc.wait()
    figures = {
        "creates_per_s": count / create_s,
        "create_cpu_ms": create_cpu * 1000 / count,
        "lists_per_s": lists / list_s,
        "list_cpu_ms": list_cpu * 1000 / lists,
    }
    f = figures
    print(f"  --workers {workers}: {f['creates_per_s']:.0f} creates/s ({f['create_cpu_ms']:.2f} ms CPU each), "
          f"{f['lists_per_s']:.0f} LISTs/s ({f['list_cpu_ms']:.2f} ms CPU each)", flush=True)  # fmt: skip
    return figures


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    for ax, key, title in ((axes[0], "creates_per_s", "pod creates/s"), (axes[1], "lists_per_s", "LIST 100 pods/s")):
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
    p.add_argument("--out", default=str(OUT / "workers"),
                   help="results path without suffix ('' for none; bench/results/workers is the committed one)")
    args = p.parse_args(argv)
    use_uvloop()
    print(f"[workers] {args.count} pod creates and LISTs at concurrency {args.concurrency}", flush=True)
    off = asyncio.run(_run(1, args.count, args.concurrency))
    on = asyncio.run(_run(2, args.count, args.concurrency))
    report("pod creates/s, 2 workers vs 1", on["creates_per_s"], off["creates_per_s"], "/s", better="higher")
    report("LISTs/s, 2 workers vs 1", on["lists_per_s"], off["lists_per_s"], "/s", better="higher")
    if args.out:
        results = {"on": on, "off": off, "count": args.count, "concurrency": args.concurrency}
        write_results("workers", Path(args.out), results, "HEAD", plot, switch="--workers 1")


if __name__ == "__main__":
    main()
