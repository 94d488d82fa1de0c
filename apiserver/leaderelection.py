"""Leader election on a ``coordination.k8s.io/v1`` Lease, as client-go's leaderelection package does it, so
work that must happen once (the in-process controllers) runs on one replica of many sharing an etcd.

Semantics kept from client-go: a lease is free when its holder is empty or when the holder has not renewed it
for ``lease_duration`` *as observed locally* (the time this replica last saw the record change, never the
record's own timestamps, so clock skew between machines does not matter); a leader renews every
``retry_period`` and steps down when it could not renew for ``renew_deadline``; ``leaseTransitions`` counts
changes of holder; a leader that stops releases the lease (holder emptied) so another takes over at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.store import GenericStore
from aiokube.storage import errors as serr

log = logging.getLogger("aiokube.leaderelection")
Obj = dict[str, Any]


@dataclass(frozen=True)
class LeaseTimings:
    """kube-controller-manager's defaults: 15 s lease, renew within 10 s, retry every 2 s."""

    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


def micro_time(t: float | None = None) -> str:
    """metav1.MicroTime's wire form."""
    return datetime.fromtimestamp(time.time() if t is None else t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_identity(uid: str = "") -> str:
    """client-go's default holder identity: hostname plus a fresh UUID (unique per process start). The server
    passes the UUID of its identity Lease's holder, so a client can tell which replica leads."""
    return f"{socket.gethostname()}_{uid or uuid.uuid4()}"


class LeaderElector:
    """Holds ``kube-system/<name>`` while ``run`` runs, calling ``lead()`` (a coroutine that runs the work and
    is cancelled on losing the lease) whenever this replica becomes the leader."""

    def __init__(
        self,
        store: GenericStore,
        name: str,
        identity: str,
        timings: LeaseTimings = LeaseTimings(),
        namespace: str = "kube-system",
    ) -> None:
        info = store.registry.get("coordination.k8s.io", "v1", "leases")
        assert info is not None
        self.store, self.info = store, info
        self.name, self.namespace, self.identity, self.timings = name, namespace, identity, timings
        self.is_leader = False
        #: the last record seen and when (monotonic) it last changed: expiry is judged from local observation
        self._observed: Obj | None = None
        self._observed_at = 0.0

    async def run(self, lead: Callable[[], Awaitable[None]]) -> None:
        try:
            while True:
                await self._acquire()
                work = asyncio.create_task(lead())
                try:
                    await self._renew_until_lost(work)
                finally:
                    self.is_leader = False
                    work.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await work
        finally:
            if self.is_leader or self._holder() == self.identity:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._release())

    def _holder(self) -> str:
        return str(((self._observed or {}).get("spec") or {}).get("holderIdentity") or "")

    async def _acquire(self) -> None:
        while True:
            if await self._try_acquire_or_renew():
                break
            await asyncio.sleep(self.timings.retry_period)
        self.is_leader = True
        log.info("%s: became leader of lease %s/%s", self.identity, self.namespace, self.name)

    async def _renew_until_lost(self, work: asyncio.Task[None]) -> None:
        last_renew = time.monotonic()
        while not work.done():
            await asyncio.sleep(self.timings.retry_period)
            if await self._try_acquire_or_renew():
                last_renew = time.monotonic()
            elif time.monotonic() - last_renew > self.timings.renew_deadline or self._holder() != self.identity:
                log.warning("%s: lost lease %s/%s", self.identity, self.namespace, self.name)
                return

    async def _try_acquire_or_renew(self) -> bool:
        now = time.time()
        spec = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.timings.lease_duration),
            "acquireTime": micro_time(now),
            "renewTime": micro_time(now),
            "leaseTransitions": 0,
        }
        try:
            current = await self.store.get_current(self.info, self.namespace, self.name)
        except StatusError as exc:
            if exc.code != 404:
                return False
            body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace}, "spec": spec}  # fmt: skip
            try:
                self._see(await self.store.create_object(self.info, body))
            except StatusError:
                return False
            return True
        self._see(current)
        old = current.get("spec") or {}
        holder = old.get("holderIdentity") or ""
        expired = time.monotonic() > self._observed_at + float(old.get("leaseDurationSeconds") or 0)
        if holder and holder != self.identity and not expired:
            return False
        if holder == self.identity:
            spec["acquireTime"] = old.get("acquireTime", spec["acquireTime"])
            spec["leaseTransitions"] = old.get("leaseTransitions", 0)
        else:
            spec["leaseTransitions"] = int(old.get("leaseTransitions") or 0) + 1
        return await self._write(current, spec)

    async def _write(self, current: Obj, spec: Obj) -> bool:
        rv = current["metadata"].get("resourceVersion")

        async def replace(existing: Obj | None) -> Obj:
            if existing is None or existing["metadata"].get("resourceVersion") != rv:
                raise StatusError(409, "Conflict", "the lease changed")  # someone else wrote it first
            return {**existing, "spec": {**(existing.get("spec") or {}), **spec}}

        try:
            updated, _ = await self.store.update(
                self.info, self.namespace, self.name, replace, subresource="", allow_create=False,
                preconditions=None, dry_run=False, manager="aiokube-leader-election",
            )  # fmt: skip
        except StatusError:
            return False
        self._see(updated)
        return True

    def _see(self, record: Obj) -> None:
        if self._observed is None or (record.get("spec") or {}) != (self._observed.get("spec") or {}):
            self._observed_at = time.monotonic()
        self._observed = record

    async def _release(self) -> None:
        """Give the lease up (holder emptied, a 1 s duration) so another replica takes it at once."""
        if self._observed is None:
            return
        spec = {"holderIdentity": None, "leaseDurationSeconds": 1, "acquireTime": None, "renewTime": micro_time()}
        await self._write(self._observed, spec)
        log.info("%s: released lease %s/%s", self.identity, self.namespace, self.name)


#: kube-apiserver's identity lease (pkg/controlplane/apiserver/server.go): one per replica, renewed every 10 s
IDENTITY_LABEL = "apiserver.kubernetes.io/identity"
IDENTITY_LEASE_SECONDS = 3600
IDENTITY_RENEW_SECONDS = 10.0


def apiserver_id(hostname: str, component: str = "kube-apiserver") -> str:
    """kube's APIServerID: ``apiserver-`` and the lower-case unpadded base32 of the first 16 bytes of the
    SHA-256 of the length-prefixed hostname and component name (so clients can count replicas by lease)."""
    data = b"".join(len(part).to_bytes(2, "big") + part for part in (hostname.encode(), component.encode()))
    return "apiserver-" + base64.b32encode(hashlib.sha256(data).digest()[:16]).decode().rstrip("=").lower()


async def run_identity_lease(
    store: GenericStore, hostname: str, replica: str, period: float = IDENTITY_RENEW_SECONDS, uid: str = ""
) -> None:
    """Create, then renew, ``kube-system/<apiserver id>`` (holder ``<id>_<uuid>``, 3600 s, kube's labels). kube
    hashes the hostname; ``replica`` is that, or ``<hostname>/worker-<i>`` for the workers of one machine."""
    info = store.registry.get("coordination.k8s.io", "v1", "leases")
    assert info is not None
    name = apiserver_id(replica)
    holder = f"{name}_{uid or uuid.uuid4()}"
    labels = {IDENTITY_LABEL: "kube-apiserver", "kubernetes.io/hostname": hostname}

    async def renewed(existing: Obj | None) -> Obj:
        base = existing or {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                            "metadata": {"name": name, "namespace": "kube-system"}}  # fmt: skip
        md = {**base["metadata"], "labels": {**(base["metadata"].get("labels") or {}), **labels}}
        spec = {"holderIdentity": holder, "leaseDurationSeconds": IDENTITY_LEASE_SECONDS, "renewTime": micro_time()}
        return {**base, "metadata": md, "spec": {**(base.get("spec") or {}), **spec}}

    while True:
        with contextlib.suppress(StatusError):
            await store.update(
                info, "kube-system", name, renewed, subresource="", allow_create=True, preconditions=None,
                dry_run=False, manager="kube-apiserver",
            )  # fmt: skip
        await asyncio.sleep(period)


#: kube's IdentityLeaseGCPeriod: every replica looks for expired identity Leases once an hour
IDENTITY_GC_SECONDS = 3600.0


def identity_lease_expired(lease: Obj, now: float) -> bool:
    """kube's isLeaseExpired: no renewTime or duration (invalid: collected too), or renewTime + duration past."""
    spec = lease.get("spec") or {}
    renew, duration = spec.get("renewTime"), spec.get("leaseDurationSeconds")
    if renew is None or duration is None:
        return True
    try:
        renewed = datetime.fromisoformat(str(renew)).timestamp()
    except ValueError:
        return True
    return renewed + float(duration) < now


async def collect_identity_leases(store: GenericStore, now: Callable[[], float] = time.time) -> list[str]:
    """One pass of kube's apiserver lease garbage collector: delete the expired identity Leases of
    ``kube-system`` (replicas that went away), each checked again against etcd just before. Returns the names
    deleted. A lease another replica's collector deleted first is no error (every replica runs this)."""
    info = store.registry.get("coordination.k8s.io", "v1", "leases")
    assert info is not None
    deleted = []
    for lease in (await store.storage.list(info.collection_key("kube-system"))).items:
        md = lease["metadata"]
        if (md.get("labels") or {}).get(IDENTITY_LABEL) != "kube-apiserver" or not identity_lease_expired(lease, now()):
            continue
        try:
            current = await store.get_current(info, "kube-system", md["name"])
            if identity_lease_expired(current, now()):
                await store.delete(info, "kube-system", md["name"], DeleteOptions())
                deleted.append(md["name"])
        except StatusError as exc:
            if exc.code != 404:
                raise
    return deleted


async def run_identity_lease_gc(store: GenericStore, period: float = IDENTITY_GC_SECONDS) -> None:
    """kube's start-kube-apiserver-identity-lease-garbage-collector: a pass now, then every ``period``."""
    while True:
        try:
            for name in await collect_identity_leases(store):
                log.info("deleted expired apiserver identity lease kube-system/%s", name)
        except (StatusError, serr.StorageError) as exc:
            log.warning("apiserver identity lease garbage collection failed: %s", exc)
        await asyncio.sleep(period)
