"""The pod annotations kube validates: the deprecated seccomp and AppArmor annotations' values and, on create,
their agreement with the profile fields; the tolerations annotation as Go decodes it. Each case's Status is the
reference kube-apiserver 1.36's for the same request (tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from aiokube.apiserver.registry import podapparmor
from tests import validationcases
from tests.conftest import API

CASES = validationcases.load("podannotations")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


async def test_apparmor_annotations_become_fields_on_create(api: API, ns: str) -> None:
    """What the reference stored for the same pods: a container's annotation becomes its field unless the pod's
    profile already says it or the container has one; a localhost name kube's field would refuse is not copied."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    key = podapparmor.APPARMOR_PREFIX
    annotations = {key + "a": "runtime/default", key + "b": "unconfined", key + "c": "localhost/prof",
                   key + "e": "runtime/default", key + "i": "localhost/p2"}  # fmt: skip
    own = {"name": "e", "image": "i", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}
    spec = {"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
            "initContainers": [{"name": "i", "image": "i"}],
            "containers": [{"name": n, "image": "i"} for n in "abc"] + [own]}  # fmt: skip
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "aa", "annotations": annotations}, "spec": spec}
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    assert [c.get("securityContext") for c in created["spec"]["initContainers"] + created["spec"]["containers"]] == [
        {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p2"}},
        {"appArmorProfile": {"type": "RuntimeDefault"}},
        None,
        {"appArmorProfile": {"type": "Localhost", "localhostProfile": "prof"}},
        {"appArmorProfile": {"type": "RuntimeDefault"}},
    ]
    padded = {key + "d": "localhost/ x", key + "w": "localhost/" + "p" * 4096}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ab", "annotations": padded},
           "spec": {"containers": [{"name": n, "image": "i"} for n in "dw"]}}  # fmt: skip
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    assert [c.get("securityContext") for c in created["spec"]["containers"]] == [None, None]
