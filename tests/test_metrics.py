"""/metrics after known traffic: kube's names, labels and counts, the watch SLO histogram, cache and etcd metrics.

Metrics are process-wide and other tests run before these, so every check compares a scrape taken before the
traffic with one taken after it.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterable
from typing import Any

import orjson
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from aiokube.apiserver.observability import page
from aiokube.apiserver.server import APIServer
from tests.conftest import API
from tests.loopgaps import loop_gaps

Labels = frozenset[tuple[str, str]]
Samples = dict[tuple[str, Labels], float]


async def scrape(api: API, accept: str = "") -> Samples:
    async with api.session.get(api.base + "/metrics", headers={"Accept": accept} if accept else {}) as resp:
        assert resp.status == 200
        text = await resp.text()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def label_sets(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(ls) for (n, ls), _ in samples.items() if n == name]


CM = dict(group="", version="v1", resource="configmaps", component="apiserver", subresource="")


async def test_request_metrics_carry_kube_labels(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    before = await scrape(api)
    assert (await api.post(base, {"metadata": {"name": "m1"}, "data": {"a": "1"}}))[0] == 201
    assert (await api.get(f"{base}/m1"))[0] == 200
    assert (await api.get(f"{base}/missing"))[0] == 404
    assert (await api.get(base))[0] == 200
    assert (await api.get("/api/v1/configmaps"))[0] == 200
    status, cm, _ = await api.get(f"{base}/m1")
    assert (await api.put(f"{base}/m1", cm))[0] == 200
    merge = {"Content-Type": "application/merge-patch+json"}
    assert (await api.request("PATCH", f"{base}/m1", {"data": {"b": "2"}}, headers=merge))[0] == 200
    apply = {"Content-Type": "application/apply-patch+yaml"}
    body = orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m1"}, "data": {"c": "3"}})
    status, _, _ = await api.request("PATCH", f"{base}/m1?fieldManager=t&force=true", data=body, headers=apply)
    assert status == 200
    assert (await api.post(f"{base}?dryRun=All", {"metadata": {"name": "dry"}}))[0] == 201
    assert (await api.delete(f"{base}/m1"))[0] == 200
    assert (await api.get("/readyz"))[0] == 200
    assert (await api.get("/no-such-path"))[0] == 404
    after = await scrape(api)

    total = "apiserver_request_total"
    assert delta(before, after, total, verb="POST", scope="resource", code="201", dry_run="", **CM) == 1
    assert delta(before, after, total, verb="POST", scope="resource", code="201", dry_run="All", **CM) == 1
    assert delta(before, after, total, verb="GET", scope="resource", code="200", **CM) == 2
    assert delta(before, after, total, verb="GET", scope="resource", code="404", **CM) == 1
    assert delta(before, after, total, verb="LIST", scope="namespace", code="200", **CM) == 1
    assert delta(before, after, total, verb="LIST", scope="cluster", code="200", **CM) == 1
    assert delta(before, after, total, verb="PUT", scope="resource", code="200", **CM) == 1
    assert delta(before, after, total, verb="PATCH", scope="resource", code="200", **CM) == 1
    assert delta(before, after, total, verb="APPLY", scope="resource", code="200", **CM) == 1
    assert delta(before, after, total, verb="DELETE", scope="resource", code="200", **CM) == 1
    readyz = dict(group="", version="", resource="", subresource="/readyz", scope="", component="", verb="GET")
    assert delta(before, after, total, code="200", **readyz) == 1
    assert not [ls for ls in label_sets(after, total) if "no-such-path" in ls["subresource"]]
    # every request of the set is in the latency histogram; the SLI leaves the dry run out
    duration = "apiserver_request_duration_seconds_count"
    assert delta(before, after, duration, verb="APPLY", scope="resource", **CM) == 1
    sli = "apiserver_request_sli_duration_seconds_count"
    assert delta(before, after, sli, verb="POST", scope="resource", **CM) == 1
    assert delta(before, after, sli, verb="LIST", scope="cluster", **CM) == 1
    # response sizes are kept for reads only
    sizes = "apiserver_response_sizes_count"
    assert delta(before, after, sizes, verb="GET", scope="resource", **CM) == 3
    assert delta(before, after, sizes, verb="PUT", **CM) == 0
    assert delta(before, after, "apiserver_response_sizes_sum", verb="LIST", scope="namespace", **CM) > 100
    body_sizes = "apiserver_request_body_size_bytes_count"
    assert delta(before, after, body_sizes, group="", resource="configmaps", verb="create") == 2
    kinds = {ls["request_kind"] for ls in label_sets(after, "apiserver_current_inflight_requests")}
    assert kinds == {"mutating", "readOnly"}
    # etcd requests by operation, labelled by the resource their key belongs to
    etcd = "etcd_requests_total"
    assert delta(before, after, etcd, operation="create", group="", resource="configmaps") == 1
    assert delta(before, after, etcd, operation="delete", group="", resource="configmaps") == 1
    # the PUT sent the object unchanged: kube's no-op update writes nothing; the two patches did
    assert delta(before, after, "etcd_request_duration_seconds_count", operation="update", resource="configmaps") == 2


async def test_watch_metrics_and_slo_histogram(api: API, ns: str, server: APIServer) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(3):
        assert (await api.post(base, {"metadata": {"name": f"w{i}"}}))[0] == 201
    before = await scrape(api)
    async with api.session.get(api.base + base, params={"watch": "1", "resourceVersion": "0"}) as resp:
        initial = [json.loads(await resp.content.readline()) for _ in range(3)]
        assert {e["type"] for e in initial} == {"ADDED"}
        during = await scrape(api)
        longrunning = dict(verb="WATCH", scope="namespace", **CM)
        assert delta(before, during, "apiserver_longrunning_requests", **longrunning) == 1
        for i in range(5):
            cm = {"metadata": {"name": f"w{i % 3}"}, "data": {"n": str(i)}}
            status, _, _ = await api.put(f"{base}/w{i % 3}", cm)
            assert status == 200
        events = [json.loads(await asyncio.wait_for(resp.content.readline(), 10)) for _ in range(5)]
        assert [e["type"] for e in events] == ["MODIFIED"] * 5
    await asyncio.sleep(0.2)  # the server notices the client went away and ends the watch
    after = await scrape(api)
    assert delta(before, after, "apiserver_longrunning_requests", **longrunning) == 0
    assert delta(before, after, "apiserver_request_total", verb="WATCH", scope="namespace", code="200", **CM) == 1
    assert delta(before, after, "apiserver_request_sli_duration_seconds_count", verb="WATCH", **CM) == 0

    gr = dict(group="", resource="configmaps")
    slo = "apiserver_watch_event_latency_seconds"
    # five changes reached this watcher (other tests' watchers may be open: at least these five)
    assert delta(before, after, f"{slo}_count", encoder="json", **gr) >= 5
    assert delta(before, after, f"{slo}_bucket", encoder="json", le="+Inf", **gr) >= 5
    assert 0 < delta(before, after, f"{slo}_sum", encoder="json", **gr) < 5 * 1.0  # well inside the SLO
    assert delta(before, after, "apiserver_watch_events_total", group="", version="v1", resource="configmaps") >= 8
    assert delta(before, after, "apiserver_watch_events_sizes_count", group="", resource="configmaps") >= 8
    assert delta(before, after, "apiserver_init_events_total", **gr) >= 3
    # the cache received and dispatched the five writes, and saw this server's own writes arrive
    assert delta(before, after, "apiserver_watch_cache_events_received_total", **gr) >= 5
    assert delta(before, after, "apiserver_storage_events_received_total", **gr) >= 5
    assert delta(before, after, "apiserver_watch_cache_events_dispatched_total", **gr) >= 5
    assert delta(before, after, "apiserver_watch_cache_event_lag_seconds_count", **gr) >= 5
    cacher = server.cachers[("", "configmaps")]
    rv = value(after, "apiserver_watch_cache_resource_version", **gr)
    assert rv >= int(events[-1]["object"]["metadata"]["resourceVersion"])
    assert value(after, "watch_cache_capacity", **gr) >= cacher.buffer.capacity
    assert value(after, "apiserver_resource_objects", **gr) >= 3
    assert value(after, "apiserver_storage_objects", resource="configmaps") >= 3


async def test_protobuf_watchers_have_their_own_encoder_label(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    assert (await api.post(base, {"metadata": {"name": "p"}}))[0] == 201
    _, listed, _ = await api.get(base)
    before = await scrape(api)
    params = {"watch": "1", "resourceVersion": listed["metadata"]["resourceVersion"]}
    headers = {"Accept": "application/vnd.kubernetes.protobuf;stream=watch"}
    async with api.session.get(api.base + base, params=params, headers=headers) as resp:
        assert (await api.put(f"{base}/p", {"metadata": {"name": "p"}, "data": {"x": "y"}}))[0] == 200
        length = int.from_bytes(await asyncio.wait_for(resp.content.readexactly(4), 10), "big")
        await resp.content.readexactly(length)
    after = await scrape(api)
    slo = "apiserver_watch_event_latency_seconds_count"
    assert delta(before, after, slo, group="", resource="configmaps", encoder="protobuf") == 1


async def test_cache_reads_and_storage_lists(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    status, first, _ = await api.post(base, {"metadata": {"name": "old"}})
    assert status == 201
    assert (await api.post(base, {"metadata": {"name": "new"}}))[0] == 201
    before = await scrape(api)
    assert (await api.get(base))[0] == 200  # consistent read from the cache
    exact = {"resourceVersion": first["metadata"]["resourceVersion"], "resourceVersionMatch": "Exact"}
    status, old_list, _ = await api.get(base, params=exact)  # a past revision: served by etcd
    assert status == 200 and [i["metadata"]["name"] for i in old_list["items"]] == ["old"]
    after = await scrape(api)
    gr = dict(group="", resource="configmaps")
    reads = "apiserver_watch_cache_consistent_read_total"
    assert delta(before, after, reads, success="true", fallback="false", **gr) == 1
    assert delta(before, after, "apiserver_watch_cache_read_wait_seconds_count", **gr) >= 0
    assert delta(before, after, "apiserver_cache_list_total", **gr) == 1
    assert delta(before, after, "apiserver_cache_list_returned_objects_total", **gr) == 2
    assert delta(before, after, "apiserver_storage_list_total", **gr) == 1
    assert delta(before, after, "apiserver_storage_list_returned_objects_total", **gr) == 1
    assert delta(before, after, "apiserver_storage_list_fetched_objects_total", **gr) == 1
    assert delta(before, after, "etcd_requests_total", operation="list", **gr) == 1


async def test_exposition_formats_and_runtime_metrics(api: API) -> None:
    async with api.session.get(api.base + "/metrics") as resp:
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await resp.text()
    assert "# HELP apiserver_request_total [STABLE] Counter of apiserver requests" in text
    assert "# TYPE apiserver_request_duration_seconds histogram" in text
    assert "_created" not in text  # kube's pages have no created series
    # bucket bounds as Go writes them: le="1", not prometheus-client's le="1.0"
    assert 'le="1"' in text and 'le="1.0"' not in text and 'le="1e+06"' in text
    # only long-running verbs have the gauge (a GET of one configmap was made above; a named WATCH elsewhere
    # legitimately has scope="resource")
    assert not re.search(r'^apiserver_longrunning_requests\{[^}]*verb="(GET|LIST|POST)"', text, re.M)
    for runtime in ("process_cpu_seconds_total", "process_resident_memory_bytes", "python_gc_collections_total"):
        assert runtime in text
    async with api.session.get(api.base + "/metrics", headers={"Accept": "application/openmetrics-text"}) as resp:
        assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
        assert (await resp.text()).rstrip().endswith("# EOF")
    samples = await scrape(api)
    assert value(samples, "apiserver_storage_size_bytes", storage_cluster_id="etcd-0") > 0


def _buckets(samples: Samples, name: str, **labels: str) -> list[tuple[float, float]]:
    want = set(labels.items())
    out = [(float(dict(ls)["le"]), v) for (n, ls), v in samples.items() if n == f"{name}_bucket" and want <= ls]
    return sorted(out)


async def test_histogram_buckets_are_kubes(api: API) -> None:
    samples: dict[Any, float] = await scrape(api)
    les = [le for le, _ in _buckets(samples, "apiserver_request_duration_seconds", subresource="/metrics")]
    assert les[:4] == [0.005, 0.025, 0.05, 0.1] and les[-2:] == [60.0, float("inf")] and len(les) == 24
    les = [le for le, _ in _buckets(samples, "apiserver_watch_event_latency_seconds", resource="configmaps",
                                    encoder="json")]  # fmt: skip
    # past a minute, as the request-latency buckets: a starved watcher must not sit in a 10 s top bucket
    assert les == [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120,
                   float("inf")]  # fmt: skip
    lag = [le for le, _ in _buckets(samples, "apiserver_watch_cache_event_lag_seconds", resource="configmaps")]
    assert lag[-3:] == [60.0, 120.0, float("inf")]
    counts = [v for _, v in _buckets(samples, "apiserver_watch_event_latency_seconds", resource="configmaps",
                                     encoder="json")]  # fmt: skip
    assert counts == sorted(counts)  # cumulative


class _Big(Collector):
    """A histogram family of 2,000 series (~1.2 MB of text, 60k lines): a busy server's page."""

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily("big_seconds", "A big family.", labels=["resource", "verb"])
        buckets = [(str(b), float(i)) for i, b in enumerate((0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600))]
        for i in range(2000):
            family.add_metric([f"resource{i // 8}", f"verb{i % 8}"], [*buckets, ("+Inf", 10.0)], 12.5)
        yield family


class _LoopBound(Collector):
    def __init__(self) -> None:
        self.threads: list[int] = []

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        self.threads.append(threading.get_ident())
        family = CounterMetricFamily("loop_bound_total", "Collected on the loop.")
        family.add_metric([], 1)
        yield family


async def test_metrics_page_is_formatted_off_the_event_loop() -> None:
    """A ~1 MB page: formatted on the loop it held the loop for the whole page (what a scrape did to every
    client); in a thread the loop keeps ticking, at worst a GIL switch interval or two apart. A collector
    registered as loop-bound is collected on the loop's thread, once, and its family is on the page."""
    registry = CollectorRegistry()
    registry.register(_Big())
    loop_bound = _LoopBound()
    proxy = page.OnLoop(loop_bound)
    registry.register(proxy)
    page.ON_LOOP.append(proxy)
    try:
        async with loop_gaps() as gaps:
            await asyncio.sleep(0.01)
            before = len(gaps)
            body = await page.render(generate_latest, registry)
            ticks = len(gaps) - before
    finally:
        page.ON_LOOP.remove(proxy)
    assert body == generate_latest(registry)  # the same page as formatted on the loop
    assert len(body) > 1_000_000 and b"loop_bound_total 1.0" in body
    assert loop_bound.threads[0] == threading.get_ident() and len(loop_bound.threads) == 2  # + the check's own
    # the loop kept turning while the page was formatted (on the loop it would not turn at all until the end;
    # how long each turn waited for the GIL depends on the machine's load, so no time is asserted)
    assert ticks > 10, ticks


async def test_paths_without_a_route_make_no_series(api: API, ns: str) -> None:
    """Found by tests/test_fuzz.py (and a Prometheus recording rule that then saw three series): an unknown
    subresource, or segments past a name or a subresource, were labelled with whatever the client sent, so
    random paths made new series without bound. kube instruments routes only; these have none (404)."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    assert (await api.post(base, {"metadata": {"name": "a"}}))[0] == 201
    for path in ("a/fz-bogus", "a//fz-empty", "a/status/fz-extra"):
        assert (await api.get(f"{base}/{path}"))[0] == 404
        assert (await api.post(f"{base}/{path}", {}))[0] in (404, 405)
    samples = await scrape(api)
    subresources = {ls.get("subresource") for ls in label_sets(samples, "apiserver_request_total")}
    assert not {s for s in subresources if s and s.startswith("fz-")}
