"""Every key under a prefix as it was at one moment, and the etcd writes that bring the prefix back to it.

For test harnesses (``aiokube.apiserver.testing``): between tests the store goes back to what it held after
the server started, with one keys-only range and a write per key that differs, instead of a new etcd and a new
server (a restart costs ~0.6 s and drops every watch). The writes are ordinary etcd writes, so watch caches
and their watchers see ordinary events: DELETED for what a test created, MODIFIED or ADDED for what it
changed or deleted. Values are kept in memory (a few hundred objects: a few hundred KB), so compaction of
the revisions in between does not matter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aetcd import rpc

from .etcd import EtcdClient
from .keys import prefix_range_end

#: writes in flight at once (etcd takes concurrent single-key transactions well)
CONCURRENCY = 64
PAGE = 10_000
NAMESPACES = b"/registry/namespaces/"


@dataclass
class Restored:
    """What one restore did: keys deleted (created since the snapshot) and put back (changed or deleted since),
    the revision of each write and how long it took."""

    deleted: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    revisions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def keys(self) -> list[str]:
        return self.deleted + self.restored


@dataclass
class KeySnapshot:
    """The values and mod revisions of every key under ``prefix`` at ``revision``. ``keep`` names keys a
    restore leaves alone whatever happened to them (leases the server itself renews, for instance)."""

    prefix: bytes
    revision: int
    values: dict[bytes, bytes]
    #: mod revision of each key as last written by the snapshot's world: set on capture, moved by restores
    mods: dict[bytes, int]
    keep: Callable[[bytes], bool] = lambda key: False

    @classmethod
    async def take(cls, client: EtcdClient, prefix: str, keep: Callable[[bytes], bool] | None = None) -> KeySnapshot:
        start = prefix.encode()
        end = prefix_range_end(start)
        values: dict[bytes, bytes] = {}
        mods: dict[bytes, int] = {}
        revision = 0
        while True:
            resp = await client.range(start, end, limit=PAGE, revision=revision)
            revision = revision or int(resp.header.revision)
            for kv in resp.kvs:
                values[kv.key] = kv.value
                mods[kv.key] = int(kv.mod_revision)
            if not resp.more or not resp.kvs:
                break
            start = resp.kvs[-1].key + b"\x00"
        return cls(prefix.encode(), revision, values, mods, keep or (lambda key: False))

    async def _current(self, client: EtcdClient) -> dict[bytes, int]:
        """key -> mod revision of every key under the prefix now (keys only: no values cross the wire)."""
        start, end = self.prefix, prefix_range_end(self.prefix)
        out: dict[bytes, int] = {}
        revision = 0
        while True:
            resp = await client.range(start, end, limit=PAGE, revision=revision, keys_only=True)
            revision = revision or int(resp.header.revision)
            out.update((kv.key, int(kv.mod_revision)) for kv in resp.kvs)
            if not resp.more or not resp.kvs:
                return out
            start = resp.kvs[-1].key + b"\x00"

    async def restore(
        self,
        client: EtcdClient,
        concurrency: int = CONCURRENCY,
        namespaces_gone: Callable[[int], Awaitable[None]] | None = None,
    ) -> Restored:
        """Delete the keys created since the snapshot and put back those changed or deleted since, one key per
        write: a revision is one object's resourceVersion, and watch caches and clients resume after a
        revision, so two objects written in one transaction would hide one of them from a resumed watch.
        Namespaces go first, then ``namespaces_gone(revision)`` (a server waits there until its namespace cache
        has seen them go), so in-process controllers that act per namespace (ServiceAccounts, the root CA)
        find the namespace gone rather than re-creating what a later write deletes."""
        started = time.perf_counter()
        current = await self._current(client)
        deletes = [k for k in current if k not in self.values and not self.keep(k)]
        puts = [k for k, v in self.values.items() if current.get(k) != self.mods[k] and not self.keep(k)]
        done = Restored(deleted=[k.decode() for k in deletes], restored=[k.decode() for k in puts])
        first = [k for k in deletes if k.startswith(NAMESPACES)]
        rest = [k for k in deletes if not k.startswith(NAMESPACES)]
        gate = asyncio.Semaphore(concurrency)

        async def write(key: bytes) -> None:
            if key in self.values:
                op = rpc.RequestOp(request_put=rpc.PutRequest(key=key, value=self.values[key]))
            else:
                op = rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=key))
            async with gate:
                resp = await client.txn([], [op], key=key.decode())
            revision = int(resp.header.revision)
            if key in self.values:
                self.mods[key] = revision  # what this restore wrote is the snapshot's state from now on
            done.revisions[key.decode()] = revision

        await asyncio.gather(*(write(k) for k in first))
        if first and namespaces_gone is not None:
            await namespaces_gone(max(done.revisions.values()))
        await asyncio.gather(*(write(k) for k in rest + puts))
        done.seconds = time.perf_counter() - started
        return done


