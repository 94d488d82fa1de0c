"""The annotations kube validates as part of a pod (ValidatePodSpecificAnnotations,
ValidatePodSpecificAnnotationUpdates and ValidatePodCreate's agreement checks): the mirror-pod annotation, the
tolerations annotation (decoded as Go's json.Unmarshal decodes it), the deletion cost, the deprecated seccomp
and AppArmor annotations (their values, and on create their agreement with the profile fields).

The pod validator's verdicts are remembered by the fields beside metadata (verdicts.py): :func:`read` is what of
metadata these checks look at, which the memo adds to its key."""

from __future__ import annotations

import json
from typing import Any

from aiokube.apiserver.admission.pods import MIRROR_POD_ANNOTATION, is_mirror_pod
from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import tolerations as toleration_rules
from aiokube.apiserver.registry.validation.security import descending_path
from aiokube.encoding.decode import go_json_error

Obj = dict[str, Any]
__all__ = ["is_mirror_pod", "read", "validate", "validate_create", "validate_update"]

DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
TOLERATIONS_ANNOTATION = "scheduler.alpha.kubernetes.io/tolerations"
_SECCOMP_NAMED = ("runtime/default", "docker/default", "unconfined")
_SECCOMP_LOCALHOST = "localhost/"
_TYPE_MISMATCH = "{} type in annotation and field must match"
_PROFILE_MISMATCH = "{} profile in annotation and field must match"
_PATH = "metadata.annotations"
_INT32 = 1 << 31


def _annotations(pod: Obj | None) -> dict[str, Any]:
    return f.obj_at(f.obj_at(pod, "metadata"), "annotations")


def read(pod: Obj | None) -> tuple[tuple[str, Any], ...]:
    """The annotations these checks read, as (key, value) pairs in key order."""
    return tuple(sorted((k, v) for k, v in _annotations(pod).items() if _read(k)))


def _read(key: str) -> bool:
    return key in (MIRROR_POD_ANNOTATION, DELETION_COST_ANNOTATION, SECCOMP_POD_ANNOTATION, TOLERATIONS_ANNOTATION) or (
        key.startswith((APPARMOR_PREFIX, SECCOMP_PREFIX))
    )


def valid_deletion_cost(value: Any) -> bool:
    """GetDeletionCostFromPodAnnotations: a base-10 int32 with no plus sign or leading zero."""
    if not isinstance(value, str) or not value or not (value[0] == "-" or value == "0" or "1" <= value[0] <= "9"):
        return False
    digits = value[1:] if value[0] == "-" else value
    return digits.isascii() and digits.isdigit() and -_INT32 <= int(value) < _INT32


def validate(pod: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePodSpecificAnnotations of ``pod`` (``old``: the stored pod of an update, whose invalid deletion
    cost lets the new one keep one)."""
    old_annotations = _annotations(old) if old is not None else None
    validate_annotations(_annotations(pod), f.obj_at(pod, "spec"), _PATH, old_annotations, errs)


def validate_annotations(
    annotations: dict[str, Any], spec: Obj, path: str, old: dict[str, Any] | None, errs: FieldErrors
) -> None:
    """ValidatePodSpecificAnnotations of a pod's or a template's annotations at ``path``, beside ``spec``."""
    if MIRROR_POD_ANNOTATION in annotations and not spec.get("nodeName"):
        errs.invalid(f"{path}[{MIRROR_POD_ANNOTATION}]", annotations[MIRROR_POD_ANNOTATION],
                     "must set spec.nodeName if mirror pod annotation is set")  # fmt: skip
    if annotations.get(TOLERATIONS_ANNOTATION):
        _tolerations(annotations[TOLERATIONS_ANNOTATION], path, errs)
    cost = annotations.get(DELETION_COST_ANNOTATION)
    old_cost = old.get(DELETION_COST_ANNOTATION, "0") if old is not None else "0"
    if cost is not None and valid_deletion_cost(old_cost) and not valid_deletion_cost(cost):
        errs.invalid(f"{path}[{DELETION_COST_ANNOTATION}]", cost, "must be a 32bit integer")
    for key, value in annotations.items():  # kube walks a Go map: its order varies; this is the object's
        if key == SECCOMP_POD_ANNOTATION or key.startswith(SECCOMP_PREFIX):
            _seccomp_profile(value, f"{path}.{key}", errs)
    names = {c.get("name") for c in _containers(spec)}
    for key, value in annotations.items():
        if key.startswith(APPARMOR_PREFIX):
            container = key.removeprefix(APPARMOR_PREFIX)
            if container not in names:
                errs.invalid(f"{path}[{key}]", container, "container not found")
            if not _apparmor_name_ok(value):
                errs.invalid(f"{path}[{key}]", value, f"invalid AppArmor profile name: {go_quote(value)}")


def _containers(spec: Obj) -> list[Obj]:
    """VisitContainers' order: init containers, containers, ephemeral containers."""
    return [c for key in ("initContainers", "containers", "ephemeralContainers") for c in f.list_at(spec, key)]


def _seccomp_profile(value: str, path: str, errs: FieldErrors) -> None:
    """ValidateSeccompProfile: a named profile, or ``localhost/`` and a relative path without '..'."""
    if value in _SECCOMP_NAMED:
        return
    if value.startswith(_SECCOMP_LOCALHOST):
        descending_path(value.removeprefix(_SECCOMP_LOCALHOST), path, errs)
        return
    errs.invalid(path, value, "must be a valid seccomp profile")


def _apparmor_name_ok(value: str) -> bool:
    """ValidateAppArmorProfileFormat."""
    return value in ("", "runtime/default", "unconfined") or value.startswith("localhost/")


def _tolerations(text: str, path: str, errs: FieldErrors) -> None:
    """ValidateTolerationsInPodAnnotations: the annotation as json.Unmarshal reads it into []core.Toleration,
    whose errors are reported against the annotation's key; then ValidateTolerations."""
    try:
        decoded = go_tolerations(text)
    except ValueError as exc:
        errs.invalid(path, TOLERATIONS_ANNOTATION, str(exc))
        return
    toleration_rules.validate(decoded, f"{path}.{TOLERATIONS_ANNOTATION}", errs)


class _Number(str):
    """A JSON number's literal, kept for Go's error text."""


#: core.Toleration's fields: JSON name (matched in any case, as Go does) → Go name
_TOLERATION_FIELDS = {"key": "Key", "operator": "Operator", "value": "Value", "effect": "Effect",
                      "tolerationSeconds": "TolerationSeconds"}  # fmt: skip
_GO_TYPES = {"Operator": "core.TolerationOperator", "Effect": "core.TaintEffect", "TolerationSeconds": "int64"}
_INT64 = 1 << 63


def _json_kind(value: Any) -> str:
    if isinstance(value, _Number):
        return "number"
    return {dict: "object", list: "array", str: "string", bool: "bool"}.get(type(value), "null")


def go_tolerations(text: str) -> list[Obj]:
    """``json.Unmarshal`` into ``[]core.Toleration``: Go's syntax error, else its first type error (raised as
    ValueError, Go's message); the tolerations as dicts with only the fields set."""
    try:
        value = json.loads(text, parse_int=_Number, parse_float=_Number, parse_constant=_no_constant)
    except (json.JSONDecodeError, _NotJSON):
        raise ValueError(go_json_error(text.encode())) from None
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type []core.Toleration")
    first: list[str] = []
    out = [_toleration(item, first) for item in value]
    if first:
        raise ValueError(first[0])
    return out


def _toleration(item: Any, first: list[str]) -> Obj:
    if item is None:
        return {}
    if not isinstance(item, dict):
        first.append(f"json: cannot unmarshal {_json_kind(item)} into Go value of type core.Toleration")
        return {}
    out: Obj = {}
    folded = {k.lower(): k for k in _TOLERATION_FIELDS}
    for key, value in item.items():
        name = key if key in _TOLERATION_FIELDS else folded.get(key.lower())
        if name is None or value is None:  # null leaves a string as it was and clears the seconds' pointer
            if name == "tolerationSeconds":
                out.pop(name, None)
            continue
        go_name = _TOLERATION_FIELDS[name]
        where = f"Go struct field Toleration.{go_name} of type {_GO_TYPES.get(go_name, 'string')}"
        if name == "tolerationSeconds":
            number = _int64(value)
            if number is None:
                shown = f"number {value}" if isinstance(value, _Number) else _json_kind(value)
                first.append(f"json: cannot unmarshal {shown} into {where}")
            else:
                out[name] = number
        elif isinstance(value, str) and not isinstance(value, _Number):
            out[name] = value
        else:
            first.append(f"json: cannot unmarshal {_json_kind(value)} into {where}")
    return out


def _int64(value: Any) -> int | None:
    """strconv.ParseInt(literal, 10, 64)."""
    if not isinstance(value, _Number) or not value.lstrip("-").isdigit():
        return None
    number = int(value)
    return number if -_INT64 <= number < _INT64 else None


class _NotJSON(ValueError):
    pass


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON to Go."""
    raise _NotJSON(name)


def validate_create(pod: Obj, errs: FieldErrors) -> None:
    """ValidatePodCreate's agreement of the deprecated seccomp and AppArmor annotations with the profile fields."""
    validate_agreement(_annotations(pod), f.obj_at(pod, "spec"), "spec", errs)


def validate_agreement(annotations: dict[str, Any], spec: Obj, path: str, errs: FieldErrors) -> None:
    """validateSeccompAnnotationsAndFields and validateAppArmorAnnotationsAndFieldsMatchOnCreate: an annotation
    and the profile field it stands for must name the same profile (AppArmor's not on a Windows pod); ``path``
    is the spec's."""
    pod_seccomp = f.obj_at(spec, "securityContext").get("seccompProfile")
    if isinstance(pod_seccomp, dict) and SECCOMP_POD_ANNOTATION in annotations:
        pod_path = f"{path}.securityContext.seccompProfile"
        _seccomp_agrees(annotations[SECCOMP_POD_ANNOTATION], pod_seccomp, pod_path, errs)
    for container_path, container in _containers_with_paths(spec, path):
        profile = f.obj_at(container, "securityContext").get("seccompProfile")
        key = SECCOMP_PREFIX + str(container.get("name", ""))
        if isinstance(profile, dict) and key in annotations:
            _seccomp_agrees(annotations[key], profile, f"{container_path}.securityContext.seccompProfile", errs)
    if f.obj_at(spec, "os").get("name") == "windows":
        return
    pod_apparmor = f.obj_at(spec, "securityContext").get("appArmorProfile")
    for container_path, container in _containers_with_paths(spec, path):
        profile = f.obj_at(container, "securityContext").get("appArmorProfile") or pod_apparmor
        key = APPARMOR_PREFIX + str(container.get("name", ""))
        if isinstance(profile, dict) and key in annotations:
            _apparmor_agrees(annotations[key], profile, f"{container_path}.securityContext.appArmorProfile", errs)


def _containers_with_paths(spec: Obj, path: str) -> list[tuple[str, Obj]]:
    """VisitContainersWithPath: init containers, containers, ephemeral containers, with their paths."""
    return [(f"{path}.{key}[{i}]", c) for key in ("initContainers", "containers", "ephemeralContainers")
            for i, c in enumerate(f.list_at(spec, key))]  # fmt: skip


def _seccomp_agrees(annotation: str, profile: Obj, path: str, errs: FieldErrors) -> None:
    """validateSeccompAnnotationsAndFieldsMatch."""
    kind = profile.get("type")
    if kind == "Unconfined" and annotation != "unconfined":
        errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("seccomp"))
    elif kind == "RuntimeDefault" and annotation not in ("runtime/default", "docker/default"):
        errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("seccomp"))
    elif kind == "Localhost":
        if not annotation.startswith(_SECCOMP_LOCALHOST):
            errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("seccomp"))
        elif annotation.removeprefix(_SECCOMP_LOCALHOST) != profile.get("localhostProfile"):
            errs.forbidden(f"{path}.localhostProfile", _PROFILE_MISMATCH.format("seccomp"))


def _apparmor_agrees(annotation: str, profile: Obj, path: str, errs: FieldErrors) -> None:
    """validateAppArmorAnnotationsAndFieldsMatchOnCreate, for one container."""
    kind = profile.get("type")
    if kind == "Unconfined" and annotation != "unconfined":
        errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("apparmor"))
    elif kind == "RuntimeDefault" and annotation != "runtime/default":
        errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("apparmor"))
    elif kind == "Localhost":
        if not annotation.startswith("localhost/"):
            errs.forbidden(f"{path}.type", _TYPE_MISMATCH.format("apparmor"))
        elif annotation.removeprefix("localhost/") != profile.get("localhostProfile"):
            errs.forbidden(f"{path}.localhostProfile", _PROFILE_MISMATCH.format("apparmor"))


def validate_update(pod: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodSpecificAnnotationUpdates: the mirror-pod and AppArmor annotations may not be added,
    changed or removed; then :func:`validate` again (kube runs it twice on an update)."""
    new_annotations, old_annotations = _annotations(pod), _annotations(old)
    for key, value in old_annotations.items():
        if key in new_annotations and new_annotations[key] == value:
            continue
        if key.startswith(APPARMOR_PREFIX):
            errs.forbidden(f"{_PATH}[{key}]", "may not remove or update AppArmor annotations")
        if key == MIRROR_POD_ANNOTATION:
            errs.forbidden(f"{_PATH}[{key}]", "may not remove or update mirror pod annotation")
    for key in new_annotations:
        if key in old_annotations:
            continue
        if key.startswith(APPARMOR_PREFIX):
            errs.forbidden(f"{_PATH}[{key}]", "may not add AppArmor annotations")
        if key == MIRROR_POD_ANNOTATION:
            errs.forbidden(f"{_PATH}[{key}]", "may not add mirror pod annotation")
    validate(pod, old, errs)
