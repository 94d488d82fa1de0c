"""LIST and WATCH over HTTP with Kubernetes resourceVersion semantics, served from the watch cache."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from aiokube.apiserver.endpoints.bookmarks import bookmark_object
from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.apiserver.transport import directsink
from aiokube.encoding.encoders import encoder_for
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.store import Store
from aiokube.watchcache.cacher import Cacher, CacherConfig
from tests import rawwatch
from tests.conftest import API

SMALL = 30  # ring capacity of the second server


@pytest.fixture(scope="module")
async def small_server(etcd: EmbeddedEtcd) -> AsyncIterator[APIServer]:
    """A second replica on the same etcd: tiny fixed ring, bookmarks every second."""
    cfg = CacherConfig(initial_capacity=SMALL, lower_capacity=SMALL, upper_capacity=SMALL, bookmark_frequency=1.0)
    srv = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0, cacher=cfg))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def small(small_server: APIServer, http_session: aiohttp.ClientSession) -> API:
    return API(http_session, small_server.url)


async def watch_lines(
    api: API, path: str, params: dict[str, str], *, seconds: float, stop_after: int = 0
) -> tuple[int, dict, list[dict]]:
    """Open a watch, read JSON lines for up to ``seconds`` (or ``stop_after`` lines)."""
    lines: list[dict] = []
    async with api.session.get(api.base + path, params={"watch": "1", **params}) as resp:
        headers = dict(resp.headers)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (not stop_after or len(lines) < stop_after):
            try:
                line = await asyncio.wait_for(resp.content.readline(), deadline - time.monotonic())
            except TimeoutError:
                break
            if not line:
                break
            lines.append(json.loads(line))
        return resp.status, headers, lines


def summary(lines: list[dict]) -> list[tuple[str, str]]:
    out = []
    for ev in lines:
        obj = ev["object"]
        name = obj["metadata"].get("name") or obj.get("message") or obj["metadata"].get("resourceVersion")
        out.append((ev["type"], name))
    return out


async def test_watch_stream_framing_and_events(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, cm, _ = await api.post(base, {"metadata": {"name": "a"}})
    rv = cm["metadata"]["resourceVersion"]

    async def writer() -> None:
        await asyncio.sleep(0.2)
        await api.put(f"{base}/a", {"metadata": {"name": "a"}, "data": {"k": "v"}})
        await api.delete(f"{base}/a")

    task = asyncio.create_task(writer())
    status, headers, lines = await watch_lines(api, base, {"resourceVersion": rv}, seconds=5, stop_after=2)
    await task
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Transfer-Encoding"] == "chunked"
    assert summary(lines) == [("MODIFIED", "a"), ("DELETED", "a")]
    modified, deleted = lines[0]["object"], lines[1]["object"]
    assert modified["kind"] == "ConfigMap" and modified["apiVersion"] == "v1" and modified["data"] == {"k": "v"}
    # DELETED carries the last state with the deletion's resourceVersion
    assert deleted["data"] == {"k": "v"}
    assert int(deleted["metadata"]["resourceVersion"]) > int(modified["metadata"]["resourceVersion"])


async def test_watch_without_rv_is_watch_list(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("b", "a"):
        await api.post(base, {"metadata": {"name": name}})
    _, _, plain = await watch_lines(api, base, {}, seconds=1)
    assert summary(plain) == [("ADDED", "a"), ("ADDED", "b")]  # key order; no bookmark without asking
    _, _, listed = await watch_lines(api, base, {"allowWatchBookmarks": "true"}, seconds=1)
    assert summary(listed)[:2] == [("ADDED", "a"), ("ADDED", "b")]
    end = listed[2]
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert list(end["object"]) == ["kind", "apiVersion", "metadata"]
    _, lst, _ = await api.get(base)
    assert int(end["object"]["metadata"]["resourceVersion"]) >= max(
        int(i["metadata"]["resourceVersion"]) for i in lst["items"]
    )
    # explicit watch-list from RV "0"
    _, _, explicit = await watch_lines(
        api,
        base,
        {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "resourceVersion": "0",
         "allowWatchBookmarks": "true"},
        seconds=1,
    )  # fmt: skip
    assert [t for t, _ in summary(explicit)] == ["ADDED", "ADDED", "BOOKMARK"]


async def test_watch_too_old_is_in_stream_410(small: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, first, _ = await small.post(base, {"metadata": {"name": "first"}})
    for i in range(SMALL + 5):
        await small.post(base, {"metadata": {"name": f"c{i:03}"}})
    old = first["metadata"]["resourceVersion"]
    status, _, lines = await watch_lines(small, base, {"resourceVersion": old}, seconds=3)
    assert status == 200 and len(lines) == 1
    err = lines[0]
    assert err["type"] == "ERROR"
    obj = err["object"]
    assert obj["code"] == 410 and obj["reason"] == "Expired" and obj["kind"] == "Status"
    assert obj["message"].startswith(f"too old resource version: {old} (")


async def test_410_in_stream_ends_with_last_chunk(small_server: APIServer, small: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, first, _ = await small.post(base, {"metadata": {"name": "first"}})
    for i in range(SMALL + 5):
        await small.post(base, {"metadata": {"name": f"c{i:03}"}})
    old = first["metadata"]["resourceVersion"]
    r = await rawwatch.watch(small_server.url, f"{base}?watch=1&resourceVersion={old}", limit=5)
    assert r.status == 200 and r.terminated and r.elapsed < 2, r
    assert [f["type"] for f in r.frames] == ["ERROR"] and r.frames[0]["object"]["code"] == 410


async def test_slow_watcher_closed_with_last_chunk(small_server: APIServer, small: API, ns: str) -> None:
    """A client that stops reading is closed by the dispatcher (its queue full past the budget); once it
    reads again it gets what was on the wire and the stream's end, not a cut connection."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, cm, _ = await small.post(base, {"metadata": {"name": "big"}})
    cacher = small_server.cachers[("", "configmaps")]
    terminated = cacher.stats.terminated_watchers
    path = f"{base}?watch=1&resourceVersion={cm['metadata']['resourceVersion']}&timeoutSeconds=60"
    reader, writer, _ = await rawwatch.open_watch(small_server.url, path, rcvbuf=4096)
    try:
        await asyncio.sleep(0.2)
        payload = "x" * 100_000
        for i in range(300):  # up to 30 MB of events to a client that reads none of them
            await small.put(f"{base}/big", {"metadata": {"name": "big"}, "data": {"i": str(i), "p": payload}})
            if cacher.stats.terminated_watchers > terminated:
                break
        assert cacher.stats.terminated_watchers == terminated + 1
        result = rawwatch.WatchResult()
        async with asyncio.timeout(10):
            await rawwatch.read_stream(reader, result)
        assert result.status == 200 and result.terminated
        revisions = [int(f["object"]["metadata"]["resourceVersion"]) for f in result.frames]
        assert revisions and revisions == sorted(revisions) and all(f["type"] == "MODIFIED" for f in result.frames)
    finally:
        writer.close()


async def test_selector_transitions_over_http(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, a, _ = await api.post(base, {"metadata": {"name": "a", "labels": {"tier": "web"}}})
    await api.post(base, {"metadata": {"name": "b", "labels": {"tier": "db"}}})
    rv = a["metadata"]["resourceVersion"]

    async def relabel() -> None:
        await asyncio.sleep(0.2)
        for name, tier in (("a", "db"), ("b", "web")):
            _, cur, _ = await api.get(f"{base}/{name}")
            cur["metadata"]["labels"]["tier"] = tier
            await api.put(f"{base}/{name}", cur)

    task = asyncio.create_task(relabel())
    _, _, lines = await watch_lines(
        api, base, {"resourceVersion": rv, "labelSelector": "tier=web"}, seconds=5, stop_after=2
    )
    await task
    assert summary(lines) == [("DELETED", "a"), ("ADDED", "b")]
    deleted = next(ev for ev in lines if ev["type"] == "DELETED")["object"]
    assert deleted["metadata"]["labels"] == {"tier": "web"}  # previous content


async def test_periodic_bookmarks_and_timeout(small: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, cm, _ = await small.post(base, {"metadata": {"name": "a"}})
    await small.post("/api/v1/namespaces/default/configmaps", {"metadata": {"generateName": "elsewhere-"}})
    started = time.monotonic()
    _, _, lines = await watch_lines(
        small, base, {"resourceVersion": cm["metadata"]["resourceVersion"], "allowWatchBookmarks": "true",
                      "timeoutSeconds": "4"}, seconds=10,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert 3.5 < elapsed < 6, "timeoutSeconds ends the stream"
    bookmarks = [ev for ev in lines if ev["type"] == "BOOKMARK"]
    assert bookmarks, lines
    for ev in bookmarks:
        assert list(ev["object"]["metadata"]) == ["resourceVersion"]
        assert int(ev["object"]["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])


async def test_legacy_and_named_watch_paths(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, a, _ = await api.post(base, {"metadata": {"name": "a"}})
    await api.post(base, {"metadata": {"name": "b"}})
    rv = str(int(a["metadata"]["resourceVersion"]) - 1)
    _, _, lines = await watch_lines(api, f"/api/v1/watch/namespaces/{ns}/configmaps", {"resourceVersion": rv},
                                    seconds=1)  # fmt: skip
    assert summary(lines) == [("ADDED", "a"), ("ADDED", "b")]
    _, _, lines = await watch_lines(api, f"/api/v1/watch/namespaces/{ns}/configmaps/b", {"resourceVersion": rv},
                                    seconds=1)  # fmt: skip
    assert summary(lines) == [("ADDED", "b")]
    status, err, _ = await api.get(
        f"/api/v1/watch/namespaces/{ns}/configmaps/b", params={"fieldSelector": "metadata.name=a"}
    )
    assert status == 400 and err["message"] == "fieldSelector metadata.name doesn't match requested name"
    _, _, lines = await watch_lines(api, f"/api/v1/watch/namespaces/{ns}/configmaps", {}, seconds=1)
    assert summary(lines) == [("ADDED", "a"), ("ADDED", "b")]  # legacy path, RV unset: the state, no bookmark
    _, _, lines = await watch_lines(api, "/api/v1/configmaps", {"resourceVersion": rv, "fieldSelector":
                                    f"metadata.namespace={ns}"}, seconds=1)  # fmt: skip
    assert summary(lines) == [("ADDED", "a"), ("ADDED", "b")]


async def test_watch_option_validation(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    status, err, _ = await api.get(base, params={"watch": "1", "sendInitialEvents": "true"})
    assert status == 422
    assert err["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires '
        "setting resourceVersionMatch to NotOlderThan"
    )
    status, err, _ = await api.get(base, params={"watch": "1", "resourceVersion": "5",
                                                 "resourceVersionMatch": "NotOlderThan"})  # fmt: skip
    assert status == 422 and "resourceVersionMatch is forbidden for watch unless sendInitialEvents" in err["message"]


async def test_watch_list_future_rv_times_out_in_stream(api: API, ns: str) -> None:
    _, lst, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps")
    future = int(lst["metadata"]["resourceVersion"]) + 10_000
    params = {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "resourceVersion": str(future)}
    status, _, lines = await watch_lines(api, f"/api/v1/namespaces/{ns}/configmaps", params, seconds=8)
    assert status == 200 and len(lines) == 1
    obj = lines[0]["object"]
    assert lines[0]["type"] == "ERROR" and obj["code"] == 504 and obj["reason"] == "Timeout"
    assert obj["message"].startswith(f"Timeout: Too large resource version: {future}, current: ")
    assert obj["details"] == {
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        "retryAfterSeconds": 1,
    }


async def test_list_rv_semantics(api: API, small: API, ns: str, store: Store) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(3):
        await api.post(base, {"metadata": {"name": f"c{i}"}})
    # read-your-writes across replicas: a write through one server, a consistent LIST on the other
    await api.post(base, {"metadata": {"name": "latest"}})
    _, lst, _ = await small.get(base)
    assert "latest" in [i["metadata"]["name"] for i in lst["items"]]
    rv = int(lst["metadata"]["resourceVersion"])
    _, any_rv, _ = await small.get(base, params={"resourceVersion": "0", "limit": "1"})
    assert len(any_rv["items"]) == 4  # kube ignores limit for RV=0
    _, not_older, _ = await small.get(base, params={"resourceVersion": str(rv), "resourceVersionMatch": "NotOlderThan"})
    assert int(not_older["metadata"]["resourceVersion"]) >= rv
    # Exact at an old revision is served from etcd; after compaction it is 410 with etcd's message
    _, exact, _ = await api.get(base, params={"resourceVersion": str(rv), "resourceVersionMatch": "Exact"})
    assert int(exact["metadata"]["resourceVersion"]) == rv and len(exact["items"]) == 4
    _, page, _ = await api.get(base, params={"limit": "2"})
    assert page["metadata"]["continue"] and page["metadata"]["remainingItemCount"] == 2
    await api.post(base, {"metadata": {"name": "later"}})
    await store.compact(await store.current_revision())
    status, err, _ = await api.get(base, params={"resourceVersion": str(rv), "resourceVersionMatch": "Exact"})
    assert status == 410 and err["message"] == "The resourceVersion for the provided list is too old."
    status, err, _ = await api.get(base, params={"limit": "2", "continue": page["metadata"]["continue"]})
    assert status == 410 and err["reason"] == "Expired" and err["metadata"]["continue"]
    assert err["message"].startswith("The provided continue parameter is too old")
    # the inconsistent continuation the 410 offers works
    status, rest, _ = await api.get(base, params={"limit": "10", "continue": err["metadata"]["continue"]})
    assert status == 200 and [i["metadata"]["name"] for i in rest["items"]] == ["c2", "later", "latest"]


async def test_get_with_resource_versions(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, cm, _ = await api.post(base, {"metadata": {"name": "g"}})
    rv = cm["metadata"]["resourceVersion"]
    for params in ({}, {"resourceVersion": "0"}, {"resourceVersion": rv}):
        for _ in range(20):  # RV=0 may lag the write briefly: it reads whatever the cache has
            status, got, _ = await api.get(f"{base}/g", params=params)
            if status == 200:
                break
            await asyncio.sleep(0.05)
        assert status == 200 and got == cm, params
    status, _, headers = await api.get(f"{base}/g", params={"resourceVersion": str(int(rv) + 100000)})
    assert status == 504 and headers["Retry-After"] == "1"


def _informer(url: str, ns: str, stop: threading.Event, state: dict[str, Any]) -> None:
    """The kubernetes client's informer pattern: list, watch from the list's RV, relist on 410."""
    from kubernetes import client, watch
    from kubernetes.client.rest import ApiException

    cfg = client.Configuration()
    cfg.host = url
    core = client.CoreV1Api(client.ApiClient(cfg))
    cache: dict[str, str] = state["cache"]
    while not stop.is_set():
        lst = core.list_namespaced_config_map(ns)
        cache.clear()
        cache.update({i.metadata.name: i.metadata.resource_version for i in lst.items})
        state["lists"] += 1
        rv = lst.metadata.resource_version
        state["listed"].set()
        state["resume"].wait()  # the test holds the first watch back: a client that was disconnected
        try:
            while not stop.is_set():
                w = watch.Watch()
                for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=1,
                                   allow_watch_bookmarks=True):  # fmt: skip
                    obj = ev["object"]
                    rv = obj.metadata.resource_version
                    if ev["type"] == "DELETED":
                        cache.pop(obj.metadata.name, None)
                    elif ev["type"] in ("ADDED", "MODIFIED"):
                        cache[obj.metadata.name] = rv
                    if stop.is_set():
                        w.stop()
        except ApiException as exc:
            if exc.status != 410:
                raise
            state["gone"] += 1


async def test_python_client_informer_survives_410_and_compaction(
    small_server: APIServer, small: API, ns: str, store: Store
) -> None:
    stop = threading.Event()
    state: dict[str, Any] = {
        "cache": {}, "lists": 0, "gone": 0, "listed": threading.Event(), "resume": threading.Event()
    }  # fmt: skip
    thread = asyncio.create_task(asyncio.to_thread(_informer, small_server.url, ns, stop, state))
    base = f"/api/v1/namespaces/{ns}/configmaps"
    try:
        assert await asyncio.to_thread(state["listed"].wait, 10)
        for i in range(SMALL * 3):  # more than the ring holds while the informer is away
            await small.post(base, {"metadata": {"name": f"o{i:03}"}})
            if i % 7 == 0:
                await small.delete(f"{base}/o{i:03}")
            if i == SMALL:
                await store.compact(await store.current_revision())
        state["resume"].set()
        for i in range(5):  # and some more while it is back
            await small.post(base, {"metadata": {"name": f"late{i}"}})
        _, lst, _ = await small.get(base)
        expected = {i["metadata"]["name"]: i["metadata"]["resourceVersion"] for i in lst["items"]}
        for _ in range(100):
            if state["cache"] == expected:
                break
            await asyncio.sleep(0.1)
        assert state["cache"] == expected
    finally:
        stop.set()
        await asyncio.wait_for(thread, 10)
    assert state["gone"] >= 1 and state["lists"] >= 2  # it got 410 and relisted


async def test_watch_from_other_replica_sees_writes(api: API, small: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await small.get(base)

    async def write() -> None:
        await asyncio.sleep(0.2)
        await api.post(base, {"metadata": {"name": f"x-{uuid.uuid4().hex[:4]}"}})

    task = asyncio.create_task(write())
    _, _, lines = await watch_lines(small, base, {"resourceVersion": lst["metadata"]["resourceVersion"]}, seconds=5,
                                    stop_after=1)  # fmt: skip
    await task
    assert [t for t, _ in summary(lines)] == ["ADDED"]


async def test_many_watchers_get_every_event_once_in_order(api: API, ns: str) -> None:
    """The direct path (cacher dispatch -> parked watchers' sinks -> one coalesced write per stream): 20
    watchers, 60 writes made as fast as they complete, some of them concurrent. Each watcher sees each event
    once, in resourceVersion order."""
    assert directsink.DIRECT
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await api.get(base)
    rv = lst["metadata"]["resourceVersion"]
    flushes = directsink.FLUSHER.flushes
    n_watchers, n_writes = 20, 60

    async def one_watch() -> list[dict]:
        _, _, lines = await watch_lines(api, base, {"resourceVersion": rv}, seconds=20, stop_after=n_writes)
        return lines

    watches = [asyncio.create_task(one_watch()) for _ in range(n_watchers)]
    await asyncio.sleep(0.5)  # all connected and parked
    for i in range(0, n_writes, 3):
        results = await asyncio.gather(
            *(api.post(base, {"metadata": {"name": f"cm-{j}"}, "data": {"j": str(j)}}) for j in range(i, i + 3))
        )
        assert all(status == 201 for status, _, _ in results)
    got = await asyncio.gather(*watches)
    for lines in got:
        rvs = [int(ev["object"]["metadata"]["resourceVersion"]) for ev in lines]
        assert len(lines) == n_writes and all(ev["type"] == "ADDED" for ev in lines)
        assert rvs == sorted(set(rvs))  # in order, no event twice
        assert {ev["object"]["metadata"]["name"] for ev in lines} == {f"cm-{j}" for j in range(n_writes)}
    assert directsink.FLUSHER.flushes > flushes  # they went the direct way


async def test_resets_release_every_watcher(server: APIServer, ns: str) -> None:
    """1,000 watches left by a TCP reset at random moments (before, during and after the initial events):
    afterwards no cacher holds any of them, and no bookmark schedule or flusher entry keeps one alive."""
    import gc
    import random

    from aiokube.watchcache.watcher import CacheWatcher

    cachers = [server.cachers[("", "configmaps")], server.cachers[("", "pods")]]
    before = [c.watcher_count for c in cachers]
    paths = [
        f"/api/v1/namespaces/{ns}/configmaps?watch=1&timeoutSeconds=30",
        "/api/v1/configmaps?watch=1&allowWatchBookmarks=true&labelSelector=a%3Db",
        "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
    ]
    gate = asyncio.Semaphore(50)

    async def short(i: int) -> None:
        async with gate:
            await rawwatch.watch(server.url, paths[i % len(paths)], abort_after=random.uniform(0.0, 0.02))

    await asyncio.gather(*(short(i) for i in range(1000)))
    for _ in range(50):
        if [c.watcher_count for c in cachers] == before:
            break
        await asyncio.sleep(0.1)
    assert [c.watcher_count for c in cachers] == before
    await asyncio.sleep(0.1)  # the flusher's next round lets go of what it held
    assert directsink.FLUSHER.pending == 0
    gc.collect()
    objects = gc.get_objects()
    # every open watcher is still registered in some cacher (the controllers' of this and other servers)
    registered = sum(o.watcher_count for o in objects if isinstance(o, Cacher))
    alive = [o for o in objects if isinstance(o, CacheWatcher) and not o.closed]
    assert len(alive) == registered, f"{len(alive)} watchers open, {registered} registered"


#: BOOKMARK lines kube-apiserver 1.36 sent (resourceVersion replaced): the type's Go zero value, what
#: conversion fills in (replicas, the DaemonSet's template-generation annotation), nothing for a ConfigMap
KUBE_BOOKMARKS = {
    "api/v1/pods": b'{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"RV"},'
    b'"spec":{"containers":null},"status":{}}}',
    "apis/apps/v1/deployments": b'{"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1",'
    b'"metadata":{"resourceVersion":"RV"},"spec":{"replicas":0,"selector":null,"template":{"metadata":{},'
    b'"spec":{"containers":null}},"strategy":{}},"status":{}}}',
    "apis/apps/v1/daemonsets": b'{"type":"BOOKMARK","object":{"kind":"DaemonSet","apiVersion":"apps/v1","metadata":'
    b'{"resourceVersion":"RV","annotations":{"deprecated.daemonset.template.generation":"0"}},"spec":{"selector":'
    b'null,"template":{"metadata":{},"spec":{"containers":null}},"updateStrategy":{}},"status":'
    b'{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}}}',
    "api/v1/configmaps": b'{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":'
    b'{"resourceVersion":"RV"}}}',
}


_TEMPLATE = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
_ANOTHER: dict[str, dict[str, Any]] = {
    "pods": {"metadata": {"generateName": "other-"}, "spec": _TEMPLATE["spec"]},
    "deployments": {"metadata": {"generateName": "other-"},
                    "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": _TEMPLATE}},
    "daemonsets": {"metadata": {"generateName": "other-"},
                   "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": _TEMPLATE}},
    "configmaps": {"metadata": {"generateName": "other-"}},
}  # fmt: skip


@pytest.mark.parametrize("path", list(KUBE_BOOKMARKS))
async def test_bookmark_objects_are_kubes(small: API, ns: str, path: str) -> None:
    """A bookmark's object is the type's zero value as kube 1.36 writes it, byte for byte."""
    group_version, plural = path.rsplit("/", 1)
    url = f"{small.base}/{group_version}/namespaces/{ns}/{plural}"
    params = {"watch": "1", "allowWatchBookmarks": "true", "timeoutSeconds": "3",
              "fieldSelector": "metadata.name=zz-none"}  # fmt: skip
    async with small.session.get(url, params=params) as resp:
        # an object of the resource the watch does not select moves the resource's cache past the watch's start
        status, body, _ = await small.post(f"/{group_version}/namespaces/{ns}/{plural}", _ANOTHER[plural])
        assert status == 201, body
        line = b""  # the first bookmark ends the initial events (RV unset): the next one is periodic
        while not line.startswith(b'{"type":"BOOKMARK"') or b"k8s.io/initial-events-end" in line:
            line = await asyncio.wait_for(resp.content.readline(), 5)
            assert line, "no bookmark before the stream ended"
    rv = json.loads(line)["object"]["metadata"]["resourceVersion"]
    assert line.rstrip(b"\n").replace(f'"{rv}"'.encode(), b'"RV"') == KUBE_BOOKMARKS[path]


def test_protobuf_bookmark_frame_is_kubes() -> None:
    """kube 1.36's protobuf BOOKMARK frame of a Deployment watch (resourceVersion 1684), byte for byte."""
    kube = bytes.fromhex(
        "0a08424f4f4b4d41524b1286010a83016b3873000a150a07617070732f7631120a4465706c6f796d656e7412620a140a0012001a00"
        "22002a0032043136383438004200123c08001a300a100a0012001a0022002a00320038004200121c1a00320042004a00520058006000"
        "68008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200"
    )
    bookmark = bookmark_object("Deployment", "apps/v1", 1684)
    frame = encoder_for("protobuf", "deployments.apps").plain_frame("BOOKMARK", bookmark)
    assert frame == len(kube).to_bytes(4, "big") + kube
