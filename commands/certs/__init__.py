"""/cert: certification tracks. Moderators import a question bank; a candidate takes the
exam in a direct message, one question at a time, under a time limit the scheduler keeps;
a pass earns a credential code anyone can verify. The schema, drawing, grading and codes
are `rules` (pure); this module is the wiring."""

from __future__ import annotations

import os
import random
import secrets
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.model import Choice, GrantRole, Send
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_duration, format_when
from commands.certs import rules
from storage import repos
from storage.contrib_tables import CertAttempt, CertTrack, Credential

# Where `/cert import FILE` reads banks from: the operator's folder, never anywhere else.
BANK_DIR_ENV = "MOOT_CERTS_DIR"
DEFAULT_BANK_DIR = "certs"
SECRET_NS = "cert-secret"


# The examples beside a source checkout, for the demo and a first try.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "certs"
DEMO = [
    "roles alice=admin bob=",
    "@alice /cert import developer.toml",
    "@bob /cert apply developer",
    "@bob dm /cert answer 1",
    "@bob dm /cert answer 2",
    "@bob dm /cert answer 2",
    "@bob dm /cert answer 2",
]


def bank_dir() -> Path:
    given = os.environ.get(BANK_DIR_ENV)
    if given:
        return Path(given).resolve()
    if not Path(DEFAULT_BANK_DIR).is_dir() and EXAMPLES.is_dir():
        return EXAMPLES
    return Path(DEFAULT_BANK_DIR).resolve()


def _usage(ctx: Ctx, sub: str) -> str:
    return ctx.usage("cert", sub)


def _community_name(ctx: Ctx) -> str:
    return f"{ctx.community.platform}:{ctx.community.workspace}"


def _secret(ctx: Ctx) -> bytes:
    """The community's signing key, made once. Kept in the key/value table, not in the
    settings that `/config show` prints."""
    key = str(ctx.community.id)
    row = repos.kv_get(ctx.db, SECRET_NS, key)
    if row is None:
        row = {"hex": secrets.token_hex(32)}
        repos.kv_put(ctx.db, SECRET_NS, key, row)
    return bytes.fromhex(row["hex"])


def _track(ctx: Ctx, slug: str) -> CertTrack:
    row = ctx.db.execute(
        select(CertTrack).where(
            CertTrack.community_id == ctx.community.id, CertTrack.slug == slug.strip().lower()
        )
    ).scalar_one_or_none()
    if row is None:
        names = ", ".join(
            ctx.db.execute(
                select(CertTrack.slug).where(CertTrack.community_id == ctx.community.id)
            ).scalars()
        )
        raise UserError(
            _("there is no track '{slug}' (tracks: {value})").format(
                slug=slug, value=names or _("none yet")
            )
        )
    return row


def _valid_credential(ctx: Ctx, track_id: int, user_id: str) -> Credential | None:
    return ctx.db.execute(
        select(Credential).where(
            Credential.track_id == track_id,
            Credential.user_id == user_id,
            Credential.revoked_at.is_(None),
        )
    ).scalar_one_or_none()


def _running(ctx: Ctx, user_id: str) -> CertAttempt | None:
    return ctx.db.execute(
        select(CertAttempt).where(
            CertAttempt.community_id == ctx.community.id,
            CertAttempt.user_id == user_id,
            CertAttempt.status == "running",
        )
    ).scalar_one_or_none()


def _ask(ctx: Ctx, attempt: CertAttempt, bank: rules.Bank, user_id: str) -> None:
    """The current question, by DM, options in this attempt's order. Buttons carry only
    positions, never which one is right."""
    item = attempt.paper["questions"][attempt.current]
    q = next(q for q in bank.questions if q.id == item["id"])
    n, total = attempt.current + 1, len(attempt.paper["questions"])
    lines = [
        _("📝 {name}: question {n} of {total}").format(name=bank.name, n=n, total=total),
        q.text,
    ]
    lines += [f"{i}. {q.options[o]}" for i, o in enumerate(item["order"], 1)]
    how = _("several answers may be right: ") if q.multiple else ""
    lines.append(
        _("({how}answer with `{prefix}cert answer N`").format(how=how, prefix=ctx.prefix)
        + (_(" or `N,M`") if q.multiple else "")
        + _("; time left until {value})").format(value=format_when(attempt.ends_at, ctx.zone))
    )
    choices: tuple[Choice, ...] = ()
    if not q.multiple:
        choices = tuple(
            Choice("cert.answer", f"{attempt.id}:{attempt.current}:{i}", str(i))
            for i in range(1, len(item["order"]) + 1)
        )
    send = ctx.dm(user_id, "\n".join(lines))
    ctx.effects[-1] = Send(
        send.address, send.text, choices=choices, visibility="dm", recipient=user_id
    )


def _claim_grading(ctx: Ctx, attempt: CertAttempt) -> bool:
    """Move a running attempt to graded exactly once, even if its answer and its timeout
    race on two replicas."""
    result = ctx.db.execute(
        update(CertAttempt)
        .where(CertAttempt.id == attempt.id, CertAttempt.status == "running")
        .values(status="grading", graded_at=ctx.now)
    )
    return result.rowcount == 1


def grade(ctx: Ctx, attempt: CertAttempt, *, timed_out: bool) -> None:
    if not _claim_grading(ctx, attempt):
        return
    ctx.db.refresh(attempt)
    track = ctx.db.get(CertTrack, attempt.track_id)
    assert track is not None
    bank = rules.bank_from_data(track.bank)
    paper = attempt.paper["questions"]
    score = rules.grade(bank, paper, attempt.answers)
    ok = rules.passed(bank, score, len(paper))
    attempt.status = "passed" if ok else "failed"
    attempt.score, attempt.out_of = score, len(paper)
    ctx.db.add(attempt)
    ctx.cancel("cert.timeout", key=f"cert:{attempt.id}")
    why = _(" (time ran out; graded on what was answered)") if timed_out else ""
    user = attempt.user_id
    if not ok:
        again = format_when(attempt.started_at + bank.cooldown, ctx.zone)
        ctx.dm(
            user,
            _(
                "❌ {name}: {score} of {value} right{why}; the pass mark is {pass_mark:.0%}. You "
                "can try again from {again}."
            ).format(
                name=bank.name,
                score=score,
                value=len(paper),
                why=why,
                pass_mark=bank.pass_mark,
                again=again,
            ),
        )
        ctx.audit("cert.failed", track=track.slug, user=user, score=score, out_of=len(paper))
        return
    date = ctx.now.date().isoformat()
    code = rules.credential_code(_secret(ctx), _community_name(ctx), track.slug, user, date)
    ctx.db.add(
        Credential(
            community_id=ctx.community.id or 0,
            track_id=track.id or 0,
            user_id=user,
            user_display=ctx.display_of(user),
            code=code,
            issued_on=date,
        )
    )
    ctx.audit("cert.passed", track=track.slug, user=user, score=score, out_of=len(paper))
    send = ctx.dm(
        user,
        _(
            "🎓 {name}: {score} of {value} right{why}. You passed! Your credential: **{code}** "
            "(anyone can check it with `{prefix}cert verify {code}`). May I announce it in the "
            "recognition channel?"
        ).format(
            name=bank.name, score=score, value=len(paper), why=why, code=code, prefix=ctx.prefix
        ),
    )
    ctx.effects[-1] = Send(
        send.address,
        send.text,
        choices=(
            Choice("cert.announce", f"{code}:yes", _("Yes, announce it"), style="primary"),
            Choice("cert.announce", f"{code}:no", _("No, thanks")),
        ),
        visibility="dm",
        recipient=user,
    )
    if bank.role:
        ctx.emit(GrantRole(ctx.community.platform, ctx.community.workspace, user, bank.role))


def _answer(ctx: Ctx, attempt: CertAttempt, index: int, shown: list[int]) -> None:
    if attempt.user_id != ctx.actor.user_id:
        raise UserError(_("that exam belongs to someone else"))
    if attempt.status != "running" or ctx.now >= attempt.ends_at:
        raise UserError(_("that exam is over; nothing was changed"))
    if index != attempt.current:
        raise UserError(_("question {value} is already answered").format(value=index + 1))
    track = ctx.db.get(CertTrack, attempt.track_id)
    assert track is not None
    bank = rules.bank_from_data(track.bank)
    item = attempt.paper["questions"][index]
    q = next(q for q in bank.questions if q.id == item["id"])
    n = len(item["order"])
    if not shown or any(not 1 <= s <= n for s in shown):
        raise UserError(
            _("answer with option numbers from 1 to {n}. Usage: {value}").format(
                n=n, value=_usage(ctx, "answer")
            )
        )
    if len(set(shown)) > 1 and not q.multiple:
        raise UserError(
            _("question {value} takes one answer. Usage: {value2}").format(
                value=index + 1, value2=_usage(ctx, "answer")
            )
        )
    original = rules.shown_to_original(item["order"], shown)
    attempt.answers = {**attempt.answers, item["id"]: sorted(original)}
    attempt.current = index + 1
    ctx.db.add(attempt)
    if attempt.current >= len(attempt.paper["questions"]):
        ctx.db.flush()
        grade(ctx, attempt, timed_out=False)
    else:
        _ask(ctx, attempt, bank, attempt.user_id)


def _lock_attempt(ctx: Ctx, attempt_id: int) -> CertAttempt | None:
    stmt = select(CertAttempt).where(CertAttempt.id == attempt_id)
    if ctx.db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return ctx.db.execute(stmt).scalar_one_or_none()


def _credential(ctx: Ctx, text: str) -> Credential:
    code = rules.normalise_code(text)
    row = (
        ctx.db.execute(select(Credential).where(Credential.code == code)).scalar_one_or_none()
        if code
        else None
    )
    if row is None or row.community_id != ctx.community.id:
        raise UserError(
            _("'{value}' is not a valid credential code here").format(value=text.strip()[:40])
        )
    return row


def register(reg: Registry) -> None:
    reg.summary("cert", "certification tracks: exams in DM, verifiable credentials")
    reg.demo.extend(DEMO)

    @reg.command(
        "cert",
        "import",
        help="Import or replace a track's question bank (TOML or YAML) from the bank folder.",
        params=[Param("file", positional=True, required=True, metavar="FILE")],
        permission="moderator",
        examples=("cert import developer.toml",),
        # A literal, so the catalog has it: the variable is BANK_DIR_ENV.
        details="Files are read from the operator's folder ($MOOT_CERTS_DIR, default ./certs).",
    )
    def cert_import(ctx: Ctx, file: str) -> None:
        root = bank_dir()
        path = (root / file).resolve()
        if root not in path.parents or path.suffix.lower() not in (".toml", ".yaml", ".yml"):
            raise UserError(
                _(
                    "'{file}' must be a .toml or .yaml file inside the bank folder. Usage: {value}"
                ).format(file=file, value=_usage(ctx, "import"))
            )
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(
                _("there is no bank file '{file}' in the bank folder").format(file=file)
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(
                _("cannot read '{file}': {name__}").format(file=file, name__=exc.__class__.__name__)
            ) from None
        fmt = "toml" if path.suffix.lower() == ".toml" else "yaml"
        try:
            bank = rules.parse_bank(source, fmt)
        except rules.BankError as exc:
            raise UserError(f"{file}: {exc}") from None
        if bank.prerequisite:
            _track(ctx, bank.prerequisite)
        row = ctx.db.execute(
            select(CertTrack).where(
                CertTrack.community_id == ctx.community.id, CertTrack.slug == bank.slug
            )
        ).scalar_one_or_none()
        if row is None:
            row = CertTrack(
                community_id=ctx.community.id or 0,
                slug=bank.slug,
                name=bank.name,
                imported_by=ctx.actor.user_id,
                imported_at=ctx.now,
            )
        row.name, row.bank = bank.name, bank.as_data()
        row.imported_by, row.imported_at = ctx.actor.user_id, ctx.now
        ctx.db.add(row)
        ctx.audit("cert.import", track=bank.slug, questions=len(bank.questions))
        if bank.prerequisite:
            said = _(
                "📚 Track **{slug}** ({name}): {value} questions, {draw} per attempt, {value2}, "
                "pass mark {pass_mark:.0%}, cooldown {value3}, after {prerequisite}."
            )
        else:
            said = _(
                "📚 Track **{slug}** ({name}): {value} questions, {draw} per attempt, {value2}, "
                "pass mark {pass_mark:.0%}, cooldown {value3}."
            )
        ctx.reply(
            said.format(
                slug=bank.slug,
                name=bank.name,
                value=len(bank.questions),
                draw=bank.draw,
                value2=format_duration(bank.time_limit),
                pass_mark=bank.pass_mark,
                value3=format_duration(bank.cooldown),
                prerequisite=bank.prerequisite,
            )
        )

    @reg.command("cert", "tracks", help="The certification tracks of this community.")
    def cert_tracks(ctx: Ctx) -> None:
        rows = list(
            ctx.db.execute(
                select(CertTrack)
                .where(CertTrack.community_id == ctx.community.id)
                .order_by(CertTrack.slug)
            ).scalars()
        )
        if not rows:
            ctx.private(_("No certification tracks yet (moderators: /cert import FILE)."))
            return
        lines = []
        for t in rows:
            b = rules.bank_from_data(t.bank)
            lines.append(
                _(
                    "• **{slug}**: {name} — {draw} questions in {value}, pass {pass_mark:.0%}"
                ).format(
                    slug=t.slug,
                    name=t.name,
                    draw=b.draw,
                    value=format_duration(b.time_limit),
                    pass_mark=b.pass_mark,
                )
                + (
                    _(", after {prerequisite}").format(prerequisite=b.prerequisite)
                    if b.prerequisite
                    else ""
                )
            )
        ctx.private(_("🎓 Tracks:\n") + "\n".join(lines))

    @reg.command(
        "cert",
        "apply",
        help="Take a track's exam: it runs in a direct message, one question at a time.",
        params=[Param("track", positional=True, required=True, metavar="TRACK")],
        examples=("cert apply developer",),
    )
    def cert_apply(ctx: Ctx, track: str) -> None:
        row = _track(ctx, track)
        bank = rules.bank_from_data(row.bank)
        user = ctx.actor.user_id
        if _valid_credential(ctx, row.id or 0, user):
            raise UserError(_("you already hold the {slug} credential").format(slug=row.slug))
        if _running(ctx, user):
            raise UserError(_("you have an exam running; finish it first"))
        if bank.prerequisite:
            pre = _track(ctx, bank.prerequisite)
            if not _valid_credential(ctx, pre.id or 0, user):
                raise UserError(
                    _("the {slug} track needs the {slug1} credential first").format(
                        slug=row.slug, slug1=pre.slug
                    )
                )
        last = ctx.db.execute(
            select(CertAttempt)
            .where(CertAttempt.track_id == row.id, CertAttempt.user_id == user)
            .order_by(CertAttempt.started_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if last is not None and ctx.now < last.started_at + bank.cooldown:
            again = format_when(last.started_at + bank.cooldown, ctx.zone)
            raise UserError(
                _("you can take the {slug} exam again from {again}").format(
                    slug=row.slug, again=again
                )
            )
        paper = rules.draw_paper(bank, random.SystemRandom())
        attempt = CertAttempt(
            community_id=ctx.community.id or 0,
            track_id=row.id or 0,
            user_id=user,
            started_at=ctx.now,
            ends_at=ctx.now + bank.time_limit,
            paper={"questions": paper},
            out_of=len(paper),
        )
        ctx.db.add(attempt)
        ctx.db.flush()
        ctx.schedule("cert.timeout", f"cert:{attempt.id}", attempt.ends_at, {"id": attempt.id})
        ctx.audit("cert.apply", track=row.slug)
        if not ctx.is_direct:
            ctx.private(
                _("🎓 Your {slug} exam has started in a direct message.").format(slug=row.slug)
            )
        ctx.dm(
            user,
            _("🎓 {name}: {value} questions, {value2} (until {value3}). Good luck!").format(
                name=bank.name,
                value=len(paper),
                value2=format_duration(bank.time_limit),
                value3=format_when(attempt.ends_at, ctx.zone),
            ),
        )
        _ask(ctx, attempt, bank, user)

    @reg.command(
        "cert",
        "answer",
        help="Answer the current question of your exam (N, or N,M where several are right).",
        params=[Param("choice", positional=True, required=True, metavar="N[,M]")],
        examples=("cert answer 2", "cert answer 1,3"),
    )
    def cert_answer(ctx: Ctx, choice: str) -> None:
        attempt = _running(ctx, ctx.actor.user_id)
        if attempt is None:
            raise UserError(_("you have no exam running"))
        attempt = _lock_attempt(ctx, attempt.id or 0)
        assert attempt is not None
        try:
            shown = sorted({int(p) for p in choice.replace(" ", "").split(",") if p})
        except ValueError:
            raise UserError(
                _("'{choice}' is not an option number. Usage: {value}").format(
                    choice=choice, value=_usage(ctx, "answer")
                )
            ) from None
        _answer(ctx, attempt, attempt.current, shown)

    @reg.action("cert.answer")
    def on_answer(ctx: Ctx, value: str, added: bool) -> None:
        parts = value.split(":")
        if not added or len(parts) != 3 or not all(p.isdigit() for p in parts):
            return
        attempt = _lock_attempt(ctx, int(parts[0]))
        if attempt is None:
            return
        _answer(ctx, attempt, int(parts[1]), [int(parts[2])])

    @reg.due_kind("cert.timeout")
    def on_timeout(ctx: Ctx, work: Any) -> None:
        attempt = _lock_attempt(ctx, int(work.payload.get("id", 0)))
        if attempt is not None and attempt.status == "running":
            grade(ctx, attempt, timed_out=True)

    @reg.action("cert.announce")
    def on_announce(ctx: Ctx, value: str, added: bool) -> None:
        code, _sep, answer = value.rpartition(":")
        if not added:
            return
        cred = _credential(ctx, code)
        if cred.user_id != ctx.actor.user_id:
            raise UserError(_("only the holder can decide about announcing it"))
        if answer != "yes":
            ctx.private(_("Fine: it stays private."))
            return
        track = ctx.db.get(CertTrack, cred.track_id)
        channel = ctx.channel_for("recognition")
        if channel is None:
            ctx.private(_("There is no recognition channel set up; nothing was announced."))
            return
        key = f"cert-announce:{cred.id}"
        if repos.kv_get(ctx.db, "cert-announced", key):
            ctx.private(_("It has been announced already."))
            return
        repos.kv_put(ctx.db, "cert-announced", key, {"at": ctx.now.isoformat()})
        ctx.post(
            channel,
            _("🎓 Congratulations to @{value}: {value2} certified ({code}).").format(
                value=cred.user_display or cred.user_id,
                value2=track.name if track else _("a track"),
                code=cred.code,
            ),
        )
        ctx.private(_("Announced in #{channel}.").format(channel=channel))

    @reg.command(
        "cert",
        "verify",
        help="Check a credential code: whose it is, which track, which date.",
        params=[Param("code", positional=True, required=True, metavar="CODE")],
        examples=("cert verify MOOT-DEV-ABCD-EFGH-IJKL-MNOP",),
    )
    def cert_verify(ctx: Ctx, code: str) -> None:
        cred = _credential(ctx, code)
        track = ctx.db.get(CertTrack, cred.track_id)
        slug = track.slug if track else "?"
        genuine = rules.verify_code(
            _secret(ctx), cred.code, _community_name(ctx), slug, cred.user_id, cred.issued_on
        )
        if not genuine:
            raise UserError(
                _("'{value}' is not a valid credential code here").format(value=code.strip()[:40])
            )
        if cred.revoked_at:
            ctx.private(
                _(
                    "⚠️ {code} was issued to @{value} for {slug} on {issued_on} and REVOKED: "
                    "{revoked_reason}."
                ).format(
                    code=cred.code,
                    value=cred.user_display or cred.user_id,
                    slug=slug,
                    issued_on=cred.issued_on,
                    revoked_reason=cred.revoked_reason,
                )
            )
            return
        ctx.private(
            _("✅ {code} is valid: @{value}, track {slug} ({value2}), issued {issued_on}.").format(
                code=cred.code,
                value=cred.user_display or cred.user_id,
                slug=slug,
                value2=track.name if track else "",
                issued_on=cred.issued_on,
            )
        )

    @reg.command(
        "cert",
        "revoke",
        help="Revoke a credential (moderators).",
        params=[
            Param("code", positional=True, required=True, metavar="CODE"),
            Param("reason", "text", required=True, metavar='"REASON"'),
        ],
        permission="moderator",
        examples=('cert revoke MOOT-DEV-ABCD-EFGH-IJKL-MNOP --reason "exam shared"',),
    )
    def cert_revoke(ctx: Ctx, code: str, reason: str) -> None:
        cred = _credential(ctx, code)
        if cred.revoked_at:
            raise UserError(_("{code} is already revoked").format(code=cred.code))
        text = reason.strip()
        if not text:
            raise UserError(_("give a reason. Usage: {value}").format(value=_usage(ctx, "revoke")))
        cred.revoked_at, cred.revoked_reason = ctx.now, text[:500]
        ctx.db.add(cred)
        ctx.audit("cert.revoke", code=cred.code, reason=text[:500])
        ctx.reply(_("🚫 {code} is revoked: {value}").format(code=cred.code, value=text[:500]))

    @reg.command(
        "cert",
        "list",
        help="Someone's credentials (yours without a name).",
        params=[Param("user", "user", positional=True, metavar="USER")],
        examples=("cert list @alice",),
    )
    def cert_list(ctx: Ctx, user: str | None) -> None:
        who = user or ctx.actor.user_id
        rows = ctx.db.execute(
            select(Credential, CertTrack.slug)
            .join(CertTrack, CertTrack.id == Credential.track_id)
            .where(Credential.community_id == ctx.community.id, Credential.user_id == who)
            .order_by(Credential.issued_on)
        ).all()
        name = ctx.display_of(who)
        if not rows:
            ctx.private(_("@{name} holds no credentials.").format(name=name))
            return
        lines = [
            f"• {slug}: {c.code}, {c.issued_on}" + (" (revoked)" if c.revoked_at else "")
            for c, slug in rows
        ]
        ctx.private(_("🎓 Credentials of @{name}:\n").format(name=name) + "\n".join(lines))

    @reg.command(
        "cert",
        "stats",
        help="A track's attempts, pass rate, median score and the most missed questions.",
        params=[Param("track", positional=True, required=True, metavar="TRACK")],
        permission="moderator",
        examples=("cert stats developer",),
    )
    def cert_stats(ctx: Ctx, track: str) -> None:
        row = _track(ctx, track)
        bank = rules.bank_from_data(row.bank)
        graded = list(
            ctx.db.execute(
                select(CertAttempt).where(
                    CertAttempt.track_id == row.id, CertAttempt.status.in_(("passed", "failed"))
                )
            ).scalars()
        )
        if not graded:
            ctx.private(_("No graded attempts on {slug} yet.").format(slug=row.slug))
            return
        passes = sum(1 for a in graded if a.status == "passed")
        median = statistics.median((a.score or 0) / max(a.out_of, 1) for a in graded)
        missed: Counter[str] = Counter()
        by_id = {q.id: q for q in bank.questions}
        for a in graded:
            for item in a.paper["questions"]:
                q = by_id.get(item["id"])
                if q and frozenset(a.answers.get(item["id"]) or ()) != q.correct:
                    missed[item["id"]] += 1
        top = [f"  {n}× {by_id[qid].text[:80]}" for qid, n in missed.most_common(3) if qid in by_id]
        ctx.private(
            _(
                "📊 {slug}: {value} graded attempts, {passes} passed ({value2:.0%}), median score "
                "{median:.0%}."
            ).format(
                slug=row.slug,
                value=len(graded),
                passes=passes,
                value2=passes / len(graded),
                median=median,
            )
            + (_("\nMost missed:\n") + "\n".join(top) if top else "")
        )
