"""Reading user, role and channel mentions in each platform's syntax, and neutralising mass
mentions in text the bot sends."""

from __future__ import annotations

import re

_SLACK_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SLACK_GROUP = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$")
_SLACK_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_DISCORD_USER = re.compile(r"^<@!?(\d+)>$")
_DISCORD_ROLE = re.compile(r"^<@&(\d+)>$")
_DISCORD_CHANNEL = re.compile(r"^<#(\d+)>$")
_MATRIX_TO = re.compile(r"^https://matrix\.to/#/([@#!][^?\s]+)")
_MATRIX_USER = re.compile(r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-:\[\]]+$")
_MATRIX_ROOM = re.compile(r"^[#!][^:\s]+:[A-Za-z0-9.\-:\[\]]+$")
_PLAIN = re.compile(r"^[A-Za-z0-9._\-]+$")


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
    if bare and _PLAIN.match(bare):
        return bare
    raise MentionError(f"'{text}' is not a user; mention them (@name) or give their id")


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
    raise MentionError(f"'{text}' is not a role; mention it or give its name")


def parse_channel(text: str) -> str:
    """A channel id from `<#C123|x>`, `<#123>`, `#room:server`, `!id:server`, `#votes`."""
    t = _matrix_to(text.strip())
    for pattern in (_SLACK_CHANNEL, _DISCORD_CHANNEL):
        m = pattern.match(t)
        if m:
            return m.group(1)
    if _MATRIX_ROOM.match(t):
        return t
    bare = t[1:] if t.startswith("#") else t
    if bare and _PLAIN.match(bare):
        return bare
    raise MentionError(f"'{text}' is not a channel; mention it (#name) or give its id")


# The zero-width joiner breaks the mention on every platform while reading the same.
_ZW = "\u2060"
_MASS = re.compile(r"(?<![\w])@(everyone|here|channel|room)\b", re.IGNORECASE)
_SLACK_MASS = re.compile(r"<!(everyone|here|channel)(\|[^>]*)?>", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Defuse @everyone, @here, @channel and @room (and Slack's <!here>) in outgoing text."""
    text = _SLACK_MASS.sub(lambda m: f"@{_ZW}{m.group(1)}", text)
    return _MASS.sub(lambda m: f"@{_ZW}{m.group(1)}", text)


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
