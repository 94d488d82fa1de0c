"""The ring buffer of recent events, and intervals over it for watches that start in the past.

Capacity adapts as kube's watchCache does (watch_cache.go resizeCacheLocked): when the buffer is full and
its oldest event is younger than ``fresh_seconds`` it doubles (up to ``upper``); when it is full and the
event a quarter from the newest end is older than ``fresh_seconds`` it halves (down to ``lower``).

Positions are monotonic counters (``start`` ≤ i < ``end``), so an interval's positions stay meaningful
across resizes; once the ring overwrites a position an interval has not served, the interval is invalid and
its watch must end with 410. Nothing is ever copied for an interval: it reads ``CHUNK`` events at a time.
"""

from __future__ import annotations

from .objects import WatchEvent

CHUNK = 100


class IntervalExpired(Exception):
    """The ring evicted events an interval had not served yet."""


class EventBuffer:
    """The ring of a resource's recent events, written by its cacher's reflector only (append, reset on relist)
    and read by intervals and LIST/WATCH from the past; single-threaded, on the event loop, so no locks.
    Positions are monotonic; ``interval(rv)`` hands out a view that raises IntervalExpired once the ring has
    overwritten what it had not served yet."""

    def __init__(
        self, initial: int = 100, lower: int = 100, upper: int = 100 * 1024, fresh_seconds: float = 75.0
    ) -> None:
        self.lower = lower
        self.upper = upper
        self.fresh_seconds = fresh_seconds
        self.capacity = max(initial, 1)
        #: capacity changes, for kube's watch_cache_capacity_{increase,decrease}_total
        self.increases = 0
        self.decreases = 0
        self._ring: list[WatchEvent | None] = [None] * self.capacity
        self.start = 0
        self.end = 0
        #: position of the first event after the last reset: events evicted since iff start > base
        self.base = 0
        #: bumped on reset (relist): intervals from before a reset are invalid
        self.generation = 0

    def __len__(self) -> int:
        return self.end - self.start

    def full(self) -> bool:
        return self.end - self.start == self.capacity

    def at(self, i: int) -> WatchEvent:
        ev = self._ring[i % self.capacity]
        assert ev is not None
        return ev

    def oldest(self) -> WatchEvent | None:
        return self.at(self.start) if self.end > self.start else None

    def newest(self) -> WatchEvent | None:
        return self.at(self.end - 1) if self.end > self.start else None

    def append(self, event: WatchEvent) -> None:
        self._resize(event.received_at)
        if self.full():
            self._ring[self.start % self.capacity] = None
            self.start += 1
        self._ring[self.end % self.capacity] = event
        self.end += 1

    def _resize(self, now: float) -> None:
        if not self.full():
            return
        if now - self.at(self.start).received_at < self.fresh_seconds:
            if self.capacity < self.upper:
                self._reshape(min(self.capacity * 2, self.upper))
        elif now - self.at(self.end - self.capacity // 4).received_at > self.fresh_seconds:
            if self.capacity > self.lower:
                self._reshape(max(self.capacity // 2, self.lower))

    def _reshape(self, capacity: int) -> None:
        if capacity > self.capacity:
            self.increases += 1
        else:
            self.decreases += 1
        keep_from = max(self.start, self.end - capacity)
        ring: list[WatchEvent | None] = [None] * capacity
        for i in range(keep_from, self.end):
            ring[i % capacity] = self._ring[i % self.capacity]
        self._ring = ring
        self.capacity = capacity
        self.start = keep_from

    def reset(self) -> None:
        self._ring = [None] * self.capacity
        self.start = self.base = self.end
        self.generation += 1

    def evicted(self) -> bool:
        """Whether events were dropped since the last reset (then the oldest event bounds watches)."""
        return self.start > self.base

    def first_after(self, revision: int) -> int:
        """Position of the first buffered event with revision > ``revision`` (binary search)."""
        lo, hi = self.start, self.end
        while lo < hi:
            mid = (lo + hi) // 2
            if self.at(mid).revision <= revision:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def interval(self, after_revision: int) -> BufferInterval:
        """Events with revision > ``after_revision`` that are buffered now (later ones come live)."""
        return BufferInterval(self, self.first_after(after_revision), self.end)


class BufferInterval:
    """A lazy view of buffer positions [pos, end): constant memory whatever the backlog."""

    __slots__ = ("buffer", "end", "generation", "pos")

    def __init__(self, buffer: EventBuffer, start: int, end: int) -> None:
        self.buffer = buffer
        self.pos = start
        self.end = end
        self.generation = buffer.generation

    def __len__(self) -> int:
        return self.end - self.pos

    def next_chunk(self, size: int = CHUNK) -> list[WatchEvent]:
        """Up to ``size`` events; empty when exhausted. Raises IntervalExpired if the ring moved past us."""
        if self.pos >= self.end:
            return []
        buf = self.buffer
        if buf.generation != self.generation or self.pos < buf.start:
            raise IntervalExpired()
        stop = min(self.end, self.pos + size)
        chunk = [buf.at(i) for i in range(self.pos, stop)]
        self.pos = stop
        return chunk
