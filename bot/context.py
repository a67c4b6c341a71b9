"""What a handler is given: the transaction, the clock, who acted where, and a place to put
the effects it wants. Handlers return effects; they never perform them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import i18n, permissions
from bot.clock import Clock
from bot.model import (
    Actor,
    Address,
    Attachment,
    Card,
    Choice,
    Effect,
    InboundEvent,
    Send,
    ThreadMode,
)
from bot.registry import Registry
from storage import repos
from storage.tables import Community, DueWork, Member


@dataclass
class Ctx:
    db: Session
    clock: Clock
    registry: Registry
    community: Community
    actor: Actor
    address: Address
    event: InboundEvent | None = None
    prefix: str = "/"
    is_direct: bool = False
    # The ref of the bot message a button or reaction was on.
    message_ref: str | None = None
    effects: list[Effect] = field(default_factory=list)
    # Whether the sender and scheduler should look again after commit.
    scheduled: bool = False
    # Work that must wait until the transaction has committed (and cannot run inside one),
    # such as scrubbing the database's copies of erased rows. Run once, after the commit.
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone or "UTC")

    def personal(self, user_id: str | None = None) -> dict[str, Any]:
        """A member's personal settings (`/me ...`); the actor's by default."""
        uid = user_id or self.actor.user_id
        return repos.personal_settings(self.db, self.community.id or 0, [uid]).get(uid, {})

    def zone_of(
        self, user_id: str | None = None, personal: dict[str, Any] | None = None
    ) -> ZoneInfo:
        """The zone to show a time in to one person: theirs if set, else the community's."""
        name = (personal if personal is not None else self.personal(user_id)).get("timezone")
        try:
            return ZoneInfo(name) if name else self.zone
        except (ValueError, OSError):  # a zone removed from tzdata since it was set
            return self.zone

    @property
    def community_lang(self) -> str:
        """The language of public posts: the community's `/config language`."""
        return i18n.pick(self.community.settings.get("language"))

    def lang_of(self, user_id: str | None = None, personal: dict[str, Any] | None = None) -> str:
        """The language to speak to one person in: their `/me language`, else the
        community's (personal: their settings when already read)."""
        mine = personal if personal is not None else self.personal(user_id)
        return i18n.pick(mine.get("language"), self.community_lang)

    def public(self) -> AbstractContextManager[str]:
        """Words meant for everyone in the channel: in the community's language."""
        return i18n.use(self.community_lang)

    def speaking_to(
        self, user_id: str, personal: dict[str, Any] | None = None
    ) -> AbstractContextManager[str]:
        """Words meant for one person (their DM): in their language."""
        return i18n.use(self.lang_of(user_id, personal))

    @property
    def settings(self) -> dict[str, Any]:
        return self.community.settings

    def set_setting(self, key: str, value: Any) -> None:
        # JSON columns only notice a new dict, not an in-place change.
        self.community.settings = {**self.community.settings, key: value}
        self.db.add(self.community)

    # ---- effects
    def emit(self, effect: Effect) -> Effect:
        self.effects.append(effect)
        return effect

    def reply(
        self,
        text: str,
        *,
        card: Card | None = None,
        choices: tuple[Choice, ...] = (),
        thread: ThreadMode = "inherit",
        ref: str | None = None,
    ) -> Send:
        """Answer where the event happened, visible to all there."""
        return self._send(
            Send(self.address, text, card=card, choices=choices, thread=thread, ref=ref)
        )

    def private(
        self, text: str, *, card: Card | None = None, files: tuple[Attachment, ...] = ()
    ) -> Send:
        """Answer only the actor: ephemeral where the platform has it, else a DM (with
        files, always a DM: see bot.files.fit)."""
        if self.is_direct:
            return self._send(Send(self.address, text, card=card, files=files))
        return self._send(
            Send(
                self.address,
                text,
                card=card,
                visibility="ephemeral",
                recipient=self.actor.user_id,
                files=files,
            )
        )

    def dm(self, user_id: str, text: str, *, card: Card | None = None) -> Send:
        where = Address(self.community.platform, self.community.workspace, channel="")
        return self._send(Send(where, text, card=card, visibility="dm", recipient=user_id))

    def post(
        self,
        channel: str,
        text: str,
        *,
        card: Card | None = None,
        choices: tuple[Choice, ...] = (),
        ref: str | None = None,
        thread_ref: str | None = None,
        thread: str | None = None,
    ) -> Send:
        where = Address(self.community.platform, self.community.workspace, channel, thread)
        return self._send(
            Send(
                where,
                text,
                card=card,
                choices=choices,
                ref=ref,
                thread_ref=thread_ref,
                thread="force" if thread_ref else "inherit",
            )
        )

    def _send(self, send: Send) -> Send:
        self.effects.append(send)
        return send

    # ---- state helpers every capability needs
    def audit(self, action: str, **detail: Any) -> None:
        repos.audit(
            self.db,
            self.community.id,
            self.actor.user_id,
            self.actor.display,
            action,
            detail,
            self.now,
        )

    def schedule(
        self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None
    ) -> DueWork:
        self.scheduled = True
        return repos.schedule(
            self.db,
            kind=kind,
            key=key,
            due_at=due_at,
            community_id=self.community.id,
            payload=payload,
        )

    def cancel(self, kind: str, key: str | None = None, key_prefix: str | None = None) -> int:
        return repos.cancel_due(self.db, kind, key, key_prefix)

    def is_moderator(self, actor: Actor | None = None) -> bool:
        return permissions.is_moderator(self.db, self.community, actor or self.actor)

    def channel_for(self, purpose: str) -> str | None:
        return repos.channel_for(self.db, self.community.id or 0, purpose)

    def fire(self, hook: str, **details: Any) -> None:
        """Run every listener of a hook in this same transaction."""
        for fn in self.registry.hooks.get(hook, []):
            fn(self, **details)

    def members(self, channel: str | None = None) -> list[repos.MemberView]:
        """The directory as adapters last reported it; with a channel, those in it."""
        return repos.members(self.db, self.community.id or 0, channel)

    def member(self, user_id: str) -> Member | None:
        return repos.member(self.db, self.community.id or 0, user_id)

    def usage(self, name: str, sub: str | None = None) -> str:
        """A command's usage line, for the one-line errors that end with it."""
        spec = self.registry.find(name, sub)
        if spec:
            return spec.usage(self.prefix)
        return f"{self.prefix}{name}" + (f" {sub}" if sub else "")

    def display_of(self, user_id: str) -> str:
        """How to name someone in a message: their display name if known, else their id."""
        m = self.member(user_id)
        return (m.display if m and m.display else None) or user_id
