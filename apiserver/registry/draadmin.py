"""DRA's admin access (resourceutils.AuthorizedForAdmin/AuthorizedForAdminStatus): a ResourceClaim or
ResourceClaimTemplate requesting ``adminAccess`` on a device, or a claim's status granting it, is allowed only in
a namespace labelled ``resource.kubernetes.io/admin-access: "true"``. The error leads the claim's 422."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.registry.resourceinfo import ResourceInfo

Obj = dict[str, Any]
NamespaceLookup = Callable[[str], Awaitable[Obj | None]]

LABEL = "resource.kubernetes.io/admin-access"
_MESSAGE = f"admin access to devices requires the `{LABEL}: true` label on the containing namespace"


def _requests(obj: Obj, info: ResourceInfo) -> list[Any]:
    spec = obj.get("spec") or {}
    if info.kind == "ResourceClaimTemplate":
        spec = spec.get("spec") or {}
    return (spec.get("devices") or {}).get("requests") or []


def _requested_path(obj: Obj, info: ResourceInfo) -> str | None:
    """The first request asking for admin access (only ``exactly`` requests may; kube's path is the claim's even
    for a template)."""
    for i, request in enumerate(_requests(obj, info)):
        exactly = request.get("exactly") if isinstance(request, dict) else None
        if isinstance(exactly, dict) and exactly.get("adminAccess") is True:
            return f"spec.devices.requests[{i}].adminAccess"
    return None


def _granted_path(obj: Obj | None) -> str | None:
    results = ((((obj or {}).get("status") or {}).get("allocation") or {}).get("devices") or {}).get("results") or []
    for i, result in enumerate(results):
        if isinstance(result, dict) and result.get("adminAccess") is True:
            return f"status.allocation.devices.results[{i}].adminAccess"
    return None


async def _check(path: str | None, namespace: str | None, lookup: NamespaceLookup) -> list[Cause]:
    if path is None or namespace is None:
        return []
    ns = await lookup(namespace)
    errs = FieldErrors()
    if ns is None:
        errs.internal(path, f'could not retrieve namespace to verify admin access: namespaces "{namespace}" not found')
    elif ((ns.get("metadata") or {}).get("labels") or {}).get(LABEL) != "true":
        errs.forbidden(path, _MESSAGE)
    return errs.causes


async def on_create(obj: Obj, info: ResourceInfo, namespace: str | None, lookup: NamespaceLookup) -> list[Cause]:
    """AuthorizedForAdmin of a new claim or template."""
    if (
        not info.builtin
        or info.group != "resource.k8s.io"
        or info.kind not in ("ResourceClaim", "ResourceClaimTemplate")
    ):
        return []
    return await _check(_requested_path(obj, info), namespace, lookup)


async def on_status(
    new: Obj, old: Obj, info: ResourceInfo, namespace: str | None, lookup: NamespaceLookup
) -> list[Cause]:
    """AuthorizedForAdminStatus of a claim's status update (an allocation that already granted it is kept)."""
    if not info.builtin or info.group != "resource.k8s.io" or info.kind != "ResourceClaim" or _granted_path(old):
        return []
    return await _check(_granted_path(new), namespace, lookup)
