"""Content negotiation from ``Accept`` and ``Content-Type`` headers, as kube-apiserver does it.

Output: k8s.io/apiserver/pkg/endpoints/handlers/negotiation.NegotiateMediaTypeOptions — Accept clauses are
tried by q-value (then specificity, then order) against the serializers in kube's order (JSON, YAML,
protobuf); a clause is taken only if all its parameters are understood: ``pretty``, ``stream=watch`` (for
watch requests, on a serializer that can stream), and a conversion ``as=Table|PartialObjectMetadata[List]``
with ``v=v1|v1beta1;g=meta.k8s.io``. Nothing acceptable → 406.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"

SUPPORTED_INPUT = (JSON, YAML, PROTOBUF)
SUPPORTED_OUTPUT = (JSON, YAML, PROTOBUF)
STREAMING = (JSON, PROTOBUF)
CONVERSIONS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")

ENCODER_IDS = {JSON: "json", YAML: "yaml", PROTOBUF: "protobuf"}


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    def param(self, name: str) -> str:
        return self.params.get(name, "")


class NotAcceptable(Exception):
    def __init__(self, accepted: tuple[str, ...] = SUPPORTED_OUTPUT) -> None:
        super().__init__(f"only the following media types are accepted: {', '.join(accepted)}")
        self.message = str(self)


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """What to write: an encoder id, the exact Content-Type, and an optional conversion."""

    encoder: str  # "json" | "yaml" | "protobuf"
    media_type: str  # the serializer's media type
    content_type: str  # the response Content-Type header, exactly as kube writes it
    convert: str = ""  # "" | "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList"
    convert_version: str = ""  # "v1" | "v1beta1"
    pretty: bool = False


def parse_media_type(text: str) -> MediaType:
    parts = [p.strip() for p in text.split(";")]
    mtype = parts[0].lower()
    params: dict[str, str] = {}
    q = 1.0
    for p in parts[1:]:
        if "=" not in p:
            continue
        k, v = p.split("=", 1)
        k, v = k.strip().lower(), v.strip().strip('"')
        if k == "q":
            try:
                q = float(v)
            except ValueError:
                q = 0.0
        else:
            params[k] = v
    return MediaType(mtype, params, q)


def _specificity(clause: MediaType) -> int:
    if clause.type in ("*/*", "*"):
        return 0
    if clause.type.endswith("/*"):
        return 1
    return 2 + len(clause.params)


def parse_accept(header: str | None) -> list[MediaType]:
    """Accept clauses by q then specificity (goautoneg.ParseAccept); q=0 clauses dropped."""
    if not header:
        return [MediaType("*/*")]
    clauses = [parse_media_type(c) for c in header.split(",") if c.strip()]
    clauses = [c for c in clauses if c.q > 0]
    return sorted(clauses, key=lambda c: (-c.q, -_specificity(c)))


def _matches(clause: MediaType, media: str) -> bool:
    if clause.type in ("*/*", "*"):
        return True
    if clause.type.endswith("/*"):
        return media.startswith(clause.type[:-1])
    return clause.type == media


def _accept_options(clause: MediaType, media: str, stream: bool, conversions: bool) -> OutputFormat | None:
    """negotiation.acceptMediaTypeOptions: None when a parameter of the clause cannot be honoured."""
    convert = version = ""
    pretty = False
    for k, v in clause.params.items():
        if k == "pretty":
            pretty = v == "1"
        elif k == "stream":
            if v != "watch" or not stream:
                return None
        elif k == "as":
            convert = v
        elif k == "v":
            version = v
        elif k == "g":
            if v != "meta.k8s.io":
                return None
        elif k in ("charset",):
            continue
        else:
            return None
    if stream and media not in STREAMING:
        return None
    if convert:
        if not conversions or convert not in CONVERSIONS or version not in ("v1", "v1beta1"):
            return None
        if convert == "Table" and media not in (JSON, YAML):  # kube's AllowsMediaTypeTransform: no protobuf Table
            return None
    elif version:
        return None
    # kube writes the serializer's media type (a Table is plain application/json); non-JSON streams say so
    content_type = f"{media};stream=watch" if stream and media != JSON else media
    return OutputFormat(ENCODER_IDS[media], media, content_type, convert, version, pretty)


def negotiate(
    accept: str | None,
    *,
    stream: bool = False,
    conversions: bool = True,
    available: tuple[str, ...] = SUPPORTED_OUTPUT,
) -> OutputFormat:
    """The output format for a request, or NotAcceptable (406). Clients send the same few Accept headers
    over and over: the answers are remembered (parsing one was ~2% of a pod create)."""
    if accept is not None and len(accept) > 1024:
        return _negotiate(accept, stream, conversions, available)
    return _negotiate_remembered(accept, stream, conversions, available)


def _negotiate(accept: str | None, stream: bool, conversions: bool, available: tuple[str, ...]) -> OutputFormat:
    for clause in parse_accept(accept):
        for media in available:
            if _matches(clause, media):
                fmt = _accept_options(clause, media, stream, conversions)
                if fmt is not None:
                    return fmt
    raise NotAcceptable()


_negotiate_remembered = functools.lru_cache(maxsize=512)(_negotiate)


def content_type_of(header: str | None) -> str:
    """The bare media type of a request body; a missing Content-Type means JSON (as kube assumes)."""
    if not header:
        return JSON
    return parse_media_type(header).type


#: what a built-in resource's go-restful routes declare they produce (kube's MediaTypesForSerializer): every
#: route the serializer's media types, a collection GET (list, watch) also the stream types
ROUTE_PRODUCES = (JSON, YAML, PROTOBUF)
ROUTE_PRODUCES_STREAM = (*ROUTE_PRODUCES, f"{JSON};stream=watch", f"{PROTOBUF};stream=watch")


def route_accepts(header: str | None, produces: tuple[str, ...]) -> bool:
    """go-restful's Route.matchesAccept, which runs before kube's own negotiation: some comma-separated entry
    of Accept, parameters cut off, is ``*/*`` or exactly one of ``produces`` (no header means ``*/*``)."""
    if not header:
        return True
    for entry in header.split(","):
        media = entry.split(";", 1)[0].strip(" \t")
        if media == "*/*" or media in produces:
            return True
    return False


def goautoneg_accept(header: str) -> list[tuple[str, str]]:
    """``goautoneg.ParseAccept`` (what kube-openapi negotiates with) as (type, subtype) pairs, best first.

    Unlike the API's negotiation it keeps q=0 clauses, compares case-sensitively, drops a clause without a
    ``/`` (other than ``*``) or with two, and sorts with Go's ``sort.Sort`` over goautoneg's ``Less`` (q, then
    ``*`` last): an insertion sort for the short lists Accept headers are, reproduced as such because that
    ``Less`` is not a strict order (a lower-q concrete type can move ahead of a ``*``)."""
    clauses: list[tuple[str, str, float]] = []
    for part in header.split(","):
        part = part.strip(" ")
        if not part:
            continue
        media, _, params = part.partition(";")
        mtype, slash, rest = media.partition("/")
        mtype = mtype.strip(" ")
        if not slash or not rest:
            if mtype != "*":
                continue
            subtype = "*"
        elif "/" in rest:
            continue
        else:
            subtype = rest.strip(" ")
        q = 1.0
        for param in params.split(";") if params else ():
            key, eq, value = param.partition("=")
            if eq and "=" not in value and key.strip(" ") == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        clauses.append((mtype, subtype, q))

    def less(a: tuple[str, str, float], b: tuple[str, str, float]) -> bool:
        return a[2] > b[2] or (a[0] != "*" and b[0] == "*") or (a[1] != "*" and b[1] == "*")

    for i in range(1, len(clauses)):
        j = i
        while j > 0 and less(clauses[j], clauses[j - 1]):
            clauses[j], clauses[j - 1] = clauses[j - 1], clauses[j]
            j -= 1
    return [(t, s) for t, s, _ in clauses]
