"""Custom resources against their CRD's structural OpenAPI v3 schema, and the CRD object itself.

What kube-apiserver 1.36's apiextensions-apiserver does, as pure functions on JSON dicts:

- :func:`prune` — the decoder's schema coercion (``apiserver/customresource_handler.go``
  ``unstructuredSchemaCoercer.apply``): structural pruning (``schema/pruning/algorithm.go``), dropping
  non-nullable nulls without default (``schema/defaulting/prunenulls.go``) and coercing the ObjectMeta of
  embedded resources (``schema/objectmeta/coerce.go``). Returns the ``unknown field "…"`` paths.
- :func:`apply_defaults` — ``schema/defaulting/algorithm.go``.
- :func:`validate` — what the custom resource strategy checks on create (``registry/customresource``):
  kube-openapi's schema validator (``k8s.io/kube-openapi/pkg/validation/validate`` with its ``errors``
  texts) turned into field errors by ``apiserver/validation/validation.go``
  ``kubeOpenAPIResultToFieldErrors``, then embedded resources (``schema/objectmeta/validation.go``), then
  ``x-kubernetes-list-type`` set/map uniqueness (``schema/listtype/validation.go``).
- :func:`validate_crd` — ``apis/apiextensions/validation/validation.go`` on a v1 CRD after v1 defaulting,
  conversion to the internal version and the strategy's PrepareForCreate, as kube runs it.
- :func:`printer_cells` — ``registry/customresource/tableconvertor`` with client-go's JSONPath.

Values in messages are rendered as Go renders them (``%v`` floats, ``%q`` strings, ``encoding/json``), so
causes match kube byte for byte. Go map iteration is random in kube; here properties follow the order of
the schema or the object, so kube's output for several errors may list them in another order.
"""

from __future__ import annotations

import copy
import math
import re
import struct
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.golang import go_quote, human_duration
from aiokube.apiserver.registry import validation as metavalidation
from aiokube.encoding import typed

Obj = dict[str, Any]
Schema = dict[str, Any]

_OBJECT_META = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_META_FIELDS = ("apiVersion", "kind", "metadata")

# --------------------------------------------------------------------------------------------------------
# Go value rendering (fmt %v / %q, strconv, encoding/json): field.Error bodies must match kube's bytes.
# --------------------------------------------------------------------------------------------------------


def _float_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip digits of abs(f) and the decimal point position (strconv's digs.d / digs.dp)."""
    t = Decimal(repr(abs(f))).as_tuple()
    ds = "".join(map(str, t.digits))
    dp = len(ds) + int(t.exponent)
    stripped = ds.lstrip("0")
    dp -= len(ds) - len(stripped)
    return stripped.rstrip("0") or "0", dp


def _fmt_e(neg: bool, ds: str, dp: int) -> str:
    exp = dp - 1
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{'-' if neg else ''}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(neg: bool, ds: str, dp: int) -> str:
    if dp <= 0:
        body = "0." + "0" * -dp + ds
    elif dp >= len(ds):
        body = ds + "0" * (dp - len(ds))
    else:
        body = ds[:dp] + "." + ds[dp:]
    return ("-" if neg else "") + body


def _special_float(f: float) -> str | None:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    return None


def go_float(f: float) -> str:
    """fmt's ``%v`` of a float64: strconv 'g' with the shortest digits (``1e+06``, ``1.5``, ``3``)."""
    special = _special_float(f)
    if special is not None:
        return special
    ds, dp = _float_digits(f)
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(f < 0, ds, dp)
    return _fmt_f(f < 0, ds, dp)


def _go_float_f(f: float) -> str:
    """strconv.FormatFloat(f, 'f', -1, 64) (swag.FormatFloat64)."""
    special = _special_float(f)
    if special is not None:
        return special
    ds, dp = _float_digits(f)
    return _fmt_f(f < 0, ds, dp)


def _go_json_float(f: float) -> str:
    """encoding/json's float64: 'f' unless tiny or huge, then 'e' with ``e-7`` not ``e-07``."""
    special = _special_float(f)
    if special is not None:
        return special
    a = abs(f)
    ds, dp = _float_digits(f)
    if a < 1e-6 or a >= 1e21:
        out = _fmt_e(f < 0, ds, dp)
        return re.sub(r"e-0(\d)$", r"e-\1", out)
    return _fmt_f(f < 0, ds, dp)


_GO_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_printable(ch: str) -> bool:
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


def _go_json_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append(_GO_SHORT_ESCAPES[ch])
        elif o < 0x20 or ch in "<>&\u2028\u2029":
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(v: Any) -> str:
    """json.Marshal of a decoded JSON value: sorted keys, Go's float form and HTML escaping."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_json_float(v)
    if isinstance(v, str):
        return _go_json_str(v)
    if isinstance(v, dict):
        return "{" + ",".join(f"{_go_json_str(str(k))}:{go_json(v[k])}" for k in sorted(v, key=str)) + "}"
    if isinstance(v, list | tuple):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    if isinstance(v, _GoJSON):
        return v.raw
    raise TypeError(f"not a JSON value: {type(v).__name__}")


class _GoJSON:
    """Pre-rendered Go JSON (for Go structs without json tags, whose fields keep Go order)."""

    __slots__ = ("raw",)

    def __init__(self, raw: str) -> None:
        self.raw = raw


def _bad_value(v: Any) -> str:
    """field.Error.ErrorBody's BadValue: ints/floats/bools with %v, strings with %q, the rest as JSON."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    return go_json(v)


# field.ErrorList constructors (k8s.io/apimachinery/pkg/util/validation/field/errors.go)


def _with_detail(s: str, detail: str) -> str:
    return f"{s}: {detail}" if detail else s


def _invalid(fld: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", fld, _with_detail(f"Invalid value: {_bad_value(value)}", detail))


def _type_invalid(fld: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueTypeInvalid", fld, _with_detail(f"Invalid value: {_bad_value(value)}", detail))


def _required(fld: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", fld, _with_detail("Required value", detail))


def _forbidden(fld: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", fld, _with_detail("Forbidden", detail))


def _not_supported(fld: str, value: Any, valid: list[str]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return Cause("FieldValueNotSupported", fld, _with_detail(f"Unsupported value: {_bad_value(value)}", detail))


def _duplicate(fld: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", fld, f"Duplicate value: {_bad_value(value)}")


def _too_long(fld: str, max_len: int) -> Cause:
    if max_len >= 0:
        detail = f"may not be more than {max_len} {'byte' if max_len == 1 else 'bytes'}"
    else:
        detail = "value is too long"
    return Cause("FieldValueTooLong", fld, f"Too long: {detail}")


def _too_many(fld: str, actual: int, max_n: int) -> Cause:
    detail = f"must have at most {max_n} {'item' if max_n == 1 else 'items'}" if max_n >= 0 else "has too many items"
    head = f"Too many: {actual}" if actual >= 0 else "Too many"
    return Cause("FieldValueTooMany", fld, f"{head}: {detail}")


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _key(path: str, k: str) -> str:
    return f"{path}[{k}]"


# --------------------------------------------------------------------------------------------------------
# Schema access: the v1 JSONSchemaProps dict seen as kube's structural schema.
# --------------------------------------------------------------------------------------------------------


def _props(s: Schema | None) -> dict[str, Schema]:
    return (s or {}).get("properties") or {}


def _ap(s: Schema | None) -> tuple[bool, Schema | None]:
    """additionalProperties as (set, schema): ``true``/``false`` set it without a schema."""
    ap = (s or {}).get("additionalProperties")
    if ap is None:
        return False, None
    if isinstance(ap, dict):
        return True, ap
    return True, None


def _items(s: Schema | None) -> Schema | None:
    it = (s or {}).get("items")
    return it if isinstance(it, dict) else None


def _preserve(s: Schema | None) -> bool:
    return bool(s and s.get("x-kubernetes-preserve-unknown-fields") is True)


def _embedded(s: Schema | None) -> bool:
    return bool(s and s.get("x-kubernetes-embedded-resource") is True)


def _nullable(s: Schema | None) -> bool:
    return bool(s and s.get("nullable") is True)


def _default(s: Schema | None) -> Any:
    return (s or {}).get("default")


# --------------------------------------------------------------------------------------------------------
# Pruning and null dropping (schema/pruning/algorithm.go, schema/defaulting/prunenulls.go).
# --------------------------------------------------------------------------------------------------------


class _Pruner:
    def __init__(self) -> None:
        self.unknown: list[str] = []

    @staticmethod
    def _k(parent: str, key: str) -> str:
        return f"{parent}.{key}" if parent else key

    def prune(self, x: Any, s: Schema | None, path: str, embedded: bool = False) -> None:
        if _preserve(s):
            self.skip(x, s, path, embedded)
            return
        if isinstance(x, dict):
            if s is None:
                for k in list(x):
                    self.unknown.append(self._k(path, k))
                    del x[k]
                return
            props = _props(s)
            has_ap, ap = _ap(s)
            emb = embedded or _embedded(s)
            for k in list(x):
                if emb and k in _META_FIELDS:
                    continue
                if k in props:
                    self.prune(x[k], props[k], self._k(path, k))
                elif has_ap:
                    self.prune(x[k], ap, self._k(path, k))
                else:
                    if k not in _META_FIELDS or path:
                        self.unknown.append(self._k(path, k))
                    del x[k]
        elif isinstance(x, list):
            items = _items(s)
            for i, v in enumerate(x):
                self.prune(v, items, f"{path}[{i}]")

    def skip(self, x: Any, s: Schema | None, path: str, embedded: bool = False) -> None:
        if s is None:
            return
        if isinstance(x, dict):
            props = _props(s)
            has_ap, ap = _ap(s)
            emb = embedded or _embedded(s)
            for k in list(x):
                if emb and k in _META_FIELDS:
                    continue
                if k in props:
                    self.prune(x[k], props[k], self._k(path, k))
                elif has_ap:
                    self.prune(x[k], ap, self._k(path, k))
        elif isinstance(x, list):
            items = _items(s)
            for i, v in enumerate(x):
                self.skip(v, items, f"{path}[{i}]")


def _field_schema(k: str, s: Schema | None) -> Schema | None:
    if s is None:
        return None
    props = _props(s)
    if k in props:
        return props[k]
    return _ap(s)[1]


def _drop_nulls(x: Any, s: Schema | None) -> None:
    """PruneNonNullableNullsWithoutDefaults: such nulls are what Go's typed decoding would drop."""
    if isinstance(x, dict):
        for k in list(x):
            sub = _field_schema(k, s)
            if x[k] is None and sub is not None and not _nullable(sub) and _default(sub) is None:
                del x[k]
            else:
                _drop_nulls(x[k], sub)
    elif isinstance(x, list):
        items = _items(s)
        for v in x:
            _drop_nulls(v, items)


def _coerce_embedded(x: Any, s: Schema | None, path: str, unknown: list[str]) -> None:
    """objectmeta.Coerce below the root: embedded ObjectMeta is decoded as Go's, unknown fields dropped."""
    if s is None:
        return
    if isinstance(x, dict):
        if _embedded(s) and isinstance(x.get("metadata"), dict):
            meta = x["metadata"]
            try:
                bad = typed.check(meta, _OBJECT_META)
            except typed.TypedError:
                bad = None  # left alone: validate() reports it as kube's strategy would
            if bad is not None:
                prefix = _child(path, "metadata")
                unknown.extend(f"{prefix}.{p}" for p in bad)
                canon = typed.canonical(meta, _OBJECT_META)
                if canon.get("creationTimestamp") is None:
                    canon.pop("creationTimestamp", None)
                x["metadata"] = canon
        props = _props(s)
        has_ap, ap = _ap(s)
        for k, v in x.items():
            if k in props:
                _coerce_embedded(v, props[k], _child(path, k), unknown)
            elif has_ap:
                _coerce_embedded(v, ap, _key(path, k), unknown)
    elif isinstance(x, list):
        items = _items(s)
        for i, v in enumerate(x):
            _coerce_embedded(v, items, _index(path, i), unknown)


def prune(obj: Obj, schema: Schema | None, *, drop_nulls: bool = True) -> list[str]:
    """Remove what the schema does not specify, in place, as kube's decoder does; return the pruned paths.

    The root's apiVersion, kind and metadata are never pruned (the root is treated as an embedded
    resource). The paths are what kube reports as ``unknown field "<path>"`` (warnings, or 400 with
    ``fieldValidation=Strict``): pruned fields sorted, then unknown ObjectMeta fields of embedded resources.
    With ``drop_nulls`` (kube always does it) nulls of non-nullable fields without a default go too.
    """
    pruner = _Pruner()
    pruner.prune(obj, schema if schema is not None else {}, "", embedded=True)
    if drop_nulls:
        _drop_nulls(obj, schema)
    meta_unknown: list[str] = []
    _coerce_embedded(obj, schema, "", meta_unknown)
    return sorted(pruner.unknown) + sorted(meta_unknown)


# --------------------------------------------------------------------------------------------------------
# Defaulting (schema/defaulting/algorithm.go).
# --------------------------------------------------------------------------------------------------------


def _is_non_nullable_null(x: Any, s: Schema | None) -> bool:
    return x is None and s is not None and not _nullable(s)


def apply_defaults(obj: Any, schema: Schema | None) -> None:
    """Set ``default:`` values in place: missing fields, and nulls where null is not allowed.

    Recurses through properties, additionalProperties and items, so defaults inside list items and map
    values apply too; defaults are deep-copied so objects never share them.
    """
    if schema is None:
        return
    if isinstance(obj, dict):
        props = _props(schema)
        for k, prop in props.items():
            dflt = _default(prop)
            if dflt is None:
                continue
            if k not in obj or _is_non_nullable_null(obj[k], prop):
                obj[k] = copy.deepcopy(dflt)
        has_ap, ap = _ap(schema)
        for k in list(obj):
            if k in props:
                apply_defaults(obj[k], props[k])
            elif has_ap:
                if _is_non_nullable_null(obj[k], ap):
                    obj[k] = copy.deepcopy(_default(ap))
                apply_defaults(obj[k], ap)
    elif isinstance(obj, list):
        items = _items(schema)
        for i in range(len(obj)):
            if _is_non_nullable_null(obj[i], items):
                obj[i] = copy.deepcopy(_default(items))
            apply_defaults(obj[i], items)


# --------------------------------------------------------------------------------------------------------
# String formats (kube-openapi strfmt.Default, restricted to what CRDs support in 1.36).
# --------------------------------------------------------------------------------------------------------

_SUPPORTED_FORMATS = {
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4",
    "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password",
    "date", "duration", "datetime", "k8s-short-name", "k8s-long-name",
}  # fmt: skip
_SUPPORTED_NORMALIZED = {f.replace("-", "") for f in _SUPPORTED_FORMATS}

_RX_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RX_DATETIME_TIME = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
_RX_UUID = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_RX_UUID3 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_RX_UUID4 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
_RX_UUID5 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
_RX_HOSTNAME = re.compile(
    r"^([a-zA-Z0-9]((-?[a-zA-Z0-9]{0,62})?)|([a-zA-Z0-9](([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.)){1,}([a-zA-Z]){2,63})$"
)
_RX_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_C255 = r"\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*"
_RX_RGBCOLOR = re.compile(rf"^rgb\({_C255},{_C255},{_C255}\)$")
_RX_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
_RX_SSN = re.compile(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}$")
_RX_CREDITCARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
    r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})$"
)
_RX_SHORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_RX_LONG_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RX_MAC = re.compile(
    r"^(?:[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2}"
    r"(?:(?:\1[0-9A-Fa-f]{2}){12})?)?|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2}(?:\.[0-9A-Fa-f]{4}(?:(?:\.[0-9A-Fa-f]{4}){6})?)?)$"
)
_RX_EMAIL_ADDR = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$")
_RX_GO_DURATION = re.compile(r"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$")
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
    import ipaddress

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


_FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
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


# --------------------------------------------------------------------------------------------------------
# Go regexp (RE2) patterns in Python's re.
# --------------------------------------------------------------------------------------------------------

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}  # fmt: skip


class _Untranslatable(Exception):
    """A Go regexp construct Python's re cannot express (\\p{…} Unicode classes)."""


def _go_regexp_to_python(pattern: str) -> str:
    r"""Translate RE2 syntax: ``$`` is end of text (``\Z``), ``\z``, POSIX ``[[:alpha:]]`` classes."""
    multiline = bool(re.search(r"\(\?[a-zA-Z]*m", pattern))
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP":
                raise _Untranslatable(pattern)
            out.append("\\Z" if nxt == "z" and not in_class else pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            m = re.match(r"\[:(\^?)([a-z]+):\]", pattern[i:])
            if m and m[2] in _POSIX_CLASSES:
                if m[1]:
                    raise _Untranslatable(pattern)
                out.append(_POSIX_CLASSES[m[2]])
                i += len(m[0])
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("\\]")
                i += 1
        elif ch == "$" and not multiline:
            out.append("\\Z")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_REGEX_CACHE: dict[str, re.Pattern[str] | Exception] = {}


def _compile_go_regexp(pattern: str) -> re.Pattern[str]:
    """Compile a Go pattern; raises _Untranslatable or re.error (Go's semantics: \\d \\w \\s are ASCII)."""
    cached = _REGEX_CACHE.get(pattern)
    if cached is None:
        try:
            cached = re.compile(_go_regexp_to_python(pattern), re.ASCII)
        except (re.error, _Untranslatable) as exc:
            cached = exc
        _REGEX_CACHE[pattern] = cached
    if isinstance(cached, Exception):
        raise cached
    return cached


def _go_regexp_error(pattern: str, exc: re.error) -> str:
    """Go's regexp.Compile message for the commonest mistakes; Python's wording otherwise."""
    msg = exc.msg
    if msg.startswith("missing ), unterminated subpattern"):
        return f"error parsing regexp: missing closing ): `{pattern}`"
    if msg.startswith("unbalanced parenthesis"):
        return f"error parsing regexp: unexpected ): `{pattern}`"
    if msg.startswith("unterminated character set"):
        return f"error parsing regexp: missing closing ]: `{pattern[exc.pos or 0 :]}`"
    if msg.startswith("nothing to repeat") or msg.startswith("multiple repeat"):
        pos = exc.pos or 0
        return f"error parsing regexp: missing argument to repetition operator: `{pattern[pos : pos + 1]}`"
    if msg.startswith("bad escape"):
        pos = exc.pos or 0
        return f"error parsing regexp: invalid escape sequence: `{pattern[pos : pos + 2]}`"
    return f"error parsing regexp: {msg}: `{pattern}`"


# --------------------------------------------------------------------------------------------------------
# kube-openapi's SchemaValidator (validate/schema.go and friends) and its error texts (errors/schema.go).
# --------------------------------------------------------------------------------------------------------

# error codes of k8s.io/kube-openapi/pkg/validation/errors, plus "plain" for errors that are not a
# *errors.Validation (composite anyOf/allOf messages, numeric range checks)
_TYPE, _REQUIRED, _TOO_LONG, _TOO_SHORT, _PATTERN, _ENUM = "type", "required", "tooLong", "tooShort", "pattern", "enum"
_MULTIPLE, _MAX, _MIN, _UNIQUE, _MAX_ITEMS, _MIN_ITEMS = "multipleOf", "max", "min", "unique", "maxItems", "minItems"
_FEW_PROPS, _MANY_PROPS, _UNALLOWED, _MULTIPLE_POS, _PLAIN = "fewProps", "manyProps", "unallowed", "multPos", "plain"


class _VErr:
    __slots__ = ("code", "message", "name", "valid", "value", "values")

    def __init__(
        self,
        code: str,
        name: str,
        message: str,
        value: Any = None,
        valid: Any = None,
        values: list[Any] | None = None,
    ) -> None:
        self.code, self.name, self.message = code, name, message
        self.value, self.valid, self.values = value, valid, values


class _Result:
    """validate.Result: errors kept unique by message, and the match count anyOf/oneOf choose by."""

    __slots__ = ("errors", "match")

    def __init__(self) -> None:
        self.errors: list[_VErr] = []
        self.match = 0

    def add(self, *errs: _VErr | None) -> None:
        for e in errs:
            if e is not None and all(e.message != seen.message for seen in self.errors):
                self.errors.append(e)

    def merge(self, *others: _Result | None) -> _Result:
        for other in others:
            if other is not None:
                self.add(*other.errors)
                self.match += other.match
        return self

    @property
    def valid(self) -> bool:
        return not self.errors


def _err_result(e: _VErr) -> _Result:
    r = _Result()
    r.errors.append(e)
    return r


def _e_invalid_type(path: str, type_name: str, value: str) -> _VErr:
    return _VErr(_TYPE, path, f"{path} in body must be of type {type_name}: {go_quote(value)}", value=value)


def _e_required(path: str) -> _VErr:
    return _VErr(_REQUIRED, path, f"{path} in body is required")


def _go_v(v: Any) -> str:
    """fmt %v of a JSON value (Go prints maps as map[k:v] and slices as [a b])."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool | int | float):
        return _bad_value(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "[" + " ".join(_go_v(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_v(v[k])}" for k in sorted(v)) + "]"
    return str(v)


def _json_kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _strict_equal(a: Any, b: Any) -> bool:
    """reflect.DeepEqual on decoded JSON: int64 and float64 differ, as do bools and numbers."""
    ka, kb = _json_kind(a), _json_kind(b)
    if ka != kb:
        return False
    if ka == "array":
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if ka == "object":
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _enum_match(data: Any, enum_value: Any) -> bool:
    """basicCommonValidator: DeepEqual after reflect's Convert to the enum value's type."""
    ke, kd = _json_kind(enum_value), _json_kind(data)
    if ke == "null" or kd == "null":
        return False
    if ke == "string":
        if kd == "string":
            return bool(data == enum_value)
        if kd == "int":  # reflect converts an integer to the UTF-8 of that rune ("\ufffd" when invalid)
            valid = 0 <= data <= 0x10FFFF and not 0xD800 <= data <= 0xDFFF
            return (chr(data) if valid else "\ufffd") == enum_value
        return False
    if ke == "int":
        if kd == "int":
            return bool(data == enum_value)
        if kd == "float":
            return math.isfinite(data) and int(data) == enum_value
        return False
    if ke == "float":
        if kd in ("int", "float"):
            return float(data) == enum_value
        return False
    if ke == "bool":
        return kd == "bool" and data == enum_value
    return _strict_equal(data, enum_value)


def _oa_types(s: Schema) -> list[str]:
    """ConvertJSONSchemaProps: x-kubernetes-int-or-string becomes type [integer, string]."""
    if s.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    t = s.get("type") or ""
    return [t] if t else []


def _oa_format(s: Schema, types: list[str]) -> str:
    """StripUnsupportedFormatsPostProcessorForVersion(1.36): unknown formats are ignored."""
    f = s.get("format") or ""
    if not f:
        return ""
    st = types[0] if len(types) == 1 else ""
    if st in ("", "string"):
        return f if f.replace("-", "") in _SUPPORTED_NORMALIZED else ""
    if st == "integer":
        return f if f in ("int32", "int64") else ""
    if st == "number":
        return f if f in ("float", "double") else ""
    return ""


def _is_json_integer(f: float) -> bool:
    """swag.IsFloat64AJSONInteger."""
    if math.isnan(f) or math.isinf(f) or abs(f) > float((1 << 53) - 1):
        return False
    g = float(math.trunc(f))
    if f == g:
        return True
    diff = abs(f - g)
    if g == 0:
        return diff < 1e-9 * 5e-324
    return diff / min(abs(f) + abs(g), 1.7976931348623157e308) < 1e-9


def _range_error(val: int | float, type_name: str, fmt: str, prefix: str, path: str) -> _VErr | None:
    """IsValueValidAgainstRange: does the number fit the type/format (checked on its decimal text)?"""
    rep = str(val) if isinstance(val, int) else _go_float_f(val)
    bad = False
    if type_name == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", rep):
            bad = True
        else:
            n = int(rep)
            bits = 32 if fmt == "int32" else 64
            bad = not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1)
    elif fmt in ("float", "float32"):
        try:
            struct.pack("f", float(rep))
        except OverflowError:
            bad = True
    if not bad:
        return None
    if fmt:
        msg = f"{prefix} value must be of type {type_name} with format {fmt} in {path}"
    else:
        msg = f"{prefix} value must be of type {type_name} (default format) in {path}"
    return _VErr(_PLAIN, "", msg)


def _num_v(v: int | float) -> str:
    return str(v) if isinstance(v, int) else go_float(v)


def _go_int(f: float) -> int:
    """Go's float64 → int64 conversion (truncation)."""
    return math.trunc(f) if math.isfinite(f) else 0


class _Validator:
    """One validate.SchemaValidator run; ``s`` is a v1 JSONSchemaProps dict."""

    def validate(self, s: Schema | None, data: Any, path: str) -> _Result:
        res = _Result()
        if s is None:
            return res
        types = _oa_types(s)
        fmt = _oa_format(s, types)
        type_applies = bool(types) or bool(fmt)
        if data is None:
            if type_applies:
                res.merge(self._type(types, _nullable(s), fmt, path, data))
            res.merge(self._common(s, data, path))
            return res
        kind = _json_kind(data)
        steps: list[Callable[[], _Result | None]] = []
        if type_applies:
            steps.append(lambda: self._type(types, _nullable(s), fmt, path, data))
        steps.append(lambda: self._schema_props(s, data, path))
        if kind == "string":
            steps.append(lambda: self._string(s, data, path))
            if fmt and fmt.replace("-", "") in _FORMAT_CHECKS:
                steps.append(lambda: self._format(fmt, data, path))
        if kind in ("int", "float"):
            steps.append(lambda: self._number(s, types, fmt, data, path))
        if kind == "array":
            steps.append(lambda: self._slice(s, data, path))
        steps.append(lambda: self._common(s, data, path))
        if kind == "object":
            steps.append(lambda: self._object(s, data, path))
        for step in steps:
            res.merge(step())
            res.match += 1
        res.match += 1
        return res

    @staticmethod
    def _type(types: list[str], nullable: bool, fmt: str, path: str, data: Any) -> _Result:
        r = _Result()
        r.match += 1
        if data is None:
            if types and "null" not in types and not nullable:
                return _err_result(_e_invalid_type(path, ",".join(types), "null"))
            return r
        kind = _json_kind(data)
        sch_type, dformat = {
            "bool": ("boolean", ""),
            "string": ("string", ""),
            "int": ("integer", "int64"),
            "float": ("number", "float64"),
            "array": ("array", ""),
            "object": ("object", ""),
        }[kind]
        is_float_int = sch_type == "number" and _is_json_integer(data) and "integer" in types
        is_int_float = sch_type == "integer" and "number" in types
        ok = sch_type in types or is_float_int or is_int_float
        if kind not in ("string", "array") and fmt and not (ok or dformat == fmt):
            return _err_result(_e_invalid_type(path, fmt, dformat))
        if not ("number" in types or "integer" in types) and fmt and kind in ("string", "array"):
            return r
        if not ok:
            return _err_result(_e_invalid_type(path, ",".join(types), sch_type))
        return r

    def _schema_props(self, s: Schema, data: Any, path: str) -> _Result:
        """allOf / anyOf / oneOf / not (schema_props.go)."""
        main = _Result()
        any_of = s.get("anyOf") or []
        if any_of:
            best: _Result | None = None
            first_ok: _Result | None = None
            succeeded = False
            for sub in any_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    best, succeeded = None, True
                    first_ok = first_ok or r
                    break
                if best is None or r.match > best.match:
                    best = r
            if not succeeded:
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate at least one schema (anyOf)"))
            main.merge(best if best is not None else first_ok)
        one_of = s.get("oneOf") or []
        if one_of:
            best = first_ok = None
            validated = 0
            for sub in one_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    validated += 1
                    best = None
                    first_ok = first_ok or r
                    continue
                if validated == 0 and (best is None or r.match > best.match):
                    best = r
            if validated != 1:
                extra = "Found none valid" if validated == 0 else f"Found {validated} valid alternatives"
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate one and only one schema (oneOf). {extra}"))
                main.merge(best)
            else:
                main.merge(first_ok)
        all_of = s.get("allOf") or []
        if all_of:
            validated = 0
            for sub in all_of:
                r = self.validate(sub, data, path)
                if r.valid:
                    validated += 1
                main.merge(r)
            if validated != len(all_of):
                extra = ". None validated" if validated == 0 else ""
                main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must validate all the schemas (allOf){extra}"))
        if isinstance(s.get("not"), dict) and self.validate(s["not"], data, path).valid:
            main.add(_VErr(_PLAIN, "", f"{go_quote(path)} must not validate the schema (not)"))
        main.match += 1
        return main

    @staticmethod
    def _string(s: Schema, data: str, path: str) -> _Result | None:
        n = len(data)  # utf8.RuneCount
        max_len, min_len, pattern = s.get("maxLength"), s.get("minLength"), s.get("pattern") or ""
        if max_len is not None and n > max_len:
            msg = f"{path} in body should be at most {max_len} chars long"
            return _err_result(_VErr(_TOO_LONG, path, msg, value=data, valid=max_len))
        if min_len is not None and n < min_len:
            msg = f"{path} in body should be at least {min_len} chars long"
            return _err_result(_VErr(_TOO_SHORT, path, msg, value=data, valid=min_len))
        if pattern:
            try:
                rx = _compile_go_regexp(pattern)
            except _Untranslatable:
                return None  # a Go-only construct: the value cannot be checked here
            except re.error as exc:
                shown = f"{pattern}, but pattern is invalid: {_go_regexp_error(pattern, exc)}"
                return _err_result(_VErr(_PATTERN, path, f"{path} in body should match '{shown}'", value=data))
            if not rx.search(data):
                return _err_result(_VErr(_PATTERN, path, f"{path} in body should match '{pattern}'", value=data))
        return None

    @staticmethod
    def _format(fmt: str, data: str, path: str) -> _Result | None:
        if _FORMAT_CHECKS[fmt.replace("-", "")](data):
            return None
        return _err_result(_e_invalid_type(path, fmt, data))

    @staticmethod
    def _number(s: Schema, types: list[str], fmt: str, data: int | float, path: str) -> _Result:
        """numberValidator: range of the format, then multipleOf, minimum, maximum."""
        type_name = num_fmt = ""
        if len(types) == 1 and types[0] in ("integer", "number"):
            type_name = types[0]
            if (type_name == "integer" and fmt in ("int32", "int64")) or (
                type_name == "number" and fmt in ("float", "double")
            ):
                num_fmt = fmt
        res = _Result()
        res.add(_range_error(data, type_name, num_fmt, "Checked", path))
        as_float = float(data)
        is_int = isinstance(data, int)
        r_mult, r_min, r_max = _Result(), _Result(), _Result()

        factor = s.get("multipleOf")
        if factor is not None:
            r_mult.add(_range_error(factor, type_name, num_fmt, "MultipleOf", path))
            native = r_mult.valid
            if native and is_int:
                f_int = _go_int(float(factor))
                if f_int <= 0:
                    r_mult.add(_multiple_positive(path, f_int))
                elif data % f_int != 0:
                    r_mult.add(_VErr(_MULTIPLE, path, f"{path} in body should be a multiple of {f_int}", value=data))
            else:
                f = float(factor)
                if f <= 0:
                    r_mult.add(_multiple_positive(path, f))
                else:
                    mult = 1 / f * as_float if f < 1 else as_float / f
                    if not _is_json_integer(mult):
                        msg = f"{path} in body should be a multiple of {go_float(f)}"
                        r_mult.add(_VErr(_MULTIPLE, path, msg, value=as_float if not native else data))

        for key, excl_key, r, is_max in (
            ("maximum", "exclusiveMaximum", r_max, True),
            ("minimum", "exclusiveMinimum", r_min, False),
        ):
            bound = s.get(key)
            if bound is None:
                continue
            excl = bool(s.get(excl_key))
            label = "Maximum boundary" if is_max else "Minimum boundary"
            r.add(_range_error(bound, type_name, num_fmt, label, path))
            if r.valid and is_int:
                b_int = _go_int(float(bound))
                failed = (
                    (data >= b_int if excl else data > b_int) if is_max else (data <= b_int if excl else data < b_int)
                )
                shown, value = str(b_int), data
            else:
                b = float(bound)
                failed = (
                    (as_float >= b if excl else as_float > b) if is_max else (as_float <= b if excl else as_float < b)
                )
                shown, value = go_float(b), (data if r.valid else as_float)
            if failed:
                if is_max:
                    word = "less than" if excl else "less than or equal to"
                else:
                    word = "greater than" if excl else "greater than or equal to"
                r.add(_VErr(_MAX if is_max else _MIN, path, f"{path} in body should be {word} {shown}", value=value))
        res.merge(r_mult, r_min, r_max)
        res.match += 1
        return res

    def _slice(self, s: Schema, data: list[Any], path: str) -> _Result:
        res = _Result()
        items = _items(s)
        if items is not None:
            for i, v in enumerate(data):
                res.merge(self.validate(items, v, f"{path}[{i}]"))
        size = len(data)
        min_items, max_items = s.get("minItems"), s.get("maxItems")
        if min_items is not None and size < min_items:
            msg = f"{path} in body should have at least {min_items} items"
            res.add(_VErr(_MIN_ITEMS, path, msg, value=size, valid=min_items))
        if max_items is not None and size > max_items:
            msg = f"{path} in body should have at most {max_items} items"
            res.add(_VErr(_MAX_ITEMS, path, msg, value=size, valid=max_items))
        if s.get("uniqueItems"):
            seen: list[Any] = []
            for v in data:
                if any(_strict_equal(v, u) for u in seen):
                    res.add(_VErr(_UNIQUE, path, f"{path} in body shouldn't contain duplicates"))
                    break
                seen.append(v)
        res.match += 1
        return res

    @staticmethod
    def _common(s: Schema, data: Any, path: str) -> _Result | None:
        enum = s.get("enum")
        if not enum:
            return None
        if any(_enum_match(data, e) for e in enum):
            return None
        msg = f"{path} in body should be one of {_go_v(enum)}"
        return _err_result(_VErr(_ENUM, path, msg, value=data, values=list(enum)))

    def _object(self, s: Schema, data: Obj, path: str) -> _Result:
        res = _Result()
        n = len(data)
        min_p, max_p = s.get("minProperties"), s.get("maxProperties")
        if min_p is not None and n < min_p:
            msg = f"{path} in body should have at least {min_p} properties"
            res.add(_VErr(_FEW_PROPS, path, msg, value=n, valid=min_p))
        if max_p is not None and n > max_p:
            msg = f"{path} in body should have at most {max_p} properties"
            res.add(_VErr(_MANY_PROPS, path, msg, value=n, valid=max_p))
        props = _props(s)
        ap = s.get("additionalProperties")
        if ap is False:
            for k in data:
                if k not in props:
                    res.add(_VErr(_UNALLOWED, path, f"{path}.{k} in body is a forbidden property", value=k))
        elif isinstance(ap, dict):
            for k, v in data.items():
                if k not in props:
                    res.merge(self.validate(ap, v, f"{path}.{k}"))
        for name, sub in props.items():
            if name in data:
                res.merge(self.validate(sub, data[name], f"{path}.{name}" if path else name))
        for k in s.get("required") or []:
            if k not in data:
                res.add(_e_required(f"{path}.{k}"))
        return res


def _multiple_positive(path: str, factor: int | float) -> _VErr:
    return _VErr(
        _MULTIPLE_POS, path, f"factor MultipleOf declared for {path} must be positive: {_num_v(factor)}", value=factor
    )


def _to_causes(fld_path: str | None, result: _Result) -> list[Cause]:
    """kubeOpenAPIResultToFieldErrors (apiserver/validation/validation.go).

    ``fld_path`` None is Go's nil *field.Path, which renders as ``<nil>`` when an error has no name of its own
    (the composite anyOf/allOf messages and numeric range checks).
    """
    nil_path = "<nil>" if fld_path is None else fld_path
    out: list[Cause] = []
    for e in result.errors:
        if e.code == _PLAIN:
            out.append(_invalid(nil_path, "", e.message))
            continue
        err_path = nil_path
        if e.name and e.name != ".":
            err_path = _child(fld_path or "", e.name.removeprefix("."))
        value = e.value if e.value is not None else ""
        if e.code == _REQUIRED:
            out.append(_required(err_path))
        elif e.code == _ENUM:
            values = [v if isinstance(v, str) else go_json(v) for v in e.values or []]
            out.append(_not_supported(err_path, e.value, values))
        elif e.code == _TOO_LONG:
            out.append(_too_long(err_path, e.valid))
        elif e.code in (_MAX_ITEMS, _MANY_PROPS):
            out.append(_too_many(err_path, e.value, e.valid))
        elif e.code == _TYPE:
            out.append(_type_invalid(err_path, value, e.message))
        else:
            out.append(_invalid(err_path, value, e.message))
    return out


def validate_value(value: Any, schema: Schema | None, fld_path: str | None = None) -> list[Cause]:
    """ValidateCustomResource: kube-openapi validation of ``value``, errors under ``fld_path``.

    ``fld_path`` is None (Go's nil path) for a whole object, ``"status"`` for the status subresource (called
    with the status value and the status schema) and ``<schema path>.default`` when kube checks CRD defaults.
    """
    if schema is None:
        return []
    return _to_causes(fld_path, _Validator().validate(schema, value, ""))


# --------------------------------------------------------------------------------------------------------
# Embedded resources (schema/objectmeta/validation.go) and list-type invariants (schema/listtype).
# --------------------------------------------------------------------------------------------------------


def _object_meta_error(meta: Any) -> str | None:
    """The encoding/json error of decoding ``meta`` into metav1.ObjectMeta, if any."""
    if meta is None:
        return None
    if not isinstance(meta, dict):
        kind = {"bool": "bool", "int": "number", "float": "number", "string": "string", "array": "array"}
        return f"json: cannot unmarshal {kind[_json_kind(meta)]} into Go value of type v1.ObjectMeta"
    try:
        typed.check(meta, _OBJECT_META)
    except typed.TypedError as exc:
        return exc.message
    return None


def _validate_object_meta(meta: Obj, path: str) -> list[Cause]:
    """ValidateObjectMeta with path-segment names, as for embedded resources, rooted at ``path``."""
    errs = FieldErrors()
    meta = dict(meta)
    if not meta.get("name"):
        meta["name"] = "fakename"
    metavalidation.validate_object_meta(
        meta,
        namespaced=bool(meta.get("namespace")),
        name_validator=metavalidation.name_is_path_segment,
        errs=errs,
    )
    out = []
    for c in errs.causes:
        rest = c.field.removeprefix("metadata")
        out.append(Cause(c.type, path + rest, c.body))
    return out


def _validate_embedded_resource(path: str, x: Obj) -> list[Cause]:
    errs: list[Cause] = []
    if "apiVersion" not in x:
        errs.append(_required(_child(path, "apiVersion")))
    if "kind" not in x:
        errs.append(_required(_child(path, "kind")))
    for k, v in x.items():
        if k == "apiVersion":
            p = _child(path, "apiVersion")
            if not isinstance(v, str):
                errs.append(_invalid(p, v, "must be a string"))
            elif not v:
                errs.append(_invalid(p, v, "must not be empty"))
            elif v != "/" and v.count("/") > 1:
                errs.append(_invalid(p, v, f"unexpected GroupVersion string: {v}"))
        elif k == "kind":
            p = _child(path, "kind")
            if not isinstance(v, str):
                errs.append(_invalid(p, v, "must be a string"))
            elif not v:
                errs.append(_invalid(p, v, "must not be empty"))
            elif msgs := metavalidation.is_dns1035_label(v.lower()):
                errs.append(_invalid(p, v, "may have mixed case, but should otherwise match: " + ",".join(msgs)))
        elif k == "metadata":
            p = _child(path, "metadata")
            problem = _object_meta_error(v)
            if problem is not None:
                errs.append(_invalid(p, v, problem))
            else:
                errs.extend(_validate_object_meta(v or {}, p))
    return errs


def _validate_embedded(path: str, x: Any, s: Schema | None, out: list[Cause]) -> None:
    if s is None:
        return
    if isinstance(x, dict):
        if _embedded(s):
            out.extend(_validate_embedded_resource(path, x))
        props = _props(s)
        has_ap, ap = _ap(s)
        for k, v in x.items():
            if k in props:
                _validate_embedded(_child(path, k), v, props[k], out)
            elif has_ap:
                _validate_embedded(_key(path, k), v, ap, out)
    elif isinstance(x, list):
        items = _items(s)
        for i, v in enumerate(x):
            _validate_embedded(_index(path, i), v, items, out)


class _Unspecified:
    """unspecifiedKeyValue: a list-map item without its key."""


_UNSPECIFIED = _Unspecified()


def _set_key(x: Any) -> Any:
    """Go map[interface{}] identity of a scalar; compound values compare by their JSON."""
    if isinstance(x, dict | list):
        return ("json", go_json(x))
    if x is _UNSPECIFIED:
        return ("unspecified",)
    return (_json_kind(x), x)


def _non_unique(values: list[Any]) -> list[int]:
    """validateListSet: the index of each value's second occurrence."""
    if len(values) <= 1:
        return []
    seen: dict[Any, int] = {}
    out = []
    for i, x in enumerate(values):
        k = _set_key(x)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 2:
            out.append(i)
    return out


def _validate_list_map(path: str, s: Schema, arr: list[Any]) -> list[Cause]:
    for i, x in enumerate(arr):
        if x is not None and not isinstance(x, dict):
            return [_invalid(_index(path, i), x, "must be an object for an array of list-type map")]
    if len(arr) <= 1:
        return []
    key_fields = s.get("x-kubernetes-list-map-keys") or []
    if len(key_fields) == 1:
        kf = key_fields[0]
        keys = [_UNSPECIFIED if x is None or kf not in x else x[kf] for x in arr]
        return [
            _duplicate(_index(path, i), {} if keys[i] is _UNSPECIFIED else {kf: keys[i]}) for i in _non_unique(keys)
        ]
    compound = [{} if x is None else {k: x[k] for k in key_fields if k in x} for x in arr]
    return [_duplicate(_index(path, i), compound[i]) for i in _non_unique(compound)]


def _list_value(path: str, s: Schema, v: Any, out: list[Cause]) -> None:
    if isinstance(v, list):
        lt = s.get("x-kubernetes-list-type")
        if lt == "set":
            out.extend(_duplicate(_index(path, i), v[i]) for i in _non_unique(v))
        elif lt == "map":
            out.extend(_validate_list_map(path, s, v))
        items = _items(s)
        if items is not None:
            for i, item in enumerate(v):
                _list_value(_index(path, i), items, item, out)
    elif isinstance(v, dict):
        _list_object(path, s, v, out)


def _list_object(path: str, s: Schema | None, obj: Obj | None, out: list[Cause]) -> None:
    """ValidateListSetsAndMaps."""
    if s is None or obj is None:
        return
    _, ap = _ap(s)
    if ap is not None:
        for k, v in obj.items():
            _list_value(_key(path, k), ap, v, out)
    props = _props(s)
    if props:
        for k, v in obj.items():
            if k in props:
                _list_value(_child(path, k), props[k], v, out)


def validate(obj: Obj, schema: Schema | None) -> list[Cause]:
    """The schema checks of creating a custom resource, as kube's strategy runs them.

    Schema validation, then TypeMeta/ObjectMeta of embedded resources, then list-type set/map
    uniqueness. Causes carry kube's reason, field and message (``spec.replicas: Invalid value:
    "string": spec.replicas in body must be of type integer: "string"``). The root's ObjectMeta and
    TypeMeta are validated elsewhere; x-kubernetes-validations (CEL) rules are not evaluated.
    """
    causes = validate_value(obj, schema)
    if schema is not None:
        _validate_embedded("", obj, schema, causes)
        _list_object("", schema, obj, causes)
    return causes


# --------------------------------------------------------------------------------------------------------
# Printer columns (registry/customresource/tableconvertor, client-go/util/jsonpath).
# --------------------------------------------------------------------------------------------------------


class JSONPathError(ValueError):
    """A JSONPath kube's parser or evaluator rejects."""


_FIELD_TERMINATORS = set(" \t\r\n.,[]$@{}")
_RX_SLICE = re.compile(r"^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$")


class _JP:
    """A JSONPath node: (kind, payload)."""

    __slots__ = ("a", "b", "kind", "op")

    def __init__(self, kind: str, a: Any = None, b: Any = None, op: str = "") -> None:
        self.kind, self.a, self.b, self.op = kind, a, b, op


def _parse_action(text: str) -> list[_JP]:
    """parseInsideAction over ``text`` (what lies between ``{`` and ``}``)."""
    nodes: list[_JP] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("[?(", i):
            i = _parse_filter(text, i, nodes)
            continue
        if text.startswith("..", i):
            if nodes and nodes[-1].kind == "recursive":
                raise JSONPathError("invalid multiple recursive descent")
            nodes.append(_JP("recursive"))
            i += 2
            if i < n and (text[i].isalnum() or text[i] == "_"):
                i = _parse_field(text, i, nodes)
            continue
        ch = text[i]
        if ch in "\r\n":
            raise JSONPathError("unclosed action")
        if ch in " @$":
            i += 1
        elif ch == "[":
            i = _parse_array(text, i, nodes)
        elif ch in "\"'":
            j = i + 1
            while True:
                if j >= n or text[j] == "\n":
                    raise JSONPathError("unterminated quoted string")
                if text[j] == ch and text[j - 1] != "\\":
                    break
                j += 1
            raw = text[i + 1 : j]
            nodes.append(_JP("text", re.sub(r"\\(.)", r"\1", raw)))
            i = j + 1
        elif ch == ".":
            i = _parse_field(text, i + 1, nodes)
        elif ch in "+-" or ch.isdigit():
            m = re.match(r"[+-]?[0-9.]*", text[i:])
            value = m[0] if m else ""
            try:
                nodes.append(_JP("int", int(value)))
            except ValueError:
                try:
                    nodes.append(_JP("float", float(value)))
                except ValueError:
                    raise JSONPathError(f"cannot parse number {value}") from None
            i += len(value)
        elif ch.isalnum() or ch == "_":
            j = i
            while j < n and text[j] not in _FIELD_TERMINATORS:
                j += 1
            word = text[i:j]
            nodes.append(_JP("bool", word == "true") if word in ("true", "false") else _JP("ident", word))
            i = j
        else:
            raise JSONPathError(f"unrecognized character in action: {ch!r}")
    return nodes


def _parse_field(text: str, i: int, nodes: list[_JP]) -> int:
    j = i
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] in _FIELD_TERMINATORS:
            break
        j += 1
    value = text[i:j]
    nodes.append(_JP("wildcard") if value == "*" else _JP("field", value.replace("\\", "")))
    return j


def _parse_array(text: str, i: int, nodes: list[_JP]) -> int:
    j = text.find("]", i)
    nl = text.find("\n", i)
    if j < 0 or (0 <= nl < j):
        raise JSONPathError("unterminated array")
    inner = text[i + 1 : j]
    if inner == "*":
        inner = ":"
    parts = inner.split(",")
    if len(parts) > 1:
        nodes.append(_JP("union", [_parse_action(f"[{p.strip(' ')}]") for p in parts]))
        return j + 1
    m = re.fullmatch(r"'([^']*)'", inner)
    if m:
        nodes.extend(_parse_action("." + m[1]))
        return j + 1
    m = _RX_SLICE.match(inner)
    if not m:
        raise JSONPathError(f"invalid array index {inner}")
    params: list[list[Any]] = [[False, 0, False], [False, 0, False], [False, 0, False]]  # known, value, derived
    groups = [m[1], m[2] or "", m[3] or ""]
    for k in range(3):
        g = groups[k]
        if g != "":
            if k > 0:
                g = g[1:]
            if k > 0 and g == "":
                params[k][0] = False
            else:
                try:
                    params[k] = [True, int(g), False]
                except ValueError:
                    raise JSONPathError(f"array index {g} is not a number") from None
        elif k == 1:
            params[1] = [True, params[0][1] + 1, True]
    nodes.append(_JP("array", params))
    return j + 1


def _parse_filter(text: str, i: int, nodes: list[_JP]) -> int:
    j = i + 3
    begin = end = False
    pair = ""
    while True:
        if j >= len(text) or text[j] == "\n":
            raise JSONPathError("unterminated filter")
        ch = text[j]
        j += 1
        if ch in "\"'":
            if not begin:
                begin, pair = True, ch
                continue
            if text[j - 2] != "\\" and ch == pair:
                end = True
        elif ch == ")" and begin == end:
            break
    if j >= len(text) or text[j] != "]":
        raise JSONPathError("unclosed array expect ]")
    expr = text[i + 3 : j - 1]
    m = re.match(r"^([^!<>=]+)([!<>=]+)(.+?)$", expr)
    if m is None:
        nodes.append(_JP("filter", _parse_action(expr), [], "exists"))
    else:
        nodes.append(_JP("filter", _parse_action(m[1]), _parse_action(m[3]), m[2]))
    return j + 1


def parse_jsonpath(path: str) -> list[_JP]:
    """Parse a printer column's jsonPath as kube does (``{`` + path + ``}``); ``{.a.b}`` is accepted too."""
    inner = path[1:-1] if path.startswith("{") and path.endswith("}") else path
    if "{" in inner or "}" in inner:
        raise JSONPathError(f'unrecognized column definition "{path}"')
    try:
        return _parse_action(inner)
    except JSONPathError as exc:
        raise JSONPathError(f'unrecognized column definition "{path}"') from exc


def _children(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return list(v)
    if isinstance(v, str):
        return list(v.encode())  # Go indexes the string's bytes
    return []


def _basic_kind(v: Any) -> str:
    k = _json_kind(v)
    if k in ("bool", "int", "float", "string"):
        return k
    raise JSONPathError("invalid type for comparison")


def _compare(op: str, left: Any, right: Any) -> bool:
    """The forked text/template comparisons: same basic kind or an error."""
    kl, kr = _basic_kind(left), _basic_kind(right)
    if kl != kr:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    if kl == "bool":
        raise JSONPathError("invalid type for comparison")
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    raise JSONPathError(f"unrecognized filter operator {op}")


def _walk(values: list[Any], nodes: list[_JP]) -> list[Any]:
    for node in nodes:
        values = _walk_node(values, node)
    return values


def _walk_node(values: list[Any], node: _JP) -> list[Any]:
    kind = node.kind
    if kind == "field":
        return [v[node.a] for v in values if isinstance(v, dict) and node.a in v]
    if kind in ("text", "int", "float", "bool"):
        return [node.a]
    if kind == "ident":
        raise JSONPathError(f"unrecognized identifier {node.a}")
    if kind == "wildcard":
        return [c for v in values if v is not None for c in _children(v)]
    if kind == "recursive":
        return _recursive(values)
    if kind == "union":
        return [r for sub in node.a for r in _walk(values, sub)]
    if kind == "array":
        return _array(values, node.a)
    if kind == "filter":
        return _filter(values, node)
    raise JSONPathError(f"unexpected Node {kind}")


def _recursive(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        kids = _children(v)
        if kids:
            out.append(v)
            out.extend(_recursive(kids))
    return out


def _array(values: list[Any], params: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, list):
            raise JSONPathError("is not array or slice")
        p = [list(x) for x in params]
        length = len(v)
        if not p[0][0]:
            p[0][1] = 0
        if p[0][1] < 0:
            p[0][1] += length
        if not p[1][0]:
            p[1][1] = length
        if p[1][1] < 0 or (p[1][1] == 0 and p[1][2]):
            p[1][1] += length
        start, stop = p[0][1], p[1][1]
        if stop == start:
            return out
        if start >= length or start < 0 or stop > length or stop < 0 or start > stop:
            raise JSONPathError("array index out of bounds")
        step = 1
        if p[2][0]:
            if p[2][1] <= 0:
                raise JSONPathError("step must be > 0")
            step = p[2][1]
        out.extend(v[start:stop:step])
    return out


def _filter(values: list[Any], node: _JP) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not isinstance(v, list):
            raise JSONPathError("is not array or slice and cannot be filtered")
        for item in v:
            if node.op == "exists":
                try:
                    if _walk([item], node.a):
                        out.append(item)
                except JSONPathError:
                    pass
                continue
            lefts = _walk([item], node.a)
            if not lefts:
                continue
            if len(lefts) > 1:
                raise JSONPathError("can only compare one element at a time")
            rights = _walk([item], node.b)
            if not rights:
                continue
            if len(rights) > 1:
                raise JSONPathError("can only compare one element at a time")
            if _compare(node.op, lefts[0], rights[0]):
                out.append(item)
    return out


_RX_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def _parse_rfc3339(s: str) -> datetime | None:
    m = _RX_RFC3339.fullmatch(s)
    if not m:
        return None
    frac = (m[7] or ".")[1:][:6].ljust(6, "0")
    tz = "+00:00" if m[8] == "Z" else m[8]
    try:
        return datetime.fromisoformat(f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}.{frac}{tz}")
    except ValueError:
        return None


def _string_cell(value: Any) -> str:
    """jsonpath PrintResults of one value: maps/lists as JSON, nil as <no value>, the rest as fmt.Print."""
    if value is None:
        return "<no value>"
    if isinstance(value, dict | list):
        return go_json(value)
    if isinstance(value, str):
        return value
    return _bad_value(value)


def _cell(type_: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue."""
    if value is None:
        return None
    kind = _json_kind(value)
    if type_ == "integer":
        if kind == "int":
            return value
        if kind == "float":
            return _go_int(value)
    elif type_ == "number":
        if kind in ("int", "float"):
            return float(value)
    elif type_ == "boolean":
        if kind == "bool":
            return value
    elif type_ == "date":
        if kind == "string":
            if value in ("", "null"):
                return "<unknown>"
            ts = _parse_rfc3339(value)
            if ts is None:
                return "<invalid>"
            return human_duration(now - ts)
    return None


def printer_cells(obj: Obj, columns: list[Obj], *, now: datetime | None = None) -> list[Any]:
    """The cells kube's CRD table convertor computes for ``additionalPrinterColumns`` (Name excluded).

    Each column's ``jsonPath`` is evaluated with missing keys allowed and the first result taken; a
    missing value or an evaluation error gives ``None``. ``string`` columns print the value (JSON for
    maps/lists, ``<no value>`` for null), ``integer``/``number``/``boolean`` keep JSON values of the
    right kind, and ``date`` becomes the age kube's server computes (``5m``, ``3d4h``; ``<invalid>`` for
    a non-RFC3339 string), relative to ``now``. Raises :class:`JSONPathError` with kube's
    ``unrecognized column definition`` for a path kube's parser rejects (kube then falls back to the
    default table).
    """
    now = now or datetime.now(UTC)
    parsed = [parse_jsonpath(col.get("jsonPath", "")) for col in columns]
    cells: list[Any] = []
    for col, nodes in zip(columns, parsed, strict=True):
        try:
            results = _walk([obj], nodes)
        except JSONPathError:
            results = []
        if not results:
            cells.append(None)
            continue
        value = results[0]
        if col.get("type") == "string":
            cells.append(_string_cell(value))
        else:
            cells.append(_cell(col.get("type", ""), value, now))
    return cells


# --------------------------------------------------------------------------------------------------------
# CRD validation (apis/apiextensions/validation/validation.go, schema/validation.go, schema/complete.go,
# schema/defaulting/validation.go), on the internal form a v1 CRD converts to.
# --------------------------------------------------------------------------------------------------------

_OPENAPI_V3_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_PRINTER_TYPES = "boolean,date,integer,number,string"
_COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
_VALIDATION_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]
_ALLOWED_AT_ROOT = [
    "Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum", "ExclusiveMinimum",
    "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf", "Required",
    "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations",
]  # fmt: skip

# internal JSONSchemaProps fields in Go order: (Go name, v1 JSON name, kind)
_SCHEMA_FIELDS: list[tuple[str, str, str]] = [
    ("ID", "id", "str"), ("Schema", "$schema", "str"), ("Ref", "$ref", "ptr"), ("Description", "description", "str"),
    ("Type", "type", "str"), ("Nullable", "nullable", "bool"), ("Format", "format", "str"),
    ("Title", "title", "str"), ("Default", "default", "json"), ("Maximum", "maximum", "float"),
    ("ExclusiveMaximum", "exclusiveMaximum", "bool"), ("Minimum", "minimum", "float"),
    ("ExclusiveMinimum", "exclusiveMinimum", "bool"), ("MaxLength", "maxLength", "int"),
    ("MinLength", "minLength", "int"), ("Pattern", "pattern", "str"), ("MaxItems", "maxItems", "int"),
    ("MinItems", "minItems", "int"), ("UniqueItems", "uniqueItems", "bool"), ("MultipleOf", "multipleOf", "float"),
    ("Enum", "enum", "list"), ("MaxProperties", "maxProperties", "int"), ("MinProperties", "minProperties", "int"),
    ("Required", "required", "list"), ("Items", "items", "items"), ("AllOf", "allOf", "schemas"),
    ("OneOf", "oneOf", "schemas"), ("AnyOf", "anyOf", "schemas"), ("Not", "not", "schema"),
    ("Properties", "properties", "schemamap"), ("AdditionalProperties", "additionalProperties", "orbool"),
    ("PatternProperties", "patternProperties", "schemamap"), ("Dependencies", "dependencies", "deps"),
    ("AdditionalItems", "additionalItems", "orbool"), ("Definitions", "definitions", "schemamap"),
    ("ExternalDocs", "externalDocs", "docs"), ("Example", "example", "json"),
    ("XPreserveUnknownFields", "x-kubernetes-preserve-unknown-fields", "ptr"),
    ("XEmbeddedResource", "x-kubernetes-embedded-resource", "bool"),
    ("XIntOrString", "x-kubernetes-int-or-string", "bool"), ("XListMapKeys", "x-kubernetes-list-map-keys", "list"),
    ("XListType", "x-kubernetes-list-type", "ptr"), ("XMapType", "x-kubernetes-map-type", "ptr"),
    ("XValidations", "x-kubernetes-validations", "rules"),
]  # fmt: skip


def _gs(v: Any) -> str:
    return go_json(v if isinstance(v, str) else "")


def _internal_schema_json(s: Schema | None) -> str:
    """json.Marshal of the internal apiextensions.JSONSchemaProps (no json tags: Go names, all fields)."""
    if s is None:
        return "null"
    parts = []
    for go_name, key, kind in _SCHEMA_FIELDS:
        v = s.get(key)
        if kind == "str":
            r = _gs(v)
        elif kind == "bool":
            r = "true" if v is True else "false"
        elif kind in ("ptr", "json", "list"):
            r = go_json(v)
        elif kind == "float":
            r = "null" if v is None else _go_json_float(float(v))
        elif kind == "int":
            r = "null" if v is None else str(int(v))
        elif kind == "schema":
            r = _internal_schema_json(v) if isinstance(v, dict) else "null"
        elif kind == "schemas":
            r = "null" if v is None else "[" + ",".join(_internal_schema_json(x) for x in v) + "]"
        elif kind == "schemamap":
            r = (
                "null"
                if v is None
                else "{" + ",".join(f"{_go_json_str(k)}:{_internal_schema_json(v[k])}" for k in sorted(v)) + "}"
            )
        elif kind == "items":
            if v is None:
                r = "null"
            elif isinstance(v, list):
                r = '{"Schema":null,"JSONSchemas":[' + ",".join(_internal_schema_json(x) for x in v) + "]}"
            else:
                r = '{"Schema":' + _internal_schema_json(v) + ',"JSONSchemas":null}'
        elif kind == "orbool":
            if v is None:
                r = "null"
            elif isinstance(v, dict):
                r = '{"Allows":true,"Schema":' + _internal_schema_json(v) + "}"
            else:
                r = '{"Allows":' + ("true" if v else "false") + ',"Schema":null}'
        elif kind == "deps":
            if v is None:
                r = "null"
            else:
                entries = []
                for k in sorted(v):
                    d = v[k]
                    if isinstance(d, list):
                        entries.append(f'{_go_json_str(k)}:{{"Schema":null,"Property":{go_json(d)}}}')
                    else:
                        entries.append(f'{_go_json_str(k)}:{{"Schema":{_internal_schema_json(d)},"Property":null}}')
                r = "{" + ",".join(entries) + "}"
        elif kind == "docs":
            r = "null" if v is None else f'{{"Description":{_gs(v.get("description"))},"URL":{_gs(v.get("url"))}}}'
        else:  # rules
            if v is None:
                r = "null"
            else:
                rules = []
                for rule in v:
                    reason = rule.get("reason")
                    rules.append(
                        f'{{"Rule":{_gs(rule.get("rule"))},"Message":{_gs(rule.get("message"))},'
                        f'"MessageExpression":{_gs(rule.get("messageExpression"))},"Reason":{go_json(reason)},'
                        f'"FieldPath":{_gs(rule.get("fieldPath"))},"OptionalOldSelf":{go_json(rule.get("optionalOldSelf"))}}}'
                    )
                r = "[" + ",".join(rules) + "]"
        parts.append(f'"{go_name}":{r}')
    return "{" + ",".join(parts) + "}"


def _internal_versions_json(versions: list[Obj] | None) -> _GoJSON:
    """json.Marshal of []apiextensions.CustomResourceDefinitionVersion (the value of spec.versions errors)."""
    if versions is None:
        return _GoJSON("null")
    out = []
    for v in versions:
        schema = v.get("schema")
        schema_json = (
            "null"
            if schema is None
            else '{"OpenAPIV3Schema":' + _internal_schema_json(schema.get("openAPIV3Schema")) + "}"
        )
        sub = v.get("subresources")
        if sub is None:
            sub_json = "null"
        else:
            scale = sub.get("scale")
            scale_json = (
                "null"
                if scale is None
                else f'{{"SpecReplicasPath":{_gs(scale.get("specReplicasPath"))},'
                f'"StatusReplicasPath":{_gs(scale.get("statusReplicasPath"))},'
                f'"LabelSelectorPath":{go_json(scale.get("labelSelectorPath"))}}}'
            )
            sub_json = f'{{"Status":{"null" if sub.get("status") is None else "{}"},"Scale":{scale_json}}}'
        cols = v.get("additionalPrinterColumns")
        cols_json = (
            "null"
            if cols is None
            else "["
            + ",".join(
                f'{{"Name":{_gs(c.get("name"))},"Type":{_gs(c.get("type"))},"Format":{_gs(c.get("format"))},'
                f'"Description":{_gs(c.get("description"))},"Priority":{int(c.get("priority") or 0)},'
                f'"JSONPath":{_gs(c.get("jsonPath"))}}}'
                for c in cols
            )
            + "]"
        )
        sel = v.get("selectableFields")
        sel_json = (
            "null" if sel is None else "[" + ",".join(f'{{"JSONPath":{_gs(f.get("jsonPath"))}}}' for f in sel) + "]"
        )
        out.append(
            f'{{"Name":{_gs(v.get("name"))},"Served":{"true" if v.get("served") is True else "false"},'
            f'"Storage":{"true" if v.get("storage") is True else "false"},'
            f'"Deprecated":{"true" if v.get("deprecated") is True else "false"},'
            f'"DeprecationWarning":{go_json(v.get("deprecationWarning"))},"Schema":{schema_json},'
            f'"Subresources":{sub_json},"AdditionalPrinterColumns":{cols_json},"SelectableFields":{sel_json}}}'
        )
    return _GoJSON("[" + ",".join(out) + "]")


def _semantic_list(v: Any) -> Any:
    """Semantic.DeepEqual treats nil and empty slices alike."""
    return v or None


def _to_internal(crd: Obj) -> Obj:
    """v1 defaulting, conversion to the internal version and PrepareForCreate, as data."""
    spec = crd.get("spec") or {}
    names = dict(spec.get("names") or {})
    if not names.get("singular"):
        names["singular"] = (names.get("kind") or "").lower()
    if not names.get("listKind") and names.get("kind"):
        names["listKind"] = names["kind"] + "List"
    raw_versions = spec.get("versions")
    versions = None if raw_versions is None else [dict(v) for v in raw_versions]
    internal: Obj = {
        "group": spec.get("group") or "",
        "scope": spec.get("scope") or "",
        "names": names,
        "versions": versions,
        "version": "",
        "validation": None,
        "subresources": None,
        "additionalPrinterColumns": None,
        "preserveUnknownFields": spec.get("preserveUnknownFields") is True,
    }
    conv = spec.get("conversion")
    if conv is None:
        conv = {"strategy": "None"}
    webhook = conv.get("webhook") or {}
    internal["conversion"] = {
        "strategy": conv.get("strategy") or "",
        "webhookClientConfig": webhook.get("clientConfig"),
        "conversionReviewVersions": webhook.get("conversionReviewVersions"),
    }
    if versions:
        internal["version"] = versions[0].get("name") or ""
        for field_name, top in (
            ("schema", "validation"),
            ("subresources", "subresources"),
            ("additionalPrinterColumns", "additionalPrinterColumns"),
            ("selectableFields", "selectableFields"),
        ):
            first = versions[0].get(field_name)
            norm = _semantic_list if field_name in ("additionalPrinterColumns", "selectableFields") else (lambda x: x)
            if all(norm(v.get(field_name)) == norm(first) for v in versions):
                internal[top] = first
                for v in versions:
                    v[field_name] = None
    stored = []
    for v in versions or []:
        if v.get("storage") is True:
            stored.append(v.get("name") or "")
            break
    internal["storedVersions"] = stored or None
    return internal


def _is_zero(key: str, v: Any) -> bool:
    """Is the internal field for this v1 key its Go zero value? (pointers/slices/maps: nil)."""
    if v is None:
        return True
    kind = next((k for _, name, k in _SCHEMA_FIELDS if name == key), "ptr")
    if kind in ("str", "bool"):
        return not v
    return False


_EMPTY_AS_NIL = ("allOf", "anyOf", "oneOf", "properties")


def _only_type(s: Any, t: str) -> bool:
    return isinstance(s, dict) and s.get("type") == t and all(_is_zero(k, v) for k, v in s.items() if k != "type")


def _is_int_or_string_any_of(any_of: Any) -> bool:
    return (
        isinstance(any_of, list)
        and len(any_of) == 2
        and _only_type(any_of[0], "integer")
        and _only_type(any_of[1], "string")
    )


class _CRDSchemaChecker:
    """The checks of one version's (or the top-level) openAPIV3Schema."""

    def __init__(self) -> None:
        self.errs: list[Cause] = []

    # ---- structural (schema/validation.go, schema/complete.go) ----

    def structural(self, s: Schema, path: str) -> list[Cause]:
        errs: list[Cause] = []
        self._invariants(s, "root", path, errs)
        self._completeness(s, path, errs)
        errs.sort(key=lambda c: c.text())
        return errs

    def _invariants(self, s: Schema | None, lvl: str, path: str, errs: list[Cause]) -> None:
        if s is None:
            return
        t = s.get("type") or ""
        if t == "array" and _items(s) is None:
            errs.append(_required(_child(path, "items"), "must be specified"))
        self._invariants(_items(s), "item", _child(path, "items"), errs)
        for k, sub in _props(s).items():
            self._invariants(sub, "field", _key(_child(path, "properties"), k), errs)
        has_ap, ap = _ap(s)
        if has_ap:
            if lvl == "root":
                errs.append(_forbidden(_child(path, "additionalProperties"), "must not be used at the root"))
            if ap is not None:
                self._invariants(ap, "field", _child(path, "additionalProperties"), errs)
        ios, emb, pres = bool(s.get("x-kubernetes-int-or-string")), _embedded(s), _preserve(s)
        if ios and pres:
            errs.append(
                _invalid(
                    _child(path, "x-kubernetes-preserve-unknown-fields"),
                    True,
                    "must be false if x-kubernetes-int-or-string is true",
                )
            )
        if ios and emb:
            errs.append(
                _invalid(
                    _child(path, "x-kubernetes-embedded-resource"),
                    True,
                    "must be false if x-kubernetes-int-or-string is true",
                )
            )
        skip_any = _is_int_or_string_any_of(s.get("anyOf"))
        all_of = s.get("allOf") or []
        skip_first_all = (
            bool(all_of) and isinstance(all_of[0], dict) and _is_int_or_string_any_of(all_of[0].get("anyOf"))
        )
        self._value_validation(s, skip_any, skip_first_all, lvl, path, errs)
        check_meta = lvl == "root" or emb
        if emb and t != "object":
            msg = "must be object if x-kubernetes-embedded-resource is true"
            errs.append(_required(_child(path, "type"), msg) if not t else _invalid(_child(path, "type"), t, msg))
        elif not t and not ios and not pres:
            msg = {
                "root": "must not be empty at the root",
                "item": "must not be empty for specified array items",
                "field": "must not be empty for specified object fields",
            }[lvl]
            errs.append(_required(_child(path, "type"), msg))
        if emb and has_ap:
            errs.append(
                _forbidden(
                    _child(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"
                )
            )
        if lvl == "root" and t and t != "object":
            errs.append(_invalid(_child(path, "type"), t, "must be object at the root"))
        props = _props(s)
        for name in ("kind", "apiVersion"):
            if name in props and check_meta and (props[name].get("type") or "") != "string":
                p = _child(_key(_child(path, "properties"), name), "type")
                errs.append(_invalid(p, props[name].get("type") or "", "must be string"))
        if "metadata" in props:
            self._metadata_invariants(
                props["metadata"], check_meta, lvl, _key(_child(path, "properties"), "metadata"), errs
            )
        if emb and not pres and not props:
            errs.append(
                _required(
                    _child(path, "properties"),
                    "must not be empty if x-kubernetes-embedded-resource is true "
                    "without x-kubernetes-preserve-unknown-fields",
                )
            )

    @staticmethod
    def _metadata_invariants(s: Schema, check_meta: bool, lvl: str, path: str, errs: list[Cause]) -> None:
        t = s.get("type") or ""
        if check_meta and t != "object":
            errs.append(_invalid(_child(path, "type"), t, "must be object"))
        if lvl == "root":
            # NewStructural drops empty junctor lists and maps; name/generateName-only properties are allowed
            rest = {
                k: v
                for k, v in s.items()
                if k not in ("type", "default") and not _is_zero(k, v) and not (k in _EMPTY_AS_NIL and not v)
            }
            props = rest.get("properties")
            if isinstance(props, dict) and set(props) <= {"name", "generateName"}:
                rest.pop("properties")
            if rest:
                errs.append(
                    _forbidden(
                        path,
                        "must not specify anything other than name and generateName, "
                        "but metadata is implicitly specified",
                    )
                )

    def _value_validation(
        self, s: Schema, skip_any: bool, skip_first_all: bool, lvl: str, path: str, errs: list[Cause]
    ) -> None:
        if not skip_any:
            for i, sub in enumerate(s.get("anyOf") or []):
                self._nested(sub, False, lvl, _index(_child(path, "anyOf"), i), errs)
        for i, sub in enumerate(s.get("allOf") or []):
            self._nested(sub, skip_first_all and i == 0, lvl, _index(_child(path, "allOf"), i), errs)
        for i, sub in enumerate(s.get("oneOf") or []):
            self._nested(sub, False, lvl, _index(_child(path, "oneOf"), i), errs)
        if isinstance(s.get("not"), dict):
            self._nested(s["not"], False, lvl, _child(path, "not"), errs)
        pattern = s.get("pattern") or ""
        if pattern:
            try:
                _compile_go_regexp(pattern)
            except re.error as exc:
                errs.append(
                    _invalid(
                        _child(path, "pattern"),
                        pattern,
                        f"must be a valid regular expression, but isn't: {_go_regexp_error(pattern, exc)}",
                    )
                )
            except _Untranslatable:
                pass

    def _nested(self, v: Schema, skip_any: bool, lvl: str, path: str, errs: list[Cause]) -> None:
        if not isinstance(v, dict):
            return
        self._value_validation(v, skip_any, False, lvl, path, errs)
        if isinstance(v.get("items"), dict):
            self._nested(v["items"], False, lvl, _child(path, "items"), errs)
        for k, sub in (v.get("properties") or {}).items():
            self._nested(sub, False, "field", _key(_child(path, "properties"), k), errs)
        checks = [
            ("type", bool(v.get("type")), "must be empty to be structural"),
            (
                "additionalProperties",
                v.get("additionalProperties") not in (None, False),
                "must be undefined to be structural",
            ),
            ("default", v.get("default") is not None, "must be undefined to be structural"),
            ("title", bool(v.get("title")), "must be empty to be structural"),
            ("description", bool(v.get("description")), "must be empty to be structural"),
            ("nullable", v.get("nullable") is True, "must be false to be structural"),
            ("x-kubernetes-preserve-unknown-fields", _preserve(v), "must be false to be structural"),
            ("x-kubernetes-embedded-resource", _embedded(v), "must be false to be structural"),
            (
                "x-kubernetes-int-or-string",
                v.get("x-kubernetes-int-or-string") is True,
                "must be false to be structural",
            ),
            ("x-kubernetes-list-map-keys", bool(v.get("x-kubernetes-list-map-keys")), "must be empty to be structural"),
            (
                "x-kubernetes-list-type",
                v.get("x-kubernetes-list-type") is not None,
                "must be undefined to be structural",
            ),
            ("x-kubernetes-map-type", v.get("x-kubernetes-map-type") is not None, "must be undefined to be structural"),
            ("x-kubernetes-validations", bool(v.get("x-kubernetes-validations")), "must be empty to be structural"),
        ]
        for name, bad, msg in checks:
            if bad:
                errs.append(_forbidden(_child(path, name), msg))
        if "metadata" in (v.get("properties") or {}):
            errs.append(
                _forbidden(_key(_child(path, "properties"), "metadata"), "must not be specified in a nested context")
            )

    def _completeness(self, s: Schema, path: str, errs: list[Cause]) -> None:
        self._vv_complete(s, s, path, path, errs)

    def _vv_complete(self, v: Schema, s: Schema | None, s_path: str, v_path: str, errs: list[Cause]) -> None:
        if s is None:
            errs.append(_required(s_path, f"because it is defined in {v_path}"))
            return
        if isinstance(v.get("not"), dict):
            self._nested_complete(v["not"], s, s_path, _child(v_path, "not"), errs)
        for junctor in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(v.get(junctor) or []):
                self._nested_complete(sub, s, s_path, _index(_child(v_path, junctor), i), errs)

    def _nested_complete(self, v: Schema, s: Schema | None, s_path: str, v_path: str, errs: list[Cause]) -> None:
        if not isinstance(v, dict):
            return
        if s is None:
            errs.append(_required(s_path, f"because it is defined in {v_path}"))
            return
        self._vv_complete(v, s, s_path, v_path, errs)
        if isinstance(v.get("items"), dict):
            self._nested_complete(v["items"], _items(s), _child(s_path, "items"), _child(v_path, "items"), errs)
        props = _props(s)
        for k, sub in (v.get("properties") or {}).items():
            vp = _key(_child(v_path, "properties"), k)
            if k not in props:
                errs.append(_required(_key(_child(s_path, "properties"), k), f"because it is defined in {vp}"))
            else:
                self._nested_complete(sub, props[k], _key(_child(s_path, "properties"), k), vp, errs)

    # ---- defaults (schema/defaulting/validation.go) ----

    def defaults(self, s: Schema, path: str) -> list[Cause]:
        errs: list[Cause] = []
        self._defaults(s, path, inside_meta=False, is_root=True, errs=errs)
        return errs

    def _defaults(self, s: Schema | None, path: str, inside_meta: bool, is_root: bool, errs: list[Cause]) -> None:
        if s is None:
            return
        emb = _embedded(s) or is_root
        if _embedded(s):
            inside_meta = False
        dflt = s.get("default")
        if dflt is not None and not inside_meta:
            dpath = _child(path, "default")
            pruned = copy.deepcopy(dflt)
            _Pruner().prune(pruned, s, "", embedded=emb)
            if not _strict_equal(pruned, dflt):
                errs.append(_invalid(dpath, dflt, "must not have unknown fields"))
            meta_errs: list[Cause] = []
            _validate_embedded(
                dpath, dflt, s if not is_root else {**s, "x-kubernetes-embedded-resource": True}, meta_errs
            )
            if meta_errs:
                errs.extend(meta_errs)
            else:
                errs.extend(validate_value(dflt, s, dpath))
        if _items(s) is not None:
            self._defaults(_items(s), _child(path, "items"), inside_meta, False, errs)
        for k, sub in _props(s).items():
            sub_meta = inside_meta or (emb and k in _META_FIELDS)
            self._defaults(sub, _key(_child(path, "properties"), k), sub_meta, False, errs)

    # ---- ValidateCustomResourceDefinitionOpenAPISchema ----

    def openapi(
        self,
        s: Schema | None,
        path: str,
        *,
        is_root: bool,
        allow_defaults: bool = True,
        defaults_reason: str = "",
        inside_meta: bool = False,
    ) -> None:
        if not isinstance(s, dict):
            return
        errs = self.errs
        t = s.get("type") or ""
        if t and t not in _OPENAPI_V3_TYPES:
            errs.append(_not_supported(_child(path, "type"), t, _OPENAPI_V3_TYPES))
        if s.get("default") is not None and not allow_defaults:
            errs.append(
                _forbidden(
                    _child(path, "default"), "must not be set" + (f" {defaults_reason}" if defaults_reason else "")
                )
            )
        if s.get("id"):
            errs.append(_forbidden(_child(path, "id"), "id is not supported"))
        if s.get("additionalItems") is not None:
            errs.append(_forbidden(_child(path, "additionalItems"), "additionalItems is not supported"))
        if s.get("patternProperties"):
            errs.append(_forbidden(_child(path, "patternProperties"), "patternProperties is not supported"))
        if s.get("definitions"):
            errs.append(_forbidden(_child(path, "definitions"), "definitions is not supported"))
        if s.get("dependencies") is not None:
            errs.append(_forbidden(_child(path, "dependencies"), "dependencies is not supported"))
        if s.get("$ref") is not None:
            errs.append(_forbidden(_child(path, "$ref"), "$ref is not supported"))
        if t == "null":
            errs.append(_forbidden(_child(path, "type"), "type cannot be set to null, use nullable as an alternative"))
        if isinstance(s.get("items"), list) and s["items"]:
            errs.append(_forbidden(_child(path, "items"), "items must be a schema object and not an array"))
        if inside_meta and _embedded(s):
            errs.append(
                _forbidden(_child(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta")
            )
        if s.get("uniqueItems") is True:
            errs.append(
                _forbidden(
                    _child(path, "uniqueItems"),
                    "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
                )
            )
        props = _props(s)
        ap = s.get("additionalProperties")
        if ap is not None:
            if props and (ap is False or isinstance(ap, dict)):
                errs.append(
                    _forbidden(
                        _child(path, "additionalProperties"), "additionalProperties and properties are mutual exclusive"
                    )
                )
            sub_allow, sub_reason = allow_defaults, defaults_reason
            if inside_meta:
                sub_allow, sub_reason = False, "inside additionalProperties applying to object metadata"
            self.openapi(
                ap if isinstance(ap, dict) else None,
                _child(path, "additionalProperties"),
                is_root=False,
                allow_defaults=sub_allow,
                defaults_reason=sub_reason,
                inside_meta=inside_meta,
            )
        for k, sub in props.items():
            sub_allow, sub_reason, sub_meta = allow_defaults, defaults_reason, inside_meta
            if (is_root or _embedded(s)) and k in _META_FIELDS:
                sub_meta = True
                if is_root:
                    sub_allow, sub_reason = False, f"in top-level {k}"
            self.openapi(
                sub,
                _key(_child(path, "properties"), k),
                is_root=False,
                allow_defaults=sub_allow,
                defaults_reason=sub_reason,
                inside_meta=sub_meta,
            )
        opts = {"allow_defaults": allow_defaults, "defaults_reason": defaults_reason, "inside_meta": inside_meta}
        self.openapi(s.get("not"), _child(path, "not"), is_root=False, **opts)
        for junctor in ("allOf", "oneOf", "anyOf"):
            for i, sub in enumerate(s.get(junctor) or []):
                self.openapi(sub, _index(_child(path, junctor), i), is_root=False, **opts)
        for k, sub in (s.get("definitions") or {}).items():
            self.openapi(sub, _key(_child(path, "definitions"), k), is_root=False, **opts)
        items = s.get("items")
        if isinstance(items, dict):
            self.openapi(items, _child(path, "items"), is_root=False, **opts)
        elif isinstance(items, list):
            for i, sub in enumerate(items):
                self.openapi(sub, _index(_child(path, "items"), i), is_root=False, **opts)
        for k, dep in (s.get("dependencies") or {}).items():
            self.openapi(
                dep if isinstance(dep, dict) else None, _key(_child(path, "dependencies"), k), is_root=False, **opts
            )
        self._extensions(s, path)

    def _extensions(self, s: Schema, path: str) -> None:
        errs = self.errs
        t = s.get("type") or ""
        if s.get("x-kubernetes-preserve-unknown-fields") is False:
            errs.append(
                _invalid(_child(path, "x-kubernetes-preserve-unknown-fields"), False, "must be true or undefined")
            )
        map_type = s.get("x-kubernetes-map-type")
        if map_type is not None and t != "object":
            msg = "must be object if x-kubernetes-map-type is specified"
            errs.append(_required(_child(path, "type"), msg) if not t else _invalid(_child(path, "type"), t, msg))
        if map_type is not None and map_type not in ("atomic", "granular"):
            errs.append(_not_supported(_child(path, "x-kubernetes-map-type"), map_type, ["atomic", "granular"]))
        list_type = s.get("x-kubernetes-list-type")
        items = s.get("items")
        if list_type is not None and t != "array":
            msg = "must be array if x-kubernetes-list-type is specified"
            errs.append(_required(_child(path, "type"), msg) if not t else _invalid(_child(path, "type"), t, msg))
        elif list_type == "set" and isinstance(items, dict):
            it = items.get("type") or ""
            msg = "must be atomic as item of a list with x-kubernetes-list-type=set"
            if it == "array":
                ilt = items.get("x-kubernetes-list-type")
                if ilt is not None and ilt != "atomic":
                    errs.append(_invalid(_child(_child(path, "items"), "x-kubernetes-list-type"), ilt, msg))
            elif it == "object" and items.get("x-kubernetes-map-type") != "atomic":
                value = items.get("x-kubernetes-list-type")
                errs.append(_invalid(_child(_child(path, "items"), "x-kubernetes-map-type"), value, msg))
        if list_type is not None and list_type not in ("atomic", "set", "map"):
            errs.append(_not_supported(_child(path, "x-kubernetes-list-type"), list_type, ["atomic", "set", "map"]))
        keys = s.get("x-kubernetes-list-map-keys") or []
        if keys:
            if list_type is None:
                errs.append(
                    _required(
                        _child(path, "x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"
                    )
                )
            elif list_type != "map":
                errs.append(
                    _invalid(
                        _child(path, "x-kubernetes-list-type"),
                        list_type,
                        "must be map if x-kubernetes-list-map-keys is non-empty",
                    )
                )
        if list_type == "map":
            if not keys:
                errs.append(
                    _required(
                        _child(path, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"
                    )
                )
            if items is None:
                errs.append(_required(_child(path, "items"), "must have a schema if x-kubernetes-list-type is map"))
            elif not isinstance(items, dict):
                errs.append(
                    _invalid(
                        _child(path, "items"), items, "must only have a single schema if x-kubernetes-list-type is map"
                    )
                )
            elif (items.get("type") or "") != "object":
                errs.append(
                    _invalid(
                        _child(_child(path, "items"), "type"),
                        items.get("type") or "",
                        "must be object if parent array's x-kubernetes-list-type is map",
                    )
                )
            else:
                item_props = items.get("properties") or {}
                seen: set[str] = set()
                for k in keys:
                    if k in item_props:
                        if item_props[k].get("type") in ("array", "object"):
                            errs.append(
                                _invalid(
                                    _child(_key(_child(_child(path, "items"), "properties"), k), "type"),
                                    "object",
                                    "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                )
                            )
                    else:
                        errs.append(
                            _invalid(
                                _child(path, "x-kubernetes-list-map-keys"),
                                keys,
                                "entries must all be names of item properties",
                            )
                        )
                    if k in seen:
                        errs.append(
                            _invalid(
                                _child(path, "x-kubernetes-list-map-keys"), keys, "must not contain duplicate entries"
                            )
                        )
                    seen.add(k)
        self._map_list_keys(s, path)
        self._rules(s, path)

    def _map_list_keys(self, s: Schema, path: str) -> None:
        """validateMapListKeysMapSet."""
        items = s.get("items")
        lt = s.get("x-kubernetes-list-type")
        if not isinstance(items, dict) or lt not in ("set", "map"):
            return
        if items.get("nullable") is True:
            self.errs.append(
                _forbidden(
                    _child(_child(path, "items"), "nullable"), f"cannot be nullable when x-kubernetes-list-type is {lt}"
                )
            )
        if lt != "map":
            return
        required = set(items.get("required") or [])
        item_props = items.get("properties") or {}
        for k in s.get("x-kubernetes-list-map-keys") or []:
            if k not in item_props:
                continue
            kp = _key(_child(_child(path, "items"), "properties"), k)
            if k not in required and item_props[k].get("default") is None:
                self.errs.append(
                    _required(
                        _child(kp, "default"),
                        "this property is in x-kubernetes-list-map-keys, "
                        "so it must have a default or be a required property",
                    )
                )
            if item_props[k].get("nullable") is True:
                self.errs.append(
                    _forbidden(
                        _child(kp, "nullable"),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    )
                )

    def _rules(self, s: Schema, path: str) -> None:
        """The static checks of x-kubernetes-validations (CEL compilation is not done here)."""
        newline = re.compile(r"[\n\r]+")
        for i, rule in enumerate(s.get("x-kubernetes-validations") or []):
            rp = _index(_child(path, "x-kubernetes-validations"), i)
            text, msg = rule.get("rule") or "", rule.get("message") or ""
            expr, fpath = rule.get("messageExpression") or "", rule.get("fieldPath") or ""
            if not text.strip():
                self.errs.append(_required(_child(rp, "rule"), "rule is not specified"))
            elif msg and not msg.strip():
                self.errs.append(_invalid(_child(rp, "message"), msg, "must be non-empty if specified"))
            elif newline.search(msg.strip()):
                self.errs.append(_invalid(_child(rp, "message"), msg, "must not contain line breaks"))
            elif newline.search(text.strip()) and not msg.strip():
                self.errs.append(
                    _required(_child(rp, "message"), "message must be specified if rule contains line breaks")
                )
            if expr and not expr.strip():
                self.errs.append(
                    _required(_child(rp, "messageExpression"), "messageExpression must be non-empty if specified")
                )
            reason = rule.get("reason")
            if reason is not None and reason not in _VALIDATION_REASONS:
                self.errs.append(_not_supported(_child(rp, "reason"), reason, _VALIDATION_REASONS))
            if fpath and not fpath.strip():
                self.errs.append(_invalid(_child(rp, "fieldPath"), fpath, "must be non-empty if specified"))
            if newline.search(fpath):
                self.errs.append(_invalid(_child(rp, "fieldPath"), fpath, "must not contain line breaks"))


def _unsupported_field_error(s: Schema | None) -> str | None:
    """structuralschema.NewStructural's error, if any (fields a structural schema cannot hold)."""
    if not isinstance(s, dict):
        return None
    checks = [
        ("id", "OpenAPIV3Schema 'id' is not supported", bool(s.get("id"))),
        ("$schema", "OpenAPIV3Schema 'schema' is not supported", bool(s.get("$schema"))),
        ("$ref", "OpenAPIV3Schema '$ref' is not supported", bool(s.get("$ref"))),
        ("patternProperties", "OpenAPIV3Schema 'patternProperties' is not supported", bool(s.get("patternProperties"))),
        ("dependencies", "OpenAPIV3Schema 'dependencies' is not supported", bool(s.get("dependencies"))),
        ("additionalItems", "OpenAPIV3Schema 'additionalItems' is not supported", s.get("additionalItems") is not None),
        ("definitions", "OpenAPIV3Schema 'definitions' is not supported", bool(s.get("definitions"))),
    ]
    for _, msg, bad in checks:
        if bad:
            return msg
    if isinstance(s.get("items"), list) and s["items"]:
        return "OpenAPIV3Schema 'items' must be a schema, but is an array"
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
    subs: list[Any] = [s.get("not"), s.get("items") if isinstance(s.get("items"), dict) else None]
    subs += list((s.get("properties") or {}).values())
    subs += list(s.get("allOf") or []) + list(s.get("anyOf") or []) + list(s.get("oneOf") or [])
    ap = s.get("additionalProperties")
    subs.append(ap if isinstance(ap, dict) else None)
    for sub in subs:
        err = _unsupported_field_error(sub)
        if err:
            return err
    return None


def _validate_crd_schema(validation: Obj | None, status_enabled: bool, path: str) -> list[Cause]:
    """validateCustomResourceDefinitionValidation."""
    errs: list[Cause] = []
    if validation is None:
        return errs
    schema = validation.get("openAPIV3Schema")
    if not isinstance(schema, dict):
        return errs
    if status_enabled:
        for go_name, key, _ in _SCHEMA_FIELDS:
            if _is_zero(key, schema.get(key)):
                continue
            if go_name == "Type":
                if schema.get("type") != "object":
                    errs.append(
                        _invalid(
                            _child(path, "openAPIV3Schema.type"),
                            schema.get("type"),
                            'only "object" is allowed as the type at the root of the schema '
                            "if the status subresource is enabled",
                        )
                    )
                    break
                continue
            if go_name not in _ALLOWED_AT_ROOT:
                errs.append(
                    _invalid(
                        _child(path, "openAPIV3Schema"),
                        _GoJSON(_internal_schema_json(schema)),
                        f"only [{' '.join(_ALLOWED_AT_ROOT)}] fields are allowed at the root of the schema "
                        "if the status subresource is enabled",
                    )
                )
                break
    if schema.get("nullable") is True:
        errs.append(_forbidden(_child(path, "openAPIV3Schema.nullable"), "nullable cannot be true at the root"))
    checker = _CRDSchemaChecker()
    schema_path = _child(path, "openAPIV3Schema")
    init_errs: list[Cause] = []
    init_problem = _unsupported_field_error(schema)
    if init_problem:
        init_errs.append(_invalid(schema_path, "", init_problem))
    else:
        structural = checker.structural(schema, schema_path)
        errs.extend(structural or checker.defaults(schema, schema_path))
    checker.openapi(schema, schema_path, is_root=True)
    errs.extend(checker.errs)
    if not errs:
        errs.extend(init_errs)
    return errs


def _validate_names(names: Obj, path: str) -> list[Cause]:
    """ValidateCustomResourceDefinitionNames."""
    errs: list[Cause] = []
    for key in ("plural", "singular"):
        v = names.get(key) or ""
        if v and (msgs := metavalidation.is_dns1035_label(v)):
            errs.append(_invalid(_child(path, key), v, ",".join(msgs)))
    for key in ("kind", "listKind"):
        v = names.get(key) or ""
        if v and (msgs := metavalidation.is_dns1035_label(v.lower())):
            errs.append(
                _invalid(_child(path, key), v, "may have mixed case, but should otherwise match: " + ",".join(msgs))
            )
    for i, short in enumerate(names.get("shortNames") or []):
        if msgs := metavalidation.is_dns1035_label(short):
            errs.append(_invalid(_index(_child(path, "shortNames"), i), short, ",".join(msgs)))
    kind = names.get("kind") or ""
    if kind and kind == names.get("listKind"):
        errs.append(_invalid(_child(path, "listKind"), names.get("listKind"), "kind and listKind may not be the same"))
    for i, cat in enumerate(names.get("categories") or []):
        if msgs := metavalidation.is_dns1035_label(cat):
            errs.append(_invalid(_index(_child(path, "categories"), i), cat, ",".join(msgs)))
    return errs


def _simple_json_path(s: str, path: str) -> list[Cause]:
    if not s:
        return [_invalid(path, s, "must not be empty")]
    if s[0] != ".":
        return [_invalid(path, s, "must be a simple json path starting with .")]
    return []


def _validate_column(col: Obj, path: str) -> list[Cause]:
    """ValidateCustomResourceColumnDefinition (note kube's field name ``JSONPath``)."""
    errs: list[Cause] = []
    if not col.get("name"):
        errs.append(_required(_child(path, "name")))
    t = col.get("type") or ""
    if not t:
        errs.append(_required(_child(path, "type"), f"must be one of {_PRINTER_TYPES}"))
    elif t not in _PRINTER_TYPES.split(","):
        errs.append(_invalid(_child(path, "type"), t, f"must be one of {_PRINTER_TYPES}"))
    f = col.get("format") or ""
    if f and f not in _COLUMN_FORMATS:
        errs.append(_invalid(_child(path, "format"), f, f"must be one of {','.join(_COLUMN_FORMATS)}"))
    jp = col.get("jsonPath") or ""
    if not jp:
        errs.append(_required(_child(path, "JSONPath")))
    else:
        errs.extend(_simple_json_path(jp, _child(path, "JSONPath")))
    return errs


def _validate_subresources(sub: Obj | None, path: str) -> list[Cause]:
    errs: list[Cause] = []
    scale = (sub or {}).get("scale")
    if scale is None:
        return errs
    for key, prefix, where in (
        ("specReplicasPath", ".spec.", "should be a json path under .spec"),
        ("statusReplicasPath", ".status.", "should be a json path under .status"),
    ):
        v = scale.get(key) or ""
        p = _child(path, f"scale.{key}")
        if not v:
            errs.append(_required(p))
        elif bad := _simple_json_path(v, p):
            errs.extend(bad)
        elif not v.startswith(prefix):
            errs.append(_invalid(p, v, where))
    sel = scale.get("labelSelectorPath")
    if sel:
        p = _child(path, "scale.labelSelectorPath")
        if bad := _simple_json_path(sel, p):
            errs.extend(bad)
        elif not sel.startswith(".spec.") and not sel.startswith(".status."):
            errs.append(_invalid(p, sel, "should be a json path under either .spec or .status"))
    return errs


def _validate_deprecation_warning(v: Obj, path: str) -> list[Cause]:
    warning = v.get("deprecationWarning")
    msgs: list[str] = []
    if not v.get("deprecated") and warning is not None:
        msgs.append("can only be set for deprecated versions")
    elif warning is not None:
        if len(warning.encode()) > 256:
            msgs.append("must be <= 256 characters long")
        if not warning:
            msgs.append("must not be an empty string")
        offset = 0
        for ch in warning:
            if not _go_printable(ch):
                msgs.append(
                    f"must only contain printable UTF-8 characters; non-printable character found at index {offset}"
                )
                break
            offset += len(ch.encode())
    return [_invalid(_child(path, "deprecationWarning"), warning, m) for m in msgs]


def _validate_webhook_url(url: str, path: str) -> list[Cause]:
    form = "; desired format: https://host[/path]"
    errs: list[Cause] = []
    try:
        u = urlsplit(url)
    except ValueError as exc:
        return [_required(path, f"url must be a valid URL: {exc}{form}")]
    if u.scheme != "https":
        errs.append(_invalid(path, u.scheme, "'https' is the only allowed URL scheme" + form))
    host = u.netloc.rpartition("@")[2]
    if not host:
        errs.append(_invalid(path, host, "host must be specified" + form))
    if "@" in u.netloc:
        errs.append(_invalid(path, u.netloc.rpartition("@")[0], "user information is not permitted in the URL"))
    if u.fragment:
        errs.append(_invalid(path, u.fragment, "fragments are not permitted in the URL"))
    if u.query:
        errs.append(_invalid(path, u.query, "query parameters are not permitted in the URL"))
    return errs


def _validate_webhook_service(svc: Obj, path: str) -> list[Cause]:
    errs: list[Cause] = []
    if not svc.get("name"):
        errs.append(_required(_child(path, "name")))
    if not svc.get("namespace"):
        errs.append(_required(_child(path, "namespace")))
    port = svc.get("port", 443)
    if not 1 <= port <= 65535:
        errs.append(_invalid(_child(path, "port"), port, "port is not valid: must be between 1 and 65535, inclusive"))
    url_path = svc.get("path")
    if url_path is None or url_path in ("/", ""):
        return errs
    pp = _child(path, "path")
    if url_path == "//":
        return [*errs, _invalid(pp, url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        errs.append(_invalid(pp, url_path, "must start with a '/'"))
    check = url_path[1:]
    if check.endswith("/"):
        check = check[:-1]
    for i, step in enumerate(check.split("/")):
        if not step:
            errs.append(_invalid(pp, url_path, f"segment[{i}] may not be empty"))
            continue
        for failure in metavalidation.is_dns1123_subdomain(step):
            errs.append(_invalid(pp, url_path, f"segment[{i}]: {failure}"))
    return errs


def _validate_conversion(conv: Obj, path: str) -> list[Cause]:
    errs: list[Cause] = []
    strategy = conv.get("strategy") or ""
    if not strategy:
        errs.append(_required(_child(path, "strategy")))
    elif strategy not in ("None", "Webhook"):
        errs.append(_not_supported(_child(path, "strategy"), strategy, ["None", "Webhook"]))
    cc = conv.get("webhookClientConfig")
    versions = conv.get("conversionReviewVersions")
    if strategy == "Webhook":
        ccp = _child(path, "webhookClientConfig")
        if cc is None:
            errs.append(_required(ccp, "required when strategy is set to Webhook"))
        else:
            has_url, has_svc = cc.get("url") is not None, cc.get("service") is not None
            if has_url == has_svc:
                errs.append(_required(ccp, "exactly one of url or service is required"))
            elif has_url:
                errs.extend(_validate_webhook_url(cc["url"], _child(ccp, "url")))
            else:
                errs.extend(_validate_webhook_service(cc["service"], _child(ccp, "service")))
        vp = _child(path, "conversionReviewVersions")
        if not versions:
            errs.append(_required(vp))
        else:
            seen: set[str] = set()
            accepted = False
            for i, v in enumerate(versions):
                if v in seen:
                    errs.append(_invalid(_index(vp, i), v, "duplicate version"))
                    continue
                seen.add(v)
                errs.extend(_invalid(_index(vp, i), v, m) for m in metavalidation.is_dns1035_label(v))
                accepted = accepted or v in ("v1", "v1beta1")
            if not accepted:
                errs.append(_invalid(vp, versions, "must include at least one of v1, v1beta1"))
    else:
        if cc is not None:
            errs.append(
                _forbidden(_child(path, "webhookClientConfig"), "should not be set when strategy is not set to Webhook")
            )
        if versions:
            errs.append(
                _forbidden(
                    _child(path, "conversionReviewVersions"), "should not be set when strategy is not set to Webhook"
                )
            )
    return errs


def _schema_has(s: Any, pred: Callable[[Schema], bool]) -> bool:
    """SchemaHas: does any node of the schema satisfy ``pred``?"""
    if not isinstance(s, dict):
        return False
    if pred(s):
        return True
    subs: list[Any] = []
    items = s.get("items")
    subs += items if isinstance(items, list) else [items]
    subs += list(s.get("allOf") or []) + list(s.get("anyOf") or []) + list(s.get("oneOf") or []) + [s.get("not")]
    subs += list((s.get("properties") or {}).values())
    subs.append(s.get("additionalProperties"))
    subs += list((s.get("patternProperties") or {}).values())
    subs.append(s.get("additionalItems"))
    subs += list((s.get("definitions") or {}).values())
    subs += list((s.get("dependencies") or {}).values())
    return any(_schema_has(x, pred) for x in subs)


def _api_approval(crd: Obj, group: str) -> list[Cause]:
    """validateAPIApproval for *.k8s.io and *.kubernetes.io groups."""
    protected = group in ("k8s.io", "kubernetes.io") or group.endswith(".k8s.io") or group.endswith(".kubernetes.io")
    if not protected:
        return []
    key = "api-approved.kubernetes.io"
    value = ((crd.get("metadata") or {}).get("annotations") or {}).get(key, "")
    path = f"metadata.annotations[{key}]"
    if not value:
        return [
            _required(
                path,
                f'protected groups must have approval annotation "{key}", see https://github.com/kubernetes/enhancements/pull/1111',
            )
        ]
    if value.startswith("unapproved"):
        return []
    u = urlsplit(value) if not value.startswith("/") else None
    if u is not None and u.scheme and u.netloc:
        return []
    return [
        _invalid(
            path,
            value,
            f'protected groups must have approval annotation "{key}" with either a URL or a reason starting with '
            '"unapproved", see https://github.com/kubernetes/enhancements/pull/1111',
        )
    ]


def validate_crd(crd: Obj) -> list[Cause]:
    """ValidateCustomResourceDefinition of a v1 CRD being created, causes in kube's order.

    kube validates the internal version: per-version schemas, subresources and printer columns that are
    identical in all versions (one version included) are moved to the top level first, so their errors
    read ``spec.validation.openAPIV3Schema…``, ``spec.subresources…``, ``spec.additionalPrinterColumns[0]…``.
    """
    spec_in = crd.get("spec") or {}
    spec = _to_internal(crd)
    errs: list[Cause] = []

    # metadata: a DNS subdomain that must equal <plural>.<group>
    required_name = f"{spec['names'].get('plural') or ''}.{spec['group']}"

    def name_fn(name: str, prefix: bool) -> list[str]:
        ret = metavalidation.name_is_dns_subdomain(name, prefix)
        if name != required_name:
            ret.append('must be spec.names.plural+"."+spec.group')
        return ret

    meta_errs = FieldErrors()
    metavalidation.validate_object_meta(
        crd.get("metadata") or {}, namespaced=False, name_validator=name_fn, errs=meta_errs
    )
    errs.extend(meta_errs.causes)

    # spec
    group = spec["group"]
    if not group:
        errs.append(_required("spec.group"))
    elif msgs := metavalidation.is_dns1123_subdomain(group):
        errs.append(_invalid("spec.group", group, ",".join(msgs)))
    elif len(group.split(".")) < 2:
        errs.append(_invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec["scope"]
    if not scope:
        errs.append(_required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errs.append(_not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))

    versions = spec["versions"] or []
    validation = spec["validation"]
    if validation is None or validation.get("openAPIV3Schema") is None:
        for i, v in enumerate(versions):
            if v.get("schema") is None or (v["schema"] or {}).get("openAPIV3Schema") is None:
                errs.append(_required(f"spec.versions[{i}].schema.openAPIV3Schema"))

    all_schemas = [validation] + [v.get("schema") for v in versions]
    if any(_schema_has((s or {}).get("openAPIV3Schema"), lambda n: n.get("default") is not None) for s in all_schemas):
        if spec["preserveUnknownFields"]:
            errs.append(
                _invalid("spec.preserveUnknownFields", True, "must be false in order to use defaults in the schema")
            )

    per_version_sub = any(v.get("subresources") is not None for v in versions)

    def status_enabled(sub: Obj | None) -> bool:
        return sub is not None and sub.get("status") is not None

    storage_count = 0
    seen_names: set[str] = set()
    unique = True
    for i, v in enumerate(versions):
        vp = f"spec.versions[{i}]"
        name = v.get("name") or ""
        if v.get("storage") is True:
            storage_count += 1
        if name in seen_names:
            unique = False
        seen_names.add(name)
        if msgs := metavalidation.is_dns1035_label(name):
            errs.append(_invalid(f"{vp}.name", name, ",".join(msgs)))
        sub = v.get("subresources") if per_version_sub else spec["subresources"]
        errs.extend(_validate_deprecation_warning(v, vp))
        errs.extend(_validate_crd_schema(v.get("schema"), status_enabled(sub), f"{vp}.schema"))
        errs.extend(_validate_subresources(v.get("subresources"), f"{vp}.subresources"))
        for j, col in enumerate(v.get("additionalPrinterColumns") or []):
            errs.extend(_validate_column(col, f"{vp}.additionalPrinterColumns[{j}]"))

    if not unique:
        errs.append(
            _invalid("spec.versions", _internal_versions_json(spec["versions"]), "must contain unique version names")
        )
    if storage_count != 1:
        errs.append(
            _invalid(
                "spec.versions",
                _internal_versions_json(spec["versions"]),
                "must have exactly one version marked as storage version",
            )
        )
    if spec["version"] and (msgs := metavalidation.is_dns1035_label(spec["version"])):
        errs.append(_invalid("spec.version", spec["version"], ",".join(msgs)))

    names = spec["names"]
    for key in ("plural", "singular", "kind", "listKind"):
        if not names.get(key):
            errs.append(_required(f"spec.names.{key}"))
    errs.extend(_validate_names(names, "spec.names"))
    any_status = status_enabled(spec["subresources"]) or any(status_enabled(v.get("subresources")) for v in versions)
    errs.extend(_validate_crd_schema(validation, any_status, "spec.validation"))
    errs.extend(_validate_subresources(spec["subresources"], "spec.subresources"))
    for j, col in enumerate(spec["additionalPrinterColumns"] or []):
        errs.extend(_validate_column(col, f"spec.additionalPrinterColumns[{j}]"))

    conv = spec["conversion"]
    if conv["strategy"] != "None" and spec["preserveUnknownFields"]:
        errs.append(
            _invalid("spec.conversion.strategy", conv["strategy"], "must be None if spec.preserveUnknownFields is true")
        )
    errs.extend(_validate_conversion(conv, "spec.conversion"))

    # status: PrepareForCreate resets it; storedVersions holds the (first) storage version
    stored = spec["storedVersions"]
    if not stored:
        errs.append(_invalid("status.storedVersions", stored, "must have at least one stored version"))
    else:
        remaining = {name: i for i, name in enumerate(stored)}
        for v in versions:
            name = v.get("name") or ""
            if v.get("storage") is True and name not in remaining:
                errs.append(_invalid("status.storedVersions", stored, "must have the storage version " + name))
            remaining.pop(name, None)
        for name, i in remaining.items():
            errs.append(
                _invalid(
                    f"status.storedVersions[{i}]",
                    name,
                    f"missing from spec.versions; {name} was previously a storage version, and must remain in "
                    f"spec.versions until a storage migration ensures no data remains persisted in {name} and "
                    f"removes {name} from status.storedVersions",
                )
            )
    errs.extend(_api_approval(crd, group))
    if spec_in.get("preserveUnknownFields") is True:
        errs.append(
            _invalid(
                "spec.preserveUnknownFields",
                True,
                "cannot set to true, set x-kubernetes-preserve-unknown-fields to true "
                "in spec.versions[*].schema instead",
            )
        )
    return errs
