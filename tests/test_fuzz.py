"""Fuzzing the live server (issue 14): random bodies, content types and encodings, headers, selectors,
resourceVersion/limit/continue/timeoutSeconds values, paths, methods and patches of every type, sent over
real HTTP to the session's server.

Every answer must be one kube could give: no 5xx but those kube itself returns (:data:`KUBE_5XX`, each with
where kube makes it), none slower than 2 s, every error body a kube ``Status`` whose ``code`` is the HTTP
status (in the negotiated encoding: JSON, YAML or protobuf), except kube's few plain-text answers
(:func:`_plain_text_allowed`). After each run the server still answers ``/readyz``, and etcd holds exactly the
ConfigMaps and Deployments of the run's namespace whose creation was answered 201 (minus those whose deletion
succeeded), read from etcd with the test's own client.

Hypothesis runs in a worker thread; each example's request is made on the event loop the server lives on.
In ``make test`` the four fuzzers draw about 30 s of examples together; ``make soak`` runs them again with
``AIOKUBE_FUZZ_FACTOR`` (default 40) times as many examples. A failure prints hypothesis' shrunk request.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

import aiohttp
import orjson
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from yarl import URL

from aiokube.apiserver.server import APIServer
from aiokube.encoding import protobuf
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.keys import prefix_range_end

SLOW = 2.0  # seconds: the bound on any one answer
SOAK_FACTOR = int(os.environ.get("AIOKUBE_FUZZ_FACTOR", "40"))
PB = "application/vnd.kubernetes.protobuf"

# --- what kube itself answers with 5xx ----------------------------------------------------------------------

# k8s.io/apimachinery/pkg/util/strategicpatch (patch.go) and mergepatch (errors.go) return these as plain Go
# errors; handlers/patch.go's interpretStrategicMergePatchError maps only the typed ones (ErrBadJSONDoc,
# ErrNoListOfLists, ErrBadPatchFormatFor*, ErrPatchContentNotMatchRetainKeys, ...) to 400/422, so
# ErrorToAPIStatus answers these with 500 and an empty reason.
_SMP_PLAIN_ERRORS = re.compile(
    "|".join(
        (
            r"map: .* does not contain declared merge key: ",  # mergepatch.ErrNoMergeKey
            r"expected a .*, but received a ",  # mergepatch.ErrBadArgKind / ErrBadArgType
            r"unknown patch type: .* in map: ",  # mergepatch.ErrBadPatchType
            r"invalid value for special key: ",  # patch.go handleDirectiveInMergeMap
            r"The order in patch list:",  # patch.go validatePatchWithSetOrderList
            r"cannot merge lists without merge key for ",
            r"merging lists cannot yet be specified in the patch",
            r"value for key .* is not a map",
            r"list element types are not identical: ",
            r"no elements in any of the given slices",
            r"unknown type: ",
            r"invalid element type in merging list:",
            r"cannot find merge key `.*` in merging list element:",
            r"fail to find unknown prefix ",
            r"unexpected patch strategy: ",
            # strategicpatch/meta.go and third_party/forked/golang/json/fields.go: the schema lookup of a key
            r"unable to find api field in struct .* for the json field ",
            r"merging an object in json but data type is not struct, instead is: ",
            r"expected slice or array type, but got: ",
            r"unexpected slice of slice",
        )
    )
)
# kube's panic recovery (server/filters/wrap.go WithPanicRecovery → http.Error): plain text, 500, where kube's
# Go code panics (json-patch.v4 and strategicpatch on some nil and map-keyed values; see patching/patch.py).
PANIC_TEXT = "This request caused apiserver to panic. Look in the logs for details."


def _kube_5xx(req: Req, status: int, body: Any) -> str | None:
    """Why kube answers this request with this 5xx too (None: it does not, a bug)."""
    message = body.get("message", "") if isinstance(body, dict) else ""
    if status == 500 and isinstance(body, dict) and body.get("reason", "") == "":
        if req.method == "PATCH" and req.content_type.startswith("application/strategic-merge-patch+json"):
            if _SMP_PLAIN_ERRORS.search(message):
                return "strategicpatch's untyped error (handlers/patch.go interpretStrategicMergePatchError)"
        if req.content_type.startswith("application/apply-patch+yaml") and message.startswith(
            "failed to create typed patch object ("
        ):  # kube 1.36 answered 500 to a Deployment apply (and one to its status) with two key-less containers
            return "fieldmanager's typed patch of an apply configuration (managedfields/internal/structuredmerge.go)"
        # cacher.go Get/Watch return the versioner's ParseResourceVersion error as it is (a plain error)
        if req.method in ("GET", "HEAD") and message.startswith("resourceVersion: Invalid value: "):
            return "cacher's unparsable resourceVersion on GET/WATCH (storage/cacher/cacher.go)"
    if status == 500 and body == PANIC_TEXT and req.method == "PATCH":
        return "kube's patch libraries panic here (server/filters/wrap.go WithPanicRecovery)"
    if status == 504 and isinstance(body, dict) and message.startswith("Timeout: Too large resource version: "):
        # storage.NewTooLargeResourceVersionError: a resourceVersion of 2^63 or more is beyond any revision, and
        # so is a continue token's future one (etcd3/store.go GetList on etcdrpc.ErrFutureRev)
        return "storage/errors.go NewTooLargeResourceVersionError (504 Timeout)"
    return None


def _plain_text_allowed(req: Req, status: int, body: Any) -> bool:
    """kube's answers that are not a Status: the mux's NotFound outside the API (genericapiserver's
    NotFoundHandler → "404 page not found"), the OpenAPI v3 handler's empty 404 for a group-version it does
    not serve, and the panic recovery above."""
    if status == 404 and body is None and req.path.startswith("/openapi/v3/"):
        return True
    return (status == 404 and body == "404 page not found\n") or (status == 500 and body == PANIC_TEXT)


# --- requests -----------------------------------------------------------------------------------------------


@dataclass
class Req:
    method: str
    path: str  # already percent-encoded where the strategy wants it so
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")

    def url(self, base: str) -> URL:
        query = urlencode(self.params, quote_via=quote)
        return URL(base + self.path + ("?" + query if query else ""), encoded=True)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        body = self.body if self.body is None or len(self.body) < 300 else self.body[:300] + b"..."
        return f"Req({self.method} {self.path} params={self.params} headers={self.headers} body={body!r})"


@dataclass
class Run:
    """One fuzz run: its namespace and what its answers say etcd must hold."""

    ns: str
    expected: dict[str, set[str]] = field(default_factory=lambda: {"configmaps": set(), "deployments": set()})
    answers: dict[int, int] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)  # requests that may write, for a failure's message

    def record(self, req: Req, status: int, body: Any) -> None:
        """Track creations and deletions from what the server answered (the objects it returned)."""
        if req.method not in ("GET", "HEAD", "OPTIONS"):
            self.writes.append(f"{req.method} {req.path} {req.params} {req.headers.get('Accept')} → {status}")
        if not isinstance(body, dict) or any(k == "dryRun" for k, _ in req.params):
            return
        # list items carry no kind, nor do PartialObjectMetadata and Table rows: the request's path tells
        by_path = next((p for p in self.expected if f"/{p}" in unquote(req.path)), None)
        if status == 201:
            for obj in _objects_of(body):
                self._mark(obj, by_path, present=True)
        elif req.method == "DELETE" and status in (200, 202):
            if body.get("kind") == "Status" and body.get("status") == "Success":
                details = body.get("details") or {}
                if details.get("kind") in self.expected:
                    self.expected[details["kind"]].discard(details.get("name", ""))
                return
            for obj in _objects_of(body):
                self._mark(obj, by_path, present=False)

    def _mark(self, obj: dict[str, Any], by_path: str | None, *, present: bool) -> None:
        meta = obj.get("metadata") or {}
        plural = {"ConfigMap": "configmaps", "Deployment": "deployments"}.get(obj.get("kind", ""), by_path)
        if plural is None or meta.get("namespace") != self.ns:
            return
        if present:
            self.expected[plural].add(meta["name"])
        elif not meta.get("finalizers"):  # with finalizers, a deletion only marks the object
            self.expected[plural].discard(meta["name"])


def _objects_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects in an answer: itself, a list's items, or a Table's rows' objects (``as=Table``)."""
    if body.get("kind") == "Table":
        return [row.get("object") or {} for row in body.get("rows") or []]
    if body.get("kind", "").endswith("List"):
        return list(body.get("items") or [])
    return [body]


def _decode(content_type: str, raw: bytes) -> Any:
    if content_type.startswith(PB):
        return protobuf.decode_object(raw)
    if "yaml" in content_type:
        return yaml.safe_load(raw)
    if "json" in content_type:
        return orjson.loads(raw)
    return raw.decode(errors="replace")


async def _send(session: aiohttp.ClientSession, base: str, req: Req) -> tuple[int, Any, float]:
    """(status, decoded body, seconds). A watch that is accepted is closed once its head arrived."""
    started = time.monotonic()
    async with session.request(
        req.method, req.url(base), data=req.body, headers=req.headers, allow_redirects=False,
        auto_decompress=False, skip_auto_headers=("Content-Type",) if "Content-Type" not in req.headers else (),
    ) as resp:  # fmt: skip
        content_type = resp.headers.get("Content-Type", "")
        streaming = (
            resp.status == 200
            and req.method == "GET"
            and ("/watch/" in req.path or any(k == "watch" for k, _ in req.params))
        )
        raw = b"" if streaming else await resp.read()
        if raw and resp.headers.get("Content-Encoding") == "gzip":  # kube gzips big answers to Accept-Encoding gzip
            raw = gzip.decompress(raw)
        elapsed = time.monotonic() - started
        try:
            body = _decode(content_type, raw) if raw else None
        except Exception as exc:
            raise AssertionError(f"{resp.status} {content_type}: undecodable body {raw[:200]!r}: {exc}") from None
        return resp.status, body, elapsed


async def _check(session: aiohttp.ClientSession, base: str, run: Run, req: Req) -> None:
    try:
        status, body, elapsed = await asyncio.wait_for(_send(session, base, req), 10 * SLOW)
    except TimeoutError:
        raise AssertionError(f"{req!r}: no answer in {10 * SLOW} s") from None
    run.answers[status] = run.answers.get(status, 0) + 1
    assert elapsed < SLOW, f"{req!r} took {elapsed:.2f} s ({status})"
    if status >= 500:
        assert _kube_5xx(req, status, body), f"{req!r} → {status} {body!r}"
    if status >= 400 and req.method != "HEAD" and not _plain_text_allowed(req, status, body):
        assert isinstance(body, dict) and body.get("kind") == "Status", f"{req!r} → {status} {body!r}"
        assert body.get("code") == status, f"{req!r} → {status} {body!r}"
    run.record(req, status, body)


async def _fuzz(
    server: APIServer,
    etcd_client: EtcdClient,
    strategy: Callable[[str], st.SearchStrategy[Req]],
    examples: int,
    shrink: bool,
) -> Run:
    """Run ``examples`` requests from ``strategy(namespace)`` (in a thread, each sent on this loop), then check
    the server's health and etcd's content against the answers."""
    loop = asyncio.get_running_loop()
    run = Run(f"fz-{uuid.uuid4().hex[:8]}")
    async with aiohttp.ClientSession() as session:
        await _check(session, server.url, run, Req("POST", "/api/v1/namespaces", headers=_JSON,
                                                    body=orjson.dumps({"metadata": {"name": run.ns}})))  # fmt: skip
        assert run.answers == {201: 1}
        await _seed(run.ns, lambda req: _check(session, server.url, run, req))

        @settings(
            deadline=None,
            max_examples=examples,
            database=None,
            phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if shrink else [])],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        )
        @given(strategy(run.ns))
        def one(req: Req) -> None:
            asyncio.run_coroutine_threadsafe(_check(session, server.url, run, req), loop).result(timeout=30)

        await asyncio.to_thread(one)
        started = time.monotonic()
        async with session.get(server.url + "/readyz") as resp:
            assert (resp.status, await resp.text()) == (200, "ok")
        assert time.monotonic() - started < SLOW
    for plural, names in run.expected.items():
        prefix = f"/registry/{plural}/{run.ns}/".encode()
        stored = await etcd_client.range(prefix, prefix_range_end(prefix), keys_only=True)
        in_etcd = {kv.key[len(prefix) :].decode() for kv in stored.kvs}
        writes = [w for w in run.writes if f"/{plural}" in unquote(w)]
        assert in_etcd == names, f"{plural}: {in_etcd ^ names} differ; the requests that may write:\n" + "\n".join(
            writes
        )
    return run


# --- strategies ------------------------------------------------------------------------------------------------

_JSON = {"Content-Type": "application/json"}
_INTS = st.one_of(
    st.integers(-10, 10),
    st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**20, 10**400]),
    st.integers(),
)
_SCALARS = st.one_of(st.none(), st.booleans(), _INTS, st.floats(allow_nan=False, allow_infinity=False), st.text())
_JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_DNS = st.from_regex(r"\A[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?\Z")
_NAMES = st.one_of(st.sampled_from(["a", "b", "d", "fz", "x.y"]), _DNS, st.text(max_size=12))
_LABEL_KEYS = st.one_of(st.sampled_from(["app", "a.b/c", "x"]), st.text(max_size=12))
_LABELS = st.dictionaries(_LABEL_KEYS, st.one_of(st.sampled_from(["v", ""]), st.text(max_size=12)), max_size=3)


@st.composite
def _metadata(draw: st.DrawFn) -> dict[str, Any]:
    meta = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "name": _NAMES,
                "generateName": st.sampled_from(["g-", "G", "", "x" * 300]),
                "labels": _LABELS | _JSON_VALUES,
                "annotations": _LABELS | _JSON_VALUES,
                "resourceVersion": st.sampled_from(["", "1", "abc", "99999999999999999999"]),
                "uid": st.text(max_size=5),
                "generation": _INTS,
                "creationTimestamp": st.sampled_from(["2020-01-01T00:00:00Z", "yesterday", 5, None]),
                "namespace": st.sampled_from(["other", "", 5]),
                "managedFields": st.lists(_JSON_VALUES, max_size=2),
            },
        )
    )
    if draw(st.booleans()):
        meta[draw(st.text(max_size=10))] = draw(_JSON_VALUES)
    return meta


@st.composite
def _configmap(draw: st.DrawFn) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": draw(st.sampled_from(["v1", "v1", "v2", "apps/v1", ""])),
        "kind": draw(st.sampled_from(["ConfigMap", "ConfigMap", "Secret", "", "configmap"])),
        "metadata": draw(_metadata() | _JSON_VALUES) if draw(st.integers(0, 9)) else draw(_metadata()),
    }
    if draw(st.booleans()):
        obj["data"] = draw(st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3) | _JSON_VALUES)
    if draw(st.integers(0, 3)) == 0:
        obj["binaryData"] = draw(st.dictionaries(st.text(max_size=5), st.sampled_from(["aGk=", "!!", ""])))
    if draw(st.integers(0, 3)) == 0:
        obj["immutable"] = draw(_SCALARS)
    if draw(st.integers(0, 3)) == 0:
        obj[draw(st.text(max_size=10))] = draw(_JSON_VALUES)
    for key in draw(st.lists(st.sampled_from(["apiVersion", "kind", "metadata"]), max_size=1)):
        del obj[key]
    return obj


def _deep(depth: int, kind: str) -> bytes:
    return {"list": b"[" * depth + b"]" * depth, "map": b'{"a":' * depth + b"1" + b"}" * depth}[kind]


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Flip, drop or insert bytes at the drawn positions."""
    out = bytearray(data)
    for op, pos, byte in ops:
        if not out:
            break
        pos %= len(out)
        if op == 0:
            out[pos] = byte
        elif op == 1:
            del out[pos]
        else:
            out.insert(pos, byte)
    return bytes(out)


_YAML_SNIPPETS = [
    b"a: &a [x, x]\nb: [*a, *a]\n",
    b"a: &x\n  b: *x\n",
    b"a: *nope\n",
    b"a: !!int abc\n",
    b"a: !foo bar\n",
    b"a: !!binary aGVsbG8=\n",
    b"a: !!python/object:os.system ls\n",
    b"? [a, b]\n: c\n",
    b"a: 1\na: 2\n",
    b"%YAML 1.1\n---\na: b\n",
    b"---\na: 1\n---\nb: 2\n",
    b"a: 0x1F\nb: 1e400\nc: .inf\nd: ~\ne: 2020-01-01\n",
    b"\t a: b\n",
]


@st.composite
def _body(draw: st.DrawFn, obj: st.SearchStrategy[Any]) -> bytes:
    """A request body: the object as JSON, YAML or protobuf, or garbage, maybe mutated or gzipped."""
    value = draw(obj)
    form = draw(st.sampled_from(["json", "json", "json", "yaml", "yaml-snippet", "protobuf", "deep", "bytes"]))
    if form == "json":
        data = json.dumps(value).encode()
    elif form == "yaml":
        data = yaml.safe_dump(value).encode()
    elif form == "yaml-snippet":
        data = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ys\ndata:\n" + b"".join(
            b"  " + line + b"\n" for line in draw(st.sampled_from(_YAML_SNIPPETS)).splitlines()
        )
    elif form == "protobuf":
        try:
            data = protobuf.encode_object(value) if isinstance(value, dict) else b"k8s\x00" + json.dumps(value).encode()
        except Exception:  # the random object has no protobuf form: its garbage then
            data = b"k8s\x00" + draw(st.binary(max_size=40))
    elif form == "deep":
        data = _deep(draw(st.sampled_from([100, 250, 10_001, 50_000])), draw(st.sampled_from(["list", "map"])))
    else:
        data = draw(st.binary(max_size=100))
    if draw(st.integers(0, 4)) == 0:
        data = _mutate(data, draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)),
                                           min_size=1, max_size=4)))  # fmt: skip
    if draw(st.integers(0, 9)) == 0:
        data = gzip.compress(data)
    return data


_BODY_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json",
        "application/yaml",
        PB,
        "application/json; charset=utf-8",
        "application/json;charset=utf-16",
        "application/json;as=Table;v=v1;g=meta.k8s.io",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/cbor",
        "application/apply-patch+yaml",
        "application/merge-patch+json",
        "*/*",
        "garbage",
        "",
    ]
)
_ACCEPTS = st.sampled_from(
    [
        "application/json",
        "application/yaml",
        f"{PB}, application/json",
        "application/json;as=Table;v=v1;g=meta.k8s.io",
        "application/json;as=Table;v=v1;g=meta.k8s.io, application/json",
        "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
        "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json",
        "application/json;stream=watch",
        "text/html",
        "*/*",
        "garbage;;",
        "",
    ]
)
_ENCODINGS = st.sampled_from(["gzip", "deflate", "br", "identity", "x-unknown", "gzip, gzip"])
# header values aiohttp's client sends (no CR/LF, latin-1)
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=30)
_HEADER_NAMES = st.from_regex(r"\A[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}\Z")


# kube negotiates a write's output before the write but converts after it: a write asking for a
# PartialObjectMetadataList (handlers/response.go asPartialObjectMetadataList) is stored, then answered 406,
# and its answer does not say what was stored, so writes do not ask for it
_WRITE_ACCEPTS = _ACCEPTS.filter(lambda a: "PartialObjectMetadataList" not in a)


@st.composite
def _headers(
    draw: st.DrawFn, content_type: st.SearchStrategy[str] | None = None, *, write: bool = True
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["Content-Type"] = draw(content_type)
    if draw(st.booleans()):
        headers["Accept"] = draw(_WRITE_ACCEPTS if write else _ACCEPTS)
    if draw(st.integers(0, 5)) == 0:
        headers["Content-Encoding"] = draw(_ENCODINGS)
    if draw(st.integers(0, 5)) == 0:
        headers["Accept-Encoding"] = draw(_ENCODINGS)
    if draw(st.integers(0, 9)) == 0:
        headers["Impersonate-User"] = draw(st.sampled_from(["system:admin", "nobody", ""]))
    for name in draw(st.lists(_HEADER_NAMES, max_size=2)):
        if name.lower() not in ("content-length", "transfer-encoding", "host", "connection", "expect", "upgrade"):
            headers[name] = draw(_HEADER_TEXT)
    return headers


_SELECTOR_TOKENS = st.sampled_from(
    ["a", "a.b/c", "=", "==", "!=", ",", "!", " in ", " notin ", "(", ")", "x", "", " ", "metadata.name",
     "metadata.namespace", "spec.nodeName", "status.phase", "\\", "%", "é", ">", "<", "1", "a" * 70]
)  # fmt: skip
_SELECTORS = st.one_of(st.lists(_SELECTOR_TOKENS, max_size=8).map("".join), st.text(max_size=20))


def _resource_versions(current: int) -> st.SearchStrategy[str]:
    """No revision past etcd's current one (up to 2^64-1, which parses): kube's cacher waits 3 s for those
    (blockTimeout in storage/cacher/watch_cache.go) before its 504, tested in test_hostile_input and
    test_watch; here they would spend the run's time waiting. (Future revisions in continue tokens go to etcd,
    which refuses them at once, and are drawn.)"""
    return st.one_of(
        st.sampled_from(["", "0", "1", "-1", "abc", " 1", "1.5", "0x10", "99999999999999999999",
                         "18446744073709551616", "-9223372036854775809"]),
        st.integers(1, current).map(str),
    )  # fmt: skip


@st.composite
def _continue_tokens(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=20))
    raw = {"v": draw(st.sampled_from(["meta.k8s.io/v1", "", "v2"])), "rv": draw(_INTS | _SCALARS),
           "start": draw(st.sampled_from(["a", "", "../x", "/", "\x00"]) | st.text(max_size=5))}  # fmt: skip
    if kind == 1:
        raw = draw(_JSON_VALUES)
    data = json.dumps(raw).encode()
    return (base64.urlsafe_b64encode(data).rstrip(b"=") if kind != 3 else base64.b64encode(data)).decode()


def _list_params(current: int) -> st.SearchStrategy[list[tuple[str, str]]]:
    values = {
        "labelSelector": _SELECTORS,
        "fieldSelector": _SELECTORS,
        "resourceVersion": _resource_versions(current),
        "resourceVersionMatch": st.sampled_from(["Exact", "NotOlderThan", "", "exact", "Bogus"]),
        "limit": st.sampled_from(["1", "0", "-1", "500", "abc", "99999999999999999999", " 5", "2"]),
        "continue": _continue_tokens(),
        "timeoutSeconds": st.sampled_from(["1", "0", "-1", "abc", "99999999999999999999", "1.5"]),
        "watch": st.sampled_from(["1", "true", "false", "0", "maybe", ""]),
        "allowWatchBookmarks": st.sampled_from(["true", "bogus"]),
        "sendInitialEvents": st.sampled_from(["true", "false", "x"]),
        "pretty": st.sampled_from(["true", "1", "x"]),
        "includeObject": st.sampled_from(["None", "Metadata", "Object", "x"]),
        "x-unknown": st.text(max_size=5),
    }
    keyed = st.sampled_from(sorted(values)).flatmap(lambda k: values[k].map(lambda v: (k, v)))
    return st.lists(keyed, max_size=5)


_WRITE_PARAMS = st.lists(
    st.one_of(
        st.tuples(st.just("dryRun"), st.sampled_from(["All", "all", ""])),
        st.tuples(st.just("fieldValidation"), st.sampled_from(["Strict", "Warn", "Ignore", "strict", ""])),
        st.tuples(st.just("fieldManager"), st.sampled_from(["m", "", "x" * 200, "\x01"])),
        st.tuples(st.just("force"), st.sampled_from(["true", "false", "x"])),
        st.tuples(st.just("pretty"), st.sampled_from(["true", "x"])),
        st.tuples(st.just("gracePeriodSeconds"), st.sampled_from(["0", "-1", "abc", "99999999999999999999"])),
        st.tuples(st.just("propagationPolicy"), st.sampled_from(["Foreground", "Orphan", "Background", "x"])),
    ),
    max_size=3,
)


def _creates(ns: str) -> st.SearchStrategy[Req]:
    """POST (and PUT) of random bodies with right and wrong Content-Types and encodings."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    return st.builds(
        Req,
        method=st.sampled_from(["POST", "POST", "POST", "PUT"]),
        path=st.one_of(st.just(base), _NAMES.map(lambda n: f"{base}/{quote(n, safe='')}")),
        params=_WRITE_PARAMS,
        headers=_headers(_BODY_TYPES),
        body=_body(_configmap()),
    ).filter(lambda r: r.method == "POST" or r.path != base)


def _reads(ns: str, current: int) -> st.SearchStrategy[Req]:
    """LIST, WATCH and GET with selectors and every resourceVersion/limit/continue/timeoutSeconds flavour."""
    paths = st.sampled_from([f"/api/v1/namespaces/{ns}/configmaps", "/api/v1/configmaps",
                             f"/api/v1/namespaces/{ns}/configmaps/a", f"/apis/apps/v1/namespaces/{ns}/deployments",
                             f"/api/v1/watch/namespaces/{ns}/configmaps", "/api/v1/namespaces",
                             f"/api/v1/namespaces/{ns}/events"])  # fmt: skip
    return st.builds(
        Req, method=st.sampled_from(["GET", "GET", "GET", "HEAD"]), path=paths, params=_list_params(current),
        headers=_headers(write=False),
    )  # fmt: skip


_PATCH_TYPES = st.sampled_from(
    [
        "application/strategic-merge-patch+json",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/apply-patch+yaml",
        "application/json",
        "application/yaml",
        "application/apply-patch+cbor",
        "text/plain",
    ]
)
_POINTERS = st.one_of(
    st.sampled_from(["", "/", "/data", "/data/a", "/metadata/labels/a", "/spec/replicas", "/metadata/name",
                     "/spec/template/spec/containers/0", "/spec/template/spec/containers/-", "/metadata/finalizers/0",
                     "/a~1b", "/a~2", "/data/-1", "/spec/template/spec/containers/99999999999999999999", "data"]),
    st.text(max_size=12),
)  # fmt: skip
_JSON_PATCH_OPS = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus", 5])},
        optional={"path": _POINTERS | _JSON_VALUES, "from": _POINTERS, "value": _JSON_VALUES},
    ),
    max_size=4,
)
_DIRECTIVES = st.sampled_from(
    [
        {"$patch": "replace"},
        {"$patch": "delete"},
        {"$patch": "merge"},
        {"$patch": "bogus"},
        {"$retainKeys": ["replicas"]},
        {"$retainKeys": 5},
        {"$setElementOrder/containers": [{"name": "c"}, {"name": "z"}]},
        {"$setElementOrder/containers": "x"},
        {"$deleteFromPrimitiveList/finalizers": ["a"]},
        {"$deleteFromPrimitiveList/finalizers": 5},
    ]
)


@st.composite
def _merge_patch(draw: st.DrawFn) -> Any:
    """A merge/strategic patch shaped like a Deployment (with directives), or any JSON value."""
    if draw(st.integers(0, 4)) == 0:
        return draw(_JSON_VALUES)
    containers = st.lists(
        st.fixed_dictionaries({}, optional={"name": st.sampled_from(["c", "z"]) | _SCALARS, "image": st.just("i"),
                                            "ports": st.lists(_JSON_VALUES, max_size=2)}).flatmap(
            lambda c: _DIRECTIVES.map(lambda d: {**c, **d}) if c and c.get("name") == "z" else st.just(c)
        ) | _JSON_VALUES,
        max_size=3,
    )  # fmt: skip
    spec: dict[str, Any] = draw(st.fixed_dictionaries({}, optional={
        "replicas": _INTS | _SCALARS,
        "template": st.fixed_dictionaries({"spec": st.fixed_dictionaries({}, optional={"containers": containers})}),
        "strategy": _DIRECTIVES | _JSON_VALUES,
    }))  # fmt: skip
    if draw(st.booleans()):
        spec.update(draw(_DIRECTIVES))
    patch: dict[str, Any] = {"spec": spec}
    if draw(st.booleans()):
        patch["metadata"] = draw(st.fixed_dictionaries({}, optional={"labels": _LABELS | _JSON_VALUES,
                                                                     "finalizers": st.just([]) | _JSON_VALUES,
                                                                     "name": _NAMES}))  # fmt: skip
    if draw(st.booleans()):
        patch["data"] = draw(_JSON_VALUES)
    return patch


@st.composite
def _patch(draw: st.DrawFn, ns: str) -> Req:
    content_type = draw(_PATCH_TYPES)
    target = draw(st.sampled_from([f"/apis/apps/v1/namespaces/{ns}/deployments/d",
                                   f"/api/v1/namespaces/{ns}/configmaps/a",
                                   f"/apis/apps/v1/namespaces/{ns}/deployments/d/scale",
                                   f"/apis/apps/v1/namespaces/{ns}/deployments/d/status",
                                   f"/api/v1/namespaces/{ns}/configmaps/missing"]))  # fmt: skip
    if content_type == "application/json-patch+json":
        value: Any = draw(_JSON_PATCH_OPS | _JSON_VALUES)
    elif content_type == "application/apply-patch+yaml":
        kind = "Deployment" if "deployments" in target else "ConfigMap"
        value = draw(_merge_patch())
        if isinstance(value, dict) and draw(st.integers(0, 3)):
            value = {"apiVersion": "apps/v1" if kind == "Deployment" else "v1", "kind": kind,
                     "metadata": {"name": target.rsplit("/", 1)[1]}, **value}  # fmt: skip
    else:
        value = draw(_merge_patch())
    if draw(st.integers(0, 9)):
        body = yaml.safe_dump(value) if content_type.endswith("yaml") and draw(st.booleans()) else json.dumps(value)
        data = body.encode()
        if draw(st.integers(0, 6)) == 0:
            data = _mutate(data, draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6),
                                                         st.integers(0, 255)), min_size=1, max_size=3)))  # fmt: skip
    else:
        data = draw(_body(_JSON_VALUES))
    params = draw(_WRITE_PARAMS)
    if content_type == "application/apply-patch+yaml" and draw(st.integers(0, 5)):
        params = [("fieldManager", "fuzz"), *params]
    return Req("PATCH", target, params, draw(_headers(st.just(content_type))), data)


_METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO",
                            "MKCOL", "CONNECT"])  # fmt: skip


def _odd_segment() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["", ".", "..", "%2e%2e", "%2F", "%00", "%0d%0a", "%ff", "~", "a%20b", "%", "%zz", ";x",
                         "status", "scale", "log", "proxy", "exec", "finalize", "binding", "eviction", "watch"]),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"), max_size=8),
        st.text(max_size=6).map(lambda s: quote(s, safe="")),
    )  # fmt: skip


@st.composite
def _anywhere(draw: st.DrawFn, ns: str) -> Req:
    """Random methods on random paths: the fuzz namespace's resources and their subresources, unknown groups,
    versions and resources, odd segments and encodings; the non-resource paths only with methods that change
    nothing there (a random DELETE of another namespace's collection would reach other tests' objects)."""
    method = draw(_METHODS)
    resource = draw(st.sampled_from([
        f"/api/v1/namespaces/{ns}/configmaps", f"/apis/apps/v1/namespaces/{ns}/deployments",
        f"/api/v1/namespaces/{ns}/pods", f"/api/v1/namespaces/{ns}/nosuch",
        f"/apis/nope.example.com/v1/namespaces/{ns}/x", f"/api/v2/namespaces/{ns}/configmaps",
        f"/api/v1/namespaces/{ns}", f"/apis/apps/v1/namespaces/{ns}/deployments/d",
        f"/api/v1/namespaces/{ns}/configmaps/a", "/api/v1/namespaces/fz-none-here/configmaps",
    ]))  # fmt: skip
    readonly = draw(st.sampled_from(["/", "/api", "/apis", "/apis/apps", "/apis/apps/v1", "/api/v1", "/version",
                                     "/livez", "/healthz/etcd", "/openapi/v3", "/.well-known/openid-configuration",
                                     "/apis/apps/v1/deployments", "/api/v1/configmaps", "/nothing",
                                     "//api//v1"]))  # fmt: skip
    if draw(st.integers(0, 3)) == 0:
        path, method = readonly, draw(st.sampled_from(["GET", "HEAD", "OPTIONS", "FOO", "PROPFIND"]))
    else:
        path = resource
    path += "".join("/" + s for s in draw(st.lists(_odd_segment(), max_size=3)))
    if draw(st.integers(0, 7)) == 0:
        path += draw(st.sampled_from(["/", "//", "/."]))
    if method == "DELETE" and re.fullmatch(rf"/api/v1/namespaces/{ns}[/.]*", path):
        method = "GET"  # the run's namespace stays: its deletion takes the objects etcd is compared on with it
    params = draw(st.lists(st.tuples(st.sampled_from(["watch", "dryRun", "pretty", "limit", "x", ""]),
                                     st.text(max_size=6)), max_size=2))  # fmt: skip
    body = draw(st.none() | _body(_configmap()))
    content_type = st.sampled_from(["application/json", "application/yaml", PB, "application/merge-patch+json"])
    headers = draw(_headers(content_type if body is not None else None, write=method not in ("GET", "HEAD")))
    return Req(method, path, params, headers, body)


# --- the tests --------------------------------------------------------------------------------------------------

_DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d", "labels": {"app": "v"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "v"}},
        "template": {"metadata": {"labels": {"app": "v"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
    },
}


async def _seed(ns: str, send: Callable[[Req], Awaitable[None]]) -> None:
    """A ConfigMap ``a`` and a Deployment ``d`` for patches and GETs to meet."""
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"app": "v"}}}
    await send(Req("POST", f"/api/v1/namespaces/{ns}/configmaps", headers=_JSON, body=orjson.dumps(cm)))
    await send(Req("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", headers=_JSON, body=orjson.dumps(_DEPLOYMENT)))


async def _run(kind: str, server: APIServer, etcd_client: EtcdClient, examples: int, shrink: bool = False) -> Run:
    current = await etcd_client.current_revision()
    strategies: dict[str, Callable[[str], st.SearchStrategy[Req]]] = {
        "creates": _creates,
        "reads": lambda ns: _reads(ns, current),
        "patches": lambda ns: _patch(ns),
        "anywhere": lambda ns: _anywhere(ns),
    }
    run = await _fuzz(server, etcd_client, strategies[kind], examples, shrink)
    assert sum(run.answers.values()) >= examples  # every example was sent (and the seeds)
    return run


# examples per fuzzer in `make test`: about 30 s together on a loaded 2-core machine
EXAMPLES = {"creates": 700, "reads": 1200, "patches": 800, "anywhere": 800}


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
async def test_fuzz(kind: str, server: APIServer, etcd_client: EtcdClient) -> None:
    run = await _run(kind, server, etcd_client, EXAMPLES[kind])
    assert len(run.answers) > 1  # the strategies reach more than one kind of answer


@pytest.mark.soak
@pytest.mark.parametrize("kind", sorted(EXAMPLES))
async def test_soak_fuzz(kind: str, server: APIServer, etcd_client: EtcdClient) -> None:
    """``make soak``: AIOKUBE_FUZZ_FACTOR (40) times the examples, minutes per fuzzer."""
    run = await _run(kind, server, etcd_client, EXAMPLES[kind] * SOAK_FACTOR, shrink=True)
    print(f"fuzz {kind}: {sum(run.answers.values())} requests, answers {dict(sorted(run.answers.items()))}")
