"""CRD validation rules (``x-kubernetes-validations``) of a custom resource: a CRD with rules of every kind
(scalar, object, list, map, transition rules with ``oldSelf``, ``messageExpression``, ``reason``/``fieldPath``,
kube's CEL libraries), custom resources that pass and fail them, and CRDs whose rules do not compile.

``tests/fixtures/kube-1.36/crd_cel.json`` holds a real kube-apiserver 1.36's answers to these steps (status and
body; uids, times and resourceVersions replaced); tests/test_crd_cel.py replays them against aiokube. To record
again, against the reference server of ../shared/kube-reference::

    python -m tests.crd_cel_scenario https://127.0.0.1:16443 anchor-token > tests/fixtures/kube-1.36/crd_cel.json
"""

from __future__ import annotations

import copy
import json
import re
import ssl
import sys
import time
import urllib.error
import urllib.request
from typing import Any

GROUP = "wte.example.com"
CRD_NAME = f"wtewidgets.{GROUP}"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
NS = "wte-cel"
CRS = f"/apis/{GROUP}/v1/namespaces/{NS}/wtewidgets"

_STR = {"type": "string", "maxLength": 64}
SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "x-kubernetes-validations": [
        # an object rule with a message
        {"rule": "self.minReplicas <= self.maxReplicas", "message": "minReplicas must not exceed maxReplicas"},
        # reason and fieldPath
        {
            "rule": "!has(self.mode) || self.mode != 'legacy' || has(self.legacyConfig)",
            "message": "legacyConfig is required in legacy mode",
            "reason": "FieldValueRequired",
            "fieldPath": ".legacyConfig",
        },
        # messageExpression
        {
            "rule": "self.minReplicas < 100",
            "messageExpression": "'minReplicas too large for mode ' + (has(self.mode) ? self.mode : 'default')",
        },
        # a transition rule on an object
        {"rule": "self.maxReplicas >= oldSelf.maxReplicas", "message": "maxReplicas may not decrease"},
    ],
    "properties": {
        "name": {
            **_STR,
            "x-kubernetes-validations": [
                {"rule": "self.matches('^[a-z][a-z0-9-]*$')"},  # no message: "failed rule: ..."
                {"rule": "self == oldSelf", "message": "name is immutable"},
            ],
        },
        "minReplicas": {"type": "integer"},
        "maxReplicas": {"type": "integer"},
        "mode": _STR,
        "legacyConfig": _STR,
        "tags": {
            "type": "array",
            "maxItems": 10,
            "items": _STR,
            "x-kubernetes-validations": [
                {"rule": "self.all(t, t.startsWith('t-'))", "message": "tags must start with t-"},
                {"rule": "self.isSorted()", "message": "tags must be sorted", "reason": "FieldValueForbidden"},
            ],
        },
        "ports": {
            "type": "array",
            "maxItems": 10,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": _STR, "port": {"type": "integer"}},
                "x-kubernetes-validations": [
                    {"rule": "self.port > 0 && self.port < 65536", "messageExpression": "'bad port ' + self.name"},
                    {"rule": "self.port == oldSelf.port", "message": "a port's number is immutable"},
                ],
            },
        },
        "labels": {
            "type": "object",
            "maxProperties": 10,
            "additionalProperties": _STR,
            "x-kubernetes-validations": [
                {"rule": "self.all(k, k.lowerAscii() == k)", "message": "label keys must be lower case"},
                {"rule": "!('forbidden' in self)", "reason": "FieldValueForbidden", "message": "no forbidden key"},
            ],
        },
        "timeout": {
            "type": "string",
            "format": "duration",
            "maxLength": 20,
            "x-kubernetes-validations": [{"rule": "self <= duration('1h')", "message": "timeout at most 1h"}],
        },
        "memory": {
            **_STR,
            "x-kubernetes-validations": [
                {
                    "rule": "isQuantity(self) && quantity(self).isLessThan(quantity('10Gi'))",
                    "message": "memory must be a quantity under 10Gi",
                }
            ],
        },
        "url": {
            **_STR,
            "x-kubernetes-validations": [{"rule": "isURL(self) && url(self).getScheme() == 'https'"}],
        },
        "items": {
            "type": "array",
            "maxItems": 10,
            "items": {"type": "integer"},
            "x-kubernetes-validations": [
                {
                    "rule": "self.map(x, x * 2).filter(x, x > 10).size() == 0 && self.exists_one(x, x == 1)",
                    "reason": "FieldValueDuplicate",
                    "fieldPath": "",
                }
            ],
        },
    },
}
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": CRD_NAME},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "wtewidgets", "singular": "wtewidget", "kind": "WteWidget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-validations": [
                            {"rule": "self.metadata.name.startsWith('wte-')", "message": "name must start with wte-"}
                        ],
                        "properties": {"spec": SPEC_SCHEMA},
                    }
                },
            }
        ],
    },
}


def _bad_crd(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """A CRD of its own group whose spec carries ``rules``."""
    plural = f"wtebad{name}s"
    crd = copy.deepcopy(CRD)
    crd["metadata"]["name"] = f"{plural}.{GROUP}"
    crd["spec"]["names"] = {"plural": plural, "singular": f"wtebad{name}", "kind": f"WteBad{name.capitalize()}"}
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    props = {"n": {"type": "integer"}, "s": _STR}
    schema["properties"] = {"spec": {"type": "object", "properties": props, "x-kubernetes-validations": rules}}
    return crd


def cr(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "WteWidget", "metadata": {"name": name}, "spec": spec}


GOOD = {
    "name": "app",
    "minReplicas": 1,
    "maxReplicas": 3,
    "tags": ["t-a", "t-b"],
    "ports": [{"name": "http", "port": 80}],
    "labels": {"tier": "web"},
    "timeout": "30m",
    "memory": "1Gi",
    "url": "https://example.com/x",
    "items": [1, 2],
}


def _with(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is None:
            spec.pop(k, None)
        else:
            spec[k] = v
    return spec


HTTP, HTTPS = {"name": "http", "port": 80}, {"name": "https", "port": 443}
#: (name, method, path, body): the CRD's and the custom resources' requests, in order
STEPS: list[tuple[str, str, str, Any]] = [
    ("create-good", "POST", CRS, cr("wte-good", GOOD)),
    ("create-bad-name", "POST", CRS, cr("bad-name", GOOD)),
    ("create-min-gt-max", "POST", CRS, cr("wte-a", _with(minReplicas=5, maxReplicas=2))),
    ("create-legacy-no-config", "POST", CRS, cr("wte-b", _with(mode="legacy"))),
    ("create-legacy-config", "POST", CRS, cr("wte-c", _with(mode="legacy", legacyConfig="x"))),
    ("create-min-too-large", "POST", CRS, cr("wte-d", _with(minReplicas=150, maxReplicas=200))),
    ("create-bad-name-pattern", "POST", CRS, cr("wte-e", _with(name="App_1"))),
    ("create-bad-tags", "POST", CRS, cr("wte-f", _with(tags=["t-b", "x", "t-a"]))),
    ("create-bad-port", "POST", CRS, cr("wte-g", _with(ports=[HTTP, {"name": "x", "port": 0}]))),
    ("create-bad-labels", "POST", CRS, cr("wte-h", _with(labels={"Tier": "web", "forbidden": "1"}))),
    ("create-bad-timeout", "POST", CRS, cr("wte-i", _with(timeout="2h"))),
    ("create-bad-memory", "POST", CRS, cr("wte-j", _with(memory="20Gi"))),
    ("create-not-quantity", "POST", CRS, cr("wte-k", _with(memory="lots"))),
    ("create-bad-url", "POST", CRS, cr("wte-l", _with(url="http://example.com"))),
    ("create-bad-items", "POST", CRS, cr("wte-m", _with(items=[1, 1, 7]))),
    ("create-missing-min", "POST", CRS, cr("wte-n", _with(minReplicas=None))),
    ("create-several", "POST", CRS, cr("wte-o", _with(minReplicas=500, maxReplicas=2, name="X"))),
    # transition rules: the good object updated
    ("update-ok", "PATCH-MERGE", CRS + "/wte-good", {"spec": {"maxReplicas": 4, "ports": [HTTP, HTTPS]}}),
    ("update-name", "PATCH-MERGE", CRS + "/wte-good", {"spec": {"name": "other"}}),
    ("update-max-down", "PATCH-MERGE", CRS + "/wte-good", {"spec": {"maxReplicas": 2}}),
    ("update-port-number", "PATCH-MERGE", CRS + "/wte-good", {"spec": {"ports": [{"name": "http", "port": 8080}]}}),
    # CRDs whose rules do not compile
    ("crd-syntax-error", "POST", CRDS, _bad_crd("syntax", [{"rule": "self.n <"}])),
    ("crd-undeclared", "POST", CRDS, _bad_crd("undeclared", [{"rule": "nosuchfn(self.n)"}])),
    ("crd-message-expression", "POST", CRDS, _bad_crd("msgexpr", [{"rule": "self.n > 0", "messageExpression": "'a' +"}])),  # noqa: E501
    ("crd-not-bool", "POST", CRDS, _bad_crd("notbool", [{"rule": "self.s"}])),
    ("crd-bad-field-path", "POST", CRDS, _bad_crd("fieldpath", [{"rule": "self.n > 0", "fieldPath": ".nope"}])),
]  # fmt: skip

_VOLATILE = [
    (re.compile(r'"uid": "[^"]*"'), '"uid": "UID"'),
    (re.compile(r'"(creationTimestamp|time)": "[^"]*"'), r'"\1": "TIME"'),
    (re.compile(r'"resourceVersion": "[0-9]*"'), '"resourceVersion": "RV"'),
    (re.compile(r'"generation": [0-9]+'), '"generation": 1'),
]


def normalize(body: Any) -> Any:
    """The answer without what differs between runs (uids, times, resourceVersions, managed fields)."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items()}
        md = body.get("metadata")
        if isinstance(md, dict):
            body["metadata"] = {k: v for k, v in md.items() if k != "managedFields"}
    text = json.dumps(body, sort_keys=True)
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return json.loads(text)


def _call(base: str, token: str, method: str, path: str, body: Any) -> tuple[int, Any]:
    ctype = "application/json"
    if method == "PATCH-MERGE":
        method, ctype = "PATCH", "application/merge-patch+json"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", ctype)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(req, context=ctx) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def record(base: str, token: str) -> dict[str, Any]:
    """Run the scenario against ``base`` and return {step: {status, body}}; the CRDs and namespace are deleted."""
    _call(base, token, "POST", "/api/v1/namespaces", {"metadata": {"name": NS}})
    status, body = _call(base, token, "POST", CRDS, CRD)
    assert status in (201, 409), body
    for _ in range(100):  # until Established
        if _call(base, token, "GET", CRS, None)[0] == 200:
            break
        time.sleep(0.1)
    out: dict[str, Any] = {}
    try:
        for name, method, path, body in STEPS:
            status, answer = _call(base, token, method, path, body)
            out[name] = {"status": status, "body": normalize(answer)}
            if name.startswith("crd-") and status == 201:
                _call(base, token, "DELETE", f"{CRDS}/{body['metadata']['name']}", None)
    finally:
        _call(base, token, "DELETE", f"{CRDS}/{CRD_NAME}", None)
        _call(base, token, "DELETE", f"/api/v1/namespaces/{NS}", None)
    return out


if __name__ == "__main__":
    json.dump(record(sys.argv[1], sys.argv[2]), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
