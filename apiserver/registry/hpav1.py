"""autoscaling/v1 HorizontalPodAutoscalers over the autoscaling/v2 storage (pkg/apis/autoscaling/v1/conversion.go).

v1 has one metric, ``targetCPUUtilizationPercentage`` (status: ``currentCPUUtilizationPercentage``). What v2
has beyond it travels through v1 in annotations, so a v1 client that writes back what it read loses nothing:
the other metrics (``autoscaling.alpha.kubernetes.io/metrics``, as autoscaling/v1 MetricSpec JSON), every
current metric (``.../current-metrics``), the conditions (``.../conditions``) and the behavior
(``.../behavior``, JSON of kube's *internal* type: Go field names, no omitempty). Reading a v1 object back
takes them out again; kube drops these annotations from every version on the way in (v2 included, see
defaulting.py). Both directions end in the target version's canonical form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from aiokube.apiserver.golang import default_pointer, struct_field
from aiokube.apiserver.quantity import parse_quantity
from aiokube.encoding import canonical, typed
from aiokube.encoding.jsonenc import go_escape
from aiokube.encoding.k8s_schema import KINDS
from aiokube.encoding.protobuf import ProtobufError

Obj = dict[str, Any]

API_VERSION = "autoscaling/v1"
_V1_SCHEMA = KINDS[(API_VERSION, "HorizontalPodAutoscaler")]
_V2_SCHEMA = KINDS[("autoscaling/v2", "HorizontalPodAutoscaler")]
_V1 = "k8s.io.api.autoscaling.v1."
_BEHAVIOR = "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerBehavior"

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
#: every annotation kube uses to round-trip fields (the tolerances are read by no version of 1.36, only dropped)
ROUND_TRIP = (
    METRICS,
    BEHAVIOR,
    "autoscaling.alpha.kubernetes.io/scale-down-tolerance",
    "autoscaling.alpha.kubernetes.io/scale-up-tolerance",
    CURRENT_METRICS,
    CONDITIONS,
)
DEFAULT_CPU_UTILIZATION = 80
_ZERO = "0"


def drop_round_trip(obj: Obj) -> None:
    """DropRoundTripHorizontalPodAutoscalerAnnotations, in place (annotations left empty are removed)."""
    md = obj.get("metadata")
    annotations = md.get("annotations") if isinstance(md, dict) else None
    if isinstance(annotations, dict) and any(k in annotations for k in ROUND_TRIP):
        kept = {k: v for k, v in annotations.items() if k not in ROUND_TRIP}
        if kept:
            md["annotations"] = kept
        else:
            del md["annotations"]


def defaults_v1(obj: Obj) -> None:
    """autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: only minReplicas (CPU's default is conversion's)."""
    default_pointer(struct_field(obj, "spec"), "minReplicas", 1)


def _go_json(value: Any) -> str:
    return go_escape(orjson.dumps(value)).decode()


def _present(**fields: Any) -> Obj:
    return {k: v for k, v in fields.items() if v is not None}


def _is_zero(quantity: Any) -> bool:
    parsed = parse_quantity(quantity)
    return parsed is not None and parsed.unscaled == 0


def _cpu_utilization_target(metric: Obj) -> int | None:
    """The averageUtilization of a Resource cpu metric (the one metric v1 has a field for), else None."""
    resource = metric.get("resource")
    if metric.get("type") != "Resource" or not isinstance(resource, dict) or resource.get("name") != "cpu":
        return None
    return (resource.get("target") or {}).get("averageUtilization")


def _reference(obj: Obj | None) -> Obj:
    obj = obj or {}
    return _present(kind=obj.get("kind", ""), name=obj.get("name", ""), apiVersion=obj.get("apiVersion"))


# --- v2 (storage) -> v1 ---------------------------------------------------------------------------------


def _metric_spec_v1(metric: Obj) -> Obj:
    out: Obj = {"type": metric.get("type", "")}
    if (src := metric.get("object")) is not None:
        target, ident = src.get("target") or {}, src.get("metric") or {}
        out["object"] = _present(
            target=_reference(src.get("describedObject")),
            metricName=ident.get("name", ""),
            targetValue=target.get("value", _ZERO),
            selector=ident.get("selector"),
            averageValue=target.get("averageValue"),
        )
    if (src := metric.get("pods")) is not None:
        target, ident = src.get("target") or {}, src.get("metric") or {}
        out["pods"] = _present(
            metricName=ident.get("name", ""),
            targetAverageValue=target.get("averageValue", _ZERO),
            selector=ident.get("selector"),
        )
    for key in ("resource", "containerResource"):
        if (src := metric.get(key)) is not None:
            target = src.get("target") or {}
            out[key] = _present(
                name=src.get("name", ""),
                targetAverageUtilization=target.get("averageUtilization"),
                targetAverageValue=target.get("averageValue"),
                container=src.get("container"),
            )
    if (src := metric.get("external")) is not None:
        target, ident = src.get("target") or {}, src.get("metric") or {}
        out["external"] = _present(
            metricName=ident.get("name", ""),
            metricSelector=ident.get("selector"),
            targetValue=target.get("value"),
            targetAverageValue=target.get("averageValue"),
        )
    return canonical.message(out, _V1 + "MetricSpec")  # type: ignore[no-any-return]


def _metric_status_v1(metric: Obj) -> Obj:
    out: Obj = {"type": metric.get("type", "")}
    if (src := metric.get("object")) is not None:
        current, ident = src.get("current") or {}, src.get("metric") or {}
        out["object"] = _present(
            target=_reference(src.get("describedObject")),
            metricName=ident.get("name", ""),
            currentValue=current.get("value", _ZERO),
            selector=ident.get("selector"),
            averageValue=current.get("averageValue"),
        )
    if (src := metric.get("pods")) is not None:
        current, ident = src.get("current") or {}, src.get("metric") or {}
        out["pods"] = _present(
            metricName=ident.get("name", ""),
            currentAverageValue=current.get("averageValue", _ZERO),
            selector=ident.get("selector"),
        )
    for key in ("resource", "containerResource"):
        if (src := metric.get(key)) is not None:
            current = src.get("current") or {}
            out[key] = _present(
                name=src.get("name", ""),
                currentAverageUtilization=current.get("averageUtilization"),
                currentAverageValue=current.get("averageValue", _ZERO),
                container=src.get("container"),
            )
    if (src := metric.get("external")) is not None:
        current, ident = src.get("current") or {}, src.get("metric") or {}
        out["external"] = _present(
            metricName=ident.get("name", ""),
            metricSelector=ident.get("selector"),
            currentValue=current.get("value", _ZERO),
            currentAverageValue=current.get("averageValue"),
        )
    return canonical.message(out, _V1 + "MetricStatus")  # type: ignore[no-any-return]


def _rules_internal(rules: Obj | None) -> Obj | None:
    """HPAScalingRules as encoding/json writes kube's internal type: Go names, every field, nil as null."""
    if rules is None:
        return None
    policies = rules.get("policies")
    return {
        "StabilizationWindowSeconds": rules.get("stabilizationWindowSeconds"),
        "SelectPolicy": rules.get("selectPolicy"),
        "Policies": None
        if policies is None
        else [
            {"Type": p.get("type", ""), "Value": p.get("value", 0), "PeriodSeconds": p.get("periodSeconds", 0)}
            for p in policies
        ],
        "Tolerance": rules.get("tolerance"),
    }


def to_v1(obj: Obj) -> Obj:
    """A stored autoscaling/v2 HPA as autoscaling/v1 serves it."""
    md = dict(obj.get("metadata") or {})
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k not in ROUND_TRIP}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    metrics = spec.get("metrics") or []
    v1_spec = _present(
        scaleTargetRef=spec.get("scaleTargetRef") or {},
        minReplicas=spec.get("minReplicas"),
        maxReplicas=spec.get("maxReplicas", 0),
    )
    cpu = next((t for t in map(_cpu_utilization_target, metrics) if t is not None), None)
    if cpu is not None:
        v1_spec["targetCPUUtilizationPercentage"] = cpu
    v1_status = _present(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas", 0),
        desiredReplicas=status.get("desiredReplicas", 0),
    )
    current = status.get("currentMetrics") or []
    for metric in current:  # the last cpu utilization wins, as kube's loop leaves it
        resource = metric.get("resource")
        if metric.get("type") == "Resource" and isinstance(resource, dict) and resource.get("name") == "cpu":
            utilization = (resource.get("current") or {}).get("averageUtilization")
            if utilization is not None:
                v1_status["currentCPUUtilizationPercentage"] = utilization
    other = [_metric_spec_v1(m) for m in metrics if _cpu_utilization_target(m) is None]
    if other:
        annotations[METRICS] = _go_json(other)
    if current:
        annotations[CURRENT_METRICS] = _go_json([_metric_status_v1(m) for m in current])
    behavior = spec.get("behavior")
    if behavior is not None:
        annotations[BEHAVIOR] = _go_json(
            {
                "ScaleUp": _rules_internal(behavior.get("scaleUp")),
                "ScaleDown": _rules_internal(behavior.get("scaleDown")),
            }
        )
    conditions = status.get("conditions") or []
    if conditions:
        annotations[CONDITIONS] = _go_json(
            [canonical.message(c, _V1 + "HorizontalPodAutoscalerCondition") for c in conditions]
        )
    if annotations:
        md["annotations"] = annotations
    else:
        md.pop("annotations", None)
    out = {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": API_VERSION,
        "metadata": md,
        "spec": v1_spec,
        "status": v1_status,
    }
    return typed.canonical(out, _V1_SCHEMA)


# --- v1 -> v2 (storage) ---------------------------------------------------------------------------------


def _field(obj: Obj, name: str) -> Any:
    """encoding/json's field match: the exact key, else one equal but for case."""
    if name in obj:
        return obj[name]
    low = name.lower()
    return next((v for k, v in obj.items() if k.lower() == low), None)


def _annotation_list(annotations: Obj, key: str, message: str) -> list[Obj] | None:
    """The autoscaling/v1 ``message`` items of an annotation in canonical form, None when it is absent or when
    Go's json.Unmarshal would fail on it (kube then ignores the annotation)."""
    if key not in annotations:
        return None
    try:
        value = orjson.loads(annotations[key])
    except orjson.JSONDecodeError:
        return None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None
    try:
        for item in value:
            typed.check(item, _V1 + message)
        return [canonical.message(item, _V1 + message) for item in value]
    except (typed.TypedError, ProtobufError, ValueError, TypeError):
        return None


def _identifier(name: Any, selector: Any) -> Obj:
    return _present(name=name or "", selector=selector)


def _metric_spec_v2(metric: Obj) -> Obj:
    out: Obj = {"type": _field(metric, "type") or ""}
    if isinstance(src := _field(metric, "object"), dict):
        average, value = _field(src, "averageValue"), _field(src, "targetValue") or _ZERO
        if average is None:
            target = {"type": "Value", "value": value}
        else:  # a zero targetValue is v1's unset one: only a non-zero one is kept
            target = _present(type="AverageValue", value=None if _is_zero(value) else value, averageValue=average)
        out["object"] = {
            "describedObject": _reference(_field(src, "target")),
            "metric": _identifier(_field(src, "metricName"), _field(src, "selector")),
            "target": target,
        }
    if isinstance(src := _field(metric, "pods"), dict):
        out["pods"] = {
            "metric": _identifier(_field(src, "metricName"), _field(src, "selector")),
            "target": {"type": "AverageValue", "averageValue": _field(src, "targetAverageValue") or _ZERO},
        }
    for key in ("resource", "containerResource"):
        if isinstance(src := _field(metric, key), dict):
            utilization = _field(src, "targetAverageUtilization")
            target = _present(
                type="AverageValue" if utilization is None else "Utilization",
                averageValue=_field(src, "targetAverageValue"),
                averageUtilization=utilization,
            )
            out[key] = _present(name=_field(src, "name") or "", target=target, container=_field(src, "container"))
    if isinstance(src := _field(metric, "external"), dict):
        value = _field(src, "targetValue")
        target = _present(
            type="AverageValue" if value is None else "Value",
            value=value,
            averageValue=_field(src, "targetAverageValue"),
        )
        out["external"] = {
            "metric": _identifier(_field(src, "metricName"), _field(src, "metricSelector")),
            "target": target,
        }
    return out


def _metric_status_v2(metric: Obj) -> Obj:
    out: Obj = {"type": _field(metric, "type") or ""}
    if isinstance(src := _field(metric, "object"), dict):
        current = _present(value=_field(src, "currentValue") or _ZERO, averageValue=_field(src, "averageValue"))
        out["object"] = {
            "metric": _identifier(_field(src, "metricName"), _field(src, "selector")),
            "current": current,
            "describedObject": _reference(_field(src, "target")),
        }
    if isinstance(src := _field(metric, "pods"), dict):
        out["pods"] = {
            "metric": _identifier(_field(src, "metricName"), _field(src, "selector")),
            "current": {"averageValue": _field(src, "currentAverageValue") or _ZERO},
        }
    for key in ("resource", "containerResource"):
        if isinstance(src := _field(metric, key), dict):
            current = _present(
                averageValue=_field(src, "currentAverageValue") or _ZERO,
                averageUtilization=_field(src, "currentAverageUtilization"),
            )
            out[key] = _present(name=_field(src, "name") or "", current=current, container=_field(src, "container"))
    if isinstance(src := _field(metric, "external"), dict):
        current = _present(value=_field(src, "currentValue") or _ZERO, averageValue=_field(src, "currentAverageValue"))
        out["external"] = {
            "metric": _identifier(_field(src, "metricName"), _field(src, "metricSelector")),
            "current": current,
        }
    return out


def _rules_v2(rules: Any) -> Obj | None:
    if not isinstance(rules, dict):
        return None
    policies = _field(rules, "Policies")
    return _present(
        stabilizationWindowSeconds=_field(rules, "StabilizationWindowSeconds"),
        selectPolicy=_field(rules, "SelectPolicy"),
        policies=None
        if not isinstance(policies, list)
        else [
            {
                "type": _field(p, "Type") or "",
                "value": _field(p, "Value") or 0,
                "periodSeconds": _field(p, "PeriodSeconds") or 0,
            }
            for p in policies
            if isinstance(p, dict)
        ],
        tolerance=_field(rules, "Tolerance"),
    )


def _behavior_v2(text: str) -> Obj | None:
    """The behavior of kube's internal JSON (Go matches its untagged field names in any case), None when
    json.Unmarshal would fail or leave it empty."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    behavior = _present(scaleUp=_rules_v2(_field(value, "ScaleUp")), scaleDown=_rules_v2(_field(value, "ScaleDown")))
    try:
        typed.check(behavior, _BEHAVIOR)  # internal and v2 field types are the same
    except typed.TypedError:
        return None
    return behavior or None  # an empty behavior is no behavior


def _converted(items: list[Obj] | None, convert: Callable[[Obj], Obj]) -> list[Obj] | None:
    return None if items is None else [convert(item) for item in items]


def to_v2(obj: Obj) -> Obj:
    """An autoscaling/v1 HPA in the autoscaling/v2 form it is stored in."""
    md = dict(obj.get("metadata") or {})
    annotations = md.get("annotations") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    cpu = spec.get("targetCPUUtilizationPercentage")
    metrics: list[Obj] = []
    if cpu is not None:
        metrics = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}},
            }
        ]
    other = _converted(_annotation_list(annotations, METRICS, "MetricSpec"), _metric_spec_v2)
    if other is not None:
        metrics = other + metrics[:1]
    if not metrics:  # v1's implicit default, made explicit here where the annotation's metrics are known
        metrics = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION},
                },
            }
        ]
    v2_spec = _present(
        scaleTargetRef=spec.get("scaleTargetRef") or {},
        minReplicas=spec.get("minReplicas"),
        maxReplicas=spec.get("maxReplicas", 0),
        metrics=metrics,
        behavior=_behavior_v2(annotations[BEHAVIOR]) if BEHAVIOR in annotations else None,
    )
    current: list[Obj] | None = None
    if status.get("currentCPUUtilizationPercentage") is not None:
        current = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {"averageUtilization": status["currentCPUUtilizationPercentage"]},
                },
            }
        ]
    annotated = _converted(_annotation_list(annotations, CURRENT_METRICS, "MetricStatus"), _metric_status_v2)
    if annotated is not None:  # the annotation has them all (with more than the percentage): it wins
        current = annotated
    conditions = _annotation_list(annotations, CONDITIONS, "HorizontalPodAutoscalerCondition")
    v2_status = _present(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas", 0),
        desiredReplicas=status.get("desiredReplicas", 0),
        currentMetrics=current,
        conditions=conditions,
    )
    out = {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": md,
        "spec": v2_spec,
        "status": v2_status,
    }
    drop_round_trip(out)
    return typed.canonical(out, _V2_SCHEMA)
