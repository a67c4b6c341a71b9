"""Console scenarios that end in decision records, and a driver that plays the same script
lines through Discord: the real discord.py client on the loopback fake (discord_fake.py).

Each scenario is written once, in the console's script grammar (adapters/console_script.py),
taken from the vote flows of tests/unit/votes/test_flow.py and tests/e2e/test_discord_e2e.py,
with the guild's people: olga (owner) and alice (Manage Server) are admins, bob and carol hold
the TC role, dave holds none. On Discord a typed command becomes a slash command with typed
options built from the same spec, a click presses the button with that label on the latest
message matching the pattern, a reaction is a gateway dispatch, `dm` is a slash command in the
person's DM, `advance` moves the shared fake clock and runs due work. `expect` lines check the
console's printed text and are skipped on Discord: the decision records are what is compared.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from adapters.discord import order, tree
from bot import timeparse
from bot.app import App
from bot.clock import FakeClock
from bot.registry import Registry
from bot.text import fold
from storage.tables import Outbox
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import FakeDiscord, Message

PEOPLE = "roles olga=admin alice=admin bob=tc carol=tc dave="
USERS = {"olga": p.OWNER, "alice": p.ALICE, "bob": p.BOB, "carol": p.CAROL, "dave": p.DAVE}
ROLES = {"tc": p.ROLE_TC, "mods": p.ROLE_MODS}
CHANNELS = {"votes": p.VOTES, "general": p.GENERAL}
# Platform ids (and display names: Discord shows global names) in a record, by the
# console's names for the same things.
NAMES = {
    **{v: k for k, v in USERS.items()},
    **{k.capitalize(): k for k in USERS},
    **{v: k for k, v in ROLES.items()},
    **{v: k for k, v in CHANNELS.items()},
}


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str


SCENARIOS = (
    Scenario(
        "proposal-by-buttons-closed-by-a-moderator",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Adopt v2?" --for 1h
@bob click /Adopt v2/ yes
@carol click /Adopt v2/ yes
@dave click /Adopt v2/ no
@alice click /Adopt v2/ abstain
@bob click /Adopt v2/ no
@alice /vote close 1
""",
    ),
    Scenario(
        "quorum-reached-and-not",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Ship?" --quorum 3 --for 1h
@bob /vote cast 1 yes
@carol /vote cast 1 yes
@dave /vote cast 1 no
advance 1h
@alice /vote start "Again?" --quorum 3 --for 1h
@bob /vote cast 2 yes
advance 1h
""",
    ),
    Scenario(
        "rules-absolute-and-unanimous",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Absolute?" --rule absolute --for 1h
@bob /vote cast 1 yes
@carol /vote cast 1 yes
@dave /vote cast 1 yes
@alice /vote start "Unanimous?" --rule unanimous --for 1h
@bob /vote cast 2 yes
@carol /vote cast 2 abstain
@dave /vote cast 2 yes
advance 1h
""",
    ),
    Scenario(
        "a-block-with-its-reason",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Merge?" --allow-block --for 1h
@bob click /Merge/ block
@bob /vote cast 1 block
@bob /vote cast 1 block breaks the API
@carol /vote cast 1 yes
advance 1h
""",
    ),
    Scenario(
        "choice-multi-ranked-and-irv",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Colour?" --options Red,Green,Blue --for 1h
@bob click /Colour/ Red
@carol click /Colour/ Green
advance 1h
@alice /vote start "Days?" --kind multi --options Mon,Tue,Wed --max 2 --for 1h
@bob /vote cast 2 Mon,Tue
@carol click /Days/ Tue
@carol click /Days/ Wed
@carol click /Days/ Wed
@dave /vote cast 2 Mon,Tue,Wed
advance 1h
@alice /vote start "Talks?" --kind ranked --options A,B,C --for 1h
@bob /vote rank 3 A B C
@carol /vote rank 3 B A C
@dave /vote rank 3 A C B
@olga /vote rank 3 A A
advance 1h
@alice /vote start "IRV?" --kind ranked --method irv --options A,B,C --for 1h
@bob /vote rank 4 C A
@carol /vote rank 4 B A
@dave /vote rank 4 A B
@olga /vote rank 4 A C
advance 1h
""",
    ),
    Scenario(
        "weights-and-eligibility",
        f"""{PEOPLE}
channel #votes
@alice /config weight @tc 3
@alice /vote start "Weighted?" --for 1h
@bob /vote cast 1 yes
@dave /vote cast 1 no
@olga /vote cast 1 no
advance 1h
@alice /vote start "TC only?" --eligible @tc --for 1h
@dave click /TC only/ yes
@bob /vote cast 2 yes
advance 1h
""",
    ),
    Scenario(
        "secret-ballots-in-dms",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Fruit?" --options Apples,Bananas,Cherries --secret --for 2h
@bob /vote cast 1 Apples
@bob dm /vote cast 1 Apples
@carol dm /vote cast 1 Bananas
@dave dm /vote cast 1 Bananas
@carol dm /vote cast 1 Cherries
advance 2h
""",
    ),
    Scenario(
        "reactions-and-a-withdrawn-one",
        f"""{PEOPLE}
channel #votes
@alice /vote start "React?" --for 1h
@bob react /React/ 👍
@carol react /React/ 👎
@dave react /React/ 👍
@dave unreact /React/ 👍
advance 1h
""",
    ),
    Scenario(
        "an-rfc-accepted-and-one-rejected-by-their-votes",
        f"""{PEOPLE}
channel #general
@alice /rfc propose "Adopt Python 3.13" --summary "Move CI and docs" --type technical
@bob /rfc vote RFC-1 --for 24h
@alice /rfc vote RFC-1 --for 24h
@bob click /Vote #1:/ yes
@carol click /Vote #1:/ yes
@dave click /Vote #1:/ no
advance 24h
@bob /rfc propose "Drop the wiki"
@carol /rfc concern RFC-2 "Where do the docs go?"
@bob /rfc vote RFC-2
@carol /rfc resolve RFC-2 1
@bob /rfc vote RFC-2 --for 48h --question "Drop it?"
@alice click /Vote #2:/ no
@carol click /Vote #2:/ no
advance 48h
""",
    ),
    Scenario(
        "closed-early-and-refusals-to-close",
        f"""{PEOPLE}
channel #votes
@alice /vote start "Early?" --close-when-decided --for 72h
@bob /vote cast 1 yes
@carol /vote cast 1 yes
@dave /vote cast 1 yes
@bob /vote start "Mine?" --for 72h
@dave /vote close 2
@bob /vote close 2
@alice /vote close 2
@alice /vote start "Cancel me?" --for 72h
@bob /vote cast 3 yes
@alice /vote cancel 3 --reason "wrong question"
advance 72h
""",
    ),
)


# ------------------------------------------------------------------ one line -> options


def options_for(registry: Registry, line: str) -> tuple[str, str | None, list[dict[str, Any]]]:
    """A typed command line as the slash command a person would fill in: (name, sub,
    options). Each option's type is the one tree.py declares for the parameter."""
    words = shlex.split(line.removeprefix("/"))
    name, rest = words[0], words[1:]
    sub = rest[0] if rest and registry.find(name, rest[0]) is not None else None
    spec = registry.find(name, sub)
    if spec is None:
        raise ValueError(f"no command for {line!r}")
    if sub is not None:
        rest = rest[1:]
    flags = {q.flag: q for q in spec.params if not q.positional}
    positionals = [q for q in spec.params if q.positional]
    given: dict[str, list[str] | bool] = {}
    loose: list[str] = []
    i = 0
    while i < len(rest):
        q = flags.get(rest[i])
        if q is None:
            loose.append(rest[i])
            i += 1
        elif q.type == "flag":
            given[q.name] = True
            i += 1
        else:
            j = i + 1
            while j < len(rest) and (j == i + 1 or q.many) and rest[j] not in flags:
                j += 1
            given[q.name] = rest[i + 1 : j]
            i = j
    for q in positionals:
        if not loose:
            break
        take = len(loose) if (q.many or q.rest) else 1
        given[q.name], loose = loose[:take], loose[take:]
    options = []
    for q in spec.params:
        if q.name not in given:
            continue
        declared = tree.option(spec, q)
        value = given[q.name]
        options.append(p.opt(declared["name"], _typed(declared["type"], value), declared["type"]))
    return name, sub, options


def _typed(kind: int, value: list[str] | bool) -> Any:
    if isinstance(value, bool):
        return value
    text = " ".join(value)
    if kind == tree.INTEGER:
        return int(text)
    if kind == tree.USER:
        return USERS[text.lstrip("@")]
    if kind == tree.ROLE:
        return ROLES[text.lstrip("@")]
    if kind == tree.CHANNEL:
        return CHANNELS[text.lstrip("#")]
    return text


# ------------------------------------------------------------------ the driver


def card_text(m: Message) -> str:
    parts = [m.content]
    for e in m.embeds:
        parts.append(str(e.get("title", "")))
        parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in e.get("fields", [])]
    return "\n".join(parts)


class DiscordDriver:
    """Plays console script lines through the fake Discord. `handled` is the number of
    events the bot's sink has finished; each step waits for its own."""

    def __init__(
        self,
        fake: FakeDiscord,
        app: App,
        clock: FakeClock,
        registry: Registry,
        handled: Callable[[], int],
    ) -> None:
        self.fake = fake
        self.app = app
        self.clock = clock
        self.registry = registry
        self.handled = handled
        self.channel = p.GENERAL
        self._minted = 0

    def _mint(self, payload: dict[str, Any]) -> dict[str, Any]:
        # Discord stamps an interaction's id when the person acts: now, by the shared clock.
        self._minted += 1
        payload["id"] = order.snowflake_at(self.clock.now(), self._minted)
        return payload

    async def run(self, script: str) -> None:
        for raw in script.splitlines():
            line = raw.split("  #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word in ("roles", "expect", "expect-not"):
                continue  # the guild has these people; console output is the console's
            if word == "channel":
                self.channel = CHANNELS[rest.strip().lstrip("#")]
            elif word == "advance":
                await self.advance(rest.strip())
            elif word.startswith("@"):
                await self.act(USERS[word[1:]], rest.strip())
            else:
                raise ValueError(f"the Discord driver does not play {line!r}")
        await self.settled()

    async def settled(self) -> None:
        await asyncio.sleep(0.05)
        await self.app.sender.drain()

    async def act(self, user: str, rest: str) -> None:
        before = self.handled()
        verb, _, tail = rest.partition(" ")
        if rest.startswith("/"):
            name, sub, opts = options_for(self.registry, rest)
            await self.fake.interact(self._mint(p.slash(user, self.channel, name, sub, opts)))
        elif verb == "dm":
            name, sub, opts = options_for(self.registry, tail)
            dm = self.fake.dm_channels.setdefault(user, p.snowflake())
            payload = p.slash(user, None, name, sub, opts, dm_channel=dm)
            await self.fake.interact(self._mint(payload))
        elif verb == "click":
            card, label = await self._target(tail)
            cid = _button(card, label)
            payload = p.button(user, card.channel_id, card.id, cid, card.components)
            await self.fake.interact(self._mint(payload))
        elif verb in ("react", "unreact"):
            card, emoji = await self._target(tail)
            if verb == "react":
                data = p.reaction_add(user, card.channel_id, card.id, emoji)
                await self.fake.dispatch("MESSAGE_REACTION_ADD", data)
            else:
                data = p.reaction_remove(user, card.channel_id, card.id, emoji)
                await self.fake.dispatch("MESSAGE_REACTION_REMOVE", data)
        else:
            raise ValueError(f"the Discord driver does not play {rest!r}")
        await _until(lambda: self.handled() > before, f"{rest!r} handled")
        await self.settled()

    async def _target(self, tail: str) -> tuple[Message, str]:
        m = re.match(r"/(.+?)/\s+(.*)$", tail)
        if m is None:
            raise ValueError(f"{tail!r}: the driver finds messages by /pattern/")
        pattern, what = re.compile(m.group(1)), m.group(2).strip()

        def found() -> list[Message]:
            shown = [x for x in self.fake.messages.values() if not x.only]
            return [x for x in shown if pattern.search(card_text(x))]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15.0
        while not found():
            if loop.time() > deadline:
                raise AssertionError(f"no message matches /{m.group(1)}/")
            # A send the fake dropped (a loaded machine) waits out a backoff on the fake
            # clock, which only `advance` moves: retry it now, as time would.
            with self.app.db.transaction() as s:
                s.execute(
                    update(Outbox)
                    .where(Outbox.status == "pending")
                    .values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
                )
            await self.app.sender.drain()
            await asyncio.sleep(0.05)
        return found()[-1], what

    async def advance(self, span: str) -> None:
        target = self.clock.now() + timeparse.parse_duration(span)
        while (due := self.app.scheduler.next_due()) is not None and due <= target:
            if due > self.clock.now():
                self.clock.set(due)
            if not await self.app.run_due():
                break
            await self.settled()
        self.clock.set(target)
        await self.app.run_due()
        await self.settled()


def _button(card: Message, label: str) -> str:
    for row in card.components:
        for c in row.get("components", []):
            if c.get("type") == 2 and fold(str(c.get("label", ""))) == fold(label):
                return str(c["custom_id"])
            for o in c.get("options", []):
                if fold(str(o.get("label", ""))) == fold(label):
                    return str(o["value"])
    raise AssertionError(f"no button {label!r} on {card.id}; it has {card.components}")


async def _until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


# ------------------------------------------------------------------ comparing


# Differ by platform or by the moment, not by what was decided: row ids, times, the hash of
# the roster's platform ids.
VOLATILE = frozenset({"id", "closed_at", "roster_hash", "at", "opened_at", "closes_at"})


def _named(m: re.Match[str]) -> str:
    sigil, number = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
    return f"{sigil[0]}{NAMES.get(number, number)}"


def normalised(value: Any) -> Any:
    """A record with Discord's ids written as the console's names and volatile keys gone."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        items = [normalised(v) for v in value]
        if items and all(isinstance(v, dict) and "voter" in v for v in items):
            # Ballots are listed by voter id, and the ids sort differently per platform.
            items.sort(key=lambda v: str(v["voter"]))
        return items
    if isinstance(value, str):
        if value in NAMES:
            return NAMES[value]
        return re.sub(r"<(@&?|#)(\d+)>|(#)(\d{15,})", _named, value)
    return value
