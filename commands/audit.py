"""/audit: the audit log, readable by moderators. Every configuration change and every
moderator action is written there by `ctx.audit`; this shows it, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot import i18n, paging
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import NP_, _, pgettext
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_when
from commands.admin import setting_name, stored_text
from storage.tables import AuditLog

# What /audit list calls each stored action and detail key, in the reader's language. The
# log stores English keys ("vote.start", "vote_id"); the English shows them as the key
# reads ("vote start", "vote id").
# Every action `ctx.audit` writes. One missing here is shown as its key reads.
ACTIONS = (
    NP_("audit action", "cert apply"),
    NP_("audit action", "cert failed"),
    NP_("audit action", "cert import"),
    NP_("audit action", "cert passed"),
    NP_("audit action", "cert revoke"),
    NP_("audit action", "config assess"),
    NP_("audit action", "config channel"),
    NP_("audit action", "config feedback"),
    NP_("audit action", "config kudos"),
    NP_("audit action", "config language"),
    NP_("audit action", "config onboarding"),
    NP_("audit action", "config rfc"),
    NP_("audit action", "config role"),
    NP_("audit action", "config role remove"),
    NP_("audit action", "config ticket"),
    NP_("audit action", "config timezone"),
    NP_("audit action", "config vote reminders"),
    NP_("audit action", "config vote type"),
    NP_("audit action", "config weight"),
    NP_("audit action", "event cancel"),
    NP_("audit action", "event create"),
    NP_("audit action", "event edit"),
    NP_("audit action", "event feed"),
    NP_("audit action", "event go"),
    NP_("audit action", "event no go"),
    NP_("audit action", "feedback create"),
    NP_("audit action", "feedback merge"),
    NP_("audit action", "feedback status"),
    NP_("audit action", "kb add"),
    NP_("audit action", "kb edit"),
    NP_("audit action", "kb remove"),
    NP_("audit action", "kb suggestions"),
    NP_("audit action", "kudos"),
    NP_("audit action", "me language"),
    NP_("audit action", "me notify_feedback"),
    NP_("audit action", "me timezone"),
    NP_("audit action", "me reminders"),
    NP_("audit action", "onboarding off"),
    NP_("audit action", "onboarding on"),
    NP_("audit action", "rfc fcp"),
    NP_("audit action", "rfc implemented"),
    NP_("audit action", "rfc postpone"),
    NP_("audit action", "rfc propose"),
    NP_("audit action", "rfc reopen"),
    NP_("audit action", "rfc resolve moderator"),
    NP_("audit action", "rfc vote"),
    NP_("audit action", "rfc vote override"),
    NP_("audit action", "rfc withdraw"),
    NP_("audit action", "ticket assign"),
    NP_("audit action", "ticket transferr"),
    NP_("audit action", "ticket claim"),
    NP_("audit action", "ticket close"),
    NP_("audit action", "ticket open"),
    NP_("audit action", "ticket panel"),
    NP_("audit action", "ticket to_kb"),
    NP_("audit action", "ticket unclaim"),
    NP_("audit action", "vote cancel"),
    NP_("audit action", "vote close"),
    NP_("audit action", "vote extend"),
    NP_("audit action", "vote remind"),
    NP_("audit action", "vote roster"),
    NP_("audit action", "vote start"),
)

# The detail keys those actions write, as they read with "_" shown as a space.
KEYS = (
    NP_("audit detail", "after"),
    NP_("audit detail", "category"),
    NP_("audit detail", "changed"),
    NP_("audit detail", "channel"),
    NP_("audit detail", "closes at"),
    NP_("audit detail", "code"),
    NP_("audit detail", "concerns"),
    NP_("audit detail", "disposition"),
    NP_("audit detail", "duration"),
    NP_("audit detail", "eligible"),
    NP_("audit detail", "event id"),
    NP_("audit detail", "every"),
    NP_("audit detail", "following"),
    NP_("audit detail", "going"),
    NP_("audit detail", "hash"),
    NP_("audit detail", "into"),
    NP_("audit detail", "key"),
    NP_("audit detail", "kind"),
    NP_("audit detail", "language"),
    NP_("audit detail", "level"),
    NP_("audit detail", "name"),
    NP_("audit detail", "needed"),
    NP_("audit detail", "number"),
    NP_("audit detail", "offsets"),
    NP_("audit detail", "out of"),
    NP_("audit detail", "override"),
    NP_("audit detail", "priority"),
    NP_("audit detail", "purpose"),
    NP_("audit detail", "question"),
    NP_("audit detail", "questions"),
    NP_("audit detail", "quorum"),
    NP_("audit detail", "reason"),
    NP_("audit detail", "reminded"),
    NP_("audit detail", "reset"),
    NP_("audit detail", "rfc"),
    NP_("audit detail", "role"),
    NP_("audit detail", "rotated"),
    NP_("audit detail", "rrule"),
    NP_("audit detail", "rule"),
    NP_("audit detail", "score"),
    NP_("audit detail", "size"),
    NP_("audit detail", "span"),
    NP_("audit detail", "ticket"),
    NP_("audit detail", "title"),
    NP_("audit detail", "to"),
    NP_("audit detail", "track"),
    NP_("audit detail", "url"),
    NP_("audit detail", "user"),
    NP_("audit detail", "value"),
    NP_("audit detail", "vote id"),
    NP_("audit detail", "weight"),
    NP_("audit detail", "weights"),
    NP_("audit detail", "what"),
    NP_("audit detail", "zone"),
)
_ACTIONS = frozenset(ACTIONS)
_KEYS = frozenset(KEYS)


def action_name(action: str) -> str:
    """A stored action ("config.vote-type") as the reader calls it."""
    shown = action.replace(".", " ").replace("-", " ")
    return pgettext("audit action", shown) if shown in _ACTIONS else shown


def key_name(key: str) -> str:
    """A stored detail key ("vote_id") as the reader calls it; a setting's key (inside a
    settings change) as /config show names it."""
    shown = key.replace("_", " ")
    if shown in _KEYS:
        return pgettext("audit detail", shown)
    return setting_name(key)


# Detail keys that are bookkeeping, not something a moderator reads.
_QUIET = frozenset(("before",))


_BOOLS = (NP_("audit value", "True"), NP_("audit value", "False"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return pgettext("audit value", str(value))
    if isinstance(value, dict):
        return ", ".join(f"{key_name(str(k))} {_value(v)}" for k, v in value.items()) or _("none")
    if isinstance(value, list | tuple):
        return i18n.joined([_value(v) for v in value]) or _("none")
    return stored_text(str(value))


def audit_line(row: AuditLog, zone: Any) -> str:
    detail = row.detail or {}
    bits = [
        f"{key_name(k)} {_value(v)}"
        for k, v in detail.items()
        if k not in _QUIET and v not in (None, "")
    ]
    if detail.get("before") not in (None, ""):
        bits.append(_("(was {value})").format(value=_value(detail["before"])))
    what = action_name(row.action)
    who = row.actor_display or row.actor_id
    return f"{format_when(row.at, zone)} · @{who} · {what}" + (
        f": {' '.join(bits)}" if bits else ""
    )


def register(reg: Registry) -> None:
    reg.summary("audit", "who changed what, for moderators")

    @reg.command(
        "audit",
        "list",
        help="The audit log, newest first: settings changed and moderator actions.",
        params=[
            Param(
                "since",
                "datetime",
                metavar="DATETIME",
                help='entries from then on (a date and time): "2026-01-05 09:00", "monday 9:00"',
            ),
            paging.PAGE_PARAM,
        ],
        permission="moderator",
        examples=('audit list --since "2026-01-05 09:00"', "audit list --page 2"),
    )
    def audit_list(ctx: Ctx, since: datetime | None, page: int | None) -> None:
        paging.check(page)
        if since is not None and since > ctx.now:
            raise UserError(
                _("--since {value} is in the future").format(value=format_when(since, ctx.zone))
            )
        stmt = select(AuditLog).where(AuditLog.community_id == ctx.community.id)
        if since is not None:
            stmt = stmt.where(AuditLog.at >= since)
        rows, total = paging.page(ctx.db, stmt.order_by(AuditLog.id.desc()), page)
        if not total:
            ctx.private(
                _("Nothing in the audit log since then.")
                if since
                else _("Nothing in the audit log yet.")
            )
            return
        lines = [audit_line(r, ctx.zone) for r in rows]
        more = paging.note(total, page, len(rows), f"{ctx.prefix}audit list")
        ctx.private("\n".join([*lines, more] if more else lines))
