"""pods/ephemeralcontainers and pods/resize: the two pod subresources that change the spec
(pkg/registry/core/pod/strategy.go podEphemeralContainersStrategy and podResizeStrategy, and their validation in
pkg/apis/core/validation: ValidatePodEphemeralContainersUpdate, ValidatePodResize).

Each strategy keeps the old pod and takes from the new one only what the subresource may change
(``spec.ephemeralContainers``; the containers' and init containers' ``resources``/``resizePolicy`` and the
pod-level ``resources``); metadata and status stay as they were, and ``metadata.generation`` is bumped when the
spec changed. Validation reports kube's field errors for the mistakes users meet (a removed or changed ephemeral
container, fields an ephemeral container may not set, a resize that changes the QoS class or removes limits).
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from aiokube.apiserver.errors import ROOT_PATH, FieldErrors
from aiokube.apiserver.quantity import Quantity, parse_quantity
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.validation import is_dns1123_label, resources
from aiokube.apiserver.registry.validation.podannotations import is_mirror_pod

Obj = dict[str, Any]

#: EphemeralContainerCommon's fields an ephemeral container may not set (validation's allowedEphemeralContainerFields)
_FORBIDDEN_EPHEMERAL_FIELDS = ("ports", "resources", "resizePolicy", "restartPolicy", "restartPolicyRules",
                               "livenessProbe", "readinessProbe", "startupProbe", "lifecycle")  # fmt: skip
_QOS_RESOURCES = ("cpu", "memory")
_ZERO = Quantity(0, 0, "DecimalSI")


def _spec(pod: Obj) -> Obj:
    spec = pod.get("spec")
    return spec if isinstance(spec, dict) else {}


def _bump_generation(new: Obj, old: Obj) -> None:
    """updatePodGeneration: a spec change bumps metadata.generation."""
    if _spec(new) != _spec(old):
        new["metadata"]["generation"] = old["metadata"].get("generation", 0) + 1


# --- ephemeralcontainers --------------------------------------------------------------------------------------


def ephemeral_containers_update(new: Obj, old: Obj) -> Obj:
    """dropNonEphemeralContainerUpdates: the old pod with the new spec.ephemeralContainers."""
    out = copy_object(old)
    containers = _spec(new).get("ephemeralContainers")
    spec = out.setdefault("spec", {})
    if containers:
        spec["ephemeralContainers"] = containers
    else:
        spec.pop("ephemeralContainers", None)
    _bump_generation(out, old)
    return out


def _is_set(value: Any) -> bool:
    """Not Go's zero value (validateFieldAllowList compares each field with its zero value)."""
    return value not in (None, "", 0, False, [], {})


def go_struct_diff(old: Obj, new: Obj) -> str:
    """A unified diff of the two containers' JSON, in the shape of kube's diff.Diff (whose exact text depends on
    Go's internal types; see the README's known differences)."""
    a = json.dumps(old, indent=1).splitlines()
    b = json.dumps(new, indent=1).splitlines()
    lines = list(difflib.unified_diff(a, b, lineterm="", n=3))[2:]
    return "\n".join(lines) + "\n" if lines else ""


def validate_ephemeral_containers_update(new: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodEphemeralContainersUpdate: each new ephemeral container is valid; existing ones stay as they
    are; static pods have none."""
    if is_mirror_pod(old):
        errs.causes.clear()
        errs.forbidden(ROOT_PATH, "static pods do not support ephemeral containers")
        return
    spec = _spec(new)
    _validate_ephemeral_containers(spec, errs)
    path = "spec.ephemeralContainers"
    by_name = {c.get("name"): c for c in spec.get("ephemeralContainers") or [] if isinstance(c, dict)}
    for existing in _spec(old).get("ephemeralContainers") or []:
        name = existing.get("name", "")
        current = by_name.get(name)
        if current is None:
            errs.forbidden(path, f'existing ephemeral containers "{name}" may not be removed\n')
        elif current != existing:
            errs.forbidden(path, f'existing ephemeral containers "{name}" may not be changed\n'
                                 f"{go_struct_diff(existing, current)}")  # fmt: skip


def _validate_ephemeral_containers(spec: Obj, errs: FieldErrors) -> None:
    """validateEphemeralContainers, the checks users meet: name and image, unique names, an existing target,
    the fields an ephemeral container may not set, volume mounts of existing volumes without subPath."""
    others = [c.get("name", "") for key in ("containers", "initContainers") for c in spec.get(key) or []]
    names = set(others)
    volumes = {v.get("name") for v in spec.get("volumes") or [] if isinstance(v, dict)}
    for i, container in enumerate(spec.get("ephemeralContainers") or []):
        path = f"spec.ephemeralContainers[{i}]"
        name = container.get("name", "")
        if not name:
            errs.required(f"{path}.name")
        else:
            for message in is_dns1123_label(name):
                errs.invalid(f"{path}.name", name, message)
        if not container.get("image"):
            errs.required(f"{path}.image")
        for j, mount in enumerate(container.get("volumeMounts") or []):
            if mount.get("name") not in volumes:
                errs.not_found(f"{path}.volumeMounts[{j}].name", mount.get("name", ""))
        if name in names:
            errs.duplicate(f"{path}.name", name)
        else:
            names.add(name)
        target = container.get("targetContainerName", "")
        if target and target not in others:
            errs.not_found(f"{path}.targetContainerName", target)
        for key in _FORBIDDEN_EPHEMERAL_FIELDS:
            if _is_set(container.get(key)):
                errs.forbidden(f"{path}.{key}", "cannot be set for an Ephemeral Container")
        for j, mount in enumerate(container.get("volumeMounts") or []):
            for key in ("subPath", "subPathExpr"):
                if mount.get(key):
                    errs.forbidden(f"{path}.volumeMounts[{j}].{key}", "cannot be set for an Ephemeral Container")


# --- resize ---------------------------------------------------------------------------------------------------


def _merge_resources(new: list[Obj], old: list[Obj]) -> list[Obj]:
    """dropNonResizeUpdatesForContainers: the old containers with the new resources and resizePolicy, or the new
    list as it is when a container was renamed or reordered (validation reports it)."""
    if not new:
        return new
    merged = []
    for ctr, previous in zip(new, old, strict=True):
        if ctr.get("name") != previous.get("name"):
            return new
        out = copy_object(previous)
        for key in ("resources", "resizePolicy"):
            if key in ctr:
                out[key] = ctr[key]
            else:
                out.pop(key, None)
        merged.append(out)
    return merged


def resize_update(new: Obj, old: Obj) -> Obj:
    """dropNonResizeUpdates: the old pod with the new container and pod-level resources (a change in the number
    of containers keeps the new pod as sent, for validation to refuse)."""
    new_spec, old_spec = _spec(new), _spec(old)
    for key in ("containers", "initContainers"):
        if len(new_spec.get(key) or []) != len(old_spec.get(key) or []):
            return {**copy_object(old), "spec": copy_object(new_spec)}
    out = copy_object(old)
    spec = out.setdefault("spec", {})
    if "resources" in new_spec:  # InPlacePodLevelResourcesVerticalScaling (beta, on)
        spec["resources"] = new_spec["resources"]
    else:
        spec.pop("resources", None)
    for key in ("containers", "initContainers"):
        merged = _merge_resources(new_spec.get(key) or [], old_spec.get(key) or [])
        if merged:
            spec[key] = merged
        else:
            spec.pop(key, None)
    _bump_generation(out, old)
    return out


def _quantities(resources: Obj | None, key: str) -> dict[str, Any]:
    values = (resources or {}).get(key)
    return values if isinstance(values, dict) else {}


def _qos_sum(target: dict[str, Quantity], values: dict[str, Any]) -> set[str]:
    """processResourceList: add the positive cpu/memory quantities; returns the names added."""
    found = set()
    for name, text in values.items():
        q = parse_quantity(text)
        if name not in _QOS_RESOURCES or q is None or q.cmp(_ZERO) <= 0:
            continue
        found.add(name)
        target[name] = target[name].add(q) if name in target else q
    return found


def compute_qos(pod: Obj) -> str:
    """qos.ComputePodQOS: pod-level resources when set (PodLevelResources, beta, on), else the containers'."""
    spec = _spec(pod)
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    pod_resources = spec.get("resources")
    if isinstance(pod_resources, dict):
        _qos_sum(requests, _quantities(pod_resources, "requests"))
        if _quantities(pod_resources, "limits"):
            if _qos_sum(limits, _quantities(pod_resources, "limits")) != set(_QOS_RESOURCES):
                guaranteed = False
    else:
        for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
            resources = container.get("resources")
            _qos_sum(requests, _quantities(resources, "requests"))
            if _qos_sum(limits, _quantities(resources, "limits")) != set(_QOS_RESOURCES):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(name in limits and limits[name].cmp(q) == 0 for name, q in requests.items()):
        if len(requests) == len(limits):
            return "Guaranteed"
    return "Burstable"


def _resize_supported(pod: Obj) -> bool:
    """isPodResizeRequestSupported: a running container must report its resources (a kubelet that resizes)."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if ((status.get("state") or {}).get("running")) is not None:
            return status.get("resources") is not None
    return True


def _removed(new: dict[str, Any], old: dict[str, Any]) -> bool:
    return len(old) > len(new) or any(name not in new for name in old)


def _without_cpu_memory(container: Obj, old: Obj) -> Obj:
    """dropCPUMemoryResourcesFromContainer: the container with the old cpu/memory values (and no other change)."""
    out = dict(container)
    resources: Obj = {}
    for key in ("limits", "requests"):
        new_values, old_values = _quantities(container.get("resources"), key), _quantities(old.get("resources"), key)
        merged = {k: v for k, v in new_values.items() if k not in _QOS_RESOURCES}
        merged.update({k: v for k, v in old_values.items() if k in _QOS_RESOURCES})
        if merged or key in (container.get("resources") or {}) or key in (old.get("resources") or {}):
            resources[key] = merged
    claims = (container.get("resources") or {}).get("claims")
    if claims is not None:
        resources["claims"] = claims
    out["resources"] = resources
    return out


def _same_resources(a: Obj, b: Obj) -> bool:
    """Semantic equality of two containers where an empty resource list and a missing one are alike."""

    def norm(c: Obj) -> Obj:
        res = {k: v for k, v in (c.get("resources") or {}).items() if v}
        return {**c, "resources": res}

    return norm(a) == norm(b)


def validate_resize(new: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodResize: resource values, static and Windows pods, the QoS class, a kubelet that can resize, the
    containers' order, no removed requests or limits, and only cpu and memory changing."""
    new_spec, old_spec = _spec(new), _spec(old)
    for key in ("initContainers", "containers"):
        for i, container in enumerate(new_spec.get(key) or []):
            resources.validate_requirements(container.get("resources"), f"spec.{key}[{i}].resources", errs)
    if is_mirror_pod(old):
        errs.causes[:] = []
        errs.forbidden(ROOT_PATH, "static pods cannot be resized")
        return
    if (old_spec.get("os") or {}).get("name") == "windows":
        errs.causes[:] = []
        errs.forbidden(ROOT_PATH, "windows pods cannot be resized")
        return
    old_qos = (old.get("status") or {}).get("qosClass") or compute_qos(old)
    if old_qos != compute_qos(new):
        errs.invalid("spec", (new.get("status") or {}).get("qosClass", ""),
                     "Pod QOS Class may not change as a result of resizing")  # fmt: skip
    if not _resize_supported(old):
        errs.forbidden("spec", "Pod running on node without support for resize")
    _validate_pod_level_resize(new_spec, old_spec, errs)
    before = len(errs.causes)
    for key, label in (("containers", "containers"), ("initContainers", "initContainers")):
        new_list, old_list = new_spec.get(key) or [], old_spec.get(key) or []
        if len(new_list) != len(old_list):
            errs.forbidden(f"spec.{key}", f"{label} may not be added or removed on resize")
            continue
        for i, (a, b) in enumerate(zip(new_list, old_list, strict=True)):
            if a.get("name") != b.get("name"):
                errs.forbidden(f"spec.{key}[{i}].name", f"{label} may not be renamed or reordered on resize")
    if len(errs.causes) > before:
        return
    for key in ("initContainers", "containers"):
        for i, (a, b) in enumerate(zip(new_spec.get(key) or [], old_spec.get(key) or [], strict=True)):
            path = f"spec.{key}[{i}].resources"
            if _removed(_quantities(a.get("resources"), "requests"), _quantities(b.get("resources"), "requests")):
                errs.forbidden(f"{path}.requests", "resource requests cannot be removed")
            if _removed(_quantities(a.get("resources"), "limits"), _quantities(b.get("resources"), "limits")):
                errs.forbidden(f"{path}.limits", "resource limits cannot be removed")
    for a, b in zip(new_spec.get("containers") or [], old_spec.get("containers") or [], strict=True):
        if not _same_resources(_without_cpu_memory(a, b), b):
            errs.forbidden("spec", "only cpu and memory resources are mutable")
    for i, (a, b) in enumerate(zip(new_spec.get("initContainers") or [], old_spec.get("initContainers") or [],
                                   strict=True)):  # fmt: skip
        if not _same_resources(_without_cpu_memory(a, b), b):
            errs.forbidden(f"spec.initContainers[{i}]",
                           "only cpu and memory resources for init or sidecar containers are mutable")  # fmt: skip


def _validate_pod_level_resize(new_spec: Obj, old_spec: Obj, errs: FieldErrors) -> None:
    """validatePodLevelResourcesResize: pod-level resources stay, and only their cpu and memory change."""
    new_res, old_res = new_spec.get("resources"), old_spec.get("resources")
    if not (_quantities(new_res, "requests") or _quantities(new_res, "limits")
            or _quantities(old_res, "requests") or _quantities(old_res, "limits")):  # fmt: skip
        return
    if old_res is not None and new_res is None:
        errs.forbidden("spec.resources", "pod-level resources cannot be removed")
        return
    if old_res is not None:
        if _removed(_quantities(new_res, "requests"), _quantities(old_res, "requests")):
            errs.forbidden("spec.resources.requests", "pod-level resource requests cannot be removed")
        if _removed(_quantities(new_res, "limits"), _quantities(old_res, "limits")):
            errs.forbidden("spec.resources.limits", "pod-level resource limits cannot be removed")
    for key in ("requests", "limits"):
        a = {k: v for k, v in _quantities(new_res, key).items() if k not in _QOS_RESOURCES}
        b = {k: v for k, v in _quantities(old_res, key).items() if k not in _QOS_RESOURCES}
        if a != b:
            errs.forbidden("spec", "only cpu and memory resources are mutable at pod-level")
            return
