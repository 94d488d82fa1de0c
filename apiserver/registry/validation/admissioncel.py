"""The compilation of admission CEL expressions (``k8s.io/apiserver/pkg/admission/plugin/cel``) and of DRA
device selectors (``k8s.io/dynamic-resource-allocation/cel``), as kube's validation runs it on create and update.

Kube's variables are declared with kube's types, as protobuf messages of the same names (so type errors and
``must evaluate to … but got kubernetes.AdmissionRequest`` read as kube's): ``object``, ``oldObject`` and ``params``
(dyn), ``request`` (``kubernetes.AdmissionRequest``), ``namespaceObject`` (``kubernetes.Namespace``),
``authorizer`` and ``authorizer.requestResource`` (kube's authorizer types, with their functions), ``variables``
(``kubernetes.variables``: one field per variable composed so far, of the type its expression has), ``device``
(``kubernetes.DRADevice``), the mutations' ``JSONPatch``, ``jsonpatch.escapeKey`` and ``Object`` literals (their
types declared per expression). Types a protobuf field cannot hold (``request.userInfo.extra``'s map of lists,
``device.capacity``, variables of nested lists and maps) are also declared as qualified variables, which the
checker resolves first. Kube's ip/cidr, semver, format and sets libraries are declared for the checker too.

What cannot be declared here is not checked, so that nothing valid is refused: an expression using the lists
or strings extensions or two-variable comprehensions is only parsed. Kube's cost limits are not estimated.
A known function called with the wrong number of arguments is checked again with a stand-in of every arity,
for kube's "found no matching overload" text.

Every result is memoized by (expression, declarations): a policy is validated again on each update.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel
from google.protobuf import descriptor_pb2

from aiokube.apiserver.apiextensions import celenv
from aiokube.apiserver.apiextensions.celast import call_argument_types, program_error
from aiokube.apiserver.apiextensions.celenv import CelError, CelUnchecked
from aiokube.apiserver.apiextensions.celissues import go_type_name

T = cel.Type
_F = descriptor_pb2.FieldDescriptorProto
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
_SCALAR_FIELDS = {
    "string": _F.TYPE_STRING,
    "int": _F.TYPE_INT64,
    "uint": _F.TYPE_UINT64,
    "double": _F.TYPE_DOUBLE,
    "bool": _F.TYPE_BOOL,
    "bytes": _F.TYPE_BYTES,
}
_MESSAGE_FIELDS = {
    "timestamp": ".google.protobuf.Timestamp",
    "google.protobuf.Timestamp": ".google.protobuf.Timestamp",
    "google.protobuf.Duration": ".google.protobuf.Duration",
    "dyn": ".google.protobuf.Value",
    "list(dyn)": ".google.protobuf.ListValue",
    "map(string, dyn)": ".google.protobuf.Struct",
}


def _field(msg: Any, name: str, kind: str, repeated: bool = False) -> None:
    """Add field ``name`` of cel-go type ``kind`` (a scalar, a message name or one of ``_MESSAGE_FIELDS``); its
    JSON name is made unique (protobuf refuses ``a_b`` beside ``aB``, which CEL names may be)."""
    label = _REP if repeated else _OPT
    number = len(msg.field) + 1
    json_name = f"f{number}"
    if kind in _SCALAR_FIELDS:
        msg.field.add(name=name, number=number, type=_SCALAR_FIELDS[kind], label=label, json_name=json_name)
    else:
        type_name = _MESSAGE_FIELDS.get(kind) or f".{kind}"
        msg.field.add(name=name, number=number, type=_F.TYPE_MESSAGE, type_name=type_name, label=label,
                      json_name=json_name)  # fmt: skip


def _map_field(msg: Any, name: str, key: str, value: str) -> None:
    # protobuf's rule: a map field's entry is its CamelCased name + "Entry"
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    if any(t.name == f"{camel}Entry" for t in msg.nested_type):  # a_b beside aB: the second one is looser
        _field(msg, name, "map(string, dyn)" if key == "string" else "dyn")
        return
    entry = msg.nested_type.add(name=f"{camel}Entry")
    entry.options.map_entry = True
    _field(entry, "key", key)
    _field(entry, "value", value)
    msg.field.add(name=name, number=len(msg.field) + 1, type=_F.TYPE_MESSAGE, label=_REP,
                  type_name=f".{_PACKAGE}.{msg.name}.{entry.name}", json_name=f"f{len(msg.field) + 1}")  # fmt: skip


_PACKAGE = "kubernetes"
_DEPS = ["google/protobuf/struct.proto", "google/protobuf/timestamp.proto", "google/protobuf/duration.proto"]


def _kube_types() -> Any:
    """kube's BuildRequestType, BuildNamespaceType and the DRA device type, as one file of messages."""
    f = descriptor_pb2.FileDescriptorProto(name="aiokube_admission_cel.proto", package=_PACKAGE, syntax="proto3",
                                           dependency=_DEPS)  # fmt: skip
    gvk = f.message_type.add(name="GroupVersionKind")
    gvr = f.message_type.add(name="GroupVersionResource")
    for msg, last in ((gvk, "kind"), (gvr, "resource")):
        for name in ("group", "version", last):
            _field(msg, name, "string")
    user = f.message_type.add(name="UserInfo")
    for name in ("username", "uid"):
        _field(user, name, "string")
    _field(user, "groups", "string", repeated=True)
    _map_field(user, "extra", "string", "list(dyn)")
    req = f.message_type.add(name="AdmissionRequest")
    for name, kind in (("kind", "kubernetes.GroupVersionKind"), ("resource", "kubernetes.GroupVersionResource"),
                       ("subResource", "string"), ("requestKind", "kubernetes.GroupVersionKind"),
                       ("requestResource", "kubernetes.GroupVersionResource"), ("requestSubResource", "string"),
                       ("name", "string"), ("namespace", "string"), ("operation", "string"),
                       ("userInfo", "kubernetes.UserInfo"), ("dryRun", "bool"), ("options", "dyn")):  # fmt: skip
        _field(req, name, kind)
    spec = f.message_type.add(name="NamespaceSpec")
    _field(spec, "finalizers", "string", repeated=True)
    cond = f.message_type.add(name="NamespaceCondition")
    for name in ("status", "type", "lastTransitionTime", "message", "reason"):
        _field(cond, name, "timestamp" if name == "lastTransitionTime" else "string")
    status = f.message_type.add(name="NamespaceStatus")
    _field(status, "conditions", "kubernetes.NamespaceCondition", repeated=True)
    _field(status, "phase", "string")
    meta = f.message_type.add(name="NamespaceMetadata")
    for name in ("name", "generateName", "namespace"):
        _field(meta, name, "string")
    for name in ("labels", "annotations"):
        _map_field(meta, name, "string", "string")
    for name, kind in (("UID", "string"), ("creationTimestamp", "timestamp"),
                       ("deletionGracePeriodSeconds", "int"), ("deletionTimestamp", "timestamp"),
                       ("generation", "int"), ("resourceVersion", "string")):  # fmt: skip
        _field(meta, name, kind)
    _field(meta, "finalizers", "string", repeated=True)
    ns = f.message_type.add(name="Namespace")
    for name, kind in (("metadata", "NamespaceMetadata"), ("spec", "NamespaceSpec"), ("status", "NamespaceStatus")):
        _field(ns, name, f"kubernetes.{kind}")
    device = f.message_type.add(name="DRADevice")
    _field(device, "driver", "string")
    _field(device, "allowMultipleAllocations", "bool")
    for name in ("attributes", "capacity"):
        _map_field(device, name, "string", "map(string, dyn)")
    return f


def _json_patch_type() -> Any:
    """The mutations' ``JSONPatch`` (no package: kube's type is named just that)."""
    f = descriptor_pb2.FileDescriptorProto(name="aiokube_jsonpatch_cel.proto", syntax="proto3", dependency=_DEPS)
    msg = f.message_type.add(name="JSONPatch")
    for name in ("op", "path", "from"):
        _field(msg, name, "string")
    _field(msg, "value", "dyn")
    return f


_KUBE_TYPES, _JSON_PATCH = _kube_types(), _json_patch_type()

# ---- the authorizer library: kube's types and functions, declared for the type checker only ------------------

_AUTHZ = {n: T.AbstractType(f"kubernetes.authorization.{n}") for n in
          ("Authorizer", "PathCheck", "GroupCheck", "ResourceCheck", "Decision")}  # fmt: skip


def _decl(name: str, *overloads: tuple[str, Any, list[Any], bool]) -> Any:
    return cel.FunctionDecl(name, [cel.Overload(oid, ret, params, is_member=m) for oid, ret, params, m in overloads])


def _authz_functions() -> list[Any]:
    a, p, g, r, d, s = (_AUTHZ["Authorizer"], _AUTHZ["PathCheck"], _AUTHZ["GroupCheck"], _AUTHZ["ResourceCheck"],
                        _AUTHZ["Decision"], T.STRING)  # fmt: skip
    out = [
        _decl("path", ("authorizer_path", p, [a, s], True)),
        _decl("group", ("authorizer_group", g, [a, s], True)),
        _decl("serviceAccount", ("authorizer_serviceaccount", a, [a, s, s], True)),
        _decl("resource", ("groupcheck_resource", r, [g, s], True)),
        _decl("check", ("pathcheck_check", d, [p, s], True), ("resourcecheck_check", d, [r, s], True)),
        _decl("errored", ("decision_errored", T.BOOL, [d], True)),
        _decl("error", ("decision_error", s, [d], True)),
        _decl("allowed", ("decision_allowed", T.BOOL, [d], True)),
        _decl("reason", ("decision_reason", s, [d], True)),
    ]
    for name in ("subresource", "namespace", "name", "fieldSelector", "labelSelector"):
        out.append(_decl(name, (f"resourcecheck_{name.lower()}", r, [r, s], True)))
    return out


# ---- kube's ip, cidr, semver, format and sets libraries, declared for the type checker only --------------------

_IP, _CIDR = T.AbstractType("net.IP"), T.AbstractType("net.CIDR")
_SEMVER, _FORMAT = T.AbstractType("kubernetes.Semver"), T.AbstractType("kubernetes.NamedFormat")
_FORMATS = ("dns1123Label dns1123Subdomain dns1035Label qualifiedName dns1123LabelPrefix dns1123SubdomainPrefix "
            "dns1035LabelPrefix labelValue uri uuid byte date datetime").split()  # fmt: skip


def _kube_overloads() -> dict[str, list[Any]]:
    """Overloads by function name (merged with celenv's library, which has compareTo/isGreaterThan/isLessThan
    for quantities). An optional result is dyn here (the binding cannot name an optional type)."""
    s, b, i, dyn = T.STRING, T.BOOL, T.INT, T.DYN

    def o(oid: str, ret: Any, params: list[Any], member: bool) -> Any:
        return cel.Overload(oid, ret, params, is_member=member)

    out: dict[str, list[Any]] = {
        "ip": [o("string_to_ip", _IP, [s], False), o("cidr_ip", _IP, [_CIDR], True)],
        "family": [o("ip_family", i, [_IP], True)],
        "ip.isCanonical": [o("ip_is_canonical", b, [s], False)],
        "isIP": [o("is_ip", b, [s], False)],
        "cidr": [o("string_to_cidr", _CIDR, [s], False)],
        "containsIP": [o("cidr_contains_ip_string", b, [_CIDR, s], True),
                       o("cidr_contains_ip_ip", b, [_CIDR, _IP], True)],
        "containsCIDR": [o("cidr_contains_cidr_string", b, [_CIDR, s], True),
                         o("cidr_contains_cidr", b, [_CIDR, _CIDR], True)],
        "prefixLength": [o("cidr_prefix_length", i, [_CIDR], True)],
        "masked": [o("cidr_masked", _CIDR, [_CIDR], True)],
        "isCIDR": [o("is_cidr", b, [s], False)],
        "semver": [o("string_to_semver", _SEMVER, [s], False), o("string_bool_to_semver", _SEMVER, [s, b], False)],
        "isSemver": [o("is_semver_string", b, [s], False), o("is_semver_string_bool", b, [s, b], False)],
        "isGreaterThan": [o("semver_is_greater_than", b, [_SEMVER, _SEMVER], True)],
        "isLessThan": [o("semver_is_less_than", b, [_SEMVER, _SEMVER], True)],
        "compareTo": [o("semver_compare_to", i, [_SEMVER, _SEMVER], True)],
        "major": [o("semver_major", i, [_SEMVER], True)],
        "minor": [o("semver_minor", i, [_SEMVER], True)],
        "patch": [o("semver_patch", i, [_SEMVER], True)],
        "validate": [o("format-validate", dyn, [_FORMAT, s], True)],
        "format.named": [o("format-named", dyn, [s], False)],
        "sets.contains": [o("list_sets_contains_list", b, [T.List(dyn), T.List(dyn)], False)],
        "sets.equivalent": [o("list_sets_equivalent_list", b, [T.List(dyn), T.List(dyn)], False)],
        "sets.intersects": [o("list_sets_intersects_list", b, [T.List(dyn), T.List(dyn)], False)],
    }  # fmt: skip
    for name in ("isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast", "isGlobalUnicast"):
        out[name] = [o(f"ip_{name}", b, [_IP], True)]
    for name in _FORMATS:
        out[f"format.{name}"] = [o(f"format.{name}", _FORMAT, [], False)]
    return out


_ESCAPE_KEY = _decl("jsonpatch.escapeKey", ("string_jsonpatch_escapekey", T.STRING, [T.STRING], False))

#: kube's library functions and macros not declared here (the lists and strings extensions, two-variable
#: comprehensions): an expression using one is only parsed
_UNDECLARED_KUBE = frozenset(
    "distinct flatten lists range reverse slice sort sortBy first last format quote strings all exists existsOne "
    "exists_one transformList transformMap transformMapEntry".split()
)
#: string() of an IP or a CIDR (kube adds overloads to the standard conversion, which cannot be extended here)
_STRING_OF = re.compile(r"found no matching overload for 'string' applied to '\((?:net\.IP|net\.CIDR)\)'")
_STANDARD_MACROS = frozenset(["all", "exists", "exists_one", "existsOne"])
_TWO_VARIABLES = re.compile(r"\b(?:all|exists|exists_one|existsOne)\s*\(\s*[_a-zA-Z]\w*\s*,\s*[_a-zA-Z]\w*\s*,")
_ISSUE_NAME = re.compile(r"(?:undeclared reference to|found no matching overload for) '([^']*)'")

# ---- environments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decls:
    """kube's OptionalVariableDeclarations, and the composed variables (None: ``variables`` is not declared)."""

    params: bool = False
    authorizer: bool = True
    patch_types: bool = False
    variables: tuple[tuple[str, str], ...] | None = None
    device: bool = False
    #: kube's nested types protobuf fields cannot hold (a map of lists, of maps of quantities), declared as
    #: qualified variables (``request.userInfo.extra``) that the checker resolves before the message's field
    nested: bool = True


_ENVS: dict[Decls, Any] = {}


def _variables_type(variables: tuple[tuple[str, str], ...]) -> Any:
    """``kubernetes.variables`` with a field per composed variable, of the type kube's convertCelTypeToDeclType
    keeps (scalars, lists and maps; objects are dyn)."""
    f = descriptor_pb2.FileDescriptorProto(name="aiokube_variables_cel.proto", package=_PACKAGE, syntax="proto2",
                                           dependency=_DEPS)  # fmt: skip
    msg = f.message_type.add(name="variables")
    for name, kind in variables:
        _typed_field(msg, name, kind)
    return f


#: null_type is not one: a protobuf NullValue field reads as an int
_SIMPLE = frozenset([*_SCALAR_FIELDS, "google.protobuf.Timestamp", "google.protobuf.Duration"])
_LIST = re.compile(r"list\((.*)\)")
_MAP = re.compile(r"map\(([a-z]+), (.*)\)")


_CEL_SCALARS = {
    "bool": T.BOOL,
    "int": T.INT,
    "uint": T.UINT,
    "double": T.DOUBLE,
    "string": T.STRING,
    "bytes": T.BYTES,
    "google.protobuf.Timestamp": T.TIMESTAMP,
    "google.protobuf.Duration": T.DURATION,
}


def _split_pair(text: str) -> tuple[str, str]:
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    return text, "dyn"


def _cel_type(kind: str) -> Any:
    """The cel.Type of a cel-go type name as a composed variable keeps it (objects and the rest: dyn)."""
    if kind in _CEL_SCALARS:
        return _CEL_SCALARS[kind]
    if m := _LIST.fullmatch(kind):
        return T.List(_cel_type(m.group(1)))
    if kind.startswith("map(") and kind.endswith(")"):
        key, value = _split_pair(kind[4:-1])
        return T.Map(_cel_type(key), _cel_type(value))
    return T.DYN


def _nested(kind: str) -> bool:
    """A list or map type no protobuf field holds exactly (declared as a qualified variable instead)."""
    if (m := _LIST.fullmatch(kind)) and m.group(1) not in _SIMPLE:
        return True
    m = _MAP.fullmatch(kind)
    return bool(m) and (m.group(1) not in ("string", "int", "uint", "bool") or m.group(2) not in _SIMPLE)


def _typed_field(msg: Any, name: str, kind: str) -> None:
    if kind in _SIMPLE:
        _field(msg, name, kind)
    elif (m := _LIST.fullmatch(kind)) and m.group(1) in _SIMPLE:
        _field(msg, name, m.group(1), repeated=True)
    elif kind.startswith("list("):
        _field(msg, name, "list(dyn)")
    elif (m := _MAP.fullmatch(kind)) and m.group(1) in ("string", "int", "uint", "bool") and m.group(2) in _SIMPLE:
        _map_field(msg, name, m.group(1), m.group(2))
    elif kind.startswith("map(string,"):
        _field(msg, name, "map(string, dyn)")
    else:
        _field(msg, name, "dyn")


def environment(decls: Decls, objects: Any = None, extra: tuple[Any, ...] = ()) -> Any:
    """The environment of these declarations, built once (a few ms); ``objects``: a file of the ``Object``
    types an applyConfiguration builds, ``extra``: more function declarations (such an environment is built
    for one expression, not kept)."""
    env = _ENVS.get(decls) if objects is None and not extra else None
    if env is not None:
        return env
    files = [_KUBE_TYPES]
    functions: list[Any] = []
    if decls.device:
        variables = {"device": T("kubernetes.DRADevice")}
        if decls.nested:
            variables["device.capacity"] = T.Map(T.STRING, T.Map(T.STRING, celenv.QUANTITY_TYPE))
    else:
        variables = {"object": T.DYN, "oldObject": T.DYN, "request": T("kubernetes.AdmissionRequest"),
                     "namespaceObject": T("kubernetes.Namespace")}  # fmt: skip
        if decls.nested:
            variables["request.userInfo.extra"] = T.Map(T.STRING, T.List(T.STRING))
        if decls.params:
            variables["params"] = T.DYN
        functions += _authz_functions()  # kube's base environment has them; the variables are optional
        if decls.authorizer:
            variables["authorizer"] = _AUTHZ["Authorizer"]
            variables["authorizer.requestResource"] = _AUTHZ["ResourceCheck"]
        if decls.variables is not None:
            files.append(_variables_type(decls.variables))
            variables["variables"] = T("kubernetes.variables")
            if decls.nested:
                variables.update({f"variables.{n}": _cel_type(k) for n, k in decls.variables if _nested(k)})
        if decls.patch_types:
            files.append(_JSON_PATCH)
            functions.append(_ESCAPE_KEY)
    extras = ("bindings",) if decls.device else ()  # DRA's environment adds cel.bind to kube's base one
    if objects is not None or extra:
        files += [objects] if objects is not None else []
        functions += extra
        return celenv.new_env(variables, functions, celenv.message_pool(*files), extras, _kube_overloads())
    if len(_ENVS) > 256:  # composed variables make one per policy shape: keep the table bounded
        _ENVS.clear()
    env = _ENVS[decls] = celenv.new_env(variables, functions, celenv.message_pool(*files), extras, _kube_overloads())
    return env


# ---- compilation --------------------------------------------------------------------------------------------

_HAS_NESTED = re.compile(r"has\(\s*(?:request\s*\.\s*userInfo\s*\.\s*extra|device\s*\.\s*capacity|"
                         r"variables\s*\.\s*[_a-zA-Z][_a-zA-Z0-9]*)\s*\)")  # fmt: skip
_OBJECT_LITERAL = re.compile(r"\bObject\s*(?:\.\s*[_a-zA-Z][_a-zA-Z0-9]*\s*)*\{")
#: an Object type named without spaces (``Object.spec.template{``), as this rewrites it
_OBJECT_TYPE = re.compile(r"\bObject((?:\.[_a-zA-Z][_a-zA-Z0-9]*)*)(\s*\{)")
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


@dataclass(frozen=True)
class Result:
    """A compilation: kube's error detail ("" when it compiled) and the output type in cel-go's words ("" when
    the expression was only parsed: its type is unknown here)."""

    error: str
    type: str = ""
    internal: bool = False


_MEMO: dict[tuple[str, Decls], Result] = {}


def compile_expression(expression: str, decls: Decls) -> Result:
    """Compile as kube's CompileCELExpression does (without the return type check), memoized."""
    key = (expression, decls)
    result = _MEMO.get(key)
    if result is None:
        result = _compile(expression, decls)
        if len(_MEMO) > 8192:
            _MEMO.clear()
        _MEMO[key] = result
    return result


def _compile(expression: str, decls: Decls) -> Result:
    try:
        result = _compile_typed(expression, decls)
    except TypeError:  # protobuf refused the declared types (names it cannot take): what parses is accepted
        result = _parse_only(environment(Decls()), expression)
    if _TOO_DEEP_HERE.search(result.error):
        return Result("")  # nested deeper than the C++ parser's 32 levels: kube's limit is 250
    return result


_TOO_DEEP_HERE = re.compile(r"recursion depth of 32|recursion limit exceeded\. limit: 32")


def _compile_typed(expression: str, decls: Decls) -> Result:
    if _HAS_NESTED.search(expression):  # has() of a qualified variable is its value to the C++ checker
        decls = dataclasses.replace(decls, nested=False)
    if decls.patch_types and _OBJECT_LITERAL.search(expression):
        return _compile_objects(expression, decls)
    env = environment(decls)
    try:
        program, out = celenv.compile_expr(env, expression, strict_dyn=True)
    except CelUnchecked:
        return Result("")
    except CelError as e:
        text = str(e)
        if any(_undeclared_kube(n, expression) for n in _ISSUE_NAME.findall(text)) or _STRING_OF.search(text):
            return _parse_only(env, expression)
        return Result(f"compilation failed: {_wrong_arity(text, expression, decls)}")
    if error := program_error(program.serialize()):
        return Result(error, internal=True)
    return Result("", go_type_name(out.name()))


#: functions whose call with a wrong number of arguments cel-go reports as "no matching overload" (the C++
#: checker: "undeclared reference"): the standard library's, kube's written here, the authorizer's
_KNOWN_FUNCTIONS = frozenset(
    "size startsWith endsWith contains matches int uint double string bytes bool duration timestamp dyn type "
    "getFullYear getMonth getDayOfYear getDayOfMonth getDate getDayOfWeek getHours getMinutes getSeconds "
    "getMilliseconds hasValue value orValue or optMap optFlatMap charAt indexOf lastIndexOf lowerAscii upperAscii "
    "replace split substring trim join find findAll isSorted sum min max url isURL getScheme getHost getHostname "
    "getPort getEscapedPath getQuery quantity isQuantity isGreaterThan isLessThan compareTo add sub asInteger "
    "isInteger asApproximateFloat path group serviceAccount resource subresource namespace name check errored "
    "error allowed reason fieldSelector labelSelector".split()
) | {name for name in _kube_overloads() if "." not in name}
_UNDECLARED_CALL = re.compile(r"ERROR: <input>:(\d+):(\d+): undeclared reference to '([_a-zA-Z][_a-zA-Z0-9]*)' "
                              r"\(in container ''\)")  # fmt: skip
_MAX_ARITY = 6


def _wrong_arity(text: str, expression: str, decls: Decls) -> str:
    """cel-go's "found no matching overload for 'f' applied to 'T.(A)'" where the C++ checker reports a known
    function called with the wrong number of arguments as undeclared: each such name is replaced in place by a
    same-length stand-in declared for every arity, whose checked call gives the argument types."""
    lines = expression.split("\n")
    calls: list[tuple[str, int, int, int]] = []  # (name, line, column of "(", offset of the name)
    for m in _UNDECLARED_CALL.finditer(text):
        line, col, name = int(m.group(1)), int(m.group(2)), m.group(3)
        if name not in _KNOWN_FUNCTIONS or line > len(lines) or lines[line - 1][col - 1 : col] != "(":
            continue
        head = lines[line - 1][: col - 1].rstrip()
        if head.endswith(name):
            offset = sum(len(x) + 1 for x in lines[: line - 1]) + len(head) - len(name)
            calls.append((name, line, col, offset))
    if not calls:
        return text
    rewritten = expression
    stand_ins: dict[int, str] = {}
    for name, _, _, offset in calls:
        stand_in = stand_ins.setdefault(len(name), "Q" * len(name))
        rewritten = rewritten[:offset] + stand_in + rewritten[offset + len(name) :]
    extra = tuple(_any_arity(s) for s in stand_ins.values())
    try:
        program, _ = celenv.compile_expr(environment(decls, extra=extra), rewritten, strict_dyn=True)
    except CelError:
        return text
    serialized = program.serialize()
    for name, line, col, offset in calls:
        paren = offset + len(lines[line - 1][: col - 1]) - len(lines[line - 1][: col - 1].rstrip()) + len(name)
        found = call_argument_types(serialized, stand_ins[len(name)], paren)
        if found is None:
            continue
        member, types = found
        types = [{"null_type": "null"}.get(t, t) for t in types]
        args = f"{types[0]}.({', '.join(types[1:])})" if member and types else f"({', '.join(types)})"
        old = f"ERROR: <input>:{line}:{col}: undeclared reference to '{name}' (in container '')"
        text = text.replace(old, f"ERROR: <input>:{line}:{col}: found no matching overload for '{name}' applied to "
                                 f"'{args}'")  # fmt: skip
    return text


def _any_arity(name: str) -> Any:
    dyn = T.DYN
    overloads = [cel.Overload(f"{name}_{k}", dyn, [dyn] * k, is_member=False) for k in range(_MAX_ARITY + 1)]
    overloads += [cel.Overload(f"{name}_m{k}", dyn, [dyn] * (k + 1), is_member=True) for k in range(_MAX_ARITY)]
    return cel.FunctionDecl(name, overloads)


def _compile_objects(expression: str, decls: Decls) -> Result:
    """An expression building kube's dynamic ``Object`` types: each ``Object.a.b`` named ``Object_a_b`` (same
    columns) and declared as a message whose fields are every identifier of the expression, all dyn — what kube's
    DynamicTypeResolver gives it — then compiled, and the names put back in the errors and the type."""
    names: dict[str, str] = {}

    def mangle(m: re.Match[str]) -> str:
        name = "Object" + m.group(1)
        names[name.replace(".", "_")] = name
        return name.replace(".", "_") + m.group(2)

    text = _OBJECT_TYPE.sub(mangle, expression)
    if len(_OBJECT_TYPE.findall(expression)) != len(_OBJECT_LITERAL.findall(expression)) or "`" in expression:
        return _parse_only(environment(decls), expression)
    f = descriptor_pb2.FileDescriptorProto(name="aiokube_objects_cel.proto", syntax="proto2", dependency=_DEPS)
    idents = sorted(set(_IDENT.findall(expression)))
    for mangled in names:
        msg = f.message_type.add(name=mangled)
        for ident in idents:
            _field(msg, ident, "dyn")
    env = environment(decls, f)
    unmangle = re.compile("|".join(rf"\b{re.escape(m)}\b" for m in sorted(names, key=len, reverse=True)))
    try:
        _, out = celenv.compile_expr(env, text, strict_dyn=True)
    except CelUnchecked:
        return Result("")
    except CelError as e:
        issues = unmangle.sub(lambda m: names[m.group(0)], str(e))
        for line, original in zip(text.split("\n"), expression.split("\n"), strict=True):
            issues = issues.replace(f" | {line}\n", f" | {original}\n")
        if any(_undeclared_kube(n, expression) for n in _ISSUE_NAME.findall(issues)) or _STRING_OF.search(issues):
            return _parse_only(environment(decls), expression)
        return Result(f"compilation failed: {issues}")
    return Result("", unmangle.sub(lambda m: names[m.group(0)], go_type_name(out.name())))


def _undeclared_kube(name: str, expression: str) -> bool:
    if name in _STANDARD_MACROS:  # not declared here only as two-variable comprehensions
        return bool(_TWO_VARIABLES.search(expression))
    if name == "format":  # the strings extension's 'x'.format([...]), not the format library's format.<name>()
        return bool(re.search(r"\.\s*format\s*\(", expression))
    return name in _UNDECLARED_KUBE or name.split(".")[0] in _UNDECLARED_KUBE


def _parse_only(env: Any, expression: str) -> Result:
    try:
        celenv.parse_expr(env, expression)
    except CelError as e:
        return Result(f"compilation failed: {e}")
    return Result("")


def return_type_error(result: Result, wanted: tuple[str, ...]) -> str:
    """kube's check of the output type: "" when it is one of ``wanted`` (or only parsed, i.e. unknown)."""
    if result.error or not result.type or result.type in wanted:
        return result.error
    if len(wanted) == 1:
        return f"must evaluate to {wanted[0]} but got {result.type}"
    return f"must evaluate to one of [{' '.join(wanted)}] but got {result.type}"


def device_selector_error(expression: str) -> str:
    """A DRA CEL selector's compile error in kube's words, or ""."""
    result = compile_expression(expression, Decls(authorizer=False, device=True))
    if result.error:
        return result.error
    if result.type and result.type not in ("bool", "dyn", "any"):
        return f"must evaluate to bool or the unknown type, not {result.type}"
    return ""
