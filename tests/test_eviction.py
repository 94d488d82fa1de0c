"""pods/NAME/eviction as kube 1.36's EvictionREST answers it (no disruption controller runs: PDB status is
what clients write, as with a kube-apiserver without kube-controller-manager)."""

from __future__ import annotations

from aiokube.encoding import protobuf
from tests.conftest import API

PB = "application/vnd.kubernetes.protobuf"


def _eviction(name: str, **extra: object) -> dict:
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}, **extra}


async def _running_pod(api: API, ns: str, name: str) -> None:
    pod = {"metadata": {"name": name, "labels": {"app": "web"}},
           "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "busybox"}]}}  # fmt: skip
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    body["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    status, body, _ = await api.put(f"/api/v1/namespaces/{ns}/pods/{name}/status", body)
    assert status == 200, body


async def test_pending_pods_are_evicted_at_once(api: API, ns: str) -> None:
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/p/eviction", _eviction("p"))
    assert status == 201 and body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                      "code": 201}  # fmt: skip
    status, _, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert status == 404
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/p/eviction", _eviction("other"))
    assert status == 400 and body["message"] == "name in URL does not match name in Eviction object"
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/gone/eviction", _eviction("gone"))
    assert status == 404 and body["message"] == 'pods "gone" not found'


async def test_the_disruption_budget_decides(api: API, ns: str) -> None:
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    for name in ("a", "b"):
        await _running_pod(api, ns, name)
    pdbs = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    pdb = {"metadata": {"name": "web"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}
    status, pdb, _ = await api.post(pdbs, pdb)
    assert status == 201

    # nobody computed the budget yet: kube's "still being processed", retry in 10 s
    status, body, headers = await api.post(f"/api/v1/namespaces/{ns}/pods/a/eviction", _eviction("a"))
    assert status == 429 and body["reason"] == "TooManyRequests" and headers["Retry-After"] == "10"
    assert body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    processing = "The disruption budget web is still being processed by the server."
    assert body["details"]["causes"] == [{"reason": "DisruptionBudget", "message": processing}]

    pdb["status"] = {"observedGeneration": 1, "disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1,
                     "expectedPods": 2}  # fmt: skip
    status, pdb, _ = await api.put(f"{pdbs}/web/status", pdb)
    assert status == 200, pdb
    # one disruption allowed: taken (recorded in the budget), the pod marked and deleted gracefully (it has a node)
    evict = protobuf.encode_object(_eviction("a"))
    status, body, _ = await api.request("POST", f"/api/v1/namespaces/{ns}/pods/a/eviction", data=evict,
                                        headers={"Content-Type": PB, "Accept": "application/json"})  # fmt: skip
    assert status == 201, body
    _, pdb, _ = await api.get(f"{pdbs}/web")
    assert pdb["status"]["disruptionsAllowed"] == 0 and list(pdb["status"]["disruptedPods"]) == ["a"]
    _, pod, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/a")
    assert pod["metadata"]["deletionTimestamp"]
    target = next(c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert target["reason"] == "EvictionByEvictionAPI" and target["message"] == "Eviction API: evicting"

    # none left
    status, body, headers = await api.post(f"/api/v1/namespaces/{ns}/pods/b/eviction", _eviction("b"))
    assert status == 429 and "Retry-After" not in headers
    assert body["details"]["causes"][0]["message"] == "The disruption budget web does not allow evicting pods currently"
    pdb["status"] = {**pdb["status"], "currentHealthy": 1}
    await api.put(f"{pdbs}/web/status", pdb)
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/b/eviction", _eviction("b"))
    assert (
        body["details"]["causes"][0]["message"] == "The disruption budget web needs 1 healthy pods and has 1 currently"
    )

    # two budgets for one pod: kube's 500
    await api.post(pdbs, {"metadata": {"name": "also"}, "spec": {"maxUnavailable": 1, "selector": {}}})
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/b/eviction", _eviction("b"))
    assert status == 500 and body["message"].startswith("This pod has more than one PodDisruptionBudget")
