"""A container's environment, mounts, devices, resources and resize policy, and the pod-level checks beside them
(gates, hostname override, host network ports, overhead, pod-level resources): each case's Status is the
reference kube-apiserver 1.36's for the same request (tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

CASES = validationcases.load("containers")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)
