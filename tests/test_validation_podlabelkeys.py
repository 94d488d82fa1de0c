"""Pod affinity terms' and topology spread constraints' matchLabelKeys/mismatchLabelKeys: merged into their
selectors when a pod is created, and validated as kube validates them (captured answers:
tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests import validationcases
from tests.conftest import API

CASES = validationcases.load("podlabelkeys")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


async def test_label_keys_become_selector_requirements_on_create(api: API, ns: str) -> None:
    """The stored selectors are those the reference stored for the same pod."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    term = {"labelSelector": {"matchLabels": {"app": "x"}}, "topologyKey": "zone", "matchLabelKeys": ["ver"],
            "mismatchLabelKeys": ["app"]}  # fmt: skip
    spread = {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
              "labelSelector": {"matchLabels": {"app": "x"}}, "matchLabelKeys": ["ver"]}  # fmt: skip
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "mlk", "labels": {"app": "x", "ver": "1"}},
           "spec": {"containers": [{"name": "c", "image": "i"}],
                    "affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}},
                    "topologySpreadConstraints": [spread]}}  # fmt: skip
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    stored = created["spec"]["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    ver_in = {"key": "ver", "operator": "In", "values": ["1"]}
    app_not_in = {"key": "app", "operator": "NotIn", "values": ["x"]}
    assert stored["labelSelector"] == {"matchLabels": {"app": "x"}, "matchExpressions": [ver_in, app_not_in]}
    spread_selector = created["spec"]["topologySpreadConstraints"][0]["labelSelector"]
    assert spread_selector == {"matchLabels": {"app": "x"}, "matchExpressions": [ver_in]}
    # an update leaves them as they are (the merge is the create's)
    status, updated, _ = await api.request(
        "PATCH", f"/api/v1/namespaces/{ns}/pods/mlk", data=orjson.dumps({"metadata": {"labels": {"ver": "2"}}}),
        headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert status == 200, updated
    assert updated["spec"] == created["spec"]
