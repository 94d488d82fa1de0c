"""apps/v1 workloads (pkg/apis/apps/validation): Deployment, ReplicaSet, StatefulSet, DaemonSet and
ControllerRevision — a selector that is set, valid, not empty and matches the template's labels, counts that
are not negative, the template a valid pod template, the strategies' enums, and the selector immutable (the
apps/v1 strategies' ValidateUpdate).
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.core import old_template, pod_template_for_controller
from aiokube.apiserver.registry.validation.podspec import validate_pod_template_spec

Obj = dict[str, Any]


def _selector(spec: Obj, kind: str, errs: FieldErrors) -> bool:
    """The selector checks the four workloads share; True when it converts to a selector."""
    selector = spec.get("selector")
    if selector is None:
        errs.required("spec.selector")
        return True  # a nil selector converts to one that matches nothing
    f.label_selector(selector, "spec.selector", errs)
    if f.selector_is_empty(selector):
        errs.invalid("spec.selector", selector, f"empty selector is invalid for {kind}")
    if not f.selector_is_valid(selector):
        errs.invalid("spec.selector", selector, "" if kind == "statefulset" else "invalid label selector")
        return False
    return True


def _strategy_struct(strategy: Obj, rolling_fields: tuple[str, ...]) -> Obj:
    """A strategy as kube prints it in an error: the internal struct, with Go field names."""
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, dict):
        rolling = {name: rolling.get(name[0].lower() + name[1:]) for name in rolling_fields}
    return f.go_struct(("Type", strategy.get("type", "")), ("RollingUpdate", rolling))


def _common(spec: Obj, errs: FieldErrors) -> None:
    f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds", errs)
    if spec.get("revisionHistoryLimit") is not None:
        f.nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit", errs)


def _selector_immutable(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    if old is not None:
        f.immutable(f.obj_at(obj, "spec").get("selector"), f.obj_at(old, "spec").get("selector"), "spec.selector", errs)


def validate_deployment(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateDeploymentSpec (+ the immutable selector on update)."""
    spec = f.obj_at(obj, "spec")
    f.nonnegative(spec.get("replicas", 0), "spec.replicas", errs)
    if _selector(spec, "deployment", errs):
        pod_template_for_controller(
            spec.get("template") or {}, spec.get("selector"), "spec.template", errs, "ReplicaSet",
            old=old_template(old, "spec", "template"),
        )  # fmt: skip
    strategy = f.obj_at(spec, "strategy")
    kind = strategy.get("type", "")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            errs.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
    elif kind == "RollingUpdate":
        rolling = f.obj_at(strategy, "rollingUpdate")
        unavailable = f.int_or_percent(
            rolling.get("maxUnavailable"), "spec.strategy.rollingUpdate.maxUnavailable", errs
        )
        surge = f.int_or_percent(rolling.get("maxSurge"), "spec.strategy.rollingUpdate.maxSurge", errs)
        if unavailable == 0 and surge == 0:
            errs.invalid(
                "spec.strategy.rollingUpdate.maxUnavailable", rolling.get("maxUnavailable", 0),
                "may not be 0 when `maxSurge` is 0",
            )  # fmt: skip
        f.not_over_100(rolling.get("maxUnavailable"), "spec.strategy.rollingUpdate.maxUnavailable", errs)
    else:
        errs.not_supported("spec.strategy", _strategy_struct(strategy, ("MaxUnavailable", "MaxSurge")),
                           ["Recreate", "RollingUpdate"])  # fmt: skip
    _common(spec, errs)
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        f.nonnegative(deadline, "spec.progressDeadlineSeconds", errs)
        if deadline <= spec.get("minReadySeconds", 0):
            errs.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
    _selector_immutable(obj, old, errs)


def validate_replica_set(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateReplicaSetSpec (+ the immutable selector on update)."""
    spec = f.obj_at(obj, "spec")
    f.nonnegative(spec.get("replicas", 0), "spec.replicas", errs)
    f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds", errs)
    if _selector(spec, "deployment", errs):  # sic: kube's ReplicaSet message names deployments
        pod_template_for_controller(
            spec.get("template") or {}, spec.get("selector"), "spec.template", errs, "ReplicaSet",
            old=old_template(old, "spec", "template"),
        )  # fmt: skip
    _selector_immutable(obj, old, errs)


def validate_stateful_set(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateStatefulSetSpec, and on update the fields that may change."""
    spec = f.obj_at(obj, "spec")
    policy = spec.get("podManagementPolicy", "")
    if not policy:
        errs.required("spec.podManagementPolicy")
    elif policy not in ("OrderedReady", "Parallel"):
        errs.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
    strategy = f.obj_at(spec, "updateStrategy")
    kind = strategy.get("type", "")
    if not kind:
        errs.required("spec.updateStrategy")
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        errs.invalid(
            "spec.updateStrategy.rollingUpdate",
            strategy["rollingUpdate"],
            "only allowed for updateStrategy 'RollingUpdate'",
        )
    elif kind not in ("OnDelete", "RollingUpdate"):
        errs.invalid(
            "spec.updateStrategy",
            _strategy_struct(strategy, ("Partition", "MaxUnavailable")),
            "must be 'RollingUpdate' or 'OnDelete'",
        )
    f.nonnegative(spec.get("replicas", 0), "spec.replicas", errs)
    f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds", errs)
    if spec.get("serviceName") and old is None:
        f.dns1123_label(spec["serviceName"], "spec.serviceName", errs)
    if _selector(spec, "statefulset", errs):
        template = dict(spec.get("template") or {})
        tspec = {k: v for k, v in f.obj_at(template, "spec").items() if k not in ("hostname", "subdomain")}
        claims = [c.get("metadata", {}).get("name", "") for c in f.list_at(spec, "volumeClaimTemplates")]
        if claims:  # the claims' volumes the controller adds, so mounts of them are valid
            own = [v for v in f.list_at(tspec, "volumes") if v.get("name") not in claims]
            tspec["volumes"] = [{"name": n, "persistentVolumeClaim": {"claimName": n}} for n in claims] + own
        template["spec"] = tspec
        labels = f.obj_at(template, "metadata").get("labels") or {}
        if not f.selector_matches(spec.get("selector"), labels):
            errs.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
        validate_pod_template_spec(template, "spec.template", errs, old_template(old, "spec", "template"))
    tspec = f.obj_at(f.obj_at(spec, "template"), "spec")
    if tspec.get("restartPolicy", "") != "Always":
        errs.not_supported("spec.template.spec.restartPolicy", tspec.get("restartPolicy", ""), ["Always"])
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.forbidden(
            "spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"
        )
    if old is not None:
        mutable = ("replicas", "template", "updateStrategy", "minReadySeconds", "ordinals", "revisionHistoryLimit",
                   "persistentVolumeClaimRetentionPolicy")  # fmt: skip
        new_rest = {k: v for k, v in spec.items() if k not in mutable}
        old_rest = {k: v for k, v in f.obj_at(old, "spec").items() if k not in mutable}
        if new_rest != old_rest:
            errs.forbidden(
                "spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                "'minReadySeconds' are forbidden",
            )


def validate_daemon_set(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateDaemonSetSpec (+ the immutable selector on update)."""
    spec = f.obj_at(obj, "spec")
    if old is not None:
        _selector_immutable(obj, old, errs)
    selector = spec.get("selector")
    f.label_selector(selector, "spec.selector", errs)
    template = f.obj_at(spec, "template")
    labels = f.obj_at(template, "metadata").get("labels") or {}
    if selector is not None and f.selector_is_valid(selector) and not f.selector_matches(selector, labels):
        errs.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
    if selector is not None and f.selector_is_empty(selector):
        errs.invalid("spec.selector", selector, "empty selector is invalid for daemonset")
    validate_pod_template_spec(template, "spec.template", errs, old_template(old, "spec", "template"))
    tspec = f.obj_at(template, "spec")
    if tspec.get("restartPolicy", "") != "Always":
        errs.not_supported("spec.template.spec.restartPolicy", tspec.get("restartPolicy", ""), ["Always"])
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.forbidden(
            "spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"
        )
    f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds", errs)
    strategy = f.obj_at(spec, "updateStrategy")
    kind = strategy.get("type", "")
    if kind == "RollingUpdate":
        if strategy.get("rollingUpdate") is None:
            errs.required("spec.updateStrategy.rollingUpdate")
    elif kind != "OnDelete":
        errs.not_supported("spec.updateStrategy", _strategy_struct(strategy, ("MaxUnavailable", "MaxSurge")),
                           ["RollingUpdate", "OnDelete"])  # fmt: skip
    if spec.get("revisionHistoryLimit") is not None:
        f.nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit", errs)


def validate_controller_revision(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateControllerRevision: revision ≥ 0; on update the data may not change."""
    f.nonnegative(obj.get("revision", 0), "revision", errs)
    if old is not None and obj.get("data") != old.get("data"):
        errs.invalid("data", "", "field is immutable")
