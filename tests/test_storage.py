"""storage.Store against a real etcd: transactions, resourceVersions, pagination, compaction, concurrency."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from aiokube.encoding import depth
from aiokube.storage import errors
from aiokube.storage.keys import collection_key, object_key, prefix_range_end, resource_prefix
from aiokube.storage.store import Preconditions, Store, decode_continue, encode_continue, encode_for_storage
from tests.conftest import assert_never_written, load_fixture


def _prefix() -> str:
    return f"/registry/test-{uuid.uuid4().hex[:8]}/"


def _obj(name: str, **data: str) -> dict:
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name, "uid": f"uid-{name}"}, "data": data}


def test_key_layout_matches_kube() -> None:
    assert resource_prefix("", "nodes") == "minions"
    assert resource_prefix("", "services") == "services/specs"
    assert resource_prefix("", "endpoints") == "services/endpoints"
    assert resource_prefix("apps", "deployments") == "deployments"
    assert resource_prefix("stable.example.com", "crontabs", builtin=False) == "stable.example.com/crontabs"
    assert object_key("configmaps", "default", "x") == "/registry/configmaps/default/x"
    assert object_key("namespaces", None, "x") == "/registry/namespaces/x"
    assert collection_key("pods", "ns1") == "/registry/pods/ns1/"
    assert prefix_range_end(b"/registry/pods/") == b"/registry/pods0"
    assert prefix_range_end(b"a\xff") == b"b"


def test_continue_token_is_byte_compatible_with_kube() -> None:
    ref = load_fixture("kube-1.36/configmaps_list_limit1_before_compact.json")
    token = ref["metadata"]["continue"]
    prefix = "/registry/configmaps/default/"
    key, rv = decode_continue(token, prefix)
    assert (key, rv) == (prefix + "gone-0\x00", 77)
    assert encode_continue(key, prefix, rv) == token


@pytest.mark.parametrize(
    "token, message",
    [
        ("!!!", "continue key is not valid"),
        (encode_continue("/p/x", "/p/", 0).rstrip("="), "incorrect encoded start resourceVersion"),
        (encode_continue("/p/../../etc", "/p/", 5), "continue key is not valid: ../../etc"),
    ],
)
def test_bad_continue_tokens_are_rejected(token: str, message: str) -> None:
    with pytest.raises(errors.InvalidContinue, match=message.replace(".", r"\.")):
        decode_continue(token, "/p/")


async def test_create_get_resource_version_is_mod_revision(store: Store) -> None:
    p = _prefix()
    created = await store.create(p + "a", _obj("a", k="v"))
    rev = int(created["metadata"]["resourceVersion"])
    got = await store.get(p + "a")
    assert got == created
    assert rev == int((await store.client.range((p + "a").encode())).kvs[0].mod_revision)
    raw = (await store.client.range((p + "a").encode())).kvs[0].value
    assert b"resourceVersion" not in raw  # like kube, the RV is never stored
    with pytest.raises(errors.AlreadyExists):
        await store.create(p + "a", _obj("a"))
    with pytest.raises(errors.NotFound):
        await store.get(p + "missing")


async def test_update_compares_mod_revision_and_skips_noop(store: Store) -> None:
    p = _prefix()
    created = await store.create(p + "a", _obj("a", k="v"))

    def set_k(value: str):
        def fn(cur):
            cur["data"]["k"] = value
            return cur

        return fn

    updated, created_flag = await store.guaranteed_update(p + "a", set_k("w"))
    assert not created_flag
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    same, _ = await store.guaranteed_update(p + "a", set_k("w"))
    assert same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    with pytest.raises(errors.NotFound):
        await store.guaranteed_update(p + "nope", set_k("x"))
    made, created_flag = await store.guaranteed_update(
        p + "new", lambda cur: _obj("new") if cur is None else cur, ignore_not_found=True
    )
    assert created_flag and made["metadata"]["name"] == "new"


async def test_reads_only_update_gets_the_cached_object_itself(store: Store) -> None:
    """A reads_only update is handed the cached object itself (no private copy); one that changes it anyway is
    caught (the suite runs with AIOKUBE_CHECK_READONLY=1), and the cache's object is what it was before."""
    p = _prefix()
    created = await store.create(p + "a", _obj("a", k="v"))
    seen: list[dict] = []

    def replace(cur: dict) -> dict:
        seen.append(cur)
        return {**cur, "data": {"k": "w"}}

    updated, _ = await store.guaranteed_update(p + "a", replace, cached=created, reads_only=True)
    assert seen == [created] and seen[0] is created
    assert updated["data"] == {"k": "w"} and created["data"] == {"k": "v"}

    def mutate(cur: dict) -> dict:
        cur["data"]["k"] = "x"
        return cur

    with pytest.raises(AssertionError, match="changed the object it was given"):
        await store.guaranteed_update(p + "a", mutate, cached=updated, reads_only=True)
    assert (await store.get(p + "a"))["data"] == {"k": "w"}  # nothing was written


async def test_concurrent_updaters_lose_no_update(store: Store) -> None:
    """Two writers incrementing one counter 25 times each: optimistic concurrency keeps all 50."""
    p = _prefix()
    await store.create(p + "counter", _obj("counter", n="0"))

    def inc(cur):
        cur["data"]["n"] = str(int(cur["data"]["n"]) + 1)
        return cur

    async def writer() -> None:
        for _ in range(25):
            await store.guaranteed_update(p + "counter", inc)
            await asyncio.sleep(0)

    await asyncio.gather(writer(), writer())
    assert (await store.get(p + "counter"))["data"]["n"] == "50"


async def test_delete_with_preconditions(store: Store) -> None:
    p = _prefix()
    created = await store.create(p + "a", _obj("a"))
    with pytest.raises(errors.PreconditionFailed, match="UID in precondition: other"):
        await store.delete(p + "a", preconditions=Preconditions(uid="other"))
    with pytest.raises(errors.PreconditionFailed, match="ResourceVersion in precondition: 1,"):
        await store.delete(p + "a", preconditions=Preconditions(resource_version="1"))
    assert await store.get(p + "a") == created  # still there
    deleted = await store.delete(p + "a", preconditions=Preconditions(uid="uid-a"))
    assert deleted["metadata"]["name"] == "a"
    with pytest.raises(errors.NotFound):
        await store.delete(p + "a")


async def test_dry_run_writes_nothing(store: Store) -> None:
    p = _prefix()
    before = await store.current_revision()
    obj = await store.create(p + "a", _obj("a"), dry_run=True)
    assert "resourceVersion" not in obj["metadata"]
    await assert_never_written(store, p + "a", before)
    with pytest.raises(errors.NotFound):
        await store.get(p + "a")


async def test_list_pagination_and_selectors(store: Store) -> None:
    p = _prefix()
    for i in range(7):
        await store.create(p + f"o{i}", _obj(f"o{i}", parity=str(i % 2)))
    page1 = await store.list(p, limit=3)
    assert [o["metadata"]["name"] for o in page1.items] == ["o0", "o1", "o2"]
    assert page1.remaining_item_count == 4 and page1.continue_token
    # a write between pages does not show up: pages are read at the first page's revision
    await store.create(p + "o3a", _obj("o3a", parity="0"))
    page2 = await store.list(p, limit=3, continue_token=page1.continue_token)
    assert [o["metadata"]["name"] for o in page2.items] == ["o3", "o4", "o5"]
    assert page2.revision == page1.revision
    page3 = await store.list(p, limit=3, continue_token=page2.continue_token)
    assert [o["metadata"]["name"] for o in page3.items] == ["o6"]
    assert not page3.continue_token and page3.remaining_item_count is None
    # selectors fill pages past filtered-out keys, and give no remainingItemCount
    odd = await store.list(p, limit=2, predicate=lambda o: o["data"]["parity"] == "1")
    assert [o["metadata"]["name"] for o in odd.items] == ["o1", "o3"]
    assert odd.continue_token and odd.remaining_item_count is None
    before = await store.current_revision()
    everything = await store.list(p)
    # the read's revision is etcd's at the time (others' writes may move it on meanwhile)
    assert len(everything.items) == 8 and before <= everything.revision <= await store.current_revision()


async def test_compaction_expires_exact_reads_and_continue_tokens(store: Store) -> None:
    p = _prefix()
    for i in range(4):
        await store.create(p + f"o{i}", _obj(f"o{i}"))
    page = await store.list(p, limit=2)
    old_rev = page.revision
    await store.create(p + "later", _obj("later"))
    await store.compact(await store.current_revision())
    with pytest.raises(errors.Compacted) as exc:
        await store.list(p, limit=2, continue_token=page.continue_token)
    assert exc.value.continue_token  # a token to continue inconsistently at the latest revision
    key, rv = decode_continue(exc.value.continue_token, p)
    assert rv == -1 and key == p + "o1\x00"
    consistent = await store.list(p, limit=10, continue_token=exc.value.continue_token)
    assert [o["metadata"]["name"] for o in consistent.items] == ["o2", "o3"]
    with pytest.raises(errors.Compacted, match="too old"):
        await store.list(p, revision=old_rev)


async def test_too_large_resource_version(store: Store) -> None:
    current = await store.current_revision()
    with pytest.raises(errors.TooLargeResourceVersion):
        await store.list(_prefix(), min_revision=current + 1000)
    with pytest.raises(errors.TooLargeResourceVersion):
        await store.list(_prefix(), revision=current + 1000)


async def test_update_from_a_stale_cached_state_retries_on_etcds(store: Store) -> None:
    """A cached state (the watch cache's hint) that etcd has moved past: the transaction's revision check
    fails and the update is applied to etcd's state; an error or a no-op computed on the stale state is
    checked again on etcd's before it counts."""
    p = _prefix()
    stale = await store.create(p + "a", _obj("a", k="v", n="0"))
    fresh, _ = await store.guaranteed_update(p + "a", lambda cur: {**cur, "data": {**cur["data"], "n": "1"}})
    seen: list[str] = []

    def bump(cur):
        seen.append(cur["metadata"]["resourceVersion"])
        cur["data"]["n"] = str(int(cur["data"]["n"]) + 1)
        return cur

    updated, _ = await store.guaranteed_update(p + "a", bump, cached=stale)
    assert seen == [stale["metadata"]["resourceVersion"], fresh["metadata"]["resourceVersion"]]
    assert updated["data"]["n"] == "2"
    assert (await store.get(p + "a"))["data"] == {"k": "v", "n": "2"}
    assert stale["data"]["n"] == "0"  # the cached object is not touched

    def only_current(cur):  # what a stale client resourceVersion check does
        if cur["metadata"]["resourceVersion"] != updated["metadata"]["resourceVersion"]:
            raise errors.Conflict(p + "a", "stale")
        cur["data"]["k"] = "w"
        return cur

    done, _ = await store.guaranteed_update(p + "a", only_current, cached=stale)
    assert done["data"]["k"] == "w"
    # a no-op against the stale state is not a no-op against etcd's
    same_as_stale, _ = await store.guaranteed_update(p + "a", lambda cur: {**cur, "data": dict(stale["data"])},
                                                     cached=stale)  # fmt: skip
    assert same_as_stale["data"] == stale["data"]
    assert int(same_as_stale["metadata"]["resourceVersion"]) > int(done["metadata"]["resourceVersion"])

    # an error on a cached state that is etcd's stands: try_update (with the admission it runs) runs once
    calls: list[str] = []

    def refuse(cur):
        calls.append(cur["metadata"]["resourceVersion"])
        raise errors.Conflict(p + "a", "refused")

    with pytest.raises(errors.Conflict):
        await store.guaranteed_update(p + "a", refuse, cached=same_as_stale)
    assert calls == [same_as_stale["metadata"]["resourceVersion"]]


async def test_written_objects_equal_what_etcd_returns(store: Store) -> None:
    p = _prefix()
    created = await store.create(p + "a", _obj("a", k="v"))
    assert created == await store.get(p + "a")
    assert list(created["metadata"]) == list((await store.get(p + "a"))["metadata"])
    updated, _ = await store.guaranteed_update(p + "a", lambda cur: {**cur, "data": {"k": "w"}})
    assert updated == await store.get(p + "a")
    known = await store.get(p + "a")
    deleted = await store.delete(p + "a", known=known)
    assert deleted["data"] == {"k": "w"} and deleted is not known
    assert int(deleted["metadata"]["resourceVersion"]) > int(known["metadata"]["resourceVersion"])


async def test_written_objects_are_offered_to_the_watch_cache_once(store: Store) -> None:
    p = _prefix()
    created = await store.create(p + "a", _obj("a", k="v"))
    rv = int(created["metadata"]["resourceVersion"])
    assert store.take_written(p + "a", rv - 1) is None  # an older event: not this object, kept for its own
    assert store.take_written(p + "a", rv) is created
    assert store.take_written(p + "a", rv) is None  # taken
    updated, _ = await store.guaranteed_update(p + "a", lambda cur: {**cur, "data": {"k": "w"}})
    newer = int(updated["metadata"]["resourceVersion"])
    assert store.take_written(p + "a", newer + 1) is None  # the event of a later write: ours is dropped
    assert store.take_written(p + "a", newer) is None


async def test_an_event_before_the_writes_response_takes_the_write_in_flight(store: Store) -> None:
    """The watch cache may get a write's event before the writer gets the transaction's response (two gRPC
    streams): it then takes the write in flight by its bytes instead of decoding them, with its own metadata,
    and the writer offers nothing afterwards."""
    key = _prefix() + "a"
    taken: list[Any] = []
    real_txn = store.client.txn

    def txn(*args: Any, **kwargs: Any) -> Any:
        async def event_first() -> Any:
            resp = await real_txn(*args, **kwargs)
            if resp.succeeded:  # the cache reads the event now, as its watch would deliver it
                kv = (await store.client.range(key.encode())).kvs[0]
                taken.append(store.take_written(key, int(kv.mod_revision), kv.value))
            return resp

        return event_first()

    store.client.txn = txn  # type: ignore[method-assign]
    try:
        created = await store.create(key, _obj("a", k="v"))
        updated, _ = await store.guaranteed_update(key, lambda cur: {**cur, "data": {"k": "w"}})
    finally:
        del store.client.txn
    assert taken == [created, updated]
    assert taken[1] == await store.get(key)
    assert taken[0] is not created and taken[0]["metadata"] is not created["metadata"]
    assert list(taken[1]["metadata"]) == list((await store.get(key))["metadata"])
    rv = int(updated["metadata"]["resourceVersion"])
    assert store.take_written(key, rv) is None  # not offered a second time
    assert not store.pending_writes


async def test_an_update_of_the_written_object_reuses_its_stored_bytes(store: Store) -> None:
    """The object a write returned (the one the watch cache holds) is stored as the bytes that were written:
    an update from it compares with those instead of encoding it again, and a no-op stays a no-op."""
    key = _prefix() + "a"
    created = await store.create(key, _obj("a", k="v"))
    etcd_value = (await store.client.range(key.encode())).kvs[0].value
    remembered = store.stored_bytes(key, created)
    assert remembered == etcd_value == encode_for_storage(created)
    copy = await store.get(key)
    assert store.stored_bytes(key, copy) == etcd_value and store.stored_bytes(key, copy) is not remembered
    same, changed = await store.guaranteed_update(key, lambda cur: {**cur}, cached=created, reads_only=True)
    assert same == created and not changed  # nothing written (confirmed on etcd's state, as a no-op is)
    updated, _ = await store.guaranteed_update(key, lambda cur: {**cur, "data": {"k": "w"}}, cached=created)
    assert store.stored_bytes(key, updated) == (await store.client.range(key.encode())).kvs[0].value
    assert store.stored_bytes(key, updated) is not store.stored_bytes(key, created)  # the old one: encoded


def test_checked_writes_refuse_what_is_deeper_than_the_limit() -> None:
    """Under the default limit (200 levels) the check is orjson's own write of the value wrapped in lists: the
    same bytes as an unchecked write up to the limit, kube's depth error past it (and past orjson's 254)."""
    def nested(levels: int) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for _ in range(levels - 1):
            value = {"a": value}
        return value

    assert depth.MAX_DEPTH == 200
    for levels in (1, 150, 200):
        assert encode_for_storage(nested(levels), checked=True) == encode_for_storage(nested(levels))
    for levels in (201, 254, 255, 1000):
        with pytest.raises(errors.TooDeep, match=r"invalid character '\{' exceeded max depth"):
            encode_for_storage(nested(levels), checked=True)
    pod = {"metadata": {"name": "p", "resourceVersion": "5", "managedFields": [{"f": {"a": {}}}] * 150}}
    assert encode_for_storage(pod, checked=True) == encode_for_storage(pod)  # many brackets, few levels
