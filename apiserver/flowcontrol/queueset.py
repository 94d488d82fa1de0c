"""One priority level's seats and queues (kube's fairqueuing/queueset, simplified).

A Limited level has ``nominal`` seats (kube's nominal concurrency limit: its share of the server's
``--max-requests-inflight`` + ``--max-mutating-requests-inflight``). A request takes a seat at once when
one is free and nobody waits; otherwise, at a Queue level, it joins the shortest of the ``handSize``
queues its flow is dealt by shuffle sharding (kube's dealer over a hash of flow schema and distinguisher),
unless that queue already holds ``queueLengthLimit`` (rejected: queue-full). A Reject level rejects at
once (concurrency-limit). Freed seats go to the queues in round-robin order, one request per non-empty
queue per turn, so a flow that fills its own queues delays other flows by at most one request per turn:
that is the fairness here (kube orders by virtual finish time and weighs requests by estimated seats;
every request is one seat in aiokube). A waiter gives up after its wait limit (time-out) or when its
client leaves (cancelled). The Exempt level has no limit; it only counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import deque
from typing import Any

from aiokube.watchcache.cacher import Histogram

Obj = dict[str, Any]
#: kube's request_wait_duration_seconds buckets
WAIT_BUCKETS = (0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30)
QUEUE_LENGTH_BUCKETS = (0, 10, 25, 50, 100, 250, 500, 1000)
#: kube's dropped-requests tracker: Retry-After never grows past this
MAX_RETRY_AFTER = 32
REJECT_REASONS = ("queue-full", "concurrency-limit", "time-out", "cancelled")


class FlowStats:
    """Counters of one (flow schema, priority level) pair, exported at scrape time (no per-request metric
    library calls)."""

    __slots__ = ("dispatched", "executing", "inqueue", "queue_length", "rejected", "wait_dispatched", "wait_rejected")

    def __init__(self) -> None:
        self.dispatched = 0
        self.executing = 0
        self.inqueue = 0
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)
        self.wait_dispatched = Histogram(WAIT_BUCKETS)
        self.wait_rejected = Histogram(WAIT_BUCKETS)
        self.queue_length = Histogram(QUEUE_LENGTH_BUCKETS)


class Waiter:
    __slots__ = ("future", "queue", "stats")

    def __init__(self, future: asyncio.Future[bool], queue: int, stats: FlowStats) -> None:
        self.future = future
        self.queue = queue
        self.stats = stats


def deal(hash_value: int, deck: int, hand: int) -> list[int]:
    """Shuffle sharding: ``hand`` distinct queues out of ``deck``, drawn from the hash's mixed-radix digits
    (the i-th digit picks among the cards not dealt yet), as kube's dealer does."""
    picked: list[int] = []
    for i in range(min(hand, deck)):
        hash_value, digit = divmod(hash_value, deck - i)
        card = digit
        for taken in sorted(picked):  # the digit counts the cards still in the deck, in order
            if card >= taken:
                card += 1
        picked.append(card)
    return picked


def flow_hash(schema: str, distinguisher: str) -> int:
    digest = hashlib.sha256(schema.encode() + b"\x00" + distinguisher.encode()).digest()
    return int.from_bytes(digest[:8], "little")


class RetryAfter:
    """kube's dropped-requests tracker: Retry-After starts at 1 s, doubles (at most once per its own length,
    up to 32 s) while a level keeps dropping at least 3 requests per Retry-After second, and shrinks by one
    when drops fall below one per second of it."""

    __slots__ = ("current_count", "current_second", "history", "last_increase", "value")

    def __init__(self) -> None:
        self.value = 1
        self.history: list[tuple[int, int]] = []
        self.current_second = 0
        self.current_count = 0
        self.last_increase = 0

    def record(self, now: float | None = None) -> None:
        second = int(time.time() if now is None else now)
        if second == self.current_second:
            self.current_count += 1
            return
        if self.current_count:
            self.history.append((self.current_second, self.current_count))
        keep = min(2 * self.value, MAX_RETRY_AFTER)
        self.history = [(s, n) for s, n in self.history if second - s <= keep]
        self.current_second, self.current_count = second, 1
        dropped = sum(n for s, n in self.history if second - s <= self.value and s < second)
        if second - self.last_increase >= self.value and dropped >= 3 * self.value:
            self.value = min(2 * self.value, MAX_RETRY_AFTER)
            self.last_increase = second
        elif dropped < self.value and self.value > 1:
            self.value -= 1


def _go_round(x: float) -> int:
    """Go's math.Round: halves away from zero (Python's round() goes to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


class PriorityLevel:
    """A PriorityLevelConfiguration's seats and queues. Requests that were admitted keep a reference to the
    level they took a seat from, so a level replaced by a new configuration drains on its own."""

    def __init__(self, obj: Obj, server_limit: int, share_sum: float) -> None:
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        self.name: str = meta.get("name", "")
        self.uid: str = meta.get("uid", "")
        self.exempt = spec.get("type") == "Exempt"
        self.executing = 0
        self.waiting = 0
        self.retry_after = RetryAfter()
        self._queues: list[deque[Waiter]] = []
        self._active: deque[int] = deque()  # non-empty queues, in round-robin order
        self._hashes: dict[str, int] = {}
        self.configure(obj, server_limit, share_sum)

    @staticmethod
    def shares(obj: Obj) -> float:
        spec = obj.get("spec") or {}
        if spec.get("type") == "Exempt":
            return float((spec.get("exempt") or {}).get("nominalConcurrencyShares") or 0)
        shares = (spec.get("limited") or {}).get("nominalConcurrencyShares")
        return float(30 if shares is None else shares)

    def configure(self, obj: Obj, server_limit: int, share_sum: float) -> None:
        """(Re)read the spec: kube's nominal, lower and upper limits, and the queuing parameters."""
        spec = obj.get("spec") or {}
        limited = spec.get("limited") or {}
        shares = self.shares(obj)
        self.uid = (obj.get("metadata") or {}).get("uid", "")
        self.nominal = math.ceil(server_limit * shares / share_sum) if share_sum > 0 else 0
        lendable = _go_round(self.nominal * float(limited.get("lendablePercent") or 0) / 100)
        borrowing = limited.get("borrowingLimitPercent")
        self.lower = self.nominal - lendable
        borrowable = _go_round(self.nominal * float(borrowing) / 100) if borrowing is not None else server_limit
        self.upper = self.nominal + borrowable
        # aiokube does not lend or borrow seats: the level runs at its nominal limit (at least one seat)
        self.limit = 0 if self.exempt else max(self.nominal, 1)
        response = limited.get("limitResponse") or {}
        queuing = response.get("queuing") or {}
        self.rejects = response.get("type", "Reject") != "Queue"
        queues = 0 if self.rejects else int(queuing.get("queues") or 64)
        self.hand_size = int(queuing.get("handSize") or 8)
        self.queue_length_limit = int(queuing.get("queueLengthLimit") or 50)
        while len(self._queues) < queues:
            self._queues.append(deque())
        if len(self._queues) > queues:  # fewer queues now: their waiters go ahead
            for q in self._queues[queues:]:
                for waiter in q:
                    self._grant(waiter)
            del self._queues[queues:]
            self._active = deque(i for i in self._active if i < queues)
            self._hashes.clear()

    # --- seats ---------------------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        """A seat now, if one is free and nobody is waiting for one."""
        if self.executing < self.limit and not self.waiting:
            self.executing += 1
            return True
        return False

    def enqueue(self, schema: str, distinguisher: str, stats: FlowStats) -> Waiter | None:
        """Queue the request of this flow; None when it is to be rejected (Reject level, or a full queue)."""
        if self.rejects or not self._queues:
            return None
        key = f"{schema}\x00{distinguisher}"
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) > 10_000:
                self._hashes.clear()
            hashed = self._hashes[key] = flow_hash(schema, distinguisher)
        hand = deal(hashed, len(self._queues), self.hand_size)
        index = min(hand, key=lambda i: len(self._queues[i]))
        queue = self._queues[index]
        if len(queue) >= self.queue_length_limit:
            return None
        waiter = Waiter(asyncio.get_running_loop().create_future(), index, stats)
        if not queue:
            self._active.append(index)
        queue.append(waiter)
        self.waiting += 1
        stats.inqueue += 1
        stats.queue_length.observe(len(queue))
        return waiter

    async def wait(self, waiter: Waiter, timeout: float) -> bool:
        """Wait for a seat: True once granted, False after ``timeout`` (the waiter has left its queue). A
        cancelled wait leaves the queue, or gives back the seat granted meanwhile."""
        loop = asyncio.get_running_loop()
        handle = loop.call_at(loop.time() + timeout, self._expire, waiter)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            future = waiter.future
            if future.done() and not future.cancelled() and future.result():
                self.release()
            else:
                self._remove(waiter)
            raise
        finally:
            handle.cancel()

    def _expire(self, waiter: Waiter) -> None:
        if not waiter.future.done():
            self._remove(waiter)
            waiter.future.set_result(False)

    def _remove(self, waiter: Waiter) -> None:
        if waiter.queue >= len(self._queues):
            return
        queue = self._queues[waiter.queue]
        try:
            queue.remove(waiter)
        except ValueError:
            return  # already dispatched or removed
        self.waiting -= 1
        waiter.stats.inqueue -= 1
        if not queue:
            self._active.remove(waiter.queue)

    def _grant(self, waiter: Waiter) -> None:
        self.waiting -= 1
        waiter.stats.inqueue -= 1
        if not waiter.future.done():
            self.executing += 1
            waiter.future.set_result(True)

    def release(self) -> None:
        """Give a seat back; the next queue in turn gets it."""
        self.executing -= 1
        active = self._active
        while active and self.executing < self.limit:
            index = active.popleft()
            queue = self._queues[index]
            waiter = queue.popleft()
            if queue:
                active.append(index)
            self._grant(waiter)
