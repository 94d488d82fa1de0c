"""CEL expressions of admission policies, webhook match conditions and DRA selectors, compiled on create and
update (apiserver/registry/validation/admissioncel.py): the scenario of tests/policy_cel_scenario.py replayed
against aiokube, each answer compared with what kube-apiserver 1.36 returned for the same request
(tests/fixtures/kube-1.36/policy_cel.json), plus unit checks of the compiler's wording and memo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cel_expr_python import cel

from aiokube.apiserver.apiextensions import celenv
from aiokube.apiserver.apiextensions.celissues import cel_go_issues, go_type_name
from aiokube.apiserver.registry.validation import admissioncel
from aiokube.apiserver.registry.validation.admissioncel import Decls
from tests import policy_cel_scenario as scenario
from tests.conftest import API, load_fixture

EXPECTED: dict[str, Any] = load_fixture("kube-1.36/policy_cel.json")

#: steps whose answers differ from kube's, and why (README: Known differences)
KNOWN_DIFFERENT: dict[str, str] = {
    "vap-strings-extension-only-parsed": "the strings extension is not declared here: such an expression is only "
    "parsed (kube 1.36's version 2 has no reverse())",
    "vap-sets-type-parameters": "sets.* take list(dyn) here (kube: list(T) twice, so mixed element types are refused)",
}


async def _replay(api: API, ns: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        for name, method, path, body in [*scenario.STEPS, *scenario.UPDATES]:
            path = path.replace(scenario.NS, ns)
            if method == "PUT":
                current = (await api.get(path))[1]
                rv = current["metadata"]["resourceVersion"]
                body = {**body, "metadata": {**body["metadata"], "resourceVersion": rv}}
            status, answer, _ = await api.request(method, path, body)
            text = json.dumps(answer).replace(ns, scenario.NS)
            out[name] = {"status": status, "body": scenario.normalize(json.loads(text))}
            if status == 201 and not name.startswith("update-"):
                await api.delete(scenario.created_path(path, body))
    finally:
        await api.delete(scenario.created_path(scenario.VAPS, scenario.UPDATE_BASE))
        await api.delete(scenario.created_path(scenario.VWCS, scenario.WEBHOOK_BASE))
    return out


async def test_scenario_matches_kube(api: API, ns: str) -> None:
    got = await _replay(api, ns)
    assert set(got) == set(EXPECTED)
    mismatched = {}
    for name, want in EXPECTED.items():
        if name in KNOWN_DIFFERENT:  # still different, or the entry (and README's note) should go
            assert got[name] != want, name
            continue
        if got[name]["status"] != want["status"]:
            mismatched[name] = (got[name], want)
        elif want["body"].get("kind") == "Status" and got[name]["body"] != want["body"]:
            mismatched[name] = (got[name]["body"], want["body"])
    assert not mismatched, json.dumps(mismatched, indent=1)


# ---- unit checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cpp", "go"),
    [
        ("LIST<STRING>", "list(string)"),
        ("MAP<STRING, LIST<INT>>", "map(string, list(int))"),
        ("optional_type<STRING>", "optional_type(string)"),
        ("TYPE<INT>", "type(int)"),
        ("DURATION", "google.protobuf.Duration"),
        ("NULL", "null_type"),
        ("kubernetes.AdmissionRequest", "kubernetes.AdmissionRequest"),
    ],
)
def test_type_names_read_as_cel_go_prints_them(cpp: str, go: str) -> None:
    assert go_type_name(cpp) == go


def test_undeclared_qualified_names_are_reported_at_their_first_identifier() -> None:
    cpp = "ERROR: <input>:1:8: undeclared reference to 'a.b.c' (in container '')\n |   a . b.c\n | .......^"
    assert cel_go_issues(cpp, "  a . b.c") == (
        "ERROR: <input>:1:3: undeclared reference to 'a' (in container '')\n |   a . b.c\n | ..^"
    )


def test_follow_up_errors_are_dropped_and_the_rest_sorted() -> None:
    got = admissioncel.compile_expression("request.nope.x == z.w", Decls())
    assert got.error == (
        "compilation failed: ERROR: <input>:1:8: undefined field 'nope'\n | request.nope.x == z.w\n | .......^\n"
        "ERROR: <input>:1:19: undeclared reference to 'z' (in container '')\n | request.nope.x == z.w\n"
        " | ..................^"
    )


def test_libraries_not_written_here_are_only_parsed() -> None:
    got = admissioncel.compile_expression("'abc'.reverse() == 'cba' && [1, 1].distinct().size() == 1", Decls())
    assert got == admissioncel.Result("")
    assert admissioncel.compile_expression("ip('a') ==", Decls()).error.startswith("compilation failed: ERROR: ")


def test_composed_variables_are_typed() -> None:
    decls = Decls(variables=(("n", "string"), ("l", "list(int)"), ("m", "map(string, string)"), ("o", "dyn")))
    ok = "variables.n.size() + variables.l[0] > 0 && variables.m['a'] == 'b' && variables.o.x"
    assert admissioncel.compile_expression(ok, decls).type == "bool"
    bad = admissioncel.compile_expression("variables.l[0] + 'x' == 'y'", decls)
    assert "found no matching overload for '_+_' applied to '(int, string)'" in bad.error


def test_results_are_memoized() -> None:
    decls = Decls(params=True)
    first = admissioncel.compile_expression("params.x == 1", decls)
    assert admissioncel.compile_expression("params.x == 1", decls) is first


def test_device_selectors() -> None:
    assert admissioncel.device_selector_error("device.driver == 'a' && device.attributes['d'].model == 'x'") == ""
    assert admissioncel.device_selector_error("device.capacity['d'].memory.isGreaterThan(quantity('1Gi'))") == ""
    assert admissioncel.device_selector_error("device.driver") == (
        "must evaluate to bool or the unknown type, not string"
    )


def test_mixed_literals_with_dyn_are_refused_for_admission_only() -> None:
    """kube types admission's object as dyn, so [object.x, 1] is mixed there; a CRD rule's self is typed in
    kube (map(string, dyn) here), so the same shape is not refused for CRD rules."""
    env = celenv.environment(("object", cel.Type.Map(cel.Type.STRING, cel.Type.DYN)))
    celenv.compile_expr(env, "[self.a, 1].size() == 2")
    with pytest.raises(celenv.CelError, match="expected type 'dyn' but found 'int'"):
        celenv.compile_expr(env, "[self.a, 1].size() == 2", strict_dyn=True)
    with pytest.raises(celenv.CelError, match="invalid duration argument"):
        celenv.compile_expr(env, "duration('1x') > duration('1s')")


def test_variable_names_protobuf_would_refuse_still_compile() -> None:
    """a_b beside aB (one JSON name for protobuf), map fields whose entry names collide, null-typed ones."""
    decls = Decls(variables=(("a_b", "int"), ("aB", "int"), ("m_m", "map(string, int)"), ("mM", "map(string, int)"),
                             ("n", "null_type")))  # fmt: skip
    ok = "variables.a_b + variables.aB == 2 && variables.m_m['x'] == variables.mM['y'] && variables.n == null"
    assert admissioncel.compile_expression(ok, decls) == admissioncel.Result("", "bool")
    got = admissioncel.compile_expression("variables.a_b + 'x' == 'y'", decls)
    assert "applied to '(int, string)'" in got.error
