"""Go regexp (RE2) patterns run with Python's ``re``.

CRD schemas carry Go patterns (``pattern:``), which kube-openapi compiles with Go's ``regexp``. This module
translates the syntax that differs (``$`` is end of text, ``\\z``, POSIX classes), compiles with Go's ASCII
``\\d \\w \\s``, caches the result per pattern and renders Go's ``regexp.Compile`` error texts.

The cache is a module-level dict filled on first use; the server runs on one event loop, so no lock.
"""

from __future__ import annotations

import re

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}  # fmt: skip


class Untranslatable(Exception):
    """A Go regexp construct Python's re cannot express (\\p{…} Unicode classes)."""


def _go_regexp_to_python(pattern: str) -> str:
    r"""Translate RE2 syntax: ``$`` is end of text (``\Z``), ``\z``, POSIX ``[[:alpha:]]`` classes."""
    multiline = bool(re.search(r"\(\?[a-zA-Z]*m", pattern))
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP":
                raise Untranslatable(pattern)
            out.append("\\Z" if nxt == "z" and not in_class else pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            m = re.match(r"\[:(\^?)([a-z]+):\]", pattern[i:])
            if m and m[2] in _POSIX_CLASSES:
                if m[1]:
                    raise Untranslatable(pattern)
                out.append(_POSIX_CLASSES[m[2]])
                i += len(m[0])
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("\\]")
                i += 1
        elif ch == "$" and not multiline:
            out.append("\\Z")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_REGEX_CACHE: dict[str, re.Pattern[str] | Exception] = {}


def compile_go_regexp(pattern: str) -> re.Pattern[str]:
    """Compile a Go pattern; raises Untranslatable or re.error (Go's semantics: \\d \\w \\s are ASCII)."""
    cached = _REGEX_CACHE.get(pattern)
    if cached is None:
        try:
            cached = re.compile(_go_regexp_to_python(pattern), re.ASCII)
        except (re.error, Untranslatable) as exc:
            cached = exc
        _REGEX_CACHE[pattern] = cached
    if isinstance(cached, Exception):
        raise cached
    return cached


def go_regexp_error(pattern: str, exc: re.error) -> str:
    """Go's regexp.Compile message for the commonest mistakes; Python's wording otherwise."""
    msg = exc.msg
    if msg.startswith("missing ), unterminated subpattern"):
        return f"error parsing regexp: missing closing ): `{pattern}`"
    if msg.startswith("unbalanced parenthesis"):
        return f"error parsing regexp: unexpected ): `{pattern}`"
    if msg.startswith("unterminated character set"):
        return f"error parsing regexp: missing closing ]: `{pattern[exc.pos or 0 :]}`"
    if msg.startswith("nothing to repeat") or msg.startswith("multiple repeat"):
        pos = exc.pos or 0
        return f"error parsing regexp: missing argument to repetition operator: `{pattern[pos : pos + 1]}`"
    if msg.startswith("bad escape"):
        pos = exc.pos or 0
        return f"error parsing regexp: invalid escape sequence: `{pattern[pos : pos + 2]}`"
    return f"error parsing regexp: {msg}: `{pattern}`"
