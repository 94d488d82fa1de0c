"""pytest fixtures for testing controllers against a real aiokube: ``kube_apiserver``, ``kubeconfig``,
``kube_namespace`` and ``kube_reset``.

Registered by the ``pytest11`` entry point ``aiokube`` (pyproject.toml): installing aiokube is enough, and
``-p no:aiokube`` turns it off. A separate module from ``aiokube.apiserver.testing`` so that the server
helpers work without pytest installed; the fixtures are synchronous, so sync tests and async ones (any
loop, any plugin) use them alike: the server runs on its own thread (see testing.py).

``kube_apiserver`` (session): a ServerThread, started on first use (~0.6 s: its own etcd on a temporary data
dir, or ``--aiokube-etcd-servers``), stopped at the end of the session. ``kubeconfig``: the path of the
admin kubeconfig (HTTPS, a client certificate in ``system:masters``), also exported as ``KUBECONFIG`` for
the test, for what reads it when it loads its config (kubectl, lightkube's ``Client()``, kopf's
``login_with_kubeconfig``; the ``kubernetes`` package reads it at import, so give it ``config_file``). HTTPS
rather than the plain-HTTP port because the four clients tried (kubernetes, kubernetes_asyncio, lightkube,
kopf) all load it as they load a real cluster's, and RBAC and ``kubeconfig_for`` then test what real
credentials may do. ``kube_namespace``: a fresh namespace, deleted (not waited for) after the test.
``kube_reset``: the store brought back to its state after start before the test.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiokube.apiserver.testing import ServerThread, server
from aiokube.storage.snapshot import Restored


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aiokube", "aiokube test API server")
    group.addoption(
        "--aiokube-etcd-servers",
        default="",
        help="comma-separated etcd URLs for the kube_apiserver fixture instead of an embedded etcd on a temporary "
        "data dir (its /registry is shared: one test session at a time)",
    )


@pytest.fixture(scope="session")
def kube_apiserver(request: pytest.FixtureRequest) -> Iterator[ServerThread]:
    """A running aiokube for the session: ``.url`` (plain HTTP, full access), ``.secure_url`` (HTTPS, RBAC),
    ``.kubeconfig``, ``.reset()``, ``.kubeconfig_for(user, groups)``."""
    etcd = str(request.config.getoption("aiokube_etcd_servers") or "")
    with server(etcd_servers=tuple(u.strip() for u in etcd.split(",") if u.strip())) as srv:
        yield srv


@pytest.fixture
def kubeconfig(kube_apiserver: ServerThread, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The admin kubeconfig of ``kube_apiserver``; ``KUBECONFIG`` names it during the test."""
    monkeypatch.setenv("KUBECONFIG", str(kube_apiserver.kubeconfig))
    return kube_apiserver.kubeconfig


@pytest.fixture
def kube_reset(kube_apiserver: ServerThread) -> Restored:
    """Every object as it was after the server started: what earlier tests created is gone, what they
    changed or deleted is back (the value says which keys, and how long it took)."""
    return kube_apiserver.reset()


@pytest.fixture
def kube_namespace(kube_apiserver: ServerThread, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of the test's own (named after it), deleted after it. Deletion is not waited for: objects
    with finalizers of a controller that stopped with the test would hold it forever; ``kube_reset`` clears
    what is left."""
    if "kube_reset" in request.fixturenames:
        request.getfixturevalue("kube_reset")  # first, or it would delete the namespace made here
    stem = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-") or "test"
    name = f"{stem}-{uuid.uuid4().hex[:6]}"
    _request(kube_apiserver.url, "POST", "/api/v1/namespaces",
             {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})  # fmt: skip
    yield name
    _request(kube_apiserver.url, "DELETE", f"/api/v1/namespaces/{name}", missing_ok=True)


def _request(base: str, method: str, path: str, body: Any = None, *, missing_ok: bool = False) -> Any:
    """One JSON request on the plain-HTTP port (loopback, full access)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        raise RuntimeError(f"aiokube: {method} {path}: {exc.code} {exc.read().decode(errors='replace')}") from None
