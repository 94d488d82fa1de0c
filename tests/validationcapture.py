"""Capture the reference kube-apiserver's answers for validation cases (the format tests/validationcases.py
replays): each case definition (a JSON list: name, path with ``NS``, body, optional setup_patch, patch and
subresource) is sent to the reference as the runner sends it to aiokube, and its answer stored as ``kube``.
Cases of the same name in the group's fixture are replaced, new ones appended::

    python -m tests.validationcapture https://127.0.0.1:16443 anchor-token batch cases.json
"""

from __future__ import annotations

import json
import ssl
import sys
import urllib.error
import urllib.request
from typing import Any

from tests import validationcases

_NS = "validation-capture"


class _Client:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def send(self, method: str, path: str, body: Any = None, ctype: str = "application/json") -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, context=self.ctx) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def capture(client: _Client, case: dict[str, Any]) -> dict[str, Any]:
    path = case["path"].replace("NS", _NS)
    body = validationcases._expand(case["body"])
    name = body["metadata"]["name"]
    existing = case.get("existing", False)
    code, answer = (201, None) if existing else client.send("POST", path, body)
    created = code == 201 and not existing
    try:
        if "patch" in case:
            assert code == 201, answer
            target, setup_target = validationcases.patch_targets(case, path, name)
            merge = "application/merge-patch+json"
            if "setup_patch" in case:
                code, answer = client.send("PATCH", setup_target, case["setup_patch"], merge)
                assert code == 200, answer
            code, answer = client.send("PATCH", target, case["patch"], merge)
        return {**case, "kube": dict(sorted(validationcases._answer(code, answer).items()))}
    finally:
        if created:
            client.send("DELETE", f"{path}/{name}", {"propagationPolicy": "Background"})  # no GC to orphan with


def main(base: str, token: str, group: str, definitions: str) -> None:
    client = _Client(base, token)
    client.send("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": _NS}})
    # the reference runs no controllers: a pod's ServiceAccount admission needs the namespace's default one
    client.send("POST", f"/api/v1/namespaces/{_NS}/serviceaccounts", {"metadata": {"name": "default"}})
    new = [capture(client, case) for case in json.loads(open(definitions).read())]
    path = validationcases.FIXTURES / f"{group}.json"
    cases = json.loads(path.read_text()) if path.exists() else []
    names = {c["name"] for c in new}
    cases = [c for c in cases if c["name"] not in names] + new
    path.write_text(json.dumps(cases, indent=1, ensure_ascii=False))
    for c in new:
        print(c["name"], c["kube"]["code"], c["kube"].get("message"))


if __name__ == "__main__":
    main(*sys.argv[1:5])
