"""List + watch with a local cache, as client-go's reflector and informer do.

The list gives a resourceVersion; the watch continues from it (with bookmarks) and from the last event's
version when the server ends the stream; a 410 Gone (the version was compacted) relists, and the handlers
see the difference between the cache and the new list as ADDED/MODIFIED/DELETED events. Nothing polls.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.simulation.client import ApiError, KubeClient

Obj = dict[str, Any]
#: (event type, object, previous object or None)
Handler = Callable[[str, Obj, Obj | None], None]
log = logging.getLogger(__name__)
#: client-go's reflector asks for a random watch timeout between 5 and 10 minutes
MIN_WATCH_TIMEOUT = 300


def key_of(obj: Obj) -> str:
    md = obj.get("metadata") or {}
    return f"{md.get('namespace', '')}/{md.get('name', '')}"


class Informer:
    """The objects of one collection (``path``: ``/api/v1/pods``...), kept current by a watch.

    ``cache`` maps ``namespace/name`` to the newest object seen; ``handlers`` are called synchronously on the
    event loop for every change (they must not block: controllers queue keys). ``synced`` is set after the
    first list has been delivered.
    """

    def __init__(self, client: KubeClient, path: str, params: dict[str, str] | None = None) -> None:
        self.client = client
        self.path = path
        self.params = dict(params or {})
        self.cache: dict[str, Obj] = {}
        self.handlers: list[Handler] = []
        self.synced = asyncio.Event()
        self.resource_version = ""

    def add_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def get(self, key: str) -> Obj | None:
        return self.cache.get(key)

    def _emit(self, event_type: str, obj: Obj, old: Obj | None) -> None:
        for handler in self.handlers:
            try:
                handler(event_type, obj, old)
            except Exception:
                log.exception("handler of %s failed on %s %s", self.path, event_type, key_of(obj))

    async def _list(self) -> None:
        body = await self.client.request("GET", self.path, params=self.params or None)
        fresh = {key_of(o): o for o in body.get("items") or []}
        self.resource_version = (body.get("metadata") or {}).get("resourceVersion", "")
        old = self.cache
        self.cache = fresh
        for key, obj in old.items():
            if key not in fresh:
                self._emit("DELETED", obj, obj)
        for key, obj in fresh.items():
            prev = old.get(key)
            if prev is None:
                self._emit("ADDED", obj, None)
            elif (prev.get("metadata") or {}).get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                self._emit("MODIFIED", obj, prev)
        self.synced.set()

    async def _watch(self) -> bool:
        """One watch stream from ``resource_version``; False when it must relist (410 Gone)."""
        params = {
            **self.params,
            "resourceVersion": self.resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(random.randint(MIN_WATCH_TIMEOUT, 2 * MIN_WATCH_TIMEOUT)),
        }
        async for event in self.client.watch(self.path, params):
            etype, obj = event.get("type"), event.get("object") or {}
            if etype == "ERROR":
                if obj.get("code") == 410:
                    return False
                raise ApiError(obj.get("code") or 500, obj)
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.resource_version = rv
            if etype == "BOOKMARK":
                continue
            key = key_of(obj)
            if etype == "DELETED":
                prev = self.cache.pop(key, None)
                self._emit("DELETED", obj, prev)
            else:
                prev = self.cache.get(key)
                self.cache[key] = obj
                self._emit("ADDED" if prev is None else "MODIFIED", obj, prev)
        return True

    async def run(self) -> None:
        """List, then watch for ever; errors back off a second and relist."""
        need_list = True
        while True:
            try:
                if need_list:
                    await self._list()
                need_list = not await self._watch()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                need_list = True
                if exc.status != 410:
                    log.warning("watch of %s: %s; relisting", self.path, exc)
                    await asyncio.sleep(1.0)
            except Exception as exc:  # connection lost: rewatch from the last version
                log.warning("watch of %s: %r; retrying", self.path, exc)
                await asyncio.sleep(1.0)
