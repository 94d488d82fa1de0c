"""kube's field validation of RuntimeClasses, IPAddresses, ServiceCIDRs, APIServices and ServiceAccounts: bad
objects sent over HTTP get the 422 Status (message, causes) the reference kube-apiserver 1.36 answered for the
same requests (captured from it; see tests/validationcases.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import validationcases

CASES = validationcases.load("othertypes")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)
