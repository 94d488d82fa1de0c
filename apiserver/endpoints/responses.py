"""Writing API responses the way kube-apiserver does (content type, pretty printing, Status bodies)."""

from __future__ import annotations

import email.utils
import hashlib
import re
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


#: how many of the request's warnings were recorded before its body was decoded (a deprecated kind's): kube's
#: recorder has them ahead of the body's decoding warnings, which handlers put on the response themselves
REQUEST_LEADING_WARNINGS = web.RequestKey("aiokube.leading_warnings", int)


async def add_request_warnings(request: web.BaseRequest, resp: web.StreamResponse) -> None:
    warnings = request.get(REQUEST_WARNINGS)
    if not warnings:
        return
    leading = request.get(REQUEST_LEADING_WARNINGS, 0)
    written = resp.headers.getall("Warning", [])
    if written and leading:  # the deprecation, then the decoding warnings, then the strategy's
        resp.headers.popall("Warning")
        add_warnings(resp, warnings[:leading])
        for header in written:
            if header not in resp.headers.getall("Warning", []):
                resp.headers.add("Warning", header)
        warnings = warnings[leading:]
    add_warnings(resp, [w for w in warnings if f'299 - "{w}"' not in resp.headers.getall("Warning", [])])


#: kube's warning recorder (endpoints/filters/warning.go): past 4 Ki runes in all, every warning is cut to
#: 256 runes and those that still fit are kept
TRUNCATE_AT_TOTAL_RUNES = 4 * 1024
TRUNCATE_ITEM_RUNES = 256
#: what net.NewWarningHeader refuses in a text: control characters (unicode.IsControl) and invalid UTF-8
_NOT_IN_WARNINGS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _warning_header(text: str) -> str | None:
    """``299 - "text"`` (net.NewWarningHeader), or None for a text it refuses (kube drops that warning)."""
    if _NOT_IN_WARNINGS.search(text):
        return None
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def warning_headers(warnings: list[str]) -> list[str]:
    """The Warning headers kube's recorder writes for these warnings, in order: each distinct text once, none
    with a control character (a CR/LF would break the response), and bounded: once the texts pass 4 Ki runes
    the recorder starts over with each cut to 256 runes, and stops adding when that budget is spent too."""
    recorded: set[str] = set()
    ordered: list[str] = []
    headers: list[str] = []
    written = 0
    truncating = False
    for text in warnings:
        if not text:
            continue
        if truncating and written >= TRUNCATE_AT_TOTAL_RUNES:
            break
        if text in recorded:
            continue
        recorded.add(text)
        ordered.append(text)
        if truncating:
            text = text[:TRUNCATE_ITEM_RUNES]
        header = _warning_header(text)
        if header is None:
            continue
        if written + len(text) <= TRUNCATE_AT_TOTAL_RUNES or truncating:
            written += len(text)
            headers.append(header)
            continue
        truncating, written, headers = True, 0, []  # replay everything so far, truncated
        for item in ordered:
            item = item[:TRUNCATE_ITEM_RUNES]
            header = _warning_header(item)
            if header is not None:
                written += len(item)
                headers.append(header)
    return headers


def add_warnings(resp: web.StreamResponse, warnings: list[str]) -> None:
    """The ``Warning`` headers of :func:`warning_headers`."""
    for header in warning_headers(warnings):
        resp.headers.add("Warning", header)


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


def service_unavailable_page() -> web.Response:
    """What kube's proxy to an aggregated API server writes while its APIService is unavailable."""
    resp = text_response("service unavailable\n", 503)
    resp.headers["Cache-Control"] = "no-cache, private"
    return resp


def not_found_page() -> web.Response:
    """What kube's NotFoundHandler writes for paths no API group serves."""
    return text_response("404 page not found\n", 404)
