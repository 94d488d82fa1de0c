"""Encoders with serialization caching (KEP 1152, kube PR 120300).

An object from the watch cache carries ``encodings`` (bytes per encoder id) and an event ``frames`` (the
whole framed watch event per encoder and event type). Each is computed on first use and shared by every
watcher and every LIST that sends it, so an object sent to N watchers is serialized once per encoder.

Outputs are sequences of buffers (``Parts``) so that big cached frames and list items go to the socket
with ``writelines`` instead of being concatenated per client. A JSON list item is a view into the object's
cached JSON (minus ``"kind"``/``"apiVersion"``), so LIST and WATCH share one serialization.

Counters (Prometheus): serializations and cache hits per encoder and resource, bytes written per encoder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import orjson
from prometheus_client import Counter

from . import deepjson, goyamlwrite, protobuf
from .jsonenc import go_escape
from .k8s_schema import KINDS

Parts = Sequence[bytes | memoryview]

#: benchmarks turn this off to compare with encoding every object/event for every client
CACHING = True

SERIALIZATIONS = Counter(
    "aiokube_serializations",
    "Objects serialized, per encoder and resource (a cached object is serialized once per encoder).",
    ["encoder", "resource"],
)
CACHE_HITS = Counter(
    "aiokube_serialization_cache_hits",
    "Encodings served from bytes cached on an object or event, per encoder and resource.",
    ["encoder", "resource"],
)
BYTES_WRITTEN = Counter(
    "aiokube_encoded_bytes_written", "Bytes of responses and watch frames written, per encoder.", ["encoder"]
)


class Cached(Protocol):
    obj: dict[str, Any]
    encodings: dict[str, Any]


class CachedEvent(Protocol):
    frames: dict[tuple[str, str], Any]


class Encoder:
    """Serialization of one resource's objects in one format, with per-object/per-event caching."""

    id = ""
    #: the format, for metric labels (a ViewEncoder's id also names its version)
    label = ""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.label = self.label or self.id
        self._serialized = SERIALIZATIONS.labels(self.label, resource)
        self.hits = CACHE_HITS.labels(self.label, resource)
        self.bytes_written = BYTES_WRITTEN.labels(self.label)

    def _cached(self, entry: Cached, key: str, make: Any, *, serialization: bool = True) -> Any:
        data = entry.encodings.get(key) if CACHING else None
        if data is None:
            data = make(entry.obj)
            if CACHING:
                entry.encodings[key] = data
            if serialization:
                self._serialized.inc()
        else:
            self.hits.inc()
        return data

    def event_frame(self, event_type: str, event: CachedEvent, obj: Cached) -> Parts:
        key = (self.id, event_type)
        frame = event.frames.get(key) if CACHING else None
        if frame is None:
            frame = self.frame(event_type, obj)
            if CACHING:
                event.frames[key] = frame
        else:
            self.hits.inc()
        return frame

    def added_frame(self, entry: Cached) -> Parts:
        """The initial-state ADDED frame of an object (cached on the object)."""
        key = self.id + ":added"
        frame = entry.encodings.get(key) if CACHING else None
        if frame is None:
            frame = self.frame("ADDED", entry)
            if CACHING:
                entry.encodings[key] = frame
        else:
            self.hits.inc()
        return frame

    # implemented per format
    def object_parts(self, entry: Cached) -> Parts:
        raise NotImplementedError

    def plain(self, obj: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def frame(self, event_type: str, entry: Cached) -> Parts:
        raise NotImplementedError

    def plain_frame(self, event_type: str, obj: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def list_parts(
        self, kind: str, api_version: str, list_meta: dict[str, Any], entries: list[Cached], typed: bool
    ) -> Iterator[Parts]:
        raise NotImplementedError


def _json(obj: dict[str, Any]) -> bytes:
    return go_escape(deepjson.dumps(obj))


def _sorted_json(obj: dict[str, Any]) -> bytes:
    return go_escape(deepjson.dumps(obj, option=orjson.OPT_SORT_KEYS))


class JSONEncoder(Encoder):
    """kube's JSON serializer: each object and event encoded once (cached on the CachedObject / WatchEvent,
    shared by every request and watcher), items and frames assembled from those bytes without re-encoding."""

    id = "json"

    def full(self, entry: Cached) -> bytes:
        return self._cached(entry, "json", _json)

    def item(self, entry: Cached) -> Parts:
        """The object as a typed-list item: its cached JSON without the leading kind/apiVersion.

        A view into the full serialization when it starts with them (it does: objects are stored in kube's
        field order), so LIST and WATCH share one serialization; cached on the entry.
        """
        view = entry.encodings.get("json-item") if CACHING else None
        if view is not None:
            return view
        full = self.full(entry)
        obj = entry.obj
        head = b'{"kind":' + deepjson.dumps(obj.get("kind")) + b',"apiVersion":' + deepjson.dumps(obj.get("apiVersion"))
        if full.startswith(head) and full[len(head) : len(head) + 1] == b",":
            view = (b"{", memoryview(full)[len(head) + 1 :])  # the object minus kind/apiVersion
        else:
            view = (_json({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}),)
            self._serialized.inc()
        if CACHING:
            entry.encodings["json-item"] = view
        return view

    def object_parts(self, entry: Cached) -> Parts:
        return (self.full(entry), b"\n")

    def plain(self, obj: dict[str, Any]) -> bytes:
        return _json(obj) + b"\n"

    def frame(self, event_type: str, entry: Cached) -> Parts:
        return (b'{"type":"' + event_type.encode() + b'","object":', self.full(entry), b"}\n")

    def plain_frame(self, event_type: str, obj: dict[str, Any]) -> bytes:
        return _json({"type": event_type, "object": obj}) + b"\n"

    def list_parts(
        self, kind: str, api_version: str, list_meta: dict[str, Any], entries: list[Cached], typed: bool
    ) -> Iterator[Parts]:
        head = b'{"kind":"' + kind.encode() + b'","apiVersion":"' + api_version.encode() + b'","metadata":'
        yield (head + _json(list_meta) + b',"items":[',)
        hits_before = 0
        for i in range(0, len(entries), 100):
            parts: list[bytes | memoryview] = []
            for j, entry in enumerate(entries[i : i + 100]):
                if i or j:
                    parts.append(b",")
                if typed:
                    cached = entry.encodings.get("json-item") if CACHING else None
                    if cached is not None:
                        hits_before += 1
                    parts.extend(cached if cached is not None else self.item(entry))
                else:
                    parts.append(self.full(entry))
            yield parts
        if hits_before:
            self.hits.inc(hits_before)
        yield (b"]}\n",)


class UnstructuredJSONEncoder(JSONEncoder):
    """kube's JSON of unstructured objects (custom resources): Go's encoding/json writes maps, so keys are
    sorted at every level, ``metadata``'s too, and a list is an UnstructuredList (``apiVersion``, ``items``,
    ``kind``, ``metadata`` with ``continue`` always present). Items are whole objects. Cached once per object
    as the JSON encoder's bytes are; only the watch frame's own ``type``/``object`` keep that order (a
    metav1.WatchEvent struct)."""

    id = "json-unstructured"
    label = "json"

    def full(self, entry: Cached) -> bytes:
        return self._cached(entry, self.id, _sorted_json)

    def item(self, entry: Cached) -> Parts:
        return (self.full(entry),)

    def plain(self, obj: dict[str, Any]) -> bytes:
        return _sorted_json(obj) + b"\n"

    def plain_frame(self, event_type: str, obj: dict[str, Any]) -> bytes:
        return b'{"type":"' + event_type.encode() + b'","object":' + _sorted_json(obj) + b"}\n"

    def list_parts(
        self, kind: str, api_version: str, list_meta: dict[str, Any], entries: list[Cached], typed: bool
    ) -> Iterator[Parts]:
        yield (b'{"apiVersion":' + deepjson.dumps(api_version) + b',"items":[',)
        for i in range(0, len(entries), 100):
            parts: list[bytes | memoryview] = []
            for j, entry in enumerate(entries[i : i + 100]):
                if i or j:
                    parts.append(b",")
                parts.append(self.full(entry))
            yield parts
        tail = b'],"kind":' + deepjson.dumps(kind) + b',"metadata":' + _sorted_json(unstructured_list_meta(list_meta))
        yield (tail + b"}\n",)


def unstructured_list_meta(list_meta: dict[str, Any]) -> dict[str, Any]:
    """An UnstructuredList's metadata: ``continue`` is set even when empty (kube's versioner always sets it)."""
    return {"continue": "", **list_meta}


def unstructured_list(kind: str, api_version: str, list_meta: dict[str, Any], items: list[Any]) -> dict[str, Any]:
    """An UnstructuredList as a dict, for the uncached path (pretty output): encode it with sorted keys."""
    return {"apiVersion": api_version, "items": items, "kind": kind, "metadata": unstructured_list_meta(list_meta)}


def _len_header(number: int, size: int) -> bytes:
    return protobuf._tag(number, 2) + protobuf.varint(size)


class ProtobufEncoder(Encoder):
    id = "protobuf"

    def payload(self, entry: Cached) -> bytes:
        return self._cached(entry, "protobuf", protobuf.object_payload)

    def envelope(self, entry: Cached) -> bytes:
        """``k8s\\x00`` + runtime.Unknown around the cached payload (cached too; not a new serialization)."""
        env = entry.encodings.get("protobuf-envelope") if CACHING else None
        if env is None:
            api_version, kind = entry.obj.get("apiVersion", ""), entry.obj.get("kind", "")
            env = protobuf.PREFIX + protobuf._unknown(api_version, kind, self.payload(entry))
            if CACHING:
                entry.encodings["protobuf-envelope"] = env
        return env

    def object_parts(self, entry: Cached) -> Parts:
        return (self.envelope(entry),)

    def plain(self, obj: dict[str, Any]) -> bytes:
        return protobuf.encode_object(obj)

    def frame(self, event_type: str, entry: Cached) -> Parts:
        return (protobuf.watch_event(event_type, self.envelope(entry)),)

    def plain_frame(self, event_type: str, obj: dict[str, Any]) -> bytes:
        return protobuf.watch_event(event_type, protobuf.encode_object(obj))

    def list_parts(
        self, kind: str, api_version: str, list_meta: dict[str, Any], entries: list[Cached], typed: bool
    ) -> Iterator[Parts]:
        """PREFIX + Unknown{typeMeta, raw: ListMeta + items}: lengths are known from the cached items."""
        if (api_version, kind) not in KINDS:
            raise protobuf.ProtobufError(f"no protobuf schema for {api_version}, Kind={kind}")
        meta = protobuf.encode_message(list_meta, protobuf.META + "ListMeta")
        payloads = [self.payload(e) for e in entries]
        raw_len = len(_len_header(1, len(meta))) + len(meta)
        raw_len += sum(len(_len_header(2, len(p))) + len(p) for p in payloads)
        type_meta = protobuf.len_field(1, api_version.encode()) + protobuf.len_field(2, kind.encode())
        head = protobuf.PREFIX + protobuf.len_field(1, type_meta) + _len_header(2, raw_len)
        yield (head, _len_header(1, len(meta)), meta)
        for i in range(0, len(payloads), 100):
            parts: list[bytes | memoryview] = []
            for p in payloads[i : i + 100]:
                parts.append(_len_header(2, len(p)))
                parts.append(p)
            yield parts
        yield (b"\x1a\x00\x22\x00",)


class _View:
    """An object as another version shows it, with serialization caches of its own (kept on the stored entry)."""

    __slots__ = ("encodings", "obj")

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj
        self.encodings: dict[str, Any] = {}


class ViewEncoder(Encoder):
    """The objects of a version other than the one they are stored in: each cached entry is converted once per
    version (the view kept on the entry) and serialized once per format by the base encoder, on the view; event
    frames are cached on the event under this encoder's id. Shared by every request and watcher of the version."""

    def __init__(self, base: Encoder, api_version: str, convert: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.id = f"{base.id}@{api_version}"
        self.label = base.id
        super().__init__(base.resource)
        self.base = base
        self.convert = convert
        self._key = "view@" + api_version

    def view(self, entry: Cached) -> Cached:
        found = entry.encodings.get(self._key) if CACHING else None
        if found is None:
            found = _View(self.convert(entry.obj))
            if CACHING:
                entry.encodings[self._key] = found
        return found  # type: ignore[no-any-return]

    def object_parts(self, entry: Cached) -> Parts:
        return self.base.object_parts(self.view(entry))

    def plain(self, obj: dict[str, Any]) -> bytes:
        """``obj`` already in this version (a view made by the caller)."""
        return self.base.plain(obj)

    def frame(self, event_type: str, entry: Cached) -> Parts:
        return self.base.frame(event_type, self.view(entry))

    def added_frame(self, entry: Cached) -> Parts:
        return self.base.added_frame(self.view(entry))

    def plain_frame(self, event_type: str, obj: dict[str, Any]) -> bytes:
        return self.base.plain_frame(event_type, obj)

    def list_parts(
        self, kind: str, api_version: str, list_meta: dict[str, Any], entries: list[Cached], typed: bool
    ) -> Iterator[Parts]:
        return self.base.list_parts(kind, api_version, list_meta, [self.view(e) for e in entries], typed)


def yaml_dump(obj: Any) -> bytes:
    """YAML as kube writes it (JSON → YAML by go-yaml's rules: encoding/goyamlwrite.py)."""
    return goyamlwrite.dump(obj)


def yaml_chunks(obj: Any) -> goyamlwrite.Chunks:
    """:func:`yaml_dump` in pieces of about a MiB, for a document that may be big (goyamlwrite.Chunks)."""
    return goyamlwrite.dump_chunks(obj)


_ENCODERS: dict[tuple[str, str, bool], Encoder] = {}


def encoder_for(encoder_id: str, resource: str, *, unstructured: bool = False) -> Encoder:
    """One encoder per (format, resource), so metric label children are bound once. ``unstructured``: the
    resource is a custom resource (JSON with sorted keys; there is no protobuf for it)."""
    key = (encoder_id, resource, unstructured)
    enc = _ENCODERS.get(key)
    if enc is None:
        if unstructured and encoder_id == "json":
            enc = UnstructuredJSONEncoder(resource)
        else:
            enc = {"json": JSONEncoder, "protobuf": ProtobufEncoder}[encoder_id](resource)
        _ENCODERS[key] = enc
    return enc


_VIEW_ENCODERS: dict[tuple[str, str, str, bool], ViewEncoder] = {}


def view_encoder_for(
    encoder_id: str,
    resource: str,
    api_version: str,
    convert: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    unstructured: bool = False,
) -> ViewEncoder:
    """One encoder per (format, resource, version) for a version read through ``convert`` (a pure function of
    the stored object: the first one given for a version is the one kept)."""
    key = (encoder_id, resource, api_version, unstructured)
    enc = _VIEW_ENCODERS.get(key)
    if enc is None:
        base = encoder_for(encoder_id, resource, unstructured=unstructured)
        enc = _VIEW_ENCODERS[key] = ViewEncoder(base, api_version, convert)
    return enc


def encoders_in_use(resource: str) -> list[Encoder]:
    """The encoders some request has asked for for ``resource`` (any format or version): what readers and
    watchers of its objects are likely to ask for again. Safe from another thread (the registries are copied)."""
    found: list[Encoder] = [e for (_, res, _), e in list(_ENCODERS.items()) if res == resource]
    found += [e for (_, res, _, _), e in list(_VIEW_ENCODERS.items()) if res == resource]
    return found
