"""HTTPS, authentication and RBAC on the session server's secure port, with the real kubectl (over the generated
admin kubeconfig and minted user certificates), ServiceAccount tokens from TokenRequest, and raw HTTPS."""

from __future__ import annotations

import asyncio
import base64
import datetime
import os
import ssl
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aiokube.apiserver.authentication import kubeconfig, pki
from aiokube.apiserver.server import APIServer
from tests.conftest import API, KUBECTL, load_fixture, run_cmd
from tests.samples import samples

AUTHZ = "/apis/authorization.k8s.io/v1"
AUTHN = "/apis/authentication.k8s.io/v1"
RBAC = "/apis/rbac.authorization.k8s.io/v1"


def ssl_context(server: APIServer, cert: tuple[bytes, bytes] | None = None, tmp: Path | None = None) -> ssl.SSLContext:
    ca = pki.ensure_pki(server.config.data_dir)
    ctx = ssl.create_default_context(cadata=ca.ca_cert_pem.decode())
    if cert is not None:
        assert tmp is not None
        cert_file, key_file = tmp / "client.crt", tmp / "client.key"
        cert_file.write_bytes(cert[0])
        key_file.write_bytes(cert[1])
        ctx.load_cert_chain(cert_file, key_file)
    return ctx


@pytest.fixture
async def secure(server: APIServer, tmp_path: Path) -> AsyncIterator[Any]:
    sessions: list[aiohttp.ClientSession] = []

    def make(*, cert: tuple[bytes, bytes] | None = None, token: str = "") -> API:
        """The conftest client over HTTPS, as one identity (a client certificate, a bearer token, or nobody)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        folder = tmp_path / f"c{len(sessions)}"
        folder.mkdir()
        connector = aiohttp.TCPConnector(ssl=ssl_context(server, cert, folder))
        session = aiohttp.ClientSession(connector=connector, headers=headers)
        sessions.append(session)
        return API(session, server.secure_url)

    yield make
    for session in sessions:
        await session.close()


def admin_cert(server: APIServer) -> tuple[bytes, bytes]:
    p = pki.ensure_pki(server.config.data_dir)
    return p.admin_cert_pem, p.admin_key_pem


def user_cert(server: APIServer, user: str, *groups: str) -> tuple[bytes, bytes]:
    return pki.mint_client_cert(pki.ensure_pki(server.config.data_dir), user, list(groups))


async def kubectl(kubeconfig_path: str | Path, *args: str) -> tuple[int, str, str]:
    return await run_cmd(KUBECTL, "--kubeconfig", str(kubeconfig_path), *args)


async def eventually(check: Any, seconds: float = 5.0) -> Any:
    """RBAC reads the watch caches: a binding just made takes effect once the cache has it."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


# --- anonymous, 401 and the TLS handshake ------------------------------------------------------------------


async def test_anonymous_reads_health_and_version_but_nothing_else(server: APIServer, secure: Any) -> None:
    anon = secure()
    for path in ("/version", "/healthz", "/livez", "/readyz"):
        status, _, _ = await anon.get(path)
        assert status == 200, path
    status, body, _ = await anon.get("/metrics")
    assert status == 403
    assert body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'forbidden: User "system:anonymous" cannot get path "/metrics"', "reason": "Forbidden",
        "details": {}, "code": 403,
    }  # fmt: skip
    status, body, _ = await anon.get("/debug/pprof/")
    assert status == 403
    status, body, _ = await anon.get("/api/v1/namespaces/default/secrets")
    assert status == 403 and body["message"] == (
        'secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" in the '
        'namespace "default"'
    )
    assert body["details"] == {"kind": "secrets"}
    status, body, _ = await anon.get("/apis/apps/v1/namespaces/default/deployments/web")
    assert status == 403 and body["message"].startswith('deployments.apps "web" is forbidden: User')
    assert body["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


async def test_bad_credentials_are_401_never_anonymous(server: APIServer, secure: Any) -> None:
    for token in ("not-a-token", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"):
        status, body, _ = await secure(token=token).get("/version")
        assert status == 401, token
        assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "Unauthorized", "reason": "Unauthorized", "code": 401}  # fmt: skip


async def test_a_client_certificate_of_another_ca_fails_the_handshake(server: APIServer, tmp_path: Path) -> None:
    other = pki.ensure_pki(tmp_path / "other")
    ctx = ssl_context(server)
    (tmp_path / "o.crt").write_bytes(other.admin_cert_pem)
    (tmp_path / "o.key").write_bytes(other.admin_key_pem)
    ctx.load_cert_chain(tmp_path / "o.crt", tmp_path / "o.key")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(server.secure_url + "/version") as resp:
                await resp.read()


async def test_plain_http_client_on_the_tls_port_is_refused(server: APIServer) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(server.secure_url.replace("https", "http") + "/version") as resp:
                await resp.read()


async def test_tls_is_at_least_1_2(server: APIServer) -> None:
    ctx = ssl_context(server)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(server.secure_url + "/version") as resp:
                await resp.read()


# --- kubectl with the admin kubeconfig and minted users ----------------------------------------------------


async def test_admin_kubeconfig_drives_kubectl(server: APIServer) -> None:
    path = Path(server.config.data_dir) / "admin.kubeconfig"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "aiokube"
    assert config["clusters"][0]["cluster"]["server"] == server.secure_url
    code, out, err = await kubectl(path, "get", "ns", "kube-system", "-o", "name")
    assert code == 0 and out.strip() == "namespace/kube-system", err
    code, out, err = await kubectl(path, "auth", "can-i", "delete", "secrets", "--all-namespaces")
    assert code == 0 and out.strip() == "yes", err
    code, out, err = await kubectl(path, "auth", "whoami", "-o", "jsonpath={.status.userInfo}")
    assert code == 0, err
    assert '"username":"kubernetes-admin"' in out and "system:masters" in out and "system:authenticated" in out


async def test_a_namespaced_role_grants_exactly_what_it_says(
    server: APIServer, api: API, secure: Any, tmp_path: Path
) -> None:
    ns_a, ns_b = f"rbac-a-{os.getpid()}", f"rbac-b-{os.getpid()}"
    for ns in (ns_a, ns_b):
        await api.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    cert, key = user_cert(server, "alice", "devs")
    config = tmp_path / "alice.kubeconfig"
    config.write_text(kubeconfig.kubeconfig(server.secure_url, pki.ensure_pki(server.config.data_dir).ca_cert_pem,
                                            cert, key, user="alice"))  # fmt: skip
    code, out, _ = await kubectl(config, "auth", "can-i", "list", "pods", "-n", ns_a)
    assert out.strip() == "no" and code != 0
    role = {"metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}  # fmt: skip
    status, body, _ = await api.post(f"{RBAC}/namespaces/{ns_a}/roles", role)
    assert status == 201, body
    binding = {"metadata": {"name": "devs-read-pods"},
               "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}],
               "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"}}  # fmt: skip
    status, body, _ = await api.post(f"{RBAC}/namespaces/{ns_a}/rolebindings", binding)
    assert status == 201, body

    alice = secure(cert=(cert, key))

    async def allowed() -> bool:
        return (await alice.get(f"/api/v1/namespaces/{ns_a}/pods"))[0] == 200

    assert await eventually(allowed)
    code, out, _ = await kubectl(config, "auth", "can-i", "list", "pods", "-n", ns_a)
    assert (code, out.strip()) == (0, "yes")
    code, out, err = await kubectl(config, "get", "pods", "-n", ns_b)
    assert code != 0 and (
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" '
        f'in the namespace "{ns_b}"'
    ) in err
    status, body, _ = await alice.get(f"/api/v1/namespaces/{ns_a}/secrets")
    assert status == 403 and 'cannot list resource "secrets"' in body["message"]
    status, _, _ = await alice.post(f"/api/v1/namespaces/{ns_a}/pods", {"metadata": {"name": "x"}})
    assert status == 403
    # a watch is authorized as a watch
    status, body, _ = await alice.get(f"/api/v1/namespaces/{ns_b}/pods", params={"watch": "1"})
    assert status == 403 and 'cannot watch resource "pods"' in body["message"]
    code, out, err = await kubectl(config, "auth", "can-i", "--list", "-n", ns_a)
    assert code == 0, err
    assert any(line.split()[:1] == ["pods"] and "[get list watch]" in line for line in out.splitlines()), out


async def test_escalation_and_bind_checks(server: APIServer, api: API, secure: Any) -> None:
    ns = f"rbac-esc-{os.getpid()}"
    await api.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    role_admin = {"metadata": {"name": "role-writer"}, "rules": [
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
         "verbs": ["create", "get", "list", "update", "delete"]},  # not "*": that includes escalate and bind
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
    ]}  # fmt: skip
    assert (await api.post(f"{RBAC}/namespaces/{ns}/roles", role_admin))[0] == 201
    binding = {"metadata": {"name": "bob-writes-roles"}, "subjects": [{"kind": "User", "name": "bob"}],
               "roleRef": {"kind": "Role", "name": "role-writer", "apiGroup": "rbac.authorization.k8s.io"}}  # fmt: skip
    assert (await api.post(f"{RBAC}/namespaces/{ns}/rolebindings", binding))[0] == 201
    bob = secure(cert=user_cert(server, "bob"))

    async def can_write_roles() -> bool:
        rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
        role = {"metadata": {"name": "pods-get"}, "rules": rules}
        return (await bob.post(f"{RBAC}/namespaces/{ns}/roles", role))[0] == 201

    assert await eventually(can_write_roles)  # within what bob holds
    grab = {"metadata": {"name": "secrets-get"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}  # fmt: skip
    status, body, _ = await bob.post(f"{RBAC}/namespaces/{ns}/roles", grab)
    assert status == 403, body
    assert body["message"] == (
        'roles.rbac.authorization.k8s.io "secrets-get" is forbidden: user "bob" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'
    )
    # binding a ClusterRole bob does not hold
    admin_ref = {"kind": "ClusterRole", "name": "admin", "apiGroup": "rbac.authorization.k8s.io"}
    subjects = [{"kind": "User", "name": "bob"}]
    bind_admin = {"metadata": {"name": "bob-admin"}, "subjects": subjects, "roleRef": admin_ref}
    status, body, _ = await bob.post(f"{RBAC}/namespaces/{ns}/rolebindings", bind_admin)
    assert status == 403 and "is attempting to grant RBAC permissions not currently held" in body["message"]
    # nothing half-written
    assert (await api.get(f"{RBAC}/namespaces/{ns}/rolebindings/bob-admin"))[0] == 404
    assert (await api.get(f"{RBAC}/namespaces/{ns}/roles/secrets-get"))[0] == 404


# --- ServiceAccount tokens ---------------------------------------------------------------------------------


async def test_kubectl_create_token_and_the_python_client(server: APIServer, api: API, ns: str) -> None:
    from kubernetes import client

    admin_config = Path(server.config.data_dir) / "admin.kubeconfig"
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "robot"}})
    code, token, err = await kubectl(admin_config, "create", "token", "robot", "-n", ns, "--duration", "20m")
    assert code == 0, err
    token = token.strip()

    def list_pods(namespace: str) -> Any:
        cfg = client.Configuration()
        cfg.host = server.secure_url
        cfg.ssl_ca_cert = str(Path(server.config.data_dir) / "pki" / "ca.crt")
        cfg.api_key = {"authorization": f"Bearer {token}"}
        with client.ApiClient(cfg) as c:
            return client.CoreV1Api(c).list_namespaced_pod(namespace)

    with pytest.raises(client.ApiException) as denied:
        await asyncio.to_thread(list_pods, ns)
    assert denied.value.status == 403
    assert f'User \\"system:serviceaccount:{ns}:robot\\" cannot list resource \\"pods\\"' in denied.value.body
    binding = {"metadata": {"name": "robot-view"},
               "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": ns}],
               "roleRef": {"kind": "ClusterRole", "name": "view", "apiGroup": "rbac.authorization.k8s.io"}}  # fmt: skip
    assert (await api.post(f"{RBAC}/namespaces/{ns}/rolebindings", binding))[0] == 201
    deadline = time.monotonic() + 5
    while True:
        try:
            pods = await asyncio.to_thread(list_pods, ns)
            break
        except client.ApiException:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
    assert pods.items == []
    with pytest.raises(client.ApiException) as other:
        await asyncio.to_thread(list_pods, "default")
    assert other.value.status == 403

    # TokenReview answers for it; deleting the ServiceAccount revokes it
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
    status, body, _ = await api.post(f"{AUTHN}/tokenreviews", review)
    assert status == 201 and body["status"]["authenticated"] is True
    user = body["status"]["user"]
    assert user["username"] == f"system:serviceaccount:{ns}:robot"
    assert user["groups"] == ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]
    assert body["status"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"]
    assert (await api.delete(f"/api/v1/namespaces/{ns}/serviceaccounts/robot"))[0] == 200

    async def revoked() -> bool:
        _, body, _ = await api.post(f"{AUTHN}/tokenreviews", review)
        return not body["status"].get("authenticated")

    assert await eventually(revoked)
    with pytest.raises(client.ApiException) as gone:
        await asyncio.to_thread(list_pods, ns)
    assert gone.value.status == 401


async def test_token_request_validation_and_pod_binding(server: APIServer, api: API, secure: Any, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/serviceaccounts/default/token"
    status, body, _ = await api.post(path, {"spec": {"expirationSeconds": 60}})
    assert status == 422 and body["message"] == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: '
        "may not specify a duration less than 10 minutes"
    )
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts/nobody/token", {"spec": {}})
    assert status == 404 and body["message"] == 'serviceaccounts "nobody" not found'
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}

    async def default_sa() -> bool:
        return (await api.get(f"/api/v1/namespaces/{ns}/serviceaccounts/default"))[0] == 200

    assert await eventually(default_sa)
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, created
    bound = {"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p"}}}
    status, body, _ = await api.post(path, bound)
    assert status == 201, body
    assert body["kind"] == "TokenRequest" and body["spec"]["expirationSeconds"] == 3600
    assert list(body["metadata"])[:4] == ["name", "namespace", "uid", "creationTimestamp"]
    [entry] = body["metadata"]["managedFields"]
    assert entry["subresource"] == "token" and entry["operation"] == "Update"
    assert "f:boundObjectRef" in entry["fieldsV1"]["f:spec"]
    assert body["spec"]["boundObjectRef"]["name"] == "p"
    token = body["status"]["token"]
    me = secure(token=token)
    status, body, _ = await me.post(f"{AUTHN}/selfsubjectreviews", {"apiVersion": "authentication.k8s.io/v1",
                                                                   "kind": "SelfSubjectReview"})  # fmt: skip
    assert status == 201, body
    info = body["status"]["userInfo"]
    assert info["username"] == f"system:serviceaccount:{ns}:default"
    assert info["extra"]["authentication.kubernetes.io/pod-name"] == ["p"]
    assert info["extra"]["authentication.kubernetes.io/pod-uid"] == [created["metadata"]["uid"]]
    await api.delete(f"/api/v1/namespaces/{ns}/pods/p", {"gracePeriodSeconds": 0})

    async def rejected() -> bool:
        return (await me.get("/version"))[0] == 401

    assert await eventually(rejected)


async def test_subject_access_reviews_answer_from_rbac(api: API, ns: str) -> None:
    attributes = {"namespace": ns, "verb": "get", "resource": "pods"}
    sar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
           "spec": {"user": "carol", "resourceAttributes": attributes}}  # fmt: skip
    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", sar)
    assert status == 201 and body["status"] == {"allowed": False}
    masters = {**sar, "spec": {**sar["spec"], "groups": ["system:masters"]}}
    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", masters)
    assert status == 201 and body["status"]["allowed"] is True
    anon = {**sar, "spec": {"user": "system:anonymous", "groups": ["system:unauthenticated"],
                            "nonResourceAttributes": {"path": "/version", "verb": "get"}}}  # fmt: skip
    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", anon)
    assert status == 201 and body["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole '
        '"system:public-info-viewer" to Group "system:unauthenticated"',
    }


async def test_aggregated_cluster_roles_pick_up_labelled_roles(api: API) -> None:
    name = f"widgets-view-{os.getpid()}"
    role = {"metadata": {"name": name, "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
            "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}]}  # fmt: skip
    assert (await api.post(f"{RBAC}/clusterroles", role))[0] == 201

    async def aggregated() -> bool:
        results = []
        for target in ("view", "edit", "admin"):
            _, body, _ = await api.get(f"{RBAC}/clusterroles/{target}")
            results.append(any("widgets" in r.get("resources", []) for r in body.get("rules") or []))
        return all(results)

    assert await eventually(aggregated)
    assert (await api.delete(f"{RBAC}/clusterroles/{name}"))[0] == 200

    async def removed() -> bool:
        _, body, _ = await api.get(f"{RBAC}/clusterroles/view")
        return not any("widgets" in r.get("resources", []) for r in body.get("rules") or [])

    assert await eventually(removed)


async def test_bootstrap_policy_exists(api: API) -> None:
    for name in ("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
                 "system:public-info-viewer", "system:monitoring"):  # fmt: skip
        status, body, _ = await api.get(f"{RBAC}/clusterroles/{name}")
        assert status == 200, name
        assert body["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true"
    status, body, _ = await api.get(f"{RBAC}/clusterrolebindings/cluster-admin")
    assert body["subjects"] == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"}]
    _, view, _ = await api.get(f"{RBAC}/clusterroles/view")
    assert any("pods" in r.get("resources", []) and "list" in r["verbs"] for r in view["rules"])
    assert not any("secrets" in r.get("resources", []) for r in view["rules"])


async def test_impersonation(server: APIServer, api: API, secure: Any, ns: str) -> None:
    admin = secure(cert=admin_cert(server))
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    path = f"{AUTHN}/selfsubjectreviews"
    status, body, _ = await admin.post(path, review, headers={"Impersonate-User": f"system:serviceaccount:{ns}:robot"})
    assert status == 201 and body["status"]["userInfo"] == {
        "username": f"system:serviceaccount:{ns}:robot",
        "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
    }
    status, body, _ = await admin.post(path, review, headers={
        "Impersonate-User": "erin", "Impersonate-Group": "qa", "Impersonate-Extra-Scopes": "view",
        "Impersonate-Uid": "u-1"})  # fmt: skip
    assert status == 201 and body["status"]["userInfo"] == {
        "username": "erin", "uid": "u-1", "groups": ["qa", "system:authenticated"], "extra": {"scopes": ["view"]}
    }  # fmt: skip
    # the impersonated user is authorized, not the impersonator
    status, body, _ = await admin.get(f"/api/v1/namespaces/{ns}/secrets", headers={"Impersonate-User": "erin"})
    assert status == 403 and body["message"].startswith('secrets is forbidden: User "erin" cannot list')
    # kube 1.36's message (checked against the reference server)
    no_user = {"Impersonate-Group": "devs", "Impersonate-Extra-Scopes": "view"}
    status, body, _ = await admin.get("/version", headers=no_user)
    assert status == 400 and body["message"] == (
        'requested &user.DefaultInfo{Name:"", UID:"", Groups:[]string{"devs"}, '
        'Extra:map[string][]string{"scopes":[]string{"view"}}} without impersonating a user name'
    )
    # someone without the impersonate verb
    frank = secure(cert=user_cert(server, "frank"))
    status, body, _ = await frank.get("/version", headers={"Impersonate-User": "kubernetes-admin"})
    assert status == 403 and body["message"] == (
        'users "kubernetes-admin" is forbidden: User "frank" cannot impersonate resource "users" in API group "" '
        "at the cluster scope"
    )
    code, out, err = await kubectl(Path(server.config.data_dir) / "admin.kubeconfig", "auth", "can-i", "list", "pods",
                                   "-n", ns, "--as", "erin")  # fmt: skip
    assert (code, out.strip()) == (1, "no"), err


async def test_a_csr_records_its_requester_not_what_the_body_claims(server: APIServer, api: API, secure: Any) -> None:
    """kube's csrStrategy: spec.username/uid/groups/extra are the requester's (checked against the reference:
    its token user ``admin`` replaced the sample's ``jane``)."""
    csr = samples()["apis/certificates.k8s.io/v1/certificatesigningrequests"]
    path = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
    admin = secure(cert=admin_cert(server))
    as_erin = {"Impersonate-User": "erin", "Impersonate-Group": "system:masters", "Impersonate-Extra-Scopes": "view",
               "Impersonate-Uid": "u-1"}  # fmt: skip
    named = {**csr, "metadata": {"generateName": "csr-"}}
    status, body, _ = await admin.post(path, named, headers=as_erin, params={"dryRun": "All"})
    assert status == 201, body
    spec = body["spec"]
    assert (spec["username"], spec["uid"], spec["groups"], spec["extra"]) == (
        "erin", "u-1", ["system:masters", "system:authenticated"], {"scopes": ["view"]})  # fmt: skip
    assert list(spec) == ["request", "signerName", "expirationSeconds", "usages", "username", "uid", "groups", "extra"]
    # the plain port is kube's insecure port: system:unsecured
    status, body, _ = await api.post(path, named, params={"dryRun": "All"})
    assert status == 201, body
    assert body["spec"]["username"] == "system:unsecured" and "extra" not in body["spec"]
    assert body["spec"]["groups"] == ["system:masters", "system:authenticated"]


# --- the certificate admission plugins ---------------------------------------------------------------------

CSR_ADMISSION = load_fixture("kube-1.36/csr_admission.json")


def _csr_request(organization: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])  # fmt: skip
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return base64.b64encode(csr.public_bytes(serialization.Encoding.PEM)).decode()


def _self_signed_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    start = datetime.datetime(2026, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))  # fmt: skip
    return base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode()


async def test_certificate_admission_plugins_as_kube(server: APIServer, api: API, secure: Any) -> None:
    """CertificateApproval and CertificateSigning ask RBAC about the synthetic ``signers`` resource (the signer's
    name, then its domain's ``/*``), CertificateSubjectRestriction refuses system:masters for the kube-apiserver
    client signer: each answer as kube 1.36's (tests/fixtures/kube-1.36/csr_admission.json)."""
    suffix = uuid.uuid4().hex[:8]
    user = f"csr-approver-{suffix}"
    approver = secure(cert=user_cert(server, user))
    subjects = [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}]

    async def grant(role: str, rules: list[Any]) -> None:
        name = f"{role}-{suffix}"
        assert (await api.post(f"{RBAC}/clusterroles", {"metadata": {"name": name}, "rules": rules}))[0] == 201
        ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}
        binding = {"metadata": {"name": name}, "roleRef": ref, "subjects": subjects}
        assert (await api.post(f"{RBAC}/clusterrolebindings", binding))[0] == 201
        rule = rules[0]
        asked = {"group": "certificates.k8s.io", "resource": rule["resources"][0], "verb": rule["verbs"][0],
                 "name": (rule.get("resourceNames") or [""])[0]}  # fmt: skip
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                  "spec": {"user": user, "resourceAttributes": asked}}  # fmt: skip

        async def allowed() -> bool:
            _, body, _ = await api.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
            return body["status"]["allowed"]

        assert await eventually(allowed)

    csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
    merge = {"Content-Type": "application/merge-patch+json"}
    approve = {"status": {"conditions": [{"type": "Approved", "status": "True", "reason": "R", "message": "m"}]}}
    got: list[list[Any]] = []

    def record(answer: tuple[int, Any, Any]) -> None:
        status, body, _ = answer
        got.append([status, body.get("message", "").replace(f"-{suffix}", "-S") if status >= 300 else ""])

    def create(client: API, name: str, signer: str, organization: str) -> Any:
        spec = {"signerName": signer, "usages": ["client auth"], "request": _csr_request(organization)}
        return client.post(csrs, {"metadata": {"name": f"{name}-{suffix}"}, "spec": spec})

    def patch(client: API, name: str, sub: str, body: Any) -> Any:
        return client.request("PATCH", f"{csrs}/{name}-{suffix}/{sub}", body, headers=merge)

    writes = ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"]
    await grant("csr-writer", [{"apiGroups": ["certificates.k8s.io"], "resources": writes,
                                "verbs": ["get", "list", "watch", "update", "patch", "create"]}])  # fmt: skip
    record(await create(api, "c1", "example.com/foo", "dev"))
    record(await patch(approver, "c1", "approval", approve))
    await grant("signer-approver", [{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
                                     "resourceNames": ["example.com/*"], "verbs": ["approve"]}])  # fmt: skip
    record(await patch(approver, "c1", "approval", approve))
    certificate = _self_signed_pem()
    record(await patch(approver, "c1", "status", {"status": {"certificate": certificate}}))
    record(await patch(approver, "c1", "status", {"metadata": {"labels": {"a": "b"}}}))
    await grant("signer-signer", [{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
                                   "resourceNames": ["example.com/foo"], "verbs": ["sign"]}])  # fmt: skip
    record(await patch(approver, "c1", "status", {"status": {"certificate": certificate}}))
    record(await create(api, "c2", "kubernetes.io/kube-apiserver-client", "system:masters"))
    record(await create(api, "c3", "kubernetes.io/kube-apiserver-client", "dev"))
    record(await patch(approver, "c3", "approval", approve))
    record(await patch(api, "c3", "approval", approve))  # the plain port's system:masters
    assert got == CSR_ADMISSION["kube"]
