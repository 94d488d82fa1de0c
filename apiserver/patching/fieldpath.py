"""Field paths and sets (sigs.k8s.io/structured-merge-diff fieldpath): path elements, FieldSet, and the
FieldsV1 JSON of managedFields, with the Go value semantics they compare keys and values by."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from aiokube.apiserver.golang import go_float, go_json, go_quote

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


def value_equal(a: Any, b: Any) -> bool:
    """value.Equals: ints and floats compare numerically, bools are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) or isinstance(b, int | float):
        return isinstance(a, int | float) and isinstance(b, int | float) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(value_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and value_equal(v, b[k]) for k, v in a.items())
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


class PathElement:
    """One step of a field path: a struct/map field, a list key, a set value or an index.

    Ordered as fieldpath.PathElement.Compare: fields < keys < values < indexes, then by content.
    """

    __slots__ = ("_hash", "_key", "kind", "value")
    FIELD, KEY, VALUE, INDEX = 0, 1, 2, 3

    def __init__(self, kind: int, value: Any) -> None:
        self.kind = kind
        self.value = value  # field name | ((name, value), ...) sorted by name | JSON value | int
        if kind == self.KEY:
            sort: Any = tuple((n, _vkey(v)) for n, v in value)
        elif kind == self.VALUE:
            sort = _vkey(value)
        else:
            sort = value
        self._key = (kind, sort)
        self._hash = hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PathElement) and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: PathElement) -> bool:
        return self._key < other._key

    def __repr__(self) -> str:
        return f"PathElement({self.serialize()})"

    def serialize(self) -> str:
        """The FieldsV1 key: ``f:name``, ``k:{"name":"c"}``, ``v:"x"``, ``i:0``."""
        if self.kind == self.FIELD:
            return "f:" + self.value
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
        pe = _FIELDS[name] = PathElement(PathElement.FIELD, name)
    return pe


def key_pe(fields: Iterable[tuple[str, Any]]) -> PathElement:
    return PathElement(PathElement.KEY, tuple(sorted(fields, key=lambda f: f[0])))


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


class FieldSet:
    """An immutable fieldpath.Set, held as the set of its member paths."""

    __slots__ = ("paths",)

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self.paths: frozenset[Path] = frozenset(p for p in paths if p)

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
        out = []
        for p in self.paths:
            if not any(p[:i] in other.paths for i in range(1, len(p) + 1)):
                out.append(p)
        return FieldSet(out)

    def strings(self) -> list[str]:
        return [path_string(p) for p in self]


def to_fields_v1(fs: FieldSet) -> dict[str, Any]:
    """kube's FieldsV1 JSON of a set (Set.ToJSON): sorted keys, ``"."`` for a member that also has children."""

    def emit(node: FieldNode, include_self: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if include_self and (node.members or node.children):
            out["."] = {}
        for pe in sorted(node.members.union(node.children)):
            child = node.children.get(pe)
            out[pe.serialize()] = {} if child is None else emit(child, pe in node.members)
        return out

    return emit(field_tree(fs.paths), False)


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
        return value_pe(orjson.loads(rest))
    if kind == "k":
        fields = orjson.loads(rest)
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
