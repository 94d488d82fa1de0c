"""OpenAPI documents as gnostic protobuf: what kube-openapi serves for ``application/com.github.proto-openapi.
spec.v2@v1.0+protobuf`` (an ``openapi.v2.Document``) and ``...spec.v3@v1.0+protobuf`` (``openapi.v3.Document``).

kube makes these with ``ParseDocument(json)`` then ``proto.Marshal``: gnostic's compiler reads the JSON as YAML
nodes and fills its messages key by key. This module does the same from the JSON value, driven by the message
tables below (the field numbers of gnostic-models' ``OpenAPIv2.proto`` / ``OpenAPIv3.proto``), and writes Go's
proto3 bytes: fields in number order, zero scalars omitted, set messages and oneof members always written.
gnostic's rules that shape the bytes:

- free-form values (``default``, ``example``, ``enum`` entries, ``x-`` extensions) are ``Any{yaml}``: the
  go-yaml v3 text of the value (:mod:`encoding.goyaml3`);
- maps become repeated ``Named*{name, value}`` pairs in document order, wrapped in a message of their own
  (``Definitions``, ``Properties``) or matched by key pattern (paths ``^/``, responses ``^[0-9]{3}$``);
- a choice between messages (``SchemaOrReference``, ``ParametersItem``...) takes the *last* alternative that
  parses without error: a ``$ref`` object is a reference, a parameter is the sub-schema its ``in`` names;
- v3 ``Schema.default`` is a ``DefaultType`` (number, bool or string): an object or array default is lost, an
  empty ``DefaultType`` is written in its place.

gnostic refuses keys its schema does not know (kube then serves no protobuf at all); here they are ignored.
:func:`decode` reads the bytes back with the same tables (tests: the round trip).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .goyaml import yaml_to_json
from .goyaml3 import marshal as yaml_text
from .protobuf import parse_fields, varint

V2_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
V3_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf"

# Field types: s string, b bool, d double, i int64, Any, a message name; [T] a repeated field read from a
# JSON array; {T} a map message (field 1: repeated Named{name = 1, value = 2 T}) read from a JSON object.
# A key starting with ^ is a pattern: the object's own keys that match it, as repeated Named{T}; "x" is the
# object's ^x- extensions (repeated NamedAny).
_V2 = """
Document: swagger 1 s, info 2 Info, host 3 s, basePath 4 s, schemes 5 [s], consumes 6 [s], produces 7 [s],
  paths 8 Paths, definitions 9 {Schema}, parameters 10 {Parameter}, responses 11 {Response},
  security 12 [SecurityRequirement], securityDefinitions 13 {SecurityDefinitionsItem}, tags 14 [Tag],
  externalDocs 15 ExternalDocs, x 16
Info: title 1 s, version 2 s, description 3 s, termsOfService 4 s, contact 5 Contact, license 6 License, x 7
Contact: name 1 s, url 2 s, email 3 s, x 4
License: name 1 s, url 2 s, x 3
ExternalDocs: description 1 s, url 2 s, x 3
Tag: name 1 s, description 2 s, externalDocs 3 ExternalDocs, x 4
Xml: name 1 s, namespace 2 s, prefix 3 s, attribute 4 b, wrapped 5 b, x 6
JsonReference: $ref 1 s, description 2 s
SecurityRequirement: {StringArray}
Paths: x 1, ^/ 2 PathItem
PathItem: $ref 1 s, get 2 Operation, put 3 Operation, post 4 Operation, delete 5 Operation, options 6 Operation,
  head 7 Operation, patch 8 Operation, parameters 9 [ParametersItem], x 10
Operation: tags 1 [s], summary 2 s, description 3 s, externalDocs 4 ExternalDocs, operationId 5 s,
  produces 6 [s], consumes 7 [s], parameters 8 [ParametersItem], responses 9 Responses, schemes 10 [s],
  deprecated 11 b, security 12 [SecurityRequirement], x 13
Responses: ^([0-9]{3})$|^(default)$ 1 ResponseValue, x 2
Response: description 1 s, schema 2 SchemaItem, headers 3 {Header}, examples 4 {Any}, x 5
BodyParameter: description 1 s, name 2 s, in 3 s, required 4 b, schema 5 Schema, x 6
HeaderParameterSubSchema: required 1 b, in 2 s, description 3 s, name 4 s, type 5 s, format 6 s,
  items 7 PrimitivesItems, collectionFormat 8 s, default 9 Any, maximum 10 d, exclusiveMaximum 11 b, minimum 12 d,
  exclusiveMinimum 13 b, maxLength 14 i, minLength 15 i, pattern 16 s, maxItems 17 i, minItems 18 i,
  uniqueItems 19 b, enum 20 [Any], multipleOf 21 d, x 22
PathParameterSubSchema: =HeaderParameterSubSchema
QueryParameterSubSchema: required 1 b, in 2 s, description 3 s, name 4 s, allowEmptyValue 5 b, type 6 s,
  format 7 s, items 8 PrimitivesItems, collectionFormat 9 s, default 10 Any, maximum 11 d, exclusiveMaximum 12 b,
  minimum 13 d, exclusiveMinimum 14 b, maxLength 15 i, minLength 16 i, pattern 17 s, maxItems 18 i,
  minItems 19 i, uniqueItems 20 b, enum 21 [Any], multipleOf 22 d, x 23
FormDataParameterSubSchema: =QueryParameterSubSchema
PrimitivesItems: type 1 s, format 2 s, items 3 PrimitivesItems, collectionFormat 4 s, default 5 Any,
  maximum 6 d, exclusiveMaximum 7 b, minimum 8 d, exclusiveMinimum 9 b, maxLength 10 i, minLength 11 i,
  pattern 12 s, maxItems 13 i, minItems 14 i, uniqueItems 15 b, enum 16 [Any], multipleOf 17 d, x 18
Header: type 1 s, format 2 s, items 3 PrimitivesItems, collectionFormat 4 s, default 5 Any, maximum 6 d,
  exclusiveMaximum 7 b, minimum 8 d, exclusiveMinimum 9 b, maxLength 10 i, minLength 11 i, pattern 12 s,
  maxItems 13 i, minItems 14 i, uniqueItems 15 b, enum 16 [Any], multipleOf 17 d, description 18 s, x 19
Schema: $ref 1 s, format 2 s, title 3 s, description 4 s, default 5 Any, multipleOf 6 d, maximum 7 d,
  exclusiveMaximum 8 b, minimum 9 d, exclusiveMinimum 10 b, maxLength 11 i, minLength 12 i, pattern 13 s,
  maxItems 14 i, minItems 15 i, uniqueItems 16 b, maxProperties 17 i, minProperties 18 i, required 19 [s],
  enum 20 [Any], additionalProperties 21 AdditionalPropertiesItem, type 22 TypeItem, items 23 ItemsItem,
  allOf 24 [Schema], properties 25 {Schema}, discriminator 26 s, readOnly 27 b, xml 28 Xml,
  externalDocs 29 ExternalDocs, example 30 Any, x 31
FileSchema: format 1 s, title 2 s, description 3 s, default 4 Any, required 5 [s], type 6 s, readOnly 7 b,
  externalDocs 8 ExternalDocs, example 9 Any, x 10
BasicAuthenticationSecurity: type 1 s, description 2 s, x 3
ApiKeySecurity: type 1 s, name 2 s, in 3 s, description 4 s, x 5
Oauth2ImplicitSecurity: type 1 s, flow 2 s, scopes 3 {s}, authorizationUrl 4 s, description 5 s, x 6
Oauth2PasswordSecurity: type 1 s, flow 2 s, scopes 3 {s}, tokenUrl 4 s, description 5 s, x 6
Oauth2ApplicationSecurity: =Oauth2PasswordSecurity
Oauth2AccessCodeSecurity: type 1 s, flow 2 s, scopes 3 {s}, authorizationUrl 4 s, tokenUrl 5 s,
  description 6 s, x 7
"""

_V3 = """
Document: openapi 1 s, info 2 Info, servers 3 [Server], paths 4 Paths, components 5 Components,
  security 6 [SecurityRequirement], tags 7 [Tag], externalDocs 8 ExternalDocs, x 9
Info: title 1 s, description 2 s, termsOfService 3 s, contact 4 Contact, license 5 License, version 6 s, x 7,
  summary 8 s
Contact: name 1 s, url 2 s, email 3 s, x 4
License: name 1 s, url 2 s, x 3
ExternalDocs: description 1 s, url 2 s, x 3
Tag: name 1 s, description 2 s, externalDocs 3 ExternalDocs, x 4
Xml: name 1 s, namespace 2 s, prefix 3 s, attribute 4 b, wrapped 5 b, x 6
Reference: $ref 1 s, summary 2 s, description 3 s
SecurityRequirement: {StringArray}
Server: url 1 s, description 2 s, variables 3 {ServerVariable}, x 4
ServerVariable: enum 1 [s], default 2 s, description 3 s, x 4
Paths: ^/ 1 PathItem, x 2
PathItem: $ref 1 s, summary 2 s, description 3 s, get 4 Operation, put 5 Operation, post 6 Operation,
  delete 7 Operation, options 8 Operation, head 9 Operation, patch 10 Operation, trace 11 Operation,
  servers 12 [Server], parameters 13 [ParameterOrReference], x 14
Operation: tags 1 [s], summary 2 s, description 3 s, externalDocs 4 ExternalDocs, operationId 5 s,
  parameters 6 [ParameterOrReference], requestBody 7 RequestBodyOrReference, responses 8 Responses,
  callbacks 9 {CallbackOrReference}, deprecated 10 b, security 11 [SecurityRequirement], servers 12 [Server], x 13
Parameter: name 1 s, in 2 s, description 3 s, required 4 b, deprecated 5 b, allowEmptyValue 6 b, style 7 s,
  explode 8 b, allowReserved 9 b, schema 10 SchemaOrReference, example 11 Any, examples 12 {ExampleOrReference},
  content 13 {MediaType}, x 14
Header: description 1 s, required 2 b, deprecated 3 b, allowEmptyValue 4 b, style 5 s, explode 6 b,
  allowReserved 7 b, schema 8 SchemaOrReference, example 9 Any, examples 10 {ExampleOrReference},
  content 11 {MediaType}, x 12
RequestBody: description 1 s, content 2 {MediaType}, required 3 b, x 4
MediaType: schema 1 SchemaOrReference, example 2 Any, examples 3 {ExampleOrReference}, encoding 4 {Encoding}, x 5
Encoding: contentType 1 s, headers 2 {HeaderOrReference}, style 3 s, explode 4 b, allowReserved 5 b, x 6
Example: summary 1 s, description 2 s, value 3 Any, externalValue 4 s, x 5
Response: description 1 s, headers 2 {HeaderOrReference}, content 3 {MediaType}, links 4 {LinkOrReference}, x 5
Responses: default 1 ResponseOrReference, ^([0-9X]{3})$ 2 ResponseOrReference, x 3
Callback: ^ 1 PathItem, x 2
Link: operationRef 1 s, operationId 2 s, parameters 3 AnyOrExpression, requestBody 4 AnyOrExpression,
  description 5 s, server 6 Server, x 7
Components: schemas 1 {SchemaOrReference}, responses 2 {ResponseOrReference}, parameters 3 {ParameterOrReference},
  examples 4 {ExampleOrReference}, requestBodies 5 {RequestBodyOrReference}, headers 6 {HeaderOrReference},
  securitySchemes 7 {SecuritySchemeOrReference}, links 8 {LinkOrReference}, callbacks 9 {CallbackOrReference},
  x 10
SecurityScheme: type 1 s, description 2 s, name 3 s, in 4 s, scheme 5 s, bearerFormat 6 s, flows 7 OauthFlows,
  openIdConnectUrl 8 s, x 9
OauthFlows: implicit 1 OauthFlow, password 2 OauthFlow, clientCredentials 3 OauthFlow,
  authorizationCode 4 OauthFlow, x 5
OauthFlow: authorizationUrl 1 s, tokenUrl 2 s, refreshUrl 3 s, scopes 4 {s}, x 5
Discriminator: propertyName 1 s, mapping 2 {s}, x 3
Schema: nullable 1 b, discriminator 2 Discriminator, readOnly 3 b, writeOnly 4 b, xml 5 Xml,
  externalDocs 6 ExternalDocs, example 7 Any, deprecated 8 b, title 9 s, multipleOf 10 d, maximum 11 d,
  exclusiveMaximum 12 b, minimum 13 d, exclusiveMinimum 14 b, maxLength 15 i, minLength 16 i, pattern 17 s,
  maxItems 18 i, minItems 19 i, uniqueItems 20 b, maxProperties 21 i, minProperties 22 i, required 23 [s],
  enum 24 [Any], type 25 s, allOf 26 [SchemaOrReference], oneOf 27 [SchemaOrReference],
  anyOf 28 [SchemaOrReference], not 29 Schema, items 30 ItemsItem, properties 31 {SchemaOrReference},
  additionalProperties 32 AdditionalPropertiesItem, default 33 DefaultType, description 34 s, format 35 s, x 36
"""


@dataclass(frozen=True, slots=True)
class _Field:
    key: str  # the JSON key, or a key pattern (^...), or "x" for the extensions
    number: int
    type: str
    pattern: re.Pattern[str] | None = None


Table = dict[str, tuple[_Field, ...]]


def _table(text: str) -> Table:
    out: Table = {}
    for entry in re.split(r"\n(?=\S)", text.strip()):
        name, _, body = entry.partition(":")
        body = " ".join(body.split())
        if body.startswith("="):
            out[name] = out[body[1:]]
            continue
        if body.startswith("{"):  # a map message of its own
            out[name] = (_Field("*", 1, body),)
            continue
        fields = []
        for spec in body.split(", "):
            parts = spec.rsplit(" ", 2)
            if parts[0] == "x":
                fields.append(_Field("x", int(parts[1]), "Any", re.compile("^x-")))
                continue
            key, number, typ = parts
            fields.append(_Field(key, int(number), typ, re.compile(key) if key.startswith("^") else None))
        out[name] = tuple(sorted(fields, key=lambda f: f.number))
    return out


V2, V3 = _table(_V2), _table(_V3)

# --------------------------------------------------------------------------------------------------------
# The oneof messages: which alternative gnostic keeps (the last that parses), as (field number, type)
# --------------------------------------------------------------------------------------------------------

Chooser = Callable[[Any], "tuple[int, str] | None"]


def _or_ref(alternative: str, ref: str = "Reference") -> Chooser:
    return lambda v: (2, ref) if isinstance(v, dict) and "$ref" in v else (1, alternative)


def _additional(schema: str) -> Chooser:
    return lambda v: (2, "b") if isinstance(v, bool) else (1, schema)


_IN = {"header": 1, "formData": 2, "query": 3, "path": 4}
_SUB_SCHEMAS = {1: "HeaderParameterSubSchema", 2: "FormDataParameterSubSchema", 3: "QueryParameterSubSchema",
                4: "PathParameterSubSchema"}  # fmt: skip
_SECURITY = {"basic": 1, "apiKey": 2}
_OAUTH2 = {"implicit": 3, "password": 4, "application": 5, "accessCode": 6}
_SECURITY_TYPES = dict(enumerate(("BasicAuthenticationSecurity", "ApiKeySecurity", "Oauth2ImplicitSecurity",
    "Oauth2PasswordSecurity", "Oauth2ApplicationSecurity", "Oauth2AccessCodeSecurity"), start=1))  # fmt: skip
_OR_REFERENCE = ("Schema", "Parameter", "RequestBody", "Response", "Header", "Example", "Link", "Callback",
                 "SecurityScheme")  # fmt: skip


def _non_body(v: Any) -> tuple[int, str] | None:
    n = _IN.get(v.get("in")) if isinstance(v, dict) else None
    return (n, _SUB_SCHEMAS[n]) if n else None


def _security(v: Any) -> tuple[int, str] | None:
    if not isinstance(v, dict):
        return None
    n = _SECURITY.get(v.get("type")) or (_OAUTH2.get(v.get("flow")) if v.get("type") == "oauth2" else None)
    return (n, _SECURITY_TYPES[n]) if n else None


def _default_type(v: Any) -> tuple[int, str] | None:
    if isinstance(v, bool):
        return 2, "b"
    if isinstance(v, str):
        return 3, "s"
    if isinstance(v, int | float):
        return 1, "d"
    return None  # an object or array: DefaultType{} with nothing set


def _parameter(v: Any) -> tuple[int, str]:
    return (1, "BodyParameter") if isinstance(v, dict) and v.get("in") == "body" else (2, "NonBodyParameter")


def _schema_item(v: Any) -> tuple[int, str]:
    return (2, "FileSchema") if isinstance(v, dict) and v.get("type") == "file" else (1, "Schema")


def _any_or_expression(v: Any) -> tuple[int, str]:
    return (2, "{Any}") if isinstance(v, dict) else (1, "Any")


CHOICES: dict[str, dict[str, Chooser]] = {
    "v2": {
        "AdditionalPropertiesItem": _additional("Schema"),
        "Parameter": _parameter,
        "NonBodyParameter": _non_body,
        "ParametersItem": _or_ref("Parameter", "JsonReference"),
        "ResponseValue": _or_ref("Response", "JsonReference"),
        "SchemaItem": _schema_item,
        "SecurityDefinitionsItem": _security,
    },
    "v3": {
        "AdditionalPropertiesItem": _additional("SchemaOrReference"),
        "DefaultType": _default_type,
        "AnyOrExpression": _any_or_expression,
        **{f"{m}OrReference": _or_ref(m) for m in _OR_REFERENCE},
    },
}

# --------------------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------------------


def _len(number: int, payload: bytes) -> bytes:
    return varint((number << 3) | 2) + varint(len(payload)) + payload


class _Encoder:
    """One document's JSON value to gnostic's proto3 bytes, message by message as the tables say: scalars as
    proto3 writes them (zero omitted unless a oneof member), maps as ``Named*`` pairs, choices by CHOICES,
    free-form values as go-yaml v3 text. Holds only the version's tables: one instance per :func:`encode`."""

    def __init__(self, version: str) -> None:
        self.table = V2 if version == "v2" else V3
        self.choices = CHOICES[version]
        self.items_type = "Schema" if version == "v2" else "SchemaOrReference"

    def scalar(self, number: int, typ: str, v: Any, always: bool = False) -> bytes:
        """A proto3 scalar: omitted when zero (unless a oneof member), b'' when gnostic would not read it."""
        if typ == "s":
            if isinstance(v, bool) or (not isinstance(v, str | int) and v is not None):
                return b""
            text = "" if v is None else str(v)
            return _len(number, text.encode()) if text or always else b""
        if typ == "b":
            if not isinstance(v, bool) or not (v or always):
                return b""
            return varint(number << 3) + (b"\x01" if v else b"\x00")
        if typ == "i":
            if not isinstance(v, int) or isinstance(v, bool) or not (v or always):
                return b""
            return varint(number << 3) + varint(v)
        if typ == "d":
            if not isinstance(v, int | float) or isinstance(v, bool):
                return b""
            f = float(v)
            if f == 0 and not always and struct.pack("<d", f) == bytes(8):
                return b""
            return varint((number << 3) | 1) + struct.pack("<d", f)
        raise AssertionError(typ)

    def value(self, number: int, typ: str, v: Any) -> bytes:
        """One field (all its repetitions) of type ``typ`` from the JSON value ``v``."""
        if typ in ("s", "b", "i", "d"):
            return self.scalar(number, typ, v)
        if typ.startswith("["):
            inner = typ[1:-1]
            if not isinstance(v, list):
                return b""
            if inner == "s":
                return b"".join(_len(number, ("" if isinstance(x, bool) else str(x)).encode())
                                for x in v if isinstance(x, str | int) and not isinstance(x, bool))  # fmt: skip
            return b"".join(self.value(number, inner, x) for x in v)
        return _len(number, self.message(typ, v))

    def message(self, typ: str, v: Any) -> bytes:
        if typ == "Any":
            return _len(2, yaml_text(v).encode())
        if typ.startswith("{"):  # map message: field 1 repeated Named{name, value}
            return self.named(1, typ[1:-1], v.items() if isinstance(v, dict) else ())
        if typ == "StringArray":
            return self.value(1, "[s]", v)
        if typ == "TypeItem":
            return self.value(1, "[s]", [v] if isinstance(v, str) else v)
        if typ == "ItemsItem":
            return self.value(1, self.items_type, v) if isinstance(v, dict) else b""
        chooser = self.choices.get(typ)
        if chooser is not None:
            choice = chooser(v)
            if choice is None:
                return b""
            number, alt = choice
            if alt in ("s", "b", "i", "d"):
                return self.scalar(number, alt, v, always=True)
            return _len(number, self.message(alt, v))
        fields = self.table[typ]
        if not isinstance(v, dict):
            return b""
        out = []
        for f in fields:
            if f.pattern is not None:
                pattern = f.pattern
                out.append(self.named(f.number, f.type, ((k, x) for k, x in v.items() if pattern.match(k))))
            elif f.key == "*":
                out.append(self.named(f.number, f.type[1:-1], v.items()))
            elif f.key in v:
                out.append(self.value(f.number, f.type, v[f.key]))
        return b"".join(out)

    def named(self, number: int, typ: str, items: Any) -> bytes:
        out = []
        for k, x in items:
            name = _len(1, k.encode()) if k else b""
            value = self.scalar(2, "s", x) if typ == "s" else _len(2, self.message(typ, x))
            out.append(_len(number, name + value))
        return b"".join(out)


_ENCODERS = {"v2": _Encoder("v2"), "v3": _Encoder("v3")}


def encode(doc: dict[str, Any], version: str) -> bytes:
    """``proto.Marshal(openapi_vN.ParseDocument(json))`` of an OpenAPI document (``version``: v2 or v3)."""
    return _ENCODERS[version].message("Document", doc)


# --------------------------------------------------------------------------------------------------------
# Decoding (the same tables read backwards): the JSON value gnostic's message stands for
# --------------------------------------------------------------------------------------------------------


class _Decoder:
    """gnostic proto3 bytes back to the JSON value, with the encoder's tables (the round-trip tests' reader)."""

    def __init__(self, version: str) -> None:
        self.enc = _ENCODERS[version]
        self.table = self.enc.table
        self.alternatives = _ALTERNATIVES[version]

    def scalar(self, typ: str, raw: Any) -> Any:
        if typ == "s":
            return bytes(raw).decode()
        if typ == "b":
            return bool(raw)
        if typ == "i":
            return raw - (1 << 64) if raw >= 1 << 63 else raw
        value = struct.unpack("<d", raw if isinstance(raw, bytes | bytearray) else struct.pack("<Q", raw))[0]
        return int(value) if value.is_integer() else value

    def value(self, typ: str, raws: list[Any]) -> Any:
        if typ.startswith("["):
            return [self.value(typ[1:-1], [r]) for r in raws]
        raw = raws[-1]
        if typ in ("s", "b", "i", "d"):
            return self.scalar(typ, raw)
        return self.message(typ, bytes(raw))

    def message(self, typ: str, data: bytes) -> Any:
        fields = parse_fields(data)
        if typ == "Any":
            return yaml_to_json(bytes(fields[2][-1]).decode()) if 2 in fields else None
        if typ.startswith("{"):
            return self.named(typ[1:-1], fields.get(1, []))
        if typ in ("StringArray", "TypeItem"):
            values = [bytes(r).decode() for r in fields.get(1, [])]
            return values[0] if typ == "TypeItem" and len(values) == 1 else values
        if typ == "ItemsItem":
            return self.value(self.enc.items_type, fields[1]) if 1 in fields else {}
        if typ in self.enc.choices:
            alternatives = self.alternatives[typ]
            for number, raws in fields.items():
                return self.value(alternatives[number], raws)
            return None
        out: dict[str, Any] = {}
        for f in self.table[typ]:
            raws = fields.get(f.number)
            if raws is None or (f.type == "DefaultType" and not raws[-1]):
                continue  # an empty DefaultType: an object or array default gnostic could not keep
            if f.pattern is not None or f.key == "*":
                out.update(self.named(f.type.strip("{}"), raws))
            else:
                out[f.key] = self.value(f.type, raws)
        return out

    def named(self, typ: str, raws: list[Any]) -> dict[str, Any]:
        out = {}
        for raw in raws:
            pair = parse_fields(bytes(raw))
            name = bytes(pair[1][-1]).decode() if 1 in pair else ""
            out[name] = self.value(typ, pair[2]) if 2 in pair else ("" if typ == "s" else {})
        return out


_COMMON: dict[str, dict[int, str]] = {
    "Parameter": {1: "BodyParameter", 2: "NonBodyParameter"},
    "NonBodyParameter": _SUB_SCHEMAS,
    "ParametersItem": {1: "Parameter", 2: "JsonReference"},
    "ResponseValue": {1: "Response", 2: "JsonReference"},
    "SchemaItem": {1: "Schema", 2: "FileSchema"},
    "SecurityDefinitionsItem": _SECURITY_TYPES,
    "DefaultType": {1: "d", 2: "b", 3: "s"},
    "AnyOrExpression": {1: "Any", 2: "{Any}"},
    **{f"{m}OrReference": {1: m, 2: "Reference"} for m in _OR_REFERENCE},
}
#: field number -> type of each oneof message's members
_ALTERNATIVES = {
    "v2": {**_COMMON, "AdditionalPropertiesItem": {1: "Schema", 2: "b"}},
    "v3": {**_COMMON, "AdditionalPropertiesItem": {1: "SchemaOrReference", 2: "b"}},
}


def decode(data: bytes, version: str) -> dict[str, Any]:
    """The JSON document a gnostic ``openapi.vN.Document`` stands for (what gnostic's ``ToRawInfo`` gives)."""
    return _Decoder(version).message("Document", data)
