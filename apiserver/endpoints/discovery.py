"""API discovery: /api, /apis, /api/v1, /apis/<group>[/<version>], legacy and aggregated (apidiscovery v2).

Documents are built from the registry and cached until the registry changes (CRDs will change it). Their
shapes and orders are those of kube-apiserver 1.36 (see ../shared/reference/kube-apiserver-1.36).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.aggregation import RemoteAPIServices
from aiokube.apiserver.endpoints.responses import content_hash, json_response, not_found_page, service_unavailable_page
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.encoding import jsonenc
from aiokube.encoding.negotiation import parse_accept

# kube-apiserver's group priority order (the order of /apis); groups not listed come after, by name.
GROUP_ORDER = (
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "resource.k8s.io",
    "flowcontrol.apiserver.k8s.io",
)
_RANK = {g: i for i, g in enumerate(GROUP_ORDER)}

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def _legacy_resources(resources: list[ResourceInfo]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for info in sorted(resources, key=lambda i: i.plural):
        entry: dict[str, Any] = {
            "name": info.plural,
            "singularName": info.singular,
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": list(info.verbs),
        }
        if info.short_names:
            entry["shortNames"] = list(info.short_names)
        if info.categories:
            entry["categories"] = list(info.categories)
        if info.storage_version_hash:
            entry["storageVersionHash"] = info.storage_version_hash
        out.append(entry)
        for sub in sorted(info.subresources, key=lambda s: s.name):
            sub_entry: dict[str, Any] = {
                "name": f"{info.plural}/{sub.name}",
                "singularName": "",
                "namespaced": info.namespaced,
            }
            if sub.group:
                sub_entry["group"] = sub.group
                sub_entry["version"] = sub.version
            sub_entry["kind"] = sub.kind
            sub_entry["verbs"] = list(sub.verbs)
            out.append(sub_entry)
    return out


def _aggregated_resources(resources: list[ResourceInfo]) -> list[dict[str, Any]]:
    out = []
    for info in sorted(resources, key=lambda i: i.plural):
        entry: dict[str, Any] = {
            "resource": info.plural,
            "responseKind": {"group": "", "version": "", "kind": info.kind},
            "scope": "Namespaced" if info.namespaced else "Cluster",
            "singularResource": info.singular,
            "verbs": list(info.verbs),
        }
        if info.short_names:
            entry["shortNames"] = list(info.short_names)
        if info.categories:
            entry["categories"] = list(info.categories)
        if info.subresources:
            entry["subresources"] = [
                {
                    "subresource": sub.name,
                    "responseKind": {"group": sub.group, "version": sub.version, "kind": sub.kind},
                    "verbs": list(sub.verbs),
                }
                for sub in sorted(info.subresources, key=lambda s: s.name)
            ]
        out.append(entry)
    return out


class Discovery:
    """Serves /api, /apis and their per-group(-version) documents, legacy and aggregated, as kube 1.36 writes
    them. Documents are built from the registry on first request and cached with their ETags until the
    registry's generation changes (a CRD added or removed); the event loop is the only caller."""

    def __init__(self, registry: Registry, server_address: str, remote: RemoteAPIServices | None = None) -> None:
        self.registry = registry
        self.server_address = server_address
        #: the groups APIServices with a Service add (listed; their versions Stale in aggregated discovery)
        self.remote = remote
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._generation = self._current_generation()

    def _current_generation(self) -> tuple[int, int]:
        return self.registry.generation, self.remote.generation if self.remote is not None else 0

    def invalidate(self) -> None:
        self._cache.clear()

    def _fresh(self) -> None:
        """Rebuild cached documents when the registry changed (a CRD was added or removed)."""
        if self._generation != self._current_generation():
            self._cache.clear()
            self._generation = self._current_generation()

    def _groups(self) -> list[tuple[str, list[str]]]:
        """Built-in groups in kube's order, then the others by APIService priority (a custom resource's group
        has 1000) and name; a remote group's versions after any served locally."""
        gvs = self.registry.group_versions()
        named = [(g, v, 1000) for g, v in gvs.items() if g]
        local = {g: i for i, (g, _, _) in enumerate(named)}
        for remote in self.remote.groups() if self.remote is not None else ():
            if remote.name in local:
                g, versions, priority = named[local[remote.name]]
                named[local[remote.name]] = (g, versions + list(remote.versions), priority)
            else:
                named.append((remote.name, list(remote.versions), remote.priority))
        named.sort(key=lambda gv: (_RANK.get(gv[0], len(_RANK)), -gv[2] if gv[0] not in _RANK else 0, gv[0]))
        return [(g, v) for g, v, _ in named]

    def api_versions(self) -> dict[str, Any]:
        return {
            "kind": "APIVersions",
            "versions": self.registry.group_versions().get("", []),
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.server_address}],
        }

    @staticmethod
    def _api_group(group: str, versions: list[str]) -> dict[str, Any]:
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}

    def api_group_list(self) -> dict[str, Any]:
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [self._api_group(g, vs) for g, vs in self._groups()],
        }

    def api_group(self, group: str) -> dict[str, Any] | None:
        versions = dict(self._groups()).get(group)
        if not group or not versions:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **self._api_group(group, versions)}

    def resource_list(self, group: str, version: str) -> dict[str, Any] | None:
        resources = self.registry.resources_in(group, version)
        if not resources:
            return None
        doc: dict[str, Any] = {"kind": "APIResourceList"}
        if group:
            doc["apiVersion"] = "v1"
        doc["groupVersion"] = f"{group}/{version}" if group else version
        doc["resources"] = _legacy_resources(resources)
        return doc

    def aggregated(self, legacy: bool, api_version: str) -> dict[str, Any]:
        if legacy:
            groups: list[tuple[str, list[str]]] = [("", self.registry.group_versions().get("", []))]
        else:
            groups = self._groups()
        items = []
        for group, versions in groups:
            entries = []
            for v in versions:
                if self.registry.has_group_version(group, v):
                    resources = _aggregated_resources(self.registry.resources_in(group, v))
                    entries.append({"version": v, "resources": resources, "freshness": "Current"})
                else:  # an aggregated API server's, never fetched: kube's entry for an unavailable one
                    entries.append({"version": v, "freshness": "Stale"})
            items.append({"metadata": {"name": group} if group else {}, "versions": entries})
        return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}

    def serve_path(self, request: web.Request, path: str) -> web.StreamResponse:
        """/api/<v>, /apis/<g>, /apis/<g>/<v>: the document; an aggregated API server's version: the proxy's 503;
        an unknown group: Go's 404 page; else kube's 404 Status."""
        parts = [p for p in path.strip("/").split("/") if p]
        doc: dict[str, Any] | None = None
        if parts[0] == "api" and len(parts) == 2:
            doc = self.resource_list("", parts[1])
        elif parts[0] == "apis" and len(parts) == 2:
            doc = self.api_group(parts[1])
        elif parts[0] == "apis" and len(parts) == 3:
            doc = self.resource_list(parts[1], parts[2])
        if doc is not None:
            return json_response(request, doc)
        if parts[0] == "apis" and len(parts) == 3 and self.remote is not None and self.remote.serves(*parts[1:]):
            return service_unavailable_page()
        if parts[0] == "apis" and (len(parts) < 2 or not self.registry.has_group(parts[1])):
            return not_found_page()
        raise errors.resource_not_found()

    def serve_root(self, request: web.Request, legacy: bool) -> web.StreamResponse:
        """/api or /apis: aggregated discovery when the client asks for it, else the legacy document."""
        accept = request.headers.get("Accept", "")
        for clause in parse_accept(accept):
            if clause.param("g") == "apidiscovery.k8s.io" and clause.param("as") == "APIGroupDiscoveryList":
                version = clause.param("v")
                if version in ("v2", "v2beta1"):
                    return self._aggregated_response(request, legacy, version, accept)
        doc = self.api_versions() if legacy else self.api_group_list()
        return json_response(request, doc)

    def _aggregated_response(self, request: web.Request, legacy: bool, version: str, accept: str) -> web.Response:
        self._fresh()
        cache_key = f"{legacy}:{version}"
        cached = self._cache.get(cache_key)
        if cached is None:
            doc = self.aggregated(legacy, f"apidiscovery.k8s.io/{version}")
            body = jsonenc.dumps(doc)
            etag = f'"{content_hash(body)}"'
            cached = self._cache[cache_key] = (body, etag)
        body, etag = cached
        content_type = AGGREGATED_V2 if version == "v2" else AGGREGATED_V2BETA1
        headers = {"Cache-Control": "public", "ETag": etag, "Vary": "Accept", "X-Varied-Accept": accept}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        resp = web.Response(body=body, headers=headers)
        resp.headers["Content-Type"] = content_type
        return resp
