"""kube's create-and-answer resources (pkg/registry/authentication/*, pkg/registry/authorization/*): a POST is
validated and answered with the review's status; nothing is stored.

Until authentication and authorization exist (issue 13) the answers are those of a kube-apiserver with
anonymous authentication and ``--authorization-mode=AlwaysAllow``: every request is ``system:anonymous``,
every access is allowed, the rules are ``*``, and a TokenReview is returned unanswered (kube with no token
authenticator does that)."""

from __future__ import annotations

import copy
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.registry.meta import now_rfc3339
from aiokube.apiserver.registry.resourceinfo import ResourceInfo

Obj = dict[str, Any]

ANONYMOUS: Obj = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
#: what AlwaysAllow's RulesFor gives any user in any namespace
ALL_RULES: Obj = {
    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
    "incomplete": False,
}


def answer(info: ResourceInfo, obj: Obj, namespace: str | None) -> Obj:
    """The response to a POST of ``obj`` (decoded, defaulted) to review resource ``info``."""
    kind = info.kind
    if kind == "TokenReview":
        if namespace:
            raise errors.bad_request(f"namespace is not allowed on this type: {namespace}")
        if not (obj.get("spec") or {}).get("token"):
            raise errors.bad_request("token is required for TokenReview in authentication")
        return obj
    if kind == "SelfSubjectReview":
        return {"kind": kind, "apiVersion": info.api_version, "metadata": {"creationTimestamp": now_rfc3339()},
                "status": {"userInfo": copy.deepcopy(ANONYMOUS)}}  # fmt: skip
    if kind == "SelfSubjectRulesReview":
        if not (obj.get("spec") or {}).get("namespace"):
            raise errors.bad_request("no namespace on request")
        return {"kind": kind, "apiVersion": info.api_version, "metadata": {}, "spec": {},
                "status": copy.deepcopy(ALL_RULES)}  # fmt: skip
    _validate_access_review(info, obj, namespace)
    return {**obj, "status": {"allowed": True}}


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
