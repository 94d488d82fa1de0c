"""Who gets a seat: API Priority and Fairness over the server's FlowSchemas and PriorityLevelConfigurations,
or kube's max-in-flight limits when APF is off (``--enable-priority-and-fairness=false``).

APF (kube's default, and here): the server's concurrency limit is ``--max-requests-inflight`` +
``--max-mutating-requests-inflight``, shared among the priority levels by their nominalConcurrencyShares.
Each request is classified by the first FlowSchema (by matchingPrecedence, then name) that matches it and
whose level exists; the exempt level (``system:masters``, health probes) never waits. The configuration is
read from the watch caches and rebuilt when they change; kube's mandatory ``exempt`` and ``catch-all``
objects are imagined when missing, as kube does.

Max-in-flight: two counters (mutating and read-only requests); when one is full, ``system:masters`` still
runs (kube: "a super-admin or a loopback connection") and everyone else is rejected with Retry-After 1.

Long-running requests (except WATCH) never take a seat; a WATCH holds its seat only until it is
initialized (the edge calls :meth:`Seat.release` then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.flowcontrol.queueset import FlowStats, PriorityLevel, Waiter
from aiokube.apiserver.flowcontrol.rules import FlowSchemaRules, PolicyRule, RequestFacts
from aiokube.apiserver.registry import apf_bootstrap

Obj = dict[str, Any]
MASTERS = "system:masters"
READ_ONLY_VERBS = frozenset(("get", "list", "watch"))
MAX_REMEMBERED_USERS = 10_000


class Match:
    """A FlowSchema bound to its priority level and its counters, for one configuration. It is also the
    release of a request's seat (once, by the caller; :class:`Seat` when two parties may release)."""

    __slots__ = ("level", "rules", "stats")

    def __init__(self, rules: FlowSchemaRules, level: PriorityLevel, stats: FlowStats) -> None:
        self.rules = rules
        self.level = level
        self.stats = stats

    def release(self) -> None:
        self.stats.executing -= 1
        if not self.level.exempt:
            self.level.release()


class Seat:
    """A request's seat (or its exempt pass); :meth:`release` once, whoever calls it first."""

    __slots__ = ("held", "match")

    def __init__(self, match: Match) -> None:
        self.match = match
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.match.release()


class Rejected(Exception):
    """No seat: the reason kube's metrics give, and the Retry-After to answer with."""

    def __init__(self, reason: str, retry_after: int, match: Match | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.match = match


#: the schemas (in order) whose subjects include a user, with the rules that name it
Candidates = tuple[tuple["Match", tuple[PolicyRule, ...]], ...]


def _sorted_schemas(schemas: list[Obj]) -> list[FlowSchemaRules]:
    compiled = [FlowSchemaRules(obj) for obj in schemas]
    compiled.sort(key=lambda s: (s.precedence, s.name))
    return compiled


class FlowControl:
    """APF's configuration (from ``load``: the FlowSchema and PriorityLevelConfiguration objects, read again
    after :meth:`invalidate`) and its admission. Counters live on as configurations change."""

    def __init__(self, server_limit: int, load: Callable[[], tuple[list[Obj], list[Obj]]]) -> None:
        self.server_limit = max(server_limit, 1)
        self._load = load
        self._stale = True
        self.levels: dict[str, PriorityLevel] = {}
        self.stats: dict[tuple[str, str], FlowStats] = {}
        self._matches: tuple[Match, ...] = ()
        self._catch_all: Match | None = None
        self._by_user: dict[UserInfo, Candidates] = {}
        self._last_user: UserInfo | None = None
        self._last_candidates: Candidates = ()
        self._last_always: Match | None = None

    def invalidate(self, *_: object) -> None:
        """The objects changed (a watch cache listener): the next request reads them again."""
        self._stale = True

    def configure(self, schemas: list[Obj], levels: list[Obj]) -> None:
        """Adopt a configuration: levels keep their seats and queues across changes of their spec."""
        by_name = {(o.get("metadata") or {}).get("name", ""): o for o in levels}
        for mandatory in apf_bootstrap.priority_levels()[:2]:  # catch-all, exempt
            by_name.setdefault(mandatory["metadata"]["name"], mandatory)
        share_sum = sum(PriorityLevel.shares(o) for o in by_name.values())
        current: dict[str, PriorityLevel] = {}
        for name, obj in by_name.items():
            level = self.levels.get(name)
            exempt = (obj.get("spec") or {}).get("type") == "Exempt"
            if level is None or level.exempt != exempt:
                level = PriorityLevel(obj, self.server_limit, share_sum)
            else:
                level.configure(obj, self.server_limit, share_sum)
            current[name] = level
        self.levels = current
        names = {(o.get("metadata") or {}).get("name") for o in schemas}
        schemas = list(schemas)
        for mandatory in apf_bootstrap.flow_schemas()[:2]:  # exempt, catch-all
            if mandatory["metadata"]["name"] not in names:
                schemas.append(mandatory)
        matches = []
        for rules in _sorted_schemas(schemas):
            level = current.get(rules.level_name)
            if level is None:
                continue  # dangling: its level does not exist
            stats = self.stats.setdefault((rules.name, level.name), FlowStats())
            matches.append(Match(rules, level, stats))
        self._matches = tuple(matches)
        self._by_user = {}
        self._last_user = None
        self._catch_all = next((m for m in matches if m.rules.name == "catch-all"), None)

    def classify(self, user: UserInfo, ri: RequestFacts) -> Match:
        """The first matching FlowSchema. Which schemas' subjects include a user is remembered per user and
        configuration (subjects filter out most schemas: 3.5 → ~1 µs for a user in ``global-default``); a
        user whose first such schema takes every request (``exempt`` for ``system:masters``, so the plain
        port) gets it without looking at the request."""
        if self._stale:
            self._stale = False
            self.configure(*self._load())
        if user is not self._last_user:  # else: the plain port's system:unsecured, a client's run of requests
            candidates = self._by_user.get(user)
            if candidates is None:
                if len(self._by_user) >= MAX_REMEMBERED_USERS:
                    self._by_user.clear()
                candidates = self._by_user[user] = tuple(
                    (m, rules) for m in self._matches if (rules := m.rules.rules_for(user))
                )
            self._last_user, self._last_candidates = user, candidates
            first = candidates[0] if candidates else None
            every = first is not None and any(rule.matches_every_request for rule in first[1])
            self._last_always = first[0] if every else None  # type: ignore[index]
        if self._last_always is not None:
            return self._last_always
        for match, rules in self._last_candidates:
            for rule in rules:
                if rule.matches_request(ri):
                    return match
        assert self._catch_all is not None
        return self._catch_all

    def admit_now(self, match: Match) -> bool:
        """A seat without waiting (always, at the exempt level); release it with ``match.release()``."""
        level = match.level
        if level.exempt or level.try_acquire():
            stats = match.stats
            stats.dispatched += 1
            stats.executing += 1
            if not level.exempt:
                stats.wait_dispatched.observe(0.0)
            return True
        return False

    def enqueue(self, match: Match, user: UserInfo, ri: RequestFacts) -> Waiter:
        """Queue for a seat, or raise :class:`Rejected` (queue-full, or concurrency-limit at a Reject level)."""
        waiter = match.level.enqueue(match.rules.name, match.rules.flow(user, ri), match.stats)
        if waiter is None:
            raise self.reject(match, "concurrency-limit" if match.level.rejects else "queue-full", 0.0)
        return waiter

    async def wait(self, match: Match, waiter: Waiter, timeout: float) -> Seat:
        """Wait in the queue (at most ``timeout``); the seat, or :class:`Rejected` (time-out). A client that
        leaves meanwhile is counted as cancelled."""
        started = time.monotonic()
        try:
            granted = await match.level.wait(waiter, timeout)
        except BaseException:
            match.stats.rejected["cancelled"] += 1
            raise
        if not granted:
            raise self.reject(match, "time-out", timeout)
        stats = match.stats
        stats.dispatched += 1
        stats.executing += 1
        stats.wait_dispatched.observe(time.monotonic() - started)
        return Seat(match)

    @staticmethod
    def reject(match: Match, reason: str, waited: float) -> Rejected:
        match.stats.rejected[reason] += 1
        match.stats.wait_rejected.observe(waited)
        match.level.retry_after.record()
        return Rejected(reason, match.level.retry_after.value, match)


class MaxInflight:
    """kube's WithMaxInFlightLimit: read-only (get/list/watch) and mutating requests each up to their limit
    (0: no limit); when full, ``system:masters`` still runs, uncounted."""

    RETRY_AFTER = 1

    def __init__(self, read_only: int, mutating: int) -> None:
        self.limits = {False: read_only, True: mutating}
        self.current = {False: 0, True: 0}

    def acquire(self, verb: str, user: UserInfo) -> bool | None:
        """True: counted (release it), None: ran uncounted; raises :class:`Rejected` when full."""
        mutating = verb not in READ_ONLY_VERBS
        limit = self.limits[mutating]
        if not limit:
            return None
        if self.current[mutating] < limit:
            self.current[mutating] += 1
            return True
        if MASTERS in user.groups:
            return None
        raise Rejected("max-inflight", self.RETRY_AFTER)

    def release(self, verb: str) -> None:
        self.current[verb not in READ_ONLY_VERBS] -= 1
