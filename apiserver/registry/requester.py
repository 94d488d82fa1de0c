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
    """``user`` is the requester until the block ends. aiohttp runs each request in a task of its own (whose
    context dies with it); the reset keeps a caller that runs several requests in one task (an in-process
    client, a test) from carrying one requester into the next."""
    token = _REQUESTER.set(user)
    try:
        yield
    finally:
        _REQUESTER.reset(token)


def current() -> UserInfo | None:
    """The requester, or None outside a request (the server's own controllers)."""
    return _REQUESTER.get()
