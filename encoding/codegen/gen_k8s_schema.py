#!/usr/bin/env python3
"""Generate ``encoding/k8s_schema.py``: the Kubernetes protobuf schema as a data table.

Usage::

    python encoding/codegen/gen_k8s_schema.py <path-to-kubernetes-tree> > encoding/k8s_schema.py

The tree may be a Kubernetes checkout (with ``staging/src/k8s.io``) or a directory that holds
``k8s.io/api`` and ``k8s.io/apimachinery`` directly. Only the public wire contract is read:

* ``generated.proto`` (proto2) of each package: message names, field numbers, labels and types;
* the Go sources next to it (``types.go`` and friends): the struct field order (which is the order
  of kube's JSON output), whether a field is a pointer, ``[]byte``, and its ``json`` tag options
  (``omitempty``, ``omitzero``, ``,inline``), its ``patchStrategy``/``patchMergeKey`` tags and the
  ``+listType``/``+listMapKey`` markers in the comment above it (as ``key=value`` flags). Go fields are
  tied to proto fields by the number in their ``protobuf:"..."`` tag.

Starting from the kinds listed in ``ROOT_KINDS``/``EXTRA_MESSAGES`` every message reachable through
field types (and map values) is emitted. Problems (a proto field with no Go field, names that do not
agree, ...) are reported on stderr; the table is still written.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import deque
from dataclasses import dataclass, field

# (package directory relative to the k8s.io root, kind) of the served top-level kinds; the matching
# "<Kind>List" is added when the package defines it.
ROOT_KINDS: tuple[tuple[str, str], ...] = (
    ("api/core/v1", "Namespace"),
    ("api/core/v1", "Pod"),
    ("api/core/v1", "Node"),
    ("api/core/v1", "ConfigMap"),
    ("api/core/v1", "Secret"),
    ("api/core/v1", "Service"),
    ("api/core/v1", "Endpoints"),
    ("api/core/v1", "Event"),
    ("api/core/v1", "ServiceAccount"),
    ("api/core/v1", "PersistentVolumeClaim"),
    ("api/core/v1", "PersistentVolume"),
    ("api/apps/v1", "Deployment"),
    ("api/apps/v1", "ReplicaSet"),
    ("api/apps/v1", "StatefulSet"),
    ("api/apps/v1", "DaemonSet"),
    ("api/batch/v1", "Job"),
    ("api/coordination/v1", "Lease"),
    ("api/discovery/v1", "EndpointSlice"),
    ("api/rbac/v1", "Role"),
    ("api/rbac/v1", "RoleBinding"),
    ("api/rbac/v1", "ClusterRole"),
    ("api/rbac/v1", "ClusterRoleBinding"),
    ("api/autoscaling/v1", "Scale"),
    ("api/policy/v1", "Eviction"),
    ("api/core/v1", "Binding"),
    ("api/core/v1", "ComponentStatus"),
    ("api/core/v1", "LimitRange"),
    ("api/core/v1", "PodTemplate"),
    ("api/core/v1", "ReplicationController"),
    ("api/core/v1", "ResourceQuota"),
    ("api/apps/v1", "ControllerRevision"),
    ("api/autoscaling/v2", "HorizontalPodAutoscaler"),
    ("api/autoscaling/v1", "HorizontalPodAutoscaler"),
    ("api/events/v1", "Event"),
    ("api/batch/v1", "CronJob"),
    ("api/networking/v1", "Ingress"),
    ("api/networking/v1", "IngressClass"),
    ("api/networking/v1", "NetworkPolicy"),
    ("api/networking/v1", "IPAddress"),
    ("api/networking/v1", "ServiceCIDR"),
    ("api/policy/v1", "PodDisruptionBudget"),
    ("api/storage/v1", "CSIDriver"),
    ("api/storage/v1", "CSINode"),
    ("api/storage/v1", "CSIStorageCapacity"),
    ("api/storage/v1", "StorageClass"),
    ("api/storage/v1", "VolumeAttachment"),
    ("api/storage/v1", "VolumeAttributesClass"),
    ("api/admissionregistration/v1", "MutatingWebhookConfiguration"),
    ("api/admissionregistration/v1", "ValidatingWebhookConfiguration"),
    ("api/admissionregistration/v1", "ValidatingAdmissionPolicy"),
    ("api/admissionregistration/v1", "ValidatingAdmissionPolicyBinding"),
    ("api/admissionregistration/v1", "MutatingAdmissionPolicy"),
    ("api/admissionregistration/v1", "MutatingAdmissionPolicyBinding"),
    ("api/scheduling/v1", "PriorityClass"),
    ("api/node/v1", "RuntimeClass"),
    ("api/certificates/v1", "CertificateSigningRequest"),
    ("kube-aggregator/pkg/apis/apiregistration/v1", "APIService"),
    ("api/resource/v1", "DeviceClass"),
    ("api/resource/v1", "ResourceClaim"),
    ("api/resource/v1", "ResourceClaimTemplate"),
    ("api/resource/v1", "ResourceSlice"),
    ("api/flowcontrol/v1", "FlowSchema"),
    ("api/flowcontrol/v1", "PriorityLevelConfiguration"),
    ("api/authentication/v1", "TokenReview"),
    ("api/authentication/v1", "TokenRequest"),
    ("api/authentication/v1", "SelfSubjectReview"),
    ("api/authorization/v1", "SubjectAccessReview"),
    ("api/authorization/v1", "LocalSubjectAccessReview"),
    ("api/authorization/v1", "SelfSubjectAccessReview"),
    ("api/authorization/v1", "SelfSubjectRulesReview"),
)

META_DIR = "apimachinery/pkg/apis/meta/v1"

# meta/v1 kinds served with apiVersion "v1" (kube registers them into every group version; the core
# group's "v1" is what clients see for errors and watch events).
META_KINDS: tuple[tuple[str, str], ...] = (("v1", "Status"), ("v1", "WatchEvent"))

# Messages included even when nothing above reaches them: (package directory, message name).
EXTRA_MESSAGES: tuple[tuple[str, str], ...] = (
    (META_DIR, "Status"),
    (META_DIR, "StatusDetails"),
    (META_DIR, "StatusCause"),
    (META_DIR, "WatchEvent"),
    (META_DIR, "ListMeta"),
    (META_DIR, "ObjectMeta"),
    (META_DIR, "Time"),
    (META_DIR, "MicroTime"),
    (META_DIR, "Duration"),
    (META_DIR, "FieldsV1"),
    (META_DIR, "DeleteOptions"),
    ("apimachinery/pkg/runtime", "Unknown"),
    ("apimachinery/pkg/runtime", "TypeMeta"),
    ("apimachinery/pkg/runtime", "RawExtension"),
    ("apimachinery/pkg/util/intstr", "IntOrString"),
    ("apimachinery/pkg/api/resource", "Quantity"),
    # autoscaling/v1 keeps v2-only HPA fields in annotations, as JSON of these v1 types (their Go JSON form)
    ("api/autoscaling/v1", "MetricSpec"),
    ("api/autoscaling/v1", "MetricStatus"),
    ("api/autoscaling/v1", "HorizontalPodAutoscalerCondition"),
)

_META = "k8s.io.apimachinery.pkg.apis.meta.v1."
# Types with their own JSON form (custom MarshalJSON in Go): the codec handles them by name, so their
# Go structs (which carry no usable json tags) are not consulted; their proto fields are listed as is.
SPECIAL = frozenset(
    (
        _META + "Time",
        _META + "MicroTime",
        _META + "Duration",
        _META + "FieldsV1",
        "k8s.io.apimachinery.pkg.api.resource.Quantity",
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
        "k8s.io.apimachinery.pkg.runtime.RawExtension",
        # Go's `type ExtraValue []string`: a JSON list, a message {repeated string items = 1} on the wire
        *(f"k8s.io.api.{group}.v1.ExtraValue" for group in ("certificates", "authentication", "authorization")),
    )
)

# runtime.Unknown's JSON is its Raw bytes (custom MarshalJSON) and its Go struct hides raw=2 behind json:"-";
# it is listed from generated.proto too, so that the table describes its whole wire form.
PROTO_LISTED = SPECIAL | {"k8s.io.apimachinery.pkg.runtime.Unknown"}

SCALARS = frozenset(
    (
        "double",
        "float",
        "int32",
        "int64",
        "uint32",
        "uint64",
        "sint32",
        "sint64",
        "fixed32",
        "fixed64",
        "sfixed32",
        "sfixed64",
        "bool",
        "string",
        "bytes",
    )
)

# one table row: (json name, proto field number, type, flags)
Row = tuple[str, int, str, str]

FLAG_ORDER = ("repeated", "ptr", "omitempty", "omitzero", "inline", "bytes")


def warn(message: str) -> None:
    print(f"gen_k8s_schema: {message}", file=sys.stderr)


# --- proto2 parsing -----------------------------------------------------------------------------------


@dataclass
class ProtoField:
    label: str  # "optional", "repeated", "required" or "" (map)
    type: str  # scalar, fully qualified message name (resolved later) or "map<K,V>"
    name: str
    number: int


@dataclass
class ProtoFile:
    package: str
    directory: str
    messages: dict[str, list[ProtoField]] = field(default_factory=dict)


def strip_proto_comments(text: str) -> str:
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


_MSG_RE = re.compile(r"\bmessage\s+(\w+)\s*\{")
_FIELD_RE = re.compile(
    r"^(?:(optional|required|repeated)\s+)?"
    r"(map\s*<\s*[\w.]+\s*,\s*[\w.]+\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(?:\[[^\]]*\])?$",
    re.S,
)


def parse_proto(path: str, directory: str) -> ProtoFile:
    with open(path, encoding="utf-8") as fh:
        text = strip_proto_comments(fh.read())
    m = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
    if not m:
        raise SystemExit(f"{path}: no package statement")
    pf = ProtoFile(m.group(1), directory)
    pos = 0
    while True:
        m = _MSG_RE.search(text, pos)
        if not m:
            break
        name = m.group(1)
        depth, i = 1, m.end()
        while depth and i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        body = text[m.end() : i - 1]
        pos = i
        if "{" in body:
            warn(f"{pf.package}.{name}: nested declarations are not supported and were ignored")
            body = re.sub(r"\b(?:message|enum|oneof)\s+\w+\s*\{[^{}]*\}", "", body)
        fields = []
        for stmt in body.split(";"):
            stmt = stmt.strip()
            if not stmt or stmt.startswith(("option ", "reserved ", "extensions ")):
                continue
            fm = _FIELD_RE.match(stmt)
            if not fm:
                warn(f"{pf.package}.{name}: cannot parse {stmt!r}")
                continue
            label, type_, fname, number = fm.groups()
            type_ = re.sub(r"\s+", "", type_)
            fields.append(ProtoField(label or "", type_, fname, int(number)))
        pf.messages[name] = fields
    return pf


# --- Go parsing ---------------------------------------------------------------------------------------


@dataclass
class GoField:
    name: str  # Go field name ("" when embedded)
    type: str  # Go type expression, e.g. "*metav1.Time", "[]Container", "map[string]string"
    tag: str  # raw struct tag (without backquotes)
    embedded: bool
    # list markers from the comment lines right above the field: [("listType", "map"), ("listMapKey", "name")]
    markers: list[tuple[str, str]] = field(default_factory=list)


# Comment markers kept for the table (kube's API conventions for lists); others are dropped with the comments.
MARKERS = ("listType", "listMapKey")
_MARKER_COMMENT_RE = re.compile(r"//[ \t]*\+(" + "|".join(MARKERS) + r")=(\S+)")
# What a kept marker comment becomes in the comment-free text: a raw string literal, so every scanner skips it.
_MARKER_TOKEN = "`@marker "
_MARKER_DECL_RE = re.compile(r"`@marker (\w+)=([^`]*)`")


def strip_go_comments(text: str, keep_markers: bool = False) -> str:
    """Remove // and /* */ comments, keeping string, raw string and rune literals intact.

    With ``keep_markers``, a ``// +listType=...`` / ``// +listMapKey=...`` comment on a line of its own becomes a
    raw string token (``@marker listType=map`` in backquotes) that :func:`parse_struct_body` attaches to the
    next field.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            j = text.find("`", i + 1)
            j = n if j < 0 else j
            out.append(text[i : j + 1])
            i = j + 1
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            if keep_markers:
                m = _MARKER_COMMENT_RE.match(text, i, j)
                line_start = text.rfind("\n", 0, i) + 1
                if m and not text[line_start:i].strip():
                    out.append(f"{_MARKER_TOKEN}{m.group(1)}={m.group(2)}`")
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            out.append(" ")
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _skip_literal(text: str, i: int) -> int:
    """Index just past the string/rune literal starting at ``text[i]``."""
    c = text[i]
    if c == "`":
        j = text.find("`", i + 1)
        return len(text) if j < 0 else j + 1
    j = i + 1
    while j < len(text) and text[j] != c and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _matching_brace(text: str, open_index: int) -> int:
    depth, i = 0, open_index
    while i < len(text):
        c = text[i]
        if c in "`\"'":
            i = _skip_literal(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


_TYPE_RE = re.compile(r"type[ \t]+(\w+)[ \t]+(?:=[ \t]*)?(struct[ \t]*\{|[^\n]+)")
_SPEC_RE = re.compile(r"(\w+)[ \t]+(?:=[ \t]*)?(struct[ \t]*\{|[^\n]+)")


def parse_go_types(text: str) -> tuple[dict[str, list[GoField]], dict[str, str]]:
    """Top-level struct types (name -> fields) and other named types (name -> underlying type text)."""
    text = strip_go_comments(text, keep_markers=True)
    structs: dict[str, list[GoField]] = {}
    named: dict[str, str] = {}
    i, n = 0, len(text)
    depth_brace = depth_paren = 0
    type_group_paren = -1  # paren depth of an open "type (" group
    spec_end = 0  # no new type spec starts before this index (rest of a non-struct type's line)
    while i < n:
        c = text[i]
        if c in "`\"'":
            i = _skip_literal(text, i)
            continue
        if c == "{":
            depth_brace += 1
        elif c == "}":
            depth_brace -= 1
        elif c == "(":
            depth_paren += 1
        elif c == ")":
            if depth_paren == type_group_paren:
                type_group_paren = -1
            depth_paren -= 1
        elif depth_brace == 0 and i >= spec_end and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            in_group = type_group_paren >= 0 and depth_paren == type_group_paren
            m = None
            if text.startswith("type", i) and not (text[i + 4 : i + 5].isalnum() or text[i + 4 : i + 5] == "_"):
                g = re.match(r"type\s*\(", text[i:])
                if g:
                    depth_paren += 1
                    type_group_paren = depth_paren
                    i += g.end()
                    continue
                m = _TYPE_RE.match(text, i)
            elif in_group and (c.isalpha() or c == "_"):
                m = _SPEC_RE.match(text, i)
            if m:
                name, rest = m.group(1), m.group(2)
                if rest.startswith("struct"):
                    open_index = m.end() - 1
                    close = _matching_brace(text, open_index)
                    if name in structs:
                        warn(f"Go struct {name} is declared more than once; the later declaration is ignored")
                    else:
                        structs[name] = parse_struct_body(text[open_index + 1 : close], name)
                    i = close + 1
                    continue
                named.setdefault(name, rest.strip())
                spec_end = m.end()
                i = m.start(2)  # braces and parens of the type expression are still counted
                continue
        i += 1
    return structs, named


def parse_struct_body(body: str, struct_name: str) -> list[GoField]:
    fields: list[GoField] = []
    # split into field declarations: one per line, except inside nested braces or literals
    decls, current, i, depth = [], [], 0, 0
    while i < len(body):
        c = body[i]
        if c in "`\"'":
            j = _skip_literal(body, i)
            current.append(body[i:j])
            i = j
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if (c == "\n" or c == ";") and depth == 0:
            decls.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    decls.append("".join(current))
    pending: list[tuple[str, str]] = []  # markers waiting for the field they annotate
    for decl in decls:
        decl = decl.strip()
        if not decl:
            continue
        marker = _MARKER_DECL_RE.fullmatch(decl)
        if marker:
            pending.append((marker.group(1), marker.group(2)))
            continue
        markers, pending = pending, []
        tag = ""
        m = re.search(r"(`[^`]*`|\"(?:[^\"\\]|\\.)*\")\s*$", decl)
        if m:
            lit = m.group(1)
            tag = lit[1:-1] if lit.startswith("`") else json.loads(lit)
            decl = decl[: m.start()].strip()
        if re.search(r"\bstruct\s*\{", decl):
            # anonymous struct type: kept as text; never part of an API type's wire contract
            parts = decl.split(None, 1)
            fields.append(GoField(parts[0], parts[1] if len(parts) > 1 else "", tag, False, markers))
            continue
        parts = decl.split(None, 1)
        if len(parts) == 1 or (parts[0].startswith("*") or "." in parts[0]):
            # embedded field: [*][pkg.]Type
            type_ = decl.replace(" ", "")
            name = type_.lstrip("*").rsplit(".", 1)[-1]
            fields.append(GoField(name, type_, tag, True, markers))
            continue
        names, type_ = parts
        for nm in names.split(","):
            nm = nm.strip()
            if nm:
                fields.append(GoField(nm, type_.strip(), tag, False, list(markers)))
    return fields


def tag_lookup(tag: str, key: str) -> str | None:
    """reflect.StructTag.Lookup."""
    i, n = 0, len(tag)
    while i < n:
        while i < n and tag[i] == " ":
            i += 1
        j = i
        while j < n and tag[j] > " " and tag[j] not in ':"\x7f':
            j += 1
        if j == i or j + 1 >= n or tag[j] != ":" or tag[j + 1] != '"':
            return None
        name = tag[i:j]
        k = j + 2
        while k < n and tag[k] != '"':
            k += 2 if tag[k] == "\\" else 1
        if k >= n:
            return None
        value = json.loads(tag[j + 1 : k + 1])
        if name == key:
            return value
        i = k + 1
    return None


@dataclass
class GoPackage:
    structs: dict[str, list[GoField]]
    named: dict[str, str]


def load_go_package(directory: str) -> GoPackage:
    structs: dict[str, list[GoField]] = {}
    named: dict[str, str] = {}
    names = sorted(os.listdir(directory))
    # types.go first: it is where the API types live; other files only fill in what it lacks
    names.sort(key=lambda n: n != "types.go")
    for fname in names:
        if not fname.endswith(".go") or fname.endswith("_test.go"):
            continue
        if fname.startswith(("zz_generated", "generated.")):
            continue
        with open(os.path.join(directory, fname), encoding="utf-8") as fh:
            text = fh.read()
        try:
            s, t = parse_go_types(text)
        except ValueError as exc:
            warn(f"{directory}/{fname}: {exc}")
            continue
        for k, v in s.items():
            if k in structs:
                # e.g. build-tag variants of one type in two files; types.go wins
                continue
            structs[k] = v
        for k, v in t.items():
            named.setdefault(k, v)
    return GoPackage(structs, named)


# --- schema assembly ----------------------------------------------------------------------------------


class Tree:
    def __init__(self, root: str) -> None:
        candidates = [os.path.join(root, "staging", "src", "k8s.io"), os.path.join(root, "k8s.io"), root]
        for c in candidates:
            if os.path.isdir(os.path.join(c, "apimachinery")):
                self.base = c
                break
        else:
            raise SystemExit(f"{root}: no staging/src/k8s.io/apimachinery (or k8s.io/apimachinery) found")
        self.root = root
        self._proto_by_dir: dict[str, ProtoFile] = {}
        self._proto_by_pkg: dict[str, ProtoFile] = {}
        self._go: dict[str, GoPackage] = {}
        self._pkg_dirs: dict[str, str] | None = None

    def proto_dir(self, directory: str) -> ProtoFile:
        pf = self._proto_by_dir.get(directory)
        if pf is None:
            path = os.path.join(self.base, directory, "generated.proto")
            pf = parse_proto(path, directory)
            self._proto_by_dir[directory] = pf
            self._proto_by_pkg[pf.package] = pf
        return pf

    def proto_pkg(self, package: str) -> ProtoFile:
        pf = self._proto_by_pkg.get(package)
        if pf is not None:
            return pf
        # "k8s.io.api.core.v1" -> "api/core/v1"; fall back to scanning package statements
        guess = package.removeprefix("k8s.io.").replace(".", "/")
        if os.path.isfile(os.path.join(self.base, guess, "generated.proto")):
            pf = self.proto_dir(guess)
            if pf.package == package:
                return pf
        if self._pkg_dirs is None:
            self._pkg_dirs = {}
            for dirpath, _dirs, files in os.walk(self.base):
                if "generated.proto" in files:
                    with open(os.path.join(dirpath, "generated.proto"), encoding="utf-8") as fh:
                        m = re.search(r"^\s*package\s+([\w.]+)\s*;", fh.read(), re.M)
                    if m:
                        self._pkg_dirs[m.group(1)] = os.path.relpath(dirpath, self.base)
        directory = self._pkg_dirs.get(package)
        if directory is None:
            raise SystemExit(f"no generated.proto declares package {package}")
        return self.proto_dir(directory)

    def go(self, directory: str) -> GoPackage:
        gp = self._go.get(directory)
        if gp is None:
            gp = load_go_package(os.path.join(self.base, directory))
            self._go[directory] = gp
        return gp

    def group_name(self, directory: str) -> str:
        path = os.path.join(self.base, directory, "register.go")
        with open(path, encoding="utf-8") as fh:
            m = re.search(r"\bGroupName\s*=\s*\"([^\"]*)\"", fh.read())
        if not m:
            raise SystemExit(f"{path}: no GroupName")
        return m.group(1)

    def version(self) -> str:
        for c in (self.root, os.path.dirname(os.path.dirname(os.path.dirname(self.base.rstrip("/"))))):
            path = os.path.join(c, "CHANGELOG", "README.md")
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    m = re.search(r"CHANGELOG-(\d+\.\d+)\.md", fh.read())
                if m:
                    return m.group(1)
        return ""


def split_full(name: str) -> tuple[str, str]:
    package, _, msg = name.rpartition(".")
    return package, msg


def resolve_type(tree: Tree, type_: str, package: str) -> str:
    if type_ in SCALARS:
        return type_
    if type_.startswith("."):
        full = type_[1:]
        pkg, msg = split_full(full)
        if msg not in tree.proto_pkg(pkg).messages:
            raise SystemExit(f"unknown message {full}")
        return full
    # relative name: proto scoping, innermost package first
    scope = package.split(".")
    while True:
        candidate = ".".join([*scope, type_])
        pkg, msg = split_full(candidate)
        try:
            if msg in tree.proto_pkg(pkg).messages:
                return candidate
        except SystemExit:
            pass
        if not scope:
            raise SystemExit(f"cannot resolve {type_} from package {package}")
        scope.pop()


def full_type(tree: Tree, pfield: ProtoField, package: str) -> str:
    t = pfield.type
    if t.startswith("map<"):
        key, value = t[4:-1].split(",", 1)
        return f"map<{resolve_type(tree, key, package)},{resolve_type(tree, value, package)}>"
    return resolve_type(tree, t, package)


def go_underlying(gp: GoPackage, type_: str) -> str:
    seen = set()
    while type_ in gp.named and type_ not in seen:
        seen.add(type_)
        type_ = gp.named[type_]
    return type_


def build_message(tree: Tree, full: str) -> list[Row]:
    package, msg = split_full(full)
    pf = tree.proto_pkg(package)
    pfields = pf.messages[msg]
    by_number = {f.number: f for f in pfields}

    if full in PROTO_LISTED:
        rows = []
        for f in pfields:
            flags = []
            if f.label == "repeated":
                flags.append("repeated")
            if f.type == "bytes":
                flags.append("bytes")
            rows.append((f.name, f.number, full_type(tree, f, package), ",".join(flags)))
        return rows

    gp = tree.go(pf.directory)
    gstruct = gp.structs.get(msg)
    if gstruct is None:
        raise SystemExit(f"{full}: no Go struct {msg} in {pf.directory}")
    rows = []
    seen_numbers: set[int] = set()
    for gf in gstruct:
        ptag = tag_lookup(gf.tag, "protobuf")
        if not ptag or ptag == "-":
            continue
        parts = ptag.split(",")
        try:
            number = int(parts[1])
        except (IndexError, ValueError):
            warn(f"{full}.{gf.name}: unparsable protobuf tag {ptag!r}")
            continue
        tag_name = next((p[5:] for p in parts if p.startswith("name=")), "")
        jtag = tag_lookup(gf.tag, "json")
        if jtag == "-":
            warn(f'{full}.{gf.name}: json:"-" field with protobuf number {number} left out of the table')
            continue
        jparts = (jtag or "").split(",")
        jname, jopts = jparts[0], set(jparts[1:])
        pfield = by_number.get(number)
        if pfield is None:
            warn(f"{full}.{gf.name}: protobuf number {number} is not in generated.proto; skipped")
            continue
        if tag_name and tag_name != pfield.name:
            warn(f"{full}.{gf.name}: Go tag name={tag_name} but generated.proto names field {number} {pfield.name}")
        seen_numbers.add(number)
        inline = "inline" in jopts or (gf.embedded and not jname)
        if not jname:
            if inline:
                jname = pfield.name
            else:
                jname = gf.name
                warn(f"{full}.{gf.name}: no json name; Go's default (the field name) is used")
        type_ = full_type(tree, pfield, package)
        flags = set()
        if pfield.label == "repeated":
            flags.add("repeated")
        if gf.type.startswith("*"):
            flags.add("ptr")
        if "omitempty" in jopts:
            flags.add("omitempty")
        if "omitzero" in jopts:
            flags.add("omitzero")
        if inline:
            flags.add("inline")
        if go_underlying(gp, gf.type) == "[]byte":
            flags.add("bytes")
        check_shapes(full, gf, gp, pfield, type_)
        ordered = [f for f in FLAG_ORDER if f in flags] + go_flag(gf.type, pf.directory, pfield, type_)
        ordered += patch_flags(full, gf)
        rows.append((jname, number, type_, ",".join(ordered)))
    for number, pfield in sorted(by_number.items()):
        if number not in seen_numbers:
            warn(f"{full}: proto field {pfield.name} = {number} has no Go field with that protobuf number")
    return rows


_GO_BUILTINS = frozenset(
    "string bool int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 float32 float64 rune".split()
)
_GO_SCALAR_NAMES = {"string": "string", "bool": "bool", "double": "float64", "float": "float32", "bytes": "[]uint8"}
_VERSION_SUFFIX = re.compile(r"(v\d+(?:alpha\d+|beta\d+)?)$")


def go_printed(expr: str, package: str) -> str:
    """A Go type expression as reflect prints it (what encoding/json's errors name): identifiers of the
    declaring package qualified with its name, imported ones with their package's name (the version an alias
    such as ``corev1`` ends with), ``byte`` as ``uint8``."""
    expr = expr.strip()
    if expr.startswith("*"):
        return "*" + go_printed(expr[1:], package)
    if expr.startswith("[]"):
        return "[]" + go_printed(expr[2:], package)
    if expr.startswith("map["):
        depth, i = 0, 3
        for i in range(3, len(expr)):
            depth += {"[": 1, "]": -1}.get(expr[i], 0)
            if depth == 0:
                break
        return f"map[{go_printed(expr[4:i], package)}]{go_printed(expr[i + 1 :], package)}"
    if expr == "byte":
        return "uint8"
    if expr in _GO_BUILTINS:
        return expr
    if "." in expr:
        alias, name = expr.split(".", 1)
        found = _VERSION_SUFFIX.search(alias)
        return f"{found.group(1) if found else alias}.{name}"
    return f"{package}.{expr}"


def _default_go(type_: str) -> str:
    """The Go type name of a proto type as encoding/typed.py's go_type prints it without this table's help."""
    if type_.startswith("map<"):
        return "map[string]" + _default_go(type_[4:-1].split(",", 1)[1])
    if "." in type_:
        package, name = type_.rsplit(".", 1)
        return f"{package.rsplit('.', 1)[1]}.{name}"
    return _GO_SCALAR_NAMES.get(type_, type_)


def go_flag(go_type: str, directory: str, pfield: ProtoField, type_: str) -> list[str]:
    """``go=T``: the Go type encoding/json names in a type error about this field (a pointer's pointee), when it
    is not what the proto type gives: a named scalar (``v1.PodPhase``), a slice of them (``[]v1.Capability``),
    a named map (``v1.ResourceList``). Struct (message) fields are named by their message."""
    if "." in type_ and not type_.startswith("map<"):
        return []
    printed = go_printed(go_type.lstrip("*"), os.path.basename(directory.rstrip("/")))
    default = _default_go(type_)
    if pfield.label == "repeated":
        default = "[]" + default
    return [] if printed == default else ["go=" + printed]


def patch_flags(full: str, gf: GoField) -> list[str]:
    """Patch metadata of a field as ``key=value`` flags: the ``patchStrategy``/``patchMergeKey`` struct tags
    (what strategic merge patch reads; ``merge,retainKeys`` is written ``merge+retainKeys`` since flags are
    comma-separated) and the ``+listType``/``+listMapKey`` comment markers (one flag per map key)."""
    out = []
    strategy = tag_lookup(gf.tag, "patchStrategy")
    if strategy:
        out.append("patchStrategy=" + strategy.replace(",", "+"))
    merge_key = tag_lookup(gf.tag, "patchMergeKey")
    if merge_key:
        out.append("patchMergeKey=" + merge_key)
    list_types = [v for k, v in gf.markers if k == "listType"]
    if len(list_types) > 1:
        warn(f"{full}.{gf.name}: more than one +listType marker; the last one is used")
    if list_types:
        out.append("listType=" + list_types[-1])
    out.extend("listMapKey=" + v for k, v in gf.markers if k == "listMapKey")
    for flag in out:
        if "," in flag:
            warn(f"{full}.{gf.name}: flag {flag!r} contains a comma")
    return out


def check_shapes(full: str, gf: GoField, gp: GoPackage, pfield: ProtoField, type_: str) -> None:
    """Warn when the Go type does not look like what generated.proto says (e.g. nullable wrappers)."""
    go = go_underlying(gp, gf.type.lstrip("*"))
    if "." in go:
        return  # a type of another Go package (corev1.ResourceList): not resolved here
    if type_.startswith("map<"):
        ok = go.startswith("map[")
    elif pfield.label == "repeated":
        ok = go.startswith("[]") and go != "[]byte"
    elif type_ == "bytes":
        ok = go == "[]byte"
    else:
        ok = not go.startswith(("[]", "map["))
    if not ok:
        warn(f"{full}.{gf.name}: Go type {gf.type} ({go}) vs proto {pfield.label} {type_}")


def message_deps(rows: list[Row]) -> list[str]:
    deps = []
    for _json, _num, type_, _flags in rows:
        if type_.startswith("map<"):
            type_ = type_[4:-1].split(",", 1)[1]
        if type_ not in SCALARS:
            deps.append(type_)
    return deps


def generate(tree: Tree) -> tuple[dict[str, list[Row]], dict[tuple[str, str], str]]:
    kinds: dict[tuple[str, str], str] = {}
    roots: list[str] = []
    for directory, kind in ROOT_KINDS:
        pf = tree.proto_dir(directory)
        group = tree.group_name(directory)
        version = os.path.basename(directory)
        api_version = f"{group}/{version}" if group else version
        for k in (kind, kind + "List"):
            if k in pf.messages:
                kinds[(api_version, k)] = f"{pf.package}.{k}"
                roots.append(f"{pf.package}.{k}")
            elif k == kind:
                raise SystemExit(f"{directory}: no message {kind}")
    meta = tree.proto_dir(META_DIR)
    for api_version, kind in META_KINDS:
        kinds[(api_version, kind)] = f"{meta.package}.{kind}"
        roots.append(f"{meta.package}.{kind}")
    for directory, msg in EXTRA_MESSAGES:
        pf = tree.proto_dir(directory)
        if msg not in pf.messages:
            raise SystemExit(f"{directory}: no message {msg}")
        roots.append(f"{pf.package}.{msg}")

    messages: dict[str, list[Row]] = {}
    queue = deque(roots)
    while queue:
        full = queue.popleft()
        if full in messages:
            continue
        rows = build_message(tree, full)
        messages[full] = rows
        queue.extend(d for d in message_deps(rows) if d not in messages)
    return messages, kinds


def render(messages: dict[str, list[Row]], kinds: dict[tuple[str, str], str], version: str) -> str:
    q = json.dumps
    out = [
        f"# Generated by encoding/codegen/gen_k8s_schema.py from Kubernetes {version or '(unknown version)'}'s public "
        "k8s.io/api",
        "# wire contract (generated.proto field numbers and types; Go struct field order, pointers and json tags).",
        "# DO NOT EDIT BY HAND; regenerate with:",
        "#     python encoding/codegen/gen_k8s_schema.py <kubernetes-tree> > encoding/k8s_schema.py",
        "# ruff: noqa: E501",
        "# fmt: off",
        '"""Kubernetes protobuf schema table used by :mod:`encoding.protobuf`.',
        "",
        "MESSAGES maps a full proto message name to its fields, in Go struct field order (= kube's JSON field order):",
        "(json name, proto field number, type, flags). type is a proto scalar, a full message name or",
        '"map<K,V>". flags is a comma-separated subset of: repeated; ptr (Go pointer: not marshalled when nil);',
        'omitempty / omitzero (json tag options); inline (json ",inline": the message\'s JSON fields are merged',
        "into the parent; the json name is then the proto field name, unused in JSON); bytes (Go []byte: JSON base64,",
        "marshalled only when non-nil). Time, MicroTime, Duration, FieldsV1, Quantity, IntOrString and RawExtension",
        "have their own JSON forms, and runtime.Unknown's JSON is its raw bytes: the fields of these messages are",
        "listed from generated.proto, under their proto names.",
        "",
        "After those, key=value flags (ignored by the codec): go=T (the Go type encoding/json's type errors name,",
        "when the proto type does not give it: a named string type such as v1.PodPhase, []v1.Capability,",
        "v1.ResourceList), then patch metadata: patchStrategy=S (the Go",
        "patchStrategy struct tag, what strategic merge patch reads; merge,retainKeys is written",
        "merge+retainKeys), patchMergeKey=K (the patchMergeKey tag), listType=atomic|set|map and listMapKey=K",
        "(the +listType and +listMapKey comment markers; one listMapKey flag per key, in marker order).",
        "",
        "KINDS maps (apiVersion, kind) to the message of that kind.",
        '"""',
        "",
        "MESSAGES: dict[str, tuple[tuple[str, int, str, str], ...]] = {",
    ]
    for name in sorted(messages):
        rows = messages[name]
        if not rows:
            out.append(f"    {q(name)}: (),")
            continue
        out.append(f"    {q(name)}: (")
        for jname, number, type_, flags in rows:
            out.append(f"        ({q(jname)}, {number}, {q(type_)}, {q(flags)}),")
        out.append("    ),")
    out.append("}")
    out.append("")
    out.append("KINDS: dict[tuple[str, str], str] = {")
    for (api_version, kind), msg in sorted(kinds.items()):
        out.append(f"    ({q(api_version)}, {q(kind)}): {q(msg)},")
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", help="Kubernetes source tree (or a directory with k8s.io/api and k8s.io/apimachinery)")
    parser.add_argument("--k8s-version", default="", help="version for the header (default: from CHANGELOG/README.md)")
    args = parser.parse_args(argv)
    tree = Tree(args.tree)
    messages, kinds = generate(tree)
    sys.stdout.write(render(messages, kinds, args.k8s_version or tree.version()))
    warn(f"{len(messages)} messages, {len(kinds)} kinds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
