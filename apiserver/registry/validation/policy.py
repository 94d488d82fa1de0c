"""policy/v1 PodDisruptionBudget (pkg/apis/policy/validation): minAvailable or maxUnavailable (not both), each
a non-negative number or a percentage up to 100%, a valid selector (an update keeps an invalid label value the
old one had) and eviction policy; through ``status``, non-negative counts and well-formed conditions."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]


def validate_pod_disruption_budget(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    spec = f.obj_at(obj, "spec")
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        value = f.go_struct(
            ("MinAvailable", spec.get("minAvailable")),
            ("Selector", spec.get("selector")),
            ("MaxUnavailable", spec.get("maxUnavailable")),
            ("UnhealthyPodEvictionPolicy", spec.get("unhealthyPodEvictionPolicy")),
        )
        errs.invalid("spec", value, "minAvailable and maxUnavailable cannot be both set")
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            f.int_or_percent(spec[key], f"spec.{key}", errs)
            f.not_over_100(spec[key], f"spec.{key}", errs)
    ratchet = old is not None and not f.selector_values_valid(f.obj_at(old, "spec").get("selector"))
    f.label_selector(spec.get("selector"), "spec.selector", errs, strict_values=not ratchet)
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in _EVICTION_POLICIES:
        errs.not_supported("spec.unhealthyPodEvictionPolicy", policy, _EVICTION_POLICIES)


def validate_pod_disruption_budget_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodDisruptionBudgetStatusUpdate (policy/v1)."""
    status = f.obj_at(obj, "status")
    f.conditions(f.list_at(status, "conditions"), "status.conditions", errs)
    for key in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
        f.nonnegative(status.get(key, 0), f"status.{key}", errs)
