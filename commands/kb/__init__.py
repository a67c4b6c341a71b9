"""/kb: the community's knowledge base. Moderators write entries; decisions, accepted RFCs
and resolved tickets become entries by themselves (through hooks, never by importing those
capabilities); search is the database's own full-text engine; and questions get up to three
private suggestions whose usefulness is recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, ngettext
from bot.links import checked_link
from bot.model import Choice
from bot.registry import Registry
from bot.specs import Param
from commands.kb import render, rules, state, support
from storage.db import Database
from storage.kb_tables import KbEntry, KbSuggestion
from storage.rfc_tables import Rfc
from storage.tables import Community
from storage.vote_tables import DecisionRecord

DEMO = [
    "roles alice=admin bob= carol=",
    '@alice /kb add "How do I report a security issue?" "Mail security@example.org; never '
    'open a public issue." --tags security,process',
    "@bob /kb search report a security problem",
    "@bob /kb show 1",
]


def _usage(ctx: Ctx, sub: str) -> str:
    return ctx.usage("kb", sub)


def _checked(ctx: Ctx, sub: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except rules.KbInputError as exc:
        raise UserError(
            _("{exc}. Usage: {value}").format(exc=exc, value=_usage(ctx, sub))
        ) from None


def _link(ctx: Ctx, sub: str, value: str | None) -> str | None:
    return checked_link(value, _usage(ctx, sub))


def _entry(ctx: Ctx, number: int) -> KbEntry:
    entry = state.find(ctx.db, ctx.community.id or 0, number)
    if entry is None:
        raise UserError(_("there is no knowledge-base entry KB-{number}").format(number=number))
    return entry


def suggest(ctx: Ctx, question: str, *, user_id: str, context: str) -> KbSuggestion | None:
    """Up to three entries that may answer a question, privately, with buttons that record
    whether one did. Nothing is said when nothing matches."""
    try:
        hits = state.search(ctx.db, ctx.community.id or 0, question, limit=rules.SUGGESTIONS)
    except rules.KbInputError:
        return None
    if not hits:
        return None
    sugg = KbSuggestion(
        community_id=ctx.community.id or 0,
        user_id=user_id,
        asked=question[: rules.MAX_QUERY],
        entry_numbers=",".join(str(h.entry.number) for h in hits),
        context=context[:64],
        at=ctx.now,
    )
    ctx.db.add(sugg)
    ctx.db.flush()
    picks = [
        Choice(
            "kb.helpful",
            f"{sugg.id}:{h.entry.number}",
            _("KB-{number} answers it").format(number=h.entry.number),
        )
        for h in hits
    ]
    choices = (*picks, Choice("kb.helpful", f"{sugg.id}:none", _("None of these"), style="danger"))
    text = _("💡 Does one of these answer it?\n{entries}").format(
        entries="\n".join(render.hit_line(h) for h in hits)
    )
    send = ctx.private(text) if user_id == ctx.actor.user_id else ctx.dm(user_id, text)
    # The same message with buttons: the helpers that build private messages take no choices.
    ctx.effects[-1] = replace(send, choices=choices)
    return sugg


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        entries = list(
            s.execute(
                select(KbEntry)
                .where(KbEntry.removed.is_(False))
                .order_by(KbEntry.community_id, KbEntry.number)
            ).scalars()
        )
        names = {
            c.id: f"{c.platform}:{c.workspace}" for c in s.execute(select(Community)).scalars()
        }
        if fmt == "json":
            return json.dumps(
                {"entries": [render.entry_dict(e, names.get(e.community_id)) for e in entries]},
                indent=2,
                ensure_ascii=False,
            )
        return render.markdown(entries, names)


def register(reg: Registry) -> None:
    reg.summary("kb", "the knowledge base: answers found again instead of asked again")
    reg.demo.extend(DEMO)

    @reg.command(
        "kb",
        "add",
        help="Add a question and its answer to the knowledge base (moderators).",
        params=[
            Param("question", positional=True, required=True, metavar='"QUESTION"'),
            Param("answer", positional=True, required=True, metavar='"ANSWER"'),
            Param("tags", "list", metavar="a,b", help="a few words to file it under"),
            Param("link", "text", metavar="URL", help="where the answer is written down"),
        ],
        permission="moderator",
        examples=('kb add "How do I get commit rights?" "Ask in #maintainers" --tags process',),
    )
    def kb_add(
        ctx: Ctx, question: str, answer: str, tags: list[str] | None, link: str | None
    ) -> None:
        q = _checked(ctx, "add", rules.check_text, question, "question", rules.MAX_QUESTION)
        a = _checked(ctx, "add", rules.check_text, answer, "answer", rules.MAX_ANSWER)
        t = _checked(ctx, "add", rules.check_tags, tags)
        entry = state.add(
            ctx.db,
            ctx.community.id or 0,
            question=q,
            answer=a,
            tags=t,
            link=_link(ctx, "add", link),
            by=ctx.actor.user_id,
            at=ctx.now,
        )
        ctx.audit("kb.add", number=entry.number, question=q)
        ctx.reply(_("📚 Added KB-{number}: {q}").format(number=entry.number, q=q))

    @reg.command(
        "kb",
        "edit",
        help="Change an entry's question, answer, tags or link (moderators).",
        params=[
            Param("number", "int", positional=True, required=True, metavar="ID"),
            Param("question", "text", metavar='"QUESTION"'),
            Param("answer", "text", metavar='"ANSWER"'),
            Param("tags", "list", metavar="a,b"),
            Param("link", "text", metavar="URL"),
        ],
        permission="moderator",
        examples=('kb edit 3 --answer "Ask in #maintainers, then open a PR"',),
    )
    def kb_edit(
        ctx: Ctx,
        number: int,
        question: str | None,
        answer: str | None,
        tags: list[str] | None,
        link: str | None,
    ) -> None:
        entry = _entry(ctx, number)
        if question is None and answer is None and tags is None and link is None:
            raise UserError(
                _("nothing to change. Usage: {value}").format(value=_usage(ctx, "edit"))
            )
        if question is not None:
            entry.question = _checked(
                ctx, "edit", rules.check_text, question, "question", rules.MAX_QUESTION
            )
        if answer is not None:
            entry.answer = _checked(
                ctx, "edit", rules.check_text, answer, "answer", rules.MAX_ANSWER
            )
        if tags is not None:
            entry.tags = _checked(ctx, "edit", rules.check_tags, tags)
        if link is not None:
            entry.link = _link(ctx, "edit", link)
        entry.updated_at = ctx.now
        ctx.db.add(entry)
        state.index(ctx.db, entry)
        ctx.audit("kb.edit", number=number)
        ctx.reply(_("📚 KB-{number} updated.").format(number=number))

    @reg.command(
        "kb",
        "remove",
        help="Remove an entry from the knowledge base (moderators).",
        params=[Param("number", "int", positional=True, required=True, metavar="ID")],
        permission="moderator",
        examples=("kb remove 3",),
    )
    def kb_remove(ctx: Ctx, number: int) -> None:
        entry = _entry(ctx, number)
        entry.removed = True
        entry.updated_at = ctx.now
        ctx.db.add(entry)
        state.index(ctx.db, entry)
        ctx.audit("kb.remove", number=number, question=entry.question)
        ctx.reply(_("🗑️ KB-{number} removed.").format(number=number))

    @reg.command(
        "kb",
        "search",
        help="Search the knowledge base: answers, decisions, accepted RFCs.",
        params=[Param("query", positional=True, required=True, rest=True, metavar="TEXT")],
        examples=("kb search how do I get commit rights",),
    )
    def kb_search(ctx: Ctx, query: str) -> None:
        hits = _checked(ctx, "search", state.search, ctx.db, ctx.community.id or 0, query)
        if not hits:
            ctx.private(
                _("🔎 Nothing in the knowledge base matches “{value}”.").format(
                    value=query.strip()[:80]
                )
            )
            return
        ctx.private(
            ngettext("🔎 {n} match:", "🔎 {n} matches:", len(hits)).format(n=len(hits))
            + "\n"
            + "\n".join(render.hit_line(h) for h in hits)
        )

    @reg.command(
        "kb",
        "show",
        help="One knowledge-base entry in full.",
        params=[Param("number", "int", positional=True, required=True, metavar="ID")],
        examples=("kb show 3",),
    )
    def kb_show(ctx: Ctx, number: int) -> None:
        entry = _entry(ctx, number)
        text, card = render.entry_card(entry)
        ctx.private(text, card=card)

    @reg.command(
        "kb",
        "stats",
        help="How often the knowledge base answered the questions it was offered for.",
    )
    def kb_stats(ctx: Ctx) -> None:
        cid = ctx.community.id or 0
        entries = ctx.db.execute(
            select(func.count())
            .select_from(KbEntry)
            .where(KbEntry.community_id == cid, KbEntry.removed.is_(False))
        ).scalar_one()
        rows = ctx.db.execute(
            select(KbSuggestion.outcome, func.count())
            .where(KbSuggestion.community_id == cid)
            .group_by(KbSuggestion.outcome)
        ).all()
        by = {o: n for o, n in rows}
        ctx.private(render.stats_text(entries, by))

    @reg.action("kb.helpful")
    def on_helpful(ctx: Ctx, value: str, added: bool) -> None:
        sid, _sep, pick = value.partition(":")
        if not added or not sid.isdigit():
            return
        sugg = ctx.db.get(KbSuggestion, int(sid))
        if sugg is None or sugg.community_id != ctx.community.id:
            return
        if sugg.user_id != ctx.actor.user_id:
            raise UserError(_("only the person who asked can say whether it answered them"))
        offered = sugg.entry_numbers.split(",")
        if pick != "none" and pick not in offered:
            return
        sugg.outcome = "not-helpful" if pick == "none" else "helpful"
        sugg.answered_by = None if pick == "none" else int(pick)
        ctx.db.add(sugg)
        if pick == "none":
            ctx.private(_("Thanks: noted that none of these answered it."))
        else:
            ctx.private(_("Thanks: noted that KB-{pick} answered it.").format(pick=pick))
            ctx.fire("kb.answered", context=sugg.context, entry=int(pick), user_id=sugg.user_id)

    # ---- entries made by other capabilities' events

    @reg.on("vote.closed")
    def on_vote_closed(
        ctx: Ctx, record_id: int | None = None, new_record: bool = False, **_: Any
    ) -> None:
        rec = ctx.db.get(DecisionRecord, record_id) if record_id else None
        if rec is None or rec.outcome == "cancelled":
            return
        ref = f"decision:{rec.id}"
        # A record made in this transaction has no entry yet: a catch-up of 10,000 closes
        # saves a query each.
        if not new_record and state.has_source(ctx.db, rec.community_id, ref):
            return
        state.add(
            ctx.db,
            rec.community_id,
            question=rec.question[: rules.MAX_QUESTION],
            answer=render.decision_answer(rec, ctx.zone),
            tags="decision",
            source="decision",
            source_ref=ref,
            by="moot",
            at=ctx.now,
        )

    @reg.on("rfc.decided")
    def on_rfc_decided(ctx: Ctx, rfc: Rfc, **_: Any) -> None:
        if rfc.stage != "accepted":
            return
        ref = f"rfc:{rfc.id}"
        if state.by_source(ctx.db, rfc.community_id, ref):
            return
        state.add(
            ctx.db,
            rfc.community_id,
            question=f"RFC-{rfc.number}: {rfc.title}"[: rules.MAX_QUESTION],
            answer=render.rfc_answer(rfc, ctx.zone),
            tags="rfc",
            source="rfc",
            source_ref=ref,
            link=rfc.link,
            by="moot",
            at=ctx.now,
        )

    @reg.on("kb.entry")
    def on_entry(
        ctx: Ctx,
        question: str,
        answer: str,
        source: str,
        source_ref: str,
        link: str | None = None,
        tags: str = "",
        **_details: Any,
    ) -> None:
        """Another capability hands over an entry (a resolved ticket's question and accepted
        answer); made once per source_ref."""
        cid = ctx.community.id or 0
        if state.by_source(ctx.db, cid, source_ref):
            raise UserError(
                _("{source_ref} is already in the knowledge base").format(source_ref=source_ref)
            )
        q = _checked(ctx, "add", rules.check_text, question, "question", rules.MAX_QUESTION)
        a = _checked(ctx, "add", rules.check_text, answer, "answer", rules.MAX_ANSWER)
        entry = state.add(
            ctx.db,
            cid,
            question=q,
            answer=a,
            tags=tags,
            source=source,
            source_ref=source_ref,
            link=link,
            by=ctx.actor.user_id,
            at=ctx.now,
        )
        ctx.private(_("📚 Added KB-{number}: {q}").format(number=entry.number, q=q))

    @reg.on("kb.suggest")
    def on_suggest(ctx: Ctx, question: str, user_id: str, context: str = "", **_: Any) -> None:
        suggest(ctx, question, user_id=user_id, context=context)

    reg.exporter("kb")(export)
    support.register(reg, suggest)
