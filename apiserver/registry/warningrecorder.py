"""The request's warning recorder, as kube's request context carries one (``warning.AddWarning``): the type
strategies' warnings are added where they are computed, deep in the registry, and the HTTP edge writes them as
``Warning`` headers on whatever answer the request gets (an error after them included). Outside a request
(the server's own controllers, tests calling the store) nothing records and :func:`recording` is False, so the
strategies skip computing them."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar, Token

_RECORDED: ContextVar[list[str] | None] = ContextVar("aiokube_warnings", default=None)


def start(into: list[str]) -> Token[list[str] | None]:
    """Record this request's warnings into ``into`` until :func:`stop` (aiohttp runs each request in a task of
    its own; the reset keeps a caller that runs several requests in one task from mixing them)."""
    return _RECORDED.set(into)


def stop(token: Token[list[str] | None]) -> None:
    _RECORDED.reset(token)


def recording() -> bool:
    return _RECORDED.get() is not None


def add(texts: Iterable[str]) -> None:
    """Record warnings (nothing outside a request). The list is shared with copies of the context, so a stage
    run in the CPU thread (registry/turns.py) records into the same request."""
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.extend(texts)
