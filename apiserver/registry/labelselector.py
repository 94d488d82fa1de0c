"""metav1.LabelSelector as a selector string (LabelSelectorAsSelector(...).String()), with kube's validity
checks: shared by the printers' selector columns and the scale subresource's status.selector."""

from __future__ import annotations

import re
from typing import Any

from aiokube.storage.selection import LabelSelector

Obj = dict[str, Any]

_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _valid_label_key(key: str) -> bool:
    """content.IsLabelKey (a qualified name: optional DNS subdomain prefix, '/', name)."""
    parts = key.split("/")
    if len(parts) > 2:
        return False
    name = parts[-1]
    if len(parts) == 2 and (len(parts[0]) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(parts[0])):
        return False
    return 0 < len(name) <= 63 and _LABEL_NAME.fullmatch(name) is not None


def _valid_label_value(value: str) -> bool:
    return len(value) <= 63 and (value == "" or _LABEL_NAME.fullmatch(value) is not None)


class InvalidSelector(ValueError):
    """metav1.LabelSelectorAsSelector failed (bad operator, key or values)."""


_OPERATORS = {"In": " in ", "NotIn": " notin ", "Exists": "", "DoesNotExist": ""}


def label_selector_string(selector: Obj | None) -> str:
    """``metav1.LabelSelectorAsSelector(s).String()``: requirements sorted by key, set values sorted.

    nil and empty selectors both give "" (Nothing / Everything); raises :class:`InvalidSelector` where Go errs.
    """
    if selector is None:
        return ""
    match_labels: dict[str, Any] = selector.get("matchLabels") or {}
    expressions: list[Obj] = selector.get("matchExpressions") or []
    requirements: list[tuple[str, str]] = []
    for key in sorted(match_labels):
        value = str(match_labels[key])
        if not _valid_label_key(key) or not _valid_label_value(value):
            raise InvalidSelector(key)
        requirements.append((key, f"{key}={value}"))
    for expr in expressions:
        key, op, values = str(expr.get("key") or ""), expr.get("operator"), list(expr.get("values") or [])
        if op not in _OPERATORS:
            raise InvalidSelector(f"{op!r} is not a valid label selector operator")
        set_based = op in ("In", "NotIn")
        if not _valid_label_key(key) or bool(values) != set_based:
            raise InvalidSelector(key)
        if not all(isinstance(v, str) and _valid_label_value(v) for v in values):
            raise InvalidSelector(key)
        if set_based:
            text = f"{key}{_OPERATORS[op]}({','.join(sorted(values))})"
        else:
            text = key if op == "Exists" else f"!{key}"
        requirements.append((key, text))
    requirements.sort(key=lambda r: r[0])  # stable, as Go's insertion sort is for the short lists selectors are
    return ",".join(text for _, text in requirements)


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """``LabelSelectorAsSelector(s).Matches(labels)``: nil selects nothing, empty everything."""
    if selector is None:
        return False
    return LabelSelector.parse(label_selector_string(selector)).matches(labels)
