"""OpenAPI v3 documents (/openapi/v3 and /openapi/v3/<api|apis/group/version>) built from the registry.

kubectl downloads these before ``create``/``replace``/``apply``: when a type's PATCH operation declares the
``fieldValidation`` query parameter, kubectl leaves validation to the server (``fieldValidation=Strict``)
instead of validating client-side against schemas. The documents describe every served path and
operation with kube's ``x-kubernetes-group-version-kind`` and ``x-kubernetes-action`` extensions;
component schemas are permissive objects for now.
"""

from __future__ import annotations

import hashlib
from typing import Any

from encoding import jsonenc

from .registry import Registry, ResourceInfo

_QUERY = {
    "dryRun": "When present, indicates that modifications should not be persisted.",
    "fieldManager": "fieldManager is a name associated with the actor or entity that is making these changes.",
    "fieldValidation": "fieldValidation instructs the server on how to handle objects in the request containing "
    "unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict.",
    "pretty": "If 'true', then the output is pretty printed.",
}
_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "pretty")


def _param(name: str, where: str = "query") -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "in": where, "description": _QUERY.get(name, name)}
    if where == "path":
        p["required"] = True
    p["schema"] = {"type": "string", "uniqueItems": True}
    return p


def _schema_name(info: ResourceInfo, list_kind: bool = False) -> str:
    group = info.group or "core"
    kind = info.list_kind if list_kind else info.kind
    return f"io.k8s.api.{group.split('.')[0]}.{info.version}.{kind}"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(info: ResourceInfo, action: str, verb: str, params: tuple[str, ...], schema: str) -> dict[str, Any]:
    op_id = f"{verb}{info.kind}"
    op: dict[str, Any] = {
        "tags": [info.group or "core_" + info.version],
        "description": f"{verb} {info.kind}",
        "operationId": op_id,
        "parameters": [_param(p) for p in params],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": info.group, "version": info.version, "kind": info.kind},
    }
    if action in ("post", "put", "patch"):
        media = (
            [
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
                "application/apply-patch+yaml",
            ]
            if action == "patch"
            else ["*/*"]
        )
        op["requestBody"] = {"content": {m: {"schema": _ref(schema)} for m in media}, "required": True}
    return op


def group_version_doc(registry: Registry, group: str, version: str) -> dict[str, Any]:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for info in sorted(registry.resources_in(group, version), key=lambda i: i.plural):
        ns = "/namespaces/{namespace}" if info.namespaced else ""
        kind_schema, list_schema = _schema_name(info), _schema_name(info, list_kind=True)
        schemas[kind_schema] = {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": info.group, "version": info.version, "kind": info.kind}],
            "x-kubernetes-preserve-unknown-fields": True,
        }
        schemas[list_schema] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        path_params = [_param("namespace", "path")] if info.namespaced else []
        collection: dict[str, Any] = {
            "get": _op(info, "list", "list", ("pretty",), list_schema),
            "post": _op(info, "post", "create", _WRITE_PARAMS, kind_schema),
            "parameters": path_params,
        }
        if "deletecollection" in info.verbs:
            collection["delete"] = _op(info, "deletecollection", "deleteCollection", ("dryRun", "pretty"), kind_schema)
        paths[f"{prefix}{ns}/{info.plural}"] = collection
        paths[f"{prefix}{ns}/{info.plural}/{{name}}"] = {
            "get": _op(info, "get", "read", ("pretty",), kind_schema),
            "put": _op(info, "put", "replace", _WRITE_PARAMS, kind_schema),
            "patch": _op(info, "patch", "patch", (*_WRITE_PARAMS, "force"), kind_schema),
            "delete": _op(info, "delete", "delete", ("dryRun", "pretty"), kind_schema),
            "parameters": [_param("name", "path"), *path_params],
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.36.3"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


class OpenAPI:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._docs: dict[str, bytes] = {}
        self._index: bytes | None = None
        self._generation = -1

    def invalidate(self) -> None:
        self._docs.clear()
        self._index = None

    def _build(self) -> None:
        docs: dict[str, bytes] = {}
        for group, versions in self.registry.group_versions().items():
            for version in versions:
                path = f"apis/{group}/{version}" if group else f"api/{version}"
                docs[path] = jsonenc.dumps(group_version_doc(self.registry, group, version))
        index = {
            "paths": {
                path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={hashlib.sha512(body).hexdigest().upper()}"}
                for path, body in sorted(docs.items())
            }
        }
        self._docs = docs
        self._index = jsonenc.dumps(index)

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
