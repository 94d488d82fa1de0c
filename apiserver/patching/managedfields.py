"""Managed fields and server-side apply, as kube-apiserver 1.36 does them, on JSON-form objects.

Follows k8s.io/apimachinery/pkg/util/managedfields/internal (the field manager chain: skip-non-applied, cap
managers, build manager info, managed-fields updater, strip meta, structured merge) and
sigs.k8s.io/structured-merge-diff/v6 (``typed``: compare, merge, to-field-set, remove; ``fieldpath``: sets
and their FieldsV1 JSON; ``merge``: the Updater's update/apply/prune). Field ownership is a set of paths
whose elements are ``f:<field>``, ``k:<key fields as JSON>``, ``v:<value as JSON>`` and ``i:<index>``.

Types come from :func:`builtin_type` (kube's Go types through the protobuf schema table, which also carries
the list markers), :func:`openapi_type` (a CRD version's structural schema) or :func:`deduced_type`
(apiserver/patching/typeinfo.py; re-exported here). A create's managed fields come from createfields.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson

from aiokube.apiserver import errors
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.patching.createfields import STRIPPED, created_fields_v1
from aiokube.apiserver.patching.fieldpath import (
    MISSING,
    TUPLE_PATH_MAX,
    DeepPath,
    FieldNode,
    FieldSet,
    Path,
    PathElement,
    deep_child,
    extend_path,
    field_pe,
    field_tree,
    from_fields_v1,
    path_string,
    to_fields_v1,
    value_equal,
)
from aiokube.apiserver.patching.patch import copy_value
from aiokube.apiserver.patching.typeinfo import (
    CONTAINERS,
    SCALAR_TYPES,
    Leaf,
    TypedError,
    TypeInfo,
    list_item_pe,
    paired_items,
    value_atom,
    zip_keys,
)
from aiokube.apiserver.patching.typeinfo import builtin_type as builtin_type
from aiokube.apiserver.patching.typeinfo import deduced_type as deduced_type
from aiokube.apiserver.patching.typeinfo import openapi_type as openapi_type
from aiokube.encoding import deepjson, depth
from aiokube.encoding.jsonenc import go_escape

Obj = dict[str, Any]


def fieldset(obj: Any, t: TypeInfo) -> FieldSet:
    """Every path an object sets (TypedValue.ToFieldSet): leaves, list items, map keys, empty/null fields."""
    out: set[Path] = set()
    _to_set(obj, t, (), out)
    return FieldSet(out)


def _to_set(v: Any, t: TypeInfo, path: Path, out: set[Path]) -> None:
    atom = value_atom(t, v)
    if atom == "scalar":
        out.add(path)
    elif atom == "list":
        if t.list_type == "atomic":
            out.add(path)
            return
        if not isinstance(v, list):
            return
        assert t.item is not None
        pes = [list_item_pe(t, child) for child in v]
        seen: set[PathElement] = set()
        duplicates: set[PathElement] = set()
        for pe in pes:
            if pe in seen and pe not in duplicates:
                out.add(extend_path(path, pe))
                duplicates.add(pe)
            seen.add(pe)
        deep = len(path) >= TUPLE_PATH_MAX
        for pe, child in zip(pes, v, strict=True):
            if pe in duplicates:
                continue
            child_path = deep_child(path, pe) if deep else (*path, pe)
            _to_set(child, t.item, child_path, out)
            out.add(child_path)
    else:
        if t.map_atomic:
            out.add(path)
            return
        if not isinstance(v, dict):
            return
        deep = len(path) >= TUPLE_PATH_MAX  # DeepPaths past it (fieldpath.DeepPath)
        for key, val in v.items():
            child_path = deep_child(path, field_pe(key)) if deep else (*path, field_pe(key))
            _to_set(val, t.field(key), child_path, out)
            if val is None or (isinstance(val, dict) and not val) or not t.declares(key):
                out.add(child_path)


class Comparison:
    """typed.Comparison: the paths a change added, modified and removed."""

    __slots__ = ("added", "modified", "removed")

    def __init__(self, added: FieldSet, modified: FieldSet, removed: FieldSet) -> None:
        self.added = added
        self.modified = modified
        self.removed = removed

    def filtered(self, ignore: FieldSet | None) -> Comparison:
        if not ignore:
            return self
        return Comparison(
            self.added.recursive_difference(ignore),
            self.modified.recursive_difference(ignore),
            self.removed.recursive_difference(ignore),
        )




class _Comparer:
    """One typed comparison of two values of a type (structured-merge-diff's compare walk): collects the
    paths added, modified and removed from ``lhs`` to ``rhs``. Used once per compare() call, not shared.

    Two shortcuts keep it proportional to what changed: a subtree equal on both sides is not walked (an
    update of one key of a 5,000-key ConfigMap compared 5,000 leaves one by one: 14 us each), and a subtree
    present on one side only adds all its paths in a direct walk (``every``)."""

    def __init__(self) -> None:
        self.added: set[Path] = set()
        self.modified: set[Path] = set()
        self.removed: set[Path] = set()

    def compare(self, lhs: Any, rhs: Any, t: TypeInfo, path: Path) -> None:
        if lhs is MISSING:
            self.every(rhs, t, path, self.added)
            return
        if rhs is MISSING:
            self.every(lhs, t, path, self.removed)
            return
        # nothing below changed (value.Equals all the way down); not asked below TUPLE_PATH_MAX levels, where
        # asking at every level of a changed spine N deep is O(N^2) (the walk finds the same, leaf by leaf)
        if path.__class__ is tuple and value_equal(lhs, rhs):
            return
        la = value_atom(t, lhs)
        ra = value_atom(t, rhs)
        if la != ra:  # the value changed shape within a type that takes both: each side's walk
            self.handle(la, lhs, rhs, t, path, Leaf())
            self.handle(ra, lhs, rhs, t, path, Leaf())
        else:
            self.handle(la, lhs, rhs, t, path, Leaf())

    def every(self, v: Any, t: TypeInfo, path: Path, out: set[Path]) -> None:
        """compare() with the other side missing: every path of ``v`` (nodes, leaves, list items) into ``out``."""
        if v.__class__ in SCALAR_TYPES and t.scalar:  # _atom's answer for most leaves, without the call
            if path:
                out.add(path)
            return
        atom = value_atom(t, v)
        if atom == "map":
            if isinstance(v, dict) and v and not t.map_atomic:
                every = self.every
                deep = len(path) >= TUPLE_PATH_MAX
                for key, child in v.items():
                    ft = t.field(key)
                    child_path = deep_child(path, field_pe(key)) if deep else (*path, field_pe(key))
                    if child.__class__ in SCALAR_TYPES and ft.scalar:
                        out.add(child_path)
                    else:
                        every(child, ft, child_path, out)
        elif atom == "list":
            if isinstance(v, list) and v and t.list_type != "atomic":
                assert t.item is not None
                groups: dict[PathElement, list[Any]] = {}
                for child in v:
                    groups.setdefault(list_item_pe(t, child), []).append(child)
                for pe, items in groups.items():
                    if len(items) == 1:
                        self.every(items[0], t.item, extend_path(path, pe), out)
                    else:
                        out.add(extend_path(path, pe))
        if path:
            out.add(path)

    def leaf(self, lhs: Any, rhs: Any, path: Path, w: Leaf) -> None:
        if w.done:
            return
        w.done = True
        if not path:
            return
        if lhs is MISSING:
            self.added.add(path)
        elif rhs is MISSING:
            self.removed.add(path)
        elif not value_equal(lhs, rhs):
            self.modified.add(path)

    def handle(self, atom: str, lhs: Any, rhs: Any, t: TypeInfo, path: Path, w: Leaf) -> None:
        if atom == "scalar":
            self.leaf(lhs, rhs, path, w)
        elif atom == "map":
            lm = lhs if isinstance(lhs, dict) else None
            rm = rhs if isinstance(rhs, dict) else None
            if t.map_atomic or (not lm and not rm):
                self.leaf(lhs, rhs, path, w)
                return
            if lm and rm:
                # keys whose values are equal scalars of one class are unchanged: skipped without a call
                # (containers are compared by compare(): ``!=`` here first was a second walk of each)
                keys = [
                    k
                    for k, a in lm.items()
                    if (b := rm.get(k, MISSING)) is MISSING or a.__class__ is not b.__class__
                    or a.__class__ in CONTAINERS or a != b
                ]
                keys.extend(k for k in rm if k not in lm)
            else:
                keys = zip_keys(lm, rm)
            deep = len(path) >= TUPLE_PATH_MAX
            for key in keys:
                a = lm.get(key, MISSING) if lm else MISSING
                b = rm.get(key, MISSING) if rm else MISSING
                ft = t.field(key)
                if ft.scalar and a.__class__ in SCALAR_TYPES and b.__class__ in SCALAR_TYPES:
                    # what compare() -> handle("scalar") -> leaf() comes to for two scalars
                    if not value_equal(a, b):
                        self.modified.add(deep_child(path, field_pe(key)) if deep else (*path, field_pe(key)))
                    continue
                self.compare(a, b, ft, deep_child(path, field_pe(key)) if deep else (*path, field_pe(key)))
        else:
            ll = lhs if isinstance(lhs, list) else None
            rl = rhs if isinstance(rhs, list) else None
            if t.list_type == "atomic" or (not ll and not rl):
                self.leaf(lhs, rhs, path, w)
                return
            self.list_items(ll or [], rl or [], t, path)

    def list_items(self, ll: list[Any], rl: list[Any], t: TypeInfo, path: Path) -> None:
        assert t.item is not None
        deep = len(path) >= TUPLE_PATH_MAX
        for pe, lv, rv in paired_items(t, ll, rl):
            child_path = deep_child(path, pe) if deep else (*path, pe)
            if len(lv) <= 1 and len(rv) <= 1:
                self.compare(lv[0] if lv else MISSING, rv[0] if rv else MISSING, t.item, child_path)
            elif len(lv) >= 2 and len(rv) >= 2:
                if len(lv) != len(rv) or not all(value_equal(a, b) for a, b in zip(lv, rv, strict=True)):
                    self.modified.add(child_path)
            elif len(lv) >= 2:
                if rv:
                    self.compare(MISSING, rv[0], t.item, child_path)
                self.removed.add(child_path)
            else:
                if lv:
                    self.compare(lv[0], MISSING, t.item, child_path)
                self.added.add(child_path)




def compare(lhs: Any, rhs: Any, t: TypeInfo) -> Comparison:
    """TypedValue.Compare: what changed from ``lhs`` to ``rhs``."""
    c = _Comparer()
    c.compare(lhs, rhs, t, ())
    return Comparison(FieldSet(c.added), FieldSet(c.modified), FieldSet(c.removed))




def _ordered(out: dict[str, Any], t: TypeInfo) -> dict[str, Any]:
    """Key order of a merged map as kube writes it: Go field order for built-in structs, else sorted."""
    if t.ordered and t.fields:
        fields = t.fields
        ordered = {k: out[k] for k in fields if k in out}
        for k in sorted(out):
            if k not in ordered:
                ordered[k] = out[k]
        return ordered
    return {k: out[k] for k in sorted(out)}


def merge(lhs: Any, rhs: Any, t: TypeInfo) -> Any:
    """TypedValue.Merge with ruleKeepRHS: ``rhs`` wins at leaves; maps, structs and associative lists merge."""
    return _merge(lhs, rhs, t, ())


def _merge(lhs: Any, rhs: Any, t: TypeInfo, path: Path) -> Any:
    atom = value_atom(t, lhs) if rhs is MISSING else value_atom(t, rhs)
    if atom == "scalar":
        return rhs if rhs is not MISSING else lhs
    if atom == "map":
        lm = lhs if isinstance(lhs, dict) else None
        rm = rhs if isinstance(rhs, dict) else None
        if t.map_atomic or (not lm and not rm):
            return rhs if rhs is not MISSING else lhs
        out: dict[str, Any] = {}
        deep = len(path) >= TUPLE_PATH_MAX
        for key in zip_keys(lm, rm):
            v = _merge(
                lm.get(key, MISSING) if lm else MISSING,
                rm.get(key, MISSING) if rm else MISSING,
                t.field(key),
                deep_child(path, field_pe(key)) if deep else (*path, field_pe(key)),
            )
            if v is not MISSING:
                out[key] = v
        return _ordered(out, t) if out else MISSING
    ll = lhs if isinstance(lhs, list) else None
    rl = rhs if isinstance(rhs, list) else None
    if t.list_type == "atomic" or (not ll and not rl):
        return rhs if rhs is not MISSING else lhs
    merged = _merge_list(ll or [], rl or [], t, path)
    return merged if merged else MISSING


def _merge_list(lhs: list[Any], rhs: list[Any], t: TypeInfo, path: Path) -> list[Any]:
    """mergingWalker.visitListItems: keeps the live order, places applied items where the config puts them."""
    assert t.item is not None
    rpes: list[PathElement] = []
    robs: dict[PathElement, Any] = {}
    for child in rhs:
        pe = list_item_pe(t, child)
        if pe in robs:
            raise TypedError(f"{path_string(path)}: duplicate entries for key {pe}")
        robs[pe] = child
        rpes.append(pe)
    lpes: list[PathElement] = []
    lobs: dict[PathElement, Any] = {}
    for child in lhs:
        pe = list_item_pe(t, child)
        lobs[pe] = None if pe in lobs else child  # a duplicated live key merges as null
        lpes.append(pe)
    shared = [pe for pe in rpes if pe in lobs]
    shared_i = 0
    next_shared = shared[0] if shared else None
    merged_rhs: set[PathElement] = set()
    out: list[Any] = []
    deep = len(path) >= TUPLE_PATH_MAX
    li = ri = 0
    while li < len(lpes) or ri < len(rpes):
        if li < len(lpes) and ri < len(rpes):
            pe = lpes[li]
            if pe == rpes[ri]:
                merged_rhs.add(pe)
                v = _merge(lobs[pe], robs[pe], t.item, deep_child(path, pe) if deep else (*path, pe))
                if v is not MISSING:
                    out.append(v)
                li += 1
                ri += 1
                shared_i += 1
                next_shared = shared[shared_i] if shared_i < len(shared) else None
                continue
            if pe in robs and next_shared is not None and next_shared != lpes[li]:
                li += 1
                continue
        if li < len(lpes):
            pe = lpes[li]
            if pe not in robs:
                v = _merge(lhs[li], MISSING, t.item, deep_child(path, pe) if deep else (*path, pe))
                if v is not MISSING:
                    out.append(v)
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rpes):
            pe = rpes[ri]
            merged_rhs.add(pe)
            v = _merge(lobs.get(pe, MISSING), robs[pe], t.item, deep_child(path, pe) if deep else (*path, pe))
            if v is not MISSING:
                out.append(v)
            ri += 1
            if next_shared is not None and next_shared == pe:
                shared_i += 1
                next_shared = shared[shared_i] if shared_i < len(shared) else None
    return out


def remove_items(v: Any, fs: FieldSet, t: TypeInfo) -> Any:
    """TypedValue.RemoveItems: drop every member path of ``fs`` from the value (emptied maps/lists stay)."""
    return _remove(v, field_tree(fs.paths), t)


def _remove(v: Any, node: FieldNode, t: TypeInfo) -> Any:
    atom = value_atom(t, v)
    if atom == "scalar":
        return v
    if atom == "list":
        if not isinstance(v, list) or not v or t.list_type == "atomic":
            return None
        assert t.item is not None
        items: list[Any] = []
        had = False
        for item in v:
            try:
                pe: PathElement | None = list_item_pe(t, item)
            except TypedError:
                pe = None
            if pe is not None and pe in node.members:
                continue
            sub = node.children.get(pe) if pe is not None else None
            if sub is not None:
                had = True
                was_map, was_list = isinstance(item, dict), isinstance(item, list)
                item = _remove(item, sub, t.item)
                if item is None:
                    item = {} if was_map else [] if was_list else None
            items.append(item)
        return items if items or had else None
    if not isinstance(v, dict) or not v or t.map_atomic:
        return None
    out: dict[str, Any] = {}
    had = False
    for key, val in v.items():
        pe = field_pe(key)
        if pe in node.members:
            continue
        sub = node.children.get(pe)
        if sub is not None:
            had = True
            was_map, was_list = isinstance(val, dict), isinstance(val, list)
            val = _remove(val, sub, t.field(key))
            if val is None:
                val = {} if was_map else [] if was_list else None
        out[key] = val
    return out if out or had else None


def ensure_named_fields_are_members(fs: FieldSet, t: TypeInfo) -> FieldSet:
    """Set.EnsureNamedFieldsAreMembers: a struct field with owned children is itself owned."""
    extra: set[Path] = set()
    deep: dict[Any, TypeInfo | None] | None = None
    deep_path = DeepPath  # a local: this loop runs for every path of every apply
    for p in fs.paths:
        if p.__class__ is deep_path:
            if deep is None:
                deep = {}
            _named_above(p.parent, t, extra, deep)  # type: ignore[union-attr]
            continue
        cur: TypeInfo | None = t
        for i, pe in enumerate(p[:-1]):
            if cur is None:
                break
            if pe.kind == PathElement.FIELD and cur.is_map:
                if cur.declares(pe.value):
                    extra.add(p[: i + 1])
                cur = cur.field(pe.value)
            elif pe.kind == PathElement.KEY and cur.list_type is not None:
                cur = cur.item
            else:
                cur = None
    return FieldSet(fs.paths | extra) if extra else fs


def _step(cur: TypeInfo | None, pe: PathElement, here: Path, extra: set[Path]) -> TypeInfo | None:
    """ensure_named_fields_are_members' walk, one element: the type below ``pe`` (``here`` ends with it)."""
    if cur is None:
        return None
    if pe.kind == PathElement.FIELD and cur.is_map:
        if cur.declares(pe.value):
            extra.add(here)
        return cur.field(pe.value)
    if pe.kind == PathElement.KEY and cur.list_type is not None:
        return cur.item
    return None


def _named_above(path: Path, t: TypeInfo, extra: set[Path], memo: dict[Any, TypeInfo | None]) -> None:
    """ensure_named_fields_are_members for every element of ``path`` (the parent of a DeepPath member), the
    types along each DeepPath chain remembered in ``memo`` so that each chain is walked once."""
    chain: list[DeepPath] = []
    q = path
    while q.__class__ is DeepPath and q not in memo:
        chain.append(q)  # type: ignore[arg-type]
        q = q.parent  # type: ignore[union-attr]
    if q in memo:
        cur = memo[q]
    else:  # the chain's tuple base
        cur = t
        for i, pe in enumerate(q):
            cur = _step(cur, pe, q[: i + 1], extra)
        memo[q] = cur
    for d in reversed(chain):
        cur = memo[d] = _step(cur, d.pe, d, extra)


# --- managed fields (k8s.io/apimachinery/pkg/util/managedfields/internal) ------------------------------


class VersionedSet:
    """fieldpath.VersionedSet: a manager's fields, at an API version, from Apply or Update."""

    __slots__ = ("api_version", "applied", "set")

    def __init__(self, fs: FieldSet, api_version: str, applied: bool) -> None:
        self.set = fs
        self.api_version = api_version
        self.applied = applied


Managed = dict[str, VersionedSet]
Times = dict[str, str | None]

MAX_UPDATE_MANAGERS = 10
BEFORE_FIRST_APPLY = "before-first-apply"
ANCIENT_CHANGES = "ancient-changes"


def _manager_id(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """BuildManagerIdentifier: the entry's JSON without time and fields (and without apiVersion for Apply)."""
    entry: dict[str, str] = {}
    if manager:
        entry["manager"] = manager
    if operation:
        entry["operation"] = operation
    if api_version and operation != "Apply":
        entry["apiVersion"] = api_version
    if subresource:
        entry["subresource"] = subresource
    return go_escape(deepjson.dumps(entry)).decode()


def decode_managed_fields(entries: Any) -> tuple[Managed, Times]:
    """DecodeManagedFields: ValueError for anything kube would refuse."""
    managed: Managed = {}
    times: Times = {}
    if entries is None:
        return managed, times
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"invalid managed fields entry {i}")
        operation = entry.get("operation") or ""
        if operation not in ("Apply", "Update"):
            raise ValueError("operation must be `Apply` or `Update`")
        api_version = entry.get("apiVersion") or ""
        if not api_version:
            raise ValueError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType") or ""
        if fields_type == "":
            raise ValueError(f"missing fieldsType in managed fields entry {i}")
        if fields_type != "FieldsV1":
            raise ValueError(f'invalid fieldsType "{fields_type}" in managed fields entry {i}')
        mid = _manager_id(entry.get("manager") or "", operation, api_version, entry.get("subresource") or "")
        raw = entry.get("fieldsV1")
        managed[mid] = VersionedSet(from_fields_v1(raw if raw is not None else {}), api_version, operation == "Apply")
        times[mid] = entry.get("time")
    return managed, times


def _seconds(time: Any) -> int:
    """The Unix seconds kube sorts entries by (no time: 0)."""
    if not isinstance(time, str) or not time:
        return 0
    return _parsed_seconds(time)


@functools.lru_cache(maxsize=4096)
def _parsed_seconds(time: str) -> int:
    """_seconds of a string (the same few times recur in every update of an object)."""
    try:
        return int(datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp() // 1)
    except ValueError:
        return 0


def encode_managed_fields(managed: Managed, times: Times) -> list[Obj]:
    """encodeManagedFields: one entry per manager, sorted by operation, time, manager, apiVersion, subresource."""
    entries: list[Obj] = []
    for mid, vs in managed.items():
        ident = deepjson.loads(mid)
        entry: Obj = {}
        if ident.get("manager"):
            entry["manager"] = ident["manager"]
        entry["operation"] = "Apply" if vs.applied else ident.get("operation") or "Update"
        if vs.api_version:
            entry["apiVersion"] = vs.api_version
        if times.get(mid):
            entry["time"] = times[mid]
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = to_fields_v1(vs.set)
        if ident.get("subresource"):
            entry["subresource"] = ident["subresource"]
        entries.append(entry)
    if len(entries) > 1:  # _seconds parses a time: ~1.5% of a create's CPU for a sort of one entry
        entries.sort(
            key=lambda e: (
                e["operation"],
                _seconds(e.get("time")),
                e.get("manager", ""),
                e.get("apiVersion", ""),
                e.get("subresource", ""),
            )
        )
    return entries


def fields_too_deep(fields: Any) -> bool:
    """Whether kube could not write these FieldsV1 (a set as deep as the custom resource it tracks, one level
    more: past the decoder's limit, converting it to the unstructured object fails and kube's UpdateNoErrors
    drops all managed fields). orjson writes any set up to 254 levels: only deeper ones are measured."""
    if depth.MAX_DEPTH < 254:
        return False
    try:
        orjson.dumps(fields)
    except orjson.JSONEncodeError:
        return deepjson.deeper_than(fields, depth.MAX_DEPTH)
    return False


def _set_managed(obj: Obj, managed: Managed, times: Times) -> None:
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        return
    entries = encode_managed_fields(managed, times)
    if any(fields_too_deep(e["fieldsV1"]) for e in entries):
        entries = []
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)


def _without_managed(obj: Obj) -> Obj:
    """A shallow copy of the object without metadata.managedFields (RemoveObjectManagedFields)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    out = dict(obj)
    out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return out


def _is_reset(entries: Any) -> bool:
    """isResetManagedFields: ``[]`` or ``[{}]`` in a request clears managed fields."""
    if not isinstance(entries, list):
        return False
    if not entries:
        return True
    return len(entries) == 1 and isinstance(entries[0], dict) and all(v in (None, "") for v in entries[0].values())


def reset_field_set(paths: Iterable[str]) -> FieldSet:
    """A strategy's reset fields (``"status"``, ``"metadata.deletionTimestamp"``) as a set (remembered)."""
    key = tuple(paths)
    fs = _RESET.get(key)
    if fs is None:
        fs = _RESET[key] = FieldSet(tuple(field_pe(p) for p in dotted.split(".")) for dotted in key)
    return fs


_RESET: dict[tuple[str, ...], FieldSet] = {}


#: the live/new objects of a write in another apiVersion of the same resource, with that version's type; None
#: when that version cannot be converted to (kube's versionconverter: a missing version, whose managers go)
Converter = Callable[[Obj, str], tuple[Obj, TypeInfo] | None]


def _updater_update(
    live: Obj,
    new: Obj,
    version: str,
    managed: Managed,
    workflow: str,
    force: bool,
    t: TypeInfo,
    ignore: FieldSet | None,
    convert: Converter | None = None,
) -> Comparison:
    """merge.Updater.update: other managers lose what this change overwrote (conflicts unless forced) or removed.

    With a converter, a manager of another API version is checked against the change as that version sees it
    (both objects converted), and one whose version cannot be converted to is dropped, as kube does. Without
    one, every manager is checked on the same objects.
    """
    cmp = compare(live, new, t).filtered(ignore)
    by_version: dict[str, Comparison | None] = {version: cmp}

    def comparison(api_version: str) -> Comparison | None:
        if convert is None or not api_version:
            return cmp
        if api_version not in by_version:
            old_view, new_view = convert(live, api_version), convert(new, api_version)
            found = None
            if old_view is not None and new_view is not None:
                found = compare(old_view[0], new_view[0], new_view[1]).filtered(ignore)
            by_version[api_version] = found
        return by_version[api_version]

    seen: dict[str, Comparison] = {}
    conflicts: dict[str, FieldSet] = {}
    for mid, vs in list(managed.items()):
        if mid == workflow:
            continue
        found = comparison(vs.api_version)
        if found is None:
            del managed[mid]
            continue
        seen[mid] = found
        clash = vs.set & (found.modified | found.added)
        if clash:
            conflicts[mid] = clash
    if conflicts and not force:
        raise ApplyConflict.from_managers(conflicts, managed)
    for mid, vs in list(managed.items()):
        if mid == workflow:
            continue
        remaining = vs.set - conflicts.get(mid, FieldSet()) - seen[mid].removed
        if remaining:
            managed[mid] = VersionedSet(remaining, vs.api_version, vs.applied)
        else:
            del managed[mid]
    return cmp


def _strip(managed: Managed, mid: str) -> None:
    vs = managed.get(mid)
    if vs is None:
        return
    remaining = vs.set - STRIPPED
    if remaining:
        managed[mid] = VersionedSet(remaining, vs.api_version, vs.applied)
    else:
        del managed[mid]


def _cap_update_managers(managed: Managed, times: Times) -> None:
    """capManagersManager: merge the oldest Update entries into ancient-changes buckets, at most 10 remain."""
    updaters = [mid for mid, vs in managed.items() if not vs.applied]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda mid: (_seconds(times.get(mid)), mid))
    first_of_version: dict[str, str] = {}
    length = len(updaters)
    for mid in updaters:
        if length <= MAX_UPDATE_MANAGERS:
            break
        vs = managed[mid]
        bucket = _manager_id(ANCIENT_CHANGES, "Update", vs.api_version, "")
        first = first_of_version.get(vs.api_version)
        if first is None:
            first_of_version[vs.api_version] = mid
            continue
        if bucket not in managed:
            managed[bucket] = managed.pop(first)
        managed[bucket] = VersionedSet(vs.set | managed[bucket].set, vs.api_version, vs.applied)
        del managed[mid]
        length -= 1
        times[bucket] = times.get(mid)


def _update_chain(
    live: Obj,
    new: Obj,
    managed: Managed,
    times: Times,
    manager: str,
    api_version: str,
    now: str,
    t: TypeInfo,
    subresource: str,
    ignore: FieldSet | None,
    convert: Converter | None = None,
) -> None:
    """CapManagers → BuildManagerInfo → ManagedFieldsUpdater → StripMeta → structured Update."""
    mid = _manager_id(manager or "unknown", "Update", api_version, subresource)
    current = "current-operation"
    cmp = _updater_update(live, new, api_version, managed, current, True, t, ignore, convert)
    previous = managed.get(current)
    fs = (previous.set if previous else FieldSet()) - cmp.removed | cmp.modified | cmp.added
    if ignore:
        fs = fs.recursive_difference(ignore)
    if fs:
        managed[current] = VersionedSet(fs, api_version, False)
    else:
        managed.pop(current, None)
    _strip(managed, current)
    vs = managed.pop(current, None)
    if vs is not None:
        before = managed.get(mid)
        if before is not None:
            vs = VersionedSet(vs.set | before.set, vs.api_version, vs.applied)
        managed[mid] = vs
        times[mid] = now
    _cap_update_managers(managed, times)


# a client sends the same User-Agent with every request: 1.2 -> 0.3 us (bench/session13_changes)
@functools.lru_cache(maxsize=512)
def manager_from_user_agent(ua: str) -> str:
    """kube's prefixFromUserAgent: the User-Agent up to its first ``/``, printable characters, ≤128 bytes."""
    out: list[str] = []
    size = 0
    for ch in ua.split("/", 1)[0]:
        if not ch.isprintable():
            continue
        n = len(ch.encode("utf-8", "surrogatepass"))
        if size + n > 128:
            break
        out.append(ch)
        size += n
    return "".join(out)


def update_managed_fields(
    old: Obj | None,
    new: Obj,
    manager: str,
    api_version: str,
    now: str,
    t: TypeInfo,
    subresource: str = "",
    *,
    reset_fields: FieldSet | None = None,
    convert: Converter | None = None,
) -> None:
    """Record on ``new`` who owns what after an Update (create, PUT, non-apply PATCH), as FieldManager.Update.

    ``old`` is the live object (None for a create). The managed state comes from the request's
    metadata.managedFields when it sends a valid non-empty list (``[]`` or ``[{}]`` clears it; ignored for
    subresources), else from ``old``. An existing object with no managed fields stays untracked (kube's
    skip-non-applied). ``reset_fields`` are the strategy's reset fields, never owned. If the object does not
    fit the type, managed fields are dropped, as kube's UpdateNoErrors does.
    """
    meta = new.get("metadata")
    requested = meta.get("managedFields") if isinstance(meta, dict) else None
    live_meta = (old or {}).get("metadata") or {}
    managed: Managed
    times: Times
    try:
        live_managed = decode_managed_fields(live_meta.get("managedFields"))
    except ValueError:
        live_managed = ({}, {})
    if subresource:
        managed, times = live_managed
    elif _is_reset(requested):
        managed, times = {}, {}
    else:
        try:
            managed, times = decode_managed_fields(requested)
        except ValueError:
            managed, times = {}, {}
        if not managed:
            managed, times = live_managed
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    if not managed and old is not None and live_meta.get("uid"):
        return  # an untracked object stays untracked until someone applies
    if old is None and not managed and not subresource:
        _set_created(new, manager, api_version, now, t, reset_fields)
        return
    # compare() only reads ``live``; a converter may change what it is given
    live = _without_managed(old) if old is not None else t.empty_object(shared=convert is None)
    try:
        _update_chain(live, new, managed, times, manager, api_version, now, t, subresource, reset_fields, convert)
    except TypedError:
        return  # kube logs "[SHOULD NOT HAPPEN] failed to update managedFields" and drops them
    _set_managed(new, managed, times)


def _set_created(new: Obj, manager: str, api_version: str, now: str, t: TypeInfo, reset: FieldSet | None) -> None:
    """A create with no managed fields given: one Update entry, its FieldsV1 from one walk (``_Owned``)."""
    try:
        fields = created_fields_v1(new, t.empty_object(shared=True), t, reset)
    except TypedError:
        return
    meta = new.setdefault("metadata", {})
    if not fields or not isinstance(meta, dict) or fields_too_deep(fields):
        return
    entry: Obj = {"manager": manager or "unknown", "operation": "Update"}
    if api_version:
        entry["apiVersion"] = api_version
    if now:
        entry["time"] = now
    entry["fieldsType"] = "FieldsV1"
    entry["fieldsV1"] = fields
    meta["managedFields"] = [entry]


# --- apply ---------------------------------------------------------------------------------------------


class ApplyConflict(errors.StatusError):
    """409: applied values differ from values another manager owns (internal/conflict.go's NewConflictError)."""

    def __init__(self, conflicts: list[tuple[str, str, str]], subresources: list[str] | None = None) -> None:
        """``conflicts``: (manager, apiVersion, path), apiVersion "" for an Apply manager (never printed)."""
        self.conflicts = [tuple(c) for c in conflicts]
        subs = subresources or [""] * len(conflicts)
        shown = [_print_manager(m, v, s) for (m, v, _), s in zip(conflicts, subs, strict=True)]
        causes = [
            {"reason": "FieldManagerConflict", "message": f"conflict with {who}", "field": path}
            for who, (_, _, path) in zip(shown, conflicts, strict=True)
        ]
        super().__init__(409, "Conflict", _conflict_message(conflicts, subs, shown), {"causes": causes})

    @classmethod
    def from_managers(cls, conflicts: dict[str, FieldSet], managed: Managed) -> ApplyConflict:
        """merge.ConflictsFromManagers, in manager-identifier order, paths in set order."""
        rows: list[tuple[str, str, str]] = []
        subs: list[str] = []
        for mid in sorted(conflicts):
            ident = deepjson.loads(mid)
            version = managed[mid].api_version if ident.get("operation") == "Update" else ""
            for p in conflicts[mid]:
                rows.append((ident.get("manager", ""), version, path_string(p)))
                subs.append(ident.get("subresource", ""))
        return cls(rows, subs)


def _print_manager(manager: str, api_version: str, subresource: str) -> str:
    out = go_quote(manager)
    if subresource:
        out += f" with subresource {go_quote(subresource)}"
    if api_version:
        out += f" using {api_version}"
    return out


def _conflict_message(conflicts: list[tuple[str, str, str]], subs: list[str], shown: list[str]) -> str:
    if len(conflicts) == 1:
        return f"Apply failed with 1 conflict: conflict with {shown[0]}: {conflicts[0][2]}"
    by_manager: dict[str, tuple[str, list[str]]] = {}
    for (manager, version, path), sub, who in zip(conflicts, subs, shown, strict=True):
        mid = _manager_id(manager, "Update" if version else "Apply", version, sub)
        by_manager.setdefault(mid, (who, []))[1].append(path)
    lines: list[str] = []
    for mid in sorted(by_manager):
        who, paths = by_manager[mid]
        lines.append(f"conflicts with {who}:")
        lines.extend(f"- {p}" for p in paths)
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def _gvk(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    return f"{group}/{version}, Kind={kind}"


def _prune(merged: Obj, managed: Managed, last: FieldSet | None, t: TypeInfo) -> Obj:
    """Updater.prune: drop what the manager applied last time and no longer applies, unless someone owns it."""
    if not last:
        return merged
    last_e = ensure_named_fields_are_members(last, t)
    pruned = remove_items(merged, last_e, t)
    # addBackOwnedItems
    owned = FieldSet()
    for vs in managed.values():
        owned |= vs.set
    merged_set = ensure_named_fields_are_members(fieldset(merged, t), t)
    pruned_set = ensure_named_fields_are_members(fieldset(pruned, t), t)
    owned = ensure_named_fields_are_members(owned, t)
    pruned = remove_items(merged, merged_set - (pruned_set | owned), t)
    # addBackDanglingItems
    pruned_set = ensure_named_fields_are_members(fieldset(pruned, t), t)
    return remove_items(merged, (merged_set - pruned_set) & last_e, t)


def apply(
    live: Obj | None,
    applied: Obj,
    manager: str,
    api_version: str,
    now: str,
    t: TypeInfo,
    force: bool,
    *,
    kind: str | None = None,
    subresource: str = "",
    reset_fields: FieldSet | None = None,
    convert: Converter | None = None,
) -> Obj:
    """Server-side apply (FieldManager.Apply): the new object, with ``manager``'s Apply entry recorded.

    ``live`` is the current object (None to create). The applied configuration is merged in (scalars and
    atomic values replaced, structs and maps key by key, associative lists item by item), fields this
    manager applied before and no longer applies are removed unless another manager owns them, and the
    managers whose values change lose those fields — or, without ``force``, :class:`ApplyConflict` is raised.
    The result is the merged JSON; as in kube, the caller then decodes it into its type and defaults it.
    Raises StatusError 400 for a wrong kind/version or metadata.managedFields in the configuration, 500
    (reason Unknown) when the object does not fit the type or the live managed fields are corrupt.
    """
    applied = copy_value(applied)
    applied_version = applied.get("apiVersion") or ""
    live_obj = copy_value(live) if live is not None else None
    try:
        managed, times = decode_managed_fields(((live_obj or {}).get("metadata") or {}).get("managedFields"))
    except ValueError as exc:
        raise errors.StatusError(500, "", f"failed to decode managed fields: {exc}") from None
    if kind is not None and (applied_version != api_version or applied.get("kind") != kind):
        raise errors.bad_request(f"invalid object type: {_gvk(applied_version, applied.get('kind') or '')}")
    if live_obj is None:
        live_obj = t.empty_object()
        for key in ("apiVersion", "kind"):
            if key in applied:
                live_obj[key] = applied[key]
    live_obj = _without_managed(live_obj)
    try:
        if not managed:  # skipNonApplied: existing fields belong to before-first-apply
            empty = t.empty_object()
            _update_chain(empty, live_obj, managed, times, BEFORE_FIRST_APPLY, api_version, now, t, subresource,
                          reset_fields, convert)  # fmt: skip
        aid = _manager_id(manager or "unknown", "Apply", api_version, subresource)
        if applied_version != api_version:
            raise errors.bad_request(
                "Incorrect version specified in apply patch. "
                f"Specified patch version: {applied_version}, expected: {api_version}"
            )
        if isinstance((applied.get("metadata") or {}).get("managedFields"), list):
            raise errors.bad_request("metadata.managedFields must be nil")
        try:
            merged = merge(live_obj, applied, t)
            applied_set = fieldset(applied, t)
        except TypedError as exc:
            meta = applied.get("metadata") or {}
            where = (
                f"{meta.get('namespace', '')}/{meta.get('name', '')}; {_gvk(applied_version, applied.get('kind', ''))}"
            )
            raise errors.StatusError(500, "", f"failed to create typed patch object ({where}): {exc}") from None
        if merged is MISSING or not isinstance(merged, dict):
            merged = {}
        last = managed.get(aid)
        if reset_fields:
            applied_set = applied_set.recursive_difference(reset_fields)
        managed[aid] = VersionedSet(applied_set, api_version, True)
        merged = _prune(merged, managed, last.set if last else None, t)
        _updater_update(live_obj, merged, api_version, managed, aid, force, t, reset_fields, convert)
    except TypedError as exc:
        raise errors.StatusError(500, "", f"failed to update ManagedFields: {exc}") from None
    _strip(managed, aid)
    if value_equal(live_obj, merged):
        result = live_obj
    else:
        result = merged
        times[aid] = now
    _set_managed(result, managed, times)
    return result
