"""The direct path of live watch events to parked watchers' sockets: a sink per watch that keeps the cached
chunks the cacher's dispatch hands it, and one shared flusher that writes them, one ``writelines`` per stream
for everything that arrived meanwhile (bench/watch_fanout.py measures it against the queue-and-task path)."""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any, Protocol

from aiokube.apiserver.observability.metrics import WatchMetrics
from aiokube.apiserver.transport.streaming import HIGH_WATER, ChunkedWriter, Flusher
from aiokube.watchcache.watcher import Item


class ChunkSource(Protocol):
    """What the sink needs of a watch's frame maker: an item as one HTTP chunk, and its encoder's counters."""

    encoder: Any
    chunk_hits: int

    def chunk(self, item: Item) -> tuple[bytes, int]: ...


#: live events go straight to parked watchers' connections and their writes are coalesced (DirectSink);
#: AIOKUBE_WATCH_DIRECT=0 sends every event through the watcher's queue and task (bench/watch_fanout.py)
DIRECT = os.environ.get("AIOKUBE_WATCH_DIRECT", "1") != "0"
FLUSHER = Flusher()
#: bytes written and chunk-cache hits of the direct path, per Prometheus counter child, since the last flush
_TALLY: dict[Any, int] = {}


def _fold_tally() -> None:
    """One counter increment per encoder per flush, not one per stream (they take a lock)."""
    if _TALLY:
        for counter, n in _TALLY.items():
            counter.inc(n)
        _TALLY.clear()


FLUSHER.after_flush.append(_fold_tally)


def account(stats: WatchMetrics, frames: ChunkSource, received: list[float], sizes: list[int], copies: int) -> int:
    """Watch metrics for frames just handed to ``copies`` connections, counted once (Histogram.observe,
    inlined: this runs per frame); returns the bytes written to each connection."""
    now = time.monotonic()
    hist = stats.latency
    bounds, counts, total_latency = hist.bounds, hist.counts, 0.0
    for t in received:
        latency = now - t
        counts[bisect_left(bounds, latency)] += copies
        total_latency += latency
    hist.sum += total_latency * copies
    hist = stats.sizes
    bounds, counts = hist.bounds, hist.counts
    for size in sizes:
        counts[bisect_left(bounds, size)] += copies
    total = sum(sizes)
    hist.sum += total * copies
    stats.events[0] += len(sizes) * copies
    counter = frames.encoder.bytes_written
    _TALLY[counter] = _TALLY.get(counter, 0) + total * copies
    hits = frames.chunk_hits + len(sizes) * (copies - 1)  # one chunk made per group is a hit for the others
    if hits:
        counter = frames.encoder.hits
        _TALLY[counter] = _TALLY.get(counter, 0) + hits
        frames.chunk_hits = 0
    return total


class DirectSink:
    """A parked watcher's direct path to its connection: the cacher's dispatch hands it live events, it
    keeps their cached chunks, and the shared ``FLUSHER`` writes them with one ``writelines`` per stream.

    It refuses (the item then takes the queue and the task, which waits for the socket to drain) when the
    connection is closing or already holds ``HIGH_WATER`` unsent bytes, so a slow client still fills its
    queue and meets the cacher's time budget as before. The watch SLO is observed when the frames are
    handed to the transport, as on the task's path."""

    __slots__ = ("chunks", "closed", "frames", "on_park", "received", "sizes", "stats", "transport", "writer")

    def __init__(self, frames: ChunkSource, writer: ChunkedWriter, stats: WatchMetrics) -> None:
        self.frames = frames
        self.writer = writer
        self.stats = stats
        self.transport = writer.request.transport
        self.chunks: list[bytes] = []
        self.received: list[float] = []
        self.sizes: list[int] = []
        self.closed = False
        #: what to do once the watcher's task parks (try to join a watcher group), run after the next flush
        self.on_park: Callable[[], None] | None = None

    def accept(self, item: Item) -> bool:
        if self.closed:
            return False
        if not self.chunks:
            transport = self.transport
            if transport is None or transport.is_closing() or transport.get_write_buffer_size() > HIGH_WATER:
                return False
            FLUSHER.mark(self)
        chunk, size = self.frames.chunk(item)
        self.chunks.append(chunk)
        self.sizes.append(size)
        self.received.append(item[1].received_at)
        return True

    def take(self, chunks: list[bytes], received: list[float], sizes: list[int]) -> None:
        """Frames another path took for this stream and did not write (a watcher group it leaves): they go
        out with this stream's next flush, before anything accepted later."""
        if not chunks or self.closed:
            return
        if not self.chunks:
            FLUSHER.mark(self)
        self.chunks.extend(chunks)
        self.received.extend(received)
        self.sizes.extend(sizes)

    def flush(self) -> None:
        """Write what was accepted; called by the flusher, and by the task before it writes anything."""
        chunks = self.chunks
        if not chunks:
            return
        received, sizes = self.received, self.sizes
        self.chunks, self.received, self.sizes = [], [], []
        transport = self.transport
        if transport is None or transport.is_closing():
            return  # the client is gone; the task finds out on its next write
        transport.writelines(chunks)
        self.writer.written += account(self.stats, self.frames, received, sizes, 1)

    def parked(self) -> None:
        if self.on_park is not None and not self.closed:
            FLUSHER.after(self.on_park)

    def ready(self) -> bool:
        """Nothing pending and the connection takes more without waiting (a watcher may join a group)."""
        transport = self.transport
        return (
            not self.closed
            and not self.chunks
            and transport is not None
            and not transport.is_closing()
            and transport.get_write_buffer_size() <= HIGH_WATER
        )

    def close(self) -> None:
        self.flush()
        self.closed = True
        _fold_tally()
