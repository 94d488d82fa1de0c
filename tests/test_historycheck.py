"""The fault tests' history checker finds what it is there to find: a lost, a duplicated and a reordered event, a
list that is not etcd's state, a final state that is not etcd's, an acknowledged write missing from etcd."""

from __future__ import annotations

from tests.historycheck import Segment, Watcher, Writer, check

# etcd: a created at 11, modified at 12, b created at 13, a deleted at 14, b modified at 15
HISTORY = [
    ((11, "a", "ADDED"), {"v": "1"}),
    ((12, "a", "MODIFIED"), {"v": "2"}),
    ((13, "b", "ADDED"), {"v": "1"}),
    ((14, "a", "DELETED"), {}),
    ((15, "b", "MODIFIED"), {"v": "2"}),
]
FINAL = {"b": (15, {"v": "2"})}


def watcher(segments: list[Segment], state: dict[str, tuple[int, dict[str, str]]] | None = None) -> Watcher:
    w = Watcher("w", [], "ns", 0)
    w.segments = segments
    w.state = FINAL if state is None else state
    return w


def violations(w: Watcher, writers: tuple[Writer, ...] = ()) -> list[str]:
    return check([w], list(writers), {}, HISTORY, FINAL, 15).violations


def events(*revs: int) -> list[tuple[int, str, str]]:
    by_rev = {e[0]: e for e, _ in HISTORY}
    return [by_rev[r] for r in revs]


def test_a_faithful_watcher_has_no_violations() -> None:
    assert violations(watcher([Segment(10, {}, events(11, 12, 13, 14, 15), 15)])) == []
    # a relist after 12 (a 410): the events between are skipped, the list is etcd's state at 13
    relisted = watcher([Segment(10, {}, events(11, 12), 12), Segment(13, {"a": 12, "b": 13}, events(14, 15), 15)])
    assert violations(relisted) == []


def test_lost_duplicated_and_reordered_events_are_violations() -> None:
    lost = violations(watcher([Segment(10, {}, events(11, 12, 14, 15), 15)]))
    assert lost == ["w: lost (13, 'b', 'ADDED') (segment from list at 10)"]
    duplicated = violations(watcher([Segment(10, {}, events(11, 12, 12, 13, 14, 15), 15)]))
    assert duplicated == ["w: (12, 'a', 'MODIFIED') delivered 2 times"]
    reordered = violations(watcher([Segment(10, {}, events(11, 13, 12, 14, 15), 15)]))
    assert reordered == ["w: events out of revision order after list at 10"]


def test_wrong_lists_final_states_and_missing_writes_are_violations() -> None:
    bad_list = violations(watcher([Segment(13, {"a": 12}, events(14, 15), 15)]))
    assert len(bad_list) == 1 and "list at 13 differs" in bad_list[0]
    stale = violations(watcher([Segment(10, {}, events(11, 12, 13, 14, 15), 15)], {"b": (13, {"v": "1"})}))
    assert stale == ["w: final state differs from etcd's for ['b']"]
    writer = Writer("writer", [], "ns")
    writer.acked = [("create", "a", 11, 0.0), ("patch", "a", 16, 0.0), ("delete", "b", 0, 0.0)]
    missing = violations(watcher([Segment(10, {}, events(11, 12, 13, 14, 15), 15)]), (writer,))
    assert missing == [
        "writer: acknowledged patch of a at 16 is not in etcd's history",
        "writer: acknowledged delete of b (after 0) is not in etcd's history",
    ]
