"""Server-side printing of the types served since issue 12 (apiserver/printers/builtin_more.py).

Expected cells are derived from kube 1.36's pkg/printers/internalversion/printers.go (and kube-aggregator's
APIService convertor) for the object kube would hold after v1 defaulting. Unit tests use a fixed ``now``;
one end-to-end test reads CronJob and Ingress tables through the server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aiokube.apiserver.printers.builtin import BUILTIN_PRINTERS as FIRST_PRINTERS
from aiokube.apiserver.printers.builtin_more import MORE_PRINTERS, format_hpa_metrics, go_label_selector_struct
from aiokube.apiserver.registry.resources import Registry
from tests.conftest import API

#: every built-in printer, as the Table convertor (printers/tables.py) looks them up
BUILTIN_PRINTERS = {**FIRST_PRINTERS, **MORE_PRINTERS}

T0 = "2026-01-01T00:00:00Z"
NOW = datetime(2026, 1, 1, 1, 0, 0, tzinfo=UTC)  # one hour after T0: every Age cell is "60m"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"

ADM, NET, STO = "admissionregistration.k8s.io", "networking.k8s.io", "storage.k8s.io"
RES, FLOW = "resource.k8s.io", "flowcontrol.apiserver.k8s.io"


def cells(group: str, resource: str, obj: dict[str, Any], now: datetime = NOW) -> list[Any]:
    return BUILTIN_PRINTERS[(group, resource)][1](obj, now)


def at(minutes: float) -> str:
    t = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str = "x", namespace: str | None = "default", **extra: Any) -> dict[str, Any]:
    md = {"name": name, "creationTimestamp": T0, **extra}
    if namespace is not None:
        md["namespace"] = namespace
    return md


# --- column definitions vs printers.go AddHandlers ------------------------------------------------------------

W = 1  # priority 1: only with -o wide
EXPECTED_COLUMNS: dict[tuple[str, str], list[tuple[str, str, int]]] = {
    ("", "componentstatuses"): [
        ("Name", "string", 0), ("Status", "string", 0), ("Message", "string", 0), ("Error", "string", 0),
    ],
    ("", "replicationcontrollers"): [
        ("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0),
        ("Age", "string", 0), ("Containers", "string", W), ("Images", "string", W), ("Selector", "string", W),
    ],
    ("", "podtemplates"): [
        ("Name", "string", 0), ("Containers", "string", 0), ("Images", "string", 0), ("Pod Labels", "string", 0),
    ],
    ("", "limitranges"): [("Name", "string", 0), ("Created At", "date", 0)],
    ("", "resourcequotas"): [
        ("Name", "string", 0), ("Request", "string", 0), ("Limit", "string", 0), ("Age", "string", 0),
    ],
    ("apps", "controllerrevisions"): [
        ("Name", "string", 0), ("Controller", "string", 0), ("Revision", "string", 0), ("Age", "string", 0),
    ],
    ("autoscaling", "horizontalpodautoscalers"): [
        ("Name", "string", 0), ("Reference", "string", 0), ("Targets", "string", 0), ("MinPods", "string", 0),
        ("MaxPods", "string", 0), ("Replicas", "string", 0), ("Age", "string", 0),
    ],
    ("batch", "cronjobs"): [
        ("Name", "string", 0), ("Schedule", "string", 0), ("Timezone", "string", 0), ("Suspend", "boolean", 0),
        ("Active", "integer", 0), ("Last Schedule", "string", 0), ("Age", "string", 0),
        ("Containers", "string", W), ("Images", "string", W), ("Selector", "string", W),
    ],
    ("certificates.k8s.io", "certificatesigningrequests"): [
        ("Name", "string", 0), ("Age", "string", 0), ("SignerName", "string", 0), ("Requestor", "string", 0),
        ("RequestedDuration", "string", 0), ("Condition", "string", 0),
    ],
    (NET, "ingresses"): [
        ("Name", "string", 0), ("Class", "string", 0), ("Hosts", "string", 0), ("Address", "string", 0),
        ("Ports", "string", 0), ("Age", "string", 0),
    ],
    (NET, "ingressclasses"): [
        ("Name", "string", 0), ("Controller", "string", 0), ("Parameters", "string", 0), ("Age", "string", 0),
    ],
    (NET, "networkpolicies"): [("Name", "string", 0), ("Pod-Selector", "string", 0), ("Age", "string", 0)],
    (NET, "ipaddresses"): [("Name", "string", 0), ("ParentRef", "string", 0)],
    (NET, "servicecidrs"): [("Name", "string", 0), ("CIDRs", "string", 0), ("Age", "string", 0)],
    ("policy", "poddisruptionbudgets"): [
        ("Name", "string", 0), ("Min Available", "string", 0), ("Max Unavailable", "string", 0),
        ("Allowed Disruptions", "integer", 0), ("Age", "string", 0),
    ],
    (STO, "storageclasses"): [
        ("Name", "string", 0), ("Provisioner", "string", 0), ("ReclaimPolicy", "string", 0),
        ("VolumeBindingMode", "string", 0), ("AllowVolumeExpansion", "string", 0), ("Age", "string", 0),
    ],
    (STO, "csidrivers"): [
        ("Name", "string", 0), ("AttachRequired", "boolean", 0), ("PodInfoOnMount", "boolean", 0),
        ("StorageCapacity", "boolean", 0), ("TokenRequests", "string", 0), ("RequiresRepublish", "boolean", 0),
        ("Modes", "string", 0), ("Age", "string", 0),
    ],
    (STO, "csinodes"): [("Name", "string", 0), ("Drivers", "integer", 0), ("Age", "string", 0)],
    # printers.go has a handler, but kube's storage uses the default convertor (checked against the reference)
    (STO, "csistoragecapacities"): [("Name", "string", 0), ("Created At", "date", 0)],
    (STO, "volumeattachments"): [
        ("Name", "string", 0), ("Attacher", "string", 0), ("PV", "string", 0), ("Node", "string", 0),
        ("Attached", "boolean", 0), ("Age", "string", 0),
    ],
    (STO, "volumeattributesclasses"): [("Name", "string", 0), ("DriverName", "string", 0), ("Age", "string", 0)],
    (ADM, "mutatingwebhookconfigurations"): [("Name", "string", 0), ("Webhooks", "integer", 0), ("Age", "string", 0)],
    (ADM, "validatingwebhookconfigurations"): [("Name", "string", 0), ("Webhooks", "integer", 0), ("Age", "string", 0)],
    (ADM, "validatingadmissionpolicies"): [
        ("Name", "string", 0), ("Validations", "integer", 0), ("ParamKind", "string", 0), ("Age", "string", 0),
    ],
    (ADM, "validatingadmissionpolicybindings"): [
        ("Name", "string", 0), ("PolicyName", "string", 0), ("ParamRef", "string", 0), ("Age", "string", 0),
    ],
    (ADM, "mutatingadmissionpolicies"): [
        ("Name", "string", 0), ("Mutations", "integer", 0), ("ParamKind", "string", 0), ("Age", "string", 0),
    ],
    (ADM, "mutatingadmissionpolicybindings"): [
        ("Name", "string", 0), ("PolicyName", "string", 0), ("ParamRef", "string", 0), ("Age", "string", 0),
    ],
    ("scheduling.k8s.io", "priorityclasses"): [
        ("Name", "string", 0), ("Value", "integer", 0), ("Global-Default", "boolean", 0), ("Age", "string", 0),
        ("PreemptionPolicy", "string", 0),
    ],
    ("node.k8s.io", "runtimeclasses"): [("Name", "string", 0), ("Handler", "string", 0), ("Age", "string", 0)],
    (RES, "deviceclasses"): [("Name", "string", 0), ("Age", "string", 0)],
    (RES, "resourceclaims"): [("Name", "string", 0), ("State", "string", 0), ("Age", "string", 0)],
    (RES, "resourceclaimtemplates"): [("Name", "string", 0), ("Age", "string", 0)],
    (RES, "resourceslices"): [
        ("Name", "string", 0), ("Node", "string", 0), ("Driver", "string", 0), ("Pool", "string", 0),
        ("Age", "string", 0),
    ],
    (FLOW, "flowschemas"): [
        ("Name", "string", 0), ("PriorityLevel", "string", 0), ("MatchingPrecedence", "string", 0),
        ("DistinguisherMethod", "string", 0), ("Age", "string", 0), ("MissingPL", "string", 0),
    ],
    (FLOW, "prioritylevelconfigurations"): [
        ("Name", "string", 0), ("Type", "string", 0), ("NominalConcurrencyShares", "string", 0),
        ("Queues", "string", 0), ("HandSize", "string", 0), ("QueueLengthLimit", "string", 0), ("Age", "string", 0),
    ],
    ("apiregistration.k8s.io", "apiservices"): [
        ("Name", "string", 0), ("Service", "string", 0), ("Available", "string", 0), ("Age", "string", 0),
    ],
}  # fmt: skip


def test_new_printers_are_registered() -> None:
    assert set(MORE_PRINTERS) == set(EXPECTED_COLUMNS)
    assert not set(MORE_PRINTERS) & set(FIRST_PRINTERS)  # one printer per resource


def test_every_served_builtin_resource_has_a_printer() -> None:
    """Every stored built-in resource but CRDs (whose table is tables.py's default) prints kube's columns (a
    version served by conversion with its storage's printer)."""
    served = {(i.stored_as.group, i.plural) for i in Registry() if i.custom is None and i.stored}
    assert served - set(BUILTIN_PRINTERS) == {("apiextensions.k8s.io", "customresourcedefinitions")}


@pytest.mark.parametrize("key", sorted(EXPECTED_COLUMNS))
def test_columns_match_printers_go(key: tuple[str, str]) -> None:
    columns = BUILTIN_PRINTERS[key][0]
    assert [(c["name"], c["type"], c["priority"]) for c in columns] == EXPECTED_COLUMNS[key]
    for c in columns:
        assert list(c) == ["name", "type", "format", "description", "priority"]
        # printers.go gives VolumeAttachment's Attacher column the "name" format too
        named = c["name"] == "Name" or (key == (STO, "volumeattachments") and c["name"] == "Attacher")
        assert c["format"] == ("name" if named else "")
        # RuntimeClass's Handler is described by ObjectMeta's (nonexistent) "handler" doc
        assert bool(c["description"]) != (key == ("node.k8s.io", "runtimeclasses") and c["name"] == "Handler")


@pytest.mark.parametrize("key", sorted(EXPECTED_COLUMNS))
def test_one_cell_per_column_even_for_a_bare_object(key: tuple[str, str]) -> None:
    columns, row = BUILTIN_PRINTERS[key]
    got = row({"metadata": {"name": "bare"}})
    # printIPAddress appends an Age cell though there is no Age column (kube's TableGenerator does not check)
    assert len(got) == len(columns) + (key == (NET, "ipaddresses"))
    assert "bare" in got


def test_column_descriptions() -> None:
    def described(key: tuple[str, str], name: str) -> str:
        return next(c["description"] for c in BUILTIN_PRINTERS[key][0] if c["name"] == name)

    assert described(("batch", "cronjobs"), "Schedule") == (
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."
    )
    assert described(("batch", "cronjobs"), "Selector").startswith("A label query over pods that should match the pod")
    assert described(("batch", "cronjobs"), "Suspend") == (
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started "
        "executions.  Defaults to false."
    )
    assert described(("", "replicationcontrollers"), "Ready") == (
        "The number of ready replicas for this replication controller."
    )
    assert described(("certificates.k8s.io", "certificatesigningrequests"), "Requestor") == (
        "Base64-encoded PKCS#10 CSR data"
    )
    assert described(("certificates.k8s.io", "certificatesigningrequests"), "SignerName").startswith(
        "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If"
    )
    assert described((NET, "servicecidrs"), "CIDRs").startswith(
        'CIDRs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64")'
    )
    assert described((FLOW, "flowschemas"), "PriorityLevel") == (
        "`name` is the name of the priority level configuration being referenced Required."
    )
    assert described(("apiregistration.k8s.io", "apiservices"), "Service") == (
        "The reference to the service that hosts this API endpoint."
    )
    assert described((NET, "ingresses"), "Class") == (
        "The name of the IngressClass resource that should be used for additional configuration"
    )


# --- core -----------------------------------------------------------------------------------------------------


def test_componentstatus_cells() -> None:
    """printComponentStatus: the Healthy condition decides; any other status than True is Unhealthy."""
    healthy = {"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]}
    assert cells("", "componentstatuses", healthy) == ["etcd-0", "Healthy", "ok", ""]
    error = "error getting data from etcd: closed"
    failed = {"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "False", "error": error}]}
    assert cells("", "componentstatuses", failed) == ["etcd-0", "Unhealthy", "", error]
    unknown = {"metadata": {"name": "scheduler"}, "conditions": [{"type": "Other", "status": "True"}]}
    assert cells("", "componentstatuses", unknown) == ["scheduler", "Unknown", "", ""]


def test_replicationcontroller_cells() -> None:
    rc = {
        "metadata": meta("web"),
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "fe"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "fluent"}]},
            },
        },
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    # replicas defaults to 1, the selector to the template's labels (SetDefaults_ReplicationController)
    assert cells("", "replicationcontrollers", rc) == [
        "web", 1, 2, 1, "60m", "nginx,log", "nginx:1.27,fluent", "app=web,tier=fe",
    ]  # fmt: skip
    rc["spec"].update(replicas=3, selector={"app": "web"})
    assert cells("", "replicationcontrollers", rc)[1:2] + cells("", "replicationcontrollers", rc)[7:] == [3, "app=web"]
    rc["spec"]["replicas"] = 0
    assert cells("", "replicationcontrollers", rc)[1] == 0
    bare = {"metadata": meta("rc"), "spec": {}}
    assert cells("", "replicationcontrollers", bare) == ["rc", 1, 0, 0, "60m", "", "", "<none>"]


def test_podtemplate_cells() -> None:
    pt = {
        "metadata": meta("pt"),
        "template": {
            "metadata": {"labels": {"b": "2", "a": "1"}},
            "spec": {"containers": [{"name": "c1", "image": "i1"}, {"name": "c2", "image": "i2"}]},
        },
    }
    assert cells("", "podtemplates", pt) == ["pt", "c1,c2", "i1,i2", "a=1,b=2"]  # no Age column
    assert cells("", "podtemplates", {"metadata": meta("pt"), "template": {}}) == ["pt", "", "", "<none>"]


def test_resourcequota_cells() -> None:
    quota = {
        "metadata": meta("compute"),
        "spec": {"hard": {"pods": "10"}},
        "status": {
            "hard": {"pods": "10", "requests.cpu": "1", "limits.memory": "2Gi", "limits.cpu": "2",
                     "requests.memory": "1024Mi", "limits": "5"},
            "used": {"pods": "3", "requests.cpu": "500m", "limits.cpu": "1", "limits.memory": "0"},
        },
    }  # fmt: skip
    assert cells("", "resourcequotas", quota) == [
        "compute",
        # "limits" alone is not a limits.* resource; missing used quantities print 0; quantities are canonical
        "limits: 0/5, pods: 3/10, requests.cpu: 500m/1, requests.memory: 0/1Gi",
        "limits.cpu: 1/2, limits.memory: 0/2Gi",
        "60m",
    ]
    # only status.hard counts: a quota the controller has not seen yet prints empty cells
    assert cells("", "resourcequotas", {"metadata": meta("q"), "spec": {"hard": {"pods": "1"}}}) == ["q", "", "", "60m"]


def test_limitrange_uses_the_default_table() -> None:
    assert cells("", "limitranges", {"metadata": meta("limits"), "spec": {"limits": []}}) == [
        "limits", "2026-01-01T00:00:00Z",
    ]  # fmt: skip


# --- apps, autoscaling, batch, policy -------------------------------------------------------------------------


def test_controllerrevision_cells() -> None:
    owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "u1", "controller": True}
    revision = {
        "metadata": meta("agent-6d4f", ownerReferences=[{**owner, "kind": "Other", "controller": False}, owner]),
        "data": {},
        "revision": 3,
    }
    assert cells("apps", "controllerrevisions", revision) == ["agent-6d4f", "daemonset.apps/agent", 3, "60m"]
    revision["metadata"]["ownerReferences"] = [{**owner, "apiVersion": "v1", "kind": "Pod", "name": "p"}]
    assert cells("apps", "controllerrevisions", revision)[1] == "pod/p"
    revision["metadata"]["ownerReferences"] = [{**owner, "controller": False}]
    assert cells("apps", "controllerrevisions", revision)[1:3] == ["<none>", 3]


def test_hpa_cells() -> None:
    hpa = {
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {"type": "Resource",
                 "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                {"type": "Pods",
                 "pods": {"metric": {"name": "packets"}, "target": {"type": "AverageValue", "averageValue": "1k"}}},
                {"type": "External",
                 "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "100"}}},
            ],
        },
        "status": {
            "currentReplicas": 3,
            "desiredReplicas": 3,
            "currentMetrics": [
                {"type": "Resource",
                 "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "250m"}}},
                {"type": "Pods", "pods": {"metric": {"name": "packets"}, "current": {"averageValue": "1500m"}}},
            ],
        },
    }  # fmt: skip
    assert cells("autoscaling", "horizontalpodautoscalers", hpa) == [
        "web", "Deployment/web", "cpu: 45%/70%, 1500m/1k + 1 more...", "2", 10, 3, "60m",
    ]  # fmt: skip
    # SetDefaults_HorizontalPodAutoscaler: minReplicas 1 and an 80% CPU utilization target
    bare = {"metadata": meta("h"), "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}}
    assert cells("autoscaling", "horizontalpodautoscalers", bare) == [
        "h", "Deployment/web", "cpu: <unknown>/80%", "1", 5, 0, "60m",
    ]  # fmt: skip


def test_hpa_metrics_formatting() -> None:
    def metric(type_: str, field: str, target: dict[str, Any], **source: Any) -> dict[str, Any]:
        return {"type": type_, field: {**source, "target": target}}

    def current(type_: str, field: str, **values: Any) -> dict[str, Any]:
        return {"type": type_, field: {"current": values}}

    avg = {"type": "AverageValue", "averageValue": "512Mi"}
    assert format_hpa_metrics([metric("Resource", "resource", avg, name="memory")], []) == "memory: <unknown>/512Mi"
    assert (
        format_hpa_metrics(
            [metric("Resource", "resource", avg, name="memory")],
            [current("Resource", "resource", averageValue="100Mi")],
        )
        == "memory: 100Mi/512Mi"
    )
    # a current metric without the value printed is Go's nil Quantity
    assert (
        format_hpa_metrics(
            [metric("Resource", "resource", avg, name="memory")],
            [current("Resource", "resource", averageUtilization=5)],
        )
        == "memory: <nil>/512Mi"
    )
    object_avg = metric("Object", "object", {"type": "AverageValue", "averageValue": "10"}, metric={"name": "rps"})
    assert format_hpa_metrics([object_avg], [current("Object", "object", value="20")]) == "<unknown>/10 (avg)"
    assert format_hpa_metrics([object_avg], [current("Object", "object", averageValue="20")]) == "20/10 (avg)"
    object_value = metric("Object", "object", {"type": "Value", "value": "2k"}, metric={"name": "rps"})
    assert format_hpa_metrics([object_value], [current("Object", "object", value="2500")]) == "2500/2k"
    external_avg = metric("External", "external", {"type": "AverageValue", "averageValue": "30"})
    assert format_hpa_metrics([external_avg], []) == "<unknown>/30 (avg)"
    container = metric("ContainerResource", "containerResource", {"type": "Utilization"}, name="cpu", container="app")
    assert format_hpa_metrics(
        [container], [current("ContainerResource", "containerResource", averageUtilization=12)]
    ) == ("cpu: 12%/<auto>")
    # statuses are matched by index, not by type
    pods = metric("Pods", "pods", {"type": "AverageValue", "averageValue": "1"}, metric={"name": "x"})
    assert format_hpa_metrics([pods], [current("Resource", "resource", averageValue="5")]) == "<unknown>/1"
    assert format_hpa_metrics([{"type": "Bogus"}, pods], []) == "<unknown type>, <unknown>/1"
    assert format_hpa_metrics([], []) == "<none>"


def test_cronjob_cells() -> None:
    cronjob = {
        "metadata": meta("nightly"),
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "backup", "image": "busybox"}]}}}},
        },
        "status": {},
    }
    # suspend defaults to false (SetDefaults_CronJob); no time zone, never scheduled
    assert cells("batch", "cronjobs", cronjob) == [
        "nightly", "0 3 * * *", "<none>", "False", 0, "<none>", "60m", "backup", "busybox", "<none>",
    ]  # fmt: skip
    cronjob["spec"].update(timeZone="Etc/UTC", suspend=True)
    cronjob["spec"]["jobTemplate"]["spec"]["selector"] = {"matchLabels": {"job": "nightly"}}
    cronjob["status"] = {
        "active": [{"kind": "Job", "name": "a"}, {"kind": "Job", "name": "b"}],
        "lastScheduleTime": at(55),
    }
    assert cells("batch", "cronjobs", cronjob) == [
        "nightly", "0 3 * * *", "Etc/UTC", "True", 2, "5m", "60m", "backup", "busybox", "job=nightly",
    ]  # fmt: skip


def test_poddisruptionbudget_cells() -> None:
    pdb = {"metadata": meta("db"), "spec": {"minAvailable": 2}, "status": {"disruptionsAllowed": 1}}
    assert cells("policy", "poddisruptionbudgets", pdb) == ["db", "2", "N/A", 1, "60m"]
    pdb = {"metadata": meta("web"), "spec": {"maxUnavailable": "25%"}}
    assert cells("policy", "poddisruptionbudgets", pdb) == ["web", "N/A", "25%", 0, "60m"]


# --- certificates, networking ---------------------------------------------------------------------------------


def test_certificatesigningrequest_cells() -> None:
    csr = {
        "metadata": meta("csr-1", namespace=None),
        "spec": {
            "request": "LS0tLS1CRUdJTi...",
            "signerName": "kubernetes.io/kube-apiserver-client",
            "username": "alice",
            "expirationSeconds": 86400,
            "usages": ["client auth"],
        },
        "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0tLS1CRUdJTi..."},
    }
    assert cells("certificates.k8s.io", "certificatesigningrequests", csr) == [
        "csr-1", "60m", "kubernetes.io/kube-apiserver-client", "alice", "24h", "Approved,Issued",
    ]  # fmt: skip
    csr["spec"]["expirationSeconds"] = 600
    # only condition types count, and Denied wins over Approved
    csr["status"] = {"conditions": [{"type": "Approved"}, {"type": "Failed"}, {"type": "Denied", "status": "False"}]}
    assert cells("certificates.k8s.io", "certificatesigningrequests", csr)[4:] == ["10m", "Denied,Failed"]
    bare = {"metadata": meta("csr-2", namespace=None), "spec": {"username": "bob"}}
    assert cells("certificates.k8s.io", "certificatesigningrequests", bare)[2:] == [
        "<none>",
        "bob",
        "<none>",
        "Pending",
    ]


def test_ingress_cells() -> None:
    ingress = {
        "metadata": meta("web"),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}],
            "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}],
        },
        "status": {
            "loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.9"}]}
        },
    }  # fmt: skip
    assert cells(NET, "ingresses", ingress) == [
        "web", "nginx", "a.example.com,b.example.com", "203.0.113.9,lb.example.com", "80, 443", "60m",
    ]  # fmt: skip
    assert cells(NET, "ingresses", {"metadata": meta("bare"), "spec": {}}) == ["bare", "<none>", "*", "", "80", "60m"]


@pytest.mark.parametrize(
    "hosts, want",
    [
        (["a", "b", "c"], "a,b,c"),
        (["a", "", "b", "c", "d"], "a,b,c + 2 more..."),  # counts rules past the third host, not hosts
        (["a", "b", "c", ""], "a,b,c + 1 more..."),
        (["", ""], "*"),
    ],
)
def test_ingress_hosts(hosts: list[str], want: str) -> None:
    ingress = {"metadata": meta("i"), "spec": {"rules": [{"host": h} if h else {} for h in hosts]}}
    assert cells(NET, "ingresses", ingress)[2] == want


def test_ingressclass_cells() -> None:
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"}
    ic = {
        "metadata": meta("nginx", namespace=None, annotations=annotations),
        "spec": {
            "controller": "k8s.io/ingress-nginx",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"},
        },
    }
    assert cells(NET, "ingressclasses", ic) == [
        "nginx (default)", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "60m",
    ]  # fmt: skip
    ic["metadata"]["annotations"] = {"ingressclass.kubernetes.io/is-default-class": "True"}
    ic["spec"]["parameters"] = {"kind": "ConfigMap", "name": "cfg", "namespace": "ingress", "scope": "Namespace"}
    assert cells(NET, "ingressclasses", ic)[:3] == ["nginx", "k8s.io/ingress-nginx", "ConfigMap/cfg"]
    del ic["spec"]["parameters"]
    assert cells(NET, "ingressclasses", ic)[2] == "<none>"


def test_networkpolicy_ipaddress_servicecidr_cells() -> None:
    policy = {
        "metadata": meta("db"),
        "spec": {"podSelector": {"matchLabels": {"role": "db"}}, "policyTypes": ["Ingress"]},
    }
    assert cells(NET, "networkpolicies", policy) == ["db", "role=db", "60m"]
    assert cells(NET, "networkpolicies", {"metadata": meta("all"), "spec": {"podSelector": {}}})[1] == "<none>"

    ip = {
        "metadata": meta("10.96.0.1", namespace=None),
        "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}},
    }
    assert cells(NET, "ipaddresses", ip) == ["10.96.0.1", "services/default/kubernetes", "60m"]  # 3 cells, 2 columns
    ip["spec"]["parentRef"] = {"group": "Gateway.networking.k8s.io", "resource": "Gateways", "name": "gw"}
    assert cells(NET, "ipaddresses", ip)[1] == "gateways.gateway.networking.k8s.io/gw"
    assert cells(NET, "ipaddresses", {"metadata": meta("fd00::1", namespace=None), "spec": {}})[1] == "<none>"

    cidr = {"metadata": meta("kubernetes", namespace=None), "spec": {"cidrs": ["10.96.0.0/16", "fd00:10:96::/108"]}}
    assert cells(NET, "servicecidrs", cidr) == ["kubernetes", "10.96.0.0/16,fd00:10:96::/108", "60m"]


# --- storage --------------------------------------------------------------------------------------------------


def test_storageclass_cells() -> None:
    sc = {
        "metadata": meta(
            "standard", namespace=None, annotations={"storageclass.kubernetes.io/is-default-class": "true"}
        ),
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    # reclaimPolicy defaults to Delete (SetDefaults_StorageClass); allowVolumeExpansion is a bool cell
    assert cells(STO, "storageclasses", sc) == [
        "standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", False, "60m",
    ]  # fmt: skip
    sc = {
        "metadata": meta(
            "fast", namespace=None, annotations={"storageclass.beta.kubernetes.io/is-default-class": "true"}
        ),
        "provisioner": "ebs.csi.aws.com",
        "reclaimPolicy": "Retain",
        "allowVolumeExpansion": True,
    }
    assert cells(STO, "storageclasses", sc) == ["fast (default)", "ebs.csi.aws.com", "Retain", "Immediate", True, "60m"]


def test_csidriver_cells() -> None:
    driver = {"metadata": meta("ebs.csi.aws.com", namespace=None), "spec": {}}
    # SetDefaults_CSIDriver: attach required, Persistent mode, the rest false
    assert cells(STO, "csidrivers", driver) == [
        "ebs.csi.aws.com", True, False, False, "<unset>", False, "Persistent", "60m",
    ]  # fmt: skip
    driver["spec"] = {
        "attachRequired": False,
        "podInfoOnMount": True,
        "storageCapacity": True,
        "tokenRequests": [{"audience": "vault"}, {"audience": "gcp", "expirationSeconds": 3600}],
        "requiresRepublish": True,
        "volumeLifecycleModes": ["Persistent", "Ephemeral"],
    }
    assert cells(STO, "csidrivers", driver)[1:7] == [False, True, True, "vault,gcp", True, "Persistent,Ephemeral"]
    driver["spec"]["tokenRequests"] = []  # an empty list is nil once read back from etcd
    assert cells(STO, "csidrivers", driver)[4] == "<unset>"


def test_csinode_csistoragecapacity_volumeattachment_vac_cells() -> None:
    node = {
        "metadata": meta("node-1", namespace=None),
        "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": "i-1"}]},
    }
    assert cells(STO, "csinodes", node) == ["node-1", 1, "60m"]

    capacity = {"metadata": meta("csisc-abc"), "storageClassName": "fast", "capacity": "1024Mi"}
    assert cells(STO, "csistoragecapacities", capacity) == ["csisc-abc", T0]  # the default convertor's

    attachment = {
        "metadata": meta("csi-123", namespace=None),
        "spec": {"attacher": "ebs.csi.aws.com", "source": {"persistentVolumeName": "pv-1"}, "nodeName": "node-1"},
        "status": {"attached": True},
    }
    assert cells(STO, "volumeattachments", attachment) == ["csi-123", "ebs.csi.aws.com", "pv-1", "node-1", True, "60m"]
    attachment["spec"]["source"] = {"inlineVolumeSpec": {}}
    del attachment["status"]
    assert cells(STO, "volumeattachments", attachment)[2:5] == ["", "node-1", False]

    vac = {
        "metadata": meta("gold", namespace=None),
        "driverName": "pd.csi.storage.gke.io",
        "parameters": {"iops": "3000"},
    }
    assert cells(STO, "volumeattributesclasses", vac) == ["gold", "pd.csi.storage.gke.io", "60m"]


# --- admissionregistration ------------------------------------------------------------------------------------


def test_webhook_configuration_cells() -> None:
    config = {
        "metadata": meta("hooks", namespace=None),
        "webhooks": [{"name": "a.example.com"}, {"name": "b.example.com"}],
    }
    assert cells(ADM, "mutatingwebhookconfigurations", config) == ["hooks", 2, "60m"]
    assert cells(ADM, "validatingwebhookconfigurations", {"metadata": meta("none", namespace=None)}) == [
        "none",
        0,
        "60m",
    ]


def test_admission_policy_cells() -> None:
    vap = {
        "metadata": meta("replicas-limit", namespace=None),
        "spec": {
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "validations": [{"expression": "object.spec.replicas <= 5"}, {"expression": "true"}],
        },
    }
    assert cells(ADM, "validatingadmissionpolicies", vap) == ["replicas-limit", 2, "v1/ConfigMap", "60m"]
    map_ = {"metadata": meta("add-label", namespace=None), "spec": {"mutations": [{"patchType": "ApplyConfiguration"}]}}
    assert cells(ADM, "mutatingadmissionpolicies", map_) == ["add-label", 1, "<unset>", "60m"]


@pytest.mark.parametrize("resource", ["validatingadmissionpolicybindings", "mutatingadmissionpolicybindings"])
def test_admission_policy_binding_cells(resource: str) -> None:
    binding = {
        "metadata": meta("limit-team-a", namespace=None),
        "spec": {"policyName": "replicas-limit", "paramRef": {"name": "limits", "namespace": "team-a"}},
    }
    assert cells(ADM, resource, binding) == ["limit-team-a", "replicas-limit", "team-a/limits", "60m"]
    binding["spec"]["paramRef"] = {"name": "limits", "parameterNotFoundAction": "Deny"}
    assert cells(ADM, resource, binding)[2] == "*/limits"
    binding["spec"]["paramRef"] = {"selector": {"matchLabels": {"env": "prod", "app": "x"}}}
    assert cells(ADM, resource, binding)[2] == (
        "&LabelSelector{MatchLabels:map[string]string{app: x,env: prod,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}"
    )
    binding["spec"]["paramRef"] = {"parameterNotFoundAction": "Allow"}
    assert cells(ADM, resource, binding)[2] == "<unset>"
    del binding["spec"]["paramRef"]
    assert cells(ADM, resource, binding)[2] == "<unset>"


def test_go_label_selector_struct() -> None:
    selector = {
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "gpu", "operator": "Exists"},
        ]
    }
    assert go_label_selector_struct(selector) == (
        "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{"
        "LabelSelectorRequirement{Key:tier,Operator:In,Values:[a b],},"
        "LabelSelectorRequirement{Key:gpu,Operator:Exists,Values:[],},},}"
    )
    assert go_label_selector_struct({}) == (
        "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}"
    )


# --- scheduling, node, resource -------------------------------------------------------------------------------


def test_priorityclass_runtimeclass_cells() -> None:
    pc = {"metadata": meta("high", namespace=None), "value": 1000000, "globalDefault": True, "description": "x"}
    # preemptionPolicy defaults to PreemptLowerPriority (SetDefaults_PriorityClass)
    assert cells("scheduling.k8s.io", "priorityclasses", pc) == ["high", 1000000, True, "60m", "PreemptLowerPriority"]
    never = {"metadata": meta("batch", namespace=None), "value": -5, "preemptionPolicy": "Never"}
    assert cells("scheduling.k8s.io", "priorityclasses", never) == ["batch", -5, False, "60m", "Never"]
    rc = {"metadata": meta("gvisor", namespace=None), "handler": "runsc"}
    assert cells("node.k8s.io", "runtimeclasses", rc) == ["gvisor", "runsc", "60m"]


def test_resource_cells() -> None:
    assert cells(RES, "deviceclasses", {"metadata": meta("gpu.example.com", namespace=None), "spec": {}}) == [
        "gpu.example.com", "60m",
    ]  # fmt: skip
    assert cells(RES, "resourceclaimtemplates", {"metadata": meta("gpu"), "spec": {"spec": {}}}) == ["gpu", "60m"]

    claim: dict[str, Any] = {"metadata": meta("gpu-claim"), "spec": {"devices": {"requests": []}}}
    assert cells(RES, "resourceclaims", claim) == ["gpu-claim", "pending", "60m"]
    claim["status"] = {"allocation": {"devices": {"results": []}}}
    assert cells(RES, "resourceclaims", claim)[1] == "allocated"
    claim["status"]["reservedFor"] = [{"resource": "pods", "name": "p", "uid": "u"}]
    assert cells(RES, "resourceclaims", claim)[1] == "allocated,reserved"
    claim["metadata"]["deletionTimestamp"] = at(59)
    assert cells(RES, "resourceclaims", claim)[1] == "deleted,allocated,reserved"
    del claim["status"]
    assert cells(RES, "resourceclaims", claim)[1] == "deleted"

    rslice = {
        "metadata": meta("node-1-gpu-abc", namespace=None),
        "spec": {
            "driver": "gpu.example.com",
            "nodeName": "node-1",
            "pool": {"name": "node-1", "generation": 1, "resourceSliceCount": 1},
        },
    }
    assert cells(RES, "resourceslices", rslice) == ["node-1-gpu-abc", "node-1", "gpu.example.com", "node-1", "60m"]
    rslice["spec"] = {"driver": "net.example.com", "allNodes": True, "pool": {"name": "fabric"}}
    assert cells(RES, "resourceslices", rslice)[1:4] == ["", "net.example.com", "fabric"]


# --- flowcontrol, apiregistration -----------------------------------------------------------------------------


def test_flowschema_cells() -> None:
    fs = {
        "metadata": meta("service-accounts", namespace=None),
        "spec": {
            "priorityLevelConfiguration": {"name": "workload-low"},
            "matchingPrecedence": 9000,
            "distinguisherMethod": {"type": "ByUser"},
        },
        "status": {"conditions": [{"type": "Dangling", "status": "False"}, {"type": "Dangling", "status": "True"}]},
    }
    assert cells(FLOW, "flowschemas", fs) == ["service-accounts", "workload-low", 9000, "ByUser", "60m", "False"]
    # matchingPrecedence defaults to 1000 (SetDefaults_FlowSchemaSpec)
    bare = {"metadata": meta("fs", namespace=None), "spec": {"priorityLevelConfiguration": {"name": "global-default"}}}
    assert cells(FLOW, "flowschemas", bare) == ["fs", "global-default", 1000, "<none>", "60m", "?"]


async def test_flowschema_tables_list_by_matching_precedence(api: API) -> None:
    """printFlowSchemaList sorts its rows by matching precedence, then name (kube 1.36's `kubectl get
    flowschemas`: exempt, probes, system-leader-election, ... catch-all), though the list is in name order."""
    base = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas"
    status, table, _ = await api.get(base, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert status == 200
    rows = [(r["cells"][2], r["cells"][0]) for r in table["rows"]]
    assert rows == sorted(rows) and rows[0] == (1, "exempt") and rows[-1] == (10000, "catch-all")
    listed = [i["metadata"]["name"] for i in (await api.get(base))[1]["items"]]
    assert listed == sorted(listed)


def test_prioritylevelconfiguration_cells() -> None:
    limited = {
        "metadata": meta("workload-high", namespace=None),
        "spec": {
            "type": "Limited",
            "limited": {
                "nominalConcurrencyShares": 100,
                "limitResponse": {"type": "Queue", "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}},
            },
        },
    }
    assert cells(FLOW, "prioritylevelconfigurations", limited) == ["workload-high", "Limited", 100, 128, 6, 50, "60m"]
    # v1 defaults: 30 shares; 64 queues, hand size 8, queue length limit 50
    limited["spec"]["limited"] = {"limitResponse": {"type": "Queue", "queuing": {}}}
    assert cells(FLOW, "prioritylevelconfigurations", limited)[2:6] == [30, 64, 8, 50]
    limited["spec"]["limited"] = {"nominalConcurrencyShares": 0, "limitResponse": {"type": "Reject"}}
    assert cells(FLOW, "prioritylevelconfigurations", limited)[2:6] == [0, "<none>", "<none>", "<none>"]
    exempt = {"metadata": meta("exempt", namespace=None), "spec": {"type": "Exempt", "exempt": {}}}
    assert cells(FLOW, "prioritylevelconfigurations", exempt) == [
        "exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "60m",
    ]  # fmt: skip


def test_apiservice_cells() -> None:
    remote = {
        "metadata": meta("v1beta1.metrics.k8s.io", namespace=None),
        "spec": {
            "group": "metrics.k8s.io",
            "version": "v1beta1",
            "service": {"namespace": "kube-system", "name": "metrics-server", "port": 443},
        },
        "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]},
    }
    assert cells("apiregistration.k8s.io", "apiservices", remote) == [
        "v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (MissingEndpoints)", "60m",
    ]  # fmt: skip
    remote["status"]["conditions"] = [{"type": "Available", "status": "True", "reason": "Passed"}]
    assert cells("apiregistration.k8s.io", "apiservices", remote)[2] == "True"
    local = {"metadata": meta("v1.apps", namespace=None), "spec": {"group": "apps", "version": "v1"}}
    assert cells("apiregistration.k8s.io", "apiservices", local) == ["v1.apps", "Local", "Unknown", "60m"]


# --- through the server ---------------------------------------------------------------------------------------


async def test_cronjob_and_ingress_tables_through_the_server(api: API, ns: str) -> None:
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "backup", "image": "busybox"}]}
                    }
                }
            },
        },
    }
    status, body, _ = await api.post(f"/apis/batch/v1/namespaces/{ns}/cronjobs", cronjob)
    assert status == 201, body
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "a.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    status, body, _ = await api.post(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses", ingress)
    assert status == 201, body

    cronjob_columns = [
        "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector",
    ]  # fmt: skip
    for path in (f"/apis/batch/v1/namespaces/{ns}/cronjobs", f"/apis/batch/v1/namespaces/{ns}/cronjobs/nightly"):
        status, table, _ = await api.get(path, headers={"Accept": TABLE})
        assert status == 200, table
        assert table["kind"] == "Table"
        assert [c["name"] for c in table["columnDefinitions"]] == cronjob_columns
        assert [c["priority"] for c in table["columnDefinitions"]] == [0] * 7 + [1] * 3
        [row] = table["rows"]
        assert row["cells"][:6] == ["nightly", "0 3 * * *", "<none>", "False", 0, "<none>"]
        assert row["cells"][7:] == ["backup", "busybox", "<none>"]
        assert row["cells"][6].endswith("s")  # created moments ago
        assert row["object"]["metadata"]["name"] == "nightly"

    status, table, _ = await api.get(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses", headers={"Accept": TABLE})
    assert status == 200, table
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Class", "Hosts", "Address", "Ports", "Age"]
    [row] = table["rows"]
    assert row["cells"][:5] == ["web", "nginx", "a.example.com", "", "80"]
