"""The managed fields of a create, from one walk over the new object (kube's Update chain against the type's
empty object, as managedfields runs it for every other write, gives the same entry: tests/test_managedfields_create.py).

A create's managed fields took ~19% of a pod create's server CPU through the general chain (compare into sets of
path tuples, recursive difference, strip, sort of every path, a second pass building FieldsV1); this walk builds
FieldsV1 directly, and the top-level keys but metadata of objects made from one template come from a memo.
"""

from __future__ import annotations

from typing import Any

import orjson

from aiokube.apiserver.patching.fieldpath import MISSING, FieldSet, PathElement, field_pe, serialized, value_equal
from aiokube.apiserver.patching.typeinfo import (
    SCALAR_TYPES,
    Leaf,
    Obj,
    TypeInfo,
    list_item_pe,
    paired_items,
    value_atom,
    zip_keys,
)
from aiokube.encoding import deepjson

#: the fields kube's StripMeta takes from every manager's set (exact paths: their children stay)
STRIPPED = FieldSet(
    [(field_pe("apiVersion"),), (field_pe("kind"),), (field_pe("metadata"),)]
    + [(field_pe("metadata"), field_pe(n)) for n in ("name", "namespace", "creationTimestamp", "selfLink", "uid",
                                                     "clusterName", "generation", "managedFields", "resourceVersion")]
)  # fmt: skip


#: a node's own membership in :class:`_Owned`'s trees (their other keys are path elements, which are tuples)
_MEMBER = "."


class _Owned:
    """compare() from a create's empty object to the new one, keeping what kube's Update gives the creating
    manager (the paths added or modified) as a tree of nested dicts keyed by path element, with ``"."`` marking
    a member; :func:`_fields_v1` writes it as FieldsV1 directly.

    The same walk as :class:`_Comparer` (same shortcuts, same leaf rule), minus the path tuples, the sets, the
    sort of every path and the second pass that builds FieldsV1 from them: a create's managed fields took
    ~19% of a pod create's server CPU that way."""

    __slots__ = ()

    def compare(self, lhs: Any, rhs: Any, t: TypeInfo, node: dict[Any, Any], pe: PathElement | None) -> None:
        if lhs is MISSING:
            self.every(rhs, t, node, pe)
            return
        if rhs is MISSING or value_equal(lhs, rhs):  # removed paths are nobody's; equal ones unchanged
            return
        la = value_atom(t, lhs)
        ra = value_atom(t, rhs)
        w = Leaf()
        self.handle(la, lhs, rhs, t, node, pe, w)
        if la != ra:
            self.handle(ra, lhs, rhs, t, node, pe, w)

    def every(self, v: Any, t: TypeInfo, node: dict[Any, Any], pe: PathElement | None) -> None:
        if v.__class__ in SCALAR_TYPES and t.scalar:
            if pe is not None:
                _mark(node, pe)
            return
        atom = value_atom(t, v)
        here = node if pe is None else _child(node, pe)
        if atom == "map":
            if isinstance(v, dict) and v and not t.map_atomic:
                for key, child in v.items():
                    ft = t.field(key)
                    if child.__class__ in SCALAR_TYPES and ft.scalar:
                        _mark(here, field_pe(key))
                    else:
                        self.every(child, ft, here, field_pe(key))
        elif atom == "list":
            if isinstance(v, list) and v and t.list_type != "atomic":
                assert t.item is not None
                groups: dict[PathElement, list[Any]] = {}
                for child in v:
                    groups.setdefault(list_item_pe(t, child), []).append(child)
                for item_pe, items in groups.items():
                    if len(items) == 1:
                        self.every(items[0], t.item, here, item_pe)
                    else:
                        _mark(here, item_pe)
        if pe is not None:
            here[_MEMBER] = True

    def handle(
        self, atom: str, lhs: Any, rhs: Any, t: TypeInfo, node: dict[Any, Any], pe: PathElement | None, w: Leaf
    ) -> None:
        if atom == "scalar":
            self.leaf(lhs, rhs, node, pe, w)
        elif atom == "map":
            lm = lhs if isinstance(lhs, dict) else None
            rm = rhs if isinstance(rhs, dict) else None
            if t.map_atomic or (not lm and not rm):
                self.leaf(lhs, rhs, node, pe, w)
                return
            here = node if pe is None else _child(node, pe)
            for key in zip_keys(lm, rm):
                a = lm.get(key, MISSING) if lm else MISSING
                b = rm.get(key, MISSING) if rm else MISSING
                if b is MISSING:
                    continue  # a removal: nothing of it is owned
                ft = t.field(key)
                if ft.scalar and a.__class__ in SCALAR_TYPES and b.__class__ in SCALAR_TYPES:
                    if not value_equal(a, b):
                        _mark(here, field_pe(key))
                    continue
                self.compare(a, b, ft, here, field_pe(key))
        else:
            ll = lhs if isinstance(lhs, list) else None
            rl = rhs if isinstance(rhs, list) else None
            if t.list_type == "atomic" or (not ll and not rl):
                self.leaf(lhs, rhs, node, pe, w)
                return
            self.list_items(ll or [], rl or [], t, node if pe is None else _child(node, pe))

    def leaf(self, lhs: Any, rhs: Any, node: dict[Any, Any], pe: PathElement | None, w: Leaf) -> None:
        if w.done:
            return
        w.done = True
        if pe is None or rhs is MISSING:
            return
        if lhs is MISSING or not value_equal(lhs, rhs):
            _mark(node, pe)

    def list_items(self, ll: list[Any], rl: list[Any], t: TypeInfo, here: dict[Any, Any]) -> None:
        assert t.item is not None
        for item_pe, lv, rv in paired_items(t, ll, rl):
            if len(lv) <= 1 and len(rv) <= 1:
                self.compare(lv[0] if lv else MISSING, rv[0] if rv else MISSING, t.item, here, item_pe)
            elif len(lv) >= 2 and len(rv) >= 2:
                if len(lv) != len(rv) or not all(value_equal(a, b) for a, b in zip(lv, rv, strict=True)):
                    _mark(here, item_pe)
            elif len(lv) >= 2:
                if rv:
                    self.every(rv[0], t.item, here, item_pe)
            else:
                _mark(here, item_pe)


def _child(node: dict[Any, Any], pe: PathElement) -> dict[Any, Any]:
    child = node.get(pe)
    if child is None:
        child = node[pe] = {}
    return child


def _mark(node: dict[Any, Any], pe: PathElement) -> None:
    child = node.get(pe)
    if child is None:
        node[pe] = {_MEMBER: True}
    else:
        child[_MEMBER] = True


def _cut(tree: dict[Any, Any], fs: FieldSet, *, recursive: bool) -> None:
    """Take ``fs``'s paths out of a tree: their subtrees too when ``recursive`` (RecursiveDifference), else
    only their membership (Difference)."""
    for path in fs.paths:
        node = tree
        for pe in path[:-1]:
            node = node.get(pe)  # type: ignore[assignment]
            if node is None:
                break
        else:
            if recursive:
                node.pop(path[-1], None)
            else:
                child = node.get(path[-1])
                if child is not None:
                    child.pop(_MEMBER, None)


def _fields_v1(node: dict[Any, Any]) -> dict[str, Any]:
    """FieldsV1 of a tree: each level in path-element order, ``"."`` first for a member that has children,
    nodes with no member below them left out (to_fields_v1 of the same set)."""
    out: dict[str, Any] = {}
    for pe in sorted(k for k in node if k is not _MEMBER):
        child = node[pe]
        encoded = _fields_v1(child) if len(child) > 1 or _MEMBER not in child else {}
        if encoded:
            out[serialized(pe)] = {".": {}, **encoded} if _MEMBER in child else encoded
        elif _MEMBER in child:
            out[serialized(pe)] = {}
    return out


def created_fields_v1(new: Obj, empty: Obj, t: TypeInfo, reset: FieldSet | None) -> dict[str, Any]:
    """The FieldsV1 the creating manager owns: compare(empty, new)'s added and modified paths, less the
    strategy's reset fields and the metadata kube strips (what _update_chain computes for a create).

    A typed object whose reset fields are top-level is done key by key: the reset ones are skipped, and the
    others but metadata come from a memo keyed by their JSON (the objects a controller or a client creates
    from one template differ in metadata only: 290 us of walk for a pod's spec became ~5 us)."""
    heads = _top_level(reset) if reset else frozenset()
    if heads is None or not (isinstance(new, dict) and new and isinstance(empty, dict) and t.is_map):
        return _created_tree(new, empty, t, reset)
    if t.map_atomic or value_equal(empty, new):
        return _created_tree(new, empty, t, reset)
    parts: dict[str, Any] = {}
    for key in zip_keys(empty, new):
        value = new.get(key, MISSING)
        if value is MISSING or key in heads:
            continue
        if key == "metadata":
            part = _metadata_part(empty.get(key, MISSING), value, t)
        else:
            part = _created_part(key, empty.get(key, MISSING), value, t)
        if part is None:
            tree: dict[Any, Any] = {}
            _Owned().compare(empty.get(key, MISSING), value, t.field(key), tree, field_pe(key))
            _cut(tree, STRIPPED, recursive=False)
            part = _fields_v1(tree)
        parts.update(part)
    return {k: parts[k] for k in sorted(parts)}  # one field per key: FieldsV1's order is the names'


def _created_tree(new: Obj, empty: Obj, t: TypeInfo, reset: FieldSet | None) -> dict[str, Any]:
    tree: dict[Any, Any] = {}
    _Owned().compare(empty, new, t, tree, None)
    if reset:
        _cut(tree, reset, recursive=True)
    _cut(tree, STRIPPED, recursive=False)
    return _fields_v1(tree)


def _top_level(fs: FieldSet) -> frozenset[str] | None:
    """The field names of a set of one-element field paths (``status``), else None."""
    names = []
    for path in fs.paths:
        if len(path) != 1 or path[0][0] != PathElement.FIELD:
            return None
        names.append(path[0][1])
    return frozenset(names)


#: (type, top-level key, the value's JSON) -> that key's FieldsV1 in a create (shared, read-only: nothing changes a
#: fieldsV1 in place); bounded by the JSON bytes held
_CREATED: dict[tuple[Any, str, bytes], dict[str, Any]] = {}
_CREATED_BYTES = 16 << 20
_created_held = 0


def _created_part(key: str, lhs: Any, value: Any, t: TypeInfo) -> dict[str, Any] | None:
    """One top-level key's FieldsV1 in a create, remembered by the value's JSON; None when the value is not
    JSON or nests deeper than orjson writes (such values are not worth remembering: computed each time). A map
    of scalars (a ConfigMap's data) is written without the walk: every key a member, in name order (100,000
    keys: 184 ms of walk became 29 ms; bench/session_changes.py)."""
    global _created_held
    try:
        memo_key = (t, key, orjson.dumps(value))
    except TypeError:
        return None
    part = _CREATED.get(memo_key)
    if part is None:
        ft = t.field(key)
        if lhs is MISSING and _scalar_map(ft, value):
            part = {"f:" + key: {".": {}, **{"f:" + k: {} for k in sorted(value)}}}
            size = 2 * len(memo_key[2])  # its keys, about: no second dump to measure it
        else:
            tree: dict[Any, Any] = {}
            _Owned().compare(lhs, value, ft, tree, field_pe(key))
            _cut(tree, STRIPPED, recursive=False)
            part = _fields_v1(tree)
            size = len(deepjson.dumps(part)) + len(memo_key[2])
        if _created_held + size > _CREATED_BYTES:
            _CREATED.clear()
            _created_held = 0
        _CREATED[memo_key] = part
        _created_held += size
    return part


#: (type, metadata's shape) -> metadata's FieldsV1 in a create (shared, read-only); bounded in entries
_METADATA: dict[tuple[Any, tuple[Any, ...]], dict[str, Any]] = {}
_METADATA_BOUND = 4096


def _metadata_part(lhs: Any, value: Any, t: TypeInfo) -> dict[str, Any] | None:
    """metadata's FieldsV1 in a create, remembered by its shape: every object differs in its name, uid and time,
    but what is owned of them depends only on which fields are there, each scalar's class, and the keys of the
    maps of scalars (labels, annotations); lists (finalizers, owner references) and fields the empty object
    has a non-scalar value for are not remembered (None: computed each time). The walk of a pod's metadata
    was ~5% of its create."""
    if not isinstance(value, dict) or not isinstance(lhs, dict):
        return None
    shape: list[Any] = []
    for key, v in value.items():
        c = v.__class__
        if c is dict:
            if key in lhs or not all(x.__class__ in SCALAR_TYPES for x in v.values()):
                return None
            shape.append((key, tuple(v)))
        elif c is list:
            return None
        elif key in lhs:
            old = lhs[key]
            if old is not None and old.__class__ not in SCALAR_TYPES:
                return None
            shape.append((key, c, value_equal(old, v)))
        else:
            shape.append((key, c))
    memo_key = (t, tuple(shape))
    part = _METADATA.get(memo_key)
    if part is None:
        tree: dict[Any, Any] = {}
        _Owned().compare(lhs, value, t.field("metadata"), tree, field_pe("metadata"))
        _cut(tree, STRIPPED, recursive=False)
        part = _fields_v1(tree)
        if len(_METADATA) >= _METADATA_BOUND:
            _METADATA.clear()
        _METADATA[memo_key] = part
    return part


def _scalar_map(t: TypeInfo, value: Any) -> bool:
    """A non-empty granular map whose values are all scalars of a scalar element type."""
    return (
        t.kind == "map"
        and not t.fields
        and not t.map_atomic
        and t.elem is not None
        and t.elem.scalar
        and type(value) is dict
        and bool(value)
        and all(v.__class__ in SCALAR_TYPES for v in value.values())
    )
