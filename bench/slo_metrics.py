"""Reading SLIs from aiokube's ``/metrics`` without Prometheus: snapshots, bucket deltas, quantiles.

A :class:`Snapshot` keeps, per SLI, the cumulative bucket counts of its histogram (summed over the labels the
SLI does not split by). The difference of two snapshots is the histogram of what happened in between, and
:func:`quantile` interpolates inside buckets exactly as PromQL's ``histogram_quantile`` does, so the numbers
match what the recording rules in deploy/prometheus/ give for the same window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from aiokube.apiserver.simulation import apimetrics

REQUEST_SLI = "apiserver_request_sli_duration_seconds"
WATCH_SLI = "apiserver_watch_event_latency_seconds"
WATCH_CACHE_LAG = "apiserver_watch_cache_event_lag_seconds"
ETCD = "etcd_request_duration_seconds"

MUTATING_VERBS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
READ_VERBS = frozenset(("GET", "LIST"))

#: cumulative count per upper bound ``le`` (math.inf for +Inf)
Buckets = dict[float, float]


@dataclass(frozen=True, order=True)
class SLIKey:
    """One SLI series: ``kind`` is request or watch, or lag or etcd (context); the rest identify it."""

    kind: str
    group: str
    resource: str
    verb: str = ""
    subresource: str = ""
    scope: str = ""

    @property
    def slo(self) -> tuple[str, float] | None:
        """(SLO class, threshold in seconds), or None for series no SLO covers."""
        if self.kind == "watch":
            return "watch", 1.0
        if self.kind != "request" or not self.resource:
            return None
        if self.verb in MUTATING_VERBS:
            return "mutating", 1.0
        if self.verb in READ_VERBS:
            return ("read one", 1.0) if self.scope == "resource" else ("read many", 30.0)
        return None

    def describe(self) -> str:
        name = self.resource + (f"/{self.subresource}" if self.subresource else "")
        name += f".{self.group}" if self.group else ""
        if self.kind == "watch":
            return f"watch {name} (received -> socket)"
        if self.kind == "lag":
            return f"cache lag {name} (write -> cache)"
        if self.kind == "etcd":
            return f"etcd {self.verb} {name}"
        return f"{self.verb} {name}" + (f" [{self.scope}]" if self.scope else "")


@dataclass
class Snapshot:
    """One scrape: SLI histograms and a few counters, at time ``t`` (time.monotonic of the response)."""

    t: float
    hist: dict[SLIKey, Buckets] = field(default_factory=dict)
    sums: dict[SLIKey, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    terminated_watchers: float = 0.0
    watch_events: float = 0.0
    page_bytes: int = 0

    def minus(self, earlier: Snapshot) -> dict[SLIKey, Buckets]:
        """Per SLI, the buckets of the observations made between ``earlier`` and this snapshot."""
        out: dict[SLIKey, Buckets] = {}
        for key, buckets in self.hist.items():
            before = earlier.hist.get(key, {})
            delta = {le: count - before.get(le, 0.0) for le, count in buckets.items()}
            if delta.get(math.inf, 0.0) > 0:
                out[key] = delta
        return out


def _key(family: str, labels: dict[str, str]) -> SLIKey | None:
    group, resource = labels.get("group", ""), labels.get("resource", "")
    if family == REQUEST_SLI:
        return SLIKey("request", group, resource, labels.get("verb", ""), labels.get("subresource", ""),
                      labels.get("scope", ""))  # fmt: skip
    if family == WATCH_SLI:
        return SLIKey("watch", group, resource)  # summed over encoders
    if family == WATCH_CACHE_LAG:
        return SLIKey("lag", group, resource)
    if family == ETCD:
        return SLIKey("etcd", group, resource, labels.get("operation", ""))
    return None


def parse(page: str, t: float) -> Snapshot:
    """The parts of a /metrics page (Prometheus text format) that the SLO report uses."""
    snap = Snapshot(t=t, page_bytes=len(page))
    for family in text_string_to_metric_families(page):
        if family.name in (REQUEST_SLI, WATCH_SLI, WATCH_CACHE_LAG, ETCD):
            for sample in family.samples:
                key = _key(family.name, sample.labels)
                if key is None:
                    continue
                if sample.name.endswith("_bucket"):
                    buckets = snap.hist.setdefault(key, {})
                    le = float(sample.labels["le"])  # "1", "1.0" and "+Inf" alike
                    buckets[le] = buckets.get(le, 0.0) + sample.value
                elif sample.name.endswith("_sum"):
                    snap.sums[key] = snap.sums.get(key, 0.0) + sample.value
        elif family.name == "process_cpu_seconds":
            snap.cpu_seconds = sum(s.value for s in family.samples)
        elif family.name == "apiserver_terminated_watchers":
            snap.terminated_watchers = sum(s.value for s in family.samples if s.name.endswith("_total"))
        elif family.name == "apiserver_watch_events":
            snap.watch_events = sum(s.value for s in family.samples if s.name.endswith("_total"))
    return snap


def count(buckets: Buckets) -> float:
    return buckets.get(math.inf, 0.0)


def quantile(q: float, buckets: Buckets) -> float:
    """PromQL's histogram_quantile on cumulative buckets (aiokube.apiserver.simulation.apimetrics'), NaN without
    observations."""
    value = apimetrics.quantile(q, buckets)
    return math.nan if value is None else value


def bucket_of(q: float, buckets: Buckets) -> tuple[float, float]:
    """The (lower, upper] bounds of the bucket holding rank q·count: the resolution of :func:`quantile`."""
    total = count(buckets)
    lower = 0.0
    for le in sorted(buckets):
        if total > 0 and buckets[le] >= q * total:
            return lower, le
        lower = le
    return math.nan, math.nan


def within(buckets: Buckets, threshold: float) -> float:
    """The fraction of observations at or below ``threshold`` (which must be a bucket bound)."""
    total = count(buckets)
    if total <= 0 or threshold not in buckets:
        return math.nan
    return buckets[threshold] / total
