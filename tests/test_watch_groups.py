"""Watcher groups change no byte of any watch stream.

Two ``aiokube serve`` processes share one etcd: one with groups off (``AIOKUBE_WATCH_GROUPS=0``: every
watcher on its own direct path), one with groups on. Both watch caches see the same etcd history, so a
watch from the same resourceVersion with the same selector and encoding must carry the same body on both
(HTTP chunk boundaries aside) — whether the watcher was grouped from the start, joined its group after
replaying a backlog, or fell behind, left its group and rejoined.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiokube.apiserver.server import APIServer
from aiokube.apiserver.transport import groupsink
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.watchcache.cacher import Cacher
from tests import rawwatch
from tests.conftest import API
from tests.serverproc import ServerProcess, start_server

PROTOBUF = "application/vnd.kubernetes.protobuf;stream=watch"


@pytest.fixture(scope="module")
def pair(etcd: EmbeddedEtcd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """(groups off, groups on), both on the session's etcd."""
    base = tmp_path_factory.mktemp("groups")
    flags = ("--etcd-servers", etcd.client_url, "--etcd-compaction-interval", "0")
    plain = start_server(base / "plain", *flags, env={"AIOKUBE_WATCH_GROUPS": "0"})
    grouped = start_server(base / "grouped", *flags, env={"AIOKUBE_WATCH_GROUPS": "1"})
    yield plain, grouped
    for srv in (plain, grouped):
        assert srv.stop() == 0
        assert "Traceback" not in srv.log.read_text(), srv.log.read_text()[-4000:]


async def _call(session: aiohttp.ClientSession, url: str, method: str, path: str, body: object = None) -> dict:
    async with session.request(method, url + path, json=body) as resp:
        assert resp.status < 300 or resp.status in (404, 409), (method, path, resp.status, await resp.text())
        return await resp.json(content_type=None)  # type: ignore[no-any-return]


async def _grouped_watchers(session: aiohttp.ClientSession, url: str) -> float:
    async with session.get(url + "/metrics") as resp:
        text = await resp.text()
    for line in text.splitlines():
        if line.startswith("apiserver_watch_cache_grouped_watchers{") and 'resource="configmaps"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _until_grouped(session: aiohttp.ClientSession, url: str, want: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while (have := await _grouped_watchers(session, url)) != want:
        assert time.monotonic() < deadline, f"{have} grouped watchers, expected {want}"
        await asyncio.sleep(0.02)


class Reader:
    """A watch on a bare socket whose body (chunk framing removed) is read until a token appears in it."""

    def __init__(self, url: str, path: str, accept: str, rcvbuf: int = 0) -> None:
        self.url, self.path, self.accept, self.rcvbuf = url, path, accept, rcvbuf
        self.body = bytearray()
        self.go = asyncio.Event()  # reading starts once set (a client that does not read meanwhile)
        self.go.set()

    async def open(self) -> None:
        self.reader, self.writer, _ = await rawwatch.open_watch(self.url, self.path, rcvbuf=self.rcvbuf,
                                                                accept=self.accept)  # fmt: skip
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n", 1)[0], head

    async def read_until(self, token: bytes) -> bytes:
        await self.go.wait()
        while token not in self.body:
            size = int((await self.reader.readline()).strip(), 16)
            assert size, "the stream ended before the token"
            self.body += (await self.reader.readexactly(size + 2))[:-2]
        return bytes(self.body)


SELECTORS = ["", "&labelSelector=app%3Da", "&labelSelector=app+in+%28a%2Cb%29", "&fieldSelector=metadata.name%3Dcm-1"]
ops_strategy = st.lists(
    # (operation, which object, its label app=, 10**n bytes of data)
    st.tuples(
        st.sampled_from(["create", "update", "delete"]), st.integers(0, 3), st.sampled_from("abc"), st.integers(0, 3)
    ),
    min_size=1,
    max_size=25,
)
watch_strategy = st.lists(
    st.tuples(
        st.sampled_from(SELECTORS),
        st.sampled_from(["application/json", PROTOBUF]),
        st.booleans(),  # all namespaces
        st.integers(0, 25),  # the late grouped watcher starts before this op (from the same resourceVersion)
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=ops_strategy, watches=watch_strategy)
def test_grouped_streams_equal_ungrouped_ones(
    pair: tuple[ServerProcess, ServerProcess], ops: list, watches: list
) -> None:
    asyncio.run(_same_streams(*pair, ops, watches))


async def _same_streams(plain: ServerProcess, grouped: ServerProcess, ops: list, watches: list) -> None:
    ns = f"g-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        await _call(session, plain.url, "POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
        base = f"/api/v1/namespaces/{ns}/configmaps"
        rv = (await _call(session, plain.url, "GET", base))["metadata"]["resourceVersion"]
        readers: list[list[Reader]] = []
        late: list[tuple[int, Reader]] = []
        for selector, accept, cluster_wide, late_at in watches:
            where = "/api/v1/configmaps" if cluster_wide else base
            path = f"{where}?watch=1&resourceVersion={rv}{selector}"
            group = [Reader(url, path, accept) for url in (plain.url, grouped.url, grouped.url)]
            readers.append(group)
            late.append((min(late_at, len(ops) - 1), group[2]))
        try:
            await _run(session, plain, grouped, base, ops, readers, late, len(watches))
        finally:
            for group in readers:
                for r in group:
                    if hasattr(r, "writer"):
                        rawwatch.reset(r.writer)
        await _call(session, plain.url, "DELETE", f"/api/v1/namespaces/{ns}")
    for (selector, accept, cluster_wide, _), group in zip(watches, readers, strict=True):
        assert group[0].body == group[1].body == group[2].body, (selector, accept, cluster_wide)


async def _run(
    session: aiohttp.ClientSession,
    plain: ServerProcess,
    grouped: ServerProcess,
    base: str,
    ops: list,
    readers: list[list[Reader]],
    late: list[tuple[int, Reader]],
    specs: int,
) -> None:
    early = [r for group in readers for r in group[:2]]
    await asyncio.gather(*(r.open() for r in early))
    token = f"end-{uuid.uuid4().hex[:8]}"
    reads = [asyncio.create_task(r.read_until(token.encode())) for r in early]
    for i, (op, n, app, size) in enumerate(ops):
        for at, reader in late:
            if at == i:
                await reader.open()
                reads.append(asyncio.create_task(reader.read_until(token.encode())))
        url = plain.url if i % 2 else grouped.url  # writes through both: own writes and others'
        body = {"metadata": {"name": f"cm-{n}", "labels": {"app": app}}, "data": {"v": "x" * (10**size)}}
        if op == "create":
            await _call(session, url, "POST", base, body)
        elif op == "update":
            await _call(session, url, "PUT", f"{base}/cm-{n}", body)
        else:
            await _call(session, url, "DELETE", f"{base}/cm-{n}")
    # the token ends every stream: cm-1 made anew, matching every selector above
    await _call(session, plain.url, "DELETE", f"{base}/cm-1")
    end = {"metadata": {"name": "cm-1", "labels": {"app": "a"}}, "data": {"end": token}}
    await _call(session, plain.url, "POST", base, end)
    async with asyncio.timeout(30):
        await asyncio.gather(*reads)
    # caught up, every watcher on the groups-on server is in a group (whether it was before is up to when
    # its cache reached the watch's resourceVersion)
    await _until_grouped(session, grouped.url, 2 * specs)


# --- in the suite's server: leaving and rejoining a group ------------------------------------------------


def _group_members(cacher: Cacher, ns: str) -> int:
    return sum(len(g.members) for g in cacher.groups.values() if g.namespace == ns)


async def _open(server: APIServer, path: str, grouped: bool, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Reader:
    monkeypatch.setattr(groupsink, "GROUPS", grouped)  # read when a watch starts
    reader = Reader(server.url, path, "application/json", **kw)
    await reader.open()
    return reader


def _frames(body: bytes) -> list[dict]:
    return [orjson.loads(line) for line in body.splitlines()]


async def test_members_leave_for_bookmarks_and_rejoin(
    server: APIServer, api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bookmark takes a member out of its group (the group's unwritten frames first); its next park puts it
    back. Event frames are those of a watcher that was never grouped; bookmarks never go backwards."""
    cacher = server.cachers[("", "configmaps")]
    monkeypatch.setattr(cacher.config, "bookmark_frequency", 0.2)
    left: list[Any] = []
    left_group = cacher.groups._left

    def counting(group: Any, w: Any) -> None:
        left.append(w)
        left_group(group, w)

    monkeypatch.setattr(cacher.groups, "_left", counting)  # taken by the groups made from here on
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await api.get(base)
    rv = lst["metadata"]["resourceVersion"]
    path = f"{base}?watch=1&allowWatchBookmarks=true&labelSelector=app%3Da&resourceVersion={rv}"
    plain = await _open(server, path, False, monkeypatch)
    members = [await _open(server, path, True, monkeypatch) for _ in range(3)]
    await api.post(base, {"metadata": {"name": "first", "labels": {"app": "a"}}})
    reads = [asyncio.create_task(r.read_until(b'"last"')) for r in [plain, *members]]
    for i in range(150):  # ~3 s: bookmarks come every ~0.25 s, when the cache is past the last event matched
        app = "a" if i % 3 == 0 else "b"
        await api.post(base, {"metadata": {"name": f"cm-{i}", "labels": {"app": app}}, "data": {"i": str(i)}})
        await asyncio.sleep(0.01)
    await api.post(base, {"metadata": {"name": "last", "labels": {"app": "a"}}})
    async with asyncio.timeout(10):
        await asyncio.gather(*reads)
    assert len(left) >= 6, "members did not leave their group for bookmarks"
    events = [f for f in _frames(plain.body) if f["type"] != "BOOKMARK"]
    for r in members:
        frames = _frames(r.body)
        assert [f for f in frames if f["type"] != "BOOKMARK"] == events
        assert any(f["type"] == "BOOKMARK" for f in frames)
        rvs = [int(f["object"]["metadata"]["resourceVersion"]) for f in frames]
        assert rvs == sorted(rvs), "a bookmark went backwards or overtook an event"
    deadline = time.monotonic() + 5
    while _group_members(cacher, ns) != 3:
        assert time.monotonic() < deadline, "members did not rejoin"
        await asyncio.sleep(0.01)
    for r in [plain, *members]:
        rawwatch.reset(r.writer)


async def test_a_member_that_falls_behind_leaves_and_catches_up(
    server: APIServer, api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member whose connection backs up leaves (the others go on without waiting), reads everything once
    its client reads again, and rejoins when caught up."""
    cacher = server.cachers[("", "configmaps")]
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await api.get(base)
    path = f"{base}?watch=1&resourceVersion={lst['metadata']['resourceVersion']}"
    plain = await _open(server, path, False, monkeypatch)
    fast = await _open(server, path, True, monkeypatch)
    slow = await _open(server, path, True, monkeypatch, rcvbuf=4096)
    slow.go.clear()
    await api.post(base, {"metadata": {"name": "first"}})
    reads = [asyncio.create_task(r.read_until(b'"last"')) for r in (plain, fast, slow)]
    deadline = time.monotonic() + 5
    while _group_members(cacher, ns) != 2:
        assert time.monotonic() < deadline, "the two members never joined"
        await asyncio.sleep(0.01)
    data = {"v": "x" * 100_000}
    for i in range(400):
        await api.post(base, {"metadata": {"name": f"cm-{i}"}, "data": data})
        if _group_members(cacher, ns) < 2:
            break
    else:
        raise AssertionError("the member that does not read never left its group")
    assert not slow.body and len(fast.body) > 1_000_000  # the fast one was not held back
    slow.go.set()
    for j in range(5):
        await api.post(base, {"metadata": {"name": f"after-{j}"}, "data": data})
    await api.post(base, {"metadata": {"name": "last"}})
    async with asyncio.timeout(20):
        await asyncio.gather(*reads)
    assert plain.body == fast.body == slow.body
    deadline = time.monotonic() + 5
    while _group_members(cacher, ns) != 2:
        assert time.monotonic() < deadline, "the slow member did not rejoin"
        await asyncio.sleep(0.01)
    for r in (plain, fast, slow):
        rawwatch.reset(r.writer)


async def test_a_member_leaving_between_dispatch_and_flush_gets_the_groups_frames_first(
    server: APIServer, api: API, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after an event was dispatched to a group (its frame not yet written), one member leaves: the
    frame reaches it all the same, before the events it gets on its own afterwards."""
    cacher = server.cachers[("", "configmaps")]
    base = f"/api/v1/namespaces/{ns}/configmaps"
    _, lst, _ = await api.get(base)
    path = f"{base}?watch=1&resourceVersion={lst['metadata']['resourceVersion']}"
    plain = await _open(server, path, False, monkeypatch)
    members = [await _open(server, path, True, monkeypatch) for _ in range(2)]
    reads = [asyncio.create_task(r.read_until(b'"last"')) for r in [plain, *members]]
    await api.post(base, {"metadata": {"name": "first"}})
    deadline = time.monotonic() + 5
    while _group_members(cacher, ns) != 2:
        assert time.monotonic() < deadline, "the members never joined"
        await asyncio.sleep(0.01)
    left: list[Any] = []

    def leave_on_trigger(event: Any) -> None:  # runs in the dispatch, before the flush writes the frame
        if event.object is not None and event.object.name == "trigger" and not left:
            group = next(g for g in cacher.groups.values() if g.namespace == ns)
            assert not group.sink.idle()
            left.append(next(iter(group.members)))
            left[0].leave_group()

    cacher.listeners.append(leave_on_trigger)
    try:
        await api.post(base, {"metadata": {"name": "trigger"}})
        for i in range(3):
            await api.post(base, {"metadata": {"name": f"after-{i}"}})
        await api.post(base, {"metadata": {"name": "last"}})
        async with asyncio.timeout(10):
            await asyncio.gather(*reads)
    finally:
        cacher.listeners.remove(leave_on_trigger)
    assert left
    assert plain.body == members[0].body == members[1].body
    for r in [plain, *members]:
        rawwatch.reset(r.writer)
