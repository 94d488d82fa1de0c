"""storage.k8s.io StorageClass (pkg/apis/storage/validation): a provisioner, valid reclaim policy and binding
mode, and on update the provisioner, parameters, reclaim policy and binding mode unchanged."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_RECLAIM_POLICIES = ["Delete", "Retain"]
_BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]


def validate_storage_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    if old is not None:
        for key in ("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"):
            f.immutable(obj.get(key), old.get(key), key, errs)
        return
    if not obj.get("provisioner"):
        errs.required("provisioner")
    policy = obj.get("reclaimPolicy")
    if policy and policy not in _RECLAIM_POLICIES:
        errs.not_supported("reclaimPolicy", policy, _RECLAIM_POLICIES)
    mode = obj.get("volumeBindingMode", "")
    if not mode:
        errs.required("volumeBindingMode")
    elif mode not in _BINDING_MODES:
        errs.not_supported("volumeBindingMode", mode, _BINDING_MODES)
