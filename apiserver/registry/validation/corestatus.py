"""What a write through ``status`` may carry for the core kinds besides pods and nodes (pkg/apis/core/validation:
ValidateServiceStatusUpdate, ValidateNamespaceStatusUpdate, ValidateReplicationControllerStatusUpdate,
ValidateResourceQuotaStatusUpdate, ValidatePersistentVolumeClaimStatusUpdate; a PersistentVolume's status
strategy checks only metadata): load balancer ingress points, the namespace phase, replica counts, quota
quantities and a claim's capacity and resize state.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_IP_MODES = ["Proxy", "VIP"]
_RESIZE_STATUSES = [
    "ControllerResizeInProgress", "ControllerResizeInfeasible", "NodeResizeInProgress", "NodeResizeInfeasible",
    "NodeResizePending",
]  # fmt: skip
_STANDARD_RESOURCES = frozenset((
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
    "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage",
    "services.nodeports", "services.loadbalancers",
))  # fmt: skip
_QUOTA_RESOURCES = _STANDARD_RESOURCES - {"storage"}


def load_balancer_ips(status: Obj) -> list[str]:
    ingresses = f.list_at(f.obj_at(status, "loadBalancer"), "ingress")
    return [i["ip"] for i in ingresses if isinstance(i, dict) and i.get("ip")]


def _hostname(hostname: str, path: str, errs: FieldErrors) -> None:
    f.dns1123_subdomain(hostname, path, errs)
    if f.ip_errors(hostname) != [f.IP_MSG]:  # netutils.ParseIPSloppy parses it
        errs.invalid(path, hostname, "must be a DNS name, not an IP address")


def load_balancer_ingress(ingresses: list[Any], old_ips: list[str], path: str, errs: FieldErrors, *,
                          ip_mode: bool) -> None:  # fmt: skip
    """ValidateLoadBalancerStatus / ValidateIngressLoadBalancerStatus's per-ingress checks: a valid new IP, the
    IP mode set exactly with an IP (Services only), a DNS hostname that is no IP."""
    for i, ingress in enumerate(ingresses):
        if not isinstance(ingress, dict):
            continue
        ipath = f"{path}[{i}]"
        ip = ingress.get("ip", "")
        if ip and ip not in old_ips:
            for msg in f.ip_errors(ip):
                errs.invalid(f"{ipath}.ip", ip, msg)
        if ip_mode:
            mode = ingress.get("ipMode")
            if mode is None:
                if ip:
                    errs.required(f"{ipath}.ipMode", "must be specified when `ip` is set")
            elif not ip:
                errs.forbidden(f"{ipath}.ipMode", "may not be specified when `ip` is not set")
            elif mode not in _IP_MODES:
                errs.not_supported(f"{ipath}.ipMode", mode, _IP_MODES)
        hostname = ingress.get("hostname", "")
        if hostname:
            _hostname(hostname, f"{ipath}.hostname", errs)


def validate_service_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    ingresses = f.list_at(f.obj_at(f.obj_at(obj, "status"), "loadBalancer"), "ingress")
    if f.obj_at(obj, "spec").get("type") != "LoadBalancer" and ingresses:
        errs.forbidden("status.loadBalancer.ingress", "may only be used when `spec.type` is 'LoadBalancer'")
        return
    old_ips = load_balancer_ips(f.obj_at(old, "status"))
    load_balancer_ingress(ingresses, old_ips, "status.loadBalancer.ingress", errs, ip_mode=True)


def validate_namespace_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """The phase agrees with the deletion timestamp (kube names the field ``status.Phase``)."""
    phase = f.obj_at(obj, "status").get("phase", "")
    if not f.obj_at(obj, "metadata").get("deletionTimestamp"):
        if phase != "Active":
            errs.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")
    elif phase != "Terminating":
        errs.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")


def _int(status: Obj, key: str) -> int:
    value = status.get(key, 0)
    return value if isinstance(value, int) else 0


def validate_replication_controller_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    status = f.obj_at(obj, "status")
    for key in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"):
        f.nonnegative(status.get(key, 0), f"status.{key}", errs)
    replicas = _int(status, "replicas")
    for key in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if _int(status, key) > replicas:
            errs.invalid(f"status.{key}", status[key], "cannot be greater than status.replicas")
    if _int(status, "availableReplicas") > _int(status, "readyReplicas"):
        errs.invalid("status.availableReplicas", status["availableReplicas"], "cannot be greater than readyReplicas")


def _quota_resource_name(name: str, path: str, errs: FieldErrors) -> None:
    """ValidateResourceQuotaResourceName."""
    qualified = f.is_qualified_name(name)
    for msg in qualified:
        errs.invalid(path, name, msg)
    hugepages = name.startswith(("hugepages-", "requests.hugepages-"))
    if "/" not in name:
        if not qualified and not (name in _STANDARD_RESOURCES or hugepages):
            errs.invalid(path, name, "must be a standard resource type or fully qualified")
        if not (name in _QUOTA_RESOURCES or hugepages):
            errs.invalid(path, name, "must be a standard resource for quota")


def validate_resource_quota_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """Names and quantities of ``status.hard`` and ``status.used`` (kube walks Go maps: any order)."""
    status = f.obj_at(obj, "status")
    for key in ("hard", "used"):
        for name, value in f.obj_at(status, key).items():
            path = f"status.{key}[{name}]"
            _quota_resource_name(name, path, errs)
            f.resource_quantity_value(name, value, path, errs)


def _pvc_resource_key(name: str, path: str, errs: FieldErrors) -> bool:
    """validatePersistentVolumeClaimResourceKey; True when it found something."""
    msgs = f.is_qualified_name(name)
    for msg in msgs:
        errs.invalid(path, name, msg)
    if msgs:
        return True
    if f.is_native_resource(name) and name != "storage":
        errs.not_supported(path, name, ["storage"])
        return True
    return False


def validate_persistent_volume_claim_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """Access modes still set, capacities not negative, the resize statuses and allocated resources of storage
    (RecoverVolumeExpansionFailure is on in 1.36)."""
    if not f.list_at(f.obj_at(obj, "spec"), "accessModes"):
        errs.required("Spec.accessModes")
    status = f.obj_at(obj, "status")
    for name, value in f.obj_at(status, "capacity").items():
        q = f.quantity(value)
        if q is not None and q.cmp(f.ZERO) < 0:
            errs.invalid(f"status.capacity[{name}]", _value(q), "must be a valid resource quantity")
    path = "status.allocatedResourceStatuses"
    for name, value in f.obj_at(status, "allocatedResourceStatuses").items():
        _pvc_resource_key(name, path, errs)
        if value not in _RESIZE_STATUSES:
            errs.not_supported(path, name, _RESIZE_STATUSES)
    path = "status.allocatedResources"
    for name, value in f.obj_at(status, "allocatedResources").items():
        if _pvc_resource_key(name, path, errs):
            continue
        q = f.quantity(value)
        if q is not None and q.cmp(f.ZERO) < 0:
            errs.invalid(f"{path}[{name}]", _value(q), "must be a valid resource quantity")
        else:
            f.resource_quantity_value("storage", value, f"{path}[{name}]", errs)


def _value(q: Any) -> int:
    """Quantity.Value(): a whole number, a fraction rounded away from zero."""
    if q.scale >= 0:
        return q.unscaled * 10**q.scale
    whole, rest = divmod(abs(q.unscaled), 10**-q.scale)
    whole += 1 if rest else 0
    return whole if q.unscaled >= 0 else -whole
