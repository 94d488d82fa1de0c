"""kube-openapi's schema validator on custom resources (apiserver/apiextensions/validator.py, formats.py):
each rule's field error, with the messages kube-apiserver 1.36 produces."""

from __future__ import annotations

from typing import Any

import pytest

from aiokube.apiserver.apiextensions.customresource import validate
from aiokube.apiserver.apiextensions.validator import validate_value
from aiokube.apiserver.errors import GroupKind, invalid
from aiokube.apiserver.golang import go_quote
from tests.crdhelpers import check, one, spec_schema, texts


def test_type_mismatch_is_type_invalid_with_openapi_message() -> None:
    c = one(check({"replicas": {"type": "integer"}}, {"replicas": "3"}))
    assert c.type == "FieldValueTypeInvalid"
    assert c.field == "spec.replicas"
    assert c.body == 'Invalid value: "string": spec.replicas in body must be of type integer: "string"'


@pytest.mark.parametrize(
    ("type_", "value", "got"),
    [("string", 5, "integer"), ("boolean", "true", "string"), ("object", [], "array"), ("array", {}, "object"),
     ("number", True, "boolean"), ("integer", 1.5, "number")],
)  # fmt: skip
def test_each_json_type_is_named_as_openapi_names_it(type_: str, value: Any, got: str) -> None:
    causes = check({"x": {"type": type_}}, {"x": value})
    assert causes[0].text() == f'spec.x: Invalid value: "{got}": spec.x in body must be of type {type_}: "{got}"'


def test_integral_float_is_an_integer_but_a_fraction_also_fails_the_range_check() -> None:
    assert check({"n": {"type": "integer"}}, {"n": 3.0}) == []
    assert texts(check({"n": {"type": "integer"}}, {"n": 3.5})) == [
        'spec.n: Invalid value: "number": spec.n in body must be of type integer: "number"',
        '<nil>: Invalid value: "": Checked value must be of type integer (default format) in spec.n',
    ]


def test_number_accepts_integers() -> None:
    assert check({"x": {"type": "number"}}, {"x": 2}) == []


def test_int32_format_range() -> None:
    causes = check({"n": {"type": "integer", "format": "int32"}}, {"n": 2**31})
    assert texts(causes) == [
        '<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.n'
    ]
    assert check({"n": {"type": "integer", "format": "int32"}}, {"n": 2**31 - 1}) == []


def test_null_needs_nullable() -> None:
    schema = {"s": {"type": "string"}, "n": {"type": "string", "nullable": True}}
    assert texts(check(schema, {"s": None, "n": None})) == [
        'spec.s: Invalid value: "null": spec.s in body must be of type string: "null"'
    ]


def test_required() -> None:
    c = one(check({"name": {"type": "string"}}, {}, required=["name"]))
    assert (c.type, c.field, c.body) == ("FieldValueRequired", "spec.name", "Required value")
    # a present null satisfies required (only the key is checked)
    assert check({"name": {"type": "string", "nullable": True}}, {"name": None}, required=["name"]) == []


def test_required_at_the_root_has_no_leading_dot() -> None:
    causes = validate({"kind": "W"}, {"type": "object", "required": ["spec"], "properties": {"spec": {}}})
    assert texts(causes) == ["spec: Required value"]


def test_enum_strings_and_other_values() -> None:
    c = one(check({"color": {"type": "string", "enum": ["blue", "green"]}}, {"color": "red"}))
    assert c.type == "FieldValueNotSupported"
    assert c.text() == 'spec.color: Unsupported value: "red": supported values: "blue", "green"'
    c = one(check({"n": {"type": "integer", "enum": [1, 2.5, {"a": 1}]}}, {"n": 3}))
    assert c.body == 'Unsupported value: 3: supported values: "1", "2.5", "{\\"a\\":1}"'


def test_enum_compares_after_go_conversion() -> None:
    # reflect.Convert to the enum value's type: 1.0 matches 1, and 2.7 truncates to 2
    assert check({"n": {"type": "number", "enum": [1, 2]}}, {"n": 1.0}) == []
    assert check({"n": {"type": "number", "enum": [2]}}, {"n": 2.7}) == []
    assert check({"s": {"type": "string", "enum": ["1"]}}, {"s": "1"}) == []


def test_enum_rejects_null_even_when_nullable() -> None:
    c = one(check({"s": {"type": "string", "nullable": True, "enum": ["a"]}}, {"s": None}))
    assert c.text() == 'spec.s: Unsupported value: null: supported values: "a"'


def test_maximum_minimum_inclusive_and_exclusive() -> None:
    props = {"r": {"type": "integer", "minimum": 1, "maximum": 10}}
    assert texts(check(props, {"r": 11})) == [
        "spec.r: Invalid value: 11: spec.r in body should be less than or equal to 10"
    ]
    assert texts(check(props, {"r": 0})) == [
        "spec.r: Invalid value: 0: spec.r in body should be greater than or equal to 1"
    ]
    props = {
        "r": {"type": "number", "minimum": 0.5, "exclusiveMinimum": True, "maximum": 2.5, "exclusiveMaximum": True}
    }
    assert texts(check(props, {"r": 2.5})) == ["spec.r: Invalid value: 2.5: spec.r in body should be less than 2.5"]
    assert texts(check(props, {"r": 0.5})) == ["spec.r: Invalid value: 0.5: spec.r in body should be greater than 0.5"]
    assert check(props, {"r": 1}) == []


def test_fractional_maximum_on_an_integer_is_reported_for_every_value() -> None:
    causes = check({"r": {"type": "integer", "maximum": 10.5}}, {"r": 3})
    assert texts(causes) == [
        '<nil>: Invalid value: "": Maximum boundary value must be of type integer (default format) in spec.r'
    ]


def test_multiple_of() -> None:
    assert texts(check({"n": {"type": "integer", "multipleOf": 5}}, {"n": 12})) == [
        "spec.n: Invalid value: 12: spec.n in body should be a multiple of 5"
    ]
    assert texts(check({"f": {"type": "number", "multipleOf": 0.5}}, {"f": 1.3})) == [
        "spec.f: Invalid value: 1.3: spec.f in body should be a multiple of 0.5"
    ]
    assert check({"f": {"type": "number", "multipleOf": 0.5}}, {"f": 1.5}) == []


def test_string_lengths_and_pattern() -> None:
    props = {"name": {"type": "string", "minLength": 3, "maxLength": 8, "pattern": "^[a-z]+$"}}
    c = one(check(props, {"name": "ab"}))
    assert c.text() == 'spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long'
    c = one(check(props, {"name": "abcdefghi"}))
    assert (c.type, c.text()) == ("FieldValueTooLong", "spec.name: Too long: may not be more than 8 bytes")
    c = one(check(props, {"name": "ABC"}))
    assert c.text() == "spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"
    c = one(check({"x": {"type": "string", "maxLength": 1}}, {"x": "ab"}))
    assert c.body == "Too long: may not be more than 1 byte"
    # lengths count runes, not bytes
    assert check({"x": {"type": "string", "maxLength": 2}}, {"x": "éé"}) == []


def test_pattern_uses_go_semantics() -> None:
    # Go's $ is the end of the text: a trailing newline does not match
    assert len(check({"x": {"type": "string", "pattern": "^a$"}}, {"x": "a\n"})) == 1
    assert check({"x": {"type": "string", "pattern": "^[[:digit:]]+$"}}, {"x": "123"}) == []
    assert check({"x": {"type": "string", "pattern": "b"}}, {"x": "abc"}) == []  # unanchored search


def test_array_counts_and_uniqueness() -> None:
    props = {"items": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}}}
    c = one(check(props, {"items": ["a", "b", "c", "d"]}))
    assert (c.type, c.text()) == ("FieldValueTooMany", "spec.items: Too many: 4: must have at most 3 items")
    c = one(check(props, {"items": ["a"]}))
    assert c.text() == "spec.items: Invalid value: 1: spec.items in body should have at least 2 items"
    c = one(check({"u": {"type": "array", "uniqueItems": True, "items": {"type": "integer"}}}, {"u": [1, 2, 1]}))
    assert c.text() == 'spec.u: Invalid value: "": spec.u in body shouldn\'t contain duplicates'


def test_max_items_of_one_is_singular() -> None:
    c = one(check({"l": {"type": "array", "maxItems": 1, "items": {"type": "string"}}}, {"l": ["a", "b"]}))
    assert c.body == "Too many: 2: must have at most 1 item"


def test_item_paths_are_indexed() -> None:
    props = {"items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    c = one(check(props, {"items": [{"name": "a"}, {"name": 5}]}))
    assert c.field == "spec.items[1].name"
    assert c.body == 'Invalid value: "integer": spec.items[1].name in body must be of type string: "integer"'


def test_object_property_counts_and_additional_properties() -> None:
    props = {
        "labels": {"type": "object", "minProperties": 2, "maxProperties": 2, "additionalProperties": {"type": "string"}}
    }
    assert texts(check(props, {"labels": {"a": "x"}})) == [
        "spec.labels: Invalid value: 1: spec.labels in body should have at least 2 properties"
    ]
    assert texts(check(props, {"labels": {"a": "x", "b": "y", "c": 1}})) == [
        "spec.labels: Too many: 3: must have at most 2 items",
        'spec.labels.c: Invalid value: "integer": spec.labels.c in body must be of type string: "integer"',
    ]


def test_additional_properties_false() -> None:
    props = {"o": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}}
    assert texts(check(props, {"o": {"a": "x", "b": 1}})) == [
        'spec.o: Invalid value: "b": spec.o.b in body is a forbidden property'
    ]


def test_preserve_unknown_fields_still_validates_specified_properties() -> None:
    props = {
        "free": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {"n": {"type": "integer"}},
        }
    }
    assert check(props, {"free": {"anything": [1, {"x": "y"}]}}) == []
    assert len(check(props, {"free": {"n": "x"}})) == 1


def test_int_or_string() -> None:
    props = {"port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}}
    assert check(props, {"port": 80}) == []
    assert check(props, {"port": "http"}) == []
    assert texts(check(props, {"port": True})) == [
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        '<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
    ]


def test_one_of_all_of_not() -> None:
    props = {"n": {"type": "integer", "oneOf": [{"minimum": 5}, {"maximum": 3}]}}
    assert check(props, {"n": 7}) == []
    assert texts(check(props, {"n": 4}))[0] == (
        '<nil>: Invalid value: "": "spec.n" must validate one and only one schema (oneOf). Found none valid'
    )
    props = {"n": {"type": "integer", "allOf": [{"minimum": 5}], "not": {"maximum": 0}}}
    assert texts(check(props, {"n": -1})) == [
        "spec.n: Invalid value: -1: spec.n in body should be greater than or equal to 5",
        '<nil>: Invalid value: "": "spec.n" must validate all the schemas (allOf). None validated',
        '<nil>: Invalid value: "": "spec.n" must not validate the schema (not)',
    ]


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [("date-time", "2024-01-02T03:04:05Z", "2024-01-02 03:04"), ("date", "2024-02-29", "2023-02-29"),
     ("uuid", "123e4567-e89b-12d3-a456-426614174000", "xyz"), ("ipv4", "10.0.0.1", "10.0.0.256"),
     ("ipv6", "::1", "1.2.3.4"), ("cidr", "10.0.0.0/8", "10.0.0.0/33"), ("mac", "01:23:45:67:89:ab", "01:23"),
     ("hostname", "example.com", "-bad-.com"), ("byte", "aGVsbG8=", "hello"), ("duration", "1h30m", "soon"),
     ("k8s-short-name", "my-name", "My_Name"), ("email", "a@b.example", "not-an-email")],
)  # fmt: skip
def test_string_formats(fmt: str, good: str, bad: str) -> None:
    props = {"x": {"type": "string", "format": fmt}}
    assert check(props, {"x": good}) == []
    c = one(check(props, {"x": bad}))
    assert c.type == "FieldValueTypeInvalid"
    assert c.body == f"Invalid value: {go_quote(bad)}: spec.x in body must be of type {fmt}: {go_quote(bad)}"


def test_unknown_formats_are_ignored() -> None:
    assert check({"x": {"type": "string", "format": "no-such-format"}}, {"x": "anything"}) == []


def test_validate_value_under_a_field_path() -> None:
    status_schema = {"type": "object", "properties": {"ready": {"type": "boolean"}}}
    causes = validate_value({"ready": "yes"}, status_schema, "status")
    assert texts(causes) == ['status.ready: Invalid value: "string": ready in body must be of type boolean: "string"']


def test_causes_feed_the_invalid_status() -> None:
    causes = check({"replicas": {"type": "integer"}}, {"replicas": "x"})
    err = invalid(GroupKind("example.com", "Widget"), "w", causes)
    assert err.status()["message"] == (
        'Widget.example.com "w" is invalid: spec.replicas: Invalid value: "string": '
        'spec.replicas in body must be of type integer: "string"'
    )
    assert err.status()["details"]["causes"] == [
        {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
            "field": "spec.replicas",
        }
    ]


def test_metadata_is_not_validated_by_validate() -> None:
    assert validate({"metadata": {"name": "NOT VALID"}, "spec": {}}, spec_schema({})) == []


def test_enum_integer_converts_to_a_rune_as_go_does() -> None:
    # reflect.Value.Convert(int64 → string) yields the rune: 97 "is" "a" for kube's enum check
    assert check({"x": {"x-kubernetes-int-or-string": True, "enum": ["a"]}}, {"x": 97}) == []
    assert len(check({"x": {"x-kubernetes-int-or-string": True, "enum": ["a"]}}, {"x": 98})) == 1


def test_type_error_at_the_root_has_the_nil_path() -> None:
    causes = validate_value([], {"type": "object"})
    assert texts(causes) == ['<nil>: Invalid value: "array":  in body must be of type object: "array"']
