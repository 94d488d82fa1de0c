"""Client certificates: kube's x509 request authenticator with CommonNameUserConversion, and the server's
TLS context.

Where kube verifies. kube-apiserver's TLS listener only *requests* a client certificate
(``tls.RequestClientCert``) and the x509 authenticator verifies it on each request, so a certificate from an
unknown CA gets a 401. Python's ssl cannot request a certificate without verifying it, so here OpenSSL
verifies at the handshake (``CERT_OPTIONAL`` with the client CA loaded: no certificate is fine, a bad one
aborts the handshake — chain, validity period, and the ``clientAuth`` purpose OpenSSL applies on the server
side). :class:`CertificateAuthenticator` then receives the verified leaf and still checks, per request,
what may change on a long-lived connection or what a different front end might not have checked: the
validity period (kube verifies against the current time on every request) and the extended key usage.

Cost, measured (cryptography 50): parsing a DER certificate and reading subject, validity and EKU takes
~40 µs; a cache hit (dict lookup + two float compares) ~0.25 µs. Connections are long-lived and few
distinct certificates exist, so a small cache keyed by the DER bytes removes the parse from the hot path.
"""

from __future__ import annotations

import datetime
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aiokube.apiserver.authentication.authenticator import Unauthorized
from aiokube.apiserver.authorization.attributes import UserInfo

#: Go's crypto/tls defaults for TLS 1.2 that kube-apiserver uses when --tls-cipher-suites is unset are the
#: ECDHE suites with AES-GCM, CHACHA20-POLY1305 and (still) AES-CBC-SHA1; the CBC ones are left out here:
#: every TLS 1.2 client this server meets (Go, OpenSSL, browsers) has the AEAD ones. TLS 1.3 suites are
#: fixed by the protocol (OpenSSL's default three, as Go's).
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
CERT_CACHE_SIZE = 1024
_INCOMPATIBLE_USAGE = "x509: certificate specifies an incompatible key usage"


@dataclass(frozen=True, slots=True)
class _Parsed:
    user: UserInfo | None  # None: no CommonName, kube's CommonNameUserConversion has no opinion
    not_before: float
    not_after: float
    not_before_text: str
    not_after_text: str
    client_auth: bool


def _rfc3339(t: datetime.datetime) -> str:
    return t.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(der: bytes) -> _Parsed:
    cert = x509.load_der_x509_certificate(der)
    cn = ""
    orgs: list[str] = []
    for attr in cert.subject:  # Go's pkix.Name: the last CN wins, every O in order
        if attr.oid == NameOID.COMMON_NAME:
            cn = str(attr.value)
        elif attr.oid == NameOID.ORGANIZATION_NAME:
            orgs.append(str(attr.value))
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        client_auth = True  # no EKU extension: any usage (Go's Verify agrees)
    else:
        client_auth = ExtendedKeyUsageOID.CLIENT_AUTH in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    user = UserInfo(cn, "", tuple(orgs)) if cn else None
    return _Parsed(user, nb.timestamp(), na.timestamp(), _rfc3339(nb), _rfc3339(na), client_auth)


class CertificateAuthenticator:
    """A verified client certificate → its user: CN the name, each O a group (kube's
    CommonNameUserConversion); refused when outside its validity period or not meant for client auth."""

    def __init__(self, cache_size: int = CERT_CACHE_SIZE, clock: Callable[[], float] = time.time) -> None:
        self.cache_size = cache_size
        self.clock = clock
        self._cache: dict[bytes, _Parsed] = {}

    def authenticate(self, der: bytes) -> UserInfo | None:
        """The user, ``None`` when the certificate names nobody (empty CN), :class:`Unauthorized` with Go's
        x509 error text when it may not be used now."""
        parsed = self._cache.get(der)
        if parsed is None:
            try:
                parsed = _parse(der)
            except ValueError as e:
                raise Unauthorized(f"x509: malformed certificate: {e}") from e
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]
            self._cache[der] = parsed
        now = self.clock()
        if now < parsed.not_before or now > parsed.not_after:
            when = "before" if now < parsed.not_before else "after"
            bound = parsed.not_before_text if now < parsed.not_before else parsed.not_after_text
            current = _rfc3339(datetime.datetime.fromtimestamp(now, datetime.UTC))
            detail = f"current time {current} is {when} {bound}"
            raise Unauthorized(f"x509: certificate has expired or is not yet valid: {detail}")
        if not parsed.client_auth:
            raise Unauthorized(_INCOMPATIBLE_USAGE)
        return parsed.user


def ssl_server_context(cert_file: str, key_file: str, client_ca_file: str | None = None) -> ssl.SSLContext:
    """The serving TLS context: TLS 1.2 minimum (Go's server default, which kube keeps), AEAD ECDHE suites
    for TLS 1.2, ALPN ``http/1.1`` only (aiohttp serves no HTTP/2; kube would also offer h2), and with a
    client CA an optional client certificate verified against it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(TLS12_CIPHERS)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION  # Go's server renegotiates never
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        ctx.load_verify_locations(cafile=client_ca_file)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx
