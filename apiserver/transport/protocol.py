"""What the HTTP server answers for requests that never reach a handler, as kube's Go server answers them.

aiohttp's request parser (llhttp) knows a fixed list of methods and stops at the first byte of any other;
Go's reads any token, so kube routes ``FOO /api/v1/...`` and answers its 405 Status. Everything else Go's
server refuses itself (a malformed request line or header, headers beyond its limits) gets Go's plain-text
answers, not aiohttp's, which quote the request back and name the parser:

- an unknown method: kube's 405 Status (``the server does not allow this method on the requested
  resource``) for the API paths, Go's ``404 page not found`` elsewhere (the method is all llhttp read: the
  path comes from the request line quoted in its error); a "method" that is not an HTTP token (``G@T``) is
  Go's ``400 Bad Request``. These answers are HTTP/1.1, as Go's (aiohttp's error path would say HTTP/1.0:
  the request line was never parsed);
- a request line or header over the limits: ``431 Request Header Fields Too Large``;
- any other malformed request: ``400 Bad Request``.

The connection is closed after each, as both servers do.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import HttpVersion11, web
from aiohttp.http_exceptions import BadHttpMethod, LineTooLong
from aiohttp.web_protocol import RequestHandler

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints.responses import not_found_page, text_response
from aiokube.encoding import jsonenc

#: the request line llhttp quotes in its error: ``b'FOO /path HTTP/1.1'``
_QUOTED_LINE = re.compile(r"b'([^ ']+) ([^ ']+) HTTP/")
#: an HTTP token (RFC 9110 tchar), what Go's server takes as a method
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_API_PATHS = re.compile(r"/(?:api|apis|version|openapi)(?:/|$)")


def unknown_method_response(parser_message: str) -> web.Response:
    """kube's answer to a method the parser did not know, by the path in the quoted request line."""
    m = _QUOTED_LINE.search(parser_message)
    if m is not None and not _TOKEN.match(m.group(1)):
        return text_response("400 Bad Request", 400)
    if m is None or not _API_PATHS.match(m.group(2)):
        return not_found_page()
    err = errors.method_not_allowed()
    resp = web.Response(body=jsonenc.dumps(err.status()), status=err.code)
    resp.headers["Content-Type"] = "application/json"
    return resp


def parse_error_response(exc: BaseException | None) -> web.Response:
    """Go's (and for unknown methods kube's) answer to a request the parser refused with ``exc``."""
    if isinstance(exc, BadHttpMethod) and "HTTPS traffic" not in str(exc):
        resp = unknown_method_response(str(exc))
    elif isinstance(exc, LineTooLong):
        resp = text_response("431 Request Header Fields Too Large", 431)
    else:
        resp = text_response("400 Bad Request", 400)
    resp.force_close()
    return resp


class KubeRequestHandler(RequestHandler):
    """aiohttp's connection handler with Go's answers to requests the parser refused (transport/connection.py
    builds on it with kube's connection limits)."""

    def handle_error(
        self, request: Any, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        if status == 500 or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        if request.version < HttpVersion11:  # the stand-in request of a line the parser refused says 1.0
            request._version = HttpVersion11
            request._cache.pop("version", None)
        return parse_error_response(exc)
