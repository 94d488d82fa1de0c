"""Go (RE2) patterns of CRD schemas run with Python's re (apiserver/apiextensions/regex.py)."""

from __future__ import annotations

import re

import pytest

from aiokube.apiserver.apiextensions.regex import Untranslatable, compile_go_regexp, go_regexp_error


def test_dollar_is_end_of_text_and_classes_are_ascii() -> None:
    assert compile_go_regexp("^a$").search("a\n") is None
    assert compile_go_regexp(r"^a\z").search("a") is not None
    assert compile_go_regexp(r"^\d+$").search("١٢") is None  # Go's \d is ASCII only
    assert compile_go_regexp("^[[:alpha:]_]+$").search("ab_") is not None
    assert compile_go_regexp("(?m)^a$").search("a\nb") is not None  # multi-line $ keeps its meaning


def test_unicode_classes_cannot_be_translated() -> None:
    with pytest.raises(Untranslatable):
        compile_go_regexp(r"^\p{L}+$")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("(abc", "error parsing regexp: missing closing ): `(abc`"),
     ("abc)", "error parsing regexp: unexpected ): `abc)`"),
     ("[abc", "error parsing regexp: missing closing ]: `[abc`"),
     ("*a", "error parsing regexp: missing argument to repetition operator: `*`")],
)  # fmt: skip
def test_compile_errors_read_as_go_reads_them(pattern: str, message: str) -> None:
    with pytest.raises(re.error) as info:
        compile_go_regexp(pattern)
    assert go_regexp_error(pattern, info.value) == message
