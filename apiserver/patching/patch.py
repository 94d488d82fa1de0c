"""The three classic PATCH types of kube-apiserver 1.36, as pure functions on JSON-form objects.

* :func:`apply_json_patch` — ``application/json-patch+json`` (RFC 6902) as gopkg.in/evanphx/json-patch.v4
  applies it, quirks included: ``replace`` of a missing object key adds it, ``copy`` from a missing key copies
  ``null``, negative array indices count from the end, a ``test`` of a missing key against ``null`` passes.
* :func:`apply_merge_patch` — ``application/merge-patch+json`` (RFC 7386) as json-patch.v4's ``MergePatch``.
* :func:`strategic.apply_strategic_merge_patch` — ``application/strategic-merge-patch+json`` as
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
import re
from typing import Any

import orjson

from aiokube.apiserver import errors
from aiokube.apiserver.golang import go_float, go_quote, go_type_name
from aiokube.encoding import deepjson
from aiokube.encoding.decode import DecodeError, decode_json, decode_json_pairs
from aiokube.encoding.jsonenc import go_escape

MAX_JSON_PATCH_OPERATIONS = 10000  # handlers/patch.go maxJSONPatchOperations
JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024  # server.Config JSONPatchMaxCopyBytes → AccumulatedCopySizeLimit

UNPROCESSABLE_MESSAGE = "the server rejected our request due to an error in our request"
PANIC_MESSAGE = "This request caused apiserver to panic. Look in the logs for details."
# Content types kube accepts for PATCH of a custom resource (no strategic merge patch; CBOR apply is alpha/off).
CR_PATCH_TYPES = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
# json.Unmarshal target of serializer/json's SimpleMetaFactory.Interpret, as Go prints its type.
_PROBE_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'

STRICT_VALIDATIONS = ("", "Warn", "Strict")  # fieldValidation values under which kube decodes the patch body strictly


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


def bad_request_error(message: str) -> PatchError:
    return PatchError(400, "BadRequest", message)


def unprocessable_error(detail: str) -> PatchError:
    """NewGenericServerResponse(422, "", GroupResource{}, "", detail, 0, false): the detail is not shown."""
    return PatchError(422, "Invalid", UNPROCESSABLE_MESSAGE, {}, detail=detail)


def internal_error(message: str) -> PatchError:
    """A plain Go error through ErrorToAPIStatus: 500, reason StatusReasonUnknown (empty)."""
    return PatchError(500, "", message)


def panic_error(what: str) -> PatchError:
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
        f"{json_kind(result)} into Go value of type {_PROBE_TYPE}",
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


class GoPanic(Exception):
    """Where kube's Go code would panic (nil dereference, comparing or hashing maps)."""


MAP_T, SLICE_T = "map[string]interface {}", "[]interface {}"


def json_kind(v: Any) -> str:
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
        text = go_float(v)
    else:
        text = str(v)
    if verb == "s":
        return f"%!s({text})" if v is None else f"%!s({go_type_name(v)}={text})"
    return text


def _go_json(v: Any, *, sorted_keys: bool = False) -> bytes:
    """Go's json.Marshal of a decoded value: objects in their current key order (raw JSON kept by
    json-patch), or sorted (what Go writes for a map)."""
    try:
        data = deepjson.dumps(v, option=orjson.OPT_SORT_KEYS if sorted_keys else None)
    except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits
        data = json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=sorted_keys).encode()
    return go_escape(data)


def json_equal(a: Any, b: Any) -> bool:
    """Go's == on two interface{} values: same dynamic type and value; maps and slices panic."""
    ta, tb = go_type_name(a), go_type_name(b)
    if ta != tb:
        return False
    if ta in (MAP_T, SLICE_T):
        raise GoPanic(f"runtime error: comparing uncomparable type {ta}")
    return a == b


def hash_key(v: Any) -> tuple[str, Any]:
    """A Go map key for an interface{} value; maps and slices are unhashable (panic)."""
    t = go_type_name(v)
    if t in (MAP_T, SLICE_T):
        raise GoPanic(f"runtime error: hash of unhashable type {t}")
    return (t, v)


#: top-level fields that hold maps of strings (ConfigMap, Secret): copied without re-encoding their strings
_STRING_MAPS = frozenset({"data", "binaryData", "stringData"})


def copy_value(v: Any) -> Any:
    """A deep copy of a JSON value: an orjson round trip (5 us for a 1 KB pod, where walking it took 12.6 us and
    copy.deepcopy 33 us); what orjson does not write (integers beyond 64 bits, nesting past 254 levels) is
    copied by walking. Decoded bodies hold no NaN or infinities (refused as Go refuses them), which orjson would
    write as null. A map of strings at the top (a ConfigMap's ``data``) is copied as a map: strings are
    immutable, so they are shared rather than written and read again (a 0.9 MB ConfigMap: 850 us by orjson,
    ~350 us walking; bench/session_changes.py). Values deeper than orjson goes take encoding/deepjson.py."""
    if isinstance(v, dict):
        if not _STRING_MAPS.isdisjoint(v):
            return {k: _copy_top(k, x) for k, x in v.items()}
        return _round_trip(v)
    if isinstance(v, list):
        return _round_trip(v)
    return v


def _copy_top(key: str, v: Any) -> Any:
    if key in _STRING_MAPS and type(v) is dict and all(type(x) is str for x in v.values()):
        return dict(v)
    return copy_value(v)


def _round_trip(v: dict[str, Any] | list[Any]) -> Any:
    try:
        return deepjson.loads(deepjson.dumps(v))
    except TypeError:  # orjson.JSONEncodeError included
        return _walk_copy(v)


def _walk_copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _walk_copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_walk_copy(x) for x in v]
    return v


# --- body decoding ------------------------------------------------------------------------------------


class _Pairs:
    """A JSON object as its (key, value) pairs, to see duplicate keys."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _built(value: Any, pairs: bool, strict: list[str] | None) -> Any:
    """build_value, skipped for a value orjson read (plain dicts, no duplicates: nothing to convert)."""
    return build_value(value, "", strict) if pairs else value


class PatchSyntaxError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def parse_patch(patch: Any) -> tuple[Any, bool]:
    """The patch as a JSON value, and whether it holds _Pairs: a raw body is decoded with Go's syntax error
    texts, by orjson unless it may hold duplicate keys (then objects are _Pairs, so strict decoding sees
    them). Nesting deeper than kube's decoders (and this server) take is a syntax error."""
    if isinstance(patch, bytes | bytearray | memoryview):
        raw = bytes(patch)
        duplicates: list[str] = []
        try:
            value = decode_json(raw, duplicates)
            if duplicates:
                return decode_json_pairs(raw, _Pairs), True
        except DecodeError as exc:
            raise PatchSyntaxError(exc.message) from None
        return value, False
    return patch, True


def build_value(v: Any, path: str, strict: list[str] | None) -> Any:
    """_Pairs → dicts (last duplicate wins, as Go's map assignment); duplicates recorded as kjson reports them."""
    if isinstance(v, _Pairs):
        out: dict[str, Any] = {}
        for key, value in v.pairs:
            sub = f"{path}.{key}" if path else key
            if key in out and strict is not None:
                _strict_add(strict, f"duplicate field {go_quote(sub)}")
            out[key] = build_value(value, sub, strict)
        return out
    if isinstance(v, dict):
        return {k: build_value(x, f"{path}.{k}" if path else k, strict) for k, x in v.items()}
    if isinstance(v, list):
        return [build_value(x, f"{path}[{i}]", strict) for i, x in enumerate(v)]
    return v


def _strict_add(strict: list[str], error: str) -> None:
    if error not in strict and len(strict) < 100:  # sigs.k8s.io/json dedupes and stops at 100
        strict.append(error)


def _items(v: Any) -> list[tuple[str, Any]]:
    return list(v.pairs) if isinstance(v, _Pairs) else list(v.items())


def is_object(v: Any) -> bool:
    return isinstance(v, dict | _Pairs)


# --- JSON merge patch (RFC 7386, evanphx/json-patch.v4 MergePatch) ------------------------------------


def apply_merge_patch(
    original: dict[str, Any],
    patch: Any,
    *,
    field_validation: str = "",
    strict_errors: list[str] | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """RFC 7386 merge of ``patch`` into a copy of ``original``, as kube's merge-patch handler does it.
    ``shared``: the caller only reads the result, so it may share what the patch leaves alone with
    ``original`` (maps along the patch's paths are copied, nothing else: a pod's label patch no longer copies
    the whole pod)."""
    strict = field_validation in STRICT_VALIDATIONS
    try:
        value, pairs = parse_patch(patch)
    except PatchSyntaxError as exc:
        raise bad_request_error(f"error decoding patch: {exc.message}" if strict else "Invalid JSON Patch") from None
    if strict and value is not None and not is_object(value):
        # kjson.UnmarshalStrict(patch, &map[string]interface{}{})
        raise bad_request_error(
            f"error decoding patch: json: cannot unmarshal {json_kind(value)} into Go value of type "
            "map[string]interface {}"
        )
    found: list[str] = []
    value = _built(value, pairs, found if strict else None)
    if strict_errors is not None:
        strict_errors.extend(found)
    if value is None or not isinstance(value, dict | list):
        raise bad_request_error("Invalid JSON Patch")  # jsonpatch.ErrBadJSONPatch
    if isinstance(value, list):
        # not a document: MergePatch returns the array (nulls pruned inside objects, which it re-marshals with
        # sorted keys); kube cannot decode it
        _prune_nulls(value)
        raise _not_an_object(value, sorted_keys=True)
    # the PATCH handler only writes the result out: it may share what the patch leaves alone (``shared``)
    return _merged(original if shared else copy_value(original), value)


def _merged(doc: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` merged into a new map that shares ``doc``'s untouched values (keys keep their places, new ones
    come last): a null removes a key, an object merges into an object, anything else replaces (nulls pruned
    from an object that replaces a non-object; json-patch.v4 keeps them inside a non-object value)."""
    out = dict(doc)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
            continue
        current = out.get(key)
        if current is None or not isinstance(current, dict):
            _prune_nulls(value)
            out[key] = value
        elif not isinstance(value, dict):
            out[key] = value
        else:
            out[key] = _merged(current, value)
    return out


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
        raise GoPanic("assignment to entry in nil map")
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
        raise GoPanic("assignment to entry in nil map")
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
        raise _OpError(f"json: cannot unmarshal {json_kind(value)} into Go value of type string")
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
                raise GoPanic("runtime error: invalid memory address or nil pointer dereference")
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
    strict = field_validation in STRICT_VALIDATIONS
    try:
        value, pairs = parse_patch(patch)
    except PatchSyntaxError as exc:
        raise bad_request_error(f"error decoding patch: {exc.message}" if strict else exc.message) from None
    found: list[str] = []
    if strict:
        error = _strict_check_ops(value, found)  # kjson.UnmarshalStrict(patch, &[]jsonPatchOp{})
        if error:
            raise bad_request_error(f"error decoding patch: {error}")
    if strict_errors is not None:
        strict_errors.extend(found)
    # jsonpatch.DecodePatch: json.Unmarshal(patch, &Patch{}) (Patch = []map[string]*json.RawMessage)
    if value is not None and not isinstance(value, list):
        raise bad_request_error(f"json: cannot unmarshal {json_kind(value)} into Go value of type jsonpatch.Patch")
    ops = value or []
    for op in ops:
        if op is not None and not is_object(op):
            raise bad_request_error(f"json: cannot unmarshal {json_kind(op)} into Go value of type jsonpatch.Operation")
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}",
        )
    doc: Any = copy_value(original)
    copied = 0
    try:
        for op in ops:
            op = _built(op, pairs, None) if op is not None else {}
            doc, copied = _apply_op(doc, op, copied, max_copy_bytes)
    except _OpError as exc:
        raise unprocessable_error(str(exc)) from None
    except RecursionError:  # operations copying deep values into deep paths nest without bound
        raise invalid_patch("...", "invalid character '{' exceeded max depth") from None
    except GoPanic as exc:
        raise panic_error(str(exc)) from None
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
        return f"json: cannot unmarshal {json_kind(value)} into Go value of type []handlers.jsonPatchOp"
    first = ""
    for i, op in enumerate(value):
        if op is None:
            continue
        if not is_object(op):
            first = first or f"json: cannot unmarshal {json_kind(op)} into Go value of type handlers.jsonPatchOp"
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
                build_value(v, path, dups)
                for d in dups:
                    _strict_add(found, f"json patch {d}")
            elif v is not None and not isinstance(v, str):
                first = first or (
                    f"json: cannot unmarshal {json_kind(v)} into Go struct field jsonPatchOp.{key} of type string"
                )
    return first


def _apply_op(doc: Any, op: dict[str, Any], copied: int, max_copy: int) -> tuple[Any, int]:
    """One operation of Patch.ApplyIndent; returns the (possibly new) root and the bytes copied so far."""
    kind = op.get("op")
    kind = kind if isinstance(kind, str) else "unknown"
    value = copy_value(op["value"]) if "value" in op else _MISSING
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
                raise GoPanic("runtime error: invalid memory address or nil pointer dereference")
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
                raise GoPanic("runtime error: invalid memory address or nil pointer dereference")
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

