"""Label and field selectors (k8s.io/apimachinery/pkg/labels and /fields) and the selection predicate.

They live in storage because both LIST-from-etcd and the watch cache filter with them; parsing errors are
:class:`SelectorError` and the apiserver turns them into 400 BadRequest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import StorageError

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


class SelectorError(StorageError):
    pass


# --- labels -------------------------------------------------------------------------------------------

_OPS = ("=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # one of _OPS ("!" = does not exist)
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.op
        if op in ("=", "==", "in"):
            return self.key in labels and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if self.key not in labels:
            return False
        try:
            have = int(labels[self.key])
        except ValueError:
            return False
        want = int(self.values[0])
        return have > want if op == "gt" else have < want

    def __str__(self) -> str:
        if self.op == "exists":
            return self.key
        if self.op == "!":
            return f"!{self.key}"
        if self.op in ("in", "notin"):
            return f"{self.key} {self.op} ({','.join(self.values)})"
        sym = {"gt": ">", "lt": "<"}.get(self.op, self.op)
        return f"{self.key}{sym}{self.values[0]}"


class LabelSelector:
    """A conjunction of requirements; the empty selector matches everything."""

    __slots__ = ("requirements",)

    def __init__(self, requirements: tuple[Requirement, ...] = ()) -> None:
        self.requirements = requirements

    def empty(self) -> bool:
        return not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def exact_value(self, key: str) -> str | None:
        """The single value ``key`` must have, if the selector pins one (used for index lookups)."""
        for r in self.requirements:
            if r.key == key and (r.op in ("=", "==") or (r.op == "in" and len(r.values) == 1)):
                return r.values[0]
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        return cls(tuple(_LabelParser(text).parse()))


_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)")


class _LabelParser:
    """Recursive-descent parser for the label selector grammar of k8s.io/apimachinery/pkg/labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = []
        pos = 0
        stripped = text.strip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if not m:
                raise SelectorError(f"unable to parse requirement: unexpected character in {text!r}")
            self.tokens.append(m.group(1))
            pos = m.end()
            while pos < len(stripped) and stripped[pos].isspace():
                pos += 1
        self.i = 0

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _next(self) -> str | None:
        tok = self._peek()
        self.i += 1
        return tok

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        if not self.tokens:
            return reqs
        while True:
            reqs.append(self._requirement())
            tok = self._next()
            if tok is None:
                break
            if tok != ",":
                raise SelectorError(f"found '{tok}', expected: ',' or 'end of string'")
        return sorted(reqs, key=lambda r: r.key)

    def _key(self, tok: str | None) -> str:
        if tok is None or tok in ("=", "==", "!=", "(", ")", ",", "!", ">", "<"):
            raise SelectorError(f"found '{tok or ''}', expected: identifier")
        _validate_label_key(tok)
        return tok

    def _requirement(self) -> Requirement:
        tok = self._next()
        if tok == "!":
            key = self._key(self._next())
            nxt = self._peek()
            if nxt not in (None, ","):
                raise SelectorError(f"found '{nxt}', expected: ',' or 'end of string'")
            return Requirement(key, "!")
        key = self._key(tok)
        op = self._peek()
        if op in (None, ","):
            return Requirement(key, "exists")
        self.i += 1
        if op in ("=", "==", "!="):
            value = self._peek()
            if value in (None, ","):
                value = ""
            else:
                self.i += 1
                if value in ("(", ")", "=", "==", "!=", "!", ">", "<"):
                    raise SelectorError(f"found '{value}', expected: identifier")
            _validate_label_value(value)
            return Requirement(key, op, (value,))
        if op in (">", "<"):
            value = self._next()
            try:
                int(value or "")
            except ValueError:
                raise SelectorError(
                    f"for 'Gt', 'Lt' operators, exactly one value is required, and it must be an integer: {value!r}"
                ) from None
            return Requirement(key, "gt" if op == ">" else "lt", (value or "",))
        if op in ("in", "notin"):
            tok = self._next()
            if tok != "(":
                raise SelectorError(f"found '{tok or ''}', expected: '('")
            raw: list[str] = []
            while (tok := self._next()) != ")":
                if tok is None:
                    raise SelectorError("found '', expected: ')'")
                raw.append(tok)
            if not raw:
                raise SelectorError("for 'in', 'notin' operators, values set can't be empty")
            vals = tuple(sorted(set("".join(raw).split(","))))
            for v in vals:
                _validate_label_value(v)
            return Requirement(key, op, vals)
        raise SelectorError(f"found '{op}', expected: in, notin, =, ==, !=, gt, lt")


def _validate_label_key(key: str) -> None:
    parts = key.split("/")
    name = parts[-1]
    if len(parts) > 2 or not name or len(name) > 63 or not _LABEL_VALUE.match(name):
        raise SelectorError(
            f'unable to parse requirement: key: Invalid value: "{key}": name part must consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )


def _validate_label_value(value: str) -> None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise SelectorError(
            f'unable to parse requirement: values[0]: Invalid value: "{value}": a valid label must be an '
            "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
            "an alphanumeric character"
        )


# --- fields -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    field: str
    op: str  # "=" or "!="
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.field, "")
        return have == self.value if self.op == "=" else have != self.value


class FieldSelector:
    __slots__ = ("requirements",)

    def __init__(self, requirements: tuple[FieldRequirement, ...] = ()) -> None:
        self.requirements = requirements

    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self.requirements)

    def exact_value(self, field: str) -> str | None:
        for r in self.requirements:
            if r.field == field and r.op == "=":
                return r.value
        return None

    @classmethod
    def parse(cls, text: str) -> FieldSelector:
        """fields.ParseSelector: comma-separated ``f=v`` / ``f==v`` / ``f!=v``, backslash escapes."""
        reqs = []
        for term in _split_unescaped(text, ","):
            if not term:
                continue
            for op_text, op in (("!=", "!="), ("==", "="), ("=", "=")):
                idx = _find_unescaped(term, op_text)
                if idx >= 0:
                    field, value = term[:idx], _unescape(term[idx + len(op_text) :])
                    reqs.append(FieldRequirement(field, op, value))
                    break
            else:
                raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        return cls(tuple(sorted(reqs, key=lambda r: (r.field, r.op, r.value))))


def _split_unescaped(text: str, sep: str) -> list[str]:
    out, cur, escaped = [], [], False
    for ch in text:
        if escaped:
            cur.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if escaped:
        cur.append("\\")
    out.append("".join(cur))
    return out


def _find_unescaped(text: str, needle: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    out, escaped = [], False
    for ch in text:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out)


# --- predicate ----------------------------------------------------------------------------------------

FieldsFunc = Callable[[dict[str, Any]], Mapping[str, str]]


@dataclass(slots=True)
class SelectionPredicate:
    """What a LIST/WATCH asks for: label + field selectors evaluated on an object's attributes."""

    label: LabelSelector
    field: FieldSelector
    fields_of: FieldsFunc

    def empty(self) -> bool:
        return self.label.empty() and self.field.empty()

    def matches(self, obj: dict[str, Any]) -> bool:
        if not self.label.empty() and not self.label.matches((obj.get("metadata") or {}).get("labels")):
            return False
        return self.field.empty() or self.field.matches(self.fields_of(obj))

    def matches_attrs(self, labels: Mapping[str, str] | None, fields: Mapping[str, str]) -> bool:
        """Match precomputed attributes (the watch cache computes them once per event)."""
        if not self.label.empty() and not self.label.matches(labels):
            return False
        return self.field.empty() or self.field.matches(fields)
