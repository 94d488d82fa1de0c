"""A DELETE decides on the watch cache's object instead of reading etcd (GenericStore.delete): when that object
is stale, the outcome is still the one etcd's state gives (the txn's revision check, then a second decision on
etcd's state). The cache's lag is made deterministic by handing out an earlier state of the real cache."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.store import GenericStore
from aiokube.apiserver.server import APIServer
from aiokube.storage.store import Preconditions

from .conftest import API

Obj = dict[str, Any]


@pytest.fixture
def store(server: APIServer) -> GenericStore:
    assert server.generic is not None
    return server.generic


def _info(store: GenericStore, plural: str) -> ResourceInfo:
    info = store.registry.get("", "v1", plural)
    assert info is not None
    return info


async def _cached(store: GenericStore, info: ResourceInfo, ns: str, name: str, rv: str) -> Obj:
    """The cache's object once it has reached ``rv``."""
    key = info.key(ns, name)
    for _ in range(200):
        obj = store.cacher_for(info).peek(key)
        if obj is not None and obj["metadata"]["resourceVersion"] == rv:
            return obj
        await asyncio.sleep(0.01)
    raise AssertionError(f"the cache never reached {rv}")


async def _stale_after(
    store: GenericStore, info: ResourceInfo, ns: str, obj: Obj, change: Obj, monkeypatch: pytest.MonkeyPatch
) -> Obj:
    """Create ``obj``, remember the cache's object, merge ``change`` into etcd's, and make the cache hand out
    the remembered (now stale) state. Returns etcd's object."""
    created = await store.create(info, obj, ns, dry_run=False, manager="m")
    stale = await _cached(store, info, ns, obj["metadata"]["name"], created["metadata"]["resourceVersion"])

    async def merge(current: Obj | None) -> Obj:
        assert current is not None
        current["metadata"].update(change)
        return current

    name = obj["metadata"]["name"]
    updated, _ = await store.update(
        info, ns, name, merge, subresource="", allow_create=False, preconditions=None, dry_run=False, manager="m"
    )
    cacher = store.cacher_for(info)
    monkeypatch.setattr(cacher, "peek", lambda key: stale if key == info.key(ns, name) else None)
    return updated


def _pod(name: str, ns: str) -> Obj:
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def _configmap(name: str, ns: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"k": "v"}}


async def test_an_up_to_date_cache_spares_the_etcd_read(store: GenericStore, ns: str, api: API) -> None:
    info = _info(store, "configmaps")
    created = await store.create(info, _configmap("a", ns), ns, dry_run=False, manager="m")
    await _cached(store, info, ns, "a", created["metadata"]["resourceVersion"])
    reads: list[str] = []
    real_get = store.storage.get

    async def counting_get(key: str, **kwargs: Any) -> Obj:
        reads.append(key)
        return await real_get(key, **kwargs)

    store.storage.get = counting_get  # type: ignore[method-assign]
    try:
        await store.delete(info, ns, "a", DeleteOptions())
    finally:
        del store.storage.get
    assert reads == []
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/a")
    assert status == 404


async def test_a_finalizer_the_cache_has_not_seen_keeps_the_object(
    store: GenericStore, ns: str, api: API, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _info(store, "configmaps")
    await _stale_after(store, info, ns, _configmap("f", ns), {"finalizers": ["example.com/keep"]}, monkeypatch)
    marked = await store.delete(info, ns, "f", DeleteOptions())
    assert marked["metadata"]["deletionTimestamp"] and marked["metadata"]["finalizers"] == ["example.com/keep"]
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/f")
    assert status == 200 and body["metadata"]["deletionTimestamp"]


async def test_a_pod_the_cache_has_stale_is_marked_as_etcd_holds_it(
    store: GenericStore, ns: str, api: API, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _info(store, "pods")
    await _stale_after(store, info, ns, _pod("p", ns), {"finalizers": ["example.com/keep"]}, monkeypatch)
    # unscheduled: grace 0, so without the finalizer (what the cache shows) it would be removed at once
    marked = await store.delete(info, ns, "p", DeleteOptions())
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert status == 200 and body["metadata"]["finalizers"] == ["example.com/keep"]


async def test_preconditions_are_judged_on_etcds_state(
    store: GenericStore, ns: str, api: API, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _info(store, "configmaps")
    current = await _stale_after(store, info, ns, _configmap("c", ns), {"labels": {"x": "y"}}, monkeypatch)
    rv = current["metadata"]["resourceVersion"]
    with pytest.raises(StatusError) as exc:  # the stale state's revision: etcd says no, as kube would
        await store.delete(info, ns, "c", DeleteOptions(preconditions=Preconditions(resource_version=str(int(rv) - 1))))
    assert exc.value.code == 409
    # the cache's object is older than the precondition, etcd's matches it: deleted
    await store.delete(info, ns, "c", DeleteOptions(preconditions=Preconditions(resource_version=rv)))
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/c")
    assert status == 404
