"""Opening a vote (also for other capabilities: open_vote, start_from_args, START_PARAMS)
and casting one by button, reaction or command."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bot import changes, i18n
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, pgettext
from bot.model import ReactionChanged, Send
from bot.specs import Param
from bot.timeparse import (
    format_duration,
    format_when,
    parse_count_or_fraction,
    parse_duration,
)
from commands.votes import changes as vote_changes
from commands.votes import close as vote_close
from commands.votes import render as vote_render
from commands.votes import rules as vote_rules
from commands.votes import tally
from commands.votes.state import (
    BUILTIN_TYPES,
    DEFAULT_DURATION,
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    add_step,
    ballot_of,
    directory_roster,
    drop_ballot,
    lock_vote,
    put_ballot,
    quorum_text,
    require_open,
    rules_of,
    voted_ids,
    voter_key,
)
from storage import repos, role_tables
from storage.vote_tables import DecisionRecord, Vote

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=90)
TYPE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# Every /vote start option; `/rfc vote RFC [options]` reuses them as they are.
START_OPTIONS: tuple[Param, ...] = (
    Param("options", "list", help="the choices, comma separated", metavar="A,B,C"),
    Param(
        "kind",
        "choice",
        choices=vote_rules.KINDS,
        help="proposal (yes/no/abstain; the default), choice (one of the options), multi "
        "(several), ranked (in order of preference)",
    ),
    Param(
        "type",
        "text",
        metavar="TYPE",
        help="a vote type whose defaults apply: technical, governance, community, emergency, "
        "or one set in the config (/config show lists them)",
    ),
    Param(
        "rule",
        "text",
        metavar="simple|absolute|2/3|75%|unanimous",
        help="what a proposal needs to pass: more yes than no (simple, the default), more yes "
        "than half the eligible weight (absolute), a share of yes+no, or every vote",
    ),
    Param(
        "quorum",
        "count_or_fraction",
        metavar="N|P%",
        help="how many must vote (a number of voters, or a share of the eligible weight) "
        "for the result to count; default none",
    ),
    Param(
        "eligible",
        "role",
        many=True,
        metavar="ROLE",
        help="who may vote (one or more roles); default everyone in the channel",
    ),
    Param(
        "for",
        "duration",
        metavar="DURATION",
        help="how long it runs, 1 minute to 90 days: 90m, 72h, 3d, 1w; default 72h",
    ),
    Param(
        "until",
        "datetime",
        metavar="DATETIME",
        help='when it closes instead: "friday 17:00" (quote a value with a space), '
        "tomorrow 9am, 2026-12-01 (the end of that day); in the community's time zone",
    ),
    Param("secret", "flag", help="nobody sees who chose what"),
    Param("hide_results", "flag", help="no tally until the close"),
    Param("allow_block", "flag", help="one block (with a reason) defeats the proposal"),
    Param("max", "int", metavar="N", help="multi: at most N choices"),
    Param("method", "choice", choices=vote_rules.METHODS, help="ranked: schulze or irv"),
    Param("close_when_decided", "flag", help="close as soon as the outcome cannot change"),
)
START_PARAMS: tuple[Param, ...] = (
    Param(
        "question",
        positional=True,
        required=True,
        metavar='"QUESTION"',
        help="what is being decided, in quotes",
    ),
    *START_OPTIONS,
)


def _usage(ctx: Ctx, sub: str) -> str:
    spec = ctx.registry.find("vote", sub)
    return spec.short_usage(ctx.prefix) if spec else f"{ctx.prefix}vote {sub}"


def refuse(ctx: Ctx, sub: str, problem: str) -> UserError:
    return UserError(_("{problem}. Usage: {usage}").format(problem=problem, usage=_usage(ctx, sub)))


# ---------------------------------------------------------------- opening


def vote_types(ctx: Ctx) -> dict[str, dict[str, Any]]:
    configured = ctx.settings.get("vote_types") or {}
    names = {*BUILTIN_TYPES, *configured}
    return {n: {**BUILTIN_TYPES.get(n, {}), **configured.get(n, {})} for n in names}


def resolve_roles(ctx: Ctx, roles: list[str], sub: str) -> list[str]:
    """Roles as given, with voter-group names expanded to their bound roles. A role that no
    known member holds, no binding names and the platform does not list is refused as
    unknown (most likely a typo)."""
    bindings = repos.role_bindings(ctx.db, ctx.community.id or 0)
    held = {r for m in ctx.members() for r in m.roles}
    bound = {b.role for b in bindings} | set(role_tables.known(ctx.db, ctx.community.id or 0))
    out: list[str] = []
    for role in roles:
        group = [b.role for b in bindings if b.kind == "voter-group" and b.name == role.lower()]
        if group:
            out += group
        elif role in held or role in bound:
            out.append(role)
        else:
            raise refuse(ctx, sub, _("unknown role @{role}: nobody holds it").format(role=role))
    return sorted(set(out))


def _duration(ctx: Ctx, args: dict[str, Any], default: str) -> timedelta:
    given_for, until = args.get("for"), args.get("until")
    if given_for is not None and until is not None:
        raise refuse(ctx, "start", _("give --for or --until, not both"))
    if until is not None:
        if until <= ctx.now:
            raise refuse(
                ctx,
                "start",
                _("the deadline {when} is in the past").format(when=format_when(until, ctx.zone)),
            )
        span = until - ctx.now
    elif given_for is not None:
        span = given_for
    else:
        span = parse_duration(default)
    if span < MIN_DURATION or span > MAX_DURATION:
        raise refuse(
            ctx,
            "start",
            _("a vote runs from 1 minute to 90 days, not {span}").format(
                span=format_duration(span)
            ),
        )
    return span


def _options(ctx: Ctx, kind: str, given: list[str] | None) -> tuple[str, ...]:
    if kind == "proposal":
        if given:
            raise refuse(
                ctx,
                "start",
                _("a proposal's options are always yes, no and abstain; use --kind choice"),
            )
        return vote_rules.PROPOSAL_OPTIONS
    if not given:
        raise refuse(
            ctx,
            "start",
            _("a {kind} vote needs --options A,B,...").format(kind=pgettext("vote kind", kind)),
        )
    options = tuple(o.strip() for o in given)
    if any(not o for o in options):
        raise refuse(ctx, "start", _("an option is empty"))
    if len(options) > MAX_OPTIONS:
        raise refuse(
            ctx,
            "start",
            _("at most {max} options, not {n}").format(max=MAX_OPTIONS, n=len(options)),
        )
    long = next((o for o in options if len(o) > MAX_OPTION_LENGTH), None)
    if long:
        raise refuse(
            ctx,
            "start",
            _("option '{option}...' is longer than {max}").format(
                option=long[:20], max=MAX_OPTION_LENGTH
            ),
        )
    return options


def start_from_args(
    ctx: Ctx,
    args: dict[str, Any],
    *,
    rfc_id: int | None = None,
    thread_ref: str | None = None,
    channel: str | None = None,
) -> Vote:
    """Open a vote from parsed /vote start arguments (names as in START_PARAMS; "question"
    may also be a list of words). Raises UserError with a usage line on bad input; writes
    nothing then (the caller's transaction rolls back)."""
    question = args.get("question")
    if isinstance(question, list):
        question = " ".join(question)
    question = (question or "").strip()
    if not question:
        raise refuse(ctx, "start", _("the question is empty"))
    if len(question) > 300:
        raise refuse(ctx, "start", _("the question is longer than 300 characters"))

    types = vote_types(ctx)
    type_name = (args.get("type") or "").strip().lower() or None
    if type_name is not None and type_name not in types:
        raise refuse(
            ctx,
            "start",
            _("unknown vote type '{type}': use {types}").format(
                type=type_name, types=i18n.joined(sorted(types))
            ),
        )
    defaults = types.get(type_name or "", {})

    given_options = args.get("options")
    kind = args.get("kind") or ("choice" if given_options else "proposal")
    options = _options(ctx, kind, given_options)

    if args.get("rule") and kind != "proposal":
        raise refuse(
            ctx,
            "start",
            _("--rule applies to proposals; a {kind} vote counts its own way").format(
                kind=pgettext("vote kind", kind)
            ),
        )
    try:
        rule, threshold = vote_rules.parse_rule(
            args.get("rule") or defaults.get("rule") or "simple"
        )
    except vote_rules.RuleError as exc:
        raise refuse(ctx, "start", str(exc)) from None
    if kind != "proposal":
        rule, threshold = "simple", None

    quorum = args.get("quorum")
    if quorum is None and defaults.get("quorum"):
        quorum = parse_count_or_fraction(str(defaults["quorum"]))

    for flag, only in (("max", "multi"), ("method", "ranked"), ("allow_block", "proposal")):
        if args.get(flag) and kind != only:
            name = "--" + flag.replace("_", "-")
            raise refuse(
                ctx,
                "start",
                _("{option} only applies to a {kind} vote").format(
                    option=name, kind=pgettext("vote kind", only)
                ),
            )

    roles = args.get("eligible") or list(defaults.get("eligible") or [])
    eligible = resolve_roles(ctx, list(roles), "start") if roles else []
    span = _duration(ctx, args, str(defaults.get("duration") or DEFAULT_DURATION))

    if channel is None:
        if ctx.is_direct:
            channel = ctx.channel_for("votes")
            if channel is None:
                raise refuse(ctx, "start", _("start votes in a channel (no votes channel is set)"))
        else:
            channel = ctx.address.channel

    try:
        rules = vote_rules.Rules(
            kind=kind,
            options=options,
            rule=rule,
            threshold=threshold,
            quorum=quorum,
            allow_block=bool(args.get("allow_block")),
            max_choices=args.get("max"),
            method=args.get("method") or "schulze",
        )
    except vote_rules.RuleError as exc:
        raise refuse(ctx, "start", str(exc)) from None

    vote = Vote(
        community_id=ctx.community.id or 0,
        channel=channel,
        question=question,
        kind=kind,
        options=list(rules.options),
        vote_type=type_name,
        rule=rule,
        threshold=f"{threshold.numerator}/{threshold.denominator}" if threshold else None,
        quorum=quorum_text(quorum),
        eligible_roles=eligible,
        method=rules.method,
        max_choices=args.get("max"),
        secret=bool(args.get("secret")),
        hide_results=bool(args.get("hide_results")),
        allow_block=bool(args.get("allow_block")),
        close_when_decided=bool(args.get("close_when_decided")),
        status="open",
        created_by=ctx.actor.user_id,
        created_by_display=ctx.actor.display,
        opened_at=ctx.now,
        closes_at=ctx.now + span,
        rfc_id=rfc_id,
        thread_ref=thread_ref,
        timeline=[],
    )
    members = directory_roster(ctx, vote)
    try:
        vote_rules.check_rules(rules, members or None)
    except vote_rules.RuleError as exc:
        raise refuse(ctx, "start", str(exc)) from None
    if vote.close_when_decided and not members:
        raise refuse(ctx, "start", _("--close-when-decided needs a known list of eligible voters"))
    if vote.secret:
        vote.secret_key = secrets.token_hex(32)
    ctx.db.add(vote)
    ctx.db.flush()
    # Eligibility and weights are fixed now: nobody gains a vote by a role given mid-vote.
    tally.freeze(ctx, vote, members)
    add_step(ctx, vote, "opened", closes_at=vote.closes_at.isoformat())
    with ctx.public():
        edit = vote_close.message_for(ctx, vote)
    ctx.post(
        channel,
        edit.text,
        card=edit.card,
        choices=edit.choices,
        ref=f"vote:{vote.id}",
        thread_ref=thread_ref,
    )
    vote_close.schedule(ctx, vote)
    ctx.audit("vote.start", vote_id=vote.id, question=question, kind=kind, channel=channel)
    if ctx.is_direct or channel != ctx.address.channel:
        ctx.private(
            _("✅ Vote #{id} is open in #{channel} until {when}.").format(
                id=vote.id, channel=channel, when=format_when(vote.closes_at, ctx.zone)
            )
        )
    return vote


def open_vote(
    ctx: Ctx,
    *,
    question: str,
    rfc_id: int | None = None,
    thread_ref: str | None = None,
    channel: str | None = None,
    **options: Any,
) -> Vote:
    """Open a vote from code. `options` are START_OPTIONS names with parsed values, e.g.
    open_vote(ctx, question="Adopt RFC 4?", rule="2/3", **{"for": timedelta(days=3)})."""
    return start_from_args(
        ctx,
        {"question": question, **options},
        rfc_id=rfc_id,
        thread_ref=thread_ref,
        channel=channel,
    )


# ---------------------------------------------------------------- casting


def _private_receipt(ctx: Ctx, vote: Vote, text: str) -> None:
    # Secret receipts carry a ref so the close can find and erase their text in the outbox.
    ref = vote_close.receipt_ref(vote) if vote.secret else None
    if ctx.is_direct:
        ctx.emit(Send(ctx.address, text, ref=ref))
    else:
        ctx.emit(
            Send(ctx.address, text, visibility="ephemeral", recipient=ctx.actor.user_id, ref=ref)
        )


def in_cast_order(ctx: Ctx, vote: Vote, op: dict[str, Any]) -> bool:
    """Record the voter's change; True if it is their newest, so it applies as it stands.
    Otherwise it arrived late: the ballot becomes the fold of all their changes in cast
    order (without a receipt, which would confirm something they did not just do)."""
    recorded = changes.record(ctx, f"vote:{vote.id}", voter_key(vote, ctx.actor.user_id), op)
    if recorded.latest:
        return True
    standing = vote_changes.fold(recorded.ops)
    current = ballot_of(ctx, vote, ctx.actor.user_id)
    if not standing.choices:
        if current is not None:
            row = tally.totals_row(ctx, vote)
            old = drop_ballot(ctx, vote, ctx.actor.user_id)
            if old is not None:
                tally.move(ctx, vote, row, old, None)
            vote_close.refresh(ctx, vote)
        return False
    if current is None or tuple(current.choices) != standing.choices:
        apply_ballot(ctx, vote, list(standing.choices), standing.reason, record=False, quiet=True)
    return False


def apply_ballot(
    ctx: Ctx,
    vote: Vote,
    choices: list[str],
    reason: str | None,
    sub: str = "cast",
    *,
    record: bool = True,
    quiet: bool = False,
) -> None:
    require_open(ctx, vote)
    # A ballot cast before the deadline counts even if it reached us after it (a platform
    # retry, or the inbox replaying after a restart), as long as the vote is not closed.
    if changes.cast_at(ctx) >= vote.closes_at:
        raise UserError(
            _("voting on #{id} has ended; the result follows shortly").format(id=vote.id)
        )
    if vote.secret and not ctx.is_direct:
        raise UserError(
            _("vote #{id} is secret: cast it in a direct message to me with `{command}`").format(
                id=vote.id,
                command=f"{ctx.prefix}vote cast {vote.id} {pgettext('metavar', 'OPTION')}",
            )
        )
    row = tally.totals_row(ctx, vote)
    weight = tally.weight_if_eligible(ctx, vote, row, ctx.actor.user_id)
    if weight is None:
        raise UserError(
            _("you are not eligible to vote on #{id} ({who})").format(
                id=vote.id, who=vote_render.eligibility_line(vote)
            )
        )
    rules = rules_of(vote)
    try:
        clean = vote_rules.validate_ballot(rules, choices, reason)
    except vote_rules.BallotError as exc:
        raise refuse(ctx, sub, str(exc)) from None
    if record and not in_cast_order(ctx, vote, vote_changes.set_op(clean, reason)):
        return
    kept_reason = reason if clean[0] == "block" else None
    old = put_ballot(ctx, vote, ctx.actor.user_id, clean, weight, kept_reason)
    tally.move(ctx, vote, row, old, (clean, weight))
    if not quiet:
        receipt = vote_render.receipt(vote, clean, weight, vote.closes_at, ctx.zone)
        _private_receipt(ctx, vote, receipt)
    after_ballot(ctx, vote)


def after_ballot(ctx: Ctx, vote: Vote) -> None:
    if vote.close_when_decided and tally.decided(ctx, vote, tally.totals_row(ctx, vote)):
        vote_close.close_vote(ctx, vote, by=_("Moot (decided early)"), why="decided")
        return
    vote_close.refresh(ctx, vote)


def retract(ctx: Ctx, vote: Vote, *, record: bool = True) -> None:
    require_open(ctx, vote)
    if vote.secret and not ctx.is_direct:
        raise UserError(
            _("vote #{id} is secret: retract in a direct message to me").format(id=vote.id)
        )
    if record and not in_cast_order(ctx, vote, vote_changes.CLEAR):
        return
    row = tally.totals_row(ctx, vote)
    old = drop_ballot(ctx, vote, ctx.actor.user_id)
    if old is None:
        if record:
            # Kept, not refused: a ballot cast before this retraction may still arrive, and
            # must then be withdrawn by it.
            ctx.private(_("You have no vote on #{id} to retract.").format(id=vote.id))
            return
        raise UserError(_("you have no vote on #{id} to retract").format(id=vote.id))
    tally.move(ctx, vote, row, old, None)
    ctx.private(_("↩️ Your vote on #{id} is withdrawn.").format(id=vote.id))
    vote_close.refresh(ctx, vote)


def on_button(ctx: Ctx, value: str, added: bool) -> None:
    """A press of a vote button, or a reaction matching one (added False: reaction removed)."""
    vote_id, _sep, option = value.partition(":")
    if not vote_id.isdigit():
        return
    vote = lock_vote(ctx, int(vote_id))
    if vote.status != "open":
        if added:
            raise UserError(
                _("vote #{id} is {status}").format(
                    id=vote.id, status=pgettext("vote status", vote.status)
                )
            )
        return
    if option == vote_rules.BLOCK:
        if added:
            ctx.private(
                _("A block needs a reason: `{command}`").format(
                    command=f"{ctx.prefix}vote cast {vote.id} block {pgettext('metavar', 'REASON')}"
                )
            )
        return
    reaction = isinstance(ctx.event, ReactionChanged)
    if vote.kind == "multi":
        op = ("add" if added else "remove") if reaction else "toggle"
        change = vote_changes.one_op(op, option)
    else:
        change = vote_changes.set_op([option]) if added else vote_changes.one_op("unset", option)
    if not in_cast_order(ctx, vote, change):
        return
    current = ballot_of(ctx, vote, ctx.actor.user_id)
    mine = list(current.choices) if current else []
    if vote.kind == "multi":
        if (reaction and added) or (not reaction and option not in mine):
            wanted = [*mine, option] if option not in mine else mine
        else:
            wanted = [c for c in mine if c != option]
        if wanted == mine and reaction:
            return
        if not wanted:
            retract(ctx, vote, record=False)
            return
        apply_ballot(ctx, vote, wanted, None, record=False)
        return
    if not added:
        if mine == [option]:
            retract(ctx, vote, record=False)
        return
    apply_ballot(ctx, vote, [option], None, record=False)


# ---------------------------------------------------------------- the other commands


def creator_or_moderator(ctx: Ctx, vote: Vote, what: str) -> None:
    if ctx.actor.user_id != vote.created_by and not ctx.is_moderator():
        raise UserError(
            _("only the person who started vote #{id} or a moderator may {what} it").format(
                id=vote.id, what=pgettext("vote action", what)
            )
        )


def close_early(ctx: Ctx, vote: Vote) -> None:
    """`/vote close`: a moderator may close a vote at any time. Its starter may close it
    before the deadline only once the outcome can no longer change (as
    --close-when-decided computes it), or cancel it; otherwise one person could decide a
    vote by closing it after a friend's ballot. The record says who closed it and why."""
    creator_or_moderator(ctx, vote, "close")
    if ctx.is_moderator():
        why = _("closed by a moderator")
    elif ctx.now >= vote.closes_at:
        why = _("closed by its starter after the deadline")
    elif tally.decided(ctx, vote, tally.totals_row(ctx, vote)):
        why = _("closed by its starter: the outcome could no longer change")
    else:
        raise UserError(
            _(
                "vote #{id} can still go either way, so before its deadline only a moderator "
                "may close it; you may cancel it: `{command}`"
            ).format(
                id=vote.id,
                command=f"{ctx.prefix}vote cancel {vote.id} --reason {pgettext('metavar', 'TEXT')}",
            )
        )
    vote_close.close_vote(ctx, vote, by=ctx.actor.display, why=why)


def roster_text(ctx: Ctx, vote: Vote, refresh: bool) -> str:
    """`/vote roster ID [--refresh]`: the frozen roster's size, weight and hash; a moderator
    may take it again from the directory while no ballot has been cast."""
    row = tally.totals_row(ctx, vote)
    if refresh:
        require_open(ctx, vote)
        if not ctx.is_moderator():
            raise refuse(ctx, "roster", _("only a moderator may refresh a vote's roster"))
        if row.ballots or voted_ids(ctx, vote):
            raise refuse(
                ctx,
                "roster",
                _("vote #{id} has ballots: its roster stays as it opened").format(id=vote.id),
            )
        members = directory_roster(ctx, vote)
        try:
            vote_rules.check_rules(rules_of(vote), members or None)
        except vote_rules.RuleError as exc:
            raise refuse(ctx, "roster", str(exc)) from None
        before = row.roster_hash
        row = tally.refreeze(ctx, vote)
        add_step(ctx, vote, "roster refreshed", before=before, roster_hash=row.roster_hash)
        ctx.audit("vote.roster", vote_id=vote.id, size=row.roster_size, hash=row.roster_hash)
        vote_close.refresh(ctx, vote)
    if not row.roster_size:
        return _(
            "Vote #{id} has no frozen roster (nobody eligible was known when it opened): "
            "whoever is {who} when they vote may vote."
        ).format(id=vote.id, who=vote_render.eligibility_line(vote))
    weight = vote_rules.format_number(Fraction(row.roster_weight))
    text = (
        _("Vote #{id} roster (refreshed): {n} eligible, total weight {weight}, sha256 {hash}")
        if refresh
        else _("Vote #{id} roster (frozen): {n} eligible, total weight {weight}, sha256 {hash}")
    )
    return text.format(
        id=vote.id, n=row.roster_size, weight=weight, hash=tally.current_hash(ctx, vote, row)
    )


def show_text(ctx: Ctx, vote: Vote) -> str:
    edit = vote_close.message_for(ctx, vote)
    lines = [edit.text]
    if edit.card:
        lines += [f"{k}: {v}" for k, v in edit.card.fields]
    if vote.status != "open":
        record = ctx.db.execute(
            select(DecisionRecord).where(DecisionRecord.vote_id == vote.id)
        ).scalar_one_or_none()
        if record is not None:
            lines.append(record.data.get("result_text", ""))
    elif not vote.secret:
        mine = ballot_of(ctx, vote, ctx.actor.user_id)
        if mine is not None:
            shown = ", ".join(vote_render.option_label(c) for c in mine.choices)
            lines.append(_("Your vote: {choices}").format(choices=shown))
    elif ctx.actor.user_id in voted_ids(ctx, vote):
        lines.append(_("You have voted (secret ballot)."))
    return "\n".join(lines)
