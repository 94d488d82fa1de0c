"""A TCP dial that fails the way Go's net.Dialer does, in Go's words.

kube-apiserver reaches kubelets, pods, nodes and the control plane's health endpoints with Go's HTTP transport;
when nothing listens there, what a client reads is the dial error (``dial tcp 10.0.0.5:10250: connect:
connection refused``, ``dial tcp: lookup node-1 on 10.0.0.53:53: no such host``), wrapped by whichever kube
code made the call. aiokube really dials (so an unreachable address fails as it does for kube) and reports the
failure with the same text. asyncio only: no HTTP here.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import ssl as _ssl
from typing import Any

#: net.Dialer's timeout in the transports kube uses (http.DefaultTransport, the kubelet client)
DIAL_TIMEOUT = 30.0


def join_host_port(host: str, port: int | str) -> str:
    """net.JoinHostPort: IPv6 literals in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _resolver() -> str:
    """The first nameserver of /etc/resolv.conf, as Go's pure resolver names it in lookup errors."""
    try:
        with open("/etc/resolv.conf", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    return join_host_port(parts[1], 53)
    except OSError:
        pass
    return join_host_port("127.0.0.1", 53)


def _syscall_text(code: int | None, fallback: str) -> str:
    """Go's syscall.Errno strings are the C library's, lower-cased at the start ("connection refused")."""
    if code is None:
        return fallback
    text = os.strerror(code)
    return text[:1].lower() + text[1:]


class DialError(Exception):
    """A failed dial; ``str()`` is Go's ``*net.OpError`` text."""


async def lookup(host: str) -> list[str]:
    """The addresses of ``host`` (itself when it is an IP); DialError with Go's lookup text when it has none."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise DialError(f"lookup {host} on {_resolver()}: no such host") from None
        raise DialError(f"lookup {host} on {_resolver()}: server misbehaving") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def open_connection(
    host: str, port: int, *, ssl: Any = None, timeout: float = DIAL_TIMEOUT
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP (or, with ``ssl``, TLS) connection to host:port. A failed lookup or connect is a DialError with
    Go's text; a failed TLS handshake raises the ssl module's error."""
    try:
        addresses = await lookup(host)
    except DialError as exc:
        raise DialError(f"dial tcp: {exc}") from None
    target = join_host_port(addresses[0], port)
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(addresses[0], port, ssl=ssl, server_hostname=host if ssl else None)
    except TimeoutError:
        raise DialError(f"dial tcp {target}: i/o timeout") from None
    except OSError as exc:
        if isinstance(exc, _ssl.SSLError):
            raise
        code = exc.errno if exc.errno is not None else errno.ECONNREFUSED
        raise DialError(f"dial tcp {target}: connect: {_syscall_text(code, str(exc))}") from None


async def dial(host: str, port: int, timeout: float = DIAL_TIMEOUT) -> None:
    """Open (and close) a TCP connection to host:port; DialError with Go's text when that fails."""
    _, writer = await open_connection(host, port, timeout=timeout)
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


def is_global_unicast(address: str) -> bool:
    """net.IP.IsGlobalUnicast: not unspecified, loopback, multicast, link-local or the IPv4 broadcast address
    (private ranges count as global, as in Go)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_link_local:
        return False
    return not (isinstance(ip, ipaddress.IPv4Address) and ip == ipaddress.IPv4Address("255.255.255.255"))
