"""RBAC decisions without a server (apiserver/authorization/rbac.py, attributes.py): rule matching, subjects,
binding scopes, resolution errors, the per-user cache, Covers, the escalation checks and kube's 403 text.

Tables are our own, shaped after kube's rbac_test.go, rule_test.go and policy_comparator_test.go.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from aiokube.apiserver.authorization.attributes import (
    Attributes,
    Decision,
    UserInfo,
    forbidden_details,
    forbidden_error,
    forbidden_message,
)
from aiokube.apiserver.authorization.rbac import (
    RBACAuthorizer,
    aggregate_error,
    breakdown_rule,
    check_binding_write,
    check_role_write,
    compact_string,
    covers,
    escalation_message,
)

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"


def rule(verbs: list[str], groups: list[str] | None = None, resources: list[str] | None = None, **kw: Any) -> Obj:
    out: Obj = {"verbs": verbs}
    if groups is not None:
        out["apiGroups"] = groups
    if resources is not None:
        out["resources"] = resources
    out.update(kw)
    return out


def role(name: str, rules: list[Obj], namespace: str = "", **extra: Any) -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, "rules": rules, **extra}


def binding(name: str, ref_kind: str, ref_name: str, subjects: list[Obj], namespace: str = "") -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": ref_name}, "subjects": subjects}


def user_subject(name: str) -> Obj:
    return {"apiGroup": RBAC, "kind": "User", "name": name}


def group_subject(name: str) -> Obj:
    return {"apiGroup": RBAC, "kind": "Group", "name": name}


def sa_subject(name: str, namespace: str = "") -> Obj:
    out: Obj = {"kind": "ServiceAccount", "name": name}
    if namespace:
        out["namespace"] = namespace
    return out


class Source:
    """An in-memory RBACSource; ``bump()`` after changing it."""

    def __init__(
        self,
        cluster_roles: Iterable[Obj] = (),
        cluster_role_bindings: Iterable[Obj] = (),
        roles: Iterable[Obj] = (),
        role_bindings: Iterable[Obj] = (),
    ) -> None:
        self.cluster_roles = {r["metadata"]["name"]: r for r in cluster_roles}
        self.crbs = list(cluster_role_bindings)
        self.roles = {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in roles}
        self.rbs = list(role_bindings)
        self.generation = 1
        self.lists = 0

    def bump(self) -> None:
        self.generation += 1

    def get_role(self, namespace: str, name: str) -> Obj | None:
        return self.roles.get((namespace, name))

    def get_cluster_role(self, name: str) -> Obj | None:
        return self.cluster_roles.get(name)

    def cluster_role_bindings(self) -> Iterable[Obj]:
        self.lists += 1
        return self.crbs

    def role_bindings(self, namespace: str) -> Iterable[Obj]:
        return [b for b in self.rbs if b["metadata"]["namespace"] == namespace]


ALICE = UserInfo("alice", groups=("system:authenticated",))


def res(verb: str, group: str, resource: str, sub: str = "", name: str = "", ns: str = "ns1", user: UserInfo = ALICE):
    return Attributes(user, verb, True, namespace=ns, api_group=group, resource=resource, subresource=sub, name=name)


def url(verb: str, path: str, user: UserInfo = ALICE) -> Attributes:
    return Attributes(user, verb, False, path=path)


def allowed_by_rule(r: Obj, attrs: Attributes) -> bool:
    """Whether ``r`` (in a ClusterRole bound cluster-wide to alice) allows ``attrs``."""
    src = Source([role("r", [r])], [binding("b", "ClusterRole", "r", [user_subject("alice")])])
    return RBACAuthorizer(src).authorize(attrs)[0] is Decision.ALLOW


RULE_CASES: list[tuple[str, Obj, list[tuple[Attributes, bool]]]] = [
    (
        "any verb, one group and resource",
        rule(["*"], ["apps"], ["deployments"]),
        [
            (res("get", "apps", "deployments"), True),
            (res("escalate", "apps", "deployments"), True),
            (res("get", "", "deployments"), False),
            (res("get", "apps", "replicasets"), False),
        ],
    ),
    (
        "any group",
        rule(["list"], ["*"], ["widgets"]),
        [
            (res("list", "a.example.com", "widgets"), True),
            (res("list", "", "widgets"), True),
            (res("watch", "a.example.com", "widgets"), False),
            (res("list", "a.example.com", "gadgets"), False),
        ],
    ),
    (
        "any resource does not mean any group",
        rule(["get"], [""], ["*"]),
        [
            (res("get", "", "pods"), True),
            (res("get", "", "pods", "log"), True),
            (res("get", "apps", "deployments"), False),
        ],
    ),
    (
        "lists are OR-ed per field",
        rule(["get", "list"], ["", "apps"], ["pods", "deployments"]),
        [
            (res("list", "", "deployments"), True),
            (res("get", "apps", "pods"), True),
            (res("delete", "apps", "pods"), False),
        ],
    ),
    (
        "a resource does not cover its subresources",
        rule(["get"], [""], ["pods"]),
        [
            (res("get", "", "pods"), True),
            (res("get", "", "pods", "log"), False),
            (res("get", "", "pods", "status"), False),
        ],
    ),
    (
        "resource/subresource exactly",
        rule(["get"], [""], ["pods/log"]),
        [
            (res("get", "", "pods", "log"), True),
            (res("get", "", "pods"), False),
            (res("get", "", "pods", "exec"), False),
            (res("get", "", "nodes", "log"), False),
        ],
    ),
    (
        "*/subresource matches that subresource of anything",
        rule(["update"], ["*"], ["*/scale"]),
        [
            (res("update", "apps", "deployments", "scale"), True),
            (res("update", "", "replicationcontrollers", "scale"), True),
            (res("update", "apps", "deployments"), False),
            (res("update", "apps", "deployments", "status"), False),
        ],
    ),
    (
        "resource/* is no wildcard",
        rule(["get"], [""], ["pods/*"]),
        [
            (res("get", "", "pods", "log"), False),
            (res("get", "", "pods", "*"), True),
        ],
    ),
    (
        "resourceNames: only requests naming one of them",
        rule(["get", "list", "create", "update"], [""], ["configmaps"], resourceNames=["a", "b"]),
        [
            (res("get", "", "configmaps", name="a"), True),
            (res("update", "", "configmaps", name="b"), True),
            (res("get", "", "configmaps", name="c"), False),
            (res("list", "", "configmaps"), False),  # a list carries no name
            (res("create", "", "configmaps"), False),  # nor does a create
            (res("list", "", "configmaps", name="a"), True),  # a list with fieldSelector metadata.name=a does
        ],
    ),
    (
        "empty resourceNames means all names",
        rule(["get"], [""], ["configmaps"], resourceNames=[]),
        [(res("get", "", "configmaps", name="anything"), True), (res("get", "", "configmaps"), True)],
    ),
    (
        "nonResourceURLs exact",
        rule(["get"], nonResourceURLs=["/healthz", "/version"]),
        [
            (url("get", "/healthz"), True),
            (url("get", "/healthz/etcd"), False),
            (url("post", "/healthz"), False),
            (url("get", "/versions"), False),
        ],
    ),
    (
        "nonResourceURLs trailing star is a string prefix",
        rule(["get"], nonResourceURLs=["/healthz*", "/apis/*"]),
        [
            (url("get", "/healthz"), True),
            (url("get", "/healthz/ping"), True),
            (url("get", "/healthzfoo"), True),
            (url("get", "/apis"), False),
            (url("get", "/apis/apps"), True),
            (url("get", "/api"), False),
        ],
    ),
    (
        "nonResourceURLs star and any verb",
        rule(["*"], nonResourceURLs=["*"]),
        [(url("delete", "/anything/at/all"), True), (url("get", "/"), True)],
    ),
    (
        "a resource rule never allows a path and vice versa",
        rule(["*"], ["*"], ["*"]),
        [(url("get", "/metrics"), False), (res("get", "", "pods"), True)],
    ),
    (
        "a path rule never allows a resource",
        rule(["*"], nonResourceURLs=["*"]),
        [(res("get", "", "pods"), False)],
    ),
]


@pytest.mark.parametrize(
    "r, attrs, want",
    [pytest.param(r, a, w, id=f"{name}-{i}") for name, r, cases in RULE_CASES for i, (a, w) in enumerate(cases)],
)
def test_rule_matching(r: Obj, attrs: Attributes, want: bool) -> None:
    assert allowed_by_rule(r, attrs) is want


READ_PODS = role("read-pods", [rule(["get"], [""], ["pods"])])


@pytest.mark.parametrize(
    "subject, user, ns, want",
    [
        (user_subject("alice"), ALICE, "ns1", True),
        (user_subject("bob"), ALICE, "ns1", False),
        (group_subject("system:authenticated"), ALICE, "ns1", True),
        (group_subject("devs"), ALICE, "ns1", False),
        (group_subject("alice"), ALICE, "ns1", False),  # a group named like the user is still a group
        # a ServiceAccount subject without a namespace means the binding's namespace
        (sa_subject("builder"), UserInfo("system:serviceaccount:ns1:builder"), "ns1", True),
        (sa_subject("builder"), UserInfo("system:serviceaccount:ns2:builder"), "ns1", False),
        (sa_subject("builder", "ns2"), UserInfo("system:serviceaccount:ns2:builder"), "ns1", True),
        (sa_subject("builder", "ns2"), UserInfo("system:serviceaccount:ns1:builder"), "ns1", False),
        (sa_subject("builder"), UserInfo("builder"), "ns1", False),
        ({"kind": "Robot", "name": "alice"}, ALICE, "ns1", False),
    ],
)
def test_role_binding_subjects(subject: Obj, user: UserInfo, ns: str, want: bool) -> None:
    src = Source([READ_PODS], role_bindings=[binding("rb", "ClusterRole", "read-pods", [subject], "ns1")])
    decision, _ = RBACAuthorizer(src).authorize(res("get", "", "pods", ns=ns, user=user))
    assert (decision is Decision.ALLOW) is want


def test_service_account_without_namespace_never_matches_in_a_cluster_role_binding() -> None:
    src = Source([READ_PODS], [binding("crb", "ClusterRole", "read-pods", [sa_subject("builder")])])
    sa = UserInfo("system:serviceaccount:ns1:builder")
    assert RBACAuthorizer(src).authorize(res("get", "", "pods", user=sa))[0] is Decision.NO_OPINION
    src.crbs = [binding("crb", "ClusterRole", "read-pods", [sa_subject("builder", "ns1")])]
    src.bump()
    assert RBACAuthorizer(src).authorize(res("get", "", "pods", ns="other", user=sa))[0] is Decision.ALLOW


def test_binding_scopes() -> None:
    src = Source(
        [READ_PODS, role("nodes", [rule(["list"], [""], ["nodes"])])],
        [binding("crb", "ClusterRole", "nodes", [user_subject("alice")])],
        [role("cm", [rule(["get"], [""], ["configmaps"])], "ns1")],
        [
            binding("rb-cluster-role", "ClusterRole", "read-pods", [user_subject("alice")], "ns1"),
            binding("rb-role", "Role", "cm", [user_subject("alice")], "ns1"),
        ],
    )
    authz = RBACAuthorizer(src)
    # a RoleBinding to a ClusterRole grants it in the binding's namespace only
    assert authz.authorize(res("get", "", "pods", ns="ns1"))[0] is Decision.ALLOW
    assert authz.authorize(res("get", "", "pods", ns="ns2"))[0] is Decision.NO_OPINION
    assert authz.authorize(res("get", "", "pods", ns=""))[0] is Decision.NO_OPINION
    # a RoleBinding to a Role of its namespace
    assert authz.authorize(res("get", "", "configmaps", ns="ns1"))[0] is Decision.ALLOW
    assert authz.authorize(res("get", "", "configmaps", ns="ns2"))[0] is Decision.NO_OPINION
    # a ClusterRoleBinding everywhere, cluster scope included
    for ns in ("", "ns1", "ns2"):
        assert authz.authorize(res("list", "", "nodes", ns=ns))[0] is Decision.ALLOW


def test_allow_reason_names_the_binding_and_subject() -> None:
    src = Source(
        [READ_PODS],
        [binding("crb", "ClusterRole", "read-pods", [user_subject("bob"), group_subject("system:authenticated")])],
        role_bindings=[binding("rb", "ClusterRole", "read-pods", [sa_subject("x")], "ns1")],
    )
    authz = RBACAuthorizer(src)
    assert authz.authorize(res("get", "", "pods")) == (
        Decision.ALLOW,
        'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "read-pods" to Group "system:authenticated"',
    )
    sa = UserInfo("system:serviceaccount:ns1:x")
    assert authz.authorize(res("get", "", "pods", user=sa)) == (
        Decision.ALLOW,
        'RBAC: allowed by RoleBinding "rb/ns1" of ClusterRole "read-pods" to ServiceAccount "x/ns1"',
    )


def test_missing_roles_give_the_rbac_reason() -> None:
    src = Source(
        [READ_PODS],
        [binding("crb", "ClusterRole", "gone", [user_subject("alice")])],
        role_bindings=[
            binding("rb1", "Role", "missing", [user_subject("alice")], "ns1"),
            binding("rb2", "Role", "missing", [user_subject("alice")], "ns1"),
            binding("rb3", "Robot", "x", [user_subject("alice")], "ns1"),
            binding("rb4", "ClusterRole", "read-pods", [user_subject("alice")], "ns1"),
            binding("other", "Role", "missing-too", [user_subject("bob")], "ns1"),
        ],
    )
    authz = RBACAuthorizer(src)
    # an allowing rule wins whatever failed to resolve
    assert authz.authorize(res("get", "", "pods"))[0] is Decision.ALLOW
    assert authz.authorize(res("delete", "", "pods")) == (
        Decision.NO_OPINION,
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, '
        'role.rbac.authorization.k8s.io "missing" not found, unsupported role reference kind: "Robot"]',
    )
    # cluster scope: only the ClusterRoleBinding's error, a single error without brackets
    assert authz.authorize(res("list", "", "nodes", ns="")) == (
        Decision.NO_OPINION,
        'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    )
    # bindings to other users are not resolved at all
    assert authz.authorize(res("get", "", "pods", user=UserInfo("carol"))) == (Decision.NO_OPINION, "")


def test_aggregate_error() -> None:
    assert aggregate_error(["a"]) == "a"
    assert aggregate_error(["a", "a"]) == "a"
    assert aggregate_error(["a", "b", "a"]) == "[a, b]"


def test_cache_follows_generation() -> None:
    src = Source([READ_PODS])
    authz = RBACAuthorizer(src)
    attrs = res("get", "", "pods")
    assert authz.authorize(attrs)[0] is Decision.NO_OPINION
    src.crbs.append(binding("crb", "ClusterRole", "read-pods", [user_subject("alice")]))
    # unchanged generation: the resolved (empty) rule set is reused
    assert authz.authorize(attrs)[0] is Decision.NO_OPINION
    assert src.lists == 1
    src.bump()
    assert authz.authorize(attrs)[0] is Decision.ALLOW
    assert src.lists == 2
    # a role's rules are re-read too
    src.cluster_roles["read-pods"] = role("read-pods", [rule(["list"], [""], ["pods"])])
    assert authz.authorize(attrs)[0] is Decision.ALLOW
    src.bump()
    assert authz.authorize(attrs)[0] is Decision.NO_OPINION
    assert authz.authorize(res("list", "", "pods"))[0] is Decision.ALLOW
    # other groups are another cache entry
    other = UserInfo("alice", groups=("devs",))
    assert authz.authorize(res("list", "", "pods", user=other))[0] is Decision.ALLOW
    src.crbs[0]["subjects"] = [group_subject("system:authenticated")]
    src.bump()
    assert authz.authorize(res("list", "", "pods", user=other))[0] is Decision.NO_OPINION
    assert authz.authorize(res("list", "", "pods"))[0] is Decision.ALLOW


def test_rules_for() -> None:
    src = Source(
        [
            role("r", [rule(["get"], [""], ["pods"], resourceNames=["p"]), rule(["get"], nonResourceURLs=["/x/*"])]),
        ],
        [binding("crb", "ClusterRole", "r", [user_subject("alice")]), binding("bad", "ClusterRole", "no", [])],
        [role("cm", [rule(["list"], [""], ["configmaps"])], "ns1")],
        [
            binding("rb", "Role", "cm", [user_subject("alice")], "ns1"),
            binding("rb2", "Role", "gone", [user_subject("alice")], "ns1"),
        ],
    )
    authz = RBACAuthorizer(src)
    assert authz.rules_for(ALICE, "ns1") == (
        [
            {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["p"]},
            {"verbs": ["list"], "apiGroups": [""], "resources": ["configmaps"]},
        ],
        [{"verbs": ["get"], "nonResourceURLs": ["/x/*"]}],
        False,
        'role.rbac.authorization.k8s.io "gone" not found',
    )
    assert authz.rules_for(ALICE, "ns2")[0] == [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["p"]}
    ]
    assert authz.rules_for(ALICE, "ns2")[3] == ""


# -- Covers ------------------------------------------------------------------------------------------------------

COVERS_CASES: list[tuple[str, list[Obj], list[Obj], list[Obj]]] = [
    ("exact", [rule(["get"], [""], ["pods"])], [rule(["get"], [""], ["pods"])], []),
    (
        "a verb missing",
        [rule(["get", "list"], [""], ["pods"])],
        [rule(["get", "delete"], [""], ["pods"])],
        [rule(["delete"], [""], ["pods"])],
    ),
    (
        "several owner rules cover one",
        [rule(["get"], [""], ["pods"]), rule(["list"], [""], ["pods"])],
        [rule(["get", "list"], [""], ["pods"])],
        [],
    ),
    ("star verb covers enumerations", [rule(["*"], [""], ["pods"])], [rule(["get", "patch"], [""], ["pods"])], []),
    (
        "enumerations do not cover star verb",
        [rule(["get", "list"], [""], ["pods"])],
        [rule(["*"], [""], ["pods"])],
        [rule(["*"], [""], ["pods"])],
    ),
    ("star group", [rule(["get"], ["*"], ["pods"])], [rule(["get"], ["", "apps"], ["pods"])], []),
    (
        "enumerated groups do not cover star group",
        [rule(["get"], ["", "apps"], ["pods"])],
        [rule(["get"], ["*"], ["pods"])],
        [rule(["get"], ["*"], ["pods"])],
    ),
    ("star resource", [rule(["get"], [""], ["*"])], [rule(["get"], [""], ["pods", "pods/log"])], []),
    (
        "*/subresource covers resource/subresource, not the resource",
        [rule(["get"], [""], ["*/status"])],
        [rule(["get"], [""], ["pods/status", "pods"])],
        [rule(["get"], [""], ["pods"])],
    ),
    (
        "no resourceNames covers names",
        [rule(["get"], [""], ["secrets"])],
        [rule(["get"], [""], ["secrets"], resourceNames=["a", "b"])],
        [],
    ),
    (
        "names do not cover all names",
        [rule(["get"], [""], ["secrets"], resourceNames=["a"])],
        [rule(["get"], [""], ["secrets"]), rule(["get"], [""], ["secrets"], resourceNames=["a", "b"])],
        [rule(["get"], [""], ["secrets"]), rule(["get"], [""], ["secrets"], resourceNames=["b"])],
    ),
    (
        "url star prefix",
        [rule(["get"], nonResourceURLs=["/apis/*"])],
        [rule(["get"], nonResourceURLs=["/apis/apps", "/apis", "/apis/*"])],
        [rule(["get"], nonResourceURLs=["/apis"])],
    ),
    ("url star", [rule(["*"], nonResourceURLs=["*"])], [rule(["get", "post"], nonResourceURLs=["/a", "/b/*"])], []),
    (
        "a resource rule does not cover a url",
        [rule(["*"], ["*"], ["*"])],
        [rule(["get"], nonResourceURLs=["/healthz"])],
        [rule(["get"], nonResourceURLs=["/healthz"])],
    ),
]


@pytest.mark.parametrize("owner, requested, missing", [pytest.param(*c[1:], id=c[0]) for c in COVERS_CASES])
def test_covers(owner: list[Obj], requested: list[Obj], missing: list[Obj]) -> None:
    ok, uncovered = covers(owner, requested)
    assert ok is (not missing)
    assert uncovered == missing


def test_breakdown_rule() -> None:
    r = rule(["get", "list"], ["", "apps"], ["x"], resourceNames=["n"], nonResourceURLs=["/u"])
    assert breakdown_rule(r) == [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["x"], "resourceNames": ["n"]},
        {"verbs": ["list"], "apiGroups": [""], "resources": ["x"], "resourceNames": ["n"]},
        {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["x"], "resourceNames": ["n"]},
        {"verbs": ["list"], "apiGroups": ["apps"], "resources": ["x"], "resourceNames": ["n"]},
        {"verbs": ["get"], "nonResourceURLs": ["/u"]},
        {"verbs": ["list"], "nonResourceURLs": ["/u"]},
    ]


def test_compact_string() -> None:
    assert compact_string(rule(["get", "list"], ["", "apps"], ["pods"])) == (
        '{APIGroups:["" "apps"], Resources:["pods"], Verbs:["get" "list"]}'
    )
    assert compact_string(rule(["get"], nonResourceURLs=["/a*"])) == '{NonResourceURLs:["/a*"], Verbs:["get"]}'
    assert compact_string(rule(["get"], ["x"], ["s"], resourceNames=['q"'])) == (
        '{APIGroups:["x"], Resources:["s"], ResourceNames:["q\\""], Verbs:["get"]}'
    )


def test_escalation_message() -> None:
    user = UserInfo("alice", groups=("devs", "system:authenticated"))
    _, missing = covers(
        [rule(["get"], [""], ["pods"])],
        [
            rule(["get", "list", "watch"], [""], ["pods", "secrets"]),
            rule(["get"], [""], ["configmaps"], resourceNames=["a", "b"]),
            rule(["get"], nonResourceURLs=["/metrics"]),
        ],
    )
    assert escalation_message(user, missing) == (
        'user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not '
        "currently held:\n"
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}\n'
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}\n'
        '{APIGroups:[""], Resources:["pods"], Verbs:["list" "watch"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}\n'
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}'
    )
    assert escalation_message(UserInfo("bob"), [rule(["get"], ["x"], ["y"])], ["e1", "e2"]) == (
        'user "bob" (groups=[]) is attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:["x"], Resources:["y"], Verbs:["get"]}; resolution errors: [[e1, e2]]'
    )


# -- escalation checks on role and binding writes ---------------------------------------------------------------


def decider(allow: set[tuple[str, str, str, str]]):
    """A stand-in for the server's authorizer: ALLOW exactly (verb, namespace, resource, name) in ``allow``;
    records what it was asked."""
    asked: list[Attributes] = []

    def fn(attrs: Attributes) -> Decision:
        asked.append(attrs)
        key = (attrs.verb, attrs.namespace, attrs.resource, attrs.name)
        return Decision.ALLOW if key in allow else Decision.NO_OPINION

    fn.asked = asked  # type: ignore[attr-defined]
    return fn


def escalation_setup() -> RBACAuthorizer:
    src = Source(
        [role("pod-reader", [rule(["get", "list"], [""], ["pods"])]), role("admin-ish", [rule(["*"], ["*"], ["*"])])],
        role_bindings=[binding("rb", "ClusterRole", "pod-reader", [user_subject("alice")], "ns1")],
    )
    return RBACAuthorizer(src)


def test_role_write_within_held_rules() -> None:
    rbac = escalation_setup()
    new = role("r", [rule(["get"], [""], ["pods"])], "ns1")
    assert check_role_write(ALICE, new, "ns1", decider(set()), rbac) is None


def test_role_write_escalating_is_forbidden() -> None:
    rbac = escalation_setup()
    ask = decider(set())
    new = role("r", [rule(["get", "delete"], [""], ["pods"])], "ns1")
    err = check_role_write(ALICE, new, "ns1", ask, rbac)
    assert err is not None and err.code == 403 and err.reason == "Forbidden"
    assert err.message == (
        'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["system:authenticated"]) is '
        "attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}'
    )
    assert err.details == {"name": "r", "group": RBAC, "kind": "roles"}
    (asked,) = ask.asked
    assert (asked.verb, asked.api_group, asked.api_version, asked.resource, asked.namespace, asked.name) == (
        "escalate",
        RBAC,
        "*",
        "roles",
        "ns1",
        "",
    )
    # in another namespace alice holds nothing
    assert check_role_write(ALICE, role("r", [rule(["get"], [""], ["pods"])], "ns2"), "ns2", ask, rbac) is not None


def test_role_write_allowed_by_escalate_masters_or_gc_only() -> None:
    rbac = escalation_setup()
    new = role("r", [rule(["*"], ["*"], ["*"])], "ns1")
    assert (
        check_role_write(ALICE, new, "ns1", decider({("escalate", "ns1", "roles", "r")}), rbac, request_name="r")
        is None
    )
    masters = UserInfo("root", groups=("system:masters",))
    assert check_role_write(masters, new, "ns1", decider(set()), rbac) is None
    old = {**new, "metadata": {**new["metadata"], "finalizers": ["x"]}}
    assert check_role_write(ALICE, new, "ns1", decider(set()), rbac, request_name="r", old_obj=old) is None
    old_labels = {**new, "metadata": {**new["metadata"], "labels": {"a": "b"}}}
    assert check_role_write(ALICE, new, "ns1", decider(set()), rbac, request_name="r", old_obj=old_labels) is not None


def test_cluster_role_aggregation_rule_needs_full_authority() -> None:
    src = Source(
        [role("pod-reader", [rule(["get", "list"], [""], ["pods"])])],
        [binding("crb", "ClusterRole", "pod-reader", [user_subject("alice")])],
    )
    rbac = RBACAuthorizer(src)
    new = role("agg", [], aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]})
    err = check_role_write(ALICE, new, "", decider(set()), rbac)
    assert err is not None
    assert err.message == (
        'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: '
        "must have cluster-admin privileges to use the aggregationRule"
    )
    assert check_role_write(ALICE, role("plain", [rule(["get"], [""], ["pods"])]), "", decider(set()), rbac) is None


def test_binding_write() -> None:
    rbac = escalation_setup()
    rb = binding("mine", "ClusterRole", "pod-reader", [user_subject("bob")], "ns1")
    ask = decider(set())
    assert check_binding_write(ALICE, rb, "ns1", ask, rbac) is None
    (asked,) = ask.asked
    assert (asked.verb, asked.api_group, asked.resource, asked.namespace, asked.name) == (
        "bind",
        RBAC,
        "clusterroles",
        "ns1",
        "pod-reader",
    )
    # binding a role with more than alice holds
    rb2 = binding("mine", "ClusterRole", "admin-ish", [user_subject("bob")], "ns1")
    err = check_binding_write(ALICE, rb2, "ns1", decider(set()), rbac)
    assert err is not None and err.code == 403
    assert err.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "mine" is forbidden: user "alice" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    assert err.message.endswith('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}')
    # ... unless granted bind on it
    assert check_binding_write(ALICE, rb2, "ns1", decider({("bind", "ns1", "clusterroles", "admin-ish")}), rbac) is None
    # a ClusterRoleBinding of pod-reader: alice holds pods only in ns1
    crb = binding("c", "ClusterRole", "pod-reader", [user_subject("bob")])
    err = check_binding_write(ALICE, crb, "", decider(set()), rbac)
    assert err is not None and err.message.startswith('clusterrolebindings.rbac.authorization.k8s.io "c" is forbidden')


def test_binding_write_missing_or_odd_role() -> None:
    rbac = escalation_setup()
    err = check_binding_write(ALICE, binding("b", "ClusterRole", "nope", [], "ns1"), "ns1", decider(set()), rbac)
    assert err is not None and err.code == 404
    assert err.message == 'clusterrole.rbac.authorization.k8s.io "nope" not found'
    assert err.details == {"name": "nope", "group": RBAC, "kind": "clusterrole"}
    err = check_binding_write(ALICE, binding("b", "Role", "nope", [], "ns1"), "ns1", decider(set()), rbac)
    assert err is not None and err.message == 'role.rbac.authorization.k8s.io "nope" not found'
    ask = decider(set())
    err = check_binding_write(ALICE, binding("b", "Thing", "x", [], "ns1"), "ns1", ask, rbac)
    assert err is not None and err.code == 500 and not ask.asked
    masters = UserInfo("root", groups=("system:masters",))
    assert check_binding_write(masters, binding("b", "ClusterRole", "nope", [], "ns1"), "ns1", ask, rbac) is None


# -- kube's 403 ----------------------------------------------------------------------------------------------------

ANON = UserInfo("system:anonymous", groups=("system:unauthenticated",))


@pytest.mark.parametrize(
    "attrs, reason, message, details",
    [
        (
            Attributes(ALICE, "list", True, namespace="b", resource="pods"),
            "",
            'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "b"',
            {"kind": "pods"},
        ),
        (
            Attributes(ALICE, "get", True, namespace="b", api_group="apps", resource="deployments", name="x"),
            "",
            'deployments.apps "x" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" '
            'in the namespace "b"',
            {"name": "x", "group": "apps", "kind": "deployments"},
        ),
        (
            Attributes(ALICE, "get", True, namespace="b", resource="pods", subresource="log", name="p"),
            "",
            'pods "p" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "b"',
            {"name": "p", "kind": "pods"},
        ),
        (
            Attributes(ALICE, "list", True, resource="nodes"),
            "",
            'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
            {"kind": "nodes"},
        ),
        (
            Attributes(ANON, "get", False, path="/metrics"),
            "",
            'forbidden: User "system:anonymous" cannot get path "/metrics"',
            {},
        ),
        (
            Attributes(ALICE, "delete", True, resource="clusterroles", api_group=RBAC, name="r"),
            'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
            'clusterroles.rbac.authorization.k8s.io "r" is forbidden: User "alice" cannot delete resource '
            '"clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope: '
            'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
            {"name": "r", "group": RBAC, "kind": "clusterroles"},
        ),
        (
            # the generated sentence is HTML-sanitized, the reason is not
            Attributes(UserInfo("<b>&"), "get", False, path="/x<y>"),
            "<why>",
            'forbidden: User "&lt;b&gt;&amp;" cannot get path "/x&lt;y&gt;": <why>',
            {},
        ),
    ],
)
def test_forbidden_message(attrs: Attributes, reason: str, message: str, details: dict[str, str]) -> None:
    assert forbidden_message(attrs, reason) == message
    assert forbidden_details(attrs) == details
    err = forbidden_error(attrs, reason)
    assert (err.code, err.reason, err.message, err.details) == (403, "Forbidden", message, details)


def test_user_info() -> None:
    u = UserInfo.create("u", "id", ["g1", "g2"], {"b": ["2"], "a": ["1", "x"]})
    assert u == UserInfo("u", "id", ("g1", "g2"), (("a", ("1", "x")), ("b", ("2",))))
    assert u.extra_dict() == {"a": ["1", "x"], "b": ["2"]}
    assert hash(u) == hash(UserInfo.create("u", "id", ("g1", "g2"), {"a": ("1", "x"), "b": ("2",)}))
