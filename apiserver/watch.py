"""WATCH over HTTP: options as kube parses, defaults and validates them, and the chunked JSON stream.

The stream is a 200 with one ``{"type":...,"object":...}`` per line. Errors found once the watch is
accepted (a too old resourceVersion, a cache that cannot reach a requested one in time) are delivered
in-stream as an ERROR event carrying a Status, as kube does. When the client falls behind, several ready
frames go out in one write.
"""

from __future__ import annotations

import random
import time
from typing import Any

from aiohttp import web

from encoding import jsonenc
from storage import errors as serr
from storage.selection import FieldRequirement, FieldSelector, SelectionPredicate
from watchcache.cacher import Cacher
from watchcache.objects import ADDED, BOOKMARK, DELETED, CachedObject, WatchEvent
from watchcache.watcher import EXPIRED, INITIAL_END, CacheWatcher, Item

from . import errors
from .errors import FieldErrors, GroupKind, StatusError
from .registry import ResourceInfo
from .requestinfo import RequestInfo

#: kube's --min-request-timeout: a watch without timeoutSeconds lasts a random 1 to 2 times this
MIN_REQUEST_TIMEOUT = 1800.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _bool_param(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    low = value.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false", ""):
        return False
    raise errors.bad_request(f'strconv.ParseBool: parsing "{value}": invalid syntax')


class WatchRequest:
    """A parsed, defaulted and validated watch request (handlers/get.go ListResource, watch branch)."""

    def __init__(self, request: web.Request, ri: RequestInfo, info: ResourceInfo, predicate: SelectionPredicate):
        q = request.query
        self.resource_version = q.get("resourceVersion", "")
        self.match = q.get("resourceVersionMatch", "")
        self.allow_bookmarks = bool(_bool_param(q.get("allowWatchBookmarks"), "allowWatchBookmarks"))
        self.send_initial_events = _bool_param(q.get("sendInitialEvents"), "sendInitialEvents")
        timeout = q.get("timeoutSeconds", "")
        try:
            seconds = int(timeout) if timeout else 0
        except ValueError:
            raise errors.bad_request(f'strconv.ParseInt: parsing "{timeout}": invalid syntax') from None
        self.timeout = float(seconds) if seconds > 0 else MIN_REQUEST_TIMEOUT * (1.0 + random.random())
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
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {"kind": info.kind, "apiVersion": info.api_version, "metadata": meta}


def item_frame(info: ResourceInfo, item: Item) -> bytes:
    """The JSON watch line for one item, from bytes cached on the event or object when possible."""
    event_type, payload = item
    if isinstance(payload, WatchEvent):
        key = ("json", event_type)
        data = payload.frames.get(key)
        if data is None:
            obj = payload.deleted_object() if event_type == DELETED else payload.object
            data = payload.frames[key] = jsonenc.frame(event_type, jsonenc.object_bytes(obj))
        return data
    if isinstance(payload, CachedObject):  # initial state: ADDED
        data = payload.encodings.get("json-frame-added")
        if data is None:
            data = payload.encodings["json-frame-added"] = jsonenc.frame(ADDED, jsonenc.object_bytes(payload))
        return data
    initial_end = event_type == INITIAL_END
    return jsonenc.dumps_line({"type": BOOKMARK, "object": _bookmark_object(info, payload, initial_end)})


def error_frame(err: StatusError) -> bytes:
    return jsonenc.dumps_line({"type": "ERROR", "object": err.status()})


def storage_error_status(exc: serr.StorageError, info: ResourceInfo) -> StatusError:
    if isinstance(exc, serr.Compacted):
        return errors.resource_expired(exc.message)
    return errors.from_storage(exc, info.group_resource, "")


async def serve_watch(
    request: web.Request, ri: RequestInfo, info: ResourceInfo, cacher: Cacher, predicate: SelectionPredicate
) -> web.StreamResponse:
    opts = WatchRequest(request, ri, info, predicate)
    if opts.resource_version not in ("", "0"):
        from .handlers import parse_resource_version

        parse_resource_version(opts.resource_version)
    deadline = time.monotonic() + opts.timeout
    resp = web.StreamResponse(status=200)
    resp.content_type = "application/json"
    resp.enable_chunked_encoding()
    watcher: CacheWatcher | None = None
    try:
        watcher = await cacher.watch(
            namespace=opts.namespace,
            predicate=opts.predicate,
            resource_version=opts.resource_version,
            send_initial_events=opts.send_initial_events,
            allow_bookmarks=opts.allow_bookmarks,
            deadline=deadline,
        )
    except serr.StorageError as exc:
        await resp.prepare(request)
        await resp.write(error_frame(storage_error_status(exc, info)))
        await resp.write_eof()
        return resp
    try:
        await resp.prepare(request)
        async for items in watcher.batches():
            if len(items) == 1:
                await resp.write(item_frame(info, items[0]))
            else:
                await resp.write(b"".join([item_frame(info, item) for item in items]))
        if watcher.end_reason == EXPIRED:
            bound = cacher.oldest_resource_version()
            message = f"too old resource version: {watcher.last_rv} ({bound})"
            await resp.write(error_frame(errors.resource_expired(message)))
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        watcher.stop()
    return resp
