"""Periodic etcd compaction, coordinated across apiserver replicas exactly as kube does it.

kube-apiserver (k8s.io/apiserver/pkg/storage/etcd3/compact.go) keeps a counter key ``compact_rev_key``:
every interval each replica runs a transaction "if the key's version is still what I saw last time, put
the revision I saw last time and compact to it". Only one replica per interval wins, and what gets
compacted is always at least one interval old, so watchers have one interval to catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aetcd import rpc

from . import errors
from .etcd import EtcdClient

log = logging.getLogger(__name__)

COMPACT_REV_KEY = b"compact_rev_key"


async def compact_once(client: EtcdClient, last_version: int, last_revision: int) -> tuple[int, int]:
    """One round of kube's algorithm; returns (version of compact_rev_key, current revision)."""
    resp = await client.txn(
        [rpc.Compare(key=COMPACT_REV_KEY, target=rpc.Compare.VERSION, result=rpc.Compare.EQUAL, version=last_version)],
        [rpc.RequestOp(request_put=rpc.PutRequest(key=COMPACT_REV_KEY, value=str(last_revision).encode()))],
        [rpc.RequestOp(request_range=rpc.RangeRequest(key=COMPACT_REV_KEY))],
    )
    current = int(resp.header.revision)
    if not resp.succeeded:
        kvs = resp.responses[0].response_range.kvs
        return (int(kvs[0].version) if kvs else 0), current
    if last_revision:
        with contextlib.suppress(errors.Compacted):  # another replica or an operator got there first
            await client.compact(last_revision)
            log.info("compacted etcd to revision %d", last_revision)
    return last_version + 1, current


async def run_compactor(client: EtcdClient, interval: float) -> None:
    """Compact every ``interval`` seconds until cancelled; 0 disables it."""
    if interval <= 0:
        return
    version, revision = 0, 0
    while True:
        try:
            version, revision = await compact_once(client, version, revision)
        except errors.StorageError as exc:
            log.warning("etcd compaction failed: %s", exc)
        await asyncio.sleep(interval)
