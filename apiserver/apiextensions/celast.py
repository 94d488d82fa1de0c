"""kube's AST validators on a checked CEL expression (``cel.ASTValidators`` of kube's base environment, and its
``HomogeneousAggregateLiterals`` option), which the C++ checker does not run.

The checked expression comes from ``Expression.serialize()``: an ``Any`` holding a ``cel.expr.CheckedExpr``,
read here straight from the protobuf wire format (only the fields the validators need: the expression tree,
the types of its nodes and their source offsets). :func:`literal_issues` reports, in cel-go's words:

- ``duration('…')`` and ``timestamp('…')`` of a literal that does not parse: ``invalid duration argument``;
- ``matches`` with a literal pattern Go's regexp refuses: ``invalid matches argument``;
- list and map literals whose elements (keys, values) are not all of the first one's type: ``expected type
  'int' but found 'string'`` at the first element that differs (``strict_dyn`` false: dyn matches anything,
  for CRD rules whose objects are typed more loosely here than in kube).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from aiokube.apiserver.apiextensions.regex import Untranslatable, compile_go_regexp, go_regexp_error
from aiokube.apiserver.golang import parse_duration

Fields = dict[int, list[Any]]


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return out, i


def _fields(buf: bytes) -> Fields:
    """A message's fields by number: varints as ints, length-delimited values as bytes (others skipped)."""
    out: Fields = {}
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _one(f: Fields, number: int, default: Any = None) -> Any:
    values = f.get(number)
    return values[-1] if values else default


_PRIMITIVES = {1: "bool", 2: "int", 3: "uint", 4: "double", 5: "string", 6: "bytes"}
_WELL_KNOWN = {1: "any", 2: "google.protobuf.Timestamp", 3: "google.protobuf.Duration"}


def _type_name(buf: bytes) -> str:
    """cel.expr.Type as cel-go's FormatCELType prints it."""
    f = _fields(buf)
    if 1 in f:
        return "dyn"
    if 2 in f:
        return "null_type"
    if 3 in f:
        return _PRIMITIVES.get(_one(f, 3), "dyn")
    if 4 in f:
        return f"wrapper({_PRIMITIVES.get(_one(f, 4), 'dyn')})"
    if 5 in f:
        return _WELL_KNOWN.get(_one(f, 5), "dyn")
    if 6 in f:
        return f"list({_type_name(_one(_fields(_one(f, 6)), 1, b''))})"
    if 7 in f:
        m = _fields(_one(f, 7))
        return f"map({_type_name(_one(m, 1, b''))}, {_type_name(_one(m, 2, b''))})"
    if 9 in f:
        return _one(f, 9).decode()
    if 10 in f:
        return _one(f, 10).decode()
    if 11 in f:
        return f"type({_type_name(_one(f, 11))})" if _one(f, 11) else "type"
    if 12 in f:
        return "*error*"
    if 14 in f:
        a = _fields(_one(f, 14))
        params = [_type_name(p) for p in a.get(2, [])]
        name = _one(a, 1, b"").decode()
        return f"{name}({', '.join(params)})" if params else name
    return "dyn"


def _map_entries(buf_list: list[bytes]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for entry in buf_list:
        e = _fields(entry)
        out[_one(e, 1, 0)] = _one(e, 2, b"")
    return out


class _Checked:
    """The parts of a CheckedExpr the validators read."""

    def __init__(self, serialized: bytes) -> None:
        wrapper = _fields(serialized)
        checked = _fields(_one(wrapper, 2, b""))
        self.types = _map_entries(checked.get(3, []))
        source_info = _fields(_one(checked, 5, b""))
        self.positions: dict[int, int] = {}
        for entry in source_info.get(4, []):
            e = _fields(entry)
            self.positions[_one(e, 1, 0)] = _one(e, 2, 0)
        self.root = _fields(_one(checked, 4, b""))

    def type_of(self, expr: Fields) -> str:
        t = self.types.get(_one(expr, 2, 0))
        return _type_name(t) if t is not None else "dyn"


def _walk(expr: Fields) -> Any:
    """Every node of an expression tree (cel.expr.Expr as fields), depth first."""
    yield expr
    for number in (5, 6, 7, 8, 9):
        for body in expr.get(number, []):
            f = _fields(body)
            if number == 5:  # select: operand
                children = f.get(1, [])
            elif number == 6:  # call: target, args
                children = f.get(1, []) + f.get(3, [])
            elif number == 7:  # list: elements
                children = f.get(1, [])
            elif number == 8:  # struct/map: entries' keys and values
                children = []
                for entry in f.get(2, []):
                    e = _fields(entry)
                    children += e.get(3, []) + e.get(4, [])
            else:  # comprehension: range, init, condition, step, result
                children = [c for k in (2, 4, 5, 6, 7) for c in f.get(k, [])]
            for child in children:
                yield from _walk(_fields(child))


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _string_literal(expr: Fields) -> str | None:
    const = _one(expr, 3)
    if const is None:
        return None
    c = _fields(const)
    value = _one(c, 6)
    return value.decode() if isinstance(value, bytes) else None


def _bad_timestamp(text: str) -> bool:
    if not _RFC3339.fullmatch(text):
        return True
    try:
        datetime.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return True
    return False


def _bad_regex(text: str) -> bool:
    return bool(regexp_error(text))


def regexp_error(text: str) -> str:
    """Go's regexp.Compile error text for a pattern, or "" (also for what only Python cannot express)."""
    try:
        compile_go_regexp(text)
    except re.error as e:
        return go_regexp_error(text, e)
    except Untranslatable:
        return ""
    return ""


def _bad_duration(text: str) -> bool:
    try:
        return parse_duration(text) is None
    except ValueError:
        return True


_LITERAL_CHECKS = {
    "duration": ("duration", _bad_duration),
    "timestamp": ("timestamp", _bad_timestamp),
    "matches": ("matches", _bad_regex),
}


def call_argument_types(serialized: bytes, function: str, offset: int) -> tuple[bool, list[str]] | None:
    """The call of ``function`` at source ``offset`` (its ``(``; else the first call of it): whether it is a
    member call, and the types of its target and arguments; None if there is none."""
    try:
        checked = _Checked(serialized)
        found = None
        for expr in _walk(checked.root):
            if 6 in expr and _fields(_one(expr, 6)).get(2, [b""])[-1] == function.encode():
                if found is None or checked.positions.get(_one(expr, 2, 0)) == offset:
                    found = expr
        if found is None:
            return None
        call = _fields(_one(found, 6))
        parts = [_fields(p) for p in call.get(1, []) + call.get(3, [])]
        return 1 in call, [checked.type_of(p) for p in parts]
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        return None


def program_error(serialized: bytes) -> str:
    """What kube's program instantiation refuses: a ``find``/``findAll`` literal pattern Go's regexp does not
    compile (kube's regex library compiles them then), in its words; else ""."""
    try:
        checked = _Checked(serialized)
        return _program_error(checked)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        return ""


def _program_error(checked: _Checked) -> str:
    for expr in _walk(checked.root):
        if 6 in expr:
            call = _fields(_one(expr, 6))
            args = [_fields(a) for a in call.get(3, [])]
            if _one(call, 2, b"") in (b"find", b"findAll") and 1 in call and args:
                text = _string_literal(args[0])
                if text is not None and (err := regexp_error(text)):
                    return f"program instantiation failed: {err}"
    return ""


def literal_issues(serialized: bytes, strict_dyn: bool = True) -> list[tuple[int, str]]:
    """kube's AST validators' errors: (source offset, message), in tree order (none if the checked expression
    does not read as expected: the validators never refuse what they cannot read)."""
    try:
        return _literal_issues(_Checked(serialized), strict_dyn)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        return []


def _literal_issues(checked: _Checked, strict_dyn: bool) -> list[tuple[int, str]]:
    issues: list[tuple[int, str]] = []
    for expr in _walk(checked.root):
        if 6 in expr:
            call = _fields(_one(expr, 6))
            name = _one(call, 2, b"").decode()
            args = [_fields(a) for a in call.get(3, [])]
            check = _LITERAL_CHECKS.get(name)
            if check and args and (text := _string_literal(args[0])) is not None and check[1](text):
                issues.append((checked.positions.get(_one(args[0], 2, 0), 0), f"invalid {check[0]} argument"))
        elif 7 in expr:
            elements = [_fields(e) for e in _fields(_one(expr, 7)).get(1, [])]
            issues += _mismatch(checked, elements, strict_dyn)[:1]
        elif 8 in expr:
            body = _fields(_one(expr, 8))
            if _one(body, 1):  # a message creation, not a map
                continue
            entries = [_fields(e) for e in body.get(2, [])]
            keys = [_fields(_one(e, 3)) for e in entries if _one(e, 3) is not None]
            values = [_fields(_one(e, 4)) for e in entries if _one(e, 4) is not None]
            issues += _mismatch(checked, keys, strict_dyn)[:1] + _mismatch(checked, values, strict_dyn)[:1]
    return issues


def _mismatch(checked: _Checked, exprs: list[Fields], strict_dyn: bool) -> list[tuple[int, str]]:
    if len(exprs) < 2:
        return []
    first = checked.type_of(exprs[0])
    out = []
    for e in exprs[1:]:
        t = checked.type_of(e)
        if t != first and (strict_dyn or "dyn" not in (t, first)):
            out.append((checked.positions.get(_one(e, 2, 0), 0), f"expected type '{first}' but found '{t}'"))
    return out
