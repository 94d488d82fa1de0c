"""RuntimeClass validation (node.k8s.io; kube's ValidateRuntimeClass): a DNS-label handler that never changes,
the pod overhead as a container's limits, and the scheduling constraints' labels and unique tolerations."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import tolerations as toleration_checks
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, validate_labels
from aiokube.apiserver.registry.validation.resources import validate_requirements

Obj = dict[str, Any]


def _go_toleration(t: Obj) -> Obj:
    """A Toleration as kube prints a duplicate (the internal struct)."""
    return f.go_struct(
        ("Key", t.get("key", "")), ("Operator", t.get("operator", "")), ("Value", t.get("value", "")),
        ("Effect", t.get("effect", "")), ("TolerationSeconds", t.get("tolerationSeconds")),
    )  # fmt: skip


def validate_runtime_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    handler = obj.get("handler", "")
    if old is not None:
        f.immutable(handler, old.get("handler", ""), "handler", errs)
        return
    if not handler:
        errs.required("handler")
    else:
        for msg in is_dns1123_label(handler):
            errs.invalid("handler", handler, msg)
    overhead = obj.get("overhead")
    if overhead is not None:
        validate_requirements({"limits": overhead.get("podFixed") or {}}, "overhead", errs)
    scheduling = obj.get("scheduling")
    if scheduling is None:
        return
    if scheduling.get("nodeSelector") is not None:
        validate_labels(scheduling["nodeSelector"], "scheduling.nodeSelector", errs)
    tolerations = scheduling.get("tolerations") or []
    toleration_checks.validate(tolerations, "scheduling.tolerations", errs)
    seen: set[tuple[Any, ...]] = set()
    for i, t in enumerate(tolerations):
        key = (t.get("key", ""), t.get("operator", ""), t.get("value", ""), t.get("effect", ""))
        if key in seen:
            errs.duplicate(f"scheduling.tolerations[{i}]", _go_toleration(t))
        seen.add(key)
