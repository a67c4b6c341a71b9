"""/kudos: recognition. Thanks given publicly in the recognition channel with a DM to the
person thanked; counts by category; milestones announced once, optionally with a role."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, joined
from bot.mentions import plain_mentions
from bot.model import GrantRole
from bot.registry import Registry
from bot.specs import Param
from commands.kudos import rules
from storage import repos
from storage.contrib_tables import Kudos, KudosMilestone
from storage.db import Database
from storage.tables import Community

DEMO = [
    "roles alice=admin bob= carol=",
    "@alice /config channel recognition #thanks",
    '@bob /kudos @carol docs "rewrote the install guide"',
    "@alice /kudos of @carol",
]


def _usage(ctx: Ctx, sub: str | None) -> str:
    return ctx.usage("kudos", sub)


def settings(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.settings.get("kudos") or {})


def categories(ctx: Ctx) -> tuple[str, ...]:
    return tuple(settings(ctx).get("categories") or rules.DEFAULT_CATEGORIES)


def _counts(ctx: Ctx, where: list[Any]) -> list[tuple[str, str, int]]:
    return [
        (r[0], r[1], r[2])
        for r in ctx.db.execute(
            select(Kudos.recipient, Kudos.category, func.count())
            .where(Kudos.community_id == ctx.community.id, *where)
            .group_by(Kudos.recipient, Kudos.category)
        ).all()
    ]


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        names = {
            c.id: f"{c.platform}:{c.workspace}" for c in s.execute(select(Community)).scalars()
        }
        rows = [
            {
                "community": names.get(k.community_id),
                "at": k.at.isoformat(),
                "giver": k.giver,
                "recipient": k.recipient,
                "recipient_display": k.recipient_display,
                "category": k.category,
                "why": k.why,
            }
            for k in s.execute(select(Kudos).order_by(Kudos.id)).scalars()
        ]
    if fmt == "json":
        return json.dumps({"kudos": rows}, indent=2, ensure_ascii=False)
    if fmt != "csv":
        raise ValueError(_("kudos export formats: csv, json"))
    out = io.StringIO()
    w = csv.DictWriter(
        out, ["community", "at", "giver", "recipient", "recipient_display", "category", "why"]
    )
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def register(reg: Registry) -> None:
    reg.summary("kudos", "thank contributors; counts by kind of contribution")
    reg.demo.extend(DEMO)

    @reg.command(
        "kudos",
        None,
        help="Thank someone for a contribution, publicly.",
        params=[
            Param("user", "user", positional=True, required=True, metavar="@USER"),
            Param("category", positional=True, required=True, metavar="CATEGORY"),
            Param("why", positional=True, required=True, rest=True, metavar='"WHY"'),
        ],
        examples=('kudos @carol docs "rewrote the install guide"',),
    )
    def kudos(ctx: Ctx, user: str, category: str, why: str) -> None:
        usage = _usage(ctx, None)
        if user == ctx.actor.user_id:
            raise UserError(_("kudos are for others; you cannot thank yourself"))
        member = ctx.member(user)
        if member is None:
            raise UserError(
                _("@{user} is not a member here. Usage: {usage}").format(user=user, usage=usage)
            )
        cat = category.strip().lower()
        known = categories(ctx)
        if cat not in known:
            raise UserError(
                _("'{category}' is not a kudos category ({value}). Usage: {usage}").format(
                    category=category, value=joined(list(known)), usage=usage
                )
            )
        # A mention inside WHY is shown as the name, never a ping.
        text = plain_mentions(why.strip().strip('"“”').strip())
        if not text:
            raise UserError(_("say why. Usage: {usage}").format(usage=usage))
        if len(text) > rules.MAX_WHY:
            raise UserError(
                _("WHY is {value} characters; at most {MAX_WHY}. Usage: {usage}").format(
                    value=len(text), MAX_WHY=rules.MAX_WHY, usage=usage
                )
            )
        limit = int(settings(ctx).get("daily_limit") or rules.DEFAULT_DAILY_LIMIT)
        today = ctx.db.execute(
            select(func.count()).where(
                Kudos.community_id == ctx.community.id,
                Kudos.giver == ctx.actor.user_id,
                Kudos.at > ctx.now - timedelta(days=1),
            )
        ).scalar_one()
        if rules.over_limit(today, limit):
            raise UserError(
                _("you have given {today} kudos in the last 24 hours; the limit is {limit}").format(
                    today=today, limit=limit
                )
            )
        before = ctx.db.execute(
            select(func.count()).where(
                Kudos.community_id == ctx.community.id,
                Kudos.recipient == user,
                Kudos.category == cat,
            )
        ).scalar_one()
        name = member.display or user
        ctx.db.add(
            Kudos(
                community_id=ctx.community.id or 0,
                giver=ctx.actor.user_id,
                recipient=user,
                recipient_display=name,
                category=cat,
                why=text,
                at=ctx.now,
            )
        )
        line = _("🙌 @{display} thanks @{name} for {cat}: {text}").format(
            display=ctx.actor.display, name=name, cat=cat, text=text
        )
        channel = ctx.channel_for("recognition")
        if channel:
            ctx.post(channel, line)
            if channel != ctx.address.channel or ctx.is_direct:
                ctx.private(
                    _("Kudos to @{name} posted in #{channel}.").format(name=name, channel=channel)
                )
        else:
            ctx.reply(line)
        with ctx.speaking_to(user):
            ctx.dm(
                user,
                _("🙌 @{display} thanked you for {cat}: {text}").format(
                    display=ctx.actor.display, cat=cat, text=text
                ),
            )
        ctx.audit("kudos", to=user, category=cat)
        s = settings(ctx)
        for m in rules.crossed(before, before + 1, s.get("milestones") or rules.DEFAULT_MILESTONES):
            # The unique row is the once: a second crossing (after a restart, on a replica)
            # inserts nothing and announces nothing.
            if not repos.insert_once(
                ctx.db,
                KudosMilestone,
                community_id=ctx.community.id,
                user_id=user,
                category=cat,
                threshold=m,
                at=ctx.now,
            ):
                continue
            announce = _("🏅 @{name} has reached {m} kudos for {cat}!").format(
                name=name, m=m, cat=cat
            )
            if channel:
                ctx.post(channel, announce)
            else:
                ctx.reply(announce)
            role = (s.get("milestone_roles") or {}).get(f"{cat}:{m}")
            if role:
                ctx.emit(GrantRole(ctx.community.platform, ctx.community.workspace, user, role))

    @reg.command(
        "kudos",
        "top",
        help="Who was thanked most, by category.",
        params=[
            Param("since", "duration", metavar="DURATION", help="default 30d"),
            Param("category", metavar="CATEGORY"),
        ],
        examples=("kudos top --since 7d --category docs",),
    )
    def kudos_top(ctx: Ctx, since: timedelta | None, category: str | None) -> None:
        span = since or timedelta(days=30)
        where: list[Any] = [Kudos.at > ctx.now - span]
        if category:
            if category.lower() not in categories(ctx):
                raise UserError(
                    _("'{category}' is not a kudos category ({value})").format(
                        category=category, value=joined(list(categories(ctx)))
                    )
                )
            where.append(Kudos.category == category.lower())
        totals: dict[str, int] = {}
        for who, _cat, n in _counts(ctx, where):
            totals[who] = totals.get(who, 0) + n
        if not totals:
            ctx.private(_("No kudos in that time yet."))
            return
        top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        lines = [f"{i}. @{ctx.display_of(u)}: {n}" for i, (u, n) in enumerate(top, 1)]
        scope = _(" for {value}").format(value=category.lower()) if category else ""
        ctx.private(
            _("🏆 Most thanked{scope} in the last {value} days:\n").format(
                scope=scope, value=span.days or 1
            )
            + "\n".join(lines)
        )

    @reg.command(
        "kudos",
        "of",
        help="Someone's kudos, counted by category.",
        params=[Param("user", "user", positional=True, required=True, metavar="@USER")],
        examples=("kudos of @carol",),
    )
    def kudos_of(ctx: Ctx, user: str) -> None:
        rows = _counts(ctx, [Kudos.recipient == user])
        name = ctx.display_of(user)
        if not rows:
            ctx.private(_("@{name} has no kudos yet.").format(name=name))
            return
        parts = ", ".join(f"{cat} {n}" for _u, cat, n in sorted(rows, key=lambda r: (-r[2], r[1])))
        ctx.private(
            _("🙌 @{name}: {value} kudos ({parts}).").format(
                name=name, value=sum(r[2] for r in rows), parts=parts
            )
        )

    @reg.command(
        "config",
        "kudos",
        help="Kudos categories, the daily limit per person, milestones and their roles.",
        params=[
            Param("categories", "list", metavar="a,b,c"),
            Param("daily_limit", "int", metavar="N"),
            Param("milestones", "list", metavar="10,25,50"),
            Param("milestone_role", "text", metavar="CATEGORY:N=ROLE", help="grant ROLE at N"),
        ],
        permission="moderator",
        examples=("config kudos --daily-limit 3 --milestone-role docs:10=docs-champion",),
    )
    def config_kudos(
        ctx: Ctx,
        categories: list[str] | None,
        daily_limit: int | None,
        milestones: list[str] | None,
        milestone_role: str | None,
    ) -> None:
        usage = _usage(ctx, None).replace("kudos", "config kudos", 1)
        s = settings(ctx)
        try:
            if categories is not None:
                s["categories"] = list(rules.check_categories(categories))
            if milestones is not None:
                s["milestones"] = list(rules.check_milestones(int(m) for m in milestones))
        except (rules.KudosError, ValueError) as exc:
            raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
        if daily_limit is not None:
            if not 1 <= daily_limit <= 100:
                raise UserError(
                    _("--daily-limit must be from 1 to 100. Usage: {usage}").format(usage=usage)
                )
            s["daily_limit"] = daily_limit
        if milestone_role is not None:
            key, eq, role = milestone_role.partition("=")
            cat, _sep, n = key.partition(":")
            if not eq or not n.isdigit() or not role.strip():
                raise UserError(
                    _("--milestone-role is CATEGORY:N=ROLE. Usage: {usage}").format(usage=usage)
                )
            s["milestone_roles"] = {
                **(s.get("milestone_roles") or {}),
                f"{cat}:{int(n)}": role.strip(),
            }
        if s == settings(ctx):
            cats = ", ".join(categories_of(s))
            ctx.private(
                _("Kudos: categories {cats}; daily limit {value}; milestones {value2}.").format(
                    cats=cats,
                    value=s.get("daily_limit") or rules.DEFAULT_DAILY_LIMIT,
                    value2=", ".join(
                        str(m) for m in s.get("milestones") or rules.DEFAULT_MILESTONES
                    ),
                )
            )
            return
        ctx.set_setting("kudos", s)
        ctx.audit("config.kudos", **s)
        ctx.reply(_("🙌 Kudos settings saved."))

    reg.exporter("kudos")(export)


def categories_of(s: dict[str, Any]) -> tuple[str, ...]:
    return tuple(s.get("categories") or rules.DEFAULT_CATEGORIES)
