"""Authentication flags of ``aiokube serve`` in their own server process: ``--token-auth-file``,
``--service-account-max-token-expiration``; forged and expired ServiceAccount tokens; /metrics for the
``system:monitoring`` group only; service-account issuer discovery; the root CA published per namespace."""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from aiokube.apiserver.authentication import pki
from aiokube.apiserver.authentication.serviceaccount import TokenIssuer
from tests.conftest import API
from tests.serverproc import ServerProcess, start_server

ISSUER = "https://kubernetes.default.svc.cluster.local"
TOKENS = 'tok-monitor,tina,1001,"system:monitoring,ops"\ntok-dev,dev,1002,devs\n'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, Path]]:
    root = tmp_path_factory.mktemp("authn")
    token_file = root / "tokens.csv"
    token_file.write_text(TOKENS)
    data_dir = root / "data"
    proc = start_server(data_dir, "--token-auth-file", str(token_file), "--service-account-max-token-expiration", "1h")
    # the HTTPS URL as the admin kubeconfig the server wrote names it
    config = yaml.safe_load((data_dir / "admin.kubeconfig").read_text())
    secure = config["clusters"][0]["cluster"]["server"]
    yield proc, secure, data_dir
    proc.stop()


async def call(
    url: str, data_dir: Path, method: str, path: str, token: str = "", body: object = None, accept: str = ""
) -> tuple[int, object, dict[str, str]]:
    ctx = ssl.create_default_context(cadata=pki.ensure_pki(data_dir).ca_cert_pem.decode())
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if accept:
        headers["Accept"] = accept
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session,
        session.request(method, url + path, json=body, headers=headers) as resp,
    ):
        raw = await resp.read()
        try:
            payload: object = orjson.loads(raw)
        except orjson.JSONDecodeError:
            payload = raw.decode()
        return resp.status, payload, dict(resp.headers)


async def test_static_tokens_and_metrics_access(served: tuple[ServerProcess, str, Path]) -> None:
    _, url, data_dir = served
    status, body, _ = await call(url, data_dir, "GET", "/metrics", "tok-monitor")
    assert status == 200 and isinstance(body, str) and "apiserver_request_total" in body
    status, body, _ = await call(url, data_dir, "GET", "/metrics", "tok-dev")
    assert status == 403 and body["message"] == 'forbidden: User "dev" cannot get path "/metrics"'  # type: ignore[index]
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    status, body, _ = await call(url, data_dir, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                 "tok-monitor", review)  # fmt: skip
    assert status == 201
    assert body["status"]["userInfo"] == {  # type: ignore[index]
        "username": "tina", "uid": "1001", "groups": ["system:monitoring", "ops", "system:authenticated"]
    }  # fmt: skip
    status, _, _ = await call(url, data_dir, "GET", "/version", "tok-unknown")
    assert status == 401


async def test_forged_and_expired_service_account_tokens_are_401(served: tuple[ServerProcess, str, Path]) -> None:
    proc, url, data_dir = served
    plain = proc.url
    async with aiohttp.ClientSession() as session:
        api = API(session, plain)
        deadline = time.monotonic() + 10
        while (found := await api.get("/api/v1/namespaces/default/serviceaccounts/default"))[0] != 200:
            assert time.monotonic() < deadline, found  # the ServiceAccount controller makes it after start
            await asyncio.sleep(0.05)
    uid = found[1]["metadata"]["uid"]
    real = TokenIssuer(pki.ensure_pki(data_dir).sa_key_pem, ISSUER)
    good, _ = real.issue("default", "default", uid, [ISSUER], 3600)
    assert (await call(url, data_dir, "GET", "/version", good))[0] == 200
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    forged, _ = TokenIssuer(pem, ISSUER).issue("default", "default", uid, [ISSUER], 3600)
    assert (await call(url, data_dir, "GET", "/version", forged))[0] == 401
    past = datetime.now(UTC) - timedelta(hours=3)
    expired, _ = real.issue("default", "default", uid, [ISSUER], 3600, now=past)
    assert (await call(url, data_dir, "GET", "/version", expired))[0] == 401
    wrong_audience, _ = real.issue("default", "default", uid, ["https://elsewhere"], 3600)
    assert (await call(url, data_dir, "GET", "/version", wrong_audience))[0] == 401
    wrong_uid, _ = real.issue("default", "default", "not-the-uid", [ISSUER], 3600)
    assert (await call(url, data_dir, "GET", "/version", wrong_uid))[0] == 401


async def test_token_requests_are_capped_and_the_issuer_is_discoverable(
    served: tuple[ServerProcess, str, Path],
) -> None:
    proc, url, data_dir = served
    async with aiohttp.ClientSession() as session, session.post(
        proc.url + "/api/v1/namespaces/default/serviceaccounts/default/token",
        json={"spec": {"expirationSeconds": 7200}},
    ) as resp:  # fmt: skip
        assert resp.status == 201
        assert resp.headers["Warning"] == '299 - "requested expiration of 7200 seconds shortened to 3600 seconds"'
        answer = await resp.json()
    assert answer["spec"]["expirationSeconds"] == 3600
    token = answer["status"]["token"]
    status, config, headers = await call(url, data_dir, "GET", "/.well-known/openid-configuration", token)
    assert status == 200, config
    assert config["issuer"] == ISSUER and config["jwks_uri"] == f"{url}/openid/v1/jwks"  # type: ignore[index]
    assert headers["Cache-Control"] == "public, max-age=3600"
    status, jwks, headers = await call(url, data_dir, "GET", "/openid/v1/jwks", token)
    assert status == 200 and headers["Content-Type"] == "application/jwk-set+json"
    header = orjson.loads(_b64(token.split(".")[0]))
    assert [k["kid"] for k in jwks["keys"]] == [header["kid"]]  # type: ignore[index]
    assert (await call(url, data_dir, "GET", "/openid/v1/jwks"))[0] == 403  # not for anonymous
    # each is a go-restful route producing one type: kube 1.36's 406s (checked against the reference)
    for path, produces, accept in (("/.well-known/openid-configuration", "application/json", "application/*"),
                                   ("/openid/v1/jwks", "application/jwk-set+json", "application/json")):  # fmt: skip
        status, refused, _ = await call(url, data_dir, "GET", path, token, accept=accept)
        assert status == 406 and refused == {  # type: ignore[comparison-overlap]
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotAcceptable",
            "message": f"406: Not Acceptable\n\nAvailable representations: {produces}", "details": {}, "code": 406,
        }  # fmt: skip
        assert (await call(url, data_dir, "GET", path, token, accept=f"text/html, {produces};q=0"))[0] == 200


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


async def test_every_namespace_gets_the_root_ca(served: tuple[ServerProcess, str, Path]) -> None:
    proc, _, data_dir = served
    ca = pki.ensure_pki(data_dir).ca_cert_pem.decode()
    path = "/api/v1/namespaces/{}/configmaps/kube-root-ca.crt"
    async with aiohttp.ClientSession() as session:
        api = API(session, proc.url)
        await api.post("/api/v1/namespaces", {"metadata": {"name": "fresh"}})

        async def published(ns: str) -> Any:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                status, body, _ = await api.get(path.format(ns))
                if status == 200 and body["data"] == {"ca.crt": ca}:
                    return body
                await asyncio.sleep(0.05)
            raise AssertionError(f"no kube-root-ca.crt in {ns}")

        for ns in ("default", "kube-system", "fresh"):
            body = await published(ns)
        assert body["metadata"]["annotations"]["kubernetes.io/description"].startswith("Contains a CA bundle")
        assert (await api.delete(path.format("fresh")))[0] == 200
        await published("fresh")  # recreated
        status, _, _ = await api.request(
            "PATCH", path.format("fresh"), {"data": {"ca.crt": "tampered"}},
            headers={"Content-Type": "application/merge-patch+json"},
        )  # fmt: skip
        assert status == 200
        await published("fresh")  # restored
