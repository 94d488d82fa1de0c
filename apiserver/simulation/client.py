"""A small asynchronous Kubernetes API client: a URL or a kubeconfig, JSON in and out, watch streams.

Not the ``kubernetes`` package: the simulation makes thousands of calls a second at its peak, and the generated
client's model classes cost more CPU than the server's work on the same request. This one passes dicts.
"""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml

Obj = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


class ApiError(Exception):
    """A non-2xx answer: ``status`` is the HTTP code, ``reason`` the Status body's reason (``Conflict``...)."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body
        self.reason = body.get("reason", "") if isinstance(body, dict) else ""
        message = body.get("message", "") if isinstance(body, dict) else str(body)[:200]
        super().__init__(f"{status} {self.reason}: {message}")


def _material(cfg: dict[str, Any], key: str, base: Path) -> bytes | None:
    """A kubeconfig's ``<key>-data`` (base64) or ``<key>`` (a path, relative to the kubeconfig)."""
    if cfg.get(f"{key}-data"):
        return base64.b64decode(cfg[f"{key}-data"])
    if cfg.get(key):
        return (base / cfg[key]).read_bytes()
    return None


def _pick(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for item in items or []:
        if item.get("name") == name:
            return item
    return {}


def load_kubeconfig(path: str | os.PathLike[str], context: str = "") -> tuple[str, ssl.SSLContext | None, str]:
    """(server URL, TLS context or None for plain HTTP, bearer token or "") of a kubeconfig's context (its
    current one by default): CA, client certificate and key, token or token file, insecure-skip-tls-verify."""
    path = Path(path)
    config = yaml.safe_load(path.read_text()) or {}
    ctx = _pick(config.get("contexts"), context or config.get("current-context", "")).get("context") or {}
    if not ctx and config.get("contexts"):
        ctx = config["contexts"][0].get("context") or {}
    cluster = _pick(config.get("clusters"), ctx.get("cluster", "")).get("cluster") or {}
    user = _pick(config.get("users"), ctx.get("user", "")).get("user") or {}
    server = cluster.get("server", "")
    if not server:
        raise ValueError(f"{path}: no server in the kubeconfig's context")
    token = user.get("token", "")
    if not token and user.get("tokenFile"):
        token = (path.parent / user["tokenFile"]).read_text().strip()
    if not server.startswith("https"):
        return server, None, token
    tls = ssl.create_default_context()
    if cluster.get("insecure-skip-tls-verify"):
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    ca = _material(cluster, "certificate-authority", path.parent)
    if ca:
        tls.load_verify_locations(cadata=ca.decode())
    cert = _material(user, "client-certificate", path.parent)
    key = _material(user, "client-key", path.parent)
    if cert and key:
        with tempfile.TemporaryDirectory() as tmp:  # ssl loads a certificate chain from files only
            (Path(tmp) / "c").write_bytes(cert)
            (Path(tmp) / "k").write_bytes(key)
            tls.load_cert_chain(Path(tmp) / "c", Path(tmp) / "k")
    return server, tls, token


class KubeClient:
    """JSON requests to one API server; ``watch`` yields the events of a watch stream as dicts.

    Built from a URL (plain HTTP, or HTTPS with ``insecure``/``token``) or a kubeconfig. ``request`` raises
    :class:`ApiError` for any non-2xx answer. One connection pool; ``limit`` caps the connections (watches
    hold one each).
    """

    def __init__(self, server: str, tls: ssl.SSLContext | None = None, token: str = "", limit: int = 256) -> None:
        self.server = server.rstrip("/")
        self._tls: ssl.SSLContext | bool = tls if tls is not None else True
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def connect(cls, server: str = "", kubeconfig: str = "", token: str = "", insecure: bool = False) -> KubeClient:
        """From ``--server`` (with ``--token``/``--insecure-skip-tls-verify``) or ``--kubeconfig``; a server
        given with a kubeconfig overrides the kubeconfig's."""
        if kubeconfig:
            url, tls, kc_token = load_kubeconfig(kubeconfig)
            if insecure and tls is not None:
                tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
            return cls(server or url, tls, token or kc_token)
        if not server:
            raise ValueError("a --server URL or a --kubeconfig is needed")
        tls = None
        if server.startswith("https") and insecure:
            tls = ssl.create_default_context()
            tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
        return cls(server, tls, token)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._limit, ssl=self._tls)
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, timeout=aiohttp.ClientTimeout(total=None, connect=10)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
        timeout: float = 60.0,
    ) -> Any:
        data = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": content_type} if data is not None else None
        async with self.session.request(
            method,
            self.server + path,
            data=data,
            params=params,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            raw = await resp.read()
            try:
                payload = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                payload = raw.decode(errors="replace")
            if resp.status >= 300:
                raise ApiError(resp.status, payload)
            return payload

    async def text(self, path: str) -> str:
        """A non-JSON GET (``/metrics``)."""
        async with self.session.get(self.server + path, headers={"Accept": "text/plain"}) as resp:
            body = await resp.text()
            if resp.status >= 300:
                raise ApiError(resp.status, body)
            return body

    async def get(self, path: str, **params: str) -> Any:
        return await self.request("GET", path, params=params or None)

    async def create(self, path: str, obj: Obj) -> Obj:
        return await self.request("POST", path, obj)

    async def update(self, path: str, obj: Obj) -> Obj:
        return await self.request("PUT", path, obj)

    async def merge_patch(self, path: str, patch: Obj) -> Obj:
        return await self.request("PATCH", path, patch, content_type=MERGE_PATCH)

    async def delete(self, path: str, options: Obj | None = None) -> Any:
        return await self.request("DELETE", path, options)

    async def watch(self, path: str, params: dict[str, str]) -> AsyncIterator[Obj]:
        """The events of ``GET path?watch=1&...`` until the server ends the stream (``timeoutSeconds``)."""
        query = {**params, "watch": "1"}
        async with self.session.get(
            self.server + path, params=query, timeout=aiohttp.ClientTimeout(total=None, sock_read=None, connect=10)
        ) as resp:
            if resp.status >= 300:
                raise ApiError(resp.status, await resp.json(content_type=None))
            with contextlib.suppress(aiohttp.ClientPayloadError):
                async for line in resp.content:
                    if line.strip():
                        yield orjson.loads(line)
