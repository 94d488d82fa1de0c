"""scheduling.k8s.io PriorityClass (pkg/apis/scheduling/validation): the system- prefix is reserved, user
values stay at or below one billion, the preemption policy is an enum, and value and policy never change."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
#: the system classes kube creates: name → value
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}


def _system_class_error(name: str, value: int, global_default: bool) -> str | None:
    """schedulingapiv1.IsKnownSystemPriorityClass."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if SYSTEM_PRIORITY_CLASSES[name] != value:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return None


def validate_priority_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    if old is not None:
        if obj.get("value", 0) != old.get("value", 0):
            errs.forbidden("value", "may not be changed in an update.")
        f.immutable(obj.get("preemptionPolicy"), old.get("preemptionPolicy"), "preemptionPolicy", errs)
        return
    name = f.obj_at(obj, "metadata").get("name", "")
    value = obj.get("value", 0)
    if name.startswith("system-"):
        error = _system_class_error(name, value, bool(obj.get("globalDefault")))
        if error:
            errs.forbidden(
                "metadata.name",
                f"priority class names with 'system-' prefix are reserved for system use only. error: {error}",
            )
    elif value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.forbidden(
            "value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
        )
    if obj.get("preemptionPolicy") is not None:
        f.enum(obj["preemptionPolicy"], "preemptionPolicy", ["PreemptLowerPriority", "Never"], errs)
