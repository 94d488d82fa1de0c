"""The documents that describe the API rather than serve it: ``/openapi/v2``, ``/openapi/v3[/...]`` (as
kube-openapi serves them: ETags, hash redirects, gzip) and the ServiceAccount issuer's OIDC discovery."""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints.openapi import OpenAPI
from aiokube.apiserver.endpoints.responses import serve_content
from aiokube.encoding import gnostic, negotiation

OPENID_PATHS = ("/.well-known/openid-configuration", "/openid/v1/jwks")
JWKS_TYPE = "application/jwk-set+json"


#: kube-openapi's offers, in its order: (subtype, what is served); the protobuf subtypes both answer with the
#: non-deprecated Content-Type
_V2_OFFERS = (("json", "json"), ("com.github.proto-openapi.spec.v2@v1.0+protobuf", "protobuf"),
              ("com.github.proto-openapi.spec.v2.v1.0+protobuf", "protobuf"))  # fmt: skip
_V3_OFFERS = (("json", "json"), ("com.github.proto-openapi.spec.v3.v1.0+protobuf", "protobuf"),
              ("com.github.proto-openapi.spec.v3@v1.0+protobuf", "protobuf"))  # fmt: skip


def openapi_format(request: web.Request, offers: tuple[tuple[str, str], ...]) -> str | None:
    """kube-openapi's negotiation: the first Accept clause (goautoneg's order, q=0 included) that names an
    offer or a wildcard picks the first such offer: "json", "protobuf", or None (406)."""
    for mtype, subtype in negotiation.goautoneg_accept(request.headers.get("Accept") or "*/*"):
        if mtype not in ("application", "*"):
            continue
        for offer, served in offers:
            if subtype in (offer, "*"):
                return served
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
        # kube's v3 handler answers an unknown group-version with a bare 404: no body, no Content-Type
        return web.Response(status=404, headers={"Content-Length": "0"})
    headers = {"Vary": "Accept"}
    served = openapi_format(request, _V3_OFFERS)
    if served is None:
        return web.Response(status=406, headers=headers)
    content_type = "application/json" if served == "json" else gnostic.V3_CONTENT_TYPE
    wanted = request.query.get("hash", "")
    if wanted and wanted != digest:
        # http.Redirect after the Content-Type is set: no body, the negotiated Content-Type kept
        headers["Location"] = f"/openapi/v3/{doc_path}?hash={digest}"
        headers["ETag"] = f'"{digest}"'
        headers["Content-Type"] = content_type
        return web.Response(status=301, headers=headers)
    if wanted:
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() + 365 * 86400))
    if served == "protobuf":
        body = openapi.document_protobuf(doc_path)
    return serve_content(
        request,
        body,
        content_type=content_type,
        last_modified=openapi.last_modified(doc_path),
        etag=f'"{digest}"',
        headers=headers,
    )


def serve_openapi_v2(request: web.Request, openapi: OpenAPI) -> web.StreamResponse:
    """Swagger 2.0 as JSON or gnostic protobuf (one ETag for both: the JSON's, kube relies on Vary), gzipped
    for clients that accept it."""
    headers = {"Vary": "Accept-Encoding, Accept"}
    served = openapi_format(request, _V2_OFFERS)
    if served is None:
        return web.Response(status=406, headers=headers)
    protobuf = served == "protobuf"
    return serve_content(
        request,
        openapi.swagger_v2_protobuf() if protobuf else openapi.swagger_v2(),
        content_type=gnostic.V2_CONTENT_TYPE if protobuf else "application/json",
        last_modified=openapi.swagger_v2_modified(),
        etag=openapi.swagger_v2_etag(),
        headers=headers,
        gzipped=openapi.swagger_v2_protobuf_gzip() if protobuf else openapi.swagger_v2_gzip(),
    )


def serve_openid(path: str, config: dict[str, Any], keys: dict[str, Any], accept: str | None) -> web.Response:
    """Service-account issuer discovery (kube's openidmetadata handlers): cacheable for an hour. They are
    go-restful routes producing one type each, so an Accept naming neither it nor ``*/*`` is its 406."""
    doc, content_type = (config, "application/json") if path == OPENID_PATHS[0] else (keys, JWKS_TYPE)
    if not negotiation.route_accepts(accept, (content_type,)):
        raise errors.route_not_acceptable((content_type,))
    return web.Response(
        body=orjson.dumps(doc), content_type=content_type, headers={"Cache-Control": "public, max-age=3600"}
    )
