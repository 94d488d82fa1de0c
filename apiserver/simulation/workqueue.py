"""A keyed work queue, as client-go's: a key queued twice before a worker takes it is worked once, and a key
queued while a worker has it is worked again after (never by two workers at once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


class WorkQueue:
    """Keys to sync; ``run`` starts ``workers`` tasks calling ``sync(key)``; a sync that raises is retried
    after ``RETRY_SECONDS``."""

    def __init__(self, name: str, sync: Callable[[str], Awaitable[None]], workers: int = 8) -> None:
        self.name = name
        self.sync = sync
        self.workers = workers
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._active: set[str] = set()
        self._again: set[str] = set()

    def add(self, key: str) -> None:
        if key in self._active:
            self._again.add(key)
        elif key not in self._queued:
            self._queued.add(key)
            self._queue.put_nowait(key)

    def add_after(self, key: str, delay: float) -> None:
        asyncio.get_running_loop().call_later(max(delay, 0.0), self.add, key)

    async def _worker(self) -> None:
        while True:
            key = await self._queue.get()
            self._queued.discard(key)
            self._active.add(key)
            try:
                await self.sync(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s: sync of %s failed: %s; retrying", self.name, key, exc)
                self.add_after(key, RETRY_SECONDS)
            finally:
                self._active.discard(key)
                if key in self._again:
                    self._again.discard(key)
                    self.add(key)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for _ in range(self.workers):
                tg.create_task(self._worker())
