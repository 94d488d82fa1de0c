"""CRD validation rules (x-kubernetes-validations, apiserver/apiextensions/celrules.py and celenv.py): the
scenario of tests/crd_cel_scenario.py replayed against aiokube, each answer compared with what kube-apiserver
1.36 returned for the same request (tests/fixtures/kube-1.36/crd_cel.json), plus unit checks of the rules'
semantics (ratcheting, correlation, escaping, libraries)."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from aiokube.apiserver.apiextensions import celrules
from aiokube.apiserver.apiextensions.customresource import validate
from tests import crd_cel_scenario as scenario
from tests.conftest import API, load_fixture
from tests.crdhelpers import spec_schema, texts

EXPECTED: dict[str, Any] = load_fixture("kube-1.36/crd_cel.json")


async def _replay(api: API, ns: str) -> dict[str, Any]:
    status, body, _ = await api.post(scenario.CRDS, scenario.CRD)
    assert status in (201, 409), body
    crs = scenario.CRS.replace(scenario.NS, ns)
    for _ in range(100):
        if (await api.get(crs))[0] == 200:
            break
        await asyncio.sleep(0.05)
    out: dict[str, Any] = {}
    try:
        for name, method, path, req in scenario.STEPS:
            headers = None
            if method == "PATCH-MERGE":
                method, headers = "PATCH", {"Content-Type": "application/merge-patch+json"}
            status, answer, _ = await api.request(method, path.replace(scenario.NS, ns), req, headers=headers)
            text = json.dumps(answer).replace(ns, scenario.NS)
            out[name] = {"status": status, "body": scenario.normalize(json.loads(text))}
            if name.startswith("crd-") and status == 201:
                await api.delete(f"{scenario.CRDS}/{req['metadata']['name']}")
    finally:
        await api.delete(f"{scenario.CRDS}/{scenario.CRD_NAME}")
    return out


#: steps whose answers differ from kube's, and why (README: Known differences)
KNOWN_DIFFERENT: dict[str, str] = {}


async def test_scenario_matches_kube(api: API, ns: str) -> None:
    got = await _replay(api, ns)
    assert set(got) == set(EXPECTED)
    mismatched = {}
    for name, want in EXPECTED.items():
        if name in KNOWN_DIFFERENT:
            continue
        if got[name]["status"] != want["status"]:
            mismatched[name] = (got[name], want)
        elif want["body"].get("kind") == "Status" and got[name]["body"] != want["body"]:
            mismatched[name] = (got[name]["body"], want["body"])
        elif want["status"] < 300:
            assert got[name]["body"]["spec"] == want["body"]["spec"], name
    assert not mismatched, json.dumps(mismatched, indent=1)


# ---- unit checks ---------------------------------------------------------------------------------------------


def _rules(props: dict[str, Any], **extra: Any) -> tuple[dict[str, Any], celrules.RuleNode | None]:
    schema = spec_schema(props, **extra)
    return schema, celrules.compile_schema(schema)


def _check(schema: dict[str, Any], rules: Any, spec: Any, old_spec: Any = None) -> list[str]:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}
    old = None
    if old_spec is not None:
        old = copy.deepcopy(obj)
        old["spec"] = old_spec
    return texts(validate(obj, schema, old, rules))


def test_unchanged_values_are_ratcheted_and_transition_rules_are_not() -> None:
    schema, rules = _rules(
        {
            "a": {"type": "string", "x-kubernetes-validations": [{"rule": "self.size() < 3", "message": "short"}]},
            "b": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "fixed"}]},
        }
    )
    assert _check(schema, rules, {"a": "long", "b": "x"}) == ['spec.a: Invalid value: "long": short']
    # a stays invalid but unchanged: ratcheted; b changed: the transition rule fails
    assert _check(schema, rules, {"a": "long", "b": "y"}, {"a": "long", "b": "x"}) == [
        'spec.b: Invalid value: "y": fixed'
    ]
    assert _check(schema, rules, {"a": "longer", "b": "x"}, {"a": "long", "b": "x"}) == [
        'spec.a: Invalid value: "longer": short'
    ]


def test_atomic_list_items_do_not_correlate() -> None:
    item = {"type": "object", "properties": {"n": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self.n > 0", "message": "positive"}]}  # fmt: skip
    schema, rules = _rules({"l": {"type": "array", "items": item}})
    # the list changed, so the unchanged bad item is reported again (its parent list is what correlates)
    assert _check(schema, rules, {"l": [{"n": 0}, {"n": 1}]}, {"l": [{"n": 0}]}) == [
        "spec.l[0]: Invalid value: positive"
    ]
    assert _check(schema, rules, {"l": [{"n": 0}]}, {"l": [{"n": 0}]}) == []


def test_escaped_property_names_numbers_and_formats() -> None:
    schema, rules = _rules(
        {
            "namespace": {"type": "string"},
            "a-b": {"type": "integer"},
            "ratio": {"type": "number"},
            "when": {"type": "string", "format": "date-time"},
        },
        **{
            "x-kubernetes-validations": [
                {"rule": "self.__namespace__ == 'ns' && self.a__dash__b == 2", "message": "m1"},
                {"rule": "type(self.ratio) == double && self.ratio > 0.5", "message": "m2"},
                {"rule": "self.when < timestamp('2030-01-01T00:00:00Z')", "message": "m3"},
            ]
        },
    )
    good = {"namespace": "ns", "a-b": 2, "ratio": 1, "when": "2024-01-01T00:00:00Z"}
    assert _check(schema, rules, good) == []
    bad = {"namespace": "x", "a-b": 2, "ratio": 0, "when": "2031-01-01T00:00:00Z"}
    assert _check(schema, rules, bad) == [
        "spec: Invalid value: m1",
        "spec: Invalid value: m2",
        "spec: Invalid value: m3",
    ]


def test_root_sees_only_name_and_generate_name_of_metadata() -> None:
    schema = {"type": "object", "x-kubernetes-validations": [{"rule": "!has(self.metadata.labels)"}]}
    rules = celrules.compile_schema(schema)
    obj = {"apiVersion": "example.com/v1", "kind": "W", "metadata": {"name": "w", "labels": {"a": "b"}}}
    assert texts(validate(obj, schema, None, rules)) == []


def test_schema_errors_block_the_rules() -> None:
    schema, rules = _rules({"n": {"type": "integer"}}, **{"x-kubernetes-validations": [{"rule": "self.n > 0"}]})
    assert _check(schema, rules, {"n": "x"})[-1] == (
        "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; "
        "correct the existing errors to complete validation"
    )


@pytest.mark.parametrize(
    ("rule", "want"),
    [
        ("self.l.isSorted() && self.l.indexOf(2) == 1 && self.l.sum() == 6 && self.l.max() == 3", True),
        ("self.s.lowerAscii() == 'abc' && self.s.upperAscii() == 'ABC' && self.s.charAt(1) == 'B'", True),
        ("self.s.split('B') == ['a', 'c'] && ['a', 'b'].join('-') == 'a-b' && ' x '.trim() == 'x'", True),
        ("self.s.find('[A-Z]') == 'B' && 'a1b22'.findAll('[0-9]+') == ['1', '22']", True),
        ("self.s.substring(1) == 'Bc' && self.s.replace('B', 'b') == 'abc' && self.s.lastIndexOf('c') == 2", True),
        ("url('https://h:8/p?q=1').getHostname() == 'h' && url('https://h:8/p?q=1').getQuery()['q'] == ['1']", True),
        ("quantity('1500m').isGreaterThan(quantity('1')) && quantity('2Ki').asInteger() == 2048", True),
        ("int('5') == 5 && string(5) == '5' && duration('1m') < duration('1h')", True),
        ("self.l.exists_one(x, x == 2) && self.l.map(x, x * 2).filter(x, x > 2).size() == 2", True),
        ("self.s.matches('^a') && self.s.startsWith('a') && self.s.endsWith('c') && self.s.contains('B')", True),
    ],
)
def test_kube_libraries(rule: str, want: bool) -> None:
    schema, rules = _rules(
        {"l": {"type": "array", "items": {"type": "integer"}}, "s": {"type": "string"}},
        **{"x-kubernetes-validations": [{"rule": rule, "message": "false"}]},
    )
    assert rules is not None and not rules.properties["spec"].rules[0].error, rules.properties["spec"].rules[0].error
    assert (_check(schema, rules, {"l": [1, 2, 3], "s": "aBc"}) == []) is want


def test_crd_rule_errors() -> None:
    schema = spec_schema(
        {
            "l": {
                "type": "array",
                "items": {"type": "object", "x-kubernetes-validations": [{"rule": "self == oldSelf"}]},
            }
        },
        **{"x-kubernetes-validations": [{"rule": "self.n ==", "message": "m"}, {"rule": "'x'"}]},
    )
    errs = texts(celrules.crd_rule_errors(schema, "s"))
    assert errs[0].startswith(
        's.properties[spec].x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.n ==","Message":"m",'
        '"MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: '
        "<input>:1:10: Syntax error:"
    )
    assert errs[1].endswith("x-kubernetes-validations[1].rule: Invalid value: "
                            '{"Rule":"\'x\'","Message":"","MessageExpression":"","Reason":null,"FieldPath":"",'
                            '"OptionalOldSelf":null}: cel expression must evaluate to a bool')  # fmt: skip
    assert errs[2] == (
        's.properties[spec].properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": '
        "oldSelf cannot be used on the uncorrelatable portion of the schema within s.properties[spec].properties[l]"
    )


async def test_crd_rules_have_no_bind_math_or_base64(api: API) -> None:
    """kube's base CEL environment lacks cel.bind, math.* and base64.*: a CRD calling them is refused at once."""
    case = load_fixture("kube-1.36/crd_cel_extensions.json")
    status, body, _ = await api.post(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", case["request"], params={"dryRun": "All"}
    )
    assert (status, body) == (case["code"], case["status"])
