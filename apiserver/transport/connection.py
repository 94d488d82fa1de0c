"""Connections as kube-apiserver's ``http.Server`` treats them (k8s.io/apiserver/pkg/server/secure_serving.go).

kube sets ``ReadHeaderTimeout`` 32 s (which also bounds the TLS handshake), ``IdleTimeout`` 90 s and
``MaxHeaderBytes`` 1 MiB, and no ``ReadTimeout``/``WriteTimeout`` (a request body is bounded by the request
timeout filter instead: server.py). Go's net/http closes a connection whose request line and headers have
not all arrived within the header timeout (no answer), closes an idle keep-alive connection after the idle
timeout, and answers ``431 Request Header Fields Too Large`` (plain text) to more than MaxHeaderBytes + 4 KiB
of request line and headers.

aiohttp has the idle timer (``keepalive_timeout``) but no header deadline and only per-line limits, so a
slowloris connection that trickles header bytes lived forever. :class:`KubeRequestHandler` adds the header
deadline and the total header budget; :class:`KubeSite` listens with it (and the handshake timeout)."""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.streams import EMPTY_PAYLOAD

from aiokube.apiserver.transport.protocol import KubeRequestHandler as GoErrorsHandler

#: Go's net/http reads up to MaxHeaderBytes plus this slack before refusing a request's headers
GO_HEADER_SLACK = 4096
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n431 Request Header Fields Too Large"
)


@dataclass(frozen=True)
class ConnectionLimits:
    """kube's http.Server settings (not flags in kube either; tests shorten them)."""

    read_header_timeout: float = 32.0
    idle_timeout: float = 90.0
    max_header_bytes: int = 1 << 20

    def handler_args(self) -> dict[str, Any]:
        """aiohttp's own limits, set wide enough that the total budget here is what refuses big headers:
        a URL or one header may use the whole MiB, as in Go (aiohttp's defaults are 8 KiB a line)."""
        line = self.max_header_bytes + 2 * GO_HEADER_SLACK
        return {
            "keepalive_timeout": self.idle_timeout,
            "max_line_size": line,
            "max_field_size": line,
            "max_headers": 4096,
            # a body not all received when the answer is out (refused, timed out): Go closes the connection
            # after a short wait that avoids a reset (rstAvoidanceDelay, 500 ms); aiohttp reads and drops it
            # meanwhile (10 s by default)
            "lingering_time": 0.5,
        }


_feed = GoErrorsHandler.data_received


class KubeRequestHandler(GoErrorsHandler):
    """aiohttp's protocol plus Go's header deadline and header byte budget.

    A request's header phase starts when the connection is accepted (first request) or when the first byte
    of the next request arrives after the previous body was complete; it ends when the parser has the whole
    head. Bytes of that phase are counted: past the budget, Go's 431 and close. A phase that lasts longer
    than the header timeout closes the connection without an answer (unless a handler of this connection
    is still running: a pipelined request is not read before its predecessor is done, as in Go)."""

    __slots__ = ("_header_bytes", "_header_timer", "_last_payload", "_limits", "_max_head")

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._max_head = limits.max_header_bytes
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._last_payload: Any = None  # the body of the newest request parsed (None: none yet)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._start_header_timer()  # Go: the first request's header deadline runs from the accept

    def connection_lost(self, exc: BaseException | None) -> None:
        self._stop_header_timer()
        self._last_payload = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        last = self._last_payload
        if last is not None and last.is_eof():
            last = self._last_payload = None
        # no body pending (last is None): these bytes begin or continue a head
        count = self._request_count
        _feed(self, data)
        if self._request_count != count:  # a whole head arrived (its body may follow)
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            if last is None and self._header_bytes + len(data) > self._max_head and self._oversized(count):
                return
            self._header_bytes = 0
            payload = self._messages[-1][1] if self._messages else EMPTY_PAYLOAD
            self._last_payload = None if payload is EMPTY_PAYLOAD else payload
            return
        if last is not None or not data or self.transport is None:
            return
        self._header_bytes += len(data)
        if self._header_timer is None:
            self._start_header_timer()
        if self._header_bytes > self._max_head + GO_HEADER_SLACK:
            self._refuse_too_large()

    def _oversized(self, count: int) -> bool:
        """Whether one of the heads just parsed (those after the ``count``-th) is over the budget (then
        refused): checked only when the bytes received could hold such a head, so the common case costs one
        comparison."""
        limit = self._max_head + GO_HEADER_SLACK
        for message, _ in list(self._messages)[count - self._request_count :]:
            raw = getattr(message, "raw_headers", None)
            if raw is None:
                continue
            size = len(message.method) + len(message.path) + 12 + sum(len(k) + len(v) + 4 for k, v in raw)
            if size > limit:
                self._messages.clear()
                self._refuse_too_large()
                return True
        return False

    def _start_header_timer(self) -> None:
        timeout = self._limits.read_header_timeout
        if timeout <= 0:
            return
        self._stop_header_timer()
        deadline = self._loop.time() + timeout
        self._header_timer = self._loop.call_at(deadline, self._header_timeout)
        # aiohttp's idle timer would cut a head that began late in the idle period: the head's own deadline rules
        self._next_keepalive_close_time = max(self._next_keepalive_close_time, deadline)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.transport is None:
            return
        if self._request_in_progress:
            self._start_header_timer()  # the head waits for the running request, as Go does not read it yet
            return
        self.force_close()  # Go: a read deadline on the head closes the connection without an answer

    def _refuse_too_large(self) -> None:
        self._stop_header_timer()
        transport = self.transport
        if transport is not None and not self._request_in_progress:
            transport.write(_TOO_LARGE)
        self.force_close()


class KubeSite(web.BaseSite):
    """A TCP listener whose connections are :class:`KubeRequestHandler`\\ s, with the TLS handshake bounded by
    the header timeout (Go bounds it by the smallest of its read timeouts)."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        limits: ConnectionLimits,
        ssl_context: ssl.SSLContext | None = None,
        handler_args: dict[str, Any] | None = None,
        backlog: int = 1024,
        reuse_port: bool = False,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=backlog)
        self._host = host
        self._port = port
        self._limits = limits
        self._handler_args = {**limits.handler_args(), **(handler_args or {})}
        self._reuse_port = reuse_port  # the workers of --workers N share the ports
        self.bound_port = 0

    @property
    def name(self) -> str:
        return f"{'https' if self._ssl_context else 'http'}://{self._host}:{self.bound_port or self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        factory = functools.partial(KubeRequestHandler, server, loop=loop, limits=self._limits, **self._handler_args)
        handshake = self._limits.read_header_timeout if self._ssl_context is not None else None
        self._server = await loop.create_server(
            factory,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=True,
            reuse_port=self._reuse_port or None,
            ssl_handshake_timeout=handshake if handshake and handshake > 0 else None,
        )
        sockets = self._server.sockets
        self.bound_port = int(sockets[0].getsockname()[1]) if sockets else self._port
