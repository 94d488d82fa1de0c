"""The aiokube API server: etcd (embedded or external), the HTTP app, routing and bootstrap."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.admission.namespacelifecycle import NamespaceLifecycle
from aiokube.apiserver.aggregation import AvailabilityController, RemoteAPIServices
from aiokube.apiserver.apiextensions.controller import CRDController
from aiokube.apiserver.authorization.cachesource import RBAC_GROUP, RBAC_RESOURCES
from aiokube.apiserver.controllers import (
    ClusterRoleAggregation,
    GarbageCollector,
    NamespaceController,
    PodGC,
    RootCAPublisher,
    ServiceAccountController,
    StorageProtection,
)
from aiokube.apiserver.endpoints import filters, requestinfo, specs
from aiokube.apiserver.endpoints.discovery import Discovery
from aiokube.apiserver.endpoints.handlers import RESTHandlers
from aiokube.apiserver.endpoints.openapi import OpenAPI
from aiokube.apiserver.endpoints.output import warm_encodings
from aiokube.apiserver.endpoints.responses import (
    REQUEST_WARNINGS,
    json_response,
    not_found_page,
    service_unavailable_page,
    status_response,
    text_response,
)
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.flowcontrol.controller import FlowControl, Rejected
from aiokube.apiserver.leaderelection import (
    IDENTITY_GC_SECONDS,
    LeaderElector,
    LeaseTimings,
    new_identity,
    run_identity_lease,
    run_identity_lease_gc,
)
from aiokube.apiserver.observability import health, metrics, pprof, workermetrics
from aiokube.apiserver.observability.health import HealthCheck, HealthEndpoints
from aiokube.apiserver.registry import apfensurer, bootstrap, requester, warningrecorder
from aiokube.apiserver.registry.componentstatus import ComponentStatuses
from aiokube.apiserver.registry.meta import new_uid
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.apiserver.registry.selection import selectable_fields
from aiokube.apiserver.registry.services import ServiceAllocator
from aiokube.apiserver.registry.store import GenericStore
from aiokube.apiserver.registry.turns import CPU_THREAD
from aiokube.apiserver.registry.validation import verdicts
from aiokube.apiserver.secureserving import Security, SecurityConfig, advertised_host
from aiokube.apiserver.transport.connection import ConnectionLimits, KubeSite
from aiokube.apiserver.transport.discoveryprobe import discovery_probe
from aiokube.apiserver.transport.request import answer_expect, request_factory
from aiokube.apiserver.transport.streaming import RESPONSE_BYTES, RESPONSE_HEADERS, RESPONSE_STATUS
from aiokube.encoding import canonical
from aiokube.storage import errors as serr
from aiokube.storage import metrics as storage_metrics
from aiokube.storage.compactor import run_compactor
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient, EtcdTLS
from aiokube.storage.store import Store
from aiokube.watchcache.cacher import Cacher, CacherConfig

log = logging.getLogger("aiokube")

#: request keys: the parsed RequestInfo (parsed once, by the metrics middleware) and streamed body sizes
REQUEST_INFO = web.RequestKey("aiokube.requestinfo", requestinfo.RequestInfo)
#: aiohttp's connection settings besides the limits of transport/connection.py (kube's http.Server): kube
#: ignores Content-Encoding on requests (a gzip body is read as the bytes it is, not inflated)
HANDLER_ARGS: dict[str, Any] = {"auto_decompress": False}

#: the kinds a ServiceAccount token binds to, and their core/v1 resources
LOOKUP_KINDS = {"ServiceAccount": "serviceaccounts", "Pod": "pods", "Secret": "secrets", "Node": "nodes"}
#: the Lease whose holder runs the in-process controllers
CONTROLLERS_LEASE = "aiokube-controllers"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
KUBE_VERSION = {"major": "1", "minor": "36", "gitVersion": "v1.36.3"}
CACHE_CONTROL = "no-cache, private"
APF_GROUP = "flowcontrol.apiserver.k8s.io"


@dataclass
class ServerConfig:
    bind_address: str = "127.0.0.1"
    port: int = 8080
    etcd_servers: list[str] = field(default_factory=list)
    data_dir: str = ".aiokube"
    etcd_request_timeout: float = 5.0
    #: kube's --etcd-cafile/--etcd-certfile/--etcd-keyfile: TLS to the external etcd (None: plain gRPC)
    etcd_tls: EtcdTLS | None = None
    #: kube's --etcd-compaction-interval (5 min); 0 disables compaction
    compaction_interval: float = 300.0
    #: tests only: etcd without fsync
    etcd_unsafe_no_fsync: bool = False
    #: watch cache settings (buffer sizes, bookmark period, read waits); tests shorten some
    cacher: CacherConfig = field(default_factory=CacherConfig)
    #: /debug/pprof endpoints (kube's --profiling, on by default)
    profiling: bool = True
    #: kube's --allow-privileged: privileged containers and HostProcess pods (kube's default false; clusters set
    #: true, as aiokube's default does). Process-wide, as in kube.
    allow_privileged: bool = True
    #: kube's --shutdown-delay-duration: seconds readyz fails while still serving, before the listener closes
    shutdown_delay: float = 0.0
    #: seconds in-flight requests get to finish during shutdown (kube: 60)
    shutdown_timeout: float = 60.0
    #: serve ``port`` as plain HTTP with full access (kube's old insecure port; cli.py allows it on loopback only)
    plain_http: bool = True
    #: kube-controller-manager's root-ca-cert-publisher: ``kube-root-ca.crt`` in every namespace, when there is a
    #: CA (an HTTPS port); ``aiokube serve`` turns it on, in-process test servers leave namespaces bare
    publish_root_ca: bool = False
    #: bind with SO_REUSEPORT (the workers of ``--workers N`` share the ports)
    reuse_port: bool = False
    #: this replica's name for kube's identity Lease; "" = the hostname (workers add their index)
    replica_name: str = ""
    #: ``--workers N``: this worker's index and the parent's private socket directory, where the worker answers
    #: its metrics and asks the parent for the merged page (observability/workermetrics.py); "" = no parent
    worker_id: str = ""
    metrics_socket_dir: str = ""
    #: run the controllers only while holding the ``kube-system/aiokube-controllers`` Lease (replicas on one etcd)
    leader_election: bool = True
    lease_timings: LeaseTimings = field(default_factory=LeaseTimings)
    #: seconds between passes of kube's identity lease garbage collector (every replica runs it; kube: 1 h)
    identity_lease_gc_period: float = IDENTITY_GC_SECONDS
    #: seconds between passes of kube's APF configuration ensurer (every replica runs it, as in kube: 1 min)
    apf_ensure_period: float = apfensurer.PERIOD_SECONDS
    #: HTTPS, authentication and authorization (secureserving.py); no HTTPS port unless ``secure_port`` is set
    security: SecurityConfig = field(default_factory=SecurityConfig)
    #: kube's --request-timeout: a non-long-running request gets 504 after this many seconds
    request_timeout: float = 60.0
    #: kube's --max-requests-inflight and --max-mutating-requests-inflight (summed: APF's concurrency limit)
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    #: kube's --enable-priority-and-fairness; off: the max-in-flight limits instead
    enable_priority_and_fairness: bool = True
    #: kube's http.Server timeouts and header limit (transport/connection.py)
    connection: ConnectionLimits = field(default_factory=ConnectionLimits)


_NON_RESOURCE: dict[tuple[str, str], requestinfo.RequestInfo] = {}


def _non_resource_info(method: str, path: str) -> requestinfo.RequestInfo:
    """kube's RequestInfo of a non-API path (verb: the lower-case method); the few hot ones (health, metrics,
    version) made once. Nothing changes a RequestInfo once made."""
    info = _NON_RESOURCE.get((method, path))
    if info is None:
        info = requestinfo.RequestInfo(False, path, verb=method.lower())
        if len(_NON_RESOURCE) < 256 and path.count("/") <= 2:
            _NON_RESOURCE[(method, path)] = info
    return info


@functools.cache
def version_info() -> dict[str, Any]:
    """``/version``'s document, made once: reading the package metadata took ~700 µs a request."""
    try:
        aiokube_version = version("aiokube")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        aiokube_version = "0.0.0"
    return {
        "major": KUBE_VERSION["major"],
        "minor": KUBE_VERSION["minor"],
        "emulationMajor": KUBE_VERSION["major"],
        "emulationMinor": KUBE_VERSION["minor"],
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": f"{KUBE_VERSION['gitVersion']}+aiokube.{aiokube_version}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "python",
        "compiler": "cpython",
        "platform": "linux/amd64",
    }


#: seconds a cancelled controller gets to end before shutdown goes on without it
CANCEL_GRACE = 10.0


async def cancel_all(tasks: list[asyncio.Task[Any]], grace: float, what: str) -> list[asyncio.Task[Any]]:
    """Cancel ``tasks`` and wait up to ``grace`` seconds for them to end; the ones still running are logged and
    returned (left behind). A task that swallows its cancel (Python 3.11's wait_for could) must not keep the
    process from stopping: kube's shutdown is bounded too."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, timeout=grace)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.debug("%s %s ended with %r", what, task.get_name(), task.exception())
    for task in pending:
        log.warning("%s %s did not end within %.0f s of its cancel: shutdown goes on", what, task.get_name(), grace)
    return list(pending)


def _early_answer(request: web.Request, path: str) -> web.StreamResponse | None:
    """Go's server answers these itself: ``OPTIONS *`` (200, empty) and a protocol other than HTTP/1.x (505)."""
    if request.version.major != 1:
        resp = text_response("505 HTTP Version Not Supported: unsupported protocol version", 505)
        resp.force_close()
        return resp
    if path == "*" and request.method == "OPTIONS":
        return web.Response(status=200, headers={"Content-Length": "0"})
    return None


def worker_headers(resp: web.StreamResponse, worker_id: str) -> web.StreamResponse:
    """Which process answered: a profile or a heap listing describes that one worker of ``--workers N``."""
    if not resp.prepared:
        resp.headers["X-Aiokube-Worker"] = worker_id or "0"
        resp.headers["X-Aiokube-Worker-Pid"] = str(os.getpid())
    return resp


class APIServer:
    """One aiokube server: assembles storage (etcd client, embedded etcd when none is given), one watch cache
    per resource, the generic store, the in-process controllers and the HTTP edge, and runs them on one event
    loop. ``start`` returns once every cache has listed and the system namespaces exist (kube's readyz
    post-start hooks); ``stop`` drains in order (readyz fails, watches end with their last chunk, in-flight
    requests get ``shutdown_timeout``, then caches, controllers, etcd). ``dispatch`` is the only route: it
    serves the non-resource paths and hands resource requests to RESTHandlers."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.registry = Registry()
        self.openapi = OpenAPI(self.registry)
        self.embedded: EmbeddedEtcd | None = None
        self.etcd: EtcdClient | None = None
        self.store: Store | None = None
        self.rest: RESTHandlers | None = None
        self.generic: GenericStore | None = None
        self.discovery: Discovery | None = None
        #: the APIServices with a Service: their groups in discovery and the 503 for their paths
        self.remote_api_services = RemoteAPIServices(self.registry.has_group_version)
        self.namespace_controller: NamespaceController | None = None
        self.runner: web.AppRunner | None = None
        #: one cacher per (group, resource): every served version of a resource shares it
        self.cachers: dict[tuple[str, str], Cacher] = {}
        self.crd_controller: CRDController | None = None
        self._cacher_defaults: tuple[CacherConfig, bool] | None = None
        #: namespaces this replica just moved to Terminating: admission reads them live until the
        #: namespace cache has caught up (so a create right after the DELETE gets its 403)
        self._terminating_recent: dict[str, float] = {}
        self.port = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._metrics_socket: asyncio.AbstractServer | None = None
        self._etcd_ok_until = 0.0
        self._bootstrapped = False
        #: set when shutdown begins: readyz fails from then on
        self.shutting_down = False
        self.health = self._health_checks()
        self.security = Security(config.security, config.data_dir, config.bind_address)
        #: the HTTPS port once listening (0 when there is none)
        self.secure_port = 0
        #: holds the controllers' Lease while this replica leads (None without leader election)
        self.elector: LeaderElector | None = None
        #: this process's UUID: in its identity Lease's holder and in its controllers' Lease holder identity
        self.uid = new_uid()
        self.flowcontrol: FlowControl | None = None
        self.admission = filters.Admission(None, None, config.request_timeout)
        self.deadlines = filters.Deadlines(config.request_timeout)

    @property
    def url(self) -> str:
        """The plain-HTTP URL (full access), else the HTTPS one."""
        if self.config.plain_http:
            return f"http://{self.config.bind_address}:{self.port}"
        return self.secure_url

    @property
    def secure_url(self) -> str:
        host = advertised_host(self.config.bind_address)
        return f"https://{host}:{self.secure_port}" if self.secure_port else ""

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        cfg = self.config
        endpoints = list(cfg.etcd_servers)
        if not endpoints:
            self.embedded = EmbeddedEtcd(cfg.data_dir, unsafe_no_fsync=cfg.etcd_unsafe_no_fsync)
            self.embedded.lock()  # a data dir another server uses: say so before touching its files
        self.security.prepare()  # bad TLS files or token file: fail before starting anything
        if self.embedded is not None:
            self.embedded.launch()  # etcd boots (~0.1 s) while the canonical plans compile (~0.1 s of CPU)
        canonical.compile_all()
        verdicts.allow_privileged(cfg.allow_privileged)
        if self.embedded is not None:
            endpoints = [await self.embedded.wait_ready()]
        tls = cfg.etcd_tls if cfg.etcd_servers else None  # the embedded etcd speaks plain gRPC on loopback
        self.etcd = EtcdClient(endpoints, request_timeout=cfg.etcd_request_timeout, tls=tls)
        await self.etcd.connect()
        self.store = Store(self.etcd, offload=CPU_THREAD)
        admission = NamespaceLifecycle(self._lookup_namespace)
        self.generic = GenericStore(self.registry, self.store, admission, self.cacher_for, self._namespace_terminating)
        self.generic.admission_plugins.allows = lambda attrs: self.security.authorizer.allowed(attrs)
        self.rest = RESTHandlers(self.generic, self.security, ComponentStatuses(self._etcd_probe))
        self.namespace_controller = NamespaceController(self.generic)
        await self._start_cachers()
        self.security.attach({r: self._cacher(RBAC_GROUP, r) for r in RBAC_RESOURCES}, self._lookup_object)
        self.generic.services = self._service_allocator(self.generic)
        await self._bootstrap()
        self._bootstrapped = True
        crd_info = self.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert crd_info is not None
        self.crd_controller = CRDController(
            self.registry, self.generic, self.cacher_for(crd_info), self._start_custom_cacher, self._stop_custom_cacher
        )
        generic = self.generic
        self.crd_controller.on_served_changed = lambda: bootstrap.sync_crd_api_services(generic, self.registry)
        self._tasks.append(asyncio.create_task(self.crd_controller.run()))
        await asyncio.wait_for(self.crd_controller.synced.wait(), 60)  # kube's crd-informer-synced

        levels = self._cacher(APF_GROUP, "prioritylevelconfigurations")
        flowcontrol_caches = self._cacher(APF_GROUP, "flowschemas"), levels
        self.admission = filters.make_admission(cfg.enable_priority_and_fairness, cfg.max_requests_inflight,
                                                cfg.max_mutating_requests_inflight, cfg.request_timeout,
                                                *flowcontrol_caches)  # fmt: skip
        self.flowcontrol = self.admission.flowcontrol
        # aiohttp's low-level server (transport/request.py says why); handler_cancellation: a watch whose client
        # went away stops at once
        server = web.Server(self._serve, request_factory=request_factory(asyncio.get_running_loop()),
                            handler_cancellation=True)  # fmt: skip
        self.runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=self.config.shutdown_timeout)
        await self.runner.setup()
        if cfg.plain_http:
            self.port = await self._listen(cfg.port)
        if cfg.security.secure_port is not None:
            self.secure_port = await self._listen(cfg.security.secure_port, self.security.ssl_context)
            self.security.write_admin_kubeconfig(self.secure_url)
        self.discovery = Discovery(
            self.registry, f"{cfg.bind_address}:{self.secure_port or self.port}", self.remote_api_services
        )
        api_services = self._cacher("apiregistration.k8s.io", "apiservices")
        self._tasks.append(asyncio.create_task(self.remote_api_services.run(api_services)))
        self.sa_controller = ServiceAccountController(
            self.generic, self._cacher("", "namespaces"), self._cacher("", "serviceaccounts")
        )
        self.generic.on_namespace_created = self.sa_controller.ensure  # idempotent: fine on any replica
        if cfg.leader_election:
            elector = LeaderElector(self.generic, CONTROLLERS_LEASE, new_identity(self.uid), cfg.lease_timings)
            self.elector = elector
            self._tasks.append(asyncio.create_task(elector.run(self._run_controllers)))
        else:
            self._tasks.append(asyncio.create_task(self._run_controllers()))
        replica = cfg.replica_name or socket.gethostname()
        identity = run_identity_lease(self.generic, socket.gethostname(), replica, uid=self.uid)
        self._tasks.append(asyncio.create_task(identity))
        self._tasks.append(asyncio.create_task(run_identity_lease_gc(self.generic, cfg.identity_lease_gc_period)))
        self._tasks.append(asyncio.create_task(apfensurer.run(self.generic, cfg.apf_ensure_period)))
        self._tasks.append(asyncio.create_task(self._monitor_storage()))
        metrics.CACHERS.add(self)
        if cfg.metrics_socket_dir:
            self._metrics_socket = await workermetrics.serve_worker(cfg.metrics_socket_dir, cfg.worker_id)

    async def _run_controllers(self) -> None:
        """The controllers that must run once among replicas sharing an etcd (behind the controllers' Lease):
        namespace lifecycle, ServiceAccounts, pod GC, garbage collection, storage protection, ClusterRole
        aggregation, the root CA publisher, etcd compaction."""
        assert self.generic is not None and self.namespace_controller is not None and self.etcd is not None
        cfg = self.config
        self.namespace_controller.namespaces = self._cacher("", "namespaces")
        protection = StorageProtection(self.generic, *(self._cacher(*gr) for gr in StorageProtection.WATCHES))
        runs = [
            self.namespace_controller.run(),
            self.sa_controller.run(),
            PodGC(self.generic, self._cacher("", "pods"), self._cacher("", "nodes")).run(),
            GarbageCollector(self.generic, self._resource_cachers).run(),
            protection.run(),
            ClusterRoleAggregation(self.generic, self._cacher(RBAC_GROUP, "clusterroles")).run(),
            AvailabilityController(self.generic, discovery_probe, self._cacher).run(),
            run_compactor(self.etcd, cfg.compaction_interval),
        ]
        if cfg.publish_root_ca and self.secure_port and not cfg.security.tls_cert_file:  # the CA of our own cert
            ca = self.security.pki.ca_cert_pem.decode()
            namespaces, configmaps = self._cacher("", "namespaces"), self._cacher("", "configmaps")
            runs.append(RootCAPublisher(self.generic, namespaces, configmaps, ca).run())
        tasks = [asyncio.create_task(run) for run in runs]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        assert self.runner is not None
        site = KubeSite(
            self.runner,
            self.config.bind_address,
            port,
            limits=self.config.connection,
            ssl_context=ssl_context,
            handler_args={**HANDLER_ARGS, "access_log": None},
            reuse_port=self.config.reuse_port,
        )
        await site.start()
        return site.bound_port

    def _lookup_object(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """An object of the kinds a ServiceAccount token may name, from the watch cache (token validation)."""
        plural = LOOKUP_KINDS.get(kind)
        if plural is None:
            return None
        info = self.registry.get("", "v1", plural)
        assert info is not None
        entry = self._cacher("", plural).cache.get(info.key(namespace or None, name))
        return entry.obj if entry is not None else None

    async def stop(self) -> None:
        """Graceful shutdown, in kube's order: readyz fails at once; after ``shutdown_delay`` the listener
        closes; watches end cleanly (the stream's last chunk, so clients resume elsewhere from their last
        resourceVersion); requests in flight finish (up to ``shutdown_timeout``); then controllers, caches
        and etcd stop."""
        self.shutting_down = True
        if self.runner is not None:
            if self.config.shutdown_delay > 0:
                await asyncio.sleep(self.config.shutdown_delay)
            for site in list(self.runner.sites):
                await site.stop()  # no new connections; open ones finish what they are doing
        # controllers (in-process clients) next: the CRD controller adds and removes cachers while it runs
        await cancel_all(self._tasks, CANCEL_GRACE, "controller")
        self._tasks.clear()
        if self._metrics_socket is not None:
            self._metrics_socket.close()
            workermetrics.remove_socket(self.config.metrics_socket_dir, self.config.worker_id)
        if self.runner is not None:
            for cacher in list(self.cachers.values()):
                cacher.close_watchers()
            await self.runner.cleanup()  # waits for in-flight handlers
            self.runner = None
        for cacher in list(self.cachers.values()):
            await cacher.stop()
        if self.etcd is not None:
            await self.etcd.close()
        if self.embedded is not None:
            await self.embedded.stop()
        metrics.CACHERS.discard(self)

    async def _trust_progress(self) -> bool:
        """Whether etcd's requested progress notifications can be trusted at once (see watchcache.cacher)."""
        assert self.etcd is not None
        try:
            etcd_version = (await self.etcd.status()).version
            parts = tuple(int(p) for p in etcd_version.split(".")[:3])
        except (serr.StorageError, ValueError):
            return False
        return parts >= (3, 5, 13) or (3, 4, 31) <= parts < (3, 5, 0)

    async def _start_cachers(self) -> None:
        """One cacher per resource, each fed by one etcd watch; serve only once all have listed."""
        assert self.store is not None and self.rest is not None
        base = self.config.cacher
        trust = await self._trust_progress()
        self._cacher_defaults = (base, trust)
        for info in self.registry:
            if info.stored and info.conversion is None:  # a converted version shares its storage's cacher
                self.cachers[(info.group, info.plural)] = self._new_cacher(info, base, trust)
        for cacher in self.cachers.values():
            await cacher.start()
        await asyncio.gather(*(c.wait_ready(60) for c in self.cachers.values()))

    async def _start_custom_cacher(self, info: ResourceInfo) -> Cacher:
        """A custom resource's watch cache, started when its CRD is established."""
        key = (info.group, info.plural)
        cacher = self.cachers.get(key)
        if cacher is None:
            assert self._cacher_defaults is not None
            cacher = self.cachers[key] = self._new_cacher(info, *self._cacher_defaults)
            await cacher.start()
            await cacher.wait_ready(60)
        return cacher

    async def _stop_custom_cacher(self, info: ResourceInfo) -> None:
        cacher = self.cachers.pop((info.group, info.plural), None)
        if cacher is not None:
            await cacher.stop()

    async def _monitor_storage(self) -> None:
        """apiserver_storage_size_bytes, refreshed every minute as kube's storage monitor does."""
        assert self.etcd is not None
        while True:
            with contextlib.suppress(serr.StorageError):
                status = await self.etcd.status()
                metrics.STORAGE_SIZE.labels("etcd-0").set(status.dbSize)  # kube: the first storage backend
            await asyncio.sleep(60)

    def _new_cacher(self, info: ResourceInfo, base: CacherConfig, trust: bool) -> Cacher:
        storage_metrics.register_resource(info.collection_key(), info.group, info.plural)
        assert self.store is not None
        fields_of = selectable_fields(info)

        def attrs(obj: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
            return (obj.get("metadata") or {}).get("labels") or {}, fields_of(obj)

        config = dataclasses.replace(
            base,
            trust_progress=trust,
            index_fields=("spec.nodeName",) if info.kind == "Pod" else (),
            offload=CPU_THREAD,
            warm=warm_encodings(info),
        )
        return Cacher(self.store, info.collection_key(), attrs, resource=str(info.group_resource), config=config)

    def _service_allocator(self, generic: GenericStore) -> ServiceAllocator:
        """Cluster IPs as IPAddress objects the server creates for itself; node ports from the Services cache."""
        ip_info = self.registry.get("networking.k8s.io", "v1", "ipaddresses")
        assert ip_info is not None
        services = self._cacher("", "services")

        async def create_ip(body: dict[str, Any], dry_run: bool) -> None:
            if not dry_run:
                await generic.create_object(ip_info, body)

        async def delete_ip(ip: str, dry_run: bool) -> None:
            if not dry_run:
                await generic.delete(ip_info, None, ip, DeleteOptions())

        ips = self._cacher("networking.k8s.io", "ipaddresses")

        async def get_ip(ip: str) -> dict[str, Any] | None:
            try:
                entry = await ips.get(ip_info.key(None, ip), "")
            except serr.NotFound:
                return None
            return entry.obj if entry is not None else None

        return ServiceAllocator(create_ip, delete_ip, lambda: services.cache.values(), get_ip=get_ip)

    def _cacher(self, group: str, plural: str) -> Cacher:
        return self.cachers[(group, plural)]

    def _resource_cachers(self) -> list[tuple[ResourceInfo, Cacher]]:
        """(a served version, its cache) for every resource, for the garbage collector."""
        out = {}
        for info in self.registry:
            cacher = self.cachers.get((info.group, info.plural))
            if cacher is not None and info.conversion is None:
                out[(info.group, info.plural)] = (info, cacher)
        return list(out.values())

    def cacher_for(self, info: ResourceInfo) -> Cacher:
        """The watch cache of the resource's storage (every version served over it shares one)."""
        info = info.stored_as
        cacher = self.cachers.get((info.group, info.plural))
        if cacher is None:  # a custom resource whose CRD went away in between
            raise errors.resource_not_found()
        return cacher

    async def _bootstrap(self) -> None:
        """The system namespaces exist on first start (kube's system-namespaces controller), and the system
        PriorityClasses and local APIServices (registry/bootstrap.py)."""
        assert self.generic is not None
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None
        bodies = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}} for name in SYSTEM_NAMESPACES]
        await asyncio.gather(*(bootstrap.create_quietly(self.generic, info, body) for body in bodies))
        # independent of each other: written concurrently (~250 objects on a fresh etcd)
        await asyncio.gather(
            bootstrap.ensure_system_objects(self.generic, self.registry),
            bootstrap.ensure_rbac_policy(self.generic, self.registry, self._cached),
        )

    def _cached(self, info: ResourceInfo, obj: dict[str, Any]) -> bool:
        md = obj["metadata"]
        return self.cacher_for(info).cache.get(info.key(md.get("namespace"), md["name"])) is not None

    async def _lookup_namespace(self, name: str) -> dict[str, Any] | None:
        """From the namespaces watch cache, then (like kube's lister miss) from etcd."""
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None and self.store is not None
        entry = self.cacher_for(info).cache.get(info.key(None, name))
        recent = self._terminating_recent.get(name)
        if recent is not None and (
            time.monotonic() > recent or (entry and entry.obj["metadata"].get("deletionTimestamp"))
        ):
            del self._terminating_recent[name]
            recent = None
        if entry is not None and recent is None:
            return entry.obj
        try:
            return await self.store.get(info.key(None, name))
        except serr.NotFound:
            return None
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None

    def _namespace_terminating(self, name: str) -> None:
        self._terminating_recent[name] = time.monotonic() + 60.0
        if self.namespace_controller is not None:
            self.namespace_controller.enqueue(name)

    # --- HTTP ----------------------------------------------------------------------------------------

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        """Every request: request metrics, the headers every response carries, kube's request deadline (504)
        and Status bodies for errors; the other filters run in ``dispatch``."""
        expect = request.headers.get("Expect")
        if expect is not None and (refused := await answer_expect(request, expect)) is not None:
            return refused
        headers = {"Audit-Id": request.headers.get("Audit-ID") or new_uid(), "Cache-Control": CACHE_CONTROL}
        request[RESPONSE_HEADERS] = headers
        started = time.perf_counter()
        path = request.rel_url.raw_path
        if path.startswith(("/api/", "/apis/")):
            ri = requestinfo.parse(request.method, path, dict(request.query))
        else:
            ri = _non_resource_info(request.method, path)
        request[REQUEST_INFO] = ri
        labels = metrics.labels_for(request, ri, path, self.registry)
        if labels is not None:
            metrics.request_started(labels)
        code = 0
        resp: web.StreamResponse | None = None
        deadline: Any = None
        try:
            try:
                if not filters.long_running(ri):
                    deadline = self.deadlines.arm(request)
                resp = await self.dispatch(request)
            except StatusError as exc:
                resp = status_response(request, exc)
            except web.HTTPException as exc:
                code = exc.status
                raise
            except asyncio.CancelledError:
                resp = filters.timed_out(request)  # the deadline's 504 (anything else cancelling: re-raised)
                if labels is not None:
                    metrics.request_terminated(labels, 504)
            except Exception as exc:
                log.exception("internal error serving %s %s", request.method, request.path)
                resp = status_response(request, errors.internal_error(str(exc) or type(exc).__name__))
            code = resp.status
        finally:
            if deadline is not None:
                self.deadlines.disarm(deadline)
            if labels is not None:
                code = code or request.get(RESPONSE_STATUS, 0)  # a stream its client left: as it started
                size = request.get(RESPONSE_BYTES) or (resp.body_length if resp is not None else 0)
                metrics.request_finished(labels, code, size, time.perf_counter() - started, count=code != 0)
        if not resp.prepared:
            resp_headers = resp.headers
            resp_headers["Audit-Id"] = headers["Audit-Id"]
            if "Cache-Control" not in resp_headers:
                resp_headers["Cache-Control"] = CACHE_CONTROL
            if len(headers) > 2:  # priority and fairness's
                for name, value in headers.items():
                    if name not in resp_headers:
                        resp_headers[name] = value
            if request.body_exists and not request.content.is_eof():
                resp.force_close()  # the body has not all arrived (refused, or timed out): Go's Connection: close
        return resp

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """kube's filters in kube's order (authentication, priority and fairness, authorization), then the
        route. The plain port is kube's insecure port: ``system:unsecured``, no authentication or
        authorization (and exempt from priority and fairness as ``system:masters``)."""
        early = _early_answer(request, request.rel_url.raw_path)
        if early is not None:
            return early
        ri = request[REQUEST_INFO]
        user = filters.UNSECURED
        if request.secure:
            assert self.security.authenticator is not None
            user = filters.authenticate(request, self.security.authenticator)
            user = filters.impersonate(request, user, self.security.authorizer)
        try:
            seat = self.admission.admit(request, ri, user)
            if type(seat) is filters.Queued:
                seat = await seat.seat(request)
        except Rejected as exc:
            labels = metrics.labels_for(request, ri, request.rel_url.raw_path, self.registry)
            return filters.too_many_requests(exc, labels)
        try:
            if request.secure:
                filters.authorize(request, ri, self.security.authorizer, user)
            recorded: list[str] = []
            request[REQUEST_WARNINGS] = recorded  # written on whatever answer goes out (add_request_warnings)
            recording = warningrecorder.start(recorded)
            try:
                with requester.acting_as(user):
                    return await self._route(request, ri)
            finally:
                warningrecorder.stop(recording)
        finally:
            if seat is not None:
                seat.release()

    async def _route(self, request: web.Request, ri: requestinfo.RequestInfo) -> web.StreamResponse:
        path = request.rel_url.raw_path
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/healthz/", "/livez/", "/readyz/")):
            return await self._health(request, path)
        if path == "/version":
            return json_response(request, version_info())
        if path in specs.OPENID_PATHS and self.secure_port:
            config, keys = self.security.openid_documents(f"{self.secure_url}/openid/v1/jwks")
            return specs.serve_openid(path, config, keys, request.headers.get("Accept"))
        if path == "/metrics":
            if self.config.metrics_socket_dir:
                page = await workermetrics.serve(request, self.config.metrics_socket_dir)
            else:
                page = await metrics.serve(request)
            return worker_headers(page, self.config.worker_id)
        if path == "/debug/pprof" or path.startswith("/debug/pprof/"):
            if not self.config.profiling:
                return not_found_page()
            profile = await pprof.handle(request, path[len("/debug/pprof") :].lstrip("/"))
            return worker_headers(profile, self.config.worker_id)
        assert self.discovery is not None and self.rest is not None
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            return specs.serve_openapi_v3(request, path, self.openapi)
        if path == "/openapi/v2":
            return specs.serve_openapi_v2(request, self.openapi)
        if path in ("/api", "/api/"):
            return self.discovery.serve_root(request, legacy=True)
        if path in ("/apis", "/apis/"):
            return self.discovery.serve_root(request, legacy=False)
        if not path.startswith(("/api/", "/apis/")):
            return not_found_page()
        if not ri.is_resource_request:
            return self.discovery.serve_path(request, path)
        if not self.registry.has_group_version(ri.group, ri.version):
            if self.remote_api_services.serves(ri.group, ri.version):
                return service_unavailable_page()
            if ri.group and not self.registry.has_group(ri.group):
                return not_found_page()
            raise errors.resource_not_found()
        info = self.registry.get(ri.group, ri.version, ri.resource)
        if info is None:
            raise errors.resource_not_found()
        if request.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            sub = info.subresource(ri.subresource) if ri.subresource else None
            if sub is None or request.method not in sub.connect:  # proxies also take HEAD and OPTIONS
                raise errors.method_not_allowed()
        return await self.rest.handle(request, ri, info)

    async def _etcd_probe(self) -> str | None:
        """componentstatuses' etcd-0: kube's prober reads ``/registry/health`` (None when etcd answers)."""
        if self.etcd is None:
            return "error getting data from etcd: closed"
        try:
            await self.etcd.range(b"/registry/health")
        except serr.Timeout:
            return "error getting data from etcd: context deadline exceeded"
        except serr.StorageError as exc:
            return f"error getting data from etcd: {exc}"
        return None

    async def etcd_healthy(self) -> bool:
        return await self._etcd_check() is None

    async def _etcd_check(self) -> str | None:
        """A cheap quorum read, cached for a second so health probes do not load etcd."""
        now = time.monotonic()
        if now < self._etcd_ok_until:
            return None
        if self.etcd is None:
            return "etcd client connection not yet established"
        try:
            await asyncio.wait_for(self.etcd.current_revision(), 2.0)
        except (serr.StorageError, TimeoutError) as exc:
            return f"etcd unavailable: {str(exc) or type(exc).__name__}"  # a TimeoutError has no text
        self._etcd_ok_until = now + 1.0
        return None

    async def _informers_synced(self) -> str | None:
        """kube's informer-sync: every watch cache (built-in and custom resources) has listed."""
        pending = sorted(
            f"{resource}.{group}" if group else resource
            for (group, resource), cacher in list(self.cachers.items())
            if not cacher.ready.is_set()
        )
        return f"{len(pending)} informers not started yet: [{' '.join(pending)}]" if pending else None

    async def _crds_synced(self) -> str | None:
        if self.crd_controller is None or not self.crd_controller.synced.is_set():
            return "not finished"
        return None

    async def _namespaces_bootstrapped(self) -> str | None:
        return None if self._bootstrapped else "not finished"

    async def _not_shutting_down(self) -> str | None:
        return "process is shutting down" if self.shutting_down else None

    def _health_checks(self) -> HealthEndpoints:
        ping, log_check = HealthCheck("ping", health.ok), HealthCheck("log", health.ok)
        etcd = HealthCheck("etcd", self._etcd_check)
        hooks = [
            HealthCheck("poststarthook/start-system-namespaces-controller", self._namespaces_bootstrapped),
            HealthCheck("poststarthook/crd-informer-synced", self._crds_synced),
        ]
        return HealthEndpoints(
            {
                "healthz": [ping, log_check, etcd, *hooks],
                "livez": [ping, log_check, etcd, *hooks],
                "readyz": [
                    ping,
                    log_check,
                    etcd,
                    HealthCheck("etcd-readiness", self._etcd_check),
                    HealthCheck("informer-sync", self._informers_synced),
                    *hooks,
                    HealthCheck("shutdown", self._not_shutting_down),
                ],
            }
        )

    async def _health(self, request: web.Request, path: str) -> web.StreamResponse:
        return await self.health.serve(request, path)
