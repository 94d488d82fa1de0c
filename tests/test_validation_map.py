"""kube's field validation of MutatingAdmissionPolicy and MutatingAdmissionPolicyBinding
(admissionregistration.k8s.io/v1): bad objects sent over HTTP get the 422 Status the reference kube-apiserver
1.36 answered for the same requests, and the valid ones it accepted are accepted (see
tests/validationcases.py; captured with the objects named ``wtb-p`` and ``wtb-b``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

CASES = validationcases.load("mutatingadmissionpolicy")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)
