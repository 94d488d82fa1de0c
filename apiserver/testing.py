"""A real aiokube for tests of controllers and operators: ready ~0.6 s after the call, reset in milliseconds.

``aiokube.apiserver.testing`` because it assembles an APIServer, and only entry points may import the server
(tests/test_layers.py): it is one, for test code, as ``cli.py`` is for the shell. It needs no pytest; the
pytest plugin (fixtures) is ``aiokube.apiserver.pytest_plugin``.

- ``with server() as srv:`` runs the server on an event loop of its own, in a thread, so synchronous clients
  (the ``kubernetes`` package, kubectl) and any event loop of the caller's (kopf, ``kubernetes_asyncio``,
  lightkube) can talk to it while it serves.
- ``async with serve() as srv:`` runs it on the caller's running loop (the caller must keep the loop free:
  a blocking call in it stalls the server too).

Why in-process rather than ``aiokube serve`` in a child: the child pays a second interpreter and every import
again (~1 s) before its own start, and a reset needs the server's watch caches to know when they have seen
it. Why a fresh etcd on a temporary data dir: etcd on an empty dir is ready in ~0.1 s (with the embedded
etcd's short election timeout) and the ~190 bootstrap objects are written concurrently in ~0.1 s; a copied
prepared data dir would save that at the price of copying etcd's preallocated 64 MB write-ahead log.

The reset (``srv.reset()``) returns the store to the snapshot taken once the server settled after start
(``storage/snapshot.py``): keys created since are deleted, keys changed or deleted since are written back,
through etcd like any writer, so the watch caches and every watcher see DELETED/MODIFIED/ADDED events;
it returns once the caches of those resources have applied them. The leases in ``kube-system`` (the
server's identity lease, renewed every few seconds) are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import importlib.util
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

from aiokube.apiserver.authentication import kubeconfig, pki
from aiokube.apiserver.secureserving import ADMIN_KUBECONFIG, SecurityConfig
from aiokube.apiserver.server import SYSTEM_NAMESPACES, APIServer, ServerConfig
from aiokube.storage import keys
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.snapshot import KeySnapshot, Restored
from aiokube.watchcache.cacher import Cacher

#: uvloop where it is built, as ``aiokube serve`` runs (the server thread's loop)
uvloop = importlib.import_module("uvloop") if importlib.util.find_spec("uvloop") else None

T = TypeVar("T")
#: leases the server renews itself: a reset leaves them alone
SERVER_LEASES = b"/registry/leases/kube-system/"
SETTLE_TIMEOUT = 10.0
#: how long etcd's revision must hold still after start for the server to count as settled
QUIET = 0.03


@dataclasses.dataclass(frozen=True)
class Options:
    """How to run the test server. ``etcd_servers``: an etcd to use instead of an embedded one on a temporary
    data dir (its ``/registry`` is shared with whatever else it holds: one test session at a time).
    ``authorization_modes``: of the HTTPS port (the plain-HTTP port always has full access)."""

    etcd_servers: tuple[str, ...] = ()
    data_dir: str | None = None
    authorization_modes: tuple[str, ...] = ("RBAC",)
    publish_root_ca: bool = True


class KubeServer:
    """A started aiokube on the current event loop: where it listens, its kubeconfig, snapshot and reset.

    ``url`` is the plain-HTTP loopback port (full access, no credentials); ``secure_url`` the HTTPS port with
    kube's authentication and RBAC; ``kubeconfig`` the admin's kubeconfig for it (a client certificate in
    ``system:masters``): what kubectl, ``kubernetes``, ``kubernetes_asyncio``, lightkube and kopf load."""

    def __init__(self, apiserver: APIServer, etcd: EmbeddedEtcd | None, data_dir: Path, temporary: bool) -> None:
        self.apiserver = apiserver
        self.etcd = etcd
        self.data_dir = data_dir
        self._temporary = temporary
        self.url = apiserver.url
        self.secure_url = apiserver.secure_url
        self.kubeconfig = data_dir / ADMIN_KUBECONFIG
        self.etcd_url = etcd.client_url if etcd is not None else ",".join(apiserver.config.etcd_servers)
        self.start_seconds = 0.0
        self.initial: KeySnapshot | None = None

    @classmethod
    async def start(cls, options: Options | None = None) -> KubeServer:
        """Start etcd (unless ``options.etcd_servers``) and the server, wait until it settled, snapshot it."""
        opts = options or Options()
        started = time.perf_counter()
        temporary = opts.data_dir is None
        data_dir = Path(opts.data_dir or tempfile.mkdtemp(prefix="aiokube-test-")).absolute()  # noqa: ASYNC240
        etcd: EmbeddedEtcd | None = None
        apiserver: APIServer | None = None
        endpoints = list(opts.etcd_servers)
        try:
            if not endpoints:
                etcd = EmbeddedEtcd(data_dir, unsafe_no_fsync=True)
                etcd.launch()  # boots while the server prepares its PKI and compiles its plans
                endpoints = [etcd.client_url]
            security = SecurityConfig(secure_port=0, authorization_modes=list(opts.authorization_modes))
            config = ServerConfig(port=0, etcd_servers=endpoints, data_dir=str(data_dir), leader_election=False,
                                  publish_root_ca=opts.publish_root_ca, security=security)  # fmt: skip
            apiserver = APIServer(config)
            await _start_with(apiserver, etcd)
        except BaseException:
            if apiserver is not None:
                with contextlib.suppress(Exception):
                    await apiserver.stop()  # what it had started (caches, controllers, listeners)
            if etcd is not None:
                await etcd.stop()
            if temporary:
                shutil.rmtree(data_dir, ignore_errors=True)
            raise
        srv = cls(apiserver, etcd, data_dir, temporary)
        try:
            await srv.settle()
            srv.initial = await srv.snapshot()
        except BaseException:
            await srv.stop()
            raise
        srv.start_seconds = time.perf_counter() - started
        return srv

    async def stop(self) -> None:
        try:
            await self.apiserver.stop()
        finally:
            if self.etcd is not None:
                await self.etcd.stop()
            if self._temporary:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- snapshot and reset --------------------------------------------------------------------------

    def _settled(self) -> bool:
        """What the in-process controllers add after start is there: each namespace's ``default``
        ServiceAccount and (when published) ``kube-root-ca.crt``."""
        entries = [e.obj["metadata"] for e in self._cacher("", "namespaces").cache.values()]
        namespaces = [md["name"] for md in entries]
        live = [md["name"] for md in entries if not md.get("deletionTimestamp")]  # (a given etcd's leftovers)
        wanted = [keys.object_key("serviceaccounts", ns, "default") for ns in live]
        if self.apiserver.config.publish_root_ca:
            wanted += [keys.object_key("configmaps", ns, "kube-root-ca.crt") for ns in live]
        sas, cms = self._cacher("", "serviceaccounts").cache, self._cacher("", "configmaps").cache
        present = all((sas if "/serviceaccounts/" in k else cms).get(k) is not None for k in wanted)
        return present and set(SYSTEM_NAMESPACES) <= set(namespaces)

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until the post-start writes are done: the objects the controllers add exist, etcd's revision
        holds still across a short pause, and every watch cache has caught up to it."""
        etcd = self.apiserver.etcd
        assert etcd is not None
        deadline = time.monotonic() + timeout
        while True:
            revision = await etcd.current_revision()
            if self._settled():
                await asyncio.sleep(QUIET)
                if await etcd.current_revision() == revision:
                    break
            elif time.monotonic() > deadline:
                raise TimeoutError(f"aiokube test server did not settle within {timeout}s")
            else:
                await asyncio.sleep(0.01)
        await self._caches_at(revision, list(self.apiserver.cachers.values()))

    async def snapshot(self) -> KeySnapshot:
        """Every object as stored now (to reset to later; the server takes one after start, ``initial``)."""
        etcd = self.apiserver.etcd
        assert etcd is not None
        return await KeySnapshot.take(etcd, keys.REGISTRY_ROOT + "/", keep=lambda key: key.startswith(SERVER_LEASES))

    async def reset(self, snapshot: KeySnapshot | None = None) -> Restored:
        """Bring every object back to ``snapshot`` (default: the state after start); returns once the watch
        caches of the resources it touched have seen it."""
        snap = snapshot or self.initial
        etcd = self.apiserver.etcd
        assert snap is not None and etcd is not None
        started = time.perf_counter()
        namespaces = self._cacher("", "namespaces")

        async def namespaces_gone(revision: int) -> None:
            await namespaces.wait_fresh(revision, timeout=SETTLE_TIMEOUT)

        done = await snap.restore(etcd, namespaces_gone=namespaces_gone)
        # each touched cache waits for its own last write; the longest prefix holds a key (``services/specs/``
        # and ``services/endpoints/``, a CRD's group and its resources)
        by_prefix = sorted(self.apiserver.cachers.values(), key=lambda c: -len(c.prefix))
        latest: dict[Cacher, int] = {}
        for key, revision in done.revisions.items():
            cacher = next((c for c in by_prefix if key.startswith(c.prefix)), None)
            if cacher is not None:
                latest[cacher] = max(latest.get(cacher, 0), revision)
        fresh = await asyncio.gather(*(c.wait_fresh(rev, timeout=SETTLE_TIMEOUT) for c, rev in latest.items()))
        if not all(fresh):
            raise TimeoutError(f"watch caches did not see the reset within {SETTLE_TIMEOUT}s")
        done.seconds = time.perf_counter() - started
        return done

    async def _caches_at(self, revision: int, cachers: list[Cacher]) -> None:
        fresh = await asyncio.gather(*(c.wait_fresh(revision, timeout=SETTLE_TIMEOUT) for c in cachers))
        if not all(fresh):
            raise TimeoutError(f"watch caches did not reach revision {revision} within {SETTLE_TIMEOUT}s")

    def _cacher(self, group: str, plural: str) -> Cacher:
        return self.apiserver.cachers[(group, plural)]

    # --- credentials ---------------------------------------------------------------------------------

    def kubeconfig_for(self, user: str, groups: tuple[str, ...] | list[str] = ()) -> Path:
        """A kubeconfig for another identity over HTTPS (a client certificate for ``user`` in ``groups``,
        signed by the server's CA): how to test what RBAC lets a controller's ServiceAccount or a user do."""
        ca = self.apiserver.security.pki
        cert, key = pki.mint_client_cert(ca, user, list(groups))
        path = self.data_dir / f"{user.replace(':', '_').replace('/', '_')}.kubeconfig"
        path.write_text(kubeconfig.kubeconfig(self.secure_url, ca.ca_cert_pem, cert, key, user=user))
        path.chmod(0o600)
        return path


async def _start_with(apiserver: APIServer, etcd: EmbeddedEtcd | None) -> None:
    """Start the server while its etcd boots (its first etcd calls wait for it); an etcd that fails to start
    is reported as such rather than as the server's timeout."""
    if etcd is None:
        await apiserver.start()
        return
    booting = asyncio.ensure_future(etcd.wait_ready())
    try:
        await apiserver.start()
    except BaseException:
        if booting.done() and booting.exception() is not None:
            raise booting.exception() from None  # type: ignore[misc]
        booting.cancel()
        raise
    await booting


@contextlib.asynccontextmanager
async def serve(**options: Any) -> AsyncIterator[KubeServer]:
    """``async with serve() as srv:`` a test server on the running loop; ``options`` are ``Options``' fields."""
    srv = await KubeServer.start(Options(**options))
    try:
        yield srv
    finally:
        await srv.stop()


class ServerThread:
    """A KubeServer on an event loop of its own in a daemon thread; the same attributes, and its coroutines
    as plain calls (each runs on the server's loop; the caller's thread waits)."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.loop = uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="aiokube-test-server", daemon=True)
        self.server: KubeServer | None = None

    def start(self) -> ServerThread:
        self._thread.start()
        try:
            self.server = self.call(KubeServer.start(self.options), timeout=120)
        except BaseException:
            self._stop_loop()
            raise
        return self

    def stop(self) -> None:
        try:
            if self.server is not None:
                self.call(self.server.stop(), timeout=120)
                self.server = None
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
        if not self._thread.is_alive():
            self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run ``coro`` on the server's loop and wait for its result (from any thread but the server's)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def _srv(self) -> KubeServer:
        assert self.server is not None, "the server is not running"
        return self.server

    @property
    def apiserver(self) -> APIServer:
        return self._srv.apiserver

    @property
    def url(self) -> str:
        return self._srv.url

    @property
    def secure_url(self) -> str:
        return self._srv.secure_url

    @property
    def kubeconfig(self) -> Path:
        return self._srv.kubeconfig

    @property
    def data_dir(self) -> Path:
        return self._srv.data_dir

    @property
    def etcd_url(self) -> str:
        return self._srv.etcd_url

    @property
    def start_seconds(self) -> float:
        return self._srv.start_seconds

    def snapshot(self) -> KeySnapshot:
        return self.call(self._srv.snapshot())

    def reset(self, snapshot: KeySnapshot | None = None) -> Restored:
        return self.call(self._srv.reset(snapshot))

    def kubeconfig_for(self, user: str, groups: tuple[str, ...] | list[str] = ()) -> Path:
        return self._srv.kubeconfig_for(user, groups)


@contextlib.contextmanager
def server(**options: Any) -> Iterator[ServerThread]:
    """``with server() as srv:`` a test server in a thread of its own; ``options`` are ``Options``' fields."""
    thread = ServerThread(Options(**options)).start()
    try:
        yield thread
    finally:
        thread.stop()
