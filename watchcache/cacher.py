"""The cacher: one etcd watch per resource feeding a store, an event buffer and the resource's watchers.

Reflector: LIST the resource prefix at revision R, then watch from R+1 with progress notifications. A
broken watch resumes from the last revision the cache holds; a compacted one relists and, as kube's cacher
does (terminateAllWatchers before each ListAndWatch), ends every live watch: a watch never skips events, so
its client resumes from its last resourceVersion, gets 410 (the relisted cache starts after it) and relists.

Reads follow kube-apiserver 1.36 (k8s.io/apiserver/pkg/storage/cacher, delegator.go):

- LIST with RV unset is a consistent read: etcd's current revision, then wait (≤3 s, asking etcd for
  progress notifications every 100 ms) until the cache has reached it; else fall back to etcd.
- RV="0": whatever the cache has. RV=N (NotOlderThan): wait ≤3 s for the cache to reach N, else 504.
- Exact / legacy exact (RV=N with limit) and continue tokens the cache cannot serve: etcd.

etcd < 3.5.13 (the embedded one is 3.5.1) answers a progress request at once with its current revision,
even while events up to that revision are still on their way to the watcher (etcd#15220, #17507): such a
notification cannot be trusted. kube 1.36 refuses consistent reads and watch-list there. aiokube verifies
freshness instead: one Range of the resource prefix at revision X, sorted by mod_revision, limit 1, gives
the newest surviving write and the number of keys at X. If the cache has applied that write and holds as
many keys, no put survives after the cache's last event and nothing was deleted, so the cache's state *is*
etcd's state at X (create-then-delete pairs still in flight leave that state unchanged and are delivered
afterwards to the watchers that need them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from aiokube.storage import errors
from aiokube.storage.etcd import EtcdClient, EtcdWatch
from aiokube.storage.fastmetrics import Buckets as Histogram
from aiokube.storage.keys import prefix_range_end
from aiokube.storage.selection import SelectionPredicate
from aiokube.storage.store import Store, decode_continue, encode_continue

from .buffer import EventBuffer
from .entries import AttrsFunc, Entries
from .group import Groups, GroupSink, WatcherGroup
from .objects import ADDED, DELETED, EMPTY, MODIFIED, CachedObject, WatchEvent, deleted_view
from .store import CacheStore
from .watcher import TERMINATED, CacheWatcher

log = logging.getLogger(__name__)

_MIN_QUEUE = 10
#: how long ``Cacher.stop`` waits for its cancelled tasks
STOP_GRACE = 10.0


@dataclass
class CacherConfig:
    initial_capacity: int = 100
    lower_capacity: int = 100
    upper_capacity: int = 100 * 1024
    #: kube's eventFreshDuration / events history window
    fresh_seconds: float = 75.0
    bookmark_frequency: float = 60.0
    #: kube's blockTimeout: how long reads wait for the cache to reach a resourceVersion
    wait_timeout: float = 3.0
    progress_period: float = 0.1
    list_page: int = 10_000
    #: trust progress notifications (etcd >= 3.5.13 / 3.4.31); otherwise freshness is verified by a Range
    trust_progress: bool = False
    #: fields indexed in the store and used to route events to watchers (pods: spec.nodeName)
    index_fields: tuple[str, ...] = ()
    #: False turns off index-based dispatch (every watcher sees every event): for benchmarks
    indexed_dispatch: bool = True
    #: False serves LIST and GET from etcd (like kube's --watch-cache=false); watches stay cached
    serve_reads: bool = True
    #: where a heavy object (encoding/weight.py: a big or deeply nested stored value) is decoded and ``warm``
    #: run, so the event loop is not held by it (the apiserver's CPU thread); None: on the loop, ``warm`` unused
    offload: Executor | None = None
    #: makes the encodings a heavy object's watchers and readers will ask for (run in ``offload``): a
    #: 9,990-level custom resource's JSON is ~30-50 ms of Python, once per object
    warm: Callable[[CachedObject], None] | None = None


#: kube's apiserver_watch_cache_read_wait_seconds buckets
READ_WAIT_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3)
#: etcd commit → cache lag (aiokube's): the watch SLO's scale, up past a minute (a cache 10 s behind was
#: indistinguishable from one 10 minutes behind)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120)


@dataclass
class CacherStats:
    """What the cacher counts; read by the metrics collector at scrape time (no per-event metric calls)."""

    events_received: int = 0
    events_dispatched: int = 0
    initializations: int = 0
    terminated_watchers: int = 0
    consistent_reads: int = 0
    consistent_read_fallbacks: int = 0
    relists: int = 0
    watch_restarts: int = 0
    #: LISTs served from the cache: per index used ("" or "indexed"): requests and objects examined
    cache_lists: dict[str, int] = field(default_factory=dict)
    cache_list_fetched: dict[str, int] = field(default_factory=dict)
    cache_list_returned: int = 0
    read_wait: Histogram = field(default_factory=lambda: Histogram(READ_WAIT_BUCKETS))
    #: this server's writes: seconds from sending the txn to the event reaching the cache
    event_lag: Histogram = field(default_factory=lambda: Histogram(LAG_BUCKETS))


@dataclass(slots=True)
class CacheListResult:
    entries: list[CachedObject]
    revision: int
    continue_token: str = ""
    remaining_item_count: int | None = None
    from_cache: bool = True


class TimeBudget:
    """kube's dispatch timeout budget: refills 50 ms per second, holds at most 100 ms, starts empty."""

    def __init__(self, refill_per_second: float = 0.05, cap: float = 0.1) -> None:
        self.refill = refill_per_second
        self.cap = cap
        self.budget = 0.0
        self.last = time.monotonic()

    def take(self) -> float:
        now = time.monotonic()
        self.budget = min(self.cap, self.budget + (now - self.last) * self.refill)
        self.last = now
        taken, self.budget = self.budget, 0.0
        return taken

    def give_back(self, unused: float) -> None:
        if unused > 0:
            self.budget = min(self.cap, self.budget + unused)


class WatcherIndex:
    """Routes an event to the watchers that can match it instead of scanning all of them.

    Each watcher sits in one bucket chosen by the most selective exact value it requires: object name,
    an indexed field (pods' spec.nodeName), a label value, its namespace, or none ("all").
    """

    def __init__(self, fields: tuple[str, ...], enabled: bool = True) -> None:
        self.fields = fields
        self.enabled = enabled
        self._buckets: dict[tuple[Any, ...], set[CacheWatcher]] = {}
        self.count = 0

    def _bucket_key(self, w: CacheWatcher) -> tuple[Any, ...]:
        if not self.enabled:
            return ("all",)
        pred = w.predicate
        if pred is not None:
            name = pred.field.exact_value("metadata.name")
            if name is not None and w.namespace is not None:
                return ("name", w.namespace, name)
            for f in self.fields:
                value = pred.field.exact_value(f)
                if value is not None:
                    return ("field", f, value)
            for req in pred.label.requirements:
                value = pred.label.exact_value(req.key)
                if value is not None:
                    return ("label", req.key, value)
        if w.namespace is not None:
            return ("ns", w.namespace)
        return ("all",)

    def add(self, w: CacheWatcher) -> None:
        key = self._bucket_key(w)
        w.index_keys = [key]
        self._buckets.setdefault(key, set()).add(w)
        self.count += 1

    def remove(self, w: CacheWatcher) -> None:
        for key in w.index_keys:
            bucket = self._buckets.get(key)
            if bucket is not None and w in bucket:
                bucket.discard(w)
                self.count -= 1
                if not bucket:
                    del self._buckets[key]
        w.index_keys = []

    def all(self) -> Iterable[CacheWatcher]:
        for bucket in list(self._buckets.values()):
            yield from list(bucket)

    def candidates(self, event: WatchEvent) -> list[CacheWatcher]:
        buckets = self._buckets
        if not self.enabled:
            return list(buckets.get(("all",), ()))
        keys: set[tuple[Any, ...]] = {("all",)}
        for entry in (event.object, event.prev_object):
            if entry is None:
                continue
            keys.add(("ns", entry.namespace))
            keys.add(("name", entry.namespace, entry.name))
            for f in self.fields:
                keys.add(("field", f, entry.fields.get(f, "")))
            for k, v in entry.labels.items():
                keys.add(("label", k, v))
        out: list[CacheWatcher] = []
        for key in keys:
            bucket = buckets.get(key)
            if bucket:
                out.extend(bucket)
        return out


async def etcd_went_back(client: EtcdClient, revision: int) -> bool:
    """Whether etcd's current revision is below ``revision`` (an etcd that lost its data, or another one:
    resuming a watch would wait for revisions that will mean other writes). Unreachable: not known, so no."""
    try:
        return await client.current_revision() < revision
    except errors.StorageError:
        return False


class Cacher:
    """The watch cache of one resource (kube's Cacher + watchCache + reflector).

    Owns: one etcd watch on ``prefix`` (the reflector task), the current objects (CacheStore), the ring of
    recent events (EventBuffer), the live watchers (WatcherIndex) and the bookmark timer. Every event is
    applied to the store and buffer and dispatched to the watchers it matches in one step on the event loop,
    so a reader between two awaits sees one consistent revision (``rv``); there are no locks. Callers: the
    generic store (GET/LIST), watch serving (``watch``), the server (start/stop) and the metrics collector
    (``stats``, read at scrape time). A watcher that cannot keep up is terminated within its time budget;
    it never slows dispatch to the others. ``store`` is the etcd-backed storage.Store it reads from.
    """

    def __init__(
        self,
        store: Store,
        prefix: str,
        attrs: AttrsFunc,
        *,
        resource: str = "",
        config: CacherConfig | None = None,
    ) -> None:
        self.store = store
        self.client: EtcdClient = store.client
        self.prefix = prefix
        self.attrs = attrs
        self.resource = resource or prefix
        self.config = config or CacherConfig()
        cfg = self.config
        self.entries = Entries(store, attrs, cfg.offload, cfg.warm)
        self.cache = CacheStore(prefix, cfg.index_fields)
        self.buffer = EventBuffer(cfg.initial_capacity, cfg.lower_capacity, cfg.upper_capacity, cfg.fresh_seconds)
        self.index = WatcherIndex(cfg.index_fields, cfg.indexed_dispatch)
        #: groups of caught-up alike watchers, each in the index in place of its members (watchcache/group.py)
        self.groups = Groups(self.index)
        self._at_rv: list[tuple[int, Callable[[], None]]] = []
        self.stats = CacherStats()
        #: the revision the cache has reached: every event up to it has been applied
        self.rv = 0
        #: revision of the last (re)list, and of the last event applied
        self.list_rv = 0
        self.last_event_rv = 0
        self.ready = asyncio.Event()
        self._budget = TimeBudget()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._etcd_watch: EtcdWatch | None = None
        self._progress_task: asyncio.Task[None] | None = None
        #: set whenever events are applied (wakes the freshness verifier)
        self._changed = asyncio.Event()
        self._last_verify = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._bookmark_buckets: dict[int, list[CacheWatcher]] = {}
        self._bookmark_second = int(time.monotonic())
        #: called with each event once it has been handed to the watchers (in-process controllers that need
        #: a few events of every resource: a listener costs a call per event, a watcher a queue and a task)
        self.listeners: list[Callable[[WatchEvent], None]] = []
        #: when set (and cleared), the reflector waits on it before re-watching: lets tests hold the
        #: reconnect of an interrupted etcd watch while they compact etcd behind its back
        self.resume_gate: asyncio.Event | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self.store.awaited[self.prefix] = 0.0
        self._tasks.append(asyncio.create_task(self._run(), name=f"cacher-{self.resource}"))
        self._tasks.append(asyncio.create_task(self._bookmark_loop(), name=f"bookmarks-{self.resource}"))

    async def wait_ready(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self.ready.wait(), timeout)

    def close_watchers(self) -> None:
        """End every watch cleanly (shutdown): each stream sends what it has queued, then finishes."""
        for w in list(self.index.all()):
            w.stop()

    async def stop(self) -> None:
        self.store.awaited.pop(self.prefix, None)
        self.close_watchers()
        tasks = [t for t in [*self._tasks, self._progress_task] if t is not None]
        await _cancel_bounded(tasks, self.resource)
        self._tasks.clear()
        self._progress_task = None

    # --- reflector -----------------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.05
        need_list = True
        while True:
            try:
                if need_list:
                    await self._relist()
                    need_list = False
                await self._watch()
                backoff = 0.05
            except errors.Compacted as exc:
                log.info("cacher %s: watch from %d compacted (%s); relisting", self.resource, self.rv + 1, exc)
                need_list = True
            except errors.StorageError as exc:
                log.warning("cacher %s: etcd watch interrupted (%s); resuming from %d", self.resource, exc, self.rv + 1)
                self.stats.watch_restarts += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                if await etcd_went_back(self.client, self.rv):  # lost its data: start over, watchers re-watch
                    log.warning("cacher %s: etcd is behind the cache's revision %d; relisting", self.resource, self.rv)
                    self.close_watchers()
                    need_list = True
            if self.resume_gate is not None:
                await self.resume_gate.wait()

    async def _relist(self) -> None:
        kvs, revision = await self.store.range_all(self.prefix, self.config.list_page)
        entries = []
        for key, value, mod in kvs:
            try:
                entries.append(await self.entries.make(key, value, mod))
            except errors.StorageError as exc:
                log.error("cacher %s: skipping undecodable object: %s", self.resource, exc)
        if self.ready.is_set():
            self.stats.relists += 1
            self.close_watchers()  # they send what they hold (events before the gap), then end
        self.cache.replace(entries)
        self.buffer.reset()
        self.list_rv = self.rv = self.last_event_rv = revision
        self.stats.initializations += 1
        self.ready.set()
        self._resolve_waiters()
        log.debug("cacher %s: listed %d objects at revision %d", self.resource, len(entries), revision)

    async def _watch(self) -> None:
        end = prefix_range_end(self.prefix.encode())
        watch = self.client.watch(self.prefix.encode(), end, self.rv + 1, progress_notify=True)
        self._etcd_watch = watch
        try:
            async for resp in watch.responses():
                if resp.created:
                    if self._waiters:
                        watch.request_progress()
                    continue
                if self.store.awaited.get(self.prefix):
                    self.store.awaited[self.prefix] = 0.0  # etcd answers on this stream
                if resp.events:
                    await self._on_events(resp.events, watch.received_at)
                else:
                    self._on_progress(int(resp.header.revision))
                await asyncio.sleep(0)
        finally:
            self._etcd_watch = None
            watch.cancel()

    async def _on_events(self, events: Iterable[Any], received_at: float = 0.0) -> None:
        """Apply one etcd watch response. An event's ``received_at`` (where the watch SLO starts) is when its
        response was read from etcd's stream, or, for this server's own writes, when the write was sent:
        time spent queued before and in the cache counts, so a cache that falls behind shows in the SLO."""
        now = time.monotonic()
        received_at = received_at or now
        sent = self.store.write_sent
        for ev in events:
            kv = ev.kv
            key = kv.key.decode()
            revision = int(kv.mod_revision)
            if revision <= self.last_event_rv:
                continue  # already applied (a resumed watch can repeat the boundary)
            since = received_at
            if sent and (t0 := self.store.sent_at(key)) is not None:
                self.stats.event_lag.observe(max(now - t0, 0.0))
                since = min(t0, received_at)
            prev = self.cache.get(key)
            # a heavy value is decoded and encoded in the offload thread: the cache is changed after that
            # await (nothing else changes it meanwhile: this task is its only writer)
            if ev.type == ev.PUT:
                try:
                    value = kv.value
                    if self.entries.offloads(value):
                        entry = await self.entries.heavy(key, value, revision)
                    else:
                        entry = self.entries.light(key, value, revision)
                except errors.StorageError as exc:
                    log.error("cacher %s: skipping undecodable object: %s", self.resource, exc)
                    continue
                self.cache.upsert(entry)
                event = WatchEvent(ADDED if prev is None else MODIFIED, entry, prev, revision, since)
            else:
                if prev is None:
                    continue
                if prev.heavy:
                    deleted = await self.entries.heavy_deleted(prev, revision)
                else:
                    deleted = deleted_view(prev, revision)
                self.cache.delete(key)
                event = WatchEvent(DELETED, deleted, prev, revision, since)
            self.buffer.append(event)
            self.stats.events_received += 1
            self.last_event_rv = revision
            self.rv = max(self.rv, revision)
            await self._dispatch(event)
        self._changed.set()
        self._resolve_waiters()

    def _on_progress(self, revision: int) -> None:
        """A progress notification: trusted on fixed etcd; otherwise a hint to verify (see module doc)."""
        if revision <= self.rv:
            return
        if self.config.trust_progress:
            self.rv = revision
            self._resolve_waiters()
        elif self._bookmark_buckets and time.monotonic() - self._last_verify > 1.0:
            # bookmarks should carry a fresh RV: verify at most once a second
            self._last_verify = time.monotonic()
            task = asyncio.create_task(self._verify_fresh(revision))
            self._tasks.append(task)
            task.add_done_callback(self._tasks.remove)

    # --- freshness -----------------------------------------------------------------------------------

    def when_at(self, revision: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the cache has reached ``revision`` (now, if it has)."""
        if self.rv >= revision:
            callback()
        else:
            self._at_rv.append((revision, callback))

    def _resolve_waiters(self) -> None:
        if self._at_rv:
            due = [cb for target, cb in self._at_rv if self.rv >= target]
            if due:
                self._at_rv = [(t, cb) for t, cb in self._at_rv if self.rv < t]
                for callback in due:
                    callback()
        if not self._waiters:
            return
        still = []
        for target, fut in self._waiters:
            if self.rv >= target:
                if not fut.done():
                    fut.set_result(None)
            else:
                still.append((target, fut))
        self._waiters = still

    async def wait_fresh(self, revision: int, timeout: float | None = None) -> bool:
        """Wait until the cache reached ``revision`` (asking etcd for progress, or verifying, meanwhile)."""
        if self.rv >= revision and self.ready.is_set():
            return True
        started = time.monotonic()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((revision, fut))
        if self.ready.is_set():
            self._resolve_waiters()
        if self._progress_task is None or self._progress_task.done():
            catch_up = self._request_progress if self.config.trust_progress else self._verify_until_fresh
            self._progress_task = asyncio.create_task(catch_up())
        try:
            await asyncio.wait_for(fut, self.config.wait_timeout if timeout is None else timeout)
            return True
        except TimeoutError:
            watch = self._etcd_watch
            if watch is not None and self.ready.is_set() and watch.received_at < started:
                # nothing at all came from etcd while it was asked to catch up: the member streaming this watch
                # stalled (its connection up, so gRPC never fails the stream); resume elsewhere from self.rv + 1
                _resume_elsewhere(self, watch, f"etcd watch silent for {time.monotonic() - started:.1f} s while behind")
            return False
        finally:
            self._waiters = [(t, f) for t, f in self._waiters if f is not fut]
            self.stats.read_wait.observe(time.monotonic() - started)

    async def _request_progress(self) -> None:
        """kube's progress requester: immediately, then every 100 ms while anyone waits."""
        while self._waiters:
            if self._etcd_watch is not None:
                self._etcd_watch.request_progress()
            await asyncio.sleep(self.config.progress_period)

    async def _verify_until_fresh(self) -> None:
        """For etcd whose progress notifications cannot be trusted: verify, then retry on events/100 ms."""
        while self._waiters:
            if self.ready.is_set():
                target = max(t for t, _ in self._waiters)
                with contextlib.suppress(errors.StorageError):
                    await self._verify_fresh(target)
            if not self._waiters:
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):  # not wait_for: it may swallow a cancel (aggregation.py)
                async with asyncio.timeout(self.config.progress_period):
                    await self._changed.wait()

    async def _verify_fresh(self, target: int) -> bool:
        """Whether the cache's state is etcd's state at ``target``; if so the cache RV moves there."""
        if self.last_event_rv >= target:
            self.rv = max(self.rv, target)
            self._resolve_waiters()
            return True
        seen, count = self.last_event_rv, len(self.cache)
        end = prefix_range_end(self.prefix.encode())
        try:
            resp = await self.client.range(
                self.prefix.encode(), end, revision=target, limit=1, keys_only=True, newest_first=True
            )
        except errors.Compacted:
            return False
        if self.last_event_rv != seen:  # events arrived meanwhile: judge again next time
            return self.rv >= target
        newest = int(resp.kvs[0].mod_revision) if resp.kvs else 0
        if newest <= seen and int(resp.count) == count:
            self.rv = max(self.rv, target)
            self._resolve_waiters()
            return True
        return False

    def interrupt_watch(self) -> None:
        """Break the etcd watch stream (as a network failure would); the reflector resumes on its own."""
        if self._etcd_watch is not None:
            self._etcd_watch.cancel()

    async def etcd_revision(self) -> int:
        return await self.client.current_revision()

    # --- dispatch ------------------------------------------------------------------------------------

    async def _dispatch(self, event: WatchEvent) -> None:
        blocked: list[tuple[CacheWatcher, Any]] = []
        for w in self.index.candidates(event):
            item = w.convert(event)
            if item is not None and not w.offer(item):
                blocked.append((w, item))
        self.stats.events_dispatched += 1
        if blocked:
            await self._wait_blocked(blocked)
        for listener in self.listeners:
            listener(event)

    async def _wait_blocked(self, blocked: list[tuple[CacheWatcher, Any]]) -> None:
        # Readers that merely have not run yet (we are one thread) get a chance before the budget counts.
        for _ in range(3):
            await asyncio.sleep(0)
            blocked = [(w, item) for w, item in blocked if not w.offer(item)]
            if not blocked:
                return
        budget = self._budget.take()
        start = time.monotonic()
        deadline = start + budget
        for w, item in blocked:
            remaining = deadline - time.monotonic()
            if remaining > 0 and not w.has_room():
                with contextlib.suppress(TimeoutError):  # not wait_for: it may swallow a cancel
                    async with asyncio.timeout(remaining):
                        await w.wait_for_room()
            if not w.offer(item):
                self.stats.terminated_watchers += 1
                log.info(
                    "Forcing %s watcher close due to unresponsiveness: namespace=%r selector=%r",
                    self.resource,
                    w.namespace,
                    w.predicate and str(w.predicate.label),
                )
                w.stop(TERMINATED)
        self._budget.give_back(budget - (time.monotonic() - start))

    # --- bookmarks -----------------------------------------------------------------------------------

    def _schedule_bookmark(self, w: CacheWatcher) -> None:
        if w.bookmarks and not w.closed and w.next_bookmark != float("inf"):
            self._bookmark_buckets.setdefault(int(w.next_bookmark), []).append(w)

    async def _bookmark_loop(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.config.bookmark_frequency / 4))
            now = time.monotonic()
            _check_watch_alive(self, now)
            second = int(now)
            due: list[CacheWatcher] = []
            for s in list(self._bookmark_buckets):
                if s <= second:
                    due.extend(self._bookmark_buckets.pop(s))
            for w in due:
                if w.closed:
                    continue
                if not w.has_backlog_done() or now < w.next_bookmark - 1.0:
                    self._bookmark_buckets.setdefault(second + 1, []).append(w)
                    continue
                w.offer_bookmark(self.rv)
                w.bookmark_sent(now)
                self._schedule_bookmark(w)

    # --- reads ---------------------------------------------------------------------------------------

    def _register(self, w: CacheWatcher) -> CacheWatcher:
        self.index.add(w)
        self._schedule_bookmark(w)
        return w

    def _forget(self, w: CacheWatcher) -> None:
        self.index.remove(w)

    @property
    def watcher_count(self) -> int:
        """Registered watchers, grouped or not."""
        return self.index.count + self.groups.members() - len(self.groups)

    def join_group(self, w: CacheWatcher, key: Hashable, make_sink: Callable[[WatcherGroup], GroupSink]) -> bool:
        """Move caught-up ``w`` into the group of watchers with ``key`` (see watchcache/group.py)."""
        return self.groups.join(w, key, make_sink, self.rv)

    def _queue_size(self, indexed_by_trigger: bool) -> int:
        """kube's watcher channel size: capacity / history window, at least 10, capped by index use."""
        size = max(_MIN_QUEUE, math.ceil(self.buffer.capacity / max(self.config.fresh_seconds, 1.0)))
        if self.config.index_fields:
            return min(size, 10 if indexed_by_trigger else 1000)
        return min(size, 100)

    async def watch(
        self,
        *,
        namespace: str | None,
        predicate: SelectionPredicate | None,
        resource_version: str,
        send_initial_events: bool | None,
        allow_bookmarks: bool,
        deadline: float,
    ) -> CacheWatcher:
        """Start a watcher; raises errors.Compacted (410) or errors.TooLargeResourceVersion (504)."""
        await self.ready.wait()
        trigger = bool(predicate and any(predicate.field.exact_value(f) is not None for f in self.config.index_fields))
        common: dict[str, Any] = dict(
            predicate=predicate,
            namespace=namespace,
            queue_size=self._queue_size(trigger),
            deadline=deadline,
            bookmarks=allow_bookmarks,
            bookmark_frequency=self.config.bookmark_frequency,
            on_stop=self._forget,
        )
        if send_initial_events:
            if resource_version == "":
                required = await self.etcd_revision()
            else:
                required = int(resource_version)
            if required > self.rv and not await self.wait_fresh(required):
                raise errors.TooLargeResourceVersion(required, self.rv)
            # snapshot and registration in one synchronous step: nothing slips in between
            snapshot, _ = self.cache.list(namespace, predicate)
            end_rv = self.rv
            start_rv = required if resource_version not in ("", "0") else end_rv
            w = CacheWatcher(
                **common, initial=snapshot, initial_end_rv=end_rv if allow_bookmarks else None, start_rv=start_rv
            )
            w.min_event_rv = end_rv
            return self._register(w)
        if send_initial_events is None and resource_version in ("", "0"):
            # legacy watch (no watch-list defaulting, e.g. /watch/ paths): the current state as ADDED
            snapshot, _ = self.cache.list(namespace, predicate)
            return self._register(CacheWatcher(**common, initial=snapshot, start_rv=self.rv))
        if resource_version == "":
            start = await self.etcd_revision()
        elif resource_version == "0":
            start = self.rv
        else:
            start = int(resource_version)
        self.check_not_too_old(start)
        return self._register(CacheWatcher(**common, interval=self.buffer.interval(start), start_rv=start))

    def oldest_resource_version(self) -> int:
        """The oldest revision a watch can start after (kube's ``oldest - 1``)."""
        if self.buffer.evicted():
            oldest = self.buffer.oldest()
            assert oldest is not None
            return oldest.revision - 1
        return self.list_rv

    def check_not_too_old(self, revision: int) -> None:
        bound = self.oldest_resource_version()
        if revision < bound:
            raise errors.Compacted(f"too old resource version: {revision} ({bound})")

    def peek(self, key: str) -> dict[str, Any] | None:
        """The object as the cache has it now (shared: read-only), if the cache is ready and serves reads;
        a hint for writers, whose transactions check the revision."""
        if not self.config.serve_reads or not self.ready.is_set():
            return None
        entry = self.cache.get(key)
        return None if entry is None else entry.obj

    def holds_heavy(self, key: str) -> bool:
        """Whether the object at ``key`` is heavy as the cache holds it (entries.py): a light patch or apply of it
        still walks all of it, so its writes are worked on off the loop too."""
        entry = self.cache.get(key)
        return entry is not None and entry.heavy

    async def get(self, key: str, resource_version: str) -> CachedObject | None:
        """GET: RV unset reads etcd; RV="0" the cache as is; RV=N waits for the cache to reach N."""
        if resource_version == "" or not self.config.serve_reads:
            obj = await self.store.get(key)
            return CachedObject(key, obj, int(obj["metadata"]["resourceVersion"]), EMPTY, EMPTY)
        await self.ready.wait()
        rv = int(resource_version)
        if rv > self.rv and not await self.wait_fresh(rv):
            raise errors.TooLargeResourceVersion(rv, self.rv)
        return self.cache.get(key)

    def _can_serve_at(self, revision: int) -> bool:
        """The cache's state is the state at ``revision`` (no change since it, none before it missing)."""
        return self.last_event_rv <= revision <= self.rv and revision >= self.list_rv

    async def list(
        self,
        *,
        key_prefix: str,
        namespace: str | None,
        predicate: SelectionPredicate | None,
        limit: int,
        continue_token: str,
        resource_version: str,
        match: str,
    ) -> CacheListResult:
        """LIST with kube's delegation rules between the cache and etcd (see module doc)."""
        if not self.config.serve_reads:
            rv = int(resource_version) if resource_version not in ("", "0") else 0
            exact = match == "Exact" or (match == "" and limit and rv)
            return await self._list_etcd(
                key_prefix, predicate, limit, continue_token=continue_token, revision=rv if exact else 0
            )
        await self.ready.wait()
        if continue_token:
            start_key, token_rv = decode_continue(continue_token, key_prefix)
            if token_rv < 0:
                if await self._consistent():
                    return self._list_cache(key_prefix, namespace, predicate, limit, start_key)
                return await self._list_etcd(key_prefix, predicate, limit, continue_token=continue_token)
            if self._can_serve_at(token_rv):
                return self._list_cache(key_prefix, namespace, predicate, limit, start_key, revision=token_rv)
            return await self._list_etcd(key_prefix, predicate, limit, continue_token=continue_token)
        rv = int(resource_version) if resource_version not in ("", "0") else 0
        if match == "Exact" or (match == "" and limit and rv):
            if self._can_serve_at(rv):
                return self._list_cache(key_prefix, namespace, predicate, limit, "", revision=rv)
            return await self._list_etcd(key_prefix, predicate, limit, revision=rv)
        if resource_version == "":
            if await self._consistent():
                return self._list_cache(key_prefix, namespace, predicate, limit, "")
            return await self._list_etcd(key_prefix, predicate, limit)
        if resource_version == "0":
            return self._list_cache(key_prefix, namespace, predicate, 0, "")
        if rv > self.rv and not await self.wait_fresh(rv):
            raise errors.TooLargeResourceVersion(rv, self.rv)
        return self._list_cache(key_prefix, namespace, predicate, limit, "")

    async def _consistent(self) -> bool:
        """Wait for the cache to reach etcd's current revision; False means "fall back to etcd"."""
        target = await self.etcd_revision()
        ok = await self.wait_fresh(target)
        self.stats.consistent_reads += 1
        if not ok:
            self.stats.consistent_read_fallbacks += 1
        return ok

    def _list_cache(
        self,
        key_prefix: str,
        namespace: str | None,
        predicate: SelectionPredicate | None,
        limit: int,
        start_key: str,
        revision: int = 0,
    ) -> CacheListResult:
        entries, more = self.cache.list(namespace, predicate, start_key or "", limit)
        stats, index = self.stats, "indexed" if self.cache.last_list_indexed else ""
        stats.cache_lists[index] = stats.cache_lists.get(index, 0) + 1
        stats.cache_list_fetched[index] = stats.cache_list_fetched.get(index, 0) + self.cache.last_list_fetched
        stats.cache_list_returned += len(entries)
        result = CacheListResult(entries, revision or self.rv)
        if more and entries:
            next_key = entries[-1].key + "\x00"
            result.continue_token = encode_continue(next_key, key_prefix, result.revision)
            if predicate is None or predicate.empty():
                result.remaining_item_count = self.cache.count(namespace, next_key)
        return result

    async def _list_etcd(
        self,
        key_prefix: str,
        predicate: SelectionPredicate | None,
        limit: int,
        *,
        continue_token: str = "",
        revision: int = 0,
    ) -> CacheListResult:
        res = await self.store.list(
            key_prefix,
            limit=limit,
            continue_token=continue_token,
            revision=revision,
            predicate=None if predicate is None or predicate.empty() else predicate.matches,
        )
        entries = [
            CachedObject("", obj, int(obj["metadata"].get("resourceVersion", "0")), EMPTY, EMPTY) for obj in res.items
        ]
        return CacheListResult(entries, res.revision, res.continue_token, res.remaining_item_count, from_cache=False)


async def _cancel_bounded(tasks: list[asyncio.Task[Any]], resource: str) -> None:
    """Cancel ``tasks`` and wait at most STOP_GRACE for them: a task that swallowed its cancel must not keep
    the server from stopping (it is logged and left behind)."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
    for task in done:
        if not task.cancelled():
            task.exception()  # retrieved: it ended as it ended
    for task in pending:
        log.warning("cacher %s: %s did not end within %.0f s of its cancel", resource, task.get_name(), STOP_GRACE)


def _check_watch_alive(cacher: Cacher, now: float) -> None:
    """The server wrote under the cacher's prefix ``wait_timeout`` ago and nothing at all came on its etcd watch
    since: the member streaming it stalled (see ``Cacher.wait_fresh``); resume it elsewhere."""
    since = cacher.store.awaited.get(cacher.prefix, 0.0)
    watch = cacher._etcd_watch
    if since and now - since > cacher.config.wait_timeout and watch is not None and watch.received_at < since:
        cacher.store.awaited[cacher.prefix] = 0.0
        _resume_elsewhere(cacher, watch, f"its own writes not seen on the etcd watch for {now - since:.1f} s")


def _resume_elsewhere(cacher: Cacher, watch: Any, why: str) -> None:
    log.warning("cacher %s: %s; resuming it on another member", cacher.resource, why)
    cacher.client.watch_stuck(watch)
