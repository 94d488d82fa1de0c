"""How stored values become cache entries: the object this server wrote, else decoded, with its selectable
attributes; a heavy value (encoding/weight.py: big or deeply nested) decoded and its encodings made in a worker
thread, so the event loop is not held by it (a 9,990-level custom resource: ~5 ms to decode, ~30-50 ms of
Python to write as JSON, once per object)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any

from aiokube.encoding import weight
from aiokube.storage.store import Store, decode_from_storage

from .objects import CachedObject, Obj, deleted_view

AttrsFunc = Callable[[dict[str, Any]], tuple[Mapping[str, str], Mapping[str, str]]]


class Entries:
    """Makes the cacher's entries. ``offload``: where heavy values are decoded and ``warm`` (the encodings
    readers and watchers will ask for) is run; None keeps everything on the loop. An entry made in ``offload``
    is held by no one else until it is returned; its ``heavy`` flag tells the delete's view to go there too."""

    def __init__(
        self,
        store: Store,
        attrs: AttrsFunc,
        offload: Executor | None = None,
        warm: Callable[[CachedObject], None] | None = None,
    ) -> None:
        self.store = store
        self.attrs = attrs
        self.offload = offload
        self.warm = warm

    def offloads(self, value: bytes) -> bool:
        """Whether a stored value is made into an entry by :meth:`heavy` rather than :meth:`light`."""
        return self.offload is not None and weight.is_heavy(value)

    async def make(self, key: str, value: bytes, revision: int) -> CachedObject:
        """:meth:`heavy` or :meth:`light`, whichever the value needs."""
        if self.offloads(value):
            return await self.heavy(key, value, revision)
        return self.light(key, value, revision)

    def light(self, key: str, value: bytes, revision: int) -> CachedObject:
        return self._make(key, value, revision, self.store.take_written(key, revision, value))

    async def heavy(self, key: str, value: bytes, revision: int) -> CachedObject:
        obj = self.store.take_written(key, revision, value)  # on the loop: the store's maps are the loop's
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.offload, self._warmed, key, value, revision, obj)

    async def heavy_deleted(self, prev: CachedObject, revision: int) -> CachedObject:
        """What watchers get for the delete of a heavy ``prev`` (it at the delete's revision), warmed in
        ``offload``; a light one's is ``objects.deleted_view``."""
        entry = deleted_view(prev, revision)
        entry.heavy = True
        await asyncio.get_running_loop().run_in_executor(self.offload, self._warm, entry)
        return entry

    def _make(self, key: str, value: bytes, revision: int, obj: Obj | None) -> CachedObject:
        if obj is None:
            obj = decode_from_storage(value, revision, key)
        labels, fields = self.attrs(obj)
        return CachedObject(key, obj, revision, labels, fields)

    def _warmed(self, key: str, value: bytes, revision: int, obj: Obj | None) -> CachedObject:
        entry = self._make(key, value, revision, obj)
        entry.heavy = True
        self._warm(entry)
        return entry

    def _warm(self, entry: CachedObject) -> None:
        if self.warm is not None:
            self.warm(entry)
