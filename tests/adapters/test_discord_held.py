"""Held DMs on Discord (adapters/discord/held.py): the notice's static custom_id, what the
notice says and pings, and the held rows (once per outbox key, emptied when shown)."""

from __future__ import annotations

import pytest

from adapters.discord import events, held
from storage.db import Database
from tests.adapters import discord_payloads as p


def test_the_notice_button_names_its_person_and_nothing_else_parses_as_one() -> None:
    cid = held.custom_id(p.CAROL)
    assert cid == f"moot:held:{p.CAROL}" and len(cid) <= events.CUSTOM_ID_MAX
    assert held.held_for(cid) == p.CAROL


@pytest.mark.parametrize(
    "cid", [None, "", "moot:held:", "moot:held:abc", "moot:held:12 3", "moot:held:１２", "x:held:1"]
)
def test_what_is_not_a_notice_button_is_not_taken_for_one(cid: str | None) -> None:
    assert held.held_for(cid) is None


def test_the_notice_pings_only_its_person_and_holds_none_of_the_message() -> None:
    body = held.notice(p.CAROL)
    assert f"<@{p.CAROL}>" in body["content"]
    assert body["allowed_mentions"] == {
        "parse": [],
        "users": [p.CAROL],
        "roles": [],
        "replied_user": False,
    }
    (button,) = body["components"][0]["components"]
    assert button["custom_id"] == held.custom_id(p.CAROL) and button["label"] == held.SHOW
    read = held.read_notice(p.CAROL)
    assert read["components"] == [] and read["allowed_mentions"]["users"] == []


def test_held_once_per_key_emptied_when_taken_and_put_back_first(db: Database) -> None:
    first = {"content": "Reminder: vote #1", "allowed_mentions": {"parse": []}}
    assert held.hold(db, p.CAROL, "due:1", first) is None  # no notice stands yet
    held.noted(db, p.CAROL, p.VOTES, "999")
    again = held.hold(db, p.CAROL, "due:1", first)  # the outbox retrying the same row
    assert again == {"channel": p.VOTES, "message": "999"}
    held.hold(db, p.CAROL, "due:2", {"content": "Second"})
    bodies, notice = held.take(db, p.CAROL)
    assert [b["content"] for b in bodies] == ["Reminder: vote #1", "Second"]
    assert notice == {"channel": p.VOTES, "message": "999"}
    assert held.take(db, p.CAROL) == ([], None)
    held.hold(db, p.CAROL, "due:3", {"content": "Third"})
    held.put_back(db, p.CAROL, [{"content": "Second"}])
    assert [b["content"] for b in held.take(db, p.CAROL)[0]] == ["Second", "Third"]
    assert held.take(db, p.BOB) == ([], None)  # nobody else's


def test_shown_with_why_it_is_here_and_cut_to_discords_limit() -> None:
    shown = held.with_reason({"content": "x" * 3000})
    assert shown["content"].startswith(held.DMS_CLOSED) and len(shown["content"]) == 2000


def test_rows_held_before_notices_are_still_shown(db: Database) -> None:
    from storage import repos

    with db.transaction() as s:  # the shape the adapter wrote before: bare message bodies
        repos.kv_put(s, held.NS_HELD, p.DAVE, {"messages": [{"content": "Old reminder"}]})
    assert held.hold(db, p.DAVE, "due:9", {"content": "New"}) is None
    assert [b["content"] for b in held.take(db, p.DAVE)[0]] == ["Old reminder", "New"]
