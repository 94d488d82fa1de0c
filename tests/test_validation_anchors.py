"""Validation patterns anchor at the end of the text, as Go's regexp ``$`` does: Python's ``$`` also matches
before a trailing newline, so names, label values and ConfigMap keys ending in "\\n" passed. And the one-pass
check of all of a ConfigMap's keys agrees with the per-key one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, is_dns1123_subdomain


def test_a_trailing_newline_is_not_the_end_of_a_name() -> None:
    assert is_dns1123_subdomain("a") == [] and is_dns1123_subdomain("a\n") != []
    assert is_dns1123_label("a") == [] and is_dns1123_label("a\n") != []
    assert f.config_map_key_errors("k") == [] and f.config_map_key_errors("k\n") != []


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(alphabet="ab.-_/ \n\u00e4", max_size=5), st.just(""), min_size=1, max_size=4))
def test_all_keys_at_once_agree_with_each_key(data: dict[str, str]) -> None:
    every_key_valid = all(not f.config_map_key_errors(key) for key in data)
    assert f.config_map_keys_valid(data) == every_key_valid


async def _status(api: Any, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    status, answer, _ = await api.post(path, body)
    return status, answer


async def test_names_labels_and_keys_with_a_trailing_newline_are_refused(api: Any, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    for body, field in (
        ({"metadata": {"name": "a\n"}}, "metadata.name"),
        ({"metadata": {"name": "b", "labels": {"app": "web\n"}}}, "metadata.labels"),
        ({"metadata": {"name": "c"}, "data": {"key\n": "v"}}, "data[key\n]"),
    ):
        status, answer = await _status(api, base, body)
        assert status == 422, answer
        assert answer["reason"] == "Invalid"
        assert [c["field"] for c in answer["details"]["causes"]] == [field], answer
    status, answer = await _status(api, base, {"metadata": {"name": "d"}, "data": {f"k{i}": "v" for i in range(100)}})
    assert status == 201, answer
