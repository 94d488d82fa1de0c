"""Nodes (pkg/apis/core/validation: ValidateNode, ValidateNodeUpdate, validateNodeTaints): taints (kube reports
them under ``metadata.taints``), the pod CIDRs, the status's capacity and allocatable quantities, swap capacity
and declared features; on update unique addresses, and the pod CIDRs and provider ID, which only go from unset
to set."""

from __future__ import annotations

import json
import re
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_valid_label_value
from aiokube.apiserver.registry.validation.tolerations import TAINT_EFFECTS

Obj = dict[str, Any]

_FEATURE_NAME = re.compile(r"^[A-Z][a-zA-Z0-9]*(/[a-zA-Z][a-zA-Z0-9]*)*\Z")
_FEATURE_MSG = (
    "must start with an UpperCamelCase segment, with subsequent segments separated by '/' (e.g., MyFeature or "
    "MyFeature/mySubFeature), and contain only alphanumeric characters and slashes"
)
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


def _resources(status: Obj, errs: FieldErrors) -> None:
    """ValidateNodeResources: capacity and allocatable quantities (kube walks Go maps: any order)."""
    for key in ("capacity", "allocatable"):
        for name, value in f.obj_at(status, key).items():
            f.resource_quantity_value(name, value, f"status.{key}.{name}", errs)


def _declared_features(features: list[Any], errs: FieldErrors) -> None:
    """validateNodeDeclaredFeatures (NodeDeclaredFeatures is on in 1.36): names of UpperCamelCase segments,
    sorted and unique."""
    for i, feature in enumerate(features):
        if not isinstance(feature, str):
            continue
        if len(feature) > 253:
            errs.invalid(f"status.declaredFeatures[{i}]", feature,
                         f"invalid feature name {_go_quote(feature)}: must be no more than 253 characters")  # fmt: skip
        elif not _FEATURE_NAME.match(feature):
            errs.invalid(
                f"status.declaredFeatures[{i}]", feature, f"invalid feature name {_go_quote(feature)}: {_FEATURE_MSG}"
            )
        if i + 1 < len(features) and isinstance(features[i + 1], str):
            following = features[i + 1]
            if feature == following:
                errs.duplicate(f"status.declaredFeatures[{i + 1}]", following)
            elif feature > following:
                errs.invalid(f"status.declaredFeatures[{i + 1}]", following, "list must be sorted alphabetically")


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _validate_node(obj: Obj, errs: FieldErrors) -> None:
    """ValidateNode (after ObjectMeta): taints, the status's quantities, swap and declared features, pod CIDRs."""
    spec, status = f.obj_at(obj, "spec"), f.obj_at(obj, "status")
    _taints(f.list_at(spec, "taints"), errs)
    _resources(status, errs)
    swap = f.obj_at(f.obj_at(status, "nodeInfo"), "swap").get("capacity")
    if isinstance(swap, int) and swap <= 0:
        # kube names the field under metadata (its fldPath there)
        errs.invalid("metadata.nodeSwapStatus.capacity", swap, f.NOT_POSITIVE_MSG)
    _declared_features(f.list_at(status, "declaredFeatures"), errs)
    cidrs = pod_cidrs(spec)
    for i, cidr in enumerate(cidrs):
        for msg in f.cidr_errors(cidr):
            errs.invalid(f"spec.podCIDRs[{i}]", cidr, msg)
    if len(cidrs) > 1:
        networks = [f.cidr_network(c) for c in cidrs]
        versions = {n.version for n in networks if n is not None}
        if len(cidrs) > 2 or len(versions) != 2 or None in networks:
            errs.invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family")


def _validate_node_update(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateNodeUpdate (after ObjectMeta's update checks). The config source and status config are dropped
    by the strategies unless the old node had them (only a node stored by an older kube could), so their checks
    are not made."""
    spec, status, old_spec = f.obj_at(obj, "spec"), f.obj_at(obj, "status"), f.obj_at(old, "spec")
    _resources(status, errs)
    _declared_features(f.list_at(status, "declaredFeatures"), errs)
    seen: list[Any] = []
    for i, address in enumerate(f.list_at(status, "addresses")):
        if not isinstance(address, dict):
            continue
        key = (address.get("type", ""), address.get("address", ""))
        if key in seen:
            # kube prints the internal core.NodeAddress (Go field names)
            errs.duplicate(f"status.addresses[{i}]", {"Type": key[0], "Address": key[1]})
        seen.append(key)
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


def validate_node(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """The node strategy's Validate (ValidateNode) and ValidateUpdate (ValidateNode, then ValidateNodeUpdate:
    kube checks the taints twice and reports their errors twice)."""
    _validate_node(obj, errs)
    if old is not None:
        _validate_node_update(obj, old, errs)


def validate_node_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """The node status strategy's ValidateUpdate: ValidateNodeUpdate alone."""
    _validate_node_update(obj, old, errs)
