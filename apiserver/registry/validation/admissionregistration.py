"""admissionregistration.k8s.io (pkg/apis/admissionregistration/validation): webhook configurations (fully
qualified unique names, rules, the policy enums, the timeout range, exactly one of url or service, the review
versions; an update ratchets what the old object already had) and the basics of Validating- and
MutatingAdmissionPolicy and their bindings (match constraints, param kinds and refs, match conditions, variables,
validations, audit annotations, mutations). CEL expressions are compiled as kube compiles them, with its
variables' types (:mod:`.admissioncel`): a webhook's or policy's match conditions, a policy's variables (composed:
each sees those before it), validations and their messageExpressions, audit annotations' valueExpressions, and
mutations' applyConfiguration and jsonPatch expressions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.apiextensions.jsonpath import template_error
from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.admissioncel import Decls, compile_expression, return_type_error
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1035_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_path_segment_name,
    name_is_dns_subdomain,
)

Obj = dict[str, Any]

_FAILURE_POLICIES = ["Fail", "Ignore"]
_MATCH_POLICIES = ["Equivalent", "Exact"]
_SIDE_EFFECTS = ["None", "NoneOnDryRun", "Some", "Unknown"]
_NO_SIDE_EFFECTS = ["None", "NoneOnDryRun"]
_OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
_REINVOCATION_POLICIES = ["IfNeeded", "Never"]
_SCOPES = ["*", "Cluster", "Namespaced"]
_REVIEW_VERSIONS = ["v1", "v1beta1"]
_VALIDATION_ACTIONS = ["Audit", "Deny", "Warn"]
#: a MutatingAdmissionPolicy cannot mutate a DELETE
_MUTATING_OPERATIONS = ["*", "CONNECT", "CREATE", "UPDATE"]
_PATCH_TYPES = ["ApplyConfiguration", "JSONPatch"]
_MAX_MATCH_CONDITIONS = 64
_CEL_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_CEL_RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace return "
    "var void while".split()
)
_URL_FORM = "; desired format: https://host[/path]"
_VALIDATION_REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge"]
_MAX_AUDIT_ANNOTATIONS = 20
_MAX_VALUE_EXPRESSION = 5 * 1024
_NEWLINES = re.compile(r"[\n\r]+")


def fully_qualified_name(name: str, path: str, errs: FieldErrors) -> None:
    """utilvalidation.IsFullyQualifiedName: a DNS subdomain of at least three labels."""
    if not name:
        errs.required(path)
    elif msgs := is_dns1123_subdomain(name):
        errs.invalid(path, name, ",".join(msgs))
    elif len(name.split(".")) < 3:
        errs.invalid(path, name, "should be a domain with at least three segments separated by dots")


def _resources(resources: list[Any], path: str, errs: FieldErrors) -> None:
    """validateResources: resource/subresource patterns whose wildcards do not overlap."""
    if not resources:
        errs.required(path)
    res_wild: set[str] = set()  # x/*
    sub_wild: set[str] = set()  # */x
    double = single = plain = False
    for i, item in enumerate(resources):
        if not item:
            errs.required(f"{path}[{i}]")
            continue
        double = double or item == "*/*"
        single = single or item == "*"
        if "/" not in item:
            plain = item != "*"
            continue
        res, sub = item.split("/", 1)
        if res in res_wild:
            errs.invalid(f"{path}[{i}]", item, f"if '{res}/*' is present, must not specify {item}")
        if sub in sub_wild:
            errs.invalid(f"{path}[{i}]", item, f"if '*/{sub}' is present, must not specify {item}")
        if sub == "*":
            res_wild.add(res)
        if res == "*":
            sub_wild.add(sub)
    if len(resources) > 1 and double:
        errs.invalid(path, resources, "if '*/*' is present, must not specify other resources")
    if single and plain:
        errs.invalid(path, resources, "if '*' is present, must not specify other resources without subresources")


def _rule_with_operations(rule: Obj, path: str, errs: FieldErrors) -> None:
    """validateRuleWithOperations (and validateRule, subresources allowed)."""
    ops = f.list_at(rule, "operations")
    if not ops:
        errs.required(f"{path}.operations")
    if len(ops) > 1 and "*" in ops:
        errs.invalid(f"{path}.operations", ops, "if '*' is present, must not specify other operations")
    for i, op in enumerate(ops):
        if op not in _OPERATIONS:
            errs.not_supported(f"{path}.operations[{i}]", op, _OPERATIONS)
    groups, versions = f.list_at(rule, "apiGroups"), f.list_at(rule, "apiVersions")
    if not groups:
        errs.required(f"{path}.apiGroups")
    if len(groups) > 1 and "*" in groups:
        errs.invalid(f"{path}.apiGroups", groups, "if '*' is present, must not specify other API groups")
    if not versions:
        errs.required(f"{path}.apiVersions")
    if len(versions) > 1 and "*" in versions:
        errs.invalid(f"{path}.apiVersions", versions, "if '*' is present, must not specify other API versions")
    for i, version in enumerate(versions):
        if not version:
            errs.required(f"{path}.apiVersions[{i}]")
    _resources(f.list_at(rule, "resources"), f"{path}.resources", errs)
    scope = rule.get("scope")
    if scope is not None and scope not in _SCOPES:
        errs.not_supported(f"{path}.scope", scope, _SCOPES)


def _go_url_parse(url: str) -> tuple[str, str, str, str, str | None]:
    """The parts of Go's url.Parse that ValidateWebhookURL reads: scheme, host, query, fragment and user info;
    raises ValueError with Go's error text."""
    rest, _, fragment = url.partition("#")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in rest):
        raise ValueError(f'parse "{url}": net/url: invalid control character in URL')
    scheme = ""
    for i, c in enumerate(rest):
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-."):
            if i == 0:
                break
            continue
        if c == ":":
            if i == 0:
                raise ValueError(f'parse "{url}": missing protocol scheme')
            scheme, rest = rest[:i].lower(), rest[i + 1 :]
        break
    rest, _, query = rest.partition("?")
    host, user = "", None
    if not rest.startswith("/") and scheme:
        return scheme, host, query, fragment, user  # opaque
    if not rest.startswith("/") and ":" in rest.split("/", 1)[0]:
        raise ValueError(f'parse "{url}": first path segment in URL cannot contain colon')
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority = rest[2:].split("/", 1)[0]
        if "@" in authority:
            user, _, host = authority.rpartition("@")
        else:
            host = authority
    return scheme, host, query, fragment, user


def _webhook_url(url: str, path: str, errs: FieldErrors) -> None:
    """webhook.ValidateWebhookURL with https forced."""
    try:
        scheme, host, query, fragment, user = _go_url_parse(url)
    except ValueError as e:
        errs.required(path, f"url must be a valid URL: {e}{_URL_FORM}")
        return
    if scheme != "https":
        errs.invalid(path, scheme, f"'https' is the only allowed URL scheme{_URL_FORM}")
    if not host:
        errs.invalid(path, host, f"host must be specified{_URL_FORM}")
    if user is not None:
        errs.invalid(path, user, "user information is not permitted in the URL")
    if fragment:
        errs.invalid(path, fragment, "fragments are not permitted in the URL")
    if query:
        errs.invalid(path, query, "query parameters are not permitted in the URL")


def _webhook_service(service: Obj, path: str, errs: FieldErrors) -> None:
    """webhook.ValidateWebhookService: name, namespace, port and a path of DNS-1123 subdomain segments."""
    if not service.get("name"):
        errs.required(f"{path}.name")
    if not service.get("namespace"):
        errs.required(f"{path}.namespace")
    port = service.get("port", 443)
    if msgs := f.port_num_errors(port):
        errs.invalid(f"{path}.port", port, "port is not valid: " + ", ".join(msgs))
    url_path = service.get("path")
    if url_path is None or url_path in ("", "/"):
        return
    if url_path == "//":
        errs.invalid(f"{path}.path", url_path, "segment[0] may not be empty")
        return
    if not url_path.startswith("/"):
        errs.invalid(f"{path}.path", url_path, "must start with a '/'")
    check = url_path[1:]
    if check.endswith("/"):
        check = check[:-1]
    for i, step in enumerate(check.split("/")):
        if not step:
            errs.invalid(f"{path}.path", url_path, f"segment[{i}] may not be empty")
            continue
        for msg in is_dns1123_subdomain(step):
            errs.invalid(f"{path}.path", url_path, f"segment[{i}]: {msg}")


def _webhook(hook: Obj, path: str, side_effects: list[str], strict_selector: bool, mutating: bool,
             check_conditions: bool, errs: FieldErrors) -> None:  # fmt: skip
    """validateValidatingWebhook / validateMutatingWebhook (``check_conditions``: false on an update that keeps
    every webhook's match conditions)."""
    fully_qualified_name(hook.get("name", ""), f"{path}.name", errs)
    for i, rule in enumerate(f.list_at(hook, "rules")):
        _rule_with_operations(rule if isinstance(rule, dict) else {}, f"{path}.rules[{i}]", errs)
    for key, supported in (("failurePolicy", _FAILURE_POLICIES), ("matchPolicy", _MATCH_POLICIES)):
        if hook.get(key) is not None and hook[key] not in supported:
            errs.not_supported(f"{path}.{key}", hook[key], supported)
    effects = hook.get("sideEffects")
    if effects is None:
        errs.required(f"{path}.sideEffects", "must specify one of " + ", ".join(side_effects))
    elif effects not in side_effects:
        errs.not_supported(f"{path}.sideEffects", effects, side_effects)
    timeout = hook.get("timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        errs.invalid(f"{path}.timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds")
    for key in ("namespaceSelector", "objectSelector"):
        f.label_selector(hook.get(key), f"{path}.{key}", errs, strict_values=strict_selector)
    policy = hook.get("reinvocationPolicy")
    if mutating and policy is not None and policy not in _REINVOCATION_POLICIES:
        errs.not_supported(f"{path}.reinvocationPolicy", policy, _REINVOCATION_POLICIES)
    config = f.obj_at(hook, "clientConfig")
    url, service = config.get("url"), config.get("service")
    if (url is None) == (service is None):
        errs.required(f"{path}.clientConfig", "exactly one of url or service is required")
    elif url is not None:
        _webhook_url(url, f"{path}.clientConfig.url", errs)
    else:
        _webhook_service(service if isinstance(service, dict) else {}, f"{path}.clientConfig.service", errs)
    if check_conditions:
        _match_conditions(f.list_at(hook, "matchConditions"), f"{path}.matchConditions", False, errs)


def _review_versions(versions: list[Any], path: str, require_known: bool, errs: FieldErrors) -> None:
    """validateAdmissionReviewVersions."""
    if not versions:
        errs.required(path, "must specify one of " + ", ".join(_REVIEW_VERSIONS))
        return
    seen: set[str] = set()
    for i, version in enumerate(versions):
        if version in seen:
            errs.invalid(f"{path}[{i}]", version, "duplicate version")
            continue
        seen.add(version)
        for msg in is_dns1035_label(version):
            errs.invalid(f"{path}[{i}]", version, msg)
    if require_known and not seen.intersection(_REVIEW_VERSIONS):
        errs.invalid(path, versions, "must include at least one of " + ", ".join(_REVIEW_VERSIONS))


def _hooks(obj: Obj | None) -> list[Obj]:
    return [h for h in f.list_at(obj, "webhooks") if isinstance(h, dict)]


def _webhook_configuration(obj: Obj, old: Obj | None, errs: FieldErrors, *, mutating: bool) -> None:
    """validate{Validating,Mutating}WebhookConfiguration; on update kube keeps accepting what the old object
    already had (side effects, unrecognized review versions, duplicate names, invalid selector values)."""
    old_hooks = _hooks(old)
    side_effects, require_known, unique, strict_selector = _NO_SIDE_EFFECTS, True, True, True
    hooks = f.list_at(obj, "webhooks")
    check_conditions = (
        old is None
        or len(hooks) != len(old_hooks)
        or any(
            (h.get("matchConditions") if isinstance(h, dict) else None) != o.get("matchConditions")
            for h, o in zip(hooks, old_hooks, strict=False)
        )
    )
    if old is not None:
        if not all(h.get("sideEffects") in _NO_SIDE_EFFECTS for h in old_hooks):
            side_effects = _SIDE_EFFECTS
        require_known = all(set(f.list_at(h, "admissionReviewVersions")) & set(_REVIEW_VERSIONS) for h in old_hooks)
        names = [h.get("name", "") for h in old_hooks]
        unique = len(names) == len(set(names))
        strict_selector = all(
            f.selector_values_valid(h.get(key)) for h in old_hooks for key in ("namespaceSelector", "objectSelector")
        )
    seen: set[str] = set()
    for i, hook in enumerate(f.list_at(obj, "webhooks")):
        hook = hook if isinstance(hook, dict) else {}
        path = f"webhooks[{i}]"
        _webhook(hook, path, side_effects, strict_selector, mutating, check_conditions, errs)
        versions = f.list_at(hook, "admissionReviewVersions")
        _review_versions(versions, f"{path}.admissionReviewVersions", require_known, errs)
        name = hook.get("name", "")
        if unique and name:
            if name in seen:
                errs.duplicate(f"{path}.name", name)
            seen.add(name)


def validate_validating_webhook_configuration(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    _webhook_configuration(obj, old, errs, mutating=False)


def validate_mutating_webhook_configuration(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    _webhook_configuration(obj, old, errs, mutating=True)


def _param_kind(kind: Obj, path: str, errs: FieldErrors) -> None:
    """validateParamKind: a group/version and a kind that lowercases to a DNS-1035 label."""
    api_version = kind.get("apiVersion", "")
    if not api_version:
        errs.required(f"{path}.apiVersion")
    elif api_version.count("/") > 1:
        errs.invalid(f"{path}.apiVersion", api_version, f"unexpected GroupVersion string: {api_version}")
    else:
        group, _, version = api_version.rpartition("/") if api_version != "/" else ("", "", "")
        if group and (msgs := is_dns1123_subdomain(group)):
            errs.invalid(f"{path}.apiVersion", group, ",".join(msgs))
        if not version:
            errs.invalid(f"{path}.apiVersion", api_version, "version must be specified")
        elif msgs := is_dns1035_label(version):
            errs.invalid(f"{path}.apiVersion", version, ",".join(msgs))
    name = kind.get("kind", "")
    if not name:
        errs.required(f"{path}.kind")
    elif msgs := is_dns1035_label(name.lower()):
        errs.invalid(f"{path}.kind", name, "may have mixed case, but should otherwise match: " + ",".join(msgs))


def _match_resources(match: Obj | None, path: str, errs: FieldErrors) -> None:
    """validateMatchResources (defaulting fills matchPolicy and the selectors of a policy's constraints)."""
    if not isinstance(match, dict):
        return
    policy = match.get("matchPolicy")
    if policy is None:
        errs.required(f"{path}.matchPolicy")
    elif policy not in _MATCH_POLICIES:
        errs.not_supported(f"{path}.matchPolicy", policy, _MATCH_POLICIES)
    for key in ("namespaceSelector", "objectSelector"):
        if match.get(key) is None:
            errs.required(f"{path}.{key}")
        else:
            f.label_selector(match[key], f"{path}.{key}", errs)
    for key in ("resourceRules", "excludeResourceRules"):
        for i, rule in enumerate(f.list_at(match, key)):
            rule = rule if isinstance(rule, dict) else {}
            rpath = f"{path}.{key}[{i}]"
            seen: set[str] = set()
            for j, name in enumerate(f.list_at(rule, "resourceNames")):
                for msg in is_valid_path_segment_name(name):
                    errs.invalid(f"{rpath}.resourceNames[{j}]", name, msg)
                if name in seen:
                    errs.duplicate(f"{rpath}.resourceNames[{j}]", name)
                seen.add(name)
            _rule_with_operations(rule, rpath, errs)


def _policy_spec(
    obj: Obj,
    old: Obj | None,
    errs: FieldErrors,
    match_check: Callable[[Obj, str, FieldErrors], None] | None = None,
    compose: bool | None = None,
) -> tuple[Obj, Decls]:
    """What validating and mutating admission policies check alike, in kube's order: failure policy, param
    kind, match constraints (``match_check`` adds a kind's own rule checks), match conditions, variables
    (``compose``: whether ``variables`` is declared; None: when the policy has variables). Returns the spec and
    the declarations its other expressions compile with."""
    spec = f.obj_at(obj, "spec")
    policy = spec.get("failurePolicy")
    if policy is None:
        errs.required("spec.failurePolicy")
    elif policy not in _FAILURE_POLICIES:
        errs.not_supported("spec.failurePolicy", policy, _FAILURE_POLICIES)
    params = isinstance(spec.get("paramKind"), dict)
    if params:
        _param_kind(spec["paramKind"], "spec.paramKind", errs)
    match = spec.get("matchConstraints")
    if not isinstance(match, dict):
        errs.required("spec.matchConstraints")
    else:
        _match_resources(match, "spec.matchConstraints", errs)
        if not f.list_at(match, "resourceRules"):
            errs.required("spec.matchConstraints.resourceRules")
        if match_check is not None:
            match_check(match, "spec.matchConstraints", errs)
    _policy_match_conditions(obj, old, params, errs)
    variables = f.list_at(spec, "variables")
    composed = _variables(variables, params, "spec.variables", errs) if (compose or variables) else None
    return spec, Decls(params=params, variables=composed)


def validate_validating_admission_policy(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateValidatingAdmissionPolicySpec, its CEL expressions compiled."""
    spec, decls = _policy_spec(obj, old, errs)
    validations, annotations = f.list_at(spec, "validations"), f.list_at(spec, "auditAnnotations")
    if not validations and not annotations:
        for key in ("validations", "auditAnnotations"):
            errs.required(f"spec.{key}", "validations or auditAnnotations must contain at least one item")
        return
    for i, validation in enumerate(validations):
        _validation(validation if isinstance(validation, dict) else {}, decls, f"spec.validations[{i}]", errs)
    if len(annotations) > _MAX_AUDIT_ANNOTATIONS:
        # the value as Go prints the internal structs (no json tags: Go's field names)
        value = [{"Key": a.get("key") or "", "ValueExpression": a.get("valueExpression") or ""}
                 for a in annotations if isinstance(a, dict)]  # fmt: skip
        detail = f"must not have more than {_MAX_AUDIT_ANNOTATIONS} auditAnnotations"
        errs.invalid("spec.auditAnnotations", value, detail)
    name = f.obj_at(obj, "metadata").get("name") or ""
    keys: set[str] = set()
    for i, annotation in enumerate(annotations):
        annotation = annotation if isinstance(annotation, dict) else {}
        path = f"spec.auditAnnotations[{i}]"
        _audit_annotation(annotation, name, decls, path, errs)
        key = annotation.get("key") or ""
        if key in keys:
            errs.duplicate(f"{path}.key", key)
        keys.add(key)


def _compile_errors(expression: str, shown: str, decls: Decls, wanted: tuple[str, ...], path: str,
                    errs: FieldErrors) -> None:  # fmt: skip
    """validateCELCondition: ``expression`` compiled, its error reported as Invalid with ``shown`` as the value."""
    result = compile_expression(expression, decls)
    if result.internal:
        errs.internal(path, result.error)
    elif detail := return_type_error(result, wanted):
        errs.invalid(path, shown, detail)


def _validation(validation: Obj, decls: Decls, path: str, errs: FieldErrors) -> None:
    """validateValidation: a bool expression, a string messageExpression (without the authorizer), a message
    without line breaks, a supported reason."""
    expression = str(validation.get("expression") or "")
    if not expression.strip():
        errs.required(f"{path}.expression", "expression is not specified")
    else:
        _compile_errors(expression, expression, decls, ("bool",), f"{path}.expression", errs)
    message_expression = str(validation.get("messageExpression") or "")
    if message_expression and not message_expression.strip():
        errs.invalid(f"{path}.messageExpression", message_expression, "must be non-empty if specified")
    elif message_expression:
        message_decls = Decls(params=decls.params, authorizer=False, variables=decls.variables)
        _compile_errors(message_expression, message_expression, message_decls, ("string",),
                        f"{path}.messageExpression", errs)  # fmt: skip
    message = str(validation.get("message") or "")
    if message and not message.strip():
        errs.invalid(f"{path}.message", message, "must be non-empty if specified")
    elif _NEWLINES.search(message.strip()):
        errs.invalid(f"{path}.message", message, "must not contain line breaks")
    reason = validation.get("reason")
    if reason is not None and reason not in _VALIDATION_REASONS:
        errs.not_supported(f"{path}.reason", reason, _VALIDATION_REASONS)


def _audit_annotation(annotation: Obj, name: str, decls: Decls, path: str, errs: FieldErrors) -> None:
    """validateAuditAnnotation: ``<policy name>/<key>`` a qualified name, a valueExpression of a string or null."""
    key = str(annotation.get("key") or "")
    if name:
        for msg in is_qualified_name(f"{name}/{key}"):
            errs.invalid(f"{path}.key", f"{name}/{key}", msg)
    else:
        errs.invalid(f"{path}.key", key, "requires metadata.name be non-empty")
    value = str(annotation.get("valueExpression") or "")
    trimmed = value.strip()
    if not trimmed:
        errs.required(f"{path}.valueExpression", "valueExpression is not specified")
    elif len(trimmed.encode()) > _MAX_VALUE_EXPRESSION:
        errs.required(f"{path}.valueExpression", f"must not exceed {_MAX_VALUE_EXPRESSION} bytes in length")
    else:
        _compile_errors(trimmed, value, decls, ("string", "null_type"), f"{path}.valueExpression", errs)


def _param_ref(ref: Obj | None, path: str, errs: FieldErrors) -> None:
    """validateParamRef: a name or a selector, and what to do when the parameter is missing."""
    if not isinstance(ref, dict):
        return
    name, selector = ref.get("name", ""), ref.get("selector")
    if name:
        for msg in is_valid_path_segment_name(name):
            errs.invalid(f"{path}.name", name, msg)
        if selector is not None:
            errs.forbidden(f"{path}.name", "name and selector are mutually exclusive")
    if selector is not None:
        f.label_selector(selector, f"{path}.selector", errs)
        if name:
            errs.forbidden(f"{path}.selector", "name and selector are mutually exclusive")
    if not name and selector is None:
        errs.required(path, "one of name or selector must be specified")
    action = ref.get("parameterNotFoundAction")
    if not action:
        errs.required(f"{path}.parameterNotFoundAction")
    elif action not in ("Deny", "Allow"):
        errs.not_supported(f"{path}.parameterNotFoundAction", action, ["Deny", "Allow"])


def validate_validating_admission_policy_binding(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateValidatingAdmissionPolicyBindingSpec."""
    spec = f.obj_at(obj, "spec")
    policy_name = spec.get("policyName", "")
    if not policy_name:
        errs.required("spec.policyName")
    for msg in name_is_dns_subdomain(policy_name, False) if policy_name else ():
        errs.invalid("spec.policyName", policy_name, msg)
    _param_ref(spec.get("paramRef"), "spec.paramRef", errs)
    _match_resources(spec.get("matchResources"), "spec.matchResources", errs)
    actions = f.list_at(spec, "validationActions")
    seen: set[str] = set()
    for i, action in enumerate(actions):
        if action not in _VALIDATION_ACTIONS:
            errs.not_supported(f"spec.validationActions[{i}]", action, _VALIDATION_ACTIONS)
        if action in seen:
            errs.duplicate(f"spec.validationActions[{i}]", action)
        seen.add(action)
    if {"Deny", "Warn"} <= seen:
        errs.invalid("spec.validationActions", actions, "must not contain both Deny and Warn (repeating the same "
                     "validation failure information in the API response and headers serves no purpose)")  # fmt: skip
    if not seen:
        errs.required("spec.validationActions", "at least one validation action is required")


def _match_conditions(conditions: list[Any], path: str, params: bool, errs: FieldErrors) -> None:
    """validateMatchConditions: at most 64, each with a bool expression (compiled without ``variables``; with
    ``params`` for a policy with a param kind) and a qualified name, names unique."""
    if len(conditions) > _MAX_MATCH_CONDITIONS:
        detail = f"Too many: {len(conditions)}: must have at most {_MAX_MATCH_CONDITIONS} items"
        errs.causes.append(Cause("FieldValueTooMany", path, detail))
    seen: set[str] = set()
    decls = Decls(params=params)
    for i, condition in enumerate(conditions):
        condition = condition if isinstance(condition, dict) else {}
        expression = str(condition.get("expression") or "").strip()
        if not expression:
            errs.required(f"{path}[{i}].expression")
        else:
            _compile_errors(expression, expression, decls, ("bool",), f"{path}[{i}].expression", errs)
        name = condition.get("name") or ""
        if not name:
            errs.required(f"{path}[{i}].name")
            continue
        for msg in is_qualified_name(name):
            errs.invalid(f"{path}[{i}].name", name, msg)
        if name in seen:
            errs.duplicate(f"{path}[{i}].name", name)
        seen.add(name)


def _variables(variables: list[Any], params: bool, path: str, errs: FieldErrors) -> tuple[tuple[str, str], ...]:
    """validateVariable of each: a CEL identifier for a name and an expression, compiled with the variables
    before it (kube's composition); returns the composed variables' names and types (dyn where one failed)."""
    composed: dict[str, str] = {}
    for i, variable in enumerate(variables):
        variable = variable if isinstance(variable, dict) else {}
        name = variable.get("name") or ""
        if not name.strip():
            errs.required(f"{path}[{i}].name", "name is not specified")
        elif not _CEL_IDENTIFIER.fullmatch(name) or name in _CEL_RESERVED:
            errs.invalid(f"{path}[{i}].name", name, "must be a valid CEL identifier")
        expression = str(variable.get("expression") or "")
        if not expression.strip():
            errs.required(f"{path}[{i}].expression", "expression is not specified")
            continue
        result = compile_expression(expression, Decls(params=params, variables=tuple(composed.items())))
        if result.error:
            errs.invalid(f"{path}[{i}].expression", expression, result.error)
        if _CEL_IDENTIFIER.fullmatch(name) and name not in _CEL_RESERVED:
            composed[name] = result.type or "dyn"
    return tuple(composed.items())


def _mutating_operations(match: Obj, path: str, errs: FieldErrors) -> None:
    """A mutating policy's or binding's rules may not name DELETE (reported once per operation, at the list)."""
    for rule in f.list_at(match, "resourceRules"):
        for op in f.list_at(rule if isinstance(rule, dict) else {}, "operations"):
            if op not in _MUTATING_OPERATIONS:
                errs.not_supported(f"{path}.resourceRules.operations", op, _MUTATING_OPERATIONS)


def _mutation(mutation: Obj, decls: Decls, path: str, errs: FieldErrors) -> None:
    """validateMutation: the patch type's own field, with an expression (an ``Object`` for applyConfiguration, a
    ``list(JSONPatch)`` for jsonPatch), and not the other's."""
    patch_type = mutation.get("patchType") or ""
    fields = {"JSONPatch": ("jsonPatch", "applyConfiguration", "list(JSONPatch)"),
              "ApplyConfiguration": ("applyConfiguration", "jsonPatch", "Object")}  # fmt: skip
    if not patch_type:
        errs.required(f"{path}.patchType")
    elif patch_type not in fields:
        errs.not_supported(f"{path}.patchType", patch_type, _PATCH_TYPES)
    else:
        own, other, wanted = fields[patch_type]
        body = mutation.get(own)
        expression = str(body.get("expression") or "").strip() if isinstance(body, dict) else ""
        if not isinstance(body, dict):
            errs.required(f"{path}.{own}", f"must be specified when patchType is {patch_type}")
        elif not expression:
            errs.required(f"{path}.{own}.expression")
        else:
            patch_decls = Decls(params=decls.params, patch_types=True, variables=decls.variables)
            _compile_errors(expression, expression, patch_decls, (wanted,), f"{path}.{own}.expression", errs)
        if mutation.get(other) is not None:
            errs.invalid(f"{path}.{other}", "{" + other + "}", f"must not be specified when patchType is {patch_type}")


def _policy_match_conditions(obj: Obj, old: Obj | None, params: bool, errs: FieldErrors) -> None:
    """Match conditions are checked unless an update keeps them and the param kind as they were."""
    spec, old_spec = f.obj_at(obj, "spec"), f.obj_at(old, "spec") if old is not None else None
    if old_spec is not None and all(spec.get(k) == old_spec.get(k) for k in ("paramKind", "matchConditions")):
        return
    _match_conditions(f.list_at(spec, "matchConditions"), "spec.matchConditions", params, errs)


def validate_mutating_admission_policy(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateMutatingAdmissionPolicySpec, its CEL expressions compiled (``variables`` always declared)."""
    spec, decls = _policy_spec(obj, old, errs, _mutating_operations, compose=True)
    mutations = f.list_at(spec, "mutations")
    if not mutations:
        errs.required("spec.mutations", "mutations must contain at least one item")
    for i, mutation in enumerate(mutations):
        _mutation(mutation if isinstance(mutation, dict) else {}, decls, f"spec.mutations[{i}]", errs)
    reinvocation = spec.get("reinvocationPolicy") or ""
    if not reinvocation:
        errs.required("spec.reinvocationPolicy")
    elif reinvocation not in _REINVOCATION_POLICIES:
        errs.not_supported("spec.reinvocationPolicy", reinvocation, _REINVOCATION_POLICIES)


def validate_mutating_admission_policy_binding(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateMutatingAdmissionPolicyBindingSpec: the policy's name, the param ref, the match resources
    (no DELETE)."""
    spec = f.obj_at(obj, "spec")
    policy_name = spec.get("policyName", "")
    if not policy_name:
        errs.required("spec.policyName")
    for msg in name_is_dns_subdomain(policy_name, False) if policy_name else ():
        errs.invalid("spec.policyName", policy_name, msg)
    _param_ref(spec.get("paramRef"), "spec.paramRef", errs)
    match = spec.get("matchResources")
    _match_resources(match, "spec.matchResources", errs)
    if isinstance(match, dict):
        _mutating_operations(match, "spec.matchResources", errs)


def _field_ref(ref: str, path: str, errs: FieldErrors) -> None:
    """validateFieldRef: set, and a JSONPath."""
    ref = ref.strip()
    if not ref:
        errs.required(path)
    elif (error := template_error(f"{{{ref}}}")) is not None:
        errs.invalid(path, ref, f"invalid JSONPath: {error}")


def validate_validating_admission_policy_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateValidatingAdmissionPolicyStatusUpdate: the type checker's warnings (a warning and a JSONPath field
    reference each) and metav1 conditions."""
    status = f.obj_at(obj, "status")
    checking = status.get("typeChecking")
    if isinstance(checking, dict):
        for i, warning in enumerate(f.list_at(checking, "expressionWarnings")):
            warning = warning if isinstance(warning, dict) else {}
            path = f"status.typeChecking.expressionWarnings[{i}]"
            if not warning.get("warning"):
                errs.required(f"{path}.warning")
            _field_ref(warning.get("fieldRef") or "", f"{path}.fieldRef", errs)
    f.conditions(f.list_at(status, "conditions"), "status.conditions", errs)
