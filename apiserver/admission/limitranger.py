"""LimitRanger (plugin/pkg/admission/limitranger), on by default in kube: a pod created in a namespace with
LimitRanges gets their containers' default requests and limits (and an annotation saying which), and a pod or
claim outside their minimums, maximums or limit/request ratios is forbidden, with kube's texts.

Pure functions over the namespace's LimitRanges (as stored: their defaults filled in by kube's defaulting);
registry/admissionplugins.py reads them and calls these. Where kube walks a Go map, the order is the object's.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.defaulting import aggregate_containers
from aiokube.apiserver.quantity import Quantity, parse_quantity

Obj = dict[str, Any]
ANNOTATION = "kubernetes.io/limit-ranger"
_MAX_MILLI = (2**63 - 1) // 1000


def _q(value: Any) -> Quantity:
    return parse_quantity(value) or Quantity(0, 0, "DecimalSI")


def _ceil_scaled(q: Quantity, scale: int) -> int:
    shift = q.scale - scale
    if shift >= 0:
        return q.unscaled * 10**shift
    return -(-q.unscaled // 10**-shift)


def _compared(*quantities: Quantity) -> list[int]:
    """requestLimitEnforcedValues: milli-values when none overflows them, else values (both rounded up)."""
    values = [_ceil_scaled(q, 0) for q in quantities]
    if all(v <= _MAX_MILLI for v in values):
        return [_ceil_scaled(q, -3) for q in quantities]
    return values


def _items(limit_range: Obj) -> list[Obj]:
    return list((limit_range.get("spec") or {}).get("limits") or ())


def mutate_pod(pod: Obj, limit_ranges: list[Obj]) -> None:
    """PodMutateLimitFunc, per LimitRange in order: the Container items' defaults into each container lacking
    them, and the annotation listing what was set."""
    for limit_range in limit_ranges:
        requests: Obj = {}
        limits: Obj = {}
        for item in _items(limit_range):
            if item.get("type") == "Container":
                requests.update(item.get("defaultRequest") or {})
                limits.update(item.get("default") or {})
        notes: list[str] = []
        spec = pod.get("spec") or {}
        for kind, what in (("containers", "container"), ("initContainers", "init container")):
            for container in spec.get(kind) or ():
                notes += _merge(container, requests, limits, what)
        if notes:
            pod["metadata"].setdefault("annotations", {})[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _merge(container: Obj, requests: Obj, limits: Obj, what: str) -> list[str]:
    resources = container.setdefault("resources", {})
    have_limits = resources.setdefault("limits", {})
    have_requests = resources.setdefault("requests", {})
    set_limits = [k for k in limits if k not in have_limits]
    set_requests = [k for k in requests if k not in have_requests]
    for k in set_limits:
        have_limits[k] = limits[k]
    for k in set_requests:
        have_requests[k] = requests[k]
    if not have_limits:
        del resources["limits"]
    if not have_requests:
        del resources["requests"]
    notes = []
    name = container.get("name", "")
    if set_requests:
        notes.append(f"{', '.join(sorted(set_requests))} request for {what} {name}")
    if set_limits:
        notes.append(f"{', '.join(sorted(set_limits))} limit for {what} {name}")
    return notes


def _min(kind: str, name: str, enforced: Any, requests: Obj, limits: Obj) -> str | None:
    e = _q(enforced)
    if name not in requests:
        return f"minimum {name} usage per {kind} is {e}.  No request is specified"
    req, lim = _q(requests[name]), _q(limits.get(name, "0"))
    r, limit_value, v = _compared(req, lim, e)
    if r < v:
        return f"minimum {name} usage per {kind} is {e}, but request is {req}"
    if name in limits and limit_value < v:
        return f"minimum {name} usage per {kind} is {e}, but limit is {lim}"
    return None


def _max(kind: str, name: str, enforced: Any, requests: Obj, limits: Obj) -> str | None:
    e = _q(enforced)
    if name not in limits:
        return f"maximum {name} usage per {kind} is {e}.  No limit is specified"
    req, lim = _q(requests.get(name, "0")), _q(limits[name])
    r, limit_value, v = _compared(req, lim, e)
    if limit_value > v:
        return f"maximum {name} usage per {kind} is {e}, but limit is {lim}"
    if name in requests and r > v:
        return f"maximum {name} usage per {kind} is {e}, but request is {req}"
    return None


def _max_request(kind: str, name: str, enforced: Any, requests: Obj) -> str | None:
    e = _q(enforced)
    if name not in requests:
        return f"maximum {name} usage per {kind} is {e}.  No request is specified"
    req = _q(requests[name])
    r, _, v = _compared(req, Quantity(0, 0, "DecimalSI"), e)
    if r > v:
        return f"maximum {name} usage per {kind} is {e}, but request is {req}"
    return None


def _ratio(kind: str, name: str, enforced: Any, requests: Obj, limits: Obj) -> str | None:
    e = _q(enforced)
    req, lim = _q(requests.get(name, "0")), _q(limits.get(name, "0"))
    r, limit_value, _ = _compared(req, lim, e)
    if name not in requests or r == 0:
        return f"{name} max limit to request ratio per {kind} is {e}, but no request is specified or request is 0"
    if name not in limits or limit_value == 0:
        return f"{name} max limit to request ratio per {kind} is {e}, but no limit is specified or limit is 0"
    observed = limit_value / r
    display = observed
    allowed = float(_ceil_scaled(e, 0))
    if _ceil_scaled(e, 0) <= _MAX_MILLI:
        observed, allowed = observed * 1000, float(_ceil_scaled(e, -3))
    if observed > allowed:
        return f"{name} max limit to request ratio per {kind} is {e}, but provided ratio is {display:f}"
    return None


def _checks(kind: str, item: Obj, requests: Obj, limits: Obj) -> list[str]:
    found = [_min(kind, k, v, requests, limits) for k, v in (item.get("min") or {}).items()]
    found += [_max(kind, k, v, requests, limits) for k, v in (item.get("max") or {}).items()]
    found += [_ratio(kind, k, v, requests, limits) for k, v in (item.get("maxLimitRequestRatio") or {}).items()]
    return [f for f in found if f]


def _pod_total(spec: Obj, key: str) -> Obj:
    """podRequests / podLimits: the containers' aggregate (sidecars added, init containers as a floor), with
    pod-level cpu and memory instead where the pod sets them."""
    out: Obj = {name: str(q) for name, q in aggregate_containers(spec, key).items()}
    for name, value in ((spec.get("resources") or {}).get(key) or {}).items():
        if name in ("cpu", "memory"):
            out[name] = value
    return out


def validate_pod(pod: Obj, limit_ranges: list[Obj]) -> list[str]:
    """PodValidateLimitFunc over each LimitRange (its errors, for the first range that has any)."""
    spec = pod.get("spec") or {}
    for limit_range in limit_ranges:
        found: list[str] = []
        for item in _items(limit_range):
            if item.get("type") == "Container":
                for kind in ("containers", "initContainers"):
                    for c in spec.get(kind) or ():
                        resources = c.get("resources") or {}
                        found += _checks("Container", item, resources.get("requests") or {},
                                         resources.get("limits") or {})  # fmt: skip
            elif item.get("type") == "Pod":
                found += _checks("Pod", item, _pod_total(spec, "requests"), _pod_total(spec, "limits"))
        if found:
            return found
    return []


def validate_claim(claim: Obj, limit_ranges: list[Obj]) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: min and max of the requested storage."""
    requests = ((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}
    for limit_range in limit_ranges:
        found: list[str] = []
        for item in _items(limit_range):
            if item.get("type") == "PersistentVolumeClaim":
                kind = "PersistentVolumeClaim"
                found += [e for k, v in (item.get("min") or {}).items() if (e := _min(kind, k, v, requests, {}))]
                found += [e for k, v in (item.get("max") or {}).items() if (e := _max_request(kind, k, v, requests))]
        if found:
            return found
    return []


def forbidden_text(errors: list[str]) -> str:
    """utilerrors.NewAggregate's text."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
