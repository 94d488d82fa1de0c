"""Go's conventions, each in one place (apiserver/golang.py): strconv.Quote, reflect type names, HumanDuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aiokube.apiserver.golang import go_quote, go_type_name, human_duration


@pytest.mark.parametrize(
    "s, want",
    [
        ('a"b\\c\n\x01é', '"a\\"b\\\\c\\n\\x01é"'),
        ("\a\b\f\r\t\v\x7f", '"\\a\\b\\f\\r\\t\\v\\x7f"'),
        ("\u0085\u00a0\u00ad", '"\\u0085\\u00a0\\u00ad"'),  # C1 control, NBSP, soft hyphen: not IsPrint
        ("日本 ✓ \U0001f600", '"日本 ✓ \U0001f600"'),  # printable runes as they are
        ("\U000e0001", '"\\U000e0001"'),  # a format rune beyond the BMP
        ("\ud800", '"\ufffd"'),  # a lone surrogate is U+FFFD in Go, which is printable
    ],
)
def test_go_quote_is_strconv_quote(s: str, want: str) -> None:
    assert go_quote(s) == want


def test_go_type_name_is_reflect_string() -> None:
    names = [go_type_name(v) for v in (None, True, 1, 1.5, "x", {}, [])]
    assert names == ["nil", "bool", "int64", "float64", "string", "map[string]interface {}", "[]interface {}"]


# --- durations ------------------------------------------------------------------------------------------------

MS = timedelta(milliseconds=1)
S, M, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
Y = 365 * D


@pytest.mark.parametrize(
    "d, want",
    [  # apimachinery duration_test.go TestHumanDuration and TestHumanDurationBoundaries
        (S, "1s"), (70 * S, "70s"), (190 * S, "3m10s"), (70 * M, "70m"), (47 * H, "47h"), (49 * H, "2d1h"),
        ((8 * 24 + 2) * H, "8d"), (367 * D, "367d"), (2 * Y + 25 * H, "2y1d"), (8 * Y + 2 * H, "8y"),
        (-2 * S, "<invalid>"), (-2 * S + timedelta(microseconds=1), "0s"), (timedelta(0), "0s"), (S - MS, "0s"),
        (2 * M - MS, "119s"), (2 * M, "2m"), (2 * M + S, "2m1s"), (10 * M - MS, "9m59s"), (10 * M, "10m"),
        (10 * M + S, "10m"), (3 * H - MS, "179m"), (3 * H, "3h"), (3 * H + M, "3h1m"), (8 * H - MS, "7h59m"),
        (8 * H, "8h"), (8 * H + 59 * M, "8h"), (2 * D - MS, "47h"), (2 * D, "2d"), (2 * D + H, "2d1h"),
        (8 * D - MS, "7d23h"), (8 * D, "8d"), (8 * D + 23 * H, "8d"), (2 * Y - MS, "729d"), (2 * Y, "2y"),
        (2 * Y + 23 * H + 59 * M, "2y"), (2 * Y + D - MS, "2y"), (2 * Y + D, "2y1d"), (3 * Y, "3y"), (7 * Y, "7y"),
        (8 * Y - MS, "7y364d"), (8 * Y, "8y"), (8 * Y + 364 * D, "8y"), (9 * Y, "9y"),
    ],
)  # fmt: skip
def test_human_duration(d: timedelta, want: str) -> None:
    assert human_duration(d) == want


def test_human_duration_takes_go_nanoseconds() -> None:
    assert human_duration(-2 * 10**9 + 1) == "0s"
    assert human_duration(-2 * 10**9) == "<invalid>"
    assert human_duration(119_999_999_999) == "119s"
