"""etcd request and storage LIST metrics with kube-apiserver's names (storage/etcd3/metrics/metrics.go, 1.36).

Labels are (operation, group, resource). The store only sees keys, so the API layer registers each resource's
key prefix (:func:`register_resource`); an unregistered key is labelled by its first path segment, which keeps
cardinality bounded by the key layout. Label children are bound once per (operation, group, resource).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TypeVar

from prometheus_client import Counter

from . import errors
from .fastmetrics import FastCounter, FastHistogram

T = TypeVar("T")


ETCD_RESTARTS = Counter(
    "aiokube_embedded_etcd_restarts_total",
    "[ALPHA] aiokube: times the embedded etcd died on its own and was started again.",
)
# per etcd request: lock-free families (storage/fastmetrics.py)
REQUEST_DURATION = FastHistogram(
    "etcd_request_duration_seconds",
    "[ALPHA] Etcd request latency in seconds for each operation and object type.",
    ["operation", "group", "resource"],
    (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60),
    register=True,
)
REQUESTS = FastCounter(
    "etcd_requests_total", "[ALPHA] Etcd request counts for each operation and object type.",
    ["operation", "group", "resource"],
)  # fmt: skip
REQUEST_ERRORS = FastCounter(
    "etcd_request_errors_total", "[ALPHA] Etcd failed request counts for each operation and object type.",
    ["operation", "group", "resource"],
)  # fmt: skip
LIST_TOTAL = Counter("apiserver_storage_list_total", "[ALPHA] Number of LIST requests served from storage",
                     ["group", "resource"])  # fmt: skip
LIST_FETCHED = Counter(
    "apiserver_storage_list_fetched_objects_total",
    "[ALPHA] Number of objects read from storage in the course of serving a LIST request",
    ["group", "resource"],
)
LIST_EVALUATED = Counter(
    "apiserver_storage_list_evaluated_objects_total",
    "[ALPHA] Number of objects tested in the course of serving a LIST request from storage",
    ["group", "resource"],
)
LIST_RETURNED = Counter(
    "apiserver_storage_list_returned_objects_total",
    "[ALPHA] Number of objects returned for a LIST request from storage",
    ["group", "resource"],
)

#: collection key prefix ("/registry/deployments/") → (group, resource)
_PREFIXES: dict[str, tuple[str, str]] = {}


def register_resource(prefix: str, group: str, resource: str) -> None:
    """Label keys under ``prefix`` (a collection key ending in '/') with the resource they hold."""
    _PREFIXES[prefix] = (group, resource)


def labels_for(key: str) -> tuple[str, str]:
    """(group, resource) of a key: its registered collection, else its first segment under /registry."""
    parts = key.split("/", 4)  # "", "registry", a, b, rest
    if len(parts) < 3:
        return "", ""
    if len(parts) > 3 and (found := _PREFIXES.get(f"/{parts[1]}/{parts[2]}/{parts[3]}/")) is not None:
        return found  # custom resources: /registry/<group>/<resource>/
    return _PREFIXES.get(f"/{parts[1]}/{parts[2]}/") or ("", parts[2])


class _Children:
    __slots__ = ("count", "duration", "errors")

    def __init__(self, operation: str, group: str, resource: str) -> None:
        self.duration = REQUEST_DURATION.labels(operation, group, resource)
        self.count = REQUESTS.labels(operation, group, resource)
        self.errors = REQUEST_ERRORS.labels(operation, group, resource)


_CHILDREN: dict[tuple[str, str, str], _Children] = {}


async def timed(operation: str, key: str, call: Awaitable[T]) -> T:
    """Await one etcd request, counting it (and its failure: an etcd/transport error, not a lost txn)."""
    group, resource = labels_for(key)
    children = _CHILDREN.get((operation, group, resource))
    if children is None:
        children = _CHILDREN[(operation, group, resource)] = _Children(operation, group, resource)
    started = time.perf_counter()
    try:
        return await call
    except errors.StorageError as exc:
        if not isinstance(exc, errors.NotFound | errors.AlreadyExists | errors.Conflict | errors.PreconditionFailed):
            children.errors[0] += 1
        raise
    finally:
        children.count[0] += 1
        children.duration.observe(time.perf_counter() - started)


def record_list(key_prefix: str, fetched: int, evaluated: int, returned: int) -> None:
    group, resource = labels_for(key_prefix)
    LIST_TOTAL.labels(group, resource).inc()
    LIST_FETCHED.labels(group, resource).inc(fetched)
    LIST_EVALUATED.labels(group, resource).inc(evaluated)
    LIST_RETURNED.labels(group, resource).inc(returned)
