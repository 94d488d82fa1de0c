"""Unit tests for apiserver.defaulting, .quantity and .admission.pods: kube 1.36's decode-time defaulting and
default-on admission plugins.

No server: plain functions on JSON dicts, checked against a real kube-apiserver 1.36 capture
(tests/fixtures/kube-1.36/pod_create.json) and against the Go sources' own expectations.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from aiokube.apiserver.admission.pods import (
    AdmissionForbidden,
    ServiceAccountMissing,
    admit_node,
    admit_pod,
    admit_pod_update,
    admit_storage_protection,
    pod_service_account_name,
)
from aiokube.apiserver.defaulting import apply_defaults, image_tag
from aiokube.apiserver.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    Quantity,
    canonical_quantity,
    parse_quantity,
)
from aiokube.encoding import typed

KUBE = Path(__file__).parent / "fixtures" / "kube-1.36"
SA_DEFAULT = {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "default", "namespace": "default"}}
MOUNT = {
    "name": "kube-api-access-abcde",
    "readOnly": True,
    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
}


def _load(name: str) -> Any:
    return json.loads((KUBE / name).read_text())


def _fixed(suffix: str = "abcde") -> Any:
    calls: list[str] = []

    def gen() -> str:
        calls.append(suffix)
        return suffix

    gen.calls = calls  # type: ignore[attr-defined]
    return gen


def _pod(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    base.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": base}


def _created_pod(pod: dict[str, Any], sa: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """What the create path does: decode defaults, admission, defaults again (kube's decode from etcd)."""
    apply_defaults("", "Pod", pod)
    admit_pod(pod, "ns", sa if sa is not None else SA_DEFAULT, _fixed(), **kw)
    apply_defaults("", "Pod", pod)
    return pod


# ---------------------------------------------------------------------------------------------- the capture


def test_reference_pod_matches_kube_capture() -> None:
    pod = _load("input_pod.json")
    apply_defaults("", "Pod", pod)
    admit_pod(pod, "default", SA_DEFAULT, lambda: "6p65s")  # the capture's random suffix
    apply_defaults("", "Pod", pod)
    got = typed.canonical(pod, "k8s.io.api.core.v1.Pod")["spec"]

    expected = _load("pod_create.json")["spec"]
    # The capture comes from an OpenShift-patched kube-apiserver 1.36 (MicroShift): its ServiceAccount admission
    # carries a 4th projected source, openshift-service-ca.crt. Upstream TokenVolumeSource() has three.
    sources = expected["volumes"][0]["projected"]["sources"]
    assert sources[3]["configMap"]["name"] == "openshift-service-ca.crt"
    del sources[3]
    # canonical() writes Go field order, so the dumps compare order as well as content
    assert json.dumps(got, indent=1) == json.dumps(expected, indent=1)


def test_missing_service_account_error_text() -> None:
    pod = _load("input_pod.json")
    assert pod_service_account_name(pod) == "default"
    apply_defaults("", "Pod", pod)
    with pytest.raises(ServiceAccountMissing) as info:
        admit_pod(pod, "default", None, _fixed())
    status = _load("pod_create_no_serviceaccount_403.json")
    assert isinstance(info.value, ValueError) and isinstance(info.value, AdmissionForbidden)
    assert f'pods "ref-pod" is forbidden: {info.value}' == status["message"]
    assert str(info.value) == 'error looking up service account default/default: serviceaccount "default" not found'


def test_missing_named_service_account() -> None:
    pod = _pod(serviceAccount="builder")  # the deprecated alias names the account too
    assert pod_service_account_name(pod) == "builder"
    with pytest.raises(
        ServiceAccountMissing,
        match=r'^error looking up service account ns/builder: serviceaccount "builder" not found$',
    ):
        admit_pod(pod, "ns", None, _fixed())


# ---------------------------------------------------------------------------------------------- pods


def test_pod_container_and_spec_defaults() -> None:
    pod = _pod(
        containers=[
            {
                "name": "a",
                "image": "nginx",
                "ports": [{"containerPort": 80}],
                "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "livenessProbe": {"httpGet": {"port": 80}},
                "readinessProbe": {"grpc": {"port": 9000}, "timeoutSeconds": 0},
                "lifecycle": {"preStop": {"httpGet": {"port": 81}}},
                "resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}, "requests": {"cpu": "100m"}},
            },
            {"name": "b", "image": "registry.example.com:5000/app:latest", "imagePullPolicy": "Never"},
        ],
        initContainers=[{"name": "i", "image": "busybox@sha256:" + "a" * 64}],
        terminationGracePeriodSeconds=-5,
    )
    apply_defaults("", "Pod", pod)
    spec = pod["spec"]
    a, b = spec["containers"]
    assert a["imagePullPolicy"] == "Always"  # untagged means :latest
    assert b["imagePullPolicy"] == "Never"  # set values stay
    assert spec["initContainers"][0]["imagePullPolicy"] == "IfNotPresent"  # digest only
    assert a["terminationMessagePath"] == "/dev/termination-log" and a["terminationMessagePolicy"] == "File"
    assert a["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert a["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "metadata.name", "apiVersion": "v1"}
    assert a["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert a["readinessProbe"]["grpc"] == {"port": 9000, "service": ""}
    assert a["readinessProbe"]["timeoutSeconds"] == 1  # 0 is Go's "unset"
    assert a["lifecycle"]["preStop"]["httpGet"] == {"port": 81, "path": "/", "scheme": "HTTP"}
    # requests default to limits (pods only), then every quantity is rounded to milli and canonicalized
    assert a["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "1Gi"}}
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert spec["terminationGracePeriodSeconds"] == 1  # conversion turns a negative grace period into 1
    assert "serviceAccountName" not in spec  # admission's job, not defaulting


def test_pod_volumes() -> None:
    pod = _pod(
        volumes=[
            {"name": "scratch"},
            {"name": "s", "secret": {"secretName": "x"}},
            {"name": "cm", "configMap": {"name": "x", "defaultMode": 0o600}},
            {"name": "d", "downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"name": "h", "hostPath": {"path": "/tmp"}},
            {"name": "pj", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
            {"name": "img", "image": {"reference": "quay.io/x/y:latest"}},
            {
                "name": "e",
                "ephemeral": {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "1.5Gi"}}}}},
            },
            {"name": "r", "rbd": {"monitors": ["m"], "image": "i"}},
            {"name": "az", "azureDisk": {"diskName": "d", "diskURI": "u"}},
        ]
    )
    apply_defaults("", "Pod", pod)
    v = {vol["name"]: vol for vol in pod["spec"]["volumes"]}
    assert v["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert v["s"]["secret"]["defaultMode"] == 420
    assert v["cm"]["configMap"]["defaultMode"] == 0o600
    assert v["d"]["downwardAPI"] == {
        "items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"}}],
        "defaultMode": 420,
    }
    assert v["h"]["hostPath"] == {"path": "/tmp", "type": ""}
    assert v["pj"]["projected"] == {
        "sources": [{"serviceAccountToken": {"path": "t", "expirationSeconds": 3600}}],
        "defaultMode": 420,
    }
    assert v["img"]["image"]["pullPolicy"] == "Always"
    claim = v["e"]["ephemeral"]["volumeClaimTemplate"]["spec"]
    assert claim == {"resources": {"requests": {"storage": "1536Mi"}}, "volumeMode": "Filesystem"}
    assert v["r"]["rbd"] == {
        "monitors": ["m"],
        "image": "i",
        "pool": "rbd",
        "user": "admin",
        "keyring": "/etc/ceph/keyring",
    }
    assert v["az"]["azureDisk"] == {
        "diskName": "d",
        "diskURI": "u",
        "cachingMode": "ReadWrite",
        "fsType": "ext4",
        "readOnly": False,
        "kind": "Shared",
    }
    # every field set exists in the Go types (no typos silently dropped by the codec)
    assert typed.check(pod, "k8s.io.api.core.v1.Pod") == []


def test_pod_host_network_ports_and_sa_alias() -> None:
    pod = _pod(hostNetwork=True, serviceAccount="builder")
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 1}]
    apply_defaults("", "Pod", pod)
    assert [p["hostPort"] for p in pod["spec"]["containers"][0]["ports"]] == [8080, 1]
    assert pod["spec"]["serviceAccountName"] == pod["spec"]["serviceAccount"] == "builder"


def test_pod_level_resources() -> None:
    pod = _pod(
        resources={"limits": {"cpu": "1", "memory": "1Gi"}},
        containers=[
            {"name": "a", "image": "x:1", "resources": {"requests": {"cpu": "100m"}}},
            {"name": "b", "image": "x:1", "resources": {"requests": {"cpu": "200m"}}},
        ],
        initContainers=[{"name": "i", "image": "x:1", "resources": {"requests": {"cpu": "250m"}}}],
    )
    apply_defaults("", "Pod", pod)
    # containers sum to 300m (the init container's 250m peak is lower); memory comes from the pod limit
    assert pod["spec"]["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "300m", "memory": "1Gi"},
    }


def test_pod_status_conversions() -> None:
    pod = _pod()
    pod["status"] = {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::1"}]}
    apply_defaults("", "Pod", pod)
    assert pod["status"]["podIPs"] == [{"ip": "10.0.0.1"}]  # a disagreeing scalar replaces the list
    pod["status"] = {"podIPs": [{"ip": "10.0.0.2"}]}
    apply_defaults("", "Pod", pod)
    assert pod["status"]["podIP"] == "10.0.0.2"


# ---------------------------------------------------------------------------------------------- workloads


def test_deployment_defaults() -> None:
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "serviceAccountName": "web",
                    "containers": [{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80}]}],
                },
            },
        },
    }
    apply_defaults("apps", "Deployment", dep)
    spec = dep["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    tpl = spec["template"]["spec"]
    assert tpl["restartPolicy"] == "Always" and tpl["dnsPolicy"] == "ClusterFirst"
    assert tpl["terminationGracePeriodSeconds"] == 30 and tpl["securityContext"] == {}
    assert tpl["schedulerName"] == "default-scheduler"
    assert tpl["serviceAccount"] == "web"
    assert "enableServiceLinks" not in tpl  # SetDefaults_Pod only: templates never get it
    c = tpl["containers"][0]
    assert (c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"]) == (
        "Always",
        "/dev/termination-log",
        "File",
    )
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert typed.check(dep, "k8s.io.api.apps.v1.Deployment") == []

    recreate = {"spec": {"replicas": 0, "strategy": {"type": "Recreate"}, "revisionHistoryLimit": 0}}
    apply_defaults("apps", "Deployment", recreate)
    assert recreate["spec"]["strategy"] == {"type": "Recreate"}
    assert recreate["spec"]["replicas"] == 0 and recreate["spec"]["revisionHistoryLimit"] == 0  # pointers: 0 is set


def test_daemonset_statefulset_replicaset() -> None:
    ds: dict[str, Any] = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}
    apply_defaults("apps", "DaemonSet", ds)
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["revisionHistoryLimit"] == 10

    sts: dict[str, Any] = {
        "spec": {
            "serviceName": "s",
            "template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}},
            "volumeClaimTemplates": [
                {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1G"}}}}
            ],
        }
    }
    apply_defaults("apps", "StatefulSet", sts)
    spec = sts["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert (spec["replicas"], spec["revisionHistoryLimit"]) == (1, 10)
    claim = spec["volumeClaimTemplates"][0]
    assert claim["apiVersion"] == "v1" and claim["kind"] == "PersistentVolumeClaim"
    assert claim["spec"]["volumeMode"] == "Filesystem" and claim["status"] == {"phase": "Pending"}

    on_delete: dict[str, Any] = {"spec": {"updateStrategy": {"type": "RollingUpdate"}}}
    apply_defaults("apps", "StatefulSet", on_delete)
    assert on_delete["spec"]["updateStrategy"] == {"type": "RollingUpdate"}  # rollingUpdate only when type was empty

    rs: dict[str, Any] = {"spec": {}}
    apply_defaults("apps", "ReplicaSet", rs)
    assert rs["spec"]["replicas"] == 1 and rs["spec"]["template"]["spec"]["restartPolicy"] == "Always"


def test_job_defaults() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "pi"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl:5.34"}]},
            }
        },
    }
    apply_defaults("batch", "Job", job)
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False and spec["manualSelector"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert job["metadata"]["labels"] == {"app": "pi"}  # copied from the template when the Job has none
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert typed.check(job, "k8s.io.api.batch.v1.Job") == []

    indexed: dict[str, Any] = {
        "spec": {
            "parallelism": 3,
            "backoffLimitPerIndex": 1,
            "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
        }
    }
    apply_defaults("batch", "Job", indexed)
    spec = indexed["spec"]
    assert "completions" not in spec  # only when both completions and parallelism are unset
    assert spec["backoffLimit"] == 2147483647
    assert spec["podReplacementPolicy"] == "Failed"
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"] == [{"type": "DisruptionTarget", "status": "True"}]


# ---------------------------------------------------------------------------------------------- other kinds


def test_service_defaults() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]},
    }
    apply_defaults("", "Service", svc)
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80},
        {"port": 53, "protocol": "UDP", "targetPort": "dns"},
    ]
    for absent in (
        "externalTrafficPolicy",
        "allocateLoadBalancerNodePorts",
        "clusterIP",
        "ipFamilies",
        "ipFamilyPolicy",
    ):
        assert absent not in spec  # allocator fields are not defaulting

    lb = {
        "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 443}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "x"}]}},
    }
    apply_defaults("", "Service", lb)
    assert lb["spec"]["externalTrafficPolicy"] == "Cluster"
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True
    assert lb["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert lb["status"]["loadBalancer"]["ingress"] == [{"ip": "1.2.3.4", "ipMode": "VIP"}, {"hostname": "x"}]

    ext: dict[str, Any] = {
        "spec": {"type": "ExternalName", "externalName": "example.com", "sessionAffinityConfig": {"clientIP": {}}}
    }
    apply_defaults("", "Service", ext)
    assert ext["spec"] == {"type": "ExternalName", "externalName": "example.com", "sessionAffinity": "None"}


def test_small_kinds() -> None:
    ns: dict[str, Any] = {"metadata": {"name": "team-a"}}
    apply_defaults("", "Namespace", ns)
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"} and ns["status"] == {"phase": "Active"}

    pvc: dict[str, Any] = {"spec": {"resources": {"requests": {"storage": "0.5Gi"}}}}
    apply_defaults("", "PersistentVolumeClaim", pvc)
    assert pvc == {
        "spec": {"resources": {"requests": {"storage": "512Mi"}}, "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"},
    }

    pv: dict[str, Any] = {"spec": {"capacity": {"storage": "10Gi"}, "hostPath": {"path": "/d"}}}
    apply_defaults("", "PersistentVolume", pv)
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain" and pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["spec"]["hostPath"]["type"] == "" and pv["status"] == {"phase": "Pending"}

    node: dict[str, Any] = {
        "spec": {"podCIDR": "10.1.0.0/24"},
        "status": {"capacity": {"cpu": "4", "memory": "8000000Ki"}},
    }
    apply_defaults("", "Node", node)
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "8000000Ki"}
    assert node["spec"]["podCIDRs"] == ["10.1.0.0/24"]

    secret: dict[str, Any] = {"data": {}}
    apply_defaults("", "Secret", secret)
    assert secret["type"] == "Opaque"

    ep: dict[str, Any] = {"subsets": [{"ports": [{"port": 80}]}]}
    apply_defaults("", "Endpoints", ep)
    assert ep["subsets"][0]["ports"][0]["protocol"] == "TCP"

    slice_: dict[str, Any] = {"addressType": "IPv4", "endpoints": [], "ports": [{"port": 80}]}
    apply_defaults("discovery.k8s.io", "EndpointSlice", slice_)
    assert slice_["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]

    rb = {
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "u"},
            {"kind": "ServiceAccount", "name": "sa", "namespace": "x"},
            {"kind": "Group", "name": "g"},
        ],
    }
    apply_defaults("rbac.authorization.k8s.io", "RoleBinding", rb)
    assert rb["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s.get("apiGroup") for s in rb["subjects"]] == [
        "rbac.authorization.k8s.io",
        None,
        "rbac.authorization.k8s.io",
    ]

    cm: dict[str, Any] = {"metadata": {"name": "c"}}
    apply_defaults("", "ConfigMap", cm)
    lease: dict[str, Any] = {"spec": {}}
    apply_defaults("coordination.k8s.io", "Lease", lease)
    assert cm == {"metadata": {"name": "c"}} and lease == {"spec": {}}

    lst: dict[str, Any] = {"kind": "ServiceList", "items": [{"spec": {}}]}
    apply_defaults("", "ServiceList", lst)
    assert lst["items"][0]["spec"]["type"] == "ClusterIP"


# ---------------------------------------------------------------------------------------------- idempotence

IDEMPOTENCE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "",
        "Pod",
        _pod(resources={"limits": {"cpu": "1.5", "hugepages-2Mi": "4Mi"}}, volumes=[{"name": "v"}], hostNetwork=True),
    ),
    ("apps", "Deployment", {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}),
    ("apps", "StatefulSet", {"spec": {"volumeClaimTemplates": [{"spec": {}}]}}),
    ("apps", "DaemonSet", {"spec": {}}),
    ("batch", "Job", {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}),
    ("batch", "CronJob", {"spec": {"schedule": "* * * * *"}}),
    ("", "Service", {"spec": {"type": "NodePort", "ports": [{"port": 1}]}}),
    ("", "Node", {"status": {"capacity": {"cpu": "0.0001"}}}),
    ("", "ReplicationController", {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}),
]


_MESSAGES = {
    "Pod": "k8s.io.api.core.v1.Pod",
    "Deployment": "k8s.io.api.apps.v1.Deployment",
    "StatefulSet": "k8s.io.api.apps.v1.StatefulSet",
    "DaemonSet": "k8s.io.api.apps.v1.DaemonSet",
    "Job": "k8s.io.api.batch.v1.Job",
    "Service": "k8s.io.api.core.v1.Service",
    "Node": "k8s.io.api.core.v1.Node",
}


@pytest.mark.parametrize(("group", "kind", "obj"), IDEMPOTENCE_CASES, ids=[c[1] for c in IDEMPOTENCE_CASES])
def test_idempotent(group: str, kind: str, obj: dict[str, Any]) -> None:
    original, obj = obj, copy.deepcopy(obj)
    apply_defaults(group, kind, obj)
    assert obj != original  # it did default something
    once = copy.deepcopy(obj)
    apply_defaults(group, kind, obj)
    assert obj == once
    if (msg := _MESSAGES.get(kind)) is not None:  # served kinds: also a fixed point of kube's stored form
        stored = typed.canonical(once, msg)
        again = copy.deepcopy(stored)
        apply_defaults(group, kind, again)
        assert typed.canonical(again, msg) == stored


def test_created_pod_is_a_fixed_point() -> None:
    pod = _created_pod(_pod(initContainers=[{"name": "i", "image": "x"}]))
    again = copy.deepcopy(pod)
    apply_defaults("", "Pod", again)
    admit_pod_update(again, pod)
    assert again == pod


# ---------------------------------------------------------------------------------------------- admission


def test_admission_token_volume_and_mounts() -> None:
    suffix = _fixed("x7k2p")
    pod = _pod(initContainers=[{"name": "i", "image": "x"}], ephemeralContainers=[{"name": "e", "image": "x"}])
    apply_defaults("", "Pod", pod)
    admit_pod(pod, "ns", SA_DEFAULT, suffix)
    spec = pod["spec"]
    assert suffix.calls == ["x7k2p"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert spec["volumes"] == [
        {
            "name": "kube-api-access-x7k2p",
            "projected": {
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                }
                            ]
                        }
                    },
                ],
                "defaultMode": 420,
            },
        }
    ]
    mount = MOUNT | {"name": "kube-api-access-x7k2p"}
    assert spec["containers"][0]["volumeMounts"] == [mount]
    assert spec["initContainers"][0]["volumeMounts"] == [mount]
    assert "volumeMounts" not in spec["ephemeralContainers"][0]
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert [t["key"] for t in spec["tolerations"]] == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]


@pytest.mark.parametrize(
    ("pod_automount", "sa_automount", "mounted"),
    [(None, None, True), (False, None, False), (None, False, False), (True, False, True), (False, True, False)],
)
def test_admission_automount(pod_automount: bool | None, sa_automount: bool | None, mounted: bool) -> None:
    pod = _pod() if pod_automount is None else _pod(automountServiceAccountToken=pod_automount)
    sa = SA_DEFAULT if sa_automount is None else SA_DEFAULT | {"automountServiceAccountToken": sa_automount}
    _created_pod(pod, sa)
    assert ("volumes" in pod["spec"]) is mounted
    assert ("volumeMounts" in pod["spec"]["containers"][0]) is mounted


def test_admission_existing_mount_and_volume() -> None:
    own = {"name": "mine", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    pod = _pod(
        containers=[{"name": "a", "image": "x", "volumeMounts": [own]}, {"name": "b", "image": "x"}],
        volumes=[{"name": "mine", "emptyDir": {}}, {"name": "kube-api-access-old", "emptyDir": {}}],
    )
    suffix = _fixed()
    _created_pod(pod)
    admit_pod(pod, "ns", SA_DEFAULT, suffix)  # a second admission changes nothing
    spec = pod["spec"]
    assert spec["containers"][0]["volumeMounts"] == [own]  # its own mount at the path wins
    assert spec["containers"][1]["volumeMounts"] == [MOUNT | {"name": "kube-api-access-old"}]  # reuses the volume
    assert [v["name"] for v in spec["volumes"]] == ["mine", "kube-api-access-old"]
    assert suffix.calls == []


def test_admission_image_pull_secrets_and_mountable_secrets() -> None:
    sa = SA_DEFAULT | {"imagePullSecrets": [{"name": "reg"}]}
    pod = _created_pod(_pod(), sa)
    assert pod["spec"]["imagePullSecrets"] == [{"name": "reg"}]
    own = _created_pod(_pod(imagePullSecrets=[{"name": "mine"}]), sa)
    assert own["spec"]["imagePullSecrets"] == [{"name": "mine"}]

    strict = {
        "metadata": {"name": "default", "annotations": {"kubernetes.io/enforce-mountable-secrets": "true"}},
        "secrets": [{"name": "ok"}],
    }
    _created_pod(_pod(volumes=[{"name": "v", "secret": {"secretName": "ok"}}]), strict)
    with pytest.raises(AdmissionForbidden) as info:
        _created_pod(_pod(volumes=[{"name": "v", "secret": {"secretName": "nope"}}]), strict)
    assert str(info.value) == (
        'volume with secret.secretName="nope" is not allowed because service account default '
        "does not reference that secret"
    )
    env = [{"name": "E", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]
    with pytest.raises(
        AdmissionForbidden, match=r'^container c with envVar E referencing secret.secretName="nope" is not allowed'
    ):
        _created_pod(_pod(containers=[{"name": "c", "image": "x", "env": env}]), strict)


def test_admission_tolerations() -> None:
    covered = _created_pod(_pod(tolerations=[{"operator": "Exists"}]))
    assert covered["spec"]["tolerations"] == [{"operator": "Exists"}]  # empty key and effect tolerate everything
    partial = _created_pod(
        _pod(
            tolerations=[
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 5,
                }
            ]
        )
    )
    assert partial["spec"]["tolerations"][1:] == [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    ]
    assert len(partial["spec"]["tolerations"]) == 2


def test_admission_priority() -> None:
    critical = _created_pod(_pod(priorityClassName="system-node-critical"))
    assert critical["spec"]["priority"] == 2000001000 and critical["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
    with pytest.raises(AdmissionForbidden, match=r"^no PriorityClass with name gold was found$"):
        _created_pod(_pod(priorityClassName="gold"))
    with pytest.raises(AdmissionForbidden) as info:
        _created_pod(_pod(priority=7))
    assert str(info.value) == (
        "the integer value of priority (7) must not be provided in pod spec; "
        "priority admission controller computed 0 from the given PriorityClass name"
    )
    classes = {"low": {"value": 5, "globalDefault": True, "preemptionPolicy": "Never"}}
    low = _created_pod(_pod(), priority_classes=classes)
    assert (low["spec"]["priorityClassName"], low["spec"]["priority"], low["spec"]["preemptionPolicy"]) == (
        "low",
        5,
        "Never",
    )

    updated = _pod()
    admit_pod_update(updated, critical)
    assert updated["spec"]["priority"] == 2000001000 and len(updated["spec"]["tolerations"]) == 2


def test_admission_runtime_class_and_mirror_pods() -> None:
    with pytest.raises(AdmissionForbidden, match=r'^pod rejected: RuntimeClass "gvisor" not found$'):
        _created_pod(_pod(runtimeClassName="gvisor"))

    mirror = _pod()
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    assert pod_service_account_name(mirror) is None
    apply_defaults("", "Pod", mirror)
    admit_pod(mirror, "ns", None, _fixed())
    assert "serviceAccountName" not in mirror["spec"] and "volumes" not in mirror["spec"]
    assert mirror["spec"]["priority"] == 0  # the other plugins still run

    mirror["spec"]["serviceAccountName"] = "default"
    with pytest.raises(AdmissionForbidden, match=r"^a mirror pod may not reference service accounts$"):
        admit_pod(mirror, "ns", None, _fixed())
    del mirror["spec"]["serviceAccountName"]
    mirror["spec"]["imagePullSecrets"] = [{"name": "s"}]
    with pytest.raises(AdmissionForbidden, match=r"^a mirror pod may not reference secrets$"):
        admit_pod(mirror, "ns", None, _fixed())


def test_node_and_storage_admission() -> None:
    node: dict[str, Any] = {"metadata": {"name": "n"}}
    admit_node(node)
    admit_node(node)
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    pvc: dict[str, Any] = {"metadata": {"name": "c", "finalizers": ["x"]}}
    admit_storage_protection("PersistentVolumeClaim", pvc)
    admit_storage_protection("PersistentVolumeClaim", pvc)
    assert pvc["metadata"]["finalizers"] == ["x", "kubernetes.io/pvc-protection"]
    pv: dict[str, Any] = {}
    admit_storage_protection("PersistentVolume", pv)
    assert pv["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    cm: dict[str, Any] = {}
    admit_storage_protection("ConfigMap", cm)
    assert cm == {}


# ---------------------------------------------------------------------------------------------- helpers

# (input, canonical text after SetDefaults_ResourceList) — vectors from apimachinery's quantity tests
QUANTITIES = [
    ("1Ki", "1Ki"), ("1024Mi", "1Gi"), ("1000M", "1G"), (".001Ki", "1024m"), ("0.5", "500m"), ("1.5", "1500m"),
    ("100Mi", "100Mi"), ("1536Mi", "1536Mi"), ("0.5Gi", "512Mi"), ("1e3", "1e3"), ("1.2e3", "1200"),
    ("100u", "1m"), ("0.0001", "1m"), ("-0.0001", "-1m"), ("1000m", "1"), ("+1", "+1"), ("0", "0"), ("00", "0"),
    ("9Ei", "9223372036854775807"), ("12E", "12E"), ("0.5e-9", "1e-3"), ("8Gi", "8Gi"), ("2000", "2k"), (3, "3"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), QUANTITIES)
def test_canonical_quantity(text: Any, expected: str) -> None:
    assert canonical_quantity(text) == expected
    assert canonical_quantity(expected) == expected  # a fixed point: defaulting is idempotent


def test_quantity_parse_and_format() -> None:
    assert parse_quantity("1.5Gi") == Quantity(15 << 30, -1, BINARY_SI)
    assert parse_quantity("1E-3") == Quantity(1, -3, DECIMAL_EXPONENT, "1E-3")  # Go keeps "1E-3" as written
    assert parse_quantity("1.2e3") == Quantity(12, 2, DECIMAL_EXPONENT)
    assert parse_quantity("100m") == Quantity(100, -3, DECIMAL_SI, "100m")  # canonical input keeps its text
    assert parse_quantity("0.000000000001Ki") == Quantity(2, -9, DECIMAL_SI)  # rounds up to nano, leaves BinarySI
    assert str(Quantity(500, -3, BINARY_SI)) == "500m" and str(Quantity(5, 0, BINARY_SI)) == "5"
    assert str(Quantity(108, -2, DECIMAL_SI)) == "1080m" and str(Quantity(80, -3, DECIMAL_EXPONENT)) == "80e-3"
    for bad in ["", " ", "1.1.M", "0.1mi", "aoeu", ".5i", "-3.01e-", "1Gb", True, None, 1.5]:
        assert parse_quantity(bad) is None, bad
        assert canonical_quantity(bad) == bad  # left for validation to report
    assert canonical_quantity(" 1 ") == "1"  # Quantity.UnmarshalJSON trims spaces before parsing
    assert parse_quantity("-9.01") is not None and str(parse_quantity("-9.01").round_up(0)) == "-10"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("busybox", "latest"),
        ("busybox:latest", "latest"),
        ("busybox:1.36", "1.36"),
        ("nginx:LATEST", "LATEST"),
        ("busybox@sha256:" + "a" * 64, ""),
        ("busybox:latest@sha256:" + "a" * 64, "latest"),
        ("busybox@md5:" + "a" * 32, ""),  # unknown digest algorithm: unparsable
        ("localhost:5000/foo", "latest"),
        ("localhost:5000/foo:bar", "bar"),
        ("[::1]:5000/foo:v1", "v1"),
        ("docker.io/library/nginx:latest", "latest"),
        ("Busybox", ""),
        ("registry.example.com/Foo", ""),
        ("a" * 64, ""),
        ("", ""),
    ],
)
def test_image_tag(image: str, tag: str) -> None:
    assert image_tag(image) == tag
