"""Watchers: one per WATCH request, fed by the cacher through a bounded queue, drained by the HTTP side.

A watcher first serves its backlog (an initial state snapshot, or an interval over the event buffer), then
live events the cacher hands it. Hand-off never blocks the cacher: when the queue is full the cacher
decides (with a shared time budget) whether to wait a little or to close the watcher.

Selector transitions follow kube's cacheWatcher.convertToWatchEvent: an object that starts matching
arrives as ADDED, one that stops matching as DELETED (previous content, the event's resourceVersion).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Protocol

from aiokube.storage.selection import SelectionPredicate

from .buffer import BufferInterval, IntervalExpired
from .objects import ADDED, BOOKMARK, DELETED, MODIFIED, CachedObject, WatchEvent

if TYPE_CHECKING:
    from .group import WatcherGroup

#: An item handed to the HTTP side: (event type, payload). Payload is a WatchEvent for changes, a
#: CachedObject for initial-state ADDED, and an int resourceVersion for BOOKMARK / INITIAL_END bookmarks.
Item = tuple[str, Any]
INITIAL_END = "INITIAL_END"  # a BOOKMARK carrying the k8s.io/initial-events-end annotation



class Sink(Protocol):
    """Where a watcher can hand an item straight to its client's connection (see ``CacheWatcher.offer``)."""

    def accept(self, item: Item) -> bool:
        """Take ``item`` for writing (in order, before anything the watcher's task writes later); False when
        the connection cannot take more now (the item then goes through the queue and the task)."""
        ...


# why a watch ended (None: deadline, client gone or server stopping)
EXPIRED = "expired"  # the ring moved past the watcher's interval: 410
TERMINATED = "terminated"  # too slow: closed by the dispatcher
#: reasons after which nothing queued is delivered (kube's cacheWatcher drops its input channel too)
_DROP_QUEUE = (EXPIRED, TERMINATED)


class EventFilter:
    """What a watcher (or a group of alike watchers) sees of the cacher's events."""

    __slots__ = ()
    namespace: str | None
    predicate: SelectionPredicate | None
    #: events at or below this revision are already known to the client (its starting point)
    min_event_rv: int

    def _passes(self, entry: CachedObject | None) -> bool:
        if entry is None:
            return False
        if self.namespace is not None and entry.namespace != self.namespace:
            return False
        return self.predicate is None or self.predicate.matches_attrs(entry.labels, entry.fields)

    def convert(self, event: WatchEvent) -> Item | None:
        """The item this watcher gets for ``event`` (None: not interested)."""
        if event.revision <= self.min_event_rv:
            return None
        cur = event.type != DELETED and self._passes(event.object)
        old = self._passes(event.prev_object)
        if cur:
            return (MODIFIED if old else ADDED, event)
        if old:
            return (DELETED, event)
        return None


class CacheWatcher(EventFilter):
    """One WATCH's view of a cacher: what it matches, its backlog, and its bounded queue of live items.

    Owns: the queue, the backlog cursor (initial snapshot or buffer interval), the bookmark schedule, and
    its own registration (``on_stop`` removes it from the cacher's index exactly once).
    Called by: the cacher's dispatch (``convert``/``offer``, never blocking) and the bookmark loop; drained
    by one consumer task through ``batches()``.
    Does not own: the watch's deadline. The consumer (apiserver's watch handler) enforces ``timeoutSeconds``
    around every await of the watch and calls ``stop()``; ``deadline`` here only times the bookmark kube
    sends shortly before it. (An earlier design armed a timer here, once: uvloop fires timers up to ~1.5 ms
    early against ``time.monotonic()``, the drain saw time left, parked again and the watch outlived its
    deadline until the next event.)
    Concurrency: one event loop; ``stop()`` is idempotent and may come from any callback.
    """

    def __init__(
        self,
        *,
        predicate: SelectionPredicate | None,
        namespace: str | None,
        queue_size: int,
        deadline: float,
        bookmarks: bool,
        bookmark_frequency: float,
        initial: list[CachedObject] | None = None,
        initial_end_rv: int | None = None,
        interval: BufferInterval | None = None,
        start_rv: int = 0,
        on_stop: Callable[[CacheWatcher], None] | None = None,
    ) -> None:
        self.predicate = None if predicate is None or predicate.empty() else predicate
        self.namespace = namespace or None
        self.queue_size = queue_size
        self.deadline = deadline
        self.bookmarks = bookmarks
        self.bookmark_frequency = bookmark_frequency
        self.next_bookmark = self._next_bookmark_time(time.monotonic())
        self._initial = initial
        self._initial_pos = 0
        self._initial_end_rv = initial_end_rv
        self._interval = interval
        self._queue: deque[Item] = deque()
        #: the drain side's pending wait (one future, no task: this is on every event's path)
        self._waiter: asyncio.Future[None] | None = None
        self._room = asyncio.Event()
        self._room.set()
        self._on_stop = on_stop
        #: resourceVersion of the last event or bookmark handed out
        self.last_rv = start_rv
        #: events at or below this revision are already known to the client (its starting point)
        self.min_event_rv = start_rv
        self.closed = False
        self.end_reason: str | None = None
        #: keys under which the cacher's dispatch index holds this watcher
        self.index_keys: list[Any] = []
        #: optional direct path to the connection, used while the task is parked with nothing queued
        self.sink: Sink | None = None
        #: the group this watcher is dispatched through while it is caught up (out of the index meanwhile)
        self.group: WatcherGroup | None = None

    # --- hand-off from the cacher --------------------------------------------------------------------

    def offer(self, item: Item) -> bool:
        """Non-blocking hand-off; False when the queue is full.

        A watcher whose task is parked (backlog served, queue empty) hands the item to its sink instead: no
        queue, no future, no task switch per event, and the sink coalesces writes. Order holds because the
        task, once woken, lets the sink write what it took before it writes anything itself."""
        if self.closed:
            return True
        if self._waiter is not None and self.sink is not None and not self._queue and self.sink.accept(item):
            payload = item[1]
            if payload.revision > self.last_rv:
                self.last_rv = payload.revision
            return True
        if len(self._queue) >= self.queue_size:
            self._room.clear()
            return False
        self._queue.append(item)
        self._wake()
        return True

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def has_room(self) -> bool:
        return self.closed or len(self._queue) < self.queue_size

    async def wait_for_room(self) -> None:
        while not self.has_room():
            self._room.clear()
            await self._room.wait()

    def offer_bookmark(self, revision: int) -> None:
        """Bookmarks never block: dropped when the queue is full, and never go backwards. A grouped watcher
        leaves its group first: the group's frames not yet written to it go out before the bookmark."""
        if self.group is not None:
            if revision <= self.group.last_rv:
                return  # this member's own last_rv is not kept up to date while it is grouped
            self.leave_group()
        if revision > self.last_rv and len(self._queue) < self.queue_size and not self.closed:
            self._queue.append((BOOKMARK, revision))
            self._wake()

    def _next_bookmark_time(self, now: float) -> float:
        # about once per period, and one shortly (2 s) before the watch's deadline
        return min(now + self.bookmark_frequency, self.deadline - 2.0)

    def bookmark_due(self, now: float) -> bool:
        return self.bookmarks and now >= self.next_bookmark and self.has_backlog_done()

    def bookmark_sent(self, now: float) -> None:
        self.next_bookmark = self._next_bookmark_time(now)
        if self.next_bookmark <= now:  # past the pre-deadline bookmark: no more
            self.next_bookmark = float("inf")

    def has_backlog_done(self) -> bool:
        return self._initial is None and self._interval is None

    @property
    def parked(self) -> bool:
        """Caught up and idle: backlog served, nothing queued, the task waiting for the next item."""
        return self._waiter is not None and not self._queue and not self.closed and self.has_backlog_done()

    def leave_group(self) -> None:
        """Back to being dispatched on its own (the group hands it what it took for it and did not write)."""
        group, self.group = self.group, None
        if group is not None:
            group.remove(self)

    def stop(self, reason: str | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        if self.end_reason is None:
            self.end_reason = reason
        self.leave_group()
        self._wake()
        self._room.set()
        if self.end_reason in _DROP_QUEUE:
            self._queue.clear()
        on_stop, self._on_stop = self._on_stop, None
        if on_stop is not None:
            on_stop(self)

    # --- draining by the HTTP side -------------------------------------------------------------------

    def _backlog_chunk(self) -> list[Item]:
        if self._initial is not None:
            chunk = self._initial[self._initial_pos : self._initial_pos + 100]
            self._initial_pos += len(chunk)
            items: list[Item] = [(ADDED, entry) for entry in chunk]
            if self._initial_pos >= len(self._initial):
                self._initial = None
                if self._initial_end_rv is not None:
                    items.append((INITIAL_END, self._initial_end_rv))
            return items
        if self._interval is not None:
            try:
                events = self._interval.next_chunk()
            except IntervalExpired:
                self._interval = None
                self.end_reason = EXPIRED
                self.stop(EXPIRED)
                return []
            if not events:
                self._interval = None
                return []
            out: list[Item] = []
            for ev in events:
                item = self.convert(ev)
                if item is not None:
                    out.append(item)
            return out
        return []

    async def batches(self, max_items: int = 256) -> AsyncIterator[list[Item]]:
        """Ready items in batches (several frames per socket write when the client is behind), until the
        watcher is stopped. It never ends on its own at the deadline: the consumer cancels or stops it."""
        while True:
            if self.closed and self.end_reason == EXPIRED:
                return
            if not self.has_backlog_done():
                items = self._backlog_chunk()
                if items:
                    self._note(items)
                    yield items
                # a large backlog is served a chunk per loop iteration: other clients (and the deadline)
                # are not held up by one watcher's initial state
                await asyncio.sleep(0)
                continue
            if self._queue:
                n = min(len(self._queue), max_items)
                items = [self._queue.popleft() for _ in range(n)]
                if not self._room.is_set():
                    self._room.set()
                self._note(items)
                yield items
                continue
            if self.closed:
                return
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            if self.sink is not None:
                self.sink.parked()
            try:
                await waiter
            finally:
                if self._waiter is waiter:  # cancelled: no direct hand-off to a consumer that is leaving
                    self._waiter = None

    def _note(self, items: list[Item]) -> None:
        payload = items[-1][1]
        rv = payload if isinstance(payload, int) else payload.revision
        self.last_rv = max(self.last_rv, rv)
