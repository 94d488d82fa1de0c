"""How long the event loop went between turns while something ran: a ticker that sleeps 1 ms and records the
gaps (a loop held by one request shows as one long gap)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def loop_gaps() -> AsyncIterator[list[float]]:
    """The gaps (seconds) between the ticker's turns while the block runs; the list fills as it goes."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    try:
        yield gaps
    finally:
        done.set()
        await task
