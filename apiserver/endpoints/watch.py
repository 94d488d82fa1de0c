"""WATCH over HTTP: options as kube parses, defaults and validates them, and the chunked JSON stream.

The stream is a 200 with one ``{"type":...,"object":...}`` per line. Errors found once the watch is
accepted (a too old resourceVersion, a cache that cannot reach a requested one in time) are delivered
in-stream as an ERROR event carrying a Status, as kube does. When the client falls behind, several ready
frames go out in one write.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints import filters
from aiokube.apiserver.endpoints.bookmarks import bookmark_object
from aiokube.apiserver.endpoints.options import parse_int64
from aiokube.apiserver.endpoints.output import Output
from aiokube.apiserver.endpoints.requestinfo import RequestInfo, query_bool
from aiokube.apiserver.errors import FieldErrors, GroupKind, StatusError
from aiokube.apiserver.observability import metrics
from aiokube.apiserver.observability.metrics import WatchMetrics
from aiokube.apiserver.printers.tables import partial_metadata, to_table
from aiokube.apiserver.registry.options import parse_resource_version
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.transport import groupsink
from aiokube.apiserver.transport.directsink import DIRECT, DirectSink
from aiokube.apiserver.transport.streaming import ChunkedWriter, finish
from aiokube.encoding import encoders
from aiokube.encoding.encoders import Parts, encoder_for
from aiokube.encoding.protobuf import ProtobufError
from aiokube.storage import errors as serr
from aiokube.storage.selection import FieldRequirement, FieldSelector, SelectionPredicate
from aiokube.watchcache.cacher import Cacher
from aiokube.watchcache.objects import ADDED, BOOKMARK, DELETED, MODIFIED, CachedObject, WatchEvent
from aiokube.watchcache.watcher import EXPIRED, INITIAL_END, CacheWatcher, Item

log = logging.getLogger(__name__)
#: kube's --min-request-timeout: a watch without timeoutSeconds lasts a random 1 to 2 times this
MIN_REQUEST_TIMEOUT = 1800.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchRequest:
    """A parsed, defaulted and validated watch request (handlers/get.go ListResource, watch branch)."""

    def __init__(self, request: web.Request, ri: RequestInfo, info: ResourceInfo, predicate: SelectionPredicate):
        q = request.query
        self.resource_version = q.get("resourceVersion", "")
        self.match = q.get("resourceVersionMatch", "")
        self.allow_bookmarks = bool(query_bool(q.get("allowWatchBookmarks")))
        self.send_initial_events = query_bool(q.get("sendInitialEvents"))
        seconds = parse_int64(q["timeoutSeconds"]) if "timeoutSeconds" in q else 0
        # kube: 0 (or none) is a random 30-60 min; a negative timeout has already passed: the stream ends at once
        self.timeout = float(seconds) if seconds else MIN_REQUEST_TIMEOUT * (1.0 + random.random())
        # SetListOptionsDefaults with the WatchList gate on: RV unset or "0" means watch-list
        if (
            not ri.legacy_watch
            and self.send_initial_events is None
            and not self.match
            and self.resource_version in ("", "0")
        ):
            self.send_initial_events = True
            self.match = "NotOlderThan"
        if not ri.legacy_watch:
            self._validate(q.get("continue", ""))
        self.namespace = ri.namespace if info.namespaced and ri.namespace else None
        self.predicate = self._with_name(predicate, ri.name)

    def _validate(self, continue_token: str) -> None:
        errs = FieldErrors()
        if self.send_initial_events is not None and self.match != "NotOlderThan":
            errs.forbidden(
                "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
            )
        if self.match:
            if self.send_initial_events is None:
                errs.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                )
            if self.match != "NotOlderThan":
                errs.not_supported("resourceVersionMatch", self.match, ["NotOlderThan"])
            if continue_token:
                errs.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
        if errs:
            raise errors.invalid(GroupKind("meta.k8s.io", "ListOptions"), "", errs.causes)

    @staticmethod
    def _with_name(predicate: SelectionPredicate, name: str) -> SelectionPredicate:
        """A named watch (/watch/.../NAME) is a watch with ``metadata.name=NAME``."""
        if not name:
            return predicate
        field = predicate.field
        if not field.empty():
            if field.exact_value("metadata.name") != name:
                raise errors.bad_request("fieldSelector metadata.name doesn't match requested name")
            return predicate
        field = FieldSelector((FieldRequirement("metadata.name", "=", name),))
        return SelectionPredicate(predicate.label, field, predicate.fields_of)


def _bookmark_object(info: ResourceInfo, revision: int, initial_end: bool) -> dict[str, Any]:
    annotations = {INITIAL_EVENTS_END: "true"} if initial_end else None
    if info.custom is not None:  # unstructured: nothing but what is set
        meta: dict[str, Any] = {"resourceVersion": str(revision)}
        if annotations:
            meta["annotations"] = annotations
        return {"apiVersion": info.api_version, "kind": info.kind, "metadata": meta}
    return bookmark_object(info.kind, info.api_version, revision, annotations)


class FrameMaker:
    """Frames for one watch: cached per event/object and encoder, or converted (Table) per watcher."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.info = out.info
        assert out.encoder is not None
        self.encoder = out.encoder
        self._json = encoder_for("json", str(self.info.stored_as.group_resource))
        self._headers_sent = False
        self.chunk_hits = 0  # chunks served from an event's cache, added to the encoder's hit counter in bulk
        #: every live event's frame is the event's cached one (no per-watch conversion): may share a group
        self.groupable = not out.fmt.convert
        # the event-cache keys of this encoder's chunks, made once per watch rather than per frame
        self._chunk_keys = {t: (self.encoder.id, t, "chunk") for t in (ADDED, MODIFIED, DELETED)}

    def _converted(self, event_type: str, obj: dict[str, Any]) -> Parts:
        fmt = self.out.fmt
        if fmt.convert == "Table":
            rv = (obj.get("metadata") or {}).get("resourceVersion", "")
            view = to_table(self.info, [obj], {"resourceVersion": rv}, version=fmt.convert_version,
                            include_object=self.out.include_object, no_headers=self._headers_sent,
                            view=self.out.view)  # fmt: skip
            self._headers_sent = True  # kube sends the column definitions with the first event only
        else:
            view = partial_metadata(obj, fmt.convert_version, unstructured=self.out.unstructured)
        try:
            return (self.encoder.plain_frame(event_type, view),)
        except ProtobufError:
            return (self._json.plain_frame(event_type, view),)

    def item(self, item: Item) -> Parts:
        event_type, payload = item
        if isinstance(payload, WatchEvent):
            obj = payload.deleted_object() if event_type == DELETED else payload.object
            if self.out.fmt.convert:
                return self._converted(event_type, obj.obj)
            return self.encoder.event_frame(event_type, payload, obj)
        if isinstance(payload, CachedObject):  # initial state
            if self.out.fmt.convert:
                return self._converted(ADDED, payload.obj)
            return self.encoder.added_frame(payload)
        bookmark = _bookmark_object(self.info, payload, event_type == INITIAL_END)
        return (self.encoder.plain_frame(BOOKMARK, bookmark),)

    def chunk(self, item: Item) -> tuple[bytes, int]:
        """The item as one HTTP chunk (size line, frame, CRLF) and the frame's size. For a cached event frame
        the chunk is cached on the event too: one join per event and encoder, shared by every watcher."""
        payload = item[1]
        cacheable = isinstance(payload, WatchEvent) and self.groupable
        if cacheable and encoders.CACHING:
            key = self._chunk_keys.get(item[0]) or (self.encoder.id, item[0], "chunk")
            cached = payload.frames.get(key)
            if cached is not None:
                self.chunk_hits += 1
                return cached  # type: ignore[no-any-return]
        parts = self.item(item)
        size = sum(len(p) for p in parts)
        chunk = b"".join((b"%x\r\n" % size, *parts, b"\r\n"))
        if cacheable and encoders.CACHING:
            payload.frames[key] = (chunk, size)
        return chunk, size

    def error(self, err: StatusError) -> Parts:
        try:
            return (self.encoder.plain_frame("ERROR", err.status()),)
        except ProtobufError:
            return (self._json.plain_frame("ERROR", err.status()),)


def storage_error_status(exc: serr.StorageError, info: ResourceInfo) -> StatusError:
    if isinstance(exc, serr.Compacted):
        return errors.resource_expired(exc.message)
    return errors.from_storage(exc, info.group_resource, "")


async def _stream(
    watcher: CacheWatcher, frames: FrameMaker, writer: ChunkedWriter, stats: WatchMetrics, sink: DirectSink | None
) -> None:
    """Hand each batch of ready frames to the socket in one write; then account for them (the watch SLO is
    measured per watcher, once the frames are on the transport). Live events that reached the sink while
    the task was parked are written first."""
    written = frames.encoder.bytes_written
    latency, sizes, events, init_events = stats.latency, stats.sizes, stats.events, stats.init_events
    async for items in watcher.batches():
        if sink is not None:
            sink.flush()
        parts: list[Any] = []
        item_sizes: list[int] = []
        for item in items:
            frame = frames.item(item)
            parts.extend(frame)
            item_sizes.append(sum(len(p) for p in frame))
        await writer.write(parts)  # a watcher that is behind gets all its ready frames in one write
        now = time.monotonic()
        for item, size in zip(items, item_sizes, strict=True):
            payload = item[1]
            if isinstance(payload, WatchEvent):
                latency.observe(now - payload.received_at)
            elif isinstance(payload, CachedObject):
                init_events[0] += 1
            sizes.observe(size)
        events[0] += len(items)
        written.inc(sum(item_sizes))


async def serve_watch(
    request: web.Request,
    ri: RequestInfo,
    info: ResourceInfo,
    cacher: Cacher,
    predicate: SelectionPredicate,
    out: Output,
) -> web.StreamResponse:
    """One WATCH, start to end.

    The deadline (``timeoutSeconds``, or kube's random 30–60 min) has one owner: the ``asyncio.timeout_at``
    below, on the loop's own clock, around every await of the watch (waiting for a fresh cache, the initial
    events, parked for events, a client's back-pressure). Whatever ends the watch — deadline, server
    shutdown, 410 in-stream, slow-watcher close, an error while encoding — the stream gets its last chunk if
    the connection is still open, and the watcher is released once (``finally``). A client that goes away
    cancels this task (aiohttp's handler_cancellation) and lands in the same ``finally``."""
    opts = WatchRequest(request, ri, info, predicate)
    if opts.resource_version not in ("", "0"):
        parse_resource_version(opts.resource_version, listing=False)
    frames = FrameMaker(out)
    resp = web.StreamResponse(status=200)
    resp.headers["Content-Type"] = out.content_type
    writer = ChunkedWriter(request, resp)
    encoder_label = out.fmt.convert.lower() if out.fmt.convert else frames.encoder.label
    stats = metrics.watch_metrics(info.group, info.version, info.plural, encoder_label)
    watcher: CacheWatcher | None = None
    sink: DirectSink | None = None
    tail: Parts = ()  # an in-stream ERROR to end with
    try:
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + opts.timeout):
                try:
                    watcher = await cacher.watch(
                        namespace=opts.namespace,
                        predicate=opts.predicate,
                        resource_version=opts.resource_version,
                        send_initial_events=opts.send_initial_events,
                        allow_bookmarks=opts.allow_bookmarks,
                        deadline=time.monotonic() + opts.timeout,
                    )
                except serr.StorageError as exc:
                    filters.watch_initialized(request)
                    stats.init_errors[0] += 1
                    tail = frames.error(storage_error_status(exc, info))
                else:
                    filters.watch_initialized(request)  # kube: the seat goes back once the watch is set up
                    writer.abandoned = lambda: watcher is not None and watcher.closed
                    # the direct path and groups write cached HTTP chunks: an HTTP/1.0 stream takes the queue
                    sink = DirectSink(frames, writer, stats) if DIRECT and writer.chunked else None
                    if sink is not None and groupsink.GROUPS and frames.groupable:
                        labels = (info.group, info.version, info.plural, encoder_label)
                        key = groupsink.group_key(opts.namespace, watcher, frames, labels)
                        groupsink.join_when_parked(cacher, watcher, sink, key)
                    await writer.start()
                    watcher.sink = sink
                    await _stream(watcher, frames, writer, stats, sink)
        except TimeoutError:
            pass  # the deadline: end the stream as kube does, with nothing more than its last chunk
        except (ConnectionResetError, ConnectionError):
            if watcher is not None and not watcher.has_backlog_done():
                stats.init_errors[0] += 1
            return resp
        except Exception:
            # after the 200 has gone out a failure can only be told in-stream (kube logs it and ends the watch)
            log.exception("watch of %s ended by an internal error", info.group_resource)
            tail = frames.error(errors.internal_error("watch stream failed; resume from the last resourceVersion"))
        if watcher is not None:
            watcher.leave_group()  # what the group took for it goes to its sink...
            watcher.sink = None
            if sink is not None:
                sink.close()  # ... and what the direct path took goes out before the end
            if watcher.end_reason == EXPIRED:
                if not watcher.has_backlog_done():
                    stats.init_errors[0] += 1
                bound = cacher.oldest_resource_version()
                message = f"too old resource version: {watcher.last_rv} ({bound})"
                tail = frames.error(errors.resource_expired(message))
        await finish(writer, tail)
    finally:
        if sink is not None:
            sink.closed = True
        if watcher is not None:
            watcher.sink = None
            watcher.stop()
    return resp
