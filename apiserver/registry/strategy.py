"""Per-type create/update strategies: what kube's registry strategies do to an object before it is stored.

Only the parts a client can observe are reproduced: status reset on create and kept on update (for types
with a status subresource), ``metadata.generation`` (set to 1 on create and bumped by each type's rule),
a few defaults users see everywhere (namespace phase and finalizer, Secret type), and the selectable
fields used by field selectors. Sources: pkg/registry/<group>/<type>/strategy.go in kubernetes 1.36.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.registry import podapparmor, podlabelkeys, requester
from aiokube.apiserver.registry.meta import now_rfc3339

Obj = dict[str, Any]


def _bool_str(value: Any) -> str:
    return "true" if value else "false"


class Strategy:
    """Default strategy: no status, no generation."""

    #: "spec" bumps generation when spec changes; "spec+annotations" also on annotation changes;
    #: "non-metadata" when anything outside metadata changes; "endpointslice" on non-metadata or labels;
    #: "field:<name>" when that top-level field changes; "create" sets it to 1 and never bumps it.
    generation: str | None = None
    #: Types with a status subresource: status is reset on create and kept from the old object on update.
    has_status: bool = False
    #: Extra selectable fields beyond metadata.name/metadata.namespace (see selectable_fields).
    field_labels: tuple[str, ...] = ()
    #: How an unsupported field label is reported: "default", "core", "job" or "gvk" (see selection.py).
    field_label_style: str = "default"

    def initial_status(self, obj: Obj) -> Obj | None:
        return {}

    def as_field_manager_sees(self, obj: Obj) -> None:
        """What kube's field manager sees of a created object: the versioned object converted from the internal
        one, which for some kinds carries fields the conversion writes (a DaemonSet's generation annotation)."""

    def prepare_for_create(self, obj: Obj) -> None:
        if self.has_status:
            status = self.initial_status(obj)
            if status is None:
                obj.pop("status", None)
            else:
                obj["status"] = status
        if self.generation:
            obj["metadata"]["generation"] = 1

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if self.generation and self._spec_changed(new, old):
            new["metadata"]["generation"] = old["metadata"].get("generation", 0) + 1

    @classmethod
    def with_generation(cls, rule: str) -> Strategy:
        """A default strategy with its own generation rule (no status)."""
        strategy = cls()
        strategy.generation = rule
        return strategy

    def _spec_changed(self, new: Obj, old: Obj) -> bool:
        rule = self.generation
        if rule == "create":
            return False
        if rule is not None and rule.startswith("field:"):
            name = rule[6:]
            return new.get(name) != old.get(name)
        if rule in ("spec", "spec+annotations"):
            if new.get("spec") != old.get("spec"):
                return True
            return rule == "spec+annotations" and (new["metadata"].get("annotations") or {}) != (
                old["metadata"].get("annotations") or {}
            )
        non_meta_new = {k: v for k, v in new.items() if k not in ("metadata", "kind", "apiVersion")}
        non_meta_old = {k: v for k, v in old.items() if k not in ("metadata", "kind", "apiVersion")}
        if non_meta_new != non_meta_old:
            return True
        if rule == "endpointslice":
            return (new["metadata"].get("labels") or {}) != (old["metadata"].get("labels") or {})
        return False

    def canonicalize(self, obj: Obj) -> None:
        """Defaults applied on every write (kube: defaulting + Canonicalize)."""

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        """Field set for field selectors (kube: GetAttrs / ToSelectableFields), beyond name/namespace."""
        return {}


class SpecStrategy(Strategy):
    """No status; generation bumped when spec changes (IngressClass, NetworkPolicy, DeviceClass, ...)."""

    generation = "spec"


class CSIDriverStrategy(SpecStrategy):
    """Created without a generation; each spec change bumps it (from 0: the first is 1)."""

    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        obj["metadata"].pop("generation", None)


class SpecStatusStrategy(Strategy):
    """The spec/status split: status reset on create and kept on update, generation bumped on spec changes
    (CronJob, Ingress, PodDisruptionBudget, FlowSchema, ...)."""

    generation = "spec"
    has_status = True


class ReplicationControllerStrategy(SpecStatusStrategy):
    field_labels = ("status.replicas",)
    field_label_style = "core"

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.replicas": str((obj.get("status") or {}).get("replicas", 0))}


class ResourceSliceStrategy(SpecStrategy):
    field_labels = ("spec.nodeName", "spec.driver")
    field_label_style = "gvk"

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        spec = obj.get("spec") or {}
        return {"spec.nodeName": spec.get("nodeName") or "", "spec.driver": spec.get("driver", "")}


class WorkloadStrategy(SpecStatusStrategy):
    """apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1 Job."""


class DaemonSetStrategy(WorkloadStrategy):
    """The internal ``spec.templateGeneration``, which apps/v1 carries in an annotation: 1 on create (or the
    annotation's value when higher), kept on update and bumped when the pod template changes."""

    ANNOTATION = "deprecated.daemonset.template.generation"

    @classmethod
    def _template_generation(cls, obj: Obj) -> int:
        value = ((obj.get("metadata") or {}).get("annotations") or {}).get(cls.ANNOTATION)
        try:
            return int(value) if value is not None else 0
        except (TypeError, ValueError):
            return 0

    @classmethod
    def _set(cls, obj: Obj, generation: int) -> None:
        md = obj["metadata"]
        md["annotations"] = {**(md.get("annotations") or {}), cls.ANNOTATION: str(generation)}

    def as_field_manager_sees(self, obj: Obj) -> None:
        """apps/v1's conversion always writes the annotation (the request's value, or 0): the creator owns it."""
        self._set(obj, self._template_generation(obj))

    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        self._set(obj, max(self._template_generation(obj), 1))

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        generation = self._template_generation(old)
        if (new.get("spec") or {}).get("template") != (old.get("spec") or {}).get("template"):
            generation += 1
        self._set(new, generation)


class DeploymentStrategy(WorkloadStrategy):
    generation = "spec+annotations"


class StatusOnlyStrategy(Strategy):
    """Types with a status subresource and no generation (services, PVCs)."""

    has_status = True


class CertificateSigningRequestStrategy(StatusOnlyStrategy):
    field_labels = ("spec.signerName",)
    field_label_style = "core"

    def prepare_for_create(self, obj: Obj) -> None:
        """The requester's identity replaces whatever the body claims (kube's csrStrategy.PrepareForCreate):
        approvers trust ``spec.username`` and ``spec.groups``."""
        super().prepare_for_create(obj)
        spec = obj.setdefault("spec", {})
        for key in ("username", "uid", "groups", "extra"):
            spec.pop(key, None)
        user = requester.current()
        if user is not None:
            spec.update(user.as_json())

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"spec.signerName": (obj.get("spec") or {}).get("signerName", "")}


class NamespaceStrategy(Strategy):
    has_status = True
    field_labels = ("status.phase",)
    field_label_style = "core"

    def initial_status(self, obj: Obj) -> Obj:
        return {"phase": "Active"}

    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        # spec.finalizers change only through the /finalize subresource
        old_spec = old.get("spec") or {}
        new_spec = new.setdefault("spec", {})
        if "finalizers" in old_spec:
            new_spec["finalizers"] = old_spec["finalizers"]
        else:
            new_spec.pop("finalizers", None)

    def canonicalize(self, obj: Obj) -> None:
        name = obj["metadata"].get("name")
        if name:
            labels = obj["metadata"].setdefault("labels", {})
            labels["kubernetes.io/metadata.name"] = name

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.phase": (obj.get("status") or {}).get("phase", "")}


def pod_qos_class(pod: Obj) -> str:
    """qos.GetPodQOS: BestEffort with no requests/limits, Guaranteed when requests == limits for cpu+memory."""
    containers = list((pod.get("spec") or {}).get("containers") or []) + list(
        (pod.get("spec") or {}).get("initContainers") or []
    )
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        requests.update(req)
        limits.update(lim)
        if set(lim) != {"cpu", "memory"}:
            guaranteed = False
        for k, v in req.items():
            if lim.get(k) != v:
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


class PodStrategy(Strategy):
    generation = "spec"
    has_status = True
    field_labels = (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    )
    field_label_style = "core"

    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        podlabelkeys.apply(obj)
        podapparmor.apply_version_skew(obj)

    def initial_status(self, obj: Obj) -> Obj:
        status: Obj = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
        if (obj.get("spec") or {}).get("schedulingGates"):
            status["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": None,
                    "reason": "SchedulingGated",
                    "message": "Scheduling is blocked due to non-empty scheduling gates",
                }
            ]
        return status

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        pod_ips = status.get("podIPs") or []
        security = spec.get("securityContext")
        return {
            "spec.nodeName": spec.get("nodeName", ""),
            "spec.restartPolicy": spec.get("restartPolicy", ""),
            "spec.schedulerName": spec.get("schedulerName", ""),
            "spec.serviceAccountName": spec.get("serviceAccountName", ""),
            "spec.hostNetwork": _bool_str(bool(security is not None and spec.get("hostNetwork"))),
            "status.phase": status.get("phase", ""),
            "status.podIP": pod_ips[0].get("ip", "") if pod_ips else "",
            "status.nominatedNodeName": status.get("nominatedNodeName", ""),
        }


class NodeStrategy(Strategy):
    field_labels = ("spec.unschedulable",)
    field_label_style = "core"

    def prepare_for_create(self, obj: Obj) -> None:
        """Nodes keep the status they are created with (the kubelet registers with one), without the removed
        dynamic kubelet configuration's ``spec.configSource`` and ``status.config``."""
        spec, status = obj.get("spec"), obj.get("status")
        if isinstance(spec, dict):
            spec.pop("configSource", None)
        if isinstance(status, dict):
            status.pop("config", None)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
        spec = new.get("spec")
        if isinstance(spec, dict) and "configSource" not in (old.get("spec") or {}):
            spec.pop("configSource", None)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"spec.unschedulable": _bool_str((obj.get("spec") or {}).get("unschedulable", False))}


class PersistentVolumeStrategy(Strategy):
    has_status = True

    def initial_status(self, obj: Obj) -> Obj:
        return {"phase": "Pending", "lastPhaseTransitionTime": now_rfc3339()}


class ServiceStrategy(StatusOnlyStrategy):
    field_labels = ("spec.clusterIP", "spec.type")
    field_label_style = "core"

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        spec = obj.get("spec") or {}
        return {"spec.clusterIP": spec.get("clusterIP", ""), "spec.type": spec.get("type", "")}


class SecretStrategy(Strategy):
    field_labels = ("type",)
    field_label_style = "core"

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        if not new.get("type"):
            new["type"] = old.get("type", "Opaque")

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"type": obj.get("type", "")}


class EventStrategy(Strategy):
    field_labels = (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    )
    field_label_style = "core"

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        inv = obj.get("involvedObject") or {}
        source = (obj.get("source") or {}).get("component", "") or obj.get("reportingComponent", "")
        out = {f"involvedObject.{k}": inv.get(k, "") for k in (
            "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"
        )}  # fmt: skip
        out.update(
            reason=obj.get("reason", ""),
            reportingComponent=obj.get("reportingComponent", ""),
            source=source,
            type=obj.get("type", ""),
        )
        return out


class JobStrategy(WorkloadStrategy):
    """Without ``spec.manualSelector``, a Job selects its own pods by its uid: kube's generateSelector labels
    the pod template with the job's name and uid (legacy and ``batch.kubernetes.io/`` keys, each kept when the
    client set it) and selects ``batch.kubernetes.io/controller-uid``."""

    field_labels = ("status.successful",)
    field_label_style = "job"

    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        spec = obj.get("spec")
        if not isinstance(spec, dict) or spec.get("manualSelector"):
            return
        md = obj["metadata"]
        template = spec.setdefault("template", {})
        template_md = template.setdefault("metadata", {})
        labels = template_md.get("labels") if isinstance(template_md.get("labels"), dict) else {}
        template_md["labels"] = labels
        for key in ("job-name", "batch.kubernetes.io/job-name"):
            labels.setdefault(key, md.get("name", ""))
        for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
            labels.setdefault(key, md.get("uid", ""))
        selector = spec.get("selector") if isinstance(spec.get("selector"), dict) else {}
        spec["selector"] = selector
        match = selector.get("matchLabels") if isinstance(selector.get("matchLabels"), dict) else {}
        selector["matchLabels"] = match
        match.setdefault("batch.kubernetes.io/controller-uid", md.get("uid", ""))

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.successful": str((obj.get("status") or {}).get("succeeded", 0))}


class ServiceAccountStrategy(Strategy):
    def canonicalize(self, obj: Obj) -> None:
        # cleanSecretReferences: only the name of each referenced secret is kept
        secrets = obj.get("secrets")
        if isinstance(secrets, list):
            obj["secrets"] = [{"name": s.get("name", "")} if isinstance(s, dict) else s for s in secrets]


class EndpointSliceStrategy(Strategy):
    generation = "endpointslice"


class CRDStrategy(Strategy):
    generation = "spec"
    has_status = True

    def initial_status(self, obj: Obj) -> Obj:
        versions = (obj.get("spec") or {}).get("versions") or []
        stored = [v.get("name") for v in versions if isinstance(v, dict) and v.get("storage")]
        return {"storedVersions": stored[:1]} if stored else {}
