"""HorizontalPodAutoscaler (pkg/apis/autoscaling/validation), on the stored autoscaling/v2 form, which has the
internal field names: replica bounds, the scale target reference, and each metric's source and target."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_valid_path_segment_name

Obj = dict[str, Any]

_SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]
_SOURCE_FIELDS = {"Object": "object", "Pods": "pods", "Resource": "resource", "External": "external",
                  "ContainerResource": "containerResource"}  # fmt: skip
_POPULATE = "must populate information for the given metric source"


def _path_segment(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_valid_path_segment_name(value):
        errs.invalid(path, value, msg)


def _api_version_error(api_version: str) -> str | None:
    """schema.ParseGroupVersion, then a group is required."""
    if not api_version or api_version == "v1":
        return "apiVersion must specify API group"
    parts = api_version.split("/")
    if len(parts) == 2:
        return None if parts[0] else "apiVersion must specify API group"
    if len(parts) == 1:
        return "apiVersion must specify API group"
    return f"unexpected GroupVersion string: {api_version}"


def cross_version_reference(ref: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateCrossVersionObjectReference."""
    for key in ("kind", "name"):
        value = ref.get(key, "")
        if not value:
            errs.required(f"{path}.{key}")
        else:
            _path_segment(value, f"{path}.{key}", errs)
    error = _api_version_error(ref.get("apiVersion", ""))
    if error:
        errs.invalid(f"{path}.apiVersion", ref.get("apiVersion", ""), error)


def _target(target: Obj, path: str, errs: FieldErrors) -> None:
    """validateMetricTarget."""
    kind = target.get("type", "")
    if not kind:
        errs.required(f"{path}.type", "must specify a metric target type")
    if kind not in ("Utilization", "Value", "AverageValue"):
        errs.invalid(f"{path}.type", kind, "must be either Utilization, Value, or AverageValue")
    for key in ("value", "averageValue"):
        q = f.quantity(target.get(key))
        if q is not None and q.cmp(f.ZERO) <= 0:
            errs.invalid(f"{path}.{key}", str(q), "must be positive")
    utilization = target.get("averageUtilization")
    if utilization is not None and utilization < 1:
        errs.invalid(f"{path}.averageUtilization", utilization, "must be greater than 0")


def _metric_name(metric: Obj, path: str, errs: FieldErrors) -> None:
    name = metric.get("name", "")
    if not name:
        errs.required(f"{path}.name", "must specify a metric name")
    else:
        _path_segment(name, f"{path}.name", errs)


def _source(kind: str, src: Obj, path: str, errs: FieldErrors) -> None:
    target = f.obj_at(src, "target")
    if kind in ("resource", "containerResource"):
        if not src.get("name"):
            errs.required(f"{path}.name", "must specify a resource name")
        if kind == "containerResource" and not src.get("container"):
            errs.required(f"{path}.container", "must specify a container")
        _target(target, f"{path}.target", errs)
        if target.get("averageUtilization") is None and target.get("averageValue") is None:
            errs.required(
                f"{path}.target.averageUtilization", "must set either a target raw value or a target utilization"
            )
        if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
            errs.forbidden(
                f"{path}.target.averageValue", "may not set both a target raw value and a target utilization"
            )
        return
    if kind == "object":
        cross_version_reference(f.obj_at(src, "describedObject"), f"{path}.describedObject", errs)
    _metric_name(f.obj_at(src, "metric"), f"{path}.metric", errs)
    _target(target, f"{path}.target", errs)
    if kind == "object" and target.get("value") is None and target.get("averageValue") is None:
        errs.required(f"{path}.target.averageValue", "must set either a target value or averageValue")
    elif kind == "pods" and target.get("averageValue") is None:
        errs.required(f"{path}.target.averageValue", "must specify a positive target averageValue")
    elif kind == "external" and target.get("value") is None and target.get("averageValue") is None:
        errs.required(f"{path}.target.value", "must set either a target value for metric or a per-pod target")


def _metric(spec: Obj, path: str, errs: FieldErrors) -> None:
    """validateMetricSpec."""
    kind = spec.get("type", "")
    if not kind:
        errs.required(f"{path}.type", "must specify a metric source type")
    if kind not in _SOURCE_TYPES:
        errs.not_supported(f"{path}.type", kind, _SOURCE_TYPES)
    present = [
        key for key in ("object", "external", "pods", "resource", "containerResource") if spec.get(key) is not None
    ]
    if present:
        _source(present[0], f.obj_at(spec, present[0]), f"{path}.{present[0]}", errs)
    expected = _SOURCE_FIELDS.get(kind, "")
    if expected:
        if spec.get(expected) is None:
            errs.required(f"{path}.{expected}", _POPULATE)
    else:
        errs.not_supported(f"{path}.type", kind, _SOURCE_TYPES)
    if len(present) != 1:
        for key in sorted(set(present) - {expected}):
            errs.forbidden(f"{path}.{key}", "must populate the given metric source only")


def validate_hpa(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateHorizontalPodAutoscalerSpec."""
    spec = f.obj_at(obj, "spec")
    low = spec.get("minReplicas")
    high = spec.get("maxReplicas", 0)
    if low is not None and low < 1:
        errs.invalid("spec.minReplicas", low, "must be greater than or equal to 1")
    if high == 0:
        errs.required("spec.maxReplicas", "must be set and greater than 0")
    elif high < 0:
        errs.invalid("spec.maxReplicas", high, "must be greater than or equal to 1")
    if low is not None and high < low:
        errs.invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`")
    cross_version_reference(f.obj_at(spec, "scaleTargetRef"), "spec.scaleTargetRef", errs)
    metrics = f.list_at(spec, "metrics")
    for i, metric in enumerate(metrics):
        _metric(metric, f"spec.metrics[{i}]", errs)
    if low == 0 and not any(m.get("type") in ("Object", "External") for m in metrics):
        errs.forbidden(
            "spec.metrics", "must specify at least one Object or External metric to support scaling to zero replicas"
        )
