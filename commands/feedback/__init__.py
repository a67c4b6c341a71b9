"""/feedback: what people ask for, captured where they say it (a command, a 📝 reaction, a
message action), backed by upvotes (one per person, however many ways), moved through
triage, and followed up: everyone who asked or backed it hears of each move. An item that
passes the community's threshold is proposed as an RFC through the "rfc.propose" hook."""

from __future__ import annotations

import csv
import io
import json
import logging
import statistics
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select

from bot import i18n
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.model import Address, Choice, Edit, Quoted, Send
from bot.priority import shown as priority_name
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_when
from commands.feedback import rules
from storage import repos
from storage.db import Database
from storage.feedback_tables import FeedbackBacker, FeedbackEvent, FeedbackItem
from storage.tables import Community

log = logging.getLogger("moot.feedback")
PAGE = 20
DEMO = [
    "roles alice=admin bob= carol= dan=",
    "@alice /config channel feedback #feedback",
    '@bob /feedback "Dark mode for the docs site" --category idea',
    "@carol click /Feedback #1/ 👍 Upvote",
    "@carol say The search box ignores accents",
    "@dan react /search box ignores/ 📝",
    '@alice /feedback status 1 under-review --comment "Looking into themes"',
]


def _usage(ctx: Ctx, sub: str | None) -> str:
    return ctx.usage("feedback", sub)


def _settings(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.settings.get("feedback") or {})


def categories(ctx: Ctx) -> tuple[str, ...]:
    return categories_of(_settings(ctx))


def label(item: FeedbackItem) -> str:
    return f"#{item.number}"


def ref_of(item: FeedbackItem) -> str:
    return f"feedback:{item.id}"


def _find(ctx: Ctx, number: int, *, lock: bool = False) -> FeedbackItem:
    stmt = select(FeedbackItem).where(
        FeedbackItem.community_id == ctx.community.id, FeedbackItem.number == number
    )
    if lock and ctx.db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    item = ctx.db.execute(stmt).scalar_one_or_none()
    if item is None:
        raise UserError(_("there is no feedback item #{number}").format(number=number))
    return item


def _who(ctx: Ctx, item: FeedbackItem, *, for_moderator: bool | None = None) -> str:
    """The submitter as this reader may see them: anonymous items name nobody to anyone but
    moderators."""
    mod = ctx.is_moderator() if for_moderator is None else for_moderator
    if item.anonymous and not mod:
        return _("anonymous")
    name = "@" + (item.submitter_display or item.submitter)
    return name + (_(" (anonymous to others)") if item.anonymous else "")


def _backer_ids(ctx: Ctx, item: FeedbackItem) -> list[str]:
    return list(
        ctx.db.execute(
            select(FeedbackBacker.user_id)
            .where(FeedbackBacker.item_id == item.id)
            .order_by(FeedbackBacker.id)
        ).scalars()
    )


def impact(ctx: Ctx, item: FeedbackItem) -> Fraction:
    """Backers weighted by role weight (the weights of votes: `/config weight ROLE N`)."""
    weights = {str(k): int(v) for k, v in (ctx.settings.get("weights") or {}).items()}
    total = Fraction(0)
    for uid in _backer_ids(ctx, item):
        m = ctx.member(uid)
        held = [weights[r] for r in (m.roles if m else []) if r in weights]
        total += Fraction(max(held)) if held else Fraction(1)
    return total


def card_text(item: FeedbackItem) -> tuple[str, tuple[Choice, ...]]:
    """The item's public message. The submitter is named only when not anonymous; public
    text never depends on who reads it."""
    who = _("anonymous") if item.anonymous else "@" + (item.submitter_display or item.submitter)
    status = rules.shown(item.status)
    lines = [
        _("📝 Feedback {value} [{category}] — {status}").format(
            value=label(item), category=item.category, status=status
        ),
        item.text,
        _("From {who} · 👍 {backers}").format(who=who, backers=item.backers)
        + (
            _(" · priority {priority}").format(priority=priority_name(item.priority))
            if item.priority != "normal"
            else ""
        )
        + (f" · {item.rfc}" if item.rfc else "")
        + (f" · {item.source_link}" if item.source_link else ""),
    ]
    if item.merged_into:
        lines.append(_("Merged into #{merged_into}.").format(merged_into=item.merged_into))
    choices: tuple[Choice, ...] = ()
    if item.status in rules.OPEN:
        choices = (Choice("feedback.up", str(item.id), _("👍 Upvote"), emoji="👍"),)
    return "\n".join(lines), choices


def _refresh(ctx: Ctx, item: FeedbackItem) -> None:
    text, choices = card_text(item)
    ctx.emit(Edit(ref_of(item), text, choices=choices))


def _event(ctx: Ctx, item: FeedbackItem, what: str, **detail: Any) -> None:
    ctx.db.add(
        FeedbackEvent(
            item_id=item.id or 0, at=ctx.now, actor=ctx.actor.user_id, what=what, detail=detail
        )
    )


def _back(ctx: Ctx, item: FeedbackItem, user_id: str) -> bool:
    if not repos.insert_once(ctx.db, FeedbackBacker, item_id=item.id, user_id=user_id, at=ctx.now):
        return False
    item.backers += 1
    item.updated_at = ctx.now
    ctx.db.add(item)
    return True


def _unback(ctx: Ctx, item: FeedbackItem, user_id: str) -> bool:
    gone = ctx.db.execute(
        delete(FeedbackBacker).where(
            FeedbackBacker.item_id == item.id, FeedbackBacker.user_id == user_id
        )
    ).rowcount
    if not gone:
        return False
    item.backers -= 1
    item.updated_at = ctx.now
    ctx.db.add(item)
    return True


def _check_text(ctx: Ctx, text: str | None, sub: str | None) -> str:
    clean = " ".join((text or "").split()).strip().strip('"“”').strip()
    if not clean.strip("\u200b\u200c\u200d\u2060\ufeff"):
        raise UserError(_("the feedback is empty. Usage: {value}").format(value=_usage(ctx, sub)))
    if len(clean) > rules.MAX_TEXT:
        raise UserError(
            _("the feedback is {value} characters; at most {MAX_TEXT}. Usage: {value2}").format(
                value=len(clean), MAX_TEXT=rules.MAX_TEXT, value2=_usage(ctx, sub)
            )
        )
    return clean


def capture(
    ctx: Ctx,
    text: str,
    *,
    category: str,
    anonymous: bool = False,
    quoted: Quoted | None = None,
) -> FeedbackItem:
    clean = _check_text(ctx, text, None)
    cat = category.strip().lower()
    if cat not in categories(ctx):
        raise UserError(
            _("'{category}' is not a feedback category ({value}). Usage: {value2}").format(
                category=category, value=", ".join(categories(ctx)), value2=_usage(ctx, None)
            )
        )
    author = quoted.author if quoted and quoted.author else ctx.actor.user_id
    if quoted and quoted.author and quoted.author != ctx.actor.user_id:
        display = ctx.display_of(author)
    else:
        display = ctx.actor.display
    channel = ctx.channel_for("feedback") or (None if ctx.is_direct else ctx.address.channel)
    if not channel:
        raise UserError(_("send feedback in a channel (no feedback channel is set)"))
    number = repos.next_number(
        ctx.db, FeedbackItem.number, FeedbackItem.community_id, ctx.community.id or 0
    )
    item = FeedbackItem(
        community_id=ctx.community.id or 0,
        number=number,
        text=clean,
        category=cat,
        anonymous=anonymous,
        submitter=author,
        submitter_display=display,
        source_channel=quoted.address.channel if quoted else None,
        source_message=(quoted.address.message or quoted.address.thread) if quoted else None,
        source_link=(quoted.link or None) if quoted else None,
        channel=channel,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.db.add(item)
    ctx.db.flush()
    # Who asked counts as its first backer; captured from a message, the person who
    # reacted is (the author too, when they are someone else).
    _back(ctx, item, ctx.actor.user_id)
    if author != ctx.actor.user_id:
        _back(ctx, item, author)
    _event(ctx, item, "created", category=cat, anonymous=anonymous)
    text_, choices = card_text(item)
    ctx.post(channel, text_, choices=choices, ref=ref_of(item))
    ctx.audit("feedback.create", number=number, category=cat)
    answer = _("📝 Thanks! Captured as feedback {value} in #{channel}.").format(
        value=label(item), channel=channel
    )
    if quoted and _settings(ctx).get("reply", "thread") == "thread":
        where = Address(
            ctx.community.platform,
            ctx.community.workspace,
            quoted.address.channel,
            quoted.address.thread or quoted.address.message,
        )
        ctx.emit(Send(where, answer, thread="force"))
    else:
        ctx.private(answer)
    return item


def _notify(ctx: Ctx, item: FeedbackItem, text: str) -> None:
    """The submitter and every backer, once each, except those who opted out."""
    people = list(dict.fromkeys([item.submitter, *_backer_ids(ctx, item)]))
    prefs = repos.personal_settings(ctx.db, ctx.community.id or 0, people)
    for uid in people:
        if uid == ctx.actor.user_id:
            continue
        if (prefs.get(uid) or {}).get("notify_feedback") is False:
            continue
        ctx.dm(uid, text)


def _maybe_rfc(ctx: Ctx, item: FeedbackItem) -> None:
    threshold = _settings(ctx).get("rfc_threshold")
    if not rules.crosses(item.backers, threshold, already=item.rfc is not None):
        return
    if item.status not in rules.OPEN:
        return
    made: list[str] = []
    try:
        with ctx.db.begin_nested():
            ctx.fire(
                "rfc.propose",
                title=_("From feedback #{number}: {text}").format(
                    number=item.number, text=item.text
                )[:200],
                summary=_("{text} — backed by {backers} people (feedback #{number}).").format(
                    text=item.text, backers=item.backers, number=item.number
                ),
                link=item.source_link,
                author=item.submitter,
                author_display=item.submitter_display,
                done=made.append,
            )
    except UserError as exc:
        log.info("feedback #%s passed its threshold but no RFC was made: %s", item.number, exc)
        return
    if not made:
        return
    item.rfc = made[0]
    before = item.status
    if item.status == "new":
        item.status = "under-review"
    ctx.db.add(item)
    _event(ctx, item, "rfc", rfc=item.rfc, backers=item.backers)
    _notify(
        ctx,
        item,
        _(
            "🗳️ Feedback {value} ({value2}) has {backers} backers and is now proposed as {rfc}"
        ).format(value=label(item), value2=item.text[:80], backers=item.backers, rfc=item.rfc)
        + (_(", and under review.") if before == "new" else "."),
    )


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        names = {
            c.id: f"{c.platform}:{c.workspace}" for c in s.execute(select(Community)).scalars()
        }
        rows = [
            {
                "community": names.get(i.community_id),
                "number": i.number,
                "category": i.category,
                "status": i.status,
                "priority": i.priority,
                "backers": i.backers,
                # Exports name nobody who asked to stay anonymous.
                "submitter": None if i.anonymous else (i.submitter_display or i.submitter),
                "text": i.text,
                "created_at": i.created_at.isoformat(),
                "done_at": i.done_at.isoformat() if i.done_at else None,
                "rfc": i.rfc,
                "merged_into": i.merged_into,
                "link": i.source_link,
            }
            for i in s.execute(
                select(FeedbackItem).order_by(FeedbackItem.community_id, FeedbackItem.number)
            ).scalars()
        ]
    if fmt == "json":
        return json.dumps({"feedback": rows}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.DictWriter(out, list(rows[0]) if rows else ["number"])
        w.writeheader()
        w.writerows(rows)
        return out.getvalue()
    lines = [_("# Feedback"), ""]
    for r in rows:
        lines.append(
            f"- #{r['number']} [{r['category']}] **{r['status']}** (👍 {r['backers']}): {r['text']}"
        )
    return "\n".join(lines) + "\n"


CONFIG_SYNTAX = "/config feedback [--categories a,b] [--rfc-threshold N] [--reply thread|private]"


def categories_of(s: dict[str, Any]) -> tuple[str, ...]:
    return tuple(s.get("categories") or rules.DEFAULT_CATEGORIES)


def register(reg: Registry) -> None:
    reg.summary("feedback", "capture feedback, back it, triage it, close the loop")
    reg.demo.extend(DEMO)

    @reg.command(
        "feedback",
        None,
        help="Send feedback: a bug, an idea, a docs gap, a question.",
        params=[
            Param("text", positional=True, required=True, metavar='"TEXT"'),
            Param("category", metavar="CATEGORY", help="bug, idea, docs, question, other"),
            Param("anonymous", "flag", help="hide your name from everyone but moderators"),
        ],
        examples=('feedback "The search ignores accents" --category bug',),
    )
    def feedback(ctx: Ctx, text: str, category: str | None, anonymous: bool) -> None:
        capture(ctx, text, category=category or "idea", anonymous=anonymous)

    @reg.message_action("feedback.capture", emoji="📝")
    def from_message(ctx: Ctx, quoted: Quoted) -> None:
        if quoted.missing:
            raise UserError(
                _('{why}; use {prefix}feedback "TEXT" instead').format(
                    why=_(quoted.missing), prefix=ctx.prefix
                )
            )
        text = quoted.text or ""
        if not text.strip():
            raise UserError(_("that message has no text I can capture"))
        capture(ctx, text[: rules.MAX_TEXT], category="idea", quoted=quoted)

    @reg.action("feedback.up")
    def on_up(ctx: Ctx, value: str, added: bool) -> None:
        item = ctx.db.get(FeedbackItem, int(value)) if value.isdigit() else None
        if item is None or item.community_id != ctx.community.id:
            return
        item = _find(ctx, item.number, lock=True)
        if item.status not in rules.OPEN:
            if added:
                raise UserError(
                    _("feedback {value} is {status}").format(value=label(item), status=item.status)
                )
            return
        if added:
            if _back(ctx, item, ctx.actor.user_id):
                ctx.private(
                    _("👍 You back feedback {value} ({backers} backers).").format(
                        value=label(item), backers=item.backers
                    )
                )
                _maybe_rfc(ctx, item)
        elif _unback(ctx, item, ctx.actor.user_id):
            ctx.private(_("You no longer back feedback {value}.").format(value=label(item)))
        _refresh(ctx, item)

    @reg.command(
        "feedback",
        "up",
        help="Back a feedback item (once, however many ways you vote).",
        params=[Param("number", "int", positional=True, required=True, metavar="ID")],
        examples=("feedback up 3",),
    )
    def feedback_up(ctx: Ctx, number: int) -> None:
        item = _find(ctx, number, lock=True)
        if item.status not in rules.OPEN:
            raise UserError(
                _("feedback {value} is {status}").format(value=label(item), status=item.status)
            )
        if not _back(ctx, item, ctx.actor.user_id):
            raise UserError(_("you already back feedback {value}").format(value=label(item)))
        ctx.private(
            _("👍 You back feedback {value} ({backers} backers).").format(
                value=label(item), backers=item.backers
            )
        )
        _maybe_rfc(ctx, item)
        _refresh(ctx, item)

    @reg.command(
        "feedback",
        "unup",
        help="Stop backing a feedback item.",
        params=[Param("number", "int", positional=True, required=True, metavar="ID")],
        examples=("feedback unup 3",),
    )
    def feedback_unup(ctx: Ctx, number: int) -> None:
        item = _find(ctx, number, lock=True)
        if not _unback(ctx, item, ctx.actor.user_id):
            raise UserError(_("you do not back feedback {value}").format(value=label(item)))
        ctx.private(_("You no longer back feedback {value}.").format(value=label(item)))
        _refresh(ctx, item)

    @reg.command(
        "feedback",
        "status",
        help="Move an item through triage (triagers, moderators).",
        params=[
            Param("number", "int", positional=True, required=True, metavar="ID"),
            Param("status", "choice", positional=True, required=True, choices=rules.STATUSES),
            Param("comment", "text", metavar='"TEXT"', help="said publicly with the move"),
        ],
        permission="triage",
        examples=('feedback status 3 planned --comment "In the 2.1 milestone"',),
    )
    def feedback_status(ctx: Ctx, number: int, status: str, comment: str | None) -> None:
        item = _find(ctx, number, lock=True)
        try:
            rules.move(item.status, status)
        except rules.IllegalMove as exc:
            raise UserError(
                _("feedback {value}: {exc}").format(value=label(item), exc=exc)
            ) from None
        note = " ".join((comment or "").split())
        if len(note) > rules.MAX_COMMENT:
            raise UserError(
                _("the comment is longer than {MAX_COMMENT} characters").format(
                    MAX_COMMENT=rules.MAX_COMMENT
                )
            )
        before = item.status
        item.status, item.updated_at = status, ctx.now
        if status == "done":
            item.done_at = ctx.now
        ctx.db.add(item)
        _event(ctx, item, "status", **{"from": before, "to": status, "comment": note or None})
        ctx.audit("feedback.status", number=number, to=status)
        said = f"{rules.shown(before)} → {rules.shown(status)}"
        ctx.reply(
            _("📝 Feedback {value} is now {value2}").format(
                value=label(item), value2=rules.shown(status)
            )
            + (f": {note}" if note else ".")
        )
        _notify(
            ctx,
            item,
            _("📝 Feedback {value} ({value2}): {said}").format(
                value=label(item), value2=item.text[:80], said=said
            )
            + (f" — {note}" if note else "")
            + (f" {item.source_link}" if item.source_link else ""),
        )
        if status == "done" and item.source_channel and item.source_message:
            ctx.emit(
                Send(
                    Address(
                        ctx.community.platform,
                        ctx.community.workspace,
                        item.source_channel,
                        item.source_message,
                    ),
                    _("✅ This is done (feedback {value})").format(value=label(item))
                    + (f": {note}" if note else "."),
                    thread="force",
                )
            )
        _refresh(ctx, item)

    @reg.command(
        "feedback",
        "merge",
        help="Merge a duplicate into another item; its backers carry over (triagers).",
        params=[
            Param("number", "int", positional=True, required=True, metavar="ID"),
            Param("into", "int", positional=True, required=True, metavar="INTO_ID"),
        ],
        permission="triage",
        examples=("feedback merge 7 3",),
    )
    def feedback_merge(ctx: Ctx, number: int, into: int) -> None:
        if number == into:
            raise UserError(
                _("cannot merge #{number} into itself. Usage: {value}").format(
                    number=number, value=_usage(ctx, "merge")
                )
            )
        dup = _find(ctx, number, lock=True)
        target = _find(ctx, into, lock=True)
        for it in (dup, target):
            if it.status not in rules.OPEN:
                raise UserError(
                    _("feedback {value} is {status}; only open items merge").format(
                        value=label(it), status=it.status
                    )
                )
        result = rules.merge(_backer_ids(ctx, target), [*_backer_ids(ctx, dup), dup.submitter])
        for uid in sorted(result.added):
            _back(ctx, target, uid)
        dup.status, dup.merged_into, dup.updated_at = "duplicate", target.number, ctx.now
        ctx.db.add(dup)
        _event(ctx, dup, "merged", into=target.number)
        _event(ctx, target, "merged_from", number=dup.number, added=len(result.added))
        ctx.audit("feedback.merge", number=number, into=into)
        ctx.reply(
            _(
                "📝 Feedback {value} is merged into {value2}: {value3} backer(s) carried over, "
                "{backers} in all."
            ).format(
                value=label(dup),
                value2=label(target),
                value3=len(result.added),
                backers=target.backers,
            )
        )
        if dup.submitter != ctx.actor.user_id:
            ctx.dm(
                dup.submitter,
                _(
                    "📝 Your feedback {value} was merged into {value2} ({value3}); you back it now."
                ).format(value=label(dup), value2=label(target), value3=target.text[:80]),
            )
        _refresh(ctx, dup)
        _refresh(ctx, target)
        _maybe_rfc(ctx, target)

    @reg.command(
        "feedback",
        "priority",
        help="Set an item's priority (triagers).",
        params=[
            Param("number", "int", positional=True, required=True, metavar="ID"),
            Param("priority", "choice", positional=True, required=True, choices=rules.PRIORITIES),
        ],
        permission="triage",
        examples=("feedback priority 3 high",),
    )
    def feedback_priority(ctx: Ctx, number: int, priority: str) -> None:
        item = _find(ctx, number, lock=True)
        item.priority, item.updated_at = priority, ctx.now
        ctx.db.add(item)
        _event(ctx, item, "priority", to=priority)
        ctx.reply(
            _("📝 Feedback {value} has priority {priority}.").format(
                value=label(item), priority=priority_name(priority)
            )
        )
        _refresh(ctx, item)

    @reg.command(
        "feedback",
        "show",
        help="One feedback item: its text, status, backers and impact.",
        params=[Param("number", "int", positional=True, required=True, metavar="ID")],
        examples=("feedback show 3",),
    )
    def feedback_show(ctx: Ctx, number: int) -> None:
        item = _find(ctx, number)
        moves = rules.moves(item.status)
        lines = [
            _("📝 Feedback {value} [{category}] — {value2}").format(
                value=label(item), category=item.category, value2=rules.shown(item.status)
            ),
            item.text,
            _("From: {value}").format(value=_who(ctx, item)),
            _("Backers: {backers} · impact {value} (by role weight) · priority {priority}").format(
                backers=item.backers, value=impact(ctx, item), priority=priority_name(item.priority)
            ),
            _("Since {value}").format(value=format_when(item.created_at, ctx.zone))
            + (f" · {item.rfc}" if item.rfc else "")
            + (
                _(" · merged into #{merged_into}").format(merged_into=item.merged_into)
                if item.merged_into
                else ""
            )
            + (f" · {item.source_link}" if item.source_link else ""),
        ]
        if moves:
            lines.append(_("Moves now: ") + i18n.joined(list(moves)))
        ctx.private("\n".join(lines))

    @reg.command(
        "feedback",
        "list",
        help="Feedback items, newest first (or most backed with --top).",
        params=[
            Param("status", "choice", choices=rules.STATUSES),
            Param("category", metavar="CATEGORY"),
            Param("top", "flag", help="most backed first"),
            Param("mine", "flag", help="the items you sent or back"),
            Param("page", "int", metavar="N"),
        ],
        examples=("feedback list --status new --top",),
    )
    def feedback_list(
        ctx: Ctx, status: str | None, category: str | None, top: bool, mine: bool, page: int | None
    ) -> None:
        stmt = select(FeedbackItem).where(FeedbackItem.community_id == ctx.community.id)
        if status:
            stmt = stmt.where(FeedbackItem.status == status)
        if category:
            stmt = stmt.where(FeedbackItem.category == category.lower())
        if mine:
            backed = select(FeedbackBacker.item_id).where(
                FeedbackBacker.user_id == ctx.actor.user_id
            )
            stmt = stmt.where(
                (FeedbackItem.submitter == ctx.actor.user_id) | FeedbackItem.id.in_(backed)
            )
        total = ctx.db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        order = (
            (FeedbackItem.backers.desc(), FeedbackItem.number.desc())
            if top
            else (FeedbackItem.number.desc(),)
        )
        n = max(page or 1, 1)
        rows = list(
            ctx.db.execute(stmt.order_by(*order).offset((n - 1) * PAGE).limit(PAGE)).scalars()
        )
        if not rows:
            ctx.private(
                _("No feedback matches.") if n == 1 else _("There is no page {n}.").format(n=n)
            )
            return
        first = (n - 1) * PAGE + 1
        lines = [
            f"• #{i.number} [{i.category}] {rules.shown(i.status)} · 👍 {i.backers} · {i.text[:80]}"
            for i in rows
        ]
        more = (
            _(" (next: --page {value})").format(value=n + 1)
            if first + len(rows) - 1 < total
            else ""
        )
        ctx.private(
            _("📝 Showing {first}-{value} of {total}{more}:\n").format(
                first=first, value=first + len(rows) - 1, total=total, more=more
            )
            + "\n".join(lines)
        )

    @reg.command(
        "feedback", "stats", help="Feedback counts by status and category, and time to done."
    )
    def feedback_stats(ctx: Ctx) -> None:
        items = list(
            ctx.db.execute(
                select(FeedbackItem).where(FeedbackItem.community_id == ctx.community.id)
            ).scalars()
        )
        if not items:
            ctx.private(_("No feedback yet."))
            return
        by_status: dict[str, int] = {}
        by_cat: dict[str, int] = {}
        for i in items:
            by_status[i.status] = by_status.get(i.status, 0) + 1
            by_cat[i.category] = by_cat.get(i.category, 0) + 1
        days = [(i.done_at - i.created_at).total_seconds() / 86400 for i in items if i.done_at]
        median = (
            _("{value:.1f} days").format(value=statistics.median(days))
            if days
            else _("none done yet")
        )
        ctx.private(
            _("📊 {value} feedback items. By status: ").format(value=len(items))
            + ", ".join(f"{rules.shown(k)} {v}" for k, v in sorted(by_status.items()))
            + _(". By category: ")
            + ", ".join(f"{k} {v}" for k, v in sorted(by_cat.items()))
            + _(". Median time from new to done: {median}.").format(median=median)
        )

    @reg.command(
        "config",
        "feedback",
        help="Feedback categories, the RFC threshold, and where captures are answered.",
        params=[
            Param("categories", "list", metavar="a,b,c"),
            Param("rfc_threshold", "int", metavar="N", help="backers that make an RFC; 0: off"),
            Param("reply", "choice", choices=("thread", "private")),
        ],
        permission="moderator",
        examples=("config feedback --rfc-threshold 10 --reply private",),
    )
    def config_feedback(
        ctx: Ctx, categories: list[str] | None, rfc_threshold: int | None, reply: str | None
    ) -> None:
        usage = _("Usage: {usage}").format(usage=CONFIG_SYNTAX)
        s = _settings(ctx)
        if categories is not None:
            try:
                s["categories"] = list(rules.check_categories(categories))
            except ValueError as exc:
                raise UserError(_("{exc}. {usage}").format(exc=exc, usage=usage)) from None
        if rfc_threshold is not None:
            if not 0 <= rfc_threshold <= 100_000:
                raise UserError(
                    _("--rfc-threshold must be from 0 (off) to 100000. {usage}").format(usage=usage)
                )
            s["rfc_threshold"] = rfc_threshold or None
        if reply is not None:
            s["reply"] = reply
        if s == _settings(ctx):
            ctx.private(
                _(
                    "Feedback: categories {value}; RFC threshold {value2}; captures answered "
                    "{value3}."
                ).format(
                    value=", ".join(categories_of(s)),
                    value2=s.get("rfc_threshold") or _("off"),
                    value3=_("in the thread")
                    if s.get("reply", "thread") == "thread"
                    else _("privately"),
                )
            )
            return
        ctx.set_setting("feedback", s)
        ctx.audit("config.feedback", **s)
        ctx.reply(_("📝 Feedback settings saved."))

    reg.exporter("feedback")(export)
