"""The ``scale`` subresource: an autoscaling/v1 Scale view of deployments, replica sets, stateful sets and
custom resources with a scale subresource (registry/apps/deployment ScaleREST, apiextensions' scale paths)."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.registry.labelselector import InvalidSelector, label_selector_string
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.resources import ResourceInfo

Obj = dict[str, Any]

#: the Go type of the Scale body, for strategic merge patches of ``.../scale``
SCALE_SCHEMA = "k8s.io.api.autoscaling.v1.Scale"


def scale_paths(info: ResourceInfo) -> tuple[str, str, str]:
    """specReplicasPath, statusReplicasPath, labelSelectorPath of a resource's scale subresource."""
    if info.custom is not None and info.custom.scale is not None:
        sc = info.custom.scale
        return (
            sc.get("specReplicasPath", ".spec.replicas"),
            sc.get("statusReplicasPath", ".status.replicas"),
            (sc.get("labelSelectorPath") or ""),
        )
    return ".spec.replicas", ".status.replicas", ".spec.selector"


def json_path(obj: Any, path: str) -> Any:
    """The value at a simple ``.a.b.c`` path (CRD scale paths), or None."""
    cur = obj
    for part in path.strip(".").split("."):
        if not part:
            continue
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def set_json_path(obj: Obj, path: str, value: Any) -> None:
    parts = [p for p in path.strip(".").split(".") if p]
    cur = obj
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def scale_of(obj: Obj, info: ResourceInfo) -> Obj:
    """autoscaling/v1 Scale view of an object."""
    spec_path, status_path, selector_path = scale_paths(info)
    md = obj["metadata"]
    scale_md = {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in md}
    status: Obj = {"replicas": json_path(obj, status_path) or 0}
    selector = json_path(obj, selector_path) if selector_path else None
    if info.builtin and info.kind == "ReplicationController" and isinstance(selector, dict):
        selector = {"matchLabels": selector}  # an RC's selector is a plain label map
    if isinstance(selector, dict):
        try:
            selector = label_selector_string(selector)
        except InvalidSelector as exc:  # ScaleREST: LabelSelectorAsSelector's error is an internal error
            raise errors.internal_error(str(exc)) from None
    if selector:
        status["selector"] = selector
    spec: Obj = {}
    replicas = json_path(obj, spec_path)
    if replicas is not None:
        spec["replicas"] = replicas
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_md, "spec": spec, "status": status}


def scaled(existing: Obj, scale: Obj, info: ResourceInfo, name: str, check_version: bool) -> Obj:
    """A copy of ``existing`` with the replicas of ``scale`` (a PUT body or a patched Scale), after kube's
    checks: the Scale's resourceVersion (for a PUT), the replicas' type and sign."""
    if check_version:
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != existing["metadata"].get("resourceVersion"):
            raise errors.conflict(info.group_resource, name, errors.OPTIMISTIC_LOCK_MESSAGE)
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if isinstance(replicas, bool) or not isinstance(replicas, int):
        raise errors.bad_request(
            f'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal '
            f"{type(replicas).__name__} into Go struct field ScaleSpec.spec.replicas of type int32"
        )
    if replicas < 0:
        errs = FieldErrors()
        errs.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        raise errors.invalid(GroupKind("autoscaling", "Scale"), name, errs.causes)
    new = copy_object(existing)
    set_json_path(new, scale_paths(info)[0], replicas)
    return new

