"""/vote: timed votes. The commands are declared here; opening and casting are flow,
counting is rules, closing and reminders are close, the words are render."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bot import i18n, paging, zhparse
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, ngettext, pgettext
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import (
    TimeParseError,
    compact_duration,
    format_duration,
    format_when,
    mark_when,
    parse_duration,
)
from commands.votes import close as vote_close
from commands.votes import rules as vote_rules
from commands.votes.flow import (
    MAX_DURATION,
    MIN_DURATION,
    START_OPTIONS,
    START_PARAMS,
    TYPE_NAME,
    apply_ballot,
    close_early,
    creator_or_moderator,
    on_button,
    open_vote,
    refuse,
    resolve_roles,
    retract,
    roster_text,
    show_text,
    start_from_args,
)
from commands.votes.render import outcome_label
from commands.votes.state import (
    Participation,
    add_step,
    find_vote,
    lock_vote,
    participation,
    quorum_text,
    require_open,
    voted_ids,
)
from storage.vote_tables import DecisionRecord, Vote

# The public surface other capabilities may use (RFCs open their votes through it); the
# submodules are this package's own.
__all__ = [
    "START_OPTIONS",
    "Participation",
    "open_vote",
    "participation",
    "register",
    "start_from_args",
]


# The earliest a reminder may go out before a close (a vote runs at most 90 days).
REMINDER_MAX = timedelta(days=30)


def outcome_words(ctx: Ctx, vote: Vote) -> str:
    """A closed vote's outcome as people say it: a choice or ranked vote names its winner
    ("won by Red") instead of "passed"."""
    if vote.kind == "proposal" or vote.outcome != vote_rules.PASSED:
        if vote.outcome:
            return pgettext("outcome", vote.outcome)
        return pgettext("vote status", vote.status)
    record = ctx.db.execute(
        select(DecisionRecord).where(DecisionRecord.vote_id == vote.id)
    ).scalar_one_or_none()
    winners = list((record.data if record else {}).get("winners") or [])
    return outcome_label(vote.kind, vote.outcome, winners) if winners else _("decided")


def register(reg: Registry) -> None:
    reg.summary("vote", "timed votes with rules, quorum, weights and secret ballots")

    @reg.command(
        "vote",
        "start",
        help="Open a timed vote (a yes/no/abstain proposal unless --options are given).",
        params=START_PARAMS,
        examples=(
            'vote start "Adopt v2?" --for 72h',
            'vote start "Logo?" --options Red,Green,Blue --secret --for 3d',
            'vote start "Rank the talks" --kind ranked --options A,B,C --until "friday 17:00"',
        ),
    )
    def vote_start(ctx: Ctx, **args: Any) -> None:
        start_from_args(ctx, args)

    @reg.command(
        "vote",
        "cast",
        help="Cast or change your vote (multi: A,B; block needs a reason).",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("option", positional=True, required=True),
            Param("reason", positional=True, rest=True),
        ],
        examples=("vote cast 3 yes", "vote cast 4 Red,Blue", "vote cast 3 block breaks the API"),
    )
    def vote_cast(ctx: Ctx, id: int, option: str, reason: str | None) -> None:
        vote = lock_vote(ctx, id)
        if vote.kind == "proposal":  # 赞成/反对/弃权 beside yes/no/abstain
            option = zhparse.choice(option, (*vote_rules.PROPOSAL_OPTIONS, "block")) or option
        choices = option.split(",") if vote.kind in ("multi", "ranked") else [option]
        if reason and not (vote.kind == "proposal" and option.strip().lower() == "block"):
            raise refuse(
                ctx,
                "cast",
                _("unexpected '{text}' (only a block takes a reason)").format(text=reason),
            )
        apply_ballot(ctx, vote, choices, reason)

    @reg.command(
        "vote",
        "rank",
        help="Rank the options of a ranked vote, best first.",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("ranking", positional=True, required=True, many=True, metavar="OPTION"),
        ],
        examples=("vote rank 5 B A C",),
    )
    def vote_rank(ctx: Ctx, id: int, ranking: list[str]) -> None:
        vote = lock_vote(ctx, id)
        if vote.kind != "ranked":
            raise refuse(
                ctx,
                "rank",
                _("vote #{id} is not ranked; use {command}").format(
                    id=id, command=f"{ctx.prefix}vote cast"
                ),
            )
        apply_ballot(ctx, vote, ranking, None, sub="rank")

    @reg.command(
        "vote",
        "retract",
        help="Withdraw your vote.",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def vote_retract(ctx: Ctx, id: int) -> None:
        retract(ctx, lock_vote(ctx, id))

    @reg.command(
        "vote",
        "show",
        help="Show a vote, its tally (unless hidden) and your vote.",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def vote_show(ctx: Ctx, id: int) -> None:
        ctx.private(show_text(ctx, find_vote(ctx, id)))

    @reg.command(
        "vote",
        "roster",
        help="Show who may vote (size, weight, hash), fixed when the vote opened; "
        "--refresh takes it again (moderators, before any ballot).",
        params=[Param("id", "int", positional=True, required=True), Param("refresh", "flag")],
        examples=("vote roster 3", "vote roster 3 --refresh"),
    )
    def vote_roster(ctx: Ctx, id: int, refresh: bool) -> None:
        ctx.private(roster_text(ctx, lock_vote(ctx, id), refresh))

    @reg.command(
        "vote",
        "list",
        help="List votes, newest first.",
        params=[
            Param("open", "flag", help="only open votes"),
            Param("closed", "flag", help="only closed or cancelled votes"),
            paging.PAGE_PARAM,
        ],
    )
    def vote_list(ctx: Ctx, open: bool, closed: bool, page: int | None) -> None:
        paging.check(page)
        stmt = select(Vote).where(Vote.community_id == ctx.community.id).order_by(Vote.id.desc())
        if open and not closed:
            stmt = stmt.where(Vote.status == "open")
        elif closed and not open:
            stmt = stmt.where(Vote.status != "open")
        rows, total = paging.page(ctx.db, stmt, page)
        if not total:
            ctx.private(_("No votes yet.") if not (open or closed) else _("No votes match."))
            return
        lines = []
        for v in rows:
            n = len(voted_ids(ctx, v))
            voted = ngettext("{n} voter", "{n} voters", n).format(n=n)
            if v.status == "open":
                lines.append(
                    _("#{id} {question} (open until {when}, {voted} so far)").format(
                        id=v.id,
                        question=v.question,
                        when=format_when(v.closes_at, ctx.zone),
                        voted=voted,
                    )
                )
            elif v.status == "cancelled":
                lines.append(_("#{id} {question} (cancelled)").format(id=v.id, question=v.question))
            else:
                lines.append(
                    _("#{id} {question} ({outcome}, {voted})").format(
                        id=v.id, question=v.question, outcome=outcome_words(ctx, v), voted=voted
                    )
                )
        more = paging.note(total, page, len(rows), f"{ctx.prefix}vote list")
        ctx.private("\n".join([*lines, more] if more else lines))

    @reg.command(
        "vote",
        "close",
        help="Close a vote now (a moderator; its starter once the outcome cannot change).",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def vote_close_cmd(ctx: Ctx, id: int) -> None:
        vote = lock_vote(ctx, id)
        require_open(ctx, vote)
        close_early(ctx, vote)
        ctx.audit("vote.close", vote_id=id)

    @reg.command(
        "vote",
        "cancel",
        help="Cancel a vote; it is recorded as cancelled (its starter or a moderator).",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("reason", "text", required=True, metavar="TEXT"),
        ],
    )
    def vote_cancel(ctx: Ctx, id: int, reason: str) -> None:
        vote = lock_vote(ctx, id)
        require_open(ctx, vote)
        creator_or_moderator(ctx, vote, "cancel")
        if not reason.strip():
            raise refuse(ctx, "cancel", _("the reason is empty"))
        vote_close.close_vote(
            ctx, vote, by=ctx.actor.display, cancelled=True, reason=reason, why="cancelled"
        )
        ctx.audit("vote.cancel", vote_id=id, reason=reason)

    @reg.command(
        "vote",
        "extend",
        help="Move a vote's deadline (and its reminders) later by DURATION.",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("by", "duration", positional=True, required=True, metavar="DURATION"),
        ],
        examples=("vote extend 3 24h",),
    )
    def vote_extend(ctx: Ctx, id: int, by: timedelta) -> None:
        vote = lock_vote(ctx, id)
        require_open(ctx, vote)
        creator_or_moderator(ctx, vote, "extend")
        new = vote.closes_at + by
        if new - ctx.now > MAX_DURATION:
            raise refuse(ctx, "extend", _("a vote cannot run more than 90 days from now"))
        before = vote.closes_at
        vote.closes_at = new
        add_step(ctx, vote, "extended", closes_at=new.isoformat(), before=before.isoformat())
        vote_close.schedule(ctx, vote)
        ctx.audit("vote.extend", vote_id=id, closes_at=new.isoformat(), before=before.isoformat())
        with ctx.public():
            text = _("⏳ Vote #{id} now closes {when} (extended by {who}).").format(
                id=vote.id, when=mark_when(new, ctx.zone), who=ctx.actor.display
            )
        ctx.post(vote.channel, text, thread_ref=f"vote:{vote.id}")
        vote_close.refresh(ctx, vote)

    @reg.command(
        "vote",
        "remind",
        help="Remind those who have not voted yet (moderators).",
        params=[Param("id", "int", positional=True, required=True)],
        permission="moderator",
    )
    def vote_remind(ctx: Ctx, id: int) -> None:
        vote = find_vote(ctx, id)
        require_open(ctx, vote)
        n = vote_close.send_reminder(ctx, vote)
        ctx.audit("vote.remind", vote_id=id, reminded=n)
        ctx.private(_("✅ Reminder sent for vote #{id} ({n}).").format(id=id, n=n))

    @reg.command(
        "config",
        "vote-type",
        help="Set the defaults of a vote type (rule, quorum, eligible roles, duration).",
        params=[
            Param("name", positional=True, required=True, metavar="TYPE"),
            Param("rule", "text", metavar="simple|absolute|2/3|75%|unanimous"),
            Param("quorum", "count_or_fraction", metavar="N|P%"),
            Param("eligible", "role", many=True, metavar="ROLE"),
            Param("duration", "duration", metavar="DURATION"),
        ],
        permission="moderator",
        examples=("config vote-type governance --rule 2/3 --quorum 50% --eligible @members",),
    )
    def config_vote_type(
        ctx: Ctx,
        name: str,
        rule: str | None,
        quorum: int | Fraction | None,
        eligible: list[str],
        duration: timedelta | None,
    ) -> None:
        usage = (
            f"{ctx.prefix}config vote-type TYPE [--rule R] [--quorum Q] "
            "[--eligible ROLE ...] [--duration D]"
        )
        name = name.lower()
        if not TYPE_NAME.match(name):
            raise UserError(
                _("'{name}' is not a type name (letters, digits, - and _). Usage: {usage}").format(
                    name=name, usage=usage
                )
            )
        if rule is None and quorum is None and not eligible and duration is None:
            raise UserError(
                _("nothing to set for {name}. Usage: {usage}").format(name=name, usage=usage)
            )
        entry = dict((ctx.settings.get("vote_types") or {}).get(name, {}))
        if rule is not None:
            try:
                code, threshold = vote_rules.parse_rule(rule)
            except vote_rules.RuleError as exc:
                raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
            entry["rule"] = (
                code if threshold is None else f"{threshold.numerator}/{threshold.denominator}"
            )
        if quorum is not None:
            entry["quorum"] = quorum_text(quorum) if isinstance(quorum, Fraction) else str(quorum)
        if eligible:
            try:
                entry["eligible"] = resolve_roles(ctx, eligible, "start")
            except UserError:
                raise UserError(
                    _("unknown role among {value}. Usage: {usage}").format(
                        value=", ".join(eligible), usage=usage
                    )
                ) from None
        if duration is not None:
            if duration < MIN_DURATION or duration > MAX_DURATION:
                raise UserError(
                    _("a vote runs from 1 minute to 90 days. Usage: {usage}").format(usage=usage)
                )
            entry["duration"] = compact_duration(duration)
        types = {**(ctx.settings.get("vote_types") or {}), name: entry}
        ctx.set_setting("vote_types", types)
        ctx.audit("config.vote-type", name=name, **entry)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(entry.items()))
        ctx.private(_("✅ Vote type {name}: {shown}.").format(name=name, shown=shown))

    @reg.command(
        "config",
        "vote-reminders",
        help="When non-voters are reminded before a vote closes (for votes opened from now on).",
        params=[
            Param(
                "offsets",
                "list",
                positional=True,
                required=True,
                metavar="24h,1h",
                help="up to 5 spans before the close, each 1 minute to 30 days; default 24h,1h",
            )
        ],
        permission="moderator",
        examples=("config vote-reminders 48h,2h",),
    )
    def config_vote_reminders(ctx: Ctx, offsets: list[str]) -> None:
        usage = f"{ctx.prefix}config vote-reminders 24h,1h"
        spans: list[timedelta] = []
        for raw in offsets:
            try:
                span = parse_duration(raw)
            except TimeParseError as exc:
                raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
            if not MIN_DURATION <= span <= REMINDER_MAX:
                raise UserError(
                    _("a reminder is 1 minute to 30 days before the close. Usage: {usage}").format(
                        usage=usage
                    )
                )
            spans.append(span)
        spans = sorted(set(spans), reverse=True)
        if not 1 <= len(spans) <= 5:
            raise UserError(_("give 1 to 5 reminder times. Usage: {usage}").format(usage=usage))
        stored = [compact_duration(x) for x in spans]
        before = ctx.settings.get("vote_reminders")
        ctx.set_setting("vote_reminders", stored)
        ctx.audit("config.vote-reminders", offsets=stored, before=before)
        ctx.private(
            _("✅ Votes opened from now on remind non-voters {value} before they close.").format(
                value=i18n.joined([format_duration(x) for x in spans])
            )
        )

    @reg.command(
        "config",
        "weight",
        help="Give a role's holders N votes' weight (a voter counts with their largest).",
        params=[
            Param("role", "role", positional=True, required=True),
            Param("weight", "int", positional=True, required=True, metavar="N"),
        ],
        permission="moderator",
        examples=("config weight @maintainers 2",),
    )
    def config_weight(ctx: Ctx, role: str, weight: int) -> None:
        if not 1 <= weight <= 1000:
            raise UserError(
                _(
                    "a weight is a whole number from 1 to 1000, not {weight}. "
                    "Usage: {prefix}config weight ROLE N"
                ).format(weight=weight, prefix=ctx.prefix)
            )
        weights = {**(ctx.settings.get("weights") or {}), role: weight}
        ctx.set_setting("weights", weights)
        ctx.audit("config.weight", role=role, weight=weight)
        ctx.private(
            _("✅ Holders of @{role} now vote with weight {weight}.").format(
                role=role, weight=weight
            )
        )

    reg.action("vote.cast")(on_button)

    @reg.reaction("vote")
    def on_other_reaction(ctx: Ctx, ref: str, key: str, added: bool) -> None:
        """A reaction that is no choice. On a secret vote every reaction is one of these
        (its message has no choices, since a reaction is public): say where to vote."""
        vote_id = ref.partition(":")[2]
        if not added or not vote_id.isdigit():
            return
        vote = ctx.db.get(Vote, int(vote_id))
        if vote is None or vote.community_id != ctx.community.id or vote.status != "open":
            return
        if vote.secret:
            ctx.private(
                _(
                    "Vote #{id} is secret, so reactions do not count (everyone can see them). "
                    "Cast it in a direct message to me: `{command}`."
                ).format(id=vote.id, command=f"{ctx.prefix}vote cast {vote.id} OPTION")
            )

    reg.live_card("vote")(vote_close.live_card)
    reg.due_kind("vote.close")(vote_close.on_close_due)
    reg.due_kind("vote.remind")(vote_close.on_remind_due)
    reg.due_prefetch["vote.close"] = reg.due_prefetch["vote.remind"] = vote_close.prefetch_due
    reg.due_kind("vote.scrub")(vote_close.on_scrub_due)

    reg.demo.extend(
        [
            "# Votes: a proposal in #votes, decided by buttons and reactions.",
            "channel #votes",
            '@alice /vote start "Adopt the v2 API?" --for 72h',
            "@bob click /Adopt the v2 API/ yes",
            "@carol react /Adopt the v2 API/ 👎",
            "@dave click /Adopt the v2 API/ yes",
            "@carol click /Adopt the v2 API/ yes",
            "# A day before the close, whoever has not voted gets one reminder by DM.",
            "advance 48h",
            "expect /closes in 24 hours/",
            "@alice click /Vote #1: Adopt/ yes",
            "advance 24h",
            "expect /closed: \\*\\*passed\\*\\*/",
            "# A ranked vote: people order the options; Schulze finds the winner.",
            '@alice /vote start "Which talk opens the meetup?" --kind ranked '
            "--options Rust,Python,Go --for 1h",
            "@bob /vote rank 2 Python Rust Go",
            "@carol /vote rank 2 Rust Python Go",
            "@dave /vote rank 2 Python Go Rust",
            "advance 1h",
            "expect /won by Python/",
            "# A secret vote: ballots are cast by DM, and nobody can see who chose what.",
            '@alice /vote start "Who hosts next month?" --options Berlin,Lisbon --secret --for 1h',
            "@bob dm /vote cast 3 Lisbon",
            "@carol dm /vote cast 3 Lisbon",
            "@dave dm /vote cast 3 Berlin",
            "advance 1h",
            "expect /won by Lisbon/",
            "@alice /decisions list",
        ]
    )
