"""The official ``kubernetes`` Python client on the resources served since issue 12: a multi-document
manifest with one object of many types through ``create_from_yaml``, and the typed APIs users call."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml

from aiokube.apiserver.server import APIServer
from tests.samples import renamed, samples


def _client(server: APIServer) -> Any:
    from kubernetes import client

    cfg = client.Configuration()
    cfg.host = server.url
    return client.ApiClient(cfg)


#: one object per group the client's create_from_yaml knows (it maps apiVersion/kind to a typed API)
MANIFEST_KINDS = [
    "api/v1/limitranges", "api/v1/podtemplates", "api/v1/replicationcontrollers", "api/v1/resourcequotas",
    "apis/autoscaling/v2/horizontalpodautoscalers", "apis/batch/v1/cronjobs",
    "apis/networking.k8s.io/v1/ingressclasses", "apis/networking.k8s.io/v1/ingresses",
    "apis/networking.k8s.io/v1/networkpolicies", "apis/policy/v1/poddisruptionbudgets",
    "apis/storage.k8s.io/v1/storageclasses", "apis/storage.k8s.io/v1/csidrivers",
    "apis/scheduling.k8s.io/v1/priorityclasses", "apis/node.k8s.io/v1/runtimeclasses",
    "apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    "apis/apiregistration.k8s.io/v1/apiservices",
]  # fmt: skip


async def test_create_from_yaml_with_one_object_of_each_type(server: APIServer, ns: str, tmp_path) -> None:
    from kubernetes import utils

    suffix = ns.rsplit("-", 1)[1]
    docs = []
    for path in MANIFEST_KINDS:
        obj = samples()[path]
        renamed(obj, suffix)
        docs.append(obj)
    manifest = tmp_path / "all.yaml"
    manifest.write_text(yaml.safe_dump_all(docs))

    def scenario() -> list[Any]:
        with _client(server) as api_client:
            return utils.create_from_yaml(api_client, str(manifest), namespace=ns)

    created = await asyncio.to_thread(scenario)
    kinds = [obj.kind for group in created for obj in group]
    assert kinds == [d["kind"] for d in docs]


async def test_typed_apis(server: APIServer, ns: str) -> None:
    from kubernetes import client

    def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        with _client(server) as api_client:
            core = client.CoreV1Api(api_client)
            template = client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "rc"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]),
            )
            rc = client.V1ReplicationController(
                metadata=client.V1ObjectMeta(name="rc"), spec=client.V1ReplicationControllerSpec(template=template)
            )
            created = core.create_namespaced_replication_controller(ns, rc)
            out["rc_defaults"] = (created.spec.replicas, created.spec.selector, created.metadata.labels)
            scale = core.read_namespaced_replication_controller_scale("rc", ns)
            out["rc_scale"] = (scale.spec.replicas, scale.status.selector)
            core.patch_namespaced_replication_controller_scale("rc", ns, {"spec": {"replicas": 3}})
            out["rc_replicas"] = core.read_namespaced_replication_controller("rc", ns).spec.replicas
            out["rc_listed"] = [i.metadata.name for i in core.list_namespaced_replication_controller(ns).items]

            hpa = client.AutoscalingV2Api(api_client).create_namespaced_horizontal_pod_autoscaler(
                ns,
                client.V2HorizontalPodAutoscaler(
                    metadata=client.V1ObjectMeta(name="hpa"),
                    spec=client.V2HorizontalPodAutoscalerSpec(
                        scale_target_ref=client.V2CrossVersionObjectReference(
                            api_version="apps/v1", kind="Deployment", name="web"
                        ),
                        max_replicas=5,
                    ),
                ),
            )
            out["hpa"] = (hpa.spec.min_replicas, hpa.spec.metrics[0].resource.target.average_utilization)

            net = client.NetworkingV1Api(api_client)
            spec = client.V1NetworkPolicySpec(pod_selector=client.V1LabelSelector())
            policy = net.create_namespaced_network_policy(
                ns, client.V1NetworkPolicy(metadata=client.V1ObjectMeta(name="np"), spec=spec)
            )
            out["netpol"] = policy.spec.policy_types

            pdb = client.PolicyV1Api(api_client).create_namespaced_pod_disruption_budget(
                ns,
                client.V1PodDisruptionBudget(
                    metadata=client.V1ObjectMeta(name="pdb"),
                    spec=client.V1PodDisruptionBudgetSpec(
                        min_available=1, selector=client.V1LabelSelector(match_labels={"app": "rc"})
                    ),
                ),
            )
            out["pdb_generation"] = pdb.metadata.generation

            sc = client.StorageV1Api(api_client).create_storage_class(
                client.V1StorageClass(metadata=client.V1ObjectMeta(name=f"sc-{ns}"), provisioner="p.example.com")
            )
            out["sc"] = (sc.reclaim_policy, sc.volume_binding_mode)
            deleted = client.StorageV1Api(api_client).delete_storage_class(f"sc-{ns}")
            out["sc_deleted"] = deleted.kind  # kube answers a StorageClass DELETE with the object

            batch = client.BatchV1Api(api_client)
            pod = client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(name="c", image="busybox")])
            job = client.V1JobSpec(template=client.V1PodTemplateSpec(spec=pod))
            cron = batch.create_namespaced_cron_job(
                ns,
                client.V1CronJob(
                    metadata=client.V1ObjectMeta(name="cj"),
                    spec=client.V1CronJobSpec(schedule="*/5 * * * *", job_template=client.V1JobTemplateSpec(spec=job)),
                ),
            )
            out["cron"] = (cron.spec.concurrency_policy, cron.spec.suspend, cron.spec.successful_jobs_history_limit)
            status = batch.read_namespaced_cron_job_status("cj", ns)
            out["cron_status"] = status.metadata.name
        return out

    out = await asyncio.to_thread(scenario)
    assert out["rc_defaults"] == (1, {"app": "rc"}, {"app": "rc"})
    assert out["rc_scale"] == (1, "app=rc")
    assert out["rc_replicas"] == 3 and out["rc_listed"] == ["rc"]
    assert out["hpa"] == (1, 80)
    assert out["netpol"] == ["Ingress"]
    assert out["pdb_generation"] == 1
    assert out["sc"] == ("Delete", "Immediate") and out["sc_deleted"] == "StorageClass"
    assert out["cron"] == ("Allow", False, 3) and out["cron_status"] == "cj"
