"""DRA admin access: a claim or claim template asking for it, or a claim's status granting it, outside a namespace
labelled ``resource.kubernetes.io/admin-access: "true"`` gets the reference kube-apiserver 1.36's 422
(tests/validationcases.py); inside one, it is stored."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from aiokube.apiserver.registry import draadmin
from tests import validationcases
from tests.conftest import API

CASES = validationcases.load("resource_admin_access")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


async def test_a_labelled_namespace_may_ask_for_admin_access(api: API) -> None:
    ns = f"t-admin-{uuid.uuid4().hex[:8]}"
    status, _, _ = await api.post("/api/v1/namespaces", {"metadata": {"name": ns, "labels": {draadmin.LABEL: "true"}}})
    assert status == 201
    claim = next(c for c in CASES if c["name"] == "claim-admin-access-unlabelled-namespace")["body"]
    path = f"/apis/resource.k8s.io/v1/namespaces/{ns}/resourceclaims"
    status, created, _ = await api.post(path, claim)
    assert status == 201, created
    grant = next(c for c in CASES if c["name"] == "claim-status-grants-admin-access")["patch"]
    status, updated, _ = await api.request(
        "PATCH", f"{path}/{claim['metadata']['name']}/status", data=orjson.dumps(grant),
        headers={"Content-Type": "application/merge-patch+json"},
    )  # fmt: skip
    assert status == 200, updated
    assert updated["status"]["allocation"]["devices"]["results"][0]["adminAccess"] is True
    await api.delete(f"/api/v1/namespaces/{ns}")
