"""The table-driven validation tests' runner: each case (tests/fixtures/validation/<group>.json) holds a bad
object, an optional merge patch (then the object is created first and the patch is the update under test, sent
to the case's ``subresource`` if it names one), and
the Status the reference kube-apiserver 1.36 answered for it, captured by sending the same requests to it.

A case may say ``unordered`` (kube reports the errors from a Go map, in random order: the causes are compared
as a set) or ``known_difference`` (kube prints a value as its internal Go struct, which aiokube does not
reproduce: the causes' fields and reasons are compared, and of each message the text kube's and aiokube's
share by construction — the first line, or what follows the value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "validation"


def _expand(value: Any) -> Any:
    """``"$repeat:x:N"`` → N times "x" (keeps a 1 MiB body out of the fixture)."""
    if isinstance(value, str) and value.startswith("$repeat:"):
        _, text, count = value.split(":")
        return text * int(count)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def load(group: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"{group}.json").read_text())


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


def _shared_text(message: str) -> str:
    if "\n" in message:
        return message.split("\n", 1)[0]
    return message.rsplit("}: ", 1)[-1]


def _answer(code: int, body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"code": code}
    if isinstance(body, dict) and body.get("kind") == "Status":
        answer.update(message=body.get("message"), reason=body.get("reason"), details=body.get("details"))
    return answer


async def run(api: Any, ns: str, case: dict[str, Any]) -> None:
    """Send the case's requests to the test server and compare the answer with kube's."""
    path = case["path"].replace("NS", ns)
    body = _expand(case["body"])
    name = body["metadata"]["name"]
    code, answer, _ = await api.post(path, body)
    try:
        if "patch" in case:
            assert code == 201, answer
            target = f"{path}/{name}/{case['subresource']}" if "subresource" in case else f"{path}/{name}"
            code, answer, _ = await api.request(
                "PATCH", target, case["patch"], headers={"Content-Type": "application/merge-patch+json"}
            )
        got, want = _answer(code, answer), case["kube"]
        if "unordered" in case:
            for side in (got, want):
                side["details"]["causes"].sort(key=lambda c: json.dumps(c, sort_keys=True))
                side.pop("message")
        elif "known_difference" in case:
            for side in (got, want):
                side["details"]["causes"] = [
                    (c["field"], c["reason"], _shared_text(c["message"])) for c in side["details"]["causes"]
                ]
                side["message"] = _shared_text(side["message"])
        assert got == want, f"\n got: {got}\nwant: {want}"
    finally:
        if code in (200, 201) or "patch" in case:
            await api.delete(f"{path}/{name}")
