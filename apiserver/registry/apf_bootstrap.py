"""API Priority and Fairness' mandatory and suggested configuration objects, as kube-apiserver 1.36's
config producer creates them (k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap/default.go): the exempt and
catch-all priority levels and flow schemas, and the suggested ones, each annotated for auto-update.
apiserver/flowcontrol classifies and queues requests by the objects the server holds (these, as users
change them); the mandatory two stand in when they are missing, as in kube."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

GROUP_VERSION = "flowcontrol.apiserver.k8s.io/v1"
_AUTO_UPDATE = {"apf.kubernetes.io/autoupdate-spec": "true"}
_ALL = ["*"]


def _plc(name: str, spec: Obj) -> Obj:
    return {"apiVersion": GROUP_VERSION, "kind": "PriorityLevelConfiguration",
            "metadata": {"name": name, "annotations": dict(_AUTO_UPDATE)}, "spec": spec}  # fmt: skip


def _limited(shares: int, lendable: int, queues: int, hand_size: int) -> Obj:
    queuing = {"queues": queues, "handSize": hand_size, "queueLengthLimit": 50}
    return {"type": "Limited", "limited": {"nominalConcurrencyShares": shares, "lendablePercent": lendable,
                                           "limitResponse": {"type": "Queue", "queuing": queuing}}}  # fmt: skip


def _groups(*names: str) -> list[Obj]:
    return [{"kind": "Group", "group": {"name": name}} for name in names]


def _users(*names: str) -> list[Obj]:
    return [{"kind": "User", "user": {"name": name}} for name in names]


_KUBE_SYSTEM_SAS = [{"kind": "ServiceAccount", "serviceAccount": {"name": "*", "namespace": "kube-system"}}]


def _everything(subjects: list[Obj]) -> Obj:
    return {"subjects": subjects,
            "resourceRules": [{"verbs": _ALL, "apiGroups": _ALL, "resources": _ALL, "clusterScope": True,
                               "namespaces": _ALL}],
            "nonResourceRules": [{"verbs": _ALL, "nonResourceURLs": _ALL}]}  # fmt: skip


def _schema(name: str, level: str, precedence: int, distinguisher: str, rules: Obj) -> Obj:
    spec: Obj = {"priorityLevelConfiguration": {"name": level}, "matchingPrecedence": precedence}
    if distinguisher:
        spec["distinguisherMethod"] = {"type": distinguisher}
    spec["rules"] = [rules]
    return {"apiVersion": GROUP_VERSION, "kind": "FlowSchema",
            "metadata": {"name": name, "annotations": dict(_AUTO_UPDATE)}, "spec": spec}  # fmt: skip


def priority_levels() -> list[Obj]:
    """Mandatory (catch-all, exempt), then suggested, in kube's order."""
    return [
        _plc("catch-all", {"type": "Limited", "limited": {"nominalConcurrencyShares": 5, "lendablePercent": 0,
                                                          "limitResponse": {"type": "Reject"}}}),
        _plc("exempt", {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0}}),
        _plc("system", _limited(30, 33, 64, 6)),
        _plc("node-high", _limited(40, 25, 64, 6)),
        _plc("leader-election", _limited(10, 0, 16, 4)),
        _plc("workload-high", _limited(40, 50, 128, 6)),
        _plc("workload-low", _limited(100, 90, 128, 6)),
        _plc("global-default", _limited(20, 50, 128, 6)),
    ]  # fmt: skip


def flow_schemas() -> list[Obj]:
    """Mandatory (exempt, catch-all), then suggested, in kube's order."""
    everyone = ("system:unauthenticated", "system:authenticated")
    leases = {"verbs": ["get", "create", "update"], "apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
              "namespaces": _ALL}  # fmt: skip
    return [
        _schema("exempt", "exempt", 1, "", _everything(_groups("system:masters"))),
        _schema("catch-all", "catch-all", 10000, "ByUser", _everything(_groups(*everyone))),
        _schema("system-nodes", "system", 500, "ByUser", _everything(_groups("system:nodes"))),
        _schema("system-node-high", "node-high", 400, "ByUser", {"subjects": _groups("system:nodes"), "resourceRules": [
            {"verbs": _ALL, "apiGroups": [""], "resources": ["nodes", "nodes/status"], "clusterScope": True,
             "namespaces": _ALL},
            {"verbs": _ALL, "apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "namespaces": _ALL}]}),
        _schema("probes", "exempt", 2, "", {"subjects": _groups(*everyone), "nonResourceRules": [
            {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz", "/livez"]}]}),
        _schema("system-leader-election", "leader-election", 100, "ByUser", {
            "subjects": _users("system:kube-controller-manager", "system:kube-scheduler") + _KUBE_SYSTEM_SAS,
            "resourceRules": [leases]}),
        _schema("kube-controller-manager", "workload-high", 800, "ByNamespace",
                _everything(_users("system:kube-controller-manager"))),
        _schema("kube-scheduler", "workload-high", 800, "ByNamespace", _everything(_users("system:kube-scheduler"))),
        _schema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", _everything(_KUBE_SYSTEM_SAS)),
        _schema("service-accounts", "workload-low", 9000, "ByUser", _everything(_groups("system:serviceaccounts"))),
        _schema("global-default", "global-default", 9900, "ByUser", _everything(_groups(*everyone))),
    ]  # fmt: skip
