"""May they: kube's authorizers (RBAC over the watch cache, AlwaysAllow, the system:masters group)."""
