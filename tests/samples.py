"""One realistic object per served built-in type, in kube's canonical JSON form (no omitempty zero values).

Used by the round-trip tests: every type through every encoder.
"""

from __future__ import annotations

from typing import Any

POD_SPEC: dict[str, Any] = {
    "volumes": [
        {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
        {
            "name": "cfg",
            "configMap": {"name": "app-config", "items": [{"key": "a", "path": "a.conf"}], "defaultMode": 420},
        },
    ],
    "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["sh", "-c", "true"], "resources": {}}],
    "containers": [
        {
            "name": "app",
            "image": "registry.example.com/app:1.2.3",
            "args": ["--port=8080"],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            ],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            "livenessProbe": {
                "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                "initialDelaySeconds": 3,
                "timeoutSeconds": 1,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False},
        }
    ],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "serviceAccountName": "default",
    "securityContext": {"fsGroup": 2000},
    "affinity": {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app": "web"}},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }
            ]
        }
    },
    "tolerations": [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    ],
}


def _meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": {"app": "web"}, "annotations": {"note": "<sample & co>"}, **extra}


def renamed(obj: dict[str, Any], suffix: str) -> str:
    """Give a sample a name no other test uses (``<name>-<suffix>``; suffix: hex digits), as its kind allows:
    an IPAddress is named by its address, an APIService ``<version>.<group>``. Returns the name."""
    kind, spec = obj["kind"], obj.get("spec") or {}
    if kind == "IPAddress":
        value = int(suffix[:4], 16)
        name = f"10.250.{value >> 8}.{value & 255}"
    elif kind == "APIService":
        spec["group"] = f"g{suffix}.{spec['group']}"
        name = f"{spec['version']}.{spec['group']}"
    else:
        name = f"{obj['metadata']['name']}-{suffix}"
    obj["metadata"]["name"] = name
    return name


def samples() -> dict[str, dict[str, Any]]:
    """plural (group/version path) -> object without namespace (set by the test)."""
    template = {"metadata": {"labels": {"app": "web", "tier": "front"}}, "spec": POD_SPEC}
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}],
    }
    return {
        "api/v1/namespaces": {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta("sample-ns")},
        "api/v1/pods": {"apiVersion": "v1", "kind": "Pod", "metadata": _meta("web-1"), "spec": POD_SPEC},
        "api/v1/nodes": {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": _meta("node-1"),
            "spec": {
                "podCIDR": "10.244.1.0/24",
                "podCIDRs": ["10.244.1.0/24"],
                "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
            },
            "status": {
                "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "lastHeartbeatTime": "2026-11-23T10:00:00Z",
                        "lastTransitionTime": "2026-11-23T09:00:00Z",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                    }
                ],
                "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}],
                "nodeInfo": {
                    "machineID": "m",
                    "systemUUID": "s",
                    "bootID": "b",
                    "kernelVersion": "6.1",
                    "osImage": "Debian",
                    "containerRuntimeVersion": "containerd://2.0",
                    "kubeletVersion": "v1.36.3",
                    "kubeProxyVersion": "",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        },
        "api/v1/configmaps": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("cfg"),
            "data": {"a.conf": "x=1\n", "b": "2"},
            "binaryData": {"bin": "AAEC"},
        },
        "api/v1/secrets": {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta("sec"),
            "data": {"password": "aHVudGVyMg=="},
            "type": "Opaque",
        },
        "api/v1/services": {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta("web"),
            "spec": {
                "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "web"},
                "clusterIP": "10.96.0.10",
                "type": "ClusterIP",
                "sessionAffinity": "None",
            },
            "status": {"loadBalancer": {}},
        },
        "api/v1/endpoints": {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": _meta("web"),
            "subsets": [
                {
                    "addresses": [
                        {
                            "ip": "10.244.1.5",
                            "nodeName": "node-1",
                            "targetRef": {
                                "kind": "Pod",
                                "namespace": "default",
                                "name": "web-1",
                                "uid": "0b0b0b0b-0000-4000-8000-000000000001",
                            },
                        }
                    ],
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                }
            ],
        },
        "api/v1/events": {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": _meta("web-1.17a"),
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1", "apiVersion": "v1"},
            "reason": "Scheduled",
            "message": "Successfully assigned default/web-1 to node-1",
            "source": {"component": "default-scheduler"},
            "firstTimestamp": "2026-11-23T10:00:00Z",
            "lastTimestamp": "2026-11-23T10:00:00Z",
            "count": 1,
            "type": "Normal",
            "eventTime": "2026-11-23T10:00:00.123456Z",
            "reportingComponent": "default-scheduler",
            "reportingInstance": "scheduler-1",
            "action": "Binding",  # with an eventTime, kube requires the "new" event's fields
        },
        "api/v1/serviceaccounts": {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta("builder"),
            "automountServiceAccountToken": False,
        },
        "api/v1/persistentvolumeclaims": {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": _meta("data"),
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}},
                "storageClassName": "fast",
                "volumeMode": "Filesystem",
            },
        },
        "api/v1/persistentvolumes": {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": _meta("pv-1"),
            "spec": {
                "capacity": {"storage": "10Gi"},
                "hostPath": {"path": "/mnt/data", "type": "DirectoryOrCreate"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
            },
        },
        "apis/apps/v1/deployments": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta("web"),
            "spec": {
                "replicas": 3,
                "selector": selector,
                "template": template,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
        },
        "apis/apps/v1/replicasets": {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": _meta("web-abc"),
            "spec": {"replicas": 2, "selector": selector, "template": template},
        },
        "apis/apps/v1/statefulsets": {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": _meta("db"),
            "spec": {
                "replicas": 1,
                "selector": selector,
                "template": template,
                "serviceName": "db",
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                    }
                ],
            },
        },
        "apis/apps/v1/daemonsets": {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": _meta("agent"),
            "spec": {"selector": selector, "template": template},
        },
        "apis/batch/v1/jobs": {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _meta("migrate"),
            "spec": {
                "backoffLimit": 4,
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {**POD_SPEC, "restartPolicy": "Never"}},
            },
        },
        "apis/coordination.k8s.io/v1/leases": {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": _meta("leader"),
            "spec": {
                "holderIdentity": "node-1",
                "leaseDurationSeconds": 40,
                "acquireTime": "2026-11-23T10:00:00.000000Z",
                "renewTime": "2026-11-23T10:00:10.500000Z",
                "leaseTransitions": 2,
            },
        },
        "apis/discovery.k8s.io/v1/endpointslices": {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": _meta("web-xyz"),
            "addressType": "IPv4",
            "endpoints": [
                {
                    "addresses": ["10.244.1.5"],
                    "conditions": {"ready": True, "serving": True},
                    "nodeName": "node-1",
                    "zone": "a",
                }
            ],
            "ports": [{"name": "http", "protocol": "TCP", "port": 8080}],
        },
        "apis/rbac.authorization.k8s.io/v1/roles": {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta("reader"),
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}],
        },
        "apis/rbac.authorization.k8s.io/v1/rolebindings": {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta("read-pods"),
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
        },
        "apis/rbac.authorization.k8s.io/v1/clusterroles": {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta("sample:viewer"),
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        },
        "apis/rbac.authorization.k8s.io/v1/clusterrolebindings": {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta("sample:viewers"),
            "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "viewers"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "sample:viewer"},
        },
        **_more(template, selector),
    }


def _obj(api_version: str, kind: str, name: str, **body: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": _meta(name), **body}


def _more(template: dict[str, Any], selector: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The types served since issue 12 (kube 1.36's other stored resources)."""
    adm, sto, net = "admissionregistration.k8s.io/v1", "storage.k8s.io/v1", "networking.k8s.io/v1"
    res, flow = "resource.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1"
    webhook = {"name": "check.example.com", "clientConfig": {"url": "https://hooks.example.com/check"},
               "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                          "scope": "Namespaced"}],
               "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"],
               "timeoutSeconds": 5}  # fmt: skip
    return {
        "api/v1/limitranges": _obj("v1", "LimitRange", "limits", spec={"limits": [
            {"type": "Container", "max": {"cpu": "2"}, "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}
        ]}),
        "api/v1/podtemplates": _obj("v1", "PodTemplate", "tmpl", template=template),
        "api/v1/replicationcontrollers": _obj("v1", "ReplicationController", "rc", spec={
            "replicas": 2, "selector": {"app": "web"}, "template": template,
        }),
        "api/v1/resourcequotas": _obj("v1", "ResourceQuota", "quota", spec={
            "hard": {"pods": "10", "requests.cpu": "4"}, "scopes": ["NotTerminating"],
        }),
        "apis/apps/v1/controllerrevisions": _obj("apps/v1", "ControllerRevision", "web-7d4b9c", data={
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}, revision=3),
        "apis/autoscaling/v2/horizontalpodautoscalers": _obj("autoscaling/v2", "HorizontalPodAutoscaler", "web", spec={
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 80}}}],
        }),
        "apis/autoscaling/v1/horizontalpodautoscalers": _obj("autoscaling/v1", "HorizontalPodAutoscaler", "web1", spec={
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 2, "maxReplicas": 10, "targetCPUUtilizationPercentage": 75,
        }),
        "apis/events.k8s.io/v1/events": _obj("events.k8s.io/v1", "Event", "web-1.17b",
            eventTime="2026-11-23T10:00:00.123456Z", reportingController="default-scheduler",
            reportingInstance="scheduler-1", action="Binding", reason="Scheduled",
            regarding={"kind": "Pod", "namespace": "default", "name": "web-1", "apiVersion": "v1"},
            note="Successfully assigned default/web-1 to node-1", type="Normal"),
        "apis/batch/v1/cronjobs": _obj("batch/v1", "CronJob", "nightly", spec={
            "schedule": "0 3 * * *", "timeZone": "Etc/UTC", "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "job", "image": "busybox:1.36", "resources": {}}],
                "restartPolicy": "OnFailure"}}}},
            "successfulJobsHistoryLimit": 3,
        }),
        "apis/certificates.k8s.io/v1/certificatesigningrequests": _obj(
            "certificates.k8s.io/v1", "CertificateSigningRequest", "csr-jane", spec={
                # a real P-256 CSR for CN=jane (validation parses it and checks its signature)
                "request": (
                    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlISU1IRUNBUUF3RHpFTk1Bc0dBMVVFQXd3RWFtRnVa"
                    "VEJaTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSApBMElBQkxiZjZGVEtRemxaMUEwR0xhV1IwNFh4V1BabGU5dVVL"
                    "QTRTZFcvYmJtVzdPWFltbTNGbk4vajZYVmk4CjFReFE4RWtBemUzdGZ5MFlUZEE4bE0vOEZ3V2dBREFLQmdncWhrak9Q"
                    "UVFEQWdOSEFEQkVBaUJkOUxnWExlbnoKT0NGTWgvNE1VaklwYTR1akw3K2hCc09mdXZ4UzAyZUYrUUlnTTk5VEg0RS9B"
                    "VnJqL0J3T2c2azd1ZTF2VDhsMQpBb2NWZ0tYb2I5M0VMdDg9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0t"
                    "LQo="
                ),
                "signerName": "kubernetes.io/kube-apiserver-client", "expirationSeconds": 86400,
                "usages": ["client auth"], "username": "jane", "groups": ["dev"], "extra": {"team": ["a", "b"]},
            }),
        "apis/networking.k8s.io/v1/ingressclasses": _obj(net, "IngressClass", "nginx", spec={
            "controller": "k8s.io/ingress-nginx"}),
        "apis/networking.k8s.io/v1/ingresses": _obj(net, "Ingress", "web", spec={
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
            "rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                       "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}],
        }),
        "apis/networking.k8s.io/v1/ipaddresses": _obj(net, "IPAddress", "10.96.0.77", spec={
            "parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "web"}}),
        "apis/networking.k8s.io/v1/networkpolicies": _obj(net, "NetworkPolicy", "deny-other", spec={
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "client"}}}],
                         "ports": [{"protocol": "TCP", "port": 8080}]}],
            "policyTypes": ["Ingress"],
        }),
        "apis/networking.k8s.io/v1/servicecidrs": _obj(net, "ServiceCIDR", "extra", spec={
            "cidrs": ["10.100.0.0/16"]}),
        "apis/policy/v1/poddisruptionbudgets": _obj("policy/v1", "PodDisruptionBudget", "web", spec={
            "minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
        "apis/storage.k8s.io/v1/csidrivers": _obj(sto, "CSIDriver", "csi.example.com", spec={
            "attachRequired": True, "podInfoOnMount": False, "volumeLifecycleModes": ["Persistent"]}),
        "apis/storage.k8s.io/v1/csinodes": _obj(sto, "CSINode", "node-1", spec={"drivers": [
            {"name": "csi.example.com", "nodeID": "node-1", "topologyKeys": ["topology.example.com/zone"]}]}),
        "apis/storage.k8s.io/v1/csistoragecapacities": _obj(sto, "CSIStorageCapacity", "cap-1",
            nodeTopology={"matchLabels": {"topology.example.com/zone": "a"}}, storageClassName="fast",
            capacity="100Gi"),
        "apis/storage.k8s.io/v1/storageclasses": _obj(sto, "StorageClass", "fast", provisioner="csi.example.com",
            parameters={"type": "ssd"}, reclaimPolicy="Delete", allowVolumeExpansion=True,
            volumeBindingMode="WaitForFirstConsumer"),
        "apis/storage.k8s.io/v1/volumeattachments": _obj(sto, "VolumeAttachment", "va-1", spec={
            "attacher": "csi.example.com", "source": {"persistentVolumeName": "pv-1"}, "nodeName": "node-1"}),
        "apis/storage.k8s.io/v1/volumeattributesclasses": _obj(sto, "VolumeAttributesClass", "gold",
            driverName="csi.example.com", parameters={"iops": "5000"}),
        "apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations": _obj(
            adm, "MutatingWebhookConfiguration", "mutate", webhooks=[{**webhook, "reinvocationPolicy": "Never"}]),
        "apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations": _obj(
            adm, "ValidatingWebhookConfiguration", "validate", webhooks=[webhook]),
        "apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies": _obj(
            adm, "ValidatingAdmissionPolicy", "replicas-limit", spec={
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                                     "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]},
                "validations": [{"expression": "object.spec.replicas <= 5"}],
            }),
        "apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings": _obj(
            adm, "ValidatingAdmissionPolicyBinding", "replicas-limit-binding", spec={
                "policyName": "replicas-limit", "validationActions": ["Deny"]}),
        "apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies": _obj(
            adm, "MutatingAdmissionPolicy", "add-label", spec={
                "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                     "operations": ["CREATE"], "resources": ["pods"]}]},
                "mutations": [{"patchType": "ApplyConfiguration", "applyConfiguration": {
                    "expression": "Object{metadata: Object.metadata{labels: {'mutated': 'true'}}}"}}],
                "reinvocationPolicy": "Never",
            }),
        "apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings": _obj(
            adm, "MutatingAdmissionPolicyBinding", "add-label-binding", spec={"policyName": "add-label"}),
        "apis/scheduling.k8s.io/v1/priorityclasses": _obj("scheduling.k8s.io/v1", "PriorityClass", "high",
            value=1000000, globalDefault=False, description="for important pods", preemptionPolicy="Never"),
        "apis/node.k8s.io/v1/runtimeclasses": _obj("node.k8s.io/v1", "RuntimeClass", "gvisor", handler="runsc",
            overhead={"podFixed": {"cpu": "250m", "memory": "64Mi"}}),
        "apis/resource.k8s.io/v1/deviceclasses": _obj(res, "DeviceClass", "gpu.example.com", spec={
            "selectors": [{"cel": {"expression": "device.driver == 'gpu.example.com'"}}]}),
        "apis/resource.k8s.io/v1/resourceclaims": _obj(res, "ResourceClaim", "gpu-claim", spec={
            "devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com",
                                                                  "allocationMode": "ExactCount", "count": 1}}]}}),
        "apis/resource.k8s.io/v1/resourceclaimtemplates": _obj(res, "ResourceClaimTemplate", "gpu-template", spec={
            "spec": {"devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com"}}]}}}),
        "apis/resource.k8s.io/v1/resourceslices": _obj(res, "ResourceSlice", "node-1-gpu", spec={
            "driver": "gpu.example.com", "pool": {"name": "node-1", "generation": 1, "resourceSliceCount": 1},
            "nodeName": "node-1", "devices": [{"name": "gpu-0", "attributes": {"model": {"string": "x1"}}}]}),
        "apis/flowcontrol.apiserver.k8s.io/v1/flowschemas": _obj(flow, "FlowSchema", "sample-flows", spec={
            "priorityLevelConfiguration": {"name": "sample-level"}, "matchingPrecedence": 5000,
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [{"subjects": [{"kind": "Group", "group": {"name": "system:authenticated"}}],
                       "resourceRules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"],
                                          "namespaces": ["*"]}]}],
        }),
        "apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations": _obj(
            flow, "PriorityLevelConfiguration", "sample-level", spec={"type": "Limited", "limited": {
                "nominalConcurrencyShares": 10, "limitResponse": {"type": "Queue", "queuing": {
                    "queues": 16, "handSize": 4, "queueLengthLimit": 50}}, "lendablePercent": 0}}),
        "apis/apiregistration.k8s.io/v1/apiservices": _obj("apiregistration.k8s.io/v1", "APIService",
            "v1beta1.metrics.example.com", spec={
                "service": {"namespace": "kube-system", "name": "metrics", "port": 443},
                "group": "metrics.example.com", "version": "v1beta1", "insecureSkipTLSVerify": True,
                "groupPriorityMinimum": 100, "versionPriority": 100}),
    }  # fmt: skip
