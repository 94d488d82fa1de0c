"""Secure serving as kube-apiserver assembles it from its flags: the TLS material (given, or generated once into
the data dir), the authenticators (client certificates, static tokens, ServiceAccount tokens, anonymous),
the authorizer chain (``--authorization-mode``) and the ServiceAccount token issuer. The HTTP edge applies
them (endpoints/filters.py); the reviews and TokenRequest ask them."""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokube.apiserver.authentication import kubeconfig, pki, serviceaccount
from aiokube.apiserver.authentication.authenticator import RequestAuthenticator, Unauthorized
from aiokube.apiserver.authentication.serviceaccount import TokenIssuer, TokenValidator
from aiokube.apiserver.authentication.tokenfile import StaticTokenAuthenticator
from aiokube.apiserver.authentication.x509 import CertificateAuthenticator, ssl_server_context
from aiokube.apiserver.authorization import rbac
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo
from aiokube.apiserver.authorization.authorizer import Authorizer
from aiokube.apiserver.authorization.cachesource import CacheRBACSource
from aiokube.apiserver.authorization.rbac import RBACAuthorizer
from aiokube.watchcache.cacher import Cacher

AUTHORIZATION_MODES = ("AlwaysAllow", "AlwaysDeny", "RBAC")
DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
#: kube's kubeconfig names for the admin user and context (what `aiokube kubeconfig` prints)
ADMIN_KUBECONFIG = "admin.kubeconfig"

#: (kind, namespace, name) -> the object from the watch cache, or None
Lookup = Callable[[str, str, str], "dict[str, Any] | None"]


#: bind addresses that listen on every interface: they name no host to put in a certificate or a URL
WILDCARDS = ("0.0.0.0", "::", "")


def serving_sans(config: SecurityConfig, bind_address: str) -> list[str]:
    """The extra names of the generated serving certificate: ``--tls-san`` and a specific bind address."""
    return [*config.tls_sans, *([bind_address] if bind_address not in WILDCARDS else [])]


def advertised_host(bind_address: str) -> str:
    """The host of this server's URLs (start line, kubeconfig): loopback for a wildcard bind address."""
    if bind_address == "::":
        return "[::1]"
    return "127.0.0.1" if bind_address in WILDCARDS else bind_address


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass
class SecurityConfig:
    """kube-apiserver's secure serving, authentication and authorization flags (cli.py)."""

    #: HTTPS port; None serves no HTTPS (in-process tests), 0 picks a free port
    secure_port: int | None = None
    tls_cert_file: str = ""
    tls_private_key_file: str = ""
    tls_sans: list[str] = field(default_factory=list)
    #: client certificates signed by this CA authenticate; "" = the generated CA
    client_ca_file: str = ""
    token_auth_file: str = ""
    service_account_signing_key_file: str = ""
    service_account_key_files: list[str] = field(default_factory=list)
    service_account_issuers: list[str] = field(default_factory=lambda: [DEFAULT_ISSUER])
    api_audiences: list[str] = field(default_factory=lambda: [DEFAULT_ISSUER])
    #: longest TokenRequest validity in seconds; 0 = no limit
    service_account_max_token_expiration: float = 0.0
    anonymous_auth: bool = True
    authorization_modes: list[str] = field(default_factory=lambda: ["RBAC"])


class Security:
    """One server's security: made from its config and data dir, ``prepare`` (files, before listening) then
    ``attach`` (the watch caches, once they have listed). The PKI is made lazily when there is no HTTPS
    port, since only TokenRequest then needs the signing key."""

    def __init__(self, config: SecurityConfig, data_dir: str, bind_address: str) -> None:
        self.config = config
        self.data_dir = data_dir
        self.bind_address = bind_address
        self.api_audiences = list(config.api_audiences)
        self._pki: pki.PKI | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self.authenticator: RequestAuthenticator | None = None
        self.authorizer = Authorizer(config.authorization_modes, None)
        self.rbac: RBACAuthorizer | None = None
        self.issuer: TokenIssuer | None = None
        self.validator: TokenValidator | None = None
        self.static_tokens: StaticTokenAuthenticator | None = None

    # --- files ---------------------------------------------------------------------------------------

    @property
    def pki(self) -> pki.PKI:
        if self._pki is None:
            self._pki = pki.ensure_pki(self.data_dir, serving_sans(self.config, self.bind_address))
        return self._pki

    def prepare(self) -> None:
        """Read or make the TLS material and keys, read the token file: errors here stop the server."""
        cfg = self.config
        if cfg.token_auth_file:
            self.static_tokens = StaticTokenAuthenticator.from_file(cfg.token_auth_file)
        if cfg.secure_port is None:
            return
        if cfg.tls_cert_file:
            cert_file, key_file = cfg.tls_cert_file, cfg.tls_private_key_file
        else:
            cert_file, key_file = str(self.pki.serving_cert), str(self.pki.serving_key)
        client_ca = cfg.client_ca_file or str(self.pki.ca_cert)
        self.ssl_context = ssl_server_context(cert_file, key_file, client_ca)

    def _signing_key(self) -> bytes:
        path = self.config.service_account_signing_key_file
        return Path(path).read_bytes() if path else self.pki.sa_key_pem

    def _verifying_keys(self) -> list[bytes]:
        files = self.config.service_account_key_files
        return [Path(f).read_bytes() for f in files] if files else [self._signing_key()]

    # --- caches --------------------------------------------------------------------------------------

    def attach(self, rbac_caches: dict[str, Cacher], lookup: Lookup) -> None:
        """Authorizers over the RBAC caches; token validation looking ServiceAccounts/Pods/Secrets up in
        theirs."""
        cfg = self.config
        # the RBAC rule resolver also judges writes of roles and bindings, whatever the modes (as in kube)
        self.rbac = RBACAuthorizer(CacheRBACSource(rbac_caches))
        self.authorizer = Authorizer(cfg.authorization_modes, self.rbac if "RBAC" in cfg.authorization_modes else None)
        self._lookup = lookup
        tokens: list[Any] = []
        if self.static_tokens is not None:
            tokens.append(self.static_tokens)
        if cfg.secure_port is not None:
            self.validator = TokenValidator(
                self._verifying_keys(), cfg.service_account_issuers, self.api_audiences, lookup
            )
            tokens.append(self.validator)
        cert = CertificateAuthenticator() if cfg.secure_port is not None else None
        self.authenticator = RequestAuthenticator(cert, tokens, cfg.anonymous_auth)

    def check_rbac_write(
        self, user: UserInfo, info: Any, obj: dict[str, Any], namespace: str, old: dict[str, Any] | None, name: str
    ) -> None:
        """kube's escalation (roles) and bind (bindings) checks: raise its 403 (or 404 for a missing role)."""
        if self.rbac is None:
            return
        if info.plural in ("roles", "clusterroles"):
            error = rbac.check_role_write(
                user, obj, namespace, self._decide, self.rbac, request_name=name, old_obj=old
            )
        elif info.plural in ("rolebindings", "clusterrolebindings"):
            error = rbac.check_binding_write(user, obj, namespace, self._decide, self.rbac, old_obj=old)
        else:
            return
        if error is not None:
            raise error

    def _decide(self, attrs: Attributes) -> Decision:
        return self.authorizer.authorize(attrs)[0]

    def token_issuer(self) -> TokenIssuer:
        if self.issuer is None:
            self.issuer = TokenIssuer(
                self._signing_key(), self.config.service_account_issuers[0], self.api_audiences
            )
        return self.issuer

    def authenticate_token(self, token: str, audiences: list[str]) -> tuple[UserInfo, list[str]]:
        """TokenReview: as a request carrying ``token`` would authenticate (anonymous never)."""
        if self.authenticator is None:
            raise ValueError("no token authenticator is configured")
        try:
            result = self.authenticator.authenticate_token(token, audiences)
        except Unauthorized as exc:
            raise ValueError(str(exc) or "invalid bearer token") from None
        if result is None:
            raise ValueError("invalid bearer token")
        return result

    def openid_documents(self, jwks_uri: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """kube's service-account issuer discovery: /.well-known/openid-configuration and /openid/v1/jwks."""
        keys = self._verifying_keys()
        issuer = self.config.service_account_issuers[0]
        return serviceaccount.openid_configuration(issuer, jwks_uri, keys), serviceaccount.jwks(keys)

    # --- kubeconfig ----------------------------------------------------------------------------------

    def write_admin_kubeconfig(self, server_url: str) -> Path:
        """``<data-dir>/admin.kubeconfig``: cluster-admin (O=system:masters) over HTTPS, rewritten each start
        (the port may differ)."""
        p = self.pki
        text = kubeconfig.kubeconfig(server_url, p.ca_cert_pem, p.admin_cert_pem, p.admin_key_pem)
        path = Path(self.data_dir) / ADMIN_KUBECONFIG
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
        return path
