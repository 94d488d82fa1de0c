"""Where pods/log, exec, attach, portforward and the pod, node and service proxies lead, and kube's checks on the
way (pkg/registry/core/pod/strategy.go LogLocation, streamLocation, PortForwardLocation, ResourceLocation;
node/strategy.go and service/storage ResourceLocation; pkg/kubelet/client GetConnectionInfo).

The order of the checks is kube's, so the first error a client meets is kube's: options decoded from the query
(400 with Go's conversion error), the pod (404), the container (400 "container x is not valid for pod y"), the
pod's node (400 "pod x does not have a host assigned"; a missing Node is a 404 named after the request's
resource, as kube's store qualifies it from the request), the node's address (500 "no preferred addresses
found"). What comes back is a :class:`Location`; dialing it is the HTTP edge's job (endpoints/connect.py).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind, GroupResource, StatusError
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry import dialing
from aiokube.apiserver.registry.resourceinfo import ResourceInfo

Obj = dict[str, Any]
Query = list[tuple[str, str]]

#: kube-apiserver's --kubelet-preferred-address-types and --kubelet-port defaults; kubelets are dialed over https
PREFERRED_ADDRESS_TYPES = ("Hostname", "InternalDNS", "InternalIP", "ExternalDNS", "ExternalIP")
KUBELET_PORT = 10250
#: api.ExecStdinParam ... api.PortHeader: the kubelet's query parameter names
_STREAM_PARAMS = (("stdin", "input"), ("stdout", "output"), ("stderr", "error"), ("tty", "tty"))


def unknown_error(message: str, code: int = 500) -> StatusError:
    """What ErrorToAPIStatus makes of an error that is not a Status: its text, no reason."""
    return StatusError(code, "", message)


@dataclass(frozen=True, slots=True)
class Location:
    """A URL kube would send the request to, and whether it goes through the kubelet's transport."""

    scheme: str
    host: str
    port: int | None
    path: str = ""
    query: Query = field(default_factory=list)
    kubelet: bool = False

    @property
    def hostport(self) -> str:
        return dialing.join_host_port(self.host, self.port) if self.port else self.host

    def url(self) -> str:
        """url.URL.String(), query encoded as url.Values.Encode (sorted by key, values in order)."""
        out = f"{self.scheme or 'http'}://{self.hostport}{self.path}"
        if self.query:
            ordered = sorted(self.query, key=lambda kv: kv[0])  # stable: a key's values keep their order
            out += "?" + urllib.parse.urlencode(ordered, quote_via=urllib.parse.quote_plus)
        return out

    def dial_port(self) -> int:
        return self.port or (443 if self.scheme == "https" else 80)


# --- options from the query (the parameter codec's url.Values conversions) --------------------------------------


def _first(query: Query, key: str) -> str | None:
    return next((v for k, v in query if k == key), None)


def _bool(query: Query, key: str) -> bool:
    """runtime.Convert_Slice_string_To_bool: absent, "0" or "false" is false; anything else is true."""
    value = _first(query, key)
    return value is not None and value != "0" and value.lower() != "false"


def _int64(query: Query, key: str) -> int | None:
    value = _first(query, key)
    if value is None:
        return None
    if not re.fullmatch(r"[+-]?\d+", value):
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number


_RFC3339 = "2006-01-02T15:04:05Z07:00"
_RFC3339_STEPS = (
    ("2006", r"\d{4}"), ("-", "-"), ("01", r"\d{2}"), ("-", "-"), ("02", r"\d{2}"), ("T", "T"), ("15", r"\d{2}"),
    (":", ":"), ("04", r"\d{2}"), (":", ":"), ("05", r"\d{2}(?:[.,]\d+)?"), ("Z07:00", r"Z|[+-]\d{2}:\d{2}"),
)  # fmt: skip


def parse_rfc3339(value: str) -> datetime:
    """time.Parse(time.RFC3339, value), with Go's error texts (the layout element that did not match)."""
    rest = value
    for element, pattern in _RFC3339_STEPS:
        m = re.match(pattern, rest)
        if m is None:
            raise errors.bad_request(
                f"parsing time {go_quote(value)} as {go_quote(_RFC3339)}: cannot parse {go_quote(rest)} as "
                f"{go_quote(element)}"
            )
        rest = rest[m.end() :]
    if rest:
        raise errors.bad_request(f"parsing time {go_quote(value)}: extra text: {go_quote(rest)}")
    for what, text, high in (("month", value[5:7], 12), ("day", value[8:10], 31), ("hour", value[11:13], 23),
                             ("minute", value[14:16], 59), ("second", value[17:19], 59)):  # fmt: skip
        if not (1 if what in ("month", "day") else 0) <= int(text) <= high:
            raise errors.bad_request(f"parsing time {go_quote(value)}: {what} out of range")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace(",", ".")).astimezone(UTC)
    except ValueError:
        raise errors.bad_request(f"parsing time {go_quote(value)}: day out of range") from None


@dataclass(slots=True)
class LogOptions:
    container: str = ""
    follow: bool = False
    previous: bool = False
    since_seconds: int | None = None
    since_time: datetime | None = None
    timestamps: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None
    stream: str | None = None


def log_options(query: Query, name: str) -> LogOptions:
    """The PodLogOptions of a pods/log request, validated as LogREST.Get does (the PodLogsQuerySplitStreams
    gate is off in 1.36, so ``stream`` may not be set)."""
    since_time = _first(query, "sinceTime")
    opts = LogOptions(
        container=_first(query, "container") or "",
        follow=_bool(query, "follow"),
        previous=_bool(query, "previous"),
        since_seconds=_int64(query, "sinceSeconds"),
        since_time=parse_rfc3339(since_time) if since_time not in (None, "", "null") else None,
        timestamps=_bool(query, "timestamps"),
        tail_lines=_int64(query, "tailLines"),
        limit_bytes=_int64(query, "limitBytes"),
        stream=_first(query, "stream"),
    )
    errs = FieldErrors()
    if opts.tail_lines is not None and opts.tail_lines < 0:
        errs.invalid("tailLines", opts.tail_lines, "must be greater than or equal to 0")
    if opts.limit_bytes is not None and opts.limit_bytes < 1:
        errs.invalid("limitBytes", opts.limit_bytes, "must be greater than 0")
    if opts.since_seconds is not None and opts.since_time is not None:
        errs.forbidden(errors.ROOT_PATH, "at most one of `sinceTime` or `sinceSeconds` may be specified")
    elif opts.since_seconds is not None and opts.since_seconds < 1:
        errs.invalid("sinceSeconds", opts.since_seconds, "must be greater than 0")
    if opts.stream is not None:
        errs.forbidden("stream", "may not be specified")
    if errs:
        raise errors.invalid(GroupKind("", "PodLogOptions"), name, errs.causes)
    return opts


def _log_params(opts: LogOptions) -> Query:
    out: Query = []
    for key, on in (("follow", opts.follow), ("previous", opts.previous), ("timestamps", opts.timestamps)):
        if on:
            out.append((key, "true"))
    for key, number in (
        ("sinceSeconds", opts.since_seconds), ("tailLines", opts.tail_lines), ("limitBytes", opts.limit_bytes),
    ):  # fmt: skip
        if number is not None:
            out.append((key, str(number)))
    if opts.since_time is not None:
        out.append(("sinceTime", opts.since_time.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return out


def stream_params(query: Query, subresource: str) -> Query:
    """streamParams: the kubelet query of an exec or attach (stdin → input=1, ..., command per argument)."""
    out: Query = [(param, "1") for key, param in _STREAM_PARAMS if _bool(query, key)]
    if subresource == "exec":
        out += [("command", v) for k, v in query if k == "command"]
    return out


def port_forward_params(query: Query) -> Query:
    """PodPortForwardOptions.Ports (Convert_Slice_string_To_Slice_int32: comma lists of uint16) as ``port``."""
    ports: list[str] = []
    for key, value in query:
        if key != "ports":
            continue
        for part in value.split(","):
            if not re.fullmatch(r"\+?\d+", part):
                raise errors.bad_request(
                    f"cannot convert to []int32: strconv.ParseUint: parsing {go_quote(part)}: invalid syntax"
                )
            if int(part) > 0xFFFF:
                raise errors.bad_request(
                    f"cannot convert to []int32: strconv.ParseUint: parsing {go_quote(part)}: value out of range"
                )
            ports.append(str(int(part)))
    return [("port", ",".join(ports))] if ports else []


def stream_options(query: Query) -> dict[str, bool]:
    """stdin/stdout/stderr/tty of an exec or attach (which channels a translated WebSocket opens)."""
    return {key: _bool(query, key) for key, _ in _STREAM_PARAMS}


# --- containers and nodes -------------------------------------------------------------------------------------


def container_names(pod: Obj) -> list[str]:
    """podutil.VisitContainers with every container type: init, regular, then ephemeral containers."""
    spec = pod.get("spec") or {}
    return [
        c.get("name", "")
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key) or []
        if isinstance(c, dict)
    ]


def validate_container(container: str, pod: Obj) -> str:
    """validateContainer: the one container when none is named; a named one must exist."""
    name = pod["metadata"].get("name", "")
    if container:
        if container not in container_names(pod):
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        return container
    containers = (pod.get("spec") or {}).get("containers") or []
    if len(containers) == 1:
        return containers[0].get("name", "")
    if not containers:
        raise errors.bad_request(f"a container name must be specified for pod {name}")
    raise errors.bad_request(
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(container_names(pod))}]"
    )


def preferred_address(node: Obj) -> str:
    """nodeutil.GetPreferredNodeAddress over kube-apiserver's default address types."""
    addresses = [a for a in (node.get("status") or {}).get("addresses") or [] if isinstance(a, dict)]
    for kind in PREFERRED_ADDRESS_TYPES:
        for address in addresses:
            if address.get("type") == kind:
                return str(address.get("address", ""))
    known = " ".join(f"{{{a.get('type', '')} {a.get('address', '')}}}" for a in addresses)
    raise unknown_error(f"no preferred addresses found; known addresses: [{known}]")


def kubelet_port(node: Obj) -> int:
    endpoint = ((node.get("status") or {}).get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}
    port = endpoint.get("Port")
    return port if isinstance(port, int) and port > 0 else KUBELET_PORT


def declares_websockets(node: Obj) -> bool:
    """A kubelet that speaks WebSockets itself (ExtendWebSocketsToKubelet in status.declaredFeatures): kube then
    proxies the upgrade to it instead of translating to SPDY."""
    return "ExtendWebSocketsToKubelet" in ((node.get("status") or {}).get("declaredFeatures") or [])


def split_scheme_name_port(id_: str) -> tuple[str, str, str] | None:
    """utilnet.SplitSchemeNamePort: "name", "name:port" or "scheme:name:port" (scheme http, https or empty)."""
    parts = id_.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, name, port = "", parts[0], parts[1]
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return None
    if not name or scheme not in ("", "http", "https"):
        return None
    return scheme, name, port


class Locator:
    """kube's *Location functions over the generic store (``store``: registry/store.py GenericStore)."""

    def __init__(self, store: Any) -> None:
        self.store = store

        def core(plural: str) -> ResourceInfo:
            info = store.registry.get("", "v1", plural)
            assert info is not None, plural
            return info

        self.pods, self.nodes = core("pods"), core("nodes")
        self.services, self.endpoints = core("services"), core("endpoints")

    async def _get(self, info: ResourceInfo, namespace: str | None, name: str, resource: str) -> Obj:
        """A Get as kube's store does it inside another resource's request: a miss is named after ``resource``."""
        try:
            entry = await self.store.get(info, namespace, name, "")
        except StatusError as exc:
            if exc.code == 404:
                raise errors.not_found(GroupResource("", resource), name) from None
            raise
        return entry.obj

    async def pod(self, namespace: str, name: str) -> Obj:
        return await self._get(self.pods, namespace, name, "pods")

    async def node(self, name: str, resource: str) -> Obj:
        return await self._get(self.nodes, None, name, resource)

    async def kubelet(self, pod: Obj, path: str, query: Query) -> tuple[Location, Obj]:
        """The pod's node as a kubelet location (and the Node): GetConnectionInfo's checks."""
        node = await self.node(pod["spec"]["nodeName"], "pods")
        host = preferred_address(node)
        return Location("https", host, kubelet_port(node), path, query, kubelet=True), node

    async def log(self, namespace: str, name: str, opts: LogOptions) -> Location | None:
        """LogLocation; None for a pod on no node yet (kube then answers 204 with no body)."""
        pod = await self.pod(namespace, name)
        container = validate_container(opts.container, pod)
        if not (pod.get("spec") or {}).get("nodeName"):
            return None
        path = f"/containerLogs/{namespace}/{name}/{container}"
        location, _ = await self.kubelet(pod, path, _log_params(opts))
        return location

    async def stream(self, namespace: str, name: str, subresource: str, query: Query) -> tuple[Location, Obj]:
        """streamLocation (exec, attach) and PortForwardLocation (no container), with the Node."""
        if subresource == "portforward":
            params = port_forward_params(query)
            pod = await self.pod(namespace, name)
            path = f"/portForward/{namespace}/{name}"
        else:
            params = stream_params(query, subresource)
            pod = await self.pod(namespace, name)
            container = validate_container(_first(query, "container") or "", pod)
            path = f"/{subresource}/{namespace}/{name}/{container}"
        if not (pod.get("spec") or {}).get("nodeName"):
            raise errors.bad_request(f"pod {name} does not have a host assigned")
        return await self.kubelet(pod, path, params)

    async def pod_proxy(self, namespace: str, id_: str) -> Location:
        """pod.ResourceLocation: the pod's first IP (global unicast only) and the given or first container port."""
        split = split_scheme_name_port(id_)
        if split is None:
            raise errors.bad_request(f"invalid pod request {go_quote(id_)}")
        scheme, name, port = split
        pod = await self.pod(namespace, name)
        if not port:
            for container in (pod.get("spec") or {}).get("containers") or []:
                ports = container.get("ports") or []
                if ports:
                    port = str(ports[0].get("containerPort", ""))
                    break
        pod_ips = (pod.get("status") or {}).get("podIPs") or []
        ip = pod_ips[0].get("ip", "") if pod_ips else ""
        if not dialing.is_global_unicast(ip):
            raise errors.bad_request("address not allowed")
        return Location(scheme, ip, int(port) if port.isdigit() else None)

    async def node_proxy(self, id_: str) -> Location:
        """node.ResourceLocation: the kubelet (its port or none given) or another port of the node's address,
        which must resolve to global unicast addresses only."""
        split = split_scheme_name_port(id_)
        if split is None:
            raise errors.bad_request(f"invalid node request {go_quote(id_)}")
        scheme, name, port = split
        node = await self.node(name, "nodes")
        host, kport = preferred_address(node), kubelet_port(node)
        try:
            resolved = await dialing.lookup(host)
        except dialing.DialError as exc:
            raise errors.bad_request(str(exc)) from None
        if not resolved:
            raise errors.bad_request("no addresses for hostname")
        if not all(dialing.is_global_unicast(a) for a in resolved):
            raise errors.bad_request("address not allowed")
        if not port or port == str(kport):
            return Location("https", host, kport, kubelet=True)
        return Location(scheme, host, int(port) if port.isdigit() else None)

    async def service_proxy(self, namespace: str, id_: str) -> Location:
        """service REST.ResourceLocation: a port number names a service port; then an address of the service's
        Endpoints with that port name whose target is a pod that has that IP."""
        split = split_scheme_name_port(id_)
        if split is None:
            raise errors.bad_request(f"invalid service request {go_quote(id_)}")
        scheme, name, port_name = split
        if re.fullmatch(r"[+-]?\d+", port_name):
            service = await self._get(self.services, namespace, name, "services")
            number = int(port_name)
            for service_port in (service.get("spec") or {}).get("ports") or []:
                if service_port.get("port") == number:
                    port_name = service_port.get("name", "")
                    break
            else:
                raise errors.service_unavailable(f"no service port {number} found for service {go_quote(name)}")
        endpoints = await self._get(self.endpoints, namespace, name, "services")
        subsets = endpoints.get("subsets") or []
        if not subsets:
            raise errors.service_unavailable(f"no endpoints available for service {go_quote(name)}")
        for subset in subsets:
            for ep_port in subset.get("ports") or []:
                if ep_port.get("name", "") != port_name:
                    continue
                for address in subset.get("addresses") or []:
                    if await self._is_pod_address(namespace, address):
                        return Location(scheme, address.get("ip", ""), ep_port.get("port"))
        raise errors.service_unavailable(f"no endpoints available for service {go_quote(id_)}")

    async def _is_pod_address(self, namespace: str, address: Obj) -> bool:
        """isValidAddress: the address names a pod of this namespace that has that IP."""
        target = address.get("targetRef") or {}
        if not target or target.get("namespace", "") != namespace:
            return False
        try:
            pod = await self.pod(namespace, target.get("name", ""))
        except StatusError:
            return False
        return any(p.get("ip") == address.get("ip") for p in (pod.get("status") or {}).get("podIPs") or [])
