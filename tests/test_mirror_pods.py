"""The annotations kube validates as part of a pod (mirror pods, deletion cost), replayed from kube-apiserver
1.36's answers (tests/fixtures/kube-1.36/mirror_pods.json): static pods need a node and take no resource claims
(one Forbidden per claim), the mirror annotation is never added, changed or removed, a deletion cost is an
int32 — on an update kube runs those checks twice, and both sets of causes are there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import API, load_fixture

CASES: dict[str, Any] = load_fixture("kube-1.36/mirror_pods.json")


@pytest.mark.parametrize("name", sorted(CASES["creates"]))
async def test_creates(api: API, ns: str, name: str) -> None:
    case = CASES["creates"][name]
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", case["request"], params={"dryRun": "All"})
    assert status == case["code"], body
    if case["status"] is not None:
        assert body == case["status"]


async def test_updates(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/pods"
    for name, pod_annotations, node in (("plain", {}, None), ("static", {"kubernetes.io/config.mirror": "x"}, "n1")):
        spec: dict[str, Any] = {"containers": [{"name": "c", "image": "x"}], **({"nodeName": node} if node else {})}
        pod = {"metadata": {"name": name, "annotations": pod_annotations}, "spec": spec}
        status, body, _ = await api.post(base, pod)
        assert status == 201, body
    for name, case in CASES["patches"].items():
        status, body, _ = await api.request(
            "PATCH", f"{base}/{case['target']}", case["patch"], params={"dryRun": "All"},
            headers={"Content-Type": "application/merge-patch+json"},
        )  # fmt: skip
        assert (name, status) == (name, case["code"]), body
        assert body == case["status"], name


async def test_a_remembered_verdict_does_not_cover_a_mirror_pod(api: API, ns: str) -> None:
    """The pod validator's memo (registry/validation/verdicts.py) keys by the annotations it reads too: the same
    spec, valid for a plain pod, is refused for a mirror pod right after."""
    spec = {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}],
            "resourceClaims": [{"name": "a", "resourceClaimName": "c"}]}  # fmt: skip
    base = f"/api/v1/namespaces/{ns}/pods"
    for _ in range(2):
        status, body, _ = await api.post(base, {"metadata": {"name": "p"}, "spec": spec}, params={"dryRun": "All"})
        assert status == 201, body
    mirror = {"name": "p", "annotations": {"kubernetes.io/config.mirror": "x"}}
    status, body, _ = await api.post(base, {"metadata": mirror, "spec": spec}, params={"dryRun": "All"})
    assert status == 422, body
    assert body["message"] == 'Pod "p" is invalid: []: Forbidden: static pods do not support resource claims'
