"""Go's conventions, each in one place (apiserver/golang.py): strconv.Quote, reflect type names, fmt %v,
strconv.FormatFloat, encoding/json, reflect.DeepEqual and HumanDuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aiokube.apiserver.golang import (
    GoJSON,
    go_deep_equal,
    go_float,
    go_float_f,
    go_int,
    go_is_print,
    go_json,
    go_json_float,
    go_json_string,
    go_quote,
    go_type_name,
    go_v,
    human_duration,
)


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


def test_go_deep_equal_keeps_go_types_apart() -> None:
    assert go_deep_equal({"a": [1, "x", None]}, {"a": [1, "x", None]})
    assert not go_deep_equal(1, 1.0)  # int64 and float64
    assert not go_deep_equal(True, 1)
    assert not go_deep_equal([1], [1, 2])
    assert not go_deep_equal({"a": 1}, {"b": 1})


def test_go_int_truncates() -> None:
    assert [go_int(2.7), go_int(-2.7), go_int(float("nan")), go_int(float("inf"))] == [2, -2, 0, 0]


def test_go_is_print_is_unicode_is_print() -> None:
    assert [go_is_print(c) for c in ("a", " ", "é", "✓", "\t", "\u00a0", "\u200b")] == [
        True, True, True, True, False, False, False,
    ]  # fmt: skip


# --- value rendering ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (3.0, "3"), (1e6, "1e+06"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
     (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5"), (1e21, "1e+21")],
)  # fmt: skip
def test_go_float_is_fmt_v(value: float, text: str) -> None:
    assert go_float(value) == text


def test_go_json_floats_keys_and_escapes() -> None:
    assert go_json({"b": 1.0, "a": [1e21, 1e-7, 0.5], "c": "<&>"}) == (
        '{"a":[1e+21,1e-7,0.5],"b":1,"c":"\\u003c\\u0026\\u003e"}'
    )


def test_go_float_forms() -> None:
    assert [go_float_f(1e21), go_float_f(1e-7), go_float_f(-0.0), go_float_f(float("inf"))] == [
        "1000000000000000000000", "0.0000001", "-0", "+Inf",
    ]  # fmt: skip
    assert [go_json_float(1e-7), go_json_float(1e20), go_json_float(2.0)] == ["1e-7", "100000000000000000000", "2"]


def test_go_json_string_and_raw_structs() -> None:
    assert go_json_string('a"\u2028\x01\ud800') == '"a\\"\\u2028\\u0001\ufffd"'
    assert go_json([GoJSON('{"Name":"x"}'), None]) == '[{"Name":"x"},null]'


def test_go_v_is_fmt_v_of_json_values() -> None:
    assert go_v({"b": [1, 2.5, None], "a": "x", "c": True}) == "map[a:x b:[1 2.5 <nil>] c:true]"


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
