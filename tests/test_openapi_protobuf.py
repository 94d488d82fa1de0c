"""OpenAPI as gnostic protobuf (``encoding/gnostic.py``): kube-openapi's bytes, headers and negotiation.

The hashes are those of a real kube-apiserver 1.36's protobuf answers for the documents aiokube serves
byte-for-byte as JSON (``test_openapi.KUBE_HASHES``): the same JSON must give the same protobuf. While this was
written the encoder also reproduced that server's protobuf for all 54 of its v3 documents and its /openapi/v2
document (fed its JSON).
"""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

import orjson
import pytest

from aiokube.apiserver.endpoints.openapi import OpenAPI
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.server import APIServer
from aiokube.encoding import gnostic, goyaml3
from tests.conftest import API
from tests.test_openapi import KUBE_HASHES, _raw, cache_dir, kubectl, needs_kubectl

__all__ = ["cache_dir"]

V2_PB = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
V3_PB = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"

# SHA-512 of kube-apiserver 1.36's answer to Accept: application/com.github.proto-openapi.spec.v3@v1.0+protobuf
KUBE_PROTOBUF_HASHES = {
    "api": "301E48BD2D8F596045BEFC639843EEADE4254C33D7C1AB240FB5627F097ACFBE"
    "013B1AD2B18D734373D663CA8B670F6F120298402100D48B680EA5B355137ACB",
    "apis": "3A35073D2525B70459EB3A42BF1E264DB440A04FFCBCD7243B4ABBE6781ECFF0"
    "09870C8334FABA9161C99E688DBEC08CE809DFDD98B67E1406F45ED6F23C9C98",
    "version": "BB0634395A99FE5159B5D397D0B56D8C2E507D4155D48862695434D633B11FB9"
    "3A53160F5BF47589CADF5967717C567937BDCCB3C6CE13F86374C436F1FF665B",
    "apis/apps": "C765695FBB2D9CD1FF4B45E8373BA05933B0E4C6A54B9458FC0F02CDEBC182CE"
    "9C1BA0B5B3C26F34C6659AB7EFBA5CB506488D0A56AA9EAEE4BFC772967A33BE",
    "apis/rbac.authorization.k8s.io": "E4C73DC5D534397501CCE18C971094AFAD701373CDE6AE500648930D39057CF7"
    "47CBA8DA2394F6C1A4EEE2F160F0113DC8CD09C470807F9BF33E5B0C9235BA1B",
    "apis/coordination.k8s.io/v1": "A0A3F431A5D321895720E934994079BAF35A5CD03A6844FB54D8AC39ADD27427"
    "5FB081ADF0C98D83CD85C1E61D115F0B38BF5074C2C0133C1B615BD5C17E0961",
    "apis/discovery.k8s.io/v1": "B33B89C165B659B984FACD0217C8F34B786D483A59DA9CDB2E635F41E8D89DC6"
    "5F04C48418B07380A1D5F6C9898903BA6A230D79AF18211A43F6024020F2A832",
    "apis/rbac.authorization.k8s.io/v1": "379308E2250A005B5C826A16DC1EB762CDF1E2E546DAF888B707329EC980FCEE"
    "42E884C9647E37CAE9F5401E8C3F8ED8927AA6FBE4E4347EE4BD6DCE2A85D58E",
    "apis/apiextensions.k8s.io/v1": "BF934F94BFAF5E8AF3939408973D38211547ABCFC5C166091F31CD535417848D"
    "87B7D46FE5E2F44BCFCDEBE2DCFDB3BC516A9C288CDF1034286E61C1E96DC4FE",
    ".well-known/openid-configuration": "FCEEF8DD1F31AFCFDC3DC1B616311C9660AED65BD6C37174820AAE97EA3A4552"
    "06054E2B4F4C3143B644ECF93366F98895E5E53091643FC752E01C214E8CE281",
    "openid/v1/jwks": "4B8E9252841A508202C2C3FFAE592E5D32886494E78A76A2DD442593B215831E"
    "00ED0B073925BAB031E0EF811C43599D49CB017D72F9F7E9F953442048156749",
}


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI(Registry())


def test_v3_protobuf_is_kubes(openapi: OpenAPI) -> None:
    assert set(KUBE_PROTOBUF_HASHES) == set(KUBE_HASHES)
    for path, digest in KUBE_PROTOBUF_HASHES.items():
        assert openapi.document_hash(path) == KUBE_HASHES[path], path  # the same JSON ...
        body = openapi.document_protobuf(path)
        assert body is not None and hashlib.sha512(body).hexdigest().upper() == digest, path  # ... the same bytes
        assert openapi.document_protobuf(path) is body  # encoded once


def _without_object_defaults(x: Any, parent: str = "") -> Any:
    """What v3's DefaultType (a number, bool or string) keeps of a document."""
    if isinstance(x, dict):
        return {
            k: _without_object_defaults(v, k)
            for k, v in x.items()
            if not (k == "default" and parent != "properties" and isinstance(v, dict | list))
        }
    if isinstance(x, list):
        return [_without_object_defaults(v) for v in x]
    return x


def test_round_trip_through_the_gnostic_schema(openapi: OpenAPI) -> None:
    v2 = orjson.loads(openapi.swagger_v2())
    assert gnostic.decode(openapi.swagger_v2_protobuf(), "v2") == v2
    core = orjson.loads(openapi.document("api/v1") or b"")
    decoded = gnostic.decode(openapi.document_protobuf("api/v1") or b"", "v3")
    assert decoded == _without_object_defaults(core)
    # what is lost is lost as kube loses it: an object default leaves an empty DefaultType (field 33, length 0)
    assert b'"default":{}' in (openapi.document("api/v1") or b"")
    schema = {"properties": {"a": {"default": {}, "type": "object"}, "b": {"default": "x"}, "c": {"default": False}}}
    doc = {"openapi": "3.0.0", "components": {"schemas": {"S": schema}}}
    body = gnostic.encode(doc, "v3")
    assert b"\x8a\x02\x00" in body and b"\x8a\x02\x03\x1a\x01x" in body and b"\x8a\x02\x02\x10\x00" in body
    assert gnostic.decode(body, "v3")["components"]["schemas"]["S"]["properties"] == {
        "a": {"type": "object"},
        "b": {"default": "x"},
        "c": {"default": False},
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [  # as found in kube's own protobuf answers
        ("TCP", "TCP\n"),
        ("", '""\n'),
        ("*", "'*'\n"),
        (["name"], "- name\n"),
        (
            [{"group": "", "kind": "DeleteOptions", "version": "v1"}, {"group": "apps", "kind": "DeleteOptions"}],
            '- group: ""\n  kind: DeleteOptions\n  version: v1\n- group: apps\n  kind: DeleteOptions\n',
        ),
        ({"group": "policy", "kind": "Eviction", "version": "v1"}, "group: policy\nkind: Eviction\nversion: v1\n"),
        ({}, "{}\n"),
        (0, "0\n"),
        (True, "true\n"),
        # go-yaml v3's quoting of strings that would read back as another type, and its 4-space indentation
        ("true", '"true"\n'),
        ("1", '"1"\n'),
        ("2024-01-02", '"2024-01-02"\n'),
        ("yes", "yes\n"),
        ({"a": ["x"], "b": {"c": 1}}, "a:\n    - x\nb:\n    c: 1\n"),
    ],
)
def test_any_is_go_yaml_v3_text(value: Any, text: str) -> None:
    assert goyaml3.marshal(value) == text


async def test_http_openapi_v2_protobuf(api: API, server: APIServer) -> None:
    status, body, headers = await _raw(api, "/openapi/v2", Accept=V2_PB, **{"Accept-Encoding": "identity"})
    assert status == 200 and headers["Content-Type"] == gnostic.V2_CONTENT_TYPE
    assert body == server.openapi.swagger_v2_protobuf() and body.startswith(b"\n\x032.0\x12")
    json_body = server.openapi.swagger_v2()
    # one ETag for both representations: the JSON's (kube relies on Vary)
    etag = '"' + hashlib.sha512(json_body).hexdigest().upper() + '"'
    assert headers["ETag"] == etag and headers.getall("Vary") == ["Accept-Encoding, Accept"]
    assert gnostic.decode(body, "v2") == orjson.loads(json_body)
    # the older media type, and a protobuf clause ranked first by q (q=0 clauses count, as in goautoneg)
    for accept in (
        "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
        "application/json;q=0.5, " + V2_PB,
        V2_PB + ";q=0",
    ):
        status, got, headers = await _raw(api, "/openapi/v2", Accept=accept, **{"Accept-Encoding": "identity"})
        assert status == 200 and headers["Content-Type"] == gnostic.V2_CONTENT_TYPE and got == body, accept
    status, zipped, headers = await _raw(api, "/openapi/v2", Accept=V2_PB, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped) == body
    status, _, headers = await _raw(api, "/openapi/v2", Accept=V2_PB, **{"If-None-Match": etag})
    assert status == 304 and "Content-Type" not in headers
    for accept in ("text/plain", V3_PB, "Application/JSON"):
        status, got, _ = await _raw(api, "/openapi/v2", Accept=accept)
        assert status == 406 and got == b"", accept


async def test_http_openapi_v3_protobuf(api: API, server: APIServer) -> None:
    digest = server.openapi.document_hash("apis/apps/v1")
    url = f"/openapi/v3/apis/apps/v1?hash={digest}"
    status, body, headers = await _raw(api, url, Accept=V3_PB)
    assert status == 200 and headers["Content-Type"] == gnostic.V3_CONTENT_TYPE
    assert headers["ETag"] == f'"{digest}"' and headers["Cache-Control"] == "public, immutable"
    assert headers["Vary"] == "Accept" and "Content-Encoding" not in headers
    assert body == server.openapi.document_protobuf("apis/apps/v1") and body.startswith(b"\n\x053.0.0")
    status, got, headers = await _raw(api, url, Accept="application/com.github.proto-openapi.spec.v3.v1.0+protobuf")
    assert status == 200 and got == body and headers["Content-Type"] == gnostic.V3_CONTENT_TYPE
    # a stale hash: the redirect keeps the negotiated Content-Type (http.Redirect after it was set), no body
    status, got, headers = await _raw(api, "/openapi/v3/apis/apps/v1?hash=0123", Accept=V3_PB)
    assert status == 301 and got == b"" and headers["Location"] == url
    assert headers["Content-Type"] == gnostic.V3_CONTENT_TYPE
    status, _, headers = await _raw(api, "/openapi/v3/apis/apps/v1?hash=0123")
    assert status == 301 and headers["Content-Type"] == "application/json"
    status, _, _ = await _raw(api, url, Accept=V3_PB, **{"If-None-Match": f'"{digest}"'})
    assert status == 304
    status, _, headers = await _raw(api, url, Accept=f"{V3_PB};q=0, application/json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    status, _, _ = await _raw(api, url, Accept=V2_PB)
    assert status == 406
    status, _, headers = await _raw(api, "/openapi/v3", Accept=V3_PB)  # the index is JSON whatever is asked
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"


@needs_kubectl
async def test_kubectl_explain_from_openapi_v2_protobuf(server: APIServer, cache_dir: str) -> None:
    out, err = await kubectl(
        server, cache_dir, "explain", "deployments.spec.strategy", "--output=plaintext-openapiv2", "-v=7"
    )
    assert f"Accept: {V2_PB}" in err and "GET http" in err and "/openapi/v2?" in err  # client-go OpenAPISchema()
    assert "KIND:     Deployment\nVERSION:  apps/v1\n" in out
    assert "RESOURCE: strategy <Object>" in out and "rollingUpdate\t<Object>" in out
