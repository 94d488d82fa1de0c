"""OpenAPI documents as kube-apiserver 1.36 serves them: /openapi/v3 (index and one document per group
version, plus ``api``, ``apis``, ``apis/<group>`` and ``version``) and /openapi/v2 (one Swagger 2.0 document).

Model definitions are kube's own (``encoding/k8s_openapi.py``, generated from kube's
``zz_generated.openapi.go``): descriptions, ``required``, ``default``, ``format``, ``enum``, the
``x-kubernetes-patch-strategy``/``patch-merge-key``/``list-type``/``list-map-keys``/``map-type``
extensions (what ``kubectl apply`` reads to compute strategic merge patches and ``kubectl explain``
prints) and ``x-kubernetes-group-version-kind`` on kinds. They are turned into v3 form as kube-openapi's
builder3 does (``#/components/schemas/`` references, wrapped in ``allOf`` when they have siblings) and into
v2 form as its builder does (``#/definitions/`` references, defaults pruned, the v2 forms of Quantity and
IntOrString).

Paths and operations follow ``apiserver/pkg/endpoints/installer.go`` for built-in resources (one route per
verb the registry serves, with the options structs' query parameters, kube's operation ids, tags,
descriptions, media types and responses) and ``apiextensions-apiserver``'s
``controller/openapi/builder`` for custom resources (whose kind schema is the CRD's structural schema with
ObjectMeta for ``metadata``). A document holds only the definitions its paths reference (transitively), as
kube's builders do. The v2 document deduplicates parameters into ``#/parameters/<name>-<hash>`` exactly as
kube-openapi's builder does.

Documents are built lazily after a registry change and kept as bytes with their hashes (a change rebuilds only
the group versions whose resources changed); serving one is a dict lookup. The bytes are Go's
``encoding/json`` output of kube-openapi's types (key order, HTML escaping, no trailing newline): the ``api``,
``apis``, ``apis/<group>``, ``version`` documents and the group version documents of groups whose resources
aiokube all serves (coordination.k8s.io, discovery.k8s.io, rbac.authorization.k8s.io, apiextensions.k8s.io)
hash exactly as a real kube-apiserver 1.36.3's. The media types are a default kube-apiserver's (CBOR is an
alpha feature, off by default). Every document is also served as gnostic protobuf (``encoding/gnostic.py``,
what client-go's ``OpenAPISchema()`` and kubectl's v2 fallback ask for), encoded from the JSON on first
request.
"""

from __future__ import annotations

import base64
import copy
import gzip
import operator
import time
from dataclasses import dataclass, field
from typing import Any

from aiokube.apiserver.endpoints.responses import content_hash
from aiokube.apiserver.registry.resources import Registry, ResourceInfo, Subresource
from aiokube.encoding import deepjson, gnostic, jsonenc
from aiokube.encoding import k8s_openapi as K
from aiokube.encoding.openapi_schema import map_schema, ordered, to_v2, to_v3

Schema = dict[str, Any]

_MEDIA = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_STREAM = ("application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
_CRD_MEDIA = ("application/json", "application/yaml")
_CRD_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
_PRETTY = (
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser "
    "or command-line HTTP tool (curl and wget)."
)
_NAMESPACE_DOC = "object name and auth scope, such as for teams and projects"
_UNAUTHORIZED = (401, "Unauthorized", "")
_SECURITY_SCHEMES = {
    "BearerToken": {
        "type": "apiKey",
        "description": "Bearer Token authentication",
        "name": "authorization",
        "in": "header",
    }
}

_M = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS, DELETE_OPTIONS, PATCH, WATCH_EVENT = _M + "Status", _M + "DeleteOptions", _M + "Patch", _M + "WatchEvent"
OBJECT_META, LIST_META, TYPE_META = _M + "ObjectMeta", _M + "ListMeta", _M + "TypeMeta"
SCALE = "io.k8s.api.autoscaling.v1.Scale"
#: a response that is a plain string (ProducesObject "" of pods/log, the connecters' "string"), not a definition
STRING = "<string>"

# --------------------------------------------------------------------------------------------------------
# Schemas: kube-openapi's key order, v3 and v2 forms of the neutral definitions of encoding/k8s_openapi.py
# --------------------------------------------------------------------------------------------------------


def _refs(s: Any, out: set[str]) -> None:
    def visit(x: Any) -> Any:
        if isinstance(x, dict):
            ref = x.get("$ref")
            if isinstance(ref, str):
                out.add(ref)
        return map_schema(x, visit)

    visit(s)


class _Definitions:
    """Built-in definitions in v3 and v2 form (computed once per process) and their dependencies."""

    def __init__(self) -> None:
        self._v3: dict[str, Schema] = {}
        self._v2: dict[str, Schema] = {}
        self._deps: dict[str, frozenset[str]] = {}
        self._by_gvk: dict[tuple[str, str, str], str] | None = None

    def __contains__(self, name: str) -> bool:
        return name in K.DEFINITIONS

    def v3(self, name: str) -> Schema:
        s = self._v3.get(name)
        if s is None:
            s = self._v3[name] = to_v3(K.DEFINITIONS[name])
        return s

    def v2(self, name: str) -> Schema:
        s = self._v2.get(name)
        if s is None:
            s = self._v2[name] = to_v2(K.V2_DEFINITIONS.get(name, K.DEFINITIONS[name]))
        return s

    def deps(self, name: str) -> frozenset[str]:
        d = self._deps.get(name)
        if d is None:
            refs: set[str] = set()
            _refs(K.DEFINITIONS[name], refs)
            _refs(K.V2_DEFINITIONS.get(name, {}), refs)
            d = self._deps[name] = frozenset(refs)
        return d

    def by_gvk(self, group: str, version: str, kind: str) -> str | None:
        if self._by_gvk is None:
            table: dict[tuple[str, str, str], str] = {}
            for name, s in K.DEFINITIONS.items():
                for gvk in s.get("x-kubernetes-group-version-kind") or ():
                    key = (gvk["group"], gvk["version"], gvk["kind"])
                    # meta types are registered in every group; the kind's own package wins
                    if key not in table or not name.startswith(_M):
                        table[key] = name
            self._by_gvk = table
        return self._by_gvk.get((group, version, kind))


DEFINITIONS = _Definitions()


def _v3_gvks(s: Schema, group: str, version: str) -> Schema:
    """A per-group-version v3 document lists, for types registered in every group (DeleteOptions,
    WatchEvent), only the core/v1 kind and its own group version's."""
    gvks = s.get("x-kubernetes-group-version-kind")
    if not gvks or len(gvks) <= 1:
        return s
    keep = [g for g in gvks if (g["group"], g["version"]) in (("", "v1"), (group, version))]
    out = dict(s)
    out["x-kubernetes-group-version-kind"] = keep
    return out


# --------------------------------------------------------------------------------------------------------
# Custom resources: apiextensions-apiserver controller/openapi/builder
# --------------------------------------------------------------------------------------------------------

# what NewStructural keeps of a JSONSchemaProps, by how Go omits the empty value of each field
_NON_EMPTY = (
    "type", "description", "title", "format", "pattern", "enum", "required",  # "" / empty slices
    "nullable", "exclusiveMaximum", "exclusiveMinimum", "uniqueItems",  # false
)  # fmt: skip
_NON_NIL = (
    "default", "example", "externalDocs", "maximum", "minimum", "maxLength", "minLength", "maxItems", "minItems",
    "multipleOf", "maxProperties", "minProperties",
)  # fmt: skip
_FLAG_EXTENSIONS = (
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
)
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]
_RULE_KEYS = ("rule", "message", "messageExpression", "reason", "fieldPath", "optionalOldSelf")


def _structural(s: Any, nested: bool = False) -> Schema:
    """``Structural.ToKubeOpenAPI()`` of a CRD schema (what NewStructural keeps), in kube-openapi's key order."""
    if not isinstance(s, dict):
        return {}
    out: Schema = {}
    for k in _NON_EMPTY:
        if s.get(k):
            out[k] = s[k]
    for k in _NON_NIL:
        if s.get(k) is not None:
            out[k] = s[k]
    for k in ("allOf", "anyOf", "oneOf"):
        if s.get(k):
            out[k] = [_structural(x, nested=True) for x in s[k]]
    if isinstance(s.get("not"), dict):
        out["not"] = _structural(s["not"], nested=True)
    if isinstance(s.get("items"), dict):
        out["items"] = _structural(s["items"], nested)
    if isinstance(s.get("properties"), dict):
        out["properties"] = {k: _structural(v, nested) for k, v in s["properties"].items()}
    ap = s.get("additionalProperties")
    if isinstance(ap, dict):
        out["additionalProperties"] = _structural(ap, nested)
    elif isinstance(ap, bool) and not nested:
        out["additionalProperties"] = ap
    for k in _FLAG_EXTENSIONS:
        if s.get(k) is True:
            out[k] = True
    if s.get("x-kubernetes-list-map-keys"):
        out["x-kubernetes-list-map-keys"] = s["x-kubernetes-list-map-keys"]
    for k in ("x-kubernetes-list-type", "x-kubernetes-map-type"):
        if s.get(k) is not None:
            out[k] = s[k]
    if s.get("x-kubernetes-validations"):
        out["x-kubernetes-validations"] = [
            {k: r[k] for k in _RULE_KEYS if r.get(k) not in (None, "")} for r in s["x-kubernetes-validations"]
        ]
    return ordered(out)


def _unfold(s: Schema) -> Schema:
    """``Structural.Unfold()``: x-kubernetes-int-or-string gets its ``anyOf: [integer, string]``."""
    out = map_schema(s, _unfold)
    if out.get("x-kubernetes-int-or-string") is True:
        any_of = out.get("anyOf")
        all_of = out.get("allOf") or []
        is_pattern = any_of == _INT_OR_STRING or (
            all_of and all_of[0].get("anyOf") == _INT_OR_STRING and len(all_of[0]) == 1
        )
        if not is_pattern:
            if any_of is None:
                out["anyOf"] = list(_INT_OR_STRING)
            else:
                out["allOf"] = [{"anyOf": list(_INT_OR_STRING)}, *all_of]
            out = ordered(out)
    return out


def _to_v2_structural(s: Schema) -> Schema:
    """controller/openapi/v2 ToStructuralOpenAPIV2: drop what OpenAPI v2 (and kubectl) cannot express."""
    out = map_schema(s, _to_v2_structural)
    for k in ("allOf", "oneOf", "anyOf", "not"):
        out.pop(k, None)
    if out.get("nullable"):
        out.pop("type", None)
        out.pop("nullable", None)
        out.pop("items", None)
        out.pop("properties", None)
    if out.get("x-kubernetes-preserve-unknown-fields"):
        out.pop("items", None)
        out.pop("properties", None)
    if "items" not in out and out.get("type") == "array":
        out.pop("type")
    if out.get("x-kubernetes-preserve-unknown-fields") and out.get("type") == "object":
        out.pop("type")
    props = s.get("properties") or {}
    if out.get("required"):
        required = [r for r in out["required"] if not (props.get(r) or {}).get("nullable")]
        if required:
            out["required"] = required
        else:
            out.pop("required")
    ap = s.get("additionalProperties")
    if isinstance(ap, dict) and ap.get("nullable"):
        out.pop("required", None)
    return out


def _type_meta(field_name: str) -> Schema:
    return dict(K.DEFINITIONS[TYPE_META]["properties"][field_name])


def _add_embedded(s: Schema, v2: bool) -> Schema:
    out = map_schema(s, lambda x: _add_embedded(x, v2))
    if v2 and out.get("x-kubernetes-preserve-unknown-fields") is True:
        return out
    if out.get("x-kubernetes-embedded-resource") is True:
        props = dict(out.get("properties") or {})
        props["apiVersion"] = {
            **_type_meta("apiVersion"),
            "description": "apiVersion defines the versioned schema of this representation of an object. More info: "
            "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        }
        props["kind"] = {
            **_type_meta("kind"),
            "description": "kind is a string value representing the type of this object. In CamelCase. More info: "
            "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        }
        props["metadata"] = ordered(
            {"description": K.METADATA_DESCRIPTIONS["PartialObjectMetadata"], "$ref": OBJECT_META}
        )
        out["properties"] = props
        required = list(out.get("required") or [])
        for k in ("kind", "apiVersion"):
            if k not in required:
                required.append(k)
        out["required"] = required
        out = ordered(out)
    return out


def _model_name(group: str, version: str, kind: str) -> str:
    """gvkToModelName: the group's labels reversed."""
    return ".".join([*reversed(group.split(".")), version, kind])


def _crd_schemas(info: ResourceInfo, v2: bool) -> dict[str, Schema]:
    """The kind and list definitions of a custom resource (neutral form: bare-name references)."""
    assert info.custom is not None
    # map[string]interface{} in kube: marshalled with sorted keys
    gvk = {"group": info.group, "kind": info.kind, "version": info.version}
    raw = info.custom.schema
    if not raw or (v2 and raw.get("x-kubernetes-preserve-unknown-fields") is True):
        kind_schema: Schema = {"type": "object"}
    else:
        s = _unfold(_structural(copy.deepcopy(raw)))
        if v2:
            s = _to_v2_structural(s)
        props = dict(s.get("properties") or {})
        props["metadata"] = ordered(
            {"description": K.METADATA_DESCRIPTIONS["PartialObjectMetadata"], "$ref": OBJECT_META}
        )
        props["apiVersion"] = _type_meta("apiVersion")
        props["kind"] = _type_meta("kind")
        s["properties"] = props
        kind_schema = _add_embedded(ordered(s), v2)
    kind_schema = {**kind_schema, "x-kubernetes-group-version-kind": [gvk]}
    name = _model_name(info.group, info.version, info.kind)
    list_schema = ordered(
        {
            "description": f"{info.list_kind} is a list of {info.kind}",
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {
                    "description": f"List of {info.plural}. More info: "
                    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                    "type": "array",
                    "items": {"$ref": name},
                },
                "metadata": ordered(
                    {"description": K.METADATA_DESCRIPTIONS["PartialObjectMetadataList"], "$ref": LIST_META}
                ),
                "apiVersion": _type_meta("apiVersion"),
                "kind": _type_meta("kind"),
            },
            "x-kubernetes-group-version-kind": [{**gvk, "kind": info.list_kind}],
        }
    )
    if v2:
        kind_schema = to_v2(kind_schema)
        list_schema = to_v2(list_schema)
    else:
        kind_schema = to_v3(kind_schema)
        list_schema = to_v3(list_schema)
    return {name: kind_schema, _model_name(info.group, info.version, info.list_kind): list_schema}


def _deep_refs(s: Any, prefix: str, out: set[str]) -> None:
    """Definitions referenced (by ``prefix`` references) anywhere in an already converted schema."""
    if isinstance(s, dict):
        for k, v in s.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(prefix):
                out.add(v[len(prefix) :])
            elif k not in ("default", "enum", "example"):
                _deep_refs(v, prefix, out)
    elif isinstance(s, list):
        for v in s:
            _deep_refs(v, prefix, out)


# --------------------------------------------------------------------------------------------------------
# Routes: endpoints/installer.go registerResourceHandlers and the CRD builder's buildRoute
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "path", "query" or "body"
    description: str = ""
    type: str = "string"
    required: bool = False
    model: str = ""  # body parameters: the definition


@dataclass
class Route:
    method: str
    path: str
    doc: str
    operation: str  # go-restful operation name, before GetOperationIDAndTags
    action: str | None
    gvk: dict[str, str] | None
    produces: tuple[str, ...]
    consumes: tuple[str, ...]
    params: list[Param] = field(default_factory=list)
    responses: list[tuple[int, str, str]] = field(default_factory=list)


def _options(struct: str, exclude: tuple[str, ...] = ()) -> list[Param]:
    return [Param(n, "query", d, t) for n, t, d in K.QUERY_PARAMS[struct] if n not in exclude]


def _article(noun: str) -> str:
    """GetArticleForNoun(noun, " ")."""
    if not noun.endswith("ss") and noun.endswith("s"):
        return " "
    return " an " if noun[0].lower() in "aeiou" else " a "


def _title(s: str) -> str:
    return s[:1].upper() + s[1:]


def _def_name(group: str, version: str, kind: str) -> str:
    return DEFINITIONS.by_gvk(group, version, kind) or _model_name(group or "core", version, kind)


_DELETE_DOCUMENTS_STATUS = frozenset({("", "namespaces")})

_HTTP_METHOD = {
    "GET": "GET", "LIST": "GET", "WATCH": "GET", "WATCHLIST": "GET", "PUT": "PUT", "PATCH": "PATCH", "POST": "POST",
    "DELETE": "DELETE", "DELETECOLLECTION": "DELETE",
}  # fmt: skip


def _connect_routes(prefix: str, info: ResourceInfo, sub: Subresource) -> list[Route]:
    """A rest.Connecter's routes: one per connect method on the item path (and, for proxies, on
    ``.../{path}``), the options struct's fields as query parameters, any body, a string answer."""
    namespaced = "Namespaced" if info.namespaced else ""
    name_params = [Param("name", "path", "name of the " + sub.kind, required=True)]
    item_path = f"{info.plural}/{{name}}/{sub.name}"
    if info.namespaced:
        name_params.append(Param("namespace", "path", _NAMESPACE_DOC, required=True))
        item_path = f"namespaces/{{namespace}}/{item_path}"
    paths = [(item_path, name_params, "")]
    if sub.name == "proxy":  # NewConnectOptions' subpath: the rest of the URL is the proxied path
        paths.append((item_path + "/{path}", [*name_params, Param("path", "path", "path to the resource",
                                                                  required=True)], "WithPath"))  # fmt: skip
    gvk = {"group": sub.group or info.group, "version": sub.version or info.version, "kind": sub.kind}
    routes = []
    for path, params, suffix in paths:
        for method in sub.connect:
            op = "connect" + _title(method.lower()) + namespaced + info.kind + _title(sub.name) + suffix
            routes.append(Route(method, f"{prefix}/{path}", f"connect {method} requests to {sub.name} of {info.kind}",
                                op, "connect", gvk, ("*/*",), ("*/*",), [*_options(sub.options), *params],
                                [(200, "OK", STRING), _UNAUTHORIZED]))  # fmt: skip
    return routes


def _installer_routes(prefix: str, info: ResourceInfo, sub: Subresource | None) -> list[Route]:
    """The routes kube's APIInstaller registers for one storage (a resource or one of its subresources)."""
    if sub is not None and sub.connect:
        return _connect_routes(prefix, info, sub)
    if sub is None:
        verbs = set(info.verbs)
        group, version, kind = info.group, info.version, info.kind
    else:
        verbs = set(sub.verbs)
        group, version, kind = sub.group or info.group, sub.version or info.version, sub.kind
    model = _def_name(group, version, kind)
    gvk = {"group": group, "version": version, "kind": kind}
    is_lister, is_watcher = "list" in verbs, "watch" in verbs
    list_model = _def_name(group, version, kind + "List") if is_lister else ""
    name_param = Param("name", "path", "name of the " + kind, required=True)
    ns_param = Param("namespace", "path", _NAMESPACE_DOC, required=True)
    resource = info.plural
    subresource = sub.name if sub else ""
    if info.namespaced:
        ns_path = f"namespaces/{{namespace}}/{resource}"
        resource_path, resource_params = ns_path, [ns_param]
        item_path, name_params = ns_path + "/{name}", [ns_param, name_param]
    else:
        resource_path, resource_params = resource, []
        item_path, name_params = resource + "/{name}", [name_param]
    if sub is not None:
        item_path += "/" + subresource
        resource_path, resource_params = item_path, name_params
    actions: list[tuple[str, str, list[Param], bool]] = []

    def add(verb: str, path: str, params: list[Param], ok: bool, all_namespaces: bool = False) -> None:
        if ok:
            actions.append((verb, path, params, all_namespaces))

    add("LIST", resource_path, resource_params, is_lister)
    add("POST", resource_path, resource_params, "create" in verbs)
    add("DELETECOLLECTION", resource_path, resource_params, "deletecollection" in verbs)
    add("WATCHLIST", "watch/" + resource_path, resource_params, is_watcher and is_lister)
    add("GET", item_path, name_params, "get" in verbs)
    add("PUT", item_path, name_params, "update" in verbs)
    add("PATCH", item_path, name_params, "patch" in verbs)
    add("DELETE", item_path, name_params, "delete" in verbs)
    add("WATCH", "watch/" + item_path, name_params, is_watcher)
    if info.namespaced and sub is None:
        add("LIST", resource, [], is_lister, True)
        add("WATCHLIST", "watch/" + resource, [], is_watcher and is_lister, True)

    doc_kind = info.kind  # "If there is a subresource, kind should be the parent's kind."
    # whether the storage implements MayReturnFullObjectDeleter (namespaces' REST wraps its store without it,
    # so kube documents a Status although the response is the Namespace)
    returns_object = info.return_deleted_object and (info.group, info.plural) not in _DELETE_DOCUMENTS_STATUS
    deleted = model if returns_object else STATUS
    title_sub = _title(subresource)
    routes = []
    for verb, path, params, all_ns in actions:
        namespaced = "Namespaced" if info.namespaced and not all_ns else ""
        suffix = "ForAllNamespaces" if all_ns else ""
        op_name, produces, ps = "", _MEDIA, []
        resps: list[tuple[int, str, str]] = []
        if verb == "GET" and sub is not None and sub.options:  # pods/log: a GetterWithOptions of text/plain
            doc = f"read {subresource} of the specified {doc_kind}"
            op_name, produces, ps, resps = "read", ("text/plain", *_MEDIA), _options(sub.options), [(200, "OK", STRING)]
        elif verb == "GET":
            doc = f"read {subresource} of the specified {doc_kind}" if sub else f"read the specified {doc_kind}"
            op_name, resps = "read", [(200, "OK", model)]
        elif verb == "LIST":
            doc = f"list or watch objects of kind {doc_kind}" if is_watcher else f"list objects of kind {doc_kind}"
            op_name, produces, ps, resps = "list", _MEDIA + _STREAM, _options("ListOptions"), [(200, "OK", list_model)]
        elif verb == "PUT":
            doc = f"replace {subresource} of the specified {doc_kind}" if sub else f"replace the specified {doc_kind}"
            op_name = "replace"
            ps = [*_options("UpdateOptions"), Param("body", "body", required=True, model=model)]
            resps = [(200, "OK", model), (201, "Created", model)]
        elif verb == "PATCH":
            doc = f"partially update {subresource} of the specified {doc_kind}" if sub else ""
            doc = doc or f"partially update the specified {doc_kind}"
            op_name = "patch"
            ps = [*_options("PatchOptions"), Param("body", "body", required=True, model=PATCH)]
            resps = [(200, "OK", model), (201, "Created", model)]
        elif verb == "POST":
            article = _article(doc_kind)
            doc = f"create {subresource} of{article}{doc_kind}" if sub else f"create{article}{doc_kind}"
            op_name = "create"
            ps = [*_options("CreateOptions"), Param("body", "body", required=True, model=model)]
            resps = [(200, "OK", model), (201, "Created", model), (202, "Accepted", model)]
        elif verb == "DELETE":
            article = _article(doc_kind)
            doc = f"delete {subresource} of{article}{doc_kind}" if sub else f"delete{article}{doc_kind}"
            op_name = "delete"
            ps = [Param("body", "body", model=DELETE_OPTIONS), *_options("DeleteOptions")]
            resps = [(200, "OK", deleted), (202, "Accepted", deleted)]
        elif verb == "DELETECOLLECTION":
            doc = f"delete collection of {subresource} of a {doc_kind}" if sub else f"delete collection of {doc_kind}"
            op_name = "deletecollection"
            ps = [
                Param("body", "body", model=DELETE_OPTIONS),
                *_options("DeleteOptions"),
                *_options("ListOptions", ("watch", "allowWatchBookmarks")),
            ]
            resps = [(200, "OK", STATUS)]
        elif verb == "WATCH":
            doc = f"watch changes to {subresource} of an object of kind {doc_kind}" if sub else ""
            doc = (doc or f"watch changes to an object of kind {doc_kind}") + (
                ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item "
                "with the 'fieldSelector' parameter."
            )
            op_name, produces, ps, resps = (
                "watch",
                _MEDIA + _STREAM,
                _options("ListOptions"),
                [(200, "OK", WATCH_EVENT)],
            )
        else:  # WATCHLIST
            doc = f"watch individual changes to a list of {subresource} of {doc_kind}" if sub else ""
            doc = (doc or f"watch individual changes to a list of {doc_kind}") + (
                ". deprecated: use the 'watch' parameter with a list operation instead."
            )
            op_name, produces, ps, resps = (
                "watch",
                _MEDIA + _STREAM,
                _options("ListOptions"),
                [(200, "OK", WATCH_EVENT)],
            )
        list_suffix = "List" if verb == "WATCHLIST" else ""
        routes.append(
            Route(
                _HTTP_METHOD[verb],
                f"{prefix}/{path}",
                doc,
                op_name + namespaced + doc_kind + title_sub + list_suffix + suffix,
                verb.lower(),
                gvk,
                produces,
                _PATCH_TYPES if verb == "PATCH" else ("*/*",),
                [Param("pretty", "query", _PRETTY), *ps, *params],
                [*resps, _UNAUTHORIZED],
            )
        )
    return routes


def _crd_routes(prefix: str, info: ResourceInfo) -> list[Route]:
    """apiextensions-apiserver controller/openapi/builder generateBuilder's routes."""
    assert info.custom is not None
    kind = info.kind
    sample = _model_name(info.group, info.version, kind)
    sample_list = _model_name(info.group, info.version, info.list_kind)
    gvk = {"group": info.group, "version": info.version, "kind": kind}
    namespaced = "Namespaced" if info.namespaced else ""
    routes: list[Route] = []

    def build(root: str, path: str, method: str, action: str, op_verb: str, model: str, body: str = "") -> Route:
        sub = path.split("/")[2] if path.count("/") == 2 else ""
        if op_verb == "list":
            article = " objects of kind "
        elif op_verb in ("read", "replace", "patch"):
            article = " the specified "
        elif op_verb in ("create", "delete"):
            article = _article(kind)
        else:
            article = ""
        sub_doc = f" {sub} of" if sub else ""
        if op_verb == "patch":
            doc = "partially update" + sub_doc + article + kind
        elif op_verb == "deletecollection":
            doc = "delete collection of" + (sub_doc + " a" if sub else "") + " " + kind
        else:
            doc = op_verb + sub_doc + article + kind
        params = [Param("pretty", "query", _PRETTY)]
        full = root + path
        if "{namespace}" in full:
            params.append(Param("namespace", "path", _NAMESPACE_DOC, required=True))
        if "{name}" in full:
            params.append(Param("name", "path", "name of the " + kind, required=True))
        if action == "get":
            pass
        elif action in ("list", "deletecollection"):
            params += _options("ListOptions")
        elif action == "put":
            params += _options("UpdateOptions")
        elif action == "patch":
            params += _options("PatchOptions")
        elif action == "post":
            params += _options("CreateOptions")
        elif action == "delete":
            params += [*_options("DeleteOptions"), Param("body", "body", model=DELETE_OPTIONS)]
        if body:
            params.append(Param("body", "body", required=True, model=body))
        responses = [(200, "OK", model)]
        if action == "post":
            responses += [(202, "Accepted", model), (201, "Created", model)]
        elif action == "delete":
            responses += [(202, "Accepted", model)]
        elif action == "put":
            responses += [(201, "Created", model)]
        return Route(
            method,
            full,
            doc,
            op_verb + namespaced + kind + _title(sub),
            action,
            gvk,
            _CRD_MEDIA,
            _CRD_PATCH_TYPES if method == "PATCH" else _CRD_MEDIA,
            params,
            [*responses, _UNAUTHORIZED],
        )

    root = f"{prefix}/{info.plural}"
    if info.namespaced:
        r = build(root, "", "GET", "list", "list", sample_list)
        r.operation = "list" + kind + "ForAllNamespaces"
        routes.append(r)
        root = f"{prefix}/namespaces/{{namespace}}/{info.plural}"
    routes.append(build(root, "", "GET", "list", "list", sample_list))
    routes.append(build(root, "", "POST", "post", "create", sample, sample))
    routes.append(build(root, "", "DELETE", "deletecollection", "deletecollection", STATUS))
    routes.append(build(root, "/{name}", "GET", "get", "read", sample))
    routes.append(build(root, "/{name}", "PUT", "put", "replace", sample, sample))
    routes.append(build(root, "/{name}", "DELETE", "delete", "delete", STATUS))
    routes.append(build(root, "/{name}", "PATCH", "patch", "patch", sample, PATCH))
    if info.custom.status:
        routes.append(build(root, "/{name}/status", "GET", "get", "read", sample))
        routes.append(build(root, "/{name}/status", "PUT", "put", "replace", sample, sample))
        routes.append(build(root, "/{name}/status", "PATCH", "patch", "patch", sample, PATCH))
    if info.custom.scale is not None:
        routes.append(build(root, "/{name}/scale", "GET", "get", "read", SCALE))
        routes.append(build(root, "/{name}/scale", "PUT", "put", "replace", SCALE, SCALE))
        routes.append(build(root, "/{name}/scale", "PATCH", "patch", "patch", SCALE, PATCH))
    return routes


def _discovery_route(path: str, doc: str, op: str, model: str, consumes: tuple[str, ...]) -> Route:
    return Route("GET", path, doc, op, None, None, _MEDIA, consumes, [], [(200, "OK", model), _UNAUTHORIZED])


def _gv_routes(registry: Registry, group: str, version: str) -> tuple[list[Route], bool]:
    """Routes of one group version, and whether it is served by custom resource definitions."""
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    infos = sorted(registry.resources_in(group, version), key=lambda i: i.plural)
    builtin = [i for i in infos if i.custom is None]
    routes: list[Route] = []
    if builtin:
        routes.append(
            _discovery_route(prefix + "/", "get available resources", "getAPIResources", _M + "APIResourceList", _MEDIA)
        )
    for info in infos:
        if info.custom is not None:
            routes += _crd_routes(prefix, info)
            continue
        routes += _installer_routes(prefix, info, None)
        for sub in info.subresources:
            routes += _installer_routes(prefix, info, sub)
    return routes, not builtin


# --------------------------------------------------------------------------------------------------------
# Operation ids and tags (apiserver/pkg/endpoints/openapi GetOperationIDAndTags)
# --------------------------------------------------------------------------------------------------------

_VERBS = ("get", "log", "read", "replace", "patch", "delete", "deletecollection", "watch", "connect", "proxy",
          "list", "create")  # fmt: skip


def _valid_operation_id(s: str, capitalize_first: bool) -> str:
    out, cap = [], capitalize_first
    for i, c in enumerate(s):
        if c.isalpha() or c == "_" or (i != 0 and c.isdigit()):
            out.append(c.upper() if cap else c)
            cap = False
        else:
            cap = True
    return "".join(out)


def _operation_id_and_tags(op: str, path: str) -> tuple[str, list[str]]:
    # the trie returns the shortest verb that prefixes the operation name
    prefix = min((v for v in _VERBS if op.startswith(v)), key=len)
    rest = op[len(prefix) :]
    parts = path.strip("/").split("/")
    if parts and parts[0] == "api":
        parts = ["apis", "core", *parts[1:]]
    tags: list[str] = []
    if len(parts) >= 2 and parts[0] == "apis":
        trimmed = parts[1].removesuffix(".k8s.io")
        prefix += _valid_operation_id(trimmed, prefix != "")
        tag = _valid_operation_id(trimmed, False)
        if len(parts) > 2:
            prefix += _valid_operation_id(parts[2], prefix != "")
            tag += "_" + _valid_operation_id(parts[2], False)
        tags.append(tag)
    elif parts:
        tags.append(_valid_operation_id(parts[0], False))
    return prefix + _valid_operation_id(rest, prefix != ""), tags


# --------------------------------------------------------------------------------------------------------
# Rendering: builder3 (v3) and builder (v2)
# --------------------------------------------------------------------------------------------------------

_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH")


def _param_key(p: Param) -> tuple[str, str]:
    return (p.name, p.where)


def _group_paths(routes: list[Route]) -> dict[str, list[Route]]:
    by_path: dict[str, list[Route]] = {}
    for r in routes:
        by_path.setdefault(r.path, []).append(r)
    return by_path


def _common(routes: list[Route]) -> dict[tuple[str, str], Param]:
    """findCommonParameters: non-body parameters every route of a path has."""
    counts: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], Param] = {}
    for r in routes:
        for p in r.params:
            counts[_param_key(p)] = counts.get(_param_key(p), 0) + 1
            last[_param_key(p)] = p
    return {k: last[k] for k, n in counts.items() if n == len(routes) and k[1] != "body"}


def _sorted_params(params: list[Param]) -> list[Param]:
    return sorted(params, key=lambda p: (p.name, p.where))


def _v3_param(p: Param) -> Schema:
    out: Schema = {"name": p.name, "in": p.where}
    if p.description:
        out["description"] = p.description
    if p.required:
        out["required"] = True
    out["schema"] = {"type": p.type, "uniqueItems": True}
    return out


def _with_kube_extensions(op: dict[str, Any], r: Route) -> dict[str, Any]:
    """kube's route extensions, after the responses (the documents are hashed: key order is kube's)."""
    if r.action is not None:
        op["x-kubernetes-action"] = r.action
    if r.gvk is not None:
        op["x-kubernetes-group-version-kind"] = r.gvk
    return op


def _path_item(ops: dict[str, Any], common: dict[tuple[str, str], Param], to_param: Any) -> dict[str, Any]:
    """A path's operations in kube's method order, then the parameters every operation shares."""
    item: dict[str, Any] = {method.lower(): ops[method] for method in _METHODS if method in ops}
    if common:
        item["parameters"] = [to_param(p) for p in _sorted_params(list(common.values()))]
    return item


def _v3_paths(routes: list[Route], models: set[str]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, rs in sorted(_group_paths(routes).items()):
        common = _common(rs)
        ops: dict[str, Any] = {}
        for r in rs:
            op_id, tags = _operation_id_and_tags(r.operation, r.path)
            op: dict[str, Any] = {"tags": tags, "description": r.doc, "operationId": op_id}
            params = [p for p in r.params if _param_key(p) not in common and p.where != "body"]
            if params:
                op["parameters"] = [_v3_param(p) for p in _sorted_params(params)]
            body = next((p for p in r.params if p.where == "body"), None)
            if body is not None:
                models.add(body.model)
                ref = {"$ref": "#/components/schemas/" + body.model}
                rb: dict[str, Any] = {"content": {c: {"schema": ref} for c in sorted(r.consumes)}}
                if body.required:
                    rb["required"] = True
                op["requestBody"] = rb
            responses: dict[str, Any] = {}
            for code, message, model in sorted(r.responses):
                resp: dict[str, Any] = {"description": message}
                if model:
                    if model == STRING:
                        ref = {"type": "string"}
                    else:
                        models.add(model)
                        ref = {"$ref": "#/components/schemas/" + model}
                    resp["content"] = {c: {"schema": ref} for c in sorted(r.produces)}
                responses[str(code)] = resp
            op["responses"] = responses
            ops[r.method] = _with_kube_extensions(op, r)
        paths[path] = _path_item(ops, common, _v3_param)
    return paths


def _v2_param(p: Param) -> Schema:
    """spec.Parameter in its JSON field order (commonValidations, simpleSchema, paramProps)."""
    if p.where == "body":
        out: Schema = {"name": "body", "in": "body"}
        if p.required:
            out["required"] = True
        out["schema"] = {"$ref": "#/definitions/" + p.model}
        return out
    out = {"uniqueItems": True, "type": p.type}
    if p.description:
        out["description"] = p.description
    out["name"] = p.name
    out["in"] = p.where
    if p.required:
        out["required"] = True
    return out


def _fnv1_64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h ^= b
    return h


# v2 form and shared name of each parameter (a few dozen distinct ones; hashing them is the costly part)
_V2_PARAMS: dict[Param, tuple[Schema, str | None]] = {}


def _shared_param_name(p: Schema) -> str | None:
    """builder/parameters.go collectSharedParameters: the name a shared parameter gets, or None when kube keeps
    it inline (``name``, ``fieldValidation``, ``dryRun`` and bodies of the kind's own schema)."""
    if p["in"] in ("query", "path") and p["name"] == "name":
        return None
    if p["in"] == "query" and p["name"] in ("fieldValidation", "dryRun"):
        return None
    if p["in"] == "body" and not p["schema"]["$ref"].startswith("#/definitions/io.k8s.apimachinery"):
        return None
    key = jsonenc.go_escape(deepjson.dumps(p))
    digest = _fnv1_64(key).to_bytes(8, "big")
    return p["name"] + "-" + base64.urlsafe_b64encode(digest[:6]).decode()


def _v2_paths(routes: list[Route], models: set[str], shared: dict[str, Schema]) -> dict[str, Any]:
    def ref_or_inline(p: Param) -> Schema:
        cached = _V2_PARAMS.get(p)
        if cached is None:
            param = _v2_param(p)
            cached = _V2_PARAMS[p] = (param, _shared_param_name(param))
        param, name = cached
        if name is None:
            return param
        shared[name] = param
        return {"$ref": "#/parameters/" + name}

    paths: dict[str, Any] = {}
    for path, rs in sorted(_group_paths(routes).items()):
        common = _common(rs)
        ops: dict[str, Any] = {}
        for r in rs:
            op_id, tags = _operation_id_and_tags(r.operation, r.path)
            op: dict[str, Any] = {"description": r.doc}
            if r.consumes:  # omitempty
                op["consumes"] = list(r.consumes)
            op["produces"] = list(r.produces)
            op["schemes"] = ["https"]
            op["tags"] = tags
            op["operationId"] = op_id
            params = [p for p in r.params if _param_key(p) not in common]
            if params:
                op["parameters"] = [ref_or_inline(p) for p in _sorted_params(params)]
                for p in params:
                    if p.model:
                        models.add(p.model)
            responses: dict[str, Any] = {}
            for code, message, model in sorted(r.responses):
                resp: dict[str, Any] = {"description": message}
                if model == STRING:
                    resp["schema"] = {"type": "string"}
                elif model:
                    models.add(model)
                    resp["schema"] = {"$ref": "#/definitions/" + model}
                responses[str(code)] = resp
            op["responses"] = responses
            ops[r.method] = _with_kube_extensions(op, r)
        paths[path] = _path_item(ops, common, ref_or_inline)
    return paths


def _closure(roots: set[str], extra: dict[str, Schema], v2: bool, gv: tuple[str, str] | None) -> dict[str, Schema]:
    """The definitions ``roots`` reference, transitively (custom resource schemas come from ``extra``)."""
    prefix = "#/definitions/" if v2 else "#/components/schemas/"
    out: dict[str, Schema] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        if name in extra:
            s = extra[name]
            refs: set[str] = set()
            _deep_refs(s, prefix, refs)
            todo.extend(refs)
        elif name in DEFINITIONS:
            s = DEFINITIONS.v2(name) if v2 else DEFINITIONS.v3(name)
            if gv is not None:
                s = _v3_gvks(s, *gv)
            todo.extend(DEFINITIONS.deps(name))
        else:
            s = {"type": "object"}  # a kind without a known schema (should not happen)
        out[name] = s
    return dict(sorted(out.items()))


def _info(title: str = "Kubernetes", version: str = K.VERSION) -> dict[str, str]:
    return {"title": title, "version": version}


def group_version_doc(registry: Registry, group: str, version: str) -> dict[str, Any]:
    """The /openapi/v3/<api/v1 | apis/group/version> document."""
    routes, custom = _gv_routes(registry, group, version)
    models: set[str] = set()
    paths = _v3_paths(routes, models)
    extra: dict[str, Schema] = {}
    for info in registry.resources_in(group, version):
        if info.custom is not None:
            extra.update(_crd_schemas(info, v2=False))
    schemas = _closure(models, extra, False, None if custom else (group, version))
    components: dict[str, Any] = {"schemas": schemas}
    if not custom:
        components["securitySchemes"] = _SECURITY_SCHEMES
    info = _info("Kubernetes CRD Swagger", "v0.1.0") if custom else _info()
    return {"openapi": "3.0.0", "info": info, "paths": paths, "components": components}


def _small_doc(route: Route) -> dict[str, Any]:
    models: set[str] = set()
    paths = _v3_paths([route], models)
    schemas = _closure(models, {}, False, None)
    components = {"schemas": schemas} if schemas else {}  # omitempty
    return {
        "openapi": "3.0.0",
        "info": _info(),
        "paths": paths,
        "components": {**components, "securitySchemes": _SECURITY_SCHEMES},
    }


def _root_routes(registry: Registry) -> list[Route]:
    """Discovery and version routes (non-resource paths kube documents)."""
    routes = [
        _discovery_route("/api/", "get available API versions", "getAPIVersions", _M + "APIVersions", _MEDIA),
        _discovery_route("/apis/", "get available API versions", "getAPIVersions", _M + "APIGroupList", _MEDIA),
    ]
    for group in registry.group_versions():
        # custom resource groups have no go-restful group route (their discovery is served by the CRD handler)
        if group and any(i.group == group and i.custom is None for i in registry):
            routes.append(
                _discovery_route(
                    f"/apis/{group}/", "get information of a group", "getAPIGroup", _M + "APIGroup", _MEDIA
                )
            )
    version = _discovery_route(
        "/version/", "get the version information for this server", "getCodeVersion",
        "io.k8s.apimachinery.pkg.version.Info", ("application/json",),
    )  # fmt: skip
    version.produces = ("application/json",)
    routes.append(version)
    # the service-account issuer's discovery (kube's pkg/routes/openidmetadata.go: a 200 of no model, a string)
    for path, doc, op, produces in _OPENID_ROUTES:
        routes.append(Route("GET", path, doc, op, None, None, produces, (), [], [(200, "OK", STRING), _UNAUTHORIZED]))
    return routes


_OPENID_ROUTES = (
    ("/.well-known/openid-configuration/",
     "get service account issuer OpenID configuration, also known as the 'OIDC discovery doc'",
     "getServiceAccountIssuerOpenIDConfiguration", ("application/json",)),
    ("/openid/v1/jwks/",
     "get service account issuer OpenID JSON Web Key Set (contains public token verification keys)",
     "getServiceAccountIssuerOpenIDKeyset", ("application/jwk-set+json",)),
)  # fmt: skip


def _dumps(doc: Any) -> bytes:
    """Go's encoding/json output of a kube-openapi document: compact, HTML-escaped, no trailing newline."""
    return jsonenc.go_escape(deepjson.dumps(doc))


def swagger_doc(registry: Registry) -> dict[str, Any]:
    """The /openapi/v2 Swagger 2.0 document: every served path and the definitions they reference."""
    routes = _root_routes(registry)
    extra: dict[str, Schema] = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            gv_routes, _ = _gv_routes(registry, group, version)
            routes += gv_routes
            for info in registry.resources_in(group, version):
                if info.custom is not None:
                    extra.update(_crd_schemas(info, v2=True))
    models: set[str] = set()
    shared: dict[str, Schema] = {}
    paths = _v2_paths(routes, models, shared)
    return {
        "swagger": "2.0",
        "info": _info(),
        "paths": paths,
        "definitions": _closure(models, extra, True, None),
        "parameters": dict(sorted(shared.items())),
        "securityDefinitions": {
            "BearerToken": {
                "description": "Bearer Token authentication",
                "type": "apiKey",
                "name": "authorization",
                "in": "header",
            }
        },
        "security": [{"BearerToken": []}],
    }


class OpenAPI:
    """The served documents, built on first use after each registry change and kept as bytes."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._docs: dict[str, bytes] = {}
        self._hashes: dict[str, str] = {}
        self._index: bytes | None = None
        self._v2: bytes | None = None
        self._v2_gzip: bytes | None = None
        self._v2_protobuf: bytes | None = None  # gnostic encodings, made on first request per document version
        self._v2_protobuf_gzip: bytes | None = None
        self._protobuf: dict[str, tuple[str, bytes]] = {}  # v3 path -> (hash of the JSON it encodes, bytes)
        self._v2_etag = ""
        self._v2_modified = 0.0
        self._modified: dict[str, float] = {}  # path -> when its bytes last changed (Last-Modified)
        self._index_modified = 0.0
        self._generation = -1
        self._v2_generation = -1
        # per group version: the ResourceInfo objects a document was built from, the document and its hash; a
        # registry change (a CRD added, updated or removed) rebuilds only the group versions whose resources changed
        self._gv_cache: dict[str, tuple[tuple[ResourceInfo, ...], bytes, str]] = {}

    def invalidate(self) -> None:
        self._docs.clear()
        self._hashes.clear()
        self._gv_cache.clear()
        self._index = None
        self._v2 = None
        self._protobuf.clear()
        self._generation = self._v2_generation = -1

    def _build(self) -> None:
        docs: dict[str, bytes] = {}
        hashes: dict[str, str] = {}
        gv_cache: dict[str, tuple[tuple[ResourceInfo, ...], bytes, str]] = {}
        for group, versions in self.registry.group_versions().items():
            for version in versions:
                path = f"apis/{group}/{version}" if group else f"api/{version}"
                infos = tuple(sorted(self.registry.resources_in(group, version), key=lambda i: i.plural))
                cached = self._gv_cache.get(path)
                if cached is not None and len(cached[0]) == len(infos) and all(map(operator.is_, cached[0], infos)):
                    gv_cache[path] = cached
                else:
                    body = _dumps(group_version_doc(self.registry, group, version))
                    gv_cache[path] = (infos, body, content_hash(body))
                docs[path], hashes[path] = gv_cache[path][1], gv_cache[path][2]
        for route in _root_routes(self.registry):
            path = route.path.strip("/")
            docs[path] = _dumps(_small_doc(route))
            hashes[path] = content_hash(docs[path])
        index = {
            "paths": {path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={hashes[path]}"} for path in sorted(docs)}
        }
        now = time.time()
        self._modified = {p: self._modified.get(p, now) if self._hashes.get(p) == h else now for p, h in hashes.items()}
        self._gv_cache = gv_cache
        self._docs = docs
        self._hashes = hashes
        index_body = _dumps(index)
        if index_body != self._index:
            self._index_modified = now
        self._index = index_body

    def _fresh(self) -> None:
        if self._generation != self.registry.generation:
            self._build()
            self._generation = self.registry.generation

    def index(self) -> bytes:
        self._fresh()
        assert self._index is not None
        return self._index

    def document(self, path: str) -> bytes | None:
        self._fresh()
        return self._docs.get(path)

    def document_protobuf(self, path: str) -> bytes | None:
        """A v3 document as gnostic ``openapi.v3.Document`` protobuf, encoded once per JSON version (kube's
        ETag and ``?hash=`` stay the JSON's)."""
        body, digest = self.document(path), self._hashes.get(path)
        if body is None or digest is None:
            return None
        cached = self._protobuf.get(path)
        if cached is None or cached[0] != digest:
            cached = self._protobuf[path] = (digest, gnostic.encode(deepjson.loads(body), "v3"))
        return cached[1]

    def document_hash(self, path: str) -> str | None:
        """The ``hash`` of a v3 document in the index (SHA-512, upper-case hex): kube's ETag for it (quoted).
        kube answers a request whose ``?hash=`` differs with a 301 to the current URL, and one that matches with
        ``Cache-Control: public, immutable`` and an ``Expires`` a year ahead."""
        self._fresh()
        return self._hashes.get(path)

    def last_modified(self, path: str) -> float:
        """When a v3 document (``""``: the index) last changed: its Last-Modified."""
        self._fresh()
        return self._index_modified if not path else self._modified.get(path, self._index_modified)

    def swagger_v2(self) -> bytes:
        """The /openapi/v2 document (JSON), rebuilt when the registry changes."""
        if self._v2 is None or self._v2_generation != self.registry.generation:
            body = _dumps(swagger_doc(self.registry))
            if body != self._v2:
                self._v2, self._v2_gzip = body, None
                self._v2_protobuf = self._v2_protobuf_gzip = None
                self._v2_etag = f'"{content_hash(body)}"'
                self._v2_modified = time.time()
            self._v2_generation = self.registry.generation
        return self._v2

    def swagger_v2_gzip(self) -> bytes:
        """The v2 document gzip-compressed once (kube serves /openapi/v2 through a gzip handler)."""
        body = self.swagger_v2()
        if self._v2_gzip is None:
            self._v2_gzip = gzip.compress(body, compresslevel=6, mtime=0)
        return self._v2_gzip

    def swagger_v2_protobuf(self) -> bytes:
        """The v2 document as gnostic ``openapi.v2.Document`` protobuf, encoded once per JSON version."""
        body = self.swagger_v2()
        if self._v2_protobuf is None:
            self._v2_protobuf = gnostic.encode(deepjson.loads(body), "v2")
        return self._v2_protobuf

    def swagger_v2_protobuf_gzip(self) -> bytes:
        body = self.swagger_v2_protobuf()
        if self._v2_protobuf_gzip is None:
            self._v2_protobuf_gzip = gzip.compress(body, compresslevel=6, mtime=0)
        return self._v2_protobuf_gzip

    def swagger_v2_modified(self) -> float:
        self.swagger_v2()
        return self._v2_modified

    def swagger_v2_etag(self) -> str:
        """The quoted ETag kube sends with /openapi/v2, JSON or protobuf alike: the SHA-512 of the JSON body,
        upper-case hex."""
        self.swagger_v2()
        return self._v2_etag
