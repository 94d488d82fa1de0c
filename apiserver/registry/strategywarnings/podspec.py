"""The warnings of a pod's spec and metadata (kube's pkg/api/pod GetWarningsForPod / GetWarningsForPodTemplate),
for pods and for every kind that carries a pod template (its paths then start at the template).

Where kube walks a Go map (node selectors, annotations with a prefix) the order is the object's; kube's varies
between calls."""

from __future__ import annotations

import functools
from typing import Any

from aiokube.apiserver.quantity import parse_quantity
from aiokube.apiserver.registry.podapparmor import APPARMOR_PREFIX, field_for_annotation
from aiokube.apiserver.registry.strategywarnings.addresses import ip_warnings
from aiokube.apiserver.registry.validation.objectmeta import is_valid_label_value

Obj = dict[str, Any]

#: pkg/api/node's deprecated node labels and what to use instead
DEPRECATED_NODE_LABELS = {
    "beta.kubernetes.io/arch": 'deprecated since v1.14; use "kubernetes.io/arch" instead',
    "beta.kubernetes.io/os": 'deprecated since v1.14; use "kubernetes.io/os" instead',
    "failure-domain.beta.kubernetes.io/region": 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
    "failure-domain.beta.kubernetes.io/zone": 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
    "beta.kubernetes.io/instance-type": 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
    "app.kubernetes.io/created-by": "deprecated since v1.9",
    "scheduler.alpha.kubernetes.io/preferAvoidPods": "deprecated since v1.22; use Taints and Tolerations instead",
    "node-role.kubernetes.io/master": 'use "node-role.kubernetes.io/control-plane" instead',
}
_DEPRECATED_ANNOTATIONS = (
    (
        "scheduler.alpha.kubernetes.io/critical-pod",
        'non-functional in v1.16+; use the "priorityClassName" field instead',
    ),
    ("security.alpha.kubernetes.io/sysctls", 'non-functional in v1.11+; use the "sysctls" field instead'),
    ("security.alpha.kubernetes.io/unsafe-sysctls", 'non-functional in v1.11+; use the "sysctls" field instead'),
)
#: removed volume plugins, in kube's order of checking
_DEPRECATED_VOLUMES = (
    ("photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"),
    ("gitRepo", "deprecated in v1.11, and disabled by default in v1.33+"),  # GitRepoVolumeDriver off, locked
    ("scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
    ("flocker", "deprecated in v1.22, non-functional in v1.25+"),
    ("storageos", "deprecated in v1.22, non-functional in v1.25+"),
    ("quobyte", "deprecated in v1.22, non-functional in v1.25+"),
    ("glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
    ("ephemeral", ""),
    ("cephfs", "deprecated in v1.28, non-functional in v1.31+"),
    ("rbd", "deprecated in v1.28, non-functional in v1.31+"),
)
_DEPRECATED_VOLUME_KEYS = frozenset(source for source, _ in _DEPRECATED_VOLUMES)
_GO_FIELD = {"storageos": "storageOS"}  # the Go field's JSON name differs from the path kube prints
_SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
_CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")
_NULL_SELECTOR = "a null labelSelector results in matching no pod"
#: more warnings than kube's recorder writes (4 Ki runes in all, each warning at least one): where kube's checks
#: compare every pair (ports, volume paths), only this many are made
MAX_WARNINGS = 4096


def _at(root: str, rest: str) -> str:
    return f"{root}.{rest}" if root else rest


@functools.lru_cache(maxsize=1024)
def fractional_bytes(value: str) -> str | None:
    """The quantity as Go prints it when it is not a whole number of bytes (MilliValue() % 1000 != 0)."""
    if value.isdigit():
        return None
    q = parse_quantity(value)
    if q is None:
        return None
    shift = q.scale + 3
    milli = q.unscaled * 10**shift if shift >= 0 else -(-q.unscaled // 10**-shift)
    return None if milli % 1000 == 0 else str(q)


def fractional_warning(path: str, key: str, value: Any) -> list[str]:
    """``path[key]``'s warning for a fractional byte value (the path is made only then: most values are whole)."""
    text = fractional_bytes(value) if isinstance(value, str) else None
    return [] if text is None else [f'{path}[{key}]: fractional byte value "{text}" is invalid, must be an integer']


def claim_spec_warnings(path: str, spec: Obj) -> list[str]:
    """GetWarningsForPersistentVolumeClaimSpec: fractional storage requests and limits."""
    resources = spec.get("resources") or {}
    return [
        *fractional_warning(f"{path}.resources.requests", "storage", (resources.get("requests") or {}).get("storage")),
        *fractional_warning(f"{path}.resources.limits", "storage", (resources.get("limits") or {}).get("storage")),
    ]


def node_selector_term_warnings(term: Obj, check_values: bool, path: str) -> list[str]:
    """GetWarningsForNodeSelectorTerm: deprecated keys (and, for preferred terms, invalid label values)."""
    out = []
    for i, expression in enumerate(term.get("matchExpressions") or ()):
        key = expression.get("key", "")
        if key in DEPRECATED_NODE_LABELS:
            out.append(f"{path}.matchExpressions[{i}].key: {key} is {DEPRECATED_NODE_LABELS[key]}")
        if check_values:
            for j, value in enumerate(expression.get("values") or ()):
                for msg in is_valid_label_value(value):
                    out.append(f"{path}.matchExpressions[{i}].values[{j}]: {value} is invalid, {msg}")
    return out


def _containers(spec: Obj) -> list[tuple[Obj, str, int]]:
    """VisitContainersWithPath's order: init, regular and ephemeral containers (with where they are, for
    :func:`_container_path`: most pods warn nothing, so paths are made only for a warning)."""
    return [(c, kind, i) for kind in _CONTAINER_KINDS for i, c in enumerate(spec.get(kind) or ())]


def _container_path(root: str, kind: str, i: int) -> str:
    return f"{_at(root, 'spec')}.{kind}[{i}]"


def _go_port(port: Obj) -> str:
    """A ContainerPort printed with Go's %+v (the internal struct's field order)."""
    return (
        f"{{Name:{port.get('name', '')} HostPort:{port.get('hostPort', 0)} "
        f"ContainerPort:{port.get('containerPort', 0)} Protocol:{port.get('protocol', '')} "
        f"HostIP:{port.get('hostIP', '')}}}"
    )


def pod_spec_warnings(root: str, spec: Obj, meta: Obj) -> list[str]:
    """warningsForPodSpecAndMeta: ``root`` is "" for a pod, else the template's path (``spec.template``)."""
    out: list[str] = []
    sp = _at(root, "spec")
    annotations = meta.get("annotations") or {}
    for key in spec.get("nodeSelector") or {}:
        if key in DEPRECATED_NODE_LABELS:
            out.append(f"{sp}.nodeSelector[{key}]: {DEPRECATED_NODE_LABELS[key]}")
    affinity = spec.get("affinity") or {}
    node_affinity = affinity.get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is not None:
        path = f"{sp}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
        for i, term in enumerate(required.get("nodeSelectorTerms") or ()):
            out += node_selector_term_warnings(term, False, f"{path}[{i}]")
    for i, term in enumerate(node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
        path = f"{sp}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].preference"
        out += node_selector_term_warnings(term.get("preference") or {}, True, path)
    for i, constraint in enumerate(spec.get("topologySpreadConstraints") or ()):
        key = constraint.get("topologyKey", "")
        if key in DEPRECATED_NODE_LABELS:
            out.append(f"{sp}.topologySpreadConstraints[{i}].topologyKey: {key} is {DEPRECATED_NODE_LABELS[key]}")
        if constraint.get("labelSelector") is None:
            out.append(f"{sp}.topologySpreadConstraints[{i}].labelSelector: {_NULL_SELECTOR}")
    ann = _at(root, "metadata.annotations")
    for key, message in _DEPRECATED_ANNOTATIONS:
        if key in annotations:
            out.append(f"{ann}[{key}]: {message}")
    for i, volume in enumerate(spec.get("volumes") or ()):
        if _DEPRECATED_VOLUME_KEYS.isdisjoint(volume):
            continue
        for source, message in _DEPRECATED_VOLUMES:
            if volume.get(source) is None:
                continue
            if source == "ephemeral":
                template = volume["ephemeral"].get("volumeClaimTemplate")
                if template is not None:
                    path = f"{sp}.volumes[{i}].ephemeral.volumeClaimTemplate.spec"
                    out += claim_spec_warnings(path, template.get("spec") or {})
            else:
                out.append(f"{sp}.volumes[{i}].{_GO_FIELD.get(source, source)}: {message}")
    out += overlapping_path_warnings(spec.get("volumes") or ())
    out += _duplicates(spec.get("hostAliases") or (), "ip", f"{sp}.hostAliases", "ip")
    pull_secrets = spec.get("imagePullSecrets") or ()
    out += _duplicates(pull_secrets, "name", f"{sp}.imagePullSecrets", "name")
    for i, secret in enumerate(pull_secrets):
        if not secret.get("name"):
            out.append(f'{sp}.imagePullSecrets[{i}].name: invalid empty name ""')
    overhead = spec.get("overhead") or {}
    for resource in ("memory", "ephemeral-storage"):
        if resource in overhead:
            out += fractional_warning(f"{sp}.overhead", resource, overhead[resource])
    security = spec.get("securityContext") or {}
    if security.get("seccompProfile") is None and _SECCOMP_POD in annotations:
        out.append(f'{ann}[{_SECCOMP_POD}]: non-functional in v1.27+; use the "seccompProfile" field instead')
    containers = _containers(spec)
    pod_profile = security.get("appArmorProfile")
    for container, kind, i in containers:
        out += _container_warnings(container, root, kind, i, annotations, ann, pod_profile)
    out += _port_warnings(root, containers)
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        out.append(
            f"{sp}.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1"
        )
    for kind in ("podAffinity", "podAntiAffinity") if affinity else ():
        terms = affinity.get(kind) or {}
        for i, term in enumerate(terms.get("requiredDuringSchedulingIgnoredDuringExecution") or ()):
            if term.get("labelSelector") is None:
                path = f"{sp}.affinity.{kind}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"
                out.append(f"{path}.labelSelector: {_NULL_SELECTOR}")
        for i, term in enumerate(terms.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            if (term.get("podAffinityTerm") or {}).get("labelSelector") is None:
                path = f"{sp}.affinity.{kind}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
                out.append(f"{path}.podAffinityTerm.labelSelector: {_NULL_SELECTOR}")
    for i, server in enumerate((spec.get("dnsConfig") or {}).get("nameservers") or ()):
        out += ip_warnings(f"{sp}.dnsConfig.nameservers[{i}]", server)
    for i, alias in enumerate(spec.get("hostAliases") or ()):
        out += ip_warnings(f"{sp}.hostAliases[{i}].ip", alias.get("ip", ""))
    return out


def _duplicates(items: Any, key: str, path: str, what: str) -> list[str]:
    seen: set[Any] = set()
    out = []
    for i, item in enumerate(items):
        value = item.get(key, "")
        if value in seen:
            out.append(f'{path}[{i}].{what}: duplicate {what} "{value}"')
        else:
            seen.add(value)
    return out


def _container_warnings(
    container: Obj, root: str, kind: str, index: int, annotations: Obj, ann: str, pod_profile: Obj | None
) -> list[str]:
    out: list[str] = []
    path = _container_path(root, kind, index) if annotations or len(container.get("env") or ()) > 1 else ""
    name = container.get("name", "")
    security = container.get("securityContext") or {}
    if annotations:
        key = _SECCOMP_CONTAINER + name
        if security.get("seccompProfile") is None and key in annotations:
            out.append(f'{ann}[{key}]: non-functional in v1.27+; use the "seccompProfile" field instead')
        key = APPARMOR_PREFIX + name
        # a pod's own warning comes from the version skew (podapparmor.py), a template's from here
        if root and security.get("appArmorProfile") is None and key in annotations:
            if pod_profile is None or pod_profile != field_for_annotation(annotations[key]):
                out.append(f'{ann}[{key}]: deprecated since v1.30; use the "appArmorProfile" field instead')
    resources = container.get("resources")
    if resources:
        for resource in ("memory", "ephemeral-storage"):
            for part in ("limits", "requests"):
                values = resources.get(part) or {}
                if resource in values and fractional_bytes(values[resource]) is not None:
                    at = f"{_container_path(root, kind, index)}.resources.{part}"
                    out += fractional_warning(at, resource, values[resource])
    env = container.get("env")
    if env and len(env) > 1:
        seen: set[str] = set()
        for i, item in enumerate(env):
            var = item.get("name", "")
            if var not in seen:
                seen.add(var)
                continue
            ref = f"$({var})"
            value = item.get("value", "")
            if item.get("valueFrom") is not None or value == ref or ref not in value:
                out.append(
                    f'{path}.env[{i}]: hides previous definition of "{var}", which may be dropped when using apply'
                )
    return out


class _PortGroup:
    """The earlier ports of one containerPort/protocol, indexed by what kube compares (host IP and port), so
    that a new port finds the ones it conflicts with without comparing with each (kube does: O(ports²))."""

    def __init__(self) -> None:
        self.ports: list[tuple[str, Obj]] = []
        self.zero: list[int] = []  # no host port
        self.exact: dict[tuple[str, int], list[int]] = {}
        self.by_host_port: dict[tuple[int, bool], list[int]] = {}  # (host port, host IP empty)

    def conflicts(self, host_ip: str, host_port: int) -> list[int]:
        """The earlier ports kube would warn about for this one, in their order."""
        if not host_port:
            return list(range(len(self.ports)))  # each is a duplicate or an overlap
        found = [*self.zero, *self.exact.get((host_ip, host_port), ()),
                 *self.by_host_port.get((host_port, bool(host_ip)), ())]  # fmt: skip
        return sorted(set(found))

    def add(self, here: str, port: Obj, host_ip: str, host_port: int) -> None:
        index = len(self.ports)
        self.ports.append((here, port))
        if not host_port:
            self.zero.append(index)
        else:
            self.exact.setdefault((host_ip, host_port), []).append(index)
            self.by_host_port.setdefault((host_port, not host_ip), []).append(index)


def _port_warnings(root: str, containers: list[tuple[Obj, str, int]]) -> list[str]:
    ports = [
        (port, kind, i, j)
        for container, kind, i in containers
        for j, port in enumerate(container.get("ports") or ())
    ]
    out: list[str] = []
    groups: dict[str, _PortGroup] = {}
    for port, kind, i, j in ports:
        host_ip, host_port = port.get("hostIP", ""), port.get("hostPort", 0)
        if host_ip and not host_port and len(out) < MAX_WARNINGS:
            out.append(f"{_container_path(root, kind, i)}.ports[{j}]: hostIP set without hostPort: {_go_port(port)}")
        if len(ports) < 2:
            continue
        here = f"{_container_path(root, kind, i)}.ports[{j}]"
        group = groups.setdefault(f"{port.get('containerPort', 0)}/{port.get('protocol', '')}", _PortGroup())
        for index in group.conflicts(host_ip, host_port) if len(out) < MAX_WARNINGS else ():
            there, other = group.ports[index]
            other_ip, other_port = other.get("hostIP", ""), other.get("hostPort", 0)
            if host_ip == other_ip and host_port == other_port:
                out.append(f"{here}: duplicate port definition with {there}")
            elif not host_port or not other_port:
                out.append(f"{here}: overlapping port definition with {there}")
            else:  # the same host port, one of the two host IPs empty
                out.append(f"{here}: dangerously ambiguous port definition with {there}")
        group.add(here, port, host_ip, host_port)
    names: dict[str, str] = {}
    for port, kind, i, j in ports if len(ports) > 1 else ():
        name = port.get("name")
        if not name:
            continue
        here = f"{_container_path(root, kind, i)}.ports[{j}]"
        if name in names:
            there = names[name]
            out.append(
                f'{here}: duplicate port name "{name}" with {there}, services and probes that select ports by '
                f"name will use {there}"
            )
        else:
            names[name] = here
    return out[:MAX_WARNINGS]


# --- overlapping volume paths (warningsForOverlappingVirtualPaths) -----------------------------------------


class _Paths:
    """checkForOverlap over a growing list of (path, source) items, indexed: an earlier item collides with a
    path when it is the same path, inside it or around it (at "/" boundaries). kube compares each path with
    every earlier one; this looks up the path, its ancestors and what lies under it, so a volume of many
    items costs O(items × depth) rather than O(items²) (100,000 items: hours of the event loop)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.at: dict[str, list[int]] = {}
        self.under: dict[str, list[int]] = {}

    def collisions(self, needle: tuple[str, str]) -> list[tuple[str, str]]:
        path = needle[0]
        if not path:
            return []
        found = [*self.at.get(path, ()), *self.under.get(path, ())]
        for ancestor in _ancestors(path):
            found += self.at.get(ancestor, ())
        return [self.items[i] for i in sorted(set(found))]

    def add(self, item: tuple[str, str]) -> None:
        index = len(self.items)
        self.items.append(item)
        if item[0]:
            self.at.setdefault(item[0], []).append(index)
            for ancestor in _ancestors(item[0]):
                self.under.setdefault(ancestor, []).append(index)


def _ancestors(path: str) -> list[str]:
    """The prefixes of ``path`` that end before one of its "/"."""
    out = []
    at = path.find("/")
    while at >= 0:
        out.append(path[:at])
        at = path.find("/", at + 1)
    return out


def _described(item: tuple[str, str]) -> str:
    return f'"{item[0]}" ({item[1]})' if item[1] else f'"{item[0]}"'


def _collisions(paths: list[tuple[str, str]]) -> list[str]:
    seen = _Paths()
    out: list[str] = []
    for path, source in paths:
        item = (path.rstrip("/"), source)
        if len(out) < MAX_WARNINGS:
            out += [f"{_described(item)} with {_described(c)}" for c in seen.collisions(item)]
        seen.add(item)
    return out[:MAX_WARNINGS]


def _item_paths(items: Any, source: str) -> list[tuple[str, str]]:
    return [(item.get("path", ""), source) for item in items]


def _projection_paths(source: Obj) -> list[tuple[str, str]] | None:
    """One projected source's paths (None: a source with none to check)."""
    if (cm := source.get("configMap")) is not None and cm.get("items") is not None:
        return _item_paths(cm["items"], f'ConfigMap "{cm.get("name", "")}"')
    if (secret := source.get("secret")) is not None and secret.get("items") is not None:
        return _item_paths(secret["items"], f'Secret "{secret.get("name", "")}"')
    if (downward := source.get("downwardAPI")) is not None and downward.get("items") is not None:
        return _item_paths(downward["items"], "DownwardAPI")
    if (token := source.get("serviceAccountToken")) is not None:
        return [(token.get("path", ""), "ServiceAccountToken")]
    if (bundle := source.get("clusterTrustBundle")) is not None:
        name = bundle.get("name") if bundle.get("name") is not None else bundle.get("signerName", "")
        return [(bundle.get("path", ""), f'ClusterTrustBundle "{name}"')]
    if (cert := source.get("podCertificate")) is not None:
        parts = (("certificateChainPath", "chain"), ("keyPath", "key"), ("credentialBundlePath", "credential bundle"))
        return [(cert[k], f"PodCertificate {what}") for k, what in parts if cert.get(k)]
    return None


def overlapping_path_warnings(volumes: Any) -> list[str]:
    out: list[str] = []
    for volume in volumes:
        name = volume.get("name", "")

        def warn(description: str, body: str, name: str = name) -> None:
            out.append(f'volume "{name}" ({description}): overlapping paths: {body}')

        if (cm := volume.get("configMap")) is not None and cm.get("items") is not None:
            for body in _collisions(_item_paths(cm["items"], "")):
                warn(f'ConfigMap "{cm.get("name", "")}"', body)
        if (secret := volume.get("secret")) is not None and secret.get("items") is not None:
            for body in _collisions(_item_paths(secret["items"], "")):
                warn(f'Secret "{secret.get("secretName", "")}"', body)
        if (downward := volume.get("downwardAPI")) is not None and downward.get("items") is not None:
            for body in _collisions(_item_paths(downward["items"], "")):
                warn("DownwardAPI", body)
        projected = volume.get("projected")
        if projected is None:
            continue
        seen = _Paths()
        for source in projected.get("sources") or ():
            if not source:
                out.append(f'volume "{name}" (Projected) has no sources provided')
                continue
            for path, where in _projection_paths(source) or ():
                item = (path.rstrip("/"), where)
                for collision in seen.collisions(item) if len(out) < MAX_WARNINGS else ():
                    warn("Projected", f"{_described(item)} with {_described(collision)}")
                seen.add(item)
    return out
