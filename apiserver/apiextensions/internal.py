"""The internal apiextensions types a v1 CRD converts to, and their Go JSON (``apis/apiextensions``).

kube validates a CRD in its internal version: v1 defaulting, conversion (per-version schemas, subresources
and printer columns identical in all versions move to the top level) and PrepareForCreate.
:func:`to_internal` does that on data. Some of kube's messages print internal structs with ``%v``/JSON and
Go field names (the internal types have no json tags): :func:`internal_schema_json` and
:func:`internal_versions_json` render those bytes.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.apiextensions.structural import Obj, Schema
from aiokube.apiserver.golang import GoJSON, go_json, go_json_float, go_json_string

# internal JSONSchemaProps fields in Go order: (Go name, v1 JSON name, kind)
SCHEMA_FIELDS: list[tuple[str, str, str]] = [
    ("ID", "id", "str"), ("Schema", "$schema", "str"), ("Ref", "$ref", "ptr"), ("Description", "description", "str"),
    ("Type", "type", "str"), ("Nullable", "nullable", "bool"), ("Format", "format", "str"),
    ("Title", "title", "str"), ("Default", "default", "json"), ("Maximum", "maximum", "float"),
    ("ExclusiveMaximum", "exclusiveMaximum", "bool"), ("Minimum", "minimum", "float"),
    ("ExclusiveMinimum", "exclusiveMinimum", "bool"), ("MaxLength", "maxLength", "int"),
    ("MinLength", "minLength", "int"), ("Pattern", "pattern", "str"), ("MaxItems", "maxItems", "int"),
    ("MinItems", "minItems", "int"), ("UniqueItems", "uniqueItems", "bool"), ("MultipleOf", "multipleOf", "float"),
    ("Enum", "enum", "list"), ("MaxProperties", "maxProperties", "int"), ("MinProperties", "minProperties", "int"),
    ("Required", "required", "list"), ("Items", "items", "items"), ("AllOf", "allOf", "schemas"),
    ("OneOf", "oneOf", "schemas"), ("AnyOf", "anyOf", "schemas"), ("Not", "not", "schema"),
    ("Properties", "properties", "schemamap"), ("AdditionalProperties", "additionalProperties", "orbool"),
    ("PatternProperties", "patternProperties", "schemamap"), ("Dependencies", "dependencies", "deps"),
    ("AdditionalItems", "additionalItems", "orbool"), ("Definitions", "definitions", "schemamap"),
    ("ExternalDocs", "externalDocs", "docs"), ("Example", "example", "json"),
    ("XPreserveUnknownFields", "x-kubernetes-preserve-unknown-fields", "ptr"),
    ("XEmbeddedResource", "x-kubernetes-embedded-resource", "bool"),
    ("XIntOrString", "x-kubernetes-int-or-string", "bool"), ("XListMapKeys", "x-kubernetes-list-map-keys", "list"),
    ("XListType", "x-kubernetes-list-type", "ptr"), ("XMapType", "x-kubernetes-map-type", "ptr"),
    ("XValidations", "x-kubernetes-validations", "rules"),
]  # fmt: skip


def _gs(v: Any) -> str:
    return go_json(v if isinstance(v, str) else "")


def internal_schema_json(s: Schema | None) -> str:
    """json.Marshal of the internal apiextensions.JSONSchemaProps (no json tags: Go names, all fields)."""
    if s is None:
        return "null"
    parts = []
    for go_name, key, kind in SCHEMA_FIELDS:
        v = s.get(key)
        if kind == "str":
            r = _gs(v)
        elif kind == "bool":
            r = "true" if v is True else "false"
        elif kind in ("ptr", "json", "list"):
            r = go_json(v)
        elif kind == "float":
            r = "null" if v is None else go_json_float(float(v))
        elif kind == "int":
            r = "null" if v is None else str(int(v))
        elif kind == "schema":
            r = internal_schema_json(v) if isinstance(v, dict) else "null"
        elif kind == "schemas":
            r = "null" if v is None else "[" + ",".join(internal_schema_json(x) for x in v) + "]"
        elif kind == "schemamap":
            r = (
                "null"
                if v is None
                else "{" + ",".join(f"{go_json_string(k)}:{internal_schema_json(v[k])}" for k in sorted(v)) + "}"
            )
        elif kind == "items":
            if v is None:
                r = "null"
            elif isinstance(v, list):
                r = '{"Schema":null,"JSONSchemas":[' + ",".join(internal_schema_json(x) for x in v) + "]}"
            else:
                r = '{"Schema":' + internal_schema_json(v) + ',"JSONSchemas":null}'
        elif kind == "orbool":
            if v is None:
                r = "null"
            elif isinstance(v, dict):
                r = '{"Allows":true,"Schema":' + internal_schema_json(v) + "}"
            else:
                r = '{"Allows":' + ("true" if v else "false") + ',"Schema":null}'
        elif kind == "deps":
            if v is None:
                r = "null"
            else:
                entries = []
                for k in sorted(v):
                    d = v[k]
                    if isinstance(d, list):
                        entries.append(f'{go_json_string(k)}:{{"Schema":null,"Property":{go_json(d)}}}')
                    else:
                        entries.append(f'{go_json_string(k)}:{{"Schema":{internal_schema_json(d)},"Property":null}}')
                r = "{" + ",".join(entries) + "}"
        elif kind == "docs":
            r = "null" if v is None else f'{{"Description":{_gs(v.get("description"))},"URL":{_gs(v.get("url"))}}}'
        else:  # rules
            if v is None:
                r = "null"
            else:
                rules = []
                for rule in v:
                    reason = rule.get("reason")
                    rules.append(
                        f'{{"Rule":{_gs(rule.get("rule"))},"Message":{_gs(rule.get("message"))},'
                        f'"MessageExpression":{_gs(rule.get("messageExpression"))},"Reason":{go_json(reason)},'
                        f'"FieldPath":{_gs(rule.get("fieldPath"))},"OptionalOldSelf":{go_json(rule.get("optionalOldSelf"))}}}'
                    )
                r = "[" + ",".join(rules) + "]"
        parts.append(f'"{go_name}":{r}')
    return "{" + ",".join(parts) + "}"


def internal_versions_json(versions: list[Obj] | None) -> GoJSON:
    """json.Marshal of []apiextensions.CustomResourceDefinitionVersion (the value of spec.versions errors)."""
    if versions is None:
        return GoJSON("null")
    out = []
    for v in versions:
        schema = v.get("schema")
        schema_json = (
            "null"
            if schema is None
            else '{"OpenAPIV3Schema":' + internal_schema_json(schema.get("openAPIV3Schema")) + "}"
        )
        sub = v.get("subresources")
        if sub is None:
            sub_json = "null"
        else:
            scale = sub.get("scale")
            scale_json = (
                "null"
                if scale is None
                else f'{{"SpecReplicasPath":{_gs(scale.get("specReplicasPath"))},'
                f'"StatusReplicasPath":{_gs(scale.get("statusReplicasPath"))},'
                f'"LabelSelectorPath":{go_json(scale.get("labelSelectorPath"))}}}'
            )
            sub_json = f'{{"Status":{"null" if sub.get("status") is None else "{}"},"Scale":{scale_json}}}'
        cols = v.get("additionalPrinterColumns")
        cols_json = (
            "null"
            if cols is None
            else "["
            + ",".join(
                f'{{"Name":{_gs(c.get("name"))},"Type":{_gs(c.get("type"))},"Format":{_gs(c.get("format"))},'
                f'"Description":{_gs(c.get("description"))},"Priority":{int(c.get("priority") or 0)},'
                f'"JSONPath":{_gs(c.get("jsonPath"))}}}'
                for c in cols
            )
            + "]"
        )
        sel = v.get("selectableFields")
        sel_json = (
            "null" if sel is None else "[" + ",".join(f'{{"JSONPath":{_gs(f.get("jsonPath"))}}}' for f in sel) + "]"
        )
        out.append(
            f'{{"Name":{_gs(v.get("name"))},"Served":{"true" if v.get("served") is True else "false"},'
            f'"Storage":{"true" if v.get("storage") is True else "false"},'
            f'"Deprecated":{"true" if v.get("deprecated") is True else "false"},'
            f'"DeprecationWarning":{go_json(v.get("deprecationWarning"))},"Schema":{schema_json},'
            f'"Subresources":{sub_json},"AdditionalPrinterColumns":{cols_json},"SelectableFields":{sel_json}}}'
        )
    return GoJSON("[" + ",".join(out) + "]")


def _semantic_list(v: Any) -> Any:
    """Semantic.DeepEqual treats nil and empty slices alike."""
    return v or None


def to_internal(crd: Obj) -> Obj:
    """v1 defaulting, conversion to the internal version and PrepareForCreate, as data."""
    spec = crd.get("spec") or {}
    names = dict(spec.get("names") or {})
    if not names.get("singular"):
        names["singular"] = (names.get("kind") or "").lower()
    if not names.get("listKind") and names.get("kind"):
        names["listKind"] = names["kind"] + "List"
    raw_versions = spec.get("versions")
    versions = None if raw_versions is None else [dict(v) for v in raw_versions]
    internal: Obj = {
        "group": spec.get("group") or "",
        "scope": spec.get("scope") or "",
        "names": names,
        "versions": versions,
        "version": "",
        "validation": None,
        "subresources": None,
        "additionalPrinterColumns": None,
        "preserveUnknownFields": spec.get("preserveUnknownFields") is True,
    }
    conv = spec.get("conversion")
    if conv is None:
        conv = {"strategy": "None"}
    webhook = conv.get("webhook") or {}
    internal["conversion"] = {
        "strategy": conv.get("strategy") or "",
        "webhookClientConfig": webhook.get("clientConfig"),
        "conversionReviewVersions": webhook.get("conversionReviewVersions"),
    }
    if versions:
        internal["version"] = versions[0].get("name") or ""
        for field_name, top in (
            ("schema", "validation"),
            ("subresources", "subresources"),
            ("additionalPrinterColumns", "additionalPrinterColumns"),
            ("selectableFields", "selectableFields"),
        ):
            first = versions[0].get(field_name)
            norm = _semantic_list if field_name in ("additionalPrinterColumns", "selectableFields") else (lambda x: x)
            if all(norm(v.get(field_name)) == norm(first) for v in versions):
                internal[top] = first
                for v in versions:
                    v[field_name] = None
    stored = []
    for v in versions or []:
        if v.get("storage") is True:
            stored.append(v.get("name") or "")
            break
    internal["storedVersions"] = stored or None
    return internal


def is_zero(key: str, v: Any) -> bool:
    """Is the internal field for this v1 key its Go zero value? (pointers/slices/maps: nil)."""
    if v is None:
        return True
    kind = next((k for _, name, k in SCHEMA_FIELDS if name == key), "ptr")
    if kind in ("str", "bool"):
        return not v
    return False
