"""kube's checks of writes through the status subresource of Jobs, CertificateSigningRequests (and their
approval), FlowSchemas, PriorityLevelConfigurations and ServiceCIDRs: each case creates a valid object, then
patches its status; the answer is compared with the one the reference kube-apiserver 1.36 gave (captured with
tests/validationcapture.py; see tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

CASES = [case for group in ("batch_status",) for case in validationcases.load(group)]


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)
