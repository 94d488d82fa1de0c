"""The pod strategy's label-key merge (mutatePodAffinity, mutateTopologySpreadConstraints): on create, each
pod affinity term's ``matchLabelKeys``/``mismatchLabelKeys`` and each topology spread constraint's
``matchLabelKeys`` become ``In``/``NotIn`` requirements of its label selector, with the values of the pod's
own labels, so the scheduler needs only the selector (kube 1.36's gates for both are on)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

_TERMS = ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution")


def apply(pod: Obj) -> None:
    """Merge the label keys into the selectors, in place."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    labels = (pod.get("metadata") or {}).get("labels") or {}
    affinity = spec.get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = affinity.get(kind) or {}
        for required in terms.get(_TERMS[0]) or ():
            _term(required, labels)
        for preferred in terms.get(_TERMS[1]) or ():
            if isinstance(preferred, dict):
                _term(preferred.get("podAffinityTerm"), labels)
    for constraint in spec.get("topologySpreadConstraints") or ():
        if isinstance(constraint, dict) and constraint.get("matchLabelKeys"):
            _merge(constraint.get("labelSelector"), constraint["matchLabelKeys"], "In", labels)


def _term(term: Any, labels: dict[str, str]) -> None:
    """applyMatchLabelKeysAndMismatchLabelKeys."""
    if not isinstance(term, dict) or not (term.get("matchLabelKeys") or term.get("mismatchLabelKeys")):
        return
    _merge(term.get("labelSelector"), term.get("matchLabelKeys") or (), "In", labels)
    _merge(term.get("labelSelector"), term.get("mismatchLabelKeys") or (), "NotIn", labels)


def _merge(selector: Any, keys: Any, operator: str, labels: dict[str, str]) -> None:
    """applyLabelKeysToLabelSelector: a requirement for each key the pod has a label for (a missing selector
    matches nothing and stays missing)."""
    if not isinstance(selector, dict):
        return
    for key in keys:
        if key in labels:
            expressions = selector.setdefault("matchExpressions", [])
            expressions.append({"key": key, "operator": operator, "values": [labels[key]]})
