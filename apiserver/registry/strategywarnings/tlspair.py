"""The check of a ``kubernetes.io/tls`` Secret's pair that kube makes for a warning (crypto/tls.X509KeyPair):
the first CERTIFICATE block of ``tls.crt``, the first ``PRIVATE KEY`` block of ``tls.key``, both parsed, and
the key the certificate's. The texts are Go's; a certificate that does not parse reads ``x509: malformed
certificate`` (Go names the part that failed)."""

from __future__ import annotations

import base64
import binascii
import bisect
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

_BEGIN = re.compile(rb"-----BEGIN ([^\r\n]*)-----\r?\n")
_END = b"-----END "


def _blocks(data: bytes) -> list[tuple[str, bytes]]:
    """pem.Decode, repeated: (type, DER) of each block whose body is base64, a block ending at the first END
    line after its BEGIN (others are skipped, as Go skips what it cannot decode and goes on after it). The END
    lines are found once and looked up by position, and a body holding another BEGIN line is known not to be
    base64 without decoding it: a regular expression pairing them (``BEGIN (x) ... END \\1``) took 36 s of the
    event loop for 20,000 BEGIN lines without an END (360 KB), decoding each such body 16 s."""
    ends = []
    at = data.find(_END)
    while at >= 0:
        ends.append(at)
        at = data.find(_END, at + 1)
    out: list[tuple[str, bytes]] = []
    done = 0
    begins = list(_BEGIN.finditer(data))
    for k, begin in enumerate(begins):
        if begin.start() < done:
            continue
        i = bisect.bisect_left(ends, begin.end())
        if i == len(ends):
            break  # no END after this BEGIN, nor after any later one
        kind, end = begin.group(1), ends[i]
        if k + 1 < len(begins) and begins[k + 1].start() < end:
            continue  # the body holds another BEGIN line: not base64 (no need to decode it to know)
        trailer = end + len(_END)
        if data[trailer : trailer + len(kind) + 5] != kind + b"-----":
            continue
        body = data[begin.end() : end]
        if b":" in body.split(b"\n\n", 1)[0] and b"\n\n" in body:  # RFC 1421 headers before a blank line
            body = body.split(b"\n\n", 1)[1]
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        out.append((kind.decode("latin-1"), der))
        done = trailer + len(kind) + 5
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
