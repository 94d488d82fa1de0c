"""The table-driven validation tests' runner: each case (tests/fixtures/validation/<group>.json) holds a bad
object, an optional merge patch (then the object is created first and the patch is the update under test, sent
to the case's ``subresource`` if it names one), and
the Status the reference kube-apiserver 1.36 answered for it, captured by sending the same requests to it.

A case may say ``unordered`` (kube reports the errors from a Go map, in random order: the causes are compared
as a set) or ``known_difference`` (kube prints a value as its internal Go struct, which aiokube does not
reproduce: the causes' fields and reasons are compared, and of each message the text kube's and aiokube's
share by construction — the first line, or what follows the value). A case may also hold a ``setup_patch``,
sent like ``patch`` (and expected to succeed) before it, for updates that need an earlier one (a container that
terminated, then restarts), sent to its ``setup_subresource`` if it names one (a CSR approved before its
status is written); and ``allow_privileged``: the reference runs without ``--allow-privileged`` and adds
"disallowed by cluster policy" errors that aiokube, which behaves as a cluster started with it, does not make;
they are dropped from kube's answer before comparing. A case saying ``existing`` patches an object the server
made (APF's mandatory ones; ``body`` names it) with a dry run, neither creating nor deleting it.
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


_POLICY = "disallowed by cluster policy"


def _without_policy_errors(want: dict[str, Any]) -> dict[str, Any]:
    """kube's answer without the causes --allow-privileged would not have made, its message rebuilt from the rest
    as errors.NewInvalid builds it (each text once)."""
    want = json.loads(json.dumps(want))
    causes = [c for c in want["details"]["causes"] if not c["message"].endswith(_POLICY)]
    want["details"]["causes"] = causes
    texts = list(dict.fromkeys(f"{c['field']}: {c['message']}" for c in causes))
    head = want["message"].split(" is invalid: ", 1)[0]
    want["message"] = f"{head} is invalid: " + (texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]")
    return want


def _answer(code: int, body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"code": code}
    if isinstance(body, dict) and body.get("kind") == "Status":
        answer.update(message=body.get("message"), reason=body.get("reason"), details=body.get("details"))
    return answer


def patch_targets(case: dict[str, Any], path: str, name: str) -> tuple[str, str]:
    """The URLs a case's patch and its setup patch go to (an object the server made is patched as a dry run)."""
    target = f"{path}/{name}/{case['subresource']}" if "subresource" in case else f"{path}/{name}"
    target += "?dryRun=All" if case.get("existing", False) else ""
    setup_target = f"{path}/{name}/{case['setup_subresource']}" if "setup_subresource" in case else target
    return target, setup_target


async def run(api: Any, ns: str, case: dict[str, Any]) -> None:
    """Send the case's requests to the test server and compare the answer with kube's."""
    path = case["path"].replace("NS", ns)
    body = _expand(case["body"])
    name = body["metadata"]["name"]
    existing = case.get("existing", False)
    code, answer, _ = (201, None, None) if existing else await api.post(path, body)
    try:
        if "patch" in case:
            assert code == 201, answer
            target, setup_target = patch_targets(case, path, name)
            if "setup_patch" in case:
                code, answer, _ = await api.request(
                    "PATCH", setup_target, case["setup_patch"], headers={"Content-Type": "application/merge-patch+json"}
                )
                assert code == 200, answer
            code, answer, _ = await api.request(
                "PATCH", target, case["patch"], headers={"Content-Type": "application/merge-patch+json"}
            )
        got, want = _answer(code, answer), case["kube"]
        if case.get("allow_privileged"):
            want = _without_policy_errors(want)
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
        if not existing and (code in (200, 201) or "patch" in case):
            await api.delete(f"{path}/{name}")
