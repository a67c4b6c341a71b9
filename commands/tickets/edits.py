"""Edits and deletions of messages already in a ticket. In a relayed place (Slack: the
requester writes in their DM with Moot) staff never see the requester's own message, only
Moot's copy of it, so a change there is told in the staff thread, old words beside new,
and kept in the transcript. Where everyone sees the same message (a room, a thread), the
platform shows the change itself; the transcript still notes it."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Ctx
from bot.i18n import _
from bot.model import MessageReceived, Send
from commands.tickets import state
from commands.tickets.flow import _address, _relayed, say
from commands.tickets.state import ref_of
from storage.ticket_tables import Ticket, TicketMessage

# How much of the old and new words the staff notice quotes.
QUOTE = 300


def is_change(ctx: Ctx) -> bool:
    event = ctx.event
    return isinstance(event, MessageReceived) and bool(event.edit_of)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:QUOTE]}{'…' if len(text) > QUOTE else ''}”"


def latest_version(ctx: Ctx, message_id: str) -> tuple[Ticket, TicketMessage] | None:
    """The newest transcript line of this message, in a ticket of this requester: the
    ticket it was relayed to, whichever ticket the DM's latest copy belongs to now."""
    found = ctx.db.execute(
        select(Ticket, TicketMessage)
        .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
        .where(
            Ticket.community_id == ctx.community.id,
            Ticket.requester == ctx.actor.user_id,
            TicketMessage.message_id == message_id,
            TicketMessage.author == ctx.actor.user_id,
        )
        .order_by(TicketMessage.id.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else None


def on_change(ctx: Ctx, t: Ticket, text: str, *, via_dm: bool) -> None:
    event = ctx.event
    assert isinstance(event, MessageReceived) and event.edit_of
    original = event.edit_of
    if not via_dm:
        _in_place(ctx, t, original, text, deleted=event.deleted)
        return
    # A DM holds more than the ticket (commands, other tickets): only a message that was
    # relayed into a ticket of this person is that ticket's business.
    known = latest_version(ctx, original)
    if known is None:
        return
    ticket, before = known
    if not event.deleted and before.text == text.strip()[: state.MAX_TEXT]:
        return  # the words did not change (Slack also says "changed" for an unfurl)
    _record(ctx, ticket, "requester", original, text, deleted=event.deleted)
    # Staff-only: the requester knows what they changed.
    say(ctx, ticket, _notice(ctx, before.text, text, event.deleted), relay=False, record=False)


def _notice(ctx: Ctx, old: str, new: str, deleted: bool) -> str:
    who = f"@{ctx.actor.display}"
    if deleted:
        return _("🗑️ {who} deleted their message: {old}").format(who=who, old=_quote(old))
    return _("✏️ {who} edited their message: {old} → {new}").format(
        who=who, old=_quote(old), new=_quote(new)
    )


def _in_place(ctx: Ctx, t: Ticket, original: str, text: str, *, deleted: bool) -> None:
    """A change in the place itself. Those there see it; a relayed requester only has Moot's
    copy of a staff message, so they are told of a staff edit by DM."""
    role = state.role_of(ctx, t)
    if role == "other" or not (text.strip() or deleted):
        return
    before = ctx.db.execute(
        select(TicketMessage.text)
        .where(TicketMessage.ticket_id == t.id, TicketMessage.message_id == original)
        .order_by(TicketMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if before is not None and not deleted and before == text.strip()[: state.MAX_TEXT]:
        return
    _record(ctx, t, role, original, text, deleted=deleted)
    if role == "staff" and before is not None and t.requester in _relayed(ctx, t):
        with ctx.speaking_to(t.requester):
            notice = _notice(ctx, before, text, deleted)
        ctx.emit(
            Send(
                _address(ctx),
                notice,
                visibility="dm",
                recipient=t.requester,
                ref=f"{ref_of(t)}:dm",
            )
        )


def _record(ctx: Ctx, t: Ticket, role: str, original: str, text: str, *, deleted: bool) -> None:
    if deleted:
        row = ctx.db.execute(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == t.id, TicketMessage.message_id == original)
            .order_by(TicketMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return
        state.record(ctx, t, role, row.text, kind="delete", message_id=original)
        return
    state.note_edit(ctx, t, role, original, text.strip()[: state.MAX_TEXT])
