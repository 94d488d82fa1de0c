"""The Pod Security Standards' checks (k8s.io/pod-security-admission/policy), on pods in storage form.

Each check has a level (baseline or restricted), an ID and versions: the check as it reads from that policy
version on (a ``v1.25`` label evaluates each check's newest version not after 1.25). A restricted check may
override baseline ones (it checks the same fields more strictly). A check returns None when the pod passes,
else (reason, detail): kube's texts, its lists quoted and sorted where kube sorts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.golang import go_quote

Obj = dict[str, Any]
Result = tuple[str, str] | None
CheckFn = Callable[[Obj, Obj], Result]  # (pod metadata, pod spec) -> result
Version = tuple[int, int]

BASELINE, RESTRICTED = "baseline", "restricted"


@dataclass(frozen=True)
class Check:
    id: str
    level: str
    #: (minimum version, the check from then on, the baseline check IDs it overrides)
    versions: tuple[tuple[Version, CheckFn, tuple[str, ...]], ...]


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _quote(items: list[str]) -> str:
    return '"' + '", "'.join(items) + '"' if items else ""


def _containers(spec: Obj) -> Iterator[Obj]:
    """visitContainers: init, regular, then ephemeral containers."""
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(kind) or ()


def _security(item: Obj) -> Obj:
    return item.get("securityContext") or {}


def _windows(spec: Obj) -> bool:
    return (spec.get("os") or {}).get("name") == "windows"


def _user_namespace(spec: Obj) -> bool:
    """relaxPolicyForUserNamespacePod: hostUsers false."""
    return spec.get("hostUsers") is False


def _who(containers: list[str]) -> str:
    return f"{_plural('container', 'containers', len(containers))} {_quote(containers)}"


def _setters(pod_bad: bool, containers: list[str]) -> list[str]:
    out = ["pod"] if pod_bad else []
    if containers:
        out.append(_who(containers))
    return out


def _not_windows(check: CheckFn) -> CheckFn:
    return lambda meta, spec: None if _windows(spec) else check(meta, spec)


def _not_user_namespace(check: CheckFn) -> CheckFn:
    return lambda meta, spec: None if _user_namespace(spec) else check(meta, spec)


# --- baseline -------------------------------------------------------------------------------------------------

_APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def app_armor_profile(meta: Obj, spec: Obj) -> Result:
    bad_setters: list[str] = []
    bad_values: set[str] = set()
    pod_profile = _security(spec).get("appArmorProfile")
    if pod_profile is not None and pod_profile.get("type") not in ("RuntimeDefault", "Localhost"):
        bad_setters.append("pod")
        bad_values.add(pod_profile.get("type") or "")
    bad_containers = []
    for c in _containers(spec):
        profile = _security(c).get("appArmorProfile")
        if profile is not None and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            bad_containers.append(c.get("name", ""))
            bad_values.add(profile.get("type") or "")
    if bad_containers:
        bad_setters.append(_who(bad_containers))
    annotations = sorted(
        f"{k}={go_quote(v)}"
        for k, v in (meta.get("annotations") or {}).items()
        if k.startswith(_APPARMOR_ANNOTATION_PREFIX)
        and not (not v or v == "runtime/default" or v.startswith("localhost/"))
    )
    values = sorted(bad_values) + annotations
    if annotations:
        bad_setters.append(_plural("annotation", "annotations", len(annotations)))
    if not bad_setters:
        return None
    reason = _plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values))
    return reason, f"{' and '.join(bad_setters)} must not set AppArmor profile type to {_quote(values)}"


_DEFAULT_CAPABILITIES = frozenset(
    (
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    )
)


def capabilities_baseline(meta: Obj, spec: Obj) -> Result:
    bad_containers, added = [], set()
    for c in _containers(spec):
        extra = [
            cap for cap in (_security(c).get("capabilities") or {}).get("add") or () if cap not in _DEFAULT_CAPABILITIES
        ]
        if extra:
            bad_containers.append(c.get("name", ""))
            added.update(extra)
    if not bad_containers:
        return None
    detail = f"{_who(bad_containers)} must not include {_quote(sorted(added))} in securityContext.capabilities.add"
    return "non-default capabilities", detail


def host_namespaces(meta: Obj, spec: Obj) -> Result:
    used = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field)]
    return ("host namespaces", ", ".join(used)) if used else None


def host_path_volumes(meta: Obj, spec: Obj) -> Result:
    names = [v.get("name", "") for v in spec.get("volumes") or () if v.get("hostPath") is not None]
    return ("hostPath volumes", f"{_plural('volume', 'volumes', len(names))} {_quote(names)}") if names else None


def host_ports(meta: Obj, spec: Obj) -> Result:
    bad_containers, ports = [], set()
    for c in _containers(spec):
        used = [str(p.get("hostPort")) for p in c.get("ports") or () if p.get("hostPort")]
        if used:
            bad_containers.append(c.get("name", ""))
            ports.update(used)
    if not bad_containers:
        return None
    n = len(bad_containers)
    what = _plural("hostPort", "hostPorts", len(ports))
    detail = f"{_who(bad_containers)} {_plural('uses', 'use', n)} {what} {', '.join(sorted(ports))}"
    return "hostPort", detail


def _hosts(handler: Any) -> list[str]:
    if not isinstance(handler, dict):
        return []
    return [h for key in ("httpGet", "tcpSocket") if (h := (handler.get(key) or {}).get("host"))]


def host_probes_and_lifecycle(meta: Obj, spec: Obj) -> Result:
    bad_containers, hosts = set(), set()
    for c in _containers(spec):
        lifecycle = c.get("lifecycle") or {}
        found = [h for probe in ("livenessProbe", "readinessProbe", "startupProbe") for h in _hosts(c.get(probe))]
        found += [h for hook in ("postStart", "preStop") for h in _hosts(lifecycle.get(hook))]
        if found:
            bad_containers.add(c.get("name", ""))
            hosts.update(found)
    if not bad_containers:
        return None
    n = len(bad_containers)
    what = _plural("probe or lifecycle host", "probe or lifecycle hosts", len(hosts))
    detail = f"{_who(sorted(bad_containers))} {_plural('uses', 'use', n)} {what} {_quote(sorted(hosts))}"
    return "probe or lifecycle host", detail


def privileged(meta: Obj, spec: Obj) -> Result:
    bad = [c.get("name", "") for c in _containers(spec) if _security(c).get("privileged") is True]
    return ("privileged", f"{_who(bad)} must not set securityContext.privileged=true") if bad else None


def proc_mount(meta: Obj, spec: Obj) -> Result:
    bad_containers, types = [], set()
    for c in _containers(spec):
        mount = _security(c).get("procMount")
        if mount is not None and mount != "Default":
            bad_containers.append(c.get("name", ""))
            types.add(mount)
    if not bad_containers:
        return None
    return "procMount", f"{_who(bad_containers)} must not set securityContext.procMount to {_quote(sorted(types))}"


def _se_linux(allowed_types: frozenset[str]) -> CheckFn:
    def check(meta: Obj, spec: Obj) -> Result:
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}

        def valid(options: Obj) -> bool:
            ok = True
            if (options.get("type") or "") not in allowed_types:
                ok = False
                bad_types.add(options.get("type") or "")
            for what in ("user", "role"):
                if options.get(what):
                    ok = False
                    flags[what] = True
            return ok

        pod_options = _security(spec).get("seLinuxOptions")
        pod_bad = pod_options is not None and not valid(pod_options)
        bad_containers = [
            c.get("name", "")
            for c in _containers(spec)
            if (options := _security(c).get("seLinuxOptions")) is not None and not valid(options)
        ]
        setters = _setters(pod_bad, bad_containers)
        if not setters:
            return None
        data = [f"{_plural('type', 'types', len(bad_types))} {_quote(sorted(bad_types))}"] if bad_types else []
        data += [f"{what} may not be set" for what in ("user", "role") if flags[what]]
        detail = f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"
        return "seLinuxOptions", detail

    return check


_SELINUX_1_0 = frozenset(("", "container_t", "container_init_t", "container_kvm_t"))
_SELINUX_1_31 = _SELINUX_1_0 | {"container_engine_t"}

_SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def seccomp_baseline_1_0(meta: Obj, spec: Obj) -> Result:
    annotations = meta.get("annotations") or {}

    def valid(value: str) -> bool:
        return value in ("runtime/default", "docker/default") or value.startswith("localhost/")

    keys = [_SECCOMP_POD_ANNOTATION] + [_SECCOMP_CONTAINER_PREFIX + c.get("name", "") for c in _containers(spec)]
    bad = sorted({f"{k}={go_quote(annotations[k])}" for k in keys if k in annotations and not valid(annotations[k])})
    if not bad:
        return None
    return "seccompProfile", f"forbidden {_plural('annotation', 'annotations', len(bad))} {', '.join(bad)}"


def _seccomp(required: bool) -> CheckFn:
    """seccompProfile_baseline (1.19) and, ``required``, seccompProfile_restricted (1.19)."""

    def check(meta: Obj, spec: Obj) -> Result:
        bad_values: set[str] = set()
        pod_profile = _security(spec).get("seccompProfile")
        pod_bad = pod_profile is not None and pod_profile.get("type") not in ("Localhost", "RuntimeDefault")
        if pod_bad:
            bad_values.add(pod_profile.get("type") or "")
        pod_set = pod_profile is not None and not pod_bad
        explicit, implicit = [], []
        for c in _containers(spec):
            profile = _security(c).get("seccompProfile")
            if profile is not None:
                if profile.get("type") not in ("Localhost", "RuntimeDefault"):
                    explicit.append(c.get("name", ""))
                    bad_values.add(profile.get("type") or "")
            elif not pod_set:
                implicit.append(c.get("name", ""))
        setters = _setters(pod_bad, explicit)
        if setters:
            values = _quote(sorted(bad_values))
            return (
                "seccompProfile",
                f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {values}",
            )
        if required and implicit:
            types = '"RuntimeDefault" or "Localhost"'
            return "seccompProfile", f"pod or {_who(implicit)} must set securityContext.seccompProfile.type to {types}"
        return None

    return check


_SYSCTLS_1_0 = frozenset(
    (
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    )
)
_SYSCTLS_1_27 = _SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_1_29 = _SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
_SYSCTLS_1_32 = _SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}


def _sysctls(allowed: frozenset[str]) -> CheckFn:
    def check(meta: Obj, spec: Obj) -> Result:
        bad = [s.get("name", "") for s in _security(spec).get("sysctls") or () if s.get("name", "") not in allowed]
        return ("forbidden sysctls", ", ".join(bad)) if bad else None

    return check


def windows_host_process(meta: Obj, spec: Obj) -> Result:
    def host_process(item: Obj) -> bool:
        return (_security(item).get("windowsOptions") or {}).get("hostProcess") is True

    setters = _setters(host_process(spec), [c.get("name", "") for c in _containers(spec) if host_process(c)])
    if not setters:
        return None
    return "hostProcess", f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"


# --- restricted -----------------------------------------------------------------------------------------------


def allow_privilege_escalation(meta: Obj, spec: Obj) -> Result:
    bad = [c.get("name", "") for c in _containers(spec) if _security(c).get("allowPrivilegeEscalation") is not False]
    if not bad:
        return None
    return "allowPrivilegeEscalation != false", f"{_who(bad)} must set securityContext.allowPrivilegeEscalation=false"


def capabilities_restricted(meta: Obj, spec: Obj) -> Result:
    missing_drop, adding, forbidden = [], [], set()
    for c in _containers(spec):
        capabilities = _security(c).get("capabilities")
        if capabilities is None:
            missing_drop.append(c.get("name", ""))
            continue
        if "ALL" not in (capabilities.get("drop") or ()):
            missing_drop.append(c.get("name", ""))
        extra = [cap for cap in capabilities.get("add") or () if cap != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c.get("name", ""))
            forbidden.update(extra)
    details = [f'{_who(missing_drop)} must set securityContext.capabilities.drop=["ALL"]'] if missing_drop else []
    if adding:
        details.append(
            f"{_who(adding)} must not include {_quote(sorted(forbidden))} in securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


_ALLOWED_VOLUMES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
#: the volume sources kube names, in the order its switch tests them
_NAMED_VOLUMES = (
    ("hostPath", "hostPath"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("gitRepo", "gitRepo"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("rbd", "rbd"),
    ("flexVolume", "flexVolume"),
    ("cinder", "cinder"),
    ("cephfs", "cephfs"),
    ("flocker", "flocker"),
    ("fc", "fc"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("quobyte", "quobyte"),
    ("azureDisk", "azureDisk"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("scaleIO", "scaleIO"),
    ("storageos", "storageos"),
)


def restricted_volumes(meta: Obj, spec: Obj) -> Result:
    bad, types = [], set()
    for volume in spec.get("volumes") or ():
        if any(volume.get(k) is not None for k in _ALLOWED_VOLUMES):
            continue
        bad.append(volume.get("name", ""))
        types.add(next((name for key, name in _NAMED_VOLUMES if volume.get(key) is not None), "unknown"))
    if not bad:
        return None
    n = len(bad)
    kinds = _plural("restricted volume type", "restricted volume types", len(types))
    detail = (
        f"{_plural('volume', 'volumes', n)} {_quote(bad)} {_plural('uses', 'use', n)} {kinds} {_quote(sorted(types))}"
    )
    return "restricted volume types", detail


def run_as_non_root(meta: Obj, spec: Obj) -> Result:
    pod_value = _security(spec).get("runAsNonRoot")
    pod_bad, pod_non_root = pod_value is False, pod_value is True
    explicit, implicit = [], []
    for c in _containers(spec):
        value = _security(c).get("runAsNonRoot")
        if value is not None:
            if value is False:
                explicit.append(c.get("name", ""))
        elif not pod_non_root:
            implicit.append(c.get("name", ""))
    setters = _setters(pod_bad, explicit)
    if setters:
        return "runAsNonRoot != true", f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return "runAsNonRoot != true", f"pod or {_who(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def run_as_user(meta: Obj, spec: Obj) -> Result:
    pod_bad = _security(spec).get("runAsUser") == 0
    setters = _setters(pod_bad, [c.get("name", "") for c in _containers(spec) if _security(c).get("runAsUser") == 0])
    return ("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0") if setters else None


CHECKS: tuple[Check, ...] = (
    Check(
        "allowPrivilegeEscalation",
        RESTRICTED,
        (((1, 8), allow_privilege_escalation, ()), ((1, 25), _not_windows(allow_privilege_escalation), ())),
    ),
    Check("appArmorProfile", BASELINE, (((1, 0), app_armor_profile, ()),)),
    Check("capabilities_baseline", BASELINE, (((1, 0), capabilities_baseline, ()),)),
    Check(
        "capabilities_restricted",
        RESTRICTED,
        (
            ((1, 22), capabilities_restricted, ("capabilities_baseline",)),
            ((1, 25), _not_windows(capabilities_restricted), ("capabilities_baseline",)),
        ),
    ),
    Check("hostNamespaces", BASELINE, (((1, 0), host_namespaces, ()),)),
    Check("hostPathVolumes", BASELINE, (((1, 0), host_path_volumes, ()),)),
    Check("hostPorts", BASELINE, (((1, 0), host_ports, ()),)),
    Check("hostProbesAndHostLifecycle", BASELINE, (((1, 34), host_probes_and_lifecycle, ()),)),
    Check("privileged", BASELINE, (((1, 0), privileged, ()),)),
    Check("procMount", BASELINE, (((1, 0), proc_mount, ()), ((1, 35), _not_user_namespace(proc_mount), ()))),
    Check("procMount_restricted", RESTRICTED, (((1, 35), proc_mount, ("procMount",)),)),
    Check("restrictedVolumes", RESTRICTED, (((1, 0), restricted_volumes, ("hostPathVolumes",)),)),
    Check(
        "runAsNonRoot", RESTRICTED, (((1, 0), run_as_non_root, ()), ((1, 35), _not_user_namespace(run_as_non_root), ()))
    ),
    Check("runAsUser", RESTRICTED, (((1, 23), run_as_user, ()), ((1, 35), _not_user_namespace(run_as_user), ()))),
    Check("seLinuxOptions", BASELINE, (((1, 0), _se_linux(_SELINUX_1_0), ()), ((1, 31), _se_linux(_SELINUX_1_31), ()))),
    Check("seccompProfile_baseline", BASELINE, (((1, 0), seccomp_baseline_1_0, ()), ((1, 19), _seccomp(False), ()))),
    Check(
        "seccompProfile_restricted",
        RESTRICTED,
        (
            ((1, 19), _seccomp(True), ("seccompProfile_baseline",)),
            ((1, 25), _not_windows(_seccomp(True)), ("seccompProfile_baseline",)),
        ),
    ),
    Check(
        "sysctls",
        BASELINE,
        (
            ((1, 0), _sysctls(_SYSCTLS_1_0), ()),
            ((1, 27), _sysctls(_SYSCTLS_1_27), ()),
            ((1, 29), _sysctls(_SYSCTLS_1_29), ()),
            ((1, 32), _sysctls(_SYSCTLS_1_32), ()),
        ),
    ),
    Check("windowsHostProcess", BASELINE, (((1, 0), windows_host_process, ()),)),
)
