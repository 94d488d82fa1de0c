"""flowcontrol.apiserver.k8s.io (pkg/apis/flowcontrol/validation): a FlowSchema's priority level, precedence
range, subjects and rules; a PriorityLevelConfiguration's type with exactly its matching limited or exempt
section, shares, percentages and queuing; the mandatory objects' fixed specs (apfmandatory.py). kube checks an
update like a create."""

from __future__ import annotations

import math
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import apfmandatory
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, is_dns1123_subdomain

Obj = dict[str, Any]

_DISTINGUISHERS = ["ByNamespace", "ByUser"]
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"]
_SUBJECT_KINDS = ["Group", "ServiceAccount", "User"]
_MAX_PRECEDENCE = 10000
_MAX_QUEUES = 10_000_000
_MAX_HASH_BITS = 60
_NS_INTRO = "each member of this list must be '*' or a DNS-1123 label; "


def _verbs(verbs: list[Any], path: str, errs: FieldErrors) -> None:
    if not verbs:
        errs.required(path, "verbs must contain at least one value")
    elif "*" in verbs:
        if len(verbs) > 1:
            errs.invalid(path, verbs, "if '*' is present, must not specify other verbs")
    elif not set(verbs) <= set(_VERBS):
        errs.not_supported(path, verbs, _VERBS)


def _non_resource_url(url: str) -> str | None:
    """ValidateNonResourceURLPath's message, or None."""
    if not url:
        return "must not be empty"
    if url == "/":
        return None
    if not url.startswith("/"):
        return "must start with slash"
    if " " in url:
        return "must not contain white-space"
    if "//" in url:
        return "must not contain double slash"
    wildcards = url.count("*")
    if wildcards > 1 or (wildcards == 1 and url[-2:] != "/*"):
        return "wildcard can only do suffix matching"
    return None


def _resource_rule(rule: Obj, path: str, errs: FieldErrors) -> None:
    _verbs(f.list_at(rule, "verbs"), f"{path}.verbs", errs)
    groups, resources = f.list_at(rule, "apiGroups"), f.list_at(rule, "resources")
    if not groups:
        errs.required(f"{path}.apiGroups", "resource rules must supply at least one api group")
    elif len(groups) > 1 and "*" in groups:
        errs.invalid(f"{path}.apiGroups", groups, "if '*' is present, must not specify other api groups")
    if not resources:
        errs.required(f"{path}.resources", "resource rules must supply at least one resource")
    elif len(resources) > 1 and "*" in resources:
        errs.invalid(f"{path}.resources", resources, "if '*' is present, must not specify other resources")
    namespaces = f.list_at(rule, "namespaces")
    if not namespaces and not rule.get("clusterScope"):
        errs.required(f"{path}.namespaces", "resource rules that are not cluster scoped must supply at least one "
                      "namespace")  # fmt: skip
    elif "*" in namespaces:
        if len(namespaces) > 1:
            errs.invalid(f"{path}.namespaces", namespaces, "if '*' is present, must not specify other namespaces")
    else:
        for i, ns in enumerate(namespaces):
            for msg in is_dns1123_label(ns):
                errs.invalid(f"{path}.namespaces[{i}]", ns, _NS_INTRO + msg)


def _non_resource_rule(rule: Obj, path: str, errs: FieldErrors) -> None:
    _verbs(f.list_at(rule, "verbs"), f"{path}.verbs", errs)
    urls = f.list_at(rule, "nonResourceURLs")
    if not urls:
        errs.required(f"{path}.nonResourceURLs", "nonResourceURLs must contain at least one value")
    elif "*" in urls:
        if len(urls) > 1:
            errs.invalid(f"{path}.nonResourceURLs", urls, "if '*' is present, must not specify other non-resource URLs")
    else:
        for i, url in enumerate(urls):
            if (msg := _non_resource_url(url)) is not None:
                errs.invalid(f"{path}.nonResourceURLs[{i}]", url, msg)


_FORBIDDEN_OTHERS = {
    "user": "user is forbidden when subject kind is not 'User'",
    "group": "group is forbidden when subject kind is not 'Group'",
    "serviceAccount": "serviceAccount is forbidden when subject kind is not 'ServiceAccount'",
}
_OWN_KEY = {"ServiceAccount": "serviceAccount", "User": "user", "Group": "group"}


def _subject(subject: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateFlowSchemaSubject: the kind's own member, required, and no other kind's."""
    kind = subject.get("kind", "")
    own = _OWN_KEY.get(kind)
    if own is None:
        errs.not_supported(f"{path}.kind", kind, _SUBJECT_KINDS)
        return
    member = subject.get(own)
    if not isinstance(member, dict):
        errs.required(f"{path}.{own}", f"{own} is required when subject kind is '{kind}'")
    elif own != "serviceAccount":
        if not member.get("name"):
            errs.required(f"{path}.{own}.name")
    else:
        name, ns = member.get("name", ""), member.get("namespace", "")
        if not name:
            errs.required(f"{path}.{own}.name")
        elif name != "*":
            for msg in is_dns1123_subdomain(name):
                errs.invalid(f"{path}.{own}.name", name, msg)
        if ns:
            for msg in is_dns1123_label(ns):
                errs.invalid(f"{path}.{own}.namespace", ns, msg)
        else:
            errs.required(f"{path}.{own}.namespace", "must specify namespace for service account")
    for key in ("serviceAccount", "user", "group"):
        if key != own and subject.get(key) is not None:
            errs.forbidden(f"{path}.{key}", _FORBIDDEN_OTHERS[key])


def _conditions(status: Obj, errs: FieldErrors) -> None:
    seen: set[str] = set()
    for i, cond in enumerate(f.list_at(status, "conditions")):
        ctype = cond.get("type", "") if isinstance(cond, dict) else ""
        if ctype in seen:
            errs.duplicate(f"status.conditions[{i}].type", ctype)
        seen.add(ctype)
        if not ctype:
            errs.required(f"status.conditions[{i}].type")


def validate_flow_schema(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateFlowSchema (ValidateFlowSchemaUpdate is the same)."""
    spec = f.obj_at(obj, "spec")
    precedence = spec.get("matchingPrecedence", 0)
    if isinstance(precedence, int):
        if precedence <= 0:
            errs.invalid("spec.matchingPrecedence", precedence, "must be a positive value")
        if precedence > _MAX_PRECEDENCE:
            errs.invalid("spec.matchingPrecedence", precedence, f"must not be greater than {_MAX_PRECEDENCE}")
        if precedence == 1 and obj.get("metadata", {}).get("name") != "exempt":
            errs.invalid("spec.matchingPrecedence", precedence, "only the schema named 'exempt' may have "
                         "matchingPrecedence 1")  # fmt: skip
    method = spec.get("distinguisherMethod")
    if isinstance(method, dict) and method.get("type", "") not in _DISTINGUISHERS:
        errs.not_supported("spec.distinguisherMethod.type", f.go_struct(("Type", method.get("type", ""))),
                           _DISTINGUISHERS)  # fmt: skip
    level = f.obj_at(spec, "priorityLevelConfiguration").get("name", "")
    if level:
        for msg in is_dns1123_subdomain(level):
            errs.invalid("spec.priorityLevelConfiguration.name", level, msg)
    else:
        errs.required("spec.priorityLevelConfiguration.name", "must reference a priority level")
    for i, rule in enumerate(f.list_at(spec, "rules")):
        rule = rule if isinstance(rule, dict) else {}
        path = f"spec.rules[{i}]"
        subjects = f.list_at(rule, "subjects")
        if not subjects:
            errs.required(f"{path}.subjects", "subjects must contain at least one value")
        for j, subject in enumerate(subjects):
            _subject(subject if isinstance(subject, dict) else {}, f"{path}.subjects[{j}]", errs)
        resource_rules, other_rules = f.list_at(rule, "resourceRules"), f.list_at(rule, "nonResourceRules")
        if not resource_rules and not other_rules:
            errs.required(path, "at least one of resourceRules and nonResourceRules has to be non-empty")
        for j, item in enumerate(resource_rules):
            _resource_rule(item if isinstance(item, dict) else {}, f"{path}.resourceRules[{j}]", errs)
        for j, item in enumerate(other_rules):
            _non_resource_rule(item if isinstance(item, dict) else {}, f"{path}.nonResourceRules[{j}]", errs)
    apfmandatory.flow_schema(f.obj_at(obj, "metadata").get("name", ""), spec, errs)
    _conditions(f.obj_at(obj, "status"), errs)


def _queuing(queuing: Obj, path: str, errs: FieldErrors) -> None:
    """ValidatePriorityLevelQueuingConfiguration, with shuffle sharding's entropy limit."""
    limit, queues, hand = queuing.get("queueLengthLimit", 0), queuing.get("queues", 0), queuing.get("handSize", 0)
    if limit <= 0:
        errs.invalid(f"{path}.queueLengthLimit", limit, "must be positive")
    if queues <= 0:
        errs.invalid(f"{path}.queues", queues, "must be positive")
    elif queues > _MAX_QUEUES:
        errs.invalid(f"{path}.queues", queues, f"must not be greater than {_MAX_QUEUES}")
    if hand <= 0:
        errs.invalid(f"{path}.handSize", hand, "must be positive")
    elif hand > queues:
        errs.invalid(f"{path}.handSize", hand, f"should not be greater than queues ({queues})")
    elif math.ceil(hand * math.log2(queues)) > _MAX_HASH_BITS:
        errs.invalid(f"{path}.handSize", hand, f"required entropy bits of deckSize {queues} and handSize {hand} "
                     f"should not be greater than {_MAX_HASH_BITS}")  # fmt: skip


def _limited(limited: Obj, path: str, errs: FieldErrors) -> None:
    shares = limited.get("nominalConcurrencyShares") or 0
    if shares < 0:
        errs.invalid(f"{path}.nominalConcurrencyShares", shares, "must be a non-negative integer")
    response = f.obj_at(limited, "limitResponse")
    rtype, queuing = response.get("type", ""), response.get("queuing")
    if rtype == "Reject":
        if queuing is not None:
            errs.forbidden(f"{path}.limitResponse.queuing", "must be nil if limited.limitResponse.type is not Limited")
    elif rtype == "Queue":
        if not isinstance(queuing, dict):
            errs.required(f"{path}.limitResponse.queuing", "must not be empty if limited.limitResponse.type is Limited")
        else:
            _queuing(queuing, f"{path}.limitResponse.queuing", errs)
    else:
        errs.not_supported(f"{path}.limitResponse.type", rtype, ["Queue", "Reject"])
    lendable, borrowing = limited.get("lendablePercent"), limited.get("borrowingLimitPercent")
    if lendable is not None and not 0 <= lendable <= 100:
        errs.invalid(f"{path}.lendablePercent", lendable, f.inclusive_range_error(0, 100))
    if borrowing is not None and borrowing < 0:
        errs.invalid(f"{path}.borrowingLimitPercent", borrowing, "if specified, must be a non-negative integer")


def validate_priority_level_configuration(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePriorityLevelConfiguration (an update is checked like a create)."""
    spec = f.obj_at(obj, "spec")
    ptype = spec.get("type", "")
    if (obj.get("metadata", {}).get("name") == "exempt") != (ptype == "Exempt"):
        errs.invalid("spec.type", ptype, "must be 'Exempt' if and only if `name` is 'exempt'")
    if ptype == "Exempt":
        if spec.get("limited") is not None:
            errs.forbidden("spec.limited", "must be nil if the type is not Limited")
        exempt = spec.get("exempt")
        if isinstance(exempt, dict):
            shares, lendable = exempt.get("nominalConcurrencyShares"), exempt.get("lendablePercent")
            if shares is not None and shares < 0:
                errs.invalid("spec.exempt.nominalConcurrencyShares", shares, "must be a non-negative integer")
            if lendable is not None and not 0 <= lendable <= 100:
                errs.invalid("spec.exempt.lendablePercent", lendable, f.inclusive_range_error(0, 100))
    elif ptype == "Limited":
        if spec.get("exempt") is not None:
            errs.forbidden("spec.exempt", "must be nil if the type is Limited")
        if not isinstance(spec.get("limited"), dict):
            errs.required("spec.limited", "must not be empty when type is Limited")
        else:
            _limited(spec["limited"], "spec.limited", errs)
    else:
        errs.not_supported("spec.type", ptype, ["Exempt", "Limited"])
    apfmandatory.priority_level(f.obj_at(obj, "metadata").get("name", ""), spec, errs)
    _conditions(f.obj_at(obj, "status"), errs)


def validate_flow_schema_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateFlowSchemaStatusUpdate: the conditions' types present and unique."""
    _conditions(f.obj_at(obj, "status"), errs)


def validate_priority_level_configuration_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePriorityLevelConfigurationStatusUpdate: the conditions' types present and unique."""
    _conditions(f.obj_at(obj, "status"), errs)
