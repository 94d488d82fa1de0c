"""API errors as ``metav1.Status`` bodies, with kube-apiserver's codes, reasons and messages.

Constructors follow k8s.io/apimachinery/pkg/api/errors/errors.go; ``from_storage`` follows
k8s.io/apiserver/pkg/storage/errors (storage error → API error) so clients see exactly what kube sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiokube.apiserver.golang import go_quote
from aiokube.encoding.decode import go_json_error
from aiokube.storage import errors as serr


@dataclass(frozen=True, slots=True)
class GroupResource:
    group: str
    resource: str

    def __str__(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource


@dataclass(frozen=True, slots=True)
class GroupKind:
    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind


@dataclass(slots=True)
class Cause:
    """A field error (k8s.io/apimachinery/pkg/util/validation/field.Error) as a StatusCause."""

    type: str  # e.g. "FieldValueInvalid", "FieldValueRequired"
    field: str
    body: str  # what ErrorBody() returns, e.g. 'Invalid value: "x": must be ...'

    def text(self) -> str:
        return f"{self.field}: {self.body}" if self.field else self.body

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.type, "message": self.body}
        if self.field:
            out["field"] = self.field
        return out


class StatusError(Exception):
    """An error the client gets as a Status body (and HTTP code)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        list_meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.list_meta = list_meta or {}
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        """The Status object, fields in metav1.Status order."""
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.list_meta),
            "status": "Failure",
        }
        if self.message:
            out["message"] = self.message
        if self.reason:
            out["reason"] = self.reason
        if self.details is not None:
            out["details"] = self.details
        out["code"] = self.code
        return out


def _details(
    name: str = "",
    group: str = "",
    kind: str = "",
    uid: str = "",
    causes: list[dict[str, str]] | None = None,
    retry_after: int = 0,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if name:
        out["name"] = name
    if group:
        out["group"] = group
    if kind:
        out["kind"] = kind
    if uid:
        out["uid"] = uid
    if causes:
        out["causes"] = causes
    if retry_after:
        out["retryAfterSeconds"] = retry_after
    return out


def not_found(gr: GroupResource, name: str) -> StatusError:
    return StatusError(404, "NotFound", f"{gr} {go_quote(name)} not found", _details(name, gr.group, gr.resource))


def already_exists(gr: GroupResource, name: str) -> StatusError:
    return StatusError(
        409, "AlreadyExists", f"{gr} {go_quote(name)} already exists", _details(name, gr.group, gr.resource)
    )


def conflict(gr: GroupResource, name: str, why: str) -> StatusError:
    return StatusError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {gr} "{name}": {why}',
        _details(name, gr.group, gr.resource),
    )


OPTIMISTIC_LOCK_MESSAGE = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(gk: GroupKind, name: str, causes: list[Cause]) -> StatusError:
    """errors.NewInvalid: the message aggregates the causes' texts once each (ErrorList.ToAggregate drops
    repeats); the causes keep them all."""
    texts = list(dict.fromkeys(c.text() for c in causes))
    agg = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return StatusError(
        422,
        "Invalid",
        f'{gk} "{name}" is invalid: {agg}',
        _details(name, gk.group, gk.kind, causes=[c.to_dict() for c in causes]),
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def unauthorized() -> StatusError:
    """kube's 401 for a request whose credentials no authenticator accepts."""
    return StatusError(401, "Unauthorized", "Unauthorized")


def forbidden(gr: GroupResource, name: str, why: str) -> StatusError:
    subject = f'{gr} "{name}"' if name else str(gr)
    return StatusError(403, "Forbidden", f"{subject} is forbidden: {why}", _details(name, gr.group, gr.resource))


def method_not_allowed() -> StatusError:
    """What kube's go-restful service error handler writes when a path has no route for the method."""
    return StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})


def method_not_supported(gr: GroupResource, action: str) -> StatusError:
    return StatusError(
        405,
        "MethodNotAllowed",
        f'{action} is not supported on resources of kind "{gr}"',
        _details(group=gr.group, kind=gr.resource),
    )


def resource_not_found() -> StatusError:
    """go-restful's 404 inside a served group-version: the path names no resource."""
    return StatusError(404, "NotFound", "the server could not find the requested resource", {})


def not_acceptable(message: str) -> StatusError:
    return StatusError(406, "NotAcceptable", message)


def route_not_acceptable(produces: tuple[str, ...]) -> StatusError:
    """go-restful's 406 (no route produces what Accept asks), as kube's service error handler wraps it."""
    return StatusError(
        406, "NotAcceptable", f"406: Not Acceptable\n\nAvailable representations: {', '.join(produces)}", {}
    )


def unsupported_media_type(accepted: str) -> StatusError:
    return StatusError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {accepted}",
    )


def route_unsupported_media_type() -> StatusError:
    """go-restful's 415 (no route consumes the request's Content-Type), as kube's service error handler wraps
    it: a PATCH of a built-in resource with a content type that is not a patch type."""
    return StatusError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})


def request_entity_too_large(message: str) -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", f"Request entity too large: {message}")


def resource_expired(message: str, list_meta: dict[str, Any] | None = None) -> StatusError:
    return StatusError(410, "Expired", message, list_meta=list_meta)


def gone(message: str) -> StatusError:
    return StatusError(410, "Gone", message)


def server_timeout(gr: GroupResource, operation: str, retry_after: int) -> StatusError:
    return StatusError(
        500,
        "ServerTimeout",
        f"The {operation} operation against {gr} could not be completed at this time, please try again.",
        _details(group=gr.group, kind=gr.resource, retry_after=retry_after),
    )


def timeout(message: str, retry_after: int = 0) -> StatusError:
    return StatusError(504, "Timeout", f"Timeout: {message}", _details(retry_after=retry_after))


def service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)


def internal_error(message: str) -> StatusError:
    return StatusError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        _details(causes=[{"message": message}]),
    )


def from_storage(exc: serr.StorageError, gr: GroupResource, name: str) -> StatusError:
    """Map a storage error to the Status kube returns for it (storage/errors/storage.go)."""
    if isinstance(exc, serr.NotFound):
        return not_found(gr, name)
    if isinstance(exc, serr.AlreadyExists):
        return already_exists(gr, name)
    if isinstance(exc, serr.PreconditionFailed):
        return conflict(gr, name, exc.message)
    if isinstance(exc, serr.Conflict):
        return conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE)
    if isinstance(exc, serr.Compacted):
        meta = {"continue": exc.continue_token} if exc.continue_token else None
        return resource_expired(exc.message, meta)
    if isinstance(exc, serr.TooLargeResourceVersion):
        return too_large_resource_version(exc.requested, exc.current, exc.retry_after)
    if isinstance(exc, serr.InvalidContinue):
        if exc.undecodable is not None:
            return bad_request(f"invalid continue token: continue key is not valid: {go_json_error(exc.undecodable)}")
        return bad_request(f"invalid continue token: {exc.message}")
    if isinstance(exc, serr.Timeout):
        return timeout("request did not complete within requested timeout - context deadline exceeded")
    if isinstance(exc, serr.Unavailable):
        return service_unavailable(exc.message)
    if isinstance(exc, serr.TooDeep):
        return StatusError(500, "", exc.message)  # the decoder's error as it is: no reason, no details
    return internal_error(exc.message)


def too_large_resource_version(requested: int, current: int, retry_after: int = 1) -> StatusError:
    """kube: storage.NewTooLargeResourceVersionError → 504 Timeout with a cause (and Retry-After when given)."""
    msg = f"Too large resource version: {requested}, current: {current}"
    return StatusError(
        504,
        "Timeout",
        f"Timeout: {msg}",
        _details(
            causes=[{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            retry_after=retry_after,
        ),
    )


#: the path field.NewPath("") prints as (kube's errors about a whole object, e.g. PodLogOptions' "at most one of")
ROOT_PATH = "[]"


@dataclass(slots=True)
class FieldErrors:
    """Collects field errors during validation, like field.ErrorList."""

    causes: list[Cause] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.causes)

    def invalid(self, path: str, value: Any, detail: str) -> None:
        body = f"Invalid value: {_fmt_value(value)}" + (f": {detail}" if detail else "")
        self.causes.append(Cause("FieldValueInvalid", path, body))

    def invalid_omitted(self, path: str, detail: str) -> None:
        """field.Invalid with field.OmitValueType: the detail without a value."""
        self.causes.append(Cause("FieldValueInvalid", path, f"Invalid value: {detail}"))

    def required(self, path: str, detail: str = "") -> None:
        body = "Required value" + (f": {detail}" if detail else "")
        self.causes.append(Cause("FieldValueRequired", path, body))

    def forbidden(self, path: str, detail: str) -> None:
        self.causes.append(Cause("FieldValueForbidden", path, f"Forbidden: {detail}"))

    def duplicate(self, path: str, value: Any, detail: str = "") -> None:
        body = f"Duplicate value: {_fmt_value(value)}" + (f": {detail}" if detail else "")
        self.causes.append(Cause("FieldValueDuplicate", path, body))

    def not_found(self, path: str, value: Any) -> None:
        self.causes.append(Cause("FieldValueNotFound", path, f"Not found: {_fmt_value(value)}"))

    def not_supported(self, path: str, value: Any, valid: list[str]) -> None:
        quoted = ", ".join(f'"{v}"' for v in valid)
        self.causes.append(
            Cause("FieldValueNotSupported", path, f"Unsupported value: {_fmt_value(value)}: supported values: {quoted}")
        )

    def internal(self, path: str, detail: str) -> None:
        self.causes.append(Cause("InternalError", path, f"Internal error: {detail}"))

    def too_long(self, path: str, max_len: int) -> None:
        self.causes.append(Cause("FieldValueTooLong", path, f"Too long: may not be more than {max_len} bytes"))

    def too_many(self, path: str, actual: int, max_items: int) -> None:
        """field.TooMany."""
        noun = "item" if max_items == 1 else "items"
        detail = f"Too many: {actual}: must have at most {max_items} {noun}"
        self.causes.append(Cause("FieldValueTooMany", path, detail))

    def type_invalid(self, path: str, value: Any, detail: str) -> None:
        self.causes.append(Cause("FieldValueTypeInvalid", path, f"Invalid value: {_fmt_value(value)}: {detail}"))


def _fmt_value(value: Any) -> str:
    """field.Error's value rendering: strings %q-quoted, numbers and bools bare, the rest as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
