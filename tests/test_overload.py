"""Overload protection in a server process of its own: priority and fairness (kube's default) and, with it off,
the max-in-flight limits.

The slow requests are POSTs whose bodies the client holds back: each takes its seat (or its place in a
queue) when its head arrives, as in kube, so the load is exactly known. With ``--max-requests-inflight 20
--max-mutating-requests-inflight 10`` the ``global-default`` level has ceil(30 × 20 / 245) = 3 seats and one
flow can fill the 6 queues it is dealt (50 each): of 600 requests by one user, 303 are admitted or queued
and 297 get kube's 429. Meanwhile ``system:masters`` (the plain port, the admin certificate) and /readyz
are exempt, and another user's request is served before the flood's backlog (round-robin over queues)."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest

from aiokube.apiserver.authentication import pki
from tests.serverproc import ServerProcess, start_server

TOKENS = "tok-flood,flood,2001\ntok-other,other,2002\n"
TOO_MANY = b"Too many requests, please try again later.\n"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
FLOOD = 600
CAPACITY = 3 + 6 * 50  # seats + the flow's queues


def _serve(root: Path, *flags: str) -> tuple[ServerProcess, str, ssl.SSLContext]:
    token_file = root / "tokens.csv"
    token_file.write_text(TOKENS)
    data_dir = root / "data"
    proc = start_server(data_dir, "--token-auth-file", str(token_file), *flags)
    ctx = ssl.create_default_context(cadata=pki.ensure_pki(data_dir).ca_cert_pem.decode())
    secure = re.search(r"server: (https://\S+)", (data_dir / "admin.kubeconfig").read_text())
    assert secure is not None
    return proc, secure[1], ctx


@pytest.fixture(scope="module")
def apf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, ssl.SSLContext]]:
    served = _serve(
        tmp_path_factory.mktemp("apf"),
        "--max-requests-inflight", "20", "--max-mutating-requests-inflight", "10", "--request-timeout", "4m",
    )  # fmt: skip
    yield served
    served[0].stop()


class Held:
    """A POST whose head is sent and whose body waits for :meth:`send_body`; its response is read as it comes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> None:
        self.reader, self.writer, self.body = reader, writer, body
        self.response: asyncio.Task[tuple[int, dict[str, str], bytes]] = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, ctx: ssl.SSLContext, token: str, name: str) -> Held:
        host, port = url.removeprefix("https://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port), ssl=ctx, server_hostname=host)
        body = orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
        writer.write(
            f"POST {CONFIGMAPS} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        return cls(reader, writer, body)

    async def _read(self) -> tuple[int, dict[str, str], bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, *lines = head.decode().split("\r\n")
        headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines if line)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(status.split()[1]), headers, body

    def send_body(self) -> None:
        if not self.response.done():
            self.writer.write(self.body)

    def close(self) -> None:
        self.response.cancel()
        self.writer.close()


async def _open_many(url: str, ctx: ssl.SSLContext, token: str, prefix: str, n: int) -> list[Held]:
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> Held:
        async with gate:
            return await Held.open(url, ctx, token, f"{prefix}-{i}")

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def _wait_for(predicate: object, bound: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def _get(session: aiohttp.ClientSession, url: str, **kw: object) -> tuple[int, bytes, dict[str, str]]:
    async with session.get(url, **kw) as resp:  # type: ignore[arg-type]
        return resp.status, await resp.read(), dict(resp.headers)


async def _grant(session: aiohttp.ClientSession, plain: str, secure: str) -> None:
    """cluster-admin for the two users (through the plain port), once RBAC's cache has it."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "users"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": n} for n in ("flood", "other")],
    }  # fmt: skip
    async with session.post(plain + "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", json=binding) as resp:
        assert resp.status in (201, 409)
    for _ in range(100):
        status, _, _ = await _get(session, secure + CONFIGMAPS, headers={"Authorization": "Bearer tok-flood"})
        if status == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("RBAC did not take the binding")


def _metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_a_flood_gets_429_while_admins_probes_and_others_are_served(
    apf: tuple[ServerProcess, str, ssl.SSLContext],
) -> None:
    proc, url, ctx = apf
    held: list[Held] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx, limit=0)) as session:
        schemas = proc.url + "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/"
        _, body, _ = await _get(session, schemas + "global-default")
        fs_uid = orjson.loads(body)["metadata"]["uid"]
        await _grant(session, proc.url, url)
        try:
            held = await _open_many(url, ctx, "tok-flood", "flood", FLOOD)
            await _wait_for(lambda: sum(h.response.done() for h in held) >= FLOOD - CAPACITY)
            for h in [h for h in held if h.response.done()]:
                code, headers, text = h.response.result()
                assert (code, text) == (429, TOO_MANY)
                assert headers["content-type"] == "text/plain; charset=utf-8"
                assert headers["x-content-type-options"] == "nosniff"
                assert int(headers["retry-after"]) >= 1
                assert headers["x-kubernetes-pf-flowschema-uid"] == fs_uid

            # still flooded: the admin (plain port: system:masters), /readyz, an admin certificate are exempt
            status, body, headers = await _get(session, proc.url + "/api/v1/namespaces/default")
            assert status == 200 and orjson.loads(body)["metadata"]["name"] == "default"
            assert headers["X-Kubernetes-Pf-Flowschema-Uid"] != fs_uid  # the exempt schema's
            status, body, _ = await _get(session, url + "/readyz")
            assert (status, body) == (200, b"ok")

            # another user waits in a queue of its own and is served before the flood's backlog
            other = asyncio.create_task(
                _get(session, url + CONFIGMAPS + "?limit=1", headers={"Authorization": "Bearer tok-other"})
            )
            pair = {"flow_schema": "global-default", "priority_level": "global-default"}
            for _ in range(400):  # queued behind the 3 seats the flood holds
                _, page, _ = await _get(session, proc.url + "/metrics")
                if _metric(page.decode(), "apiserver_flowcontrol_current_inqueue_requests", **pair) == CAPACITY - 2:
                    break
                await asyncio.sleep(0.05)
            assert not other.done()
            for h in held:
                h.send_body()
            status, _, _ = await asyncio.wait_for(other, 60)
            flood_done = sum(1 for h in held if h.response.done() and h.response.result()[0] == 201)
            assert status == 200
            assert flood_done < 100, flood_done  # round-robin: a few of the flood, not its 300 queued
            await _wait_for(lambda: all(h.response.done() for h in held))
            codes = [h.response.result()[0] for h in held]
            assert codes.count(201) == CAPACITY and codes.count(429) == FLOOD - CAPACITY
        finally:
            for h in held:
                h.close()
        _, text, _ = await _get(session, proc.url + "/metrics")
    page = text.decode()
    pair = {"flow_schema": "global-default", "priority_level": "global-default"}
    fc = "apiserver_flowcontrol_"
    assert _metric(page, fc + "rejected_requests_total", **pair, reason="queue-full") == FLOOD - CAPACITY
    assert _metric(page, fc + "dispatched_requests_total", **pair) >= CAPACITY + 1
    assert _metric(page, fc + "current_inqueue_requests", **pair) == 0
    assert _metric(page, fc + "current_executing_requests", **pair) == 0
    assert _metric(page, fc + "nominal_limit_seats", priority_level="global-default") == 3
    assert _metric(page, fc + "request_wait_duration_seconds_count", execute="true", **pair) > CAPACITY
    for schema in ("exempt", "probes"):
        assert _metric(page, fc + "dispatched_requests_total", flow_schema=schema, priority_level="exempt") > 0
    terminated = {"verb": "POST", "group": "", "version": "v1", "resource": "configmaps", "subresource": "",
                  "scope": "resource", "component": "apiserver", "code": "429"}  # fmt: skip
    assert _metric(page, "apiserver_request_terminations_total", **terminated) == FLOOD - CAPACITY


async def test_a_new_flowschema_and_reject_level_apply_at_once(
    apf: tuple[ServerProcess, str, ssl.SSLContext],
) -> None:
    """The configuration follows the objects: a level of 1 seat that rejects, for user ``other`` only."""
    proc, url, ctx = apf
    api = proc.url + "/apis/flowcontrol.apiserver.k8s.io/v1/"
    level = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
             "metadata": {"name": "tight"},
             "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 1,
                                                     "limitResponse": {"type": "Reject"}}}}  # fmt: skip
    schema = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": "tight"},
              "spec": {"priorityLevelConfiguration": {"name": "tight"}, "matchingPrecedence": 50,
                       "rules": [{"subjects": [{"kind": "User", "user": {"name": "other"}}],
                                  "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                                                     "namespaces": ["*"], "clusterScope": True}]}]}}  # fmt: skip
    auth = {"Authorization": "Bearer tok-other"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
        await _grant(session, proc.url, url)
        uids = {}
        for kind, obj in (("prioritylevelconfigurations", level), ("flowschemas", schema)):
            async with session.post(api + kind, json=obj) as resp:
                assert resp.status == 201
                uids[kind] = (await resp.json())["metadata"]["uid"]
        held: Held | None = None
        try:
            for _ in range(100):  # the caches have the objects once a request is classified by them
                _, _, headers = await _get(session, url + CONFIGMAPS, headers=auth)
                if headers.get("X-Kubernetes-Pf-Flowschema-Uid") == uids["flowschemas"]:
                    break
                await asyncio.sleep(0.05)
            assert headers["X-Kubernetes-Pf-Prioritylevel-Uid"] == uids["prioritylevelconfigurations"]
            held = await Held.open(url, ctx, "tok-other", "tight-1")
            pair = {"flow_schema": "tight", "priority_level": "tight"}
            for _ in range(200):  # its head has arrived and holds the level's one seat
                _, page, _ = await _get(session, proc.url + "/metrics")
                if _metric(page.decode(), "apiserver_flowcontrol_current_executing_requests", **pair) == 1:
                    break
                await asyncio.sleep(0.05)
            status, body, headers = await _get(session, url + CONFIGMAPS, headers=auth)
            assert (status, body, headers["Retry-After"]) == (429, TOO_MANY, "1")
            status, _, _ = await _get(session, url + CONFIGMAPS, headers={"Authorization": "Bearer tok-flood"})
            assert status == 200  # another flow schema, another level
            held.send_body()
            assert (await asyncio.wait_for(held.response, 30))[0] == 201
        finally:
            if held is not None:
                held.close()
            async with session.delete(api + "flowschemas/tight") as resp:
                assert resp.status == 200
        _, page, _ = await _get(session, proc.url + "/metrics")
    rejected = {"flow_schema": "tight", "priority_level": "tight", "reason": "concurrency-limit"}
    assert _metric(page.decode(), "apiserver_flowcontrol_rejected_requests_total", **rejected) == 1


async def test_max_inflight_limits_without_priority_and_fairness(tmp_path_factory: pytest.TempPathFactory) -> None:
    """kube's fallback: mutating requests beyond the limit get 429 with Retry-After 1; system:masters passes."""
    proc, url, ctx = _serve(
        tmp_path_factory.mktemp("maxinflight"),
        "--enable-priority-and-fairness=false", "--max-mutating-requests-inflight", "2",
    )  # fmt: skip
    held: list[Held] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
            await _grant(session, proc.url, url)
            held = await _open_many(url, ctx, "tok-flood", "mif", 5)
            await _wait_for(lambda: sum(h.response.done() for h in held) >= 3)
            for h in [h for h in held if h.response.done()]:
                code, headers, text = h.response.result()
                assert (code, text, headers["retry-after"]) == (429, TOO_MANY, "1")
                assert not any(k.startswith("x-kubernetes-pf") for k in headers)
            # reads have their own limit; system:masters writes even when the mutating limit is reached
            status, _, headers = await _get(session, url + CONFIGMAPS, headers={"Authorization": "Bearer tok-flood"})
            assert status == 200 and "X-Kubernetes-Pf-Flowschema-Uid" not in headers
            cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "by-admin"}}
            async with session.post(proc.url + CONFIGMAPS, json=cm) as resp:
                assert resp.status == 201
            for h in held:
                h.send_body()
            await _wait_for(lambda: all(h.response.done() for h in held))
            assert sorted(h.response.result()[0] for h in held) == [201, 201, 429, 429, 429]
    finally:
        for h in held:
            h.close()
        proc.stop()
