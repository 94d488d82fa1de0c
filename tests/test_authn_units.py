"""The authentication layer without a server: PKI files, TLS handshakes over loopback, the token file,
ServiceAccount tokens, and kube's authenticator chain semantics."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import socket
import ssl
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import api_jws

from aiokube.apiserver.authentication import kubeconfig, pki
from aiokube.apiserver.authentication.authenticator import (
    ANONYMOUS,
    RequestAuthenticator,
    Unauthorized,
    aggregate,
    bearer_token,
)
from aiokube.apiserver.authentication.serviceaccount import (
    LEGACY_INVALID_SINCE_LABEL,
    TokenIssuer,
    TokenValidator,
    jwks,
    key_id,
    legacy_last_used_patch,
    openid_configuration,
    parse_public_keys,
)
from aiokube.apiserver.authentication.tokenfile import (
    StaticTokenAuthenticator,
    TokenFileError,
    parse_token_file,
    read_csv,
)
from aiokube.apiserver.authentication.x509 import CertificateAuthenticator, ssl_server_context
from aiokube.apiserver.authorization.attributes import UserInfo

ISS = "https://kubernetes.default.svc.cluster.local"
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> pki.PKI:
    return pki.ensure_pki(tmp_path_factory.mktemp("data"))


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _sans(pem: bytes) -> set[str]:
    ext = x509.load_pem_x509_certificate(pem).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return {str(n.value) for n in ext.value}


# ---------------------------------------------------------------------------------------------- PKI


def test_pki_is_made_once_and_loaded_after(tmp_path: Path) -> None:
    first = pki.ensure_pki(tmp_path, ["192.168.7.7", "api.example.test"])
    stamps = {p.name: p.stat().st_mtime_ns for p in first.dir.iterdir()}
    again = pki.ensure_pki(tmp_path, ["api.example.test"])
    assert again == first
    assert {p.name: p.stat().st_mtime_ns for p in again.dir.iterdir()} == stamps
    ca = x509.load_pem_x509_certificate(first.ca_cert_pem)
    assert ca.subject.rfc4514_string() == "CN=aiokube-ca"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3649
    serving = x509.load_pem_x509_certificate(first.serving_cert_pem)
    assert serving.subject.rfc4514_string() == "CN=kube-apiserver"
    serving.verify_directly_issued_by(ca)
    eku = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
    assert {"localhost", "kubernetes.default.svc.cluster.local", "127.0.0.1", "::1", "10.96.0.1"} <= _sans(
        first.serving_cert_pem
    )
    # an address becomes an IP SAN, anything else a DNS SAN
    ext = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.168.7.7" in {str(i) for i in ext.get_values_for_type(x509.IPAddress)}
    assert "api.example.test" in ext.get_values_for_type(x509.DNSName)
    admin = x509.load_pem_x509_certificate(first.admin_cert_pem)
    assert admin.subject.rfc4514_string() == "CN=kubernetes-admin,O=system:masters"
    assert list(admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    sa_key = serialization.load_pem_private_key(first.sa_key_pem, None)
    assert isinstance(sa_key, rsa.RSAPrivateKey) and sa_key.key_size == 2048
    assert parse_public_keys(first.sa_pub_pem)[0].public_numbers() == sa_key.public_key().public_numbers()


def test_pki_keys_are_private(tmp_path: Path) -> None:
    p = pki.ensure_pki(tmp_path)
    for key in (p.ca_key, p.serving_key, p.sa_key, p.admin_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    for cert in (p.ca_cert, p.serving_cert, p.admin_cert, p.sa_pub):
        assert stat.S_IMODE(cert.stat().st_mode) == 0o644, cert


def test_serving_cert_is_made_again_for_a_new_san_by_the_same_ca(tmp_path: Path) -> None:
    first = pki.ensure_pki(tmp_path)
    second = pki.ensure_pki(tmp_path, ["10.0.0.42"])
    assert second.serving_cert_pem != first.serving_cert_pem and "10.0.0.42" in _sans(second.serving_cert_pem)
    assert second.ca_cert_pem == first.ca_cert_pem and second.ca_key_pem == first.ca_key_pem
    assert second.admin_cert_pem == first.admin_cert_pem and second.sa_key_pem == first.sa_key_pem


def test_expiring_certificates_are_made_again(tmp_path: Path) -> None:
    first = pki.ensure_pki(tmp_path)
    cert, key = pki.mint_client_cert(first, "kubernetes-admin", ["system:masters"], days=10)
    first.admin_cert.write_bytes(cert)
    first.admin_key.write_bytes(key)
    second = pki.ensure_pki(tmp_path)
    assert second.admin_cert_pem not in (cert, first.admin_cert_pem)
    left = x509.load_pem_x509_certificate(second.admin_cert_pem).not_valid_after_utc
    assert left - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=300)


def test_a_new_ca_reissues_every_leaf(tmp_path: Path) -> None:
    first = pki.ensure_pki(tmp_path)
    first.ca_key.unlink()
    second = pki.ensure_pki(tmp_path)
    assert second.ca_cert_pem != first.ca_cert_pem
    ca = x509.load_pem_x509_certificate(second.ca_cert_pem)
    for pem in (second.serving_cert_pem, second.admin_cert_pem):
        x509.load_pem_x509_certificate(pem).verify_directly_issued_by(ca)
    assert second.sa_key_pem == first.sa_key_pem  # tokens already issued stay valid


def test_mint_client_cert(cluster: pki.PKI) -> None:
    cert_pem, key_pem = pki.mint_client_cert(cluster, "jane", ["dev", "ops"], days=30)
    cert = x509.load_pem_x509_certificate(cert_pem)
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(cluster.ca_cert_pem))
    assert cert.subject.rfc4514_string() == "CN=jane,O=ops,O=dev"  # RFC 4514 lists the RDNs last first
    assert CertificateAuthenticator().authenticate(_der(cert_pem)) == UserInfo("jane", "", ("dev", "ops"))
    assert isinstance(serialization.load_pem_private_key(key_pem, None), ec.EllipticCurvePrivateKey)


def test_kubeconfigs(cluster: pki.PKI) -> None:
    doc = yaml.safe_load(kubeconfig.kubeconfig("https://127.0.0.1:6443", cluster.ca_cert_pem, cluster.admin_cert_pem,
                                               cluster.admin_key_pem))  # fmt: skip
    assert doc["current-context"] == "aiokube" and doc["kind"] == "Config" and doc["apiVersion"] == "v1"
    assert doc["contexts"] == [{"name": "aiokube", "context": {"cluster": "aiokube", "user": "kubernetes-admin"}}]
    cluster_entry = doc["clusters"][0]
    assert cluster_entry["name"] == "aiokube" and cluster_entry["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster_entry["cluster"]["certificate-authority-data"]) == cluster.ca_cert_pem
    user = doc["users"][0]["user"]
    assert base64.b64decode(user["client-certificate-data"]) == cluster.admin_cert_pem
    assert base64.b64decode(user["client-key-data"]) == cluster.admin_key_pem
    text = kubeconfig.token_kubeconfig("https://h:1", cluster.ca_cert_pem, "abc", user="u", context="c", cluster="k")
    doc = yaml.safe_load(text)
    assert doc["users"] == [{"name": "u", "user": {"token": "abc"}}] and doc["current-context"] == "c"
    assert doc["contexts"][0]["context"] == {"cluster": "k", "user": "u"}


# ---------------------------------------------------------------------------------------------- TLS


def _handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> dict[str, Any]:
    """One connection over loopback: what the server saw (peer certificate, ALPN, or the handshake error)."""
    seen: dict[str, Any] = {}
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                seen["peer"] = tls.getpeercert(binary_form=True)
                seen["alpn"] = tls.selected_alpn_protocol()
                seen["version"] = tls.version()
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError) as e:
            seen["error"] = e
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            try:
                with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    seen["client_alpn"] = tls.selected_alpn_protocol()
                    seen["reply"] = tls.recv(2)  # TLS 1.3: a refused client certificate shows up here
            except (ssl.SSLError, OSError) as e:
                seen["client_error"] = e
    finally:
        thread.join(10)
        listener.close()
    return seen


def _client(cluster: pki.PKI, tmp_path: Path, cert: tuple[bytes, bytes] | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=cluster.ca_cert_pem.decode())
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    if cert is not None:
        (tmp_path / "c.crt").write_bytes(cert[0])
        (tmp_path / "c.key").write_bytes(cert[1])
        ctx.load_cert_chain(tmp_path / "c.crt", tmp_path / "c.key")
    return ctx


def _server(cluster: pki.PKI) -> ssl.SSLContext:
    return ssl_server_context(str(cluster.serving_cert), str(cluster.serving_key), str(cluster.ca_cert))


def test_tls_admin_certificate_is_accepted(cluster: pki.PKI, tmp_path: Path) -> None:
    seen = _handshake(_server(cluster), _client(cluster, tmp_path, (cluster.admin_cert_pem, cluster.admin_key_pem)))
    assert "error" not in seen and seen["reply"] == b"ok"
    assert seen["alpn"] == seen["client_alpn"] == "http/1.1"  # h2 is not offered back
    assert seen["version"] in ("TLSv1.2", "TLSv1.3")
    authn = RequestAuthenticator(CertificateAuthenticator(), [], anonymous=True)
    user = authn.authenticate(None, seen["peer"])
    assert user == UserInfo("kubernetes-admin", "", ("system:masters", "system:authenticated"))


def test_tls_certificate_of_another_ca_is_refused(cluster: pki.PKI, tmp_path: Path) -> None:
    other = pki.ensure_pki(tmp_path / "other")
    seen = _handshake(_server(cluster), _client(cluster, tmp_path, (other.admin_cert_pem, other.admin_key_pem)))
    assert isinstance(seen.get("error"), ssl.SSLError), seen
    assert "peer" not in seen
    assert "client_error" in seen or seen.get("reply") == b""


def test_tls_server_certificate_is_refused_as_a_client_certificate(cluster: pki.PKI, tmp_path: Path) -> None:
    """OpenSSL checks the clientAuth purpose at the handshake (kube's Verify with ExtKeyUsageClientAuth)."""
    seen = _handshake(_server(cluster), _client(cluster, tmp_path, (cluster.serving_cert_pem, cluster.serving_key_pem)))
    assert isinstance(seen.get("error"), ssl.SSLError), seen


def test_tls_without_a_certificate_is_anonymous(cluster: pki.PKI, tmp_path: Path) -> None:
    seen = _handshake(_server(cluster), _client(cluster, tmp_path))
    assert "error" not in seen and seen["reply"] == b"ok" and seen["peer"] is None
    authn = RequestAuthenticator(CertificateAuthenticator(), [], anonymous=True)
    assert authn.authenticate(None, seen["peer"]) == ANONYMOUS


def test_tls12_refuses_cbc_suites(cluster: pki.PKI, tmp_path: Path) -> None:
    client = _client(cluster, tmp_path)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client.set_ciphers("ECDHE-ECDSA-AES128-SHA")
    assert "error" in _handshake(_server(cluster), client)
    client = _client(cluster, tmp_path)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    seen = _handshake(_server(cluster), client)
    assert seen["version"] == "TLSv1.2" and seen["reply"] == b"ok"


def test_certificate_authenticator_checks_validity_and_usage(cluster: pki.PKI) -> None:
    now = [datetime.datetime.now(datetime.UTC).timestamp()]
    authn = CertificateAuthenticator(clock=lambda: now[0])
    der = _der(cluster.admin_cert_pem)
    assert authn.authenticate(der) == UserInfo("kubernetes-admin", "", ("system:masters",))
    now[0] += 400 * 86400
    with pytest.raises(Unauthorized, match=r"^x509: certificate has expired or is not yet valid: current time "):
        authn.authenticate(der)
    now[0] -= 401 * 86400
    with pytest.raises(Unauthorized, match=r" is before "):
        authn.authenticate(der)
    now[0] += 86400
    with pytest.raises(Unauthorized, match=r"^x509: certificate specifies an incompatible key usage$"):
        authn.authenticate(_der(cluster.serving_cert_pem))
    # an empty CN names nobody: no opinion, the chain goes on (here to anonymous)
    cert_pem, _ = pki.mint_client_cert(cluster, "", ["g"])
    assert authn.authenticate(_der(cert_pem)) is None
    chain = RequestAuthenticator(authn, [], anonymous=True)
    assert chain.authenticate(None, _der(cert_pem)) == ANONYMOUS


# ---------------------------------------------------------------------------------------------- token file


def test_token_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens.csv"
    path.write_bytes(
        b'abc,alice,1,"system:masters,dev"\r\n'
        b"\n"
        b"def,bob,2\n"
        b",nobody,3\n"
        b"abc,alice2,4,solo\n"
        b'"q""t",carol,5,\n'
        b"ghi,dave,6,,extra"
    )
    with caplog.at_level(logging.WARNING):
        tokens = parse_token_file(path)
    assert tokens == {
        "abc": UserInfo("alice2", "4", ("solo",)),
        "def": UserInfo("bob", "2", ()),
        'q"t': UserInfo("carol", "5", ("",)),  # strings.Split("", ",") is [""]
        "ghi": UserInfo("dave", "6", ("",)),
    }
    assert f"empty token has been found in token file '{path}', record number '3'" in caplog.text
    assert f"duplicate token has been found in token file '{path}', record number '4'" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"abc,alice\n", "token file '{path}' must have at least 3 columns (token, user name, user uid), found 2"),
        (
            b"# a comment\nabc,alice,1\n",
            "token file '{path}' must have at least 3 columns (token, user name, user uid), found 1",
        ),
        (b'abc,alice,1\na"b,bob,2\n', 'parse error on line 2, column 2: bare " in non-quoted-field'),
        (b'"tok"x,alice,1\n', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'),
        (b'tok,alice,1,"a,b\n', 'parse error on line 1, column 18: extraneous or missing " in quoted-field'),
        (
            b'tok,alice,1,"a\nb"x\n',
            'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field',
        ),
    ],
)
def test_malformed_token_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "tokens.csv"
    path.write_bytes(content)
    with pytest.raises(TokenFileError) as info:
        parse_token_file(path)
    assert str(info.value) == message.format(path=path)


def test_token_file_missing(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match=r"^open .*/nope\.csv: no such file or directory$"):
        parse_token_file(tmp_path / "nope.csv")


def test_go_csv_multiline_quoted_field() -> None:
    assert list(read_csv(b'a,"x\r\ny",b\n\n"",c\n')) == [["a", "x\ny", "b"], ["", "c"]]


def test_static_tokens_answer_for_the_api_audiences_only() -> None:
    static = StaticTokenAuthenticator({"t": UserInfo("u", "1", ("g",))}, [ISS])
    authn = RequestAuthenticator(None, [static], anonymous=False)
    assert authn.authenticate("Bearer t", None) == UserInfo("u", "1", ("g", "system:authenticated"))
    assert authn.authenticate_token("t") == (UserInfo("u", "1", ("g", "system:authenticated")), (ISS,))
    assert authn.authenticate_token("t", [ISS, "other"]) == (UserInfo("u", "1", ("g", "system:authenticated")), (ISS,))
    with pytest.raises(Unauthorized, match=r"^invalid bearer token$"):
        authn.authenticate_token("t", ["other"])
    with pytest.raises(Unauthorized, match=r"^invalid bearer token$"):
        authn.authenticate_token("nope")


# ---------------------------------------------------------------------------------------------- SA tokens


class World:
    """The objects a validator looks up, and its clock."""

    def __init__(self) -> None:
        self.now = NOW
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}

    def put(self, kind: str, namespace: str, name: str, uid: str, deleting_since: float | None = None) -> None:
        meta: dict[str, Any] = {"name": name, "uid": uid}
        if deleting_since is not None:
            stamp = datetime.datetime.fromtimestamp(deleting_since, datetime.UTC)
            meta["deletionTimestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.objects[(kind, namespace, name)] = {"metadata": meta}

    def lookup(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((kind, namespace, name))

    def clock(self) -> float:
        return self.now


@pytest.fixture
def world() -> World:
    w = World()
    w.put("ServiceAccount", "default", "builder", "sa-1")
    w.put("Pod", "default", "web", "pod-1")
    w.put("Secret", "default", "s", "sec-1")
    w.put("Node", "", "n1", "node-1")
    return w


@pytest.fixture(scope="module")
def issuer(cluster: pki.PKI) -> TokenIssuer:
    return TokenIssuer(cluster.sa_key_pem, ISS, [ISS])


def _validator(cluster: pki.PKI, world: World, **kw: Any) -> TokenValidator:
    return TokenValidator([cluster.sa_pub_pem], [ISS], [ISS], world.lookup, clock=world.clock, **kw)


def _at(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, payload, _ = token.split(".")
    return tuple(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (head, payload))  # type: ignore[return-value]


def test_issued_token_has_kubes_shape(cluster: pki.PKI, issuer: TokenIssuer) -> None:
    pod = {"kind": "Pod", "name": "web", "uid": "pod-1", "nodeName": "n1"}
    token, expires = issuer.issue("default", "builder", "sa-1", [ISS], 600, pod, _at(NOW + 0.5))
    header, claims = _segments(token)
    sa_pub = serialization.load_pem_public_key(cluster.sa_pub_pem)
    der = sa_pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert header == {"alg": "RS256", "kid": kid} and key_id(sa_pub) == kid
    assert base64.urlsafe_b64decode(token.split(".")[0] + "==") == json.dumps(header, separators=(",", ":")).encode()
    assert list(claims) == sorted(claims)
    jti = claims.pop("jti")
    assert len(jti) == 36
    assert claims == {
        "aud": [ISS], "exp": int(NOW) + 600, "iat": int(NOW), "iss": ISS, "nbf": int(NOW),
        "kubernetes.io": {"namespace": "default", "node": {"name": "n1"}, "pod": {"name": "web", "uid": "pod-1"},
                          "serviceaccount": {"name": "builder", "uid": "sa-1"}},
        "sub": "system:serviceaccount:default:builder",
    }  # fmt: skip
    assert expires == _at(NOW + 600.5)


def test_projected_token_expiration_is_extended_with_warnafter(issuer: TokenIssuer) -> None:
    pod = {"kind": "Pod", "name": "web", "uid": "pod-1"}
    token, expires = issuer.issue("default", "builder", "sa-1", [ISS], 3607, pod, _at(NOW))
    claims = _segments(token)[1]
    assert claims["exp"] == int(NOW) + 365 * 24 * 3600 and claims["kubernetes.io"]["warnafter"] == int(NOW) + 3607
    assert expires == _at(NOW + 3607)
    token, _ = issuer.issue("default", "builder", "sa-1", ["vault"], 3607, pod, _at(NOW))  # not the API's audience
    assert _segments(token)[1]["exp"] == int(NOW) + 3607


def test_token_round_trip(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    bound = {"kind": "Pod", "name": "web", "uid": "pod-1", "node": {"name": "n1", "uid": "node-1"}}
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS, "vault"], 600, bound, _at(NOW))
    jti = _segments(token)[1]["jti"]
    user, auds = _validator(cluster, world).authenticate_token(token) or (None, None)
    assert auds == (ISS,)
    assert user == UserInfo.create(
        "system:serviceaccount:default:builder", "sa-1", ["system:serviceaccounts", "system:serviceaccounts:default"],
        {"authentication.kubernetes.io/pod-name": ["web"], "authentication.kubernetes.io/pod-uid": ["pod-1"],
         "authentication.kubernetes.io/node-name": ["n1"], "authentication.kubernetes.io/node-uid": ["node-1"],
         "authentication.kubernetes.io/credential-id": [f"JTI={jti}"]},
    )  # fmt: skip
    # TokenReview for another audience the token carries
    assert _validator(cluster, world).authenticate_token(token, ["vault", "x"])[1] == ("vault",)  # type: ignore[index]
    # an EC signing key works the same (ES256)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())  # fmt: skip
    ec_token, _ = TokenIssuer(pem, ISS).issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    assert _segments(ec_token)[0]["alg"] == "ES256"
    validator = TokenValidator([ec_key.public_key()], [ISS], [ISS], world.lookup, clock=world.clock)
    assert validator.authenticate_token(ec_token)[0].name == "system:serviceaccount:default:builder"  # type: ignore[index]


def _refused(validator: TokenValidator, token: str, message: str, audiences: list[str] | None = None) -> None:
    with pytest.raises(Unauthorized) as info:
        validator.authenticate_token(token, audiences)
    assert str(info.value) == message


def test_token_time_window(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    validator = _validator(cluster, world)
    world.now = NOW + 600 + 59  # go-jose's leeway: a minute past exp is still fine
    assert validator.authenticate_token(token) is not None
    world.now = NOW + 600 + 61
    _refused(validator, token, "service account token has expired")
    world.now = NOW - 61
    _refused(validator, token, "service account token is not valid yet")


def test_token_audience_and_issuer(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("default", "builder", "sa-1", ["vault"], 600, None, _at(NOW))
    validator = _validator(cluster, world)
    _refused(validator, token, f'token audiences ["vault"] is invalid for the target audiences ["{ISS}"]')
    _refused(validator, token, 'token audiences ["vault"] is invalid for the target audiences ["a" "b"]', ["a", "b"])
    other_issuer = TokenIssuer(cluster.sa_key_pem, "https://elsewhere", [ISS])
    token, _ = other_issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    assert validator.authenticate_token(token) is None  # not ours: the union asks the next authenticator
    for junk in ("abc", "a.b.c", "{}.e30.x", "e30.e30.x", "x.eyJpc3MiOjF9.x"):
        assert validator.authenticate_token(junk) is None


def test_forged_tokens(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    validator = _validator(cluster, world)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())  # fmt: skip
    forged, _ = TokenIssuer(other_pem, ISS).issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    _refused(validator, forged, "invalid signature, no keys found")  # its kid is not one of ours
    good, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    head, payload, _ = good.split(".")
    signed = api_jws.encode(base64.urlsafe_b64decode(payload + "=="), other, "RS256", {"kid": issuer.kid, "typ": None})
    _refused(validator, signed, "go-jose/go-jose: error in cryptographic primitive")
    hs = api_jws.encode(base64.urlsafe_b64decode(payload + "=="), b"k" * 32, "HS256", {"kid": issuer.kid})
    _refused(validator, hs, "go-jose/go-jose: unknown/unsupported algorithm")
    claims = _segments(good)[1]
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _refused(validator, f"{head}.{body}.{good.split('.')[2]}", "go-jose/go-jose: error in cryptographic primitive")


def test_token_needs_its_service_account(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    validator = _validator(cluster, world)
    world.put("ServiceAccount", "default", "builder", "sa-1", deleting_since=NOW - 30)  # within the leeway
    assert validator.authenticate_token(token) is not None
    world.put("ServiceAccount", "default", "builder", "sa-1", deleting_since=NOW - 61)
    _refused(validator, token, "service account default/builder has been deleted")
    world.put("ServiceAccount", "default", "builder", "sa-2")
    _refused(validator, token, "service account UID (sa-2) does not match claim (sa-1)")
    del world.objects[("ServiceAccount", "default", "builder")]
    _refused(validator, token, 'serviceaccounts "builder" not found')


@pytest.mark.parametrize(("kind", "namespace", "name", "uid"),
                         [("Pod", "default", "web", "pod-1"), ("Secret", "default", "s", "sec-1"),
                          ("Node", "", "n1", "node-1")])  # fmt: skip
def test_token_needs_its_bound_object(
    cluster: pki.PKI, world: World, issuer: TokenIssuer, kind: str, namespace: str, name: str, uid: str
) -> None:
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, {"kind": kind, "name": name, "uid": uid},
                            _at(NOW))  # fmt: skip
    validator = _validator(cluster, world)
    assert validator.authenticate_token(token) is not None
    world.put(kind, namespace, name, uid + "x")
    low = kind.lower()
    _refused(validator, token, f"{low} UID ({uid}x) does not match service account {low} ref claim ({uid})")
    world.put(kind, namespace, name, uid, deleting_since=NOW - 120)
    _refused(validator, token, "service account token has been invalidated")
    del world.objects[(kind, namespace, name)]
    _refused(validator, token, "service account token has been invalidated")


def test_pod_bound_token_does_not_need_its_node(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    bound = {"kind": "Pod", "name": "web", "uid": "pod-1", "node": {"name": "n1", "uid": "node-1"}}
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, bound, _at(NOW))
    del world.objects[("Node", "", "n1")]
    assert _validator(cluster, world).authenticate_token(token) is not None


def test_legacy_secret_token(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    token = issuer.issue_legacy("default", "builder", "sa-1", "builder-token")
    claims = _segments(token)[1]
    assert list(claims) == sorted(claims) and claims["iss"] == "kubernetes/serviceaccount" and "exp" not in claims
    used: list[Any] = []
    validator = _validator(cluster, world, on_legacy_use=used.append)
    _refused(validator, token, "Token has been invalidated")
    secret: dict[str, Any] = {"metadata": {"name": "builder-token", "uid": "s-1"},
                              "data": {"token": base64.b64encode(token.encode()).decode()}}  # fmt: skip
    world.objects[("Secret", "default", "builder-token")] = secret
    user, auds = validator.authenticate_token(token) or (None, None)
    assert user == UserInfo("system:serviceaccount:default:builder", "sa-1",
                            ("system:serviceaccounts", "system:serviceaccounts:default"))  # fmt: skip
    assert auds == (ISS,) and used == [secret]
    secret["metadata"]["labels"] = {LEGACY_INVALID_SINCE_LABEL: "2024-01-01"}
    with pytest.raises(Unauthorized, match="has been marked invalid"):
        validator.authenticate_token(token)
    secret["metadata"]["labels"] = {}
    secret["data"]["token"] = base64.b64encode(b"other").decode()
    _refused(validator, token, "Token does not match server's copy")
    assert (
        TokenValidator([cluster.sa_pub_pem], [ISS], [ISS], world.lookup, legacy=False).authenticate_token(token) is None
    )
    patch = legacy_last_used_patch(secret, _at(NOW))
    assert patch == {"metadata": {"uid": "s-1", "labels": {"kubernetes.io/legacy-token-last-used": "2027-01-15"}}}
    secret["metadata"]["labels"] = patch["metadata"]["labels"]
    assert legacy_last_used_patch(secret, _at(NOW)) is None


def test_jwks_and_openid_configuration(cluster: pki.PKI) -> None:
    ec_key = ec.generate_private_key(ec.SECP384R1()).public_key()
    rsa_key = parse_public_keys(cluster.sa_pub_pem)[0]
    doc = jwks([cluster.sa_pub_pem, ec_key])
    rsa_jwk, ec_jwk = doc["keys"]
    assert list(rsa_jwk) == ["use", "kty", "kid", "alg", "n", "e"]
    assert rsa_jwk["use"] == "sig" and rsa_jwk["kty"] == "RSA" and rsa_jwk["alg"] == "RS256" and rsa_jwk["e"] == "AQAB"
    assert rsa_jwk["kid"] == key_id(rsa_key)
    assert int.from_bytes(base64.urlsafe_b64decode(rsa_jwk["n"] + "=="), "big") == rsa_key.public_numbers().n
    assert list(ec_jwk) == ["use", "kty", "kid", "crv", "alg", "x", "y"]
    assert ec_jwk["crv"] == "P-384" and ec_jwk["alg"] == "ES384" and len(ec_jwk["x"]) == len(ec_jwk["y"]) == 64
    conf = openid_configuration(ISS, ISS + "/openid/v1/jwks", [cluster.sa_pub_pem, ec_key])
    assert conf == {
        "issuer": ISS, "jwks_uri": ISS + "/openid/v1/jwks", "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["ES384", "RS256"],
    }  # fmt: skip
    assert list(conf) == ["issuer", "jwks_uri", "response_types_supported", "subject_types_supported",
                          "id_token_signing_alg_values_supported"]  # fmt: skip


# ---------------------------------------------------------------------------------------------- the chain


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("  bEaReR abc  ") == "abc"
    assert bearer_token("Bearer abc def") == "abc"
    for header in (None, "", "Bearer", "Bearer ", "Bearer  abc", "Basic abc", "Token abc"):
        assert bearer_token(header) is None, header
    assert aggregate(["a"]) == "a" and aggregate(["a", "b", "a"]) == "[a, b]"


def test_union_semantics(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    static = StaticTokenAuthenticator({"static": UserInfo("ops", "", ("system:authenticated", "ops"))}, [ISS])
    chain = RequestAuthenticator(CertificateAuthenticator(), [static, _validator(cluster, world)], anonymous=True)
    assert chain.authenticate(None, None) == ANONYMOUS
    assert chain.authenticate("Basic dTpw", None) == ANONYMOUS  # not a bearer token: no credential at all
    assert chain.authenticate("Bearer ", None) == ANONYMOUS
    with pytest.raises(Unauthorized, match=r"^invalid bearer token$"):
        chain.authenticate("Bearer nope", None)  # anonymous is on, and still 401
    assert chain.authenticate("bearer static", None) == UserInfo("ops", "", ("system:authenticated", "ops"))
    admin = _der(cluster.admin_cert_pem)
    assert chain.authenticate("Bearer nope", admin).name == "kubernetes-admin"  # x509 first, the token unread
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    sa_user = chain.authenticate(f"Bearer {token}", None)
    assert sa_user.groups == ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated")
    # a client certificate that may not be used fails the request unless the token succeeds
    world.now = NOW
    serving = _der(cluster.serving_cert_pem)
    assert chain.authenticate(f"Bearer {token}", serving).name == "system:serviceaccount:default:builder"
    with pytest.raises(Unauthorized, match=r"^\[x509: certificate specifies an incompatible key usage, invalid bearer"):
        chain.authenticate("Bearer nope", serving)
    strict = RequestAuthenticator(CertificateAuthenticator(), [static], anonymous=False)
    with pytest.raises(Unauthorized):
        strict.authenticate(None, None)
    # without token authenticators a bearer token is not read at all
    assert RequestAuthenticator(None, [], anonymous=True).authenticate("Bearer x", None) == ANONYMOUS
    assert RequestAuthenticator(None, [], anonymous=True).authenticate_token("x") is None


def test_token_cache_never_outlives_the_service_account(cluster: pki.PKI, world: World, issuer: TokenIssuer) -> None:
    validator = _validator(cluster, world)
    calls = [0]
    verify = validator.verify

    def counting(token: str, audiences: Any) -> Any:
        calls[0] += 1
        return verify(token, audiences)

    validator.verify = counting  # type: ignore[method-assign]
    chain = RequestAuthenticator(None, [validator], anonymous=True, clock=world.clock)
    token, _ = issuer.issue("default", "builder", "sa-1", [ISS], 600, None, _at(NOW))
    for _ in range(3):
        assert chain.authenticate(f"Bearer {token}", None).uid == "sa-1"
    assert calls[0] == 1
    world.put("ServiceAccount", "default", "builder", "sa-2")  # recreated: the cached token is refused at once
    with pytest.raises(Unauthorized, match="does not match claim"):
        chain.authenticate(f"Bearer {token}", None)
    world.put("ServiceAccount", "default", "builder", "sa-1")
    calls[0] = 0
    chain.authenticate(f"Bearer {token}", None)
    world.now = NOW + 11  # past the 10 s TTL: verified again
    chain.authenticate(f"Bearer {token}", None)
    assert calls[0] == 2
    world.now = NOW + 600 + 61  # past exp + leeway
    with pytest.raises(Unauthorized, match=r"^service account token has expired$"):
        chain.authenticate(f"Bearer {token}", None)


def test_token_cache_is_bounded() -> None:
    static = StaticTokenAuthenticator({str(i): UserInfo(str(i)) for i in range(10)})
    seen: list[str] = []
    verify = static.verify

    def counting(token: str, audiences: Any) -> Any:
        seen.append(token)
        return verify(token, audiences)

    static.verify = counting  # type: ignore[method-assign]
    chain = RequestAuthenticator(None, [static], anonymous=False, cache_size=4)
    for i in range(10):
        chain.authenticate(f"Bearer {i}", None)
    seen.clear()
    chain.authenticate("Bearer 9", None)  # among the last four: cached
    chain.authenticate("Bearer 0", None)  # dropped long ago: verified again
    assert seen == ["0"]
