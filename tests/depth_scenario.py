"""How deep kube-apiserver lets a body nest: creates, YAML bodies, patches and applies of a ConfigMap (a deep
unknown field) and of a custom resource whose spec keeps unknown fields, at depths around kube's decoders'
limit of 10,000 (199 to 100,000).

``tests/fixtures/kube-1.36/depth_limits.json`` holds kube-apiserver 1.36's answers (its ``cases``; the notes
and ``cr_create_json_get_watch`` were written from the same session's GETs, YAML GETs, watches and Tables);
tests/test_hostile_input.py replays them against ``aiokube serve --max-nesting-depth 10000``. To record again::

    python -m tests.depth_scenario https://127.0.0.1:16443 anchor-token [ETCD_URL] > cases.json

Beware: at 9,996-9,999 levels kube stores custom resources it cannot read back (500 on every GET, LIST and
DELETE of them, and the resource's watch cache stops serving): with ETCD_URL (kube's etcd, plain HTTP) the
scenario deletes those keys itself, else they stay.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import sys
import time
import urllib.parse
from typing import Any

NS = "depthprobe-b"
GROUP = "depthb.example.com"
CR = f"/apis/{GROUP}/v1/namespaces/{NS}/deeps"
CM = f"/api/v1/namespaces/{NS}/configmaps"
MERGE = "application/merge-patch+json"
SMP = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
YAML = "application/yaml"
DEPTHS = (199, 201, 1000, 5000, 9995, 9996, 9999, 10000, 10001, 100000)


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url = urllib.parse.urlsplit(url)
        self.token = token

    def __call__(
        self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"
    ) -> tuple[int, bytes, dict[str, str], float]:
        host, port = self.url.hostname or "127.0.0.1", self.url.port
        if self.url.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, context=ssl._create_unverified_context(), timeout=300
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=300)
        headers = {"Accept": "application/json", "Content-Type": ctype}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.monotonic()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, dict(resp.getheaders()), time.monotonic() - started


def nest(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def summary(status: int, data: bytes, headers: dict[str, str], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "seconds": round(seconds, 3)}
    if data.startswith(b'{"kind":"Status"'):
        doc = json.loads(data)
        out["message"], out["reason"] = doc.get("message"), doc.get("reason")
    else:
        out["len"] = len(data)
        out["has_managedFields"] = b'"managedFields"' in data
    if headers.get("Warning"):
        out["warning"] = headers["Warning"][:300]
    return out


def main(url: str, token: str, etcd: str = "") -> dict[str, Any]:
    req = Client(url, token)

    def remove(base: str, key: str, name: str) -> None:
        if req("DELETE", f"{base}/{name}")[0] not in (200, 404) and etcd:
            k = base64.b64encode(f"/registry/{key}/{NS}/{name}".encode()).decode()
            e = urllib.parse.urlsplit(etcd)
            conn = http.client.HTTPConnection(e.hostname or "127.0.0.1", e.port, timeout=30)
            conn.request("POST", "/v3/kv/deleterange", body=json.dumps({"key": k}))
            conn.getresponse().read()

    req("POST", "/api/v1/namespaces", json.dumps({"metadata": {"name": NS}}).encode())
    spec = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = {"type": "object", "properties": {"spec": spec}}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"deeps.{GROUP}"},
        "spec": {"group": GROUP, "scope": "Namespaced",
                 "names": {"plural": "deeps", "singular": "deep", "kind": "Deep", "listKind": "DeepList"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}]},
    }  # fmt: skip
    req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json.dumps(crd).encode())
    while req("GET", CR)[0] != 200:
        time.sleep(0.1)
    cases: dict[str, dict[str, Any]] = {}

    def record(case: str, depth: int, answer: tuple[int, bytes, dict[str, str], float]) -> None:
        cases.setdefault(case, {})[str(depth)] = summary(*answer)

    for depth in DEPTHS:
        for fv in ("", "Strict", "Ignore"):
            name = f"c{depth}{fv.lower()}"
            body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"x":' % name.encode()
            query = f"?fieldValidation={fv}" if fv else ""
            answer = req("POST", CM + query, body + nest(depth - 1) + b"}")
            record(f"configmap_create_json{'_' + fv if fv else ''}", depth, answer)
            remove(CM, "configmaps", name)
        head = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y%d\nx: " % depth
        record("configmap_create_yaml_flow", depth, req("POST", CM, head + nest(depth - 1) + b"\n", YAML))
        remove(CM, "configmaps", f"y{depth}")
        head = b"apiVersion: %s/v1\nkind: Deep\nmetadata:\n  name: y%d\nspec: " % (GROUP.encode(), depth)
        record("cr_create_yaml_flow", depth, req("POST", CR, head + nest(depth - 1) + b"\n", YAML))
        remove(CR, f"{GROUP}/deeps", f"y{depth}")
        req("POST", CM, b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"}}')
        x = b'{"x":' + nest(depth - 1) + b"}"
        record("configmap_patch_merge", depth, req("PATCH", f"{CM}/p", x, MERGE))
        record("configmap_patch_strategic", depth, req("PATCH", f"{CM}/p", x, SMP))
        op = b'[{"op":"add","path":"/x","value":' + nest(depth - 2) + b"}]"
        record("configmap_patch_json", depth, req("PATCH", f"{CM}/p", op, JSON_PATCH))
        applied = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"},"x":' + nest(depth - 1) + b"}"
        record("configmap_apply", depth, req("PATCH", f"{CM}/p?fieldManager=m", applied, APPLY))
        record("configmap_apply_force", depth,
               req("PATCH", f"{CM}/p?fieldManager=m&force=true&fieldValidation=Ignore", applied, APPLY))  # fmt: skip
        remove(CM, "configmaps", "p")
        for kind, ctype, body in (
            ("merge", MERGE, b'{"spec":' + nest(depth - 1) + b"}"),
            ("json", JSON_PATCH, b'[{"op":"replace","path":"/spec","value":' + nest(depth - 1) + b"}]"),
            ("apply", APPLY, b'{"apiVersion":"%s/v1","kind":"Deep","metadata":{"name":"q"},"spec":' % GROUP.encode()
             + nest(depth - 1) + b"}"),
        ):  # fmt: skip
            req("POST", CR, b'{"apiVersion":"%s/v1","kind":"Deep","metadata":{"name":"q"},"spec":{}}' % GROUP.encode())
            query = "?fieldManager=m" if kind == "apply" else ""
            record(f"cr_patch_{kind}", depth, req("PATCH", f"{CR}/q{query}", body, ctype))
            remove(CR, f"{GROUP}/deeps", "q")
    req("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/deeps.{GROUP}")
    req("DELETE", f"/api/v1/namespaces/{NS}")
    return cases


if __name__ == "__main__":
    json.dump(main(*sys.argv[1:4]), sys.stdout, indent=1)
