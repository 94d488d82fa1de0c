"""Watch fan-out end to end: watcher groups on and off, and (optionally) the queue-and-task path.

``groups`` (aiokube's default): caught-up watchers of the same events in the same encoding are dispatched to
as one group, whose frames are joined once per flush and the same buffer written to every member's socket
(watchcache/group.py, apiserver/transport/groupsink.py). ``direct`` (``AIOKUBE_WATCH_GROUPS=0``): each
parked watcher takes every event on its own direct path (a cached chunk per event and encoder, one
``writelines`` per stream per flush). ``task`` (``AIOKUBE_WATCH_DIRECT=0``, with ``--modes``): every event is
queued to every watcher, whose task wakes and writes it.

Each mode is a fresh ``aiokube serve`` subprocess under bench/slo_report.py's load: 1,000 watchers of one
namespace's configmaps (raw sockets in another process, 10 of them parsing), by default 4 writers PATCHing
1 KB configmaps unthrottled for 15 s (the issue's scenario), or ``--rate`` PATCHes a second. Figures:
server CPU per frame delivered (everything the server did over the run, writes included, divided by the
frames the watchers read), frames delivered per second of the run (load and drain), writes per second, and
the client's view of latency (PATCH sent -> event read by a probe watcher). On 2 cores the watch client
shares the machine with the server and the writers: its reading is part of what limits delivery. The writers
and the watch client run at ``--load-nice`` (10; each mode in a forked child, so the server of the next mode
starts at full priority): at equal priority the Python load (~75% of a core) starves etcd and the gRPC path
that feed the watch cache, and the watch SLO's tail measures that, not the server.

Usage: python -m bench.watch_fanout [--watchers 1000] [--writers 4 | --rate 100] [--object-bytes 1024]
                                    [--duration 15] [--modes groups,direct[,task]] [--load-nice 10] [--out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import slo_report
from .common import OUT, report, use_uvloop, write_results

ENV = {
    "groups": {"AIOKUBE_WATCH_GROUPS": "1", "AIOKUBE_WATCH_DIRECT": "1"},
    "direct": {"AIOKUBE_WATCH_GROUPS": "0", "AIOKUBE_WATCH_DIRECT": "1"},
    "task": {"AIOKUBE_WATCH_GROUPS": "0", "AIOKUBE_WATCH_DIRECT": "0"},
}


def _run(mode: str, a: argparse.Namespace) -> dict[str, Any]:
    """One mode in a forked child: the load's ``nice`` must not reach the next mode's server."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(_run_here, mode, a).result()


def _run_here(mode: str, a: argparse.Namespace) -> dict[str, Any]:
    load = ["--writers", str(a.writers)] if a.writers else ["--rate", str(a.rate)]
    # /metrics every 5 s, not slo_report's 1 s: its ~300 KB page costs the server ~50 ms per scrape, which at
    # 1 s is ~8% of the CPU this benchmark divides by the frames (Prometheus scrapes every 15-60 s)
    sizes = ["--object-bytes", str(a.object_bytes), "--duration", str(a.duration), "--drain", "20", "--interval", "5",
             "--out", ""]  # fmt: skip
    nice = ["--load-nice", str(a.load_nice)]
    args = slo_report.build_parser().parse_args(["--watchers", str(a.watchers), *load, *sizes, *nice])
    args.server_env = ENV[mode]
    print(f"[fanout] {mode}:", flush=True)
    return slo_report.report(args, *asyncio.run(slo_report.run(args)))


def _figures(s: dict[str, Any]) -> dict[str, float]:
    delivered = s["expected_frames"] - s["undelivered_frames"]
    cpu_seconds = s["server_cpu_percent"] / 100 * s["seconds"]
    client = s["client"]
    return {
        "server_cpu_us_per_frame": cpu_seconds / delivered * 1e6 if delivered else float("inf"),
        "frames_per_second": delivered / s["seconds"],
        "writes_per_second": s["achieved_rate"],
        "undelivered_frames": s["undelivered_frames"],
        "terminated_watchers": s["terminated_watchers"],
        "client_p50_ms": (client.get("probe_p50") or float("nan")) * 1000,
        "client_p99_ms": (client.get("probe_p99") or float("nan")) * 1000,
        "watch_slo_p99_ms": s["watch_p99_ms"],
        "server_cpu_percent": s["server_cpu_percent"],
        "watch_client_cpu_percent": s["watch_client_cpu_percent"],
    }


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(results["modes"])
    panels = [("server_cpu_us_per_frame", "server CPU per delivered frame (us)"),
              ("frames_per_second", "frames delivered / s"), ("watch_slo_p99_ms", "watch SLO p99 (ms)"),
              ("client_p99_ms", "client view p99 (ms)")]  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 3.6))
    for ax, (key, label) in zip(axes, panels, strict=True):
        values = [results["modes"][m][key] for m in modes]
        ax.bar(modes, values, color=["tab:green", "tab:blue", "tab:gray"][: len(modes)])
        ax.set_title(label, fontsize=10)
        for i, v in enumerate(values):
            ax.annotate(f"{v:,.1f}", (i, v), ha="center", va="bottom", fontsize=9)
    fig.suptitle(f"{results['scenario']} ({results['date']}, {results['machine']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.watch_fanout", description=__doc__.split("\n\n")[0])
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--writers", type=int, default=4, help="unthrottled writers (0: --rate instead)")
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--object-bytes", type=int, default=1024)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--modes", default="groups,direct")
    p.add_argument("--load-nice", type=int, default=10,
                   help="nice increment of the writers and the watch client (0: same priority as the server)")
    p.add_argument("--out", default=str(OUT / "watch_fanout"),
                   help="results path ('' for none; bench/results/watch_fanout is the committed one)")
    a = p.parse_args(argv or [])
    use_uvloop()
    modes = a.modes.split(",")
    figures = {mode: _figures(_run(mode, a)) for mode in modes}
    load = f"{a.writers} unthrottled writers" if a.writers else f"{a.rate:g} PATCHes/s"
    what = f"[fanout] {a.watchers:,} watchers x {load}, {a.object_bytes} B configmaps"
    for mode in modes[1:]:
        on, off = figures[modes[0]], figures[mode]
        vs = f"{modes[0]} vs {mode}"
        report(f"{what}: server CPU per delivered frame, {vs}", on["server_cpu_us_per_frame"],
               off["server_cpu_us_per_frame"], "us")  # fmt: skip
        report(f"{what}: frames delivered per second, {vs}", on["frames_per_second"], off["frames_per_second"],
               "frames/s", better="higher")  # fmt: skip
        report(f"{what}: watch SLO p99 (event received -> frame to the socket), {vs}", on["watch_slo_p99_ms"],
               off["watch_slo_p99_ms"], "ms")  # fmt: skip
        report(f"{what}: client view p99 (PATCH -> event read), {vs}", on["client_p99_ms"], off["client_p99_ms"],
               "ms")  # fmt: skip
    if a.out:
        results = {"scenario": what.removeprefix("[fanout] "), "watchers": a.watchers, "writers": a.writers,
                   "rate": a.rate, "object_bytes": a.object_bytes, "duration": a.duration,
                   "load_nice": a.load_nice, "modes": figures}  # fmt: skip
        write_results("watch_fanout", Path(a.out), results, "HEAD", plot, switch="AIOKUBE_WATCH_GROUPS=0")


if __name__ == "__main__":
    main(sys.argv[1:])
