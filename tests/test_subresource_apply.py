"""Server-side apply through subresources (``status``, ``ephemeralcontainers``, ``scale``) and what status writes
keep, as a kube-apiserver 1.36 answers them.

The expected objects, managed fields and Status bodies were captured from a real kube-apiserver 1.36.2 (built by
../shared/kube-reference) with the same requests. Where kube lists several conflicts, the order of its
``details.causes`` follows a Go map's iteration (it differs from run to run); they are compared as sets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes import client

from aiokube.apiserver.server import APIServer
from tests.conftest import API, KUBECTL, run_cmd

APPLY = {"Content-Type": "application/apply-patch+yaml"}
MERGE = {"Content-Type": "application/merge-patch+json"}
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
SCALE = "apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n"
DEPLOYMENT = {"metadata": {"name": "d", "labels": {"a": "1"}},
              "spec": {"selector": {"matchLabels": {"a": "1"}},
                       "template": {"metadata": {"labels": {"a": "1"}},
                                    "spec": {"containers": [{"name": "c", "image": "i"}]}}}}  # fmt: skip


async def apply(api: API, path: str, config: str, manager: str, **params: str) -> tuple[int, Any]:
    status, body, _ = await api.request("PATCH", path, data=config.encode(), headers=APPLY,
                                        params={"fieldManager": manager, **params})  # fmt: skip
    return status, body


def entries(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An object's managed fields by manager, without their times."""
    return {e["manager"]: {k: v for k, v in e.items() if k != "time"} for e in obj["metadata"]["managedFields"]}


def conflict(message: str, *causes: tuple[str, str]) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": "Conflict", "code": 409,
            "details": {"causes": [{"reason": "FieldManagerConflict", "message": f"conflict with {who}", "field": field}
                                   for who, field in causes]}}  # fmt: skip


def same_conflict(got: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Equal Status bodies, the causes in any order (kube's come from a map)."""
    causes = sorted(got["details"]["causes"], key=lambda c: c["field"])
    return {**got, "details": {"causes": causes}} == {
        **expected, "details": {"causes": sorted(expected["details"]["causes"], key=lambda c: c["field"])}}  # fmt: skip


async def make_pod(api: API, ns: str, **spec: Any) -> None:
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    pod = {"metadata": {"name": "p", "labels": {"a": "b"}},
           "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}}  # fmt: skip
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod, params={"fieldManager": "creator"})
    assert status == 201, body


# --- status writes -----------------------------------------------------------------------------------------------


async def test_a_status_write_takes_the_metadata_its_kinds_strategy_lets_through(api: API, ns: str) -> None:
    """kube's generic status strategies copy back only the spec; a Deployment's also its labels."""
    svc = {"metadata": {"name": "s", "labels": {"a": "1"}}, "spec": {"ports": [{"port": 80}]}}
    status, _, _ = await api.post(f"/api/v1/namespaces/{ns}/services", svc)
    assert status == 201
    meta = {"labels": {"b": "2"}, "annotations": {"n": "1"}, "finalizers": ["x/y"]}
    body = {"metadata": meta, "spec": {"ports": [{"port": 81}]}}
    status, got, _ = await api.request("PATCH", f"/api/v1/namespaces/{ns}/services/s/status", body, headers=MERGE)
    assert status == 200, got
    md = got["metadata"]
    assert (md["labels"], md["annotations"], md["finalizers"]) == ({"a": "1", "b": "2"}, {"n": "1"}, ["x/y"])
    assert got["spec"]["ports"][0]["port"] == 80
    await api.request("PATCH", f"/api/v1/namespaces/{ns}/services/s", {"metadata": {"finalizers": None}},
                      headers=MERGE)  # fmt: skip

    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"
    status, _, _ = await api.post(deployments, DEPLOYMENT)
    assert status == 201
    status, got, _ = await api.request("PATCH", f"{deployments}/d/status", headers=MERGE,
                                       body={"metadata": {"labels": {"b": "2"}, "annotations": {"n": "1"}},
                                             "status": {"replicas": 2}})  # fmt: skip
    assert status == 200, got
    assert got["metadata"]["labels"] == {"a": "1"} and got["metadata"]["annotations"] == {"n": "1"}
    assert got["status"]["replicas"] == 2


# --- server-side apply through status and ephemeralcontainers --------------------------------------------------


async def test_apply_to_pod_status_owns_status_and_metadata_with_subresource_status(api: API, ns: str) -> None:
    await make_pod(api, ns)
    pods = f"/api/v1/namespaces/{ns}/pods"
    config = (POD + "  labels:\n    x: z\n  annotations:\n    an: v\n  ownerReferences:\n"
              "  - {apiVersion: v1, kind: ConfigMap, name: x, uid: 0c9d6d0b-9f3a-4a1e-9d0b-000000000001}\n"
              "spec:\n  nodeName: foo\n"
              "status:\n  phase: Running\n  conditions:\n  - type: Ready\n    status: 'True'\n")  # fmt: skip
    status, got = await apply(api, f"{pods}/p/status", config, "kubelet")
    assert status == 200, got
    md = got["metadata"]
    assert md["labels"] == {"a": "b", "x": "z"} and md["annotations"] == {"an": "v"}
    assert "ownerReferences" not in md and "nodeName" not in got["spec"]  # the status strategy resets them
    assert got["status"] == {"phase": "Running", "qosClass": "BestEffort", "conditions": [
        {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": None}]}  # fmt: skip
    assert entries(got)["kubelet"] == {
        "manager": "kubelet", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {"f:an": {}}, "f:labels": {"f:x": {}}},
                     "f:status": {"f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}, "f:type": {}}},
                                  "f:phase": {}}},
        "subresource": "status"}  # fmt: skip
    assert [e["manager"] for e in md["managedFields"]] == ["kubelet", "creator"]

    status, _, _ = await api.request("PATCH", f"{pods}/p/status", {"status": {"message": "hi"}}, headers=MERGE,
                                     params={"fieldManager": "m2"})  # fmt: skip
    assert status == 200
    changed = POD + "status:\n  message: other\n  phase: Failed\n"
    status, got = await apply(api, f"{pods}/p/status", changed, "kubelet2")
    assert status == 409 and same_conflict(got, conflict(
        'Apply failed with 2 conflicts: conflicts with "kubelet" with subresource "status":\n- .status.phase\n'
        'conflicts with "m2" with subresource "status" using v1:\n- .status.message',
        ('"kubelet" with subresource "status"', ".status.phase"),
        ('"m2" with subresource "status" using v1', ".status.message"))), got  # fmt: skip
    status, got = await apply(api, f"{pods}/p/status", changed, "kubelet2", force="true")
    assert status == 200 and got["status"]["phase"] == "Failed" and got["status"]["message"] == "other"
    owned = entries(got)
    assert owned["kubelet2"]["fieldsV1"] == {"f:status": {"f:message": {}, "f:phase": {}}}
    assert "m2" not in owned and "f:phase" not in owned["kubelet"]["fieldsV1"]["f:status"]


async def test_apply_to_a_subresource_checks_what_kube_checks(api: API, ns: str) -> None:
    await make_pod(api, ns)
    pods = f"/api/v1/namespaces/{ns}/pods"
    status, got = await apply(api, f"{pods}/nope/status", POD.replace("name: p", "name: nope"), "k")
    assert status == 404 and got["message"] == 'pods "nope" not found'
    assert got["details"] == {"name": "nope", "kind": "pods"}
    status, got = await apply(api, f"{pods}/p/status", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p\n",
                              "k")  # fmt: skip
    assert status == 400 and got["message"] == "invalid object type: apps/v1, Kind=Deployment"
    status, got, _ = await api.request("PATCH", f"{pods}/p/status", data=POD.encode(), headers=APPLY)
    assert status == 422 and got["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    status, got = await apply(api, f"{pods}/p/status", POD + "status:\n  podIPs: [{ip: 1.2.3.4}, {ip: 1.2.3.4}]\n",
                              "k")  # fmt: skip
    assert status == 500 and got == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": 500,
        "message": 'failed to create typed patch object (/p; /v1, Kind=Pod): .status.podIPs: duplicate entries for '
                   'key [ip="1.2.3.4"]'}  # fmt: skip
    for sub in ("eviction", "binding", "log"):  # kube routes no PATCH there
        status, got = await apply(api, f"{pods}/p/{sub}", POD, "k")
        assert status == 405 and got["reason"] == "MethodNotAllowed", sub


async def test_apply_to_ephemeral_containers_conflicts_on_all_it_sends(api: API, ns: str) -> None:
    """The ephemeralcontainers REST exposes no reset fields: an apply owns and conflicts on everything it sends,
    though only spec.ephemeralContainers changes."""
    await make_pod(api, ns)
    url = f"/api/v1/namespaces/{ns}/pods/p/ephemeralcontainers"
    debug = "spec:\n  ephemeralContainers:\n  - name: dbg\n    image: busybox\n"
    status, got = await apply(api, url, POD + debug + "  containers:\n  - name: c\n    image: other\n", "debugger")
    assert status == 409 and got == conflict(
        'Apply failed with 1 conflict: conflict with "creator" using v1: .spec.containers[name="c"].image',
        ('"creator" using v1', '.spec.containers[name="c"].image'))  # fmt: skip
    status, got = await apply(api, url, POD + debug, "debugger")
    assert status == 200, got
    assert got["metadata"]["generation"] == 2 and got["spec"]["containers"][0]["image"] == "busybox"
    assert got["spec"]["ephemeralContainers"] == [{
        "name": "dbg", "image": "busybox", "resources": {}, "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}]  # fmt: skip
    assert entries(got)["debugger"] == {
        "manager": "debugger", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:ephemeralContainers": {'k:{"name":"dbg"}': {".": {}, "f:image": {}, "f:name": {}}}}},
        "subresource": "ephemeralcontainers"}  # fmt: skip


# --- scale -------------------------------------------------------------------------------------------------------


async def test_apply_to_scale_owns_the_parents_replicas_without_a_time(api: API, ns: str) -> None:
    """kube's scale handler: the Scale's field manager sees the parent's replica owners at autoscaling/v1; what it
    records goes back at apps/v1 with subresource scale and no time (a kube quirk, for Updates too)."""
    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"
    status, _, _ = await api.post(deployments, DEPLOYMENT, params={"fieldManager": "creator"})
    assert status == 201
    status, got = await apply(api, f"{deployments}/d/scale", SCALE.format(name="d", replicas=3), "scaler")
    assert status == 409 and got == conflict(
        'Apply failed with 1 conflict: conflict with "creator" using autoscaling/v1: .spec.replicas',
        ('"creator" using autoscaling/v1', ".spec.replicas"))  # fmt: skip
    status, got = await apply(api, f"{deployments}/d/scale", SCALE.format(name="d", replicas=3), "scaler", force="1")
    assert status == 200 and got["kind"] == "Scale" and got["spec"] == {"replicas": 3}
    assert "managedFields" not in got["metadata"]
    _, parent, _ = await api.get(f"{deployments}/d")
    replicas_only = {"f:spec": {"f:replicas": {}}}
    assert parent["metadata"]["managedFields"][0] == {
        "manager": "scaler", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
        "fieldsV1": replicas_only, "subresource": "scale"}  # fmt: skip
    assert "f:replicas" not in entries(parent)["creator"]["fieldsV1"]["f:spec"]

    status, _, _ = await api.request("PATCH", f"{deployments}/d/scale", {"spec": {"replicas": 6}}, headers=MERGE,
                                     params={"fieldManager": "mp"})  # fmt: skip
    assert status == 200
    _, parent, _ = await api.get(f"{deployments}/d")
    assert [e["manager"] for e in parent["metadata"]["managedFields"]] == ["mp", "creator"]
    assert parent["metadata"]["managedFields"][0] == {
        "manager": "mp", "operation": "Update", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
        "fieldsV1": replicas_only, "subresource": "scale"}  # fmt: skip
    status, got = await apply(api, f"{deployments}/d", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n"
                              "spec:\n  replicas: 5\n", "owner")  # fmt: skip
    assert status == 409 and got["message"] == (
        'Apply failed with 1 conflict: conflict with "mp" with subresource "scale" using apps/v1: .spec.replicas')
    status, got = await apply(api, f"{deployments}/d/scale", POD, "scaler")
    assert status == 400 and got["message"] == "invalid object type: /v1, Kind=Pod"
    status, got = await apply(api, f"{deployments}/nope/scale", SCALE.format(name="nope", replicas=1), "scaler")
    assert status == 404 and got["message"] == 'deployments.apps "nope" not found'


async def test_scale_apply_when_nobody_owns_the_replicas(api: API, ns: str) -> None:
    """A Scale whose replicas no manager owns: an Update through it is not tracked (skip-non-applied), and the
    first apply meets the existing fields as ``before-first-apply``'s."""
    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"
    config = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: e\nspec:\n  selector:\n    matchLabels: "
              "{a: '1'}\n  template:\n    metadata:\n      labels: {a: '1'}\n    spec:\n      containers: "
              "[{name: c, image: i}]\n")  # fmt: skip
    status, _ = await apply(api, f"{deployments}/e", config, "applier")
    assert status == 201
    status, got, _ = await api.request("PATCH", f"{deployments}/e/scale", {"spec": {"replicas": 6}}, headers=MERGE,
                                       params={"fieldManager": "mp"})  # fmt: skip
    assert status == 200 and got["spec"]["replicas"] == 6
    _, parent, _ = await api.get(f"{deployments}/e")
    assert [e["manager"] for e in parent["metadata"]["managedFields"]] == ["applier"]
    status, got = await apply(api, f"{deployments}/e/scale", SCALE.format(name="e", replicas=4), "sc")
    assert status == 409 and got["message"] == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" with subresource "scale" using '
        "autoscaling/v1: .spec.replicas")  # fmt: skip
    status, got = await apply(api, f"{deployments}/e/scale", SCALE.format(name="e", replicas=4), "sc", force="true")
    assert status == 200 and got["spec"]["replicas"] == 4
    _, parent, _ = await api.get(f"{deployments}/e")
    assert [(e["manager"], e.get("subresource")) for e in parent["metadata"]["managedFields"]] == [
        ("sc", "scale"), ("applier", None)]


# --- clients -----------------------------------------------------------------------------------------------------


async def test_kubectl_apply_server_side_to_status(api: API, ns: str, tmp_path: Any) -> None:
    await make_pod(api, ns)
    manifest = tmp_path / "status.yaml"
    kubectl = (KUBECTL, "--server", api.base, "--namespace", ns, "apply", "--server-side", "--subresource=status")
    manifest.write_text(POD + "status:\n  phase: Running\n  message: from kubectl\n")
    code, out, err = await run_cmd(*kubectl, "-f", str(manifest))
    assert code == 0 and out.strip() == "pod/p serverside-applied", err
    code, out, err = await run_cmd(*kubectl, "--field-manager=other", "-f", str(manifest))
    assert code == 0, err  # the same values: co-owned
    manifest.write_text(POD + "status:\n  phase: Running\n  message: changed\n")
    code, out, err = await run_cmd(*kubectl, "--field-manager=other", "-f", str(manifest))
    assert code == 1 and err.startswith(
        'error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "status": .status.message')
    _, pod, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert pod["status"]["message"] == "from kubectl"
    # an apply that changes nothing gets no time (kube's managedFieldsUpdater), so it sorts first
    assert [(e["manager"], "time" in e) for e in pod["metadata"]["managedFields"]] == [
        ("other", False), ("kubectl", True), ("creator", True)]


async def test_python_client_applies_a_deployments_scale(server: APIServer, ns: str) -> None:
    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"

    def scenario() -> tuple[int, list[tuple[str, str | None]]]:
        with client.ApiClient(client.Configuration(host=server.url)) as api_client:
            apps = client.AppsV1Api(api_client)
            apps.create_namespaced_deployment(ns, DEPLOYMENT, field_manager="creator")
            body = {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "d"},
                    "spec": {"replicas": 4}}  # fmt: skip
            scaled = apps.patch_namespaced_deployment_scale("d", ns, body, field_manager="hpa", force=True,
                                                            _content_type="application/apply-patch+yaml")  # fmt: skip
            parent = apps.read_namespaced_deployment("d", ns)
            return scaled.spec.replicas, [(e.manager, e.subresource) for e in parent.metadata.managed_fields]

    replicas, managers = await asyncio.to_thread(scenario)
    assert replicas == 4 and managers == [("hpa", "scale"), ("creator", None)], deployments


async def test_custom_resource_status_and_scale_applies(api: API, ns: str) -> None:
    """A custom resource's status writers own neither its spec nor its metadata (its status strategy keeps both);
    an apply to its Scale fails as kube 1.36's does (the CRD's field manager cannot convert the Scale) unless it
    changes nothing."""
    group = f"sub{ns[-8:]}.example.com"
    scale = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}
    props = {"spec": {"type": "object", "properties": {"size": {"type": "string"}, "replicas": {"type": "integer"}}},
             "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "msg": {"type": "string"}}}}
    version = {"name": "v1", "served": True, "storage": True, "subresources": {"status": {}, "scale": scale},
               "schema": {"openAPIV3Schema": {"type": "object", "properties": props}}}
    crd = {"metadata": {"name": f"gadgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced", "versions": [version],
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"}}}
    status, _, _ = await api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert status == 201
    gadgets = f"/apis/{group}/v1/namespaces/{ns}/gadgets"
    for _ in range(100):  # established asynchronously, as in kube
        if (await api.get(gadgets))[0] == 200:
            break
        await asyncio.sleep(0.05)
    head = f"apiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: g\n"
    status, _ = await apply(api, f"{gadgets}/g", head + "spec:\n  size: M\n  replicas: 2\n", "creator")
    assert status == 201
    config = head + "  labels: {a: b}\nspec:\n  size: L\nstatus:\n  replicas: 2\n  msg: hi\n"
    status, got = await apply(api, f"{gadgets}/g/status", config, "ctl")
    assert status == 200 and got["spec"] == {"replicas": 2, "size": "M"} and "labels" not in got["metadata"]
    assert got["status"] == {"replicas": 2, "msg": "hi"}
    assert entries(got)["ctl"]["fieldsV1"] == {"f:status": {"f:msg": {}, "f:replicas": {}}}

    status, got = await apply(api, f"{gadgets}/g/scale", SCALE.format(name="g", replicas=2), "hpa")
    assert status == 200 and got["spec"] == {"replicas": 2}  # the same value: nothing to convert
    status, got = await apply(api, f"{gadgets}/g/scale", SCALE.format(name="g", replicas=4), "hpa", force="true")
    assert status == 500 and got == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": 500,
        "message": "failed to convert new object (/g; autoscaling/v1, Kind=Scale) to proper version: request to "
                   "convert CR to an invalid group/version: autoscaling/v1"}  # fmt: skip
    _, got, _ = await api.get(f"{gadgets}/g")
    assert got["spec"]["replicas"] == 2
    await api.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.{group}")
