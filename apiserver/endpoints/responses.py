"""Writing API responses the way kube-apiserver does (content type, pretty printing, Status bodies)."""

from __future__ import annotations

import email.utils
import hashlib
from typing import Any

from aiohttp import web

from aiokube.apiserver.errors import StatusError
from aiokube.encoding import jsonenc, negotiation, protobuf
from aiokube.encoding.encoders import yaml_dump

JSON_CONTENT_TYPE = "application/json"


def is_pretty(request: web.Request) -> bool:
    """negotiation.isPrettyPrint: ``?pretty=`` wins when it parses; else curl, Wget and browsers get it."""
    if "pretty" in request.query_string:
        value = request.query.get("pretty", "")
        if value:
            return value in ("1", "t", "T", "true", "TRUE", "True")
    ua = request.headers.get("User-Agent", "")
    return ua.startswith(("curl", "Wget", "Mozilla/5.0"))


def json_response(
    request: web.Request,
    obj: Any,
    status: int = 200,
    *,
    content_type: str = JSON_CONTENT_TYPE,
    headers: dict[str, str] | None = None,
    warnings: list[str] | None = None,
) -> web.Response:
    body = jsonenc.dumps(obj, pretty=is_pretty(request))
    resp = web.Response(body=body, status=status, headers=headers)
    resp.content_type = content_type.split(";")[0]
    if ";" in content_type:
        resp.headers["Content-Type"] = content_type
    if warnings:
        add_warnings(resp, warnings)
    return resp


def bytes_response(body: bytes, status: int = 200) -> web.Response:
    """Pre-encoded JSON (e.g. bytes cached by the watch cache)."""
    resp = web.Response(body=body, status=status)
    resp.content_type = JSON_CONTENT_TYPE
    return resp


def content_hash(body: bytes) -> str:
    """kube's content hash for ETags and OpenAPI ``?hash=``: SHA-512, upper-case hex (unquoted)."""
    return hashlib.sha512(body).hexdigest().upper()


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match's weak comparison (net/http): any listed tag, W/ prefixes ignored, or ``*``."""
    strong = etag.removeprefix("W/")
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == strong:
            return True
    return False


def serve_content(
    request: web.Request,
    body: bytes,
    *,
    content_type: str,
    last_modified: float,
    etag: str = "",
    headers: dict[str, str] | None = None,
    gzipped: bytes | None = None,
) -> web.Response:
    """Go's ``http.ServeContent`` for a document held in memory, as kube-openapi serves its specs.

    Sets Last-Modified (and the quoted ETag when given) and answers a conditional GET with 304 Not Modified:
    If-None-Match first, If-Modified-Since only without it, at one-second resolution. A 304 carries neither
    Content-Type nor Last-Modified when there is an ETag, as Go writes it. ``gzipped`` is the body compressed
    once by the caller, sent when the client accepts gzip (kube wraps /openapi/v2 in a gzip handler)."""
    out = dict(headers or {})
    if etag:
        out["ETag"] = etag
    modified = email.utils.formatdate(int(last_modified), usegmt=True)
    if request.method in ("GET", "HEAD"):
        inm = request.headers.get("If-None-Match")
        not_modified = inm is not None and bool(etag) and _etag_matches(inm, etag)
        ims = request.headers.get("If-Modified-Since")
        if inm is None and ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            not_modified = since is not None and int(last_modified) <= since
        if not_modified:
            if not etag:
                out["Last-Modified"] = modified
            return web.Response(status=304, headers=out)
    out["Last-Modified"] = modified
    if gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        out["Content-Encoding"] = "gzip"
        body = gzipped
    resp = web.Response(body=body, headers=out)
    resp.headers["Content-Type"] = content_type
    return resp


#: warnings a handler decided on before knowing the response (a deprecated kind's): written on whatever answer
#: goes out, errors and streams included (server.py's on_response_prepare calls add_request_warnings)
REQUEST_WARNINGS = web.RequestKey("aiokube.warnings", list)


async def add_request_warnings(request: web.BaseRequest, resp: web.StreamResponse) -> None:
    warnings = request.get(REQUEST_WARNINGS)
    if warnings:
        add_warnings(resp, [w for w in warnings if f'299 - "{w}"' not in resp.headers.getall("Warning", [])])


def add_warnings(resp: web.StreamResponse, warnings: list[str]) -> None:
    """``Warning: 299 - "text"`` headers, one per distinct warning (k8s.io/apimachinery/pkg/util/net)."""
    seen: set[str] = set()
    for text in warnings:
        if text in seen:
            continue
        seen.add(text)
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        resp.headers.add("Warning", f'299 - "{escaped}"')


def status_response(request: web.Request, err: StatusError) -> web.Response:
    """A Status in the format the client negotiated (protobuf clients get protobuf Status bodies)."""
    status = err.status()
    body, content_type = jsonenc.dumps(status, pretty=is_pretty(request)), JSON_CONTENT_TYPE
    if err.code != 406:
        try:
            fmt = negotiation.negotiate(request.headers.get("Accept"), conversions=False)
        except negotiation.NotAcceptable:
            fmt = None
        if fmt is not None and fmt.encoder == "protobuf" and protobuf.has_schema("v1", "Status"):
            body, content_type = protobuf.encode_object(status), fmt.content_type
        elif fmt is not None and fmt.encoder == "yaml":
            body, content_type = yaml_dump(status), fmt.content_type
    resp = web.Response(body=body, status=err.code, headers=dict(err.headers))
    resp.headers["Content-Type"] = content_type
    retry = (err.details or {}).get("retryAfterSeconds")
    if retry:
        resp.headers["Retry-After"] = str(retry)
    return resp


def text_response(text: str, status: int = 200) -> web.Response:
    resp = web.Response(text=text, status=status, charset="utf-8", content_type="text/plain")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def not_found_page() -> web.Response:
    """What kube's NotFoundHandler writes for paths no API group serves."""
    return text_response("404 page not found\n", 404)
