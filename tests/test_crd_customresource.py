"""The schema checks of a custom resource write beyond kube-openapi (apiserver/apiextensions/customresource.py,
embedded.py, listtype.py): list-type uniqueness and embedded resources, in kube's order and bytes."""

from __future__ import annotations

from aiokube.apiserver.apiextensions.customresource import validate
from tests.crdhelpers import check, spec_schema, texts


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
    causes = validate({"spec": {"m": [{"a": 1}, "x"]}}, spec_schema(props))
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
