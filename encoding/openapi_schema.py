"""OpenAPI schemas as kube-openapi writes them: its key order, and the v3 (``#/components/schemas/``) and v2
(``#/definitions/``) forms of the neutral definitions in encoding/k8s_openapi.py. Shared by the OpenAPI
handler (apiserver/endpoints/openapi.py) and the generator that checks those definitions against kube's
committed documents (encoding/codegen/gen_openapi_docs.py)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

# spec.Schema's JSON field order (kube-openapi validation/spec/schema.go); vendor extensions come last, sorted.
SCHEMA_KEYS = (
    "id", "description", "type", "nullable", "format", "title", "default", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "multipleOf", "enum", "maxProperties", "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not",
    "properties", "additionalProperties", "patternProperties", "dependencies", "additionalItems", "definitions",
    "discriminator", "readOnly", "externalDocs", "example", "$schema", "$ref",
)  # fmt: skip
_RANK = {k: i for i, k in enumerate(SCHEMA_KEYS)}


def ordered(s: Schema) -> Schema:
    """Keys in kube-openapi's order; properties (a Go map) sorted by name."""
    out = dict(sorted(s.items(), key=lambda kv: (_RANK.get(kv[0], len(_RANK)), kv[0])))
    if isinstance(out.get("properties"), dict):
        out["properties"] = dict(sorted(out["properties"].items()))
    return out


def map_schema(s: Any, fn: Any) -> Any:
    """A copy of ``s`` with ``fn`` applied to each direct subschema."""
    if not isinstance(s, dict):
        return s
    out = dict(s)
    props = out.get("properties")
    if isinstance(props, dict):
        out["properties"] = {k: fn(v) for k, v in props.items()}
    for k in ("items", "not", "additionalProperties"):
        if isinstance(out.get(k), dict):
            out[k] = fn(out[k])
    for k in ("allOf", "oneOf", "anyOf"):
        if isinstance(out.get(k), list):
            out[k] = [fn(v) for v in out[k]]
    return out


def to_v3(s: Any) -> Any:
    """builder3: ``#/components/schemas/`` references; a reference with siblings is wrapped in ``allOf``."""
    out = map_schema(s, to_v3)
    if isinstance(out, dict) and "$ref" in out:
        ref = {"$ref": "#/components/schemas/" + out.pop("$ref")}
        if not out:
            return ref
        out["allOf"] = [ref]
        out = ordered(out)
    return out


def to_v2(s: Any) -> Any:
    """builder (v2): ``#/definitions/`` references; defaults pruned (handler.PruneDefaults)."""
    out = map_schema(s, to_v2)
    if isinstance(out, dict):
        out.pop("default", None)
        if "$ref" in out:
            out["$ref"] = "#/definitions/" + out["$ref"]
    return out
