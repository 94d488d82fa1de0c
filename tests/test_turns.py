"""registry/turns.py: a write that held the event loop past the threshold lets other work run before its next
stage; a quick one does not wait."""

from __future__ import annotations

import asyncio
import time

import pytest

from aiokube.apiserver.registry import turns
from aiokube.apiserver.registry.turns import HOLD_SECONDS, Turns


async def _stages(turns: Turns, work_seconds: float, log: list[str]) -> None:
    for stage in range(3):
        end = time.perf_counter() + work_seconds
        while time.perf_counter() < end:  # a stage's CPU work, holding the loop
            pass
        log.append(f"stage {stage}")
        await turns.pause_if_held()


async def test_a_long_stage_lets_others_run_before_the_next() -> None:
    log: list[str] = []
    write = asyncio.create_task(_stages(Turns(), HOLD_SECONDS * 2, log))
    asyncio.get_running_loop().call_soon(log.append, "other request")  # ready while the first stage runs
    await write
    assert log == ["stage 0", "other request", "stage 1", "stage 2"], log


async def test_quick_stages_run_back_to_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "HOLD_SECONDS", 60.0)  # "quick" whatever a loaded machine's clock says
    log: list[str] = []
    write = asyncio.create_task(_stages(Turns(), 0, log))
    asyncio.get_running_loop().call_soon(log.append, "other request")
    await write
    assert log == ["stage 0", "stage 1", "stage 2", "other request"], log
