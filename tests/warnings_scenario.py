"""The warnings kube's type strategies add to writes (WarningsOnCreate / WarningsOnUpdate, and the AppArmor
annotation's from a pod's PrepareForCreate): requests whose objects kube accepts with warnings, and some it
accepts without, each answered with its status and its ``Warning`` headers in order.

``tests/fixtures/kube-1.36/strategy_warnings.json`` holds kube-apiserver 1.36's answers;
tests/test_strategy_warnings.py replays the steps against aiokube. To record again::

    python -m tests.warnings_scenario https://127.0.0.1:16443 anchor-token

``{ns}`` in a path or body is the scenario's namespace (cluster-scoped objects carry it in their names, so two
runs do not collide). Each map the warnings are computed from holds one flagged key at most: kube walks Go maps
in random order.
"""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FIXTURE = Path(__file__).parent / "fixtures" / "kube-1.36" / "strategy_warnings.json"
NS = "{ns}"
MERGE = "application/merge-patch+json"
CORE = f"/api/v1/namespaces/{NS}"
APPS = f"/apis/apps/v1/namespaces/{NS}"
BATCH = f"/apis/batch/v1/namespaces/{NS}"
GROUP = "warn.example.com"


def _pem_pair() -> tuple[str, str, str]:
    """A self-signed certificate, its key and another key (made anew each run: only the warnings' texts are
    compared, and they do not quote the PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "warn")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )  # fmt: skip

    def pem_key(k: ec.EllipticCurvePrivateKey) -> str:
        return k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    return cert.public_bytes(serialization.Encoding.PEM).decode(), pem_key(key), pem_key(other)


_CERT, _KEY, _OTHER_KEY = _pem_pair()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def container(name: str = "c", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "busybox", **extra}


def pod_spec(**extra: Any) -> dict[str, Any]:
    return {"containers": [container()], **extra}


def pod(name: str, spec: dict[str, Any] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if annotations:
        md["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec or pod_spec()}


def template(spec: dict[str, Any] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"labels": {"app": "w"}}
    if annotations:
        md["annotations"] = annotations
    return {"metadata": md, "spec": spec or pod_spec()}


def workload(kind: str, name: str, tmpl: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"selector": {"matchLabels": {"app": "w"}}, "template": tmpl, **spec}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": body}


_DEPRECATED_ZONE = "failure-domain.beta.kubernetes.io/zone"
_SELECTOR = {"matchLabels": {"app": "w"}}
_PROJECTED_OVERLAP = {
    "sources": [
        {"configMap": {"name": "cm", "items": [{"key": "a", "path": "x/y"}]}},
        {"secret": {"name": "s", "items": [{"key": "b", "path": "x"}]}},
        {"downwardAPI": {"items": [{"path": "x/y/", "fieldRef": {"fieldPath": "metadata.name"}}]}},
        {"serviceAccountToken": {"path": "token"}},
    ]
}

#: (step name, method, path, body, content type)
STEPS: list[tuple[str, str, str, Any, str]] = [
    # --- pods -------------------------------------------------------------------------------------------
    ("pod_plain", "POST", f"{CORE}/pods", pod("plain"), ""),
    ("pod_name_not_a_label", "POST", f"{CORE}/pods", pod("a.b"), ""),
    (
        "pod_node_selector",
        "POST",
        f"{CORE}/pods",
        pod("ns1", pod_spec(nodeSelector={"beta.kubernetes.io/arch": "amd64", "x": "y"})),
        "",
    ),
    (
        "pod_node_affinity",
        "POST",
        f"{CORE}/pods",
        pod(
            "aff1",
            pod_spec(
                affinity={
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
                                {"matchExpressions": [{"key": _DEPRECATED_ZONE, "operator": "In", "values": ["a"]}]},
                            ]
                        },
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {
                                "weight": 1,
                                "preference": {
                                    "matchExpressions": [
                                        {
                                            "key": "beta.kubernetes.io/os",
                                            "operator": "In",
                                            "values": ["linux", "bad value", "-x"],
                                        }
                                    ]
                                },
                            }
                        ],
                    }
                }
            ),
        ),
        "",
    ),
    (
        "pod_topology_spread",
        "POST",
        f"{CORE}/pods",
        pod(
            "tsc1",
            pod_spec(
                topologySpreadConstraints=[
                    {
                        "maxSkew": 1,
                        "topologyKey": _DEPRECATED_ZONE,
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": _SELECTOR,
                    },
                    {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"},
                ]
            ),
        ),
        "",
    ),
    (
        "pod_pod_affinity",
        "POST",
        f"{CORE}/pods",
        pod(
            "paff1",
            pod_spec(
                affinity={
                    "podAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname"}],
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 1, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}
                        ],
                    },
                    "podAntiAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": [
                            {"topologyKey": "kubernetes.io/hostname", "labelSelector": _SELECTOR},
                            {"topologyKey": "kubernetes.io/hostname"},
                        ]
                    },
                }
            ),
        ),
        "",
    ),
    (
        "pod_deprecated_annotations",
        "POST",
        f"{CORE}/pods",
        pod(
            "ann1",
            annotations={
                "scheduler.alpha.kubernetes.io/critical-pod": "",
                "security.alpha.kubernetes.io/sysctls": "a=b",
                "security.alpha.kubernetes.io/unsafe-sysctls": "c=d",
            },
        ),
        "",
    ),
    (
        "pod_seccomp_annotations",
        "POST",
        f"{CORE}/pods",
        pod(
            "sec1",
            annotations={
                "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                "container.seccomp.security.alpha.kubernetes.io/c": "runtime/default",
            },
        ),
        "",
    ),
    (
        "pod_seccomp_annotation_with_field",
        "POST",
        f"{CORE}/pods",
        pod(
            "sec2",
            pod_spec(securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
            annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
        ),
        "",
    ),
    (
        "pod_apparmor_annotation",
        "POST",
        f"{CORE}/pods",
        pod("aa1", annotations={"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}),
        "",
    ),
    (
        "pod_apparmor_annotation_and_name",
        "POST",
        f"{CORE}/pods",
        pod(
            "aa.x",
            pod_spec(nodeSelector={"beta.kubernetes.io/os": "l"}),
            annotations={"container.apparmor.security.beta.kubernetes.io/c": "localhost/p"},
        ),
        "",
    ),
    (
        "pod_apparmor_annotation_same_as_pod",
        "POST",
        f"{CORE}/pods",
        pod(
            "aa2",
            pod_spec(securityContext={"appArmorProfile": {"type": "RuntimeDefault"}}),
            annotations={"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"},
        ),
        "",
    ),
    (
        "pod_deprecated_volumes",
        "POST",
        f"{CORE}/pods",
        pod(
            "vol1",
            pod_spec(
                volumes=[
                    {"name": "v1", "cephfs": {"monitors": ["m"]}},
                    {"name": "v2", "rbd": {"monitors": ["m"], "image": "i"}},
                    {"name": "v3", "glusterfs": {"endpoints": "e", "path": "p"}},
                    {"name": "v4", "photonPersistentDisk": {"pdID": "x"}},
                    {
                        "name": "v5",
                        "scaleIO": {"gateway": "g", "system": "s", "secretRef": {"name": "s"}, "volumeName": "v"},
                    },
                    {"name": "v6", "flocker": {"datasetName": "d"}},
                    {"name": "v7", "storageos": {"volumeName": "v"}},
                    {"name": "v8", "quobyte": {"registry": "r:1", "volume": "v"}},
                    {
                        "name": "v9",
                        "ephemeral": {
                            "volumeClaimTemplate": {
                                "spec": {
                                    "accessModes": ["ReadWriteOnce"],
                                    "resources": {"requests": {"storage": "1.5"}},
                                }
                            }
                        },
                    },
                ]
            ),
        ),
        "",
    ),
    (
        "pod_git_repo_volume",
        "POST",
        f"{CORE}/pods",
        pod("vol2", pod_spec(volumes=[{"name": "g", "gitRepo": {"repository": "r"}}])),
        "",
    ),
    (
        "pod_overlapping_paths",
        "POST",
        f"{CORE}/pods",
        pod(
            "ovl1",
            pod_spec(
                volumes=[
                    {
                        "name": "cmv",
                        "configMap": {
                            "name": "cm",
                            "items": [
                                {"key": "a", "path": "p"},
                                {"key": "b", "path": "p/q"},
                                {"key": "c", "path": "p"},
                                {"key": "d", "path": "r"},
                            ],
                        },
                    },
                    {
                        "name": "sv",
                        "secret": {
                            "secretName": "sec",
                            "items": [{"key": "a", "path": "x/"}, {"key": "b", "path": "x"}],
                        },
                    },
                    {
                        "name": "dv",
                        "downwardAPI": {
                            "items": [
                                {"path": "n", "fieldRef": {"fieldPath": "metadata.name"}},
                                {"path": "n/m", "fieldRef": {"fieldPath": "metadata.namespace"}},
                            ]
                        },
                    },
                    {"name": "pv", "projected": _PROJECTED_OVERLAP},
                ]
            ),
        ),
        "",
    ),
    (
        "pod_host_aliases_and_pull_secrets",
        "POST",
        f"{CORE}/pods",
        pod(
            "ha1",
            pod_spec(
                hostAliases=[
                    {"ip": "10.0.0.1", "hostnames": ["a"]},
                    {"ip": "10.0.0.1", "hostnames": ["b"]},
                    {"ip": "2001:DB8::1", "hostnames": ["c"]},
                ],
                imagePullSecrets=[{"name": "a"}, {"name": "a"}, {"name": ""}, {}],
                dnsPolicy="None",
                dnsConfig={"nameservers": ["2001:0db8::1", "10.0.0.10"]},
            ),
        ),
        "",
    ),
    (
        "pod_fractional_bytes",
        "POST",
        f"{CORE}/pods",
        pod(
            "frac1",
            pod_spec(
                containers=[
                    container(
                        resources={
                            "limits": {"memory": "1.5", "ephemeral-storage": "2500m"},
                            "requests": {"memory": "100m", "ephemeral-storage": "0.5", "cpu": "0.5"},
                        }
                    )
                ],
                initContainers=[container("i", resources={"requests": {"memory": "1.1"}})],
            ),
        ),
        "",
    ),
    (
        "pod_duplicate_env",
        "POST",
        f"{CORE}/pods",
        pod(
            "env1",
            pod_spec(
                containers=[
                    container(
                        env=[
                            {"name": "A", "value": "1"},
                            {"name": "A", "value": "2"},
                            {"name": "B", "value": "1"},
                            {"name": "B", "value": "$(B)-x"},
                            {"name": "C", "value": "1"},
                            {"name": "C", "value": "$(C)"},
                            {"name": "D", "value": "1"},
                            {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        ]
                    )
                ]
            ),
        ),
        "",
    ),
    (
        "pod_ports",
        "POST",
        f"{CORE}/pods",
        pod(
            "port1",
            pod_spec(
                containers=[
                    container(
                        "a",
                        ports=[
                            {"containerPort": 80, "name": "http"},
                            {"containerPort": 81, "hostIP": "10.0.0.1"},
                            {"containerPort": 82, "hostPort": 8082},
                            {"containerPort": 83, "hostPort": 8083, "hostIP": "10.0.0.2"},
                        ],
                    ),
                    container(
                        "b",
                        ports=[
                            {"containerPort": 80, "name": "http"},
                            {"containerPort": 82},
                            {"containerPort": 83, "hostPort": 8083},
                            {"containerPort": 84, "protocol": "UDP"},
                        ],
                    ),
                ]
            ),
        ),
        "",
    ),
    (
        "pod_duplicate_ports",
        "POST",
        f"{CORE}/pods",
        pod(
            "port2",
            pod_spec(
                containers=[
                    container("a", ports=[{"containerPort": 90}]),
                    container("b", ports=[{"containerPort": 90}]),
                ]
            ),
        ),
        "",
    ),
    ("pod_negative_grace", "POST", f"{CORE}/pods", pod("grace1", pod_spec(terminationGracePeriodSeconds=-5)), ""),
    (
        "pod_status_ips",
        "PATCH",
        f"{CORE}/pods/plain/status",
        {
            "status": {
                "podIPs": [{"ip": "2001:DB8::5"}],
                "podIP": "2001:DB8::5",
                "hostIPs": [{"ip": "2001:db8::6"}],
                "hostIP": "2001:db8::6",
            }
        },
        MERGE,
    ),
    ("pod_update_no_warnings", "PATCH", f"{CORE}/pods/ns1", {"metadata": {"labels": {"x": "y"}}}, MERGE),
    # --- pod templates and workloads --------------------------------------------------------------------
    (
        "podtemplate",
        "POST",
        f"{CORE}/podtemplates",
        {
            "apiVersion": "v1",
            "kind": "PodTemplate",
            "metadata": {"name": "pt.x"},
            "template": template(pod_spec(nodeSelector={"beta.kubernetes.io/os": "linux"})),
        },
        "",
    ),
    (
        "podtemplate_update",
        "PATCH",
        f"{CORE}/podtemplates/pt.x",
        {"template": {"spec": {"terminationGracePeriodSeconds": -1}}},
        MERGE,
    ),
    (
        "deployment_create",
        "POST",
        f"{APPS}/deployments",
        workload(
            "Deployment",
            "web.x",
            template(
                pod_spec(nodeSelector={"beta.kubernetes.io/instance-type": "m"}),
                annotations={
                    "container.apparmor.security.beta.kubernetes.io/c": "runtime/default",
                    "scheduler.alpha.kubernetes.io/critical-pod": "",
                },
            ),
        ),
        "",
    ),
    ("deployment_label_update", "PATCH", f"{APPS}/deployments/web.x", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "deployment_template_update",
        "PATCH",
        f"{APPS}/deployments/web.x",
        {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": -2}}}},
        MERGE,
    ),
    (
        "replicaset_create",
        "POST",
        f"{APPS}/replicasets",
        workload("ReplicaSet", "rs.x", template(pod_spec(imagePullSecrets=[{"name": ""}]))),
        "",
    ),
    (
        "daemonset_create",
        "POST",
        f"{APPS}/daemonsets",
        workload("DaemonSet", "ds.x", template(pod_spec(imagePullSecrets=[{"name": "p"}, {"name": "p"}]))),
        "",
    ),
    (
        "daemonset_template_update",
        "PATCH",
        f"{APPS}/daemonsets/ds.x",
        {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": -3}}}},
        MERGE,
    ),
    ("daemonset_label_update", "PATCH", f"{APPS}/daemonsets/ds.x", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "statefulset_create",
        "POST",
        f"{APPS}/statefulsets",
        workload(
            "StatefulSet",
            "ss",
            template(),
            serviceName="s",
            revisionHistoryLimit=-1,
            volumeClaimTemplates=[
                {
                    "metadata": {"name": "d"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1.5Gi"}, "limits": {"storage": "0.5"}},
                    },
                }
            ],
        ),
        "",
    ),
    ("statefulset_update", "PATCH", f"{APPS}/statefulsets/ss", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "statefulset_template_update",
        "PATCH",
        f"{APPS}/statefulsets/ss",
        {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": -4}}}},
        MERGE,
    ),
    (
        "replicationcontroller_create",
        "POST",
        f"{CORE}/replicationcontrollers",
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "rc.x"},
            "spec": {"selector": {"app": "w"}, "template": template(pod_spec(terminationGracePeriodSeconds=-6))},
        },
        "",
    ),
    (
        "replicationcontroller_template_update",
        "PATCH",
        f"{CORE}/replicationcontrollers/rc.x",
        {
            "spec": {
                "template": {
                    "spec": {"terminationGracePeriodSeconds": 30, "nodeSelector": {"beta.kubernetes.io/os": "l"}}
                }
            }
        },
        MERGE,
    ),
    (
        "job_create",
        "POST",
        f"{BATCH}/jobs",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "job"},
            "spec": {
                "completionMode": "Indexed",
                "completions": 100001,
                "parallelism": 10001,
                "template": {"spec": pod_spec(restartPolicy="Never", terminationGracePeriodSeconds=-7)},
            },
        },
        "",
    ),
    ("job_update", "PATCH", f"{BATCH}/jobs/job", {"spec": {"parallelism": 10002}}, MERGE),
    (
        "cronjob_create",
        "POST",
        f"{BATCH}/cronjobs",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "cj.x"},
            "spec": {
                "schedule": "* * * * *",
                "jobTemplate": {
                    "spec": {"template": {"spec": pod_spec(restartPolicy="Never", imagePullSecrets=[{"name": ""}])}}
                },
            },
        },
        "",
    ),
    (
        "cronjob_update",
        "PATCH",
        f"{BATCH}/cronjobs/cj.x",
        {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": -8}}}}}},
        MERGE,
    ),
    # --- other core kinds -------------------------------------------------------------------------------
    (
        "node_create",
        "POST",
        "/api/v1/nodes",
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "node-{ns}"},
            "spec": {"externalID": "ext", "podCIDRs": ["2001:DB8::/64"], "podCIDR": "2001:DB8::/64"},
        },
        "",
    ),
    ("node_update", "PATCH", "/api/v1/nodes/node-{ns}", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "pv_create",
        "POST",
        "/api/v1/persistentvolumes",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv-{ns}", "annotations": {"volume.beta.kubernetes.io/storage-class": "x"}},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Recycle",
                "hostPath": {"path": "/tmp/x"},
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "beta.kubernetes.io/arch", "operator": "In", "values": ["v"]}
                                ]
                            }
                        ]
                    }
                },
            },
        },
        "",
    ),
    (
        "pv_rbd",
        "POST",
        "/api/v1/persistentvolumes",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv2-{ns}"},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "rbd": {"monitors": ["m"], "image": "i"},
            },
        },
        "",
    ),
    (
        "pvc_create",
        "POST",
        f"{CORE}/persistentvolumeclaims",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "pvc", "annotations": {"volume.beta.kubernetes.io/storage-class": "x"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1500m"}}},
        },
        "",
    ),
    ("pvc_update", "PATCH", f"{CORE}/persistentvolumeclaims/pvc", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "service_create",
        "POST",
        f"{CORE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc", "annotations": {"service.kubernetes.io/topology-aware-hints": "auto"}},
            "spec": {
                "ports": [{"port": 80}],
                "externalIPs": ["2001:DB8::7"],
                "externalName": "x.example.com",
                "trafficDistribution": "PreferClose",
            },
        },
        "",
    ),
    (
        "service_load_balancer",
        "POST",
        f"{CORE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "lb"},
            "spec": {
                "type": "LoadBalancer",
                "ports": [{"port": 80}],
                "loadBalancerIP": "2001:db8:0::1",
                "loadBalancerSourceRanges": ["10.0.0.0/8", "2001:DB8::/32"],
            },
        },
        "",
    ),
    (
        "service_headless",
        "POST",
        f"{CORE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "hl"},
            "spec": {
                "clusterIP": "None",
                "ports": [{"port": 80}],
                "externalIPs": ["10.1.2.3"],
                "sessionAffinity": "ClientIP",
                "loadBalancerIP": "10.1.2.4",
            },
        },
        "",
    ),
    (
        "service_external_name",
        "POST",
        f"{CORE}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "en"},
            "spec": {"type": "ExternalName", "externalName": "x.example.com", "externalIPs": ["10.1.2.3"]},
        },
        "",
    ),
    ("service_update", "PATCH", f"{CORE}/services/svc", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "service_status",
        "PATCH",
        f"{CORE}/services/lb/status",
        {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}, {"hostname": "h"}, {"ip": "2001:DB8::9"}]}}},
        MERGE,
    ),
    (
        "endpoints_create",
        "POST",
        f"{CORE}/endpoints",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "ep"},
            "subsets": [
                {
                    "addresses": [{"ip": "10.0.0.1"}, {"ip": "2001:DB8::1"}],
                    "notReadyAddresses": [{"ip": "2001:db8:0::2"}],
                    "ports": [{"port": 80}],
                }
            ],
        },
        "",
    ),
    (
        "endpoints_managed",
        "POST",
        f"{CORE}/endpoints",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "ep2", "labels": {"endpoints.kubernetes.io/managed-by": "endpoint-controller"}},
            "subsets": [{"addresses": [{"ip": "2001:DB8::1"}], "ports": [{"port": 80}]}],
        },
        "",
    ),
    (
        "secret_tls_garbage",
        "POST",
        f"{CORE}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "t1"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64("garbage"), "tls.key": _b64("garbage")},
        },
        "",
    ),
    (
        "secret_tls_key_garbage",
        "POST",
        f"{CORE}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "t2"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(_CERT), "tls.key": _b64("garbage")},
        },
        "",
    ),
    (
        "secret_tls_mismatch",
        "POST",
        f"{CORE}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "t3"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(_CERT), "tls.key": _b64(_OTHER_KEY)},
        },
        "",
    ),
    (
        "secret_tls_good",
        "POST",
        f"{CORE}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "t4"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(_CERT), "tls.key": _b64(_KEY)},
        },
        "",
    ),
    (
        "secret_tls_swapped",
        "POST",
        f"{CORE}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "t5"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(_KEY), "tls.key": _b64(_CERT)},
        },
        "",
    ),
    ("secret_tls_update", "PATCH", f"{CORE}/secrets/t1", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "serviceaccount_create",
        "POST",
        f"{CORE}/serviceaccounts",
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "sa", "annotations": {"kubernetes.io/enforce-mountable-secrets": "true"}},
        },
        "",
    ),
    ("serviceaccount_update", "PATCH", f"{CORE}/serviceaccounts/sa", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    (
        "serviceaccount_update_adds",
        "PATCH",
        f"{CORE}/serviceaccounts/default",
        {"metadata": {"annotations": {"kubernetes.io/enforce-mountable-secrets": "true"}}},
        MERGE,
    ),
    (
        "resourcequota_create",
        "POST",
        f"{CORE}/resourcequotas",
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "q"},
            "spec": {
                "hard": {
                    "cpu": "2",
                    "limits.cpu": "1",
                    "requests.memory": "2Gi",
                    "limits.memory": "1Gi",
                    "requests.storage": "5",
                    "requests.ephemeral-storage": "3",
                    "limits.ephemeral-storage": "3",
                }
            },
        },
        "",
    ),
    ("resourcequota_update", "PATCH", f"{CORE}/resourcequotas/q", {"metadata": {"labels": {"a": "b"}}}, MERGE),
    # --- other groups ------------------------------------------------------------------------------------
    (
        "endpointslice_fqdn",
        "POST",
        f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "es1"},
            "addressType": "FQDN",
            "endpoints": [{"addresses": ["a.example.com"]}],
        },
        "",
    ),
    (
        "endpointslice_ipv6",
        "POST",
        f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "es2"},
            "addressType": "IPv6",
            "endpoints": [{"addresses": ["2001:DB8::3"]}],
        },
        "",
    ),
    (
        "networkpolicy_create",
        "POST",
        f"/apis/networking.k8s.io/v1/namespaces/{NS}/networkpolicies",
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "np"},
            "spec": {
                "podSelector": {},
                "ingress": [
                    {"from": [{"podSelector": {}}, {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}
                ],
                "egress": [{"to": [{"ipBlock": {"cidr": "2001:DB8::/32", "except": ["2001:DB8::/48"]}}]}],
            },
        },
        "",
    ),
    (
        "ingress_class_annotation",
        "POST",
        f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses",
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "ing", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
            "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}},
        },
        "",
    ),
    (
        "ingress_update",
        "PATCH",
        f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/ing",
        {"metadata": {"labels": {"a": "b"}}},
        MERGE,
    ),
    (
        "ingress_status",
        "PATCH",
        f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/ing/status",
        {"status": {"loadBalancer": {"ingress": [{"ip": "2001:DB8::4"}]}}},
        MERGE,
    ),
    (
        "runtimeclass_create",
        "POST",
        "/apis/node.k8s.io/v1/runtimeclasses",
        {
            "apiVersion": "node.k8s.io/v1",
            "kind": "RuntimeClass",
            "metadata": {"name": "rc-{ns}"},
            "handler": "h",
            "scheduling": {"nodeSelector": {"beta.kubernetes.io/os": "linux"}},
        },
        "",
    ),
    (
        "storageclass_create",
        "POST",
        "/apis/storage.k8s.io/v1/storageclasses",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "sc-{ns}"},
            "provisioner": "p",
            "allowedTopologies": [
                {
                    "matchLabelExpressions": [
                        {"key": "topology.kubernetes.io/zone", "values": ["a"]},
                        {"key": _DEPRECATED_ZONE, "values": ["a"]},
                    ]
                }
            ],
        },
        "",
    ),
    (
        "csistoragecapacity_create",
        "POST",
        f"/apis/storage.k8s.io/v1/namespaces/{NS}/csistoragecapacities",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIStorageCapacity",
            "metadata": {"name": "cap"},
            "storageClassName": "sc",
            "nodeTopology": {
                "matchLabels": {"beta.kubernetes.io/arch": "amd64"},
                "matchExpressions": [
                    {"key": "x", "operator": "Exists"},
                    {"key": _DEPRECATED_ZONE, "operator": "Exists"},
                ],
            },
        },
        "",
    ),
    (
        "csidriver_create",
        "POST",
        "/apis/storage.k8s.io/v1/csidrivers",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIDriver",
            "metadata": {"name": "d-{ns}.example.com"},
            "spec": {"tokenRequests": [{"audience": "a"}]},
        },
        "",
    ),
    (
        "csidriver_update_same",
        "PATCH",
        "/apis/storage.k8s.io/v1/csidrivers/d-{ns}.example.com",
        {"metadata": {"labels": {"a": "b"}}},
        MERGE,
    ),
    (
        "csidriver_update_tokens",
        "PATCH",
        "/apis/storage.k8s.io/v1/csidrivers/d-{ns}.example.com",
        {"spec": {"tokenRequests": [{"audience": "b"}]}},
        MERGE,
    ),
    (
        "resourceslice_uppercase_driver",
        "POST",
        "/apis/resource.k8s.io/v1/resourceslices",
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "ResourceSlice",
            "metadata": {"name": "slice-{ns}"},
            "spec": {
                "driver": "Driver.example.com",
                "allNodes": True,
                "pool": {"name": "p", "resourceSliceCount": 1, "generation": 1},
                "devices": [{"name": "d"}],
            },
        },
        "",
    ),
    (
        "webhook_static_suffix",
        "POST",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "w-{ns}.static.k8s.io"},
        },
        "",
    ),
    (
        "webhook_static_suffix_update",
        "PATCH",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/w-{ns}.static.k8s.io",
        {"metadata": {"labels": {"a": "b"}}},
        MERGE,
    ),
    # --- custom resources and their definitions ---------------------------------------------------------
    (
        "crd_unrecognized_formats",
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"widgets.{{ns}}.{GROUP}"},
            "spec": {
                "group": f"{{ns}}.{GROUP}",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "format": "objfmt",
                                        "properties": {
                                            "a": {
                                                "type": "string",
                                                "format": "colour",
                                                "properties": {"c": {"type": "string", "format": "date-time"}},
                                            },
                                            "b": {"type": "array", "items": {"type": "integer", "format": "int16"}},
                                        },
                                    }
                                },
                            }
                        },
                    }
                ],
            },
        },
        "",
    ),
    (
        "crd_update_keeps_formats",
        "PATCH",
        f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{{ns}}.{GROUP}",
        {"metadata": {"labels": {"a": "b"}}},
        MERGE,
    ),
    (
        "cr_finalizers",
        "POST",
        f"/apis/{{ns}}.{GROUP}/v1/namespaces/{NS}/widgets",
        {
            "apiVersion": f"{{ns}}.{GROUP}/v1",
            "kind": "Widget",
            "metadata": {
                "name": "w",
                "finalizers": ["plain", "dotted.name", "example.com/ok", "kubernetes", "orphan", "Bad_Name"],
            },
        },
        "",
    ),
    (
        "cr_finalizers_update",
        "PATCH",
        f"/apis/{{ns}}.{GROUP}/v1/namespaces/{NS}/widgets/w",
        {
            "metadata": {
                "finalizers": ["plain", "dotted.name", "example.com/ok", "kubernetes", "orphan", "Bad_Name", "another"]
            }
        },
        MERGE,
    ),
]

#: steps whose objects the scenario removes at its end (cluster-scoped ones; the namespace takes the rest)
CLEANUP = [
    "/api/v1/nodes/node-{ns}",
    "/api/v1/persistentvolumes/pv-{ns}",
    "/api/v1/persistentvolumes/pv2-{ns}",
    "/apis/node.k8s.io/v1/runtimeclasses/rc-{ns}",
    "/apis/storage.k8s.io/v1/storageclasses/sc-{ns}",
    "/apis/storage.k8s.io/v1/csidrivers/d-{ns}.example.com",
    "/apis/resource.k8s.io/v1/resourceslices/slice-{ns}",
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/w-{ns}.static.k8s.io",
    f"/apis/{{ns}}.{GROUP}/v1/namespaces/{NS}/widgets/w",
    f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{{ns}}.{GROUP}",
]


def fill(value: Any, ns: str) -> Any:
    return json.loads(json.dumps(value).replace("{ns}", ns)) if value is not None else None


def parse_warnings(headers: list[str]) -> list[str]:
    """The texts of ``299 - "text"`` headers, in order."""
    out = []
    for header in headers:
        code, agent, quoted = header.split(" ", 2)
        assert code == "299" and agent == "-", header
        out.append(json.loads(quoted) if "\\" not in quoted else quoted[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
    return out


def _send(base: str, token: str, method: str, path: str, body: Any, ctype: str) -> tuple[int, list[str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", ctype or "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    ctx = ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(req, context=ctx) as resp:
            return resp.status, parse_warnings(resp.headers.get_all("Warning") or [])
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, parse_warnings(e.headers.get_all("Warning") or [])


def record(base: str, token: str) -> list[dict[str, Any]]:
    ns = f"warn-{int(time.time())}"
    _send(base, token, "POST", "/api/v1/namespaces", {"metadata": {"name": ns}}, "")
    # the reference runs no controllers: a pod's ServiceAccount admission needs the namespace's default one
    _send(base, token, "POST", f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}}, "")
    out = []
    try:
        for name, method, path, body, ctype in STEPS:
            target = path.replace("{ns}", ns)
            status, warnings = _send(base, token, method, target, fill(body, ns), ctype)
            if status == 404 and name.startswith("cr_"):  # the CRD is not served yet
                time.sleep(2)
                status, warnings = _send(base, token, method, target, fill(body, ns), ctype)
            out.append({"name": name, "status": status, "warnings": [w.replace(ns, "{ns}") for w in warnings]})
    finally:
        for path in CLEANUP:
            _send(base, token, "DELETE", path.replace("{ns}", ns), None, "")
        _send(base, token, "DELETE", f"/api/v1/namespaces/{ns}", None, "")
    return out


if __name__ == "__main__":
    answers = record(sys.argv[1], sys.argv[2])
    FIXTURE.write_text(json.dumps(answers, indent=1) + "\n")
    for a in answers:
        print(a["name"], a["status"], *a["warnings"], sep="\n  ")
