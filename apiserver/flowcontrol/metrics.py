"""``apiserver_flowcontrol_*`` with kube's names, help texts, labels and buckets (util/flowcontrol/metrics), for
what aiokube's APF has: seats and limits per priority level, and per (flow schema, priority level) the
requests executing, queued, dispatched and rejected, the wait in queue and queue lengths. Read from the
levels' plain counters at scrape time; nothing is called per request. Labels are in the order kube's page
prints them (alphabetical)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from aiokube.apiserver.flowcontrol.queueset import REJECT_REASONS, FlowStats, PriorityLevel
from aiokube.storage.fastmetrics import cumulative
from aiokube.watchcache.cacher import Histogram

PAIR = ["flow_schema", "priority_level"]
_LEVEL_GAUGES = (
    ("apiserver_flowcontrol_nominal_limit_seats",
     "[BETA] Nominal number of execution seats configured for each priority level", lambda lv: lv.nominal),
    ("apiserver_flowcontrol_current_limit_seats",
     "[ALPHA] current derived number of execution seats available to each priority level", lambda lv: lv.limit),
    ("apiserver_flowcontrol_lower_limit_seats",
     "[ALPHA] Configured lower bound on number of execution seats available to each priority level",
     lambda lv: lv.lower),
    ("apiserver_flowcontrol_upper_limit_seats",
     "[ALPHA] Configured upper bound on number of execution seats available to each priority level",
     lambda lv: lv.upper),
)  # fmt: skip
_PAIR_GAUGES = (
    ("apiserver_flowcontrol_current_executing_requests",
     "[BETA] Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API "
     "Priority and Fairness subsystem", lambda s: s.executing),
    ("apiserver_flowcontrol_current_executing_seats",
     "[BETA] Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any "
     "stage otherwise) requests in the API Priority and Fairness subsystem", lambda s: s.executing),
    ("apiserver_flowcontrol_current_inqueue_requests",
     "[BETA] Number of requests currently pending in queues of the API Priority and Fairness subsystem",
     lambda s: s.inqueue),
    ("apiserver_flowcontrol_current_inqueue_seats",
     "[ALPHA] Number of seats currently pending in queues of the API Priority and Fairness subsystem",
     lambda s: s.inqueue),
)  # fmt: skip


class Source(Protocol):
    levels: dict[str, PriorityLevel]
    stats: dict[tuple[str, str], FlowStats]


class FlowControlCollector(Collector):
    """Every live server's APF counters (summed when one process runs several servers, as in tests)."""

    def __init__(self) -> None:
        self.sources: weakref.WeakSet[Source] = weakref.WeakSet()  # type: ignore[type-var]

    def add(self, source: Source) -> None:
        self.sources.add(source)

    def describe(self) -> Iterable[Metric]:
        return []

    def _levels(self) -> dict[str, list[PriorityLevel]]:
        out: dict[str, list[PriorityLevel]] = {}
        for source in list(self.sources):
            for name, level in source.levels.items():
                out.setdefault(name, []).append(level)
        return out

    def _pairs(self) -> dict[tuple[str, str], list[FlowStats]]:
        out: dict[tuple[str, str], list[FlowStats]] = {}
        for source in list(self.sources):
            for key, stats in source.stats.items():
                out.setdefault(key, []).append(stats)
        return out

    def collect(self) -> Iterator[Metric]:
        levels = sorted(self._levels().items())
        for name, doc, value in _LEVEL_GAUGES:
            family = GaugeMetricFamily(name, doc, labels=["priority_level"])
            for level_name, group in levels:
                family.add_metric([level_name], max(value(lv) for lv in group))
            yield family
        pairs = sorted(self._pairs().items())
        for name, doc, pick in _PAIR_GAUGES:
            family = GaugeMetricFamily(name, doc, labels=PAIR)
            for key, group in pairs:
                family.add_metric(list(key), sum(pick(s) for s in group))
            yield family
        dispatched = CounterMetricFamily(
            "apiserver_flowcontrol_dispatched_requests_total",
            "[BETA] Number of requests executed by API Priority and Fairness subsystem", labels=PAIR,
        )
        rejected = CounterMetricFamily(
            "apiserver_flowcontrol_rejected_requests_total",
            "[BETA] Number of requests rejected by API Priority and Fairness subsystem", labels=[*PAIR, "reason"],
        )
        for key, group in pairs:
            total = sum(s.dispatched for s in group)
            if total:
                dispatched.add_metric(list(key), total)
            for reason in REJECT_REASONS:
                count = sum(s.rejected[reason] for s in group)
                if count:
                    rejected.add_metric([*key, reason], count)
        yield dispatched
        yield rejected
        yield from self._histograms(pairs)

    @staticmethod
    def _histograms(pairs: list[tuple[tuple[str, str], list[FlowStats]]]) -> Iterator[Metric]:
        wait = HistogramMetricFamily(
            "apiserver_flowcontrol_request_wait_duration_seconds",
            "[BETA] Length of time a request spent waiting in its queue", labels=["execute", *PAIR],
        )
        lengths = HistogramMetricFamily(
            "apiserver_flowcontrol_request_queue_length_after_enqueue",
            "[ALPHA] Length of queue in the API Priority and Fairness subsystem, as seen by each request after it "
            "is enqueued", labels=PAIR,
        )
        for key, group in pairs:
            for execute, hists in (("false", [s.wait_rejected for s in group]),
                                   ("true", [s.wait_dispatched for s in group])):  # fmt: skip
                merged = _merge(hists)
                if any(merged.counts):
                    wait.add_metric([execute, *key], cumulative(merged), merged.sum)
            merged = _merge([s.queue_length for s in group])
            if any(merged.counts):
                lengths.add_metric(list(key), cumulative(merged), merged.sum)
        yield wait
        yield lengths


def _merge(hists: list[Histogram]) -> Histogram:
    out = Histogram(hists[0].bounds)
    for hist in hists:
        out.counts = [a + b for a, b in zip(out.counts, hist.counts, strict=True)]
        out.sum += hist.sum
    return out


#: registered by observability.metrics, to be collected on the event loop (it walks the levels' and flows' dicts)
COLLECTOR = FlowControlCollector()
