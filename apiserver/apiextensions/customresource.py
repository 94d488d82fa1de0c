"""The schema checks of a custom resource write (apiextensions-apiserver ``pkg/registry/customresource``).

``customResourceStrategy.Validate`` runs, in this order, kube-openapi schema validation
(:mod:`.validator`), embedded-resource checks (:mod:`.embedded`) and list-type uniqueness
(:mod:`.listtype`); this module is that composition, the one entry point the registry store calls.
"""

from __future__ import annotations

from aiokube.apiserver.apiextensions.embedded import validate_embedded
from aiokube.apiserver.apiextensions.listtype import validate_list_sets_and_maps
from aiokube.apiserver.apiextensions.structural import Obj, Schema
from aiokube.apiserver.apiextensions.validator import validate_value
from aiokube.apiserver.errors import Cause


def validate(obj: Obj, schema: Schema | None) -> list[Cause]:
    """The schema checks of creating a custom resource, as kube's strategy runs them.

    Schema validation, then TypeMeta/ObjectMeta of embedded resources, then list-type set/map
    uniqueness. Causes carry kube's reason, field and message (``spec.replicas: Invalid value:
    "string": spec.replicas in body must be of type integer: "string"``). The root's ObjectMeta and
    TypeMeta are validated elsewhere; x-kubernetes-validations (CEL) rules are not evaluated.
    """
    causes = validate_value(obj, schema)
    if schema is not None:
        validate_embedded("", obj, schema, causes)
        validate_list_sets_and_maps("", schema, obj, causes)
    return causes
