"""Watcher groups: caught-up watchers that see the same events in the same encoding, dispatched to as one.

Invariants:
- A grouped watcher is out of the cacher's index; its group is in the index in its place (under the same
  bucket: same namespace and predicate), so dispatch converts and offers an event once per group.
- Only a caught-up watcher joins (backlog served, nothing queued, task parked, every event up to the
  cacher's revision already taken), and only while its group's sink holds nothing unwritten: a member
  receives from the group exactly the events dispatched after it joined.
- A member leaves (bookmark due, stop, connection backed up, end of the watch) through ``remove``: the sink
  first hands it the frames taken for the group and not yet written to it, so nothing is lost or reordered,
  then the watcher goes back into the index on its own (unless it has stopped).
- The group never blocks dispatch: a member that cannot keep up is made to leave by the sink and meets the
  slow path (its queue and the cacher's time budget) on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any, Protocol

from .objects import WatchEvent
from .watcher import CacheWatcher, EventFilter, Item


class GroupSink(Protocol):
    """Where a group's items go: one buffer per flush, written to every member's connection."""

    def accept(self, item: Item) -> None:
        """Take ``item`` for every member (in order)."""
        ...

    def idle(self) -> bool:
        """Nothing taken and not yet written: a watcher may join now."""
        ...

    def release(self, member: CacheWatcher) -> None:
        """``member`` leaves: what was taken for it and not yet written goes to its own sink."""
        ...


class WatcherGroup(EventFilter):
    """Members share namespace, predicate and encoding; the group filters each event once for all of them.

    Owns: its members (insertion order) and its sink. ``on_leave(group, member)`` is its ``Groups``': it puts
    the member back into the index and drops the group once empty."""

    __slots__ = ("closed", "index_keys", "key", "last_rv", "members", "min_event_rv", "namespace", "on_leave",
                 "predicate", "sink")  # fmt: skip

    def __init__(
        self,
        key: Hashable,
        first: CacheWatcher,
        on_leave: Callable[[WatcherGroup, CacheWatcher], None],
    ) -> None:
        self.key = key
        self.namespace = first.namespace
        self.predicate = first.predicate
        self.min_event_rv = 0  # members are caught up: every event dispatched from now on is news to them
        self.last_rv = 0
        self.members: dict[CacheWatcher, None] = {}
        self.index_keys: list[Any] = []
        self.closed = False
        self.on_leave = on_leave
        self.sink: GroupSink | None = None

    def add(self, w: CacheWatcher) -> None:
        self.members[w] = None
        w.group = self
        if w.last_rv > self.last_rv:
            self.last_rv = w.last_rv

    def remove(self, w: CacheWatcher) -> None:
        """Called through ``CacheWatcher.leave_group`` (which has already cleared ``w.group``)."""
        if w not in self.members:
            return
        del self.members[w]
        if self.sink is not None:
            self.sink.release(w)
        if self.last_rv > w.last_rv:
            w.last_rv = self.last_rv
        self.on_leave(self, w)

    def offer(self, item: Item) -> bool:
        payload: WatchEvent = item[1]
        if self.sink is not None:
            self.sink.accept(item)
        if payload.revision > self.last_rv:
            self.last_rv = payload.revision
        return True  # never blocks: members that fall behind leave (see the module's invariants)

    def has_room(self) -> bool:
        return True

    def stop(self, reason: str | None = None) -> None:
        """Stop every member (shutdown); the last one to leave takes the group out of the index."""
        for w in list(self.members):
            w.stop(reason)


class Index(Protocol):
    """The cacher's dispatch index (watchcache/cacher.py WatcherIndex), as groups use it."""

    def add(self, w: Any) -> None: ...

    def remove(self, w: Any) -> None: ...


class Groups:
    """A cacher's watcher groups by key, keeping its dispatch index in step as watchers join and leave."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._by_key: dict[Hashable, WatcherGroup] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def values(self) -> Iterator[WatcherGroup]:
        return iter(list(self._by_key.values()))

    def members(self) -> int:
        return sum(len(g.members) for g in self._by_key.values())

    def join(self, w: CacheWatcher, key: Hashable, make_sink: Callable[[WatcherGroup], GroupSink], rv: int) -> bool:
        """Move ``w`` from the index into the group for ``key`` (made, with ``make_sink(group)``, for the first).
        The caller's key must stand for everything that makes two watchers' streams differ: namespace,
        predicate, encoding. Refused (False) unless ``w`` is caught up — parked, registered, every event up to
        the cache's revision ``rv`` taken — and the group has nothing unwritten (see the module docstring)."""
        if w.group is not None or not w.parked or not w.index_keys or w.min_event_rv > rv:
            return False
        group = self._by_key.get(key)
        if group is None:
            group = self._by_key[key] = WatcherGroup(key, w, self._left)
            group.sink = make_sink(group)
            self.index.add(group)
        elif group.sink is not None and not group.sink.idle():
            return False
        self.index.remove(w)
        group.add(w)
        return True

    def _left(self, group: WatcherGroup, w: CacheWatcher) -> None:
        if not w.closed:
            self.index.add(w)
        if not group.members:
            self.index.remove(group)
            if self._by_key.get(group.key) is group:
                del self._by_key[group.key]
