"""Where a pod may run (pkg/apis/core/validation: validateAffinity, ValidateNodeSelector, validatePodAffinityTerm,
validateTopologySpreadConstraints): node selector terms and their operators, pod (anti-)affinity terms with
their label selectors and topology keys, preference weights of 1-100, and topology spread constraints.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, is_valid_label_value

Obj = dict[str, Any]

_REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
_PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
_UNSATISFIABLE_ACTIONS = ["DoNotSchedule", "ScheduleAnyway"]
_NODE_INCLUSION_POLICIES = ["Honor", "Ignore"]


def _weight(term: Obj, path: str, errs: FieldErrors) -> None:
    weight = term.get("weight", 0)
    if isinstance(weight, int) and not 1 <= weight <= 100:
        errs.invalid(f"{path}.weight", weight, "must be in the range 1-100")


def _node_selector_requirement(rq: Obj, path: str, errs: FieldErrors, *, check_values: bool) -> None:
    """ValidateNodeSelectorRequirement."""
    operator, values = rq.get("operator", ""), f.list_at(rq, "values")
    if operator in ("In", "NotIn"):
        if not values:
            errs.required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'")
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            errs.required(f"{path}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'")
    else:
        errs.invalid(f"{path}.operator", operator, "not a valid selector operator")
    f.qualified_name(rq.get("key", ""), f"{path}.key", errs)
    if check_values:
        for i, value in enumerate(values):
            for msg in is_valid_label_value(value):
                errs.invalid(f"{path}.values[{i}]", value, msg)


def _node_field_requirement(rq: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateNodeFieldSelectorRequirement: only metadata.name, with one value."""
    operator, values, key = rq.get("operator", ""), f.list_at(rq, "values"), rq.get("key", "")
    if operator in ("In", "NotIn"):
        if len(values) != 1:
            errs.required(f"{path}.values", "must be only one value when `operator` is 'In' or 'NotIn' for node field "
                                            "selector")  # fmt: skip
    else:
        errs.invalid(f"{path}.operator", operator, "not a valid selector operator")
    if key != "metadata.name":
        errs.invalid(f"{path}.key", key, "not a valid field selector key")
    else:
        for i, value in enumerate(values):
            f.dns1123_subdomain(value, f"{path}.values[{i}]", errs)


def _node_selector_term(term: Obj, path: str, errs: FieldErrors, *, check_values: bool) -> None:
    for j, rq in enumerate(f.list_at(term, "matchExpressions")):
        _node_selector_requirement(rq, f"{path}.matchExpressions[{j}]", errs, check_values=check_values)
    for j, rq in enumerate(f.list_at(term, "matchFields")):
        _node_field_requirement(rq, f"{path}.matchFields[{j}]", errs)


def _pod_affinity_term(term: Obj, path: str, errs: FieldErrors) -> None:
    """validatePodAffinityTerm."""
    f.label_selector(term.get("labelSelector"), f"{path}.labelSelector", errs)
    f.label_selector(term.get("namespaceSelector"), f"{path}.namespaceSelector", errs)
    for name in f.list_at(term, "namespaces"):
        for msg in is_dns1123_label(name):
            errs.invalid(f"{path}.namespace", name, msg)
    _label_keys(term, path, errs)
    key = term.get("topologyKey", "")
    if not key:
        errs.required(f"{path}.topologyKey", "can not be empty")
    f.qualified_name(key, f"{path}.topologyKey", errs)


def _label_keys(owner: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateMatchLabelKeysAndMismatchLabelKeys of an affinity term or a spread constraint (which has no
    mismatchLabelKeys): label names, only beside a selector, a key the selector already had besides the
    requirement the create merged in (reported at the odd path ``<path>[i]``), a key in both lists."""
    selector = owner.get("labelSelector")
    match = [k for k in f.list_at(owner, "matchLabelKeys") if isinstance(k, str)]
    mismatch = [k for k in f.list_at(owner, "mismatchLabelKeys") if isinstance(k, str)]
    for name, keys in (("matchLabelKeys", match), ("mismatchLabelKeys", mismatch)):
        if keys and not isinstance(selector, dict):
            errs.forbidden(f"{path}.{name}", "must not be specified when labelSelector is not set")
        elif keys:
            for i, key in enumerate(keys):
                f.qualified_name(key, f"{path}.{name}[{i}]", errs)
    if isinstance(selector, dict):
        index = {key: i for i, key in enumerate(match)}
        seen = set(f.obj_at(selector, "matchLabels"))
        for expression in f.list_at(selector, "matchExpressions"):
            key = expression.get("key", "") if isinstance(expression, dict) else ""
            if key in index and key in seen:
                errs.invalid(f"{path}[{index[key]}]", key, "exists in both matchLabelKeys and labelSelector")
            seen.add(key)
    for i, key in enumerate(match):
        if key in mismatch:
            errs.invalid(f"{path}.matchLabelKeys[{i}]", key, "exists in both matchLabelKeys and mismatchLabelKeys")


def _pod_affinity(affinity: Obj, path: str, errs: FieldErrors) -> None:
    """validatePodAffinity / validatePodAntiAffinity."""
    for i, term in enumerate(f.list_at(affinity, _REQUIRED)):
        _pod_affinity_term(term, f"{path}.{_REQUIRED}[{i}]", errs)
    for i, term in enumerate(f.list_at(affinity, _PREFERRED)):
        tpath = f"{path}.{_PREFERRED}[{i}]"
        _weight(term, tpath, errs)
        _pod_affinity_term(f.obj_at(term, "podAffinityTerm"), f"{tpath}.podAffinityTerm", errs)


def validate_affinity(affinity: Any, path: str, errs: FieldErrors) -> None:
    """validateAffinity."""
    if not isinstance(affinity, dict):
        return
    node = affinity.get("nodeAffinity")
    if isinstance(node, dict):
        npath = f"{path}.nodeAffinity"
        required = node.get(_REQUIRED)
        if isinstance(required, dict):
            terms = f.list_at(required, "nodeSelectorTerms")
            if not terms:
                errs.required(f"{npath}.{_REQUIRED}.nodeSelectorTerms", "must have at least one node selector term")
            for i, term in enumerate(terms):
                tpath = f"{npath}.{_REQUIRED}.nodeSelectorTerms[{i}]"
                _node_selector_term(term, tpath, errs, check_values=True)
        for i, term in enumerate(f.list_at(node, _PREFERRED)):
            tpath = f"{npath}.{_PREFERRED}[{i}]"
            _weight(term, tpath, errs)
            _node_selector_term(f.obj_at(term, "preference"), f"{tpath}.preference", errs, check_values=False)
    for key in ("podAffinity", "podAntiAffinity"):
        if isinstance(affinity.get(key), dict):
            _pod_affinity(affinity[key], f"{path}.{key}", errs)


def validate_topology_spread_constraints(constraints: list[Any], path: str, errs: FieldErrors) -> None:
    """validateTopologySpreadConstraints."""
    for i, constraint in enumerate(constraints):
        if not isinstance(constraint, dict):
            continue
        cpath = f"{path}[{i}]"
        skew = constraint.get("maxSkew", 0)
        if isinstance(skew, int) and skew <= 0:
            errs.invalid(f"{cpath}.maxSkew", skew, f.NOT_POSITIVE_MSG)
        key, action = constraint.get("topologyKey", ""), constraint.get("whenUnsatisfiable", "")
        if not key:
            errs.required(f"{cpath}.topologyKey", "can not be empty")
        if action not in _UNSATISFIABLE_ACTIONS:
            errs.not_supported(f"{cpath}.whenUnsatisfiable", action, _UNSATISFIABLE_ACTIONS)
        for rest in constraints[i + 1 :]:
            if isinstance(rest, dict) and (rest.get("topologyKey", ""), rest.get("whenUnsatisfiable", "")) == (
                key, action):  # fmt: skip
                errs.duplicate(f"{cpath}.{{topologyKey, whenUnsatisfiable}}", f"{{{key}, {action}}}")
                break
        domains = constraint.get("minDomains")
        if isinstance(domains, int):
            if domains <= 0:
                errs.invalid(f"{cpath}.minDomains", domains, f.NOT_POSITIVE_MSG)
            if action != "DoNotSchedule":
                errs.invalid(f"{cpath}.minDomains", domains,
                             f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}")  # fmt: skip
        for key in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            policy = constraint.get(key)
            if policy is not None and policy not in _NODE_INCLUSION_POLICIES:
                errs.not_supported(f"{cpath}.{key}", policy, _NODE_INCLUSION_POLICIES)
        _label_keys(constraint, cpath, errs)
        f.label_selector(constraint.get("labelSelector"), f"{cpath}.labelSelector", errs)


def node_selector(selector: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateNodeSelector (label values checked): at least one term, each term's requirements."""
    terms = f.list_at(selector, "nodeSelectorTerms")
    if not terms:
        errs.required(f"{path}.nodeSelectorTerms", "must have at least one node selector term")
        return
    for i, term in enumerate(terms):
        _node_selector_term(term if isinstance(term, dict) else {}, f"{path}.nodeSelectorTerms[{i}]", errs,
                            check_values=True)  # fmt: skip


def _requirements_struct(requirements: Any) -> list[Any] | None:
    if not isinstance(requirements, list):
        return None
    return [f.go_struct(("Key", rq.get("key", "")), ("Operator", rq.get("operator", "")), ("Values", rq.get("values")))
            for rq in requirements if isinstance(rq, dict)]  # fmt: skip


def node_selector_terms_struct(terms: list[Any]) -> list[Any]:
    """Node selector terms as kube prints its internal structs (Go field names, nil as null)."""
    return [f.go_struct(("MatchExpressions", _requirements_struct(t.get("matchExpressions"))),
                        ("MatchFields", _requirements_struct(t.get("matchFields"))))
            for t in terms if isinstance(t, dict)]  # fmt: skip
