"""/rfc: proposals discussed in a thread, reviewed, blocked by concerns, decided by a final
comment period of lazy consensus or by a vote, and logged. The stage machine is pure
(rfc_flow); this module reads commands and says what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from bot import paging
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import N_, _, joined, pgettext
from bot.links import checked_link
from bot.model import Actor, OpenThread
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import compact_duration, format_duration, format_when
from commands.rfcs import assess as rfc_assess
from commands.rfcs import export as rfc_export
from commands.rfcs import render as rfc_render
from commands.rfcs import rules as rfc_rules
from commands.rfcs import state as rfc_state
from commands.rfcs import timers as rfc_timers
from commands.rfcs import vote_link as rfc_vote
from commands.rfcs.flow import (
    announce,
    cancel_reminders_of,
    check,
    fcp_pause,
    fcp_resume,
    move,
    refresh,
)
from commands.rfcs.state import add_event, find, label, ref_of, touch
from storage.rfc_tables import Rfc, RfcConcern, RfcReview

TYPES = ("technical", "governance", "community")
MAX_TITLE = 200
MAX_TEXT = 2000

DEMO = [
    "roles alice=admin bob= carol=",
    '@alice /rfc propose "Adopt a code of conduct" --summary "Contributor Covenant 2.1" '
    "--type community",
    "@bob reply /Discussion of RFC-1/ Good idea, but who enforces it?",
    "@alice /rfc reviewers RFC-1 @carol",
    '@bob /rfc concern RFC-1 "Name the enforcement team first"',
    "@alice /rfc fcp RFC-1 accept --for 3d",
    '@bob /rfc resolve RFC-1 1 "the moderators enforce it"',
    "@carol /rfc review RFC-1 approve",
    "@alice /rfc meta RFC-1 --areas 1 --breaking no --migration no --effort S",
    "@alice /rfc temperature RFC-1 --for 1d",
    "@bob click /Temperature check/ 👍 support",
    "@alice /rfc assess RFC-1",
    "advance 3d",
    "@alice /rfc implemented RFC-1 https://example.org/coc",
    "@alice /rfc log RFC-1",
]


def _usage(ctx: Ctx, sub: str) -> str:
    spec = ctx.registry.find("rfc", sub)
    return spec.short_usage(ctx.prefix) if spec else f"{ctx.prefix}rfc {sub}"


def _text(ctx: Ctx, sub: str, value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise UserError(
            _("the {what} is empty. Usage: {value}").format(what=_(what), value=_usage(ctx, sub))
        )
    if len(text) > limit:
        raise UserError(
            _("the {what} is longer than {limit} characters. Usage: {value}").format(
                what=_(what), limit=limit, value=_usage(ctx, sub)
            )
        )
    return text


def _link(ctx: Ctx, sub: str, value: str | None) -> str | None:
    return checked_link(value, _usage(ctx, sub))


def _review_said(verdict: str, display: str, rfc: str, note: str | None) -> str:
    if verdict == "approve":
        said = (
            _("📝 @{display} approves on {value}: {note}")
            if note
            else _("📝 @{display} approves on {value}.")
        )
    else:
        said = (
            _("📝 @{display} requests changes on {value}: {note}")
            if note
            else _("📝 @{display} requests changes on {value}.")
        )
    return said.format(display=display, value=rfc, note=note)


def _windows_said(changed: dict[str, str]) -> str:
    """The confirmation of /config rfc, for the windows it changed."""
    review = changed.get(rfc_state.REVIEW_WINDOW_KEY)
    stale = changed.get(rfc_state.STALE_WINDOW_KEY)
    if review and stale:
        said = _(
            "✅ RFC review window {review} and stale window {stale}. It applies to what is "
            "scheduled next."
        )
    elif review:
        said = _("✅ RFC review window {review}. It applies to what is scheduled next.")
    else:
        said = _("✅ RFC stale window {stale}. It applies to what is scheduled next.")
    return said.format(review=review, stale=stale)


def _announce_by_actor(ctx: Ctx, rfc: Rfc, message: str) -> None:
    """Post `message` (marked with N_: {value} is the RFC, {display} the actor) in the RFC's
    thread in the community's language, and refresh its card."""
    with ctx.public():
        announce(ctx, rfc, _(message).format(value=label(rfc), display=ctx.actor.display))
        refresh(ctx, rfc)


def _home_line(rfc: Rfc) -> str:
    return f"{label(rfc)} {rfc.title} ({rfc_render.stage_name(rfc.stage)})"


def _require_open(ctx: Ctx, rfc: Rfc, what: str) -> None:
    if rfc.stage not in rfc_rules.OPEN:
        raise UserError(
            _(
                "{value} is {stage}; {what} only while it is in discussion, a final comment "
                "period or a vote"
            ).format(value=label(rfc), stage=pgettext("rfc stage", rfc.stage), what=what)
        )


def register(reg: Registry) -> None:
    reg.summary("rfc", "propose, discuss, review and decide RFCs in a thread")

    @reg.command(
        "rfc",
        "propose",
        help="Propose an RFC: a numbered card and a discussion thread.",
        params=[
            Param("title", positional=True, required=True, metavar='"TITLE"'),
            Param("summary", "text", metavar="TEXT"),
            Param("link", "text", metavar="URL"),
            Param("type", "choice", choices=TYPES),
        ],
        examples=('rfc propose "Move CI to GitHub Actions" --type technical',),
    )
    def rfc_propose(
        ctx: Ctx, title: str, summary: str | None, link: str | None, **kw: str | None
    ) -> Rfc:
        title = _text(ctx, "propose", title, N_("title"), MAX_TITLE)
        summary = _text(ctx, "propose", summary, N_("summary")) if summary is not None else None
        url = _link(ctx, "propose", link)
        channel = ctx.channel_for("rfc") or ctx.address.channel
        if not channel or (ctx.is_direct and not ctx.channel_for("rfc")):
            raise UserError(_("propose RFCs in a channel (no rfc channel is set)"))
        rfc = Rfc(
            community_id=ctx.community.id or 0,
            number=rfc_state.next_number(ctx),
            title=title,
            summary=summary,
            link=url,
            rfc_type=kw.get("type"),
            author=ctx.actor.user_id,
            author_display=ctx.actor.display,
            channel=channel,
            stage="discussion",
            created_at=ctx.now,
            last_activity_at=ctx.now,
        )
        ctx.db.add(rfc)
        ctx.db.flush()
        add_event(ctx, rfc, "proposed", title=title, summary=summary, link=url)
        with ctx.public():  # the card and thread are everyone's
            text, card = rfc_render.card(
                rfc_state.snapshot(ctx.db, rfc), ctx.now, ctx.zone, ctx.prefix
            )
            ref = ref_of(rfc)
            ctx.post(channel, text, card=card, ref=ref)
            ctx.emit(OpenThread(ref=ref, title=f"{label(rfc)}: {title}"[:100]))
            announce(
                ctx,
                rfc,
                _(
                    "💬 Discussion of {value} ({title}), proposed by @{display}. Reply in this "
                    "thread; replies are kept as the RFC's discussion."
                ).format(value=label(rfc), title=title, display=ctx.actor.display),
            )
        rfc_state.reschedule_stale(ctx, rfc)
        ctx.audit("rfc.propose", rfc=label(rfc), title=title)
        if channel != ctx.address.channel or ctx.is_direct:
            ctx.private(
                _("✅ {value} is posted in #{channel}.").format(value=label(rfc), channel=channel)
            )
        return rfc

    @reg.on("rfc.propose")
    def on_propose(
        ctx: Ctx,
        title: str,
        summary: str | None = None,
        link: str | None = None,
        author: str | None = None,
        author_display: str = "",
        done: Callable[[str], None] | None = None,
        **_: Any,
    ) -> None:
        """Another capability proposes an RFC (feedback that passed its threshold), in the
        name of the person it came from; `done` hears the new RFC's label."""
        who = Actor(ctx.actor.platform, author, author_display or author) if author else None
        as_author = replace(ctx, actor=who) if who else ctx
        rfc = rfc_propose(as_author, title[:MAX_TITLE], summary, link)
        ctx.scheduled = ctx.scheduled or as_author.scheduled
        if done is not None:
            done(label(rfc))

    @reg.command(
        "rfc",
        "show",
        help="Show an RFC's card.",
        params=[Param("rfc", positional=True, required=True, metavar="RFC")],
        examples=("rfc show RFC-3",),
    )
    def rfc_show(ctx: Ctx, rfc: str) -> None:
        row = find(ctx, rfc)
        text, card = rfc_render.card(rfc_state.snapshot(ctx.db, row), ctx.now, ctx.zone, ctx.prefix)
        moves = rfc_rules.possible_now(row.stage)
        moves = _("{moves}.").format(moves=moves[0].upper() + moves[1:])
        ctx.private(f"{text}\n{moves}", card=card)

    @reg.command(
        "rfc",
        "list",
        help="List RFCs, newest first.",
        params=[
            Param("stage", "choice", choices=rfc_rules.STAGES, help="only RFCs in this stage"),
            Param("mine", "flag", help="only RFCs you proposed"),
            paging.PAGE_PARAM,
        ],
    )
    def rfc_list(ctx: Ctx, stage: str | None, mine: bool, page: int | None) -> None:
        paging.check(page)
        stmt = select(Rfc).where(Rfc.community_id == ctx.community.id)
        if stage:
            stmt = stmt.where(Rfc.stage == stage)
        if mine:
            stmt = stmt.where(Rfc.author == ctx.actor.user_id)
        rows, total = paging.page(ctx.db, stmt.order_by(Rfc.number.desc()), page)
        if not total:
            ctx.private(_("No RFCs match.") if stage or mine else _("No RFCs yet."))
            return
        lines = [rfc_render.list_line(rfc_state.snapshot(ctx.db, r), ctx.now) for r in rows]
        more = paging.note(total, page, len(rows), f"{ctx.prefix}rfc list")
        ctx.private("\n".join([*lines, more] if more else lines))

    @reg.command(
        "rfc",
        "log",
        help="An RFC's timeline: the decision log in chat.",
        params=[Param("rfc", positional=True, required=True, metavar="RFC")],
    )
    def rfc_log(ctx: Ctx, rfc: str) -> None:
        row = find(ctx, rfc)
        ctx.reply(rfc_render.log_text(rfc_state.snapshot(ctx.db, row, with_events=True), ctx.zone))

    @reg.command(
        "rfc",
        "reviewers",
        help="Ask people to review an RFC (author or moderator).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("users", "user", positional=True, required=True, many=True, metavar="USER"),
        ],
        examples=("rfc reviewers RFC-3 @carol @dan",),
    )
    def rfc_reviewers(ctx: Ctx, rfc: str, users: list[str]) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("request reviews"))
        _require_open(ctx, row, _("reviews are requested"))
        wanted = list(dict.fromkeys(users))
        unknown = [u for u in wanted if ctx.member(u) is None]
        if unknown:
            # A review request must reach a person: an id nobody here has is a typo.
            raise UserError(
                _(
                    "I know no member {value} here (people are known once they have used Moot or "
                    "are in a channel it is in)"
                ).format(value=joined(["@" + u for u in unknown]))
            )
        if row.author in wanted:
            raise UserError(
                _("@{value} wrote {value2}; ask others").format(
                    value=row.author_display or row.author, value2=label(row)
                )
            )
        due = ctx.now + rfc_state.review_window(ctx)
        added = []
        for uid in wanted:
            review = ctx.db.execute(
                select(RfcReview).where(RfcReview.rfc_id == row.id, RfcReview.reviewer == uid)
            ).scalar_one_or_none()
            if review is None:
                review = RfcReview(
                    rfc_id=row.id or 0, reviewer=uid, reviewer_display=ctx.display_of(uid)
                )
            if review.requested:
                continue
            review.requested = True
            review.requested_at = ctx.now
            ctx.db.add(review)
            added.append(uid)
            if review.verdict is None:
                ctx.schedule("rfc.review_reminder", f"{ref_of(row)}:{uid}", due, {"rfc_id": row.id})
        if not added:
            raise UserError(_("those reviews are already requested"))
        add_event(ctx, row, "reviewers", users=[ctx.display_of(u) for u in added])
        touch(ctx, row)
        with ctx.public():
            names = joined(["@" + ctx.display_of(u) for u in added])
            announce(
                ctx,
                row,
                _("👀 Review of {value} requested from {names}.").format(
                    value=label(row), names=names
                ),
            )
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "review",
        help="Review an RFC: approve or ask for changes (your latest review counts).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param(
                "verdict", "choice", positional=True, required=True, choices=("approve", "changes")
            ),
            Param("comment", positional=True, rest=True, metavar="COMMENT"),
        ],
        examples=("rfc review RFC-3 approve looks good",),
    )
    def rfc_review(ctx: Ctx, rfc: str, verdict: str, comment: str | None) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        _require_open(ctx, row, _("reviews are taken"))
        if ctx.actor.user_id == row.author:
            raise UserError(
                _("you wrote {value}; reviews come from others").format(value=label(row))
            )
        note = (comment or "").strip()[:MAX_TEXT] or None
        review = ctx.db.execute(
            select(RfcReview).where(
                RfcReview.rfc_id == row.id, RfcReview.reviewer == ctx.actor.user_id
            )
        ).scalar_one_or_none()
        if review is None:
            review = RfcReview(rfc_id=row.id or 0, reviewer=ctx.actor.user_id)
        review.reviewer_display = ctx.actor.display
        review.verdict = verdict
        review.comment = note
        review.reviewed_at = ctx.now
        ctx.db.add(review)
        cancel_reminders_of(ctx, row, ctx.actor.user_id)
        add_event(ctx, row, "review", verdict=verdict, comment=note)
        touch(ctx, row)
        with ctx.public():
            announce(ctx, row, _review_said(verdict, ctx.actor.display, label(row), note))
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "concern",
        help="Raise a numbered blocking concern on an RFC.",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("text", positional=True, required=True, rest=True, metavar='"TEXT"'),
        ],
        examples=('rfc concern RFC-3 "No migration plan for existing users"',),
    )
    def rfc_concern(ctx: Ctx, rfc: str, text: str) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        body = _text(ctx, "concern", text, N_("concern"))
        _require_open(ctx, row, _("concerns are raised"))
        top = ctx.db.execute(
            select(func.max(RfcConcern.number)).where(RfcConcern.rfc_id == row.id)
        ).scalar_one()
        number = (top or 0) + 1
        ctx.db.add(
            RfcConcern(
                rfc_id=row.id or 0,
                number=number,
                text=body,
                raised_by=ctx.actor.user_id,
                raised_by_display=ctx.actor.display,
                raised_at=ctx.now,
            )
        )
        add_event(ctx, row, "concern", number=number, text=body)
        left = fcp_pause(ctx, row, number)
        touch(ctx, row)
        with ctx.public():
            msg = _("⚠️ Concern #{number} on {value} by @{display}: {body}").format(
                number=number, value=label(row), display=ctx.actor.display, body=body
            )
            if left is not None:
                msg += _(
                    "\nThe final comment period is paused with {value} left until every concern is "
                    "resolved."
                ).format(value=rfc_render.span(left))
            announce(ctx, row, msg)
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "resolve",
        help="Resolve a concern (the person who raised it, or a moderator).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("number", "int", positional=True, required=True, metavar="N"),
            Param("note", positional=True, rest=True, metavar="NOTE"),
        ],
        examples=('rfc resolve RFC-3 1 "migration plan added"',),
    )
    def rfc_resolve(ctx: Ctx, rfc: str, number: int, note: str | None) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        if not 0 < number < 1_000_000:
            raise UserError(
                _("{value} has no concern #{number}").format(value=label(row), number=number)
            )
        concern = ctx.db.execute(
            select(RfcConcern).where(RfcConcern.rfc_id == row.id, RfcConcern.number == number)
        ).scalar_one_or_none()
        if concern is None:
            raise UserError(
                _("{value} has no concern #{number}").format(value=label(row), number=number)
            )
        if concern.resolved_at is not None:
            raise UserError(
                _("concern #{number} on {value} is already resolved").format(
                    number=number, value=label(row)
                )
            )
        if ctx.actor.user_id != concern.raised_by and not ctx.is_moderator():
            raise UserError(
                _(
                    "only @{value}, who raised concern #{number}, or a moderator can resolve it"
                ).format(value=concern.raised_by_display or concern.raised_by, number=number)
            )
        text = (note or "").strip()[:MAX_TEXT] or None
        concern.resolved_at = ctx.now
        concern.resolved_by = ctx.actor.user_id
        concern.resolved_by_display = ctx.actor.display
        concern.note = text
        ctx.db.add(concern)
        ctx.db.flush()
        add_event(ctx, row, "resolved", number=number, note=text)
        if concern.raised_by != ctx.actor.user_id:
            ctx.audit("rfc.resolve.moderator", rfc=label(row), number=number, note=text)
        touch(ctx, row)
        with ctx.public():
            said = (
                _("✅ Concern #{number} on {value} resolved by @{display}: {note}")
                if text
                else _("✅ Concern #{number} on {value} resolved by @{display}.")
            )
            announce(
                ctx,
                row,
                said.format(number=number, value=label(row), display=ctx.actor.display, note=text),
            )
            fcp_resume(ctx, row)
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "fcp",
        help="Start a final comment period: the disposition applies by itself unless a "
        "concern is open when it ends (author or moderator).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param(
                "disposition",
                "choice",
                positional=True,
                required=True,
                choices=rfc_rules.DISPOSITIONS,
            ),
            Param("for", "duration", metavar="DURATION", help="default 7d"),
        ],
        examples=("rfc fcp RFC-3 accept --for 7d",),
    )
    def rfc_fcp(ctx: Ctx, rfc: str, disposition: str, **kw: timedelta | None) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("start a final comment period"))
        span = kw.get("for") or rfc_state.DEFAULT_FCP
        rfc_state.check_span(span, _("the final comment period"), _usage(ctx, "fcp"))
        check(row, "fcp")
        move(ctx, row, "fcp")
        row.fcp_disposition = disposition
        concerns = rfc_state.open_concerns(ctx.db, row)
        if concerns:
            row.fcp_remaining_s = int(span.total_seconds())
            row.fcp_ends_at = None
        else:
            row.fcp_ends_at = ctx.now + span
            ctx.schedule("rfc.fcp_end", ref_of(row), row.fcp_ends_at, {"rfc_id": row.id})
        ctx.db.add(row)
        add_event(
            ctx,
            row,
            "fcp",
            disposition=disposition,
            **{"for": compact_duration(span)},
            paused=bool(concerns),
        )
        ctx.audit("rfc.fcp", rfc=label(row), disposition=disposition, span=compact_duration(span))
        with ctx.public():
            msg = _(
                "⏳ Final comment period on {value}: proposed disposition **{disposition}**. "
            ).format(value=label(row), disposition=rfc_render.disposition_name(disposition))
            if concerns:
                msg += _(
                    "It is paused at once with {value} to run: {value2} concern(s) are open."
                ).format(value=rfc_render.span(span), value2=len(concerns))
            else:
                msg += _("Unless a concern is raised, it applies by itself {value}.").format(
                    value=format_when(row.fcp_ends_at or ctx.now, ctx.zone)
                )
            announce(ctx, row, msg)
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "withdraw",
        help="Withdraw an RFC (author or moderator).",
        params=[Param("rfc", positional=True, required=True, metavar="RFC")],
    )
    def rfc_withdraw(ctx: Ctx, rfc: str) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("withdraw it"))
        move(ctx, row, "withdraw")
        add_event(ctx, row, "withdrawn")
        ctx.audit("rfc.withdraw", rfc=label(row))
        _announce_by_actor(ctx, row, N_("↩️ {value} was withdrawn by @{display}."))

    @reg.command(
        "rfc",
        "reopen",
        help="Bring a postponed RFC back to discussion now (author or moderator).",
        params=[Param("rfc", positional=True, required=True, metavar="RFC")],
        examples=("rfc reopen RFC-3",),
    )
    def rfc_reopen(ctx: Ctx, rfc: str) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("reopen it"))
        move(ctx, row, "reopen")
        add_event(ctx, row, "reopened", by=ctx.actor.display)
        ctx.audit("rfc.reopen", rfc=label(row))
        _announce_by_actor(
            ctx, row, N_("💬 {value} is back in discussion (reopened by @{display}).")
        )

    @reg.command(
        "rfc",
        "postpone",
        help="Postpone an RFC, optionally until a date when it returns to discussion "
        "(author or moderator).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("until", "datetime", metavar="DATETIME"),
        ],
        examples=("rfc postpone RFC-3 --until 2026-03-01",),
    )
    def rfc_postpone(ctx: Ctx, rfc: str, until: datetime | None) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("postpone it"))
        if until is not None and until <= ctx.now:
            raise UserError(
                _("--until is in the past. Usage: {value}").format(value=_usage(ctx, "postpone"))
            )
        move(ctx, row, "postpone")
        row.postponed_until = until
        ctx.db.add(row)
        shown = format_when(until, ctx.zone) if until else None
        if until is not None:
            ctx.schedule("rfc.reopen", ref_of(row), until, {"rfc_id": row.id})
        add_event(ctx, row, "postponed", until=shown)
        ctx.audit("rfc.postpone", rfc=label(row), until=until.isoformat() if until else None)
        with ctx.public():
            said = (
                _(
                    "💤 {value} was postponed by @{display} until {shown}, when it returns to "
                    "discussion."
                )
                if shown
                else _("💤 {value} was postponed by @{display}.")
            )
            announce(
                ctx, row, said.format(value=label(row), display=ctx.actor.display, shown=shown)
            )
            refresh(ctx, row)

    @reg.command(
        "rfc",
        "implemented",
        help="Mark an accepted RFC implemented, with a link (author or moderator).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("link", positional=True, metavar="LINK"),
        ],
        examples=("rfc implemented RFC-3 https://example.org/pr/42",),
    )
    def rfc_implemented(ctx: Ctx, rfc: str, link: str | None) -> None:
        row = find(ctx, rfc)
        rfc_state.lock(ctx, row)
        rfc_state.require_author_or_moderator(ctx, row, _("mark it implemented"))
        url = _link(ctx, "implemented", link)
        move(ctx, row, "implemented")
        row.implemented_link = url
        ctx.db.add(row)
        add_event(ctx, row, "implemented", link=url)
        ctx.audit("rfc.implemented", rfc=label(row), link=url)
        with ctx.public():
            said = _("🚀 {value} is implemented: {url}") if url else _("🚀 {value} is implemented.")
            announce(ctx, row, said.format(value=label(row), url=url))
            refresh(ctx, row)

    @reg.command(
        "config",
        "rfc",
        help="Set the RFC review window (reminder to reviewers) and stale window (nudge).",
        params=[
            Param("review_window", "duration", metavar="DURATION", help="default 7d"),
            Param("stale_window", "duration", metavar="DURATION", help="default 14d"),
        ],
        permission="moderator",
        examples=("config rfc --review-window 5d --stale-window 10d",),
    )
    def config_rfc(
        ctx: Ctx, review_window: timedelta | None, stale_window: timedelta | None
    ) -> None:
        usage = ctx.registry.find("config", "rfc").usage(ctx.prefix)  # type: ignore[union-attr]
        if review_window is None and stale_window is None:
            raise UserError(
                _("give --review-window or --stale-window. Usage: {usage}").format(usage=usage)
            )
        changed: dict[str, str] = {}
        for key, value, what in (
            (rfc_state.REVIEW_WINDOW_KEY, review_window, _("review window")),
            (rfc_state.STALE_WINDOW_KEY, stale_window, _("stale window")),
        ):
            if value is None:
                continue
            rfc_state.check_span(value, _("the {what}").format(what=what), usage)
            stored = compact_duration(value)
            before = ctx.settings.get(key)
            ctx.set_setting(key, stored)
            ctx.audit("config.rfc", key=key, value=stored, before=before)
            changed[key] = format_duration(value)
        ctx.private(_windows_said(changed))

    @reg.home_section
    def rfc_home(s: Session, community_id: int, user_id: str) -> list[tuple[str, list[str]]]:
        """RFCs waiting for this person's review, and their own RFCs still open."""
        waiting = s.execute(
            select(Rfc)
            .join(RfcReview, RfcReview.rfc_id == Rfc.id)
            .where(
                Rfc.community_id == community_id,
                Rfc.stage.in_(sorted(rfc_rules.OPEN)),
                RfcReview.reviewer == user_id,
                RfcReview.requested.is_(True),
                RfcReview.verdict.is_(None),
            )
            .order_by(Rfc.number)
        ).scalars()
        mine = s.execute(
            select(Rfc)
            .where(
                Rfc.community_id == community_id,
                Rfc.author == user_id,
                Rfc.stage.in_(sorted(rfc_rules.OPEN | {"accepted", "postponed"})),
            )
            .order_by(Rfc.number)
        ).scalars()
        out = []
        review = [_home_line(r) for r in waiting]
        if review:
            out.append((_("RFCs to review"), review))
        own = [_home_line(r) for r in mine]
        if own:
            out.append((_("Your RFCs"), own))
        return out

    rfc_vote.register(reg)
    rfc_assess.register(reg)
    rfc_timers.register(reg)
    reg.exporter("rfcs")(rfc_export.export)
    reg.demo.extend(DEMO)
