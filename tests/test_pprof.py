"""/debug/pprof: the index, the CPU profile (speedscope and collapsed), heap, goroutine (tasks), errors.

The server runs on the test's event loop in the main thread, so a coroutine the test runs during a profile is
sampled like a request handler would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from aiokube.apiserver.observability import pprof
from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from tests.conftest import API

HERE = str(Path(__file__).resolve())
COLLAPSED_LINE = re.compile(r"^(.+) (\d+)$")


def _pprof_spin(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i
    return x


async def _pprof_busy_marker(stop: asyncio.Event) -> None:
    """CPU-heavy coroutine: ~1 ms slices of pure Python, yielding to the loop between them."""
    while not stop.is_set():
        _pprof_spin(20_000)
        await asyncio.sleep(0)


def _pprof_thread_marker(stop: threading.Event) -> None:
    while not stop.is_set():
        _pprof_spin(20_000)


class Busy:
    """Keeps the event loop (and optionally a thread) busy while a profile runs."""

    def __init__(self, thread: bool = False) -> None:
        self.stop = asyncio.Event()
        self.thread_stop = threading.Event()
        self.thread = threading.Thread(target=_pprof_thread_marker, args=(self.thread_stop,), name="pprof-busy")
        self.with_thread = thread
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Busy:
        self.task = asyncio.create_task(_pprof_busy_marker(self.stop))
        if self.with_thread:
            self.thread.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread_stop.set()
        assert self.task is not None
        await self.task
        if self.with_thread:
            await asyncio.to_thread(self.thread.join)


def _missing_files(frames: list[dict[str, Any]]) -> list[str]:
    """Frames whose file is not on disk (``<frozen …>``, ``<string>`` have none)."""
    return [f["file"] for f in frames if not f["file"].startswith("<") and not Path(f["file"]).is_file()]


def _heaviest_leaves(profile: dict[str, Any], frames: list[dict[str, Any]], n: int = 8) -> list[tuple[str, int]]:
    """The functions on top of the stack for the most sampled time, heaviest first."""
    weights: dict[str, int] = {}
    for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
        name = frames[stack[-1]]["name"]
        weights[name] = weights.get(name, 0) + weight
    return sorted(weights.items(), key=lambda kv: -kv[1])[:n]


def _stack_of(profile: dict[str, Any], frames: list[dict[str, Any]], leaf: str) -> list[str]:
    """The heaviest sampled stack ending in ``leaf``, innermost last (what a failed assertion shows)."""
    stacks: dict[tuple[int, ...], int] = {}
    for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
        if frames[stack[-1]]["name"] == leaf:
            stacks[tuple(stack)] = stacks.get(tuple(stack), 0) + weight
    top = max(stacks, key=stacks.__getitem__) if stacks else ()
    return [frames[i]["name"] for i in top[-12:]]


def _weight_of(profile: dict[str, Any], frames: list[dict[str, Any]], prefix: str) -> int:
    """Total weight of the samples whose stack holds a frame named ``prefix…``."""
    total = 0
    for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
        if any(frames[i]["name"].startswith(prefix) for i in stack):
            total += weight
    return total


async def test_index_lists_profiles(api: API) -> None:
    status, body, headers = await api.get("/debug/pprof/")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/html")
    assert "Types of profiles available:" in body
    for name in ("profile", "heap", "goroutine", "cmdline"):
        assert f">{name}</a>" in body
        assert f"<div class=profile-name>{name}: </div>" in body
    assert "href='profile?seconds=30'" in body
    assert 'href="goroutine?debug=2"' in body


async def test_redirect_without_slash(api: API) -> None:
    async with api.session.get(api.base + "/debug/pprof", allow_redirects=False) as resp:
        assert resp.status == 302  # kube's redirectTo
        assert resp.headers["Location"] == "/debug/pprof/"


async def test_cpu_profile_speedscope(api: API) -> None:
    async with Busy(thread=True):
        status, doc, headers = await api.get("/debug/pprof/profile", params={"seconds": "1"})
    assert status == 200, doc
    assert headers["Content-Type"].startswith("application/json")
    assert 'filename="profile.speedscope.json"' in headers["Content-Disposition"]
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    assert doc["exporter"] and "SIGPROF" in doc["name"]
    assert doc["activeProfileIndex"] == 0
    frames = doc["shared"]["frames"]
    assert frames
    for frame in frames:
        assert set(frame) == {"name", "file", "line"}
        assert frame["name"].endswith(f":{frame['line']})")
        assert isinstance(frame["line"], int) and frame["line"] >= 0
    assert not _missing_files(frames)
    profiles = doc["profiles"]
    assert profiles[0]["name"].startswith("MainThread (event loop)")
    for profile in profiles:
        assert profile["type"] == "sampled"
        assert profile["unit"] == "nanoseconds"
        assert len(profile["samples"]) == len(profile["weights"])
        assert all(isinstance(w, int) and w > 0 for w in profile["weights"])
        assert profile["startValue"] == 0 and profile["endValue"] == sum(profile["weights"])
        for stack in profile["samples"]:
            assert stack and all(0 <= i < len(frames) for i in stack)

    loop = profiles[0]
    assert len(loop["samples"]) >= 10
    # the busy coroutine's function is among the two heaviest leaves of the loop, with a good share of it. The
    # session's server shares this loop: late in the suite its background takes a share too — in full runs a
    # socket write (asyncio's transport.write, ~180 ms of the second, cause not found yet: see the issue note)
    # came first, the busy function second
    busy = _weight_of(loop, frames, "_pprof_busy_marker (tests/test_pprof.py:")
    heaviest = _heaviest_leaves(loop, frames)
    assert any(name.startswith("_pprof_spin ") for name, _ in heaviest[:2]), (
        heaviest, _stack_of(loop, frames, heaviest[0][0]))  # fmt: skip
    assert busy > 0.1 * loop["endValue"], (busy, loop["endValue"], heaviest)
    marker = next(f for f in frames if f["name"].startswith("_pprof_busy_marker "))
    assert marker["file"] == HERE
    # root first: the loop's machinery is below the coroutine, the spin function above it
    stack = next(s for s in loop["samples"] if any(frames[i]["name"].startswith("_pprof_spin ") for i in s))
    names = [frames[i]["name"].split(" ")[0] for i in stack]
    assert names.index("_pprof_busy_marker") == names.index("_pprof_spin") - 1
    assert any(n.endswith("_run_once") for n in names[: names.index("_pprof_busy_marker")])

    # the other thread is labelled and sampled too
    thread = next(p for p in profiles if p["name"].startswith("pprof-busy "))
    assert _weight_of(thread, frames, "_pprof_thread_marker ") > 0


async def test_cpu_profile_collapsed(api: API) -> None:
    async with Busy():
        status, body, headers = await api.get("/debug/pprof/profile", params={"seconds": "1", "format": "collapsed"})
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain")
    assert 'filename="profile.folded"' in headers["Content-Disposition"]
    lines = body.splitlines()
    assert lines
    busy = total = 0
    for line in lines:
        m = COLLAPSED_LINE.match(line)
        assert m, line
        stack, count = m.group(1).split(";"), int(m.group(2))
        assert all(stack) and count > 0
        total += count
        if stack[0] == "MainThread (event loop)" and any(f.startswith("_pprof_busy_marker ") for f in stack):
            busy += count
    assert busy > 0.3 * total, (busy, total)


async def test_cpu_profile_lines(api: API) -> None:
    async with Busy():
        status, body, _ = await api.get(
            "/debug/pprof/profile", params={"seconds": "1", "format": "collapsed", "lines": "1"}
        )
    assert status == 200, body
    # line granularity: the spin function's frame carries the line of its loop, not of its def
    def_line = _pprof_spin.__code__.co_firstlineno
    lines = {int(m) for m in re.findall(r"_pprof_spin \(tests/test_pprof\.py:(\d+)\)", body)}
    assert lines & {def_line + 2, def_line + 3}, lines  # its for loop


async def test_cpu_profile_sampler_thread_fallback() -> None:
    """Where SIGPROF cannot be used (the loop not in the main thread), a sampler thread samples instead."""
    async with Busy(thread=True):
        profiler = pprof.CPUProfiler(use_signal=False)
        profiler.start()
        try:
            await asyncio.sleep(0.5)
        finally:
            profiler.stop()
    assert profiler.mode == "sampler thread" and "sampler thread" in profiler.summary()
    assert signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
    text = profiler.collapsed()
    assert "pprof-sampler" not in text  # it does not sample itself
    assert re.search(r"^pprof-busy;.*_pprof_thread_marker \(tests/test_pprof\.py:\d+\);", text, re.M)
    # The loop is sampled too, but a sampler thread only looks when the loop lets go of the GIL (mostly in
    # epoll), which is why SIGPROF is preferred: only its presence is certain here, not where it was.
    assert re.search(r"^MainThread \(event loop\);", text, re.M)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"seconds": "abc"}, 'invalid value for "seconds" - must be a positive integer'),
        ({"seconds": "0"}, 'invalid value for "seconds" - must be a positive integer'),
        ({"seconds": "-5"}, 'invalid value for "seconds" - must be a positive integer'),
        ({"seconds": "1.5"}, 'invalid value for "seconds" - must be a positive integer'),
        ({"seconds": "301"}, 'invalid value for "seconds" - must be at most 300'),
        ({"seconds": "1", "format": "pprof"}, 'invalid value for "format" - must be speedscope or collapsed'),
        ({"seconds": "1", "hz": "0"}, 'invalid value for "hz" - must be a positive integer'),
    ],
)
async def test_cpu_profile_bad_params(api: API, params: dict[str, str], message: str) -> None:
    start = time.monotonic()
    status, body, headers = await api.get("/debug/pprof/profile", params=params)
    assert status == 400
    assert body == message + "\n"
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["X-Go-Pprof"] == "1"
    assert time.monotonic() - start < 0.9  # answered at once, no profile ran


async def test_cpu_profile_one_at_a_time(api: API) -> None:
    first = asyncio.create_task(api.get("/debug/pprof/profile", params={"seconds": "2", "format": "collapsed"}))
    for _ in range(100):
        if pprof._current is not None:
            break
        await asyncio.sleep(0.02)
    assert pprof._current is not None
    status, body, headers = await api.get("/debug/pprof/profile", params={"seconds": "1"})
    assert status == 500  # as Go's net/http/pprof
    assert body == "Could not enable CPU profiling: cpu profiling already in use\n"
    assert headers["X-Go-Pprof"] == "1"
    status, _, _ = await first
    assert status == 200
    assert pprof._current is None
    # and the next one may start
    status, _, _ = await api.get("/debug/pprof/profile", params={"seconds": "1", "format": "collapsed"})
    assert status == 200


async def test_cpu_profile_ends_when_client_goes_away(api: API) -> None:
    async def request() -> None:
        async with api.session.get(api.base + "/debug/pprof/profile", params={"seconds": "60"}) as resp:
            await resp.read()

    task = asyncio.create_task(request())
    for _ in range(100):
        if pprof._current is not None:
            break
        await asyncio.sleep(0.02)
    assert pprof._current is not None
    task.cancel()
    for _ in range(100):
        if pprof._current is None:
            break
        await asyncio.sleep(0.02)
    assert pprof._current is None
    # SIGPROF and its timer are as they were
    assert signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def _pprof_heap_marker_alloc(n: int) -> list[str]:
    return [f"pprof-heap-marker-{i:08d}" * 3 for i in range(n)]


async def test_heap(api: API) -> None:
    """Each request traces its own bounded window (1 s by default), lists what that window allocated and is
    still alive, and stops tracing: nothing stays slow after it."""
    await api.get("/debug/pprof/heap", params={"stop": "1"})
    kept: list[list[str]] = []

    async def allocate() -> None:
        await asyncio.sleep(0.3)
        kept.append(_pprof_heap_marker_alloc(20_000))  # ~2.6 MiB of strings

    task = asyncio.create_task(allocate())
    status, body, headers = await api.get("/debug/pprof/heap", params={"gc": "1"})
    await task
    assert status == 200, body
    assert not tracemalloc.is_tracing()
    assert headers["Content-Type"].startswith("text/plain")
    assert "this request traced the last 1 s (25 frames per traceback) and stopped it again" in body
    assert "grouped by lineno" in body and "gc.collect() ran first" in body
    assert re.search(r"traced: [\d.]+ \w+ in [\d,]+ blocks", body)
    first = body.split("\n#1: ", 1)[1]
    # the marker is the biggest site, named by its function, with its source line
    assert first.splitlines()[1].strip().startswith("_pprof_heap_marker_alloc (tests/test_pprof.py:")
    assert 'f"pprof-heap-marker-' in first.splitlines()[2]
    count = int(re.match(r"[\d.]+ MiB in ([\d,]+) blocks", first).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert count >= 20_000

    task = asyncio.create_task(allocate())
    status, body, _ = await api.get("/debug/pprof/heap", params={"key": "traceback", "top": "3"})
    await task
    assert status == 200 and not tracemalloc.is_tracing()
    assert "top 3 of" in body
    entry = body.split("\n#1: ", 1)[1].split("\n#2: ", 1)[0]
    assert "most recent call first" in entry
    frames = [line[4:] for line in entry.splitlines()[2:] if re.match(r"    \S", line)]  # not the source
    assert frames[0].startswith("_pprof_heap_marker_alloc (tests/test_pprof.py:")  # leaf first
    assert frames[1].startswith("test_heap.<locals>.allocate (tests/test_pprof.py:")  # then its caller
    kept.clear()

    status, body, _ = await api.get("/debug/pprof/heap", params={"key": "nope"})
    assert status == 400 and 'invalid value for "key"' in body
    status, body, _ = await api.get("/debug/pprof/heap", params={"seconds": "31"})
    assert status == 400  # the window is bounded
    assert not tracemalloc.is_tracing()


async def test_heap_stops_tracing_when_the_client_leaves(api: API) -> None:
    """A client that goes away mid-window (the handler is cancelled) leaves tracemalloc stopped too."""
    await api.get("/debug/pprof/heap", params={"stop": "1"})
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(0.5):
            await api.get("/debug/pprof/heap", params={"seconds": "10"})
    for _ in range(100):
        if not tracemalloc.is_tracing():
            break
        await asyncio.sleep(0.02)
    assert not tracemalloc.is_tracing()


async def test_heap_delta(api: API) -> None:
    """Tracing started by someone else: the listing is the growth over the window, and tracing goes on."""
    await api.get("/debug/pprof/heap", params={"stop": "1"})
    kept: list[list[str]] = []

    async def allocate() -> None:
        await asyncio.sleep(0.3)
        kept.append(_pprof_heap_marker_alloc(20_000))

    tracemalloc.start(5)
    try:
        task = asyncio.create_task(allocate())
        status, body, _ = await api.get("/debug/pprof/heap", params={"seconds": "1"})
        await task
        assert status == 200, body
        assert "change over the interval: +" in body
        first = body.split("\n#1: ", 1)[1]
        assert re.match(r"[\d.]+ MiB in [\d,]+ blocks \(avg [^)]+\) \(\+[\d.]+ MiB, \+[\d,]+ blocks\)", first)
        assert "_pprof_heap_marker_alloc (tests/test_pprof.py:" in first.splitlines()[1]
        assert tracemalloc.is_tracing()  # it was tracing before: it still is
    finally:
        status, body, _ = await api.get("/debug/pprof/heap", params={"stop": "1"})
    assert status == 200 and "tracemalloc stopped" in body and not tracemalloc.is_tracing()


async def _pprof_parked_inner(event: asyncio.Event) -> None:
    await event.wait()


async def _pprof_parked_marker(event: asyncio.Event) -> None:
    await _pprof_parked_inner(event)


async def test_goroutine_lists_tasks_and_threads(api: API) -> None:
    event = asyncio.Event()
    tasks = [asyncio.create_task(_pprof_parked_marker(event), name=f"pprof-parked-{i}") for i in range(3)]
    await asyncio.sleep(0)
    try:
        status, body, _ = await api.get("/debug/pprof/goroutine", params={"debug": "2"})
        assert status == 200, body
        assert body.startswith("goroutine profile: total ")
        entry = body.split("task 'pprof-parked-1' [pending] coro _pprof_parked_marker:\n", 1)[1].split("\n\n")[0]
        # the whole await chain, outermost first, down to the future it waits on
        assert entry.index("in _pprof_parked_marker") < entry.index("in _pprof_parked_inner")
        assert entry.index("in _pprof_parked_inner") < entry.index("in Event.wait")
        assert "await _pprof_parked_inner(event)" in entry
        assert entry.rstrip().splitlines()[-1].strip().startswith("awaiting <Future pending")
        assert "[running: this request]" in body
        assert re.search(r"thread 'MainThread' ident \d+ native id \d+ \(event loop\):", body)

        status, body, _ = await api.get("/debug/pprof/tasks")  # grouped
        assert status == 200
        group = re.search(r"\n3 tasks \[pending, awaiting a Future\]: ([^\n]+)\n", body)
        assert group, body
        assert "'pprof-parked-0'" in group.group(1)
    finally:
        event.set()
        await asyncio.gather(*tasks)


async def test_cmdline(api: API) -> None:
    status, body, _ = await api.get("/debug/pprof/cmdline")
    assert status == 200
    assert "pytest" in body and "\x00" in body


async def test_unknown_profile(api: API) -> None:
    for name in ("nope", "allocs", "trace", "profile/"):
        status, body, headers = await api.get(f"/debug/pprof/{name}")
        assert status == 404, name
        assert body == "Unknown profile\n"
        assert headers["X-Go-Pprof"] == "1"


@pytest.fixture
async def unprofiled(etcd: EmbeddedEtcd) -> AsyncIterator[APIServer]:
    """A second replica with --profiling=false."""
    srv = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], compaction_interval=0, profiling=False))
    await srv.start()
    yield srv
    await srv.stop()


async def test_profiling_disabled(unprofiled: APIServer, http_session: aiohttp.ClientSession) -> None:
    api = API(http_session, unprofiled.url)
    for path in ("/debug/pprof/", "/debug/pprof", "/debug/pprof/profile?seconds=1", "/debug/pprof/heap"):
        status, body, _ = await api.get(path)
        assert status == 404, path
        assert body == "404 page not found\n"
