"""A small test-only capability for the Matrix end-to-end tests: a poll whose choices become
numbered lines and the bot's own reactions, ballots kept in the database (so a killed and
restarted bot process keeps them), thread replies noted, a private reply, and a close that
posts the result once in the poll's thread."""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.errors import UserError
from bot.model import Choice, Edit
from bot.registry import Registry
from bot.specs import Param
from storage import repos

NS = "testpoll"
CHOICES = (
    Choice("poll.pick", "a", "Apples"),
    Choice("poll.pick", "b", "Bananas"),
)
LABELS = {c.value: c.label for c in CHOICES}


def _state(ctx: Ctx, n: int) -> dict[str, Any]:
    state = repos.kv_get(ctx.db, NS, str(n))
    if state is None:
        raise UserError(f"there is no poll {n}")
    return state


def tally_text(state: dict[str, Any]) -> str:
    counts = {v: 0 for v in LABELS}
    for picks in state["ballots"].values():
        for v in picks:
            counts[v] += 1
    tally = ", ".join(f"{LABELS[v]}: {counts[v]}" for v in LABELS)
    return f"Poll {state['n']}: {state['question']} ({tally})"


def register(reg: Registry, log: list[tuple[Any, ...]] | None = None) -> Registry:
    record = log.append if log is not None else (lambda item: None)

    @reg.command(
        "poll",
        help="Start a test poll.",
        params=[Param("question", positional=True, required=True, rest=True)],
    )
    def start(ctx: Ctx, question: str) -> None:
        count = repos.kv_get(ctx.db, NS, "count") or {"n": 0}
        n = count["n"] + 1
        repos.kv_put(ctx.db, NS, "count", {"n": n})
        state = {"n": n, "question": question, "ballots": {}, "closed": False}
        repos.kv_put(ctx.db, NS, str(n), state)
        record(("start", n, ctx.actor.user_id, ctx.address.thread))
        ctx.reply(tally_text(state), choices=CHOICES, ref=f"poll:{n}")

    @reg.action("poll.pick")
    def pick(ctx: Ctx, value: str, added: bool) -> None:
        n = int(str(ctx.message_ref).split(":")[1])
        state = _state(ctx, n)
        if state["closed"]:
            return
        picks = set(state["ballots"].get(ctx.actor.user_id, []))
        picks = picks | {value} if added else picks - {value}
        ballots = {**state["ballots"], ctx.actor.user_id: sorted(picks)}
        state = {**state, "ballots": {u: p for u, p in ballots.items() if p}}
        repos.kv_put(ctx.db, NS, str(n), state)
        record(("pick", n, ctx.actor.user_id, value, added, sorted(ctx.actor.roles)))
        ctx.emit(Edit(f"poll:{n}", tally_text(state), choices=CHOICES))

    @reg.thread_reply("poll")
    def replied(ctx: Ctx, ref: str, text: str) -> None:
        record(("reply", ref, ctx.actor.user_id, text))
        ctx.reply(f"Noted, {ctx.actor.display}.")

    @reg.command(
        "whisper",
        help="Answer privately.",
        params=[Param("text", positional=True, required=True, rest=True)],
    )
    def whisper(ctx: Ctx, text: str) -> None:
        record(("whisper", ctx.actor.user_id, text, ctx.is_direct))
        ctx.private(f"psst: {text}")

    @reg.command(
        "pollclose",
        help="Close a test poll (moderators).",
        params=[Param("number", "int", positional=True, required=True)],
        permission="moderator",
    )
    def close(ctx: Ctx, number: int) -> None:
        state = _state(ctx, number)
        if state["closed"]:
            raise UserError(f"poll {number} is already closed")
        repos.kv_put(ctx.db, NS, str(number), {**state, "closed": True})
        record(("close", number))
        ctx.post(
            ctx.address.channel,
            f"Result of poll {number}: " + tally_text(state),
            thread_ref=f"poll:{number}",
        )

    return reg
