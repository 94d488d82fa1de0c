"""Parse a request path the way kube's RequestInfoFactory does (apiserver/pkg/endpoints/request/requestinfo.go).

Resource paths::

    /api/{version}/{resource}[/{name}[/{subresource}]]
    /api/{version}/namespaces/{namespace}/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}/...                   (same shapes)
    /api/{version}/watch/...                      (legacy watch: verb "watch")

``/api/v1/namespaces/{name}`` is the namespace object itself, and ``status``/``finalize`` right after a
namespace name are subresources of that namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from aiokube.encoding.goyaml import GO_UTF8

_NAMESPACE_SUBRESOURCES = frozenset(("status", "finalize"))
_METHOD_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


@dataclass(slots=True)
class RequestInfo:
    is_resource_request: bool
    path: str
    verb: str = ""
    api_prefix: str = ""
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)
    legacy_watch: bool = False

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def query_bool(value: str | None) -> bool | None:
    """A boolean query parameter as kube's parameter codec reads it (runtime.Convert_Slice_string_To_bool):
    absent is None; "0" and "false" (any case) are false; anything else, the empty string included, true."""
    if value is None:
        return None
    return not (value == "0" or value.lower() == "false")


def parse(method: str, path: str, query: dict[str, str]) -> RequestInfo:
    """RequestInfo of a raw (percent-encoded) path: its segments are decoded, as kube reads ``URL.Path``
    (``a%0d%0ab`` names the object ``a\r\nb``; bytes that are not UTF-8 read as Go's JSON shows them)."""
    info = RequestInfo(is_resource_request=False, path=path, verb=method.lower())
    trimmed = path.strip("/")
    parts = [unquote(p, errors=GO_UTF8) if "%" in p else p for p in trimmed.split("/")] if trimmed else []
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return info  # discovery (/api, /apis/apps, /apis/apps/v1, ...) or a non-API path
    info.api_prefix = parts[0]
    rest = parts[1:]
    if info.api_prefix == "apis":
        if len(rest) < 3:
            return info  # /apis/{group}/{version}: discovery
        info.group = rest[0]
        rest = rest[1:]
    info.version = rest[0]
    rest = rest[1:]
    info.is_resource_request = True
    info.verb = _METHOD_VERBS.get(method.upper(), method.lower())

    if rest and rest[0] == "watch":
        if len(rest) < 2:
            info.is_resource_request = False
            return info
        info.verb = "watch"
        info.legacy_watch = True
        rest = rest[1:]

    if rest[0] == "namespaces":
        if len(rest) > 1:
            info.namespace = rest[1]
            if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
                rest = rest[2:]
    info.parts = rest
    info.resource = rest[0]
    if len(rest) >= 2:
        info.name = rest[1]
    if len(rest) >= 3:
        info.subresource = rest[2]

    if not info.name and info.verb == "get":
        info.verb = "watch" if query_bool(query.get("watch")) else "list"
    if not info.name and info.verb == "delete":
        info.verb = "deletecollection"
    return info
