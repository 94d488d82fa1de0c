"""The garbage collector (apiserver/controllers.py) over real HTTP: a deleted owner's dependents go
(background), lose their ownerReference (orphan), or go first (foreground), as kube's collector does."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.conftest import API


async def _owner_and_dependents(api: API, ns: str, n: int = 3) -> tuple[dict[str, Any], list[str]]:
    status, owner, _ = await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "owner"}})
    assert status == 201, owner
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    names = []
    for i in range(n):
        status, dep, _ = await api.post(
            f"/api/v1/namespaces/{ns}/secrets", {"metadata": {"name": f"dep-{i}", "ownerReferences": [ref]}}
        )
        assert status == 201, dep
        names.append(f"dep-{i}")
    # one with two owners, one of them alive: it must survive the first owner
    status, other, _ = await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "other"}})
    other_ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": other["metadata"]["uid"]}
    status, _, _ = await api.post(
        f"/api/v1/namespaces/{ns}/secrets", {"metadata": {"name": "shared", "ownerReferences": [ref, other_ref]}}
    )
    assert status == 201
    return owner, names


async def _eventually(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _exists(api: API, path: str) -> bool:
    status, _, _ = await api.get(path)
    return status == 200


async def test_background_deletion_removes_dependents_but_not_shared_ones(api: API, ns: str) -> None:
    _, names = await _owner_and_dependents(api, ns)
    status, _, _ = await api.delete(f"/api/v1/namespaces/{ns}/configmaps/owner")
    assert status == 200

    async def gone() -> bool:
        return not any([await _exists(api, f"/api/v1/namespaces/{ns}/secrets/{n}") for n in names])

    await _eventually(gone)
    assert await _exists(api, f"/api/v1/namespaces/{ns}/secrets/shared")


async def test_orphan_deletion_keeps_dependents_without_the_reference(api: API, ns: str) -> None:
    _, names = await _owner_and_dependents(api, ns)
    status, body, _ = await api.delete(f"/api/v1/namespaces/{ns}/configmaps/owner", {"propagationPolicy": "Orphan"})
    assert status == 200, body

    async def owner_gone() -> bool:
        return not await _exists(api, f"/api/v1/namespaces/{ns}/configmaps/owner")

    await _eventually(owner_gone)
    for n in names:
        status, dep, _ = await api.get(f"/api/v1/namespaces/{ns}/secrets/{n}")
        assert status == 200 and "ownerReferences" not in dep["metadata"], dep


async def test_foreground_deletion_removes_dependents_first(api: API, ns: str) -> None:
    _, names = await _owner_and_dependents(api, ns)
    status, body, _ = await api.delete(
        f"/api/v1/namespaces/{ns}/configmaps/owner", {"propagationPolicy": "Foreground"}
    )
    assert status == 200 and "foregroundDeletion" in body["metadata"]["finalizers"], body

    async def owner_gone() -> bool:
        return not await _exists(api, f"/api/v1/namespaces/{ns}/configmaps/owner")

    await _eventually(owner_gone)
    for n in names:
        assert not await _exists(api, f"/api/v1/namespaces/{ns}/secrets/{n}")
    assert await _exists(api, f"/api/v1/namespaces/{ns}/secrets/shared")
