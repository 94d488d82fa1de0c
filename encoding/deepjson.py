"""orjson, and what it refuses for depth written and read the way it would have.

orjson writes at most 254 levels of nesting and reads at most 1,024; kube's decoders go to 10,000 (see
encoding/depth.py for when this server does). :func:`dumps` and :func:`loads` are orjson's own calls, with a
fallback taken only when orjson refuses for depth:

- writing: the value is walked iteratively (no recursion at all); every subtree at most
  :data:`_ORJSON_SUBTREE` levels high is written by orjson itself and only the deeper "spine" is joined here,
  so the bytes are orjson's (floats, escapes, key order, indentation) whatever the depth;
- reading: Python's ``json`` module (C, recursive: it needs the deep stack and recursion limit that
  encoding/depth.py gives the server's thread), with the values orjson gives for the JSON this server writes.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

import orjson

_dumps = orjson.dumps
_loads = orjson.loads
JSONEncodeError = orjson.JSONEncodeError
JSONDecodeError = orjson.JSONDecodeError
OPT_SORT_KEYS = orjson.OPT_SORT_KEYS
OPT_INDENT_2 = orjson.OPT_INDENT_2

#: subtrees at most this many levels high are handed to orjson whole (its serializer's limit is 254)
_ORJSON_SUBTREE = 200
_CONTAINERS = (dict, list, tuple)


class NeedsPython(Exception):
    """Raised instead of writing a value deeper than orjson writes while :data:`C_ONLY` is set: the caller (the
    event loop) has the writing done where it does not hold other clients up (~30 ms at 9,990 levels)."""


#: set (in a context) where only orjson's own writing may run: deeper values raise NeedsPython
C_ONLY: ContextVar[bool] = ContextVar("aiokube_deepjson_c_only", default=False)


def dumps(obj: Any, default: Any = None, option: int | None = None) -> bytes:
    """orjson.dumps; values nested deeper than orjson writes are written with the same bytes."""
    try:
        return _dumps(obj, default, option)
    except JSONEncodeError as exc:
        if str(exc) != "Recursion limit reached":
            raise
    if C_ONLY.get():
        raise NeedsPython
    return _deep_dumps(obj, default, option or 0, _heights(obj))


def dumps_height(obj: Any) -> tuple[bytes, int]:
    """:func:`dumps` and the value's height when it is deeper than orjson writes (0 when orjson wrote it: at
    most 254 levels), the walk that measures it being the one writing needs."""
    try:
        return _dumps(obj), 0
    except JSONEncodeError as exc:
        if str(exc) != "Recursion limit reached":
            raise
    heights = _heights(obj)
    return _deep_dumps(obj, None, 0, heights), heights[id(obj)]


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """orjson.loads; documents nested deeper than orjson reads go to Python's decoder."""
    try:
        return _loads(data)
    except JSONDecodeError as exc:
        if not str(exc).startswith("depth limit exceeded"):
            raise
    if isinstance(data, memoryview):
        data = bytes(data)
    try:
        return json.loads(data)
    except RecursionError:
        raise JSONDecodeError("depth limit exceeded", data if isinstance(data, str) else "", 0) from None


def _heights(obj: Any) -> dict[int, int]:
    """The height of every container in ``obj`` (1 for an empty or flat one), by id: by recursion (3x the speed
    of the explicit stack; only Python frames, no C stack), the stack's walk where the recursion limit is lower."""
    heights: dict[int, int] = {}
    containers = _CONTAINERS

    def height_of(v: Any) -> int:
        top = 0
        for c in v.values() if isinstance(v, dict) else v:
            if isinstance(c, containers):
                h = height_of(c)
                if h > top:
                    top = h
        heights[id(v)] = top + 1
        return top + 1

    try:
        height_of(obj)
    except RecursionError:
        return _heights_iterative(obj)
    return heights


def _heights_iterative(obj: Any) -> dict[int, int]:
    """:func:`_heights` without recursion."""
    heights: dict[int, int] = {}
    # (container, its container children) once they are pushed; a container with none is height 1 at once
    stack: list[tuple[Any, list[Any] | None]] = [(obj, None)]
    containers = _CONTAINERS
    while stack:
        v, kids = stack.pop()
        if kids is not None:
            heights[id(v)] = 1 + max([heights[id(c)] for c in kids])
            continue
        kids = [c for c in (v.values() if isinstance(v, dict) else v) if isinstance(c, containers)]
        if not kids:
            heights[id(v)] = 1
            continue
        stack.append((v, kids))
        stack.extend([(c, None) for c in kids if id(c) not in heights])
    return heights


def _deep_dumps(obj: Any, default: Any, option: int, heights: dict[int, int]) -> bytes:
    """The bytes of a value deeper than orjson writes: orjson's own for every subtree it can write, the spine
    above them joined here, by recursion (2-3x the speed of the explicit stack), else without."""
    indent = bool(option & OPT_INDENT_2)
    sort = bool(option & OPT_SORT_KEYS)
    out: list[bytes] = []
    append = out.append
    containers = _CONTAINERS
    limit = _ORJSON_SUBTREE

    def write(v: Any, level: int) -> None:
        if not isinstance(v, containers) or heights[id(v)] <= limit:
            text = _dumps(v, default, option)
            if indent and level and b"\n" in text:  # no raw newline can be in a JSON string
                text = text.replace(b"\n", b"\n" + b"  " * level)
            append(text)
            return
        if not v:
            append(b"{}" if isinstance(v, dict) else b"[]")
            return
        inner = b"\n" + b"  " * (level + 1) if indent else b""
        if isinstance(v, dict):
            append(b"{")
            head = inner
            for key, x in sorted(v.items()) if sort else v.items():
                append(head + _dumps(key) + (b": " if indent else b":"))
                write(x, level + 1)
                head = b"," + inner
            append((b"\n" + b"  " * level if indent else b"") + b"}")
        else:
            append(b"[")
            head = inner
            for x in v:
                append(head)
                write(x, level + 1)
                head = b"," + inner
            append((b"\n" + b"  " * level if indent else b"") + b"]")

    try:
        write(obj, 0)
    except RecursionError:
        return _deep_dumps_iterative(obj, default, option, heights)
    return b"".join(out)


def _deep_dumps_iterative(obj: Any, default: Any, option: int, heights: dict[int, int]) -> bytes:
    """:func:`_deep_dumps` without recursion."""
    indent = bool(option & OPT_INDENT_2)
    sort = bool(option & OPT_SORT_KEYS)
    out: list[bytes] = []
    # work items: a value to write at an indentation level, or bytes to emit as they are
    todo: list[Any] = [(obj, 0)]
    while todo:
        item = todo.pop()
        if isinstance(item, bytes):
            out.append(item)
            continue
        v, level = item
        if not isinstance(v, _CONTAINERS) or heights[id(v)] <= _ORJSON_SUBTREE:
            text = _dumps(v, default, option)
            if indent and level and b"\n" in text:  # no raw newline can be in a JSON string
                text = text.replace(b"\n", b"\n" + b"  " * level)
            out.append(text)
            continue
        is_map = isinstance(v, dict)
        if is_map:
            pairs = sorted(v.items()) if sort else list(v.items())
        else:
            pairs = [(None, x) for x in v]
        if not pairs:
            out.append(b"{}" if is_map else b"[]")
            continue
        inner = b"\n" + b"  " * (level + 1) if indent else b""
        parts: list[Any] = []
        for i, (key, x) in enumerate(pairs):
            head = (b"," if i else b"") + inner
            if is_map:
                head += _dumps(key) + (b": " if indent else b":")
            parts.append(head)
            parts.append((x, level + 1))
        parts.append((b"\n" + b"  " * level if indent else b"") + (b"}" if is_map else b"]"))
        out.append(b"{" if is_map else b"[")
        todo.extend(reversed(parts))
    return b"".join(out)


def height(obj: Any) -> int:
    """How many levels of containers ``obj`` nests (0 for a scalar), without recursion."""
    return _heights(obj)[id(obj)] if isinstance(obj, _CONTAINERS) else 0


def bracket_at(obj: Any, level: int, sort_keys: bool = False) -> str:
    """The opening bracket (``{`` or ``[``) of the first container at nesting ``level`` (the root is 1) in
    the order the value is written (maps by key with ``sort_keys``, as Go writes a map), "" when none."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        v, at = stack.pop()
        if not isinstance(v, _CONTAINERS):
            continue
        if at == level:
            return "{" if isinstance(v, dict) else "["
        children = ([v[k] for k in sorted(v)] if sort_keys else list(v.values())) if isinstance(v, dict) else v
        stack.extend((c, at + 1) for c in reversed(children))
    return ""


def deeper_than(obj: Any, limit: int) -> bool:
    """Whether ``obj`` nests more than ``limit`` levels of containers (a walk that stops at the first too
    deep one: cheaper than :func:`height`)."""
    containers = _CONTAINERS
    if not isinstance(obj, containers):
        return False
    stack: list[tuple[Any, int]] = [(obj, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        v, d = pop()
        if d > limit:
            return True
        d += 1
        for c in v.values() if isinstance(v, dict) else v:
            if isinstance(c, containers):
                push((c, d))
    return False
