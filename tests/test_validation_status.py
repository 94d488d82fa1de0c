"""kube's checks of writes through the status subresource of Jobs, CertificateSigningRequests (and their
approval), FlowSchemas, PriorityLevelConfigurations and ServiceCIDRs: each case creates a valid object, then
patches its status; the answer is compared with the one the reference kube-apiserver 1.36 gave (captured with
tests/validationcapture.py; see tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

GROUPS = ("batch_status", "certificates_status", "status_others")
CASES = [case for group in GROUPS for case in validationcases.load(group)]


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


async def test_csr_status_keeps_the_approval(api: Any) -> None:
    """A CSR's status write keeps the stored Approved condition (kube's status strategy) and stamps the times of
    conditions without them, as the reference did for the same requests."""
    body = next(c for c in validationcases.load("certificates") if c["name"] == "csr-ok")["body"]
    path = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
    merge = {"Content-Type": "application/merge-patch+json"}
    code, _, _ = await api.post(path, body)
    assert code == 201
    try:
        approve = {"status": {"conditions": [{"type": "Approved", "status": "True", "reason": "R"}]}}
        code, approved, _ = await api.request("PATCH", f"{path}/c/approval", approve, headers=merge)
        assert code == 200, approved
        stamped = approved["status"]["conditions"][0]
        assert stamped["lastUpdateTime"] and stamped["lastTransitionTime"] == stamped["lastUpdateTime"]
        conditions = [{"type": "Approved", "status": "True", "reason": "Changed"}, {"type": "X", "status": "True"}]
        code, written, _ = await api.request("PATCH", f"{path}/c/status", {"status": {"conditions": conditions}},
                                             headers=merge)  # fmt: skip
        assert code == 200, written
        kept, added = written["status"]["conditions"]
        assert kept == stamped
        assert added["lastUpdateTime"] and added["lastTransitionTime"]
    finally:
        await api.delete(f"{path}/c")


async def test_pod_status_drops_node_allocatable_claim_statuses(api: Any, ns: str) -> None:
    """kube 1.36 (DRANodeAllocatableResources off) drops a pod status's nodeAllocatableResourceClaimStatuses
    unless the stored status has some: the reference answered 200 without them to the captured case."""
    case = next(c for c in validationcases.load("more") if c["name"] == "pod-status-node-allocatable-claims-dropped")
    base = f"/api/v1/namespaces/{ns}/pods"
    code, _, _ = await api.post(base, case["body"])
    assert code == 201
    try:
        code, pod, _ = await api.request("PATCH", f"{base}/p/status", case["patch"],
                                         headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
        assert code == 200, pod
        assert "nodeAllocatableResourceClaimStatuses" not in pod["status"]
    finally:
        await api.delete(f"{base}/p", {"gracePeriodSeconds": 0})
