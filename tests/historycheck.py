"""An independent history checker for fault tests: it knows HTTP, kube's list/watch protocol and etcd's own
history (read with ``etcdctl``, not through aiokube), nothing of aiokube's code.

- :class:`Watcher`: a client as client-go's reflector is one — LIST, then WATCH from the list's
  resourceVersion; when a stream ends or a connection breaks it resumes from the last resourceVersion it saw
  (on the next replica), and relists on 410 Gone. It logs every list and event.
- :class:`Writer`: creates, patches and deletes its own ConfigMaps; logs each acknowledged write (2xx) with the
  resourceVersion it was answered.
- :func:`etcd_history` / :func:`etcd_state`: the keys' events and state from etcd itself (``etcdctl watch``
  from a revision, ``etcdctl get --rev``).
- :func:`check`: between two lists, a watcher's events must be exactly etcd's events of that range, in order
  (nothing lost, duplicated or reordered, per key and overall); each list must equal etcd's state at its
  revision; each watcher's final state must equal etcd's; each acknowledged write must be in etcd's history.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

#: etcd's view of one event: (revision, name, "ADDED" | "MODIFIED" | "DELETED")
Event = tuple[int, str, str]


@dataclass
class Segment:
    """One LIST and the events that followed it until the next LIST."""

    list_rv: int
    items: dict[str, int]
    events: list[Event] = field(default_factory=list)
    #: the last resourceVersion seen (event or bookmark)
    last_rv: int = 0


class Watcher:
    """List, then watch, resume and relist (see the module docstring) until it has seen ``target`` or is
    cancelled."""

    def __init__(self, name: str, urls: list[str], namespace: str, start: int) -> None:
        self.name = name
        self.urls = urls
        self.path = f"/api/v1/namespaces/{namespace}/configmaps"
        self.turn = start
        self.segments: list[Segment] = []
        self.state: dict[str, tuple[int, dict[str, str]]] = {}
        self.rv = 0
        self.target = 0
        self.reached = asyncio.Event()
        self.resumes = 0
        self.relists = 0
        #: cleared to make the watcher lag: it stops reading (its connection stays open) until set again
        self.reading = asyncio.Event()
        self.reading.set()
        #: when each event arrived (monotonic), to see whether a stalled neighbour delayed this watcher
        self.arrivals: list[tuple[int, float]] = []

    def _url(self) -> str:
        return self.urls[self.turn % len(self.urls)]

    def _next_replica(self) -> None:
        self.turn += 1

    def _advance(self, rv: int) -> None:
        self.rv = max(self.rv, rv)
        self.segments[-1].last_rv = self.rv
        if self.target and self.rv >= self.target:
            self.reached.set()

    async def _list(self, session: aiohttp.ClientSession) -> None:
        while True:
            try:
                async with session.get(self._url() + self.path) as resp:
                    if resp.status == 200:
                        body = await resp.json()
                        break
            except (aiohttp.ClientError, TimeoutError):
                pass
            self._next_replica()
            await asyncio.sleep(0.1)
        rv = int(body["metadata"]["resourceVersion"])
        self.state = {
            o["metadata"]["name"]: (int(o["metadata"]["resourceVersion"]), o.get("data") or {}) for o in body["items"]
        }
        self.segments.append(Segment(rv, {n: v[0] for n, v in self.state.items()}))
        self.rv = rv
        self._advance(rv)

    async def run(self, session: aiohttp.ClientSession) -> None:
        await self._list(session)
        while True:
            query = f"watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={self.rv}"
            url = f"{self._url()}{self.path}?{query}"
            gone = False
            try:
                async with session.get(url) as resp:
                    if resp.status == 410:
                        gone = True
                    elif resp.status == 200:
                        async for line in resp.content:
                            await self.reading.wait()
                            if not line.strip():
                                continue
                            frame = json.loads(line)
                            kind, obj = frame["type"], frame["object"]
                            if kind == "ERROR":
                                gone = obj.get("code") == 410
                                break
                            rv = int(obj["metadata"]["resourceVersion"])
                            if kind != "BOOKMARK":
                                name = obj["metadata"]["name"]
                                self.segments[-1].events.append((rv, name, kind))
                                self.arrivals.append((rv, time.monotonic()))
                                if kind == "DELETED":
                                    self.state.pop(name, None)
                                else:
                                    self.state[name] = (rv, obj.get("data") or {})
                            self._advance(rv)
            except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError):
                pass
            await self.reading.wait()
            if gone:
                self.relists += 1
                await self._list(session)
            else:
                self.resumes += 1
                self._next_replica()
                await asyncio.sleep(0.05)


class Writer:
    """Cycles over its own keys: create, patch, patch, delete; every acknowledged write is logged."""

    def __init__(self, name: str, urls: list[str], namespace: str, keys: int = 5, payload: int = 0) -> None:
        self.name = name
        #: bytes of filler in each created object (large events fill a stalled reader's buffers sooner)
        self.filler = "x" * payload
        self.urls = urls
        self.path = f"/api/v1/namespaces/{namespace}/configmaps"
        self.keys = [f"{name}-k{i}" for i in range(keys)]
        self.turn = 0
        #: acknowledged writes: (op, name, resourceVersion or 0 for deletes, monotonic time)
        self.acked: list[tuple[str, str, int, float]] = []
        self.failed = 0
        #: every answer's status (0: no answer), for the report
        self.statuses: Counter[int] = Counter()
        #: set to stop after the request in flight (a cancelled one could commit after the checker's last write)
        self.stop = False

    async def _send(self, session: aiohttp.ClientSession, method: str, path: str, body: Any, ctype: str) -> Any:
        """One request on the current replica (the next one after a connection error); (status, json)."""
        try:
            async with session.request(
                method, self.urls[self.turn % len(self.urls)] + path, json=body, headers={"Content-Type": ctype}
            ) as resp:
                return resp.status, await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError):
            self.turn += 1
            return 0, None

    async def run(self, session: aiohttp.ClientSession) -> None:
        step = 0
        while not self.stop:
            key = self.keys[(step // 4) % len(self.keys)]
            phase = step % 4
            step += 1
            if phase == 0:
                data = {"v": str(step), "f": self.filler} if self.filler else {"v": str(step)}
                body = {"metadata": {"name": key}, "data": data}
                status, obj = await self._send(session, "POST", self.path, body, "application/json")
                op = "create"
            elif phase in (1, 2):
                patch = {"data": {"v": str(step)}}
                status, obj = await self._send(session, "PATCH", f"{self.path}/{key}", patch,
                                               "application/merge-patch+json")  # fmt: skip
                op = "patch"
            else:
                status, obj = await self._send(session, "DELETE", f"{self.path}/{key}", None, "application/json")
                op = "delete"
            self.statuses[status] += 1
            if 200 <= status < 300:
                rv = int(obj["metadata"]["resourceVersion"]) if op != "delete" else 0
                self.acked.append((op, key, rv, time.monotonic()))
            elif status not in (404, 409):  # 404/409: an earlier write whose answer was lost did commit (or not)
                self.failed += 1


# --- etcd's side -----------------------------------------------------------------------------------------


async def etcd_history(etcdctl: str, endpoints: str, prefix: str, after: int, until: int) -> list[tuple[Event, dict]]:
    """etcd's events under ``prefix`` with revisions in (after, until], each with its value (None for deletes)."""
    proc = await asyncio.create_subprocess_exec(
        etcdctl, "--endpoints", endpoints, "watch", "--prefix", prefix, "--rev", str(after + 1), "-w", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, limit=1 << 26,
    )  # fmt: skip
    assert proc.stdout is not None
    out: list[tuple[Event, dict]] = []
    try:
        async with asyncio.timeout(30):
            while not out or out[-1][0][0] < until:
                line = await proc.stdout.readline()
                if not line:
                    raise AssertionError("etcdctl watch ended early")
                with contextlib.suppress(json.JSONDecodeError):
                    resp = json.loads(line)
                    for ev in resp.get("Events") or []:
                        kv = ev["kv"]
                        name = base64.b64decode(kv["key"]).decode()[len(prefix) :]
                        rev = int(kv["mod_revision"])
                        if ev.get("type") == 1:
                            out.append(((rev, name, "DELETED"), {}))
                        else:
                            kind = "ADDED" if int(kv["create_revision"]) == rev else "MODIFIED"
                            value = json.loads(base64.b64decode(kv["value"]))
                            out.append(((rev, name, kind), value.get("data") or {}))
    finally:
        proc.kill()
        await proc.wait()
    return [e for e in out if e[0][0] <= until]


async def etcd_state(etcdctl: str, endpoints: str, prefix: str, rev: int) -> dict[str, tuple[int, dict]]:
    proc = await asyncio.create_subprocess_exec(
        etcdctl, "--endpoints", endpoints, "get", "--prefix", prefix, "--rev", str(rev), "-w", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    state = {}
    for kv in json.loads(out).get("kvs") or []:
        name = base64.b64decode(kv["key"]).decode()[len(prefix) :]
        state[name] = (int(kv["mod_revision"]), json.loads(base64.b64decode(kv["value"])).get("data") or {})
    return state


# --- the check ---------------------------------------------------------------------------------------------


@dataclass
class Report:
    events_checked: int = 0
    lists_checked: int = 0
    acked_checked: int = 0
    violations: list[str] = field(default_factory=list)


def _state_at(initial: dict[str, tuple[int, dict]], history: list[tuple[Event, dict]], rev: int) -> dict[str, int]:
    state = {n: v[0] for n, v in initial.items()}
    for (r, name, kind), _ in history:
        if r > rev:
            break
        if kind == "DELETED":
            state.pop(name, None)
        else:
            state[name] = r
    return state


def check(
    watchers: list[Watcher],
    writers: list[Writer],
    initial: dict[str, tuple[int, dict]],
    history: list[tuple[Event, dict]],
    final: dict[str, tuple[int, dict]],
    until: int,
) -> Report:
    report = Report()
    v = report.violations
    events = [e for e, _ in history]
    for w in watchers:
        for i, seg in enumerate(w.segments):
            report.lists_checked += 1
            want_items = _state_at(initial, history, seg.list_rv)
            if seg.items != want_items:
                v.append(f"{w.name}: list at {seg.list_rv} differs from etcd: {seg.items} != {want_items}")
            end = until if i == len(w.segments) - 1 else seg.last_rv
            want = [e for e in events if seg.list_rv < e[0] <= end]
            got = [e for e in seg.events if e[0] <= end]
            report.events_checked += len(got)
            if got == want:
                continue
            got_count, want_count = Counter(got), Counter(want)
            for e in want_count - got_count:
                v.append(f"{w.name}: lost {e} (segment from list at {seg.list_rv})")
            for e, n in got_count.items():
                if n > 1:
                    v.append(f"{w.name}: {e} delivered {n} times")
            for e in got_count - want_count:
                if e not in want_count:
                    v.append(f"{w.name}: {e} is not in etcd's history")
            order = [e[0] for e in got]
            if order != sorted(order):
                v.append(f"{w.name}: events out of revision order after list at {seg.list_rv}")
        mine = {n: s for n, s in w.state.items() if s[0] <= until}
        if mine != final:
            diff = {n for n in set(mine) | set(final) if mine.get(n) != final.get(n)}
            v.append(f"{w.name}: final state differs from etcd's for {sorted(diff)[:10]}")
    puts = {(r, n) for r, n, k in events if k != "DELETED"}
    deletes: dict[str, list[int]] = {}
    for r, n, k in events:
        if k == "DELETED":
            deletes.setdefault(n, []).append(r)
    for writer in writers:
        acked = writer.acked
        for i, (op, name, rv, _) in enumerate(acked):
            report.acked_checked += 1
            if op != "delete":
                if (rv, name) not in puts:
                    v.append(f"{writer.name}: acknowledged {op} of {name} at {rv} is not in etcd's history")
                continue
            # a delete: etcd deleted the key after the acknowledged write before it and before the one after it
            before = max((r for o, n, r, _ in acked[:i] if n == name and o != "delete"), default=0)
            after = min((r for o, n, r, _ in acked[i + 1 :] if n == name and o != "delete"), default=until + 1)
            if not any(before < r < after for r in deletes.get(name, [])):
                v.append(f"{writer.name}: acknowledged delete of {name} (after {before}) is not in etcd's history")
    return report


# --- a load run: writers and watchers on replicas, faults injected by the caller, then the check -------------


async def etcd_revision(etcdctl: str, endpoints: str) -> int:
    """etcd's current revision (the header of a range of a key nobody writes)."""
    proc = await asyncio.create_subprocess_exec(
        etcdctl, "--endpoints", endpoints, "get", "/historycheck/none", "-w", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    return int(json.loads(out)["header"]["revision"])


async def diverged_members(etcdctl: str, endpoints: str, tries: int = 10) -> str:
    """Empty when etcd's members reach one revision (writes have stopped); else what each says. A member that stays
    behind lost applied writes in a crash: etcd 3.5.0-3.5.2's crash-consistency bug (etcd-io/etcd#13766; the
    embedded etcd is 3.5.1). Named when watchers wait in vain, so such a failure does not pass for aiokube's."""
    revisions: list[int] = []
    for _ in range(tries):
        revisions = []
        for url in endpoints.split(","):
            proc = await asyncio.create_subprocess_exec(
                etcdctl, "--endpoints", url, "--command-timeout=2s", "endpoint", "status", "-w", "json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            out, _ = await proc.communicate()
            revisions.append(int(json.loads(out)[0]["Status"]["header"]["revision"]) if proc.returncode == 0 else -1)
        if len(set(revisions)) == 1:
            return ""
        await asyncio.sleep(0.3)
    return f"etcd members' revisions differ for good: {revisions} (etcd-io/etcd#13766 in etcd < 3.5.3?)"


class Load:
    """``async with Load(...) as load``: a namespace, ``watchers`` watchers and ``writers`` writers spread over
    ``urls`` (each moves to the next URL when its replica fails: a client-side list); the caller injects its
    faults meanwhile (``load.faults`` names them) and calls ``await load.finish(title)``, which stops the writers,
    writes a last object every watcher must reach, reads etcd's history and checks it; it returns the report
    line and fails on a violation. ``save_history()`` reads etcd's history so far (call it before compacting)."""

    def __init__(self, etcdctl: str, endpoints: str, urls: list[str], namespace: str, *, watchers: int = 6,
                 writers: int = 4, writer_urls: list[str] | None = None, payload: int = 0) -> None:  # fmt: skip
        self.etcdctl, self.endpoints, self.urls, self.namespace = etcdctl, endpoints, urls, namespace
        self.prefix = f"/registry/configmaps/{namespace}/"
        self.watchers = [Watcher(f"watcher-{i}", urls, namespace, i) for i in range(watchers)]
        self.writers = [Writer(f"w{i}", writer_urls or urls, namespace, payload=payload) for i in range(writers)]
        self.faults: list[str] = []
        self.history: list[tuple[Event, dict]] = []
        self._marks = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._write_tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Load:
        self.watch_session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=2), connector=aiohttp.TCPConnector(limit=0)
        )
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15, sock_connect=2))
        try:
            await self._start()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def _start(self) -> None:
        async with self.session.post(self.urls[0] + "/api/v1/namespaces",
                                     json={"metadata": {"name": self.namespace}}) as resp:  # fmt: skip
            assert resp.status == 201, await resp.text()
        self.start_rev = self.saved_rev = await etcd_revision(self.etcdctl, self.endpoints)
        self.initial = await etcd_state(self.etcdctl, self.endpoints, self.prefix, self.start_rev)
        self._tasks = [asyncio.create_task(w.run(self.watch_session)) for w in self.watchers]
        self._write_tasks = [asyncio.create_task(w.run(self.session)) for w in self.writers]
        self.started = time.monotonic()

    async def __aexit__(self, *exc: object) -> None:
        for task in [*self._tasks, *self._write_tasks]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._write_tasks, return_exceptions=True)
        await self.watch_session.close()
        await self.session.close()

    def acked(self) -> int:
        return sum(len(w.acked) for w in self.writers)

    async def acked_grows(self, n: int, timeout: float = 60.0) -> None:
        """``n`` more acknowledged writes (the load is held)."""
        target = self.acked() + n
        async with asyncio.timeout(timeout):
            while self.acked() < target:  # noqa: ASYNC110 - polling counters the writers bump
                await asyncio.sleep(0.05)

    async def mark(self) -> int:
        """Create one object through the first URL that answers; its resourceVersion."""
        self._marks += 1
        body = {"metadata": {"name": f"zz-mark-{self._marks}"}}
        async with asyncio.timeout(60):
            while True:
                for url in self.urls:
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                        async with self.session.post(f"{url}/api/v1/namespaces/{self.namespace}/configmaps",
                                                     json=body) as resp:  # fmt: skip
                            if resp.status == 201:
                                return int((await resp.json())["metadata"]["resourceVersion"])
                await asyncio.sleep(0.2)

    async def save_history(self) -> int:
        """etcd's history up to a new mark (before a compaction removes it); the mark's revision."""
        rev = await self.mark()
        self.history += await etcd_history(self.etcdctl, self.endpoints, self.prefix, self.saved_rev, rev)
        self.saved_rev = rev
        return rev

    async def finish(self, title: str, reach_timeout: float = 90.0) -> tuple[str, Report]:
        for w in self.writers:
            w.stop = True
        await asyncio.gather(*self._write_tasks)
        elapsed = time.monotonic() - self.started
        until = await self.mark()  # the last write: every watcher must get to it
        for w in self.watchers:
            w.reading.set()
            w.target = until
            if w.rv >= until:
                w.reached.set()
        try:
            await asyncio.wait_for(asyncio.gather(*(w.reached.wait() for w in self.watchers)), reach_timeout)
        except TimeoutError:
            late = [f"{w.name} at {w.rv}" for w in self.watchers if not w.reached.is_set()]
            etcd = await diverged_members(self.etcdctl, self.endpoints)
            raise AssertionError(f"{title}: watchers did not reach {until}: {late} {etcd}") from None
        self.history += await etcd_history(self.etcdctl, self.endpoints, self.prefix, self.saved_rev, until)
        final = await etcd_state(self.etcdctl, self.endpoints, self.prefix, until)
        report = check(self.watchers, self.writers, self.initial, self.history, final, until)
        times = sorted(t for w in self.writers for *_, t in w.acked)
        stall = max((b - a for a, b in itertools.pairwise(times)), default=0.0)
        acked, watchers = self.acked(), self.watchers
        line = (
            f"{title}: load held {acked} acknowledged writes in {elapsed:.1f} s ({acked / elapsed:.0f}/s, "
            f"{sum(w.failed for w in self.writers)} failed, longest stall {stall:.2f} s); faults injected "
            f"{len(self.faults)} ({', '.join(self.faults)}); events checked {report.events_checked} "
            f"({len(watchers)} watchers, {sum(w.resumes for w in watchers)} resumes, "
            f"{sum(w.relists for w in watchers)} relists, {report.lists_checked} lists, {len(self.history)} etcd "
            f"events); acknowledged writes checked {report.acked_checked}; violations {len(report.violations)}"
        )
        assert not report.violations, line + "\n" + "\n".join(report.violations[:50])
        assert report.events_checked >= len(watchers) * 50, line  # the checker saw the load
        return line, report
