"""(b) Dispatch: index-based routing of events to watchers vs a scan of all watchers.

1,000 watchers on one resource, 10 of them selecting ``app=target``; every event is a pod labelled
``app=target``. With the index the cacher visits the 10 (plus namespace-wide ones, none here); without it,
all 1,000 evaluate their selector. Prints CPU microseconds per event.
"""

from __future__ import annotations

import asyncio
import time

from aiokube.storage.etcd import EtcdClient
from aiokube.storage.selection import FieldSelector, LabelSelector, SelectionPredicate
from aiokube.storage.store import Store
from aiokube.watchcache.cacher import Cacher, CacherConfig
from aiokube.watchcache.objects import ADDED, CachedObject, WatchEvent
from aiokube.watchcache.watcher import CacheWatcher

from .common import pod, report, use_uvloop

WATCHERS = 1000
MATCHING = 10
EVENTS = 5000


async def _cpu_per_event(indexed: bool) -> float:
    store = Store(EtcdClient(["http://127.0.0.1:1"]))  # never contacted: dispatch only
    cacher = Cacher(store, "/registry/pods/", lambda o: ({}, {}), config=CacherConfig(indexed_dispatch=indexed))
    watchers: list[CacheWatcher] = []
    for i in range(WATCHERS):
        app = "target" if i < MATCHING else f"other-{i}"
        pred = SelectionPredicate(LabelSelector.parse(f"app={app}"), FieldSelector(), lambda o: {})
        w = CacheWatcher(predicate=pred, namespace=None, queue_size=EVENTS + 1, deadline=1e12, bookmarks=False,
                         bookmark_frequency=60, start_rv=0)  # fmt: skip
        cacher._register(w)
        watchers.append(w)
    obj = pod("ns", "p", {"app": "target"})
    labels = obj["metadata"]["labels"]
    events = [
        WatchEvent(ADDED, CachedObject(f"/registry/pods/ns/p{i}", obj, i + 1, labels, {}), None, i + 1)
        for i in range(EVENTS)
    ]
    start = time.process_time()
    for ev in events:
        await cacher._dispatch(ev)
    elapsed = time.process_time() - start
    delivered = sum(len(w._queue) for w in watchers)
    assert delivered == MATCHING * EVENTS, delivered
    return elapsed / EVENTS * 1e6


def main() -> None:
    use_uvloop()
    on = asyncio.run(_cpu_per_event(indexed=True))
    off = asyncio.run(_cpu_per_event(indexed=False))
    report(f"[watch b] dispatch CPU per event, {WATCHERS} watchers / {MATCHING} matching", on, off, "us")


if __name__ == "__main__":
    main()
