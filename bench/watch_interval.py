"""(a) Watches from the past: a lazy interval over the ring vs a copy of the backlog per watcher.

200 watchers start at an RV 50,000 events back. Kube once copied the backlog for each new watcher
(kubernetes#102259: 37 GB of a 75.9 GB apiserver); an interval keeps positions only. Prints the extra
memory per watcher for both, for two backlog sizes (the interval's must not grow with the backlog).
"""

from __future__ import annotations

import time
import tracemalloc

from aiokube.watchcache.buffer import EventBuffer
from aiokube.watchcache.objects import ADDED, CachedObject, WatchEvent
from aiokube.watchcache.watcher import CacheWatcher

from .common import report

WATCHERS = 200


def _buffer(events: int) -> EventBuffer:
    buf = EventBuffer(initial=events, lower=events, upper=events)
    now = time.monotonic()
    for rv in range(1, events + 1):
        entry = CachedObject(f"/registry/pods/ns/p{rv}", {"metadata": {"name": f"p{rv}"}}, rv, {}, {})
        buf.append(WatchEvent(ADDED, entry, None, rv, now))
    return buf


def _per_watcher(buf: EventBuffer, copy_backlog: bool) -> float:
    watchers = []
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(WATCHERS):
        if copy_backlog:
            backlog = [buf.at(i) for i in range(buf.start, buf.end)]  # the pre-interval design
            w = CacheWatcher(predicate=None, namespace=None, queue_size=100, deadline=1e12, bookmarks=False,
                             bookmark_frequency=60, start_rv=0)  # fmt: skip
            w.backlog = backlog  # type: ignore[attr-defined]
        else:
            w = CacheWatcher(predicate=None, namespace=None, queue_size=100, deadline=1e12, bookmarks=False,
                             bookmark_frequency=60, interval=buf.interval(0), start_rv=0)  # fmt: skip
        watchers.append(w)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / WATCHERS


def main() -> None:
    for backlog in (10_000, 50_000):
        buf = _buffer(backlog)
        interval = _per_watcher(buf, copy_backlog=False)
        copied = _per_watcher(buf, copy_backlog=True)
        report(f"[watch a] memory per watcher, backlog {backlog:,} events", interval, copied, "bytes")


if __name__ == "__main__":
    main()
