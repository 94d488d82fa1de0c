"""Options of the verbs, as the registry sees them once the HTTP edge has parsed them (metav1.CreateOptions,
UpdateOptions, PatchOptions, DeleteOptions, ListOptions), and the resourceVersion rules they share."""

from __future__ import annotations

from dataclasses import dataclass

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.storage.selection import FieldSelector, LabelSelector
from aiokube.storage.store import Preconditions

META_GROUP = "meta.k8s.io"


@dataclass(slots=True)
class WriteOptions:
    """Create/Update/PatchOptions: ``dryRun=All``, ``fieldValidation``, ``fieldManager``."""

    dry_run: bool
    field_validation: str
    field_manager: str


@dataclass(slots=True)
class DeleteOptions:
    dry_run: bool = False
    preconditions: Preconditions | None = None
    propagation_policy: str = ""
    grace_period_seconds: int | None = None
    orphan_dependents: bool | None = None


@dataclass(slots=True)
class ListOptions:
    label: LabelSelector
    field: FieldSelector
    limit: int
    continue_token: str
    resource_version: str
    resource_version_match: str


def parse_resource_version(value: str) -> int:
    """storage.APIObjectVersioner.ParseResourceVersion, as the 400 kube returns for a bad one."""
    if not value or value == "0":
        return 0
    try:
        rv = int(value)
        if rv < 0 or not value.isdigit():
            raise ValueError
        return rv
    except ValueError:
        raise errors.bad_request(
            f'invalid resource version: resourceVersion: Invalid value: "{value}": '
            f'strconv.ParseUint: parsing "{value}": invalid syntax'
        ) from None


def validate_list_options(opts: ListOptions) -> None:
    """metainternalversion/validation.ValidateListOptions (the list part; endpoints/watch.py has the watch part)."""
    errs = FieldErrors()
    match = opts.resource_version_match
    if match:
        if not opts.resource_version:
            errs.forbidden(
                "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"
            )
        if opts.continue_token:
            errs.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
        if match not in ("Exact", "NotOlderThan"):
            errs.not_supported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""])
        if match == "Exact" and opts.resource_version == "0":
            errs.forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
    if errs:
        raise errors.invalid(GroupKind(META_GROUP, "ListOptions"), "", errs.causes)
