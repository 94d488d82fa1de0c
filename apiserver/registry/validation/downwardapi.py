"""The downward API's selectors (validateObjectFieldSelector, validateContainerResourceFieldSelector and the
divisors), shared by downwardAPI volumes and environment variables."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

VOLUME_FIELD_PATHS = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"]
_DOWNWARD_LABELS = frozenset((
    "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
    "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase", "status.hostIP",
    "status.hostIPs", "status.podIP", "status.podIPs",
))  # fmt: skip
_RESOURCE_FIELDS = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                    "requests.ephemeral-storage", "requests.memory"]  # fmt: skip
_HUGEPAGES_PREFIXES = ("limits.hugepages-", "requests.hugepages-")
_BYTE_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei")
_BYTE_TEXT = ", ".join(_BYTE_DIVISORS)
#: resource → (divisors kube allows, as its message lists them, what the message calls the resource)
_DIVISORS = {
    **dict.fromkeys(("limits.cpu", "requests.cpu"), (("1m", "1"), "1m and 1", "cpu resource")),
    **dict.fromkeys(("limits.memory", "requests.memory"), (_BYTE_DIVISORS, _BYTE_TEXT, "memory resource")),
    **dict.fromkeys(("limits.ephemeral-storage", "requests.ephemeral-storage"),
                    (_BYTE_DIVISORS, _BYTE_TEXT, "local ephemeral storage resource")),
}  # fmt: skip
#: what an environment variable's fieldRef may name (validEnvDownwardAPIFieldPathExpressions)
ENV_FIELD_PATHS = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
                   "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]  # fmt: skip


def subscripted(label: str) -> tuple[str, str] | None:
    """fieldpath.SplitMaybeSubscriptedPath: ``metadata.labels['key']`` → (path, key)."""
    if not label.endswith("']"):
        return None
    head, sep, key = label[:-2].partition("['")
    return (head, key) if sep and head else None


def object_field(selector: Obj, path: str, errs: FieldErrors, expressions: list[str]) -> None:
    """validateObjectFieldSelector with a volume's or an environment variable's ``expressions`` (after
    ConvertDownwardAPIFieldLabel)."""
    version, label = selector.get("apiVersion", ""), selector.get("fieldPath", "")
    if not version:
        errs.required(f"{path}.apiVersion")
        return
    if not label:
        errs.required(f"{path}.fieldPath")
        return
    error = None
    split = subscripted(label)
    if version != "v1":
        error = f"unsupported pod version: {version}"
    elif split is not None and split[0] not in ("metadata.annotations", "metadata.labels"):
        error = f"field label does not support subscript: {label}"
    elif split is None and label not in _DOWNWARD_LABELS and label != "spec.host":
        error = f"field label not supported: {label}"
    if error is not None:
        errs.invalid(f"{path}.fieldPath", label, f"error converting fieldPath: {error}")
    elif split is not None:
        f.qualified_name(split[1].lower() if split[0] == "metadata.annotations" else split[1], path, errs)
    elif (internal := "spec.nodeName" if label == "spec.host" else label) not in expressions:
        errs.not_supported(f"{path}.fieldPath", internal, expressions)


def resource_field(selector: Obj, path: str, errs: FieldErrors, *, volume: bool) -> None:
    """validateContainerResourceFieldSelector and its divisor (a volume's must name its container)."""
    resource = selector.get("resource", "")
    if volume and not selector.get("containerName"):
        errs.required(f"{path}.containerName")
    elif not resource:
        errs.required(f"{path}.resource")
    elif resource not in _RESOURCE_FIELDS and not resource.startswith(_HUGEPAGES_PREFIXES):
        errs.not_supported(f"{path}.resource", resource, _RESOURCE_FIELDS)
    divisor = f.quantity(selector.get("divisor"))
    if divisor is None or divisor.cmp(f.ZERO) == 0:
        return
    allowed = _DIVISORS.get(resource)
    if allowed is not None and str(divisor) not in allowed[0]:
        errs.invalid(
            f"{path}.divisor", resource, f"only divisor's values {allowed[1]} are supported with the {allowed[2]}"
        )
    if resource.startswith(_HUGEPAGES_PREFIXES) and str(divisor) not in _BYTE_DIVISORS:
        errs.invalid(
            f"{path}.divisor", resource, f"only divisor's values {_BYTE_TEXT} are supported with the hugepages resource"
        )
