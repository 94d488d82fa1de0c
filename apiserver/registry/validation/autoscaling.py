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


def _api_version_error(api_version: str, empty_group: bool) -> str | None:
    """ValidateAPIVersion: schema.ParseGroupVersion, then a group is required unless ``empty_group``."""
    parts = api_version.split("/") if api_version else []
    if len(parts) > 2:
        return f"unexpected GroupVersion string: {api_version}"
    group = parts[0] if len(parts) == 2 else ""
    return None if group or empty_group else "apiVersion must specify API group"


def cross_version_reference(
    ref: Obj, path: str, errs: FieldErrors, *, any_version: bool = False, empty_group: bool = False
) -> None:
    """ValidateCrossVersionObjectReference (``any_version``/``empty_group``: the strategy's options)."""
    for key in ("kind", "name"):
        value = ref.get(key, "")
        if not value:
            errs.required(f"{path}.{key}")
        else:
            _path_segment(value, f"{path}.{key}", errs)
    error = None if any_version else _api_version_error(ref.get("apiVersion", ""), empty_group)
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


def _source(kind: str, src: Obj, path: str, errs: FieldErrors, object_refs: dict[str, bool]) -> None:
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
        cross_version_reference(f.obj_at(src, "describedObject"), f"{path}.describedObject", errs, **object_refs)
    _metric_name(f.obj_at(src, "metric"), f"{path}.metric", errs)
    _target(target, f"{path}.target", errs)
    if kind == "object" and target.get("value") is None and target.get("averageValue") is None:
        errs.required(f"{path}.target.averageValue", "must set either a target value or averageValue")
    elif kind == "pods" and target.get("averageValue") is None:
        errs.required(f"{path}.target.averageValue", "must specify a positive target averageValue")
    elif kind == "external" and target.get("value") is None and target.get("averageValue") is None:
        errs.required(f"{path}.target.value", "must set either a target value for metric or a per-pod target")


def _metric(spec: Obj, path: str, errs: FieldErrors, object_refs: dict[str, bool]) -> None:
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
        _source(present[0], f.obj_at(spec, present[0]), f"{path}.{present[0]}", errs, object_refs)
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
    """validateHorizontalPodAutoscalerSpec, with the strategy's options (validationOptionsFor...): an update
    that keeps the target's kind and apiVersion skips its check, a ReplicationController target and the
    objects of Object metrics may have no group, invalid metrics already stored stay allowed."""
    spec = f.obj_at(obj, "spec")
    old_spec = f.obj_at(old, "spec") if old is not None else None
    target = f.obj_at(spec, "scaleTargetRef")
    old_target = f.obj_at(old_spec, "scaleTargetRef")
    same_target = old_spec is not None and all(target.get(k) == old_target.get(k) for k in ("apiVersion", "kind"))
    object_refs = {"empty_group": True, "any_version": False}
    for metric in f.list_at(old_spec, "metrics"):
        described = f.obj_at(f.obj_at(metric, "object"), "describedObject")
        if metric.get("type") == "Object" and _api_version_error(described.get("apiVersion", ""), True):
            object_refs["any_version"] = True
    low = spec.get("minReplicas")
    high = spec.get("maxReplicas", 0)
    # HPAScaleToZero is off: 1, unless the HPA already scaled to zero
    bound = 0 if old_spec is not None and old_spec.get("minReplicas") == 0 else 1
    if low is not None and low < bound:
        errs.invalid("spec.minReplicas", low, f"must be greater than or equal to {bound}")
    if high == 0:
        errs.required("spec.maxReplicas", "must be set and greater than 0")
    elif high < 0:
        errs.invalid("spec.maxReplicas", high, "must be greater than or equal to 1")
    if low is not None and high < low:
        errs.invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`")
    cross_version_reference(
        target,
        "spec.scaleTargetRef",
        errs,
        any_version=same_target,
        empty_group=not same_target and target.get("kind") == "ReplicationController",
    )
    metrics = f.list_at(spec, "metrics")
    for i, metric in enumerate(metrics):
        _metric(metric, f"spec.metrics[{i}]", errs, object_refs)
    if low == 0 and not any(m.get("type") in ("Object", "External") for m in metrics):
        errs.forbidden(
            "spec.metrics", "must specify at least one Object or External metric to support scaling to zero replicas"
        )


def validate_hpa_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateHorizontalPodAutoscalerStatusUpdate: the current and desired replicas not negative."""
    status = f.obj_at(obj, "status")
    for key in ("currentReplicas", "desiredReplicas"):
        f.nonnegative(status.get(key, 0), f"status.{key}", errs)
