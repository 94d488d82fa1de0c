"""Typed storage errors, mirroring k8s.io/apiserver/pkg/storage's error codes.

The apiserver maps each to its HTTP Status (NotFound 404, AlreadyExists 409, Conflict 409, Expired 410,
Unavailable 503, Timeout 504, ...); storage itself knows nothing about HTTP.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class: every error carries the etcd key it is about (may be empty)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class NotFound(StorageError):
    def __init__(self, key: str, revision: int = 0) -> None:
        super().__init__(f"key not found: {key}", key)
        self.revision = revision


class AlreadyExists(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key exists: {key}", key)


class Conflict(StorageError):
    """The object changed under a client that asked for a specific resourceVersion."""

    def __init__(self, key: str, message: str = "the object has been modified") -> None:
        super().__init__(message, key)


class PreconditionFailed(StorageError):
    """A delete/update precondition (uid, resourceVersion) did not hold (kube: ErrCodeInvalidObj → 409)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, key)


class Compacted(StorageError):
    """The requested revision was compacted away: kube answers 410 Expired."""

    def __init__(self, message: str, compact_revision: int = 0, continue_token: str = "") -> None:
        super().__init__(message)
        self.compact_revision = compact_revision
        self.continue_token = continue_token


class TooLargeResourceVersion(StorageError):
    """A minimum resourceVersion newer than storage has: 504 Timeout, with Retry-After 1 when the watch cache
    waited for it (kube's cacher), without when etcd's store refused it at once (``retry_after=0``)."""

    def __init__(self, requested: int, current: int, retry_after: int = 1) -> None:
        super().__init__(f"Too large resource version: {requested}, current: {current}")
        self.requested = requested
        self.current = current
        self.retry_after = retry_after


class Unavailable(StorageError):
    """etcd cannot be reached (connection refused, no leader)."""


class Timeout(StorageError):
    """etcd did not answer within the request deadline."""


class InvalidContinue(StorageError):
    """A continue token that does not decode: 400 BadRequest. ``undecodable``: the token's JSON, when that is
    what failed to parse (the caller words the parse error as Go's encoding/json does)."""

    def __init__(self, message: str, undecodable: bytes | None = None) -> None:
        super().__init__(message)
        self.undecodable = undecodable


class InternalError(StorageError):
    """Corrupt data or an etcd answer we cannot interpret."""


class TooDeep(StorageError):
    """An object nested deeper than kube's decoder reads back (its managedFields repeat a custom resource's
    structure five levels down): kube writes it, then fails to decode it, answering 500 with the decoder's
    text for this write and every later read of the object (and LIST of its namespace). This server answers
    the write the same and does not store it (encoding/depth.py)."""
