"""Helpers shared by the benchmarks: synthetic objects and one-line reports."""

from __future__ import annotations

import asyncio
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: the committed figures the README shows: written only when a run's ``--out`` names them
RESULTS = ROOT / "bench" / "results"
#: where runs write by default (ignored by git), so a run never overwrites a committed figure unasked
OUT = ROOT / "bench" / "out"
PACKAGES = ("apiserver", "storage", "watchcache", "encoding")


def baseline_code(rev: str) -> Path:
    """The aiokube of git revision ``rev``, importable: ``bench/out/code-<rev>/`` holds the revision's tree
    (``src/``) and an ``aiokube/`` folder linking its subpackages, for PYTHONPATH. Benchmarks of changes that
    replace code (rather than switch it) run the revision before them as "off", in the same process."""
    sha = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    base = ROOT / "bench" / "out" / f"code-{sha[:12]}"
    package = base / "aiokube"
    if not package.exists():
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(base / "src", filter="data")
        package.mkdir(parents=True)
        for name in PACKAGES:
            (package / name).symlink_to(base / "src" / name, target_is_directory=True)
    return base


def use_uvloop() -> None:
    """Run on uvloop, as ``aiokube serve`` does (its ``writelines`` hands buffers to the kernel uncopied)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


def report(name: str, on: float, off: float, unit: str, better: str = "lower") -> None:
    """One line per figure: the value with the optimization on, off, and the ratio of the better to the worse
    way round (off/on where lower is better, on/off where higher is), so >1 means "on" wins."""
    top, bottom, label = (off, on, "off/on") if better == "lower" else (on, off, "on/off")
    ratio = top / bottom if bottom else float("inf")
    print(f"{name}: on={on:,.1f} {unit}  off={off:,.1f} {unit}  ratio({label})={ratio:,.2f}x  ({better} is better)")
    sys.stdout.flush()


def pod(ns: str, name: str, labels: dict[str, str] | None = None, node: str = "") -> dict[str, Any]:
    """A realistic ~2 KB pod, as stored in etcd."""
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"00000000-0000-4000-8000-{abs(hash(name)) % 10**12:012d}",
            "creationTimestamp": "2026-11-23T00:00:00Z",
            "labels": labels or {"app": "web", "tier": "frontend"},
            "annotations": {"kubernetes.io/config.seen": "2026-11-23T00:00:00Z"},
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/team/app:1.2.3",
                    "args": ["--port=8080", "--log-level=info"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(8)],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1", "qosClass": "Burstable"},
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def _rev(rev: str) -> str:
    return subprocess.run(["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def write_results(
    benchmark: str,
    out: Path,
    results: dict[str, Any],
    baseline: str,
    plot: Callable[[dict[str, Any], Path], None],
    *,
    switch: str = "",
) -> None:
    """Stamp an on/off result (benchmark, date, machine, this commit, the baseline: a revision, or with
    ``switch`` the setting that turns the optimization off in this commit) and write ``<out>.json`` and the
    plot's ``<out>.png``."""
    base = f"{_rev(baseline)} with {switch}" if switch else _rev(baseline)
    results.update(benchmark=benchmark, date=time.strftime("%Y-%m-%d"), machine=machine(), commit=_rev("HEAD"),
                   baseline=base)  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out.with_suffix(".png"))
    print(f"[{benchmark}] wrote {out.with_suffix('.json')} and .png", flush=True)


def plot_cpu_on_off(
    results: dict[str, Any],
    path: Path,
    title: str,
    *,
    log: bool = False,
    key: str = "cpu_ms",
    ylabel: str = "aiokube CPU per request (ms",
) -> None:
    """Bars of CPU per request (or another figure: ``key``, ``ylabel``) for each operation, off (baseline)
    beside on, each labelled with off/on."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in results["on"] if n in results["off"]]  # operations measured both ways
    on = [results["on"][n][key] for n in names]
    off = [results["off"][n][key] for n in names]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], off, width=0.4, label=f"off (baseline {results['baseline'][:7]})", color="tab:gray")
    ax.bar([x + 0.2 for x in xs], on, width=0.4, label=f"on ({results['commit'][:7]})", color="tab:blue")
    for x, a, b in zip(xs, on, off, strict=True):
        ax.text(x + 0.2, a, f"{b / a:.2f}x", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(xs), names, rotation=30, ha="right", fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel + (", log)" if log else ")"))
    ax.set_title(f"{title} ({results['machine']}, {results['date']})", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run_micro_items(
    benchmark: str,
    doc: str,
    items: dict[str, Callable[[int, float], dict[str, tuple[float, float]]]],
    argv: list[str] | None,
    *,
    title: str,
    switch: str,
    log: bool = False,
) -> None:
    """The command line of a benchmark of in-process shortcuts: each item measures rows of (on, off) CPU ms per
    operation (``--rounds`` rounds of ``--budget`` CPU seconds), printed and written to ``--out``."""
    import argparse

    p = argparse.ArgumentParser(prog=f"python -m bench.{benchmark}", description=doc.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--budget", type=float, default=0.2, help="CPU seconds per round and side")
    p.add_argument("--out", default=str(OUT / benchmark), help="results path without suffix ('' for none)")
    args = p.parse_args(argv)
    on: dict[str, dict[str, float]] = {}
    off: dict[str, dict[str, float]] = {}
    for item, measure in items.items():
        for row, (a, b) in measure(args.rounds, args.budget).items():
            name = f"{item}: {row}"
            report(f"[{benchmark}] {name}, CPU per operation", a * 1000, b * 1000, "us")
            on[name], off[name] = {"cpu_ms": a}, {"cpu_ms": b}
    if args.out:
        write_results(benchmark, Path(args.out), {"on": on, "off": off, "rounds": args.rounds}, "HEAD",
                      lambda r, path: plot_cpu_on_off(r, path, title, log=log), switch=switch)  # fmt: skip


async def probe_waits(
    session: Any, url: str, waits: list[float], stop: asyncio.Event, *, path: str = "/healthz", pause: float = 0.002
) -> None:
    """GET ``url + path`` again and again (``pause`` between) until ``stop`` is set, each answer's wait appended
    to ``waits``: how long another client waits while the request being measured runs."""
    while not stop.is_set():
        started = time.perf_counter()
        async with session.get(url + path) as resp:
            await resp.read()
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(pause)
