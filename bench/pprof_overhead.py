"""What /debug/pprof/profile costs the process it samples.

A coroutine on the event loop burns CPU in ~1 ms slices (pure Python, 40 frames deep, as a request handler
under aiohttp is) and yields between them; the same amount of work is timed with no profile running and with
a CPU profile at 100 Hz, alternating runs and keeping the median. Prints the process CPU time per run for the
SIGPROF sampler (what the server uses) and for the sampler-thread fallback, and what the SIGPROF handler
measured of its own time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from aiokube.apiserver.observability.pprof import CPUProfiler

from .common import report, use_uvloop

DEPTH = 40
SLICES = 1500  # ~1 ms each
ROUNDS = 7


def _spin(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i
    return x


def _deep(depth: int, n: int) -> int:
    return _spin(n) if depth == 0 else _deep(depth - 1, n)


async def _work() -> None:
    for _ in range(SLICES):
        _deep(DEPTH, 15_000)
        await asyncio.sleep(0)


async def _run(mode: str) -> tuple[float, float, CPUProfiler | None]:
    """(process CPU seconds, wall seconds) of one run of the work, with the profiler in ``mode``."""
    profiler = None
    if mode != "off":
        # "thread" is the fallback, what runs when the event loop is not in the main thread
        profiler = CPUProfiler(hz=100, use_signal=mode == "signal")
        profiler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        await _work()
    finally:
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.stop()
    return cpu, wall, profiler


async def _measure() -> dict[str, Any]:
    runs: dict[str, list[tuple[float, float, CPUProfiler | None]]] = {"off": [], "signal": [], "thread": []}
    await _run("off")  # warm up
    modes = list(runs)
    for i in range(ROUNDS):
        for mode in modes[i % 3 :] + modes[: i % 3]:  # rotate the order: no mode always runs first
            runs[mode].append(await _run(mode))
    return runs


def main() -> None:
    use_uvloop()
    runs = asyncio.run(_measure())
    off = statistics.median(r[0] for r in runs["off"]) * 1e3
    for mode, label in (("signal", "SIGPROF handler"), ("thread", "sampler thread (fallback)")):
        on = statistics.median(r[0] for r in runs[mode]) * 1e3
        report(f"[pprof] busy event loop at depth {DEPTH}: process CPU per run, {label} at 100 Hz", on, off, "ms")
        print(f"[pprof]   {label}: {on / off - 1:+.1%} process CPU (median of {ROUNDS} runs; noise is a few %)")
    sig = [r[2] for r in runs["signal"] if r[2] is not None]
    samples = sum(sum(len(s[0]) for s in p.samples.values()) for p in sig)
    own = sum(p.sampler_ns for p in sig) / 1e9
    profiled = sum(r[0] for r in runs["signal"])
    print(
        f"[pprof] SIGPROF handler's own time: {own * 1e3:.1f} ms for {samples} samples "
        f"({own / max(samples, 1) * 1e6:.0f} us each), {own / profiled:.2%} of the profiled CPU"
    )


if __name__ == "__main__":
    main()
