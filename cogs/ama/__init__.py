"""/ama: moderators schedule Q&A sessions with physicians; members RSVP, get reminders,
ask (anonymously if they like) and upvote; the host answers; a recap follows.

The flows live in `service.py`, the wording in `render.py`; this module declares the
commands, buttons, forms and jobs.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.feature import Feature
from bot.guard import check_text, inert
from bot.model import Args, Choice, Field, Option, OptionType, Reply, form_button
from bot.when import WhenProblem, parse_when, zone_named
from cogs.ama import render
from cogs.ama.duration import DurationProblem, parse_duration
from cogs.ama.recurrence import RepeatProblem, describe, occurrences, parse_repeat, to_rrule
from cogs.ama.service import (
    ANNOUNCE_JOB,
    END_JOB,
    MAX_AHEAD,
    REMIND_JOB,
    START_JOB,
    AmaService,
    Schedule,
    moderation_buttons,
    session_fields,
)
from storage.ama import APPROVED, PENDING, AmaSettings, SessionDraft

TITLE_MAX = 100
DESCRIPTION_MAX = 1500
QUESTION_MAX = 500
NOTE_MAX = 300
REMINDERS_MAX = 4
REMINDER_RANGE = (5, 7 * 24 * 60)  # minutes before the start
REVEAL_REASONS = ("harassment", "threat", "spam", "safety", "other")
_OFFSET = re.compile(r"([0-9]{1,4})\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)?", re.I)
_UNIT_MINUTES = {"d": 1440, "h": 60, "m": 1}


async def _sessions(ctx: Context, typed: str) -> list[Choice]:
    """Upcoming sessions matching what was typed, by id or title."""
    needle = typed.strip().lstrip("#").lower()
    found = []
    for session in await ctx.core.repos.ama.upcoming(ctx.scope, ctx.now()):
        label = f"{session.short_id} · {session.title} · {session.starts_at:%d %b %H:%M} UTC"
        if needle in label.lower():
            found.append(Choice(session.short_id, label[:100]))
    return found[:25]


SESSION = Option(
    "session",
    "The session's id, shown in its announcement (e.g. k7q2)",
    required=True,
    max_length=12,
    autocomplete=_sessions,
)
QUESTION = Option(
    "question",
    "The question's number, as /ama questions shows it (e.g. 12)",
    required=True,
    max_length=12,
)


def setup(core: Core) -> Feature:
    feature = Feature("ama", group="ama", description="Ask-me-anything sessions with physicians")
    service = AmaService(core)
    repo = core.repos.ama

    # ----- scheduling (moderators) ------------------------------------------------------

    @feature.command(
        "schedule",
        "Schedule a Q&A session (moderators)",
        options=(
            Option("title", "What the session is about", required=True, max_length=TITLE_MAX),
            Option("host", "The physician answering questions", OptionType.MEMBER, required=True),
            Option(
                "start",
                "When it starts: 2026-12-01 19:00, next tuesday 7pm, dec 5 6pm America/Chicago",
                required=True,
                max_length=80,
            ),
            Option("duration", "How long: 60, 90m, 1h30 (default 1 hour)", max_length=20),
            Option(
                "channel",
                "Where it happens (default: the announcements channel)",
                OptionType.CHANNEL,
            ),
            Option(
                "description",
                "What to expect, who should come",
                OptionType.LONG_TEXT,
                max_length=DESCRIPTION_MAX,
            ),
            Option(
                "repeat",
                "Optional: weekly x6, every 2 weeks until 2027-03-01, monthly x3",
                max_length=80,
            ),
        ),
        moderator_only=True,
        form="auto",
    )
    async def schedule(ctx: Context, args: Args) -> Reply:
        plan = await _plan(core, ctx, args)
        sessions = await service.create(ctx, plan)
        first = sessions[0]
        time_text = service.time_text(ctx.scope)
        more = ""
        if len(sessions) > 1:
            ids = ", ".join(f"`{s.short_id}`" for s in sessions)
            rule = plan.series[0] if plan.series else ""
            more = (
                f" It is a series of {len(sessions)} ({rule}): {ids}; each is announced "
                "after the one before ends."
            )
        return Reply(
            f"**{inert(first.title)}** (`{first.short_id}`) is scheduled for "
            f"{render.when_line(first, time_text)}, hosted by "
            f"{service.mention(ctx.scope, first.host_id)}, "
            f"and announced in {service.channel(ctx.scope, first.channel_id)}.{more}",
            title="AMA scheduled",
        )

    @feature.command(
        "edit",
        "Change a session (host or moderators)",
        options=(
            SESSION,
            Option("title", "A new title", max_length=TITLE_MAX),
            Option("host", "A new host", OptionType.MEMBER),
            Option("start", "A new start", max_length=80),
            Option("duration", "A new length", max_length=20),
            Option(
                "description", "A new description", OptionType.LONG_TEXT, max_length=DESCRIPTION_MAX
            ),
        ),
    )
    async def edit(ctx: Context, args: Args) -> Reply:
        session = await service.find(ctx.scope, args.text("session"))
        service.require_manager(ctx, session, "edit this session")
        changes: dict[str, Any] = {}
        if args.text("title") is not None:
            changes["title"] = _checked("title", args.text("title"), TITLE_MAX, required=True)
        if args.text("description") is not None:
            changes["description"] = _checked(
                "description", args.text("description"), DESCRIPTION_MAX
            )
        host = args.member("host")
        if host is not None:
            changes["host_id"] = host.user_id
        start, zone = session.starts_at, session.zone
        if args.text("start") is not None:
            start, zone = _start(args.text("start") or "", session.zone, ctx)
            changes["starts_at"], changes["zone"] = start, zone
        length = session.ends_at - session.starts_at
        if args.text("duration") is not None:
            length = timedelta(minutes=_duration(args.text("duration")))
        if "starts_at" in changes or args.text("duration") is not None:
            changes["ends_at"] = start + length
            if changes["ends_at"] <= ctx.now():
                raise UserError("With that change the session would already be over.")
        if not changes:
            raise UserError("Give at least one of title:, host:, start:, duration:, description:.")
        edited = await service.edit(ctx, session, changes)
        return Reply(
            f"**{inert(edited.title)}** (`{edited.short_id}`) now reads: "
            f"{render.when_line(edited, service.time_text(ctx.scope))}, hosted by "
            f"{service.mention(ctx.scope, edited.host_id)}. Everyone who RSVP'd was told of a "
            "new time or host.",
            title="AMA updated",
        )

    @feature.command(
        "cancel",
        "Cancel a session and tell everyone who RSVP'd (host or moderators)",
        options=(
            SESSION,
            Option("series", "Cancel the later sessions of its series too", OptionType.BOOLEAN),
            Option("note", "A short message to everyone who RSVP'd", max_length=NOTE_MAX),
        ),
    )
    async def cancel(ctx: Context, args: Args) -> Reply:
        session = await service.find(ctx.scope, args.text("session"))
        note = _checked("note", args.text("note"), NOTE_MAX) or None
        cancelled = await service.cancel(
            ctx, session, whole_series=bool(args.boolean("series")), note=note
        )
        ids = ", ".join(f"`{s.short_id}`" for s in cancelled)
        return Reply(
            f"Cancelled {ids}. The host and everyone who RSVP'd were told.", title="AMA cancelled"
        )

    # ----- everyone ---------------------------------------------------------------------

    @feature.command("list", "Upcoming sessions")
    async def listing(ctx: Context, args: Args) -> Reply:
        sessions = await repo.upcoming(ctx.scope, ctx.now(), limit=10)
        if not sessions:
            return Reply("No sessions are scheduled right now.", title="Upcoming AMAs")
        ids = [s.id for s in sessions]
        fields = session_fields(
            sessions,
            await repo.rsvp_counts(ids),
            await repo.going(ids, ctx.actor.user_id),
            service.time_text(ctx.scope),
        )
        return Reply(
            "`/ama rsvp session:<id>` to go, `/ama ask` to send a question.",
            title="Upcoming AMAs",
            fields=fields,
        )

    @feature.command("show", "One session: when, who, RSVPs and questions", options=(SESSION,))
    async def show(ctx: Context, args: Args) -> Reply:
        session = await service.find(ctx.scope, args.text("session"))
        return await _show(service, ctx, session)

    @feature.command("rsvp", "RSVP to a session, or take your RSVP back", options=(SESSION,))
    async def rsvp(ctx: Context, args: Args) -> Reply:
        return await service.rsvp(ctx, await service.find(ctx.scope, args.text("session")))

    @feature.command("calendar", "Get a session as a calendar (.ics) file", options=(SESSION,))
    async def calendar(ctx: Context, args: Args) -> Reply:
        return await service.calendar(ctx, await service.find(ctx.scope, args.text("session")))

    @feature.command(
        "ask",
        "Ask the host a question, anonymously if you like",
        options=(
            SESSION,
            Option(
                "question",
                "Your question",
                OptionType.LONG_TEXT,
                required=True,
                max_length=QUESTION_MAX,
            ),
            Option(
                "anonymous",
                "Hide your name from the host and everyone (yes/no)",
                OptionType.BOOLEAN,
            ),
        ),
        form="auto",
    )
    async def ask(ctx: Context, args: Args) -> Reply:
        session = await service.find(ctx.scope, args.text("session"))
        text = _checked("question", args.text("question"), QUESTION_MAX, required=True)
        return await service.ask(ctx, session, text, anonymous=bool(args.boolean("anonymous")))

    @feature.command("questions", "A session's questions, most votes first", options=(SESSION,))
    async def questions(ctx: Context, args: Args) -> Reply:
        return await _questions(service, ctx, await service.find(ctx.scope, args.text("session")))

    @feature.command("upvote", "Upvote a question, or take your vote back", options=(QUESTION,))
    async def upvote(ctx: Context, args: Args) -> Reply:
        return await service.vote(ctx, await service.question(ctx.scope, args.text("question")))

    @feature.command(
        "answered",
        "Mark a question answered (host or moderators)",
        options=(QUESTION, Option("undo", "Mark it open again", OptionType.BOOLEAN)),
    )
    async def answered(ctx: Context, args: Args) -> Reply:
        question = await service.question(ctx.scope, args.text("question"))
        return await service.mark_answered(ctx, question, undo=bool(args.boolean("undo")))

    # ----- moderation -------------------------------------------------------------------

    @feature.command(
        "queue",
        "Questions waiting for approval (moderators)",
        options=(Option("session", "Only this session", max_length=12, autocomplete=_sessions),),
        moderator_only=True,
    )
    async def queue(ctx: Context, args: Args) -> Reply:
        only = None
        if args.text("session"):
            only = [(await service.find(ctx.scope, args.text("session"))).id]
        waiting = await repo.pending(ctx.scope, only)
        if not waiting:
            return Reply("No questions are waiting for approval.", title="AMA question queue")
        shown = waiting[:8]  # three buttons each, within a message's limits
        mention = lambda u: service.mention(ctx.scope, u)  # noqa: E731
        return Reply(
            "\n".join(render.question_line(q, mention=mention) for q in shown)
            + (f"\n…and {len(waiting) - len(shown)} more." if len(waiting) > len(shown) else ""),
            title=f"AMA question queue ({len(waiting)} waiting)",
            buttons=[b for q in shown for b in moderation_buttons(q)],
        )

    @feature.command(
        "approve",
        "Approve a waiting question (moderators)",
        options=(QUESTION,),
        moderator_only=True,
    )
    async def approve(ctx: Context, args: Args) -> Reply:
        return await service.approve(ctx, await service.question(ctx.scope, args.text("question")))

    @feature.command(
        "reject",
        "Reject a question; its asker is told privately (moderators)",
        options=(
            QUESTION,
            Option("reason", "Optional: why, for the asker only", max_length=NOTE_MAX),
        ),
        moderator_only=True,
    )
    async def reject(ctx: Context, args: Args) -> Reply:
        reason = _checked("reason", args.text("reason"), NOTE_MAX) or None
        return await service.reject(
            ctx, await service.question(ctx.scope, args.text("question")), reason
        )

    @feature.command(
        "merge",
        "Merge a duplicate question into an earlier one (moderators)",
        options=(
            QUESTION,
            Option("into", "The earlier question's number", required=True, max_length=12),
        ),
        moderator_only=True,
        form="auto",
    )
    async def merge(ctx: Context, args: Args) -> Reply:
        duplicate = await service.question(ctx.scope, args.text("question"))
        into = await service.question(ctx.scope, args.text("into"))
        return await service.merge(ctx, duplicate, into)

    @feature.command(
        "reveal",
        "Reveal who asked an anonymous question, for abuse only (moderators; audited)",
        options=(
            QUESTION,
            Option(
                "reason",
                "Why this needs revealing",
                OptionType.CHOICE,
                required=True,
                choices=tuple(Choice(r) for r in REVEAL_REASONS),
            ),
        ),
        moderator_only=True,
    )
    async def reveal(ctx: Context, args: Args) -> Reply:
        question = await service.question(ctx.scope, args.text("question"))
        return await service.reveal(ctx, question, args.text("reason") or "other")

    @feature.command(
        "ama",
        "AMA settings: question approval and reminder times",
        options=(
            Option(
                "approval",
                "Require a moderator to approve each question before others see it",
                OptionType.CHOICE,
                choices=(Choice("on"), Choice("off")),
            ),
            Option(
                "reminders",
                "When to remind before a session: 24h, 15m ('none' for no reminders)",
                max_length=60,
            ),
        ),
        moderator_only=True,
        group="setup",
    )
    async def settings(ctx: Context, args: Args) -> Reply:
        current = await repo.settings(ctx.scope)
        approval = args.text("approval")
        reminders = args.text("reminders")
        if approval is None and reminders is None:
            return Reply(
                f"Question approval is {'on' if current.require_approval else 'off'}; reminders go "
                f"{_offsets_text(current.reminder_minutes)} before each session.",
                title="AMA settings",
            )
        updated = AmaSettings(
            current.require_approval if approval is None else approval == "on",
            current.reminder_minutes if reminders is None else _offsets(reminders),
        )
        async with core.db.transaction():
            await repo.save_settings(ctx.scope, updated, ctx.now())
            await ctx.audit(
                "setup.ama",
                detail={
                    "require_approval": updated.require_approval,
                    "reminders": list(updated.reminder_minutes),
                },
                summary=f"set AMA approval {'on' if updated.require_approval else 'off'}, "
                f"reminders {_offsets_text(updated.reminder_minutes)}",
            )
        rearmed = 0
        if updated.reminder_minutes != current.reminder_minutes:
            rearmed = await service.rearm_upcoming(ctx.scope)
        return Reply(
            f"Question approval is {'on' if updated.require_approval else 'off'}; reminders go "
            f"{_offsets_text(updated.reminder_minutes)} before each session"
            + (f" (re-planned for {rearmed} upcoming session(s))." if rearmed else "."),
            title="AMA settings",
        )

    # ----- buttons ----------------------------------------------------------------------

    @feature.action("rsvp")
    async def rsvp_button(ctx: Context, target: str) -> Reply:
        return await service.rsvp(ctx, await service.find(ctx.scope, target))

    @feature.action("calendar")
    async def calendar_button(ctx: Context, target: str) -> Reply:
        return await service.calendar(ctx, await service.find(ctx.scope, target))

    @feature.action("questions")
    async def questions_button(ctx: Context, target: str) -> Reply:
        return await _questions(service, ctx, await service.find(ctx.scope, target))

    @feature.action("vote")
    async def vote_button(ctx: Context, target: str) -> Reply:
        return await service.vote(ctx, await service.question(ctx.scope, target))

    @feature.action("answered")
    async def answered_button(ctx: Context, target: str) -> Reply:
        return await service.mark_answered(
            ctx, await service.question(ctx.scope, target), undo=False
        )

    @feature.action("approve", moderator_only=True)
    async def approve_button(ctx: Context, target: str) -> Reply:
        return await service.approve(ctx, await service.question(ctx.scope, target))

    @feature.action("reject", moderator_only=True)
    async def reject_button(ctx: Context, target: str) -> Reply:
        return await service.reject(ctx, await service.question(ctx.scope, target), None)

    # ----- jobs -------------------------------------------------------------------------

    feature.job(REMIND_JOB)(service.remind_job)
    feature.job(START_JOB)(service.start_job)
    feature.job(END_JOB)(service.end_job)
    feature.job(ANNOUNCE_JOB)(service.announce_job)

    @feature.home
    async def home(ctx: Context) -> Reply | None:
        sessions = await repo.upcoming(ctx.scope, ctx.now(), limit=25)
        going = await repo.going([s.id for s in sessions], ctx.actor.user_id)
        mine = [s for s in sessions if s.id in going or s.host_id == ctx.actor.user_id]
        if not mine:
            return None
        return Reply(
            "",
            title="Your AMA sessions",
            fields=session_fields(
                mine,
                await repo.rsvp_counts([s.id for s in mine]),
                going,
                service.time_text(ctx.scope),
            ),
        )

    return feature


# ----- reading what was typed ------------------------------------------------------------


def _checked(name: str, text: str | None, most: int, *, required: bool = False) -> str:
    value = (text or "").strip()
    problems = check_text(name, value, max_length=most, required=required)
    if problems:
        raise UserError("\n".join(f"• {p.message}" for p in problems))
    return value


def _start(text: str, zone: str, ctx: Context) -> tuple[Any, str]:
    """The start, checked: readable, in the future, at most a year away; and its zone."""
    try:
        zone = zone_named(text, zone)
        start = parse_when(text, zone, ctx.now())
    except WhenProblem as problem:
        raise UserError(f"`start` {problem}") from None
    if start <= ctx.now():
        raise UserError(f"`start` is in the past ({start:%Y-%m-%d %H:%M} UTC); give a time ahead.")
    if start > ctx.now() + MAX_AHEAD:
        raise UserError("`start` is more than a year away; schedule sessions within the next year.")
    return start, zone


def _duration(text: str | None) -> int:
    try:
        return parse_duration(text)
    except DurationProblem as problem:
        raise UserError(f"`duration`: {problem}") from None


async def _plan(core: Core, ctx: Context, args: Args) -> Schedule:
    title = _checked("title", args.text("title"), TITLE_MAX, required=True)
    description = _checked("description", args.text("description"), DESCRIPTION_MAX)
    host = args.member("host")
    assert host is not None  # required option
    start, zone = _start(args.text("start") or "", await ctx.timezone(), ctx)
    minutes = _duration(args.text("duration"))
    channel = args.channel("channel")
    channel_id = (
        channel.channel_id
        if channel
        else (await core.repos.communities.get(ctx.scope)).announcements_channel
    )
    if not channel_id:
        raise UserError(
            "Where should it be announced? Give `channel:`, or set an announcements channel "
            "with `/setup channels announcements:`."
        )
    local_today = ctx.now().astimezone(ZoneInfo(zone)).date()
    try:
        repeat = parse_repeat(args.text("repeat"), local_today)
        starts = occurrences(start, repeat, zone, horizon=ctx.now() + MAX_AHEAD)
    except RepeatProblem as problem:
        raise UserError(f"`repeat`: {problem}") from None
    series = (describe(repeat), to_rrule(repeat, start, zone)) if repeat is not None else None
    draft = SessionDraft(
        title,
        description,
        host.user_id,
        channel_id,
        start,
        start + timedelta(minutes=minutes),
        zone,
    )
    return Schedule(draft, starts, series)


def _offsets(text: str) -> tuple[int, ...]:
    words = text.strip().lower()
    if words in ("none", "off", "no"):
        return ()
    minutes: list[int] = []
    for part in re.split(r"[,;]|\band\b", words):
        part = part.strip()
        if not part:
            continue
        found = _OFFSET.fullmatch(part)
        if found is None:
            raise UserError(
                f"`reminders`: I can't read {inert(part)!r}; use times before the start such as "
                "`24h, 15m`, `2d, 1h`, or `none`."
            )
        unit = (found.group(2) or "m")[0].lower()
        value = int(found.group(1)) * _UNIT_MINUTES[unit]
        if not REMINDER_RANGE[0] <= value <= REMINDER_RANGE[1]:
            raise UserError(
                "`reminders`: each must be between 5 minutes and 7 days before the start."
            )
        minutes.append(value)
    unique = tuple(sorted(set(minutes), reverse=True))
    if not unique or len(unique) > REMINDERS_MAX:
        raise UserError(
            f"`reminders`: give 1 to {REMINDERS_MAX} times, such as `24h, 15m` (or `none`)."
        )
    return unique


def _offsets_text(minutes: tuple[int, ...]) -> str:
    if not minutes:
        return "never"
    return " and ".join(render.about(timedelta(minutes=m)) for m in minutes)


async def _show(service: AmaService, ctx: Context, session: Any) -> Reply:
    repo = service.repo
    time_text = service.time_text(ctx.scope)
    count = (await repo.rsvp_counts([session.id])).get(session.id, 0)
    going = session.id in await repo.going([session.id], ctx.actor.user_id)
    approved = await repo.questions(session.id)
    fields = [
        Field("Host", service.mention(ctx.scope, session.host_id), inline=True),
        Field("When", render.when_line(session, time_text), inline=True),
        Field("Where", service.channel(ctx.scope, session.channel_id), inline=True),
        Field("State", session.phase(ctx.now()), inline=True),
        Field("RSVPs", f"{count}" + (" (you're going)" if going else ""), inline=True),
        Field("Questions", str(len(approved)), inline=True),
    ]
    if session.series_id:
        series = await repo.series(session.series_id)
        if series is not None:
            fields.append(Field("Series", f"Session {session.seq}: {series.rule}"))
    if service.can_manage(ctx, session):
        pending = await repo.pending(ctx.scope, [session.id])
        tally = await repo.reminder_tally(session.id, session.starts_at)
        reminders = ", ".join(
            f"{render.about(timedelta(minutes=m))} before: {n} {status}"
            for (m, status), n in sorted(tally.items(), reverse=True)
        )
        fields.append(Field("Waiting for approval", str(len(pending)), inline=True))
        fields.append(Field("Reminders", reminders or "none sent yet"))
    buttons = (
        render.session_buttons(session) if session.phase(ctx.now()) in ("upcoming", "live") else []
    )
    return Reply(
        inert(session.description),
        title=f"AMA `{session.short_id}`: {inert(session.title)}",
        fields=fields,
        buttons=buttons,
    )


async def _questions(service: AmaService, ctx: Context, session: Any) -> Reply:
    repo = service.repo
    manager = service.can_manage(ctx, session)
    approved = await repo.questions(session.id, (APPROVED,))
    mention = lambda u: service.mention(ctx.scope, u)  # noqa: E731
    text = render.question_list(approved, mention=mention)
    if ctx.is_moderator:
        pending = await repo.questions(session.id, (PENDING,))
        if pending:
            text += (
                f"\n\n{len(pending)} question(s) wait for approval: "
                f"`/ama queue session:{session.short_id}`."
            )
    buttons = []
    open_now = session.phase(ctx.now()) in ("upcoming", "live")
    if open_now:
        for question in [q for q in approved if not q.answered][:5]:
            buttons.append(render.vote_button(question))
            if manager:
                buttons.append(render.answered_button(question))
        buttons.append(
            form_button("Ask a question", render.ASK_FORM, prefill={"session": session.short_id})
        )
    return Reply(
        text, title=f"Questions for `{session.short_id}` {inert(session.title)}", buttons=buttons
    )
