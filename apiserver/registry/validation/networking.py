"""networking.k8s.io Ingress, IngressClass and NetworkPolicy (pkg/apis/networking/validation): an Ingress needs
rules or a default backend, each backend one service (with a port name or number) or resource, each path a
type and an absolute path; an IngressClass a controller, which never changes; a NetworkPolicy valid selectors,
ports and policy types."""

from __future__ import annotations

import ipaddress
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import corestatus
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1123_subdomain,
    is_valid_path_segment_name,
    regex_error,
)

Obj = dict[str, Any]

_PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")
_WILDCARD_FMT = "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_WILDCARD_MSG = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of "
    "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
)


def _backend(backend: Obj, path: str, errs: FieldErrors) -> None:
    """validateIngressBackend."""
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        errs.invalid(path, "", "cannot set both resource and service backends")
    elif resource is not None:
        for key in ("kind", "name"):
            if not resource.get(key):
                errs.required(f"{path}.resource.{key}")
    elif service is not None:
        name = service.get("name", "")
        if not name:
            errs.required(f"{path}.service.name")
        else:
            f.dns1123_label(name, f"{path}.service.name", errs)  # RelaxedServiceNameValidation is on
        port = f.obj_at(service, "port")
        port_name, number = port.get("name", ""), port.get("number", 0)
        if port_name and number:
            errs.invalid(path, "", "cannot set both port name & port number")
        elif port_name:
            for msg in f.port_name_errors(port_name):
                errs.invalid(f"{path}.service.port.name", port_name, msg)
        elif number:
            for msg in f.port_num_errors(number):
                errs.invalid(f"{path}.service.port.number", number, msg)
        else:
            errs.required(path, "port name or number is required")
    else:
        errs.invalid(path, "", "resource or service backend is required")


def _http_path(item: Obj, path: str, errs: FieldErrors) -> None:
    kind, value = item.get("pathType"), item.get("path", "")
    if kind is None:
        errs.required(f"{path}.pathType", "pathType must be specified")
        return
    if kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.invalid(f"{path}.path", value, "must be an absolute path")
        for seq in _INVALID_PATH_SEQUENCES if value else ():
            if seq in value:
                errs.invalid(f"{path}.path", value, f"must not contain '{seq}'")
        for suffix in _INVALID_PATH_SUFFIXES if value else ():
            if value.endswith(suffix):
                errs.invalid(f"{path}.path", value, f"cannot end with '{suffix}'")
    elif kind == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.invalid(f"{path}.path", value, "must be an absolute path")
    else:
        errs.not_supported(f"{path}.pathType", kind, _PATH_TYPES)
    _backend(f.obj_at(item, "backend"), f"{path}.backend", errs)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def validate_ingress(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateIngressSpec."""
    spec = f.obj_at(obj, "spec")
    rules = f.list_at(spec, "rules")
    if not rules and spec.get("defaultBackend") is None:
        errs.invalid("spec", rules or None, "either `defaultBackend` or `rules` must be specified")
    if spec.get("defaultBackend") is not None:
        _backend(spec["defaultBackend"], "spec.defaultBackend", errs)
    for i, rule in enumerate(rules):
        rpath = f"spec.rules[{i}]"
        host = rule.get("host", "")
        if host:
            if _is_ip(host):
                errs.invalid(f"{rpath}.host", host, "must be a DNS name, not an IP address")
            if "*" in host:
                if not (host.startswith("*.") and not is_dns1123_subdomain(host[2:])):
                    errs.invalid(f"{rpath}.host", host, regex_error(_WILDCARD_MSG, _WILDCARD_FMT, "*.example.com"))
            else:
                f.dns1123_subdomain(host, f"{rpath}.host", errs)
        http = rule.get("http")
        if http is not None:
            paths = f.list_at(http, "paths")
            if not paths:
                errs.required(f"{rpath}.http.paths")
            for j, item in enumerate(paths):
                _http_path(item, f"{rpath}.http.paths[{j}]", errs)
    if spec.get("ingressClassName") is not None:
        f.dns1123_subdomain(spec["ingressClassName"], "spec.ingressClassName", errs)


def validate_ingress_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateIngressClass(Update): a domain-prefixed controller path (immutable)."""
    spec = f.obj_at(obj, "spec")
    controller = spec.get("controller", "")
    if old is not None:
        f.immutable(controller, f.obj_at(old, "spec").get("controller", ""), "spec.controller", errs)
    if len(controller) > 250:
        errs.too_long("spec.controller", 250)
    if not controller:
        errs.required("spec.controller")
        return
    prefix, _, rest = controller.partition("/")
    if not rest:
        errs.invalid("spec.controller", controller, 'must be a domain-prefixed path (such as "acme.io/foo")')
    else:
        f.dns1123_subdomain(prefix, "spec.controller", errs)


def _np_port(port: Obj, path: str, errs: FieldErrors) -> None:
    """ValidateNetworkPolicyPort."""
    protocol = port.get("protocol")
    if protocol is not None and protocol not in ("TCP", "UDP", "SCTP"):
        errs.not_supported(f"{path}.protocol", protocol, ["TCP", "UDP", "SCTP"])
    number, end = port.get("port"), port.get("endPort")
    if isinstance(number, int):
        for msg in f.port_num_errors(number):
            errs.invalid(f"{path}.port", number, msg)
        if end is not None:
            if end < number:
                errs.invalid(f"{path}.endPort", number, "must be greater than or equal to `port`")
            for msg in f.port_num_errors(end):
                errs.invalid(f"{path}.endPort", end, msg)
    elif isinstance(number, str):
        if end is not None:
            errs.invalid(f"{path}.endPort", end, "may not be specified when `port` is non-numeric")
        for msg in f.port_name_errors(number):
            errs.invalid(f"{path}.port", number, msg)
    elif end is not None:
        errs.invalid(f"{path}.endPort", end, "may not be specified when `port` is not specified")


def validate_network_policy(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateNetworkPolicySpec: selectors, ports, policy types."""
    spec = f.obj_at(obj, "spec")
    f.label_selector(f.obj_at(spec, "podSelector"), "spec.podSelector", errs)
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(f.list_at(spec, direction)):
            rpath = f"spec.{direction}[{i}]"
            for j, port in enumerate(f.list_at(rule, "ports")):
                _np_port(port, f"{rpath}.ports[{j}]", errs)
            for j, peer in enumerate(f.list_at(rule, peers)):
                for key in ("podSelector", "namespaceSelector"):
                    if peer.get(key) is not None:
                        f.label_selector(peer[key], f"{rpath}.{peers}[{j}].{key}", errs)
    types = f.list_at(spec, "policyTypes")
    if len(types) > 2:
        errs.invalid("spec.policyTypes", types, "may not specify more than two policyTypes")
        return
    for i, kind in enumerate(types):
        if kind not in ("Ingress", "Egress"):
            errs.not_supported(f"spec.policyTypes[{i}]", kind, ["Ingress", "Egress"])


def validate_ingress_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateIngressStatusUpdate: each load balancer ingress point's new IP valid, its hostname a DNS name."""
    old_ips = corestatus.load_balancer_ips(f.obj_at(old, "status"))
    ingresses = f.list_at(f.obj_at(f.obj_at(obj, "status"), "loadBalancer"), "ingress")
    corestatus.load_balancer_ingress(ingresses, old_ips, "status.loadBalancer.ingress", errs, ip_mode=False)


# --- IPAddress and ServiceCIDR (the Service IP allocator's objects) ------------------------------------------


def validate_ip_address(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateIPAddress: named by its address (canonical: ValidateIPAddressName, checked here since the name rule
    needs the IP parser), and a parent reference that cannot change."""
    name = obj["metadata"].get("name", "")
    if name:
        for msg in f.strict_ip_errors(name):
            errs.invalid("metadata.name", name, msg)
    parent = (obj.get("spec") or {}).get("parentRef")
    if old is not None:
        old_parent = (old.get("spec") or {}).get("parentRef")
        if parent != old_parent:
            errs.invalid("spec.parentRef", _go_parent(parent), f.IMMUTABLE_MSG)
        return
    if parent is None:
        errs.required("spec.parentRef")
        return
    path = "spec.parentRef"
    if parent.get("group"):
        for msg in is_dns1123_subdomain(parent["group"]):
            errs.invalid(f"{path}.group", parent["group"], msg)
    for key, required in (("resource", True), ("name", True), ("namespace", False)):
        value = parent.get(key, "")
        if not value:
            if required:
                errs.required(f"{path}.{key}")
            continue
        for msg in is_valid_path_segment_name(value):
            errs.invalid(f"{path}.{key}", value, msg)


def _go_parent(parent: Obj | None) -> Any:
    """A ParentReference as kube prints it (the internal struct, no JSON tags)."""
    if parent is None:
        return None
    return f.go_struct(*((k.capitalize(), parent.get(k, "")) for k in ("group", "resource", "namespace", "name")))


_CIDRS = "spec.cidrs"


def _service_cidr_spec(cidrs: list[Any], errs: FieldErrors) -> None:
    if not cidrs:
        errs.required(_CIDRS, "at least one CIDR required")
        return
    if len(cidrs) > 2:
        errs.invalid(_CIDRS, f.go_struct(("CIDRs", cidrs)), "may only hold up to 2 values")
        return
    for i, cidr in enumerate(cidrs):
        for msg in f.strict_cidr_errors(cidr):
            errs.invalid(f"{_CIDRS}[{i}]", cidr, msg)
    families = [_cidr_family(c) for c in cidrs]
    if len(cidrs) == 2 and families[0] == families[1] and families[0] is not None:
        errs.invalid(
            _CIDRS, cidrs, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"
        )


def _cidr_family(cidr: Any) -> int | None:
    network = f.cidr_network(cidr) if isinstance(cidr, str) else None
    return None if network is None else network.version


def validate_service_cidr(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateServiceCIDR / ValidateServiceCIDRUpdate: one or two CIDRs, one per family; an update may only add
    the second family's."""
    cidrs = (obj.get("spec") or {}).get("cidrs") or []
    if old is None:
        _service_cidr_spec(cidrs, errs)
        return
    old_cidrs = (old.get("spec") or {}).get("cidrs") or []
    if len(old_cidrs) == len(cidrs):
        for i, (was, now) in enumerate(zip(old_cidrs, cidrs, strict=True)):
            if was != now:
                errs.invalid(f"{_CIDRS}[{i}]", now, f.IMMUTABLE_MSG)
    elif len(old_cidrs) == 1 and len(cidrs) == 2:
        if cidrs[0] != old_cidrs[0]:
            errs.invalid(f"{_CIDRS}[0]", cidrs[0], f.IMMUTABLE_MSG)
        _service_cidr_spec(cidrs, errs)
    else:
        errs.invalid(_CIDRS, cidrs, f.IMMUTABLE_MSG)
