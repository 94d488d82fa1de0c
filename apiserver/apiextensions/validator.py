"""kube-openapi's schema validator (``k8s.io/kube-openapi/pkg/validation/validate``) on CRD schemas.

What ``validate.SchemaValidator`` reports for a value against a v1 JSONSchemaProps, with the texts of
``k8s.io/kube-openapi/pkg/validation/errors``, turned into field errors by apiextensions-apiserver's
``apiserver/validation/validation.go`` ``kubeOpenAPIResultToFieldErrors``. Exists because custom resources,
status subresources and CRD ``default:`` values are all checked this way and kube's clients see these
exact messages. Go map iteration is random in kube; here properties follow the order of the schema.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.apiextensions.field import (
    child_path,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)
from aiokube.apiserver.apiextensions.formats import FORMAT_CHECKS, SUPPORTED_FORMATS_NORMALIZED
from aiokube.apiserver.apiextensions.regex import Untranslatable, compile_go_regexp, go_regexp_error
from aiokube.apiserver.apiextensions.structural import Obj, Schema, is_nullable, items_of, props_of
from aiokube.apiserver.errors import Cause
from aiokube.apiserver.golang import (
    GO_BOOL,
    GO_FLOAT64,
    GO_INT64,
    GO_MAP,
    GO_NIL,
    GO_SLICE,
    GO_STRING,
    go_deep_equal,
    go_float,
    go_float_f,
    go_int,
    go_json,
    go_quote,
    go_type_name,
    go_v,
)

# error codes of k8s.io/kube-openapi/pkg/validation/errors, plus "plain" for errors that are not a
# *errors.Validation (composite anyOf/allOf messages, numeric range checks)
_TYPE, _REQUIRED, _TOO_LONG, _TOO_SHORT, _PATTERN, _ENUM = "type", "required", "tooLong", "tooShort", "pattern", "enum"
_MULTIPLE, _MAX, _MIN, _UNIQUE, _MAX_ITEMS, _MIN_ITEMS = "multipleOf", "max", "min", "unique", "maxItems", "minItems"
_FEW_PROPS, _MANY_PROPS, _UNALLOWED, _MULTIPLE_POS, _PLAIN = "fewProps", "manyProps", "unallowed", "multPos", "plain"


class _VErr:
    """One kube-openapi ``errors.Validation``: its code, the value's name (path) and message, and what
    kubeOpenAPIResultToFieldErrors needs to build the field error (value, valid bound, enum values)."""

    __slots__ = ("code", "message", "name", "valid", "value", "values")

    def __init__(
        self,
        code: str,
        name: str,
        message: str,
        value: Any = None,
        valid: Any = None,
        values: list[Any] | None = None,
    ) -> None:
        self.code, self.name, self.message = code, name, message
        self.value, self.valid, self.values = value, valid, values


class _Result:
    """validate.Result: errors kept unique by message, and the match count anyOf/oneOf choose by."""

    __slots__ = ("errors", "match")

    def __init__(self) -> None:
        self.errors: list[_VErr] = []
        self.match = 0

    def add(self, *errs: _VErr | None) -> None:
        for e in errs:
            if e is not None and all(e.message != seen.message for seen in self.errors):
                self.errors.append(e)

    def merge(self, *others: _Result | None) -> _Result:
        for other in others:
            if other is not None:
                self.add(*other.errors)
                self.match += other.match
        return self

    @property
    def valid(self) -> bool:
        return not self.errors


def _err_result(e: _VErr) -> _Result:
    r = _Result()
    r.errors.append(e)
    return r


def _e_invalid_type(path: str, type_name: str, value: str) -> _VErr:
    return _VErr(_TYPE, path, f"{path} in body must be of type {type_name}: {go_quote(value)}", value=value)


def _e_required(path: str) -> _VErr:
    return _VErr(_REQUIRED, path, f"{path} in body is required")


#: the OpenAPI type and format kube-openapi's type validator derives from a decoded value's Go type
_SWAGGER_TYPES = {
    GO_BOOL: ("boolean", ""),
    GO_STRING: ("string", ""),
    GO_INT64: ("integer", "int64"),
    GO_FLOAT64: ("number", "float64"),
    GO_SLICE: ("array", ""),
    GO_MAP: ("object", ""),
}


def _enum_match(data: Any, enum_value: Any) -> bool:
    """basicCommonValidator: DeepEqual after reflect's Convert to the enum value's type."""
    ke, kd = go_type_name(enum_value), go_type_name(data)
    if ke == GO_NIL or kd == GO_NIL:
        return False
    if ke == GO_STRING:
        if kd == GO_STRING:
            return bool(data == enum_value)
        if kd == GO_INT64:  # reflect converts an integer to the UTF-8 of that rune ("\ufffd" when invalid)
            valid = 0 <= data <= 0x10FFFF and not 0xD800 <= data <= 0xDFFF
            return (chr(data) if valid else "\ufffd") == enum_value
        return False
    if ke == GO_INT64:
        if kd == GO_INT64:
            return bool(data == enum_value)
        if kd == GO_FLOAT64:
            return math.isfinite(data) and int(data) == enum_value
        return False
    if ke == GO_FLOAT64:
        if kd in (GO_INT64, GO_FLOAT64):
            return float(data) == enum_value
        return False
    if ke == GO_BOOL:
        return kd == GO_BOOL and data == enum_value
    return go_deep_equal(data, enum_value)


def _oa_types(s: Schema) -> list[str]:
    """ConvertJSONSchemaProps: x-kubernetes-int-or-string becomes type [integer, string]."""
    if s.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    t = s.get("type") or ""
    return [t] if t else []


def _oa_format(s: Schema, types: list[str]) -> str:
    """StripUnsupportedFormatsPostProcessorForVersion(1.36): unknown formats are ignored."""
    f = s.get("format") or ""
    if not f:
        return ""
    st = types[0] if len(types) == 1 else ""
    if st in ("", "string"):
        return f if f.replace("-", "") in SUPPORTED_FORMATS_NORMALIZED else ""
    if st == "integer":
        return f if f in ("int32", "int64") else ""
    if st == "number":
        return f if f in ("float", "double") else ""
    return ""


def _is_json_integer(f: float) -> bool:
    """swag.IsFloat64AJSONInteger."""
    if math.isnan(f) or math.isinf(f) or abs(f) > float((1 << 53) - 1):
        return False
    g = float(math.trunc(f))
    if f == g:
        return True
    diff = abs(f - g)
    if g == 0:
        return diff < 1e-9 * 5e-324
    return diff / min(abs(f) + abs(g), 1.7976931348623157e308) < 1e-9


def _range_error(val: int | float, type_name: str, fmt: str, prefix: str, path: str) -> _VErr | None:
    """IsValueValidAgainstRange: does the number fit the type/format (checked on its decimal text)?"""
    rep = str(val) if isinstance(val, int) else go_float_f(val)
    bad = False
    if type_name == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", rep):
            bad = True
        else:
            n = int(rep)
            bits = 32 if fmt == "int32" else 64
            bad = not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1)
    elif fmt in ("float", "float32"):
        try:
            struct.pack("f", float(rep))
        except OverflowError:
            bad = True
    if not bad:
        return None
    if fmt:
        msg = f"{prefix} value must be of type {type_name} with format {fmt} in {path}"
    else:
        msg = f"{prefix} value must be of type {type_name} (default format) in {path}"
    return _VErr(_PLAIN, "", msg)


class SchemaValidator:
    """kube-openapi's ``validate.SchemaValidator``: :meth:`validate` checks ``data`` against a v1 JSONSchemaProps
    dict ``s`` and returns a :class:`_Result` (errors unique by message, plus the match count kube-openapi uses
    to pick the anyOf/oneOf alternative it reports). Validators run in kube-openapi's order: type, junctors,
    string/format/number/slice, enum, object. Stateless, so one instance may be reused; called by
    :func:`validate_value`, the module's entry point."""

    def validate(self, s: Schema | None, data: Any, path: str) -> _Result:
        res = _Result()
        if s is None:
            return res
        types = _oa_types(s)
        fmt = _oa_format(s, types)
        type_applies = bool(types) or bool(fmt)
        if data is None:
            if type_applies:
                res.merge(self._type(types, is_nullable(s), fmt, path, data))
            res.merge(self._common(s, data, path))
            return res
        kind = go_type_name(data)
        steps: list[Callable[[], _Result | None]] = []
        if type_applies:
            steps.append(lambda: self._type(types, is_nullable(s), fmt, path, data))
        steps.append(lambda: self._schema_props(s, data, path))
        if kind == GO_STRING:
            steps.append(lambda: self._string(s, data, path))
            if fmt and fmt.replace("-", "") in FORMAT_CHECKS:
                steps.append(lambda: self._format(fmt, data, path))
        if kind in (GO_INT64, GO_FLOAT64):
            steps.append(lambda: self._number(s, types, fmt, data, path))
        if kind == GO_SLICE:
            steps.append(lambda: self._slice(s, data, path))
        steps.append(lambda: self._common(s, data, path))
        if kind == GO_MAP:
            steps.append(lambda: self._object(s, data, path))
        for step in steps:
            res.merge(step())
            res.match += 1
        res.match += 1
        return res

    @staticmethod
    def _type(types: list[str], nullable: bool, fmt: str, path: str, data: Any) -> _Result:
        r = _Result()
        r.match += 1
        if data is None:
            if types and "null" not in types and not nullable:
                return _err_result(_e_invalid_type(path, ",".join(types), "null"))
            return r
        kind = go_type_name(data)
        sch_type, dformat = _SWAGGER_TYPES[kind]
        is_float_int = sch_type == "number" and _is_json_integer(data) and "integer" in types
        is_int_float = sch_type == "integer" and "number" in types
        ok = sch_type in types or is_float_int or is_int_float
        if kind not in (GO_STRING, GO_SLICE) and fmt and not (ok or dformat == fmt):
            return _err_result(_e_invalid_type(path, fmt, dformat))
        if not ("number" in types or "integer" in types) and fmt and kind in (GO_STRING, GO_SLICE):
            return r
        if not ok:
            return _err_result(_e_invalid_type(path, ",".join(types), sch_type))
        return r

    def _schema_props(self, s: Schema, data: Any, path: str) -> _Result:
        """allOf / anyOf / oneOf / not (schema_props.go)."""
        main = _Result()
        any_of = s.get("anyOf") or []
        if any_of:
            best: _Result | None = None
            first_ok: _Result | None = None
            succeeded = False
            for sub in any_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    best, succeeded = None, True
                    first_ok = first_ok or r
                    break
                if best is None or r.match > best.match:
                    best = r
            if not succeeded:
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate at least one schema (anyOf)"))
            main.merge(best if best is not None else first_ok)
        one_of = s.get("oneOf") or []
        if one_of:
            best = first_ok = None
            validated = 0
            for sub in one_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    validated += 1
                    best = None
                    first_ok = first_ok or r
                    continue
                if validated == 0 and (best is None or r.match > best.match):
                    best = r
            if validated != 1:
                extra = "Found none valid" if validated == 0 else f"Found {validated} valid alternatives"
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate one and only one schema (oneOf). {extra}"))
                main.merge(best)
            else:
                main.merge(first_ok)
        all_of = s.get("allOf") or []
        if all_of:
            validated = 0
            for sub in all_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    validated += 1
                main.merge(r)
            if validated != len(all_of):
                extra = ". None validated" if validated == 0 else ""
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate all the schemas (allOf){extra}"))
        if isinstance(s.get("not"), dict) and self.validate(s["not"], data, path).valid:
            main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must not validate the schema (not)"))
        main.match += 1
        return main

    @staticmethod
    def _string(s: Schema, data: str, path: str) -> _Result | None:
        n = len(data)  # utf8.RuneCount
        max_len, min_len, pattern = s.get("maxLength"), s.get("minLength"), s.get("pattern") or ""
        if max_len is not None and n > max_len:
            msg = f"{path} in body should be at most {max_len} chars long"
            return _err_result(_VErr(_TOO_LONG, path, msg, value=data, valid=max_len))
        if min_len is not None and n < min_len:
            msg = f"{path} in body should be at least {min_len} chars long"
            return _err_result(_VErr(_TOO_SHORT, path, msg, value=data, valid=min_len))
        if pattern:
            try:
                rx = compile_go_regexp(pattern)
            except Untranslatable:
                return None  # a Go-only construct: the value cannot be checked here
            except re.error as exc:
                shown = f"{pattern}, but pattern is invalid: {go_regexp_error(pattern, exc)}"
                return _err_result(_VErr(_PATTERN, path, f"{path} in body should match '{shown}'", value=data))
            if not rx.search(data):
                return _err_result(_VErr(_PATTERN, path, f"{path} in body should match '{pattern}'", value=data))
        return None

    @staticmethod
    def _format(fmt: str, data: str, path: str) -> _Result | None:
        if FORMAT_CHECKS[fmt.replace("-", "")](data):
            return None
        return _err_result(_e_invalid_type(path, fmt, data))

    @staticmethod
    def _number(s: Schema, types: list[str], fmt: str, data: int | float, path: str) -> _Result:
        """numberValidator: range of the format, then multipleOf, minimum, maximum."""
        type_name = num_fmt = ""
        if len(types) == 1 and types[0] in ("integer", "number"):
            type_name = types[0]
            if (type_name == "integer" and fmt in ("int32", "int64")) or (
                type_name == "number" and fmt in ("float", "double")
            ):
                num_fmt = fmt
        res = _Result()
        res.add(_range_error(data, type_name, num_fmt, "Checked", path))
        as_float = float(data)
        is_int = isinstance(data, int)
        r_mult, r_min, r_max = _Result(), _Result(), _Result()

        factor = s.get("multipleOf")
        if factor is not None:
            r_mult.add(_range_error(factor, type_name, num_fmt, "MultipleOf", path))
            native = r_mult.valid
            if native and is_int:
                f_int = go_int(float(factor))
                if f_int <= 0:
                    r_mult.add(_multiple_positive(path, f_int))
                elif data % f_int != 0:
                    r_mult.add(_VErr(_MULTIPLE, path, f"{path} in body should be a multiple of {f_int}", value=data))
            else:
                f = float(factor)
                if f <= 0:
                    r_mult.add(_multiple_positive(path, f))
                else:
                    mult = 1 / f * as_float if f < 1 else as_float / f
                    if not _is_json_integer(mult):
                        msg = f"{path} in body should be a multiple of {go_float(f)}"
                        r_mult.add(_VErr(_MULTIPLE, path, msg, value=as_float if not native else data))

        for key, excl_key, r, is_max in (
            ("maximum", "exclusiveMaximum", r_max, True),
            ("minimum", "exclusiveMinimum", r_min, False),
        ):
            bound = s.get(key)
            if bound is None:
                continue
            excl = bool(s.get(excl_key))
            label = "Maximum boundary" if is_max else "Minimum boundary"
            r.add(_range_error(bound, type_name, num_fmt, label, path))
            if r.valid and is_int:
                b_int = go_int(float(bound))
                failed = (
                    (data >= b_int if excl else data > b_int) if is_max else (data <= b_int if excl else data < b_int)
                )
                shown, value = str(b_int), data
            else:
                b = float(bound)
                failed = (
                    (as_float >= b if excl else as_float > b) if is_max else (as_float <= b if excl else as_float < b)
                )
                shown, value = go_float(b), (data if r.valid else as_float)
            if failed:
                if is_max:
                    word = "less than" if excl else "less than or equal to"
                else:
                    word = "greater than" if excl else "greater than or equal to"
                r.add(_VErr(_MAX if is_max else _MIN, path, f"{path} in body should be {word} {shown}", value=value))
        res.merge(r_mult, r_min, r_max)
        res.match += 1
        return res

    def _slice(self, s: Schema, data: list[Any], path: str) -> _Result:
        res = _Result()
        items = items_of(s)
        if items is not None:
            for i, v in enumerate(data):
                res.merge(self.validate(items, v, f"{path}[{i}]"))
        size = len(data)
        min_items, max_items = s.get("minItems"), s.get("maxItems")
        if min_items is not None and size < min_items:
            msg = f"{path} in body should have at least {min_items} items"
            res.add(_VErr(_MIN_ITEMS, path, msg, value=size, valid=min_items))
        if max_items is not None and size > max_items:
            msg = f"{path} in body should have at most {max_items} items"
            res.add(_VErr(_MAX_ITEMS, path, msg, value=size, valid=max_items))
        if s.get("uniqueItems"):
            seen: list[Any] = []
            for v in data:
                if any(go_deep_equal(v, u) for u in seen):
                    res.add(_VErr(_UNIQUE, path, f"{path} in body shouldn't contain duplicates"))
                    break
                seen.append(v)
        res.match += 1
        return res

    @staticmethod
    def _common(s: Schema, data: Any, path: str) -> _Result | None:
        enum = s.get("enum")
        if not enum:
            return None
        if any(_enum_match(data, e) for e in enum):
            return None
        msg = f"{path} in body should be one of {go_v(enum)}"
        return _err_result(_VErr(_ENUM, path, msg, value=data, values=list(enum)))

    def _object(self, s: Schema, data: Obj, path: str) -> _Result:
        res = _Result()
        n = len(data)
        min_p, max_p = s.get("minProperties"), s.get("maxProperties")
        if min_p is not None and n < min_p:
            msg = f"{path} in body should have at least {min_p} properties"
            res.add(_VErr(_FEW_PROPS, path, msg, value=n, valid=min_p))
        if max_p is not None and n > max_p:
            msg = f"{path} in body should have at most {max_p} properties"
            res.add(_VErr(_MANY_PROPS, path, msg, value=n, valid=max_p))
        props = props_of(s)
        ap = s.get("additionalProperties")
        if ap is False:
            for k in data:
                if k not in props:
                    res.add(_VErr(_UNALLOWED, path, f"{path}.{k} in body is a forbidden property", value=k))
        elif isinstance(ap, dict):
            for k, v in data.items():
                if k not in props:
                    res.merge(self.validate(ap, v, f"{path}.{k}"))
        for name, sub in props.items():
            if name in data:
                res.merge(self.validate(sub, data[name], f"{path}.{name}" if path else name))
        for k in s.get("required") or []:
            if k not in data:
                res.add(_e_required(f"{path}.{k}"))
        return res


def _multiple_positive(path: str, factor: int | float) -> _VErr:
    return _VErr(
        _MULTIPLE_POS, path, f"factor MultipleOf declared for {path} must be positive: {go_v(factor)}", value=factor
    )


def _to_causes(fld_path: str | None, result: _Result) -> list[Cause]:
    """kubeOpenAPIResultToFieldErrors (apiserver/validation/validation.go).

    ``fld_path`` None is Go's nil *field.Path, which renders as ``<nil>`` when an error has no name of its own
    (the composite anyOf/allOf messages and numeric range checks).
    """
    nil_path = "<nil>" if fld_path is None else fld_path
    out: list[Cause] = []
    for e in result.errors:
        if e.code == _PLAIN:
            out.append(invalid(nil_path, "", e.message))
            continue
        err_path = nil_path
        if e.name and e.name != ".":
            err_path = child_path(fld_path or "", e.name.removeprefix("."))
        value = e.value if e.value is not None else ""
        if e.code == _REQUIRED:
            out.append(required(err_path))
        elif e.code == _ENUM:
            values = [v if isinstance(v, str) else go_json(v) for v in e.values or []]
            out.append(not_supported(err_path, e.value, values))
        elif e.code == _TOO_LONG:
            out.append(too_long(err_path, e.valid))
        elif e.code in (_MAX_ITEMS, _MANY_PROPS):
            out.append(too_many(err_path, e.value, e.valid))
        elif e.code == _TYPE:
            out.append(type_invalid(err_path, value, e.message))
        else:
            out.append(invalid(err_path, value, e.message))
    return out


def validate_value(value: Any, schema: Schema | None, fld_path: str | None = None) -> list[Cause]:
    """ValidateCustomResource: kube-openapi validation of ``value``, errors under ``fld_path``.

    ``fld_path`` is None (Go's nil path) for a whole object, ``"status"`` for the status subresource (called
    with the status value and the status schema) and ``<schema path>.default`` when kube checks CRD defaults.
    """
    if schema is None:
        return []
    return _to_causes(fld_path, SchemaValidator().validate(schema, value, ""))
