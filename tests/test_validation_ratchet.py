"""kube's update ratchets: an update may keep what the stored object already had, though a create of it is
refused. A stored pod (or pod template) with a sysctl of a namespace it shares with the host (written before
kube checked that, or by another server) keeps being updatable, and may keep or add such sysctls
(GetValidationOptionsFromPodSpecAndMeta's AllowNamespacedSysctlsForHostNetAndHostIPC). The reference cannot
hold such an object, so the stored one is written into etcd directly here."""

from __future__ import annotations

import copy
from typing import Any

from aiokube.storage.store import Store

MERGE = {"Content-Type": "application/merge-patch+json"}
HOST_SYSCTL = {"name": "net.ipv4.ip_forward", "value": "1"}


def _with_host_sysctl(obj: dict[str, Any], *spec_path: str) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    spec = out
    for key in spec_path:
        spec = spec.setdefault(key, {})
    spec.setdefault("securityContext", {})["sysctls"] = [HOST_SYSCTL]
    return out


async def test_stored_pod_with_a_host_sysctl_stays_updatable(api: Any, ns: str, store: Store) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hostnet"},
           "spec": {"hostNetwork": True, "containers": [{"name": "c", "image": "busybox"}]}}  # fmt: skip
    base = f"/api/v1/namespaces/{ns}/pods"
    code, body, _ = await api.post(base, _with_host_sysctl(pod, "spec"))
    assert code == 422, body
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.securityContext.sysctls[0].name"]
    code, body, _ = await api.post(base, pod)
    assert code == 201, body
    await store.guaranteed_update(f"/registry/pods/{ns}/hostnet", lambda cur: _with_host_sysctl(cur, "spec"))
    code, body, _ = await api.request("PATCH", f"{base}/hostnet", {"metadata": {"labels": {"a": "b"}}}, headers=MERGE)
    assert code == 200, body
    assert body["spec"]["securityContext"]["sysctls"] == [HOST_SYSCTL]
    await api.delete(f"{base}/hostnet", {"gracePeriodSeconds": 0})


async def test_stored_template_with_a_host_sysctl_may_keep_it(api: Any, ns: str, store: Store) -> None:
    labels = {"app": "x"}
    template = {"metadata": {"labels": labels},
                "spec": {"hostNetwork": True, "containers": [{"name": "c", "image": "busybox"}]}}  # fmt: skip
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hostnet"},
                  "spec": {"selector": {"matchLabels": labels}, "template": template}}  # fmt: skip
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    code, body, _ = await api.post(base, deployment)
    assert code == 201, body
    annotate = {"spec": {"template": {"metadata": {"annotations": {"a": "b"}}}}}
    added = _with_host_sysctl(annotate, "spec", "template", "spec")
    code, body, _ = await api.request("PATCH", f"{base}/hostnet", added, headers=MERGE)
    assert code == 422, body  # the stored template has none: adding one is refused
    await store.guaranteed_update(
        f"/registry/deployments/{ns}/hostnet", lambda cur: _with_host_sysctl(cur, "spec", "template", "spec")
    )
    code, body, _ = await api.request("PATCH", f"{base}/hostnet", annotate, headers=MERGE)
    assert code == 200, body
    assert body["spec"]["template"]["spec"]["securityContext"]["sysctls"] == [HOST_SYSCTL]
    await api.delete(f"{base}/hostnet")
