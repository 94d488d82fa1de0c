"""The HTTP side of pods/log and of the connecters (pods exec, attach, portforward, proxy; nodes and services
proxy): what kube's handlers and its upgrade-aware proxy answer when the kubelet or the pod cannot be reached.

kube-apiserver decides where the request goes (registry/connect.py: 400/404/500 on the way), then dials it.
aiokube dials too, so an address where nothing listens fails as it does for kube, with kube's wrapping of the
dial error:

- pods/log: ``Get "https://<node>:10250/containerLogs/...": <dial error>`` (500, no reason); a pod on no node
  yet is a 204 with no body;
- exec/attach/portforward: a request that is no upgrade is a 400 "Upgrade request required"; an upgrade (SPDY,
  or a WebSocket kube would proxy as is) is a 500 ``error dialing backend: <dial error>``; a WebSocket asking
  for ``v5.channel.k8s.io`` (kubectl's exec and attach), which kube translates to SPDY itself, is accepted and
  gets the error on the v5 error channel as kube writes it (``Internal error occurred: error sending request:
  Post "<kubelet URL>": <dial error>``);
- proxies: a GET or HEAD of the bare ``.../proxy`` is a 301 to ``.../proxy/``; otherwise 503 ``error trying to
  reach service: <dial error>`` (500 ``error dialing backend: ...`` for upgrades).

aiokube does not forward requests: when the dial succeeds (something listens there) the answer is a 503 that
says so.
"""

from __future__ import annotations

import orjson
from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry import connect, dialing
from aiokube.apiserver.registry.connect import Location, Locator
from aiokube.apiserver.registry.resourceinfo import ResourceInfo, Subresource
from aiokube.encoding import jsonenc

V5_PROTOCOL = "v5.channel.k8s.io"
#: remotecommand's channels: stdout, stderr and the error channel (stdin and resize are read, not written)
_STDOUT, _STDERR, _ERROR = 1, 2, 3


def _tokens(value: str) -> list[str]:
    return [t.strip().lower() for t in value.split(",") if t.strip()]


def is_upgrade(request: web.Request) -> bool:
    """httpstream.IsUpgradeRequest: ``Connection`` lists ``upgrade``."""
    return "upgrade" in _tokens(request.headers.get("Connection", ""))


def is_v5_websocket(request: web.Request) -> bool:
    """wsstream.IsWebSocketRequestWithStreamCloseProtocol: a WebSocket upgrade offering v5.channel.k8s.io."""
    if not is_upgrade(request) or request.headers.get("Upgrade", "").lower() != "websocket":
        return False
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    return V5_PROTOCOL in offered


def not_forwarded(location: Location) -> StatusError:
    return errors.service_unavailable(
        f"aiokube does not forward requests to kubelets or pods: {location.hostport} answered, but the request "
        "was not proxied"
    )


class ConnectHandlers:
    """pods/log and the connect subresources; ``store`` is the generic store (registry/store.py)."""

    def __init__(self, store: object) -> None:
        self.locator = Locator(store)

    async def log(self, request: web.Request, ri: RequestInfo) -> web.StreamResponse:
        """LogREST.Get, then the LocationStreamer's GET of the kubelet's containerLogs."""
        opts = connect.log_options(list(request.query.items()), ri.name)
        location = await self.locator.log(ri.namespace, ri.name, opts)
        if location is None:
            return web.Response(status=204)
        try:
            await dialing.dial(location.host, location.dial_port())
        except dialing.DialError as exc:
            raise connect.unknown_error(f"Get {go_quote(location.url())}: {exc}") from None
        raise not_forwarded(location)

    async def connect(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, sub: Subresource
    ) -> web.StreamResponse:
        """ConnectResource: no dry run, the options, the location, then the upgrade-aware proxy."""
        if "dryRun" in request.query:
            raise errors.bad_request("dryRun is not supported")
        query = list(request.query.items())
        if sub.name == "proxy":
            return await self._proxy(request, ri, info)
        location, node = await self.locator.stream(ri.namespace, ri.name, sub.name, query)
        if sub.name != "portforward" and is_v5_websocket(request) and not connect.declares_websockets(node):
            return await self._translated(request, location, connect.stream_options(query))
        if not is_upgrade(request):
            raise errors.bad_request("Upgrade request required")
        try:
            await dialing.dial(location.host, location.dial_port())
        except dialing.DialError as exc:
            raise connect.unknown_error(f"error dialing backend: {exc}") from None
        raise not_forwarded(location)

    async def _translated(self, request: web.Request, location: Location, opts: dict[str, bool]) -> web.StreamResponse:
        """StreamTranslatorHandler: accept the v5 WebSocket, tell the client which channel is open first, then
        report on the error channel what the SPDY connection to the kubelet met."""
        try:
            await dialing.dial(location.host, location.dial_port())
        except dialing.DialError as exc:
            cause = f"error sending request: Post {go_quote(location.url())}: {exc}"
        else:
            raise not_forwarded(location)
        ws = web.WebSocketResponse(protocols=(V5_PROTOCOL,), autoping=False)
        await ws.prepare(request)
        first = _STDOUT if opts["stdout"] else _STDERR if opts["stderr"] else _ERROR
        await ws.send_bytes(bytes((first,)))
        status = errors.internal_error(cause).status()
        del status["kind"], status["apiVersion"]  # apierrors.NewInternalError's Status carries no TypeMeta
        await ws.send_bytes(bytes((_ERROR,)) + jsonenc.go_escape(orjson.dumps(status)))
        await ws.close()
        return ws

    async def _proxy(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """The pod, node and service proxies (UpgradeAwareHandler with a location from ResourceLocation)."""
        if info.plural == "pods":
            location = await self.locator.pod_proxy(ri.namespace, ri.name)
        elif info.plural == "nodes":
            location = await self.locator.node_proxy(ri.name)
        else:
            location = await self.locator.service_proxy(ri.namespace, ri.name)
        upgrade = is_upgrade(request)
        subpath = "/".join(ri.parts[3:])
        raw_path = request.rel_url.raw_path
        if not upgrade and not subpath and not raw_path.endswith("/") and request.method in ("GET", "HEAD"):
            query = f"?{request.rel_url.raw_query_string}" if request.rel_url.raw_query_string else ""
            return web.Response(status=301, headers={"Location": f"{raw_path}/{query}"})
        try:
            await dialing.dial(location.host, location.dial_port())
        except dialing.DialError as exc:
            if upgrade:
                raise connect.unknown_error(f"error dialing backend: {exc}") from None
            raise errors.service_unavailable(f"error trying to reach service: {exc}") from None
        raise not_forwarded(location)
