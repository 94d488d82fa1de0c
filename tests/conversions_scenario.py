"""A conversation with the API server about the resources served in two versions over one storage (core/v1 and
events.k8s.io/v1 Events, autoscaling/v2 and v1 HPAs): each step written in one version and read in the other.

``tests/fixtures/kube-1.36/conversions.json`` holds a real kube-apiserver 1.36's answers to these steps
(normalized by :func:`normalize`); tests/test_conversions.py replays them against aiokube. To record again,
against the reference server of ../shared/kube-reference::

    python -m tests.conversions_scenario https://127.0.0.1:16443 anchor-token \
        > tests/fixtures/kube-1.36/conversions.json
"""

from __future__ import annotations

import copy
import json
import ssl
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

NS = "{ns}"
EV = f"/api/v1/namespaces/{NS}/events"
EV1 = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"
H1 = f"/apis/autoscaling/v1/namespaces/{NS}/horizontalpodautoscalers"
H2 = f"/apis/autoscaling/v2/namespaces/{NS}/horizontalpodautoscalers"
MERGE = {"Content-Type": "application/merge-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}
TARGET = {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}

_HPA_METRICS = [
    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
    {"type": "External", "external": {"metric": {"name": "queue", "selector": {"matchLabels": {"q": "a"}}},
                                      "target": {"type": "Value", "value": "30"}}},
    {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main",
                                                      "apiVersion": "networking.k8s.io/v1"},
                                  "metric": {"name": "rps"}, "target": {"type": "Value", "value": "2k"}}},
    {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "target": {
        "type": "Utilization", "averageUtilization": 70}}},
]  # fmt: skip
_HPA_STATUS = {
    "observedGeneration": 1, "lastScaleTime": "2024-01-01T00:00:00Z", "currentReplicas": 3, "desiredReplicas": 4,
    "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "250m",
                                                                     "averageUtilization": 55}}},
        {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "12"}}},
        {"type": "External", "external": {"metric": {"name": "queue"},
                                          "current": {"value": "31", "averageValue": "3"}}},
        {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main",
                                                          "apiVersion": "networking.k8s.io/v1"},
                                      "metric": {"name": "rps"}, "current": {"value": "2100"}}},
        {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "current": {
            "averageValue": "100m", "averageUtilization": 40}}},
    ],
    "conditions": [
        {"type": "AbleToScale", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z",
         "reason": "ReadyForNewScale", "message": "ok"},
        {"type": "ScalingActive", "status": "False", "lastTransitionTime": "2024-01-01T00:00:01Z",
         "reason": "FailedGetResourceMetric"},
    ],
}  # fmt: skip

#: (name, method, path, body, headers); a body {"$from": step, "$set": {...}, "$drop": [...]} is that step's
#: answer with top-level/metadata keys set ("metadata.labels") and removed (managedFields before a PUT)
STEPS: list[tuple[str, str, str, Any, dict[str, str]]] = [
    # --- Events: one storage, two versions ---------------------------------------------------------------
    ("core-create", "POST", EV, {
        "metadata": {"name": "core1", "labels": {"app": "web"}},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": NS, "uid": "u1", "apiVersion": "v1",
                           "fieldPath": "spec"},
        "reason": "Started", "message": "hello", "source": {"component": "kubelet", "host": "n1"},
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:01:00Z", "count": 3,
        "type": "Normal"}, {}),
    ("core-as-v1", "GET", f"{EV1}/core1", None, {}),
    ("v1-create", "POST", EV1, {
        "metadata": {"name": "new1"}, "eventTime": "2024-01-01T00:00:00.123456Z",
        "series": {"count": 2, "lastObservedTime": "2024-01-01T00:00:05.000001Z"},
        "reportingController": "example.com/ctl", "reportingInstance": "ctl-1", "action": "Scale", "reason": "Scaled",
        "regarding": {"kind": "Deployment", "name": "d", "namespace": NS}, "related": {"kind": "Pod", "name": "p2"},
        "note": "scaled up", "type": "Warning"}, {}),
    ("v1-as-core", "GET", f"{EV}/new1", None, {}),
    ("v1-list", "GET", EV1, None, {}),
    ("core-list", "GET", EV, None, {}),
    ("v1-list-regarding", "GET", f"{EV1}?fieldSelector=regarding.name%3Dd,reportingController%3Dexample.com/ctl",
     None, {}),
    ("v1-list-type", "GET", f"{EV1}?fieldSelector=type%3DNormal", None, {}),
    ("v1-list-labels", "GET", f"{EV1}?labelSelector=app%3Dweb", None, {}),
    ("v1-selector-source", "GET", f"{EV1}?fieldSelector=source%3Dkubelet", None, {}),
    ("core-selector-regarding", "GET", f"{EV}?fieldSelector=regarding.name%3Dd", None, {}),
    ("v1-not-found", "GET", f"{EV1}/nope", None, {}),
    ("v1-invalid-empty", "POST", EV1, {"metadata": {"name": "bad1"}}, {}),
    ("v1-invalid-note-series", "POST", EV1, {
        "metadata": {"name": "bad2"}, "eventTime": "2024-01-01T00:00:00.123456Z", "reason": "R", "action": "A",
        "reportingController": "c", "reportingInstance": "i", "note": "x" * 1100, "type": "Normal",
        "series": {"count": 1}}, {}),
    ("v1-invalid-deprecated", "POST", EV1, {
        "metadata": {"name": "bad3"}, "eventTime": "2024-01-01T00:00:00.123456Z", "regarding": {"namespace": NS},
        "type": "Normal", "deprecatedSource": {"component": "x"}, "deprecatedCount": 2,
        "deprecatedFirstTimestamp": "2024-01-01T00:00:00Z", "reportingInstance": "i" * 130}, {}),
    ("v1-invalid-name", "POST", EV1, {
        "metadata": {"name": "Foo_bar"}, "eventTime": "2024-01-01T00:00:00.123456Z", "reason": "R", "action": "A",
        "reportingController": "c", "reportingInstance": "i", "type": "Normal", "regarding": {"namespace": NS}}, {}),
    ("core-path-name", "POST", EV, {"metadata": {"name": "Foo_bar"}, "involvedObject": {"namespace": NS}}, {}),
    ("core-invalid-new-style", "POST", EV, {
        "metadata": {"name": "x1"}, "involvedObject": {"namespace": "other"},
        "eventTime": "2024-01-01T00:00:00.123456Z",
        "reportingComponent": "bad name!"}, {}),
    ("core-invalid-namespace", "POST", EV, {"metadata": {"name": "x2"}, "involvedObject": {"namespace": "other"}}, {}),
    ("v1-get-new1", "GET", f"{EV1}/new1", None, {}),
    ("v1-update-immutable", "PUT", f"{EV1}/new1", {"$from": "v1-get-new1", "$set": {
        "note": "changed", "regarding": {"kind": "Deployment", "name": "other", "namespace": NS},
        "eventTime": "2024-01-01T00:00:01.000000Z", "deprecatedCount": 5,
        "series": {"count": 3, "lastObservedTime": "2024-01-02T00:00:00.000000Z"}}}, {}),
    ("v1-update-series", "PUT", f"{EV1}/new1?fieldManager=series", {"$from": "v1-get-new1", "$set": {
        "series": {"count": 3, "lastObservedTime": "2024-01-02T00:00:00.000000Z"}, "metadata.labels": {"s": "3"}},
        "$drop": ["metadata.managedFields"]}, {}),
    ("core-patch-drops-v1-managers", "PATCH", f"{EV}/new1?fieldManager=core",
     {"metadata": {"labels": {"b": "2"}}, "message": "m2"}, MERGE),
    ("v1-patch-drops-core-managers", "PATCH", f"{EV1}/new1?fieldManager=e2", {"metadata": {"labels": {"c": "3"}}},
     MERGE),
    ("v1-apply", "PATCH", f"{EV1}/new1?fieldManager=applier",
     {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "new1", "labels": {"applied": "yes"}}},
     APPLY),
    ("v1-delete", "DELETE", f"{EV1}/core1", None, {}),
    ("v1-delete-collection-dry", "DELETE", f"{EV1}?fieldSelector=reportingController%3Dexample.com/ctl&dryRun=All",
     None, {}),
    # --- HPAs: autoscaling/v1 over autoscaling/v2 ----------------------------------------------------------
    ("hpa-v1-create", "POST", H1, {"metadata": {"name": "h1"}, "spec": {
        "scaleTargetRef": TARGET, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}}, {}),
    ("hpa-v1-as-v2", "GET", f"{H2}/h1", None, {}),
    ("hpa-v2-create", "POST", H2, {
        "metadata": {"name": "h2", "annotations": {"keep": "me", "autoscaling.alpha.kubernetes.io/metrics": "junk"}},
        "spec": {"scaleTargetRef": TARGET, "minReplicas": 2, "maxReplicas": 5, "metrics": _HPA_METRICS, "behavior": {
            "scaleDown": {"stabilizationWindowSeconds": 120,
                          "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}}},
     {}),
    ("hpa-v2-as-v1", "GET", f"{H1}/h2", None, {}),
    ("hpa-v2-get", "GET", f"{H2}/h2", None, {}),
    ("hpa-v2-status", "PUT", f"{H2}/h2/status", {"$from": "hpa-v2-get", "$set": {"status": _HPA_STATUS},
                                                 "$drop": ["metadata.managedFields"]}, {}),
    ("hpa-status-as-v1", "GET", f"{H1}/h2", None, {}),
    ("hpa-v1-status-subresource", "GET", f"{H1}/h2/status", None, {}),
    ("hpa-v1-round-trip", "PUT", f"{H1}/h2?fieldManager=v1put", {"$from": "hpa-status-as-v1", "$set": {
        "spec": {"scaleTargetRef": TARGET, "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 65},
        "metadata.labels": {"x": "y"}}, "$drop": ["metadata.managedFields"]}, {}),
    ("hpa-v2-after-v1-put", "GET", f"{H2}/h2", None, {}),
    ("hpa-v1-create-default-cpu", "POST", H1, {"metadata": {"name": "h3", "annotations": {
        "autoscaling.alpha.kubernetes.io/metrics": "junk",
        "autoscaling.alpha.kubernetes.io/conditions": '[{"type":"AbleToScale","status":"True"}]'}},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 5}}, {}),
    ("hpa-default-cpu-as-v2", "GET", f"{H2}/h3", None, {}),
    ("hpa-v1-annotated-create", "POST", H1, {"metadata": {"name": "h4", "annotations": {
        "autoscaling.alpha.kubernetes.io/metrics":
            '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}},'
            '{"type":"Object","object":{"target":{"kind":"Service","name":"s"},"metricName":"m","targetValue":"0",'
            '"averageValue":"5"}},{"type":"External","external":{"metricName":"e","targetAverageValue":"2"}}]',
        "autoscaling.alpha.kubernetes.io/behavior":
            '{"ScaleUp":{"SelectPolicy":"Disabled","Policies":[{"Type":"Pods","Value":2,"PeriodSeconds":30}]},'
            '"ScaleDown":null}'}},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 4, "targetCPUUtilizationPercentage": 90}}, {}),
    ("hpa-annotated-as-v2", "GET", f"{H2}/h4", None, {}),
    # annotations json.Unmarshal rejects are ignored; it matches the internal type's untagged names in any case
    ("hpa-v1-bad-annotations", "POST", H1, {"metadata": {"name": "h5", "annotations": {
        "autoscaling.alpha.kubernetes.io/metrics": '[{"type":"Pods","pods":{"metricName":5}}]',
        "autoscaling.alpha.kubernetes.io/behavior": '{"ScaleUp":{"StabilizationWindowSeconds":"x"}}',
        "autoscaling.alpha.kubernetes.io/current-metrics": "{}"}},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 3}}, {}),
    ("hpa-bad-annotations-as-v2", "GET", f"{H2}/h5", None, {}),
    ("hpa-v1-any-case-behavior", "POST", H1, {"metadata": {"name": "h6", "annotations": {
        "autoscaling.alpha.kubernetes.io/behavior":
            '{"scaleup":{"selectpolicy":"Min","policies":[{"type":"Pods","value":3,"periodSeconds":20}]}}',
        "autoscaling.alpha.kubernetes.io/metrics":
            '[{"type":"Pods","pods":{"metricName":"a","targetAverageValue":7}}]'}},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 3}}, {}),
    ("hpa-any-case-as-v2", "GET", f"{H2}/h6", None, {}),
    ("hpa-v1-m1", "POST", f"{H1}?fieldManager=a", {"metadata": {"name": "m1", "labels": {"l": "1"}}, "spec": {
        "scaleTargetRef": TARGET, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}}, {}),
    ("hpa-v2-m1", "GET", f"{H2}/m1", None, {}),
    ("hpa-v2-put-strips-v1-owner", "PUT", f"{H2}/m1?fieldManager=b", {"$from": "hpa-v2-m1", "$set": {
        "spec": {"scaleTargetRef": TARGET, "minReplicas": 1, "maxReplicas": 6, "metrics": [{"type": "Resource",
                 "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 55}}}]},
        "metadata.labels": {"l": "2"}}, "$drop": ["metadata.managedFields"]}, {}),
    ("hpa-v1-apply-conflict", "PATCH", f"{H1}/m1?fieldManager=app", {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "m1"},
        "spec": {"maxReplicas": 9, "targetCPUUtilizationPercentage": 70}}, APPLY),
    ("hpa-v1-apply-forced", "PATCH", f"{H1}/m1?fieldManager=app&force=true", {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "m1"},
        "spec": {"maxReplicas": 9, "targetCPUUtilizationPercentage": 70}}, APPLY),
    ("hpa-v1-merge-patch", "PATCH", f"{H1}/m1", {"spec": {"targetCPUUtilizationPercentage": 40}}, MERGE),
    ("hpa-v1-list", "GET", H1, None, {}),
    ("hpa-v1-delete", "DELETE", f"{H1}/h1", None, {}),
]  # fmt: skip

_VOLATILE = ("uid", "resourceVersion", "creationTimestamp", "time")
#: the field manager of writes without ?fieldManager (the User-Agent's product)
USER_AGENT = "conversions-test/1.0"


def normalize(value: Any, ns: str) -> Any:
    """A response without what differs between runs: uids, resourceVersions, timestamps the server set, the
    namespace's name."""
    if isinstance(value, dict):
        return {k: ("<set>" if k in _VOLATILE and isinstance(v, str) and v else normalize(v, ns))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [normalize(v, ns) for v in value]
    if isinstance(value, str):
        return value.replace(ns, NS)
    return value


def request_body(body: Any, answers: dict[str, Any], ns: str) -> Any:
    """The body to send: a literal (with the namespace filled in) or an earlier answer, amended."""
    if isinstance(body, dict) and "$from" in body:
        out = copy.deepcopy(answers[body["$from"]])
        for key, value in body.get("$set", {}).items():
            target, _, leaf = key.rpartition(".")
            (out[target] if target else out)[leaf] = json.loads(json.dumps(value).replace(NS, ns))
        for key in body.get("$drop", []):
            target, _, leaf = key.rpartition(".")
            (out[target] if target else out).pop(leaf, None)
        return out
    return json.loads(json.dumps(body).replace(NS, ns))


def _record(base: str, token: str) -> list[dict[str, Any]]:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ns = f"conv-{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "User-Agent": USER_AGENT}

    def call(method: str, path: str, body: Any, extra: dict[str, str]) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method, headers={**headers, **extra})
        try:
            with urllib.request.urlopen(req, context=ctx) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    call("POST", "/api/v1/namespaces", {"metadata": {"name": ns}}, {})
    answers: dict[str, Any] = {}
    out = []
    for name, method, path, body, extra in STEPS:
        status, answer = call(method, path.replace(NS, ns), request_body(body, answers, ns), extra)
        answers[name] = answer
        out.append({"name": name, "status": status, "response": normalize(answer, ns)})
    return out


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    json.dump(_record(base, token), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
