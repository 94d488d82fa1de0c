"""kube's WithAuthentication and WithAuthorization filters at the HTTP edge: who sent a request on the secure
port, and whether they may. The plain-HTTP loopback port is kube's old insecure port: no filters, every
request is ``system:unsecured`` in ``system:masters``."""

from __future__ import annotations

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.authentication.authenticator import RequestAuthenticator, Unauthorized
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo, forbidden_error
from aiokube.apiserver.authorization.authorizer import Authorizer
from aiokube.apiserver.endpoints.requestinfo import RequestInfo

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
