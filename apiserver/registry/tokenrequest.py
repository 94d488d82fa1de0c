"""serviceaccounts/NAME/token (pkg/registry/core/serviceaccount/storage/token.go): a POSTed TokenRequest is
answered with a signed ServiceAccount token (``kubectl create token``); nothing is stored."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind, GroupResource
from aiokube.apiserver.registry.meta import now_rfc3339

Obj = dict[str, Any]
GROUP_KIND = GroupKind("authentication.k8s.io", "TokenRequest")
#: kube's validation bounds and default (SetDefaults_TokenRequestSpec: one hour)
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32
DEFAULT_EXPIRATION = 3600
#: the kinds a token may be bound to, and their core/v1 resources
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}


class Issuer(Protocol):
    def issue(
        self,
        namespace: str,
        sa_name: str,
        sa_uid: str,
        audiences: list[str],
        expiration_seconds: int,
        bound: Obj | None = None,
        now: datetime | None = None,
    ) -> tuple[str, datetime]: ...


def validate(request: Obj, name: str, namespace: str) -> int:
    """The body's checks before the ServiceAccount is read; returns the requested expiration in seconds."""
    spec = request.setdefault("spec", {})
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = spec["expirationSeconds"] = DEFAULT_EXPIRATION
    errs = FieldErrors()
    if expiration < MIN_EXPIRATION:
        errs.invalid("spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes")
    if expiration > MAX_EXPIRATION:
        errs.invalid("spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds")
    md = request.setdefault("metadata", {})
    if md.get("name") and md["name"] != name:
        errs.invalid("metadata.name", md["name"], "must match the service account name if specified")
    if md.get("namespace") and md["namespace"] != namespace:
        errs.invalid("metadata.namespace", md["namespace"], "must match the service account namespace if specified")
    if errs:  # named as the body names it (kube validates before filling the name in)
        raise errors.invalid(GROUP_KIND, md.get("name", ""), errs.causes)
    return int(expiration)


def bound_object(ref: Obj, name: str, obj: Obj | None) -> Obj:
    """Checks ``spec.boundObjectRef`` against the object it names (``obj``: None when missing) and returns the
    binding the token carries (kind, name, uid)."""
    kind, api_version = ref.get("kind", ""), ref.get("apiVersion", "")
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    if group or kind not in BOUND_KINDS:
        shown = f"{api_version}, Kind={kind}" if "/" in api_version else f"/{api_version}, Kind={kind}"
        raise errors.bad_request(f"cannot bind token to object of type {shown}")
    ref_name = ref.get("name", "")
    if obj is None:
        raise errors.not_found(GroupResource("", BOUND_KINDS[kind]), ref_name)
    if kind == "Pod" and (obj.get("spec") or {}).get("serviceAccountName", "") != name:
        raise errors.bad_request(
            f'cannot bind token for serviceaccount "{name}" to pod running with different serviceaccount name.'
        )
    uid = obj["metadata"].get("uid", "")
    if ref.get("uid") and ref["uid"] != uid:
        raise errors.conflict(
            GroupResource("", kind),
            ref_name,
            f"the UID in the bound object reference ({ref['uid']}) does not match the UID in record. The object "
            "might have been deleted and then recreated",
        )
    out: Obj = {"kind": kind, "name": ref_name, "uid": uid}
    if kind == "Pod" and (obj.get("spec") or {}).get("nodeName"):
        out["nodeName"] = obj["spec"]["nodeName"]
    return out


def answer(
    request: Obj,
    service_account: Obj,
    bound: Obj | None,
    issuer: Issuer,
    audiences: list[str],
    max_expiration: float,
) -> tuple[Obj, list[str]]:
    """The TokenRequest kube returns (metadata filled from the ServiceAccount, status with the token), and
    the warnings (an expiration shortened to ``--service-account-max-token-expiration``)."""
    spec = request["spec"]
    if not spec.get("audiences"):
        spec["audiences"] = list(audiences)
    sa_md = service_account["metadata"]
    given = request["metadata"]
    now = time.time()
    # kube fills the object's metadata as a create does (a fresh uid), in ObjectMeta's field order
    md: Obj = {"name": given.get("name") or sa_md["name"], "namespace": given.get("namespace") or sa_md["namespace"],
               "uid": str(uuid.uuid4()), "creationTimestamp": now_rfc3339()}  # fmt: skip
    md.update((k, v) for k, v in given.items() if k not in md)
    spec.setdefault("boundObjectRef", None)
    warnings = []
    expiration = int(spec["expirationSeconds"])
    if max_expiration and expiration > max_expiration:
        warnings.append(f"requested expiration of {expiration} seconds shortened to {int(max_expiration)} seconds")
        expiration = spec["expirationSeconds"] = int(max_expiration)
    issued_at = datetime.fromtimestamp(now, UTC)
    token, _ = issuer.issue(
        sa_md["namespace"], sa_md["name"], sa_md.get("uid", ""), list(spec["audiences"]), expiration, bound, issued_at
    )
    expires = datetime.fromtimestamp(int(now) + expiration, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": md,
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expires},
    }
    return out, warnings
