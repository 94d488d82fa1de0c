"""coordination.k8s.io Lease (pkg/apis/coordination/validation): a positive duration, transitions not
negative (``strategy``/``preferredHolder`` belong to the CoordinatedLeaderElection gate, off by default)."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]


def validate_lease(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    spec = f.obj_at(obj, "spec")
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        errs.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")
    transitions = spec.get("leaseTransitions")
    if transitions is not None and transitions < 0:
        errs.invalid("spec.leaseTransitions", transitions, f.NEGATIVE_MSG)
