"""``/healthz``, ``/livez`` and ``/readyz`` with named checks, as kube's server/healthz package serves them.

Each endpoint runs its checks in order. ``?verbose`` lists them (``[+]etcd ok``); a failure answers 500 with
the list and ``[-]<name> failed: reason withheld`` (the reason goes to the log, as kube keeps it off a public
endpoint); ``?exclude=<name>`` skips a check; ``/readyz/<name>`` runs one check and shows its reason.
readyz also fails while the server shuts down (``shutdown``), so load balancers drain it first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from aiokube.apiserver.endpoints.responses import not_found_page, text_response

log = logging.getLogger("aiokube.health")

#: a check returns None when healthy, else the reason it is not
CheckFunc = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class HealthCheck:
    name: str
    check: CheckFunc


class HealthEndpoints:
    def __init__(self, checks: dict[str, Sequence[HealthCheck]]) -> None:
        #: endpoint name ("healthz", "livez", "readyz") → its checks in order
        self.checks = checks

    async def serve(self, request: web.Request, path: str) -> web.Response:
        endpoint, _, sub = path.strip("/").partition("/")
        checks = self.checks.get(endpoint)
        if checks is None:
            return not_found_page()
        if sub:
            return await self._single(checks, sub)
        excluded = set(request.query.getall("exclude", []))
        unknown = set(excluded)
        lines: list[str] = []
        failed: list[tuple[str, str]] = []
        for check in checks:
            if check.name in excluded:
                unknown.discard(check.name)
                lines.append(f"[+]{check.name} excluded: ok")
                continue
            reason = await _run(check)
            if reason is None:
                lines.append(f"[+]{check.name} ok")
            else:
                lines.append(f"[-]{check.name} failed: reason withheld")
                failed.append((check.name, reason))
        if unknown:
            quoted = ",".join(f'"{name}"' for name in sorted(unknown))
            lines.append(f"warn: some health checks cannot be excluded: no matches for {quoted}")
        if failed:
            detail = "; ".join(f"{name}: {reason}" for name, reason in failed)
            log.info("%s check failed: %s", endpoint, detail)
            return text_response("\n".join(lines) + f"\n{endpoint} check failed\n", 500)
        if "verbose" not in request.query:
            return text_response("ok")
        return text_response("\n".join(lines) + f"\n{endpoint} check passed\n")

    @staticmethod
    async def _single(checks: Sequence[HealthCheck], name: str) -> web.Response:
        for check in checks:
            if check.name == name:
                reason = await _run(check)
                if reason is None:
                    return text_response("ok")
                return text_response(f"internal server error: {reason}\n", 500)
        return not_found_page()


async def _run(check: HealthCheck) -> str | None:
    try:
        return await check.check()
    except Exception as exc:  # a broken check is a failed check, never a 500 traceback
        return f"{type(exc).__name__}: {exc}"


async def ok() -> None:
    return None
