"""CRUD round trips over real HTTP against a real etcd, with every server-set field checked."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from aiokube.apiserver.endpoints import handlers
from aiokube.apiserver.server import APIServer
from aiokube.storage.store import Store
from tests.conftest import API, assert_never_written

UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _assert_server_set(obj: dict, *, generation: int | None) -> None:
    md = obj["metadata"]
    assert UID.match(md["uid"]), md
    assert TIMESTAMP.match(md["creationTimestamp"])
    created = datetime.strptime(md["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert md["resourceVersion"].isdigit()
    if generation is None:
        assert "generation" not in md
    else:
        assert md["generation"] == generation
    # kube's ObjectMeta field order
    order = ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp"]
    present = [k for k in md if k in order]
    assert present == [k for k in order if k in md]


async def _etcd_rv(store: Store, key: str) -> str:
    resp = await store.client.range(key.encode())
    return str(resp.kvs[0].mod_revision)


async def test_configmap_crud_namespaced_core(api: API, ns: str, store: Store) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    status, cm, headers = await api.post(base, {"metadata": {"name": "cm1", "labels": {"a": "b"}}, "data": {"k": "v"}})
    assert status == 201, cm
    assert headers["Content-Type"] == "application/json" and headers["Cache-Control"] == "no-cache, private"
    assert list(cm) == ["kind", "apiVersion", "metadata", "data"]
    assert (cm["kind"], cm["apiVersion"], cm["metadata"]["namespace"]) == ("ConfigMap", "v1", ns)
    _assert_server_set(cm, generation=None)
    assert cm["metadata"]["resourceVersion"] == await _etcd_rv(store, f"/registry/configmaps/{ns}/cm1")

    status, got, _ = await api.get(f"{base}/cm1")
    assert status == 200 and got == cm

    cm["data"]["k"] = "v2"
    status, updated, _ = await api.put(f"{base}/cm1", cm)
    assert status == 200, updated
    assert updated["data"] == {"k": "v2"}
    assert int(updated["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])
    assert updated["metadata"]["uid"] == cm["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == cm["metadata"]["creationTimestamp"]

    # an update that changes nothing keeps the resourceVersion (kube's no-op short cut)
    status, same, _ = await api.put(f"{base}/cm1", updated)
    assert status == 200 and same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]

    status, lst, _ = await api.get(base)
    assert status == 200 and lst["kind"] == "ConfigMapList" and lst["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in lst["items"]] == ["cm1"]
    assert "kind" not in lst["items"][0]  # typed list items carry no TypeMeta, as in kube
    assert int(lst["metadata"]["resourceVersion"]) >= int(updated["metadata"]["resourceVersion"])

    status, st, _ = await api.delete(f"{base}/cm1")
    assert status == 200
    assert st == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "cm1", "kind": "configmaps", "uid": cm["metadata"]["uid"]},
    }
    status, _, _ = await api.get(f"{base}/cm1")
    assert status == 404
    assert (await store.client.range(f"/registry/configmaps/{ns}/cm1".encode())).count == 0


async def test_namespace_crud_cluster_scoped_core(api: API) -> None:
    name = f"n-{uuid.uuid4().hex[:8]}"
    status, nso, _ = await api.post("/api/v1/namespaces", {"metadata": {"name": name, "namespace": "ignored"}})
    assert status == 201, nso
    _assert_server_set(nso, generation=None)
    assert "namespace" not in nso["metadata"]  # cleared for cluster-scoped objects
    assert nso["metadata"]["labels"] == {"kubernetes.io/metadata.name": name}
    assert nso["spec"] == {"finalizers": ["kubernetes"]} and nso["status"] == {"phase": "Active"}

    # status and spec.finalizers cannot be changed through the main resource
    nso["status"] = {"phase": "Terminating"}
    nso["spec"]["finalizers"] = []
    nso["metadata"]["labels"]["team"] = "x"
    status, upd, _ = await api.put(f"/api/v1/namespaces/{name}", nso)
    assert status == 200, upd
    assert upd["status"] == {"phase": "Active"} and upd["spec"] == {"finalizers": ["kubernetes"]}
    assert upd["metadata"]["labels"]["team"] == "x"

    status, deleting, _ = await api.delete(f"/api/v1/namespaces/{name}")
    assert status == 200
    assert deleting["status"]["phase"] == "Terminating" and TIMESTAMP.match(deleting["metadata"]["deletionTimestamp"])
    for _ in range(100):
        status, _, _ = await api.get(f"/api/v1/namespaces/{name}")
        if status == 404:
            break
        await asyncio.sleep(0.05)
    assert status == 404, "the namespace controller should finalize and remove an empty namespace"


async def test_deployment_crud_namespaced_apps_generation(api: API, ns: str) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    spec = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    }
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": spec,
        "status": {"replicas": 7},
    }
    status, dep, _ = await api.post(base, body)
    assert status == 201, dep
    _assert_server_set(dep, generation=1)
    assert dep["status"] == {}  # status is reset on create
    assert list(dep) == ["kind", "apiVersion", "metadata", "spec", "status"]

    # metadata-only change: no generation bump
    dep["metadata"]["labels"] = {"tier": "front"}
    status, dep2, _ = await api.put(f"{base}/web", dep)
    assert status == 200 and dep2["metadata"]["generation"] == 1
    # status change through the main resource is ignored, and does not bump generation
    dep2["status"] = {"replicas": 3}
    status, dep3, _ = await api.put(f"{base}/web", dep2)
    assert status == 200 and dep3["status"] == {} and dep3["metadata"]["generation"] == 1
    # spec change bumps generation
    dep3["spec"]["replicas"] = 3
    status, dep4, _ = await api.put(f"{base}/web", dep3)
    assert status == 200 and dep4["metadata"]["generation"] == 2
    # status subresource changes only status
    dep4["status"] = {"replicas": 3}
    dep4["spec"]["replicas"] = 9
    status, dep5, _ = await api.put(f"{base}/web/status", dep4)
    assert status == 200, dep5
    assert dep5["status"] == {"replicas": 3} and dep5["spec"]["replicas"] == 3 and dep5["metadata"]["generation"] == 2

    status, st, _ = await api.delete(f"{base}/web")
    assert status == 200 and st["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
        "uid": dep["metadata"]["uid"],
    }


async def test_clusterrole_crud_cluster_scoped_rbac(api: API) -> None:
    name = f"system:test-{uuid.uuid4().hex[:6]}"  # RBAC names are path segments: ':' is fine
    base = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    status, role, _ = await api.post(base, {"metadata": {"name": name}, "rules": rules})
    assert status == 201, role
    _assert_server_set(role, generation=None)
    assert role["apiVersion"] == "rbac.authorization.k8s.io/v1" and role["rules"] == rules
    status, got, _ = await api.get(f"{base}/{name}")
    assert status == 200 and got == role
    # PUT creates for RBAC types (AllowCreateOnUpdate)
    other = f"{name}-2"
    status, made, _ = await api.put(f"{base}/{other}", {"metadata": {"name": other}, "rules": []})
    assert status == 201, made
    _assert_server_set(made, generation=None)
    for n in (name, other):
        status, st, _ = await api.delete(f"{base}/{n}")
        assert status == 200 and st["details"]["group"] == "rbac.authorization.k8s.io"


async def test_generate_name(api: API, ns: str) -> None:
    status, cm, _ = await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"generateName": "gen-"}})
    assert status == 201, cm
    assert re.fullmatch(r"gen-[bcdfghjklmnpqrstvwxz2456789]{5}", cm["metadata"]["name"])
    assert cm["metadata"]["generateName"] == "gen-"


async def test_pod_create_sets_generation_and_pending_status(api: API, ns: str) -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running"},
    }
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    _assert_server_set(created, generation=1)
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    status, deleted, _ = await api.delete(f"/api/v1/namespaces/{ns}/pods/p")
    assert status == 200 and deleted["kind"] == "Pod"  # pods return the deleted object


async def test_secret_string_data_and_default_type(api: API, ns: str) -> None:
    status, sec, _ = await api.post(
        f"/api/v1/namespaces/{ns}/secrets", {"metadata": {"name": "s"}, "stringData": {"user": "admin"}}
    )
    assert status == 201, sec
    assert sec["data"] == {"user": "YWRtaW4="} and sec["type"] == "Opaque" and "stringData" not in sec


async def test_lease_put_requires_resource_version_and_creates(api: API, ns: str) -> None:
    base = f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"
    status, lease, _ = await api.put(f"{base}/l1", {"metadata": {"name": "l1"}, "spec": {"holderIdentity": "a"}})
    assert status == 201, lease
    lease["metadata"].pop("resourceVersion")
    status, body, _ = await api.put(f"{base}/l1", lease)
    assert status == 422
    assert body["message"] == (
        'leases.coordination.k8s.io "l1" is invalid: metadata.resourceVersion: Invalid value: 0: '
        "must be specified for an update"
    )
    assert body["details"] == {
        "name": "l1",
        "group": "coordination.k8s.io",
        "kind": "leases",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: 0: must be specified for an update",
                "field": "metadata.resourceVersion",
            }
        ],
    }


async def test_a_put_retried_on_a_stale_cache_decodes_its_body_again(
    api: API, ns: str, server: APIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PUT without resourceVersion whose first try starts from a stale cached object (its txn then fails)
    retries from etcd's state with the body decoded again (no copy is kept for it): the body's data wins."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, before, _ = await api.post(base, {"metadata": {"name": "r"}, "data": {"n": "0"}})
    status, _, _ = await api.put(f"{base}/r", {**before, "data": {"n": "1"}})
    assert status == 200
    cacher = server.cachers[("", "configmaps")]
    key = f"{cacher.prefix}{ns}/r"
    monkeypatch.setattr(cacher, "peek", lambda k: before if k == key else None)  # the cache one write behind
    decodes: list[bytes] = []
    real = handlers.decode_object_async

    async def counted(body: bytes, *args: Any, **kw: Any) -> Any:
        decodes.append(body)
        return await real(body, *args, **kw)

    monkeypatch.setattr(handlers, "decode_object_async", counted)
    mine = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "r"}, "data": {"n": "mine"}}
    status, after, _ = await api.put(f"{base}/r", mine)
    assert status == 200 and after["data"] == {"n": "mine"}, after
    assert len(decodes) == 2 and decodes[0] == decodes[1]  # the first try, then the retry's own decode
    _, got, _ = await api.get(f"{base}/r")
    assert got["data"] == {"n": "mine"} and got["metadata"]["resourceVersion"] == after["metadata"]["resourceVersion"]


async def test_unconditional_update_and_stale_conflict(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, cm, _ = await api.post(base, {"metadata": {"name": "c"}, "data": {"n": "0"}})
    stale = dict(cm, metadata=dict(cm["metadata"]))
    cm["data"] = {"n": "1"}
    status, _, _ = await api.put(f"{base}/c", cm)
    assert status == 200
    stale["data"] = {"n": "stale"}
    status, body, _ = await api.put(f"{base}/c", stale)
    assert status == 409 and body["reason"] == "Conflict"
    # without a resourceVersion the server retries on its own (last writer wins)
    del stale["metadata"]["resourceVersion"]
    status, v2, _ = await api.put(f"{base}/c", stale)
    assert status == 200 and v2["data"] == {"n": "stale"}


async def test_concurrent_http_updaters_no_lost_update(api: API, ns: str) -> None:
    """Read-modify-write loops that retry on 409: every increment survives."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    await api.post(base, {"metadata": {"name": "counter"}, "data": {"n": "0"}})
    conflicts = 0

    async def incrementer() -> None:
        nonlocal conflicts
        for _ in range(15):
            while True:
                _, cur, _ = await api.get(f"{base}/counter")
                cur["data"]["n"] = str(int(cur["data"]["n"]) + 1)
                status, _, _ = await api.put(f"{base}/counter", cur)
                if status == 200:
                    break
                assert status == 409
                conflicts += 1

    await asyncio.gather(incrementer(), incrementer(), incrementer())
    _, final, _ = await api.get(f"{base}/counter")
    assert final["data"]["n"] == "45"


async def test_deletecollection_with_label_selector(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(4):
        await api.post(base, {"metadata": {"name": f"c{i}", "labels": {"even": str(i % 2 == 0).lower()}}})
    status, lst, _ = await api.delete(base, params={"labelSelector": "even=true"})
    assert status == 200 and lst["kind"] == "ConfigMapList"
    assert sorted(i["metadata"]["name"] for i in lst["items"]) == ["c0", "c2"]
    _, left, _ = await api.get(base)
    assert sorted(i["metadata"]["name"] for i in left["items"]) == ["c1", "c3"]


async def test_finalizers_keep_object_until_removed(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    await api.post(base, {"metadata": {"name": "f", "finalizers": ["example.com/hold"]}})
    status, marked, _ = await api.delete(f"{base}/f")
    assert status == 200 and marked["metadata"]["deletionTimestamp"]
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    status, still, _ = await api.get(f"{base}/f")
    assert status == 200
    still["metadata"]["finalizers"] = []
    status, _, _ = await api.put(f"{base}/f", still)
    assert status == 200
    status, _, _ = await api.get(f"{base}/f")
    assert status == 404


async def test_dry_run_create_and_delete_write_nothing(api: API, ns: str, store: Store) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    before = await store.current_revision()
    status, cm, _ = await api.post(base, {"metadata": {"name": "dry"}}, params={"dryRun": "All"})
    assert status == 201 and "resourceVersion" not in cm["metadata"] and cm["metadata"]["uid"]
    await assert_never_written(store, f"/registry/configmaps/{ns}/dry", before)
    status, _, _ = await api.get(f"{base}/dry")
    assert status == 404


async def test_list_selectors_pagination_and_resource_version(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(5):
        await api.post(base, {"metadata": {"name": f"c{i}", "labels": {"i": str(i)}}})
    status, page, _ = await api.get(base, params={"limit": "2"})
    assert status == 200 and len(page["items"]) == 2
    assert page["metadata"]["remainingItemCount"] == 3 and page["metadata"]["continue"]
    status, page2, _ = await api.get(base, params={"limit": "2", "continue": page["metadata"]["continue"]})
    assert [i["metadata"]["name"] for i in page2["items"]] == ["c2", "c3"]
    assert page2["metadata"]["resourceVersion"] == page["metadata"]["resourceVersion"]
    status, sel, _ = await api.get(base, params={"labelSelector": "i in (1,3)"})
    assert [i["metadata"]["name"] for i in sel["items"]] == ["c1", "c3"]
    status, sel, _ = await api.get(base, params={"fieldSelector": "metadata.name!=c0,metadata.name!=c4"})
    assert [i["metadata"]["name"] for i in sel["items"]] == ["c1", "c2", "c3"]
    # a resourceVersion from the future: kube's 504 "Too large resource version"
    rv = int(page["metadata"]["resourceVersion"]) + 100000
    status, body, headers = await api.get(
        base, params={"resourceVersion": str(rv), "resourceVersionMatch": "NotOlderThan"}
    )
    assert status == 504 and body["reason"] == "Timeout" and headers["Retry-After"] == "1"
    assert body["message"].startswith(f"Timeout: Too large resource version: {rv}, current: ")
    # cluster-wide list sees this namespace's objects
    status, all_ns, _ = await api.get("/api/v1/configmaps", params={"labelSelector": "i=2"})
    assert [i["metadata"]["namespace"] for i in all_ns["items"]] == [ns]


async def test_pod_field_selectors(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/pods"
    for name, node in (("a", "n1"), ("b", "n2"), ("c", "")):
        spec = {"containers": [{"name": "c", "image": "x"}], **({"nodeName": node} if node else {})}
        status, body, _ = await api.post(base, {"metadata": {"name": name}, "spec": spec})
        assert status == 201, body
    _, on_n1, _ = await api.get(base, params={"fieldSelector": "spec.nodeName=n1"})
    assert [p["metadata"]["name"] for p in on_n1["items"]] == ["a"]
    _, unscheduled, _ = await api.get(base, params={"fieldSelector": "spec.nodeName="})
    assert [p["metadata"]["name"] for p in unscheduled["items"]] == ["c"]
    _, legacy, _ = await api.get(base, params={"fieldSelector": "spec.host=n2"})
    assert [p["metadata"]["name"] for p in legacy["items"]] == ["b"]
    _, pending, _ = await api.get(base, params={"fieldSelector": "status.phase=Pending"})
    assert len(pending["items"]) == 3


async def test_delete_answered_with_a_status_under_a_table_accept(api: API, ns: str) -> None:
    """Found by tests/test_fuzz.py: a Deployment's DELETE answers a Status, and asked as a Table it was a 500
    (the Status went through the Deployment printer). kube passes a Status through untransformed
    (handlers/response.go doTransformObject)."""
    pod = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "t"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": pod}}  # fmt: skip
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    assert (await api.post(base, body))[0] == 201
    for accept in ("application/json;as=Table;v=v1;g=meta.k8s.io",
                   "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"):  # fmt: skip
        status, out, _ = await api.delete(f"{base}/t", headers={"Accept": accept})
        assert status == 200 and out["kind"] == "Status" and out["status"] == "Success", out
        assert out["details"]["name"] == "t" and out["details"]["kind"] == "deployments"
        assert (await api.post(base, body))[0] == 201
