"""/audit: the audit log, readable by moderators. Every configuration change and every
moderator action is written there by `ctx.audit`; this shows it, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot import paging
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_when
from storage.tables import AuditLog

# Detail keys that are bookkeeping, not something a moderator reads.
_QUIET = frozenset(("before",))


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def audit_line(row: AuditLog, zone: Any) -> str:
    detail = row.detail or {}
    bits = [
        f"{k.replace('_', ' ')} {_value(v)}"
        for k, v in detail.items()
        if k not in _QUIET and v not in (None, "")
    ]
    if detail.get("before") not in (None, ""):
        bits.append(f"(was {_value(detail['before'])})")
    what = row.action.replace(".", " ").replace("-", " ")
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
            ctx.private("Nothing in the audit log" + (" since then." if since else " yet."))
            return
        lines = [audit_line(r, ctx.zone) for r in rows]
        more = paging.note(total, page, len(rows), f"{ctx.prefix}audit list")
        ctx.private("\n".join([*lines, more] if more else lines))
