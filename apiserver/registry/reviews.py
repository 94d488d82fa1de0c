"""kube's create-and-answer resources (pkg/registry/authentication/*, pkg/registry/authorization/*): a POST is
validated and answered with the review's status from the server's authenticators and authorizers; nothing is
stored. ``user`` is who asked (``system:unsecured`` on the plain-HTTP port)."""

from __future__ import annotations

from typing import Any, Protocol

from aiokube.apiserver import errors
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo
from aiokube.apiserver.authorization.authorizer import Authorizer
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.registry.meta import now_rfc3339
from aiokube.apiserver.registry.resourceinfo import ResourceInfo

Obj = dict[str, Any]


class ReviewBackend(Protocol):
    """What the reviews ask: the authorizer chain and the token authenticators (security.Security)."""

    authorizer: Authorizer
    api_audiences: list[str]

    def authenticate_token(self, token: str, audiences: list[str]) -> tuple[UserInfo, list[str]]:
        """The user and matched audiences of a bearer token; raises ValueError (its message is kube's
        ``status.error``) when no token authenticator accepts it."""
        ...


def answer(info: ResourceInfo, obj: Obj, namespace: str | None, user: UserInfo, backend: ReviewBackend) -> Obj:
    """The response to a POST of ``obj`` (decoded, defaulted) to review resource ``info``."""
    kind = info.kind
    if kind == "TokenReview":
        return _token_review(obj, namespace, backend)
    if kind == "SelfSubjectReview":
        return {"kind": kind, "apiVersion": info.api_version, "metadata": {"creationTimestamp": now_rfc3339()},
                "status": {"userInfo": user.as_json()}}  # fmt: skip
    if kind == "SelfSubjectRulesReview":
        rules_namespace = (obj.get("spec") or {}).get("namespace")
        if not rules_namespace:
            raise errors.bad_request("no namespace on request")
        resource, non_resource, incomplete, error = backend.authorizer.rules_for(user, rules_namespace)
        status: Obj = {"resourceRules": resource, "nonResourceRules": non_resource, "incomplete": incomplete}
        if error:
            status["evaluationError"] = error
        return {"kind": kind, "apiVersion": info.api_version, "metadata": {}, "spec": {}, "status": status}  # fmt: skip
    _validate_access_review(info, obj, namespace)
    spec = obj.get("spec") or {}
    if kind == "SelfSubjectAccessReview":
        subject = user
    else:
        extra = spec.get("extra") or {}
        subject = UserInfo.create(spec.get("user", ""), spec.get("uid", ""), spec.get("groups") or (), extra)
    decision, reason = backend.authorizer.authorize(_attributes(subject, spec))
    result: Obj = {"allowed": decision is Decision.ALLOW}
    if decision is Decision.DENY:
        result["denied"] = True
    if reason:
        result["reason"] = reason
    return {**obj, "status": result}


def _attributes(user: UserInfo, spec: Obj) -> Attributes:
    """authorizationutil.AuthorizationAttributesFrom: the review's resource or non-resource attributes."""
    resource = spec.get("resourceAttributes")
    if resource is not None:
        return Attributes(
            user,
            resource.get("verb", ""),
            True,
            namespace=resource.get("namespace", ""),
            api_group=resource.get("group", ""),
            api_version=resource.get("version", ""),
            resource=resource.get("resource", ""),
            subresource=resource.get("subresource", ""),
            name=resource.get("name", ""),
        )
    non_resource = spec.get("nonResourceAttributes") or {}
    return Attributes(user, non_resource.get("verb", ""), False, path=non_resource.get("path", ""))


def _token_review(obj: Obj, namespace: str | None, backend: ReviewBackend) -> Obj:
    """pkg/registry/authentication/tokenreview: the token authenticated as a request's bearer token would be;
    ``spec.audiences`` (default: the server's API audiences) must meet the token's."""
    if namespace:
        raise errors.bad_request(f"namespace is not allowed on this type: {namespace}")
    spec = obj.get("spec") or {}
    token = spec.get("token")
    if not token:
        raise errors.bad_request("token is required for TokenReview in authentication")
    wanted = list(spec.get("audiences") or backend.api_audiences)
    status: Obj = {}
    try:
        user, audiences = backend.authenticate_token(token, wanted)
    except ValueError as exc:
        status = {"user": {}, "error": str(exc)}
    else:
        if spec.get("audiences") and not set(audiences) & set(wanted):
            raise errors.internal_error("error validating audience")
        status = {"authenticated": True, "user": user.as_json(), "audiences": audiences}
    return {**obj, "status": status}


def _validate_access_review(info: ResourceInfo, obj: Obj, namespace: str | None) -> None:
    """ValidateSubjectAccessReview / ValidateSelfSubjectAccessReview / ValidateLocalSubjectAccessReview."""
    spec = obj.get("spec") or {}
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    errs = FieldErrors()
    if resource is not None and non_resource is not None:
        errs.invalid(
            "spec.nonResourceAttributes", non_resource, "cannot be specified in combination with resourceAttributes"
        )
    if resource is None and non_resource is None:
        errs.invalid(
            "spec.resourceAttributes",
            None,
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )
    if info.kind != "SelfSubjectAccessReview" and not spec.get("user") and not spec.get("groups"):
        errs.invalid("spec.user", spec.get("user", ""), "at least one of user or group must be specified")
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in ("managedFields", "namespace")}
    local = info.kind == "LocalSubjectAccessReview"
    if meta or (not local and (obj.get("metadata") or {}).get("namespace")):
        errs.invalid(
            "metadata", obj.get("metadata"), "must be empty except for namespace" if local else "must be empty"
        )
    if local:
        md_namespace = (obj.get("metadata") or {}).get("namespace", "")
        if resource is not None and resource.get("namespace", "") != md_namespace:
            errs.invalid(
                "spec.resourceAttributes.namespace", resource.get("namespace", ""), "must match metadata.namespace"
            )
        if non_resource is not None:
            errs.invalid("spec.nonResourceAttributes", non_resource, "disallowed on this kind of request")
    if errs:
        raise errors.invalid(GroupKind(info.group, info.kind), "", errs.causes)
    if local:
        if not namespace:
            raise errors.bad_request(f"namespace is required on this type: {namespace}")
        if namespace != (obj.get("metadata") or {}).get("namespace"):
            raise errors.bad_request(f"spec.resourceAttributes.namespace must match namespace: {namespace}")
