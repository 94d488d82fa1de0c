"""What overload protection adds to each request, timed on uvloop (the best of nine rounds: this machine is
shared):

- the filters: the request deadline (``?timeout=`` parsing, an entry in the shared deadline timer),
  priority-and-fairness classification and the seat (or the max-in-flight counters), and the response
  headers it records — their own calls on a request object, minus an empty loop. Cases: the plain port
  (``system:unsecured`` → the exempt level, first FlowSchema), a secure-port user in ``global-default``
  (ninth FlowSchema by precedence, a free seat), and ``--enable-priority-and-fairness=false``;
- the connection: the head-deadline bookkeeping of ``KubeRequestHandler.data_received`` against aiohttp's
  own ``RequestHandler``, parsing the same small GET head.

``python -m bench.admission_cost [--count 50000]``; writes ``bench/results/admission_cost.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.endpoints import filters, requestinfo
from aiokube.apiserver.flowcontrol.controller import FlowControl, MaxInflight
from aiokube.apiserver.registry import apf_bootstrap
from aiokube.apiserver.transport.connection import ConnectionLimits, KubeRequestHandler
from aiokube.apiserver.transport.streaming import RESPONSE_HEADERS

from .common import ROOT, machine, use_uvloop

PATH = "/api/v1/namespaces/default/configmaps"
DEV = UserInfo("dev", groups=("system:authenticated",))


def _flowcontrol() -> FlowControl:
    objects = apf_bootstrap.flow_schemas(), apf_bootstrap.priority_levels()
    for i, obj in enumerate([*objects[0], *objects[1]]):
        obj["metadata"]["uid"] = f"uid-{i}"
    return FlowControl(600, lambda: objects)


async def _per_request(admission: filters.Admission | None, user: UserInfo, count: int) -> float:
    """Seconds per request of the filters' work on one request (the request object is reused)."""
    request = make_mocked_request("POST", PATH)
    ri = requestinfo.parse("POST", PATH, {})
    deadlines = filters.Deadlines(60.0)
    started = time.perf_counter()
    for _ in range(count):
        request[RESPONSE_HEADERS] = {"Audit-Id": "x", "Cache-Control": "no-cache, private"}
        if admission is None:
            continue
        token = deadlines.arm(request)
        seat = admission.admit(request, ri, user)
        if type(seat) is filters.Queued:
            seat = await seat.seat(request)
        if seat is not None:
            seat.release()
        deadlines.disarm(token)
    return (time.perf_counter() - started) / count


async def _per_head(cls: type[web.RequestHandler], count: int, **kwargs: Any) -> float:
    """Seconds per small GET head fed to a connection's protocol (the parsed requests are dropped)."""

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response()

    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    proto = cls(web.Server(handler), loop=loop, access_log=None, **kwargs)
    transport, _ = await loop.connect_accepted_socket(lambda: proto, sock=a)
    proto._task_handler.cancel()  # nothing serves these requests
    head = b"GET /livez HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n"
    started = time.perf_counter()
    for _ in range(count):
        proto.data_received(head)
        proto._messages.clear()
    elapsed = (time.perf_counter() - started) / count
    transport.close()
    b.close()
    return elapsed


async def main(count: int) -> dict[str, Any]:
    """Each figure: the fastest round of the case minus the fastest round of its baseline."""
    apf = filters.Admission(_flowcontrol(), None, 60.0)
    maxinflight = filters.Admission(None, MaxInflight(400, 200), 60.0)
    cases = {
        "plain port (exempt)": (apf, filters.UNSECURED),
        "secure port user (global-default)": (apf, DEV),
        "max-in-flight (APF off)": (maxinflight, DEV),
    }
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, seconds), seconds)

    for _ in range(9):
        keep("empty", await _per_request(None, filters.UNSECURED, count))
        for name, (admission, user) in cases.items():
            keep(name, await _per_request(admission, user, count))
        keep("aiohttp head", await _per_head(web.RequestHandler, count))
        keep("kube head", await _per_head(KubeRequestHandler, count, limits=ConnectionLimits()))
    results = {name: (best[name] - best["empty"]) * 1e6 for name in cases}
    results["connection: head deadline bookkeeping"] = (best["kube head"] - best["aiohttp head"]) * 1e6
    for name, us in results.items():
        print(f"{name:40s} {us:6.2f} µs per request")
    return {k: round(v, 2) for k, v in results.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200_000)
    args = parser.parse_args()
    use_uvloop()
    out = asyncio.run(main(args.count))
    path = ROOT / "bench" / "results" / "admission_cost.json"
    record = {"benchmark": "admission_cost", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "count": args.count, "us_per_request": out}  # fmt: skip
    path.write_text(json.dumps(record, indent=2) + "\n")
