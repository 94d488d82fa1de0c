"""PATCH over real HTTP: the three classic patch types, their errors and fieldValidation, as kube answers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
import pytest

from aiokube.apiserver.endpoints import patcher
from aiokube.apiserver.endpoints.output import Output
from aiokube.apiserver.patching import managedfields as mf
from aiokube.encoding import deepjson
from aiokube.storage import store as storage_store
from tests.conftest import API, threads_calling

JSON_PATCH = "application/json-patch+json"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


async def _patch(api: API, path: str, media: str, body: bytes | Any, **query: str) -> tuple[int, Any, Any]:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return await api.request("PATCH", url, data=data, headers={"Content-Type": media})


async def _deployment(api: API, ns: str, name: str) -> str:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    status, created, _ = await api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", body)
    assert status == 201, created
    return f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"


async def test_three_patch_types(api: API, ns: str) -> None:
    url = await _deployment(api, ns, "d")
    # strategic merge: containers merge by name, ports by containerPort
    sidecar = {"spec": {"template": {"spec": {"containers": [{"name": "log", "image": "busybox"}]}}}}
    status, got, _ = await _patch(api, url, STRATEGIC, sidecar)
    assert status == 200, got
    containers = got["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["log", "web"]
    assert containers[0]["imagePullPolicy"] == "Always"  # the patched object is defaulted
    assert got["metadata"]["generation"] == 2
    # merge patch: lists are replaced, null deletes
    status, got, _ = await _patch(api, url, MERGE, {"metadata": {"labels": {"x": "y"}}, "spec": {"paused": True}})
    assert status == 200 and got["metadata"]["labels"] == {"x": "y"} and got["spec"]["paused"] is True
    status, got, _ = await _patch(api, url, MERGE, {"metadata": {"labels": None}})
    assert status == 200 and "labels" not in got["metadata"]
    # JSON patch: test then replace, atomically
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
    ]
    status, got, _ = await _patch(api, url, JSON_PATCH, ops)
    assert status == 200 and got["spec"]["replicas"] == 3
    # every write is recorded in managedFields under the client's name
    managers = {(m["manager"], m["operation"]) for m in got["metadata"]["managedFields"]}
    assert managers == {("Python", "Update")}  # aiohttp's User-Agent is "Python/3.x aiohttp/..."


async def test_patch_errors_are_kubes(api: API, ns: str) -> None:
    url = await _deployment(api, ns, "e")
    status, before, _ = await api.get(url)
    # a failed test op: kube's generic 422 with empty details, nothing written
    status, body, _ = await _patch(api, url, JSON_PATCH, [{"op": "test", "path": "/spec/replicas", "value": 9}])
    assert (status, body) == (
        422,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "the server rejected our request due to an error in our request",
            "reason": "Invalid",
            "details": {},
            "code": 422,
        },
    )
    status, after, _ = await api.get(url)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]

    status, body, _ = await _patch(api, url, MERGE, b'{"spec": ')
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"].startswith("error decoding patch: ")

    # a patched object that no longer fits the type: 422 on field "patch"
    status, body, _ = await _patch(api, url, MERGE, {"spec": {"replicas": "three"}})
    assert (status, body["reason"]) == (422, "Invalid"), body
    (cause,) = body["details"]["causes"]
    assert cause["field"] == "patch" and "cannot unmarshal string" in cause["message"]

    # strategic merge without the merge key: kube's library error as a 500 with no reason
    bad = {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
    status, body, _ = await _patch(api, url, STRATEGIC, bad)
    assert status == 500 and body["message"] == "map: map[image:x] does not contain declared merge key: name", body
    assert "reason" not in body

    status, body, _ = await _patch(api, url, "application/x-unknown", {})
    assert status == 415 and body["reason"] == "UnsupportedMediaType"


async def test_field_validation_on_patch(api: API, ns: str) -> None:
    url = await _deployment(api, ns, "f")
    unknown = {"spec": {"bogus": 1}}
    status, body, headers = await _patch(api, url, MERGE, unknown)
    assert status == 200, body
    assert headers.getall("Warning") == ['299 - "unknown field \\"spec.bogus\\""']
    status, body, _ = await _patch(api, url, MERGE, unknown, fieldValidation="Strict")
    assert (status, body["reason"]) == (422, "Invalid"), body
    (cause,) = body["details"]["causes"]
    assert cause["field"] == "patch"
    assert cause["message"].endswith('strict decoding error: unknown field "spec.bogus"'), cause
    # duplicate keys in the patch body are strict errors too
    status, body, _ = await _patch(
        api, url, MERGE, b'{"spec": {"paused": true, "paused": false}}', fieldValidation="Strict"
    )
    assert status == 422 and 'duplicate field "spec.paused"' in body["details"]["causes"][0]["message"], body
    status, body, headers = await _patch(api, url, MERGE, unknown, fieldValidation="Ignore")
    assert status == 200 and "Warning" not in headers


async def test_strategic_merge_on_custom_resources_is_415(api: API, ns: str) -> None:
    """A CRD's endpoint does not list the strategic merge content type; kube answers 415 before the body."""
    suffix = ns[-6:]
    group = f"p{suffix}.example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }
    status, body, _ = await api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert status == 201, body
    base = f"/apis/{group}/v1/namespaces/{ns}/widgets"
    for _ in range(100):
        status, body, _ = await api.post(
            base, {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}}
        )
        if status != 404:
            break
        await asyncio.sleep(0.05)
    assert status == 201, body
    status, body, _ = await _patch(api, f"{base}/w", STRATEGIC, {"spec": {"a": 1}})
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    assert body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )
    status, body, _ = await _patch(api, f"{base}/w", MERGE, {"spec": {"a": 1}})
    assert status == 200 and body["spec"] == {"a": 1}
    status, _, _ = await api.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{group}")
    assert status == 200


async def test_apply_of_a_whole_pod_with_empty_fields_is_no_spec_change(api: API, ns: str) -> None:
    """kube converts an apply's merged result to the Go type before the strategy and validation: a whole pod
    applied again with ``nodeName: ""`` and ``hostNetwork: false`` (zero values the stored form leaves out) does
    not change its spec (no "pod updates may not change fields" 422, no new generation)."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "whole", "labels": {"rev": "a"}},
           "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "", "hostNetwork": False}}  # fmt: skip
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    pod["metadata"]["labels"] = {"rev": "b"}
    status, applied, _ = await _patch(api, f"/api/v1/namespaces/{ns}/pods/whole", "application/apply-patch+yaml", pod,
                                      fieldManager="again", force="true")  # fmt: skip
    assert status == 200, applied
    assert applied["metadata"]["labels"] == {"rev": "b"} and applied["metadata"]["generation"] == 1
    assert "nodeName" not in applied["spec"] and "hostNetwork" not in applied["spec"]


async def test_a_heavy_patch_is_applied_in_the_cpu_thread(
    api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patch of more than 1,000 brackets (bodies.is_heavy) is applied and decoded in the CPU thread, with the
    same result as on the loop: 1,001 JSON patch operations adding labels."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    status, _, _ = await api.post(base, {"metadata": {"name": "heavy"}, "data": {"a": "b"}})
    assert status == 201
    threads = threads_calling(monkeypatch, patcher, "apply_patch")
    encoded_in = threads_calling(monkeypatch, Output, "encode_object")
    stored_in = threads_calling(monkeypatch, storage_store, "encode_for_storage", only="checked")  # the write's
    ops = [{"op": "add", "path": f"/metadata/labels/k{i}", "value": "v"} for i in range(1001)]
    status, patched, _ = await _patch(api, f"{base}/heavy", JSON_PATCH, [{"op": "add", "path": "/metadata/labels",
                                                                          "value": {}}, *ops])  # fmt: skip
    assert status == 200, patched
    assert len(patched["metadata"]["labels"]) == 1001 and patched["data"] == {"a": "b"}
    assert threads and all(name.startswith("aiokube-parse") for name in threads), threads
    assert encoded_in == ["aiokube-parse_0"], encoded_in  # the response too
    assert stored_in and all(name.startswith("aiokube-parse") for name in stored_in), stored_in  # and the storage form
    # the object is heavy now (1,001 labels, as many managed fields): a small patch of it goes to the thread too
    status, small, _ = await _patch(api, f"{base}/heavy", MERGE, {"data": {"a": "c"}})
    assert status == 200 and small["data"] == {"a": "c"} and threads[-1].startswith("aiokube-parse"), threads
    # a small patch of a light object stays on the loop
    assert (await api.post(base, {"metadata": {"name": "light"}, "data": {"a": "b"}}))[0] == 201
    status, small, _ = await _patch(api, f"{base}/light", MERGE, {"data": {"a": "c"}})
    assert status == 200 and small["data"] == {"a": "c"} and not threads[-1].startswith("aiokube-parse"), threads
    assert not encoded_in[-1].startswith("aiokube-parse"), encoded_in


async def test_a_heavy_apply_is_merged_in_the_cpu_thread(
    api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server-side apply of a heavy configuration merges in the CPU thread (same result); so does a small one
    of the heavy object it made (the watch cache holds it as heavy); a small one of a light object on the loop."""
    path = f"/api/v1/namespaces/{ns}/configmaps/applied"
    threads = threads_calling(monkeypatch, mf, "apply")
    labels = {f"k{i}": "v" for i in range(1001)}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "labels": labels},
              "data": {"a": "b"}}  # fmt: skip
    status, applied, _ = await _patch(api, path, APPLY, config, fieldManager="m")
    assert status == 201, applied
    assert applied["metadata"]["labels"] == labels and applied["metadata"]["managedFields"][0]["manager"] == "m"
    assert threads and all(t.startswith("aiokube-parse") for t in threads), threads
    status, small, _ = await _patch(api, path, APPLY, {**config, "metadata": {"name": "applied"}}, fieldManager="n")
    assert status == 200 and len(small["metadata"]["labels"]) == 1001 and threads[-1].startswith("aiokube-parse")
    light = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "light"}, "data": {"a": "b"}}
    status, _, _ = await _patch(api, path.replace("/applied", "/light"), APPLY, light, fieldManager="n")
    assert status == 201 and not threads[-1].startswith("aiokube-parse"), threads


async def test_a_get_orjson_cannot_write_is_encoded_in_the_cpu_thread(
    api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GET's object that orjson refuses to write on the loop (past its depth: here orjson made to refuse one
    object there, as it refuses a 255-level one) is encoded again in the CPU thread, where deepjson's Python
    writer may run; an ordinary GET is encoded on the loop."""
    path = f"/api/v1/namespaces/{ns}/configmaps/deepish"
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/configmaps",
                                        {"metadata": {"name": "deepish"}, "data": {"a": "b"}})  # fmt: skip
    assert status == 201, created
    real = deepjson._dumps

    def refusing_on_the_loop(obj: Any, *args: Any) -> bytes:
        if deepjson.C_ONLY.get() and isinstance(obj, dict) and (obj.get("metadata") or {}).get("name") == "deepish":
            raise deepjson.JSONEncodeError("Recursion limit reached")
        return real(obj, *args)

    monkeypatch.setattr(deepjson, "_dumps", refusing_on_the_loop)
    encoded_in = threads_calling(monkeypatch, Output, "encode_object")
    status, got, _ = await api.get(path)
    assert status == 200 and got["data"] == {"a": "b"} and got["metadata"]["name"] == "deepish", got
    loop = threading.current_thread().name
    assert encoded_in == [loop, "aiokube-parse_0"], encoded_in  # tried here, refused, done in the thread
    await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "plain"}})
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/plain")
    assert status == 200 and encoded_in[-1] == loop, encoded_in
