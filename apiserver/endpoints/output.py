"""Negotiated output of objects, lists and statuses: JSON, YAML, protobuf, Table, PartialObjectMetadata.

Objects from the watch cache are written from their cached serializations; lists are streamed item by item
from those bytes (byte-identical to a one-shot encode), yielding to the event loop between chunks.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints.responses import add_warnings, is_pretty
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.printers.tables import partial_metadata, to_partial_list, to_table
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.storedform import read_view
from aiokube.apiserver.registry.turns import in_cpu_thread
from aiokube.apiserver.transport.streaming import GZIP_THRESHOLD, ChunkedWriter, accepts_gzip
from aiokube.encoding import deepjson, jsonenc, negotiation
from aiokube.encoding.encoders import (
    Encoder,
    encoder_for,
    encoders_in_use,
    unstructured_list,
    view_encoder_for,
    yaml_chunks,
    yaml_dump,
)
from aiokube.encoding.goyamlwrite import Chunks
from aiokube.encoding.negotiation import JSON, PROTOBUF, YAML, NotAcceptable, OutputFormat
from aiokube.encoding.protobuf import ProtobufError, has_schema
from aiokube.watchcache.objects import EMPTY, CachedObject

Obj = dict[str, Any]
T = TypeVar("T")
#: a response body: bytes, or a big YAML document in pieces (written one by one: transport/streaming.py)
Body = bytes | Chunks

#: benchmarks turn this off to compare splicing cached item bytes with encoding the whole list
SPLICE_LISTS = True


def available_formats(info: ResourceInfo | None) -> tuple[str, ...]:
    """Protobuf only for types with a schema; JSON/YAML always."""
    if info is None or has_schema(info.api_version, info.kind):
        return (JSON, YAML, PROTOBUF)
    return (JSON, YAML)


def negotiate(request: web.Request, info: ResourceInfo | None, *, stream: bool = False) -> OutputFormat:
    try:
        return negotiation.negotiate(request.headers.get("Accept"), stream=stream, available=available_formats(info))
    except NotAcceptable as exc:
        raise errors.not_acceptable(exc.message) from None


#: API groups whose internal Go package is not the group's first label (checked on kube 1.36's 406s)
_INTERNAL_PACKAGES = {"": "core", "events.k8s.io": "core", "internal.apiserver.k8s.io": "apiserverinternal"}


def _bad_include_object(value: str) -> errors.StatusError:
    """kube's 400 for an includeObject it cannot honour, made when a Table is asked for (otherwise ignored)."""
    return errors.bad_request(
        f"Unable to convert to Table as requested: includeObject: Invalid value: {go_quote(value)}: must be "
        "'Metadata', 'Object', 'None', or empty"
    )


class Output:
    """The negotiated response format of one request."""

    def __init__(self, request: web.Request, info: ResourceInfo, *, stream: bool = False) -> None:
        self.request = request
        self.info = info
        self.fmt = negotiate(request, info, stream=stream)
        self.pretty = self.fmt.pretty or is_pretty(request)
        # includeObject matters to Tables only; a bad one is kube's 400 when a Table is made (after a 404, say),
        # for a watch before its stream starts ("" below: not valid)
        given = request.query.get("includeObject", "")
        valid = given in ("", "None", "Metadata", "Object")
        self.include_object = (given or "Metadata") if valid else ""
        if not valid and stream and self.fmt.convert == "Table":
            raise _bad_include_object(given)
        #: stored objects -> this version's (None: the stored form is this version's, nothing to convert)
        self.view = read_view(info)
        #: a custom resource: kube serves it unstructured, its JSON keys sorted at every level
        self.unstructured = info.custom is not None
        self.encoder: Encoder | None = None
        if self.fmt.encoder in ("json", "protobuf"):
            self.encoder = self._encoder(self.fmt.encoder)

    def _encoder(self, encoder_id: str) -> Encoder:
        resource = str(self.info.stored_as.group_resource)
        if self.view is None:
            return encoder_for(encoder_id, resource, unstructured=self.unstructured)
        # converted once per stored object and version, then encoded once per format
        return view_encoder_for(encoder_id, resource, self.info.api_version, self.view, unstructured=self.unstructured)

    @property
    def content_type(self) -> str:
        return self.fmt.content_type

    def _convert(self, objects: list[Obj], list_meta: Obj, single: bool) -> Obj | None:
        """Table and PartialObjectMetadata[List] of stored objects (kube prints and strips the internal object;
        only a Table row's embedded object is in the request's version)."""
        fmt = self.fmt
        if fmt.convert == "Table":
            if not self.include_object:
                raise _bad_include_object(self.request.query.get("includeObject", ""))
            return to_table(self.info, objects, list_meta, version=fmt.convert_version,
                            include_object=self.include_object, view=self.view)  # fmt: skip
        if fmt.convert == "PartialObjectMetadata":
            if not single:
                raise errors.not_acceptable(
                    f"you requested PartialObjectMetadata, but the requested object is a list ({self._go_type()}List)"
                )
            return partial_metadata(objects[0], fmt.convert_version, unstructured=self.unstructured)
        if fmt.convert == "PartialObjectMetadataList":
            if single:
                if self.info.custom is not None:  # the unstructured path's own words
                    raise errors.not_acceptable("content is not a list")
                raise errors.not_acceptable(
                    f"you requested PartialObjectMetadataList, but the requested object is not a list "
                    f"({self._go_type()})"
                )
            return to_partial_list(objects, list_meta, fmt.convert_version, unstructured=self.unstructured)
        return None

    def _go_type(self) -> str:
        """The Go type kube's 406 names: the internal type of the stored kind (``*core.ConfigMap``,
        ``*apps.Deployment``; custom resources ``*unstructured.Unstructured``)."""
        if self.info.custom is not None:
            return "*unstructured.Unstructured"
        stored = self.info.stored_as
        package = _INTERNAL_PACKAGES.get(stored.group, stored.group.split(".", 1)[0])
        return f"*{package}.{stored.kind}"

    def encode_plain(self, obj: Obj, *, unstructured: bool = False, chunks: bool = False) -> tuple[Body, str]:
        """(body, Content-Type) of an uncached object (a Status, a converted view, a fresh write result).
        ``unstructured``: a custom resource or its list (keys sorted); ``chunks``: YAML in pieces (a big one)."""
        if self.fmt.encoder == "yaml":
            return (yaml_chunks(obj) if chunks else yaml_dump(obj)), YAML
        if self.fmt.encoder == "protobuf":
            try:
                return encoder_for("protobuf", str(self.info.group_resource)).plain(obj), self.content_type
            except ProtobufError:
                pass  # a view without a protobuf schema (e.g. a Table): JSON, which kube clients always take
        return jsonenc.dumps(obj, pretty=self.pretty, sort_keys=unstructured), JSON

    def _body_response(
        self, body: Body, content_type: str, status: int, warnings: list[str] | None = None
    ) -> web.Response:
        resp = web.Response(body=body, status=status)
        resp.headers["Content-Type"] = content_type
        if warnings:
            add_warnings(resp, warnings)
        return resp

    def object_response(
        self, obj: Obj | CachedObject, status: int = 200, warnings: list[str] | None = None
    ) -> web.Response:
        """One object (GET, create, update, delete results)."""
        return self._object_body_response(self.encode_object(obj), status, warnings)

    async def object_response_async(
        self, obj: Obj | CachedObject, status: int = 200, warnings: list[str] | None = None, *, heavy: bool = False
    ) -> web.Response:
        """:meth:`object_response` without holding the loop: a heavy write's result (``heavy``: a big or deep
        body) or a heavy cached object (its protobuf, another version's view: made on first use, e.g. ~90 ms of
        Python for a 1.3 MB ConfigMap's protobuf) is encoded in the CPU thread, anything else as
        :meth:`_cheaply` decides."""
        heavy = heavy or (isinstance(obj, CachedObject) and obj.heavy)
        encoded = await self._cheaply(self.encode_object, obj, heavy=heavy)
        return self._object_body_response(encoded, status, warnings)

    async def _cheaply(self, encode: Callable[..., T], obj: Obj | CachedObject, *, heavy: bool = False, **kw: Any) -> T:
        """``encode(obj)`` here when it only needs orjson's own writing and small YAML (deepjson.C_ONLY), else
        (an object nested deeper than orjson writes: deepjson's Python writer, ~30-50 ms for 9,990 levels; YAML
        of more than a few KB: ~1 us a byte) in the CPU thread, YAML then written in pieces."""
        if not heavy:
            token = deepjson.C_ONLY.set(True)
            try:
                return encode(obj, **kw)
            except deepjson.NeedsPython:
                pass
            finally:
                deepjson.C_ONLY.reset(token)
        return await in_cpu_thread(functools.partial(encode, obj, chunks=True, **kw))

    def _object_body_response(
        self, encoded: tuple[Body, str, bool], status: int, warnings: list[str] | None
    ) -> web.Response:
        body, content_type, by_encoder = encoded
        if by_encoder:
            assert self.encoder is not None
            self.encoder.bytes_written.inc(len(body))  # on the loop: the metric's only writer
        return self._body_response(body, content_type, status, warnings)

    def encode_object(self, obj: Obj | CachedObject, *, chunks: bool = False) -> tuple[Body, str, bool]:
        """(body, Content-Type, whether the resource's encoder wrote it) of one object; no side effect but the
        encodings a CachedObject keeps and the encoder's serialization count (bumped from the CPU thread when it
        runs there: a race with the loop can lose one count), so it may run in the CPU thread. ``chunks``: YAML
        in pieces."""
        entry = obj if isinstance(obj, CachedObject) else None
        plain = entry.obj if entry is not None else obj
        assert isinstance(plain, dict)
        # a Status (a DELETE's result for most kinds) is never transformed (handlers/response.go
        # doTransformObject): as=Table or as=PartialObjectMetadata get it as it is
        converted = None if plain.get("kind") == "Status" else self._convert(
            [plain], {"resourceVersion": (plain.get("metadata") or {}).get("resourceVersion", "")}
            if self.fmt.convert == "Table" else {}, single=True)  # fmt: skip
        if converted is not None:
            return (*self.encode_plain(converted, chunks=chunks), False)
        if self.encoder is not None and not self.pretty:
            if entry is None and self.view is not None and _is_stored_kind(plain, self.info):
                entry = cached(plain)  # a write's result: its view goes through the version's encoder too
            if entry is not None:
                try:
                    return b"".join(self.encoder.object_parts(entry)), self.content_type, True
                except ProtobufError:
                    pass
        stored_kind = _is_stored_kind(plain, self.info)
        if self.view is not None and stored_kind:
            plain = self.view(plain)
        return (*self.encode_plain(plain, unstructured=self.unstructured and stored_kind, chunks=chunks), False)

    async def list_response(self, kind: str, list_meta: Obj, entries: list[CachedObject]) -> web.StreamResponse:
        """A list, streamed from cached item bytes when the format allows, else encoded whole."""
        info = self.info
        objects_needed = self.fmt.convert or self.pretty or self.encoder is None or not SPLICE_LISTS
        if objects_needed:
            converted = self._convert([e.obj for e in entries], list_meta, single=False)
            if converted is None:
                view = self.view
                items = [e.obj for e in entries] if view is None else [view(e.obj) for e in entries]
                if info.builtin:
                    items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
                if self.unstructured:
                    converted = unstructured_list(kind, info.api_version, list_meta, items)
                    body, content_type = await self._cheaply(self.encode_plain, converted, unstructured=True)
                    return await self._write_bytes(body, content_type)
                converted = {"kind": kind, "apiVersion": info.api_version, "metadata": list_meta, "items": items}
            return await self._write_bytes(*await self._cheaply(self.encode_plain, converted))
        assert self.encoder is not None
        chunks: list[tuple[Any, int]] = []
        size = 0
        try:
            parts_iter = self.encoder.list_parts(kind, info.api_version, list_meta, entries, info.builtin)
            for n, parts in enumerate(parts_iter):
                chunk_size = sum(map(len, parts))
                chunks.append((parts, chunk_size))
                size += chunk_size
                if n % 10 == 9:
                    await asyncio.sleep(0)  # encoding uncached objects: let others run
        except ProtobufError:
            self.encoder = self._encoder("json")
            return await self.list_response(kind, list_meta, entries)
        resp = web.StreamResponse(status=200)
        resp.headers["Content-Type"] = self.content_type
        gzip = size > GZIP_THRESHOLD and accepts_gzip(self.request)
        writer = ChunkedWriter(self.request, resp, gzip=gzip)
        if not writer.chunked and not gzip:
            resp.content_length = size  # HTTP/1.0: the size is known before the first byte
        await writer.start()
        for n, (parts, chunk_size) in enumerate(chunks):
            await writer.write(parts, chunk_size)
            if n % 10 == 9:
                await asyncio.sleep(0)
        await writer.finish()
        self.encoder.bytes_written.inc(size)
        return resp

    async def _write_bytes(self, body: Body, content_type: str) -> web.StreamResponse:
        size = body.nbytes if isinstance(body, Chunks) else len(body)
        if size > GZIP_THRESHOLD and accepts_gzip(self.request):
            resp = web.StreamResponse(status=200)
            resp.headers["Content-Type"] = content_type
            writer = ChunkedWriter(self.request, resp, gzip=True)
            await writer.start()
            for part in body if isinstance(body, Chunks) else (body,):
                await writer.write((part,))  # ~1 MiB compressed at a time, others served in between
                await asyncio.sleep(0)
            await writer.finish()
            return resp
        return self._body_response(body, content_type, 200)


def _is_stored_kind(obj: Obj, info: ResourceInfo) -> bool:
    """Whether a handler's result is a stored object (not a Status or another kind's answer), in whichever
    version of its group it was stored."""
    st = info.stored_as
    return obj.get("kind") == st.kind and str(obj.get("apiVersion") or "").rpartition("/")[0] == st.group


def warm_encodings(info: ResourceInfo) -> Callable[[CachedObject], None]:
    """What the cacher makes of a heavy object in the CPU thread before anyone reads or watches it
    (watchcache's ``CacherConfig.warm``): its stored version's JSON, and every other format and version some
    request has asked for for the resource (a protobuf watch's first frame of a 1.3 MB ConfigMap is ~90 ms of
    Python, which its watchers would otherwise wait for on the loop)."""
    resource = str(info.stored_as.group_resource)
    encoder_for("json", resource, unstructured=info.custom is not None)  # in use from the start

    def warm(entry: CachedObject) -> None:
        for encoder in encoders_in_use(resource):
            try:
                encoder.object_parts(entry)
            except ProtobufError:
                pass  # a kind without protobuf: its clients get JSON

    return warm


def cached(obj: Obj) -> CachedObject:
    """Wrap a plain object (e.g. read from etcd) so the output path treats it like a cached one."""
    return CachedObject("", obj, 0, EMPTY, EMPTY)
