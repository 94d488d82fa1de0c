"""Unit tests for apiserver/apiextensions/: structural pruning, defaulting, schema validation, CRD validation
and printer columns, with the messages kube-apiserver 1.36 produces (derived from apiextensions-apiserver
and kube-openapi sources; see the module docstring)."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from aiokube.apiserver.apiextensions import crdschema as cs
from aiokube.apiserver.errors import Cause, GroupKind, invalid
from aiokube.apiserver.golang import go_quote

Obj = dict[str, Any]


def texts(causes: list[Cause]) -> list[str]:
    return [c.text() for c in causes]


def one(causes: list[Cause]) -> Cause:
    assert len(causes) == 1, texts(causes)
    return causes[0]


def spec_schema(props: Obj, **extra: Any) -> Obj:
    """A root schema whose spec has ``props``."""
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": props, **extra}}}


def check(props: Obj, spec: Any, **extra: Any) -> list[Cause]:
    return cs.validate({"apiVersion": "example.com/v1", "kind": "Widget", "spec": spec}, spec_schema(props, **extra))


# ---------------------------------------------------------------------------------------------------------
# Go rendering
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (3.0, "3"), (1e6, "1e+06"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
     (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5"), (1e21, "1e+21")],
)  # fmt: skip
def test_go_float_is_fmt_v(value: float, text: str) -> None:
    assert cs.go_float(value) == text


def test_go_json_floats_keys_and_escapes() -> None:
    assert cs.go_json({"b": 1.0, "a": [1e21, 1e-7, 0.5], "c": "<&>"}) == (
        '{"a":[1e+21,1e-7,0.5],"b":1,"c":"\\u003c\\u0026\\u003e"}'
    )


# ---------------------------------------------------------------------------------------------------------
# validate: kube-openapi rules as field errors
# ---------------------------------------------------------------------------------------------------------


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
    causes = cs.validate({"kind": "W"}, {"type": "object", "required": ["spec"], "properties": {"spec": {}}})
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


def test_list_type_set_and_map_uniqueness() -> None:
    props = {
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "ports": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}, "p": {"type": "integer"}}},
        },
    }
    causes = check(
        props, {"tags": ["a", "b", "a", "a", "b"], "ports": [{"name": "x"}, {"name": "x", "p": 1}, {"p": 2}, {}]}
    )
    assert [(c.type, c.text()) for c in causes] == [
        ("FieldValueDuplicate", 'spec.tags[2]: Duplicate value: "a"'),
        ("FieldValueDuplicate", 'spec.tags[4]: Duplicate value: "b"'),
        ("FieldValueDuplicate", 'spec.ports[1]: Duplicate value: {"name":"x"}'),
        ("FieldValueDuplicate", "spec.ports[3]: Duplicate value: {}"),
    ]


def test_list_map_with_several_keys_and_set_typing() -> None:
    props = {
        "m": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["a", "b"],
            "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}},
        },
        "s": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "number"}},
    }
    causes = check(props, {"m": [{"a": "x", "b": 1}, {"a": "x", "b": 2}, {"a": "x", "b": 1}], "s": [1, 1.5]})
    assert texts(causes) == ['spec.m[2]: Duplicate value: {"a":"x","b":1}']


def test_list_map_items_must_be_objects() -> None:
    props = {"m": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["a"], "items": {}}}
    causes = cs.validate({"spec": {"m": [{"a": 1}, "x"]}}, spec_schema(props))
    assert texts(causes) == ['spec.m[1]: Invalid value: "x": must be an object for an array of list-type map']


def test_embedded_resources_are_checked_for_type_and_object_meta() -> None:
    props = {
        "tmpl": {"type": "object", "x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True}
    }
    assert texts(check(props, {"tmpl": {}})) == [
        "spec.tmpl.apiVersion: Required value",
        "spec.tmpl.kind: Required value",
    ]
    causes = check(props, {"tmpl": {"apiVersion": "a/b/c", "kind": "Bad_Kind", "metadata": {"name": "a/b"}}})
    assert texts(causes) == [
        'spec.tmpl.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
        'spec.tmpl.kind: Invalid value: "Bad_Kind": may have mixed case, but should otherwise match: a DNS-1035 label '
        "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end "
        "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')",
        "spec.tmpl.metadata.name: Invalid value: \"a/b\": may not contain '/'",
    ]
    causes = check(props, {"tmpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 5}}})
    assert texts(causes) == [
        'spec.tmpl.metadata: Invalid value: {"name":5}: json: cannot unmarshal number into Go struct field '
        "ObjectMeta.name of type string"
    ]


def test_validate_value_under_a_field_path() -> None:
    status_schema = {"type": "object", "properties": {"ready": {"type": "boolean"}}}
    causes = cs.validate_value({"ready": "yes"}, status_schema, "status")
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
    assert cs.validate({"metadata": {"name": "NOT VALID"}, "spec": {}}, spec_schema({})) == []


# ---------------------------------------------------------------------------------------------------------
# prune
# ---------------------------------------------------------------------------------------------------------

PRUNE_SCHEMA = spec_schema(
    {
        "a": {"type": "string"},
        "list": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "string"}}}},
        "free": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {"typed": {"type": "object", "properties": {"z": {"type": "integer"}}}},
        },
        "map": {"type": "object", "additionalProperties": {"type": "object", "properties": {"v": {"type": "integer"}}}},
        "anything": {"type": "object", "additionalProperties": True},
        "tmpl": {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": {"type": "object"}}},
    }
)


def test_prune_unknown_fields_and_report_them() -> None:
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "whatever": 1},
        "extra": 1,
        "spec": {
            "a": "x",
            "b": 2,
            "list": [{"n": "1", "x": 1}],
            "free": {"keep": {"deep": 1}, "typed": {"z": 1, "drop": 2}},
            "map": {"k": {"v": 1, "w": 2}},
            "anything": {"s": "kept", "nested": {"gone": 1}},
            "tmpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}, "status": {}},
        },
    }
    pruned = cs.prune(obj, PRUNE_SCHEMA)
    assert pruned == [
        "extra",
        "spec.anything.nested.gone",
        "spec.b",
        "spec.free.typed.drop",
        "spec.list[0].x",
        "spec.map.k.w",
        "spec.tmpl.status",
    ]
    assert obj == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "whatever": 1},  # the root's metadata is never pruned here
        "spec": {
            "a": "x",
            "list": [{"n": "1"}],
            "free": {"keep": {"deep": 1}, "typed": {"z": 1}},
            "map": {"k": {"v": 1}},
            "anything": {"s": "kept", "nested": {}},
            "tmpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
        },
    }


def test_prune_drops_unknown_object_meta_fields_of_embedded_resources() -> None:
    schema = spec_schema(
        {
            "tmpl": {
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "x-kubernetes-preserve-unknown-fields": True,
            }
        }
    )
    obj = {"spec": {"tmpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "bogus": 1, "labels": {}}}}}
    assert cs.prune(obj, schema) == ["spec.tmpl.metadata.bogus"]
    assert obj["spec"]["tmpl"]["metadata"] == {"name": "p"}


def test_prune_without_schema_keeps_only_type_and_object_meta() -> None:
    obj = {"apiVersion": "v1", "kind": "K", "metadata": {"name": "a"}, "spec": {"x": 1}}
    assert cs.prune(obj, None) == ["spec"]
    assert obj == {"apiVersion": "v1", "kind": "K", "metadata": {"name": "a"}}


def test_prune_root_preserve_unknown_fields() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {"spec": {"type": "object", "properties": {}}},
    }
    obj = {"other": {"a": 1}, "spec": {"gone": 1}}
    assert cs.prune(obj, schema) == ["spec.gone"]
    assert obj == {"other": {"a": 1}, "spec": {}}


def test_prune_drops_nulls_that_cannot_be_kept() -> None:
    schema = spec_schema(
        {
            "plain": {"type": "string"},
            "nullable": {"type": "string", "nullable": True},
            "dflt": {"type": "string", "default": "d"},
        }
    )
    obj = {"spec": {"plain": None, "nullable": None, "dflt": None}}
    assert cs.prune(obj, schema) == []
    assert obj == {"spec": {"nullable": None, "dflt": None}}
    obj = {"spec": {"plain": None}}
    cs.prune(obj, schema, drop_nulls=False)
    assert obj == {"spec": {"plain": None}}


# ---------------------------------------------------------------------------------------------------------
# apply_defaults
# ---------------------------------------------------------------------------------------------------------

DEFAULT_SCHEMA = spec_schema(
    {
        "replicas": {"type": "integer", "default": 1},
        "mode": {"type": "string", "nullable": True, "default": "auto"},
        "opts": {"type": "object", "default": {"a": [1]}},
        "nested": {"type": "object", "properties": {"x": {"type": "string", "default": "nx"}}},
        "list": {"type": "array", "items": {"type": "object", "properties": {"p": {"type": "integer", "default": 80}}}},
        "map": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "default": {},
                "properties": {"w": {"type": "integer", "default": 3}},
            },
        },
        "ints": {"type": "array", "items": {"type": "integer", "default": 0}},
    }
)


def test_defaults_fill_missing_fields_items_and_map_values() -> None:
    obj: Obj = {"spec": {"list": [{}, {"p": 1}], "map": {"k": {}, "n": None}, "ints": [None, 5]}}
    cs.apply_defaults(obj, DEFAULT_SCHEMA)
    assert obj == {
        "spec": {
            "list": [{"p": 80}, {"p": 1}],
            "map": {"k": {"w": 3}, "n": {"w": 3}},
            "ints": [0, 5],
            "replicas": 1,
            "mode": "auto",
            "opts": {"a": [1]},
        }
    }


def test_defaults_replace_nulls_only_when_null_is_not_allowed() -> None:
    obj: Obj = {"spec": {"replicas": None, "mode": None}}
    cs.apply_defaults(obj, DEFAULT_SCHEMA)
    assert obj["spec"]["replicas"] == 1
    assert obj["spec"]["mode"] is None


def test_defaults_do_not_create_missing_parents_and_are_copies() -> None:
    obj: Obj = {"spec": {}}
    cs.apply_defaults(obj, DEFAULT_SCHEMA)
    assert "nested" not in obj["spec"]
    obj["spec"]["opts"]["a"].append(2)
    other: Obj = {"spec": {}}
    cs.apply_defaults(other, DEFAULT_SCHEMA)
    assert other["spec"]["opts"] == {"a": [1]}


def test_prune_then_default_then_validate_like_the_decoder() -> None:
    obj = {"spec": {"replicas": None, "unknown": 1}}
    assert cs.prune(obj, DEFAULT_SCHEMA) == ["spec.unknown"]
    cs.apply_defaults(obj, DEFAULT_SCHEMA)
    assert obj["spec"]["replicas"] == 1
    assert cs.validate(obj, DEFAULT_SCHEMA) == []


# ---------------------------------------------------------------------------------------------------------
# printer columns
# ---------------------------------------------------------------------------------------------------------

ROW = {
    "metadata": {
        "name": "w",
        "labels": {"app": "web", "app.kubernetes.io/name": "x"},
        "creationTimestamp": "2024-01-01T00:00:00Z",
    },
    "spec": {
        "replicas": 3,
        "ratio": 2.75,
        "flag": True,
        "obj": {"b": 1, "a": [1]},
        "nothing": None,
        "list": ["a", "b", "c"],
    },
    "status": {"conditions": [{"type": "Progressing", "status": "False"}, {"type": "Ready", "status": "True"}]},
}
NOW = datetime(2024, 1, 3, 5, 0, 0, tzinfo=UTC)


def cells(*columns: tuple[str, str], obj: Obj | None = None) -> list[Any]:
    cols = [{"name": f"c{i}", "type": t, "jsonPath": p} for i, (p, t) in enumerate(columns)]
    return cs.printer_cells(obj or ROW, cols, now=NOW)


def test_printer_cells_by_type() -> None:
    assert cells(
        (".spec.replicas", "integer"),
        (".spec.ratio", "integer"),
        (".spec.replicas", "number"),
        (".spec.flag", "boolean"),
        (".spec.replicas", "string"),
        (".spec.ratio", "string"),
        (".spec.obj", "string"),
        (".spec.nothing", "string"),
        (".spec.nothing", "integer"),
        (".spec.missing", "string"),
        (".spec.flag", "integer"),
    ) == [3, 2, 3.0, True, "3", "2.75", '{"a":[1],"b":1}', "<no value>", None, None, None]


def test_printer_cells_paths() -> None:
    assert cells(
        ('.status.conditions[?(@.type=="Ready")].status', "string"),
        (".metadata.labels.app", "string"),
        ("{.spec.replicas}", "integer"),
        (".spec.list[1]", "string"),
        (".spec.list[-1]", "string"),
        (".spec.list[*]", "string"),
        (".status.conditions[*].type", "string"),
        (".metadata.labels['app\\.kubernetes\\.io/name']", "string"),
        (".spec.list[7]", "string"),
        ('.spec.list[?(@=="b")]', "string"),
    ) == ["True", "web", 3, "b", "c", "a", "Progressing", "x", None, "b"]


def test_printer_filter_with_incomparable_values_gives_no_cell() -> None:
    obj = {"status": {"conditions": [{"type": 1, "status": "x"}, {"type": "Ready", "status": "True"}]}}
    assert cells(('.status.conditions[?(@.type=="Ready")].status', "string"), obj=obj) == [None]


def test_printer_date_columns_are_ages() -> None:
    obj = {"a": "2024-01-03T04:59:30Z", "b": "2024-01-03T04:50:00+00:00", "c": "yesterday", "d": "", "e": 5}
    assert cells(
        (".metadata.creationTimestamp", "date"), (".a", "date"), (".b", "date"), obj=obj | {"metadata": ROW["metadata"]}
    ) == ["2d5h", "30s", "10m"]
    assert cells((".c", "date"), (".d", "date"), (".e", "date"), obj=obj) == ["<invalid>", "<unknown>", None]


def test_printer_rejects_what_kube_cannot_parse() -> None:
    with pytest.raises(cs.JSONPathError, match=re.escape('unrecognized column definition ".spec.list[x]"')):
        cells((".spec.list[x]", "string"))


# ---------------------------------------------------------------------------------------------------------
# validate_crd
# ---------------------------------------------------------------------------------------------------------

WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer", "default": 1}}},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


def make_crd(**spec: Any) -> Obj:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": copy.deepcopy(WIDGET_SCHEMA)},
                    "subresources": {
                        "status": {},
                        "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
                    },
                    "additionalPrinterColumns": [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}],
                }
            ],
        },
    }
    crd["spec"].update(spec)
    return crd


def with_schema(schema: Obj, *, status: bool = False) -> Obj:
    """The widget CRD with another schema; without the status subresource (which restricts the root)."""
    crd = make_crd()
    crd["spec"]["versions"][0]["schema"] = {"openAPIV3Schema": schema}
    if not status:
        del crd["spec"]["versions"][0]["subresources"]
    return crd


def test_a_valid_crd_has_no_errors() -> None:
    assert cs.validate_crd(make_crd()) == []


def test_name_must_be_plural_dot_group() -> None:
    crd = make_crd()
    crd["metadata"]["name"] = "gadgets.example.com"
    c = one(cs.validate_crd(crd))
    assert c.text() == 'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'


def test_group_scope_and_names() -> None:
    crd = make_crd(group="example", scope="Global")
    crd["metadata"]["name"] = "widgets.example"
    crd["spec"]["names"] = {"plural": "Widgets", "kind": "Widget", "listKind": "Widget"}
    crd["metadata"]["name"] = "Widgets.example"
    got = texts(cs.validate_crd(crd))
    assert got[1:] == [
        'spec.group: Invalid value: "example": should be a domain with at least one dot',
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
        'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric '
        "characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
        "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        'spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same',
    ]
    assert got[0].startswith('metadata.name: Invalid value: "Widgets.example": a lowercase RFC 1123 subdomain')


def test_missing_names_and_scope_are_required() -> None:
    crd = make_crd(scope="", names={})
    got = texts(cs.validate_crd(crd))
    assert "spec.scope: Required value" in got
    assert [t for t in got if t.startswith("spec.names")] == [
        "spec.names.plural: Required value",
        "spec.names.singular: Required value",
        "spec.names.kind: Required value",
        "spec.names.listKind: Required value",
    ]


def test_exactly_one_storage_version() -> None:
    crd = make_crd()
    crd["spec"]["versions"][0]["storage"] = False
    got = texts(cs.validate_crd(crd))
    assert got == [
        'spec.versions: Invalid value: [{"Name":"v1","Served":true,"Storage":false,"Deprecated":false,'
        '"DeprecationWarning":null,"Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,'
        '"SelectableFields":null}]: must have exactly one version marked as storage version',
        "status.storedVersions: Invalid value: null: must have at least one stored version",
    ]


def test_two_storage_versions_and_duplicate_names() -> None:
    crd = make_crd()
    v1 = crd["spec"]["versions"][0]
    crd["spec"]["versions"] = [v1, copy.deepcopy(v1) | {"name": "v2"}, copy.deepcopy(v1)]
    got = texts(cs.validate_crd(crd))
    assert [t.split(": Invalid value: ")[0] + " … " + t.rsplit(": ", 1)[1] for t in got] == [
        "spec.versions … must contain unique version names",
        "spec.versions … must have exactly one version marked as storage version",
        "status.storedVersions … must have the storage version v2",
        "status.storedVersions … must have the storage version v1",  # the duplicate v1 is not stored either
    ]


def test_schema_is_required_per_version() -> None:
    crd = make_crd()
    del crd["spec"]["versions"][0]["schema"]
    assert texts(cs.validate_crd(crd)) == ["spec.versions[0].schema.openAPIV3Schema: Required value"]


def test_identical_schemas_are_reported_under_spec_validation_others_per_version() -> None:
    bad = {"type": "object", "properties": {"spec": {"properties": {}}}}
    assert texts(cs.validate_crd(with_schema(bad))) == [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: "
        "must not be empty for specified object fields"
    ]
    crd = make_crd()
    v2 = copy.deepcopy(crd["spec"]["versions"][0]) | {"name": "v2", "storage": False}
    v2["schema"] = {"openAPIV3Schema": bad}
    crd["spec"]["versions"].append(v2)
    assert texts(cs.validate_crd(crd)) == [
        "spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for "
        "specified object fields"
    ]


def test_structural_violations() -> None:
    schema = {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "properties": {
            "spec": {
                "type": "object",
                "anyOf": [{"type": "object", "properties": {"a": {}}}],
                "properties": {"list": {"type": "array"}, "x": {"type": "string", "nullable": True}},
            },
            "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}},
        },
    }
    p = "spec.validation.openAPIV3Schema"
    assert texts(cs.validate_crd(with_schema(schema))) == [
        # ValidateStructural's errors, sorted by their text
        f"{p}.additionalProperties: Forbidden: must not be used at the root",
        f"{p}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but "
        "metadata is implicitly specified",
        f"{p}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural",
        f"{p}.properties[spec].properties[list].items: Required value: must be specified",
        # then the OpenAPI schema checks
        f"{p}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive",
    ]


def test_invalid_pattern() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA)
    schema["properties"]["spec"]["properties"]["pat"] = {"type": "string", "pattern": "(abc"}
    assert texts(cs.validate_crd(with_schema(schema))) == [
        'spec.validation.openAPIV3Schema.properties[spec].properties[pat].pattern: Invalid value: "(abc": must be a '
        "valid regular expression, but isn't: error parsing regexp: missing closing ): `(abc`"
    ]


def test_structural_completeness_of_root_junctors() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}, "anyOf": [{"properties": {"other": {}}}]}
    p = "spec.validation.openAPIV3Schema"
    assert texts(cs.validate_crd(with_schema(schema))) == [
        f"{p}.properties[other]: Required value: because it is defined in {p}.anyOf[0].properties[other]"
    ]


def test_root_must_be_an_object_and_typed() -> None:
    p = "spec.validation.openAPIV3Schema"
    crd = with_schema({"type": "string"})
    assert texts(cs.validate_crd(crd)) == [f'{p}.type: Invalid value: "string": must be object at the root']
    crd = with_schema({"properties": {"spec": {"type": "object"}}})
    assert texts(cs.validate_crd(crd)) == [f"{p}.type: Required value: must not be empty at the root"]


def test_openapi_schema_restrictions() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "u": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
                    "t": {"type": "foo"},
                    "p": {"type": "object", "x-kubernetes-preserve-unknown-fields": False},
                    "r": {"$ref": "#/x", "type": "string"},
                    "lt": {"type": "object", "x-kubernetes-list-type": "map"},
                },
            },
            "metadata": {"type": "object", "default": {}},
        },
    }
    got = texts(cs.validate_crd(with_schema(schema)))
    p = "spec.validation.openAPIV3Schema"
    for expected in [
        f"{p}.properties[spec].properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the "
        "runtime complexity becomes quadratic",
        f'{p}.properties[spec].properties[t].type: Unsupported value: "foo": supported values: "array", "boolean", '
        '"integer", "number", "object", "string"',
        f"{p}.properties[spec].properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be "
        "true or undefined",
        f"{p}.properties[spec].properties[r].$ref: Forbidden: $ref is not supported",
        f'{p}.properties[spec].properties[lt].type: Invalid value: "object": must be array if '
        "x-kubernetes-list-type is specified",
        f"{p}.properties[spec].properties[lt].x-kubernetes-list-map-keys: Required value: must not be empty if "
        "x-kubernetes-list-type is map",
        f"{p}.properties[metadata].default: Forbidden: must not be set in top-level metadata",
    ]:
        assert expected in got


def test_list_map_keys_must_be_required_or_defaulted() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA)
    schema["properties"]["spec"]["properties"]["ports"] = {
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name", "missing"],
        "items": {"type": "object", "properties": {"name": {"type": "string", "nullable": True}}},
    }
    p = "spec.validation.openAPIV3Schema.properties[spec].properties[ports]"
    assert texts(cs.validate_crd(with_schema(schema))) == [
        f'{p}.x-kubernetes-list-map-keys: Invalid value: ["name","missing"]: '
        "entries must all be names of item properties",
        f"{p}.items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it "
        "must have a default or be a required property",
        f"{p}.items.properties[name].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it "
        "cannot be nullable",
    ]


def test_defaults_must_validate_and_be_pruned() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA)
    spec_props = schema["properties"]["spec"]["properties"]
    spec_props["replicas"]["default"] = "one"
    spec_props["obj"] = {"type": "object", "properties": {"a": {"type": "string"}}, "default": {"a": "x", "b": 1}}
    p = "spec.validation.openAPIV3Schema.properties[spec].properties"
    assert texts(cs.validate_crd(with_schema(schema))) == [
        f'{p}[replicas].default: Invalid value: "string":  in body must be of type integer: "string"',
        f'{p}[obj].default: Invalid value: {{"a":"x","b":1}}: must not have unknown fields',
    ]


def test_embedded_resource_schema_rules() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA)
    schema["properties"]["spec"]["properties"]["tmpl"] = {"type": "object", "x-kubernetes-embedded-resource": True}
    p = "spec.validation.openAPIV3Schema.properties[spec].properties[tmpl]"
    assert texts(cs.validate_crd(with_schema(schema))) == [
        f"{p}.properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without "
        "x-kubernetes-preserve-unknown-fields"
    ]


def test_status_subresource_restricts_the_root_schema() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA) | {"nullable": True}
    got = texts(cs.validate_crd(with_schema(schema, status=True)))
    assert len(got) == 2
    assert got[0].startswith('spec.validation.openAPIV3Schema: Invalid value: {"ID":"","Schema":"","Ref":null,')
    assert got[0].endswith(
        ": only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength "
        "MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example "
        "XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status "
        "subresource is enabled"
    )
    assert got[1] == "spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root"


def test_printer_columns_and_scale_paths() -> None:
    crd = make_crd()
    v = crd["spec"]["versions"][0]
    v["additionalPrinterColumns"] = [{"name": "", "type": "float", "format": "uuid", "jsonPath": "spec.x"}]
    v["subresources"]["scale"] = {"specReplicasPath": ".status.r", "statusReplicasPath": ""}
    assert texts(cs.validate_crd(crd)) == [
        'spec.subresources.scale.specReplicasPath: Invalid value: ".status.r": should be a json path under .spec',
        "spec.subresources.scale.statusReplicasPath: Required value",
        "spec.additionalPrinterColumns[0].name: Required value",
        'spec.additionalPrinterColumns[0].type: Invalid value: "float": '
        "must be one of boolean,date,integer,number,string",
        'spec.additionalPrinterColumns[0].format: Invalid value: "uuid": must be one of '
        "byte,date,date-time,double,float,int32,int64,password",
        'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": '
        "must be a simple json path starting with .",
    ]


def test_conversion_webhook() -> None:
    crd = make_crd(
        conversion={
            "strategy": "Webhook",
            "webhook": {"clientConfig": {"url": "http://x?y=1"}, "conversionReviewVersions": ["v9"]},
        }
    )
    assert texts(cs.validate_crd(crd)) == [
        "spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; "
        "desired format: https://host[/path]",
        'spec.conversion.webhookClientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL',
        'spec.conversion.conversionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1',
    ]
    crd = make_crd(conversion={"strategy": "Webhook", "webhook": {"conversionReviewVersions": ["v1"]}})
    assert texts(cs.validate_crd(crd)) == [
        "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook"
    ]


def test_preserve_unknown_fields_true_is_rejected() -> None:
    got = texts(cs.validate_crd(make_crd(preserveUnknownFields=True)))
    assert got == [
        "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
        "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields "
        "to true in spec.versions[*].schema instead",
    ]


def test_protected_groups_need_api_approval() -> None:
    crd = make_crd(group="widgets.k8s.io")
    crd["metadata"]["name"] = "widgets.widgets.k8s.io"
    assert texts(cs.validate_crd(crd)) == [
        "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval "
        'annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'
    ]
    crd["metadata"]["annotations"] = {"api-approved.kubernetes.io": "unapproved, experimental"}
    assert cs.validate_crd(crd) == []


def test_enum_integer_converts_to_a_rune_as_go_does() -> None:
    # reflect.Value.Convert(int64 → string) yields the rune: 97 "is" "a" for kube's enum check
    assert check({"x": {"x-kubernetes-int-or-string": True, "enum": ["a"]}}, {"x": 97}) == []
    assert len(check({"x": {"x-kubernetes-int-or-string": True, "enum": ["a"]}}, {"x": 98})) == 1


def test_type_error_at_the_root_has_the_nil_path() -> None:
    causes = cs.validate_value([], {"type": "object"})
    assert texts(causes) == ['<nil>: Invalid value: "array":  in body must be of type object: "array"']
