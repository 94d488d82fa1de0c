"""Five of the write path's optimizations, each on and off in one process: process CPU per operation of the
function the optimization changed (best of several rounds: the machine is shared).

1. ``reads_only`` (371e407): a PUT's update function gets the watch cache's object itself; off: the private copy
   it got before, a decode of the stored bytes. Measured alone (the copy against handing the reference over) and
   as ``Store.guaranteed_update`` of a PUT (a cached object, an etcd client that answers at once; off is
   ``reads_only=False``, the old code path the server still takes for updates that change what they get).
2. ``Store.pending_writes`` (bde65a3): a write's event that reaches the watch cache before the write's response
   is taken by its bytes (a compare and a shallow copy); off: ``take_written`` missing and the event's value
   decoded, as ``Cacher._entry`` did before.
3. ``go_escape`` (371e407): a one-byte search for U+2028/U+2029's first byte (0xE2) before the three-byte
   searches; off: the three-byte searches always. 1 KB, 100 KB and 1 MB of JSON: ASCII only, with other
   characters starting with 0xE2 (’ — €: the pre-search finds one, so both searches still run), with U+2028.
4. Lock-free metric families (21d8281, storage/fastmetrics.py): a pod create's metric updates as the server makes
   them (children bound once; a request count, request and SLI latencies, the body size, the etcd request's
   count and latency); off: prometheus-client's Counter and Histogram children with the same labels and buckets.
5. A ConfigMap's keys checked in one regex pass (c748e6b); off: ``validate_config_map`` before it, each key on
   its own. 20 keys (1 KB), 1,000 keys (100 KB), 5,000 keys (0.9 MB, as bench/big_object's ConfigMap).

The "off" code is the replaced code, reproduced here as it was (or, where the server kept it, called). Writes
``bench/out/optimizations.json`` and ``.png`` (``--out bench/results/optimizations`` for the committed figure).
Usage: ``python -m bench.optimizations [--rounds N] [--budget S] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from aiokube.apiserver.errors import ROOT_PATH, FieldErrors
from aiokube.apiserver.observability import metrics
from aiokube.apiserver.registry.validation import core
from aiokube.apiserver.registry.validation import fields as f
from aiokube.encoding import jsonenc
from aiokube.storage import metrics as storage_metrics
from aiokube.storage.fastmetrics import FastCounter, FastHistogram
from aiokube.storage.store import Store, decode_from_storage, encode_for_storage

from .common import OUT, pod, report, write_results
from .fanout_cache import endpoints

Obj = dict[str, Any]
#: (item, row) -> (on, off) CPU ms per operation
Rows = dict[str, tuple[float, float]]

ROUNDS = 7
#: item 1's copy alone (ms per PUT), reported beside the on/off figures
COPY_ALONE_MS: dict[str, float] = {}
BUDGET = 0.2  # seconds of CPU per round and side


def per_op(fn: Callable[[], Any], rounds: int, budget: float) -> float:
    """Process CPU (ms) per call of ``fn``, best of ``rounds`` rounds of ~``budget`` s (calls in batches, so the
    clock is read rarely)."""
    c0 = time.process_time()
    fn()
    once = max(time.process_time() - c0, 1e-7)
    batch = max(1, min(1000, int(budget / once / 50)))
    best = float("inf")
    for _ in range(rounds):
        n, c0 = 0, time.process_time()
        while (spent := time.process_time() - c0) < budget:
            for _ in range(batch):
                fn()
            n += batch
        best = min(best, spent / n)
    return best * 1000


def _configmap(keys: int, size: int) -> Obj:
    value = "v" * max(size // keys - 12, 1)
    data = {f"key-{k:05d}": value for k in range(keys)}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default", "resourceVersion": "41"}, "data": data}  # fmt: skip


def _objects() -> dict[str, Obj]:
    """The three objects of items 1 and 2, as the watch cache holds them (with their resourceVersion)."""
    big_endpoints = endpoints("big", 1)
    big_endpoints["metadata"]["resourceVersion"] = "41"
    small_pod = pod("default", "p-1")
    small_pod["metadata"]["resourceVersion"] = "41"
    return {"2 KB pod": small_pod, "0.9 MB ConfigMap": _configmap(5000, 900_000),
            "0.75 MB Endpoints (5,000 addresses)": big_endpoints}  # fmt: skip


# --- 1. reads_only --------------------------------------------------------------------------------------------


class _InstantEtcd:
    """An etcd client whose transactions succeed at once (guaranteed_update's own CPU, no gRPC)."""

    revision = 100

    async def txn(self, compare: Any, success: Any, failure: Any = (), key: str = "") -> Any:
        self.revision += 1
        return SimpleNamespace(succeeded=True, header=SimpleNamespace(revision=self.revision))


def reads_only(rounds: int, budget: float) -> Rows:
    out: Rows = {}
    loop = asyncio.new_event_loop()
    store = Store(_InstantEtcd())  # type: ignore[arg-type]
    batch = 20
    for name, cached in _objects().items():
        data = encode_for_storage(cached)
        # the copy alone, as guaranteed_update took it before 371e407 (on hands over the reference: no work, so
        # no ratio; the figure is what each PUT saved before the rest of guaranteed_update)
        copy = per_op(lambda data=data: decode_from_storage(data, 41, "/registry/x/default/c"), rounds, budget)
        COPY_ALONE_MS[name] = copy
        print(
            f"[optimizations] reads_only: the copy alone (decode_from_storage), {name}: {copy * 1000:,.1f} us",
            flush=True,
        )
        key = f"/registry/{cached['kind'].lower()}s/default/{cached['metadata']['name']}"
        meta = {k: v for k, v in cached["metadata"].items() if k != "resourceVersion"}

        def put(current: Obj | None, cached: Obj = cached, meta: Obj = meta) -> Obj:
            # a PUT's new object: the request's body (here the cached object with one annotation more), which
            # does not look at what it is given
            return {**cached, "metadata": {**meta, "annotations": {"changed": "yes"}}}

        def updates(flag: bool, cached: Obj = cached, key: str = key, put: Any = put) -> None:
            async def many() -> None:
                for _ in range(batch):
                    await store.guaranteed_update(key, put, cached=cached, reads_only=flag)

            loop.run_until_complete(many())

        on = per_op(lambda updates=updates: updates(True), rounds, budget) / batch
        off = per_op(lambda updates=updates: updates(False), rounds, budget) / batch
        out[name] = (on, off)
    loop.close()
    return out


# --- 2. Store.pending_writes ----------------------------------------------------------------------------------


def pending_writes(rounds: int, budget: float) -> Rows:
    out: Rows = {}
    store = Store(None)  # type: ignore[arg-type]  # take_written touches no client
    for name, obj in _objects().items():
        key = f"/registry/x/default/{obj['metadata']['name']}"
        written = {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}}
        data = encode_for_storage(written)
        value = bytes(bytearray(data))  # the event's value from the watch stream: equal bytes, another object

        def on(key: str = key, data: bytes = data, written: Obj = written, value: bytes = value) -> Obj:
            store.pending_writes[key] = (data, written)  # the writer's _pending, before its txn
            return store.take_written(key, 42, value) or decode_from_storage(value, 42, key)  # Cacher._entry

        def off(key: str = key, value: bytes = value) -> Obj:
            # Cacher._entry before bde65a3: take_written(key, revision) missed, the value was decoded
            return store.take_written(key, 42) or decode_from_storage(value, 42, key)

        assert on() == off()
        out[name] = (per_op(on, rounds, budget), per_op(off, rounds, budget))
    return out


# --- 3. go_escape ---------------------------------------------------------------------------------------------

# encoding/jsonenc.py before 371e407
_GO_ESCAPES_BEFORE = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
                      ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))  # fmt: skip


def go_escape_before(data: bytes) -> bytes:
    for raw, escaped in _GO_ESCAPES_BEFORE:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


_TEXT = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. "


def _json_text(size: int, extra: str) -> bytes:
    """A ConfigMap's JSON of about ``size`` bytes of prose, with ``extra`` once per ~200 bytes of it."""
    chunk = _TEXT * 2 + extra if extra else _TEXT * 2
    values = (chunk * (size // len(chunk.encode()) + 1))[: max(size - 120, 16)]
    lines = {f"part-{i:03d}": values[i::8] for i in range(8)}
    return orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": lines})


def go_escape(rounds: int, budget: float) -> Rows:
    out: Rows = {}
    contents = (("ASCII", ""), ("’ — €", "’—€"), ("U+2028/9", "\u2028\u2029"))
    for label, size in (("1 KB", 1000), ("100 KB", 100_000), ("1 MB", 1_000_000)):
        for what, extra in contents:
            data = _json_text(size, extra)
            assert jsonenc.go_escape(data) == go_escape_before(data)
            out[f"{label}, {what}"] = (per_op(lambda d=data: jsonenc.go_escape(d), rounds, budget),
                                       per_op(lambda d=data: go_escape_before(d), rounds, budget))  # fmt: skip
    return out


# --- 4. metric families ---------------------------------------------------------------------------------------


def metric_families(rounds: int, budget: float) -> Rows:
    """A pod create's metric updates: metrics.request_finished (count, latency, SLI latency), record_body_size
    and storage.metrics.timed (etcd count and latency), with the children bound once as the server's caches
    (_TOTALS, _CHILDREN, _BODY_SIZE_CHILDREN) do; the families' buckets are the server's."""
    request = ("POST", "", "", "v1", "pods", "", "resource", "apiserver")
    sli = (request[0], *request[2:])
    etcd = ("create", "", "pods")
    buckets = {
        "duration": metrics.REQUEST_DURATION.buckets,
        "sli": metrics.REQUEST_SLI.buckets,
        "body": metrics.REQUEST_BODY_SIZES.buckets,
        "etcd": storage_metrics.REQUEST_DURATION.buckets,
    }

    # on: the lock-free families (FastCounter registers itself; the names are this benchmark's own)
    fast = SimpleNamespace(
        total=FastCounter("bench_opt_requests_total", "", ["v"] * 10).labels(*request, "201", ""),
        duration=FastHistogram("d", "", ["v"] * 8, buckets["duration"], register=False).labels(*request),
        sli=FastHistogram("s", "", ["v"] * 7, buckets["sli"], register=False).labels(*sli),
        body=FastHistogram("b", "", ["v"] * 3, buckets["body"], register=False).labels("", "pods", "create"),
        etcd_count=FastCounter("bench_opt_etcd_total", "", ["v"] * 3).labels(*etcd),
        etcd_duration=FastHistogram("e", "", ["v"] * 3, buckets["etcd"], register=False).labels(*etcd),
    )
    # off: prometheus-client's families as before 21d8281 (KubeHistogram differed from Histogram only in how
    # it wrote ``le`` at scrape time)
    registry = CollectorRegistry()
    names = [f"l{i}" for i in range(10)]
    client = SimpleNamespace(
        total=Counter("r", "", names, registry=registry).labels(*request, "201", ""),
        duration=Histogram("d", "", names[:8], buckets=buckets["duration"], registry=registry).labels(*request),
        sli=Histogram("s", "", names[:7], buckets=buckets["sli"], registry=registry).labels(*sli),
        body=Histogram("b", "", names[:3], buckets=buckets["body"], registry=registry).labels("", "pods", "create"),
        etcd_count=Counter("ec", "", names[:3], registry=registry).labels(*etcd),
        etcd_duration=Histogram("e", "", names[:3], buckets=buckets["etcd"], registry=registry).labels(*etcd),
    )

    def fast_request(m: Any, elapsed: float, body: int, etcd_elapsed: float) -> None:
        m.total[0] += 1
        m.duration.observe(elapsed)
        m.sli.observe(elapsed)
        m.body.observe(body)
        m.etcd_count[0] += 1
        m.etcd_duration.observe(etcd_elapsed)

    def client_request(m: Any, elapsed: float, body: int, etcd_elapsed: float) -> None:
        m.total.inc()
        m.duration.observe(elapsed)
        m.sli.observe(elapsed)
        m.body.observe(body)
        m.etcd_count.inc()
        m.etcd_duration.observe(etcd_elapsed)

    out: Rows = {}
    for label, elapsed, etcd_elapsed in (("4 ms request", 0.004, 0.002), ("1.3 s request", 1.3, 1.1)):
        out[label] = (
            per_op(lambda e=elapsed, ee=etcd_elapsed: fast_request(fast, e, 2400, ee), rounds, budget),
            per_op(lambda e=elapsed, ee=etcd_elapsed: client_request(client, e, 2400, ee), rounds, budget),
        )
    return out


# --- 5. ConfigMap keys ----------------------------------------------------------------------------------------


def validate_config_map_before(obj: Obj, errs: FieldErrors) -> None:
    """validate_config_map before c748e6b, for a create (``old`` None: its _immutable_data returned at once)."""
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for key, value in data.items():
        for msg in f.config_map_key_errors(key):
            errs.invalid(f"data[{key}]", key, msg)
        if key in binary:
            errs.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
        total += len(str(value).encode())
    for key in binary:  # _data_keys before c748e6b
        for msg in f.config_map_key_errors(key):
            errs.invalid(f"binaryData[{key}]", key, msg)
    total += sum(len(str(v).rstrip("=")) * 3 // 4 for v in binary.values())
    if total > core.MAX_SECRET_SIZE:
        errs.too_long(ROOT_PATH, core.MAX_SECRET_SIZE)


def configmap_keys(rounds: int, budget: float) -> Rows:
    out: Rows = {}
    for keys, size, label in ((20, 1000, "1 KB"), (1000, 100_000, "100 KB"), (5000, 900_000, "0.9 MB")):
        obj = _configmap(keys, size)
        on_errs, off_errs = FieldErrors(), FieldErrors()
        core.validate_config_map(obj, None, on_errs)
        validate_config_map_before(obj, off_errs)
        assert not on_errs and not off_errs
        out[f"{keys:,} keys ({label})"] = (
            per_op(lambda obj=obj: core.validate_config_map(obj, None, FieldErrors()), rounds, budget),
            per_op(lambda obj=obj: validate_config_map_before(obj, FieldErrors()), rounds, budget),
        )
    return out


#: item -> (what is measured, the function measuring it)
ITEMS: dict[str, tuple[str, Callable[[int, float], Rows]]] = {
    "1. reads_only": ("Store.guaranteed_update of a PUT", reads_only),
    "2. pending_writes": ("the watch cache takes a write in flight", pending_writes),
    "3. go_escape": ("Go escaping of a ConfigMap's JSON", go_escape),
    "4. lock-free metrics": ("a pod create's 6 metric updates", metric_families),
    "5. ConfigMap keys": ("validate_config_map", configmap_keys),
}


def plot(results: dict[str, Any], path: Path) -> None:
    """One panel per optimization: CPU per operation off beside on (log scale), each pair labelled off/on."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = list(ITEMS)
    fig, axes = plt.subplots(1, len(items), figsize=(17, 6), gridspec_kw={"width_ratios": [3, 3, 9, 2, 3]})
    for ax, item in zip(axes, items, strict=True):
        names = [n for n, v in results["on"].items() if v["item"] == item]
        on = [results["on"][n]["cpu_ms"] * 1000 for n in names]
        off = [results["off"][n]["cpu_ms"] * 1000 for n in names]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], off, width=0.4, label="off (replaced code)", color="tab:gray")
        ax.bar([x + 0.2 for x in xs], on, width=0.4, label="on", color="tab:blue")
        for x, a, b in zip(xs, on, off, strict=True):
            ax.text(x, max(a, b) * 1.15, f"{b / a:.3g}x", ha="center", va="bottom", fontsize=6)
        ax.set_xticks(list(xs), [n.split(": ", 1)[1] for n in names], rotation=40, ha="right", fontsize=7)
        ax.set_yscale("log")
        ax.set_ylim(min(on + off) / 2, max(on + off) * 5)
        ax.set_title(f"{item}\n{ITEMS[item][0]}", fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("CPU per operation of the function (µs, log)")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"write-path optimizations on and off in one process ({results['machine']}, {results['date']}, "
                 f"best of {results['rounds']} rounds)", fontsize=9)  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.optimizations", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per figure, the best kept (default %(default)s)")
    p.add_argument("--budget", type=float, default=BUDGET, help="CPU seconds per round (default %(default)s)")
    p.add_argument("--out", default=str(OUT / "optimizations"), help="results path without suffix ('' for none)")
    args = p.parse_args(argv)
    on: dict[str, dict[str, Any]] = {}
    off: dict[str, dict[str, Any]] = {}
    for item, (what, measure) in ITEMS.items():
        for row, (a, b) in measure(args.rounds, args.budget).items():
            name = f"{item.split('. ')[1]}: {row}"
            report(f"[optimizations] {item.split('. ')[1]}: {what}, {row}, CPU per operation", a * 1000, b * 1000, "us")
            on[name], off[name] = {"cpu_ms": a, "item": item}, {"cpu_ms": b, "item": item}
    if args.out:
        results = {"on": on, "off": off, "rounds": args.rounds, "budget_s": args.budget,
                   "unit": "cpu_ms: process CPU per operation of the function measured, best of the rounds",
                   "reads_only_copy_alone_ms": COPY_ALONE_MS}  # fmt: skip
        write_results("optimizations", Path(args.out), results, "HEAD", plot, switch="the replaced code reproduced")


if __name__ == "__main__":
    main()
