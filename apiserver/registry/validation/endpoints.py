"""Validation of Endpoints (core/v1) and EndpointSlices (discovery.k8s.io): kube's ValidateEndpoints and
ValidateEndpointSlice. On an update whose addresses did not change, their errors are dropped (older servers
accepted them), as kube does. A slice's ``deprecatedTopology`` is not checked: kube 1.36 answers none of its
errors over v1 (checked on the reference server)."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation.fields import (
    dns1123_label,
    immutable,
    ip_errors,
    port_num_errors,
    qualified_name,
    semantic_equal,
    sloppy_ip,
    strict_ip_errors,
)
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_label_value,
)

Obj = dict[str, Any]
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
_LINK_LOCAL_MULTICAST = (ipaddress.ip_network("224.0.0.0/24"), ipaddress.ip_network("ff02::/16"))


@functools.lru_cache(maxsize=16384)
def endpoint_ip_errors(value: str) -> tuple[str, ...]:
    """ValidateEndpointIP's messages: no unspecified, loopback or link-local addresses. Remembered: the same
    addresses are written again and again (an Endpoints update repeats its 100 addresses), and Python's
    address checks cost ~5 us an address (bench/session11_changes)."""
    ip = sloppy_ip(value)
    if ip is None:
        return ("must be a valid IP address",)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # Go's net.IP treats a mapped address as the IPv4 one
    out = []
    if ip.is_unspecified:
        out.append(f"may not be unspecified ({value})")
    if ip.is_loopback:
        out.append("may not be in the loopback range (127.0.0.0/8, ::1/128)")
    if ip.is_link_local:
        out.append("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
    if any(ip in net for net in _LINK_LOCAL_MULTICAST if net.version == ip.version) or (
        isinstance(ip, ipaddress.IPv6Address) and ip.is_multicast and (ip.packed[1] & 0x0F) == 2
    ):
        out.append("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
    return tuple(out)


def endpoint_ip(value: str, path: str, errs: FieldErrors) -> None:
    for msg in endpoint_ip_errors(value):
        errs.invalid(path, value, msg)


@functools.lru_cache(maxsize=16384)
def _legacy_ip_errors(value: str) -> tuple[str, ...]:
    return tuple(ip_errors(value))


def _legacy_ip(value: str, path: str, errs: FieldErrors) -> bool:
    """IsValidIPForLegacyField (strict); whether it passed."""
    msgs = _legacy_ip_errors(value)
    for msg in msgs:
        errs.invalid(path, value, msg)
    return not msgs


_node_name_errors = functools.lru_cache(maxsize=4096)(is_dns1123_subdomain)


def _node_name(value: str, path: str, errs: FieldErrors) -> None:
    for msg in _node_name_errors(value):
        errs.invalid(path, value, msg)


def _subsets(subsets: list[Any], errs: FieldErrors) -> None:
    for i, subset in enumerate(subsets):
        path = f"subsets[{i}]"
        if not subset.get("addresses") and not subset.get("notReadyAddresses"):
            errs.required(path, "must specify `addresses` or `notReadyAddresses`")
        for field in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(subset.get(field) or ()):
                ip = address.get("ip", "")
                node = address.get("nodeName")
                if not (
                    _legacy_ip_errors(ip)
                    or endpoint_ip_errors(ip)
                    or address.get("hostname")
                    or (node is not None and _node_name_errors(node))
                ):
                    continue  # the usual address: nothing to say, no paths made
                at = f"{path}.{field}[{j}]"
                _legacy_ip(ip, f"{at}.ip", errs)
                if address.get("hostname"):
                    dns1123_label(address["hostname"], f"{at}.hostname", errs)
                if address.get("nodeName") is not None:
                    _node_name(address["nodeName"], f"{at}.nodeName", errs)
                endpoint_ip(ip, f"{at}.ip", errs)
        ports = subset.get("ports") or ()
        for j, port in enumerate(ports):
            at = f"{path}.ports[{j}]"
            name = port.get("name", "")
            if len(ports) > 1 and not name:
                errs.required(f"{at}.name")
            elif name:
                dns1123_label(name, f"{at}.name", errs)
            for msg in port_num_errors(port.get("port", 0)):
                errs.invalid(f"{at}.port", port.get("port", 0), msg)
            _protocol(port.get("protocol"), f"{at}.protocol", errs)
            if port.get("appProtocol") is not None:
                qualified_name(port["appProtocol"], f"{at}.appProtocol", errs)


def _protocol(value: Any, path: str, errs: FieldErrors) -> None:
    if not value:
        errs.required(path)
    elif value not in _PROTOCOLS:
        errs.not_supported(path, value, _PROTOCOLS)


def validate_endpoints(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    subsets = obj.get("subsets") or []
    found = FieldErrors()
    _subsets(subsets, found)
    if found and not (old is not None and semantic_equal(subsets, old.get("subsets") or [])):
        errs.causes.extend(found.causes)


def _fqdn(value: str, path: str, errs: FieldErrors) -> None:
    """IsFullyQualifiedDomainName."""
    name = value.lower().removesuffix(".")
    if not name:
        errs.required(path)
        return
    if msgs := is_dns1123_subdomain(name):
        errs.invalid(path, value, ",".join(msgs))
        return
    labels = name.split(".")
    if len(labels) < 2:
        errs.invalid(path, value, "should be a domain with at least two segments separated by dots")
    for label in labels:
        if msgs := is_dns1123_label(label):
            errs.invalid(path, value, ",".join(msgs))


def _slice_address(value: str, address_type: str, path: str, at: str, errs: FieldErrors) -> None:
    if address_type == "IPv4":
        if _legacy_ip(value, at, errs):
            if ":" in value:
                errs.invalid(path, value, "must be an IPv4 address")
            endpoint_ip(value, at, errs)
    elif address_type == "IPv6":
        msgs = strict_ip_errors(value)
        for msg in msgs:
            errs.invalid(at, value, msg)
        if not msgs:
            if ":" not in value:
                errs.invalid(path, value, "must be an IPv6 address")
            endpoint_ip(value, at, errs)
    elif address_type == "FQDN":
        _fqdn(value, at, errs)


def _slice_endpoints(endpoints: list[Any], address_type: str, errs: FieldErrors) -> None:
    if len(endpoints) > 1000:
        errs.too_many("endpoints", len(endpoints), 1000)
        return
    for i, endpoint in enumerate(endpoints):
        path = f"endpoints[{i}]"
        addresses = endpoint.get("addresses") or []
        if not addresses:
            errs.required(f"{path}.addresses", "must contain at least 1 address")
        elif len(addresses) > 100:
            errs.too_many(f"{path}.addresses", len(addresses), 100)
        for j, address in enumerate(addresses):
            _slice_address(address, address_type, f"{path}.addresses", f"{path}.addresses[{j}]", errs)
        if endpoint.get("nodeName") is not None:
            _node_name(endpoint["nodeName"], f"{path}.nodeName", errs)
        if endpoint.get("hostname") is not None:
            dns1123_label(endpoint["hostname"], f"{path}.hostname", errs)
        if endpoint.get("hints") is not None:
            _hints(endpoint["hints"], f"{path}.hints", errs)


def _hints(hints: Obj, path: str, errs: FieldErrors) -> None:
    for field, check in (("forZones", is_valid_label_value), ("forNodes", is_dns1123_subdomain)):
        items = hints.get(field) or []
        if len(items) > 8:
            errs.too_many(f"{path}.{field}", len(items), 8)
            return
        seen: set[str] = set()
        for i, item in enumerate(items):
            at, name = f"{path}.{field}[{i}].name", item.get("name", "")
            if name in seen:
                errs.duplicate(at, name)
            seen.add(name)
            for msg in check(name):
                errs.invalid(at, name, msg)


def validate_endpoint_slice(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    address_type = obj.get("addressType", "")
    if not address_type:
        errs.required("addressType")
    elif address_type not in _ADDRESS_TYPES:
        errs.not_supported("addressType", address_type, _ADDRESS_TYPES)
    ports = obj.get("ports") or []
    if len(ports) > 20000:
        errs.too_many("ports", len(ports), 20000)
    else:
        names: set[str] = set()  # kube searches a list (20,000 ports: 2*10^8 comparisons)
        for i, port in enumerate(ports):
            path, name = f"ports[{i}]", port.get("name", "")
            if name:
                dns1123_label(name, f"{path}.name", errs)
            if name in names:
                errs.duplicate(f"{path}.name", name)
            else:
                names.add(name)
            _protocol(port.get("protocol"), f"{path}.protocol", errs)
            if port.get("appProtocol") is not None:
                qualified_name(port["appProtocol"], f"{path}.appProtocol", errs)
    endpoints = obj.get("endpoints") or []
    found = FieldErrors()
    _slice_endpoints(endpoints, address_type, found)
    if found and not (old is not None and semantic_equal(endpoints, old.get("endpoints") or [])):
        errs.causes.extend(found.causes)
    if old is not None:
        immutable(address_type, old.get("addressType", ""), "addressType", errs)
