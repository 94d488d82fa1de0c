"""The user a request acts as, held for the request as kube's request context holds it: the strategies
that record their requester (a CertificateSigningRequest's ``spec.username``) read it here rather than
through every store call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiokube.apiserver.authorization.attributes import UserInfo

_REQUESTER: ContextVar[UserInfo | None] = ContextVar("aiokube_requester", default=None)


@contextmanager
def acting_as(user: UserInfo) -> Iterator[None]:
    """``user`` is the requester until the block ends (a keep-alive connection serves the next request in the
    same task, so it is reset, not left behind)."""
    token = _REQUESTER.set(user)
    try:
        yield
    finally:
        _REQUESTER.reset(token)


def current() -> UserInfo | None:
    """The requester, or None outside a request (the server's own controllers)."""
    return _REQUESTER.get()
