"""Big objects: PUTs of a 0.9 MB ConfigMap (or a 5,000-address Endpoints) watched by 100 watchers.

``on`` is this tree; ``off`` the revision before the write-path work (``--baseline``, default 7db74e6), run
from ``bench/out/code-<rev>/`` (see bench/common.baseline_code). Both are fresh ``aiokube serve``s, up at
once; updates alternate between them, one at a time.
The object is created, 100 watch streams (raw sockets counting frames, so the client costs little) follow
it, and it is updated ``--updates`` times, one at a time: each PUT changes one entry and the next starts
when every watcher has the event. Figures: PUT latency p50/p99, update sent -> last watcher has the whole
frame p50/p99, server CPU per update (all 100 deliveries included).

Writes ``bench/results/big_object.json`` and ``.png``. Usage:
``python -m bench.big_object [--watchers 100] [--updates 20] [--kind configmap|endpoints|both]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import selectors
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from .common import OUT, ROOT, baseline_code, cpu_seconds, report, use_uvloop, write_results
from .slo_report import start_server, stop_process

NS = "bench"
JSON_CT = {"Content-Type": "application/json"}


def big_configmap(value: str) -> dict[str, Any]:
    data = {f"key-{i:05d}": value * 170 for i in range(5000)}  # ~0.9 MB
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "namespace": NS}, "data": data}


def big_endpoints(port: int) -> dict[str, Any]:
    addresses = [
        {"ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "nodeName": f"node-{i % 100}",
         "targetRef": {"kind": "Pod", "namespace": NS, "name": f"web-{i}", "uid": f"00000000-0000-0000-0000-{i:012d}"}}
        for i in range(5000)
    ]  # fmt: skip
    ports = [{"name": "http", "port": port, "protocol": "TCP"}]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "big", "namespace": NS},
            "subsets": [{"addresses": addresses, "ports": ports}]}  # fmt: skip


def watch_client(host: str, port: int, request: bytes, watchers: int) -> None:
    """The watchers, in a process of their own: ``watchers`` sockets read with ``recv_into`` one buffer each
    (no allocation per read; an asyncio protocol per socket cost the client 2 ms of CPU per MB, more than
    the server, and its lag was measured as the server's). Counts complete frames (lines: chunk-size lines
    end with CRLF, frames with a bare LF) and prints ``<k> <time>`` on stdout when every watcher has frame
    k, with the time the last one completed it (CLOCK_MONOTONIC, comparable across processes)."""
    sel = selectors.DefaultSelector()
    bufs: dict[socket.socket, bytearray] = {}
    frames: dict[socket.socket, int] = {}
    last_cr: dict[socket.socket, bool] = {}
    body_started: dict[socket.socket, bool] = {}
    for _ in range(watchers):
        sock = socket.create_connection((host, port))
        sock.sendall(request)
        sock.setblocking(False)
        sel.register(sock, selectors.EVENT_READ)
        bufs[sock], frames[sock], last_cr[sock], body_started[sock] = bytearray(8 << 20), 0, False, False
    done_at: dict[int, float] = {}
    reported = 0
    while sel.get_map():
        for key, _ in sel.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            buf = bufs[sock]
            n = sock.recv_into(buf)
            if not n:
                sel.unregister(sock)
                continue
            start = 0
            if not body_started[sock]:
                end = buf.find(b"\r\n\r\n", 0, n)
                if end < 0:
                    continue
                body_started[sock], start = True, end + 4
            lf = 0
            i = buf.find(b"\n", start, n)  # memchr: 10 us a MB, where two counts cost 1.8 ms (100 MB an update)
            while i >= 0:
                if not (buf[i - 1] == 0x0D if i > start else last_cr[sock]):  # a CRLF may span two reads
                    lf += 1
                i = buf.find(b"\n", i + 1, n)
            last_cr[sock] = buf[n - 1] == 0x0D
            if lf:
                now = time.perf_counter()
                before = frames[sock]
                frames[sock] = before + lf
                for k in range(before + 1, before + lf + 1):
                    done_at[k] = now  # the latest completion of frame k so far
        low = min(frames.values())
        while reported < low:
            reported += 1
            print(reported, done_at.pop(reported), flush=True)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


class Target:
    """One server under test with its big object and its watchers' process; updates one at a time."""

    def __init__(self, name: str, code: Path | None, kind: str, watchers: int, data: str) -> None:
        self.name, self.code, self.kind, self.watchers, self.data = name, code, kind, watchers, data
        self.plural = "configmaps" if kind == "configmap" else "endpoints"
        self.make = big_configmap if kind == "configmap" else big_endpoints
        self.put_ms: list[float] = []
        self.last_ms: list[float] = []
        self.cpu = self.client_cpu = 0.0
        self.obj: dict[str, Any] = {}

    async def start(self) -> None:
        self.proc, self.url, _log = await start_server(self.data, code=self.code)
        self.session = aiohttp.ClientSession()
        s = self.session
        async with s.post(f"{self.url}/api/v1/namespaces", json={"metadata": {"name": NS}}) as r:
            assert r.status == 201, await r.text()
            # watches start before the object, so their first frame (ADDED) shows they are live
            rv = orjson.loads(await r.read())["metadata"]["resourceVersion"]
        self.base = f"{self.url}/api/v1/namespaces/{NS}/{self.plural}"
        first = orjson.dumps(self.make("a" if self.kind == "configmap" else 1))
        async with s.post(self.base, data=first, headers=JSON_CT) as r:
            assert r.status == 201, await r.text()
            self.obj = orjson.loads(await r.read())
        host = urlsplit(self.url)
        query = f"watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3Dbig"
        path = f"/api/v1/namespaces/{NS}/{self.plural}?{query}"
        self.client = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.big_object", "--client", f"{host.hostname}:{host.port}",
            "--watchers", str(self.watchers), "--path", path, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await self.frame(1)  # every watcher has the ADDED event

    async def frame(self, k: int) -> float:
        assert self.client.stdout is not None
        line = await asyncio.wait_for(self.client.stdout.readline(), 60)
        got, at = line.split()
        assert int(got) == k, (got, k)
        return float(at)

    async def update(self, i: int) -> None:
        if self.kind == "configmap":
            body = self.make("a")
            body["data"][f"key-{i:05d}"] = f"changed by update {i}"
        else:
            body = self.make(1000 + i)  # the port: the 5,000 addresses stay
        body["metadata"]["resourceVersion"] = self.obj["metadata"]["resourceVersion"]
        payload = orjson.dumps(body)
        c0, client0 = cpu_seconds(self.proc.pid), cpu_seconds(self.client.pid)
        t0 = time.perf_counter()
        async with self.session.put(f"{self.base}/big", data=payload, headers=JSON_CT) as r:
            answer = await r.read()
            assert r.status == 200, answer[:300]
        self.put_ms.append((time.perf_counter() - t0) * 1000)
        self.obj = orjson.loads(answer)
        self.last_ms.append((await self.frame(i + 2) - t0) * 1000)
        self.cpu += cpu_seconds(self.proc.pid) - c0
        self.client_cpu += cpu_seconds(self.client.pid) - client0

    async def stop(self) -> None:
        if hasattr(self, "client"):
            self.client.kill()
            await self.client.wait()
        if hasattr(self, "session"):
            await self.session.close()
        if hasattr(self, "proc"):
            await stop_process(self.proc)

    def figures(self) -> dict[str, Any]:
        n = len(self.put_ms)
        out = {
            "object_bytes": len(orjson.dumps(self.obj)), "watchers": self.watchers, "updates": n,
            "put_p50_ms": _pct(self.put_ms, 0.5), "put_p99_ms": _pct(self.put_ms, 0.99),
            "last_watcher_p50_ms": _pct(self.last_ms, 0.5), "last_watcher_p99_ms": _pct(self.last_ms, 0.99),
            "cpu_ms_per_update": self.cpu * 1000 / n, "client_cpu_ms_per_update": self.client_cpu * 1000 / n,
            "put_ms": self.put_ms, "last_watcher_ms": self.last_ms,
        }  # fmt: skip
        print(f"  {self.name}, {self.kind} ({out['object_bytes'] / 1e6:.2f} MB): PUT p50 {out['put_p50_ms']:.0f} ms "
              f"p99 {out['put_p99_ms']:.0f} ms, update -> last of {self.watchers} watchers p50 "
              f"{out['last_watcher_p50_ms']:.0f} ms p99 {out['last_watcher_p99_ms']:.0f} ms, CPU "
              f"{out['cpu_ms_per_update']:.0f} ms/update (the client's {out['client_cpu_ms_per_update']:.0f} ms)",
              flush=True)  # fmt: skip
        return out


async def measure(
    codes: dict[str, Path | None], kind: str, watchers: int, updates: int, profile: str = ""
) -> dict[str, dict[str, Any]]:
    """Every server up at once; the updates alternate between them, one at a time (a slow spell of the
    machine then costs each alike, and no two servers work at the same moment)."""
    with contextlib.ExitStack() as stack:
        targets = [
            Target(name, code, kind, watchers, stack.enter_context(tempfile.TemporaryDirectory(prefix="aiokube-")))
            for name, code in codes.items()
        ]
        try:
            for t in targets:
                await t.start()
            profiling = None
            if profile:  # the first server's CPU profile (collapsed stacks) of the first SECONDS
                seconds = profile.rsplit(":", 1)[1] if ":" in profile else "10"
                profile = profile.rsplit(":", 1)[0]
                query = f"seconds={seconds}&format=collapsed"
                first = targets[0]
                profiling = asyncio.ensure_future(first.session.get(f"{first.url}/debug/pprof/profile?{query}"))
            for i in range(updates):
                for t in targets if i % 2 == 0 else reversed(targets):
                    await t.update(i)
            if profiling is not None:
                resp = await profiling
                profiled = await resp.read()
                await asyncio.to_thread(Path(profile).write_bytes, profiled)
            return {t.name: t.figures() for t in targets}
        finally:
            for t in targets:
                await t.stop()


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(results["on"])
    fig, axes = plt.subplots(1, len(kinds), figsize=(5.5 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        for side, color in (("off", "tab:gray"), ("on", "tab:blue")):
            r = results[side][kind]
            ax.plot(r["put_ms"], color=color, linestyle="--", label=f"{side}: PUT")
            ax.plot(r["last_watcher_ms"], color=color, label=f"{side}: update -> last of {r['watchers']} watchers")
        ax.axhline(100, color="black", linewidth=0.8, linestyle=":", label="target 100 ms")
        ax.set_yscale("log")
        ax.set_xlabel("update #")
        ax.set_ylabel("ms")
        ax.set_title(f"{kind}, {results['on'][kind]['object_bytes'] / 1e6:.2f} MB", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"big objects ({results['machine']}, {results['date']})", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.big_object", description=__doc__.split("\n\n")[0])
    p.add_argument("--watchers", type=int, default=100)
    p.add_argument("--updates", type=int, default=20)
    p.add_argument("--kind", default="both", choices=["configmap", "endpoints", "both"])
    p.add_argument("--baseline", default="7db74e6", help="git revision run as 'off'")
    p.add_argument("--out", default=str(OUT / "big_object"),
                   help="results path without suffix ('' for none; bench/results/big_object is the committed one)")
    p.add_argument("--profile", default="", help="FILE[:SECONDS]: the 'on' server's CPU profile of the updates")
    p.add_argument("--client", default="", help=argparse.SUPPRESS)  # HOST:PORT: be the watchers' process
    p.add_argument("--path", default="", help=argparse.SUPPRESS)
    a = p.parse_args(argv or [])
    if a.client:
        host, port = a.client.rsplit(":", 1)
        request = f"GET {a.path} HTTP/1.1\r\nHost: {a.client}\r\nAccept: application/json\r\n\r\n".encode()
        watch_client(host, int(port), request, a.watchers)
        return
    use_uvloop()
    kinds = ["configmap", "endpoints"] if a.kind == "both" else [a.kind]
    results: dict[str, Any] = {"on": {}, "off": {}}
    codes = {"on": None, "off": baseline_code(a.baseline)}
    for kind in kinds:
        print(f"[big_object] {kind}: on (this tree) and off (baseline {a.baseline}), updates alternating", flush=True)
        profile = f"{a.profile.replace(':', f'-{kind}:', 1) if ':' in a.profile else a.profile + '-' + kind}"
        figures = asyncio.run(measure(codes, kind, a.watchers, a.updates, profile if a.profile else ""))
        for side in ("on", "off"):
            results[side][kind] = figures[side]
    for kind in kinds:
        on, off = results["on"][kind], results["off"][kind]
        for figure in ("put_p50_ms", "put_p99_ms", "last_watcher_p50_ms", "last_watcher_p99_ms", "cpu_ms_per_update"):
            report(f"[big_object] {kind}: {figure}", on[figure], off[figure], "ms")
    if a.out:
        write_results("big_object", Path(a.out), results, a.baseline, plot)

if __name__ == "__main__":
    main(sys.argv[1:])
