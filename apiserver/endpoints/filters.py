"""kube's WithAuthentication and WithAuthorization filters at the HTTP edge: who sent a request on the secure
port, and whether they may. The plain-HTTP loopback port is kube's old insecure port: no filters, every
request is ``system:unsecured`` in ``system:masters``."""

from __future__ import annotations

import urllib.parse

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.authentication.authenticator import RequestAuthenticator, Unauthorized
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo, forbidden_error
from aiokube.apiserver.authorization.authorizer import Authorizer
from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.golang import go_quote

USER = web.RequestKey("aiokube.user", UserInfo)
#: kube's insecure-port identity (pkg/kubeapiserver/server/insecure_handler.go)
UNSECURED = UserInfo("system:unsecured", groups=("system:masters", "system:authenticated"))


def user_of(request: web.Request) -> UserInfo:
    """The authenticated user of a request (``system:unsecured`` on the plain port)."""
    return request.get(USER, UNSECURED)


def peer_certificate(request: web.Request) -> bytes | None:
    """The client certificate the TLS handshake verified (DER), if any."""
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None


def authenticate(request: web.Request, authenticator: RequestAuthenticator) -> UserInfo:
    """kube's 401 for bad credentials (never anonymous when credentials were given but failed)."""
    try:
        user = authenticator.authenticate(request.headers.get("Authorization"), peer_certificate(request))
    except Unauthorized:
        raise errors.unauthorized() from None
    request[USER] = user
    return user


def attributes(request: web.Request, ri: RequestInfo | None, user: UserInfo) -> Attributes:
    """authorizer.Attributes of a request: resource requests from their RequestInfo, anything else as the
    lower-case HTTP method on the path."""
    if ri is not None and ri.is_resource_request:
        name = ri.name or (selected_name(request.query.get("fieldSelector", "")) if ri.verb in LISTS else "")
        return Attributes(
            user,
            ri.verb,
            True,
            namespace=ri.namespace,
            api_group=ri.group,
            api_version=ri.version,
            resource=ri.resource,
            subresource=ri.subresource,
            name=name,
            path=ri.path,
        )
    return Attributes(user, request.method.lower(), False, path=request.rel_url.raw_path)


LISTS = ("list", "watch")


def selected_name(field_selector: str) -> str:
    """kube's RequestInfo names the object of a list/watch whose field selector requires ``metadata.name``
    (so a Role's resourceNames can allow ``kubectl get pod x -w``)."""
    for term in field_selector.split(","):
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if sep and key.strip() == "metadata.name" and not key.endswith("!"):
            value = value.strip()
            return value if value and "/" not in value and value not in (".", "..") and "%" not in value else ""
    return ""


def authorize(request: web.Request, ri: RequestInfo | None, authorizer: Authorizer, user: UserInfo) -> None:
    attrs = attributes(request, ri, user)
    decision, reason = authorizer.authorize(attrs)
    if decision is not Decision.ALLOW:
        raise forbidden_error(attrs, reason)


IMPERSONATE_USER, IMPERSONATE_UID, IMPERSONATE_GROUP = "Impersonate-User", "Impersonate-Uid", "Impersonate-Group"
IMPERSONATE_EXTRA = "impersonate-extra-"
SA_PREFIX = "system:serviceaccount:"


def _go_strings(values: list[str]) -> str:
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}" if values else "[]string(nil)"


def _wanted(name: str, uid: str, groups: list[str], extra: dict[str, list[str]]) -> str:
    """The requested user as Go's ``%#v`` prints a *user.DefaultInfo (kube 1.36's 400 shows it so)."""
    if extra:
        pairs = ", ".join(f"{go_quote(k)}:{_go_strings(extra[k])}" for k in sorted(extra))
        shown = "map[string][]string{" + pairs + "}"
    else:
        shown = "map[string][]string(nil)"
    return (f"&user.DefaultInfo{{Name:{go_quote(name)}, UID:{go_quote(uid)}, Groups:{_go_strings(groups)}, "
            f"Extra:{shown}}}")  # fmt: skip


def impersonate(request: web.Request, user: UserInfo, authorizer: Authorizer) -> UserInfo:
    """kube's impersonation filter: the ``Impersonate-*`` headers switch the request to another user, group set,
    uid and extra, each allowed only if the requester may ``impersonate`` it (users, groups, serviceaccounts,
    uids, userextras/<key>: kube's legacy mode; 1.36's constrained ``impersonate-on:`` modes are not done).
    Without such headers: ``user`` unchanged."""
    headers = request.headers
    name = headers.get(IMPERSONATE_USER, "")
    groups_given = headers.getall(IMPERSONATE_GROUP, [])
    extras = [(k[len(IMPERSONATE_EXTRA) :], v) for k, v in headers.items() if k.lower().startswith(IMPERSONATE_EXTRA)]
    uid = headers.get(IMPERSONATE_UID, "")
    if not (name or groups_given or extras or uid):
        return user
    checks: list[Attributes] = []
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    for raw_key, value in extras:
        extra.setdefault(urllib.parse.unquote(raw_key.lower()), []).append(value)
    if not name:
        wanted = _wanted(name, uid, groups_given, extra)
        raise errors.bad_request(f"requested {wanted} without impersonating a user name")
    rest = name[len(SA_PREFIX) :].split(":") if name.startswith(SA_PREFIX) else []
    if len(rest) == 2 and all(rest):
        checks.append(Attributes(user, "impersonate", True, namespace=rest[0], api_version="v1",
                                 resource="serviceaccounts", name=rest[1]))  # fmt: skip
        if not groups_given:
            groups = ["system:serviceaccounts", f"system:serviceaccounts:{rest[0]}"]
    elif name:
        checks.append(Attributes(user, "impersonate", True, api_version="v1", resource="users", name=name))
    if uid:
        checks.append(Attributes(user, "impersonate", True, api_group="authentication.k8s.io", api_version="v1",
                                 resource="uids", name=uid))  # fmt: skip
    for group in groups_given:
        checks.append(Attributes(user, "impersonate", True, api_version="v1", resource="groups", name=group))
        groups.append(group)
    for key, values in extra.items():
        for value in values:
            checks.append(Attributes(user, "impersonate", True, api_group="authentication.k8s.io", api_version="v1",
                                     resource="userextras", subresource=key, name=value))  # fmt: skip
    for attrs in checks:
        decision, reason = authorizer.authorize(attrs)
        if decision is not Decision.ALLOW:
            raise forbidden_error(attrs, reason)
    implied = "system:unauthenticated" if name == "system:anonymous" else "system:authenticated"
    if name == "system:anonymous":
        if "system:unauthenticated" not in groups:
            groups.append(implied)
    elif not {"system:authenticated", "system:unauthenticated"} & set(groups):
        groups.append(implied)
    impersonated = UserInfo.create(name, uid, groups, extra)
    request[USER] = impersonated
    return impersonated
