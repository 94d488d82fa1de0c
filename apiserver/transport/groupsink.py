"""One byte stream per watcher group and flush: the frames a group took are joined once and the same buffer
is written to every member's connection (watchcache/group.py says who is a member and when).

Per (watcher, event) nothing is left but what the kernel does: the dispatch converts and offers an event once
per group, the chunk is made once per event and encoder, metrics are counted once per group and flush (and
exported per watcher, as the direct path does), and each member costs one ``transport.write`` per flush. A
member whose connection has ``HIGH_WATER`` bytes unsent after a write leaves the group and takes the slow
path on its own (queue, task, drain, the cacher's time budget); it rejoins when its task parks again.
bench/watch_fanout.py measures groups on and off (``AIOKUBE_WATCH_GROUPS=0``).
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import cast

from aiokube.apiserver.observability.metrics import WatchMetrics
from aiokube.apiserver.transport.directsink import FLUSHER, ChunkSource, DirectSink, account
from aiokube.apiserver.transport.streaming import HIGH_WATER
from aiokube.watchcache.cacher import Cacher
from aiokube.watchcache.group import WatcherGroup
from aiokube.watchcache.watcher import CacheWatcher, Item

#: AIOKUBE_WATCH_GROUPS=0 keeps every watcher on its own direct path (bench/watch_fanout.py compares)
GROUPS = os.environ.get("AIOKUBE_WATCH_GROUPS", "1") != "0"


class GroupSink:
    """The group's pending frames and their flush to every member (see the module docstring)."""

    __slots__ = ("chunks", "frames", "group", "received", "sizes", "stats")

    def __init__(self, group: WatcherGroup, frames: ChunkSource, stats: WatchMetrics) -> None:
        self.group = group
        self.frames = frames
        self.stats = stats
        self.chunks: list[bytes] = []
        self.received: list[float] = []
        self.sizes: list[int] = []

    def accept(self, item: Item) -> None:
        if not self.chunks:
            FLUSHER.mark(self)
        chunk, size = self.frames.chunk(item)
        self.chunks.append(chunk)
        self.sizes.append(size)
        self.received.append(item[1].received_at)

    def idle(self) -> bool:
        return not self.chunks

    def release(self, member: CacheWatcher) -> None:
        sink = cast("DirectSink | None", member.sink)
        if sink is not None:
            sink.take(self.chunks, self.received, self.sizes)

    def flush(self) -> None:
        chunks = self.chunks
        if not chunks:
            return
        received, sizes = self.received, self.sizes
        self.chunks, self.received, self.sizes = [], [], []
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        size = len(data)
        copies = 0
        behind: list[CacheWatcher] = []
        for w in self.group.members:
            # a member's sink is a DirectSink (groups are formed of those); no cast() here: building the
            # annotation's Union and calling cast per member was 3% of the server's CPU at 1,000 watchers
            sink: DirectSink | None = w.sink  # type: ignore[assignment]
            transport = None if sink is None else sink.transport
            if sink is None or transport is None or transport.is_closing():
                continue  # the client is gone; its task is cancelled and leaves the group
            transport.write(data)
            copies += 1
            sink.writer.written += size
            if transport.get_write_buffer_size() > HIGH_WATER:
                behind.append(w)
        if copies:
            account(self.stats, self.frames, received, sizes, copies)
        for w in behind:
            w.leave_group()


def group_key(
    namespace: str | None, watcher: CacheWatcher, frames: ChunkSource, stats_labels: tuple[str, ...]
) -> Hashable:
    """What makes two watchers' streams of live events the same bytes: namespace, predicate, encoder (one per
    format and resource), and the metric children their frames are counted under."""
    pred = watcher.predicate
    selectors = None if pred is None else (pred.label.requirements, pred.field.requirements)
    return (namespace, selectors, frames.encoder, stats_labels)


def join_when_parked(cacher: Cacher, watcher: CacheWatcher, sink: DirectSink, key: Hashable) -> None:
    """Each time ``watcher``'s task parks, try (after the next flush) to move it into its group."""

    def join() -> None:
        if watcher.group is not None or watcher.closed or not sink.ready():
            return
        if watcher.min_event_rv > cacher.rv:  # started ahead of the cache: join once the cache got there
            cacher.when_at(watcher.min_event_rv, lambda: FLUSHER.after(join))
            return
        cacher.join_group(watcher, key, lambda group: GroupSink(group, sink.frames, sink.stats))

    sink.on_park = join
