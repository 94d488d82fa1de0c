"""Requests as aiohttp's low-level server makes them: server.py serves every path with one handler, so
aiohttp's Application (its router resolving ``/{tail:.*}``, the middleware chain, per-request match info and
the response-prepare signal) was pure cost — ~8% of the CPU of a GET in a profile.

What the Application did that a server still needs is here: the hook before a response's head goes out
(kube's warning headers) and the answer to ``Expect: 100-continue``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http import HttpVersion11

from aiokube.apiserver.endpoints.responses import add_request_warnings


class KubeRequest(web.BaseRequest):
    """A BaseRequest whose response carries the request's warnings (as kube's warning recorder adds them to
    every response, errors and streams included) and, as Go's, no Server header."""

    async def _prepare_hook(self, response: web.StreamResponse) -> None:
        response.headers.popall("Server", None)  # aiohttp names itself; Go's server sends no Server header
        await add_request_warnings(self, response)


def request_factory(loop: asyncio.AbstractEventLoop) -> Callable[..., KubeRequest]:
    """``web.Server``'s ``request_factory``: :class:`KubeRequest`\\ s."""

    def make(message: Any, payload: Any, protocol: Any, writer: Any, task: Any) -> KubeRequest:
        return KubeRequest(message, payload, protocol, writer, task, loop)

    return make


async def answer_expect(request: web.BaseRequest, expect: str) -> web.StreamResponse | None:
    """An ``Expect`` header as Go's net/http answers it (kube 1.36 answered so): ``100-continue`` gets ``100
    Continue`` from HTTP/1.1 on when a body follows, then the request goes on (None); any other expectation, in
    any HTTP version, an empty 417 that closes the connection."""
    if expect.strip().lower() != "100-continue":
        refused = web.Response(status=417)
        refused.force_close()
        return refused
    if request.version >= HttpVersion11 and request.body_exists:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the answer's own body has not started
    return None
