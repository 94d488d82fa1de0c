"""TLS to etcd (kube's --etcd-cafile, --etcd-certfile, --etcd-keyfile): an etcd that serves https and requires
client certificates (its certificates from aiokube's own PKI helpers), reached by ``aiokube serve``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from aiokube.apiserver.authentication import pki
from aiokube.storage import errors
from aiokube.storage.embedded import etcd_binary, free_port
from aiokube.storage.etcd import EtcdClient, EtcdTLS
from tests.serverproc import AIOKUBE, start_server


@pytest.fixture(scope="module")
def tls_etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, pki.PKI]]:
    """An etcd on https with client-cert-auth: serving certificate = the PKI's (SAN 127.0.0.1), clients need a
    certificate of the same CA (the PKI's admin one)."""
    d = tmp_path_factory.mktemp("etcd-tls")
    certs = pki.ensure_pki(d, ["127.0.0.1"])
    client, peer = f"https://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    argv = [
        str(etcd_binary()), "--name", "tls", "--data-dir", str(d / "etcd"), "--unsafe-no-fsync",
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", f"tls={peer}",
        "--cert-file", str(certs.serving_cert), "--key-file", str(certs.serving_key),
        "--trusted-ca-file", str(certs.ca_cert), "--client-cert-auth",
        "--log-level", "warn", "--log-outputs", str(d / "etcd.log"),
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield client, certs
    finally:
        proc.terminate()
        proc.wait(30)


async def test_client_needs_the_ca_and_a_certificate(tls_etcd: tuple[str, pki.PKI]) -> None:
    url, certs = tls_etcd
    good = EtcdClient([url], request_timeout=10, tls=EtcdTLS(str(certs.ca_cert), str(certs.admin_cert),
                                                              str(certs.admin_key)))  # fmt: skip
    await good.connect()
    try:
        assert await good.current_revision() >= 1  # waits for etcd to come up (wait_for_ready)
    finally:
        await good.close()
    for tls in (None, EtcdTLS(str(certs.ca_cert))):  # plain gRPC; TLS without a client certificate
        bad = EtcdClient([url], request_timeout=2, tls=tls)
        await bad.connect()
        try:
            with pytest.raises((errors.Unavailable, errors.Timeout)):
                await bad.current_revision()
        finally:
            await bad.close()
    with pytest.raises(ValueError, match="go together"):
        EtcdTLS(str(certs.ca_cert), str(certs.admin_cert)).ssl_context()


async def test_serve_over_tls_etcd(tls_etcd: tuple[str, pki.PKI], tmp_path: Path) -> None:
    url, certs = tls_etcd
    server = start_server(tmp_path / "data", "--etcd-servers", url, "--etcd-cafile", str(certs.ca_cert),
                          "--etcd-certfile", str(certs.admin_cert), "--etcd-keyfile", str(certs.admin_key))  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            path = f"{server.url}/api/v1/namespaces/default/configmaps"
            async with session.post(path, json={"metadata": {"name": "over-tls"}, "data": {"a": "b"}}) as resp:
                assert resp.status == 201, await resp.text()
            async with session.get(f"{path}/over-tls") as resp:
                assert resp.status == 200 and (await resp.json())["data"] == {"a": "b"}
            async with session.get(f"{server.url}/readyz") as resp:
                assert resp.status == 200
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--etcd-cafile", "/x"], "need --etcd-servers"),
        (["--etcd-servers", "https://127.0.0.1:1", "--etcd-certfile", "/x"], "must be given together"),
        (["--etcd-servers", "https://127.0.0.1:1", "--etcd-cafile", "/nonexistent"], "No such file"),
    ],
)
def test_tls_flags_checked_at_start(flags: list[str], message: str, tmp_path: Path) -> None:
    res = subprocess.run([AIOKUBE, "serve", "--workers", "1", "--port", "0", "--data-dir", str(tmp_path), *flags],
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert res.returncode != 0 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
