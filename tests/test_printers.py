"""Server-side printing of the built-in types against kube-apiserver 1.36 (captures and printers.go's rules).

Plain unit tests: no etcd, no server. Ages are computed against a fixed ``now``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aiokube.apiserver.printers.builtin import (
    BUILTIN_PRINTERS,
    format_label_selector,
    pod_row,
    pod_row_conditions,
    quantity_string,
    translate_timestamp_since,
)
from aiokube.apiserver.registry.labelselector import label_selector_string

KUBE = Path(__file__).parent / "fixtures" / "kube-1.36"
#: the Date header of the captured table responses: objects created in the same second print "0s"
CAPTURED_AT = datetime(2026, 11, 23, 17, 19, 45, tzinfo=UTC)
T0 = "2026-01-01T00:00:00Z"
NOW = datetime(2026, 1, 1, 1, 0, 0, tzinfo=UTC)  # one hour after T0


def load(name: str) -> Any:
    return json.loads((KUBE / name).read_text())


def cells(group: str, resource: str, obj: dict[str, Any], now: datetime = NOW) -> list[Any]:
    return BUILTIN_PRINTERS[(group, resource)][1](obj, now)


def at(minutes: float) -> str:
    """T0 plus some minutes, as a metav1.Time JSON value."""
    t = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- real kube-apiserver captures ----------------------------------------------------------------------------


@pytest.mark.parametrize("capture", ["table_pods.json", "table_pod_single.json"])
def test_pod_table_matches_kube_capture(capture: str) -> None:
    table = load(capture)
    pods = {p["metadata"]["name"]: p for p in load("pods_list.json")["items"]}
    columns, row = BUILTIN_PRINTERS[("", "pods")]
    assert columns == table["columnDefinitions"]
    assert all(list(c) == ["name", "type", "format", "description", "priority"] for c in columns)  # key order
    for expected in table["rows"]:
        pod = pods[expected["object"]["metadata"]["name"]]
        assert row(pod, CAPTURED_AT) == expected["cells"]


def test_configmap_table_matches_kube_capture() -> None:
    table = load("table_configmaps.json")
    columns, row = BUILTIN_PRINTERS[("", "configmaps")]
    assert columns == table["columnDefinitions"]
    assert row(load("configmap_create.json"), CAPTURED_AT) == table["rows"][0]["cells"]
    assert table["rows"][0]["cells"][1] == 1  # a Go int64 cell is a JSON number, not a string


def test_pod_age_moves_with_now() -> None:
    pod = load("pod_get.json")
    assert pod_row(pod, CAPTURED_AT + timedelta(seconds=24))[4] == "24s"
    assert pod_row(pod, CAPTURED_AT + timedelta(days=3, hours=5))[4] == "3d5h"


# --- column definitions vs printers.go AddHandlers ------------------------------------------------------------

W = 1  # priority 1: only with -o wide
EXPECTED_COLUMNS: dict[tuple[str, str], list[tuple[str, int]]] = {
    ("", "pods"): [
        ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0),
        ("IP", W), ("Node", W), ("Nominated Node", W), ("Readiness Gates", W),
    ],
    ("", "namespaces"): [("Name", 0), ("Status", 0), ("Age", 0)],
    ("", "nodes"): [
        ("Name", 0), ("Status", 0), ("Roles", 0), ("Age", 0), ("Version", 0),
        ("Internal-IP", W), ("External-IP", W), ("OS-Image", W), ("Kernel-Version", W), ("Container-Runtime", W),
    ],
    ("", "configmaps"): [("Name", 0), ("Data", 0), ("Age", 0)],
    ("", "secrets"): [("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)],
    ("", "services"): [
        ("Name", 0), ("Type", 0), ("Cluster-IP", 0), ("External-IP", 0), ("Port(s)", 0), ("Age", 0), ("Selector", W),
    ],
    ("", "endpoints"): [("Name", 0), ("Endpoints", 0), ("Age", 0)],
    ("", "events"): [
        ("Last Seen", 0), ("Type", 0), ("Reason", 0), ("Object", 0), ("Subobject", W), ("Source", W),
        ("Message", 0), ("First Seen", W), ("Count", W), ("Name", W),
    ],
    ("", "serviceaccounts"): [("Name", 0), ("Age", 0)],
    ("", "persistentvolumeclaims"): [
        ("Name", 0), ("Status", 0), ("Volume", 0), ("Capacity", 0), ("Access Modes", 0), ("StorageClass", 0),
        ("VolumeAttributesClass", 0), ("Age", 0), ("VolumeMode", W),
    ],
    ("", "persistentvolumes"): [
        ("Name", 0), ("Capacity", 0), ("Access Modes", 0), ("Reclaim Policy", 0), ("Status", 0), ("Claim", 0),
        ("StorageClass", 0), ("VolumeAttributesClass", 0), ("Reason", 0), ("Age", 0), ("VolumeMode", W),
    ],
    ("apps", "deployments"): [
        ("Name", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0), ("Age", 0),
        ("Containers", W), ("Images", W), ("Selector", W),
    ],
    ("apps", "replicasets"): [
        ("Name", 0), ("Desired", 0), ("Current", 0), ("Ready", 0), ("Age", 0),
        ("Containers", W), ("Images", W), ("Selector", W),
    ],
    ("apps", "statefulsets"): [("Name", 0), ("Ready", 0), ("Age", 0), ("Containers", W), ("Images", W)],
    ("apps", "daemonsets"): [
        ("Name", 0), ("Desired", 0), ("Current", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0),
        ("Node Selector", 0), ("Age", 0), ("Containers", W), ("Images", W), ("Selector", W),
    ],
    ("batch", "jobs"): [
        ("Name", 0), ("Status", 0), ("Completions", 0), ("Duration", 0), ("Age", 0),
        ("Containers", W), ("Images", W), ("Selector", W),
    ],
    ("coordination.k8s.io", "leases"): [("Name", 0), ("Holder", 0), ("Age", 0)],
    ("discovery.k8s.io", "endpointslices"): [
        ("Name", 0), ("AddressType", 0), ("Ports", 0), ("Endpoints", 0), ("Age", 0),
    ],
    # kube registers no printer for these: rest.NewDefaultTableConvertor
    ("rbac.authorization.k8s.io", "roles"): [("Name", 0), ("Created At", 0)],
    ("rbac.authorization.k8s.io", "clusterroles"): [("Name", 0), ("Created At", 0)],
    ("rbac.authorization.k8s.io", "rolebindings"): [
        ("Name", 0), ("Role", 0), ("Age", 0), ("Users", W), ("Groups", W), ("ServiceAccounts", W),
    ],
    ("rbac.authorization.k8s.io", "clusterrolebindings"): [
        ("Name", 0), ("Role", 0), ("Age", 0), ("Users", W), ("Groups", W), ("ServiceAccounts", W),
    ],
}  # fmt: skip


def test_every_served_builtin_has_a_printer() -> None:
    assert set(BUILTIN_PRINTERS) == set(EXPECTED_COLUMNS)  # the rest: tests/test_printers_more.py


@pytest.mark.parametrize("key", sorted(EXPECTED_COLUMNS))
def test_column_names_match_printers_go(key: tuple[str, str]) -> None:
    columns = BUILTIN_PRINTERS[key][0]
    assert [(c["name"], c["priority"]) for c in columns] == EXPECTED_COLUMNS[key]
    for c in columns:
        assert list(c) == ["name", "type", "format", "description", "priority"]
        assert c["description"], c["name"]
        assert c["format"] == ("name" if c["name"] == "Name" else "")


@pytest.mark.parametrize("key", sorted(EXPECTED_COLUMNS))
def test_one_cell_per_column_even_for_a_bare_object(key: tuple[str, str]) -> None:
    """kube's TableGenerator rejects rows whose cell count differs from the column count."""
    columns, row = BUILTIN_PRINTERS[key]
    cells = row({"metadata": {"name": "bare"}})
    assert len(cells) == len(columns)
    assert "bare" in cells


def test_column_types_and_descriptions() -> None:
    rs = {c["name"]: c for c in BUILTIN_PRINTERS[("apps", "replicasets")][0]}
    assert [rs[n]["type"] for n in ("Desired", "Current", "Ready", "Age")] == [
        "integer",
        "integer",
        "integer",
        "string",
    ]
    assert rs["Ready"]["description"] == (
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."
    )
    roles = BUILTIN_PRINTERS[("rbac.authorization.k8s.io", "roles")][0]
    assert roles[1]["type"] == "date"
    svc = {c["name"]: c for c in BUILTIN_PRINTERS[("", "services")][0]}
    assert svc["Port(s)"]["description"] == "The list of ports that are exposed by this service. More info: " + (
        "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    )
    lease = {c["name"]: c for c in BUILTIN_PRINTERS[("coordination.k8s.io", "leases")][0]}
    assert lease["Holder"]["description"].startswith("holderIdentity contains the identity of the holder")


# --- pods -----------------------------------------------------------------------------------------------------


def pod(
    phase: str = "Pending",
    containers: int = 1,
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "p", "namespace": "default", "creationTimestamp": T0},
        "spec": {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(containers)]},
        "status": {"phase": phase},
    }
    if statuses is not None:
        obj["status"]["containerStatuses"] = statuses
    if init is not None:
        obj["spec"]["initContainers"] = init
    if init_statuses is not None:
        obj["status"]["initContainerStatuses"] = init_statuses
    for key, value in extra.items():
        section, _, field = key.partition("__")
        obj[section][field] = value
    return obj


def running(name: str = "c0", ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": at(1)}},
    }


def waiting(reason: str, name: str = "c0", restarts: int = 0, last_finished: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {}}}
    if reason:
        status["state"]["waiting"]["reason"] = reason
    if last_finished:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return status


def terminated(reason: str = "", exit_code: int = 0, name: str = "c0", signal: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


READY = {"type": "Ready", "status": "True"}
INITIALIZED = {"type": "Initialized", "status": "True"}


@pytest.mark.parametrize(
    "obj, ready, status, restarts",
    [
        pytest.param(pod(), "0/1", "Pending", "0", id="pending-no-statuses"),
        pytest.param(pod(status__reason="Evicted", phase="Failed"), "0/1", "Evicted", "0", id="status-reason"),
        pytest.param(
            pod("Pending", statuses=[waiting("ContainerCreating")]), "0/1", "ContainerCreating", "0", id="creating"
        ),
        pytest.param(pod("Running", statuses=[running()]), "1/1", "Running", "0", id="running"),
        pytest.param(
            pod("Running", 2, statuses=[running("c0"), running("c1", ready=False)]),
            "1/2",
            "Running",
            "0",
            id="running-one-not-ready",
        ),
        pytest.param(pod("Succeeded", statuses=[terminated("Completed")]), "0/1", "Completed", "0", id="completed"),
        pytest.param(pod("Failed", statuses=[terminated("Error", 1)]), "0/1", "Error", "0", id="error"),
        pytest.param(pod("Failed", statuses=[terminated("", 137)]), "0/1", "ExitCode:137", "0", id="exit-code"),
        pytest.param(pod("Failed", statuses=[terminated("", 2, signal=9)]), "0/1", "Signal:9", "0", id="signal"),
        pytest.param(
            pod("Running", statuses=[waiting("CrashLoopBackOff", restarts=4, last_finished=at(55))]),
            "0/1",
            "CrashLoopBackOff",
            "4 (5m ago)",
            id="crashloop",
        ),
        pytest.param(
            # the last container (printed first: statuses are walked backwards) completed, another still runs
            pod("Running", 2, statuses=[running("c0"), terminated("Completed", name="c1")], status__conditions=[READY]),
            "1/2",
            "Running",
            "0",
            id="completed-but-running",
        ),
        pytest.param(
            # statuses are walked from the last one: the first container's reason is the one shown
            pod("Pending", 2, statuses=[waiting("ImagePullBackOff", "c0"), waiting("CrashLoopBackOff", "c1")]),
            "0/2",
            "ImagePullBackOff",
            "0",
            id="first-container-reason-wins",
        ),
        pytest.param(
            pod("Running", 2, statuses=[running("c0"), terminated("Completed", name="c1")]),
            "1/2",
            "NotReady",
            "0",
            id="completed-not-ready",
        ),
        pytest.param(
            pod("Pending", init=[{"name": "i0"}], init_statuses=[waiting("PodInitializing", "i0")]),
            "0/1",
            "Init:0/1",
            "0",
            id="init-0-of-1",
        ),
        pytest.param(
            pod(
                "Pending",
                init=[{"name": "i0"}, {"name": "i1"}],
                init_statuses=[terminated("Completed", name="i0"), running("i1", ready=False)],
            ),
            "0/1",
            "Init:1/2",
            "0",
            id="init-1-of-2",
        ),
        pytest.param(
            pod(
                "Pending",
                init=[{"name": "i0"}],
                init_statuses=[waiting("CrashLoopBackOff", "i0", restarts=3, last_finished=at(58))],
                statuses=[waiting("PodInitializing")],
            ),
            "0/1",
            "Init:CrashLoopBackOff",
            "3 (2m ago)",
            id="init-crashloop",
        ),
        pytest.param(
            pod("Pending", init=[{"name": "i0"}], init_statuses=[terminated("Error", 1, name="i0")]),
            "0/1",
            "Init:Error",
            "0",
            id="init-error",
        ),
        pytest.param(
            pod("Pending", init=[{"name": "i0"}], init_statuses=[terminated("", 3, name="i0")]),
            "0/1",
            "Init:ExitCode:3",
            "0",
            id="init-exit-code",
        ),
        pytest.param(
            # a started sidecar counts towards READY and the total, and does not block initialization
            pod(
                "Running",
                init=[{"name": "sidecar", "restartPolicy": "Always"}],
                init_statuses=[{**running("sidecar"), "started": True, "restartCount": 2}],
                statuses=[running()],
                status__conditions=[INITIALIZED, READY],
            ),
            "2/2",
            "Running",
            "2",
            id="sidecar",
        ),
        pytest.param(
            pod("Running", statuses=[running()], metadata__deletionTimestamp=at(59)),
            "1/1",
            "Terminating",
            "0",
            id="terminating",
        ),
        pytest.param(
            pod("Succeeded", statuses=[terminated("Completed")], metadata__deletionTimestamp=at(59)),
            "0/1",
            "Completed",
            "0",
            id="deleted-after-completion",
        ),
        pytest.param(
            pod("Running", statuses=[running()], metadata__deletionTimestamp=at(59), status__reason="NodeLost"),
            "1/1",
            "Unknown",
            "0",
            id="node-lost",
        ),
        pytest.param(
            pod(status__conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
            "0/1",
            "SchedulingGated",
            "0",
            id="scheduling-gated",
        ),
    ],
)
def test_pod_ready_status_restarts(obj: dict[str, Any], ready: str, status: str, restarts: str) -> None:
    assert pod_row(obj, NOW)[1:4] == [ready, status, restarts]


def test_pod_restarts_without_last_termination_time() -> None:
    assert pod_row(pod("Running", statuses=[running(restarts=7)]), NOW)[3] == "7"


def test_pod_wide_cells() -> None:
    obj = pod(
        "Running",
        statuses=[running()],
        spec__nodeName="node-1",
        spec__readinessGates=[{"conditionType": "example.com/a"}, {"conditionType": "example.com/b"}],
        status__podIP="10.0.0.7",
        status__podIPs=[{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
        status__conditions=[{"type": "example.com/a", "status": "True"}, {"type": "example.com/b", "status": "False"}],
    )
    assert pod_row(obj, NOW) == ["p", "1/1", "Running", "0", "60m", "10.0.0.7", "node-1", "<none>", "1/2"]
    only_ips = pod(status__podIPs=[{"ip": "fd00::9"}], status__nominatedNodeName="node-2")
    assert pod_row(only_ips, NOW)[5:8] == ["fd00::9", "<none>", "node-2"]


def test_pod_row_conditions() -> None:
    assert pod_row_conditions(pod("Succeeded")) == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    assert pod_row_conditions(pod("Failed"))[0]["reason"] == "Failed"
    assert pod_row_conditions(pod("Running")) is None


def test_table_rows_carry_pod_conditions() -> None:
    """to_table puts printPod's row conditions on finished pods only, as kube's Table does."""
    from aiokube.apiserver.printers.tables import to_table
    from aiokube.apiserver.registry.resources import Registry

    info = Registry().get("", "v1", "pods")
    assert info is not None
    table = to_table(info, [pod("Succeeded"), pod("Running")], {"resourceVersion": "1"})
    assert table["rows"][0]["conditions"][0]["reason"] == "Succeeded"
    assert "conditions" not in table["rows"][1]


def test_table_without_headers_has_null_column_definitions() -> None:
    """A watch's Tables after the first carry ``"columnDefinitions": null`` (Go's nil slice), as kube's do."""
    from aiokube.apiserver.printers.tables import to_table
    from aiokube.apiserver.registry.resources import Registry

    info = Registry().get("", "v1", "pods")
    assert info is not None
    table = to_table(info, [pod("Running")], {"resourceVersion": "1"}, no_headers=True)
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert table["columnDefinitions"] is None


def test_translate_timestamp_since() -> None:
    assert translate_timestamp_since(None, NOW) == "<unknown>"
    assert translate_timestamp_since("0001-01-01T00:00:00Z", NOW) == "<unknown>"
    assert translate_timestamp_since(T0, NOW) == "60m"
    assert translate_timestamp_since("2026-01-01T01:00:00.999999Z", NOW) == "0s"  # clock skew tolerated
    assert translate_timestamp_since("2026-01-01T01:00:02Z", NOW) == "<invalid>"
    assert translate_timestamp_since("2026-01-01T02:00:00+02:00", NOW) == "60m"  # 00:00 UTC


# --- the other types ------------------------------------------------------------------------------------------


def meta(name: str = "x", **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": T0, **extra}


def test_deployment_cells() -> None:
    obj = {
        "metadata": meta("web"),
        "spec": {
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}],
            },
            "template": {"spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "envoy"}]}},
        },
        "status": {"readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1},
    }
    # spec.replicas unset: apps/v1 defaulting makes it 1
    assert cells("apps", "deployments", obj) == [
        "web",
        "1/1",
        1,
        1,
        "60m",
        "a,b",
        "nginx,envoy",
        "app=web,tier in (edge,front)",
    ]
    obj["spec"]["replicas"] = 3
    obj["spec"]["selector"] = {"matchExpressions": [{"key": "x", "operator": "Bogus"}]}
    row = cells("apps", "deployments", obj)
    assert (row[1], row[7]) == ("1/3", "<invalid>")


def test_replicaset_statefulset_daemonset_cells() -> None:
    template = {"spec": {"containers": [{"name": "c", "image": "img"}], "nodeSelector": {"zone": "a", "disk": "ssd"}}}
    rs = {"metadata": meta("rs"), "spec": {"replicas": 2, "template": template}, "status": {"replicas": 2}}
    assert cells("apps", "replicasets", rs) == ["rs", 2, 2, 0, "60m", "c", "img", "<none>"]
    sts = {"metadata": meta("db"), "spec": {"template": template}, "status": {"readyReplicas": 1}}
    assert cells("apps", "statefulsets", sts) == ["db", "1/1", "60m", "c", "img"]
    ds = {
        "metadata": meta("agent"),
        "spec": {"selector": {"matchLabels": {"name": "agent"}}, "template": template},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "numberAvailable": 2},
    }
    assert cells("apps", "daemonsets", ds) == [
        "agent",
        3,
        3,
        2,
        0,
        2,
        "disk=ssd,zone=a",
        "60m",
        "c",
        "img",
        "name=agent",
    ]


def test_service_cells() -> None:
    svc = {
        "metadata": meta("svc"),
        "spec": {"clusterIPs": ["10.96.0.10"], "ports": [{"port": 53, "protocol": "UDP"}, {"port": 80}]},
    }
    assert cells("", "services", svc) == ["svc", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,80/TCP", "60m", "<none>"]
    node_port = {
        "metadata": meta("np"),
        "spec": {"type": "NodePort", "clusterIP": "10.0.0.1", "externalIPs": ["1.2.3.4"], "selector": {"app": "x"},
                 "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
    }  # fmt: skip
    assert cells("", "services", node_port)[1:] == ["NodePort", "10.0.0.1", "1.2.3.4", "80:30080/TCP", "60m", "app=x"]
    lb = {"metadata": meta("lb"), "spec": {"type": "LoadBalancer", "ports": []}}
    assert cells("", "services", lb)[1:5] == ["LoadBalancer", "<none>", "<pending>", "<none>"]
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}, {"ip": "5.6.7.8"}]}}
    assert cells("", "services", lb)[3] == "5.6.7.8,lb.example.com"
    ext = {"metadata": meta("ext"), "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    assert cells("", "services", ext)[1:5] == ["ExternalName", "<none>", "db.example.com", "<none>"]


def test_node_cells() -> None:
    node = {
        "metadata": {
            "name": "n1",
            "creationTimestamp": T0,
            "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master", "x": "y"},
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "False"}],
            "addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "192.168.0.2"}],
            "nodeInfo": {"kubeletVersion": "v1.36.0", "kernelVersion": "6.8.0", "architecture": "amd64"},
        },
    }
    assert cells("", "nodes", node) == [
        "n1", "NotReady,SchedulingDisabled", "control-plane,master", "60m", "v1.36.0",
        "192.168.0.2", "<none>", "<unknown>", "6.8.0 (amd64)", "<unknown>",
    ]  # fmt: skip
    bare = {"metadata": {"name": "n2", "creationTimestamp": T0}}
    assert cells("", "nodes", bare)[1:3] == ["Unknown", "<none>"]


def test_event_cells() -> None:
    event = {
        "metadata": meta("p.1"),
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
        "reason": "BackOff",
        "message": "  Back-off restarting failed container\n",
        "source": {"component": "kubelet", "host": "n1"},
        "firstTimestamp": at(30),
        "lastTimestamp": at(55),
        "count": 4,
        "type": "Warning",
    }
    assert cells("", "events", event) == [
        "5m", "Warning", "BackOff", "pod/p", "spec.containers{c}", "kubelet, n1",
        "Back-off restarting failed container", "30m", 4, "p.1",
    ]  # fmt: skip
    new_api = {
        "metadata": meta("e.2"),
        "involvedObject": {"kind": "Node"},
        "eventTime": "2026-01-01T00:50:00.123456Z",  # 9m59.88s ago
        "reportingComponent": "controller",
        "series": {"count": 9, "lastObservedTime": "2026-01-01T00:59:30.000000Z"},
    }
    assert cells("", "events", new_api)[:9] == ["30s", "", "", "node", "", "controller", "", "9m59s", 9]
    singleton = {"metadata": meta("e.3"), "eventTime": "2026-01-01T00:59:00.000000Z", "reportingInstance": "i-1"}
    assert cells("", "events", singleton)[::5] == ["60s", ", i-1"] and cells("", "events", singleton)[8] == 1


def test_job_cells() -> None:
    job = {
        "metadata": meta("pi"),
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}},
        "status": {
            "startTime": at(0),
            "completionTime": at(3.5),
            "succeeded": 1,
            "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}],
        },
    }
    assert cells("batch", "jobs", job) == ["pi", "Complete", "1/1", "3m30s", "60m", "pi", "perl", "<none>"]
    job["spec"]["parallelism"] = 3  # completions stay unset: a work queue
    job["status"] = {"startTime": at(50), "conditions": [{"type": "Suspended", "status": "True"}]}
    assert cells("batch", "jobs", job)[1:4] == ["Suspended", "0/1 of 3", "10m"]
    job["metadata"]["deletionTimestamp"] = at(59)
    assert cells("batch", "jobs", job)[1] == "Terminating"
    del job["metadata"]["deletionTimestamp"]
    job["spec"]["completions"] = 5
    job["status"] = {}
    assert cells("batch", "jobs", job)[1:4] == ["Running", "0/5", ""]


def test_persistent_volume_cells() -> None:
    pv = {
        "metadata": meta("pv1"),
        "spec": {
            "capacity": {"storage": "1024Mi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "fast",
        },
        "status": {"phase": "Bound"},
    }
    assert cells("", "persistentvolumes", pv) == [
        "pv1", "1Gi", "RWO,RWX", "Retain", "Bound", "default/data", "fast", "<unset>", "", "60m", "Filesystem",
    ]  # fmt: skip
    pvc = {
        "metadata": meta("data", annotations={"volume.beta.kubernetes.io/storage-class": "legacy"}),
        "spec": {"resources": {"requests": {"storage": "1G"}}, "storageClassName": "fast", "volumeMode": "Block"},
    }
    assert cells("", "persistentvolumeclaims", pvc) == [
        "data", "Pending", "", "", "", "legacy", "<unset>", "60m", "Block",
    ]  # fmt: skip
    pvc["spec"]["volumeName"] = "pv1"
    pvc["spec"]["volumeAttributesClassName"] = "gold"
    pvc["status"] = {"phase": "Bound", "capacity": {"storage": "1.5G"}, "accessModes": ["ReadWriteOncePod"]}
    assert cells("", "persistentvolumeclaims", pvc)[1:7] == ["Bound", "pv1", "1500M", "RWOP", "legacy", "gold"]


def test_small_types() -> None:
    ns = {"metadata": {"name": "team", "creationTimestamp": T0}}
    assert cells("", "namespaces", ns) == ["team", "Active", "60m"]
    secret = {"metadata": meta("s"), "data": {"a": "eA=="}, "stringData": {"a": "x", "b": "y"}}
    assert cells("", "secrets", secret) == ["s", "Opaque", 2, "60m"]
    cm = {"metadata": meta("cm"), "data": {"a": "1"}, "binaryData": {"b": "AA=="}}
    assert cells("", "configmaps", cm) == ["cm", 2, "60m"]
    assert cells("", "serviceaccounts", {"metadata": meta("default")}) == ["default", "60m"]
    lease = {"metadata": meta("l"), "spec": {"holderIdentity": "node-1"}}
    assert cells("coordination.k8s.io", "leases", lease) == ["l", "node-1", "60m"]
    assert cells("coordination.k8s.io", "leases", {"metadata": meta("l")})[1] == ""


def test_endpoints_cells() -> None:
    eps = {
        "metadata": meta("svc"),
        "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::2"}], "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": [{"ip": "10.0.0.3"}]},
        ],
    }
    assert cells("", "endpoints", eps) == ["svc", "10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 2 more...", "60m"]
    assert cells("", "endpoints", {"metadata": meta("none")})[1] == "<none>"


def test_endpointslice_cells() -> None:
    slice_ = {
        "metadata": meta("svc-abc"),
        "addressType": "IPv4",
        "ports": [{"port": 80}, {"name": "metrics"}],
        "endpoints": [{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)],
    }
    assert cells("discovery.k8s.io", "endpointslices", slice_) == [
        "svc-abc", "IPv4", "80,metrics", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "60m",
    ]  # fmt: skip
    empty = {"metadata": meta("e"), "addressType": "IPv6"}
    assert cells("discovery.k8s.io", "endpointslices", empty)[2:4] == ["<unset>", "<unset>"]


def test_rbac_cells() -> None:
    binding = {
        "metadata": meta("rb"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "User", "name": "bob"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
        ],
    }
    rb = cells("rbac.authorization.k8s.io", "rolebindings", binding)
    assert rb == ["rb", "ClusterRole/view", "60m", "alice, bob", "devs", "tools/ci"]
    assert cells("rbac.authorization.k8s.io", "clusterrolebindings", {**binding, "subjects": []})[3:] == ["", "", ""]
    role = {"metadata": {"name": "reader", "creationTimestamp": "2026-01-01T02:00:00+02:00"}}
    assert cells("rbac.authorization.k8s.io", "roles", role) == ["reader", "2026-01-01T00:00:00Z"]
    assert cells("rbac.authorization.k8s.io", "clusterroles", {"metadata": {"name": "r"}}) == [
        "r", "0001-01-01T00:00:00Z",
    ]  # fmt: skip


# --- helpers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, want",
    [  # apimachinery quantity_test.go TestQuantityString / TestQuantityParseEmit
        ("1024Mi", "1Gi"), ("307200Ki", "300Mi"), ("1025024Mi", "1001Gi"), ("5000m", "5"), ("0.5", "500m"),
        ("1000M", "1G"), ("0.001T", "1G"), ("1000u", "1m"), ("1.08", "1080m"), ("1080000000n", "1080m"),
        (".001e12", "1e9"), ("0.001e0", "1e-3"), ("1000e-12", "1e-9"), ("00", "0"), (".001Ki", "1024m"),
        (".000000000001Ki", "2n"), ("-1024Mi", "-1Gi"), ("1.5Gi", "1536Mi"), ("8Gi", "8Gi"),
        # already canonical for ParseQuantity: kept verbatim, as kube keeps the string it parsed
        ("1Gi", "1Gi"), ("100m", "100m"), ("300e6", "300e6"), ("+1k", "+1k"), (None, "0"),
    ],
)  # fmt: skip
def test_quantity_string(text: str | None, want: str) -> None:
    assert quantity_string(text) == want


def test_quantity_string_of_odd_json_values() -> None:
    """Numbers print as their quantity, unparsable values as they are (kube would have rejected them)."""
    assert [quantity_string(v) for v in (5, 2048, " 2Gi ", "1e1001", "12x", True)] == [
        "5", "2048", "2Gi", "1e1001", "12x", "True",
    ]  # fmt: skip


def test_label_selectors() -> None:
    sel = {
        "matchLabels": {"b": "2", "a": "1"},
        "matchExpressions": [
            {"key": "c", "operator": "NotIn", "values": ["z", "y"]},
            {"key": "a-x", "operator": "Exists"},
            {"key": "d", "operator": "DoesNotExist"},
        ],
    }
    assert label_selector_string(sel) == "a=1,a-x,b=2,c notin (y,z),!d"
    assert format_label_selector(None) == "<none>"
    assert format_label_selector({}) == "<none>"
    assert format_label_selector({"matchExpressions": [{"key": "a", "operator": "In"}]}) == "<error>"
    assert format_label_selector({"matchLabels": {"bad key": "v"}}) == "<error>"
    assert format_label_selector({"matchLabels": {"example.com/app": "x"}}) == "example.com/app=x"
