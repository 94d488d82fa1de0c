"""Priority and fairness without a server: classification by kube's bootstrap FlowSchemas, the seats each level
gets (kube 1.36's nominal limits at the default 400 + 200), shuffle sharding, queuing and rejection, and
kube's Retry-After tracker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from aiokube.apiserver.authorization.attributes import UserInfo
from aiokube.apiserver.flowcontrol.controller import FlowControl, MaxInflight, Rejected, Seat
from aiokube.apiserver.flowcontrol.queueset import PriorityLevel, RetryAfter, deal
from aiokube.apiserver.flowcontrol.rules import FlowSchemaRules
from aiokube.apiserver.registry import apf_bootstrap


@dataclass
class Req:
    verb: str = "get"
    resource: str = ""
    namespace: str = ""
    group: str = ""
    subresource: str = ""
    path: str = ""
    is_resource_request: bool = True


def nonresource(path: str, verb: str = "get") -> Req:
    return Req(verb=verb, path=path, is_resource_request=False)


ANONYMOUS = UserInfo("system:anonymous", groups=("system:unauthenticated",))
ADMIN = UserInfo("system:unsecured", groups=("system:masters", "system:authenticated"))
DEV = UserInfo("dev", groups=("system:authenticated",))


def bootstrap(limit: int = 600) -> FlowControl:
    fc = FlowControl(limit, lambda: (apf_bootstrap.flow_schemas(), apf_bootstrap.priority_levels()))
    fc.classify(DEV, Req())  # loads the configuration
    return fc


def test_nominal_seats_are_kubes() -> None:
    """kube 1.36's /metrics at 400 + 200: apiserver_flowcontrol_{nominal,lower,upper}_limit_seats."""
    levels = bootstrap().levels
    assert {name: lv.nominal for name, lv in levels.items()} == {
        "catch-all": 13, "exempt": 0, "global-default": 49, "leader-election": 25, "node-high": 98,
        "system": 74, "workload-high": 98, "workload-low": 245,
    }  # fmt: skip
    assert {name: (lv.lower, lv.upper) for name, lv in levels.items()} == {
        "catch-all": (13, 613), "exempt": (0, 600), "global-default": (24, 649), "leader-election": (25, 625),
        "node-high": (73, 698), "system": (50, 674), "workload-high": (49, 698), "workload-low": (24, 845),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("user", "request_", "schema"),
    [
        (ADMIN, Req("create", "pods", "default"), "exempt"),
        (ADMIN, nonresource("/metrics"), "exempt"),
        (ANONYMOUS, nonresource("/readyz"), "probes"),
        (ANONYMOUS, nonresource("/readyz/etcd"), "probes"),  # kube: a URL also matches the paths below it
        (ANONYMOUS, nonresource("/readyz", "post"), "global-default"),
        (ANONYMOUS, Req("list", "pods"), "global-default"),
        (DEV, Req("create", "configmaps", "default"), "global-default"),
        (UserInfo("system:serviceaccount:kube-system:x", groups=("system:serviceaccounts",)), Req("get", "pods", "a"),
         "kube-system-service-accounts"),
        (UserInfo("system:serviceaccount:apps:x", groups=("system:serviceaccounts", "system:authenticated")),
         Req("get", "pods", "a"), "service-accounts"),
        (UserInfo("system:kube-scheduler", groups=("system:authenticated",)),
         Req("update", "leases", "kube-system", "coordination.k8s.io"), "system-leader-election"),
        (UserInfo("system:kube-scheduler", groups=("system:authenticated",)), Req("list", "pods"), "kube-scheduler"),
        (UserInfo("system:node:n1", groups=("system:nodes", "system:authenticated")),
         Req("patch", "nodes", subresource="status"), "system-node-high"),
        (UserInfo("system:node:n1", groups=("system:nodes", "system:authenticated")), Req("list", "pods"),
         "system-nodes"),
        (UserInfo("nobody"), Req("list", "pods"), "catch-all"),  # no group at all: the catch-all fallback
    ],
)  # fmt: skip
def test_classification_by_kubes_bootstrap_schemas(user: UserInfo, request_: Req, schema: str) -> None:
    assert bootstrap().classify(user, request_).rules.name == schema


def test_rule_details() -> None:
    def schema(rule: dict[str, object]) -> FlowSchemaRules:
        return FlowSchemaRules({"metadata": {"name": "s"}, "spec": {"priorityLevelConfiguration": {"name": "p"},
                                                                    "rules": [rule]}})  # fmt: skip

    everyone = [{"kind": "Group", "group": {"name": "*"}}]
    ns_only = schema({"subjects": everyone, "resourceRules": [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["pods", "pods/log"], "namespaces": ["a"]}]})  # fmt: skip
    assert ns_only.matches(DEV, Req("get", "pods", "a"))
    assert not ns_only.matches(DEV, Req("get", "pods", "b"))
    assert not ns_only.matches(DEV, Req("list", "pods"))  # cluster-wide: only with clusterScope
    assert ns_only.matches(DEV, Req("get", "pods", "a", subresource="log"))
    assert not ns_only.matches(DEV, Req("get", "pods", "a", subresource="exec"))
    literal = schema({"subjects": everyone, "resourceRules": [
        {"verbs": ["*", "get"], "apiGroups": ["*"], "resources": ["*"], "clusterScope": True}]})  # fmt: skip
    assert literal.matches(DEV, Req("get", "pods")) and not literal.matches(DEV, Req("list", "pods"))
    sa = schema({"subjects": [{"kind": "ServiceAccount", "serviceAccount": {"namespace": "ns", "name": "*"}}],
                 "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}]})  # fmt: skip
    assert sa.matches(UserInfo("system:serviceaccount:ns:any"), nonresource("/apis/apps"))
    assert not sa.matches(UserInfo("system:serviceaccount:ns2:any"), nonresource("/apis/apps"))
    assert not sa.matches(UserInfo("system:serviceaccount:ns:any"), nonresource("/api"))
    assert not sa.matches(UserInfo("system:serviceaccount:ns:any"), Req("get", "pods", "ns"))  # no resource rule


def test_dangling_schemas_are_skipped_and_mandatory_objects_imagined() -> None:
    schemas = [{"metadata": {"name": "orphan", "uid": "u1"},
                "spec": {"priorityLevelConfiguration": {"name": "missing"}, "matchingPrecedence": 1,
                         "rules": [{"subjects": [{"kind": "Group", "group": {"name": "*"}}],
                                    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                                                       "clusterScope": True, "namespaces": ["*"]}]}]}}]  # fmt: skip
    fc = FlowControl(600, lambda: (schemas, []))
    assert fc.classify(ADMIN, Req("list", "pods")).rules.name == "exempt"
    assert fc.classify(DEV, Req("list", "pods")).rules.name == "catch-all"
    assert set(fc.levels) == {"catch-all", "exempt"}


def test_deal_gives_distinct_queues() -> None:
    for value in (0, 1, 12345678901234567, 2**64 - 1):
        hand = deal(value, 128, 6)
        assert len(set(hand)) == 6 and all(0 <= q < 128 for q in hand)
        assert hand == deal(value, 128, 6)
    assert sorted(deal(99, 4, 4)) == [0, 1, 2, 3]


async def test_queues_reject_and_dispatch_round_robin() -> None:
    fc = bootstrap(30)  # global-default: 3 seats, 128 queues of 50, hands of 6
    match = fc.classify(DEV, Req("create", "configmaps", "default"))
    assert all(fc.admit_now(match) for _ in range(3)) and not fc.admit_now(match)
    flood = [fc.enqueue(match, DEV, Req()) for _ in range(300)]
    with pytest.raises(Rejected) as excinfo:
        fc.enqueue(match, DEV, Req())  # its 6 queues are full
    assert (excinfo.value.reason, excinfo.value.retry_after) == ("queue-full", 1)
    other_user = UserInfo("other", groups=("system:authenticated",))
    other = fc.enqueue(match, other_user, Req())
    waits = [asyncio.create_task(fc.wait(match, w, 30)) for w in [*flood, other]]
    await asyncio.sleep(0)
    holders, granted, taken = [match, match, match], 0, set()
    while not waits[-1].done():  # each finished request hands its seat to the next queue in turn
        holders.pop(0).release()
        await asyncio.sleep(0)
        for i, task in enumerate(waits):
            if task.done() and i not in taken:
                taken.add(i)
                holders.append(task.result())
                granted += 1
    assert granted <= 7  # the other flow's queue came up after at most one request from each of the flood's 6
    for task in waits:
        task.cancel()
    await asyncio.gather(*waits, return_exceptions=True)
    for seat in holders:
        seat.release()
    assert match.level.waiting == 0 and match.stats.inqueue == 0 and match.level.executing == 0
    assert match.stats.rejected["cancelled"] == len(waits) - granted


async def test_a_wait_times_out_and_a_reject_level_rejects() -> None:
    fc = bootstrap(30)
    match = fc.classify(DEV, Req("create", "configmaps", "default"))
    seats = [Seat(match) for _ in range(3) if fc.admit_now(match)]
    waiter = fc.enqueue(match, DEV, Req())
    with pytest.raises(Rejected) as excinfo:
        await fc.wait(match, waiter, 0.05)
    assert excinfo.value.reason == "time-out" and match.level.waiting == 0
    catch_all = fc.classify(UserInfo("nobody"), Req())
    assert catch_all.level.rejects and catch_all.level.limit == 1  # ceil(30 × 5 / 245)
    assert fc.admit_now(catch_all) and not fc.admit_now(catch_all)
    held = [Seat(catch_all)]
    with pytest.raises(Rejected, match="concurrency-limit"):
        fc.enqueue(catch_all, UserInfo("nobody"), Req())
    for seat in [*seats, *held]:
        seat.release()
        seat.release()  # idempotent
    assert match.level.executing == 0 and catch_all.level.executing == 0


def test_retry_after_grows_under_sustained_drops_and_decays() -> None:
    tracker = RetryAfter()
    second = 1_000_000
    for _ in range(8):  # 10 drops a second
        for _ in range(10):
            tracker.record(second)
        second += 1
    assert tracker.value > 2
    high = tracker.value
    for _ in range(40):  # one drop every other second: below one per Retry-After second
        tracker.record(second)
        second += 2
    assert tracker.value < high
    assert 1 <= tracker.value <= 32


def test_max_inflight() -> None:
    limits = MaxInflight(1, 1)
    assert limits.acquire("list", DEV) is True
    assert limits.acquire("create", DEV) is True
    with pytest.raises(Rejected):
        limits.acquire("get", DEV)
    assert limits.acquire("create", ADMIN) is None  # system:masters: served, uncounted
    limits.release("create")
    assert limits.acquire("patch", DEV) is True
    assert MaxInflight(0, 0).acquire("create", DEV) is None


def test_level_shares_default() -> None:
    level = PriorityLevel({"metadata": {"name": "x"}, "spec": {"type": "Limited", "limited": {}}}, 600, 60)
    assert level.nominal == 300 and level.rejects  # shares default to 30; limitResponse defaults to Reject
