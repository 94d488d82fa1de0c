"""The annotations kube validates as part of a pod (ValidatePodSpecificAnnotations and
ValidatePodSpecificAnnotationUpdates): the mirror-pod annotation, the deletion cost, AppArmor's beta
annotations. Not done: the values of the seccomp and AppArmor annotations and the tolerations annotation.

The pod validator's verdicts are remembered by the fields beside metadata (verdicts.py): :func:`read` is what of
metadata these checks look at, which the memo adds to its key."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.admission.pods import MIRROR_POD_ANNOTATION, is_mirror_pod
from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]
__all__ = ["is_mirror_pod", "read", "validate", "validate_update"]

DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_PATH = "metadata.annotations"
_INT32 = 1 << 31


def _annotations(pod: Obj | None) -> dict[str, Any]:
    return f.obj_at(f.obj_at(pod, "metadata"), "annotations")


def read(pod: Obj | None) -> tuple[tuple[str, Any], ...]:
    """The annotations these checks read, as (key, value) pairs in key order."""
    return tuple(sorted((k, v) for k, v in _annotations(pod).items() if _read(k)))


def _read(key: str) -> bool:
    return key in (MIRROR_POD_ANNOTATION, DELETION_COST_ANNOTATION) or key.startswith(APPARMOR_PREFIX)


def valid_deletion_cost(value: Any) -> bool:
    """GetDeletionCostFromPodAnnotations: a base-10 int32 with no plus sign or leading zero."""
    if not isinstance(value, str) or not value or not (value[0] == "-" or value == "0" or "1" <= value[0] <= "9"):
        return False
    digits = value[1:] if value[0] == "-" else value
    return digits.isascii() and digits.isdigit() and -_INT32 <= int(value) < _INT32


def validate(pod: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePodSpecificAnnotations of ``pod`` (``old``: the stored pod of an update, whose invalid deletion
    cost lets the new one keep one)."""
    annotations = _annotations(pod)
    if MIRROR_POD_ANNOTATION in annotations and not f.obj_at(pod, "spec").get("nodeName"):
        errs.invalid(f"{_PATH}[{MIRROR_POD_ANNOTATION}]", annotations[MIRROR_POD_ANNOTATION],
                     "must set spec.nodeName if mirror pod annotation is set")  # fmt: skip
    cost = annotations.get(DELETION_COST_ANNOTATION)
    old_cost = _annotations(old).get(DELETION_COST_ANNOTATION, "0") if old is not None else "0"
    if cost is not None and valid_deletion_cost(old_cost) and not valid_deletion_cost(cost):
        errs.invalid(f"{_PATH}[{DELETION_COST_ANNOTATION}]", cost, "must be a 32bit integer")


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
