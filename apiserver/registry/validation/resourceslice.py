"""resource.k8s.io v1 ResourceSlice (pkg/apis/resource/validation: ValidateResourceSlice[Update]): a driver, a
pool, exactly one of the node selection fields, devices with unique names, attributes, capacities, taints,
counter consumption and binding conditions, and shared counter sets; on update the driver, pool name and node
name are fixed; a capacity's request policy only on a device that allows multiple allocations, with its valid
values or range, default, capacity bound and step arithmetic.

Not checked: list-typed attributes and node-allocatable resource mappings (alpha in 1.36, off).
"""

from __future__ import annotations

import re
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.quantity import Quantity
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import resource as r
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_subdomain
from aiokube.apiserver.registry.validation.placement import node_selector, node_selector_terms_struct

Obj = dict[str, Any]

_MAX_DEVICES = 128
_MAX_DEVICES_ADVANCED = 64
_MAX_COUNTER_SETS = 8
_MAX_COUNTERS_PER_SET = 32
_MAX_CONSUMPTIONS = 2
_MAX_COUNTERS_PER_CONSUMPTION = 32
_MAX_ATTRIBUTES_AND_CAPACITIES = 32
_MAX_ATTRIBUTE_VALUES = 48
_MAX_VALUE_LENGTH = 64
_MAX_TAINTS = 16
_MAX_BINDING_CONDITIONS = 4
_MAX_KEY_LENGTH = 63 + 1 + 32
_MAX_DISCRETE_OPTIONS = 10
_POOL_NAME_MAX = 253
_SLICE_NODE_FIELDS = "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"
_DEVICE_NODE_FIELDS = (
    "exactly one of `nodeName`, `nodeSelector`, or `allNodes` is required when `perDeviceNodeSelection` is set "
    "to true in the ResourceSlice spec"
)
_NOT_PER_DEVICE = (
    "`nodeName`, `nodeSelector` and `allNodes` can only be set if `perDeviceNodeSelection` is set to true in the "
    "ResourceSlice spec"
)
_NUM = r"(0|[1-9]\d*)"
_PRE = r"(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
_BUILD = r"[0-9a-zA-Z-]+"
_SEMVER = re.compile(rf"^{_NUM}\.{_NUM}\.{_NUM}(-{_PRE}(\.{_PRE})*)?(\+{_BUILD}(\.{_BUILD})*)?$")
#: a device attribute's value fields: JSON name, Go name (the struct's order, as kube prints it)
_ATTRIBUTE_FIELDS = (("int", "IntValue"), ("bool", "BoolValue"), ("string", "StringValue"),
                     ("version", "VersionValue"))  # fmt: skip
_ATTRIBUTE_LISTS = ("IntValues", "BoolValues", "StringValues", "VersionValues")


def _truncate(key: str, limit: int) -> str:
    """truncateIfTooLong: a map key in a path keeps its two ends around '...'."""
    limit = max(limit, 16)
    if len(key) <= limit:
        return key
    remaining = limit - 3
    return key[: (remaining + 1) // 2] + "..." + key[len(key) - remaining // 2 :]


def pool_name(name: str, path: str, errs: FieldErrors) -> None:
    """validatePoolName: DNS subdomains separated by '/', at most 253 bytes in all."""
    if not name:
        errs.required(path)
        return
    if len(name) > _POOL_NAME_MAX:
        errs.too_long(path, _POOL_NAME_MAX)
    for part in name.split("/"):
        for msg in is_dns1123_subdomain(part):
            errs.invalid(path, part, msg)


def _attribute(attribute: Any, path: str, errs: FieldErrors) -> None:
    """validateDeviceAttribute: exactly one value; strings of at most 64 bytes, versions in semver 2.0.0."""
    attribute = attribute if isinstance(attribute, dict) else {}
    given = [key for key, _ in _ATTRIBUTE_FIELDS if attribute.get(key) is not None]
    for key in given:
        value = attribute[key]
        if key == "string" and len(str(value).encode()) > _MAX_VALUE_LENGTH:
            errs.too_long(f"{path}.string", _MAX_VALUE_LENGTH)
        if key == "version":
            if not _SEMVER.match(str(value)):
                errs.invalid(f"{path}.version", value, "must be a string compatible with semver.org spec 2.0.0")
            if len(str(value).encode()) > _MAX_VALUE_LENGTH:
                errs.too_long(f"{path}.version", _MAX_VALUE_LENGTH)
    if not given:
        errs.invalid(path, "", "exactly one value must be specified")
    elif len(given) > 1:
        value = f.go_struct(*((go, attribute.get(key)) for key, go in _ATTRIBUTE_FIELDS),
                            *((go, None) for go in _ATTRIBUTE_LISTS))  # fmt: skip
        errs.invalid(path, value, "exactly one value must be specified")


def _counters(counters: Any, max_items: int, path: str, errs: FieldErrors) -> None:
    """A counter map: required, bounded, keys DNS labels (kube checks them on the map's path)."""
    counters = counters if isinstance(counters, dict) else {}
    if not counters:
        errs.required(path)
    elif len(counters) > max_items:
        errs.too_many(path, len(counters), max_items)
    else:
        for key in counters:
            r.label(key, path, errs)


def _named_counters(item: Any, name_key: str, max_counters: int, path: str, errs: FieldErrors) -> None:
    """A required label-name field, then the counters: validateDeviceCounterConsumption (``counterSet``) and
    validateCounterSet (``name``)."""
    item = item if isinstance(item, dict) else {}
    name = item.get(name_key, "")
    if not name:
        errs.required(f"{path}.{name_key}")
    else:
        r.label(name, f"{path}.{name_key}", errs)
    _counters(item.get("counters"), max_counters, f"{path}.counters", errs)


def _consumption(consumption: Any, path: str, errs: FieldErrors) -> None:
    _named_counters(consumption, "counterSet", _MAX_COUNTERS_PER_CONSUMPTION, path, errs)


def _counter_set(counter_set: Any, path: str, errs: FieldErrors) -> None:
    _named_counters(counter_set, "name", _MAX_COUNTERS_PER_SET, path, errs)


def binding_conditions(device: Obj, path: str, errs: FieldErrors) -> None:
    """validateDeviceBindingParameters: label-name conditions, unique, not overlapping, both or neither."""
    conditions, failures = device.get("bindingConditions"), device.get("bindingFailureConditions")
    cond_list, fail_list = f.list_at(device, "bindingConditions"), f.list_at(device, "bindingFailureConditions")
    for key, items in (("bindingConditions", cond_list), ("bindingFailureConditions", fail_list)):
        if r.bounded(items, _MAX_BINDING_CONDITIONS, f"{path}.{key}", errs):
            for i, item in enumerate(items):
                f.qualified_name(item, f"{path}.{key}[{i}]", errs)
    f.duplicates(cond_list, f"{path}.bindingConditions", errs)
    seen_failures: set[str] = set()
    for i, item in enumerate(fail_list):
        if item in seen_failures:
            errs.duplicate(f"{path}.bindingFailureConditions[{i}]", item)
        seen_failures.add(item)
        if item in cond_list:
            msg = "bindingFailureConditions must not overlap with bindingConditions"
            errs.invalid(f"{path}.bindingFailureConditions[{i}]", item, msg)
    if not cond_list and fail_list:
        msg = "bindingConditions are required to use bindingFailureConditions"
        errs.invalid(f"{path}.bindingConditions", conditions, msg)
    if not fail_list and cond_list:
        msg = "bindingFailureConditions are required to use bindingConditions"
        errs.invalid(f"{path}.bindingFailureConditions", failures, msg)


def _device_node(device: Obj, per_device: bool, path: str, errs: FieldErrors) -> None:
    """A device's own node selection, only with the slice's perDeviceNodeSelection."""
    if not per_device:
        if any(device.get(k) is not None for k in ("nodeName", "nodeSelector", "allNodes")):
            errs.invalid(path, None, _NOT_PER_DEVICE)
        return
    given = []
    name = device.get("nodeName")
    if name is not None:
        if name:
            given.append("`nodeName`")
            f.dns1123_subdomain(name, f"{path}.nodeName", errs)
        else:
            errs.invalid(f"{path}.nodeName", name, "must not be empty")
    if device.get("nodeSelector") is not None:
        given.append("`nodeSelector`")
        node_selector(f.obj_at(device, "nodeSelector"), f"{path}.nodeSelector", errs)
    all_nodes = device.get("allNodes")
    if all_nodes is not None:
        if all_nodes:
            given.append("`allNodes`")
        else:
            errs.invalid(f"{path}.allNodes", all_nodes, "must be either unset or set to true")
    if not given:
        errs.required(path, _DEVICE_NODE_FIELDS)
    elif len(given) > 1:
        errs.invalid(path, "{" + ", ".join(given) + "}", _DEVICE_NODE_FIELDS)


def _value(q: Quantity) -> int:
    """Quantity.Value: the integer value, rounded away from zero."""
    q = q.round_up(0)
    return q.unscaled * 10**q.scale


def _request_policy(capacity: Quantity, policy: Obj, path: str, errs: FieldErrors) -> None:
    """validateRequestPolicy: valid values or a valid range (not both), each with a default that fits it, within
    the capacity."""
    values, valid_range, default = f.list_at(policy, "validValues"), policy.get("validRange"), policy.get("default")
    if values and valid_range is not None:
        errs.forbidden(path, 'exactly one policy can be specified, cannot specify "validValues" and "validRange" at '
                       "the same time")  # fmt: skip
    elif values or valid_range is not None:
        which = "validValues" if values else "validRange"
        if default is None:
            errs.required(f"{path}.default", f"required when {which} is defined")
        elif values:
            _valid_values(f.quantity(default) or f.ZERO, capacity, values, f"{path}.validValues", errs)
        elif isinstance(valid_range, dict):
            _valid_range(f.quantity(default) or f.ZERO, capacity, valid_range, f"{path}.validRange", errs)


def _valid_values(default: Quantity, capacity: Quantity, raw: list[Any], path: str, errs: FieldErrors) -> None:
    values = [f.quantity(v) or f.ZERO for v in raw]
    for i in range(len(values) - 1):
        if values[i].cmp(values[i + 1]) > 0:
            errs.invalid(f"{path}[{i + 1}]", str(values[i + 1]), "values must be sorted in ascending order")
    found = False

    def option(q: Quantity, item_path: str) -> None:
        nonlocal found
        if q.cmp(capacity) > 0:
            errs.invalid(item_path, str(q), f"option is larger than capacity value: {capacity}")
        found = found or q.cmp(default) == 0

    r.check_set(values, _MAX_DISCRETE_OPTIONS, option, lambda q: str(_value(q)), path, errs)
    if not found:
        errs.invalid(path, str(default), "default value is not valid according to the requestPolicy")


def _valid_range(default: Quantity, capacity: Quantity, bounds: Obj, path: str, errs: FieldErrors) -> None:
    low, high, step = (f.quantity(bounds.get(k)) for k in ("min", "max", "step"))
    if low is None:
        errs.required(f"{path}.min", "required when validRange is defined")
        return
    if low.cmp(capacity) > 0:
        errs.invalid(f"{path}.min", str(low), f"min is larger than capacity value: {capacity}")
    if default.cmp(low) < 0:
        errs.invalid(f"{path}.min", str(default), f"default is less than min: {low}")
    if high is not None:
        if low.cmp(high) > 0:
            errs.invalid(f"{path}.max", str(low), f"min is larger than max: {high}")
        if high.cmp(capacity) > 0:
            errs.invalid(f"{path}.max", str(high), f"max is larger than capacity value: {capacity}")
        if default.cmp(high) > 0:
            errs.invalid(f"{path}.max", str(default), f"default is more than max: {high}")
    if step is not None:
        added = low.add(step)
        if added.cmp(capacity) > 0:
            errs.invalid(f"{path}.step", str(step), f"one step {added} is larger than capacity value: {capacity}")
        for value in (default, high) if high is not None else (default,):
            step_value = _value(step)
            if step_value and (_value(value) - _value(low)) % step_value != 0:
                errs.invalid(f"{path}.step", str(value),
                             f"value is not a multiple of a given step ({step}) from ({low})")  # fmt: skip


def _device(device: Any, old: Obj | None, per_device: bool, path: str, errs: FieldErrors) -> None:
    """validateDevice."""
    device = device if isinstance(device, dict) else {}
    r.label(device.get("name", ""), f"{path}.name", errs)
    attributes, capacity = f.obj_at(device, "attributes"), f.obj_at(device, "capacity")
    total = len(attributes) + len(capacity)
    if total > _MAX_ATTRIBUTES_AND_CAPACITIES:
        msg = f"the total number of attributes and capacities must not exceed {_MAX_ATTRIBUTES_AND_CAPACITIES}"
        errs.invalid(path, total, msg)
    if len(attributes) > _MAX_ATTRIBUTE_VALUES:
        msg = f"the total number of attribute values must not exceed {_MAX_ATTRIBUTE_VALUES}"
        errs.invalid(path, len(attributes), msg)
    for key, attribute in attributes.items():
        r.qualified_name(key, f"{path}.attributes", errs)
        _attribute(attribute, f"{path}.attributes[{_truncate(key, _MAX_KEY_LENGTH)}]", errs)
    multiple = device.get("allowMultipleAllocations") is True
    for key, cap in capacity.items():
        r.qualified_name(key, f"{path}.capacity", errs)
        if not isinstance(cap, dict) or cap.get("requestPolicy") is None:
            continue
        cpath = f"{path}.capacity[{_truncate(key, _MAX_KEY_LENGTH)}].requestPolicy"
        if not multiple:
            errs.forbidden(cpath, "allowMultipleAllocations must be true")
        elif isinstance(cap["requestPolicy"], dict):
            _request_policy(f.quantity(cap.get("value")) or f.ZERO, cap["requestPolicy"], cpath, errs)
    taints = f.list_at(device, "taints")
    if (old is None or not f.semantic_equal(taints, f.list_at(old, "taints"))) and r.bounded(
        taints, _MAX_TAINTS, f"{path}.taints", errs
    ):
        for i, taint in enumerate(taints):
            r.device_taint(taint if isinstance(taint, dict) else {}, f"{path}.taints[{i}]", errs)
    r.check_set(f.list_at(device, "consumesCounters"), _MAX_CONSUMPTIONS, lambda c, p: _consumption(c, p, errs),
                lambda c: c.get("counterSet", "") if isinstance(c, dict) else "", f"{path}.consumesCounters",
                errs)  # fmt: skip
    _device_node(device, per_device, path, errs)
    binding_conditions(device, path, errs)


def _advanced(devices: list[Any]) -> bool:
    """Taints or counter consumption lower the device limit from 128 to 64."""
    return any(isinstance(d, dict) and (d.get("taints") or d.get("consumesCounters")) for d in devices)


def _node_selection(spec: Obj, errs: FieldErrors) -> None:
    """Exactly one of nodeName, nodeSelector (of one term), allNodes, perDeviceNodeSelection."""
    given = []
    name = spec.get("nodeName")
    if name is not None:
        if name:
            given.append("`nodeName`")
            f.dns1123_subdomain(name, "spec.nodeName", errs)
        else:
            errs.invalid("spec.nodeName", name, "must be either unset or set to a non-empty string")
    selector = spec.get("nodeSelector")
    if selector is not None:
        given.append("`nodeSelector`")
        node_selector(f.obj_at(spec, "nodeSelector"), "spec.nodeSelector", errs)
        terms = f.list_at(selector, "nodeSelectorTerms")
        if len(terms) != 1:
            value = node_selector_terms_struct(terms) if selector.get("nodeSelectorTerms") is not None else None
            errs.invalid("spec.nodeSelector.nodeSelectorTerms", value, "must have exactly one node selector term")
    for key in ("allNodes", "perDeviceNodeSelection"):
        flag = spec.get(key)
        if flag is not None:
            if flag:
                given.append(f"`{key}`")
            else:
                errs.invalid(f"spec.{key}", flag, "must be either unset or set to true")
    if not given:
        errs.required("spec", _SLICE_NODE_FIELDS)
    elif len(given) > 1:
        errs.invalid("spec", "{" + ", ".join(given) + "}", f"{_SLICE_NODE_FIELDS}, but multiple fields are set")


def validate_resource_slice(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateResourceSlice / ValidateResourceSliceUpdate."""
    spec = f.obj_at(obj, "spec")
    old_spec = f.obj_at(old, "spec") if old is not None else None
    f.csi_driver_name(spec.get("driver", ""), "spec.driver", errs)
    pool = f.obj_at(spec, "pool")
    pool_name(pool.get("name", ""), "spec.pool.name", errs)
    count, generation = pool.get("resourceSliceCount", 0), pool.get("generation", 0)
    if isinstance(count, int) and count <= 0:
        errs.invalid("spec.pool.resourceSliceCount", count, f.NOT_POSITIVE_MSG)
    if isinstance(generation, int) and generation < 0:
        errs.invalid("spec.pool.generation", generation, "must be greater than or equal to zero")
    if old_spec is not None:
        name, old_name = pool.get("name", ""), f.obj_at(old_spec, "pool").get("name", "")
        if name != old_name:
            errs.invalid("spec.pool.name", name, f.IMMUTABLE_MSG)
        if spec.get("driver", "") != old_spec.get("driver", ""):
            errs.invalid("spec.driver", spec.get("driver", ""), f.IMMUTABLE_MSG)
        if spec.get("nodeName") != old_spec.get("nodeName"):
            errs.invalid("spec.nodeName", spec.get("nodeName"), f.IMMUTABLE_MSG)
    _node_selection(spec, errs)
    if spec.get("sharedCounters") is not None and spec.get("devices") is not None:
        errs.invalid("spec", "", "only one of `sharedCounters` or `devices` is allowed")
    devices = f.list_at(spec, "devices")
    old_devices = {r.name_of(d): d for d in f.list_at(old_spec, "devices")} if old_spec is not None else {}
    per_device = spec.get("perDeviceNodeSelection") is True
    r.check_set(devices, _MAX_DEVICES_ADVANCED if _advanced(devices) else _MAX_DEVICES,
                lambda d, p: _device(d, old_devices.get(r.name_of(d)), per_device, p, errs), r.name_of,
                "spec.devices", errs)  # fmt: skip
    r.check_set(f.list_at(spec, "sharedCounters"), _MAX_COUNTER_SETS, lambda c, p: _counter_set(c, p, errs),
                r.name_of, "spec.sharedCounters", errs)  # fmt: skip
