"""Server-side printing (``kubectl get`` columns) of the built-in types, as kube-apiserver 1.36 prints them.

A port of k8s.io/kubernetes/pkg/printers/internalversion/printers.go (``AddHandlers`` and the ``print<Kind>``
functions) plus the apimachinery helpers its cells go through (``duration.HumanDuration``, label and
selector formatting, ``resource.Quantity.String``). kube prints the *internal* object it decoded from etcd,
i.e. after v1 defaulting and v1→internal conversion; aiokube keeps objects as clients sent them, so the row
functions apply the few defaults and conversions a cell depends on (e.g. a Service without ``type`` prints
``ClusterIP``, ``status.podIP`` wins over ``status.podIPs``) to print what kube would print for the same write.

:data:`BUILTIN_PRINTERS` maps (API group, resource) to (column definitions, row function). Row functions take
the object in its v1 JSON form and an optional ``now`` (so AGE cells are testable) and return the cells as kube
does: strings, and Go integers as Python ints (JSON numbers). Like kube's server-side ``TableConvertor`` they
always produce the wide (priority 1) cells.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokube.apiserver.golang import SECOND, duration_ns, human_duration
from aiokube.apiserver.printers.columns import CREATION_DESCRIPTION, NAME_DESCRIPTION, Column, Obj, Printer, column
from aiokube.apiserver.quantity import parse_quantity
from aiokube.apiserver.registry.labelselector import InvalidSelector, label_selector_string

# Column descriptions: the API types' swagger docs (k8s.io/api 1.36 types_swagger_doc_generated.go), keyed
# "Type.field" exactly as printers.go looks them up (``apiv1.PodStatus{}.SwaggerDoc()["podIP"]``...).
_DOC: dict[str, str] = {
    "PodStatus.podIP": (
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."
    ),
    "PodSpec.nodeName": (
        "NodeName indicates in which node this pod is scheduled. If empty, this pod"
        " is a candidate for scheduling by the scheduler defined in schedulerName."
        " Once this field is set, the kubelet for this node becomes responsible for"
        " the lifecycle of this pod. This field should not be used to express a"
        " desire for the pod to be scheduled on a specific node."
        " https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
    ),
    "PodStatus.nominatedNodeName": (
        "nominatedNodeName is set only when this pod preempts other pods on the node,"
        " but it cannot be scheduled right away as preemption victims receive their"
        " graceful termination periods. This field does not guarantee that the pod"
        " will be scheduled on this node. Scheduler may decide to place the pod"
        " elsewhere if other nodes become available sooner. Scheduler may also decide"
        " to give the resources on this node to a higher priority pod that is created"
        " after preemption. As a result, this field may be different than"
        " PodSpec.nodeName when the pod is scheduled."
    ),
    "PodSpec.readinessGates": (
        "If specified, all readiness gates will be evaluated for pod readiness. A pod"
        " is ready when all its containers are ready AND all conditions specified in"
        ' the readiness gates have status equal to "True" More info:'
        " https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
    ),
    "ReplicaSetSpec.replicas": (
        "Replicas is the number of desired pods. This is a pointer to distinguish"
        " between explicit zero and unspecified. Defaults to 1. More info:"
        " https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicaSetStatus.replicas": (
        "Replicas is the most recently observed number of non-terminating pods. More"
        " info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicaSetStatus.readyReplicas": (
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."
    ),
    "ReplicaSetSpec.selector": (
        "Selector is a label query over pods that should match the replica count."
        " Label keys and values that must match in order to be controlled by this"
        " replica set. It must match the pod template's labels. More info:"
        " https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "DaemonSetStatus.desiredNumberScheduled": (
        "The total number of nodes that should be running the daemon pod (including"
        " nodes correctly running the daemon pod). More info:"
        " https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.currentNumberScheduled": (
        "The number of nodes that are running at least 1 daemon pod and are supposed"
        " to run the daemon pod. More info:"
        " https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.numberReady": (
        "numberReady is the number of nodes that should be running the daemon pod and"
        " have one or more of the daemon pod running with a Ready Condition."
    ),
    "DaemonSetStatus.updatedNumberScheduled": "The total number of nodes that are running updated daemon pod",
    "DaemonSetStatus.numberAvailable": (
        "The number of nodes that should be running the daemon pod and have one or"
        " more of the daemon pod running and available (ready for at least"
        " spec.minReadySeconds)"
    ),
    "PodSpec.nodeSelector": (
        "NodeSelector is a selector which must be true for the pod to fit on a node."
        " Selector which must match a node's labels for the pod to be scheduled on"
        " that node. More info:"
        " https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"
    ),
    "DaemonSetSpec.selector": (
        "A label query over pods that are managed by the daemon set. Must match in"
        " order to be controlled. It must match the pod template's labels. More info:"
        " https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "JobStatus.succeeded": (
        "The number of pods which reached phase Succeeded. The value increases"
        " monotonically for a given spec. However, it may decrease in reaction to"
        " scale down of elastic indexed jobs."
    ),
    "JobSpec.selector": (
        "A label query over pods that should match the pod count. Normally, the"
        " system sets this field for you. More info:"
        " https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "ServiceSpec.type": (
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid"
        " options are ExternalName, ClusterIP, NodePort, and LoadBalancer."
        ' "ClusterIP" allocates a cluster-internal IP address for load-balancing to'
        " endpoints. Endpoints are determined by the selector or if that is not"
        " specified, by manual construction of an Endpoints object or EndpointSlice"
        ' objects. If clusterIP is "None", no virtual IP is allocated and the'
        " endpoints are published as a set of endpoints rather than a virtual IP."
        ' "NodePort" builds on ClusterIP and allocates a port on every node which'
        ' routes to the same endpoints as the clusterIP. "LoadBalancer" builds on'
        " NodePort and creates an external load-balancer (if supported in the current"
        " cloud) which routes to the same endpoints as the clusterIP."
        ' "ExternalName" aliases this service to the specified externalName.'
        " Several other fields do not apply to ExternalName services. More info:"
        " https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"
    ),
    "ServiceSpec.clusterIP": (
        "clusterIP is the IP address of the service and is usually assigned randomly."
        " If an address is specified manually, is in-range (as per system"
        " configuration), and is not in use, it will be allocated to the service;"
        " otherwise creation of the service will fail. This field may not be changed"
        " through updates unless the type field is also being changed to ExternalName"
        " (which requires this field to be blank) or the type field is being changed"
        " from ExternalName (in which case this field may optionally be specified, as"
        ' describe above).  Valid values are "None", empty string (""), or a'
        ' valid IP address. Setting this to "None" makes a "headless service" (no'
        " virtual IP), which is useful when direct endpoint connections are preferred"
        " and proxying is not required.  Only applies to types ClusterIP, NodePort,"
        " and LoadBalancer. If this field is specified when creating a Service of"
        " type ExternalName, creation will fail. This field will be wiped when"
        " updating a Service to type ExternalName. More info:"
        " https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.externalIPs": (
        "externalIPs is a list of IP addresses for which nodes in the cluster will"
        " also accept traffic for this service.  These IPs are not managed by"
        " Kubernetes.  The user is responsible for ensuring that traffic arrives at a"
        " node with this IP.  A common example is external load-balancers that are"
        " not part of the Kubernetes system."
    ),
    "ServiceSpec.ports": (
        "The list of ports that are exposed by this service. More info:"
        " https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.selector": (
        "Route service traffic to pods with label keys and values matching this"
        " selector. If empty or not present, the service is assumed to have an"
        " external process managing its endpoints, which Kubernetes will not modify."
        " Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if"
        " type is ExternalName. More info:"
        " https://kubernetes.io/docs/concepts/services-networking/service/"
    ),
    "Endpoints.subsets": (
        "The set of all endpoints is the union of all subsets. Addresses are placed"
        " into subsets according to the IPs they share. A single address with"
        " multiple ports, some of which are ready and some of which are not (because"
        " they come from different containers) will result in the address being"
        " displayed in different subsets for the different ports. No address will"
        " appear in both Addresses and NotReadyAddresses in the same subset. Sets of"
        " addresses and ports that comprise a service."
    ),
    "NodeSystemInfo.kubeletVersion": "Kubelet Version reported by the node.",
    "NodeStatus.addresses": (
        "List of addresses reachable to the node. Queried from cloud provider, if"
        " available. More info:"
        " https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This"
        " field is declared as mergeable, but the merge key is not sufficiently"
        " unique, which can cause data corruption when it is merged. Callers should"
        " instead use a full-replacement patch. See https://pr.k8s.io/79391 for an"
        " example. Consumers should assume that addresses can change during the"
        " lifetime of a Node. However, there are some exceptions where this may not"
        " be possible, such as Pods that inherit a Node's address in its own status"
        " or consumers of the downward API (status.hostIP)."
    ),
    "NodeSystemInfo.osImage": "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    "NodeSystemInfo.kernelVersion": "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    "NodeSystemInfo.containerRuntimeVersion": (
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."
    ),
    "Event.lastTimestamp": "The time at which the most recent occurrence of this event was recorded.",
    "Event.type": "Type of this event (Normal, Warning), new types could be added in the future",
    "Event.reason": (
        "This should be a short, machine understandable string that gives the reason"
        " for the transition into the object's current status."
    ),
    "Event.involvedObject": "The object that this event is about.",
    "ObjectReference.fieldPath": (
        "If referring to a piece of an object instead of an entire object, this"
        " string should contain a valid JSON/Go field access statement, such as"
        " desiredState.manifest.containers[2]. For example, if the object reference"
        " is to a container within a pod, this would take on a value like:"
        ' "spec.containers{name}" (where "name" refers to the name of the'
        " container that triggered the event) or if no container name is specified"
        ' "spec.containers[2]" (container with index 2 in this pod). This syntax is'
        " chosen only to have some well-defined way of referencing a part of an"
        " object."
    ),
    "Event.source": "The component reporting this event. Should be a short machine understandable string.",
    "Event.message": "A human-readable description of the status of this operation.",
    "Event.firstTimestamp": "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    "Event.count": "The number of times this event has occurred.",
    "Secret.type": (
        "Used to facilitate programmatic handling of secret data. More info:"
        " https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"
    ),
    "Secret.data": (
        "Data contains the secret data. Each key must consist of alphanumeric"
        " characters, '-', '_' or '.'. The serialized form of the secret data is a"
        " base64 encoded string, representing the arbitrary (possibly non-string)"
        " data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"
    ),
    "PersistentVolumeSpec.capacity": (
        "capacity is the description of the persistent volume's resources and"
        " capacity. More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"
    ),
    "PersistentVolumeSpec.accessModes": (
        "accessModes contains all ways the volume can be mounted. More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"
    ),
    "PersistentVolumeSpec.persistentVolumeReclaimPolicy": (
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume"
        " when released from its claim. Valid options are Retain (default for"
        " manually created PersistentVolumes), Delete (default for dynamically"
        " provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be"
        " supported by the volume plugin underlying this PersistentVolume. More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"
    ),
    "PersistentVolumeStatus.phase": (
        "phase indicates if a volume is available, bound to a claim, or released by a"
        " claim. More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"
    ),
    "PersistentVolumeSpec.claimRef": (
        "claimRef is part of a bi-directional binding between PersistentVolume and"
        " PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName"
        " is the authoritative bind between PV and PVC. More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"
    ),
    "PersistentVolumeStatus.reason": (
        "reason is a brief CamelCase string that describes any failure and is meant"
        " for machine parsing and tidy display in the CLI."
    ),
    "PersistentVolumeSpec.volumeMode": (
        "volumeMode defines if a volume is intended to be used with a formatted"
        " filesystem or to remain in raw block state. Value of Filesystem is implied"
        " when not included in spec."
    ),
    "PersistentVolumeClaimStatus.phase": "phase represents the current phase of PersistentVolumeClaim.",
    "PersistentVolumeClaimSpec.volumeName": (
        "volumeName is the binding reference to the PersistentVolume backing this claim."
    ),
    "PersistentVolumeClaimStatus.capacity": "capacity represents the actual resources of the underlying volume.",
    "PersistentVolumeClaimStatus.accessModes": (
        "accessModes contains the actual access modes the volume backing the PVC has."
        " More info:"
        " https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"
    ),
    "PersistentVolumeClaimSpec.volumeMode": (
        "volumeMode defines what type of volume is required by the claim. Value of"
        " Filesystem is implied when not included in claim spec."
    ),
    "DeploymentStatus.updatedReplicas": (
        "Total number of non-terminating pods targeted by this deployment that have the desired template spec."
    ),
    "DeploymentStatus.availableReplicas": (
        "Total number of available non-terminating pods (ready for at least"
        " minReadySeconds) targeted by this deployment."
    ),
    "DeploymentSpec.selector": (
        "Label selector for pods. Existing ReplicaSets whose pods are selected by"
        " this will be the ones affected by this deployment. It must match the pod"
        " template's labels."
    ),
    "ConfigMap.data": (
        "Data contains the configuration data. Each key must consist of alphanumeric"
        " characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use"
        " the BinaryData field. The keys stored in Data must not overlap with the"
        " keys in the BinaryData field, this is enforced during validation process."
    ),
    "RoleBinding.roleRef": (
        "RoleRef can reference a Role in the current namespace or a ClusterRole in"
        " the global namespace. If the RoleRef cannot be resolved, the Authorizer"
        " must return an error."
    ),
    "ClusterRoleBinding.roleRef": (
        "RoleRef can only reference a ClusterRole in the global namespace. If the"
        " RoleRef cannot be resolved, the Authorizer must return an error."
    ),
    "LeaseSpec.holderIdentity": (
        "holderIdentity contains the identity of the holder of a current lease. If"
        " Coordinated Leader Election is used, the holder identity must be equal to"
        " the elected LeaseCandidate.metadata.name field."
    ),
    "EndpointSlice.addressType": (
        "addressType specifies the type of address carried by this EndpointSlice. All"
        " addresses in this slice must be the same type. This field is immutable"
        " after creation. The following address types are currently supported: *"
        " IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. *"
        " FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The"
        " EndpointSlice controller only generates, and kube-proxy only processes,"
        ' slices of addressType "IPv4" and "IPv6". No semantics are defined for'
        ' the "FQDN" type.'
    ),
    "EndpointSlice.ports": (
        "ports specifies the list of network ports exposed by each endpoint in this"
        " slice. Each port must have a unique name. Each slice may include a maximum"
        " of 100 ports. Services always have at least 1 port, so EndpointSlices"
        " generated by the EndpointSlice controller will likewise always have at"
        " least 1 port. EndpointSlices used for other purposes may have an empty"
        " ports list."
    ),
    "EndpointSlice.endpoints": (
        "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."
    ),
}


# --- times and durations -------------------------------------------------------------------------------------

_SECOND = SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))")


ZERO_TIME = duration_ns(datetime(1, 1, 1, tzinfo=UTC) - _EPOCH)


def parse_time(value: Any) -> int:
    """A metav1.Time/MicroTime JSON value as ns since the Unix epoch (exact, unlike float seconds).

    null, absent or unparsable values are Go's zero time (:data:`ZERO_TIME`), which kube prints as ``<unknown>``.
    """
    if not isinstance(value, str):
        return ZERO_TIME
    m = _TIME_RE.fullmatch(value)
    if m is None:
        return ZERO_TIME
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    try:
        base = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return ZERO_TIME
    ns = duration_ns(base - _EPOCH) + int((m.group(7) or "")[:9].ljust(9, "0"))
    if m.group(9):
        offset = (int(m.group(10)) * 60 + int(m.group(11))) * 60 * _SECOND
        ns -= offset if m.group(9) == "+" else -offset
    return ns


def _now_ns(now: datetime | None) -> int:
    if now is None:
        return time.time_ns()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return duration_ns(now - _EPOCH)


def translate_timestamp_since(value: Any, now: datetime | None = None) -> str:
    """printers.go translateTimestampSince: the age of a timestamp, ``<unknown>`` when unset."""
    return _since(parse_time(value), _now_ns(now))


def _since(ts: int, now_ns: int) -> str:
    if ts == ZERO_TIME:
        return "<unknown>"
    return human_duration(now_ns - ts)


def format_rfc3339(ts: int) -> str:
    """Go's ``t.UTC().Format(time.RFC3339)`` (what the default table convertor's Created At cell holds)."""
    t = _EPOCH + timedelta(microseconds=(ts - ts % _SECOND) // 1000)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


# --- apimachinery helpers ------------------------------------------------------------------------------------


def format_label_selector(selector: Obj | None) -> str:
    """metav1.FormatLabelSelector: ``<none>`` for nil/empty, ``<error>`` for an invalid selector."""
    try:
        text = label_selector_string(selector)
    except InvalidSelector:
        return "<error>"
    return text or "<none>"


def format_labels(labels: dict[str, Any] | None) -> str:
    """labels.FormatLabels: ``k=v`` pairs sorted as strings, ``<none>`` when empty."""
    return ",".join(sorted(f"{k}={v}" for k, v in (labels or {}).items())) or "<none>"


def quantity_string(value: Any) -> str:
    """resource.Quantity.String() of a quantity as decoded from JSON: kube's canonical form (``1024Mi`` → ``1Gi``,
    ``1.5G`` → ``1500M``), or the input itself when ParseQuantity found it already canonical; ``0`` when unset.
    Parsing is :func:`aiokube.apiserver.quantity.parse_quantity`, the one Quantity parser.
    """
    if value is None:
        return "0"
    text = str(value).strip()
    parsed = parse_quantity(text)
    if parsed is None:
        return text  # kube cannot store an unparsable quantity; show it rather than fail the whole table
    return str(parsed)


def _access_modes(modes: list[Any] | None) -> str:
    """core helper GetAccessModesAsString: fixed order, duplicates dropped."""
    present = set(modes or [])
    pairs = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))
    return ",".join(short for mode, short in pairs if mode in present)


def _containers(template_spec: Obj | None) -> tuple[str, str]:
    """printers.go layoutContainerCells: container names and images, comma separated."""
    containers = (template_spec or {}).get("containers") or []
    names = ",".join(_str(c.get("name")) for c in containers)
    return names, ",".join(_str(c.get("image")) for c in containers)


#: what Go's strings.TrimSpace trims (unicode.IsSpace); Python's str.strip() would also trim \x1c-\x1f
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _parts(obj: Obj) -> tuple[Obj, Obj, Obj]:
    return obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}


def _age(md: Obj, now_ns: int) -> str:
    return _since(parse_time(md.get("creationTimestamp")), now_ns)


def _template_spec(spec: Obj) -> Obj:
    return (spec.get("template") or {}).get("spec") or {}


# --- pods ----------------------------------------------------------------------------------------------------

POD_SUCCESS_CONDITIONS = [
    {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
]
POD_FAILED_CONDITIONS = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]


def pod_row_conditions(pod: Obj) -> list[Obj] | None:
    """The row ``conditions`` printPod sets on a finished pod's row (cells alone cannot carry them)."""
    phase = (pod.get("status") or {}).get("phase")
    return POD_SUCCESS_CONDITIONS if phase == "Succeeded" else POD_FAILED_CONDITIONS if phase == "Failed" else None


def _restartable(container: Obj | None) -> bool:
    """podutil.IsRestartableInitContainer: a sidecar (init container with restartPolicy Always)."""
    return container is not None and container.get("restartPolicy") == "Always"


def _last_finished(cs: Obj) -> int | None:
    terminated = (cs.get("lastState") or {}).get("terminated")
    return None if terminated is None else parse_time(terminated.get("finishedAt"))


def _condition_true(conditions: list[Obj], type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True" for c in conditions)


def pod_row(pod: Obj, now: datetime | None = None) -> list[Any]:
    """printPod: READY, STATUS (the reason kubectl users know: Init:…, CrashLoopBackOff, Completed, Terminating…),
    RESTARTS with the age of the last restart, AGE, then IP, NODE, NOMINATED NODE, READINESS GATES."""
    now_ns = _now_ns(now)
    md, spec, status = _parts(pod)
    conditions: list[Obj] = status.get("conditions") or []
    restarts = 0
    sidecar_restarts = 0
    total = len(spec.get("containers") or [])
    ready = 0
    last_restart = ZERO_TIME
    last_sidecar_restart = ZERO_TIME

    phase = _str(status.get("phase"))
    reason = _str(status.get("reason")) or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs: list[Obj] = spec.get("initContainers") or []
    init_by_name = {c.get("name"): c for c in init_specs}
    total += sum(1 for c in init_specs if _restartable(c))

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += _int(cs.get("restartCount"))
        finished = _last_finished(cs)
        if finished is not None:
            last_restart = max(last_restart, finished)
        sidecar = _restartable(init_by_name.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += _int(cs.get("restartCount"))
            if finished is not None:
                last_sidecar_restart = max(last_sidecar_restart, finished)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and _int(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if terminated is not None:  # initialization failed
            if _str(terminated.get("reason")):
                reason = "Init:" + terminated["reason"]
            elif _int(terminated.get("signal")):
                reason = f"Init:Signal:{_int(terminated.get('signal'))}"
            else:
                reason = f"Init:ExitCode:{_int(terminated.get('exitCode'))}"
        elif waiting is not None and _str(waiting.get("reason")) and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _initialized(conditions):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        error_reason = ""
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += _int(cs.get("restartCount"))
            finished = _last_finished(cs)
            if finished is not None:
                last_restart = max(last_restart, finished)
            state = cs.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and _str(waiting.get("reason")):
                reason = waiting["reason"]
            elif terminated is not None:
                if _str(terminated.get("reason")):
                    reason = terminated["reason"]
                elif _int(terminated.get("signal")):
                    reason = f"Signal:{_int(terminated.get('signal'))}"
                else:
                    reason = f"ExitCode:{_int(terminated.get('exitCode'))}"
                if _int(terminated.get("exitCode")) != 0:
                    error_reason = reason
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # a pod whose last container completed is still Running while another one runs
        if reason == "Completed":
            if has_running and _condition_true(conditions, "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    if md.get("deletionTimestamp") is not None and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif md.get("deletionTimestamp") is not None and phase not in ("Failed", "Succeeded"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart != ZERO_TIME:
        restarts_cell = f"{restarts} ({_since(last_restart, now_ns)} ago)"

    # v1→internal conversion: status.podIP wins over status.podIPs[0]
    pod_ip = _str(status.get("podIP")) or _str(((status.get("podIPs") or [{}])[0] or {}).get("ip")) or "<none>"
    gates: list[Obj] = spec.get("readinessGates") or []
    readiness_gates = "<none>"
    if gates:
        true_conditions = 0
        for gate in gates:
            for condition in conditions:
                if condition.get("type") == gate.get("conditionType"):
                    true_conditions += condition.get("status") == "True"
                    break
        readiness_gates = f"{true_conditions}/{len(gates)}"
    return [
        _str(md.get("name")),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        _age(md, now_ns),
        pod_ip,
        _str(spec.get("nodeName")) or "<none>",
        _str(status.get("nominatedNodeName")) or "<none>",
        readiness_gates,
    ]


def _initialized(conditions: list[Obj]) -> bool:
    """isPodInitializedConditionTrue: the first Initialized condition decides."""
    for condition in conditions:
        if condition.get("type") == "Initialized":
            return condition.get("status") == "True"
    return False


# --- core ----------------------------------------------------------------------------------------------------


def namespace_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, _, status = _parts(obj)
    return [_str(md.get("name")), _str(status.get("phase")) or "Active", _age(md, _now_ns(now))]


def configmap_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_str(md.get("name")), count, _age(md, _now_ns(now))]


def secret_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})  # v1→internal merges stringData
    return [_str(md.get("name")), _str(obj.get("type")) or "Opaque", len(keys), _age(md, _now_ns(now))]


def serviceaccount_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [_str(md.get("name")), _age(md, _now_ns(now))]


def _service_external_ip(spec: Obj, status: Obj, svc_type: str) -> str:
    """printers.go getServiceExternalIP (wide: load-balancer addresses are not truncated)."""
    external_ips = [str(ip) for ip in spec.get("externalIPs") or []]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if svc_type == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        lb = ",".join(sorted({_str(i.get("ip")) or _str(i.get("hostname")) for i in ingress} - {""}))
        if external_ips:
            return ",".join(([*lb.split(",")] if lb else []) + external_ips)
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return _str(spec.get("externalName"))
    return "<unknown>"


def service_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    svc_type = _str(spec.get("type")) or "ClusterIP"  # SetDefaults_Service
    # kube's service registry always fills clusterIPs from clusterIP; aiokube stores what was sent
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = []
    for port in spec.get("ports") or []:
        protocol = _str(port.get("protocol")) or "TCP"
        node_port = _int(port.get("nodePort"))
        mid = f":{node_port}" if node_port > 0 else ""
        ports.append(f"{_int(port.get('port'))}{mid}/{protocol}")
    return [
        _str(md.get("name")),
        svc_type,
        str(cluster_ips[0]) if cluster_ips else "<none>",
        _service_external_ip(spec, status, svc_type),
        ",".join(ports) or "<none>",
        _age(md, _now_ns(now)),
        format_labels(spec.get("selector")),
    ]


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _format_endpoints(subsets: list[Obj]) -> str:
    """printers.go formatEndpoints (all ports): at most 3 addresses, then ``+ N more...``."""
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit, more, count = 3, False, 0
    for subset in subsets:
        addresses = subset.get("addresses") or []
        ports = subset.get("ports") or []
        if not ports:  # headless services may have no ports
            count += len(addresses)
            for address in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_str(address.get("ip")))
            continue
        for port in ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_join_host_port(_str(address.get("ip")), _int(port.get("port"))))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def endpoints_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [_str(md.get("name")), _format_endpoints(obj.get("subsets") or []), _age(md, _now_ns(now))]


def _node_roles(labels: dict[str, Any]) -> list[str]:
    """printers.go findNodeRoles: ``node-role.kubernetes.io/<role>`` keys and ``kubernetes.io/role`` values."""
    roles = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/"):
            if role := key.removeprefix("node-role.kubernetes.io/"):
                roles.add(role)
        elif key == "kubernetes.io/role" and value != "":
            roles.add(str(value))
    return sorted(roles)


def _node_address(status: Obj, type_: str) -> str:
    for address in status.get("addresses") or []:
        if address.get("type") == type_:
            return _str(address.get("address"))
    return "<none>"


def node_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    ready = None
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            ready = condition  # Go fills a map: the last Ready condition wins
    states = [] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if not states:
        states.append("Unknown")
    if spec.get("unschedulable") is True:
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    kernel = _str(info.get("kernelVersion")) or "<unknown>"
    if _str(info.get("architecture")):
        kernel += f" ({info['architecture']})"
    return [
        _str(md.get("name")),
        ",".join(states),
        ",".join(_node_roles(md.get("labels") or {})) or "<none>",
        _age(md, _now_ns(now)),
        _str(info.get("kubeletVersion")),
        _node_address(status, "InternalIP"),
        _node_address(status, "ExternalIP"),
        _str(info.get("osImage")) or "<unknown>",
        kernel,
        _str(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


def event_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printEvent: LAST SEEN falls back to the first timestamp, then to the new-API eventTime and series."""
    now_ns = _now_ns(now)
    md = obj.get("metadata") or {}
    first_ts = parse_time(obj.get("firstTimestamp"))
    first = _since(first_ts, now_ns) if first_ts != ZERO_TIME else _since(parse_time(obj.get("eventTime")), now_ns)
    last_ts = parse_time(obj.get("lastTimestamp"))
    last = _since(last_ts, now_ns) if last_ts != ZERO_TIME else first
    count = _int(obj.get("count"))
    series = obj.get("series")
    if series is not None:
        last = _since(parse_time(series.get("lastObservedTime")), now_ns)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1  # singleton events have no count in the new API
    involved = obj.get("involvedObject") or {}
    kind = _str(involved.get("kind")).lower()
    target = f"{kind}/{involved['name']}" if _str(involved.get("name")) else kind
    source = obj.get("source") or {}
    component = _str(source.get("component")) or _str(obj.get("reportingComponent"))
    instance = _str(source.get("host")) or _str(obj.get("reportingInstance"))
    return [
        last,
        _str(obj.get("type")),
        _str(obj.get("reason")),
        target,
        _str(involved.get("fieldPath")),
        f"{component}, {instance}" if instance else component,
        _str(obj.get("message")).strip(_GO_SPACE),
        first,
        count,
        _str(md.get("name")),
    ]


_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def persistentvolume_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    claim = spec.get("claimRef")
    annotations = md.get("annotations") or {}
    vac = spec.get("volumeAttributesClassName")
    return [
        _str(md.get("name")),
        quantity_string((spec.get("capacity") or {}).get("storage")),
        _access_modes(spec.get("accessModes")),
        _str(spec.get("persistentVolumeReclaimPolicy")) or "Retain",  # SetDefaults_PersistentVolume
        "Terminating" if md.get("deletionTimestamp") is not None else _str(status.get("phase")) or "Pending",
        f"{_str(claim.get('namespace'))}/{_str(claim.get('name'))}" if claim is not None else "",
        str(annotations[_BETA_STORAGE_CLASS])
        if _BETA_STORAGE_CLASS in annotations
        else _str(spec.get("storageClassName")),
        str(vac) if vac is not None else "<unset>",
        _str(status.get("reason")),
        _age(md, _now_ns(now)),
        _str(spec.get("volumeMode")) or "Filesystem",
    ]


def persistentvolumeclaim_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    annotations = md.get("annotations") or {}
    vac = spec.get("volumeAttributesClassName")
    capacity = access_modes = ""
    if _str(spec.get("volumeName")):
        access_modes = _access_modes(status.get("accessModes"))
        capacity = quantity_string((status.get("capacity") or {}).get("storage"))
    if _BETA_STORAGE_CLASS in annotations:
        storage_class = str(annotations[_BETA_STORAGE_CLASS])
    else:
        storage_class = _str(spec.get("storageClassName"))
    return [
        _str(md.get("name")),
        "Terminating" if md.get("deletionTimestamp") is not None else _str(status.get("phase")) or "Pending",
        _str(spec.get("volumeName")),
        capacity,
        access_modes,
        storage_class,
        str(vac) if vac is not None else "<unset>",
        _age(md, _now_ns(now)),
        _str(spec.get("volumeMode")) or "Filesystem",  # SetDefaults_PersistentVolumeClaimSpec
    ]


# --- apps, batch ---------------------------------------------------------------------------------------------


def _replicas(spec: Obj) -> int:
    """spec.replicas, defaulted to 1 as apps/v1 defaulting does."""
    replicas = spec.get("replicas")
    return 1 if replicas is None else _int(replicas)


def deployment_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    try:
        selector = label_selector_string(spec.get("selector"))
    except InvalidSelector:
        selector = "<invalid>"
    names, images = _containers(_template_spec(spec))
    return [
        _str(md.get("name")),
        f"{_int(status.get('readyReplicas'))}/{_replicas(spec)}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(md, _now_ns(now)),
        names,
        images,
        selector,
    ]


def replicaset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    names, images = _containers(_template_spec(spec))
    return [
        _str(md.get("name")),
        _replicas(spec),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(md, _now_ns(now)),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def statefulset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    names, images = _containers(_template_spec(spec))
    ready = f"{_int(status.get('readyReplicas'))}/{_replicas(spec)}"
    return [_str(md.get("name")), ready, _age(md, _now_ns(now)), names, images]


def daemonset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = _parts(obj)
    template_spec = _template_spec(spec)
    names, images = _containers(template_spec)
    return [
        _str(md.get("name")),
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        format_labels(template_spec.get("nodeSelector")),
        _age(md, _now_ns(now)),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _job_condition(conditions: list[Obj], type_: str) -> bool:
    """printers.go hasJobCondition: the first condition of that type decides."""
    for condition in conditions:
        if condition.get("type") == type_:
            return condition.get("status") == "True"
    return False


def job_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    now_ns = _now_ns(now)
    md, spec, status = _parts(obj)
    succeeded = _int(status.get("succeeded"))
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    if completions is None and parallelism is None:  # SetDefaults_Job
        completions = parallelism = 1
    if completions is not None:
        completions_cell = f"{succeeded}/{_int(completions)}"
    elif parallelism is not None and _int(parallelism) > 1:
        completions_cell = f"{succeeded}/1 of {_int(parallelism)}"
    else:
        completions_cell = f"{succeeded}/1"
    duration = ""
    if status.get("startTime") is not None:
        start = parse_time(status["startTime"])
        end = parse_time(status["completionTime"]) if status.get("completionTime") is not None else now_ns
        duration = human_duration(end - start)
    conditions: list[Obj] = status.get("conditions") or []
    if _job_condition(conditions, "Complete"):
        state = "Complete"
    elif _job_condition(conditions, "Failed"):
        state = "Failed"
    elif md.get("deletionTimestamp") is not None:
        state = "Terminating"
    elif _job_condition(conditions, "Suspended"):
        state = "Suspended"
    elif _job_condition(conditions, "FailureTarget"):
        state = "FailureTarget"
    elif _job_condition(conditions, "SuccessCriteriaMet"):
        state = "SuccessCriteriaMet"
    else:
        state = "Running"
    names, images = _containers(_template_spec(spec))
    return [
        _str(md.get("name")),
        state,
        completions_cell,
        duration,
        _age(md, now_ns),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


# --- coordination, discovery, rbac ---------------------------------------------------------------------------


def lease_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = _parts(obj)
    return [_str(md.get("name")), _str(spec.get("holderIdentity")), _age(md, _now_ns(now))]


def _list_with_more(shown: list[str], more: bool, count: int, limit: int) -> str:
    text = ",".join(shown)
    if more:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def endpointslice_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    limit = 3
    ports: list[Obj] = obj.get("ports") or []
    # discovery/v1 defaulting gives every port a name (""), so a port without a number prints its name
    port_cells = [str(p["port"]) if p.get("port") is not None else _str(p.get("name")) for p in ports]
    addresses = [str(a) for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [
        _str(md.get("name")),
        _str(obj.get("addressType")),
        _list_with_more(port_cells[:limit], len(ports) > limit, len(ports), limit),
        _list_with_more(addresses[:limit], len(addresses) > limit, len(addresses), limit),
        _age(md, _now_ns(now)),
    ]


def _binding_row(obj: Obj, now: datetime | None) -> list[Any]:
    """printRoleBinding / printClusterRoleBinding with rbac.SubjectsStrings."""
    md = obj.get("metadata") or {}
    ref = obj.get("roleRef") or {}
    users, groups, service_accounts = [], [], []
    for subject in obj.get("subjects") or []:
        kind, name = subject.get("kind"), _str(subject.get("name"))
        if kind == "ServiceAccount":
            service_accounts.append(f"{_str(subject.get('namespace'))}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return [
        _str(md.get("name")),
        f"{_str(ref.get('kind'))}/{_str(ref.get('name'))}",
        _age(md, _now_ns(now)),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(service_accounts),
    ]


def rolebinding_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    return _binding_row(obj, now)


def clusterrolebinding_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    return _binding_row(obj, now)


def default_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """rest.NewDefaultTableConvertor (roles, clusterroles): the name and creationTimestamp in RFC 3339, UTC."""
    md = obj.get("metadata") or {}
    return [_str(md.get("name")), format_rfc3339(parse_time(md.get("creationTimestamp")))]


# --- column definitions (printers.go AddHandlers) ------------------------------------------------------------


def _col(name: str, description: str, priority: int = 0, type_: str = "string", fmt: str = "") -> Column:
    return column(name, type_, fmt, description, priority)


_NAME = column("Name", "string", "name", NAME_DESCRIPTION)
_AGE = _col("Age", CREATION_DESCRIPTION)
_CONTAINERS = _col("Containers", "Names of each container in the template.", 1)
_IMAGES = _col("Images", "Images referenced by each container in the template.", 1)

POD_COLUMNS = [
    _NAME,
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "The aggregate status of the containers in this pod."),
    _col(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container in this pod "
        "has restarted.",
    ),
    _AGE,
    _col("IP", _DOC["PodStatus.podIP"], 1),
    _col("Node", _DOC["PodSpec.nodeName"], 1),
    _col("Nominated Node", _DOC["PodStatus.nominatedNodeName"], 1),
    _col("Readiness Gates", _DOC["PodSpec.readinessGates"], 1),
]
REPLICASET_COLUMNS = [
    _NAME,
    _col("Desired", _DOC["ReplicaSetSpec.replicas"], type_="integer"),
    _col("Current", _DOC["ReplicaSetStatus.replicas"], type_="integer"),
    _col("Ready", _DOC["ReplicaSetStatus.readyReplicas"], type_="integer"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _col("Selector", _DOC["ReplicaSetSpec.selector"], 1),
]
DAEMONSET_COLUMNS = [
    _NAME,
    _col("Desired", _DOC["DaemonSetStatus.desiredNumberScheduled"], type_="integer"),
    _col("Current", _DOC["DaemonSetStatus.currentNumberScheduled"], type_="integer"),
    _col("Ready", _DOC["DaemonSetStatus.numberReady"], type_="integer"),
    _col("Up-to-date", _DOC["DaemonSetStatus.updatedNumberScheduled"], type_="integer"),
    _col("Available", _DOC["DaemonSetStatus.numberAvailable"], type_="integer"),
    _col("Node Selector", _DOC["PodSpec.nodeSelector"]),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _col("Selector", _DOC["DaemonSetSpec.selector"], 1),
]
JOB_COLUMNS = [
    _NAME,
    _col("Status", "Status of the job."),
    _col("Completions", _DOC["JobStatus.succeeded"]),
    _col("Duration", "Time required to complete the job."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _col("Selector", _DOC["JobSpec.selector"], 1),
]
SERVICE_COLUMNS = [
    _NAME,
    _col("Type", _DOC["ServiceSpec.type"]),
    _col("Cluster-IP", _DOC["ServiceSpec.clusterIP"]),
    _col("External-IP", _DOC["ServiceSpec.externalIPs"]),
    _col("Port(s)", _DOC["ServiceSpec.ports"]),
    _AGE,
    _col("Selector", _DOC["ServiceSpec.selector"], 1),
]
STATEFULSET_COLUMNS = [
    _NAME,
    _col("Ready", "Number of the pod with ready state"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
]
ENDPOINTS_COLUMNS = [_NAME, _col("Endpoints", _DOC["Endpoints.subsets"]), _AGE]
NODE_COLUMNS = [
    _NAME,
    _col("Status", "The status of the node"),
    _col("Roles", "The roles of the node"),
    _AGE,
    _col("Version", _DOC["NodeSystemInfo.kubeletVersion"]),
    _col("Internal-IP", _DOC["NodeStatus.addresses"], 1),
    _col("External-IP", _DOC["NodeStatus.addresses"], 1),
    _col("OS-Image", _DOC["NodeSystemInfo.osImage"], 1),
    _col("Kernel-Version", _DOC["NodeSystemInfo.kernelVersion"], 1),
    _col("Container-Runtime", _DOC["NodeSystemInfo.containerRuntimeVersion"], 1),
]
EVENT_COLUMNS = [
    _col("Last Seen", _DOC["Event.lastTimestamp"]),
    _col("Type", _DOC["Event.type"]),
    _col("Reason", _DOC["Event.reason"]),
    _col("Object", _DOC["Event.involvedObject"]),
    _col("Subobject", _DOC["ObjectReference.fieldPath"], 1),
    _col("Source", _DOC["Event.source"], 1),
    _col("Message", _DOC["Event.message"]),
    _col("First Seen", _DOC["Event.firstTimestamp"], 1),
    _col("Count", _DOC["Event.count"], 1),
    column("Name", "string", "name", NAME_DESCRIPTION, 1),
]
NAMESPACE_COLUMNS = [_NAME, _col("Status", "The status of the namespace"), _AGE]
SECRET_COLUMNS = [_NAME, _col("Type", _DOC["Secret.type"]), _col("Data", _DOC["Secret.data"]), _AGE]
SERVICEACCOUNT_COLUMNS = [_NAME, _AGE]
PERSISTENTVOLUME_COLUMNS = [
    _NAME,
    _col("Capacity", _DOC["PersistentVolumeSpec.capacity"]),
    _col("Access Modes", _DOC["PersistentVolumeSpec.accessModes"]),
    _col("Reclaim Policy", _DOC["PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
    _col("Status", _DOC["PersistentVolumeStatus.phase"]),
    _col("Claim", _DOC["PersistentVolumeSpec.claimRef"]),
    _col("StorageClass", "StorageClass of the pv"),
    _col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    _col("Reason", _DOC["PersistentVolumeStatus.reason"]),
    _AGE,
    _col("VolumeMode", _DOC["PersistentVolumeSpec.volumeMode"], 1),
]
PERSISTENTVOLUMECLAIM_COLUMNS = [
    _NAME,
    _col("Status", _DOC["PersistentVolumeClaimStatus.phase"]),
    _col("Volume", _DOC["PersistentVolumeClaimSpec.volumeName"]),
    _col("Capacity", _DOC["PersistentVolumeClaimStatus.capacity"]),
    _col("Access Modes", _DOC["PersistentVolumeClaimStatus.accessModes"]),
    _col("StorageClass", "StorageClass of the pvc"),
    _col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    _AGE,
    _col("VolumeMode", _DOC["PersistentVolumeClaimSpec.volumeMode"], 1),
]
DEPLOYMENT_COLUMNS = [
    _NAME,
    _col("Ready", "Number of the pod with ready state"),
    _col("Up-to-date", _DOC["DeploymentStatus.updatedReplicas"]),
    _col("Available", _DOC["DeploymentStatus.availableReplicas"]),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _col("Selector", _DOC["DeploymentSpec.selector"], 1),
]
CONFIGMAP_COLUMNS = [_NAME, _col("Data", _DOC["ConfigMap.data"]), _AGE]
ROLEBINDING_COLUMNS = [
    _NAME,
    _col("Role", _DOC["RoleBinding.roleRef"]),
    _AGE,
    _col("Users", "Users in the roleBinding", 1),
    _col("Groups", "Groups in the roleBinding", 1),
    _col("ServiceAccounts", "ServiceAccounts in the roleBinding", 1),
]
CLUSTERROLEBINDING_COLUMNS = [
    _NAME,
    _col("Role", _DOC["ClusterRoleBinding.roleRef"]),
    _AGE,
    _col("Users", "Users in the clusterRoleBinding", 1),
    _col("Groups", "Groups in the clusterRoleBinding", 1),
    _col("ServiceAccounts", "ServiceAccounts in the clusterRoleBinding", 1),
]
LEASE_COLUMNS = [_NAME, _col("Holder", _DOC["LeaseSpec.holderIdentity"]), _AGE]
ENDPOINTSLICE_COLUMNS = [
    _NAME,
    _col("AddressType", _DOC["EndpointSlice.addressType"]),
    _col("Ports", _DOC["EndpointSlice.ports"]),
    _col("Endpoints", _DOC["EndpointSlice.endpoints"]),
    _AGE,
]
#: rest.NewDefaultTableConvertor's columns: kube registers no printer for Role and ClusterRole
DEFAULT_TABLE_COLUMNS = [_NAME, _col("Created At", CREATION_DESCRIPTION, type_="date")]

#: (API group, resource) → (column definitions, row function), for every built-in type aiokube serves
BUILTIN_PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "namespaces"): (NAMESPACE_COLUMNS, namespace_row),
    ("", "pods"): (POD_COLUMNS, pod_row),
    ("", "nodes"): (NODE_COLUMNS, node_row),
    ("", "configmaps"): (CONFIGMAP_COLUMNS, configmap_row),
    ("", "secrets"): (SECRET_COLUMNS, secret_row),
    ("", "services"): (SERVICE_COLUMNS, service_row),
    ("", "endpoints"): (ENDPOINTS_COLUMNS, endpoints_row),
    ("", "events"): (EVENT_COLUMNS, event_row),
    ("", "serviceaccounts"): (SERVICEACCOUNT_COLUMNS, serviceaccount_row),
    ("", "persistentvolumeclaims"): (PERSISTENTVOLUMECLAIM_COLUMNS, persistentvolumeclaim_row),
    ("", "persistentvolumes"): (PERSISTENTVOLUME_COLUMNS, persistentvolume_row),
    ("apps", "deployments"): (DEPLOYMENT_COLUMNS, deployment_row),
    ("apps", "replicasets"): (REPLICASET_COLUMNS, replicaset_row),
    ("apps", "statefulsets"): (STATEFULSET_COLUMNS, statefulset_row),
    ("apps", "daemonsets"): (DAEMONSET_COLUMNS, daemonset_row),
    ("batch", "jobs"): (JOB_COLUMNS, job_row),
    ("coordination.k8s.io", "leases"): (LEASE_COLUMNS, lease_row),
    ("discovery.k8s.io", "endpointslices"): (ENDPOINTSLICE_COLUMNS, endpointslice_row),
    ("rbac.authorization.k8s.io", "roles"): (DEFAULT_TABLE_COLUMNS, default_row),
    ("rbac.authorization.k8s.io", "rolebindings"): (ROLEBINDING_COLUMNS, rolebinding_row),
    ("rbac.authorization.k8s.io", "clusterroles"): (DEFAULT_TABLE_COLUMNS, default_row),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): (CLUSTERROLEBINDING_COLUMNS, clusterrolebinding_row),
}

# The printers of the types served since issue 12 live in .builtin_more, which uses this module's helpers and adds
# them to BUILTIN_PRINTERS when imported: last, so that every name it imports from here exists.
from aiokube.apiserver.printers import builtin_more  # noqa: E402, F401
