"""kube's field validation of the built-in batch types: bad objects sent over HTTP get the 422 Status (message,
causes) the reference kube-apiserver 1.36 answered for the same requests (captured from it; see
tests/validationcases.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests import validationcases

CASES = validationcases.load("batch")


@pytest.mark.parametrize("case", CASES, ids=validationcases.ids(CASES))
async def test_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    await validationcases.run(api, ns, case)


#: a Job's generated selector and labels: kube's messages name the Job's uid (captured as "UID")
GENERATED = validationcases.load("batch_generated_selector")
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize("case", GENERATED, ids=validationcases.ids(GENERATED))
async def test_generated_selector_answer_is_kubes(api: Any, ns: str, case: dict[str, Any]) -> None:
    status, body, _ = await api.post(f"/apis/batch/v1/namespaces/{ns}/jobs", case["body"])
    got = json.loads(_UID.sub("UID", json.dumps(body)))
    assert {"code": status, "message": got["message"], "causes": got["details"]["causes"]} == case["kube"]
