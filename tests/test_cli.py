"""``aiokube serve`` as users run it: embedded etcd child, data dir persistence, clean shutdown, etcd outages."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd
from tests.conftest import API, KUBECTL, run_cmd

AIOKUBE = str(Path(sys.executable).parent / "aiokube")


class Served:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, etcd_port: int) -> None:
        self.proc, self.url, self.etcd_port = proc, url, etcd_port


async def start_aiokube(*args: str) -> Served:
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    m = re.match(
        r"aiokube: serving on (http://127\.0\.0\.1:\d+)(?: and https://127\.0\.0\.1:\d+)? "
        r"\(embedded etcd at http://127\.0\.0\.1:(\d+)",
        line,
    )
    assert m, line
    return Served(proc, m.group(1), int(m.group(2)))


async def stop_aiokube(served: Served) -> int:
    served.proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(served.proc.wait(), 30)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_serve_restart_keeps_objects_and_resource_versions(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    first = await start_aiokube(
        AIOKUBE, "serve", "--workers", "1", "--port", "0", "--secure-port", "0", "--data-dir", data_dir
    )
    async with aiohttp.ClientSession() as session:
        api = API(session, first.url)
        for path in ("/healthz", "/livez", "/readyz"):
            async with session.get(first.url + path) as resp:
                assert resp.status == 200 and await resp.text() == "ok"
        status, cm, _ = await api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "keep"}})
        assert status == 201
        status, dep, _ = await api.post(
            "/apis/apps/v1/namespaces/kube-system/deployments",
            {
                "metadata": {"name": "d"},
                "spec": {
                    "selector": {"matchLabels": {"a": "b"}},
                    "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                    },
                },
            },
        )
        assert status == 201, dep
        _, ns_before, _ = await api.get("/api/v1/namespaces")
    assert await stop_aiokube(first) == 0
    assert not port_open(first.etcd_port), "the embedded etcd must stop with aiokube"

    second = await start_aiokube(
        sys.executable, "-m", "aiokube.apiserver", "--workers", "1", "--port", "0", "--secure-port", "0",
        "--data-dir", data_dir,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            api = API(session, second.url)
            status, cm2, _ = await api.get("/api/v1/namespaces/default/configmaps/keep")
            assert status == 200 and cm2 == cm
            _, dep2, _ = await api.get("/apis/apps/v1/namespaces/kube-system/deployments/d")
            assert dep2 == dep
            _, ns_after, _ = await api.get("/api/v1/namespaces")
            assert ns_after["items"] == ns_before["items"]  # bootstrap did not rewrite the system namespaces
    finally:
        assert await stop_aiokube(second) == 0


async def test_etcd_outage_gives_timeouts_and_health_recovers(tmp_path: Path) -> None:
    etcd = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await etcd.start()
    server = APIServer(ServerConfig(port=0, etcd_servers=[etcd.client_url], etcd_request_timeout=1.0,
                                    compaction_interval=0))  # fmt: skip
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = API(session, server.url)
            assert (await api.get("/readyz"))[0] == 200
            etcd.kill()
            status, err, _ = await api.get("/api/v1/namespaces/default/configmaps/x")
            assert status == 504, err
            assert err["reason"] == "Timeout"
            assert (
                err["message"]
                == "Timeout: request did not complete within requested timeout - context deadline exceeded"
            )
            status, err, _ = await api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}})
            assert status == 504 and err["kind"] == "Status"
            status, text, _ = await api.get("/readyz")
            assert status == 500 and "[-]etcd failed" in text
            await etcd.start()
            for _ in range(50):
                if (await api.get("/readyz"))[0] == 200:
                    break
                await asyncio.sleep(0.1)
            status, body, _ = await api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}})
            assert status == 201, body
    finally:
        await server.stop()
        await etcd.stop()


@pytest.mark.parametrize("flag", ["--help"])
async def test_cli_help(flag: str) -> None:
    proc = await asyncio.create_subprocess_exec(AIOKUBE, "serve", flag, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    for option in (b"--bind-address", b"--port", b"--etcd-servers", b"--data-dir"):
        assert option in out


async def test_plain_http_is_refused_off_loopback() -> None:
    proc = await asyncio.create_subprocess_exec(
        AIOKUBE, "serve", "--bind-address", "0.0.0.0", "--plain-http", "true", "--secure-port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0
    assert b"refusing to serve plain HTTP on 0.0.0.0" in err
    proc = await asyncio.create_subprocess_exec(
        AIOKUBE, "serve", "--authorization-mode", "RBAC,Webhook",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0 and b"authorization-mode 'Webhook' is not a valid mode" in err


async def test_start_line_names_the_kubeconfig_and_kubeconfig_mints_users(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    proc = await asyncio.create_subprocess_exec(
        AIOKUBE, "serve", "--workers", "1", "--port", "0", "--secure-port", "0", "--data-dir", str(data_dir),
        "--authorization-mode", "RBAC", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        secure = re.search(r"and (https://127\.0\.0\.1:\d+)", first)
        assert secure, first
        second = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        assert second == f"aiokube: export KUBECONFIG={data_dir.absolute() / 'admin.kubeconfig'}"
        out = await asyncio.create_subprocess_exec(
            AIOKUBE, "kubeconfig", "--data-dir", str(data_dir), "--user", "dana", "--group", "qa",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        text, _ = await out.communicate()
        config = tmp_path / "dana.kubeconfig"
        config.write_bytes(text)
        code, who, err = await run_cmd(KUBECTL, "--kubeconfig", str(config), "auth", "whoami", "-o", "json")
        assert code == 0, err
        info = json.loads(who)["status"]["userInfo"]
        assert info == {"username": "dana", "groups": ["qa", "system:authenticated"]}
        code, _, err = await run_cmd(KUBECTL, "--kubeconfig", str(config), "get", "pods", "-A")
        assert code != 0 and 'User "dana" cannot list resource "pods"' in err
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
