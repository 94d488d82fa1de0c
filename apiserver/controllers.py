"""In-process controllers that a bare apiserver needs to behave like a cluster.

The namespace controller (kube-controller-manager's ``namespace`` controller, reduced to what the API
promises): when a namespace is Terminating it deletes every namespaced object in it, then removes the
``kubernetes`` finalizer through the same path as ``PUT .../finalize``, which deletes the namespace.
Every replica runs it; all its writes are idempotent, so replicas racing each other is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from storage import errors as serr

from .errors import StatusError

if TYPE_CHECKING:
    from .handlers import RESTHandlers

log = logging.getLogger(__name__)


class NamespaceController:
    def __init__(self, handlers: RESTHandlers, resync_seconds: float = 15.0, retry_seconds: float = 1.0) -> None:
        self.handlers = handlers
        self.resync_seconds = resync_seconds
        self.retry_seconds = retry_seconds
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()

    def enqueue(self, name: str) -> None:
        if name not in self._queued:
            self._queued.add(name)
            self._queue.put_nowait(name)

    async def run(self) -> None:
        resync = asyncio.create_task(self._resync_loop())
        try:
            while True:
                name = await self._queue.get()
                self._queued.discard(name)
                try:
                    done = await self.sync(name)
                except (serr.StorageError, StatusError) as exc:
                    log.warning("namespace %s: finalization failed, will retry: %s", name, exc)
                    done = False
                if not done:
                    asyncio.get_running_loop().call_later(self.retry_seconds, self.enqueue, name)
        finally:
            resync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await resync

    async def _resync_loop(self) -> None:
        """Pick up namespaces another replica (or a crash) left Terminating."""
        info = self.handlers.registry.get("", "v1", "namespaces")
        assert info is not None
        while True:
            with contextlib.suppress(serr.StorageError):
                result = await self.handlers.store.list(info.collection_key())
                for ns in result.items:
                    if ns["metadata"].get("deletionTimestamp"):
                        self.enqueue(ns["metadata"]["name"])
            await asyncio.sleep(self.resync_seconds)

    async def sync(self, name: str) -> bool:
        """Empty a terminating namespace and finalize it; False means "try again later"."""
        handlers = self.handlers
        ns_info = handlers.registry.get("", "v1", "namespaces")
        assert ns_info is not None
        key = ns_info.key(None, name)
        try:
            ns = await handlers.store.get(key)
        except serr.NotFound:
            return True
        if not ns["metadata"].get("deletionTimestamp"):
            return True
        if "kubernetes" not in ((ns.get("spec") or {}).get("finalizers") or []):
            return True
        from .handlers import DeleteOptions

        remaining = 0
        for info in list(handlers.registry):
            if not info.namespaced:
                continue
            items, _ = await handlers.delete_matching(info, name, None, DeleteOptions())
            if items:
                # objects with finalizers linger until their finalizers are removed: check again
                left = await handlers.store.list(info.collection_key(name), limit=1)
                remaining += len(left.items)
        if remaining:
            return False
        await handlers.finalize_namespace(name)
        log.info("namespace %s finalized", name)
        return True
