"""Decode-time defaults of the types served since issue 12, through the server (create, then what GET shows).

Expected values are those of kube 1.36's pkg/apis/<group>/<version>/defaults.go and zz_generated.defaults.go."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import API

ADM = "admissionregistration.k8s.io/v1"
RULE = {"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}
HOOK = {"name": "h.example.com", "clientConfig": {"service": {"namespace": "ns", "name": "svc"}}, "rules": [RULE],
        "sideEffects": "None", "admissionReviewVersions": ["v1"]}  # fmt: skip
HOOK_DEFAULTS = {"failurePolicy": "Fail", "matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {},
                 "timeoutSeconds": 10}  # fmt: skip
MATCH = {"resourceRules": [{**RULE, "scope": "*"}], "matchPolicy": "Equivalent", "namespaceSelector": {},
         "objectSelector": {}}  # fmt: skip

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # (collection path, kind, body without metadata, expected subset of the created object)
    ("api/v1/limitranges", "LimitRange",
     {"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Gi"}}]}},
     {"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Gi"},
                           "default": {"cpu": "2"}, "defaultRequest": {"cpu": "2", "memory": "1Gi"}}]}}),
    ("api/v1/resourcequotas", "ResourceQuota", {"spec": {"hard": {"cpu": "1000m"}}}, {"spec": {"hard": {"cpu": "1"}}}),
    ("apis/autoscaling/v2/horizontalpodautoscalers", "HorizontalPodAutoscaler",
     {"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3,
               "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
     {"spec": {"minReplicas": 1, "metrics": [{"type": "Resource", "resource": {
         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}],
         "behavior": {
             "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                 {"type": "Pods", "value": 4, "periodSeconds": 15},
                 {"type": "Percent", "value": 100, "periodSeconds": 15}]},
             "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
                 {"type": "Percent", "value": 100, "periodSeconds": 15}]}}}}),
    ("apis/networking.k8s.io/v1/ingressclasses", "IngressClass",
     {"spec": {"controller": "x/y", "parameters": {"kind": "P", "name": "p"}}},
     {"spec": {"parameters": {"kind": "P", "name": "p", "scope": "Cluster"}}}),
    ("apis/networking.k8s.io/v1/networkpolicies", "NetworkPolicy",
     {"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}},
     {"spec": {"policyTypes": ["Ingress", "Egress"], "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}]}}),
    ("apis/storage.k8s.io/v1/csidrivers", "CSIDriver", {"spec": {}},
     {"spec": {"attachRequired": True, "podInfoOnMount": False, "storageCapacity": False,
               "fsGroupPolicy": "ReadWriteOnceWithFSType", "volumeLifecycleModes": ["Persistent"],
               "requiresRepublish": False, "seLinuxMount": False}}),
    ("apis/storage.k8s.io/v1/storageclasses", "StorageClass", {"provisioner": "p.example.com"},
     {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}),
    ("apis/" + ADM + "/validatingwebhookconfigurations", "ValidatingWebhookConfiguration", {"webhooks": [HOOK]},
     {"webhooks": [{**HOOK, **HOOK_DEFAULTS, "rules": [{**RULE, "scope": "*"}],
                    "clientConfig": {"service": {"namespace": "ns", "name": "svc", "port": 443}}}]}),
    ("apis/" + ADM + "/mutatingwebhookconfigurations", "MutatingWebhookConfiguration", {"webhooks": [HOOK]},
     {"webhooks": [{**HOOK, **HOOK_DEFAULTS, "reinvocationPolicy": "Never", "rules": [{**RULE, "scope": "*"}],
                    "clientConfig": {"service": {"namespace": "ns", "name": "svc", "port": 443}}}]}),
    ("apis/" + ADM + "/validatingadmissionpolicies", "ValidatingAdmissionPolicy",
     {"spec": {"matchConstraints": {"resourceRules": [RULE]}, "validations": [{"expression": "true"}]}},
     {"spec": {"failurePolicy": "Fail", "matchConstraints": MATCH}}),
    ("apis/" + ADM + "/validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding",
     {"spec": {"policyName": "p", "validationActions": ["Deny"], "matchResources": {"resourceRules": [RULE]}}},
     {"spec": {"matchResources": MATCH}}),
    ("apis/scheduling.k8s.io/v1/priorityclasses", "PriorityClass", {"value": 10},
     {"preemptionPolicy": "PreemptLowerPriority"}),
    ("apis/resource.k8s.io/v1/resourceclaims", "ResourceClaim",
     {"spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "c",
                                                                   "tolerations": [{"key": "k"}]}}]}}},
     {"spec": {"devices": {"requests": [{"name": "r", "exactly": {
         "deviceClassName": "c", "allocationMode": "ExactCount", "count": 1,
         "tolerations": [{"key": "k", "operator": "Equal"}]}}]}}}),
    ("apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", "FlowSchema",
     {"spec": {"priorityLevelConfiguration": {"name": "x"}}}, {"spec": {"matchingPrecedence": 1000}}),
    ("apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", "PriorityLevelConfiguration",
     {"spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {}}}}},
     {"spec": {"limited": {"nominalConcurrencyShares": 30, "lendablePercent": 0, "limitResponse": {
         "type": "Queue", "queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}}}}),
]  # fmt: skip


def _subset(want: Any, have: Any, path: str = "") -> None:
    """Every key of ``want`` is in ``have`` with that value (lists element by element)."""
    if isinstance(want, dict):
        assert isinstance(have, dict), (path, have)
        for key, value in want.items():
            assert key in have, (f"{path}.{key}", have)
            _subset(value, have[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(have, list) and len(have) == len(want), (path, have)
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            _subset(w, h, f"{path}[{i}]")
    else:
        assert want == have, (path, have)


@pytest.mark.parametrize(("path", "kind", "body", "expected"), CASES, ids=[c[1] for c in CASES])
async def test_defaults_land_on_create(api: API, ns: str, path: str, kind: str, body: dict, expected: dict) -> None:
    group_version = path.split("/", 1)[1].rsplit("/", 1)[0]
    plural = path.rsplit("/", 1)[1]
    namespaced = kind in ("LimitRange", "ResourceQuota", "HorizontalPodAutoscaler", "NetworkPolicy", "ResourceClaim")
    root = f"/{path.rsplit('/', 1)[0]}"
    url = f"{root}/namespaces/{ns}/{plural}" if namespaced else f"{root}/{plural}"
    obj = {"apiVersion": group_version, "kind": kind, "metadata": {"name": f"d-{uuid.uuid4().hex[:8]}"}, **body}
    status, created, _ = await api.post(url, obj)
    assert status == 201, created
    _subset(expected, created)
    status, got, _ = await api.get(f"{url}/{obj['metadata']['name']}")
    assert status == 200 and got == created
    await api.delete(f"{url}/{obj['metadata']['name']}")
