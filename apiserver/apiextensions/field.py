"""Field errors as kube's validators build them (k8s.io/apimachinery/pkg/util/validation/field/errors.go).

``field.Invalid``, ``field.Required``… with the bad value rendered as ``field.Error.ErrorBody`` does
(:func:`bad_value`), and the path helpers of ``field.Path`` (``Child``, ``Index``, ``Key``) on plain strings.
CRD schema validation, embedded-resource checks and CRD validation all report through these, so every
cause they produce carries kube's reason and bytes.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import Cause
from aiokube.apiserver.golang import go_float, go_json, go_quote


def bad_value(v: Any) -> str:
    """field.Error.ErrorBody's BadValue: ints/floats/bools with %v, strings with %q, the rest as JSON."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    return go_json(v)


# field.ErrorList constructors (k8s.io/apimachinery/pkg/util/validation/field/errors.go)


def _with_detail(s: str, detail: str) -> str:
    return f"{s}: {detail}" if detail else s


def invalid(fld: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", fld, _with_detail(f"Invalid value: {bad_value(value)}", detail))


def type_invalid(fld: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueTypeInvalid", fld, _with_detail(f"Invalid value: {bad_value(value)}", detail))


def required(fld: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", fld, _with_detail("Required value", detail))


def forbidden(fld: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", fld, _with_detail("Forbidden", detail))


def not_supported(fld: str, value: Any, valid: list[str]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return Cause("FieldValueNotSupported", fld, _with_detail(f"Unsupported value: {bad_value(value)}", detail))


def duplicate(fld: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", fld, f"Duplicate value: {bad_value(value)}")


def too_long(fld: str, max_len: int) -> Cause:
    if max_len >= 0:
        detail = f"may not be more than {max_len} {'byte' if max_len == 1 else 'bytes'}"
    else:
        detail = "value is too long"
    return Cause("FieldValueTooLong", fld, f"Too long: {detail}")


def too_many(fld: str, actual: int, max_n: int) -> Cause:
    detail = f"must have at most {max_n} {'item' if max_n == 1 else 'items'}" if max_n >= 0 else "has too many items"
    head = f"Too many: {actual}" if actual >= 0 else "Too many"
    return Cause("FieldValueTooMany", fld, f"{head}: {detail}")


def child_path(path: str, name: str) -> str:
    """field.Path.Child: ``path.name`` (``name`` alone at the root)."""
    return f"{path}.{name}" if path else name


def index_path(path: str, i: int) -> str:
    """field.Path.Index: ``path[i]``."""
    return f"{path}[{i}]"


def key_path(path: str, k: str) -> str:
    """field.Path.Key: ``path[k]`` (the key unquoted, as kube prints it)."""
    return f"{path}[{k}]"
