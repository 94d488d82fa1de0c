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
COLUMN_DOCS: dict[str, str] = {
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


def now_nanos(now: datetime | None) -> int:
    if now is None:
        return time.time_ns()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return duration_ns(now - _EPOCH)


def translate_timestamp_since(value: Any, now: datetime | None = None) -> str:
    """printers.go translateTimestampSince: the age of a timestamp, ``<unknown>`` when unset."""
    return since_text(parse_time(value), now_nanos(now))


def since_text(ts: int, now_ns: int) -> str:
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


def containers_cells(template_spec: Obj | None) -> tuple[str, str]:
    """printers.go layoutContainerCells: container names and images, comma separated."""
    containers = (template_spec or {}).get("containers") or []
    names = ",".join(str_cell(c.get("name")) for c in containers)
    return names, ",".join(str_cell(c.get("image")) for c in containers)


#: what Go's strings.TrimSpace trims (unicode.IsSpace); Python's str.strip() would also trim \x1c-\x1f
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def int_cell(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def str_cell(value: Any) -> str:
    return value if isinstance(value, str) else ""


def object_parts(obj: Obj) -> tuple[Obj, Obj, Obj]:
    return obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}


def age_cell(md: Obj, now_ns: int) -> str:
    return since_text(parse_time(md.get("creationTimestamp")), now_ns)


def pod_template_spec(spec: Obj) -> Obj:
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
    now_ns = now_nanos(now)
    md, spec, status = object_parts(pod)
    conditions: list[Obj] = status.get("conditions") or []
    restarts = 0
    sidecar_restarts = 0
    total = len(spec.get("containers") or [])
    ready = 0
    last_restart = ZERO_TIME
    last_sidecar_restart = ZERO_TIME

    phase = str_cell(status.get("phase"))
    reason = str_cell(status.get("reason")) or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs: list[Obj] = spec.get("initContainers") or []
    init_by_name = {c.get("name"): c for c in init_specs}
    total += sum(1 for c in init_specs if _restartable(c))

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += int_cell(cs.get("restartCount"))
        finished = _last_finished(cs)
        if finished is not None:
            last_restart = max(last_restart, finished)
        sidecar = _restartable(init_by_name.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += int_cell(cs.get("restartCount"))
            if finished is not None:
                last_sidecar_restart = max(last_sidecar_restart, finished)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and int_cell(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if terminated is not None:  # initialization failed
            if str_cell(terminated.get("reason")):
                reason = "Init:" + terminated["reason"]
            elif int_cell(terminated.get("signal")):
                reason = f"Init:Signal:{int_cell(terminated.get('signal'))}"
            else:
                reason = f"Init:ExitCode:{int_cell(terminated.get('exitCode'))}"
        elif waiting is not None and str_cell(waiting.get("reason")) and waiting["reason"] != "PodInitializing":
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
            restarts += int_cell(cs.get("restartCount"))
            finished = _last_finished(cs)
            if finished is not None:
                last_restart = max(last_restart, finished)
            state = cs.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and str_cell(waiting.get("reason")):
                reason = waiting["reason"]
            elif terminated is not None:
                if str_cell(terminated.get("reason")):
                    reason = terminated["reason"]
                elif int_cell(terminated.get("signal")):
                    reason = f"Signal:{int_cell(terminated.get('signal'))}"
                else:
                    reason = f"ExitCode:{int_cell(terminated.get('exitCode'))}"
                if int_cell(terminated.get("exitCode")) != 0:
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
        restarts_cell = f"{restarts} ({since_text(last_restart, now_ns)} ago)"

    # v1→internal conversion: status.podIP wins over status.podIPs[0]
    pod_ip = str_cell(status.get("podIP")) or str_cell(((status.get("podIPs") or [{}])[0] or {}).get("ip")) or "<none>"
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
        str_cell(md.get("name")),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        age_cell(md, now_ns),
        pod_ip,
        str_cell(spec.get("nodeName")) or "<none>",
        str_cell(status.get("nominatedNodeName")) or "<none>",
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
    md, _, status = object_parts(obj)
    return [str_cell(md.get("name")), str_cell(status.get("phase")) or "Active", age_cell(md, now_nanos(now))]


def configmap_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [str_cell(md.get("name")), count, age_cell(md, now_nanos(now))]


def secret_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})  # v1→internal merges stringData
    return [str_cell(md.get("name")), str_cell(obj.get("type")) or "Opaque", len(keys), age_cell(md, now_nanos(now))]


def serviceaccount_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), age_cell(md, now_nanos(now))]


def _service_external_ip(spec: Obj, status: Obj, svc_type: str) -> str:
    """printers.go getServiceExternalIP (wide: load-balancer addresses are not truncated)."""
    external_ips = [str(ip) for ip in spec.get("externalIPs") or []]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if svc_type == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        lb = ",".join(sorted({str_cell(i.get("ip")) or str_cell(i.get("hostname")) for i in ingress} - {""}))
        if external_ips:
            return ",".join(([*lb.split(",")] if lb else []) + external_ips)
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return str_cell(spec.get("externalName"))
    return "<unknown>"


def service_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    svc_type = str_cell(spec.get("type")) or "ClusterIP"  # SetDefaults_Service
    # kube's service registry always fills clusterIPs from clusterIP; aiokube stores what was sent
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = []
    for port in spec.get("ports") or []:
        protocol = str_cell(port.get("protocol")) or "TCP"
        node_port = int_cell(port.get("nodePort"))
        mid = f":{node_port}" if node_port > 0 else ""
        ports.append(f"{int_cell(port.get('port'))}{mid}/{protocol}")
    return [
        str_cell(md.get("name")),
        svc_type,
        str(cluster_ips[0]) if cluster_ips else "<none>",
        _service_external_ip(spec, status, svc_type),
        ",".join(ports) or "<none>",
        age_cell(md, now_nanos(now)),
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
                shown.append(str_cell(address.get("ip")))
            continue
        for port in ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_join_host_port(str_cell(address.get("ip")), int_cell(port.get("port"))))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def endpoints_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), _format_endpoints(obj.get("subsets") or []), age_cell(md, now_nanos(now))]


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
            return str_cell(address.get("address"))
    return "<none>"


def node_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
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
    kernel = str_cell(info.get("kernelVersion")) or "<unknown>"
    if str_cell(info.get("architecture")):
        kernel += f" ({info['architecture']})"
    return [
        str_cell(md.get("name")),
        ",".join(states),
        ",".join(_node_roles(md.get("labels") or {})) or "<none>",
        age_cell(md, now_nanos(now)),
        str_cell(info.get("kubeletVersion")),
        _node_address(status, "InternalIP"),
        _node_address(status, "ExternalIP"),
        str_cell(info.get("osImage")) or "<unknown>",
        kernel,
        str_cell(info.get("containerRuntimeVersion")) or "<unknown>",
    ]


def event_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printEvent: LAST SEEN falls back to the first timestamp, then to the new-API eventTime and series."""
    now_ns = now_nanos(now)
    md = obj.get("metadata") or {}
    first_ts = parse_time(obj.get("firstTimestamp"))
    first = (
        since_text(first_ts, now_ns) if first_ts != ZERO_TIME else since_text(parse_time(obj.get("eventTime")), now_ns)
    )
    last_ts = parse_time(obj.get("lastTimestamp"))
    last = since_text(last_ts, now_ns) if last_ts != ZERO_TIME else first
    count = int_cell(obj.get("count"))
    series = obj.get("series")
    if series is not None:
        last = since_text(parse_time(series.get("lastObservedTime")), now_ns)
        count = int_cell(series.get("count"))
    elif count == 0:
        count = 1  # singleton events have no count in the new API
    involved = obj.get("involvedObject") or {}
    kind = str_cell(involved.get("kind")).lower()
    target = f"{kind}/{involved['name']}" if str_cell(involved.get("name")) else kind
    source = obj.get("source") or {}
    component = str_cell(source.get("component")) or str_cell(obj.get("reportingComponent"))
    instance = str_cell(source.get("host")) or str_cell(obj.get("reportingInstance"))
    return [
        last,
        str_cell(obj.get("type")),
        str_cell(obj.get("reason")),
        target,
        str_cell(involved.get("fieldPath")),
        f"{component}, {instance}" if instance else component,
        str_cell(obj.get("message")).strip(_GO_SPACE),
        first,
        count,
        str_cell(md.get("name")),
    ]


_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def persistentvolume_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    claim = spec.get("claimRef")
    annotations = md.get("annotations") or {}
    vac = spec.get("volumeAttributesClassName")
    return [
        str_cell(md.get("name")),
        quantity_string((spec.get("capacity") or {}).get("storage")),
        _access_modes(spec.get("accessModes")),
        str_cell(spec.get("persistentVolumeReclaimPolicy")) or "Retain",  # SetDefaults_PersistentVolume
        "Terminating" if md.get("deletionTimestamp") is not None else str_cell(status.get("phase")) or "Pending",
        f"{str_cell(claim.get('namespace'))}/{str_cell(claim.get('name'))}" if claim is not None else "",
        str(annotations[_BETA_STORAGE_CLASS])
        if _BETA_STORAGE_CLASS in annotations
        else str_cell(spec.get("storageClassName")),
        str(vac) if vac is not None else "<unset>",
        str_cell(status.get("reason")),
        age_cell(md, now_nanos(now)),
        str_cell(spec.get("volumeMode")) or "Filesystem",
    ]


def persistentvolumeclaim_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    annotations = md.get("annotations") or {}
    vac = spec.get("volumeAttributesClassName")
    capacity = access_modes = ""
    if str_cell(spec.get("volumeName")):
        access_modes = _access_modes(status.get("accessModes"))
        capacity = quantity_string((status.get("capacity") or {}).get("storage"))
    if _BETA_STORAGE_CLASS in annotations:
        storage_class = str(annotations[_BETA_STORAGE_CLASS])
    else:
        storage_class = str_cell(spec.get("storageClassName"))
    return [
        str_cell(md.get("name")),
        "Terminating" if md.get("deletionTimestamp") is not None else str_cell(status.get("phase")) or "Pending",
        str_cell(spec.get("volumeName")),
        capacity,
        access_modes,
        storage_class,
        str(vac) if vac is not None else "<unset>",
        age_cell(md, now_nanos(now)),
        str_cell(spec.get("volumeMode")) or "Filesystem",  # SetDefaults_PersistentVolumeClaimSpec
    ]


# --- apps, batch ---------------------------------------------------------------------------------------------


def spec_replicas(spec: Obj) -> int:
    """spec.replicas, defaulted to 1 as apps/v1 defaulting does."""
    replicas = spec.get("replicas")
    return 1 if replicas is None else int_cell(replicas)


def deployment_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    try:
        selector = label_selector_string(spec.get("selector"))
    except InvalidSelector:
        selector = "<invalid>"
    names, images = containers_cells(pod_template_spec(spec))
    return [
        str_cell(md.get("name")),
        f"{int_cell(status.get('readyReplicas'))}/{spec_replicas(spec)}",
        int_cell(status.get("updatedReplicas")),
        int_cell(status.get("availableReplicas")),
        age_cell(md, now_nanos(now)),
        names,
        images,
        selector,
    ]


def replicaset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    names, images = containers_cells(pod_template_spec(spec))
    return [
        str_cell(md.get("name")),
        spec_replicas(spec),
        int_cell(status.get("replicas")),
        int_cell(status.get("readyReplicas")),
        age_cell(md, now_nanos(now)),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def statefulset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    names, images = containers_cells(pod_template_spec(spec))
    ready = f"{int_cell(status.get('readyReplicas'))}/{spec_replicas(spec)}"
    return [str_cell(md.get("name")), ready, age_cell(md, now_nanos(now)), names, images]


def daemonset_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    template_spec = pod_template_spec(spec)
    names, images = containers_cells(template_spec)
    return [
        str_cell(md.get("name")),
        int_cell(status.get("desiredNumberScheduled")),
        int_cell(status.get("currentNumberScheduled")),
        int_cell(status.get("numberReady")),
        int_cell(status.get("updatedNumberScheduled")),
        int_cell(status.get("numberAvailable")),
        format_labels(template_spec.get("nodeSelector")),
        age_cell(md, now_nanos(now)),
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
    now_ns = now_nanos(now)
    md, spec, status = object_parts(obj)
    succeeded = int_cell(status.get("succeeded"))
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    if completions is None and parallelism is None:  # SetDefaults_Job
        completions = parallelism = 1
    if completions is not None:
        completions_cell = f"{succeeded}/{int_cell(completions)}"
    elif parallelism is not None and int_cell(parallelism) > 1:
        completions_cell = f"{succeeded}/1 of {int_cell(parallelism)}"
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
    names, images = containers_cells(pod_template_spec(spec))
    return [
        str_cell(md.get("name")),
        state,
        completions_cell,
        duration,
        age_cell(md, now_ns),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


# --- coordination, discovery, rbac ---------------------------------------------------------------------------


def lease_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [str_cell(md.get("name")), str_cell(spec.get("holderIdentity")), age_cell(md, now_nanos(now))]


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
    port_cells = [str(p["port"]) if p.get("port") is not None else str_cell(p.get("name")) for p in ports]
    addresses = [str(a) for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [
        str_cell(md.get("name")),
        str_cell(obj.get("addressType")),
        _list_with_more(port_cells[:limit], len(ports) > limit, len(ports), limit),
        _list_with_more(addresses[:limit], len(addresses) > limit, len(addresses), limit),
        age_cell(md, now_nanos(now)),
    ]


def _binding_row(obj: Obj, now: datetime | None) -> list[Any]:
    """printRoleBinding / printClusterRoleBinding with rbac.SubjectsStrings."""
    md = obj.get("metadata") or {}
    ref = obj.get("roleRef") or {}
    users, groups, service_accounts = [], [], []
    for subject in obj.get("subjects") or []:
        kind, name = subject.get("kind"), str_cell(subject.get("name"))
        if kind == "ServiceAccount":
            service_accounts.append(f"{str_cell(subject.get('namespace'))}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return [
        str_cell(md.get("name")),
        f"{str_cell(ref.get('kind'))}/{str_cell(ref.get('name'))}",
        age_cell(md, now_nanos(now)),
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
    return [str_cell(md.get("name")), format_rfc3339(parse_time(md.get("creationTimestamp")))]


# --- column definitions (printers.go AddHandlers) ------------------------------------------------------------


def make_column(name: str, description: str, priority: int = 0, type_: str = "string", fmt: str = "") -> Column:
    return column(name, type_, fmt, description, priority)


NAME_COLUMN = column("Name", "string", "name", NAME_DESCRIPTION)
AGE_COLUMN = make_column("Age", CREATION_DESCRIPTION)
CONTAINERS_COLUMN = make_column("Containers", "Names of each container in the template.", 1)
IMAGES_COLUMN = make_column("Images", "Images referenced by each container in the template.", 1)

POD_COLUMNS = [
    NAME_COLUMN,
    make_column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    make_column("Status", "The aggregate status of the containers in this pod."),
    make_column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last container in this pod "
        "has restarted.",
    ),
    AGE_COLUMN,
    make_column("IP", COLUMN_DOCS["PodStatus.podIP"], 1),
    make_column("Node", COLUMN_DOCS["PodSpec.nodeName"], 1),
    make_column("Nominated Node", COLUMN_DOCS["PodStatus.nominatedNodeName"], 1),
    make_column("Readiness Gates", COLUMN_DOCS["PodSpec.readinessGates"], 1),
]
REPLICASET_COLUMNS = [
    NAME_COLUMN,
    make_column("Desired", COLUMN_DOCS["ReplicaSetSpec.replicas"], type_="integer"),
    make_column("Current", COLUMN_DOCS["ReplicaSetStatus.replicas"], type_="integer"),
    make_column("Ready", COLUMN_DOCS["ReplicaSetStatus.readyReplicas"], type_="integer"),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", COLUMN_DOCS["ReplicaSetSpec.selector"], 1),
]
DAEMONSET_COLUMNS = [
    NAME_COLUMN,
    make_column("Desired", COLUMN_DOCS["DaemonSetStatus.desiredNumberScheduled"], type_="integer"),
    make_column("Current", COLUMN_DOCS["DaemonSetStatus.currentNumberScheduled"], type_="integer"),
    make_column("Ready", COLUMN_DOCS["DaemonSetStatus.numberReady"], type_="integer"),
    make_column("Up-to-date", COLUMN_DOCS["DaemonSetStatus.updatedNumberScheduled"], type_="integer"),
    make_column("Available", COLUMN_DOCS["DaemonSetStatus.numberAvailable"], type_="integer"),
    make_column("Node Selector", COLUMN_DOCS["PodSpec.nodeSelector"]),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", COLUMN_DOCS["DaemonSetSpec.selector"], 1),
]
JOB_COLUMNS = [
    NAME_COLUMN,
    make_column("Status", "Status of the job."),
    make_column("Completions", COLUMN_DOCS["JobStatus.succeeded"]),
    make_column("Duration", "Time required to complete the job."),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", COLUMN_DOCS["JobSpec.selector"], 1),
]
SERVICE_COLUMNS = [
    NAME_COLUMN,
    make_column("Type", COLUMN_DOCS["ServiceSpec.type"]),
    make_column("Cluster-IP", COLUMN_DOCS["ServiceSpec.clusterIP"]),
    make_column("External-IP", COLUMN_DOCS["ServiceSpec.externalIPs"]),
    make_column("Port(s)", COLUMN_DOCS["ServiceSpec.ports"]),
    AGE_COLUMN,
    make_column("Selector", COLUMN_DOCS["ServiceSpec.selector"], 1),
]
STATEFULSET_COLUMNS = [
    NAME_COLUMN,
    make_column("Ready", "Number of the pod with ready state"),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
]
ENDPOINTS_COLUMNS = [NAME_COLUMN, make_column("Endpoints", COLUMN_DOCS["Endpoints.subsets"]), AGE_COLUMN]
NODE_COLUMNS = [
    NAME_COLUMN,
    make_column("Status", "The status of the node"),
    make_column("Roles", "The roles of the node"),
    AGE_COLUMN,
    make_column("Version", COLUMN_DOCS["NodeSystemInfo.kubeletVersion"]),
    make_column("Internal-IP", COLUMN_DOCS["NodeStatus.addresses"], 1),
    make_column("External-IP", COLUMN_DOCS["NodeStatus.addresses"], 1),
    make_column("OS-Image", COLUMN_DOCS["NodeSystemInfo.osImage"], 1),
    make_column("Kernel-Version", COLUMN_DOCS["NodeSystemInfo.kernelVersion"], 1),
    make_column("Container-Runtime", COLUMN_DOCS["NodeSystemInfo.containerRuntimeVersion"], 1),
]
EVENT_COLUMNS = [
    make_column("Last Seen", COLUMN_DOCS["Event.lastTimestamp"]),
    make_column("Type", COLUMN_DOCS["Event.type"]),
    make_column("Reason", COLUMN_DOCS["Event.reason"]),
    make_column("Object", COLUMN_DOCS["Event.involvedObject"]),
    make_column("Subobject", COLUMN_DOCS["ObjectReference.fieldPath"], 1),
    make_column("Source", COLUMN_DOCS["Event.source"], 1),
    make_column("Message", COLUMN_DOCS["Event.message"]),
    make_column("First Seen", COLUMN_DOCS["Event.firstTimestamp"], 1),
    make_column("Count", COLUMN_DOCS["Event.count"], 1),
    column("Name", "string", "name", NAME_DESCRIPTION, 1),
]
NAMESPACE_COLUMNS = [NAME_COLUMN, make_column("Status", "The status of the namespace"), AGE_COLUMN]
SECRET_COLUMNS = [
    NAME_COLUMN,
    make_column("Type", COLUMN_DOCS["Secret.type"]),
    make_column("Data", COLUMN_DOCS["Secret.data"]),
    AGE_COLUMN,
]
SERVICEACCOUNT_COLUMNS = [NAME_COLUMN, AGE_COLUMN]
PERSISTENTVOLUME_COLUMNS = [
    NAME_COLUMN,
    make_column("Capacity", COLUMN_DOCS["PersistentVolumeSpec.capacity"]),
    make_column("Access Modes", COLUMN_DOCS["PersistentVolumeSpec.accessModes"]),
    make_column("Reclaim Policy", COLUMN_DOCS["PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
    make_column("Status", COLUMN_DOCS["PersistentVolumeStatus.phase"]),
    make_column("Claim", COLUMN_DOCS["PersistentVolumeSpec.claimRef"]),
    make_column("StorageClass", "StorageClass of the pv"),
    make_column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    make_column("Reason", COLUMN_DOCS["PersistentVolumeStatus.reason"]),
    AGE_COLUMN,
    make_column("VolumeMode", COLUMN_DOCS["PersistentVolumeSpec.volumeMode"], 1),
]
PERSISTENTVOLUMECLAIM_COLUMNS = [
    NAME_COLUMN,
    make_column("Status", COLUMN_DOCS["PersistentVolumeClaimStatus.phase"]),
    make_column("Volume", COLUMN_DOCS["PersistentVolumeClaimSpec.volumeName"]),
    make_column("Capacity", COLUMN_DOCS["PersistentVolumeClaimStatus.capacity"]),
    make_column("Access Modes", COLUMN_DOCS["PersistentVolumeClaimStatus.accessModes"]),
    make_column("StorageClass", "StorageClass of the pvc"),
    make_column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    AGE_COLUMN,
    make_column("VolumeMode", COLUMN_DOCS["PersistentVolumeClaimSpec.volumeMode"], 1),
]
DEPLOYMENT_COLUMNS = [
    NAME_COLUMN,
    make_column("Ready", "Number of the pod with ready state"),
    make_column("Up-to-date", COLUMN_DOCS["DeploymentStatus.updatedReplicas"]),
    make_column("Available", COLUMN_DOCS["DeploymentStatus.availableReplicas"]),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", COLUMN_DOCS["DeploymentSpec.selector"], 1),
]
CONFIGMAP_COLUMNS = [NAME_COLUMN, make_column("Data", COLUMN_DOCS["ConfigMap.data"]), AGE_COLUMN]
ROLEBINDING_COLUMNS = [
    NAME_COLUMN,
    make_column("Role", COLUMN_DOCS["RoleBinding.roleRef"]),
    AGE_COLUMN,
    make_column("Users", "Users in the roleBinding", 1),
    make_column("Groups", "Groups in the roleBinding", 1),
    make_column("ServiceAccounts", "ServiceAccounts in the roleBinding", 1),
]
CLUSTERROLEBINDING_COLUMNS = [
    NAME_COLUMN,
    make_column("Role", COLUMN_DOCS["ClusterRoleBinding.roleRef"]),
    AGE_COLUMN,
    make_column("Users", "Users in the clusterRoleBinding", 1),
    make_column("Groups", "Groups in the clusterRoleBinding", 1),
    make_column("ServiceAccounts", "ServiceAccounts in the clusterRoleBinding", 1),
]
LEASE_COLUMNS = [NAME_COLUMN, make_column("Holder", COLUMN_DOCS["LeaseSpec.holderIdentity"]), AGE_COLUMN]
ENDPOINTSLICE_COLUMNS = [
    NAME_COLUMN,
    make_column("AddressType", COLUMN_DOCS["EndpointSlice.addressType"]),
    make_column("Ports", COLUMN_DOCS["EndpointSlice.ports"]),
    make_column("Endpoints", COLUMN_DOCS["EndpointSlice.endpoints"]),
    AGE_COLUMN,
]
#: rest.NewDefaultTableConvertor's columns: kube registers no printer for Role and ClusterRole
DEFAULT_TABLE_COLUMNS = [NAME_COLUMN, make_column("Created At", CREATION_DESCRIPTION, type_="date")]

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
