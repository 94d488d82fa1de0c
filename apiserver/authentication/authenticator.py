"""Who is asking: kube-apiserver's authenticator chain (pkg/kubeapiserver/authenticator/config.go) over the
credentials one request carries.

The chain, as kube builds it: a union of the client certificate authenticator and the bearer token
authenticator (each error collected, the first success wins), wrapped in the AuthenticatedGroupAdder, then —
when anonymous auth is on — a fail-on-error union with the anonymous authenticator, so a request with a bad
credential is refused (401) instead of served as ``system:anonymous``. The token authenticators form their
own union (static token file, ServiceAccount tokens), in front of which kube puts a 10 s success cache.

Token authenticators here split kube's single ``AuthenticateToken`` in two so that the cache keeps what is
expensive and redoes what may change: :meth:`TokenAuthenticator.verify` looks at the token alone (signature,
issuer, audiences, validity window — ~65 µs for an RS256 JWT), :meth:`TokenAuthenticator.resolve` checks it
against the server's current state (does the ServiceAccount or bound Pod still exist with the same uid: a
few dict lookups in the watch cache). A request with a cached token costs ~3 µs in all (bearer parsing, one
dict lookup, ``resolve``), and deleting a ServiceAccount revokes its tokens at once rather than after kube's
10 s. A client certificate request costs ~1.6 µs (see x509.py), an anonymous one ~0.2 µs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiokube.apiserver.authorization.attributes import UserInfo

if TYPE_CHECKING:
    from aiokube.apiserver.authentication.x509 import CertificateAuthenticator

ANONYMOUS_USER = "system:anonymous"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ALL_AUTHENTICATED = "system:authenticated"
ANONYMOUS = UserInfo(ANONYMOUS_USER, "", (ALL_UNAUTHENTICATED,))
#: bearertoken's error when a bearer token was sent and no token authenticator knows it
INVALID_BEARER_TOKEN = "invalid bearer token"
#: kube's default --authentication-token-cache success TTL; failures are not cached (TTL 0), as in kube
TOKEN_CACHE_TTL = 10.0
TOKEN_CACHE_SIZE = 4096


class Unauthorized(Exception):
    """A presented credential was refused: kube answers 401 "Unauthorized" and logs this text (the text is
    also what a TokenReview reports in ``status.error``)."""


@dataclass(frozen=True, slots=True)
class Verified:
    """What a token authenticator learned from the token alone: the audiences it was accepted for, the unix
    time from which :meth:`TokenAuthenticator.verify` would refuse it (``inf`` if never), and the
    authenticator's own reading of the token, for its ``resolve``."""

    audiences: tuple[str, ...]
    expires: float
    claims: Any


class TokenAuthenticator(Protocol):
    """kube's authenticator.Token, split at what can be cached (see the module docstring)."""

    def verify(self, token: str, audiences: Sequence[str] | None) -> Verified | None:
        """``None`` when the token is not this authenticator's (the union tries the next one); raises
        :class:`Unauthorized` when it is but is invalid. ``audiences`` ``None`` means the API server's own."""
        ...

    def resolve(self, verified: Verified) -> UserInfo:
        """The user, as of now; raises :class:`Unauthorized` when the token no longer stands."""
        ...


def aggregate(messages: Sequence[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, else the distinct ones in brackets."""
    distinct = list(dict.fromkeys(messages))
    return distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"


def bearer_token(header: str | None) -> str | None:
    """bearertoken's reading of ``Authorization``: ``Bearer <token>`` with the scheme in any case; anything
    else, or an empty token, is no bearer token at all (the request is not refused for it)."""
    if not header:
        return None
    parts = header.strip().split(" ", 2)
    if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
        return None
    return parts[1]


def with_authenticated_group(user: UserInfo) -> UserInfo:
    """AuthenticatedGroupAdder: every authenticated user but ``system:anonymous`` gets
    ``system:authenticated``, unless it already has it or ``system:unauthenticated``."""
    if user.name == ANONYMOUS_USER or ALL_AUTHENTICATED in user.groups or ALL_UNAUTHENTICATED in user.groups:
        return user
    return UserInfo(user.name, user.uid, (*user.groups, ALL_AUTHENTICATED), user.extra)


class RequestAuthenticator:
    """kube's request authenticator chain over one request's credentials (module docstring).

    ``authenticate(authorization_header, peer_cert_der)`` returns the user or raises :class:`Unauthorized`:
    x509 first (``peer_cert_der`` is the leaf the TLS layer already verified against the client CA), then
    the bearer token; an error from either is fatal only if the other does not succeed; a bearer token no
    token authenticator claims is an error ("invalid bearer token"); with no credential at all the user is
    anonymous when ``anonymous`` is on, else the request is refused. ``authenticate_token(token, audiences)``
    is TokenReview's view: the same token chain for the given audiences (or the server's own).

    Successful token verifications are cached (bounded, oldest dropped first, each entry kept at most
    ``cache_ttl`` seconds and never past the moment its token would stop verifying); ``resolve`` runs on
    every use, so the cache never keeps a revoked token alive.
    """

    def __init__(
        self, cert: CertificateAuthenticator | None, tokens: Sequence[TokenAuthenticator], anonymous: bool,
        cache_size: int = TOKEN_CACHE_SIZE, cache_ttl: float = TOKEN_CACHE_TTL, clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.cert = cert
        self.tokens = tuple(tokens)
        self.anonymous = anonymous
        self.cache_size = cache_size
        self.cache_ttl = cache_ttl
        self.clock = clock
        self._cache: dict[tuple[str, tuple[str, ...] | None], tuple[TokenAuthenticator, Verified, float, UserInfo]] = {}

    def authenticate(self, authorization_header: str | None, peer_cert_der: bytes | None) -> UserInfo:
        errors: list[str] = []
        if peer_cert_der and self.cert is not None:
            try:
                user = self.cert.authenticate(peer_cert_der)
            except Unauthorized as e:
                errors.append(str(e))
            else:
                if user is not None:
                    return with_authenticated_group(user)
        token = bearer_token(authorization_header) if self.tokens else None
        if token is not None:
            try:
                found = self._token(token, None)
            except Unauthorized as e:
                errors.append(str(e))
            else:
                if found is not None:
                    return found[0]
                errors.append(INVALID_BEARER_TOKEN)
        if errors:
            raise Unauthorized(aggregate(errors))
        if self.anonymous:
            return ANONYMOUS
        raise Unauthorized("Unauthorized")

    def authenticate_token(
        self, token: str, audiences: Sequence[str] | None = None
    ) -> tuple[UserInfo, tuple[str, ...]] | None:
        """TokenReview: ``(user, accepted audiences)``; raises :class:`Unauthorized` with kube's
        ``status.error`` text (``invalid bearer token`` when nobody claims the token); ``None`` only when no
        token authenticator is configured (kube then has nothing that reads the token either)."""
        if not self.tokens:
            return None
        if not token:
            raise Unauthorized(INVALID_BEARER_TOKEN)
        found = self._token(token, tuple(audiences) if audiences else None)
        if found is None:
            raise Unauthorized(INVALID_BEARER_TOKEN)
        return found

    def _token(self, token: str, audiences: tuple[str, ...] | None) -> tuple[UserInfo, tuple[str, ...]] | None:
        """The token union (first success wins, errors aggregated) behind the verification cache: the user,
        ``system:authenticated`` added, and the audiences the token was accepted for."""
        key = (token, audiences)
        hit = self._cache.get(key)
        if hit is not None:
            authn, verified, until, user = hit
            if self.clock() < until:
                try:
                    authn.resolve(verified)  # the check; its user is the one cached (verify fixed it)
                    return user, verified.audiences
                except Unauthorized:
                    pass  # no longer this authenticator's success: ask the whole union again
            self._cache.pop(key, None)
        errors: list[str] = []
        for authn in self.tokens:
            try:
                verified = authn.verify(token, audiences)
                if verified is None:
                    continue
                user = with_authenticated_group(authn.resolve(verified))
            except Unauthorized as e:
                errors.append(str(e))
                continue
            self._remember(key, authn, verified, user)
            return user, verified.audiences
        if errors:
            raise Unauthorized(aggregate(errors))
        return None

    def _remember(
        self, key: tuple[str, tuple[str, ...] | None], authn: TokenAuthenticator, verified: Verified, user: UserInfo
    ) -> None:
        until = min(self.clock() + self.cache_ttl, verified.expires)
        if len(self._cache) >= self.cache_size:
            # entries live 10 s at most, so dropping the oldest inserted is as good as LRU and cheaper
            del self._cache[next(iter(self._cache))]
        self._cache[key] = (authn, verified, until, user)
