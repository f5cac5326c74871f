"""AMA sessions as a service: schedule, announce, remind, start, recap; questions, votes,
moderation and the audited reveal of an anonymous asker.

The tables are the truth. Every reminder, start and recap is a scheduled job whose key
names the start time it belongs to, so an edit that moves the session re-arms them and a
restart finds them. Each reminder writes one row per person before its DM goes out: a
reminder is never sent twice, and one that came too late is written down as missed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.guard import inert
from bot.model import Attachment, Button, ButtonStyle, Field, Reply, form_button
from bot.options import row_id
from bot.transport import DeliveryFailed, EventStatus, PlatformEvent
from cogs.ama import render
from cogs.ama.calendar import ICS_CONTENT_TYPE, ics_filename, session_ics
from storage import Scope
from storage.ama import (
    APPROVED,
    MISSED,
    OPEN_QUESTION,
    PENDING,
    REJECTED,
    SENDING,
    AmaSettings,
    Question,
    Session,
    SessionDraft,
)
from storage.models import Job

log = logging.getLogger(__name__)

REMIND_JOB = "ama.remind"
START_JOB = "ama.start"
END_JOB = "ama.end"
ANNOUNCE_JOB = "ama.announce"
MAX_AHEAD = timedelta(days=365)
TOP_AT_START = 5


@dataclass(frozen=True, slots=True)
class Schedule:
    """A checked request to schedule: the first session, and the starts of all."""

    draft: SessionDraft
    starts: list[datetime]
    series: tuple[str, str] | None  # (rule as shown, RRULE)


class AmaService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.repo = core.repos.ama

    # ----- helpers ----------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.core.clock.now()

    def mention(self, scope: Scope, user_id: str) -> str:
        transport = self.core.delivery.transport(scope)
        return transport.mention(user_id) if transport else user_id

    def channel(self, scope: Scope, channel_id: str) -> str:
        transport = self.core.delivery.transport(scope)
        return transport.channel_label(channel_id) if transport else f"#{channel_id}"

    def time_text(self, scope: Scope) -> render.TimeText:
        transport = self.core.delivery.transport(scope)
        if transport is None:
            return lambda when, zone: when.strftime("%Y-%m-%d %H:%M UTC")
        return transport.format_time

    async def find(self, scope: Scope, typed: str | None) -> Session:
        session = await self.repo.get(scope, typed or "")
        if session is None:
            raise UserError(
                f"There is no session `{inert((typed or '').strip())[:12]}` here. "
                "`/ama list` shows upcoming sessions with their ids."
            )
        return session

    async def question(self, scope: Scope, typed: str | None) -> Question:
        number = row_id((typed or "").strip().lstrip("#").lower().removeprefix("q"))
        question = await self.repo.question(scope, number) if number is not None else None
        if question is None:
            raise UserError(
                f"There is no question `{inert((typed or '').strip())[:12]}` here; give its "
                "number as shown in `/ama questions`, e.g. `12`."
            )
        return question

    @staticmethod
    def can_manage(ctx: Context, session: Session) -> bool:
        """The host and moderators run a session (edit, cancel, mark answered)."""
        return ctx.is_moderator or ctx.actor.user_id == session.host_id

    def require_manager(self, ctx: Context, session: Session, doing: str) -> None:
        if not self.can_manage(ctx, session):
            raise UserError(f"Only the host or a moderator can {doing}.")

    # ----- scheduling -------------------------------------------------------------------

    async def create(self, ctx: Context, plan: Schedule) -> list[Session]:
        drafts = [
            SessionDraft(
                plan.draft.title,
                plan.draft.description,
                plan.draft.host_id,
                plan.draft.channel_id,
                start,
                start + (plan.draft.ends_at - plan.draft.starts_at),
                plan.draft.zone,
            )
            for start in plan.starts
        ]
        async with self.core.db.transaction():
            sessions = await self.repo.create(
                ctx.scope, drafts, ctx.actor.user_id, self._now(), series=plan.series
            )
            await ctx.audit(
                "ama.schedule",
                target=sessions[0].short_id,
                detail={"sessions": len(sessions), "starts_at": sessions[0].starts_at.isoformat()},
                summary=f"scheduled AMA `{sessions[0].short_id}`"
                + (f" and {len(sessions) - 1} more in its series" if len(sessions) > 1 else ""),
            )
        settings = await self.repo.settings(ctx.scope)
        for previous, session in zip([None, *sessions], sessions, strict=False):
            await self.arm(session, settings)
            if previous is not None:
                await self.core.scheduler.schedule(
                    ctx.scope,
                    ANNOUNCE_JOB,
                    str(session.id),
                    previous.ends_at,
                    {"session": session.id},
                )
        await self.announce(sessions[0])
        await self._tell_host(sessions[0], len(sessions))
        return sessions

    async def arm(self, session: Session, settings: AmaSettings) -> None:
        """Reminders, start and recap for the session's current times (old ones cancelled)."""
        await self.disarm(session)
        now = self._now()
        stamp = _stamp(session.starts_at)
        for minutes in settings.reminder_minutes:
            due = session.starts_at - timedelta(minutes=minutes)
            if due <= now:
                continue  # too late for this one already: the next reminder covers it
            await self.core.scheduler.schedule(
                session.scope,
                REMIND_JOB,
                f"{session.id}:{minutes}:{stamp}",
                due,
                {"session": session.id, "minutes": minutes, "starts_at": stamp},
            )
        await self.core.scheduler.schedule(
            session.scope,
            START_JOB,
            f"{session.id}:{stamp}",
            session.starts_at,
            {"session": session.id, "starts_at": stamp},
        )
        await self.core.scheduler.schedule(
            session.scope,
            END_JOB,
            f"{session.id}:{_stamp(session.ends_at)}",
            session.ends_at,
            {"session": session.id, "ends_at": _stamp(session.ends_at)},
        )

    async def disarm(self, session: Session) -> None:
        for kind in (REMIND_JOB, START_JOB, END_JOB):
            await self.core.scheduler.cancel_prefix(session.scope, kind, f"{session.id}:")

    async def rearm_upcoming(self, scope: Scope) -> int:
        """After the community changed its reminder times."""
        settings = await self.repo.settings(scope)
        sessions = await self.repo.upcoming(scope, self._now(), limit=500)
        for session in sessions:
            if session.started_at is None:
                await self.arm(session, settings)
        return len(sessions)

    async def announce(self, session: Session) -> None:
        reply = await self._announcement(session)
        outcome = await self.core.delivery.post(
            session.scope, session.channel_id, reply, purpose="ama.announce"
        )
        event_ref = await self._create_event(session)
        await self.repo.set_refs(
            session.id,
            announce_ref=outcome.message_ref,
            announced_at=self._now(),
            event_ref=event_ref,
        )

    async def _announcement(self, session: Session) -> Reply:
        series = await self.repo.series(session.series_id) if session.series_id else None
        count = len(await self.repo.in_series(session.series_id)) if session.series_id else 1
        return render.announcement(
            session,
            time_text=self.time_text(session.scope),
            mention=lambda u: self.mention(session.scope, u),
            channel=self.channel(session.scope, session.channel_id),
            series=series,
            series_count=count,
        )

    async def _tell_host(self, session: Session, count: int) -> None:
        more = f" It is the first of {count} sessions." if count > 1 else ""
        await self.core.delivery.dm(
            session.scope,
            session.host_id,
            Reply(
                f"You are hosting **{inert(session.title)}** "
                f"{self.time_text(session.scope)(session.starts_at, session.zone)} in "
                f"{self.channel(session.scope, session.channel_id)} (session "
                f"`{session.short_id}`).{more} We will remind you before it starts; you "
                "can mark questions answered with `/ama questions`.",
                title="You are hosting an AMA",
            ),
            purpose="ama.host",
        )

    def _platform_event(self, session: Session) -> PlatformEvent:
        summary = inert(session.description)
        return PlatformEvent(
            title=session.title,
            description=(
                f"{summary}\n\nAsk your questions with /ama ask session:{session.short_id}"
            ).strip(),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location=self.channel(session.scope, session.channel_id),
        )

    async def _create_event(self, session: Session) -> str | None:
        events = self.core.delivery.events(session.scope)
        if events is None:
            return None
        try:
            return await events.create_event(session.scope, self._platform_event(session))
        except DeliveryFailed as exc:
            log.warning("ama %s: the platform event could not be created (%s)", session.id, exc)
            return None

    async def _event_status(self, session: Session, status: EventStatus) -> None:
        events = self.core.delivery.events(session.scope)
        if events is None or not session.event_ref:
            return
        try:
            await events.set_event_status(session.scope, session.event_ref, status)
        except DeliveryFailed as exc:
            log.warning("ama %s: platform event -> %s failed (%s)", session.id, status, exc)

    # ----- jobs -------------------------------------------------------------------------

    async def remind_job(self, job: Job) -> None:
        session = await self.repo.by_id(int(job.payload["session"]))
        if (
            session is None
            or session.cancelled
            or _stamp(session.starts_at) != job.payload["starts_at"]
        ):
            return  # cancelled or moved: the moved session has its own reminders
        minutes = int(job.payload["minutes"])
        now = self._now()
        recipients = list(dict.fromkeys([session.host_id, *await self.repo.rsvps(session.id)]))
        settings = await self.repo.settings(session.scope)
        # Late (the bot was down): when a closer reminder is due too, that one speaks.
        superseded = any(
            m < minutes and session.starts_at - timedelta(minutes=m) <= now
            for m in settings.reminder_minutes
        )
        if now >= session.starts_at or superseded:
            for user_id in recipients:
                await self.repo.claim_reminder(
                    session.id, user_id, minutes, session.starts_at, MISSED, now
                )
            log.warning(
                "ama %s: the %d-minute reminder came due while the bot was down; recorded as "
                "missed for %d people",
                session.id,
                minutes,
                len(recipients),
            )
            return
        time_text = self.time_text(session.scope)
        channel = self.channel(session.scope, session.channel_id)
        for user_id in recipients:
            if not await self.repo.claim_reminder(
                session.id, user_id, minutes, session.starts_at, SENDING, now
            ):
                continue  # already sent (or written down as missed)
            reply = render.reminder(
                session,
                now,
                time_text=time_text,
                channel=channel,
                hosting=user_id == session.host_id,
            )
            outcome = await self.core.delivery.dm(
                session.scope, user_id, reply, purpose="ama.reminder"
            )
            await self.repo.settle_reminder(
                session.id, user_id, minutes, session.starts_at, outcome.status, outcome.entry_id
            )

    async def start_job(self, job: Job) -> None:
        session = await self.repo.by_id(int(job.payload["session"]))
        if (
            session is None
            or session.cancelled
            or _stamp(session.starts_at) != job.payload["starts_at"]
        ):
            return
        if self._now() >= session.ends_at:
            return  # the bot was down for the whole session: the recap still comes
        if not await self.repo.mark_started(session.id, self._now()):
            return
        top = [q for q in await self.repo.questions(session.id) if not q.answered][:TOP_AT_START]
        await self.core.delivery.post(
            session.scope,
            session.channel_id,
            render.starting_now(session, top, mention=lambda u: self.mention(session.scope, u)),
            purpose="ama.start",
        )
        await self._event_status(session, "active")

    async def end_job(self, job: Job) -> None:
        session = await self.repo.by_id(int(job.payload["session"]))
        if (
            session is None
            or session.cancelled
            or _stamp(session.ends_at) != job.payload["ends_at"]
        ):
            return
        if not await self.repo.mark_ended(session.id, self._now()):
            return
        questions = await self.repo.questions(session.id)
        answered = [q for q in questions if q.answered]
        mention = lambda u: self.mention(session.scope, u)  # noqa: E731
        await self.core.delivery.post(
            session.scope,
            session.channel_id,
            render.recap(session, answered, len(questions) - len(answered), mention=mention),
            purpose="ama.recap",
        )
        if session.announce_ref:
            await self.core.delivery.edit(
                session.scope,
                session.announce_ref,
                render.closed_announcement(
                    session, time_text=self.time_text(session.scope), mention=mention
                ),
            )
        if session.started_at is None:
            await self._event_status(session, "active")  # Discord completes only live events
        await self._event_status(session, "completed")

    async def announce_job(self, job: Job) -> None:
        session = await self.repo.by_id(int(job.payload["session"]))
        if session is None or session.cancelled or session.announced_at is not None:
            return
        if self._now() >= session.starts_at:
            log.warning("ama %s: its announcement came due after it started; skipped", session.id)
            return
        await self.announce(session)

    # ----- edit and cancel --------------------------------------------------------------

    async def edit(self, ctx: Context, session: Session, changes: dict[str, Any]) -> Session:
        self.require_manager(ctx, session, "edit this session")
        phase = session.phase(ctx.now())
        if phase in ("over", "cancelled"):
            raise UserError(f"Session `{session.short_id}` is {phase}; it can no longer change.")
        moved = "starts_at" in changes or "ends_at" in changes
        if "starts_at" in changes and phase == "live":
            raise UserError("The session has started; its start can no longer move.")
        async with self.core.db.transaction():
            edited = await self.repo.edit(session.id, ctx.now(), **changes)
            if edited is None:
                raise UserError(f"Session `{session.short_id}` was cancelled meanwhile.")
            await ctx.audit(
                "ama.edit",
                target=session.short_id,
                detail={"changed": sorted(changes)},
                summary=f"edited AMA `{session.short_id}` ({', '.join(sorted(changes))})",
            )
        if moved:
            await self.arm(edited, await self.repo.settings(ctx.scope))
        if edited.announce_ref:
            await self.core.delivery.edit(
                ctx.scope, edited.announce_ref, await self._announcement(edited)
            )
        events = self.core.delivery.events(ctx.scope)
        if events is not None and edited.event_ref:
            try:
                await events.update_event(ctx.scope, edited.event_ref, self._platform_event(edited))
            except DeliveryFailed as exc:
                log.warning("ama %s: the platform event could not be updated (%s)", edited.id, exc)
        if moved or "host_id" in changes:
            await self._tell_attendees(
                edited,
                f"**{inert(edited.title)}** has changed: it is now "
                f"{render.when_line(edited, self.time_text(ctx.scope))}, hosted by "
                f"{self.mention(ctx.scope, edited.host_id)}.",
                title="AMA changed",
                purpose="ama.changed",
            )
        return edited

    async def cancel(
        self, ctx: Context, session: Session, *, whole_series: bool, note: str | None
    ) -> list[Session]:
        self.require_manager(ctx, session, "cancel this session")
        targets = [session]
        if whole_series and session.series_id is not None:
            targets = [
                s
                for s in await self.repo.in_series(session.series_id)
                if s.seq >= session.seq and s.phase(ctx.now()) in ("upcoming", "live")
            ]
        if session.phase(ctx.now()) not in ("upcoming", "live"):
            raise UserError(f"Session `{session.short_id}` is {session.phase(ctx.now())} already.")
        cancelled: list[Session] = []
        for target in targets:
            async with self.core.db.transaction():
                if not await self.repo.cancel(target.id, ctx.now()):
                    continue
                await ctx.audit(
                    "ama.cancel",
                    target=target.short_id,
                    summary=f"cancelled AMA `{target.short_id}`",
                )
            await self.disarm(target)
            await self.core.scheduler.cancel(ctx.scope, ANNOUNCE_JOB, str(target.id))
            gone = await self.repo.by_id(target.id)
            assert gone is not None
            cancelled.append(gone)
            extra = f"\n\nFrom the organisers: {inert(note)}" if note else ""
            await self._tell_attendees(
                gone,
                f"**{inert(gone.title)}** "
                f"({self.time_text(ctx.scope)(gone.starts_at, gone.zone)}) is cancelled.{extra}",
                title="AMA cancelled",
                purpose="ama.cancelled",
            )
            if gone.announce_ref:
                await self.core.delivery.edit(
                    ctx.scope,
                    gone.announce_ref,
                    render.closed_announcement(
                        gone,
                        time_text=self.time_text(ctx.scope),
                        mention=lambda u: self.mention(ctx.scope, u),
                    ),
                )
            await self._event_status(gone, "cancelled")
        return cancelled

    async def _tell_attendees(
        self, session: Session, text: str, *, title: str, purpose: str
    ) -> None:
        people = dict.fromkeys([session.host_id, *await self.repo.rsvps(session.id)])
        for user_id in people:
            await self.core.delivery.dm(
                session.scope, user_id, Reply(text, title=title), purpose=purpose
            )

    # ----- RSVP and calendar ------------------------------------------------------------

    async def rsvp(self, ctx: Context, session: Session) -> Reply:
        phase = session.phase(ctx.now())
        if phase in ("over", "cancelled"):
            raise UserError(f"Session `{session.short_id}` is {phase}; RSVPs are closed.")
        going = await self.repo.toggle_rsvp(session.id, ctx.actor.user_id, ctx.now())
        if not going:
            return Reply(
                f"Your RSVP to **{inert(session.title)}** is withdrawn; no reminders will come."
            )
        settings = await self.repo.settings(ctx.scope)
        ahead = [
            m
            for m in settings.reminder_minutes
            if session.starts_at - timedelta(minutes=m) > ctx.now()
        ]
        reminders = (
            " We will DM you "
            + " and ".join(render.about(timedelta(minutes=m)) for m in ahead)
            + " before."
            if ahead
            else ""
        )
        return Reply(
            f"You are going to **{inert(session.title)}**, "
            f"{self.time_text(ctx.scope)(session.starts_at, session.zone)}.{reminders} "
            "Press RSVP again to take it back.",
            title="RSVP saved",
            buttons=[
                Button("Add to calendar", "ama.calendar", session.short_id),
                form_button(
                    "Ask a question", render.ASK_FORM, prefill={"session": session.short_id}
                ),
            ],
        )

    async def calendar(self, ctx: Context, session: Session) -> Reply:
        series = await self.repo.series(session.series_id) if session.series_id else None
        content = session_ics(
            uid=f"ama-{session.id}-{session.scope.workspace_id}@preceptor",
            title=f"AMA: {session.title}",
            description=f"{session.description}\n\nSession id {session.short_id}. "
            f"Ask with /ama ask session:{session.short_id}".strip(),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location=self.channel(ctx.scope, session.channel_id),
            stamp=ctx.now(),
            sequence=session.version,
            cancelled=session.cancelled,
        )
        more = f" It is session {session.seq} of a series ({series.rule})." if series else ""
        return Reply(
            f"Here is **{inert(session.title)}** for your calendar.{more}",
            file=Attachment(
                ics_filename(session.title, session.short_id), content, ICS_CONTENT_TYPE
            ),
        )

    # ----- questions --------------------------------------------------------------------

    async def ask(self, ctx: Context, session: Session, text: str, *, anonymous: bool) -> Reply:
        phase = session.phase(ctx.now())
        if phase in ("over", "cancelled"):
            raise UserError(f"Session `{session.short_id}` is {phase}; it takes no more questions.")
        settings = await self.repo.settings(ctx.scope)
        status = PENDING if settings.require_approval else APPROVED
        question = await self.repo.ask(
            session, text, ctx.actor.user_id, anonymous=anonymous, status=status, now=ctx.now()
        )
        hidden = " Nobody but you will see that you asked it." if anonymous else ""
        if status == PENDING:
            await self._to_moderators(session, question)
            return Reply(
                f"Your question #{question.id} for **{inert(session.title)}** is in, waiting "
                f"for a moderator to approve it.{hidden}",
                title="Question sent",
            )
        return Reply(
            f"Your question #{question.id} for **{inert(session.title)}** is in; others can "
            f"upvote it now.{hidden}",
            title="Question sent",
        )

    async def _to_moderators(self, session: Session, question: Question) -> None:
        community = await self.core.repos.communities.get(session.scope)
        if not community.modlog_channel:
            return  # moderators see it in /ama queue
        await self.core.delivery.post(
            session.scope,
            community.modlog_channel,
            Reply.public(
                render.question_line(question, mention=lambda u: self.mention(session.scope, u))
                + f"\n(for `{session.short_id}` {inert(session.title)})",
                title="A question is waiting for approval",
                buttons=moderation_buttons(question),
            ),
            purpose="ama.queue",
        )

    async def approve(self, ctx: Context, question: Question) -> Reply:
        async with self.core.db.transaction():
            if not await self.repo.set_status(question.id, (PENDING,), APPROVED, ctx.now()):
                raise UserError(
                    f"Question #{question.id} is {question.status}, not waiting for approval."
                )
            await ctx.audit(
                "ama.approve",
                target=f"question:{question.id}",
                summary=f"approved question #{question.id}",
            )
        await self._tell_askers(
            question, f"Your question #{question.id} is approved; others can upvote it now."
        )
        return Reply(f"Question #{question.id} is approved.")

    async def reject(self, ctx: Context, question: Question, reason: str | None) -> Reply:
        async with self.core.db.transaction():
            if not await self.repo.set_status(question.id, OPEN_QUESTION, REJECTED, ctx.now()):
                raise UserError(
                    f"Question #{question.id} is {question.status}; it cannot be rejected."
                )
            await ctx.audit(
                "ama.reject",
                target=f"question:{question.id}",
                summary=f"rejected question #{question.id}",
            )
        why = f" The moderators said: {inert(reason)}" if reason else ""
        await self._tell_askers(
            question,
            f"Your question #{question.id} was not accepted for the session.{why}",
        )
        return Reply(f"Question #{question.id} is rejected; its asker was told privately.")

    async def merge(self, ctx: Context, duplicate: Question, into: Question) -> Reply:
        if duplicate.id == into.id:
            raise UserError("A question cannot be merged into itself.")
        if duplicate.session_id != into.session_id:
            raise UserError(
                f"Questions #{duplicate.id} and #{into.id} belong to different sessions."
            )
        askers = await self.repo.asker_ids(duplicate.id)  # they move with the merge
        async with self.core.db.transaction():
            if not await self.repo.merge(duplicate.id, into.id, ctx.now()):
                raise UserError(
                    f"Only open questions can be merged (#{duplicate.id} is {duplicate.status}, "
                    f"#{into.id} is {into.status})."
                )
            await ctx.audit(
                "ama.merge",
                target=f"question:{duplicate.id}",
                detail={"into": into.id},
                summary=f"merged question #{duplicate.id} into #{into.id}",
            )
        merged = await self.repo.question(ctx.scope, into.id)
        assert merged is not None
        await self._tell(
            duplicate.scope,
            askers,
            f"Your question #{duplicate.id} was merged with a similar one, #{into.id}, which "
            "now carries its votes.",
        )
        return Reply(
            f"#{duplicate.id} is merged into #{into.id}, which now has "
            f"{merged.votes} vote(s) and {len(merged.askers)} asker(s)."
        )

    async def _tell_askers(self, question: Question, text: str) -> None:
        await self._tell(question.scope, await self.repo.asker_ids(question.id), text)

    async def _tell(self, scope: Scope, user_ids: list[str], text: str) -> None:
        for user_id in user_ids:
            await self.core.delivery.dm(
                scope,
                user_id,
                Reply(text, title="Your AMA question"),
                purpose="ama.question",
            )

    async def vote(self, ctx: Context, question: Question) -> Reply:
        session = await self.repo.by_id(question.session_id)
        if session is None or session.phase(ctx.now()) in ("over", "cancelled"):
            raise UserError("Voting on this session's questions is closed.")
        result = await self.repo.toggle_vote(question.id, ctx.actor.user_id, ctx.now())
        if result is None:
            raise UserError(f"Question #{question.id} is not open for votes ({question.status}).")
        if result.voted:
            return Reply(
                f"Upvoted #{question.id}: it has {result.votes} vote(s). "
                "Press again to take it back."
            )
        return Reply(f"Your vote on #{question.id} is taken back: it has {result.votes} vote(s).")

    async def mark_answered(self, ctx: Context, question: Question, *, undo: bool) -> Reply:
        session = await self.repo.by_id(question.session_id)
        assert session is not None
        self.require_manager(ctx, session, "mark questions answered")
        if question.status != APPROVED:
            raise UserError(
                f"Question #{question.id} is {question.status}; "
                "only approved questions are answered."
            )
        if not undo and question.answered:
            raise UserError(f"Question #{question.id} is already marked answered.")
        await self.repo.mark_answered(question.id, ctx.actor.user_id, ctx.now(), answered=not undo)
        if undo:
            return Reply(f"Question #{question.id} is open again.")
        return Reply(f"Question #{question.id} is marked answered; it will be in the recap.")

    async def reveal(self, ctx: Context, question: Question, reason: str) -> Reply:
        """A moderator learns who asked anonymously (for abuse): audited, told privately."""
        async with self.core.db.transaction():
            askers = await self.repo.anonymous_asker_ids(question.id)
            if not askers:
                raise UserError(f"Question #{question.id} has no anonymous asker.")
            await ctx.audit(
                "ama.reveal",
                target=f"question:{question.id}",
                detail={"reason": reason},
                summary=(
                    f"revealed the anonymous asker of question #{question.id} (reason: {reason})"
                ),
            )
        names = ", ".join(self.mention(ctx.scope, u) for u in askers)
        return Reply(
            f"Question #{question.id} was asked anonymously by {names}. This reveal is in the "
            "audit log; please handle it with care.",
            title="Anonymous asker revealed",
        )


def moderation_buttons(question: Question) -> list[Button]:
    return [
        Button(f"Approve #{question.id}", "ama.approve", str(question.id), ButtonStyle.SUCCESS),
        Button(f"Reject #{question.id}", "ama.reject", str(question.id), ButtonStyle.DANGER),
        form_button(
            f"Merge #{question.id}…",
            render.MERGE_FORM,
            ButtonStyle.SECONDARY,
            {"question": str(question.id)},
        ),
    ]


def _stamp(when: datetime) -> str:
    return str(int(when.timestamp()))


def session_fields(
    sessions: list[Session], counts: dict[int, int], going: set[int], time_text: render.TimeText
) -> list[Field]:
    return [
        Field(
            f"`{s.short_id}` {inert(s.title)}",
            f"{render.when_line(s, time_text)} · {counts.get(s.id, 0)} going"
            + (" · you're going" if s.id in going else ""),
        )
        for s in sessions
    ]
