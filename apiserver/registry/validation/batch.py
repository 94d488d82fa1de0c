"""batch/v1 Job and CronJob (pkg/apis/batch/validation): counts not negative, the template a valid pod template
restarting OnFailure or Never, the selector matching it, a parseable schedule, the concurrency policy enum, and
on update the Job's immutable selector, template (unless suspended) and completion mode."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.core import old_template
from aiokube.apiserver.registry.validation.cron import parse_error
from aiokube.apiserver.registry.validation.podspec import validate_pod_template_spec

Obj = dict[str, Any]

_COUNTS = ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
           "backoffLimitPerIndex", "maxFailedIndexes")  # fmt: skip
_CONCURRENCY = ["Allow", "Forbid", "Replace"]
_PREFIXED_UID = "batch.kubernetes.io/controller-uid"
_PREFIXED_NAME = "batch.kubernetes.io/job-name"


def _job_spec(spec: Obj, path: str, errs: FieldErrors, old: Obj | None) -> None:
    """validateJobSpec: the checks a Job and a CronJob's job template share (``old``: the stored pod template
    on update)."""
    for key in _COUNTS:
        if spec.get(key) is not None:
            f.nonnegative(spec[key], f"{path}.{key}", errs)
    if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
        errs.required(f"{path}.backoffLimitPerIndex", "when maxFailedIndexes is specified")
    mode = spec.get("completionMode")
    if mode is not None:
        if mode not in ("NonIndexed", "Indexed"):
            errs.not_supported(f"{path}.completionMode", mode, ["NonIndexed", "Indexed"])
        if mode == "Indexed" and spec.get("completions") is None:
            errs.required(f"{path}.completions", "when completion mode is Indexed")
    if mode in (None, "NonIndexed"):
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if spec.get(key) is not None:
                errs.invalid(f"{path}.{key}", spec[key], "requires indexed completion mode")
    template = f.obj_at(spec, "template")
    validate_pod_template_spec(template, f"{path}.template", errs, old)
    restart = f.obj_at(template, "spec").get("restartPolicy", "")
    rpath = f"{path}.template.spec.restartPolicy"
    if restart in ("Always", ""):
        errs.required(rpath, 'valid values: "OnFailure", "Never"')
    elif restart not in ("OnFailure", "Never"):
        errs.not_supported(rpath, restart, ["OnFailure", "Never"])
    elif spec.get("podFailurePolicy") is not None and restart != "Never":
        errs.invalid(rpath, restart, 'only "Never" is supported when podFailurePolicy is specified')


def _has_label(labels: dict[str, Any], key: str, expected: str, errs: FieldErrors) -> None:
    """ValidateHasLabel (the value printed is the whole label map, as Go's JSON: keys sorted)."""
    path = f"spec.template.metadata.labels[{key}]"
    if key not in labels:
        errs.required(path, f"must be '{expected}'")
    elif labels[key] != expected:
        errs.invalid(path, dict(sorted(labels.items())), f"must be '{expected}'")


def _generated_selector(obj: Obj, spec: Obj, errs: FieldErrors, *, prefixed: bool) -> None:
    """validateGeneratedSelector: without manualSelector the template carries the job's name and uid labels
    (the strategy added them, unless the client set other values) and the selector selects exactly them."""
    selector = spec.get("selector")
    if spec.get("manualSelector") or not isinstance(selector, dict):
        return
    md = f.obj_at(obj, "metadata")
    uid, name = md.get("uid", ""), md.get("name", "")
    if not uid:
        errs.required("metadata.uid")
    labels = f.obj_at(f.obj_at(spec, "template"), "metadata").get("labels") or {}
    expected = {"controller-uid": uid, "job-name": name}
    _has_label(labels, "controller-uid", uid, errs)
    _has_label(labels, "job-name", name, errs)
    if prefixed:
        _has_label(labels, _PREFIXED_UID, uid, errs)
        _has_label(labels, _PREFIXED_NAME, name, errs)
        expected |= {_PREFIXED_UID: uid, _PREFIXED_NAME: name}
    if f.selector_is_valid(selector) and not f.selector_matches(selector, expected):
        shown = {}  # metav1.LabelSelector as Go writes it: its field order, map keys sorted
        if selector.get("matchLabels"):
            shown["matchLabels"] = dict(sorted(selector["matchLabels"].items()))
        if selector.get("matchExpressions"):
            shown["matchExpressions"] = selector["matchExpressions"]
        errs.invalid("spec.selector", shown, "`selector` not auto-generated")


def validate_job(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateJob / ValidateJobUpdate."""
    spec = f.obj_at(obj, "spec")
    old_labels = f.obj_at(f.obj_at(f.obj_at(old, "spec"), "template"), "metadata").get("labels") or {}
    _generated_selector(obj, spec, errs, prefixed=old is None or {_PREFIXED_UID, _PREFIXED_NAME} <= set(old_labels))
    _job_spec(spec, "spec", errs, old_template(old, "spec", "template"))
    selector = spec.get("selector")
    if selector is None:
        errs.required("spec.selector")
    else:
        f.label_selector(selector, "spec.selector", errs)
    labels = f.obj_at(f.obj_at(spec, "template"), "metadata").get("labels") or {}
    if f.selector_is_valid(selector) and (selector is None or not f.selector_matches(selector, labels)):
        errs.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
    if old is None:
        return
    old_spec = f.obj_at(old, "spec")
    if spec.get("completionMode") != "Indexed":
        f.immutable(spec.get("completions"), old_spec.get("completions"), "spec.completions", errs)
    elif spec.get("completions") != old_spec.get("completions") and spec.get("completions") is not None:
        if spec["completions"] != spec.get("parallelism"):
            errs.invalid(
                "spec.completions", spec["completions"], "can only be modified in tandem with spec.parallelism"
            )
    f.immutable(selector, old_spec.get("selector"), "spec.selector", errs)
    if not old_spec.get("suspend") and spec.get("template") != old_spec.get("template"):
        errs.invalid("spec.template", spec.get("template"), f.IMMUTABLE_MSG)
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
        f.immutable(spec.get(key), old_spec.get(key), f"spec.{key}", errs)


def validate_cron_job(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateCronJobCreate / ValidateCronJobUpdate."""
    spec = f.obj_at(obj, "spec")
    old_spec = f.obj_at(old, "spec") if old is not None else None
    schedule = spec.get("schedule", "")
    if not schedule:
        errs.required("spec.schedule")
    else:
        error = parse_error(schedule)
        if error is not None:
            errs.invalid("spec.schedule", schedule, error)
        tz_allowed = old_spec is not None and "TZ" in old_spec.get("schedule", "")
        if tz_allowed and "TZ" in schedule and spec.get("timeZone") is not None:
            errs.invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")
        elif not tz_allowed and "TZ" in schedule:
            errs.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    if spec.get("startingDeadlineSeconds") is not None:
        f.nonnegative(spec["startingDeadlineSeconds"], "spec.startingDeadlineSeconds", errs)
    f.enum(spec.get("concurrencyPolicy"), "spec.concurrencyPolicy", _CONCURRENCY, errs)
    job_spec = f.obj_at(f.obj_at(spec, "jobTemplate"), "spec")
    _job_spec(job_spec, "spec.jobTemplate.spec", errs, old_template(old, "spec", "jobTemplate", "spec", "template"))
    if job_spec.get("selector") is not None:
        errs.invalid("spec.jobTemplate.spec.selector", job_spec["selector"], "`selector` will be auto-generated")
    if job_spec.get("manualSelector"):
        errs.not_supported("spec.jobTemplate.spec.manualSelector", True, ["nil", "false"])
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if spec.get(key) is not None:
            f.nonnegative(spec[key], f"spec.{key}", errs)
    name = f.obj_at(obj, "metadata").get("name", "")
    if old is None and len(name) > 52:
        errs.invalid("metadata.name", name, "must be no more than 52 characters")
