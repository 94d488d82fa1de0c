"""CRD validation (apiextensions-apiserver ``pkg/apis/apiextensions/validation/validation.go``).

``ValidateCustomResourceDefinition`` of a v1 CRD being created, on the internal form it converts to
(:mod:`.internal`): metadata, group, scope, names, versions, per-version and top-level schemas
(:mod:`.structural_validation`, :mod:`.openapi_validation`), subresources, printer columns, conversion
webhooks, stored versions and API approval of protected groups. Causes come in kube's order and bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiokube.apiserver.apiextensions.celrules import crd_rule_errors
from aiokube.apiserver.apiextensions.field import (
    child_path,
    forbidden,
    index_path,
    invalid,
    not_supported,
    required,
)
from aiokube.apiserver.apiextensions.internal import (
    SCHEMA_FIELDS,
    internal_schema_json,
    internal_versions_json,
    is_zero,
    to_internal,
)
from aiokube.apiserver.apiextensions.openapi_validation import validate_openapi_schema
from aiokube.apiserver.apiextensions.structural import Obj, Schema
from aiokube.apiserver.apiextensions.structural_validation import validate_defaults, validate_structural
from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.golang import GoJSON, go_is_print
from aiokube.apiserver.registry import validation as metavalidation

_PRINTER_TYPES = "boolean,date,integer,number,string"
_COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
_ALLOWED_AT_ROOT = [
    "Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum", "ExclusiveMinimum",
    "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf", "Required",
    "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations",
]  # fmt: skip


def _unsupported_field_error(s: Schema | None) -> str | None:
    """structuralschema.NewStructural's error, if any (fields a structural schema cannot hold)."""
    if not isinstance(s, dict):
        return None
    checks = [
        ("id", "OpenAPIV3Schema 'id' is not supported", bool(s.get("id"))),
        ("$schema", "OpenAPIV3Schema 'schema' is not supported", bool(s.get("$schema"))),
        ("$ref", "OpenAPIV3Schema '$ref' is not supported", bool(s.get("$ref"))),
        ("patternProperties", "OpenAPIV3Schema 'patternProperties' is not supported", bool(s.get("patternProperties"))),
        ("dependencies", "OpenAPIV3Schema 'dependencies' is not supported", bool(s.get("dependencies"))),
        ("additionalItems", "OpenAPIV3Schema 'additionalItems' is not supported", s.get("additionalItems") is not None),
        ("definitions", "OpenAPIV3Schema 'definitions' is not supported", bool(s.get("definitions"))),
    ]
    for _, msg, bad in checks:
        if bad:
            return msg
    if isinstance(s.get("items"), list) and s["items"]:
        return "OpenAPIV3Schema 'items' must be a schema, but is an array"
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
    subs: list[Any] = [s.get("not"), s.get("items") if isinstance(s.get("items"), dict) else None]
    subs += list((s.get("properties") or {}).values())
    subs += list(s.get("allOf") or []) + list(s.get("anyOf") or []) + list(s.get("oneOf") or [])
    ap = s.get("additionalProperties")
    subs.append(ap if isinstance(ap, dict) else None)
    for sub in subs:
        err = _unsupported_field_error(sub)
        if err:
            return err
    return None


def validate_crd_schema(validation: Obj | None, status_enabled: bool, path: str) -> list[Cause]:
    """validateCustomResourceDefinitionValidation."""
    errs: list[Cause] = []
    if validation is None:
        return errs
    schema = validation.get("openAPIV3Schema")
    if not isinstance(schema, dict):
        return errs
    if status_enabled:
        for go_name, key, _ in SCHEMA_FIELDS:
            if is_zero(key, schema.get(key)):
                continue
            if go_name == "Type":
                if schema.get("type") != "object":
                    errs.append(
                        invalid(
                            child_path(path, "openAPIV3Schema.type"),
                            schema.get("type"),
                            'only "object" is allowed as the type at the root of the schema '
                            "if the status subresource is enabled",
                        )
                    )
                    break
                continue
            if go_name not in _ALLOWED_AT_ROOT:
                errs.append(
                    invalid(
                        child_path(path, "openAPIV3Schema"),
                        GoJSON(internal_schema_json(schema)),
                        f"only [{' '.join(_ALLOWED_AT_ROOT)}] fields are allowed at the root of the schema "
                        "if the status subresource is enabled",
                    )
                )
                break
    if schema.get("nullable") is True:
        errs.append(forbidden(child_path(path, "openAPIV3Schema.nullable"), "nullable cannot be true at the root"))
    schema_path = child_path(path, "openAPIV3Schema")
    init_errs: list[Cause] = []
    init_problem = _unsupported_field_error(schema)
    if init_problem:
        init_errs.append(invalid(schema_path, "", init_problem))
    else:
        structural = validate_structural(schema, schema_path)
        errs.extend(structural or validate_defaults(schema, schema_path))
    errs.extend(validate_openapi_schema(schema, schema_path))
    if not errs:
        errs.extend(init_errs)
    if not errs:  # kube compiles the rules of a schema without schema errors
        errs.extend(crd_rule_errors(schema, schema_path))
    return errs


def _validate_names(names: Obj, path: str) -> list[Cause]:
    """ValidateCustomResourceDefinitionNames."""
    errs: list[Cause] = []
    for key in ("plural", "singular"):
        v = names.get(key) or ""
        if v and (msgs := metavalidation.is_dns1035_label(v)):
            errs.append(invalid(child_path(path, key), v, ",".join(msgs)))
    for key in ("kind", "listKind"):
        v = names.get(key) or ""
        if v and (msgs := metavalidation.is_dns1035_label(v.lower())):
            errs.append(
                invalid(child_path(path, key), v, "may have mixed case, but should otherwise match: " + ",".join(msgs))
            )
    for i, short in enumerate(names.get("shortNames") or []):
        if msgs := metavalidation.is_dns1035_label(short):
            errs.append(invalid(index_path(child_path(path, "shortNames"), i), short, ",".join(msgs)))
    kind = names.get("kind") or ""
    if kind and kind == names.get("listKind"):
        errs.append(
            invalid(child_path(path, "listKind"), names.get("listKind"), "kind and listKind may not be the same")
        )
    for i, cat in enumerate(names.get("categories") or []):
        if msgs := metavalidation.is_dns1035_label(cat):
            errs.append(invalid(index_path(child_path(path, "categories"), i), cat, ",".join(msgs)))
    return errs


def _simple_json_path(s: str, path: str) -> list[Cause]:
    if not s:
        return [invalid(path, s, "must not be empty")]
    if s[0] != ".":
        return [invalid(path, s, "must be a simple json path starting with .")]
    return []


def _validate_column(col: Obj, path: str) -> list[Cause]:
    """ValidateCustomResourceColumnDefinition (note kube's field name ``JSONPath``)."""
    errs: list[Cause] = []
    if not col.get("name"):
        errs.append(required(child_path(path, "name")))
    t = col.get("type") or ""
    if not t:
        errs.append(required(child_path(path, "type"), f"must be one of {_PRINTER_TYPES}"))
    elif t not in _PRINTER_TYPES.split(","):
        errs.append(invalid(child_path(path, "type"), t, f"must be one of {_PRINTER_TYPES}"))
    f = col.get("format") or ""
    if f and f not in _COLUMN_FORMATS:
        errs.append(invalid(child_path(path, "format"), f, f"must be one of {','.join(_COLUMN_FORMATS)}"))
    jp = col.get("jsonPath") or ""
    if not jp:
        errs.append(required(child_path(path, "JSONPath")))
    else:
        errs.extend(_simple_json_path(jp, child_path(path, "JSONPath")))
    return errs


def _validate_subresources(sub: Obj | None, path: str) -> list[Cause]:
    errs: list[Cause] = []
    scale = (sub or {}).get("scale")
    if scale is None:
        return errs
    for key, prefix, where in (
        ("specReplicasPath", ".spec.", "should be a json path under .spec"),
        ("statusReplicasPath", ".status.", "should be a json path under .status"),
    ):
        v = scale.get(key) or ""
        p = child_path(path, f"scale.{key}")
        if not v:
            errs.append(required(p))
        elif bad := _simple_json_path(v, p):
            errs.extend(bad)
        elif not v.startswith(prefix):
            errs.append(invalid(p, v, where))
    sel = scale.get("labelSelectorPath")
    if sel:
        p = child_path(path, "scale.labelSelectorPath")
        if bad := _simple_json_path(sel, p):
            errs.extend(bad)
        elif not sel.startswith(".spec.") and not sel.startswith(".status."):
            errs.append(invalid(p, sel, "should be a json path under either .spec or .status"))
    return errs


def _validate_deprecation_warning(v: Obj, path: str) -> list[Cause]:
    warning = v.get("deprecationWarning")
    msgs: list[str] = []
    if not v.get("deprecated") and warning is not None:
        msgs.append("can only be set for deprecated versions")
    elif warning is not None:
        if len(warning.encode()) > 256:
            msgs.append("must be <= 256 characters long")
        if not warning:
            msgs.append("must not be an empty string")
        offset = 0
        for ch in warning:
            if not go_is_print(ch):
                msgs.append(
                    f"must only contain printable UTF-8 characters; non-printable character found at index {offset}"
                )
                break
            offset += len(ch.encode())
    return [invalid(child_path(path, "deprecationWarning"), warning, m) for m in msgs]


def _validate_webhook_url(url: str, path: str) -> list[Cause]:
    form = "; desired format: https://host[/path]"
    errs: list[Cause] = []
    try:
        u = urlsplit(url)
    except ValueError as exc:
        return [required(path, f"url must be a valid URL: {exc}{form}")]
    if u.scheme != "https":
        errs.append(invalid(path, u.scheme, "'https' is the only allowed URL scheme" + form))
    host = u.netloc.rpartition("@")[2]
    if not host:
        errs.append(invalid(path, host, "host must be specified" + form))
    if "@" in u.netloc:
        errs.append(invalid(path, u.netloc.rpartition("@")[0], "user information is not permitted in the URL"))
    if u.fragment:
        errs.append(invalid(path, u.fragment, "fragments are not permitted in the URL"))
    if u.query:
        errs.append(invalid(path, u.query, "query parameters are not permitted in the URL"))
    return errs


def _validate_webhook_service(svc: Obj, path: str) -> list[Cause]:
    errs: list[Cause] = []
    if not svc.get("name"):
        errs.append(required(child_path(path, "name")))
    if not svc.get("namespace"):
        errs.append(required(child_path(path, "namespace")))
    port = svc.get("port", 443)
    if not 1 <= port <= 65535:
        errs.append(
            invalid(child_path(path, "port"), port, "port is not valid: must be between 1 and 65535, inclusive")
        )
    url_path = svc.get("path")
    if url_path is None or url_path in ("/", ""):
        return errs
    pp = child_path(path, "path")
    if url_path == "//":
        return [*errs, invalid(pp, url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        errs.append(invalid(pp, url_path, "must start with a '/'"))
    check = url_path[1:]
    if check.endswith("/"):
        check = check[:-1]
    for i, step in enumerate(check.split("/")):
        if not step:
            errs.append(invalid(pp, url_path, f"segment[{i}] may not be empty"))
            continue
        for failure in metavalidation.is_dns1123_subdomain(step):
            errs.append(invalid(pp, url_path, f"segment[{i}]: {failure}"))
    return errs


def _validate_conversion(conv: Obj, path: str) -> list[Cause]:
    errs: list[Cause] = []
    strategy = conv.get("strategy") or ""
    if not strategy:
        errs.append(required(child_path(path, "strategy")))
    elif strategy not in ("None", "Webhook"):
        errs.append(not_supported(child_path(path, "strategy"), strategy, ["None", "Webhook"]))
    cc = conv.get("webhookClientConfig")
    versions = conv.get("conversionReviewVersions")
    if strategy == "Webhook":
        ccp = child_path(path, "webhookClientConfig")
        if cc is None:
            errs.append(required(ccp, "required when strategy is set to Webhook"))
        else:
            has_url, has_svc = cc.get("url") is not None, cc.get("service") is not None
            if has_url == has_svc:
                errs.append(required(ccp, "exactly one of url or service is required"))
            elif has_url:
                errs.extend(_validate_webhook_url(cc["url"], child_path(ccp, "url")))
            else:
                errs.extend(_validate_webhook_service(cc["service"], child_path(ccp, "service")))
        vp = child_path(path, "conversionReviewVersions")
        if not versions:
            errs.append(required(vp))
        else:
            seen: set[str] = set()
            accepted = False
            for i, v in enumerate(versions):
                if v in seen:
                    errs.append(invalid(index_path(vp, i), v, "duplicate version"))
                    continue
                seen.add(v)
                errs.extend(invalid(index_path(vp, i), v, m) for m in metavalidation.is_dns1035_label(v))
                accepted = accepted or v in ("v1", "v1beta1")
            if not accepted:
                errs.append(invalid(vp, versions, "must include at least one of v1, v1beta1"))
    else:
        if cc is not None:
            errs.append(
                forbidden(
                    child_path(path, "webhookClientConfig"), "should not be set when strategy is not set to Webhook"
                )
            )
        if versions:
            errs.append(
                forbidden(
                    child_path(path, "conversionReviewVersions"),
                    "should not be set when strategy is not set to Webhook",
                )
            )
    return errs


def _schema_has(s: Any, pred: Callable[[Schema], bool]) -> bool:
    """SchemaHas: does any node of the schema satisfy ``pred``?"""
    if not isinstance(s, dict):
        return False
    if pred(s):
        return True
    subs: list[Any] = []
    items = s.get("items")
    subs += items if isinstance(items, list) else [items]
    subs += list(s.get("allOf") or []) + list(s.get("anyOf") or []) + list(s.get("oneOf") or []) + [s.get("not")]
    subs += list((s.get("properties") or {}).values())
    subs.append(s.get("additionalProperties"))
    subs += list((s.get("patternProperties") or {}).values())
    subs.append(s.get("additionalItems"))
    subs += list((s.get("definitions") or {}).values())
    subs += list((s.get("dependencies") or {}).values())
    return any(_schema_has(x, pred) for x in subs)


def _api_approval(crd: Obj, group: str) -> list[Cause]:
    """validateAPIApproval for *.k8s.io and *.kubernetes.io groups."""
    protected = group in ("k8s.io", "kubernetes.io") or group.endswith(".k8s.io") or group.endswith(".kubernetes.io")
    if not protected:
        return []
    key = "api-approved.kubernetes.io"
    value = ((crd.get("metadata") or {}).get("annotations") or {}).get(key, "")
    path = f"metadata.annotations[{key}]"
    if not value:
        return [
            required(
                path,
                f'protected groups must have approval annotation "{key}", see https://github.com/kubernetes/enhancements/pull/1111',
            )
        ]
    if value.startswith("unapproved"):
        return []
    u = urlsplit(value) if not value.startswith("/") else None
    if u is not None and u.scheme and u.netloc:
        return []
    return [
        invalid(
            path,
            value,
            f'protected groups must have approval annotation "{key}" with either a URL or a reason starting with '
            '"unapproved", see https://github.com/kubernetes/enhancements/pull/1111',
        )
    ]


def validate_crd(crd: Obj) -> list[Cause]:
    """ValidateCustomResourceDefinition of a v1 CRD being created, causes in kube's order.

    kube validates the internal version: per-version schemas, subresources and printer columns that are
    identical in all versions (one version included) are moved to the top level first, so their errors
    read ``spec.validation.openAPIV3Schema…``, ``spec.subresources…``, ``spec.additionalPrinterColumns[0]…``.
    """
    spec_in = crd.get("spec") or {}
    spec = to_internal(crd)
    errs: list[Cause] = []

    # metadata: a DNS subdomain that must equal <plural>.<group>
    required_name = f"{spec['names'].get('plural') or ''}.{spec['group']}"

    def name_fn(name: str, prefix: bool) -> list[str]:
        ret = metavalidation.name_is_dns_subdomain(name, prefix)
        if name != required_name:
            ret.append('must be spec.names.plural+"."+spec.group')
        return ret

    meta_errs = FieldErrors()
    metavalidation.validate_object_meta(
        crd.get("metadata") or {}, namespaced=False, name_validator=name_fn, errs=meta_errs
    )
    errs.extend(meta_errs.causes)

    # spec
    group = spec["group"]
    if not group:
        errs.append(required("spec.group"))
    elif msgs := metavalidation.is_dns1123_subdomain(group):
        errs.append(invalid("spec.group", group, ",".join(msgs)))
    elif len(group.split(".")) < 2:
        errs.append(invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec["scope"]
    if not scope:
        errs.append(required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errs.append(not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))

    versions = spec["versions"] or []
    validation = spec["validation"]
    if validation is None or validation.get("openAPIV3Schema") is None:
        for i, v in enumerate(versions):
            if v.get("schema") is None or (v["schema"] or {}).get("openAPIV3Schema") is None:
                errs.append(required(f"spec.versions[{i}].schema.openAPIV3Schema"))

    all_schemas = [validation] + [v.get("schema") for v in versions]
    if any(_schema_has((s or {}).get("openAPIV3Schema"), lambda n: n.get("default") is not None) for s in all_schemas):
        if spec["preserveUnknownFields"]:
            errs.append(
                invalid("spec.preserveUnknownFields", True, "must be false in order to use defaults in the schema")
            )

    per_version_sub = any(v.get("subresources") is not None for v in versions)

    def status_enabled(sub: Obj | None) -> bool:
        return sub is not None and sub.get("status") is not None

    storage_count = 0
    seen_names: set[str] = set()
    unique = True
    for i, v in enumerate(versions):
        vp = f"spec.versions[{i}]"
        name = v.get("name") or ""
        if v.get("storage") is True:
            storage_count += 1
        if name in seen_names:
            unique = False
        seen_names.add(name)
        if msgs := metavalidation.is_dns1035_label(name):
            errs.append(invalid(f"{vp}.name", name, ",".join(msgs)))
        sub = v.get("subresources") if per_version_sub else spec["subresources"]
        errs.extend(_validate_deprecation_warning(v, vp))
        errs.extend(validate_crd_schema(v.get("schema"), status_enabled(sub), f"{vp}.schema"))
        errs.extend(_validate_subresources(v.get("subresources"), f"{vp}.subresources"))
        for j, col in enumerate(v.get("additionalPrinterColumns") or []):
            errs.extend(_validate_column(col, f"{vp}.additionalPrinterColumns[{j}]"))

    if not unique:
        errs.append(
            invalid("spec.versions", internal_versions_json(spec["versions"]), "must contain unique version names")
        )
    if storage_count != 1:
        errs.append(
            invalid(
                "spec.versions",
                internal_versions_json(spec["versions"]),
                "must have exactly one version marked as storage version",
            )
        )
    if spec["version"] and (msgs := metavalidation.is_dns1035_label(spec["version"])):
        errs.append(invalid("spec.version", spec["version"], ",".join(msgs)))

    names = spec["names"]
    for key in ("plural", "singular", "kind", "listKind"):
        if not names.get(key):
            errs.append(required(f"spec.names.{key}"))
    errs.extend(_validate_names(names, "spec.names"))
    any_status = status_enabled(spec["subresources"]) or any(status_enabled(v.get("subresources")) for v in versions)
    errs.extend(validate_crd_schema(validation, any_status, "spec.validation"))
    errs.extend(_validate_subresources(spec["subresources"], "spec.subresources"))
    for j, col in enumerate(spec["additionalPrinterColumns"] or []):
        errs.extend(_validate_column(col, f"spec.additionalPrinterColumns[{j}]"))

    conv = spec["conversion"]
    if conv["strategy"] != "None" and spec["preserveUnknownFields"]:
        errs.append(
            invalid("spec.conversion.strategy", conv["strategy"], "must be None if spec.preserveUnknownFields is true")
        )
    errs.extend(_validate_conversion(conv, "spec.conversion"))

    # status: PrepareForCreate resets it; storedVersions holds the (first) storage version
    stored = spec["storedVersions"]
    if not stored:
        errs.append(invalid("status.storedVersions", stored, "must have at least one stored version"))
    else:
        remaining = {name: i for i, name in enumerate(stored)}
        for v in versions:
            name = v.get("name") or ""
            if v.get("storage") is True and name not in remaining:
                errs.append(invalid("status.storedVersions", stored, "must have the storage version " + name))
            remaining.pop(name, None)
        for name, i in remaining.items():
            errs.append(
                invalid(
                    f"status.storedVersions[{i}]",
                    name,
                    f"missing from spec.versions; {name} was previously a storage version, and must remain in "
                    f"spec.versions until a storage migration ensures no data remains persisted in {name} and "
                    f"removes {name} from status.storedVersions",
                )
            )
    errs.extend(_api_approval(crd, group))
    if spec_in.get("preserveUnknownFields") is True:
        errs.append(
            invalid(
                "spec.preserveUnknownFields",
                True,
                "cannot set to true, set x-kubernetes-preserve-unknown-fields to true "
                "in spec.versions[*].schema instead",
            )
        )
    return errs
