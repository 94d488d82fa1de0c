"""The ``aiokube`` command gives its event loop a main thread deep enough for kube's 10,000 levels
(apiserver/launch.py), so /debug/pprof's SIGPROF sampler sees the loop; where the stack limit may not be
raised, the loop runs in a large-stack thread and bodies still nest to kube's limit."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from aiokube.encoding import depth
from tests.serverproc import start_server


def _stack_limit(pid: int) -> int:
    """The soft RLIMIT_STACK of a process (/proc/<pid>/limits), -1 for unlimited."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max stack size"):
            soft = line.split()[3]
            return -1 if soft == "unlimited" else int(soft)
    raise AssertionError("no stack limit listed")


def _deep_configmap(name: str, levels: int) -> bytes:
    """A ConfigMap with an unknown field nesting ``levels`` objects (dropped with a warning once decoded)."""
    return (
        f'{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"}},"x":'.encode()
        + b'{"a":' * levels + b"1" + b"}" * levels + b"}"
    )  # fmt: skip


async def _check(url: str, loop_thread: str, mode: str) -> float:
    """Profile the server while it creates ConfigMaps; check the loop's thread and kube's depth limit; return the
    share of the loop's CPU time the profile could not place in Python code (samples ending in ``Runner.run``)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        base = f"{url}/api/v1/namespaces/default/configmaps"
        profiling = asyncio.ensure_future(session.get(f"{url}/debug/pprof/profile", params={"seconds": "2"}))
        await asyncio.sleep(0.2)

        async def create(i: int) -> None:
            async with session.post(base, json={"metadata": {"name": f"c{i}"}, "data": {"k": "v" * 500}}) as resp:
                assert resp.status == 201, await resp.text()

        for start in range(0, 600, 20):
            await asyncio.gather(*(create(i) for i in range(start, start + 20)))
        async with await profiling as resp:
            assert resp.status == 200
            doc: Any = orjson.loads(await resp.read())
        for levels, want in ((9_990, 201), (10_001, 400)):
            body_bytes = _deep_configmap(f"d{levels}", levels)
            async with session.post(base, data=body_bytes, headers={"Content-Type": "application/json"}) as resp:
                body = await resp.json()
                assert resp.status == want, body
        assert "exceeded max depth" in body["message"]
    assert mode in doc["name"], doc["name"]
    loop = doc["profiles"][0]
    assert loop["name"].startswith(f"{loop_thread} (event loop)"), loop["name"]
    frames = doc["shared"]["frames"]
    unplaced = sum(w for s, w in zip(loop["samples"], loop["weights"], strict=True)
                   if frames[s[-1]]["name"].startswith("Runner.run "))  # fmt: skip
    return unplaced / loop["endValue"]


def _run(tmp_path: Path, preexec_fn: Callable[[], None] | None = None) -> tuple[Any, int]:
    proc = start_server(tmp_path / "data", "--authorization-mode", "AlwaysAllow", preexec_fn=preexec_fn)
    return proc, _stack_limit(proc.proc.pid)


async def test_serve_loops_in_a_deep_main_thread(tmp_path: Path) -> None:
    proc, limit = _run(tmp_path)
    try:
        assert limit == -1 or limit >= depth.STACK_SIZE, limit
        # SIGPROF catches the loop where it burns CPU: little is left in uvloop's run, mostly the socket calls
        # it makes itself (a sampler thread there left 85% of a write-heavy loop's CPU in Runner.run)
        assert await _check(proc.url, "MainThread", "SIGPROF") < 0.4
    finally:
        assert proc.stop() == 0


def _no_room() -> None:
    eight_mib = 8 << 20
    resource.setrlimit(resource.RLIMIT_STACK, (eight_mib, eight_mib))


async def test_serve_without_room_loops_in_a_large_stack_thread(tmp_path: Path) -> None:
    proc, limit = _run(tmp_path, _no_room)
    try:
        assert limit == 8 << 20
        await _check(proc.url, "aiokube-loop", "sampler thread")  # its view of the loop: biased, see pprof.py
    finally:
        assert proc.stop() == 0
