"""Object storage on etcd v3 with kube-apiserver's semantics (k8s.io/apiserver/pkg/storage/etcd3/store.go).

Objects are JSON dicts. The stored value never carries ``metadata.resourceVersion``: like kube, the
resourceVersion of an object is the etcd ``mod_revision`` of its key and that of a list is the header
revision of the range, so they are set when values are read back. Every write is one etcd transaction:
create is "key absent", update and delete are "mod_revision unchanged", so nothing is ever half-written and
concurrent writers cannot lose each other's updates.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import inspect
import json
import os
import posixpath
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import orjson
from aetcd import rpc

from aiokube.encoding import deepjson, depth, weight

from . import errors, metrics
from .etcd import EtcdClient
from .keys import prefix_range_end

Obj = dict[str, Any]
UpdateFunc = Callable[[Obj | None], "Obj | Awaitable[Obj]"]
Predicate = Callable[[Obj], bool]

_MAX_WRITES_TRACKED = 10_000
_MAX_WRITTEN_BYTES = 64 << 20
#: what Store._stored holds at most (bytes of stored objects)
_MAX_STORED_BYTES = 32 << 20

# kube's etcd3 store grows its page size up to this many keys when selectors filter objects out.
MAX_PAGE = 10_000

_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
    "that were created, modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list."
)
LIST_EXPIRED = "The resourceVersion for the provided list is too old."


@dataclass(slots=True)
class Preconditions:
    uid: str | None = None
    resource_version: str | None = None

    def check(self, key: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        if self.uid is not None and self.uid != meta.get("uid", ""):
            raise errors.PreconditionFailed(
                key,
                f"Precondition failed: UID in precondition: {self.uid}, UID in object meta: {meta.get('uid', '')}",
            )
        if self.resource_version is not None and self.resource_version != meta.get("resourceVersion", ""):
            raise errors.PreconditionFailed(
                key,
                "Precondition failed: ResourceVersion in precondition: "
                f"{self.resource_version}, ResourceVersion in object meta: {meta.get('resourceVersion', '')}",
            )


@dataclass(slots=True)
class ListResult:
    items: list[Obj]
    revision: int
    continue_token: str = ""
    remaining_item_count: int | None = None


# --- continue tokens (byte-compatible with k8s.io/apiserver/pkg/storage/continue.go) ---------------------


def encode_continue(key: str, key_prefix: str, revision: int) -> str:
    if not key.startswith(key_prefix):
        raise errors.InternalError(f"unable to encode next field: the key and key prefix do not match {key}")
    body = deepjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": key[len(key_prefix) :]})
    return base64.urlsafe_b64encode(body).rstrip(b"=").decode()


_RAW_URL_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
#: a continue token's fields and their Go types (storage.continueToken)
_TOKEN_FIELDS = (("v", "string", str), ("rv", "int64", int), ("start", "string", str))
_JSON_KINDS = ((bool, "bool"), (str, "string"), (int, "number"), (float, "number"), (list, "array"), (dict, "object"))


def _raw_url_b64decode(token: str) -> bytes:
    """Go's base64.RawURLEncoding.DecodeString: no padding; a bad byte or a dangling one is an error at its
    position ("illegal base64 data at input byte N"); CR and LF are skipped."""
    raw = token.encode().replace(b"\r", b"").replace(b"\n", b"")
    for i, byte in enumerate(raw):
        if byte not in _RAW_URL_BASE64:
            raise ValueError(f"illegal base64 data at input byte {i}")
    if len(raw) % 4 == 1:
        raise ValueError(f"illegal base64 data at input byte {len(raw) - 1}")
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def _json_kind(value: Any) -> str:
    return next(name for cls, name in _JSON_KINDS if isinstance(value, cls))


def decode_continue(token: str, key_prefix: str) -> tuple[str, int]:
    """Return (start key, revision); revision -1 means "continue at the latest revision". Errors are worded
    as kube's storage.DecodeContinue words them."""
    try:
        data = _raw_url_b64decode(token)
    except (ValueError, binascii.Error) as exc:
        raise errors.InvalidContinue(f"continue key is not valid: {exc}") from None
    try:
        parsed = json.loads(data)  # not orjson: Go reads integers of any size, then checks the field's range
    except (ValueError, RecursionError):
        raise errors.InvalidContinue("continue key is not valid: invalid JSON", undecodable=data) from None
    if parsed is None:
        parsed = {}  # Go: null into a struct leaves it zero
    if not isinstance(parsed, dict):
        kind = _json_kind(parsed)
        raise errors.InvalidContinue(
            f"continue key is not valid: json: cannot unmarshal {kind} into Go value of type storage.continueToken"
        )
    for key, go_type, cls in _TOKEN_FIELDS:
        value = parsed.get(key)
        out_of_range = cls is int and isinstance(value, int) and not -(2**63) <= value < 2**63
        if value is not None and (not isinstance(value, cls) or isinstance(value, bool) or out_of_range):
            kind = _json_kind(value)
            shown = f"{kind} {json.dumps(value)}" if kind == "number" else kind
            raise errors.InvalidContinue(
                f"continue key is not valid: json: cannot unmarshal {shown} into Go struct field "
                f"continueToken.{key} of type {go_type}"
            )
    version = parsed.get("v") or ""
    if version != "meta.k8s.io/v1":
        raise errors.InvalidContinue(
            f"continue key is not valid: server does not recognize this encoded version {version}"
        )
    rv = parsed.get("rv")
    if not isinstance(rv, int) or rv == 0:
        raise errors.InvalidContinue(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        )
    start = parsed.get("start")
    if not isinstance(start, str) or not start:
        raise errors.InvalidContinue("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")
    # Defend against path traversal: the start key must stay inside key_prefix.
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise errors.InvalidContinue(f"continue key is not valid: {start}")
    return key_prefix + key[1:], rv


# --- encoding ------------------------------------------------------------------------------------------


async def _encoded(obj: Obj, offload: Executor | None) -> bytes:
    """encode_for_storage(checked), in ``offload`` when given (a heavy write's: the apiserver's CPU thread, so the
    event loop is not held by O(size) Python: ~25 ms for a 9,990-level object)."""
    if offload is None:
        return encode_for_storage(obj, checked=True)
    encode = functools.partial(encode_for_storage, obj, checked=True)
    return await asyncio.get_running_loop().run_in_executor(offload, encode)


def encode_for_storage(obj: Obj, *, checked: bool = False) -> bytes:
    """JSON bytes as stored in etcd: the object without metadata.resourceVersion (kube stores none). With
    ``checked``, what kube's decoder would not read back is refused (errors.TooDeep): measured by the writing
    itself, of the value wrapped in lists under orjson's 254 levels, with a walk of what orjson refuses past
    them when the limit is kube's (encoding/depth.py)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "resourceVersion" in meta:
        obj = {k: v for k, v in obj.items()}
        obj["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
    if not checked:
        return deepjson.dumps(obj)
    limit = depth.MAX_DEPTH
    if limit < _ORJSON_LEVELS:
        # orjson refuses the value wrapped in (254 - limit) lists exactly when it is deeper than the limit: the
        # write itself measures it, at C speed (a Python walk of a pod with three managers took 166 us a write)
        pad = _ORJSON_LEVELS - limit
        outer, inner = _wrappers(pad)
        inner[0] = obj
        try:
            return orjson.dumps(outer)[pad:-pad]
        except orjson.JSONEncodeError:
            pass
        finally:
            inner[0] = None
    else:
        data, height = deepjson.dumps_height(obj)
        if height <= limit:
            return data
    raise errors.TooDeep(f"invalid character '{deepjson.bracket_at(obj, limit + 1)}' exceeded max depth")


#: the nesting orjson writes at most
_ORJSON_LEVELS = 254
#: pad -> (the outermost, the innermost) of ``pad`` nested one-item lists, reused by every checked write (the
#: event loop's only; orjson calls no Python while it writes): building them cost 2 us a write
_WRAPPERS: dict[int, tuple[list[Any], list[Any]]] = {}


def _wrappers(pad: int) -> tuple[list[Any], list[Any]]:
    found = _WRAPPERS.get(pad)
    if found is None:
        inner: list[Any] = [None]
        outer = inner
        for _ in range(pad - 1):
            outer = [outer]
        found = _WRAPPERS[pad] = (outer, inner)
    return found


def decode_from_storage(data: bytes, revision: int, key: str = "") -> Obj:
    try:
        obj = deepjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise errors.InternalError(f"unable to decode {key}: {exc}", key) from None
    if not isinstance(obj, dict):
        raise errors.InternalError(f"unable to decode {key}: not an object", key)
    set_resource_version(obj, revision)
    return obj


#: ObjectMeta's fields in Go struct order: kube's JSON writes them in this order
OBJECT_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
_META_AFTER_RV = frozenset(OBJECT_META_ORDER[OBJECT_META_ORDER.index("resourceVersion") + 1 :])


def set_resource_version(obj: Obj, revision: int) -> None:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    if "resourceVersion" in meta:
        meta["resourceVersion"] = str(revision)
        return
    # Insert at kube's position (after uid) so JSON output keeps ObjectMeta field order.
    items = list(meta.items())
    meta.clear()
    placed = False
    for k, v in items:
        if not placed and k in _META_AFTER_RV:
            meta["resourceVersion"] = str(revision)
            placed = True
        meta[k] = v
    if not placed:
        meta["resourceVersion"] = str(revision)


def written(obj: Obj, revision: int) -> Obj:
    """The object just written, as reading it back would give it: ``decode_from_storage(encode_for_storage(obj))``
    without the JSON round trip (30 us for a 3.5 KB pod, twice per write). The caller hands over ``obj``,
    a fresh object nobody else holds."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("resourceVersion", None)
    set_resource_version(obj, revision)
    return obj


def _with_revision(obj: Obj, revision: int) -> Obj:
    """What decoding ``encode_for_storage(obj)`` at ``revision`` gives, without the round trip: a copy with its
    own metadata (the resourceVersion at kube's place), sharing the rest (read-only both)."""
    out = dict(obj)
    meta = obj.get("metadata")
    out["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"} if isinstance(meta, dict) else {}
    set_resource_version(out, revision)
    return out


def _compare_mod(key: bytes, revision: int) -> rpc.Compare:
    return rpc.Compare(key=key, target=rpc.Compare.MOD, result=rpc.Compare.EQUAL, mod_revision=revision)


def _check_unchanged(key: str, current: Obj, data: bytes, rev: int) -> None:
    """AssertionError when ``current`` no longer encodes as ``data`` (its stored form) with revision ``rev``.
    Only with AIOKUBE_CHECK_READONLY=1 (the test suite sets it; read per call, as pytest imports this module
    before the suite's conftest runs): a ``reads_only`` update that changed the object it was given (the watch
    cache's, shared with every reader) then fails instead of corrupting the cache silently."""
    if os.environ.get("AIOKUBE_CHECK_READONLY") != "1":
        return
    if encode_for_storage(current) != encode_for_storage(decode_from_storage(data, rev, key)) or str(
        current.get("metadata", {}).get("resourceVersion")
    ) != str(rev):
        raise AssertionError(f"a reads_only update of {key} changed the object it was given")


async def _resolve(value: Obj | Awaitable[Obj]) -> Obj:
    if inspect.isawaitable(value):
        return await value
    return value


class Store:
    """Create/get/list/update/delete of JSON objects under etcd keys, with optimistic concurrency.

    The objects ``create`` and ``guaranteed_update`` return are handed to the watch cache too (see
    ``written_objects``): read-only for everyone from then on."""

    def __init__(self, client: EtcdClient, offload: Executor | None = None) -> None:
        self.client = client
        #: where a heavy value read from etcd (encoding/weight.py: big or deeply nested) is decoded, so the
        #: event loop is not held by it (a 9,990-level custom resource: ~20 ms); None: where it is read
        self.offload = offload
        #: key → monotonic send times of this server's writes to it, oldest first: the watch cache takes the
        #: oldest when an event for the key arrives (etcd → cache lag of our own writes; events for one key
        #: arrive in commit order, and a lost transaction takes its own entry back)
        self.write_sent: dict[str, deque[float]] = {}
        self._tracked = 0
        #: key -> (revision, object) of this server's latest write to it, for the watch cache to take instead
        #: of decoding the event's value (the same JSON: 15-30 us for a pod, 5 ms for 1 MB). Objects that
        #: writes return are therefore shared with the cache: callers must not change them.
        self.written_objects: dict[str, tuple[int, Obj, int]] = {}
        self._written_bytes = 0
        #: key -> (bytes sent, object) of this server's write in flight: its event may reach the watch cache
        #: before the transaction's response reaches the writer (two gRPC streams; for a 1 MB object about half
        #: of the time, a 1.5-5 ms decode each), so the cache takes the object when the event's value is those
        #: bytes; the writer then offers nothing (``_taken_early``: key -> the revision the cache took)
        self.pending_writes: dict[str, tuple[bytes, Obj]] = {}
        self._taken_early: dict[str, int] = {}
        #: key -> (the object this server last wrote there, as the watch cache holds it; its stored bytes): an
        #: update from the cache's object compares its result with those bytes instead of encoding the object
        #: again (a pod's encoding: 14-33 us of its update or deletion mark, cold)
        self._stored: dict[str, tuple[Obj, bytes]] = {}
        self._stored_bytes = 0
        #: watch caches' prefixes → when this server first wrote under it since the cache last got events
        #: (the cache clears its entry on each response): a cache whose own writes do not come back notices
        self.awaited: dict[str, float] = {}

    def _sending(self, key: str) -> None:
        if self._tracked >= _MAX_WRITES_TRACKED:
            self.write_sent.clear()  # entries of writes whose events went to no cache (or another replica)
            self._tracked = 0
        now = time.monotonic()
        self.write_sent.setdefault(key, deque()).append(now)
        self._tracked += 1
        for prefix in self._prefixes(key):
            if self.awaited.get(prefix, now) == 0.0:
                self.awaited[prefix] = now

    @staticmethod
    def _prefixes(key: str) -> tuple[str, str]:
        """The collection prefixes a key may be under: ``/registry/<res>/`` or ``/registry/<group>/<res>/``."""
        parts = key.split("/", 4)
        return "/".join(parts[:3]) + "/", "/".join(parts[:4]) + "/"

    def _lost(self, key: str) -> None:
        """A write that did not commit: forget its send time (the newest for the key)."""
        for prefix in self._prefixes(key):  # no event will come for it (another write may have set it: a guess)
            if self.awaited.get(prefix):
                self.awaited[prefix] = 0.0
        times = self.write_sent.get(key)
        if times:
            times.pop()
            self._tracked -= 1
            if not times:
                del self.write_sent[key]

    def _pending(self, key: str, data: bytes, obj: Obj) -> None:
        """A write of ``obj`` as ``data`` is about to be sent (see ``pending_writes``)."""
        if len(self.pending_writes) >= _MAX_WRITES_TRACKED:
            self.pending_writes.clear()  # writers that never came back (cancelled): bounded
        self.pending_writes[key] = (data, obj)

    def _sent(self, key: str, data: bytes) -> None:
        """The transaction of the write of ``data`` returned: its pending entry, if the cache left it, goes."""
        pending = self.pending_writes.get(key)
        if pending is not None and pending[0] is data:
            del self.pending_writes[key]

    def _wrote(self, key: str, obj: Obj, data: bytes) -> Obj:
        """Offer a written object (stored as ``data``) to the watch cache, unless the cache took it already
        (``pending_writes``). Entries whose event the cache took before the writer got here wait for the key's
        next event; the whole offer is dropped when it holds too much, so it stays bounded."""
        size = len(data)
        revision = int(obj["metadata"]["resourceVersion"])
        if self._taken_early and self._taken_early.pop(key, None) == revision:
            return obj
        self._remember_stored(key, obj, data)
        if len(self.written_objects) >= _MAX_WRITES_TRACKED or self._written_bytes + size > _MAX_WRITTEN_BYTES:
            self.written_objects.clear()
            self._written_bytes = 0
        self.written_objects[key] = (revision, obj, size)
        self._written_bytes += size
        return obj

    def _remember_stored(self, key: str, obj: Obj, data: bytes) -> None:
        held = self._stored_bytes + len(data)
        if len(self._stored) >= _MAX_WRITES_TRACKED or held > _MAX_STORED_BYTES:
            self._stored.clear()
            held = len(data)
        self._stored[key] = (obj, data)
        self._stored_bytes = held

    def stored_bytes(self, key: str, obj: Obj) -> bytes:
        """``encode_for_storage(obj)`` of an object read from the watch cache: the bytes this server wrote
        when ``obj`` is the object it wrote there (the same object, which nobody changes), else encoded."""
        hit = self._stored.get(key)
        return hit[1] if hit is not None and hit[0] is obj else encode_for_storage(obj)

    def take_written(self, key: str, revision: int, value: bytes | None = None) -> Obj | None:
        """The object this server wrote to ``key`` at ``revision`` (read-only), if it still has it; or, when the
        event came before the write's response, the write in flight whose bytes are the event's ``value``."""
        hit = self.written_objects.get(key)
        if hit is None:
            pending = self.pending_writes.get(key) if value is not None else None
            if pending is None or pending[0] != value:
                return None
            del self.pending_writes[key]
            if len(self._taken_early) >= _MAX_WRITES_TRACKED:
                self._taken_early.clear()
            self._taken_early[key] = revision
            taken = _with_revision(pending[1], revision)  # its own metadata: the writer sets its own after
            self._remember_stored(key, taken, value)
            return taken
        if hit[0] > revision:
            return None
        del self.written_objects[key]
        self._written_bytes -= hit[2]
        return hit[1] if hit[0] == revision else None

    def sent_at(self, key: str) -> float | None:
        """The send time of the oldest uncommitted-event write to ``key`` (taken: each event uses one)."""
        times = self.write_sent.get(key)
        if not times:
            return None
        sent = times.popleft()
        self._tracked -= 1
        if not times:
            del self.write_sent[key]
        return sent

    async def current_revision(self) -> int:
        return await metrics.timed("get", "/registry/", self.client.current_revision())

    async def compact(self, revision: int) -> None:
        await self.client.compact(revision)

    async def create(self, key: str, obj: Obj, *, dry_run: bool = False, offload: Executor | None = None) -> Obj:
        """Write ``obj`` if the key is absent; returns the stored object with its resourceVersion.

        A dry run checks that the key is absent and returns the object as it would be stored, without a
        resourceVersion (kube's DryRunnableStorage). ``offload``: where a heavy object is encoded.
        """
        data = await _encoded(obj, offload)
        bkey = key.encode()
        if dry_run:
            if (await metrics.timed("get", key, self.client.range(bkey, count_only=True))).count:
                raise errors.AlreadyExists(key)
            return deepjson.loads(data)
        self._sending(key)
        self._pending(key, data, obj)
        call = self.client.txn(
            [_compare_mod(bkey, 0)], [rpc.RequestOp(request_put=rpc.PutRequest(key=bkey, value=data))], key=key
        )
        try:
            resp = await metrics.timed("create", key, call)
        finally:
            self._sent(key, data)
        if not resp.succeeded:
            self._lost(key)
            raise errors.AlreadyExists(key)
        return self._wrote(key, written(obj, int(resp.header.revision)), data)

    async def get(self, key: str, *, revision: int = 0, min_revision: int = 0) -> Obj:
        resp = await metrics.timed("get", key, self.client.range(key.encode(), revision=revision))
        if min_revision and resp.header.revision < min_revision:
            raise errors.TooLargeResourceVersion(min_revision, int(resp.header.revision), 0)
        if not resp.kvs:
            raise errors.NotFound(key, int(resp.header.revision))
        kv = resp.kvs[0]
        return await self._decode(kv.value, int(kv.mod_revision), key)

    def _heavy(self, value: bytes) -> bool:
        return self.offload is not None and weight.is_heavy(value)

    async def _decode(self, value: bytes, revision: int, key: str) -> Obj:
        """decode_from_storage, in ``offload`` for a heavy value."""
        if not self._heavy(value):
            return decode_from_storage(value, revision, key)
        return await self._decode_off_loop(value, revision, key)

    async def _decode_off_loop(self, value: bytes, revision: int, key: str) -> Obj:
        return await asyncio.get_running_loop().run_in_executor(self.offload, decode_from_storage, value, revision, key)

    async def _get_state(self, key: str) -> tuple[Obj | None, bytes, int]:
        resp = await metrics.timed("get", key, self.client.range(key.encode()))
        return await self._state_of(resp.kvs, key)

    async def _state_of(self, kvs: Any, key: str) -> tuple[Obj | None, bytes, int]:
        """(object, stored bytes, revision) of a Range's answer for one key, or (None, b"", 0) when absent."""
        if not kvs:
            return None, b"", 0
        kv = kvs[0]
        return await self._decode(kv.value, int(kv.mod_revision), key), kv.value, int(kv.mod_revision)

    async def _lost_txn_state(self, resp: rpc.TxnResponse, key: str) -> tuple[Obj | None, bytes, int]:
        """After a compare that failed: the key's current state, from the txn's "else" Range."""
        return await self._state_of(resp.responses[0].response_range.kvs, key)

    async def guaranteed_update(
        self,
        key: str,
        try_update: UpdateFunc,
        *,
        ignore_not_found: bool = False,
        preconditions: Preconditions | None = None,
        dry_run: bool = False,
        cached: Obj | None = None,
        reads_only: bool = False,
        offload: Executor | None = None,
    ) -> tuple[Obj, bool]:
        """Read-modify-write until the write wins: ``try_update(current)`` returns the new object.

        ``current`` is None when the key is absent and ``ignore_not_found`` is set (create-on-update).
        Errors raised by ``try_update`` propagate (e.g. a Conflict when the client's resourceVersion is
        stale). An update that changes no byte is not written (kube's no-op short cut) and keeps its
        resourceVersion. Returns (object, created). A dry run returns what would be written.

        ``cached``: the object as the watch cache has it (read-only), tried first instead of reading etcd,
        as kube's cachedExistingObject: the transaction's revision check catches a stale one, and a failed
        check, an error from ``try_update`` or a no-op on the cached state are retried on etcd's state
        before they count (an error only when etcd's state is newer: ``try_update``, with the admission it runs,
        is not run twice on the same state). An etcd read and a decode were a sixth of an update's CPU.

        ``reads_only``: ``try_update`` never changes what it is given (nor anything inside it), so it gets the
        current object itself instead of a private copy (a decode: ~5% of a pod update, 4-13% of a 0.9 MB
        ConfigMap's). With AIOKUBE_CHECK_READONLY=1 (the test suite) a change is caught and fails the request.
        ``offload``: where a heavy object is encoded (:func:`_encoded`).
        """
        bkey = key.encode()
        if cached is not None:
            current, data, rev = cached, self.stored_bytes(key, cached), int(cached["metadata"]["resourceVersion"])
            fresh = False
        else:
            current, data, rev = await self._get_state(key)
            fresh = True
        while True:
            try:
                if current is None and not ignore_not_found:
                    raise errors.NotFound(key)
                if preconditions is not None and current is not None:
                    preconditions.check(key, current)
                # try_update may mutate what it gets: hand it a private copy (with its resourceVersion).
                if current is None:
                    existing = None
                elif reads_only:
                    existing = current
                else:
                    existing = await self._decode(data, rev, key)
                updated = await _resolve(try_update(existing))
                if reads_only and current is not None:
                    _check_unchanged(key, current, data, rev)
            except Exception:
                if fresh:
                    raise
                cached_rev = rev
                current, data, rev = await self._get_state(key)
                fresh = True
                if current is not None and rev == cached_rev:
                    raise  # the cached state was etcd's: its error stands (kube does not run try_update again)
                continue
            new_data = await _encoded(updated, offload)
            if current is not None and new_data == data:
                if not fresh:
                    current, data, rev = await self._get_state(key)
                    fresh = True
                    continue
                return current, False
            if dry_run:
                updated = deepjson.loads(new_data)
                if current is not None:
                    set_resource_version(updated, rev)
                return updated, current is None
            self._sending(key)
            self._pending(key, new_data, updated)
            call = self.client.txn(
                [_compare_mod(bkey, rev)],
                [rpc.RequestOp(request_put=rpc.PutRequest(key=bkey, value=new_data))],
                [rpc.RequestOp(request_range=rpc.RangeRequest(key=bkey))],
                key=key,
            )
            try:
                resp = await metrics.timed("update" if current is not None else "create", key, call)
            finally:
                self._sent(key, new_data)
            if resp.succeeded:
                return self._wrote(key, written(updated, int(resp.header.revision)), new_data), current is None
            self._lost(key)
            current, data, rev = await self._lost_txn_state(resp, key)
            fresh = True

    async def delete(
        self,
        key: str,
        *,
        preconditions: Preconditions | None = None,
        validate: Callable[[Obj], None] | None = None,
        dry_run: bool = False,
        known: Obj | None = None,
    ) -> Obj:
        """Delete the key if it still holds the object we checked; returns the deleted object.

        ``known``: the object as just read by the caller (read-only), used instead of reading it again; the
        transaction's revision check still guards it."""
        bkey = key.encode()
        if known is not None:
            current, rev = known, int(known["metadata"]["resourceVersion"])
        else:
            current, _, rev = await self._get_state(key)
        while True:
            if current is None:
                raise errors.NotFound(key)
            if preconditions is not None:
                preconditions.check(key, current)
            if validate is not None:
                validate(current)
            if dry_run:
                return current
            self._sending(key)
            call = self.client.txn(
                [_compare_mod(bkey, rev)],
                [rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=bkey))],
                [rpc.RequestOp(request_range=rpc.RangeRequest(key=bkey))],
                key=key,
            )
            resp = await metrics.timed("delete", key, call)
            if resp.succeeded:
                if current is known:  # the caller's object (maybe the watch cache's too): a copy, new metadata
                    return _with_revision(known, int(resp.header.revision))
                set_resource_version(current, int(resp.header.revision))
                return current
            self._lost(key)
            current, _, rev = await self._lost_txn_state(resp, key)

    async def range_all(self, key_prefix: str, page: int = MAX_PAGE) -> tuple[list[tuple[str, bytes, int]], int]:
        """Every (key, value, mod_revision) under a prefix at one revision, paginated; for cache (re)lists."""
        end = prefix_range_end(key_prefix.encode())
        start = key_prefix.encode()
        revision = 0
        out: list[tuple[str, bytes, int]] = []
        while True:
            resp = await metrics.timed("list", key_prefix, self.client.range(start, end, limit=page, revision=revision))
            revision = revision or int(resp.header.revision)
            out.extend((kv.key.decode(), kv.value, int(kv.mod_revision)) for kv in resp.kvs)
            if not resp.more or not resp.kvs:
                return out, revision
            start = resp.kvs[-1].key + b"\x00"

    async def list(
        self,
        key_prefix: str,
        *,
        limit: int = 0,
        continue_token: str = "",
        revision: int = 0,
        min_revision: int = 0,
        predicate: Predicate | None = None,
    ) -> ListResult:
        """Range over ``key_prefix`` (ending in '/'), as kube's etcd3 GetList.

        ``revision`` reads at an exact revision (0 = latest); ``min_revision`` enforces "not older than".
        With ``limit``, pages are filled to ``limit`` matching items, fetching more as selectors drop
        objects, and a continue token carries (revision, next key) for the next page.
        """
        start = key_prefix
        if continue_token:
            start, continue_rv = decode_continue(continue_token, key_prefix)
            revision = continue_rv if continue_rv > 0 else 0
        range_end = prefix_range_end(key_prefix.encode())
        page = limit
        items: list[Obj] = []
        has_more = False
        last_key = b""
        count = fetched = evaluated = 0
        bstart = start.encode()
        while True:
            try:
                resp = await metrics.timed(
                    "list", key_prefix, self.client.range(bstart, range_end, limit=page, revision=revision)
                )
            except errors.Compacted:
                if continue_token:
                    token = encode_continue(start, key_prefix, -1)
                    raise errors.Compacted(_CONTINUE_EXPIRED, continue_token=token) from None
                raise errors.Compacted(LIST_EXPIRED) from None
            except errors.TooLargeResourceVersion:
                current = await self.current_revision()
                raise errors.TooLargeResourceVersion(revision, current, 0) from None
            if min_revision and resp.header.revision < min_revision:
                raise errors.TooLargeResourceVersion(min_revision, int(resp.header.revision), 0)
            has_more = bool(resp.more)
            count = int(resp.count)
            kvs = resp.kvs
            taken_all = True
            fetched += len(kvs)
            for kv in kvs:
                if limit and len(items) >= limit:
                    has_more = True
                    taken_all = False
                    break
                last_key = kv.key
                value, mod, item_key = kv.value, int(kv.mod_revision), kv.key.decode()
                if self._heavy(value):
                    obj = await self._decode_off_loop(value, mod, item_key)
                else:  # no coroutine per item: a LIST from etcd may hold 10,000
                    obj = decode_from_storage(value, mod, item_key)
                evaluated += 1
                if predicate is None or predicate(obj):
                    items.append(obj)
            if revision == 0:
                revision = int(resp.header.revision)
            if not has_more or not limit or len(items) >= limit or not taken_all:
                break
            page = min(page * 2, MAX_PAGE) if page < MAX_PAGE else page
            bstart = last_key + b"\x00"
        metrics.record_list(key_prefix, fetched, evaluated, len(items))
        result = ListResult(items=items, revision=revision)
        if has_more and limit:
            result.continue_token = encode_continue(last_key.decode() + "\x00", key_prefix, revision)
            if predicate is None:
                result.remaining_item_count = count - limit
        return result
