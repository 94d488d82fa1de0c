"""kube-apiserver's APF configuration ensurer (registry/apfensurer.py), one pass run directly on the test
server (it runs every minute): what a client changes in the bootstrap FlowSchemas and priority levels is
accepted, then put back — the mandatory ones always (the reference reset catch-all's autoupdate-spec annotation
to "true" within a minute of a client setting it "false"), the suggested ones while annotated for auto-update —
deleted ones come back, and leftovers annotated for auto-update go."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.registry import apfensurer

FLOW = "/apis/flowcontrol.apiserver.k8s.io/v1"
MERGE = {"Content-Type": "application/merge-patch+json"}
AUTO = apfensurer.ANNOTATION


async def _patch(api: Any, path: str, body: Any) -> Any:
    code, obj, _ = await api.request("PATCH", f"{FLOW}/{path}", body, headers=MERGE)
    assert code == 200, obj
    return obj


async def _get(api: Any, path: str) -> Any:
    code, obj, _ = await api.get(f"{FLOW}/{path}")
    assert code == 200, obj
    return obj


async def test_mandatory_objects_are_put_back(api: Any, server: Any) -> None:
    await _patch(api, "flowschemas/catch-all", {"metadata": {"annotations": {AUTO: "false"}}})
    exempt = await _patch(
        api, "prioritylevelconfigurations/exempt", {"spec": {"exempt": {"nominalConcurrencyShares": 5}}}
    )
    assert exempt["spec"]["exempt"]["nominalConcurrencyShares"] == 5
    await apfensurer.ensure(server.generic)
    assert (await _get(api, "flowschemas/catch-all"))["metadata"]["annotations"][AUTO] == "true"
    exempt = await _get(api, "prioritylevelconfigurations/exempt")
    assert exempt["spec"]["exempt"]["nominalConcurrencyShares"] == 5  # the exempt level's spec.exempt is free
    await _patch(api, "prioritylevelconfigurations/exempt", {"spec": {"exempt": {"nominalConcurrencyShares": 0}}})


async def test_suggested_objects_follow_their_annotation(api: Any, server: Any) -> None:
    path = "prioritylevelconfigurations/workload-low"
    original = (await _get(api, path))["spec"]["limited"]["nominalConcurrencyShares"]
    await _patch(api, path, {"spec": {"limited": {"nominalConcurrencyShares": 7}}})
    await apfensurer.ensure(server.generic)
    assert (await _get(api, path))["spec"]["limited"]["nominalConcurrencyShares"] == original
    await _patch(
        api, path, {"metadata": {"annotations": {AUTO: "false"}}, "spec": {"limited": {"nominalConcurrencyShares": 7}}}
    )
    await apfensurer.ensure(server.generic)
    kept = await _get(api, path)
    assert kept["spec"]["limited"]["nominalConcurrencyShares"] == 7 and kept["metadata"]["annotations"][AUTO] == "false"
    await _patch(api, path, {"metadata": {"annotations": {AUTO: "true"}}})
    await apfensurer.ensure(server.generic)
    assert (await _get(api, path))["spec"]["limited"]["nominalConcurrencyShares"] == original


async def test_deleted_objects_come_back_and_leftovers_go(api: Any, server: Any) -> None:
    code, _, _ = await api.delete(f"{FLOW}/flowschemas/probes")
    assert code == 200
    rule = {"subjects": [{"kind": "User", "user": {"name": "nobody-at-all"}}],
            "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/nowhere"]}]}  # fmt: skip
    leftover = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
                "spec": {"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 9000,
                         "rules": [rule]}}  # fmt: skip
    for name, marks in (("leftover", {AUTO: "true"}), ("users-own", {})):
        code, body, _ = await api.post(
            f"{FLOW}/flowschemas", {**leftover, "metadata": {"name": name, "annotations": marks}}
        )
        assert code == 201, body
    await apfensurer.ensure(server.generic)
    probes = await _get(api, "flowschemas/probes")
    assert probes["metadata"]["annotations"][AUTO] == "true"
    assert [c["type"] for c in probes["status"]["conditions"]] == ["Dangling"]
    assert (await api.get(f"{FLOW}/flowschemas/leftover"))[0] == 404
    assert (await api.get(f"{FLOW}/flowschemas/users-own"))[0] == 200
    await api.delete(f"{FLOW}/flowschemas/users-own")
