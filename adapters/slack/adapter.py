"""The Slack adapter on slack-bolt's AsyncApp: Socket Mode or HTTP (aiohttp), Block Kit out,
neutral events in. A request is acknowledged once its event is in the durable inbox (one short
transaction, well inside Slack's 3-second limit) and handled from there; a crash after the
acknowledgement loses nothing. The core decides everything else."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, events, modal
from adapters.slack.directory import Directory
from adapters.slack.emoji import to_name
from adapters.slack.files import Uploader
from adapters.slack.roles import RoleGranter
from bot import help as helptext
from bot import i18n
from bot.adapter import Adapter, EventSink, PermanentFailure, RetryAfter, Target
from bot.channel_gate import ChannelGate
from bot.clock import Clock, SystemClock
from bot.model import (
    FORM_PREFIX,
    Address,
    Attachment,
    Capabilities,
    CommandInvoked,
    Delivered,
    Edit,
    InboundEvent,
    MessageReceived,
    Send,
)
from bot.parser import ParseContext
from bot.registry import Registry
from storage import repos, role_tables
from storage.db import Database

log = logging.getLogger("moot.slack")

PLATFORM = events.PLATFORM
# Message shortcuts that are neutral message actions: callback id -> action name.
MESSAGE_ACTIONS = {
    "moot_capture_feedback": "feedback.capture",
    "moot_open_ticket": "ticket.from_message",
}
DM_NAMESPACE = "slack.dm"

# Web API errors that no retry can fix: the outbox gives the row up instead of backing off.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "cant_update_message",
        "edit_window_closed",
        "message_not_found",
        "user_not_found",
        "user_not_in_channel",
        "cannot_dm_bot",
        "restricted_action",
        "no_text",
        "invalid_arguments",
        "too_many_attachments",
        "invalid_name",
        "bad_timestamp",
    }
)
# Where an ephemeral cannot go (a DM between two people, a private channel without the bot),
# the same words go to the person's DM with the bot instead.
EPHEMERAL_FALLBACK = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel"})


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    mode: str = "socket"  # or "http"
    host: str = "127.0.0.1"
    port: int = 3000
    path: str = "/slack/events"
    # Only for tests and API proxies: where the Web API lives.
    api_base_url: str | None = None
    # Slack allows about one message a second per channel.
    min_post_interval: float = 1.0
    cache_ttl: float = 300.0

    def __repr__(self) -> str:  # tokens never reach a log line through a repr
        return f"SlackConfig(mode={self.mode!r}, host={self.host!r}, port={self.port})"

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> SlackConfig:
        from bot.config import ConfigError

        mode = str(section.get("mode", "socket")).lower()
        if mode not in ("socket", "http"):
            raise ConfigError(f'[slack] mode must be "socket" or "http", not {mode!r}')
        cfg = cls(
            bot_token=str(section.get("bot_token") or ""),
            signing_secret=str(section.get("signing_secret") or ""),
            app_token=str(section.get("app_token") or ""),
            mode=mode,
            host=str(section.get("host", "0.0.0.0" if mode == "http" else "127.0.0.1")),
            port=int(section.get("port", 3000)),
            path=str(section.get("path", "/slack/events")),
            api_base_url=section.get("api_base_url"),
            min_post_interval=float(section.get("min_post_interval", 1.0)),
            cache_ttl=float(section.get("cache_ttl", 300)),
        )
        if not cfg.bot_token.startswith("xoxb-"):
            raise ConfigError("[slack] bot_token (or SLACK_BOT_TOKEN) must be a bot token xoxb-…")
        if mode == "socket" and not cfg.app_token.startswith("xapp-"):
            raise ConfigError(
                "[slack] Socket Mode needs app_token (or SLACK_APP_TOKEN), an app-level token "
                'xapp-… with connections:write; or set mode = "http"'
            )
        if mode == "http" and not cfg.signing_secret:
            raise ConfigError("[slack] HTTP mode needs signing_secret (or SLACK_SIGNING_SECRET)")
        if not cfg.path.startswith("/"):
            raise ConfigError("[slack] path must start with /")
        return cfg


class SlackAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(
        buttons=True,
        ephemeral=True,
        threads=True,
        edits=True,
        reactions=True,
        native_timestamps=True,
        # A ticket is a thread in the private support-staff channel; the requester's side
        # is relayed through their DM with Moot.
        places="relayed",
        files=True,
    )
    min_edit_interval = 1.0

    def __init__(
        self,
        config: SlackConfig,
        db: Database,
        registry: Registry,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.registry = registry
        self.clock = clock or SystemClock()
        kw: dict[str, Any] = {"token": config.bot_token}
        if config.api_base_url:
            kw["base_url"] = config.api_base_url
        self.client = AsyncWebClient(**kw)
        self.directory = Directory(self.client, ttl=config.cache_ttl)
        self.uploader = Uploader(self._call, db)
        self.roles = RoleGranter(self._call, db, self.directory.forget)
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=config.signing_secret or None,
            # Socket Mode frames are authenticated by the app-level token, not signed.
            request_verification_enabled=config.mode == "http",
            # The HTTP answer (or Socket Mode ack) goes out when a listener returns, so it
            # means "stored": Events API events are acknowledged after the inbox write too.
            process_before_response=True,
            logger=logging.getLogger("moot.slack.bolt"),
        )
        self._sink: EventSink | None = None
        self.bot_user_id: str | None = None
        self._last_post: dict[str, float] = {}
        self._dm: dict[str, str] = {}
        # Delivered results by outbox key: a retried row after a lost reply is not re-posted
        # while this process lives.
        self._sent: OrderedDict[str, Delivered] = OrderedDict()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self.bound_port: int | None = None
        self._background: set[asyncio.Task[None]] = set()
        self.gate = ChannelGate(db, registry)
        self._register()

    # ---------------------------------------------------------------- inbound
    def _register(self) -> None:
        app = self.bolt
        app.command(re.compile(r"^/.+"))(self._on_command)
        app.action(blocks.ACTION_ID)(self._on_action)
        app.view(modal.CALLBACK_ID)(self._on_view)
        for callback in MESSAGE_ACTIONS:
            app.shortcut(callback)(self._on_message_action)
        app.event("reaction_added")(self._on_reaction)
        app.event("reaction_removed")(self._on_reaction)
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home)
        app.event("team_join")(self._on_join)
        app.event("member_joined_channel")(self._on_join)
        app.event("app_mention")(self._on_ignored)

    async def _dispatch(self, event: InboundEvent) -> None:
        """Hand the event to the core's inbox; it is on disk when this returns. A failure
        propagates, so Slack is answered 500 and delivers the event again."""
        if self._sink is None:
            raise RuntimeError(f"slack event {event.event_id} arrived before start")
        if event.cast_at is None:  # the payload carried no time: it was cast about now
            event = replace(event, cast_at=self.clock.now())
        await self._sink(event)

    async def prepare(self, event: InboundEvent) -> InboundEvent:
        """The actor's name, roles and admin flag, looked up (and cached) after the ack."""
        team = event.address.workspace
        actor = await self.directory.actor(team, event.actor.user_id, event.actor.display)
        listed = self.directory.new_roles.pop(team, None)
        if listed is not None and not await asyncio.to_thread(self._report_roles, team, listed):
            self.directory.new_roles.setdefault(team, listed)
        return replace(event, actor=actor)

    def _report_roles(self, team: str, roles: dict[str, str]) -> bool:
        """Write the workspace's user groups to the role directory; False while the core
        has not made the community yet (it picks its time zone), to be tried again."""
        with self.db.transaction() as s:
            community = repos.find_community(s, PLATFORM, team)
            if community is None:
                return False
            role_tables.replace(s, community.id or 0, roles, self.clock.now())
        return True

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        event = events.slash_command(body)
        if await self._is_own_dm(event.address.workspace, event.actor.user_id, event.address):
            event = replace(event, is_direct=True)  # typed in the person's DM with the bot
        spec = modal.wants_modal(self.registry, event.name, event.args)
        if spec is None or not body.get("trigger_id"):
            await self._dispatch(event)
            await ack()
            return
        await ack()
        title = modal.MODAL_COMMANDS[(spec.name, spec.sub)]
        meta = {
            "team": event.address.workspace,
            "channel": event.address.channel,
            "name": spec.name,
            "sub": spec.sub or "",
        }
        with i18n.use(self._lang_of(event.address.workspace, event.actor.user_id)):
            shown = modal.view(spec, title, meta)
        try:
            await self.client.views_open(trigger_id=body["trigger_id"], view=shown)
            return
        except SlackApiError as exc:
            log.warning("views.open failed (%s); running the command as typed", _err(exc))
        await self._dispatch(event)

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        event = events.block_action(body)
        if event is not None and event.action.startswith(FORM_PREFIX):
            await self._open_form(event, body)
        elif event is not None:
            await self._dispatch(event)
        await ack()

    async def _is_own_dm(self, team: str, user: str, where: Address) -> bool:
        """Whether a D… channel is this person's DM with the bot (not a DM between two
        people, where the bot cannot answer)."""
        if not where.channel.startswith("D") or not user:
            return False
        try:
            return await self._dm_channel(team, user) == where.channel
        except Exception:
            log.warning("could not tell whether %s is the bot's DM", where.channel)
            return False

    async def _open_form(self, event: InboundEvent, body: dict[str, Any]) -> None:
        """A "Vote privately" style button: the command's modal for the presser alone; its
        answer runs as if typed in their DM with the bot."""
        action = getattr(event, "action", "")
        name, _, sub = action[len(FORM_PREFIX) :].partition(" ")
        spec = self.registry.find(name, sub or None)
        if spec is None or not body.get("trigger_id"):
            return
        form = modal.Form.from_value(getattr(event, "value", ""))
        meta = {
            "team": event.address.workspace,
            "channel": "",
            "name": spec.name,
            "sub": spec.sub or "",
            "direct": True,
            **form.meta(),
        }
        title = modal.FORM_TITLES.get((spec.name, spec.sub)) or (
            f"{spec.name} {spec.sub or ''}".strip().capitalize()
        )
        with i18n.use(self._lang_of(event.address.workspace, event.actor.user_id)):
            shown = modal.view(spec, title, meta, form)
        try:
            await self.client.views_open(trigger_id=body["trigger_id"], view=shown)
        except SlackApiError as exc:
            log.warning("views.open for a form failed: %s", _err(exc))

    def _lang_of(self, team: str, user: str) -> str | None:
        """A person's `/me language`, else the community's `/config language` (a modal is
        theirs alone); None: English."""
        if self.db is None:
            return None
        with self.db.transaction() as s:
            community = repos.find_community(s, PLATFORM, team)
            if community is None:
                return None
            mine = repos.personal_settings(s, community.id or 0, [user]).get(user, {})
            return i18n.pick(mine.get("language"), community.settings.get("language"))

    def _parse_context(self, team: str) -> ParseContext:
        with self.db.transaction() as s:
            community = repos.find_community(s, PLATFORM, team)
            zone = community.timezone if community is not None else "UTC"
        return ParseContext(self.clock.now(), ZoneInfo(zone or "UTC"), "/")

    async def _on_view(self, ack: Any, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        spec = self.registry.find(meta.get("name", ""), meta.get("sub") or None)
        if spec is None:
            await ack()
            return
        team = str(meta.get("team") or (body.get("team") or {}).get("id") or "")
        lang = self._lang_of(team, str((body.get("user") or {}).get("id", "")))
        try:
            with i18n.use(lang):
                result = modal.submission(
                    self.registry,
                    spec,
                    (view.get("state") or {}).get("values") or {},
                    self._parse_context(team),
                    modal.Form.from_meta(meta),
                )
        except Exception:
            log.exception("modal submission could not be checked")
            with i18n.use(lang):
                again = i18n._("Please try again.")
            await ack(response_action="errors", errors={spec.params[0].name: again})
            return
        if result.errors:
            await ack(response_action="errors", errors=result.errors)
            return
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        channel = str(meta.get("channel", ""))
        direct = bool(meta.get("direct"))
        if direct:
            # A private form: its answers go to the person's DM, never to a channel.
            channel = await self._dm_channel(team, user_id)
        event = CommandInvoked(
            event_id=str(body.get("trigger_id") or f"view:{view.get('id')}:{view.get('hash')}"),
            actor=events.actor(user_id, user.get("username") or user.get("name")),
            address=Address(PLATFORM, team, channel),
            is_direct=direct,
            name=spec.name,
            args=result.line,
            raw_text=f"/{spec.name} {result.line}",
            raw=body,
        )
        await self._dispatch(event)
        await ack()

    async def _on_message_action(self, ack: Any, body: dict[str, Any]) -> None:
        action = MESSAGE_ACTIONS[str(body.get("callback_id"))]
        # Stored first, then acknowledged: the acknowledgement means it is on disk.
        await self._dispatch(events.message_action(body, action))
        await ack()

    async def _on_join(self, body: dict[str, Any]) -> None:
        event = events.member_joined(body)
        if event is not None and event.actor.user_id != self.bot_user_id:
            await self._dispatch(event)

    async def _on_reaction(self, body: dict[str, Any]) -> None:
        event = events.reaction(body, self.bot_user_id)
        if event is not None:
            await self._dispatch(event)

    async def _on_message(self, body: dict[str, Any]) -> None:
        event = events.thread_message(body) or events.thread_edit(body)
        plain = None if event else events.channel_message(body, self.bot_user_id)
        if plain is not None:
            where = plain.address
            if self.gate.wants(PLATFORM, where.workspace, where.channel, plain.actor.user_id):
                await self._dispatch(plain)
            return
        if event is None and (change := events.direct_change(body)) is not None:
            event = self._relayed_reply(change)  # an edit of a DM relayed to a ticket
        elif event is None:
            # In the bot's DM a known command is a command; anything else answers the
            # ticket relayed there, if any, and is otherwise read as a command after all.
            command = events.direct_command(body)
            if command is not None and command.name in self.registry.commands:
                event = command
            else:
                event = self._relayed_reply(events.direct_message(body)) or command
        if event is not None:
            await self._dispatch(event)

    def _relayed_reply(self, event: MessageReceived | None) -> MessageReceived | None:
        """A plain DM answers the latest relayed message in that DM (a ticket's copy), if
        any; otherwise it is chatter and means nothing to the core."""
        if event is None:
            return None
        with self.db.transaction() as s:
            root = repos.latest_relay_in(s, PLATFORM, event.address.channel)
        if root is None:
            return None
        where = event.address
        reply_to = Address(where.platform, where.workspace, where.channel, None, root)
        return replace(event, reply_to=reply_to)

    async def _on_ignored(self, body: dict[str, Any]) -> None:
        return None

    async def _on_home(self, body: dict[str, Any]) -> None:
        # Publishing takes a Web API call; Slack's answer need not wait for it.
        task = asyncio.create_task(self._publish_home(body))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _publish_home(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team = str(body.get("team_id") or "")
        try:
            sections = self.home_sections(team, str(event["user"]))
            view = blocks.home_view(sections, helptext.overview(self.registry, "/"))
            await self.client.views_publish(user_id=str(event["user"]), view=view)
        except Exception:
            log.exception("could not publish the App Home for %s", event.get("user"))

    def home_sections(self, team: str, user_id: str) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        if not self.registry.home:
            return out
        with self.db.transaction() as s:
            community = repos.find_community(s, PLATFORM, team)
            if community is None:
                return out
            for fn in self.registry.home:
                try:
                    out += [
                        (str(t), [str(i) for i in items])
                        for t, items in fn(s, community.id, user_id)
                    ]
                except Exception:
                    log.exception("home section %s failed", getattr(fn, "__name__", fn))
        return out

    # ---------------------------------------------------------------- outbound
    async def _call(self, method: str, **kw: Any) -> Any:
        try:
            return await getattr(self.client, method)(**kw)
        except SlackApiError as exc:
            resp = exc.response
            if resp is not None and resp.status_code == 429:
                raw = (resp.headers or {}).get("Retry-After") or (resp.headers or {}).get(
                    "retry-after"
                )
                try:
                    seconds = float(raw) if raw is not None else 1.0
                except ValueError:
                    seconds = 1.0
                raise RetryAfter(seconds, f"slack {method} rate limited") from None
            if _err(exc) in PERMANENT_ERRORS:
                raise PermanentFailure(f"slack {method}: {_err(exc)}") from None
            raise

    async def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = self.config.min_post_interval - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)

    async def _post(
        self, channel: str, thread_ts: str | None, content: dict[str, Any], key: str
    ) -> Any:
        await self._pace(channel)
        # The outbox key rides along as message metadata: after a crash the adapter can find
        # the message in the channel and not post it a second time.
        kw = dict(content, channel=channel, metadata=outbox_metadata(key))
        if thread_ts:
            kw["thread_ts"] = thread_ts
        try:
            return await self._call("chat_postMessage", **kw)
        finally:
            self._last_post[channel] = time.monotonic()

    async def _dm_channel(self, team: str, user: str) -> str:
        key = f"{team}:{user}"
        if key in self._dm:
            return self._dm[key]
        with self.db.transaction() as s:
            cached = repos.kv_get(s, DM_NAMESPACE, key)
        if cached and cached.get("channel"):
            self._dm[key] = str(cached["channel"])
            return self._dm[key]
        resp = await self._call("conversations_open", users=user)
        channel = str((resp.get("channel") or {}).get("id", ""))
        if not channel:
            raise PermanentFailure(f"slack conversations.open gave no channel for {user}")
        with self.db.transaction() as s:
            repos.kv_put(s, DM_NAMESPACE, key, {"channel": channel})
        self._dm[key] = channel
        return channel

    def _remember(self, key: str, delivered: Delivered) -> Delivered:
        self._sent[key] = delivered
        while len(self._sent) > 5000:
            self._sent.popitem(last=False)
        return delivered

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        if key in self._sent:
            return self._sent[key]
        content = blocks.message(msg.text, msg.card, msg.choices)
        team = msg.address.workspace
        if msg.visibility == "ephemeral" and msg.recipient:
            channel = msg.address.channel
            kw = dict(content, channel=channel, user=msg.recipient)
            if thread_root:
                kw["thread_ts"] = thread_root
            try:
                resp = await self._call("chat_postEphemeral", **kw)
                return self._remember(
                    key, Delivered(str(resp.get("message_ts", "")), channel, thread_root)
                )
            except (PermanentFailure, SlackApiError) as exc:
                if not any(e in str(exc) for e in EPHEMERAL_FALLBACK):
                    raise
                log.info("ephemeral in %s not possible; sending as a DM", channel)
            channel = await self._dm_channel(team, msg.recipient)
            resp = await self._post(channel, None, content, key)
            return self._remember(key, Delivered(str(resp["ts"]), str(resp["channel"]), None))
        if msg.visibility == "dm":
            if not msg.recipient:
                raise PermanentFailure("a DM without a recipient")
            channel = await self._dm_channel(team, msg.recipient)
            resp = await self._post(channel, None, content, key)
            return self._remember(key, Delivered(str(resp["ts"]), str(resp["channel"]), None))
        resp = await self._post(msg.address.channel, thread_root, content, key)
        return self._remember(
            key,
            Delivered(
                str(resp["ts"]), str(resp.get("channel") or msg.address.channel), thread_root
            ),
        )

    async def find_delivered(
        self, msg: Send, thread_root: str | None, key: str
    ) -> Delivered | None:
        """Look for our message carrying this outbox key among the channel's (or thread's)
        most recent messages, a bounded number of pages. Ephemeral messages cannot be looked
        up; they are private and re-sending one does no harm."""
        if key in self._sent:
            return self._sent[key]
        if msg.visibility == "ephemeral":
            return None
        if msg.visibility == "dm":
            if not msg.recipient:
                return None
            channel = await self._dm_channel(msg.address.workspace, msg.recipient)
            thread_root = None
        else:
            channel = msg.address.channel
        method = "conversations_replies" if thread_root else "conversations_history"
        kw: dict[str, Any] = {"channel": channel, "limit": HISTORY_PAGE}
        if thread_root:
            kw["ts"] = thread_root
        kw["include_all_metadata"] = True
        for _ in range(HISTORY_PAGES):
            resp = await self._call(method, **kw)
            for m in resp.get("messages") or []:
                if m.get("ts") == thread_root:
                    continue  # the thread's root is listed first in replies
                if metadata_key(m) == key and self._mine(m):
                    log.info("slack: outbox row %s was already posted as %s", key, m.get("ts"))
                    return self._remember(key, Delivered(str(m["ts"]), channel, thread_root))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
            kw["cursor"] = cursor
        return None

    def _mine(self, message: dict[str, Any]) -> bool:
        user = message.get("user")
        return not self.bot_user_id or user is None or user == self.bot_user_id

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        content = blocks.message(msg.text, msg.card, msg.choices)
        await self._call("chat_update", channel=target.channel, ts=target.message_id, **content)

    async def react(self, target: Target, emoji: str, key: str) -> None:
        name = to_name(emoji)
        if name is None:
            log.warning("no Slack name for reaction %r; skipped", emoji)
            return
        try:
            await self._call(
                "reactions_add", channel=target.channel, timestamp=target.message_id, name=name
            )
        except SlackApiError as exc:
            if _err(exc) != "already_reacted":
                raise

    async def upload(self, target: Target, file: Attachment, key: str) -> None:
        await self.uploader.upload(target, file, key)

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        return await self.roles.grant(workspace, user_id, role)

    # ---------------------------------------------------------------- lifecycle
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        auth = await self.client.auth_test()
        self.bot_user_id = auth.get("user_id")
        log.info("slack connected to team %s as %s", auth.get("team_id"), auth.get("user_id"))
        if self.config.mode == "http":
            await self._start_http()
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.config.app_token)
            await self._socket.connect_async()
            log.info("slack Socket Mode connected")

    async def _start_http(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            bolt_req = await to_bolt_request(request)
            bolt_resp = await self.bolt.async_dispatch(bolt_req)
            return await to_aiohttp_response(bolt_resp)

        web_app = web.Application()
        web_app.router.add_post(self.config.path, handle)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        addresses = self._runner.addresses
        self.bound_port = int(addresses[0][1]) if addresses else self.config.port
        log.info(
            "slack HTTP mode listening on %s:%s%s",
            self.config.host,
            self.bound_port,
            self.config.path,
        )

    @property
    def connected(self) -> bool:
        # Authenticated, and listening (HTTP mode) or holding the Socket Mode connection.
        return self.bot_user_id is not None and (
            self._runner is not None or self._socket is not None
        )

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


METADATA_EVENT = "moot_outbox"
# How far back a possibly-sent row is looked for: the crash was moments ago, so the message,
# if it went out, is among the newest. 2 pages of 100 bound the cost of a restart.
HISTORY_PAGE = 100
HISTORY_PAGES = 2


def outbox_metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_key": key}}


def metadata_key(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    value = (meta.get("event_payload") or {}).get("outbox_key")
    return str(value) if value is not None else None


def _err(exc: SlackApiError) -> str:
    resp = exc.response
    try:
        return str(resp.get("error") or "") if resp is not None else ""
    except Exception:
        return ""
