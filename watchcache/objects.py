"""What the watch cache holds and hands out: cached objects and watch events.

A :class:`CachedObject` is one object at one revision, decoded once, with its selectable attributes
(labels, fields) computed once, and a slot where encoders keep its serialized bytes. Entries are never
mutated after creation: an update replaces the entry, so a LIST can hold references to a consistent set
of entries while it yields to the event loop.

A :class:`WatchEvent` wraps one change. It is created once per change and shared by every watcher and by
the event buffer; encoders cache the framed bytes of the event on it (per encoder and event type).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
BOOKMARK = "BOOKMARK"
ERROR = "ERROR"

Obj = dict[str, Any]
EMPTY: Mapping[str, str] = {}


class CachedObject:
    __slots__ = ("encodings", "fields", "heavy", "key", "labels", "name", "namespace", "obj", "revision")

    def __init__(
        self,
        key: str,
        obj: Obj,
        revision: int,
        labels: Mapping[str, str],
        fields: Mapping[str, str],
    ) -> None:
        self.key = key
        self.obj = obj
        self.revision = revision
        meta = obj.get("metadata") or {}
        self.namespace: str = meta.get("namespace", "")
        self.name: str = meta.get("name", "")
        self.labels = labels
        self.fields = fields
        #: serialized forms, filled by encoders on first use ({encoder id: bytes})
        self.encodings: dict[str, bytes] = {}
        #: too big or deep to decode or encode on the event loop (encoding/weight.py): the cacher has its
        #: encodings made in a worker thread before any watcher or reader asks for them
        self.heavy = False

    def __repr__(self) -> str:
        return f"CachedObject({self.key!r}, rv={self.revision})"


class WatchEvent:
    __slots__ = ("_deleted", "frames", "object", "prev_object", "received_at", "revision", "type")

    def __init__(
        self,
        type_: str,
        obj: CachedObject,
        prev: CachedObject | None,
        revision: int,
        received_at: float | None = None,
    ) -> None:
        self.type = type_
        #: the object as watchers see it (for DELETED: the last state, with the deletion's resourceVersion)
        self.object = obj
        #: the state before this change (None for ADDED), for selector transitions
        self.prev_object = prev
        self.revision = revision
        #: monotonic time the change reached aiokube from etcd (watch-latency SLO)
        self.received_at = time.monotonic() if received_at is None else received_at
        #: framed bytes per (encoder id, event type), filled on first use and shared by all watchers
        self.frames: dict[tuple[str, ...], Any] = {}
        self._deleted: CachedObject | None = obj if type_ == DELETED else None

    def deleted_object(self) -> CachedObject:
        """What a watcher gets as DELETED: for a delete, the last state; for an object that stopped
        matching a watcher's selector, its previous state — both with this event's resourceVersion."""
        if self._deleted is None:
            assert self.prev_object is not None
            self._deleted = deleted_view(self.prev_object, self.revision)
        return self._deleted

    def __repr__(self) -> str:
        return f"WatchEvent({self.type}, {self.object.key!r}, rv={self.revision})"


def deleted_view(prev: CachedObject, revision: int) -> CachedObject:
    """``prev`` with ``revision`` as its resourceVersion (a shallow copy: entries are immutable)."""
    obj = dict(prev.obj)
    meta = dict(obj.get("metadata") or {})
    meta["resourceVersion"] = str(revision)
    obj["metadata"] = meta
    return CachedObject(prev.key, obj, revision, prev.labels, prev.fields)
