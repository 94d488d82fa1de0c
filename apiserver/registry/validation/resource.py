"""resource.k8s.io v1 (pkg/apis/resource/validation): DeviceClass, ResourceClaim and ResourceClaimTemplate —
request names and references, exactly one of ``exactly``/``firstAvailable``, device classes, allocation mode
and count, selectors, constraints, opaque configuration, tolerations, and a claim's (template's) fixed spec;
plus the checks ResourceSlices share (qualified names, taints, bounded sets).

CEL selector expressions are compiled as kube compiles them (``device`` typed as kube's ``kubernetes.DRADevice``,
:mod:`.admissioncel`); kube's cost limit is not estimated. A claim's status (allocation results, device
status) is checked in claimstatus.py, the admin-access namespace check in registry/draadmin.py (it reads the
namespace); the consumable capacity requests of a request are not checked here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.admissioncel import device_selector_error
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    regex_error,
    validate_template_object_meta,
)

Obj = dict[str, Any]

MAX_REQUESTS = 32
MAX_SELECTORS = 32
MAX_CONSTRAINTS = 32
MAX_CONFIGS = 32
MAX_FIRST_AVAILABLE = 8
MAX_ID_LENGTH = 32
MAX_CEL_LENGTH = 10 * 1024
MAX_OPAQUE_PARAMETERS = 10 * 1024
TAINT_EFFECTS = ["NoExecute", "NoSchedule", "None"]
_OPERATORS = ["Equal", "Exists"]
_ALLOCATION_MODES = ["All", "ExactCount"]
_REF_MSG = "must be the name of a request in the claim or the name of a request and a subrequest separated by '/'"
_ONE_OF = "exactly one of `exactly` or `firstAvailable` is required"
_C_IDENTIFIER_FMT = "[A-Za-z_][A-Za-z0-9_]*"
_C_IDENTIFIER = re.compile(f"^{_C_IDENTIFIER_FMT}$")
_C_IDENTIFIER_MSG = (
    "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric "
    "characters or '_'"
)


#: metav1.ObjectMeta's fields in Go's order, as a template's metadata may not set them (labels, annotations may)
def label(value: str, path: str, errs: FieldErrors) -> None:
    """ValidateDNS1123Label (request, device and counter names)."""
    for msg in is_dns1123_label(value):
        errs.invalid(path, value, msg)


def bounded(items: list[Any], max_items: int, path: str, errs: FieldErrors) -> bool:
    """validateSlice's and validateSet's size check: more than ``max_items`` is one TooMany and nothing else."""
    if max_items >= 0 and len(items) > max_items:
        errs.too_many(path, len(items), max_items)
        return False
    return True


def check_set(
    items: list[Any],
    max_items: int,
    check: Callable[[Any, str], None],
    key: Callable[[Any], Hashable],
    path: str,
    errs: FieldErrors,
) -> None:
    """validateSet: the size, each item, then a Duplicate for each item whose key came before."""
    if not bounded(items, max_items, path, errs):
        return
    for i, item in enumerate(items):
        check(item, f"{path}[{i}]")
    f.duplicates(items, path, errs, key)


def name_of(item: Any) -> str:
    return item.get("name", "") if isinstance(item, dict) else ""


def _c_identifier(value: str, path: str, errs: FieldErrors) -> None:
    if len(value) > MAX_ID_LENGTH:
        errs.too_long(path, MAX_ID_LENGTH)
    if not _C_IDENTIFIER.match(value):
        errs.invalid(path, value, regex_error(_C_IDENTIFIER_MSG, _C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName"))


def qualified_name(name: str, path: str, errs: FieldErrors) -> None:
    """validateQualifiedName: a C identifier, optionally behind a driver-name domain and '/' (kube accepts more
    than one '/' unchecked)."""
    parts = name.split("/")
    if len(parts) == 1:
        _c_identifier(parts[0], path, errs)
    elif len(parts) == 2:
        if not parts[0]:
            errs.invalid(path, "", "the domain must not be empty")
        else:
            f.csi_driver_name(parts[0], path, errs)
        if not parts[1]:
            errs.invalid(path, "", "the name must not be empty")
        else:
            _c_identifier(parts[1], path, errs)


def _fully_qualified_name(name: str, path: str, errs: FieldErrors) -> None:
    qualified_name(name, path, errs)
    if "/" not in name:
        errs.invalid(path, name, "a fully qualified name must be a domain and a name separated by a slash")


def label_value(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_valid_label_value(value):
        errs.invalid(path, value, msg)


def device_taint(taint: Obj, path: str, errs: FieldErrors) -> None:
    """validateDeviceTaint of a new taint: a label-name key, a label value, a known effect."""
    f.qualified_name(taint.get("key", ""), f"{path}.key", errs)
    if taint.get("value"):
        label_value(taint["value"], f"{path}.value", errs)
    effect = taint.get("effect", "")
    if not effect:
        errs.required(f"{path}.effect")
    elif effect not in TAINT_EFFECTS:
        errs.not_supported(f"{path}.effect", effect, TAINT_EFFECTS)


def _toleration(toleration: Obj, path: str, errs: FieldErrors) -> None:
    """validateDeviceToleration."""
    if toleration.get("key"):
        f.qualified_name(toleration["key"], f"{path}.key", errs)
    operator, value = toleration.get("operator", ""), toleration.get("value", "")
    if operator == "Exists":
        if value:
            errs.invalid(f"{path}.value", value, "must be empty for operator `Exists`")
    elif operator == "Equal":
        label_value(value, f"{path}.value", errs)
    elif not operator:
        errs.required(f"{path}.operator")
    else:
        errs.not_supported(f"{path}.operator", operator, _OPERATORS)
    effect = toleration.get("effect", "")
    if effect and effect not in TAINT_EFFECTS:
        errs.not_supported(f"{path}.effect", effect, TAINT_EFFECTS)


def _selectors(selectors: list[Any], path: str, errs: FieldErrors) -> None:
    """validateSelectorSlice: each selector has a CEL expression of at most 10 KiB that compiles to a bool."""
    if not bounded(selectors, MAX_SELECTORS, path, errs):
        return
    for i, selector in enumerate(selectors):
        cel = selector.get("cel") if isinstance(selector, dict) else None
        if not isinstance(cel, dict):
            errs.required(f"{path}[{i}].cel")
        elif len((expression := str(cel.get("expression") or "")).encode()) > MAX_CEL_LENGTH:
            errs.too_long(f"{path}[{i}].cel.expression", MAX_CEL_LENGTH)
        elif detail := device_selector_error(expression):
            errs.invalid(f"{path}[{i}].cel.expression", expression, detail)


def _device_class_name(name: str, path: str, errs: FieldErrors) -> None:
    if not name:
        errs.required(path)
    for msg in is_dns1123_subdomain(name) if name else []:
        errs.invalid(path, name, msg)


def _device_request_body(request: Obj, path: str, errs: FieldErrors) -> None:
    """What an exact request and a subrequest share: class, selectors, allocation mode and count, tolerations."""
    _device_class_name(request.get("deviceClassName", ""), f"{path}.deviceClassName", errs)
    _selectors(f.list_at(request, "selectors"), f"{path}.selectors", errs)
    mode, count = request.get("allocationMode", ""), request.get("count", 0)
    if mode == "All":
        if count != 0:
            errs.invalid(f"{path}.count", count, "must not be specified when allocationMode is 'All'")
    elif mode == "ExactCount":
        if isinstance(count, int) and count <= 0:
            errs.invalid(f"{path}.count", count, f.NOT_POSITIVE_MSG)
    else:
        errs.not_supported(f"{path}.allocationMode", mode, _ALLOCATION_MODES)
    for i, toleration in enumerate(f.list_at(request, "tolerations")):
        _toleration(toleration if isinstance(toleration, dict) else {}, f"{path}.tolerations[{i}]", errs)


def _subrequest(sub: Any, path: str, errs: FieldErrors) -> None:
    sub = sub if isinstance(sub, dict) else {}
    label(sub.get("name", ""), f"{path}.name", errs)
    _device_request_body(sub, path, errs)


def _request(request: Any, path: str, errs: FieldErrors) -> None:
    """validateDeviceRequest: a name and exactly one of ``exactly`` and ``firstAvailable``."""
    request = request if isinstance(request, dict) else {}
    label(request.get("name", ""), f"{path}.name", errs)
    first, exactly = f.list_at(request, "firstAvailable"), request.get("exactly")
    if not first and exactly is None:
        errs.required(path, _ONE_OF)
    elif first and exactly is not None:
        errs.invalid(path, None, f"{_ONE_OF}, but multiple fields are set")
    elif first:
        check_set(first, MAX_FIRST_AVAILABLE, lambda s, p: _subrequest(s, p, errs), name_of, f"{path}.firstAvailable",
                  errs)  # fmt: skip
    else:
        _device_request_body(exactly if isinstance(exactly, dict) else {}, f"{path}.exactly", errs)


def request_names(requests: list[Any]) -> dict[str, set[str] | None]:
    """gatherRequestNames: each request's subrequest names (None: it has none)."""
    out: dict[str, set[str] | None] = {}
    for request in requests:
        first = f.list_at(request, "firstAvailable")
        out[name_of(request)] = {name_of(s) for s in first} if first else None
    return out


def request_ref(ref: str, names: dict[str, set[str] | None], path: str, errs: FieldErrors) -> None:
    """validateRequestNameRef: ``request`` or ``request/subrequest`` of this claim."""
    segments = ref.split("/")
    if len(segments) > 2:
        errs.invalid(path, ref, _REF_MSG)
        return
    for segment in segments:
        label(segment, path, errs)
    subs = names.get(segments[0], set())
    found = segments[0] in names and (len(segments) == 1 or segments[1] in (subs or set()))
    if not found:
        errs.invalid(path, ref, _REF_MSG)


def request_refs(refs: list[Any], names: dict[str, set[str] | None], path: str, errs: FieldErrors) -> None:
    check_set(refs, MAX_REQUESTS, lambda r, p: request_ref(r, names, p, errs), lambda r: r, path, errs)


def _raw_object(value: Any, path: str, errs: FieldErrors) -> None:
    """validateRawExtension on create: a JSON object of at most 10 KiB (null and absent are missing; the stored
    form holds a null RawExtension as "", so a JSON "" reads as missing too)."""
    if value is None or value == "":
        errs.required(path)
    elif len(json.dumps(value, separators=(",", ":"))) > MAX_OPAQUE_PARAMETERS:
        errs.too_long(path, MAX_OPAQUE_PARAMETERS)
    elif not isinstance(value, dict):
        errs.invalid(path, "<value omitted>", "must be a valid JSON object")


def device_configuration(config: Obj, path: str, errs: FieldErrors) -> None:
    """validateDeviceConfiguration: an opaque configuration with a driver and JSON object parameters."""
    opaque = config.get("opaque")
    if not isinstance(opaque, dict):
        errs.required(f"{path}.opaque")
        return
    f.csi_driver_name(opaque.get("driver", ""), f"{path}.opaque.driver", errs)
    _raw_object(opaque.get("parameters"), f"{path}.opaque.parameters", errs)


def _constraint(constraint: Obj, names: dict[str, set[str] | None], path: str, errs: FieldErrors) -> None:
    """validateDeviceConstraint (DRAConsumableCapacity is on: either attribute kind will do)."""
    request_refs(f.list_at(constraint, "requests"), names, f"{path}.requests", errs)
    if constraint.get("matchAttribute") is not None:
        _fully_qualified_name(constraint["matchAttribute"], f"{path}.matchAttribute", errs)
    elif constraint.get("distinctAttribute") is not None:
        _fully_qualified_name(constraint["distinctAttribute"], f"{path}.distinctAttribute", errs)
    else:
        errs.required(path, 'exactly one of "matchAttribute" or "distinctAttribute" is required, but multiple '
                            "fields are set")  # fmt: skip


def device_claim(devices: Obj, path: str, errs: FieldErrors) -> None:
    """validateDeviceClaim: requests (unique names), constraints and configuration referring to them."""
    requests = f.list_at(devices, "requests")
    names = request_names(requests)
    check_set(requests, MAX_REQUESTS, lambda r, p: _request(r, p, errs), name_of, f"{path}.requests", errs)
    constraints = f.list_at(devices, "constraints")
    if bounded(constraints, MAX_CONSTRAINTS, f"{path}.constraints", errs):
        for i, constraint in enumerate(constraints):
            _constraint(constraint if isinstance(constraint, dict) else {}, names, f"{path}.constraints[{i}]", errs)
    configs = f.list_at(devices, "config")
    if bounded(configs, MAX_CONFIGS, f"{path}.config", errs):
        for i, config in enumerate(configs):
            config = config if isinstance(config, dict) else {}
            cpath = f"{path}.config[{i}]"
            request_refs(f.list_at(config, "requests"), names, f"{cpath}.requests", errs)
            device_configuration(config, cpath, errs)


# --- the kinds ------------------------------------------------------------------------------------------------


def _extended_resource_name(name: str) -> bool:
    """v1helper.IsExtendedResourceName: not native (has a domain other than kubernetes.io), not a quota
    ``requests.`` name, and ``requests.<name>`` is a qualified name."""
    native = "/" not in name or "kubernetes.io/" in name
    return not native and not name.startswith("requests.") and not is_qualified_name(f"requests.{name}")


def validate_device_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateDeviceClass(Update): selectors, configuration, an extended resource name."""
    spec = f.obj_at(obj, "spec")
    _selectors(f.list_at(spec, "selectors"), "spec.selectors", errs)
    configs = f.list_at(spec, "config")
    if bounded(configs, MAX_CONFIGS, "spec.config", errs):
        for i, config in enumerate(configs):
            device_configuration(config if isinstance(config, dict) else {}, f"spec.config[{i}]", errs)
    name = spec.get("extendedResourceName")
    if name is not None and not _extended_resource_name(name):
        errs.invalid("spec.extendedResourceName", name, "must be a valid extended resource name")


def validate_resource_claim(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateResourceClaim; on update only that the spec is unchanged (kube prints its internal struct: here
    the v1 form)."""
    spec = f.obj_at(obj, "spec")
    if old is None:
        device_claim(f.obj_at(spec, "devices"), "spec.devices", errs)
    elif not f.semantic_equal(spec, f.obj_at(old, "spec")):
        errs.invalid("spec", spec, f.IMMUTABLE_MSG)


def validate_resource_claim_template(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateResourceClaimTemplate; on update only that the spec is unchanged."""
    spec = f.obj_at(obj, "spec")
    if old is None:
        validate_template_object_meta(f.obj_at(spec, "metadata"), "spec.metadata", errs)
        device_claim(f.obj_at(f.obj_at(spec, "spec"), "devices"), "spec.spec.devices", errs)
    elif not f.semantic_equal(spec, f.obj_at(old, "spec")):
        errs.invalid("spec", spec, f.IMMUTABLE_MSG)
