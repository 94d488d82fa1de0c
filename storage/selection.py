"""Label and field selectors (k8s.io/apimachinery/pkg/labels and /fields) and the selection predicate.

They live in storage because both LIST-from-etcd and the watch cache filter with them; parsing errors are
:class:`SelectorError` and the apiserver turns them into 400 BadRequest.
"""

from __future__ import annotations

import functools
import json
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
        """labels.Parse; the requirements of short selectors remembered (clients send the same few again)."""
        if len(text) <= _REMEMBERED_LENGTH:
            return cls(_LABELS_REMEMBERED(text))
        return cls(parse_label_requirements(text))


# The lexer and parser of k8s.io/apimachinery/pkg/labels/selector.go, with its error texts (kubectl shows them).
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_TOKENS = {")": "close", ",": "comma", "!": "not", "==": "eqeq", "=": "eq", ">": "gt", "in": "in", "<": "lt",
           "!=": "ne", "notin": "notin", "(": "open"}  # fmt: skip
_BINARY = {"in": "in", "eq": "=", "eqeq": "==", "gt": "gt", "lt": "lt", "notin": "notin", "ne": "!="}
_LABEL_KEY_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_INT64 = re.compile(r"^[+-]?[0-9]+\Z")


def _lex(text: str) -> list[tuple[str, str]]:
    """Lexer.Lex until the end (Go's reader gives 0 for a NUL byte: where a token would start, the end)."""
    items: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _SPACE:
            pos += 1
        if pos >= end or text[pos] == "\0":
            items.append(("end", ""))
            return items
        if text[pos] in _SPECIAL:  # the longest operator these symbols start
            buffer, last = "", ("", "")
            while pos < end and (text[pos] in _SPECIAL or text[pos] == "\0"):
                if text[pos] == "\0":  # Go's read gives 0 for it, which ends the symbol (and is consumed)
                    pos += 1
                    break
                if buffer + text[pos] in _TOKENS:
                    buffer += text[pos]
                    last = (_TOKENS[buffer], buffer)
                    pos += 1
                elif last[0]:
                    break
                else:
                    buffer += text[pos]
                    pos += 1
            items.append(last if last[0] else ("error", f"error expected: keyword found '{buffer}'"))
            continue
        start = pos
        while pos < end and text[pos] not in _SPACE and text[pos] not in _SPECIAL and text[pos] != "\0":
            pos += 1
        word = text[start:pos]
        if pos < end and text[pos] == "\0":
            pos += 1  # it ends the word and is consumed (Lex only stops at a NUL that starts a token)
        items.append((_TOKENS[word], word) if word in ("in", "notin") else ("id", word))


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def label_key_errors(key: str) -> list[str]:
    """content.IsLabelKey."""
    parts = key.split("/")
    if len(parts) > 2:
        return [f"a valid label key {_LABEL_KEY_MSG} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]  # fmt: skip
    errs = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix.encode()) > 253:
                errs.append("prefix part must be no more than 253 bytes")
            if not _DNS_SUBDOMAIN.match(prefix):
                errs.append(f"prefix part {_SUBDOMAIN_MSG}")
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part must be no more than 63 bytes")
    if not _LABEL_KEY_NAME.match(name):
        errs.append(f"name part {_LABEL_KEY_MSG}")
    return errs


def _label_value_errors(value: str) -> list[str]:
    errs = ["must be no more than 63 bytes"] if len(value.encode()) > 63 else []
    if not _LABEL_VALUE.match(value):
        errs.append(_LABEL_VALUE_MSG)
    return errs


class _LabelParser:
    """labels.Parse: ``in`` and ``notin`` are values where values are expected, operators elsewhere."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.at = 0

    def _look(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.at]
        return ("id" if values and tok in ("in", "notin") else tok), lit

    def _take(self, values: bool = True) -> tuple[str, str]:
        found = self._look(values)
        if found[0] != "end":
            self.at += 1
        return found

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self._look()
            if tok == "end":
                break
            if tok not in ("id", "not"):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self._requirement())
            except _RequirementError as exc:
                raise SelectorError(f"unable to parse requirement: {exc}") from None
            tok, lit = self._take()
            if tok == "end":
                break
            if tok != "comma":
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self._look()
            if tok not in ("id", "not"):
                raise SelectorError(f"found '{lit}', expected: identifier after ','")
        return sorted(reqs, key=lambda r: r.key)

    def _requirement(self) -> Requirement:
        tok, key = self._take()
        op = ""
        if tok == "not":
            op = "!"
            tok, key = self._take()
        if tok != "id":
            raise _RequirementError(f"found '{key}', expected: identifier")
        if errs := label_key_errors(key):
            raise _RequirementError(f"<nil>: Invalid value: {_quote(key)}: {'; '.join(errs)}")
        if self._look()[0] in ("end", "comma") and not op:
            op = "exists"
        if op in ("!", "exists"):
            return Requirement(key, op)
        tok, lit = self._take(values=False)
        if tok not in _BINARY:
            raise _RequirementError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY[tok]
        values = self._set() if op in ("in", "notin") else self._exact()
        return _new_requirement(key, op, sorted(values))

    def _set(self) -> set[str]:
        tok, lit = self._take()
        if tok != "open":
            raise _RequirementError(f"found '{lit}' expected: '('")
        tok, lit = self._look()
        if tok == "close":
            self._take()
            return {""}
        if tok not in ("id", "comma"):
            raise _RequirementError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifiers()
        if self._take()[0] != "close":
            raise _RequirementError(f"found '{lit}', expected: ')'")  # (kube names the first value here)
        return values

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self._take()
            if tok == "id":
                values.add(lit)
                after, lit2 = self._look()
                if after == "comma":
                    continue
                if after == "close":
                    return values
                raise _RequirementError(f"found '{lit2}', expected: ',' or ')'")
            if tok != "comma":
                raise _RequirementError(f"found '{lit}', expected: ',', or identifier")
            if not values:
                values.add("")
            after = self._look()[0]
            if after == "close":
                values.add("")
                return values
            if after == "comma":
                values.add("")

    def _exact(self) -> set[str]:
        if self._look()[0] in ("end", "comma"):
            return {""}
        tok, lit = self._take()
        if tok != "id":
            raise _RequirementError(f"found '{lit}', expected: identifier")
        return {lit}


class _RequirementError(Exception):
    pass


def _new_requirement(key: str, op: str, values: list[str]) -> Requirement:
    """labels.NewRequirement's checks of the values (the key was checked as it was read)."""
    errs = []
    if op in ("gt", "lt"):
        for i, value in enumerate(values):
            if not _INT64.match(value) or not -(2**63) <= int(value) < 2**63:
                errs.append(f"values[{i}]: Invalid value: {_quote(value)}: for 'Gt', 'Lt' operators, the value must "
                            "be an integer")  # fmt: skip
    for i, value in enumerate(values):
        if msgs := _label_value_errors(value):
            errs.append(f"values[{i}][{key}]: Invalid value: {_quote(value)}: {'; '.join(msgs)}")
    if errs:
        raise _RequirementError(errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")
    return Requirement(key, op, tuple(values))


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
        """fields.ParseSelector: comma-separated ``f=v`` / ``f==v`` / ``f!=v`` terms (sorted, as kube reads
        them), the value's ``\\``, ``\\,`` and ``\\=`` escapes, its errors' texts. Short selectors' terms are
        remembered."""
        if len(text) <= _REMEMBERED_LENGTH:
            return cls(_FIELDS_REMEMBERED(text))
        return cls(parse_field_requirements(text))


def parse_field_requirements(text: str) -> tuple[FieldRequirement, ...]:
    """fields.ParseSelector's terms, parsed anew (FieldSelector.parse remembers short selectors')."""
    reqs = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        # splitTerm: the first position where "!=", "==" or "=" starts (in that order)
        at, ne = term.find("="), term.find("!=")
        if at < 0 and ne < 0:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        if ne >= 0 and (at < 0 or ne < at):
            at, op = ne, "!="
        else:
            op = "==" if term.startswith("==", at) else "="
        value = _unescape_value(term[at + len(op) :])
        reqs.append(FieldRequirement(term[:at], "!=" if op == "!=" else "=", value))
    return tuple(sorted(reqs, key=lambda r: (r.field, r.op, r.value)))


def parse_label_requirements(text: str) -> tuple[Requirement, ...]:
    """labels.Parse's requirements, parsed anew (LabelSelector.parse remembers short selectors')."""
    return tuple(_LabelParser(text).parse())


#: selectors up to this long have their parsed requirements remembered (immutable: shared by every request)
_REMEMBERED_LENGTH = 1024
_FIELDS_REMEMBERED = functools.lru_cache(maxsize=1024)(parse_field_requirements)
_LABELS_REMEMBERED = functools.lru_cache(maxsize=1024)(parse_label_requirements)


def _split_terms(text: str) -> list[str]:
    """splitTerms: at each comma no backslash escapes (the terms keep their escapes)."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape_value(text: str) -> str:
    """UnescapeValue: ``\\\\``, ``\\,`` and ``\\=`` are the characters; any other escape, a trailing backslash, or a
    bare ``,`` or ``=`` is kube's error."""
    if "\\" not in text and "," not in text and "=" not in text:
        return text
    out, escaped = [], False
    for ch in text:
        if escaped:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
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
