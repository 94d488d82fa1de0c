"""Kubernetes protobuf: byte-exact against kube's captures, every type through every encoder, watch frames.

Watch frames are parsed here by an independent minimal protobuf reader, not by encoding.protobuf.
"""

from __future__ import annotations

import asyncio
import random
import re
import struct
import uuid
from typing import Any

import aiohttp
import orjson
import pytest
import yaml
from prometheus_client import REGISTRY

from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.server import APIServer
from aiokube.encoding import protobuf
from tests.conftest import API, FIXTURES, load_fixture
from tests.samples import renamed, samples

PB = "application/vnd.kubernetes.protobuf"
SERVED = Registry()


# --- an independent reader: varints and length-delimited fields only --------------------------------


def read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def read_fields(buf: bytes) -> list[tuple[int, Any]]:
    out, i = [], 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        if key & 7 == 0:
            value, i = read_varint(buf, i)
        else:
            assert key & 7 == 2, "only varint and length-delimited fields expected"
            n, i = read_varint(buf, i)
            value, i = buf[i : i + n], i + n
        out.append((key >> 3, value))
    return out


def read_watch_frames(stream: bytes) -> list[tuple[str, str, str, bytes]]:
    """[(event type, apiVersion, kind, raw object bytes)] from a protobuf watch stream."""
    frames, i = [], 0
    while i < len(stream):
        (n,) = struct.unpack(">I", stream[i : i + 4])
        event = dict(read_fields(stream[i + 4 : i + 4 + n]))
        i += 4 + n
        envelope = dict(read_fields(event[2]))[1]
        assert envelope[:4] == b"k8s\x00"
        unknown = dict(read_fields(envelope[4:]))
        type_meta = dict(read_fields(unknown[1]))
        frames.append((event[1].decode(), type_meta[1].decode(), type_meta[2].decode(), unknown[2]))
    return frames


# --- against kube's own bytes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pod_get", "pods_list"])
def test_decode_and_encode_match_kube_byte_for_byte(name: str) -> None:
    data = (FIXTURES / f"kube-1.36/{name}.pb").read_bytes()
    expected = load_fixture(f"kube-1.36/{name}.json")
    decoded = protobuf.decode_object(data)
    assert decoded == expected and list(decoded) == list(expected)
    assert orjson.dumps(decoded) == orjson.dumps(expected)  # field order included
    assert protobuf.encode_object(expected) == data


def test_watch_stream_matches_kube_byte_for_byte() -> None:
    data = (FIXTURES / "kube-1.36/watch_configmaps.pb").read_bytes()
    json_lines = [
        orjson.loads(line)
        for line in (FIXTURES / "kube-1.36/watch_configmaps_bookmarks.json").read_bytes().splitlines()
    ]
    frames = read_watch_frames(data)
    assert [f[0] for f in frames] == [ev["type"] for ev in json_lines]
    rebuilt = b""
    for (event_type, api_version, kind, raw), ev in zip(frames, json_lines, strict=True):
        assert (api_version, kind) == ("v1", "ConfigMap")
        obj = protobuf.decode_message(raw, "k8s.io.api.core.v1.ConfigMap")
        assert {"kind": kind, "apiVersion": api_version, **obj} == ev["object"]
        rebuilt += protobuf.watch_event(event_type, protobuf.encode_object(ev["object"]))
    assert rebuilt == data


def test_kubectl_create_request_body_decodes() -> None:
    # kubectl create configmap kubectl-cm --from-literal=a=b, as captured from kubectl -v=8
    body = bytes.fromhex(
        "6b7300"
        "0a0f0a0276311209436f6e6669674d617012240a1a0a0a6b75626563746c2d636d12001a0022002a00320038"
        "0042001206 0a01611201621a002200".replace(" ", "")
    )
    body = b"k8s\x00" + body[3:]
    assert protobuf.decode_object(body) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "kubectl-cm"},
        "data": {"a": "b"},
    }


# --- every covered type through every encoder ----------------------------------------------------------


def _url(path: str, ns: str) -> str:
    """A sample's collection URL ("api/v1/pods" or "apis/<group>/<version>/<plural>") in namespace ``ns``."""
    parts = path.split("/")
    group, version, plural = ("", *parts[1:]) if parts[0] == "api" else parts[1:]
    info = SERVED.get(group, version, plural)
    assert info is not None, path
    if not info.namespaced:
        return "/" + path
    prefix, plural = path.rsplit("/", 1)
    return f"/{prefix}/namespaces/{ns}/{plural}"


def _unique(obj: dict[str, Any], suffix: str) -> dict[str, Any]:
    obj = orjson.loads(orjson.dumps(obj))
    renamed(obj, suffix)
    return obj


def _without_nested_type_meta(obj: dict[str, Any]) -> dict[str, Any]:
    """StatefulSet claim templates show kind/apiVersion in JSON (kube's conversion sets them); protobuf has
    no field for them."""
    templates = (obj.get("spec") or {}).get("volumeClaimTemplates")
    if not templates:
        return obj
    bare = [{k: v for k, v in t.items() if k not in ("kind", "apiVersion")} for t in templates]
    return {**obj, "spec": {**obj["spec"], "volumeClaimTemplates": bare}}


@pytest.mark.parametrize("path", list(samples()))
async def test_every_type_in_every_encoder(api: API, ns: str, path: str) -> None:
    obj = _unique(samples()[path], uuid.uuid4().hex[:6])
    url = _url(path, ns)
    status, created, _ = await api.post(url, obj)
    assert status == 201, created
    item = f"{url}/{created['metadata']['name']}"
    if created["kind"] == "APIService":  # kube's availability controller writes its status at once
        for _ in range(200):
            if (created := (await api.get(item))[1]).get("status"):
                break
            await asyncio.sleep(0.05)
    status, as_json, headers = await api.get(item)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert as_json == created

    async with api.session.get(api.base + item, headers={"Accept": PB}) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == PB
        pb = await resp.read()
    decoded = protobuf.decode_object(pb)
    assert decoded == _without_nested_type_meta(as_json)  # field by field: the protobuf's view == the JSON form
    assert list(decoded) == list(as_json)

    async with api.session.get(api.base + item, headers={"Accept": "application/yaml"}) as resp:
        assert yaml.safe_load(await resp.text()) == as_json

    # lists in protobuf carry the same objects
    async with api.session.get(api.base + url, headers={"Accept": PB}) as resp:  # consistent: includes it
        listed = protobuf.decode_object(await resp.read())
    assert listed["kind"] == created["kind"] + "List"
    named = [i for i in listed["items"] if i["metadata"]["name"] == created["metadata"]["name"]]
    assert named == [{k: v for k, v in _without_nested_type_meta(as_json).items() if k not in ("kind", "apiVersion")}]

    # and a protobuf body creates the same object as a JSON body
    copy = _unique(samples()[path], uuid.uuid4().hex[:6])
    if copy["kind"] == "Service":  # the first one holds the sample's cluster IP: another from the static part
        copy["spec"]["clusterIP"] = f"10.96.0.{random.randint(20, 250)}"
    status, from_pb, headers = await api.request(
        "POST", url, data=protobuf.encode_object(copy), headers={"Content-Type": PB, "Accept": "application/json"}
    )
    assert status == 201, from_pb
    ignore = ("name", "uid", "resourceVersion", "creationTimestamp")

    def strip(o: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in o["metadata"].items() if k not in ignore}
        # (the availability controller's status write on an APIService is not the client's)
        meta["managedFields"] = [
            {**e, "time": ""} for e in meta.get("managedFields", []) if e["manager"] != "kube-apiserver"
        ]
        meta.get("labels", {}).pop("kubernetes.io/metadata.name", None)  # a namespace's own name
        if isinstance(o.get("status"), dict) and "lastPhaseTransitionTime" in o["status"]:  # a PV's: now
            o = {**o, "status": {**o["status"], "lastPhaseTransitionTime": ""}}
        if o.get("kind") == "APIService":  # the status the controller writes, or not yet; its own group
            o = {k: v for k, v in o.items() if k != "status"}
            o["spec"] = {k: v for k, v in o["spec"].items() if k != "group"}
        if o.get("kind") == "Service":  # each Service gets its own cluster IP
            o = {**o, "spec": {k: v for k, v in o["spec"].items() if k not in ("clusterIP", "clusterIPs")}}
        # a pod's service account token volume has a random name; a Job labels its pods with its name and uid
        unnamed = re.sub(rb"kube-api-access-\w{5}", b"kube-api-access-", orjson.dumps({**o, "metadata": meta}))
        for own in (o["metadata"]["uid"], o["metadata"]["name"]):
            unnamed = unnamed.replace(f'"{own}"'.encode(), b'"OWN"')
        return orjson.loads(unnamed)

    assert strip(from_pb) == strip(created)


async def test_status_errors_in_protobuf(api: API, ns: str) -> None:
    async with api.session.get(
        f"{api.base}/api/v1/namespaces/{ns}/configmaps/missing", headers={"Accept": f"{PB}, application/json"}
    ) as resp:
        assert resp.status == 404 and resp.headers["Content-Type"] == PB
        status = protobuf.decode_object(await resp.read())
    assert status["kind"] == "Status" and status["code"] == 404 and status["reason"] == "NotFound"
    assert status["message"] == 'configmaps "missing" not found'


async def test_50_json_and_50_protobuf_watchers_serialize_each_event_once_per_encoder(
    api: API, ns: str, server: APIServer
) -> None:
    base = f"/api/v1/namespaces/{ns}/endpoints"
    _, lst, _ = await api.get(base)
    params = {"watch": "1", "resourceVersion": lst["metadata"]["resourceVersion"]}
    events = 1000
    json_got: list[list[bytes]] = [[] for _ in range(50)]
    pb_got: list[bytearray] = [bytearray() for _ in range(50)]

    # the watchers get their own connection pool (aiohttp's default holds 100 connections)
    watch_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def json_watcher(i: int) -> None:
        async with watch_session.get(api.base + base, params=params) as resp:
            while len(json_got[i]) < events:
                line = await resp.content.readline()
                assert line, "the stream ended early"
                json_got[i].append(line)

    async def pb_watcher(i: int) -> None:
        async with watch_session.get(api.base + base, params=params, headers={"Accept": f"{PB};stream=watch"}) as resp:
            assert resp.headers["Content-Type"] == f"{PB};stream=watch"
            while pb_got[i].count(b"\x0a\x05ADDED") < events:
                data = await resp.content.readany()
                assert data, "the stream ended early"
                pb_got[i] += data

    tasks = [asyncio.create_task(json_watcher(i)) for i in range(50)]
    tasks += [asyncio.create_task(pb_watcher(i)) for i in range(50)]
    await asyncio.sleep(0.5)

    def counts() -> tuple[float, float]:
        return tuple(
            REGISTRY.get_sample_value("aiokube_serializations_total", {"encoder": e, "resource": "endpoints"}) or 0.0
            for e in ("json", "protobuf")
        )

    before = counts()
    sem = asyncio.Semaphore(16)

    async def create(i: int) -> None:
        async with sem:
            body = {
                "metadata": {"name": f"ep{i:04}"},
                "subsets": [{"addresses": [{"ip": f"10.0.{i // 256}.{i % 256}"}]}],
            }
            status, _, _ = await api.post(base, body)
            assert status == 201

    await asyncio.gather(*(create(i) for i in range(events)))
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    after = counts()
    assert after[0] - before[0] == events  # exactly one JSON serialization per event...
    assert after[1] - before[1] == events  # ...and one protobuf serialization, for 50 watchers each
    names = [orjson.loads(line)["object"]["metadata"]["name"] for line in json_got[0]]
    assert sorted(names) == [f"ep{i:04}" for i in range(events)]
    assert all(g == json_got[0] for g in json_got)
    first = read_watch_frames(bytes(pb_got[0]))
    assert len(first) == events and all(f[0] == "ADDED" and f[2] == "Endpoints" for f in first)
    assert [protobuf.decode_message(f[3], "k8s.io.api.core.v1.Endpoints")["metadata"]["name"] for f in first] == names
    assert all(bytes(g) == bytes(pb_got[0]) for g in pb_got)
