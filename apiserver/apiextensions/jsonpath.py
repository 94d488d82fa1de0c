"""CRD printer columns: client-go's JSONPath (``k8s.io/client-go/util/jsonpath``) and the cells of
apiextensions-apiserver's ``pkg/registry/customresource/tableconvertor``.

A port of the JSONPath parser and evaluator kube uses for ``additionalPrinterColumns``, and of
``cellForJSONValue``, so ``kubectl get`` on a custom resource prints kube's cells. Exists apart from the
table machinery (:mod:`aiokube.apiserver.printers.tables`), which calls :func:`printer_cells`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiokube.apiserver.golang import (
    GO_BOOL,
    GO_FLOAT64,
    GO_INT64,
    GO_STRING,
    go_int,
    go_json,
    go_type_name,
    go_v,
    human_duration,
)

Obj = dict[str, Any]


class JSONPathError(ValueError):
    """A JSONPath kube's parser or evaluator rejects."""


_FIELD_TERMINATORS = set(" \t\r\n.,[]$@{}")
_RX_SLICE = re.compile(r"^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?\Z")


class JSONPathNode:
    """A JSONPath node: (kind, payload)."""

    __slots__ = ("a", "b", "kind", "op")

    def __init__(self, kind: str, a: Any = None, b: Any = None, op: str = "") -> None:
        self.kind, self.a, self.b, self.op = kind, a, b, op


def _go_rune(ch: str) -> str:
    """Go's %#U of a rune: U+007B '{' (the character only when printable)."""
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


def _action_end(text: str, i: int) -> int:
    """Where the action starting at ``i`` ends (its ``}``, outside brackets and quotes), or -1."""
    j, n = i, len(text)
    while j < n:
        ch = text[j]
        if ch == "}":
            return j
        if ch == "[":
            k = text.find("]", j)
            j = n if k < 0 else k + 1
            continue
        if ch in "\"'":
            k = text.find(ch, j + 1)
            j = n if k < 0 else k + 1
            continue
        j += 1
    return -1


def template_error(template: str) -> str | None:
    """jsonpath.Parse's error for a template (text with ``{...}`` actions), or None when it parses."""
    i = 0
    while (start := template.find("{", i)) >= 0:
        end = _action_end(template, start + 1)
        try:
            _parse_action(template[start + 1 : end if end >= 0 else len(template)])
        except JSONPathError as exc:
            return str(exc)
        if end < 0:
            return "unclosed action"
        i = end + 1
    return None


def _parse_action(text: str) -> list[JSONPathNode]:
    """parseInsideAction over ``text`` (what lies between ``{`` and ``}``)."""
    nodes: list[JSONPathNode] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("[?(", i):
            i = _parse_filter(text, i, nodes)
            continue
        if text.startswith("..", i):
            if nodes and nodes[-1].kind == "recursive":
                raise JSONPathError("invalid multiple recursive descent")
            nodes.append(JSONPathNode("recursive"))
            i += 2
            if i < n and (text[i].isalnum() or text[i] == "_"):
                i = _parse_field(text, i, nodes)
            continue
        ch = text[i]
        if ch in "\r\n":
            raise JSONPathError("unclosed action")
        if ch in " @$":
            i += 1
        elif ch == "[":
            i = _parse_array(text, i, nodes)
        elif ch in "\"'":
            j = i + 1
            while True:
                if j >= n or text[j] == "\n":
                    raise JSONPathError("unterminated quoted string")
                if text[j] == ch and text[j - 1] != "\\":
                    break
                j += 1
            raw = text[i + 1 : j]
            nodes.append(JSONPathNode("text", re.sub(r"\\(.)", r"\1", raw)))
            i = j + 1
        elif ch == ".":
            i = _parse_field(text, i + 1, nodes)
        elif ch in "+-" or ch.isdigit():
            m = re.match(r"[+-]?[0-9.]*", text[i:])
            value = m[0] if m else ""
            try:
                nodes.append(JSONPathNode("int", int(value)))
            except ValueError:
                try:
                    nodes.append(JSONPathNode("float", float(value)))
                except ValueError:
                    raise JSONPathError(f"cannot parse number {value}") from None
            i += len(value)
        elif ch.isalnum() or ch == "_":
            j = i
            while j < n and text[j] not in _FIELD_TERMINATORS:
                j += 1
            word = text[i:j]
            nodes.append(
                JSONPathNode("bool", word == "true") if word in ("true", "false") else JSONPathNode("ident", word)
            )
            i = j
        else:
            raise JSONPathError(f"unrecognized character in action: {_go_rune(ch)}")
    return nodes


def _parse_field(text: str, i: int, nodes: list[JSONPathNode]) -> int:
    j = i
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] in _FIELD_TERMINATORS:
            break
        j += 1
    value = text[i:j]
    nodes.append(JSONPathNode("wildcard") if value == "*" else JSONPathNode("field", value.replace("\\", "")))
    return j


def _parse_array(text: str, i: int, nodes: list[JSONPathNode]) -> int:
    j = text.find("]", i)
    nl = text.find("\n", i)
    if j < 0 or (0 <= nl < j):
        raise JSONPathError("unterminated array")
    inner = text[i + 1 : j]
    if inner == "*":
        inner = ":"
    parts = inner.split(",")
    if len(parts) > 1:
        nodes.append(JSONPathNode("union", [_parse_action(f"[{p.strip(' ')}]") for p in parts]))
        return j + 1
    m = re.fullmatch(r"'([^']*)'", inner)
    if m:
        nodes.extend(_parse_action("." + m[1]))
        return j + 1
    m = _RX_SLICE.match(inner)
    if not m:
        raise JSONPathError(f"invalid array index {inner}")
    params: list[list[Any]] = [[False, 0, False], [False, 0, False], [False, 0, False]]  # known, value, derived
    groups = [m[1], m[2] or "", m[3] or ""]
    for k in range(3):
        g = groups[k]
        if g != "":
            if k > 0:
                g = g[1:]
            if k > 0 and g == "":
                params[k][0] = False
            else:
                try:
                    params[k] = [True, int(g), False]
                except ValueError:
                    raise JSONPathError(f"array index {g} is not a number") from None
        elif k == 1:
            params[1] = [True, params[0][1] + 1, True]
    nodes.append(JSONPathNode("array", params))
    return j + 1


def _parse_filter(text: str, i: int, nodes: list[JSONPathNode]) -> int:
    j = i + 3
    begin = end = False
    pair = ""
    while True:
        if j >= len(text) or text[j] == "\n":
            raise JSONPathError("unterminated filter")
        ch = text[j]
        j += 1
        if ch in "\"'":
            if not begin:
                begin, pair = True, ch
                continue
            if text[j - 2] != "\\" and ch == pair:
                end = True
        elif ch == ")" and begin == end:
            break
    if j >= len(text) or text[j] != "]":
        raise JSONPathError("unclosed array expect ]")
    expr = text[i + 3 : j - 1]
    m = re.match(r"^([^!<>=]+)([!<>=]+)(.+?)$", expr)
    if m is None:
        nodes.append(JSONPathNode("filter", _parse_action(expr), [], "exists"))
    else:
        nodes.append(JSONPathNode("filter", _parse_action(m[1]), _parse_action(m[3]), m[2]))
    return j + 1


def parse_jsonpath(path: str) -> list[JSONPathNode]:
    """Parse a printer column's jsonPath as kube does (``{`` + path + ``}``); ``{.a.b}`` is accepted too."""
    inner = path[1:-1] if path.startswith("{") and path.endswith("}") else path
    if "{" in inner or "}" in inner:
        raise JSONPathError(f'unrecognized column definition "{path}"')
    try:
        return _parse_action(inner)
    except JSONPathError as exc:
        raise JSONPathError(f'unrecognized column definition "{path}"') from exc


def _children(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return list(v)
    if isinstance(v, str):
        return list(v.encode())  # Go indexes the string's bytes
    return []


def _basic_kind(v: Any) -> str:
    k = go_type_name(v)
    if k in (GO_BOOL, GO_INT64, GO_FLOAT64, GO_STRING):
        return k
    raise JSONPathError("invalid type for comparison")


def _compare(op: str, left: Any, right: Any) -> bool:
    """The forked text/template comparisons: same basic kind or an error."""
    kl, kr = _basic_kind(left), _basic_kind(right)
    if kl != kr:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    if kl == GO_BOOL:
        raise JSONPathError("invalid type for comparison")
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    raise JSONPathError(f"unrecognized filter operator {op}")


def _walk(values: list[Any], nodes: list[JSONPathNode]) -> list[Any]:
    for node in nodes:
        values = _walk_node(values, node)
    return values


def _walk_node(values: list[Any], node: JSONPathNode) -> list[Any]:
    kind = node.kind
    if kind == "field":
        return [v[node.a] for v in values if isinstance(v, dict) and node.a in v]
    if kind in ("text", "int", "float", "bool"):
        return [node.a]
    if kind == "ident":
        raise JSONPathError(f"unrecognized identifier {node.a}")
    if kind == "wildcard":
        return [c for v in values if v is not None for c in _children(v)]
    if kind == "recursive":
        return _recursive(values)
    if kind == "union":
        return [r for sub in node.a for r in _walk(values, sub)]
    if kind == "array":
        return _array(values, node.a)
    if kind == "filter":
        return _filter(values, node)
    raise JSONPathError(f"unexpected Node {kind}")


def _recursive(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        kids = _children(v)
        if kids:
            out.append(v)
            out.extend(_recursive(kids))
    return out


def _array(values: list[Any], params: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, list):
            raise JSONPathError("is not array or slice")
        p = [list(x) for x in params]
        length = len(v)
        if not p[0][0]:
            p[0][1] = 0
        if p[0][1] < 0:
            p[0][1] += length
        if not p[1][0]:
            p[1][1] = length
        if p[1][1] < 0 or (p[1][1] == 0 and p[1][2]):
            p[1][1] += length
        start, stop = p[0][1], p[1][1]
        if stop == start:
            return out
        if start >= length or start < 0 or stop > length or stop < 0 or start > stop:
            raise JSONPathError("array index out of bounds")
        step = 1
        if p[2][0]:
            if p[2][1] <= 0:
                raise JSONPathError("step must be > 0")
            step = p[2][1]
        out.extend(v[start:stop:step])
    return out


def _filter(values: list[Any], node: JSONPathNode) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not isinstance(v, list):
            raise JSONPathError("is not array or slice and cannot be filtered")
        for item in v:
            if node.op == "exists":
                try:
                    if _walk([item], node.a):
                        out.append(item)
                except JSONPathError:
                    pass
                continue
            lefts = _walk([item], node.a)
            if not lefts:
                continue
            if len(lefts) > 1:
                raise JSONPathError("can only compare one element at a time")
            rights = _walk([item], node.b)
            if not rights:
                continue
            if len(rights) > 1:
                raise JSONPathError("can only compare one element at a time")
            if _compare(node.op, lefts[0], rights[0]):
                out.append(item)
    return out


_RX_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def _parse_rfc3339(s: str) -> datetime | None:
    m = _RX_RFC3339.fullmatch(s)
    if not m:
        return None
    frac = (m[7] or ".")[1:][:6].ljust(6, "0")
    tz = "+00:00" if m[8] == "Z" else m[8]
    try:
        return datetime.fromisoformat(f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}.{frac}{tz}")
    except ValueError:
        return None


def _string_cell(value: Any) -> str:
    """jsonpath PrintResults of one value: maps/lists as JSON, nil as <no value>, the rest as fmt.Print."""
    if value is None:
        return "<no value>"
    if isinstance(value, dict | list):
        return go_json(value)
    if isinstance(value, str):
        return value
    return go_v(value)


def _cell(type_: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue."""
    if value is None:
        return None
    kind = go_type_name(value)
    if type_ == "integer":
        if kind == GO_INT64:
            return value
        if kind == GO_FLOAT64:
            return go_int(value)
    elif type_ == "number":
        if kind in (GO_INT64, GO_FLOAT64):
            return float(value)
    elif type_ == "boolean":
        if kind == GO_BOOL:
            return value
    elif type_ == "date":
        if kind == GO_STRING:
            if value in ("", "null"):
                return "<unknown>"
            ts = _parse_rfc3339(value)
            if ts is None:
                return "<invalid>"
            return human_duration(now - ts)
    return None


def printer_cells(obj: Obj, columns: list[Obj], *, now: datetime | None = None) -> list[Any]:
    """The cells kube's CRD table convertor computes for ``additionalPrinterColumns`` (Name excluded).

    Each column's ``jsonPath`` is evaluated with missing keys allowed and the first result taken; a
    missing value or an evaluation error gives ``None``. ``string`` columns print the value (JSON for
    maps/lists, ``<no value>`` for null), ``integer``/``number``/``boolean`` keep JSON values of the
    right kind, and ``date`` becomes the age kube's server computes (``5m``, ``3d4h``; ``<invalid>`` for
    a non-RFC3339 string), relative to ``now``. Raises :class:`JSONPathError` with kube's
    ``unrecognized column definition`` for a path kube's parser rejects (kube then falls back to the
    default table).
    """
    now = now or datetime.now(UTC)
    parsed = [parse_jsonpath(col.get("jsonPath", "")) for col in columns]
    cells: list[Any] = []
    for col, nodes in zip(columns, parsed, strict=True):
        try:
            results = _walk([obj], nodes)
        except JSONPathError:
            results = []
        if not results:
            cells.append(None)
            continue
        value = results[0]
        if col.get("type") == "string":
            cells.append(_string_cell(value))
        else:
            cells.append(_cell(col.get("type", ""), value, now))
    return cells
