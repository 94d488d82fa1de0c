"""kubeconfig files for aiokube's users: the shape kubeadm writes (admin.conf) and ``kubectl config view
--raw`` prints — keys sorted, credentials inlined as base64 ``*-data`` fields, the one context current."""

from __future__ import annotations

import base64
from typing import Any

import yaml


def _b64(pem: bytes | str) -> str:
    return base64.b64encode(pem.encode() if isinstance(pem, str) else pem).decode()


def _config(server_url: str, ca_pem: bytes | str, user: str, credentials: dict[str, str], context: str,
            cluster: str) -> str:  # fmt: skip
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server_url, "certificate-authority-data": _b64(ca_pem)}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
        "preferences": {},
        "users": [{"name": user, "user": credentials}],
    }
    return yaml.safe_dump(doc, sort_keys=True, default_flow_style=False, width=1 << 20)


def kubeconfig(
    server_url: str, ca_pem: bytes | str, cert_pem: bytes | str, key_pem: bytes | str, user: str = "kubernetes-admin",
    context: str = "aiokube", cluster: str = "aiokube",
) -> str:  # fmt: skip
    """A kubeconfig authenticating with a client certificate (the admin's, or one from ``mint_client_cert``)."""
    creds = {"client-certificate-data": _b64(cert_pem), "client-key-data": _b64(key_pem)}
    return _config(server_url, ca_pem, user, creds, context, cluster)


def token_kubeconfig(
    server_url: str, ca_pem: bytes | str, token: str, user: str = "aiokube", context: str = "aiokube",
    cluster: str = "aiokube",
) -> str:  # fmt: skip
    """A kubeconfig authenticating with a bearer token (a static token or a ServiceAccount token)."""
    return _config(server_url, ca_pem, user, {"token": token}, context, cluster)
