"""The current state of one resource: objects by key, in key order, with indexes.

Indexes: namespace (a key range: keys are ``<prefix><namespace>/<name>``), configured fields such as a
pod's ``spec.nodeName``, and every label ``key=value`` pair. A LIST picks the smallest candidate set among
the indexes its selectors pin (exact values only) and filters the rest, so ``-l app=web`` across 150,000
pods touches only the pods labelled ``app=web``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from aiokube.storage.keys import prefix_range_end
from aiokube.storage.selection import SelectionPredicate

from .objects import CachedObject


def _identity(entry: CachedObject) -> tuple[str, tuple[str, ...]]:
    """(uid, uids of its owners) of a cached object."""
    md = entry.obj.get("metadata")
    if not isinstance(md, dict):
        return "", ()
    uid = md.get("uid")
    refs = md.get("ownerReferences")
    owners = tuple(r["uid"] for r in refs if isinstance(r, dict) and isinstance(r.get("uid"), str)) if refs else ()
    return (uid if isinstance(uid, str) else ""), owners


class CacheStore:
    """The current objects of one resource, in key order, with namespace, field and label indexes.

    Written only by its cacher's reflector (upsert/delete per event, replace on relist) and read by LIST and
    by watches that start with the current state; everything runs on the event loop, so readers see a
    consistent state between two events without locks. Entries are CachedObjects: their encoded forms are
    made once and shared by every reader."""

    def __init__(self, prefix: str, index_fields: Iterable[str] = ()) -> None:
        #: collection key prefix, with a trailing slash (``/registry/pods/``)
        self.prefix = prefix
        self.index_fields = tuple(index_fields)
        self._items: dict[str, CachedObject] = {}
        self._keys: list[str] = []  # sorted
        self._by_field: dict[str, dict[str, set[str]]] = {f: {} for f in self.index_fields}
        self._by_label: dict[tuple[str, str], set[str]] = {}
        #: uid -> key, and owner uid -> keys of the objects whose ownerReferences name it: the garbage
        #: collector's lookups (a scan of every cache per deletion made deleting n pods O(n^2))
        self._by_uid: dict[str, str] = {}
        self._by_owner: dict[str, set[str]] = {}
        #: what the last list() examined, for the cacher's LIST metrics
        self.last_list_fetched = 0
        self.last_list_indexed = False

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> CachedObject | None:
        return self._items.get(key)

    def values(self) -> Iterable[CachedObject]:
        return self._items.values()

    # --- updates -------------------------------------------------------------------------------------

    def upsert(self, entry: CachedObject) -> CachedObject | None:
        """Insert or replace; returns the previous entry."""
        key = entry.key
        prev = self._items.get(key)
        self._items[key] = entry
        if prev is None:
            bisect.insort(self._keys, key)
        else:
            self._unindex(prev)
        self._index(entry)
        return prev

    def delete(self, key: str) -> CachedObject | None:
        prev = self._items.pop(key, None)
        if prev is not None:
            i = bisect.bisect_left(self._keys, key)
            del self._keys[i]
            self._unindex(prev)
        return prev

    def replace(self, entries: Iterable[CachedObject]) -> None:
        self._items = {}
        self._by_field = {f: {} for f in self.index_fields}
        self._by_label = {}
        self._by_uid = {}
        self._by_owner = {}
        for entry in entries:
            self._items[entry.key] = entry
            self._index(entry)
        self._keys = sorted(self._items)

    def _index(self, entry: CachedObject) -> None:
        key = entry.key
        for f, values in self._by_field.items():
            values.setdefault(entry.fields.get(f, ""), set()).add(key)
        for kv in entry.labels.items():
            self._by_label.setdefault(kv, set()).add(key)
        uid, owners = _identity(entry)
        if uid:
            self._by_uid[uid] = key
        for owner in owners:
            self._by_owner.setdefault(owner, set()).add(key)

    def _unindex(self, entry: CachedObject) -> None:
        key = entry.key
        for f, values in self._by_field.items():
            value = entry.fields.get(f, "")
            keys = values.get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del values[value]
        for kv in entry.labels.items():
            keys = self._by_label.get(kv)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_label[kv]
        uid, owners = _identity(entry)
        if uid and self._by_uid.get(uid) == key:
            del self._by_uid[uid]
        for owner in owners:
            keys = self._by_owner.get(owner)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_owner[owner]

    def with_uid(self, uid: str) -> CachedObject | None:
        key = self._by_uid.get(uid)
        return None if key is None else self._items.get(key)

    def owned_by(self, uid: str) -> list[CachedObject]:
        """The objects with an ownerReference to ``uid``, in key order."""
        keys = self._by_owner.get(uid)
        if not keys:  # the common case: the garbage collector asks every cache on every delete
            return []
        return [self._items[k] for k in sorted(keys) if k in self._items]

    # --- reads ---------------------------------------------------------------------------------------

    def _range(self, namespace: str | None) -> tuple[int, int, str]:
        if namespace:
            lo_key = f"{self.prefix}{namespace}/"
            hi_key = prefix_range_end(lo_key.encode()).decode()
            return bisect.bisect_left(self._keys, lo_key), bisect.bisect_left(self._keys, hi_key), lo_key
        return 0, len(self._keys), self.prefix

    def list(
        self,
        namespace: str | None = None,
        predicate: SelectionPredicate | None = None,
        start_key: str = "",
        limit: int = 0,
    ) -> tuple[list[CachedObject], bool]:
        """Matching entries in key order from ``start_key`` (inclusive); returns (entries, more)."""
        lo, hi, ns_prefix = self._range(namespace)
        candidates = self._indexed_candidates(predicate, ns_prefix, hi - lo)
        self.last_list_indexed = candidates is not None
        out: list[CachedObject] = []
        items = self._items
        if candidates is not None:
            keys = sorted(k for k in candidates if k >= start_key) if start_key else sorted(candidates)
        else:
            if start_key:
                lo = max(lo, bisect.bisect_left(self._keys, start_key))
            keys = self._keys[lo:hi]
        if predicate is None or predicate.empty():
            if limit and len(keys) > limit:
                keys = keys[:limit]
                self.last_list_fetched = limit
                return [items[k] for k in keys], True
            self.last_list_fetched = len(keys)
            return [items[k] for k in keys], False
        matches = predicate.matches_attrs
        for i, k in enumerate(keys):
            entry = items[k]
            if matches(entry.labels, entry.fields):
                if limit and len(out) == limit:
                    self.last_list_fetched = i + 1
                    return out, True
                out.append(entry)
        self.last_list_fetched = len(keys)
        return out, False

    def count(self, namespace: str | None = None, from_key: str = "") -> int:
        """Number of keys in the (namespace) range at or after ``from_key``."""
        lo, hi, _ = self._range(namespace)
        if from_key:
            lo = max(lo, bisect.bisect_left(self._keys, from_key))
        return max(hi - lo, 0)

    def _indexed_candidates(
        self, predicate: SelectionPredicate | None, ns_prefix: str, range_size: int
    ) -> set[str] | None:
        """The smallest key set an index gives for the exact values a selector pins, if smaller than the range."""
        if predicate is None or predicate.empty():
            return None
        name = predicate.field.exact_value("metadata.name")
        if name is not None and ns_prefix != self.prefix:
            key = ns_prefix + name
            return {key} if key in self._items else set()
        best: set[str] | None = None
        for f, values in self._by_field.items():
            value = predicate.field.exact_value(f)
            if value is not None:
                keys = values.get(value, set())
                if best is None or len(keys) < len(best):
                    best = keys
        for req in predicate.label.requirements:
            value = predicate.label.exact_value(req.key)
            if value is not None:
                keys = self._by_label.get((req.key, value), set())
                if best is None or len(keys) < len(best):
                    best = keys
        if best is None or len(best) >= range_size:
            return None
        if ns_prefix != self.prefix:
            return {k for k in best if k.startswith(ns_prefix)}
        return best
