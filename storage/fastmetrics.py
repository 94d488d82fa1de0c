"""Metric families for hot paths: plain integers and bucket lists, exported through prometheus-client's
collector interface at scrape time.

prometheus-client takes a lock for every ``inc`` and walks the bucket bounds in Python for every ``observe``
(~3 µs each; the five such calls of a pod create were ~6% of its CPU). Here a counter child is a one-element
list (``cell[0] += 1``) and a histogram child a :class:`Buckets` (a bisect and two additions). The event loop is
the only writer, so there is no lock; a page formatted in a thread reads a copy of each family's dict taken in
one C call (the counts of a family may be a request apart: the page is a sample either way). Families live here,
below the API layer, because the storage layer counts its etcd requests with them too.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString


def le_text(bound: float) -> str:
    """A bucket bound as Go's client writes it (``1``, ``0.005``, ``1e+06``, ``+Inf``); prometheus-client
    writes integral bounds as ``1.0``, which label matchers copied from kube (``le="1"``) would miss."""
    text = floatToGoString(bound)
    return text[:-2] if text.endswith(".0") else text


class Buckets:
    """Bucket counts and a sum, observed in O(log buckets) with no lock (the event loop is the only writer)."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        #: one count per upper bound, then +Inf (not cumulative)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self.counts)


def cumulative(child: Buckets) -> list[tuple[str, float]]:
    """``(le, count)`` pairs as a histogram sample wants them: cumulative, kube's ``le`` text, ``+Inf`` last."""
    out = []
    running = 0
    for bound, count in zip((*child.bounds, float("inf")), child.counts, strict=True):
        running += count
        out.append((le_text(bound), running))
    return out


class FastHistogram(Collector):
    """A histogram family whose children are :class:`Buckets`."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], buckets: Sequence[float], *, register: bool
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.buckets = tuple(buckets)
        self._children: dict[tuple[str, ...], Buckets] = {}
        if register:
            REGISTRY.register(self)

    def labels(self, *values: str) -> Buckets:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = Buckets(self.buckets)
        return child

    def describe(self) -> Iterable[Metric]:
        return [HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in list(self._children.items()):
            family.add_metric(list(values), cumulative(child), child.sum)
        yield family


class FastCounter(Collector):
    """A counter family of plain integers."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str]) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.values: dict[tuple[str, ...], list[int]] = {}
        REGISTRY.register(self)

    def labels(self, *values: str) -> list[int]:
        """A one-element list: ``cell[0] += n`` counts."""
        cell = self.values.get(values)
        if cell is None:
            cell = self.values[values] = [0]
        return cell

    def describe(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, cell in list(self.values.items()):
            family.add_metric(list(values), cell[0])
        yield family
