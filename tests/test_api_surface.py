"""Every built-in resource through the generic verbs: create, get, list, watch, update, each patch type,
server-side apply, the status subresource and delete, with the strategy's generation and status rules."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest

from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from tests.conftest import API
from tests.samples import renamed, samples

SERVED = Registry()
SAMPLES = samples()
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
#: kinds whose status strategy keeps the stored labels (Deployment; metav1.ResetObjectMetaForStatus; all metadata)
_STATUS_KEEPS_LABELS = {"Deployment", "ServiceCIDR", "VolumeAttachment", "ResourceClaim", "DeviceTaintRule",
                        "ValidatingAdmissionPolicy", "StorageVersion", "StorageVersionMigration", "PodGroup",
                        "PodCertificateRequest", "ResourcePoolStatusRequest", "FlowSchema",
                        "PriorityLevelConfiguration"}  # fmt: skip
#: kinds kube creates without a generation though spec changes bump it (as checked against the reference)
_NO_GENERATION_ON_CREATE = {"CSIDriver"}
#: types with a creation flow of their own (admission, controllers, finalizers), covered elsewhere
SPECIAL = {
    "api/v1/namespaces",
    "api/v1/pods",
    "api/v1/serviceaccounts",
    "apis/apiextensions.k8s.io/v1/customresourcedefinitions",
}


def _info(path: str) -> ResourceInfo:
    parts = path.split("/")
    group, version, plural = ("", *parts[1:]) if parts[0] == "api" else parts[1:]
    info = SERVED.get(group, version, plural)
    assert info is not None, path
    return info


def _url(info: ResourceInfo, ns: str) -> str:
    root = f"/apis/{info.group}/{info.version}" if info.group else "/api/v1"
    return f"{root}/namespaces/{ns}/{info.plural}" if info.namespaced else f"{root}/{info.plural}"


@pytest.mark.parametrize("path", [p for p in SAMPLES if p not in SPECIAL])
async def test_generic_verbs(api: API, ns: str, path: str) -> None:
    info = _info(path)
    obj = orjson.loads(orjson.dumps(SAMPLES[path]))
    name = renamed(obj, uuid.uuid4().hex[:6])
    if "status" in obj and info.strategy.has_status:
        del obj["status"]
    if info.kind == "Service":
        del obj["spec"]["clusterIP"]  # allocated (the sample's may be held by another test's Service)
    base = _url(info, ns)
    item = f"{base}/{name}"

    status, created, _ = await api.post(base, obj)
    assert status == 201, created
    if info.kind == "APIService":  # kube's availability controller writes its status at once: go on from there
        created = await _with_status(api, f"{base}/{name}")
    md = created["metadata"]
    assert created["kind"] == info.kind and created["apiVersion"] == info.api_version
    first = 1 if info.strategy.generation and info.kind not in _NO_GENERATION_ON_CREATE else None
    assert md.get("generation") == first
    assert md["managedFields"][0]["manager"] and md["managedFields"][0]["operation"] == "Update"
    status, got, _ = await api.get(item)
    assert status == 200 and got == created
    # kubectl get: the type's printer on what was stored (a printer that breaks is a 500 here)
    status, table, _ = await api.get(base, headers={"Accept": TABLE})
    assert status == 200 and table["kind"] == "Table", table
    row = next(r for r in table["rows"] if r["object"]["metadata"]["name"] == name)
    assert len(row["cells"]) >= len(table["columnDefinitions"])
    status, listed, _ = await api.get(base, params={"fieldSelector": f"metadata.name={name}"})
    assert status == 200 and [i["metadata"]["name"] for i in listed["items"]] == [name]
    assert listed["kind"] == info.list_kind

    params = {"watch": "1", "resourceVersion": md["resourceVersion"], "timeoutSeconds": "10",
              "fieldSelector": f"metadata.name={name}"}  # fmt: skip
    watch = asyncio.create_task(_watch_until_deleted(api, base, params))

    # a label-only update keeps the generation; the body's status never reaches a type with a status split
    updated = {**got, "metadata": {**got["metadata"], "labels": {**got["metadata"].get("labels", {}), "u": "1"}}}
    if info.strategy.has_status:
        updated["status"] = {"unknownToTheUpdate": True}
    status, after_update, _ = await api.put(item, updated)
    assert status == 200, after_update
    assert after_update["metadata"]["labels"]["u"] == "1"
    bumps = info.strategy.generation == "endpointslice"  # kube bumps an EndpointSlice's on label changes too
    assert after_update["metadata"].get("generation") == (md["generation"] + 1 if bumps else md.get("generation"))
    assert after_update["metadata"]["resourceVersion"] != md["resourceVersion"]
    if info.strategy.has_status:
        assert after_update.get("status") == created.get("status")

    for headers, body in (
        (MERGE, {"metadata": {"annotations": {"merge": "1"}}}),
        (JSON_PATCH, [{"op": "add", "path": "/metadata/labels/json", "value": "1"}]),
        (STRATEGIC, {"metadata": {"labels": {"strategic": "1"}}}),
    ):
        status, patched, _ = await api.request("PATCH", item, data=orjson.dumps(body), headers=headers)
        assert status == 200, (headers, patched)
    assert patched["metadata"]["annotations"]["merge"] == "1"
    assert patched["metadata"]["labels"]["json"] == patched["metadata"]["labels"]["strategic"] == "1"

    apply = {"apiVersion": info.api_version, "kind": info.kind, "metadata": {"name": name, "labels": {"applied": "1"}}}
    status, applied, _ = await api.request(
        "PATCH", item, data=orjson.dumps(apply), headers=APPLY, params={"fieldManager": "surface-test"}
    )
    assert status == 200, applied
    assert applied["metadata"]["labels"]["applied"] == "1"
    assert any(
        e["manager"] == "surface-test" and e["operation"] == "Apply" for e in applied["metadata"]["managedFields"]
    )

    if info.subresource("status"):
        status, as_status, _ = await api.get(f"{item}/status")
        assert status == 200 and as_status == applied
        body = {**applied, "metadata": {**applied["metadata"], "labels": {"ignored": "1"}}}
        body["status"] = {**(applied.get("status") or {}), "observedGeneration": 7} if info.kind in _OBSERVED else {}
        status, status_updated, _ = await api.put(f"{item}/status", body)
        assert status == 200, status_updated
        # a status write takes the status and, for most kinds, the metadata (kube's status strategies)
        assert ("ignored" in status_updated["metadata"].get("labels", {})) == (info.kind not in _STATUS_KEEPS_LABELS)
        if info.kind in _OBSERVED:
            assert status_updated["status"]["observedGeneration"] == 7

    status, deleted, _ = await api.delete(item)
    assert status == 200, deleted
    # PV/PVC protection finalizers: their controller lets the object go once nothing uses it
    assert await api.gone(item, 5.0 if md.get("finalizers") else 0.0)
    types = await asyncio.wait_for(watch, 10)
    assert types[-1] == "DELETED" and "MODIFIED" in types


async def _with_status(api: API, item: str) -> dict[str, Any]:
    for _ in range(200):
        _, got, _ = await api.get(item)
        if got.get("status"):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"no status written: {got}")


async def _watch_until_deleted(api: API, base: str, params: dict[str, str]) -> list[str]:
    types: list[str] = []
    async with api.session.get(api.base + base, params=params) as resp:
        assert resp.status == 200
        async for line in resp.content:
            types.append(orjson.loads(line)["type"])
            if types[-1] == "DELETED":
                break
    return types


#: kinds whose status has an observedGeneration (used to check that a status update lands)
_OBSERVED = {"ReplicationController", "HorizontalPodAutoscaler", "PodDisruptionBudget",
             "ValidatingAdmissionPolicy", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}  # fmt: skip


def test_every_built_in_type_has_a_sample() -> None:
    """The table above covers every served built-in type that is stored (reviews: tests/test_reviews.py)."""
    stored = [i for i in SERVED if i.builtin and i.stored and i.kind != "CustomResourceDefinition"]
    served = {(i.api_version, i.kind) for i in stored}
    sampled = {(o["apiVersion"], o["kind"]) for o in SAMPLES.values()}
    assert served == sampled


_VWC = "apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"


async def test_spec_changes_bump_the_generation_by_each_types_rule(api: API, ns: str) -> None:
    """kube's PrepareForUpdate rules: spec (CronJob), one field (webhooks), never (PriorityClass), spec from none
    (CSIDriver)."""
    cases: list[tuple[str, Any, int]] = [
        ("apis/batch/v1/cronjobs", {"spec": {"schedule": "0 4 * * *"}}, 2),
        ("apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
         {"webhooks": [{**SAMPLES[_VWC]["webhooks"][0], "timeoutSeconds": 9}]}, 2),
        ("apis/scheduling.k8s.io/v1/priorityclasses", {"description": "changed"}, 1),
        ("api/v1/podtemplates", {"metadata": {"annotations": {"a": "b"}}}, 1),
        ("apis/storage.k8s.io/v1/csidrivers", {"spec": {"requiresRepublish": True}}, 1),  # none on create
    ]  # fmt: skip
    for path, patch, generation in cases:
        info = _info(path)
        obj = orjson.loads(orjson.dumps(SAMPLES[path]))
        obj["metadata"]["name"] = f"{obj['metadata']['name']}-{uuid.uuid4().hex[:6]}"
        base = _url(info, ns)
        status, created, _ = await api.post(base, obj)
        assert status == 201, created
        item = f"{base}/{obj['metadata']['name']}"
        status, patched, _ = await api.request("PATCH", item, data=orjson.dumps(patch), headers=MERGE)
        assert status == 200, patched
        assert patched["metadata"]["generation"] == generation, path
        await api.delete(item)


async def test_system_objects_kube_creates_on_start(api: API) -> None:
    """The two system PriorityClasses and a local, Available APIService per served built-in group version."""
    status, critical, _ = await api.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical")
    assert status == 200 and critical["value"] == 2000001000 and critical["preemptionPolicy"] == "PreemptLowerPriority"
    status, listed, _ = await api.get("/apis/apiregistration.k8s.io/v1/apiservices")
    assert status == 200
    by_name = {i["metadata"]["name"]: i for i in listed["items"]}
    assert by_name["v1."]["spec"] == {"version": "v1", "groupPriorityMinimum": 18000, "versionPriority": 1}
    assert by_name["v1.apps"]["spec"] == {"group": "apps", "version": "v1", "groupPriorityMinimum": 17800,
                                          "versionPriority": 15}  # fmt: skip
    assert by_name["v2.autoscaling"]["status"]["conditions"][0]["reason"] == "Local"
    # the aggregator's own group is not one of its delegates' paths: kube lists no APIService for it
    served = {(i.group, i.version) for i in SERVED if i.builtin and i.group != "apiregistration.k8s.io"}
    managed = "kube-aggregator.kubernetes.io/automanaged"
    onstart = [s for s in listed["items"] if s["metadata"].get("labels", {}).get(managed) == "onstart"]
    local = {(s["spec"].get("group", ""), s["spec"]["version"]) for s in onstart}
    assert served == local


async def test_flow_control_objects_kube_creates_on_start(api: API) -> None:
    """API Priority and Fairness' mandatory and suggested configuration (bootstrap/default.go)."""
    flow = "/apis/flowcontrol.apiserver.k8s.io/v1"
    _, levels, _ = await api.get(f"{flow}/prioritylevelconfigurations")
    assert sorted(i["metadata"]["name"] for i in levels["items"]) == sorted(
        ["catch-all", "exempt", "system", "node-high", "leader-election", "workload-high", "workload-low",
         "global-default"])  # fmt: skip
    _, exempt, _ = await api.get(f"{flow}/prioritylevelconfigurations/exempt")
    assert exempt["spec"] == {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0}}
    assert exempt["metadata"]["annotations"] == {"apf.kubernetes.io/autoupdate-spec": "true"}
    _, workload, _ = await api.get(f"{flow}/prioritylevelconfigurations/workload-low")
    assert workload["spec"]["limited"] == {"nominalConcurrencyShares": 100, "lendablePercent": 90, "limitResponse": {
        "type": "Queue", "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}  # fmt: skip
    _, schemas, _ = await api.get(f"{flow}/flowschemas")
    precedence = {i["metadata"]["name"]: i["spec"]["matchingPrecedence"] for i in schemas["items"]}
    assert precedence == {"exempt": 1, "probes": 2, "system-leader-election": 100, "system-node-high": 400,
                          "system-nodes": 500, "kube-controller-manager": 800, "kube-scheduler": 800,
                          "kube-system-service-accounts": 900, "service-accounts": 9000, "global-default": 9900,
                          "catch-all": 10000}  # fmt: skip
    _, probes, _ = await api.get(f"{flow}/flowschemas/probes")
    assert "distinguisherMethod" not in probes["spec"]
    assert probes["status"]["conditions"][0]["type"] == "Dangling"
    assert probes["status"]["conditions"][0]["status"] == "False"
