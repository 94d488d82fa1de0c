"""kube's field validation of admissionregistration.k8s.io (webhook configurations, admission policies and
bindings), flowcontrol.apiserver.k8s.io (FlowSchemas, PriorityLevelConfigurations) and certificates.k8s.io
(CertificateSigningRequests): bad objects sent over HTTP get the 422 Status the reference kube-apiserver 1.36
answered for the same requests, and the valid ones it accepted are accepted (see tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

GROUPS = ("admissionregistration", "flowcontrol", "flowcontrol_mandatory", "certificates")
CASES = [case for group in GROUPS for case in validationcases.load(group)]


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)
