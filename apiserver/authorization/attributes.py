"""What an authorizer is asked (kube's authorizer.Attributes and user.Info) and what it answers, plus the 403
body kube writes when nobody allows (responsewriters.ForbiddenStatusError).

Plain frozen dataclasses: the authentication package builds :class:`UserInfo`, the HTTP edge builds
:class:`Attributes` from the request info, and both are hashable so authorizers can cache on them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.golang import go_quote


@dataclass(frozen=True, slots=True)
class UserInfo:
    """user.Info: name, uid, groups and extra (extra as sorted ``(key, values)`` pairs so it hashes)."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def create(
        cls, name: str, uid: str = "", groups: Iterable[str] = (), extra: Mapping[str, Iterable[str]] | None = None
    ) -> UserInfo:
        """Build from the shapes authenticators have at hand (a dict for extra)."""
        frozen = tuple(sorted((k, tuple(v)) for k, v in (extra or {}).items()))
        return cls(name, uid, tuple(groups), frozen)

    def extra_dict(self) -> dict[str, list[str]]:
        """extra as kube's ``map[string][]string`` (what reviews and impersonation headers carry)."""
        return {k: list(v) for k, v in self.extra}

    def as_json(self) -> dict[str, Any]:
        """authenticationv1.UserInfo, empty fields omitted (reviews' answers; a CSR's spec has the same four)."""
        out: dict[str, Any] = {"username": self.name}
        if self.uid:
            out["uid"] = self.uid
        if self.groups:
            out["groups"] = list(self.groups)
        if self.extra:
            out["extra"] = self.extra_dict()
        return out


@dataclass(frozen=True, slots=True)
class Attributes:
    """authorizer.AttributesRecord: a resource request (verb on group/resource[/subresource][/name] in a
    namespace) or a non-resource request (verb on path)."""

    user: UserInfo
    verb: str
    resource_request: bool
    namespace: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""


class Decision(enum.Enum):
    """authorizer.Decision, with kube's numbering."""

    DENY = 0
    ALLOW = 1
    NO_OPINION = 2


_SANITIZE = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def _sanitize(text: str) -> str:
    """responsewriters' sanitizer: the generated part of a 403 must not look like HTML (quotes are fine)."""
    for old, new in _SANITIZE:
        text = text.replace(old, new)
    return text


def _describe(attrs: Attributes) -> str:
    """responsewriters.forbiddenMessage: who cannot do what, where."""
    user = go_quote(attrs.user.name)
    if not attrs.resource_request:
        return f"User {user} cannot {attrs.verb} path {go_quote(attrs.path)}"
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    head = f"User {user} cannot {attrs.verb} resource {go_quote(resource)} in API group {go_quote(attrs.api_group)}"
    if attrs.namespace:
        return f"{head} in the namespace {go_quote(attrs.namespace)}"
    return f"{head} at the cluster scope"


def forbidden_message(attrs: Attributes, reason: str) -> str:
    """The Status message of kube's 403 for ``attrs`` (ForbiddenStatusError + apierrors.NewForbidden).

    The group/resource prefix comes from the attributes (the subresource only appears in the sentence);
    ``reason`` (the authorizers' reasons) is appended after ``": "`` unsanitized, as kube does.
    """
    why = _sanitize(_describe(attrs))
    if reason:
        why = f"{why}: {reason}"
    resource, group = attrs.resource, attrs.api_group
    if not resource and not group:
        return f"forbidden: {why}"
    qualified = f"{resource}.{group}" if group else resource
    if not attrs.name:
        return f"{qualified} is forbidden: {why}"
    return f"{qualified} {go_quote(attrs.name)} is forbidden: {why}"


def forbidden_details(attrs: Attributes) -> dict[str, Any]:
    """The Status details of that 403: name, group and kind (= the resource, as NewForbidden fills it), each
    omitted when empty; ``{}`` for non-resource requests."""
    details: dict[str, Any] = {}
    if attrs.name:
        details["name"] = attrs.name
    if attrs.api_group:
        details["group"] = attrs.api_group
    if attrs.resource:
        details["kind"] = attrs.resource
    return details


def forbidden_error(attrs: Attributes, reason: str) -> StatusError:
    """The whole 403 as a :class:`StatusError`, for the HTTP edge to write."""
    return StatusError(403, "Forbidden", forbidden_message(attrs, reason), forbidden_details(attrs))
