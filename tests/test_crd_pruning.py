"""Pruning custom resources as kube's decoder does (apiserver/apiextensions/pruning.py): unknown fields
reported and removed, embedded ObjectMeta coerced, non-nullable nulls dropped."""

from __future__ import annotations

from aiokube.apiserver.apiextensions.pruning import prune
from tests.crdhelpers import spec_schema

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
    pruned = prune(obj, PRUNE_SCHEMA)
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
    assert prune(obj, schema) == ["spec.tmpl.metadata.bogus"]
    assert obj["spec"]["tmpl"]["metadata"] == {"name": "p"}


def test_prune_without_schema_keeps_only_type_and_object_meta() -> None:
    obj = {"apiVersion": "v1", "kind": "K", "metadata": {"name": "a"}, "spec": {"x": 1}}
    assert prune(obj, None) == ["spec"]
    assert obj == {"apiVersion": "v1", "kind": "K", "metadata": {"name": "a"}}


def test_prune_root_preserve_unknown_fields() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {"spec": {"type": "object", "properties": {}}},
    }
    obj = {"other": {"a": 1}, "spec": {"gone": 1}}
    assert prune(obj, schema) == ["spec.gone"]
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
    assert prune(obj, schema) == []
    assert obj == {"spec": {"nullable": None, "dflt": None}}
    obj = {"spec": {"plain": None}}
    prune(obj, schema, drop_nulls=False)
    assert obj == {"spec": {"plain": None}}
