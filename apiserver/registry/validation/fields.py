"""Field checks kube's validators share (k8s.io/apimachinery/pkg/util/validation and the helpers at the top of
pkg/apis/core/validation), each appending kube's exact field error to a FieldErrors.

Objects here are JSON-shaped dicts in their stored version; a field that is absent has Go's zero value, which
is what kube's validators see after decoding into the internal struct.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Hashable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.quantity import Quantity, parse_quantity
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    max_len_error,
    regex_error,
    validate_labels,
)

Obj = dict[str, Any]

NEGATIVE_MSG = "must be greater than or equal to 0"
NOT_POSITIVE_MSG = "must be greater than zero"
IMMUTABLE_MSG = "field is immutable"
MAX_INT32 = 2**31 - 1
ZERO = Quantity(0, 0, "DecimalSI")

_PORT_NAME_CHARSET = re.compile(r"^[-a-z0-9]+\Z")
_ONE_LETTER = re.compile(r"[a-z]")
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY = re.compile(rf"^{_CONFIG_KEY_FMT}\Z")
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def _itself(value: Any) -> Any:
    return value


def obj_at(parent: Any, key: str) -> Obj:
    """A nested object, or {} when absent or not an object (what a nil pointer reads as)."""
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def list_at(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def go_struct(*fields: tuple[str, Any]) -> dict[str, Any]:
    """A value kube prints as its internal Go struct, which has no JSON tags: the Go field names, nil as null."""
    return dict(fields)


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def port_num_errors(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def port_name_errors(name: str) -> list[str]:
    """IsValidPortName (an IANA_SVC_NAME)."""
    errs = []
    if len(name) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARSET.match(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _ONE_LETTER.search(name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


#: every key of a map at once, one regex pass over the keys joined by newlines (a key that holds one is left to
#: the per-key check): the per-key checks of a 0.9 MB ConfigMap's 5,000 keys were ~2 ms of each of its updates
_CONFIG_KEY_LINES = re.compile(r"(?:(?!\.\.)(?!\.\n)[-._a-zA-Z0-9]{1,253}\n)*")


def config_map_keys_valid(data: dict[str, Any]) -> bool:
    """Whether config_map_key_errors finds nothing in any key of ``data`` (False also when unsure)."""
    if not data:
        return True
    joined = "\n".join(data) + "\n"
    return joined.count("\n") == len(data) and _CONFIG_KEY_LINES.fullmatch(joined) is not None


def config_map_key_errors(key: str) -> list[str]:
    """IsConfigMapKey: the keys of ConfigMap and Secret data."""
    errs = []
    if len(key) > 253:
        errs.append(max_len_error(253))
    if not _CONFIG_KEY.match(key):
        errs.append(regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if key == ".":
        errs.append("must not be '.'")
    elif key == "..":
        errs.append("must not be '..'")
    elif key.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def dns1123_label(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_dns1123_label(value):
        errs.invalid(path, value, msg)


def dns1123_subdomain(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_dns1123_subdomain(value):
        errs.invalid(path, value, msg)


_DNS1123_LABEL_UNDERSCORE_FMT = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_UNDERSCORE_FMT = f"{_DNS1123_LABEL_UNDERSCORE_FMT}(\\.{_DNS1123_LABEL_UNDERSCORE_FMT})*"
_DNS1123_SUBDOMAIN_UNDERSCORE = re.compile(f"^{_DNS1123_SUBDOMAIN_UNDERSCORE_FMT}$")
_DNS1123_SUBDOMAIN_UNDERSCORE_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', "
    "and must start and end with an alphanumeric character"
)


def dns1123_subdomain_with_underscore(value: str, path: str, errs: FieldErrors) -> None:
    """IsDNS1123SubdomainWithUnderscore (DNS search domains)."""
    if len(value) > 253:
        errs.invalid(path, value, max_len_error(253))
    if not _DNS1123_SUBDOMAIN_UNDERSCORE.match(value):
        errs.invalid(path, value, regex_error(_DNS1123_SUBDOMAIN_UNDERSCORE_MSG, _DNS1123_SUBDOMAIN_UNDERSCORE_FMT,
                                              "example.com"))  # fmt: skip


def dns1035_label(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_dns1035_label(value):
        errs.invalid(path, value, msg)


def qualified_name(value: str, path: str, errs: FieldErrors) -> None:
    for msg in is_qualified_name(value):
        errs.invalid(path, value, msg)


def duplicates(items: list[Any], path: str, errs: FieldErrors, key: Callable[[Any], Hashable] = _itself) -> None:
    """A Duplicate at ``path[i]`` for each item whose key an earlier item had (kube's loops over a set)."""
    seen: set[Hashable] = set()
    for i, item in enumerate(items):
        k = key(item)
        if k in seen:
            errs.duplicate(f"{path}[{i}]", k)
        seen.add(k)


def nonnegative(value: Any, path: str, errs: FieldErrors) -> None:
    """ValidateNonnegativeField."""
    if isinstance(value, int) and value < 0:
        errs.invalid(path, value, NEGATIVE_MSG)


def immutable(new: Any, old: Any, path: str, errs: FieldErrors) -> None:
    """ValidateImmutableField (kube compares semantically; absent and zero are the same)."""
    if (new or None) != (old or None):
        errs.invalid(path, new, IMMUTABLE_MSG)


def enum(value: Any, path: str, supported: list[str], errs: FieldErrors, *, required: bool = True) -> None:
    """The switch kube writes for an enum: Required when empty, NotSupported (values as kube lists them)."""
    if not value:
        if required:
            errs.required(path)
    elif value not in supported:
        errs.not_supported(path, value, supported)


def quantity(value: Any) -> Quantity | None:
    return parse_quantity(value) if value is not None else None


def nonnegative_quantity(value: Any, path: str, errs: FieldErrors) -> None:
    q = quantity(value)
    if q is not None and q.cmp(ZERO) < 0:
        errs.invalid(path, str(q), NEGATIVE_MSG)


def positive_quantity(value: Any, path: str, errs: FieldErrors) -> None:
    q = quantity(value)
    if q is not None and q.cmp(ZERO) <= 0:
        errs.invalid(path, str(q), NOT_POSITIVE_MSG)


def port_num_or_name(value: Any, path: str, errs: FieldErrors) -> None:
    """ValidatePortNumOrName (an IntOrString)."""
    if isinstance(value, int):
        for msg in port_num_errors(value):
            errs.invalid(path, value, msg)
    elif isinstance(value, str):
        for msg in port_name_errors(value):
            errs.invalid(path, value, msg)


# --- label selectors ----------------------------------------------------------------------------------------


def label_selector(selector: Obj | None, path: str, errs: FieldErrors, *, strict_values: bool = True) -> None:
    """metav1validation.ValidateLabelSelector."""
    if not isinstance(selector, dict):
        return
    validate_labels(selector.get("matchLabels") or {}, f"{path}.matchLabels", errs)
    for i, expr in enumerate(list_at(selector, "matchExpressions")):
        epath = f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator", ""), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.required(f"{epath}.values", "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.forbidden(f"{epath}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        else:
            errs.invalid(f"{epath}.operator", op, "not a valid selector operator")
        qualified_name(expr.get("key", ""), f"{epath}.key", errs)
        if strict_values:
            for j, value in enumerate(values):
                for msg in is_valid_label_value(value):
                    errs.invalid(f"{epath}.values[{j}]", value, msg)


def selector_values_valid(selector: Obj | None) -> bool:
    """Not LabelSelectorHasInvalidLabelValue: every matchExpressions value is a valid label value."""
    for expr in list_at(selector, "matchExpressions"):
        for value in list_at(expr, "values"):
            if not isinstance(value, str) or is_valid_label_value(value):
                return False
    return True


def selector_is_empty(selector: Obj | None) -> bool:
    return not (selector or {}).get("matchLabels") and not (selector or {}).get("matchExpressions")


def selector_is_valid(selector: Obj | None) -> bool:
    """LabelSelectorAsSelector succeeds (a nil selector converts to one that matches nothing)."""
    errs = FieldErrors()
    label_selector(selector, "", errs)
    return not errs


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """labels.Selector.Matches for a metav1.LabelSelector (a valid, non-nil one)."""
    sel = selector or {}
    for key, value in (sel.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in sel.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


# --- IntOrString percentages (apps validation, shared with PodDisruptionBudgets) -----------------------------

_PERCENT = re.compile(r"^[0-9]+%\Z")
_PERCENT_MSG = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)


def int_or_percent(value: Any, path: str, errs: FieldErrors) -> int:
    """ValidatePositiveIntOrPercent; returns the value (a percentage's number) for the later checks."""
    if isinstance(value, str):
        if not _PERCENT.match(value):
            errs.invalid(path, value, _PERCENT_MSG)
            return 0
        return int(value[:-1])
    if isinstance(value, int):
        nonnegative(value, path, errs)
        return value
    return 0


def not_over_100(value: Any, path: str, errs: FieldErrors) -> None:
    if isinstance(value, str) and _PERCENT.match(value) and int(value[:-1]) > 100:
        errs.invalid(path, value, "must not be greater than 100%")


# --- IPs and CIDRs (k8s.io/apimachinery/pkg/util/validation/ip.go, StrictIPCIDRValidation on in 1.36) ---------

IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
_OCTETS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def sloppy_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """netutils.ParseIPSloppy: Go's old parser, which reads IPv4 octets with leading zeros as decimal (and knows
    no IPv6 zones)."""
    if "%" in value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        pass
    if _OCTETS.match(value):
        try:
            return ipaddress.ip_address(".".join(str(int(octet)) for octet in value.split(".")))
        except ValueError:
            return None
    return None


def ip_errors(value: str) -> list[str]:
    """IsValidIPForLegacyField's messages (strict)."""
    ip = sloppy_ip(value)
    if ip is None:
        return [IP_MSG]
    out = []
    try:
        ipaddress.ip_address(value)
    except ValueError:
        out.append("must not have leading 0s")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        out.append("must not be an IPv4-mapped IPv6 address")
    return out


def strict_ip_errors(value: str) -> list[str]:
    """IsValidIP (new fields): valid, and in canonical form."""
    out = ip_errors(value)
    if not out and str(ipaddress.ip_address(value)) != value:
        out.append(f'must be in canonical form ("{ipaddress.ip_address(value)}")')
    return out


def strict_cidr_errors(value: str) -> list[str]:
    """IsValidCIDR (new fields): valid, and in canonical form."""
    out = cidr_errors(value)
    if not out and str(cidr_network(value)) != value:
        out.append(f'must be in canonical form ("{cidr_network(value)}")')
    return out


def cidr_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """netutils.ParseCIDRSloppy's network, or None."""
    ip_text, slash, bits = value.partition("/")
    ip = sloppy_ip(ip_text)
    if not slash or ip is None or not bits.isdigit() or int(bits) > ip.max_prefixlen:
        return None
    return ipaddress.ip_network(f"{ip}/{int(bits)}", strict=False)


def cidr_errors(value: str) -> list[str]:
    """IsValidCIDRForLegacyField's messages (strict)."""
    network = cidr_network(value)
    if network is None:
        return [CIDR_MSG]
    ip_text, _, bits = value.partition("/")
    try:
        ip = ipaddress.ip_address(ip_text)
    except ValueError:
        return ["must not have leading 0s in IP or prefix length"]
    if bits != str(int(bits)):
        return ["must not have leading 0s in IP or prefix length"]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ["must not have an IPv4-mapped IPv6 address"]
    if ip != network.network_address:
        return ["must not have bits set beyond the prefix length"]
    return []


# --- metav1.Condition (k8s.io/apimachinery/pkg/apis/meta/v1/validation ValidateConditions) -------------------

_CONDITION_STATUSES = ["False", "True", "Unknown"]
_REASON_FMT = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?"
_REASON = re.compile(f"^{_REASON_FMT}$")
_REASON_EXAMPLES = ("my_name", "MY_NAME", "MyName", "ReasonA,ReasonB", "ReasonA:ReasonB")
_REASON_MSG = (
    "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric "
    "characters or '_,:', and must end with an alphanumeric character or '_'"
)


def conditions(items: list[Any], path: str, errs: FieldErrors) -> None:
    """ValidateConditions: unique types, each a qualified name; a known status; a non-negative observed
    generation; a transition time; a reason of the right form; bounded lengths."""
    seen: set[Any] = set()
    for i, condition in enumerate(items):
        if not isinstance(condition, dict):
            continue
        cpath = f"{path}[{i}]"
        kind = condition.get("type", "")
        if kind in seen:
            errs.duplicate(f"{cpath}.type", kind)
        seen.add(kind)
        qualified_name(kind, f"{cpath}.type", errs)
        status = condition.get("status", "")
        if status not in _CONDITION_STATUSES:
            errs.not_supported(f"{cpath}.status", status, _CONDITION_STATUSES)
        generation = condition.get("observedGeneration", 0)
        if isinstance(generation, int) and generation < 0:
            errs.invalid(f"{cpath}.observedGeneration", generation, "must be greater than or equal to zero")
        if not condition.get("lastTransitionTime"):
            errs.required(f"{cpath}.lastTransitionTime")
        reason = condition.get("reason", "")
        if not reason:
            errs.required(f"{cpath}.reason")
        else:
            if not _REASON.match(reason):
                errs.invalid(f"{cpath}.reason", reason, regex_error(_REASON_MSG, _REASON_FMT, *_REASON_EXAMPLES))
            if len(reason) > 1024:
                errs.too_long(f"{cpath}.reason", 1024)
        if len(condition.get("message", "")) > 32 * 1024:
            errs.too_long(f"{cpath}.message", 32 * 1024)


def csi_driver_name(name: str, path: str, errs: FieldErrors) -> None:
    """ValidateCSIDriverName: CSI drivers, attachers and DRA drivers share it — required, at most 63 bytes, a DNS
    subdomain once lower-cased (the value printed as given)."""
    if not name:
        errs.required(path)
        return
    if len(name) > 63:
        errs.too_long(path, 63)
    for msg in is_dns1123_subdomain(name.lower()):
        errs.invalid(path, name, msg)


def _absent(value: Any) -> bool:
    return value is None or value == [] or value == {}


def semantic_equal(new: Any, old: Any) -> bool:
    """apiequality.Semantic.DeepEqual on JSON values, as ValidateImmutableField compares: an absent, null or
    empty list or map is the same as another."""
    if _absent(new) and _absent(old):
        return True
    if isinstance(new, dict) and isinstance(old, dict):
        keys = {k for k, v in new.items() if not _absent(v)} | {k for k, v in old.items() if not _absent(v)}
        return all(semantic_equal(new.get(k), old.get(k)) for k in keys)
    if isinstance(new, list) and isinstance(old, list):
        return len(new) == len(old) and all(semantic_equal(a, b) for a, b in zip(new, old, strict=True))
    return bool(new == old and type(new) is type(old))


# --- resource quantities ------------------------------------------------------------------------------------

#: helper.integerResources: measured in whole units (extended resources too)
_INTEGER_RESOURCES = frozenset((
    "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
))  # fmt: skip


def is_native_resource(name: str) -> bool:
    """helper.IsNativeResource: unprefixed, or in kubernetes.io/."""
    return "/" not in name or "kubernetes.io/" in name


def is_extended_resource(name: str) -> bool:
    """helper.IsExtendedResourceName."""
    if is_native_resource(name) or name.startswith("requests."):
        return False
    return not is_qualified_name(f"requests.{name}")


def _milli_value(q: Quantity) -> int:
    """Quantity.MilliValue: rounded up."""
    shift = q.scale + 3
    return q.unscaled * 10**shift if shift >= 0 else -(-q.unscaled // 10**-shift)


def resource_quantity_value(name: str, value: Any, path: str, errs: FieldErrors) -> None:
    """ValidateResourceQuantityValue: not negative; whole for the integer resources. kube prints the second
    error's value as the Quantity's JSON (a quoted string)."""
    q = quantity(value)
    if q is None:
        return
    if q.cmp(ZERO) < 0:
        errs.invalid(path, str(q), NEGATIVE_MSG)
    if (name in _INTEGER_RESOURCES or is_extended_resource(name)) and _milli_value(q) % 1000:
        errs.invalid(path, str(q), "must be an integer")
