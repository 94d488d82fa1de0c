"""The type validators by stored group and kind (kube's strategies' Validate and ValidateUpdate), run by the
store on every create and update of a built-in object after ObjectMeta's checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import (
    admissionregistration,
    apiregistration,
    apps,
    autoscaling,
    batch,
    certificates,
    claimstatus,
    coordination,
    core,
    corestatus,
    endpoints,
    flowcontrol,
    jobstatus,
    networking,
    node,
    podspec,
    podstatus,
    policy,
    rbac,
    resource,
    resourceslice,
    runtimeclass,
    scheduling,
    storage,
    workloadstatus,
)

Obj = dict[str, Any]
#: (object, old object or None on create, errors)
Validator = Callable[[Obj, Obj | None, FieldErrors], None]
_ADM, _FLOW = "admissionregistration.k8s.io", "flowcontrol.apiserver.k8s.io"
_STORAGE, _RESOURCE = "storage.k8s.io", "resource.k8s.io"

VALIDATORS: dict[tuple[str, str], Validator] = {
    ("", "Pod"): podspec.validate_pod,
    ("", "PodTemplate"): core.validate_pod_template,
    ("", "ReplicationController"): core.validate_replication_controller,
    ("", "Service"): core.validate_service,
    ("", "ConfigMap"): core.validate_config_map,
    ("", "Endpoints"): endpoints.validate_endpoints,
    ("discovery.k8s.io", "EndpointSlice"): endpoints.validate_endpoint_slice,
    ("", "Secret"): core.validate_secret,
    ("", "Namespace"): core.validate_namespace,
    ("", "Node"): node.validate_node,
    ("", "PersistentVolume"): core.validate_persistent_volume,
    ("", "PersistentVolumeClaim"): core.validate_persistent_volume_claim,
    ("", "ResourceQuota"): core.validate_resource_quota,
    ("", "LimitRange"): core.validate_limit_range,
    ("apps", "Deployment"): apps.validate_deployment,
    ("apps", "ReplicaSet"): apps.validate_replica_set,
    ("apps", "StatefulSet"): apps.validate_stateful_set,
    ("apps", "DaemonSet"): apps.validate_daemon_set,
    ("apps", "ControllerRevision"): apps.validate_controller_revision,
    ("batch", "Job"): batch.validate_job,
    ("batch", "CronJob"): batch.validate_cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.validate_hpa,
    ("networking.k8s.io", "Ingress"): networking.validate_ingress,
    ("networking.k8s.io", "IngressClass"): networking.validate_ingress_class,
    ("networking.k8s.io", "NetworkPolicy"): networking.validate_network_policy,
    ("networking.k8s.io", "IPAddress"): networking.validate_ip_address,
    ("networking.k8s.io", "ServiceCIDR"): networking.validate_service_cidr,
    ("node.k8s.io", "RuntimeClass"): runtimeclass.validate_runtime_class,
    ("apiregistration.k8s.io", "APIService"): apiregistration.validate_api_service,
    ("policy", "PodDisruptionBudget"): policy.validate_pod_disruption_budget,
    ("scheduling.k8s.io", "PriorityClass"): scheduling.validate_priority_class,
    (_STORAGE, "StorageClass"): storage.validate_storage_class,
    (_STORAGE, "CSIDriver"): storage.validate_csi_driver,
    (_STORAGE, "CSINode"): storage.validate_csi_node,
    (_STORAGE, "VolumeAttachment"): storage.validate_volume_attachment,
    (_STORAGE, "VolumeAttributesClass"): storage.validate_volume_attributes_class,
    (_STORAGE, "CSIStorageCapacity"): storage.validate_csi_storage_capacity,
    (_RESOURCE, "DeviceClass"): resource.validate_device_class,
    (_RESOURCE, "ResourceClaim"): resource.validate_resource_claim,
    (_RESOURCE, "ResourceClaimTemplate"): resource.validate_resource_claim_template,
    (_RESOURCE, "ResourceSlice"): resourceslice.validate_resource_slice,
    ("rbac.authorization.k8s.io", "Role"): rbac.validate_role,
    ("rbac.authorization.k8s.io", "ClusterRole"): rbac.validate_cluster_role,
    ("rbac.authorization.k8s.io", "RoleBinding"): rbac.validate_role_binding,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): rbac.validate_cluster_role_binding,
    ("coordination.k8s.io", "Lease"): coordination.validate_lease,
    (_ADM, "ValidatingWebhookConfiguration"): admissionregistration.validate_validating_webhook_configuration,
    (_ADM, "MutatingWebhookConfiguration"): admissionregistration.validate_mutating_webhook_configuration,
    (_ADM, "ValidatingAdmissionPolicy"): admissionregistration.validate_validating_admission_policy,
    (_ADM, "ValidatingAdmissionPolicyBinding"): admissionregistration.validate_validating_admission_policy_binding,
    (_ADM, "MutatingAdmissionPolicy"): admissionregistration.validate_mutating_admission_policy,
    (_ADM, "MutatingAdmissionPolicyBinding"): admissionregistration.validate_mutating_admission_policy_binding,
    (_FLOW, "FlowSchema"): flowcontrol.validate_flow_schema,
    (_FLOW, "PriorityLevelConfiguration"): flowcontrol.validate_priority_level_configuration,
    ("certificates.k8s.io", "CertificateSigningRequest"): certificates.validate_certificate_signing_request,
}


#: the status strategies' ValidateUpdate, for writes through ``status`` (kinds not listed: none)
STATUS_VALIDATORS: dict[tuple[str, str], Callable[[Obj, Obj, FieldErrors], None]] = {
    ("", "Pod"): podstatus.validate_pod_status,
    ("", "Node"): node.validate_node_status,
    ("", "Service"): corestatus.validate_service_status,
    ("", "Namespace"): corestatus.validate_namespace_status,
    ("", "ReplicationController"): corestatus.validate_replication_controller_status,
    ("", "ResourceQuota"): corestatus.validate_resource_quota_status,
    ("", "PersistentVolumeClaim"): corestatus.validate_persistent_volume_claim_status,
    ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.validate_hpa_status,
    ("batch", "Job"): jobstatus.validate_job_status,
    ("networking.k8s.io", "Ingress"): networking.validate_ingress_status,
    ("policy", "PodDisruptionBudget"): policy.validate_pod_disruption_budget_status,
    ("apps", "Deployment"): workloadstatus.validate_deployment_status,
    ("apps", "ReplicaSet"): workloadstatus.validate_replica_set_status,
    ("apps", "StatefulSet"): workloadstatus.validate_stateful_set_status,
    ("apps", "DaemonSet"): workloadstatus.validate_daemon_set_status,
    (_STORAGE, "VolumeAttachment"): storage.validate_volume_attachment,
    (_RESOURCE, "ResourceClaim"): claimstatus.validate_resource_claim_status,
    ("certificates.k8s.io", "CertificateSigningRequest"): certificates.validate_csr_status,
    (_FLOW, "FlowSchema"): flowcontrol.validate_flow_schema_status,
    (_ADM, "ValidatingAdmissionPolicy"): admissionregistration.validate_validating_admission_policy_status,
    (_FLOW, "PriorityLevelConfiguration"): flowcontrol.validate_priority_level_configuration_status,
}
#: the same for writes through a CSR's ``approval``
APPROVAL_VALIDATORS: dict[tuple[str, str], Callable[[Obj, Obj, FieldErrors], None]] = {
    ("certificates.k8s.io", "CertificateSigningRequest"): certificates.validate_csr_approval,
}


def validate_status(group: str, kind: str, obj: Obj, old: Obj, errs: FieldErrors, subresource: str = "status") -> None:
    """Run the kind's validator of writes through ``subresource`` (status or approval), if it has one."""
    validator = (APPROVAL_VALIDATORS if subresource == "approval" else STATUS_VALIDATORS).get((group, kind))
    if validator is not None:
        validator(obj, old, errs)


def validate(group: str, kind: str, obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """Run the type's validator, if it has one, appending kube's field errors to ``errs``."""
    validator = VALIDATORS.get((group, kind))
    if validator is not None:
        validator(obj, old, errs)
