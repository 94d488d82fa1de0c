"""The generic registry store without HTTP: what controllers and handlers both write through
(apiserver/registry/store.py, pods.py, namespaces.py, scale.py, options.py), against the session's real etcd
and watch caches. HTTP reads cross-check that what the store wrote is what clients see."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry import pods, scale
from aiokube.apiserver.registry.options import (
    DeleteOptions,
    ListOptions,
    parse_resource_version,
    validate_list_options,
)
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.selection import predicate
from aiokube.apiserver.registry.store import GenericStore
from aiokube.apiserver.server import APIServer
from aiokube.storage.selection import FieldSelector, LabelSelector

from .conftest import API

Obj = dict[str, Any]


@pytest.fixture
def store(server: APIServer) -> GenericStore:
    assert server.generic is not None
    return server.generic


def _info(store: GenericStore, group: str, version: str, plural: str) -> ResourceInfo:
    info = store.registry.get(group, version, plural)
    assert info is not None
    return info


def _configmap(name: str, ns: str, labels: dict[str, str] | None = None) -> Obj:
    md: Obj = {"name": name, "namespace": ns, **({"labels": labels} if labels else {})}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": {"k": "v"}}


async def test_create_records_the_manager_and_is_what_clients_read(store: GenericStore, api: API, ns: str) -> None:
    info = _info(store, "", "v1", "configmaps")
    stored = await store.create(info, _configmap("a", ns), ns, dry_run=False, manager="my-controller")
    md = stored["metadata"]
    assert md["uid"] and md["creationTimestamp"] and md["resourceVersion"]
    assert [m["manager"] for m in md["managedFields"]] == ["my-controller"]
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/a")
    assert status == 200 and body["metadata"]["uid"] == md["uid"] and body["data"] == {"k": "v"}
    with pytest.raises(StatusError) as exc:
        await store.create(info, _configmap("a", ns), ns, dry_run=False, manager="my-controller")
    assert exc.value.code == 409 and exc.value.reason == "AlreadyExists"


async def test_create_in_a_missing_namespace_is_refused_by_admission(store: GenericStore) -> None:
    info = _info(store, "", "v1", "configmaps")
    with pytest.raises(StatusError) as exc:
        await store.create(info, _configmap("a", "no-such-ns"), "no-such-ns", dry_run=False, manager="m")
    assert exc.value.code == 404 and 'namespaces "no-such-ns" not found' in exc.value.message


async def test_update_checks_the_resource_version_and_tracks_fields(store: GenericStore, ns: str) -> None:
    info = _info(store, "", "v1", "configmaps")
    created = await store.create(info, _configmap("u", ns), ns, dry_run=False, manager="a")
    stale = created["metadata"]["resourceVersion"]

    async def change(existing: Obj | None) -> Obj:
        assert existing is not None
        new = {**existing, "data": {"k": "w", "extra": "x"}}
        return new

    updated, created_now = await store.update(
        info, ns, "u", change, subresource="", allow_create=False, preconditions=None, dry_run=False, manager="b"
    )
    assert not created_now and updated["data"] == {"k": "w", "extra": "x"}
    assert {m["manager"] for m in updated["metadata"]["managedFields"]} == {"a", "b"}

    async def stale_write(existing: Obj | None) -> Obj:
        assert existing is not None
        return {**existing, "metadata": {**existing["metadata"], "resourceVersion": stale}}

    with pytest.raises(StatusError) as exc:
        await store.update(
            info, ns, "u", stale_write, subresource="", allow_create=False, preconditions=None, dry_run=False,
            manager="b",
        )  # fmt: skip
    assert exc.value.code == 409 and "the object has been modified" in exc.value.message


async def test_pod_delete_is_graceful_and_binding_schedules(store: GenericStore, api: API, ns: str) -> None:
    info = _info(store, "", "v1", "pods")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    await store.create(info, pod, ns, dry_run=False, manager="m")
    with pytest.raises(StatusError) as exc:
        await pods.bind(store.storage, info, ns, "p", {"kind": "Binding", "target": {}}, False)
    assert exc.value.code == 422
    await pods.bind(store.storage, info, ns, "p", {"kind": "Binding", "target": {"name": "node-1"}}, False)
    _, bound, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert bound["spec"]["nodeName"] == "node-1"
    assert [c["type"] for c in bound["status"]["conditions"]] == ["PodScheduled"]
    with pytest.raises(StatusError) as exc:
        await pods.bind(store.storage, info, ns, "p", {"kind": "Binding", "target": {"name": "node-2"}}, False)
    assert exc.value.code == 409 and 'already assigned to node "node-1"' in exc.value.message

    terminating = await store.delete(info, ns, "p", DeleteOptions())
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30 and terminating["metadata"]["deletionTimestamp"]
    gone = await store.delete(info, ns, "p", DeleteOptions(grace_period_seconds=0))
    assert gone["metadata"]["name"] == "p"
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert status == 404


async def test_finalizers_keep_an_object_until_the_last_is_removed(store: GenericStore, api: API, ns: str) -> None:
    info = _info(store, "", "v1", "configmaps")
    cm = _configmap("f", ns)
    cm["metadata"]["finalizers"] = ["example.com/a", "example.com/b"]
    await store.create(info, cm, ns, dry_run=False, manager="m")
    marked = await store.delete(info, ns, "f", DeleteOptions())
    assert marked["metadata"]["deletionTimestamp"]
    await store.remove_finalizer(info, ns, "f", "example.com/a")
    _, still, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/f")
    assert still["metadata"]["finalizers"] == ["example.com/b"]
    await store.remove_finalizer(info, ns, "f", "example.com/b")
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/f")
    assert status == 404


async def test_delete_collection_deletes_what_matches(store: GenericStore, ns: str) -> None:
    info = _info(store, "", "v1", "configmaps")
    for i in range(4):
        await store.create(info, _configmap(f"c{i}", ns, {"keep": str(i % 2)}), ns, dry_run=False, manager="m")
    pred = predicate(info, LabelSelector.parse("keep=0"), FieldSelector.parse(""))
    result = await store.delete_collection(info, ns, pred, DeleteOptions())
    assert sorted(i["metadata"]["name"] for i in result.items) == ["c0", "c2"]
    opts = ListOptions(LabelSelector.parse(""), FieldSelector.parse(""), 0, "", "", "")
    page = await store.list(info, ns, opts)
    assert sorted(e.obj["metadata"]["name"] for e in page.entries) == ["c1", "c3"]


async def test_namespace_delete_goes_through_terminating_then_the_controller(
    store: GenericStore, api: API, ns: str
) -> None:
    info = _info(store, "", "v1", "namespaces")
    cm_info = _info(store, "", "v1", "configmaps")
    await store.create(cm_info, _configmap("x", ns), ns, dry_run=False, manager="m")
    terminating = await store.delete(info, None, ns, DeleteOptions())
    assert terminating["status"]["phase"] == "Terminating"
    with pytest.raises(StatusError) as exc:
        await store.create(cm_info, _configmap("y", ns), ns, dry_run=False, manager="m")
    assert exc.value.code == 403
    for _ in range(100):  # the namespace controller empties it and drops the kubernetes finalizer
        status, _, _ = await api.get(f"/api/v1/namespaces/{ns}")
        if status == 404:
            break
        await asyncio.sleep(0.1)
    assert status == 404
    with pytest.raises(StatusError) as exc:
        await store.delete(info, None, "kube-system", DeleteOptions())
    assert exc.value.code == 403


def test_scale_view_and_replicas_checks(server: APIServer) -> None:
    info = server.registry.get("apps", "v1", "deployments")
    assert info is not None
    deployment = {
        "metadata": {"name": "d", "namespace": "n", "resourceVersion": "7", "uid": "u"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"b": "2", "a": "1"}}},
        "status": {"replicas": 1},
    }
    view = scale.scale_of(deployment, info)
    assert view["spec"] == {"replicas": 2} and view["status"] == {"replicas": 1, "selector": "a=1,b=2"}
    assert scale.scaled(deployment, {"spec": {"replicas": 5}}, info, "d", check_version=True)["spec"]["replicas"] == 5
    assert deployment["spec"]["replicas"] == 2  # the current object is not touched
    for body, code in (
        ({"spec": {"replicas": -1}}, 422),
        ({"spec": {"replicas": "3"}}, 400),
        ({"metadata": {"resourceVersion": "6"}, "spec": {"replicas": 1}}, 409),
    ):
        with pytest.raises(StatusError) as exc:
            scale.scaled(deployment, body, info, "d", check_version=True)
        assert exc.value.code == code, body


def test_resource_version_and_list_options_rules() -> None:
    assert parse_resource_version("") == 0 and parse_resource_version("0") == 0 and parse_resource_version("42") == 42
    for bad in ("-1", "abc", "1.5", "+3"):
        with pytest.raises(StatusError) as exc:
            parse_resource_version(bad)
        assert exc.value.code == 400 and f'parsing "{bad}": invalid syntax' in exc.value.message
    empty = LabelSelector.parse(""), FieldSelector.parse("")
    validate_list_options(ListOptions(*empty, 0, "", "5", "NotOlderThan"))
    with pytest.raises(StatusError) as exc:
        validate_list_options(ListOptions(*empty, 0, "", "", "Exact"))
    assert exc.value.code == 422 and "resourceVersionMatch is forbidden unless resourceVersion" in exc.value.message
    with pytest.raises(StatusError) as exc:
        validate_list_options(ListOptions(*empty, 0, "", "0", "Exact"))
    assert exc.value.code == 422
