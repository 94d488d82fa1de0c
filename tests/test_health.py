"""/healthz, /livez, /readyz with kube's named checks and texts; etcd outages; graceful shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from tests.conftest import API

READYZ_CHECKS = [
    "ping",
    "log",
    "etcd",
    "etcd-readiness",
    "informer-sync",
    "poststarthook/start-system-namespaces-controller",
    "poststarthook/crd-informer-synced",
    "shutdown",
]


async def test_verbose_lists_named_checks(api: API) -> None:
    status, text, headers = await api.get("/readyz", params={"verbose": ""})
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=utf-8" and headers["X-Content-Type-Options"] == "nosniff"
    assert text == "".join(f"[+]{name} ok\n" for name in READYZ_CHECKS) + "readyz check passed\n"
    status, text, _ = await api.get("/livez", params={"verbose": "1"})
    assert status == 200 and text.startswith("[+]ping ok\n[+]log ok\n[+]etcd ok\n")
    assert text.endswith("livez check passed\n") and "shutdown" not in text
    for path in ("/healthz", "/livez", "/readyz"):
        assert (await api.get(path))[:2] == (200, "ok")


async def test_single_checks_and_exclusions(api: API) -> None:
    assert (await api.get("/readyz/etcd"))[:2] == (200, "ok")
    assert (await api.get("/readyz/poststarthook/crd-informer-synced"))[:2] == (200, "ok")
    assert (await api.get("/livez/shutdown"))[:2] == (404, "404 page not found\n")
    status, text, _ = await api.get("/readyz?verbose&exclude=etcd&exclude=nonesuch")
    assert status == 200
    assert "[+]etcd excluded: ok\n" in text and "[+]etcd-readiness ok\n" in text
    assert 'warn: some health checks cannot be excluded: no matches for "nonesuch"\n' in text


@pytest.fixture
async def own_etcd(tmp_path: Path) -> AsyncIterator[EmbeddedEtcd]:
    etcd = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await etcd.start()
    yield etcd
    await etcd.stop()


async def test_etcd_outage_flips_checks_and_recovers(own_etcd: EmbeddedEtcd) -> None:
    server = APIServer(ServerConfig(port=0, etcd_servers=[own_etcd.client_url], etcd_request_timeout=1.0,
                                    compaction_interval=0))  # fmt: skip
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = API(session, server.url)
            own_etcd.kill()
            await asyncio.sleep(1.1)  # past the one-second cache of the last good probe
            status, text, _ = await api.get("/readyz")
            assert status == 500
            assert "[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\n" in text
            assert text.endswith("readyz check failed\n") and "[+]informer-sync ok\n" in text
            assert (await api.get("/livez"))[0] == 500
            status, text, _ = await api.get("/readyz/etcd")
            assert status == 500 and text.startswith("internal server error: etcd unavailable: ")
            assert text.removeprefix("internal server error: etcd unavailable: ").strip()  # a reason, never empty
            await own_etcd.start()
            for _ in range(100):
                if (await api.get("/readyz"))[0] == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await api.get("/readyz"))[:2] == (200, "ok")
            assert (await api.get("/livez/etcd"))[:2] == (200, "ok")
    finally:
        await server.stop()


async def test_graceful_shutdown(own_etcd: EmbeddedEtcd) -> None:
    """readyz fails first while requests are still served, watches end cleanly, in-flight requests finish."""
    server = APIServer(ServerConfig(port=0, etcd_servers=[own_etcd.client_url], compaction_interval=0,
                                    shutdown_delay=1.0, shutdown_timeout=10.0))  # fmt: skip
    await server.start()
    async with aiohttp.ClientSession() as session:
        api = API(session, server.url)
        status, listed, _ = await api.get("/api/v1/namespaces/default/configmaps")
        assert status == 200
        watch = await session.get(
            server.url + "/api/v1/namespaces/default/configmaps",
            params={"watch": "1", "resourceVersion": listed["metadata"]["resourceVersion"]},
        )
        assert watch.status == 200
        future_rv = str(int(listed["metadata"]["resourceVersion"]) + 1000)
        # in flight when shutdown begins: waits up to 3 s for a resourceVersion the cache never reaches
        slow = asyncio.create_task(api.get("/api/v1/namespaces/default/configmaps", params={
            "resourceVersion": future_rv, "resourceVersionMatch": "NotOlderThan"}))  # fmt: skip
        await asyncio.sleep(0.2)
        stopping = asyncio.create_task(server.stop())
        await asyncio.sleep(0.3)
        status, text, _ = await api.get("/readyz?verbose")
        assert status == 500 and "[-]shutdown failed: reason withheld\n" in text
        assert (await api.get("/livez"))[0] == 200  # alive, just not ready
        assert (await api.get("/api/v1/namespaces/default/configmaps"))[0] == 200  # still serving
        rest = await asyncio.wait_for(watch.content.read(), 10)  # the stream ends without an error
        assert rest == b""
        watch.release()
        status, body, _ = await slow
        assert status == 504 and body["reason"] == "Timeout"  # answered, not cut off
        await asyncio.wait_for(stopping, 20)
        with pytest.raises(aiohttp.ClientConnectionError):
            await api.get("/readyz")
