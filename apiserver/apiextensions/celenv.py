"""Kube's CEL environment for CRD validation rules, on Google's CEL C++ runtime (``cel-expr-python``).

What ``k8s.io/apiserver/pkg/cel`` and ``apiextensions-apiserver/pkg/apiserver/schema/cel`` give a rule:

- :func:`decl_type` — the CEL type of a schema node (kube's ``SchemaDeclType``): strings (``byte``, ``duration``,
  ``date``/``date-time`` formats as bytes, durations and timestamps), integers, numbers (doubles), booleans,
  lists, maps (``additionalProperties``) and objects. Objects are ``map(string, dyn)`` here (kube declares an
  object type per schema node): a field the schema does not have is a runtime ``no such key``, not a compile
  error.
- :func:`to_cel` — a JSON value as that type: numbers as doubles, formatted strings parsed, property names
  escaped as kube escapes them (``namespace`` → ``__namespace__``, ``a-b`` → ``a__dash__b``), a resource root's
  ``metadata`` cut down to ``name`` and ``generateName``.
- :func:`environment` — one CEL environment per ``self`` type (cached): the standard library, optionals
  (kube's base environment has no ``cel.bind``, ``math`` or ``base64``: a CRD rule calling them is refused
  as ``undeclared reference``), and kube's libraries written here in Python: strings (``charAt``,
  ``indexOf``, ``lastIndexOf``, ``lowerAscii``, ``upperAscii``, ``replace``, ``split``, ``substring``, ``trim``,
  ``join``), lists (``isSorted``, ``sum``, ``min``, ``max``, ``indexOf``, ``lastIndexOf``), regex (``find``,
  ``findAll``), URLs (``url``, ``isURL``, ``getScheme``…) and quantities (``quantity``, ``isQuantity``,
  ``isLessThan``, ``add``…). Not there: kube's ip/cidr, semver, format and sets libraries, two-variable
  comprehensions, ``optionalOldSelf``.
- :func:`compile_expr` and :func:`eval_expr` — compilation with cel-go's error texts (the C++ parser's
  messages are the same grammar's, ``ERROR: <input>:1:9: Syntax error: ...``) and evaluation with cel-go's
  words for the errors kube passes on (``no such key: x``, ``no such overload``).

Cost, measured on this machine (2 shared cores): compiling a typical rule (``self.a == 1 &&
self.b.all(x, x.startsWith('a'))``) takes ~65 µs, an environment ~2 ms (once per ``self`` type);
evaluating ``self.minReplicas <= self.maxReplicas`` on a small object ~4 µs, the value's conversion included.
Kube's cost estimates and runtime cost budget are not computed.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_encoders, ext_math, ext_optional
from google.protobuf import descriptor_pb2, descriptor_pool, duration_pb2, message_factory, struct_pb2, timestamp_pb2

from aiokube.apiserver.apiextensions.celast import literal_issues
from aiokube.apiserver.apiextensions.celissues import cel_go_issues, format_issues
from aiokube.apiserver.apiextensions.structural import Schema, additional_properties_of, items_of, props_of
from aiokube.apiserver.golang import parse_duration
from aiokube.apiserver.quantity import Quantity, parse_quantity

T = cel.Type
#: the names of the variables of a validation rule
SELF, OLD_SELF = "self", "oldSelf"

# ---- URL and Quantity: kube's opaque types, as protobuf messages of a private pool ----------------------------

_POOL = descriptor_pool.DescriptorPool()
_FILE = descriptor_pb2.FileDescriptorProto(name="aiokube_kubernetes_cel.proto", package="kubernetes", syntax="proto3")
for _name in ("URL", "Quantity"):
    _msg = _FILE.message_type.add(name=_name)
    _msg.field.add(
        name="value",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    )
_POOL.Add(_FILE)
_URL_MSG = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("kubernetes.URL"))
_QUANTITY_MSG = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("kubernetes.Quantity"))
URL_TYPE = T("kubernetes.URL")
QUANTITY_TYPE = T("kubernetes.Quantity")


class CelError(Exception):
    """A rule that does not compile or a value a library function refuses (the text is cel-go's)."""


class CelUnchecked(CelError):
    """An expression cel-go accepts that the C++ checker refuses (a comparison of int with double or uint,
    which kube allows): no program here; the text is the C++ checker's."""


# ---- schema -> CEL type ---------------------------------------------------------------------------------------

_RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace return "
    "var void while".split()
)
_ESCAPES = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}
_ESCAPE_TOKENS = re.compile(r"__|[./-]")
_IDENT_CHARS = re.compile(r"[a-zA-Z0-9_./-]*")


def escape(name: str) -> str | None:
    """kube's cel.Escape: a property name as a CEL field name, or None when it cannot be one."""
    if not name or name[0].isdigit():
        return None
    if name in _RESERVED:
        return f"__{name}__"
    if not _IDENT_CHARS.fullmatch(name):
        return None
    return _ESCAPE_TOKENS.sub(lambda m: _ESCAPES[m.group(0)], name)


def _schema_type(s: Schema) -> str:
    return s.get("type") or ""


def decl_type(s: Schema | None, is_root: bool = False) -> tuple[str, Any] | None:
    """(a key naming the type, the cel.Type) of a schema node, or None where kube exposes nothing to CEL."""
    if s is None:
        return None
    if s.get("x-kubernetes-int-or-string") is True:
        return "dyn", T.DYN
    t = _schema_type(s)
    if t == "array":
        items = items_of(s)
        elem = decl_type(items, bool(items and items.get("x-kubernetes-embedded-resource")))
        return (f"list({elem[0]})", T.List(elem[1])) if elem else None
    if t == "object":
        _, ap = additional_properties_of(s)
        if ap is not None:
            elem = decl_type(ap, ap.get("x-kubernetes-embedded-resource") is True)
            return (f"map({elem[0]})", T.Map(T.STRING, elem[1])) if elem else None
        return "object", T.Map(T.STRING, T.DYN)
    if t == "string":
        fmt = s.get("format") or ""
        if fmt == "byte":
            return "bytes", T.BYTES
        if fmt == "duration":
            return "duration", T.DURATION
        if fmt in ("date", "date-time"):
            return "timestamp", T.TIMESTAMP
        return "string", T.STRING
    if t == "boolean":
        return "bool", T.BOOL
    if t == "number":
        return "double", T.DOUBLE
    if t == "integer":
        return "int", T.INT
    return None


# ---- JSON value -> CEL value ----------------------------------------------------------------------------------


def needs_conversion(s: Schema | None, is_root: bool = False) -> bool:
    """Whether :func:`to_cel` changes values of this schema (else the JSON value is passed as it is)."""
    if s is None or s.get("x-kubernetes-int-or-string") is True:
        return False
    if is_root or s.get("x-kubernetes-embedded-resource") is True:
        return True
    t = _schema_type(s)
    if t == "number" or (t == "string" and (s.get("format") or "") in ("byte", "duration", "date", "date-time")):
        return True
    if t == "array":
        return needs_conversion(items_of(s))
    if t == "object":
        _, ap = additional_properties_of(s)
        if ap is not None:
            return needs_conversion(ap)
        return any(escape(k) != k or needs_conversion(p) for k, p in props_of(s).items())
    return False


# timestamps and durations go in as protobuf messages: the binding takes datetime/timedelta only as top-level
# variables, not inside lists and maps


def _timestamp(text: str, date_only: bool) -> Any:
    if date_only:
        when = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.UTC)
    else:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(when)
    return ts


def _duration(delta: datetime.timedelta) -> Any:
    d = duration_pb2.Duration()
    d.FromTimedelta(delta)
    return d


def to_cel(s: Schema | None, v: Any, is_root: bool = False) -> Any:
    """A JSON value of schema ``s`` as the CEL value kube's UnstructuredToVal gives a rule."""
    if v is None or s is None or not needs_conversion(s, is_root):
        return v
    t = _schema_type(s)
    try:
        if t == "number" and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if t == "string" and isinstance(v, str):
            fmt = s.get("format") or ""
            if fmt == "byte":
                return base64.b64decode(v)
            if fmt == "duration":
                return _duration(datetime.timedelta(seconds=parse_duration(v) or 0.0))
            if fmt in ("date", "date-time"):
                return _timestamp(v, fmt == "date")
            return v
    except ValueError:
        return v
    if t == "array" and isinstance(v, list):
        items = items_of(s)
        embedded = bool(items and items.get("x-kubernetes-embedded-resource"))
        return [to_cel(items, x, embedded) for x in v]
    if t == "object" and isinstance(v, dict):
        _, ap = additional_properties_of(s)
        if ap is not None:
            embedded = ap.get("x-kubernetes-embedded-resource") is True
            return {k: to_cel(ap, x, embedded) for k, x in v.items()}
        props = props_of(s)
        out: dict[str, Any] = {}
        for k, x in v.items():
            sub = props.get(k)
            if sub is None:
                if (is_root or s.get("x-kubernetes-embedded-resource") is True) and k in ("apiVersion", "kind"):
                    out[k] = x
                elif (is_root or s.get("x-kubernetes-embedded-resource") is True) and k == "metadata":
                    out[k] = {m: x[m] for m in ("name", "generateName") if isinstance(x, dict) and m in x}
                continue
            name = escape(k)
            if name is not None:
                out[name] = to_cel(sub, x, sub.get("x-kubernetes-embedded-resource") is True)
        return out
    return v


# ---- kube's libraries -----------------------------------------------------------------------------------------

_COMPARABLE = [T.INT, T.UINT, T.DOUBLE, T.BOOL, T.STRING, T.BYTES, T.DURATION, T.TIMESTAMP]


def _is_sorted(xs: list[Any]) -> bool:
    return all(xs[i] <= xs[i + 1] for i in range(len(xs) - 1))


def _sum(xs: list[Any]) -> Any:
    if not xs:
        return 0
    return _as_cel(sum(xs[1:], xs[0]))


def _as_cel(v: Any) -> Any:
    """A Python function's result as the binding takes it (durations and timestamps as protobuf messages)."""
    if isinstance(v, datetime.timedelta):
        return _duration(v)
    if isinstance(v, datetime.datetime):
        ts = timestamp_pb2.Timestamp()
        ts.FromDatetime(v)
        return ts
    return v


def _min(xs: list[Any]) -> Any:
    if not xs:
        raise ValueError("min called on empty list")
    return _as_cel(min(xs))


def _max(xs: list[Any]) -> Any:
    if not xs:
        raise ValueError("max called on empty list")
    return _as_cel(max(xs))


def _index_of(xs: list[Any], x: Any) -> int:
    for i, y in enumerate(xs):
        if y == x and type(y) is type(x):
            return i
    return -1


def _last_index_of(xs: list[Any], x: Any) -> int:
    for i in range(len(xs) - 1, -1, -1):
        if xs[i] == x and type(xs[i]) is type(x):
            return i
    return -1


def _char_at(s: str, i: int) -> str:
    if i < 0 or i > len(s):
        raise ValueError(f"index out of range: {i}")
    return s[i : i + 1]


def _str_index_of(s: str, sub: str, start: int = 0) -> int:
    if start < 0 or start > len(s):
        raise ValueError(f"index out of range: {start}")
    return s.find(sub, start)


def _str_last_index_of(s: str, sub: str, end: int | None = None) -> int:
    if end is None:
        return s.rfind(sub)
    if end < 0 or end > len(s):
        raise ValueError(f"index out of range: {end}")
    return s.rfind(sub, 0, end + len(sub))


def _substring(s: str, start: int, end: int | None = None) -> str:
    end = len(s) if end is None else end
    if start < 0 or start > len(s):
        raise ValueError(f"index out of range: {start}")
    if end < 0 or end > len(s):
        raise ValueError(f"index out of range: {end}")
    if start > end:
        raise ValueError(f"invalid substring range. start: {start}, end: {end}")
    return s[start:end]


def _ascii(s: str, upper: bool) -> str:
    return "".join((c.upper() if upper else c.lower()) if c.isascii() else c for c in s)


def _replace(s: str, old: str, new: str, n: int = -1) -> str:
    return s.replace(old, new, n if n >= 0 else -1)


def _split(s: str, sep: str, n: int = -1) -> list[str]:
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        return chars if n < 0 or n >= len(chars) else [*chars[: n - 1], "".join(chars[n - 1 :])]
    return s.split(sep, n - 1 if n > 0 else -1)


def _find(s: str, pattern: str) -> str:
    m = re.search(pattern, s)
    return m.group(0) if m else ""


def _find_all(s: str, pattern: str, n: int = -1) -> list[str]:
    out = [m.group(0) for m in re.finditer(pattern, s)]
    return out if n < 0 else out[:n]


def _url_parts(s: str) -> Any:
    """Go's url.ParseRequestURI, as far as kube's isURL needs it: absolute URLs or absolute paths."""
    if not s or not (s.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", s)):
        return None
    try:
        parts = urlsplit(s)
        _ = parts.port
    except ValueError:
        return None
    return parts


def _url(s: str) -> Any:
    if _url_parts(s) is None:
        raise ValueError(f"URL parse error during conversion from string: parse {s!r}: invalid URI for request")
    return _URL_MSG(value=s)


def _url_hostname(u: Any) -> str:
    host = urlsplit(u.value).netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rpartition(":")[0] if ":" in host else host


def _url_port(u: Any) -> str:
    host = urlsplit(u.value).netloc.rpartition("@")[2]
    colon = host.rfind(":")
    return host[colon + 1 :] if colon > host.rfind("]") else ""


def _url_query(u: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(u.value).query, keep_blank_values=True)


def _q(m: Any) -> Quantity:
    q = parse_quantity(m.value)
    if q is None:
        raise ValueError(f"quantities must match the regular expression: {m.value}")
    return q


def _quantity(s: str) -> Any:
    q = parse_quantity(s)
    if q is None:
        raise ValueError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    return _q_value(q)


def _q_value(q: Quantity) -> Any:
    return _QUANTITY_MSG(value=q.canonical())


def _q_as_integer(m: Any) -> int:
    q = _q(m)
    if q.scale < 0 and q.unscaled % 10**-q.scale:
        raise ValueError("cannot convert value to integer")
    n = q.unscaled * 10**q.scale if q.scale >= 0 else q.unscaled // 10**-q.scale
    if not -(2**63) <= n < 2**63:
        raise ValueError("cannot convert value to integer")
    return n


def _q_is_integer(m: Any) -> bool:
    q = _q(m)
    return q.scale >= 0 or q.unscaled % 10**-q.scale == 0


def _q_float(m: Any) -> float:
    q = _q(m)
    return float(q.unscaled) * math.pow(10, q.scale)


def _q_add(a: Any, b: Any) -> Any:
    other = _q(b) if not isinstance(b, int) else Quantity(b, 0, "DecimalSI")
    return _q_value(_q(a).add(other))


def _q_sub(a: Any, b: Any) -> Any:
    other = _q(b) if not isinstance(b, int) else Quantity(b, 0, "DecimalSI")
    return _q_value(_q(a).add(Quantity(-other.unscaled, other.scale, other.format)))


def _fn(name: str, *overloads: tuple[str, Any, list[Any], bool, Callable[..., Any]]) -> tuple[str, list[Any]]:
    return name, [cel.Overload(oid, ret, params, is_member=m, impl=impl) for oid, ret, params, m, impl in overloads]


def _library(extra: dict[str, list[Any]] | None = None) -> list[Any]:
    """kube's libraries written here, as function declarations; ``extra``: more overloads by function name
    (merged into a name declared here: the C++ environment takes one declaration per name)."""
    merged: dict[str, list[Any]] = {}
    for name, overloads in _library_overloads():
        merged.setdefault(name, []).extend(overloads)
    for name, overloads in (extra or {}).items():
        merged.setdefault(name, []).extend(overloads)
    return [cel.FunctionDecl(name, overloads) for name, overloads in merged.items()]


def _library_overloads() -> list[tuple[str, list[Any]]]:
    S, I, B, L = T.STRING, T.INT, T.BOOL, T.List  # noqa: E741
    # the C++ runtime dispatches on kinds (any list is "list"): one overload over list(dyn) each
    lists: list[Any] = [
        _fn("isSorted", ("list_is_sorted", B, [L(T.DYN)], True, _is_sorted)),
        _fn("min", ("list_min", T.DYN, [L(T.DYN)], True, _min)),
        _fn("max", ("list_max", T.DYN, [L(T.DYN)], True, _max)),
        _fn("sum", ("list_sum", T.DYN, [L(T.DYN)], True, _sum)),
    ]
    index_of = [(f"list_{t.name()}_indexOf", I, [L(t), t], True, _index_of) for t in _COMPARABLE]
    last_index_of = [(f"list_{t.name()}_lastIndexOf", I, [L(t), t], True, _last_index_of) for t in _COMPARABLE]
    strings = [
        _fn("charAt", ("string_char_at", S, [S, I], True, _char_at)),
        _fn(
            "indexOf",
            ("string_index_of", I, [S, S], True, _str_index_of),
            ("string_index_of_offset", I, [S, S, I], True, _str_index_of),
            *index_of,
        ),
        _fn(
            "lastIndexOf",
            ("string_last_index_of", I, [S, S], True, _str_last_index_of),
            ("string_last_index_of_offset", I, [S, S, I], True, _str_last_index_of),
            *last_index_of,
        ),
        _fn("lowerAscii", ("string_lower_ascii", S, [S], True, lambda s: _ascii(s, False))),
        _fn("upperAscii", ("string_upper_ascii", S, [S], True, lambda s: _ascii(s, True))),
        _fn(
            "replace",
            ("string_replace", S, [S, S, S], True, _replace),
            ("string_replace_n", S, [S, S, S, I], True, _replace),
        ),
        _fn("split", ("string_split", L(S), [S, S], True, _split), ("string_split_n", L(S), [S, S, I], True, _split)),
        _fn(
            "substring",
            ("string_substring", S, [S, I], True, _substring),
            ("string_substring_range", S, [S, I, I], True, _substring),
        ),
        _fn("trim", ("string_trim", S, [S], True, lambda s: s.strip(" \t\n\v\f\r\x85\xa0"))),
        _fn(
            "join",
            ("list_join", S, [L(S)], True, lambda xs: "".join(xs)),
            ("list_join_string", S, [L(S), S], True, lambda xs, sep: sep.join(xs)),
        ),
        _fn("find", ("string_find", S, [S, S], True, _find)),
        _fn(
            "findAll",
            ("string_find_all", L(S), [S, S], True, _find_all),
            ("string_find_all_n", L(S), [S, S, I], True, _find_all),
        ),
    ]
    url = URL_TYPE
    urls = [
        _fn("url", ("string_to_url", url, [S], False, _url)),
        _fn("isURL", ("is_url_string", B, [S], False, lambda s: _url_parts(s) is not None)),
        _fn("getScheme", ("url_get_scheme", S, [url], True, lambda u: urlsplit(u.value).scheme)),
        _fn("getHost", ("url_get_host", S, [url], True, lambda u: urlsplit(u.value).netloc.rpartition("@")[2])),
        _fn("getHostname", ("url_get_hostname", S, [url], True, _url_hostname)),
        _fn("getPort", ("url_get_port", S, [url], True, _url_port)),
        _fn("getEscapedPath", ("url_get_escaped_path", S, [url], True, lambda u: urlsplit(u.value).path)),
        _fn("getQuery", ("url_get_query", T.Map(S, L(S)), [url], True, _url_query)),
    ]
    q = QUANTITY_TYPE
    quantities = [
        _fn("quantity", ("string_to_quantity", q, [S], False, _quantity)),
        _fn("isQuantity", ("is_quantity_string", B, [S], False, lambda s: parse_quantity(s) is not None)),
        _fn("sign", ("quantity_sign", I, [q], True, lambda m: (_q(m).unscaled > 0) - (_q(m).unscaled < 0))),
        _fn("isGreaterThan", ("quantity_is_greater_than", B, [q, q], True, lambda a, b: _q(a).cmp(_q(b)) > 0)),
        _fn("isLessThan", ("quantity_is_less_than", B, [q, q], True, lambda a, b: _q(a).cmp(_q(b)) < 0)),
        _fn("compareTo", ("quantity_compare_to", I, [q, q], True, lambda a, b: _q(a).cmp(_q(b)))),
        _fn("add", ("quantity_add", q, [q, q], True, _q_add), ("quantity_add_int", q, [q, I], True, _q_add)),
        _fn("sub", ("quantity_sub", q, [q, q], True, _q_sub), ("quantity_sub_int", q, [q, I], True, _q_sub)),
        _fn("asInteger", ("quantity_as_integer", I, [q], True, _q_as_integer)),
        _fn("isInteger", ("quantity_is_integer", B, [q], True, _q_is_integer)),
        _fn("asApproximateFloat", ("quantity_as_float", T.DOUBLE, [q], True, _q_float)),
    ]
    return lists + strings + urls + quantities


_ENVS: dict[tuple[str, bool], Any] = {}


def message_pool(*files: Any) -> Any:
    """A descriptor pool holding kube's URL and Quantity, protobuf's Struct/Value, Timestamp and Duration, and
    ``files`` (FileDescriptorProtos whose messages type other CEL variables, e.g. admission's request)."""
    pool = descriptor_pool.DescriptorPool()
    for module in (struct_pb2, timestamp_pb2, duration_pb2):
        proto = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(proto)
        pool.Add(proto)
    pool.Add(_FILE)
    for proto in files:
        pool.Add(proto)
    return pool


def new_env(
    variables: dict[str, Any],
    functions: list[Any] | tuple[Any, ...] = (),
    pool: Any = None,
    extras: tuple[str, ...] = (),
    overloads: dict[str, list[Any]] | None = None,
) -> Any:
    """A CEL environment with kube's libraries (as far as they are written here), the given variables and
    extra function declarations; ``pool`` (from :func:`message_pool`) when the variables are messages;
    ``extras``: the extensions ``cel.bind`` (bindings), ``math.*`` and ``base64.*`` (encoders), which kube's
    base environment (CRD rules, admission) does not have (kube 1.36 refuses a CRD rule calling them);
    ``overloads``: declarations (``cel.Overload``) by function name, merged with the library's."""
    extensions = [ext_optional.ExtOptional()]
    known = {"bindings": ext_bindings.ExtBindings, "math": ext_math.ExtMath, "encoders": ext_encoders.ExtEncoders}
    extensions += [known[name]() for name in extras]
    pool = pool if pool is not None else _POOL
    return cel.NewEnv(pool, variables=variables, extensions=extensions, functions=[*_library(overloads), *functions])


def environment(self_type: tuple[str, Any], with_old_self: bool = True) -> Any:
    """The CEL environment of rules whose ``self`` (and ``oldSelf``) has this type; built once per type."""
    key = (self_type[0], with_old_self)
    env = _ENVS.get(key)
    if env is None:
        variables = {SELF: self_type[1]}
        if with_old_self:
            variables[OLD_SELF] = self_type[1]
        env = new_env(variables)
        _ENVS[key] = env
    return env


def _strip_status(text: str) -> str:
    """An absl status text as cel-go words it: no ``INVALID_ARGUMENT: `` prefix, no ``[INVALID_ARGUMENT]`` tail."""
    text = re.sub(r"^[A-Z_]+: ", "", text)
    return re.sub(r" \[[A-Z_]+\]$", "", text)


def compile_expr(env: Any, text: str, strict_dyn: bool = False) -> tuple[Any, Any]:
    """(the program, its result type), or CelError with cel-go's ``issues.String()`` text; kube's AST
    validators run on what compiles (``strict_dyn``: a dyn element among typed ones is a mixed literal, as it
    is where kube types values as dyn too — admission's object — but not for CRD rules, whose objects are typed
    more loosely here than in kube)."""
    try:
        program = env.compile(text)
    except RuntimeError as e:
        cpp = _strip_status(str(e))
        issues_text = cel_go_issues(cpp, text)
        if not issues_text:
            raise CelUnchecked(cpp) from None
        raise CelError(issues_text) from None
    if issues := literal_issues(program.serialize(), strict_dyn):
        raise CelError(format_issues(text, issues))
    return program, program.return_type()


def parse_expr(env: Any, text: str) -> None:
    """Only parse (no type check): CelError with the parser's syntax errors."""
    try:
        env.compile(text, disable_check=True)
    except RuntimeError as e:
        raise CelError(cel_go_issues(_strip_status(str(e)), text)) from None


_NO_SUCH_KEY = re.compile(r'^Key not found in map : "?(.*?)"?$')


def eval_expr(program: Any, data: dict[str, Any]) -> Any:
    """The value of a compiled expression, or CelError with cel-go's words for the errors users meet."""
    try:
        result = program.eval(data=data)
    except (RuntimeError, ValueError, TypeError) as e:
        raise CelError(_strip_status(str(e))) from None
    if result.type() == T.ERROR:
        text = _strip_status(str(result.value()))
        m = _NO_SUCH_KEY.match(text)
        if m:
            text = f"no such key: {m.group(1)}"
        elif text.startswith("No matching overloads found"):
            text = "no such overload"
        raise CelError(text)
    return result.value()


BOOL, STRING = T.BOOL, T.STRING
