"""The words and cards of events: the event message with its live counts, confirmations,
reminders and notices, each time shown in the reader's zone (or as the platform's own
timestamp, which every reader sees in theirs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_, _
from bot.model import Card, Choice, Edit
from bot.timeparse import format_duration, format_when
from commands.events import rules
from storage.event_tables import Event

ANSWER_EMOJI = {"going": "✅", "maybe": "❔", "no": "❌"}
ANSWER_LABEL = {"going": N_("Going"), "maybe": N_("Maybe"), "no": N_("Can't go")}
# Other reactions people use for the same answers (on the event message).
REACTION_ALIASES = {"👍": "going", "✔": "going", "❓": "maybe", "🤔": "maybe", "👎": "no"}
STATE_TEXT = {
    "going": N_("you're going"),
    "offered": N_("a seat is held for you"),
    "waitlist": N_("you're on the waitlist"),
    "maybe": N_("you're a maybe"),
    "no": N_("you're not going"),
}


def ref(event: Event) -> str:
    return f"event:{event.id}"


def when(platform: str, at: datetime, zone: ZoneInfo) -> str:
    """A time for one reader: Discord and Slack render their own token in each reader's
    zone; elsewhere it is written out in `zone` with a fallback for Slack's clients."""
    unix = int(at.timestamp())
    shown = format_when(at, zone)
    if platform == "discord":
        return f"<t:{unix}:F>"
    if platform == "slack":
        return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{shown}>"
    return shown


def choices(event: Event) -> tuple[Choice, ...]:
    return tuple(
        Choice(
            "event.rsvp",
            f"{event.id}:{answer}",
            _(ANSWER_LABEL[answer]),
            style="primary" if answer == "going" else "default",
            emoji=ANSWER_EMOJI[answer],
        )
        for answer in rules.ANSWERS
    )


def counts(event: Event) -> str:
    seats = f"{event.going}/{event.capacity}" if event.capacity else str(event.going)
    parts = [_("going {seats}").format(seats=seats)]
    if event.offered:
        parts.append(_("offered {offered}").format(offered=event.offered))
    if event.capacity or event.waitlist:
        parts.append(_("waitlist {waitlist}").format(waitlist=event.waitlist))
    parts.append(_("maybe {maybe}").format(maybe=event.maybe))
    return " · ".join(parts)


def card(event: Event, platform: str, zone: ZoneInfo, prefix: str) -> Card:
    fields: list[tuple[str, str]] = [
        (_("When"), f"{when(platform, event.starts_at, zone)} ({format_length(event)})"),
    ]
    if event.location:
        fields.append((_("Where"), event.location))
    if event.description:
        fields.append((_("About"), event.description))
    fields.append((_("Answers"), counts(event)))
    repeat = rules.describe_repeat(event.rrule)
    if repeat:
        fields.append((_("Repeats"), repeat))
    if event.min_going and event.decide_before_s:
        decide = event.starts_at.timestamp() - event.decide_before_s
        at = datetime.fromtimestamp(decide, tz=event.starts_at.tzinfo)
        fields.append(
            (
                _("Goes ahead if"),
                _("{min_going} going by {value}").format(
                    min_going=event.min_going, value=when(platform, at, zone)
                ),
            )
        )
    if event.rsvp_until:
        fields.append((_("Answer by"), when(platform, event.rsvp_until, zone)))
    if event.roles:
        fields.append((_("Open to"), ", ".join(f"@{r}" for r in event.roles)))
    footer = _("{prefix}event rsvp {id} going|maybe|no · organised by {created_by_display}").format(
        prefix=prefix, id=event.id, created_by_display=event.created_by_display
    )
    return Card(
        _("📅 Event #{id}: {title}").format(id=event.id, title=event.title), tuple(fields), footer
    )


def format_length(event: Event) -> str:
    return format_duration(event.ends_at - event.starts_at)


def headline(event: Event) -> str:
    if event.status == "cancelled":
        reason = f": {event.cancel_reason}" if event.cancel_reason else ""
        return _("🚫 Cancelled{reason}").format(reason=reason)
    if event.over:
        return _("This event is over.")
    if event.status == "confirmed":
        return _("✅ Going ahead.")
    return ""


def message(event: Event, platform: str, zone: ZoneInfo, prefix: str) -> Edit:
    """The event message as it should look now; buttons only while answers are taken."""
    live = event.status != "cancelled" and not event.over
    return Edit(
        ref(event),
        headline(event),
        card(event, platform, zone, prefix),
        choices(event) if live else (),
    )


def confirmation(event: Event, state: str, platform: str, zone: ZoneInfo, place: int = 0) -> str:
    # Whole sentences per case: word order and the full stop differ between languages.
    values = {
        "value": ANSWER_EMOJI.get(state, "⏳"),
        "id": event.id,
        "title": event.title,
        "when": when(platform, event.starts_at, zone),
        "place": place,
        "within": format_duration_s(event.claim_within_s or 0),
        "state": _(STATE_TEXT[state]),
    }
    if state == "waitlist" and place:
        text = _(
            '{value} Event #{id} "{title}" on {when}: you\'re on the waitlist (number {place} '
            "in line; you move up when a seat frees)."
        )
    elif state == "offered" and event.claim_within_s:
        text = _(
            '{value} Event #{id} "{title}" on {when}: a seat is held for you; confirm within '
            "{within}."
        )
    else:
        text = _('{value} Event #{id} "{title}" on {when}: {state}.')
    return text.format(**values)


def format_duration_s(seconds: int) -> str:
    return format_duration(timedelta(seconds=seconds))
