"""kube-apiserver's metrics on ``/metrics`` (endpoints/metrics/metrics.go and cacher/metrics in 1.36), and the
watch SLO that upstream lacks.

Names, label sets, help texts (with kube's stability prefix) and buckets follow kube, so dashboards and alerts
written for kube work. Where the cost would be per frame per watcher, nothing calls prometheus-client on the
hot path: the watch cache counts into plain integers and :class:`~storage.fastmetrics.Buckets`
(:class:`CacherCollector` reads them at scrape time), and watch streams observe into :class:`FastHistogram`
children (a bisect and two additions; the event loop is the only writer, so there is no lock). etcd request
metrics live in ``storage.metrics``, encoder counters in ``encoding.encoders``.

aiokube's own additions:
- ``apiserver_watch_event_latency_seconds{group,resource,encoder}``: the watch SLO — from the moment an
  event reached aiokube (its etcd watch response was read from the stream; for aiokube's own writes, the
  write was sent) to the moment its frame was handed to a watcher's socket, per watcher: queueing before
  and in the watch cache included;
- ``apiserver_watch_cache_event_lag_seconds{group,resource}``: for writes this server made, from sending
  the transaction to etcd to the event reaching the watch cache;
- ``apiserver_watch_cache_grouped_watchers{group,resource}`` and ``apiserver_watch_cache_watcher_groups``:
  watchers dispatched through a watcher group, and the groups (watchcache/group.py);
- ``apiserver_watch_init_events_errors_total{group,resource}``: watches that failed before or while sending
  their initial events (a 410 for a too-old resourceVersion, etcd unavailable, a dropped client).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import Counter, Gauge, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.flowcontrol import metrics as flowcontrol_metrics
from aiokube.apiserver.observability import page
from aiokube.apiserver.registry.resourceinfo import ResourceInfo
from aiokube.apiserver.registry.resources import Registry
from aiokube.storage.fastmetrics import Buckets, FastCounter, FastHistogram, cumulative
from aiokube.watchcache.cacher import Cacher

disable_created_metrics()  # kube's pages have no *_created series

_REQUEST_LABELS = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"]
_SLI_LABELS = ["verb", "group", "version", "resource", "subresource", "scope", "component"]
_LATENCY_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30,
                    45, 60)  # fmt: skip
_SLI_BUCKETS = (0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60)

REQUESTS = FastCounter(
    "apiserver_request_total",
    "[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, "
    "scope, component, and HTTP response code.",
    [*_REQUEST_LABELS, "code", "system_client"],
)
REQUEST_DURATION = FastHistogram(
    "apiserver_request_duration_seconds",
    "[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, "
    "subresource, scope and component.",
    _REQUEST_LABELS,
    _LATENCY_BUCKETS,
    register=True,
)
REQUEST_SLI = FastHistogram(
    "apiserver_request_sli_duration_seconds",
    "[ALPHA] Response latency distribution (not counting webhook duration and priority & fairness queue wait "
    "times) in seconds for each verb, group, version, resource, subresource, scope and component.",
    _SLI_LABELS,
    _SLI_BUCKETS,
    register=True,
)
RESPONSE_SIZES = FastHistogram(
    "apiserver_response_sizes",
    "[STABLE] Response size distribution in bytes for each group, version, verb, resource, subresource, scope "
    "and component.",
    _SLI_LABELS,
    tuple(1000.0 * 10**i for i in range(7)),
    register=True,
)
LONGRUNNING = Gauge(
    "apiserver_longrunning_requests",
    "[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, "
    "scope and component. Not all requests are tracked this way.",
    _SLI_LABELS,
)
REQUEST_BODY_SIZES = FastHistogram(
    "apiserver_request_body_size_bytes",
    "[ALPHA] Apiserver request body size in bytes broken out by resource and verb.",
    ["group", "resource", "verb"],
    tuple(50000.0 + 100000.0 * i for i in range(31)),
    register=True,
)
STORAGE_SIZE = Gauge(
    "apiserver_storage_size_bytes",
    "[STABLE] Size of the storage database file physically allocated in bytes.",
    ["storage_cluster_id"],
)

#: the watch SLO's scale: most events leave within milliseconds, the objective is 1 s; up past a minute, as
#: kube's request-latency buckets reach 60 s, so starved clients show as such (events 38 s late were all
#: in the top bucket, 10 s)
WATCH_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120)
_WATCH_SIZE_BUCKETS = tuple(1024.0 * 2**i for i in range(8))  # 1K … 128K, as kube

_VALID_VERBS = frozenset(
    ("APPLY", "CONNECT", "CREATE", "DELETE", "DELETECOLLECTION", "GET", "LIST", "PATCH", "POST", "PROXY", "PUT",
     "UPDATE", "WATCH", "WATCHLIST")
)  # fmt: skip
_CONNECT_SUBRESOURCES = frozenset(("proxy", "attach", "exec", "portforward", "log"))  # log: OverrideMetricsVerb
_SYSTEM_CLIENTS = frozenset(
    ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "cluster-policy-controller")
)
_APPLY = "application/apply-patch+yaml"
#: non-resource paths kube instruments: path → (label in ``subresource``, component), as kube's page shows them
PATH_LABELS = {
    "/healthz": ("/healthz", ""),
    "/livez": ("/livez", ""),
    "/readyz": ("/readyz", ""),
    "/version": ("/version", ""),
    "/metrics": ("/metrics", ""),
    "/openapi/v2": ("/openapi/v2", ""),
    "/openapi/v3": ("openapi/v3", ""),
    "/api": ("api", "apiserver"),
    "/apis": ("apis", "apiserver"),
    "/debug/pprof": ("/debug/pprof/", ""),
}


async def serve(request: web.Request) -> web.Response:
    """The Prometheus text format, or OpenMetrics when the scraper asks for it (formatted off the loop)."""
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    resp = web.Response(body=await page.render(encoder))
    resp.headers["Content-Type"] = content_type
    return resp


# --- requests ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RequestLabels:
    verb: str
    dry_run: str
    group: str
    version: str
    resource: str
    subresource: str
    scope: str
    component: str
    system_client: str
    long_running: bool
    mutating: bool


def clean_scope(ri: RequestInfo) -> str:
    """kube's CleanScope: resource for a named object or a create, else namespace, else cluster."""
    if ri.name or ri.verb == "create":
        return "resource"
    if ri.namespace:
        return "namespace"
    return "cluster" if ri.is_resource_request else ""


def _dry_run(request: web.Request) -> str:
    if "dryRun" not in request.rel_url.raw_query_string:
        return ""
    values = request.rel_url.query.getall("dryRun", [])
    if any(v != "All" for v in values):
        return "invalid"
    return ",".join(sorted(set(values)))


def _system_client(request: web.Request) -> str:
    product, slash, _ = request.headers.get("User-Agent", "").partition("/")
    return product if slash and product in _SYSTEM_CLIENTS else ""


def resource_labels(request: web.Request, ri: RequestInfo) -> RequestLabels:
    """kube's reported verb and scope for a resource request (CanonicalVerb, CleanVerb, CleanScope)."""
    scope = clean_scope(ri)
    method = request.method.upper()
    verb = method
    if method in ("GET", "HEAD"):
        verb = "GET" if scope in ("resource", "") else "LIST"
    if ri.verb == "watch":
        verb = "WATCH"
    elif method == "PATCH" and request.headers.get("Content-Type") == _APPLY:
        verb = "APPLY"
    if ri.subresource in _CONNECT_SUBRESOURCES:
        verb = "CONNECT"
    if verb not in _VALID_VERBS:
        verb = "other"
    return RequestLabels(
        verb=verb,
        dry_run=_dry_run(request),
        group=ri.group,
        version=ri.version,
        resource=ri.resource,
        subresource=ri.subresource,
        scope=scope,
        component="apiserver",
        system_client=_system_client(request),
        long_running=verb in ("WATCH", "CONNECT"),
        mutating=method not in ("GET", "HEAD", "OPTIONS"),
    )


def path_labels(request: web.Request, path: str, component: str = "") -> RequestLabels:
    """A non-resource request: kube labels it by its registered path (in ``subresource``)."""
    method = request.method.upper()
    return RequestLabels(
        verb=method if method in _VALID_VERBS else "other",
        dry_run="",
        group="",
        version="",
        resource="",
        subresource=path,
        scope="",
        component=component,
        system_client=_system_client(request),
        long_running=False,
        mutating=method not in ("GET", "HEAD", "OPTIONS"),
    )


def _routed(info: ResourceInfo, ri: RequestInfo) -> bool:
    """Whether kube has a route for the path (only routes are instrumented): an unknown subresource, or
    segments past it, would make a label value of whatever the client sent."""
    if not ri.subresource:
        return len(ri.parts) <= 2
    sub = info.subresource(ri.subresource)
    return sub is not None and (len(ri.parts) == 3 or bool(sub.connect))


def labels_for(request: web.Request, ri: RequestInfo, path: str, registry: Registry) -> RequestLabels | None:
    """kube's request metric labels; None for what kube does not instrument (unknown paths/resources)."""
    if path.startswith(("/api/", "/apis/")):
        if ri.is_resource_request:
            info = registry.get(ri.group, ri.version, ri.resource)
            if info is None or not _routed(info, ri):
                return None
            labels = resource_labels(request, ri)
            if labels.mutating and request.content_length:
                record_body_size(labels, ri.verb, request.content_length)
            return labels
        parts = path.strip("/").split("/")
        known = (parts[0] == "api" and parts[1:] == ["v1"]) or (
            parts[0] == "apis" and 2 <= len(parts) <= 3 and registry.has_group(parts[1])
        )
        return path_labels(request, "/".join(parts), "apiserver") if known else None
    label = PATH_LABELS.get(path)
    if label is not None:
        return path_labels(request, *label)
    if path.startswith("/openapi/v3/"):
        return path_labels(request, "openapi/v3/")
    if path.startswith("/debug/pprof/"):
        return path_labels(request, "/debug/pprof/")
    if path.startswith(("/readyz/", "/livez/", "/healthz/")) and path.count("/") == 2:
        return path_labels(request, path)  # a named check (unknown ones answer 404)
    return None


class _Inflight:
    """apiserver_current_inflight_requests: the most requests in flight at once, per kind, in the last second."""

    def __init__(self) -> None:
        self.current = {"readOnly": 0, "mutating": 0}
        self._window = int(time.monotonic())
        self._max = {"readOnly": 0, "mutating": 0}
        self._previous = {"readOnly": 0, "mutating": 0}

    def _roll(self) -> None:
        second = int(time.monotonic())
        if second != self._window:
            self._previous = self._max if second == self._window + 1 else dict(self.current)
            self._max = dict(self.current)
            self._window = second

    def enter(self, kind: str) -> None:
        self._roll()
        self.current[kind] += 1
        if self.current[kind] > self._max[kind]:
            self._max[kind] = self.current[kind]

    def exit(self, kind: str) -> None:
        self.current[kind] -= 1

    def watermark(self) -> dict[str, int]:
        self._roll()
        return {k: max(self._max[k], self._previous[k]) for k in self._max}


INFLIGHT = _Inflight()


class _RequestChildren:
    __slots__ = ("duration", "longrunning", "sizes", "sli")

    def __init__(self, labels: RequestLabels) -> None:
        sli = (labels.verb, labels.group, labels.version, labels.resource, labels.subresource, labels.scope,
               labels.component)  # fmt: skip
        self.duration = REQUEST_DURATION.labels(labels.verb, labels.dry_run, *sli[1:])
        self.sli = REQUEST_SLI.labels(*sli)
        self.sizes = RESPONSE_SIZES.labels(*sli)
        # only long-running verbs get a gauge series, as on kube's page
        self.longrunning = LONGRUNNING.labels(*sli) if labels.long_running else None


_CHILDREN: dict[tuple[Any, ...], _RequestChildren] = {}
_TOTALS: dict[tuple[Any, ...], Any] = {}


def _children(labels: RequestLabels) -> _RequestChildren:
    key = (labels.verb, labels.dry_run, labels.group, labels.version, labels.resource, labels.subresource,
           labels.scope, labels.component)  # fmt: skip
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = _RequestChildren(labels)
    return found


def request_started(labels: RequestLabels) -> None:
    if labels.long_running:
        gauge = _children(labels).longrunning
        assert gauge is not None
        gauge.inc()
    else:
        INFLIGHT.enter("mutating" if labels.mutating else "readOnly")


def request_finished(labels: RequestLabels, code: int, size: int, elapsed: float, *, count: bool = True) -> None:
    """MonitorRequest: count, latency, SLI latency (not for WATCH/CONNECT or dry runs), read response sizes.

    ``count`` off (a request that never produced a response: the client went away) only ends it."""
    children = _children(labels)
    if children.longrunning is not None:
        children.longrunning.dec()
    else:
        INFLIGHT.exit("mutating" if labels.mutating else "readOnly")
    if not count:
        return
    key = (labels.verb, labels.dry_run, labels.group, labels.version, labels.resource, labels.subresource,
           labels.scope, labels.component, code, labels.system_client)  # fmt: skip
    total = _TOTALS.get(key)
    if total is None:
        total = _TOTALS[key] = REQUESTS.labels(*key[:8], str(code), labels.system_client)
    total[0] += 1
    children.duration.observe(elapsed)
    if not labels.long_running and not labels.dry_run:
        children.sli.observe(elapsed)
    if labels.verb in ("GET", "LIST"):
        children.sizes.observe(size)


TERMINATIONS = Counter(
    "apiserver_request_terminations_total",
    "[ALPHA] Number of requests which apiserver terminated in self-defense.",
    [*_SLI_LABELS, "code"],
)


def request_terminated(labels: RequestLabels, code: int) -> None:
    """kube's RecordRequestTermination: a request the server cut short (429 when full, 504 past its deadline)."""
    TERMINATIONS.labels(labels.verb, labels.group, labels.version, labels.resource, labels.subresource, labels.scope,
                        labels.component, str(code)).inc()  # fmt: skip


def record_body_size(labels: RequestLabels, verb: str, size: int) -> None:
    key = (labels.group, labels.resource, verb)
    child = _BODY_SIZE_CHILDREN.get(key)
    if child is None:
        child = _BODY_SIZE_CHILDREN[key] = REQUEST_BODY_SIZES.labels(*key)
    child.observe(size)


_BODY_SIZE_CHILDREN: dict[tuple[str, str, str], Any] = {}


# --- watch streams: per frame per watcher, so no prometheus-client on the hot path ---------------------------


WATCH_EVENT_LATENCY = FastHistogram(
    "apiserver_watch_event_latency_seconds",
    "[ALPHA] aiokube's watch SLO: seconds from an event reaching the apiserver from etcd to its frame being "
    "handed to a watcher's socket, per watcher, broken by resource and encoder.",
    ["group", "resource", "encoder"],
    WATCH_LATENCY_BUCKETS,
    register=True,
)
WATCH_EVENT_SIZES = FastHistogram(
    "apiserver_watch_events_sizes",
    "[ALPHA] Watch event size distribution in bytes",
    ["group", "version", "resource"],
    _WATCH_SIZE_BUCKETS,
    register=True,
)
WATCH_EVENTS = FastCounter(
    "apiserver_watch_events_total", "[ALPHA] Number of events sent in watch clients", ["group", "version", "resource"]
)
INIT_EVENTS = FastCounter(
    "apiserver_init_events_total",
    "[ALPHA] Counter of init events processed in watch cache broken by resource type.",
    ["group", "resource"],
)
WATCH_INIT_ERRORS = FastCounter(
    "apiserver_watch_init_events_errors_total",
    "[ALPHA] aiokube: watches that failed before or while sending their initial events (too old "
    "resourceVersion, storage errors, clients gone), broken by resource type.",
    ["group", "resource"],
)


@dataclass(slots=True)
class WatchMetrics:
    """One watch stream's bound children: observing is list arithmetic."""

    latency: Buckets
    sizes: Buckets
    events: list[int]
    init_events: list[int]
    init_errors: list[int]


def watch_metrics(group: str, version: str, resource: str, encoder: str) -> WatchMetrics:
    return WatchMetrics(
        latency=WATCH_EVENT_LATENCY.labels(group, resource, encoder),
        sizes=WATCH_EVENT_SIZES.labels(group, version, resource),
        events=WATCH_EVENTS.labels(group, version, resource),
        init_events=INIT_EVENTS.labels(group, resource),
        init_errors=WATCH_INIT_ERRORS.labels(group, resource),
    )


# --- watch cache and storage state, read from the cachers at scrape time --------------------------------------


class CacherSource(Protocol):
    cachers: dict[tuple[str, str], Cacher]


class CacherCollector(Collector):
    """The cacher metrics of every live server in this process (summed when tests run several)."""

    def __init__(self) -> None:
        self.sources: weakref.WeakSet[Any] = weakref.WeakSet()
        page.register_on_loop(self)  # walks the caches' dicts

    def add(self, source: CacherSource) -> None:
        self.sources.add(source)

    def discard(self, source: CacherSource) -> None:
        """A stopped server's caches leave the sums now, not whenever the garbage collector frees it (which
        could fall between two scrapes a test compares)."""
        self.sources.discard(source)

    def _cachers(self) -> Iterator[tuple[str, str, Cacher]]:
        for source in list(self.sources):
            for (group, resource), cacher in list(source.cachers.items()):
                yield group, resource, cacher

    def describe(self) -> Iterable[Metric]:
        return []  # collected lazily; names are unique to this collector

    def collect(self) -> Iterable[Metric]:
        gr = ["group", "resource"]
        counters: dict[str, tuple[str, list[str], Callable[[Cacher], Any]]] = {
            "apiserver_watch_cache_events_received_total": (
                "[ALPHA] Counter of events received in watch cache broken by resource type.", gr,
                lambda c: c.stats.events_received),
            "apiserver_storage_events_received_total": (
                "[BETA] Number of etcd events received split by kind.", gr, lambda c: c.stats.events_received),
            "apiserver_watch_cache_events_dispatched_total": (
                "[ALPHA] Counter of events dispatched in watch cache broken by resource type.", gr,
                lambda c: c.stats.events_dispatched),
            "apiserver_watch_cache_initializations_total": (
                "[ALPHA] Counter of watch cache initializations broken by resource type.", gr,
                lambda c: c.stats.initializations),
            "apiserver_terminated_watchers_total": (
                "[ALPHA] Counter of watchers closed due to unresponsiveness broken by resource type.", gr,
                lambda c: c.stats.terminated_watchers),
            "watch_cache_capacity_increase_total": (
                "[ALPHA] Total number of watch cache capacity increase events broken by resource type.", gr,
                lambda c: c.buffer.increases),
            "watch_cache_capacity_decrease_total": (
                "[ALPHA] Total number of watch cache capacity decrease events broken by resource type.", gr,
                lambda c: c.buffer.decreases),
            "apiserver_cache_list_returned_objects_total": (
                "[ALPHA] Number of objects returned for a LIST request from watch cache", gr,
                lambda c: c.stats.cache_list_returned),
        }  # fmt: skip
        gauges: dict[str, tuple[str, list[str], Callable[[Cacher], Any]]] = {
            "apiserver_watch_cache_resource_version": (
                "[ALPHA] Current resource version of watch cache broken by resource type. This is truncated to the "
                "15 least significant digits.", gr, lambda c: c.rv % 10**15),
            "watch_cache_capacity": (
                "[ALPHA] Total capacity of watch cache broken by resource type.", gr, lambda c: c.buffer.capacity),
            "apiserver_watch_cache_grouped_watchers": (
                "[ALPHA] Number of watchers dispatched through a watcher group (aiokube: caught-up watchers of the "
                "same events in the same encoding sharing one byte stream) broken by resource type.", gr,
                lambda c: sum(len(g.members) for g in c.groups.values())),
            "apiserver_watch_cache_watcher_groups": (
                "[ALPHA] Number of watcher groups broken by resource type.", gr, lambda c: len(c.groups)),
            "apiserver_resource_objects": (
                "[ALPHA] Number of stored objects at the time of last check split by kind. In case of a fetching "
                "error, the value will be -1.", gr, lambda c: len(c.cache)),
        }  # fmt: skip
        cachers = list(self._cachers())
        for name, (doc, labels, value) in counters.items():
            counter = CounterMetricFamily(name, doc, labels=labels)
            for labels_values, total in _summed(cachers, value).items():
                counter.add_metric(list(labels_values), total)
            yield counter
        for name, (doc, labels, value) in gauges.items():
            gauge = GaugeMetricFamily(name, doc, labels=labels)
            for labels_values, total in _summed(cachers, value).items():
                gauge.add_metric(list(labels_values), total)
            yield gauge
        yield from self._storage_objects(cachers)
        yield from self._consistent_reads(cachers)
        yield from self._cache_lists(cachers)
        for name, doc, pick in (
            ("apiserver_watch_cache_read_wait_seconds",
             "[ALPHA] Histogram of time spent waiting for a watch cache to become fresh.", lambda c: c.stats.read_wait),
            ("apiserver_watch_cache_event_lag_seconds",
             "[ALPHA] aiokube: seconds from this server sending a write to etcd to the watch cache receiving its "
             "event, broken by resource type.", lambda c: c.stats.event_lag),
        ):  # fmt: skip
            family = HistogramMetricFamily(name, doc, labels=gr)
            merged: dict[tuple[str, str], Buckets] = {}
            for group, resource, cacher in cachers:
                hist = pick(cacher)
                into = merged.setdefault((group, resource), Buckets(hist.bounds))
                into.counts = [a + b for a, b in zip(into.counts, hist.counts, strict=True)]
                into.sum += hist.sum
            for (group, resource), hist in merged.items():
                if any(hist.counts):  # as a kube HistogramVec: a series once something was observed
                    family.add_metric([group, resource], cumulative(hist), hist.sum)
            yield family

    @staticmethod
    def _storage_objects(cachers: list[tuple[str, str, Cacher]]) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "apiserver_storage_objects",
            "[STABLE] (Deprecated since 1.34.0) [DEPRECATED, consider using apiserver_resource_objects instead] "
            "Number of stored objects at the time of last check split by kind. In case of a fetching error, the "
            "value will be -1.",
            labels=["resource"],
        )
        totals: dict[str, int] = {}
        for group, resource, cacher in cachers:
            name = f"{resource}.{group}" if group else resource
            totals[name] = totals.get(name, 0) + len(cacher.cache)
        for name, total in totals.items():
            family.add_metric([name], total)
        yield family

    @staticmethod
    def _consistent_reads(cachers: list[tuple[str, str, Cacher]]) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "apiserver_watch_cache_consistent_read_total",
            "[ALPHA] Counter for consistent reads from cache.",
            labels=["group", "resource", "success", "fallback"],
        )
        totals: dict[tuple[str, ...], int] = {}
        for group, resource, cacher in cachers:
            ok = cacher.stats.consistent_reads - cacher.stats.consistent_read_fallbacks
            for key, n in (((group, resource, "true", "false"), ok),
                           ((group, resource, "false", "true"), cacher.stats.consistent_read_fallbacks)):  # fmt: skip
                if n:
                    totals[key] = totals.get(key, 0) + n
        for key, n in totals.items():
            family.add_metric(list(key), n)
        yield family

    @staticmethod
    def _cache_lists(cachers: list[tuple[str, str, Cacher]]) -> Iterator[Metric]:
        labels = ["group", "resource", "index"]
        lists = CounterMetricFamily(
            "apiserver_cache_list_total", "[ALPHA] Number of LIST requests served from watch cache", labels=labels
        )
        fetched = CounterMetricFamily(
            "apiserver_cache_list_fetched_objects_total",
            "[ALPHA] Number of objects read from watch cache in the course of serving a LIST request",
            labels=labels,
        )
        count_totals: dict[tuple[str, ...], int] = {}
        fetched_totals: dict[tuple[str, ...], int] = {}
        for group, resource, cacher in cachers:
            for index, n in cacher.stats.cache_lists.items():
                count_totals[(group, resource, index)] = count_totals.get((group, resource, index), 0) + n
            for index, n in cacher.stats.cache_list_fetched.items():
                fetched_totals[(group, resource, index)] = fetched_totals.get((group, resource, index), 0) + n
        for key, n in count_totals.items():
            lists.add_metric(list(key), n)
        for key, n in fetched_totals.items():
            fetched.add_metric(list(key), n)
        yield lists
        yield fetched


def _summed(cachers: list[tuple[str, str, Cacher]], value: Callable[[Cacher], Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for group, resource, cacher in cachers:
        out[(group, resource)] = out.get((group, resource), 0) + value(cacher)
    return out


class _InflightCollector(Collector):
    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "apiserver_current_inflight_requests",
            "[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in "
            "last second.",
            labels=["request_kind"],
        )
        for kind, value in sorted(INFLIGHT.watermark().items()):
            family.add_metric([kind], value)
        yield family


page.register_on_loop(_InflightCollector())
page.register_on_loop(flowcontrol_metrics.COLLECTOR)
CACHERS = CacherCollector()
