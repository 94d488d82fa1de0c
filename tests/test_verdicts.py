"""validation/verdicts.py: a clean verdict is reused only for the same fields (beside metadata), with the names
admission makes up at random abstracted; errors are always computed again."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import strategywarnings
from aiokube.apiserver.registry.strategywarnings import kinds
from aiokube.apiserver.registry.validation import dispatch, verdicts

Obj = dict[str, Any]


def _pod(name: str, volume: str = "kube-api-access-b4k9z", image: str = "nginx") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": image,
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "Always",
                    "volumeMounts": [{"name": volume, "readOnly": True, "mountPath": "/var/run/secrets/x"}],
                }
            ],
            "volumes": [{"name": volume, "emptyDir": {}}],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
    }


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Obj]:
    """The objects the Pod validator really ran on (the memo starts empty)."""
    seen: list[Obj] = []
    real = dispatch.VALIDATORS[("", "Pod")]

    def counting(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
        seen.append(obj)
        real(obj, old, errs)

    monkeypatch.setitem(dispatch.VALIDATORS, ("", "Pod"), counting)
    monkeypatch.setattr(verdicts, "_CLEAN", set())
    return seen


def _run(obj: Obj, old: Obj | None = None) -> list[str]:
    errs = FieldErrors()
    verdicts.validate("", "Pod", obj, old, errs)
    return [c.field for c in errs.causes]


def test_pods_of_one_template_share_a_clean_verdict(calls: list[Obj]) -> None:
    assert _run(_pod("a", "kube-api-access-b4k9z")) == []
    assert _run(_pod("b", "kube-api-access-x7q2m")) == []  # another name and random volume: remembered
    assert len(calls) == 1


def test_label_updates_of_pods_of_one_template_share_a_verdict(calls: list[Obj]) -> None:
    for name, volume in (("a", "kube-api-access-b4k9z"), ("b", "kube-api-access-x7q2m")):
        old = _pod(name, volume)
        new = copy.deepcopy(old)
        new["metadata"]["labels"] = {"rev": "b"}
        assert _run(new, old) == []
    assert len(calls) == 1


def test_errors_are_found_every_time(calls: list[Obj]) -> None:
    bad = _pod("a")
    del bad["spec"]["terminationGracePeriodSeconds"]
    assert _run(bad) == ["spec.terminationGracePeriodSeconds"]
    assert _run(_pod("b")) == []
    assert _run(copy.deepcopy(bad)) == ["spec.terminationGracePeriodSeconds"]
    assert len(calls) == 3


def test_a_volume_name_not_of_admissions_form_is_not_abstracted(calls: list[Obj]) -> None:
    assert _run(_pod("a", "kube-api-access-b4k9z")) == []
    # upper case: not a name admission makes, and not a valid one: checked, not taken from the memo
    assert _run(_pod("b", "kube-api-access-B4K9Z")) == [
        "spec.volumes[0].name",
        "spec.containers[0].volumeMounts[0].name",
    ]
    assert len(calls) == 2


def test_a_changed_spec_is_validated_again(calls: list[Obj]) -> None:
    assert _run(_pod("a")) == []
    assert _run(_pod("b", image="nginx:2")) == []
    old = _pod("c")
    assert _run(_pod("c", image="nginx:3"), old) == []
    assert len(calls) == 3


@pytest.fixture
def warned(monkeypatch: pytest.MonkeyPatch) -> list[Obj]:
    """The pods whose spec warnings were really computed on create (the memos start empty)."""
    seen: list[Obj] = []
    real = kinds.pod_spec_warnings

    def counting(root: str, spec: Obj, meta: Obj) -> list[str]:
        seen.append(spec)
        return real(root, spec, meta)

    monkeypatch.setattr(kinds, "pod_spec_warnings", counting)
    monkeypatch.setattr(verdicts, "_CLEAN", set())
    monkeypatch.setattr(verdicts, "_QUIET", set())
    return seen


def _create_warnings(pod: Obj) -> list[str]:
    errs = FieldErrors()
    key = verdicts.validate("", "Pod", pod, None, errs)
    assert not errs.causes and key is not None
    return strategywarnings.builtin_warnings("", "Pod", pod, None, memo_key=key)


def test_pods_of_one_template_that_warn_nothing_are_checked_once(warned: list[Obj]) -> None:
    assert _create_warnings(_pod("a", "kube-api-access-b4k9z")) == []
    assert _create_warnings(_pod("b", "kube-api-access-x7q2m")) == []
    assert len(warned) == 1
    # the name is checked every time: a pod name that is no DNS label warns although its spec was quiet
    assert _create_warnings(_pod("c.d")) == [
        "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label "
        "is recommended: [must not contain dots]"
    ]


def test_warnings_are_found_every_time_and_annotations_count(warned: list[Obj]) -> None:
    twice = _pod("a")
    twice["spec"]["containers"][0]["env"] = [{"name": "X", "value": "1"}, {"name": "X", "value": "2"}]
    want = ['spec.containers[0].env[1]: hides previous definition of "X", which may be dropped when using apply']
    assert _create_warnings(twice) == want
    assert _create_warnings(copy.deepcopy(twice)) == want
    assert _create_warnings(_pod("b")) == []
    # the same spec beside an annotation kube warns about: not taken from the memo of the quiet one
    annotated = _pod("c")
    annotated["metadata"]["annotations"] = {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}
    assert _create_warnings(annotated) == [
        "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "
        '"seccompProfile" field instead'
    ]
    assert len(warned) == 4
