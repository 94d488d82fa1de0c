"""SLO report: p50/p99 of every SLI from aiokube's /metrics over a run, and a plot of them over time.

Scrapes ``/metrics`` before and after the run and every second during it, and computes the SLIs from
histogram bucket deltas (as ``histogram_quantile`` would over the same window; see bench/slo_metrics.py):
the request SLIs per verb/resource/scope from ``apiserver_request_sli_duration_seconds`` and the watch SLO
from ``apiserver_watch_event_latency_seconds`` (an event received by aiokube's watch cache from etcd -> its
frame handed to a watcher's socket). Context rows: ``apiserver_watch_cache_event_lag_seconds`` (aiokube's own
writes: sent to etcd -> event in the cache) and ``etcd_request_duration_seconds``. Prints a table, writes a
PNG of per-second percentiles and a JSON summary under bench/out/ (``--out bench/results/...`` replaces the
committed figure).

The default load is the issue's figure: 1,000 JSON watchers on configmaps in one namespace and a writer
PATCHing those configmaps at 100 events/s for 40 s, with a light read load (10 GETs/s, 1 LIST/s). The server
is ``aiokube serve --port 0`` in its own process (so the load generator does not share its event loop), the
watchers another process: 990 raw sockets that only count frames, and 10 probes (aiohttp) that parse them and
measure the client's view, from sending the PATCH to reading its event (the same clock: one machine). After
the writer stops, the report waits (``--drain``, 30 s at most) for every watcher to have every frame, and
counts what is still undelivered then.

Usage: python -m bench.slo_report [--server URL] [--load watch|none] [--watchers 1000] [--rate 100]
                                  [--writers N] [--object-bytes B] [--duration 40] [--objects 100]
                                  [--reads 10] [--drain 30] [--out PNG]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from .common import OUT, RESULTS, ROOT, use_uvloop
from .slo_metrics import Buckets, SLIKey, Snapshot, bucket_of, count, parse, quantile, within

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


# --- the server under test --------------------------------------------------------------------------------


async def start_server(
    data_dir: str, env: dict[str, str] | None = None, code: Path | None = None, args: Sequence[str] = ()
) -> tuple[asyncio.subprocess.Process, str, Path]:
    """``aiokube serve --port 0 --data-dir DIR [args]`` in a subprocess (``env`` added to its environment);
    its URL from the "serving on" line. ``code``: a folder holding another ``aiokube`` package to run instead
    (:func:`bench.common.baseline_code`)."""
    script = Path(sys.executable).with_name("aiokube")
    cmd = [str(script)] if script.exists() and code is None else [sys.executable, "-m", "aiokube.apiserver"]
    if code is not None:
        env = {**(env or {}), "PYTHONPATH": str(code)}
    log = Path(data_dir) / "aiokube.log"
    with log.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            *cmd, "serve", *_newer_flags(code), "--port", "0", "--data-dir", data_dir,
            "--log-level", "warning", *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=log_file,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
    assert proc.stdout is not None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = (await asyncio.wait_for(proc.stdout.readline(), deadline - time.monotonic())).decode()
            except TimeoutError:
                break
            if not line:
                break
            if "serving on " in line:
                url = line.split("serving on ", 1)[1].split()[0]
                task = asyncio.get_running_loop().create_task(_discard(proc.stdout))
                _BACKGROUND.add(task)
                task.add_done_callback(_BACKGROUND.discard)
                return proc, url, log
    except BaseException:
        await stop_process(proc)
        raise
    await stop_process(proc)
    raise RuntimeError(f"aiokube did not start:\n{log.read_text(errors='replace')[-3000:]}")


_BACKGROUND: set[asyncio.Task[None]] = set()


def _newer_flags(code: Path | None) -> list[str]:
    """One worker and no HTTPS port, for a tree whose ``aiokube serve`` has those flags (a baseline from before
    them has neither: it serves plain HTTP in one process)."""
    cli = (code / "aiokube" / "apiserver" / "cli.py") if code is not None else None
    text = cli.read_text() if cli is not None and cli.exists() else ""
    flags = []
    if cli is None or "--workers" in text:
        flags += ["--workers", "1"]
    if cli is None or "--secure-port" in text:
        flags += ["--secure-port", "0"]
    return flags


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def stop_process(proc: asyncio.subprocess.Process, timeout: float = 15) -> None:
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()


# --- watchers (a subprocess) ------------------------------------------------------------------------------

_MARK = b'"type":"'


class _Watchers:
    """The watch client's state: connections ready, frames counted, probe latencies."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.ready = 0
        self.all_ready = asyncio.Event()
        self.failed = 0
        self.closed = 0
        self.events = 0
        self.latencies: list[float] = []
        self.stopping = False

    def on_ready(self, ok: bool) -> None:
        self.ready += 1
        self.failed += not ok
        if self.ready == self.total:
            self.all_ready.set()


class _RawWatch(asyncio.Protocol):
    """One watch on a bare socket: sends the GET, counts ``"type":"`` markers, never parses."""

    def __init__(self, request: bytes, state: _Watchers) -> None:
        self.request = request
        self.state = state
        self.started = False
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.started:
            self.started = True
            self.state.on_ready(data.startswith(b"HTTP/1.1 200"))
        buf = self.tail + data  # a marker split over two reads is counted once
        self.state.events += buf.count(_MARK)
        self.tail = buf[-(len(_MARK) - 1) :]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.state.stopping:
            self.state.closed += 1


async def _probe(session: aiohttp.ClientSession, url: str, params: dict[str, str], state: _Watchers) -> None:
    """A parsing watcher: the client's view of latency, from the PATCH's ``ts`` to reading its event."""
    async with session.get(url, params=params) as resp:
        state.on_ready(resp.status == 200)
        async for line in resp.content:
            now = time.time()
            state.events += 1
            ts = ((orjson.loads(line).get("object") or {}).get("data") or {}).get("ts")
            if ts:
                state.latencies.append(now - float(ts))
    if not state.stopping:
        state.closed += 1


def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``."""
    return values[min(len(values) - 1, int(len(values) * q))] if values else None


async def _ticker(state: _Watchers) -> None:
    """Every second, one JSON line: frames counted so far and the probes' latencies of that second."""
    start, seen = time.monotonic(), 0
    for k in itertools.count(1):
        await asyncio.sleep(max(0.0, start + k - time.monotonic()))
        new = sorted(state.latencies[seen:])
        seen = len(state.latencies)
        tick = {"tick": time.time(), "events": state.events, "n": len(new), "p50": _percentile(new, 0.5),
                "p99": _percentile(new, 0.99), "max": new[-1] if new else None}  # fmt: skip
        print(json.dumps(tick), flush=True)


async def watch_client(url: str, path: str, rv: str, watchers: int, probes: int) -> None:
    """Open the watches, print READY, then a tick a second until a line (or EOF) on stdin, then DONE + JSON."""
    use_uvloop()
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "3600"}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    request = (f"GET {path}?{query} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
               "User-Agent: aiokube-slo-report\r\n\r\n").encode()  # fmt: skip
    state = _Watchers(watchers)
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    transports: list[asyncio.BaseTransport] = []

    async def connect() -> None:
        async with gate:
            transport, _ = await loop.create_connection(lambda: _RawWatch(request, state), host, port)
            transports.append(transport)

    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
    ) as session:
        tasks = [asyncio.create_task(_probe(session, url + path, params, state)) for _ in range(min(probes, watchers))]
        await asyncio.gather(*(connect() for _ in range(watchers - len(tasks))))
        await asyncio.wait_for(state.all_ready.wait(), 120)
        print("READY", state.ready - state.failed, flush=True)
        cpu0 = time.process_time()
        ticker = asyncio.create_task(_ticker(state))
        await loop.run_in_executor(None, sys.stdin.readline)
        cpu = time.process_time() - cpu0
        state.stopping = True
        for t in transports:
            t.close()
        for task in [*tasks, ticker]:
            task.cancel()
        await asyncio.gather(*tasks, ticker, return_exceptions=True)
    lat = sorted(state.latencies)
    summary = {
        "events": state.events,
        "failed": state.failed,
        "closed_early": state.closed,
        "cpu_seconds": cpu,
        "probe_events": len(lat),
        "probe_p50": _percentile(lat, 0.5),
        "probe_p99": _percentile(lat, 0.99),
        "probe_max": lat[-1] if lat else None,
    }
    print("DONE", json.dumps(summary), flush=True)


# --- scraping -----------------------------------------------------------------------------------------------


async def scrape(session: aiohttp.ClientSession, url: str) -> Snapshot:
    async with session.get(url + "/metrics", headers={"Accept": "text/plain"}) as resp:
        page = await resp.text()
        assert resp.status == 200, page[:300]
    return parse(page, time.monotonic())


@dataclass
class Scraper:
    """Scrapes every ``interval`` seconds on a fixed schedule until stopped."""

    session: aiohttp.ClientSession
    url: str
    interval: float = 1.0
    snapshots: list[Snapshot] = field(default_factory=list)
    scrape_seconds: list[float] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        start = time.monotonic()
        k = 1
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, start + k * self.interval - time.monotonic()))
            if stop.is_set():
                break
            t0 = time.monotonic()
            self.snapshots.append(await scrape(self.session, self.url))
            self.scrape_seconds.append(time.monotonic() - t0)
            k = max(k + 1, int((time.monotonic() - start) / self.interval) + 1)


# --- load -----------------------------------------------------------------------------------------------------


@dataclass
class LoadStats:
    writes: int = 0
    write_errors: int = 0
    write_latencies: list[float] = field(default_factory=list)
    write_seconds: float = 0.0  # from the first PATCH sent to the last one answered
    reads: int = 0
    read_errors: int = 0
    seconds: float = 0.0  # load and drain
    drain_seconds: float = 0.0
    wall0: float = 0.0  # time.time() when the load started (the client's ticks are in wall time)
    scrape_seconds: list[float] = field(default_factory=list)  # each /metrics request during the run
    cpu_seconds: float = 0.0
    ticks: list[dict[str, Any]] = field(default_factory=list)  # the watch client's, one a second
    client: dict[str, Any] = field(default_factory=dict)  # its summary
    expected: int = -1  # frames the watchers should count in all (known once the writer is done)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)

    def check_caught_up(self) -> None:
        if self.expected >= 0 and self.ticks and self.ticks[-1]["events"] >= self.expected:
            self.caught_up.set()


async def _setup(session: aiohttp.ClientSession, url: str, ns: str, objects: int, size: int = 0) -> str:
    async with session.post(url + "/api/v1/namespaces", json={"metadata": {"name": ns}}) as r:
        assert r.status == 201, await r.text()
    gate = asyncio.Semaphore(16)

    async def create(i: int) -> None:
        body = {"metadata": {"name": f"cm-{i}"}, "data": {"seq": "0", "ts": "", "pad": "x" * size}}
        async with gate, session.post(f"{url}/api/v1/namespaces/{ns}/configmaps", json=body) as r:
            assert r.status == 201, await r.text()

    await asyncio.gather(*(create(i) for i in range(objects)))
    async with session.get(f"{url}/api/v1/namespaces/{ns}/configmaps") as r:
        return (await r.json())["metadata"]["resourceVersion"]


async def _paced(rate: float, total: int, call: Any, in_flight: int) -> None:
    """Start ``call(i)`` for i < total on a fixed schedule of ``rate``/s, never more than ``in_flight`` at once."""
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        async with gate:
            await call(i)

    start = time.monotonic()
    tasks = []
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)


async def _writer(session: aiohttp.ClientSession, url: str, ns: str, args: argparse.Namespace, st: LoadStats) -> None:
    """PATCH the configmaps round-robin, ``rate`` a second; each carries the wall time it was sent."""
    base = f"{url}/api/v1/namespaces/{ns}/configmaps"

    async def patch(i: int) -> None:
        body = orjson.dumps({"data": {"seq": str(i), "ts": repr(time.time())}})
        t0 = time.monotonic()
        try:
            async with session.patch(f"{base}/cm-{i % args.objects}", data=body, headers=MERGE_PATCH) as r:
                await r.read()
                ok = r.status == 200
        except aiohttp.ClientError:
            ok = False
        st.write_latencies.append(time.monotonic() - t0)
        st.writes += ok
        st.write_errors += not ok

    start = time.monotonic()
    if args.writers:  # unthrottled: each writer sends its next PATCH when the last one was answered
        counter = itertools.count()

        async def loop() -> None:
            while time.monotonic() - start < args.duration:
                await patch(next(counter))

        await asyncio.gather(*(loop() for _ in range(args.writers)))
    else:
        await _paced(args.rate, int(args.rate * args.duration), patch, 64)
    st.write_seconds = time.monotonic() - start


async def _reader(session: aiohttp.ClientSession, url: str, ns: str, args: argparse.Namespace, st: LoadStats) -> None:
    """GET a random configmap ``reads`` a second; one request in every ``reads`` is a LIST of the namespace."""
    if args.reads <= 0:
        return
    base = f"{url}/api/v1/namespaces/{ns}/configmaps"
    every = max(1, int(args.reads))

    async def read(i: int) -> None:
        target = base if i % every == 0 else f"{base}/cm-{random.randrange(args.objects)}"
        try:
            async with session.get(target) as r:
                await r.read()
                st.reads += 1
                st.read_errors += r.status != 200
        except aiohttp.ClientError:
            st.read_errors += 1

    await _paced(args.reads, int(args.reads * args.duration), read, 16)


async def _follow(stdout: asyncio.StreamReader, st: LoadStats) -> None:
    """The watch client's ticks, then its summary."""
    while line := await stdout.readline():
        if line.startswith(b"DONE "):
            st.client = json.loads(line[5:])
            return
        st.ticks.append(json.loads(line))
        st.check_caught_up()


async def _drain(st: LoadStats, expected: int, limit: float) -> None:
    """Wait until the watchers have counted ``expected`` frames, for at most ``limit`` seconds."""
    st.expected = expected
    st.check_caught_up()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(st.caught_up.wait(), limit)


async def run(args: argparse.Namespace) -> tuple[Snapshot, Snapshot, list[Snapshot], LoadStats, float]:
    """Start (or attach to) the server and run the load; returns the snapshots before, after and in between
    (every ``interval``), the load's statistics and when (time.monotonic) the load started."""
    tmp = None if args.server else tempfile.mkdtemp(prefix="aiokube-slo-")
    server = None
    st = LoadStats()
    try:
        if tmp:
            server, url, _ = await start_server(tmp, getattr(args, "server_env", None))
            print(f"[slo] aiokube serving on {url} (subprocess {server.pid}, data in {tmp})", flush=True)
        else:
            url = args.server.rstrip("/")
        if getattr(args, "load_nice", 0) > 0:
            # the load (writers here, the watch client spawned below) yields the CPU to the server and etcd it
            # shares the cores with; the server is already running at the priority it had
            os.nice(args.load_nice)
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=80)) as session,
            aiohttp.ClientSession() as scrape_session,
        ):
            ns = f"slo-{uuid.uuid4().hex[:8]}"
            client = following = None
            if args.load == "watch":
                rv = await _setup(session, url, ns, args.objects, args.object_bytes)
                path = f"/api/v1/namespaces/{ns}/configmaps"
                client = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.slo_report", "--watch-client", url, path, rv,
                    str(args.watchers), str(args.probes),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
                )  # fmt: skip
                assert client.stdout is not None and client.stdin is not None
                line = await asyncio.wait_for(client.stdout.readline(), 180)
                assert line.startswith(b"READY"), line
                print(f"[slo] {line.split()[1].decode()} watchers connected; load for {args.duration:g} s", flush=True)
                following = asyncio.create_task(_follow(client.stdout, st))
            before = await scrape(scrape_session, url)
            scraper = Scraper(scrape_session, url, args.interval, [before])
            stop = asyncio.Event()
            scraping = asyncio.create_task(scraper.run(stop))
            cpu0, t0, st.wall0 = time.process_time(), time.monotonic(), time.time()
            if args.load == "watch":
                await asyncio.gather(_writer(session, url, ns, args, st), _reader(session, url, ns, args, st))
                drained = time.monotonic()
                await _drain(st, st.writes * args.watchers, args.drain)
                st.drain_seconds = time.monotonic() - drained
                await asyncio.sleep(1.0)  # one more scrape and tick after the last frame
            else:
                await asyncio.sleep(args.duration)
            st.seconds = time.monotonic() - t0
            st.cpu_seconds = time.process_time() - cpu0
            stop.set()
            await scraping
            st.scrape_seconds = scraper.scrape_seconds
            after = await scrape(scrape_session, url)
            if client is not None and following is not None:
                assert client.stdin is not None
                client.stdin.write(b"STOP\n")
                await client.stdin.drain()
                await asyncio.wait_for(following, 60)
                await client.wait()
            if args.server and args.load == "watch":
                async with session.delete(f"{url}/api/v1/namespaces/{ns}") as r:
                    await r.read()
        return before, after, [*scraper.snapshots, after], st, t0
    finally:
        if server is not None:
            await stop_process(server)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


# --- report ---------------------------------------------------------------------------------------------------

_ORDER = {"watch": 0, "mutating": 1, "read one": 2, "read many": 3}


def _ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(delta: dict[SLIKey, Buckets]) -> list[dict[str, Any]]:
    rows = []
    for key, buckets in delta.items():
        slo = key.slo
        if slo is None and key.kind not in ("lag", "etcd"):
            continue
        cls, threshold = slo if slo else (f"({key.kind})", math.nan)
        rows.append({
            "sli": cls, "series": key.describe(), "count": count(buckets),
            "p50": quantile(0.5, buckets), "p99": quantile(0.99, buckets), "p99_bucket": bucket_of(0.99, buckets),
            "threshold": threshold,
            "within": within(buckets, threshold) if slo else math.nan,
        })  # fmt: skip
    rows.sort(key=lambda r: (_ORDER.get(r["sli"], 9), r["series"]))
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """One row per SLI series; p50/p99 are interpolated inside buckets, "p99 bucket" is their resolution."""
    print(f"{'SLI':<10} {'series':<40} {'count':>10} {'p50':>9} {'p99':>9} {'p99 bucket':>14} {'SLO p99':>8} "
          f"{'within':>8}")  # fmt: skip
    for r in rows:
        slo = "-" if math.isnan(r["threshold"]) else f"<= {r['threshold']:g} s"
        ok = "-" if math.isnan(r["within"]) else f"{r['within'] * 100:.2f}%"
        lo, hi = r["p99_bucket"]
        bucket = "-" if math.isnan(hi) else f"{lo * 1000:g}-{hi * 1000:g} ms" if hi < 10 else f"{lo:g}-{hi:g} s"
        print(f"{r['sli']:<10} {r['series']:<40} {r['count']:>10,.0f} {_ms(r['p50']):>9} {_ms(r['p99']):>9} "
              f"{bucket:>14} {slo:>8} {ok:>8}")  # fmt: skip


def timeline(snaps: list[Snapshot], t0: float) -> dict[str, list[float]]:
    """Per scrape interval: watch p50/p99 (all resources), mutating and cache lag p99, frames/s, server CPU %."""
    keys = ("t", "watch_p50", "watch_p99", "write_p99", "lag_p99", "frames", "cpu")
    out: dict[str, list[float]] = {k: [] for k in keys}
    for prev, cur in itertools.pairwise(snaps):
        dt = cur.t - prev.t
        if dt <= 0:
            continue
        delta = cur.minus(prev)
        watch: Buckets = {}
        write: Buckets = {}
        lag: Buckets = {}
        for key, buckets in delta.items():
            slo = key.slo
            target = watch if key.kind == "watch" else write if slo and slo[0] == "mutating" else None
            target = lag if key.kind == "lag" else target
            if target is not None:
                for le, c in buckets.items():
                    target[le] = target.get(le, 0.0) + c
        out["t"].append(cur.t - t0)
        out["watch_p50"].append(quantile(0.5, watch) * 1000)
        out["watch_p99"].append(quantile(0.99, watch) * 1000)
        out["write_p99"].append(quantile(0.99, write) * 1000)
        out["lag_p99"].append(quantile(0.99, lag) * 1000)
        out["frames"].append(count(watch) / dt)
        out["cpu"].append((cur.cpu_seconds - prev.cpu_seconds) / dt * 100)
    return out


def plot(series: dict[str, list[float]], ticks: list[dict[str, Any]], wall0: float, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, height_ratios=(3, 2))
    t = series["t"]
    seen = [tick for tick in ticks if tick["n"]]
    if seen:
        top.plot([tick["tick"] - wall0 for tick in seen], [tick["p99"] * 1000 for tick in seen], color="black",
                 linewidth=1.2, label="client view p99 (PATCH sent -> event read)")  # fmt: skip
    top.plot(t, series["lag_p99"], color="tab:gray", linestyle="-.", label="cache lag p99 (write -> cache)")
    top.plot(t, series["watch_p99"], color="tab:red", label="watch SLO p99 (received -> socket)")
    top.plot(t, series["watch_p50"], color="tab:orange", label="watch SLO p50")
    top.plot(t, series["write_p99"], color="tab:blue", linestyle="--", label="mutating request p99 (PATCH)")
    top.axhline(1000, color="black", linewidth=0.8, linestyle=":", label="SLO: p99 < 1 s")
    top.set_yscale("log")
    top.set_ylabel("latency per 1 s window (ms)")
    top.legend(loc="upper left", fontsize=7, ncol=2)
    top.grid(True, which="both", alpha=0.3)
    top.set_title(title, fontsize=9)
    bottom.plot(t, series["frames"], color="tab:green", label="frames handed to sockets / s")
    bottom.set_ylabel("frames / s")
    bottom.set_xlabel("seconds since the load started")
    bottom.grid(True, alpha=0.3)
    cpu = bottom.twinx()
    cpu.plot(t, series["cpu"], color="tab:purple", linewidth=0.9, label="aiokube CPU %")
    cpu.set_ylabel("aiokube CPU %")
    cpu.set_ylim(0, max(110.0, *series["cpu"]) if series["cpu"] else 110.0)
    lines = bottom.get_lines() + cpu.get_lines()
    bottom.legend(lines, [line.get_label() for line in lines], loc="lower right", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _sum_kind(delta: dict[SLIKey, Buckets], kind: str) -> Buckets:
    out: Buckets = {}
    for key, buckets in delta.items():
        if key.kind == kind:
            for le, c in buckets.items():
                out[le] = out.get(le, 0.0) + c
    return out


def report(args: argparse.Namespace, before: Snapshot, after: Snapshot, snaps: list[Snapshot], st: LoadStats,
           t0: float) -> dict[str, Any]:  # fmt: skip
    """Print the SLI table and the run's context, write the figure and a JSON summary; return the summary."""
    delta = after.minus(before)
    rows = table(delta)
    print_table(rows)
    wall = after.t - before.t
    watch_all = _sum_kind(delta, "watch")
    series = timeline(snaps, t0)
    worst = max((v for v in series["watch_p99"] if not math.isnan(v)), default=math.nan)
    summary: dict[str, Any] = {
        "load": args.load, "watchers": args.watchers, "rate": args.rate, "writers": args.writers,
        "object_bytes": args.object_bytes, "duration": args.duration,
        "cpus": os.cpu_count(), "seconds": wall,
        "watch_p50_ms": quantile(0.5, watch_all) * 1000, "watch_p99_ms": quantile(0.99, watch_all) * 1000,
        "watch_frames": count(watch_all), "watch_within_1s": within(watch_all, 1.0),
        "worst_1s_window_watch_p99_ms": worst,
        "server_cpu_percent": (after.cpu_seconds - before.cpu_seconds) / wall * 100 if wall > 0 else math.nan,
        "terminated_watchers": after.terminated_watchers - before.terminated_watchers,
        "metrics_page_bytes": after.page_bytes,
        "slis": rows,
    }  # fmt: skip
    summary["scrape_ms_p50"] = (_percentile(sorted(st.scrape_seconds), 0.5) or math.nan) * 1000
    print(f"server CPU {summary['server_cpu_percent']:.0f}% of one core over {wall:.1f} s; terminated watchers "
          f"{summary['terminated_watchers']:.0f}; /metrics {after.page_bytes:,} bytes, scrape + parse p50 "
          f"{summary['scrape_ms_p50']:.0f} ms")  # fmt: skip
    if args.load == "watch":
        c = st.client
        lat = sorted(st.write_latencies)
        expected = st.writes * args.watchers
        summary.update({
            "writes": st.writes, "write_errors": st.write_errors, "reads": st.reads, "read_errors": st.read_errors,
            "achieved_rate": st.writes / st.write_seconds if st.write_seconds else math.nan,
            "client_patch_p99_ms": (_percentile(lat, 0.99) or math.nan) * 1000,
            "expected_frames": expected, "undelivered_frames": expected - c.get("events", 0),
            "drain_seconds": st.drain_seconds,
            "bench_cpu_percent": st.cpu_seconds / st.seconds * 100 if st.seconds else math.nan,
            "watch_client_cpu_percent": c.get("cpu_seconds", 0) / st.seconds * 100 if st.seconds else math.nan,
            "client": c,
            "client_ticks": [{**tick, "t": tick["tick"] - st.wall0} for tick in st.ticks],
        })  # fmt: skip
        print(f"writes {st.writes:,} in {st.write_seconds:.1f} s ({summary['achieved_rate']:.1f}/s, "
              f"{st.write_errors} errors; PATCH round trip p99 {_ms(summary['client_patch_p99_ms'] / 1000)}), "
              f"reads {st.reads:,} ({st.read_errors} errors)")  # fmt: skip
        print(f"watchers: {c.get('events', 0):,} of {expected:,} frames read ({summary['undelivered_frames']:,} "
              f"still undelivered after {st.drain_seconds:.1f} s of drain), {c.get('closed_early', 0)} watches "
              f"closed early; CPU: watch client {summary['watch_client_cpu_percent']:.0f}%, load generator "
              f"{summary['bench_cpu_percent']:.0f}%")  # fmt: skip
        print(f"client view (PATCH sent -> event read by one of {args.probes} probe watchers): "
              f"p50 {_ms(c.get('probe_p50'))}, p99 {_ms(c.get('probe_p99'))}, max {_ms(c.get('probe_max'))} "
              f"over {c.get('probe_events', 0):,} events")  # fmt: skip
    if args.out:
        out = Path(args.out)
        what = _load_label(args, ", ")
        title = (f"aiokube, {what}, {os.cpu_count()} CPUs: watch SLO p50 {_ms(summary['watch_p50_ms'] / 1000)}, "
                 f"p99 {_ms(summary['watch_p99_ms'] / 1000)} over {wall:.0f} s")  # fmt: skip
        if args.load == "watch":
            title += f"; client view p99 {_ms(st.client.get('probe_p99'))}"
        plot(series, st.ticks, st.wall0, title, out)
        out.with_suffix(".json").write_text(json.dumps(_finite(summary), indent=1) + "\n")
        print(f"figure: {out} ({out.stat().st_size // 1024} KB), summary: {out.with_suffix('.json')}")
    what = _load_label(args, " x ")
    print(f"[slo] watch SLO, {what}: "
          f"p50={_ms(summary['watch_p50_ms'] / 1000)} p99={_ms(summary['watch_p99_ms'] / 1000)} "
          f"(worst 1 s window p99 {_ms(worst / 1000)}; SLO p99 < 1 s)", flush=True)  # fmt: skip
    return summary


def _load_label(args: argparse.Namespace, sep: str) -> str:
    if args.load != "watch":
        return "observed"
    load = f"{args.writers} unthrottled writers" if args.writers else f"{args.rate:g} events/s"
    return f"{args.watchers:,} watchers{sep}{load}"


def _finite(value: Any) -> Any:
    """JSON without NaN: None instead."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.slo_report", description=__doc__.split("\n\n")[0])
    p.add_argument("--server", help="attach to this aiokube (URL) instead of starting one")
    p.add_argument("--load", choices=["watch", "none"], default="watch", help="watch fan-out load, or only observe")
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--probes", type=int, default=10, help="watchers (of --watchers) that parse events")
    p.add_argument("--load-nice", type=int, default=0,
                   help="nice increment for this process (the writers) and the watch client, once the server "
                        "runs: on a machine whose cores the load shares with the server and etcd, it then "
                        "cannot starve them (this process stays niced)")
    p.add_argument("--rate", type=float, default=100.0, help="PATCHes (watch events) per second")
    p.add_argument("--writers", type=int, default=0,
                   help="N > 0: N writers PATCH unthrottled (each as soon as its last one was answered), not --rate")
    p.add_argument("--object-bytes", type=int, default=0, help="bytes of padding in each configmap's data")
    p.add_argument("--duration", type=float, default=40.0, help="seconds of load (or of observing)")
    p.add_argument("--objects", type=int, default=100, help="configmaps the writer cycles through")
    p.add_argument("--reads", type=float, default=10.0, help="GETs per second (one in every N is a LIST)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between scrapes during the run")
    p.add_argument("--drain", type=float, default=30.0, help="seconds to wait at most for watchers to catch up")
    p.add_argument("--out", help="PNG path (default bench/out/slo_watch_<W>w_<R>eps.png; '' for none; the README's "
                   f"figure is {RESULTS.relative_to(ROOT)}/slo_watch_1000w_100eps.png)")
    return p


def output_path(args: argparse.Namespace) -> str:
    """``--out``, or a file under bench/out/: a run replaces the committed figure only when asked to."""
    if args.out is not None:
        return str(args.out)
    name = f"slo_watch_{args.watchers}w_{args.rate:g}eps.png" if args.load == "watch" else "slo_observed.png"
    return str(OUT / name)


def main(argv: list[str] | None = None) -> None:
    """``python -m bench`` calls this without arguments: the default load."""
    args = build_parser().parse_args(argv or [])
    args.out = output_path(args)
    use_uvloop()
    report(args, *asyncio.run(run(args)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--watch-client":
        _, _, url, path, rv, n, probes = sys.argv
        asyncio.run(watch_client(url, path, rv, int(n), int(probes)))
    else:
        main(sys.argv[1:])
