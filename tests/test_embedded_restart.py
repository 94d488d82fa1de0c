"""``kill -9`` of the embedded etcd under ``aiokube serve``: the server reaps its child (no zombie), starts
another on the same ports and data, the etcd client reconnects, and the watch caches resume: writes and
reads succeed again, LIST with resourceVersion=0 shows the new write, and an open watch gets it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import aiohttp
import orjson

from tests.serverproc import start_server

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def etcd_child(parent: int) -> int | None:
    """The pid of ``parent``'s etcd child (a live one, not a zombie), if any."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            if comm == "etcd" and int(rest[1]) == parent and rest[0] != "Z":
                return int(entry.name)
    return None


def process_state(pid: int) -> str:
    """The state letter of a process (``Z``: a zombie nobody reaped), or "" once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rindex(")") + 2 :].split()[0]


async def _until(check: object, bound: float) -> object:
    deadline = time.monotonic() + bound
    while True:
        result = await check()  # type: ignore[operator]
        if result:
            return result
        assert time.monotonic() < deadline, "not reached"
        await asyncio.sleep(0.2)


async def test_kill_9_of_the_embedded_etcd(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--etcd-request-timeout", "2")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as session:
            url = server.url
            async with session.post(url + CONFIGMAPS, json={"metadata": {"name": "before"}}) as resp:
                assert resp.status == 201
                rv = (await resp.json())["metadata"]["resourceVersion"]
            events: list[tuple[str, str]] = []

            async def watch() -> str:
                # not the root CA ConfigMap the publisher may write into default meanwhile
                params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "120",
                          "fieldSelector": "metadata.name!=kube-root-ca.crt"}  # fmt: skip
                async with session.get(url + CONFIGMAPS, params=params) as resp:
                    async for line in resp.content:
                        event = orjson.loads(line)
                        events.append((event["type"], event["object"]["metadata"].get("name", "")))
                        if events[-1] == ("ADDED", "after"):
                            return "event"
                return "ended"  # the stream's last chunk: a clean end, the client re-watches from its RV

            watcher = asyncio.create_task(watch())
            old = etcd_child(server.proc.pid)
            assert old is not None
            os.kill(old, signal.SIGKILL)

            async def restarted() -> int | None:
                pid = etcd_child(server.proc.pid)
                return pid if pid not in (None, old) else None

            new = await _until(restarted, 30)
            assert new != old
            assert process_state(old) == ""  # reaped, not left a zombie

            async def written() -> bool:
                async with session.post(url + CONFIGMAPS, json={"metadata": {"name": "after"}}) as resp:
                    return resp.status == 201

            await _until(written, 60)
            async with session.get(url + CONFIGMAPS + "/after") as resp:
                assert resp.status == 200

            async def listed_from_cache() -> bool:
                async with session.get(url + CONFIGMAPS, params={"resourceVersion": "0"}) as resp:
                    names = {item["metadata"]["name"] for item in (await resp.json())["items"]}
                return {"before", "after"} <= names

            await _until(listed_from_cache, 30)
            outcome = await asyncio.wait_for(watcher, 60)
            assert outcome in ("event", "ended")
            assert all(kind != "ERROR" for kind, _ in events), events
            if outcome == "event":
                assert events == [("ADDED", "after")]  # nothing lost, nothing repeated
            async with session.get(url + "/readyz") as resp:
                assert (resp.status, await resp.text()) == (200, "ok")
            async with session.get(url + "/metrics") as resp:
                page = await resp.text()
            assert "aiokube_embedded_etcd_restarts_total 1.0" in page
    finally:
        server.stop()
    assert etcd_child(server.proc.pid) is None
