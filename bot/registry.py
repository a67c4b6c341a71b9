"""The registry a capability module fills: its commands, button actions, reactions, thread
replies, due-work kinds and exporters. The core reads it; it never imports commands/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.specs import CommandSpec, Param, Permission

Handler = Callable[..., Any]


@dataclass
class Registry:
    commands: dict[str, dict[str | None, CommandSpec]] = field(default_factory=dict)
    # Short text per command name for `/help`.
    summaries: dict[str, str] = field(default_factory=dict)
    # action name -> fn(ctx, value: str, added: bool)
    actions: dict[str, Handler] = field(default_factory=dict)
    # ref kind ("vote" of "vote:12") -> fn(ctx, ref: str, key: str, added: bool)
    reactions: dict[str, Handler] = field(default_factory=dict)
    # ref kind -> fn(ctx, ref: str, text: str)
    thread_replies: dict[str, Handler] = field(default_factory=dict)
    # Message actions (Slack message shortcut, Discord context menu) by name, and the emoji
    # that means the same as a reaction on any message: name -> fn(ctx, quoted: Quoted).
    message_actions: dict[str, Handler] = field(default_factory=dict)
    message_action_emoji: dict[str, str] = field(default_factory=dict)
    # due-work kind -> fn(ctx, work)
    due: dict[str, Handler] = field(default_factory=dict)
    # due-work kind -> fn(session, works): load what a batch of such items will read, in a
    # few queries for the whole batch instead of a few per item (an optimisation only).
    due_prefetch: dict[str, Handler] = field(default_factory=dict)
    # export name -> fn(db, fmt: str) -> str
    exporters: dict[str, Handler] = field(default_factory=dict)
    # Lines of the built-in demo, in the console script grammar, in registration order.
    demo: list[str] = field(default_factory=list)
    # Named hooks one capability fires and another listens to ("vote.closed" -> RFC moves),
    # so capabilities never import each other's internals. fn(ctx, **details)
    hooks: dict[str, list[Handler]] = field(default_factory=dict)
    # Sections of a personal overview (the Slack App Home tab): fn(session, community_id,
    # user_id) -> list[(title, [line, ...])], read-only. Capabilities list what awaits this
    # person (votes to cast, RFCs to review, upcoming events); adapters render them.
    home: list[Handler] = field(default_factory=list)
    # HTTP routes served by `moot run`'s HTTP server, by path prefix:
    # fn(session, tail: str, query: dict[str, str]) -> (status, content_type, body: bytes)
    http_routes: dict[str, Handler] = field(default_factory=dict)

    # ref kind -> fn(session, ref, prefix) -> Edit | None: the message as it stands now,
    # rendered by the outbox when it delivers an edit of that message (None: send the
    # stored edit as it is). Handlers then only mark a live message stale.
    live_cards: dict[str, Handler] = field(default_factory=dict)
    # Plain channel messages a capability wants, by channel purpose ("support": the channel
    # `/config channel support` names; ANY_CHANNEL: a person's first message anywhere in the
    # community): fn(ctx, text). Adapters deliver only what some purpose asks for.
    channel_messages: dict[str, Handler] = field(default_factory=dict)

    def command(
        self,
        name: str,
        sub: str | None = None,
        *,
        help: str,
        params: tuple[Param, ...] | list[Param] = (),
        permission: Permission = None,
        examples: tuple[str, ...] = (),
        details: str = "",
    ) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            subs = self.commands.setdefault(name, {})
            if sub in subs:
                raise ValueError(f"command {name} {sub} declared twice")
            subs[sub] = CommandSpec(
                name=name,
                sub=sub,
                help=help,
                handler=fn,
                params=tuple(params),
                permission=permission,
                examples=examples,
                details=details,
            )
            return fn

        return deco

    def summary(self, name: str, text: str) -> None:
        self.summaries[name] = text

    def action(self, name: str) -> Callable[[Handler], Handler]:
        return self._put(self.actions, name)

    def reaction(self, kind: str) -> Callable[[Handler], Handler]:
        return self._put(self.reactions, kind)

    def thread_reply(self, kind: str) -> Callable[[Handler], Handler]:
        return self._put(self.thread_replies, kind)

    def message_action(self, name: str, emoji: str | None = None) -> Callable[[Handler], Handler]:
        if emoji:
            self.message_action_emoji[emoji.replace("\ufe0f", "")] = name
        return self._put(self.message_actions, name)

    def due_kind(self, kind: str) -> Callable[[Handler], Handler]:
        return self._put(self.due, kind)

    def exporter(self, name: str) -> Callable[[Handler], Handler]:
        return self._put(self.exporters, name)

    def http_route(self, prefix: str) -> Callable[[Handler], Handler]:
        return self._put(self.http_routes, prefix)

    def live_card(self, kind: str) -> Callable[[Handler], Handler]:
        return self._put(self.live_cards, kind)

    def channel_message(self, purpose: str) -> Callable[[Handler], Handler]:
        return self._put(self.channel_messages, purpose)

    @staticmethod
    def _put(table: dict[str, Handler], key: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            if key in table:
                raise ValueError(f"{key!r} registered twice")
            table[key] = fn
            return fn

        return deco

    def home_section(self, fn: Handler) -> Handler:
        self.home.append(fn)
        return fn

    def on(self, hook: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.hooks.setdefault(hook, []).append(fn)
            return fn

        return deco

    def find(self, name: str, sub: str | None) -> CommandSpec | None:
        return self.commands.get(name, {}).get(sub)
