"""kube's http.Server limits and request deadline against a server with short timeouts (raw sockets, so what
the client sees is exactly what goes over the wire).

- a head that does not complete within ReadHeaderTimeout is dropped without an answer (slowloris), and so
  is a connection that sends nothing, or that never finishes its TLS handshake;
- an idle keep-alive connection is closed after IdleTimeout;
- more than MaxHeaderBytes (1 MiB + Go's 4 KiB) of head gets Go's plain-text 431; a 100 KB URL is served;
- a body larger than 3 MiB is refused with kube's 413 before the rest is sent;
- a request that outlives its deadline (``--request-timeout``, ``?timeout=``), e.g. a POST whose body never
  all arrives, gets kube's 504 (a real kube-apiserver 1.36 never answers that one: see README).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from collections.abc import AsyncIterator

import orjson
import pytest

from aiokube.apiserver.secureserving import SecurityConfig
from aiokube.apiserver.server import APIServer, ServerConfig
from aiokube.apiserver.transport.connection import ConnectionLimits
from aiokube.storage.embedded import EmbeddedEtcd

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
TIMEOUT_BODY = (
    b'{"metadata":{},"status":"Failure","message":"Timeout: request did not complete within the allotted timeout",'
    b'"reason":"Timeout","details":{},"code":504}\n'
)


@pytest.fixture(scope="module")
async def quick(etcd: EmbeddedEtcd, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[APIServer]:
    config = ServerConfig(
        port=0,
        etcd_servers=[etcd.client_url],
        compaction_interval=0,
        data_dir=str(tmp_path_factory.mktemp("quick")),
        request_timeout=2.0,
        connection=ConnectionLimits(read_header_timeout=1.0, idle_timeout=1.5),
    )
    srv = APIServer(dataclasses.replace(config, security=SecurityConfig(secure_port=0)))
    await srv.start()
    yield srv
    await srv.stop()


async def connect(srv: APIServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", srv.port, limit=1 << 22)


async def read_until_eof(reader: asyncio.StreamReader, bound: float = 20.0) -> bytes:
    """Everything until the server closes (the bound only keeps a broken server from hanging the test)."""
    return await asyncio.wait_for(reader.read(), bound)


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
    status, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines if line)}
    if headers.get("transfer-encoding") != "chunked":
        return status.encode(), headers, await reader.readexactly(int(headers.get("content-length", "0")))
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
        body += (await reader.readexactly(size + 2))[:-2]
    await reader.readexactly(2)
    return status.encode(), headers, body


def server_connections(srv: APIServer) -> int:
    assert srv.runner is not None and srv.runner.server is not None
    return len(srv.runner.server.connections)


async def test_a_head_that_never_completes_is_dropped_without_an_answer(quick: APIServer) -> None:
    reader, writer = await connect(quick)
    writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        for i in range(200):  # a header line every 100 ms: data keeps coming, the head never ends
            writer.write(b"X-%d: y\r\n" % i)
            await asyncio.sleep(0.1)

    task = asyncio.create_task(trickle())
    try:
        assert await read_until_eof(reader) == b""
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        writer.close()


async def test_silent_and_idle_connections_are_closed(quick: APIServer) -> None:
    silent = await connect(quick)
    idle = await connect(quick)
    idle[1].write(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = await read_response(idle[0])
    assert status == b"HTTP/1.1 200 OK" and orjson.loads(body)["major"] == "1"
    assert "close" not in headers.get("connection", "")
    assert await read_until_eof(silent[0]) == b""  # nothing sent: the first head's deadline
    assert await read_until_eof(idle[0]) == b""  # kept alive, then idle past IdleTimeout
    for _, writer in (silent, idle):
        writer.close()


async def test_a_tls_handshake_that_never_starts_is_dropped(
    etcd: EmbeddedEtcd, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = ServerConfig(
        port=0, etcd_servers=[etcd.client_url], compaction_interval=0, data_dir=str(tmp_path_factory.mktemp("tls")),
        connection=ConnectionLimits(read_header_timeout=1.0), security=SecurityConfig(secure_port=0),
    )  # fmt: skip
    srv = APIServer(config)
    await srv.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.secure_port)
        assert await read_until_eof(reader) == b""
        writer.close()
        # a real TLS client is served as before
        ctx = ssl.create_default_context(cafile=str(srv.security.pki.ca_cert))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", srv.secure_port, ssl=ctx, server_hostname="localhost"
        )
        writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await read_until_eof(reader)).startswith(b"HTTP/1.1 200 OK")
        writer.close()
    finally:
        await srv.stop()


async def test_more_than_a_mib_of_head_gets_gos_431(quick: APIServer) -> None:
    reader, writer = await connect(quick)
    writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * ((1 << 20) + 8192) + b"\r\n\r\n")
    data = await read_until_eof(reader)
    assert data == (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Connection: close\r\n\r\n431 Request Header Fields Too Large"
    )
    writer.close()


async def test_long_urls_and_headers_are_served(quick: APIServer) -> None:
    """aiohttp's default 8 KiB line limit answered 400 text/plain; Go takes up to the 1 MiB head."""
    reader, writer = await connect(quick)
    pad = b"p" * 100_000
    writer.write(b"GET /version?pad=" + pad + b" HTTP/1.1\r\nHost: x\r\nX-Long: " + pad * 5 + b"\r\n\r\n")
    status, _, body = await read_response(reader)
    assert status == b"HTTP/1.1 200 OK" and orjson.loads(body)["minor"] == "36"
    writer.write(b"GET /api/v1/namespaces/default/configmaps/" + b"n" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = await read_response(reader)
    assert status == b"HTTP/1.1 404 Not Found" and headers["content-type"] == "application/json"
    assert orjson.loads(body)["reason"] == "NotFound"
    writer.close()


async def test_a_body_that_never_all_arrives_gets_kubes_504(quick: APIServer) -> None:
    reader, writer = await connect(quick)
    head = f"POST {CONFIGMAPS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    writer.write(head.encode() + b'{"apiVersion"')
    status, headers, body = await read_response(reader)  # --request-timeout (2 s here)
    assert status == b"HTTP/1.1 504 Gateway Timeout"
    assert body == TIMEOUT_BODY
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["cache-control"] == "no-cache, private" and headers["audit-id"]
    assert headers["connection"] == "close"
    assert not any(k.startswith("x-kubernetes-pf") for k in headers)  # kube's timeout writer drops them
    assert await read_until_eof(reader) == b""
    writer.close()


async def test_timeout_parameter(quick: APIServer) -> None:
    reader, writer = await connect(quick)
    head = f"POST {CONFIGMAPS}?timeout=300ms HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{"
    writer.write(head.encode())
    status, _, body = await read_response(reader)
    assert (status, body) == (b"HTTP/1.1 504 Gateway Timeout", TIMEOUT_BODY)
    writer.close()
    reader, writer = await connect(quick)
    writer.write(f"GET {CONFIGMAPS}?timeout=abc HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, _, body = await read_response(reader)
    assert status == b"HTTP/1.1 400 Bad Request"
    message = 'invalid timeout specified in the request URL - time: invalid duration "abc"'
    assert orjson.loads(body)["message"] == message
    for value in ("0", "-1s", "1h"):  # no timeout, a negative one, more than the default: the default applies
        writer.write(f"GET {CONFIGMAPS}?timeout={value} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, _, _ = await read_response(reader)
        assert status == b"HTTP/1.1 200 OK", value
    # a watch is long-running: neither the deadline nor ?timeout= apply to it
    writer.write(f"GET {CONFIGMAPS}?watch=1&timeout=abc&timeoutSeconds=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_body_over_3_mib_is_refused_before_it_is_all_sent(quick: APIServer) -> None:
    reader, writer = await connect(quick)
    total = 64 << 20
    writer.write(f"POST {CONFIGMAPS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {total}\r\n\r\n".encode())  # fmt: skip
    response = asyncio.create_task(read_response(reader))
    sent = 0
    with contextlib.suppress(ConnectionError):
        while not response.done() and sent < total:
            writer.write(b" " * 65536)
            sent += 65536
            await writer.drain()
    status, headers, body = await response
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert orjson.loads(body)["message"] == "Request entity too large: limit is 3145728"
    assert headers["connection"] == "close"
    assert sent < total // 2
    writer.close()


async def test_slowloris_and_idle_crowds_all_go_away(quick: APIServer) -> None:
    """The issue's case: 50 slowloris and 2,000 idle connections were all still open after 60 s."""
    before = server_connections(quick)
    idle = [await connect(quick) for _ in range(2000)]
    slow = [await connect(quick) for _ in range(50)]
    for _, writer in slow:
        writer.write(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nX-A: ")
    ends = await asyncio.gather(*(read_until_eof(r, 60) for r, _ in idle + slow))
    assert set(ends) == {b""}
    for _ in range(100):
        if server_connections(quick) <= before:
            break
        await asyncio.sleep(0.1)
    assert server_connections(quick) <= before
    for _, writer in idle + slow:
        writer.close()
