"""kube's field validation of the rarer pod fields (sysctls, Windows options and HostProcess, host aliases, the OS
rules, resource claims), pod status updates (container state transitions, resource claim statuses, reported
users), Nodes' status, and the status subresources of Services, Namespaces, ReplicationControllers, quotas,
PVCs, HPAs and Ingresses: bad objects sent over HTTP get the 422 Status (message, causes) the reference
kube-apiserver 1.36 answered for the same requests (captured from it; see tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

CASES = validationcases.load("more")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


async def test_node_config_source_is_dropped(api: Any) -> None:
    """kube 1.36 drops the removed dynamic kubelet configuration's spec.configSource on create and on updates of
    a node that has none."""
    body = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "cfg-node"},
            "spec": {"configSource": {"configMap": {"name": "x"}}}, "status": {"config": {"active": {}}}}  # fmt: skip
    code, created, _ = await api.post("/api/v1/nodes", body)
    assert code == 201, created
    try:
        assert "configSource" not in created.get("spec", {})
        assert "config" not in created.get("status", {})
        code, patched, _ = await api.request(
            "PATCH", "/api/v1/nodes/cfg-node", {"spec": {"configSource": {"configMap": {"name": "y"}}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )  # fmt: skip
        assert code == 200, patched
        assert "configSource" not in patched.get("spec", {})
    finally:
        await api.delete("/api/v1/nodes/cfg-node")
