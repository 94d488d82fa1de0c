"""Server-side printing of the types served since issue 12, as kube-apiserver 1.36 prints them.

The rest of printers.go's ``print<Kind>`` functions (ComponentStatus, ReplicationController to
PriorityLevelConfiguration),
kube-aggregator's APIService table convertor, and the default table of LimitRange (kube registers no printer for
it). Same conventions as :mod:`.builtin`, whose helpers this module uses: row functions take the v1 JSON object
and an optional ``now``, apply the v1 defaults a cell depends on, and always produce the wide cells. The printers
are in :data:`MORE_PRINTERS`, which :mod:`.tables` consults after :data:`.builtin.BUILTIN_PRINTERS`.

Two quirks of kube's tables: printFlowSchemaList sorts a FlowSchema list by matching precedence, then name
(:data:`LIST_ORDER`, which :func:`.tables.to_table` applies); printIPAddress gives an Age cell though there is
no Age column, which aiokube copies (three cells for two columns; kubectl ignores the extra cell).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiokube.apiserver.golang import SECOND, human_duration
from aiokube.apiserver.printers.builtin import (
    AGE_COLUMN,
    COLUMN_DOCS,
    CONTAINERS_COLUMN,
    DEFAULT_TABLE_COLUMNS,
    IMAGES_COLUMN,
    NAME_COLUMN,
    age_cell,
    containers_cells,
    default_row,
    format_label_selector,
    format_labels,
    int_cell,
    make_column,
    now_nanos,
    object_parts,
    parse_time,
    pod_template_spec,
    quantity_string,
    since_text,
    spec_replicas,
    str_cell,
)
from aiokube.apiserver.printers.columns import Obj, Printer

# Column descriptions: k8s.io/api 1.36 swagger docs, keyed "Type.field" as printers.go looks them up (the group
# versions printers.go names: autoscaling/v2, certificates/v1beta1, flowcontrol/v1, storage/v1...).
_DOC: dict[str, str] = {
    "ReplicationControllerSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit"
        " zero and unspecified. Defaults to 1. More info:"
        " https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"
    ),
    "ReplicationControllerStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info:"
        " https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"
    ),
    "ReplicationControllerStatus.readyReplicas": ("The number of ready replicas for this replication controller."),
    "ReplicationControllerSpec.selector": (
        "Selector is a label query over pods that should match the Replicas count. If Selector is empty,"
        " it is defaulted to the labels present on the Pod template. Label keys and values that must"
        " match in order to be controlled by this replication controller, if empty defaulted to labels on"
        " Pod template. More info:"
        " https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "CronJobSpec.schedule": "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
    "CronJobSpec.timeZone": (
        "The time zone name for the given schedule, see"
        " https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will"
        " default to the time zone of the kube-controller-manager process. The set of valid time zone"
        " names and the time zone offset is loaded from the system-wide time zone database by the API"
        " server during CronJob validation and the controller manager during execution. If no system-wide"
        " time zone database can be found a bundled version of the database is used instead. If the time"
        " zone name becomes invalid during the lifetime of a CronJob or due to a change in host"
        " configuration, the controller will stop creating new new Jobs and will create a system event"
        " with the reason UnknownTimeZone. More information can be found in"
        " https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"
    ),
    "CronJobSpec.suspend": (
        "This flag tells the controller to suspend subsequent executions, it does not apply to already"
        " started executions.  Defaults to false."
    ),
    "CronJobStatus.active": "A list of pointers to currently running jobs.",
    "CronJobStatus.lastScheduleTime": ("Information when was the last time the job was successfully scheduled."),
    "HorizontalPodAutoscalerSpec.scaleTargetRef": (
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics"
        " should be collected, as well as to actually change the replica count."
    ),
    "HorizontalPodAutoscalerSpec.metrics": (
        "metrics contains the specifications for which to use to calculate the desired replica count (the"
        " maximum replica count across all metrics will be used).  The desired replica count is"
        " calculated multiplying the ratio between the target value and the current value by the current"
        " number of pods.  Ergo, metrics used must decrease as the pod count is increased, and"
        " vice-versa.  See the individual metric source types for more information about how each type of"
        " metric must respond. If not set, the default metric will be set to 80% average CPU utilization."
    ),
    "HorizontalPodAutoscalerSpec.minReplicas": (
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale"
        " down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate"
        " HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is"
        " active as long as at least one metric value is available."
    ),
    "HorizontalPodAutoscalerSpec.maxReplicas": (
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."
        " It cannot be less that minReplicas."
    ),
    "HorizontalPodAutoscalerStatus.currentReplicas": (
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen"
        " by the autoscaler."
    ),
    "CertificateSigningRequestSpec.signerName": (
        "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`."
        " If empty, it will be defaulted:\n 1. If it's a kubelet client certificate, it is assigned\n   "
        ' "kubernetes.io/kube-apiserver-client-kubelet".\n 2. If it\'s a kubelet serving certificate, it is'
        ' assigned\n    "kubernetes.io/kubelet-serving".\n 3. Otherwise, it is assigned'
        ' "kubernetes.io/legacy-unknown".\nDistribution of trust for signers happens out of band. You can'
        " select on this field using `spec.signerName`."
    ),
    "CertificateSigningRequestSpec.request": "Base64-encoded PKCS#10 CSR data",
    "CertificateSigningRequestSpec.expirationSeconds": (
        "expirationSeconds is the requested duration of validity of the issued certificate. The"
        " certificate signer may issue a certificate with a different validity duration so a client must"
        " check the delta between the notBefore and and notAfter fields in the issued certificate to"
        " determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes"
        " signers will honor this field as long as the requested duration is not greater than the maximum"
        " duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes"
        " controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1."
        " Old signer that is unaware of the field (such as the in-tree\n     implementations prior to"
        " v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer"
        " whose configured minimum is longer than the requested duration\n\nThe minimum valid value for"
        " expirationSeconds is 600, i.e. 10 minutes."
    ),
    "CertificateSigningRequestStatus.conditions": ("Conditions applied to the request, such as approval or denial."),
    "NetworkPolicySpec.podSelector": (
        "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is"
        " applied to any pods selected by this field. An empty selector matches all pods in the policy's"
        " namespace. Multiple network policies can select the same set of pods. In this case, the ingress"
        " rules for each are combined additively. This field is optional. If it is not specified, it"
        " defaults to an empty selector."
    ),
    "ServiceCIDRSpec.cidrs": (
        'CIDRs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64") from'
        " which to assign service cluster IPs. Max of two CIDRs is allowed, one of each IP family. This"
        " field is immutable."
    ),
    "IPAddressSpec.parentRef": (
        "ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference"
        " a parent object."
    ),
    "StorageClass.provisioner": "provisioner indicates the type of the provisioner.",
    "StorageClass.reclaimPolicy": (
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this"
        " storage class. Defaults to Delete."
    ),
    "StorageClass.volumeBindingMode": (
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When"
        " unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the"
        " VolumeScheduling feature."
    ),
    "StorageClass.allowVolumeExpansion": ("allowVolumeExpansion shows whether the storage class allow volume expand."),
    "VolumeAttributesClass.driverName": "Name of the CSI driver This field is immutable.",
    "CSIDriverSpec.attachRequired": (
        "attachRequired indicates this CSI volume driver requires an attach operation (because it"
        " implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach"
        " controller should call the attach volume interface which checks the volumeattachment status and"
        " waits until the volume is attached before proceeding to mounting. The CSI external-attacher"
        " coordinates with CSI volume driver and updates the volumeattachment status when the attach"
        " operation is complete. If the value is specified to false, the attach operation will be"
        " skipped. Otherwise the attach operation will be called.\n\nThis field is immutable."
    ),
    "CSIDriverSpec.podInfoOnMount": (
        "podInfoOnMount indicates this CSI volume driver requires additional pod information (like"
        " podName, podUID, etc.) during mount operations, if set to true. If set to false, pod"
        " information will not be passed on mount. Default is false.\n\nThe CSI driver specifies"
        " podInfoOnMount as part of driver deployment. If true, Kubelet will pass pod information as"
        " VolumeContext in the CSI NodePublishVolume() calls. The CSI driver is responsible for parsing"
        " and validating the information passed in as VolumeContext.\n\nThe following VolumeContext will be"
        " passed if podInfoOnMount is set to true. This list might grow, but the prefix will be used."
        ' "csi.storage.k8s.io/pod.name": pod.Name "csi.storage.k8s.io/pod.namespace": pod.Namespace'
        ' "csi.storage.k8s.io/pod.uid": string(pod.UID) "csi.storage.k8s.io/ephemeral": "true" if the'
        " volume is an ephemeral inline volume\n                                defined by a"
        ' CSIVolumeSource, otherwise "false"\n\n"csi.storage.k8s.io/ephemeral" is a new feature in'
        ' Kubernetes 1.16. It is only required for drivers which support both the "Persistent" and'
        ' "Ephemeral" VolumeLifecycleMode. Other drivers can leave pod info disabled and/or ignore this'
        " field. As Kubernetes 1.15 doesn't support this field, drivers can only support one mode when"
        " deployed on such a cluster and the deployment determines which mode that is, for example via a"
        " command line parameter of the driver.\n\nThis field was immutable in Kubernetes < 1.29 and now is"
        " mutable."
    ),
    "CSIDriverSpec.storageCapacity": (
        "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the"
        " storage capacity that the driver deployment will report by creating CSIStorageCapacity objects"
        " with capacity information, if set to true.\n\nThe check can be enabled immediately when deploying"
        " a driver. In that case, provisioning new volumes with late binding will pause until the driver"
        " deployment has published some suitable CSIStorageCapacity object.\n\nAlternatively, the driver"
        " can be deployed with the field unset or false and it can be flipped later when storage capacity"
        " information has been published.\n\nThis field was immutable in Kubernetes <= 1.22 and now is"
        " mutable."
    ),
    "CSIDriverSpec.tokenRequests": (
        "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume"
        " for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI"
        " NodePublishVolume calls. The CSI driver should parse and validate the following VolumeContext:"
        ' "csi.storage.k8s.io/serviceAccount.tokens": {\n  "<audience>": {\n    "token": <token>,\n   '
        ' "expirationTimestamp": <expiration timestamp in RFC3339>,\n  },\n  ...\n}\n\nNote: Audience in each'
        " TokenRequest should be different and at most one token is empty string. To receive a new token"
        " after expiry, RequiresRepublish can be used to trigger NodePublishVolume periodically."
    ),
    "CSIDriverSpec.requiresRepublish": (
        "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called"
        " to reflect any possible change in the mounted volume. This field defaults to false.\n\nNote:"
        " After a successful initial NodePublishVolume call, subsequent calls to NodePublishVolume should"
        " only update the contents of the volume. New mount points will not be seen by a running"
        " container."
    ),
    "CSIDriverSpec.volumeLifecycleModes": (
        "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default"
        ' if the list is empty is "Persistent", which is the usage defined by the CSI specification and'
        ' implemented in Kubernetes via the usual PV/PVC mechanism.\n\nThe other mode is "Ephemeral". In'
        " this mode, volumes are defined inline inside the pod spec with CSIVolumeSource and their"
        " lifecycle is tied to the lifecycle of that pod. A driver has to be aware of this because it is"
        " only going to get a NodePublishVolume call for such a volume.\n\nFor more information about"
        " implementing this mode, see https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html"
        " A driver can support one or more of these modes and more modes may be added in the"
        " future.\n\nThis field is beta. This field is immutable."
    ),
    "VolumeAttachmentSpec.attacher": (
        "attacher indicates the name of the volume driver that MUST handle this request. This is the name"
        " returned by GetPluginName()."
    ),
    "VolumeAttachmentSource.persistentVolumeName": (
        "persistentVolumeName represents the name of the persistent volume to attach."
    ),
    "VolumeAttachmentSpec.nodeName": "nodeName represents the node that the volume should be attached to.",
    "VolumeAttachmentStatus.attached": (
        "attached indicates the volume is successfully attached. This field must only be set by the"
        " entity completing the attach operation, i.e. the external-attacher."
    ),
    "ControllerRevision.revision": "Revision indicates the revision of the state represented by Data.",
    "PriorityClass.value": (
        "value represents the integer value of this priority class. This is the actual priority that pods"
        " receive when they have the name of this class in their pod spec."
    ),
    "PriorityClass.globalDefault": (
        "globalDefault specifies whether this PriorityClass should be considered as the default priority"
        " for pods that do not have any priority class. Only one PriorityClass can be marked as"
        " `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault`"
        " field set to true, the smallest value of such global default PriorityClasses will be used as"
        " the default priority."
    ),
    "PriorityClass.preemptionPolicy": (
        "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never,"
        " PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."
    ),
    "PriorityLevelConfigurationReference.name": (
        "`name` is the name of the priority level configuration being referenced Required."
    ),
    "FlowSchemaSpec.matchingPrecedence": (
        "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The"
        " chosen FlowSchema is among those with the numerically lowest (which we take to be logically"
        " highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note"
        " that if the precedence is not specified, it will be set to 1000 as default."
    ),
    "FlowSchemaSpec.distinguisherMethod": (
        "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this"
        " schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty"
        " string."
    ),
    "PriorityLevelConfigurationSpec.type": (
        "`type` indicates whether this priority level is subject to limitation on request execution.  A"
        ' value of `"Exempt"` means that requests of this priority level are not subject to a limit (and'
        " thus are never queued) and do not detract from the capacity made available to other priority"
        ' levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to'
        " limits and (b) some of the server's limited capacity is made available exclusively to this"
        " priority level. Required."
    ),
    "LimitedPriorityLevelConfiguration.nominalConcurrencyShares": (
        "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit"
        " (NominalCL) of this level. This is the number of execution seats available at this priority"
        " level. This is used both for requests dispatched from this priority level as well as requests"
        " dispatched from other priority levels borrowing seats from this level. The server's concurrency"
        " limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS"
        " values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k]"
        " NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other"
        " priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to"
        ' zero supports the construction of a "jail" for this priority level that is used to hold some'
        " request(s)"
    ),
    "QueuingConfiguration.queues": (
        "`queues` is the number of queues for this priority level. The queues exist independently at each"
        " apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding"
        " and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has"
        " a default value of 64."
    ),
    "QueuingConfiguration.handSize": (
        "`handSize` is a small positive number that configures the shuffle sharding of requests into"
        " queues.  When enqueuing a request at this priority level the request's flow identifier (a"
        " string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand"
        " of the size specified here.  The request is put into one of the shortest queues in that hand."
        " `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few"
        " heavy flows do not saturate most of the queues).  See the user-facing documentation for more"
        " extensive guidance on setting this field.  This field has a default value of 8."
    ),
    "QueuingConfiguration.queueLengthLimit": (
        "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of"
        " this priority level at a time; excess requests are rejected.  This value must be positive.  If"
        " not specified, it will be defaulted to 50."
    ),
    "ResourceSliceSpec.nodeName": (
        "NodeName identifies the node which provides the resources in this pool. A field selector can be"
        " used to list only ResourceSlice objects belonging to a certain node.\n\nThis field can be used to"
        " limit access from nodes to ResourceSlices with the same node name. It also indicates to"
        " autoscalers that adding new nodes of the same type as some old node might also make new"
        " resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and"
        " PerDeviceNodeSelection must be set. This field is immutable."
    ),
    "ResourceSliceSpec.driver": (
        "Driver identifies the DRA driver providing the capacity information. A field selector can be"
        " used to list only ResourceSlice objects with a certain driver name.\n\nMust be a DNS subdomain"
        " and should end with a DNS domain owned by the vendor of the driver. It should use only lower"
        " case characters. This field is immutable."
    ),
    "ResourcePool.name": (
        "Name is used to identify the pool. For node-local devices, this is often the node name, but this"
        " is not required.\n\nIt must not be longer than 253 characters and must consist of one or more DNS"
        " sub-domains separated by slashes. This field is immutable."
    ),
}


def _bool(value: Any, default: bool) -> bool:
    """A defaulted ``*bool`` (or a plain bool, whose zero value is false)."""
    return value if isinstance(value, bool) else default


def _go_bool(value: bool) -> str:
    """printers.go printBool: ``True`` / ``False``."""
    return "True" if value else "False"


def _quantity_ptr(value: Any) -> str:
    """``(*resource.Quantity).String()``, which prints a nil quantity as ``<nil>``."""
    return "<nil>" if value is None else quantity_string(value)


def _int_or_string(value: Any) -> str:
    """intstr.IntOrString.String()."""
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""


# --- core ----------------------------------------------------------------------------------------------------


def replicationcontroller_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    selector = spec.get("selector")
    template = spec.get("template")
    if not selector and isinstance(template, dict):  # SetDefaults_ReplicationController: the template's labels
        selector = (template.get("metadata") or {}).get("labels")
    names, images = containers_cells(pod_template_spec(spec))
    return [
        str_cell(md.get("name")),
        spec_replicas(spec),
        int_cell(status.get("replicas")),
        int_cell(status.get("readyReplicas")),
        age_cell(md, now_nanos(now)),
        names,
        images,
        format_labels(selector),
    ]


def componentstatus_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printComponentStatus: the Healthy condition's status (True → Healthy, else Unhealthy), message, error."""
    status, message, error = "Unknown", "", ""
    for condition in obj.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Healthy":
            status = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            message, error = str_cell(condition.get("message")), str_cell(condition.get("error"))
            break
    return [str_cell((obj.get("metadata") or {}).get("name")), status, message, error]


def podtemplate_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printPodTemplate: no Age column."""
    md = obj.get("metadata") or {}
    template = obj.get("template") or {}
    names, images = containers_cells(template.get("spec"))
    return [str_cell(md.get("name")), names, images, format_labels((template.get("metadata") or {}).get("labels"))]


def resourcequota_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printResourceQuota: ``name: used/hard`` per hard limit, sorted; ``limits.*`` in the Limit cell."""
    md, _, status = object_parts(obj)
    hard: Obj = status.get("hard") or {}
    used: Obj = status.get("used") or {}
    requests, limits = [], []
    for name in sorted(hard):
        pieces = name.split(".")
        cell = limits if len(pieces) > 1 and pieces[0] == "limits" else requests
        cell.append(f"{name}: {quantity_string(used.get(name))}/{quantity_string(hard[name])}")
    return [str_cell(md.get("name")), ", ".join(requests), ", ".join(limits), age_cell(md, now_nanos(now))]


# --- apps, autoscaling, batch, policy ------------------------------------------------------------------------


def _group_kind(api_version: str, kind: str) -> str:
    """schema.ParseGroupVersion(apiVersion).WithKind(kind).GroupKind().String(): ``Kind.group`` or ``Kind``."""
    group = api_version.partition("/")[0] if api_version.count("/") == 1 else ""
    return f"{kind}.{group}" if group else kind


def controllerrevision_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printControllerRevision: the controller as ``kind.group/name`` (metav1.GetControllerOf)."""
    md = obj.get("metadata") or {}
    controller = "<none>"
    for ref in md.get("ownerReferences") or []:
        if ref.get("controller") is True:
            group_kind = _group_kind(str_cell(ref.get("apiVersion")), str_cell(ref.get("kind")))
            name = str_cell(ref.get("name"))
            controller = f"{group_kind.lower()}/{name}" if group_kind else name
            break
    return [str_cell(md.get("name")), controller, int_cell(obj.get("revision")), age_cell(md, now_nanos(now))]


#: autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: no metrics means 80% average CPU utilization
_DEFAULT_HPA_METRICS = [
    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
]
_HPA_SOURCES = {
    "External": "external",
    "Pods": "pods",
    "Object": "object",
    "Resource": "resource",
    "ContainerResource": "containerResource",
}


def _hpa_metric(spec: Obj, status: Obj | None) -> str:
    """One metric of printers.go formatHPAMetrics; ``status`` is the current metric at the same index."""
    field = _HPA_SOURCES.get(str_cell(spec.get("type")))
    if field is None:
        return "<unknown type>"
    source: Obj = spec.get(field) or {}
    target: Obj = source.get("target") or {}
    current_source = (status or {}).get(field)
    current: Obj | None = None if current_source is None else current_source.get("current") or {}
    if field == "pods":
        shown = "<unknown>" if current is None else _quantity_ptr(current.get("averageValue"))
        return f"{shown}/{_quantity_ptr(target.get('averageValue'))}"
    if field in ("external", "object"):
        if target.get("averageValue") is not None:
            shown = "<unknown>"
            if current is not None and current.get("averageValue") is not None:
                shown = _quantity_ptr(current["averageValue"])
            return f"{shown}/{_quantity_ptr(target['averageValue'])} (avg)"
        shown = "<unknown>" if current is None else _quantity_ptr(current.get("value"))
        return f"{shown}/{_quantity_ptr(target.get('value'))}"
    name = str_cell(source.get("name"))  # resource, containerResource
    if target.get("averageValue") is not None:
        shown = "<unknown>" if current is None else _quantity_ptr(current.get("averageValue"))
        return f"{name}: {shown}/{_quantity_ptr(target['averageValue'])}"
    shown = "<unknown>"
    if current is not None and current.get("averageUtilization") is not None:
        shown = f"{int_cell(current['averageUtilization'])}%"
    utilization = target.get("averageUtilization")
    wanted = "<auto>" if utilization is None else f"{int_cell(utilization)}%"
    return f"{name}: {shown}/{wanted}"


def format_hpa_metrics(metrics: list[Obj], current: list[Obj]) -> str:
    """printers.go formatHPAMetrics: at most 2 metrics as ``current/target``, then ``+ N more...``."""
    if not metrics:
        return "<none>"
    cells = [_hpa_metric(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics)]
    limit = 2
    if len(cells) > limit:
        return f"{', '.join(cells[:limit])} + {len(cells) - limit} more..."
    return ", ".join(cells)


def horizontalpodautoscaler_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    ref = spec.get("scaleTargetRef") or {}
    min_replicas = spec.get("minReplicas")
    return [
        str_cell(md.get("name")),
        f"{str_cell(ref.get('kind'))}/{str_cell(ref.get('name'))}",
        format_hpa_metrics(spec.get("metrics") or _DEFAULT_HPA_METRICS, status.get("currentMetrics") or []),
        "1" if min_replicas is None else str(int_cell(min_replicas)),  # SetDefaults_HorizontalPodAutoscaler
        int_cell(spec.get("maxReplicas")),
        int_cell(status.get("currentReplicas")),
        age_cell(md, now_nanos(now)),
    ]


def cronjob_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    now_ns = now_nanos(now)
    md, spec, status = object_parts(obj)
    time_zone = spec.get("timeZone")
    last_schedule = status.get("lastScheduleTime")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = containers_cells(pod_template_spec(job_spec))
    return [
        str_cell(md.get("name")),
        str_cell(spec.get("schedule")),
        time_zone if isinstance(time_zone, str) else "<none>",
        _go_bool(_bool(spec.get("suspend"), False)),  # SetDefaults_CronJob
        len(status.get("active") or []),
        "<none>" if last_schedule is None else since_text(parse_time(last_schedule), now_ns),
        age_cell(md, now_ns),
        names,
        images,
        format_label_selector(job_spec.get("selector")),
    ]


def poddisruptionbudget_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    return [
        str_cell(md.get("name")),
        "N/A" if min_available is None else _int_or_string(min_available),
        "N/A" if max_unavailable is None else _int_or_string(max_unavailable),
        int_cell(status.get("disruptionsAllowed")),
        age_cell(md, now_nanos(now)),
    ]


# --- certificates, networking --------------------------------------------------------------------------------


def _csr_condition(status: Obj) -> str:
    """printers.go extractCSRStatus: condition types only (their status is not looked at)."""
    types = {c.get("type") for c in status.get("conditions") or []}
    text = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        text += ",Failed"
    if status.get("certificate"):
        text += ",Issued"
    return text


def certificatesigningrequest_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    expiration = spec.get("expirationSeconds")
    return [
        str_cell(md.get("name")),
        age_cell(md, now_nanos(now)),
        str_cell(spec.get("signerName")) or "<none>",
        str_cell(spec.get("username")),
        "<none>" if expiration is None else human_duration(int_cell(expiration) * SECOND),
        _csr_condition(status),
    ]


def _ingress_hosts(rules: list[Obj]) -> str:
    """printers.go formatHosts: at most 3 hosts; ``+ N more...`` counts rules, not hosts."""
    limit, hosts, more = 3, [], False
    for rule in rules:
        if len(hosts) == limit:
            more = True
        if not more and str_cell(rule.get("host")):
            hosts.append(rule["host"])
    if not hosts:
        return "*"
    return f"{','.join(hosts)} + {len(rules) - limit} more..." if more else ",".join(hosts)


def _load_balancer_addresses(status: Obj) -> str:
    """ingressLoadBalancerStatusStringer (wide): each ingress point's IP, else hostname; sorted, deduplicated."""
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    return ",".join(sorted({str_cell(i.get("ip")) or str_cell(i.get("hostname")) for i in ingress} - {""}))


def ingress_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    class_name = spec.get("ingressClassName")
    return [
        str_cell(md.get("name")),
        class_name if isinstance(class_name, str) else "<none>",
        _ingress_hosts(spec.get("rules") or []),
        _load_balancer_addresses(status),
        "80, 443" if spec.get("tls") else "80",
        age_cell(md, now_nanos(now)),
    ]


def ingressclass_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    name = str_cell(md.get("name"))
    if (md.get("annotations") or {}).get("ingressclass.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    parameters = "<none>"
    params = spec.get("parameters")
    if params is not None:
        parameters = str_cell(params.get("kind"))
        if isinstance(params.get("apiGroup"), str):
            parameters += "." + params["apiGroup"]
        parameters += "/" + str_cell(params.get("name"))
    return [name, str_cell(spec.get("controller")), parameters, age_cell(md, now_nanos(now))]


def networkpolicy_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [
        str_cell(md.get("name")),
        format_label_selector(spec.get("podSelector") or {}),
        age_cell(md, now_nanos(now)),
    ]


def ipaddress_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printIPAddress: ``resource.group[/namespace]/name``, and an Age cell that has no column."""
    md, spec, _ = object_parts(obj)
    parent = "<none>"
    ref = spec.get("parentRef")
    if ref is not None:
        group, resource = str_cell(ref.get("group")), str_cell(ref.get("resource"))
        parent = (f"{resource}.{group}" if group else resource).lower()
        if str_cell(ref.get("namespace")):
            parent += "/" + ref["namespace"]
        parent += "/" + str_cell(ref.get("name"))
    return [str_cell(md.get("name")), parent, age_cell(md, now_nanos(now))]


def servicecidr_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [str_cell(md.get("name")), ",".join(map(str, spec.get("cidrs") or [])), age_cell(md, now_nanos(now))]


# --- storage -------------------------------------------------------------------------------------------------


def storageclass_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printStorageClass; ReclaimPolicy and VolumeBindingMode as SetDefaults_StorageClass fills them."""
    md = obj.get("metadata") or {}
    name = str_cell(md.get("name"))
    annotations = md.get("annotations") or {}
    if "true" in (
        annotations.get("storageclass.kubernetes.io/is-default-class"),
        annotations.get("storageclass.beta.kubernetes.io/is-default-class"),
    ):
        name += " (default)"
    reclaim, binding = obj.get("reclaimPolicy"), obj.get("volumeBindingMode")
    return [
        name,
        str_cell(obj.get("provisioner")),
        reclaim if isinstance(reclaim, str) else "Delete",
        binding if isinstance(binding, str) else "Immediate",
        _bool(obj.get("allowVolumeExpansion"), False),
        age_cell(md, now_nanos(now)),
    ]


def csidriver_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printCSIDriver, with SetDefaults_CSIDriver's defaults (attachRequired true, modes Persistent)."""
    md, spec, _ = object_parts(obj)
    # an empty tokenRequests list does not survive the protobuf round trip through etcd: it is unset
    token_requests = spec.get("tokenRequests")
    audiences = ",".join(str_cell(t.get("audience")) for t in token_requests) if token_requests else "<unset>"
    modes = spec.get("volumeLifecycleModes") or ["Persistent"]
    return [
        str_cell(md.get("name")),
        _bool(spec.get("attachRequired"), True),
        _bool(spec.get("podInfoOnMount"), False),
        _bool(spec.get("storageCapacity"), False),
        audiences,
        _bool(spec.get("requiresRepublish"), False),
        ",".join(map(str, modes)),
        age_cell(md, now_nanos(now)),
    ]


def csinode_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [str_cell(md.get("name")), len(spec.get("drivers") or []), age_cell(md, now_nanos(now))]


def volumeattachment_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, status = object_parts(obj)
    return [
        str_cell(md.get("name")),
        str_cell(spec.get("attacher")),
        str_cell((spec.get("source") or {}).get("persistentVolumeName")),
        str_cell(spec.get("nodeName")),
        _bool(status.get("attached"), False),
        age_cell(md, now_nanos(now)),
    ]


def volumeattributesclass_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), str_cell(obj.get("driverName")), age_cell(md, now_nanos(now))]


# --- admissionregistration -----------------------------------------------------------------------------------


def webhookconfiguration_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printMutatingWebhook / printValidatingWebhook: the number of webhooks."""
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), len(obj.get("webhooks") or []), age_cell(md, now_nanos(now))]


def _param_kind(spec: Obj) -> str:
    kind = spec.get("paramKind")
    return "<unset>" if kind is None else f"{str_cell(kind.get('apiVersion'))}/{str_cell(kind.get('kind'))}"


def validatingadmissionpolicy_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [
        str_cell(md.get("name")),
        len(spec.get("validations") or []),
        _param_kind(spec),
        age_cell(md, now_nanos(now)),
    ]


def mutatingadmissionpolicy_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [str_cell(md.get("name")), len(spec.get("mutations") or []), _param_kind(spec), age_cell(md, now_nanos(now))]


def go_label_selector_struct(selector: Obj) -> str:
    """``(*metav1.LabelSelector).String()``: the generated protobuf dump, e.g.
    ``&LabelSelector{MatchLabels:map[string]string{a: b,},MatchExpressions:[]LabelSelectorRequirement{},}``."""
    labels = "".join(f"{k}: {v}," for k, v in sorted((selector.get("matchLabels") or {}).items()))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{str_cell(e.get('key'))},Operator:{str_cell(e.get('operator'))},"
        f"Values:[{' '.join(map(str, e.get('values') or []))}],}},"
        for e in selector.get("matchExpressions") or []
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )


def policybinding_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printValidatingAdmissionPolicyBinding / printMutatingAdmissionPolicyBinding: the param reference as
    ``namespace/name`` (``*/name`` without a namespace), else its selector as Go's struct dump."""
    md, spec, _ = object_parts(obj)
    param = "<unset>"
    ref = spec.get("paramRef")
    if ref is not None:
        name = str_cell(ref.get("name"))
        if name:
            param = f"{str_cell(ref.get('namespace')) or '*'}/{name}"
        elif ref.get("selector") is not None:
            param = go_label_selector_struct(ref["selector"])
    return [str_cell(md.get("name")), str_cell(spec.get("policyName")), param, age_cell(md, now_nanos(now))]


# --- scheduling, node, resource ------------------------------------------------------------------------------


def priorityclass_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    policy = obj.get("preemptionPolicy")
    return [
        str_cell(md.get("name")),
        int_cell(obj.get("value")),
        _bool(obj.get("globalDefault"), False),
        age_cell(md, now_nanos(now)),
        policy if isinstance(policy, str) else "PreemptLowerPriority",  # SetDefaults_PriorityClass
    ]


def runtimeclass_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), str_cell(obj.get("handler")), age_cell(md, now_nanos(now))]


def name_age_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printDeviceClass, printResourceClaimTemplate: the name and the age."""
    md = obj.get("metadata") or {}
    return [str_cell(md.get("name")), age_cell(md, now_nanos(now))]


def resourceclaim_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printResourceClaim: State is deleted / pending / allocated,reserved, comma separated."""
    md, _, status = object_parts(obj)
    deleted = md.get("deletionTimestamp") is not None
    states = ["deleted"] if deleted else []
    if status.get("allocation") is None:
        if not deleted:
            states.append("pending")
    else:
        states.append("allocated")
        if status.get("reservedFor"):
            states.append("reserved")
    return [str_cell(md.get("name")), ",".join(states), age_cell(md, now_nanos(now))]


def resourceslice_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    md, spec, _ = object_parts(obj)
    return [
        str_cell(md.get("name")),
        str_cell(spec.get("nodeName")),
        str_cell(spec.get("driver")),
        str_cell((spec.get("pool") or {}).get("name")),
        age_cell(md, now_nanos(now)),
    ]


# --- flowcontrol, apiregistration ----------------------------------------------------------------------------


def flowschema_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printFlowSchema; MissingPL is the Dangling condition's status, ``?`` without one."""
    md, spec, status = object_parts(obj)
    method = spec.get("distinguisherMethod")
    dangling = "?"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Dangling":
            dangling = str_cell(condition.get("status"))
            break
    return [
        str_cell(md.get("name")),
        str_cell((spec.get("priorityLevelConfiguration") or {}).get("name")),
        int_cell(spec.get("matchingPrecedence")) or 1000,  # SetDefaults_FlowSchemaSpec
        "<none>" if method is None else str_cell(method.get("type")),
        age_cell(md, now_nanos(now)),
        dangling,
    ]


def prioritylevelconfiguration_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """printPriorityLevelConfiguration: the limited level's shares and queuing, v1 defaults applied
    (30 shares; 64 queues, hand size 8, queue length limit 50); ``<none>`` for an exempt level."""
    md, spec, _ = object_parts(obj)
    shares: Any = "<none>"
    queues: Any = "<none>"
    hand_size: Any = "<none>"
    queue_length_limit: Any = "<none>"
    limited = spec.get("limited")
    if limited is not None:
        ncs = limited.get("nominalConcurrencyShares")
        shares = 30 if ncs is None else int_cell(ncs)
        queuing = (limited.get("limitResponse") or {}).get("queuing")
        if queuing is not None:
            queues = int_cell(queuing.get("queues")) or 64
            hand_size = int_cell(queuing.get("handSize")) or 8
            queue_length_limit = int_cell(queuing.get("queueLengthLimit")) or 50
    return [
        str_cell(md.get("name")),
        str_cell(spec.get("type")),
        shares,
        queues,
        hand_size,
        queue_length_limit,
        age_cell(md, now_nanos(now)),
    ]


def apiservice_row(obj: Obj, now: datetime | None = None) -> list[Any]:
    """kube-aggregator's APIService ConvertToTable: the service (``Local`` without one) and the Available
    condition's status, with its reason unless True."""
    md, spec, status = object_parts(obj)
    service = spec.get("service")
    available = "Unknown"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Available":
            available = str_cell(condition.get("status"))
            if available != "True" and str_cell(condition.get("reason")):
                available += f" ({condition['reason']})"
            break
    return [
        str_cell(md.get("name")),
        "Local" if service is None else f"{str_cell(service.get('namespace'))}/{str_cell(service.get('name'))}",
        available,
        age_cell(md, now_nanos(now)),
    ]


# --- column definitions (printers.go AddHandlers; kube-aggregator's apiservice/etcd) -------------------------

COMPONENTSTATUS_COLUMNS = [
    NAME_COLUMN,
    make_column("Status", "Status of the component conditions"),
    make_column("Message", "Message of the component conditions"),
    make_column("Error", "Error of the component conditions"),
]
REPLICATIONCONTROLLER_COLUMNS = [
    NAME_COLUMN,
    make_column("Desired", _DOC["ReplicationControllerSpec.replicas"], type_="integer"),
    make_column("Current", _DOC["ReplicationControllerStatus.replicas"], type_="integer"),
    make_column("Ready", _DOC["ReplicationControllerStatus.readyReplicas"], type_="integer"),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", _DOC["ReplicationControllerSpec.selector"], 1),
]
PODTEMPLATE_COLUMNS = [
    NAME_COLUMN,
    make_column("Containers", "Names of each container in the template."),
    make_column("Images", "Images referenced by each container in the template."),
    make_column("Pod Labels", "The labels for the pod template."),
]
RESOURCEQUOTA_COLUMNS = [
    NAME_COLUMN,
    make_column("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
    make_column(
        "Limit",
        "Limits control the maximum amount of cpu/memory that a container may use independent of contention on "
        "the node.",
    ),
    AGE_COLUMN,
]
CONTROLLERREVISION_COLUMNS = [
    NAME_COLUMN,
    make_column("Controller", "Controller of the object"),
    make_column("Revision", _DOC["ControllerRevision.revision"]),
    AGE_COLUMN,
]
HORIZONTALPODAUTOSCALER_COLUMNS = [
    NAME_COLUMN,
    make_column("Reference", _DOC["HorizontalPodAutoscalerSpec.scaleTargetRef"]),
    make_column("Targets", _DOC["HorizontalPodAutoscalerSpec.metrics"]),
    make_column("MinPods", _DOC["HorizontalPodAutoscalerSpec.minReplicas"]),
    make_column("MaxPods", _DOC["HorizontalPodAutoscalerSpec.maxReplicas"]),
    make_column("Replicas", _DOC["HorizontalPodAutoscalerStatus.currentReplicas"]),
    AGE_COLUMN,
]
CRONJOB_COLUMNS = [
    NAME_COLUMN,
    make_column("Schedule", _DOC["CronJobSpec.schedule"]),
    make_column("Timezone", _DOC["CronJobSpec.timeZone"]),
    make_column("Suspend", _DOC["CronJobSpec.suspend"], type_="boolean"),
    make_column("Active", _DOC["CronJobStatus.active"], type_="integer"),
    make_column("Last Schedule", _DOC["CronJobStatus.lastScheduleTime"]),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    make_column("Selector", COLUMN_DOCS["JobSpec.selector"], 1),
]
PODDISRUPTIONBUDGET_COLUMNS = [
    NAME_COLUMN,
    make_column("Min Available", "The minimum number of pods that must be available."),
    make_column("Max Unavailable", "The maximum number of pods that may be unavailable."),
    make_column(
        "Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", type_="integer"
    ),
    AGE_COLUMN,
]
CERTIFICATESIGNINGREQUEST_COLUMNS = [
    NAME_COLUMN,
    AGE_COLUMN,
    make_column("SignerName", _DOC["CertificateSigningRequestSpec.signerName"]),
    make_column("Requestor", _DOC["CertificateSigningRequestSpec.request"]),
    make_column("RequestedDuration", _DOC["CertificateSigningRequestSpec.expirationSeconds"]),
    make_column("Condition", _DOC["CertificateSigningRequestStatus.conditions"]),
]
INGRESS_COLUMNS = [
    NAME_COLUMN,
    make_column("Class", "The name of the IngressClass resource that should be used for additional configuration"),
    make_column("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    make_column("Address", "Address is a list containing ingress points for the load-balancer"),
    make_column("Ports", "Ports of TLS configurations that open"),
    AGE_COLUMN,
]
INGRESSCLASS_COLUMNS = [
    NAME_COLUMN,
    make_column("Controller", "Controller that is responsible for handling this class"),
    make_column("Parameters", "A reference to a resource with additional parameters"),
    AGE_COLUMN,
]
NETWORKPOLICY_COLUMNS = [NAME_COLUMN, make_column("Pod-Selector", _DOC["NetworkPolicySpec.podSelector"]), AGE_COLUMN]
#: no Age column, though printIPAddress gives an Age cell
IPADDRESS_COLUMNS = [NAME_COLUMN, make_column("ParentRef", _DOC["IPAddressSpec.parentRef"])]
SERVICECIDR_COLUMNS = [NAME_COLUMN, make_column("CIDRs", _DOC["ServiceCIDRSpec.cidrs"]), AGE_COLUMN]
STORAGECLASS_COLUMNS = [
    NAME_COLUMN,
    make_column("Provisioner", _DOC["StorageClass.provisioner"]),
    make_column("ReclaimPolicy", _DOC["StorageClass.reclaimPolicy"]),
    make_column("VolumeBindingMode", _DOC["StorageClass.volumeBindingMode"]),
    make_column("AllowVolumeExpansion", _DOC["StorageClass.allowVolumeExpansion"]),
    AGE_COLUMN,
]
CSIDRIVER_COLUMNS = [
    NAME_COLUMN,
    make_column("AttachRequired", _DOC["CSIDriverSpec.attachRequired"], type_="boolean"),
    make_column("PodInfoOnMount", _DOC["CSIDriverSpec.podInfoOnMount"], type_="boolean"),
    make_column("StorageCapacity", _DOC["CSIDriverSpec.storageCapacity"], type_="boolean"),
    make_column("TokenRequests", _DOC["CSIDriverSpec.tokenRequests"]),
    make_column("RequiresRepublish", _DOC["CSIDriverSpec.requiresRepublish"], type_="boolean"),
    make_column("Modes", _DOC["CSIDriverSpec.volumeLifecycleModes"]),
    AGE_COLUMN,
]
CSINODE_COLUMNS = [
    NAME_COLUMN,
    make_column("Drivers", "Drivers indicates the number of CSI drivers registered on the node", type_="integer"),
    AGE_COLUMN,
]
VOLUMEATTACHMENT_COLUMNS = [
    NAME_COLUMN,
    make_column("Attacher", _DOC["VolumeAttachmentSpec.attacher"], fmt="name"),  # sic: a second "name" column
    make_column("PV", _DOC["VolumeAttachmentSource.persistentVolumeName"]),
    make_column("Node", _DOC["VolumeAttachmentSpec.nodeName"]),
    make_column("Attached", _DOC["VolumeAttachmentStatus.attached"], type_="boolean"),
    AGE_COLUMN,
]
VOLUMEATTRIBUTESCLASS_COLUMNS = [
    NAME_COLUMN,
    make_column("DriverName", _DOC["VolumeAttributesClass.driverName"]),
    AGE_COLUMN,
]
WEBHOOKCONFIGURATION_COLUMNS = [
    NAME_COLUMN,
    make_column(
        "Webhooks", "Webhooks indicates the number of webhooks registered in this configuration", type_="integer"
    ),
    AGE_COLUMN,
]
_PARAM_KIND = make_column("ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy")
VALIDATINGADMISSIONPOLICY_COLUMNS = [
    NAME_COLUMN,
    make_column(
        "Validations",
        "Validations indicates the number of validation rules defined in this configuration",
        type_="integer",
    ),
    _PARAM_KIND,
    AGE_COLUMN,
]
MUTATINGADMISSIONPOLICY_COLUMNS = [
    NAME_COLUMN,
    make_column(
        "Mutations", "Mutation indicates the number of mutations rules defined in this configuration", type_="integer"
    ),
    _PARAM_KIND,
    AGE_COLUMN,
]
POLICYBINDING_COLUMNS = [
    NAME_COLUMN,
    make_column("PolicyName", "PolicyName indicates the policy definition which the policy binding binded to"),
    make_column("ParamRef", "ParamRef indicates the param resource which sets the configuration param"),
    AGE_COLUMN,
]
PRIORITYCLASS_COLUMNS = [
    NAME_COLUMN,
    make_column("Value", _DOC["PriorityClass.value"], type_="integer"),
    make_column("Global-Default", _DOC["PriorityClass.globalDefault"], type_="boolean"),
    AGE_COLUMN,
    make_column("PreemptionPolicy", _DOC["PriorityClass.preemptionPolicy"]),
]
#: printers.go describes Handler with ObjectMeta's (nonexistent) "handler" doc: an empty description
RUNTIMECLASS_COLUMNS = [NAME_COLUMN, make_column("Handler", ""), AGE_COLUMN]
NAME_AGE_COLUMNS = [NAME_COLUMN, AGE_COLUMN]
RESOURCECLAIM_COLUMNS = [
    NAME_COLUMN,
    make_column("State", "A summary of the current state (allocated, pending, reserved, etc.)."),
    AGE_COLUMN,
]
RESOURCESLICE_COLUMNS = [
    NAME_COLUMN,
    make_column("Node", _DOC["ResourceSliceSpec.nodeName"]),
    make_column("Driver", _DOC["ResourceSliceSpec.driver"]),
    make_column("Pool", _DOC["ResourcePool.name"]),
    AGE_COLUMN,
]
FLOWSCHEMA_COLUMNS = [
    NAME_COLUMN,
    make_column("PriorityLevel", _DOC["PriorityLevelConfigurationReference.name"]),
    make_column("MatchingPrecedence", _DOC["FlowSchemaSpec.matchingPrecedence"]),
    make_column("DistinguisherMethod", _DOC["FlowSchemaSpec.distinguisherMethod"]),
    AGE_COLUMN,
    make_column("MissingPL", "references a broken or non-existent PriorityLevelConfiguration"),
]
PRIORITYLEVELCONFIGURATION_COLUMNS = [
    NAME_COLUMN,
    make_column("Type", _DOC["PriorityLevelConfigurationSpec.type"]),
    make_column("NominalConcurrencyShares", _DOC["LimitedPriorityLevelConfiguration.nominalConcurrencyShares"]),
    make_column("Queues", _DOC["QueuingConfiguration.queues"]),
    make_column("HandSize", _DOC["QueuingConfiguration.handSize"]),
    make_column("QueueLengthLimit", _DOC["QueuingConfiguration.queueLengthLimit"]),
    AGE_COLUMN,
]
APISERVICE_COLUMNS = [
    NAME_COLUMN,
    make_column("Service", "The reference to the service that hosts this API endpoint."),
    make_column("Available", "Whether this service is available."),
    AGE_COLUMN,
]

_ADM, _NET, _STO = "admissionregistration.k8s.io", "networking.k8s.io", "storage.k8s.io"
_RES, _FLOW = "resource.k8s.io", "flowcontrol.apiserver.k8s.io"
MORE_PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "componentstatuses"): (COMPONENTSTATUS_COLUMNS, componentstatus_row),
    ("", "replicationcontrollers"): (REPLICATIONCONTROLLER_COLUMNS, replicationcontroller_row),
    ("", "podtemplates"): (PODTEMPLATE_COLUMNS, podtemplate_row),
    ("", "limitranges"): (DEFAULT_TABLE_COLUMNS, default_row),  # rest.NewDefaultTableConvertor
    ("", "resourcequotas"): (RESOURCEQUOTA_COLUMNS, resourcequota_row),
    ("apps", "controllerrevisions"): (CONTROLLERREVISION_COLUMNS, controllerrevision_row),
    ("autoscaling", "horizontalpodautoscalers"): (HORIZONTALPODAUTOSCALER_COLUMNS, horizontalpodautoscaler_row),
    ("batch", "cronjobs"): (CRONJOB_COLUMNS, cronjob_row),
    ("certificates.k8s.io", "certificatesigningrequests"): (
        CERTIFICATESIGNINGREQUEST_COLUMNS,
        certificatesigningrequest_row,
    ),
    (_NET, "ingresses"): (INGRESS_COLUMNS, ingress_row),
    (_NET, "ingressclasses"): (INGRESSCLASS_COLUMNS, ingressclass_row),
    (_NET, "networkpolicies"): (NETWORKPOLICY_COLUMNS, networkpolicy_row),
    (_NET, "ipaddresses"): (IPADDRESS_COLUMNS, ipaddress_row),
    (_NET, "servicecidrs"): (SERVICECIDR_COLUMNS, servicecidr_row),
    ("policy", "poddisruptionbudgets"): (PODDISRUPTIONBUDGET_COLUMNS, poddisruptionbudget_row),
    (_STO, "storageclasses"): (STORAGECLASS_COLUMNS, storageclass_row),
    (_STO, "csidrivers"): (CSIDRIVER_COLUMNS, csidriver_row),
    (_STO, "csinodes"): (CSINODE_COLUMNS, csinode_row),
    (_STO, "csistoragecapacities"): (DEFAULT_TABLE_COLUMNS, default_row),  # its storage's default convertor
    (_STO, "volumeattachments"): (VOLUMEATTACHMENT_COLUMNS, volumeattachment_row),
    (_STO, "volumeattributesclasses"): (VOLUMEATTRIBUTESCLASS_COLUMNS, volumeattributesclass_row),
    (_ADM, "mutatingwebhookconfigurations"): (WEBHOOKCONFIGURATION_COLUMNS, webhookconfiguration_row),
    (_ADM, "validatingwebhookconfigurations"): (WEBHOOKCONFIGURATION_COLUMNS, webhookconfiguration_row),
    (_ADM, "validatingadmissionpolicies"): (VALIDATINGADMISSIONPOLICY_COLUMNS, validatingadmissionpolicy_row),
    (_ADM, "validatingadmissionpolicybindings"): (POLICYBINDING_COLUMNS, policybinding_row),
    (_ADM, "mutatingadmissionpolicies"): (MUTATINGADMISSIONPOLICY_COLUMNS, mutatingadmissionpolicy_row),
    (_ADM, "mutatingadmissionpolicybindings"): (POLICYBINDING_COLUMNS, policybinding_row),
    ("scheduling.k8s.io", "priorityclasses"): (PRIORITYCLASS_COLUMNS, priorityclass_row),
    ("node.k8s.io", "runtimeclasses"): (RUNTIMECLASS_COLUMNS, runtimeclass_row),
    (_RES, "deviceclasses"): (NAME_AGE_COLUMNS, name_age_row),
    (_RES, "resourceclaims"): (RESOURCECLAIM_COLUMNS, resourceclaim_row),
    (_RES, "resourceclaimtemplates"): (NAME_AGE_COLUMNS, name_age_row),
    (_RES, "resourceslices"): (RESOURCESLICE_COLUMNS, resourceslice_row),
    (_FLOW, "flowschemas"): (FLOWSCHEMA_COLUMNS, flowschema_row),
    (_FLOW, "prioritylevelconfigurations"): (PRIORITYLEVELCONFIGURATION_COLUMNS, prioritylevelconfiguration_row),
    ("apiregistration.k8s.io", "apiservices"): (APISERVICE_COLUMNS, apiservice_row),
}


def _flow_schema_order(obj: Obj) -> tuple[int, str]:
    """FlowSchemaSequence's order: the lower matching precedence first, then the name."""
    precedence = (obj.get("spec") or {}).get("matchingPrecedence")
    return (precedence if isinstance(precedence, int) else 1000), obj["metadata"].get("name", "")


#: kinds whose list printers sort the rows (by the key given), where kube's others keep the list's order
LIST_ORDER: dict[tuple[str, str], Callable[[Obj], Any]] = {
    (_FLOW, "FlowSchema"): _flow_schema_order,
}

