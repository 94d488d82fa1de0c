"""The HTTP GET of kube-aggregator's availability check (apiserver/aggregation.py): an aggregated API server's
discovery document, 5 s, TLS unverified; its failure worded after Go's http.Client errors."""

from __future__ import annotations

import time

import aiohttp


async def discovery_probe(url: str) -> str | None:
    """The discovery GET (TLS unverified: aiokube holds no front-proxy client certificate to present)."""
    started = time.monotonic()
    try:
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url, ssl=False) as resp:
            if not 200 <= resp.status < 300:
                return f"bad status from {url}: {resp.status}"
            return None
    except TimeoutError:
        return f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, ConnectionRefusedError):
            return f'Get "{url}": dial tcp {url.split("//", 1)[1].split("/", 1)[0]}: connect: connection refused'
        return f'Get "{url}": {exc.os_error}'
    except aiohttp.ClientError as exc:
        return f'Get "{url}": {exc}' if time.monotonic() - started < 5 else f"timed out waiting for {url}"
