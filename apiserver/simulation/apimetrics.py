"""API call latency from an API server's ``/metrics``: ``apiserver_request_duration_seconds`` histograms per
(verb, resource, subresource, scope), the difference of two scrapes, quantiles interpolated inside buckets as
PromQL's ``histogram_quantile`` does, and kube's API call latency SLOs (sig-scalability's api_call_latency):
mutating calls and reads of one object ≤ 1 s at the 99th percentile, lists ≤ 5 s in a namespace, ≤ 30 s
cluster-wide. WATCH and CONNECT are not API calls of the SLO."""

from __future__ import annotations

import math
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

METRIC = "apiserver_request_duration_seconds"
Series = tuple[str, str, str, str, str]  # verb, group, resource, subresource, scope
#: cumulative count per upper bound (math.inf for +Inf)
Histograms = dict[Series, dict[float, float]]
MUTATING = ("POST", "PUT", "PATCH", "DELETE", "APPLY")


def parse(text: str) -> Histograms:
    out: Histograms = {}
    for family in text_string_to_metric_families(text):
        if family.name != METRIC:
            continue
        for sample in family.samples:
            if not sample.name.endswith("_bucket"):
                continue
            lb = sample.labels
            key = (lb.get("verb", ""), lb.get("group", ""), lb.get("resource", ""), lb.get("subresource", ""),
                   lb.get("scope", ""))  # fmt: skip
            le = math.inf if lb["le"] in ("+Inf", "Inf") else float(lb["le"])
            buckets = out.setdefault(key, {})
            buckets[le] = buckets.get(le, 0.0) + sample.value
    return out


def delta(before: Histograms, after: Histograms) -> Histograms:
    out: Histograms = {}
    for key, buckets in after.items():
        old = before.get(key, {})
        diff = {le: n - old.get(le, 0.0) for le, n in buckets.items()}
        if diff.get(math.inf, 0.0) > 0:
            out[key] = diff
    return out


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """histogram_quantile: linear interpolation inside the bucket holding the rank; the highest finite
    bound when the rank falls in +Inf."""
    bounds = sorted(buckets)
    total = buckets.get(math.inf, 0.0)
    if total <= 0:
        return None
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for le in bounds:
        count = buckets[le]
        if count >= rank:
            if math.isinf(le):
                return prev_bound
            if count == prev_count:
                return le
            return prev_bound + (le - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = le, count
    return prev_bound


def slo(verb: str, scope: str) -> tuple[str, float] | None:
    """(SLO class, p99 threshold in seconds) of a call, None for calls no SLO covers."""
    if verb in MUTATING:
        return "mutating", 1.0
    if verb == "GET":
        return "read one", 1.0
    if verb == "LIST":
        return ("list in namespace", 5.0) if scope == "namespace" else ("list", 30.0)
    return None


def table(hists: Histograms) -> list[dict[str, Any]]:
    """One row per series an SLO covers: count, p50/p90/p99 (seconds), threshold, met."""
    rows = []
    for (verb, group, resource, sub, scope), buckets in sorted(hists.items()):
        rule = slo(verb, scope)
        if rule is None or not resource:
            continue
        p99 = quantile(0.99, buckets)
        rows.append({
            "verb": verb, "resource": resource + (f"/{sub}" if sub else "") + (f".{group}" if group else ""),
            "scope": scope, "count": int(buckets.get(math.inf, 0)), "p50": quantile(0.5, buckets),
            "p90": quantile(0.9, buckets), "p99": p99, "slo": rule[0], "threshold": rule[1],
            "met": p99 is not None and p99 <= rule[1],
        })  # fmt: skip
    return rows
