"""kube's authorizer chain (pkg/kubeapiserver/authorizer): the ``system:masters`` group first, then the
``--authorization-mode`` list in order; the first ALLOW or DENY decides, NO_OPINION passes to the next."""

from __future__ import annotations

from collections.abc import Sequence

from aiokube.apiserver.authorization.attributes import Attributes, Decision, UserInfo
from aiokube.apiserver.authorization.rbac import RBACAuthorizer, aggregate_error

#: kube's user.SystemPrivilegedGroup: always allowed, whatever the modes (kube adds that authorizer first)
SYSTEM_MASTERS = "system:masters"
ALWAYS_DENY_REASON = "Everything is forbidden."
#: what AlwaysAllow's RulesFor gives any user in any namespace
ALL_RESOURCE_RULES = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
ALL_NON_RESOURCE_RULES = [{"verbs": ["*"], "nonResourceURLs": ["*"]}]


class Authorizer:
    """The union of the configured modes. ``rbac`` is given when RBAC is one of them."""

    def __init__(self, modes: Sequence[str], rbac: RBACAuthorizer | None) -> None:
        self.modes = tuple(modes)
        self.rbac = rbac

    def authorize(self, attrs: Attributes) -> tuple[Decision, str]:
        if SYSTEM_MASTERS in attrs.user.groups:
            return Decision.ALLOW, ""
        reasons: list[str] = []
        for mode in self.modes:
            if mode == "AlwaysAllow":
                return Decision.ALLOW, ""
            if mode == "AlwaysDeny":
                return Decision.DENY, ALWAYS_DENY_REASON
            if mode == "RBAC" and self.rbac is not None:
                decision, reason = self.rbac.authorize(attrs)
                if decision is not Decision.NO_OPINION:
                    return decision, reason
                if reason:
                    reasons.append(reason)
        return Decision.NO_OPINION, "\n".join(reasons)

    def allowed(self, attrs: Attributes) -> bool:
        return self.authorize(attrs)[0] is Decision.ALLOW

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[dict], bool, str]:
        """SelfSubjectRulesReview's answer: the rules of every mode that can list them (kube's union of rule
        resolvers: AlwaysAllow gives ``*``, AlwaysDeny nothing, RBAC the user's bindings)."""
        resource: list[dict] = []
        non_resource: list[dict] = []
        incomplete, errors = False, []
        for mode in self.modes:
            if mode == "AlwaysAllow":
                resource += [dict(r) for r in ALL_RESOURCE_RULES]
                non_resource += [dict(r) for r in ALL_NON_RESOURCE_RULES]
            elif mode == "RBAC" and self.rbac is not None:
                r, n, inc, err = self.rbac.rules_for(user, namespace)
                resource += r
                non_resource += n
                incomplete = incomplete or inc
                if err:
                    errors.append(err)
        return resource, non_resource, incomplete, aggregate_error(errors) if errors else ""
