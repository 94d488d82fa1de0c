"""A Service's cluster IPs and IP families (pkg/apis/core/validation ValidateServiceClusterIPsRelatedFields, run by
the service storage's allocator, and the allocator's own checks against the cluster's service CIDRs in
pkg/registry/core/service/storage/alloc.go initIPFamilyFields). kube makes them before the rest of the
validation, which it then never reaches: a service with such a mistake gets these errors alone. This cluster
is single-stack IPv4, as aiokube's service CIDR is.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_FAMILIES = ["IPv4", "IPv6"]
_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
_DUAL_ONLY = "must be 'RequireDualStack' or 'PreferDualStack' when multiple {} are specified"
#: the families this cluster has service CIDRs for
CONFIGURED = ("IPv4",)


def _cluster_ips(spec: Obj) -> tuple[str, list[str]]:
    """clusterIP and clusterIPs, the latter filled from the former as the v1 conversion does (not the reverse)."""
    ips = [ip for ip in f.list_at(spec, "clusterIPs") if isinstance(ip, str)]
    cluster_ip = spec.get("clusterIP") or ""
    if not ips and cluster_ip:
        ips = [cluster_ip]
    return cluster_ip, ips


def _family_of(ip: str) -> str:
    return "IPv6" if ":" in ip else "IPv4"


def _related_fields(spec: Obj, old_spec: Obj | None, errs: FieldErrors) -> None:
    """ValidateServiceClusterIPsRelatedFields."""
    cluster_ip, ips = _cluster_ips(spec)
    if cluster_ip and ips[0] != cluster_ip:
        errs.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`")
    elif not cluster_ip and ips:
        errs.invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified")
    seen: set[Any] = set()
    for i, family in enumerate(f.list_at(spec, "ipFamilies")):
        if family not in _FAMILIES:
            errs.not_supported(f"spec.ipFamilies[{i}]", family, _FAMILIES)
        if family in seen:
            errs.duplicate(f"spec.ipFamilies[{i}]", family)
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in _POLICIES:
        errs.not_supported("spec.ipFamilyPolicy", policy, _POLICIES)
    existing = _cluster_ips(old_spec)[1] if old_spec is not None else []
    invalid = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                invalid = True
                errs.invalid("spec.clusterIPs", ips, "'None' must be the first and only value")
            continue
        if ip in existing:
            continue
        for msg in f.ip_errors(ip):
            invalid = True
            errs.invalid(f"spec.clusterIPs[{i}]", ip, msg)
    if len(ips) > 2:
        errs.invalid("spec.clusterIPs", ips, "may only hold up to 2 values")
    if invalid:
        return
    if len(ips) > 1 and len({_family_of(ip) for ip in ips}) != 2:
        errs.invalid("spec.clusterIPs", ips, "may specify no more than one IP for each IP family")
    families = f.list_at(spec, "ipFamilies")
    if ips and ips[0] != "None" and families:
        for i, ip in enumerate(ips[: len(families)]):
            if families[i] == "IPv4" and _family_of(ip) == "IPv6":
                errs.invalid(f"spec.clusterIPs[{i}]", ip, f"expected an IPv4 value as indicated by `ipFamilies[{i}]`")
            if families[i] == "IPv6" and _family_of(ip) != "IPv6":
                errs.invalid(f"spec.clusterIPs[{i}]", ip, f"expected an IPv6 value as indicated by `ipFamilies[{i}]`")


def ip_family_errors(spec: Obj, old_spec: Obj | None) -> FieldErrors:
    """initIPFamilyFields' errors for a service of type other than ExternalName (none: the rest is checked)."""
    errs = FieldErrors()
    if spec.get("type") == "ExternalName":
        return errs
    _related_fields(spec, old_spec, errs)
    if errs:
        return errs
    policy = spec.get("ipFamilyPolicy") or (old_spec or {}).get("ipFamilyPolicy")
    cluster_ip, ips = _cluster_ips(spec)
    headless_selectorless = cluster_ip == "None" and not spec.get("selector")
    if not policy:
        policy = "RequireDualStack" if headless_selectorless else "SingleStack"
    families = list(f.list_at(spec, "ipFamilies"))
    if policy == "SingleStack":
        if len(ips) == 2:
            errs.invalid("spec.ipFamilyPolicy", policy, _DUAL_ONLY.format("cluster IPs"))
        if len(families) == 2:
            errs.invalid("spec.ipFamilyPolicy", policy, _DUAL_ONLY.format("IP families"))
    for i, ip in enumerate(ips):
        if ip == "None":
            break
        if i >= len(families):
            family = _family_of(ip)
            if family not in CONFIGURED:
                errs.invalid(f"spec.clusterIPs[{i}]", ips, f"{family} is not configured on this cluster")
            else:
                families.append(family)
    if errs or headless_selectorless:
        return errs
    if policy == "RequireDualStack" and len(CONFIGURED) < 2:
        errs.invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services")
    for i, family in enumerate(families):
        if family not in CONFIGURED:
            errs.invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster")
    return errs
