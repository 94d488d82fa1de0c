"""What a write through ``pods/status`` may carry (pkg/apis/core/validation ValidatePodStatusUpdate, the parts a
kubelet or scheduler stand-in meets): condition types and observed generations, the nominated node, the QoS
class that never changes, and the pod and host IPs (valid, one per family; the v1 ``podIP``/``hostIP`` fill the
lists as kube's conversion does)."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_SYSTEM_CONDITIONS = ("PodScheduled", "Ready", "Initialized")
_NON_NEGATIVE = "must be a non-negative integer"


def _ips(status: Obj, key: str) -> list[str]:
    """The internal PodIPs/HostIPs: v1's list, else its single field."""
    ips = [item.get("ip", "") for item in f.list_at(status, f"{key}s") if isinstance(item, dict)]
    if not ips and status.get(key):
        return [status[key]]
    return ips


def _ip_list(ips: list[str], old_ips: list[str], path: str, errs: FieldErrors) -> None:
    """validatePodIPs / validateHostIPs: new IPs valid (old invalid ones may stay), one per family."""
    for i, ip in enumerate(ips):
        if ip not in old_ips:
            for msg in f.ip_errors(ip):
                errs.invalid(f"{path}[{i}]", ip, msg)
    if len(ips) > 1:
        unparsable = next((i for i, ip in enumerate(ips) if f.ip_errors(ip) == [f.IP_MSG]), None)
        if unparsable is not None:  # netutils.IsDualStackIPStrings' error
            detail = f"invalid IP[{unparsable}]: {ips[unparsable]}"
            errs.internal(path, f"failed to check for dual stack with error:{detail}")
        families = {":" in ip for ip in ips}
        if unparsable is not None or len(families) != 2 or len(ips) > 2:
            # kube prints the internal []core.PodIP / []core.HostIP (Go field names)
            errs.invalid(path, [{"IP": ip} for ip in ips], "may specify no more than one IP for each IP family")


def validate_pod_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodStatusUpdate's checks of the status."""
    status, old_status = f.obj_at(obj, "status"), f.obj_at(old, "status")
    for i, condition in enumerate(f.list_at(status, "conditions")):
        if not isinstance(condition, dict):
            continue
        generation = condition.get("observedGeneration", 0)
        if isinstance(generation, int) and generation < 0:
            errs.invalid(f"status.conditions[{i}].observedGeneration", generation, _NON_NEGATIVE)
        kind = condition.get("type", "")
        if kind not in _SYSTEM_CONDITIONS:
            f.qualified_name(kind, f"status.conditions[{i}].Type", errs)
    nominated = status.get("nominatedNodeName", "")
    if nominated and nominated != old_status.get("nominatedNodeName", ""):
        f.dns1123_subdomain(nominated, "status.nominatedNodeName", errs)
        if f.obj_at(old, "spec").get("nodeName"):
            errs.forbidden("status.nominatedNodeName", "may not be set on pods that are already bound to a node")
    generation = status.get("observedGeneration", 0)
    if isinstance(generation, int) and generation < 0:
        errs.invalid("status.observedGeneration", generation, _NON_NEGATIVE)
    f.immutable(status.get("qosClass"), old_status.get("qosClass"), "status.qosClass", errs)
    _ip_list(_ips(status, "podIP"), _ips(old_status, "podIP"), "status.podIPs", errs)
    host_ips = _ips(status, "hostIP")
    if host_ips:
        if status.get("hostIP", "") != host_ips[0]:
            errs.invalid("status.hostIPs[0].ip", host_ips[0], "must be equal to `hostIP`")
        _ip_list(host_ips, _ips(old_status, "hostIP"), "status.hostIPs", errs)
