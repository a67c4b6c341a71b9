"""Feedback rules: the status machine, merging backers, the threshold crossed once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.feedback import rules


def test_forward_path_and_side_exits() -> None:
    assert rules.moves("new") == ("under-review", "declined", "duplicate")
    assert rules.moves("in-progress") == ("done", "declined", "duplicate")
    assert rules.moves("done") == ()
    assert rules.move("planned", "in-progress") == "in-progress"


def test_illegal_moves_name_the_possible_ones() -> None:
    with pytest.raises(
        rules.IllegalMove,
        match="it is new; from there it can move to under-review, declined, duplicate",
    ):
        rules.move("new", "done")
    with pytest.raises(rules.IllegalMove, match="it is done: no move is possible"):
        rules.move("done", "planned")
    with pytest.raises(rules.IllegalMove, match="unknown status 'shipped'"):
        rules.move("new", "shipped")


def test_merge_counts_each_person_once() -> None:
    m = rules.merge({"a", "b"}, {"b", "c", "sub"})
    assert m.backers == {"a", "b", "c", "sub"}
    assert m.added == {"c", "sub"}


people = st.sets(st.sampled_from("abcdefgh"))


@given(people, people)
def test_merge_is_a_union(t: set[str], d: set[str]) -> None:
    m = rules.merge(t, d)
    assert m.backers == t | d and m.added.isdisjoint(t) and len(m.backers) == len(t) + len(m.added)


@given(st.lists(st.booleans(), max_size=60), st.integers(1, 5))
def test_threshold_crossed_exactly_once(steps: list[bool], threshold: int) -> None:
    backers, proposed, crossings = 0, False, 0
    for up in steps:
        backers = backers + 1 if up else max(0, backers - 1)
        if rules.crosses(backers, threshold, proposed):
            crossings += 1
            proposed = True
    assert crossings == (1 if proposed else 0)
    assert crossings <= 1


def test_threshold_off() -> None:
    assert not rules.crosses(100, None, False)
    assert not rules.crosses(100, 0, False)
