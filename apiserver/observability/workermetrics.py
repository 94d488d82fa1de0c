"""``/metrics`` of ``aiokube serve --workers N``: one page for the whole server, summed over the workers.

Why aggregation and not a port per worker: the workers share their ports (SO_REUSEPORT), so a scrape lands on
whichever worker the kernel picks; a per-worker page there would make every counter jump between workers and
look like resets to Prometheus. One target per machine (or pod) also keeps the scrape configs, the
ServiceMonitor and the SLO rules the same as for kube, where one kube-apiserver is one target.

Why not prometheus-client's multiprocess mode: it costs ~1 µs more per ``inc`` and ~1.7 µs more per
``observe`` (an mmap write under a lock, measured with prometheus-client 0.26), on every request, and it does
not see the collectors that read plain integers at scrape time (the watch cache, the per-frame watch
histograms). Here nothing is added to the request path: the cost is paid per scrape.

How: the parent (``workers.py``) runs an :class:`Aggregator` on a Unix socket in a private directory (0700);
each worker answers its own registry, serialized, on its own socket there. The worker that receives
``/metrics`` asks the parent, which asks every worker at once and merges: counters, histograms and summaries
are summed; gauges are summed unless :data:`GAUGE_RULES` says otherwise (objects in the watch cache are the
same in every worker, so those are a max; a start time is a min). So that a restarted worker does not make
the sums fall (a drop is a counter reset to Prometheus, and ``rate()`` would count the surviving workers'
totals again), the parent keeps each worker's last answer: the counters of a worker that does not answer are
kept at their last values, and those of a worker that came back under a new pid are carried into the sums
for good. Increments between a crashed worker's last scrape and its death are lost, as they are in kube.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample

from aiokube.apiserver.observability import page

log = logging.getLogger(__name__)

PARENT_SOCKET = "metrics.sock"
#: how long the parent waits for one worker's page (a worker busy for longer is left out of that scrape)
WORKER_TIMEOUT = 10.0
#: counting families: summed, and carried over a worker's restart
COUNTING = frozenset(("counter", "histogram", "summary"))
#: gauges that are not a sum over workers
GAUGE_RULES: dict[str, str] = {
    "process_start_time_seconds": "min",
    "process_max_fds": "max",
    "python_info": "max",
    # every worker watches the same etcd: the same objects, revisions and database
    "apiserver_storage_objects": "max",
    "apiserver_resource_objects": "max",
    "apiserver_watch_cache_resource_version": "max",
    "apiserver_storage_size_bytes": "max",
}
WORKERS_METRIC = "aiokube_metrics_workers"

#: (sample name, sorted label pairs)
SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def worker_socket(index: int | str) -> str:
    return f"worker-{index}.sock"


# --- one worker's registry, serialized -----------------------------------------------------------------------


def _value(v: float) -> float | str:
    return v if math.isfinite(v) else repr(v)  # JSON has no inf/nan


def _serialized(registry: Any) -> bytes:
    families = [
        [m.name, m.type, m.documentation, m.unit, [[s.name, s.labels, _value(s.value)] for s in m.samples]]
        for m in registry.collect()
    ]
    return orjson.dumps({"pid": os.getpid(), "families": families})


async def snapshot() -> bytes:
    """This process's registry: ``{"pid", "families": [[name, type, help, unit, [[sample, labels, value]…]]…]}``
    (collected and serialized off the loop, as the page is)."""
    return await page.render(_serialized)


async def _answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: Callable[[], Awaitable[bytes]]
) -> None:
    try:
        await reader.readline()
        writer.write(await body())
        await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve_worker(sock_dir: str, index: str) -> asyncio.AbstractServer:
    """A worker's socket: answers :func:`snapshot` to the parent."""
    path = Path(sock_dir) / worker_socket(index)
    path.unlink(missing_ok=True)  # the previous incarnation's
    return await asyncio.start_unix_server(lambda r, w: _answer(r, w, snapshot), path=str(path))


async def _ask(path: Path, timeout: float) -> bytes:
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(str(path))
        try:
            writer.write(b"metrics\n")
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()


# --- the parent: merge -------------------------------------------------------------------------------------


@dataclass
class _Family:
    name: str
    type: str
    documentation: str
    unit: str
    #: (sample name, label pairs in the order the collector wrote them: the same code in every worker) →
    #: [sample name, labels, value]
    samples: dict[SampleKey, list[Any]] = field(default_factory=dict)


class Merge:
    """Families in first-seen order, each sample combined by its family's rule."""

    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}

    def add(self, families: list[list[Any]]) -> None:
        for name, typ, doc, unit, samples in families:
            family = self.families.get(name)
            if family is None:
                family = self.families[name] = _Family(name, typ, doc, unit)
            rule = "sum" if typ in COUNTING else GAUGE_RULES.get(name, "sum")
            into = family.samples
            for sample in samples:
                s, labels, value = sample
                if value.__class__ is str:
                    value = float(value)
                key = (s, tuple(labels.items()))
                have = into.get(key)
                if have is None:
                    into[key] = [s, labels, value]
                elif rule == "sum":
                    have[2] += value
                elif rule == "max":
                    have[2] = max(have[2], value)
                else:
                    have[2] = min(have[2], value)

    def encoded(self) -> list[list[Any]]:
        return [
            [f.name, f.type, f.documentation, f.unit, [[s, labels, _value(v)] for s, labels, v in f.samples.values()]]
            for f in self.families.values()
        ]


class Aggregator:
    """The parent's side (see the module docstring): answers merged families on ``<sock_dir>/metrics.sock``."""

    def __init__(self, sock_dir: str, workers: int) -> None:
        self.sock_dir = Path(sock_dir)
        self.workers = workers
        #: worker index → (pid, counting families) of its last answer
        self.last: dict[int, tuple[int, list[list[Any]]]] = {}
        #: counting families of workers' earlier incarnations
        self.carried = Merge()
        self._server: asyncio.AbstractServer | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(
            lambda r, w: _answer(r, w, self.merged), path=str(self.sock_dir / PARENT_SOCKET)
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _one(self, index: int) -> dict[str, Any] | None:
        try:
            return orjson.loads(await _ask(self.sock_dir / worker_socket(index), WORKER_TIMEOUT))
        except (OSError, TimeoutError, orjson.JSONDecodeError) as exc:
            log.info("metrics of worker %d unavailable: %s", index, exc)
            return None

    async def merged(self) -> bytes:
        """Every worker's families merged, the carried counters added, as :func:`snapshot`'s JSON."""
        async with self._lock:  # one merge at a time: the carry must see each answer in order
            answers = await asyncio.gather(*(self._one(i) for i in range(self.workers)))
            merge = Merge()
            answered = 0
            for index, answer in enumerate(answers):
                if answer is not None and answer.get("families"):
                    answered += 1
                    previous = self.last.get(index)
                    if previous is not None and previous[0] != answer["pid"]:
                        self.carried.add(previous[1])  # a new incarnation: the old one's counts stay counted
                    counting = [f for f in answer["families"] if f[1] in COUNTING]
                    self.last[index] = (answer["pid"], counting)
                    merge.add(answer["families"])
                elif index in self.last:
                    merge.add(self.last[index][1])  # down or busy: its counters stay at their last values
            merge.add(self.carried.encoded())
            families = merge.encoded()
            families.append([
                WORKERS_METRIC, "gauge",
                "[ALPHA] aiokube: workers of this server by whether their metrics are on this page (those "
                "that did not answer keep their counters at their last values).", "",
                [[WORKERS_METRIC, {"answered": "true"}, answered],
                 [WORKERS_METRIC, {"answered": "false"}, self.workers - answered]],
            ])  # fmt: skip
            return orjson.dumps({"families": families, "answered": answered, "workers": self.workers})


# --- the worker's /metrics -----------------------------------------------------------------------------------


class _Families:
    """A registry-like object for prometheus-client's encoders."""

    def __init__(self, families: list[list[Any]]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        for name, typ, doc, unit, samples in self.families:
            metric = Metric(name, doc, typ, unit)
            metric.samples = [Sample(s, labels, float(v)) for s, labels, v in samples]
            yield metric


async def serve(request: web.Request, sock_dir: str) -> web.Response:
    """The merged page from the parent; this worker's own page (header ``X-Aiokube-Metrics: local``) if the
    parent cannot be asked."""
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    try:
        answer = orjson.loads(await _ask(Path(sock_dir) / PARENT_SOCKET, WORKER_TIMEOUT + 5))
        body = await page.render(encoder, _Families(answer["families"]))
        scope = f"{answer['answered']}/{answer['workers']} workers"
    except (OSError, TimeoutError, orjson.JSONDecodeError, KeyError) as exc:
        log.warning("metrics: the parent did not answer (%s); serving this worker's only", exc)
        body, scope = await page.render(encoder), "local"
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = content_type
    resp.headers["X-Aiokube-Metrics"] = scope
    return resp


def remove_socket(sock_dir: str, index: str) -> None:
    with contextlib.suppress(OSError):
        (Path(sock_dir) / worker_socket(index)).unlink()
