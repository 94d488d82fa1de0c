"""The create-and-answer review resources over the plain-HTTP port, whose requests are kube's insecure-port
identity (``system:unsecured`` in ``system:masters``); the answers come from RBAC and the bootstrap policy.
HTTPS identities: tests/test_secure_serving.py."""

from __future__ import annotations

from tests.conftest import API

AUTHZ = "/apis/authorization.k8s.io/v1"
AUTHN = "/apis/authentication.k8s.io/v1"


async def test_subject_access_reviews_are_answered_and_validated(api: API, ns: str) -> None:
    attributes = {"verb": "get", "resource": "pods", "namespace": ns}
    sar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
           "spec": {"user": "jane", "resourceAttributes": attributes}}  # fmt: skip
    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", sar)
    assert status == 201 and body["status"] == {"allowed": False} and body["spec"]["user"] == "jane"

    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", {**sar, "spec": {"user": "jane"}})
    assert status == 422 and body["reason"] == "Invalid"
    assert body["message"] == (
        'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: '
        "exactly one of nonResourceAttributes or resourceAttributes must be specified"
    )
    no_user = {**sar, "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}}
    status, body, _ = await api.post(f"{AUTHZ}/subjectaccessreviews", no_user)
    assert status == 422 and body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.user",
        "message": 'Invalid value: "": at least one of user or group must be specified'}]  # fmt: skip

    ssar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"nonResourceAttributes": {"path": "/metrics", "verb": "get"}}}  # fmt: skip
    status, body, _ = await api.post(f"{AUTHZ}/selfsubjectaccessreviews", ssar)
    assert status == 201 and body["status"] == {"allowed": True}

    attributes = {"verb": "list", "resource": "secrets", "namespace": ns}
    lsar = {"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
            "spec": {"groups": ["dev"], "resourceAttributes": attributes}}  # fmt: skip
    status, body, _ = await api.post(f"{AUTHZ}/namespaces/{ns}/localsubjectaccessreviews", lsar)
    assert status == 201 and body["status"] == {"allowed": False} and body["metadata"]["namespace"] == ns
    masters = {**lsar, "spec": {**lsar["spec"], "groups": ["system:masters"]}}
    status, body, _ = await api.post(f"{AUTHZ}/namespaces/{ns}/localsubjectaccessreviews", masters)
    assert status == 201 and body["status"] == {"allowed": True}
    other = {**lsar, "spec": {**lsar["spec"], "resourceAttributes": {"verb": "list", "namespace": "elsewhere"}}}
    status, body, _ = await api.post(f"{AUTHZ}/namespaces/{ns}/localsubjectaccessreviews", other)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.resourceAttributes.namespace"


async def test_rules_and_self_reviews(api: API, ns: str) -> None:
    ssrr = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": ns}}
    status, body, _ = await api.post(f"{AUTHZ}/selfsubjectrulesreviews", ssrr)
    assert status == 201 and body["status"]["incomplete"] is False
    rules = body["status"]["resourceRules"]
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in rules  # cluster-admin, via system:masters
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in rules  # system:basic-user
    assert {"verbs": ["*"], "nonResourceURLs": ["*"]} in body["status"]["nonResourceRules"]
    status, body, _ = await api.post(f"{AUTHZ}/selfsubjectrulesreviews", {**ssrr, "spec": {}})
    assert status == 400 and body["message"] == "no namespace on request"

    ssr = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    status, body, _ = await api.post(f"{AUTHN}/selfsubjectreviews", ssr)
    assert status == 201
    assert body["status"]["userInfo"] == {
        "username": "system:unsecured", "groups": ["system:masters", "system:authenticated"]
    }  # fmt: skip
    assert body["metadata"]["creationTimestamp"]

    tr = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": "abc"}}
    status, body, _ = await api.post(f"{AUTHN}/tokenreviews", tr)
    assert status == 201 and body["spec"] == {"token": "abc"}
    assert body["status"] == {"user": {}, "error": "invalid bearer token"}
    status, body, _ = await api.post(f"{AUTHN}/tokenreviews", {**tr, "spec": {}})
    assert status == 400 and body["message"] == "token is required for TokenReview in authentication"


async def test_reviews_are_not_stored_nor_listable(api: API) -> None:
    status, body, _ = await api.get(f"{AUTHZ}/subjectaccessreviews")
    assert status == 405, body
    status, body, _ = await api.get(f"{AUTHN}/tokenreviews/x")
    assert status == 404, body  # no item routes at all


async def test_bindings_bind_the_pod_they_name(api: API, ns: str) -> None:
    """POST /api/v1/namespaces/NS/bindings: the scheduler's older way to bind (the pod's name in the body)."""
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    target = {"kind": "Node", "name": "n1"}
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"}, "target": target}
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/bindings", binding)
    assert status == 201 and body["status"] == "Success", body
    status, got, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p")
    assert got["spec"]["nodeName"] == "n1"
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/bindings", binding)
    assert status == 409 and body["message"].endswith('pod p is already assigned to node "n1"')
