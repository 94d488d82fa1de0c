"""The cluster's TLS material, made once under ``<data_dir>/pki/`` the way kubeadm lays it out: a CA, the
serving certificate, the ServiceAccount signing key pair and the admin client certificate.

Key types. The CA, serving and client certificates use ECDSA P-256: measured here (cryptography 50, OpenSSL
3.0) a P-256 key takes ~16 µs to generate against ~45 ms (often 100+ ms) for RSA 2048, and the server's
handshake signature costs ~80 µs against ~700 µs for RSA 2048 — every full TLS handshake pays that, so
ECDSA serves about 8x more new connections per core. Go clients (kubectl) and Python's ssl accept both.
The ServiceAccount key stays RSA 2048 (RS256), as kube/kubeadm make ``sa.key``: token consumers outside the
cluster expect RS256 first, and verifying RS256 is cheaper (~25 µs against ~80 µs for ES256).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import ipaddress
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CN = "aiokube-ca"
SERVING_CN = "kube-apiserver"
ADMIN_CN = "kubernetes-admin"
ADMIN_GROUP = "system:masters"
CA_DAYS = 3650
LEAF_DAYS = 365
#: a leaf certificate is made again when it expires within this window (kubeadm's renewal warning threshold)
RENEW_BEFORE = datetime.timedelta(days=30)
#: leaf certificates start slightly in the past so a peer with a lagging clock accepts them at once
BACKDATE = datetime.timedelta(minutes=5)
#: the names kube-apiserver's serving certificate always carries (kubeadm's apiserver cert, default service CIDR)
DEFAULT_SANS = (
    "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
    "127.0.0.1", "::1", "10.96.0.1",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PKI:
    """Paths of the files under ``<data_dir>/pki`` and their PEM contents."""

    dir: Path
    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    sa_key: Path
    sa_pub: Path
    admin_cert: Path
    admin_key: Path
    ca_cert_pem: bytes
    ca_key_pem: bytes
    serving_cert_pem: bytes
    serving_key_pem: bytes
    sa_key_pem: bytes
    sa_pub_pem: bytes
    admin_cert_pem: bytes
    admin_key_pem: bytes


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically (a reader never sees half a key) with the permission set before any byte lands."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # the umask may have narrowed it; keys must be exactly 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    """As kubeadm writes keys: "RSA PRIVATE KEY" (PKCS#1) for RSA, "EC PRIVATE KEY" (SEC 1) for ECDSA."""
    fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _serial() -> int:
    """A positive random serial below 2^63, as client-go's cert helpers draw them."""
    return secrets.randbelow((1 << 63) - 2) + 1


def _name(cn: str, orgs: Sequence[str] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    if cn:  # no CN at all rather than an empty one (X.520 forbids it; kube's conversion ignores such a cert)
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _new_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """client-go's NewSelfSignedCACert: CN (also as a DNS name), 10 years, CA:TRUE, certSign usage."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_CN))
        .issuer_name(_name(CA_CN))
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(CA_CN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _key_usage(cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=cert_sign, crl_sign=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def _alt_names(names: Sequence[str]) -> list[x509.GeneralName]:
    """Each name as an IP SAN when it parses as an address, else as a DNS SAN; duplicates dropped."""
    out: list[x509.GeneralName] = []
    seen: set[x509.GeneralName] = set()
    for name in names:
        try:
            general: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            general = x509.DNSName(name)
        if general not in seen:
            seen.add(general)
            out.append(general)
    return out


def _sign_leaf(
    ca_cert: x509.Certificate, ca_key: CertificateIssuerPrivateKeyTypes, cn: str, orgs: Sequence[str],
    usage: x509.ObjectIdentifier, sans: Sequence[str] = (), days: int = LEAF_DAYS,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:  # fmt: skip
    """kubeadm's NewSignedCert: a fresh key, one extended key usage, CA:FALSE."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, orgs))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(_alt_names(sans)), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _load_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def _load_key(path: Path) -> CertificateIssuerPrivateKeyTypes | None:
    try:
        # OpenSSL's RSA consistency check costs ~45 ms a key; these are files this module wrote itself
        key = serialization.load_pem_private_key(path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True)
    except (FileNotFoundError, ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) else None


def _matches(cert: x509.Certificate, key: CertificateIssuerPrivateKeyTypes) -> bool:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _leaf_usable(cert: x509.Certificate | None, key: object, ca: x509.Certificate, sans: Sequence[str] = ()) -> bool:
    """Issued by this CA, matching its key, not expiring within RENEW_BEFORE, carrying every wanted SAN."""
    if cert is None or not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) or not _matches(cert, key):
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    if cert.not_valid_after_utc - RENEW_BEFORE <= _now():
        return False
    if sans:
        try:
            have = set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        except x509.ExtensionNotFound:
            return False
        if not set(_alt_names(sans)) <= have:
            return False
    return True


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Replicas sharing a data dir start together: one of them makes the files, the others then load them."""
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ensure_ca(d: Path) -> tuple[x509.Certificate, CertificateIssuerPrivateKeyTypes, bool]:
    """Load the CA, or make a new one (then every leaf must be made again: the bool says so)."""
    cert, key = _load_cert(d / "ca.crt"), _load_key(d / "ca.key")
    if cert is not None and key is not None and _matches(cert, key) and cert.not_valid_after_utc > _now():
        return cert, key, False
    cert, key = _new_ca()
    _write(d / "ca.key", _key_pem(key), 0o600)
    _write(d / "ca.crt", _cert_pem(cert), 0o644)
    return cert, key, True


def _ensure_leaf(
    d: Path, stem: str, ca: x509.Certificate, ca_key: CertificateIssuerPrivateKeyTypes, cn: str, orgs: Sequence[str],
    usage: x509.ObjectIdentifier, sans: Sequence[str] = (),
) -> None:  # fmt: skip
    cert, key = _load_cert(d / f"{stem}.crt"), _load_key(d / f"{stem}.key")
    if _leaf_usable(cert, key, ca, sans):
        return
    cert, key = _sign_leaf(ca, ca_key, cn, orgs, usage, sans)
    _write(d / f"{stem}.key", _key_pem(key), 0o600)
    _write(d / f"{stem}.crt", _cert_pem(cert), 0o644)


def _ensure_sa_key(d: Path) -> None:
    """kubeadm's sa.key / sa.pub: RSA 2048, the public half as a PKIX "PUBLIC KEY"."""
    key = _load_key(d / "sa.key")
    if not isinstance(key, rsa.RSAPrivateKey):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write(d / "sa.key", _key_pem(key), 0o600)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        current = (d / "sa.pub").read_bytes()
    except FileNotFoundError:
        current = b""
    if current != pub:
        _write(d / "sa.pub", pub, 0o644)


def ensure_pki(data_dir: str | os.PathLike[str], sans: Sequence[str] = ()) -> PKI:
    """Make whatever is missing, stale or unusable under ``<data_dir>/pki`` and load the rest as is.

    The serving certificate is made again (by the same CA) when one of ``sans`` — an IP when it parses as one,
    else a DNS name — is missing or it expires within 30 days; the admin certificate likewise on expiry."""
    d = Path(data_dir) / "pki"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(d):
        ca, ca_key, fresh = _ensure_ca(d)
        if fresh:  # leaves of an old CA would no longer verify
            for stem in ("apiserver", "admin"):
                (d / f"{stem}.crt").unlink(missing_ok=True)
        _ensure_leaf(d, "apiserver", ca, ca_key, SERVING_CN, (), ExtendedKeyUsageOID.SERVER_AUTH,
                     [*DEFAULT_SANS, *sans])  # fmt: skip
        _ensure_leaf(d, "admin", ca, ca_key, ADMIN_CN, (ADMIN_GROUP,), ExtendedKeyUsageOID.CLIENT_AUTH)
        _ensure_sa_key(d)
        paths = {
            "ca_cert": d / "ca.crt", "ca_key": d / "ca.key", "serving_cert": d / "apiserver.crt",
            "serving_key": d / "apiserver.key", "sa_key": d / "sa.key", "sa_pub": d / "sa.pub",
            "admin_cert": d / "admin.crt", "admin_key": d / "admin.key",
        }  # fmt: skip
        pems = {f"{k}_pem": p.read_bytes() for k, p in paths.items()}
    return PKI(dir=d, **paths, **pems)


def mint_client_cert(pki: PKI, user: str, groups: Sequence[str] = (), days: int = LEAF_DAYS) -> tuple[bytes, bytes]:
    """A client certificate for ``user`` (CN) in ``groups`` (O), signed by the cluster CA: ``(cert_pem, key_pem)``."""
    ca = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    ca_key = serialization.load_pem_private_key(pki.ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("the CA key is neither ECDSA nor RSA")
    cert, key = _sign_leaf(ca, ca_key, user, groups, ExtendedKeyUsageOID.CLIENT_AUTH, days=days)
    return _cert_pem(cert), _key_pem(key)
