"""What overload protection adds to each request, timed on uvloop (the best of nine rounds: this machine is
shared):

- the filters: the request deadline (``?timeout=`` parsing, an entry in the shared deadline timer),
  priority-and-fairness classification and the seat (or the max-in-flight counters), and the response
  headers it records — their own calls on a request object, minus an empty loop. Cases: the plain port
  (``system:unsecured`` → the exempt level, first FlowSchema), a secure-port user in ``global-default``
  (ninth FlowSchema by precedence, a free seat), and ``--enable-priority-and-fairness=false``;
- the connection: the head-deadline bookkeeping of ``KubeRequestHandler.data_received`` against aiohttp's
  own ``RequestHandler``, parsing the same small GET head.

End to end: server CPU per ``GET /livez`` of two ``aiokube serve`` at once, one with priority and fairness
(the default) and one with ``--enable-priority-and-fairness=false``, driven alternately by this process.

``python -m bench.admission_cost [--count 50000] [--out bench/results/admission_cost]``; writes JSON and PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.endpoints import filters, requestinfo
from aiokube.apiserver.flowcontrol.controller import FlowControl, MaxInflight
from aiokube.apiserver.registry import apf_bootstrap
from aiokube.apiserver.transport.connection import ConnectionLimits, KubeRequestHandler
from aiokube.apiserver.transport.streaming import RESPONSE_HEADERS

from .common import OUT, cpu_seconds, machine, use_uvloop
from .slo_report import start_server, stop_process

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


async def main_filters(count: int) -> dict[str, Any]:
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


async def end_to_end(count: int, rounds: int) -> dict[str, float]:
    """Server CPU per ``GET /livez`` (plain port, 10 at a time) of two ``aiokube serve``, priority and fairness
    on and off, driven alternately by this process: the median over rounds of CPU per request, in µs."""
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    with tempfile.TemporaryDirectory(prefix="aiokube-bench-") as tmp:
        servers = {}
        try:
            for name in ("on", "off"):
                flag = f"--enable-priority-and-fairness={'true' if name == 'on' else 'false'}"
                data = Path(tmp) / name
                data.mkdir()
                proc, url, _ = await start_server(str(data), args=[flag])
                servers[name] = (proc, url)
            async with aiohttp.ClientSession() as session:

                async def batch(url: str) -> None:
                    async def worker(n: int) -> None:
                        for _ in range(n):
                            async with session.get(f"{url}/livez") as resp:
                                assert resp.status == 200
                                await resp.read()

                    await asyncio.gather(*(worker(count // 10) for _ in range(10)))

                for _proc, url in servers.values():
                    await batch(url)  # warm up
                for _ in range(rounds):
                    for name, (proc, url) in servers.items():
                        before = cpu_seconds(proc.pid)
                        await batch(url)
                        cpu[name].append((cpu_seconds(proc.pid) - before) / count * 1e6)
        finally:
            for proc, _ in servers.values():
                await stop_process(proc)
    result = {name: round(statistics.median(values), 1) for name, values in cpu.items()}
    print(f"GET /livez server CPU: {result['on']} µs with priority and fairness, {result['off']} µs without")
    return result


def plot(record: dict[str, Any], path: Path) -> None:
    """The filters' µs per request (left) and the end-to-end server CPU per /livez, APF on and off (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
    names = list(record["us_per_request"])
    values = [record["us_per_request"][n] for n in names]
    bars = left.barh(names, values, color="tab:blue")
    for bar, v in zip(bars, values, strict=True):
        left.text(v, bar.get_y() + bar.get_height() / 2, f" {v:.2f} µs", va="center", fontsize=8)
    left.set_xlabel("µs per request (best of nine rounds, on uvloop)")
    left.set_title("overload protection's own work per request", fontsize=9)
    left.invert_yaxis()
    left.grid(True, axis="x", alpha=0.3)
    e2e = record.get("livez_server_cpu_us")
    if e2e:
        bars = right.bar(["APF off\n(max-in-flight)", "APF on"], [e2e["off"], e2e["on"]],
                         color=["tab:gray", "tab:blue"])  # fmt: skip
        for bar, v in zip(bars, [e2e["off"], e2e["on"]], strict=True):
            right.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
        right.set_ylabel("server CPU per GET /livez (µs)")
        right.set_title(f"end to end: on/off = {e2e['on'] / e2e['off']:.2f}", fontsize=9)
        right.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"admission cost ({record['machine']}, {record['date']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.admission_cost")
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--livez", type=int, default=5000, help="GET /livez per round, end to end")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT / "admission_cost")
    args = parser.parse_args(argv)
    use_uvloop()
    out = asyncio.run(main_filters(args.count))
    e2e = asyncio.run(end_to_end(args.livez, args.rounds))
    record = {"benchmark": "admission_cost", "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "count": args.count, "us_per_request": out, "livez_per_round": args.livez, "rounds": args.rounds,
              "livez_server_cpu_us": e2e}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    plot(record, args.out.with_suffix(".png"))
    print(f"[admission_cost] wrote {args.out.with_suffix('.json')} and .png", flush=True)


if __name__ == "__main__":
    main()
