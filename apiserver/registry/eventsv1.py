"""events.k8s.io/v1 Events over the core/v1 Events' storage (pkg/apis/events/v1/conversion.go).

kube keeps one kind of Event in etcd (core/v1) and serves events.k8s.io/v1 as a conversion through the internal
type: the fields are the same under other names (regarding = involvedObject, note = message, the deprecated*
fields = source/firstTimestamp/lastTimestamp/count, reportingController = reportingComponent). Both directions
end in the target version's canonical form, so omitempty and zero values are the ones Go writes.
"""

from __future__ import annotations

from typing import Any

from aiokube.encoding import typed
from aiokube.encoding.k8s_schema import KINDS

Obj = dict[str, Any]

API_VERSION = "events.k8s.io/v1"
_V1_SCHEMA = KINDS[(API_VERSION, "Event")]
_CORE_SCHEMA = KINDS[("v1", "Event")]

#: core/v1 field -> events.k8s.io/v1 field, for the fields whose names differ
_TO_V1 = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_TO_CORE = {v1: core for core, v1 in _TO_V1.items()}

#: the events.k8s.io/v1 field selector labels and the core labels they select (AddFieldLabelConversionsForEvent)
FIELD_LABELS = {
    "reason": "reason",
    "regarding.kind": "involvedObject.kind",
    "regarding.namespace": "involvedObject.namespace",
    "regarding.name": "involvedObject.name",
    "regarding.uid": "involvedObject.uid",
    "regarding.apiVersion": "involvedObject.apiVersion",
    "regarding.resourceVersion": "involvedObject.resourceVersion",
    "regarding.fieldPath": "involvedObject.fieldPath",
    "reportingController": "reportingComponent",
    "type": "type",
    "metadata.namespace": "metadata.namespace",
    "metadata.name": "metadata.name",
}


def _renamed(obj: Obj, names: dict[str, str], api_version: str) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": api_version, "metadata": obj.get("metadata") or {}}
    for key, value in obj.items():
        if key not in ("kind", "apiVersion", "metadata"):
            out[names.get(key, key)] = value
    return out


def from_core(obj: Obj) -> Obj:
    """A stored core/v1 Event as events.k8s.io/v1 serves it."""
    return typed.canonical(_renamed(obj, _TO_V1, API_VERSION), _V1_SCHEMA)


def to_core(obj: Obj) -> Obj:
    """An events.k8s.io/v1 Event in the core/v1 form it is stored in."""
    return typed.canonical(_renamed(obj, _TO_CORE, "v1"), _CORE_SCHEMA)
