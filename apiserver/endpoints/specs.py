"""The documents that describe the API rather than serve it: ``/openapi/v2``, ``/openapi/v3[/...]`` (as
kube-openapi serves them: ETags, hash redirects, gzip) and the ServiceAccount issuer's OIDC discovery."""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiohttp import web

from aiokube.apiserver.endpoints.openapi import OpenAPI
from aiokube.apiserver.endpoints.responses import not_found_page, serve_content
from aiokube.encoding import negotiation

OPENID_PATHS = ("/.well-known/openid-configuration", "/openid/v1/jwks")
JWKS_TYPE = "application/jwk-set+json"


def accepts_json(request: web.Request) -> bool | None:
    """kube-openapi's negotiation: the first Accept clause naming JSON or gnostic protobuf wins. True for
    JSON, False when protobuf wins (not produced here: answered 406 as if not offered), None for neither."""
    for clause in negotiation.parse_accept(request.headers.get("Accept") or "*/*"):
        if clause.type in ("*/*", "*", "application/*", "application/json"):
            return True
        if clause.type.startswith("application/com.github.proto-openapi.spec."):
            return False
    return None


def serve_openapi_v3(request: web.Request, path: str, openapi: OpenAPI) -> web.StreamResponse:
    """The v3 index (served as kube's aggregator serves it: no ETag, content type sniffed by Go as
    text/plain) and the per-group-version documents: ETag = ``hash``; a stale ``?hash=`` is a 301 to the
    current URL, a current one makes the response immutable for a year."""
    if path == "/openapi/v3":
        body = openapi.index()
        return serve_content(
            request, body, content_type="text/plain; charset=utf-8", last_modified=openapi.last_modified("")
        )
    doc_path = path[len("/openapi/v3/") :]
    body = openapi.document(doc_path)
    digest = openapi.document_hash(doc_path)
    if body is None or digest is None:
        return not_found_page()
    headers = {"Vary": "Accept"}
    if not accepts_json(request):
        return web.Response(status=406, headers=headers)
    wanted = request.query.get("hash", "")
    if wanted and wanted != digest:
        headers["Location"] = f"/openapi/v3/{doc_path}?hash={digest}"
        headers["ETag"] = f'"{digest}"'
        return web.Response(status=301, headers=headers)
    if wanted:
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() + 365 * 86400))
    return serve_content(
        request,
        body,
        content_type="application/json",
        last_modified=openapi.last_modified(doc_path),
        etag=f'"{digest}"',
        headers=headers,
    )


def serve_openapi_v2(request: web.Request, openapi: OpenAPI) -> web.StreamResponse:
    """Swagger 2.0 JSON with kube's ETag and gzip; gnostic protobuf is not produced (406)."""
    headers = {"Vary": "Accept-Encoding, Accept"}
    if not accepts_json(request):
        return web.Response(status=406, headers=headers)
    return serve_content(
        request,
        openapi.swagger_v2(),
        content_type="application/json",
        last_modified=openapi.swagger_v2_modified(),
        etag=openapi.swagger_v2_etag(),
        headers=headers,
        gzipped=openapi.swagger_v2_gzip(),
    )


def serve_openid(path: str, config: dict[str, Any], keys: dict[str, Any]) -> web.Response:
    """Service-account issuer discovery (kube's openidmetadata handlers): cacheable for an hour."""
    doc, content_type = (config, "application/json") if path == OPENID_PATHS[0] else (keys, JWKS_TYPE)
    return web.Response(
        body=orjson.dumps(doc), content_type=content_type, headers={"Cache-Control": "public, max-age=3600"}
    )
