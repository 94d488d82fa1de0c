"""Five of the write path's optimizations, each on and off in one process: process CPU per operation of the
function the optimization changed, for the object sizes a server meets (best of five rounds of ~0.3 s each).

1. ``reads_only``: a PUT's update function gets the watch cache's object itself; off: the private copy it got
   before (371e407), decoded from the stored bytes.
2. ``pending_writes``: the watch cache takes a write in flight by its bytes (a compare); off: decoding the
   event's value (bde65a3).
3. ``go_escape``: a one-byte search for U+2028/U+2029's first byte before the three-byte searches; off: the
   three-byte searches always (371e407).
4. lock-free metric families (storage/fastmetrics.py): one request's count and two latency observations; off:
   prometheus-client's Counter and Histogram children with the same labels and buckets (21d8281).
5. a ConfigMap's keys checked in one regex pass; off: each key on its own (c748e6b).

The "off" code is the replaced code, reproduced here as it was. Writes ``bench/results/optimizations.json`` and
``.png``. Usage: ``python -m bench.optimizations [--out PATH]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.observability import metrics
from aiokube.apiserver.registry.validation import core
from aiokube.apiserver.registry.validation import fields as f
from aiokube.encoding import jsonenc
from aiokube.storage.fastmetrics import FastCounter, FastHistogram
from aiokube.storage.store import decode_from_storage, encode_for_storage

from .common import OUT, plot_cpu_on_off, pod, report, write_results
from .fanout_cache import endpoints

Obj = dict[str, Any]


def _per_op(fn: Callable[[], Any], rounds: int = 5, budget: float = 0.3) -> float:
    """Process CPU (ms) per call, best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        n, c0 = 0, time.process_time()
        while time.process_time() - c0 < budget:
            fn()
            n += 1
        best = min(best, (time.process_time() - c0) / n)
    return best * 1000


def _configmap(keys: int, size: int) -> Obj:
    value = "v" * max(size // keys - 12, 1)
    data = {f"key-{k:05d}": value for k in range(keys)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, "data": data}


def _objects() -> dict[str, Obj]:
    return {"2 KB pod": pod("default", "p-1"), "0.9 MB ConfigMap": _configmap(5000, 900_000),
            "0.75 MB Endpoints": endpoints("big", 1)}  # fmt: skip


def reads_only() -> dict[str, tuple[float, float]]:
    out = {}
    for name, obj in _objects().items():
        data = encode_for_storage(obj)
        on = _per_op(lambda obj=obj: obj)  # the cached object itself
        off = _per_op(lambda data=data: decode_from_storage(data, 42))
        out[f"update's current object, {name}"] = (on, off)
    return out


def pending_writes() -> dict[str, tuple[float, float]]:
    out = {}
    for name, obj in _objects().items():
        data = encode_for_storage(obj)
        event_value = bytes(bytearray(data))  # the event's bytes: equal, not the same object
        on = _per_op(lambda data=data, value=event_value: data == value)  # take_written's check
        off = _per_op(lambda value=event_value: decode_from_storage(value, 42))
        out[f"cache takes the write, {name}"] = (on, off)
    return out


_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
            ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))  # fmt: skip


def _go_escape_before(data: bytes) -> bytes:
    for raw, escaped in _ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def go_escape() -> dict[str, tuple[float, float]]:
    out = {}
    for name, obj in _objects().items():
        data = orjson.dumps(obj)
        assert jsonenc.go_escape(data) == _go_escape_before(data)
        out[f"Go escaping, {name}"] = (_per_op(lambda d=data: jsonenc.go_escape(d)),
                                       _per_op(lambda d=data: _go_escape_before(d)))  # fmt: skip
    return out


def metric_families() -> dict[str, tuple[float, float]]:
    names = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"]
    labels = ("POST", "", "", "v1", "pods", "", "resource", "apiserver")
    buckets = metrics.REQUEST_DURATION.buckets
    fast_total = FastCounter("bench_requests_total", "", [*names, "code", "system_client"])
    fast_duration = FastHistogram("bench_duration_seconds", "", names, buckets, register=False)
    fast_sli = FastHistogram("bench_sli_seconds", "", names, buckets, register=False)
    registry = CollectorRegistry()
    total = Counter("bench_requests", "", [*names, "code", "system_client"], registry=registry)
    duration = Histogram("bench_duration_seconds", "", names, buckets=buckets, registry=registry)
    sli = Histogram("bench_sli_seconds", "", names, buckets=buckets, registry=registry)

    def fast() -> None:  # as request_finished: children looked up per request, then the updates
        fast_total.labels(*labels, "201", "")[0] += 1
        fast_duration.labels(*labels).observe(0.0042)
        fast_sli.labels(*labels).observe(0.0042)

    def client() -> None:
        total.labels(*labels, "201", "").inc()
        duration.labels(*labels).observe(0.0042)
        sli.labels(*labels).observe(0.0042)

    return {"one request's metrics": (_per_op(fast), _per_op(client))}


def _configmap_before(obj: Obj, errs: FieldErrors) -> None:
    """validate_config_map's key and size checks before c748e6b."""
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for key, value in data.items():
        for msg in f.config_map_key_errors(key):
            errs.invalid(f"data[{key}]", key, msg)
        if key in binary:
            errs.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
        total += len(str(value).encode())


def configmap_keys() -> dict[str, tuple[float, float]]:
    out = {}
    for keys, size in ((20, 1000), (1000, 100_000), (5000, 900_000)):
        obj = _configmap(keys, size)
        errs = FieldErrors()
        core.validate_config_map(obj, None, errs)
        assert not errs
        name = f"ConfigMap checks, {keys:,} keys"
        out[name] = (_per_op(lambda obj=obj: core.validate_config_map(obj, None, FieldErrors())),
                     _per_op(lambda obj=obj: _configmap_before(obj, FieldErrors())))  # fmt: skip
    return out


ITEMS = (reads_only, pending_writes, go_escape, metric_families, configmap_keys)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.optimizations", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(OUT / "optimizations"), help="results path without suffix ('' for none)")
    args = p.parse_args(argv)
    on: dict[str, dict[str, float]] = {}
    off: dict[str, dict[str, float]] = {}
    for item in ITEMS:
        for name, (a, b) in item().items():
            report(f"[optimizations] {item.__name__}: {name}, CPU per operation", a * 1000, b * 1000, "us")
            on[name], off[name] = {"cpu_ms": a}, {"cpu_ms": b}
    if args.out:
        title = "write-path optimizations: CPU per operation, on vs off (log scale)"
        write_results("optimizations", Path(args.out), {"on": on, "off": off}, "HEAD",
                      lambda r, path: plot_cpu_on_off(r, path, title, log=True), switch="replaced code")  # fmt: skip


if __name__ == "__main__":
    main()
