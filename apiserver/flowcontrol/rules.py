"""FlowSchema matching as kube's flowcontrol/rule.go defines it, compiled once per configuration.

A request matches a FlowSchema when one of its rules matches: a subject (user, group or ServiceAccount)
and, for a resource request, a resource rule (verb, API group, ``resource[/subresource]``, and the namespace
or ``clusterScope`` for a request without one), or for any other request a non-resource rule (verb, URL).
A wildcard counts only as a list's single member (validation keeps it so; kube's ``containsString``). A
non-resource URL matches itself, and — kube's quirk — every path below it, with or without a trailing ``*``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from aiokube.apiserver.authorization.attributes import UserInfo

Obj = dict[str, Any]
SA_PREFIX = "system:serviceaccount:"


class RequestFacts(Protocol):
    """What classification reads of a request (the edge's RequestInfo has these)."""

    is_resource_request: bool
    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str
    path: str


def _set(values: Iterable[str] | None, wildcard: str = "*") -> frozenset[str] | None:
    """None for "everything" (the list is exactly the wildcard), else the literal members."""
    items = list(values or ())
    return None if items == [wildcard] else frozenset(items)


class Subjects:
    """Who a rule is for: named users (or ``*``), groups (or ``*``), ServiceAccounts (``name`` or ``*``)."""

    __slots__ = ("all_users", "groups", "sa_namespaces", "users")

    def __init__(self, subjects: list[Obj]) -> None:
        users: set[str] = set()
        groups: set[str] = set()
        sa_namespaces: list[str] = []
        self.all_users = False
        for subject in subjects:
            kind = subject.get("kind")
            if kind == "User" and subject.get("user"):
                name = subject["user"].get("name", "")
                self.all_users = self.all_users or name == "*"
                users.add(name)
            elif kind == "Group" and subject.get("group"):
                name = subject["group"].get("name", "")
                self.all_users = self.all_users or name == "*"
                groups.add(name)
            elif kind == "ServiceAccount" and subject.get("serviceAccount"):
                sa = subject["serviceAccount"]
                namespace, name = sa.get("namespace", ""), sa.get("name", "")
                if name == "*":
                    sa_namespaces.append(f"{SA_PREFIX}{namespace}:")
                else:
                    users.add(f"{SA_PREFIX}{namespace}:{name}")
        self.users = frozenset(users)
        self.groups = frozenset(groups)
        self.sa_namespaces = tuple(sa_namespaces)

    def matches(self, user: UserInfo) -> bool:
        if self.all_users or user.name in self.users:
            return True
        groups = self.groups
        for group in user.groups:
            if group in groups:
                return True
        return bool(self.sa_namespaces) and user.name.startswith(self.sa_namespaces)


class ResourceRule:
    __slots__ = ("cluster_scope", "groups", "namespaces", "resources", "verbs")

    def __init__(self, rule: Obj) -> None:
        self.verbs = _set(rule.get("verbs"))
        self.groups = _set(rule.get("apiGroups"))
        self.resources = _set(rule.get("resources"))
        self.cluster_scope = bool(rule.get("clusterScope"))
        self.namespaces = _set(rule.get("namespaces"))

    def matches(self, ri: RequestFacts) -> bool:
        if self.verbs is not None and ri.verb not in self.verbs:
            return False
        if self.resources is not None:
            resource = f"{ri.resource}/{ri.subresource}" if ri.subresource else ri.resource
            if resource not in self.resources:
                return False
        if self.groups is not None and ri.group not in self.groups:
            return False
        if not ri.namespace:
            return self.cluster_scope
        return self.namespaces is None or ri.namespace in self.namespaces


class NonResourceRule:
    __slots__ = ("exact", "prefixes", "verbs")

    def __init__(self, rule: Obj) -> None:
        self.verbs = _set(rule.get("verbs"))
        urls = list(rule.get("nonResourceURLs") or ())
        self.exact = frozenset(urls)
        prefixes = []
        for url in urls:
            if url == "*":
                prefixes.append("")
                continue
            prefix = url.removesuffix("*")
            prefixes.append(prefix if prefix.endswith("/") else prefix + "/")
        self.prefixes = tuple(prefixes)

    def matches(self, ri: RequestFacts) -> bool:
        if self.verbs is not None and ri.verb not in self.verbs:
            return False
        return ri.path in self.exact or ri.path.startswith(self.prefixes)


class PolicyRule:
    __slots__ = ("non_resource_rules", "resource_rules", "subjects")

    def __init__(self, rule: Obj) -> None:
        self.subjects = Subjects(rule.get("subjects") or [])
        self.resource_rules = tuple(ResourceRule(r) for r in rule.get("resourceRules") or ())
        self.non_resource_rules = tuple(NonResourceRule(r) for r in rule.get("nonResourceRules") or ())

    def matches(self, user: UserInfo, ri: RequestFacts) -> bool:
        return self.subjects.matches(user) and self.matches_request(ri)

    @property
    def matches_every_request(self) -> bool:
        """Every verb on every resource (namespaced or not) and every non-resource URL: ``exempt``'s rule."""
        resources = any(
            r.verbs is None and r.groups is None and r.resources is None and r.namespaces is None and r.cluster_scope
            for r in self.resource_rules
        )
        return resources and any(r.verbs is None and "" in r.prefixes for r in self.non_resource_rules)

    def matches_request(self, ri: RequestFacts) -> bool:
        """The request half, for a user already known to be a subject."""
        rules = self.resource_rules if ri.is_resource_request else self.non_resource_rules
        for rule in rules:
            if rule.matches(ri):
                return True
        return False


class FlowSchemaRules:
    """One FlowSchema, compiled: its name, uid, priority level, precedence, distinguisher and rules."""

    __slots__ = ("distinguisher", "level_name", "name", "precedence", "rules", "uid")

    def __init__(self, obj: Obj) -> None:
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        self.name: str = meta.get("name", "")
        self.uid: str = meta.get("uid", "")
        self.level_name: str = (spec.get("priorityLevelConfiguration") or {}).get("name", "")
        self.precedence: int = int(spec.get("matchingPrecedence") or 1000)
        self.distinguisher: str = (spec.get("distinguisherMethod") or {}).get("type", "")
        self.rules = tuple(PolicyRule(r) for r in spec.get("rules") or ())

    def matches(self, user: UserInfo, ri: RequestFacts) -> bool:
        for rule in self.rules:
            if rule.matches(user, ri):
                return True
        return False

    def rules_for(self, user: UserInfo) -> tuple[PolicyRule, ...]:
        """The rules whose subjects include the user."""
        return tuple(rule for rule in self.rules if rule.subjects.matches(user))

    def flow(self, user: UserInfo, ri: RequestFacts) -> str:
        """The flow distinguisher: the user's name, the namespace, or nothing."""
        if self.distinguisher == "ByUser":
            return user.name
        if self.distinguisher == "ByNamespace":
            return ri.namespace
        return ""
