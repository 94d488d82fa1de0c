"""Watch fan-out end to end: the direct, coalesced write path vs every event through each watcher's task.

``on`` (aiokube's default): a live event reaches a parked watcher's ``DirectSink`` from the cacher's dispatch
(no queue, future or task switch), its HTTP chunk is cached on the event once per encoder, and one
``Flusher`` writes every stream's pending chunks with one ``writelines`` each, no sooner after the previous
flush than three times what that one took (so fan-out costs are paid per batch of events when fan-out is
heavy, and at once when it is light). ``off`` (``AIOKUBE_WATCH_DIRECT=0``): each event is queued to each
watcher, whose task wakes and writes it (several when it is behind).

Each mode is a fresh ``aiokube serve`` subprocess under bench/slo_report.py's load: 1,000 watchers of one
namespace's configmaps (raw sockets in another process, 10 of them parsing), PATCHes at 100 events/s.
Figures: server CPU per frame delivered, frames delivered per second of the run (load and drain), and the
client's view of latency (PATCH sent -> event read by a probe watcher). Machine-dependent; the ratio is
the point.

Usage: python -m bench.watch_fanout [--watchers 1000] [--rate 100] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from . import slo_report
from .common import report, use_uvloop


def _run(direct: bool, watchers: int, rate: float, duration: float) -> dict[str, Any]:
    args = slo_report.build_parser().parse_args(
        ["--watchers", str(watchers), "--rate", str(rate), "--duration", str(duration), "--drain", "20", "--out", ""]
    )
    args.server_env = {"AIOKUBE_WATCH_DIRECT": "1" if direct else "0"}
    print(f"[fanout] direct path {'on' if direct else 'off'}:", flush=True)
    return slo_report.report(args, *asyncio.run(slo_report.run(args)))


def _figures(s: dict[str, Any]) -> tuple[float, float, float]:
    """Server CPU per delivered frame (us), frames delivered per second of the run (load, drain and the
    last scrape), the probes' p50 (ms)."""
    delivered = s["expected_frames"] - s["undelivered_frames"]
    cpu_seconds = s["server_cpu_percent"] / 100 * s["seconds"]
    us_per_frame = cpu_seconds / delivered * 1e6 if delivered else float("inf")
    p50 = (s["client"].get("probe_p50") or float("nan")) * 1000
    return us_per_frame, delivered / s["seconds"], p50


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.watch_fanout", description=__doc__.split("\n\n")[0])
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--duration", type=float, default=15.0)
    a = p.parse_args(argv or [])
    use_uvloop()
    on = _figures(_run(True, a.watchers, a.rate, a.duration))
    off = _figures(_run(False, a.watchers, a.rate, a.duration))
    what = f"[fanout] {a.watchers:,} watchers x {a.rate:g} events/s"
    report(f"{what}: server CPU per delivered frame", on[0], off[0], "us")
    report(f"{what}: frames delivered per second of load", on[1], off[1], "frames/s", better="higher")
    report(f"{what}: client view p50 (PATCH -> event read)", on[2], off[2], "ms")


if __name__ == "__main__":
    main(sys.argv[1:])
