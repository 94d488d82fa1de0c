"""The C++ CEL checker's issues and type names in cel-go's words (what kube prints after ``compilation failed:``
and in ``must evaluate to bool but got …``).

The parser's syntax errors are the same grammar's and need nothing. The checker differs in a few texts, which
:func:`cel_go_issues` rewrites:

- an undeclared qualified name: C++ reports ``undeclared reference to 'a.b.c'`` at the last dot, cel-go
  ``undeclared reference to 'a'`` at the first identifier;
- ``undefined field 'x' not found in struct 'T'`` is cel-go's ``undefined field 'x'``;
- a select on a value that has no fields: cel-go's ``type 'int' does not support field selection``, and for kube's
  authorizer types (declared as objects without a provider) ``unexpected failed resolution of 'T'``;
- the follow-up errors C++ reports on an expression whose type is already an error are dropped (cel-go treats it
  as dyn), and errors are sorted by position, as cel-go's ``issues.String()`` does.

:func:`go_type_name` turns a C++ type name (``LIST<STRING>``) into cel-go's (``list(string)``).
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_UNDECLARED = re.compile(r"undeclared reference to '([^']*)' \(in container '([^']*)'\)")
_UNDEFINED_FIELD = re.compile(r"undefined field '([^']*)' not found in struct '[^']*'")
_NO_SELECT = re.compile(r"expression of type '([^']*)' cannot be the operand of a select operation")
_IDENT_END = re.compile(r"[_a-zA-Z0-9]+$")
_NO_OVERLOAD = re.compile(r"found no matching overload for '([^']*)' applied to '\((.*)\)'")
_NUMERIC = frozenset(["int", "uint", "double"])
_ORDERING = frozenset(["_<_", "_<=_", "_>_", "_>=_"])
_OVERLOAD_ARG = {"null_type": "null", "*error*": "!error!"}
#: C++ texts cel-go words differently, as they are
_TEXTS = {"has() argument must be a field selection": "invalid argument to has() macro"}

_SCALARS = {
    "BOOL": "bool",
    "INT": "int",
    "UINT": "uint",
    "DOUBLE": "double",
    "STRING": "string",
    "BYTES": "bytes",
    "NULL": "null_type",
    "DYN": "dyn",
    "ANY": "any",
    "DURATION": "google.protobuf.Duration",
    "TIMESTAMP": "google.protobuf.Timestamp",
    "*error*": "*error*",
}
_GENERICS = {"LIST": "list", "MAP": "map", "TYPE": "type", "optional_type": "optional_type"}
_SHORT = {"google.protobuf.Duration": "duration", "google.protobuf.Timestamp": "timestamp"}
_TOKEN = re.compile(r"\s*([^<>,\s]+|[<>,])")


def go_type_name(name: str) -> str:
    """cel-go's ``Type.String()`` of a type the C++ runtime names ``name`` (``MAP<STRING, LIST<INT>>`` →
    ``map(string, list(int))``); names it does not know are kept (messages: their full name)."""
    tokens = _TOKEN.findall(name)
    pos = 0

    def parse() -> str:
        nonlocal pos
        if pos >= len(tokens):
            return ""
        head = tokens[pos]
        pos += 1
        if pos < len(tokens) and tokens[pos] == "<":
            pos += 1
            params = [parse()]
            while pos < len(tokens) and tokens[pos] == ",":
                pos += 1
                params.append(parse())
            pos += 1  # ">"
            return f"{_GENERICS.get(head, head)}({', '.join(params)})"
        return _SCALARS.get(head, head)

    out = parse()
    return out if pos == len(tokens) else name


def _leftmost(source: str, line: int, col: int, name: str) -> int | None:
    """The column of the first identifier of the select chain ``name`` whose last dot is at (line, col)."""
    lines = source.split("\n")
    if line - 1 >= len(lines):
        return None
    text = lines[line - 1]
    pos = col - 1
    segments = name.split(".")
    if len(segments) < 2 or pos >= len(text) or text[pos] != ".":
        return None
    for i, seg in enumerate(reversed(segments[:-1])):
        head = text[:pos].rstrip()
        m = _IDENT_END.search(head)
        if m is None or m.group(0) != seg:
            return None
        pos = m.start()
        if i < len(segments) - 2:
            head = text[:pos].rstrip()
            if not head.endswith("."):
                return None
            pos = len(head) - 1
    return pos + 1


def _creation_brace(source: str, line: int, col: int, name: str) -> int | None:
    """The column of the ``{`` when ``name`` at (line, col) is the type of a message creation (``Foo{}``)."""
    lines = source.split("\n")
    if line - 1 >= len(lines):
        return None
    text = lines[line - 1]
    if not text.startswith(name, col - 1):
        return None
    rest = text[col - 1 + len(name) :]
    stripped = rest.lstrip()
    if not stripped.startswith("{"):
        return None
    return col + len(name) + len(rest) - len(stripped)


def _split_types(text: str) -> list[str]:
    """``int, map(string, int)`` → its two types (commas inside parentheses kept)."""
    out: list[str] = []
    depth, start = 0, 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    if text.strip():
        out.append(text[start:].strip())
    return out


def _is_member_call(source: str, line: int, col: int, name: str) -> bool:
    """Whether the call at (line, col) — its ``(`` — is ``target.name(…)``: cel-go prints its argument types
    as ``T.(A, B)``."""
    lines = source.split("\n")
    if not name.isidentifier() or line - 1 >= len(lines):
        return False
    head = lines[line - 1][: col - 1].rstrip()
    if not head.endswith(name):
        return False
    return head[: len(head) - len(name)].rstrip().endswith(".")


def cel_go_issues(text: str, source: str) -> str:
    """C++ checker issues (``ERROR: <input>:l:c: …`` blocks with their snippets) worded as cel-go words them
    (and the parser's ``'\\u003F'`` as the ``'?'`` cel-go's parser prints)."""
    text = text.replace("'\\u003F'", "'?'")
    blocks = re.split(r"\n(?=ERROR: <input>:)", text)
    parsed: list[tuple[int, int, str, list[str]]] = []
    for block in blocks:
        lines = block.split("\n")
        m = _HEADER.fullmatch(lines[0])
        if m is None:
            return text
        line, col, msg = int(m.group(1)), int(m.group(2)), m.group(3)
        snippet = lines[1:]
        if msg.startswith("expression of type '*error*'"):
            continue
        msg = _UNDEFINED_FIELD.sub(r"undefined field '\1'", msg)
        if (u := _UNDECLARED.fullmatch(msg)) and (brace := _creation_brace(source, line, col, u.group(1))):
            col = brace  # a message creation of an unknown type: cel-go points at its brace
            if len(snippet) == 2:
                snippet = [snippet[0], " | " + "." * (col - 1) + "^"]
        elif (u := _UNDECLARED.fullmatch(msg)) and "." in u.group(1):
            first = _leftmost(source, line, col, u.group(1))
            if first is not None:
                msg = f"undeclared reference to '{u.group(1).split('.')[0]}' (in container '{u.group(2)}')"
                col = first
                if len(snippet) == 2:
                    snippet = [snippet[0], " | " + "." * (col - 1) + "^"]
        msg = _TEXTS.get(msg, msg)
        if (o := _NO_OVERLOAD.fullmatch(msg)) and o.group(1) in _ORDERING:
            if {t.strip() for t in o.group(2).split(",")} <= _NUMERIC:
                continue  # kube enables cross-type numeric comparisons
        if o:
            # cel-go's FormatCELType: null is "null", an error "!error!"; a member call's target before a dot
            types = [_OVERLOAD_ARG.get(t, t) for t in _split_types(o.group(2))]
            if types and _is_member_call(source, line, col, o.group(1)):
                args = f"{types[0]}.({', '.join(types[1:])})"
            else:
                args = f"({', '.join(types)})"
            msg = f"found no matching overload for '{o.group(1)}' applied to '{args}'"
        if s := _NO_SELECT.fullmatch(msg):
            t = go_type_name(s.group(1))
            if t.startswith("kubernetes.authorization."):
                msg = f"unexpected failed resolution of '{t}'"
            else:
                msg = f"type '{_SHORT.get(t, t)}' does not support field selection"
        parsed.append((line, col, msg, snippet))
    parsed.sort(key=lambda p: (p[0], p[1]))
    return "\n".join("\n".join([f"ERROR: <input>:{ln}:{c}: {msg}", *snip]) for ln, c, msg, snip in parsed)


def format_issues(source: str, issues: list[tuple[int, str]]) -> str:
    """Errors at source offsets as cel-go's ``issues.String()`` prints them, sorted by position."""
    out = []
    for offset, msg in sorted(issues, key=lambda i: i[0]):
        line_start = source.rfind("\n", 0, offset) + 1
        line = source.count("\n", 0, offset) + 1
        col = offset - line_start + 1
        end = source.find("\n", offset)
        text = source[line_start : end if end >= 0 else len(source)]
        out.append(f"ERROR: <input>:{line}:{col}: {msg}\n | {text}\n | {'.' * (col - 1)}^")
    return "\n".join(out)
