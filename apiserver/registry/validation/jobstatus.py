"""What a Job controller may write through a Job's ``status`` (pkg/apis/batch/validation ValidateJobStatusUpdate,
with the options kube 1.36's status strategy passes: JobManagedBy is on, so most rules apply only when the
fields they read change): counters not negative and not decreasing, ready within active, the uncounted pods'
uids, the completed and failed indexes' interval lists, the terminal conditions' consistency (Complete with
SuccessCriteriaMet and a completion time, Failed with FailureTarget, never both), a start time that stays once
set and a completion time that stays and follows it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_INT = re.compile(r"[+-]?[0-9]+\Z")
_TERMINAL = ("Failed", "Complete", "FailureTarget")
_CONDITIONS = "status.conditions"


def _true(status: Obj, kind: str) -> bool:
    return any(
        isinstance(c, dict) and c.get("type") == kind and c.get("status") == "True"
        for c in f.list_at(status, "conditions")
    )


def _false(status: Obj, kind: str) -> bool:
    return any(
        isinstance(c, dict) and c.get("type") == kind and c.get("status") == "False"
        for c in f.list_at(status, "conditions")
    )


def _finished(status: Obj) -> bool:
    return _true(status, "Complete") or _true(status, "Failed")


def _int(status: Obj, key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) else 0


def _time(value: Any) -> Any:
    """A metav1.Time for comparing: the instant, or the text when it does not parse."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def _uncounted(value: Any) -> Any:
    """The uncounted pods as Semantic.DeepEqual sees them: nil and empty lists alike, a nil pointer apart."""
    if not isinstance(value, dict):
        return None
    return tuple(tuple(f.list_at(value, key)) for key in ("succeeded", "failed"))


def _interval(text: str, completions: int) -> tuple[int, int] | str:
    """parseIndexInterval: (first, last) or the error."""
    limits = text.split("-")
    if len(limits) > 2:
        return f"the fragment \"{text}\" violates the requirement that an index interval can have at most two parts separated by '-'"  # noqa: E501
    bounds = []
    for limit in limits:
        if not _INT.match(limit) or not -(2**63) <= int(limit) < 2**63:
            return f'cannot convert string to integer for index: "{limit}"'
        if int(limit) >= completions:
            return f'too large index: "{limit}"'
        bounds.append(int(limit))
    if len(bounds) == 2 and bounds[0] >= bounds[1]:
        return f"non-increasing order, previous: {bounds[0]}, current: {bounds[1]}"
    return bounds[0], bounds[-1]


def _indexes_error(text: str, completions: int) -> str | None:
    """validateIndexesFormat: comma-separated increasing intervals below completions."""
    if not text:
        return None
    last = None
    for part in text.split(","):
        interval = _interval(part, completions)
        if isinstance(interval, str):
            return interval
        if last is not None and last >= interval[0]:
            return f"non-increasing order, previous: {last}, current: {interval[0]}"
        last = interval[1]
    return None


def _overlap_error(completed: str, failed: str, completions: int) -> str | None:
    """validateFailedIndexesNotOverlapCompleted: walks both lists, skipping intervals that do not parse."""
    if not completed or not failed:
        return None
    done = [_interval(p, completions) for p in completed.split(",")]
    lost = [_interval(p, completions) for p in failed.split(",")]
    i = j = 0
    while i < len(done) and j < len(lost):
        c, x = done[i], lost[j]
        if isinstance(c, str):
            i += 1
        elif isinstance(x, str):
            j += 1
        elif c[0] <= x[1] and x[0] <= c[1]:
            return f"failedIndexes and completedIndexes overlap at index: {max(c[0], x[0])}"
        elif c[0] <= x[0]:
            i += 1
        else:
            j += 1
    return None


def _status(obj: Obj, old_status: Obj, spec: Obj, errs: FieldErrors) -> None:
    """validateJobStatus with the strategy's options: a rule reading fields that did not change is skipped."""
    status = f.obj_at(obj, "status")
    changed = {key: status.get(key) != old_status.get(key) for key in ("failedIndexes", "ready", "terminating")}
    changed["completedIndexes"] = (status.get("completedIndexes") or "") != (old_status.get("completedIndexes") or "")
    changed["active"] = _int(status, "active") != _int(old_status, "active")
    for key in ("startTime", "completionTime"):
        changed[key] = _time(status.get(key)) != _time(old_status.get(key))
    changed["uncounted"] = _uncounted(status.get("uncountedTerminatedPods")) != _uncounted(
        old_status.get("uncountedTerminatedPods")
    )
    for kind in ("Complete", "Failed", "FailureTarget", "SuccessCriteriaMet"):
        changed[kind] = _true(status, kind) != _true(old_status, kind)
    finished = _finished(status)
    changed["finished"] = finished != _finished(old_status)
    complete, failed = _true(status, "Complete"), _true(status, "Failed")
    target, met = _true(status, "FailureTarget"), _true(status, "SuccessCriteriaMet")
    for key in ("active", "succeeded", "failed"):
        f.nonnegative(status.get(key, 0), f"status.{key}", errs)
    for key in ("ready", "terminating"):
        if status.get(key) is not None:
            f.nonnegative(status[key], f"status.{key}", errs)
    uncounted = status.get("uncountedTerminatedPods")
    if isinstance(uncounted, dict):
        seen: set[Any] = set()
        for key in ("succeeded", "failed"):
            for i, uid in enumerate(f.list_at(uncounted, key)):
                path = f"status.uncountedTerminatedPods.{key}[{i}]"
                if uid == "":
                    errs.invalid(path, uid, "must not be empty")
                elif uid in seen:
                    errs.duplicate(path, uid)
                else:
                    seen.add(uid)
    if (changed["Complete"] or changed["Failed"]) and complete and failed:
        errs.invalid_omitted(_CONDITIONS, "cannot set Complete=True and Failed=true conditions")
    if (changed["Complete"] or changed["FailureTarget"]) and complete and target:
        errs.invalid_omitted(_CONDITIONS, "cannot set Complete=True and FailureTarget=true conditions")
    start, completion = status.get("startTime"), status.get("completionTime")
    if changed["Complete"] or changed["completionTime"]:
        if completion is not None and not complete:
            errs.invalid(
                "status.completionTime",
                completion,
                "cannot set completionTime when there is no Complete=True condition",
            )
        if completion is None and complete:
            errs.required("status.completionTime", "completionTime is required for Complete jobs")
    if (changed["startTime"] or changed["completionTime"]) and start is not None and completion is not None:
        begun, ended = _time(start), _time(completion)
        if isinstance(begun, datetime) and isinstance(ended, datetime) and ended < begun:
            errs.invalid("status.completionTime", completion, "must be equal to or after `startTime`")
    if (changed["Failed"] or changed["failedIndexes"]) and failed and not target:
        errs.invalid_omitted(_CONDITIONS, "cannot set Failed=True condition without the FailureTarget=true condition")
    if (changed["Complete"] or changed["SuccessCriteriaMet"]) and complete and not met:
        errs.invalid_omitted(
            _CONDITIONS, "cannot set Complete=True condition without the SuccessCriteriaMet=true condition"
        )
    if (changed["finished"] or changed["active"]) and _int(status, "active") > 0 and finished:
        errs.invalid("status.active", status["active"], "active>0 is invalid for finished job")
    zero_suspended = spec.get("suspend") is True and spec.get("completions") == 0
    if (changed["finished"] or changed["startTime"]) and not zero_suspended and start is None and finished:
        errs.required("status.startTime", "startTime is required for finished job")
    if (changed["finished"] or changed["uncounted"]) and finished and isinstance(uncounted, dict):
        pods = (uncounted.get("succeeded"), uncounted.get("failed"))
        if any(pods):
            errs.invalid(
                "status.uncountedTerminatedPods",
                f.go_struct(("Succeeded", pods[0]), ("Failed", pods[1])),
                "must be empty for finished job",
            )
    _indexes(status, spec, changed, errs)
    if (changed["finished"] or changed["terminating"]) and _int(status, "terminating") > 0 and finished:
        errs.invalid("status.terminating", status["terminating"], "terminating>0 is invalid for finished job")
    if (changed["ready"] or changed["active"]) and status.get("ready") is not None:
        if _int(status, "ready") > _int(status, "active"):
            errs.invalid("status.ready", status["ready"], "cannot set more ready pods than active")
    if met and failed:
        errs.invalid_omitted(_CONDITIONS, "cannot set SuccessCriteriaMet=True and Failed=true conditions")
    if met and target:
        errs.invalid_omitted(_CONDITIONS, "cannot set SuccessCriteriaMet=True and FailureTarget=true conditions")
    if spec.get("successPolicy") is not None and not met and complete:
        errs.invalid_omitted(
            _CONDITIONS, "cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True"
        )


def _indexes(status: Obj, spec: Obj, changed: dict[str, bool], errs: FieldErrors) -> None:
    """The completed and failed indexes: their format, the completion mode and backoff limit they need, no
    index both."""
    completions = spec.get("completions")
    completed, failed = status.get("completedIndexes") or "", status.get("failedIndexes")
    has_limit = spec.get("backoffLimitPerIndex") is not None
    if changed["completedIndexes"] and isinstance(completions, int):
        if (error := _indexes_error(completed, completions)) is not None:
            errs.invalid("status.completedIndexes", completed, f"error parsing completedIndexes: {error}")
    if changed["failedIndexes"] and isinstance(completions, int) and has_limit and isinstance(failed, str):
        if (error := _indexes_error(failed, completions)) is not None:
            errs.invalid("status.failedIndexes", failed, f"error parsing failedIndexes: {error}")
    if changed["completedIndexes"] and completed and spec.get("completionMode") != "Indexed":
        errs.invalid(
            "status.completedIndexes",
            completed,
            "cannot set non-empty completedIndexes when non-indexed completion mode",
        )
    if changed["failedIndexes"] and not has_limit and failed is not None:
        errs.invalid(
            "status.failedIndexes", failed, "cannot set non-null failedIndexes when backoffLimitPerIndex is null"
        )
    if (changed["failedIndexes"] or changed["completedIndexes"]) and isinstance(completions, int):
        if isinstance(failed, str) and (error := _overlap_error(completed, failed, completions)) is not None:
            errs.invalid("status.failedIndexes", failed, error)


def validate_job_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateJobStatusUpdate (its ObjectMeta checks are the store's)."""
    spec, status, old_status = f.obj_at(obj, "spec"), f.obj_at(obj, "status"), f.obj_at(old, "status")
    _status(obj, old_status, spec, errs)
    for kind in _TERMINAL:
        if _true(old_status, kind) and not _true(status, kind):
            errs.invalid_omitted(_CONDITIONS, f"cannot disable the terminal {kind}=True condition")
    if _int(status, "failed") < _int(old_status, "failed"):
        errs.invalid("status.failed", status.get("failed", 0), "cannot decrease the failed counter")
    indexed = spec.get("completionMode") == "Indexed"
    if not indexed or spec.get("completions") != spec.get("parallelism"):
        if _int(status, "succeeded") < _int(old_status, "succeeded"):
            errs.invalid("status.succeeded", status.get("succeeded", 0), "cannot decrease the succeeded counter")
    start, old_start = status.get("startTime"), old_status.get("startTime")
    completion, old_completion = status.get("completionTime"), old_status.get("completionTime")
    if completion is not None and old_completion is not None and _time(completion) != _time(old_completion):
        errs.invalid("status.completionTime", completion, f.IMMUTABLE_MSG)
    resuming = _true(old_status, "Suspended") and _false(status, "Suspended")
    if old_start is not None and _time(start) != _time(old_start) and not resuming and spec.get("suspend") is not True:
        errs.invalid("status.startTime", start, "field is immutable for unsuspended job once set")
    met, old_met = _true(status, "SuccessCriteriaMet"), _true(old_status, "SuccessCriteriaMet")
    if old_met and not met:
        errs.invalid_omitted(_CONDITIONS, "cannot disable the SuccessCriteriaMet=True condition")
    if _true(old_status, "Complete") and not old_met and met:
        errs.invalid_omitted(
            _CONDITIONS, "cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions"
        )
