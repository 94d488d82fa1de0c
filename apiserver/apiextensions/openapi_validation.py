"""The OpenAPI rules of a CRD schema (``apis/apiextensions/validation/validation.go``
``ValidateCustomResourceDefinitionOpenAPISchema``).

What a CRD's ``openAPIV3Schema`` may contain regardless of structure: supported types, no ``$ref``/``id``/
``patternProperties``…, no defaults in metadata, the ``x-kubernetes-*`` extension rules (list and map
types, list-map keys) and the static checks of ``x-kubernetes-validations`` rules (their compilation is
:func:`.celrules.crd_rule_errors`, run by :mod:`.validation`).
"""

from __future__ import annotations

import re

from aiokube.apiserver.apiextensions.field import (
    child_path,
    forbidden,
    index_path,
    invalid,
    key_path,
    not_supported,
    required,
)
from aiokube.apiserver.apiextensions.structural import META_FIELDS, Schema, is_embedded_resource, props_of
from aiokube.apiserver.errors import Cause

_OPENAPI_V3_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_VALIDATION_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]


def validate_openapi_schema(s: Schema, path: str) -> list[Cause]:
    """ValidateCustomResourceDefinitionOpenAPISchema of a root schema at ``path``."""
    checker = OpenAPISchemaChecker()
    checker.openapi(s, path, is_root=True)
    return checker.errs


class OpenAPISchemaChecker:
    """One walk of ValidateCustomResourceDefinitionOpenAPISchema over a schema tree.

    Owns ``errs``, the causes found so far in kube's order (each node's own checks, then its children);
    :func:`validate_openapi_schema` creates one per root schema and returns ``errs``. Single use, not shared.
    """

    def __init__(self) -> None:
        self.errs: list[Cause] = []

    # ---- ValidateCustomResourceDefinitionOpenAPISchema ----

    def openapi(
        self,
        s: Schema | None,
        path: str,
        *,
        is_root: bool,
        allow_defaults: bool = True,
        defaults_reason: str = "",
        inside_meta: bool = False,
    ) -> None:
        if not isinstance(s, dict):
            return
        errs = self.errs
        t = s.get("type") or ""
        if t and t not in _OPENAPI_V3_TYPES:
            errs.append(not_supported(child_path(path, "type"), t, _OPENAPI_V3_TYPES))
        if s.get("default") is not None and not allow_defaults:
            errs.append(
                forbidden(
                    child_path(path, "default"), "must not be set" + (f" {defaults_reason}" if defaults_reason else "")
                )
            )
        if s.get("id"):
            errs.append(forbidden(child_path(path, "id"), "id is not supported"))
        if s.get("additionalItems") is not None:
            errs.append(forbidden(child_path(path, "additionalItems"), "additionalItems is not supported"))
        if s.get("patternProperties"):
            errs.append(forbidden(child_path(path, "patternProperties"), "patternProperties is not supported"))
        if s.get("definitions"):
            errs.append(forbidden(child_path(path, "definitions"), "definitions is not supported"))
        if s.get("dependencies") is not None:
            errs.append(forbidden(child_path(path, "dependencies"), "dependencies is not supported"))
        if s.get("$ref") is not None:
            errs.append(forbidden(child_path(path, "$ref"), "$ref is not supported"))
        if t == "null":
            errs.append(
                forbidden(child_path(path, "type"), "type cannot be set to null, use nullable as an alternative")
            )
        if isinstance(s.get("items"), list) and s["items"]:
            errs.append(forbidden(child_path(path, "items"), "items must be a schema object and not an array"))
        if inside_meta and is_embedded_resource(s):
            errs.append(
                forbidden(
                    child_path(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta"
                )
            )
        if s.get("uniqueItems") is True:
            errs.append(
                forbidden(
                    child_path(path, "uniqueItems"),
                    "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
                )
            )
        props = props_of(s)
        ap = s.get("additionalProperties")
        if ap is not None:
            if props and (ap is False or isinstance(ap, dict)):
                errs.append(
                    forbidden(
                        child_path(path, "additionalProperties"),
                        "additionalProperties and properties are mutual exclusive",
                    )
                )
            sub_allow, sub_reason = allow_defaults, defaults_reason
            if inside_meta:
                sub_allow, sub_reason = False, "inside additionalProperties applying to object metadata"
            self.openapi(
                ap if isinstance(ap, dict) else None,
                child_path(path, "additionalProperties"),
                is_root=False,
                allow_defaults=sub_allow,
                defaults_reason=sub_reason,
                inside_meta=inside_meta,
            )
        for k, sub in props.items():
            sub_allow, sub_reason, sub_meta = allow_defaults, defaults_reason, inside_meta
            if (is_root or is_embedded_resource(s)) and k in META_FIELDS:
                sub_meta = True
                if is_root:
                    sub_allow, sub_reason = False, f"in top-level {k}"
            self.openapi(
                sub,
                key_path(child_path(path, "properties"), k),
                is_root=False,
                allow_defaults=sub_allow,
                defaults_reason=sub_reason,
                inside_meta=sub_meta,
            )
        opts = {"allow_defaults": allow_defaults, "defaults_reason": defaults_reason, "inside_meta": inside_meta}
        self.openapi(s.get("not"), child_path(path, "not"), is_root=False, **opts)
        for junctor in ("allOf", "oneOf", "anyOf"):
            for i, sub in enumerate(s.get(junctor) or []):
                self.openapi(sub, index_path(child_path(path, junctor), i), is_root=False, **opts)
        for k, sub in (s.get("definitions") or {}).items():
            self.openapi(sub, key_path(child_path(path, "definitions"), k), is_root=False, **opts)
        items = s.get("items")
        if isinstance(items, dict):
            self.openapi(items, child_path(path, "items"), is_root=False, **opts)
        elif isinstance(items, list):
            for i, sub in enumerate(items):
                self.openapi(sub, index_path(child_path(path, "items"), i), is_root=False, **opts)
        for k, dep in (s.get("dependencies") or {}).items():
            self.openapi(
                dep if isinstance(dep, dict) else None,
                key_path(child_path(path, "dependencies"), k),
                is_root=False,
                **opts,
            )
        self._extensions(s, path)

    def _extensions(self, s: Schema, path: str) -> None:
        errs = self.errs
        t = s.get("type") or ""
        if s.get("x-kubernetes-preserve-unknown-fields") is False:
            errs.append(
                invalid(child_path(path, "x-kubernetes-preserve-unknown-fields"), False, "must be true or undefined")
            )
        map_type = s.get("x-kubernetes-map-type")
        if map_type is not None and t != "object":
            msg = "must be object if x-kubernetes-map-type is specified"
            errs.append(required(child_path(path, "type"), msg) if not t else invalid(child_path(path, "type"), t, msg))
        if map_type is not None and map_type not in ("atomic", "granular"):
            errs.append(not_supported(child_path(path, "x-kubernetes-map-type"), map_type, ["atomic", "granular"]))
        list_type = s.get("x-kubernetes-list-type")
        items = s.get("items")
        if list_type is not None and t != "array":
            msg = "must be array if x-kubernetes-list-type is specified"
            errs.append(required(child_path(path, "type"), msg) if not t else invalid(child_path(path, "type"), t, msg))
        elif list_type == "set" and isinstance(items, dict):
            it = items.get("type") or ""
            msg = "must be atomic as item of a list with x-kubernetes-list-type=set"
            if it == "array":
                ilt = items.get("x-kubernetes-list-type")
                if ilt is not None and ilt != "atomic":
                    errs.append(invalid(child_path(child_path(path, "items"), "x-kubernetes-list-type"), ilt, msg))
            elif it == "object" and items.get("x-kubernetes-map-type") != "atomic":
                value = items.get("x-kubernetes-list-type")
                errs.append(invalid(child_path(child_path(path, "items"), "x-kubernetes-map-type"), value, msg))
        if list_type is not None and list_type not in ("atomic", "set", "map"):
            errs.append(not_supported(child_path(path, "x-kubernetes-list-type"), list_type, ["atomic", "set", "map"]))
        keys = s.get("x-kubernetes-list-map-keys") or []
        if keys:
            if list_type is None:
                errs.append(
                    required(
                        child_path(path, "x-kubernetes-list-type"),
                        "must be map if x-kubernetes-list-map-keys is non-empty",
                    )
                )
            elif list_type != "map":
                errs.append(
                    invalid(
                        child_path(path, "x-kubernetes-list-type"),
                        list_type,
                        "must be map if x-kubernetes-list-map-keys is non-empty",
                    )
                )
        if list_type == "map":
            if not keys:
                errs.append(
                    required(
                        child_path(path, "x-kubernetes-list-map-keys"),
                        "must not be empty if x-kubernetes-list-type is map",
                    )
                )
            if items is None:
                errs.append(required(child_path(path, "items"), "must have a schema if x-kubernetes-list-type is map"))
            elif not isinstance(items, dict):
                errs.append(
                    invalid(
                        child_path(path, "items"),
                        items,
                        "must only have a single schema if x-kubernetes-list-type is map",
                    )
                )
            elif (items.get("type") or "") != "object":
                errs.append(
                    invalid(
                        child_path(child_path(path, "items"), "type"),
                        items.get("type") or "",
                        "must be object if parent array's x-kubernetes-list-type is map",
                    )
                )
            else:
                item_props = items.get("properties") or {}
                seen: set[str] = set()
                for k in keys:
                    if k in item_props:
                        if item_props[k].get("type") in ("array", "object"):
                            errs.append(
                                invalid(
                                    child_path(
                                        key_path(child_path(child_path(path, "items"), "properties"), k), "type"
                                    ),
                                    "object",
                                    "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                )
                            )
                    else:
                        errs.append(
                            invalid(
                                child_path(path, "x-kubernetes-list-map-keys"),
                                keys,
                                "entries must all be names of item properties",
                            )
                        )
                    if k in seen:
                        errs.append(
                            invalid(
                                child_path(path, "x-kubernetes-list-map-keys"),
                                keys,
                                "must not contain duplicate entries",
                            )
                        )
                    seen.add(k)
        self._map_list_keys(s, path)
        self._rules(s, path)

    def _map_list_keys(self, s: Schema, path: str) -> None:
        """validateMapListKeysMapSet."""
        items = s.get("items")
        lt = s.get("x-kubernetes-list-type")
        if not isinstance(items, dict) or lt not in ("set", "map"):
            return
        if items.get("nullable") is True:
            self.errs.append(
                forbidden(
                    child_path(child_path(path, "items"), "nullable"),
                    f"cannot be nullable when x-kubernetes-list-type is {lt}",
                )
            )
        if lt != "map":
            return
        required_keys = set(items.get("required") or [])
        item_props = items.get("properties") or {}
        for k in s.get("x-kubernetes-list-map-keys") or []:
            if k not in item_props:
                continue
            kp = key_path(child_path(child_path(path, "items"), "properties"), k)
            if k not in required_keys and item_props[k].get("default") is None:
                self.errs.append(
                    required(
                        child_path(kp, "default"),
                        "this property is in x-kubernetes-list-map-keys, "
                        "so it must have a default or be a required property",
                    )
                )
            if item_props[k].get("nullable") is True:
                self.errs.append(
                    forbidden(
                        child_path(kp, "nullable"),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    )
                )

    def _rules(self, s: Schema, path: str) -> None:
        """The static checks of x-kubernetes-validations (compiled by celrules.crd_rule_errors)."""
        newline = re.compile(r"[\n\r]+")
        for i, rule in enumerate(s.get("x-kubernetes-validations") or []):
            rp = index_path(child_path(path, "x-kubernetes-validations"), i)
            text, msg = rule.get("rule") or "", rule.get("message") or ""
            expr, fpath = rule.get("messageExpression") or "", rule.get("fieldPath") or ""
            if not text.strip():
                self.errs.append(required(child_path(rp, "rule"), "rule is not specified"))
            elif msg and not msg.strip():
                self.errs.append(invalid(child_path(rp, "message"), msg, "must be non-empty if specified"))
            elif newline.search(msg.strip()):
                self.errs.append(invalid(child_path(rp, "message"), msg, "must not contain line breaks"))
            elif newline.search(text.strip()) and not msg.strip():
                self.errs.append(
                    required(child_path(rp, "message"), "message must be specified if rule contains line breaks")
                )
            if expr and not expr.strip():
                self.errs.append(
                    required(child_path(rp, "messageExpression"), "messageExpression must be non-empty if specified")
                )
            reason = rule.get("reason")
            if reason is not None and reason not in _VALIDATION_REASONS:
                self.errs.append(not_supported(child_path(rp, "reason"), reason, _VALIDATION_REASONS))
            if fpath and not fpath.strip():
                self.errs.append(invalid(child_path(rp, "fieldPath"), fpath, "must be non-empty if specified"))
            if newline.search(fpath):
                self.errs.append(invalid(child_path(rp, "fieldPath"), fpath, "must not contain line breaks"))
