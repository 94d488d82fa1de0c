"""Two replicas on one etcd: the controllers run on the holder of the ``aiokube-controllers`` Lease only, and
the other replica takes over when the leader stops (released lease) or dies (expired lease)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from aiokube.apiserver.leaderelection import IDENTITY_LABEL, LeaseTimings, apiserver_id, micro_time
from aiokube.apiserver.server import CONTROLLERS_LEASE, APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from tests.conftest import API

FAST = LeaseTimings(lease_duration=2.0, renew_deadline=1.5, retry_period=0.2)
LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"


@pytest.fixture
async def own_etcd(tmp_path: Path) -> AsyncIterator[EmbeddedEtcd]:
    etcd = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await etcd.start()
    yield etcd
    await etcd.stop()


async def replica(etcd: EmbeddedEtcd, tmp_path: Path, name: str) -> APIServer:
    config = ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0,
                          data_dir=str(tmp_path / name), lease_timings=FAST)  # fmt: skip
    server = APIServer(config)
    await server.start()
    return server


async def wait_for(check, seconds: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``check()`` is true (fails after ``seconds``)."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < seconds, "timed out"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def test_one_leader_and_failover(own_etcd: EmbeddedEtcd, tmp_path: Path) -> None:
    a = await replica(own_etcd, tmp_path, "a")
    b = await replica(own_etcd, tmp_path, "b")
    servers = [a, b]
    try:
        async with aiohttp.ClientSession() as session:

            async def one_leader() -> bool:
                return sum(bool(s.elector and s.elector.is_leader) for s in servers) == 1

            await wait_for(one_leader, 10)
            leader = next(s for s in servers if s.elector and s.elector.is_leader)
            follower = b if leader is a else a
            api = API(session, follower.url)
            status, lease, _ = await api.get(f"{LEASES}/{CONTROLLERS_LEASE}")
            assert status == 200 and lease["spec"]["holderIdentity"] == leader.elector.identity  # type: ignore[union-attr]
            assert lease["spec"]["leaseDurationSeconds"] == 2

            # the identity lease kube-apiserver keeps per replica (same host: same name, as in kube)
            status, identity, _ = await api.get(f"{LEASES}/{apiserver_id(socket.gethostname())}")
            assert status == 200 and identity["metadata"]["labels"][IDENTITY_LABEL] == "kube-apiserver"
            assert identity["spec"]["leaseDurationSeconds"] == 3600

            # a namespace deleted through the follower is emptied and removed by the leader's controller
            await api.post("/api/v1/namespaces", {"metadata": {"name": "gone-one"}})
            await api.post("/api/v1/namespaces/gone-one/configmaps", {"metadata": {"name": "c"}})
            assert (await api.delete("/api/v1/namespaces/gone-one"))[0] == 200
            assert await api.gone("/api/v1/namespaces/gone-one", 10)

            # the leader dies without releasing: the follower takes over once the lease expires
            assert leader.elector is not None
            leader.elector._release = _no_release  # type: ignore[method-assign]
            await leader.stop()
            servers.remove(leader)
            took = await wait_for(lambda: _leads(follower), 10)
            assert took >= FAST.lease_duration - FAST.retry_period * 2  # it waited for the expiry
            _, lease, _ = await api.get(f"{LEASES}/{CONTROLLERS_LEASE}")
            assert lease["spec"]["leaseTransitions"] >= 1
            await api.post("/api/v1/namespaces", {"metadata": {"name": "gone-two"}})
            assert (await api.delete("/api/v1/namespaces/gone-two"))[0] == 200
            assert await api.gone("/api/v1/namespaces/gone-two", 10)

            # a graceful stop releases at once: a new replica leads well before the lease would expire
            c = await replica(own_etcd, tmp_path, "c")
            servers.append(c)
            await follower.stop()
            servers.remove(follower)
            # released as it stopped (not left to expire): the Lease no longer names it, whoever holds it next
            _, lease, _ = await API(session, c.url).get(f"{LEASES}/{CONTROLLERS_LEASE}")
            assert lease["spec"].get("holderIdentity") in (None, c.elector.identity)  # type: ignore[union-attr]
            await wait_for(lambda: _leads(c), 10)
    finally:
        for server in servers:
            await server.stop()


async def _no_release() -> None:
    return None


async def _leads(server: APIServer) -> bool:
    return bool(server.elector and server.elector.is_leader)


async def test_expired_identity_leases_are_collected(own_etcd: EmbeddedEtcd, tmp_path: Path) -> None:
    """kube's apiserver lease garbage collector, in every replica: identity Leases (kube-system, labelled
    apiserver.kubernetes.io/identity=kube-apiserver) whose renewTime + leaseDurationSeconds is past are deleted,
    or that lack either; live ones, other labels and other namespaces stay."""
    config = ServerConfig(port=0, etcd_servers=[own_etcd.client_url], compaction_interval=0,
                          data_dir=str(tmp_path / "gc"), lease_timings=FAST, identity_lease_gc_period=0.3)  # fmt: skip
    server = APIServer(config)
    await server.start()
    now = time.time()

    def lease(name: str, renewed: float | None, duration: int | None, labels: dict[str, str]) -> dict:
        spec: dict = {"holderIdentity": f"{name}_x"}
        if renewed is not None:
            spec["renewTime"] = micro_time(renewed)
        if duration is not None:
            spec["leaseDurationSeconds"] = duration
        return {"metadata": {"name": name, "labels": labels}, "spec": spec}

    ident = {IDENTITY_LABEL: "kube-apiserver"}
    try:
        async with aiohttp.ClientSession() as session:
            api = API(session, server.url)
            cases = {
                "apiserver-gone": (lease("apiserver-gone", now - 3700, 3600, ident), False),
                "apiserver-no-renew": (lease("apiserver-no-renew", None, 3600, ident), False),
                "apiserver-alive": (lease("apiserver-alive", now - 60, 3600, ident), True),
                "other-expired": (lease("other-expired", now - 3700, 3600, {IDENTITY_LABEL: "other"}), True),
                "unlabelled": (lease("unlabelled", now - 3700, 3600, {}), True),
            }
            for body, _ in cases.values():
                assert (await api.post(LEASES, body))[0] == 201
            body = lease("apiserver-elsewhere", now - 3700, 3600, ident)
            assert (await api.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", body))[0] == 201

            async def collected() -> bool:
                return (await api.get(f"{LEASES}/apiserver-gone"))[0] == 404

            await wait_for(collected, 10)
            for name, (_, kept) in cases.items():
                status = (await api.get(f"{LEASES}/{name}"))[0]
                assert status == (200 if kept else 404), (name, status)
            elsewhere = "/apis/coordination.k8s.io/v1/namespaces/default/leases/apiserver-elsewhere"
            assert (await api.get(elsewhere))[0] == 200
            # this replica's own identity Lease is renewed, never collected
            assert (await api.get(f"{LEASES}/{apiserver_id(socket.gethostname())}"))[0] == 200
    finally:
        await server.stop()
