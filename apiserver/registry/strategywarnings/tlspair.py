"""The check of a ``kubernetes.io/tls`` Secret's pair that kube makes for a warning (crypto/tls.X509KeyPair):
the first CERTIFICATE block of ``tls.crt``, the first ``PRIVATE KEY`` block of ``tls.key``, both parsed, and
the key the certificate's. The texts are Go's; a certificate that does not parse reads ``x509: malformed
certificate`` (Go names the part that failed)."""

from __future__ import annotations

import base64
import binascii
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

_BLOCK = re.compile(rb"-----BEGIN ([^\r\n-]*)-----\r?\n(.*?)-----END \1-----", re.S)


def _blocks(data: bytes) -> list[tuple[str, bytes]]:
    """pem.Decode, repeated: (type, DER) of each block whose body is base64 (others are skipped, as Go skips
    what it cannot decode and goes on after it)."""
    out = []
    for match in _BLOCK.finditer(data):
        body = match.group(2)
        if b":" in body.split(b"\n\n", 1)[0] and b"\n\n" in body:  # RFC 1421 headers before a blank line
            body = body.split(b"\n\n", 1)[1]
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        out.append((match.group(1).decode("latin-1"), der))
    return out


def _go_list(items: list[str]) -> str:
    return "[" + " ".join(items) + "]"


def key_pair_error(cert_b64: str, key_b64: str) -> str | None:
    """X509KeyPair's error for the Secret's base64 values, or None when the pair is good."""
    try:
        cert_pem, key_pem = base64.b64decode(cert_b64 or ""), base64.b64decode(key_b64 or "")
    except (binascii.Error, ValueError):
        return None  # validation refused such data before
    blocks = _blocks(cert_pem)
    certs = [der for kind, der in blocks if kind == "CERTIFICATE"]
    if not certs:
        skipped = [kind for kind, _ in blocks]
        if not skipped:
            return "tls: failed to find any PEM data in certificate input"
        if len(skipped) == 1 and skipped[0].endswith("PRIVATE KEY"):
            return (
                "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM "
                "inputs may have been switched"
            )
        return (
            'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the '
            f"following types: {_go_list(skipped)}"
        )
    skipped = []
    key_der = None
    for kind, der in _blocks(key_pem):
        if kind == "PRIVATE KEY" or kind.endswith(" PRIVATE KEY"):
            key_der = der
            break
        skipped.append(kind)
    if key_der is None:
        if not skipped:
            return "tls: failed to find any PEM data in key input"
        if skipped == ["CERTIFICATE"]:
            return "tls: found a certificate rather than a key in the PEM for the private key"
        return (
            'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks '
            f"of the following types: {_go_list(skipped)}"
        )
    try:
        public = x509.load_der_x509_certificate(certs[0]).public_key()
    except ValueError:
        return "x509: malformed certificate"
    try:
        private = serialization.load_der_private_key(key_der, password=None)
    except (ValueError, TypeError):
        return "tls: failed to parse private key"
    for public_type, private_type in (
        (rsa.RSAPublicKey, rsa.RSAPrivateKey),
        (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey),
        (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
    ):
        if isinstance(public, public_type):
            if not isinstance(private, private_type):
                return "tls: private key type does not match public key type"
            if private.public_key() != public:
                return "tls: private key does not match public key"
            return None
    return "tls: unknown public key algorithm"
