"""Nodes (pkg/apis/core/validation: ValidateNode, ValidateNodeUpdate, validateNodeTaints): taints (kube reports
them under ``metadata.taints``), the pod CIDRs, and on update the pod CIDRs and provider ID, which only go from
unset to set."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_valid_label_value
from aiokube.apiserver.registry.validation.podspec import TAINT_EFFECTS

Obj = dict[str, Any]

_ONE_WAY = 'node updates may not change {} except from "" to valid'


def pod_cidrs(spec: Obj) -> list[str]:
    """The internal spec.PodCIDRs: v1's podCIDRs, else its podCIDR (the conversion's)."""
    cidrs = f.list_at(spec, "podCIDRs")
    if not cidrs and spec.get("podCIDR"):
        return [spec["podCIDR"]]
    return cidrs


def _taints(taints: list[Any], errs: FieldErrors) -> None:
    """validateNodeTaints: keys, values and effects; one taint per key and effect."""
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        if not isinstance(taint, dict):
            continue
        path = f"metadata.taints[{i}]"
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        f.qualified_name(key, f"{path}.key", errs)
        msgs = is_valid_label_value(value)
        if msgs:
            errs.invalid(f"{path}.value", value, ";".join(msgs))
        f.enum(effect, f"{path}.effect", TAINT_EFFECTS, errs)
        if (effect, key) in seen:
            # kube prints the internal core.Taint as JSON (Go field names)
            dup = {"Key": key, "Value": value, "Effect": effect, "TimeAdded": taint.get("timeAdded")}
            errs.duplicate(path, dup, "taints must be unique by key and effect pair")
            continue
        seen.add((effect, key))


def validate_node(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateNode / ValidateNodeUpdate."""
    spec = f.obj_at(obj, "spec")
    if old is None:
        _taints(f.list_at(spec, "taints"), errs)
        cidrs = pod_cidrs(spec)
        for i, cidr in enumerate(cidrs):
            for msg in f.cidr_errors(cidr):
                errs.invalid(f"spec.podCIDRs[{i}]", cidr, msg)
        if len(cidrs) > 1:
            networks = [f.cidr_network(c) for c in cidrs]
            versions = {n.version for n in networks if n is not None}
            if len(cidrs) > 2 or len(versions) != 2 or None in networks:
                errs.invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family")
        return
    old_spec = f.obj_at(old, "spec")
    old_cidrs, cidrs = pod_cidrs(old_spec), pod_cidrs(spec)
    if old_cidrs:
        if len(old_cidrs) != len(cidrs):
            errs.forbidden("spec.podCIDRs", _ONE_WAY.format("podCIDR"))
        else:
            for before, after in zip(old_cidrs, cidrs, strict=True):
                if before != after:
                    errs.forbidden("spec.podCIDRs", _ONE_WAY.format("podCIDR"))
    if old_spec.get("providerID") and old_spec["providerID"] != spec.get("providerID", ""):
        errs.forbidden("spec.providerID", _ONE_WAY.format("providerID"))
    _taints(f.list_at(spec, "taints"), errs)
    if spec.get("externalID", "") != old_spec.get("externalID", ""):
        errs.forbidden("spec.externalID", "may not be updated")
