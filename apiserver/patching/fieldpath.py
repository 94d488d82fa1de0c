"""Field paths and sets (sigs.k8s.io/structured-merge-diff fieldpath): path elements, FieldSet, and the
FieldsV1 JSON of managedFields, with the Go value semantics they compare keys and values by."""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from aiokube.apiserver.golang import go_float, go_json, go_quote
from aiokube.encoding import deepjson

# --- values -------------------------------------------------------------------------------------------


class _Missing:
    """An absent value (Go's nil ``value.Value``), as opposed to JSON null (``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _vkey(v: Any) -> tuple[Any, ...]:
    """A sort key giving value.Compare's total order: numbers < strings < bools < lists < maps < null."""
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, int | float):
        return (0, v)
    if isinstance(v, str):
        return (2, v)
    if isinstance(v, list):
        return (4, tuple(_vkey(x) for x in v))
    if isinstance(v, dict):
        return (5, tuple((k, _vkey(v[k])) for k in sorted(v)))
    return (6,)


_PLAIN = (str, int, float, bool, type(None))


def value_equal(a: Any, b: Any) -> bool:
    """value.Equals: ints and floats compare numerically, bools are not numbers.

    Python's ``==`` (C, whole trees) differs only in taking ``True == 1``: when it says unequal, so does
    value.Equals, and when it says equal, the same classes or the same JSON settle it (a 5,000-address
    atomic list was 28% of an Endpoints update walked item by item)."""
    if a != b:
        return False
    if a.__class__ is b.__class__ and a.__class__ in _PLAIN:
        return True
    try:
        if deepjson.dumps(a, option=orjson.OPT_SORT_KEYS) == deepjson.dumps(b, option=orjson.OPT_SORT_KEYS):
            return True
    except TypeError:  # not JSON (MISSING)
        pass
    return _value_equal(a, b)


def _value_equal(a: Any, b: Any) -> bool:
    """value_equal, item by item."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) or isinstance(b, int | float):
        return isinstance(a, int | float) and isinstance(b, int | float) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_value_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and _value_equal(v, b[k]) for k, v in a.items())
    return a is None and b is None


def _to_string(v: Any) -> str:
    """value.ToString, used in path strings (conflict messages): floats with fmt's %v."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, list):
        return "[" + ",".join(_to_string(x) for x in v) + "]"
    if isinstance(v, dict):
        return "".join(f"{k}={_to_string(v[k])}" for k in sorted(v))
    return "{{undefined}}"


# --- paths and field sets ------------------------------------------------------------------------------


def _unvkey(k: tuple[Any, ...]) -> Any:
    """The value a :func:`_vkey` sort key was made of."""
    tag = k[0]
    if tag in (0, 2, 3):
        return k[1]
    if tag == 4:
        return [_unvkey(x) for x in k[1]]
    if tag == 5:
        return {name: _unvkey(x) for name, x in k[1]}
    return None


class PathElement(tuple):
    """One step of a field path: a struct/map field, a list key, a set value or an index.

    A ``(kind, sort key)`` tuple, so hashing, equality and ordering (fieldpath.PathElement.Compare: fields <
    keys < values < indexes, then by content) run in C: field sets hash every path element of every path,
    and a Python ``__hash__`` was 9-12% of a pod create's CPU.
    """

    __slots__ = ()
    FIELD, KEY, VALUE, INDEX = 0, 1, 2, 3

    def __new__(cls, kind: int, value: Any) -> PathElement:
        if kind == cls.KEY:
            sort: Any = tuple((n, _vkey(v)) for n, v in value)
        elif kind == cls.VALUE:
            sort = _vkey(value)
        else:
            sort = value
        return tuple.__new__(cls, (kind, sort))

    @property
    def kind(self) -> int:
        return self[0]

    @property
    def value(self) -> Any:
        """field name | ((name, value), ...) sorted by name | JSON value | int"""
        kind, sort = self
        if kind == self.KEY:
            return tuple((n, _unvkey(k)) for n, k in sort)
        if kind == self.VALUE:
            return _unvkey(sort)
        return sort

    def __repr__(self) -> str:
        return f"PathElement({self.serialize()})"

    def serialize(self) -> str:
        """The FieldsV1 key: ``f:name``, ``k:{"name":"c"}``, ``v:"x"``, ``i:0``."""
        if self[0] == 0:
            return "f:" + self[1]
        if self.kind == self.KEY:
            return "k:{" + ",".join(go_json(n) + ":" + go_json(v) for n, v in self.value) + "}"
        if self.kind == self.VALUE:
            return "v:" + go_json(self.value)
        return f"i:{self.value}"

    def __str__(self) -> str:
        """fieldpath.PathElement.String: ``.name``, ``[name="c"]``, ``[="x"]``, ``[0]``."""
        if self.kind == self.FIELD:
            return "." + self.value
        if self.kind == self.KEY:
            return "[" + ",".join(f"{n}={_to_string(v)}" for n, v in self.value) + "]"
        if self.kind == self.VALUE:
            return f"[={_to_string(self.value)}]"
        return f"[{self.value}]"


_FIELDS: dict[str, PathElement] = {}


def field_pe(name: str) -> PathElement:
    pe = _FIELDS.get(name)
    if pe is None:
        if len(_FIELDS) >= _FIELDS_BOUND:  # names come from clients (a ConfigMap's keys): kept bounded
            _FIELDS.clear()
        pe = _FIELDS[name] = PathElement(PathElement.FIELD, name)
    return pe


_FIELDS_BOUND = 1 << 16


def key_pe(fields: Iterable[tuple[str, Any]]) -> PathElement:
    ordered = tuple(sorted(fields, key=lambda f: f[0]))
    try:
        pe = _KEYS.get(ordered)
    except TypeError:  # a key field holding a list or map
        return PathElement(PathElement.KEY, ordered)
    if pe is None:
        if len(_KEYS) >= 8192:
            _KEYS.clear()
        pe = _KEYS[ordered] = PathElement(PathElement.KEY, ordered)
    return pe


#: list-item keys seen recently (containers, env vars and ports repeat across objects); bounded
_KEYS: dict[tuple[tuple[str, Any], ...], PathElement] = {}


def value_pe(value: Any) -> PathElement:
    return PathElement(PathElement.VALUE, value)


def index_pe(index: int) -> PathElement:
    return PathElement(PathElement.INDEX, index)


#: paths up to this long are tuples; longer ones are :class:`DeepPath` chains (see there)
TUPLE_PATH_MAX = 32


class DeepPath:
    """A path longer than :data:`TUPLE_PATH_MAX`: its parent path and last element, interned.

    A set of tuple paths through a value N levels deep holds N paths of up to N elements: O(N^2) elements
    built, hashed, compared and held (a 10,000-deep custom resource's update took ~12 s and gigabytes). Past
    :data:`TUPLE_PATH_MAX`, a path is a link to its parent path, and equal paths are the same object (interned,
    weakly: one lives as long as a set holds it or one of its children), so they hash and compare by identity,
    in C, in O(1). Every path of a given length has one form (:func:`extend_path`), so sets mix both forms
    safely. Interned under a lock taken on a miss only: a heavy write computes its managed fields in the CPU
    thread (registry/turns.py) while the loop computes others'.
    Tuple operations (``len``, indexing, slicing, iteration) work, the long ones in O(length); the walks of
    whole sets (FieldsV1, trees, named-field membership) go up each chain once (:func:`node_for`)."""

    __slots__ = ("__weakref__", "base", "n", "parent", "pe")

    def __init__(self, parent: Path, pe: PathElement) -> None:
        self.parent = parent
        self.pe = pe
        self.n = len(parent) + 1
        #: the first TUPLE_PATH_MAX elements, a tuple shared by the whole chain
        self.base: tuple[PathElement, ...] = parent if parent.__class__ is tuple else parent.base  # type: ignore[union-attr,assignment]

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[PathElement]:
        return iter(self.elements())

    def elements(self) -> tuple[PathElement, ...]:
        """The path as one tuple (O(length))."""
        tail: list[PathElement] = []
        q: Path = self
        while q.__class__ is DeepPath:
            tail.append(q.pe)  # type: ignore[union-attr]
            q = q.parent  # type: ignore[union-attr]
        tail.reverse()
        return (*q, *tail)

    def prefix(self, n: int) -> Path:
        """``path[:n]`` in its canonical form (a tuple up to TUPLE_PATH_MAX)."""
        if n <= len(self.base):
            return self.base[:n]
        q: Path = self
        while len(q) > n:
            q = q.parent  # type: ignore[union-attr]
        return q

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            if i.step is None and (i.start is None or i.start == 0) and i.stop is not None:
                stop = i.stop if i.stop >= 0 else self.n + i.stop
                return self.prefix(max(stop, 0))
            return self.elements()[i]
        if i == -1 or i == self.n - 1:
            return self.pe
        if 0 <= i < len(self.base):
            return self.base[i]
        return self.elements()[i]

    def __repr__(self) -> str:
        return f"DeepPath({path_string(self)})"


_DEEP: weakref.WeakValueDictionary[tuple[Any, PathElement], DeepPath] = weakref.WeakValueDictionary()
_DEEP_LOCK = threading.Lock()


def deep_child(parent: Path, pe: PathElement) -> DeepPath:
    """The interned DeepPath ``parent`` + ``pe`` (``parent`` at least TUPLE_PATH_MAX long)."""
    key = (parent, pe)
    found = _DEEP.get(key)
    if found is None:
        with _DEEP_LOCK:  # two threads making the same path would make two objects of one path
            found = _DEEP.get(key)
            if found is None:
                found = _DEEP[key] = DeepPath(parent, pe)
    return found


def extend_path(parent: Path, pe: PathElement) -> Path:
    """``(*parent, pe)`` in its canonical form. Hot walks inline the test: ``(*path, pe) if len(path) <
    TUPLE_PATH_MAX else deep_child(path, pe)``."""
    return (*parent, pe) if len(parent) < TUPLE_PATH_MAX else deep_child(parent, pe)


Path = tuple[PathElement, ...] | DeepPath


def path_string(path: Path) -> str:
    """fieldpath.Path.String, e.g. ``.spec.containers[name="c"].image``."""
    return "".join(str(pe) for pe in path)


class FieldNode:
    """A node of fieldpath.Set's tree: member path elements and child sets."""

    __slots__ = ("children", "members")

    def __init__(self) -> None:
        self.members: set[PathElement] = set()
        self.children: dict[PathElement, FieldNode] = {}


def field_tree(paths: Iterable[Path]) -> FieldNode:
    root = FieldNode()
    deep: dict[DeepPath, FieldNode] | None = None
    deep_path = DeepPath  # a local: this loop runs for every path of every apply
    for p in paths:
        if p.__class__ is deep_path:
            if deep is None:
                deep = {}
            node_for(root, p.parent, deep).members.add(p.pe)  # type: ignore[union-attr]
            continue
        node = root
        for pe in p[:-1]:
            child = node.children.get(pe)
            if child is None:
                child = node.children[pe] = FieldNode()
            node = child
        node.members.add(p[-1])
    return root


def node_for(root: FieldNode, path: Path, memo: dict[DeepPath, FieldNode]) -> FieldNode:
    """The node of ``root``'s tree at ``path``, made if missing; the nodes of a DeepPath chain are remembered in
    ``memo``, so a set's chains are each walked once (not once per path: O(depth^2))."""
    chain: list[DeepPath] = []
    q = path
    while q.__class__ is DeepPath:
        found = memo.get(q)  # type: ignore[arg-type]
        if found is not None:
            node = found
            break
        chain.append(q)  # type: ignore[arg-type]
        q = q.parent  # type: ignore[union-attr]
    else:
        node = root
        for pe in q:
            sub = node.children.get(pe)
            if sub is None:
                sub = node.children[pe] = FieldNode()
            node = sub
    for d in reversed(chain):
        sub = node.children.get(d.pe)
        if sub is None:
            sub = node.children[d.pe] = FieldNode()
        node = memo[d] = sub
    return node


def _tree_fields_v1(root: FieldNode) -> dict[str, Any]:
    """FieldsV1 of a tree, each level in PathElement order, ``"."`` first for a member with children (what
    :func:`_to_fields_v1` writes from sorted tuples), without recursion: trees of DeepPaths are that deep."""
    out: dict[str, Any] = {}
    stack = [(root, out)]
    while stack:
        node, d = stack.pop()
        for pe in sorted(node.members | node.children.keys()):
            sub = node.children.get(pe)
            if sub is None:
                d[serialized(pe)] = {}
                continue
            e = d[serialized(pe)] = {".": {}} if pe in node.members else {}
            stack.append((sub, e))
    return out


_ROOT: frozenset[Path] = frozenset([()])


class FieldSet:
    """An immutable fieldpath.Set, held as the set of its member paths."""

    __slots__ = ("_heads", "paths")

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        #: recursive_difference's view of this set as a cut: its top-level elements when all its paths
        #: have one element, () otherwise (None: not computed yet)
        self._heads: frozenset[PathElement] | tuple[()] | None = None
        fs = paths if isinstance(paths, frozenset) else frozenset(paths)
        self.paths: frozenset[Path] = fs - _ROOT if () in fs else fs

    def __or__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.paths | other.paths)

    def __and__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.paths & other.paths)

    def __sub__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.paths - other.paths)

    def __bool__(self) -> bool:
        return bool(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __contains__(self, path: object) -> bool:
        return path in self.paths

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and self.paths == other.paths

    def __hash__(self) -> int:
        return hash(self.paths)

    def __repr__(self) -> str:
        return "FieldSet(" + ", ".join(path_string(p) for p in self) + ")"

    def __iter__(self) -> Iterator[Path]:
        """Set.Iterate's order: at each level the members, sorted, then the children, sorted."""

        def walk(node: FieldNode, prefix: Path) -> Iterator[Path]:
            for pe in sorted(node.members):
                yield (*prefix, pe)
            for pe in sorted(node.children):
                yield from walk(node.children[pe], (*prefix, pe))

        return walk(field_tree(self.paths), ())

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Set.RecursiveDifference: also drops everything below a member of ``other``."""
        if not other:
            return self
        cut = other.paths
        heads = other._heads
        if heads is None:
            heads = other._heads = frozenset(p[0] for p in cut) if max(len(p) for p in cut) == 1 else ()
        if heads:  # strategies' reset fields are mostly top-level ("status", "spec")
            kept = [p for p in self.paths if p[0] not in heads]
            return self if len(kept) == len(self.paths) else FieldSet(frozenset(kept))
        depth = max(len(p) for p in cut)
        return FieldSet(p for p in self.paths if not any(p[:i] in cut for i in range(1, min(len(p), depth) + 1)))

    def strings(self) -> list[str]:
        return [path_string(p) for p in self]


class _Memo:
    """A bounded memo of field-set conversions, keyed by content. The same sets recur: an update parses the
    live object's fieldsV1 and the identical copy the client sent back, and every pod a client creates has the
    same paths. Bounded by path elements held (a 5,000-key ConfigMap's set is ~15,000), emptied when full."""

    def __init__(self, max_paths: int = 1_000_000) -> None:
        self.entries: dict[Any, tuple[Any, int]] = {}
        self.paths = 0
        self.max_paths = max_paths

    def get(self, key: Any) -> Any:
        hit = self.entries.get(key)
        return None if hit is None else hit[0]

    def put(self, key: Any, value: Any, size: int) -> None:
        if self.paths + size > self.max_paths:
            self.entries.clear()
            self.paths = 0
        if size <= self.max_paths:
            self.entries[key] = (value, size)
            self.paths += size


def _weight(fs: FieldSet) -> int:
    """What a set holds: its paths' elements (a 10,000-deep value's set is 10,000 paths of 5,000 on average:
    counted as paths, the memo would keep gigabytes of them)."""
    return sum(map(len, fs.paths))


_TO_FIELDS = _Memo()
_FROM_JSON = _Memo()


def to_fields_v1(fs: FieldSet) -> dict[str, Any]:
    """kube's FieldsV1 JSON of a set (Set.ToJSON): sorted keys, ``"."`` for a member that also has children.
    Shared and read-only, like every fieldsV1 of a stored object (nothing changes one in place): a fresh copy
    per call was a decode of it, 8-22 us of a pod's update or patch."""
    fields = _TO_FIELDS.get(fs)
    if fields is None:
        fields = _to_fields_v1(fs)
        if any(p.__class__ is DeepPath for p in fs.paths):
            return fields  # a deep value's set: too big to remember
        _TO_FIELDS.put(fs, fields, _weight(fs))
    return fields


def _to_fields_v1(fs: FieldSet) -> dict[str, Any]:
    """to_fields_v1, computed.

    Paths sorted as tuples put a member before its children and each level in PathElement order, so one pass
    over the sorted paths builds the nested objects in kube's key order (a tree of nodes sorted level by
    level took 3x as long for a Pod's 60 paths)."""
    try:
        ordered = sorted(fs.paths)
    except TypeError:  # DeepPaths have no order (only identity): the tree, each level sorted
        return _tree_fields_v1(field_tree(fs.paths))
    root: dict[str, Any] = {}
    for p in ordered:
        node = root
        for pe in p[:-1]:
            key = serialized(pe)
            child = node.get(key)
            if child is None:
                child = node[key] = {}  # a node that is not a member itself: it only has children
            elif not child:
                child["."] = {}  # a member (inserted as a leaf before its children) that has children
            node = child
        node[serialized(p[-1])] = {}
    return root


_SERIALIZED: dict[PathElement, str] = {}


def serialized(pe: PathElement) -> str:
    """PathElement.serialize, remembered (bounded): keys are Go-JSON encoded, and the same ones recur."""
    if pe[0] == PathElement.FIELD:
        return "f:" + pe[1]
    text = _SERIALIZED.get(pe)
    if text is None:
        if len(_SERIALIZED) >= 8192:
            _SERIALIZED.clear()
        text = _SERIALIZED[pe] = pe.serialize()
    return text


def parse_path_element(text: str) -> PathElement | None:
    """fieldpath.DeserializePathElement; None for an unknown element type (skipped, as kube does)."""
    if len(text) < 2:
        raise ValueError("key must be 2 characters long:")
    if text[1] != ":":
        raise ValueError(f"missing colon: {text}")
    kind, rest = text[0], text[2:]
    if kind == "f":
        return field_pe(rest)
    if kind == "v":
        return value_pe(deepjson.loads(rest))
    if kind == "k":
        fields = deepjson.loads(rest)
        if not isinstance(fields, dict):
            raise ValueError(f"expected an object in {text}")
        return key_pe(fields.items())
    if kind == "i":
        if not re.fullmatch(r"[+-]?[0-9]+", rest):
            raise ValueError(f'strconv.Atoi: parsing "{rest}": invalid syntax')
        return index_pe(int(rest))
    return None


def from_fields_v1(d: Mapping[str, Any]) -> FieldSet:
    """The set a FieldsV1 JSON object describes (Set.FromJSON): an empty object or ``"."`` marks a member."""
    try:
        key = orjson.dumps(d)
    except TypeError:  # not JSON, or deeper than orjson writes (JSONEncodeError): too big to remember anyway
        return _from_fields_v1(d)
    fs = _FROM_JSON.get(key)
    if fs is None:
        fs = _from_fields_v1(d)
        _FROM_JSON.put(key, fs, _weight(fs))
    return fs


def _from_fields_v1(d: Mapping[str, Any]) -> FieldSet:
    """from_fields_v1, computed."""
    out: list[Path] = []

    def read(obj: Any, prefix: Path) -> bool:
        if not isinstance(obj, Mapping):
            raise ValueError(f"expected an object at {path_string(prefix) or '.'}")
        has_children = False
        is_member = False
        for key, value in obj.items():
            if key == ".":
                is_member = True
                continue
            pe = parse_path_element(key)
            if pe is None:
                continue
            has_children = True
            path = (*prefix, pe) if len(prefix) < TUPLE_PATH_MAX else deep_child(prefix, pe)
            if read(value, path):
                out.append(path)
        return is_member or not has_children

    read(d, ())
    return FieldSet(out)
