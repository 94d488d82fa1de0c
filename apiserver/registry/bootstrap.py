"""The objects kube-apiserver 1.36 creates for itself on start, besides the system namespaces: the two
system PriorityClasses (pkg/apis/scheduling/v1/helpers.go) and a local APIService per served built-in
group version, Available with reason Local (the aggregator's autoregister and local-available
controllers; priorities from cmd/kube-apiserver/app/aggregator.go); the default ServiceCIDR and the
``kubernetes`` Service; API Priority and Fairness' mandatory and suggested objects; the default RBAC policy.
Existing objects are left alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.authorization import bootstrappolicy, rbac
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry import apf_bootstrap
from aiokube.apiserver.registry.meta import now_rfc3339
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.apiserver.registry.services import SERVICE_CIDR
from aiokube.apiserver.registry.store import GenericStore

Obj = dict[str, Any]

SYSTEM_PRIORITY_CLASSES: tuple[tuple[str, int, str], ...] = (
    ("system-node-critical", 2_000_001_000,
     "Used for system critical pods that must not be moved from their current node."),
    ("system-cluster-critical", 2_000_000_000,
     "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
)  # fmt: skip

#: (group, version) -> (groupPriorityMinimum, versionPriority) of the local APIServices kube registers
API_SERVICE_PRIORITIES: dict[tuple[str, str], tuple[int, int]] = {
    ("", "v1"): (18000, 1), ("apps", "v1"): (17800, 15), ("events.k8s.io", "v1"): (17750, 15),
    ("authentication.k8s.io", "v1"): (17700, 15), ("authorization.k8s.io", "v1"): (17600, 15),
    ("autoscaling", "v1"): (17500, 15), ("autoscaling", "v2"): (17500, 30), ("batch", "v1"): (17400, 15),
    ("certificates.k8s.io", "v1"): (17300, 15), ("networking.k8s.io", "v1"): (17200, 15),
    ("policy", "v1"): (17100, 15), ("rbac.authorization.k8s.io", "v1"): (17000, 15),
    ("storage.k8s.io", "v1"): (16800, 15), ("apiextensions.k8s.io", "v1"): (16700, 15),
    ("admissionregistration.k8s.io", "v1"): (16700, 15), ("scheduling.k8s.io", "v1"): (16600, 15),
    ("coordination.k8s.io", "v1"): (16500, 15), ("node.k8s.io", "v1"): (16300, 15),
    ("discovery.k8s.io", "v1"): (16200, 15), ("resource.k8s.io", "v1"): (16200, 21),
    ("flowcontrol.apiserver.k8s.io", "v1"): (16100, 21),
}  # fmt: skip
MANAGER = "kube-apiserver"
#: the aggregator's autoregister label: "onstart" for built-in group versions, "true" for CRDs' (kept in sync)
AUTOMANAGED = "kube-aggregator.kubernetes.io/automanaged"
#: what kube's crdregistration controller gives a CRD's group version
CRD_PRIORITY = (1000, 100)


def _api_service(group: str, version: str, priority: tuple[int, int], managed: str) -> Obj:
    spec: Obj = {"group": group, "version": version, "groupPriorityMinimum": priority[0],
                 "versionPriority": priority[1]}  # fmt: skip
    if not group:
        del spec["group"]
    return {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": {"name": f"{version}.{group}", "labels": {AUTOMANAGED: managed}}, "spec": spec}  # fmt: skip


def local_api_services(registry: Registry) -> list[Obj]:
    """One APIService per built-in group version served (custom resources' groups are not kube's to list)."""
    out = []
    for group, versions in registry.group_versions().items():
        for version in versions:
            priority = API_SERVICE_PRIORITIES.get((group, version))
            builtin = any(i.builtin for i in registry.resources_in(group, version))
            if priority is None or not builtin:
                continue
            out.append(_api_service(group, version, priority, "onstart"))
    return out


async def sync_crd_api_services(generic: GenericStore, registry: Registry) -> None:
    """kube's crdregistration controller: an APIService (priority 1000/100, automanaged "true") for each
    group version the CRDs serve, Available as Local; those whose group version is served no more go."""
    info = registry.get("apiregistration.k8s.io", "v1", "apiservices")
    assert info is not None
    wanted = {(i.group, i.version) for i in registry if i.custom is not None}
    existing = {e.obj["metadata"]["name"]: e.obj for e in generic.cacher_for(info).cache.values()}
    for group, version in sorted(wanted):
        name = f"{version}.{group}"
        if name in existing:
            continue
        with contextlib.suppress(StatusError):
            await generic.create_object(info, _api_service(group, version, CRD_PRIORITY, "true"))
            await generic.update(info, None, name, _available, subresource="status", allow_create=False,
                                 preconditions=None, dry_run=False, manager=MANAGER)  # fmt: skip
    for name, obj in existing.items():
        spec = obj.get("spec") or {}
        managed = (obj["metadata"].get("labels") or {}).get(AUTOMANAGED)
        if managed == "true" and (spec.get("group", ""), spec.get("version", "")) not in wanted:
            with contextlib.suppress(StatusError):
                await generic.delete(info, None, name, DeleteOptions())


async def _default_service_cidr_and_kubernetes_service(generic: GenericStore, registry: Registry) -> None:
    """The ``kubernetes`` ServiceCIDR (kube's default-servicecidr controller; Ready) and the ``kubernetes``
    Service in ``default`` on the range's first address (kube's apiserver endpoint reconciler; its
    Endpoints wait for the secure port, issue 13)."""
    cidrs = registry.get("networking.k8s.io", "v1", "servicecidrs")
    services = registry.get("", "v1", "services")
    assert cidrs is not None and services is not None
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR", "metadata": {"name": "kubernetes"},
            "spec": {"cidrs": [str(SERVICE_CIDR)]}}  # fmt: skip
    with contextlib.suppress(StatusError):
        await generic.create_object(cidrs, body)
    await generic.update(cidrs, None, "kubernetes", _ready, subresource="status", allow_create=False,
                         preconditions=None, dry_run=False, manager=MANAGER)  # fmt: skip
    first = str(SERVICE_CIDR.network_address + 1)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"type": "ClusterIP", "clusterIP": first, "sessionAffinity": "None",
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}  # fmt: skip
    with contextlib.suppress(StatusError):
        await generic.create(services, service, "default", dry_run=False, manager=MANAGER)


async def _ready(current: Obj | None) -> Obj:
    assert current is not None
    obj = {**current, "status": dict(current.get("status") or {})}
    if not obj["status"].get("conditions"):
        obj["status"]["conditions"] = [{
            "type": "Ready", "status": "True", "lastTransitionTime": now_rfc3339(), "reason": "",
            "message": "Kubernetes Service CIDR is ready",
        }]  # fmt: skip
    return obj


async def _flow_control(generic: GenericStore, registry: Registry) -> None:
    """APF's mandatory and suggested objects (registry/apf_bootstrap.py); each FlowSchema's Dangling
    condition as kube's config consumer writes it once its priority level exists."""
    levels = registry.get("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations")
    schemas = registry.get("flowcontrol.apiserver.k8s.io", "v1", "flowschemas")
    assert levels is not None and schemas is not None
    await asyncio.gather(*(create_quietly(generic, levels, body) for body in apf_bootstrap.priority_levels()))
    await asyncio.gather(*(ensure_flow_schema(generic, schemas, body) for body in apf_bootstrap.flow_schemas()))


async def ensure_flow_schema(generic: GenericStore, schemas: ResourceInfo, body: Obj) -> None:
    """The FlowSchema ``body`` created unless it exists, with the Dangling condition kube's config consumer
    writes when it has none."""
    await create_quietly(generic, schemas, body)
    level = body["spec"]["priorityLevelConfiguration"]["name"]

    async def found(current: Obj | None) -> Obj:
        assert current is not None
        obj = {**current, "status": dict(current.get("status") or {})}
        if not obj["status"].get("conditions"):
            message = f'This FlowSchema references the PriorityLevelConfiguration object named "{level}" and it exists'
            obj["status"]["conditions"] = [{"type": "Dangling", "status": "False",
                                            "lastTransitionTime": now_rfc3339(), "reason": "Found",
                                            "message": message}]  # fmt: skip
        return obj

    await generic.update(schemas, None, body["metadata"]["name"], found, subresource="status",
                         allow_create=False, preconditions=None, dry_run=False,
                         manager="api-priority-and-fairness-config-consumer-v1")  # fmt: skip


async def ensure_rbac_policy(
    generic: GenericStore, registry: Registry, exists: Callable[[ResourceInfo, Obj], bool]
) -> None:
    """kube's ``rbac/bootstrap-roles`` hook: its default roles and bindings, created when missing (aggregated
    roles with their aggregated rules already, as the aggregation controller would settle them). Existing
    objects are left alone (kube reconciles those annotated autoupdate; see the README)."""
    group = "rbac.authorization.k8s.io"
    cluster_roles = bootstrappolicy.cluster_roles()
    settled = rbac.settle_aggregation(cluster_roles)
    for role in cluster_roles:
        if role["metadata"]["name"] in settled:
            role["rules"] = settled[role["metadata"]["name"]]
    batches = [
        ("clusterroles", cluster_roles),
        ("clusterrolebindings", bootstrappolicy.cluster_role_bindings()),
        ("roles", [r for rs in bootstrappolicy.roles().values() for r in rs]),
        ("rolebindings", [b for bs in bootstrappolicy.role_bindings().values() for b in bs]),
    ]
    for plural, objs in batches:
        info = registry.get(group, "v1", plural)
        assert info is not None
        missing = [o for o in objs if not exists(info, o)]
        for start in range(0, len(missing), 32):  # etcd takes concurrent creates well: ~4x faster than one by one
            await asyncio.gather(*(create_quietly(generic, info, o) for o in missing[start : start + 32]))


async def create_quietly(generic: GenericStore, info: ResourceInfo, obj: Obj) -> None:
    """Create ``obj`` unless it exists (made by an earlier start, or by another replica)."""
    with contextlib.suppress(StatusError):  # AlreadyExists: another replica made it
        await generic.create_object(info, obj)


async def ensure_system_objects(generic: GenericStore, registry: Registry) -> None:
    """Each kind's objects are written concurrently (a fresh etcd takes ~100 sequential round trips in a
    third of the time this way); what depends on another object waits for it."""
    await _default_service_cidr_and_kubernetes_service(generic, registry)
    await _flow_control(generic, registry)
    priority_classes = registry.get("scheduling.k8s.io", "v1", "priorityclasses")
    if priority_classes is not None:
        bodies = [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
                   "value": value, "description": description}
                  for name, value, description in SYSTEM_PRIORITY_CLASSES]  # fmt: skip
        await asyncio.gather(*(create_quietly(generic, priority_classes, body) for body in bodies))
    api_services = registry.get("apiregistration.k8s.io", "v1", "apiservices")
    if api_services is not None:
        await asyncio.gather(*(_local_api_service(generic, api_services, b) for b in local_api_services(registry)))


async def _local_api_service(generic: GenericStore, info: ResourceInfo, body: Obj) -> None:
    await create_quietly(generic, info, body)
    await generic.update(info, None, body["metadata"]["name"], _available, subresource="status", allow_create=False,
                         preconditions=None, dry_run=False, manager=MANAGER)  # fmt: skip


async def _available(current: Obj | None) -> Obj:
    """status.conditions: Available, reason Local (kept as is once set, so restarts change nothing)."""
    assert current is not None
    obj = {**current, "status": dict(current.get("status") or {})}
    conditions = obj["status"].get("conditions") or []
    if not any(c.get("type") == "Available" and c.get("status") == "True" for c in conditions):
        obj["status"]["conditions"] = [{
            "type": "Available", "status": "True", "lastTransitionTime": now_rfc3339(), "reason": "Local",
            "message": "Local APIServices are always available",
        }]  # fmt: skip
    return obj
