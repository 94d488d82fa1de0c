"""Tolerations (ValidateTolerations): a pod spec's and, decoded, those of the tolerations annotation."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_valid_label_value

TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
_MATCH_ALL_MSG = 'operator must be Exists when `key` is empty, which means "match all values and all keys"'


def validate(tolerations: list[Any], path: str, errs: FieldErrors) -> None:
    """ValidateTolerations (the comparison operators' gate is off in 1.36)."""
    for i, toleration in enumerate(tolerations):
        if not isinstance(toleration, dict):
            continue
        tpath = f"{path}[{i}]"
        key, operator = toleration.get("key", ""), toleration.get("operator", "")
        value, effect = toleration.get("value", ""), toleration.get("effect", "")
        if key:
            f.qualified_name(key, f"{tpath}.key", errs)
        if not key and operator != "Exists":
            errs.invalid(f"{tpath}.operator", operator, _MATCH_ALL_MSG)
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.invalid(f"{tpath}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set")
        if operator in ("Equal", ""):
            msgs = is_valid_label_value(value)
            if msgs:
                errs.invalid(f"{tpath}.operator", value, ";".join(msgs))
        elif operator == "Exists":
            if value:
                errs.invalid(f"{tpath}.operator", value, "value must be empty when `operator` is 'Exists'")
        elif operator in ("Lt", "Gt"):
            errs.not_supported(f"{tpath}.operator", operator, ["Equal", "Exists", "Lt", "Gt"])
        else:
            errs.not_supported(f"{tpath}.operator", operator, ["Equal", "Exists"])
        if effect:
            f.enum(effect, f"{tpath}.effect", TAINT_EFFECTS, errs)
