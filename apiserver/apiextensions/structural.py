"""The v1 JSONSchemaProps dict seen as kube's structural schema (apiextensions-apiserver ``pkg/apiserver/schema``).

A CRD's ``openAPIV3Schema`` is kept as the JSON dict the client sent; these accessors read it as
``structuralschema.Structural`` would hold it (``Properties``, ``AdditionalProperties``, ``Items`` and the
``x-kubernetes-*`` extensions), so pruning, defaulting and validation agree on what a schema node means.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
Schema = dict[str, Any]

#: the typed-decoding name of metav1.ObjectMeta (what embedded resources' metadata decodes into)
OBJECT_META = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"
#: TypeMeta and ObjectMeta: never pruned at the root or in an embedded resource
META_FIELDS = ("apiVersion", "kind", "metadata")


def props_of(s: Schema | None) -> dict[str, Schema]:
    return (s or {}).get("properties") or {}


def additional_properties_of(s: Schema | None) -> tuple[bool, Schema | None]:
    """additionalProperties as (set, schema): ``true``/``false`` set it without a schema."""
    ap = (s or {}).get("additionalProperties")
    if ap is None:
        return False, None
    if isinstance(ap, dict):
        return True, ap
    return True, None


def items_of(s: Schema | None) -> Schema | None:
    it = (s or {}).get("items")
    return it if isinstance(it, dict) else None


def preserves_unknown_fields(s: Schema | None) -> bool:
    return bool(s and s.get("x-kubernetes-preserve-unknown-fields") is True)


def is_embedded_resource(s: Schema | None) -> bool:
    return bool(s and s.get("x-kubernetes-embedded-resource") is True)


def is_nullable(s: Schema | None) -> bool:
    return bool(s and s.get("nullable") is True)


def default_of(s: Schema | None) -> Any:
    return (s or {}).get("default")
