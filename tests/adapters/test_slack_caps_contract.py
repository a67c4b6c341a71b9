"""Slack payloads for edits and deletions in a DM, file shares and user groups, as Slack
sends them, mapped to neutral events or read back (pure: no network)."""

from __future__ import annotations

from typing import Any

from adapters.slack import events
from adapters.slack.files import shared_in
from adapters.slack.roles import group_of, with_member
from bot.model import Address
from tests.adapters import slack_payloads as p

DM = "D0BOB0001"


def changed(old: str, new: str, **message: Any) -> dict[str, Any]:
    return p.envelope(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": {"type": "message", "text": new, "user": "U0BOB0001",
                        "ts": "1700000100.000100", "edited": {"user": "U0BOB0001"}, **message},
            "channel": DM,
            "previous_message": {"type": "message", "text": old, "user": "U0BOB0001",
                                 "ts": "1700000100.000100"},
            "event_ts": "1700000200.000100",
            "ts": "1700000200.000100",
            "channel_type": "im",
        },
        "EvCH1",
    )  # fmt: skip


def deleted(old: str) -> dict[str, Any]:
    return p.envelope(
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": "1700000100.000100",
            "channel": DM,
            "previous_message": {"type": "message", "text": old, "user": "U0BOB0001",
                                 "ts": "1700000100.000100"},
            "event_ts": "1700000300.000100",
            "ts": "1700000300.000100",
            "channel_type": "im",
        },
        "EvDL1",
    )  # fmt: skip


def test_a_dm_edit_names_the_message_it_replaces() -> None:
    ev = events.direct_change(changed("Firefox 128", "Firefox 129"))
    assert ev is not None
    assert (ev.text, ev.edit_of, ev.deleted, ev.is_direct) == (
        "Firefox 129",
        "1700000100.000100",
        False,
        True,
    )
    assert ev.actor.user_id == "U0BOB0001"
    assert ev.address == Address("slack", p.TEAM, DM, None, "1700000100.000100")
    assert ev.reply_to is None  # the adapter finds the relayed ticket, not the payload
    # The thread-edit mapping does not take a top-level DM edit (no thread_ts).
    assert events.thread_edit(changed("a", "b")) is None


def test_a_dm_deletion_is_a_change_with_no_words() -> None:
    ev = events.direct_change(deleted("Firefox 128"))
    assert ev is not None
    assert (ev.text, ev.edit_of, ev.deleted) == ("", "1700000100.000100", True)
    assert ev.actor.user_id == "U0BOB0001"


def test_changes_that_are_not_a_persons_dm_edit_are_ignored() -> None:
    assert events.direct_change(changed("same", "same")) is None  # an unfurl
    assert events.direct_change(changed("a", "b", bot_id="B0MOOT001")) is None
    assert events.direct_change(changed("a", "b", thread_ts="1700000000.000100")) is None
    assert events.direct_change(changed("a", "b", user=None)) is None
    in_channel = changed("a", "b")
    in_channel["event"]["channel_type"] = "channel"
    assert events.direct_change(in_channel) is None
    other = changed("a", "b")
    other["event"]["subtype"] = "channel_join"
    assert events.direct_change(other) is None
    # A plain DM is not a change; a change is not a plain DM.
    assert events.direct_message(changed("a", "b")) is None


def test_files_info_shows_where_a_file_is_shared() -> None:
    info = {"ok": True, "file": {"id": "F1", "channels": [], "groups": [], "ims": [DM]}}
    assert shared_in(info, DM)
    assert not shared_in(info, "C0OTHER01")
    shares = {"file": {"id": "F1", "shares": {"private": {"G0STAFF01": [{"ts": "1.2"}]}}}}
    assert shared_in(shares, "G0STAFF01")
    assert not shared_in({"ok": False, "error": "file_not_found"}, DM)


def test_a_role_means_a_user_group_by_id_never_by_handle() -> None:
    bound = [("code-champion", "S0CERT001"), ("named-by-handle", "code-champs")]
    assert group_of("S0CERT001", []) == "S0CERT001"
    assert group_of("<!subteam^S0CERT001|@code-champs>", []) == "S0CERT001"
    assert group_of("code-champion", bound) == "S0CERT001"
    assert group_of("@Code-Champion", bound) == "S0CERT001"
    assert group_of("code-champs", bound) is None  # a handle is anyone's to pick
    assert group_of("named-by-handle", bound) is None  # a binding must hold an id
    assert group_of("", bound) is None
    assert group_of("<!subteam^s0lower|x>", bound) is None


def test_a_grant_keeps_every_member_and_adds_one_once() -> None:
    assert with_member(["U1", "U2"], "U3") == ["U1", "U2", "U3"]
    assert with_member(["U1", "U3"], "U3") is None
    assert with_member([], "U3") == ["U3"]
