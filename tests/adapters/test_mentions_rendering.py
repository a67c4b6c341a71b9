"""Every adapter's outgoing payload, with pinging text planted in every field a person can
fill: nothing that pings survives to what the platform receives, and links stay intact."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from adapters.console import ConsoleAdapter, render_body
from adapters.matrix import content as mc
from adapters.matrix.adapter import MatrixAdapter
from adapters.slack import blocks
from adapters.slack.adapter import SlackAdapter
from bot import render
from bot.mentions import neutralise
from bot.model import Address, Card, Choice, Edit, Send

PINGS = [
    "@everyone",
    "@here",
    "@channel",
    "@room",
    "@EVERYONE",
    "<!here>",
    "<!channel>",
    "<!everyone|everyone>",
    "<!subteam^S0MODS|@mods>",
    "<!subteam^S0MODS>",
    "<@U0ALICE01>",
    "<@U0ALICE01|alice>",
    "<@W0BOB>",
    "<@123456789012>",
    "<@!123456789012>",
    "<@&998877>",
]
LINK = "https://x.org/@here?u=@everyone"

# What still pings after the platform reads it: a bare mass mention, or ping markup.
_LIVE_MASS = re.compile(r"(?<![\w\u2060])@(everyone|here|channel|room)\b", re.IGNORECASE)
_LIVE_MARKUP = re.compile(r"<(?:!|@)")


def planted(ping: str) -> tuple[Send, Edit]:
    text = f"Q {ping} see {LINK}"
    card = Card(
        f"title {ping}",
        ((f"key {ping}", f"value {ping}"), ("Options", f"a {ping}, b")),
        footer=f"footer {ping}",
    )
    choices = (
        Choice("vote.cast", f"1:{ping}", f"label {ping}"),
        Choice("vote.cast", "1:b", "b"),
    )
    send = Send(Address("x", "w", "c"), text, card, choices, ref="vote:1")
    return send, Edit("vote:1", text, card, choices)


def live(payload: Any, ping: str) -> list[str]:
    """Every displayed string of a payload that still pings (button values are ids the
    platform hands back and never shows, so they are left out)."""
    found: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("value", "action_id", "block_id"):
                    walk(v, k)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            outside = node.replace(LINK, "")
            if _LIVE_MASS.search(outside) or _LIVE_MARKUP.search(outside.replace("<!date^", "")):
                found.append(node)

    walk(payload)
    return found


def links_intact(payload: Any) -> bool:
    return LINK in json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("ping", PINGS)
def test_slack_blocks_never_ping(ping: str) -> None:
    send, edit = planted(ping)
    caps = SlackAdapter.capabilities
    for fitted in (render.fit_send(send, caps), render.fit_edit(edit, caps)):
        payload = blocks.message(fitted.text, fitted.card, fitted.choices)
        assert live(payload, ping) == [], payload
        assert links_intact(payload)
        labels = [el["text"]["text"] for el in payload["blocks"][-1]["elements"]]
        assert "label" in labels[0] and "\u2060" in labels[0]


@pytest.mark.parametrize("ping", PINGS)
def test_matrix_html_and_plain_body_never_ping(ping: str) -> None:
    send, edit = planted(ping)
    caps = MatrixAdapter.capabilities
    fitted = render.fit_send(send, caps)
    # No buttons on Matrix: the labels join the text as numbered lines, and are safe there.
    assert "label" in fitted.text
    content = mc.message_content(fitted.text, fitted.card)
    assert live(content, ping) == [], content
    assert content["m.mentions"] == {}
    assert links_intact(content)
    fitted_edit = render.fit_edit(edit, caps)
    edited = mc.edit_content("$root", fitted_edit.text, fitted_edit.card)
    assert live(edited, ping) == [], edited
    assert edited["m.mentions"] == {} and edited["m.new_content"]["m.mentions"] == {}


@pytest.mark.parametrize("ping", PINGS)
def test_console_screen_never_pings(ping: str) -> None:
    send, _ = planted(ping)
    fitted = render.fit_send(send, ConsoleAdapter.capabilities)
    screen = render_body(fitted.text, fitted.card, fitted.choices)
    assert live(screen, ping) == [], screen
    assert any(LINK in line for line in screen)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://x.org/@here", "https://x.org/@here"),
        ("<https://x.org/@here|docs>", "<https://x.org/@here|docs>"),
        ("mail mailto:a@here.org", "mail mailto:a@here.org"),
        ("team@everyone.org", "team@everyone.org"),  # an address, not a mention
        ("<@U0ALICE01|alice> said", "@\u2060alice said"),
        ("<!subteam^S01|@mods>", "@\u2060mods"),
        ("<@&998877>", "@\u2060role 998877"),
        ("@here and https://x.org/@here", "@\u2060here and https://x.org/@here"),
    ],
)
def test_neutralise_keeps_links_and_reads_the_same(text: str, shown: str) -> None:
    assert neutralise(text) == shown


def test_bidi_overrides_are_removed_from_every_displayed_field() -> None:
    send = Send(
        Address("x", "w", "c"),
        "abc\u202edef",
        Card("t\u2066x\u2069", (("k\u202d", "v\u202e"),), "f\u202b"),
        (Choice("a", "1:x", "l\u202ex"),),
    )
    fitted = render.fit_send(send, MatrixAdapter.capabilities)
    assert fitted.card is not None
    shown = [fitted.text, fitted.card.title, *sum(fitted.card.fields, ()), fitted.card.footer]
    shown += [c.label for c in fitted.choices]
    assert not [s for s in shown if re.search("[\u202a-\u202e\u2066-\u2069]", s or "")]
    assert fitted.text.startswith("abcdef")


def test_times_show_in_each_readers_zone_where_the_platform_can() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.timeparse import mark_when

    when = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
    marked = mark_when(when, ZoneInfo("Europe/Berlin"))
    send = Send(
        Address("x", "w", "c"),
        f"Reminder: closes {marked}",
        Card(f"title {marked}", (("Closes", marked),)),
        (Choice("a", "1:x", f"until {marked}"),),
    )
    fallback = "Thu 8 Jan 2026 10:00 CET"
    slack = render.fit_send(send, SlackAdapter.capabilities)
    payload = blocks.message(slack.text, slack.card, slack.choices)
    reader = f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
    assert payload["text"] == f"Reminder: closes {reader}"
    assert payload["blocks"][0]["text"]["text"] == f"Reminder: closes {reader}"
    assert reader in json.dumps(payload["blocks"][2])  # the card field
    # Headers and buttons are plain text on Slack: the community-zone time.
    assert payload["blocks"][1]["text"]["text"] == f"title {fallback}"
    assert payload["blocks"][-1]["elements"][0]["text"]["text"].endswith(f"until {fallback}")
    for caps in (MatrixAdapter.capabilities, ConsoleAdapter.capabilities):
        fitted = render.fit_send(send, caps)
        assert fitted.card is not None
        shown = [fitted.text, fitted.card.title, *sum(fitted.card.fields, ())]
        shown += [c.label for c in fitted.choices]
        assert not [s for s in shown if "\u2063" in s] and fallback in fitted.text
