"""Small differences from kube 1.36 that issue 12 listed, each pinned to what kube answers."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

import pytest
import yaml

from tests.conftest import API

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


async def test_table_rows_without_objects_carry_a_null_object(api: API, ns: str) -> None:
    """TableRow.object is a RawExtension under omitempty: with includeObject=None kube writes null."""
    await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "t"}})
    status, table, _ = await api.get(
        f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": TABLE}, params={"includeObject": "None"}
    )
    assert status == 200 and table["rows"] and all(row["object"] is None for row in table["rows"])


async def test_daemonsets_carry_the_template_generation_annotation(api: API, ns: str) -> None:
    """The internal spec.templateGeneration, in apps/v1 an annotation: 1 on create, +1 per template change."""
    template = {"metadata": {"labels": {"app": "ds"}}, "spec": {"containers": [{"name": "c", "image": "a"}]}}
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"},
          "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": template}}  # fmt: skip
    base = f"/apis/apps/v1/namespaces/{ns}/daemonsets"
    status, created, _ = await api.post(base, ds)
    assert status == 201 and created["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}
    # apps/v1's conversion writes the annotation before kube's field manager looks: the creator owns it
    owned = created["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]
    assert owned == {"f:annotations": {".": {}, "f:deprecated.daemonset.template.generation": {}}}
    merge = {"Content-Type": "application/merge-patch+json"}
    patch = {"metadata": {"labels": {"x": "y"}, "annotations": {"deprecated.daemonset.template.generation": "9"}}}
    status, patched, _ = await api.request("PATCH", f"{base}/ds", body=patch, headers=merge)
    assert status == 200 and patched["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "1"
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "b"}]}}}}
    status, patched, _ = await api.request("PATCH", f"{base}/ds", body=patch, headers=merge)
    assert patched["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    assert patched["metadata"]["generation"] == 2


def _token(payload: object) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage!!!", "illegal base64 data at input byte 7"),
        (_token(b"{nope"), "invalid character 'n' looking for beginning of object key string"),
        (_token([1]), "json: cannot unmarshal array into Go value of type storage.continueToken"),
        (_token({"v": "meta.k8s.io/v1", "rv": "1", "start": "a"}),
         "json: cannot unmarshal string into Go struct field continueToken.rv of type int64"),
        (_token({"v": "meta.k8s.io/v1", "rv": 2**64, "start": "a"}),
         f"json: cannot unmarshal number {2**64} into Go struct field continueToken.rv of type int64"),
        (_token({"v": "meta.k8s.io/v9"}), "server does not recognize this encoded version meta.k8s.io/v9"),
        (_token({"v": "meta.k8s.io/v1", "rv": 3}), "encoded start key empty (version meta.k8s.io/v1)"),
    ],
)  # fmt: skip
async def test_garbage_continue_tokens_are_kubes_400s(api: API, token: str, message: str) -> None:
    ns = f"ct-{uuid.uuid4().hex[:6]}"
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps", params={"limit": "1", "continue": token})
    assert status == 400 and body["reason"] == "BadRequest"
    assert body["message"] == f"invalid continue token: continue key is not valid: {message}"


async def test_a_scale_update_records_a_scale_subresource_entry(api: API, ns: str) -> None:
    """kube's managedFields entry of a PUT/PATCH on .../scale: the parent's apiVersion, spec.replicas,
    ``subresource: scale``."""
    template = {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "c", "image": "a"}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": template}}  # fmt: skip
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    status, _, _ = await api.post(base, deploy, params={"fieldManager": "creator"})
    assert status == 201
    patch = {"spec": {"replicas": 3}}
    status, _, _ = await api.request("PATCH", f"{base}/d/scale", body=patch, params={"fieldManager": "scaler"},
                                     headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert status == 200
    _, got, _ = await api.get(f"{base}/d")
    entries = {e["manager"]: e for e in got["metadata"]["managedFields"]}
    scaler = entries["scaler"]
    assert scaler["operation"] == "Update" and scaler["apiVersion"] == "apps/v1" and scaler["subresource"] == "scale"
    assert scaler["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in entries["creator"]["fieldsV1"].get("f:spec", {})


async def test_secret_string_data_is_owned_as_data(api: API, ns: str) -> None:
    """stringData is merged into data when the body is decoded, so the creator owns f:data.f:<key> (kube)."""
    body = {"metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"b": "hello", "a": "over"}}
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/secrets", body)
    assert status == 201 and "stringData" not in created
    assert created["data"] == {"a": "b3Zlcg==", "b": "aGVsbG8="} and created["type"] == "Opaque"
    fields = created["metadata"]["managedFields"][0]["fieldsV1"]
    assert fields["f:data"] == {".": {}, "f:a": {}, "f:b": {}} and "f:stringData" not in fields


async def test_claims_and_volumes_are_protected_while_in_use(api: API, ns: str) -> None:
    """StorageObjectInUseProtection adds the finalizers; the protection controllers remove them once a claim
    is used by no running pod and a volume is not Bound. A namespace holding a claim still goes away."""
    pvc = {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                               "resources": {"requests": {"storage": "1Gi"}}}}  # fmt: skip
    claims = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    status, created, _ = await api.post(claims, pvc)
    assert status == 201 and created["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    pod = {"metadata": {"name": "user"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}],
        "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "c"}}]}}  # fmt: skip
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    await api.delete(f"{claims}/c")
    await asyncio.sleep(0.3)
    status, pending, _ = await api.get(f"{claims}/c")
    assert status == 200 and pending["metadata"]["deletionTimestamp"]  # the pod still uses it
    await api.delete(f"/api/v1/namespaces/{ns}/pods/user", params={"gracePeriodSeconds": "0"})
    assert await api.gone(f"{claims}/c")

    pv = {"metadata": {"name": f"pv-{ns}"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                                   "hostPath": {"path": "/tmp/x"}}}  # fmt: skip
    status, created, _ = await api.post("/api/v1/persistentvolumes", pv)
    assert status == 201 and created["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    await api.delete(f"/api/v1/persistentvolumes/pv-{ns}")
    assert await api.gone(f"/api/v1/persistentvolumes/pv-{ns}")

    status, _, _ = await api.post(claims, pvc)
    assert status == 201
    await api.delete(f"/api/v1/namespaces/{ns}")
    assert await api.gone(f"/api/v1/namespaces/{ns}")


async def test_jobs_select_their_own_pods_by_uid(api: API, ns: str) -> None:
    """kube's generateSelector: job-name and controller-uid labels (legacy and batch.kubernetes.io/) on the pod
    template, the selector on batch.kubernetes.io/controller-uid; the generated name is known by then."""
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "j-"}, "spec": {"template": template}}
    status, created, _ = await api.post(f"/apis/batch/v1/namespaces/{ns}/jobs", job)
    assert status == 201, created
    name, uid = created["metadata"]["name"], created["metadata"]["uid"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert created["spec"]["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
        "controller-uid": uid, "job-name": name}  # fmt: skip
    assert created["spec"]["manualSelector"] is False


async def test_field_selectors_of_the_new_types(api: API, ns: str) -> None:
    """kube's field labels: RC status.replicas, CSR spec.signerName, ResourceSlice spec.nodeName/spec.driver."""
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/replicationcontrollers",
                                    params={"fieldSelector": "status.replicas=0"})  # fmt: skip
    assert status == 200, body
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/replicationcontrollers", params={"fieldSelector": "x=1"})
    assert status == 400 and body["message"] == "field label not supported: x"
    slices = "/apis/resource.k8s.io/v1/resourceslices"
    name = f"s-{uuid.uuid4().hex[:6]}"
    pool = {"name": "p", "generation": 1, "resourceSliceCount": 1}
    body = {"metadata": {"name": name}, "spec": {"driver": "d.example.com", "nodeName": "n9", "pool": pool}}
    status, created, _ = await api.post(slices, body)
    assert status == 201, created
    status, listed, _ = await api.get(slices, params={"fieldSelector": "spec.nodeName=n9,spec.driver=d.example.com"})
    assert [i["metadata"]["name"] for i in listed["items"]] == [name]
    status, body, _ = await api.get(slices, params={"fieldSelector": "spec.pool=x"})
    assert status == 400
    assert body["message"] == "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: spec.pool"
    await api.delete(f"{slices}/{name}")
    selector = {"fieldSelector": "spec.signerName=kubernetes.io/kubelet-serving"}
    status, body, _ = await api.get("/apis/certificates.k8s.io/v1/certificatesigningrequests", params=selector)
    assert status == 200


async def test_volume_attributes_classes_are_protected_while_named(api: API, ns: str) -> None:
    """kube 1.36's StorageObjectInUseProtection adds ``kubernetes.io/vac-protection`` (checked on the reference:
    a created class holds it); the vac-protection controller removes it once a deleted class is named by no
    claim or volume."""
    vacs = "/apis/storage.k8s.io/v1/volumeattributesclasses"
    name = f"gold-{ns}"
    vac = {"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttributesClass", "metadata": {"name": name},
           "driverName": "csi.example.com", "parameters": {"iops": "1000"}}  # fmt: skip
    status, created, _ = await api.post(vacs, vac)
    assert status == 201 and created["metadata"]["finalizers"] == ["kubernetes.io/vac-protection"]
    pvc = {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"], "volumeAttributesClassName": name,
                                               "resources": {"requests": {"storage": "1Gi"}}}}  # fmt: skip
    claims = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    status, body, _ = await api.post(claims, pvc)
    assert status == 201, body
    await api.delete(f"{vacs}/{name}")
    await asyncio.sleep(0.3)
    status, pending, _ = await api.get(f"{vacs}/{name}")
    assert status == 200 and pending["metadata"]["deletionTimestamp"]  # the claim still names it
    await api.delete(f"{claims}/c")
    assert await api.gone(f"{claims}/c")
    assert await api.gone(f"{vacs}/{name}")


async def test_resource_slice_alpha_fields_are_dropped(api: API) -> None:
    """DRAListTypeAttributes and DRANodeAllocatableResources are off in kube 1.36: their fields are dropped from
    a new slice (what the reference stored for the same body)."""
    device = {"name": "d", "attributes": {"b": {"string": "x", "strings": ["y"]}}, "capacity": {"k": {"value": "1"}},
              "nodeAllocatableResourceMappings": {"cpu": {"capacityKey": "k"}, "bad name!": {}}}  # fmt: skip
    body = {"apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice", "metadata": {"name": "alpha-fields"},
            "spec": {"driver": "gpu.example.com", "nodeName": "n1", "devices": [device],
                     "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1}}}  # fmt: skip
    status, created, _ = await api.post("/apis/resource.k8s.io/v1/resourceslices?dryRun=All", body)
    assert status == 201, created
    assert created["spec"]["devices"] == [{"name": "d", "attributes": {"b": {"string": "x"}},
                                           "capacity": {"k": {"value": "1"}}}]  # fmt: skip


async def test_pod_fields_of_features_kube_leaves_off_are_dropped(api: API, ns: str) -> None:
    """ContainerStopSignals, GenericWorkload, ClusterTrustBundleProjection and PodCertificateRequest are off in
    kube 1.36: their fields are dropped from a new pod and a new template (what the reference stored)."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    certificate = {"signerName": "a.com/b", "keyType": "RSA3072", "credentialBundlePath": "c"}
    sources = [{"clusterTrustBundle": {"name": "x", "path": "p"}}, {"podCertificate": certificate}]
    spec = {"containers": [{"name": "c", "image": "i", "lifecycle": {"stopSignal": "SIGTERM"}},
                           {"name": "d", "image": "i", "lifecycle": {"stopSignal": "SIGTERM",
                                                                     "preStop": {"sleep": {"seconds": 1}}}}],
            "os": {"name": "linux"}, "schedulingGroup": {"podGroupName": "g"},
            "volumes": [{"name": "v", "projected": {"sources": sources}}]}  # fmt: skip
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "alpha"}, "spec": spec}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "alpha"},
                  "spec": {"selector": {"matchLabels": {"a": "b"}},
                           "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}}  # fmt: skip
    status, created_pod, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created_pod
    status, created_deployment, _ = await api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment)
    assert status == 201, created_deployment
    for stored in (created_pod["spec"], created_deployment["spec"]["template"]["spec"]):
        assert [c.get("lifecycle") for c in stored["containers"]] == [None, {"preStop": {"sleep": {"seconds": 1}}}]
        assert "schedulingGroup" not in stored
        assert stored["volumes"][0]["projected"]["sources"][:2] == [{}, {}]


async def test_tables_in_yaml_and_never_in_protobuf(api: API, ns: str) -> None:
    """kube 1.36 writes a Table (and partial metadata) as YAML when asked, and skips an Accept clause asking for
    a protobuf Table (the next clause answers: here the plain JSON list)."""
    assert (await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "c"}}))[0] == 201
    path = f"/api/v1/namespaces/{ns}/configmaps"
    table = "as=Table;v=v1;g=meta.k8s.io"
    status, as_json, _ = await api.get(path, headers={"Accept": f"application/json;{table}"})
    assert status == 200 and as_json["kind"] == "Table"
    status, text, headers = await api.get(path, headers={"Accept": f"application/yaml;{table}"})
    assert status == 200 and headers["Content-Type"] == "application/yaml"
    assert text.startswith("apiVersion: meta.k8s.io/v1\ncolumnDefinitions:")
    assert yaml.safe_load(text)["rows"][0]["cells"][0] == "c"
    pb = f"application/vnd.kubernetes.protobuf;{table}, application/json"
    status, listed, headers = await api.get(path, headers={"Accept": pb})
    assert status == 200 and headers["Content-Type"] == "application/json" and listed["kind"] == "ConfigMapList"
    partial = "application/yaml;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    status, text, headers = await api.get(path, headers={"Accept": partial})
    assert status == 200 and headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(text)["kind"] == "PartialObjectMetadataList"



def _patched_shown(message: str) -> dict[str, Any]:
    """The patched object a patch's 422 prints, its keys in the printed order."""
    quoted = message.split("patch: Invalid value: ", 1)[1].rsplit(": json: ", 1)[0]
    return json.loads(json.loads(quoted), object_pairs_hook=dict)


async def test_a_patch_error_prints_the_object_in_json_patch_order(api: API, ns: str) -> None:
    """kube's json-patch library sorts the keys of the objects it worked on and leaves the rest as stored; its
    decoder then reports the first ill-typed field in that order (checked on kube 1.36: the printed JSON was
    byte-identical for these patches)."""
    path = f"/api/v1/namespaces/{ns}/configmaps"
    body = {"metadata": {"name": "c", "labels": {"z": "1", "y": "2"}}, "data": {"b": "1", "a": "2"}}
    assert (await api.post(path, body))[0] == 201
    merge = {"Content-Type": "application/merge-patch+json"}
    status, answer, _ = await api.request("PATCH", f"{path}/c", {"data": {"q": 1, "c": "2"}}, headers=merge)
    shown = _patched_shown(answer["message"])
    assert status == 422 and list(shown) == ["apiVersion", "data", "kind", "metadata"]
    assert list(shown["data"]) == ["a", "b", "c", "q"]
    assert list(shown["metadata"]) == ["name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                                       "labels", "managedFields"]  # fmt: skip
    patch = {"data": {"q": 1}, "metadata": {"annotations": {"m": {"z": 1, "a": 2}}}}
    status, answer, _ = await api.request("PATCH", f"{path}/c", patch, headers=merge)
    shown = _patched_shown(answer["message"])
    assert list(shown["metadata"])[:3] == ["annotations", "creationTimestamp", "labels"]
    assert list(shown["metadata"]["annotations"]["m"]) == ["a", "z"]  # brought whole by the patch: sorted
    assert answer["message"].endswith("cannot unmarshal number into Go struct field ConfigMap.data of type string")
    ops = [{"op": "add", "path": "/metadata/labels/x", "value": "3"}, {"op": "add", "path": "/data/q", "value": 1}]
    json_patch = {"Content-Type": "application/json-patch+json"}
    status, answer, _ = await api.request("PATCH", f"{path}/c", ops, headers=json_patch)
    shown = _patched_shown(answer["message"])
    assert status == 422 and list(shown["metadata"]) == sorted(shown["metadata"])
    assert list(shown["metadata"]["managedFields"][0]) == ["manager", "operation", "apiVersion", "time",
                                                           "fieldsType", "fieldsV1"]  # fmt: skip
