"""A thin asyncio etcd v3 client over gRPC.

Why not a full client library: aetcd (the maintained asyncio successor of python-etcd3) has the generated
etcd v3 stubs we want, but its high-level API hides what a watch cache needs: ``Range`` with
``limit``/``revision``/``count_only``, the response header revision of watch events, progress
notifications and ``WatchProgressRequest``, watch fragments, and a bounded event path. So we depend on aetcd
only for ``aetcd.rpc`` (protobuf messages): every call goes over :mod:`storage.grpcwire` (HTTP/2 framed on
the event loop, one connection per member); etcd errors are mapped to :mod:`storage.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any
from urllib.parse import urlsplit

import grpc
from aetcd import rpc

from . import errors
from .grpcwire import DEADLINE_EXCEEDED, UNAVAILABLE, GrpcChannel, GrpcError, GrpcStream

log = logging.getLogger(__name__)

_COMPACTED = "required revision has been compacted"
#: etcd revisions are int64
_MAX_REVISION = 2**63 - 1
_FUTURE_REV = "required revision is a future revision"


def grpc_target(endpoints: Sequence[str]) -> str:
    """Turn ``http://host:port`` URLs into one gRPC target that balances over all of them.

    Host names are resolved once here: gRPC's static multi-address targets (``ipv4:a:p,b:p``) take only
    literal addresses, and an etcd cluster's member list is fixed for the life of the process.
    """
    v4: list[str] = []
    v6: list[str] = []
    for url in endpoints:
        url = url.strip()
        if not url:
            continue
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https", ""):
            raise ValueError(f"unsupported etcd endpoint scheme: {url}")
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 2379
        try:
            addrs = [ipaddress.ip_address(host)]
        except ValueError:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addrs = [ipaddress.ip_address(info[4][0]) for info in infos]
        for addr in addrs:
            (v4 if addr.version == 4 else v6).append(f"{addr}:{port}" if addr.version == 4 else f"[{addr}]:{port}")
    if v4:
        return "ipv4:" + ",".join(dict.fromkeys(v4))
    if v6:
        return "ipv6:" + ",".join(dict.fromkeys(v6))
    raise ValueError("no etcd endpoints given")


def map_rpc_error(exc: GrpcError, key: str = "") -> errors.StorageError:
    """A call's gRPC status as a storage error."""
    code, details = grpc_status_code(exc.code), exc.details
    if _COMPACTED in details:
        return errors.Compacted(details)
    if code == grpc.StatusCode.UNAVAILABLE:
        return errors.Unavailable(f"etcd unavailable: {details}", key)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return errors.Timeout(f"etcd request timed out: {details}", key)
    if code == grpc.StatusCode.CANCELLED:
        return errors.Unavailable(f"etcd request cancelled: {details}", key)
    return errors.InternalError(f"etcd error {code.name}: {details}", key)


_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


def grpc_status_code(number: int) -> grpc.StatusCode:
    return _STATUS_CODES.get(number, grpc.StatusCode.UNKNOWN)


@dataclass(frozen=True)
class EtcdTLS:
    """kube-apiserver's ``--etcd-cafile``, ``--etcd-certfile``, ``--etcd-keyfile``: the CA that signed etcd's
    serving certificates (empty: the system's roots) and this client's certificate and key (empty: none)."""

    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""

    def ssl_context(self) -> ssl.SSLContext:
        """The files read now (a missing or unreadable one fails at start, not at the first request); HTTP/2
        agreed by ALPN, as gRPC does."""
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("--etcd-certfile and --etcd-keyfile go together")
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        context.set_alpn_protocols(["h2"])
        return context


class _Member:
    """One endpoint's connection and calls; ``suspect`` while it failed to answer in time (until a probe passes).

    Every call (KV, watches, probes, compactions) goes over :mod:`storage.grpcwire`'s connection, on the event
    loop (README, *Why this etcd client*)."""

    def __init__(self, endpoint: str, tls: EtcdTLS | None) -> None:
        self.endpoint = endpoint
        parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
        host = parts.hostname or "127.0.0.1"
        if tls is None:
            self.wire = GrpcChannel(host, parts.port or 2379)
        else:  # the certificate is checked against this endpoint's host, not the resolved address
            self.wire = GrpcChannel(host, parts.port or 2379, ssl_context=tls.ssl_context(), server_hostname=host)
        self.range = self.wire.method("/etcdserverpb.KV/Range", rpc.RangeResponse.FromString)
        self.txn = self.wire.method("/etcdserverpb.KV/Txn", rpc.TxnResponse.FromString)
        self.put = self.wire.method("/etcdserverpb.KV/Put", rpc.PutResponse.FromString)
        self.compact = self.wire.method("/etcdserverpb.KV/Compact", rpc.CompactionResponse.FromString)
        self.status = self.wire.method("/etcdserverpb.Maintenance/Status", rpc.StatusResponse.FromString)
        self.suspect = False
        self.probe: asyncio.Task[None] | None = None

    def usable(self) -> bool:
        """Not suspect, and not refused a connection in the last second (gRPC's TRANSIENT_FAILURE)."""
        return not self.suspect and not self.wire.refused_recently()


# which of a member's calls :meth:`EtcdClient._unary` makes
_RANGE, _TXN, _PUT = attrgetter("range"), attrgetter("txn"), attrgetter("put")
_COMPACT, _STATUS = attrgetter("compact"), attrgetter("status")


class EtcdClient:
    """A connection per etcd endpoint (member), with the few RPCs aiokube's storage and watch cache use.

    Requests and new watches go round robin over the members that answer. A member whose request timed out or
    was refused is *suspect*: skipped until a probe (``Status``, 1 s deadline, every half second) passes. So a
    stalled or partitioned member — whose TCP connection stays up, and whose gRPC keepalive never fires while
    requests keep being written to it — costs one request, not a share of all of them until it comes back
    (gRPC's own round robin, and etcd's Go client, keep sending it its share). With ``tls``, connections are TLS
    (``https://`` client URLs), each member's certificate checked against its own endpoint's host."""

    def __init__(self, endpoints: Sequence[str], *, request_timeout: float = 5.0, tls: EtcdTLS | None = None) -> None:
        self.endpoints = [e.strip() for e in endpoints if e.strip()]
        self.request_timeout = request_timeout
        self.tls = tls
        for endpoint in self.endpoints:
            grpc_target([endpoint])  # a bad URL fails here, before connect
        if not self.endpoints:
            raise ValueError("no etcd endpoints given")
        self._members: list[_Member] = []
        self._turn = 0
        self._recovered: asyncio.Event | None = None  # set when a suspect member answers its probe

    async def connect(self) -> None:
        if not self._members:
            self._members = [_Member(endpoint, self.tls) for endpoint in self.endpoints]

    async def close(self) -> None:
        members, self._members = self._members, []
        for m in members:
            if m.probe is not None:
                m.probe.cancel()
            m.wire.close()

    def _pick(self) -> _Member:
        assert self._members, "EtcdClient.connect() was not awaited"
        if len(self._members) == 1:
            return self._members[0]
        usable = [m for m in self._members if m.usable()] or self._members
        self._turn += 1
        return usable[self._turn % len(usable)]

    def _all_suspect(self) -> bool:
        return bool(self._members) and all(m.suspect for m in self._members)

    async def _pick_answering(self, deadline: float) -> _Member:
        """:meth:`_pick`, but while every member is suspect, wait (within the deadline) for a probe to pass
        instead of sending to any of them. Every member turns suspect at once when etcd's leader stalls: the
        followers' calls wait on the lost leader's proposals until they time out too. Sent blindly, a third of
        the next calls would go to the stalled member for another deadline each; the followers answer the probe
        as soon as they have elected a new leader."""
        while self._all_suspect() and (remaining := deadline - time.monotonic()) > 0:
            if self._recovered is None:
                self._recovered = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recovered.wait(), remaining)
        return self._pick()

    def _suspect(self, member: _Member) -> None:
        if len(self._members) > 1 and not member.suspect:
            member.suspect = True
            member.probe = asyncio.get_running_loop().create_task(self._probe(member))

    async def _probe(self, member: _Member) -> None:
        while member.suspect:
            await asyncio.sleep(0.5)
            try:
                await member.status(rpc.StatusRequest(), 1.0)
            except GrpcError:
                continue
            member.suspect = False
            if self._recovered is not None:
                self._recovered.set()
                self._recovered = None
        member.probe = None

    async def _unary(
        self, method: Callable[[_Member], Callable[[Any, float], Any]], request: Any, key: str = "",
        idempotent: bool = False, timeout: float | None = None,
    ) -> Any:  # fmt: skip
        """One call on a member (``method`` picks it). Idempotent ones are retried on UNAVAILABLE within the
        deadline (as etcd's client does), on another member when there is one, so a request that met a
        connection as it broke waits for the reconnect instead of failing; a call that never left this process
        (no connection to the member yet, refused before etcd read it) waits and is retried within the deadline
        whatever it is, as gRPC's ``wait_for_ready`` did."""
        deadline = time.monotonic() + (timeout or self.request_timeout)
        while True:
            member = await self._pick_answering(deadline) if self._all_suspect() else self._pick()
            remaining = deadline - time.monotonic()
            try:
                return await method(member)(request, max(remaining, 0.001))
            except GrpcError as exc:
                if exc.code in (UNAVAILABLE, DEADLINE_EXCEEDED):
                    self._suspect(member)
                retry = not exc.sent or (idempotent and exc.code == UNAVAILABLE)
                if not retry:
                    raise map_rpc_error(exc, key) from None
                if remaining <= 0.05:  # waited for the member the whole deadline: gRPC's wait_for_ready answer
                    raise map_rpc_error(GrpcError(DEADLINE_EXCEEDED, f"context deadline exceeded ({exc.details})"),
                                        key) from None  # fmt: skip
            await asyncio.sleep(min(0.05, max(deadline - time.monotonic(), 0)))

    # --- KV -------------------------------------------------------------------------------------------

    async def range(
        self,
        key: bytes,
        range_end: bytes = b"",
        *,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
        keys_only: bool = False,
        serializable: bool = False,
        newest_first: bool = False,
    ) -> rpc.RangeResponse:
        """A Range; ``newest_first`` sorts by mod_revision, newest first (with limit=1: the newest write).
        A revision beyond int64 (a resourceVersion kube parses as uint64) is a future one, refused here: it
        does not fit etcd's request."""
        if revision > _MAX_REVISION:
            raise errors.TooLargeResourceVersion(revision, 0)
        req = rpc.RangeRequest(
            key=key,
            range_end=range_end,
            limit=limit,
            revision=revision,
            count_only=count_only,
            keys_only=keys_only,
            serializable=serializable,
        )
        if newest_first:
            req.sort_order = rpc.RangeRequest.DESCEND
            req.sort_target = rpc.RangeRequest.MOD
        try:
            return await self._unary(_RANGE, req, key.decode(errors="replace"), idempotent=True)
        except errors.InternalError as exc:
            if _FUTURE_REV in exc.message:
                raise errors.TooLargeResourceVersion(revision, 0) from None
            raise

    async def txn(
        self,
        compare: Sequence[rpc.Compare],
        success: Sequence[rpc.RequestOp],
        failure: Sequence[rpc.RequestOp] = (),
        key: str = "",
    ) -> rpc.TxnResponse:
        req = rpc.TxnRequest(compare=list(compare), success=list(success), failure=list(failure))
        return await self._unary(_TXN, req, key)

    async def put(self, key: bytes, value: bytes) -> rpc.PutResponse:
        return await self._unary(_PUT, rpc.PutRequest(key=key, value=value), key.decode())

    async def compact(self, revision: int, *, physical: bool = True) -> None:
        req = rpc.CompactionRequest(revision=revision, physical=physical)
        await self._unary(_COMPACT, req, timeout=max(self.request_timeout, 30.0))

    async def current_revision(self) -> int:
        """etcd's current revision, from a linearizable single-key range (cheap: count_only)."""
        resp = await self.range(b"\x00", count_only=True)
        return int(resp.header.revision)

    async def status(self) -> rpc.StatusResponse:
        return await self._unary(_STATUS, rpc.StatusRequest(), idempotent=True)

    # --- Watch ----------------------------------------------------------------------------------------

    def watch(
        self,
        key: bytes,
        range_end: bytes,
        start_revision: int,
        *,
        prev_kv: bool = False,
        progress_notify: bool = True,
    ) -> EtcdWatch:
        member = self._pick()
        watch = EtcdWatch(member.wire, key, range_end, start_revision, prev_kv, progress_notify,
                          timeout=self.request_timeout)  # fmt: skip
        watch.member = member
        return watch

    def watch_stuck(self, watch: EtcdWatch) -> None:
        """The watch's owner saw it deliver nothing while etcd had moved on: its member is suspect (new watches
        and requests go elsewhere until it answers a probe), and the stream is broken so the owner resumes."""
        if isinstance(watch.member, _Member):
            self._suspect(watch.member)
        watch.cancel()


class EtcdWatch:
    """One etcd watch stream (one watcher on one range) that exposes raw ``WatchResponse`` messages.

    Unlike aetcd's watcher it keeps progress notifications and header revisions, lets the caller send
    ``WatchProgressRequest`` (needed for consistent reads from the cache), and reassembles fragments. The stream
    is a :class:`~storage.grpcwire.GrpcStream` on the member's connection (as its KV calls): each response is
    read on the event loop as its frames arrive, stamped with the time its last frame came from the socket.
    """

    def __init__(
        self,
        channel: GrpcChannel,
        key: bytes,
        range_end: bytes,
        start_revision: int,
        prev_kv: bool,
        progress_notify: bool,
        timeout: float = 5.0,
    ) -> None:
        create = rpc.WatchCreateRequest(
            key=key,
            range_end=range_end,
            start_revision=start_revision,
            prev_kv=prev_kv,
            progress_notify=progress_notify,
            fragment=True,
        )
        self._channel = channel
        self._timeout = timeout
        self._unsent: list[bytes] = [rpc.WatchRequest(create_request=create).SerializeToString()]
        self._stream: GrpcStream | None = None
        self.watch_id: int | None = None
        self._cancelled = False
        #: monotonic time the response :meth:`responses` yielded last was read from the stream (its first
        #: fragment's): when its events reached this server
        self.received_at = 0.0
        #: the member it streams from (EtcdClient.watch sets it)
        self.member: object = None

    def _write(self, request: rpc.WatchRequest) -> None:
        data = request.SerializeToString()
        if self._stream is None:
            self._unsent.append(data)
            return
        with contextlib.suppress(GrpcError):  # a broken stream: its reader learns it from receive()
            self._stream.send(data)

    def request_progress(self) -> None:
        """Ask etcd for a progress notification (a response with no events carrying the current revision)."""
        self._write(rpc.WatchRequest(progress_request=rpc.WatchProgressRequest()))

    def cancel(self) -> None:
        self._cancelled = True
        if self._stream is not None:
            self._stream.reset()

    async def _open(self) -> GrpcStream:
        """The stream, its create request (and any progress request asked for meanwhile) sent; like gRPC's
        ``wait_for_ready``, an etcd that cannot be reached yet is waited for."""
        while True:
            try:
                stream = await self._channel.stream("/etcdserverpb.Watch/Watch", self._timeout)
                break
            except GrpcError as exc:
                if exc.sent or self._cancelled:
                    raise
            await asyncio.sleep(0.1)
        self._stream = stream
        for data in self._unsent:
            stream.send(data)
        self._unsent.clear()
        if self._cancelled:
            stream.reset()
        return stream

    async def responses(self) -> AsyncIterator[rpc.WatchResponse]:
        """Yield WatchResponses; fragments are merged; a compaction raises :class:`errors.Compacted`."""
        pending: rpc.WatchResponse | None = None
        first_at = 0.0
        parse = rpc.WatchResponse.FromString
        try:
            stream = self._stream or await self._open()
            while True:
                got = await stream.receive()
                if got is None:
                    raise errors.Unavailable("etcd ended the watch stream")
                resp, received = parse(got[0]), got[1]
                if resp.created:
                    self.watch_id = resp.watch_id
                if resp.compact_revision:
                    raise errors.Compacted(
                        f"etcd watch: revision compacted at {resp.compact_revision}",
                        compact_revision=int(resp.compact_revision),
                    )
                if resp.canceled:
                    raise errors.Unavailable(f"etcd watch canceled: {resp.cancel_reason}")
                if resp.fragment:
                    if pending is None:
                        pending, first_at = resp, received
                    else:
                        pending.events.extend(resp.events)
                    continue
                if pending is not None:
                    pending.events.extend(resp.events)
                    pending.header.CopyFrom(resp.header)
                    resp, pending, received = pending, None, first_at
                self.received_at = received
                yield resp
        except GrpcError as exc:
            if self._cancelled:  # the stream was cancelled through cancel(), not our task: a broken watch
                raise errors.Unavailable("etcd watch cancelled") from None
            raise map_rpc_error(exc) from None
        finally:
            if self._stream is not None:
                self._stream.reset()
