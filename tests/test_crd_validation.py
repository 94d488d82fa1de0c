"""CRD validation (apiserver/apiextensions/validation.py and the schema rules it calls):
ValidateCustomResourceDefinition on v1 CRDs, causes in kube-apiserver 1.36's order and bytes."""

from __future__ import annotations

import copy
from typing import Any

from aiokube.apiserver.apiextensions.validation import validate_crd
from tests.crdhelpers import Obj, one, texts

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
    assert validate_crd(make_crd()) == []


def test_name_must_be_plural_dot_group() -> None:
    crd = make_crd()
    crd["metadata"]["name"] = "gadgets.example.com"
    c = one(validate_crd(crd))
    assert c.text() == 'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'


def test_group_scope_and_names() -> None:
    crd = make_crd(group="example", scope="Global")
    crd["metadata"]["name"] = "widgets.example"
    crd["spec"]["names"] = {"plural": "Widgets", "kind": "Widget", "listKind": "Widget"}
    crd["metadata"]["name"] = "Widgets.example"
    got = texts(validate_crd(crd))
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
    got = texts(validate_crd(crd))
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
    got = texts(validate_crd(crd))
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
    got = texts(validate_crd(crd))
    assert [t.split(": Invalid value: ")[0] + " … " + t.rsplit(": ", 1)[1] for t in got] == [
        "spec.versions … must contain unique version names",
        "spec.versions … must have exactly one version marked as storage version",
        "status.storedVersions … must have the storage version v2",
        "status.storedVersions … must have the storage version v1",  # the duplicate v1 is not stored either
    ]


def test_schema_is_required_per_version() -> None:
    crd = make_crd()
    del crd["spec"]["versions"][0]["schema"]
    assert texts(validate_crd(crd)) == ["spec.versions[0].schema.openAPIV3Schema: Required value"]


def test_identical_schemas_are_reported_under_spec_validation_others_per_version() -> None:
    bad = {"type": "object", "properties": {"spec": {"properties": {}}}}
    assert texts(validate_crd(with_schema(bad))) == [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: "
        "must not be empty for specified object fields"
    ]
    crd = make_crd()
    v2 = copy.deepcopy(crd["spec"]["versions"][0]) | {"name": "v2", "storage": False}
    v2["schema"] = {"openAPIV3Schema": bad}
    crd["spec"]["versions"].append(v2)
    assert texts(validate_crd(crd)) == [
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
    assert texts(validate_crd(with_schema(schema))) == [
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
    assert texts(validate_crd(with_schema(schema))) == [
        'spec.validation.openAPIV3Schema.properties[spec].properties[pat].pattern: Invalid value: "(abc": must be a '
        "valid regular expression, but isn't: error parsing regexp: missing closing ): `(abc`"
    ]


def test_structural_completeness_of_root_junctors() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}, "anyOf": [{"properties": {"other": {}}}]}
    p = "spec.validation.openAPIV3Schema"
    assert texts(validate_crd(with_schema(schema))) == [
        f"{p}.properties[other]: Required value: because it is defined in {p}.anyOf[0].properties[other]"
    ]


def test_root_must_be_an_object_and_typed() -> None:
    p = "spec.validation.openAPIV3Schema"
    crd = with_schema({"type": "string"})
    assert texts(validate_crd(crd)) == [f'{p}.type: Invalid value: "string": must be object at the root']
    crd = with_schema({"properties": {"spec": {"type": "object"}}})
    assert texts(validate_crd(crd)) == [f"{p}.type: Required value: must not be empty at the root"]


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
    got = texts(validate_crd(with_schema(schema)))
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
    assert texts(validate_crd(with_schema(schema))) == [
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
    assert texts(validate_crd(with_schema(schema))) == [
        f'{p}[replicas].default: Invalid value: "string":  in body must be of type integer: "string"',
        f'{p}[obj].default: Invalid value: {{"a":"x","b":1}}: must not have unknown fields',
    ]


def test_embedded_resource_schema_rules() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA)
    schema["properties"]["spec"]["properties"]["tmpl"] = {"type": "object", "x-kubernetes-embedded-resource": True}
    p = "spec.validation.openAPIV3Schema.properties[spec].properties[tmpl]"
    assert texts(validate_crd(with_schema(schema))) == [
        f"{p}.properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without "
        "x-kubernetes-preserve-unknown-fields"
    ]


def test_status_subresource_restricts_the_root_schema() -> None:
    schema = copy.deepcopy(WIDGET_SCHEMA) | {"nullable": True}
    got = texts(validate_crd(with_schema(schema, status=True)))
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
    assert texts(validate_crd(crd)) == [
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
    assert texts(validate_crd(crd)) == [
        "spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; "
        "desired format: https://host[/path]",
        'spec.conversion.webhookClientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL',
        'spec.conversion.conversionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1',
    ]
    crd = make_crd(conversion={"strategy": "Webhook", "webhook": {"conversionReviewVersions": ["v1"]}})
    assert texts(validate_crd(crd)) == [
        "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook"
    ]


def test_preserve_unknown_fields_true_is_rejected() -> None:
    got = texts(validate_crd(make_crd(preserveUnknownFields=True)))
    assert got == [
        "spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema",
        "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields "
        "to true in spec.versions[*].schema instead",
    ]


def test_protected_groups_need_api_approval() -> None:
    crd = make_crd(group="widgets.k8s.io")
    crd["metadata"]["name"] = "widgets.widgets.k8s.io"
    assert texts(validate_crd(crd)) == [
        "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval "
        'annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'
    ]
    crd["metadata"]["annotations"] = {"api-approved.kubernetes.io": "unapproved, experimental"}
    assert validate_crd(crd) == []
