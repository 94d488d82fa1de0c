"""registry/turns.py: a write that held the event loop past the threshold lets other work run before its next
stage; a quick one does not wait."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.endpoints.bodies import INLINE_JSON_BYTES
from aiokube.apiserver.registry import requester, turns
from aiokube.apiserver.registry.store import GenericStore
from aiokube.apiserver.registry.turns import HOLD_SECONDS, Turns

from .conftest import API


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


async def test_a_heavy_writes_stages_run_in_the_cpu_thread() -> None:
    where: list[str] = []

    def stage(x: int) -> int:
        where.append(threading.current_thread().name)
        return x + 1

    assert await Turns(heavy=True).stage(stage, 1) == 2
    light = Turns()
    assert await light.stage(stage, 2) == 3
    assert where[0].startswith("aiokube-parse") and where[1] == threading.current_thread().name
    assert not light.heavy
    with pytest.raises(ZeroDivisionError):  # a stage's error is the write's
        await Turns(heavy=True).stage(lambda: 1 // 0)


async def test_a_write_that_held_the_loop_becomes_heavy() -> None:
    t = Turns()
    end = time.perf_counter() + HOLD_SECONDS * 2
    while time.perf_counter() < end:
        pass
    await t.pause_if_held()
    assert t.heavy


async def test_a_big_bodys_create_and_update_run_their_stages_off_the_loop(
    api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ConfigMap body over INLINE_JSON_BYTES: field ownership, validation and the stored form run in the CPU
    thread, and the object stored is the one a small body's path would store (the same fields and owners)."""
    seen: list[tuple[str, str]] = []
    for name in ("_track", "validate"):
        real = getattr(GenericStore, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            # this test's object only: the server's controllers write beside it (a new namespace's root CA)
            if any(isinstance(a, dict) and (a.get("metadata") or {}).get("name") in ("big", "s") for a in args):
                seen.append((_name, threading.current_thread().name))
            return _real(*args, **kwargs)

        monkeypatch.setattr(GenericStore, name, staticmethod(spy) if name == "validate" else spy)
    data = {f"k{i:05d}": "v" * 20 for i in range(INLINE_JSON_BYTES // 25)}
    status, created, _ = await api.post(
        f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "big"}, "data": data}
    )
    assert status == 201, created
    assert ("_track", "aiokube-parse_0") in seen and ("validate", "aiokube-parse_0") in seen
    assert created["data"] == data and created["metadata"]["managedFields"][0]["fieldsV1"]["f:data"]["f:k00000"] == {}
    seen.clear()
    created["data"]["k00000"] = "changed"
    status, updated, _ = await api.put(f"/api/v1/namespaces/{ns}/configmaps/big", created)
    assert status == 200 and updated["data"]["k00000"] == "changed"
    assert {where for _, where in seen} == {"aiokube-parse_0"}
    status, _, _ = await api.post(
        f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "s"}, "data": {"a": "b"}}
    )
    assert status == 201 and seen[-1][1] == threading.current_thread().name  # a small write stays on the loop


async def test_a_heavy_stage_runs_in_the_requests_context() -> None:
    """The requester (registry/requester.py) is a context variable: a stage moved to the thread still sees it."""
    with requester.acting_as(UserInfo("jane")):
        seen = await Turns(heavy=True).stage(requester.current)
    assert seen is not None and seen.name == "jane"
