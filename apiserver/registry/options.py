"""Options of the verbs, as the registry sees them once the HTTP edge has parsed them (metav1.CreateOptions,
UpdateOptions, PatchOptions, DeleteOptions, ListOptions), and the resourceVersion rules they share."""

from __future__ import annotations

from dataclasses import dataclass

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.golang import go_quote
from aiokube.storage.selection import FieldSelector, LabelSelector
from aiokube.storage.store import Preconditions

META_GROUP = "meta.k8s.io"
UINT64_MAX = 2**64 - 1


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
    #: the query had sendInitialEvents (a LIST may not: kube's 422)
    send_initial_events: bool = False


def parse_resource_version(value: str, *, listing: bool = True) -> int:
    """storage.APIObjectVersioner.ParseResourceVersion (strconv.ParseUint, 64 bits): a LIST reports a bad
    value as kube's 400; a GET or WATCH gets the bare error, which kube writes as a 500 without a reason (the
    cacher returns it unwrapped), so this server does too. Values beyond int64 that fit uint64 parse, as in
    kube: no etcd revision is that large (storage answers "too large" without asking etcd)."""
    if not value or value == "0":
        return 0
    problem = "invalid syntax"
    if value.isascii() and value.isdigit():
        rv = int(value)
        if rv <= UINT64_MAX:
            return rv
        problem = "value out of range"
    quoted = go_quote(value)
    text = f"resourceVersion: Invalid value: {quoted}: strconv.ParseUint: parsing {quoted}: {problem}"
    if listing:
        raise errors.bad_request(f"invalid resource version: {text}")
    raise errors.StatusError(500, "", text)


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
    if opts.send_initial_events:
        errs.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
    if errs:
        raise errors.invalid(GroupKind(META_GROUP, "ListOptions"), "", errs.causes)
