"""What a write through ``pods/status`` may carry (pkg/apis/core/validation ValidatePodStatusUpdate, the parts a
kubelet or scheduler stand-in meets): condition types and observed generations, the nominated node, the QoS
class that never changes, containers that may not leave the terminated state (their restart policies and rules
decide), the resource claim statuses, the pod and host IPs (valid, one per family; the v1 ``podIP``/``hostIP``
fill the lists as kube's conversion does), the containers' reported Linux users, their allocated resources'
health (names of the container's requests or claims, known health values, unique resource IDs). Volume mount
statuses are not checked: kube checks them only with ImageVolumeWithDigest, off in 1.36."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_SYSTEM_CONDITIONS = ("PodScheduled", "Ready", "Initialized")
_NON_NEGATIVE = "must be a non-negative integer"


def _ips(status: Obj, key: str) -> list[str]:
    """The internal PodIPs/HostIPs: v1's list, else its single field."""
    ips = [item.get("ip", "") for item in f.list_at(status, f"{key}s") if isinstance(item, dict)]
    if not ips and status.get(key):
        return [status[key]]
    return ips


def _ip_list(ips: list[str], old_ips: list[str], path: str, errs: FieldErrors) -> None:
    """validatePodIPs / validateHostIPs: new IPs valid (old invalid ones may stay), one per family."""
    for i, ip in enumerate(ips):
        if ip not in old_ips:
            for msg in f.ip_errors(ip):
                errs.invalid(f"{path}[{i}]", ip, msg)
    if len(ips) > 1:
        unparsable = next((i for i, ip in enumerate(ips) if f.ip_errors(ip) == [f.IP_MSG]), None)
        if unparsable is not None:  # netutils.IsDualStackIPStrings' error
            detail = f"invalid IP[{unparsable}]: {ips[unparsable]}"
            errs.internal(path, f"failed to check for dual stack with error:{detail}")
        families = {":" in ip for ip in ips}
        if unparsable is not None or len(families) != 2 or len(ips) > 2:
            # kube prints the internal []core.PodIP / []core.HostIP (Go field names)
            errs.invalid(path, [{"IP": ip} for ip in ips], "may specify no more than one IP for each IP family")


_NOT_TERMINATED = "may not be transitioned to non-terminated state"


def _terminated(status: Any) -> Obj | None:
    state = f.obj_at(f.obj_at(status, "state"), "terminated")
    return state if isinstance(f.obj_at(status, "state").get("terminated"), dict) else None


def _matching_rule(container: Obj, exit_code: int) -> Obj | None:
    """FindMatchingContainerRestartRule."""
    for rule in f.list_at(container, "restartPolicyRules"):
        codes = f.obj_at(rule, "exitCodes")
        if not codes:
            continue
        matched = exit_code in f.list_at(codes, "values")
        operator = codes.get("operator")
        if (operator == "In" and matched) or (operator == "NotIn" and not matched):
            return rule
    return None


def _should_restart(container: Obj, spec: Obj, exit_code: int) -> bool:
    """podutil.ContainerShouldRestart (RestartAllContainersOnContainerExits is on in 1.36)."""
    policy = container.get("restartPolicy")
    if policy is not None:
        rule = _matching_rule(container, exit_code)
        if rule is not None and rule.get("action") in ("Restart", "RestartAllContainers"):
            return True
        if policy == "Always":
            return True
        if policy == "OnFailure":
            return exit_code != 0
        if policy == "Never":
            return False
    pod_policy = spec.get("restartPolicy")
    if pod_policy == "OnFailure":
        return exit_code != 0
    return pod_policy != "Never"


def _all_could_restart(spec: Obj) -> bool:
    """podutil.AllContainersCouldRestart: some container has a RestartAllContainers rule."""
    return any(
        rule.get("action") == "RestartAllContainers"
        for key in ("initContainers", "containers")
        for c in f.list_at(spec, key)
        for rule in f.list_at(c, "restartPolicyRules")
    )


def _state_transitions(status: Obj, old_status: Obj, spec: Obj, errs: FieldErrors) -> None:
    """ValidateContainerStateTransition and its init and ephemeral twins (the ContainerRestartRules gate is on
    in 1.36): a terminated container may only leave that state if it would be restarted."""
    for key, spec_key in (("containerStatuses", "containers"), ("initContainerStatuses", "initContainers")):
        if _all_could_restart(spec):
            continue
        new_statuses = [s for s in f.list_at(status, key) if isinstance(s, dict)]
        for i, old_st in enumerate(f.list_at(old_status, key)):
            terminated = _terminated(old_st)
            if terminated is None:
                continue
            name = old_st.get("name", "")
            for new_st in new_statuses:
                if new_st.get("name", "") == name and _terminated(new_st) is None:
                    container = next((c for c in f.list_at(spec, spec_key) if c.get("name", "") == name), None)
                    code = terminated.get("exitCode", 0)
                    if container is None or not _should_restart(container, spec, code if isinstance(code, int) else 0):
                        errs.forbidden(f"status.{key}[{i}].state", _NOT_TERMINATED)
                    break
    new_statuses = [s for s in f.list_at(status, "ephemeralContainerStatuses") if isinstance(s, dict)]
    for i, old_st in enumerate(f.list_at(old_status, "ephemeralContainerStatuses")):
        if _terminated(old_st) is None:
            continue
        for new_st in new_statuses:
            if new_st.get("name", "") == old_st.get("name", "") and _terminated(new_st) is None:
                errs.forbidden(f"status.ephemeralContainerStatuses[{i}].state", _NOT_TERMINATED)


def _claim_statuses(status: Obj, spec: Obj, errs: FieldErrors) -> None:
    """validatePodResourceClaimStatuses: each names a claim of the spec, once; a valid generated claim name."""
    pod_claims = {c.get("name", "") for c in f.list_at(spec, "resourceClaims") if isinstance(c, dict)}
    seen: set[str] = set()
    for i, claim in enumerate(f.list_at(status, "resourceClaimStatuses")):
        if not isinstance(claim, dict):
            continue
        path = f"status.resourceClaimStatuses[{i}]"
        name = claim.get("name", "")
        if name not in pod_claims:
            errs.invalid(f"{path}.name", name, "must match the name of an entry in `spec.resourceClaims`")
        if name in seen:
            errs.duplicate(f"{path}.name", name)
        seen.add(name)
        if isinstance(claim.get("resourceClaimName"), str):
            f.dns1123_subdomain(claim["resourceClaimName"], f"{path}.resourceClaimName", errs)


def _id(value: Any, path: str, errs: FieldErrors) -> None:
    if isinstance(value, int) and not 0 <= value <= f.MAX_INT32:
        errs.invalid(path, value, f.inclusive_range_error(0, f.MAX_INT32))


def _container_users(status: Obj, spec: Obj, errs: FieldErrors) -> None:
    """validateContainerStatusUsers: a windows pod reports no Linux user; a Linux user's ids are valid."""
    os_name = f.obj_at(spec, "os").get("name", "") if isinstance(spec.get("os"), dict) else "linux"
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for i, st in enumerate(f.list_at(status, key)):
            user = f.obj_at(st, "user")
            if not isinstance(f.obj_at(st, "user").get("linux"), dict):
                continue
            path = f"status.{key}[{i}].user.linux"
            if os_name == "windows":
                errs.forbidden(path, "cannot be set for a windows pod")
            elif os_name == "linux":
                linux = user["linux"]
                _id(linux.get("uid", 0), f"{path}.uid", errs)
                _id(linux.get("gid", 0), f"{path}.gid", errs)
                for j, gid in enumerate(f.list_at(linux, "supplementalGroups")):
                    _id(gid, f"{path}.supplementalGroups[{j}]", errs)


_EXTENDED = "status.extendedResourceClaimStatus"
_NO_REQUEST = (
    "must match the extended resource name of an entry in spec.initContainers.resources.requests or "
    "spec.containers.resources.requests"
)
_NO_CONTAINER = "must match the name of an entry in spec.initContainers.name or spec.containers.name"


def _extended_claim_status(status: Obj, spec: Obj, errs: FieldErrors) -> None:
    """validatePodExtendedResourceClaimStatus (DRAExtendedResource): request mappings of the pod's containers'
    requests, unique, with DNS-label request names (kube reports those at the status's own ``requestName``), and a
    claim name."""
    ext = status.get("extendedResourceClaimStatus")
    if not isinstance(ext, dict):
        return
    containers = {c.get("name"): c for key in ("initContainers", "containers") for c in f.list_at(spec, key)
                  if isinstance(c, dict)}  # fmt: skip
    mappings = f.list_at(ext, "requestMappings")
    if not mappings:
        errs.required(f"{_EXTENDED}.requestMappings", "at least one request mapping is required")
    seen: set[tuple[Any, Any, Any]] = set()
    for i, mapping in enumerate(mappings):
        mapping = mapping if isinstance(mapping, dict) else {}
        path = f"{_EXTENDED}.requestMappings[{i}]"
        container, resource = mapping.get("containerName", ""), mapping.get("resourceName", "")
        request = mapping.get("requestName", "")
        if container in containers:
            if resource not in f.obj_at(f.obj_at(containers[container], "resources"), "requests"):
                errs.invalid(f"{path}.resourceName", resource, _NO_REQUEST)
        else:
            errs.invalid(f"{path}.containerName", container, _NO_CONTAINER)
        f.dns1123_label(request, f"{_EXTENDED}.requestName", errs)
        if (container, resource, request) in seen:
            errs.duplicate(f"{path}.containerName", container)
            errs.duplicate(f"{path}.resourceName", resource)
            errs.duplicate(f"{path}.requestName", request)
        seen.add((container, resource, request))
    name = ext.get("resourceClaimName", "")
    if not name:
        errs.required(f"{_EXTENDED}.resourceClaimName")
    else:
        f.dns1123_subdomain(name, f"{_EXTENDED}.resourceClaimName", errs)


_HEALTH = ["Healthy", "Unhealthy", "Unknown"]
_HEALTH_MESSAGE_MAX = 1024


def _allocated_name_error(name: Any, container: Obj) -> str | None:
    """An allocated resource's name: one of the container's claims (claim:<name>[/<request>]) or requests."""
    resources = f.obj_at(container, "resources")
    if isinstance(name, str) and name.startswith("claim:"):
        claims = [c for c in f.list_at(resources, "claims") if isinstance(c, dict)]
        known = {"claim:" + c.get("name", "") + (f"/{c['request']}" if c.get("request") else "") for c in claims}
        if name not in known:
            return ("must match one of the container's resource claims in a format 'claim:<claimName>/<request>' "
                    "or 'claim:<claimName>' if request is empty")  # fmt: skip
        return None
    return None if name in f.obj_at(resources, "requests") else "must match one of the container's resource requests"


def _allocated_resources(status: Obj, spec: Obj, key: str, errs: FieldErrors) -> None:
    """validateContainerStatusAllocatedResourcesStatus (ephemeral containers may have none)."""
    containers = {c.get("name"): c for c in f.list_at(spec, _SPEC_LISTS[key]) if isinstance(c, dict)}
    for i, cs in enumerate(f.list_at(status, key)):
        allocated = f.list_at(cs, "allocatedResourcesStatus") if isinstance(cs, dict) else []
        if key == "ephemeralContainerStatuses":
            if allocated:
                errs.forbidden(
                    f"status.{key}[{i}].allocatedResourcesStatus", "must not be specified in container status"
                )
            continue
        container = containers.get(cs.get("name")) if allocated else None
        for j, resource in enumerate(allocated):
            resource = resource if isinstance(resource, dict) else {}
            path = f"status.{key}[{i}].allocatedResourcesStatus[{j}]"
            if container is not None and (error := _allocated_name_error(resource.get("name", ""), container)):
                errs.invalid(f"{path}.name", resource.get("name", ""), error)
            seen: set[Any] = set()
            for k, health in enumerate(f.list_at(resource, "resources")):
                health = health if isinstance(health, dict) else {}
                hpath = f"{path}.resources[{k}]"
                if health.get("health", "") not in _HEALTH:
                    errs.not_supported(f"{hpath}.health", health.get("health", ""), _HEALTH)
                message = health.get("message")
                if message == "":
                    errs.required(f"{hpath}.message", "must be non-empty if specified")
                elif isinstance(message, str) and len(message.encode()) > _HEALTH_MESSAGE_MAX:
                    errs.too_long(f"{hpath}.message", _HEALTH_MESSAGE_MAX)
                rid = health.get("resourceID", "")
                if rid in seen:
                    errs.duplicate(f"{hpath}.resourceID", rid)
                seen.add(rid)


_SPEC_LISTS = {"containerStatuses": "containers", "initContainerStatuses": "initContainers",
               "ephemeralContainerStatuses": "ephemeralContainers"}  # fmt: skip


def validate_pod_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePodStatusUpdate's checks of the status."""
    status, old_status = f.obj_at(obj, "status"), f.obj_at(old, "status")
    for i, condition in enumerate(f.list_at(status, "conditions")):
        if not isinstance(condition, dict):
            continue
        generation = condition.get("observedGeneration", 0)
        if isinstance(generation, int) and generation < 0:
            errs.invalid(f"status.conditions[{i}].observedGeneration", generation, _NON_NEGATIVE)
        kind = condition.get("type", "")
        if kind not in _SYSTEM_CONDITIONS:
            f.qualified_name(kind, f"status.conditions[{i}].Type", errs)
    nominated = status.get("nominatedNodeName", "")
    if nominated and nominated != old_status.get("nominatedNodeName", ""):
        f.dns1123_subdomain(nominated, "status.nominatedNodeName", errs)
        if f.obj_at(old, "spec").get("nodeName"):
            errs.forbidden("status.nominatedNodeName", "may not be set on pods that are already bound to a node")
    generation = status.get("observedGeneration", 0)
    if isinstance(generation, int) and generation < 0:
        errs.invalid("status.observedGeneration", generation, _NON_NEGATIVE)
    f.immutable(status.get("qosClass"), old_status.get("qosClass"), "status.qosClass", errs)
    spec = f.obj_at(obj, "spec")
    _state_transitions(status, old_status, f.obj_at(old, "spec"), errs)
    _claim_statuses(status, spec, errs)
    _extended_claim_status(status, spec, errs)
    _ip_list(_ips(status, "podIP"), _ips(old_status, "podIP"), "status.podIPs", errs)
    host_ips = _ips(status, "hostIP")
    if host_ips:
        if status.get("hostIP", "") != host_ips[0]:
            errs.invalid("status.hostIPs[0].ip", host_ips[0], "must be equal to `hostIP`")
        _ip_list(host_ips, _ips(old_status, "hostIP"), "status.hostIPs", errs)
    _container_users(status, spec, errs)
    for key in _SPEC_LISTS:
        _allocated_resources(status, spec, key, errs)
