"""ServiceAccount tokens as kube-apiserver issues and checks them (pkg/serviceaccount: jwt.go, claims.go,
legacy.go, openidmetadata.go; apiserver's authentication/serviceaccount/util.go), with PyJWT.

Issued tokens are byte-for-byte shaped like kube's: header ``{"alg":"RS256","kid":...}`` (no ``typ``; the
key id is the unpadded base64url SHA-256 of the public key's PKIX DER, kube's keyIDFromPublicKey), payload
keys sorted as go-jose writes them (``aud`` always a list, times in whole seconds, a ``jti`` uuid, the
``kubernetes.io`` claims). Checking follows kube's order: a token that is not a three-part JWT naming one
of our issuers is "not mine" (the union asks the next authenticator); then signature (by ``kid``, else
every key), issuer, audiences, the validity window with go-jose's 60 s leeway, and against the current
objects: the ServiceAccount and the bound Pod/Secret/Node must exist with the uid the token names and not
have been deleting for more than the leeway. Legacy Secret-based tokens (issuer ``kubernetes/serviceaccount``)
are checked as kube's legacy validator does, including "the Secret still holds this very token".

Costs, measured (RSA 2048, cryptography 50): issuing a token ~0.8 ms (the RSA signature); ``verify``
~65 µs (≈25 µs of it the RSA public operation, the rest base64 and JSON); ``resolve`` ~1.2 µs (three dict
lookups through ``lookup``; the user is built once, at ``verify``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import api_jws
from jwt.algorithms import get_default_algorithms

from aiokube.apiserver.authentication.authenticator import Unauthorized, Verified
from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.golang import go_quote

LEGACY_ISSUER = "kubernetes/serviceaccount"
USERNAME_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
GROUP_PREFIX = "system:serviceaccounts:"
POD_NAME_KEY = "authentication.kubernetes.io/pod-name"
POD_UID_KEY = "authentication.kubernetes.io/pod-uid"
NODE_NAME_KEY = "authentication.kubernetes.io/node-name"
NODE_UID_KEY = "authentication.kubernetes.io/node-uid"
CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"
#: the expiration kubelet asks projected tokens for; kube then signs them for a year and warns after 1h7s
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7
EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60
#: go-jose's jwt.DefaultLeeway, used by kube both for the validity window and for "deleted before"
LEEWAY = 60.0
LEGACY_INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since"
LEGACY_LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used"
OPENID_CONFIG_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"

_ALGORITHMS = get_default_algorithms()
_RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")  # what go-jose verifies with an RSA key
_EC_ALG = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_EC_SIZE = {"secp256r1": 32, "secp384r1": 48, "secp521r1": 66}
_INVALIDATED = "service account token has been invalidated"
_CRYPTO = "go-jose/go-jose: error in cryptographic primitive"
_UNSUPPORTED = "go-jose/go-jose: unknown/unsupported algorithm"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


# ---------------------------------------------------------------------------------------------- keys


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    """base64.RawURLEncoding: no padding allowed, nothing outside the alphabet."""
    if "=" in text or len(text) % 4 == 1:
        raise ValueError("illegal base64 data")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _public(key: Any) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        key = key.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError("unknown public key type, must be *rsa.PublicKey or *ecdsa.PublicKey")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _EC_ALG:
        raise ValueError("unknown private key curve, must be 256, 384, or 521")
    return key


def public_keys(keys: Sequence[Any]) -> list[rsa.RSAPublicKey | ec.EllipticCurvePublicKey]:
    """Key objects (public or private) and PEM bundles (as --service-account-key-file) → public keys."""
    out: list[rsa.RSAPublicKey | ec.EllipticCurvePublicKey] = []
    for key in keys:
        if isinstance(key, bytes | str):
            out.extend(parse_public_keys(key.encode() if isinstance(key, str) else key))
        else:
            out.append(_public(key))
    return out


def key_id(public_key: Any) -> str:
    """keyIDFromPublicKey: unpadded base64url of the SHA-256 of the PKIX (SubjectPublicKeyInfo) DER."""
    der = _public(public_key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64url(hashlib.sha256(der).digest())


def algorithm(public_key: Any) -> str:
    """The JWS algorithm kube signs with for this key: RS256 for RSA, ES256/384/512 by curve."""
    key = _public(public_key)
    return "RS256" if isinstance(key, rsa.RSAPublicKey) else _EC_ALG[key.curve.name]


def parse_public_keys(pem: bytes) -> list[rsa.RSAPublicKey | ec.EllipticCurvePublicKey]:
    """keyutil.ParsePublicKeysPEM: every public key, or public half of a private key, in a PEM bundle."""
    keys: list[rsa.RSAPublicKey | ec.EllipticCurvePublicKey] = []
    for match in re.finditer(rb"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", pem, re.S):
        kind, text = match.group(1), match.group(0)
        try:
            if kind in (b"PUBLIC KEY", b"RSA PUBLIC KEY"):
                key: Any = serialization.load_pem_public_key(text)
            elif kind.endswith(b"PRIVATE KEY"):
                # only the public half is used: OpenSSL's RSA consistency check (~45 ms) buys nothing here
                key = serialization.load_pem_private_key(text, password=None, unsafe_skip_rsa_key_validation=True)
            else:
                continue
            keys.append(_public(key))
        except (ValueError, TypeError):
            continue
    if not keys:
        raise ValueError("data does not contain any valid RSA or ECDSA public keys")
    return keys


# ---------------------------------------------------------------------------------------------- issuing


def _token_json(claims: Mapping[str, Any]) -> bytes:
    """go-jose's payload bytes: claims merged into a map, so encoding/json sorts every level's keys."""
    return json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _ref(name: str, uid: str) -> dict[str, str]:
    """claims.go's ref: both fields ``omitempty``."""
    return {k: v for k, v in (("name", name), ("uid", uid)) if v}


class TokenIssuer:
    """kube's JWTTokenGenerator plus the claim rules of TokenRequest (serviceaccount.Claims and the
    projected-token expiration extension)."""

    def __init__(self, private_key_pem: bytes, issuer: str, api_audiences: Sequence[str] | None = None,
                 extend_expiration: bool = True) -> None:  # fmt: skip
        """``api_audiences`` defaults as kube's --api-audiences does: to the issuer."""
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"unknown private key type {type(key).__name__}, must be RSA or ECDSA")
        self.key = key
        self.issuer = issuer
        self.api_audiences = (issuer,) if api_audiences is None else tuple(api_audiences)
        self.extend_expiration = extend_expiration
        self.alg = algorithm(key)
        self.kid = key_id(key)
        self._headers = {"kid": self.kid, "typ": None}  # go-jose writes no "typ"

    def _sign(self, claims: Mapping[str, Any]) -> str:
        return api_jws.encode(_token_json(claims), self.key, algorithm=self.alg, headers=self._headers)

    def issue(
        self, namespace: str, sa_name: str, sa_uid: str, audiences: Sequence[str], expiration_seconds: int,
        bound: Mapping[str, Any] | None = None, now: datetime.datetime | None = None,
    ) -> tuple[str, datetime.datetime]:  # fmt: skip
        """A bound token and the ``status.expirationTimestamp`` TokenRequest reports for it.

        ``bound``: ``{"kind": "Pod"|"Secret"|"Node", "name", "uid"}``; a Pod binding may carry its node as
        ``"node": {"name", "uid"}`` or ``"nodeName"``/``"nodeUID"`` (embedded as kube's
        ServiceAccountTokenPodNodeInfo does; uid empty when the Node was not found). A pod-bound token asked
        for exactly 3607 s for the API server's audiences is signed for a year with ``warnafter`` at 3607 s
        (--service-account-extend-token-expiration); the returned expiration stays the one asked for, as
        kube reports it."""
        now = now or datetime.datetime.now(datetime.UTC)
        seconds = int(now.timestamp())
        kind = (bound or {}).get("kind")
        exp, warn_after = expiration_seconds, 0
        if (self.extend_expiration and kind == "Pod" and expiration_seconds == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
                and set(audiences) <= set(self.api_audiences)):  # fmt: skip
            exp, warn_after = EXPIRATION_EXTENSION_SECONDS, expiration_seconds
        private: dict[str, Any] = {"serviceaccount": _ref(sa_name, sa_uid)}
        if namespace:
            private["namespace"] = namespace
        if bound is not None:
            if kind not in ("Pod", "Secret", "Node"):
                raise ValueError(f"cannot bind token to object of kind {kind}")
            private[kind.lower()] = _ref(bound.get("name", ""), bound.get("uid", ""))
            node = bound.get("node") or {"name": bound.get("nodeName", ""), "uid": bound.get("nodeUID", "")}
            if kind == "Pod" and node.get("name"):
                private["node"] = _ref(node["name"], node.get("uid", ""))
        if warn_after:
            private["warnafter"] = seconds + warn_after
        claims = {
            "aud": list(audiences), "exp": seconds + exp, "iat": seconds, "iss": self.issuer, "jti": str(uuid.uuid4()),
            "kubernetes.io": private, "nbf": seconds, "sub": f"{USERNAME_PREFIX}{namespace}:{sa_name}",
        }  # fmt: skip
        return self._sign(claims), now + datetime.timedelta(seconds=expiration_seconds)

    def issue_legacy(self, namespace: str, sa_name: str, sa_uid: str, secret_name: str) -> str:
        """A legacy Secret-based token (the tokens controller's; issuer ``kubernetes/serviceaccount``, no
        audience, no expiry)."""
        claims = {
            "iss": LEGACY_ISSUER, "kubernetes.io/serviceaccount/namespace": namespace,
            "kubernetes.io/serviceaccount/secret.name": secret_name,
            "kubernetes.io/serviceaccount/service-account.name": sa_name,
            "kubernetes.io/serviceaccount/service-account.uid": sa_uid,
            "sub": f"{USERNAME_PREFIX}{namespace}:{sa_name}",
        }  # fmt: skip
        return self._sign(claims)


# ---------------------------------------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class _Claims:
    """What ``resolve`` needs from a verified token."""

    namespace: str
    sa_name: str
    sa_uid: str
    user: UserInfo  # built once at verify time: resolve only checks
    pod: tuple[str, str] | None = None
    secret: tuple[str, str] | None = None
    node: tuple[str, str] | None = None
    legacy_secret: str = ""  # legacy tokens: the Secret that must still hold the token
    token: str = ""


class _Malformed(Exception):
    """The payload does not decode into kube's claim types (Go's json.Unmarshal would fail)."""


def _string(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        got = _json_kind(value)
        raise _Malformed(f"json: cannot unmarshal {got} into Go struct field {where}.{key} of type string")
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "value")


def _numeric_date(obj: Mapping[str, Any], key: str) -> int | None:
    """go-jose's NumericDate: absent → no check; a JSON number, truncated to whole seconds."""
    if key not in obj:
        return None
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Malformed("go-jose/go-jose/jwt: expected number for NumericDate")
    return int(value)


def _audiences(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """jwt.Audience: a string or a list of strings."""
    aud = payload.get("aud")
    if aud is None:
        return ()
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return tuple(aud)
    raise _Malformed("go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience")


def _ref_of(private: Mapping[str, Any], key: str) -> tuple[str, str] | None:
    ref = private.get(key)
    if ref is None:
        return None
    if not isinstance(ref, dict):
        raise _Malformed(f"json: cannot unmarshal {_json_kind(ref)} into Go struct field kubernetes.{key} of type ref")
    return _string(ref, "name", "ref"), _string(ref, "uid", "ref")


def _deleted_before(obj: Mapping[str, Any], cutoff: float | None) -> bool:
    """``deletionTimestamp`` set and, when ``cutoff`` is given, before it (kube's invalidIfDeletedBefore)."""
    stamp = (obj.get("metadata") or {}).get("deletionTimestamp")
    if not stamp:
        return False
    if cutoff is None:
        return True
    try:
        return datetime.datetime.fromisoformat(stamp).timestamp() < cutoff
    except ValueError:
        return True


def _uid(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _go_list(items: Sequence[str]) -> str:
    """fmt's %q of a []string."""
    return "[" + " ".join(go_quote(i) for i in items) + "]"


def _split_username(username: str) -> tuple[str, str] | None:
    """SplitUsername: ``system:serviceaccount:<ns>:<name>`` with a valid namespace and ServiceAccount name."""
    if not username.startswith(USERNAME_PREFIX):
        return None
    parts = username[len(USERNAME_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    ns, name = parts
    if not (len(ns) <= 63 and _DNS_LABEL.fullmatch(ns)) or not (len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name)):
        return None
    return ns, name


def legacy_last_used_patch(secret: Mapping[str, Any], now: datetime.datetime | None = None) -> dict[str, Any] | None:
    """The merge patch kube's legacy validator sends to stamp a Secret-based token's last use (the
    ``kubernetes.io/legacy-token-last-used`` label, a UTC date), or ``None`` when today or tomorrow is there."""
    now = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    today = now.strftime("%Y-%m-%d")
    tomorrow = (now + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    meta = secret.get("metadata") or {}
    if (meta.get("labels") or {}).get(LEGACY_LAST_USED_LABEL) in (today, tomorrow):
        return None
    return {"metadata": {"uid": meta.get("uid"), "labels": {LEGACY_LAST_USED_LABEL: today}}}


Lookup = Callable[[str, str, str], Mapping[str, Any] | None]


class TokenValidator:
    """kube's JWT token authenticator for ServiceAccount tokens (bound, and legacy Secret-based ones when
    ``legacy``), as a :class:`~aiokube.apiserver.authentication.authenticator.TokenAuthenticator`.

    ``verify(token, audiences)``: ``None`` unless the token is a compact JWT whose unverified ``iss`` is one
    of ``issuers`` (or the legacy issuer); otherwise a signature by one of ``keys`` (key objects or PEM; picked by
    ``kid``), then the issuer, the audiences (the token's, or the API server's for audience-less legacy
    tokens, intersected with the requested ones — ``api_audiences`` when none are requested; empty → error),
    then exp/nbf/iat with a 60 s leeway; raises ``Unauthorized`` with kube's message at the first failure.
    ``resolve(verified)``: the ServiceAccount and bound objects, through ``lookup(kind, namespace, name)``
    (kinds ``ServiceAccount``, ``Pod``, ``Secret``, ``Node``; the current object as served, or None), must
    exist with the token's uids and not have been deleting for longer than the leeway; the user is
    ``system:serviceaccount:<ns>:<name>`` with the SA uid, the two ServiceAccount groups, and kube's extra
    (pod name/uid, node name/uid, ``credential-id`` ``JTI=<jti>``). ``on_legacy_use(secret)`` is called
    when a legacy token is accepted (kube then stamps the Secret; see :func:`legacy_last_used_patch`).
    """

    def __init__(
        self, keys: Sequence[Any], issuers: Sequence[str], api_audiences: Sequence[str], lookup: Lookup,
        legacy: bool = True, on_legacy_use: Callable[[Mapping[str, Any]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.keys = public_keys(keys)
        self.by_kid: dict[str, list[rsa.RSAPublicKey | ec.EllipticCurvePublicKey]] = {}
        for k in self.keys:
            self.by_kid.setdefault(key_id(k), []).append(k)
        self.issuers = frozenset(issuers)
        self.api_audiences = tuple(api_audiences)
        self.lookup = lookup
        self.legacy = legacy
        self.on_legacy_use = on_legacy_use
        self.clock = clock

    def authenticate_token(
        self, token: str, audiences: Sequence[str] | None = None
    ) -> tuple[UserInfo, tuple[str, ...]] | None:
        """``verify`` then ``resolve``, uncached: ``(user, audiences)``, None if not ours, or Unauthorized."""
        verified = self.verify(token, audiences)
        return None if verified is None else (self.resolve(verified), verified.audiences)

    def _payload(self, token: str) -> dict[str, Any] | None:
        """hasCorrectIssuer: the unverified payload when the token looks like one of our JWTs."""
        if token.lstrip().startswith("{"):
            return None
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            payload = orjson.loads(_b64url_decode(parts[1]))
        except (ValueError, binascii.Error):
            return None
        iss = payload.get("iss", "") if isinstance(payload, dict) else None
        if not isinstance(iss, str):
            return None
        if iss in self.issuers or (self.legacy and iss == LEGACY_ISSUER):
            return payload
        return None

    def _check_signature(self, token: str) -> None:
        """jwt.ParseSigned + tok.Claims(key): a token that does not parse is not ours (ValueError), one that no
        key verifies is refused."""
        head_b64, payload_b64, sig_b64 = token.split(".")
        header = orjson.loads(_b64url_decode(head_b64))
        signature = _b64url_decode(sig_b64)
        if not isinstance(header, dict):
            raise ValueError("not a JWS object")
        kid = header.get("kid", "")
        if not isinstance(kid, str):
            raise ValueError("kid is not a string")  # go-jose cannot read such a header
        keys = self.by_kid.get(kid, []) if kid else self.keys
        if not keys:
            raise Unauthorized("invalid signature, no keys found")
        alg = header.get("alg")
        signed = f"{head_b64}.{payload_b64}".encode()
        errors: list[str] = []
        for key in keys:
            allowed = _RSA_ALGS if isinstance(key, rsa.RSAPublicKey) else (_EC_ALG[key.curve.name],)
            if alg not in allowed:
                errors.append(_UNSUPPORTED)
            elif _ALGORITHMS[alg].verify(signed, key, signature):
                return
            else:
                errors.append(_CRYPTO)
        distinct = list(dict.fromkeys(errors))
        raise Unauthorized(distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]")

    def verify(self, token: str, audiences: Sequence[str] | None) -> Verified | None:
        payload = self._payload(token)
        if payload is None:
            return None
        try:
            self._check_signature(token)
        except (ValueError, binascii.Error):
            return None
        try:
            return self._verify_claims(token, payload, audiences)
        except _Malformed as e:
            raise Unauthorized(str(e)) from e

    def _verify_claims(self, token: str, payload: dict[str, Any], audiences: Sequence[str] | None) -> Verified:
        iss = _string(payload, "iss", "Claims")
        if iss not in self.issuers and not (self.legacy and iss == LEGACY_ISSUER):
            raise Unauthorized(f"token issuer {go_quote(iss)} is invalid")
        token_auds = _audiences(payload) or self.api_audiences  # legacy tokens: the API server's own
        wanted = self.api_audiences if audiences is None else tuple(audiences)
        matched = tuple(a for a in token_auds for b in wanted if a == b)
        if not matched and self.api_audiences:
            theirs, ours = _go_list(token_auds), _go_list(wanted)
            raise Unauthorized(f"token audiences {theirs} is invalid for the target audiences {ours}")
        if iss == LEGACY_ISSUER and iss not in self.issuers:
            return Verified(matched, float("inf"), self._legacy_claims(token, payload))
        exp, nbf, iat = (_numeric_date(payload, k) for k in ("exp", "nbf", "iat"))
        now = self.clock()
        if nbf is not None and now + LEEWAY < nbf:
            raise Unauthorized("service account token is not valid yet")
        if exp is not None and now - LEEWAY > exp:
            raise Unauthorized("service account token has expired")
        if iat is not None and now + LEEWAY < iat:
            raise Unauthorized("service account token is issued in the future")
        private = payload.get("kubernetes.io") or {}
        if not isinstance(private, dict):
            raise _Malformed(
                f"json: cannot unmarshal {_json_kind(private)} into Go struct field privateClaims.kubernetes.io "
                "of type serviceaccount.kubernetes"
            )
        sa = _ref_of(private, "serviceaccount") or ("", "")
        namespace, pod, node = (
            _string(private, "namespace", "kubernetes"),
            _ref_of(private, "pod"),
            _ref_of(private, "node"),
        )
        jti = _string(payload, "jti", "Claims")
        extra: dict[str, list[str]] = {}
        if pod is not None and pod[0] and pod[1]:
            extra[POD_NAME_KEY], extra[POD_UID_KEY] = [pod[0]], [pod[1]]
        if node is not None and node[0]:
            extra[NODE_NAME_KEY] = [node[0]]
            if node[1]:
                extra[NODE_UID_KEY] = [node[1]]
        if jti:
            extra[CREDENTIAL_ID_KEY] = [f"JTI={jti}"]
        claims = _Claims(
            namespace=namespace, sa_name=sa[0], sa_uid=sa[1], pod=pod, secret=_ref_of(private, "secret"), node=node,
            user=_user(namespace, sa[0], sa[1], extra),
        )  # fmt: skip
        return Verified(matched, float("inf") if exp is None else exp + LEEWAY, claims)

    def _legacy_claims(self, token: str, payload: dict[str, Any]) -> _Claims:
        """legacyValidator's claim checks (the ones that need no lookup)."""
        sub = _string(payload, "sub", "Claims")
        prefix = "kubernetes.io/serviceaccount/"
        ns, secret, name, uid = (
            _string(payload, prefix + k, "legacyPrivateClaims")
            for k in ("namespace", "secret.name", "service-account.name", "service-account.uid")
        )
        for value, what in ((sub, "sub"), (ns, "namespace"), (secret, "secretName"), (name, "serviceAccountName"),
                            (uid, "serviceAccountUID")):  # fmt: skip
            if not value:
                raise Unauthorized(f"{what} claim is missing")
        if _split_username(sub) != (ns, name):
            raise Unauthorized("sub claim is invalid")
        user = _user(ns, name, uid, {})
        return _Claims(namespace=ns, sa_name=name, sa_uid=uid, legacy_secret=secret, token=token, user=user)

    def resolve(self, verified: Verified) -> UserInfo:
        c: _Claims = verified.claims
        if c.legacy_secret:
            self._resolve_legacy(c)
            return c.user
        cutoff = self.clock() - LEEWAY
        sa = self.lookup("ServiceAccount", c.namespace, c.sa_name)
        if sa is None:
            raise Unauthorized(f'serviceaccounts "{c.sa_name}" not found')
        if _uid(sa) != c.sa_uid:
            raise Unauthorized(f"service account UID ({_uid(sa)}) does not match claim ({c.sa_uid})")
        if _deleted_before(sa, cutoff):
            raise Unauthorized(f"service account {c.namespace}/{c.sa_name} has been deleted")
        if c.secret is not None:
            self._check_bound("Secret", c.namespace, c.secret, cutoff)
        if c.pod is not None:
            self._check_bound("Pod", c.namespace, c.pod, cutoff)
        elif c.node is not None:  # a Node-bound token: the Node must stand (a pod's node is only reported)
            self._check_bound("Node", "", c.node, cutoff)
        return c.user

    def _check_bound(self, kind: str, namespace: str, ref: tuple[str, str], cutoff: float) -> None:
        obj = self.lookup(kind, namespace, ref[0])
        if obj is None:
            raise Unauthorized(_INVALIDATED)
        if _uid(obj) != ref[1]:
            what = kind.lower()
            raise Unauthorized(f"{what} UID ({_uid(obj)}) does not match service account {what} ref claim ({ref[1]})")
        if _deleted_before(obj, cutoff):
            raise Unauthorized(_INVALIDATED)

    def _resolve_legacy(self, c: _Claims) -> None:
        secret = self.lookup("Secret", c.namespace, c.legacy_secret)
        if secret is None or _deleted_before(secret, None):
            raise Unauthorized("Token has been invalidated")
        stored = (secret.get("data") or {}).get("token") or ""
        try:
            held = base64.b64decode(stored)
        except (ValueError, binascii.Error):
            held = b""
        if not hmac.compare_digest(held, c.token.encode()):
            raise Unauthorized("Token does not match server's copy")
        sa = self.lookup("ServiceAccount", c.namespace, c.sa_name)
        if sa is None:
            raise Unauthorized(f'serviceaccounts "{c.sa_name}" not found')
        if _deleted_before(sa, None):
            raise Unauthorized(f"ServiceAccount {c.namespace}/{c.sa_name} has been deleted")
        if _uid(sa) != c.sa_uid:
            raise Unauthorized(f"ServiceAccount UID ({_uid(sa)}) does not match claim ({c.sa_uid})")
        if ((secret.get("metadata") or {}).get("labels") or {}).get(LEGACY_INVALID_SINCE_LABEL):
            if self.on_legacy_use is not None:
                self.on_legacy_use(secret)
            raise Unauthorized(
                f"the token in secret {c.namespace}/{c.legacy_secret} for service account {c.namespace}/{c.sa_name} "
                "has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based "
                f"tokens, or remove the '{LEGACY_INVALID_SINCE_LABEL}' label from the secret to temporarily allow "
                "use of this token"
            )
        if self.on_legacy_use is not None:
            self.on_legacy_use(secret)


def _user(namespace: str, name: str, uid: str, extra: Mapping[str, list[str]]) -> UserInfo:
    """ServiceAccountInfo.UserInfo."""
    groups = (ALL_SERVICE_ACCOUNTS, GROUP_PREFIX + namespace)
    return UserInfo.create(f"{USERNAME_PREFIX}{namespace}:{name}", uid, groups, extra)


# ---------------------------------------------------------------------------------------------- discovery


def _int_bytes(n: int, size: int = 0) -> bytes:
    return n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")


def jwk(public_key: Any) -> dict[str, str]:
    """go-jose's JSONWebKey JSON for a public key, fields in its order (use, kty, kid, crv, alg, x, y, n, e)."""
    key = _public(public_key)
    kid, alg = key_id(key), algorithm(key)
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return {"use": "sig", "kty": "RSA", "kid": kid, "alg": alg, "n": _b64url(_int_bytes(nums.n)),
                "e": _b64url(_int_bytes(nums.e))}  # fmt: skip
    pt = key.public_numbers()
    size = _EC_SIZE[key.curve.name]
    crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name]
    return {"use": "sig", "kty": "EC", "kid": kid, "crv": crv, "alg": alg, "x": _b64url(_int_bytes(pt.x, size)),
            "y": _b64url(_int_bytes(pt.y, size))}  # fmt: skip


def jwks(keys: Sequence[Any]) -> dict[str, list[dict[str, str]]]:
    """The document kube serves at ``/openid/v1/jwks`` (``keys``: key objects or PEM bundles)."""
    return {"keys": [jwk(k) for k in public_keys(keys)]}


def openid_configuration(issuer: str, jwks_uri: str, keys: Sequence[Any]) -> dict[str, Any]:
    """The document kube serves at ``/.well-known/openid-configuration`` (its fields, in its order)."""
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": sorted({algorithm(k) for k in public_keys(keys)}),
    }
