"""Typed decoding of JSON bodies for built-in types, driven by the protobuf schema table.

kube decodes a body into Go structs: wrong JSON types fail with encoding/json's messages
(``json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort
of type int32``), unknown fields are reported by sigs.k8s.io/json's strict decoder
(``unknown field "spec.containers[0].foo"``), and what comes out is the canonical form kube writes: Go field
order, ``omitempty`` zero values dropped, non-pointer structs present (``"status": {"loadBalancer": {}}``),
timestamps in RFC 3339. :func:`check` does the first two, :func:`canonical` the last (through the
protobuf codec, whose decoder writes exactly that form).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import canonical as compiled
from . import protobuf
from .protobuf import (
    DURATION,
    FIELDS_V1,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    TIME,
)

_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)\Z")
_INTS = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"}
_GO_SCALAR = {"string": "string", "bool": "bool", "double": "float64", "float": "float32", "bytes": "[]uint8"}


class TypedError(ValueError):
    """A body that Go's typed decoding would reject; ``message`` is encoding/json's wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def go_type(type_: str, repeated: bool = False) -> str:
    if repeated:
        return "[]" + go_type(type_)
    if type_.startswith("map<"):
        _, value = type_[4:-1].split(",", 1)
        return f"map[string]{go_type(value.strip())}"
    if "." in type_:
        package, name = type_.rsplit(".", 1)
        return f"{package.rsplit('.', 1)[1]}.{name}"
    return _GO_SCALAR.get(type_, type_)


def number_text(value: int | float) -> str:
    """A number as Go's decoder quotes it in errors: its JSON text (kept by decode.Number), else what
    encoding/json writes for it (as YAML bodies reach the decoder: ``100000000000000000000``)."""
    literal = getattr(value, "literal", None)
    if literal is not None:
        return str(literal)
    if isinstance(value, int):
        return str(value)
    if value != 0 and not 1e-6 <= abs(value) < 1e21:
        return re.sub(r"e-0(\d)$", r"e-\1", repr(value))
    return format(Decimal(repr(value)).normalize(), "f")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _by_json(msg: str) -> dict[str, tuple[Any, tuple[str, ...]]]:
    """JSON name -> (field, inline chain) for a message, inline messages flattened."""
    cached = _BY_JSON.get(msg)
    if cached is not None:
        return cached
    ordered, _ = protobuf._fields(msg)
    out: dict[str, tuple[Any, tuple[str, ...]]] = {}
    for f in ordered:
        if f.inline:
            for name, (inner, chain) in _by_json(f.type).items():
                out.setdefault(name, (inner, (f.type, *chain)))
        else:
            out[f.json] = (f, ())
    _BY_JSON[msg] = out
    return out


_BY_JSON: dict[str, dict[str, tuple[Any, tuple[str, ...]]]] = {}
_INT32 = frozenset(("int32", "sint32", "sfixed32"))
#: the values each integer type holds (Go's OverflowInt/OverflowUint)
_RANGES = {
    **dict.fromkeys(("int32", "sint32", "sfixed32"), (-(2**31), 2**31 - 1)),
    **dict.fromkeys(("uint32", "fixed32"), (0, 2**32 - 1)),
    **dict.fromkeys(("int64", "sint64", "sfixed64"), (-(2**63), 2**63 - 1)),
    **dict.fromkeys(("uint64", "fixed64"), (0, 2**64 - 1)),
}
#: the Python class a scalar field's JSON value has when it is right (no further check needed)
_FAST = {"string": str, "bool": bool, **dict.fromkeys(_INTS, int)}


def _plan(msg: str) -> dict[str, tuple[Any, str, type | None]]:
    """JSON name -> (field, the Go struct declaring it, the class a plain valid value has) for a message.
    Precomputed once: the walk ran ``rsplit`` and built path lists for every key of every object."""
    plan = _PLANS.get(msg)
    if plan is None:
        plan = {}
        for key, (f, chain) in _by_json(msg).items():
            owner = (chain[-1] if chain else msg).rsplit(".", 1)[1]
            fast = None if f.map_key or f.repeated or "." in f.type else _FAST.get(f.type)
            plan[key] = (f, owner, fast)
        _PLANS[msg] = plan
    return plan


_PLANS: dict[str, dict[str, tuple[Any, str, type | None]]] = {}


#: kinds whose objects other objects hold with their TypeMeta (a StatefulSet's volumeClaimTemplates): Go's
#: decoder knows kind and apiVersion there too
_TYPE_META_INSIDE = frozenset({"k8s.io.api.core.v1.PersistentVolumeClaim"})


class _Checker:
    """One typed-decoding check of a JSON object against its Go type's schema (what encoding/json would
    reject, with its message); collects unknown fields for fieldValidation. One instance per decode."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def fail(self, value: Any, struct: str, path: list[str], type_: str) -> TypedError:
        where = ".".join(p for p in path if not p.startswith("["))
        return TypedError(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field {struct}.{where} of type {type_}"
        )

    def message(self, obj: Any, msg: str, path: list[str], shown: list[str], struct: str = "") -> None:
        """``struct``: the Go struct declaring the field that holds ``obj`` (what encoding/json names when the
        value is not an object: ``Pod.spec``, not ``PodSpec.spec``)."""
        if not isinstance(obj, dict):
            raise self.fail(obj, struct or msg.rsplit(".", 1)[1], path, go_type(msg))
        fields = _plan(msg)
        for key, value in obj.items():
            entry = fields.get(key)
            if entry is None:
                if key in ("kind", "apiVersion") and (not path or msg in _TYPE_META_INSIDE):
                    continue
                self.unknown.append(_dotted([*shown, key]))
                continue
            if value is None:
                continue
            f, owner, fast = entry
            if value.__class__ is fast and (fast is not int or _RANGES[f.type][0] <= value <= _RANGES[f.type][1]):
                continue  # a plain scalar of the field's type: nothing to look into
            self.value(value, f, owner, [*path, key], [*shown, key])

    def value(self, value: Any, f: Any, struct: str, path: list[str], shown: list[str]) -> None:
        if f.map_key:
            if not isinstance(value, dict):
                raise self.fail(value, struct, path, f.go or go_type(f.type))
            for k, v in value.items():
                if v is None:
                    continue
                if "." in f.map_value:
                    self.special_or_message(v, f.map_value, struct, path, [*shown, f"[{k}]"])
                else:
                    self.scalar(v, f.map_value, struct, path)
            return
        if f.repeated:
            if not isinstance(value, list):
                raise self.fail(value, struct, path, f.go or go_type(f.type, repeated=True))
            for i, item in enumerate(value):
                if item is None:
                    continue
                if "." in f.type:
                    self.special_or_message(item, f.type, struct, path, [*shown, f"[{i}]"])
                else:
                    self.scalar(item, f.type, struct, path, f.go[2:])
            return
        if "." in f.type:
            self.special_or_message(value, f.type, struct, path, shown)
        else:
            self.scalar(value, f.type, struct, path, f.go)

    def special_or_message(self, value: Any, type_: str, struct: str, path: list[str], shown: list[str]) -> None:
        if type_ in (TIME, MICRO_TIME):
            if not isinstance(value, str):
                raise self.fail(value, struct, path, "string")
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise TypedError(
                    f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse "{value}" as "2006"'
                ) from None
        elif type_ == QUANTITY:
            text = value if isinstance(value, str) else None if isinstance(value, bool) else str(value)
            if text is None or not _QUANTITY.match(text):
                raise TypedError(
                    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                )
        elif type_ == INT_OR_STRING:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise self.fail(value, struct, path, "intstr.IntOrString")
        elif type_ == DURATION:
            if not isinstance(value, str):
                raise self.fail(value, struct, path, "string")
        elif type_ in (FIELDS_V1, RAW_EXTENSION):
            return
        elif type_ in protobuf.STRING_LISTS:
            if not isinstance(value, list):
                raise self.fail(value, struct, path, "[]string")
            for item in value:
                if not isinstance(item, str):
                    raise self.fail(item, struct, path, "string")
        else:
            self.message(value, type_, path, shown, struct)

    def scalar(self, value: Any, type_: str, struct: str, path: list[str], go_name: str = "") -> None:
        """``go_name``: the field's named Go type (``v1.PodPhase``), if it has one."""
        ok = True
        if type_ == "string":
            ok = isinstance(value, str)
        elif type_ == "bool":
            ok = isinstance(value, bool)
        elif type_ in _INTS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                ok = False
            elif isinstance(value, float) or not _RANGES[type_][0] <= value <= _RANGES[type_][1]:
                # strconv.ParseInt/ParseUint of the literal failed, or it overflows the field
                raise TypedError(
                    f"json: cannot unmarshal number {number_text(value)} into Go struct field {struct}."
                    f"{'.'.join(p for p in path if not p.startswith('['))} of type {go_name or go_type(type_)}"
                )
        elif type_ in ("double", "float"):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif type_ == "bytes":
            if not isinstance(value, str):
                ok = False
            else:
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    bad = _NOT_BASE64.search(value)
                    at = bad.start() if bad is not None else len(value) - 1
                    raise TypedError(f"illegal base64 data at input byte {max(at, 0)}") from None
        if not ok:
            raise self.fail(value, struct, path, go_name or go_type(type_))


def _dotted(tokens: list[str]) -> str:
    """sigs.k8s.io/json's path form: ``spec.containers[0].foo``."""
    out = ""
    for t in tokens:
        out += t if t.startswith("[") or not out else "." + t
    return out


def check(obj: dict[str, Any], msg: str) -> list[str]:
    """Raise TypedError for wrong JSON types; return the unknown fields' paths (strict decoding's)."""
    checker = _Checker()
    checker.message(obj, msg, [], [])
    return checker.unknown


#: nested lists of objects that embed TypeMeta, which protobuf does not carry (kind and apiVersion lead in Go)
_NESTED_TYPE_META: dict[str, tuple[str, str]] = {"k8s.io.api.apps.v1.StatefulSet": ("spec", "volumeClaimTemplates")}


def _with_type_meta(source: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    out = {key: source[key] for key in ("kind", "apiVersion") if key in source}
    out.update(body)
    return out


#: False computes the canonical form through the protobuf codec: the reference tests/test_canonical.py checks
#: the compiled plans against
COMPILED = True


def canonical(obj: dict[str, Any], msg: str) -> dict[str, Any]:
    """The object as kube would write it after decoding it into its Go type (unknown fields dropped)."""
    if COMPILED:
        body = compiled.message(obj, msg)
    else:
        body = protobuf.decode_message(protobuf.encode_message(obj, msg), msg)
    nested = _NESTED_TYPE_META.get(msg)
    if nested is not None:
        outer, field = nested
        given = (obj.get(outer) or {}).get(field)
        items = (body.get(outer) or {}).get(field)
        if isinstance(given, list) and isinstance(items, list) and len(given) == len(items):
            body[outer][field] = [
                _with_type_meta(g, i) if isinstance(g, dict) else i for g, i in zip(given, items, strict=True)
            ]
    return _with_type_meta(obj, body)
