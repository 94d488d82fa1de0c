#!/usr/bin/env python3
"""Generate ``encoding/k8s_openapi.py``: kube-apiserver's OpenAPI model definitions as a data table.

Usage::

    python encoding/codegen/gen_openapi_docs.py <kubernetes-tree> > encoding/k8s_openapi.py
    python encoding/codegen/gen_openapi_docs.py --git-dir <bare-repo> --git-prefix <dir-in-repo> \
        > encoding/k8s_openapi.py

``--check`` compares the result with the OpenAPI documents committed in the tree (``api/openapi-spec``) and
reports every difference on stderr (the table is still written).

Sources, all from the Kubernetes tree (1.36):

* ``pkg/generated/openapi/zz_generated.openapi.go`` — what kube-apiserver's OpenAPI builders serve for every
  built-in type: openapi-gen's output from the Go types and their comments (descriptions, ``required``,
  ``default``, ``format``, ``enum`` with the "Possible enum values" description text, the
  ``x-kubernetes-patch-strategy``/``patch-merge-key``/``list-type``/``list-map-keys``/``map-type``/
  ``unions``/``validations`` extensions, and the v3/v2 forms of the special types such as Quantity and
  IntOrString). The Go composite literals of that file are parsed here; nothing is compiled or run.
* ``api/openapi-spec/swagger.json`` — only for the ``x-kubernetes-group-version-kind`` extension that
  kube's definition namer adds to kinds (from its runtime scheme, which is not in the Go literals).
* ``staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`` and ``types_swagger_doc_generated.go`` —
  the query parameters kube's endpoint installer derives from ListOptions, CreateOptions, UpdateOptions,
  PatchOptions and DeleteOptions (``AddObjectParams``: JSON name, type, description).

The committed ``api/openapi-spec`` documents are a capture of a kube-apiserver started with
``--feature-gates=AllAlpha=true,AllBeta=true,OpenAPIEnums=false``; a default 1.36 server keeps enums
(OpenAPIEnums is on by default), which is why the definitions come from the Go literals and the capture is
only used to check them (``--check``, with enums pruned as kube prunes them).

Only the definitions reachable from ``ROOTS`` are written. Schemas are stored in a neutral form: a reference
is ``{"$ref": "<definition name>"}`` (``apiserver/endpoints/openapi.py`` turns it into ``#/components/schemas/...``
wrapped in ``allOf`` when it has siblings, as kube-openapi's builder3 does, or ``#/definitions/...`` for v2).
Keys are in the order kube's JSON marshaller writes them.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import deque
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_k8s_schema import parse_go_types, tag_lookup

from aiokube.encoding.openapi_schema import SCHEMA_KEYS, map_schema, to_v2, to_v3

ZZ = "pkg/generated/openapi/zz_generated.openapi.go"
SWAGGER = "api/openapi-spec/swagger.json"
SPEC_V3 = "api/openapi-spec/v3"
META = "staging/src/k8s.io/apimachinery/pkg/apis/meta/v1"

_M = "io.k8s.apimachinery.pkg.apis.meta.v1."
# Definitions written to the table with everything they reference: the kinds aiokube can serve (and their
# lists), the objects of their subresources, and what kube's paths reference (options, Status, watch events,
# discovery documents).
ROOT_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "io.k8s.api.core.v1.",
        (
            "Namespace", "Pod", "Node", "ConfigMap", "Secret", "Service", "Endpoints", "Event", "ServiceAccount",
            "PersistentVolumeClaim", "PersistentVolume", "Binding", "ReplicationController", "LimitRange",
            "ResourceQuota", "PodTemplate", "ComponentStatus",
        ),
    ),
    ("io.k8s.api.apps.v1.", ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ControllerRevision")),
    ("io.k8s.api.batch.v1.", ("Job", "CronJob")),
    ("io.k8s.api.coordination.v1.", ("Lease",)),
    ("io.k8s.api.discovery.v1.", ("EndpointSlice",)),
    ("io.k8s.api.events.v1.", ("Event",)),
    ("io.k8s.api.rbac.v1.", ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")),
    ("io.k8s.api.autoscaling.v1.", ("Scale", "HorizontalPodAutoscaler")),
    ("io.k8s.api.autoscaling.v2.", ("HorizontalPodAutoscaler",)),
    ("io.k8s.api.policy.v1.", ("Eviction", "PodDisruptionBudget")),
    ("io.k8s.api.networking.v1.", ("Ingress", "IngressClass", "NetworkPolicy", "IPAddress", "ServiceCIDR")),
    ("io.k8s.api.storage.v1.", ("CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass", "VolumeAttachment",
                                "VolumeAttributesClass")),
    ("io.k8s.api.admissionregistration.v1.", ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                                              "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
                                              "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding")),
    ("io.k8s.api.scheduling.v1.", ("PriorityClass",)),
    ("io.k8s.api.node.v1.", ("RuntimeClass",)),
    ("io.k8s.api.certificates.v1.", ("CertificateSigningRequest",)),
    ("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.", ("APIService",)),
    ("io.k8s.api.resource.v1.", ("DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice")),
    ("io.k8s.api.flowcontrol.v1.", ("FlowSchema", "PriorityLevelConfiguration")),
    ("io.k8s.api.authentication.v1.", ("TokenReview", "SelfSubjectReview", "TokenRequest")),
    ("io.k8s.api.authorization.v1.", ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview",
                                      "SelfSubjectRulesReview")),
    ("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.", ("CustomResourceDefinition",)),
)  # fmt: skip
ROOT_EXTRA: tuple[str, ...] = (
    *(
        _M + n
        for n in (
            "Status", "DeleteOptions", "Patch", "WatchEvent", "APIResourceList", "APIGroup", "APIGroupList",
            "APIVersions", "ObjectMeta", "ListMeta", "TypeMeta",
        )
    ),
    "io.k8s.apimachinery.pkg.version.Info",
)  # fmt: skip
# Kept for apiserver/endpoints/openapi.py (custom resources' apiVersion/kind) but never served as a definition by kube.
NOT_SERVED = frozenset({_M + "TypeMeta"})

# Go methods of the special types that openapi-gen calls instead of describing their fields
# (OpenAPISchemaType / OpenAPISchemaFormat / OpenAPIV3OneOfTypes in their packages).
SPECIAL_METHODS: dict[tuple[str, str], Any] = {
    ("k8s.io/apimachinery/pkg/apis/meta/v1.Time", "OpenAPISchemaType"): ["string"],
    ("k8s.io/apimachinery/pkg/apis/meta/v1.Time", "OpenAPISchemaFormat"): "date-time",
    ("k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime", "OpenAPISchemaType"): ["string"],
    ("k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime", "OpenAPISchemaFormat"): "date-time",
    ("k8s.io/apimachinery/pkg/apis/meta/v1.Duration", "OpenAPISchemaType"): ["string"],
    ("k8s.io/apimachinery/pkg/apis/meta/v1.Duration", "OpenAPISchemaFormat"): "",
    ("k8s.io/apimachinery/pkg/util/intstr.IntOrString", "OpenAPISchemaType"): ["string"],
    ("k8s.io/apimachinery/pkg/util/intstr.IntOrString", "OpenAPISchemaFormat"): "int-or-string",
    ("k8s.io/apimachinery/pkg/util/intstr.IntOrString", "OpenAPIV3OneOfTypes"): ["integer", "string"],
    ("k8s.io/apimachinery/pkg/api/resource.Quantity", "OpenAPISchemaType"): ["string"],
    ("k8s.io/apimachinery/pkg/api/resource.Quantity", "OpenAPISchemaFormat"): "",
    ("k8s.io/apimachinery/pkg/api/resource.Quantity", "OpenAPIV3OneOfTypes"): ["string", "number"],
}
for _t in ("JSONSchemaPropsOrArray", "JSONSchemaPropsOrBool", "JSONSchemaPropsOrStringArray", "JSON"):
    for _v in ("v1", "v1beta1"):
        _p = f"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/{_v}.{_t}"
        SPECIAL_METHODS[(_p, "OpenAPISchemaType")] = None
        SPECIAL_METHODS[(_p, "OpenAPISchemaFormat")] = ""

# The query parameters of each action (endpoints/installer.go AddObjectParams on these option structs).
OPTION_STRUCTS = ("ListOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "DeleteOptions")
# ... and of the core/v1 subresources whose options come from the query (log's GetterWithOptions, the connecters)
CORE_V1 = "staging/src/k8s.io/api/core/v1"
CORE_OPTION_STRUCTS = (
    "PodLogOptions", "PodExecOptions", "PodAttachOptions", "PodPortForwardOptions", "PodProxyOptions",
    "NodeProxyOptions", "ServiceProxyOptions",
)  # fmt: skip

_RANK = {k: i for i, k in enumerate(SCHEMA_KEYS)}
_GO_FIELD = {
    "ID": "id", "Description": "description", "Type": "type", "Nullable": "nullable", "Format": "format",
    "Title": "title", "Default": "default", "Maximum": "maximum", "ExclusiveMaximum": "exclusiveMaximum",
    "Minimum": "minimum", "ExclusiveMinimum": "exclusiveMinimum", "MaxLength": "maxLength",
    "MinLength": "minLength", "Pattern": "pattern", "MaxItems": "maxItems", "MinItems": "minItems",
    "UniqueItems": "uniqueItems", "MultipleOf": "multipleOf", "Enum": "enum", "MaxProperties": "maxProperties",
    "MinProperties": "minProperties", "Required": "required", "Items": "items", "AllOf": "allOf",
    "OneOf": "oneOf", "AnyOf": "anyOf", "Not": "not", "Properties": "properties",
    "AdditionalProperties": "additionalProperties", "Ref": "$ref",
}  # fmt: skip


def warn(message: str) -> None:
    print(f"gen_openapi_docs: {message}", file=sys.stderr)


class Source:
    """Files of the Kubernetes tree: a directory, or a path prefix inside a (bare) git repository."""

    def __init__(self, root: str | None, git_dir: str | None, git_prefix: str, ref: str) -> None:
        self.root, self.git_dir, self.prefix, self.ref = root, git_dir, git_prefix.strip("/"), ref

    def read(self, path: str) -> str:
        if self.git_dir:
            full = f"{self.prefix}/{path}" if self.prefix else path
            out = subprocess.run(
                ["git", "--git-dir", self.git_dir, "show", f"{self.ref}:{full}"], capture_output=True, check=True
            )
            return out.stdout.decode()
        assert self.root is not None
        with open(os.path.join(self.root, path), encoding="utf-8") as fh:
            return fh.read()

    def listdir(self, path: str) -> list[str]:
        if self.git_dir:
            full = f"{self.prefix}/{path}" if self.prefix else path
            out = subprocess.run(
                ["git", "--git-dir", self.git_dir, "ls-tree", "--name-only", f"{self.ref}:{full}"],
                capture_output=True,
                check=True,
            )
            return out.stdout.decode().split()
        assert self.root is not None
        return sorted(os.listdir(os.path.join(self.root, path)))


# --- a small parser for the Go composite literals of zz_generated.openapi.go ----------------------------------

_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
      |(?P<str>"(?:[^"\\\n]|\\.)*")
      |(?P<raw>`[^`]*`)
      |(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<punct>[{}()\[\]:,.&*=;])""",
    re.S | re.X,
)

_GO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a", "b": "\b", "f": "\f",
               "v": "\v"}  # fmt: skip


def go_string(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1]
    body, out, i = lit[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in _GO_ESCAPES:
            out.append(_GO_ESCAPES[e])
            i += 2
        elif e == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif e == "U":
            out.append(chr(int(body[i + 2 : i + 10], 16)))
            i += 10
        elif e == "x" or e.isdigit():
            # byte escapes: collect a run of them and decode as UTF-8
            raw = bytearray()
            while i < len(body) and body[i] == "\\" and (body[i + 1] == "x" or body[i + 1].isdigit()):
                if body[i + 1] == "x":
                    raw.append(int(body[i + 2 : i + 4], 16))
                    i += 4
                else:
                    raw.append(int(body[i + 1 : i + 4], 8))
                    i += 4
            out.append(raw.decode("utf-8"))
        else:
            raise ValueError(f"unknown escape \\{e} in {lit[:60]}")
    return "".join(out)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ValueError(f"cannot tokenize at {text[pos : pos + 40]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        assert kind is not None
        tokens.append((kind, m.group()))
    return tokens


class Composite:
    """A Go composite literal: its type text and its elements (keyed: dict, else list)."""

    def __init__(self, type_: str, elems: dict[Any, Any] | list[Any]) -> None:
        self.type, self.elems = type_, elems

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Composite({self.type}, {self.elems!r})"


class Call:
    def __init__(self, func: str, args: list[Any]) -> None:
        self.func, self.args = func, args


class ModelName:
    """``pkg.Type{}.Method()``: a method call on the zero value of a package's type."""

    def __init__(self, go_type: str, method: str) -> None:
        self.go_type, self.method = go_type, method


class GoParser:
    def __init__(self, tokens: list[tuple[str, str]], imports: dict[str, str]) -> None:
        self.toks, self.i, self.imports = tokens, 0, imports

    def peek(self, off: int = 0) -> tuple[str, str]:
        j = self.i + off
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def take(self, value: str | None = None) -> str:
        _kind, tok = self.toks[self.i]
        if value is not None and tok != value:
            raise ValueError(f"expected {value!r}, got {tok!r} near {self.context()}")
        self.i += 1
        return tok

    def context(self) -> str:
        return " ".join(t for _, t in self.toks[max(0, self.i - 8) : self.i + 8])

    def parse_type(self) -> str:
        """A type expression: [] / map[K]V / * / & / pkg.Name / Name / interface{}."""
        _kind, tok = self.peek()
        if tok == "[":
            self.take("[")
            self.take("]")
            return "[]" + self.parse_type()
        if tok == "*":
            self.take()
            return "*" + self.parse_type()
        if tok == "map":
            self.take()
            self.take("[")
            key = self.parse_type()
            self.take("]")
            return f"map[{key}]{self.parse_type()}"
        if tok == "interface":
            self.take()
            self.take("{")
            self.take("}")
            return "interface{}"
        name = self.take()
        if self.peek()[1] == "." and self.peek(1)[0] == "ident":
            self.take(".")
            name += "." + self.take()
        return name

    def qualified(self, go_type: str) -> str:
        pkg, _, name = go_type.rpartition(".")
        return f"{self.imports[pkg]}.{name}" if pkg else go_type

    def parse_expr(self, elided: str = "") -> Any:
        kind, tok = self.peek()
        if tok == "{":
            return self.parse_composite(elided)  # composite literal with its type elided
        if kind == "str" or kind == "raw":
            self.take()
            return go_string(tok)
        if kind == "num":
            self.take()
            return float(tok) if any(c in tok for c in ".eE") else int(tok)
        if tok in ("true", "false"):
            self.take()
            return tok == "true"
        if tok == "nil":
            self.take()
            return None
        if tok == "&":
            self.take()
            return self.parse_expr()
        if tok in ("[", "map", "interface", "*"):
            type_ = self.parse_type()
            return self.parse_composite(type_)
        if kind == "ident":
            # ident, pkg.ident, call, composite literal, or X{}.Method()
            start = self.i
            type_ = self.parse_type()
            nxt = self.peek()[1]
            if nxt == "{":
                lit = self.parse_composite(type_)
                if self.peek()[1] == "." and self.peek(1)[0] == "ident" and self.peek(2)[1] == "(":
                    self.take(".")
                    method = self.take()
                    self.take("(")
                    self.take(")")
                    return ModelName(self.qualified(type_), method)
                return lit
            if nxt == "(":
                self.take("(")
                args = []
                while self.peek()[1] != ")":
                    args.append(self.parse_expr())
                    if self.peek()[1] == ",":
                        self.take(",")
                self.take(")")
                return Call(type_, args)
            self.i = start
            return Call(self.parse_type(), [])  # a bare identifier (constant)
        raise ValueError(f"unexpected {tok!r} near {self.context()}")

    def parse_composite(self, type_: str) -> Composite:
        elem = ""
        if type_.startswith("[]"):
            elem = type_[2:]
        elif type_.startswith("map["):
            depth, j = 0, 3
            while True:
                depth += {"[": 1, "]": -1}.get(type_[j], 0)
                if depth == 0:
                    break
                j += 1
            elem = type_[j + 1 :]
        self.take("{")
        keyed: dict[Any, Any] = {}
        plain: list[Any] = []
        while self.peek()[1] != "}":
            if self.peek(1)[1] == ":" and self.peek()[0] == "ident":
                key: Any = self.take()
                self.take(":")
                keyed[key] = self.parse_expr()
            else:
                value = self.parse_expr(elem)
                if self.peek()[1] == ":":
                    self.take(":")
                    keyed[value] = self.parse_expr(elem)
                else:
                    plain.append(value)
            if self.peek()[1] == ",":
                self.take(",")
        self.take("}")
        return Composite(type_, plain if type_.startswith("[]") else keyed)


def model_name(go_path_type: str) -> str:
    """kube-openapi's canonical definition name: ``k8s.io/api/core/v1.Pod`` -> ``io.k8s.api.core.v1.Pod``."""
    path, _, name = go_path_type.rpartition(".")
    parts = path.split("/")
    domain = ".".join(reversed(parts[0].split(".")))
    return ".".join([domain, *parts[1:], name])


class Definitions:
    """Definitions parsed from zz_generated.openapi.go: name -> (v3 schema, v2 schema or None, dependencies)."""

    def __init__(self, text: str, src: Source) -> None:
        self.src = src
        imports = {}
        block = re.search(r"^import \((.*?)^\)", text, re.M | re.S)
        assert block
        for line in block.group(1).splitlines():
            m = re.match(r'\s*(\w+)?\s*"([^"]+)"', line)
            if m:
                imports[m.group(1) or m.group(2).rsplit("/", 1)[-1]] = m.group(2)
        self.imports = imports
        self.funcs: dict[str, str] = {}
        func_re = r"^func (schema_\w+)\(ref common\.ReferenceCallback\) common\.OpenAPIDefinition \{\n"
        for m in re.finditer(func_re, text, re.M):
            end = text.index("\n}\n", m.end())
            self.funcs[m.group(1)] = text[m.end() : end]
        table = re.search(
            r"^func GetOpenAPIDefinitions\(ref common\.ReferenceCallback\) map\[string\]common\.OpenAPIDefinition "
            r"\{\n\treturn (map\[string\]common\.OpenAPIDefinition\{.*?^\t\})\n\}",
            text,
            re.M | re.S,
        )
        assert table, "no GetOpenAPIDefinitions"
        parser = GoParser(tokenize(table.group(1)), imports)
        lit = parser.parse_expr()
        self.func_of: dict[str, str] = {}
        for key, value in lit.elems.items():
            name = self.value(key)
            assert isinstance(value, Call) and isinstance(name, str)
            self.func_of[name] = value.func
        self._cache: dict[str, tuple[dict[str, Any], dict[str, Any] | None, list[str]]] = {}

    def value(self, v: Any) -> Any:
        if isinstance(v, ModelName):
            if v.method == "OpenAPIModelName":
                return model_name(v.go_type)
            key = (v.go_type, v.method)
            if key not in SPECIAL_METHODS:
                raise SystemExit(f"unknown special method {v.go_type}.{v.method}()")
            return SPECIAL_METHODS[key]
        if isinstance(v, Call):
            if v.func == "ref":
                return {"$ref": self.value(v.args[0])}
            if v.func == "common.GenerateOpenAPIV3OneOfSchema":
                return [{"type": t} for t in self.value(v.args[0])]
            if not v.args and "." in v.func:
                return self.constant(v.func)
            raise SystemExit(f"unknown call {v.func}")
        if isinstance(v, Composite):
            if isinstance(v.elems, list):
                return [self.value(e) for e in v.elems]
            return {self.value(k) if not isinstance(k, str) else k: self.value(e) for k, e in v.elems.items()}
        return v

    def constant(self, ident: str) -> str:
        """A string constant of an API package (``corev1.AzureSharedBlobDisk``), used as a default."""
        alias, _, name = ident.partition(".")
        directory = "staging/src/" + self.imports[alias]
        for fname in self.src.listdir(directory):
            if not fname.endswith(".go") or fname.endswith("_test.go"):
                continue
            m = re.search(
                rf"^\s*{name}\s+(?:\w+\s*)?=\s*(\"(?:[^\"\\]|\\.)*\")", self.src.read(f"{directory}/{fname}"), re.M
            )
            if m:
                return go_string(m.group(1))
        raise SystemExit(f"constant {ident} not found in {directory}")

    def get(self, name: str) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
        if name in self._cache:
            return self._cache[name]
        func = self.func_of.get(name)
        if func is None:
            raise SystemExit(f"no OpenAPI definition for {name}")
        body = self.funcs[func].strip()
        assert body.startswith("return "), func
        parser = GoParser(tokenize(body[len("return ") :]), self.imports)
        expr = parser.parse_expr()
        v2: dict[str, Any] | None = None
        if isinstance(expr, Call) and expr.func == "common.EmbedOpenAPIDefinitionIntoV2Extension":
            main, v2def = expr.args
            v2 = schema_of(self.value(v2def.elems["Schema"]))
            expr = main
        assert isinstance(expr, Composite) and expr.type == "common.OpenAPIDefinition", func
        fields = self.value(expr)
        schema = schema_of(fields["Schema"])
        deps = list(fields.get("Dependencies", []))
        self._cache[name] = (schema, v2, deps)
        return self._cache[name]


def schema_of(go: dict[str, Any]) -> dict[str, Any]:
    """A spec.Schema literal (as parsed) -> its JSON form, keys in kube-openapi's marshalling order."""
    out: dict[str, Any] = {}
    props = go.get("SchemaProps", {})
    for key, value in props.items():
        jkey = _GO_FIELD.get(key)
        if jkey is None:
            raise SystemExit(f"unsupported SchemaProps field {key}")
        if jkey == "type":
            if not value:
                continue
            value = value[0] if len(value) == 1 else value
        elif jkey == "format" or jkey == "description":
            if value == "":
                continue
        elif jkey == "items":
            value = schema_of(value["Schema"])
        elif jkey == "additionalProperties":
            value = schema_of(value["Schema"]) if value.get("Schema") is not None else value.get("Allows", False)
        elif jkey == "properties":
            value = {k: schema_of(v) for k, v in sorted(value.items())}
        elif jkey in ("allOf", "oneOf", "anyOf"):
            value = [schema_of(v) if "SchemaProps" in v or "VendorExtensible" in v else v for v in value]
        elif jkey == "$ref":
            value = value["$ref"]
        elif jkey == "default" and value is None:
            continue
        out[jkey] = value
    ext = go.get("VendorExtensible", {}).get("Extensions", {})
    ordered = dict(sorted(out.items(), key=lambda kv: _RANK[kv[0]]))
    for k in sorted(ext):
        ordered[k] = ext[k]
    for k in go:
        if k not in ("SchemaProps", "VendorExtensible"):
            raise SystemExit(f"unsupported spec.Schema field {k}")
    return ordered


def refs_of(schema: Any) -> list[str]:
    out: list[str] = []

    def visit(s: Any) -> Any:
        if isinstance(s, dict) and isinstance(s.get("$ref"), str):
            out.append(s["$ref"])
        return map_schema(s, visit)

    visit(schema)
    return out


# --- query parameters --------------------------------------------------------------------------------------

_TYPE_TO_JSON = {
    "bool": "boolean", "*bool": "boolean", "int": "integer", "*int": "integer", "int32": "integer",
    "*int32": "integer", "int64": "integer", "*int64": "integer", "string": "string", "*string": "string",
    "[]string": "string", "ResourceVersionMatch": "string", "*DeletionPropagation": "string",
    "DeletionPropagation": "string", "[]int32": "integer",
}  # fmt: skip


def swagger_docs(text: str) -> dict[str, dict[str, str]]:
    """``var map_X = map[string]string{...}`` tables of a types_swagger_doc_generated.go file."""
    out: dict[str, dict[str, str]] = {}
    for m in re.finditer(r"^var map_(\w+) = map\[string\]string\{\n(.*?)^\}", text, re.M | re.S):
        entries: dict[str, str] = {}
        for line in m.group(2).splitlines():
            em = re.match(r'\s*("(?:[^"\\]|\\.)*"):\s*("(?:[^"\\]|\\.)*"),\s*$', line)
            if em:
                entries[go_string(em.group(1))] = go_string(em.group(2))
        out[m.group(1)] = entries
    return out


def metadata_descriptions(src: Source) -> dict[str, str]:
    """The ``metadata`` descriptions apiextensions-apiserver gives a custom resource and its list
    (``metav1beta1.PartialObjectMetadata{}.SwaggerDoc()``, an alias of the meta/v1 type, and
    ``metav1beta1.PartialObjectMetadataList{}.SwaggerDoc()``)."""
    v1 = swagger_docs(src.read(f"{META}/types_swagger_doc_generated.go"))
    v1beta1 = swagger_docs(src.read(f"{META}beta1/types_swagger_doc_generated.go"))
    return {
        "PartialObjectMetadata": v1["PartialObjectMetadata"]["metadata"],
        "PartialObjectMetadataList": v1beta1["PartialObjectMetadataList"]["metadata"],
    }


def query_params(src: Source) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for directory, names in ((META, OPTION_STRUCTS), (CORE_V1, CORE_OPTION_STRUCTS)):
        out.update(_struct_params(src, directory, names))
    return out


def _struct_params(src: Source, directory: str, names: tuple[str, ...]) -> dict[str, list[tuple[str, str, str]]]:
    structs, _named = parse_go_types(src.read(f"{directory}/types.go"))
    docs = swagger_docs(src.read(f"{directory}/types_swagger_doc_generated.go"))
    out: dict[str, list[tuple[str, str, str]]] = {}
    for name in names:
        params = []
        for f in structs[name]:
            if f.embedded:
                continue  # TypeMeta: a struct, skipped by AddObjectParams
            if f.type.lstrip("*") in ("Preconditions", "metav1.Time"):
                continue  # pointer to struct (its "metav1.Time" exception never matches reflect's "v1.Time")
            jtag = tag_lookup(f.tag, "json") or ""
            jname = jtag.split(",")[0]
            if not jname:
                continue
            type_ = _TYPE_TO_JSON.get(f.type)
            if type_ is None:
                raise SystemExit(f"{name}.{f.name}: unknown Go type {f.type} for a query parameter")
            params.append((jname, type_, docs[name].get(jname, "")))
        out[name] = params
    return out


# --- checks against the committed documents ------------------------------------------------------------------


def prune_enums(schema: Any) -> Any:
    """apiserver/pkg/util/openapi/enablement.go pruneEnums: what a server with OpenAPIEnums=false serves."""
    if not isinstance(schema, dict):
        return schema
    out = map_schema(schema, prune_enums)
    out.pop("enum", None)
    desc = out.get("description")
    if isinstance(desc, str) and "Possible enum values:" in desc:
        out["description"] = desc[: desc.index("Possible enum values:")].strip()
    return out


def check(src: Source, defs: dict[str, dict[str, Any]], v2defs: dict[str, dict[str, Any]], gvks: dict) -> int:
    problems = 0
    swagger = json.loads(src.read(SWAGGER))["definitions"]
    for name, schema in defs.items():
        if name in NOT_SERVED:
            continue
        want = swagger.get(name)
        got = prune_enums(to_v2(v2defs.get(name, schema)))
        if want is None:
            warn(f"check v2: {name} is not in swagger.json")
            problems += 1
        elif got != want:
            warn(f"check v2: {name} differs:\n  got  {json.dumps(got, sort_keys=True)[:600]}\n"
                 f"  want {json.dumps(want, sort_keys=True)[:600]}")  # fmt: skip
            problems += 1
    seen = set()
    for fname in src.listdir(SPEC_V3):
        if not fname.endswith("_openapi.json"):
            continue
        doc = json.loads(src.read(f"{SPEC_V3}/{fname}"))
        group_version = fname[: -len("_openapi.json")].split("__")
        for name, want in doc.get("components", {}).get("schemas", {}).items():
            if name not in defs:
                continue
            seen.add(name)
            schema = dict(defs[name])
            gvk = schema.pop("x-kubernetes-group-version-kind", None)
            if gvk is not None:
                keep = v3_gvks(gvk, group_version)
                if keep:
                    schema["x-kubernetes-group-version-kind"] = keep
            got = prune_enums(to_v3(schema))
            if got != want:
                warn(f"check v3 {fname}: {name} differs:\n  got  {json.dumps(got, sort_keys=True)[:600]}\n"
                     f"  want {json.dumps(want, sort_keys=True)[:600]}")  # fmt: skip
                problems += 1
    for name in sorted(set(defs) - seen - NOT_SERVED):
        warn(f"check v3: {name} is in no committed v3 document")
    warn(f"check: {len(defs)} definitions compared, {problems} differences")
    return problems


def v3_gvks(gvks: list[dict[str, str]], group_version: list[str]) -> list[dict[str, str]]:
    """A per-group-version v3 document only lists the core/v1 and its own group version's kinds for a type."""
    if len(gvks) <= 1:
        return gvks
    if group_version[0] == "api":
        mine = ("", group_version[1] if len(group_version) > 1 else "")
    else:
        mine = (group_version[1], group_version[2]) if len(group_version) > 2 else ("?", "?")
    return [g for g in gvks if (g["group"], g["version"]) in (("", "v1"), mine)]


# --- output ------------------------------------------------------------------------------------------------


def py_literal(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(py_literal(x) for x in v) + "]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is True:
        return "True"
    if v is False:
        return "False"
    if v is None:
        return "None"
    return repr(v)


def render(
    defs: dict[str, dict[str, Any]],
    v2defs: dict[str, dict[str, Any]],
    params: dict[str, list[tuple[str, str, str]]],
    meta_docs: dict[str, str],
    version: str,
) -> str:
    out = [
        f"# Generated by encoding/codegen/gen_openapi_docs.py from Kubernetes {version}'s "
        "pkg/generated/openapi/zz_generated.openapi.go,",
        "# api/openapi-spec/swagger.json (kinds of definitions) and meta/v1 types.go/types_swagger_doc_generated.go.",
        "# DO NOT EDIT BY HAND; regenerate with:",
        "#     python encoding/codegen/gen_openapi_docs.py <kubernetes-tree> > encoding/k8s_openapi.py",
        "# ruff: noqa: E501",
        "# fmt: off",
        '"""OpenAPI model definitions of built-in types as kube-apiserver serves them (for endpoints/openapi.py).',
        "",
        "DEFINITIONS maps a definition name (``io.k8s.api.core.v1.Pod``) to its schema in a neutral form: keys in the",
        'order kube writes them, a reference is ``{"$ref": "<definition name>"}``; kinds carry kube\'s',
        "``x-kubernetes-group-version-kind`` (every group version kube-apiserver's scheme registers them in).",
        "V2_DEFINITIONS holds the few definitions whose OpenAPI v2 form differs (Quantity, IntOrString).",
        "QUERY_PARAMS maps an options struct (ListOptions, PodLogOptions, ...) to its query parameters:",
        "(name, type, description).",
        "METADATA_DESCRIPTIONS: the ``metadata`` descriptions of custom resources (PartialObjectMetadata[List]).",
        '"""',
        "",
        "from typing import Any",
        "",
        f"VERSION = {json.dumps(version)}",
        "",
        "DEFINITIONS: dict[str, dict[str, Any]] = {",
    ]
    for name in sorted(defs):
        out.append(f"    {json.dumps(name)}: {py_literal(defs[name])},")
    out.append("}")
    out.append("")
    out.append("V2_DEFINITIONS: dict[str, dict[str, Any]] = {")
    for name in sorted(v2defs):
        out.append(f"    {json.dumps(name)}: {py_literal(v2defs[name])},")
    out.append("}")
    out.append("")
    out.append("QUERY_PARAMS: dict[str, tuple[tuple[str, str, str], ...]] = {")
    for name, plist in params.items():
        out.append(f"    {json.dumps(name)}: (")
        for p in plist:
            out.append(f"        ({', '.join(json.dumps(x, ensure_ascii=False) for x in p)}),")
        out.append("    ),")
    out.append("}")
    out.append("")
    out.append("METADATA_DESCRIPTIONS: dict[str, str] = {")
    for name, desc in meta_docs.items():
        out.append(f"    {json.dumps(name)}: {json.dumps(desc, ensure_ascii=False)},")
    out.append("}")
    return "\n".join(out) + "\n"


def generate(src: Source) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, list[Any]]]:
    zz = Definitions(src.read(ZZ), src)
    swagger_defs = json.loads(src.read(SWAGGER))["definitions"]
    roots = [prefix + kind for prefix, kinds in ROOT_KINDS for kind in kinds]
    roots += [r + "List" for r in roots if r + "List" in zz.func_of]
    roots += list(ROOT_EXTRA)
    defs: dict[str, dict[str, Any]] = {}
    v2defs: dict[str, dict[str, Any]] = {}
    queue = deque(roots)
    while queue:
        name = queue.popleft()
        if name in defs:
            continue
        schema, v2, deps = zz.get(name)
        gvk = (swagger_defs.get(name) or {}).get("x-kubernetes-group-version-kind")
        if gvk is not None:
            schema = {**schema, "x-kubernetes-group-version-kind": gvk}
            if v2 is not None:
                v2 = {**v2, "x-kubernetes-group-version-kind": gvk}
        defs[name] = schema
        if v2 is not None:
            v2defs[name] = v2
        refs = set(refs_of(schema)) | set(refs_of(v2 or {}))
        if refs != set(deps):
            warn(f"{name}: references {sorted(refs)} but Dependencies lists {sorted(deps)}")
        queue.extend(sorted(refs | set(deps)))
    return defs, v2defs, query_params(src)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", help="Kubernetes source tree")
    parser.add_argument("--git-dir", help="read the tree from this (bare) git repository instead")
    parser.add_argument("--git-prefix", default="", help="directory of the Kubernetes tree inside --git-dir")
    parser.add_argument("--git-ref", default="HEAD")
    parser.add_argument("--k8s-version", default="", help="e.g. 1.36 (default: from CHANGELOG/README.md)")
    parser.add_argument("--check", action="store_true", help="compare with the committed api/openapi-spec")
    args = parser.parse_args(argv)
    if not args.tree and not args.git_dir:
        parser.error("a tree or --git-dir is required")
    src = Source(args.tree, args.git_dir, args.git_prefix, args.git_ref)
    version = args.k8s_version
    if not version:
        m = re.search(r"CHANGELOG-(\d+\.\d+)\.md", src.read("CHANGELOG/README.md"))
        version = m.group(1) if m else "unknown"
    defs, v2defs, params = generate(src)
    if args.check:
        check(src, defs, v2defs, {})
    sys.stdout.write(render(defs, v2defs, params, metadata_descriptions(src), version))
    warn(f"{len(defs)} definitions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
