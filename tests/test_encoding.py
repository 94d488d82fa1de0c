"""Encoding: content negotiation, cached serializations, spliced and streamed lists, gzip, YAML."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import sys
import threading

import orjson
import pytest
import yaml
from prometheus_client import REGISTRY

from aiokube.encoding import decode as body_decode
from aiokube.encoding import deepjson, goyaml, negotiation
from aiokube.encoding.jsonenc import dumps, go_escape
from aiokube.encoding.negotiation import JSON, PROTOBUF, YAML, NotAcceptable
from tests.conftest import API
from tests.samples import samples

KUBECTL_TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


@pytest.mark.parametrize(
    "accept, stream, expected",
    [
        (None, False, ("json", JSON, "")),
        ("*/*", False, ("json", JSON, "")),
        ("application/yaml", False, ("yaml", YAML, "")),
        ("application/vnd.kubernetes.protobuf,application/json", False, ("protobuf", PROTOBUF, "")),
        ("application/json;q=0.5,application/vnd.kubernetes.protobuf", False, ("protobuf", PROTOBUF, "")),
        ("application/vnd.kubernetes.protobuf;stream=watch", True, ("protobuf", PROTOBUF + ";stream=watch", "")),
        ("application/yaml,application/json", True, ("json", JSON, "")),  # YAML cannot stream
        (KUBECTL_TABLE, False, ("json", JSON, "Table")),
        ("application/json;as=Table;v=v2;g=meta.k8s.io,application/json", False, ("json", JSON, "")),
        (
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
            False,
            ("json", JSON, "PartialObjectMetadataList"),
        ),
        ("application/json;foo=bar,application/yaml", False, ("yaml", YAML, "")),  # unknown parameter: clause skipped
        # kube's AllowsMediaTypeTransform: a Table in JSON or YAML, never protobuf (that clause is skipped);
        # PartialObjectMetadata in any format (checked on kube 1.36)
        ("application/yaml;as=Table;v=v1;g=meta.k8s.io", False, ("yaml", YAML, "Table")),
        (f"{PROTOBUF};as=Table;v=v1;g=meta.k8s.io,application/json", False, ("json", JSON, "")),
        ("application/yaml;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", False,
         ("yaml", YAML, "PartialObjectMetadataList")),
        (f"{PROTOBUF};as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", False,
         ("protobuf", PROTOBUF, "PartialObjectMetadataList")),
        ("text/*,application/*", False, ("json", JSON, "")),
    ],
)
def test_negotiation(accept: str | None, stream: bool, expected: tuple[str, str, str]) -> None:
    fmt = negotiation.negotiate(accept, stream=stream)
    assert (fmt.encoder, fmt.content_type, fmt.convert) == expected


def test_negotiation_not_acceptable() -> None:
    with pytest.raises(NotAcceptable, match="only the following media types are accepted"):
        negotiation.negotiate("text/html")
    with pytest.raises(NotAcceptable):
        negotiation.negotiate("application/yaml", stream=True)
    # a type without a protobuf schema: protobuf is not on offer
    with pytest.raises(NotAcceptable):
        negotiation.negotiate(PROTOBUF, available=(JSON, YAML))


def _counter(name: str, encoder: str, resource: str) -> float:
    return REGISTRY.get_sample_value(name, {"encoder": encoder, "resource": resource}) or 0.0


async def test_406_status_and_kubectl_table_request(api: API, ns: str) -> None:
    # no media type the route produces: go-restful's 406, wrapped by kube's service error handler
    status, err, headers = await api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": "text/html"})
    assert status == 406 and err["reason"] == "NotAcceptable" and headers["Content-Type"] == "application/json"
    assert err["message"] == (
        "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, "
        "application/vnd.kubernetes.protobuf, application/json;stream=watch, "
        "application/vnd.kubernetes.protobuf;stream=watch"
    )
    assert err["details"] == {}
    status, err, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/x", headers={"Accept": "text/html"})
    assert err["message"].endswith("representations: application/json, application/yaml, "
                                   "application/vnd.kubernetes.protobuf")  # fmt: skip
    # a media type the route produces, with options kube's negotiation refuses: kube's own 406
    status, err, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": "application/json;as=Foo"})
    assert status == 406 and "details" not in err
    assert err["message"].startswith("only the following media types are accepted: application/json")
    await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "t"}, "data": {"a": "b"}})
    status, table, headers = await api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": KUBECTL_TABLE})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["columnDefinitions"][0]["name"] == "Name"
    assert table["rows"][0]["cells"][0] == "t"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert "data" not in table["rows"][0]["object"]
    status, partial, _ = await api.get(
        f"/api/v1/namespaces/{ns}/configmaps",
        headers={"Accept": "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"},
    )
    assert partial["kind"] == "PartialObjectMetadataList"
    assert partial["items"][0]["kind"] == "PartialObjectMetadata" and partial["items"][0]["metadata"]["name"] == "t"


async def test_list_is_spliced_from_cached_bytes_and_identical_to_one_shot(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(250):  # more than one 100-item chunk
        status, _, _ = await api.post(
            base, {"metadata": {"name": f"c{i:03}", "annotations": {"x": "<&>"}}, "data": {"k": str(i)}}
        )
        assert status == 201
    await api.get(base)  # a consistent read: the cache has everything from here on
    resource = "configmaps"
    before = _counter("aiokube_serializations_total", "json", resource)
    async with api.session.get(api.base + base, params={"resourceVersion": "0"}) as resp:
        first = await resp.read()
        assert resp.headers.get("Transfer-Encoding") == "chunked"
    after_first = _counter("aiokube_serializations_total", "json", resource)
    async with api.session.get(api.base + base, params={"resourceVersion": "0"}) as resp:
        second = await resp.read()
    after_second = _counter("aiokube_serializations_total", "json", resource)
    assert first == second
    assert after_first - before <= 250  # each object serialized at most once...
    assert after_second == after_first  # ...and the second LIST serializes nothing
    doc = orjson.loads(first)
    assert first == dumps(doc)  # byte-identical to encoding the whole list at once (Go escaping included)
    assert b"\\u003c\\u0026\\u003e" in first
    assert [i["metadata"]["name"] for i in doc["items"]] == [f"c{i:03}" for i in range(250)]
    assert "kind" not in doc["items"][0]


async def test_gzip_above_128k_only_when_asked(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(60):
        await api.post(base, {"metadata": {"name": f"g{i:02}"}, "data": {"blob": "x" * 4000}})
    await api.get(base, params={"limit": "1"})
    async with api.session.get(
        api.base + base, params={"resourceVersion": "0"}, headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    ) as resp:
        raw = await resp.read()
        assert resp.headers["Content-Encoding"] == "gzip"
    plain = gzip.decompress(raw)
    assert len(plain) > 128 * 1024 and len(orjson.loads(plain)["items"]) == 60
    async with api.session.get(
        api.base + base, params={"resourceVersion": "0"}, headers={"Accept-Encoding": "identity"}
    ) as resp:
        assert "Content-Encoding" not in resp.headers
        assert await resp.read() == plain
    async with api.session.get(
        api.base + base, params={"limit": "1"}, headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    ) as resp:
        assert "Content-Encoding" not in resp.headers  # small responses are not compressed


async def test_yaml_output(api: API, ns: str) -> None:
    await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "y"}, "data": {"b": "2", "a": "1"}})
    async with api.session.get(
        f"{api.base}/api/v1/namespaces/{ns}/configmaps/y", headers={"Accept": "application/yaml"}
    ) as resp:
        assert resp.headers["Content-Type"] == "application/yaml"
        text = await resp.text()
    doc = yaml.safe_load(text)
    assert doc["data"] == {"a": "1", "b": "2"} and text.startswith("apiVersion: v1\ndata:")


async def test_json_watch_events_are_serialized_once_for_all_watchers(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await api.get(base)
    rv = lst["metadata"]["resourceVersion"]
    received: list[list[bytes]] = [[] for _ in range(20)]

    async def watcher(i: int) -> None:
        async with api.session.get(api.base + base, params={"watch": "1", "resourceVersion": rv}) as resp:
            while len(received[i]) < 30:
                received[i].append(await resp.content.readline())

    tasks = [asyncio.create_task(watcher(i)) for i in range(20)]
    await asyncio.sleep(0.3)
    before = _counter("aiokube_serializations_total", "json", "configmaps")
    for i in range(30):
        await api.post(base, {"metadata": {"name": f"w{i:02}"}})
    await asyncio.wait_for(asyncio.gather(*tasks), 20)
    after = _counter("aiokube_serializations_total", "json", "configmaps")
    # the response to each POST serializes the created object, the 30 events once more: not 20x30
    assert after - before <= 60
    assert all(r == received[0] for r in received)
    assert [json.loads(line)["object"]["metadata"]["name"] for line in received[0]] == [f"w{i:02}" for i in range(30)]


def test_yaml_bodies_read_the_same_through_the_fast_paths() -> None:
    """decode_yaml reads JSON-shaped bodies with orjson and the rest with go-yaml's rules over libyaml's events:
    the same values either way for every sample, as YAML and as JSON."""
    for obj in samples().values():
        for text in (yaml.safe_dump(obj, sort_keys=False).encode(), orjson.dumps(obj)):
            assert body_decode.decode_yaml(text) == obj
            assert goyaml.yaml_to_json(text) == obj  # what the fast path skips
    assert body_decode.decode_yaml(b"a: 2026-01-02T03:04:05Z\nb: 1.5\n") == {"a": "2026-01-02T03:04:05Z", "b": 1.5}
    with pytest.raises(body_decode.DecodeError, match=r"^yaml: mapping values are not allowed in this context$"):
        body_decode.decode_yaml(b"a: b: c\n")  # go-yaml's (libyaml's) message, as kube reports it
    assert body_decode.decode_yaml(b'{"a": [1, "x"]} ') == {"a": [1, "x"]}
    assert body_decode.decode_yaml(b"{a: 1}") == {"a": 1}  # flow YAML, not JSON: the YAML reader


def test_go_escapes_html_characters_and_line_separators() -> None:
    """Go's encoder escapes <, >, & and U+2028/U+2029; other non-ASCII text (here starting with the same byte
    E2 as the separators: an en dash, the euro sign) stays as it is."""
    out = dumps({"a": "<a&b> \u2028 \u2029", "b": "\u2013 \u20ac", "c": "plain"})
    assert out == b'{"a":"\\u003ca\\u0026b\\u003e \\u2028 \\u2029","b":"\xe2\x80\x93 \xe2\x82\xac","c":"plain"}\n'
    assert dumps({"d": "\u20ac"}) == '{"d":"\u20ac"}\n'.encode()


_POM = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
_POML = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"


async def test_partial_metadata_of_the_wrong_shape_gets_kubes_406(api: API, ns: str) -> None:
    """A list asked for as PartialObjectMetadata, or one object as a PartialObjectMetadataList: kube's 406 names
    the internal Go type (answers of the reference kube-apiserver 1.36)."""
    for path, go_type in (
        (f"/api/v1/namespaces/{ns}/configmaps", "*core.ConfigMapList"),
        (f"/apis/apps/v1/namespaces/{ns}/deployments", "*apps.DeploymentList"),
        ("/apis/events.k8s.io/v1/events", "*core.EventList"),
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", "*rbac.ClusterRoleList"),
        ("/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", "*flowcontrol.FlowSchemaList"),
    ):
        status, err, _ = await api.get(path, headers={"Accept": _POM})
        assert status == 406 and err["reason"] == "NotAcceptable", err
        assert err["message"] == f"you requested PartialObjectMetadata, but the requested object is a list ({go_type})"
    await api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "p"}})
    status, err, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/p", headers={"Accept": _POML})
    assert status == 406, err
    assert err["message"] == (
        "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)"
    )
    status, one, _ = await api.get(f"/api/v1/namespaces/{ns}/configmaps/p", headers={"Accept": _POM})
    assert status == 200 and one["kind"] == "PartialObjectMetadata"


def test_go_escape_looks_past_other_e2_characters() -> None:
    """U+2028/U+2029 are escaped wherever they sit among other E2-led characters (’ — €): before, after and
    past the characters looked at one by one."""
    for text in ("’ — € \u2028", "\u2029 ’", "’" * 40 + "\u2028", "’" * 40, "plain", "€\u2029€"):
        data = orjson.dumps({"k": text})
        expected = data.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        assert go_escape(data) == expected


# --- encoding/deepjson.py: orjson's bytes past orjson's depth ----------------------------------------------


def _random_value(rng: random.Random, level: int = 0) -> object:
    r = rng.random()
    if level > 6 or r < 0.3:
        return rng.choice([1, -2.5, 1e16, 1e-7, 0.1, 2**63, "x<&>\u2028é\"\\\n\x01", None, True, False, ""])
    if r < 0.6:
        return [_random_value(rng, level + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["b", "a", "zz", "é", "A"]) + str(rng.randint(0, 3)): _random_value(rng, level + 1)
            for _ in range(rng.randint(0, 3))}  # fmt: skip


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_deepjson_writes_orjsons_bytes_whatever_the_cut(monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    """The fallback writer hands subtrees up to ``_ORJSON_SUBTREE`` levels to orjson and joins the rest: with
    the cut at 0-2 levels every joint is exercised, and the bytes are orjson's for every option in use."""
    monkeypatch.setattr(deepjson, "_ORJSON_SUBTREE", cut)
    rng = random.Random(cut)
    for _ in range(500):
        value = _random_value(rng)
        if not isinstance(value, dict | list):
            continue
        for option in (None, orjson.OPT_SORT_KEYS, orjson.OPT_INDENT_2, orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS):
            expected = orjson.dumps(value, option=option)
            heights = deepjson._heights(value)
            assert deepjson._deep_dumps(value, None, option or 0, heights) == expected
            # the walks taken where the recursion limit is lower than the value is deep
            assert deepjson._heights_iterative(value) == heights
            assert deepjson._deep_dumps_iterative(value, None, option or 0, heights) == expected


def test_deepjson_past_orjsons_limits() -> None:
    value: object = {"k": [1.5, "é"]}
    text = '{"k":[1.5,"é"]}'.encode()
    for i in range(3000):
        if i % 2:
            value, text = {"a": value, "n": i}, b'{"a":%s,"n":%d}' % (text, i)
        else:
            value, text = [value, None], b"[%s,null]" % text
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(value)
    assert deepjson.dumps(value) == text
    assert deepjson.dumps_height(value) == (text, 3002)
    assert deepjson.height(value) == 3002 and deepjson.deeper_than(value, 3001)
    assert not deepjson.deeper_than(value, 3002)
    assert deepjson.bracket_at(value, 3001) == "{" and deepjson.bracket_at(value, 3000) == "["
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    # Python's decoder reads what orjson refuses: it recurses, within the recursion limit (pytest's 1,000 here:
    # refused as orjson refuses it; the server raises the limit with its stack, encoding/depth.py)
    with pytest.raises(orjson.JSONDecodeError, match="depth limit exceeded"):
        deepjson.loads(text)
    read: list[object] = []
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    threading.stack_size(64 << 20)
    try:
        thread = threading.Thread(target=lambda: read.append(deepjson.loads(text)))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(limit)
    assert deepjson.dumps(read[0]) == text
    with pytest.raises(orjson.JSONDecodeError):
        deepjson.loads(b"[" * 3000 + b"x")  # a syntax error stays one


def test_deepjson_c_only_refuses_python_writing() -> None:
    """Under C_ONLY a value deeper than orjson writes raises NeedsPython (the loop has it written in the CPU
    thread: Output.object_response_async); shallower ones and the default context write as usual."""
    deep: object = 1
    for _ in range(300):
        deep = {"a": deep}
    token = deepjson.C_ONLY.set(True)
    try:
        assert deepjson.dumps({"a": {"b": 1}}) == b'{"a":{"b":1}}'
        with pytest.raises(deepjson.NeedsPython):
            deepjson.dumps(deep)
    finally:
        deepjson.C_ONLY.reset(token)
    assert deepjson.dumps(deep) == b'{"a":' * 300 + b"1" + b"}" * 300
