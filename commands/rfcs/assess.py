"""`/rfc assess`, `/rfc meta`, `/rfc temperature`: decision support. This module gathers the
RFC's recorded state into `scores.Inputs`, renders the assessment, and keeps the temperature
checks; the arithmetic is `scores` (pure)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import N_, _, joined, ngettext, pgettext
from bot.model import Card, Choice
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_duration, format_when
from commands.rfcs import scores
from commands.rfcs.flow import announce
from commands.rfcs.render import facts_shown
from commands.rfcs.state import add_event, find, label, lock, ref_of, snapshot
from commands.votes import participation
from storage.rfc_assess_tables import RfcMeta, RfcTemperature, RfcTemperatureAnswer
from storage.rfc_tables import Rfc, RfcComment
from storage.vote_tables import DecisionRecord

TEMPERATURE_DEFAULT = timedelta(hours=48)
TEMPERATURE_MIN = timedelta(minutes=10)
TEMPERATURE_MAX = timedelta(days=14)
ANSWERS = {"up": "👍", "unsure": "👀", "down": "👎"}
ANSWER_LABEL = {"up": N_("support"), "unsure": N_("unsure"), "down": N_("against")}
# How many names a message lists before "and N more".
NAMES_SHOWN = 10
DECIDED = ("accepted", "rejected")


@dataclass(frozen=True)
class Stakeholders:
    reviewed: tuple[str, ...]
    not_reviewed: tuple[str, ...]
    concern_raisers: tuple[str, ...]
    by_role: tuple[tuple[str, int, int], ...]  # role, heard from, holders
    not_heard: tuple[str, ...]  # eligible voters of the linked vote not heard from at all


# ---------------------------------------------------------------- gathering


def weights(ctx: Ctx) -> dict[str, dict[str, float]]:
    return scores.check_weights(ctx.settings.get("assess_weights") or {})


def _meta(ctx: Ctx, rfc: Rfc) -> RfcMeta | None:
    return ctx.db.execute(select(RfcMeta).where(RfcMeta.rfc_id == rfc.id)).scalar_one_or_none()


def _temperatures(ctx: Ctx, rfc: Rfc) -> list[RfcTemperature]:
    return list(
        ctx.db.execute(
            select(RfcTemperature)
            .where(RfcTemperature.rfc_id == rfc.id)
            .order_by(RfcTemperature.id)
        ).scalars()
    )


def gather(ctx: Ctx, rfc: Rfc) -> tuple[scores.Inputs, Stakeholders]:
    snap = snapshot(ctx.db, rfc)
    reviewed = [r for r in snap.reviews if r.verdict]
    requested = [r for r in snap.reviews if r.requested]
    open_c = len(snap.open_concerns)
    meta = _meta(ctx, rfc)
    temps = _temperatures(ctx, rfc)
    latest = temps[-1] if temps else None
    part = participation(ctx, rfc.vote_id) if rfc.vote_id else None
    inputs = scores.Inputs(
        approvals=sum(1 for r in reviewed if r.verdict == "approve"),
        change_requests=sum(1 for r in reviewed if r.verdict == "changes"),
        requested=len(requested),
        requested_missing=sum(1 for r in requested if not r.verdict),
        open_concerns=open_c,
        resolved_concerns=len(snap.concerns) - open_c,
        comments=snap.comments,
        vote_yes=part.yes if part else None,
        vote_no=part.no if part else None,
        temp_up=latest.up if latest else 0,
        temp_unsure=latest.unsure if latest else 0,
        temp_down=latest.down if latest else 0,
        areas=meta.areas if meta else None,
        breaking=meta.breaking if meta else None,
        migration=meta.migration if meta else None,
        effort=meta.effort if meta else None,
    )
    # Everyone heard from, by any route: a review, a concern, a reply, a temperature answer,
    # a ballot.
    heard = {r.reviewer for r in reviewed} | {c.raised_by for c in snap.concerns}
    heard |= set(
        ctx.db.execute(
            select(func.distinct(RfcComment.author)).where(RfcComment.rfc_id == rfc.id)
        ).scalars()
    )
    if temps:
        heard |= set(
            ctx.db.execute(
                select(func.distinct(RfcTemperatureAnswer.user_id)).where(
                    RfcTemperatureAnswer.temperature_id.in_([t.id for t in temps])
                )
            ).scalars()
        )
    heard.add(rfc.author)
    if part:
        heard |= set(part.voted)
    roles = _roles_of_interest(ctx, rfc, requested)
    by_role = []
    if roles:
        holders: dict[str, set[str]] = {r: set() for r in roles}
        for m in ctx.members():
            for r in set(m.roles) & set(roles):
                holders[r].add(m.user_id)
        by_role = [(r, len(holders[r] & heard), len(holders[r])) for r in sorted(roles)]
    not_heard = tuple(ctx.display_of(u) for u in part.eligible if u not in heard) if part else ()
    stake = Stakeholders(
        reviewed=tuple(r.reviewer_display or r.reviewer for r in requested if r.verdict),
        not_reviewed=tuple(r.reviewer_display or r.reviewer for r in requested if not r.verdict),
        concern_raisers=tuple(
            dict.fromkeys(c.raised_by_display or c.raised_by for c in snap.concerns)
        ),
        by_role=tuple(by_role),
        not_heard=not_heard,
    )
    return inputs, stake


def _roles_of_interest(ctx: Ctx, rfc: Rfc, requested: list[Any]) -> list[str]:
    """The roles whose participation matters: who may vote on the linked vote, else the
    roles the requested reviewers hold (a TC asked to review is the TC's business)."""
    from storage.vote_tables import Vote

    vote = ctx.db.get(Vote, rfc.vote_id) if rfc.vote_id else None
    if vote is not None and vote.eligible_roles:
        return list(vote.eligible_roles)
    roles: set[str] = set()
    for r in requested:
        m = ctx.member(r.reviewer)
        if m is not None:
            roles |= set(m.roles)
    return sorted(roles - {"admin", "owner"})


def assessment_of(ctx: Ctx, rfc: Rfc) -> tuple[scores.Assessment, scores.Inputs, Stakeholders]:
    inputs, stake = gather(ctx, rfc)
    return scores.assess(inputs, weights(ctx)), inputs, stake


# ---------------------------------------------------------------- rendering


def _names(names: tuple[str, ...] | list[str]) -> str:
    if not names:
        return _("none")
    shown = joined(["@" + n for n in names[:NAMES_SHOWN]])
    more = len(names) - NAMES_SHOWN
    if more <= 0:
        return shown
    return ngettext("{names} and {n} more", "{names} and {n} more", more).format(
        names=shown, n=more
    )


def _score_line(s: scores.Score, describe: dict[str, str]) -> str:
    if s.value is None:
        return _("not enough information")
    parts = joined(
        [
            _("{name} {value}×{weight}").format(
                name=describe.get(k, k), value=f"{v:.2f}", weight=f"{w:.2f}"
            )
            for k, (v, w) in sorted(s.parts.items())
        ]
    )
    return _("**{value}** ({parts})").format(value=f"{s.value:.2f}", parts=parts)


def _inputs_text(i: scores.Inputs) -> dict[str, str]:
    """How each score component is named in a score line, with the counts behind it."""
    temps = i.temp_up + i.temp_unsure + i.temp_down
    if i.vote_yes is not None and i.vote_no is not None:
        vote = _("vote yes {yes}/no {no}").format(yes=i.vote_yes, no=i.vote_no)
    else:
        vote = _("vote")
    if temps:
        temperature = _("temperature 👍{up} 👀{unsure} 👎{down}").format(
            up=i.temp_up, unsure=i.temp_unsure, down=i.temp_down
        )
    else:
        temperature = _("temperature")
    return {
        "reviews": _("reviews {approve} approve/{changes} changes").format(
            approve=i.approvals, changes=i.change_requests
        ),
        "concerns": _("concerns {resolved} resolved/{open} open").format(
            resolved=i.resolved_concerns, open=i.open_concerns
        ),
        "vote": vote,
        "temperature": temperature,
        "areas": _("areas {n}").format(n=i.areas),
        "breaking": _("breaking") if i.breaking else _("not breaking"),
        "migration": _("migration") if i.migration else _("no migration"),
        "effort": _("effort {effort}").format(effort=i.effort),
        "discussion": ngettext("{n} reply", "{n} replies", i.comments).format(n=i.comments),
        "unresolved": _("unresolved concerns"),
        "changes": _("changes requested"),
        "missing": _("{missing} of {requested} reviews missing").format(
            missing=i.requested_missing, requested=i.requested
        ),
    }


def deadline_of(rfc: Rfc, ctx: Ctx) -> datetime | None:
    if rfc.stage == "fcp" and rfc.fcp_ends_at:
        return rfc.fcp_ends_at
    if rfc.stage == "voting" and rfc.vote_id:
        from storage.vote_tables import Vote

        vote = ctx.db.get(Vote, rfc.vote_id)
        return vote.closes_at if vote else None
    return None


def plan_lines(ctx: Ctx, rfc: Rfc, stake: Stakeholders) -> list[str]:
    who = list(dict.fromkeys([*stake.not_reviewed, *stake.not_heard]))
    channels = [_("the thread of {rfc}").format(rfc=label(rfc)), f"#{rfc.channel}"]
    announcements = ctx.channel_for("announcements")
    if announcements and announcements != rfc.channel:
        channels.append(f"#{announcements}")
    lines = [
        _("Notify: {names}").format(names=_names(who)),
        _("Where: {channels}").format(channels=joined(channels)),
    ]
    for when, what in scores.timeline(ctx.now, deadline_of(rfc, ctx)):
        lines.append(_("{when}: {what}").format(when=format_when(when, ctx.zone), what=what))
    return lines


def _not_enough(ctx: Ctx, rfc: Rfc, title: str) -> Card:
    meta = (
        f"{ctx.prefix}rfc meta {label(rfc)} --areas N --breaking yes|no --migration yes|no "
        "--effort S|M|L|XL"
    )
    return Card(
        title=title,
        fields=(
            (
                _("Not enough information"),
                _(
                    "no reviews, concerns, votes, temperature checks or facts yet. Add facts "
                    "with `{meta}`, ask for reviews, or run `{temperature}`."
                ).format(meta=meta, temperature=f"{ctx.prefix}rfc temperature {label(rfc)}"),
            ),
        ),
    )


def render(ctx: Ctx, rfc: Rfc) -> tuple[str, Card]:
    a, inputs, stake = assessment_of(ctx, rfc)
    text = _("🧭 Assessment of {rfc}: {title}").format(rfc=label(rfc), title=rfc.title)
    if not a.enough:
        return text, _not_enough(ctx, rfc, text)
    words = _inputs_text(inputs)
    fields: list[tuple[str, str]] = [
        (_("Consensus"), _score_line(a.consensus, words)),
        (_("Complexity"), _score_line(a.complexity, words)),
        (_("Risk"), _score_line(a.risk, words)),
        (
            _("Reviewers"),
            _("reviewed: {reviewed}; waiting: {waiting}").format(
                reviewed=_names(stake.reviewed), waiting=_names(stake.not_reviewed)
            ),
        ),
        (_("Concerns raised by"), _names(stake.concern_raisers)),
    ]
    if stake.by_role:
        fields.append(
            (
                _("Participation by role"),
                joined(
                    [
                        _("{heard} of {n} {role}").format(heard=heard, n=n, role=role)
                        for role, heard, n in stake.by_role
                    ]
                ),
            )
        )
    if rfc.vote_id:
        fields.append((_("Not heard from (eligible voters)"), _names(stake.not_heard)))
    if a.recommendations:
        shown = [_("• {text} ({why})").format(text=r.text, why=r.why) for r in a.recommendations]
        fields.append((_("Recommendations"), "\n".join(shown)))
    else:
        fields.append((_("Recommendations"), _("none: no score crosses a threshold")))
    fields.append((_("Communication plan"), "\n".join(plan_lines(ctx, rfc, stake))))
    footer = _("Scores are 0 to 1; docs/rfcs.md")
    return text, Card(title=text, fields=tuple(fields), footer=footer)


# ---------------------------------------------------------------- temperature checks


def temperature_ref(t: RfcTemperature) -> str:
    return f"rfc-temp:{t.id}"


def temperature_card(rfc: Rfc, t: RfcTemperature, ctx: Ctx) -> tuple[str, Card, tuple[Choice, ...]]:
    if t.status == "open":
        text = _("🌡️ Temperature check on {rfc}: {title} (not binding, open until {when})").format(
            rfc=label(rfc), title=rfc.title, when=format_when(t.closes_at, ctx.zone)
        )
    else:
        text = _("🌡️ Temperature check on {rfc}: {title} (not binding, closed)").format(
            rfc=label(rfc), title=rfc.title
        )
    counts = _("👍 {up} support · 👀 {unsure} unsure · 👎 {down} against").format(
        up=t.up, unsure=t.unsure, down=t.down
    )
    choices: tuple[Choice, ...] = ()
    if t.status == "open":
        choices = tuple(
            Choice("rfc.temp", f"{t.id}:{k}", f"{e} {_(ANSWER_LABEL[k])}", emoji=e)
            for k, e in ANSWERS.items()
        )
    return text, Card(title=text, fields=((_("Answers"), counts),)), choices


def _refresh_temperature(ctx: Ctx, rfc: Rfc, t: RfcTemperature) -> None:
    from bot.model import Edit

    with ctx.public():  # the card is everyone's, whoever pressed a button
        text, card, choices = temperature_card(rfc, t, ctx)
    ctx.emit(Edit(temperature_ref(t), text, card=card, choices=choices))


def answer(ctx: Ctx, t: RfcTemperature, key: str | None) -> None:
    """Set (or with None clear) this person's answer; the counts move by that one change."""
    row = ctx.db.execute(
        select(RfcTemperatureAnswer).where(
            RfcTemperatureAnswer.temperature_id == t.id,
            RfcTemperatureAnswer.user_id == ctx.actor.user_id,
        )
    ).scalar_one_or_none()
    before = row.answer if row else None
    if before == key:
        return
    if before:
        setattr(t, before, getattr(t, before) - 1)
    if key:
        setattr(t, key, getattr(t, key) + 1)
        if row is None:
            row = RfcTemperatureAnswer(
                temperature_id=t.id or 0, user_id=ctx.actor.user_id, answer=key, at=ctx.now
            )
        row.answer, row.at = key, ctx.now
        ctx.db.add(row)
    elif row is not None:
        ctx.db.delete(row)
    ctx.db.add(t)


def close_temperature(ctx: Ctx, t: RfcTemperature) -> None:
    rfc = ctx.db.get(Rfc, t.rfc_id)
    if rfc is None or t.status != "open":
        return
    t.status = "closed"
    ctx.db.add(t)
    add_event(ctx, rfc, "temperature_closed", up=t.up, unsure=t.unsure, down=t.down)
    _refresh_temperature(ctx, rfc, t)
    announce(
        ctx,
        rfc,
        _(
            "🌡️ The temperature check on {rfc} closed (not binding): 👍 {up} support, "
            "👀 {unsure} unsure, 👎 {down} against."
        ).format(rfc=label(rfc), up=t.up, unsure=t.unsure, down=t.down),
    )


def _lock_temperature(ctx: Ctx, temp_id: int) -> RfcTemperature | None:
    stmt = select(RfcTemperature).where(RfcTemperature.id == temp_id)
    if ctx.db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return ctx.db.execute(stmt).scalar_one_or_none()


# ---------------------------------------------------------------- commands


# What people type for yes and no, in English and in Chinese.
YES_WORDS = ("yes", "y", "true", "是", "对", "有")
NO_WORDS = ("no", "n", "false", "否", "不", "没有", "无")
META_USAGE = (
    "/rfc meta RFC [--areas N] [--breaking yes|no] [--migration yes|no] [--effort S|M|L|XL]"
)


def _yes_no(value: str | None, what: str) -> bool | None:
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", value).strip().lower()
    if v in YES_WORDS:
        return True
    if v in NO_WORDS:
        return False
    raise UserError(
        _("--{what} takes yes or no, not '{value}'. Usage: {META_USAGE}").format(
            what=what, value=value, META_USAGE=META_USAGE
        )
    )


def _weights_arg(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in text.split(","):
        name, eq, value = part.partition("=")
        if not eq:
            raise ValueError(_("'{part}' is not NAME=VALUE").format(part=part.strip()))
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(_("'{value}' is not a number").format(value=value.strip())) from None
    return out


def _typed_names(score: str) -> str:
    # The weight names are typed as they are, in any language: shown as code.
    return " ".join(f"`{n}`" for n in scores.DEFAULT_WEIGHTS[score])


CONSENSUS_NAMES = _typed_names("consensus")
COMPLEXITY_NAMES = _typed_names("complexity")
RISK_NAMES = _typed_names("risk")


def register(reg: Registry) -> None:
    @reg.command(
        "rfc",
        "assess",
        help="Decision support: consensus, complexity and risk, with recommendations.",
        params=[Param("rfc", positional=True, required=True, metavar="RFC")],
        examples=("rfc assess RFC-3",),
    )
    def rfc_assess(ctx: Ctx, rfc: str) -> None:
        row = find(ctx, rfc)
        text, card = render(ctx, row)
        ctx.reply(text, card=card)

    @reg.command(
        "rfc",
        "meta",
        help="Record facts about an RFC's change for its assessment (author, reviewers, mods).",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("areas", "int", metavar="N", help="how many areas (modules, teams) it touches"),
            Param("breaking", "text", metavar="yes|no", help="a breaking change?"),
            Param("migration", "text", metavar="yes|no", help="does it need a migration?"),
            Param("effort", "choice", choices=scores.EFFORTS, help="S, M, L or XL"),
        ],
        examples=("rfc meta RFC-3 --areas 3 --breaking yes --migration no --effort L",),
    )
    def rfc_meta(
        ctx: Ctx,
        rfc: str,
        areas: int | None,
        breaking: str | None,
        migration: str | None,
        effort: str | None,
    ) -> None:
        row = find(ctx, rfc)
        lock(ctx, row)
        is_reviewer = any(r.reviewer == ctx.actor.user_id for r in snapshot(ctx.db, row).reviews)
        if ctx.actor.user_id != row.author and not is_reviewer and not ctx.is_moderator():
            raise UserError(
                _(
                    "only the author of {value}, its reviewers or a moderator may set its facts"
                ).format(value=label(row))
            )
        if areas is not None and not 1 <= areas <= 1000:
            raise UserError(
                _("--areas must be from 1 to 1000, not {areas}. Usage: {META_USAGE}").format(
                    areas=areas, META_USAGE=META_USAGE
                )
            )
        b, m = _yes_no(breaking, "breaking"), _yes_no(migration, "migration")
        if areas is None and b is None and m is None and effort is None:
            raise UserError(
                _("give at least one fact. Usage: {META_USAGE}").format(META_USAGE=META_USAGE)
            )
        meta = _meta(ctx, row) or RfcMeta(
            rfc_id=row.id or 0, set_by=ctx.actor.user_id, set_at=ctx.now
        )
        if areas is not None:
            meta.areas = areas
        if b is not None:
            meta.breaking = b
        if m is not None:
            meta.migration = m
        if effort is not None:
            meta.effort = effort
        meta.set_by, meta.set_at = ctx.actor.user_id, ctx.now
        ctx.db.add(meta)
        facts = {
            "areas": meta.areas,
            "breaking": meta.breaking,
            "migration": meta.migration,
            "effort": meta.effort,
        }
        add_event(ctx, row, "meta", **facts)
        shown = joined(facts_shown(facts))
        ctx.reply(_("🧾 Facts of {value}: {shown}.").format(value=label(row), shown=shown))

    @reg.command(
        "rfc",
        "temperature",
        help="A quick, non-binding temperature check (👍 👀 👎) in the RFC's thread.",
        params=[
            Param("rfc", positional=True, required=True, metavar="RFC"),
            Param("for", "duration", metavar="DURATION", help="default 48h"),
        ],
        examples=("rfc temperature RFC-3", "rfc temperature RFC-3 --for 24h"),
    )
    def rfc_temperature(ctx: Ctx, rfc: str, **args: Any) -> None:
        row = find(ctx, rfc)
        lock(ctx, row)
        if row.stage in ("accepted", "rejected", "withdrawn", "implemented"):
            raise UserError(
                _("{value} is {stage}; a temperature check would change nothing").format(
                    value=label(row), stage=pgettext("rfc stage", row.stage)
                )
            )
        span = args.get("for") or TEMPERATURE_DEFAULT
        if not TEMPERATURE_MIN <= span <= TEMPERATURE_MAX:
            raise UserError(
                _(
                    "--for must be from {value} to {value2}. Usage: /rfc temperature RFC [--for "
                    "DURATION]"
                ).format(
                    value=format_duration(TEMPERATURE_MIN), value2=format_duration(TEMPERATURE_MAX)
                )
            )
        if any(t.status == "open" for t in _temperatures(ctx, row)):
            raise UserError(
                _("{value} already has an open temperature check").format(value=label(row))
            )
        t = RfcTemperature(
            rfc_id=row.id or 0,
            opened_by=ctx.actor.user_id,
            opened_at=ctx.now,
            closes_at=ctx.now + span,
        )
        ctx.db.add(t)
        ctx.db.flush()
        with ctx.public():
            text, card, choices = temperature_card(row, t, ctx)
        ctx.post(
            row.channel,
            text,
            card=card,
            choices=choices,
            ref=temperature_ref(t),
            thread_ref=ref_of(row),
        )
        ctx.schedule("rfc.temperature", temperature_ref(t), t.closes_at, {"id": t.id})
        add_event(ctx, row, "temperature", until=t.closes_at.isoformat())
        if ctx.address.channel != row.channel or ctx.is_direct:
            ctx.private(
                _("🌡️ Temperature check on {value} posted in its thread.").format(value=label(row))
            )

    @reg.action("rfc.temp")
    def on_temp(ctx: Ctx, value: str, added: bool) -> None:
        tid, _sep, key = value.partition(":")
        if not tid.isdigit() or key not in ANSWERS:
            return
        t = _lock_temperature(ctx, int(tid))
        if t is None:
            return
        rfc = ctx.db.get(Rfc, t.rfc_id)
        if rfc is None or rfc.community_id != ctx.community.id:
            return
        if t.status != "open" or ctx.now >= t.closes_at:
            if added:
                raise UserError(
                    _("the temperature check on {value} is closed").format(value=label(rfc))
                )
            return
        if added:
            answer(ctx, t, key)
            ctx.private(
                _("Noted: {value} {value2} on {value3} (not binding).").format(
                    value=ANSWERS[key], value2=_(ANSWER_LABEL[key]), value3=label(rfc)
                )
            )
        else:
            mine = ctx.db.execute(
                select(RfcTemperatureAnswer.answer).where(
                    RfcTemperatureAnswer.temperature_id == t.id,
                    RfcTemperatureAnswer.user_id == ctx.actor.user_id,
                )
            ).scalar_one_or_none()
            if mine != key:
                return
            answer(ctx, t, None)
        _refresh_temperature(ctx, rfc, t)

    @reg.due_kind("rfc.temperature")
    def on_temperature_due(ctx: Ctx, work: Any) -> None:
        t = _lock_temperature(ctx, int(work.payload.get("id", 0)))
        if t is not None:
            close_temperature(ctx, t)

    @reg.on("rfc.decided")
    def on_decided(ctx: Ctx, rfc: Rfc, **_: Any) -> None:
        """Keep the state of consensus at the time of the decision, in the RFC's timeline and
        in the linked vote's decision record."""
        if rfc.stage not in DECIDED:
            return
        a, _inputs, _stake = assessment_of(ctx, rfc)
        snap = a.as_dict()
        add_event(ctx, rfc, "assessed", **snap)
        if rfc.vote_id:
            rec = ctx.db.execute(
                select(DecisionRecord).where(DecisionRecord.vote_id == rfc.vote_id)
            ).scalar_one_or_none()
            if rec is not None:
                rec.data = {**rec.data, "rfc_assessment": snap}
                ctx.db.add(rec)

    @reg.command(
        "config",
        "assess",
        help="Weights of the RFC assessment scores (moderators).",
        params=[
            Param("consensus", "text", metavar="NAME=W,...", help=CONSENSUS_NAMES),
            Param("complexity", "text", metavar="NAME=W,...", help=COMPLEXITY_NAMES),
            Param("risk", "text", metavar="NAME=W,...", help=RISK_NAMES),
            Param("reset", "flag", help="back to the defaults"),
        ],
        permission="moderator",
        examples=("config assess --consensus reviews=0.5,vote=0.5",),
    )
    def config_assess(
        ctx: Ctx, consensus: str | None, complexity: str | None, risk: str | None, reset: bool
    ) -> None:
        usage = "/config assess [--consensus N=W,...] [--complexity N=W,...] [--risk N=W,...]"
        if reset:
            ctx.set_setting("assess_weights", {})
            ctx.audit("config.assess", reset=True)
            ctx.reply(_("⚖️ Assessment weights are back to the defaults."))
            return
        given = dict(ctx.settings.get("assess_weights") or {})
        changed = False
        for name, text in (("consensus", consensus), ("complexity", complexity), ("risk", risk)):
            if text is None:
                continue
            try:
                given[name] = {**given.get(name, {}), **_weights_arg(text)}
            except ValueError as exc:
                raise UserError(
                    _("--{name}: {error}. Usage: {usage}").format(name=name, error=exc, usage=usage)
                ) from None
            changed = True
        if not changed:
            w = weights(ctx)
            shown = [
                _("{score}: {weights}").format(
                    score=k, weights=joined([f"{n}={v:g}" for n, v in parts.items()])
                )
                for k, parts in w.items()
            ]
            ctx.reply(_("⚖️ Assessment weights: {weights}").format(weights="; ".join(shown)))
            return
        try:
            scores.check_weights(given)
        except scores.WeightError as exc:
            raise UserError(_("{error}. Usage: {usage}").format(error=exc, usage=usage)) from None
        ctx.set_setting("assess_weights", given)
        ctx.audit("config.assess", weights=given)
        ctx.reply(_("⚖️ Assessment weights saved."))
