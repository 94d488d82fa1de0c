"""``aiokube bench density``: kube's density test (seed 002) against any API server.

Creates ``--pods`` pause pods at ``--qps`` in a fresh namespace, prints kube's progress line every few
seconds (``Pods: 229 out of 3000 created, 211 running, 18 pending, 0 waiting, ...``: test/utils/runners.go),
and reports:

- pod startup latency: from the moment the harness sent the pod's create to the moment its watch saw the pod
  Running (kube's e2e measures from creationTimestamp, which has one-second resolution), p50/p90/p99 against
  the SLO (p99 ≤ 5 s);
- API call latency per verb and resource from the server's ``/metrics`` over the run (apimetrics.py) against
  kube's API call SLOs;
- a PNG (pods created and running over time; startup latency of each pod and its percentiles).

Without ``--server``/``--kubeconfig`` it starts ``aiokube serve`` (an embedded etcd in a temporary directory)
in a child process; unless ``--no-simulate`` it starts ``aiokube simulate`` in another (so neither the nodes'
nor the harness' CPU is the server's) and deletes those nodes afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiokube.apiserver.simulation import apimetrics
from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.command import client_from_args
from aiokube.apiserver.simulation.informer import Informer

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the PNG needs matplotlib (aiokube's test extra); JSON and Markdown do not
    plt = None

Obj = dict[str, Any]
AIOKUBE = str(Path(sys.executable).parent / "aiokube")
STARTUP_SLO = 5.0
NODE_PREFIX = "density-node-"
PAUSE = "registry.k8s.io/pause:3.10"
DEFAULT_OUT = Path("bench") / "out"
#: creations in flight at most (a slow server makes the harness wait rather than pile up requests)
MAX_IN_FLIGHT = 200


def density_pod(name: str) -> Obj:
    """A pause pod with small requests, as the density test's (30 a node fit many times over)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"name": "density", "group": "density"}},
        "spec": {
            "containers": [
                {"name": "pause", "image": PAUSE, "resources": {"requests": {"cpu": "10m", "memory": "10Mi"}}}
            ],
            "terminationGracePeriodSeconds": 1,
        },
    }


def startup_status(pods: list[Obj], expected: int) -> dict[str, int]:
    """computeRCStartupStatus: running means Running and Ready; waiting means Pending and unscheduled."""
    s = dict.fromkeys(
        ("created", "running", "pending", "waiting", "inactive", "terminating", "unknown", "runningButNotReady"), 0
    )
    s["expected"] = expected
    for p in pods:
        if p["metadata"].get("deletionTimestamp"):
            s["terminating"] += 1
            continue
        s["created"] += 1
        status = p.get("status") or {}
        phase = status.get("phase")
        if phase == "Running":
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            s["running" if ready else "runningButNotReady"] += 1
        elif phase == "Pending":
            s["waiting" if not (p.get("spec") or {}).get("nodeName") else "pending"] += 1
        elif phase in ("Succeeded", "Failed"):
            s["inactive"] += 1
        elif phase == "Unknown":
            s["unknown"] += 1
    return s


def progress_line(s: dict[str, int]) -> str:
    return (
        f"Pods: {s['created']} out of {s['expected']} created, {s['running']} running, {s['pending']} pending, "
        f"{s['waiting']} waiting, {s['inactive']} inactive, {s['terminating']} terminating, {s['unknown']} "
        f"unknown, {s['runningButNotReady']} runningButNotReady"
    )


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank, as kube's e2e latency percentiles."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Child:
    """A child process of the run (the server, the simulation): started, its first line matched, stopped."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log
        self._drain: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, args: list[str], log: Path, ready: str, timeout: float = 120.0) -> tuple[Child, re.Match]:
        with log.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                *args, stdout=asyncio.subprocess.PIPE, stderr=err, stdin=asyncio.subprocess.DEVNULL
            )
        child = cls(proc, log)
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), max(deadline - time.monotonic(), 0.1))
            except TimeoutError:
                line = b""
            if not line:
                await child.stop()
                raise RuntimeError(f"{args[0]} {args[1]} did not start; its log:\n{log.read_text()[-3000:]}")  # noqa: ASYNC240
            m = re.search(ready, line.decode())
            if m:
                child._drain = asyncio.create_task(child._discard())
                return child, m

    async def _discard(self) -> None:
        assert self.proc.stdout is not None
        while await self.proc.stdout.readline():
            pass

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._drain is not None:
            self._drain.cancel()


@contextlib.asynccontextmanager
async def target(args: argparse.Namespace, work: Path) -> AsyncIterator[tuple[KubeClient, list[str], str]]:
    """The API server to measure: the one given, or an ``aiokube serve`` child. Yields the client, the flags
    that point ``aiokube simulate`` at it, and a description."""
    if args.server or args.kubeconfig:
        flags = [
            f
            for f, v in (("--server", args.server), ("--kubeconfig", args.kubeconfig), ("--token", args.token))
            if v
            for f in (f, v)
        ]
        if args.insecure_skip_tls_verify:
            flags.append("--insecure-skip-tls-verify")
        client = client_from_args(args)
        try:
            yield client, flags, f"the API server at {client.server}"
        finally:
            await client.close()
        return
    server, m = await Child.start(
        [
            AIOKUBE,
            "serve",
            "--workers",
            str(args.server_workers),
            "--port",
            "0",
            "--secure-port",
            "0",
            "--data-dir",
            str(work / "data"),
        ],
        work / "server.log",
        r"serving on (http://127\.0\.0\.1:\d+)",
    )
    client = KubeClient(m.group(1))
    try:
        yield client, ["--server", m.group(1)], f"aiokube serve --workers {args.server_workers} (started by the run)"
    finally:
        await client.close()
        await server.stop()


class Run:
    """One density run: pods created at a rate, watched until running, latencies gathered."""

    def __init__(self, client: KubeClient, args: argparse.Namespace, namespace: str) -> None:
        self.client = client
        self.args = args
        self.namespace = namespace
        self.sent: dict[str, float] = {}
        self.running: dict[str, float] = {}
        self.timeline: list[tuple[float, int, int]] = []
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.t0 = 0.0
        self.pods = Informer(client, f"/api/v1/namespaces/{namespace}/pods")
        self.pods.add_handler(self._on_pod)
        self.all_running = asyncio.Event()

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        name = pod["metadata"]["name"]
        if event_type != "DELETED" and (pod.get("status") or {}).get("phase") == "Running":
            if name not in self.running:
                self.running[name] = time.monotonic()
                if len(self.running) >= self.args.pods:
                    self.all_running.set()

    async def _create(self, i: int, sem: asyncio.Semaphore) -> None:
        name = f"density-{i:05d}"
        async with sem:
            self.sent[name] = time.monotonic()
            try:
                await self.client.create(f"/api/v1/namespaces/{self.namespace}/pods", density_pod(name))
            except (ApiError, OSError, TimeoutError) as exc:
                self.errors.append(f"{name}: {exc}")

    async def _create_all(self) -> None:
        sem = asyncio.Semaphore(MAX_IN_FLIGHT)
        tasks = []
        for i in range(self.args.pods):
            delay = self.t0 + i / self.args.qps - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._create(i, sem)))
        await asyncio.gather(*tasks)

    async def _report(self) -> None:
        last_line = 0.0
        while True:
            now = time.monotonic()
            s = startup_status(list(self.pods.cache.values()), self.args.pods)
            self.timeline.append((now - self.t0, s["created"], s["running"]))
            if now - last_line >= self.args.progress_every or s["running"] >= self.args.pods:
                line = progress_line(s)
                self.lines.append(line)
                print(line, flush=True)
                last_line = now
            if s["running"] >= self.args.pods:
                return
            await asyncio.sleep(1.0)

    async def run(self) -> None:
        informer = asyncio.create_task(self.pods.run())
        await self.pods.synced.wait()
        self.t0 = time.monotonic()
        reporter = asyncio.create_task(self._report())
        try:
            await self._create_all()
            if len(self.errors) >= self.args.pods:  # nothing to wait for
                print(f"density: every create failed, the first: {self.errors[0]}", flush=True)
                return
            await asyncio.wait_for(self.all_running.wait(), self.args.timeout)
            await asyncio.wait_for(reporter, 5)
        except TimeoutError:
            print(f"density: not all pods running after {self.args.timeout:.0f} s", flush=True)
        finally:
            reporter.cancel()
            informer.cancel()
            await asyncio.gather(reporter, informer, return_exceptions=True)

    def latencies(self) -> list[float]:
        return [self.running[n] - self.sent[n] for n in self.running if n in self.sent]


async def _wait_nodes(client: KubeClient, names: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        nodes = await client.get("/api/v1/nodes")
        ready = {
            n["metadata"]["name"]
            for n in nodes.get("items") or []
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (n.get("status") or {}).get("conditions") or []
            )
        }
        if names <= ready:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(names - ready)} simulated nodes not Ready after {timeout:.0f} s")
        await asyncio.sleep(0.5)


async def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    async with target(args, work) as (client, flags, described):
        sim: Child | None = None
        names = {f"{NODE_PREFIX}{i}" for i in range(args.nodes)}
        if not args.no_simulate:
            sim, _ = await Child.start(
                [
                    AIOKUBE,
                    "simulate",
                    "--nodes",
                    str(args.nodes),
                    "--node-prefix",
                    NODE_PREFIX,
                    "--log-level",
                    "warning",
                    *flags,
                ],
                work / "simulate.log",
                r"nodes ready",
            )
            await _wait_nodes(client, names, 120)
        namespace = f"density-{os.getpid()}-{int(time.time()) % 100000}"
        await client.create(
            "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        )
        # a control plane without kube-controller-manager (a bare kube-apiserver) has no ServiceAccount controller
        # to make the namespace's "default", which every pod's admission needs
        with contextlib.suppress(ApiError):
            account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
            await client.create(f"/api/v1/namespaces/{namespace}/serviceaccounts", account)
        print(f"density: {args.pods} pods at {args.qps:g}/s on {args.nodes} nodes, {described}", flush=True)
        before = apimetrics.parse(await client.text("/metrics"))
        run = Run(client, args, namespace)
        started = time.monotonic()
        await run.run()
        elapsed = time.monotonic() - started
        after = apimetrics.parse(await client.text("/metrics"))
        if not args.keep:
            with contextlib.suppress(ApiError):
                await client.delete(f"/api/v1/namespaces/{namespace}")
        if sim is not None:
            await sim.stop()
            if args.server or args.kubeconfig:  # leave no simulated nodes behind on someone's server
                for name in sorted(names):
                    with contextlib.suppress(ApiError):
                        await client.delete(f"/api/v1/nodes/{name}")
    lat = run.latencies()
    p99 = percentile(lat, 0.99)
    return {
        "benchmark": "density",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "commit": _commit(),
        "target": described,
        "pods": args.pods,
        "nodes": args.nodes,
        "qps": args.qps,
        "seconds": round(elapsed, 1),
        "running": len(run.running),
        "create_errors": run.errors[:20],
        "create_error_count": len(run.errors),
        "startup": {
            "count": len(lat),
            "p50": percentile(lat, 0.5),
            "p90": percentile(lat, 0.9),
            "p99": p99,
            "max": max(lat, default=None),
            "slo": STARTUP_SLO,
            "met": p99 is not None and p99 <= STARTUP_SLO and len(lat) == args.pods,
        },
        "api_calls": apimetrics.table(apimetrics.delta(before, after)),
        "progress": run.lines,
        "timeline": [[round(t, 2), c, r] for t, c, r in run.timeline],
        "latencies": sorted(
            (run.sent[n] - run.t0, run.running[n] - run.sent[n]) for n in run.running if n in run.sent
        ),
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except OSError:
        return ""


def _s(value: float | None) -> str:
    return "—" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def markdown(r: dict[str, Any]) -> str:
    st = r["startup"]
    lines = [
        f"# Density: {r['pods']} pods on {r['nodes']} simulated nodes at {r['qps']:g} pods/s",
        "",
        f"{r['date']}, {r['machine']}, commit {r['commit']}; target: {r['target']}. "
        f"{r['running']} of {r['pods']} pods running after {r['seconds']} s"
        + (f"; {r['create_error_count']} creates failed" if r["create_error_count"] else "")
        + ".",
        "",
        "| pod startup latency (create sent → Running seen by watch) | p50 | p90 | p99 | SLO (p99) | met |",
        "|---|---|---|---|---|---|",
        f"| {st['count']} pods | {_s(st['p50'])} | {_s(st['p90'])} | {_s(st['p99'])} | ≤ {st['slo']:g} s | "
        f"{'yes' if st['met'] else '**no**'} |",
        "",
        "| API call (from /metrics) | scope | calls | p50 | p90 | p99 | SLO (p99) | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in r["api_calls"]:
        lines.append(
            f"| {row['verb']} {row['resource']} | {row['scope']} | {row['count']} | {_s(row['p50'])} | "
            f"{_s(row['p90'])} | {_s(row['p99'])} | ≤ {row['threshold']:g} s | "
            f"{'yes' if row['met'] else '**no**'} |"
        )
    lines += ["", "Progress (every few seconds):", "", "```", *r["progress"], "```", ""]
    return "\n".join(lines)


def plot(r: dict[str, Any], path: Path) -> bool:
    if plt is None:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    t = [p[0] for p in r["timeline"]]
    ax1.plot(t, [p[1] for p in r["timeline"]], label="created")
    ax1.plot(t, [p[2] for p in r["timeline"]], label="running")
    ax1.set_xlabel("seconds since the first create")
    ax1.set_ylabel("pods")
    ax1.set_title(f"{r['pods']} pods at {r['qps']:g}/s on {r['nodes']} nodes", fontsize=9)
    ax1.legend(fontsize=8)
    ax1.grid(True, alpha=0.3)
    if r["latencies"]:
        ax2.scatter([x for x, _ in r["latencies"]], [y for _, y in r["latencies"]], s=3, alpha=0.5, label="one pod")
    for q, style in (("p50", ":"), ("p90", "-."), ("p99", "--")):
        if r["startup"][q] is not None:
            ax2.axhline(r["startup"][q], linestyle=style, color="tab:green", label=f"{q} {_s(r['startup'][q])}")
    ax2.axhline(r["startup"]["slo"], color="tab:red", label=f"SLO p99 ≤ {r['startup']['slo']:g} s")
    ax2.set_xlabel("create sent at (s)")
    ax2.set_ylabel("startup latency (s)")
    ax2.set_title("pod startup latency (create → Running seen by watch)", fontsize=9)
    ax2.legend(fontsize=8)
    ax2.grid(True, alpha=0.3)
    fig.suptitle(f"aiokube density ({r['machine']}, {r['date']}; {r['target']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def write(r: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "density.json", out / "density.md"]
    paths[0].write_text(json.dumps(r, indent=1) + "\n")
    paths[1].write_text(markdown(r))
    if plot(r, out / "density.png"):
        paths.append(out / "density.png")
    return paths


def print_summary(r: dict[str, Any]) -> None:
    st = r["startup"]
    print(
        f"pod startup latency: p50 {_s(st['p50'])}, p90 {_s(st['p90'])}, p99 {_s(st['p99'])} "
        f"(SLO p99 ≤ {st['slo']:g} s: {'met' if st['met'] else 'NOT met'})"
    )
    print("API calls (p99 against the SLO):")
    for row in r["api_calls"]:
        print(
            f"  {row['verb']:6} {row['resource']:32} {row['scope']:9} {row['count']:6} calls  p99 "
            f"{_s(row['p99']):>8}  ≤ {row['threshold']:g} s  {'ok' if row['met'] else 'MISSED'}"
        )


def main(args: argparse.Namespace) -> int:
    """``aiokube bench density``."""
    if args.pods < 1 or args.nodes < 1 or args.qps <= 0:
        print("aiokube bench density: --pods, --nodes and --qps must be positive", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="aiokube-density-"))
    try:
        r = asyncio.run(measure(args, work))
    except (OSError, RuntimeError, TimeoutError, ApiError, ValueError) as exc:
        print(f"aiokube bench density: {exc} (logs in {work})", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print_summary(r)
    paths = write(r, Path(args.out) if args.out else DEFAULT_OUT)
    print("density: wrote " + ", ".join(str(p) for p in paths), flush=True)
    return 0 if r["running"] == args.pods else 1
