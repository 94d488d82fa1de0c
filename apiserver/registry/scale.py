"""The ``scale`` subresource: an autoscaling/v1 Scale view of deployments, replica sets, stateful sets and
custom resources with a scale subresource (registry/apps/deployment ScaleREST, apiextensions' scale paths)."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.patching.scalefields import Mappings, replicas_path
from aiokube.apiserver.registry.labelselector import InvalidSelector, label_selector_string
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.resources import Registry, ResourceInfo

Obj = dict[str, Any]

#: the Go type of the Scale body, for strategic merge patches of ``.../scale``
SCALE_SCHEMA = "k8s.io.api.autoscaling.v1.Scale"
#: the Scale's type for its field manager
SCALE_TYPE = mf.builtin_type(SCALE_SCHEMA)
#: the replicas path of the built-in kinds with a scale subresource, by apiVersion (kube's replicasPathIn*)
_BUILTIN_REPLICAS = {
    "apps": {v: replicas_path(".spec.replicas") for v in ("apps/v1beta1", "apps/v1beta2", "apps/v1")},
    "": {"v1": replicas_path(".spec.replicas")},
}


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


def replicas_mappings(info: ResourceInfo, registry: Registry) -> Mappings:
    """The parent's replicas path at each of its versions, for the Scale's field manager: the apps kinds' and
    ReplicationControllers' fixed ones, each served version of a custom resource its own ``specReplicasPath``
    (None for a version without a scale subresource)."""
    if info.custom is None:
        return _BUILTIN_REPLICAS.get(info.group, {})
    out: dict[str, Any] = {}
    for other in registry:
        if other.custom is not None and (other.group, other.plural) == (info.group, info.plural):
            sc = other.custom.scale
            out[other.api_version] = replicas_path(sc.get("specReplicasPath", ".spec.replicas")) if sc else None
    return out


def custom_apply_error(what: str) -> errors.StatusError:
    """kube 1.36 cannot server-side apply a custom resource's Scale: the CRD's field manager converts the Scale
    to the resource's version and fails, with a 500, whenever the apply changes something or no manager owns the
    replicas yet (it records the one that changes nothing). Reproduced so that a controller relying on it fails
    here as it would on a cluster."""
    return errors.StatusError(
        500, "", f"{what} to proper version: request to convert CR to an invalid group/version: autoscaling/v1"
    )


def same_scale(a: Obj, b: Obj) -> bool:
    """Whether two Scales are equal but for their managed fields."""

    def bare(scale: Obj) -> Obj:
        md = {k: v for k, v in (scale.get("metadata") or {}).items() if k != "managedFields"}
        return {**scale, "metadata": md}

    return bare(a) == bare(b)


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

