"""Content negotiation from ``Accept`` and ``Content-Type`` headers.

The parser follows Go's ``mime.ParseMediaType`` shapes; the choice follows kube's
``negotiation.NegotiateOutputMediaType``: the first acceptable media type by q-value and order wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"

SUPPORTED_INPUT = (JSON, YAML, PROTOBUF)


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    def param(self, name: str) -> str:
        return self.params.get(name, "")


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


def parse_accept(header: str | None) -> list[MediaType]:
    """Accept clauses sorted by q (stable: ties keep the client's order); q=0 clauses dropped."""
    if not header:
        return [MediaType("*/*")]
    clauses = [parse_media_type(c) for c in header.split(",") if c.strip()]
    clauses = [c for c in clauses if c.q > 0]
    return sorted(clauses, key=lambda c: -c.q)


def media_type_matches(clause: MediaType, candidate: str) -> bool:
    if clause.type in ("*/*", "*"):
        return True
    if clause.type.endswith("/*"):
        return candidate.startswith(clause.type[:-1])
    return clause.type == candidate


def content_type_of(header: str | None) -> str:
    """The bare media type of a request body; a missing Content-Type means JSON (as kube assumes)."""
    if not header:
        return JSON
    return parse_media_type(header).type
