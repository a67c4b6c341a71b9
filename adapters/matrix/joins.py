"""m.room.member joins in the community's rooms -> the neutral MemberJoined. Pure: no I/O.

Only a real arrival counts: membership becomes "join" from anything else (invite, leave, none).
A join event whose previous membership was already "join" is a profile change (display name,
avatar). The bot's own joins are not newcomers. Doing the welcome once per person (also on a
rejoin, a redelivered event or a second replica) is the core's job, by a unique row; here each
join is simply reported with its own event id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.matrix.events import RoomView, actor_for, cast_time, member_change
from bot.model import MemberJoined


def is_arrival(raw: Mapping[str, Any]) -> bool:
    change = member_change(raw)
    if change is None or change.membership != "join":
        return False
    unsigned = raw.get("unsigned")
    prev = unsigned.get("prev_content") if isinstance(unsigned, Mapping) else None
    # Some servers put prev_content at the top level (older spec versions).
    prev = prev if isinstance(prev, Mapping) else raw.get("prev_content")
    return not (isinstance(prev, Mapping) and prev.get("membership") == "join")


def member_joined(room: RoomView, raw: Mapping[str, Any], community: bool) -> MemberJoined | None:
    """community: the room is one of the community's own (configured, or a child of a
    configured space); joins anywhere else (direct rooms, ticket rooms, strangers' rooms)
    are not arrivals in the community."""
    event_id = raw.get("event_id")
    if not community or room.is_direct or not isinstance(event_id, str) or not is_arrival(raw):
        return None
    change = member_change(raw)
    assert change is not None
    if change.user_id == room.bot_user_id:
        return None
    actor = actor_for(room, change.user_id)
    if change.display:
        actor = replace(actor, display=change.display)
    return MemberJoined(
        event_id=event_id,
        actor=actor,
        address=room.address(),
        in_community=True,
        cast_at=cast_time(raw),
        raw=raw,
    )


def arrivals(
    room: RoomView, events: list[Mapping[str, Any]], community: bool
) -> list[MemberJoined]:
    """The joins of one timeline batch that are arrivals. Anything up to the bot's own latest
    join is history the bot was not there for: old members are not newcomers."""
    start = 0
    for i, ev in enumerate(events):
        change = member_change(ev)
        if change is not None and change.user_id == room.bot_user_id and is_arrival(ev):
            start = i + 1
    found = (member_joined(room, ev, community) for ev in events[start:])
    return [j for j in found if j is not None]
