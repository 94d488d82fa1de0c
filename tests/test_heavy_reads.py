"""Heavy objects (encoding/weight.py: big, or more than 1,000 brackets) that reach the server from etcd — written
by another server, read back, watched, fetched as YAML, deleted — are decoded and encoded in the CPU thread,
and clients get the same bytes as for any other object."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from aiokube.apiserver.endpoints import patcher
from aiokube.apiserver.endpoints.output import Output
from aiokube.encoding import deepjson, encoders, goyamlwrite, weight
from aiokube.encoding.encoders import yaml_dump
from aiokube.storage import store as storage_store
from aiokube.storage.store import Store
from aiokube.watchcache import entries
from tests.conftest import API, threads_calling

CPU_THREAD = "aiokube-parse_0"


async def _next_event(lines: AsyncIterator[bytes]) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(anext(lines), 10))


async def test_another_servers_heavy_write_is_decoded_and_encoded_in_the_cpu_thread(
    api: API, ns: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIOKUBE_CHECK_READONLY", "0")  # the suite's read-only check decodes once more, on the loop
    def key_in_ns(args: tuple[Any, ...]) -> bool:  # decode_from_storage(data, revision, key)
        return f"/{ns}/" in args[2]

    def object_in_ns(args: tuple[Any, ...]) -> bool:  # a method's (self, entry or object, ...)
        obj = args[1].obj if hasattr(args[1], "obj") else args[1]
        return bool(obj.get("metadata", {}).get("namespace") == ns)

    decoded = threads_calling(monkeypatch, entries, "decode_from_storage", which=key_in_ns)  # the watch cache's
    warmed = threads_calling(monkeypatch, entries.Entries, "_warm", which=object_in_ns)
    read = threads_calling(monkeypatch, storage_store, "decode_from_storage", which=key_in_ns)  # reads of etcd
    encoded = threads_calling(monkeypatch, Output, "encode_object", only="chunks", which=object_in_ns)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    value = "{" * (2 * weight.HEAVY_BRACKETS)  # heavy by its brackets, whatever their place
    cm = {
        "kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "foreign", "namespace": ns, "uid": str(uuid.uuid4()),
                     "creationTimestamp": "2026-12-05T00:00:00Z"},
        "data": {"heavy": value},
    }  # fmt: skip
    proto = {"Accept": "application/vnd.kubernetes.protobuf"}
    assert (await api.get(path, headers=proto))[0] == 200  # protobuf is in use for ConfigMaps: warmed too
    protobuf_in = threads_calling(monkeypatch, encoders.ProtobufEncoder, "payload", which=object_in_ns)
    async with api.session.get(api.base + path, params={"watch": "1", "timeoutSeconds": "20"}) as resp:
        lines = aiter(resp.content)
        await asyncio.sleep(0.2)  # the watch is registered
        await store.client.put(f"/registry/configmaps/{ns}/foreign".encode(), orjson.dumps(cm))  # another server
        added = await _next_event(lines)
        assert added["type"] == "ADDED" and added["object"]["data"] == {"heavy": value}
        assert decoded == [CPU_THREAD] and warmed == [CPU_THREAD], (decoded, warmed)
        assert protobuf_in == [CPU_THREAD], protobuf_in
        # a GET reads etcd (no resourceVersion): decoded in the thread too
        status, got, _ = await api.get(f"{path}/foreign")
        assert status == 200 and got == added["object"] and read == [CPU_THREAD], read
        # YAML of more than a few KB is written in the thread, in pieces, the same bytes
        async with api.session.get(api.base + f"{path}/foreign", headers={"Accept": "application/yaml"}) as r:
            assert r.status == 200 and await r.read() == yaml_dump(got)
        assert encoded == [CPU_THREAD], encoded
        # from the cache, as protobuf: in the thread as well (a heavy cached object's GET always is)
        async with api.session.get(api.base + f"{path}/foreign", params={"resourceVersion": "0"}, headers=proto) as r:
            assert r.status == 200 and (await r.read()).startswith(b"k8s\x00")
        assert encoded == [CPU_THREAD, CPU_THREAD], encoded
        # a light patch of it walks all of it: applied in the thread too (the cache knows the object is heavy)
        applied = threads_calling(monkeypatch, patcher, "apply_patch")
        merge = {"Content-Type": "application/merge-patch+json"}
        status, patched, _ = await api.request("PATCH", f"{path}/foreign", data=b'{"data":{"b":"c"}}', headers=merge)
        assert status == 200 and patched["data"] == {"heavy": value, "b": "c"} and applied == [CPU_THREAD]
        modified = await _next_event(lines)
        assert modified["type"] == "MODIFIED" and modified["object"] == patched
        assert warmed == [CPU_THREAD, CPU_THREAD], warmed  # this server's own heavy write: warmed as well
        assert (await api.delete(f"{path}/foreign"))[0] == 200
        deleted = await _next_event(lines)
        assert deleted["type"] == "DELETED" and deleted["object"]["data"] == patched["data"]
        assert int(deleted["object"]["metadata"]["resourceVersion"]) > int(patched["metadata"]["resourceVersion"])
        assert warmed == [CPU_THREAD] * 3, warmed  # the delete's view at its resourceVersion
    assert set(read) == {CPU_THREAD}, read  # the delete's read of the object too
    # a light object stays on the loop
    before = len(read)
    assert (await api.post(path, {"metadata": {"name": "light"}, "data": {"a": "b"}}))[0] == 201
    assert (await api.get(f"{path}/light"))[0] == 200
    assert read[before:] == ["MainThread"] and len(warmed) == 3, (read, warmed)
    status, _, _ = await api.request("PATCH", f"{path}/light", data=b'{"data":{"b":"c"}}', headers=merge)
    assert status == 200 and applied[-1] == "MainThread", applied


def test_yaml_is_written_on_the_loop_only_when_small() -> None:
    """Under deepjson.C_ONLY (the event loop), YAML of more than goyamlwrite.INLINE_JSON_BYTES of JSON asks for
    the thread; there it is written in ~1 MiB pieces, joined the same as the one-piece document."""
    small = {"a": "b"}
    big = {"data": {f"k{i}": "v\nw" * 50 for i in range(2000)}}
    token = deepjson.C_ONLY.set(True)
    try:
        assert goyamlwrite.dump(small) == b"a: b\n"
        with pytest.raises(deepjson.NeedsPython):
            goyamlwrite.dump(big)
    finally:
        deepjson.C_ONLY.reset(token)
    chunks = goyamlwrite.dump_chunks(big)
    assert len(chunks) == 1 and b"".join(chunks) == goyamlwrite.dump(big)
    huge = {"data": {f"k{i}": "é" * 100 for i in range(12_000)}}  # non-ASCII across piece boundaries
    chunks = goyamlwrite.dump_chunks(huge)
    assert len(chunks) > 1 and all(len(c) >= goyamlwrite.CHUNK_BYTES for c in chunks[:-1])
    assert b"".join(chunks) == goyamlwrite.dump(huge) and chunks.nbytes == len(goyamlwrite.dump(huge))
