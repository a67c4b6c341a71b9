"""Reading user, role and channel mentions in each platform's syntax, and neutralising mass
mentions in text the bot sends."""

from __future__ import annotations

import re

from bot.i18n import _
from bot.text import outside

_SLACK_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SLACK_GROUP = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$")
_SLACK_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_DISCORD_USER = re.compile(r"^<@!?(\d+)>$")
_DISCORD_ROLE = re.compile(r"^<@&(\d+)>$")
_DISCORD_CHANNEL = re.compile(r"^<#(\d+)>$")
_MATRIX_TO = re.compile(r"^https://matrix\.to/#/([@#!][^?\s]+)")
_MATRIX_USER = re.compile(r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-:\[\]]+$")
_MATRIX_ROOM = re.compile(r"^[#!][^:\s]+:[A-Za-z0-9.\-:\[\]]+$")
# Room version 12 ids carry no server name: "!" and the create event's hash (url-safe base64).
_MATRIX_ROOM_V12 = re.compile(r"^![A-Za-z0-9_\-]{20,}$")
_PLAIN = re.compile(r"^[A-Za-z0-9._\-]+$")


# Names that mean a whole room, never one person.
MASS_NAMES = frozenset(("everyone", "here", "channel", "room"))
_SLACK_MASS_WORD = re.compile(r"^<!(everyone|here|channel)(\|[^>]*)?>$", re.IGNORECASE)


class MentionError(ValueError):
    pass


def _matrix_to(text: str) -> str:
    m = _MATRIX_TO.match(text)
    return m.group(1) if m else text


def parse_user(text: str) -> str:
    """A user id from `<@U123>`, `<@!123>`, `@alice:example.org`, `@bob` or a plain id."""
    t = _matrix_to(text.strip())
    for pattern in (_SLACK_USER, _DISCORD_USER):
        m = pattern.match(t)
        if m:
            return m.group(1)
    if _MATRIX_USER.match(t):
        return t
    bare = t[1:] if t.startswith("@") else t
    if bare.lower() in MASS_NAMES or _SLACK_MASS_WORD.match(t):
        raise MentionError(
            _("'{text}' is everyone, not a person; name each person").format(text=text)
        )
    if bare and _PLAIN.match(bare):
        return bare
    raise MentionError(
        _("'{text}' is not a user; mention them (@name) or give their id").format(text=text)
    )


def parse_role(text: str) -> str:
    """A role id from `<!subteam^S1|@x>`, `<@&123>`, `@tc` or a plain name."""
    t = text.strip()
    for pattern in (_SLACK_GROUP, _DISCORD_ROLE):
        m = pattern.match(t)
        if m:
            return m.group(1)
    bare = t[1:] if t.startswith("@") or t.startswith("&") else t
    if bare and _PLAIN.match(bare):
        return bare
    raise MentionError(_("'{text}' is not a role; mention it or give its name").format(text=text))


def parse_channel(text: str) -> str:
    """A channel id from `<#C123|x>`, `<#123>`, `#room:server`, `!id:server`, `#votes`."""
    t = _matrix_to(text.strip())
    for pattern in (_SLACK_CHANNEL, _DISCORD_CHANNEL):
        m = pattern.match(t)
        if m:
            return m.group(1)
    if _MATRIX_ROOM.match(t) or _MATRIX_ROOM_V12.match(t):
        return t
    bare = t[1:] if t.startswith("#") else t
    if bare and _PLAIN.match(bare):
        return bare
    raise MentionError(
        _("'{text}' is not a channel; mention it (#name) or give its id").format(text=text)
    )


# The word joiner breaks the mention on every platform while reading the same.
_ZW = "\u2060"
_MASS = re.compile(r"(?<![\w])@(everyone|here|channel|room)\b", re.IGNORECASE)
# Platform markup that pings when a bot posts it: Slack <!here>, <!subteam^S1|@mods> and
# <@U1|bob>; Discord <@1>, <@!1> and <@&1>. The core itself never writes a mention, so any
# such markup in outgoing text came from a person and is shown as plain, silent text.
_SLACK_MASS = re.compile(r"<!(everyone|here|channel)(?:\|[^<>]*)?>", re.IGNORECASE)
_SLACK_GROUP_MARKUP = re.compile(r"<!subteam\^([A-Za-z0-9]+)(?:\|@?([^<>]*))?>")
_SLACK_USER_MARKUP = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")
_DISCORD_MARKUP = re.compile(r"<@([!&]?)(\d+)>")
_URL = re.compile(r"(?:https?|mailto):[^\s<>]+", re.IGNORECASE)


def _silence(text: str) -> str:
    text = _SLACK_MASS.sub(lambda m: f"@{_ZW}{m.group(1)}", text)
    text = _SLACK_GROUP_MARKUP.sub(lambda m: f"@{_ZW}{m.group(2) or 'group'}", text)
    text = _SLACK_USER_MARKUP.sub(lambda m: f"@{_ZW}{m.group(2) or m.group(1)}", text)
    text = _DISCORD_MARKUP.sub(
        lambda m: f"@{_ZW}{'role ' if m.group(1) == '&' else ''}{m.group(2)}", text
    )
    return _MASS.sub(lambda m: f"@{_ZW}{m.group(1)}", text)


def neutralise(text: str) -> str:
    """Defuse every mention in outgoing text: @everyone, @here, @channel and @room, and the
    platforms' ping markup (Slack <!here>, <!subteam^...>, <@U...>; Discord <@...>). Links
    are left exactly as written: a character inserted in a URL would break it, and no
    platform pings from inside a link."""
    return outside(text, _URL, _silence)


_INLINE_PINGS = re.compile(
    r"<@!?&?([A-Z0-9]+)(?:\|([^>]*))?>|<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>", re.IGNORECASE
)


def plain_mentions(text: str) -> str:
    """User text that names people without pinging them: platform ping markup (Slack
    <@U1|ann>, <!subteam^S1|team>, Discord <@1>, <@&2>) becomes plain @name text."""

    def plain(m: re.Match[str]) -> str:
        name = m.group(2) or m.group(4) or m.group(1) or m.group(3) or ""
        return "@" + _ZW + name.lstrip("@")

    return _INLINE_PINGS.sub(plain, text)
