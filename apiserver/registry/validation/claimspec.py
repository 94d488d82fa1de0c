"""A PersistentVolumeClaim's spec (ValidatePersistentVolumeClaimSpec): a claim's, and that of the claim template
of a pod's ephemeral volume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_subdomain

Obj = dict[str, Any]

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
_CORE_GROUP_KIND_MSG = "must be 'PersistentVolumeClaim' when referencing the default apiGroup"


def access_modes(
    modes: list[str], path: str, errs: FieldErrors, required_detail: str, selector: Callable[[], None] | None = None
) -> None:
    """A PersistentVolume(Claim)'s access modes (also a VolumeAttachment's inline volume spec's); a claim checks
    its ``selector`` between the missing modes and their values."""
    if not modes:
        errs.required(path, required_detail)
    if selector is not None:
        selector()
    rwop = other = False
    for mode in modes:
        if mode not in ACCESS_MODES:
            errs.not_supported(path, mode, ACCESS_MODES)
        elif mode == "ReadWriteOncePod":
            rwop = True
        else:
            other = True
    if rwop and other:
        errs.forbidden(path, "may not use ReadWriteOncePod with other access modes")


def validate_claim_spec(spec: Obj, path: str, errs: FieldErrors) -> None:
    """Access modes, the selector, a positive storage request, the class names, the volume mode, the data
    sources."""

    def selector() -> None:
        if spec.get("selector") is not None:
            f.label_selector(spec["selector"], f"{path}.selector", errs)

    required = "at least 1 access mode is required"
    access_modes(f.list_at(spec, "accessModes"), f"{path}.accessModes", errs, required, selector)
    requests = f.obj_at(f.obj_at(spec, "resources"), "requests")
    if "storage" not in requests:
        errs.required(f"{path}.resources[storage]")
    else:
        f.positive_quantity(requests["storage"], f"{path}.resources[storage]", errs)
    if spec.get("storageClassName"):
        f.dns1123_subdomain(spec["storageClassName"], f"{path}.storageClassName", errs)
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errs.not_supported(f"{path}.volumeMode", mode, VOLUME_MODES)
    source, ref = spec.get("dataSource"), spec.get("dataSourceRef")
    if isinstance(source, dict):
        _data_source(source, f"{path}.dataSource", errs)
    if isinstance(ref, dict):
        _data_source(ref, f"{path}.dataSourceRef", errs)
        if ref.get("namespace"):
            f.dns1123_label(ref["namespace"], f"{path}.dataSourceRef.namespace", errs)
    # kube's value is a *field.Path, which prints as {}
    if isinstance(ref, dict) and ref.get("namespace"):
        if isinstance(source, dict):
            errs.invalid(path, {}, "may not be specified when dataSourceRef.namespace is specified")
    elif isinstance(source, dict) and isinstance(ref, dict):
        if (source.get("apiGroup"), source.get("kind", ""), source.get("name", "")) != (
            ref.get("apiGroup"), ref.get("kind", ""), ref.get("name", "")):  # fmt: skip
            errs.invalid(path, {}, "must match dataSourceRef")
    if spec.get("volumeAttributesClassName"):
        f.dns1123_subdomain(spec["volumeAttributesClassName"], f"{path}.volumeAttributesClassName", errs)


def _data_source(source: Obj, path: str, errs: FieldErrors) -> None:
    """validateDataSource / validateDataSourceRef: a name and kind; no group means a PersistentVolumeClaim."""
    if not source.get("name"):
        errs.required(f"{path}.name")
    if not source.get("kind"):
        errs.required(f"{path}.kind")
    group = source.get("apiGroup") or ""
    if not group and source.get("kind", "") != "PersistentVolumeClaim":
        errs.invalid(
            path, source.get("kind", ""), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"
        )
    for msg in is_dns1123_subdomain(group) if group else ():
        errs.invalid(f"{path}.apiGroup", group, msg)
