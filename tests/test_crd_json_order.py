"""Custom resources are served as kube serves unstructured objects: Go's encoding/json writes their maps, so
JSON keys are sorted at every level (metadata's too), a list is an UnstructuredList (``apiVersion``,
``items``, ``kind``, ``metadata`` with ``continue`` always set), while typed wrappers (a watch event,
PartialObjectMetadata, a Table) keep their struct order around the sorted object. The expected bytes were
recorded from a real kube-apiserver 1.36 running the same scenario (uids, times, resourceVersions and the
namespace replaced by placeholders)."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.conftest import API, load_fixture

GROUP = "jsonorder.example.com"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"orderwidgets.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "orderwidgets", "singular": "orderwidget", "kind": "OrderWidget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}
#: keys in an odd order at every level; an integral float (kube writes ``1``), strings YAML quotes
BODY = (
    b'{"spec":{"zeta":1,"alpha":{"y":[{"b":1,"a":2}],"x":"s"},"Mid":true,"size":3},"kind":"OrderWidget",'
    b'"metadata":{"name":"w","labels":{"z":"1","a":"2"},"annotations":{"zz":"1","aa":"2"}},'
    b'"apiVersion":"jsonorder.example.com/v1","aaa":"top","num":{"f":1.0,"g":1.5,"y":"2","n":"y"}}'
)
STATUS_PATCH = b'{"status":{"b":1,"a":"<&>","Z":[3]}}'
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
PARTIAL = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"

_VOLATILE = [
    (re.compile(rb'"uid":"[^"]*"'), b'"uid":"UID"'),
    (re.compile(rb'"(creationTimestamp|time)":"[^"]*"'), rb'"\1":"TIME"'),
    (re.compile(rb'"resourceVersion":"[0-9]*"'), b'"resourceVersion":"RV"'),
    (re.compile(rb'"uid": "[^"]*"'), b'"uid": "UID"'),
    (re.compile(rb'"(creationTimestamp|time)": "[^"]*"'), rb'"\1": "TIME"'),
    (re.compile(rb'"resourceVersion": "[0-9]*"'), b'"resourceVersion": "RV"'),
    (re.compile(rb"(creationTimestamp|time): \"[^\"]*\""), rb"\1: TIME"),
    (re.compile(rb'resourceVersion: "[0-9]*"'), b"resourceVersion: RV"),
    (re.compile(rb"uid: [-0-9a-f]+"), b"uid: UID"),
]


def normalized(data: bytes, ns: str) -> bytes:
    for pattern, repl in _VOLATILE:
        data = pattern.sub(repl, data)
    return data.replace(ns.encode(), b"NS")


async def scenario(session: aiohttp.ClientSession, base: str, ns: str, headers: dict[str, str]) -> dict[str, bytes]:
    """Create the CRD (if needed) and one custom resource in ``ns``, then read it every way; each answer's
    bytes, normalized. To record them again, run it against a kube-apiserver with an existing namespace
    ``wtb-ns`` (and the token in ``headers``) and write the answers, decoded, to the fixture."""
    hdrs = {"User-Agent": "wtb-test", "Content-Type": "application/json", **headers}
    crds = base + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    async with session.post(crds, json=CRD, headers=hdrs) as resp:
        assert resp.status in (201, 409), await resp.text()
    path = f"{base}/apis/{GROUP}/v1/namespaces/{ns}/orderwidgets"
    out: dict[str, bytes] = {}

    async def call(name: str, method: str, url: str, data: bytes | None = None, **extra: str) -> bytes:
        async with session.request(method, url, data=data, headers={**hdrs, **extra}) as resp:
            body = await resp.read()
            assert resp.status < 300, body
            out[name] = normalized(body, ns)
            return body

    for _ in range(200):  # until the CRD is served
        async with session.post(path, data=BODY, headers=hdrs) as resp:
            if resp.status != 404:
                body = await resp.read()
                assert resp.status == 201, body
                out["create"] = normalized(body, ns)
                break
        await asyncio.sleep(0.05)
    created_rv = re.search(rb'"resourceVersion":"([0-9]+)"', body)
    assert created_rv is not None
    await call("get", "GET", f"{path}/w")
    merge = {"Content-Type": "application/merge-patch+json"}
    await call("patch_status", "PATCH", f"{path}/w/status", STATUS_PATCH, **merge)
    await call("list", "GET", path)
    await call("watch", "GET", f"{path}?watch=1&timeoutSeconds=1&resourceVersion={created_rv[1].decode()}")
    await call("pretty", "GET", f"{path}/w?pretty=true")
    await call("yaml", "GET", f"{path}/w", Accept="application/yaml")
    await call("partial", "GET", f"{path}/w", Accept=PARTIAL)
    await call("table", "GET", f"{path}?includeObject=Object", Accept=TABLE)
    return out


EXPECTED = load_fixture("kube-1.36/crd_json_order.json")


async def test_custom_resource_bytes_are_kubes(api: API, ns: str) -> None:
    got = await scenario(api.session, api.base, ns, {})
    assert sorted(got) == sorted(k for k in EXPECTED if not k.startswith("_"))
    for name, data in got.items():
        assert data.decode() == EXPECTED[name], name
