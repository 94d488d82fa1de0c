"""Resource requirements (validateResourceRequirements) of a container, a pod (pod-level resources) or a pod's
overhead: the resource names, quantities that are not negative, whole numbers for integer resources and
hugepage multiples, a request within its limit (equal to it where the resource cannot be overcommitted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver.defaulting import aggregate_containers
from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.quantity import Quantity, parse_quantity
from aiokube.apiserver.registry.validation.objectmeta import is_qualified_name

Obj = dict[str, Any]
NameCheck = Callable[[str, str, FieldErrors], None]

_ZERO = Quantity(0, 0, "DecimalSI")
_STANDARD_CONTAINER = frozenset(("cpu", "memory", "ephemeral-storage"))
_STANDARD = frozenset((
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
    "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage",
    "services.nodeports", "services.loadbalancers",
))  # fmt: skip
_INTEGER = frozenset((
    "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
))  # fmt: skip
_POD_LEVEL = ["cpu", "hugepages-", "memory"]


def _native(name: str) -> bool:
    """IsNativeResource: no domain, or kubernetes.io's."""
    return "/" not in name or "kubernetes.io/" in name


def _extended(name: str) -> bool:
    """IsExtendedResourceName: another domain's, and a qualified name once prefixed with ``requests.``."""
    return not _native(name) and not name.startswith("requests.") and not is_qualified_name(f"requests.{name}")


def overcommit_allowed(name: str) -> bool:
    """IsOvercommitAllowed: native resources other than hugepages."""
    return _native(name) and not name.startswith("hugepages-")


def _resource_name(name: str, path: str, errs: FieldErrors) -> bool:
    """validateResourceName; False when it found something."""
    msgs = is_qualified_name(name)
    for msg in msgs:
        errs.invalid(path, name, msg)
    if msgs:
        return False
    if "/" not in name and name not in _STANDARD and not name.startswith(("hugepages-", "requests.hugepages-")):
        errs.invalid(path, name, "must be a standard resource type or fully qualified")
        return False
    return True


def container_resource_name(name: str, path: str, errs: FieldErrors) -> None:
    """validateContainerResourceName."""
    _resource_name(name, path, errs)
    if "/" not in name:
        if name not in _STANDARD_CONTAINER and not name.startswith("hugepages-"):
            errs.invalid(path, name, "must be a standard resource for containers")
    elif not _native(name) and not _extended(name):
        errs.invalid(path, name, "doesn't follow extended resource name standard")


def pod_resource_name(name: str, path: str, errs: FieldErrors) -> None:
    """validatePodResourceName: cpu, memory and hugepages only."""
    if _resource_name(name, path, errs) and name not in ("cpu", "memory") and not name.startswith("hugepages-"):
        errs.not_supported(path, name, _POD_LEVEL)


def _milli_whole(q: Quantity) -> bool:
    """MilliValue() % 1000 == 0 (MilliValue rounds up to a whole thousandth)."""
    if q.scale >= 0:
        return True
    step = 10**-q.scale
    milli = -(-q.unscaled * 1000 // step)
    return milli % 1000 == 0


def _hugepage_error(name: str, q: Quantity) -> str | None:
    """validateResourceQuantityHugePageValue: a whole multiple of the page size the name gives."""
    size = parse_quantity(name.removeprefix("hugepages-"))
    value = -(-q.unscaled * 10**q.scale // 1) if q.scale >= 0 else -(-q.unscaled // 10**-q.scale)
    if size is not None and size.cmp(_ZERO) > 0 and _milli_whole(size):
        page = size.unscaled * 10**size.scale if size.scale >= 0 else size.unscaled // 10**-size.scale
        if value % page == 0:
            return None
    return f"{q} is not positive integer multiple of {name}"


def _quantity(name: str, text: Any, path: str, errs: FieldErrors) -> Quantity | None:
    """ValidateResourceQuantityValue, then the hugepage rule."""
    q = parse_quantity(text)
    if q is None:
        return None
    if q.cmp(_ZERO) < 0:
        errs.invalid(path, str(text), "must be greater than or equal to 0")
    if (name in _INTEGER or _extended(name)) and not _milli_whole(q):
        errs.invalid(path, str(q), "must be an integer")
    if name.startswith("hugepages-"):
        error = _hugepage_error(name, q)
        if error is not None:
            errs.invalid(path, str(q), error)
    return q


def validate_requirements(
    resources: Obj | None, path: str, errs: FieldErrors, name_check: NameCheck = container_resource_name
) -> None:
    """validateResourceRequirements (limits, then requests, each in name order: kube walks Go maps)."""
    limits = _list(resources, "limits")
    requests = _list(resources, "requests")
    compute = False
    hugepages = False
    for name in sorted(limits):
        name_check(name, f"{path}.limits[{name}]", errs)
        _quantity(name, limits[name], f"{path}.limits[{name}]", errs)
        compute = compute or name in ("cpu", "memory")
        hugepages = hugepages or name.startswith("hugepages-")
    for name in sorted(requests):
        rpath = f"{path}.requests[{name}]"
        name_check(name, rpath, errs)
        q = _quantity(name, requests[name], rpath, errs)
        limit = parse_quantity(limits[name]) if name in limits else None
        if q is not None and limit is not None:
            if q.cmp(limit) != 0 and not overcommit_allowed(name):
                errs.invalid(f"{path}.requests", str(q), f"must be equal to {name} limit of {limit}")
            elif q.cmp(limit) > 0:
                errs.invalid(f"{path}.requests", str(q), f"must be less than or equal to {name} limit of {limit}")
        elif name not in limits and not overcommit_allowed(name):
            errs.required(f"{path}.limits", "Limit must be set for non overcommitable resources")
        compute = compute or name in ("cpu", "memory")
        hugepages = hugepages or name.startswith("hugepages-")
    if hugepages and not compute:
        errs.forbidden(path, "HugePages require cpu or memory")


def _list(resources: Obj | None, key: str) -> dict[str, Any]:
    values = (resources or {}).get(key)
    return values if isinstance(values, dict) else {}


def pod_resource_consistency(spec: Obj, pod_resources: Obj, path: str, errs: FieldErrors) -> None:
    """validatePodResourceConsistency: pod-level requests cover the containers' aggregate, hugepage limits
    their aggregate limits, and no container's limit passes the pod's (names in order; kube walks Go maps)."""
    requests, limits = _list(pod_resources, "requests"), _list(pod_resources, "limits")
    aggregate = aggregate_containers(spec, "requests")
    for name in sorted(aggregate):
        pod_q = parse_quantity(requests[name]) if name in requests else None
        if pod_q is not None and aggregate[name].cmp(pod_q) > 0:
            detail = f"must be greater than or equal to aggregate container requests of {aggregate[name]}"
            errs.invalid(f"{path}.requests[{name}]", str(pod_q), detail)
    aggregate = aggregate_containers(spec, "limits")
    for name in sorted(aggregate):
        pod_q = parse_quantity(limits[name]) if name.startswith("hugepages-") and name in limits else None
        if pod_q is not None and aggregate[name].cmp(pod_q) > 0:
            detail = f"must be greater than or equal to aggregate container limits of {aggregate[name]}"
            errs.invalid(f"{path}.limits[{name}]", str(pod_q), detail)
    for i, container in enumerate(spec.get("containers") or []):
        container_limits = _list(container.get("resources"), "limits")
        for name in sorted(container_limits):
            pod_q = parse_quantity(limits[name]) if name in limits else None
            limit = parse_quantity(container_limits[name])
            if pod_q is not None and limit is not None and limit.cmp(pod_q) > 0:
                errs.invalid(f"{path}.containers[{i}][{name}].limits", str(limit),
                             f"must be less than or equal to pod limits of {pod_q}")  # fmt: skip
