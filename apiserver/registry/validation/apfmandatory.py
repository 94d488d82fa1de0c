"""The mandatory FlowSchemas' and PriorityLevelConfigurations' fixed specs (pkg/apis/flowcontrol/validation:
ValidateFlowSchema's and ValidateIfMandatoryPriorityLevelConfigurationObject's checks): an object named
``exempt`` or ``catch-all`` must have the spec kube's config producer gives it (the exempt level may change its
``spec.exempt``), compared as Go's Semantic.DeepEqual compares the internal structs (a nil and an empty list
alike); kube prints the refused spec as that internal struct, which has no JSON tags: Go's field names, every
field, nil as null."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import apf_bootstrap
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]


def _named(value: Any, *keys: str) -> Obj | None:
    """A pointer to a struct of string fields (``keys``: JSON names, capitalised for Go), nil when absent."""
    if not isinstance(value, dict):
        return None
    return {key[0].upper() + key[1:]: value.get(key, "") for key in keys}


def _list(value: Any, item: Any = None) -> list[Any] | None:
    if not isinstance(value, list):
        return None
    return [item(v if isinstance(v, dict) else {}) for v in value] if item is not None else value


def _subject(subject: Obj) -> Obj:
    return f.go_struct(("Kind", subject.get("kind", "")), ("User", _named(subject.get("user"), "name")),
                       ("Group", _named(subject.get("group"), "name")),
                       ("ServiceAccount", _named(subject.get("serviceAccount"), "namespace", "name")))  # fmt: skip


def _resource_rule(rule: Obj) -> Obj:
    return f.go_struct(("Verbs", _list(rule.get("verbs"))), ("APIGroups", _list(rule.get("apiGroups"))),
                       ("Resources", _list(rule.get("resources"))), ("ClusterScope", rule.get("clusterScope") is True),
                       ("Namespaces", _list(rule.get("namespaces"))))  # fmt: skip


def _non_resource_rule(rule: Obj) -> Obj:
    return f.go_struct(("Verbs", _list(rule.get("verbs"))), ("NonResourceURLs", _list(rule.get("nonResourceURLs"))))


def _rules(rule: Obj) -> Obj:
    return f.go_struct(("Subjects", _list(rule.get("subjects"), _subject)),
                       ("ResourceRules", _list(rule.get("resourceRules"), _resource_rule)),
                       ("NonResourceRules", _list(rule.get("nonResourceRules"), _non_resource_rule)))  # fmt: skip


def flow_schema_spec(spec: Obj) -> Obj:
    """flowcontrol.FlowSchemaSpec of a v1 spec."""
    return f.go_struct(
        ("PriorityLevelConfiguration", {"Name": f.obj_at(spec, "priorityLevelConfiguration").get("name", "")}),
        ("MatchingPrecedence", spec.get("matchingPrecedence", 0)),
        ("DistinguisherMethod", _named(spec.get("distinguisherMethod"), "type")),
        ("Rules", _list(spec.get("rules"), _rules)),
    )


def _limited(limited: Any) -> Obj | None:
    if not isinstance(limited, dict):
        return None
    response = f.obj_at(limited, "limitResponse")
    queuing = response.get("queuing")
    if isinstance(queuing, dict):
        queuing = f.go_struct(("Queues", queuing.get("queues", 0)), ("HandSize", queuing.get("handSize", 0)),
                              ("QueueLengthLimit", queuing.get("queueLengthLimit", 0)))  # fmt: skip
    else:
        queuing = None
    return f.go_struct(("NominalConcurrencyShares", limited.get("nominalConcurrencyShares") or 0),
                       ("LimitResponse", f.go_struct(("Type", response.get("type", "")), ("Queuing", queuing))),
                       ("LendablePercent", limited.get("lendablePercent")),
                       ("BorrowingLimitPercent", limited.get("borrowingLimitPercent")))  # fmt: skip


def priority_level_spec(spec: Obj) -> Obj:
    """flowcontrol.PriorityLevelConfigurationSpec of a v1 spec."""
    exempt = spec.get("exempt")
    if isinstance(exempt, dict):
        exempt = f.go_struct(("NominalConcurrencyShares", exempt.get("nominalConcurrencyShares")),
                             ("LendablePercent", exempt.get("lendablePercent")))  # fmt: skip
    else:
        exempt = None
    return f.go_struct(("Type", spec.get("type", "")), ("Limited", _limited(spec.get("limited"))), ("Exempt", exempt))


def semantic(value: Any) -> Any:
    """What Semantic.DeepEqual compares: an empty list as nil."""
    if isinstance(value, dict):
        return {k: semantic(v) for k, v in value.items()}
    if isinstance(value, list):
        return [semantic(v) for v in value] or None
    return value


_FLOW_SCHEMAS = {
    fs["metadata"]["name"]: semantic(flow_schema_spec(fs["spec"])) for fs in apf_bootstrap.flow_schemas()[:2]
}
_LEVELS = {
    pl["metadata"]["name"]: semantic(priority_level_spec(pl["spec"])) for pl in apf_bootstrap.priority_levels()[:2]
}


def flow_schema(name: str, spec: Obj, errs: FieldErrors) -> None:
    """A mandatory FlowSchema's spec equals the fixed one."""
    fixed = _FLOW_SCHEMAS.get(name)
    if fixed is None:
        return
    have = flow_schema_spec(spec)
    if semantic(have) != fixed:
        errs.invalid("spec", have, f"spec of '{name}' must equal the fixed value")


def priority_level(name: str, spec: Obj, errs: FieldErrors) -> None:
    """A mandatory PriorityLevelConfiguration's spec equals the fixed one (but the exempt level's
    ``spec.exempt``)."""
    fixed = _LEVELS.get(name)
    if fixed is None:
        return
    have = priority_level_spec(spec)
    if name == "exempt":
        if semantic({**have, "Exempt": fixed["Exempt"]}) != fixed:
            errs.invalid("spec", have, f"spec of '{name}' except the 'spec.exempt' field must equal the fixed value")
    elif semantic(have) != fixed:
        errs.invalid("spec", have, f"spec of '{name}' must equal the fixed value")
