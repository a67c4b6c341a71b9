"""The console: a chat platform that lives in a terminal. Messages are numbered from 1 so a
person or a script can point at them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.adapter import Adapter, Target
from bot.model import Capabilities, Card, Choice, Delivered, Edit, Send

PLATFORM = "console"
WORKSPACE = "local"


def dm_channel(user: str) -> str:
    return f"dm:{user}"


@dataclass
class ConsoleMessage:
    number: int
    channel: str
    thread: str | None
    text: str
    card: Card | None
    choices: tuple[Choice, ...]
    header: str
    reactions: dict[str, set[str]] = field(default_factory=dict)


def render_body(text: str, card: Card | None, choices: tuple[Choice, ...]) -> list[str]:
    lines = text.splitlines() if text else []
    if card is not None:
        lines.append(f"**{card.title}**")
        for k, v in card.fields:
            # Multi-line values (a tally) line up under their first line.
            first, *more = v.splitlines() or [""]
            lines.append(f"{k}: {first}")
            lines += [" " * (len(k) + 2) + line for line in more]
        if card.footer:
            lines.append(card.footer)
    if choices:
        lines.append(" ".join(f"[{c.label}]" for c in choices))
    return lines


class ConsoleAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(
        buttons=True, ephemeral=True, threads=True, edits=True, reactions=True
    )
    # Scripts run on a fake clock; coalescing still drops superseded edits.
    min_edit_interval = 0.0

    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.out = out
        self.messages: dict[int, ConsoleMessage] = {}
        self.blocks: list[str] = []
        self._by_key: dict[str, Delivered] = {}

    def _emit(self, block: str) -> None:
        self.blocks.append(block)
        self.out(block)

    def _header(self, n: int, msg: Send, channel: str, root: str | None) -> str:
        if msg.visibility == "ephemeral":
            return f"#{n} [only @{msg.recipient}]"
        if channel.startswith("dm:"):
            return f"#{n} [DM @{channel[3:]}]"
        if root:
            return f"#{n} [#{channel} › #{root}]"
        return f"#{n} [#{channel}]"

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        if key in self._by_key:  # the platform-side idempotency a real one gives us
            return self._by_key[key]
        n = len(self.messages) + 1
        channel = dm_channel(msg.recipient or "") if msg.visibility == "dm" else msg.address.channel
        root = thread_root if not channel.startswith("dm:") else None
        header = self._header(n, msg, channel, root)
        self.messages[n] = ConsoleMessage(n, channel, root, msg.text, msg.card, msg.choices, header)
        body = render_body(msg.text, msg.card, msg.choices)
        self._emit("\n".join([header, *("  " + line for line in body)]))
        delivered = Delivered(str(n), channel, root)
        self._by_key[key] = delivered
        return delivered

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        if key not in self._by_key:
            self._by_key[key] = Delivered("", "", None)
            self._emit(f"[role] @{user_id} is given the role {role}")
        return True

    def user_message(self, channel: str, author: str, text: str) -> int:
        """Someone (not Moot) writes in a channel: numbered like any message, so a script can
        react to it."""
        n = len(self.messages) + 1
        header = f"#{n} [#{channel}] @{author}"
        self.messages[n] = ConsoleMessage(n, channel, None, text, None, (), header)
        self._emit("\n".join([header, *("  " + line for line in text.splitlines())]))
        return n

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        m = self.messages[int(target.message_id)]
        m.text, m.card, m.choices = msg.text, msg.card, msg.choices
        body = render_body(msg.text, msg.card, msg.choices)
        self._emit("\n".join([f"#{m.number} edited", *("  " + line for line in body)]))

    async def react(self, target: Target, emoji: str, key: str) -> None:
        m = self.messages[int(target.message_id)]
        m.reactions.setdefault(emoji, set()).add("moot")
