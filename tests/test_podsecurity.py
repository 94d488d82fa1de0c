"""PodSecurity admission (apiserver/admission/podsecurity.py) replayed from kube-apiserver 1.36's answers
(tests/podsecurity_scenario.py, tests/fixtures/kube-1.36/podsecurity.json)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiokube.apiserver.admission import podsecurity
from aiokube.apiserver.errors import FieldErrors
from tests.conftest import API, load_fixture
from tests.podsecurity_scenario import FIXTURE, STEPS, fill
from tests.warnings_scenario import parse_warnings

RECORDED = json.loads(FIXTURE.read_text())
METRICS = load_fixture("kube-1.36/podsecurity_metrics.json")


async def test_every_step_answers_as_kube(api: API) -> None:
    """Namespace labels (each mode, level and version; labels that do not parse: 422), pods forbidden at the
    enforce level with every check's text in kube's order, warnings at the warn level for pods and Deployments'
    templates, updates checked only when what runs changes, and a raised enforce level's warnings about the
    namespace's existing pods."""
    suffix = uuid.uuid4().hex[:8]
    before = {k: v[0] for k, v in podsecurity.EVALUATIONS.values.items()}
    try:
        for (name, method, path, body, ctype), want in zip(STEPS, RECORDED, strict=True):
            status, obj, headers = await api.request(
                method, fill(path, suffix), fill(body, suffix), headers={"Content-Type": ctype or "application/json"}
            )
            message = obj.get("message", "") if status >= 300 else ""
            warnings = parse_warnings(headers.getall("Warning", []))
            got = {"name": name, "status": status, "message": message.replace(suffix, "{s}"),
                   "warnings": [w.replace(suffix, "{s}") for w in warnings]}  # fmt: skip
            assert got == want, name
        # pod_security_evaluations_total moved as kube's did over the same steps
        names = podsecurity.EVALUATIONS.labelnames
        moved = [[dict(zip(names, k, strict=True)), float(v[0] - before.get(k, 0))]
                 for k, v in podsecurity.EVALUATIONS.values.items() if v[0] != before.get(k, 0)]  # fmt: skip
        key = json.dumps
        assert sorted(moved, key=key) == sorted(METRICS["evaluations"], key=key)
    finally:
        for key in ("r", "b", "v", "w", "x"):
            await api.delete(f"/api/v1/namespaces/psa{key}-{suffix}")


def test_policy_of_labels() -> None:
    """PolicyToEvaluate: defaults, versions, the warn level following a higher enforce level, and what a label
    that does not parse turns into."""
    assert podsecurity.policy_of({}) == podsecurity.Policy()
    policy = podsecurity.policy_of({"pod-security.kubernetes.io/enforce": "baseline",
                                    "pod-security.kubernetes.io/enforce-version": "v1.25"})  # fmt: skip
    assert (str(policy.enforce), str(policy.warn), str(policy.audit)) == (
        "baseline:v1.25", "baseline:v1.25", "privileged:latest")  # fmt: skip
    errs = FieldErrors()
    policy = podsecurity.policy_of({"pod-security.kubernetes.io/enforce": "x", "pod-security.kubernetes.io/warn": "y",
                                    "pod-security.kubernetes.io/warn-version": "v1.01"}, errs)  # fmt: skip
    assert (policy.enforce.level, policy.warn.level) == ("restricted", "privileged")
    assert [c.field for c in errs.causes] == [
        "metadata.labels[pod-security.kubernetes.io/enforce]", "metadata.labels[pod-security.kubernetes.io/warn]",
        "metadata.labels[pod-security.kubernetes.io/warn-version]"]  # fmt: skip


def test_versions_choose_each_checks_version() -> None:
    """A policy version evaluates each check as it read then: before 1.19 seccomp was checked by annotations,
    before 1.34 probe hosts were not checked, a version past the newest reads as the newest."""
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i", "readinessProbe": {"httpGet": {"host": "h"}}}],
                            "securityContext": {"seccompProfile": {"type": "Unconfined"}}}  # fmt: skip
    reasons = {v: [r for r, _ in podsecurity.violations(podsecurity.LevelVersion("baseline", v), {}, spec)]
               for v in ((1, 18), (1, 33), (1, 34), (1, 99))}  # fmt: skip
    assert reasons == {(1, 18): [], (1, 33): ["seccompProfile"], (1, 34): ["probe or lifecycle host", "seccompProfile"],
                       (1, 99): ["probe or lifecycle host", "seccompProfile"]}  # fmt: skip


def _pod(name: str, owner: str = "", image: str = "nginx") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": owner,
                                    "controller": True}]  # fmt: skip
    return {"metadata": meta, "spec": {"containers": [{"name": "c", "image": image}], "hostNetwork": owner == "net"}}


def test_existing_pod_warnings_group_count_and_stop(monkeypatch: Any) -> None:
    """EvaluatePodsInNamespace: one warning per set of failed checks naming its first pod by name and how many
    others, sorted; at most MAX_PODS_TO_CHECK pods, a controller's second pods last; and a time bound."""
    baseline = podsecurity.LevelVersion("baseline")
    pods = [_pod("z"), _pod("a", "net"), _pod("b", "net"), _pod("c", "net"), _pod("ok")]
    assert podsecurity.existing_pod_warnings("ns", baseline, pods) == [
        'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
        "a (and 2 other pods): host namespaces",
    ]
    restricted = podsecurity.LevelVersion("restricted")
    monkeypatch.setattr(podsecurity, "MAX_PODS_TO_CHECK", 3)
    found = podsecurity.existing_pod_warnings("ns", restricted, pods)
    # checked: z, a (net's first), ok; b and c come after as the same controller's: not checked
    assert found[0] == "new PodSecurity enforce level only checked against the first 3 of 5 existing pods"
    assert [w.split(":")[0] for w in found[2:]] == ["a", "ok (and 1 other pod)"]  # the first by name
    monkeypatch.setattr(podsecurity, "MAX_PODS_TO_CHECK", 3000)
    found = podsecurity.existing_pod_warnings("ns", restricted, pods, seconds=-1)
    assert found[0] == "new PodSecurity enforce level only checked against the first 1 of 5 existing pods"


async def test_raising_enforce_over_many_pods(api: API) -> None:
    """The existing pods of a namespace are checked off the event loop when there are many; the warnings are
    kube's."""
    ns = f"psa-many-{uuid.uuid4().hex[:8]}"
    assert (await api.post("/api/v1/namespaces", {"metadata": {"name": ns}}))[0] == 201
    try:
        for i in range(60):
            body = {"metadata": {"name": f"p{i:02d}"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
            assert (await api.post(f"/api/v1/namespaces/{ns}/pods", body))[0] == 201
        assert (await api.get(f"/api/v1/namespaces/{ns}/pods"))[0] == 200  # a consistent read: the cache caught up
        labels = {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
        status, _, headers = await api.request("PATCH", f"/api/v1/namespaces/{ns}", labels,
                                               headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
        assert status == 200
        assert parse_warnings(headers.getall("Warning", [])) == [
            f'existing pods in namespace "{ns}" violate the new PodSecurity enforce level "restricted:latest"',
            "p00 (and 59 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, "
            "runAsNonRoot != true, seccompProfile",
        ]
    finally:
        await api.delete(f"/api/v1/namespaces/{ns}")
