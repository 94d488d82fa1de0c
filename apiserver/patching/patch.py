"""The three classic PATCH types of kube-apiserver 1.36, as pure functions on JSON-form objects.

* :func:`apply_json_patch` — ``application/json-patch+json`` (RFC 6902) as gopkg.in/evanphx/json-patch.v4
  applies it, quirks included: ``replace`` of a missing object key adds it, ``copy`` from a missing key copies
  ``null``, negative array indices count from the end, a ``test`` of a missing key against ``null`` passes.
* :func:`apply_merge_patch` — ``application/merge-patch+json`` (RFC 7386) as json-patch.v4's ``MergePatch``.
* :func:`apply_strategic_merge_patch` — ``application/strategic-merge-patch+json`` as
  k8s.io/apimachinery/pkg/util/strategicpatch applies it server side (``StrategicMergeMapPatch``), with the
  ``patchStrategy``/``patchMergeKey`` struct tags taken from the schema table (:mod:`encoding.k8s_schema`).

Errors are :class:`PatchError` (a :class:`~apiserver.errors.StatusError`) with what
k8s.io/apiserver/pkg/endpoints/handlers/patch.go answers. Notably a JSON patch that fails to apply (missing
path, failed ``test``, bad index...) is a 422 whose message is the generic
``the server rejected our request due to an error in our request`` (kube builds it with
``NewGenericServerResponse``, which drops the library's text); the library's text is kept in
:attr:`PatchError.detail` for logs and tests. Strategic-merge errors that kube does not map to a status
(a missing merge key, a bad ``$patch``...) reach the client as 500s with an empty reason and the library's
message, as ``ErrorToAPIStatus`` renders plain errors.

``patch`` may be the raw request body (bytes: kube's texts for malformed JSON apply and duplicate keys are
seen) or the already decoded JSON value (a str is then a JSON string). ``field_validation`` is the request's
``fieldValidation`` ("" means kube's default, Warn): with Warn/Strict kube first decodes the body strictly,
which changes some error texts (``error decoding patch: ...``) and finds unknown/duplicate fields; those are
appended to ``strict_errors`` when a list is given (kube turns them into warnings, or with Strict into a 422
together with the unknown fields of the patched object).

The result is the patched object as kube would hand it to typed decoding; the caller still decodes it into
the endpoint's type (kube: a failure there is a 422 ``Invalid`` on field ``patch``, see :func:`invalid_patch`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from aiokube.apiserver import errors
from aiokube.apiserver.golang import go_quote, go_type_name
from aiokube.encoding.decode import go_json_error
from aiokube.encoding.jsonenc import go_escape

MAX_JSON_PATCH_OPERATIONS = 10000  # handlers/patch.go maxJSONPatchOperations
JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024  # server.Config JSONPatchMaxCopyBytes → AccumulatedCopySizeLimit

UNPROCESSABLE_MESSAGE = "the server rejected our request due to an error in our request"
PANIC_MESSAGE = "This request caused apiserver to panic. Look in the logs for details."
# Content types kube accepts for PATCH of a custom resource (no strategic merge patch; CBOR apply is alpha/off).
CR_PATCH_TYPES = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
# json.Unmarshal target of serializer/json's SimpleMetaFactory.Interpret, as Go prints its type.
_PROBE_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'

_STRICT = ("", "Warn", "Strict")  # fieldValidation values under which kube decodes the patch body strictly


class PatchError(errors.StatusError):
    """A patch kube would refuse: ``code``, ``reason`` and ``message`` (and ``details``) of its Status.

    ``detail`` is the patch library's own text where kube's message does not carry it (422 and panics);
    ``plain_text`` marks kube's panic recovery, which answers ``text/plain`` instead of a Status.
    """

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        detail: str = "",
        plain_text: bool = False,
    ) -> None:
        super().__init__(code, reason, message, details)
        self.detail = detail or message
        self.plain_text = plain_text


def _bad_request(message: str) -> PatchError:
    return PatchError(400, "BadRequest", message)


def _unprocessable(detail: str) -> PatchError:
    """NewGenericServerResponse(422, "", GroupResource{}, "", detail, 0, false): the detail is not shown."""
    return PatchError(422, "Invalid", UNPROCESSABLE_MESSAGE, {}, detail=detail)


def _internal(message: str) -> PatchError:
    """A plain Go error through ErrorToAPIStatus: 500, reason StatusReasonUnknown (empty)."""
    return PatchError(500, "", message)


def _panic(what: str) -> PatchError:
    return PatchError(500, "InternalError", PANIC_MESSAGE, detail=f"panic: {what}", plain_text=True)


def invalid_patch(value: str, detail: str) -> PatchError:
    """kube's 422 when the patched object does not decode: ``errors.NewInvalid(GroupKind{}, "", [field.Invalid(
    "patch", value, detail)])`` (message `` "" is invalid: patch: Invalid value: "...": detail``)."""
    cause = errors.Cause("FieldValueInvalid", "patch", f"Invalid value: {go_quote(value)}: {detail}")
    err = errors.invalid(errors.GroupKind("", ""), "", [cause])
    return PatchError(err.code, err.reason, err.message, err.details)


def _not_an_object(result: Any, *, sorted_keys: bool = False) -> PatchError:
    """The patched document is not a JSON object: kube's decoder fails to find its kind."""
    return invalid_patch(
        _go_json(result, sorted_keys=sorted_keys).decode(),
        "couldn't get version/kind; json parse error: json: cannot unmarshal "
        f"{_json_kind(result)} into Go value of type {_PROBE_TYPE}",
    )


def unsupported_strategic_merge_patch() -> PatchError:
    """What a PATCH with a strategic merge patch gets for a type without Go struct tags (custom resources):
    the CRD handler does not list the content type, so kube's content-type check answers 415."""
    return PatchError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {CR_PATCH_TYPES}",
    )


# --- Go formatting helpers ----------------------------------------------------------------------------


class _Panic(Exception):
    """Where kube's Go code would panic (nil dereference, comparing or hashing maps)."""


_MAP_T, _SLICE_T = "map[string]interface {}", "[]interface {}"


def _json_kind(v: Any) -> str:
    """The value word of encoding/json's UnmarshalTypeError."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _go_float(f: float) -> str:
    """fmt's %v of a float64 (strconv 'g', shortest, exponent from 1e+06 / below 1e-04)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    sign, digits, exponent = Decimal(repr(f)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    dp = len(ds) + int(exponent)  # decimal point position
    exp = dp - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return f"{neg}0.{'0' * -dp}{ds}"
    if dp >= len(ds):
        return f"{neg}{ds}{'0' * (dp - len(ds))}"
    return f"{neg}{ds[:dp]}.{ds[dp:]}"


def go_sprint(v: Any, verb: str = "v") -> str:
    """fmt's %v (or %s) of a JSON value as Go holds it: ``map[a:1 b:[x y]]``, ``<nil>``, sorted map keys."""
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_sprint(v[k], verb)}" for k in sorted(v)) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(go_sprint(x, verb) for x in v) + "]"
    if isinstance(v, str):
        return v
    if v is None:
        text = "<nil>"
    elif isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, float):
        text = _go_float(v)
    else:
        text = str(v)
    if verb == "s":
        return f"%!s({text})" if v is None else f"%!s({go_type_name(v)}={text})"
    return text


def _go_json(v: Any, *, sorted_keys: bool = False) -> bytes:
    """Go's json.Marshal of a decoded value: objects in their current key order (raw JSON kept by
    json-patch), or sorted (what Go writes for a map)."""
    try:
        data = orjson.dumps(v, option=orjson.OPT_SORT_KEYS if sorted_keys else None)
    except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits
        data = json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=sorted_keys).encode()
    return go_escape(data)


def _eq(a: Any, b: Any) -> bool:
    """Go's == on two interface{} values: same dynamic type and value; maps and slices panic."""
    ta, tb = go_type_name(a), go_type_name(b)
    if ta != tb:
        return False
    if ta in (_MAP_T, _SLICE_T):
        raise _Panic(f"runtime error: comparing uncomparable type {ta}")
    return a == b


def _hkey(v: Any) -> tuple[str, Any]:
    """A Go map key for an interface{} value; maps and slices are unhashable (panic)."""
    t = go_type_name(v)
    if t in (_MAP_T, _SLICE_T):
        raise _Panic(f"runtime error: hash of unhashable type {t}")
    return (t, v)


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


# --- body decoding ------------------------------------------------------------------------------------


class _Pairs:
    """A JSON object as its (key, value) pairs, to see duplicate keys."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


class _SyntaxError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _parse(patch: Any) -> Any:
    """The patch as a JSON value: a raw body is decoded (objects as _Pairs) with Go's syntax error texts."""
    if isinstance(patch, bytes | bytearray | memoryview):
        raw = bytes(patch)
        try:
            return json.loads(raw.decode("utf-8", "replace"), object_pairs_hook=_Pairs, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise _SyntaxError(go_json_error(raw)) from None
    return patch


def _build(v: Any, path: str, strict: list[str] | None) -> Any:
    """_Pairs → dicts (last duplicate wins, as Go's map assignment); duplicates recorded as kjson reports them."""
    if isinstance(v, _Pairs):
        out: dict[str, Any] = {}
        for key, value in v.pairs:
            sub = f"{path}.{key}" if path else key
            if key in out and strict is not None:
                _strict_add(strict, f"duplicate field {go_quote(sub)}")
            out[key] = _build(value, sub, strict)
        return out
    if isinstance(v, dict):
        return {k: _build(x, f"{path}.{k}" if path else k, strict) for k, x in v.items()}
    if isinstance(v, list):
        return [_build(x, f"{path}[{i}]", strict) for i, x in enumerate(v)]
    return v


def _strict_add(strict: list[str], error: str) -> None:
    if error not in strict and len(strict) < 100:  # sigs.k8s.io/json dedupes and stops at 100
        strict.append(error)


def _items(v: Any) -> list[tuple[str, Any]]:
    return list(v.pairs) if isinstance(v, _Pairs) else list(v.items())


def _is_object(v: Any) -> bool:
    return isinstance(v, dict | _Pairs)


# --- JSON merge patch (RFC 7386, evanphx/json-patch.v4 MergePatch) ------------------------------------


def apply_merge_patch(
    original: dict[str, Any],
    patch: Any,
    *,
    field_validation: str = "",
    strict_errors: list[str] | None = None,
) -> dict[str, Any]:
    """RFC 7386 merge of ``patch`` into a copy of ``original``, as kube's merge-patch handler does it."""
    strict = field_validation in _STRICT
    try:
        value = _parse(patch)
    except _SyntaxError as exc:
        raise _bad_request(f"error decoding patch: {exc.message}" if strict else "Invalid JSON Patch") from None
    if strict and value is not None and not _is_object(value):
        # kjson.UnmarshalStrict(patch, &map[string]interface{}{})
        raise _bad_request(
            f"error decoding patch: json: cannot unmarshal {_json_kind(value)} into Go value of type "
            "map[string]interface {}"
        )
    found: list[str] = []
    value = _build(value, "", found if strict else None)
    if strict_errors is not None:
        strict_errors.extend(found)
    if value is None or not isinstance(value, dict | list):
        raise _bad_request("Invalid JSON Patch")  # jsonpatch.ErrBadJSONPatch
    if isinstance(value, list):
        # not a document: MergePatch returns the array (nulls pruned inside objects, which it re-marshals with
        # sorted keys); kube cannot decode it
        _prune_nulls(value)
        raise _not_an_object(value, sorted_keys=True)
    doc = _copy(original)
    _merge_docs(doc, value)
    return doc


def _merge_docs(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
            continue
        current = doc.get(key)
        if current is None:
            _prune_nulls(value)
            doc[key] = value
        elif not isinstance(current, dict):
            _prune_nulls(value)
            doc[key] = value
        elif not isinstance(value, dict):
            doc[key] = value  # json-patch.v4 keeps nulls inside a non-object replacing an object
        else:
            _merge_docs(current, value)


def _prune_nulls(v: Any) -> None:
    """pruneNulls: drop null members of objects, at any depth (null array elements stay)."""
    if isinstance(v, dict):
        for key in [k for k, x in v.items() if x is None]:
            del v[key]
        for x in v.values():
            _prune_nulls(x)
    elif isinstance(v, list):
        for x in v:
            if x is not None:
                _prune_nulls(x)


# --- JSON patch (RFC 6902, evanphx/json-patch.v4) -----------------------------------------------------

_MISSING = object()  # an operation without "value" (Go: a nil *lazyNode, unlike "value": null)
_ATOI = re.compile(r"[+-]?[0-9]+")


class _Null:
    """The nulls json-patch.v4 tells apart. A null read from the document is a nil *lazyNode (Python None);
    ``"value": null`` inserted by add/replace is a node without raw bytes (:data:`_OP_NULL`); a copy of such a
    node is a node whose raw bytes are ``null`` (:data:`_RAW_NULL`), which decodes as a nil map when used as
    a container. All three are written as ``null``; ``test`` and traversal treat them differently."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_OP_NULL = _Null("_OP_NULL")
_RAW_NULL = _Null("_RAW_NULL")
_NIL_MAP: dict[str, Any] = {}  # a _RAW_NULL used as a container: reads find nothing, writes panic


def _plain(v: Any) -> Any:
    """The JSON value of a document node: every kind of null as None."""
    if isinstance(v, _Null):
        return None
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _deep_copy_node(v: Any) -> Any:
    """deepCopy: marshal and keep the bytes (a nil node stays nil; a null node becomes raw ``null``)."""
    if v is None:
        return None
    if isinstance(v, _Null):
        return _RAW_NULL
    return _plain(v)


class _OpError(Exception):
    """An operation that does not apply; kube answers 422 with a generic message."""


def _atoi(key: str) -> int:
    if not _ATOI.fullmatch(key):
        raise _OpError(f"strconv.Atoi: parsing {go_quote(key)}: invalid syntax")
    value = int(key)
    if not -(1 << 63) <= value < (1 << 63):
        raise _OpError(f"strconv.Atoi: parsing {go_quote(key)}: value out of range")
    return value


def _invalid_index(idx: int) -> _OpError:
    return _OpError(f"Unable to access invalid index: {idx}: invalid index referenced")


def _get(con: dict[str, Any] | list[Any], key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key)  # missing and null alike
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(con):
            raise _invalid_index(idx)
        idx += len(con)
    if idx >= len(con):
        raise _invalid_index(idx)
    return con[idx]


def _set(con: dict[str, Any] | list[Any], key: str, val: Any) -> None:
    if con is _NIL_MAP:
        raise _Panic("assignment to entry in nil map")
    if isinstance(con, dict):
        con[key] = val
        return
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(con):
            raise _invalid_index(idx)
        idx += len(con)
    con[idx] = val


def _add(con: dict[str, Any] | list[Any], key: str, val: Any) -> None:
    if con is _NIL_MAP:
        raise _Panic("assignment to entry in nil map")
    if isinstance(con, dict):
        con[key] = val
        return
    if key == "-":
        con.append(val)
        return
    try:
        idx = _atoi(key)
    except _OpError as exc:
        raise _OpError(f"value was not a proper array index: '{key}': {exc}") from None
    size = len(con) + 1
    if idx >= size:
        raise _invalid_index(idx)
    if idx < 0:
        if idx < -size:
            raise _invalid_index(idx)
        idx += size
    con.insert(idx, val)


def _remove(con: dict[str, Any] | list[Any], key: str) -> None:
    if isinstance(con, dict):
        if key not in con:
            raise _OpError(f"Unable to remove nonexistent key: {key}: missing value")
        del con[key]
        return
    idx = _atoi(key)
    if idx >= len(con):
        raise _invalid_index(idx)
    if idx < 0:
        if idx < -len(con):
            raise _invalid_index(idx)
        idx += len(con)
    del con[idx]


def _unescape(token: str) -> str:
    """RFC 6901: ~1 → /, then ~0 → ~ (strings.NewReplacer, one left-to-right pass)."""
    return re.sub(r"~[01]", lambda m: "/" if m.group(0) == "~1" else "~", token)


def _find(doc: Any, path: str) -> tuple[dict[str, Any] | list[Any], str] | None:
    """findObject: the container of ``path``'s last token, or None ("doc is missing path")."""
    parts = path.split("/")
    if len(parts) < 2:
        return None
    con = doc
    for part in parts[1:-1]:
        try:
            nxt = _get(con, _unescape(part))
        except _OpError:
            return None
        if nxt is _RAW_NULL:
            con = _NIL_MAP
            continue
        if not isinstance(nxt, dict | list):  # null, missing or a scalar
            return None
        con = nxt
    return con, _unescape(parts[-1])


def _op_string(op: dict[str, Any], name: str, missing: str) -> str:
    value = op.get(name)
    if value is None:
        raise _OpError(missing)
    if not isinstance(value, str):
        raise _OpError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type string")
    return value


def _path(op: dict[str, Any]) -> str:
    return _op_string(op, "path", "operation missing path field: missing value")


def _from(op: dict[str, Any]) -> str:
    return _op_string(op, "from", "operation, missing from field: missing value")


def _node_equal(n: Any, o: Any) -> bool:
    """lazyNode.equal of a document node ``n`` (not a nil node) and an operation value ``o`` (None: null).

    Scalars: Go compares their compact JSON text; here type and value (``1`` and ``1.0`` differ in both)."""
    if n is _OP_NULL:
        return o is None  # no raw bytes on either side
    if n is _RAW_NULL:
        return isinstance(o, dict) and not o  # raw null decodes as an empty (nil) map
    if isinstance(n, dict):
        if not isinstance(o, dict) or len(n) != len(o):
            return False
        for k, v in n.items():
            if k not in o:
                return False
            ov = o[k]
            if (v is None) != (ov is None):
                return False
            if v is not None and not _node_equal(v, ov):
                return False
        return True
    if isinstance(n, list):
        if not isinstance(o, list) or len(n) != len(o):
            return False
        for v, ov in zip(n, o, strict=True):
            if v is None or ov is None:
                raise _Panic("runtime error: invalid memory address or nil pointer dereference")
            if not _node_equal(v, ov):
                return False
        return True
    if o is None or isinstance(o, dict | list):
        return False
    return go_type_name(n) == go_type_name(o) and n == o


def apply_json_patch(
    original: dict[str, Any],
    patch: Any,
    *,
    field_validation: str = "",
    strict_errors: list[str] | None = None,
    max_copy_bytes: int = JSON_PATCH_MAX_COPY_BYTES,
) -> dict[str, Any]:
    """Apply an RFC 6902 patch to a copy of ``original``, as kube's json-patch handler does."""
    strict = field_validation in _STRICT
    try:
        value = _parse(patch)
    except _SyntaxError as exc:
        raise _bad_request(f"error decoding patch: {exc.message}" if strict else exc.message) from None
    found: list[str] = []
    if strict:
        error = _strict_check_ops(value, found)  # kjson.UnmarshalStrict(patch, &[]jsonPatchOp{})
        if error:
            raise _bad_request(f"error decoding patch: {error}")
    if strict_errors is not None:
        strict_errors.extend(found)
    # jsonpatch.DecodePatch: json.Unmarshal(patch, &Patch{}) (Patch = []map[string]*json.RawMessage)
    if value is not None and not isinstance(value, list):
        raise _bad_request(f"json: cannot unmarshal {_json_kind(value)} into Go value of type jsonpatch.Patch")
    ops = value or []
    for op in ops:
        if op is not None and not _is_object(op):
            raise _bad_request(f"json: cannot unmarshal {_json_kind(op)} into Go value of type jsonpatch.Operation")
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}",
        )
    doc: Any = _copy(original)
    copied = 0
    try:
        for op in ops:
            op = _build(op, "", None) if op is not None else {}
            doc, copied = _apply_op(doc, op, copied, max_copy_bytes)
    except _OpError as exc:
        raise _unprocessable(str(exc)) from None
    except _Panic as exc:
        raise _panic(str(exc)) from None
    doc = _plain(doc)
    if not isinstance(doc, dict):
        raise _not_an_object(doc)
    return doc


def _strict_check_ops(value: Any, found: list[str]) -> str:
    """Strict decoding of the body into ``[]handlers.jsonPatchOp``: the first type error (or ""), and the
    unknown/duplicate fields (``json patch unknown field "[0].foo"``) into ``found``."""
    if value is None:
        return ""
    if not isinstance(value, list):
        return f"json: cannot unmarshal {_json_kind(value)} into Go value of type []handlers.jsonPatchOp"
    first = ""
    for i, op in enumerate(value):
        if op is None:
            continue
        if not _is_object(op):
            first = first or f"json: cannot unmarshal {_json_kind(op)} into Go value of type handlers.jsonPatchOp"
            continue
        seen: set[str] = set()
        for key, v in _items(op):
            path = f"[{i}].{key}"
            if key not in ("op", "path", "from", "value"):
                _strict_add(found, f"json patch unknown field {go_quote(path)}")
                continue
            if key in seen and isinstance(op, _Pairs):
                _strict_add(found, f"json patch duplicate field {go_quote(path)}")
            seen.add(key)
            if key == "value":
                dups: list[str] = []
                _build(v, path, dups)
                for d in dups:
                    _strict_add(found, f"json patch {d}")
            elif v is not None and not isinstance(v, str):
                first = first or (
                    f"json: cannot unmarshal {_json_kind(v)} into Go struct field jsonPatchOp.{key} of type string"
                )
    return first


def _apply_op(doc: Any, op: dict[str, Any], copied: int, max_copy: int) -> tuple[Any, int]:
    """One operation of Patch.ApplyIndent; returns the (possibly new) root and the bytes copied so far."""
    kind = op.get("op")
    kind = kind if isinstance(kind, str) else "unknown"
    value = _copy(op["value"]) if "value" in op else _MISSING
    # what add/replace insert: a missing value is a nil node, "value": null a node without bytes
    node = None if value is _MISSING else _OP_NULL if value is None else value
    if kind == "add":
        try:
            path = _path(op)
        except _OpError:
            raise _OpError("add operation failed to decode path: missing value") from None
        found = _find(doc, path)
        if found is None:
            raise _OpError(f'add operation does not apply: doc is missing path: "{path}": missing value')
        try:
            _add(*found, node)
        except _OpError as exc:
            raise _OpError(f"error in add for path: '{path}': {exc}") from None
    elif kind == "remove":
        try:
            path = _path(op)
        except _OpError:
            raise _OpError("remove operation failed to decode path: missing value") from None
        found = _find(doc, path)
        if found is None:
            raise _OpError(f'remove operation does not apply: doc is missing path: "{path}": missing value')
        try:
            _remove(*found)
        except _OpError as exc:
            raise _OpError(f"error in remove for path: '{path}': {exc}") from None
    elif kind == "replace":
        try:
            path = _path(op)
        except _OpError as exc:
            raise _OpError(f"replace operation failed to decode path: {exc}") from None
        if path == "":
            if value is _MISSING:
                raise _Panic("runtime error: invalid memory address or nil pointer dereference")
            if not isinstance(value, dict | list):
                raise _OpError("replace operation value must be object or array: %!w(<nil>)")
            return value, copied
        found = _find(doc, path)
        if found is None:
            raise _OpError(f"replace operation does not apply: doc is missing path: {path}: missing value")
        try:
            _get(*found)
        except _OpError:
            raise _OpError(f"replace operation does not apply: doc is missing key: {path}: missing value") from None
        try:
            _set(*found, node)
        except _OpError as exc:
            raise _OpError(f"error in remove for path: '{path}': {exc}") from None
    elif kind == "move":
        try:
            source = _from(op)
        except _OpError as exc:
            raise _OpError(f"move operation failed to decode from: {exc}") from None
        found = _find(doc, source)
        if found is None:
            raise _OpError(f"move operation does not apply: doc is missing from path: {source}: missing value")
        con, key = found
        try:
            moved = _get(con, key)
            _remove(con, key)
        except _OpError as exc:
            raise _OpError(f"error in move for path: '{key}': {exc}") from None
        try:
            path = _path(op)
        except _OpError as exc:
            raise _OpError(f"move operation failed to decode path: {exc}") from None
        found = _find(doc, path)
        if found is None:
            raise _OpError(f"move operation does not apply: doc is missing destination path: {path}: missing value")
        try:
            _add(*found, moved)
        except _OpError as exc:
            raise _OpError(f"error in move for path: '{path}': {exc}") from None
    elif kind == "test":
        try:
            path = _path(op)
        except _OpError as exc:
            raise _OpError(f"test operation failed to decode path: {exc}") from None
        failed = _OpError(f"testing value {path} failed: test failed")
        if path == "":
            if value is _MISSING:
                raise _Panic("runtime error: invalid memory address or nil pointer dereference")
            if value is None or not _node_equal(doc, value):
                raise failed
            return doc, copied
        found = _find(doc, path)
        if found is None:
            raise _OpError(f"test operation does not apply: is missing path: {path}: missing value")
        try:
            current = _get(*found)
        except _OpError as exc:
            raise _OpError(f"error in test for path: '{path}': {exc}") from None
        if current is None:
            if value is not _MISSING and value is not None:
                raise failed
        elif value is _MISSING or not _node_equal(current, value):
            raise failed
    elif kind == "copy":
        try:
            source = _from(op)
        except _OpError as exc:
            raise _OpError(f"copy operation failed to decode from: {exc}") from None
        found = _find(doc, source)
        if found is None:
            raise _OpError(f"copy operation does not apply: doc is missing from path: {source}: missing value")
        try:
            current = _get(*found)
        except _OpError as exc:
            raise _OpError(f"error in copy for from: '{source}': {exc}") from None
        try:
            path = _path(op)
        except _OpError:
            raise _OpError("copy operation failed to decode path: missing value") from None
        found = _find(doc, path)
        if found is None:
            raise _OpError(f"copy operation does not apply: doc is missing destination path: {path}: missing value")
        if current is not None:
            copied += len(_go_json(_plain(current)))
            if max_copy > 0 and copied > max_copy:
                raise _OpError(
                    f"Unable to complete the copy, the accumulated size increase of copy is {copied}, "
                    f"exceeding the limit {max_copy}"
                )
        try:
            _add(*found, _deep_copy_node(current))
        except _OpError as exc:
            raise _OpError(f"error while adding value during copy: {exc}") from None
    else:
        raise _OpError(f"Unexpected kind: {kind}")
    return doc, copied


# --- strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) --------------------------------

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_ORDER_PREFIX = "$setElementOrder"


class _SMPError(Exception):
    """An error of the strategicpatch package; ``status`` is how interpretStrategicMergePatchError maps it."""

    def __init__(self, message: str, status: str = "internal") -> None:
        super().__init__(message)
        self.message = message
        self.status = status  # "bad_request" (400), "unprocessable" (422) or "internal" (plain error: 500)


def _err_bad_format_primitive_list() -> _SMPError:
    return _SMPError("invalid patch format of primitive list", "bad_request")


def _err_bad_format_retain_keys() -> _SMPError:
    return _SMPError("invalid patch format of retainKeys", "bad_request")


def _err_bad_format_set_element_order() -> _SMPError:
    return _SMPError("invalid patch format of setElementOrder list", "bad_request")


def _err_no_list_of_lists() -> _SMPError:
    return _SMPError("lists of lists are not supported", "unprocessable")


def _err_bad_arg_type(expected: str, actual: Any) -> _SMPError:
    actual_t = "%!s(<nil>)" if actual is None else go_type_name(actual)
    return _SMPError(f"expected a {expected}, but received a {actual_t}")


def _err_no_merge_key(m: dict[str, Any], key: str) -> _SMPError:
    return _SMPError(f"map: {go_sprint(m)} does not contain declared merge key: {key}")


def _err_bad_patch_type(t: Any, m: dict[str, Any]) -> _SMPError:
    return _SMPError(f"unknown patch type: {go_sprint(t, 's')} in map: {go_sprint(m)}")


# Go-visible JSON fields of the structs the codec handles by name (they carry no usable json tags).
_SPECIAL_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": (),
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": (),
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": (),
    "k8s.io.apimachinery.pkg.runtime.RawExtension": (),
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": (("Duration", "int64"),),
    "k8s.io.apimachinery.pkg.api.resource.Quantity": (("Format", "string"),),
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": (("Type", "int64"), ("IntVal", "int32"), ("StrVal", "string")),
}
_KINDS = {
    "string": "string",
    "bool": "bool",
    "int32": "int32",
    "int64": "int64",
    "uint32": "uint32",
    "uint64": "uint64",
    "sint32": "int32",
    "sint64": "int64",
    "fixed32": "uint32",
    "fixed64": "uint64",
    "sfixed32": "int32",
    "sfixed64": "int64",
    "double": "float64",
    "float": "float32",
}


@dataclass(frozen=True, slots=True)
class _GoType:
    """A Go type as strategicpatch's PatchMetaFromStruct sees it: its reflect.Kind, and what it holds."""

    kind: str  # "struct", "map", "slice" or a scalar kind ("string", "int32", "uint8", ...)
    msg: str = ""  # the proto message of a struct
    elem: _GoType | None = None  # the element type of a slice

    @property
    def name(self) -> str:  # reflect.Type.Name() of a struct
        return self.msg.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class _FieldMeta:
    type: _GoType
    strategies: tuple[str, ...]  # strings.Split(patchStrategy tag, ",")
    merge_key: str


_struct_fields: dict[str, tuple[dict[str, _FieldMeta], list[tuple[str, _FieldMeta]]]] = {}


def _row_type(type_: str, flags: set[str]) -> _GoType:
    if type_.startswith("map<"):
        base = _GoType("map")
    elif "bytes" in flags or type_ == "bytes":
        base = _GoType("slice", elem=_GoType("uint8"))
    elif type_ in _KINDS:
        base = _GoType(_KINDS[type_])
    else:
        base = _GoType("struct", type_)
    return _GoType("slice", elem=base) if "repeated" in flags else base


def _fields_of(msg: str) -> tuple[dict[str, _FieldMeta], list[tuple[str, _FieldMeta]]]:
    """JSON name → field metadata of a struct, inline structs' fields promoted (shallower names win)."""
    cached = _struct_fields.get(msg)
    if cached is not None:
        return cached
    from aiokube.encoding.k8s_schema import MESSAGES

    ordered: list[tuple[str, _FieldMeta]] = []
    if msg in _SPECIAL_FIELDS:
        ordered = [(n, _FieldMeta(_GoType(k), ("",), "")) for n, k in _SPECIAL_FIELDS[msg]]
    else:
        inline: list[tuple[str, _FieldMeta]] = []
        for json_name, _number, type_, flags in MESSAGES.get(msg, ()):
            fl = set(flags.split(",")) if flags else set()
            opts = dict(f.split("=", 1) for f in fl if "=" in f)
            if "inline" in fl:
                inline.extend(_fields_of(type_)[1])
                continue
            strategies = tuple(opts.get("patchStrategy", "").replace("+", ",").split(","))
            ordered.append((json_name, _FieldMeta(_row_type(type_, fl), strategies, opts.get("patchMergeKey", ""))))
        names = {n for n, _ in ordered}
        ordered.extend((n, m) for n, m in inline if n not in names)
    result = (dict(ordered), ordered)
    _struct_fields[msg] = result
    return result


def _lookup_struct(t: _GoType, key: str) -> tuple[_GoType, _FieldMeta]:
    """LookupPatchMetadataForStruct: the field's type and patch metadata (exact JSON name, else case-folded)."""
    if t.kind != "struct":
        raise _SMPError(f"merging an object in json but data type is not struct, instead is: {t.kind}")
    by_name, ordered = _fields_of(t.msg)
    meta = by_name.get(key)
    if meta is None:
        folded = key.casefold()
        meta = next((m for n, m in ordered if n.casefold() == folded), None)
    if meta is None:
        raise _SMPError(f"unable to find api field in struct {t.name} for the json field {go_quote(key)}")
    return meta.type, meta


def _lookup_slice(t: _GoType, key: str) -> tuple[_GoType, _FieldMeta]:
    """LookupPatchMetadataForSlice: the element type of a list field and the field's patch metadata."""
    field_type, meta = _lookup_struct(t, key)
    if field_type.kind != "slice" or field_type.elem is None:
        raise _SMPError(f"expected slice or array type, but got: {t.kind}")
    if field_type.elem.kind == "slice":
        raise _SMPError("unexpected slice of slice")
    return field_type.elem, meta


def _retain_keys_strategy(strategies: tuple[str, ...]) -> str:
    """extractRetainKeysPatchStrategy: the strategy besides retainKeys ("" or "merge" or "replace")."""
    if len(strategies) == 0:
        return ""
    if len(strategies) == 1:
        return "" if strategies[0] == "retainKeys" else strategies[0]
    if len(strategies) == 2:
        if strategies[0] == "retainKeys":
            return strategies[1]
        if strategies[1] == "retainKeys":
            return strategies[0]
    raise _SMPError(f"unexpected patch strategy: {go_sprint(list(strategies))}")


def apply_strategic_merge_patch(
    original: dict[str, Any],
    patch: Any,
    schema: str,
    *,
    field_validation: str = "",
    strict_errors: list[str] | None = None,
) -> dict[str, Any]:
    """Strategic merge of ``patch`` into a copy of ``original``, an object of the proto message ``schema``
    (e.g. ``k8s.io.api.apps.v1.Deployment``); kube's server-side StrategicMergeMapPatch."""
    from aiokube.encoding.k8s_schema import MESSAGES

    if schema not in MESSAGES:
        raise unsupported_strategic_merge_patch()
    strict = field_validation in _STRICT
    try:
        value = _parse(patch)
    except _SyntaxError as exc:
        raise _bad_request(exc.message) from None
    if value is not None and not _is_object(value):
        raise _bad_request(
            f"json: cannot unmarshal {_json_kind(value)} into Go value of type map[string]interface {{}}"
        )
    found: list[str] = []
    patch_map = _build(value, "", found if strict else None) or {}
    if strict_errors is not None:
        strict_errors.extend(found)
    try:
        return _merge_map(_copy(original), patch_map, _GoType("struct", schema))
    except _SMPError as exc:
        if exc.status == "bad_request":
            raise _bad_request(exc.message) from None
        if exc.status == "unprocessable":
            raise _unprocessable(exc.message) from None
        raise _internal(exc.message) from None
    except _Panic as exc:
        raise _panic(str(exc)) from None


def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any], schema: _GoType) -> dict[str, Any]:
    """mergeMap with MergeParallelList and IgnoreUnmatchedNulls (the server side)."""
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace" and isinstance(directive, str):
            del patch[_DIRECTIVE]
            return patch
        if directive == "delete" and isinstance(directive, str):
            return {}
        raise _err_bad_patch_type(directive, patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_set_element_order(original, patch, schema)
    for key, patch_v in list(patch.items()):
        is_delete_list = False
        if key.startswith(_DELETE_PREFIX):
            key = _extract_key(key, _DELETE_PREFIX)
            is_delete_list = True
        if patch_v is None:
            original.pop(key, None)
            continue
        if key not in original or go_type_name(original[key]) != go_type_name(patch_v):
            if not is_delete_list:
                _discard_nulls(patch_v)
                v, keep = _remove_directives(patch_v)
                if keep:
                    original[key] = v
                else:
                    original.pop(key, None)
            continue
        current = original[key]
        if isinstance(current, dict):
            sub, meta = _lookup_struct(schema, key)
            if _retain_keys_strategy(meta.strategies) != "replace":
                original[key] = _merge_map(current, patch_v, sub)
            else:
                original[key] = patch_v
        elif isinstance(current, list):
            sub, meta = _lookup_slice(schema, key)
            strategy = _retain_keys_strategy(meta.strategies)
            original[key] = _merge_slice_handler(current, patch_v, sub, strategy, meta.merge_key, is_delete_list)
        else:
            v, keep = _remove_directives(patch_v)
            if keep:
                original[key] = v
            else:
                original.pop(key, None)
    return original


def _extract_key(s: str, prefix: str) -> str:
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        raise _err_bad_format_primitive_list() if prefix == _DELETE_PREFIX else _err_bad_format_set_element_order()
    return parts[1]


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """$retainKeys: every key the patch sets must be listed; keys of the original not listed are cleared."""
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise _err_bad_format_retain_keys()
    keep = {_hkey(v) for v in retain}
    for k, v in patch.items():
        if v is None or k.startswith(_DELETE_PREFIX) or k.startswith(_ORDER_PREFIX):
            continue
        if ("string", k) not in keep:
            raise _err_bad_format_retain_keys()
    for k in [k for k in original if ("string", k) not in keep]:
        del original[k]


def _merge_set_element_order(original: dict[str, Any], patch: dict[str, Any], schema: _GoType) -> None:
    """mergePatchIntoOriginal: merge each list that has a $setElementOrder directive, then order it."""
    for key, order in list(patch.items()):
        if not key.startswith(_ORDER_PREFIX):
            continue
        del patch[key]
        if not isinstance(order, list):
            raise _err_bad_arg_type(_SLICE_T, order)
        field = _extract_key(key, _ORDER_PREFIX)
        found_original, found_patch = field in original, field in patch
        original_list: list[Any] = []
        patch_list: list[Any] = []
        if found_original:
            if not isinstance(original[field], list):
                raise _err_bad_arg_type(_SLICE_T, original[field])
            original_list = original[field]
        if found_patch:
            if not isinstance(patch[field], list):
                raise _err_bad_arg_type(_SLICE_T, patch[field])
            patch_list = patch[field]
        sub, meta = _lookup_slice(schema, field)
        strategy = _retain_keys_strategy(meta.strategies)
        merge_key = meta.merge_key
        _validate_set_element_order(patch_list, order, merge_key)
        if found_original and not found_patch:
            merged = original_list
        elif found_patch and not found_original:
            merged, _keep = _remove_directives(patch_list)
        elif found_original and found_patch:
            merged = _merge_slice_handler(original_list, patch_list, sub, strategy, merge_key, False)
        else:
            continue
        if not merge_key:
            items, server_only = _partition_primitives(merged, order)
        else:
            items, server_only = _partition_maps(merged, order, merge_key)
        kind = _slice_element_type(original_list, patch_list)
        original[field] = _normalize_element_order(items, server_only, order, original_list, merge_key, kind)
        patch.pop(field, None)


def _validate_set_element_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """The patch list's items (deletions aside) must appear in $setElementOrder, in the same relative order."""
    if not order or not patch_list:
        return
    non_delete = _extract_to_delete_items(patch_list)[0] if merge_key else patch_list
    pi = si = 0
    while pi < len(non_delete) and si < len(order):
        item = non_delete[pi]
        if isinstance(item, dict) and _DIRECTIVE in item:
            pi += 1
            continue
        if _merge_key_value_equal(item, order[si], merge_key):
            pi += 1
        si += 1
    if pi < len(non_delete) and si >= len(order):
        raise _SMPError(
            f"The order in patch list:\n{go_sprint(patch_list)}\n doesn't match {_ORDER_PREFIX} list:\n"
            f"{go_sprint(order)}\n"
        )


def _merge_key_value_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _eq(left, right)
    if not isinstance(left, dict):
        raise _err_bad_arg_type(_MAP_T, left)
    if not isinstance(right, dict):
        raise _err_bad_arg_type(_MAP_T, right)
    if merge_key not in left:
        raise _err_no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _err_no_merge_key(right, merge_key)
    return _eq(left[merge_key], right[merge_key])


def _remove_directives(obj: Any) -> tuple[Any, bool]:
    """removeDirectives: drop maps carrying $patch (and list items that are such maps), at any depth."""
    if isinstance(obj, dict):
        if _DIRECTIVE in obj:
            return None, False
        for k in list(obj):
            v, keep = _remove_directives(obj[k])
            if keep:
                obj[k] = v
            else:
                del obj[k]
        return obj, True
    if isinstance(obj, list):
        out = []
        for v in obj:
            nv, keep = _remove_directives(v)
            if keep:
                out.append(nv)
        return out, True
    return obj, True


def _discard_nulls(v: Any) -> None:
    """discardNullValuesFromPatch: null members of maps go, at any depth (null list items stay)."""
    if isinstance(v, dict):
        for k in [k for k, x in v.items() if x is None]:
            del v[k]
        for x in v.values():
            _discard_nulls(x)
    elif isinstance(v, list):
        for x in v:
            _discard_nulls(x)


def _merge_slice_handler(
    original: list[Any], patch: list[Any], schema: _GoType, strategy: str, merge_key: str, is_delete_list: bool
) -> list[Any]:
    if strategy == "merge" or is_delete_list:
        return _merge_slice(original, patch, schema, merge_key, is_delete_list)
    return patch


def _merge_slice(
    original: list[Any], patch: list[Any], schema: _GoType, merge_key: str, is_delete_list: bool
) -> list[Any]:
    """mergeSlice. ``original`` stands for a Go slice whose length is its capacity (kube patches a deep copy of
    the live object) and is updated in place as Go's ``append`` updates the backing array: deleting an item
    shifts the rest left, and appending a new item then writes into the freed slot. Callers that look at the
    original list afterwards (``$setElementOrder``) see what Go sees."""
    if not original and not patch:
        return original
    kind = _slice_element_type(original, patch)
    if kind != _MAP_T:
        if is_delete_list:
            drop = {_hkey(v) for v in patch}
            return [v for v in original if _hkey(v) not in drop]
        merged = _dedupe_scalars(original + patch)
    else:
        if not merge_key:
            raise _SMPError(f"cannot merge lists without merge key for {schema.kind}")
        backing, length, patch = _merge_special_elements(original, patch, merge_key)
        original = backing[:length]
        merged = _merge_plain_elements(backing, length, patch, merge_key, schema)
    if not merge_key:
        items, server_only = _partition_primitives(merged, patch)
    else:
        items, server_only = _partition_maps(merged, patch, merge_key)
    return _normalize_element_order(items, server_only, patch, original, merge_key, kind)


def _merge_special_elements(original: list[Any], patch: list[Any], merge_key: str) -> tuple[list[Any], int, list[Any]]:
    """mergeSliceWithSpecialElements: apply ``$patch: delete`` items (in place), note ``$patch: replace``.

    Returns the backing list, the length of the slice in it, and the patch items without directives."""
    plain: list[Any] = []
    replace = False
    length = len(original)
    for v in patch:
        if _DIRECTIVE not in v:
            plain.append(v)
            continue
        directive = v[_DIRECTIVE]
        if directive == "delete" and isinstance(directive, str):
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            while (i := _find_map(original[:length], merge_key, v[merge_key])) >= 0:
                original[i : length - 1] = original[i + 1 : length]  # append(s[:i], s[i+1:]...)
                length -= 1
        elif directive == "replace" and isinstance(directive, str):
            replace = True
        elif directive == "merge" and isinstance(directive, str):
            raise _SMPError("merging lists cannot yet be specified in the patch")
        else:
            raise _err_bad_patch_type(directive, v)
    if replace:
        return plain, len(plain), []
    return original, length, plain


def _find_map(items: list[Any], key: str, value: Any) -> int:
    """findMapInSliceBasedOnKeyValue: the index of the map whose ``key`` is ``value``, or -1."""
    for i, v in enumerate(items):
        if not isinstance(v, dict):
            raise _SMPError(f"value for key {i} is not a map")
        if key in v and _eq(v[key], value):
            return i
    return -1


def _merge_plain_elements(
    backing: list[Any], length: int, patch: list[Any], merge_key: str, schema: _GoType
) -> list[Any]:
    """mergeSliceWithoutSpecialElements: merge items with the same merge key value, append the others (into
    ``backing`` while it has room, as Go's append does)."""
    for v in patch:
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        i = _find_map(backing[:length], merge_key, v[merge_key])
        if i >= 0:
            backing[i] = _merge_map(backing[i], v, schema)
            continue
        if length < len(backing):
            backing[length] = v
        else:
            backing = [*backing[:length], v]  # reallocated: no longer shared with the caller's list
        length += 1
    return backing[:length]


def _dedupe_scalars(s: list[Any]) -> list[Any]:
    """deduplicateScalars, order quirks included (a duplicate is replaced by the last item)."""
    s = list(s)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _eq(s[i], s[j]):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _slice_element_type(*slices: list[Any]) -> str:
    """sliceElementType: the one Go type of all items (lists of lists and mixed lists are errors)."""
    prev = ""
    for s in slices:
        for v in s:
            current = go_type_name(v)
            if not prev:
                if current == "nil":
                    raise _Panic("runtime error: invalid memory address or nil pointer dereference")
                prev = current
                if prev == _SLICE_T:
                    raise _err_no_list_of_lists()
            elif prev != current:
                raise _SMPError(f"list element types are not identical: {go_sprint(list(slices))}")
    if not prev:
        raise _SMPError("no elements in any of the given slices")
    return prev


def _partition_primitives(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    present = {_hkey(v) for v in by}
    inside, outside = [], []
    for v in items:
        (inside if _hkey(v) in present else outside).append(v)
    return inside, outside


def _partition_maps(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    inside, outside = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        (inside if _find_map(by, merge_key, v[merge_key]) >= 0 else outside).append(v)
    return inside, outside


def _extract_to_delete_items(items: list[Any]) -> tuple[list[Any], list[Any]]:
    keep, delete = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        directive = v.get(_DIRECTIVE)
        (delete if isinstance(directive, str) and directive == "delete" else keep).append(v)
    return keep, delete


def _index(items: list[Any], value: Any, merge_key: str, kind: str) -> int:
    if kind == _MAP_T:

        def key_of(item: Any) -> Any:
            return item.get(merge_key) if isinstance(item, dict) else None

        wanted = key_of(value)
        return next((i for i, v in enumerate(items) if _eq(wanted, key_of(v))), -1)
    return next((i for i, v in enumerate(items) if _eq(value, v)), -1)


def _normalize_slice_order(to_sort: list[Any], order: list[Any], merge_key: str, kind: str) -> list[Any]:
    """normalizeSliceOrder: sort by position in ``order`` (Go's sort.SliceStable, its comparator as is)."""
    to_delete: list[Any] = []
    if kind == _MAP_T:
        for item in [*to_sort, *order]:
            if not isinstance(item, dict):
                raise _err_bad_arg_type(_MAP_T, item)
            if merge_key not in item:
                raise _err_no_merge_key(item, merge_key)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    to_sort = list(to_sort)

    def less(a: Any, b: Any) -> bool:
        ia = _index(order, a, merge_key, kind)
        if ia >= 0:
            ib = _index(order, b, merge_key, kind)
            if ib >= 0:
                return ia < ib
        return True

    _go_stable_sort(to_sort, less)
    return to_sort + to_delete


def _normalize_element_order(
    patch: list[Any], server_only: list[Any], patch_order: list[Any], server_order: list[Any], merge_key: str, kind: str
) -> list[Any]:
    """normalizeElementOrder: patch items in patch order, server-only items in live order, interleaved."""
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    return _merge_sorted(server_only, patch, server_order, merge_key, kind)


def _merge_sorted(left: list[Any], right: list[Any], server_order: list[Any], merge_key: str, kind: str) -> list[Any]:
    """mergeSortedSlice: insert each server-only (left) item before the first patch item it precedes live."""
    out: list[Any] = []
    i = j = 0
    for _ in range(len(left) + len(right)):
        if i >= len(left) and j < len(right):
            out.append(right[j])
            j += 1
        elif j >= len(right) and i < len(left):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, kind)
            ri = _index(server_order, right[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _go_stable_sort(data: list[Any], less: Callable[[Any, Any], bool]) -> None:
    """Go's sort.SliceStable (insertion sort of 20-item blocks, then SymMerge), so that a comparator that is not
    a strict weak order orders items exactly as kube does."""

    def lt(i: int, j: int) -> bool:
        return less(data[i], data[j])

    def swap(i: int, j: int) -> None:
        data[i], data[j] = data[j], data[i]

    def insertion_sort(a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and lt(j, j - 1):
                swap(j, j - 1)
                j -= 1

    def swap_range(a: int, b: int, n: int) -> None:
        for i in range(n):
            swap(a + i, b + i)

    def rotate(a: int, m: int, b: int) -> None:
        i, j = m - a, b - m
        while i != j:
            if i > j:
                swap_range(m - i, m, j)
                i -= j
            else:
                swap_range(m - i, m + j - i, i)
                j -= i
        swap_range(m - i, m, i)

    def sym_merge(a: int, m: int, b: int) -> None:
        if m - a == 1:
            i, j = m, b
            while i < j:
                h = (i + j) >> 1
                if lt(h, a):
                    i = h + 1
                else:
                    j = h
            for k in range(a, i - 1):
                swap(k, k + 1)
            return
        if b - m == 1:
            i, j = a, m
            while i < j:
                h = (i + j) >> 1
                if not lt(m, h):
                    i = h + 1
                else:
                    j = h
            for k in range(m, i, -1):
                swap(k, k - 1)
            return
        mid = (a + b) >> 1
        n = mid + m
        if m > mid:
            start, r = n - b, mid
        else:
            start, r = a, m
        p = n - 1
        while start < r:
            c = (start + r) >> 1
            if not lt(p - c, c):
                start = c + 1
            else:
                r = c
        end = n - start
        if start < m < end:
            rotate(start, m, end)
        if a < start < mid:
            sym_merge(a, start, mid)
        if mid < end < b:
            sym_merge(mid, end, b)

    n = len(data)
    block = 20
    a, b = 0, block
    while b <= n:
        insertion_sort(a, b)
        a, b = b, b + block
    insertion_sort(a, n)
    while block < n:
        a, b = 0, 2 * block
        while b <= n:
            sym_merge(a, a + block, b)
            a, b = b, b + 2 * block
        if a + block < n:
            sym_merge(a, a + block, n)
        block *= 2
