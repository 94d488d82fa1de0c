"""APIServices backed by a Service (kube-aggregator's part of kube-apiserver): the groups they add to discovery,
the availability kube's controller writes into their status, and the 503 kube's proxy answers for their paths
while they are unavailable. aiokube never proxies to an aggregated API server, so for it they stay
unavailable: their paths always answer that 503 (README, Known differences)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.controllers import follow
from aiokube.apiserver.registry.meta import now_rfc3339
from aiokube.apiserver.registry.store import GenericStore
from aiokube.watchcache.cacher import Cacher
from aiokube.watchcache.objects import DELETED

Obj = dict[str, Any]
#: GETs a URL as kube's discovery check does: None when it answered 2xx, else the error's text
Probe = Callable[[str], Awaitable[str | None]]
log = logging.getLogger(__name__)

MANAGER = "kube-apiserver"  # the field manager of kube's availability controller's status writes
_KUBE_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def version_key(version: str) -> tuple[int, int, int, str]:
    """version.CompareKubeAwareVersionStrings as a sort key (first = highest): GA, then beta, then alpha, each
    by major then minor number; other strings last, by name."""
    m = _KUBE_VERSION.match(version)
    if m is None:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (stage, -int(m.group(1)), -int(m.group(3) or 0), "")


@dataclass(frozen=True)
class RemoteGroup:
    """A group that only APIServices with a Service serve: its versions best first, its priority."""

    name: str
    versions: tuple[str, ...]
    priority: int


class RemoteAPIServices:
    """The APIServices with a Service, as every replica's discovery and router see them (fed by a watch of
    APIServices; ``generation`` moves when they change)."""

    def __init__(self, served_locally: Callable[[str, str], bool]) -> None:
        self.served_locally = served_locally
        self._by_name: dict[str, Obj] = {}
        self.generation = 0

    async def on_event(self, event_type: str, api_service: Obj) -> None:
        name = api_service["metadata"]["name"]
        spec = api_service.get("spec") or {}
        if event_type == DELETED or not spec.get("service"):
            changed = self._by_name.pop(name, None) is not None
        else:
            changed = self._by_name.get(name) != spec
            self._by_name[name] = spec
        if changed:
            self.generation += 1

    def serves(self, group: str, version: str) -> bool:
        """A group version an APIService routes to a Service (and no local resource serves)."""
        return not self.served_locally(group, version) and any(
            s.get("group", "") == group and s.get("version") == version for s in self._by_name.values()
        )

    def groups(self) -> list[RemoteGroup]:
        """kube's aggregated group list entries for the remote group versions: versions by versionPriority, then
        kube's version order; a group's priority is its highest groupPriorityMinimum."""
        by_group: dict[str, list[Obj]] = {}
        for spec in self._by_name.values():
            group, version = spec.get("group", ""), spec.get("version", "")
            if group and version and not self.served_locally(group, version):
                by_group.setdefault(group, []).append(spec)
        out = []
        for group, specs in by_group.items():
            specs.sort(key=lambda s: (-int(s.get("versionPriority") or 0), version_key(s.get("version", ""))))
            priority = max(int(s.get("groupPriorityMinimum") or 0) for s in specs)
            out.append(RemoteGroup(group, tuple(dict.fromkeys(s["version"] for s in specs)), priority))
        return out

    def group(self, name: str) -> RemoteGroup | None:
        return next((g for g in self.groups() if g.name == name), None)

    async def run(self, api_services: Cacher) -> None:
        await follow(api_services, self.on_event)


class AvailabilityController:
    """kube-aggregator's AvailableConditionController for APIServices with a Service: ServiceNotFound,
    ServicePortError, EndpointsNotFound, MissingEndpoints as kube checks them; past those, kube's discovery GET
    of ``https://<cluster IP>:<port>/apis/<group>/<version>`` (5 s), whose failure is FailedDiscoveryCheck and
    whose success would be Passed. Rechecked on every change of APIServices, Services and EndpointSlices and
    every ``resync_seconds``."""

    def __init__(
        self,
        store: GenericStore,
        probe: Probe,
        caches: Callable[[str, str], Cacher],
        resync_seconds: float = 30,
    ) -> None:
        """``probe`` sends the discovery GET (the HTTP edge's); ``caches`` gives the watch cache of a (group,
        resource)."""
        self.store = store
        self.probe = probe
        api_services = caches("apiregistration.k8s.io", "apiservices")
        services, slices = caches("", "services"), caches("discovery.k8s.io", "endpointslices")
        self.api_services, self.services, self.slices = api_services, services, slices
        info = store.registry.get("apiregistration.k8s.io", "v1", "apiservices")
        assert info is not None
        self.info = info
        self.resync_seconds = resync_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        async def poke(event_type: str, obj: Obj) -> None:
            self._wake.set()

        followers = [asyncio.create_task(follow(c, poke)) for c in (self.api_services, self.services, self.slices)]
        try:
            while True:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for returns when the event is set in the
                # same loop turn as a cancel, swallowing the cancel, and the server's shutdown waited forever
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.resync_seconds):
                        await self._wake.wait()
                self._wake.clear()
                await self.sync_all()
        finally:
            for task in followers:
                task.cancel()

    async def sync_all(self) -> None:
        for entry in list(self.api_services.cache.values()):
            if (entry.obj.get("spec") or {}).get("service"):
                try:
                    await self.sync(entry.obj)
                except Exception:  # one APIService's failure must not stop the others'
                    log.exception("availability of APIService %s", entry.obj["metadata"]["name"])

    async def sync(self, api_service: Obj) -> None:
        status, reason, message = await self.condition(api_service)
        current = _available_condition(api_service)
        if current is not None and (current.get("status"), current.get("reason"), current.get("message")) == (
            status, reason, message):  # fmt: skip
            return
        name = api_service["metadata"]["name"]

        async def with_condition(existing: Obj | None) -> Obj:
            assert existing is not None
            obj = {**existing, "status": dict(existing.get("status") or {})}
            conditions = [dict(c) for c in obj["status"].get("conditions") or []]
            mine = next((c for c in conditions if c.get("type") == "Available"), None)
            if mine is None:
                mine = {"type": "Available"}
                conditions.append(mine)
            if mine.get("status") != status:  # SetAPIServiceCondition: the time moves with the status only
                mine["status"], mine["lastTransitionTime"] = status, now_rfc3339()
            mine["reason"], mine["message"] = reason, message
            obj["status"]["conditions"] = [_ordered(c) for c in conditions]
            return obj

        await self.store.update(self.info, None, name, with_condition, subresource="status", allow_create=False,
                                preconditions=None, dry_run=False, manager=MANAGER)  # fmt: skip

    async def condition(self, api_service: Obj) -> tuple[str, str, str]:
        """(status, reason, message) of the Available condition, as kube's sync computes them."""
        spec = api_service.get("spec") or {}
        ref = spec.get("service") or {}
        name, namespace, port = ref.get("name", ""), ref.get("namespace", ""), ref.get("port", 443)
        service = self._get(self.services, namespace, name)
        if service is None:
            return "False", "ServiceNotFound", f'service/{name} in "{namespace}" is not present'
        service_spec = service.get("spec") or {}
        kind = service_spec.get("type", "ClusterIP")
        if kind == "ClusterIP":
            ports = [p for p in service_spec.get("ports") or [] if p.get("port") == port]
            if not ports:
                return "False", "ServicePortError", f'service/{name} in "{namespace}" is not listening on port {port}'
            port_name = ports[0].get("name", "")
            slices = [e.obj for e in self.slices.cache.values()
                      if e.obj["metadata"].get("namespace") == namespace
                      and (e.obj["metadata"].get("labels") or {}).get(_SERVICE_NAME_LABEL) == name]  # fmt: skip
            if not slices:
                return "False", "EndpointsNotFound", f'cannot find endpointslices for service/{name} in "{namespace}"'
            if not any(_has_endpoint(s, port_name) for s in slices):
                where = f'endpointslices for service/{name} in "{namespace}"'
                return "False", "MissingEndpoints", f'{where} have no addresses with port name "{port_name}"'
        failure = await self._discovery_check(api_service, service, port)
        if failure is not None:
            return "False", "FailedDiscoveryCheck", failure
        return "True", "Passed", "all checks passed"

    @staticmethod
    def _get(cacher: Cacher, namespace: str, name: str) -> Obj | None:
        for entry in cacher.cache.values():
            md = entry.obj["metadata"]
            if md.get("name") == name and md.get("namespace") == namespace:
                return entry.obj
        return None

    async def _discovery_check(self, api_service: Obj, service: Obj, port: int) -> str | None:
        """The GET kube's controller sends to the resolved service (ResolveCluster); its error text, or None."""
        spec, service_spec = api_service.get("spec") or {}, service.get("spec") or {}
        md = service["metadata"]
        if service_spec.get("type") == "ExternalName":
            host = service_spec.get("externalName", "")
        else:
            host = service_spec.get("clusterIP", "")
            if host in ("", "None"):
                return f"cannot route to service with ClusterIP {host}"
            if not any(p.get("port") == port for p in service_spec.get("ports") or []):
                return f'no service port {port} found for service "{md.get("name", "")}"'
        path = f"/api/{spec.get('version', '')}" if api_service["metadata"]["name"] == "v1." else (
            f"/apis/{spec.get('group', '')}/{spec.get('version', '')}")  # fmt: skip
        url = f"https://{'[' + host + ']' if ':' in host else host}:{port}{path}"
        failure = await self.probe(url)
        return None if failure is None else f"failing or missing response from {url}: {failure}"


def _has_endpoint(endpoint_slice: Obj, port_name: str) -> bool:
    """hasAvailableEndpoint: a ready (or unknown) endpoint and a port of that name with a number."""
    ready = any((e.get("conditions") or {}).get("ready") is not False for e in endpoint_slice.get("endpoints") or [])
    named = any(p.get("name", "") == port_name and p.get("port") is not None for p in endpoint_slice.get("ports") or [])
    return ready and named


def _available_condition(api_service: Obj) -> Obj | None:
    return next((c for c in (api_service.get("status") or {}).get("conditions") or [] if c.get("type") == "Available"),
                None)  # fmt: skip


def _ordered(condition: Obj) -> Obj:
    """APIServiceCondition's field order."""
    keys = ("type", "status", "lastTransitionTime", "reason", "message")
    return {k: condition[k] for k in keys if k in condition}
