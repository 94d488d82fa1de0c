"""Pods, pod templates and the pod spec every workload embeds (pkg/apis/core/validation: ValidatePodSpec,
ValidatePodTemplateSpec, ValidatePodCreate, ValidatePodUpdate), for the mistakes users meet first: containers,
their names, images, ports, environment, mounts and resources; volumes; the policy enums; the names a spec
refers to; and on update, the pod spec's immutability.

Probes and lifecycle hooks (probes.py), security contexts with sysctls and Windows options (security.py),
affinity and topology spread (placement.py), the OS rules (podos.py), volume sources (volumes.py), the
environment (envvars.py), mounts and devices (mounts.py), resources (resources.py), the pod's annotations
(podannotations.py), the DNS config, host aliases and resource claims are checked too.
"""

from __future__ import annotations

import json
from typing import Any

from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.registry import podupdates
from aiokube.apiserver.registry.validation import (
    envvars,
    mounts,
    placement,
    podannotations,
    podos,
    probes,
    resources,
    security,
    tolerations,
)
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import volumes as volume_sources
from aiokube.apiserver.registry.validation.objectmeta import (
    name_is_dns_subdomain,
    validate_annotations,
    validate_labels,
)

Obj = dict[str, Any]

#: VolumeSource's members in the order validateVolumeSource checks them
VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
    "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
    "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
)  # fmt: skip
PROTOCOLS = ["SCTP", "TCP", "UDP"]
_RESTART_POLICIES = ["Always", "OnFailure", "Never"]
_ISCSI_TOO_LONG = (
    "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters"
    " if iscsi.initiatorName is specified."
)
_DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
_PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
_CONTAINER_RESTART_POLICIES = ["Always", "Never", "OnFailure"]
_RESTART_RULE_ACTIONS = ["Restart", "RestartAllContainers"]
_EXIT_CODE_OPERATORS = ["In", "NotIn"]
_TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
_UPDATABLE_POD_SPEC_FIELDS = ",".join((
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
))  # fmt: skip


def _volumes(volumes: list[Obj], path: str, errs: FieldErrors, pod_name: str | None) -> dict[str, Obj]:
    """ValidateVolumes: one source per volume (checked: volumes.py), DNS-1123 names, unique; returns the valid
    ones by name. ``pod_name``: the pod's (None in a template), which names an ephemeral volume's claim."""
    names: dict[str, Obj] = {}
    for i, vol in enumerate(volumes):
        vpath = f"{path}[{i}]"
        own = FieldErrors()
        count = 0
        name = vol.get("name", "")
        for key in VOLUME_SOURCES:
            source = vol.get(key)
            if source is None:
                continue
            if count:
                own.forbidden(f"{vpath}.{volume_sources.SECOND_SOURCE_PATHS.get(key, key)}",
                              "may not specify more than 1 volume type")  # fmt: skip
            else:
                count += 1
                check = volume_sources.SOURCES.get(key)
                spath = f"{vpath}.{volume_sources.CHECK_PATHS.get(key, key)}"
                if isinstance(source, dict) and key == "image":
                    volume_sources.image_source(source, spath, own, pod=pod_name is not None)
                elif check is not None and isinstance(source, dict):
                    check(source, spath, own)
                if key == "ephemeral" and pod_name and name:
                    for msg in name_is_dns_subdomain(f"{pod_name}-{name}", False):
                        own.invalid(f"{vpath}.name", name, f'PVC name "{pod_name}-{name}": {msg}')
            if key == "iscsi" and isinstance(source, dict) and source.get("initiatorName") is not None:
                if len(f"{name}:{source.get('targetPortal', '')}") > 64:
                    own.invalid(f"{vpath}.name", name, _ISCSI_TOO_LONG)
        if not count:
            own.required(vpath, "must specify a volume type")
        if not name:
            own.required(f"{vpath}.name")
        else:
            f.dns1123_label(name, f"{vpath}.name", own)
        if name in names:
            own.duplicate(f"{vpath}.name", name)
        if own:
            errs.causes.extend(own.causes)
        else:
            names[name] = vol
    return names


def _ports(ports: list[Obj], path: str, errs: FieldErrors) -> None:
    """validateContainerPorts."""
    names: set[str] = set()
    for i, port in enumerate(ports):
        ppath = f"{path}[{i}]"
        name = port.get("name", "")
        if name:
            msgs = f.port_name_errors(name)
            for msg in msgs:
                errs.invalid(f"{ppath}.name", name, msg)
            if not msgs:
                if name in names:
                    errs.duplicate(f"{ppath}.name", name)
                names.add(name)
        container_port = port.get("containerPort", 0)
        if not container_port:
            errs.required(f"{ppath}.containerPort")
        else:
            for msg in f.port_num_errors(container_port):
                errs.invalid(f"{ppath}.containerPort", container_port, msg)
        host_port = port.get("hostPort", 0)
        if host_port:
            for msg in f.port_num_errors(host_port):
                errs.invalid(f"{ppath}.hostPort", host_port, msg)
        protocol = port.get("protocol", "")
        if not protocol:
            errs.required(f"{ppath}.protocol")
        elif protocol not in PROTOCOLS:
            errs.not_supported(f"{ppath}.protocol", protocol, PROTOCOLS)


def _resource_claims(claims: list[Any], path: str, errs: FieldErrors, static: bool = False) -> set[str]:
    """validatePodResourceClaims: names set, unique DNS-1123 labels; exactly one of a claim or a template
    (each a valid name); returns gatherPodResourceClaimNames' set. A static (mirror) pod gets kube's one
    Forbidden per claim instead, on the field kube names ``[]``."""
    names: set[str] = set()
    seen: set[str] = set()
    for i, claim in enumerate(claims):
        if not isinstance(claim, dict):
            continue
        cpath = f"{path}[{i}]"
        name = claim.get("name", "")
        if name:
            names.add(name)
        if static:
            errs.forbidden("[]", "static pods do not support resource claims")
            continue
        if not name:
            errs.required(f"{cpath}.name")
        elif name in seen:
            errs.duplicate(f"{cpath}.name", name)
        else:
            f.dns1123_label(name, f"{cpath}.name", errs)
            seen.add(name)
        claim_name, template = claim.get("resourceClaimName"), claim.get("resourceClaimTemplateName")
        if claim_name is not None and template is not None:
            # kube prints the internal core.PodResourceClaim (Go field names, pointers as their values)
            errs.invalid(cpath, _go_claim(claim), "at most one of `resourceClaimName` or `resourceClaimTemplateName` "
                                                  "may be specified")  # fmt: skip
        if claim_name is None and template is None:
            errs.invalid(cpath, _go_claim(claim), "must specify one of: `resourceClaimName`, "
                                                  "`resourceClaimTemplateName`")  # fmt: skip
        for key in ("resourceClaimName", "resourceClaimTemplateName"):
            if isinstance(claim.get(key), str):
                f.dns1123_subdomain(claim[key], f"{cpath}.{key}", errs)
    return names


def _go_claim(claim: Obj) -> Obj:
    return {"Name": claim.get("name", ""), "ResourceClaimName": claim.get("resourceClaimName"),
            "ResourceClaimTemplateName": claim.get("resourceClaimTemplateName")}  # fmt: skip


def _claim_references(claims: list[Any], pod_claims: set[str], path: str, errs: FieldErrors) -> None:
    """validateResourceClaimNames: a container's ``resources.claims`` name pod claims, each claim (or request
    of it) once."""
    keys: list[str] = []
    for i, claim in enumerate(claims):
        if not isinstance(claim, dict):
            continue
        cpath = f"{path}[{i}]"
        name, request = claim.get("name", ""), claim.get("request", "")
        if not name:
            errs.required(cpath)
            continue
        if name in keys:
            errs.duplicate(cpath, name)
        else:
            key = name
            if request:
                f.dns1123_label(request, f"{cpath}.request", errs)
                key = f"{name}/{request}"
            if key in keys:
                errs.duplicate(cpath, key)
            elif not request:
                for other in keys:
                    if "/" in other and other.split("/", 1)[0] == name:
                        errs.duplicate(cpath, name)
            if key not in keys:
                keys.append(key)
        if name not in pod_claims:
            detail = "must be one of the names in pod.spec.resourceClaims"
            detail += f": {', '.join(sorted(pod_claims))}" if pod_claims else " which is empty"
            errs.causes.append(Cause("FieldValueNotFound", cpath, f'Not found: "{name}": {detail}'))


def _host_aliases(aliases: list[Any], path: str, errs: FieldErrors) -> None:
    """ValidateHostAliases: each alias's IP valid, its hostnames DNS-1123 subdomains."""
    for i, alias in enumerate(aliases):
        if not isinstance(alias, dict):
            continue
        ip = alias.get("ip", "")
        for msg in f.ip_errors(ip):
            errs.invalid(f"{path}[{i}].ip", ip, msg)
        for j, hostname in enumerate(f.list_at(alias, "hostnames")):
            f.dns1123_subdomain(hostname, f"{path}[{i}].hostnames[{j}]", errs)


def _container_common(
    c: Obj, volumes: dict[str, Obj], claims: set[str], host_users: bool, path: str, errs: FieldErrors, restart: Any
) -> None:
    """validateContainerCommon."""
    name = c.get("name", "")
    if not name:
        errs.required(f"{path}.name")
    else:
        f.dns1123_label(name, f"{path}.name", errs)
    if not c.get("image"):
        errs.required(f"{path}.image")
    f.enum(c.get("terminationMessagePolicy"), f"{path}.terminationMessagePolicy", _TERMINATION_MESSAGE_POLICIES, errs)
    _ports(f.list_at(c, "ports"), f"{path}.ports", errs)
    envvars.validate_env(f.list_at(c, "env"), f"{path}.env", errs)
    envvars.validate_env_from(f.list_at(c, "envFrom"), f"{path}.envFrom", errs)
    mounts.validate_mounts(c, volumes, f"{path}.volumeMounts", errs)
    mounts.validate_devices(c, volumes, f"{path}.volumeDevices", errs)
    f.enum(c.get("imagePullPolicy"), f"{path}.imagePullPolicy", _PULL_POLICIES, errs)
    resources.validate_requirements(c.get("resources"), f"{path}.resources", errs)
    _claim_references(f.list_at(f.obj_at(c, "resources"), "claims"), claims, f"{path}.resources.claims", errs)
    _resize_policy(f.list_at(c, "resizePolicy"), f"{path}.resizePolicy", restart, errs)
    security.validate_container_security_context(c.get("securityContext"), host_users, f"{path}.securityContext", errs)


def _resize_policy(policies: list[Any], path: str, restart: Any, errs: FieldErrors) -> None:
    """validateResizePolicy: cpu and memory once each, a known policy, NotRequired under a Never pod (each error
    at the list's path, as kube reports them)."""
    seen: set[str] = set()
    for i, policy in enumerate(policies):
        if not isinstance(policy, dict):
            continue
        name, action = policy.get("resourceName", ""), policy.get("restartPolicy", "")
        if name in seen:
            errs.duplicate(f"{path}[{i}]", name)
        seen.add(name)
        f.enum(name, path, ["cpu", "memory"], errs)
        f.enum(action, path, ["NotRequired", "RestartContainer"], errs)
        if restart == "Never" and action != "NotRequired":
            errs.invalid(path, action, "must be 'NotRequired' when pod `restartPolicy` is 'Never'")


def _container_restart_policy(c: Obj, path: str, errs: FieldErrors) -> None:
    """validateContainerRestartPolicy for a regular container (ContainerRestartRules and
    RestartAllContainersOnContainerExits are on in 1.36): a policy when rules are given, rules with a known
    action and exit codes (at most 20 rules of 255 codes)."""
    policy, rules = c.get("restartPolicy"), f.list_at(c, "restartPolicyRules")
    if policy is None:
        if not rules:
            return
        errs.required(f"{path}.restartPolicy", "must specify restartPolicy when restart rules are used")
    elif policy not in _CONTAINER_RESTART_POLICIES:
        errs.not_supported(f"{path}.restartPolicy", policy, _CONTAINER_RESTART_POLICIES)
    if len(rules) > 20:
        errs.too_many(f"{path}.restartPolicyRules", len(rules), 20)
    for i, rule in enumerate(rules):
        rpath = f"{path}.restartPolicyRules[{i}]"
        rule = rule if isinstance(rule, dict) else {}
        action = rule.get("action", "")
        if action not in _RESTART_RULE_ACTIONS:
            errs.not_supported(f"{rpath}.action", action, _RESTART_RULE_ACTIONS)
        codes = rule.get("exitCodes")
        if isinstance(codes, dict):
            operator = codes.get("operator", "")
            if operator not in _EXIT_CODE_OPERATORS:
                errs.not_supported(f"{rpath}.exitCodes.operator", operator, _EXIT_CODE_OPERATORS)
            values = f.list_at(codes, "values")
            if len(values) > 255:
                errs.too_many(f"{rpath}.exitCodes.values", len(values), 255)
        else:
            errs.required(f"{rpath}.exitCodes", "must be specified")


def _restart_container_init(spec: Obj) -> bool:
    """hasRestartContainerForNonSidecarInitContainer: an init container that is no sidecar restarts on resize."""
    for c in f.list_at(spec, "initContainers"):
        if isinstance(c, dict) and c.get("restartPolicy") != "Always":
            if any(isinstance(p, dict) and p.get("restartPolicy") == "RestartContainer"
                   for p in f.list_at(c, "resizePolicy")):  # fmt: skip
                return True
    return False


def _containers(
    spec: Obj, volumes: dict[str, Obj], claims: set[str], path: str, errs: FieldErrors, old: Obj | None
) -> None:
    """validateContainers and validateInitContainers: names unique across both lists; probes and hooks for
    regular and restartable init containers only; init containers' restart policies and rules as regular
    containers' (ContainerRestartRules is on in 1.36), no RestartContainer resize of an init container that is no
    sidecar (unless the stored spec had one)."""
    containers = f.list_at(spec, "containers")
    if not containers:
        errs.required(f"{path}.containers")
    grace = spec.get("terminationGracePeriodSeconds")
    host_users = spec.get("hostUsers") is not False
    names: set[str] = set()
    for i, c in enumerate(containers):
        cpath = f"{path}.containers[{i}]"
        _container_common(c, volumes, claims, host_users, cpath, errs, spec.get("restartPolicy"))
        name = c.get("name", "")
        if name in names:
            errs.duplicate(f"{cpath}.name", name)
        names.add(name)
        probes.validate_probes(c, grace, cpath, errs)
        _container_restart_policy(c, cpath, errs)
    inits = f.list_at(spec, "initContainers")
    restart_container_ok = bool(inits) and old is not None and _restart_container_init(old)
    for i, c in enumerate(inits):
        cpath = f"{path}.initContainers[{i}]"
        _container_common(c, volumes, claims, host_users, cpath, errs, spec.get("restartPolicy"))
        _container_restart_policy(c, cpath, errs)
        name = c.get("name", "")
        if name in names:
            errs.duplicate(f"{cpath}.name", name)
        elif name:
            names.add(name)
        if c.get("restartPolicy") == "Always":
            probes.validate_probes(c, grace, cpath, errs)
            continue
        for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(key) is not None:
                errs.forbidden(f"{cpath}.{key}", "may not be set for init containers without restartPolicy=Always")
        if not restart_container_ok:
            for j, resize in enumerate(f.list_at(c, "resizePolicy")):
                if isinstance(resize, dict) and resize.get("restartPolicy") == "RestartContainer":
                    errs.invalid(f"{cpath}.resizePolicy[{j}].restartPolicy", "RestartContainer",
                                 "must not be set to 'RestartContainer' for non-sidecar initContainers")  # fmt: skip


def _dns_config(spec: Obj, path: str, errs: FieldErrors) -> None:
    """validatePodDNSConfig: dnsPolicy None needs nameservers; at most 3 nameservers (IPs) and 32 searches
    (subdomains, 2048 characters in all)."""
    config = spec.get("dnsConfig")
    if spec.get("dnsPolicy") == "None":
        if not isinstance(config, dict):
            errs.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")
            return
        if not f.list_at(config, "nameservers"):
            errs.required(f"{path}.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")
            return
    if not isinstance(config, dict):
        return
    nameservers, searches = f.list_at(config, "nameservers"), f.list_at(config, "searches")
    if len(nameservers) > 3:
        errs.invalid(f"{path}.nameservers", nameservers, "must not have more than 3 nameservers")
    for i, server in enumerate(nameservers):
        for msg in f.ip_errors(server):
            errs.invalid(f"{path}.nameservers[{i}]", server, msg)
    if len(searches) > 32:
        errs.invalid(f"{path}.searches", searches, "must not have more than 32 search paths")
    if len(" ".join(str(s) for s in searches)) > 2048:
        errs.invalid(f"{path}.searches", searches,
                     "must not have more than 2048 characters (including spaces) in the search list")  # fmt: skip
    for i, search in enumerate(searches):
        if search != ".":  # AllowRelaxedDNSSearchValidation: underscores allowed
            f.dns1123_subdomain_with_underscore(search.removesuffix("."), f"{path}.searches[{i}]", errs)
    for i, option in enumerate(f.list_at(config, "options")):
        if not (option.get("name") if isinstance(option, dict) else ""):
            errs.required(f"{path}.options[{i}]", "must not be empty")


def validate_pod_spec(
    spec: Obj,
    path: str,
    errs: FieldErrors,
    old: Obj | None = None,
    *,
    static: bool = False,
    pod_name: str | None = None,
) -> None:
    """ValidatePodSpec, the checks users meet first; ``old`` is the stored spec on update (the options kube
    derives from it: GetValidationOptionsFromPodSpecAndMeta); ``static``: a mirror pod's (its annotation);
    ``pod_name``: a pod's name (None: a template's spec)."""
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.required(f"{path}.terminationGracePeriodSeconds")
    volumes = _volumes(f.list_at(spec, "volumes"), f"{path}.volumes", errs, pod_name)
    claims = _resource_claims(f.list_at(spec, "resourceClaims"), f"{path}.resourceClaims", errs, static)
    _containers(spec, volumes, claims, path, errs, old)
    _pod_resources(spec, claims, path, errs)
    _host_network_ports(spec, path, errs, pod=pod_name is not None)
    f.enum(spec.get("restartPolicy"), f"{path}.restartPolicy", _RESTART_POLICIES, errs)
    f.enum(spec.get("dnsPolicy"), f"{path}.dnsPolicy", _DNS_POLICIES, errs)
    validate_labels(spec.get("nodeSelector") or {}, f"{path}.nodeSelector", errs)
    host_sysctls = old is not None and security.has_host_sysctl(old)
    security.validate_pod_security_context(spec, f"{path}.securityContext", errs, host_sysctls=host_sysctls)
    placement.validate_affinity(spec.get("affinity"), f"{path}.affinity", errs)
    _dns_config(spec, f"{path}.dnsConfig", errs)
    for i, gate in enumerate(f.list_at(spec, "readinessGates")):
        condition = gate.get("conditionType", "") if isinstance(gate, dict) else ""
        f.qualified_name(condition, f"{path}.readinessGates[{i}].conditionType", errs)
    _scheduling_gates(f.list_at(spec, "schedulingGates"), f"{path}.schedulingGates", errs)
    placement.validate_topology_spread_constraints(
        f.list_at(spec, "topologySpreadConstraints"), f"{path}.topologySpreadConstraints", errs
    )
    podos.validate_host_process(spec, path, errs)
    _hostname_override(spec, path, errs)
    for key in ("serviceAccountName", "nodeName"):
        if spec.get(key):
            f.dns1123_subdomain(spec[key], f"{path}.{key}", errs)
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= f.MAX_INT32:
        errs.invalid(f"{path}.activeDeadlineSeconds", deadline, f.inclusive_range_error(1, f.MAX_INT32))
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            f.dns1123_label(spec[key], f"{path}.{key}", errs)
    tolerations.validate(f.list_at(spec, "tolerations"), f"{path}.tolerations", errs)
    _host_aliases(f.list_at(spec, "hostAliases"), f"{path}.hostAliases", errs)
    if spec.get("priorityClassName"):
        f.dns1123_subdomain(spec["priorityClassName"], f"{path}.priorityClassName", errs)
    if isinstance(spec.get("overhead"), dict):
        resources.validate_requirements({"limits": spec["overhead"]}, f"{path}.overhead", errs)
    podos.validate_os(spec, path, errs)
    envvars.validate_file_key_volumes(spec, path, errs)


def _pod_resources(spec: Obj, claims: set[str], path: str, errs: FieldErrors) -> None:
    """validatePodResources (PodLevelResources is on in 1.36), without the comparison with the containers'
    aggregate requests and limits."""
    pod_resources = spec.get("resources")
    if not isinstance(pod_resources, dict):
        return
    if f.obj_at(spec, "os").get("name") == "windows":
        errs.forbidden(f"{path}.resources", "may not be set for a windows pod")
        return
    if pod_resources.get("claims") is not None:
        errs.forbidden(f"{path}.resources.claims", "claims may not be set for Resources at pod-level")
    resources.validate_requirements(pod_resources, f"{path}.resources", errs, resources.pod_resource_name)
    _claim_references(f.list_at(pod_resources, "claims"), claims, f"{path}.resources.claims", errs)
    resources.pod_resource_consistency(spec, pod_resources, f"{path}.resources", errs)


def _host_network_ports(spec: Obj, path: str, errs: FieldErrors, *, pod: bool) -> None:
    """validatePodHostNetworkDeps: with the host's network a port is the same on the host (a template may leave
    the host port to the pod's defaulting)."""
    if not spec.get("hostNetwork"):
        return
    for i, c in enumerate(f.list_at(spec, "containers")):
        for j, port in enumerate(f.list_at(c, "ports")):
            host, container = port.get("hostPort", 0), port.get("containerPort", 0)
            if (pod or host) and host != container:
                errs.invalid(f"{path}.containers[{i}].ports[{j}].hostPort", host,
                             "must match `containerPort` when `hostNetwork` is true")  # fmt: skip


def _scheduling_gates(gates: list[Any], path: str, errs: FieldErrors) -> None:
    """validateSchedulingGates: qualified names, no duplicates."""
    seen: set[str] = set()
    for i, gate in enumerate(gates):
        name = gate.get("name", "") if isinstance(gate, dict) else ""
        f.qualified_name(name, f"{path}[{i}]", errs)
        if name in seen:
            errs.duplicate(f"{path}[{i}]", name)
        seen.add(name)


def _hostname_override(spec: Obj, path: str, errs: FieldErrors) -> None:
    """validatePodHostName."""
    override = spec.get("hostnameOverride")
    if not isinstance(override, str):
        return
    if spec.get("setHostnameAsFQDN") is True:
        errs.forbidden(f"{path}.hostnameOverride", "may not be specified when setHostnameAsFQDN is true")
    if spec.get("hostNetwork"):
        errs.forbidden(f"{path}.hostnameOverride", "may not be specified when hostNetwork is true")
    if len(override) > 64:
        errs.too_long(f"{path}.hostnameOverride", 64)
    f.dns1123_subdomain(override, f"{path}.hostnameOverride", errs)


def validate_pod_template_spec(template: Obj, path: str, errs: FieldErrors, old: Obj | None = None) -> None:
    """ValidatePodTemplateSpec: the template's labels and annotations, its spec, no ephemeral containers;
    ``old`` is the stored template on update."""
    meta = f.obj_at(template, "metadata")
    validate_labels(meta.get("labels") or {}, f"{path}.labels", errs)
    annotations = meta.get("annotations") or {}
    validate_annotations(annotations, f"{path}.annotations", errs)
    spec = f.obj_at(template, "spec")
    old_annotations = None if old is None else f.obj_at(f.obj_at(old, "metadata"), "annotations")
    podannotations.validate_annotations(annotations, spec, f"{path}.annotations", old_annotations, errs)
    validate_pod_spec(spec, f"{path}.spec", errs, None if old is None else f.obj_at(old, "spec"))
    podannotations.validate_agreement(annotations, spec, f"{path}.spec", errs)
    if spec.get("ephemeralContainers"):
        errs.forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template")


def _pod_only(spec: Obj, errs: FieldErrors) -> None:
    """validatePodMetadataAndSpec's checks for pods, not templates."""
    if not spec.get("serviceAccountName"):
        for i, vol in enumerate(f.list_at(spec, "volumes")):
            for j, source in enumerate(f.list_at(f.obj_at(vol, "projected"), "sources")):
                if source.get("serviceAccountToken") is not None:
                    errs.forbidden(
                        f"spec.volumes[{i}].projected.sources[{j}].serviceAccountToken",
                        "must not be specified when serviceAccountName is not set",
                    )


def validate_pod(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePodCreate / ValidatePodUpdate (after ObjectMeta's checks). Of metadata it reads only the
    annotations podannotations.read names (registry/validation/verdicts.py keys its memo by them)."""
    spec = f.obj_at(obj, "spec")
    podannotations.validate(obj, old, errs)
    old_spec = None if old is None else f.obj_at(old, "spec")
    name = f.obj_at(obj, "metadata").get("name") or ""
    validate_pod_spec(spec, "spec", errs, old_spec, static=podannotations.is_mirror_pod(obj), pod_name=name)
    _pod_only(spec, errs)
    if old is None:
        if spec.get("ephemeralContainers"):
            errs.forbidden("spec.ephemeralContainers", "cannot be set on create")
        podannotations.validate_create(obj, errs)
        return
    podannotations.validate_update(obj, old, errs)
    _pod_spec_update(spec, f.obj_at(old, "spec"), errs)


def _container_images(new: list[Obj], old: list[Obj], path: str, errs: FieldErrors) -> bool:
    """ValidateContainerUpdates; True when the lists differ in length (kube stops there)."""
    if len(new) != len(old):
        errs.forbidden(path, "pod updates may not add or remove containers")
        return True
    for i, c in enumerate(new):
        image = c.get("image", "")
        if not image:
            errs.required(f"{path}[{i}].image")
        if image.strip() != image:
            errs.invalid(f"{path}[{i}].image", image, "must not have leading or trailing whitespace")
    return False


def _only_added_tolerations(new: list[Obj], old: list[Obj], errs: FieldErrors) -> None:
    """validateOnlyAddedTolerations: an existing toleration stays (its tolerationSeconds may change)."""

    def same(a: Obj, b: Obj) -> bool:
        return {k: v for k, v in a.items() if k != "tolerationSeconds"} == {
            k: v for k, v in b.items() if k != "tolerationSeconds"
        }

    for toleration in old:
        if not any(same(toleration, candidate) for candidate in new):
            errs.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
            return


def _sorted(value: Obj) -> Obj:
    """Keys in one order on both sides, so the diff shows only what changed (Go's struct fields have one)."""
    return json.loads(json.dumps(value, sort_keys=True))


def _pod_spec_update(new: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodUpdate's spec checks: only images, activeDeadlineSeconds, added tolerations and removed
    scheduling gates may change."""
    for key in ("containers", "initContainers"):
        if _container_images(f.list_at(new, key), f.list_at(old, key), f"spec.{key}", errs):
            return
    new_deadline, old_deadline = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if new_deadline is not None:
        if not 0 <= new_deadline <= f.MAX_INT32:
            errs.invalid("spec.activeDeadlineSeconds", new_deadline, f.inclusive_range_error(0, f.MAX_INT32))
            return
        if old_deadline is not None and old_deadline < new_deadline:
            errs.invalid("spec.activeDeadlineSeconds", new_deadline, "must be less than or equal to previous value")
            return
    elif old_deadline is not None:
        errs.invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value")
    _only_added_tolerations(f.list_at(new, "tolerations"), f.list_at(old, "tolerations"), errs)
    if new == old:
        return
    munged = dict(new)
    for key in ("containers", "initContainers"):
        if key in new:
            munged[key] = [
                {**c, "image": o.get("image")} if "image" in o else {k: v for k, v in c.items() if k != "image"}
                for c, o in zip(f.list_at(new, key), f.list_at(old, key), strict=True)
            ]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(key, None)
        if key in old:
            munged[key] = old[key]
    grace, old_grace = munged.get("terminationGracePeriodSeconds"), old.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != old:
        diff = podupdates.go_struct_diff(_sorted(old), _sorted(munged))
        errs.forbidden("spec", f"pod updates may not change fields other than {_UPDATABLE_POD_SPEC_FIELDS}\n{diff}")
