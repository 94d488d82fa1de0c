"""The schema checks of a custom resource write (apiextensions-apiserver ``pkg/registry/customresource``).

``customResourceStrategy.Validate`` runs, in this order, kube-openapi schema validation
(:mod:`.validator`), embedded-resource checks (:mod:`.embedded`), list-type uniqueness
(:mod:`.listtype`) and the CRD's validation rules (:mod:`.celrules`); this module is that composition, the
one entry point the registry store calls.
"""

from __future__ import annotations

from aiokube.apiserver.apiextensions import celrules
from aiokube.apiserver.apiextensions.embedded import validate_embedded
from aiokube.apiserver.apiextensions.listtype import validate_list_sets_and_maps
from aiokube.apiserver.apiextensions.structural import Obj, Schema
from aiokube.apiserver.apiextensions.validator import validate_value
from aiokube.apiserver.errors import Cause

#: kube's cause when a schema error keeps the validation rules from running (hasBlockingErr)
_BLOCKING = {"FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany",
             "FieldValueTypeInvalid"}  # fmt: skip
RULES_NOT_CHECKED = Cause(
    "FieldValueInvalid",
    celrules.ROOT_PATH,
    "Invalid value: null: some validation rules were not checked because the object was invalid; correct the "
    "existing errors to complete validation",
)


def validate(
    obj: Obj, schema: Schema | None, old: Obj | None = None, rules: celrules.RuleNode | None = None
) -> list[Cause]:
    """The schema checks of creating (``old`` None) or updating a custom resource, as kube's strategy runs them.

    Schema validation, then TypeMeta/ObjectMeta of embedded resources, then list-type set/map
    uniqueness, then the CRD's x-kubernetes-validations rules (``rules``, compiled by
    :func:`.celrules.compile_schema`), unless an earlier error blocks them. Causes carry kube's reason, field
    and message (``spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer:
    "string"``). The root's ObjectMeta and TypeMeta are validated elsewhere.
    """
    causes = validate_value(obj, schema)
    if schema is not None:
        validate_embedded("", obj, schema, causes)
        validate_list_sets_and_maps("", schema, obj, causes)
    if rules is not None:
        if any(c.type in _BLOCKING for c in causes):
            causes.append(RULES_NOT_CHECKED)
        else:
            causes.extend(celrules.validate(rules, obj, old))
    return causes
