"""kube's bootstrap RBAC policy (apiserver/authorization/bootstrappolicy.py) and the ClusterRole aggregation
(rbac.aggregate_rules), and an RBACAuthorizer over nothing but that policy answering as a fresh kube does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from aiokube.apiserver.authorization import bootstrappolicy
from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo
from aiokube.apiserver.authorization.rbac import (
    RBACAuthorizer,
    aggregate_rules,
    covers,
    normalize_rule,
    rules_equal,
    settle_aggregation,
)

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"


def by_name(objs: Iterable[Obj]) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs}


def test_policy_shape() -> None:
    crs, crbs = bootstrappolicy.cluster_roles(), bootstrappolicy.cluster_role_bindings()
    roles, rbs = bootstrappolicy.roles(), bootstrappolicy.role_bindings()
    assert {o["kind"] for o in crs} == {"ClusterRole"} and {o["kind"] for o in crbs} == {"ClusterRoleBinding"}
    assert all(o["apiVersion"] == f"{RBAC}/v1" for o in crs + crbs)
    assert sorted(roles) == sorted(rbs) == ["kube-public", "kube-system"]
    for obj in crs + crbs + [o for items in (*roles.values(), *rbs.values()) for o in items]:
        meta = obj["metadata"]
        assert meta["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults", meta["name"]
        assert meta["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true", meta["name"]
        assert not {"creationTimestamp", "resourceVersion", "uid", "managedFields"} & set(meta)
        assert not meta["name"].startswith("system:openshift:")  # the OpenShift fork's carry is left out
    names = by_name(crs)
    assert len(names) == len(crs)
    for name in ("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
                 "system:public-info-viewer", "system:controller:namespace-controller"):  # fmt: skip
        assert name in names
    assert names["admin"]["rules"] is None and names["admin"]["aggregationRule"]
    assert "system:controller:namespace-controller" in by_name(crbs)
    assert all(r["metadata"]["namespace"] == ns for ns, items in roles.items() for r in items)


def test_copies_are_fresh() -> None:
    first = bootstrappolicy.cluster_roles()
    first[0]["metadata"]["name"] = "changed"
    assert bootstrappolicy.cluster_roles()[0]["metadata"]["name"] != "changed"


def test_well_known_bindings() -> None:
    crbs = by_name(bootstrappolicy.cluster_role_bindings())
    expect = {
        "cluster-admin": ("cluster-admin", [("Group", "system:masters")]),
        "system:discovery": ("system:discovery", [("Group", "system:authenticated")]),
        "system:basic-user": ("system:basic-user", [("Group", "system:authenticated")]),
        "system:public-info-viewer": (
            "system:public-info-viewer",
            [("Group", "system:authenticated"), ("Group", "system:unauthenticated")],
        ),
    }
    for name, (role, subjects) in expect.items():
        crb = crbs[name]
        assert crb["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole", "name": role}
        assert [(s["kind"], s["name"]) for s in crb["subjects"]] == subjects
    crs = by_name(bootstrappolicy.cluster_roles())
    assert crs["cluster-admin"]["rules"] == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ]
    assert crs["system:public-info-viewer"]["rules"] == [
        {"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}
    ]


# -- aggregation -------------------------------------------------------------------------------------------------


def settled() -> dict[str, list[Obj]]:
    return settle_aggregation(bootstrappolicy.cluster_roles())


def rules_of(name: str) -> list[Obj]:
    return [normalize_rule(r) for r in by_name(bootstrappolicy.cluster_roles())[name]["rules"]]


def dedup(rules: list[Obj]) -> list[Obj]:
    out: list[Obj] = []
    for r in rules:
        if not any(rules_equal([r], [o]) for o in out):
            out.append(r)
    return out


def test_aggregation_of_admin_edit_view() -> None:
    """kube's golden file leaves the aggregated roles' rules null (the controller fills them), so the expected
    rules follow from the selectors: view gathers aggregate-to-view; edit gathers the aggregate-to-edit roles
    (system:aggregate-to-edit, then view, by name); admin gathers edit, then system:aggregate-to-admin."""
    got = settled()
    assert set(got) == {"admin", "edit", "view"}
    assert got["view"] == rules_of("system:aggregate-to-view")
    assert got["edit"] == dedup(rules_of("system:aggregate-to-edit") + got["view"])
    assert got["admin"] == dedup(got["edit"] + rules_of("system:aggregate-to-admin"))
    # the intended hierarchy holds
    assert covers(got["admin"], got["edit"])[0] and covers(got["edit"], got["view"])[0]
    assert not covers(got["view"], [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}])[0]
    assert covers(got["edit"], [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}])[0]
    assert covers(got["admin"], [{"verbs": ["create"], "apiGroups": [RBAC], "resources": ["rolebindings"]}])[0]
    assert not covers(got["edit"], [{"verbs": ["create"], "apiGroups": [RBAC], "resources": ["rolebindings"]}])[0]


def cr(name: str, labels: dict[str, str], rules: list[Obj], selectors: list[Obj] | None = None) -> Obj:
    obj: Obj = {"metadata": {"name": name, "labels": labels}, "rules": rules}
    if selectors is not None:
        obj["aggregationRule"] = {"clusterRoleSelectors": selectors}
    return obj


R1 = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}
R2 = {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}
R3 = {"verbs": ["get"], "nonResourceURLs": ["/x"]}


def test_aggregate_rules_order_dedup_and_selectors() -> None:
    roles = [
        cr("b", {"x": "1", "t": "a"}, [R2, R1]),
        cr("a", {"x": "1"}, [R1, {"apiGroups": [""], "verbs": ["get"], "resources": ["pods"], "resourceNames": []}]),
        cr("c", {"y": "1"}, [R3]),
        cr("d", {}, [R3]),
    ]
    target = cr("agg", {"x": "1"}, [R3], [{"matchLabels": {"x": "1"}}, {"matchExpressions": [
        {"key": "y", "operator": "Exists"}]}])  # fmt: skip
    # by name within a selector, selectors in order, each rule once (empty resourceNames == none), self excluded
    assert aggregate_rules(target, [*roles, target]) == [R1, R2, R3]
    assert aggregate_rules(cr("plain", {}, [R1]), roles) is None
    assert aggregate_rules(cr("none", {}, [R1], []), roles) == []
    assert aggregate_rules(cr("all", {}, [], [{}]), roles) == [R1, R2, R3]
    notin = [{"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["a"]}, {"key": "y", "operator":
             "DoesNotExist"}]}]  # fmt: skip
    assert aggregate_rules(cr("n", {}, [], notin), roles) == [R1, R3]
    bad = [{"matchExpressions": [{"key": "y", "operator": "Near"}]}]
    assert aggregate_rules(cr("bad", {}, [], bad), roles) is None


def test_rules_equal() -> None:
    assert rules_equal(None, [])
    assert rules_equal([{"verbs": ["get"], "resourceNames": None}], [{"verbs": ["get"], "resourceNames": []}])
    assert not rules_equal([R1, R2], [R2, R1])


# -- an authorizer over the bootstrap policy alone ------------------------------------------------------------------


class Bootstrap:
    """The bootstrap objects as an RBACSource, aggregated roles settled."""

    generation = 1

    def __init__(self) -> None:
        crs = bootstrappolicy.cluster_roles()
        for name, rules in settle_aggregation(crs).items():
            next(r for r in crs if r["metadata"]["name"] == name)["rules"] = rules
        self.crs = by_name(crs)
        self.crbs = bootstrappolicy.cluster_role_bindings()
        self.roles = {(ns, r["metadata"]["name"]): r for ns, rs in bootstrappolicy.roles().items() for r in rs}
        self.rbs = bootstrappolicy.role_bindings()

    def get_role(self, namespace: str, name: str) -> Obj | None:
        return self.roles.get((namespace, name))

    def get_cluster_role(self, name: str) -> Obj | None:
        return self.crs.get(name)

    def cluster_role_bindings(self) -> Iterable[Obj]:
        return self.crbs

    def role_bindings(self, namespace: str) -> Iterable[Obj]:
        return self.rbs.get(namespace, [])


AUTHZ = RBACAuthorizer(Bootstrap())
ANON = UserInfo("system:anonymous", groups=("system:unauthenticated",))
JANE = UserInfo("jane", groups=("system:authenticated",))
ROOT = UserInfo("root", groups=("system:masters", "system:authenticated"))
SCHEDULER = UserInfo("system:kube-scheduler", groups=("system:authenticated",))
BOOTSTRAP_SIGNER = UserInfo("system:serviceaccount:kube-system:bootstrap-signer", groups=("system:serviceaccounts",))


def path(user: UserInfo, p: str, verb: str = "get") -> Attributes:
    return Attributes(user, verb, False, path=p)


def resource(user: UserInfo, verb: str, group: str, res: str, ns: str = "", name: str = "", sub: str = ""):
    return Attributes(user, verb, True, namespace=ns, api_group=group, resource=res, name=name, subresource=sub)


@pytest.mark.parametrize(
    "attrs, want",
    [
        (path(ANON, "/version"), True),
        (path(ANON, "/healthz"), True),
        (path(ANON, "/livez"), True),
        (path(ANON, "/readyz"), True),
        (path(ANON, "/healthz/etcd"), False),
        (path(ANON, "/metrics"), False),
        (path(ANON, "/api"), False),
        (path(ANON, "/version", "post"), False),
        (resource(ANON, "list", "", "pods", "default"), False),
        (resource(ANON, "create", "authorization.k8s.io", "selfsubjectaccessreviews"), False),
        (path(JANE, "/api"), True),
        (path(JANE, "/apis/apps/v1"), True),
        (path(JANE, "/openapi/v3/apis/apps/v1"), True),
        (path(JANE, "/version"), True),
        (path(JANE, "/metrics"), False),
        (resource(JANE, "create", "authorization.k8s.io", "selfsubjectaccessreviews"), True),
        (resource(JANE, "create", "authorization.k8s.io", "selfsubjectrulesreviews"), True),
        (resource(JANE, "create", "authentication.k8s.io", "selfsubjectreviews"), True),
        (resource(JANE, "create", "authorization.k8s.io", "subjectaccessreviews"), False),
        (resource(JANE, "list", "", "pods", "default"), False),
        (resource(ROOT, "delete", "", "nodes", name="n1"), True),
        (path(ROOT, "/metrics"), True),
        (resource(SCHEDULER, "create", "", "pods", "ns", "p", "binding"), True),
        (resource(SCHEDULER, "delete", "", "secrets", "ns", "s"), False),
        # a RoleBinding of the bootstrap policy in kube-system
        (resource(BOOTSTRAP_SIGNER, "list", "", "secrets", "kube-system"), True),
        (resource(BOOTSTRAP_SIGNER, "list", "", "secrets", "default"), False),
    ],
)
def test_bootstrap_authorizer(attrs: Attributes, want: bool) -> None:
    decision, reason = AUTHZ.authorize(attrs)
    assert (decision is Decision.ALLOW) is want, reason
    if not want:
        assert decision is Decision.NO_OPINION and reason == ""


def test_bootstrap_allow_reason() -> None:
    assert AUTHZ.authorize(resource(ROOT, "get", "", "pods", "x")) == (
        Decision.ALLOW,
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    )


def test_bootstrap_rules_for_anonymous() -> None:
    resource_rules, non_resource, incomplete, error = AUTHZ.rules_for(ANON, "default")
    assert resource_rules == [] and not incomplete and error == ""
    assert non_resource == [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version",
                                                                   "/version/"]}]  # fmt: skip
