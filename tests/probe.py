"""A test-only feature that uses every option type, a form, buttons and a job kind.

It writes an audit row when it succeeds, so tests can check that refused input wrote
nothing.
"""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.feature import Feature
from bot.model import (
    Args,
    Button,
    Choice,
    OpenForm,
    Option,
    OptionType,
    Reply,
)
from storage.models import Job

RAN_JOBS: list[int] = []


def build_probe(core: Core) -> Feature:
    feature = Feature("probe", group="probe", description="Exercise the framework")

    @feature.command(
        "all",
        "Every option type",
        options=(
            Option("title", "A short text", required=True, max_length=20),
            Option("body", "A long text", OptionType.LONG_TEXT, max_length=100),
            Option("count", "A number", OptionType.INTEGER, min_value=1, max_value=10),
            Option(
                "pick",
                "A choice",
                OptionType.CHOICE,
                choices=(Choice("red"), Choice("green", "Green light")),
            ),
            Option("who", "A member", OptionType.MEMBER),
            Option("where", "A channel", OptionType.CHANNEL),
            Option("when", "A time", OptionType.DATETIME),
            Option("flag", "A boolean", OptionType.BOOLEAN),
        ),
    )
    async def every(ctx: Context, args: Args) -> Reply:
        await core.repos.audit.record(ctx.scope, ctx.actor.user_id, "probe.all", ctx.now())
        shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in args.items()}
        return Reply(repr(sorted(shown.items())))

    @feature.command(
        "note",
        "Write a note (opens a form)",
        options=(
            Option("subject", "Subject", required=True, max_length=40),
            Option("text", "Text", OptionType.LONG_TEXT, required=True),
            Option("mood", "Mood", OptionType.CHOICE, choices=(Choice("calm"), Choice("busy"))),
        ),
        form="auto",
    )
    async def note(ctx: Context, args: Args) -> Reply:
        if "mrn" in (args.text("text") or "").lower():  # stands in for the guard (issue 9)
            raise UserError("`text` looks like it holds patient information; remove it.")
        await core.repos.audit.record(
            ctx.scope, ctx.actor.user_id, "probe.note", ctx.now(), target=args.text("subject")
        )
        return Reply.public(
            f"note {args.text('subject')}: {args.text('text')} ({args.text('mood')})",
            buttons=[Button("Like", "probe.like", "42"), Button("Purge", "probe.purge", "42")],
        )

    @feature.command("boom", "Fails unexpectedly")
    async def boom(ctx: Context, args: Args) -> Reply:
        raise RuntimeError("secret member text must not reach the chat")

    @feature.command("refuse", "Refuses politely")
    async def refuse(ctx: Context, args: Args) -> Reply:
        raise UserError("Not today.")

    @feature.command(
        "dm", "DM a member", options=(Option("who", "Member", OptionType.MEMBER, required=True),)
    )
    async def dm(ctx: Context, args: Args) -> Reply:
        who = args.member("who")
        assert who is not None
        outcome = await ctx.dm(who.user_id, Reply("hello from probe"), purpose="probe")
        return Reply(f"dm {outcome.status}")

    @feature.command(
        "pair",
        "Introduce the caller and a member in one conversation",
        options=(Option("who", "Member", OptionType.MEMBER, required=True),),
    )
    async def pair(ctx: Context, args: Args) -> Reply:
        who = args.member("who")
        assert who is not None
        outcomes = await core.delivery.group_dm(
            ctx.scope, [ctx.actor.user_id, who.user_id], Reply("meet each other"), purpose="probe"
        )
        return Reply("pair " + ",".join(o.status for o in outcomes))

    @feature.command("ask", "Open the note form from a handler")
    async def ask(ctx: Context, args: Args) -> OpenForm:
        return OpenForm("probe.note", {"subject": "prefilled"})

    @feature.command(
        "slow",
        "Take a while before answering",
        options=(Option("seconds", "How long", OptionType.INTEGER, min_value=0, max_value=20),),
    )
    async def slow(ctx: Context, args: Args) -> Reply:
        await asyncio.sleep(args.integer("seconds") or 0)
        return Reply("slow done")

    @feature.command(
        "profile",
        "A form longer than one Discord dialog",
        options=tuple(
            Option(f"field{n}", f"Field {n}", required=n == 1, max_length=50) for n in range(1, 8)
        ),
        form="auto",
    )
    async def profile(ctx: Context, args: Args) -> Reply:
        return Reply(" ".join(f"{k}={v}" for k, v in sorted(args.items()) if v))

    @feature.command(
        "broadcast",
        "DM the caller several times (bulk sends)",
        options=(Option("count", "How many", OptionType.INTEGER, min_value=1, max_value=50),),
    )
    async def broadcast(ctx: Context, args: Args) -> Reply:
        count = args.integer("count") or 1
        outcomes = [
            await ctx.dm(ctx.actor.user_id, Reply(f"bulk {n}"), purpose="probe.bulk")
            for n in range(count)
        ]
        return Reply(f"sent {sum(o.reached for o in outcomes)}")

    @feature.home
    async def home(ctx: Context) -> Reply:
        return Reply(f"probe home for {ctx.actor.user_id}", title="Probe")

    @feature.action("like")
    async def like(ctx: Context, target: str) -> Reply:
        return Reply(f"{ctx.actor.user_id} liked {target}")

    @feature.action("purge", moderator_only=True)
    async def purge(ctx: Context, target: str) -> Reply:
        await core.repos.audit.record(ctx.scope, ctx.actor.user_id, "probe.purge", ctx.now())
        return Reply(f"purged {target}")

    async def still_relevant(job: Job) -> bool:
        return bool(job.payload.get("relevant", True))

    @feature.job("probe.ping", still_relevant=still_relevant)
    async def ping(job: Job) -> None:
        RAN_JOBS.append(job.id)
        await core.delivery.dm(job.scope, job.payload["to"], Reply("ping"), purpose="probe.ping")

    return feature


def setup(core: Core) -> Feature:
    """Loadable as a plugin (`FEATURES=all,tests.probe`) by a bot started as a process."""
    return build_probe(core)
