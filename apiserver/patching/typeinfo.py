"""Types for managed fields and server-side apply: structured-merge-diff's schema atoms over aiokube's type
tables, and the small helpers every typed walk over a value shares.

:func:`builtin_type` (kube's Go types through the protobuf schema table, which also carries the list markers),
:func:`openapi_type` (a CRD version's structural schema) and :func:`deduced_type` (objects without a schema)
give a :class:`TypeInfo`; :func:`value_atom` says which part of a type handles a value and :func:`list_item_pe`
the path element of an associative list's item.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.patching.fieldpath import PathElement, key_pe, value_pe
from aiokube.encoding import typed
from aiokube.encoding.k8s_schema import MESSAGES
from aiokube.encoding.protobuf import SPECIAL_MESSAGES

Obj = dict[str, Any]

META = "k8s.io.apimachinery.pkg.apis.meta.v1."
OBJECT_META = META + "ObjectMeta"

# --- types --------------------------------------------------------------------------------------------


class TypeInfo:
    """The structured-merge-diff view of a type (a schema.Atom): which value shapes it takes and how.

    kind is one of scalar, struct (fields, plus ``elem`` for undeclared keys when unknown fields are kept),
    map (``elem`` values), list (``list_type`` atomic, set or map with ``keys``), untyped (anything, one
    atomic leaf) and deduced (maps granular, lists atomic, scalars). ``map_atomic`` makes a struct or map one
    leaf (x-kubernetes-map-type / +structType / +mapType atomic).
    """

    __slots__ = (
        "_empty",
        "elem",
        "fields",
        "item",
        "key_defaults",
        "keys",
        "kind",
        "list_type",
        "map_atomic",
        "message",
        "ordered",
        "scalar",
    )

    def __init__(
        self,
        kind: str,
        *,
        scalar: bool = False,
        list_type: str | None = None,
        keys: tuple[str, ...] = (),
        item: TypeInfo | None = None,
        fields: dict[str, TypeInfo] | None = None,
        elem: TypeInfo | None = None,
        map_atomic: bool = False,
        is_map: bool = False,
    ) -> None:
        self.kind = kind
        self.scalar = scalar
        self.list_type = list_type
        self.keys = keys
        self.item = item
        self.fields: dict[str, TypeInfo] | None = fields if (fields is not None or is_map) else None
        if is_map and self.fields is None:
            self.fields = {}
        self.elem = elem
        self.map_atomic = map_atomic
        self.key_defaults: dict[str, Any] = {}
        self.ordered = False  # Go struct field order for merge output (built-in types)
        self.message = ""
        self._empty: Obj | None = None

    def __repr__(self) -> str:
        name = f" {self.message}" if self.message else ""
        return f"TypeInfo({self.kind}{name})"

    @property
    def is_map(self) -> bool:
        return self.fields is not None

    def field(self, name: str) -> TypeInfo:
        """The type of a key of this map/struct (undeclared keys of a closed struct are deduced, leniently)."""
        assert self.fields is not None
        t = self.fields.get(name)
        if t is not None:
            return t
        return self.elem if self.elem is not None else _DEDUCED

    def declares(self, name: str) -> bool:
        return self.fields is not None and name in self.fields

    def empty_object(self, *, shared: bool = False) -> Obj:
        """What kube compares a create against: a new, empty object of the type (Go zero value as JSON).
        ``shared`` returns the one kept here, for callers that only read it (saves a deep copy per create)."""
        if self._empty is None:
            if self.message:
                self._empty = typed.canonical({}, self.message)
            else:
                self._empty = {}
        return self._empty if shared else copy.deepcopy(self._empty)

    def with_map_atomic(self, atomic: bool) -> TypeInfo:
        """A TypeRef-level element-relationship override (e.g. ``+structType=granular`` on one field)."""
        if self.map_atomic == atomic:
            return self
        clone = copy.copy(self)
        clone.map_atomic = atomic
        return clone


_UNTYPED = TypeInfo("untyped", scalar=True, list_type="atomic", is_map=True, map_atomic=True)
_UNTYPED.item = _UNTYPED
_UNTYPED.elem = _UNTYPED
_DEDUCED = TypeInfo("deduced", scalar=True, list_type="atomic", item=_UNTYPED, is_map=True)
_DEDUCED.elem = _DEDUCED


def deduced_type() -> TypeInfo:
    """structured-merge-diff's deduced type, for objects without a schema: maps granular, lists atomic."""
    return _DEDUCED


def untyped_type() -> TypeInfo:
    """Any value as one atomic leaf (Time, Quantity, IntOrString, RawExtension, ...)."""
    return _UNTYPED


_SCALAR = TypeInfo("scalar", scalar=True)

# Type-level markers kube's OpenAPI carries that the protobuf schema table does not (Kubernetes 1.36 types.go):
# +structType=atomic types, +mapType=atomic fields, a +structType=granular override, and the +default of
# list-map key fields (used for items that omit the key, as getAssociativeKeyDefault does).
_CORE = "k8s.io.api.core.v1."
_ATOMIC_STRUCTS = frozenset(
    [_CORE + n for n in ("SecretReference", "FileKeySelector", "ObjectFieldSelector", "ResourceFieldSelector",
                         "ConfigMapKeySelector", "SecretKeySelector", "NodeSelector", "NodeSelectorTerm",
                         "TopologySelectorTerm", "EndpointAddress", "EndpointPort", "ObjectReference",
                         "LocalObjectReference", "TypedLocalObjectReference", "ScopeSelector")]
    + ["k8s.io.api.discovery.v1.EndpointPort", "k8s.io.api.rbac.v1.Subject", "k8s.io.api.rbac.v1.RoleRef",
       META + "OwnerReference", META + "LabelSelector", "k8s.io.api.autoscaling.v1.CrossVersionObjectReference",
       "k8s.io.api.networking.v1.ServiceBackendPort"]
    + ["k8s.io.api.admissionregistration.v1." + n for n in ("MatchResources", "NamedRuleWithOperations", "ParamKind",
                                                           "ParamRef", "Variable")]
)  # fmt: skip
_ATOMIC_MAP_FIELDS = frozenset(
    [(_CORE + "PodSpec", "nodeSelector"), (_CORE + "ReplicationControllerSpec", "selector"),
     (_CORE + "ServiceSpec", "selector")]
)  # fmt: skip
_GRANULAR_FIELDS = frozenset([(_CORE + "PersistentVolumeSpec", "claimRef")])
_KEY_DEFAULTS = {
    _CORE + "ContainerPort": {"protocol": "TCP"},
    _CORE + "ServicePort": {"protocol": "TCP"},
    _CORE + "LocalObjectReference": {"name": ""},
}

_builtin: dict[str, TypeInfo] = {}


def _flags(text: str) -> tuple[set[str], dict[str, list[str]]]:
    plain: set[str] = set()
    valued: dict[str, list[str]] = {}
    for token in text.split(",") if text else ():
        name, eq, value = token.partition("=")
        if eq:
            valued.setdefault(name.strip(), []).append(value.strip())
        else:
            plain.add(token.strip())
    return plain, valued


def _list_kind(plain: set[str], valued: dict[str, list[str]]) -> tuple[str, tuple[str, ...]]:
    """schemaconv's getListElementRelationship: listType first, then patchStrategy/patchMergeKey, else atomic."""
    list_type = (valued.get("listType") or [""])[0]
    if list_type == "atomic":
        return "atomic", ()
    if list_type == "set":
        return "set", ()
    if list_type == "map":
        return "map", tuple(valued.get("listMapKey", ()))
    strategy = " ".join(valued.get("patchStrategy", ()))
    if "merge" in re.split(r"[;+| ]", strategy):
        key = (valued.get("patchMergeKey") or [""])[0]
        return ("map", (key,)) if key else ("set", ())
    return "atomic", ()


def builtin_type(message: str, messages: Mapping[str, Any] | None = None) -> TypeInfo:
    """The type of a built-in kind from the schema table (:mod:`encoding.k8s_schema`).

    Inline members are flattened into their parent; Time, MicroTime, Duration, Quantity, IntOrString,
    FieldsV1 and RawExtension are untyped leaves; list fields follow their listType/listMapKey flags, else
    patchStrategy=merge/patchMergeKey, else they are atomic. ``messages`` replaces the table (tests).
    """
    if messages is None:
        return _builtin_message(message, MESSAGES, _builtin, top=True)
    return _builtin_message(message, messages, {}, top=True)


def _builtin_message(msg: str, messages: Mapping[str, Any], cache: dict[str, TypeInfo], top: bool) -> TypeInfo:
    if msg in SPECIAL_MESSAGES:
        return _UNTYPED
    key = msg + ("#top" if top else "")
    t = cache.get(key)
    if t is not None:
        return t
    if msg not in messages:
        return _DEDUCED
    t = TypeInfo("struct", is_map=True, map_atomic=msg in _ATOMIC_STRUCTS)
    t.message = msg
    t.ordered = True
    t.key_defaults = dict(_KEY_DEFAULTS.get(msg, {}))
    cache[key] = t
    fields: dict[str, TypeInfo] = {}
    if top:
        fields["kind"] = _SCALAR
        fields["apiVersion"] = _SCALAR
    _collect_fields(msg, messages, cache, fields)
    t.fields = fields
    return t


def _collect_fields(
    msg: str, messages: Mapping[str, Any], cache: dict[str, TypeInfo], out: dict[str, TypeInfo]
) -> None:
    for json_name, _number, type_, flags in messages[msg]:
        plain, valued = _flags(flags)
        if "inline" in plain:
            if type_ in messages:
                _collect_fields(type_, messages, cache, out)
            continue
        out[json_name] = _field_type(msg, json_name, type_, plain, valued, messages, cache)


def _value_type(type_: str, messages: Mapping[str, Any], cache: dict[str, TypeInfo]) -> TypeInfo:
    if "." in type_:
        return _builtin_message(type_, messages, cache, top=False)
    return _SCALAR


def _field_type(
    msg: str,
    name: str,
    type_: str,
    plain: set[str],
    valued: dict[str, list[str]],
    messages: Mapping[str, Any],
    cache: dict[str, TypeInfo],
) -> TypeInfo:
    if type_.startswith("map<"):
        _, value = type_[4:-1].split(",", 1)
        atomic = (msg, name) in _ATOMIC_MAP_FIELDS or "atomic" in valued.get("mapType", ())
        return TypeInfo("map", is_map=True, elem=_value_type(value.strip(), messages, cache), map_atomic=atomic)
    if "repeated" in plain:
        list_type, keys = _list_kind(plain, valued)
        return TypeInfo("list", list_type=list_type, keys=keys, item=_value_type(type_, messages, cache))
    t = _value_type(type_, messages, cache)
    if t.kind == "struct":
        if (msg, name) in _GRANULAR_FIELDS or "granular" in valued.get("structType", ()):
            return t.with_map_atomic(False)
        if "atomic" in valued.get("structType", ()) or "atomic" in valued.get("mapType", ()):
            return t.with_map_atomic(True)
    return t


def openapi_type(schema: Mapping[str, Any]) -> TypeInfo:
    """The type of a custom resource from its version's openAPIV3Schema (kube-openapi's schemaconv).

    Honours x-kubernetes-list-type / -list-map-keys, -map-type, -preserve-unknown-fields (undeclared keys
    become deduced, for the whole subtree) and -embedded-resource (apiVersion, kind and an ObjectMeta
    metadata, as apiextensions' builder adds them). The root is a resource: its metadata is ObjectMeta.
    """
    t = _openapi(schema, False)
    if not t.is_map:
        t = TypeInfo("struct", is_map=True, elem=_DEDUCED)
    root = copy.copy(t)
    root.fields = {**(t.fields or {}), **_resource_fields()}
    root.kind = "struct"
    return root


def _resource_fields() -> dict[str, TypeInfo]:
    return {"apiVersion": _SCALAR, "kind": _SCALAR, "metadata": builtin_type(OBJECT_META)}


def _openapi(s: Mapping[str, Any], preserve: bool) -> TypeInfo:
    if s.get("x-kubernetes-preserve-unknown-fields") is True:
        preserve = True
    typ = s.get("type") or ""
    if typ == "object":
        return _openapi_object(s, preserve, TypeInfo("struct", is_map=True))
    if typ == "array":
        return _openapi_list(s, preserve, TypeInfo("list"))
    if typ in ("integer", "number", "string", "boolean"):
        return _SCALAR
    if typ:
        return _UNTYPED
    # No type (int-or-string, preserve-unknown-fields without a type): scalar, list or map.
    t = TypeInfo("deduced", scalar=True, is_map=True)
    _openapi_list(s, preserve, t)
    return _openapi_object(s, preserve, t)


def _openapi_object(s: Mapping[str, Any], preserve: bool, t: TypeInfo) -> TypeInfo:
    props = s.get("properties") or {}
    fields = {name: _openapi(sub, preserve) for name, sub in props.items()}
    if s.get("x-kubernetes-embedded-resource") is True:
        for name, ft in _resource_fields().items():
            fields.setdefault(name, ft)
    extra = s.get("additionalProperties")
    if extra is None:
        t.elem = _DEDUCED if (preserve or not props) else None
    elif isinstance(extra, Mapping):
        t.elem = _openapi(extra, preserve)
    else:
        t.elem = _DEDUCED if extra else None
    if not props and t.kind == "struct":
        t.kind = "map"
    t.fields = fields
    t.map_atomic = s.get("x-kubernetes-map-type") == "atomic"
    t.key_defaults = {name: sub["default"] for name, sub in props.items() if "default" in sub}
    return t


def _openapi_list(s: Mapping[str, Any], preserve: bool, t: TypeInfo) -> TypeInfo:
    list_type = s.get("x-kubernetes-list-type")
    keys: tuple[str, ...] = ()
    if list_type in ("atomic", "set"):
        kind = list_type
    elif list_type == "map":
        kind, keys = "map", tuple(s.get("x-kubernetes-list-map-keys") or ())
    elif s.get("x-kubernetes-patch-strategy") in ("merge", "merge,retainKeys"):
        key = s.get("x-kubernetes-patch-merge-key")
        kind, keys = ("map", (key,)) if key else ("set", ())
    else:
        kind = "atomic"
    items = s.get("items")
    t.list_type = kind
    t.keys = keys
    t.item = _openapi(items, preserve) if isinstance(items, Mapping) else _UNTYPED
    return t


# --- typed walks (structured-merge-diff typed package) -------------------------------------------------


class TypedError(ValueError):
    """A value the type cannot hold (structured-merge-diff's ValidationErrors)."""


def value_atom(t: TypeInfo, v: Any) -> str:
    """deduceAtom + handleAtom: which part of the type handles the value (map > scalar > list)."""
    if isinstance(v, bool | int | float | str):
        if t.scalar:
            return "scalar"
    elif isinstance(v, list):
        if t.list_type is not None:
            return "list"
    elif isinstance(v, dict) and t.is_map:
        return "map"
    if t.is_map:
        return "map"
    if t.scalar:
        return "scalar"
    if t.list_type is not None:
        return "list"
    raise TypedError("schema error: invalid atom")


def list_item_pe(t: TypeInfo, child: Any) -> PathElement:
    """listItemToPathElement for an associative list (map: its key fields, with defaults; set: the value)."""
    if t.keys:
        if child is None:
            raise TypedError("associative list with keys may not have a null element")
        if not isinstance(child, dict):
            raise TypedError("associative list with keys may not have non-map elements")
        item = t.item
        defaults = item.key_defaults if item is not None else {}
        fields = []
        for name in t.keys:
            if name in child:
                fields.append((name, child[name]))
            elif defaults.get(name) is not None:
                fields.append((name, defaults[name]))
        if not fields:
            raise TypedError(
                "associative list with keys has an element that omits all key fields "
                f"{go_quote_list(t.keys)} (and doesn't have default values for any key fields)"
            )
        return key_pe(fields)
    if isinstance(child, dict):
        raise TypedError("associative list without keys has an element that's a map type")
    if isinstance(child, list):
        raise TypedError("not supported: associative list with lists as elements")
    if child is None:
        raise TypedError("associative list without keys has an element that's an explicit null")
    return value_pe(child)


def go_quote_list(keys: Iterable[str]) -> str:
    return "[" + " ".join(go_quote(k) for k in keys) + "]"


# --- walk helpers ----------------------------------------------------------------------------------


class Leaf:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


SCALAR_TYPES = (str, int, float, bool)
CONTAINERS = (dict, list)


def zip_keys(lm: dict[str, Any] | None, rm: dict[str, Any] | None) -> list[str]:
    keys = list(lm or ())
    if rm:
        keys.extend(k for k in rm if not lm or k not in lm)
    return keys


def paired_items(t: TypeInfo, ll: list[Any], rl: list[Any]) -> list[tuple[PathElement, list[Any], list[Any]]]:
    """The items of two versions of an associative list grouped by path element, in first-seen order (left,
    then the right's new ones): what a typed compare walks item by item (more than one item per element means
    duplicates, which are compared as a whole)."""
    lvals: dict[PathElement, list[Any]] = {}
    rvals: dict[PathElement, list[Any]] = {}
    order: list[PathElement] = []
    for child in ll:
        pe = list_item_pe(t, child)
        if pe not in lvals:
            order.append(pe)
        lvals.setdefault(pe, []).append(child)
    for child in rl:
        pe = list_item_pe(t, child)
        if pe not in rvals and pe not in lvals:
            order.append(pe)
        rvals.setdefault(pe, []).append(child)
    return [(pe, lvals.get(pe, []), rvals.get(pe, [])) for pe in order]
