"""Field paths and sets (sigs.k8s.io/structured-merge-diff fieldpath): path elements, FieldSet, and the
FieldsV1 JSON of managedFields, with the Go value semantics they compare keys and values by."""

from __future__ import annotations

import re
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


Path = tuple[PathElement, ...]


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
    for p in paths:
        node = root
        for pe in p[:-1]:
            child = node.children.get(pe)
            if child is None:
                child = node.children[pe] = FieldNode()
            node = child
        node.members.add(p[-1])
    return root


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


_TO_JSON = _Memo()
_FROM_JSON = _Memo()


def to_fields_v1(fs: FieldSet) -> dict[str, Any]:
    """kube's FieldsV1 JSON of a set (Set.ToJSON): sorted keys, ``"."`` for a member that also has children."""
    raw = _TO_JSON.get(fs)
    if raw is None:
        raw = deepjson.dumps(_to_fields_v1(fs))
        _TO_JSON.put(fs, raw, _weight(fs))
    return deepjson.loads(raw)  # a fresh object each time: callers own what they get


def _to_fields_v1(fs: FieldSet) -> dict[str, Any]:
    """to_fields_v1, computed.

    Paths sorted as tuples put a member before its children and each level in PathElement order, so one pass
    over the sorted paths builds the nested objects in kube's key order (a tree of nodes sorted level by
    level took 3x as long for a Pod's 60 paths)."""
    root: dict[str, Any] = {}
    for p in sorted(fs.paths):
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
        key = deepjson.dumps(d)
    except TypeError:
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
            if read(value, (*prefix, pe)):
                out.append((*prefix, pe))
        return is_member or not has_children

    read(d, ())
    return FieldSet(out)
