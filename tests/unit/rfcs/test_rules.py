"""The RFC stage machine: every stage, every move, and the message for a refused one."""

from __future__ import annotations

import pytest

from commands.rfcs import rules as rfc_rules
from commands.rfcs.rules import IllegalMove, apply, moves, possible_now

PEOPLE = ("fcp", "vote", "withdraw", "postpone", "implemented", "reopen")
SYSTEM = ("accept", "reject")

EXPECTED = {
    ("discussion", "fcp"): "fcp",
    ("discussion", "vote"): "voting",
    ("discussion", "withdraw"): "withdrawn",
    ("discussion", "postpone"): "postponed",
    ("fcp", "withdraw"): "withdrawn",
    ("fcp", "postpone"): "postponed",
    ("fcp", "accept"): "accepted",
    ("fcp", "reject"): "rejected",
    ("voting", "accept"): "accepted",
    ("voting", "reject"): "rejected",
    ("postponed", "withdraw"): "withdrawn",
    ("postponed", "reopen"): "discussion",
    ("accepted", "implemented"): "implemented",
}


@pytest.mark.parametrize("stage", rfc_rules.STAGES)
@pytest.mark.parametrize("move", PEOPLE + SYSTEM)
def test_every_stage_and_move(stage: str, move: str) -> None:
    want = EXPECTED.get((stage, move))
    if want is None:
        with pytest.raises(IllegalMove) as err:
            apply(stage, move, system=True)
        assert f"'{move}' is not possible in stage {stage}" in str(err.value)
        return
    if move in SYSTEM:
        # People never make the bot's moves, even where the stage allows them.
        with pytest.raises(IllegalMove):
            apply(stage, move)
    else:
        assert apply(stage, move).after == want
    assert apply(stage, move, system=True).after == want


def test_refusal_names_the_possible_moves() -> None:
    with pytest.raises(IllegalMove) as err:
        apply("discussion", "implemented")
    assert str(err.value) == (
        "'implemented' is not possible in stage discussion; "
        "possible now: fcp, vote, withdraw, postpone"
    )
    with pytest.raises(IllegalMove, match=r"possible now: withdraw, postpone .*ends by itself"):
        apply("fcp", "vote")
    with pytest.raises(IllegalMove, match=r"nothing to do by command.*when its vote closes"):
        apply("voting", "withdraw")
    with pytest.raises(IllegalMove, match="it is decided"):
        apply("withdrawn", "postpone")


def test_people_moves_per_stage() -> None:
    assert moves("discussion") == ("fcp", "vote", "withdraw", "postpone")
    assert moves("fcp") == ("withdraw", "postpone")
    assert moves("voting") == ()
    assert moves("accepted") == ("implemented",)
    assert moves("postponed") == ("withdraw", "reopen")
    for final in rfc_rules.FINAL:
        assert moves(final, system=True) == ()
        assert "decided" in possible_now(final)


def test_unknown_stage_and_dispositions() -> None:
    with pytest.raises(IllegalMove, match="unknown stage"):
        apply("limbo", "fcp")
    assert [rfc_rules.disposition_move(d) for d in rfc_rules.DISPOSITIONS] == list(
        rfc_rules.DISPOSITIONS
    )
    with pytest.raises(IllegalMove):
        rfc_rules.disposition_move("merge")


@pytest.mark.parametrize(
    ("outcome", "move"),
    [
        ("passed", "accept"),
        ("failed", "reject"),
        ("tied", "reject"),
        ("no quorum", "reject"),
        ("blocked", "reject"),
        ("cancelled", "reject"),
    ],
)
def test_vote_outcome_moves(outcome: str, move: str) -> None:
    assert rfc_rules.vote_move(outcome) == move
    assert apply("voting", move, system=True).after == (
        "accepted" if move == "accept" else "rejected"
    )


def test_every_path_ends_final_or_accepted() -> None:
    """From discussion, following any sequence of moves, a stage with no moves is final."""
    seen: set[str] = set()
    todo = ["discussion"]
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.add(stage)
        nxt = moves(stage, system=True)
        if not nxt:
            assert stage in rfc_rules.FINAL
        todo += [apply(stage, m, system=True).after for m in nxt]
    assert seen == set(rfc_rules.STAGES)
