"""Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) over the served types' merge keys and
strategies, with kube's errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.golang import go_quote, go_type_name
from aiokube.apiserver.patching.patch import (
    MAP_T,
    SLICE_T,
    STRICT_VALIDATIONS,
    GoPanic,
    PatchSyntaxError,
    bad_request_error,
    build_value,
    copy_value,
    go_sprint,
    hash_key,
    internal_error,
    is_object,
    json_equal,
    json_kind,
    panic_error,
    parse_patch,
    unprocessable_error,
    unsupported_strategic_merge_patch,
)
from aiokube.encoding.k8s_schema import MESSAGES

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
    if schema not in MESSAGES:
        raise unsupported_strategic_merge_patch()
    strict = field_validation in STRICT_VALIDATIONS
    try:
        value, pairs = parse_patch(patch)
    except PatchSyntaxError as exc:
        raise bad_request_error(exc.message) from None
    if value is not None and not is_object(value):
        raise bad_request_error(
            f"json: cannot unmarshal {json_kind(value)} into Go value of type map[string]interface {{}}"
        )
    found: list[str] = []
    patch_map = (build_value(value, "", found if strict else None) if pairs else value) or {}
    if strict_errors is not None:
        strict_errors.extend(found)
    try:
        return _merge_map(copy_value(original), patch_map, _GoType("struct", schema))
    except _SMPError as exc:
        if exc.status == "bad_request":
            raise bad_request_error(exc.message) from None
        if exc.status == "unprocessable":
            raise unprocessable_error(exc.message) from None
        raise internal_error(exc.message) from None
    except GoPanic as exc:
        raise panic_error(str(exc)) from None


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
    keep = {hash_key(v) for v in retain}
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
            raise _err_bad_arg_type(SLICE_T, order)
        field = _extract_key(key, _ORDER_PREFIX)
        found_original, found_patch = field in original, field in patch
        original_list: list[Any] = []
        patch_list: list[Any] = []
        if found_original:
            if not isinstance(original[field], list):
                raise _err_bad_arg_type(SLICE_T, original[field])
            original_list = original[field]
        if found_patch:
            if not isinstance(patch[field], list):
                raise _err_bad_arg_type(SLICE_T, patch[field])
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
        return json_equal(left, right)
    if not isinstance(left, dict):
        raise _err_bad_arg_type(MAP_T, left)
    if not isinstance(right, dict):
        raise _err_bad_arg_type(MAP_T, right)
    if merge_key not in left:
        raise _err_no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _err_no_merge_key(right, merge_key)
    return json_equal(left[merge_key], right[merge_key])


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
    if kind != MAP_T:
        if is_delete_list:
            drop = {hash_key(v) for v in patch}
            return [v for v in original if hash_key(v) not in drop]
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
        if key in v and json_equal(v[key], value):
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
            if json_equal(s[i], s[j]):
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
                    raise GoPanic("runtime error: invalid memory address or nil pointer dereference")
                prev = current
                if prev == SLICE_T:
                    raise _err_no_list_of_lists()
            elif prev != current:
                raise _SMPError(f"list element types are not identical: {go_sprint(list(slices))}")
    if not prev:
        raise _SMPError("no elements in any of the given slices")
    return prev


def _partition_primitives(items: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    present = {hash_key(v) for v in by}
    inside, outside = [], []
    for v in items:
        (inside if hash_key(v) in present else outside).append(v)
    return inside, outside


def _partition_maps(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    inside, outside = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(MAP_T, v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        (inside if _find_map(by, merge_key, v[merge_key]) >= 0 else outside).append(v)
    return inside, outside


def _extract_to_delete_items(items: list[Any]) -> tuple[list[Any], list[Any]]:
    keep, delete = [], []
    for v in items:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(MAP_T, v)
        directive = v.get(_DIRECTIVE)
        (delete if isinstance(directive, str) and directive == "delete" else keep).append(v)
    return keep, delete


def _index(items: list[Any], value: Any, merge_key: str, kind: str) -> int:
    if kind == MAP_T:

        def key_of(item: Any) -> Any:
            return item.get(merge_key) if isinstance(item, dict) else None

        wanted = key_of(value)
        return next((i for i, v in enumerate(items) if json_equal(wanted, key_of(v))), -1)
    return next((i for i, v in enumerate(items) if json_equal(value, v)), -1)


def _normalize_slice_order(to_sort: list[Any], order: list[Any], merge_key: str, kind: str) -> list[Any]:
    """normalizeSliceOrder: sort by position in ``order`` (Go's sort.SliceStable, its comparator as is)."""
    to_delete: list[Any] = []
    if kind == MAP_T:
        for item in [*to_sort, *order]:
            if not isinstance(item, dict):
                raise _err_bad_arg_type(MAP_T, item)
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

    go_stable_sort(to_sort, less)
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


def go_stable_sort(data: list[Any], less: Callable[[Any, Any], bool]) -> None:
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
