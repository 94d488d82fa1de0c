"""The watch cache against a real etcd: buffer, intervals, dispatch, relist after compaction, properties."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiokube.encoding import weight
from aiokube.storage import errors
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.selection import FieldSelector, LabelSelector, SelectionPredicate
from aiokube.storage.store import Store
from aiokube.watchcache import cacher as cacher_module
from aiokube.watchcache import entries as entries_module
from aiokube.watchcache.buffer import EventBuffer, IntervalExpired
from aiokube.watchcache.cacher import Cacher, CacherConfig
from aiokube.watchcache.objects import ADDED, BOOKMARK, DELETED, MODIFIED, CachedObject, WatchEvent
from aiokube.watchcache.watcher import EXPIRED, INITIAL_END, TERMINATED, CacheWatcher


def _attrs(obj: dict) -> tuple[dict, dict]:
    md = obj.get("metadata") or {}
    return md.get("labels") or {}, {"metadata.name": md.get("name", ""), "metadata.namespace": md.get("namespace", "")}


def _pred(label: str = "", field: str = "") -> SelectionPredicate:
    return SelectionPredicate(LabelSelector.parse(label), FieldSelector.parse(field), lambda o: _attrs(o)[1])


def _obj(ns: str, name: str, labels: dict | None = None, **data: str) -> dict:
    md: dict[str, Any] = {"name": name, "namespace": ns}
    if labels:
        md["labels"] = labels
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": md, "data": data}


async def _cacher(store: Store, **cfg: Any) -> Cacher:
    prefix = f"/registry/wc-{uuid.uuid4().hex[:8]}/"
    cacher = Cacher(store, prefix, _attrs, config=CacherConfig(**cfg))
    await cacher.start()
    await cacher.wait_ready(10)
    return cacher


async def _drain(w: CacheWatcher, until: float) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    async def run() -> None:
        async for items in w.batches():
            out.extend(items)

    task = asyncio.create_task(run())
    await asyncio.sleep(until)
    task.cancel()
    return out


def _names(items: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for typ, payload in items:
        if isinstance(payload, WatchEvent):
            entry = payload.deleted_object() if typ == DELETED else payload.object
            out.append((typ, entry.name))
        elif isinstance(payload, CachedObject):
            out.append((typ, payload.name))
        else:
            out.append((typ, str(payload)))
    return out


# --- the ring buffer --------------------------------------------------------------------------------------


def _event(rv: int, at: float) -> WatchEvent:
    entry = CachedObject(f"/k/{rv}", {"metadata": {"name": str(rv)}}, rv, {}, {})
    return WatchEvent(ADDED, entry, None, rv, received_at=at)


def test_buffer_doubles_while_fresh_and_halves_when_stale() -> None:
    buf = EventBuffer(initial=4, lower=4, upper=16, fresh_seconds=10.0)
    for rv in range(1, 5):
        buf.append(_event(rv, at=0.0))
    assert buf.capacity == 4 and buf.full()
    buf.append(_event(5, at=1.0))  # full and the oldest is fresh: double
    assert buf.capacity == 8 and len(buf) == 5 and buf.oldest().revision == 1
    for rv in range(6, 40):
        buf.append(_event(rv, at=2.0))
    assert buf.capacity == 16  # capped by upper
    assert buf.oldest().revision == 39 - 16 + 1 and buf.evicted()
    buf.append(_event(40, at=100.0))  # full and the newest quarter is stale: halve
    assert buf.capacity == 8 and buf.newest().revision == 40 and len(buf) == 8


def test_interval_is_lazy_and_expires_when_the_ring_overwrites_it() -> None:
    buf = EventBuffer(initial=300, lower=300, upper=300, fresh_seconds=0.0)
    for rv in range(1, 251):
        buf.append(_event(rv, at=time.monotonic()))
    interval = buf.interval(after_revision=10)
    assert len(interval) == 240  # positions only: no events copied
    first = interval.next_chunk()
    assert [e.revision for e in first] == list(range(11, 111))
    for rv in range(251, 451):  # overwrite positions the interval has not served yet
        buf.append(_event(rv, at=time.monotonic()))
    with pytest.raises(IntervalExpired):
        interval.next_chunk()
    assert buf.first_after(0) == buf.start and buf.at(buf.first_after(300)).revision == 301


# --- the cacher against etcd --------------------------------------------------------------------------


async def test_list_watch_and_transitions(store: Store) -> None:
    cacher = await _cacher(store)
    p = cacher.prefix
    try:
        await store.create(p + "ns1/a", _obj("ns1", "a", {"app": "web"}))
        await store.create(p + "ns2/b", _obj("ns2", "b", {"app": "web"}))
        assert await cacher.wait_fresh(await store.current_revision(), 3)
        entries, more = cacher.cache.list("ns1")
        assert [e.name for e in entries] == ["a"] and not more
        labelled = cacher.watch(
            namespace=None,
            predicate=_pred("app=web"),
            resource_version=str(cacher.rv),
            send_initial_events=None,
            allow_bookmarks=False,
            deadline=time.monotonic() + 30,
        )
        w = await labelled
        # a stops matching (DELETED with its previous state), b is modified, c starts matching (ADDED)
        cur = await store.get(p + "ns1/a")
        cur["metadata"]["labels"] = {"app": "db"}
        await store.guaranteed_update(p + "ns1/a", lambda _: cur)
        await store.guaranteed_update(p + "ns2/b", lambda o: {**o, "data": {"x": "1"}})
        await store.create(p + "ns1/c", _obj("ns1", "c", {"app": "db"}))
        cur = await store.get(p + "ns1/c")
        cur["metadata"]["labels"] = {"app": "web"}
        await store.guaranteed_update(p + "ns1/c", lambda _: cur)
        items = await _drain(w, 0.5)
        assert _names(items) == [(DELETED, "a"), (MODIFIED, "b"), (ADDED, "c")]
        deleted_view = items[0][1].deleted_object()
        assert deleted_view.obj["metadata"]["labels"] == {"app": "web"}  # previous content...
        assert deleted_view.obj["metadata"]["resourceVersion"] == str(items[0][1].revision)  # ...event's RV
    finally:
        await cacher.stop()


async def test_consistent_list_sees_a_write_made_just_before(store: Store) -> None:
    """RV unset = consistent: the cache waits for etcd's revision (progress on etcd 3.5.1 included)."""
    cacher = await _cacher(store)
    try:
        for i in range(20):
            await store.create(cacher.prefix + f"ns/o{i}", _obj("ns", f"o{i}"))
            result = await cacher.list(
                key_prefix=cacher.prefix, namespace=None, predicate=None, limit=0, continue_token="",
                resource_version="", match="",
            )  # fmt: skip
            assert len(result.entries) == i + 1 and result.from_cache
        # an unrelated write elsewhere moves etcd's revision: the cache gets there by progress notifications
        await store.create(f"/registry/elsewhere-{uuid.uuid4().hex}", _obj("x", "y"))
        target = await store.current_revision()
        result = await cacher.list(
            key_prefix=cacher.prefix, namespace=None, predicate=None, limit=0, continue_token="",
            resource_version="", match="",
        )  # fmt: skip
        assert result.revision >= target and result.from_cache
        assert cacher.stats.consistent_read_fallbacks == 0
    finally:
        await cacher.stop()


async def test_watch_rv_rules(store: Store) -> None:
    cacher = await _cacher(store, initial_capacity=5, lower_capacity=5, upper_capacity=5, fresh_seconds=0.0)
    p = cacher.prefix
    try:
        start = cacher.rv
        for i in range(8):
            await store.create(p + f"ns/o{i}", _obj("ns", f"o{i}"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        deadline = time.monotonic() + 30
        common = dict(namespace=None, predicate=None, allow_bookmarks=False, deadline=deadline)
        # the ring (5 events) no longer holds what came right after `start`
        with pytest.raises(errors.Compacted, match=rf"too old resource version: {start} \(\d+\)"):
            await cacher.watch(resource_version=str(start), send_initial_events=None, **common)
        oldest = cacher.oldest_resource_version()
        w = await cacher.watch(resource_version=str(oldest), send_initial_events=None, **common)
        assert _names(await _drain(w, 0.2)) == [(ADDED, f"o{i}") for i in range(3, 8)]
        # watch-list: every object as ADDED, then the initial-events-end bookmark at the snapshot's RV
        requested = await store.current_revision()  # (other tests' writes may move it later: read it before)
        w = await cacher.watch(resource_version="", send_initial_events=True, **{**common, "allow_bookmarks": True})
        items = await _drain(w, 0.2)
        assert _names(items)[:-1] == [(ADDED, f"o{i}") for i in range(8)]
        assert items[-1][0] == INITIAL_END and items[-1][1] >= requested - 1
        # a future RV without initial events: no wait, no error, only later events
        future = cacher.rv + 2
        w = await cacher.watch(resource_version=str(future), send_initial_events=None, **common)
        revisions = {}
        for name in ("p1", "p2", "p3"):  # rv+1, rv+2: not sent (unless other writers to this etcd moved it on)
            created = await store.create(p + f"ns/{name}", _obj("ns", name))
            revisions[name] = int(created["metadata"]["resourceVersion"])
        expected = [(ADDED, name) for name, rev in revisions.items() if rev > future]
        assert expected and _names(await _drain(w, 0.3)) == expected
        # initial events for an RV the cache cannot reach in time: TooLargeResourceVersion
        with pytest.raises(errors.TooLargeResourceVersion):
            await asyncio.wait_for(
                cacher.watch(resource_version=str(cacher.rv + 1000), send_initial_events=True, **common), 10
            )
    finally:
        await cacher.stop()


async def test_interval_overrun_ends_watch_with_expired(store: Store) -> None:
    cacher = await _cacher(store, initial_capacity=150, lower_capacity=150, upper_capacity=150, fresh_seconds=0.0)
    p = cacher.prefix
    try:
        start = cacher.rv
        for i in range(120):
            await store.create(p + f"ns/o{i:03}", _obj("ns", f"o{i}"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(start), send_initial_events=None,
            allow_bookmarks=False, deadline=time.monotonic() + 30,
        )  # fmt: skip
        batches = w.batches()
        first = await batches.__anext__()
        assert len(first) == 100  # one chunk of the interval
        for i in range(200):  # the ring overwrites the 20 events the watcher has not read yet
            await store.create(p + f"ns/q{i:03}", _obj("ns", f"q{i}"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        rest = [item async for batch in batches for item in batch]
        assert rest == [] and w.end_reason == EXPIRED
    finally:
        await cacher.stop()


async def test_slow_watcher_is_terminated_others_unaffected(store: Store) -> None:
    cacher = await _cacher(store)
    p = cacher.prefix
    try:
        common = dict(namespace=None, predicate=None, send_initial_events=None, allow_bookmarks=False)
        slow = await cacher.watch(resource_version=str(cacher.rv), deadline=time.monotonic() + 30, **common)
        fast = await cacher.watch(resource_version=str(cacher.rv), deadline=time.monotonic() + 30, **common)
        got: list[Any] = []

        async def read_fast() -> None:
            async for items in fast.batches():
                got.extend(items)

        reader = asyncio.create_task(read_fast())
        for i in range(40):  # nobody reads `slow`: its queue (10) fills and the budget runs out
            await store.create(p + f"ns/o{i:02}", _obj("ns", f"o{i}"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        await asyncio.sleep(0.2)
        assert slow.closed and slow.end_reason == TERMINATED, (
            cacher.stats,
            len(got),
            len(slow._queue),
            slow.queue_size,
        )
        assert cacher.stats.terminated_watchers == 1
        assert len(got) == 40 and not fast.closed
        reader.cancel()
    finally:
        await cacher.stop()


async def test_index_dispatch_only_visits_matching_watchers(store: Store) -> None:
    cacher = await _cacher(store)
    try:
        common = dict(resource_version="0", send_initial_events=None, allow_bookmarks=False)
        deadline = time.monotonic() + 30
        watchers = [
            await cacher.watch(namespace=f"ns{i}", predicate=None, deadline=deadline, **common) for i in range(50)
        ]
        labelled = await cacher.watch(namespace=None, predicate=_pred("app=x"), deadline=deadline, **common)
        entry = CachedObject(cacher.prefix + "ns7/a", _obj("ns7", "a", {"app": "x"}), 1, {"app": "x"}, {})
        candidates = cacher.index.candidates(WatchEvent(ADDED, entry, None, cacher.rv + 1))
        assert set(candidates) == {watchers[7], labelled}
        for w in [*watchers, labelled]:
            w.stop()
        assert cacher.index.count == 0
    finally:
        await cacher.stop()


async def test_bookmarks(store: Store) -> None:
    cacher = await _cacher(store, bookmark_frequency=1.0)
    try:
        start = cacher.rv
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(start), send_initial_events=None,
            allow_bookmarks=True, deadline=time.monotonic() + 60,
        )  # fmt: skip
        await store.create(f"/registry/other-{uuid.uuid4().hex}", _obj("x", "y"))  # moves etcd, not this prefix
        await cacher.wait_fresh(await store.current_revision(), 3)
        items = await _drain(w, 2.6)
        bookmarks = [rv for typ, rv in items if typ == BOOKMARK]
        assert bookmarks and bookmarks[0] > start  # progress moved the cache RV: bookmark carries it
        assert all(b > start for b in bookmarks)
    finally:
        await cacher.stop()


async def test_relist_after_compaction_ends_live_watchers_and_expires_old_rvs(store: Store) -> None:
    """kube's cacher terminates every watcher before it relists: a watch never skips the compacted gap (nor gets
    a made-up diff for it); its client resumes from its last resourceVersion, gets 410 and relists."""
    cacher = await _cacher(store)
    p = cacher.prefix
    try:
        await store.create(p + "ns/keep", _obj("ns", "keep"))
        await store.create(p + "ns/change", _obj("ns", "change", v="1"))
        await store.create(p + "ns/gone", _obj("ns", "gone"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        before = cacher.rv
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(before), send_initial_events=None,
            allow_bookmarks=False, deadline=time.monotonic() + 30,
        )  # fmt: skip
        cacher.resume_gate = asyncio.Event()
        cacher.interrupt_watch()
        await asyncio.sleep(0.1)
        # behind the cacher's back: changes, then a compaction past them
        await store.guaranteed_update(p + "ns/change", lambda o: {**o, "data": {"v": "2"}})
        await store.delete(p + "ns/gone")
        await store.create(p + "ns/new", _obj("ns", "new"))
        await store.compact(await store.current_revision())
        cacher.resume_gate.set()
        cacher.resume_gate = None
        assert await cacher.wait_fresh(await store.current_revision(), 5)
        items: list[tuple[str, Any]] = []
        async with asyncio.timeout(5):  # the stream ends (it would hang until its deadline otherwise)
            async for batch in w.batches():
                items.extend(batch)
        assert _names(items) == []  # nothing made up for the gap
        assert cacher.stats.relists == 1
        with pytest.raises(errors.Compacted, match="too old resource version"):
            await cacher.watch(
                namespace=None, predicate=None, resource_version=str(before), send_initial_events=None,
                allow_bookmarks=False, deadline=time.monotonic() + 30,
            )  # fmt: skip
        listed, _ = cacher.cache.list(None, None)
        assert sorted(e.name for e in listed) == ["change", "keep", "new"]
    finally:
        await cacher.stop()


async def test_watch_survives_etcd_restart_without_losing_events(tmp_path) -> None:
    etcd = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await etcd.start()
    client = EtcdClient([etcd.client_url], request_timeout=2.0)
    await client.connect()
    store = Store(client)
    cacher = await _cacher(store)
    try:
        await store.create(cacher.prefix + "ns/a", _obj("ns", "a"))
        await cacher.wait_fresh(await store.current_revision(), 3)
        rv = cacher.rv
        etcd.kill()
        await asyncio.sleep(0.3)
        await etcd.start()
        for i in range(5):
            await store.create(cacher.prefix + f"ns/b{i}", _obj("ns", f"b{i}"))
        assert await cacher.wait_fresh(await store.current_revision(), 10)
        assert cacher.stats.watch_restarts >= 1 and cacher.stats.relists == 0
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(rv), send_initial_events=None,
            allow_bookmarks=False, deadline=time.monotonic() + 30,
        )  # fmt: skip
        assert _names(await _drain(w, 0.2)) == [(ADDED, f"b{i}") for i in range(5)]
    finally:
        await cacher.stop()
        await client.close()
        await etcd.stop()


# --- property: every watcher sees exactly etcd's history after its RV, filtered -----------------------

NAMES = ["a", "b", "c", "d"]
ops_strategy = st.lists(
    st.tuples(st.sampled_from(["put", "delete"]), st.sampled_from(NAMES), st.sampled_from(["x", "y", None])),
    min_size=1,
    max_size=25,
)
watchers_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=25), st.sampled_from(["", "app=x", "app!=x", "app", "!app"])),
    min_size=1,
    max_size=4,
)


def _expected(history: list[tuple[int, str, dict | None]], start_index: int, selector: str) -> list[tuple]:
    """Kube's transition rules applied to etcd's history after position ``start_index``."""
    sel = LabelSelector.parse(selector)
    state: dict[str, dict | None] = {}
    for _, name, obj in history[:start_index]:
        state[name] = obj
    out = []
    for rev, name, obj in history[start_index:]:
        prev = state.get(name)
        old = prev is not None and sel.matches(prev["metadata"].get("labels"))
        cur = obj is not None and sel.matches(obj["metadata"].get("labels"))
        if cur:
            out.append((MODIFIED if old else ADDED, name, rev))
        elif old:
            out.append((DELETED, name, rev))
        state[name] = obj
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=ops_strategy, watcher_specs=watchers_strategy)
def test_watchers_see_exactly_the_filtered_history(etcd: EmbeddedEtcd, ops, watcher_specs) -> None:
    asyncio.run(_property_scenario(etcd.client_url, ops, watcher_specs))


async def _property_scenario(url: str, ops: list, watcher_specs: list) -> None:
    client = EtcdClient([url])
    await client.connect()
    store = Store(client)
    cacher = await _cacher(store)
    p = cacher.prefix
    history: list[tuple[int, str, dict | None]] = []  # (revision, name, object after or None)
    watchers: list[tuple[CacheWatcher, int, str, list]] = []
    readers: list[asyncio.Task] = []

    async def read(w: CacheWatcher, into: list) -> None:
        async for items in w.batches():
            into.extend(items)

    try:
        base_rv = cacher.rv
        for i, (op, name, label) in enumerate(ops):
            for start, selector in watcher_specs:
                if start == i:  # start this watcher now, from the current revision
                    from_rv = history[-1][0] if history else base_rv
                    w = await cacher.watch(
                        namespace=None, predicate=_pred(selector), resource_version=str(from_rv),
                        send_initial_events=None, allow_bookmarks=False, deadline=time.monotonic() + 60,
                    )  # fmt: skip
                    received: list = []
                    readers.append(asyncio.create_task(read(w, received)))
                    watchers.append((w, len(history), selector, received))
            key = p + f"ns/{name}"
            if op == "put":
                obj = _obj("ns", name, {"app": label} if label else None, n=str(i))
                try:
                    stored = await store.create(key, obj)
                except errors.AlreadyExists:
                    stored, _ = await store.guaranteed_update(key, lambda cur, o=obj: o)
                history.append((int(stored["metadata"]["resourceVersion"]), name, stored))
            else:
                try:
                    deleted = await store.delete(key)
                except errors.NotFound:
                    continue
                history.append((int(deleted["metadata"]["resourceVersion"]), name, None))
        await cacher.wait_fresh(await store.current_revision(), 5)
        # the readers get what the cache dispatched on their own turns: wait for as many items as expected (a
        # fixed 50 ms was too short on a loaded machine), then compare exactly (an extra item would show too)
        for _ in range(500):
            if all(len(got) >= len(_expected(history, at, sel)) for _, at, sel, got in watchers):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        for w, start_index, selector, received in watchers:
            assert not w.closed, w.end_reason
            got = []
            for typ, payload in received:
                entry = payload.deleted_object() if typ == DELETED else payload.object
                got.append((typ, entry.name, payload.revision))
            assert got == _expected(history, start_index, selector), (selector, start_index)
    finally:
        for task in readers:
            task.cancel()
        await cacher.stop()
        await client.close()


# --- the direct path: a parked watcher's sink --------------------------------------------------------------


class _Sink:
    """Takes items while ``accepting``; the consumer below writes what it took before anything else."""

    def __init__(self) -> None:
        self.accepting = True
        self.taken: list[Any] = []

    def accept(self, item: Any) -> bool:
        if self.accepting:
            self.taken.append(item)
        return self.accepting

    def take(self) -> list[Any]:
        taken, self.taken = self.taken, []
        return taken

    def parked(self) -> None:
        pass


async def test_parked_watcher_hands_live_events_to_its_sink_in_order() -> None:
    w = CacheWatcher(predicate=None, namespace=None, queue_size=10, deadline=time.monotonic() + 30,
                     bookmarks=False, bookmark_frequency=60.0)  # fmt: skip
    sink = _Sink()
    w.sink = sink
    written: list[int] = []
    queued_batches = 0

    async def consume() -> None:
        nonlocal queued_batches
        async for items in w.batches():  # as apiserver.watch._stream: the sink's items go out first
            written.extend(item[1].revision for item in sink.take())
            written.extend(item[1].revision for item in items)
            queued_batches += 1
        written.extend(item[1].revision for item in sink.take())

    task = asyncio.create_task(consume())
    assert w.offer((ADDED, _event(1, 0.0)))  # the task has not parked yet: through the queue
    for _ in range(3):
        await asyncio.sleep(0)
    assert queued_batches == 1 and w._waiter is not None  # parked
    assert w.offer((ADDED, _event(2, 0.0))) and w.offer((ADDED, _event(3, 0.0)))
    assert [i[1].revision for i in sink.taken] == [2, 3] and not w._queue and w.last_rv == 3
    sink.accepting = False  # the connection is backed up: the next event takes the queue and wakes the task
    assert w.offer((ADDED, _event(4, 0.0)))
    assert len(w._queue) == 1
    sink.accepting = True
    assert w.offer((ADDED, _event(5, 0.0)))  # woken but not yet run: still the queue, behind 4
    assert len(w._queue) == 2 and len(sink.taken) == 2  # 2 and 3 still wait in the sink
    for _ in range(3):
        await asyncio.sleep(0)
    assert w.offer((ADDED, _event(6, 0.0)))  # parked again: the sink
    w.stop()
    await task
    assert written == [1, 2, 3, 4, 5, 6]


async def test_flusher_writes_each_marked_stream_once_per_flush() -> None:
    from aiokube.apiserver.transport.streaming import Flusher

    class Stream:
        def __init__(self) -> None:
            self.flushed = 0

        def flush(self) -> None:
            self.flushed += 1

    flusher = Flusher()
    folded: list[int] = []
    flusher.after_flush.append(lambda: folded.append(flusher.flushes))
    a, b = Stream(), Stream()
    flusher.mark(a)
    flusher.mark(b)
    assert a.flushed == b.flushed == 0  # not synchronously: events dispatched meanwhile join this flush
    await asyncio.sleep(0)
    assert (a.flushed, b.flushed, flusher.flushes, flusher.writes, folded) == (1, 1, 1, 2, [0])
    flusher.mark(a)
    await asyncio.sleep(flusher.max_delay + 0.05)  # never later than max_delay after the previous flush
    assert (a.flushed, b.flushed, flusher.flushes) == (2, 1, 2)


def test_owner_and_uid_indexes_follow_upserts_deletes_and_relists() -> None:
    """The garbage collector's lookups: objects by uid, and by the uids their ownerReferences name."""
    from aiokube.watchcache.store import CacheStore

    def entry(name: str, uid: str, *owners: str) -> CachedObject:
        md = {"name": name, "namespace": "ns", "uid": uid}
        if owners:
            md["ownerReferences"] = [{"uid": o, "kind": "ReplicaSet", "name": o} for o in owners]
        return CachedObject(f"/registry/pods/ns/{name}", {"metadata": md}, 1, {}, {})

    cache = CacheStore("/registry/pods/")
    cache.upsert(entry("a", "u-a", "rs-1"))
    cache.upsert(entry("b", "u-b", "rs-1", "rs-2"))
    cache.upsert(entry("c", "u-c"))
    assert [e.obj["metadata"]["name"] for e in cache.owned_by("rs-1")] == ["a", "b"]
    assert [e.obj["metadata"]["name"] for e in cache.owned_by("rs-2")] == ["b"]
    assert cache.with_uid("u-c").obj["metadata"]["name"] == "c"
    cache.upsert(entry("b", "u-b", "rs-2"))  # an owner reference removed
    assert [e.obj["metadata"]["name"] for e in cache.owned_by("rs-1")] == ["a"]
    cache.delete("/registry/pods/ns/a")
    assert cache.owned_by("rs-1") == [] and cache.with_uid("u-a") is None
    cache.replace([entry("d", "u-d", "rs-3")])
    assert cache.with_uid("u-b") is None and cache.owned_by("rs-2") == []
    assert [e.obj["metadata"]["name"] for e in cache.owned_by("rs-3")] == ["d"]


async def test_an_events_slo_clock_starts_before_the_cache_gets_to_it(store: Store) -> None:
    """The watch SLO starts when an event reached the server: for its own writes, when the write was sent;
    else when etcd's response was read. A cache held up (here: the event loop blocked for 0.3 s while etcd
    commits) shows in the event's age instead of being hidden by a clock started late."""
    cacher = await _cacher(store)
    p = cacher.prefix
    client = EtcdClient(store.client.endpoints)
    await client.connect()
    try:
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(cacher.rv), send_initial_events=None,
            allow_bookmarks=False, deadline=time.monotonic() + 30,
        )  # fmt: skip
        sent = time.monotonic()
        write = asyncio.create_task(store.create(p + "ns1/own", _obj("ns1", "own")))
        await asyncio.sleep(0.02)  # sent; etcd commits and notifies while the loop is blocked
        time.sleep(0.3)  # noqa: ASYNC251  # the cache held up, as a busy server holds it
        await write
        # another writer's event: its clock starts when its response is read from etcd's stream
        await client.put((p + "ns1/other").encode(), orjson.dumps(_obj("ns1", "other")))
        read_after = time.monotonic()
        items = await _drain(w, 0.5)
        events = {payload.object.name: payload for _, payload in items}
        assert events["own"].received_at <= sent + 0.02  # before the 0.3 s the cache could not see it
        assert time.monotonic() - events["own"].received_at >= 0.3
        assert events["other"].received_at >= read_after - 0.3  # not the send time of anyone else's write
    finally:
        await client.close()
        await cacher.stop()


async def test_heavy_values_are_decoded_and_encoded_in_the_offload_thread(store: Store) -> None:
    """A stored value too big or deep for the loop (encoding/weight.py) is decoded and warmed (its encodings made)
    in ``offload`` before any watcher gets it, another writer's as well as this server's own; its delete's view
    too; a light value stays on the loop. The watchers get the same objects either way."""
    offload = ThreadPoolExecutor(1, thread_name_prefix="wc-offload")
    warmed: list[tuple[str, int, str]] = []

    def warm(entry: CachedObject) -> None:
        warmed.append((entry.name, entry.revision, threading.current_thread().name))
        entry.encodings["json"] = orjson.dumps(entry.obj)

    cacher = await _cacher(store, offload=offload, warm=warm)
    decoded_in = []
    real_decode = entries_module.decode_from_storage

    def decode(*args: Any) -> Any:
        decoded_in.append(threading.current_thread().name)
        return real_decode(*args)

    entries_module.decode_from_storage = decode  # type: ignore[assignment]
    p = cacher.prefix
    client = EtcdClient(store.client.endpoints)
    await client.connect()
    deep = [{"a": i} for i in range(weight.HEAVY_BRACKETS + 1)]  # many values: as heavy as a deep one
    try:
        w = await cacher.watch(
            namespace=None, predicate=None, resource_version=str(cacher.rv), send_initial_events=None,
            allow_bookmarks=False, deadline=time.monotonic() + 30,
        )  # fmt: skip
        await client.put((p + "ns1/foreign").encode(), orjson.dumps({**_obj("ns1", "foreign"), "spec": deep}))
        await store.create(p + "ns1/own", {**_obj("ns1", "own"), "spec": deep})
        await store.create(p + "ns1/light", _obj("ns1", "light", a="b"))
        await client.put((p + "ns1/light2").encode(), orjson.dumps(_obj("ns1", "light2")))
        await store.delete(p + "ns1/foreign")
        items = await _drain(w, 0.5)
        assert _names(items) == [(ADDED, "foreign"), (ADDED, "own"), (ADDED, "light"), (ADDED, "light2"),
                                 (DELETED, "foreign")]  # fmt: skip
        foreign, own, light, light2, gone = (payload for _, payload in items)
        assert foreign.object.obj["spec"] == deep and own.object.obj["spec"] == deep
        assert foreign.object.heavy and own.object.heavy and gone.object.heavy and not light.object.heavy
        # the foreign value was decoded in the thread, the own one not at all (the write's object is taken)
        assert decoded_in == ["wc-offload_0", "MainThread"], decoded_in
        assert [(name, thread) for name, _, thread in warmed] == [
            ("foreign", "wc-offload_0"), ("own", "wc-offload_0"), ("foreign", "wc-offload_0")]  # fmt: skip
        assert warmed[-1][1] == gone.revision and gone.object.encodings["json"] == orjson.dumps(gone.object.obj)
        assert gone.object.obj["metadata"]["resourceVersion"] == str(gone.revision)
        assert "json" not in light.object.encodings and "json" not in light2.object.encodings
        # a relist decodes heavy values in the thread too
        decoded_in.clear()
        await cacher._relist()
        assert decoded_in.count("wc-offload_0") == 1 and cacher.cache.get(p + "ns1/own").heavy, decoded_in
    finally:
        entries_module.decode_from_storage = real_decode  # type: ignore[assignment]
        await client.close()
        await cacher.stop()
        offload.shutdown()


async def test_stop_is_bounded_when_a_task_swallows_its_cancel(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task that ignores its cancel (Python 3.11's wait_for could swallow one) is left behind after
    STOP_GRACE: stopping the cacher, and so the server, goes on."""
    cacher = await _cacher(store)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # swallowed

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)  # running: its cancel lands inside the try
    cacher._tasks.append(task)
    monkeypatch.setattr(cacher_module, "STOP_GRACE", 0.2)
    started = time.monotonic()
    await cacher.stop()
    assert time.monotonic() - started < 2 and not task.done()
    release.set()
    await task


# --- watcher groups ----------------------------------------------------------------------------------------


class _GroupSink:
    """Records what a group takes; ``release`` hands the member's share to the member's own sink."""

    def __init__(self) -> None:
        self.taken: list[Any] = []

    def accept(self, item: Any) -> None:
        self.taken.append(item)

    def idle(self) -> bool:
        return not self.taken

    def release(self, member: CacheWatcher) -> None:
        if member.sink is not None:
            for item in self.taken:
                member.sink.accept(item)


async def test_caught_up_watchers_join_one_group_dispatched_to_once(store: Store) -> None:
    cacher = await _cacher(store)
    p = cacher.prefix
    watchers: list[CacheWatcher] = []
    tasks: list[asyncio.Task] = []
    sinks: list[_Sink] = []
    group_sinks: list[_GroupSink] = []

    def make_sink(group: Any) -> _GroupSink:
        group_sinks.append(_GroupSink())
        return group_sinks[-1]

    async def drain(w: CacheWatcher) -> None:
        async for _ in w.batches():
            pass

    try:
        for ahead in (0, 0, 5):  # the third starts at a revision the cache has not reached
            opts = dict(send_initial_events=None, allow_bookmarks=False, deadline=time.monotonic() + 30)
            w = await cacher.watch(namespace="ns1", predicate=_pred("app=web"), resource_version=str(cacher.rv + ahead),
                                   **opts)  # fmt: skip
            w.sink = _Sink()
            sinks.append(w.sink)
            watchers.append(w)
        key = ("ns1", "app=web")
        assert not cacher.join_group(watchers[0], key, make_sink)  # its task has not parked yet
        tasks = [asyncio.create_task(drain(w)) for w in watchers]
        await asyncio.sleep(0.01)
        assert cacher.join_group(watchers[0], key, make_sink) and cacher.join_group(watchers[1], key, make_sink)
        assert not cacher.join_group(watchers[2], key, make_sink)  # ahead of the cache
        assert len(cacher.groups) == 1 and cacher.watcher_count == 3 and cacher.index.count == 2
        await store.create(p + "ns1/a", _obj("ns1", "a", {"app": "web"}))
        await store.create(p + "ns1/b", _obj("ns1", "b", {"app": "db"}))  # matches nobody
        assert await cacher.wait_fresh(await store.current_revision(), 3)
        assert [name for _, e in group_sinks[0].taken for name in [e.object.name]] == ["a"]  # once, for both
        assert not sinks[0].taken and not sinks[1].taken
        # leaving with the group's frames unwritten: they go to the member's own sink, then it is on its own
        watchers[0].leave_group()
        assert [e.object.name for _, e in sinks[0].take()] == ["a"]
        a_rv = group_sinks[0].taken[0][1].revision
        assert cacher.watcher_count == 3 and cacher.index.count == 3 and watchers[0].last_rv == a_rv
        # stopping a member takes it out of the group; the last one out takes the group out of the index
        watchers[1].stop()
        assert not cacher.groups and cacher.watcher_count == 2 and cacher.index.count == 2
        # a stopped cacher stops grouped watchers too
        group_sinks[0].taken.clear()
        for i in range(5):  # the cache reaches where the third watcher started
            await store.create(p + f"ns2/{i}", _obj("ns2", str(i), {}))
        assert await cacher.wait_fresh(await store.current_revision(), 3)
        assert cacher.join_group(watchers[2], key, make_sink)
        await cacher.stop()
        assert all(w.closed for w in watchers) and not cacher.groups and cacher.watcher_count == 0
    finally:
        for task in tasks:
            task.cancel()
        await cacher.stop()
