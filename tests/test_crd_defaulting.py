"""CRD schema defaulting (apiserver/apiextensions/defaulting.py), and the decoder's prune, default, validate."""

from __future__ import annotations

from aiokube.apiserver.apiextensions.customresource import validate
from aiokube.apiserver.apiextensions.defaulting import apply_defaults
from aiokube.apiserver.apiextensions.pruning import prune
from tests.crdhelpers import Obj, spec_schema

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
    apply_defaults(obj, DEFAULT_SCHEMA)
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
    apply_defaults(obj, DEFAULT_SCHEMA)
    assert obj["spec"]["replicas"] == 1
    assert obj["spec"]["mode"] is None


def test_defaults_do_not_create_missing_parents_and_are_copies() -> None:
    obj: Obj = {"spec": {}}
    apply_defaults(obj, DEFAULT_SCHEMA)
    assert "nested" not in obj["spec"]
    obj["spec"]["opts"]["a"].append(2)
    other: Obj = {"spec": {}}
    apply_defaults(other, DEFAULT_SCHEMA)
    assert other["spec"]["opts"] == {"a": [1]}


def test_prune_then_default_then_validate_like_the_decoder() -> None:
    obj = {"spec": {"replicas": None, "unknown": 1}}
    assert prune(obj, DEFAULT_SCHEMA) == ["spec.unknown"]
    apply_defaults(obj, DEFAULT_SCHEMA)
    assert obj["spec"]["replicas"] == 1
    assert validate(obj, DEFAULT_SCHEMA) == []
