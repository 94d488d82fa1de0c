"""What a DRA driver or the scheduler may write through a ResourceClaim's ``status``
(pkg/apis/resource/validation ValidateResourceClaimStatusUpdate): consumers in ``reservedFor`` named fully,
unique by uid, only on an allocated claim and none added once the claim is being deleted; an allocation that
never changes once set, and a new one whose results name the claim's requests, valid drivers, pools, devices,
binding conditions and share IDs, with a valid node selector and configurations; per-device statuses of allocated
devices, unique, with valid conditions, JSON object data and network data (canonical interface addresses).

An allocation that changed is printed as the stored JSON (kube prints its internal struct)."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import resource as r
from aiokube.apiserver.registry.validation.placement import node_selector
from aiokube.apiserver.registry.validation.resourceslice import binding_conditions, pool_name

Obj = dict[str, Any]

_MAX_RESERVED_FOR = 256
_MAX_RESULTS = 32
_HEX = re.compile(r"[0-9a-fA-F]*")
_CONFIG_SOURCES = ["FromClaim", "FromClass"]
_MAX_CONDITIONS = 8
_MAX_DATA = 10 * 1024
_MAX_IPS = 16
_INTERFACE_MSG = "must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)"


def _consumer(ref: Any, path: str, errs: FieldErrors) -> None:
    ref = ref if isinstance(ref, dict) else {}
    for key in ("resource", "name", "uid"):
        if not ref.get(key):
            errs.required(f"{path}.{key}")


def _consumer_key(ref: Any) -> tuple[Any, ...]:
    ref = ref if isinstance(ref, dict) else {}
    return tuple(ref.get(k, "") for k in ("apiGroup", "resource", "name", "uid"))


def _uid_of(ref: Any) -> Any:
    return ref.get("uid", "") if isinstance(ref, dict) else ""


def _uuid_error(s: str) -> str | None:
    """google/uuid's Validate: its accepted lengths and forms, and its errors."""
    if len(s) == 36 + 9:
        if s[:9].lower() != "urn:uuid:":
            return f'invalid urn prefix: "{s[:9]}"'
        s = s[9:]
    elif len(s) == 36 + 2:
        return None  # Go drops the first brace and checks nothing more
    elif len(s) == 32:
        return None if _HEX.fullmatch(s) else "invalid UUID format"
    elif len(s) != 36:
        return f"invalid UUID length: {len(s)}"
    if s[8] != "-" or s[13] != "-" or s[18] != "-" or s[23] != "-":
        return "invalid UUID format"
    return None if _HEX.fullmatch(s.replace("-", "")) and len(s.replace("-", "")) == 32 else "invalid UUID format"


def _uid(uid: str, path: str, errs: FieldErrors) -> None:
    """validateUID: an RFC 4122 uuid in its normalized lower-case form."""
    if (error := _uuid_error(uid)) is not None:
        errs.invalid(path, uid, f"error validating uid: {error}")
    elif len(uid) != 36 or uid != uid.lower():
        errs.invalid(path, uid, "uid must be in RFC 4122 normalized form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` "
                     "with lowercase hexadecimal characters")  # fmt: skip


def _result(result: Any, names: dict[str, set[str] | None], path: str, errs: FieldErrors) -> None:
    """validateDeviceRequestAllocationResult."""
    result = result if isinstance(result, dict) else {}
    r.request_ref(result.get("request", ""), names, f"{path}.request", errs)
    f.csi_driver_name(result.get("driver", ""), f"{path}.driver", errs)
    pool_name(result.get("pool", ""), f"{path}.pool", errs)
    f.dns1123_label(result.get("device", ""), f"{path}.device", errs)
    binding_conditions(result, path, errs)
    if result.get("shareID") is not None:
        _uid(result["shareID"], f"{path}.shareID", errs)


def _config(config: Any, names: dict[str, set[str] | None], path: str, errs: FieldErrors) -> None:
    """validateDeviceAllocationConfiguration."""
    config = config if isinstance(config, dict) else {}
    f.enum(config.get("source", ""), f"{path}.source", _CONFIG_SOURCES, errs)
    r.request_refs(f.list_at(config, "requests"), names, f"{path}.requests", errs)
    r.device_configuration(config, path, errs)


def _allocation(allocation: Obj, names: dict[str, set[str] | None], errs: FieldErrors) -> None:
    """validateAllocationResult of a new allocation."""
    devices = f.obj_at(allocation, "devices")
    path = "status.allocation.devices"
    results = f.list_at(devices, "results")
    if r.bounded(results, _MAX_RESULTS, f"{path}.results", errs):
        for i, result in enumerate(results):
            _result(result, names, f"{path}.results[{i}]", errs)
    configs = f.list_at(devices, "config")
    if r.bounded(configs, 2 * r.MAX_CONFIGS, f"{path}.config", errs):
        for i, config in enumerate(configs):
            _config(config, names, f"{path}.config[{i}]", errs)
    selector = allocation.get("nodeSelector")
    if isinstance(selector, dict):
        node_selector(selector, "status.allocation.nodeSelector", errs)


def _device_id(device: Any) -> tuple[Any, ...]:
    device = device if isinstance(device, dict) else {}
    return device.get("driver", ""), device.get("pool", ""), device.get("device", ""), device.get("shareID") or ""


def _shown(key: tuple[Any, ...]) -> Obj:
    """structured.SharedDeviceID as kube prints it."""
    return f.go_struct(("Driver", key[0]), ("Pool", key[1]), ("Device", key[2]), ("ShareID", key[3]))


def _interface_address(value: str, path: str, errs: FieldErrors) -> None:
    """IsValidInterfaceAddress: an address with its prefix length, in canonical form."""
    network = f.cidr_network(value) if isinstance(value, str) else None
    if network is None:
        errs.invalid(path, value, _INTERFACE_MSG)
        return
    text, _, bits = value.partition("/")
    try:
        ip: Any = ipaddress.ip_address(text)
    except ValueError:  # IPv4 octets with leading zeros, which Go's sloppy parser reads as decimal
        ip = ipaddress.ip_address(".".join(str(int(octet)) for octet in text.split(".")))
    size = int(bits)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
        size = size - 96 if size > 32 else size
    canonical = f"{ip}/{size}"
    if value != canonical:
        errs.invalid(path, value, f"must be in canonical form ({json.dumps(canonical)})")


def _network_data(data: Any, path: str, errs: FieldErrors) -> None:
    """validateNetworkDeviceData."""
    if not isinstance(data, dict):
        return
    if len((data.get("interfaceName") or "").encode()) > 256:
        errs.too_long(f"{path}.interfaceName", 256)
    if len((data.get("hardwareAddress") or "").encode()) > 128:
        errs.too_long(f"{path}.hardwareAddress", 128)
    r.check_set(f.list_at(data, "ips"), _MAX_IPS, lambda ip, p: _interface_address(ip, p, errs), lambda ip: ip,
                f"{path}.ips", errs)  # fmt: skip


def _device_status(device: Any, allocated: set[tuple[Any, ...]], path: str, errs: FieldErrors) -> None:
    """validateDeviceStatus."""
    device = device if isinstance(device, dict) else {}
    f.csi_driver_name(device.get("driver", ""), f"{path}.driver", errs)
    pool_name(device.get("pool", ""), f"{path}.pool", errs)
    f.dns1123_label(device.get("device", ""), f"{path}.device", errs)
    if device.get("shareID") is not None:
        _uid(device["shareID"], f"{path}.shareID", errs)
    if _device_id(device) not in allocated:
        errs.invalid(path, _shown(_device_id(device)), "must be an allocated device in the claim")
    conditions = f.list_at(device, "conditions")
    if len(conditions) > _MAX_CONDITIONS:
        errs.too_many(f"{path}.conditions", len(conditions), _MAX_CONDITIONS)
    f.conditions(conditions, f"{path}.conditions", errs)
    data = device.get("data")  # a null decodes as no data (a nil pointer), which is not checked
    if data is not None:
        if len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()) > _MAX_DATA:
            errs.too_long(f"{path}.data", _MAX_DATA)
        elif not isinstance(data, dict):
            errs.invalid(f"{path}.data", "<value omitted>", "must be a valid JSON object")
    _network_data(device.get("networkData"), f"{path}.networkData", errs)


def validate_resource_claim_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """validateResourceClaimStatusUpdate (its ObjectMeta checks are the store's)."""
    status, old_status = f.obj_at(obj, "status"), f.obj_at(old, "status")
    reserved = f.list_at(status, "reservedFor")
    r.check_set(reserved, _MAX_RESERVED_FOR, lambda ref, p: _consumer(ref, p, errs), _uid_of, "status.reservedFor",
                errs)  # fmt: skip
    allocation, old_allocation = status.get("allocation"), old_status.get("allocation")
    results = f.list_at(f.obj_at(allocation, "devices"), "results")
    allocated = {_device_id(result) for result in results}
    devices = f.list_at(status, "devices")
    for i, device in enumerate(devices):
        _device_status(device, allocated, f"status.devices[{i}]", errs)
    seen: set[tuple[Any, ...]] = set()
    for i, device in enumerate(devices):
        key = _device_id(device)
        if key in seen:
            errs.duplicate(f"status.devices[{i}]", _shown(key))
        seen.add(key)
    if reserved:
        if allocation is None:
            errs.forbidden("status.reservedFor", "may not be specified when `allocated` is not set")
        elif f.obj_at(obj, "metadata").get("deletionTimestamp"):
            before = {_consumer_key(ref) for ref in f.list_at(old_status, "reservedFor")}
            if any(_consumer_key(ref) not in before for ref in reserved):
                errs.forbidden("status.reservedFor", "new entries may not be added while `deallocationRequested` or "
                               "`deletionTimestamp` are set")  # fmt: skip
    if allocation is not None and old_allocation is not None:
        if not f.semantic_equal(allocation, old_allocation):
            errs.invalid("status.allocation", allocation, f.IMMUTABLE_MSG)
    elif isinstance(allocation, dict):
        requests = f.list_at(f.obj_at(f.obj_at(obj, "spec"), "devices"), "requests")
        _allocation(allocation, r.request_names(requests), errs)
