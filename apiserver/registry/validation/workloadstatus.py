"""What a controller may write through the ``status`` of the apps workloads (pkg/apis/apps/validation:
ValidateDeploymentStatusUpdate, ValidateReplicaSetStatusUpdate, ValidateStatefulSetStatusUpdate,
ValidateDaemonSetStatusUpdate): counts not negative, the ready and available counts within the replicas, and a
collision count that never goes down."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_OVER_REPLICAS = "cannot be greater than status.replicas"
_DAEMON_SET_COUNTS = (
    "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady", "observedGeneration",
    "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
)  # fmt: skip


def _int(status: Obj, key: str) -> int:
    value = status.get(key, 0)
    return value if isinstance(value, int) else 0


def _counts(status: Obj, keys: tuple[str, ...], errs: FieldErrors) -> None:
    for key in keys:
        f.nonnegative(status.get(key, 0), f"status.{key}", errs)


def _not_over(status: Obj, keys: tuple[str, ...], ready_msg: str, errs: FieldErrors) -> None:
    """Each of ``keys`` at most status.replicas, then availableReplicas at most readyReplicas."""
    replicas = _int(status, "replicas")
    for key in keys:
        if _int(status, key) > replicas:
            errs.invalid(f"status.{key}", status[key], _OVER_REPLICAS)
    if _int(status, "availableReplicas") > _int(status, "readyReplicas"):
        errs.invalid("status.availableReplicas", status["availableReplicas"], ready_msg)


def _optional(status: Obj, keys: tuple[str, ...], errs: FieldErrors) -> None:
    for key in keys:
        if status.get(key) is not None:
            f.nonnegative(status[key], f"status.{key}", errs)


def _collision_count(status: Obj, old: Obj, errs: FieldErrors) -> None:
    """IsDecremented: a set collision count may only grow."""
    new_count, old_count = status.get("collisionCount"), f.obj_at(old, "status").get("collisionCount")
    if isinstance(old_count, int) and (not isinstance(new_count, int) or new_count < old_count):
        errs.invalid("status.collisionCount", new_count or 0, "cannot be decremented")


def validate_deployment_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    status = f.obj_at(obj, "status")
    _counts(status, ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                     "unavailableReplicas"), errs)  # fmt: skip
    _optional(status, ("terminatingReplicas", "collisionCount"), errs)
    _not_over(status, ("updatedReplicas", "readyReplicas", "availableReplicas"), "cannot be greater than readyReplicas",
              errs)  # fmt: skip
    _collision_count(status, old, errs)


def validate_replica_set_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    status = f.obj_at(obj, "status")
    _counts(status, ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"),
            errs)  # fmt: skip
    _optional(status, ("terminatingReplicas",), errs)
    _not_over(status, ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"),
              "cannot be greater than readyReplicas", errs)  # fmt: skip


def validate_stateful_set_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    status = f.obj_at(obj, "status")
    _counts(status, ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"), errs)
    _optional(status, ("observedGeneration", "collisionCount"), errs)
    _not_over(status, ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"),
              "cannot be greater than status.readyReplicas", errs)  # fmt: skip
    _collision_count(status, old, errs)


def validate_daemon_set_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    status = f.obj_at(obj, "status")
    _counts(status, _DAEMON_SET_COUNTS, errs)
    _optional(status, ("collisionCount",), errs)
    _collision_count(status, old, errs)
