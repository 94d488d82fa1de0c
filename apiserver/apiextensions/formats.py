"""String formats of CRD schemas (kube-openapi ``pkg/validation/strfmt`` ``Default`` registry).

Restricted to the formats kube 1.36 supports in CRDs (``apiextensions-apiserver`` ``apiserver/validation``
``supportedFormats``); unknown formats are ignored by the validator. Each check approximates the Go
function strfmt calls (``net.ParseIP``, ``url.ParseRequestURI``, ``mail.ParseAddress``…) closely enough
that kube's accepted and rejected values agree.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from datetime import date

_SUPPORTED_FORMATS = {
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4",
    "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password",
    "date", "duration", "datetime", "k8s-short-name", "k8s-long-name",
}  # fmt: skip
SUPPORTED_FORMATS_NORMALIZED = {f.replace("-", "") for f in _SUPPORTED_FORMATS}

_RX_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RX_DATETIME_TIME = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))\Z")
_RX_UUID = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z")
_RX_UUID3 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z")
_RX_UUID4 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z")
_RX_UUID5 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z")
_RX_HOSTNAME = re.compile(
    r"^([a-zA-Z0-9]((-?[a-zA-Z0-9]{0,62})?)|([a-zA-Z0-9](([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.)){1,}([a-zA-Z]){2,63})\Z"
)
_RX_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_C255 = r"\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*"
_RX_RGBCOLOR = re.compile(rf"^rgb\({_C255},{_C255},{_C255}\)\Z")
_RX_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})\Z")
_RX_SSN = re.compile(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}\Z")
_RX_CREDITCARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
    r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})$"
)
_RX_SHORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_RX_LONG_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_RX_MAC = re.compile(
    r"^(?:[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2}"
    r"(?:(?:\1[0-9A-Fa-f]{2}){12})?)?|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2}(?:\.[0-9A-Fa-f]{4}(?:(?:\.[0-9A-Fa-f]{4}){6})?)?)$"
)
_RX_EMAIL_ADDR = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+\Z")
_RX_GO_DURATION = re.compile(r"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+\Z")
_RX_SCALA_DURATION = re.compile(r"(([0-9]+)\s*([A-Za-zµ]+))")
_TIME_UNITS = [
    ["ns", "nano"], ["us", "µs", "micro"], ["ms", "milli"], ["s", "sec"], ["m", "min"], ["h", "hr", "hour"],
    ["d", "day"], ["w", "wk", "week"],
]  # fmt: skip


def _is_date(s: str) -> bool:
    m = _RX_DATE.fullmatch(s)
    if not m:
        return False
    try:
        date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def _is_datetime(s: str) -> bool:
    if len(s) < 4:
        return False
    parts = s.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    m = _RX_DATETIME_TIME.match(parts[1])
    return bool(m) and m[1] <= "23" and m[2] <= "59" and m[3] <= "59"


def _parse_ipv4_sloppy(s: str) -> bool:
    parts = s.split(".")
    if len(parts) != 4:
        return False
    return all(p.isdigit() and p.isascii() and len(p) <= 3 and int(p) <= 255 for p in parts)


def _parse_ip(s: str, sloppy: bool) -> bool:
    """net.ParseIP (sloppy: netutils.ParseIPSloppy, which allows leading zeros in IPv4 octets)."""
    if "%" in s:
        return False
    if ":" not in s:
        if sloppy:
            return _parse_ipv4_sloppy(s)
        try:
            ipaddress.IPv4Address(s)
        except ValueError:
            return False
        return True
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


def _is_cidr(s: str) -> bool:
    addr, sep, bits = s.partition("/")
    if not sep or not bits.isdigit() or not bits.isascii() or not _parse_ip(addr, sloppy=True):
        return False
    return int(bits) <= (128 if ":" in addr else 32)


def _is_hostname(s: str) -> bool:
    # Go's pattern also allows \p{S} and \p{L}: map those runes to ASCII stand-ins of the same length.
    mapped = []
    for ch in s:
        if ch.isascii() and (ch.isalnum() or ch in "-."):
            mapped.append(ch)
        elif unicodedata.category(ch).startswith("L"):
            mapped.append("a")
        elif unicodedata.category(ch).startswith("S"):
            mapped.append("0")
        else:
            mapped.append("_")
    if not _RX_HOSTNAME.match("".join(mapped)):
        return False
    raw = s.encode()
    return len(raw) <= 255 and all(len(p) <= 63 for p in raw.split(b"."))


def _is_uri(s: str) -> bool:
    """url.ParseRequestURI, approximately: an absolute URI or an absolute path, no control characters."""
    if not s or any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        return False
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        return False
    if s.startswith("/"):
        return True
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", s))


def _is_email(s: str) -> bool:
    """net/mail.ParseAddress, approximately: ``addr`` or ``Name <addr>``."""
    m = re.fullmatch(r"\s*(?:[^<>]*<([^<>]+)>|([^<>\s]+))\s*", s)
    if not m:
        return False
    return bool(_RX_EMAIL_ADDR.match(m[1] or m[2]))


def _is_duration(s: str) -> bool:
    if s == "0" or _RX_GO_DURATION.match(s):
        return True
    for m in _RX_SCALA_DURATION.finditer(s):
        unit = m[3].strip().lower()
        for variants in _TIME_UNITS:
            last = len(variants) - 1
            for i, variant in enumerate(variants):
                if (i == last and unit.startswith(variant)) or variant.lower() == unit:
                    return True
    return False


def _is_isbn(s: str, version: int) -> bool:
    d = re.sub(r"[\s-]+", "", s)
    if version == 10:
        if not re.fullmatch(r"[0-9]{9}X|[0-9]{10}", d):
            return False
        total = sum((i + 1) * int(d[i]) for i in range(9)) + 10 * (10 if d[9] == "X" else int(d[9]))
        return total % 11 == 0
    if version == 13:
        if not re.fullmatch(r"[0-9]{13}", d):
            return False
        total = sum((1, 3)[i % 2] * int(d[i]) for i in range(12))
        return int(d[12]) == (10 - total % 10) % 10
    return _is_isbn(s, 10) or _is_isbn(s, 13)


def _is_creditcard(s: str) -> bool:
    d = re.sub(r"[^0-9]+", "", s)
    if not _RX_CREDITCARD.match(d):
        return False
    total, double = 0, False
    for ch in reversed(d):
        n = int(ch)
        if double:
            n *= 2
            total += n % 10 + 1 if n >= 10 else n
        else:
            total += n
        double = not double
    return total % 10 == 0


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "uri": _is_uri,
    "email": _is_email,
    "hostname": _is_hostname,
    "ipv4": lambda s: _parse_ip(s, sloppy=True) and "." in s,
    "ipv6": lambda s: _parse_ip(s, sloppy=False) and ":" in s,
    "cidr": _is_cidr,
    "mac": lambda s: bool(_RX_MAC.match(s)),
    "uuid": lambda s: bool(_RX_UUID.match(s)),
    "uuid3": lambda s: bool(_RX_UUID3.match(s)),
    "uuid4": lambda s: bool(_RX_UUID4.match(s)),
    "uuid5": lambda s: bool(_RX_UUID5.match(s)),
    "isbn": lambda s: _is_isbn(s, 0),
    "isbn10": lambda s: _is_isbn(s, 10),
    "isbn13": lambda s: _is_isbn(s, 13),
    "creditcard": _is_creditcard,
    "ssn": lambda s: len(s) == 11 and bool(_RX_SSN.match(s)),
    "hexcolor": lambda s: bool(_RX_HEXCOLOR.match(s)),
    "rgbcolor": lambda s: bool(_RX_RGBCOLOR.match(s)),
    "byte": lambda s: bool(_RX_BASE64.match(s)),
    "password": lambda s: True,
    "date": _is_date,
    "duration": _is_duration,
    "datetime": _is_datetime,
    "k8sshortname": lambda s: len(s) <= 63 and bool(_RX_SHORT_NAME.match(s)),
    "k8slongname": lambda s: len(s) <= 253 and bool(_RX_LONG_NAME.match(s)),
}
