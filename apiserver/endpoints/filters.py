"""kube's filters at the HTTP edge, in kube's order: the request deadline (``--request-timeout``, ``?timeout=``),
authentication (who sent a request on the secure port), priority and fairness or max-in-flight (a seat, or
429), authorization (whether they may). The plain-HTTP loopback port is kube's old insecure port: no
authentication or authorization, every request is ``system:unsecured`` in ``system:masters`` (so exempt
from priority and fairness too)."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any, Protocol

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.authentication.authenticator import RequestAuthenticator, Unauthorized
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo, forbidden_error
from aiokube.apiserver.authorization.authorizer import Authorizer
from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.flowcontrol import metrics as flowcontrol_metrics
from aiokube.apiserver.flowcontrol.controller import FlowControl, Match, MaxInflight, Rejected, Seat
from aiokube.apiserver.flowcontrol.queueset import Waiter
from aiokube.apiserver.golang import go_quote, parse_duration
from aiokube.apiserver.observability import metrics
from aiokube.apiserver.transport.streaming import RESPONSE_HEADERS, RESPONSE_STATUS
from aiokube.watchcache.cacher import Cacher

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
    else:
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
# --- long-running requests, the request deadline --------------------------------------------------------------

#: kube-apiserver's LongRunningFunc: these verbs and subresources, and the profiler, have no deadline and take
#: no seat (a WATCH takes one until it is initialized)
LONG_RUNNING_VERBS = frozenset(("watch", "proxy"))
LONG_RUNNING_SUBRESOURCES = frozenset(("attach", "exec", "proxy", "log", "portforward"))
TIMED_OUT = web.RequestKey("aiokube.timed_out", bool)
#: the request's deadline in seconds from its arrival (for the time it may wait in a queue)
TIMEOUT = web.RequestKey("aiokube.timeout", float)
TIMEOUT_MESSAGE = "request did not complete within the allotted timeout"


def long_running(ri: RequestInfo) -> bool:
    if ri.verb in LONG_RUNNING_VERBS:
        return True
    if ri.is_resource_request:
        return ri.subresource in LONG_RUNNING_SUBRESOURCES
    return ri.path.startswith("/debug/pprof/")


def request_timeout(request: web.Request, default: float) -> float:
    """kube's WithRequestDeadline: ``?timeout=`` (a Go duration) shortens the default; 0 or more than the
    default means the default; a bad value is a 400."""
    value = request.query.get("timeout", "") if "timeout" in request.rel_url.raw_query_string else ""
    if not value:
        return default
    try:
        seconds = parse_duration(value) or 0.0
    except ValueError as exc:
        raise errors.bad_request(f"invalid timeout specified in the request URL - {exc}") from None
    return seconds if 0 < seconds < default else default


def _expire(task: asyncio.Task[Any], request: web.Request) -> None:
    request[TIMED_OUT] = True
    task.cancel()


class Deadlines:
    """kube's request deadline: cancel a request's task when its time is up (the middleware turns that
    cancellation into kube's 504).

    A timer per request cost ~4 µs on uvloop (a libuv timer made, started, stopped and closed). Requests with
    the default timeout arrive in deadline order, so they share one timer: each is an entry of an insertion-
    ordered dict (add and remove: a dict operation each), and the timer is set for the oldest entry's
    deadline; when it fires it expires what is due and re-arms for the next. A shorter ``?timeout=`` gets a
    timer of its own."""

    def __init__(self, default: float) -> None:
        self.default = default
        self._entries: dict[asyncio.Task[Any], tuple[float, web.Request]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def arm(self, request: web.Request) -> asyncio.Task[Any] | asyncio.TimerHandle:
        """Start the request's deadline; hand the result to :meth:`disarm` when the request is done."""
        timeout = request_timeout(request, self.default)
        task = asyncio.current_task()
        assert task is not None
        loop = self._loop or task.get_loop()
        self._loop = loop
        if timeout != self.default:
            request[TIMEOUT] = timeout
            return loop.call_at(loop.time() + timeout, _expire, task, request)
        deadline = loop.time() + timeout
        self._entries[task] = (deadline, request)
        if self._handle is None:
            self._handle = loop.call_at(deadline, self._sweep, loop)
        return task

    def disarm(self, token: asyncio.Task[Any] | asyncio.TimerHandle) -> None:
        if self._entries.pop(token, None) is None and not isinstance(token, asyncio.Task):  # type: ignore[arg-type]
            token.cancel()

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        now = loop.time()
        due = []
        for task, (deadline, request) in self._entries.items():
            if deadline > now:
                self._handle = loop.call_at(deadline, self._sweep, loop)
                break
            due.append((task, request))
        for task, request in due:
            del self._entries[task]
            _expire(task, request)


def timed_out(request: web.Request) -> web.StreamResponse:
    """The handler was cancelled: by its deadline, kube's 504 — the Status JSON-encoded without kind/apiVersion
    (json.Encoder on the bare metav1.Status, in a content type Go sniffs as text) and only the outer filters'
    headers; when the response had already started, the connection is closed under it (kube aborts the
    handler). A cancellation from anything else (the client went away, shutdown) goes on."""
    task = asyncio.current_task()
    if not request.get(TIMED_OUT) or task is None or task.uncancel() > 0:
        raise asyncio.CancelledError
    if request.get(RESPONSE_STATUS):
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=504)
    headers = request.get(RESPONSE_HEADERS)
    if headers is not None:
        for name in (FLOW_SCHEMA_UID, PRIORITY_LEVEL_UID):
            headers.pop(name, None)
    body = (
        b'{"metadata":{},"status":"Failure","message":"Timeout: ' + TIMEOUT_MESSAGE.encode() + b'",'
        b'"reason":"Timeout","details":{},"code":504}\n'
    )
    return web.Response(body=body, status=504, headers={"Content-Type": "text/plain; charset=utf-8"})


# --- priority and fairness, max in flight ---------------------------------------------------------------------

TOO_MANY_REQUESTS = "Too many requests, please try again later.\n"
FLOW_SCHEMA_UID = "X-Kubernetes-Pf-Flowschema-Uid"
PRIORITY_LEVEL_UID = "X-Kubernetes-Pf-Prioritylevel-Uid"
#: a WATCH's seat, released once the watch is initialized (watch_initialized)
WATCH_SEAT = web.RequestKey("aiokube.watch_seat", object)


class Releasable(Protocol):
    def release(self) -> None: ...


class _Slot:
    """A max-in-flight slot."""

    __slots__ = ("held", "limits", "verb")

    def __init__(self, limits: MaxInflight, verb: str) -> None:
        self.limits = limits
        self.verb = verb
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.limits.release(self.verb)


class Queued:
    """A request waiting in its priority level's queue: :meth:`seat` waits (at most its wait limit)."""

    __slots__ = ("flowcontrol", "match", "wait_limit", "waiter", "watch")

    def __init__(self, flowcontrol: FlowControl, match: Match, waiter: Waiter, wait_limit: float, watch: bool):
        self.flowcontrol = flowcontrol
        self.match = match
        self.waiter = waiter
        self.wait_limit = wait_limit
        self.watch = watch

    async def seat(self, request: web.Request) -> Releasable:
        seat = await self.flowcontrol.wait(self.match, self.waiter, self.wait_limit)
        if self.watch:
            request[WATCH_SEAT] = seat
        return seat


class Admission:
    """kube's WithPriorityAndFairness (``flowcontrol``) or, with it off, WithMaxInFlightLimit (``maxinflight``)
    between authentication and authorization. A request waits in its queue at most a quarter of its deadline
    (capped at a minute; a WATCH: a quarter of ``--request-timeout``)."""

    def __init__(self, flowcontrol: FlowControl | None, maxinflight: MaxInflight | None, request_timeout: float):
        self.flowcontrol = flowcontrol
        self.maxinflight = maxinflight
        self.request_timeout = request_timeout

    def admit(self, request: web.Request, ri: RequestInfo, user: UserInfo) -> Releasable | Queued | None:
        """A seat to release when the request is done, a place in a queue (await its ``seat``), or None
        (nothing to release); raises :class:`Rejected`. No coroutine: most requests never wait."""
        is_watch = ri.verb == "watch"
        if not is_watch and long_running(ri):
            return None
        fc = self.flowcontrol
        if fc is None:
            if self.maxinflight is None or is_watch:
                return None
            return _Slot(self.maxinflight, ri.verb) if self.maxinflight.acquire(ri.verb, user) else None
        match = fc.classify(user, ri)
        if match.rules.uid:
            headers = request[RESPONSE_HEADERS]
            headers[FLOW_SCHEMA_UID] = match.rules.uid
            headers[PRIORITY_LEVEL_UID] = match.level.uid
        if fc.admit_now(match):
            if is_watch:
                seat = request[WATCH_SEAT] = Seat(match)
                return seat
            return match
        wait_limit = min(request.get(TIMEOUT, self.request_timeout) / 4, 60.0)
        return Queued(fc, match, fc.enqueue(match, user, ri), wait_limit, is_watch)


def make_admission(
    priority_and_fairness: bool,
    max_requests_inflight: int,
    max_mutating_requests_inflight: int,
    request_timeout: float,
    schemas: Cacher,
    levels: Cacher,
) -> Admission:
    """Priority and fairness over the FlowSchema and PriorityLevelConfiguration caches (kube's default), or,
    with it off, the max-in-flight limits."""
    if not priority_and_fairness:
        limits = MaxInflight(max_requests_inflight, max_mutating_requests_inflight)
        return Admission(None, limits, request_timeout)

    def load() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        return [e.obj for e in schemas.cache.values()], [e.obj for e in levels.cache.values()]

    flowcontrol = FlowControl(max_requests_inflight + max_mutating_requests_inflight, load)
    schemas.listeners.append(flowcontrol.invalidate)
    levels.listeners.append(flowcontrol.invalidate)
    flowcontrol_metrics.COLLECTOR.add(flowcontrol)
    return Admission(flowcontrol, None, request_timeout)


def watch_initialized(request: web.Request) -> None:
    """A WATCH's seat goes back once the watch is set up (kube: its initialization signal)."""
    seat = request.pop(WATCH_SEAT, None)
    if seat is not None:
        seat.release()  # type: ignore[attr-defined]


def too_many_requests(rejected: Rejected, labels: metrics.RequestLabels | None) -> web.Response:
    """kube's tooManyRequests: http.Error's plain text with Retry-After (and RecordRequestTermination)."""
    if labels is not None:
        metrics.request_terminated(labels, 429)
    resp = web.Response(text=TOO_MANY_REQUESTS, status=429, content_type="text/plain", charset="utf-8")
    resp.headers["Retry-After"] = str(rejected.retry_after)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
