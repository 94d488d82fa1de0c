"""``/debug/pprof``: kube-apiserver's profiling endpoints (``--profiling``, Go's net/http/pprof) for asyncio.

Endpoints (``subpath`` is what follows ``/debug/pprof/``):

- ``""``: an HTML index like Go's (profiles, a count for each and one-line descriptions).
  ``/debug/pprof`` without the slash answers 302 to ``/debug/pprof/``, as kube's ``redirectTo`` does.
- ``profile?seconds=N``: a sampling CPU profile of the whole process for N seconds (default 30 as Go,
  1..300), while the server keeps serving. ``format=speedscope`` (default; speedscope's JSON file format,
  one "sampled" profile per thread, the event loop's first) or ``format=collapsed`` (Brendan Gregg's
  ``root;…;leaf count`` lines, the count in CPU microseconds, the thread's name as the root frame).
  Frames are functions, named ``qualname (path/file.py:line)`` with the line where the function starts;
  ``lines=1`` splits them by the line executing (``go tool pprof -lines``). ``hz=`` sets the rate
  (default 100, as Go's).
- ``heap``: a tracemalloc listing of the top allocation sites of live memory (``top=``, default 50) grouped
  by ``key=lineno`` (default), ``traceback`` or ``filename``, each named ``function (file.py:line)`` with
  its source line, and totals; ``gc=1`` collects first (Go's ``heap?gc=1``). tracemalloc only sees what is
  allocated while it traces, and tracing is expensive — every allocation records its traceback (``frames=``,
  default 25): serving LISTs and GETs took 13x the CPU with 25 frames (2.3x with ``frames=1``), and one
  request that left it on once made the whole server several times slower for good. So each request traces
  a bounded window (``seconds=N``, default 1, at most 30), lists what that window allocated and is still
  alive, and stops tracing before it builds the report; one heap profile runs at a time. When something
  else traces (``PYTHONTRACEMALLOC``) the listing is the growth over the window and tracing is left as it
  was; ``stop=1`` stops that.
- ``goroutine`` (alias ``tasks``): the asyncio tasks of the event loop with their whole suspended stacks
  (the ``cr_await`` chain, down to the future each waits on) and every thread's stack. ``debug=2``
  lists each task (Go's full dump); otherwise tasks with the same stack are grouped with a count.
- ``cmdline``: the command line, NUL-separated as Go's.

Anything else is Go's 404 ``Unknown profile``.

How the CPU profile samples. A thread calling ``sys._current_frames()`` every 10 ms is useless for the
event loop: it needs the GIL to look, and it gets the GIL when the loop releases it — in
``select``/``epoll`` (even ``select(0)`` between callbacks) and socket calls. On a loop busy 100% in two
functions it saw ``select`` in 95% of its samples, and took 20 instead of 100 per second. So the event
loop (which runs in the main thread) is sampled by a ``SIGPROF`` handler driven by
``setitimer(ITIMER_PROF)``: the kernel fires it per 10 ms of process CPU time, to the thread that is
running, and CPython runs the handler in the main thread at the next bytecode boundary, so it sees the
frame that was burning CPU (the same workload: 49%/49%, ``select`` 1%). The handler also samples the
other threads (``sys._current_frames()``). Each sample is weighted by the CPU time that thread used since
its previous sample (per-thread CPU clocks), so idle threads and an idle loop add nothing, and a profile
is CPU time as Go's is. ``SA_RESTART`` is set so the signal does not make C libraries' system calls fail
with EINTR; Python retries its own (PEP 475). Where no signal can be used (the loop is not in the main
thread, or no ``setitimer``), a sampler thread does the same, with the GIL bias above; the profile's
name says which mode ran. The handler's own CPU time is left out of the weights and reported in the
profile's name: about 45 us per sample with a 40-frame stack, 0.5% of the CPU at 100 Hz
(``bench/pprof_overhead.py``).

One CPU profile at a time per process, as Go: a second request gets Go's 500 ``Could not enable CPU
profiling: cpu profiling already in use`` (so does a request while something else owns SIGPROF/ITIMER_PROF).
A client that goes away ends its profile (aiohttp cancels the handler), as Go's ``sleep`` does.

``seconds`` defaults to 30 as Go's, but where Go's ``profile`` takes a bad value as 30 too, a value that is
not an integer in 1..300 is a 400 here (with Go's text for its delta profiles, ``invalid value for
"seconds" - must be a positive integer``): a typo should not hold the request for 30 seconds.
"""

from __future__ import annotations

import asyncio
import functools
import html
import linecache
import os
import re
import signal
import sys
import threading
import time
import tracemalloc
import types
from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from aiokube.apiserver import gcpolicy

DEFAULT_SECONDS = 30
MAX_SECONDS = 300
DEFAULT_HZ = 100
MAX_HZ = 1000
MAX_DEPTH = 512  # frames kept per stack (the root end is cut)
HEAP_TOP = 50
HEAP_FRAMES = 25
#: a heap profile traces allocations for this long (``seconds=``), then stops: tracing costs every allocation
#: its traceback, so it never outlives the request that started it
HEAP_SECONDS = 1
HEAP_MAX_SECONDS = 30
_HEAP_LOCK = asyncio.Lock()

IN_USE = "cpu profiling already in use"

#: the CPU profile running in this process (profiling is process-wide, so one at a time)
_current: CPUProfiler | None = None


class BadParam(ValueError):
    pass


class InUse(RuntimeError):
    pass


async def handle(request: web.Request, subpath: str) -> web.StreamResponse:
    """Serve ``/debug/pprof/<subpath>``."""
    if subpath == "" and not request.rel_url.raw_path.endswith("/"):
        resp = web.Response(status=302, text='<a href="/debug/pprof/">Found</a>.\n', content_type="text/html")
        resp.headers["Location"] = "/debug/pprof/"
        return resp
    handler = _HANDLERS.get(subpath)
    if handler is None:
        return _error(404, "Unknown profile")
    try:
        return await handler(request)
    except BadParam as exc:
        return _error(400, str(exc))


# --- helpers ---------------------------------------------------------------------------------------------


def _error(status: int, text: str) -> web.Response:
    """Go's serveError: plain text, X-Go-Pprof so ``go tool pprof`` shows it."""
    resp = web.Response(text=text + "\n", status=status, content_type="text/plain", charset="utf-8")
    resp.headers["X-Go-Pprof"] = "1"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _text(text: str, filename: str | None = None) -> web.Response:
    resp = web.Response(text=text, content_type="text/plain", charset="utf-8")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _int_param(query: Any, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = query.get(name, "")
    if raw == "":
        return default
    if not re.fullmatch(r"[0-9]+", raw) or int(raw[-12:]) < lo:
        want = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise BadParam(f'invalid value for "{name}" - must be {want}')
    if len(raw.lstrip("0")) > 9 or int(raw) > hi:
        raise BadParam(f'invalid value for "{name}" - must be at most {hi}')
    return int(raw)


def _flag(query: Any, name: str) -> bool:
    """Go's ``strconv.Atoi(v) > 0``, plus ``true``."""
    raw = query.get(name, "").strip().lower()
    if raw in ("true", "t", "yes"):
        return True
    try:
        return int(raw) > 0
    except ValueError:
        return False


def _size(n: float) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


@functools.lru_cache(maxsize=1)
def _path_roots() -> tuple[str, ...]:
    roots = {os.path.abspath(p) for p in [*sys.path, os.getcwd()] if p}
    return tuple(sorted((r.rstrip(os.sep) + os.sep for r in roots if len(r) > 1), key=len, reverse=True))


@functools.lru_cache(maxsize=8192)
def _short_path(filename: str) -> str:
    """``/…/site-packages/aiohttp/web.py`` → ``aiohttp/web.py``: relative to the longest sys.path entry."""
    for root in _path_roots():
        if filename.startswith(root):
            return filename[len(root) :]
    return filename


def _frame_name(qualname: str, filename: str, line: int) -> str:
    return f"{qualname} ({_short_path(filename)}:{line})"


# --- CPU profile -----------------------------------------------------------------------------------------


def _thread_clock(ident: int) -> int | None:
    """The CPU-time clock of a thread, from its thread ident (``sys._current_frames()`` keys)."""
    thread = getattr(threading, "_active", {}).get(ident)  # no lock: this may run in a signal handler
    native = getattr(thread, "native_id", None)
    if native and sys.platform.startswith("linux"):
        # MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED): a dead thread's clock is EINVAL, never undefined
        # behaviour (pthread_getcpuclockid on an exited thread's pthread_t is).
        return ((~native) << 3) | 6
    getcpuclockid = getattr(time, "pthread_getcpuclockid", None)
    if getcpuclockid is None:
        return None
    try:
        return getcpuclockid(ident)
    except (OSError, OverflowError):
        return None


class CPUProfiler:
    """Samples the stacks of every thread, weighted by the CPU time each used since its last sample.

    ``start()`` in the thread running the event loop; ``stop()`` in the same thread. Between the two, the
    samples are only touched by the sampler (the SIGPROF handler in the main thread, or the sampler thread).
    """

    def __init__(self, hz: int = DEFAULT_HZ, lines: bool = False, use_signal: bool | None = None) -> None:
        """``use_signal``: None picks SIGPROF when it can be used, False forces the sampler thread."""
        self.hz = hz
        self.use_signal = use_signal
        self.interval = 1.0 / hz
        self.lines = lines
        self.mode = ""
        self.loop_ident = threading.get_ident()
        self.sampler_ident: int | None = None
        self.sampler_ns = 0  # CPU time spent sampling (not in any weight)
        self.ticks = 0
        self.wall = 0.0
        self._codes: dict[int, types.CodeType] = {}  # keeps code objects alive, so their ids stay unique
        self._stack_ids: dict[tuple[Any, ...], int] = {}
        self.stacks: list[tuple[Any, ...]] = []  # leaf first: id(code), or (id(code), line) with lines
        self.samples: dict[int, tuple[list[int], list[int]]] = {}  # thread ident → (stack ids, weights ns)
        self.threads: dict[int, str] = {}
        self._clocks: dict[int, int] = {}
        self._last_cpu: dict[int, int] = {}
        self._active = False
        self._in_handler = False
        self._old_handler: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._t0 = 0.0

    # -- lifecycle --

    def start(self) -> None:
        global _current
        if _current is not None:
            raise InUse(IN_USE)
        use_signal = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        use_signal = use_signal and self.use_signal is not False
        if use_signal:
            old = signal.getsignal(signal.SIGPROF)
            if old not in (signal.SIG_DFL, signal.SIG_IGN) or signal.getitimer(signal.ITIMER_PROF) != (0.0, 0.0):
                raise InUse(IN_USE)  # somebody else profiles this process
        _current = self
        try:
            self._t0 = time.monotonic()
            self._baseline()
            self._active = True
            if use_signal:
                self.mode = "SIGPROF"
                self._old_handler = old
                signal.signal(signal.SIGPROF, self._on_signal)
                signal.siginterrupt(signal.SIGPROF, False)
                signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
            else:
                self.mode = "sampler thread"
                self._thread = threading.Thread(target=self._run, name="pprof-sampler", daemon=True)
                self._thread.start()
        except BaseException:
            self._active = False
            _current = None
            raise

    def stop(self) -> None:
        global _current
        if _current is not self:
            return
        try:
            if self._thread is None:
                signal.setitimer(signal.ITIMER_PROF, 0, 0)
                self._active = False
                signal.signal(signal.SIGPROF, self._old_handler)
            else:
                self._active = False
                self._stop.set()
                self._thread.join()
        finally:
            self.wall = time.monotonic() - self._t0
            _current = None

    def _run(self) -> None:
        self.sampler_ident = threading.get_ident()
        while not self._stop.wait(self.interval):
            t0 = time.thread_time_ns()
            try:
                self._sample(None, 0)
            except Exception:
                pass
            self.sampler_ns += time.thread_time_ns() - t0

    def _on_signal(self, signum: int, frame: types.FrameType | None) -> None:
        # Runs in the main thread between two bytecodes of whatever it was running: no locks, no logging,
        # never raise.
        if not self._active or self._in_handler:
            return  # a signal that came in while the handler ran runs it again, nested
        self._in_handler = True
        t0 = time.thread_time_ns()
        try:
            self._sample(frame, t0)
        except Exception:
            pass
        finally:
            t1 = time.thread_time_ns()
            self.sampler_ns += t1 - t0
            self._last_cpu[self.loop_ident] = t1  # the handler's own time is no sample's weight
            self._in_handler = False

    # -- sampling --

    def _cpu_ns(self, ident: int) -> int | None:
        clock = self._clocks.get(ident)
        if clock is None:
            clock = _thread_clock(ident)
            if clock is None:
                return None
            self._clocks[ident] = clock
        try:
            return time.clock_gettime_ns(clock)
        except OSError:  # the thread ended (its ident may come back for a new thread)
            del self._clocks[ident]
            self._last_cpu.pop(ident, None)
            return None

    def _baseline(self) -> None:
        for ident in sys._current_frames():
            now = time.thread_time_ns() if ident == threading.get_ident() else self._cpu_ns(ident)
            if now is not None:
                self._last_cpu[ident] = now

    def _sample(self, loop_frame: types.FrameType | None, loop_cpu: int) -> None:
        self.ticks += 1
        last_cpu = self._last_cpu
        for ident, frame in sys._current_frames().items():
            if ident == self.sampler_ident:
                continue
            if loop_frame is not None and ident == self.loop_ident:
                frame, now = loop_frame, loop_cpu
            else:
                cpu = self._cpu_ns(ident)
                if cpu is None:
                    continue
                now = cpu
            last = last_cpu.get(ident)
            last_cpu[ident] = now
            if last is not None and now > last:
                self._record(ident, frame, now - last)

    def _record(self, ident: int, frame: types.FrameType | None, weight: int) -> None:
        codes = self._codes
        key: list[Any] = []
        depth = 0
        f = frame
        if self.lines:
            while f is not None and depth < MAX_DEPTH:
                code = f.f_code
                cid = id(code)
                if cid not in codes:
                    codes[cid] = code
                key.append((cid, f.f_lineno))
                f = f.f_back
                depth += 1
        else:
            while f is not None and depth < MAX_DEPTH:
                code = f.f_code
                cid = id(code)
                if cid not in codes:
                    codes[cid] = code
                key.append(cid)
                f = f.f_back
                depth += 1
        stack = tuple(key)
        sid = self._stack_ids.get(stack)
        if sid is None:
            sid = self._stack_ids[stack] = len(self.stacks)
            self.stacks.append(stack)
        per_thread = self.samples.get(ident)
        if per_thread is None:
            per_thread = self.samples[ident] = ([], [])
            thread = getattr(threading, "_active", {}).get(ident)
            self.threads[ident] = getattr(thread, "name", None) or f"thread {ident}"
        per_thread[0].append(sid)
        per_thread[1].append(weight)

    # -- output --

    def _thread_order(self) -> list[int]:
        others = sorted((i for i in self.samples if i != self.loop_ident), key=lambda i: -sum(self.samples[i][1]))
        return [self.loop_ident, *others]

    def _thread_label(self, ident: int) -> str:
        thread = getattr(threading, "_active", {}).get(ident)  # a loop with no samples has no entry yet
        name = self.threads.get(ident) or getattr(thread, "name", None) or f"thread {ident}"
        label = f"{name} (event loop)" if ident == self.loop_ident else name
        return label.replace(";", ":").replace("\n", " ")

    def _frames(self) -> tuple[list[dict[str, Any]], list[list[int]]]:
        """speedscope's shared frames, and each stack as frame indexes root first."""
        frames: list[dict[str, Any]] = []
        index: dict[Any, int] = {}
        stacks: list[list[int]] = []
        for stack in self.stacks:
            out = []
            for key in reversed(stack):
                fi = index.get(key)
                if fi is None:
                    cid, line = key if self.lines else (key, None)
                    code = self._codes[cid]
                    line = code.co_firstlineno if line is None else line
                    name = _frame_name(code.co_qualname, code.co_filename, line).replace(";", ":")
                    fi = index[key] = len(frames)
                    frames.append({"name": name, "file": code.co_filename, "line": line})
                out.append(fi)
            stacks.append(out)
        return frames, stacks

    def summary(self) -> str:
        n = sum(len(s[0]) for s in self.samples.values())
        cpu = sum(sum(s[1]) for s in self.samples.values()) / 1e9
        return (
            f"aiokube CPU profile: {self.wall:.1f} s at {self.hz} Hz ({self.mode}), {n} samples, "
            f"{cpu:.2f} s CPU; sampling cost {self.sampler_ns / 1e6:.1f} ms CPU"
        )

    def speedscope(self) -> bytes:
        frames, stacks = self._frames()
        profiles = []
        for ident in self._thread_order():
            sids, weights = self.samples.get(ident, ([], []))
            total = sum(weights)
            profiles.append(
                {
                    "type": "sampled",
                    "name": f"{self._thread_label(ident)} [{total / 1e6:.1f} ms CPU]",
                    "unit": "nanoseconds",
                    "startValue": 0,
                    "endValue": total,
                    "samples": [stacks[s] for s in sids],
                    "weights": weights,
                }
            )
        doc = {
            "$schema": "https://www.speedscope.app/file-format-schema.json",
            "shared": {"frames": frames},
            "profiles": profiles,
            "name": self.summary(),
            "activeProfileIndex": 0,
            "exporter": "aiokube /debug/pprof/profile",
        }
        return orjson.dumps(doc)

    def collapsed(self) -> str:
        frames, stacks = self._frames()
        lines = []
        for ident in self._thread_order():
            sids, weights = self.samples.get(ident, ([], []))
            totals: dict[int, int] = {}
            for sid, w in zip(sids, weights, strict=True):
                totals[sid] = totals.get(sid, 0) + w
            label = self._thread_label(ident)
            for sid, ns in totals.items():
                names = ";".join(frames[fi]["name"] for fi in stacks[sid])
                lines.append(f"{label};{names} {max(1, round(ns / 1000))}")
        lines.sort()
        return "".join(line + "\n" for line in lines)


async def _profile(request: web.Request) -> web.StreamResponse:
    q = request.query
    seconds = _int_param(q, "seconds", DEFAULT_SECONDS, 1, MAX_SECONDS)
    hz = _int_param(q, "hz", DEFAULT_HZ, 1, MAX_HZ)
    fmt = q.get("format", "") or "speedscope"
    if fmt not in ("speedscope", "collapsed"):
        raise BadParam('invalid value for "format" - must be speedscope or collapsed')
    assert seconds is not None and hz is not None
    profiler = CPUProfiler(hz=hz, lines=_flag(q, "lines"))
    try:
        profiler.start()
    except InUse as exc:
        return _error(500, f"Could not enable CPU profiling: {exc}")
    try:
        await asyncio.sleep(seconds)
    finally:
        profiler.stop()
    if fmt == "collapsed":
        text = await asyncio.to_thread(profiler.collapsed)
        return _text(text, "profile.folded")
    body = await asyncio.to_thread(profiler.speedscope)
    resp = web.Response(body=body, content_type="application/json")
    resp.headers["Content-Disposition"] = 'attachment; filename="profile.speedscope.json"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


# --- heap ------------------------------------------------------------------------------------------------

_SCOPE = re.compile(r"([ \t]*)(async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=65536)
def _function_at(filename: str, lineno: int) -> str:
    """The qualname of the function (or class body) around a line, for tracemalloc's file:line frames.

    A scan up the source for the ``def``/``class`` lines indented less than the line: parsing every file
    with ``ast`` costs seconds while tracemalloc traces the parser's allocations.
    """
    lines = linecache.getlines(filename)
    if not 1 <= lineno <= len(lines):
        return "<module>"
    target = lines[lineno - 1]
    indent = len(target) - len(target.lstrip()) if target.strip() else 1 << 30
    names: list[tuple[str, str]] = []
    for i in range(lineno - 2, -1, -1):
        if indent == 0:
            break
        line = lines[i]
        stripped = line.lstrip()
        if not stripped or stripped.startswith(("#", ")", "]", "}")):
            continue  # blank, comment, or the end of a bracketed continuation (``) -> str:``)
        level = len(line) - len(stripped)
        if level >= indent:
            continue
        indent = level
        m = _SCOPE.match(line)
        if m:
            names.append((m.group(2), m.group(3)))
    if not names:
        return "<module>"
    qual = ""
    for kind, name in reversed(names):
        qual += name + ("." if kind == "class" else ".<locals>.")
    return qual.removesuffix(".<locals>.").removesuffix(".")


def _heap_frame(filename: str, lineno: int, source: bool) -> str:
    out = f"    {_frame_name(_function_at(filename, lineno), filename, lineno)}\n"
    if source:
        line = linecache.getline(filename, lineno).strip()
        if line:
            out += f"        {line}\n"
    return out


def _rss() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _take_snapshot(collect: bool) -> tuple[tracemalloc.Snapshot, int | None, tuple[int, int, int]]:
    """A snapshot (after ``gc.collect()`` if asked), and tracemalloc's current, peak and own memory."""
    collected = gcpolicy.collect_all() if collect else None
    snapshot = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    return snapshot, collected, (current, peak, tracemalloc.get_tracemalloc_memory())


#: a group of traces: its frames, most recent first (one for lineno, none but the file for filename)
GroupKey = tuple[tuple[str, int], ...]


def _group(snapshot: tracemalloc.Snapshot, key: str) -> dict[GroupKey, list[int]]:
    """Size and count of the traces per key, in one pass over tracemalloc's raw traces.

    ``Snapshot.statistics`` builds a Traceback and Frames per trace and takes seconds per 100,000 traces;
    this reads the raw ``(domain, size, frames, nframe)`` tuples (frames most recent first) when the
    snapshot has them, and falls back to ``statistics`` otherwise. Traces allocated by tracemalloc.py
    (an earlier snapshot still alive) are left out, as the tracemalloc docs' filter does.
    """
    skip = tracemalloc.__file__
    groups: dict[GroupKey, list[int]] = {}
    raw = getattr(getattr(snapshot, "traces", None), "_traces", None)
    if isinstance(raw, list):
        # keyed by objects the traces already hold: a new tuple per trace would itself be traced
        by: dict[Any, list[int]] = {}
        for trace in raw:
            frames = trace[2]
            if frames and frames[0][0] == skip:
                continue
            if key == "lineno":
                k: Any = frames[0] if frames else None
            elif key == "filename":
                k = frames[0][0] if frames else None
            else:
                k = frames
            group = by.get(k)
            if group is None:
                by[k] = [trace[1], 1]
            else:
                group[0] += trace[1]
                group[1] += 1
        for k, group in by.items():
            if k is None:
                groups[()] = group
            elif key == "lineno":
                groups[(k,)] = group
            elif key == "filename":
                groups[((k, 0),)] = group
            else:
                groups[k] = group
        return groups
    for stat in snapshot.statistics(key):
        k = tuple((f.filename, f.lineno if key != "filename" else 0) for f in reversed(stat.traceback))
        if k and k[0][0] == skip:
            continue
        groups[k] = [stat.size, stat.count]
    return groups


def _heap_report(
    snapshot: tracemalloc.Snapshot,
    base: tracemalloc.Snapshot | None,
    *,
    key: str,
    top: int,
    collected: int | None,
    header: str,
    memory: tuple[int, int, int],
) -> str:
    current, peak, own = memory
    groups = _group(snapshot, key)
    total_size = sum(g[0] for g in groups.values())
    total_count = sum(g[1] for g in groups.values())
    out = [header]
    rss = _rss()
    out.append(
        f"heap profile: tracemalloc, {snapshot.traceback_limit} frames per traceback, grouped by {key}\n"
        f"traced: {_size(total_size)} in {total_count:,} blocks (tracemalloc: {_size(current)} now, peak "
        f"{_size(peak)}, its own memory {_size(own)})" + (f"; process RSS {_size(rss)}\n" if rss is not None else "\n")
    )
    if collected is not None:
        out.append(f"gc.collect() ran first: {collected:,} unreachable objects\n")
    rows: list[tuple[GroupKey, int, int, int, int]] = []  # key, size, count, size diff, count diff
    if base is not None:
        before = _group(base, key)
        for k in groups.keys() | before.keys():
            size, count = groups.get(k, (0, 0))
            old_size, old_count = before.get(k, (0, 0))
            if size != old_size or count != old_count:
                rows.append((k, size, count, size - old_size, count - old_count))
        rows.sort(key=lambda r: (-abs(r[3]), -r[1]))
        grew = sum(r[3] for r in rows)
        out.append(
            f"change over the interval: {'+' if grew >= 0 else ''}{_size(grew)} in "
            f"{sum(r[4] for r in rows):+,} blocks at {len(rows):,} sites\n"
        )
    else:
        rows = [(k, g[0], g[1], 0, 0) for k, g in groups.items()]
        rows.sort(key=lambda r: -r[1])
    shown, rest = rows[:top], rows[top:]
    what = "files" if key == "filename" else "sites"
    out.append(
        f"top {len(shown)} of {len(rows):,} {what} by {'growth' if base is not None else 'size'}; "
        f"the other {len(rest):,} hold {_size(sum(r[1] for r in rest))}\n"
    )
    for rank, (k, size, count, size_diff, count_diff) in enumerate(shown, 1):
        diff = ""
        if base is not None:
            diff = f" ({'+' if size_diff >= 0 else ''}{_size(size_diff)}, {count_diff:+,} blocks)"
        out.append(f"\n#{rank}: {_size(size)} in {count:,} blocks (avg {_size(size / count if count else 0)}){diff}\n")
        if not k:
            out.append("    <unknown>\n")
        elif key == "filename":
            out.append(f"    {k[0][0]}\n")
        elif key == "lineno":
            out.append(_heap_frame(k[0][0], k[0][1], True))
        else:
            out.append("  most recent call first:\n")
            for i, frame in enumerate(k):
                if i and frame == k[i - 1]:
                    continue  # a comprehension's frame and its function's: the same file:line twice
                out.append(_heap_frame(frame[0], frame[1], i == 0))
    return "".join(out)


async def _heap(request: web.Request) -> web.StreamResponse:
    q = request.query
    if _flag(q, "stop"):
        if not tracemalloc.is_tracing():
            return _text("heap profile: tracemalloc was not tracing\n")
        tracemalloc.stop()
        return _text("heap profile: tracemalloc stopped; its traces are freed\n")
    top = _int_param(q, "top", HEAP_TOP, 1, 100_000)
    frames = _int_param(q, "frames", HEAP_FRAMES, 1, 1000)
    seconds = _int_param(q, "seconds", HEAP_SECONDS, 1, HEAP_MAX_SECONDS)
    key = q.get("key", "") or "lineno"
    if key not in ("lineno", "traceback", "filename"):
        raise BadParam('invalid value for "key" - must be lineno, traceback or filename')
    assert top is not None and frames is not None and seconds is not None
    collect = _flag(q, "gc")
    async with _HEAP_LOCK:  # one heap profile at a time: the window of one is not cut short by another
        if tracemalloc.is_tracing():  # traced by someone else (PYTHONTRACEMALLOC): a delta, left running
            return await _heap_listing(key, top, collect, seconds, "", stop=False)
        header = (
            f"tracemalloc was not tracing: this request traced the last {seconds} s ({frames} frames per "
            "traceback) and stopped it again; listed is what those seconds allocated that is still alive\n"
        )
        tracemalloc.start(frames)
        try:
            return await _heap_listing(key, top, collect, None, header, wait=seconds, stop=True)
        finally:
            tracemalloc.stop()  # also when the client left (the handler is cancelled): never left tracing


async def _heap_listing(
    key: str, top: int, collect: bool, seconds: int | None, header: str, *, wait: int = 0, stop: bool
) -> web.StreamResponse:
    """Snapshots ``seconds`` apart (a delta) or one after ``wait``; tracing stops (``stop``) as soon as the
    last snapshot is taken, before the report is built from it in a thread."""
    try:
        base = None
        if seconds is not None:
            base = (await asyncio.to_thread(_take_snapshot, collect))[0]
        await asyncio.sleep(seconds or wait)
        snapshot, collected, memory = await asyncio.to_thread(_take_snapshot, collect)
    except RuntimeError:  # take_snapshot: another request stopped tracing meanwhile
        return _error(500, "heap profile: tracemalloc was stopped while this request waited")
    if stop:
        tracemalloc.stop()  # the allocations of the report itself are not traced, and the process is fast again
    text = await asyncio.to_thread(
        _heap_report, snapshot, base, key=key, top=top, collected=collected, header=header, memory=memory
    )
    return _text(text)


# --- goroutine (asyncio tasks and threads) ---------------------------------------------------------------


def _coro_frames(coro: Any) -> tuple[list[types.FrameType], Any]:
    """A suspended coroutine's frames, outermost first, following ``await`` down to what it waits on."""
    frames: list[types.FrameType] = []
    seen = 0
    while coro is not None and seen < MAX_DEPTH:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:
            if isinstance(coro, types.CoroutineType | types.GeneratorType | types.AsyncGeneratorType):
                return frames, None  # finished
            return frames, coro  # a future (or another awaitable without frames)
        frames.append(frame)
        inner = getattr(coro, "cr_await", None)
        if inner is None:
            inner = getattr(coro, "gi_yieldfrom", None)
        if inner is None:
            inner = getattr(coro, "ag_await", None)
        coro = inner
    return frames, None


def _running_frames(coro: Any) -> list[types.FrameType]:
    """The stack of the running task (this request), from its coroutine to here."""
    top = getattr(coro, "cr_frame", None)
    frames = []
    f: types.FrameType | None = sys._getframe(1)
    while f is not None:
        frames.append(f)
        if f is top:
            break
        f = f.f_back
    return frames[::-1]


def _stack_text(frames: Iterable[tuple[str, int, str]]) -> str:
    out = []
    for filename, lineno, qualname in frames:
        out.append(f'  File "{filename}", line {lineno}, in {qualname}\n')
        line = linecache.getline(filename, lineno).strip()
        if line:
            out.append(f"    {line}\n")
    return "".join(out)


def _describe(frames: list[types.FrameType]) -> tuple[tuple[str, int, str], ...]:
    # f_lineno is None in a frame that has not started (a task whose coroutine has not run yet)
    return tuple((f.f_code.co_filename, f.f_lineno or f.f_code.co_firstlineno, f.f_code.co_qualname) for f in frames)


def _awaiting(leaf: Any) -> str:
    if leaf is None:
        return ""
    if isinstance(leaf, asyncio.Task):
        return f"awaiting task {leaf.get_name()!r}"
    text = repr(leaf)
    return "awaiting " + (text if len(text) <= 200 else text[:197] + "...")


def _goroutine_dump(debug: int) -> str:
    me = asyncio.current_task()
    tasks = sorted(asyncio.all_tasks(), key=lambda t: t.get_name())
    threads = sys._current_frames()
    out = [f"goroutine profile: total {len(tasks)} asyncio tasks on this event loop, {len(threads)} threads\n"]
    groups: dict[tuple[Any, ...], list[asyncio.Task[Any]]] = {}
    details = []
    for task in tasks:
        coro = task.get_coro()
        if task is me:
            frames, leaf, state = _running_frames(coro), None, "running: this request"
        else:
            frames, leaf = _coro_frames(coro)
            # ``await future`` leaves a C FutureIter at the end of the chain; the task knows the future
            waiter = getattr(task, "_fut_waiter", None)
            if waiter is not None:
                leaf = waiter
            state = "pending" if not task.done() else ("cancelled" if task.cancelled() else "done")
        described = _describe(frames)
        awaiting = _awaiting(leaf)
        if debug >= 2:
            coro_name = getattr(coro, "__qualname__", type(coro).__name__)
            details.append(
                f"\ntask {task.get_name()!r} [{state}] coro {coro_name}:\n"
                + _stack_text(described)
                + (f"  {awaiting}\n" if awaiting else "")
            )
        else:
            groups.setdefault((described, type(leaf).__name__ if leaf is not None else "", state), []).append(task)
    if debug >= 2:
        out.extend(details)
    else:
        for (described, leaf_type, state), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            names = ", ".join(repr(t.get_name()) for t in members[:5]) + (", ..." if len(members) > 5 else "")
            waits = f", awaiting a {leaf_type}" if leaf_type else ""
            out.append(f"\n{len(members)} task{'s' if len(members) != 1 else ''} [{state}{waits}]: {names}\n")
            out.append(_stack_text(described))
    out.append("\n")
    active = getattr(threading, "_active", {})
    loop_ident = threading.get_ident()
    for ident, frame in threads.items():
        thread = active.get(ident)
        name = getattr(thread, "name", None) or "(not started by threading)"
        native = getattr(thread, "native_id", None)
        what = " (event loop)" if ident == loop_ident else ""
        frames: list[types.FrameType] = []
        f: types.FrameType | None = frame
        while f is not None and len(frames) < MAX_DEPTH:
            frames.append(f)
            f = f.f_back
        out.append(f"\nthread {name!r} ident {ident} native id {native}{what}:\n")
        out.append(_stack_text(_describe(frames[::-1])))
    return "".join(out)


async def _goroutine(request: web.Request) -> web.StreamResponse:
    try:
        debug = int(request.query.get("debug", "1"))
    except ValueError:
        debug = 0
    return _text(_goroutine_dump(debug))


# --- index and cmdline -----------------------------------------------------------------------------------


async def _cmdline(request: web.Request) -> web.StreamResponse:
    return _text("\x00".join(getattr(sys, "orig_argv", sys.argv)))


_DESCRIPTIONS = {
    "cmdline": "The command line invocation of the current program",
    "goroutine": (
        "Stack traces of all current asyncio tasks (each down to the future it waits on) and of all threads. "
        "Tasks with the same stack are grouped; use debug=2 as a query parameter to list every task. "
        "Also served as tasks."
    ),
    "heap": (
        "tracemalloc's top allocation sites of live objects (top=, default 50; key=lineno, traceback or "
        "filename). You can specify the gc GET parameter to run GC before taking the snapshot, seconds= for "
        "what grows during that many seconds, stop=1 to stop tracing. The first request starts tracing; the "
        "next one shows what was allocated since."
    ),
    "profile": (
        "CPU profile of all threads, weighted by CPU time. You can specify the duration in the seconds GET "
        "parameter (default 30, at most 300). format=speedscope (default; open it in https://www.speedscope.app) "
        "or format=collapsed (flamegraph.pl); lines=1 for a frame per line; hz= for the sampling rate."
    ),
}
_LINKS = {"cmdline": "cmdline", "goroutine": "goroutine?debug=1", "heap": "heap", "profile": "profile?seconds=30"}


async def _index(request: web.Request) -> web.StreamResponse:
    counts = {
        "cmdline": "",
        "goroutine": str(len(asyncio.all_tasks())),
        "heap": _size(tracemalloc.get_traced_memory()[0]) if tracemalloc.is_tracing() else "off",
        "profile": "busy" if _current is not None else "",
    }
    rows = "".join(
        f"<tr><td>{html.escape(counts[n])}</td><td><a href='{_LINKS[n]}'>{n}</a></td></tr>\n" for n in _DESCRIPTIONS
    )
    items = "".join(
        f"<li><div class=profile-name>{n}: </div> {html.escape(d)}</li>\n" for n, d in _DESCRIPTIONS.items()
    )
    page = f"""<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{{
\tdisplay:inline-block;
\twidth:6rem;
}}
</style>
</head>
<body>
/debug/pprof/
<br>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
{rows}</table>
<a href="goroutine?debug=2">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
{items}</ul>
</p>
</body>
</html>
"""
    resp = web.Response(text=page, content_type="text/html", charset="utf-8")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


_HANDLERS = {
    "": _index,
    "cmdline": _cmdline,
    "goroutine": _goroutine,
    "tasks": _goroutine,
    "heap": _heap,
    "profile": _profile,
}
