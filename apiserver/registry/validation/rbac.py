"""rbac.authorization.k8s.io (pkg/apis/rbac/validation): rules need verbs and either resources with API groups
or non-resource URLs; a binding's roleRef is required, of a supported kind, and may not change."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_subdomain, is_valid_path_segment_name

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"


def _rule(rule: Obj, namespaced: bool, path: str, errs: FieldErrors) -> None:
    """ValidatePolicyRule."""
    if not rule.get("verbs"):
        errs.required(f"{path}.verbs", "verbs must contain at least one value")
    urls = rule.get("nonResourceURLs") or []
    if urls:
        if namespaced:
            errs.invalid(f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs")
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.invalid(
                f"{path}.nonResourceURLs", urls, "rules cannot apply to both regular resources and non-resource URLs"
            )
        return
    if not rule.get("apiGroups"):
        errs.required(f"{path}.apiGroups", "resource rules must supply at least one api group")
    if not rule.get("resources"):
        errs.required(f"{path}.resources", "resource rules must supply at least one resource")


def validate_role(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    for i, rule in enumerate(f.list_at(obj, "rules")):
        _rule(rule, True, f"rules[{i}]", errs)


def validate_cluster_role(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    aggregation = obj.get("aggregationRule")
    if aggregation is not None:
        selectors = f.list_at(aggregation, "clusterRoleSelectors")
        if not selectors:
            errs.required(
                "aggregationRule.clusterRoleSelectors",
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            )
        for i, selector in enumerate(selectors):
            f.label_selector(selector, f"aggregationRule.clusterRoleSelectors[{i}]", errs)
    for i, rule in enumerate(f.list_at(obj, "rules")):
        _rule(rule, False, f"rules[{i}]", errs)


def _subject(subject: Obj, namespaced: bool, path: str, errs: FieldErrors) -> None:
    """ValidateRoleBindingSubject."""
    name, kind, group = subject.get("name", ""), subject.get("kind", ""), subject.get("apiGroup", "")
    if not name:
        errs.required(f"{path}.name")
    if kind == "ServiceAccount":
        if name:
            for msg in is_dns1123_subdomain(name):
                errs.invalid(f"{path}.name", name, msg)
        if group:
            errs.not_supported(f"{path}.apiGroup", group, [""])
        if not namespaced and not subject.get("namespace"):
            errs.required(f"{path}.namespace")
    elif kind in ("User", "Group"):
        if group != GROUP:
            errs.not_supported(f"{path}.apiGroup", group, [GROUP])
    else:
        errs.not_supported(f"{path}.kind", kind, ["ServiceAccount", "User", "Group"])


def _binding(obj: Obj, old: Obj | None, kinds: list[str], namespaced: bool, errs: FieldErrors) -> None:
    ref = f.obj_at(obj, "roleRef")
    if ref.get("apiGroup", "") != GROUP:
        errs.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [GROUP])
    if ref.get("kind", "") not in kinds:
        errs.not_supported("roleRef.kind", ref.get("kind", ""), kinds)
    name = ref.get("name", "")
    if not name:
        errs.required("roleRef.name")
    else:
        for msg in is_valid_path_segment_name(name):
            errs.invalid("roleRef.name", name, msg)
    for i, subject in enumerate(f.list_at(obj, "subjects")):
        _subject(subject, namespaced, f"subjects[{i}]", errs)
    if old is not None:
        old_ref = f.obj_at(old, "roleRef")
        if any(ref.get(k, "") != old_ref.get(k, "") for k in ("apiGroup", "kind", "name")):
            # kube prints the internal RoleRef struct
            value = {"APIGroup": ref.get("apiGroup", ""), "Kind": ref.get("kind", ""), "Name": name}
            errs.invalid("roleRef", value, "cannot change roleRef")


def validate_role_binding(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    _binding(obj, old, ["Role", "ClusterRole"], True, errs)


def validate_cluster_role_binding(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    _binding(obj, old, ["ClusterRole"], False, errs)
