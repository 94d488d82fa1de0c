"""Defaulting and the default admission plugins over real HTTP, checked against kube-apiserver 1.36 captures."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from typing import Any

from tests.conftest import API, load_fixture

TOKEN_VOLUME = re.compile(r"^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$")


def _without_openshift_ca(pod: dict[str, Any]) -> dict[str, Any]:
    """The captures come from a build whose ServiceAccount plugin adds an OpenShift CA source: drop it."""
    pod = copy.deepcopy(pod)
    for volume in pod["spec"]["volumes"]:
        sources = volume.get("projected", {}).get("sources", [])
        volume["projected"]["sources"] = [
            s for s in sources if s.get("configMap", {}).get("name") != "openshift-service-ca.crt"
        ]
    return pod


def _rename_token_volume(pod: dict[str, Any], name: str) -> None:
    for volume in pod["spec"]["volumes"]:
        if TOKEN_VOLUME.match(volume["name"]):
            volume["name"] = name
    for container in pod["spec"]["containers"]:
        for mount in container.get("volumeMounts", []):
            if TOKEN_VOLUME.match(mount["name"]):
                mount["name"] = name


async def test_pod_create_matches_kube(api: API, ns: str) -> None:
    """kubectl's pod body comes back as kube 1.36 returns it: defaults, token volume, tolerations, priority."""
    status, pod, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", load_fixture("kube-1.36/input_pod.json"))
    assert status == 201, pod
    want = _without_openshift_ca(load_fixture("kube-1.36/pod_create.json"))
    assert TOKEN_VOLUME.match(pod["spec"]["volumes"][0]["name"]), pod["spec"]["volumes"]
    _rename_token_volume(pod, "token")
    _rename_token_volume(want, "token")
    assert list(pod) == list(want)
    assert pod["spec"] == want["spec"]
    assert pod["status"] == want["status"]
    md, want_md = pod["metadata"], want["metadata"]
    assert list(md) == list(want_md)
    assert (md["generation"], md["labels"]) == (1, want_md["labels"])
    # ownership is recorded before admission: the token volume, tolerations and priority belong to nobody
    (entry,) = md["managedFields"]
    want_entry = want_md["managedFields"][0]
    assert entry["fieldsV1"] == want_entry["fieldsV1"], json.dumps(entry["fieldsV1"])
    assert (entry["operation"], entry["apiVersion"]) == ("Update", "v1")


async def test_pod_without_service_account_is_forbidden(api: API, ns: str) -> None:
    # kube's capture names the default account; its controller re-creates that at once, here as in kube
    pod = load_fixture("kube-1.36/input_pod.json")
    pod["spec"]["serviceAccountName"] = "missing"
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    want = load_fixture("kube-1.36/pod_create_no_serviceaccount_403.json")
    want["message"] = want["message"].replace("default/default", f"{ns}/missing").replace('"default"', '"missing"')
    assert (status, body) == (403, want)
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/ref-pod")
    assert status == 404  # nothing was written

    # a named account that exists is used, its imagePullSecrets copied; automount off means no token volume
    account = {"metadata": {"name": "builder"}, "imagePullSecrets": [{"name": "registry"}]}
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", account)
    assert status == 201, body
    pod = load_fixture("kube-1.36/input_pod.json")
    pod["metadata"]["name"] = "built"
    pod["spec"].update(serviceAccountName="builder", automountServiceAccountToken=False)
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    assert (body["spec"]["serviceAccount"], body["spec"]["imagePullSecrets"]) == ("builder", [{"name": "registry"}])
    assert "volumes" not in body["spec"] and "volumeMounts" not in body["spec"]["containers"][0]


async def test_pod_priority_and_runtime_class_admission(api: API, ns: str) -> None:
    pod = load_fixture("kube-1.36/input_pod.json")
    pod["spec"]["priority"] = 5
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert (status, body["reason"]) == (403, "Forbidden"), body
    assert body["message"] == (
        'pods "ref-pod" is forbidden: the integer value of priority (5) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name"
    )
    pod = load_fixture("kube-1.36/input_pod.json")
    pod["spec"]["priorityClassName"] = "system-node-critical"
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    assert (body["spec"]["priority"], body["spec"]["priorityClassName"]) == (2000001000, "system-node-critical")

    # an update keeps the computed priority although the client left it out
    body["spec"].pop("priority")
    body["metadata"]["labels"]["changed"] = "yes"
    status, updated, _ = await api.put(f"/api/v1/namespaces/{ns}/pods/ref-pod", body)
    assert status == 200, updated
    assert updated["spec"]["priority"] == 2000001000

    pod = load_fixture("kube-1.36/input_pod.json")
    pod["metadata"]["name"] = "gvisor"
    pod["spec"]["runtimeClassName"] = "gvisor"
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 403
    assert body["message"] == 'pods "gvisor" is forbidden: pod rejected: RuntimeClass "gvisor" not found'


async def test_workload_defaults_and_nested_type_meta(api: API, ns: str) -> None:
    """Deployment and StatefulSet defaults, and the claim templates' kind/apiVersion protobuf cannot carry."""
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template},
    }
    status, body, _ = await api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment)
    assert status == 201, body
    spec = body["spec"]
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (1, 10, 600)
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"  # untagged image
    assert "enableServiceLinks" not in spec["template"]["spec"]  # pods only, not templates

    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "s"},
        "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "template": template,
            "volumeClaimTemplates": [claim],
        },
    }
    status, body, _ = await api.post(f"/apis/apps/v1/namespaces/{ns}/statefulsets", statefulset)
    assert status == 201, body
    (stored_claim,) = body["spec"]["volumeClaimTemplates"]
    assert list(stored_claim)[:3] == ["kind", "apiVersion", "metadata"]
    assert (stored_claim["kind"], stored_claim["apiVersion"]) == ("PersistentVolumeClaim", "v1")
    assert stored_claim["spec"]["volumeMode"] == "Filesystem"
    status, got, _ = await api.get(f"/apis/apps/v1/namespaces/{ns}/statefulsets/s")
    assert got["spec"]["volumeClaimTemplates"] == body["spec"]["volumeClaimTemplates"]


async def test_service_and_node_defaults(api: API, ns: str) -> None:
    service = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80}]}}
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/services", service)
    assert status == 201, body
    assert body["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 80}]
    assert (body["spec"]["type"], body["spec"]["sessionAffinity"]) == ("ClusterIP", "None")

    node_name = f"node-{ns}"
    status, node, _ = await api.post("/api/v1/nodes", {"metadata": {"name": node_name}})
    assert status == 201, node
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    status, _, _ = await api.delete(f"/api/v1/nodes/{node_name}")
    assert status == 200


async def test_claims_and_ingresses_get_the_default_class(api: API, ns: str) -> None:
    """DefaultStorageClass and DefaultIngressClass: without a class (and without the beta annotation), the newest
    default one; "" and the annotations are left alone (answers checked on kube 1.36)."""
    suffix = ns.rsplit("-", 1)[1]
    classes = []
    try:
        for i, age in enumerate(("old", "new")):
            sc = {"metadata": {"name": f"sc-{age}-{suffix}",
                               "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                  "provisioner": "p"}  # fmt: skip
            ic = {"metadata": {"name": f"ic-{age}-{suffix}",
                               "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
                  "spec": {"controller": "example.com/x"}}  # fmt: skip
            classes += [f"/apis/storage.k8s.io/v1/storageclasses/{sc['metadata']['name']}",
                        f"/apis/networking.k8s.io/v1/ingressclasses/{ic['metadata']['name']}"]  # fmt: skip
            assert (await api.post("/apis/storage.k8s.io/v1/storageclasses", sc))[0] == 201
            assert (await api.post("/apis/networking.k8s.io/v1/ingressclasses", ic))[0] == 201
            if i == 0:
                await asyncio.sleep(1.1)  # creation timestamps have seconds
        for path in classes:  # the plugins read the watch caches (kube: its informers), which follow etcd
            for _ in range(500):
                if (await api.get(path, params={"resourceVersion": "0"}))[0] == 200:
                    break
                await asyncio.sleep(0.02)
        claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
        pvcs = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
        _, c1, _ = await api.post(pvcs, {"metadata": {"name": "c1"}, "spec": claim})
        _, c2, _ = await api.post(pvcs, {"metadata": {"name": "c2"}, "spec": {**claim, "storageClassName": ""}})
        beta = {"volume.beta.kubernetes.io/storage-class": "x"}
        _, c3, _ = await api.post(pvcs, {"metadata": {"name": "c3", "annotations": beta}, "spec": claim})
        assert [c["spec"].get("storageClassName") for c in (c1, c2, c3)] == [f"sc-new-{suffix}", "", None]
        backend = {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}}
        ingresses = f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses"
        _, i1, _ = await api.post(ingresses, {"metadata": {"name": "i1"}, "spec": backend})
        annotated = {"name": "i2", "annotations": {"kubernetes.io/ingress.class": "nginx"}}
        _, i2, _ = await api.post(ingresses, {"metadata": annotated, "spec": backend})
        assert [i["spec"].get("ingressClassName") for i in (i1, i2)] == [f"ic-new-{suffix}", None]
    finally:
        for path in classes:
            await api.delete(path)


_LIMIT_RANGER = load_fixture("kube-1.36/limitranger.json")
_PLURALS = {"lr": "limitranges", "pod": "pods", "pvc": "persistentvolumeclaims"}


async def test_limit_ranger_defaults_and_limits_as_kube(api: API, ns: str) -> None:
    """LimitRanger: a namespace's LimitRanges default a pod's requests and limits (and say so in an annotation)
    and forbid pods and claims outside their minimums, maximums and ratios — each step answered as kube 1.36
    answered it (tests/fixtures/kube-1.36/limitranger.json)."""
    for (kind, body), want in zip(_LIMIT_RANGER["steps"], _LIMIT_RANGER["kube"], strict=True):
        status, obj, _ = await api.post(f"/api/v1/namespaces/{ns}/{_PLURALS[kind]}", body)
        if status >= 300:
            got: list[Any] = [status, obj["message"].replace(ns, "NS")]
        elif kind == "pod":
            containers = obj["spec"].get("initContainers", []) + obj["spec"]["containers"]
            got = [status, obj["metadata"].get("annotations"), [c.get("resources") for c in containers],
                   obj["status"].get("qosClass")]  # fmt: skip
        elif kind == "lr":
            got = [status, obj["spec"]]
        else:
            got = [status]
        assert got == want, body["metadata"]["name"]


_PVC_RESIZE = load_fixture("kube-1.36/pvc_resize.json")


_PVC_LIMITS = load_fixture("kube-1.36/pvc_limitranger_update.json")


async def _replay_claim_steps(api: API, ns: str, fixture: dict[str, Any], message: Any) -> None:
    """Replay a fixture's steps on claims in ``ns`` (CLASS: a StorageClass that allows expansion, made here; LR: a
    LimitRange) and compare each answer with kube's: ``message(status, obj)`` is what is compared with it."""
    cls = f"grow-{ns}"
    status, body, _ = await api.post(
        "/apis/storage.k8s.io/v1/storageclasses",
        {"metadata": {"name": cls}, "provisioner": "p", "allowVolumeExpansion": True},
    )
    assert status == 201, body
    claims = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    try:
        for (method, sub, body), want in zip(fixture["steps"], fixture["kube"], strict=True):
            data = json.loads(json.dumps(body).replace("CLASS", cls))
            if method == "LR":
                status, obj, _ = await api.post(f"/api/v1/namespaces/{ns}/limitranges", data)
            else:
                headers = {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else None
                status, obj, _ = await api.request(method, claims + sub, data, headers=headers)
            assert message(status, obj, want) == want, (method, sub, body, obj)
    finally:
        await api.delete(f"/apis/storage.k8s.io/v1/storageclasses/{cls}")


async def test_claim_updates_and_resize_as_kube(api: API, ns: str) -> None:
    """A claim's spec is immutable but for a volumeName set once and, once bound, its storage request; growing it
    needs a class that allows expansion (PersistentVolumeClaimResize) — each step answered as kube 1.36 answered
    it (tests/fixtures/kube-1.36/pvc_resize.json; kube's message goes on with a Go struct diff, compared up to it)."""

    def first_line(status: int, obj: Any, want: Any) -> Any:
        return status if isinstance(want, int) else [status, (obj.get("message") or "").split("\n")[0]]

    await _replay_claim_steps(api, ns, _PVC_RESIZE, first_line)


async def test_limit_ranger_checks_claim_updates_as_kube(api: API, ns: str) -> None:
    """LimitRanger checks a claim's every update (a label's too) but not its status, before the resize plugin
    (tests/fixtures/kube-1.36/pvc_limitranger_update.json)."""

    def answer(status: int, obj: Any, want: Any) -> Any:
        return [status, obj["message"].replace(ns, "NS") if status >= 300 else ""]

    await _replay_claim_steps(api, ns, _PVC_LIMITS, answer)


_RESIZE_LIMITS = load_fixture("kube-1.36/pod_resize_limitranger.json")


async def test_limit_ranger_on_pod_resize_as_kube(api: API, ns: str) -> None:
    """A pod's resize meets the namespace's LimitRanges as in kube: what it removes is defaulted again, what
    passes a minimum or maximum is forbidden (tests/fixtures/kube-1.36/pod_resize_limitranger.json)."""
    pods = f"/api/v1/namespaces/{ns}/pods"
    smp = {"Content-Type": "application/strategic-merge-patch+json"}
    for (method, sub, body), want in zip(_RESIZE_LIMITS["steps"], _RESIZE_LIMITS["kube"], strict=True):
        if method == "LR":
            status, obj, _ = await api.post(f"/api/v1/namespaces/{ns}/limitranges", body)
            got: list[Any] = [status]
        else:
            status, obj, _ = await api.request(method, pods + sub, body, headers=smp if method == "PATCH" else None)
            if status >= 300:
                got = [status, obj["message"].replace(ns, "NS")]
            else:
                resources = [c.get("resources") for c in obj["spec"]["containers"]]
                got = [status, resources, obj["metadata"].get("annotations")]
        assert got == want, (method, sub, body)
