"""core/v1 componentstatuses (pkg/registry/core/componentstatus): computed on every read, never stored.

kube probes ``https://127.0.0.1:10257/healthz`` (controller-manager) and ``:10259`` (scheduler) with TLS
verification off and a 20 s timeout, and its etcd (one ``etcd-N`` per storage configuration: ``etcd-0``) with a
read of ``/registry/health``; each answer becomes a ``Healthy`` condition. aiokube does the same probes, so on a
machine without those components the answer is kube's "connection refused" one, and ``etcd-0`` reflects the
etcd aiokube uses. The list is in the order the probes finish, as kube collects them from its goroutines.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import GroupResource
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry import dialing

Obj = dict[str, Any]
#: (name, port) of the HTTPS health endpoints kube probes on 127.0.0.1 (ports.KubeControllerManagerPort and
#: kubeschedulerconfig.DefaultKubeSchedulerPort)
HTTP_SERVERS = (("controller-manager", 10257), ("scheduler", 10259))
PROBE_TIMEOUT = 20.0
#: the result of an etcd probe: None when etcd answered, else the error's text
EtcdProbe = Callable[[], Awaitable[str | None]]


def _condition(status: str, message: str, error: str = "") -> Obj:
    out: Obj = {"type": "Healthy", "status": status}
    if message:
        out["message"] = message
    if error:
        out["error"] = error
    return out


def component_status(name: str, condition: Obj) -> Obj:
    return {"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name}, "conditions": [condition]}


async def probe_https(port: int, path: str = "/healthz", host: str = "127.0.0.1") -> Obj:
    """httpprober.Probe of one health endpoint: 2xx → True with the body, 3xx → Unknown, other codes → False
    ("HTTP probe failed with statuscode: N"), no answer → False with the transport's error."""
    url = f"https://{dialing.join_host_port(host, port)}{path}"
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            reader, writer = await dialing.open_connection(host, port, ssl=context, timeout=PROBE_TIMEOUT)
            try:
                request = (f"GET {path} HTTP/1.1\r\nHost: {dialing.join_host_port(host, port)}\r\n"
                           "User-Agent: kube-probe/1.36\r\nAccept: */*\r\nConnection: close\r\n\r\n")  # fmt: skip
                writer.write(request.encode())
                await writer.drain()
                raw = await reader.read()
            finally:
                writer.close()
    except dialing.DialError as exc:
        return _condition("False", f"Get {go_quote(url)}: {exc}")
    except TimeoutError:
        return _condition("False", f"Get {go_quote(url)}: context deadline exceeded (Client.Timeout exceeded while "
                                   "awaiting headers)")  # fmt: skip
    except (ssl.SSLError, OSError) as exc:
        return _condition("False", f"Get {go_quote(url)}: {getattr(exc, 'reason', None) or exc}")
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        code = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return _condition("False", f"Get {go_quote(url)}: malformed HTTP response")
    if 200 <= code < 300:
        return _condition("True", body.decode(errors="replace"))
    if 300 <= code < 400:
        return _condition("Unknown", f"Probe terminated redirects, Response body: {body.decode(errors='replace')}")
    return _condition("False", f"HTTP probe failed with statuscode: {code}")


class ComponentStatuses:
    """The componentstatuses REST storage: ``get`` and ``list`` probe when called."""

    def __init__(self, etcd_probe: EtcdProbe) -> None:
        self.etcd_probe = etcd_probe

    def _servers(self) -> dict[str, Callable[[], Awaitable[Obj]]]:
        servers: dict[str, Callable[[], Awaitable[Obj]]] = {}
        for name, port in HTTP_SERVERS:
            servers[name] = functools.partial(probe_https, port)
        servers["etcd-0"] = self._probe_etcd
        return servers

    async def _probe_etcd(self) -> Obj:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                error = await self.etcd_probe()
        except TimeoutError:
            error = "error getting data from etcd: context deadline exceeded"
        return _condition("True", "ok") if error is None else _condition("False", "", error)

    async def get(self, name: str) -> Obj:
        probe = self._servers().get(name)
        if probe is None:
            raise errors.not_found(GroupResource("", "componentstatus"), name)
        return component_status(name, await probe())

    async def list(self) -> list[Obj]:
        async def one(name: str, probe: Callable[[], Awaitable[Obj]]) -> Obj:
            return component_status(name, await probe())

        tasks = [asyncio.ensure_future(one(name, probe)) for name, probe in self._servers().items()]
        return [await done for done in asyncio.as_completed(tasks)]
