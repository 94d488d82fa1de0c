"""Warnings for IP and CIDR values in non-standard forms (apimachinery's GetWarningsForIP/GetWarningsForCIDR),
on fields validated with the legacy (sloppy) parsers: the values passed validation, so they parse; what is
left to say is that they are written other than Go prints them."""

from __future__ import annotations

import ipaddress

from aiokube.apiserver.registry.validation.fields import cidr_network, sloppy_ip


def _strict(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """netip.ParseAddr: no leading zeros in IPv4 octets, no zones."""
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _go_string(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """net.IP.String(): an IPv4-mapped IPv6 address prints as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def ip_warnings(path: str, value: str) -> list[str]:
    ip = sloppy_ip(value)
    if ip is None:
        return []
    addr = _strict(value)
    if addr is None or (isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None):
        return [f'{path}: non-standard IP address "{value}" is invalid: use "{_go_string(ip)}"']
    if isinstance(addr, ipaddress.IPv6Address) and str(addr) != value:
        return [f'{path}: IPv6 address "{value}" should be in RFC 5952 canonical format ("{addr}")']
    return []


def cidr_warnings(path: str, value: str) -> list[str]:
    network = cidr_network(value)
    if network is None:
        return []
    ip_text, _, bits = value.partition("/")
    ip = sloppy_ip(ip_text)
    assert ip is not None
    warnings = []
    if ip != network.network_address:
        warnings.append(
            f'{path}: CIDR value "{value}" is ambiguous in this context (should be "{network}" or '
            f'"{_go_string(ip)}/{network.max_prefixlen}"?)'
        )
    addr = _strict(ip_text)
    if addr is None or bits != str(int(bits)) or (isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped):
        warnings.append(f'{path}: non-standard CIDR value "{value}" is invalid: use "{network}"')
    elif not warnings and isinstance(addr, ipaddress.IPv6Address) and f"{addr}/{bits}" != value:
        warnings.append(f'{path}: IPv6 CIDR value "{value}" should be in RFC 5952 canonical format ("{addr}/{bits}")')
    return warnings
